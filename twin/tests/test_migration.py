"""The migration engine on real estates: model times, shared bandwidth, caps, granularity, effects on
the estate (shell, resources, adapters), faults and recovery, history. Validation is the real one."""
from __future__ import annotations

from typing import Any

import pytest

from hmcsim.core import Core, Pending, Result, Session
from hmcsim.engine import attach
from hmcsim.estate import Estate
from hmcsim.faults import Fault
from hmcsim.migration import Migration
from hmcsim.physics import MB, predict
from hmcsim.scenario import load
from migration_lab import SRC, Shell, estate_of, lab

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
T_FIXED = 20.0 + 30.0 + 10.0 + 30.0            # default validate + create + msp_setup + cleanup
T_SUSPEND = 1.0


def model_seconds(m_mb: float, r: float, d: float, w_mb: float, v_th_s: float = 2.0, n_max: int = 8) -> float:
    """lpm-model.md §2.3, computed here on its own: rounds until V_n <= V_th, n = n_max or lambda >= 1,
    closed-form T_precopy, then T_down = V_{n+1}/R + T_resume."""
    lam = d / r
    n, v = 0, m_mb
    while not (v <= v_th_s * r or n == n_max or lam >= 1):
        v = min(d * v / r, w_mb)
        n += 1
    if w_mb >= m_mb * lam:                             # cap never binds in the cases below
        t_pre = (m_mb / r) * (1 - lam ** (n + 1)) / (1 - lam) if lam != 1 else (n + 1) * m_mb / r
    else:
        raise AssertionError("choose parameters where the WWS cap does not bind")
    v_next = min(d * v / r, w_mb)
    return T_FIXED + t_pre + v_next / r + T_SUSPEND


def finish(sh: Shell, outcome: Any) -> Result:
    assert isinstance(outcome, Pending)
    sh.engine.run_until_idle()
    result = outcome.poll()
    assert result is not None
    return result


def transfer_seconds(m: Migration) -> float:
    return sum(p.end - p.start for p in m.phases if p.name in ("precopy", "resume"))


def only(estate: Estate) -> Migration:
    (m,) = estate.migrations
    return m


# ----- model times -----

@pytest.mark.parametrize("gbps,rate,mem,dirty", [(10, 1000.0, 32768, 20.0), (1, 100.0, 8192, 5.0),
                                                  (10, 1000.0, 65536, 150.0)])
def test_duration_matches_the_model(gbps, rate, mem, dirty):
    wl = {"dirty_rate_mbs": dirty, "wws_pct": 50.0, "touched_fraction": 0.7}
    es = estate_of(lab([{"name": "a", "mem_mb": mem, "workload": wl}], gbps=gbps))
    sh = Shell(es)
    assert finish(sh, sh.migrate("a")).rc == 0
    m = only(es)
    expected = model_seconds(0.7 * mem, rate, dirty, 0.5 * mem)
    assert m.ended - m.started == pytest.approx(expected, rel=0.05)
    assert m.ended - m.started == pytest.approx(expected, rel=1e-6)


# ----- shared bandwidth -----

SAME_RATE = {"stream_mbs": {"10": 1100.0}, "link_payload_mbs": {"10": 1100.0}}


def _pair_lab() -> Estate:
    clients = [{"name": "a", "mem_mb": 16384}, {"name": "b", "mem_mb": 16384, "msp_pair": 1}]
    return estate_of(lab(clients, pairs=2, physics=SAME_RATE))


def test_two_migrations_on_one_link_each_take_twice_the_transfer_time():
    alone = _pair_lab()
    sh = Shell(alone)
    finish(sh, sh.migrate("a"))
    t_alone = transfer_seconds(only(alone))
    assert t_alone == pytest.approx(16384 / 1100.0)

    shared = _pair_lab()
    sh = Shell(shared)
    assert finish(sh, sh.migrate("a,b")).rc == 0
    assert {(m.source_msp, m.dest_msp) for m in shared.migrations} == {("srcvio1", "dstvio1")}
    for m in shared.migrations:
        assert transfer_seconds(m) == pytest.approx(2 * t_alone, rel=0.05)


