"""Shared fixtures: the seed lab on a manual clock, its command core, and a runner as hscroot on bpichmc."""
from __future__ import annotations

from typing import Callable

import pytest

from hmcsim.core import Core, Outcome, Session
from hmcsim.estate import Estate
from hmcsim.scenario import load

HMC = "bpichmc"
USER = "hscroot"


@pytest.fixture
def estate() -> Estate:
    return Estate(load("seed-lab"), manual_clock=True)


@pytest.fixture
def core(estate: Estate) -> Core:
    return Core(estate)


@pytest.fixture
def run(core: Core) -> Callable[[str], Outcome]:
    """Run one command line as hscroot on bpichmc; a Result (a Pending for commands that block)."""
    session = Session(HMC, USER, "test")

    def _run(command_line: str) -> Outcome:
        return core.execute(session, command_line)

    return _run
