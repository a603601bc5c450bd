"""The VIOS data tables: device classes, behaviour rules, listing layouts, message texts."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from ..core import messages


@lru_cache(maxsize=None)
def _table(name: str) -> dict[str, Any]:
    text = resources.files("hmcsim").joinpath(f"data/{name}.yaml").read_text()
    loaded = yaml.safe_load(text)
    if not isinstance(loaded, dict):
        raise ValueError(f"data/{name}.yaml: expected a mapping")
    return loaded


def device_class(kind: str) -> dict[str, Any]:
    """One entry of data/vios_devices.yaml ``classes``."""
    classes: dict[str, dict[str, Any]] = _table("vios_devices")["classes"]
    entry: dict[str, Any] = classes[kind]
    return entry


def rules(section: str) -> dict[str, Any]:
    """One section of data/vios_rules.yaml."""
    section_data: dict[str, Any] = _table("vios_rules")[section]
    return section_data


def layout(name: str) -> dict[str, Any]:
    """One section of data/vios_layouts.yaml."""
    section_data: dict[str, Any] = _table("vios_layouts")[name]
    return section_data


def vpd_table(section: str) -> dict[str, Any]:
    """One section of data/vios_vpd.yaml (``slots`` or ``vpd``)."""
    section_data: dict[str, Any] = _table("vios_vpd")[section]
    return section_data


def message(name: str, **fields: object) -> tuple[str, int]:
    """(text, rc) of a ``vios`` entry of data/messages.yaml."""
    entry = messages()["vios"][name]
    return str(entry["text"]).format(**fields), int(entry.get("rc", 1))