def test_independent_msp_pairs_do_not_slow_each_other():
    es = _pair_lab()
    sh = Shell(es)
    first = sh.migrate("a", "-i source_msp_name=srcvio1,dest_msp_name=dstvio1")
    second = sh.migrate("b", "-i source_msp_name=srcvio2,dest_msp_name=dstvio2")
    assert finish(sh, first).rc == 0 and finish(sh, second).rc == 0
    pairs = {m.lpar_name: (m.source_msp, m.dest_msp) for m in es.migrations}
    assert pairs == {"a": ("srcvio1", "dstvio1"), "b": ("srcvio2", "dstvio2")}
    for m in es.migrations:
        assert transfer_seconds(m) == pytest.approx(16384 / 1100.0, rel=1e-6)


def test_rates_are_reshared_when_a_migration_finishes():
    clients = [{"name": "small", "mem_mb": 4096}, {"name": "big", "mem_mb": 16384}]
    es = estate_of(lab(clients, physics=SAME_RATE))
    sh = Shell(es)
    finish(sh, sh.migrate("small,big"))
    big = next(m for m in es.migrations if m.lpar_name == "big")
    # both share 550 MB/s until small's 4096 MB are sent, then big has the link to itself
    shared_s = 4096 / 550.0
    expected = shared_s + (16384 - 4096) / 1100.0
    assert transfer_seconds(big) == pytest.approx(expected, rel=1e-6)


# ----- caps -----

def _count_through(sh: Shell, limit_of) -> int:
    """Step event by event to the end; returns the highest number of migrations in progress seen."""
    es = sh.estate
    peak = 0
    while True:
        peak = max(peak, limit_of(es))
        upcoming = sh.engine.next_event_time()
        if upcoming is None:
            return peak
        es.clock.advance(upcoming - es.clock.now())
        es.advance()


def test_system_cap_is_never_exceeded():
    clients = [{"name": n, "mem_mb": 4096} for n in ("a", "b", "c")]
    es = estate_of(lab(clients, active_cap=2))
    sh = Shell(es)
    pending = sh.migrate("a,b,c")
    assert sum(m.in_progress for m in es.migrations) == 2
    refused = sh.migrate("c")
    assert isinstance(refused, Result) and refused.rc == 1 and "HSCLA233" in refused.stdout
    peak = _count_through(sh, lambda e: sum(m.in_progress for m in e.migrations))
    assert peak == 2
    result = pending.poll()
    assert result is not None and result.rc == 1
    assert "Partition c:" in result.stdout and "HSCLA233" in result.stdout
    assert [m.lpar_name for m in es.migrations] == ["a", "b"]


def test_msp_cap_is_never_exceeded():
    clients = [{"name": n, "mem_mb": 4096} for n in ("a", "b", "c")]
    es = estate_of(lab(clients))
    sh = Shell(es)
    assert sh(f"migrlpar -o set -r lpar -m {SRC} -p srcvio1 -i num_active_migrations_configured=2").rc == 0
    pending = sh.migrate("a,b,c")
    peak = _count_through(sh, lambda e: sum(m.in_progress and m.source_msp == "srcvio1" for m in e.migrations))
    assert peak == 2
    result = pending.poll()
    assert result is not None and result.rc == 1 and "Partition c:" in result.stdout


# ----- granularity -----

def _granular_run(step: float | None) -> list[tuple]:
    def wl(dirty: float, wws: float, touched: float) -> dict:
        return {"dirty_rate_mbs": dirty, "wws_pct": wws, "touched_fraction": touched}

    clients = [{"name": "a", "mem_mb": 8192, "workload": wl(60, 5, 0.8)},
               {"name": "b", "mem_mb": 24576, "workload": wl(200, 3, 0.9)},
               {"name": "c", "mem_mb": 12288, "workload": wl(10, 2, 0.5)}]
    es = estate_of(lab(clients, gbps=1))
    sh = Shell(es)

    def move_to(t: float) -> None:
        if step is None:
            es.clock.advance(t - es.clock.now())
            es.advance()
            return
        while es.clock.now() < t - 1e-12:
            es.clock.advance(min(step, t - es.clock.now()))
            es.advance()

    first = sh.migrate("a,b")
    move_to(71.3)
    second = sh.migrate("c")
    move_to(2000.0)
    assert first.poll() is not None and second.poll() is not None
    return [(m.lpar_name, m.ended, m.bytes_transmitted, len(m.progress.rounds), [p.start for p in m.phases])
            for m in es.migrations]


