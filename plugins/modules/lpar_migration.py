#!/usr/bin/python
# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: lpar_migration
short_description: Move partitions to another managed system with Live Partition Mobility
version_added: 0.1.0
description:
  - Makes sure that partitions run on O(target_system), migrating those that do not with C(migrlpar -o m).
  - Partitions already on O(target_system) are left alone. A migration to O(target_system) that is already in progress is
    followed until it ends; no second C(migrlpar) is sent for it.
  - When someone else (another playbook run, for example) starts the same migration after this task looked, the HMC
    refuses this task's C(migrlpar -o m) with HSCLA245; the task then follows that migration too and reports it as
    already migrating by someone else, with RV(results[].attached) set.
  - Several partitions migrate at the same time, up to O(max_concurrent) and the number of concurrent migrations the
    source and destination systems support (C(lslparmigr -r sys)), over one SSH connection to the HMC per
    O(channels_per_connection) migrations in flight.
  - Also validates migrations (C(migrlpar -o v)), stops migrations in progress (C(migrlpar -o s)) and recovers failed
    ones (C(migrlpar -o r)).
  - The module waits for every partition to finish and fails afterwards when any of them failed; the others are carried
    through.
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
      - In check mode the module runs the HMC's own validation (C(migrlpar -o v)) for each partition that would move,
        and returns the commands it would run in RV(commands). Validation changes nothing on the HMC.
  diff_mode:
    support: full
    details:
      - Shows the managed system and migration state of each partition before and after.
  idempotent:
    support: full
    details:
      - A partition that already runs on O(target_system) is not migrated again.
