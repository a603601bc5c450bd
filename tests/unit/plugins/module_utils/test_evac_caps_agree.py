# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The planner and the evacuation run count the same migrations in flight.

The plan's predicted timeline is replayed through the run's caps, built the way the module builds them
(its argument spec's defaults, ``caps_for``, the systems' limits as ``lslparmigr -r sys`` reports them):
every start the plan makes at once must be allowed, and at the plan's peak the next migration the
planner's limits forbid must be refused. A default cap in all that the planner does not know (the
module's former 16), or a policy cap only one of them counts, fails these tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._concurrency_limits import DEFAULT_MAX_CONCURRENT, DEFAULT_SYSTEM_CAP
from ansible_collections.powervm.lpm.plugins.module_utils._evac_caps import Caps, Slot
from ansible_collections.powervm.lpm.plugins.module_utils._evac_params import ARGSPEC, channels_for, options_of
from ansible_collections.powervm.lpm.plugins.module_utils._evac_setup import capacities as read_capacities
from ansible_collections.powervm.lpm.plugins.module_utils._evac_setup import caps_for, retry_setting
from ansible_collections.powervm.lpm.plugins.module_utils._evac_types import Entry, Options, entries_of
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcCommandError
from ansible_collections.powervm.lpm.plugins.module_utils._migration_records import SystemCapacity
from ansible_collections.powervm.lpm.plugins.module_utils._plan_build import evacuation_plan
from ansible_collections.powervm.lpm.plugins.module_utils._plan_params import physics_from, policy_from
from ansible_collections.powervm.lpm.plugins.module_utils._plan_types import Policy
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.plan_estate_builder import Estate

ACTIVE_SUPPORTED, INACTIVE_SUPPORTED = 16, 4  # lslparmigr -r sys of current firmware (hmc-cli-facts.md 3.1; the twin's generator)


def estate(running: int = 20, inactive: int = 6) -> dict[str, Any]:
    """A source with two MSPs (8 migrations each), three roomy targets alike, small partitions: the plan runs 16 active
    and 4 inactive migrations at once - more than 16 in all."""
    e = Estate().system("src", active=ACTIVE_SUPPORTED, inactive=INACTIVE_SUPPORTED)
    for k in range(2):
        e.vios("src", f"src-vio{k + 1}", k + 1)
    for n in range(1, 4):
        e.system(f"t{n}", active=ACTIVE_SUPPORTED, inactive=INACTIVE_SUPPORTED, avail_mem_mb=400_000, avail_units=40.0)
        for k in range(2):
            e.vios(f"t{n}", f"t{n}-vio{k + 1}", k + 1)
    for i in range(running):
        e.lpar("src", f"run{i:02d}", 10 + i, mem_mb=8192)
    for i in range(inactive):
        e.lpar("src", f"off{i:02d}", 50 + i, mem_mb=8192, state="Not Activated")
    return dict(e.build())


def capacities(facts: Mapping[str, Any]) -> dict[str, SystemCapacity]:
    """What ``lslparmigr -r sys`` reports of each system (the facts were read from it)."""
    out = {}
    for name, system in facts["systems"].items():
        m = system["migration"]
        out[name] = SystemCapacity(name, m["active_supported"], m["active_in_progress"], m["inactive_supported"], m["inactive_in_progress"])
    return out


def module_params(plan: Mapping[str, Any], policy: Mapping[str, Any], facts: Mapping[str, Any], **given: Any) -> dict[str, Any]:
    """The evacuation module's parameters as Ansible hands them over: every option at its argument spec default."""
    params: dict[str, Any] = {name: spec.get("default") for name, spec in ARGSPEC.items()}
    params.update(plan={"plan": list(plan)}, source_system="src", estate=dict(facts), policy=dict(policy), physics={}, **given)
    return params


