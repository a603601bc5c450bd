#!/usr/bin/python
# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: hmc_trust
short_description: Set up and test SSH key trust from an HMC to a remote HMC for remote partition migration
version_added: 0.1.0
description:
  - A migration to a managed system of another HMC (C(migrlpar --ip REMOTE -u USER)) needs SSH key trust from the
    source HMC (O(hmc_host)) to the remote HMC; without it the HMC fails with C(HSCL3653).
  - Tests the trust with C(mkauthkeys --ip REMOTE -u USER --test). When the test passes nothing else runs.
  - With O(state=present) a missing trust is set up with C(mkauthkeys --ip REMOTE -u USER --passwd PASSWORD), which
    logs in to the remote HMC once with O(remote_password), and the trust is tested again.
  - The remote password is masked in every command, message and transcript the module returns or writes.
options:
  remote_hmc:
    description:
      - Host name or IP address of the remote HMC, as the source HMC reaches it (and as C(migrlpar --ip) names it).
    type: str
    required: true
  remote_user:
    description:
      - The user on the remote HMC.
    type: str
    default: hscroot
  remote_password:
    description:
      - The password of O(remote_user) on the remote HMC.
      - Required to set up a missing trust with O(state=present); not used when the trust already exists.
    type: str
  state:
    description:
      - V(present) sets the trust up when the test fails.
      - V(tested) only tests it, and fails when the trust is missing. Nothing is changed.
    type: str
    choices: [present, tested]
    default: present
extends_documentation_fragment:
  - powervm.lpm.hmc
  - powervm.lpm.attributes
  - powervm.lpm.attributes.PLATFORM
attributes:
  check_mode:
    support: full
    details:
      - In check mode the trust is tested and RV(commands) shows (masked) the C(mkauthkeys) that would set it up.
  diff_mode:
    support: full
  idempotent:
    support: full
seealso:
  - module: powervm.lpm.estate_info
author:
  - powervm.lpm maintainers (@powervm-lpm)
"""

EXAMPLES = r"""
- name: Trust the destination HMC for remote migrations
  powervm.lpm.hmc_trust:
    hmc_host: hmc1.example.com
    hmc_password: "{{ vault_hmc1_password }}"
    remote_hmc: hmc2.example.com
    remote_user: hscroot
    remote_password: "{{ vault_hmc2_password }}"

- name: Fail early when the trust is missing
  powervm.lpm.hmc_trust:
    hmc_host: hmc1.example.com
    hmc_password: "{{ vault_hmc1_password }}"
    remote_hmc: 10.1.1.20
    state: tested
"""

RETURN = r"""
remote_hmc:
  description: The remote HMC, as given.
  returned: success
  type: str
remote_user:
  description: The user on the remote HMC.
  returned: success
  type: str
trusted:
  description: Whether the trust exists after the task (would exist, in check mode).
  returned: success
  type: bool
  sample: true
commands:
  description: The command that set up the trust (would set it up, in check mode), with the password masked.
  returned: success
  type: list
  elements: str
  sample:
    - "mkauthkeys --ip hmc2.example.com -u hscroot --passwd '********'"
diff:
  description: Whether the trust existed before and after.
  returned: success, in diff mode
  type: dict
  sample: {"before": {"trusted": false}, "after": {"trusted": true}}
"""

from typing import Any

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcError
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_options import HMC_MODULE_KWARGS, client_from_module, hmc_argument_spec
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_trust import STATES, TrustRequest, ensure

OPTIONS: dict[str, dict[str, Any]] = {
    "remote_hmc": {"type": "str", "required": True},
    "remote_user": {"type": "str", "default": "hscroot"},
    "remote_password": {"type": "str", "no_log": True},
    "state": {"type": "str", "choices": list(STATES), "default": "present"},
}


def main() -> None:
    module = AnsibleModule(argument_spec=hmc_argument_spec(OPTIONS), supports_check_mode=True, **HMC_MODULE_KWARGS)
    p = module.params
    request = TrustRequest(p["remote_hmc"], p["remote_user"], p["remote_password"], p["state"])
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
