# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Whole preflight runs over recorded twin transcripts: verdicts, HMC messages merged, fix lists, command counts."""

from __future__ import annotations

import collections
import copy

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcConnectionError, HmcInputError
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_facts import estates_from_option
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_run import jobs_for, prepare, run
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.preflight_support import (
    CLIENTS,
    P740,
    P750,
    healthy_facts,
    options,
    replay_client,
)

pytest.importorskip("paramiko")


def live(scenario: str, lpars=("b750nl2",), **kwargs):
    client = replay_client(scenario)
    return run(client, options(lpars, **kwargs)), client


def test_the_seed_lab_is_ready_for_b750nl2_to_the_p740():
    report, client = live("seed-lab")
    assert report["ready"] is True
    (pair,) = report["pairs"]
    assert (pair["lpar"], pair["source"], pair["target"], pair["kind"], pair["ready"]) == ("b750nl2", P750, P740, "active", True)
    assert (pair["errors"], pair["warnings"]) == (0, 0)
    assert [f["rule"] for f in pair["findings"]] == ["LPM-TGT-003"]  # info: ID 3 is taken on the p740
    assert pair["hmc_validation"]["ran"] and pair["hmc_validation"]["rc"] == 0
    assert pair["hmc_validation"]["command"] == f"migrlpar -o v -m {P750} -t {P740} -p b750nl2"
    assert [n["rule"] for n in pair["not_checked"]] == ["LPM-STG-006", "LPM-STG-006"]
    assert report["fixes"] == [] and report["fact_warnings"] == []
    assert report["summary"] == {"pairs": 1, "ready": 1, "not_ready": 0, "errors": 0, "warnings": 0, "infos": 1, "fixes": 0}
    assert report["summary_lines"] == [f"b750nl2 -> {P740} [active]: READY - 0 error(s), 0 warning(s), 2 check(s) not decided"]
    assert report["stats"]["connections"] == 1 and report["stats"]["validations"] == 1


def test_commands_are_sent_once_and_bounded_per_system():
    report, client = live("seed-lab")
    lines = client.transport.lines
    assert collections.Counter(lines).most_common(1)[0][1] == 1
    assert report["commands"] == lines and report["stats"]["commands"] == len(lines)
    kinds = collections.Counter(line.split()[0] for line in lines)
    # locate: 1 + 2; estate: 2 + 15 per system + VIOS commands; extras: 4 listings + the 8 unread SAN disks of the p740 VIOS
    assert kinds["migrlpar"] == 1
    assert sum(1 for line in lines if line.startswith("lssyscfg -r lpar") and line.endswith("-F name")) == 2
    target_disk_reads = [line for line in lines if line.startswith(f"viosvrcmd -m {P740}") and "hdisk" in line]
    assert len(target_disk_reads) == 10  # 1 mapped disk read by the estate per VIOS, 4 unread ones per VIOS by preflight


def test_all_clients_of_the_p750():
    report, _client = live("seed-lab", CLIENTS)
    assert [p["lpar"] for p in report["pairs"]] == list(CLIENTS)
    assert [p["lpar"] for p in report["pairs"] if not p["ready"]] == ["b750nim"]
    nim = report["pairs"][-1]
    (error,) = [f for f in nim["findings"] if f["severity"] == "error"]
    assert (error["rule"], error["origin"], error["hmc_codes"]) == ("LPM-LPAR-007", "both", ["HSCLA22F"])
    test1 = report["pairs"][CLIENTS.index("b750test1")]
    assert test1["kind"] == "inactive" and test1["ready"]
    (fix,) = report["fixes"]
    assert (fix["rank"], fix["rule"], fix["pairs"], fix["pairs_ready_after"]) == (1, "LPM-LPAR-007", [f"b750nim -> {P740}"], 1)
    assert report["summary"]["ready"] == 8 and report["stats"]["validations"] == 9


@pytest.mark.parametrize("scenario, rule, code, subject", [
    ("target-reserve", "LPM-STG-003", "HSCLA23B", "b740vio1 hdisk2"),
    ("target-vlan", "LPM-NET-001", "HSCLA239", f"{P740} VLAN 10"),
    ("lpar-rmc", "LPM-RMC-001", "HSCLA246", "b750nl2"),
    ("lmb", "LPM-SYS-005", "HSCLA22A", P740),
    ("target-memory", "LPM-MEM-001", "HSCLA228", P740),
])
def test_each_broken_scenario_gives_the_rule_and_the_hmc_code(scenario, rule, code, subject):
    report, _client = live(scenario)
    (pair,) = report["pairs"]
    assert report["ready"] is False and pair["ready"] is False
    errors = [f for f in pair["findings"] if f["severity"] == "error"]
    assert [(f["rule"], f["subject"], f["origin"], f["hmc_codes"]) for f in errors] == [(rule, subject, "both", [code])]
    assert report["fixes"][0]["rule"] == rule and report["fixes"][0]["pairs_ready_after"] == 1


