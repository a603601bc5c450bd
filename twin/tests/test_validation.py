"""LPM validation: every rule broken on purpose in the seed lab, overrides, and what is resolved.

The ``estate`` fixture (conftest) is a fresh seed lab for each test."""
from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any, Callable, Optional

import pytest

from hmcsim import scenario
from hmcsim.core import messages
from hmcsim.estate import Estate
from hmcsim.faults import Fault
from hmcsim.model import Hmc, Lpar, ManagedSystem, User, VEth
from hmcsim.request import Mapping, MigrationRequest, Resolution
from hmcsim.rules import KINDS, RULES
from hmcsim.validation import rule_table, validate

SRC = "p750-Server-8233-E8B-SN069348P"
DST = "p740-Server-8205-E6B-SN10934CP"
MOBILE = "b750nl2"
MIGRLPAR_FLAGS = {"redundantvios", "mpio", "vlanbridge", "vsi", "uuid", "protectstorage", "requirerr",
                  "redundantmsps", "npivval"}


def part(estate: Estate, name: str) -> Lpar:
    return next(lp for ms in estate.scenario.systems for lp in ms.lpars if lp.name == name)


def system(estate: Estate, name: str) -> ManagedSystem:
    return estate.systems[name]


def server(estate: Estate, vios: str, kind: str, slot: int) -> Any:
    return next(a for a in getattr(part(estate, vios), kind) if a.slot == slot)


def request(estate: Estate, lpar: str = MOBILE, kind: str = "active", target: Optional[str] = DST,
            **extra: Any) -> MigrationRequest:
    return MigrationRequest("v", system(estate, SRC), part(estate, lpar),
                            system(estate, target) if target else None, kind=kind, **extra)


def check(estate: Estate, **kwargs: Any) -> Resolution:
    return validate(estate, request(estate, **kwargs))


def codes(findings: list) -> list[str]:
    return [f.code for f in findings]


def fake_migration(lpar: str = "other", kind: str = "active", source: str = SRC, target: str = DST,
                   source_msp: str = "b750vio2", dest_msp: str = "b740vio2") -> SimpleNamespace:
    return SimpleNamespace(lpar=lpar, kind=kind, source=source, target=target, source_msp=source_msp,
                           dest_msp=dest_msp, in_progress=True)


def add_remote_hmc(estate: Estate, version: str = "V7R7.8.0", trusted: tuple[str, ...] = ()) -> None:
    estate.scenario.hmcs.append(Hmc(name="hmc2", ipaddr="10.33.5.99", version=version,
                                    users=[User("hscroot", "abc123")]))
    estate.hmcs["bpichmc"].trusted.extend(trusted)
    system(estate, DST).hmc = "hmc2"
    estate.reindex()


# ----- breakers: (rule, mutation, request arguments, expected error code) -----

def _set(getter: Callable[[Estate], Any], **values: Any) -> Callable[[Estate], None]:
    def mutate(estate: Estate) -> None:
        obj = getter(estate)
        for key, value in values.items():
            setattr(obj, key, value)
    return mutate


def _nl2(**values: Any) -> Callable[[Estate], None]:
    return _set(lambda e: part(e, MOBILE), **values)


def _dst(**values: Any) -> Callable[[Estate], None]:
    return _set(lambda e: system(e, DST), **values)


def _dst_caps(**caps: int) -> Callable[[Estate], None]:
    return lambda e: system(e, DST).capabilities.update(caps)


def _both_dest_vios(fn: Callable[[Lpar], None]) -> Callable[[Estate], None]:
    def mutate(estate: Estate) -> None:
        for name in ("b740vio1", "b740vio2"):
            fn(part(estate, name))
    return mutate


def _lun_of_hdisk2(vios: Lpar) -> None:
    assert vios.vios is not None
    next(d for d in vios.vios.disks if d.name == "hdisk2").lun = "60050768018086B6E0000000000009FF"


def _optical(estate: Estate) -> None:
    vio1 = part(estate, "b750vio1")
    assert vio1.vios is not None
    vio1.vios.optical.append("cd0")
    server(estate, "b750vio1", "scsi", 27).backing.append("cd0")


def _lv_backing(estate: Estate) -> None:
    vio1 = part(estate, "b750vio1")
    assert vio1.vios is not None
    vio1.vios.logical_volumes.append("lv_nl2")
    server(estate, "b750vio1", "scsi", 27).backing = ["lv_nl2"]


