#!/usr/bin/python
# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: preflight
short_description: Check whether partitions can move to target systems, explain why not, and rank the fixes
version_added: 0.1.0
description:
  - Checks, for each partition in O(lpars) and each target system, every Live Partition Mobility requirement that the
    HMC and VIOS listings can show (systems, capabilities, LMB size, processor compatibility mode, memory with the
    hypervisor page table, processing units, names, IDs and MAC addresses on the target, RMC, mover service
    partitions and VASI, reserve policy of the backing disks on both sides, NPIV ports, VLANs bridged by an SEA,
    physical I/O, huge pages, BSR, workload groups, concurrency and more). Each rule has a stable ID
    (C(LPM-STG-003)); the collection's C(docs/preflight-rules.md) lists them all.
  - Each finding has a severity (V(error), V(warning), V(info)), the partition and target, the values seen as
    evidence, and a concrete remediation (the command to run or the module of this collection that fixes it).
  - With O(hmc_validation=true) the HMC's own C(migrlpar -o v) also runs for each partition and target, several at
    a time over one SSH connection (more when O(parallel) exceeds O(channels_per_connection)). Its HSCL messages are
    merged in; a message about a cause one of the rules already reported is folded into that finding, others become
    findings C(HMC-<code>).
  - A pair is ready when it has no error. RV(fixes) lists one entry per action, errors first, then by how many
    partition and target pairs the action helps.
  - The facts are read from the HMC (only the managed systems of the partitions and the targets), or taken from
    O(estate) as M(powervm.lpm.estate_info) returns it, for example merged from several HMCs.
  - Nothing is changed on the HMC, the systems or the VIOS.
options:
  lpars:
    description:
      - Names of the partitions to check.
    type: list
    elements: str
    required: true
  target_system:
    description:
      - The managed system the partitions should move to, by name or as C(type-model*serial).
      - Mutually exclusive with O(target_systems); one of them is required.
    type: str
  target_systems:
    description:
      - Several candidate target systems; every partition is checked against each of them.
      - Mutually exclusive with O(target_system).
    type: list
    elements: str
  estate:
    description:
      - Facts to check instead of reading them from the HMC. Either the RV(powervm.lpm.estate_info#module:estate) value
        (or the whole registered result) of M(powervm.lpm.estate_info), or a list of them, one per HMC.
      - The systems of each estate belong to the HMC in its C(hmc.name); a target system of another HMC than the
        partition's makes a remote migration, and C(hmc.name) is then used as C(migrlpar --ip).
      - To check the reserve policy of the disks on the target side, gather the target systems with
        C(vios_disks=all), or leave O(hmc_validation) on, which connects to O(hmc_host) and reads the target VIOS disks
        that are missing.
      - The HMC connection options are still required. With O(hmc_validation=false) no connection is opened and the
        checks that need extra facts are listed in RV(pairs[].not_checked).
      - An estate holding a value of another type than M(powervm.lpm.estate_info) gives it (for example a string or a
        boolean where it gives an integer) is refused before it is used, with the path of every such field in
        RV(problems).
    type: raw
  hmc_validation:
    description:
      - Also run the HMC's C(migrlpar -o v) for each partition and target whose source system O(hmc_host) manages,
        and merge its messages into the findings.
    type: bool
    default: true
  remote_hmc_user:
    description:
      - User on the target's HMC for remote migrations (C(migrlpar --ip HMC -u USER), C(mkauthkeys --test)).
      - Defaults to O(hmc_user).
    type: str
  parallel:
    description:
      - How many HMC commands (listings and validations) run at the same time over the SSH connection.
    type: int
    default: 8
  validation_timeout:
    description:
      - Seconds allowed for one C(migrlpar -o v).
    type: int
    default: 900
  target_disks:
    description:
      - Which disks of the target VIOS get their identity (C(unique_id)) and reserve policy read, one
        C(lsdev -dev hdiskN -attr) each, to check that a target VIOS has the LUNs of each partition and their
        C(reserve_policy) there. The estate reads only the disks that back a mapping.
      - V(needed) reads, per target VIOS, the disks behind the same storage ports as the partitions' LUNs (from the
        disk location codes) and stops once it found every LUN checked against that system. A LUN not found among
        them leaves the check undecided (listed in RV(pairs[].not_checked)); the HMC validation then decides.
      - V(all) reads every disk of every target VIOS that the estate did not read, so that a LUN not found is an
        error found by the rules.
    type: str
    choices: [needed, all]
    default: needed
  report_path:
    description:
      - Also write the result as a JSON file to this path on the controller (RV(ready), RV(summary), RV(pairs),
        RV(fixes), RV(fact_warnings), RV(commands), RV(stats)), with mode C(0600).
      - The file is not written in check mode.
    type: path
