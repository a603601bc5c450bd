# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every way a maintenance window file can be wrong, and the message that names the field."""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from ansible_collections.powervm.lpm.plugins.module_utils._data_check import DataError
from ansible_collections.powervm.lpm.plugins.module_utils._window import load_window

Mutation = Callable[[dict[str, Any]], Any]


def base() -> dict[str, Any]:
    return {
        "name": "w1",
        "source_systems": ["p750"],
        "targets": ["p740", "p770"],
        "window": {"start": "2026-03-14T22:00:00+01:00", "end": "2026-03-15T02:00:00+01:00"},
        "policy": {"max_concurrent": 8},
        "exclusions": ["b750dev*"],
        "pins": {"b750db1": "p740"},
        "disruption_groups": [
            {"name": "db", "members": ["b750db1", "b750db2"], "pre_hook": {"tasks": "hooks/pre.yml"}},
            {"name": "mq", "members": ["b750mq1", "b750mq2"], "post_hook": {"command": ["/usr/bin/true"]}},
        ],
        "hmc": {"host": "hmc1"},
    }


def problems(tmp_path: pathlib.Path, data: Any) -> list[str]:
    (tmp_path / "hooks").mkdir(exist_ok=True)
    (tmp_path / "hooks" / "pre.yml").write_text("---\n", encoding="utf-8")
    path = tmp_path / "window.yml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_window(str(path))
    assert str(path) in str(info.value)
    return info.value.problems


def group(i: int) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda d: d["disruption_groups"][i]


