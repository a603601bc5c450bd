# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The manifest: where each planned partition was before the evacuation, and where it went.

Written before the first migration starts (so it exists even when the run is killed) from the facts
read before the evacuation, and updated as partitions move. A rerun never replaces what a partition's
entry says about its original placement. The return home reads it to move each partition back with
its original partition ID, shared processor pool and VIOS layout (explicit ``virtual_scsi_mappings``
and ``virtual_fc_mappings`` to the VIOS, server slot and FC port it had).

The file is JSON, which is also YAML::

    {"format": 1, "name": ..., "source_system": ..., "created": ISO 8601,
     "partitions": {NAME: {"lpar_id", "source_system", "state", "shared_proc_pool",
                           "virtual_scsi": [{"slot", "vios", "vios_id", "vios_slot"}],
                           "virtual_fc": [{"slot", "vios", "vios_id", "vios_slot", "fc_port"}],
                           "msps": {"source", "dest"}, "target_system", "moved"}}}
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import EstateFacts, PartitionFacts, SystemFacts

MANIFEST_FORMAT = 1
DEFAULT_POOL = "DefaultPool"


def _fc_port(system: SystemFacts, vios_name: str | None, lpar: str, server_slot: int | None) -> str | None:
    vios = system["partitions"].get(vios_name or "")
    facts = vios["vios"] if vios is not None else None
    if facts is None:
        return None
    for mapping in facts["npiv_mappings"]:
        if mapping["server_slot"] == server_slot and mapping["client_lpar_name"] in (lpar, None):
            return mapping["fc_port"]
    return None


def partition_entry(system: SystemFacts, part: PartitionFacts) -> dict[str, Any]:
    """The original placement of one partition, from the facts read before the evacuation."""
    proc = part["processors"]
    pool = proc["pool_name"] if proc["mode"] != "ded" else None
    scsi = [
        {"slot": a["slot"], "vios": a["remote_lpar_name"], "vios_id": a["remote_lpar_id"], "vios_slot": a["remote_slot"]}
        for a in part["virtual_scsi"]
        if a["adapter_type"] == "client"
    ]
    fc = [
        {
            "slot": a["slot"], "vios": a["remote_lpar_name"], "vios_id": a["remote_lpar_id"], "vios_slot": a["remote_slot"],
            "fc_port": _fc_port(system, a["remote_lpar_name"], part["name"], a["remote_slot"]),
        }  # fmt: skip
        for a in part["virtual_fc"]
        if a["adapter_type"] == "client"
    ]
    return {
        "lpar_id": part["id"],
        "source_system": system["name"],
        "state": part["state"],
        "shared_proc_pool": pool,
        "virtual_scsi": scsi,
        "virtual_fc": fc,
        "msps": {"source": None, "dest": None},
        "target_system": None,
        "moved": False,
    }


def build(estate: EstateFacts, source: str, lpars: list[str], name: str, created: str) -> dict[str, Any]:
    system = estate["systems"][source]
    parts = {n: partition_entry(system, system["partitions"][n]) for n in sorted(lpars) if n in system["partitions"]}
    return {"format": MANIFEST_FORMAT, "name": name, "source_system": source, "created": created, "partitions": parts}


def merge(existing: Mapping[str, Any] | None, new: Mapping[str, Any]) -> dict[str, Any]:
    """``existing`` with the partitions it does not hold yet taken from ``new``."""
    if not existing:
        return dict(new)
    out = dict(existing)
    parts = dict(existing.get("partitions") or {})
    for lpar, entry in (new.get("partitions") or {}).items():
        parts.setdefault(lpar, entry)
    out["partitions"] = parts
    return out


def record_move(manifest: dict[str, Any], lpar: str, target: str, source_msp: str, dest_msp: str) -> None:
    entry = manifest.get("partitions", {}).get(lpar)
    if entry is None:
        return
    entry.update({"target_system": target, "moved": True, "msps": {"source": source_msp or None, "dest": dest_msp or None}})


def read(path: str) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        data = _yaml(text, path)
    if not isinstance(data, dict) or not isinstance(data.get("partitions"), dict):
        raise ValueError(f"{path} is not an evacuation manifest")
    return data


def _yaml(text: str, path: str) -> Any:
    try:
        import yaml  # pylint: disable=import-outside-toplevel  # only for a manifest someone rewrote as YAML
    except ImportError:  # pragma: no cover - ansible-core needs PyYAML on the controller
        raise ValueError(f"{path} is not JSON and PyYAML is not installed") from None
    return yaml.safe_load(text)


def write(path: str, manifest: Mapping[str, Any]) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".manifest-", dir=directory)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2, sort_keys=True)
        handle.write("\n")
    os.replace(tmp, path)


def restore_overrides(manifest: Mapping[str, Any], lpar: str, used_ids: set[int] | None = None) -> dict[str, Any] | None:
    """The migration options that put ``lpar`` back as it was: pool, partition ID (when free), VIOS layout."""
    entry = (manifest.get("partitions") or {}).get(lpar)
    if entry is None:
        return None

    def mapping(adapter: Mapping[str, Any], fc: bool) -> dict[str, Any]:
        out = {"client_slot": adapter["slot"], "dest_vios": adapter.get("vios") or "", "dest_vios_id": adapter.get("vios_id"),
               "dest_vios_slot": adapter.get("vios_slot")}  # fmt: skip
        if fc and adapter.get("fc_port"):
            out["dest_fc_port"] = adapter["fc_port"]
        return out

    lpar_id = entry.get("lpar_id")
    return {
        "shared_proc_pool": entry.get("shared_proc_pool") or "",
        "dest_lpar_id": lpar_id if isinstance(lpar_id, int) and lpar_id not in (used_ids or set()) else None,
        "virtual_scsi_mappings": [mapping(a, False) for a in entry.get("virtual_scsi") or ()],
        "virtual_fc_mappings": [mapping(a, True) for a in entry.get("virtual_fc") or ()],
    }