def test_one_vios_fix_unblocks_every_partition_it_serves():
    report, _client = live("target-vios-rmc", CLIENTS)
    first = report["fixes"][0]
    assert (first["rule"], first["subject"], first["pairs_affected"], first["pairs_ready_after"]) == ("LPM-RMC-003", "b740vio1", 8, 8)
    assert "rmcctrl" in first["remediation"]
    assert report["fixes"][1]["rule"] == "LPM-LPAR-007"
    rmc = [f for p in report["pairs"] for f in p["findings"] if f["rule"] == "LPM-RMC-003"]
    assert len(rmc) == 8 and all(f["hmc_codes"] == ["HSCLA246"] and f["origin"] == "both" for f in rmc)


def test_given_estate_without_connection():
    facts = healthy_facts()
    estate = {"schema_version": 1, "hmc": facts.hmc_of[P750], "systems": facts.systems, "warnings": []}
    report = run(None, options(("b750nl2", "b750test1"), hmc_validation=False), estates_from_option({"estate": estate, "changed": False}))
    assert report["ready"] is True and report["commands"] == []
    pair = report["pairs"][0]
    assert pair["hmc_validation"] == {"ran": False, "command": None, "rc": None, "seconds": None, "reason": "hmc_validation is false", "output": None}
    assert {"LPM-SYS-004", "LPM-NET-002", "LPM-LPAR-017"} <= {n["rule"] for n in pair["not_checked"]}
    assert "LPM-LPAR-017" not in {n["rule"] for n in report["pairs"][1]["not_checked"]}  # open consoles matter for active migrations only
    # Never activated or not: the estate's resource_config answers without the HMC.
    assert not any(n["rule"] == "LPM-LPAR-005" for n in report["pairs"][1]["not_checked"])
    assert not any(f["rule"] == "LPM-LPAR-005" for f in report["pairs"][1]["findings"])


def test_given_estate_with_connection_reads_only_the_extras_and_validates():
    facts = healthy_facts()
    estate = copy.deepcopy({"schema_version": 1, "hmc": facts.hmc_of[P750], "systems": facts.systems, "warnings": []})
    client = replay_client("seed-lab")
    report = run(client, options(), [estate])
    assert report["ready"] is True
    assert not any(line.startswith("lshmc") for line in client.transport.lines)
    assert sum(1 for line in client.transport.lines if line.startswith("migrlpar")) == 1


def test_same_system_is_already_there():
    report, client = live("seed-lab", targets=(P750,))
    (pair,) = report["pairs"]
    assert [f["rule"] for f in pair["findings"]] == ["LPM-TGT-007"] and pair["ready"]
    assert pair["hmc_validation"]["reason"] == "the partition already runs on the target"
    assert not any(line.startswith("migrlpar") for line in client.transport.lines)


def test_unknown_partitions_and_targets_are_input_errors():
    with pytest.raises(HmcInputError, match=r"partitions not found: nope; target systems not managed by this HMC: p999 \(managed systems"):
        live("seed-lab", ("nope",), targets=("p999",))
    with pytest.raises(HmcInputError, match="partition b750nl2 is not in the facts"):
        run(None, options(), [{"schema_version": 1, "hmc": {"name": "x"}, "systems": {}, "warnings": []}])
    with pytest.raises(HmcInputError, match="not an estate"):
        estates_from_option([{"nothing": 1}])


def test_targets_by_type_model_serial():
    report, _client = live("seed-lab", targets=("8205-E6B*10934CP",))
    assert report["pairs"][0]["target"] == P740 and report["ready"]


def test_a_validation_that_cannot_run_blocks_the_pair():
    client = replay_client("seed-lab")
    original = client.run

    def failing(argv, **kwargs):
        if argv[0] == "migrlpar":
            raise HmcConnectionError("connection lost")
        return original(argv, **kwargs)

    client.run = failing  # type: ignore[method-assign]
    report = run(client, options())
    (pair,) = report["pairs"]
    assert pair["ready"] is False
    assert [f["rule"] for f in pair["findings"] if f["severity"] == "error"] == ["HMC-FAILED"]
    assert pair["hmc_validation"]["ran"] is False and "connection lost" in pair["hmc_validation"]["reason"]


def test_remote_targets_are_validated_with_ip_and_user():
    prepared = prepare(None, options(), [{"schema_version": 1, "hmc": healthy_facts().hmc_of[P750], "systems": healthy_facts().systems, "warnings": []}])
    facts = prepared.facts
    facts.hmc_of[P740] = dict(facts.hmc_of[P740], name="hmc2")
    jobs, skipped = jobs_for(facts, prepared.contexts, options(remote_user="admin"))
    assert skipped == {} and (jobs[0].remote_hmc, jobs[0].remote_user) == ("hmc2", "admin")
    facts.hmc_of[P750] = dict(facts.hmc_of[P750], name="hmc3")
    jobs, skipped = jobs_for(facts, prepared.contexts, options())
    assert jobs == [] and skipped == {("b750nl2", P740): "the source system is managed by hmc3, not by bpichmc"}
