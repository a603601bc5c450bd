# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""vios_device decisions over recorded twin sequences (fixtures/prepare/device_*.json)."""

from __future__ import annotations

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._prepare_common import PrepareError
from ansible_collections.powervm.lpm.plugins.module_utils._vios_device import DeviceRequest, ensure, is_san_disk
from ansible_collections.powervm.lpm.plugins.module_utils._vios_device_select import Selection
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.prepare_replay import SequenceClient

pytest.importorskip("paramiko")

P740 = "p740-Server-8205-E6B-SN10934CP"
P750 = "p750-Server-8233-E8B-SN069348P"
NO_RESERVE = {"reserve_policy": "no_reserve"}


def on(vios, command, system=P740):
    return f"viosvrcmd -m {system} -p {vios} -c '{command}'"


def chdevs(client):
    return [line for line in client.sent() if "'chdev " in line]


def test_free_disk_ladder():
    client = SequenceClient("device_free")
    request = DeviceRequest(P740, "b740vio2", Selection(devices=("hdisk2",)), NO_RESERVE)
    change = on("b740vio2", "chdev -dev hdisk2 -attr reserve_policy=no_reserve")

    check = ensure(client, request, check_mode=True)
    assert check.changed and check.commands == [change] and chdevs(client) == []
    result = check.to_result(request)
    assert result["diff"] == {"before": {"hdisk2": {"reserve_policy": "single_path"}}, "after": {"hdisk2": {"reserve_policy": "no_reserve"}}}
    assert result["reboot_required"] is False

    applied = ensure(client, request, check_mode=False)
    assert applied.changed and applied.commands == [change] and chdevs(client) == [change]
    assert applied.devices[0].pending is False

    for check_mode in (True, False):
        again = ensure(client, request, check_mode)
        assert not again.changed and again.commands == []
        assert again.to_result(request)["devices"]["hdisk2"] == {
            "changed": False, "pending": False, "before": NO_RESERVE, "after": NO_RESERVE, "error": None}
    assert client.transport.left() == []


def test_busy_disk_gets_perm_and_reboot_required():
    client = SequenceClient("device_busy")
    request = DeviceRequest(P740, "b740vio1", Selection(backing_of_lpars=("b740lp1",)), NO_RESERVE)

    check = ensure(client, request, check_mode=True)
    assert check.commands == [on("b740vio1", "chdev -dev hdisk6 -attr reserve_policy=no_reserve")]
    assert check.to_result(request)["reboot_required"] is False  # busy is only known by trying

    applied = ensure(client, request, check_mode=False)
    perm = on("b740vio1", "chdev -dev hdisk6 -perm -attr reserve_policy=no_reserve")
    assert chdevs(client) == [on("b740vio1", "chdev -dev hdisk6 -attr reserve_policy=no_reserve"), perm]
    result = applied.to_result(request)
    assert result["changed"] is True and result["commands"] == [perm]
    assert result["reboot_required"] is True and result["pending_devices"] == ["hdisk6"]
    assert result["devices"]["hdisk6"]["after"] == NO_RESERVE and result["devices"]["hdisk6"]["pending"] is True

    again = ensure(client, request, check_mode=False)  # lsdev -attr shows the ODM value set by -perm
    assert not again.changed and again.to_result(request)["reboot_required"] is False
    assert client.transport.left() == []


def test_busy_disk_without_perm_fails_the_device_only():
    client = SequenceClient("device_busy_no_perm")
    request = DeviceRequest(P740, "b740vio1", Selection(devices=("hdisk6", "hdisk2")), {"queue_depth": "16"}, allow_perm=False)
    outcome = ensure(client, request, check_mode=False)
    busy, free = outcome.devices
    assert busy.name == "hdisk6" and "hdisk6 is busy (AIX 0514-062) and allow_perm is false" in (busy.error or "")
    assert free.name == "hdisk2" and free.error is None
    assert outcome.commands == [on("b740vio1", "chdev -dev hdisk2 -attr queue_depth=16")]
    assert [d.name for d in outcome.failed] == ["hdisk6"] and outcome.pending_devices == []
    result = outcome.to_result(request)
    assert result["devices"]["hdisk6"]["after"] == {"queue_depth": "20"} and result["devices"]["hdisk2"]["after"] == {"queue_depth": "16"}
    assert not any("-perm" in line for line in client.sent())


def test_vioslpm0_values_as_numbers():
    client = SequenceClient("device_vioslpm0")
    request = DeviceRequest(P740, "b740vio1", Selection(devices=("vioslpm0",)), {"cfg_msp_lpm_ops": 4, "concurrency_lvl": "2"})
    assert ensure(client, request, check_mode=True).changed
    applied = ensure(client, request, check_mode=False)
    assert applied.commands == [on("b740vio1", "chdev -dev vioslpm0 -attr cfg_msp_lpm_ops=4 concurrency_lvl=2")]
    assert applied.devices[0].before == {"cfg_msp_lpm_ops": "8", "concurrency_lvl": "3"}
    assert not ensure(client, request, check_mode=False).changed
    assert client.transport.left() == []


