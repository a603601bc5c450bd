"""Mover service partitions (field guide slides 8-9, 15-16, 19, 22-23, 48, 52)."""
from __future__ import annotations

from typing import Iterator

from . import lookup
from .base import Check, Fields, reason_text, rule
from .resolve import redundant_mode, second_msp_missing


@rule("msp_requested")
def msp_requested(check: Check) -> Iterator[Fields]:
    """migrlpar source_msp_*/dest_msp_* (slides 34, 38): a requested MSP exists and can serve
    (VIOS, msp=1, Running, VASI device, below its cfg_msp_lpm_ops concurrent operations)."""
    for issue in check.msp_issues:
        yield {"msp": issue.msp, "system": issue.system, "reason": reason_text(issue.reason, **issue.fields)}


@rule("msp_available")
def msp_available(check: Check) -> Iterator[Fields]:
    """VIOS checklist (slide 19) and MSP setup (slides 9, 15-16, 23): at least one VIOS per server is a
    mover service partition with a VASI device, running and not at its concurrency limit."""
    asked = {issue.system for issue in check.msp_issues}
    for ms, chosen in ((check.src, check.res.source_msp), (check.target, check.res.dest_msp)):
        if chosen is None and ms.name not in asked:
            yield {"system": ms.name}


@rule("msp_link")
def msp_link(check: Check) -> Iterator[Fields]:
    """Validation (slide 36): the source and destination MSPs can communicate over the network."""
    pairs = [(check.res.source_msp, check.res.dest_msp),
             (check.res.redundant_source_msp, check.res.redundant_dest_msp)]
    for s, d in pairs:
        if s is None or d is None:
            continue
        if not all(v.vios is not None and v.vios.msp_link_gbps > 0 for v in (s, d)):
            yield {"source_msp": s.name, "dest_msp": d.name}


@rule("msp_redundant")
def msp_redundant(check: Check) -> Iterator[Fields]:
    """Redundant MSPs (IBM Knowledge Center, "Specifying redundant mover service partitions"; lpm-model.md
    §2.1): with --redundantmsps 1 the migration must get a second MSP pair, other MSPs than the first on
    both systems, or validation fails; with 2 it goes on with one pair."""
    if redundant_mode(check) != "1" or check.res.source_msp is None or check.res.dest_msp is None:
        return
    if check.res.redundant_source_msp is not None and check.res.redundant_dest_msp is not None:
        return
    asked = {issue.system for issue in check.msp_issues}
    for ms in second_msp_missing(check):
        if ms.name not in asked:
            yield {"system": ms.name, "lpar": check.lp.name}


@rule("msp_time_reference")
def msp_time_reference(check: Check) -> Iterator[Fields]:
    """VIOS checklist (slide 19) and slide 9: time-of-day of the VIOS should be synchronized - warn when
    no MSP of a system is a time reference partition."""
    if check.res.source_msp is None or check.res.dest_msp is None:
        return
    for ms in (check.src, check.target):
        msps = [v for v in lookup.vioses(ms) if v.msp]
        if msps and not any(v.time_ref for v in msps):
            yield {"vios": ", ".join(v.name for v in msps)}
