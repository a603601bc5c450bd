#!/usr/bin/python
# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: vios_device
short_description: Set attributes of Virtual I/O Server devices (disks, vioslpm0, ...) through the HMC
version_added: 0.1.0
description:
  - Sets device attributes on a Virtual I/O Server (VIOS) with the VIOS C(chdev) command, run through the HMC with
    C(viosvrcmd). Nothing is installed or run on the VIOS or the HMC besides their own commands.
  - Typical uses are C(reserve_policy=no_reserve) on the disks of partitions that will migrate, and the
    partition mobility tunables C(cfg_msp_lpm_ops) and C(concurrency_lvl) of the C(vioslpm0) pseudo-device.
  - Reads every selected device with C(lsdev -dev DEVICE -attr) (several at a time), refuses attributes the device
    does not have or that are not user-settable, and for each value that differs reads the legal values with
    C(lsdev -dev DEVICE -range ATTRIBUTE) and refuses illegal ones. Nothing is changed when anything is refused.
  - Each device whose values differ is changed with one C(chdev -dev DEVICE -attr a=v b=w).
  - A device that is in use (AIX error 0514-062, for example a disk that backs the disk of a running partition) is
    changed with C(chdev -perm) when O(allow_perm=true). The new value is then stored and used from the next restart
    of the VIOS; the result has RV(reboot_required=true) and lists the device in RV(pending_devices).
options:
  system:
    description:
      - The managed system of the VIOS, by name or as C(type-model*serial).
    type: str
    required: true
  vios:
    description:
      - The name of the VIOS partition. It must be C(Running) with RMC active, as C(viosvrcmd) requires.
    type: str
    required: true
  devices:
    description:
      - The devices to change, by name, for example C(hdisk4) or C(vioslpm0).
      - Mutually exclusive with O(select); one of them is required.
    type: list
    elements: str
    aliases: [device]
  select:
    description:
      - Choose the devices instead of naming them. Set exactly one of the suboptions.
      - Mutually exclusive with O(devices).
    type: dict
    suboptions:
      backing_of_lpars:
        description:
          - The disks that back the virtual SCSI mappings of these partitions on this VIOS.
          - The server adapters are matched to the partitions from the HMC's adapter configuration, so the
            partitions do not need to be running.
          - Logical volumes, files and optical media that back a mapping are not selected. Partitions this VIOS
            serves no virtual SCSI adapter for are listed in RV(unmatched_lpars).
          - An empty list selects no device, so the task changes nothing.
        type: list
        elements: str
      type:
        description:
          - V(disk) selects every disk of the VIOS, including the internal ones that hold C(rootvg).
          - V(san_disk) selects the disks that are SAN LUNs (those with a C(ww_name) attribute or a Fibre
            Channel unique id or description).
        type: str
        choices: [disk, san_disk]
  attributes:
    description:
      - Attribute names and the values they must have, for example C(reserve_policy=no_reserve).
      - Give values as strings. Values that YAML reads as booleans (C(yes), C(no), C(true)) must be quoted.
      - Numbers may be given in another base than the VIOS shows them (C(262144) for C(0x40000)); they are compared
        as numbers and sent the way the VIOS lists its legal values.
    type: dict
    required: true
  allow_perm:
    description:
      - When a device is busy, change it with C(chdev -perm) so that the value applies at the next VIOS restart.
      - When V(false), a busy device makes the task fail; the other devices are still changed.
    type: bool
    default: true
extends_documentation_fragment:
  - powervm.lpm.hmc
  - powervm.lpm.attributes
  - powervm.lpm.attributes.PLATFORM
attributes:
  check_mode:
    support: full
    details:
      - In check mode the devices are read and validated and RV(commands) lists the C(chdev) commands that would run.
        Whether a device is busy is only known by trying, so check mode never reports RV(reboot_required).
  diff_mode:
    support: full
  idempotent:
    support: full
    details:
      - C(lsdev -attr) shows the stored (ODM) value, which a C(chdev -perm) change sets at once. A second run
        therefore finds nothing to change, and reports RV(reboot_required=false) even when the VIOS has not been
        restarted since the first run. Keep the first run's RV(pending_devices) to plan the restart.
notes:
  - Devices are read in parallel over several channels of one SSH connection and changed one after the other.
  - When some devices could not be changed the task fails after trying every device; RV(devices) tells which
    changed and which failed, and RV(commands) lists the changes that were made.
seealso:
  - module: powervm.lpm.vios_msp
  - module: powervm.lpm.estate_info
author:
  - powervm.lpm maintainers (@powervm-lpm)
"""

EXAMPLES = r"""
- name: No SCSI reservation on the disks of the partitions that will move (both VIOS)
  powervm.lpm.vios_device:
    hmc_host: hmc1.example.com
    hmc_password: "{{ vault_hmc_password }}"
    system: p750-Server-8233-E8B-SN069348P
    vios: "{{ item }}"
    select:
      backing_of_lpars: [b750nl2, b750db1]
    attributes:
      reserve_policy: no_reserve
  loop: [b750vio1, b750vio2]
  register: reserve

