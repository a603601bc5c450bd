# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Where a run starts: each planned partition's track, from the journal and what the HMC shows now.

=================== ==================================================================================
HMC shows           the track
=================== ==================================================================================
on another system   moved (before this run); a launch without a result gets one
migrating           followed (``attach``): its ``migrlpar -o m`` is never sent again
migration failed    recovered first (``migrlpar -o r``), then retried like any failed attempt
on the source       waiting; left for good when an earlier run gave up on it (except ``deadline`` and
                    ``vios_slot``, which a new run decides again); an attempt that failed without a
                    decision gets one now
not found           left (``not_found``)
=================== ==================================================================================
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._evac_dispatch import LEFT, MOVED, Track
from ansible_collections.powervm.lpm.plugins.module_utils._evac_journal import JournalState
from ansible_collections.powervm.lpm.plugins.module_utils._evac_survey import Placement, Where
from ansible_collections.powervm.lpm.plugins.module_utils._evac_types import Entry

# Left reasons a new run decides again: the deadline, and the return home's check of the original VIOS slots.
RETRIED_REASONS = frozenset({"deadline", "vios_slot"})


@dataclass
class Start:
    tracks: list[Track] = field(default_factory=list)
    recover: list[Track] = field(default_factory=list)  # needs migrlpar -o r before anything else
    moved_unseen: list[Track] = field(default_factory=list)  # moved while no run followed it
    decide_retry: list[Track] = field(default_factory=list)  # its last attempt failed, no decision yet


def _from_launch(entry: Entry, launch: Mapping[str, Any] | None) -> Entry:
    """The entry of the last attempt sent (a retry may have changed target and MSPs)."""
    if launch is None:
        return entry
    target = str(launch.get("target") or entry.target)
    return dataclasses.replace(entry, target=target, source_msp=str(launch.get("source_msp") or ""), dest_msp=str(launch.get("dest_msp") or ""))


def track_of(entry: Entry, state: JournalState, placement: Placement, start: Start) -> Track:
    lpar = entry.lpar
    launch = state.last_launch(lpar)
    current = _from_launch(entry, launch)
    track = Track(current, attempts=state.attempts(lpar), retry="resumed" if current != entry else "")
    where = placement.where
    if where == Where.MOVED:
        track.state, track.moved_before = MOVED, True
        track.entry = dataclasses.replace(current, target=placement.system)
        last = state.last_result(lpar)
        if last is None or last.get("status") != "migrated":
            start.moved_unseen.append(track)
        return track
    if where == Where.MIGRATING:
        track.attach = True
        if placement.dest and placement.dest != current.target:
            track.entry = dataclasses.replace(current, target=placement.dest)
        return track
    if where == Where.NEEDS_RECOVERY:
        start.recover.append(track)
        return track
    if where in (Where.MISSING, Where.AMBIGUOUS):
        track.state, track.reason = LEFT, "not_found"
        track.note = f"{lpar} is not on {entry.source} or on a target" if where == Where.MISSING else f"partitions named {lpar} are on several systems"
        return track
    left = state.left.get(lpar)
    if left is not None and left.get("reason") not in RETRIED_REASONS:
        track.state, track.reason, track.note = LEFT, str(left.get("reason")), str(left.get("detail") or "")
        return track
    last = state.last_result(lpar)
    if last is not None and last.get("status") == "failed" and state.open_launch(lpar) is None and track.attempts > 0:
        start.decide_retry.append(track)
    return track


def classify(entries: Sequence[Entry], state: JournalState, placements: Mapping[str, Placement]) -> Start:
    start = Start()
    for entry in entries:
        start.tracks.append(track_of(entry, state, placements[entry.lpar], start))
    return start
