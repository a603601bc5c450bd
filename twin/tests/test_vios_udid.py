"""unique_id of VIOS disks: FC-attached SAN disks end in "fcp", internal SAS disks in "sas", both in AIX's
length-prefixed layout; generated fleets included."""
from __future__ import annotations

import re

from hmcsim import generator
from hmcsim.estate import Estate
from hmcsim.vios.devices import Registry
from hmcsim.vios.udid import is_udid, sas_model, udid
from vios_helpers import on_vios

# a SAS disk in a public lspv -u listing: 0x2A characters, a 0x11-digit serial, an 0x0B-character model, IBM, sas
PUBLIC_SAS = "2A1135000C5005474B9C30BST9146853SS03IBMsas"


def fields(uid: str) -> tuple[str, str, str, str]:
    """(serial, model, vendor, transport) read back from the length prefixes."""
    assert int(uid[:2], 16) == len(uid), uid
    pos, out = 2, []
    for _ in range(3):
        n = int(uid[pos:pos + 2], 16)
        out.append(uid[pos + 2:pos + 2 + n])
        pos += 2 + n
    return out[0], out[1], out[2], uid[pos:]


def test_layout_rebuilds_the_public_sample() -> None:
    assert fields(PUBLIC_SAS) == ("35000C5005474B9C3", "ST9146853SS", "IBM", "sas")
    assert udid("35000C5005474B9C3", "ST9146853SS", "IBM", "sas") == PUBLIC_SAS


def test_an_internal_disk_named_by_its_udid_keeps_it() -> None:
    # an estate exported by estate_info names internal disks by their unique_id: it must survive the trip
    sc = generator.generate(seed=3, systems=2, lpars=2)
    ms = sc.systems[0]
    vios = next(lp for lp in ms.lpars if lp.vios is not None)
    disk = next(d for d in vios.vios.disks if d.kind == "internal")
    disk.lun = PUBLIC_SAS
    assert Registry(ms, vios, vios.vios).get(disk.name).derived["unique_id"] == PUBLIC_SAS
    assert not is_udid("int-sys01-vios1-0") and not is_udid("2A11") and not is_udid(PUBLIC_SAS + "x")


def test_drive_model_is_the_smallest_that_holds_the_disk() -> None:
    assert sas_model(139236) == "ST9146853SS"
    assert sas_model(286102) == "ST9300653SS"      # seed-lab's internal disks
    assert sas_model(571236) == "ST600MM0006"      # generated fleets' internal disks
    assert sas_model(5_000_000) == "ST1200MM0007"  # larger than any: the largest


def test_seed_lab_rootvg_disk_is_sas_and_the_san_disk_fcp(run) -> None:
    result = on_vios(run, "lsdev -dev hdisk0 -attr unique_id")
    assert result.rc == 0
    uid = result.stdout.splitlines()[2]
    serial, model, vendor, transport = fields(uid)
    assert (model, vendor, transport) == ("ST9300653SS", "IBM", "sas")
    assert re.fullmatch(r"35000C500[0-9A-F]{8}", serial)
    san = on_vios(run, "lsdev -dev hdisk4 -attr unique_id").stdout.splitlines()[2]
    assert san.endswith("IBMfcp") and "sas" not in san


def test_generated_internal_disks_are_sas_and_unique() -> None:
    sc = generator.generate(seed=3, systems=4, lpars=12)
    estate = Estate(sc, manual_clock=True)
    internal, san = [], []
    for ms in estate.scenario.systems:
        for lp in ms.lpars:
            if lp.vios is None:
                continue
            reg = Registry(ms, lp, lp.vios)
            for disk in lp.vios.disks:
                uid = reg.get(disk.name).derived["unique_id"]
                (internal if disk.kind == "internal" else san).append(uid)
    assert internal and san
    assert all(fields(u)[1:] == ("ST600MM0006", "IBM", "sas") for u in internal)
    assert not any(u.endswith("fcp") for u in internal)
    assert len(set(internal)) == len(internal)
    assert all(u.endswith("IBMfcp") for u in san)