options:
  lpars:
    description:
      - Names of the partitions to act on.
    type: list
    elements: str
    required: true
  state:
    description:
      - V(migrated) makes the partitions run on O(target_system). Partitions already there are unchanged.
      - V(validated) runs C(migrlpar -o v) for the partitions that are not on O(target_system). It never reports a change.
      - V(stopped) stops the migrations in progress of the partitions (C(migrlpar -o s)). Partitions that are not
        migrating are unchanged. A migration can be stopped only before the partition is suspended.
      - V(recovered) recovers the failed migrations of the partitions (C(migrlpar -o r)). Partitions with nothing to
        recover are unchanged.
    type: str
    choices: [migrated, validated, stopped, recovered]
    default: migrated
  target_system:
    description:
      - Name (or C(type-model*serial)) of the destination managed system.
      - Required with O(state=migrated) and O(state=validated).
    type: str
  source_system:
    description:
      - The managed system the partitions run on.
      - If not set, each partition is looked for on every managed system of the HMC (one C(lssyscfg -r lpar) per
        system).
    type: str
  source_msp:
    description:
      - Name of the mover service partition (VIOS) to use on the source system.
      - If not set, the HMC chooses.
    type: str
  dest_msp:
    description:
      - Name of the mover service partition (VIOS) to use on the destination system.
      - If not set, the HMC chooses.
    type: str
  virtual_scsi_mappings:
    description:
      - Destination VIOS for each virtual SCSI client adapter (C(virtual_scsi_mappings)).
      - Only with a single partition in O(lpars). Mutually exclusive with O(keep_vios_layout).
    type: list
    elements: dict
    suboptions:
      client_slot:
        description: Slot number of the client adapter in the partition.
        type: int
        required: true
      dest_vios:
        description: Name of the destination VIOS. One of O(virtual_scsi_mappings[].dest_vios) and O(virtual_scsi_mappings[].dest_vios_id) is required.
        type: str
      dest_vios_id:
        description: Partition ID of the destination VIOS.
        type: int
      dest_vios_slot:
        description: Slot number to use for the server adapter on the destination VIOS.
        type: int
  virtual_fc_mappings:
    description:
      - Destination VIOS for each virtual Fibre Channel client adapter (C(virtual_fc_mappings)).
      - Only with a single partition in O(lpars). Mutually exclusive with O(keep_vios_layout).
    type: list
    elements: dict
    suboptions:
      client_slot:
        description: Slot number of the client adapter in the partition.
        type: int
        required: true
      dest_vios:
        description: Name of the destination VIOS. One of O(virtual_fc_mappings[].dest_vios) and O(virtual_fc_mappings[].dest_vios_id) is required.
        type: str
      dest_vios_id:
        description: Partition ID of the destination VIOS.
        type: int
      dest_vios_slot:
        description: Slot number to use for the server adapter on the destination VIOS.
        type: int
      dest_fc_port:
        description: Physical FC port of the destination VIOS to map the adapter to, for example V(fcs0).
        type: str
  keep_vios_layout:
    description:
      - Keep each partition's VIOS layout on the destination.
      - The VIOS of each system are ranked by partition ID. Every virtual SCSI and FC client adapter is mapped to the
        destination VIOS with the same rank as the VIOS that serves it now, so a partition served by the first and second
        VIOS of the source is served by the first and second VIOS of the destination.
      - The mappings are read with one C(lshwres) per adapter type and source system, and passed to C(migrlpar) explicitly.
      - A partition whose layout cannot be kept (the destination has fewer VIOS) fails without being migrated.
      - Mutually exclusive with O(virtual_scsi_mappings) and O(virtual_fc_mappings); not possible with O(remote_hmc).
    type: bool
    default: false
  shared_proc_pool:
    description:
      - Shared processor pool on the destination system, by name or ID. A value made of digits only is taken as an ID.
    type: str
  dest_profile:
    description:
      - Name of the partition profile to create (or replace) on the destination system (C(-n)).
    type: str
  dest_lpar_id:
    description:
      - Partition ID to use on the destination system.
      - Only with a single partition in O(lpars).
    type: int
  remote_hmc:
    description:
      - Host name or IP address of the HMC that manages O(target_system), for a migration between two HMCs (C(--ip)).
      - SSH trust must be set up between the HMCs (C(mkauthkeys)).
      - The remote HMC's systems cannot be seen from this HMC, so a partition that is on none of this HMC's systems is
        taken to be on O(target_system) already (with a warning).
    type: str
  remote_user:
    description:
      - User on O(remote_hmc) (C(-u)). Requires O(remote_hmc).
    type: str
  overrides:
    description:
      - Redundancy and validation settings of C(migrlpar). An unset setting keeps the HMC default.
      - V(required) maps to the flag value C(1), V(if_possible) to C(2), V(none) to C(0).
    type: dict
    suboptions:
      redundant_vios:
        description: Keep redundant VIOS paths (C(--redundantvios)). The HMC default is V(required).
        type: str
        choices: [none, required, if_possible]
      mpio:
        description: Keep the multipath I/O configuration (C(--mpio)).
        type: str
        choices: [required, if_possible]
      vlan_bridge:
        description: Require every VLAN to be bridged on the destination (C(--vlanbridge)).
        type: str
        choices: [required, if_possible]
      vsi:
        description: Require the virtual station interface profile on the destination (C(--vsi)).
        type: str
        choices: [required, if_possible]
      uuid:
        description: Keep the partition UUID (C(--uuid)).
        type: str
        choices: [required, if_possible]
      protect_storage:
        description: Storage protection check (C(--protectstorage)).
        type: str
        choices: [required, if_possible]
      redundant_msps:
        description: Use redundant mover service partition pairs (C(--redundantmsps)).
        type: str
        choices: [none, required, if_possible]
      npiv_validation:
        description: NPIV validation level (C(--npivval)); V(port_and_disk) is C(portdisk).
        type: str
        choices: [port, port_and_disk]
  timeout:
    description:
      - Seconds one migration (or validation) may take.
      - If not set, O(command_timeout) applies.
      - When it runs out the module stops waiting; the migration itself goes on on the HMC and is not stopped.
    type: int
  max_concurrent:
    description:
      - Most migrations in flight at the same time.
      - The systems' own limits (C(num_active_migrations_supported) minus those in progress) and 8 migrations per named
        mover service partition also apply.
      - Each migration holds one SSH channel while it runs, plus two for polling and recovery; when more channels are open
        at once than O(channels_per_connection), the module opens another SSH connection to the HMC.
    type: int
    default: 4
  poll_interval:
    description:
      - Seconds between two reads of the migration progress (one C(lslparmigr -r lpar) per source system).
    type: float
    default: 10.0
  recover_on_failure:
    description:
      - Recover a migration that failed and left the partition needing recovery (C(migrlpar -o r)). The result of that
        partition says so.
    type: bool
    default: true
  stop_on_failure:
    description:
      - When a migration fails, start no further migrations. Migrations in flight finish; the partitions not started are
        reported as V(skipped).
    type: bool
    default: false
  wait:
    description:
      - Wait for every migration to finish.
      - If V(false), the module returns once every migration has passed validation and is copying memory; the HMC carries
        it on. Run the module again with O(wait=true) to follow it to the end.
    type: bool
    default: true
notes:
  - One C(migrlpar -o m) is sent per partition and never sent twice. If the connection drops while it runs, the module
    reconnects and follows the migration by polling.
