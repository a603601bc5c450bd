"""The output grammar (hmc-cli-facts.md §0.2) and the attribute tables: quoting, -F, --header, omission,
nested doubled quotes that survive a round trip through formats.split_list and the stdlib csv module.
"""
from __future__ import annotations

import csv

import pytest

from hmcsim import attributes, records
from hmcsim.core import CommandError
from hmcsim.estate import Estate
from hmcsim.formats import NO_RESULTS, render, render_default, split_list
from hmcsim.listing import bare_f, parse_filters

P750 = "p750-Server-8233-E8B-SN069348P"


def csv_pairs(line: str) -> dict[str, str]:
    """Read one default-format line the way a client would: csv, then split each field at the first '='."""
    (fields,) = list(csv.reader([line]))
    return dict(f.split("=", 1) for f in fields)


# ----- render -----

def test_default_omits_not_applicable_and_quotes_comma_values() -> None:
    record = {"a": "x", "b": None, "c": ["1", "2"], "d": "", "e": "two words", "f": True}
    assert render_default(record) == 'a=x,"c=1,2",d=,e=two words,f=1'


def test_list_elements_with_commas_get_doubled_quotes() -> None:
    record = {"virtual_fc_adapters": ["4/client/1/v1/22/aa,bb/1", "5/client/2/v2/22/cc,dd/1"], "n": 1}
    assert render_default(record) == (
        '"virtual_fc_adapters=""4/client/1/v1/22/aa,bb/1"",""5/client/2/v2/22/cc,dd/1""",n=1')


def test_empty_list_is_none() -> None:
    assert render_default({"io_slots": []}) == "io_slots=none"


def test_f_uses_the_delimiter_of_the_field_list() -> None:
    rows = [{"name": "lp1", "state": "Running"}, {"name": "lp2", "state": "Not Activated"}]
    assert render(rows, "name:state") == (0, "lp1:Running\nlp2:Not Activated\n")
    assert render(rows, "state,name", header=True) == (0, "state,name\nRunning,lp1\nNot Activated,lp2\n")


def test_f_quotes_a_comma_value_and_prints_empty_for_not_applicable() -> None:
    rows = [{"name": "v", "modes": ["default", "POWER7"], "boot_mode": None}]
    assert render(rows, "name,modes,boot_mode") == (0, 'v,"default,POWER7",\n')


def test_no_results_is_success() -> None:
    assert render([], None) == (0, NO_RESULTS + "\n")
    assert render([], "name", header=True) == (0, "No results were found.\n")


def test_invalid_attribute_in_f() -> None:
    rc, text = render([{"name": "x"}], "name,nope", known=["name"])
    assert (rc, text) == (1, "An invalid attribute was entered. The invalid attribute is nope. "
                             "Correct the entry and retry.\n")


# ----- nested quoting round trip through real records -----

def test_profile_line_round_trips_through_csv_and_split_list(run, estate: Estate) -> None:
    line = run(f"lssyscfg -r prof -m {P750} --filter lpar_names=b750vio1").stdout.strip()
    pairs = csv_pairs(line)
    vio = estate.find_lpar(estate.systems[P750], name="b750vio1")
    eth = split_list(pairs["virtual_eth_adapters"])
    assert eth == ["11/1/1/10,20,30/1/0/ETHERNET0//all/none", "12/0/99//0/0/ETHERNET0//all/none"]
    assert [int(e.split("/")[0]) for e in eth] == [a.slot for a in vio.eth]
    assert eth[0].split("/")[3].split(",") == ["10", "20", "30"]
    scsi = split_list(pairs["virtual_scsi_adapters"])
    assert [s.split("/")[3] for s in scsi] == ["b750nl2", "b750db1", "b750app1", "b750web1"]
    assert split_list(pairs["io_slots"]) == []
    assert pairs["lpar_name"] == "b750vio1" and pairs["electronic_err_reporting"] == "null"


def test_fc_adapters_round_trip(run, estate: Estate) -> None:
    line = run(f"lssyscfg -r prof -m {P750} --filter lpar_names=b750batch1").stdout.strip()
    elements = split_list(csv_pairs(line)["virtual_fc_adapters"])
    lp = estate.find_lpar(estate.systems[P750], name="b750batch1")
    assert [e.split("/")[5].split(",") for e in elements] == [a.wwpns for a in lp.fc]
    assert [e.split("/")[:5] for e in elements] == [["49", "client", "1", "b750vio1", "49"],
                                                   ["59", "client", "2", "b750vio2", "59"]]