def _disk(vios: str, name: str, **values: Any) -> Callable[[Estate], None]:
    def mutate(estate: Estate) -> None:
        info = part(estate, vios).vios
        assert info is not None
        disk = next(d for d in info.disks if d.name == name)
        for key, value in values.items():
            setattr(disk, key, value)
    return mutate


def _unzone(estate: Estate) -> None:
    fabric = next(f for f in estate.scenario.fabrics if f.name == "FAB_A")
    fabric.zoned_wwpns.remove("c0507603a2920085")


def _drop_vlan10(vios: Lpar) -> None:
    next(e for e in vios.eth if e.slot == 11).addl_vlan_ids = [20, 30]


def _sea_down(vios: Lpar) -> None:
    assert vios.vios is not None
    vios.vios.seas[0].link_up = False


def _name_taken(estate: Estate) -> None:
    system(estate, DST).lpars.append(Lpar(name=MOBILE, id=20))


def _mac_taken(estate: Estate) -> None:
    part(estate, "b740lp1").eth[0].mac_addr = part(estate, MOBILE).eth[0].mac_addr


def _uuid_taken(estate: Estate) -> None:
    part(estate, "b740lp1").uuid = part(estate, MOBILE).uuid


def _migrations(*migrations: SimpleNamespace) -> Callable[[Estate], None]:
    return lambda e: e.migrations.extend(migrations)


def _dst_active_limit(estate: Estate) -> None:
    system(estate, DST).active_migrations_supported = 1
    estate.migrations.append(fake_migration())


def _src_inactive_limit(estate: Estate) -> None:
    system(estate, SRC).inactive_migrations_supported = 1
    estate.migrations.append(fake_migration(kind="inactive", target="elsewhere"))


def _vsi(estate: Estate) -> None:
    part(estate, MOBILE).eth[0].vsi_profile = "1/23/1"
    system(estate, DST).capabilities["vsi_on_veth_capable"] = 0


def _fault(estate: Estate) -> None:
    estate.faults.append(Fault("validation_failure", target=MOBILE, code="HSCLA27C"))


def _processor_gen(estate: Estate) -> None:
    ms = system(estate, DST)
    ms.proc_type = "POWER5"
    ms.compat_modes = ["default", "POWER5", "POWER6", "POWER6_Plus", "POWER7"]


def _never_activated(estate: Estate) -> None:
    part(estate, MOBILE).state = "Not Activated"
    part(estate, MOBILE).ever_activated = False


def _compat_desired(estate: Estate) -> None:
    part(estate, "b750test1").compat_desired = "POWER7"
    system(estate, DST).compat_modes = ["default", "POWER5", "POWER6"]


