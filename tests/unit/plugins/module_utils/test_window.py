# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Maintenance window files: loading, normalised values, time status and the planner's policy."""

from __future__ import annotations

import datetime
import json
import pathlib
from typing import Any

import pytest
import yaml

from ansible_collections.powervm.lpm.plugins.module_utils._window import load_window, status
from ansible_collections.powervm.lpm.plugins.module_utils._window_policy import POLICY_DEFAULTS, matching, planner_policy

EXAMPLE = pathlib.Path(__file__).resolve().parents[4] / "docs" / "examples" / "window.yml"
P750, P740, P770 = "p750-Server-8233-E8B-SN069348P", "p740-Server-8205-E6B-SN10934CP", "p770-Server-9117-MMB-SN1043ABC"
UTC = datetime.timezone.utc


def base() -> dict[str, Any]:
    """A small valid window."""
    return {
        "name": "w1",
        "source_systems": [P750],
        "targets": [P740, P770],
        "window": {"start": "2026-03-14T22:00:00+01:00", "end": "2026-03-15T02:00:00+01:00"},
    }


def write(tmp_path: pathlib.Path, data: Any, name: str = "window.yml") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return str(path)


def test_example_file_loads() -> None:
    window = load_window(str(EXAMPLE))
    assert window["name"] == "p750-firmware-2026-03"
    assert window["targets"] == {P750: [P740, P770]} and window["all_targets"] == [P740, P770]
    assert window["window"] == {
        "start": "2026-03-14T21:00:00+00:00",
        "end": "2026-03-15T01:00:00+00:00",
        "deadline": "2026-03-15T00:30:00+00:00",
        "duration_minutes": 240.0,
    }
    assert window["policy"]["max_concurrent"] == 8 and window["policy"]["max_per_msp"] == 4 and window["policy"]["retry_other_target"] is True
    assert window["exclusions"] == ["b750dev*", "b750sap1"]
    assert window["pins"] == {"b750db1": P740, "b750db2": P770}
    db, mq = window["disruption_groups"]
    assert db["members"] == ["b750db1", "b750db2"]
    assert db["pre_hook"]["type"] == "tasks" and db["pre_hook"]["path"] == str(EXAMPLE.parent / "hooks" / "db-freeze.yml")
    assert db["pre_hook"]["timeout_seconds"] == 300 and db["pre_hook"]["on_failure"] == "abort"
    assert db["post_hook"]["on_failure"] == "continue" and db["post_hook"]["vars"]["lpm_hook"] == "post"
    assert mq["pre_hook"] is None and mq["post_hook"]["argv"] == ["/usr/local/bin/mq-health", "--queue-manager", "QM1"]
    assert mq["post_hook"]["environment"] == {
        "LPM_WINDOW": "p750-firmware-2026-03", "LPM_GROUP": "mq-pair", "LPM_HOOK": "post", "LPM_MEMBERS": "b750mq1,b750mq2",
    }
    repo = EXAMPLE.parents[2]
    assert window["report_dir"] == str(repo / "reports" / "p750")
    assert window["manifest_path"] == str(repo / "manifests" / "p750-2026-03.yml")
    assert window["hmc"] == {"host": "hmc1.example.com", "port": 22, "user": "hscroot", "known_hosts": str(EXAMPLE.parent / "known_hosts")}
    assert window["path"] == str(EXAMPLE)


def test_defaults_of_a_small_window(tmp_path: pathlib.Path) -> None:
    window = load_window(write(tmp_path, base()))
    assert window["policy"] == POLICY_DEFAULTS
    assert window["exclusions"] == [] and window["pins"] == {} and window["disruption_groups"] == []
    assert window["hmc"] is None and window["manifest_path"] is None and window["description"] == ""
    assert window["report_dir"] == str(tmp_path / "reports")
    assert window["window"]["deadline"] == "2026-03-15T00:45:00+00:00"  # 15 minutes before the end


def test_unquoted_timestamps_and_single_source_string(tmp_path: pathlib.Path) -> None:
    text = "name: w\nsource_systems: p750\ntargets: [p740]\nwindow:\n  start: 2026-03-14T22:00:00Z\n  end: 2026-03-14 23:30:00-05:00\n"
    window = load_window(write(tmp_path, text))
    assert window["source_systems"] == ["p750"]
    assert window["window"]["start"] == "2026-03-14T22:00:00+00:00" and window["window"]["end"] == "2026-03-15T04:30:00+00:00"


def test_targets_per_source(tmp_path: pathlib.Path) -> None:
    data = base() | {"source_systems": ["a", "b"], "targets": {"a": ["t1"], "b": ["t2", "t3"]}}
    window = load_window(write(tmp_path, data))
    assert window["targets"] == {"a": ["t1"], "b": ["t2", "t3"]} and window["all_targets"] == ["t1", "t2", "t3"]


