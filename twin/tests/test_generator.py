"""The seeded fleet generator: determinism, size, realism, evacuation headroom and injected misconfigurations.

The checks below read the generated state the way LPM validation would (LUN visibility, zoning, VLAN
bridging, compatibility modes, capacity) without using the generator's own bookkeeping.
"""
from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

import pytest

from hmcsim import generator, scenario
from hmcsim.core import messages
from hmcsim.estate import Estate
from hmcsim.model import Lpar, ManagedSystem, Scenario
from hmcsim.request import MigrationRequest
from hmcsim.validation import validate

SYSTEM_NAME = re.compile(r"^p[89]-sys\d{2,}-\d{4}-[0-9A-Z]{3}-SN[0-9A-Z]{7}$")
CLIENT_NAME = re.compile(r"^sys\d{2,}-lp\d{3,}$")
VIOS_NAME = re.compile(r"^sys\d{2,}-vios[12]$")


# ----- independent reading of the state -----

def clients(sc: Scenario) -> list[tuple[ManagedSystem, Lpar]]:
    return [(ms, lp) for ms in sc.systems for lp in ms.lpars if lp.env != "vioserver"]


def vioses(ms: ManagedSystem) -> list[Lpar]:
    return [lp for lp in ms.lpars if lp.env == "vioserver"]


def fabrics_of(ms: ManagedSystem) -> frozenset[str]:
    return frozenset(p.fabric for v in vioses(ms) for p in v.vios.fc_ports if p.npiv)


def peers(sc: Scenario, ms: ManagedSystem) -> list[ManagedSystem]:
    """Other systems on the same SAN fabrics."""
    return [o for o in sc.systems if o is not ms and fabrics_of(o) == fabrics_of(ms)]


def bridged_vlans(ms: ManagedSystem) -> set[int]:
    vlans: set[int] = set()
    for v in vioses(ms):
        trunks = {a.slot: a for a in v.eth if a.is_trunk}
        for sea in v.vios.seas:
            for slot in sea.trunk_slots:
                vlans.add(trunks[slot].port_vlan_id)
                vlans.update(trunks[slot].addl_vlan_ids)
    return vlans


def backing_luns(ms: ManagedSystem, lp: Lpar) -> list[tuple[Lpar, str, str]]:
    """(serving VIOS, hdisk, LUN) for every backing device of the partition's vSCSI adapters."""
    out = []
    for adapter in lp.scsi:
        vios = next(v for v in vioses(ms) if v.name == adapter.remote_lpar)
        server = next(a for a in vios.scsi if a.slot == adapter.remote_slot)
        assert server.remote_lpar == lp.name and server.remote_slot == adapter.slot
        for dev in server.backing:
            disk = next(d for d in vios.vios.disks if d.name == dev)
            out.append((vios, dev, disk.lun))
    return out


def problems(sc: Scenario, ms: ManagedSystem, lp: Lpar) -> set[str]:
    """Misconfiguration kinds found on one client partition (named as in generator.MISCONFIG_KINDS)."""
    found: set[str] = set()
    zoned = {w: f.name for f in sc.fabrics for w in f.zoned_wwpns}
    for vios, dev, lun in backing_luns(ms, lp):
        disk = next(d for d in vios.vios.disks if d.name == dev)
        if disk.reserve_policy not in ("no_reserve", "PR_shared"):
            found.add("reserve_policy")
    for adapter in lp.fc:
        assert len(adapter.wwpns) == 2
        if any(w not in zoned for w in adapter.wwpns):
            found.add("wwpn_not_zoned")
    if lp.state == "Running" and lp.rmc_state != "active":
        found.add("rmc_inactive")
    if lp.io_slots:
        found.add("physical_io")
    if lp.migration_disabled:
        found.add("migration_disabled")
    if lp.huge_pages:
        found.add("huge_pages")
    mode = Estate.current_compat(ms, lp)
    for other in peers(sc, ms):
        if mode not in Estate.compat_modes(other):
            found.add("compat_mode")
        if not {a.port_vlan_id for a in lp.eth} <= bridged_vlans(other):
            found.add("vlan_not_bridged")
        luns = {d.lun: d for v in vioses(other) for d in v.vios.disks}
        for _, _, lun in backing_luns(ms, lp):
            if lun not in luns:
                found.add("lun_not_visible")
        fabrics = fabrics_of(other)
        if any(zoned.get(w, "") not in fabrics for a in lp.fc for w in a.wwpns if w in zoned):
            found.add("fabric_not_reachable")
    if not {a.port_vlan_id for a in lp.eth} <= bridged_vlans(ms):
        found.add("vlan_not_bridged_at_home")
    return found