NONE: dict[str, Any] = {}
BREAKERS: list[tuple[str, str, Callable[[Estate], None], dict[str, Any], str]] = [
    ("remote_hmc_trust", "unknown remote HMC", lambda e: None, {"remote_hmc": "10.9.9.9", "remote_user": "hscroot"},
     "HSCL3653"),
    ("remote_hmc_trust", "no SSH key trust", lambda e: add_remote_hmc(e), {"remote_hmc": "10.33.5.99"}, "HSCL3653"),
    ("remote_hmc_level", "remote HMC too old", lambda e: add_remote_hmc(e, "V7R3.3.0", ("hscroot@10.33.5.99",)),
     {"remote_hmc": "10.33.5.99", "remote_user": "hscroot"}, "HSCLA25D"),
    ("target_known", "destination unknown", lambda e: None, {"target": None}, "HSCLA258"),
    ("systems_operating", "destination powered off", _dst(state="Power Off"), NONE, "HSCLA253"),
    ("processor_generation", "POWER5 destination", _processor_gen, NONE, "HSCLA250"),
    ("mobility_capable", "no active mobility", _dst_caps(active_lpar_mobility_capable=0), NONE, "HSCLA250"),
    ("mobility_capable", "no inactive mobility", _dst_caps(inactive_lpar_mobility_capable=0),
     {"lpar": "b750test1", "kind": "inactive"}, "HSCLA250"),
    ("powervm_capabilities", "no virtual FC", _dst_caps(virtual_fc_capable=0), NONE, "HSCLA23C"),
    ("firmware_compatible", "incompatible pair", _dst(firmware="EL340_039"), NONE, "HSCLA259"),
    ("firmware_compatible", "below minimum", _dst(firmware="EL320_040"), NONE, "HSCLA259"),
    ("lmb_size", "different LMB", _dst(lmb_mb=128), NONE, "HSCLA22A"),
    ("migrations_supported", "destination at its active limit", _dst_active_limit, NONE, "HSCLA233"),
    ("migrations_supported", "source at its inactive limit", _src_inactive_limit,
     {"lpar": "b750test1", "kind": "inactive"}, "HSCLA233"),
    ("rmc_partition", "RMC down on the partition", _nl2(rmc_state="inactive"), NONE, "HSCLA246"),
    ("rmc_vios", "RMC down on a destination VIOS", _set(lambda e: part(e, "b740vio2"), rmc_state="inactive"),
     NONE, "HSCLA246"),
    ("rmc_vios", "RMC down on a source VIOS", _set(lambda e: part(e, "b750vio2"), rmc_state="inactive"),
     NONE, "HSCLA246"),
    ("msp_requested", "requested MSP is not a VIOS", lambda e: None, {"source_msp_name": "b750db1"}, "HSCLA25B"),
    ("msp_requested", "requested MSP does not exist", lambda e: None, {"dest_msp_id": 9}, "HSCLA25B"),
    ("msp_available", "no MSP on the destination", _both_dest_vios(lambda v: setattr(v, "msp", False)), NONE,
     "HSCLA234"),
    ("msp_available", "no VASI on the destination",
     _both_dest_vios(lambda v: setattr(v.vios, "vasi", False)), NONE, "HSCLA234"),
    ("msp_link", "MSPs cannot communicate", _both_dest_vios(lambda v: setattr(v.vios, "msp_link_gbps", 0.0)),
     NONE, "HSCLA244"),
    ("msp_redundant", "redundant MSPs required, one MSP on the destination",
     _set(lambda e: part(e, "b740vio2"), msp=False), {"flags": {"redundantmsps": "1"}}, "HSCLA267"),
    ("not_vios", "partition is a VIOS", _nl2(env="vioserver"), NONE, "HSCLA235"),
    ("migration_enabled", "migration disabled", _nl2(migration_disabled=True), NONE, "HSCLA236"),
    ("not_migrating", "state says migrating", _nl2(state="Migrating - Running"), NONE, "HSCLA245"),
    ("not_migrating", "a migration in progress", _migrations(fake_migration(lpar=MOBILE)), NONE, "HSCLA245"),
    ("valid_state", "Open Firmware", _nl2(state="Open Firmware"), NONE, "HSCLA237"),
    ("valid_state", "running partition, inactive kind", lambda e: None, {"kind": "inactive"}, "HSCLA237"),
    ("ever_activated", "never activated", _never_activated, {"kind": "inactive"}, "HSCLA238"),
    ("os_level", "AIX 5.3 TL6", _nl2(os_version="AIX 5.3 5300-06-01-0000"), NONE, "HSCLA25E"),
    ("os_level", "SLES 9", _nl2(os_version="Linux/SuSE 2.6.5-7.244-pseries64 9"), NONE, "HSCLA25E"),
    ("physical_io", "physical slot", _nl2(io_slots=["21010207"]), NONE, "HSCLA22F"),
    ("lhea_sriov", "LHEA port", _nl2(lhea_ports=["23000000/2/1"]), NONE, "HSCLA240"),
    ("lhea_sriov", "SR-IOV port", _nl2(sriov_ports=["27004002"]), NONE, "HSCLA240"),
    ("huge_pages", "huge pages", _nl2(huge_pages=2), NONE, "HSCLA230"),
    ("bsr", "BSR arrays", _nl2(bsr_arrays=1), NONE, "HSCLA231"),
    ("workload_group", "workload group", _nl2(work_group_id="1"), NONE, "HSCLA232"),
    ("redundant_error_path", "redundant error path", _nl2(redundant_err_path_reporting=True), NONE, "HSCLA260"),
    ("service_partition", "service partition", _nl2(service_partition=True), NONE, "HSCLA261"),
    ("virtual_serial", "required serial slot 3", _nl2(serial_slots=[0, 1, 3], required_serial_slots=[3]), NONE,
     "HSCLA23F"),
    ("ibmi_mobility", "IBM i not restricted", _nl2(env="os400", os_version="IBM i 7.1"), NONE, "HSCLA247"),
    ("ibmi_mobility", "destination not IBM i mobility capable",
     lambda e: (_nl2(env="os400", os_version="IBM i 7.1", ibmi_restricted_io=True)(e),
                _dst_caps(os400_lpar_mobility_capable=0)(e)), NONE, "HSCLA247"),
    ("name_free", "name in use", _name_taken, NONE, "HSCLA22C"),
    ("id_free", "requested ID in use", lambda e: None, {"dest_lpar_id": 3}, "HSCLA22D"),
    ("id_valid", "requested ID out of range", lambda e: None, {"dest_lpar_id": 500}, "HSCLA263"),
    ("id_available", "no free ID", _dst(max_lpars=3), NONE, "HSCLA262"),
    ("memory_available", "not enough memory", _dst(installed_mem_mb=35000), NONE, "HSCLA228"),
    ("processors_available", "not enough processing units", _dst(installed_proc_units=3.2), NONE, "HSCLA229"),
    ("compat_mode", "current mode unsupported", _dst(compat_modes=["default", "POWER5", "POWER6"]), NONE,
     "HSCLA22B"),
    ("compat_mode", "preferred mode unsupported (inactive)", _compat_desired,
     {"lpar": "b750test1", "kind": "inactive"}, "HSCLA22B"),
    ("proc_units_per_vp", "0.05 per VP to a 0.1 system",
     lambda e: (_nl2(proc_units=0.1, procs=2)(e), _dst(min_proc_units_per_vp=0.1)(e)), NONE, "HSCLA248"),
    ("shared_memory", "AMS without paging device", _nl2(mem_mode="shared"), NONE, "HSCLA243"),
    ("memory_expansion", "AME unsupported",
     lambda e: (_nl2(mem_expansion=1.5)(e), _dst_caps(active_mem_expansion_capable=0)(e)), NONE, "HSCLA24A"),
    ("reserved_storage", "suspend-capable without reserved storage", _nl2(suspend_capable=True), NONE, "HSCLA242"),
    ("proc_pool", "unknown pool", lambda e: None, {"shared_proc_pool_name": "Pool9"}, "HSCLA264"),
    ("mac_unique", "MAC in use", _mac_taken, NONE, "HSCLA22E"),
    ("uuid_unique", "UUID in use", _uuid_taken, NONE, "HSCLA265"),
    ("mapping_slots", "mapping of a slot the partition lacks", lambda e: None,
     {"scsi_mappings": [Mapping(99, "b740vio1")]}, "HSCLA256"),
    ("scsi_backing_san", "internal disk", _disk("b750vio1", "hdisk4", kind="internal"), NONE, "HSCLA23A"),
    ("scsi_backing_san", "logical volume", _lv_backing, NONE, "HSCLA23A"),
    ("scsi_reserve_policy", "source single_path", _disk("b750vio1", "hdisk4", reserve_policy="single_path"), NONE,
     "HSCLA23B"),
    ("scsi_reserve_policy", "destination single_path", _disk("b740vio1", "hdisk2", reserve_policy="single_path"),
     NONE, "HSCLA23B"),
    ("scsi_optical", "cd0 mapped", _optical, NONE, "HSCLA23E"),
    ("server_adapters", "required server adapter", _set(lambda e: server(e, "b750vio1", "scsi", 27),
                                                        is_required=True), NONE, "HSCLA251"),
    ("server_adapters", "server adapter open to any", _set(lambda e: server(e, "b750vio1", "fc", 37),
                                                           remote_lpar="any"), NONE, "HSCLA251"),
    ("scsi_hosted", "LUN not seen on the destination", _both_dest_vios(_lun_of_hdisk2), NONE, "HSCLA24E"),
    ("scsi_hosted", "mapped VIOS cannot host", lambda e: _lun_of_hdisk2(part(e, "b740vio2")),
     {"scsi_mappings": [Mapping(27, "b740vio2")]}, "HSCLA24E"),
    ("fc_hosted", "one WWPN not zoned", _unzone, NONE, "HSCLA319"),
    ("fc_hosted", "no NPIV port", _both_dest_vios(lambda v: [setattr(p, "npiv", False) for p in v.vios.fc_ports]),
     NONE, "HSCLA319"),
    ("redundant_vios", "second destination VIOS cannot see the LUN", lambda e: _lun_of_hdisk2(part(e, "b740vio2")),
     NONE, "HSCLA23D"),
    ("vios_slots", "no free virtual slots", _set(lambda e: part(e, "b740vio1"), max_virtual_slots=5), NONE,
     "HSCLA252"),
    ("vios_slot_free", "requested slot in use", lambda e: None,
     {"fc_mappings": [Mapping(37, "b740vio1", None, 21)]}, "HSCLA25C"),
    ("vlan_bridged", "VLAN 10 not bridged", _both_dest_vios(_drop_vlan10), NONE, "HSCLA239"),
    ("vlan_bridged", "SEA link down", _both_dest_vios(_sea_down), NONE, "HSCLA239"),
    ("vsi_profiles", "VSI profile to a system without VSI", _vsi, NONE, "HSCLA266"),
    ("injected_failure", "validation_failure fault", _fault, NONE, "HSCLA27C"),
]

