# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run the powervm.lpm.hmc inventory plugin on a config file, its HMCs answered from recorded transcripts.

Each HMC (by ``hmc_host``) gets a ReplayClient over a transcript (see module_utils/estate_replay.py),
or raises the exception given instead, as an unreachable HMC does. Warnings are collected.
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader
from ansible.template import Templar

from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.estate_replay import ReplayClient, load_transcript

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
G750 = "system_p750_Server_8233_E8B_SN069348P"
G740 = "system_p740_Server_8205_E6B_SN10934CP"

Transcript = dict[str, dict[str, Any]]


def renamed(transcript: Transcript, renames: Mapping[str, str]) -> Transcript:
    """A copy of ``transcript`` with each text of ``renames`` replaced in command lines and output."""

    def swap(text: str) -> str:
        for old, new in renames.items():
            text = text.replace(old, new)
        return text

    return {swap(line): dict(entry, stdout=swap(entry["stdout"]), command=swap(line)) for line, entry in transcript.items()}


class FakeDisplay:
    """Collects what the plugin shows."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.verbose: list[str] = []

    def warning(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self.warnings.append(msg)

    def vvv(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self.verbose.append(msg)

    def deprecated(self, *args: Any, **kwargs: Any) -> None:
        pass


@dataclass
class Run:
    inventory: InventoryData
    display: FakeDisplay
    clients: list[str] = field(default_factory=list)  # hmc_host of each client made, in order

    def hosts(self, group: str | None = None) -> list[str]:
        """Every host, or the hosts of ``group`` and of its children."""
        if group is None:
            return sorted(self.inventory.hosts)
        return sorted(h.name for h in self.inventory.groups[group].get_hosts())

    def children(self, group: str) -> list[str]:
        return sorted(g.name for g in self.inventory.groups[group].child_groups)

    def hostvars(self, host: str) -> dict[str, Any]:
        return self.inventory.get_host(host).get_vars()

    def groupvars(self, group: str) -> dict[str, Any]:
        return self.inventory.groups[group].get_vars()


HmcAnswer = Transcript | BaseException


def run_inventory(tmp_path: pathlib.Path, config: dict[str, Any], hmcs: Mapping[str, HmcAnswer] | None = None,
                  *, name: str = "test.hmc.yml", cache: bool = True) -> Run:
    """Parse ``config`` (written to ``tmp_path/name``); ``hmcs`` maps hmc_host to a transcript or an exception."""
    answers = dict(hmcs or {"bpichmc": load_transcript("seed-lab")})
    path = tmp_path / name
    path.write_text(yaml.safe_dump(dict({"plugin": "powervm.lpm.hmc"}, **config)), encoding="utf-8")
    plugin = inventory_loader.get("powervm.lpm.hmc")
    display = FakeDisplay()
    plugin.display = display
    run = Run(InventoryData(), display)

    def client(source: Any) -> ReplayClient:
        run.clients.append(source.host)
        answer = answers[source.host]
        if isinstance(answer, BaseException):
            raise answer
        return ReplayClient(answer)

    plugin._client = client  # pylint: disable=protected-access
    plugin.parse(run.inventory, DataLoader(), str(path), cache=cache)
    if plugin.get_option("cache"):
        plugin.update_cache_if_changed()  # as the InventoryManager does after parse()
    return run


def render(value: str, variables: dict[str, Any]) -> Any:
    """Template ``value`` with ``variables``, as a task argument would be."""
    from ansible.template import trust_as_template  # pylint: disable=import-outside-toplevel

    templar = Templar(loader=DataLoader(), variables=variables)
    return templar.template(trust_as_template(value))


def verify(tmp_path: pathlib.Path, name: str) -> bool:
    path = tmp_path / name
    path.write_text("plugin: powervm.lpm.hmc\n", encoding="utf-8")
    return bool(inventory_loader.get("powervm.lpm.hmc").verify_file(str(path)))


Factory = Callable[..., Run]
