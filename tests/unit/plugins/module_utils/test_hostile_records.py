# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Names the HMC record grammar cannot carry (``,`` ``=`` ``"`` newline): listings drop their name filter instead of
failing for every partition, and VIOS are named by partition ID where the HMC takes one."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._evac_setup import _partition_id
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import CommandResult
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_commands import build_input_data, lpar_names_filter
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcInputError
from ansible_collections.powervm.lpm.plugins.module_utils._migration_layout import read_client_adapters
from ansible_collections.powervm.lpm.plugins.module_utils._migration_request import AdapterMapping, MigrationSpec, input_data
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_extras import prof_listing, slot_listing

UNSAFE = ["app1,tier=web", "vio2=b", 'db2 "primary"', "web1\nline2"]
SAFE = ["db1; `id` Müller-ß-日本", "nl2 'it''s' $(reboot)", "batch 1"]


@pytest.mark.parametrize("name", UNSAFE)
def test_one_unsafe_name_drops_the_filter(name):
    assert lpar_names_filter(SAFE) == {"lpar_names": SAFE}
    assert lpar_names_filter([*SAFE, name]) is None


def test_listings_filter_only_when_every_name_fits():
    fields = ("name", "lpar_name")
    assert "--filter" in prof_listing("sys", SAFE).build(fields)
    argv = prof_listing("sys", [*SAFE, UNSAFE[0]]).build(fields)
    assert argv == ["lssyscfg", "-r", "prof", "-m", "sys", "-F", "name,lpar_name"]
    assert "--filter" not in slot_listing("sys", ["vio1", "vio2,y=z"]).build(("lpar_name",))


@dataclass
class FakeClient:
    """Answers each lshwres with the same adapter listing and keeps the argv sent."""

    text: str
    sent: list[list[str]] = field(default_factory=list)

    def run(self, argv, *, read_only=False, timeout=None, check=True):  # pylint: disable=unused-argument
        self.sent.append(list(argv))
        return CommandResult(tuple(argv), 0, self.text, "", 0.0)


def test_client_adapters_of_the_wanted_partitions_only_when_unfiltered():
    listing = '"app1,tier=web",33,client,1,vio1\nother,21,client,2,vio2\nvio1,33,server,6,"app1,tier=web"\n'
    client = FakeClient(listing)
    adapters = read_client_adapters(client, "sys", ["app1,tier=web"])
    assert [(a.subtype, a.lpar, a.slot, a.vios_id, a.vios_name) for a in adapters] == [
        ("scsi", "app1,tier=web", 33, 1, "vio1"), ("fc", "app1,tier=web", 33, 1, "vio1")]
    assert all("--filter" not in argv for argv in client.sent) and len(client.sent) == 2


@pytest.mark.parametrize("vios", ["vio2,y=z", 'vio "2"', "vio/2", "vio\n2"])
def test_a_mapping_names_a_vios_by_id_when_the_name_does_not_fit(vios):
    assert AdapterMapping(57, vios, 2).element() == "57//2"
    assert AdapterMapping(57, vios, 2, 65).element() == "57//2/65"
    with pytest.raises(HmcInputError, match="cannot be used"):
        AdapterMapping(57, vios).element()


def test_a_mapping_keeps_a_name_that_fits():
    assert AdapterMapping(31, "vio1 Müller-ß-日本", 1).element() == "31/vio1 Müller-ß-日本/1"
    assert AdapterMapping(31, "vio1 'a' $(b)").element() == "31/vio1 'a' $(b)/"


def test_msps_go_by_id_only_when_their_name_does_not_fit():
    spec = MigrationSpec(target="t", source_msp="vio2;`c` ß", dest_msp="vio2,y=z", source_msp_id=2, dest_msp_id=2)
    assert build_input_data(input_data(spec)) == "source_msp_name=vio2;`c` ß,dest_msp_id=2"
    assert input_data(MigrationSpec(target="t", dest_msp_id=3)) == {"dest_msp_id": 3}
    with pytest.raises(HmcInputError, match=r"dest_msp_name 'vio2,y=z' cannot be used in an HMC attribute record"):
        build_input_data(input_data(MigrationSpec(target="t", dest_msp="vio2,y=z")))


def test_the_evacuation_finds_msp_ids_in_the_estate():
    estate = {"systems": {"src": {"partitions": {"vio2,y=z": {"id": 2}, "broken": {"id": None}}}}}
    assert _partition_id(estate, "src", "vio2,y=z") == 2
    assert _partition_id(estate, "src", "broken") is None
    assert _partition_id(estate, "src", "") is None
    assert _partition_id(estate, "other", "vio2,y=z") is None
    assert _partition_id(None, "src", "vio2,y=z") is None
