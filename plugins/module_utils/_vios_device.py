# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Idempotent ``chdev`` on VIOS devices through ``viosvrcmd`` (nothing runs on the VIOS or HMC but their CLI).

1. select the devices (``_vios_device_select``);
2. read each one with ``lsdev -dev D -attr``, in parallel over several channels;
3. refuse unknown and not user-settable attributes, for every device, before anything changes;
4. for each value that differs, read its legal values (``lsdev -dev D -range A``) and refuse illegal ones
   (when the VIOS cannot list them, the value goes to chdev, which refuses it if it is illegal);
5. change each differing device with one ``chdev -dev D -attr a=v b=w``, one device after the other
   (the VIOS serialises device configuration on its ODM lock anyway). A device that is busy
   (AIX 0514-062) is changed with ``-perm`` when allowed: the ODM holds the value and the device
   uses it after the next VIOS restart, so the result says ``reboot_required``.

Idempotence with ``-perm``: ``lsdev -attr`` shows the ODM value, like AIX ``lsattr -E``, so after a
``-perm`` change the VIOS already shows the new value and the next run finds nothing to change
(``changed=false``). That run cannot tell that the device still waits for a restart: only the run
that made the change reports ``reboot_required`` and ``pending_devices``. The collection's HMC twin
shows values the same way (rule ``lsdev.attr_shows: odm`` in its data/vios_rules.yaml); with that rule
set to ``running`` a pending value would be sent again with ``-perm`` on every run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import display_command
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcCommandError
from ansible_collections.powervm.lpm.plugins.module_utils._prepare_common import Client, PrepareError, parallel
from ansible_collections.powervm.lpm.plugins.module_utils._vios_device_attrs import (
    DeviceAttributes,
    Legal,
    attr_command,
    change_command,
    differing,
    normalize,
    range_command,
    refusals,
)
from ansible_collections.powervm.lpm.plugins.module_utils._vios_device_select import Selection, on_vios, select

BUSY_CODE = "0514-062"
# Words of lsdev descriptions of SAN LUNs ("MPIO IBM 2076 FC Disk") and of internal disks ("SAS Disk Drive").
SAN_WORDS = frozenset({"fc", "fcp", "fibre", "mpio", "2145", "2076", "2107", "hitachi", "emc", "netapp", "pure", "symmetrix"})
INTERNAL_WORDS = frozenset({"sas", "sata", "sisarray", "raid", "ide", "usb"})
_WORD_RE = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class DeviceRequest:
    system: str
    vios: str
    selection: Selection
    attributes: Mapping[str, Any]
    allow_perm: bool = True


@dataclass
class DeviceState:
    """One selected device: the requested attributes before and after, and how it was changed."""

    name: str
    before: dict[str, str]
    changes: dict[str, str] = field(default_factory=dict)
    command: str | None = None
    pending: bool = False
    error: str | None = None

    @property
    def after(self) -> dict[str, str]:
        return {**self.before, **self.changes} if self.error is None else dict(self.before)

    def to_result(self) -> dict[str, Any]:
        return {"changed": bool(self.changes) and self.error is None, "pending": self.pending, "before": self.before,
                "after": self.after, "error": self.error}


@dataclass
class DeviceOutcome:
    devices: list[DeviceState]
    unmatched_lpars: list[str]
    commands: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.commands)

    @property
    def pending_devices(self) -> list[str]:
        return [d.name for d in self.devices if d.pending]

    @property
    def failed(self) -> list[DeviceState]:
        return [d for d in self.devices if d.error is not None]

    def to_result(self, request: DeviceRequest) -> dict[str, Any]:
        return {
            "changed": self.changed,
            "system": request.system,
            "vios": request.vios,
            "devices": {d.name: d.to_result() for d in self.devices},
            "commands": self.commands,
            "reboot_required": bool(self.pending_devices),
            "pending_devices": self.pending_devices,
            "unmatched_lpars": self.unmatched_lpars,
            "diff": {"before": {d.name: d.before for d in self.devices}, "after": {d.name: d.after for d in self.devices}},
        }


