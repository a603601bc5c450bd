# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Host key policies against the twin: a changed key (a twin restarted with a new key on the same
port) is refused by ``strict`` and ``accept_new`` with the new fingerprint; ``accept_new`` records the
key of an unknown host; ``ignore`` connects whatever the key. (The unknown key under ``strict`` is in
test_estate_info.py.)"""

from __future__ import annotations

import pathlib

import pytest

P740 = "p740-Server-8205-E6B-SN10934CP"


def read_task(**options):
    return [{"name": "read one system", "powervm.lpm.estate_info": {"systems": [P740], "vios_details": False, **options}}]


@pytest.fixture(scope="module")
def rekeyed(twin_factory, tmp_path_factory):
    """A twin restarted with a new host key on the same port, and a known_hosts file holding the old key."""
    first = twin_factory("seed-lab")
    old = tmp_path_factory.mktemp("rekeyed") / "known_hosts"
    old.write_text(first.known_hosts.read_text(encoding="ascii"), encoding="ascii")
    port, fingerprint = first.port, first.fingerprint
    first.stop()
    second = twin_factory("seed-lab", port=port)
    assert (second.port, second.host) == (port, first.host)
    assert second.fingerprint != fingerprint
    return second, old, fingerprint


@pytest.mark.parametrize("policy", ["strict", "accept_new"])
def test_a_changed_key_is_refused_with_its_fingerprint(rekeyed, run_playbook, policy):
    twin, known_hosts, old_fingerprint = rekeyed
    before_text = known_hosts.read_text(encoding="ascii")
    before = twin.last_seq()
    options = {} if policy == "strict" else {"host_key_policy": policy}          # strict is the default
    rc, (result,) = run_playbook(read_task(**options), twin=twin, known_hosts=known_hosts)
    assert rc != 0 and result["failed"] is True and result["error_type"] == "HmcHostKeyError"
    assert "HOST KEY MISMATCH" in result["msg"]
    assert result["host_key_fingerprint"] == twin.fingerprint and twin.fingerprint in result["msg"]
    assert old_fingerprint not in result["msg"]
    assert f"ssh-keygen -R '[{twin.host}]:{twin.port}'" in result["msg"]
    assert known_hosts.read_text(encoding="ascii") == before_text      # never replaced, not even by accept_new
    assert twin.log(since=before) == []                                # not logged in, nothing ran


def test_ignore_connects_whatever_the_key(rekeyed, run_playbook):
    twin, known_hosts, _old = rekeyed
    before_text = known_hosts.read_text(encoding="ascii")
    before = twin.last_seq()
    rc, (result,) = run_playbook(read_task(host_key_policy="ignore"), twin=twin, known_hosts=known_hosts)
    assert rc == 0 and list(result["estate"]["systems"]) == [P740]
    assert known_hosts.read_text(encoding="ascii") == before_text
    assert len(twin.log(since=before)) == result["stats"]["commands"] > 0


def test_accept_new_records_an_unknown_key_once(twin, run_playbook, tmp_path: pathlib.Path):
    known_hosts = tmp_path / "ssh" / "known_hosts"            # neither the file nor its directory exists yet
    rc, (result,) = run_playbook(read_task(host_key_policy="accept_new"), known_hosts=known_hosts)
    assert rc == 0, result.get("msg")
    (line,) = known_hosts.read_text(encoding="ascii").splitlines()
    name, key_type, key = line.split()
    assert (name, key_type) == (f"[{twin.host}]:{twin.port}", "ssh-ed25519")
    assert line == twin.info["hmcs"][twin.hmc]["known_hosts_line"]
    assert oct(known_hosts.stat().st_mode & 0o777) == oct(0o600)
    # From now on the key is known: strict accepts it and nothing is appended again.
    rc, (result,) = run_playbook(read_task(), known_hosts=known_hosts)
    assert rc == 0 and known_hosts.read_text(encoding="ascii").splitlines() == [f"{name} {key_type} {key}"]


def test_ignore_with_no_known_hosts_writes_nothing(twin, run_playbook, tmp_path: pathlib.Path):
    known_hosts = tmp_path / "known_hosts"
    rc, (result,) = run_playbook(read_task(host_key_policy="ignore"), known_hosts=known_hosts)
    assert rc == 0 and list(result["estate"]["systems"]) == [P740]
    assert not known_hosts.exists()
