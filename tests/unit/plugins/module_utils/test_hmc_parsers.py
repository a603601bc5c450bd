# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcParseError
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_parsers import (
    is_no_results,
    parse_attributes,
    parse_element,
    parse_fields,
    parse_fields_with_header,
    parse_list_attribute,
    parse_lsdev_attr,
    parse_lsdev_single_attr,
    parse_lsmap_fmt,
    parse_table,
    split_list,
)


def test_sys_default_line_quoted_list_and_spaces(fixture_text):
    (record,) = parse_attributes(fixture_text("lssyscfg_sys_default.txt"))
    assert record["name"] == "sys-R1"
    assert record["state"] == "Operating"
    assert record["sys_time"] == "10/01/2026 03:43:04"
    assert record["power_on_type"] == "power on"
    assert record["state_detail"] == ""
    assert record["description"] == ""
    assert record["active_lpar_mobility_capable"] == "1"
    assert split_list(record["lpar_proc_compat_modes"]) == ["default", "POWER7", "POWER8", "POWER9", "POWER9_base"]
    assert len(record) == 51


def test_fields_output(fixture_text):
    rows = parse_fields(fixture_text("lssyscfg_sys_fields.txt"), ["name", "type_model", "serial_num", "state"])
    assert rows == [{"name": "9131-52A-6535CCG", "type_model": "9131-52A", "serial_num": "6535CCG", "state": "Operating"}]


def test_fields_single_quoted_value(fixture_text):
    (row,) = parse_fields(fixture_text("lssyscfg_sys_compat_modes_p11.txt"), ["lpar_proc_compat_modes"])
    assert split_list(row["lpar_proc_compat_modes"]) == ["default", "POWER9", "POWER9_base", "POWER10", "POWER11"]


def test_fields_count_mismatch_is_an_error(fixture_text):
    with pytest.raises(HmcParseError, match="expected 3 values"):
        parse_fields(fixture_text("lssyscfg_sys_fields.txt"), ["name", "type_model", "state"])


def test_fields_with_colon_delimiter_and_quoted_delimiter():
    rows = parse_fields('lpar1:Running\n"my:lpar":Not Activated\n', ["name", "state"], delimiter=":")
    assert rows == [{"name": "lpar1", "state": "Running"}, {"name": "my:lpar", "state": "Not Activated"}]


def test_header_output(fixture_text):
    assert parse_fields_with_header(fixture_text("lssyscfg_lpar_header.txt")) == [
        {"name": "lpar-c", "lpar_id": "3", "state": "Not Activated", "rmc_state": "inactive"}
    ]
    rows = parse_fields_with_header(fixture_text("lsrefcode_header.txt"))
    assert [r["refcode"] for r in rows] == ["B2001230 LP=00002", "D200C301"]
    assert rows[0]["time_stamp"] == "09/30/2026 20:41:31"


@pytest.mark.parametrize("parser", [parse_attributes, lambda t: parse_fields(t, ["name"]), parse_fields_with_header])
def test_no_results_is_empty(fixture_text, parser):
    text = fixture_text("no_results.txt")
    assert is_no_results(text)
    assert parser(text) == []


def test_profile_lists_and_slash_elements(fixture_text):
    (prof,) = parse_attributes(fixture_text("lssyscfg_prof_lp3.txt"))
    assert prof["hpt_ratio"] == "1:128"
    assert split_list(prof["io_slots"]) == []
    assert parse_list_attribute("virtual_serial_adapters", prof["virtual_serial_adapters"]) == [
        {"slot_num": "0", "adapter_type": "server", "supports_hmc": "1", "remote_lpar_id": "any", "remote_lpar_name": "",
         "remote_slot_num": "any", "is_required": "1"},
        {"slot_num": "1", "adapter_type": "server", "supports_hmc": "1", "remote_lpar_id": "any", "remote_lpar_name": "",
         "remote_slot_num": "any", "is_required": "1"},
    ]
    (scsi,) = parse_list_attribute("virtual_scsi_adapters", prof["virtual_scsi_adapters"])
    assert scsi == {"slot_num": "2", "adapter_type": "client", "remote_lpar_id": "100", "remote_lpar_name": "sys-R1-vios1",
                    "remote_slot_num": "3", "is_required": "0"}


