# Shared helpers for the scripts in this directory. Source it; do not run it.
# shellcheck shell=bash

# The repository root (the collection root), computed from this file's location.
LIB_REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
readonly LIB_REPO_ROOT

repo_root() {
    printf '%s\n' "$LIB_REPO_ROOT"
}

# Messages go to stderr so that stdout stays usable for data.
say() {
    printf '==> %s\n' "$*" >&2
}

warn() {
    printf 'WARNING: %s\n' "$*" >&2
}

die() {
    printf 'ERROR: %s\n' "$*" >&2
    exit 1
}

# Seconds since the epoch with microseconds, for timing.
now() {
    printf '%s\n' "${EPOCHREALTIME/,/.}"
}

# elapsed START [END]: seconds between two now() values, one decimal.
elapsed() {
    local end=${2:-$(now)}
    awk -v s="$1" -v e="$end" 'BEGIN { printf "%.1f\n", e - s }'
}

# file_hash FILE...: one SHA-256 over the contents of the given files (a missing file counts as empty).
file_hash() {
    local f
    for f in "$@"; do
        if [[ -f $f ]]; then sha256sum < "$f"; else printf 'missing\n'; fi
    done | sha256sum | cut -d' ' -f1
}

# stamp_matches STAMP_FILE VALUE: true when the stamp file holds exactly VALUE.
stamp_matches() {
    [[ -f $1 ]] && [[ $(<"$1") == "$2" ]]
}

# with_lock LOCK_FILE COMMAND...: run COMMAND while holding an exclusive lock, waiting for it if needed.
with_lock() {
    local lock=$1
    shift
    mkdir -p -- "$(dirname -- "$lock")"
    (
        exec 9>"$lock"
        if ! flock -n 9; then
            say "waiting for another run holding ${lock#"$LIB_REPO_ROOT"/}"
            flock 9
        fi
        "$@" 9>&-
    )
}