extends_documentation_fragment:
  - powervm.lpm.hmc
  - powervm.lpm.attributes
  - powervm.lpm.attributes.PLATFORM
  - powervm.lpm.attributes.INFO_MODULE
notes:
  - O(report_path) is written on the controller; the module never changes anything on the HMC and always returns
    C(changed=false).
  - The zoning and LUN masking of the virtual Fibre Channel WWPNs, open consoles, AMS paging devices, reserved storage
    for suspend-capable partitions, the IBM i restricted I/O mode and the firmware pair are not visible in the HMC
    listings; only the HMC validation checks them. Without it they are listed in RV(pairs[].not_checked).
  - Several partitions checked for the same target are each checked alone by the rules and the HMC; two warning rules
    (C(LPM-MEM-005), C(LPM-CPU-004)) check whether they also fit together.
seealso:
  - module: powervm.lpm.estate_info
  - module: powervm.lpm.vios_device
  - module: powervm.lpm.vios_msp
  - module: powervm.lpm.hmc_trust
  - name: Preflight rules
    description: Every rule ID, its checks and its field guide reference.
    link: https://github.com/powervm-lpm/powervm.lpm/blob/main/docs/preflight-rules.md
author:
  - powervm.lpm maintainers (@powervm-lpm)
"""

EXAMPLES = r"""
- name: Can b750nl2 move to the p740?
  powervm.lpm.preflight:
    hmc_host: hmc1.example.com
    hmc_password: "{{ vault_hmc_password }}"
    lpars: [b750nl2]
    target_system: p740-Server-8205-E6B-SN10934CP
  register: preflight

- name: Show what blocks the migration, most useful fix first
  ansible.builtin.debug:
    msg: "{{ preflight.fix_lines }}"
  when: not preflight.ready

- name: Check three partitions against two candidate targets from facts read earlier, without the HMC validation
  powervm.lpm.preflight:
    hmc_host: hmc1.example.com
    hmc_password: "{{ vault_hmc_password }}"
    estate: "{{ estate_result.estate }}"
    lpars: [db1, app1, web1]
    target_systems: [p740-Server-8205-E6B-SN10934CP, 8286-42A*21A6F7V]
    hmc_validation: false
"""

RETURN = r"""
ready:
  description: Whether every partition and target pair is ready (no error).
  returned: success
  type: bool
  sample: false
pairs:
  description: The verdict for each partition and target, in the order of O(lpars) then the targets.
  returned: success
  type: list
  elements: dict
  contains:
    lpar:
      description: The partition.
      type: str
    source:
      description: The managed system the partition is on.
      type: str
    target:
      description: The target managed system.
      type: str
    kind:
      description: V(active), V(inactive) or V(suspended) from the partition state; V(null) when the state allows no migration.
      type: str
    ready:
      description: No error finding.
      type: bool
    errors:
      description: Number of error findings.
      type: int
    warnings:
      description: Number of warning findings.
      type: int
    infos:
      description: Number of info findings.
      type: int
    findings:
      description:
        - The problems found, errors first. Each has C(rule), C(severity), C(title), C(lpar), C(source), C(target),
          C(subject), C(message), C(evidence) (the values seen), C(remediation), C(fix_key) (findings with the same key
          are fixed by one action), C(origin) (V(preflight), V(hmc) or V(both)), C(hmc_codes) and C(hmc_messages).
      type: list
      elements: dict
      sample:
        - rule: LPM-STG-003
          severity: error
          title: The same disks have reserve_policy no_reserve (or PR_shared) on the target VIOS
          lpar: b750nl2
          subject: b740vio1 hdisk2
          message: hdisk2 on the target VIOS b740vio1 has reserve_policy=single_path
          remediation: "on VIOS b740vio1 (padmin): chdev -dev hdisk2 -attr reserve_policy=no_reserve ..."
          origin: both
          hmc_codes: [HSCLA23B]
    not_checked:
      description: Rules that could not be decided for this pair (C(rule), C(reason)), for example facts that were not read.
      type: list
      elements: dict
    hmc_validation:
      description: The C(migrlpar -o v) of this pair (C(ran), C(command), C(rc), C(seconds), C(reason), C(output)).
      type: dict