WARNINGS: list[tuple[str, str, Callable[[Estate], None], dict[str, Any], str]] = [
    ("msp_time_reference", "no time reference MSP on the source",
     _set(lambda e: part(e, "b750vio1"), time_ref=False), NONE, "HSCLA249"),
    ("physical_io_removed", "inactive partition with a physical slot",
     _set(lambda e: part(e, "b750nim"), state="Not Activated"), {"lpar": "b750nim", "kind": "inactive"},
     "HSCLA25F"),
    ("open_console", "open console", _nl2(open_console=True), NONE, "HSCLA241"),
]


@pytest.mark.parametrize("rule,what,mutate,args,code", BREAKERS, ids=[f"{b[0]}:{b[1]}" for b in BREAKERS])
def test_each_rule_reports_its_code(estate: Estate, rule: str, what: str, mutate: Callable[[Estate], None],
                                    args: dict[str, Any], code: str) -> None:
    mutate(estate)
    res = check(estate, **args)
    assert res.errors, what
    assert set(codes(res.errors)) == {code}, [f.text for f in res.errors]
    for finding in res.errors:
        assert finding.text.startswith(code + " ")
        assert "{" not in finding.text


@pytest.mark.parametrize("rule,what,mutate,args,code", WARNINGS, ids=[f"{w[0]}:{w[1]}" for w in WARNINGS])
def test_warning_rules_warn_only(estate: Estate, rule: str, what: str, mutate: Callable[[Estate], None],
                                 args: dict[str, Any], code: str) -> None:
    mutate(estate)
    res = check(estate, **args)
    assert res.errors == [], [f.text for f in res.errors]
    assert code in codes(res.findings)


