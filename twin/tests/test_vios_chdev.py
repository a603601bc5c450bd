"""chdev through viosvrcmd: validation, busy devices, -perm pending values, writes into the model."""
from __future__ import annotations

import pytest

from hmcsim.vios import apply_pending, on_restart, pending_changes
from hmcsim.vios.data import rules
from vios_helpers import AIX_PREFIX, P740, WRAPPER, disk, lpar, on_vios

BUSY_DISK = (WRAPPER + AIX_PREFIX + "Method error (/usr/lib/methods/chgdisk):\n"
             "\t0514-062 Cannot perform the requested function because the\n"
             "\t         specified device is busy.\n")


def bad_values(method: str, *lines: str) -> str:
    return (WRAPPER + AIX_PREFIX + f"Method error ({method}):\n"
            "\t0514-018 The values specified for the following attributes \n"
            "\t         are not valid:\n" + "".join(line + "\n" for line in lines))


def test_vioslpm0_change_prints_changed_and_writes_the_model(run, estate):
    result = on_vios(run, "chdev -dev vioslpm0 -attr cfg_msp_lpm_ops=4 concurrency_lvl=1")
    assert (result.rc, result.stdout) == (0, "vioslpm0 changed\n")
    assert lpar(estate, "b750vio1")[1].vios.vioslpm0 == {"cfg_msp_lpm_ops": "4", "concurrency_lvl": "1"}
    assert on_vios(run, "lsdev -dev vioslpm0 -attr cfg_msp_lpm_ops").stdout == "value\n\n4\n"
    assert lpar(estate, "b750vio2")[1].vios.vioslpm0 == {}


@pytest.mark.parametrize("attr, value", [("cfg_msp_lpm_ops", "0"), ("cfg_msp_lpm_ops", "9"),
                                         ("cfg_msp_lpm_ops", "four"), ("concurrency_lvl", "6"),
                                         ("concurrency_lvl", "0"), ("lpm_msnap_succ", "2"),
                                         ("tcp_port_high", "65536")])
def test_vioslpm0_range_violations(run, estate, attr, value):
    result = on_vios(run, f"chdev -dev vioslpm0 -attr {attr}={value}")
    description = {"cfg_msp_lpm_ops": "Configured number of concurrent LPM operations for this MSP",
                   "concurrency_lvl": "Concurrency level",
                   "lpm_msnap_succ": "Create mini-snap for successful migrations",
                   "tcp_port_high": "TCP highest ephemeral port"}[attr]
    assert result.rc == 1
    assert result.stdout == bad_values("/usr/lib/methods/chgvioslpm", f"    {attr}        {description}")
    assert lpar(estate, "b750vio1")[1].vios.vioslpm0 == {}


@pytest.mark.parametrize("value", ["1", "8"])
def test_vioslpm0_range_bounds_are_legal(run, estate, value):
    assert on_vios(run, f"chdev -dev vioslpm0 -attr cfg_msp_lpm_ops={value}").rc == 0
    assert lpar(estate, "b750vio1")[1].vios.vioslpm0["cfg_msp_lpm_ops"] == value


def test_attribute_that_is_not_user_settable(run):
    result = on_vios(run, "chdev -dev vioslpm0 -attr max_vasi_ops=16")
    assert result.stdout == bad_values("/usr/lib/methods/chgvioslpm",
                                       "    max_vasi_ops        Maximum number of concurrent LPM operations per VASI")


def test_unknown_attribute_names(run):
    result = on_vios(run, "chdev -dev vioslpm0 -attr cfg_msp_lpm_ops=4 bogus=1")
    assert result.rc == 1
    assert result.stdout == (WRAPPER + AIX_PREFIX + "Method error (/usr/lib/methods/chgvioslpm):\n"
                             "\t0514-017 The following attributes are not valid for the\n"
                             "\t         specified device:\n    bogus\n")


def test_one_bad_value_changes_nothing(run, estate):
    target = disk(estate, "b740vio1", "hdisk2")
    result = on_vios(run, "chdev -dev hdisk2 -attr queue_depth=32 reserve_policy=exclusive", vios="b740vio1",
                     system=P740)
    assert result.stdout == bad_values("/usr/lib/methods/chgdisk", "    reserve_policy        Reserve Policy")
    assert target.reserve_policy == "no_reserve"
    assert lpar(estate, "b740vio1")[1].vios.device_attrs == {}


@pytest.mark.parametrize("policy", ["no_reserve", "single_path", "PR_exclusive", "PR_shared"])
def test_reserve_policy_values_on_a_disk_nobody_uses(run, estate, policy):
    target = disk(estate, "b740vio1", "hdisk3")
    target.reserve_policy = "PR_exclusive" if policy != "PR_exclusive" else "no_reserve"
    result = on_vios(run, f"chdev -dev hdisk3 -attr reserve_policy={policy}", vios="b740vio1", system=P740)
    assert (result.rc, result.stdout) == (0, "hdisk3 changed\n")
    assert (target.reserve_policy, target.pending_attrs) == (policy, {})


