# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Both directions of SSH trust with the HMC: its host key, and our user authentication.

Host key policies: ``strict`` refuses unknown and changed keys; ``accept_new`` records the key of
a host that has no entry at all and refuses changed keys; ``ignore`` checks nothing (insecure).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import threading
import traceback
from typing import Any, Callable

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcAuthError, HmcHostKeyError, HmcInputError

try:
    import paramiko
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    from paramiko.hostkeys import HostKeys
except ImportError:
    PARAMIKO_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    PARAMIKO_IMPORT_ERROR = None

HAS_PARAMIKO = PARAMIKO_IMPORT_ERROR is None

HOST_KEY_POLICIES = ("strict", "accept_new", "ignore")
DEFAULT_KNOWN_HOSTS = "~/.ssh/known_hosts"
_WRITE_LOCK = threading.Lock()


def fingerprint(key: Any) -> str:
    """OpenSSH-style SHA256 fingerprint of a paramiko public key."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def known_hosts_name(host: str, port: int) -> str:
    """The name OpenSSH uses in known_hosts: ``host`` on port 22, ``[host]:port`` otherwise."""
    return host if port == 22 else f"[{host}]:{port}"


def _family(key_type: str) -> str:
    base = key_type.replace("-cert-v01@openssh.com", "")
    return "rsa" if base in ("ssh-rsa", "rsa-sha2-256", "rsa-sha2-512") else base


class HostKeyChecker:
    """Looks up and, with accept_new, records the host key of one HMC."""

    def __init__(self, host: str, port: int, known_hosts: str | None, policy: str) -> None:
        if policy not in HOST_KEY_POLICIES:
            raise HmcInputError(f"host_key_policy must be one of {', '.join(HOST_KEY_POLICIES)}, not {policy!r}")
        self.name = known_hosts_name(host, port)
        self.path = os.path.expanduser(known_hosts or DEFAULT_KNOWN_HOSTS)
        self.policy = policy

    def _known(self) -> dict[str, Any]:
        if not os.path.exists(self.path):
            return {}
        try:
            entries = HostKeys(self.path).lookup(self.name)
        except OSError as exc:
            raise HmcHostKeyError(f"cannot read known_hosts file {self.path}: {exc}") from None
        return {_family(key_type): key for key_type, key in (entries or {}).items()}

    def prefer_known_types(self, security_options: Any) -> None:
        """Ask the server for a key type we already know, as OpenSSH does."""
        if self.policy == "ignore":
            return
        known = self._known()
        offered = list(security_options.key_types)
        preferred = [t for t in offered if _family(t) in known]
        if preferred:
            security_options.key_types = preferred + [t for t in offered if t not in preferred]

    def verify(self, key: Any) -> None:
        """Raise HmcHostKeyError unless ``key`` is acceptable under the policy."""
        if self.policy == "ignore":
            return
        known = self._known()
        shown = f"{key.get_name()} key {fingerprint(key)}"
        stored = known.get(_family(key.get_name()))
        if stored is not None and stored.asbytes() == key.asbytes():
            return
        if known:
            raise HmcHostKeyError(
                f"HOST KEY MISMATCH for {self.name}: the server presented the {shown}, which differs from the entry in "
                f"{self.path}. The HMC may have been reinstalled, or the connection is being intercepted. Verify the "
                f"fingerprint on the HMC console, then replace the entry (ssh-keygen -R '{self.name}' -f {self.path}).",
                fingerprint(key),
            )
        if self.policy == "accept_new":
            self._append(key)
            return
        raise HmcHostKeyError(
            f"unknown host key for {self.name}: the server presented the {shown}, which is not in {self.path}. "
            "Verify the fingerprint on the HMC console and add the key to that file, or set host_key_policy=accept_new.",
            fingerprint(key),
        )

    def _append(self, key: Any) -> None:
        line = f"{self.name} {key.get_name()} {key.get_base64()}\n"
        with _WRITE_LOCK:
            directory = os.path.dirname(self.path)
            if directory:
                os.makedirs(directory, mode=0o700, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "r+b") as handle:
                size = handle.seek(0, os.SEEK_END)
                if size:
                    handle.seek(size - 1)
                    if handle.read(1) != b"\n":
                        line = "\n" + line
                handle.write(line.encode("ascii"))


def authenticate(
    transport: Any,
    user: str,
    *,
    password: str | None,
    key_file: str | None,
    key_content: str | None,
    use_agent: bool,
    label: str,
) -> None:
    """Try the key file, the key content, the agent's keys, then the password; raise HmcAuthError."""
    tried: list[str] = []
    keys = [("hmc_private_key", _key_from_file(key_file))] if key_file else []
    if key_content:
        keys.append(("hmc_private_key_content", _key_from_text(key_content)))
    for name, key in keys:
        tried.append(name)
        if _attempt(transport, transport.auth_publickey, user, key):
            return
    if use_agent:
        tried.append("ssh-agent")
        agent = paramiko.Agent()
        try:
            if any(_attempt(transport, transport.auth_publickey, user, k) for k in agent.get_keys()):
                return
        finally:
            agent.close()
    if password is not None:
        tried.append("password")
        if _password_auth(transport, user, password):
            return
    if not tried:
        raise HmcAuthError("no authentication method configured: set hmc_password, hmc_private_key, hmc_private_key_content or hmc_use_agent")
    raise HmcAuthError(f"authentication of {label} failed (tried: {', '.join(tried)})")