def lmb_outliers(sc: Scenario) -> set[str]:
    return {ms.name for ms in sc.systems if any(o.lmb_mb != ms.lmb_mb for o in peers(sc, ms))
            and Counter(o.lmb_mb for o in peers(sc, ms)).most_common(1)[0][0] != ms.lmb_mb}


def evacuation_failures(sc: Scenario) -> list[str]:
    """Systems whose client partitions cannot all be placed on their peers (largest first, roomiest target)."""
    estate = Estate(sc, manual_clock=True)
    failures = []
    for ms in sc.systems:
        movers = [lp for lp in ms.lpars if lp.env != "vioserver"]
        targets = peers(sc, ms)
        if not movers:
            continue
        if not targets:
            failures.append(ms.name)
            continue
        mem = {t.name: estate.avail_mem_mb(t) for t in targets}
        proc = {t.name: estate.avail_proc_units(t) for t in targets}
        for lp in sorted(movers, key=lambda p: -p.mem_mb):
            need_mem = lp.mem_mb + Estate.hpt_mb(lp)
            fits = [t for t in mem if mem[t] >= need_mem and proc[t] >= lp.proc_units - 1e-9]
            if not fits:
                failures.append(f"{ms.name}: {lp.name}")
                break
            best = max(fits, key=lambda t: mem[t])
            mem[best] -= need_mem
            proc[best] -= lp.proc_units
    return failures


# ----- fixtures -----

@pytest.fixture(scope="module")
def fleet() -> Scenario:
    # 10 systems in SAN groups of 4 and 6 (a short last group joins the one before); the second group
    # spans both HMCs
    return generator.generate(seed=11, hmcs=2, systems=10, lpars=200)


@pytest.fixture(scope="module")
def big() -> tuple[Scenario, float]:
    started = time.perf_counter()
    sc = generator.generate(seed=2024, hmcs=2, systems=20, lpars=1000)
    return sc, time.perf_counter() - started


# ----- determinism and size -----

def test_same_seed_gives_identical_yaml() -> None:
    first = scenario.dump(generator.generate(seed=5, systems=6, lpars=60, misconfig=0.2))
    second = scenario.dump(generator.generate(seed=5, systems=6, lpars=60, misconfig=0.2))
    assert first == second
    assert scenario.dump(generator.generate(seed=6, systems=6, lpars=60, misconfig=0.2)) != first


def test_big_fleet_generates_fast_and_round_trips(big: tuple[Scenario, float]) -> None:
    sc, seconds = big
    assert seconds < 5.0
    assert len(sc.hmcs) == 2 and len(sc.systems) == 20
    assert len(clients(sc)) == 1000
    again = scenario.from_dict(scenario.to_dict(sc))
    assert again == sc


def test_yaml_text_loads_back(tmp_path: Path) -> None:
    sc = generator.generate(seed=3, systems=4, lpars=30, misconfig=0.3)
    path = tmp_path / "fleet.yaml"
    path.write_text(scenario.dump(sc))
    assert scenario.load(str(path)) == sc


# ----- shape and names -----

def test_counts_names_and_hmc_spread(fleet: Scenario) -> None:
    assert [h.name for h in fleet.hmcs] == ["hmc01", "hmc02"]
    assert Counter(ms.hmc for ms in fleet.systems) == {"hmc01": 5, "hmc02": 5}
    assert sorted(Counter(fabrics_of(ms) for ms in fleet.systems).values()) == [4, 6]
    assert len(clients(fleet)) == 200
    names = [lp.name for ms in fleet.systems for lp in ms.lpars]
    assert len(names) == len(set(names)), "partition names must be unique in the estate"
    assert len({ms.serial for ms in fleet.systems}) == len(fleet.systems)
    for i, ms in enumerate(fleet.systems, start=1):
        assert SYSTEM_NAME.match(ms.name), ms.name
        assert f"-sys{i:02d}-{ms.type_model}-SN{ms.serial}" in ms.name
        assert ms.name.startswith({"POWER8": "p8", "POWER9": "p9"}[ms.proc_type])
        assert [v.name for v in vioses(ms)] == [f"sys{i:02d}-vios1", f"sys{i:02d}-vios2"]
        assert [v.id for v in vioses(ms)] == [1, 2]
        for lp in ms.lpars:
            if lp.env != "vioserver":
                assert CLIENT_NAME.match(lp.name) and lp.name == f"sys{i:02d}-lp{lp.id:03d}"
    # systems on one HMC are contiguous blocks: sys01-05 on hmc01
    assert [ms.hmc for ms in fleet.systems[:5]] == ["hmc01"] * 5