def test_attribute_without_a_model_field_is_kept_per_device(run, estate):
    on_vios(run, "chdev -dev hdisk2 -attr queue_depth=64 algorithm=round_robin", vios="b740vio1", system=P740)
    assert lpar(estate, "b740vio1")[1].vios.device_attrs == {
        "hdisk2": {"queue_depth": "64", "algorithm": "round_robin"}}
    table = on_vios(run, "lsdev -dev hdisk2 -attr", vios="b740vio1", system=P740).stdout
    rows = {line.split()[0]: line.split()[1] for line in table.splitlines()[2:]}
    assert (rows["queue_depth"], rows["algorithm"]) == ("64", "round_robin")
    other = on_vios(run, "lsdev -dev hdisk3 -attr queue_depth", vios="b740vio1", system=P740).stdout
    assert other == "value\n\n20\n"


def test_disk_mapped_to_a_running_client_is_busy(run, estate):
    result = on_vios(run, "chdev -dev hdisk4 -attr reserve_policy=single_path")
    assert (result.rc, result.stdout) == (1, BUSY_DISK)
    assert disk(estate, "b750vio1", "hdisk4").reserve_policy == "no_reserve"


def test_disk_mapped_to_a_client_that_is_down_can_change(run, estate):
    lpar(estate, "b750nl2")[1].state = "Not Activated"
    result = on_vios(run, "chdev -dev hdisk4 -attr reserve_policy=single_path")
    assert (result.rc, result.stdout) == (0, "hdisk4 changed\n")
    assert disk(estate, "b750vio1", "hdisk4").reserve_policy == "single_path"


def test_busy_as_soon_as_mapped_when_the_rule_says_so(run, estate, monkeypatch):
    monkeypatch.setitem(rules("chdev"), "busy_when_mapped", "always")
    lpar(estate, "b750nl2")[1].state = "Not Activated"
    assert on_vios(run, "chdev -dev hdisk4 -attr reserve_policy=single_path").stdout == BUSY_DISK


def test_rootvg_disk_is_always_busy(run):
    assert on_vios(run, "chdev -dev hdisk0 -attr queue_depth=8").stdout == BUSY_DISK


def test_same_value_on_a_busy_disk_still_prints_changed(run, estate):
    result = on_vios(run, "chdev -dev hdisk4 -attr reserve_policy=no_reserve")
    assert (result.rc, result.stdout) == (0, "hdisk4 changed\n")
    assert disk(estate, "b750vio1", "hdisk4").pending_attrs == {}


def test_same_value_busy_rule(run, monkeypatch):
    monkeypatch.setitem(rules("chdev"), "same_value_busy", True)
    assert on_vios(run, "chdev -dev hdisk4 -attr reserve_policy=no_reserve").stdout == BUSY_DISK


def test_repeating_a_change_prints_changed_each_time(run, estate):
    for _ in range(2):
        result = on_vios(run, "chdev -dev vioslpm0 -attr concurrency_lvl=2")
        assert (result.rc, result.stdout) == (0, "vioslpm0 changed\n")
    assert lpar(estate, "b750vio1")[1].vios.vioslpm0 == {"concurrency_lvl": "2"}


def test_perm_on_a_busy_disk_waits_for_a_restart(run, estate):
    target = disk(estate, "b750vio1", "hdisk4")
    result = on_vios(run, "chdev -dev hdisk4 -perm -attr reserve_policy=single_path")
    assert (result.rc, result.stdout) == (0, "hdisk4 changed\n")
    # in effect: unchanged (HMC-side validation reads this); in the ODM: pending
    assert target.reserve_policy == "no_reserve"
    assert target.pending_attrs == {"reserve_policy": "single_path"}
    vios = lpar(estate, "b750vio1")[1].vios
    assert pending_changes(vios) == {"hdisk4": {"reserve_policy": "single_path"}}
    # lsdev shows the ODM value, as AIX lsattr -E does
    assert on_vios(run, "lsdev -dev hdisk4 -attr reserve_policy").stdout == "value\n\nsingle_path\n"


def test_perm_value_shown_only_after_restart_when_the_rule_says_running(run, estate, monkeypatch):
    monkeypatch.setitem(rules("lsdev"), "attr_shows", "running")
    on_vios(run, "chdev -dev hdisk4 -attr reserve_policy=single_path -perm")
    assert on_vios(run, "lsdev -dev hdisk4 -attr reserve_policy").stdout == "value\n\nno_reserve\n"
    ms, vio1 = lpar(estate, "b750vio1")
    assert on_restart(ms, vio1) == {"hdisk4": {"reserve_policy": "single_path"}}
    assert on_vios(run, "lsdev -dev hdisk4 -attr reserve_policy").stdout == "value\n\nsingle_path\n"
    target = disk(estate, "b750vio1", "hdisk4")
    assert (target.reserve_policy, target.pending_attrs) == ("single_path", {})


