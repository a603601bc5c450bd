# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """Attribute descriptions. Use DOCUMENTATION together with one of the support fragments."""

    # Standard fragment: the descriptions of the attributes every module declares.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying the HMC or the managed systems.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
      - This assumes that the systems controlled or queried by the module have not changed in a relevant way.
  platform:
    description: Target the module operates against.
"""

    # The module runs on the controller and acts on an HMC over SSH.
    PLATFORM = r"""
options: {}
attributes:
  platform:
    support: full
    platforms: hmc
    details:
      - The module runs on the Ansible controller and reaches the IBM HMC over SSH; the managed node is not used.
"""

    # Use together with DOCUMENTATION and PLATFORM in modules that only read.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This action does not modify state.
  diff_mode:
    support: N/A
    details:
      - This action does not modify state.
  idempotent:
    support: full
    details:
      - This action does not modify state.
"""
