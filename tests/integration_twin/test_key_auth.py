# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Public key login to the twin with the session's key pair, from a file and from text, and the
failures: a key the HMC does not know, and a key file that is not a key. No password is given in any
of these runs. Whether the key leaks anywhere is the secrets scan's job (scripts/secrets_scan.sh)."""

from __future__ import annotations

import json

import pytest

from conftest import HMC_USER, SECRETS

P740 = "p740-Server-8205-E6B-SN10934CP"
READ = [{"name": "read one system", "powervm.lpm.estate_info": {"systems": [P740], "vios_details": False}}]


@pytest.mark.parametrize("auth", ["key_file", "key_content"])
def test_the_session_key_logs_in(twin, run_playbook, auth):
    before = twin.last_seq()
    rc, (result,) = run_playbook(READ, auth=auth)
    assert rc == 0, result.get("msg")
    assert list(result["estate"]["systems"]) == [P740]
    log = twin.log(since=before)
    assert len(log) == result["stats"]["commands"] and {e["session"].split("/")[0] for e in log} == {twin.hmc}


def _no_keys(data):
    for hmc in data["hmcs"]:
        for user in hmc["users"]:
            if user["name"] == HMC_USER:
                user["authorized_keys"] = []


@pytest.mark.parametrize("auth", ["key_file", "key_content"])
def test_a_key_the_hmc_does_not_know_is_refused(twin_factory, run_playbook, auth):
    keyless = twin_factory(mutate=_no_keys)
    rc, (result,) = run_playbook(READ, twin=keyless, auth=auth)
    option = "hmc_private_key" if auth == "key_file" else "hmc_private_key_content"
    assert rc != 0 and result["error_type"] == "HmcAuthError"
    assert result["msg"] == f"authentication of {HMC_USER}@{keyless.host}:{keyless.port} failed (tried: {option})"
    assert keyless.log() == []


def test_a_file_that_is_not_a_key_says_so_without_its_content(run_playbook, tmp_path):
    bogus = tmp_path / "not-a-key"
    bogus.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n", encoding="ascii")
    task = [{"name": "read", "powervm.lpm.estate_info": {"systems": [P740], "vios_details": False, "hmc_private_key": str(bogus)}}]
    rc, (result,) = run_playbook(task, auth="key_file")
    assert rc != 0 and result["error_type"] == "HmcAuthError"
    assert result["msg"] == f"private key file {bogus} is not a private key in OpenSSH or PEM format"
    assert "bm90IGEga2V5" not in json.dumps(result)
    assert not any(line in json.dumps(result) for line in SECRETS.key.material_lines())