def test_refusals_before_any_change():
    client = SequenceClient("device_refused")
    hdisks = Selection(devices=("hdisk2", "hdisk3"))
    with pytest.raises(PrepareError) as unknown:
        ensure(client, DeviceRequest(P740, "b740vio2", hdisks, {"no_such_attr": "1"}), check_mode=False)
    assert "hdisk2 has no attribute no_such_attr (its settable attributes: algorithm, hcheck_interval" in unknown.value.message
    assert len(unknown.value.to_result()["refused"]) == 2
    with pytest.raises(PrepareError, match="hdisk2: pvid is not user-settable"):
        ensure(client, DeviceRequest(P740, "b740vio2", hdisks, {"pvid": "none"}), check_mode=False)
    with pytest.raises(PrepareError, match=r"hdisk2: queue_depth=999 is not a legal value \(legal: 1 to 256\)"):
        ensure(client, DeviceRequest(P740, "b740vio2", hdisks, {"queue_depth": "999"}), check_mode=False)
    same = ensure(client, DeviceRequest(P740, "b740vio2", hdisks, {"max_transfer": "262144"}), check_mode=False)
    assert not same.changed  # 262144 == 0x40000
    assert chdevs(client) == [] and client.transport.left() == []


def test_selections():
    client = SequenceClient("device_selection")
    backing = ensure(client, DeviceRequest(P750, "b750vio1", Selection(backing_of_lpars=("b750nl2", "b750db1", "b750db2")), NO_RESERVE),
                     check_mode=True)
    assert [d.name for d in backing.devices] == ["hdisk4", "hdisk5"] and backing.unmatched_lpars == ["b750db2"]
    san = ensure(client, DeviceRequest(P750, "b750vio2", Selection(disk_type="san_disk"), {"queue_depth": "20"}), check_mode=True)
    assert [d.name for d in san.devices] == ["hdisk4", "hdisk5", "hdisk6", "hdisk7"]  # not hdisk0 (SAS, rootvg)
    assert not san.changed and client.transport.left() == []


def test_an_empty_partition_list_selects_nothing():
    client = SequenceClient("device_free")
    outcome = ensure(client, DeviceRequest(P740, "b740vio2", Selection(backing_of_lpars=()), NO_RESERVE), check_mode=False)
    assert outcome.devices == [] and not outcome.changed and client.sent() == []


@pytest.mark.parametrize("selection", [Selection(), Selection(devices=("hdisk1",), disk_type="disk"), Selection(disk_type="tape")])
def test_selection_must_be_one_way(selection):
    with pytest.raises(PrepareError):
        ensure(SequenceClient("device_free"), DeviceRequest(P740, "b740vio2", selection, NO_RESERVE), check_mode=True)


def test_boolean_values_are_refused():
    with pytest.raises(PrepareError, match="give the value as a string"):
        ensure(SequenceClient("device_free"), DeviceRequest(P740, "b740vio2", Selection(devices=("ent8",)), {"largesend": True}), True)


@pytest.mark.parametrize("description, values, san", [
    ("MPIO IBM 2076 FC Disk", {}, True),
    ("MPIO Other FC SCSI Disk Drive", {}, True),
    ("SAS Disk Drive", {"unique_id": "3321int-740-1-004214503IBMfcp"}, False),
    ("Virtual SCSI Disk Drive", {"ww_name": "0x5005076801ce0f48"}, True),
    ("EMC Symmetrix FCP MPIO Raid6", {}, True),
    ("Unknown disk", {"unique_id": "240C50 13413252806OPEN-V07HITACHIfcp"}, True),
    ("Unknown disk", {}, False),
])
def test_san_disk_classification(description, values, san):
    assert is_san_disk(description, values) is san


def test_values_go_to_chdev_when_the_vios_cannot_list_them(fixture_text):
    steps = [
        {"command": on("vio1", "lsdev -dev hdisk31 -attr", "S"), "rc": 0, "stdout": fixture_text("lsdev_hdisk31_attr.txt"), "stderr": ""},
        {"command": on("vio1", "lsdev -dev hdisk31 -range queue_depth", "S"), "rc": 1,
         "stdout": "HSCL2970 The IOServer command has failed because of the following reason: \nno range\n", "stderr": ""},
        {"command": on("vio1", "chdev -dev hdisk31 -attr queue_depth=16", "S"), "rc": 0, "stdout": "hdisk31 changed\n", "stderr": ""},
    ]
    client = SequenceClient(steps)
    outcome = ensure(client, DeviceRequest("S", "vio1", Selection(devices=("hdisk31",)), {"queue_depth": 16}), check_mode=False)
    assert outcome.commands == [on("vio1", "chdev -dev hdisk31 -attr queue_depth=16", "S")]
    assert outcome.devices[0].before == {"queue_depth": "32"} and client.transport.left() == []
