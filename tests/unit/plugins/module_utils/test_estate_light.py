# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The light estate gathering (the inventory plugin's reads) over recorded twin transcripts."""

from __future__ import annotations

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._estate import LIGHT_LISTINGS, GatherOptions, gather
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.estate_replay import ReplayClient, load_transcript

pytest.importorskip("paramiko")

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"


def light(name: str):
    client = ReplayClient(load_transcript(name))
    return gather(client, GatherOptions(host="bpichmc", light=True)), client


def test_commands_per_hmc_and_per_system():
    result, client = light("seed-lab")
    lines = client.transport.lines
    assert len(lines) == result.stats["commands"] == 2 + len(LIGHT_LISTINGS) * 2
    assert lines[0] == "lshmc -V"
    assert lines[1].startswith("lssyscfg -r sys -F name,type_model,serial_num,state")
    per_system = sorted(line.split(" -F ")[0] for line in lines[2:])
    assert per_system == sorted(
        f"{prefix} -m {system}{suffix}"
        for system in (P750, P740)
        for prefix, suffix in (("lssyscfg -r lpar", ""), ("lshwres -r mem", " --level lpar"), ("lshwres -r proc", " --level lpar"))
    )
    assert not any(line.startswith("viosvrcmd") for line in lines)
    assert result.stats["connections"] == 1


def test_partition_facts_without_details():
    result = light("seed-lab")[0]
    estate = result.estate
    assert estate["warnings"] == []
    db1 = estate["systems"][P750]["partitions"]["b750db1"]
    assert (db1["id"], db1["env"], db1["state"], db1["rmc_state"], db1["rmc_ipaddr"]) == (4, "aixlinux", "Running", "active", "10.33.5.31")
    assert db1["memory"]["current_mb"] == 65536
    assert (db1["processors"]["mode"], db1["processors"]["units"], db1["processors"]["procs"]) == ("shared", 2.0, 4)
    assert db1["compat_current"] == "POWER7" and db1["uuid"] == "EE492273-185F-7638-B7E0-3B4FA0E98CB4"
    assert db1["profile"] is None and db1["virtual_eth"] == []
    vio1 = estate["systems"][P740]["partitions"]["b740vio1"]
    assert vio1["msp"] is True and vio1["is_vios"] is True
    assert vio1["vios"]["collected"] is False and vio1["vios"]["skipped_reason"] == "light gathering"


def test_system_not_connected_is_a_warning():
    result, client = light("seed-lab-degraded")
    estate = result.estate
    assert estate["systems"][P740]["partitions"] == {}
    assert estate["warnings"] == [f"{P740}: the managed system is No Connection; its partitions and resources were not read"]
    assert not any(P740 in line for line in client.transport.lines[2:])
    assert len(estate["systems"][P750]["partitions"]) == 11