def test_every_rule_has_a_breaking_scenario() -> None:
    covered = {b[0] for b in BREAKERS} | {w[0] for w in WARNINGS}
    assert covered == {r.name for r in RULES}


# ----- the healthy lab -----

def movable_clients(estate: Estate) -> list[str]:
    return [lp.name for lp in system(estate, SRC).lpars if lp.env != "vioserver"]


def test_seed_lab_validates_clean_for_b750nl2(estate: Estate) -> None:
    res = check(estate)
    assert res.findings == []
    assert (res.source_msp.name, res.dest_msp.name) == ("b750vio1", "b740vio1")


@pytest.mark.parametrize("name", ["b750nl2", "b750db1", "b750db2", "b750app1", "b750app2", "b750web1",
                                  "b750batch1"])
def test_seed_lab_running_clients_have_no_errors(estate: Estate, name: str) -> None:
    assert check(estate, lpar=name).errors == []


def test_seed_lab_client_list_is_what_the_tests_cover(estate: Estate) -> None:
    assert sorted(movable_clients(estate)) == sorted(
        ["b750nl2", "b750db1", "b750db2", "b750app1", "b750app2", "b750web1", "b750batch1", "b750nim", "b750test1"])


def test_b750nim_fails_only_on_its_physical_slot(estate: Estate) -> None:
    res = check(estate, lpar="b750nim")
    assert codes(res.errors) == ["HSCLA22F"]
    assert "21010207" in res.errors[0].text


def test_b750test1_validates_clean_as_inactive(estate: Estate) -> None:
    res = check(estate, lpar="b750test1", kind="inactive")
    assert res.findings == []
    assert res.source_msp is None and res.dest_msp is None
    assert res.fc_dest == {45: "b740vio1", 55: "b740vio2"}


def test_b750test1_cannot_move_as_active(estate: Estate) -> None:
    res = check(estate, lpar="b750test1")
    assert "HSCLA237" in codes(res.errors)
    assert "HSCLA246" in codes(res.errors)


def test_validate_changes_nothing(estate: Estate) -> None:
    before = copy.deepcopy(scenario.to_dict(estate.scenario))
    _dst_active_limit(estate)
    part(estate, MOBILE).huge_pages = 4
    mutated = copy.deepcopy(scenario.to_dict(estate.scenario))
    for name in movable_clients(estate):
        check(estate, lpar=name)
    assert scenario.to_dict(estate.scenario) == mutated
    assert mutated != before
    assert len(estate.migrations) == 1


