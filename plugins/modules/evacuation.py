#!/usr/bin/python
# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: evacuation
short_description: Run the evacuation plan of a managed system with Live Partition Mobility, resumably
version_added: 0.1.0
description:
  - Moves the partitions of O(source_system) as the plan of M(powervm.lpm.evacuation_plan) says - target, mover service
    partition (MSP) pair, order and timing - as many at once as the caps allow, over one SSH connection to the HMC per
    O(channels_per_connection) migrations in flight.
  - A partition whose migration fails is recovered (C(migrlpar -o r)) and tried again on another MSP pair, or on another
    allowed target re-planned with the planner's constraints; after O(max_attempts) attempts it is quarantined and left
    on the source. The other partitions go on.
  - No migration starts that is predicted to end after O(deadline); those partitions are left (reason C(deadline)).
  - Members of a disruption group never migrate at the same time. A group listed in O(hooks.pre) waits until the
    playbook answered its pre-hook (see M(powervm.lpm.evacuation_progress)).
  - Everything the run decides and sends is appended to a journal in O(state_dir) before it is sent. A rerun after a
    crash, a kill or Ctrl-C follows the same plan and goes on where it stopped - migrations that finished are not sent
    again, migrations still running are followed, failed ones are recovered and retried. Only one evacuation of a source
    system runs at a time (a lock file in O(state_dir), and a check that no migration from the source runs that the
    journal does not know).
  - Progress is written to C(STATE_DIR/NAME.progress.json) after every poll; M(powervm.lpm.evacuation_progress) prints it
    while the module runs asynchronously (C(async), C(poll=0)).
  - At the end the module checks every moved partition on its target (state, RMC, reference code) and returns the
    evacuation record for M(powervm.lpm.evacuation_report).
  - The design, the journal and the state files are described in the collection's C(docs/evacuate.md).
author:
  - powervm.lpm maintainers (@powervm-lpm)
extends_documentation_fragment:
  - powervm.lpm.hmc
  - powervm.lpm.attributes
  - powervm.lpm.attributes.PLATFORM
