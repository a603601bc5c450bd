"""RMC connections the migration needs (field guide slides 24-25 and 36)."""
from __future__ import annotations

from typing import Iterator

from ..estate import Estate
from ..model import Lpar
from . import lookup
from .base import Check, Fields, rule


def involved_vios(check: Check) -> list[Lpar]:
    """The VIOS a migration talks to: the source VIOS serving the partition's virtual adapters, the
    destination VIOS chosen to host them, and the MSP pair. Not-running VIOS are left out (other rules
    report them)."""
    seen: dict[tuple[str, str], Lpar] = {}

    def add(ms_name: str, vios: Lpar | None) -> None:
        if vios is not None and vios.state == "Running":
            seen.setdefault((ms_name, vios.name), vios)

    for adapter in [*lookup.client_scsi(check.lp), *lookup.client_fc(check.lp)]:
        add(check.src.name, Estate.find_lpar(check.src, name=adapter.remote_lpar))
    add(check.src.name, check.res.source_msp)
    add(check.src.name, check.res.redundant_source_msp)
    for name in [*check.res.scsi_dest.values(), *check.res.fc_dest.values()]:
        add(check.target.name, Estate.find_lpar(check.target, name=name))
    add(check.target.name, check.res.dest_msp)
    add(check.target.name, check.res.redundant_dest_msp)
    return list(seen.values())


@rule("rmc_partition")
def rmc_partition(check: Check) -> Iterator[Fields]:
    """RMC check (slides 25, 36): the HMC has an active RMC connection to the mobile partition."""
    if check.lp.rmc_state != "active":
        yield {"lpar": check.lp.name}


@rule("rmc_vios")
def rmc_vios(check: Check) -> Iterator[Fields]:
    """RMC check (slides 25, 36): RMC is active to the source and destination VIOS and to the MSPs."""
    for vios in involved_vios(check):
        if vios.rmc_state != "active":
            yield {"lpar": vios.name}
