# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import shlex

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcInputError
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_parsers import parse_attributes, split_list
from ansible_collections.powervm.lpm.plugins.module_utils._migration_layout import keep_layout, parse_client_adapters
from ansible_collections.powervm.lpm.plugins.module_utils._migration_records import PartitionInfo, parse_partitions
from ansible_collections.powervm.lpm.plugins.module_utils._migration_request import (
    AdapterMapping,
    LparRef,
    MigrationSpec,
    migrlpar,
    migrlpar_recover,
    migrlpar_stop,
)

from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.migration.fake_hmc import P740, P750

HOSTILE = ["it's", "a;reboot", "$(rm -rf /)", "`id`", "two  spaces ", "Mürren-Ωmega", "-dash", "*glob?", "back\\slash"]


def _input(argv: list[str]) -> dict[str, str]:
    (record,) = parse_attributes(argv[argv.index("-i") + 1])
    return record


def test_plain_migration():
    argv = migrlpar("m", P750, LparRef("b750db1", 4), MigrationSpec(target=P740))
    assert argv == ["migrlpar", "-o", "m", "-m", P750, "-t", P740, "-p", "b750db1"]


def test_every_option_in_order():
    spec = MigrationSpec(
        target=P740,
        source_msp="b750vio1",
        dest_msp="b740vio2",
        scsi_mappings=(AdapterMapping(27, "b740vio1", 1), AdapterMapping(57, dest_vios_id=2, dest_vios_slot=70)),
        fc_mappings=(AdapterMapping(37, "b740vio1", 1, dest_fc_port="fcs0"),),
        shared_proc_pool="pool1",
        dest_profile="normal profile",
        dest_lpar_id=12,
        remote_hmc="10.0.0.2",
        remote_user="hscroot",
        overrides={"redundant_vios": "if_possible", "npiv_validation": "port_and_disk", "vlan_bridge": "required"},
        wait_minutes=5,
    )
    argv = migrlpar("v", P750, LparRef("b750nl2"), spec)
    assert argv[:9] == ["migrlpar", "-o", "v", "-m", P750, "-t", P740, "-p", "b750nl2"]
    assert argv[9:13] == ["--ip", "10.0.0.2", "-u", "hscroot"]
    assert argv[13:15] == ["-n", "normal profile"]
    assert argv[15:21] == ["--redundantvios", "2", "--npivval", "portdisk", "--vlanbridge", "1"]
    assert argv[-2:] == ["-w", "5"]
    data = _input(argv)
    assert data == {
        "dest_lpar_id": "12",
        "source_msp_name": "b750vio1",
        "dest_msp_name": "b740vio2",
        "shared_proc_pool_name": "pool1",
        "virtual_scsi_mappings": "27/b740vio1/1,57//2/70",
        "virtual_fc_mappings": "37/b740vio1/1//fcs0",
    }
    assert split_list(data["virtual_scsi_mappings"]) == ["27/b740vio1/1", "57//2/70"]


def test_pool_given_by_id():
    argv = migrlpar("m", P750, LparRef("x"), MigrationSpec(target=P740, shared_proc_pool="3"))
    assert _input(argv) == {"shared_proc_pool_id": "3"}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_stay_one_argument(name):
    spec = MigrationSpec(target=name, dest_profile=name, source_msp=name)
    argv = migrlpar("m", name, LparRef(name), spec)
    assert shlex.split(shlex.join(argv)) == argv
    assert argv[argv.index("-m") + 1] == name
    assert argv[argv.index("-t") + 1] == name
    assert argv[argv.index("-p") + 1] == name
    assert argv[argv.index("-n") + 1] == name
    assert _input(argv) == {"source_msp_name": name}


def test_name_with_a_comma_is_sent_by_id():
    assert migrlpar_stop(P750, LparRef("db,1", 4)) == ["migrlpar", "-o", "s", "-m", P750, "--id", "4"]
    with pytest.raises(HmcInputError):
        migrlpar_stop(P750, LparRef("db,1"))


def test_stop_and_recover():
    assert migrlpar_stop(P750, LparRef("b750db2")) == ["migrlpar", "-o", "s", "-m", P750, "-p", "b750db2"]
    assert migrlpar_recover(P750, LparRef("b750db1")) == ["migrlpar", "-o", "r", "-m", P750, "-p", "b750db1"]
    assert migrlpar_recover(P750, LparRef("b750db1"), "10.0.0.2", "hscroot", force=True) == [
        "migrlpar", "-o", "r", "-m", P750, "--ip", "10.0.0.2", "-u", "hscroot", "-p", "b750db1", "--force",
    ]