def test_results_do_not_depend_on_how_often_advance_is_called():
    coarse = _granular_run(None)
    for step in (1.0, 13.7, 0.25):
        fine = _granular_run(step)
        for (n1, end1, bytes1, rounds1, starts1), (n2, end2, bytes2, rounds2, starts2) in zip(coarse, fine):
            assert (n1, rounds1) == (n2, rounds2)
            assert end2 == pytest.approx(end1, rel=1e-9)
            assert bytes2 == pytest.approx(bytes1, rel=1e-9)
            assert starts2 == pytest.approx(starts1, rel=1e-9)


# ----- time queries -----

def test_next_event_and_projected_end():
    es = estate_of(lab([{"name": "a", "mem_mb": 8192}]))
    sh = Shell(es)
    assert sh.engine.next_event_time() is None
    pending = sh.migrate("a")
    assert sh.engine.next_event_time() == pytest.approx(20.0)      # end of validation
    projected = pending.wake_at()
    es.clock.advance(5.0)
    assert pending.poll() is None
    assert sh.engine.run_until_idle() == pytest.approx(projected)
    assert only(es).ended == pytest.approx(projected)
    assert sh.engine.next_event_time() is None


# ----- effects on the estate -----

@pytest.fixture
def seed() -> tuple[Estate, Core, Session]:
    es = Estate(load("seed-lab"), manual_clock=True)
    attach(es)
    return es, Core(es), Session("bpichmc", "hscroot", "t")


def test_shell_partition_and_states_while_migrating(seed):
    es, core, session = seed
    src, dst = es.systems[P750], es.systems[P740]
    pending = core.execute(session, f"migrlpar -o m -m {P750} -t {P740} -p b750nl2")
    lp = es.find_lpar(src, "b750nl2")
    assert lp.state == "Migrating - Running"
    assert es.find_lpar(dst, "b750nl2") is None                      # validation phase: no shell yet
    es.clock.advance(25.0)
    es.advance()
    shell = es.find_lpar(dst, "b750nl2")
    assert shell is not None and shell is not lp
    assert (shell.state, shell.id) == ("Migrating - Running", only(es).dest_lpar_id)
    es.engine.run_until_idle()
    assert pending.poll().rc == 0
    assert es.find_lpar(src, "b750nl2") is None
    moved = es.find_lpar(dst, "b750nl2")
    assert moved is lp and moved.state == "Running" and moved.id == only(es).dest_lpar_id


def test_resources_move_between_systems(seed):
    es, core, session = seed
    src, dst = es.systems[P750], es.systems[P740]
    lp = es.find_lpar(src, "b750db1")
    need = lp.mem_mb + Estate.hpt_mb(lp)
    src_mem, dst_mem = es.avail_mem_mb(src), es.avail_mem_mb(dst)
    src_proc, dst_proc = es.avail_proc_units(src), es.avail_proc_units(dst)
    pending = core.execute(session, f"migrlpar -o m -m {P750} -t {P740} -p b750db1")
    es.clock.advance(19.0)
    es.advance()
    assert es.avail_mem_mb(dst) == dst_mem                           # still validating
    es.clock.advance(2.0)
    es.advance()
    assert es.avail_mem_mb(dst) == dst_mem - need                    # shell holds memory from creation
    assert es.avail_proc_units(dst) == pytest.approx(dst_proc - lp.proc_units)
    assert es.avail_mem_mb(src) == src_mem                           # still running on the source
    es.engine.run_until_idle()
    assert pending.poll().rc == 0
    assert es.avail_mem_mb(src) == src_mem + need
    assert es.avail_proc_units(src) == pytest.approx(src_proc + lp.proc_units)
    assert es.avail_mem_mb(dst) == dst_mem - need


