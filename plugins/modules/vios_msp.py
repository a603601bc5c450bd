#!/usr/bin/python
# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: vios_msp
short_description: Set the mover service partition and time reference flags of a Virtual I/O Server
version_added: 0.1.0
description:
  - Makes a Virtual I/O Server (VIOS) a mover service partition (MSP) for active partition mobility, or stops it
    being one, and sets its time reference partition flag.
  - Reads the flags with one C(lssyscfg -r lpar) and, only when a flag differs from the wanted value, changes the
    differing flags with one C(chsyscfg -r lpar -i name=VIOS,msp=1,time_ref=1). The flags are read again after the
    change to confirm the HMC shows them.
  - Partitions that are not a VIOS (C(lpar_env) other than C(vioserver)) are refused before anything is changed.
options:
  system:
    description:
      - The managed system of the VIOS, by name or as C(type-model*serial).
    type: str
    required: true
  vios:
    description:
      - The name of the VIOS partition.
    type: str
    required: true
  msp:
    description:
      - Whether the VIOS is a mover service partition (C(msp=1)).
      - An active migration needs an MSP on the source and on the destination system.
      - When not set, the flag is left as it is.
    type: bool
  time_ref:
    description:
      - Whether the VIOS is a time reference partition (C(time_ref=1)), which keeps the time of day of the
        partitions that move between systems in step.
      - When not set, the flag is left as it is.
    type: bool
extends_documentation_fragment:
  - powervm.lpm.hmc
  - powervm.lpm.attributes
  - powervm.lpm.attributes.PLATFORM
attributes:
  check_mode:
    support: full
    details:
      - In check mode the flags are read and RV(commands) holds the change that would be sent.
  diff_mode:
    support: full
  idempotent:
    support: full
notes:
  - At least one of O(msp) and O(time_ref) must be set.
seealso:
  - module: powervm.lpm.vios_device
  - module: powervm.lpm.estate_info
author:
  - powervm.lpm maintainers (@powervm-lpm)
"""

EXAMPLES = r"""
- name: Make both VIOS of the destination system mover service partitions
  powervm.lpm.vios_msp:
    hmc_host: hmc1.example.com
    hmc_password: "{{ vault_hmc_password }}"
    system: p740-Server-8205-E6B-SN10934CP
    vios: "{{ item }}"
    msp: true
  loop:
    - b740vio1
    - b740vio2

- name: MSP and time reference on the first VIOS
  powervm.lpm.vios_msp:
    hmc_host: hmc1.example.com
    hmc_private_key: ~/.ssh/hmc_ed25519
    system: 8205-E6B*10934CP
    vios: b740vio1
    msp: true
    time_ref: true
"""

RETURN = r"""
system:
  description: The managed system, as given.
  returned: success
  type: str
  sample: p740-Server-8205-E6B-SN10934CP
vios:
  description: The VIOS, as given.
  returned: success
  type: str
  sample: b740vio2
msp:
  description: The MSP flag after the task (what it would be, in check mode).
  returned: success
  type: bool
  sample: true
time_ref:
  description: The time reference flag after the task (what it would be, in check mode).
  returned: success
  type: bool
  sample: false
commands:
  description: The HMC command that changed the flags (would change them, in check mode); empty when nothing differed.
  returned: success
  type: list
  elements: str
  sample:
    - chsyscfg -r lpar -m p740-Server-8205-E6B-SN10934CP -i name=b740vio2,msp=1
diff:
  description: The flags before and after.
  returned: success, in diff mode
  type: dict
  sample: {"before": {"msp": false, "time_ref": false}, "after": {"msp": true, "time_ref": false}}
"""

from typing import Any

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcError
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_options import HMC_MODULE_KWARGS, client_from_module, hmc_argument_spec
from ansible_collections.powervm.lpm.plugins.module_utils._vios_msp import MspRequest, ensure

OPTIONS: dict[str, dict[str, Any]] = {
    "system": {"type": "str", "required": True},
    "vios": {"type": "str", "required": True},
    "msp": {"type": "bool"},
    "time_ref": {"type": "bool"},
}


def main() -> None:
    module = AnsibleModule(
        argument_spec=hmc_argument_spec(OPTIONS),
        supports_check_mode=True,
        required_one_of=[["msp", "time_ref"]],
        **HMC_MODULE_KWARGS,
    )
    p = module.params
    request = MspRequest(system=p["system"], vios=p["vios"], msp=p["msp"], time_ref=p["time_ref"])
    try:
        with client_from_module(module) as client:
            outcome = ensure(client, request, module.check_mode)
    except HmcError as exc:
        module.fail_json(**exc.to_result())
    result = outcome.to_result(request)
    if not module._diff:
        del result["diff"]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
