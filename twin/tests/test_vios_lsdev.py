"""lsdev through viosvrcmd: listings, -field/-fmt, attribute tables, single attributes, ranges."""
from __future__ import annotations

import pytest

from hmcsim.model import Disk
from vios_helpers import AIX_PREFIX, P740, WRAPPER, lpar, on_vios

# hmc-cli-facts.md §8.3 (KC-VIOSLPM0 / RHDISK0), byte for byte
VIOSLPM0 = """\
attribute       value description                                                 user_settable

cfg_msp_lpm_ops 8     Configured number of concurrent LPM operations for this MSP True
concurrency_lvl 3     Concurrency level                                           True
lpm_msnap_succ  1     Create mini-snap for successful migrations                  True
max_lpm_vasi    1     Maximum number of VASI adapters used for LPM operations     False
max_vasi_ops    8     Maximum number of concurrent LPM operations per VASI        False
tcp_port_high   0     TCP highest ephemeral port                                  True
tcp_port_low    0     TCP lowest ephemeral port                                   True
"""

VIRTUAL_740 = """\
name             status      description
ent4             Available   Virtual I/O Ethernet Adapter (l-lan)
ent5             Available   Virtual I/O Ethernet Adapter (l-lan)
vasi0            Available   Virtual Asynchronous Services Interface (VASI)
vhost0           Available   Virtual SCSI Server Adapter
vsa0             Available   LPAR Virtual Serial Adapter
vtscsi0          Available   Virtual Target Device - Disk
ent8             Available   Shared Ethernet Adapter
"""


def test_vioslpm0_attribute_table_matches_the_documented_layout(run):
    result = on_vios(run, "lsdev -dev vioslpm0 -attr")
    assert (result.rc, result.stdout) == (0, VIOSLPM0)


def test_virtual_devices_in_name_order_with_the_sea_last(run):
    result = on_vios(run, "lsdev -virtual", vios="b740vio1", system=P740)
    assert (result.rc, result.stdout) == (0, VIRTUAL_740)


def test_vasi0_line_as_the_field_guide_greps_it(run):
    lines = on_vios(run, "lsdev -virtual").stdout.splitlines()
    assert "vasi0            Available   Virtual Asynchronous Services Interface (VASI)" in lines


def test_no_vasi_and_no_vioslpm0_when_the_model_says_so(run, estate):
    vios = lpar(estate, "b750vio1")[1].vios
    vios.vasi = False
    vios.ioslevel = "2.2.1.4"
    names = [line.split()[0] for line in on_vios(run, "lsdev").stdout.splitlines()[1:]]
    assert "vasi0" not in names and "vioslpm0" not in names
    result = on_vios(run, "lsdev -dev vioslpm0 -attr")
    assert (result.rc, result.stdout) == (2, WRAPPER + 'Device "vioslpm0" is not in AVAILABLE state.\n')


def test_single_attribute_prints_value_heading_blank_line_value(run):
    result = on_vios(run, "lsdev -dev hdisk4 -attr reserve_policy")
    assert (result.rc, result.stdout) == (0, "value\n\nno_reserve\n")


def test_single_attribute_follows_the_model(run, estate):
    lpar(estate, "b750vio1")[1].vios.vioslpm0["cfg_msp_lpm_ops"] = "4"
    assert on_vios(run, "lsdev -dev vioslpm0 -attr cfg_msp_lpm_ops").stdout == "value\n\n4\n"


def test_disk_attribute_table(run):
    lines = on_vios(run, "lsdev -dev hdisk5 -attr").stdout.splitlines()
    assert lines[0].split() == ["attribute", "value", "description", "user_settable"]
    assert lines[1] == ""
    rows = {line.split()[0]: line for line in lines[2:]}
    assert list(rows) == sorted(rows)          # ASCII order: PCM first
    assert rows["reserve_policy"].split() == ["reserve_policy", "no_reserve", "Reserve", "Policy", "True+"]
    assert rows["lun_id"].split()[1] == "0x2000000000000"
    assert rows["pvid"].split()[1] == "none"
    # every row is padded to the same columns
    value_col = lines[0].index("value")
    assert all(line[value_col - 1] == " " and line[value_col] != " " for line in lines[2:])


def test_rootvg_disk_has_a_pvid(run):
    table = on_vios(run, "lsdev -dev hdisk0 -attr").stdout
    rows = {line.split()[0]: line.split()[1] for line in table.splitlines()[2:]}
    assert len(rows["pvid"]) == 32 and rows["pvid"].endswith("0" * 16) and rows["pvid"].startswith("00f6")
    assert rows["reserve_policy"] == "single_path"
    assert rows["size_in_mb"] == "286102"


