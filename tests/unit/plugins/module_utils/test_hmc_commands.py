# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import csv
import io
import shlex

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_commands import (
    build_filter,
    build_input_data,
    check_name,
    lshmc_version,
    lshwres,
    lslparmigr,
    lsrefcode,
    lssyscfg,
    viosvrcmd,
)
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcInputError
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_parsers import parse_attributes, split_list

HOSTILE = [
    "it's",
    'say "hi"',
    "a;reboot",
    "$(rm -rf /)",
    "`id`",
    "two  spaces ",
    "Mürren-Ωmega-分区",
    "-dash",
    "*glob?",
    "back\\slash",
    "semi;colon|pipe&amp",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_stay_one_argv_element(name):
    argv = viosvrcmd(name, name, ["ioslevel"])
    assert argv[:6] == ["viosvrcmd", "-m", name, "-p", name, "-c"]
    assert shlex.split(shlex.join(argv)) == argv


@pytest.mark.parametrize("name", [n for n in HOSTILE if '"' not in n])
def test_hostile_names_in_filter_round_trip(name):
    argv = lssyscfg("lpar", "sys 1", filters={"lpar_names": [name, "other"]}, fields=["name", "state"])
    assert shlex.split(shlex.join(argv)) == argv
    value = argv[argv.index("--filter") + 1]
    (pair,) = next(csv.reader(io.StringIO(value)))[:1]
    assert split_list(pair.partition("=")[2]) == [name, "other"]


def test_lssyscfg_forms():
    assert lssyscfg("sys") == ["lssyscfg", "-r", "sys"]
    assert lssyscfg("sys", "S1", fields=["name", "state"]) == ["lssyscfg", "-r", "sys", "-m", "S1", "-F", "name,state"]
    assert lssyscfg("prof", "S1", filters={"lpar_names": "lp3", "profile_names": "default_profile"}) == [
        "lssyscfg", "-r", "prof", "-m", "S1", "--filter", "lpar_names=lp3,profile_names=default_profile"]
    assert lssyscfg("lpar", "S1", fields=["name"], header=True)[-3:] == ["-F", "name", "--header"]
    with pytest.raises(HmcInputError, match="needs a managed system"):
        lssyscfg("lpar")
    with pytest.raises(HmcInputError, match="needs a field list"):
        lssyscfg("lpar", "S1", header=True)
    with pytest.raises(HmcInputError, match="invalid HMC attribute name"):
        lssyscfg("lpar", "S1", fields=["name;id"])


def test_filter_quotes_multi_value_pairs():
    assert build_filter({"lpar_names": ["a", "b"], "profile_names": "p"}) == '"lpar_names=a,b",profile_names=p'
    assert build_filter({"lpar_ids": [3, 4]}) == '"lpar_ids=3,4"'
    for bad in ("a,b", "x=y", 'q"', "line\nbreak"):
        with pytest.raises(HmcInputError, match="cannot be used"):
            build_filter({"lpar_names": bad})
    with pytest.raises(HmcInputError):
        build_filter({})


def test_lshwres_forms():
    assert lshwres("mem", "S1", level="sys", fields=["mem_region_size"]) == [
        "lshwres", "-r", "mem", "-m", "S1", "--level", "sys", "-F", "mem_region_size"]
    assert lshwres("proc", "S1", level="lpar", filters={"lpar_names": "lp1"}) == [
        "lshwres", "-r", "proc", "-m", "S1", "--level", "lpar", "--filter", "lpar_names=lp1"]
    assert lshwres("virtualio", "S1", level="lpar", rsubtype="fc") == [
        "lshwres", "-r", "virtualio", "--rsubtype", "fc", "-m", "S1", "--level", "lpar"]
    assert lshwres("io", "S1", rsubtype="slot") == ["lshwres", "-r", "io", "--rsubtype", "slot", "-m", "S1"]
    with pytest.raises(HmcInputError, match="needs --level"):
        lshwres("mem", "S1")
    with pytest.raises(HmcInputError, match="does not take --level"):
        lshwres("virtualio", "S1", level="sys", rsubtype="scsi")
    with pytest.raises(HmcInputError, match="unsupported"):
        lshwres("virtualio", "S1", level="lpar", rsubtype="hsl")


def test_lslparmigr_forms():
    assert lslparmigr("sys", "SRC") == ["lslparmigr", "-r", "sys", "-m", "SRC"]
    assert lslparmigr("msp", "SRC", "TGT", filters={"lpar_names": "mobile1"}) == [
        "lslparmigr", "-r", "msp", "-m", "SRC", "-t", "TGT", "--filter", "lpar_names=mobile1"]
    for resource in ("msp", "virtualio", "procpool"):
        with pytest.raises(HmcInputError, match="needs a target"):
            lslparmigr(resource, "SRC")


def test_lsrefcode_and_lshmc():
    assert lsrefcode("lpar", "SYS", filters={"lpar_names": "lp1"}, count=3, fields=["lpar_name", "time_stamp", "refcode"], header=True) == [
        "lsrefcode", "-r", "lpar", "-m", "SYS", "-n", "3", "--filter", "lpar_names=lp1", "-F", "lpar_name,time_stamp,refcode", "--header"]
    with pytest.raises(HmcInputError):
        lsrefcode("lpar", "SYS", count=0)
    assert lshmc_version() == ["lshmc", "-V"]


def test_viosvrcmd_builds_one_command_string():
    argv = viosvrcmd("S1", "vios 1", ["lsdev", "-dev", "hdisk2", "-attr", "reserve_policy"])
    assert argv == ["viosvrcmd", "-m", "S1", "-p", "vios 1", "-c", "lsdev -dev hdisk2 -attr reserve_policy"]
    by_id = viosvrcmd("S1", 2, ["lsmap", "-all", "-npiv", "-fmt", ":"], timeout=120)
    assert by_id == ["viosvrcmd", "-m", "S1", "--id", "2", "-c", "lsmap -all -npiv -fmt :", "-t", "120"]
    spaced = viosvrcmd("S1", "v", ["chdev", "-dev", "hdisk 9", "-attr", "x=y z"])
    assert shlex.split(spaced[-1]) == ["chdev", "-dev", "hdisk 9", "-attr", "x=y z"]


@pytest.mark.parametrize("bad", ["a|b", "a;b", "$(x)", "`x`", "a>b", "a&b", "a\nb"])
def test_viosvrcmd_refuses_metacharacters(bad):
    with pytest.raises(HmcInputError, match="viosvrcmd cannot pass"):
        viosvrcmd("S1", "v", ["lsdev", "-dev", bad])


def test_input_data_quoting_matches_hmc_grammar():
    assert build_input_data({"name": "VIOS1", "msp": 1}) == "name=VIOS1,msp=1"
    assert build_input_data({"io_slots": ["21010018//1", "21010020//1"], "auto_start": True}) == '"io_slots=21010018//1,21010020//1",auto_start=1'
    record = build_input_data({"virtual_fc_adapters": ["4/client/1/vios1/22/c05076058ba7001c,c05076058ba7001d/1", "5/client/2/vios2/22/a,b/1"]})
    assert record == '"virtual_fc_adapters=""4/client/1/vios1/22/c05076058ba7001c,c05076058ba7001d/1"",""5/client/2/vios2/22/a,b/1"""'
    assert build_input_data({"virtual_fc_mappings": ["1/vios1/1", "2/vios2/2"], "dest_lpar_id": 12}) == (
        '"virtual_fc_mappings=1/vios1/1,2/vios2/2",dest_lpar_id=12')
    assert build_input_data({"virtual_scsi_adapters+": ["3/client/1/vios1/20/1"]}) == "virtual_scsi_adapters+=3/client/1/vios1/20/1"


def test_input_data_parses_back_with_the_output_grammar():
    elements = ["4/client/1/v1/22/aa,bb/1", "5/client/2/v2/22/cc,dd/1"]
    (record,) = parse_attributes(build_input_data({"name": "p 1", "virtual_fc_adapters": elements}))
    assert record["name"] == "p 1"
    assert split_list(record["virtual_fc_adapters"]) == elements


@pytest.mark.parametrize("bad", ["a,b", "a=b", 'a"b', "a\nb", "a\rb", ""])
def test_input_data_refuses_unrepresentable_names(bad):
    with pytest.raises(HmcInputError, match="cannot be used in an HMC"):
        build_input_data({"name": bad})
    with pytest.raises(HmcInputError):
        check_name(bad, "partition name")


def test_input_data_refuses_bad_list_elements_and_attrs():
    for bad in ("x=y", 'q"', "a\nb", ""):
        with pytest.raises(HmcInputError, match="list element"):
            build_input_data({"io_slots": [bad]})
    with pytest.raises(HmcInputError, match="empty list"):
        build_input_data({"io_slots": []})
    with pytest.raises(HmcInputError, match="invalid HMC attribute name"):
        build_input_data({"Name": "x"})
    with pytest.raises(HmcInputError, match="at least one"):
        build_input_data({})


def test_check_name_accepts_shell_hostile_but_record_safe_names():
    for name in ("a;b", "$(x)", "`id`", "it's", "Ωmega", "with space"):
        assert check_name(name) == name
