#!/usr/bin/python
# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: estate_info
short_description: Read the managed systems, partitions and VIOS of an HMC in a bounded number of commands
version_added: 0.1.0
description:
  - Reads, over one SSH connection to the HMC, everything the Live Partition Mobility checks and plans need about the
    managed systems an HMC manages, their partitions and their Virtual I/O Servers.
  - The number of HMC commands grows with the number of managed systems, not with the number of partitions. Per HMC
    two commands run (C(lshmc -V), C(lssyscfg -r sys)); per managed system one of each partition, profile, memory,
    processor, shared processor pool, virtual adapter, I/O slot, migration and reference code listing; per VIOS that
    is C(Running) with RMC C(active) a fixed set of C(viosvrcmd) commands, plus one C(lsdev -dev NAME -attr) per
    Shared Ethernet Adapter and per disk in scope (see O(vios_disks)). Commands of one stage run in parallel on several
    channels of the connection.
  - A listing that fails leaves the facts it would have given as V(null) and adds an entry to RV(estate.warnings).
  - The facts are described field by field in the collection's C(docs/estate.md).
options:
  systems:
    description:
      - Managed systems to read, by name or as C(type-model*serial).
      - By default every managed system of the HMC is read.
      - A name the HMC does not manage makes the module fail.
    type: list
    elements: str
  vios_details:
    description:
      - Also read what only the VIOS knows (mappings, disks, FC ports, SEAs, C(vioslpm0)) with C(viosvrcmd).
      - When V(false), the C(vios) entry of each VIOS has RV(estate.systems.partitions.vios.collected=false).
    type: bool
    default: true
  vios_disks:
    description:
      - Which disks of each VIOS get their unique id, LUN id, PVID and reserve policy read. A VIOS prints those only
        per disk (C(lsdev -dev hdiskN -attr)), so this costs one command per disk.
      - V(mapped) reads the disks that back a vSCSI mapping.
      - V(all) reads every disk, for example to check that a destination VIOS sees the LUNs of a partition before it
        is mapped there, or to export a scenario in which every disk keeps its identity.
      - Disks are read on the VIOS, so V(all) needs O(vios_details=true); with O(vios_details=false) it is refused.
    type: str
    choices: [mapped, all]
    default: mapped
  scenario_file:
    description:
      - Also write the estate as a scenario file of the collection's HMC twin (C(hmcsim)) to this path on the
        controller, to rehearse migrations on a twin of this estate.
      - No secret is written. The HMC user O(hmc_user) gets the password C(REPLACE-ME), which must be replaced (or the
        user given C(authorized_keys)) before the scenario is served.
      - SAN fabric membership cannot be read from the HMC, so every NPIV port is placed on one fabric that has every
        client WWPN zoned. Disks whose attributes were not read (see O(vios_disks)) get placeholder LUN ids.
      - The file is written with mode C(0600), only when its content changes, and not in check mode.
    type: path
extends_documentation_fragment:
  - powervm.lpm.hmc
  - powervm.lpm.attributes
  - powervm.lpm.attributes.PLATFORM
  - powervm.lpm.attributes.INFO_MODULE
notes:
  - O(scenario_file) is written on the controller; the module never changes anything on the HMC and always returns
    C(changed=false).
seealso:
  - name: HMC twin scenario schema
    description: The format of the file written to O(scenario_file).
    link: https://github.com/powervm-lpm/powervm.lpm/blob/main/docs/scenario-schema.md
author:
  - powervm.lpm maintainers (@powervm-lpm)
"""

EXAMPLES = r"""
- name: Read the estate behind the HMC
  powervm.lpm.estate_info:
    hmc_host: hmc1.example.com
    hmc_user: hscroot
    hmc_password: "{{ vault_hmc_password }}"
  register: estate_result

- name: Show the memory each managed system has free
  ansible.builtin.debug:
    msg: "{{ item.key }}: {{ item.value.available_mem_mb }} MB free"
  loop: "{{ estate_result.estate.systems | dict2items }}"

