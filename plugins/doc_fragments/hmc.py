# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """Connection options of every module that talks to an HMC (HMC_CONNECTION_ARGSPEC)."""

    DOCUMENTATION = r"""
options:
  hmc_host:
    description:
      - Host name or IP address of the HMC.
      - The module runs on the controller and opens one SSH connection to this HMC per task, or more when more commands
        run at once than O(channels_per_connection) allows.
    type: str
    required: true
  hmc_port:
    description:
      - SSH port of the HMC.
    type: int
    default: 22
  hmc_user:
    description:
      - HMC user to log in as.
    type: str
    default: hscroot
  hmc_password:
    description:
      - Password of O(hmc_user).
      - One of O(hmc_password), O(hmc_private_key), O(hmc_private_key_content) is required unless O(hmc_use_agent=true).
      - When several methods are set, keys are tried first, then the SSH agent, then the password.
    type: str
  hmc_private_key:
    description:
      - Path to an unencrypted private key (ed25519, ecdsa or rsa) whose public key is authorized for O(hmc_user) (C(mkauthkeys -a)).
      - Mutually exclusive with O(hmc_private_key_content).
    type: path
  hmc_private_key_content:
    description:
      - The text of an unencrypted private key (ed25519, ecdsa or rsa), for example from a vault.
      - Mutually exclusive with O(hmc_private_key).
    type: str
  hmc_use_agent:
    description:
      - Also try the keys held by the SSH agent named by the E(SSH_AUTH_SOCK) environment variable.
    type: bool
    default: false
  known_hosts:
    description:
      - OpenSSH C(known_hosts) file that holds the HMC host key.
      - If not set, C(~/.ssh/known_hosts) of the user running Ansible is used.
      - Entries for a port other than 22 are written as C([host]:port), as OpenSSH does.
    type: path
  host_key_policy:
    description:
      - What to do with the host key the HMC presents.
      - V(strict) refuses a key that is not in O(known_hosts) or differs from it. The error shows the SHA256 fingerprint
        the HMC presented, to compare with the HMC console before adding the key.
      - V(accept_new) adds the key of an HMC that has no entry at all to O(known_hosts) and refuses changed keys,
        like OpenSSH C(StrictHostKeyChecking=accept-new).
      - V(ignore) does not check the key. This is insecure; an attacker on the network can read the password and the
        commands. Use it only for throw-away test systems.
    type: str
    choices: [strict, accept_new, ignore]
    default: strict
  connect_timeout:
    description:
      - Seconds allowed for the TCP connection, the SSH handshake and authentication.
      - Connection set-up is retried twice on network errors; authentication and host key failures are not retried.
    type: int
    default: 30
  command_timeout:
    description:
      - Seconds allowed for a single HMC command to finish.
      - A migration runs as one command, so this bounds the duration of one migration.
      - On timeout the module stops waiting, but the command may still be running on the HMC.
    type: int
    default: 3600
  channels_per_connection:
    description:
      - Most commands run at the same time over one SSH connection to the HMC, each on a channel of its own.
      - When more run at once (migrations in flight, parallel reads), another connection to the same HMC is opened, with
        the same host key check and authentication; a task opens as many as it needs, one at a time.
      - The default is the default C(MaxSessions) of OpenSSH; the value an HMC uses is not documented. A lower limit is
        found out while the task runs, when the HMC refuses a channel (OpenSSH answers C(connect failed), older releases
        C(administratively prohibited)) on a connection that has others open - that connection then counts as full at
        what it holds, the command gets its channel on another connection, and connections opened later hold no more
        than the HMC allowed. A refused channel sent nothing, so no command is run twice because of it.
    type: int
    default: 10
notes:
  - The connection to the HMC is made from the controller with paramiko; the managed node is not used.
  - Read-only HMC commands are retried up to two times when the connection is lost. Commands that change state are never
    retried.
  - Set the environment variable E(POWERVM_LPM_TRANSCRIPT) to a file path to append a JSON-lines transcript of every
    HMC command and its output to that file. Passwords and keys are masked, but the transcript holds HMC output.
requirements:
  - paramiko >= 3.2
"""
