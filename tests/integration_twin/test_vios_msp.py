# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""powervm.lpm.vios_msp against the HMC twin over SSH: check -> apply -> check -> apply."""

from __future__ import annotations

import shlex

import pytest

P740 = "p740-Server-8205-E6B-SN10934CP"


def _vios2_not_msp(data):
    """seed-lab with b740vio2 neither MSP nor time reference."""
    for system in data["systems"]:
        for lpar in system["lpars"]:
            if lpar["name"] == "b740vio2":
                lpar["msp"] = False
                lpar["time_ref"] = False
    return data


@pytest.fixture(scope="module")
def lab(twin_factory):
    return twin_factory(mutate=_vios2_not_msp)


def msp_task(vios="b740vio2", **flags):
    return [{"name": "msp flags", "diff": True, "powervm.lpm.vios_msp": {"system": P740, "vios": vios, **flags}}]


def flags_of(twin, vios):
    argv = ["lssyscfg", "-r", "lpar", "-m", P740, "--filter", f"lpar_names={vios}", "-F", "msp,time_ref"]
    return twin.ctl("exec", "--hmc", twin.hmc, "--user", "hscroot", shlex.join(argv)).strip()


def changes_in(log):
    return [entry["argv"] for entry in log if entry["argv"][:1] == ["chsyscfg"]]


def test_ladder(lab, run_playbook):
    assert flags_of(lab, "b740vio2") == "0,0"
    expected = f"chsyscfg -r lpar -m {P740} -i name=b740vio2,msp=1,time_ref=1"

    before = lab.last_seq()
    rc, (result,) = run_playbook(msp_task(msp=True, time_ref=True), twin=lab, check=True)
    assert rc == 0 and result["changed"] is True
    assert result["commands"] == [expected]
    assert result["diff"] == {"before": {"msp": False, "time_ref": False}, "after": {"msp": True, "time_ref": True}}
    assert changes_in(lab.log(since=before)) == []
    assert flags_of(lab, "b740vio2") == "0,0"

    before = lab.last_seq()
    rc, (result,) = run_playbook(msp_task(msp=True, time_ref=True), twin=lab)
    assert rc == 0 and result["changed"] is True and result["commands"] == [expected]
    assert (result["msp"], result["time_ref"]) == (True, True)
    assert changes_in(lab.log(since=before)) == [["chsyscfg", "-r", "lpar", "-m", P740, "-i", "name=b740vio2,msp=1,time_ref=1"]]
    assert flags_of(lab, "b740vio2") == "1,1"

    for check in (True, False):
        before = lab.last_seq()
        rc, (result,) = run_playbook(msp_task(msp=True, time_ref=True), twin=lab, check=check)
        assert rc == 0 and result["changed"] is False and result["commands"] == []
        assert changes_in(lab.log(since=before)) == []


def test_only_the_differing_flag_is_sent(lab, run_playbook):
    before = lab.last_seq()
    rc, (result,) = run_playbook(msp_task(vios="b740vio1", time_ref=False), twin=lab)
    assert rc == 0 and result["changed"] is True
    assert changes_in(lab.log(since=before)) == [["chsyscfg", "-r", "lpar", "-m", P740, "-i", "name=b740vio1,time_ref=0"]]
    assert flags_of(lab, "b740vio1") == "1,0"


def test_a_partition_that_is_not_a_vios_is_refused(lab, run_playbook):
    before = lab.last_seq()
    rc, (result,) = run_playbook(msp_task(vios="b740lp1", msp=True), twin=lab)
    assert rc != 0 and result["failed"] is True
    assert "b740lp1" in result["msg"] and "not a Virtual I/O Server" in result["msg"]
    assert result["lpar_env"] == "aixlinux"
    assert changes_in(lab.log(since=before)) == []


def test_unknown_vios(lab, run_playbook):
    rc, (result,) = run_playbook(msp_task(vios="nosuchvios", msp=True), twin=lab)
    assert rc != 0 and result["hscl_code"] == "HSCL8012"