def test_unknown_attribute(run):
    result = on_vios(run, "lsdev -dev hdisk4 -attr reserve")
    assert result.rc == 1
    assert result.stdout == (WRAPPER + AIX_PREFIX + 'lsattr: 0514-528 The "reserve" attribute does not exist in the '
                             "predefined\n\tdevice configuration database.\n")


def test_unknown_device(run):
    result = on_vios(run, "lsdev -dev hdisk99")
    assert (result.rc, result.stdout) == (2, WRAPPER + 'Device "hdisk99" is not in AVAILABLE state.\n')


def test_range_of_a_list_and_of_a_numeric_attribute(run):
    assert on_vios(run, "lsdev -dev hdisk4 -range reserve_policy").stdout == (
        "no_reserve\nsingle_path\nPR_exclusive\nPR_shared\n")
    assert on_vios(run, "lsdev -dev vioslpm0 -range cfg_msp_lpm_ops").stdout == "1...8 (+1)\n"
    assert on_vios(run, "lsdev -dev vioslpm0 -range concurrency_lvl").stdout == "1...5 (+1)\n"


def test_type_sea_and_type_disk_with_fields_and_delimiter(run):
    assert on_vios(run, "lsdev -type sea").stdout == (
        "name             status      description\nent8             Available   Shared Ethernet Adapter\n")
    result = on_vios(run, "lsdev -type disk -field name physloc -fmt :")
    assert result.stdout.splitlines() == [
        "hdisk0:U78A0.001.DNWK7G4-P2-D1",
        "hdisk4:U78A0.001.DNWK7G4-P1-C3-T1-W5005076801CE0F48-L1000000000000",
        "hdisk5:U78A0.001.DNWK7G4-P1-C3-T1-W5005076801CE0F48-L2000000000000",
        "hdisk6:U78A0.001.DNWK7G4-P1-C3-T1-W5005076801CE0F48-L3000000000000",
        "hdisk7:U78A0.001.DNWK7G4-P1-C3-T1-W5005076801CE0F48-L4000000000000"]


def test_fields_without_delimiter_print_a_heading(run):
    result = on_vios(run, "lsdev -dev fcs1 -field name physloc status")
    assert result.stdout == ("name             physloc                                  status\n"
                             "fcs1             U78A0.001.DNWK7G4-P1-C3-T2               Available\n")


def test_adapters_include_physical_and_virtual(run):
    names = [line.split(":")[0] for line in on_vios(run, "lsdev -type adapter -fmt , -field name").stdout.splitlines()]
    assert names == ["ent0", "ent1", "ent2", "ent3", "ent4", "ent5", "fcs0", "fcs1", "vasi0", "vfchost0",
                     "vfchost1", "vfchost2", "vfchost3", "vfchost4", "vhost0", "vhost1", "vhost2", "vhost3",
                     "vsa0", "ent8"]


def test_ent_types_for_sea_building(run):
    assert on_vios(run, "lsdev -type ent4sea -field name -fmt :").stdout == "ent1\nent2\nent3\n"
    # slot 11 is the SEA's trunk; no other trunk adapter is free
    assert on_vios(run, "lsdev -type vent4sea -field name -fmt :").stdout == ""


def test_children_and_parent(run):
    assert on_vios(run, "lsdev -dev fcs0 -child -field name -fmt :").stdout == "fscsi0\n"
    assert on_vios(run, "lsdev -dev vtscsi2 -parent").stdout == "parent\n\nvhost2\n"


def test_physical_location_lookup(run):
    result = on_vios(run, "lsdev -plc U8233.E8B.069348P-V1-C31")
    assert result.stdout.splitlines()[1].split()[0] == "vhost1"


@pytest.mark.parametrize("command, flag, value", [("lsdev -type bogus", "-type", "bogus"),
                                                  ("lsdev -state gone", "-state", "gone"),
                                                  ("lsdev -field name size", "-field", "size")])
def test_invalid_flag_values(run, command, flag, value):
    result = on_vios(run, command)
    expected = WRAPPER + f'lsdev: "{value}" is not a valid value for the "{flag}" flag.\n'
    assert (result.rc, result.stdout) == (1, expected)


def test_logical_volume_and_optical_devices(run, estate):
    vios = lpar(estate, "b750vio1")[1].vios
    vios.disks.append(Disk(name="lv_client1", lun="lv-1", kind="lv"))
    vios.optical.append("cd0")
    listing = on_vios(run, "lsdev -type lv -type optical").stdout.splitlines()
    assert listing[1:] == ["cd0              Available   SATA DVD-RAM Drive",
                           "lv_client1       Available   Logical volume"]
