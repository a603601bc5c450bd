# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this plugin_util is **PRIVATE** to the collection. It can change at any time.

"""Marking text that came from an HMC as unsafe, so that Ansible never templates it.

A partition name such as ``{{ lookup('pipe', 'id') }}`` must reach a playbook as that literal text.
ansible-core before 2.19 templates every string that is not wrapped as unsafe; from 2.19 on only
trusted strings are templated, and ``wrap_var`` also removes the trust mark.
"""

from __future__ import annotations

from typing import Any

from ansible.utils.unsafe_proxy import wrap_var


def make_unsafe(value: Any) -> Any:
    """``value`` with every string in it (dict keys included, recursively) wrapped as unsafe."""
    return wrap_var(value)