def run_caps(plan: Sequence[Mapping[str, Any]], policy: Mapping[str, Any], facts: Mapping[str, Any], **given: Any) -> tuple[Caps, Options]:
    """The caps an evacuation run of ``plan`` holds, built as the module builds them."""
    params = module_params(plan, policy, facts, **given)
    options = options_of(params)
    targets = sorted({str(m["target_system"]) for m in plan})
    warnings: list[str] = []
    retry = retry_setting(facts, options, params["policy"], params["physics"], targets, warnings)
    assert not warnings
    return caps_for(options, retry, capacities(facts), []), options


def replay(entries: Sequence[Entry], caps: Caps) -> tuple[int, float]:
    """Start and end every planned migration at its predicted times (ends first at equal times) through the run's
    caps; every start must be allowed. Returns the peak in flight and when it was first reached."""
    events = sorted([(e.end_s, 0, e) for e in entries] + [(e.start_s, 1, e) for e in entries], key=lambda x: (x[0], x[1], x[2].order))
    most, when = 0, 0.0
    for t, starting, e in events:
        slot = Slot(e.lpar, e.source, e.target, e.kind, e.source_msp, e.dest_msp)
        if starting:
            why = caps.blocker(slot)
            assert why is None, f"the plan starts {e.lpar} at +{t:.1f} s with {caps.in_flight} in flight; the run refuses: {why}"
            caps.take(slot)
            if caps.in_flight > most:
                most, when = caps.in_flight, t
        else:
            caps.release(slot)
    return most, when


def in_flight_at(entries: Sequence[Entry], t: float) -> list[Entry]:
    return [e for e in entries if e.start_s <= t < e.end_s]


def test_one_default_for_the_cap_in_all():
    assert DEFAULT_MAX_CONCURRENT is None  # an HMC has no limit in all; hmc-cli-facts.md 3.1, lpm-model.md 2.1
    assert ARGSPEC["max_concurrent"].get("default") == DEFAULT_MAX_CONCURRENT
    assert Options("src", "src", "/tmp").max_concurrent == DEFAULT_MAX_CONCURRENT
    assert Policy().max_concurrent == policy_from({}).max_concurrent == DEFAULT_MAX_CONCURRENT


def test_the_run_allows_every_migration_the_plan_runs_at_once_and_no_more():
    facts = estate()
    plan = evacuation_plan(facts, "src", None, policy_from({}), physics_from({})).migrations
    entries = entries_of({"plan": plan})
    caps, _options = run_caps(plan, {}, facts)
    most, when = replay(entries, caps)
    assert most == ACTIVE_SUPPORTED + INACTIVE_SUPPORTED  # more than 16 in all, active and inactive counted apart

    # at the plan's peak the source has no slot left of either kind, in the plan and in the run
    peak = in_flight_at(entries, when)
    assert sum(e.kind != "inactive" for e in peak) == ACTIVE_SUPPORTED and sum(e.kind == "inactive" for e in peak) == INACTIVE_SUPPORTED
    caps, _options = run_caps(plan, {}, facts)
    for e in peak:
        caps.take(Slot(e.lpar, e.source, e.target, e.kind, e.source_msp, e.dest_msp))
    for kind in ("active", "inactive"):
        why = caps.blocker(Slot("extra", "src", "t3", kind, "", ""))
        assert why is not None and f"system src has no free {kind} migration slot" in why