fixes:
  description:
    - One entry per action, ranked. Errors come first; then the action that helps the most pairs; then the one that
      alone makes the most pairs ready. Warnings follow in the same order. Info findings are not listed.
    - Each has C(rank), C(fix_key), C(severity), C(rule), C(title), C(subject), C(remediation), C(pairs) (as
      C(lpar -> target)), C(pairs_affected) and C(pairs_ready_after).
  returned: success
  type: list
  elements: dict
summary:
  description: Counts of pairs, ready pairs, findings by severity and fixes.
  returned: success
  type: dict
  sample: {pairs: 1, ready: 0, not_ready: 1, errors: 1, warnings: 0, infos: 0, fixes: 1}
summary_lines:
  description: A human summary, one line per pair followed by one indented line per error and warning.
  returned: success
  type: list
  elements: str
fix_lines:
  description: The ranked fix list as text, one line per fix.
  returned: success
  type: list
  elements: str
fact_warnings:
  description: Facts that could not be read, and why (each is also shown as a warning).
  returned: success
  type: list
  elements: str
commands:
  description: The HMC commands that were run, in order.
  returned: success
  type: list
  elements: str
stats:
  description: Number of pairs, commands, validations and connections, and the seconds taken.
  returned: success
  type: dict
report_written:
  description: Whether the report file was written (false in check mode).
  returned: when O(report_path) is set
  type: bool
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
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcError
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_options import HMC_MODULE_KWARGS, client_from_module, hmc_argument_spec
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_facts import estates_from_option
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_report import write_report
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_run import PreflightOptions, run

OPTIONS: dict[str, dict[str, Any]] = {
    "lpars": {"type": "list", "elements": "str", "required": True},
    "target_system": {"type": "str"},
    "target_systems": {"type": "list", "elements": "str"},
    "estate": {"type": "raw"},
    "hmc_validation": {"type": "bool", "default": True},
    "remote_hmc_user": {"type": "str"},
    "parallel": {"type": "int", "default": 8},
    "validation_timeout": {"type": "int", "default": 900},
    "target_disks": {"type": "str", "choices": ["needed", "all"], "default": "needed"},
    "report_path": {"type": "path"},
}


def main() -> None:
    module = AnsibleModule(
        argument_spec=hmc_argument_spec(OPTIONS), supports_check_mode=True, required_if=HMC_MODULE_KWARGS["required_if"],
        mutually_exclusive=HMC_MODULE_KWARGS["mutually_exclusive"] + [["target_system", "target_systems"]],
        required_one_of=[["target_system", "target_systems"]],
    )
    p = module.params
    targets = [p["target_system"]] if p["target_system"] else p["target_systems"]
    options = PreflightOptions(
        host=p["hmc_host"], lpars=tuple(dict.fromkeys(p["lpars"])), targets=tuple(dict.fromkeys(targets)), hmc_validation=p["hmc_validation"],
        remote_user=p["remote_hmc_user"] or p["hmc_user"], workers=max(1, p["parallel"]), validation_timeout=p["validation_timeout"],
        target_disks=p["target_disks"],
    )
    message, problems = type_refusal(p["estate"]) if p["estate"] is not None else ("", [])
    if problems:
        module.fail_json(msg=message, problems=problems)
    try:
        estates = estates_from_option(p["estate"]) if p["estate"] is not None else None
        if estates is not None and not p["hmc_validation"]:
            result = run(None, options, estates)
        else:
            with client_from_module(module, max_channels=options.workers) as client:
                result = run(client, options, estates)
    except HmcError as exc:
        module.fail_json(**exc.to_result())
    except (KeyError, TypeError) as exc:
        if p["estate"] is None:
            raise
        message, problems = shape_message(p["estate"], exc)
        module.fail_json(msg=message, problems=problems)
    if p["report_path"]:
        result["report_written"] = not module.check_mode
        try:
            if not module.check_mode:
                write_report(p["report_path"], result)
        except OSError as exc:
            module.fail_json(msg=f"cannot write report_path {p['report_path']}: {exc}", **result)
    for warning in result["fact_warnings"]:
        module.warn(warning)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
