# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""powervm.lpm.vios_device against the HMC twin over SSH: check -> apply -> check -> apply."""

from __future__ import annotations

import shlex

import pytest

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"


def _single_path(data):
    """seed-lab with reserve_policy=single_path on b740vio2 hdisk2 (not mapped) and b740vio1 hdisk6 (backs b740lp1)."""
    wanted = {"b740vio2": "hdisk2", "b740vio1": "hdisk6"}
    for system in data["systems"]:
        for lpar in system["lpars"]:
            for disk in (lpar.get("vios") or {}).get("disks", []):
                if wanted.get(lpar["name"]) == disk["name"]:
                    disk["reserve_policy"] = "single_path"
    return data


@pytest.fixture(scope="module")
def lab(twin_factory):
    return twin_factory(mutate=_single_path)


def device_task(vios, system=P740, **options):
    return [{"name": "device attributes", "diff": True, "powervm.lpm.vios_device": {"system": system, "vios": vios, **options}}]


def vios_commands(log):
    """The VIOS commands (the -c of viosvrcmd) in a twin log slice."""
    return [shlex.split(entry["argv"][entry["argv"].index("-c") + 1]) for entry in log if entry["argv"][:1] == ["viosvrcmd"]]


def chdevs(log):
    return [argv for argv in vios_commands(log) if argv[0] == "chdev"]


def attr_on(twin, system, vios, device, attribute):
    command = shlex.join(["lsdev", "-dev", device, "-attr", attribute])
    out = twin.ctl("exec", "--hmc", twin.hmc, "--user", "hscroot", shlex.join(["viosvrcmd", "-m", system, "-p", vios, "-c", command]))
    return out.split()[-1]


def ladder(twin, run_playbook, tasks):
    """Check, apply, check, apply; returns the four results and the chdev commands each sent."""
    out = []
    for check in (True, False, True, False):
        before = twin.last_seq()
        rc, (result,) = run_playbook(tasks, twin=twin, check=check)
        assert rc == 0, result
        out.append((result, chdevs(twin.log(since=before))))
    return out


def test_ladder_on_a_free_disk(lab, run_playbook):
    assert attr_on(lab, P740, "b740vio2", "hdisk2", "reserve_policy") == "single_path"
    task = device_task("b740vio2", device="hdisk2", attributes={"reserve_policy": "no_reserve"})
    (check, sent0), (apply, sent1), (check2, sent2), (apply2, sent3) = ladder(lab, run_playbook, task)
    shown = f"viosvrcmd -m {P740} -p b740vio2 -c 'chdev -dev hdisk2 -attr reserve_policy=no_reserve'"
    assert check["changed"] is True and check["commands"] == [shown] and sent0 == []
    assert check["diff"] == {"before": {"hdisk2": {"reserve_policy": "single_path"}}, "after": {"hdisk2": {"reserve_policy": "no_reserve"}}}
    assert apply["changed"] is True and apply["commands"] == [shown] and apply["reboot_required"] is False
    assert sent1 == [["chdev", "-dev", "hdisk2", "-attr", "reserve_policy=no_reserve"]]
    assert attr_on(lab, P740, "b740vio2", "hdisk2", "reserve_policy") == "no_reserve"
    for result, sent in ((check2, sent2), (apply2, sent3)):
        assert result["changed"] is False and result["commands"] == [] and sent == []
        assert result["devices"]["hdisk2"]["after"] == {"reserve_policy": "no_reserve"}


def test_busy_disk_is_changed_with_perm(lab, run_playbook):
    task = device_task("b740vio1", select={"backing_of_lpars": ["b740lp1"]}, attributes={"reserve_policy": "no_reserve"})
    (check, sent0), (apply, sent1), (check2, _), (apply2, sent3) = ladder(lab, run_playbook, task)
    assert check["changed"] is True and sent0 == [] and check["reboot_required"] is False
    assert list(check["devices"]) == ["hdisk6"]
    assert apply["changed"] is True and apply["reboot_required"] is True and apply["pending_devices"] == ["hdisk6"]
    assert sent1 == [["chdev", "-dev", "hdisk6", "-attr", "reserve_policy=no_reserve"],
                     ["chdev", "-dev", "hdisk6", "-perm", "-attr", "reserve_policy=no_reserve"]]
    assert apply["commands"] == [f"viosvrcmd -m {P740} -p b740vio1 -c 'chdev -dev hdisk6 -perm -attr reserve_policy=no_reserve'"]
    # lsdev -attr shows the ODM value, which -perm has set: nothing left to change.
    assert attr_on(lab, P740, "b740vio1", "hdisk6", "reserve_policy") == "no_reserve"
    for result in (check2, apply2):
        assert result["changed"] is False and result["reboot_required"] is False
    assert sent3 == []


