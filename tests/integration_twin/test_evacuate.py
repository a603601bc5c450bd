# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``ansible-playbook powervm.lpm.evacuate`` against the twin: seed-lab and generated fleets.

Every movable partition ends on a target with exactly one ``migrlpar -o m`` (the twin's command log),
what cannot move stays with its reason, the post-checks pass, the reports and the manifest are
written, and a rerun sends no migration at all. The makespan and lower bound of each evacuation are
printed (and appended as JSON lines to the file named by ``LPM_EVACUATION_PERF``).
"""

from __future__ import annotations

import json
import os
import pathlib
from typing import Any

import pytest

from evac_support import P740, P750, SEED_MOVABLE, Evacuation, fleet, layouts, lpar_of, migrations_sent, placement, report_json

PERF_FILE_ENV = "LPM_EVACUATION_PERF"


@pytest.fixture
def evacuation(collections_path: str, tmp_path: pathlib.Path) -> Any:
    def make(twin: Any, **extra: Any) -> Evacuation:
        return Evacuation(twin, collections_path, tmp_path / f"evac-{len(list(tmp_path.iterdir()))}", extra)

    return make


def makespan(report: dict[str, Any]) -> float:
    moved = [m for m in report["migrations"] if m["state"] == "moved" and m["start"] is not None and m["end"] is not None]
    return max(m["end"] for m in moved) - min(m["start"] for m in moved)


def record_perf(label: str, report: dict[str, Any]) -> dict[str, Any]:
    plan = report["plan"]
    data = {
        "label": label, "moved": sum(1 for m in report["migrations"] if m["state"] == "moved"), "makespan_s": round(makespan(report), 1),
        "eta_s": round(plan["eta_seconds"], 1), "lb_s": round(plan["lb"]["value"], 1), "bottleneck": plan["lb"]["bottleneck"],
    }  # fmt: skip
    data["makespan_over_lb"] = round(data["makespan_s"] / data["lb_s"], 3)
    print(f"evacuation {label}: {json.dumps(data, sort_keys=True)}")
    path = os.environ.get(PERF_FILE_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(data, sort_keys=True) + "\n")
    return data


def test_seed_lab_is_emptied_and_a_rerun_does_nothing(twin_factory, evacuation):
    twin = twin_factory("seed-lab")
    # At the scenario's 60 times real time a second of a busy controller is a minute of simulated makespan; at 10
    # times (the demo's speed) the makespan bound below measures the schedule, not the machine's load.
    twin.ctl("clock", "speed", "10")
    evac = evacuation(twin)
    before = placement(twin, [P750, P740])
    seq = twin.last_seq()
    run = evac.run({"evacuate_source_system": P750})
    assert run.rc == 0, run.stdout[-3000:]
    sent = migrations_sent(twin.log(since=seq))
    assert sorted(lpar_of(e) for e in sent) == sorted(SEED_MOVABLE)  # each partition exactly once
    after = placement(twin, [P750, P740])
    for name in SEED_MOVABLE:
        assert after[name] == [(P740, before[name][0][1])], name
    assert after["b750nim"] == [(P750, "Running")]

    # what the operator saw: the plan, progress reports while migrations ran, the outcome
    assert "Plan: 8 migrations from " + P750 in run.stdout
    assert run.stdout.count("(running) | elapsed") >= 1 and "8 moved, 0 running, 0 waiting, 0 left of 8 (finished)" in run.stdout

    report = report_json(run.stdout)
    assert sorted(m["lpar"] for m in report["migrations"] if m["state"] == "moved") == sorted(SEED_MOVABLE)
    assert {x["lpar"]: x["reason"] for x in report["left"]} == {"b750nim": "unmovable", "b750vio1": "unmovable", "b750vio2": "unmovable"}
    assert report["postchecks"] and all(c["ok"] for c in report["postchecks"]), report["postchecks"]
    checks = {(c["lpar"], c["check"]) for c in report["postchecks"]}
    assert ("b750db1", "rmc") in checks and ("b750test1", "state") in checks and (P750, "source_holds_only_what_stays") in checks
    for suffix in (".md", ".html"):
        assert any(p.suffix == suffix for p in (evac.state_dir / "reports").iterdir())
    perf = record_perf("seed-lab", report)
    assert perf["lb_s"] * 0.99 <= perf["makespan_s"] <= perf["eta_s"] * 1.25

    manifest = json.loads((evac.state_dir / f"{P750}.manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["partitions"]) == sorted(SEED_MOVABLE)
    db1 = manifest["partitions"]["b750db1"]
    assert db1["source_system"] == P750 and db1["target_system"] == P740 and db1["moved"] is True
    assert {a["vios"] for a in db1["virtual_scsi"] + db1["virtual_fc"]} <= {"b750vio1", "b750vio2"}
    assert db1["msps"]["source"] in ("b750vio1", "b750vio2")

    seq = twin.last_seq()
    again = evac.run({"evacuate_source_system": P750})
    assert again.rc == 0, again.stdout[-3000:]
    assert [e for e in twin.log(since=seq) if e["argv"][0] == "migrlpar"] == []  # no migration, no validation
    assert "Plan: 0 migrations from" in again.stdout
    assert placement(twin, [P750, P740]) == after


FLEETS = [(11, 2, 18), (12, 3, 24), (13, 4, 30)]  # (seed, targets, client partitions)
FLEET_SPEED = float(os.environ.get("LPM_EVACUATION_SPEED", "300"))


@pytest.mark.parametrize(("seed", "targets", "lpars"), FLEETS)
def test_a_generated_fleet_is_emptied(twin_factory, evacuation, seed, targets, lpars):
    data, source = fleet(seed, targets, lpars)
    twin = twin_factory(data)
    twin.ctl("clock", "speed", str(FLEET_SPEED))
    evac = evacuation(twin)
    seq = twin.last_seq()
    run = evac.run({"evacuate_source_system": source})
    assert run.rc == 0, run.stdout[-3000:]
    report = report_json(run.stdout)
    planned = sorted(e["lpar"] for e in report["plan"]["entries"])
    moved = sorted(m["lpar"] for m in report["migrations"] if m["state"] == "moved")
    assert moved == planned and len(moved) >= lpars - 2
    sent = [lpar_of(e) for e in migrations_sent(twin.log(since=seq))]
    assert sorted(sent) == moved  # once each
    where = placement(twin)
    systems = {s["name"] for s in data["systems"]}
    for name in moved:
        (spot,) = where[name]  # on exactly one system
        assert spot[0] in systems - {source} and spot[1] == "Running" or spot[1] == "Not Activated", (name, spot)
    assert all(c["ok"] for c in report["postchecks"]), [c for c in report["postchecks"] if not c["ok"]]
    assert len({e["target"] for e in report["plan"]["entries"]}) >= 2
    perf = record_perf(f"fleet seed={seed} targets={targets} lpars={lpars}", report)
    assert perf["makespan_s"] >= perf["lb_s"] * 0.99


HOOK_SCRIPT = """\
import json, os, sys, time
with open(sys.argv[1], "a", encoding="utf-8") as handle:
    handle.write(json.dumps({"via": "command", "hook": os.environ["LPM_HOOK"], "group": os.environ["LPM_GROUP"],
                             "members": os.environ["LPM_MEMBERS"], "t": time.time()}) + "\\n")
"""
HOOK_TASKS = """\
- name: Note the hook
  ansible.builtin.lineinfile:
    path: "{{ hook_log }}"
    line: "{{ {'via': 'tasks', 'hook': lpm_hook, 'group': lpm_group, 'members': lpm_members | join(','), 't': now().timestamp()} | to_json }}"
    create: true
    mode: "0600"
"""


def window_file(directory: pathlib.Path, groups: list[dict[str, Any]], **policy: Any) -> pathlib.Path:
    import datetime  # pylint: disable=import-outside-toplevel

    import yaml  # pylint: disable=import-outside-toplevel

    now = datetime.datetime.now(datetime.timezone.utc)
    data = {
        "version": 1, "name": "seedlab-groups", "source_systems": [P750], "targets": [P740],
        "window": {"start": (now - datetime.timedelta(hours=1)).isoformat(), "end": (now + datetime.timedelta(hours=3)).isoformat()},
        "policy": {"deadline_margin_minutes": 0, "poll_interval_seconds": 1, **policy},
        "disruption_groups": groups, "report_dir": "reports", "manifest_path": "manifest.json",
    }  # fmt: skip
    path = directory / "window.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def intervals(log: list[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    """Real start and end of each partition's migrlpar -o m."""
    return {lpar_of(e): (e["real_time"], e["real_time"] + e["duration"]) for e in migrations_sent(log)}


def test_disruption_groups_never_overlap_and_their_hooks_run_around_them(twin_factory, evacuation, tmp_path):
    twin = twin_factory("seed-lab")
    (tmp_path / "hook.py").write_text(HOOK_SCRIPT, encoding="utf-8")
    (tmp_path / "post.yml").write_text(HOOK_TASKS, encoding="utf-8")
    log_file = tmp_path / "hooks.jsonl"
    command = {"command": [os.environ.get("PYTHON", __import__("sys").executable), str(tmp_path / "hook.py"), str(log_file)]}
    groups = [
        {"name": "db", "members": ["b750db1", "b750db2"], "pre_hook": command, "post_hook": {"tasks": "post.yml"}},
        {"name": "app", "members": ["b750app1", "b750app2", "b750nl2"], "pre_hook": {"tasks": "post.yml"}, "post_hook": command},
    ]
    window = window_file(tmp_path, groups)
    evac = evacuation(twin)
    evac.name = "seedlab-groups"
    seq = twin.last_seq()
    run = evac.run({"window_file": str(window), "hook_log": str(log_file)})
    assert run.rc == 0, run.stdout[-3000:]
    spans = intervals(twin.log(since=seq))
    assert sorted(spans) == sorted(SEED_MOVABLE)
    for group in groups:
        members = sorted(spans[m] for m in group["members"])
        for (_s1, end), (start, _e2) in zip(members, members[1:]):
            assert end <= start, f"members of {group['name']} overlap: {members}"
    hooks = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
    assert sorted((h["group"], h["hook"]) for h in hooks) == [("app", "post"), ("app", "pre"), ("db", "post"), ("db", "pre")]
    for hook in hooks:
        members = [spans[m] for m in next(g for g in groups if g["name"] == hook["group"])["members"]]
        if hook["hook"] == "pre":
            assert hook["t"] <= min(start for start, _end in members)
        else:
            assert hook["t"] >= max(end for _start, end in members)
    assert {h["via"] for h in hooks} == {"command", "tasks"}
    report = json.loads(next((tmp_path / "reports").glob("evacuation-*.json")).read_text(encoding="utf-8"))
    assert report["name"] == "seedlab-groups" and len([m for m in report["migrations"] if m["state"] == "moved"]) == 8

    seq = twin.last_seq()
    again = evac.run({"window_file": str(window), "hook_log": str(log_file)})
    assert again.rc == 0, again.stdout[-3000:]
    assert migrations_sent(twin.log(since=seq)) == []
    assert len(log_file.read_text(encoding="utf-8").splitlines()) == 4  # no hook ran again


def server_slots(twin: Any) -> dict[str, list[tuple[str, str, int, str, int]]]:
    """Per VIOS of seed-lab's source, its vSCSI and vFC server adapters: (kind, system, slot, client, client slot)."""
    import yaml  # pylint: disable=import-outside-toplevel
    from hmcsim.scenario import from_dict  # pylint: disable=import-outside-toplevel

    scenario = from_dict(yaml.safe_load(twin.ctl("scenario")))
    return {lp.name: sorted((kind, system.name, a.slot, a.remote_lpar, a.remote_slot) for kind in ("scsi", "fc") for a in getattr(lp, kind)
                            if a.adapter_type == "server")
            for system in scenario.systems if system.name == P750 for lp in system.lpars if lp.env == "vioserver"}  # fmt: skip


def test_return_home_on_stock_seed_lab_restores_systems_ids_pools_and_server_slots(twin_factory, evacuation):
    twin = twin_factory("seed-lab")
    evac = evacuation(twin)
    before, slots_before = layouts(twin), server_slots(twin)
    assert ("scsi", P750, 65, "b750web1", 65) in slots_before["b750vio2"]  # above a VIOS's default of 64 virtual slots
    run = evac.run({"evacuate_source_system": P750})
    assert run.rc == 0, run.stdout[-3000:]
    assert all(layouts(twin)[n][0][0] == P740 for n in SEED_MOVABLE) and server_slots(twin) == {"b750vio1": [], "b750vio2": []}

    manifest = evac.state_dir / f"{P750}.manifest.json"
    seq = twin.last_seq()
    checked = evac.run({"return_home_manifest_path": str(manifest)}, playbook="powervm.lpm.return_home --check")
    assert checked.rc == 0, checked.stdout[-3000:]
    assert "Plan: 8 migrations from " + P740 in checked.stdout and "Check mode: nothing was migrated" in checked.stdout
    assert checked.stdout.count(": would_migrate") == 8 and "vios_slot" not in checked.stdout
    assert migrations_sent(twin.log(since=seq)) == []

    back = evac.run({"return_home_manifest_path": str(manifest)}, playbook="powervm.lpm.return_home")
    assert back.rc == 0, back.stdout[-3000:]
    assert sorted(lpar_of(e) for e in migrations_sent(twin.log(since=seq))) == sorted(SEED_MOVABLE)  # each once, none refused
    assert layouts(twin) == before  # systems, partition IDs, states, shared pools, client slots, VIOS, server slots, FC ports
    assert server_slots(twin) == slots_before  # every vSCSI and vFC server slot back on its VIOS, slot 65 of b750vio2 included
    assert "Every partition of the manifest is on " + P750 in back.stdout


def test_return_home_leaves_a_partition_whose_original_vios_slot_is_gone_with_the_code_and_a_hint(twin_factory, evacuation, collections_path):
    import yaml  # pylint: disable=import-outside-toplevel

    twin = twin_factory("seed-lab")
    evac = evacuation(twin)
    before = layouts(twin)
    run = evac.run({"evacuate_source_system": P750})
    assert run.rc == 0, run.stdout[-3000:]
    # the maintenance rebuilt b750vio2 with a profile of the default 64 virtual slots: its slot 65 cannot be had again
    data = yaml.safe_load(twin.ctl("scenario"))
    (vio2,) = [lp for system in data["systems"] if system["name"] == P750 for lp in system["lpars"] if lp["name"] == "b750vio2"]
    vio2["max_virtual_slots"] = 64
    rebuilt = twin_factory(data)
    again = Evacuation(rebuilt, collections_path, evac.workdir)
    manifest = evac.state_dir / f"{P750}.manifest.json"

    checked = again.run({"return_home_manifest_path": str(manifest)}, playbook="powervm.lpm.return_home --check")
    assert checked.rc == 0, checked.stdout[-3000:]
    assert "b750web1: left (vios_slot) HSCLA25C: virtual slot 65 of VIOS b750vio2 on " + P750 in checked.stdout
    assert checked.stdout.count(": would_migrate") == 7 and migrations_sent(rebuilt.log()) == []

    back = again.run({"return_home_manifest_path": str(manifest)}, playbook="powervm.lpm.return_home")
    assert back.rc != 0  # the return home did not bring everyone back, and says why
    sent = sorted(lpar_of(e) for e in migrations_sent(rebuilt.log()))
    assert sent == sorted(n for n in SEED_MOVABLE if n != "b750web1")  # web1 was never sent: no HSCLA25C refusal, no retries
    assert "left: b750web1 (vios_slot) HSCLA25C: virtual slot 65 of VIOS b750vio2" in back.stdout
    assert "Hint: Raise max_virtual_slots of b750vio2 above 65 (chsyscfg -r prof -m " + P750 in back.stdout
    assert "Left after failures: b750web1" in back.stdout
    now = layouts(rebuilt)
    assert {n: now[n] for n in SEED_MOVABLE if n != "b750web1"} == {n: before[n] for n in SEED_MOVABLE if n != "b750web1"}
    assert now["b750web1"][0][0] == P740


def with_pools(data: dict[str, Any]) -> dict[str, Any]:
    """seed-lab with a DBPool on both systems, holding the two database partitions."""
    for system in data["systems"]:
        system["shared_proc_pools"] = [{"id": 0, "name": "DefaultPool"}, {"id": 2 if system["name"] == P750 else 5, "name": "DBPool", "max_proc_units": 6.0}]
        for lp in system["lpars"]:
            if lp["name"] in ("b750db1", "b750db2"):
                lp["shared_proc_pool"] = "DBPool"
    return data


def test_return_home_restores_systems_ids_pools_and_vios_layout(twin_factory, evacuation):
    twin = twin_factory("seed-lab", mutate=with_pools)
    evac = evacuation(twin)
    before = layouts(twin)
    run = evac.run({"evacuate_source_system": P750})
    assert run.rc == 0, run.stdout[-3000:]
    away = layouts(twin)
    assert all(away[n][0][0] == P740 for n in SEED_MOVABLE)
    assert away["b750db1"][0][3] == "DBPool"  # the pool was kept on the target
    assert any(away[n][0][1] != before[n][0][1] or away[n][0][4] != before[n][0][4] for n in SEED_MOVABLE)  # IDs or slots changed

    manifest = evac.state_dir / f"{P750}.manifest.json"
    seq = twin.last_seq()
    back = evac.run({"return_home_manifest_path": str(manifest)}, playbook="powervm.lpm.return_home")
    assert back.rc == 0, back.stdout[-3000:]
    assert layouts(twin) == before  # systems, IDs, pools, VIOS, server slots, FC ports: 100 %
    sent = migrations_sent(twin.log(since=seq))
    assert sorted(lpar_of(e) for e in sent) == sorted(SEED_MOVABLE)
    db1 = next(e["argv"] for e in sent if lpar_of(e) == "b750db1")
    data = db1[db1.index("-i") + 1]
    assert "shared_proc_pool_name=DBPool" in data and "virtual_scsi_mappings=" in data and "b750vio1" in data
    assert "every partition of the manifest is on" in back.stdout.lower() or "Every partition of the manifest" in back.stdout

    seq = twin.last_seq()
    again = evac.run({"return_home_manifest_path": str(manifest)}, playbook="powervm.lpm.return_home")
    assert again.rc == 0, again.stdout[-3000:]
    assert "Nothing to do" in again.stdout
    assert [e for e in twin.log(since=seq) if e["argv"][0] == "migrlpar"] == []


def test_a_second_evacuation_of_the_same_system_refuses(twin_factory, evacuation):
    twin = twin_factory("seed-lab")
    twin.ctl("clock", "speed", "6")
    first = evacuation(twin, evacuate_preflight=False)
    process = first.start({"evacuate_source_system": P750})
    try:
        assert first.wait_for(lambda events: any(e["event"] == "launch" for e in events), timeout=120)
        # The twin's clock stands still while the other two runs start (they may take long on a busy machine):
        # the first evacuation's migrations are in flight on the HMC all along.
        twin.ctl("clock", "manual", "on")
        same_dir = first.run({"evacuate_source_system": P750, "evacuate_preflight": False})
        assert same_dir.rc != 0
        assert f"an evacuation of {P750} is already running: pid" in same_dir.stdout
        other = evacuation(twin, evacuate_preflight=False)  # its own state directory: the HMC shows what runs
        other_dir = other.run({"evacuate_source_system": P750})
        assert other_dir.rc != 0
        assert "that this evacuation did not start" in other_dir.stdout
    finally:
        twin.ctl("clock", "manual", "off")
        twin.ctl("clock", "speed", "120")
        assert process.wait(300) == 0
    assert all(placement(twin, [P750, P740])[n][0][0] == P740 for n in SEED_MOVABLE)


def test_a_dry_run_and_check_mode_show_the_plan_and_move_nothing(twin_factory, evacuation):
    twin = twin_factory("seed-lab")
    evac = evacuation(twin)
    before = placement(twin, [P750, P740])
    seq = twin.last_seq()
    dry = evac.run({"evacuate_source_system": P750, "evacuate_dry_run": True})
    assert dry.rc == 0, dry.stdout[-3000:]
    assert "Plan: 8 migrations from " + P750 in dry.stdout and "stays: b750vio1 (vios)" in dry.stdout
    assert "Dry run: nothing was migrated" in dry.stdout
    checked = evac.run({"evacuate_source_system": P750}, playbook="powervm.lpm.evacuate --check")
    assert checked.rc == 0, checked.stdout[-3000:]
    assert "Check mode: nothing was migrated" in checked.stdout
    assert migrations_sent(twin.log(since=seq)) == [] and placement(twin, [P750, P740]) == before
    assert not (evac.state_dir / f"{P750}.journal.jsonl").exists()
