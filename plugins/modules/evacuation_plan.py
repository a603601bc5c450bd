#!/usr/bin/python
# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: evacuation_plan
short_description: Plan the evacuation of a managed system by Live Partition Mobility
version_added: 0.1.0
description:
  - Computes, from the estate facts of M(powervm.lpm.estate_info), where each partition of a source managed system
    goes, over which pair of mover service partitions (MSPs), in which order and when, so that the whole evacuation
    ends as early as the migration model predicts it can.
  - Every hard constraint of Live Partition Mobility the facts allow to check is respected - target memory (with the
    hypervisor page table) and processing units, shared processor pool, processor compatibility mode (current for
    active partitions, preferred for inactive ones), logical memory block size, VLANs bridged on the target, vSCSI
    LUNs seen and NPIV ports on the needed fabrics by a target VIOS, name, UUID and MAC uniqueness, and the
    concurrency caps of each system, MSP and MSP pair - as well as the policy (exclusions, pinned targets,
    disruption groups).
  - Partitions that cannot move are listed in RV(unmovable) with a machine-readable reason; every choice is listed in
    RV(decisions) with its reason.
  - The plan predicts each migration with the pre-copy model (fixed overhead, rounds with dirty rate, writable
    working set, threshold and maximum rounds) and max-min fair sharing of the MSP links, and reports the lower
    bound of the makespan and the bottleneck that sets it.
  - The module only computes. It does not connect to an HMC and never changes anything.
  - The same input always gives the same plan, whatever the order of the keys of the dicts given.
  - The plan format and the reason codes are described in the collection's C(docs/evacuation_plan.md).