def test_nested_doubled_quotes_in_fc_adapters(fixture_text):
    (prof,) = parse_attributes(fixture_text("lssyscfg_prof_nested_fc.txt"))
    adapters = parse_list_attribute("virtual_fc_adapters", prof["virtual_fc_adapters"])
    assert [a["wwpns"].split(",") for a in adapters] == [
        ["c05076058ba7001c", "c05076058ba7001d"],
        ["c05076058ba7001e", "c05076058ba7001f"],
    ]
    assert [a["remote_lpar_name"] for a in adapters] == ["vios1", "vios2"]
    assert [e["drc_index"] for e in parse_list_attribute("io_slots", prof["io_slots"])] == ["21010002", "21050003"]


def test_eth_element_optional_fields_and_extra():
    short = parse_element("virtual_eth_adapters", "10/0/955//0/1")
    assert short["port_vlan_id"] == "955" and "vswitch" not in short
    full = parse_element("virtual_eth_adapters", "10/0/955//0/1/vswitchprod//all/none")
    assert full["vswitch"] == "vswitchprod" and full["qos_priority"] == "none" and full["mac_addr"] == ""
    assert parse_element("io_slots", "21010200/none/1/newfield")["extra"] == "newfield"


def test_element_errors():
    with pytest.raises(HmcParseError, match="at least 6"):
        parse_element("virtual_scsi_adapters", "2/client/100")
    with pytest.raises(HmcParseError, match="no element grammar"):
        parse_element("unknown_attr", "1/2")


def test_mapping_elements(fixture_text):
    (row,) = parse_attributes(fixture_text("lslparmigr_virtualio.txt"))
    fc = [parse_element("virtual_fc_mappings", e) for e in split_list(row["suggested_virtual_fc_mappings"])]
    assert fc == [{"slot_num": "4", "dest_vios_name": "vios1b", "dest_vios_id": "1"},
                  {"slot_num": "5", "dest_vios_name": "vios2b", "dest_vios_id": "2"}]
    assert parse_element("virtual_fc_mappings", "4//1/40/fcs0")["dest_fc_port"] == "fcs0"


def test_lshwres_samples(fixture_text):
    (mem,) = parse_attributes(fixture_text("lshwres_mem_sys.txt"))
    assert mem["mem_region_size"] == "128"
    assert split_list(mem["possible_hpt_ratios"]) == ["1:32", "1:64", "1:128", "1:256", "1:512"]
    assert parse_fields(fixture_text("lshwres_mem_sys_fields.txt"), ["mem_region_size", "curr_avail_sys_mem"]) == [
        {"mem_region_size": "128", "curr_avail_sys_mem": "13696"}]
    mem_lpar, proc_lpar = parse_attributes(fixture_text("lshwres_lpar_mem_proc.txt"))
    assert mem_lpar["curr_mem"] == "6144" and proc_lpar["curr_proc_units"] == "0.3"
    fc_client, fc_server = parse_attributes(fixture_text("lshwres_virtualio_fc.txt"))
    assert split_list(fc_client["wwpns"]) == ["c0507609abcd0010", "c0507609abcd0011"]
    assert "wwpns" not in fc_server
    (eth,) = parse_attributes(fixture_text("lshwres_virtualio_eth.txt"))
    assert eth["addl_vlan_ids"] == "" and eth["mac_addr"] == "26E6B0002007"
    (slot,) = parse_attributes(fixture_text("lshwres_io_slot.txt"))
    assert slot["description"] == "PCIe2 4-port (10Gb FCoE & 1GbE) SR&RJ45 Adapter"
    assert split_list(slot["feature_codes"]) == ["5260", "5899"]
    assert [r["remote_lpar_name"] for r in parse_attributes(fixture_text("lshwres_virtualio_scsi.txt"))] == ["nim1", "vios1"]


def test_lshmc_multiline_quoted_values(fixture_text):
    (record,) = parse_attributes(fixture_text("lshmc_V.txt"))
    assert record["base_version"] == "V10R3\n"
    lines = record["version"].splitlines()
    assert lines[0] == " Version: 10"
    assert " Service Pack: 1070" in lines
    assert lines[-1] == "MF72001 - HMC V10R3 M1070"


def test_attribute_without_equals_is_an_error():
    with pytest.raises(HmcParseError, match="not an attr=value pair"):
        parse_attributes("name=a,...,state=Running")