def test_mixed_generations_and_compatible_modes(fleet: Scenario) -> None:
    for ms in fleet.systems:
        group = [ms] + peers(fleet, ms)
        assert {o.proc_type for o in group} == {"POWER8", "POWER9"}
        assert {o.lmb_mb for o in group} == {256}
    for ms, lp in clients(fleet):
        if ms.proc_type == "POWER9":
            assert lp.compat_desired == "POWER8"
        assert Estate.current_compat(ms, lp) == "POWER8"


def test_clean_fleet_has_no_problems(fleet: Scenario) -> None:
    found = {lp.name: problems(fleet, ms, lp) for ms, lp in clients(fleet)}
    assert {name: kinds for name, kinds in found.items() if kinds} == {}
    assert lmb_outliers(fleet) == set()


def test_any_one_system_can_be_evacuated(fleet: Scenario, big: tuple[Scenario, float]) -> None:
    assert evacuation_failures(fleet) == []
    assert evacuation_failures(big[0]) == []
    estate = Estate(fleet, manual_clock=True)
    assert all(estate.avail_mem_mb(ms) > 0 and estate.avail_proc_units(ms) > 0 for ms in fleet.systems)


def test_vios_pairs_storage_and_networking(fleet: Scenario) -> None:
    for ms in fleet.systems:
        vio1, vio2 = vioses(ms)
        assert vio1.vios.fc_ports[0].fabric != vio2.vios.fc_ports[0].fabric
        assert (vio1.vios.seas[0].state, vio2.vios.seas[0].state) == ("PRIMARY", "BACKUP")
        assert all(v.time_ref for v in (vio1, vio2))
        luns = [[d.lun for d in v.vios.disks if d.kind == "san"] for v in (vio1, vio2)]
        assert luns[0] == luns[1] and len(set(luns[0])) == len(luns[0])
        for v in (vio1, vio2):
            used = [a.slot for a in v.eth + v.scsi + v.fc]
            assert len(used) == len(set(used)) and max(used) < v.max_virtual_slots
            unit = f"U{ms.type_model.replace('-', '.')}.{ms.serial}-P1-C"
            assert all(p.physloc.startswith(unit) for p in v.vios.fc_ports)
        # physical slots: only the VIOS own them, each in its own position C1..C4 of the system unit
        owned = [int(d, 16) for lp in ms.lpars for d in lp.io_slots]
        assert sorted((d >> 16) & 0xFF for d in owned) == [1, 2, 3, 4]
        assert all(lp.env == "vioserver" for lp in ms.lpars if lp.io_slots)
    kinds = Counter(("scsi" if lp.scsi else "") + ("fc" if lp.fc else "") for _, lp in clients(fleet))
    assert set(kinds) == {"scsi", "fc", "scsifc"}
    assert kinds["scsi"] > 50 and kinds["fc"] > 50


