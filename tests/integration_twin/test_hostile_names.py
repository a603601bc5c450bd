# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Hostile names through every module, role and playbook, against seed-lab renamed by hostile_lab.rename.

For each run the twin's command log shows what the HMC received, already split by its shell: every name must arrive
as one argument exactly as given (inside a record or filter only when the record grammar can carry it, otherwise by
partition ID), or the module must refuse it with a message naming the value and the characters it cannot carry.
Nothing may reach the HMC split, and no command may fail for a quoting reason (rbash errors, rc 127).

Which test covers which module, role and playbook: the table "Hostile names" in docs/security.md.
"""

from __future__ import annotations

import html.parser
import json
import pathlib
import re
import shlex
from typing import Any

import pytest
import yaml

from conftest import HMC_PASSWORD, HMC_USER, REPO
from hostile_lab import (
    PARTITIONS,
    POOL,
    POOL_RECORD_UNSAFE,
    PROFILE,
    PROFILE_RECORD_UNSAFE,
    REMOTE_HMC,
    REMOTE_PASSWORD,
    REMOTE_USER,
    SOURCE,
    TARGET,
    hostile,
    record_safe,
    rename,
    with_remote_hmc,
)

ALL_NAMES = sorted({SOURCE, TARGET, POOL, POOL_RECORD_UNSAFE, PROFILE, PROFILE_RECORD_UNSAFE, REMOTE_HMC, REMOTE_USER,
                    *PARTITIONS.values()},
                   key=len, reverse=True)
# Words of the hostile names that no ordinary argument holds: an argument holding one must hold a whole name. Words of
# letters and digits only ("pool", "batch") are left out, except the lines of a name holding a newline ("web1", "line2").
FRAGMENTS = sorted({w for name in ALL_NAMES for w in name.split() if len(w) > 2 and not w.replace("-", "").isalnum()}
                   | {line for name in ALL_NAMES if "\n" in name for line in name.split("\n") if len(line) > 3})
HMC_COMMANDS = {"lshmc", "lssyscfg", "lshwres", "lslparmigr", "lsrefcode", "lssysconn", "viosvrcmd", "migrlpar", "chsyscfg",
                "mkauthkeys"}
CLIENTS = ["b750nl2", "b750db1", "b750db2", "b750app1", "b750app2", "b750web1", "b750test1", "b750batch1"]
IDS = {"b750nl2": 3, "b750db1": 4, "b750db2": 5, "b750app1": 6, "b750app2": 7, "b750web1": 8, "b750test1": 9, "b750batch1": 10}
SOURCE_VIOS, TARGET_VIOS = ["b750vio1", "b750vio2"], ["b740vio1", "b740vio2"]


def assert_sent_whole(log: list[dict[str, Any]]) -> None:
    """Every command of a log slice ran as an HMC command, and no hostile name was split across arguments."""
    assert log, "no command reached the twin"
    for entry in log:
        argv = entry["argv"]
        assert argv and argv[0] in HMC_COMMANDS, argv
        assert entry["rc"] != 127, argv
        for element in argv:
            pieces = [fragment for fragment in FRAGMENTS if fragment in element]
            if pieces:
                assert any(name in element for name in ALL_NAMES), (element, pieces, argv)


def values_of(log: list[dict[str, Any]], option: str, command: str, *prefix: str) -> list[str]:
    """The values given to ``option`` by the commands of a log slice whose argv starts with ``command *prefix``."""
    out = []
    for entry in log:
        argv = entry["argv"]
        if argv[: 1 + len(prefix)] == [command, *prefix]:
            out += [argv[i + 1] for i, part in enumerate(argv[:-1]) if part == option]
    return out


def selectors(log: list[dict[str, Any]], op: str) -> list[tuple[str, str]]:
    """How each ``migrlpar -o OP`` of a log slice named its partition: ("-p", name) or ("--id", id)."""
    out = []
    for entry in log:
        argv = entry["argv"]
        if argv[:3] == ["migrlpar", "-o", op]:
            option = "-p" if "-p" in argv else "--id"
            out.append((option, argv[argv.index(option) + 1]))
    return out


def expected_selector(name: str) -> tuple[str, str]:
    return ("-p", hostile(name)) if record_safe(hostile(name)) else ("--id", str(IDS[name]))


def placement(twin) -> dict[str, tuple[str, int, str, str]]:
    """Each client partition as the twin holds it: (system, ID, current profile, shared processor pool)."""
    data = yaml.safe_load(twin.ctl("scenario", "--no-secrets"))
    return {lp["name"]: (system["name"], lp["id"], lp.get("curr_profile", "default"), lp.get("shared_proc_pool", "DefaultPool"))
            for system in data["systems"] for lp in system["lpars"] if lp.get("env", "aixlinux") != "vioserver"}


class HtmlTexts(html.parser.HTMLParser):
    """The text nodes (character references decoded) and the start tags of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def html_texts(page: str) -> HtmlTexts:
    parser = HtmlTexts()
    parser.feed(page)
    parser.close()
    return parser