def test_adapters_follow_the_partition(seed):
    es, core, session = seed
    src, dst = es.systems[P750], es.systems[P740]
    lp = es.find_lpar(src, "b750nl2")
    macs = [e.mac_addr for e in lp.eth]
    wwpns = [list(f.wwpns) for f in lp.fc]
    finish_seed(es, core.execute(session, f"migrlpar -o m -m {P750} -t {P740} -p b750nl2"))
    assert [e.mac_addr for e in lp.eth] == macs
    assert [f.wwpns for f in lp.fc] == wwpns
    assert {(a.slot, a.remote_lpar) for a in lp.scsi} == {(27, "b740vio1"), (57, "b740vio2")}
    assert {(a.slot, a.remote_lpar) for a in lp.fc} == {(37, "b740vio1"), (47, "b740vio2")}
    for client in lp.scsi:
        vios = es.find_lpar(dst, client.remote_lpar)
        server = next(a for a in vios.scsi if a.slot == client.remote_slot)
        assert (server.adapter_type, server.remote_lpar, server.remote_slot) == ("server", "b750nl2", client.slot)
        (disk,) = [d for d in vios.vios.disks if d.name in server.backing]
        assert disk.lun == "60050768018086B6E000000000000101"          # hdisk4 on the source VIOS
    fabric_of = {}
    for client in lp.fc:
        vios = es.find_lpar(dst, client.remote_lpar)
        server = next(a for a in vios.fc if a.slot == client.remote_slot)
        port = next(p for p in vios.vios.fc_ports if p.name == server.fc_port)
        fabric_of[client.slot] = port.fabric
    assert fabric_of == {37: "FAB_A", 47: "FAB_B"}
    for vios_name in ("b750vio1", "b750vio2"):
        vios = es.find_lpar(src, vios_name)
        assert not [a for a in vios.scsi + vios.fc if a.remote_lpar == "b750nl2"]


def test_a_new_server_adapter_keeps_the_source_slot_only_below_the_vios_maximum(seed):
    es, core, session = seed
    src, dst = es.systems[P750], es.systems[P740]
    lp = es.find_lpar(src, "b750web1")                                # served at slot 35 of b750vio1 and 65 of b750vio2
    finish_seed(es, core.execute(session, f"migrlpar -o m -m {P750} -t {P740} -p b750web1"))
    servers = {a.remote_lpar: a.remote_slot for a in lp.scsi}
    vio2 = es.find_lpar(dst, "b740vio2")
    assert vio2.max_virtual_slots == 64 and servers["b740vio1"] == 35
    assert servers["b740vio2"] == 10                                  # 65 is beyond b740vio2's 64 slots: the first free one
    assert all(a.slot < v.max_virtual_slots for v in (es.find_lpar(dst, "b740vio1"), vio2) for a in [*v.eth, *v.scsi, *v.fc])


def finish_seed(es: Estate, outcome: Any) -> Result:
    assert isinstance(outcome, Pending)
    es.engine.run_until_idle()
    result = outcome.poll()
    assert result is not None
    return result


def test_inactive_migration_copies_configuration_only(seed):
    es, core, session = seed
    src, dst = es.systems[P750], es.systems[P740]
    dst_mem = es.avail_mem_mb(dst)
    pending = core.execute(session, f"migrlpar -o m -m {P750} -t {P740} -p b750test1")
    m = only(es)
    assert m.kind == "inactive" and m.route.links == {}
    es.clock.advance(30.0)
    es.advance()
    assert es.find_lpar(src, "b750test1").state == "Migrating - Not Activated"
    assert es.find_lpar(dst, "b750test1").state == "Migrating - Not Activated"
    assert es.avail_mem_mb(dst) == dst_mem
    assert finish_seed(es, pending).rc == 0
    assert m.ended - m.started == pytest.approx(20.0 + 30.0 + 15.0 + 30.0)
    assert [p.name for p in m.phases] == ["validate", "create", "copy_config", "cleanup"]
    assert m.bytes_transmitted == 0
    assert es.find_lpar(dst, "b750test1").state == "Not Activated"


