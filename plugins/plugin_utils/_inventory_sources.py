# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this plugin_util is **PRIVATE** to the collection. It can change at any time.

"""The HMCs an inventory source names, with their connection options checked like a module's.

An inventory source names one HMC with the top-level connection options, or several in ``hmcs``.
Each ``hmcs`` entry takes the same option names as the modules (plus ``name``); an option an entry
does not set is taken from the top level, so a password or key set once applies to every HMC.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcInputError
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_options import (
    HMC_CONNECTION_ARGSPEC,
    HMC_MUTUALLY_EXCLUSIVE,
    HMC_REQUIRED_IF,
)

CONNECTION_OPTIONS = tuple(HMC_CONNECTION_ARGSPEC)
ENTRY_KEYS = ("name",) + CONNECTION_OPTIONS

Getter = Callable[[str], Any]
Resolve = Callable[[Any], Any]


@dataclass(frozen=True)
class HmcSource:
    """One HMC to read: the name its group and host variables use, and its checked connection options."""

    name: str
    options: dict[str, Any]

    @property
    def host(self) -> str:
        return str(self.options["hmc_host"])

    @property
    def port(self) -> int:
        return int(self.options["hmc_port"])

    def get(self, option: str) -> Any:
        """The getter ``client_from_options`` takes."""
        return self.options.get(option)


def hmc_sources(get_option: Getter, resolve: Resolve = lambda value: value) -> list[HmcSource]:
    """The HMCs of the inventory source; ``resolve`` turns a configured value into its final value
    (templates rendered, vaulted text decrypted). Raises HmcInputError for an invalid configuration."""
    top = {name: get_option(name) for name in CONNECTION_OPTIONS}
    entries = get_option("hmcs")
    if not entries:
        if not top["hmc_host"]:
            raise HmcInputError("set hmc_host (one HMC) or hmcs (a list of HMCs)")
        entries = [{}]
    if not isinstance(entries, list):
        raise HmcInputError("hmcs must be a list of dictionaries")
    sources = [_source(index, entry, top, resolve) for index, entry in enumerate(entries)]
    seen: set[str] = set()
    for source in sources:
        if source.name in seen:
            raise HmcInputError(f"hmcs: two entries are named {source.name}; give them different names")
        seen.add(source.name)
    return sources


def _source(index: int, entry: Any, top: dict[str, Any], resolve: Resolve) -> HmcSource:
    where = f"hmcs[{index}]"
    if not isinstance(entry, Mapping):
        raise HmcInputError(f"{where} must be a dictionary of connection options")
    unknown = sorted(str(key) for key in entry if key not in ENTRY_KEYS)
    if unknown:
        raise HmcInputError(f"{where}: unknown option(s) {', '.join(unknown)}; known: {', '.join(ENTRY_KEYS)}")
    merged = {name: resolve(entry[name] if name in entry else top[name]) for name in CONNECTION_OPTIONS}
    # The validator counts an option as set when its key is present, even with the value None.
    merged = {name: value for name, value in merged.items() if value is not None}
    validator = ArgumentSpecValidator(HMC_CONNECTION_ARGSPEC, mutually_exclusive=HMC_MUTUALLY_EXCLUSIVE, required_if=HMC_REQUIRED_IF)
    result = validator.validate(merged)
    if result.error_messages:
        label = entry.get("name") or merged.get("hmc_host") or where
        raise HmcInputError(f"HMC {label}: {'; '.join(result.error_messages)}")
    options = result.validated_parameters
    name = resolve(entry.get("name")) or options["hmc_host"]
    return HmcSource(str(name), options)
