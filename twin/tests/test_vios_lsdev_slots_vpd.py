"""lsdev -slots and lsdev -dev X -vpd (hmc-cli-facts.md §8.2 gives the syntax only; the layouts and values are
data in data/vios_vpd.yaml, inferred from AIX lsslot -c slot and lscfg -vl)."""
from __future__ import annotations

import copy
import re

import pytest

from hmcsim.vios import slots as slots_mod
from hmcsim.vios import vpd as vpd_mod
from hmcsim.vios.data import vpd_table
from vios_helpers import P740, WRAPPER, lpar, on_vios

# b750vio1 of seed-lab: its FC and Ethernet cards, then every virtual adapter in slot order
SLOTS_750_VIO1 = """\
# Slot                    Description       Device(s)
U78A0.001.DNWK7G4-P1-C3   Logical I/O Slot  fcs0 fcs1
U78A0.001.DNWK7G4-P1-C4   Logical I/O Slot  ent0 ent1 ent2 ent3
U8233.E8B.069348P-V1-C0   Virtual I/O Slot  vsa0
U8233.E8B.069348P-V1-C11  Virtual I/O Slot  ent4
U8233.E8B.069348P-V1-C12  Virtual I/O Slot  ent5
U8233.E8B.069348P-V1-C27  Virtual I/O Slot  vhost0
U8233.E8B.069348P-V1-C31  Virtual I/O Slot  vhost1
U8233.E8B.069348P-V1-C33  Virtual I/O Slot  vhost2
U8233.E8B.069348P-V1-C35  Virtual I/O Slot  vhost3
U8233.E8B.069348P-V1-C37  Virtual I/O Slot  vfchost0
U8233.E8B.069348P-V1-C41  Virtual I/O Slot  vfchost1
U8233.E8B.069348P-V1-C43  Virtual I/O Slot  vfchost2
U8233.E8B.069348P-V1-C45  Virtual I/O Slot  vfchost3
U8233.E8B.069348P-V1-C49  Virtual I/O Slot  vfchost4
"""


def vpd_fields(text: str) -> dict[str, str]:
    """label -> value of the "label....value" lines."""
    return {m.group(1): m.group(2) for m in re.finditer(r"^ {8}(\S.*?)\.{2,}(.*)$", text, re.M)}


def platform(text: str) -> dict[str, str]:
    block = text.split("  PLATFORM SPECIFIC\n\n", 1)[1]
    return {key.strip(): value.strip() for key, value in (line.split(":", 1) for line in block.splitlines())}


def physloc(run, device: str, vios: str = "b750vio1") -> str:
    return on_vios(run, f"lsdev -dev {device} -field physloc -fmt :", vios=vios).stdout.strip()


# ----- lsdev -slots -----

def test_slots_list_the_cards_then_every_virtual_adapter(run) -> None:
    result = on_vios(run, "lsdev -slots")
    assert (result.rc, result.stdout) == (0, SLOTS_750_VIO1)


def test_slots_follow_the_model(run, estate) -> None:
    _, vio = lpar(estate, "b750vio1")
    vio.scsi = [a for a in vio.scsi if a.slot != 31]        # one server adapter fewer: vhost1..3 renumber
    rows = on_vios(run, "lsdev -slots").stdout.splitlines()[1:]
    virtual = [r.split()[0].rsplit("-C", 1)[1] for r in rows if "Virtual I/O Slot" in r]
    servers = [a for a in vio.scsi + vio.fc if a.adapter_type == "server"]
    expected = sorted({0} | {a.slot for a in vio.eth} | {a.slot for a in servers})
    assert [int(s) for s in virtual] == expected
    assert any(r.endswith("  vhost2") and "-C35" in r for r in rows)


def test_slots_layout_comes_from_the_data_table(run, monkeypatch) -> None:
    table = copy.deepcopy(vpd_table("slots"))
    table.update(virtual="Virtual Slot", pad=4)
    monkeypatch.setattr(slots_mod, "vpd_table", lambda section: table)
    lines = on_vios(run, "lsdev -slots", vios="b740vio1", system=P740).stdout.splitlines()
    width = max(len(line.split()[0]) for line in lines[1:]) + 4
    assert lines[0] == "# Slot".ljust(width) + "Description".ljust(len("Logical I/O Slot") + 4) + "Device(s)"
    assert any(re.search(r"-C0 {5}Virtual Slot {8}vsa0$", line) for line in lines)


def test_slots_take_no_other_flag(run) -> None:
    result = on_vios(run, "lsdev -slots -virtual")
    assert (result.rc, result.stdout) == (1, WRAPPER + 'lsdev: The "-virtual" flag is not valid.\n')


# ----- lsdev -dev X -vpd -----