options:
  estate:
    description:
      - The estate facts, as returned by M(powervm.lpm.estate_info) in RV(powervm.lpm.estate_info#module:estate).
      - An estate holding a value of another type than M(powervm.lpm.estate_info) gives it (for example a string or a
        boolean where it gives an integer) is refused before it is used, with the path of every such field in
        RV(problems).
    type: dict
    required: true
  source_system:
    description:
      - The managed system to evacuate, by name.
    type: str
    required: true
  target_systems:
    description:
      - The managed systems the partitions may go to, by name.
      - By default every other managed system of the estate.
    type: list
    elements: str
  policy:
    description:
      - What may move where, and how many migrations may run at once.
    type: dict
    suboptions:
      exclude:
        description: Partitions that stay on the source system.
        type: list
        elements: str
      pin:
        description: Partitions that must go to a given target system (partition name to target system name).
        type: dict
      disruption_groups:
        description: Groups of partitions that never migrate at the same time (for example the nodes of a cluster).
        type: list
        elements: dict
        suboptions:
          name:
            description: Name of the group, for the decisions.
            type: str
          members:
            description: The partitions of the group.
            type: list
            elements: str
            required: true
      inactive:
        description:
          - What happens to partitions that are C(Not Activated).
          - V(move) moves them by inactive migration; V(stay) leaves them on the source system.
        type: str
        choices: [move, stay]
        default: move
      reserve_inactive_capacity:
        description:
          - Keep room on the target for inactive partitions to be activated there later (their memory and processing
            units count as used).
        type: bool
        default: true
      unverified_storage:
        description:
          - What to do when the facts cannot confirm that a target VIOS reaches a partition's storage (VIOS not read,
            disk identities not read, fabric of an NPIV port not known).
          - V(allow) plans the migration and adds a C(storage_unverified) note to RV(decisions); V(block) makes the
            target infeasible for that partition.
        type: str
        choices: [allow, block]
        default: allow
      fc_fabrics:
        description:
          - The SAN fabric of each physical FC port, keyed C(system/vios/fcsN), since the HMC does not report it.
          - An NPIV client adapter then needs a target VIOS port on the fabric of its source port.
        type: dict
      max_concurrent:
        description: At most this many migrations at once in all.
        type: int
      max_per_system:
        description: At most this many active migrations at once per system (the lower of this and what it supports).
        type: int
      max_inactive_per_system:
        description: At most this many inactive migrations at once per system.
        type: int
      max_per_msp:
        description: At most this many migrations at once per MSP (the lower of this and its C(cfg_msp_lpm_ops)).
        type: int
      max_per_msp_pair:
        description: At most this many migrations at once per pair of source and destination MSPs.
        type: int
      max_evaluations:
        description:
          - How many simulations of candidate schedules the search may run; V(0) scales it with the number of
            migrations. The search never depends on elapsed time.
        type: int
        default: 0
  physics:
    description:
      - The migration physics of the site. Every value has a planning default, an estimate to calibrate from the
        durations of past migrations (bytes over elapsed time, split into fixed and transfer time).
    type: dict
    suboptions:
      t_validate_s:
        description: Seconds of validation per migration. Default 20.
        type: float
      t_create_s:
        description: Seconds to build the partition shell and VIOS mappings on the target. Default 30.
        type: float
      t_msp_setup_s:
        description: Seconds to set up the MSPs before the memory copy. Default 10.
        type: float
      t_cleanup_s:
        description: Seconds of clean-up after the partition resumed on the target. Default 30.
        type: float
      t_suspend_s:
        description: Seconds the partition is suspended. Default 1.
        type: float
      t_inactive_copy_s:
        description: Seconds to copy the configuration of an inactive partition. Default 15.
        type: float
      v_th_seconds:
        description: The pre-copy stops when what is left takes this many seconds at the current rate. Default 2.
        type: float
      n_max:
        description: At most this many pre-copy rounds after the first. Default 8.
        type: int
      link_payload_mbs:
        description:
          - Payload capacity (MB/s) of one MSP link, shared by the migrations crossing it, keyed by the link speed in
            Gbit/s (V("10")).
          - By default 100 at 1, 1100 at 10, 2500 at 25, 3500 at 40 and 6000 at 100 Gbit/s. Speeds given replace
            these; other speeds scale the nearest one.
        type: dict
      stream_mbs:
        description:
          - What one migration stream reaches (MB/s), keyed by the link speed in Gbit/s.
          - By default 100 at 1, 1000 at 10, 1400 at 25, 1600 at 40 and 2000 at 100 Gbit/s.
        type: dict
      msp_link_gbps:
        description: Speed (Gbit/s) of every MSP link not in O(physics.msp_links). Default 10.
        type: float
      msp_links:
        description: Speed (Gbit/s) of the link of an MSP, keyed C(system/vios) or C(vios).
        type: dict
      dirty_rate_mbs:
        description: MB/s of memory each partition dirties (not in O(physics.workloads)). Default 20.
        type: float
      wws_pct:
        description: Writable working set, percent of memory. Default 2.
        type: float
      touched_fraction:
        description: Fraction (0-1) of memory the migration sends in its first pass. Default 0.7.
        type: float
      workloads:
        description:
          - Per partition name, a dict with any of C(dirty_rate_mbs), C(wws_pct) and C(touched_fraction); the
            values not given are the defaults above.
        type: dict
  baselines:
    description:
      - Also plan the evacuation the usual ways, with the same model, to compare against, and return them in
        RV(baselines).
      - V(serial) one at a time; V(hmc_all) C(migrlpar --all) to the single target that takes the most partitions at
        a fixed concurrency; V(powervc) largest memory first to the target with the most free memory, 8 at once;
        V(nova) 4 at once in a random (seeded) order. All leave the choice of MSPs to the HMC.
    type: list
    elements: str
    choices: [serial, hmc_all, powervc, nova]
    default: []
  baseline_options:
    description: Parameters of the baselines.
    type: dict
    suboptions:
      hmc_concurrency:
        description: Migrations at once for V(hmc_all).
        type: int
        default: 4
      powervc_cap:
        description: Migrations at once for V(powervc).
        type: int
        default: 8
      nova_cap:
        description: Migrations at once for V(nova).
        type: int
        default: 4
      seed:
        description: Seed of the V(nova) order.
        type: int
        default: 0
extends_documentation_fragment:
  - powervm.lpm.attributes
  - powervm.lpm.attributes.INFO_MODULE
attributes:
  platform:
    support: full
    platforms: controller
    details:
      - The module computes on the Ansible controller and connects to nothing.
notes:
  - The planner reads partition workloads (dirty rate, writable working set) and MSP link speeds from O(physics),
    since the HMC does not report them.
seealso:
  - module: powervm.lpm.estate_info
author:
  - powervm.lpm maintainers (@powervm-lpm)
"""

EXAMPLES = r"""
- name: Read the estate
  powervm.lpm.estate_info:
    hmc_host: hmc1.example.com
    hmc_password: "{{ vault_hmc_password }}"
  register: facts

- name: Plan the evacuation of the p750 to the p740
  powervm.lpm.evacuation_plan:
    estate: "{{ facts.estate }}"
    source_system: p750-Server-8233-E8B-SN069348P
    target_systems:
      - p740-Server-8205-E6B-SN10934CP
  register: plan

- name: Show the predicted makespan and what binds it
  ansible.builtin.debug:
    msg: "ETA {{ plan.eta_seconds }} s, lower bound {{ plan.lb.lb_seconds }} s ({{ plan.bottleneck.term }})"