def hmc_vars(twin) -> dict[str, Any]:
    return {"powervm_hmc_host": twin.host, "powervm_hmc_port": twin.port, "powervm_hmc_user": HMC_USER,
            "powervm_hmc_password": HMC_PASSWORD, "powervm_known_hosts": str(twin.known_hosts)}


@pytest.fixture(scope="module")
def lab(twin_factory):
    """The hostile lab for the runs that change nothing (and hmc_trust, whose change stays on the HMC)."""
    return twin_factory(mutate=lambda data: with_remote_hmc(rename(data)))


@pytest.fixture(scope="module")
def estate_run(lab, run_playbook):
    before = lab.last_seq()
    rc, (result,) = run_playbook([{"name": "read", "powervm.lpm.estate_info": {"systems": [SOURCE, TARGET]}}], twin=lab)
    return rc, result, lab.log(since=before)


def test_estate_info_reads_every_name_back_exactly(estate_run):
    rc, result, log = estate_run
    assert rc == 0, result
    estate = result["estate"]
    assert sorted(estate["systems"]) == sorted([SOURCE, TARGET])
    names = {name for system in estate["systems"].values() for name in system["partitions"]}
    assert names == set(PARTITIONS.values()) | {"b750nim"}
    for system in estate["systems"].values():
        for name, partition in system["partitions"].items():
            assert partition["name"] == name
            if partition["is_vios"]:
                assert partition["vios"]["collected"] is True, (name, partition["vios"]["skipped_reason"])
    source = estate["systems"][SOURCE]
    assert source["partitions"][hostile("b750db1")]["curr_profile"] == PROFILE
    assert source["partitions"][hostile("b750nl2")]["curr_profile"] == PROFILE_RECORD_UNSAFE
    assert {pool["name"] for pool in source["shared_proc_pools"]} == {"DefaultPool", POOL, POOL_RECORD_UNSAFE}
    mappings = source["partitions"][hostile("b750vio1")]["vios"]["vscsi_mappings"]
    assert {m["client_lpar_name"] for m in mappings} == {hostile(n) for n in ("b750nl2", "b750db1", "b750app1", "b750web1")}
    assert estate["warnings"] == []
    assert_sent_whole(log)
    assert all(entry["rc"] == 0 for entry in log), [e["argv"] for e in log if e["rc"]]
    assert set(values_of(log, "-m", "lssyscfg")) == {SOURCE, TARGET}
    vios = {hostile(n) for n in SOURCE_VIOS + TARGET_VIOS}
    assert set(values_of(log, "-p", "viosvrcmd")) == vios


