# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""vios_msp decisions over a recorded twin sequence (fixtures/prepare/msp.json) and pure helpers."""

from __future__ import annotations

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcCommandError
from ansible_collections.powervm.lpm.plugins.module_utils._prepare_common import PrepareError
from ansible_collections.powervm.lpm.plugins.module_utils._vios_msp import (
    MspRequest,
    change_command,
    differences,
    ensure,
    parse_flags,
    read_command,
)
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.prepare_replay import SequenceClient

pytest.importorskip("paramiko")

P740 = "p740-Server-8205-E6B-SN10934CP"
READ = f"lssyscfg -r lpar -m {P740} --filter lpar_names=b740vio2 -F name,lpar_env,msp,time_ref"
CHANGE = f"chsyscfg -r lpar -m {P740} -i name=b740vio2,msp=1,time_ref=1"


def test_recorded_ladder():
    client = SequenceClient("msp")
    request = MspRequest(P740, "b740vio2", msp=True, time_ref=True)

    check = ensure(client, request, check_mode=True)
    assert check.changed and check.commands == [CHANGE]
    assert (check.before, check.after) == ({"msp": False, "time_ref": False}, {"msp": True, "time_ref": True})
    assert client.sent() == [READ]

    applied = ensure(client, request, check_mode=False)
    assert applied.changed and applied.commands == [CHANGE]
    assert client.sent()[1:] == [READ, CHANGE, READ]

    for check_mode in (True, False):
        again = ensure(client, request, check_mode)
        assert not again.changed and again.commands == [] and again.before == again.after == {"msp": True, "time_ref": True}
    result = again.to_result(request)
    assert result["diff"] == {"before": {"msp": True, "time_ref": True}, "after": {"msp": True, "time_ref": True}}
    assert (result["msp"], result["time_ref"], result["changed"]) == (True, True, False)


def test_recorded_refusals():
    client = SequenceClient("msp")
    request = MspRequest(P740, "b740vio2", msp=True, time_ref=True)
    for check_mode in (True, False, True, False):
        ensure(client, request, check_mode)  # the recorded ladder comes first
    with pytest.raises(PrepareError) as refused:
        ensure(client, MspRequest(P740, "b740lp1", msp=True), check_mode=False)
    assert "b740lp1 on p740-Server-8205-E6B-SN10934CP is not a Virtual I/O Server (lpar_env=aixlinux)" in refused.value.message
    assert refused.value.to_result()["lpar_env"] == "aixlinux"
    with pytest.raises(HmcCommandError) as unknown:
        ensure(client, MspRequest(P740, "nosuchvios", msp=True), check_mode=False)
    assert unknown.value.code == "HSCL8012"
    assert [line for line in client.sent() if line.startswith("chsyscfg")] == [CHANGE]
    assert client.transport.left() == []


def test_only_differing_flags_are_changed():
    assert differences({"msp": True, "time_ref": False}, {"msp": True, "time_ref": True}) == {"time_ref": True}
    assert differences({"msp": True, "time_ref": False}, {"msp": True}) == {}
    assert change_command("S", "vio2", {"time_ref": False}) == ["chsyscfg", "-r", "lpar", "-m", "S", "-i", "name=vio2,time_ref=0"]
    assert change_command("S", "vio2", {"time_ref": True, "msp": False})[-1] == "name=vio2,msp=0,time_ref=1"


def test_read_command_and_parsing():
    assert read_command("S", "vio 1") == ["lssyscfg", "-r", "lpar", "-m", "S", "--filter", "lpar_names=vio 1", "-F", "name,lpar_env,msp,time_ref"]
    assert parse_flags("vio1,vioserver,1,0\n", "S", "vio1") == {"msp": True, "time_ref": False}
    with pytest.raises(PrepareError, match="expected 0 or 1"):
        parse_flags("vio1,vioserver,null,0\n", "S", "vio1")
    with pytest.raises(PrepareError, match="was not found"):
        parse_flags("No results were found.\n", "S", "vio1")


def test_nothing_requested_is_an_error():
    with pytest.raises(PrepareError, match="set msp, time_ref or both"):
        ensure(SequenceClient("msp"), MspRequest(P740, "b740vio2"), check_mode=True)
