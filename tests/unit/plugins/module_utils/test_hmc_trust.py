# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""hmc_trust over a recorded two-HMC twin sequence (fixtures/prepare/trust.json): decisions and redaction."""

from __future__ import annotations

import json

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_trust import TrustRequest, ensure
from ansible_collections.powervm.lpm.plugins.module_utils._prepare_common import PrepareError
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.prepare_replay import SequenceClient

pytest.importorskip("paramiko")

REMOTE, PASSWORD, WRONG = "127.0.0.2", "Remote-Pw-4417", "Wrong-Pw-0093"
TEST = f"mkauthkeys --ip {REMOTE} -u hscroot --test"
MASKED = f"mkauthkeys --ip {REMOTE} -u hscroot --passwd '********'"


def test_recorded_sequence():
    transcript = []
    client = SequenceClient("trust", recorder=transcript.append)

    with pytest.raises(PrepareError) as wrong:
        ensure(client, TrustRequest(REMOTE, "hscroot", WRONG), check_mode=False)
    failure = wrong.value.to_result()
    assert failure["hscl_code"] == "HSCL3652" and failure["cmd"] == MASKED and failure["trusted"] is False
    assert "authentication with the management console 127.0.0.2 failed" in failure["msg"]
    assert WRONG not in json.dumps(failure)

    request = TrustRequest(REMOTE, "hscroot", PASSWORD)
    check = ensure(client, request, check_mode=True)
    assert check.changed and check.commands == [MASKED] and (check.before, check.after) == (False, True)
    assert client.sent()[-1] == TEST  # check mode only tests

    applied = ensure(client, request, check_mode=False)
    assert applied.changed and applied.commands == [MASKED]
    assert client.sent()[-3:] == [TEST, f"mkauthkeys --ip {REMOTE} -u hscroot --passwd {PASSWORD}", TEST]
    result = applied.to_result(request)
    assert result["diff"] == {"before": {"trusted": False}, "after": {"trusted": True}} and result["trusted"] is True

    again = ensure(client, request, check_mode=False)
    assert not again.changed and again.commands == [] and client.sent()[-1] == TEST

    with pytest.raises(PrepareError) as tested:
        ensure(client, TrustRequest(REMOTE, "otheruser", state="tested"), check_mode=False)
    assert "state=tested: this HMC has no SSH key trust to 127.0.0.2 for user otheruser (HSCL3653" in tested.value.message
    assert client.transport.left() == []

    shown = json.dumps([entry.argv for entry in transcript]) + json.dumps([entry.stdout for entry in transcript])
    assert PASSWORD not in shown and WRONG not in shown and shown.count("********") == 2


def test_present_without_password_is_refused_when_needed():
    client = SequenceClient("trust")
    with pytest.raises(PrepareError, match="remote_password is needed"):
        ensure(client, TrustRequest(REMOTE, "hscroot"), check_mode=True)
    assert client.sent() == [TEST]