def test_preflight_playbook_checks_every_partition_under_its_own_name(lab, run_playbook, tmp_path):
    report = tmp_path / "preflight.json"
    variables = {**hmc_vars(lab), "preflight_lpars": [hostile(n) for n in CLIENTS], "preflight_target_system": TARGET,
                 "preflight_report_path": str(report)}
    before = lab.last_seq()
    rc, _ = run_playbook(REPO / "playbooks" / "preflight.yml", variables, twin=lab)
    log = lab.log(since=before)
    assert rc == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["ready"] is True and data["fact_warnings"] == []
    assert sorted(pair["lpar"] for pair in data["pairs"]) == sorted(hostile(n) for n in CLIENTS)
    assert {(pair["source"], pair["target"]) for pair in data["pairs"]} == {(SOURCE, TARGET)}
    assert_sent_whole(log)
    assert sorted(selectors(log, "v")) == sorted(expected_selector(n) for n in CLIENTS)
    # The profile listing cannot filter on names holding ',' '=' '"' or a newline: it lists the whole system instead.
    prof = [e["argv"] for e in log if e["argv"][:3] == ["lssyscfg", "-r", "prof"]]
    assert prof and all("--filter" not in argv for argv in prof)


def test_lpar_migration_validates_with_the_kept_layout(lab, run_playbook):
    args = {"lpars": [hostile(n) for n in CLIENTS], "state": "validated", "target_system": TARGET, "keep_vios_layout": True}
    before = lab.last_seq()
    rc, (result,) = run_playbook([{"name": "validate", "powervm.lpm.lpar_migration": args}], twin=lab)
    log = lab.log(since=before)
    assert rc == 0 and result["msg"] == "8 validated", result
    assert sorted(p["name"] for p in result["results"]) == sorted(hostile(n) for n in CLIENTS)
    assert {(p["source"], p["target"], p["status"]) for p in result["results"]} == {(SOURCE, TARGET, "validated")}
    assert_sent_whole(log)
    assert sorted(selectors(log, "v")) == sorted(expected_selector(n) for n in CLIENTS)
    # The destination VIOS "vio2,y=z" cannot be named in a mapping element: it is given by its ID (2) alone.
    records = values_of(log, "-i", "migrlpar", "-o", "v")
    assert f'"virtual_scsi_mappings=31/{hostile("b740vio1")}/1,61//2"' in records


def test_lpar_migration_validates_with_a_profile_a_record_cannot_carry(lab, run_playbook):
    args = {"lpars": [hostile("b750nl2")], "state": "validated", "target_system": TARGET, "dest_profile": PROFILE_RECORD_UNSAFE}
    before = lab.last_seq()
    rc, (result,) = run_playbook([{"name": "validate", "powervm.lpm.lpar_migration": args}], twin=lab)
    log = lab.log(since=before)
    assert rc == 0 and result["msg"] == "1 validated", result
    assert_sent_whole(log)
    assert values_of(log, "-n", "migrlpar", "-o", "v") == [PROFILE_RECORD_UNSAFE]  # -n is an argument, not a record
    assert selectors(log, "v") == [expected_selector("b750nl2")]


@pytest.mark.parametrize("option, value, refused", [
    ("shared_proc_pool", POOL_RECORD_UNSAFE, "shared_proc_pool_name 'pool,a=b' cannot be used in an HMC attribute record: "
                                             "it contains ',' '='"),
    ("dest_msp", hostile("b740vio2"), "dest_msp_name 'vio2,y=z' cannot be used in an HMC attribute record: it contains ',' '='"),
    ("source_msp", hostile("b750db2"), "source_msp_name 'db2 \"primary\"' cannot be used in an HMC attribute record: "
                                       "it contains '\"'"),
], ids=["pool", "dest_msp", "source_msp"])
def test_lpar_migration_refuses_names_a_record_cannot_carry(lab, run_playbook, option, value, refused):
    before = lab.last_seq()
    args = {"lpars": [hostile("b750nl2")], "target_system": TARGET, option: value}
    rc, (result,) = run_playbook([{"name": "migrate", "powervm.lpm.lpar_migration": args}], twin=lab)
    assert rc != 0 and result["error_type"] == "HmcInputError" and result["msg"] == refused
    assert not any(e["argv"][0] == "migrlpar" for e in lab.log(since=before))


