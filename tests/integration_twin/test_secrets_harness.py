# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The harness' secrets and the secrets scan themselves, with secrets of their own (not the session's):
playbook data is scrubbed into environment lookups, the needles hold the private key material but not
the lines every key shares, and the scan finds a planted secret and nothing in clean files. Under
pytest-xdist: every worker has the owner's secrets, a secret one worker registers is scanned for in
the whole session, workers write under names of their own, and no two processes get the same port."""

from __future__ import annotations

import json
import pathlib
import shutil
import socket

import pytest
import yaml

from harness_artifacts import Artifacts
from harness_ports import PortBook
from harness_secrets import KeyPair, SessionSecrets, session_needles
from secrets_scan import files_under, main, scan, self_test


def test_environment_values_are_used_and_scrubbed_into_lookups():
    own = SessionSecrets({"POWERVM_LPM_TEST_HMC_PASSWORD": "Given-Pw-1", "POWERVM_LPM_TEST_REMOTE_PASSWORD": "Given-Pw-2"})
    assert (own.password.value, own.remote_password.value) == ("Given-Pw-1", "Given-Pw-2")
    data = {"vars": {"hmc_password": "Given-Pw-1", "note": "remote Given-Pw-2 here"}, "tasks": [{"key": own.key.private}], "port": 22}
    scrubbed = own.scrub(data)
    text = yaml.safe_dump(scrubbed)
    assert "Given-Pw" not in text and not any(line in text for line in own.key.material_lines())
    assert scrubbed["vars"]["hmc_password"] == "{{ lookup('ansible.builtin.env', 'POWERVM_LPM_TEST_HMC_PASSWORD') }}"
    assert scrubbed["vars"]["note"] == "remote {{ lookup('ansible.builtin.env', 'POWERVM_LPM_TEST_REMOTE_PASSWORD') }} here"
    assert scrubbed["tasks"][0]["key"] == "{{ lookup('ansible.builtin.env', 'POWERVM_LPM_TEST_HMC_KEY_CONTENT') }}"
    assert scrubbed["port"] == 22
    env = own.env()
    assert env["POWERVM_LPM_TEST_HMC_PASSWORD"] == "Given-Pw-1" and env["POWERVM_LPM_TEST_HMC_KEY_CONTENT"] == own.key.private


def test_drawn_passwords_are_distinctive_and_registered_ones_are_scrubbed_too():
    one, two = SessionSecrets({}), SessionSecrets({})
    assert one.password.value.startswith("S3cr3t-") and len(one.password.value) >= 30
    assert one.password.value != two.password.value and one.key.private != two.key.private
    extra = one.register("extra")
    assert extra.startswith("S3cr3t-extra-") and one.needles()["extra"] == [extra]
    assert one.scrub(extra).startswith("{{ lookup('ansible.builtin.env', 'POWERVM_LPM_TEST_SECRET_")


def test_key_needles_are_the_lines_with_key_material(tmp_path: pathlib.Path):
    key = KeyPair.generate()
    lines = key.material_lines()
    body = [line for line in key.private.splitlines() if not line.startswith("-----")]
    assert body[0] not in lines                      # "openssh-key-v1" and the key type: every ed25519 key has it
    assert 3 <= len(lines) < len(body) and all(len(line) >= 16 and line in key.private for line in lines)
    path = tmp_path / "key"
    path.write_text(key.private, encoding="ascii")
    assert KeyPair.from_file(str(path)).public.split()[:2] == key.public.split()[:2]


def test_the_scan_finds_planted_secrets_and_nothing_else(tmp_path: pathlib.Path):
    own = SessionSecrets({})
    needles = own.needles()
    assert self_test(needles) == []
    (tmp_path / "clean.log").write_text("S3cr3t- but not the password\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "leak.json").write_text(f'{{"a": 1,\n "b": "{own.remote_password.value}"}}\n', encoding="utf-8")
    (tmp_path / "key.txt").write_text(own.key.private.replace("\n", "\\n"), encoding="utf-8")   # the key as a JSON string
    hits, count = scan(files_under([tmp_path]), needles)
    assert count == 3
    assert sorted((h.path.name, h.label, h.line) for h in hits if h.label != "hmc_private_key") == [("leak.json", "remote_hmc_password", 2)]
    assert {h.path.name for h in hits if h.label == "hmc_private_key"} == {"key.txt"}
    assert self_test({"hmc_password": []}) == ["self-test: the manifest holds no secrets to look for"]


def test_every_process_of_a_session_has_the_same_secrets(tmp_path: pathlib.Path):
    owner = SessionSecrets({})
    key_file = owner.write(tmp_path / "secrets")
    worker = SessionSecrets(owner.shared_env(key_file))                 # what an xdist worker reads from its environment
    assert (worker.password, worker.remote_password) == (owner.password, owner.remote_password)
    assert worker.key.private == owner.key.private and worker.key.public.split()[:2] == owner.key.public.split()[:2]
    assert worker.needles() == owner.needles()
    assert not any(value in json.dumps(owner.shared_env(key_file)) for value in owner.key.material_lines())  # a path, not the key


def test_a_secret_a_worker_registers_is_scanned_for(tmp_path: pathlib.Path, capsys):
    name = "20260101T000000-1"
    session, secrets_dir = tmp_path / "integration-artifacts" / name, tmp_path / "integration-secrets" / name
    owner = SessionSecrets({})
    key_file = owner.write(secrets_dir)
    workers = {w: SessionSecrets(owner.shared_env(key_file)) for w in ("gw0", "gw1")}
    for w, worker in workers.items():
        worker.join(secrets_dir, w)
    late = workers["gw1"].register("wrong_remote_password")             # only gw1's manifest holds it
    needles = session_needles(secrets_dir)
    assert needles["wrong_remote_password"] == [late] and needles["hmc_password"] == [owner.password.value]
    assert self_test(needles) == []
    for path, text in (("ps.txt", "1 python\n"), ("playbooks/gw0-0001.stdout.txt", "ok\n"), ("transcripts/gw1-0001.jsonl", "{}\n"),
                       ("twins/gw0-0/command-log.jsonl", "{}\n"), ("files/gw0/a.txt", "a\n"), ("files/gw1/b.txt", "b\n")):
        (session / path).parent.mkdir(parents=True, exist_ok=True)
        (session / path).write_text(text, encoding="utf-8")
    logs = tmp_path / "logs"
    logs.mkdir()
    assert main(["--session", str(session), "--logs", str(logs)]) == 0
    assert "8 checks passed, 0 failed" in capsys.readouterr().out
    (session / "files" / "gw1" / "b.txt").write_text(f"rc=1 password {late}\n", encoding="utf-8")
    assert main(["--session", str(session), "--logs", str(logs)]) == 1
    out = capsys.readouterr().out
    assert f"wrong_remote_password found in {session / 'files' / 'gw1' / 'b.txt'} line 1" in out and late not in out
    shutil.rmtree(session / "files" / "gw1")                             # a worker whose files were not kept
    assert main(["--session", str(session), "--logs", str(logs)]) == 1
    assert "FAILED: every worker of the session left its files (gw0, gw1); missing: gw1" in capsys.readouterr().out


def test_workers_write_into_the_owners_session_under_names_of_their_own(tmp_path: pathlib.Path):
    owner = Artifacts(tmp_path, "s-1")
    (owner.root / "playbooks" / f"{owner.next_run()}.stdout.txt").write_text("owner\n", encoding="utf-8")
    worker = Artifacts(tmp_path, "s-1", worker="gw1", fresh=False)     # joins: the owner's files stay
    assert (worker.next_run(), worker.next_run(), worker.twin_dir(0), worker.files) == ("gw1-0001", "gw1-0002", "twins/gw1-0", "files/gw1")
    assert (owner.root / "playbooks" / "0001.stdout.txt").read_text(encoding="utf-8") == "owner\n"
    assert (owner.twin_dir(0), owner.files) == ("twins/0", "files")
    with pytest.raises(FileNotFoundError):
        Artifacts(tmp_path, "s-2", worker="gw0", fresh=False)


def test_two_processes_never_hold_the_same_port(tmp_path: pathlib.Path):
    first, second = (PortBook(tmp_path / "locks", first=21000, end=21300) for _ in range(2))   # two lock descriptions, as two processes
    held = [first.reserve(3) for _ in range(20)]
    ports = {p for start in held for p in range(start, start + 3)}
    assert len(ports) == 60 and all(first.holds(p) for p in ports)
    theirs = {p for start in (second.reserve(3) for _ in range(20)) for p in range(start, start + 3)}
    assert not ports & theirs and all(21000 <= p < 21300 for p in ports | theirs)
    with socket.socket() as busy:                                         # a port someone else listens on is never handed out
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        own, got = PortBook(tmp_path / "other-locks", first=port, end=port + 100), set()
        with pytest.raises(RuntimeError, match="no 1 free consecutive ports"):
            for _ in range(100):
                got.add(own.reserve())
        assert got and port not in got
    assert PortBook(tmp_path / "locks", first=21000, end=21050).reserve() == 0   # too small a range: the kernel's choice
