"""Redundant MSP pairs (migrlpar --redundantmsps 0|1|2, -i redundant_msps=...): a migration with a second MSP
pair moves its memory over both pairs at once, at the sum of the two pairs' rates (lpm-model.md §2.1 and §2.5:
dual MSPs split one migration's memory over two pairs, about twice one pair), each pair's stream capped and its
links shared with other migrations as usual; the second pair counts against both MSPs' limits, is required
(1) or taken when available (2), and survives the restart of one pair's VIOS."""
from __future__ import annotations

from typing import Any

import pytest

from hmcsim import migration as migration_mod
from hmcsim.core import Pending, Result
from hmcsim.migration import Migration
from hmcsim.vios_restart import restart
from migration_lab import DST, SRC, Shell, estate_of, lab

T_FIXED = 20.0 + 30.0 + 10.0 + 30.0            # default validate + create + msp_setup + cleanup
T_SUSPEND = 1.0
STREAM_10G, LINK_10G, STREAM_1G = 1000.0, 1100.0, 100.0   # Physics defaults (lpm-model.md §2.5)
BOTH = "-i source_msp_name=srcvio1,dest_msp_name=dstvio1"


def model_seconds(m_mb: float, r: float, d: float, w_mb: float, v_th_s: float = 2.0, n_max: int = 8) -> float:
    """lpm-model.md §2.3 at a constant rate R: rounds until V_n <= V_th, n = n_max or lambda >= 1, the closed
    form of T_precopy, then T_down = V_{n+1}/R + T_resume, plus the fixed phases."""
    lam = d / r
    n, v = 0, m_mb
    while not (v <= v_th_s * r or n == n_max or lam >= 1):
        v = min(d * v / r, w_mb)
        n += 1
    assert w_mb >= m_mb * lam, "choose parameters where the WWS cap does not bind"
    t_pre = (m_mb / r) * (1 - lam ** (n + 1)) / (1 - lam)
    return T_FIXED + t_pre + min(d * v / r, w_mb) / r + T_SUSPEND


def shell(clients: list[dict[str, Any]], second_gbps: float = 10.0, msp_ops: str = "") -> Shell:
    data = lab(clients, pairs=2)
    for system in data["systems"]:
        for lp in system["lpars"]:
            if lp["name"] in ("srcvio2", "dstvio2"):
                lp["vios"]["msp_link_gbps"] = second_gbps
            if msp_ops and lp.get("env") == "vioserver":
                lp["vios"]["vioslpm0"] = {"cfg_msp_lpm_ops": msp_ops}
    return Shell(estate_of(data))


def finish(sh: Shell, outcome: Any) -> Result:
    assert isinstance(outcome, Pending), outcome
    sh.engine.run_until_idle()
    result = outcome.poll()
    assert result is not None
    return result


def only(sh: Shell) -> Migration:
    (m,) = sh.estate.migrations
    return m


WL = {"dirty_rate_mbs": 150.0, "wws_pct": 50.0, "touched_fraction": 0.7}


@pytest.mark.parametrize("second_gbps, rate", [(10.0, STREAM_10G + STREAM_10G), (1.0, STREAM_10G + STREAM_1G)])
def test_duration_follows_the_model_at_the_sum_of_both_pairs(second_gbps: float, rate: float) -> None:
    sh = shell([{"name": "a", "mem_mb": 65536, "workload": WL}], second_gbps=second_gbps)
    result = finish(sh, sh.migrate("a", f"--redundantmsps 1 {BOTH}"))
    assert result.rc == 0, result.stdout
    m = only(sh)
    assert (m.source_msp, m.dest_msp, m.redundant_source_msp, m.redundant_dest_msp) == \
        ("srcvio1", "dstvio1", "srcvio2", "dstvio2")
    assert m.to_dict()["redundant_msps"] == ["srcvio2", "dstvio2"]
    expected = model_seconds(0.7 * 65536, rate, 150.0, 0.5 * 65536)
    assert m.ended - m.started == pytest.approx(expected, rel=1e-6)


def test_two_equal_pairs_halve_the_transfer_of_one() -> None:
    times = {}
    for flag in ("--redundantmsps 0", "--redundantmsps 2"):
        sh = shell([{"name": "a", "mem_mb": 32768}])
        assert finish(sh, sh.migrate("a", f"{flag} {BOTH}")).rc == 0
        m = only(sh)
        times[flag] = sum(p.end - p.start for p in m.phases if p.name in ("precopy", "resume"))
    assert times["--redundantmsps 0"] == pytest.approx(32768 / STREAM_10G)
    assert times["--redundantmsps 2"] == pytest.approx(times["--redundantmsps 0"] / 2)


def test_the_pairs_share_their_links_with_other_migrations() -> None:
    # a uses both pairs, b only pair 1: on pair 1's links a's stream and b's get 550 MB/s each (1100 shared),
    # a's stream on pair 2 runs at its 1000 MB/s cap
    sh = shell([{"name": "a", "mem_mb": 65536}, {"name": "b", "mem_mb": 65536}])
    a = sh.migrate("a", f"--redundantmsps 1 {BOTH}")
    b = sh.migrate("b", BOTH)
    sh.estate.clock.advance(70.0)
    sh.estate.advance()
    rates = {m.lpar_name: m.progress.rate for m in sh.estate.migrations}
    assert rates == pytest.approx({"a": LINK_10G / 2 + STREAM_10G, "b": LINK_10G / 2})
    assert finish(sh, a).rc == 0 and finish(sh, b).rc == 0


