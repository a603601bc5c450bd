#!/usr/bin/env bash
# Prepare this checkout for development and tests. Safe to run again: work is only redone when its
# inputs changed, and a run with nothing to do is quiet and takes well under a second.
#
#   1. Debian packages (root only): each one is installed when the file that proves it is missing.
#   2. .venv: a Python >= 3.11 virtual environment created with `python3`.
#   3. The pinned tools from requirements/pins.txt and the HMC twin (`pip install -e twin`),
#      each reinstalled only when its input file changed (hash stamps in .venv).
#   4. The offline stand-in for ansible-test's get-pip bootstrap (scripts/get_pip_offline.py).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

REPO=$(repo_root)
VENV=$REPO/.venv
PY=$VENV/bin/python
PINS=$REPO/requirements/pins.txt
TWIN=$REPO/twin

# Debian packages, as "package:path that exists once the package is installed".
# --no-install-recommends keeps the install small; list a recommended package here if one is needed.
APT_PACKAGES=(
    "openssh-server:/usr/sbin/sshd"   # the real-OpenSSH smoke test of the twin
    "shellcheck:/usr/bin/shellcheck"  # ansible-test sanity checks the shell scripts with it
    "chromium:/usr/bin/chromium"      # the evacuation report screenshot test renders the HTML page with it
)

missing_apt_packages() {
    local entry
    for entry in "${APT_PACKAGES[@]}"; do
        [[ -e ${entry#*:} ]] || printf '%s\n' "${entry%%:*}"
    done
    # Debian's own python3 ships venv support in a separate package.
    if command -v python3 >/dev/null && ! python3 -c 'import ensurepip' 2>/dev/null; then
        printf '%s\n' python3-venv
    fi
}

ensure_apt_packages() {
    local missing
    mapfile -t missing < <(missing_apt_packages)
    ((${#missing[@]})) || return 0
    if [[ $(id -u) -ne 0 ]]; then
        warn "not root, so not installing Debian packages: ${missing[*]} (install them yourself if needed)"
        return 0
    fi
    if ! command -v apt-get >/dev/null; then
        warn "apt-get not found, so not installing: ${missing[*]}"
        return 0
    fi
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

venv_usable() {
    [[ -x $PY ]] && "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

ensure_venv() {
    venv_usable && return 0
    command -v python3 >/dev/null || die "python3 not found; Python 3.11 or newer is required"
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || die "python3 is $(python3 -V 2>&1 | cut -d' ' -f2); Python 3.11 or newer is required"
    say "creating ${VENV#"$REPO"/}"
    rm -rf -- "$VENV"
    python3 -m venv "$VENV"
}

# pip_install_once NAME INPUT_FILE PIP_ARGS...: run pip unless INPUT_FILE is unchanged since the last
# successful run (its hash is kept in .venv/.stamp-NAME).
pip_install_once() {
    local name=$1 input=$2
    shift 2
    local stamp=$VENV/.stamp-$name hash
    hash=$(file_hash "$input")
    stamp_matches "$stamp" "$hash" && return 0
    say "installing $name (${input#"$REPO"/} changed)"
    rm -f -- "$stamp"
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 "$PY" -m pip install -q "$@"
    printf '%s\n' "$hash" > "$stamp"
}

# ansible-test fetches get_pip_<version>.py into ~/.ansible/test/cache unless it is already there.
ensure_get_pip_standin() {
    local version target
    version=$("$PY" - <<'EOF'
import pathlib
import re

import ansible_test

src = (pathlib.Path(ansible_test.__file__).parent / '_internal' / 'python_requirements.py').read_text()
match = re.search(r"pip='([\d.]+)'", src)
if match is None:
    raise SystemExit('cannot find the pip version ansible-test bootstraps')
print(match.group(1))
EOF
    )
    target=$HOME/.ansible/test/cache/get_pip_${version//./_}.py
    cmp -s -- "$REPO/scripts/get_pip_offline.py" "$target" && return 0
    mkdir -p -- "$(dirname -- "$target")"
    cp -- "$REPO/scripts/get_pip_offline.py" "$target"
    say "installed the offline get-pip stand-in as ${target/#"$HOME"/\~}"
}

setup() {
    ensure_apt_packages
    ensure_venv
    pip_install_once pins "$PINS" -r "$PINS"
    if [[ -f $TWIN/pyproject.toml ]]; then
        pip_install_once twin "$TWIN/pyproject.toml" -e "$TWIN"
    fi
    ensure_get_pip_standin
}

with_lock "$REPO/build/.setup.lock" setup