@pytest.fixture(scope="module")
def moving_lab(twin_factory):
    return twin_factory(mutate=rename)


def test_lpar_migration_moves_partitions_with_hostile_names(moving_lab, run_playbook):
    lpars = ["b750db1", "b750app1", "b750web1"]
    args = {"lpars": [hostile(n) for n in lpars], "target_system": TARGET, "shared_proc_pool": POOL, "dest_profile": PROFILE,
            "source_msp": hostile("b750vio1"), "dest_msp": hostile("b740vio1"), "poll_interval": 1}
    before = moving_lab.last_seq()
    rc, (result,) = run_playbook([{"name": "migrate", "powervm.lpm.lpar_migration": args}], twin=moving_lab)
    log = moving_lab.log(since=before)
    assert rc == 0 and result["msg"] == "3 migrated", result
    assert_sent_whole(log)
    assert sorted(selectors(log, "m")) == sorted(expected_selector(n) for n in lpars)
    assert values_of(log, "-n", "migrlpar", "-o", "m") == [PROFILE] * 3
    assert values_of(log, "-i", "migrlpar", "-o", "m") == [
        f"source_msp_name={hostile('b750vio1')},dest_msp_name={hostile('b740vio1')},shared_proc_pool_name={POOL}"] * 3
    where = placement(moving_lab)
    for name in lpars:
        assert where[hostile(name)][0] == TARGET and where[hostile(name)][2:] == (PROFILE, POOL), where[hostile(name)]
    # Idempotent: the partitions are on the target already, so nothing is sent.
    before = moving_lab.last_seq()
    rc, (result,) = run_playbook([{"name": "again", "powervm.lpm.lpar_migration": args}], twin=moving_lab)
    assert rc == 0 and result["changed"] is False
    assert not any(e["argv"][0] == "migrlpar" for e in moving_lab.log(since=before))


def test_migrate_playbook_moves_hostile_partitions_with_their_layout(moving_lab, run_playbook, tmp_path):
    lpars = ["b750nl2", "b750db2", "b750app2"]
    variables = {**hmc_vars(moving_lab), "migrate_lpars": [hostile(n) for n in lpars], "migrate_target_system": TARGET,
                 "migrate_preflight_report_path": str(tmp_path / "preflight.json")}
    before = moving_lab.last_seq()
    rc, _ = run_playbook(REPO / "playbooks" / "migrate.yml", variables, twin=moving_lab)
    log = moving_lab.log(since=before)
    assert rc == 0
    assert_sent_whole(log)
    assert sorted(selectors(log, "m")) == sorted(expected_selector(n) for n in lpars)
    # The VIOS layout is kept: the second VIOS of the target ("vio2,y=z") is named by its ID.
    assert f'"virtual_fc_mappings=41/{hostile("b740vio1")}/1,51//2"' in values_of(log, "-i", "migrlpar", "-o", "m")
    where = placement(moving_lab)
    assert {hostile(n): where[hostile(n)][0] for n in lpars} == {hostile(n): TARGET for n in lpars}


@pytest.fixture(scope="module")
def prep_lab(twin_factory):
    return twin_factory(mutate=rename)