seealso:
  - name: migrlpar command
    description: HMC command reference of C(migrlpar).
    link: https://www.ibm.com/docs/POWER9/p9edm/migrlpar.html
"""

EXAMPLES = r"""
- name: Move two partitions to the p740 (the source is found on the HMC)
  powervm.lpm.lpar_migration:
    hmc_host: hmc1.example.com
    hmc_user: hscroot
    hmc_private_key: ~/.ssh/hmc_ed25519
    lpars: [db01, app01]
    target_system: p740-Server-8205-E6B-SN10934CP

- name: Check what would happen (runs the HMC validation only)
  powervm.lpm.lpar_migration:
    hmc_host: hmc1.example.com
    hmc_password: "{{ vault_hmc_password }}"
    lpars: "{{ groups['p750_guests'] }}"
    target_system: p740-Server-8205-E6B-SN10934CP
    keep_vios_layout: true
  check_mode: true
  diff: true

- name: One partition with explicit MSPs, mappings and overrides
  powervm.lpm.lpar_migration:
    hmc_host: hmc1.example.com
    hmc_password: "{{ vault_hmc_password }}"
    lpars: [db01]
    source_system: p750-Server-8233-E8B-SN069348P
    target_system: p740-Server-8205-E6B-SN10934CP
    source_msp: b750vio1
    dest_msp: b740vio1
    virtual_fc_mappings:
      - {client_slot: 41, dest_vios: b740vio1, dest_fc_port: fcs0}
      - {client_slot: 51, dest_vios: b740vio2, dest_fc_port: fcs0}
    dest_lpar_id: 12
    overrides:
      redundant_vios: if_possible
      npiv_validation: port

- name: Evacuate eight partitions, four at a time, stopping at the first failure
  powervm.lpm.lpar_migration:
    hmc_host: hmc1.example.com
    hmc_password: "{{ vault_hmc_password }}"
    lpars: [nl2, db1, db2, app1, app2, web1, test1, batch1]
    target_system: p740-Server-8205-E6B-SN10934CP
    max_concurrent: 4
    stop_on_failure: true
    poll_interval: 5

- name: Recover a partition whose migration failed
  powervm.lpm.lpar_migration:
    hmc_host: hmc1.example.com
    hmc_password: "{{ vault_hmc_password }}"
    lpars: [db01]
    state: recovered
"""

RETURN = r"""
results:
  description: One entry per partition, in the order of O(lpars).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Partition name.
      type: str
      sample: b750db1
    source:
      description: System the partition ran on (empty when it was not found).
      type: str
      sample: p750-Server-8233-E8B-SN069348P
    target:
      description: Destination system.
      type: str
      sample: p740-Server-8205-E6B-SN10934CP
    kind:
      description: Kind of migration, from the partition state.
      type: str
      sample: active
    status:
      description:
        - What happened. V(migrated), V(on_target), V(started) (O(wait=false)), V(would_migrate) and V(would_wait) (check
          mode), V(validated), V(migrating), V(stopped), V(would_stop), V(not_migrating), V(recovered), V(would_recover),
          V(nothing_to_recover), V(skipped) or V(failed).
      type: str
      sample: migrated
    changed:
      description: Whether this partition changed (or would change in check mode).
      type: bool
    failed:
      description: Whether this partition failed.
      type: bool
    source_msp:
      description: Mover service partition used on the source, as the HMC reported it.
      type: str
    dest_msp:
      description: Mover service partition used on the destination, as the HMC reported it.
      type: str
    started:
      description: When this run began to migrate or follow the partition (ISO 8601, UTC).
      type: str
      sample: "2026-11-26T09:00:00+00:00"
    ended:
      description: When the migration ended (ISO 8601, UTC).
      type: str
    duration:
      description: Seconds between RV(results[].started) and RV(results[].ended).
      type: float
      sample: 184.2
    bytes_transmitted:
      description: Memory bytes sent, from C(lslparmigr -r lpar).
      type: int
    bytes_remaining:
      description: Memory bytes still to send at the last reading.
      type: int
    migration_state:
      description: Last C(migration_state) seen for the partition.
      type: str
      sample: Migration Complete
    attached:
      description: The migration was already in progress and was followed, not started.
      type: bool
    hscl_code:
      description: HSCL code of the HMC error, when the HMC gave one.
      type: str
      sample: HSCLA24B
    message:
      description: Error or validation message of the HMC, or a note.
      type: str
    hint:
      description: What to check to fix the error, when known.
      type: str
    recovered:
      description: A failed migration of this partition was recovered with C(migrlpar -o r).
      type: bool
    recovery_message:
      description: Outcome of the recovery, or the advice to recover.
      type: str
    command:
      description: The C(migrlpar) command that acted (or, in check mode, would act) on the partition.
      type: str