def test_f_output_round_trips(run) -> None:
    text = run(f"lssyscfg -r prof -m {P750} --filter lpar_names=b750nl2 -F lpar_name:virtual_fc_adapters").stdout
    (row,) = list(csv.reader([text.strip()], delimiter=":"))
    assert row[0] == "b750nl2"
    assert split_list(row[1]) == ["37/client/1/b750vio1/37/c0507603a2920084,c0507603a2920085/0",
                                  "47/client/2/b750vio2/47/c0507603a2920086,c0507603a2920087/0"]


def test_system_line_round_trips(run) -> None:
    pairs = csv_pairs(run(f"lssyscfg -r sys -m {P750}").stdout.strip())
    assert split_list(pairs["lpar_proc_compat_modes"]) == ["default", "POWER5", "POWER6", "POWER6_Plus", "POWER7"]
    assert pairs["power_on_type"] == "power on"


# ----- filters and -F parsing -----

def test_filter_several_values_unquoted() -> None:
    assert parse_filters("lpar_names=a,b", ["lpar_names"]) == {"lpar_names": ["a", "b"]}


def test_filter_quoted_pair_with_a_second_filter() -> None:
    assert parse_filters('"lpar_names=a,b",profile_names=p', ["lpar_names", "profile_names"]) == {
        "lpar_names": ["a", "b"], "profile_names": ["p"]}


@pytest.mark.parametrize("text", ['"lpar_names=a', "=a", "lpar_names=", "bogus=1", ",lpar_names=a"])
def test_bad_filters(text: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_filters(text, ["lpar_names"])
    assert caught.value.result.rc == 1
    assert "have an invalid value are --filter." in caught.value.result.stdout


def test_bare_f_means_all_attributes() -> None:
    assert bare_f(["-r", "sys", "-F"]) == ["-r", "sys", "-F", ""]
    assert bare_f(["-F", "--header"]) == ["-F", "", "--header"]
    assert bare_f(["-F", "name"]) == ["-F", "name"]


# ----- attribute tables -----

@pytest.mark.parametrize("version, major", [("V7R7.8.0", 7), ("V10R3", 10), ("V8R8.1.0", 8), ("", 99)])
def test_hmc_major(version: str, major: int) -> None:
    assert attributes.hmc_major(version) == major


def test_gates() -> None:
    assert attributes.gate_allows(">=10", 10) and not attributes.gate_allows(">=10", 9)
    assert attributes.gate_allows("<=7", 7) and not attributes.gate_allows("<=7", 8)
    assert attributes.gate_allows(None, 1)
    with pytest.raises(ValueError):
        attributes.gate_allows("newer", 7)


def test_moved_attribute_appears_once_in_the_right_place() -> None:
    v7, v10 = attributes.names("prof", 7), attributes.names("prof", 10)
    assert v7.count("vtpm_adapters") == v10.count("vtpm_adapters") == 1
    assert v7.index("vtpm_adapters") < v7.index("virtual_fc_adapters")
    assert v10.index("vtpm_adapters") > v10.index("vnic_adapters") > v10.index("virtual_fc_adapters")


def test_ordered_requires_a_value_for_every_attribute() -> None:
    with pytest.raises(KeyError, match="vslot: no value for attribute curr_max_virtual_slots"):
        attributes.ordered("vslot", 7, {"lpar_name": "x", "lpar_id": 1})


def test_every_table_attribute_gets_a_value(estate: Estate) -> None:
    """Every record kind renders for V7 and V10 HMCs without a missing value."""
    for version in ("V7R7.8.0", "V10R3"):
        estate.hmcs["bpichmc"].version = version
        for ms in estate.scenario.systems:
            assert records.sys_record(estate, ms)["name"] == ms.name
            for lp in ms.lpars:
                for prof in lp.profiles:
                    records.profile_record(estate, ms, lp, prof)
                records.lpar_record(estate, ms, lp)
                records.mem_lpar_record(estate, ms, lp)
                records.proc_lpar_record(estate, ms, lp)
                records.refcode_lpar_record(estate, ms, lp)
            records.io_slot_records(estate, ms)
            records.procpool_records(estate, ms)