@pytest.mark.parametrize(
    ("mapping", "element"),
    [
        (AdapterMapping(27, "b740vio1", 1), "27/b740vio1/1"),
        (AdapterMapping(27, dest_vios_id=2), "27//2"),
        (AdapterMapping(27, "b740vio1"), "27/b740vio1/"),
        (AdapterMapping(41, "b740vio2", 2, 60, "fcs1"), "41/b740vio2/2/60/fcs1"),
        (AdapterMapping(41, "b740vio2", dest_fc_port="fcs1"), "41/b740vio2///fcs1"),
    ],
)
def test_mapping_elements(mapping, element):
    assert mapping.element() == element


@pytest.mark.parametrize(
    "mapping",
    [AdapterMapping(27), AdapterMapping(27, "vio/1"), AdapterMapping(27, "vio,1"), AdapterMapping(-1, "vio1"), AdapterMapping(4, "v", dest_fc_port='fc"0')],
)
def test_bad_mappings_are_refused(mapping):
    with pytest.raises(HmcInputError):
        mapping.element()


@pytest.mark.parametrize(
    ("spec", "op"),
    [
        (MigrationSpec(target=P740, overrides={"mpio": "none"}), "m"),
        (MigrationSpec(target=P740, overrides={"turbo": "required"}), "m"),
        (MigrationSpec(target=P740, remote_user="hscroot"), "m"),
        (MigrationSpec(target=""), "m"),
        (MigrationSpec(target=P740, wait_minutes=-1), "m"),
        (MigrationSpec(target=P740), "r"),
    ],
)
def test_invalid_requests(spec, op):
    with pytest.raises(HmcInputError):
        migrlpar(op, P750, LparRef("b750db1"), spec)


# ----- keep the VIOS layout (recorded lshwres and lssyscfg answers) -----


def _layout_inputs(samples):
    adapters = parse_client_adapters("scsi", samples["p750_scsi_clients"]["stdout"])
    adapters += parse_client_adapters("fc", samples["p750_fc_clients"]["stdout"])
    source = parse_partitions(P750, samples["p750_lpars_idle"]["stdout"])
    target = parse_partitions(P740, samples["p740_lpars_idle"]["stdout"])
    return adapters, source, target


def test_keep_layout_maps_each_adapter_to_the_vios_of_the_same_rank(samples):
    adapters, source, target = _layout_inputs(samples)
    layout = keep_layout("b750nl2", adapters, source, target)
    assert [m.element() for m in layout.scsi] == ["27/b740vio1/1", "57/b740vio2/2"]
    assert [m.element() for m in layout.fc] == ["37/b740vio1/1", "47/b740vio2/2"]
    db2 = keep_layout("b750db2", adapters, source, target)
    assert db2.scsi == ()
    assert [m.element() for m in db2.fc] == ["41/b740vio1/1", "51/b740vio2/2"]
    argv = migrlpar("m", P750, LparRef("b750nl2"), MigrationSpec(target=P740, scsi_mappings=layout.scsi, fc_mappings=layout.fc))
    assert _input(argv) == {"virtual_scsi_mappings": "27/b740vio1/1,57/b740vio2/2", "virtual_fc_mappings": "37/b740vio1/1,47/b740vio2/2"}


def test_keep_layout_ranks_by_partition_id_not_by_name(samples):
    adapters, source = _layout_inputs(samples)[:2]
    target = [PartitionInfo(P740, "zz-vios", 5, "Running", "vioserver"), PartitionInfo(P740, "aa-vios", 9, "Running", "vioserver")]
    layout = keep_layout("b750web1", adapters, source, target)
    assert [m.element() for m in layout.scsi] == ["35/zz-vios/5", "65/aa-vios/9"]


def test_keep_layout_refuses_when_the_destination_has_fewer_vios(samples):
    adapters, source, target = _layout_inputs(samples)
    with pytest.raises(HmcInputError, match="destination has 1 VIOS"):
        keep_layout("b750nl2", adapters, source, [p for p in target if p.name != "b740vio2"])


def test_keep_layout_of_a_partition_without_adapters_is_empty(samples):
    adapters, source, target = _layout_inputs(samples)
    layout = keep_layout("b750nim", adapters, source, target)
    assert layout.scsi == () and layout.fc == ()
