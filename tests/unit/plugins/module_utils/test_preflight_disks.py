# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which target VIOS disks preflight reads: behind the LUNs' storage ports, until the LUNs are found (or all)."""

from __future__ import annotations

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._preflight_disks import searches, storage_port
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_run import run
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.preflight_support import (
    CLIENTS,
    P740,
    P750,
    check,
    context,
    healthy_facts,
    options,
    partition,
    replay_client,
)

pytest.importorskip("paramiko")

NL2_LUN = "332160050768018086B6E00000000000010104214503IBMfcp"


def disk_reads(client, system=P740):
    return sorted(line.split("-c ")[1] for line in client.transport.lines if line.startswith(f"viosvrcmd -m {system}") and "hdisk" in line)


def forget_target_disks(facts):
    """The p740 VIOS as an estate gathered with vios_disks=mapped leaves them: unmapped disks unread."""
    for vios in ("b740vio1", "b740vio2"):
        for disk in partition(facts, P740, vios)["vios"]["disks"].values():
            if not disk["mapped"] and disk["kind"] == "san":
                disk.update(unique_id=None, reserve_policy=None, lun_id=None, pvid=None)
    return facts


def test_storage_port_of_a_location_code():
    assert storage_port("U78AA.001.WZSH0K2-P1-C2-T1-W50050768019DE659-L1000000000000") == "50050768019de659"
    assert storage_port("U78AA.001.WZSH0K2-P2-D1") is None
    assert storage_port(None) is None


def test_one_worker_stops_at_the_first_disk_with_the_lun():
    client = replay_client("seed-lab")
    report = run(client, options(workers=1))
    assert report["ready"] is True
    # the estate reads the mapped hdisk6 of each VIOS; preflight reads hdisk2 (b750nl2's LUN) and stops
    assert disk_reads(client) == ["'lsdev -dev hdisk2 -attr'", "'lsdev -dev hdisk2 -attr'",
                                  "'lsdev -dev hdisk6 -attr'", "'lsdev -dev hdisk6 -attr'"]


def test_all_reads_every_unread_disk():
    client = replay_client("seed-lab")
    run(client, options(workers=1, target_disks="all"))
    assert len(disk_reads(client)) == 10  # hdisk2..hdisk6 on both VIOS; the internal hdisk0 is never read


def test_searches_follow_the_storage_ports_of_the_luns():
    facts = forget_target_disks(healthy_facts())
    contexts = [context(facts, "b750nl2")]
    found = searches(facts, contexts, [P740], "needed")
    assert [(s.vios["name"], s.queue, s.wanted) for s in found] == [
        ("b740vio1", ["hdisk2", "hdisk3", "hdisk4", "hdisk5"], {NL2_LUN}),
        ("b740vio2", ["hdisk2", "hdisk3", "hdisk4", "hdisk5"], {NL2_LUN}),
    ]
    other_port = "U78AA.001.WZSH0K1-P1-C2-T1-W500507680140AAAA-L1000000000000"
    partition(facts, P740, "b740vio1")["vios"]["disks"]["hdisk3"]["physloc"] = other_port
    assert searches(facts, contexts, [P740], "needed")[0].queue == ["hdisk2", "hdisk4", "hdisk5"]
    assert searches(facts, contexts, [P740], "all")[0].queue == ["hdisk2", "hdisk3", "hdisk4", "hdisk5"]
    assert searches(healthy_facts(), contexts, [P740], "needed") == []  # every LUN is known already


def test_a_lun_behind_no_matching_port_is_undecided_not_an_error():
    facts = forget_target_disks(healthy_facts())
    findings, unknown = check(facts, "LPM-STG-005")
    assert findings == []
    assert unknown[0]["reason"].startswith("the LUN is not among the disks of VIOS b740vio1 whose identity was read; 4 were not read")


def test_many_partitions_need_every_disk():
    client = replay_client("seed-lab")
    run(client, options(CLIENTS, workers=1))
    assert len(disk_reads(client)) == 10
    assert not any(line.startswith(f"viosvrcmd -m {P750}") and "hdisk0" in line for line in client.transport.lines)
