"""Pure physics: link rates, max-min fair sharing, the pre-copy state machine against lpm-model.md §2.3."""
from __future__ import annotations

import math

import pytest

from hmcsim.engine import Route, run
from hmcsim.model import Physics
from hmcsim.physics import FINAL, PRECOPY, Progress, Step, link_key, link_payload_mbs, predict, stream_mbs, water_fill


def model_time(m_mb: float, r: float, d: float, w_mb: float, ph: Physics) -> tuple[float, int]:
    """lpm-model.md §2.3 written out: V_0 = M, V_i = min(D t_{i-1}, W), stop at the first n with
    V_n <= V_th or n = n_max or lambda >= 1; T = T_fixed + sum t_i + V_{n+1}/R + T_resume."""
    lam = d / r
    volumes = [m_mb]
    n = 0
    while not (volumes[n] <= ph.v_th_seconds * r or n == ph.n_max or lam >= 1):
        volumes.append(min(d * volumes[n] / r, w_mb))
        n += 1
    v_next = min(d * volumes[n] / r, w_mb)
    t_fixed = ph.t_validate_s + ph.t_create_s + ph.t_msp_setup_s + ph.t_cleanup_s
    return t_fixed + sum(volumes) / r + v_next / r + ph.t_suspend_s, n


class _Alone:
    def __init__(self, progress: Progress, rate: float) -> None:
        self.progress = progress
        self.route = Route(rate, {"link": rate})


class _NoHooks:
    def entered(self, item, phase, t):
        return None

    def confirm_failure(self, item, t):
        return False


def active_plan(ph: Physics) -> list[Step]:
    return [Step("validate", seconds=ph.t_validate_s), Step("create", seconds=ph.t_create_s),
            Step("msp_setup", seconds=ph.t_msp_setup_s), Step("precopy", PRECOPY),
            Step("suspend", seconds=ph.t_suspend_s), Step("resume", FINAL), Step("cleanup", seconds=ph.t_cleanup_s)]


def simulate(m_mb: float, r: float, d: float, w_mb: float, ph: Physics) -> Progress:
    p = Progress(active_plan(ph), touched_mb=m_mb, dirty_mbs=d, wws_mb=w_mb, v_th_s=ph.v_th_seconds, n_max=ph.n_max)
    p.start(0.0)
    run([_Alone(p, r)], math.inf, _NoHooks())
    return p


def test_link_rates_come_from_the_tables_and_scale_unknown_speeds():
    ph = Physics()
    assert link_key(10.0) == "10" and link_key(2.5) == "2.5"
    assert link_payload_mbs(ph, 10) == 1100.0
    assert stream_mbs(ph, 1) == 100.0
    assert link_payload_mbs(ph, 20) == pytest.approx(2500.0 * 20 / 25)   # nearest known speed is 25


def test_water_fill_shares_one_link_equally():
    rates = water_fill({"a": (1000.0, ["L"]), "b": (1000.0, ["L"])}, {"L": 1100.0})
    assert rates == {"a": pytest.approx(550.0), "b": pytest.approx(550.0)}


def test_water_fill_gives_capped_flows_their_cap_and_the_rest_to_others():
    rates = water_fill({"slow": (100.0, ["L"]), "a": (1000.0, ["L"]), "b": (1000.0, ["L"])}, {"L": 1100.0})
    assert rates["slow"] == pytest.approx(100.0)
    assert rates["a"] == pytest.approx(500.0) and rates["b"] == pytest.approx(500.0)


def test_water_fill_respects_both_ends_and_never_overbooks():
    flows = {"x": (1000.0, ["s1", "d1"]), "y": (1000.0, ["s1", "d2"]), "z": (1000.0, ["s2", "d2"])}
    caps = {"s1": 1100.0, "s2": 1100.0, "d1": 300.0, "d2": 1100.0}
    rates = water_fill(flows, caps)
    assert rates["x"] == pytest.approx(300.0)            # bottlenecked by its destination link
    assert rates["y"] == pytest.approx(550.0)            # d2 shared with z equally
    assert rates["z"] == pytest.approx(550.0)
    for link, cap in caps.items():
        used = sum(r for f, r in rates.items() if link in flows[f][1])
        assert used <= cap + 1e-6


def test_water_fill_independent_links_do_not_interact():
    rates = water_fill({"a": (1000.0, ["L1"]), "b": (1000.0, ["L2"])}, {"L1": 1100.0, "L2": 1100.0})
    assert rates == {"a": pytest.approx(1000.0), "b": pytest.approx(1000.0)}


@pytest.mark.parametrize("m_mb,r,d", [(32768 * 0.7, 1000.0, 20.0), (16384.0, 100.0, 40.0), (8192.0, 1000.0, 0.0)])
def test_precopy_matches_the_model_uncapped(m_mb, r, d):
    ph = Physics()
    w_mb = 1e12                                        # WWS never binds: the closed form applies
    p = simulate(m_mb, r, d, w_mb, ph)
    expected, n = model_time(m_mb, r, d, w_mb, ph)
    lam = d / r
    closed = (m_mb / r) * (1 - lam ** (n + 1)) / (1 - lam)
    assert sum(v for v, _ in p.rounds) / r == pytest.approx(closed, rel=1e-9)
    assert len(p.rounds) == n + 1
    assert p.ended == pytest.approx(expected, rel=1e-9)


def test_wws_cap_bounds_the_resends_and_n_max_stops_the_rounds():
    ph = Physics(n_max=5, v_th_seconds=0.01)
    w_mb, r, d = 400.0, 500.0, 300.0
    p = simulate(20000.0, r, d, w_mb, ph)                  # D*t_0 = 12000 MB, capped at W
    vols = [v for v, _ in p.rounds]
    lam = d / r
    assert vols == pytest.approx([20000.0] + [w_mb * lam ** k for k in range(ph.n_max)])
    assert len(vols) == ph.n_max + 1
    assert p.remainder_mb == pytest.approx(w_mb * lam ** ph.n_max)
    assert p.ended == pytest.approx(model_time(20000.0, r, d, w_mb, ph)[0])


def test_no_convergence_when_dirty_rate_reaches_the_link_rate():
    ph = Physics()
    p = simulate(4096.0, 100.0, 150.0, 200.0, ph)          # lambda = 1.5
    assert len(p.rounds) == 1                               # one full pass, then suspend
    assert p.remainder_mb == pytest.approx(200.0)


def test_predict_agrees_with_the_simulation():
    ph = Physics()
    pred = predict(65536, 0.9, 150.0, 4.0, 1000.0, ph)
    p = simulate(65536 * 0.9, 1000.0, 150.0, 65536 * 0.04, ph)
    assert pred.total == pytest.approx(p.ended, rel=1e-9)
    assert pred.volumes == pytest.approx([v for v, _ in p.rounds])
    assert pred.v_total == pytest.approx(p.sent_mb)


def test_remaining_counts_down_and_bytes_add_up():
    ph = Physics()
    p = Progress(active_plan(ph), touched_mb=1000.0, dirty_mbs=10.0, wws_mb=50.0, v_th_s=2.0, n_max=8)
    p.start(0.0)
    assert p.remaining_mb() == 1000.0
    item = _Alone(p, 100.0)
    run([item], 65.0, _NoHooks())                           # 5 s into the first round
    assert p.sent_mb == pytest.approx(500.0)
    assert p.remaining_mb() == pytest.approx(500.0 + 10.0 * 5)
    run([item], math.inf, _NoHooks())
    assert p.remaining_mb() == 0.0
    assert p.sent_mb == pytest.approx(sum(v for v, _ in p.rounds) + p.remainder_mb)
