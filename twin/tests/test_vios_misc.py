"""ioslevel, lsnports, lspv and entstat through viosvrcmd."""
from __future__ import annotations

from hmcsim.model import FcPort
from vios_helpers import P740, WRAPPER, lpar, on_vios

LSNPORTS_750 = """\
name             physloc                        fabric tports aports swwpns  awwpns
fcs0             U78A0.001.DNWK7G4-P1-C3-T1          1     64     59   2048    2038
fcs1             U78A0.001.DNWK7G4-P1-C3-T2          1     64     64   2048    2048
"""


def on_740(run, command):
    return on_vios(run, command, vios="b740vio1", system=P740)


def test_ioslevel(run, estate):
    assert on_vios(run, "ioslevel").stdout == "2.2.3.3\n"
    lpar(estate, "b740vio2")[1].vios.ioslevel = "3.1.4.10"
    assert on_vios(run, "ioslevel", vios="b740vio2", system=P740).stdout == "3.1.4.10\n"


def test_ioslevel_takes_no_flags(run):
    assert on_vios(run, "ioslevel -x").stdout == WRAPPER + 'ioslevel: The "-x" flag is not valid.\n'


def test_lsnports_layout_counts_what_the_vfchosts_use(run):
    # five vfchosts on fcs0: 64-5 ports and 2048-2*5 WWPNs left
    result = on_vios(run, "lsnports")
    assert (result.rc, result.stdout) == (0, LSNPORTS_750)


def test_lsnports_fmt(run):
    assert on_vios(run, 'lsnports -fmt "::"').stdout == (
        "fcs0::U78A0.001.DNWK7G4-P1-C3-T1::1::64::59::2048::2038\n"
        "fcs1::U78A0.001.DNWK7G4-P1-C3-T2::1::64::64::2048::2048\n")


def test_lsnports_fabric_flag_and_exhausted_port(run, estate):
    vios = lpar(estate, "b740vio1")[1].vios
    vios.fc_ports[1].fabric = ""
    vios.fc_ports[0].aports = 0
    lines = on_740(run, "lsnports -fmt :").stdout.splitlines()
    assert lines == ["fcs0:U78AA.001.WZSH0K1-P1-C2-T1:1:64:0:2048:2048",
                     "fcs1:U78AA.001.WZSH0K1-P1-C2-T2:0:64:64:2048:2048"]


def test_lsnports_without_npiv_ports_ends_with_62(run, estate):
    for port in lpar(estate, "b740vio1")[1].vios.fc_ports:
        port.npiv = False
    result = on_740(run, "lsnports")
    assert (result.rc, result.stdout) == (62, WRAPPER.rstrip(" \n") + " \n")


def test_lsnports_derives_a_location_when_the_scenario_has_none(run, estate):
    lpar(estate, "b740vio1")[1].vios.fc_ports.append(FcPort(name="fcs2", fabric="FAB_A"))
    assert on_740(run, "lsnports -fmt :").stdout.splitlines()[2] == "fcs2:U78AA.001.WZSH0K1-P1-C3-T3:1:64:64:2048:2048"


def test_lspv_default_layout(run):
    result = on_740(run, "lspv")
    lines = result.stdout.splitlines()
    assert lines[0] == "NAME             PVID                                 VG               STATUS"
    assert lines[1].startswith("hdisk0           00f6") and lines[1].endswith("     rootvg           active")
    assert lines[2:] == [f"hdisk{n}           none                                 None" for n in range(2, 7)]


def test_lspv_free_lists_disks_outside_volume_groups_and_mappings(run, estate):
    assert on_740(run, "lspv -free").stdout == (
        "NAME            PVID                                SIZE(megabytes)\n"
        "hdisk2          none                                51200\n"
        "hdisk3          none                                51200\n"
        "hdisk4          none                                51200\n"
        "hdisk5          none                                51200\n")
    lpar(estate, "b740vio1")[1].scsi[0].backing.append("hdisk3")
    assert on_740(run, "lspv -avail -fmt : -field name pvid size").stdout == (
        "hdisk2:none:51200\nhdisk4:none:51200\nhdisk5:none:51200\n")


