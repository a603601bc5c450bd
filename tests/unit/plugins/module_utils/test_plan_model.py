# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The duration model against the pre-copy formulas of the LPM model (§2.3), link rates and fair sharing."""

from __future__ import annotations

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._plan_model import (
    Physics,
    least_bytes,
    link_payload_mbs,
    predict,
    rate_for_speed,
    stream_mbs,
    water_fill,
)

PHYSICS = Physics()


def closed_form(m: float, r: float, d: float, n: int) -> tuple[float, float]:
    """T_precopy and V_total of §2.3 (uncapped form) after rounds 0..n."""
    lam = d / r
    return (m / r) * (1 - lam ** (n + 1)) / (1 - lam), m * (1 - lam ** (n + 2)) / (1 - lam)


@pytest.mark.parametrize(
    ("m", "r", "d", "rounds"),
    [
        (10_000.0, 1000.0, 100.0, 2),  # V1 = 1000 <= 2 s * 1000: stops after round 1
        (100_000.0, 1000.0, 300.0, 5),  # 100000, 30000, 9000, 2700, 810
        (50_000.0, 100.0, 20.0, 5),  # 1 GbE
    ],
)
def test_precopy_matches_the_closed_form(m, r, d, rounds):
    p = predict(m, d, wws_mb=1e12, rate_mbs=r, physics=PHYSICS)
    assert p.rounds == rounds
    t_precopy, v_total = closed_form(m, r, d, rounds - 1)
    assert p.t_precopy == pytest.approx(t_precopy, rel=1e-12)
    assert p.v_total == pytest.approx(v_total, rel=1e-12)
    remainder = m * (d / r) ** rounds
    assert p.remainder == pytest.approx(remainder, rel=1e-12)
    assert p.t_down == pytest.approx(remainder / r + PHYSICS.t_suspend_s)
    assert p.t_fixed == 90.0
    assert p.total == pytest.approx(90.0 + t_precopy + remainder / r + 1.0)


def test_worked_numbers():
    p = predict(10_000.0, 100.0, 1e12, 1000.0, PHYSICS)
    assert p.volumes == (10_000.0, 1000.0)
    assert p.t_precopy == pytest.approx(11.0)
    assert p.v_total == pytest.approx(11_100.0)
    assert p.total == pytest.approx(90.0 + 11.0 + 0.1 + 1.0)


def test_writable_working_set_caps_every_round():
    # D*t0 = 0.99*M would be resent, but only W = 5000 MB is dirtied: once capped, rounds barely shrink
    # and the pre-copy runs until n_max.
    p = predict(20_000.0, 990.0, 5000.0, 1000.0, PHYSICS)
    assert p.volumes[0] == 20_000.0
    assert p.volumes[1] == 5000.0
    assert p.volumes[2] == pytest.approx(4950.0)
    assert p.rounds == PHYSICS.n_max + 1
    assert p.remainder == pytest.approx(p.volumes[-1] * 0.99)


def test_no_convergence_when_dirtying_outpaces_the_link():
    p = predict(8000.0, 150.0, 300.0, 100.0, PHYSICS)
    assert p.volumes == (8000.0,)  # lambda >= 1: one pass, then the rest after the suspend
    assert p.remainder == 300.0  # min(D * t0, W)


def test_round_limit():
    p = predict(1_000_000.0, 900.0, 1e12, 1000.0, Physics(n_max=3))
    assert p.rounds == 4  # rounds 0..3


def test_link_tables_and_scaling():
    assert link_payload_mbs(PHYSICS, 10) == 1100.0
    assert stream_mbs(PHYSICS, 25) == 1400.0
    assert link_payload_mbs(PHYSICS, 20) == pytest.approx(2500.0 * 20 / 25)  # nearest listed speed, scaled
    assert rate_for_speed({"10": 1000.0}, 2.5) == pytest.approx(250.0)
    with pytest.raises(ValueError):
        rate_for_speed({}, 10)


def test_fair_sharing_on_one_link():
    rates = water_fill({"a": (1000.0, ["L"]), "b": (1000.0, ["L"])}, {"L": 1100.0})
    assert rates == {"a": pytest.approx(550.0), "b": pytest.approx(550.0)}


def test_stream_cap_leaves_the_rest_to_others():
    rates = water_fill({"slow": (100.0, ["L"]), "fast": (1000.0, ["L"])}, {"L": 1100.0})
    assert rates["slow"] == pytest.approx(100.0)
    assert rates["fast"] == pytest.approx(1000.0)


def test_max_min_over_two_links():
    # a and b share link X (capacity 1000); b and c share link Y (capacity 3000).
    flows = {"a": (2000.0, ["X"]), "b": (2000.0, ["X", "Y"]), "c": (2000.0, ["Y"])}
    rates = water_fill(flows, {"X": 1000.0, "Y": 3000.0})
    assert rates["a"] == pytest.approx(500.0)
    assert rates["b"] == pytest.approx(500.0)
    assert rates["c"] == pytest.approx(2000.0)  # its own cap, Y not full


def test_least_bytes_is_a_lower_bound_of_the_volume():
    for touched, dirty, wws in ((50_000.0, 300.0, 2000.0), (8000.0, 0.0, 100.0), (100_000.0, 20.0, 2000.0)):
        least = least_bytes(touched, dirty, wws, 1000.0, PHYSICS)
        assert touched <= least <= predict(touched, dirty, wws, 1000.0, PHYSICS).v_total
    assert least_bytes(8000.0, 0.0, 100.0, 1000.0, PHYSICS) == 8000.0


def test_physics_fixed_times():
    assert PHYSICS.pre_copy_fixed_s == 60.0
    assert PHYSICS.active_fixed_s == 91.0
    assert PHYSICS.inactive_s == 95.0
    custom = Physics(msp_links={"sys1/vio1": 25.0, "vio2": 1.0}, msp_link_gbps=40.0)
    assert custom.link_gbps("sys1", "vio1") == 25.0
    assert custom.link_gbps("sys2", "vio2") == 1.0
    assert custom.link_gbps("sys2", "vio3") == 40.0