def test_perm_back_to_the_value_in_effect_cancels_the_pending_one(run, estate):
    on_vios(run, "chdev -dev hdisk4 -attr reserve_policy=single_path -perm")
    on_vios(run, "chdev -dev hdisk4 -attr reserve_policy=no_reserve -perm")
    assert disk(estate, "b750vio1", "hdisk4").pending_attrs == {}


def test_change_in_effect_clears_a_pending_value(run, estate):
    target = disk(estate, "b740vio1", "hdisk5")
    on_vios(run, "chdev -dev hdisk5 -perm -attr reserve_policy=PR_shared", vios="b740vio1", system=P740)
    assert target.pending_attrs == {"reserve_policy": "PR_shared"}
    on_vios(run, "chdev -dev hdisk5 -attr reserve_policy=single_path", vios="b740vio1", system=P740)
    assert (target.reserve_policy, target.pending_attrs) == ("single_path", {})


def test_perm_on_other_devices_is_kept_on_the_vios(run, estate):
    vios = lpar(estate, "b750vio1")[1].vios
    result = on_vios(run, "chdev -dev ent8 -attr jumbo_frames=yes -perm")
    assert (result.rc, result.stdout) == (0, "ent8 changed\n")
    assert vios.pending_attrs == {"ent8": {"jumbo_frames": "yes"}}
    assert vios.seas[0].jumbo_frames == "no"
    assert apply_pending(vios) == {"ent8": {"jumbo_frames": "yes"}}
    assert (vios.seas[0].jumbo_frames, vios.pending_attrs) == ("yes", {})


def test_open_sea_is_busy_for_static_attributes(run, estate):
    result = on_vios(run, "chdev -dev ent8 -attr jumbo_frames=yes")
    assert result.stdout == (WRAPPER + AIX_PREFIX + "Method error (/usr/lib/methods/chgsea):\n"
                             "\t0514-062 Cannot perform the requested function because the\n"
                             "\t         specified device is busy.\n")
    assert lpar(estate, "b750vio1")[1].vios.seas[0].jumbo_frames == "no"


def test_sea_topology_is_not_settable(run):
    result = on_vios(run, "chdev -dev ent8 -attr real_adapter=ent1")
    assert result.stdout == bad_values("/usr/lib/methods/chgsea",
                                       "    real_adapter        Physical adapter associated with the SEA")


def test_sea_standby_fails_over_to_the_partner(run, estate):
    vio1 = lpar(estate, "b750vio1")[1].vios
    vio2 = lpar(estate, "b750vio2")[1].vios
    result = on_vios(run, "chdev -dev ent8 -attr ha_mode=standby")
    assert (result.rc, result.stdout) == (0, "ent8 changed\n")
    assert (vio1.seas[0].ha_mode, vio1.seas[0].state, vio2.seas[0].state) == ("standby", "BACKUP", "PRIMARY")
    on_vios(run, "chdev -dev ent8 -attr ha_mode=auto")
    assert (vio1.seas[0].state, vio2.seas[0].state) == ("PRIMARY", "BACKUP")


def test_sea_sharing_on_both_sides(run, estate):
    on_vios(run, "chdev -dev ent8 -attr ha_mode=sharing")
    on_vios(run, "chdev -dev ent8 -attr ha_mode=sharing", vios="b750vio2")
    states = [lpar(estate, v)[1].vios.seas[0].state for v in ("b750vio1", "b750vio2")]
    assert states == ["PRIMARY_SH", "BACKUP_SH"]


def test_sea_largesend_is_written_as_the_model_type(run, estate):
    on_vios(run, "chdev -dev ent8 -attr largesend=0")
    assert lpar(estate, "b750vio1")[1].vios.seas[0].largesend == 0


@pytest.mark.parametrize("command, text", [
    ("chdev -attr reserve_policy=no_reserve", 'chdev: The "-dev" flag is required.'),
    ("chdev -dev hdisk4", 'chdev: The "-attr" flag is required.'),
    ("chdev -dev hdisk4 -attr", 'chdev: The "-attr" flag is required.'),
    ("chdev -dev hdisk4 -attr reserve_policy", 'chdev: "reserve_policy" is not a valid value for the "-attr" flag.'),
    ("chdev -dev nosuch -attr a=b", 'Device "nosuch" is not in AVAILABLE state.'),
])
def test_usage_errors(run, command, text):
    result = on_vios(run, command)
    assert result.rc in (1, 2)
    assert result.stdout == WRAPPER + text + "\n"