- name: Plan with a policy and calibrated physics, and compare with the usual ways
  powervm.lpm.evacuation_plan:
    estate: "{{ facts.estate }}"
    source_system: p750-Server-8233-E8B-SN069348P
    policy:
      exclude: [b750nim]
      pin:
        b750db1: p740-Server-8205-E6B-SN10934CP
      disruption_groups:
        - name: db-cluster
          members: [b750db1, b750db2]
      inactive: stay
      max_per_msp: 4
    physics:
      t_validate_s: 45
      msp_link_gbps: 10
      workloads:
        b750db1: {dirty_rate_mbs: 150, wws_pct: 4, touched_fraction: 0.9}
    baselines: [serial, powervc]
  register: plan
"""

RETURN = r"""
plan:
  description:
    - The migrations in start order.
    - An executor starts each one at RV(plan[].start_s) seconds after the evacuation began, once the migrations in
      RV(plan[].start_after) have reached the event named (C(end), or C(suspend) for the end of their memory copy);
      with those starts, the concurrency caps and disruption groups hold at every instant.
  returned: success
  type: list
  elements: dict
  contains:
    lpar:
      description: The partition.
      type: str
      sample: b750db1
    lpar_id:
      description: Its partition ID on the source system.
      type: int
    kind:
      description: C(active), C(suspended) or C(inactive) migration.
      type: str
    source_system:
      description: The source managed system.
      type: str
    target_system:
      description: The target managed system.
      type: str
    dest_lpar_id:
      description: The partition ID on the target (the source ID when free there, as the HMC chooses).
      type: int
    source_msp:
      description: The source MSP (VIOS name); V(null) for an inactive migration.
      type: str
    dest_msp:
      description: The destination MSP; V(null) for an inactive migration.
      type: str
    order:
      description: Position in the start order, from 0.
      type: int
    slot:
      description: Concurrency lane, from 0, for display.
      type: int
    start_after:
      description: Migrations (C(lpar), C(event)) whose event let this one start; empty when it starts at a time.
      type: list
      elements: dict
    start_s:
      description: Predicted start, seconds after the evacuation began.
      type: float
    end_s:
      description: Predicted end.
      type: float
    duration_s:
      description: Predicted duration.
      type: float
    memory_mb:
      description: Memory of the partition.
      type: int
    predicted_mb:
      description: Memory the migration is predicted to send (MB), re-sent pages included.
      type: float
    precopy_rounds:
      description: Predicted pre-copy rounds.
      type: int
eta_seconds:
  description: Predicted makespan of the evacuation (the last RV(plan[].end_s)).
  returned: success
  type: float
  sample: 155.468
lb:
  description:
    - The lower bound of the makespan and its terms, in seconds - source egress C(lb_src), destination ingress
      C(lb_dst), longest single migration C(lb_long) and concurrency slots C(lb_slot) (C(docs/evacuation_plan.md)).
    - C(lb_seconds) is the placement-independent bound (C(lb_dst_min)); C(lb_placement_seconds) uses the chosen
      placement (C(lb_dst)); C(lb_model_tight_seconds) adds the fixed phases no schedule avoids under the model.
  returned: success
  type: dict
  sample: {"lb_seconds": 152.6, "lb_placement_seconds": 152.6, "lb_model_tight_seconds": 152.6, "lb_src": 60.3,
           "lb_dst": 60.3, "lb_dst_min": 60.3, "lb_long": 152.6, "lb_slot": 96.2,
           "bottleneck": {"term": "longest_migration", "seconds": 152.6, "lpar": "b750db1"}}
bottleneck:
  description:
    - The binding term of RV(lb) - C(source_egress), C(destination_ingress), C(longest_migration) or
      C(concurrency_slots) - with what sets it.
  returned: success
  type: dict
  sample: {"term": "longest_migration", "seconds": 152.6, "lpar": "b750db1"}
ratio:
  description: RV(eta_seconds) over C(lb_seconds) of RV(lb); V(null) when nothing moves.
  returned: success
  type: float
  sample: 1.0188
ratio_placement:
  description: RV(eta_seconds) over C(lb_placement_seconds) of RV(lb).
  returned: success
  type: float
unmovable:
  description: Partitions that stay on the source, with a reason code, a text and the reason per target.
  returned: success
  type: list
  elements: dict
  sample: [{"lpar": "b750nim", "reason": "physical_io", "detail": "b750nim owns physical I/O slots (21010207)", "by_target": {}}]
decisions:
  description:
    - Every choice of the planner with its reason code - C(target), C(msp_pair), C(start), C(note) and C(unmovable)
      decisions - and the values behind it.
  returned: success
  type: list
  elements: dict
  sample: [{"lpar": "b750db1", "decision": "target", "value": "p740-Server-8205-E6B-SN10934CP",
            "reason": "only_target_with_room", "free_fraction_after": 0.41, "candidates": ["p740-Server-8205-E6B-SN10934CP"]}]
