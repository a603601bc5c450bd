# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""HMC connection options shared by every module (and, through a getter, by plugins).

The option documentation lives in the ``powervm.lpm.hmc`` doc fragment and must match
HMC_CONNECTION_ARGSPEC exactly.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
from typing import Any, Callable

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_auth import HAS_PARAMIKO, HOST_KEY_POLICIES, PARAMIKO_IMPORT_ERROR
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import (
    CHANNELS_PER_CONNECTION,
    HmcClient,
    HmcConnectionParams,
    Recorder,
    TranscriptEntry,
)
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcInputError

HMC_CONNECTION_ARGSPEC: dict[str, dict[str, Any]] = {
    "hmc_host": {"type": "str", "required": True},
    "hmc_port": {"type": "int", "default": 22},
    "hmc_user": {"type": "str", "default": "hscroot"},
    "hmc_password": {"type": "str", "no_log": True},
    "hmc_private_key": {"type": "path"},
    "hmc_private_key_content": {"type": "str", "no_log": True},
    "hmc_use_agent": {"type": "bool", "default": False},
    "known_hosts": {"type": "path"},
    "host_key_policy": {"type": "str", "choices": list(HOST_KEY_POLICIES), "default": "strict"},
    "connect_timeout": {"type": "int", "default": 30},
    "command_timeout": {"type": "int", "default": 3600},
    "channels_per_connection": {"type": "int", "default": CHANNELS_PER_CONNECTION},
}

KEY_OPTIONS = ("hmc_private_key", "hmc_private_key_content")
AUTH_OPTIONS = ("hmc_password",) + KEY_OPTIONS
HMC_MUTUALLY_EXCLUSIVE: list[list[str]] = [list(KEY_OPTIONS)]
# hmc_use_agent defaults to false, so required_one_of would always be satisfied by it; instead
# require a password or a key whenever the agent is not used.
HMC_REQUIRED_IF: list[list[Any]] = [["hmc_use_agent", False, list(AUTH_OPTIONS), True]]
# Keyword arguments for AnsibleModule(argument_spec=hmc_argument_spec(...), **HMC_MODULE_KWARGS).
HMC_MODULE_KWARGS: dict[str, Any] = {"mutually_exclusive": HMC_MUTUALLY_EXCLUSIVE, "required_if": HMC_REQUIRED_IF}

# Environment variable naming a file to append a JSON-lines transcript of HMC commands to.
TRANSCRIPT_ENV = "POWERVM_LPM_TRANSCRIPT"


def hmc_argument_spec(module_options: dict[str, dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """The connection options plus a module's own options (which may not redefine them)."""
    spec = copy.deepcopy(HMC_CONNECTION_ARGSPEC)
    clash = sorted(set(spec).intersection(module_options or {}))
    if clash:
        raise ValueError(f"module options redefine connection options: {', '.join(clash)}")
    spec.update(copy.deepcopy(module_options or {}))
    return spec


def params_from_options(get_option: Callable[[str], Any]) -> HmcConnectionParams:
    """Build connection parameters from any getter (module.params.get, plugin get_option)."""
    host = get_option("hmc_host")
    if not host:
        raise HmcInputError("hmc_host is required")
    if all(get_option(name) for name in KEY_OPTIONS):
        raise HmcInputError("hmc_private_key and hmc_private_key_content are mutually exclusive")
    use_agent = bool(get_option("hmc_use_agent"))
    if not use_agent and all(get_option(name) is None for name in AUTH_OPTIONS):
        raise HmcInputError("set one of hmc_password, hmc_private_key, hmc_private_key_content, or hmc_use_agent=true")

    def value(name: str, default: Any) -> Any:
        found = get_option(name)
        return default if found is None else found

    channels = int(value("channels_per_connection", CHANNELS_PER_CONNECTION))
    if channels < 1:
        raise HmcInputError(f"channels_per_connection must be at least 1, not {channels}")

    return HmcConnectionParams(
        host=str(host),
        port=int(value("hmc_port", 22)),
        user=str(value("hmc_user", "hscroot")),
        password=get_option("hmc_password"),
        private_key_file=get_option("hmc_private_key"),
        private_key_content=get_option("hmc_private_key_content"),
        use_agent=use_agent,
        known_hosts=get_option("known_hosts"),
        host_key_policy=str(value("host_key_policy", "strict")),
        connect_timeout=float(value("connect_timeout", 30)),
        command_timeout=float(value("command_timeout", 3600)),
        channels_per_connection=channels,
    )


def client_from_options(get_option: Callable[[str], Any], recorder: Recorder | None = None, **client_kwargs: Any) -> HmcClient:
    """An HmcClient (not yet connected) for the options returned by ``get_option``."""
    return HmcClient(params_from_options(get_option), recorder=recorder, **client_kwargs)


def require_paramiko(module: Any) -> None:
    """Fail the module with the standard message when paramiko cannot be imported."""
    if not HAS_PARAMIKO:
        module.fail_json(msg=missing_required_lib("paramiko"), exception=PARAMIKO_IMPORT_ERROR)


def client_from_module(module: Any, **client_kwargs: Any) -> HmcClient:
    """Check for paramiko, then build the client from module params.

    When the POWERVM_LPM_TRANSCRIPT environment variable names a file, every command is appended
    to it as redacted JSON lines (and a warning says so).
    """
    require_paramiko(module)
    path = os.environ.get(TRANSCRIPT_ENV)
    if path and "recorder" not in client_kwargs:
        module.warn(f"HMC command transcript is written to {path}; it holds HMC output, review it before sharing")
        client_kwargs["recorder"] = jsonl_recorder(path)
    return client_from_options(module.params.get, **client_kwargs)


def jsonl_recorder(path: str) -> Recorder:
    """A recorder appending each (already redacted) entry as one JSON line to a 0600 file."""

    def record(entry: TranscriptEntry) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(dataclasses.asdict(entry), sort_keys=True) + "\n")

    return record
