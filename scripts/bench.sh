#!/usr/bin/env bash
# The benchmark of the collection (bench/, not part of the collection tarball).
#
#   bash scripts/bench.sh quick      a few minutes; invariants only (CI runs it as the "bench" stage)
#   bash scripts/bench.sh full       the 200-instance set, 1,000-partition fleet and controller figures
#
# Further options go to `python -m bench` (--only makespan,economy,scale; --instances N; --out DIR).
# The exit status is 1 when an invariant fails. Results: bench/results/ (full), bench/results/tmp/ (quick).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

REPO=$(repo_root)
cd -- "$REPO"
[[ -x .venv/bin/python ]] || bash scripts/setup.sh
exec .venv/bin/python -m bench "$@"