CASES: list[tuple[str, Mutation, str]] = [
    # top level
    ("unknown key", lambda d: d.update(targetz=["x"]), "targetz: unknown key (did you mean 'targets'?); allowed keys: description, "),
    ("secret at top", lambda d: d.update(hmc_password="x"), "hmc_password: secrets do not belong in a window file"),
    ("missing name", lambda d: d.pop("name"), "name: is required"),
    ("missing sources", lambda d: d.pop("source_systems"), "source_systems: is required"),
    ("missing targets", lambda d: d.pop("targets"), "targets: is required"),
    ("missing window", lambda d: d.pop("window"), "window: is required"),
    ("version", lambda d: d.update(version=2), "version: must be at most 1, got 2"),
    ("bad name", lambda d: d.update(name="my window"), "name: 'my window': use 1 to 64 letters, digits"),
    ("name type", lambda d: d.update(name=7), "name: expected a string, got an integer (7)"),
    ("description type", lambda d: d.update(description=["x"]), "description: expected a string, got a list"),
    # source systems and targets
    ("no sources", lambda d: d.update(source_systems=[]), "source_systems: must list at least one entry"),
    ("source twice", lambda d: d.update(source_systems=["p750", "p750"]), "source_systems[1]: 'p750' is already listed at source_systems[0]"),
    ("source type", lambda d: d.update(source_systems=["p750", 9]), "source_systems[1]: expected a string, got an integer (9)"),
    ("no targets", lambda d: d.update(targets=[]), "targets: must list at least one entry"),
    ("targets type", lambda d: d.update(targets="p740"), "targets: expected a list of target systems or a mapping of source system to its targets"),
    ("target twice", lambda d: d.update(targets=["p740", "p740"]), "targets[1]: 'p740' is already listed at targets[0]"),
    ("target is source", lambda d: d.update(targets=["p740", "p750"]), "targets[1]: 'p750' is a source system; it cannot be a target"),
    ("mapping unknown source", lambda d: d.update(targets={"p750": ["p740"], "p75O": ["p770"]}), "targets.p75O: unknown key (did you mean 'p750'?)"),
    ("mapping missing source", lambda d: d.update(source_systems=["p750", "p795"], targets={"p750": ["p740"]}), "targets.p795: is required"),
    ("mapping value type", lambda d: d.update(targets={"p750": "p740"}), "targets.p750: expected a list, got a string ('p740')"),
    ("mapping empty", lambda d: d.update(targets={}), "targets: must list at least one target system"),
    # window
    ("window type", lambda d: d.update(window="tonight"), "window: expected a mapping, got a string ('tonight')"),
    ("window unknown key", lambda d: d["window"].update(begin="x"), "window.begin: unknown key; allowed keys: end, start"),
    ("window no end", lambda d: d["window"].pop("end"), "window.end: is required"),
    ("no timezone", lambda d: d["window"].update(start="2026-03-14T22:00:00"), "window.start: '2026-03-14T22:00:00' has no timezone; add one"),
    ("date only", lambda d: d["window"].update(end="2026-03-15"), "window.end: '2026-03-15' has no time of day"),
    ("not a date", lambda d: d["window"].update(start="tonight at ten"), "window.start: 'tonight at ten' is not an ISO 8601 date and time"),
    ("start type", lambda d: d["window"].update(start=1773525600), "window.start: expected a string, got an integer (1773525600)"),
    ("end before start", lambda d: d["window"].update(end="2026-03-14T21:30:00+01:00"), "window.end: must be after window.start"),
    ("margin too big", lambda d: d["policy"].update(deadline_margin_minutes=240),
     "policy.deadline_margin_minutes: 240 minutes leaves no time in a 240-minute window"),
    # policy
    ("policy type", lambda d: d.update(policy=["move"]), "policy: expected a mapping, got a list"),
    ("policy unknown key", lambda d: d["policy"].update(max_concurent=3), "policy.max_concurent: unknown key (did you mean 'max_concurrent'?)"),
    ("inactive choice", lambda d: d["policy"].update(inactive="keep"), "policy.inactive: 'keep' is not one of move, stay"),
    ("inactive hint", lambda d: d["policy"].update(inactive="moved"), "policy.inactive: 'moved' is not one of move, stay (did you mean 'move'?)"),
    ("storage choice", lambda d: d["policy"].update(unverified_storage="deny"), "policy.unverified_storage: 'deny' is not one of allow, block"),
    ("cap zero", lambda d: d["policy"].update(max_concurrent=0), "policy.max_concurrent: must be at least 1, got 0"),
    ("cap too big", lambda d: d["policy"].update(max_per_msp=100), "policy.max_per_msp: must be at most 64, got 100"),
    ("cap boolean", lambda d: d["policy"].update(max_per_system=True), "policy.max_per_system: expected an integer, got a boolean (true)"),
    ("cap string", lambda d: d["policy"].update(max_concurrent="8"), "policy.max_concurrent: expected an integer, got a string ('8')"),
    ("flag string", lambda d: d["policy"].update(retry_other_target="sometimes"), "policy.retry_other_target: expected true or false, got a string"),
    ("negative margin", lambda d: d["policy"].update(deadline_margin_minutes=-5), "policy.deadline_margin_minutes: must be at least 0, got -5"),
    ("timeout range", lambda d: d["policy"].update(migration_timeout_minutes=0), "policy.migration_timeout_minutes: must be at least 1, got 0"),
    ("poll range", lambda d: d["policy"].update(poll_interval_seconds=1000), "policy.poll_interval_seconds: must be at most 600, got 1000"),
    # exclusions and pins
    ("exclusions type", lambda d: d.update(exclusions="b750dev*"), "exclusions: expected a list, got a string ('b750dev*')"),
    ("exclusion item", lambda d: d.update(exclusions=["ok", {"glob": "x"}]), "exclusions[1]: expected a string, got a mapping"),
    ("pins type", lambda d: d.update(pins=["b750db1"]), "pins: expected a mapping, got a list"),
    ("pin to non-target", lambda d: d["pins"].update(b750db2="p795"), "pins.b750db2: 'p795' is not one of the targets (p740, p770)"),
    ("pin and exclude", lambda d: d["pins"].update(b750dev3="p740"), "pins.b750dev3: this partition is also excluded"),
    ("pin type", lambda d: d["pins"].update(b750db2=740), "pins.b750db2: expected a string, got an integer (740)"),
    # disruption groups
    ("groups type", lambda d: d.update(disruption_groups={"db": []}), "disruption_groups: expected a list, got a mapping"),
    ("group type", lambda d: d["disruption_groups"].append("db3"), "disruption_groups[2]: expected a mapping, got a string ('db3')"),
    ("group no name", lambda d: group(1)(d).pop("name"), "disruption_groups[1].name: is required"),
    ("group no members", lambda d: group(0)(d).pop("members"), "disruption_groups[0].members: is required"),
    ("group empty", lambda d: group(0)(d).update(members=[]), "disruption_groups[0].members: must list at least one entry"),
    ("member type", lambda d: group(1)(d).update(members=[42, "b750mq2"]), "disruption_groups[1].members[0]: expected a string, got an integer (42)"),
    ("member twice", lambda d: group(1)(d).update(members=["a", "a"]),
     "disruption_groups[1].members[1]: 'a' is already listed at disruption_groups[1].members[0]"),
    ("group name twice", lambda d: group(1)(d).update(name="db"), "disruption_groups[1].name: 'db' is already the name of disruption_groups[0]"),
    ("group unknown key", lambda d: group(0)(d).update(pre_hooks={}), "disruption_groups[0].pre_hooks: unknown key (did you mean 'pre_hook'?)"),
    # hooks
    ("hook type", lambda d: group(0)(d).update(pre_hook="hooks/pre.yml"), "disruption_groups[0].pre_hook: expected a mapping, got a string"),
    ("hook kind none", lambda d: group(0)(d).update(pre_hook={"timeout_seconds": 5}),
     "disruption_groups[0].pre_hook: give exactly one of tasks, playbook, command (got none)"),
    ("hook kind two", lambda d: group(0)(d).update(pre_hook={"tasks": "hooks/pre.yml", "command": ["x"]}),
     "give exactly one of tasks, playbook, command (got tasks, command)"),
    ("hook unknown key", lambda d: group(0)(d)["pre_hook"].update(script="x.sh"), "disruption_groups[0].pre_hook.script: unknown key"),
    ("hook file missing", lambda d: group(0)(d).update(pre_hook={"tasks": "hooks/missing.yml"}),
     "disruption_groups[0].pre_hook.tasks: 'hooks/missing.yml' does not exist"),
    ("playbook missing", lambda d: group(0)(d).update(post_hook={"playbook": "site.yml"}),
     "disruption_groups[0].post_hook.playbook: 'site.yml' does not exist"),
    ("command string", lambda d: group(1)(d).update(post_hook={"command": "/usr/bin/true --x"}),
     "disruption_groups[1].post_hook.command: give the command as a list of arguments"),
    ("command empty", lambda d: group(1)(d).update(post_hook={"command": []}), "disruption_groups[1].post_hook.command: must list at least one entry"),
    ("command item", lambda d: group(1)(d).update(post_hook={"command": ["/bin/x", 3]}),
     "disruption_groups[1].post_hook.command[1]: expected a string, got an integer (3)"),
    ("command relative", lambda d: group(1)(d).update(post_hook={"command": ["bin/check.sh"]}),
     "disruption_groups[1].post_hook.command[0]: 'bin/check.sh' does not exist"),
    ("hook timeout", lambda d: group(0)(d)["pre_hook"].update(timeout_seconds=0), "disruption_groups[0].pre_hook.timeout_seconds: must be at least 1, got 0"),
    ("hook on_failure", lambda d: group(0)(d)["pre_hook"].update(on_failure="ignore"),
     "disruption_groups[0].pre_hook.on_failure: 'ignore' is not one of abort, continue"),
    # paths and HMC
    ("report_dir type", lambda d: d.update(report_dir=5), "report_dir: expected a string, got an integer (5)"),
    ("manifest type", lambda d: d.update(manifest_path=["a"]), "manifest_path: expected a string, got a list"),
    ("hmc type", lambda d: d.update(hmc="hmc1"), "hmc: expected a mapping, got a string ('hmc1')"),
    ("hmc no host", lambda d: d["hmc"].pop("host"), "hmc.host: is required"),
    ("hmc password", lambda d: d["hmc"].update(password="abc123"), "hmc.password: secrets do not belong in a window file"),
    ("hmc key", lambda d: d["hmc"].update(private_key="~/.ssh/id"), "hmc.private_key: secrets do not belong in a window file"),
    ("hmc port", lambda d: d["hmc"].update(port=0), "hmc.port: must be at least 1, got 0"),
    ("hmc unknown", lambda d: d["hmc"].update(usr="hscroot"), "hmc.usr: unknown key (did you mean 'user'?)"),
    ("known_hosts missing", lambda d: d["hmc"].update(known_hosts="known_hosts"), "hmc.known_hosts: 'known_hosts' does not exist"),
]