def test_vios_msp_and_vios_device_on_every_vios(prep_lab, run_playbook):
    tasks = []
    for system, names in ((SOURCE, SOURCE_VIOS), (TARGET, TARGET_VIOS)):
        for name in names:
            tasks.append({"name": f"msp {name}", "powervm.lpm.vios_msp": {"system": system, "vios": hostile(name), "msp": True,
                                                                          "time_ref": True}, "ignore_errors": True})
            tasks.append({"name": f"device {name}", "powervm.lpm.vios_device": {
                "system": system, "vios": hostile(name), "devices": ["hdisk4"], "attributes": {"queue_depth": "16"}}})
    tasks.append({"name": "select", "powervm.lpm.vios_device": {"system": SOURCE, "vios": hostile("b750vio1"), "select": {
        "backing_of_lpars": [hostile("b750db1"), hostile("b750web1"), hostile("b750app1")]}, "attributes": {"reserve_policy": "no_reserve"}}})
    tasks.append({"name": "select unsafe", "ignore_errors": True, "powervm.lpm.vios_device": {
        "system": TARGET, "vios": hostile("b740vio2"), "select": {"backing_of_lpars": [hostile("b740lp1")]},
        "attributes": {"reserve_policy": "no_reserve"}}})
    before = prep_lab.last_seq()
    rc, results = run_playbook(tasks, twin=prep_lab)
    log = prep_lab.log(since=before)
    assert rc == 0, results
    msp = results[0:8:2]
    assert [r.get("failed", False) for r in msp] == [False, False, False, True]
    assert msp[3]["msg"] == "lpar_names 'vio2,y=z' cannot be used in an HMC attribute record: it contains ',' '='"
    assert values_of(log, "-i", "chsyscfg") == [f"name={hostile('b750vio2')},time_ref=1"]
    devices = results[1:8:2]
    assert all(r["changed"] is True and not r.get("failed") for r in devices), devices
    assert [r["vios"] for r in devices] == [hostile(n) for n in SOURCE_VIOS + TARGET_VIOS]
    selected, unsafe = results[8], results[9]
    assert selected["changed"] is False and sorted(selected["devices"]) == ["hdisk5", "hdisk6", "hdisk7"], selected
    assert unsafe["failed"] is True and "'vio2,y=z' cannot be used in an HMC attribute record" in unsafe["msg"]
    assert_sent_whole(log)
    assert sorted(set(values_of(log, "-p", "viosvrcmd"))) == sorted(hostile(n) for n in SOURCE_VIOS + TARGET_VIOS)


def test_prepare_vios_playbook(prep_lab, run_playbook, tmp_path):
    # vio2,y=z is left out: vios_msp refuses it (above); every other VIOS of both systems is prepared.
    variables = {**hmc_vars(prep_lab), "vios_prepare_lpars": [hostile(n) for n in ("b750nl2", "b750db1", "b750web1")],
                 "vios_prepare_systems": [{"name": SOURCE}, {"name": TARGET, "vios": [hostile("b740vio1")]}],
                 "vios_prepare_msp_lpm_ops": 4}
    playbook = REPO / "playbooks" / "prepare_vios.yml"
    before = prep_lab.last_seq()
    rc, _ = run_playbook(playbook, variables, twin=prep_lab)
    log = prep_lab.log(since=before)
    assert rc == 0
    assert_sent_whole(log)
    tuned = sorted(vios for vios, c in zip(values_of(log, "-p", "viosvrcmd"), values_of(log, "-c", "viosvrcmd"))
                   if shlex.split(c)[:3] == ["chdev", "-dev", "vioslpm0"])
    assert tuned == sorted(hostile(n) for n in ("b750vio1", "b750vio2", "b740vio1"))
    before = prep_lab.last_seq()
    rc, _ = run_playbook(playbook, variables, twin=prep_lab)
    assert rc == 0
    assert not any(e["argv"][0] == "chsyscfg" or "chdev" in " ".join(e["argv"]) for e in prep_lab.log(since=before))


def test_hmc_trust_with_a_hostile_remote_user_and_password(lab, run_playbook):
    spec = {"remote_hmc": REMOTE_HMC, "remote_user": REMOTE_USER, "remote_password": REMOTE_PASSWORD}
    before = lab.last_seq()
    rc, results = run_playbook([{"name": "trust", "powervm.lpm.hmc_trust": spec},
                                {"name": "again", "powervm.lpm.hmc_trust": spec}], twin=lab)
    log = lab.log(since=before)
    assert rc == 0, results
    assert results[0]["changed"] is True and results[1]["changed"] is False and results[1]["trusted"] is True
    sent = [e["argv"] for e in log]
    test = ["mkauthkeys", "--ip", REMOTE_HMC, "-u", REMOTE_USER, "--test"]
    assert sent == [test, ["mkauthkeys", "--ip", REMOTE_HMC, "-u", REMOTE_USER, "--passwd", "********"], test, test]
    assert REMOTE_PASSWORD not in json.dumps(results) and REMOTE_PASSWORD not in json.dumps(log)
    assert_sent_whole(log)