@pytest.mark.parametrize(
    ("policy", "peak_all", "peak_active", "refused_active", "refused_inactive"),
    [
        ({"max_concurrent": 6}, 6, None, "max_concurrent is 6", "max_concurrent is 6"),
        ({"max_per_system": 3, "max_inactive_per_system": 1}, 4, 3, "the policy's cap per system", "the policy's cap per system"),
        ({"max_per_msp": 2}, 4 + INACTIVE_SUPPORTED, 4, "mover service partition src-vio", "system src has no free inactive migration slot"),
    ],
)
def test_the_policys_caps_hold_in_the_plan_and_in_the_run(policy, peak_all, peak_active, refused_active, refused_inactive):
    facts = estate()
    plan = evacuation_plan(facts, "src", None, policy_from(policy), physics_from({})).migrations
    entries = entries_of({"plan": plan})
    caps, _options = run_caps(plan, policy, facts)
    most, when = replay(entries, caps)
    assert most == peak_all
    peak = in_flight_at(entries, when)
    if peak_active is not None:
        assert sum(e.kind != "inactive" for e in peak) == peak_active
    # the next migration of each kind from the source, at the plan's peak: the run refuses it for the policy's reason
    caps, _options = run_caps(plan, policy, facts)
    for e in peak:
        caps.take(Slot(e.lpar, e.source, e.target, e.kind, e.source_msp, e.dest_msp))
    busiest = max(sorted({e.source_msp for e in peak if e.source_msp}), key=lambda m: sum(e.source_msp == m for e in peak))
    assert refused_active in str(caps.blocker(Slot("extra", "src", "t1", "active", busiest, "t1-vio1")))
    assert refused_inactive in str(caps.blocker(Slot("extra", "src", "t1", "inactive", "", "")))


def test_a_cap_set_only_on_the_module_still_holds_and_the_policys_wins():
    facts = estate()
    plan = evacuation_plan(facts, "src", None, policy_from({}), physics_from({})).migrations
    caps, options = run_caps(plan, {}, facts, max_concurrent=5)
    assert options.max_concurrent == 5 and caps.book.max_concurrent == 5
    caps, _options = run_caps(plan, {"max_concurrent": 7}, facts, max_concurrent=5)
    assert caps.book.max_concurrent == 7


def test_ssh_channels_never_hold_back_a_migration_the_caps_allow():
    facts = estate()
    plan = evacuation_plan(facts, "src", None, policy_from({}), physics_from({})).migrations
    params = module_params(plan, {}, facts)
    assert channels_for(params, options_of(params), 3) == len(plan) + 3  # no cap in all: every planned migration may run
    params = module_params(plan, {"max_concurrent": 6}, facts)
    assert channels_for(params, options_of(params), 3) == 6 + 3
    params = module_params(plan[:2], {}, facts, max_concurrent=10)
    assert channels_for(params, options_of(params), 3) == 2 + 3


class _Unreadable:
    """A client whose every command fails the way an HMC refuses one."""

    def run(self, argv: Sequence[str], **_: Any) -> Any:
        raise HmcCommandError(" ".join(argv), 1, "", "HSCL0001 The managed system is busy.")


def test_a_system_whose_limits_cannot_be_read_gets_the_limit_the_planner_assumes():
    facts = estate(running=12, inactive=0)
    for system in facts["systems"].values():
        system["migration"].update(active_supported=None, inactive_supported=None)
    warnings: list[str] = []
    found = read_capacities(_Unreadable(), sorted(facts["systems"]), warnings)
    assert found == {name: SystemCapacity(name, DEFAULT_SYSTEM_CAP, 0, DEFAULT_SYSTEM_CAP, 0) for name in facts["systems"]}
    assert len(warnings) == len(facts["systems"])
    assert all(f"{DEFAULT_SYSTEM_CAP} active and {DEFAULT_SYSTEM_CAP} inactive migrations at once are assumed" in w for w in warnings)

    plan = evacuation_plan(facts, "src", None, policy_from({}), physics_from({})).migrations
    params = module_params(plan, {}, facts)
    options = options_of(params)
    retry = retry_setting(facts, options, params["policy"], params["physics"], sorted({str(m["target_system"]) for m in plan}), [])
    caps = caps_for(options, retry, found, [])
    most, _when = replay(entries_of({"plan": plan}), caps)
    assert most == DEFAULT_SYSTEM_CAP  # the plan runs 4 at once and the run allows exactly that
    for n in range(DEFAULT_SYSTEM_CAP):
        caps.take(Slot(f"x{n}", "src", "t3", "active", "", ""))
    why = caps.blocker(Slot("extra", "src", "t3", "active", "", ""))
    assert why is not None and "system src has no free active migration slot" in why