# ----- override flags -----

@pytest.mark.parametrize("flags", [{"vlanbridge": "2"}])
def test_vlanbridge_2_turns_missing_vlan_into_warning(estate: Estate, flags: dict[str, str]) -> None:
    _both_dest_vios(_drop_vlan10)(estate)
    res = check(estate, flags=flags)
    assert res.errors == []
    warning = next(f for f in res.findings if f.code == "HSCLA239")
    assert warning.warning and warning.overridable_by == "vlanbridge"
    assert "VLAN 10" in warning.text


def test_vlanbridge_1_keeps_the_error(estate: Estate) -> None:
    _both_dest_vios(_drop_vlan10)(estate)
    res = check(estate, flags={"vlanbridge": "1"})
    assert codes(res.errors) == ["HSCLA239"]
    assert res.errors[0].overridable_by == "vlanbridge"


@pytest.mark.parametrize("flags", [{"mpio": "2"}, {"redundantvios": "2"}, {"redundantvios": "0"}])
def test_single_vios_destination_allowed_by_override(estate: Estate, flags: dict[str, str]) -> None:
    _lun_of_hdisk2(part(estate, "b740vio2"))
    res = check(estate, flags=flags)
    assert res.errors == []
    assert codes(res.findings) == ["HSCLA23D"]
    assert res.scsi_dest == {27: "b740vio1", 57: "b740vio1"}


@pytest.mark.parametrize("flags", [{}, {"mpio": "1"}, {"redundantvios": "1"}])
def test_single_vios_destination_refused_by_default(estate: Estate, flags: dict[str, str]) -> None:
    _lun_of_hdisk2(part(estate, "b740vio2"))
    assert codes(check(estate, flags=flags).errors) == ["HSCLA23D"]


def test_dual_vios_mpio_over_npiv_needs_two_destination_vios(estate: Estate) -> None:
    part(estate, "b740vio2").state = "Not Activated"
    res = check(estate)
    assert codes(res.errors) == ["HSCLA23D", "HSCLA23D"]
    assert res.fc_dest == {37: "b740vio1", 47: "b740vio1"}
    assert check(estate, flags={"redundantvios": "2"}).errors == []


def test_vsi_2_turns_vsi_profile_error_into_warning(estate: Estate) -> None:
    _vsi(estate)
    res = check(estate, flags={"vsi": "2"})
    assert res.errors == []
    assert [(f.code, f.warning, f.overridable_by) for f in res.findings] == [("HSCLA266", True, "vsi")]


def test_vsi_profile_to_a_vsi_capable_system_is_fine(estate: Estate) -> None:
    part(estate, MOBILE).eth[0].vsi_profile = "1/23/1"
    assert check(estate).findings == []


def test_uuid_2_turns_uuid_clash_into_warning(estate: Estate) -> None:
    _uuid_taken(estate)
    res = check(estate, flags={"uuid": "2"})
    assert res.errors == []
    assert codes(res.findings) == ["HSCLA265"]


def test_npivval_port_checks_only_the_inactive_wwpn(estate: Estate) -> None:
    _unzone(estate)          # removes the inactive WWPN of slot 37 from FAB_A
    assert codes(check(estate, flags={"npivval": "portdisk"}).errors) == ["HSCLA319"]
    fabric = next(f for f in estate.scenario.fabrics if f.name == "FAB_A")
    fabric.zoned_wwpns.append("c0507603a2920085")
    fabric.zoned_wwpns.remove("c0507603a2920084")      # the active WWPN
    assert check(estate, flags={"npivval": "port"}).errors == []
    assert codes(check(estate).errors) == ["HSCLA319"]


def test_remote_hmc_with_trust_validates_clean(estate: Estate) -> None:
    add_remote_hmc(estate, trusted=("hscroot@10.33.5.99",))
    assert check(estate, remote_hmc="10.33.5.99", remote_user="hscroot").findings == []
    assert check(estate, remote_hmc="hmc2", remote_user="hscroot").findings == []
    res = check(estate, remote_hmc="10.33.5.99", remote_user="someone")
    assert codes(res.errors) == ["HSCL3653"]
    assert "someone" in res.errors[0].text


def test_remote_trust_by_name_for_any_user(estate: Estate) -> None:
    add_remote_hmc(estate, trusted=("hmc2",))
    assert check(estate, remote_hmc="10.33.5.99", remote_user="hscroot").errors == []


# ----- MSP selection -----

