# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The harness' secrets and the secrets scan themselves, with secrets of their own (not the session's):
playbook data is scrubbed into environment lookups, the needles hold the private key material but not
the lines every key shares, and the scan finds a planted secret and nothing in clean files."""

from __future__ import annotations

import pathlib

import yaml

from harness_secrets import KeyPair, SessionSecrets
from secrets_scan import files_under, scan, self_test


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