def test_without_the_flag_the_data_default_applies(monkeypatch: pytest.MonkeyPatch) -> None:
    sh = shell([{"name": "a", "mem_mb": 8192}])
    assert finish(sh, sh.migrate("a", BOTH)).rc == 0
    assert only(sh).redundant_msp_lpars is None                       # default "0": one pair
    table = dict(migration_mod.table(), redundant_msps_default="2")
    monkeypatch.setattr(migration_mod, "table", lambda: table)
    monkeypatch.setattr("hmcsim.rules.resolve.table", lambda: table)
    sh = shell([{"name": "a", "mem_mb": 8192}])
    assert finish(sh, sh.migrate("a", BOTH)).rc == 0
    assert only(sh).redundant_source_msp == "srcvio2"


def test_required_pairs_fail_validation_without_a_second_msp() -> None:
    sh = Shell(estate_of(lab([{"name": "a", "mem_mb": 8192}])))     # one MSP pair
    result = sh(f"migrlpar -o v -m {SRC} -t {DST} -p a --redundantmsps 1")
    assert isinstance(result, Result) and result.rc == 1
    assert f"HSCLA267 Redundant mover service partitions are required (--redundantmsps 1), but managed system " \
           f"{SRC} has no second mover service partition that can serve the migration of partition a." in result.stdout
    assert f"managed system {DST} has no second" in result.stdout
    assert finish(sh, sh.migrate("a", "--redundantmsps 2")).rc == 0     # if possible: one pair
    assert only(sh).redundant_msp_lpars is None


def test_a_second_pair_counts_against_both_msps_limits() -> None:
    sh = shell([{"name": "a", "mem_mb": 65536}, {"name": "b", "mem_mb": 8192, "msp_pair": 1}], msp_ops="1")
    first = sh.migrate("a", f"--redundantmsps 1 {BOTH}")
    assert isinstance(first, Pending)
    busy = sh(f"migrlpar -o v -m {SRC} -t {DST} -p b -i source_msp_name=srcvio2,dest_msp_name=dstvio2")
    assert isinstance(busy, Result) and busy.rc == 1 and "HSCLA25B" in busy.stdout and "srcvio2" in busy.stdout
    assert finish(sh, first).rc == 0
    assert finish(sh, sh.migrate("b", "-i source_msp_name=srcvio2,dest_msp_name=dstvio2")).rc == 0


def test_pairs_named_in_the_input_data() -> None:
    sh = shell([{"name": "a", "mem_mb": 8192}])
    for wrong in ("7/srcvio2/2//dstvio2/2/", "7/srcvio2/2//dstvio2/2/,8/srcvio1/1//dstvio1/1/", "7/srcvio2/x//dstvio2/2/"):
        bad = sh(f"migrlpar -o v -m {SRC} -t {DST} -p a --redundantmsps 1 -i '\"redundant_msps={wrong}\"'")
        assert isinstance(bad, Result) and bad.rc == 1 and bad.stdout.startswith("HSCLA2F2 "), wrong
    pairs = '"redundant_msps=7/srcvio2/2//dstvio2/2/,7/srcvio1/1//dstvio1/1/"'
    assert finish(sh, sh.migrate("a", f"--redundantmsps 1 -i '{pairs}'")).rc == 0
    m = only(sh)
    assert (m.source_msp, m.dest_msp, m.redundant_source_msp, m.redundant_dest_msp) == \
        ("srcvio2", "dstvio2", "srcvio1", "dstvio1")


def test_a_restarted_vios_leaves_the_migration_on_the_other_pair() -> None:
    sh = shell([{"name": "a", "mem_mb": 65536}])
    pending = sh.migrate("a", f"--redundantmsps 1 {BOTH}")
    sh.estate.clock.advance(70.0)                    # 10 s into the memory copy at 2000 MB/s
    answer = restart(sh.estate, SRC, "srcvio1")
    assert answer["failed_migrations"] == []
    assert answer["continued_migrations"] == [{"lpar": "a", "source_msp": "srcvio2", "dest_msp": "dstvio2"}]
    m = only(sh)
    assert m.in_progress and m.redundant_msp_lpars is None and m.progress.rate == pytest.approx(STREAM_10G)
    assert finish(sh, pending).rc == 0
    sent_before = 10 * 2 * STREAM_10G
    assert m.ended == pytest.approx(70.0 + (65536 - sent_before) / STREAM_10G + T_SUSPEND + 30.0)
    # a second restart, of the pair it now runs on, would fail it like any migration
    sh2 = shell([{"name": "a", "mem_mb": 65536}])
    sh2.migrate("a", f"--redundantmsps 1 {BOTH}")
    sh2.estate.clock.advance(70.0)
    restart(sh2.estate, DST, "dstvio2")
    assert restart(sh2.estate, SRC, "srcvio1")["failed_migrations"][0]["lpar"] == "a"