def test_busy_disk_without_perm_fails(twin_factory, run_playbook):
    lab = twin_factory(mutate=_single_path)
    before = lab.last_seq()
    rc, (result,) = run_playbook(device_task("b740vio1", device="hdisk6", attributes={"reserve_policy": "no_reserve"}, allow_perm=False),
                                 twin=lab)
    assert rc != 0 and result["failed"] is True
    assert "hdisk6 is busy" in result["msg"] and "0514-062" in result["msg"]
    assert result["devices"]["hdisk6"]["error"] is not None and result["commands"] == []
    assert chdevs(lab.log(since=before)) == [["chdev", "-dev", "hdisk6", "-attr", "reserve_policy=no_reserve"]]
    assert attr_on(lab, P740, "b740vio1", "hdisk6", "reserve_policy") == "single_path"


def test_vioslpm0_ladder(lab, run_playbook):
    task = device_task("b740vio1", device="vioslpm0", attributes={"cfg_msp_lpm_ops": 4, "concurrency_lvl": "2"})
    (check, sent0), (apply, sent1), (check2, sent2), (apply2, sent3) = ladder(lab, run_playbook, task)
    assert check["changed"] is True and sent0 == []
    assert sent1 == [["chdev", "-dev", "vioslpm0", "-attr", "cfg_msp_lpm_ops=4", "concurrency_lvl=2"]]
    assert apply["devices"]["vioslpm0"] == {"changed": True, "pending": False, "error": None,
                                            "before": {"cfg_msp_lpm_ops": "8", "concurrency_lvl": "3"},
                                            "after": {"cfg_msp_lpm_ops": "4", "concurrency_lvl": "2"}}
    assert (check2["changed"], apply2["changed"], sent2, sent3) == (False, False, [], [])


def test_backing_of_lpars_selects_the_mapped_disks(lab, run_playbook):
    before = lab.last_seq()
    rc, (result,) = run_playbook(device_task("b750vio1", system=P750, select={"backing_of_lpars": ["b750nl2", "b750db1", "b750db2"]},
                                             attributes={"reserve_policy": "no_reserve"}), twin=lab, check=True)
    assert rc == 0 and result["changed"] is False
    assert sorted(result["devices"]) == ["hdisk4", "hdisk5"]
    assert result["unmatched_lpars"] == ["b750db2"]  # NPIV only: no vSCSI adapter on the VIOS
    reads = [argv for argv in vios_commands(lab.log(since=before)) if argv[:2] == ["lsdev", "-dev"]]
    assert sorted(argv[2] for argv in reads) == ["hdisk4", "hdisk5"]


def test_san_disks_leave_rootvg_alone(lab, run_playbook):
    rc, (result,) = run_playbook(device_task("b750vio2", system=P750, select={"type": "san_disk"}, attributes={"queue_depth": "20"}),
                                 twin=lab, check=True)
    assert rc == 0 and sorted(result["devices"]) == ["hdisk4", "hdisk5", "hdisk6", "hdisk7"]


@pytest.mark.parametrize("attributes, message", [
    ({"no_such_attr": "1"}, "hdisk2 has no attribute no_such_attr"),
    ({"pvid": "none"}, "pvid is not user-settable"),
    ({"queue_depth": "999"}, "queue_depth=999 is not a legal value (legal: 1 to 256)"),
    ({"reserve_policy": "exclusive"}, "legal: no_reserve, single_path, PR_exclusive, PR_shared"),
])
def test_invalid_requests_change_nothing(lab, run_playbook, attributes, message):
    before = lab.last_seq()
    rc, (result,) = run_playbook(device_task("b740vio2", devices=["hdisk2", "hdisk3"], attributes=attributes), twin=lab)
    assert rc != 0 and message in result["msg"]
    assert chdevs(lab.log(since=before)) == []