commands:
  description:
    - The C(migrlpar) commands sent to the HMC, in order, with secrets masked.
    - In check mode, the commands that would be sent (the validations that ran are in RV(results[].command)).
  returned: always
  type: list
  elements: str
  sample:
    - migrlpar -o m -m p750-Server-8233-E8B-SN069348P -t p740-Server-8205-E6B-SN10934CP -p b750db1
diff:
  description: Managed system and migration state of each partition, before and after.
  returned: when diff mode is on
  type: dict
  sample:
    before: {b750db1: {system: p750-Server-8233-E8B-SN069348P, migration_state: Not Migrating}}
    after: {b750db1: {system: p740-Server-8205-E6B-SN10934CP, migration_state: Migration Complete}}
msg:
  description: Count of partitions per status, and the failed ones.
  returned: always
  type: str
  sample: "7 migrated, 1 failed; failed: b750db1 (HSCLA24B)"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcError
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_options import HMC_MODULE_KWARGS, client_from_module, hmc_argument_spec
from ansible_collections.powervm.lpm.plugins.module_utils._migration_params import channels_needed, task_params
from ansible_collections.powervm.lpm.plugins.module_utils._migration_request import OVERRIDE_FLAGS
from ansible_collections.powervm.lpm.plugins.module_utils._migration_task import STATES, run_task

MAPPING = {
    "client_slot": {"type": "int", "required": True},
    "dest_vios": {"type": "str"},
    "dest_vios_id": {"type": "int"},
    "dest_vios_slot": {"type": "int"},
}
ONE_VIOS = {"required_one_of": [["dest_vios", "dest_vios_id"]]}

ARGSPEC = {
    "lpars": {"type": "list", "elements": "str", "required": True},
    "state": {"type": "str", "choices": list(STATES), "default": "migrated"},
    "target_system": {"type": "str"},
    "source_system": {"type": "str"},
    "source_msp": {"type": "str"},
    "dest_msp": {"type": "str"},
    "virtual_scsi_mappings": {"type": "list", "elements": "dict", "options": MAPPING, **ONE_VIOS},
    "virtual_fc_mappings": {"type": "list", "elements": "dict", "options": {**MAPPING, "dest_fc_port": {"type": "str"}}, **ONE_VIOS},
    "keep_vios_layout": {"type": "bool", "default": False},
    "shared_proc_pool": {"type": "str"},
    "dest_profile": {"type": "str"},
    "dest_lpar_id": {"type": "int"},
    "remote_hmc": {"type": "str"},
    "remote_user": {"type": "str"},
    "overrides": {"type": "dict", "options": {name: {"type": "str", "choices": list(values)} for name, (_flag, values) in OVERRIDE_FLAGS.items()}},
    "timeout": {"type": "int"},
    "max_concurrent": {"type": "int", "default": 4},
    "poll_interval": {"type": "float", "default": 10.0},
    "recover_on_failure": {"type": "bool", "default": True},
    "stop_on_failure": {"type": "bool", "default": False},
    "wait": {"type": "bool", "default": True},
}
MUTUALLY_EXCLUSIVE = [["keep_vios_layout", "virtual_scsi_mappings"], ["keep_vios_layout", "virtual_fc_mappings"], ["keep_vios_layout", "remote_hmc"]]
REQUIRED_IF = [["state", "migrated", ["target_system"]], ["state", "validated", ["target_system"]]]


def main() -> None:
    module = AnsibleModule(
        argument_spec=hmc_argument_spec(ARGSPEC),
        supports_check_mode=True,
        mutually_exclusive=HMC_MODULE_KWARGS["mutually_exclusive"] + MUTUALLY_EXCLUSIVE,
        required_if=HMC_MODULE_KWARGS["required_if"] + REQUIRED_IF,
        required_by={"remote_user": "remote_hmc"},
    )
    try:
        params = task_params(module.params, module.check_mode)
        with client_from_module(module, max_channels=channels_needed(module.params)) as client:
            outcome = run_task(client, params)
    except HmcError as exc:
        module.fail_json(**exc.to_result())
    result = outcome.to_result(diff=module._diff)
    for warning in outcome.warnings:
        module.warn(warning)
    if outcome.failed:
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