def test_lsdev_attr_overflowing_value(fixture_text):
    rows = {r["attribute"]: r for r in parse_lsdev_attr(fixture_text("lsdev_hdisk31_attr.txt"))}
    assert len(rows) == 9
    assert rows["reserve_policy"] == {"attribute": "reserve_policy", "value": "no_reserve", "description": "Reserve Policy",
                                      "user_settable": "True+"}
    assert rows["unique_id"]["value"] == "240C50 13413252806OPEN-V07HITACHIfcp"
    assert rows["unique_id"]["description"] == "Unique device identifier"
    assert rows["hcheck_interval"]["description"] == "Health Check Interval"


def test_lsdev_attr_vioslpm0(fixture_text):
    rows = {r["attribute"]: r for r in parse_lsdev_attr(fixture_text("lsdev_vioslpm0_attr.txt"))}
    assert rows["cfg_msp_lpm_ops"]["value"] == "8"
    assert rows["cfg_msp_lpm_ops"]["description"] == "Configured number of concurrent LPM operations for this MSP"
    assert rows["max_vasi_ops"]["user_settable"] == "False"


def test_lsdev_attr_collapsed_whitespace():
    text = "attribute value description user_settable\n\nreserve_policy no_reserve Reserve Policy True+\n"
    assert parse_lsdev_attr(text) == [{"attribute": "reserve_policy", "value": "no_reserve", "description": "Reserve Policy",
                                       "user_settable": "True+"}]


def test_lsdev_attr_errors():
    with pytest.raises(HmcParseError, match="no 'attribute value' header"):
        parse_lsdev_attr("name status\nhdisk0 Available\n")


def test_lsdev_single_attr(fixture_text):
    assert parse_lsdev_single_attr(fixture_text("lsdev_single_attr.txt")) == "no_reserve"
    with pytest.raises(HmcParseError):
        parse_lsdev_single_attr("Some error text\n")


def test_whitespace_tables(fixture_text):
    devices = parse_table(fixture_text("lsdev_virtual.txt"))
    assert len(devices) == 9
    assert {"name": "vasi0", "status": "Available", "description": "Virtual Asynchronous Services Interface (VASI)"} in devices
    ports = parse_table(fixture_text("lsnports.txt"))
    assert ports[1] == {"name": "fcs1", "physloc": "U5803.001.9SS99BC-P2-C6-T2", "fabric": "1", "tports": "64", "aports": "58",
                        "swwpns": "2048", "awwpns": "2030"}
    assert parse_table("NAME PVID VG STATUS\nhdisk1 00f6a8a1d8c1b2a3 None\n") == [
        {"name": "hdisk1", "pvid": "00f6a8a1d8c1b2a3", "vg": "None", "status": ""}]


def test_lsmap_fmt_groups(fixture_text):
    (record,) = parse_lsmap_fmt(fixture_text("lsmap_vscsi_fmt.txt"), ["svsa", "clientid"], ["lun", "backing"])
    assert record.fields == {"svsa": "vhost0", "clientid": "0x00000002"}
    assert record.groups == ({"lun": "0x8200000000000000", "backing": "/var/vio/VMLibrary/x.iso"},
                             {"lun": "0x8100000000000000", "backing": "lp2vd2"})
    (net,) = parse_lsmap_fmt(fixture_text("lsmap_net_fmt.txt"), ["svea", "physloc", "sea", "backing", "status", "bdphysloc"])
    assert net.fields["sea"] == "ent10" and net.groups == ()
    (port,) = parse_lsmap_fmt(fixture_text("lsnports_fmt.txt"), ["name", "physloc", "fabric", "tports", "aports", "swwpns", "awwpns"],
                              delimiter="::")
    assert port.fields["awwpns"] == "2047"


def test_lsmap_fmt_errors(fixture_text):
    with pytest.raises(HmcParseError, match="not groups of 3"):
        parse_lsmap_fmt(fixture_text("lsmap_vscsi_fmt.txt"), ["svsa", "clientid"], ["vtd", "lun", "backing"])
    with pytest.raises(HmcParseError, match="trailing fields"):
        parse_lsmap_fmt(fixture_text("lsmap_vscsi_fmt.txt"), ["svsa", "clientid"])