def test_sizes_and_workloads_are_realistic(big: tuple[Scenario, float]) -> None:
    sc = big[0]
    lps = [lp for _, lp in clients(sc)]
    mem_gb = sorted(lp.mem_mb / 1024 for lp in lps)
    assert mem_gb[0] >= 4 and mem_gb[-1] <= 256
    median = mem_gb[len(mem_gb) // 2]
    assert 6 <= median <= 32
    assert mem_gb[-1] >= 4 * median, "the size distribution needs a long tail"
    dirty = [lp.workload.dirty_rate_mbs for lp in lps]
    assert all(0 <= d <= 300 for d in dirty)
    assert sum(d <= 30 for d in dirty) > 0.5 * len(dirty)
    assert 0.04 * len(dirty) < sum(d >= 100 for d in dirty) < 0.2 * len(dirty)
    assert all(0.5 <= lp.workload.wws_pct <= 10 and 0.3 <= lp.workload.touched_fraction <= 1.0 for lp in lps)
    assert all(lp.proc_units / lp.procs >= 0.05 and lp.proc_units <= lp.procs for lp in lps)
    states = Counter(lp.state for lp in lps)
    assert set(states) == {"Running", "Not Activated"} and states["Not Activated"] < 0.06 * len(lps)


def test_msp_pairs_and_link_speeds() -> None:
    one = generator.generate(seed=1, systems=4, lpars=8, link_gbps=[1])
    assert [[v.msp for v in vioses(ms)] for ms in one.systems] == [[True, False]] * 4
    assert {v.vios.msp_link_gbps for ms in one.systems for v in vioses(ms)} == {1.0}
    assert all(v.vios.vioslpm0 == {"cfg_msp_lpm_ops": "4"} for ms in one.systems for v in vioses(ms))
    two = generator.generate(seed=1, systems=8, lpars=8, msp_pairs=2, link_gbps=[10, 25])
    assert all(v.msp for ms in two.systems for v in vioses(ms))
    assert {v.vios.msp_link_gbps for ms in two.systems for v in vioses(ms)} == {10.0, 25.0}


def test_dense_fleet_can_still_be_evacuated() -> None:
    # hundreds of partitions per system, some of them up to 1 TB: sizing must still converge
    sc = generator.generate(seed=5, systems=3, lpars=900, memory_range_gb=(4, 1024))
    assert len(clients(sc)) == 900
    assert evacuation_failures(sc) == []


def test_target_share_leaves_landing_systems_empty() -> None:
    sc = generator.generate(seed=4, systems=8, lpars=40, target_share=0.5)
    per_system = [len([lp for lp in ms.lpars if lp.env != "vioserver"]) for ms in sc.systems]
    assert per_system[2:4] == [0, 0] and per_system[6:8] == [0, 0]
    assert sum(per_system) == 40 and min(per_system[:2] + per_system[4:6]) >= 9
    assert evacuation_failures(sc) == []


def test_memory_range_bounds_partitions() -> None:
    sc = generator.generate(seed=3, systems=4, lpars=300, memory_range_gb=(8, 2048))
    mem = [lp.mem_mb // 1024 for _, lp in clients(sc)]
    assert min(mem) >= 8 and max(mem) <= 2048 and max(mem) > 256
    assert evacuation_failures(sc) == []


@pytest.mark.parametrize("kwargs", [
    {"systems": 0}, {"misconfig": 1.5}, {"msp_pairs": 3}, {"link_gbps": [3]}, {"misconfig_kinds": ["nope"]},
    {"memory_range_gb": (64, 8)}, {"san_group_size": 1},
])
def test_bad_arguments_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        generator.generate(seed=1, **kwargs)


# ----- misconfiguration -----

def test_misconfig_share_is_injected_and_reported() -> None:
    result = generator.generate_with_report(seed=21, hmcs=2, systems=8, lpars=100, misconfig=0.2)
    sc, injected = result
    assert len(injected) == 20
    assert len({i["lpar"] or i["system"] for i in injected}) == 20
    by_lpar = {i["lpar"]: i for i in injected if i["lpar"]}
    for ms, lp in clients(sc):
        found = problems(sc, ms, lp)
        if lp.name in by_lpar:
            assert by_lpar[lp.name]["kind"] in found, (lp.name, by_lpar[lp.name], found)
            assert by_lpar[lp.name]["system"] == ms.name
        else:
            assert found == set(), (lp.name, found)
    lmb = {i["system"] for i in injected if i["kind"] == "lmb_mismatch"}
    assert lmb_outliers(sc) == lmb
    for item in injected:
        assert item["detail"] and item["detail"] in sc.description
    assert f"Injected misconfigurations ({len(injected)})" in sc.description
    assert len(Counter(i["kind"] for i in injected)) >= 5


@pytest.mark.parametrize("kind", sorted(generator.MISCONFIG_KINDS))
def test_each_kind_can_be_injected_alone(kind: str) -> None:
    sc, injected = generator.generate_with_report(seed=8, systems=4, lpars=40, misconfig=0.1, misconfig_kinds=[kind])
    expected = 1 if kind == "lmb_mismatch" else 4
    assert [i["kind"] for i in injected] == [kind] * expected
    if kind == "lmb_mismatch":
        assert lmb_outliers(sc) == {injected[0]["system"]} and injected[0]["lpar"] == ""
        return
    broken = {lp.name: problems(sc, ms, lp) for ms, lp in clients(sc) if problems(sc, ms, lp)}
    assert broken == {i["lpar"]: {kind} for i in injected}
    for ms in sc.systems:
        positions = [(int(d, 16) >> 16) & 0xFF for lp in ms.lpars for d in lp.io_slots]
        assert len(positions) == len(set(positions))


def test_compat_mode_detail_names_the_power8_peers() -> None:
    sc, injected = generator.generate_with_report(seed=2, systems=4, lpars=20, misconfig=0.05,
                                                  misconfig_kinds=["compat_mode"])
    item = injected[0]
    ms = next(s for s in sc.systems if s.name == item["system"])
    assert ms.proc_type == "POWER9"
    assert [o.name for o in peers(sc, ms) if o.proc_type == "POWER8"] == \
        item["detail"].split("not supported on ")[1].split(", ")


def test_clean_description_says_so() -> None:
    sc = generator.generate(seed=1, systems=2, lpars=4)
    assert "No misconfigurations injected." in sc.description
    assert "2 managed systems" in sc.description and "4 client partitions" in sc.description


# ----- against the twin's own LPM validation -----

# The validation rule that must report each kind of injected misconfiguration.
RULE_FOR_KIND = {"reserve_policy": "scsi_reserve_policy", "wwpn_not_zoned": "fc_hosted",
                 "vlan_not_bridged": "vlan_bridged", "rmc_inactive": "rmc_partition", "physical_io": "physical_io",
                 "migration_disabled": "migration_enabled", "huge_pages": "huge_pages", "compat_mode": "compat_mode",
                 "lmb_mismatch": "lmb_size"}


def rule_code(rule: str) -> str:
    return str(messages()["lpm_rules"][rule]["code"])


def validation_errors(sc: Scenario) -> dict[tuple[str, str], set[str]]:
    """(partition, target system) -> error codes of migrlpar -o v to each system of its SAN group.

    Targets on another HMC are named with --ip, as a remote migration would be."""
    estate = Estate(sc, manual_clock=True)
    errors = {}
    for ms, lp in clients(sc):
        kind = "inactive" if lp.state == "Not Activated" else "active"
        for target in peers(sc, ms):
            remote = estate.hmcs[target.hmc].ipaddr if target.hmc != ms.hmc else ""
            req = MigrationRequest("v", ms, lp, target, kind=kind, remote_hmc=remote,
                                   remote_user="hscroot" if remote else "")
            errors[(lp.name, target.name)] = {f.code for f in validate(estate, req).findings if not f.warning}
    return errors


def test_clean_fleet_passes_lpm_validation(fleet: Scenario) -> None:
    errors = validation_errors(fleet)
    assert len({target for _, target in errors}) == len(fleet.systems)
    hmc_of = {ms.name: ms.hmc for ms in fleet.systems}
    source_of = {lp.name: ms.name for ms, lp in clients(fleet)}
    assert any(hmc_of[source_of[name]] != hmc_of[target] for name, target in errors), "no remote migration checked"
    capacity = {rule_code("memory_available"), rule_code("processors_available")}
    # a large partition may not fit on every single peer, but nothing else may fail ...
    assert set().union(*errors.values()) <= capacity
    # ... and every partition can go to at least one system of its SAN group
    for ms, lp in clients(fleet):
        assert any(not errors[(lp.name, t.name)] for t in peers(fleet, ms)), lp.name


def test_injected_misconfigurations_fail_lpm_validation() -> None:
    sc, injected = generator.generate_with_report(seed=21, hmcs=2, systems=8, lpars=100, misconfig=0.3)
    errors = validation_errors(sc)
    assert {i["kind"] for i in injected} == set(generator.MISCONFIG_KINDS)
    for item in injected:
        code = rule_code(RULE_FOR_KIND[item["kind"]])
        ms = next(s for s in sc.systems if s.name == item["system"])
        targets = peers(sc, ms)
        if item["kind"] == "compat_mode":
            targets = [t for t in targets if t.proc_type == "POWER8"]
        movers = [item["lpar"]] if item["lpar"] else [lp.name for lp in ms.lpars if lp.env != "vioserver"]
        for name in movers:
            assert all(code in errors[(name, t.name)] for t in targets), (item, name)
    broken = {i["lpar"] for i in injected} | {lp.name for i in injected if i["kind"] == "lmb_mismatch"
                                              for s in sc.systems if s.name == i["system"] for lp in s.lpars}
    capacity = {rule_code("memory_available"), rule_code("processors_available")}
    lmb_code = rule_code("lmb_size")
    for (name, target), codes in errors.items():
        if name not in broken:
            assert codes - capacity <= {lmb_code}, (name, target, codes)


# ----- command line -----

def test_main_generate_writes_the_same_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "f.yaml"
    argv = ["--seed", "12", "--hmcs", "2", "--systems", "4", "--lpars", "30", "--misconfig", "0.1",
            "--link-gbps", "10,25", "--msp-pairs", "2"]
    assert generator.main_generate(argv + ["-o", str(out)]) == 0
    expected = generator.generate(seed=12, hmcs=2, systems=4, lpars=30, misconfig=0.1, link_gbps=[10, 25],
                                  msp_pairs=2)
    assert out.read_text() == scenario.dump(expected)
    assert "3 injected misconfiguration(s)" in capsys.readouterr().err
    assert generator.main_generate(argv) == 0
    assert capsys.readouterr().out == out.read_text()


def test_main_generate_rejects_bad_values(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        generator.main_generate(["--misconfig", "2"])
    assert exc.value.code == 2
    assert "misconfig must be between 0 and 1" in capsys.readouterr().err