def _attempt(transport: Any, method: Callable[..., Any], *args: Any) -> bool:
    try:
        method(*args)
    except (paramiko.AuthenticationException, paramiko.BadAuthenticationType):
        return False
    return bool(transport.is_authenticated())


def _password_auth(transport: Any, user: str, password: str) -> bool:
    try:
        transport.auth_password(user, password)
    except paramiko.BadAuthenticationType as exc:
        if "keyboard-interactive" not in exc.allowed_types:
            return False
        return _attempt(transport, transport.auth_interactive, user, lambda _title, _text, prompts: [password] * len(prompts))
    except paramiko.AuthenticationException:
        return False
    return bool(transport.is_authenticated())


def _key_from_file(path: str) -> Any:
    try:
        with open(os.path.expanduser(path), "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise HmcAuthError(f"cannot read private key file {path}: {exc.strerror}") from None
    return load_private_key(data, f"private key file {path}")


def _key_from_text(text: str) -> Any:
    return load_private_key(text.encode("utf-8"), "hmc_private_key_content")


def load_private_key(data: bytes, source: str) -> Any:
    """A paramiko key from OpenSSH, PKCS#1, SEC1 or PKCS#8 text (unencrypted ed25519, ecdsa or rsa).

    The key is read with cryptography and handed to paramiko in canonical OpenSSH form, which
    paramiko reads reliably whatever tool wrote the original. Errors never include key material.
    """
    try:
        try:
            loaded = serialization.load_ssh_private_key(data, password=None)
        except ValueError:
            loaded = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise HmcAuthError(f"{source} is encrypted with a passphrase, which is not supported") from None
    except (ValueError, UnsupportedAlgorithm):
        raise HmcAuthError(f"{source} is not a private key in OpenSSH or PEM format") from None
    kinds = ((ed25519.Ed25519PrivateKey, paramiko.Ed25519Key), (ec.EllipticCurvePrivateKey, paramiko.ECDSAKey), (rsa.RSAPrivateKey, paramiko.RSAKey))
    key_class = next((cls for kind, cls in kinds if isinstance(loaded, kind)), None)
    if key_class is None:
        raise HmcAuthError(f"{source} is a {type(loaded).__name__}; use an ed25519, ecdsa or rsa key")
    text = loaded.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption())
    return key_class.from_private_key(io.StringIO(text.decode("ascii")))