attributes:
  check_mode:
    support: full
    details:
      - In check mode the module reads the journal and the HMC and returns, per partition, what a run would do
        (V(would_migrate), V(would_follow), V(would_recover), V(moved), V(left)); nothing is sent or written.
      - The result has every key of a run's, with nothing moved by this run - RV(record) is the record of the journal
        with the plan that would be followed, RV(hooks_due) and RV(commands) are empty.
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - A rerun after a finished evacuation sends no migration.
options:
  plan:
    description:
      - The evacuation plan, as M(powervm.lpm.evacuation_plan) returns it (its RV(powervm.lpm.evacuation_plan#module:plan)
        list with RV(powervm.lpm.evacuation_plan#module:eta_seconds), RV(powervm.lpm.evacuation_plan#module:lb) and
        RV(powervm.lpm.evacuation_plan#module:unmovable)).
      - Ignored when the journal holds an evacuation that did not end, unless O(replan=true).
    type: dict
    required: true
  source_system:
    description: The managed system being evacuated.
    type: str
    required: true
  target_systems:
    description:
      - The systems a retry may move a partition to. By default the targets of the plan.
    type: list
    elements: str
    default: []
  name:
    description:
      - Name of the evacuation, used for the journal and progress files (by default O(source_system)). A maintenance
        window's name keeps each window's journal apart.
    type: str
  state_dir:
    description:
      - Directory on the controller for the journal, the progress file, the hook answers and the lock.
    type: path
    default: ~/.ansible/powervm_lpm/evacuations
  estate:
    description:
      - The estate facts of M(powervm.lpm.estate_info), read before the evacuation. Used for the manifest, to keep each
        partition's shared processor pool, and to re-plan a partition on retries; without them retries use the planned
        target and let the HMC choose the MSPs.
      - An estate holding a value of another type than M(powervm.lpm.estate_info) gives it (for example a string or a
        boolean where it gives an integer) is refused before it is used, with the path of every such field in
        RV(problems).
    type: dict
  policy:
    description:
      - The planner's policy (O(powervm.lpm.evacuation_plan#module:policy)); its disruption groups and caps hold here too.
    type: dict
  physics:
    description: The planner's physics (O(powervm.lpm.evacuation_plan#module:physics)), for re-planning on retries.
    type: dict
  hooks:
    description: Disruption groups with hooks that the playbook runs.
    type: dict
    suboptions:
      pre:
        description: Groups whose members wait for the answer to the group's pre-hook.
        type: list
        elements: str
        default: []
      post:
        description: Groups with a post-hook, due once every member moved or is left.
        type: list
        elements: str
        default: []
      abort_on_failure:
        description: Groups whose members stay on the source when their pre-hook failed.
        type: list
        elements: str
        default: []
  deadline:
    description:
      - ISO 8601 date and time with a timezone. No migration starts that is predicted to end later.
    type: str
  clock_scale:
    description:
      - HMC seconds per controller second - 1 for a real HMC, the speed factor of a twin of the HMC. Scales the plan's
        times to real time, and real time to the record's times.
    type: float
    default: 1.0
  duration_scale:
    description:
      - Expected actual over predicted duration of a migration until one has ended (then it is measured), for example the
        actual/predicted ratio of the last evacuation's report.
    type: float
    default: 1.0
  max_attempts:
    description: Attempts per partition before it is quarantined.
    type: int
    default: 3
  retry_other_target:
    description: A migration the target refused may be tried on another allowed target.
    type: bool
    default: true
  recover_on_failure:
    description: Run C(migrlpar -o r) after a failed migration (else the partition is left needing recovery).
    type: bool
    default: true
  stop_on_failure:
    description: Start no migration after one failed (the others are left, reason C(skipped)).
    type: bool
    default: false
  keep_shared_pool:
    description: Ask for the partition's shared processor pool on the target (C(shared_proc_pool_name)) when it is not the default pool.
    type: bool
    default: true
  max_concurrent:
    description:
      - Migrations at once in all when O(policy) sets no C(max_concurrent). By default there is no such cap, as in the
        planner - each system's active and inactive migrations (C(lslparmigr -r sys)) and each MSP's count against their
        own limits, and those caps and the policy's always hold.
      - Prefer C(max_concurrent) in O(policy), which the plan knows; a cap set only here may hold back migrations the plan
        started at the same time, and make the evacuation longer than predicted.
    type: int
  poll_interval:
    description: Seconds between two reads of the migrations in flight (one C(lslparmigr) per source system).
    type: float
    default: 10.0
  migration_timeout:
    description: Seconds one migration may take.
    type: int
    default: 3600
  replan:
    description: Follow O(plan) even when the journal holds an evacuation that did not end.
    type: bool
    default: false
  lock_wait:
    description:
      - Seconds to wait for a run whose controller has ended and which is stopping (after a kill); another running
        evacuation of the source makes the module fail at once.
    type: float
    default: 120.0
  hook_wait:
    description: Seconds a due pre-hook may stay unanswered before its group's members are left (C(hook_failed)).
    type: float
    default: 3600.0
  watch_pid:
    description:
      - A process the run belongs to. When it ends (the playbook was killed or interrupted) the run starts no more
        migrations and exits; those in flight go on and the next run follows them. The action plugin sets it to the
        C(ansible-playbook) process.
    type: int
  run_token:
    description: A token that marks this run's progress file (set by the action plugin).
    type: str
    default: ""
  manifest_path:
    description:
      - A file (JSON) recording each planned partition's original placement - system, partition ID, shared pool, vSCSI
        and vFC layout - and where it went, written before the first migration and kept across reruns.
    type: path
  restore_from_manifest:
    description:
      - Move each partition with the original partition ID, shared pool and VIOS layout of O(manifest_path) (the return
        home). Requires O(manifest_path).
      - Before a partition is sent, its original server slots are checked against its home VIOS - the VIOS's
        C(max_virtual_slots) (C(lshwres -r virtualio --rsubtype slot)) and the slots in use in O(estate). A partition
        whose slot is taken or not below the maximum (HSCLA25C), or whose VIOS has too few free slots (HSCLA252), is
        left where it is with reason V(vios_slot) and the code and a hint in its note; the others go on.
    type: bool
    default: false
  not_ready:
    description: Partitions the preflight held back, with why, for the record.
    type: dict
    default: {}
  postchecks:
    description: Check every moved partition on its target at the end.
    type: bool
    default: true
notes:
  - The module runs on the controller and keeps its files there; run it with C(async) and C(poll=0) and follow it with
    M(powervm.lpm.evacuation_progress) to see progress while it runs (the collection's C(evacuate) role does).
seealso:
  - module: powervm.lpm.evacuation_plan
  - module: powervm.lpm.evacuation_progress
  - module: powervm.lpm.evacuation_report
  - module: powervm.lpm.lpar_migration
"""

EXAMPLES = r"""
- name: Start the evacuation in the background
  powervm.lpm.evacuation:
    plan: "{{ plan }}"
    source_system: p750-Server-8233-E8B-SN069348P
    estate: "{{ facts.estate }}"
    state_dir: /var/lib/lpm
    manifest_path: /var/lib/lpm/p750.manifest.json
  async: 86400
  poll: 0
  register: evacuation_job

- name: Print progress every 15 seconds until it ends
  powervm.lpm.evacuation_progress:
    source_system: p750-Server-8233-E8B-SN069348P
    state_dir: /var/lib/lpm
    token: "{{ evacuation_job.run_token }}"
    jid: "{{ evacuation_job.ansible_job_id }}"
    wait: 15
  loop: "{{ range(0, 5760) | list }}"
  loop_control:
    label: "{{ evacuation_follow.headline | default('') }}"
    break_when:
      - evacuation_follow.finished
  register: evacuation_follow

- name: Collect the result
  ansible.builtin.async_status:
    jid: "{{ evacuation_job.ansible_job_id }}"
  register: evacuation
  until: evacuation.finished
  retries: 60
  delay: 2
"""

RETURN = r"""
lpars:
  description: Per planned partition, where the evacuation leaves it.
  returned: always
  type: list
  elements: dict
  contains:
    lpar:
      description: The partition.
      type: str
    state:
      description: V(moved), V(left), V(waiting) or V(running) (a run that was interrupted); in check mode what a run would do.
      type: str
    target:
      description: Where it went, or was last meant to go.
      type: str
    attempts:
      description: Migrations sent for it, all runs together.
      type: int
    reason:
      description:
        - Why it is left - V(failed), V(recovered), V(deadline), V(skipped), V(hook_failed), V(not_found), or V(vios_slot)
          (the return home cannot have an original VIOS slot, see O(restore_from_manifest)).
      type: str
    note:
      description: What happened last.
      type: str
    source_msp:
      description: The source MSP of its last attempt.
      type: str
    dest_msp:
      description: The destination MSP of its last attempt.
      type: str
counts:
  description: Number of planned partitions per state.
  returned: always
  type: dict
  sample: {moved: 8}
failed_lpars:
  description: Partitions left because their migration failed, a hook failed, or they could not start.
  returned: success
  type: list
  elements: str
hooks_due:
  description: Post-hooks of disruption groups that are due and not answered yet (C(group), C(phase)).
  returned: success
  type: list
  elements: dict
record:
  description: The evacuation record of the journal (all runs), for M(powervm.lpm.evacuation_report); see C(docs/report.md).
  returned: success
  type: dict
plan:
  description: The plan the run followed (the journal's when it resumed).
  returned: success
  type: dict
resumed:
  description: The run went on with an evacuation that had not ended.
  returned: success
  type: bool
interrupted:
  description: Why the run stopped early (its controller ended), else an empty string.
  returned: success
  type: str
journal:
  description: The journal file.
  returned: success
  type: str
progress_file:
  description: The progress file.
  returned: success
  type: str
manifest_path:
  description: The manifest file, when O(manifest_path) is set.
  returned: success
  type: str
commands:
  description: The C(migrlpar) commands this run sent, in order.
  returned: success
  type: list
  elements: str
problems:
  description:
    - "Where the O(estate) given holds a value of another type than M(powervm.lpm.estate_info) gives it, one
      C(path: message) line each (at most 20), for example
      C(estate.systems.p750.partitions.db1.memory.current_mb: expected an integer or null, got a boolean (true))."
  returned: when the estate given is refused
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.powervm.lpm.plugins.module_utils._estate_check import type_refusal
from ansible_collections.powervm.lpm.plugins.module_utils._evac_params import ARGSPEC, channels_for, options_of
from ansible_collections.powervm.lpm.plugins.module_utils._evac_run import EvacRefused, preview, run
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcError
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_options import HMC_MODULE_KWARGS, client_from_module, hmc_argument_spec

EXTRA_CHANNELS = 3  # the poller, a recovery, the post-checks


def main() -> None:
    module = AnsibleModule(
        argument_spec=hmc_argument_spec(ARGSPEC), supports_check_mode=True, mutually_exclusive=HMC_MODULE_KWARGS["mutually_exclusive"],
        required_if=HMC_MODULE_KWARGS["required_if"] + [["restore_from_manifest", True, ["manifest_path"]]],
    )
    message, problems = type_refusal(module.params["estate"]) if module.params.get("estate") is not None else ("", [])
    if problems:
        module.fail_json(msg=message, problems=problems)
    try:
        options = options_of(module.params)
        with client_from_module(module, max_channels=channels_for(module.params, options, EXTRA_CHANNELS)) as client:
            if module.check_mode:
                outcome = preview(client, options, module.params["plan"], module.params.get("estate"))
            else:
                outcome = run(client, options, module.params["plan"], module.params.get("estate"), module.params.get("policy"), module.params.get("physics"))
    except (HmcError, EvacRefused) as exc:
        module.fail_json(msg=str(exc.message if isinstance(exc, HmcError) else exc))
    for warning in outcome.warnings:
        module.warn(warning)
    result = outcome.to_result()
    moved = result["counts"].get("moved", 0)
    failed = f"; left after failures: {', '.join(outcome.failed_lpars)}" if outcome.failed_lpars else ""
    if module.check_mode:
        would = result["counts"].get("would_migrate", 0) + result["counts"].get("would_follow", 0) + result["counts"].get("would_recover", 0)
        left = f"; would be left: {', '.join(outcome.failed_lpars)}" if outcome.failed_lpars else ""
        result["msg"] = f"check mode: {would} of {len(outcome.lpars)} planned partitions would move, {moved} moved already{left}"
    else:
        result["msg"] = f"{moved} of {len(outcome.lpars)} planned partitions moved{failed}"
    if outcome.interrupted:
        module.fail_json(**{**result, "msg": f"the evacuation stopped: {outcome.interrupted}; run it again to go on"})
    module.exit_json(**result)


if __name__ == "__main__":
    main()