def test_msp_concurrency_cap_moves_to_the_next_msp(estate: Estate) -> None:
    vio1 = part(estate, "b750vio1")
    assert vio1.vios is not None
    vio1.vios.vioslpm0["cfg_msp_lpm_ops"] = "1"
    estate.migrations.append(fake_migration(source_msp="b750vio1", dest_msp="b740vio2"))
    res = check(estate)
    assert res.errors == []
    assert (res.source_msp.name, res.dest_msp.name) == ("b750vio2", "b740vio1")


def test_msp_default_limit_is_eight(estate: Estate) -> None:
    estate.migrations.extend(fake_migration(source_msp="b750vio1", dest_msp="b740vio1") for _ in range(7))
    system(estate, SRC).active_migrations_supported = 16
    system(estate, DST).active_migrations_supported = 16
    assert check(estate).source_msp.name == "b750vio1"
    estate.migrations.append(fake_migration(source_msp="b750vio1", dest_msp="b740vio1"))
    res = check(estate)
    assert (res.source_msp.name, res.dest_msp.name) == ("b750vio2", "b740vio2")


def test_msp_on_1gbe_takes_at_most_four(estate: Estate) -> None:
    vio1 = part(estate, "b750vio1")
    assert vio1.vios is not None
    vio1.vios.msp_link_gbps = 1.0
    estate.migrations.extend(fake_migration(source_msp="b750vio1", dest_msp="b740vio1") for _ in range(3))
    assert check(estate).source_msp.name == "b750vio1"
    estate.migrations.append(fake_migration(source_msp="b750vio1", dest_msp="b740vio1"))
    res = check(estate)
    assert res.source_msp.name == "b750vio2"


def test_finished_migrations_do_not_count(estate: Estate) -> None:
    vio1 = part(estate, "b750vio1")
    assert vio1.vios is not None
    vio1.vios.vioslpm0["cfg_msp_lpm_ops"] = "1"
    done = fake_migration(source_msp="b750vio1", dest_msp="b740vio1")
    done.in_progress = False
    estate.migrations.append(done)
    assert check(estate).source_msp.name == "b750vio1"


def test_all_msps_busy_means_no_msp(estate: Estate) -> None:
    for name in ("b750vio1", "b750vio2"):
        info = part(estate, name).vios
        assert info is not None
        info.vioslpm0["cfg_msp_lpm_ops"] = "1"
    estate.migrations.append(fake_migration(source_msp="b750vio1", dest_msp="b740vio1"))
    estate.migrations.append(fake_migration(source_msp="b750vio2", dest_msp="b740vio2"))
    res = check(estate)
    assert codes(res.errors) == ["HSCLA234"]
    assert SRC in res.errors[0].text


def test_requested_busy_msp_is_refused_with_its_limit(estate: Estate) -> None:
    info = part(estate, "b740vio2").vios
    assert info is not None
    info.vioslpm0["cfg_msp_lpm_ops"] = "2"
    estate.migrations.extend([fake_migration(), fake_migration()])
    res = check(estate, dest_msp_name="b740vio2")
    assert codes(res.errors) == ["HSCLA25B"]
    assert "limit of 2" in res.errors[0].text and "b740vio2" in res.errors[0].text


def test_requested_msps_are_honoured(estate: Estate) -> None:
    res = check(estate, source_msp_id=2, dest_msp_name="b740vio2")
    assert res.errors == []
    assert (res.source_msp.name, res.dest_msp.name) == ("b750vio2", "b740vio2")


def test_msp_with_rmc_down_is_avoided(estate: Estate) -> None:
    part(estate, "b740vio1").rmc_state = "inactive"
    res = check(estate)
    assert res.dest_msp.name == "b740vio2"
    assert codes(res.errors) == ["HSCLA246"]           # still reported: b740vio1 hosts adapters
    assert "b740vio1" in res.errors[0].text


def test_only_msp_with_rmc_down_is_reported(estate: Estate) -> None:
    part(estate, "b740vio2").msp = False
    part(estate, "b740vio1").rmc_state = "inactive"
    res = check(estate)
    assert res.dest_msp.name == "b740vio1"
    assert codes(res.errors) == ["HSCLA246"]


def test_msp_pair_that_can_communicate_is_preferred(estate: Estate) -> None:
    info = part(estate, "b740vio1").vios
    assert info is not None
    info.msp_link_gbps = 0.0
    res = check(estate)
    assert res.errors == []
    assert res.dest_msp.name == "b740vio2"


