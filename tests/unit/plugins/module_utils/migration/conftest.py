# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures of the migration tests: the recorded seed-lab answers and a fake HMC serving them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.migration.fake_hmc import FakeHmc, load_samples


@pytest.fixture(scope="session")
def samples() -> dict[str, dict[str, Any]]:
    return load_samples()


@pytest.fixture
def fake_hmc(samples: dict[str, dict[str, Any]]) -> Callable[[], FakeHmc]:
    def make() -> FakeHmc:
        return FakeHmc(samples)

    return make


@pytest.fixture
def hmc(fake_hmc: Callable[[], FakeHmc]) -> FakeHmc:
    return fake_hmc()