def test_evacuation_plan_keeps_names_exact(estate_run, lab, run_playbook):
    estate = estate_run[1]["estate"]
    policy = {"exclude": [hostile("b750app2")], "pin": {hostile("b750db1"): TARGET},
              "disruption_groups": [{"name": "cluster 'a'; $(x)", "members": [hostile("b750db2"), hostile("b750web1")]}]}
    before = lab.last_seq()
    rc, (result,) = run_playbook([{"name": "plan", "powervm.lpm.evacuation_plan": {
        "estate": estate, "source_system": SOURCE, "target_systems": [TARGET], "policy": policy}}], twin=lab)
    assert rc == 0, result
    planned = {entry["lpar"]: entry for entry in result["plan"]}
    movable = {hostile(n) for n in CLIENTS} - {hostile("b750app2")}
    assert set(planned) == movable
    assert {(entry["source_system"], entry["target_system"]) for entry in planned.values()} == {(SOURCE, TARGET)}
    excluded = [d for d in result["decisions"] if d["lpar"] == hostile("b750app2")]
    assert excluded and all(d["decision"] == "unmovable" for d in excluded), excluded
    assert lab.log(since=before) == []  # the planner works on the facts only


def test_maintenance_window_with_hostile_names(lab, run_playbook, tmp_path):
    window = {"version": 1, "name": "hostile-window", "source_systems": [SOURCE], "targets": [TARGET],
              "window": {"start": "2026-03-14T22:00:00+01:00", "end": "2026-03-15T02:00:00+01:00"},
              "exclusions": [hostile("b750app2")], "pins": {hostile("b750db1"): TARGET},
              "disruption_groups": [{"name": "db", "members": [hostile("b750db2"), hostile("b750web1")]}]}
    path = tmp_path / "window.yml"
    path.write_text(yaml.safe_dump(window, allow_unicode=True), encoding="utf-8")
    before = lab.last_seq()
    rc, (result,) = run_playbook([{"name": "window", "powervm.lpm.maintenance_window": {
        "path": str(path), "now": "2026-03-14T22:30:00+01:00", "partitions": [hostile(n) for n in CLIENTS]}}], twin=lab)
    assert rc == 0, result
    assert lab.log(since=before) == []  # the window is read on the controller only
    assert result["excluded"] == [hostile("b750app2")]
    assert result["window"]["source_systems"] == [SOURCE]
    assert result["planner_policy"]["pin"] == {hostile("b750db1"): TARGET}
    assert result["planner_policy"]["disruption_groups"][0]["members"] == [hostile("b750db2"), hostile("b750web1")]


@pytest.fixture(scope="module")
def evac_lab(twin_factory):
    return twin_factory(mutate=rename)


def _evac_vars(twin, workdir: pathlib.Path) -> dict[str, Any]:
    common = {"state_dir": str(workdir / "state"), "report_dir": str(workdir / "reports"), "clock_scale": 60,
              "poll_interval": 0.5, "progress_interval": 2}
    variables = {**hmc_vars(twin), "evacuate_source_system": SOURCE, "evacuate_preflight_hmc_validation": False,
                 "return_home_manifest_path": str(workdir / "state" / f"{SOURCE}.manifest.json")}
    for role in ("evacuate", "return_home"):
        variables.update({f"{role}_{key}": value for key, value in common.items()})
    return variables


