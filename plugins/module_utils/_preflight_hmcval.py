# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The HMC's own validation: one ``migrlpar -o v`` per partition x target, in parallel, and its messages.

One command per pair keeps each message attributable to one partition and one target. The commands
run on several channels of the one SSH connection (HmcClient limits how many at once); validation is
read-only, so a command lost with the connection is retried like a listing.

Output grammar (migrlpar man page and public captures): messages start with an HSCL code, are grouped under
``Errors:`` and ``Warnings:`` headings, and a VIOS error comes in a ``VIOS_DETAILED_ERROR`` ...
``End Detailed Message.`` block. Without headings, messages are errors when the exit status is not 0.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ansible_collections.powervm.lpm.plugins.module_utils._estate_query import Client
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcError
from ansible_collections.powervm.lpm.plugins.module_utils._migration_request import LparRef, MigrationSpec, migrlpar
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_model import HmcValidation

_CODE_RE = re.compile(r"^\s*(HSCL[0-9A-F]{4})\b")
_HEADINGS = {"errors:": "error", "warnings:": "warning"}
_PARTITION_HEADING_RE = re.compile(r"^Partition \S+:$")
DETAIL_START = "VIOS_DETAILED_ERROR"
DETAIL_END = "End Detailed Message."
OUTPUT_LIMIT = 8000


@dataclass
class Message:
    code: str | None
    severity: str  # error or warning
    text: str
    detail: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Job:
    """One validation: partition ``lpar`` (id for names the -p grammar cannot carry) from ``source`` to ``target``."""

    lpar: str
    lpar_id: int
    source: str
    target: str
    remote_hmc: str = ""
    remote_user: str = ""


@dataclass
class Outcome:
    job: Job
    validation: HmcValidation
    messages: list[Message]


def parse_output(text: str, rc: int) -> list[Message]:
    """Messages of a ``migrlpar -o v`` output."""
    messages: list[Message] = []
    section = None
    in_detail = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if in_detail:
            if line == DETAIL_END:
                in_detail = False
            elif messages:
                messages[-1].detail.append(line)
            continue
        if line == DETAIL_START:
            in_detail = True
            continue
        if line.lower() in _HEADINGS:
            section = _HEADINGS[line.lower()]
            continue
        if _PARTITION_HEADING_RE.match(line):
            continue
        severity = section or ("error" if rc != 0 else "warning")
        match = _CODE_RE.match(line)
        if match or not messages or messages[-1].severity != severity:
            messages.append(Message(match.group(1) if match else None, severity, line))
        else:
            messages[-1].text += " " + line
    if rc != 0 and not any(m.severity == "error" for m in messages):
        messages.append(Message(None, "error", text.strip() or f"migrlpar -o v failed with rc={rc} and no message"))
    return messages


def argv(job: Job) -> list[str]:
    spec = MigrationSpec(target=job.target, remote_hmc=job.remote_hmc, remote_user=job.remote_user)
    return migrlpar("v", job.source, LparRef(job.lpar, job.lpar_id), spec)


def _not_run(reason: str, command: str | None = None) -> HmcValidation:
    return {"ran": False, "command": command, "rc": None, "seconds": None, "reason": reason, "output": None}


def validate_one(client: Client, job: Job, timeout: float | None) -> Outcome:
    try:
        command = argv(job)
    except HmcError as exc:
        return Outcome(job, _not_run(exc.message), [])
    started = time.monotonic()
    try:
        result = client.run(command, read_only=True, timeout=timeout, check=False)
    except HmcError as exc:
        failed = _not_run(f"the validation could not be run: {exc.message}", " ".join(command))
        failed["seconds"] = round(time.monotonic() - started, 3)
        return Outcome(job, failed, [])
    output = "\n".join(part for part in (result.stdout.strip(), result.stderr.strip()) if part)
    validation: HmcValidation = {
        "ran": True, "command": result.command, "rc": result.rc, "seconds": round(result.duration, 3), "reason": None,
        "output": output[:OUTPUT_LIMIT],
    }
    return Outcome(job, validation, parse_output(output, result.rc))


def validate_all(client: Client, jobs: Sequence[Job], workers: int, timeout: float | None) -> list[Outcome]:
    """Run every job on up to ``workers`` threads (the client caps the SSH channels in use)."""
    if not jobs:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(jobs)))) as pool:
        return list(pool.map(lambda job: validate_one(client, job, timeout), jobs))