- name: Read two systems only, all VIOS disks, and export a twin scenario
  powervm.lpm.estate_info:
    hmc_host: hmc1.example.com
    hmc_user: hscroot
    hmc_private_key: ~/.ssh/hmc_ed25519
    systems:
      - p750-Server-8233-E8B-SN069348P
      - 8205-E6B*10934CP
    vios_disks: all
    scenario_file: "{{ playbook_dir }}/estate-twin.yaml"

- name: Partition facts without asking the VIOS
  powervm.lpm.estate_info:
    hmc_host: hmc1.example.com
    hmc_password: "{{ vault_hmc_password }}"
    vios_details: false
"""

RETURN = r"""
estate:
  description: The estate facts. Every listed key is always present; a value that could not be read is V(null).
  returned: success
  type: dict
  contains:
    schema_version:
      description: Version of this structure; increased when a field is renamed or removed.
      type: int
      sample: 1
    hmc:
      description: The HMC (from C(lshmc -V)).
      type: dict
      contains:
        name:
          description: The host name or address the connection was made to (O(hmc_host)).
          type: str
          sample: bpichmc
        version:
          description: The base version.
          type: str
          sample: V7R7.8.0
        major:
          description: The major release number.
          type: int
          sample: 7
        release:
          description: The release.
          type: str
          sample: 7.8.0
        service_pack:
          description: The service pack.
          type: str
          sample: "2"
        build_level:
          description: The build level.
          type: str
        fixes:
          description: Installed fix lines.
          type: list
          elements: str
    systems:
      description:
        - Managed systems by name. Each is a dict with C(name), C(type_model), C(serial), C(mtms), C(state),
          C(ipaddr), C(compat_modes), C(lmb_mb), C(installed_mem_mb), C(configurable_mem_mb), C(available_mem_mb),
          C(firmware_mem_mb), C(huge_page_size_mb), C(installed_proc_units), C(configurable_proc_units),
          C(available_proc_units), C(min_proc_units_per_vp), C(max_lpars), C(capabilities) (C(*_capable) flags as
          booleans), C(migration) (C(active_capable), C(inactive_capable), C(active_supported),
          C(active_in_progress), C(inactive_supported), C(inactive_in_progress)), C(inactive_prof_policy),
          C(shared_proc_pools) (C(id), C(name), C(max_proc_units), C(reserved_proc_units), C(lpar_names)) and
          C(partitions).
        - Memory is in MB, processors in processing units.
      type: dict
      contains:
        partitions:
          description:
            - Partitions by name. Each is a dict with C(name), C(id), C(env) (V(aixlinux), V(vioserver), V(os400)),
              C(is_vios), C(state), C(os_version), C(uuid), C(rmc_state), C(rmc_ipaddr), C(msp), C(time_ref),
              C(migration_disabled), C(resource_config) (0 while never activated), C(never_activated), C(work_group_id),
              C(compat_desired), C(compat_current), C(curr_profile),
              C(memory) (C(mode), C(min_mb), C(current_mb), C(max_mb), C(huge_pages), C(hpt_ratio), C(ame_factor)),
              C(processors) (C(mode), C(min_units), C(units), C(max_units), C(min_procs), C(procs), C(max_procs),
              C(sharing_mode), C(uncap_weight), C(pool_id), C(pool_name)), C(profile) (the current profile's desired
              sizes and required I/O slots), C(io_slots), C(virtual_eth), C(virtual_scsi), C(virtual_fc) (with
              C(wwpns)), C(virtual_serial), C(migration) (from C(lslparmigr)), C(refcode), C(refcode_time) and
              C(vios).
            - Current memory and processors read 0 while a partition is not activated; its C(profile) holds its size.
          type: dict
          contains:
            vios:
              description:
                - V(null) for a partition that is not a VIOS. Otherwise a dict with C(collected), C(skipped_reason),
                  C(ioslevel), C(vioslpm0) (C(cfg_msp_lpm_ops), C(concurrency_lvl), C(max_lpm_vasi), C(max_vasi_ops),
                  C(tcp_port_low), C(tcp_port_high), C(attributes)), C(vasi), C(vasi_devices), C(disks) (by name, each with
                  C(kind), C(description), C(physloc), C(pvid), C(unique_id), C(lun_id), C(reserve_policy),
                  C(mapped)), C(vscsi_mappings) (C(server_adapter), C(server_slot), C(client_lpar_id),
                  C(client_lpar_name), C(client_slot), C(devices) with C(vtd), C(backing), C(kind)), C(npiv_mappings)
                  (C(server_adapter), C(server_slot), C(client_lpar_id), C(client_lpar_name), C(client_slot),
                  C(fc_port), C(status)), C(fc_ports) (by name, each with C(physloc), C(npiv_capable), C(fabric_npiv),
                  C(total_ports), C(available_ports), C(total_wwpns), C(available_wwpns)) and C(seas) (C(name),
                  C(status), C(real_adapter), C(ha_mode), C(ctl_chan), C(pvid), C(pvid_adapter), C(virt_adapters),
                  C(trunk_slots), C(trunk_priority), C(vlans), C(vswitch)).
                - The disk identity and reserve policy are V(null) for disks outside O(vios_disks).
              type: dict
              contains:
                collected:
                  description: Whether the VIOS answered; if not, C(skipped_reason) says why.
                  type: bool
    warnings:
      description: What could not be read, per system or VIOS, and why.
      type: list
      elements: str
      sample:
        - "p750-Server-8233-E8B-SN069348P: b750vio2: VIOS details not read: RMC is inactive, not active"