def test_inactive_migration_needs_no_msp(estate: Estate) -> None:
    _both_dest_vios(lambda v: setattr(v, "msp", False))(estate)
    assert check(estate, lpar="b750test1", kind="inactive").errors == []


# ----- adapter mappings and partition ID -----

def test_default_mapping_keeps_the_vios_layout(estate: Estate) -> None:
    res = check(estate)
    assert res.scsi_dest == {27: "b740vio1", 57: "b740vio2"}
    assert res.fc_dest == {37: "b740vio1", 47: "b740vio2"}


def test_default_mapping_falls_back_to_a_vios_that_can_host(estate: Estate) -> None:
    _lun_of_hdisk2(part(estate, "b740vio1"))
    res = check(estate, flags={"mpio": "2"})
    assert res.scsi_dest == {27: "b740vio2", 57: "b740vio2"}
    assert res.fc_dest == {37: "b740vio1", 47: "b740vio2"}


def test_requested_mappings_are_honoured(estate: Estate) -> None:
    res = check(estate, scsi_mappings=[Mapping(27, "b740vio2"), Mapping(57, "", 1)],
              fc_mappings=[Mapping(37, "", 2), Mapping(47, "b740vio1", None, None, "fcs1")])
    assert res.errors == []
    assert res.scsi_dest == {27: "b740vio2", 57: "b740vio1"}
    assert res.fc_dest == {37: "b740vio2", 47: "b740vio1"}


def test_requested_fc_port_on_the_wrong_fabric_cannot_host(estate: Estate) -> None:
    res = check(estate, fc_mappings=[Mapping(37, "b740vio1", 1, None, "fcs1")])
    assert codes(res.errors) == ["HSCLA319"]
    assert 37 not in res.fc_dest


def test_mapping_to_unknown_vios_cannot_host(estate: Estate) -> None:
    res = check(estate, scsi_mappings=[Mapping(27, "b740vio9")])
    assert codes(res.errors) == ["HSCLA24E"]


def test_destination_id_defaults(estate: Estate) -> None:
    assert check(estate).dest_lpar_id == 4                      # ID 3 is b740lp1's
    assert check(estate, lpar="b750db2").dest_lpar_id == 5      # free: kept
    assert check(estate, dest_lpar_id=42).dest_lpar_id == 42


# ----- the rule table -----

def test_rule_table_is_ordered_data() -> None:
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    assert names[0] == "remote_hmc_trust" and names[-1] == "injected_failure"
    groups = list(dict.fromkeys(r.group for r in RULES))
    assert groups == ["hmc", "systems", "rmc", "msp", "partition", "destination", "storage", "network", "injected"]
    assert len(names) == len(messages()["lpm_rules"])


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_rule_entry_is_complete(rule: Any) -> None:
    assert rule.code in messages()["hscl"]
    assert rule.severity in ("error", "warning")
    assert set(rule.kinds) <= set(KINDS) and rule.kinds
    assert set(rule.downgrade) <= MIGRLPAR_FLAGS
    assert rule.doc and any(word in rule.doc.lower() for word in ("slide", "§", "migrlpar", "fault"))


def test_warning_rules_match_warning_messages() -> None:
    for rule in RULES:
        if rule.severity == "warning":
            assert messages()["hscl"][rule.code].get("warning") is True, rule.name


def test_fault_is_consumed_once(estate: Estate) -> None:
    _fault(estate)
    first = check(estate)
    assert codes(first.errors) == ["HSCLA27C"]
    assert check(estate).errors == []


def test_rule_table_as_data() -> None:
    table = rule_table()
    assert [row["name"] for row in table] == [r.name for r in RULES]
    vlan = next(row for row in table if row["name"] == "vlan_bridged")
    assert vlan == {"name": "vlan_bridged", "group": "network", "code": "HSCLA239", "severity": "error",
                    "kinds": ["active", "inactive", "suspended"], "downgrade": {"vlanbridge": ["2"]},
                    "doc": vlan["doc"]}
    assert "slide 19" in vlan["doc"]


def test_suspended_partition_validates_clean(estate: Estate) -> None:
    nl2 = part(estate, MOBILE)
    nl2.state, nl2.rmc_state = "Suspended", "inactive"
    res = check(estate, kind="suspended")
    assert res.errors == []
    assert res.source_msp is not None and res.dest_msp is not None
    system(estate, DST).capabilities["lpar_suspend_capable"] = 0
    assert codes(check(estate, kind="suspended").errors) == ["HSCLA250"]