@pytest.mark.parametrize("mutate, expected", [pytest.param(m, e, id=i) for i, m, e in CASES])
def test_problem_names_the_field(tmp_path: pathlib.Path, mutate: Mutation, expected: str) -> None:
    data = base()
    mutate(data)
    found = problems(tmp_path, data)
    assert any(p.startswith(expected) or expected in p for p in found), found
    assert len(found) == 1, found  # one mistake, one message


def test_base_window_is_valid(tmp_path: pathlib.Path) -> None:
    (tmp_path / "hooks").mkdir()
    (tmp_path / "hooks" / "pre.yml").write_text("---\n", encoding="utf-8")
    path = tmp_path / "window.yml"
    path.write_text(yaml.safe_dump(base()), encoding="utf-8")
    assert load_window(str(path))["name"] == "w1"


def test_every_problem_at_once(tmp_path: pathlib.Path) -> None:
    data = base()
    data["policy"]["inactive"] = "x"
    data["disruption_groups"][1]["members"][0] = 42
    data["hmc"]["password"] = "x"
    found = problems(tmp_path, data)
    assert [p.split(":")[0] for p in found] == ["policy.inactive", "disruption_groups[1].members[0]", "hmc.password"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "the file is empty"),
        ("# only a comment\n", "the file is empty"),
        ("- a\n- b\n", "(top level): expected a mapping, got a list"),
        ("name: w\nname: v\n", "line 2: key 'name' is given twice (first on line 1)"),
        ("name: w\nwindow:\n  start: a\n  start: b\n", "line 4: key 'start' is given twice (first on line 3)"),
        ("name: [w\n", "line 2, column 1: not valid YAML"),
        ("name: w\n  bad: indent\n", "line 2, column 6: not valid YAML"),
        ("name: !!python/object:os.system x\n", "not valid YAML: could not determine a constructor"),
        ("1: w\n", "1: keys must be strings, got an integer (1)"),
    ],
)
def test_file_level_problems(tmp_path: pathlib.Path, text: str, expected: str) -> None:
    found = problems(tmp_path, text)
    assert any(expected in p for p in found), found


def test_missing_file(tmp_path: pathlib.Path) -> None:
    with pytest.raises(DataError, match="cannot read the file: No such file or directory"):
        load_window(str(tmp_path / "nope.yml"))


def test_file_not_utf8(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "w.yml"
    path.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(DataError, match="not UTF-8 text"):
        load_window(str(path))