def test_evacuate_and_return_home_playbooks(evac_lab, run_playbook, tmp_path):
    variables = _evac_vars(evac_lab, tmp_path)
    home = placement(evac_lab)
    before = evac_lab.last_seq()
    rc, _ = run_playbook(REPO / "playbooks" / "evacuate.yml", variables, twin=evac_lab)
    log = evac_lab.log(since=before)
    assert rc == 0
    assert_sent_whole(log)
    assert sorted(selectors(log, "m")) == sorted(expected_selector(n) for n in CLIENTS)
    # The planner paired vio2;`c` ß with vio2,y=z for some migrations: that MSP goes by its ID.
    records = values_of(log, "-i", "migrlpar", "-o", "m")
    assert f"source_msp_name={hostile('b750vio2')},dest_msp_id=2" in records
    assert not any("dest_msp_name=vio2,y=z" in r for r in records)
    where = placement(evac_lab)
    assert {hostile(n): where[hostile(n)][0] for n in CLIENTS} == {hostile(n): TARGET for n in CLIENTS}
    moved = {hostile(n) for n in CLIENTS}
    (progress,) = (tmp_path / "state").glob("*.progress.json")
    assert {item["lpar"] for item in json.loads(progress.read_text(encoding="utf-8"))["lpars"]} == moved
    (report,) = (tmp_path / "reports").glob("evacuation-*.json")
    record = json.loads(report.read_text(encoding="utf-8"))
    assert record["source_system"] == SOURCE
    assert {m["lpar"] for m in record["migrations"]} == moved
    # Markdown: one row of 11 cells per partition (no name breaks the table), each name exact once unescaped; a table
    # cell cannot hold a line break, so the newline reads as a space.
    section = report.with_suffix(".md").read_text(encoding="utf-8").split("## Migrations\n", 1)[1].split("\n\n## ")[0]
    rows = [[cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]] for line in section.splitlines() if line.startswith("|")][2:]
    assert all(len(row) == 11 for row in rows), rows
    assert {re.sub(r"\\(.)", r"\1", row[0]) for row in rows} == {name.replace("\n", " ") for name in moved}
    page = html_texts(report.with_suffix(".html").read_text(encoding="utf-8"))
    assert moved <= set(page.texts) and "script" not in page.tags  # every name a text of its own, none markup
    manifest = json.loads((tmp_path / "state" / f"{SOURCE}.manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["partitions"]) >= {hostile(n) for n in CLIENTS}

    before = evac_lab.last_seq()
    rc, _ = run_playbook(REPO / "playbooks" / "return_home.yml", variables, twin=evac_lab)
    log = evac_lab.log(since=before)
    assert rc == 0
    assert_sent_whole(log)
    assert placement(evac_lab) == home


def _coverage_rows() -> list[list[str]]:
    """The rows of the table under "## Hostile names" in docs/security.md, as cells."""
    text = (REPO / "docs" / "security.md").read_text(encoding="utf-8")
    section = text.split("\n## Hostile names\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")][2:]
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines]


def test_the_coverage_table_is_complete():
    rows = _coverage_rows()
    covered = {token for row in rows for token in re.findall(r"`([^`]+)`", row[0])}
    modules = {path.stem for path in (REPO / "plugins" / "modules").glob("*.py") if not path.stem.startswith("_")}
    roles = {path.name for path in (REPO / "roles").iterdir() if (path / "tasks").is_dir()}
    playbooks = {f"playbooks/{path.name}" for path in (REPO / "playbooks").glob("*.yml")}
    assert len(modules) >= 11 and len(roles) >= 5 and len(playbooks) >= 5
    assert sorted((modules | roles | playbooks) - covered) == []
    for row in rows:
        references = re.findall(r"`(test_\w+|tests/[\w/]+\.py(?:::test_\w+)?)`", row[1])
        assert references, row
        for reference in references:
            path, _, name = reference.rpartition("::") if "::" in reference else (reference, "", "")
            if path.startswith("test_"):  # a test of this file
                path, name = "tests/integration_twin/test_hostile_names.py", reference
            source = (REPO / path).read_text(encoding="utf-8")
            assert not name or re.search(rf"^def {name}\(", source, re.M), f"{reference}: no such test"