# ----- faults, recovery -----

def test_link_loss_fails_at_the_percent_and_recovery_rolls_back(seed):
    es, core, session = seed
    src, dst = es.systems[P750], es.systems[P740]
    es.faults.append(Fault("link_loss", target="b750nl2", at_percent=50.0))
    result = finish_seed(es, core.execute(session, f"migrlpar -o m -m {P750} -t {P740} -p b750nl2"))
    m = only(es)
    assert result.rc == 1 and result.stdout.startswith("HSCLA24B ")
    assert "b750vio1" in result.stdout and "lost" in result.stdout
    assert m.status == "failed" and m.needs_recovery and not m.in_progress
    assert m.bytes_transmitted == pytest.approx(0.5 * 0.7 * 8192 * MB, abs=1)
    assert es.find_lpar(src, "b750nl2").state == "Migrating - Running"
    assert es.find_lpar(dst, "b750nl2") is not None                  # shell left until recovery
    m.recover(es.clock.now())
    assert m.status == "recovered" and m.recovered_to == "source"
    assert es.find_lpar(src, "b750nl2").state == "Running"
    assert es.find_lpar(dst, "b750nl2") is None
    assert not [a for v in ("b740vio1", "b740vio2") for a in es.find_lpar(dst, v).scsi + es.find_lpar(dst, v).fc
                if a.remote_lpar == "b750nl2"]


def test_failure_after_resume_recovers_onto_the_target(seed):
    es, core, session = seed
    src, dst = es.systems[P750], es.systems[P740]
    # aim the fault at the middle of the pages sent after the partition resumed on the target
    lp = es.find_lpar(src, "b750batch1")
    wl = lp.workload
    plan = predict(lp.mem_mb, wl.touched_fraction, wl.dirty_rate_mbs, wl.wws_pct, 1000.0, es.scenario.physics)
    touched = lp.mem_mb * wl.touched_fraction
    percent = 100.0 * (sum(plan.volumes) + plan.remainder / 2) / touched
    es.faults.append(Fault("migration_failure", target="b750batch1", at_percent=percent))
    pending = core.execute(session, f"migrlpar -o m -m {P750} -t {P740} -p b750batch1")
    m = only(es)
    result = finish_seed(es, pending)
    assert result.rc == 1 and m.status == "failed"
    assert m.resumed and m.phases[-1].name == "resume"
    assert "reported an error" in result.stdout
    m.recover(es.clock.now())
    assert m.recovered_to == "target"
    assert es.find_lpar(src, "b750batch1") is None
    assert es.find_lpar(dst, "b750batch1") is lp and lp.state == "Running"


def test_random_failures_are_deterministic_under_the_seed():
    def failed_at(seed_value: int) -> tuple:
        es = estate_of(lab([{"name": "a", "mem_mb": 8192}], physics={"failure_probability": 1.0}, seed=seed_value))
        sh = Shell(es)
        result = finish(sh, sh.migrate("a"))
        m = only(es)
        return result.rc, m.status, m.bytes_transmitted

    first = failed_at(11)
    assert first[:2] == (1, "failed")
    assert failed_at(11) == first
    assert 0 < first[2] < 8192 * MB


def test_history_keeps_phases_rounds_and_times(seed):
    es, core, session = seed
    finish_seed(es, core.execute(session, f"migrlpar -o m -m {P750} -t {P740} -p b750db1"))
    record = only(es).to_dict()
    names = [p["name"] for p in record["phases"]]
    assert names == ["validate", "create", "msp_setup", "precopy", "suspend", "resume", "cleanup"]
    for before, after in zip(record["phases"], record["phases"][1:]):
        assert before["end"] == after["start"]
    assert record["phases"][0]["start"] == record["started"] and record["phases"][-1]["end"] == record["ended"]
    assert record["status"] == "complete" and len(record["rounds"]) >= 2
    assert record["rounds"][0]["mb"] == pytest.approx(65536 * 0.9)
    assert record["bytes_transmitted"] > 65536 * 0.9 * MB
