# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""migrlpar -o v: the command per pair, its output split into messages, runs in parallel."""

from __future__ import annotations

import threading
import time

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import CommandResult
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcConnectionError
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_hmcval import Job, Message, argv, parse_output, validate_all
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.preflight_support import P740, P750, load_fixture

pytest.importorskip("paramiko")


def recorded(scenario: str, lpar: str = "b750nl2") -> dict:
    line = f"migrlpar -o v -m {P750} -t {P740} -p {lpar}"
    return next(e for e in load_fixture(scenario)["entries"] if e["command"] == line)


def test_a_clean_validation_has_no_message():
    entry = recorded("seed-lab")
    assert (entry["rc"], entry["stdout"]) == (0, "")
    assert parse_output(entry["stdout"], entry["rc"]) == []


def test_recorded_errors_are_split_per_code():
    entry = recorded("target-reserve")
    messages = parse_output(entry["stdout"], entry["rc"])
    assert [(m.code, m.severity) for m in messages] == [("HSCLA23B", "error")]
    assert messages[0].text.startswith("HSCLA23B Device hdisk2 on b740vio1 backing partition b750nl2 has reserve_policy=single_path")


def test_errors_and_warnings_headings_and_continuation_lines():
    text = "\n".join([
        "Errors:",
        "HSCLA246 The management console cannot communicate with partition b750nl2.",
        "  Verify the network and try again.",
        "HSCLA22A The logical memory block size differs.",
        "Warnings:",
        "HSCLA241 Partition b750nl2 has an open virtual terminal session.",
    ])
    messages = parse_output(text, 1)
    assert [(m.code, m.severity) for m in messages] == [("HSCLA246", "error"), ("HSCLA22A", "error"), ("HSCLA241", "warning")]
    assert messages[0].text.endswith("b750nl2. Verify the network and try again.")


def test_vios_detail_block_belongs_to_its_message(fixture_text):
    (message,) = parse_output(fixture_text("error_hscla319_vios_detail.txt"), 1)
    assert message.code == "HSCLA319" and message.severity == "error"
    assert message.detail == ["Client Target WWPNs: 50050763080801ae 500507630808c1ae", "There are no FC adapters",
                              "Returning from npiv_dest_adapter rc=83"]
    assert "VIOS_DETAILED_ERROR" not in message.text


def test_failure_without_a_code_and_warnings_without_headings():
    assert parse_output("", 1) == [Message(None, "error", "migrlpar -o v failed with rc=1 and no message")]
    assert parse_output("something odd happened", 2) == [Message(None, "error", "something odd happened")]
    (warning,) = parse_output("HSCLA249 The Virtual I/O Servers do not have a time reference.", 0)
    assert warning.severity == "warning"
    text = "Partition b750nl2:\nErrors:\nHSCLA22F The partition b750nl2 has physical I/O slot 21010207 assigned."
    assert [m.code for m in parse_output(text, 1)] == ["HSCLA22F"]


def test_command_per_pair_local_remote_and_by_id():
    assert argv(Job("b750nl2", 3, P750, P740)) == ["migrlpar", "-o", "v", "-m", P750, "-t", P740, "-p", "b750nl2"]
    assert argv(Job("b750nl2", 3, P750, P740, "hmc2", "hscroot")) == [
        "migrlpar", "-o", "v", "-m", P750, "-t", P740, "-p", "b750nl2", "--ip", "hmc2", "-u", "hscroot"]
    assert argv(Job("odd,name", 7, P750, P740))[-2:] == ["--id", "7"]


class SlowClient:
    """Answers every validation after a delay and counts how many ran at once."""

    connections_opened = 1

    def __init__(self, fail_for: str = "") -> None:
        self.active = 0
        self.peak = 0
        self.lock = threading.Lock()
        self.fail_for = fail_for

    def run(self, command, *, read_only=False, timeout=None, check=True):
        assert read_only and not check and timeout == 30
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        time.sleep(0.05)
        with self.lock:
            self.active -= 1
        if self.fail_for and self.fail_for in command:
            raise HmcConnectionError("connection lost")
        return CommandResult(tuple(command), 1, "Errors:\nHSCLA22A The logical memory block size differs.\n", "", 0.05)


def test_validations_run_in_parallel_and_failures_are_kept_per_pair():
    jobs = [Job(f"lp{i}", i, P750, P740) for i in range(12)]
    client = SlowClient(fail_for="lp3")
    started = time.monotonic()
    outcomes = validate_all(client, jobs, 6, 30)
    assert time.monotonic() - started < 0.05 * 12 / 2
    assert client.peak == 6
    assert [o.job.lpar for o in outcomes] == [j.lpar for j in jobs]
    failed = outcomes[3]
    assert failed.validation["ran"] is False and failed.validation["reason"] == "the validation could not be run: connection lost"
    assert failed.messages == []
    assert outcomes[0].validation["rc"] == 1 and [m.code for m in outcomes[0].messages] == ["HSCLA22A"]
    assert validate_all(client, [], 6, 30) == []