- name: Tell when a VIOS restart is needed
  ansible.builtin.debug:
    msg: "{{ item.vios }} must be restarted for {{ item.pending_devices | join(', ') }}"
  loop: "{{ reserve.results | selectattr('reboot_required') }}"

- name: Four concurrent migrations per mover service partition (1 Gb link)
  powervm.lpm.vios_device:
    hmc_host: hmc1.example.com
    hmc_password: "{{ vault_hmc_password }}"
    system: p740-Server-8205-E6B-SN10934CP
    vios: b740vio1
    device: vioslpm0
    attributes:
      cfg_msp_lpm_ops: "4"
      concurrency_lvl: "3"

- name: One disk, failing rather than waiting for a restart
  powervm.lpm.vios_device:
    hmc_host: hmc1.example.com
    hmc_password: "{{ vault_hmc_password }}"
    system: p740-Server-8205-E6B-SN10934CP
    vios: b740vio2
    device: hdisk2
    attributes:
      reserve_policy: no_reserve
    allow_perm: false
"""

RETURN = r"""
system:
  description: The managed system, as given.
  returned: success
  type: str
vios:
  description: The VIOS, as given.
  returned: success
  type: str
devices:
  description:
    - Each selected device by name, with C(changed) (values differed and were, or in check mode would be, set),
      C(pending) (set with C(-perm), waiting for a VIOS restart), C(before) and C(after) (the requested attributes)
      and C(error) (why the device could not be changed, else V(null)).
  returned: always
  type: dict
  sample:
    hdisk2:
      changed: true
      pending: true
      before: {reserve_policy: single_path}
      after: {reserve_policy: no_reserve}
      error: null
commands:
  description: The C(viosvrcmd) commands that changed devices (would change them, in check mode).
  returned: always
  type: list
  elements: str
  sample:
    - "viosvrcmd -m p740-Server-8205-E6B-SN10934CP -p b740vio2 -c 'chdev -dev hdisk2 -perm -attr reserve_policy=no_reserve'"
reboot_required:
  description: Whether a device was changed with C(-perm) and uses its new values only after the VIOS restarts.
  returned: always
  type: bool
pending_devices:
  description: The devices changed with C(-perm).
  returned: always
  type: list
  elements: str
  sample: [hdisk2]
unmatched_lpars:
  description: Partitions of O(select.backing_of_lpars) that this VIOS serves no virtual SCSI adapter for.
  returned: always
  type: list
  elements: str
diff:
  description: The requested attributes of every selected device, before and after.
  returned: success, in diff mode
  type: dict
"""

from typing import Any

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcError
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_options import HMC_MODULE_KWARGS, client_from_module, hmc_argument_spec
from ansible_collections.powervm.lpm.plugins.module_utils._vios_device import DeviceRequest, ensure
from ansible_collections.powervm.lpm.plugins.module_utils._vios_device_select import DISK_TYPES, Selection

OPTIONS: dict[str, dict[str, Any]] = {
    "system": {"type": "str", "required": True},
    "vios": {"type": "str", "required": True},
    "devices": {"type": "list", "elements": "str", "aliases": ["device"]},
    "select": {
        "type": "dict",
        "options": {
            "backing_of_lpars": {"type": "list", "elements": "str"},
            "type": {"type": "str", "choices": list(DISK_TYPES)},
        },
        "mutually_exclusive": [["backing_of_lpars", "type"]],
        "required_one_of": [["backing_of_lpars", "type"]],
    },
    "attributes": {"type": "dict", "required": True},
    "allow_perm": {"type": "bool", "default": True},
}


def main() -> None:
    module = AnsibleModule(
        argument_spec=hmc_argument_spec(OPTIONS),
        supports_check_mode=True,
        mutually_exclusive=[["devices", "select"], *HMC_MODULE_KWARGS["mutually_exclusive"]],
        required_one_of=[["devices", "select"]],
        required_if=HMC_MODULE_KWARGS["required_if"],
    )
    p = module.params
    chosen = p["select"] or {}
    selection = Selection(
        devices=tuple(p["devices"] or ()),
        backing_of_lpars=None if chosen.get("backing_of_lpars") is None else tuple(chosen["backing_of_lpars"]),
        disk_type=chosen.get("type"),
    )
    request = DeviceRequest(p["system"], p["vios"], selection, p["attributes"], p["allow_perm"])
    try:
        with client_from_module(module) as client:
            outcome = ensure(client, request, module.check_mode)
    except HmcError as exc:
        module.fail_json(**exc.to_result())
    result = outcome.to_result(request)
    if not module._diff:
        del result["diff"]
    if outcome.failed:
        module.fail_json(msg="; ".join(f"{d.name}: {d.error}" for d in outcome.failed), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
