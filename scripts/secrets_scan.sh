#!/usr/bin/env bash
# Look for the secrets of the last integration session (scripts/test.sh integration, or pytest
# tests/integration_twin) in everything it left: the sampled process list, ansible-playbook output,
# HMC command transcripts, the twins' command logs and state, the files the tests wrote, and
# build/logs/*.log. The scanner checks itself first by planting each secret in a scratch file.
#
#   bash scripts/secrets_scan.sh [--session DIR] [--logs DIR]
#
# Prints one line per check and "N checks passed, M failed"; exits 1 when a secret was found, when the
# self-test failed or when the session captured nothing to scan.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

REPO=$(repo_root)
PYTHON=$REPO/.venv/bin/python
[[ -x $PYTHON ]] || PYTHON=python3
exec "$PYTHON" "$REPO/tests/integration_twin/secrets_scan.py" "$@"
