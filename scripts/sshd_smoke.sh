#!/usr/bin/env bash
# Real OpenSSH in front of the HMC twin: a private sshd on 127.0.0.1 whose ForceCommand runs the
# twin's forward.py with the system Python. Needs root and openssh-server (scripts/setup.sh installs
# it); without them the tests are reported as skipped, with the reason. The same tests run in the
# twin stage of scripts/test.sh.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

REPO=$(repo_root)
PY=$REPO/.venv/bin/python
[[ -x $PY ]] || die "no .venv yet: run bash scripts/setup.sh first"

cd -- "$REPO"
exec "$PY" -m pytest -q -rs twin/tests/test_sshd_forward.py "$@"