warnings:
  description: What the facts did not tell and the planner could therefore not check.
  returned: success
  type: list
  elements: str
search:
  description: How the schedule was found (candidate order, link limit, simulations run, events simulated).
  returned: success
  type: dict
baselines:
  description: Per baseline named in O(baselines), its plan in the same format (RV(plan), RV(eta_seconds), RV(lb) ...).
  returned: when O(baselines) is not empty
  type: dict
problems:
  description:
    - "Where the O(estate) given differs from what M(powervm.lpm.estate_info) returns, one C(path: message) line each (at
      most 20), for example C(estate.systems.p750.lmb_mb: is required)."
  returned: when the estate given cannot be used
  type: list
  elements: str
"""

from typing import Any

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.powervm.lpm.plugins.module_utils._estate_check import shape_message, type_refusal
from ansible_collections.powervm.lpm.plugins.module_utils._plan_baselines import BASELINES, BaselineOptions, baseline
from ansible_collections.powervm.lpm.plugins.module_utils._plan_build import plan, setting
from ansible_collections.powervm.lpm.plugins.module_utils._plan_params import PlanInputError, physics_from, policy_from

FLOAT_PHYSICS = ("t_validate_s", "t_create_s", "t_msp_setup_s", "t_cleanup_s", "t_suspend_s", "t_inactive_copy_s", "v_th_seconds",
                 "msp_link_gbps", "dirty_rate_mbs", "wws_pct", "touched_fraction")  # fmt: skip

OPTIONS = {
    "estate": {"type": "dict", "required": True},
    "source_system": {"type": "str", "required": True},
    "target_systems": {"type": "list", "elements": "str"},
    "policy": {
        "type": "dict",
        "options": {
            "exclude": {"type": "list", "elements": "str"},
            "pin": {"type": "dict"},
            "disruption_groups": {
                "type": "list",
                "elements": "dict",
                "options": {"name": {"type": "str"}, "members": {"type": "list", "elements": "str", "required": True}},
            },
            "inactive": {"type": "str", "choices": ["move", "stay"], "default": "move"},
            "reserve_inactive_capacity": {"type": "bool", "default": True},
            "unverified_storage": {"type": "str", "choices": ["allow", "block"], "default": "allow"},
            "fc_fabrics": {"type": "dict"},
            "max_concurrent": {"type": "int"},
            "max_per_system": {"type": "int"},
            "max_inactive_per_system": {"type": "int"},
            "max_per_msp": {"type": "int"},
            "max_per_msp_pair": {"type": "int"},
            "max_evaluations": {"type": "int", "default": 0},
        },
    },
    "physics": {
        "type": "dict",
        "options": {
            **{name: {"type": "float"} for name in FLOAT_PHYSICS},
            "n_max": {"type": "int"},
            "link_payload_mbs": {"type": "dict"},
            "stream_mbs": {"type": "dict"},
            "msp_links": {"type": "dict"},
            "workloads": {"type": "dict"},
        },
    },
    "baselines": {"type": "list", "elements": "str", "choices": list(BASELINES), "default": []},
    "baseline_options": {
        "type": "dict",
        "options": {
            "hmc_concurrency": {"type": "int", "default": 4},
            "powervc_cap": {"type": "int", "default": 8},
            "nova_cap": {"type": "int", "default": 4},
            "seed": {"type": "int", "default": 0},
        },
    },
}


def run(params: dict[str, Any]) -> dict[str, Any]:
    """The plan (and the baselines asked for) of the module's parameters."""
    s = setting(params["estate"], params["source_system"], params["target_systems"], policy_from(params["policy"]), physics_from(params["physics"]))
    result = plan(s).as_dict()
    if params["baselines"]:
        options = BaselineOptions(**(params["baseline_options"] or {}))
        result["baselines"] = {name: baseline(name, s, options).as_dict() for name in params["baselines"]}
    return result


ESTATE_LEAD = "the estate facts are not in the shape estate_info returns"


def main() -> None:
    module = AnsibleModule(argument_spec=OPTIONS, supports_check_mode=True)
    message, problems = type_refusal(module.params["estate"], lead=ESTATE_LEAD)
    if problems:
        module.fail_json(msg=message, problems=problems)
    try:
        result = run(module.params)
    except PlanInputError as exc:
        module.fail_json(msg=f"cannot plan the evacuation: {exc}")
        return
    except (KeyError, TypeError, AttributeError) as exc:
        message, problems = shape_message(module.params["estate"], exc, lead=ESTATE_LEAD)
        module.fail_json(msg=message, problems=problems)
        return
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