def test_lspv_shows_a_pvid_from_the_scenario(run, estate):
    target = next(d for d in lpar(estate, "b740vio1")[1].vios.disks if d.name == "hdisk4")
    target.pvid = "00f6a8a1e0a1b2c3"
    assert "hdisk4:00f6a8a1e0a1b2c3:None:" in on_740(run, "lspv -fmt :").stdout.splitlines()
    assert on_740(run, "lsdev -dev hdisk4 -attr pvid").stdout == "value\n\n00f6a8a1e0a1b2c30000000000000000\n"


def sea_lines(run, vios="b750vio1"):
    result = on_vios(run, "entstat -all ent8", vios=vios)
    assert result.rc == 0
    return result.stdout.splitlines()


def test_entstat_sea_failover_block(run):
    lines = sea_lines(run)
    assert lines[:2] == ["ETHERNET STATISTICS (ent8) :", "Device Type: Shared Ethernet Adapter"]
    start = lines.index("High Availability Statistics:")
    assert lines[start + 1:start + 5] == ["    State: PRIMARY", "    Bridge Mode: All",
                                          "    High Availability Mode: Auto", "    Priority: 1"]
    assert "Statistics for adapters in the Shared Ethernet Adapter ent8" in lines
    assert "Physical Port Link Status: Up" in lines
    assert "Real Adapter: ent0" in lines


def test_entstat_vlans_bridged_and_flags(run):
    lines = sea_lines(run)
    assert lines[lines.index("VLAN Ids :") + 1] == "    ent4: 1 10 20 30"
    assert "SEA Flags: 00000013" in lines
    assert "  Priority: 1  Active: True" in lines


def test_entstat_backup_side(run):
    lines = sea_lines(run, vios="b750vio2")
    assert "    State: BACKUP" in lines and "    Priority: 2" in lines and "    Bridge Mode: None" in lines
    assert "  Priority: 2  Active: False" in lines


def test_entstat_link_down_and_flags_follow_the_model(run, estate):
    sea = lpar(estate, "b750vio1")[1].vios.seas[0]
    sea.link_up = False
    sea.largesend = 0
    lines = sea_lines(run)
    assert "Physical Port Link Status: Down" in lines
    assert "SEA Flags: 00000011" in lines and "    < LARGESEND >" not in lines


def test_entstat_after_a_failover_by_chdev(run):
    on_vios(run, "chdev -dev ent8 -attr ha_mode=standby")
    assert "    High Availability Mode: Standby" in sea_lines(run)
    assert "    State: BACKUP" in sea_lines(run)
    assert "    State: PRIMARY" in sea_lines(run, vios="b750vio2")


def test_entstat_without_all_has_no_sea_details(run):
    lines = on_vios(run, "entstat ent8").stdout.splitlines()
    assert lines[0] == "ETHERNET STATISTICS (ent8) :"
    assert "High Availability Statistics:" not in lines


def test_entstat_of_a_virtual_adapter(run):
    lines = on_vios(run, "entstat ent5").stdout.splitlines()
    assert lines[-3:] == ["Port VLAN ID:    99", "VLAN Tag IDs:  None", "Switch ID: ETHERNET0"]


def test_entstat_elapsed_time_follows_the_clock(run, estate):
    estate.clock.advance(93784)
    assert "Elapsed Time: 1 days 2 hours 3 minutes 4 seconds" in on_vios(run, "entstat ent0").stdout.splitlines()


def test_entstat_of_something_else(run):
    result = on_vios(run, "entstat vhost0")
    expected = WRAPPER + "entstat: 0909-003 Unable to connect to device vhost0, errno = 19\n"
    assert (result.rc, result.stdout) == (1, expected)