def test_hook_kinds_are_normalised(tmp_path: pathlib.Path) -> None:
    (tmp_path / "hooks").mkdir()
    for name in ("pre.yml", "play.yml", "check.sh"):
        (tmp_path / "hooks" / name).write_text("---\n", encoding="utf-8")
    data = base() | {
        "disruption_groups": [
            {"name": "g1", "members": ["a", "b"], "pre_hook": {"tasks": "hooks/pre.yml"}, "post_hook": {"playbook": "hooks/play.yml", "timeout_seconds": 60}},
            {"name": "g2", "members": ["c"], "pre_hook": {"command": ["hooks/check.sh", "--x"]}, "post_hook": {"command": ["/bin/true"]}},
        ]
    }
    g1, g2 = load_window(write(tmp_path, data))["disruption_groups"]
    hooks = str(tmp_path / "hooks")
    assert g1["pre_hook"] | {"vars": None, "environment": None} == {
        "type": "tasks", "path": f"{hooks}/pre.yml", "argv": None, "timeout_seconds": 600, "on_failure": "abort", "vars": None, "environment": None,
    }
    play = g1["post_hook"]
    assert play["argv"][:3] == ["ansible-playbook", f"{hooks}/play.yml", "--extra-vars"] and play["timeout_seconds"] == 60
    assert json.loads(play["argv"][3]) == {"lpm_window": "w1", "lpm_group": "g1", "lpm_hook": "post", "lpm_members": ["a", "b"]}
    assert g2["pre_hook"]["argv"] == [f"{hooks}/check.sh", "--x"]  # a relative program is resolved against the window file
    assert g2["post_hook"]["argv"] == ["/bin/true"] and g2["post_hook"]["path"] is None


@pytest.mark.parametrize(
    "now, inside, before_deadline, to_start",
    [
        (datetime.datetime(2026, 3, 14, 20, 0, tzinfo=UTC), False, False, 3600.0),
        (datetime.datetime(2026, 3, 14, 21, 0, tzinfo=UTC), True, True, 0.0),
        (datetime.datetime(2026, 3, 15, 0, 50, tzinfo=UTC), True, False, -13800.0),
        (datetime.datetime(2026, 3, 15, 2, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1))), False, False, -14400.0),
    ],
)
def test_status(tmp_path: pathlib.Path, now: datetime.datetime, inside: bool, before_deadline: bool, to_start: float) -> None:
    window = load_window(write(tmp_path, base()))
    got = status(window, now)
    assert got["in_window"] is inside and got["before_deadline"] is before_deadline and got["seconds_to_start"] == to_start
    assert got["seconds_to_end"] == to_start + 4 * 3600 and got["seconds_to_deadline"] == to_start + 4 * 3600 - 900
    assert got["now"] == now.astimezone(UTC).isoformat()


def test_status_wants_an_aware_time(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ValueError, match="timezone"):
        status(load_window(write(tmp_path, base())), datetime.datetime(2026, 3, 14, 22, 0))


def test_exclusion_patterns() -> None:
    assert matching(["b750dev*", "sap?"], ["b750dev1", "b750db1", "sap1", "SAP2", "b750dev"]) == ["b750dev", "b750dev1", "sap1"]


def test_planner_policy(tmp_path: pathlib.Path) -> None:
    window = load_window(str(EXAMPLE))
    policy = planner_policy(window, ["b750dev1", "b750dev2", "b750db1", "b750sap1"])
    assert policy == {
        "exclude": ["b750dev1", "b750dev2", "b750sap1"],
        "pin": {"b750db1": P740, "b750db2": P770},
        "disruption_groups": [{"name": "db-cluster", "members": ["b750db1", "b750db2"]}, {"name": "mq-pair", "members": ["b750mq1", "b750mq2"]}],
        "inactive": "move",
        "reserve_inactive_capacity": True,
        "unverified_storage": "allow",
        "max_concurrent": 8,
        "max_per_system": None,
        "max_inactive_per_system": None,
        "max_per_msp": 4,
        "max_per_msp_pair": None,
    }
    assert planner_policy(window)["exclude"] == ["b750dev*", "b750sap1"]


def test_planner_accepts_the_window_policy() -> None:
    params = pytest.importorskip("ansible_collections.powervm.lpm.plugins.module_utils._plan_params")
    policy = params.policy_from(planner_policy(load_window(str(EXAMPLE)), ["b750dev1", "b750db1"]))
    assert policy.exclude == ("b750dev1",) and policy.max_per_msp == 4
    assert [g.name for g in policy.disruption_groups] == ["db-cluster", "mq-pair"]
