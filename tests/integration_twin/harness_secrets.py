# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The secrets of one integration session, and how they reach playbooks without being written down.

Every secret has a value and an environment variable. The HMC password comes from
``POWERVM_LPM_TEST_HMC_PASSWORD`` and the remote HMC password from
``POWERVM_LPM_TEST_REMOTE_PASSWORD`` when they are set; otherwise each session draws a distinctive
random one (``S3cr3t-<hex>``). The SSH key pair for key authentication is read from the OpenSSH
private key file named by ``POWERVM_LPM_TEST_HMC_KEY``, or generated (ed25519) for the session.

Playbooks never see a secret in their text or on the ``ansible-playbook`` command line: ``scrub``
replaces each value by ``{{ lookup('ansible.builtin.env', VAR) }}`` and ``env`` hands the values over
in the environment. ``needles`` is what the secrets scan looks for afterwards: the passwords, and the
base64 body lines of the private key that hold key material (lines every OpenSSH key of that type
shares are left out, or the twin's own host key would match).

One session, one secret set, whatever the number of processes. The process that owns the session
(the pytest-xdist controller, or the only process) draws the secrets, writes the key and the manifest
``secrets.json`` once (``write``) and exports the values with ``shared_env`` before any worker
starts; each worker then reads the same passwords and the same key file from its environment, and
keeps the secrets its tests register in a manifest of its own, ``secrets-<worker>.json``
(``join``). ``session_needles`` reads all the manifests of a session.
"""

from __future__ import annotations

import json
import os
import pathlib
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

PASSWORD_ENV = "POWERVM_LPM_TEST_HMC_PASSWORD"
REMOTE_PASSWORD_ENV = "POWERVM_LPM_TEST_REMOTE_PASSWORD"
KEY_ENV = "POWERVM_LPM_TEST_HMC_KEY"
KEY_CONTENT_ENV = "POWERVM_LPM_TEST_HMC_KEY_CONTENT"
MIN_KEY_LINE = 16  # shorter body lines (the padding at the end) are too likely to occur by chance
MANIFEST = "secrets.json"
WORKER_MANIFESTS = "secrets-*.json"


@dataclass(frozen=True)
class Secret:
    label: str
    value: str
    env: str  # the environment variable that hands the value to ansible-playbook

    @property
    def lookup(self) -> str:
        return "{{ lookup('ansible.builtin.env', '" + self.env + "') }}"


def random_password(kind: str = "") -> str:
    return f"S3cr3t-{kind}{secrets.token_hex(12)}"


def _openssh(key: ed25519.Ed25519PrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()).decode("ascii")


def _body(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("-----")]


@dataclass(frozen=True)
class KeyPair:
    private: str  # OpenSSH private key text
    public: str   # OpenSSH public key line

    @classmethod
    def generate(cls) -> KeyPair:
        key = ed25519.Ed25519PrivateKey.generate()
        public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode("ascii")
        return cls(_openssh(key), public + " powervm-lpm-integration")

    @classmethod
    def from_file(cls, path: str) -> KeyPair:
        data = pathlib.Path(path).read_bytes()
        key = serialization.load_ssh_private_key(data, password=None)
        public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode("ascii")
        return cls(data.decode("ascii"), public)

    def material_lines(self) -> list[str]:
        """Body lines of the private key that another key of the same type does not share."""
        reference = _body(_openssh(ed25519.Ed25519PrivateKey.generate())) if "OPENSSH" in self.private else []
        lines = _body(self.private)
        return [line for i, line in enumerate(lines) if len(line) >= MIN_KEY_LINE and (i >= len(reference) or reference[i] != line)]


class SessionSecrets:
    """The passwords and the key pair of a session, plus secrets tests register on the way."""

    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        self._lock = threading.Lock()
        self.password = Secret("hmc_password", environ.get(PASSWORD_ENV) or random_password(), PASSWORD_ENV)
        self.remote_password = Secret("remote_hmc_password", environ.get(REMOTE_PASSWORD_ENV) or random_password("remote-"), REMOTE_PASSWORD_ENV)
        self.key = KeyPair.from_file(environ[KEY_ENV]) if environ.get(KEY_ENV) else KeyPair.generate()
        self.key_content = Secret("hmc_private_key", self.key.private, KEY_CONTENT_ENV)
        self._secrets: list[Secret] = [self.password, self.remote_password, self.key_content]
        self.manifest: pathlib.Path | None = None

    def register(self, label: str, value: str | None = None) -> str:
        """Add a secret (a fresh random password by default) that the scan looks for; returns the value."""
        value = value or random_password(f"{label}-")
        with self._lock:
            env = f"POWERVM_LPM_TEST_SECRET_{len(self._secrets)}"
            self._secrets.append(Secret(label, value, env))
        self._write_manifest()
        return value

    @property
    def all(self) -> list[Secret]:
        with self._lock:
            return list(self._secrets)

    def env(self) -> dict[str, str]:
        """The environment variables that hand every secret to ansible-playbook."""
        return {s.env: s.value for s in self.all}

    def scrub(self, data: Any) -> Any:
        """``data`` with every secret value replaced by the lookup of its environment variable."""
        if isinstance(data, str):
            for secret in sorted(self.all, key=lambda s: len(s.value), reverse=True):
                if secret.value in data:
                    data = data.replace(secret.value, secret.lookup)
            return data
        if isinstance(data, Mapping):
            return {key: self.scrub(value) for key, value in data.items()}
        if isinstance(data, (list, tuple)):
            return [self.scrub(item) for item in data]
        return data

    def needles(self) -> dict[str, list[str]]:
        """What must never appear in the session's output, by label."""
        out: dict[str, list[str]] = {}
        for secret in self.all:
            out[secret.label] = self.key.material_lines() if secret is self.key_content else [secret.value]
        return out

    def write(self, directory: pathlib.Path) -> pathlib.Path:
        """Write the key pair and the manifest (the needles) into a private directory; returns the key file."""
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        key_file = directory / "hmc_key"
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(self.key.private)
        (directory / "hmc_key.pub").write_text(self.key.public + "\n", encoding="ascii")
        self.manifest = directory / MANIFEST
        self._write_manifest()
        return key_file

    def shared_env(self, key_file: pathlib.Path) -> dict[str, str]:
        """The environment that gives another process of the session these very secrets (``key_file``
        as written by ``write``)."""
        return {PASSWORD_ENV: self.password.value, REMOTE_PASSWORD_ENV: self.remote_password.value, KEY_ENV: str(key_file)}

    def join(self, directory: pathlib.Path, worker: str) -> pathlib.Path:
        """Keep this process's needles in a manifest of its own beside the owner's (the key is the owner's)."""
        if not (directory / MANIFEST).is_file():
            raise FileNotFoundError(f"the session's secrets manifest {directory / MANIFEST} does not exist")
        self.manifest = directory / WORKER_MANIFESTS.replace("*", worker)
        self._write_manifest()
        return self.manifest

    def _write_manifest(self) -> None:
        if self.manifest is None:
            return
        fd = os.open(self.manifest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"needles": self.needles()}, handle, indent=1)


def load_needles(manifest: pathlib.Path) -> dict[str, list[str]]:
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return {str(label): [str(n) for n in needles] for label, needles in data["needles"].items()}


def session_needles(directory: pathlib.Path) -> dict[str, list[str]]:
    """The needles of every manifest of a session (the owner's and each worker's), each value once."""
    merged: dict[str, list[str]] = {}
    for manifest in [directory / MANIFEST, *sorted(directory.glob(WORKER_MANIFESTS))]:
        for label, needles in load_needles(manifest).items():
            known = merged.setdefault(label, [])
            known.extend(n for n in needles if n not in known)
    return merged
