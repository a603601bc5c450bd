# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Look for an integration session's secrets in everything the session left behind.

    python tests/integration_twin/secrets_scan.py [--session DIR] [--logs DIR]

Reads the needles (passwords, private key body lines) from the session's manifests in
``build/integration-secrets/<session>/``: ``secrets.json``, written once for the whole session, and
the ``secrets-<worker>.json`` of each pytest-xdist worker with the secrets its tests registered. It
searches every file of the session's
artifacts (see harness_artifacts.py) and every ``*.log`` in ``--logs`` (default ``build/logs``). It
first checks itself: each needle planted in a scratch file must be found, and a clean file must not
be. It also checks that the session captured what it should have (process samples, playbook output,
transcripts, twin command logs, test files), so an empty scan cannot pass. Files a test declared as
deliberate secret inputs were not copied into the session; its ``exempt.txt`` lists them.

Prints one line per check and per hit, then ``N checks passed, M failed``; exits 1 on any failure.
Hits name the file, the secret's label and the line, never the secret.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from harness_artifacts import artifacts_base, latest_session, secrets_base  # noqa: E402  # pylint: disable=wrong-import-position
from harness_secrets import MANIFEST, WORKER_MANIFESTS, session_needles  # noqa: E402  # pylint: disable=wrong-import-position

REPO = pathlib.Path(__file__).resolve().parents[2]
# What a session must have captured for its scan to mean anything: (glob under the session, what it is).
EXPECTED = (
    ("ps.txt", "process list samples"),
    ("playbooks/*.stdout.txt", "ansible-playbook output"),
    ("transcripts/*.jsonl", "HMC command transcripts"),
    ("twins/*/command-log.jsonl", "twin command logs"),
    ("files/**/*", "files the tests wrote"),
)


@dataclass(frozen=True)
class Hit:
    path: pathlib.Path
    label: str
    line: int


def files_under(roots: Iterable[pathlib.Path], pattern: str = "**/*") -> Iterator[pathlib.Path]:
    for root in roots:
        if root.is_file():
            yield root
        elif root.is_dir():
            yield from (p for p in sorted(root.glob(pattern)) if p.is_file() and not p.is_symlink())


def scan(paths: Iterable[pathlib.Path], needles: dict[str, list[str]]) -> tuple[list[Hit], int]:
    """Every place a needle occurs, and the number of files read."""
    encoded = [(label, needle.encode("utf-8")) for label, values in needles.items() for needle in values if needle]
    hits: list[Hit] = []
    count = 0
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        count += 1
        for label, needle in encoded:
            start = data.find(needle)
            while start >= 0:
                hits.append(Hit(path, label, data.count(b"\n", 0, start) + 1))
                start = data.find(needle, start + 1)
    return hits, count


def self_test(needles: dict[str, list[str]]) -> list[str]:
    """Problems of the scanner itself: a planted needle it misses, or a hit in a clean file."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="secrets-self-test-") as scratch:
        root = pathlib.Path(scratch)
        (root / "clean.txt").write_text("nothing to see here\n", encoding="utf-8")
        for i, (label, values) in enumerate(sorted(needles.items())):
            for j, value in enumerate(values):
                (root / f"planted-{i}-{j}.json").write_text(f'{{"msg": "x", "leak": "{value}"}}\n', encoding="utf-8")
        hits, _count = scan(files_under([root]), needles)
        found = {(hit.path.name, hit.label) for hit in hits}
        for i, (label, values) in enumerate(sorted(needles.items())):
            for j in range(len(values)):
                if (f"planted-{i}-{j}.json", label) not in found:
                    problems.append(f"self-test: {label} (needle {j + 1}) planted in a file was not found")
        if any(hit.path.name == "clean.txt" for hit in hits):
            problems.append("self-test: a clean file was reported")
    if not any(needles.values()):
        problems.append("self-test: the manifest holds no secrets to look for")
    return problems


def session_dir(given: str | None) -> pathlib.Path:
    if given:
        return pathlib.Path(given)
    found = latest_session(artifacts_base(REPO))
    if found is None:
        raise SystemExit(f"no integration session found under {artifacts_base(REPO)} (run the integration tests first)")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--session", help="the session's artifacts directory (default: the latest session)")
    parser.add_argument("--logs", default=str(REPO / "build" / "logs"), help="directory whose *.log files are scanned too")
    args = parser.parse_args(argv)
    session = session_dir(args.session)
    manifest = secrets_base(session.parent) / session.name / MANIFEST
    if not session.is_dir() or not manifest.is_file():
        print(f"FAILED: the session {session} or its manifest {manifest} does not exist (did the integration tests run?)")
        print("0 checks passed, 1 failed")
        return 1
    needles = session_needles(manifest.parent)
    workers = sorted(manifest.parent.glob(WORKER_MANIFESTS))
    print(f"needles from {manifest.name}" + (f" and {len(workers)} worker manifests" if workers else ""))
    passed = failed = 0

    def check(ok: bool, text: str) -> None:
        nonlocal passed, failed
        print(("ok: " if ok else "FAILED: ") + text)
        passed, failed = passed + ok, failed + (not ok)

    problems = self_test(needles)
    check(not problems, "the scanner finds every secret planted in a scratch file and nothing in a clean one")
    for problem in problems:
        print(f"  {problem}")
    for pattern, what in EXPECTED:
        count = sum(1 for path in files_under([session], pattern) if path.stat().st_size > 0)
        check(count > 0, f"the session captured {what} ({count} non-empty files)")
    if workers:
        names = [path.name[len("secrets-"):-len(".json")] for path in workers]
        missing = [name for name in names if not (session / "files" / name).is_dir()]
        check(not missing, f"every worker of the session left its files ({', '.join(names)})"
                           + (f"; missing: {', '.join(missing)}" if missing else ""))
    roots = [session, *sorted(pathlib.Path(args.logs).glob("*.log"))]
    hits, count = scan(files_under(roots), needles)
    labels = ", ".join(f"{label} ({len(values)} needle{'s' if len(values) != 1 else ''})" for label, values in sorted(needles.items()))
    check(not hits, f"no secret in {count} files of session {session.name} and {args.logs}/*.log: {labels}")
    for hit in hits:
        print(f"  {hit.label} found in {hit.path} line {hit.line}")
    exempt = session / "exempt.txt"
    if exempt.is_file():
        lines = exempt.read_text(encoding="utf-8").splitlines()
        print(f"not scanned, declared by the tests as secret inputs ({len(lines)}):")
        print("".join(f"  {line}\n" for line in lines), end="")
    print(f"{passed} checks passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
