#!/usr/bin/env bash
# The one test command of this repository. It prepares the checkout (scripts/setup.sh), runs the test
# stages in order, times each one and prints a summary. A stage whose inputs do not exist yet is
# skipped; a failing stage does not stop the later ones. The last line printed is always
# "N passed, M failed", counting individual checks: pytest tests, sanity tests, linted files, built
# and installed artifacts, rendered plugin docs and molecule scenarios. The exit status is 0 only when
# nothing failed.
#
#   bash scripts/test.sh                 all stages
#   bash scripts/test.sh --quick         the fast stages: twin and units
#   bash scripts/test.sh STAGE...        only the named stages, in the order given
#   bash scripts/test.sh --list          list the stages
set -uo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=scripts/stages.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/stages.sh"

REPO=$(repo_root)

usage() {
    sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"
    list_stages
}

list_stages() {
    local name
    printf '\nstages:\n'
    for name in "${ALL_STAGES[@]}"; do
        printf '  %-12s %s\n' "$name" "${STAGE_TITLE[$name]}"
    done
}

# parse_args ARG...: fills SELECTED with the stages to run, or exits.
parse_args() {
    SELECTED=()
    local arg
    for arg in "$@"; do
        case $arg in
            -h | --help) usage; exit 0 ;;
            --list) list_stages; exit 0 ;;
            --quick) SELECTED+=("${QUICK_STAGES[@]}") ;;
            -*) printf 'unknown option: %s\n' "$arg" >&2; usage >&2; exit 2 ;;
            *)
                if [[ -z ${STAGE_TITLE[$arg]+set} ]]; then
                    printf 'unknown stage: %s\n' "$arg" >&2
                    list_stages >&2
                    exit 2
                fi
                SELECTED+=("$arg")
                ;;
        esac
    done
    ((${#SELECTED[@]})) || SELECTED=("${ALL_STAGES[@]}")
}

# Per-stage results, in run order.
RESULT_NAMES=()
RESULT_STATUS=()
RESULT_SECONDS=()
RESULT_DETAIL=()
TOTAL_PASSED=0
TOTAL_FAILED=0

run_stage() {
    local name=$1 start
    STAGE_STATUS=pass STAGE_DETAIL='' STAGE_PASSED=0 STAGE_FAILED=0
    printf '\n==> [%s] %s\n' "$name" "${STAGE_TITLE[$name]}"
    start=$(now)
    "stage_$name"
    # A stage always counts as at least one check, so a failure can never add up to "0 failed".
    case $STAGE_STATUS in
        pass) ((STAGE_PASSED > 0)) || STAGE_PASSED=1 ;;
        fail) ((STAGE_FAILED > 0)) || STAGE_FAILED=1 ;;
    esac
    RESULT_NAMES+=("$name")
    RESULT_STATUS+=("$STAGE_STATUS")
    RESULT_SECONDS+=("$(elapsed "$start")")
    RESULT_DETAIL+=("$STAGE_DETAIL")
    TOTAL_PASSED=$((TOTAL_PASSED + STAGE_PASSED))
    TOTAL_FAILED=$((TOTAL_FAILED + STAGE_FAILED))
    printf '==> [%s] %s in %ss%s\n' "$name" "$STAGE_STATUS" "${RESULT_SECONDS[-1]}" "${STAGE_DETAIL:+: $STAGE_DETAIL}"
}

print_summary() {
    local i
    printf '\n%-12s %-6s %8s  %s\n' stage result time detail
    for i in "${!RESULT_NAMES[@]}"; do
        printf '%-12s %-6s %7ss  %s\n' "${RESULT_NAMES[i]}" "${RESULT_STATUS[i]}" "${RESULT_SECONDS[i]}" "${RESULT_DETAIL[i]}"
    done
    printf '%s passed, %s failed\n' "$TOTAL_PASSED" "$TOTAL_FAILED"
}

main() {
    cd -- "$REPO" || exit 1
    local start
    start=$(now)
    if ! bash "$REPO/scripts/setup.sh"; then
        RESULT_NAMES+=(setup) RESULT_STATUS+=(fail) RESULT_SECONDS+=("$(elapsed "$start")")
        RESULT_DETAIL+=("scripts/setup.sh failed")
        TOTAL_FAILED=1
        print_summary
        return 1
    fi
    RESULT_NAMES+=(setup) RESULT_STATUS+=(pass) RESULT_SECONDS+=("$(elapsed "$start")") RESULT_DETAIL+=('')
    stages_init "$REPO"
    local name
    for name in "${SELECTED[@]}"; do
        run_stage "$name"
    done
    print_summary
    ((TOTAL_FAILED == 0))
}

parse_args "$@"
with_lock "$REPO/build/.test.lock" main
