# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The pure parts of vios_device: attribute tables, legal values, the diff, argv, selection parsing."""

from __future__ import annotations

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._prepare_common import PrepareError, parallel
from ansible_collections.powervm.lpm.plugins.module_utils._vios_device_attrs import (
    DeviceAttributes,
    Legal,
    change_command,
    differing,
    normalize,
    refusals,
    same_value,
)
from ansible_collections.powervm.lpm.plugins.module_utils._vios_device_select import (
    backing_devices,
    natural_key,
    on_vios,
    parse_disk_list,
    served_slots,
)


@pytest.fixture
def hdisk31(fixture_text):
    return DeviceAttributes.parse("hdisk31", fixture_text("lsdev_hdisk31_attr.txt"))


def test_attribute_table(hdisk31):
    assert hdisk31.values["reserve_policy"] == "no_reserve" and hdisk31.values["queue_depth"] == "32"
    assert hdisk31.settable["algorithm"] is True and hdisk31.settable["queue_depth"] is True and hdisk31.settable["lun_id"] is False
    assert hdisk31.descriptions["hcheck_interval"] == "Health Check Interval"


def test_diff_and_refusals(hdisk31):
    assert differing(hdisk31, {"reserve_policy": "no_reserve", "queue_depth": "16", "algorithm": "round_robin"}) == {"queue_depth": "16"}
    assert differing(hdisk31, {"queue_depth": "0x20"}) == {}
    assert refusals(hdisk31, {"reserve_policy": "no_reserve"}) == []
    assert refusals(hdisk31, {"lun_id": "0x1", "colour": "red"}) == [
        "hdisk31 has no attribute colour (its settable attributes: algorithm, hcheck_interval, queue_depth, reserve_policy)",
        "hdisk31: lun_id is not user-settable (lsdev -attr shows user_settable False)",
    ]


@pytest.mark.parametrize("text, accepted, refused, described", [
    ("no_reserve\nsingle_path\nPR_exclusive\nPR_shared\n", ["single_path"], ["exclusive", "No_Reserve"],
     "no_reserve, single_path, PR_exclusive, PR_shared"),
    ("1...256 (+1)\n", ["1", "256", "0x10"], ["0", "257", "many"], "1 to 256"),
    ("0...3600 (+10)\n", ["0", "3590"], ["5"], "0 to 3600 in steps of 10"),
    ("0x20000\n0x40000\n", ["0x40000", "262144"], ["0x30000"], "0x20000, 0x40000"),
    ("", ["anything"], [], "any value"),
])
def test_legal_values(text, accepted, refused, described):
    rule = Legal.parse(text)
    assert all(rule.accepts(value) for value in accepted)
    assert not any(rule.accepts(value) for value in refused)
    assert rule.describe() == described


def test_legal_spelling_follows_the_vios():
    assert Legal.parse("0x20000\n0x40000\n").spelling("262144") == "0x40000"
    assert Legal.parse("1...8 (+1)\n").spelling("4") == "4"


@pytest.mark.parametrize("current, wanted, same", [
    ("no_reserve", "no_reserve", True), ("0x40000", "262144", True), ("8", "08", True), ("yes", "no", False), ("3", "4", False),
])
def test_same_value(current, wanted, same):
    assert same_value(current, wanted) is same


def test_normalize():
    assert normalize("cfg_msp_lpm_ops", 4) == "4"
    assert normalize("reserve_policy", " no_reserve ") == "no_reserve"
    for bad in (True, None, ["a"], "", "a b", "x;y", "$(id)"):
        with pytest.raises(PrepareError):
            normalize("attr", bad)


def test_change_command_sorts_and_places_perm_before_attr():
    assert change_command("hdisk2", {"reserve_policy": "no_reserve", "algorithm": "round_robin"}) == [
        "chdev", "-dev", "hdisk2", "-attr", "algorithm=round_robin", "reserve_policy=no_reserve"]
    assert change_command("hdisk2", {"queue_depth": "16"}, perm=True) == ["chdev", "-dev", "hdisk2", "-perm", "-attr", "queue_depth=16"]
    assert on_vios("S", "vio1", ["lsdev", "-dev", "hdisk2", "-attr"]) == ["viosvrcmd", "-m", "S", "-p", "vio1", "-c", "lsdev -dev hdisk2 -attr"]


def test_selection_parsing():
    assert parse_disk_list("hdisk0:SAS Disk Drive\nhdisk2:MPIO IBM 2076 FC Disk\n") == {"hdisk0": "SAS Disk Drive", "hdisk2": "MPIO IBM 2076 FC Disk"}
    slots, unmatched = served_slots("27,server,b750nl2\n31,server,b750db1\n33,server,b750app1\n3,client,b750nl2\n", ["b750nl2", "b750x"])
    assert slots == {27: "b750nl2"} and unmatched == ["b750x"]
    assert served_slots("No results were found.\n", ["a"]) == ({}, ["a"])
    lsmap = "vhost0:U8233.E8B.069348P-V1-C27:vtscsi0:hdisk4:vtscsi9:hdisk9\nvhost1:U8233.E8B.069348P-V1-C31:vtscsi1:hdisk5\nvhost2:U8233.E8B.069348P-V1-C34\n"
    assert backing_devices(lsmap, {27: "b750nl2", 34: "x"}) == ["hdisk4", "hdisk9"]
    assert sorted(["hdisk10", "hdisk2", "hdisk1"], key=natural_key) == ["hdisk1", "hdisk2", "hdisk10"]


def test_parallel_keeps_order_and_raises():
    assert parallel(lambda n: n * n, range(20), workers=4) == [n * n for n in range(20)]

    def boom(n):
        if n == 3:
            raise PrepareError("three")
        return n

    with pytest.raises(PrepareError, match="three"):
        parallel(boom, range(6))