commands:
  description: The HMC commands that were run, in order, with secrets masked.
  returned: success
  type: list
  elements: str
  sample:
    - lshmc -V
    - lssyscfg -r sys -F name,type_model,serial_num,state
stats:
  description: Cost of the gathering.
  returned: success
  type: dict
  contains:
    commands:
      description: Number of HMC commands run.
      type: int
      sample: 74
    failed_commands:
      description: Number of commands that exited non-zero (including ones retried without an optional attribute).
      type: int
      sample: 0
    connections:
      description: Number of SSH connections opened (1 unless the connection was lost and opened again).
      type: int
      sample: 1
    seconds:
      description: Wall-clock seconds the gathering took.
      type: float
      sample: 4.2
    systems:
      description: Number of managed systems in RV(estate.systems).
      type: int
    partitions:
      description: Number of partitions read.
      type: int
    vios_read:
      description: Number of VIOS whose details were read.
      type: int
scenario_file:
  description: The path of the twin scenario.
  returned: when O(scenario_file) is set
  type: str
scenario_written:
  description: Whether the scenario file was written (false in check mode and when it already had this content).
  returned: when O(scenario_file) is set
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.powervm.lpm.plugins.module_utils._estate import GatherOptions, gather
from ansible_collections.powervm.lpm.plugins.module_utils._estate_export import scenario_yaml, write_if_changed
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcError
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_options import HMC_MODULE_KWARGS, client_from_module, hmc_argument_spec

OPTIONS = {
    "systems": {"type": "list", "elements": "str"},
    "vios_details": {"type": "bool", "default": True},
    "vios_disks": {"type": "str", "choices": ["mapped", "all"], "default": "mapped"},
    "scenario_file": {"type": "path"},
}


def main() -> None:
    module = AnsibleModule(argument_spec=hmc_argument_spec(OPTIONS), supports_check_mode=True, **HMC_MODULE_KWARGS)
    p = module.params
    if p["vios_disks"] == "all" and not p["vios_details"]:
        module.fail_json(msg="vios_disks=all reads the disks on each VIOS, which needs vios_details=true")
    options = GatherOptions(host=p["hmc_host"], systems=p["systems"], vios_details=p["vios_details"], vios_disks=p["vios_disks"])
    try:
        with client_from_module(module) as client:
            gathered = gather(client, options)
    except HmcError as exc:
        module.fail_json(**exc.to_result())
    result = {"changed": False, "estate": gathered.estate, "commands": gathered.commands, "stats": gathered.stats}
    if p["scenario_file"]:
        text = scenario_yaml(gathered.estate, p["hmc_user"])
        result["scenario_file"] = p["scenario_file"]
        try:
            result["scenario_written"] = False if module.check_mode else write_if_changed(p["scenario_file"], text)
        except OSError as exc:
            module.fail_json(msg=f"cannot write scenario_file {p['scenario_file']}: {exc}", **result)
    for warning in gathered.estate["warnings"]:
        module.warn(warning)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