def test_fc_port_vpd(run) -> None:
    result = on_vios(run, "lsdev -dev fcs1 -vpd")
    assert result.rc == 0
    head = result.stdout.splitlines()[0]
    loc = physloc(run, "fcs1")
    assert head == f"  fcs1             {loc}  8Gb PCI Express Dual Port FC Adapter (df1000f114108a03)"
    fields = vpd_fields(result.stdout)
    assert fields["Customer Card ID Number"] == "577D" and fields["Part Number"] == "10N9824"
    assert re.fullmatch(r"10000090FA[0-9A-F]{6}", fields["Network Address"])
    assert fields["Hardware Location Code"] == loc
    assert platform(result.stdout) == {"Name": "fibre-channel", "Model": "10N9824", "Node": "fibre-channel@1",
                                       "Device Type": "fcp", "Physical Location": loc}
    other = vpd_fields(on_vios(run, "lsdev -dev fcs0 -vpd").stdout)
    assert other["Network Address"] != fields["Network Address"] and other["Serial Number"] != fields["Serial Number"]


def test_virtual_adapters_carry_their_bus_address(run, estate) -> None:
    _, vio = lpar(estate, "b750vio1")
    first_server = min(a.slot for a in vio.scsi if a.adapter_type == "server")
    text = on_vios(run, "lsdev -dev vhost0 -vpd").stdout
    assert platform(text)["Node"] == f"v-scsi-host@{0x30000000 + first_server:x}"
    assert vpd_fields(text) == {"Hardware Location Code": physloc(run, "vhost0")}
    assert platform(on_vios(run, "lsdev -dev vsa0 -vpd").stdout)["Node"] == "vty@30000000"
    fc = platform(on_vios(run, "lsdev -dev vfchost0 -vpd").stdout)
    first_fc = min(a.slot for a in vio.fc if a.adapter_type == "server")
    assert (fc["Name"], fc["Node"]) == ("vfc-server", f"vfc-server@{0x30000000 + first_fc:x}")


def test_ethernet_network_address_is_the_one_entstat_shows(run, estate) -> None:
    _, vio = lpar(estate, "b750vio1")
    sea = vio.vios.seas[0]
    entstat = on_vios(run, f"entstat -all {sea.name}").stdout
    mac = re.search(r"^Hardware Address: (\S+)$", entstat, re.M).group(1)
    real = vpd_fields(on_vios(run, f"lsdev -dev {sea.real_adapter} -vpd").stdout)
    assert real["Network Address"] == mac.replace(":", "").upper()
    trunk = next(a for a in vio.eth if a.slot == sea.trunk_slots[0])
    virtual = vpd_fields(on_vios(run, f"lsdev -dev {sea.pvid_adapter} -vpd").stdout)
    assert virtual["Network Address"] == trunk.mac_addr.upper()


def test_disk_vpd_names_vendor_model_and_lun(run, estate) -> None:
    _, vio = lpar(estate, "b750vio1")
    san = next(d for d in vio.vios.disks if d.kind == "san")
    fields = vpd_fields(on_vios(run, f"lsdev -dev {san.name} -vpd").stdout)
    assert (fields["Manufacturer"], fields["Machine Type and Model"], fields["Serial Number"]) == \
        (san.vendor, "2145", san.lun.upper())
    internal = vpd_fields(on_vios(run, "lsdev -dev hdisk0 -vpd").stdout)
    uid = on_vios(run, "lsdev -dev hdisk0 -attr unique_id").stdout.splitlines()[2]
    assert internal["Machine Type and Model"] in uid and uid.endswith("sas")
    assert internal["Hardware Location Code"] == physloc(run, "hdisk0")


def test_device_by_location_and_devices_without_vpd(run) -> None:
    loc = physloc(run, "ent0")
    assert on_vios(run, f"lsdev -plc {loc} -vpd").stdout == on_vios(run, "lsdev -dev ent0 -vpd").stdout
    result = on_vios(run, "lsdev -dev vasi0 -vpd")
    assert (result.rc, result.stdout) == (0, "  vasi0            Virtual Asynchronous Services Interface (VASI)\n\n")
    missing = on_vios(run, "lsdev -dev hdisk99 -vpd")
    assert (missing.rc, missing.stdout) == (2, WRAPPER + 'Device "hdisk99" is not in AVAILABLE state.\n')


def test_vpd_of_a_device_list(run) -> None:
    text = on_vios(run, "lsdev -type adapter -vpd").stdout
    names = re.findall(r"^  (\w+) {2,}\S", text, re.M)
    listed = [line.split()[0] for line in on_vios(run, "lsdev -type adapter").stdout.splitlines()[1:]]
    assert names == listed


@pytest.mark.parametrize("device", ["fcs0", "ent4", "hdisk0"])
def test_vpd_values_come_from_the_data_table(run, monkeypatch, device) -> None:
    table = copy.deepcopy(vpd_table("vpd"))
    kind = {"fcs0": "fcs", "ent4": "ent_virtual", "hdisk0": "disk_internal"}[device]
    table["classes"][kind]["fields"] = [["Part Number", "X{name}Y"]]
    monkeypatch.setattr(vpd_mod, "vpd_table", lambda section: table)
    assert vpd_fields(on_vios(run, f"lsdev -dev {device} -vpd").stdout) == {"Part Number": f"X{device}Y"}