def _read(client: Client, request: DeviceRequest, device: str) -> DeviceAttributes:
    result = client.run(on_vios(request.system, request.vios, attr_command(device)), read_only=True)
    return DeviceAttributes.parse(device, result.stdout)


def _legal(client: Client, request: DeviceRequest, item: tuple[str, str]) -> Legal:
    """The legal values of one attribute; when the VIOS cannot list them, chdev is left to judge the value."""
    device, attribute = item
    result = client.run(on_vios(request.system, request.vios, range_command(device, attribute)), read_only=True, check=False)
    return Legal.parse(result.stdout) if result.rc == 0 else Legal()


def is_san_disk(description: str | None, values: Mapping[str, str]) -> bool:
    """A disk reached over Fibre Channel: it has a ww_name, or its description (else its unique id) says so.

    An internal description wins over the unique id, whose ``fcp`` suffix is not reliable for internal disks.
    """
    if "ww_name" in values:
        return True
    words = set(_WORD_RE.findall((description or "").lower()))
    if words & SAN_WORDS:
        return True
    if words & INTERNAL_WORDS:
        return False
    return values.get("unique_id", "").lower().endswith("fcp")


def plan(client: Client, request: DeviceRequest, wanted: dict[str, str]) -> tuple[list[DeviceState], list[str]]:
    """Select and read the devices, validate the request, and compute each device's changes."""
    selected = select(client, request.system, request.vios, request.selection)
    read = parallel(lambda name: _read(client, request, name), selected.devices)
    if request.selection.disk_type == "san_disk":
        read = [attrs for attrs in read if is_san_disk(selected.descriptions.get(attrs.device), attrs.values)]
    problems = [problem for attrs in read for problem in refusals(attrs, wanted)]
    if problems:
        raise PrepareError("; ".join(problems), refused=problems)
    states = [DeviceState(attrs.device, {name: attrs.values[name] for name in sorted(wanted)}, differing(attrs, wanted))
              for attrs in read]
    checks = [(state.name, name) for state in states for name in sorted(state.changes)]
    legal = dict(zip(checks, parallel(lambda item: _legal(client, request, item), checks)))
    illegal = []
    for state in states:
        for name, value in state.changes.items():
            rule = legal[(state.name, name)]
            if not rule.accepts(value):
                illegal.append(f"{state.name}: {name}={value} is not a legal value (legal: {rule.describe()})")
            state.changes[name] = rule.spelling(value)
    if illegal:
        raise PrepareError("; ".join(illegal), refused=illegal)
    return states, selected.unmatched_lpars


def _busy(exc: HmcCommandError) -> bool:
    return BUSY_CODE in exc.details.aix_codes


def _apply(client: Client, request: DeviceRequest, state: DeviceState) -> None:
    argv = on_vios(request.system, request.vios, change_command(state.name, state.changes))
    try:
        client.run(argv)
        state.command = display_command(argv)
        return
    except HmcCommandError as exc:
        if not _busy(exc):
            state.error = exc.message
            return
        if not request.allow_perm:
            state.error = (f"{state.name} is busy (AIX {BUSY_CODE}) and allow_perm is false: release the device, or allow "
                           "-perm to change it at the next VIOS restart")
            return
    argv = on_vios(request.system, request.vios, change_command(state.name, state.changes, perm=True))
    try:
        client.run(argv)
    except HmcCommandError as exc:
        state.error = exc.message
        return
    state.command = display_command(argv)
    state.pending = True


def ensure(client: Client, request: DeviceRequest, check_mode: bool) -> DeviceOutcome:
    """Change what differs; in check mode only say which chdev commands would run (without -perm)."""
    if not request.attributes:
        raise PrepareError("attributes must name at least one attribute to set")
    wanted = {str(name): normalize(str(name), value) for name, value in request.attributes.items()}
    states, unmatched = plan(client, request, wanted)
    outcome = DeviceOutcome(states, unmatched)
    for state in states:
        if not state.changes:
            continue
        if check_mode:
            outcome.commands.append(display_command(on_vios(request.system, request.vios, change_command(state.name, state.changes))))
            continue
        _apply(client, request, state)
        if state.command is not None:
            outcome.commands.append(state.command)
    return outcome
