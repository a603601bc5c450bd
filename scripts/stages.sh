# The stages of scripts/test.sh. Source it after lib.sh; do not run it.
# shellcheck shell=bash disable=SC2034  # the stage lists and results set here are read by scripts/test.sh
#
# Each stage_NAME function sets STAGE_STATUS (pass, fail or skip), STAGE_DETAIL (one short line) and,
# when it can count them, STAGE_PASSED and STAGE_FAILED. The full output of every command goes to the
# terminal and to build/logs/<stage>.log.
#
# Stages that need the collection on an Ansible collections path use a fresh copy of the checkout in
# build/ansible_collections/powervm/lpm: tracked files plus untracked files that git does not ignore,
# without .venv, build, twin, bench and tests/integration_twin (which import the twin; they run from
# the checkout). ANSIBLE_COLLECTIONS_PATH=build then resolves powervm.lpm to it.

ALL_STAGES=(twin units sanity integration secrets lint galaxy molecule ee bench)
QUICK_STAGES=(twin units)
declare -A STAGE_TITLE=(
    [twin]="HMC twin unit tests (pytest twin/tests)"
    [units]="collection unit tests (ansible-test units)"
    [sanity]="collection sanity tests (ansible-test sanity)"
    [integration]="collection against the twin (pytest tests/integration_twin, in parallel)"
    [secrets]="no secret of the integration session in its logs, output and files (scripts/secrets_scan.sh)"
    [lint]="ansible-lint --profile production on roles/ and playbooks/"
    [galaxy]="build and install the collection tarball, render every plugin doc"
    [molecule]="molecule scenarios in extensions/molecule"
    [ee]="execution environment build context (pytest tests/ee: ansible-builder create)"
    [bench]="benchmark, quick mode (python -m bench quick): invariants, never wall time"
)

COLLECTION=powervm.lpm
INTEGRATION_SESSION=''

# stages_init REPO: set the paths the stages use and put the project venv first on PATH.
stages_init() {
    REPO=$1
    VENV=$REPO/.venv
    BUILD=$REPO/build
    COPY=$BUILD/ansible_collections/${COLLECTION%%.*}/${COLLECTION#*.}
    LOGS=$BUILD/logs
    COPY_READY=0
    export VIRTUAL_ENV=$VENV
    export PATH=$VENV/bin:$PATH
    PYVER=$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    mkdir -p -- "$LOGS"
}

skip() {
    STAGE_STATUS=skip
    STAGE_DETAIL=$1
    printf 'skipped: %s\n' "$1"
}

fail() {
    STAGE_STATUS=fail
    STAGE_DETAIL=$1
}

# logged LOG COMMAND...: run COMMAND without stdin, showing its output and appending it to LOG.
logged() {
    local log=$1
    shift
    "$@" </dev/null 2>&1 | tee -a -- "$log"
    return "${PIPESTATUS[0]}"
}

# plain FILE: FILE without terminal colour codes.
plain() {
    sed 's/\x1b\[[0-9;]*m//g' "$1"
}

# in_dir DIR COMMAND...: run COMMAND in DIR.
in_dir() {
    (cd -- "$1" && shift && "$@")
}

# has_python_tests DIR: true when DIR holds pytest test files.
has_python_tests() {
    [[ -d $1 ]] && [[ -n $(find "$1" \( -name 'test_*.py' -o -name '*_test.py' \) -print -quit) ]]
}

# count_of WORD TEXT: the number in front of WORD in TEXT ("3 passed" -> 3), or 0.
count_of() {
    local match
    match=$(grep -oE "[0-9]+ $1" <<<"$2" | head -n1)
    match=${match%% *}
    printf '%s\n' "${match:-0}"
}

# pytest_counts LOG: take the counts from the last pytest summary line in LOG.
pytest_counts() {
    local line
    line=$(plain "$1" | grep -E '([0-9]+ (passed|failed|errors?|skipped|xfailed|xpassed|deselected)|no tests ran).* in [0-9.]+s' | tail -n1)
    STAGE_PASSED=$(count_of passed "$line")
    STAGE_FAILED=$(($(count_of failed "$line") + $(count_of 'errors?' "$line")))
    STAGE_DETAIL="$STAGE_PASSED passed, $STAGE_FAILED failed"
    local skipped
    skipped=$(count_of skipped "$line")
    ((skipped == 0)) || STAGE_DETAIL+=", $skipped skipped"
}

# run_pytest_stage NAME LOG COMMAND...: run a pytest command; exit status 5 (no tests) is a skip.
run_pytest_stage() {
    local log=$2 rc
    shift 2
    logged "$log" "$@"
    rc=$?
    if ((rc == 5)) || plain "$log" | grep -qE '^(=+ )?no tests ran'; then
        skip "no tests were collected"
        return
    fi
    pytest_counts "$log"
    ((rc == 0)) || STAGE_STATUS=fail
}

new_log() {
    local log=$LOGS/$1.log
    : >"$log"
    printf '%s\n' "$log"
}

# collection_files: NUL-separated paths, relative to REPO, of the files that make up the collection.
collection_files() {
    local path
    if git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git -C "$REPO" ls-files -z --cached --others --exclude-standard
    else
        (cd -- "$REPO" && find . -mindepth 1 -name .git -prune -o \( -type f -o -type l \) -printf '%P\0')
    fi | while IFS= read -r -d '' path; do
        case $path in
            .git/* | .venv/* | build/* | twin/* | bench/* | tests/integration_twin/*) continue ;;
        esac
        # Deleted but still tracked files are listed by git; skip them.
        [[ -e $REPO/$path || -L $REPO/$path ]] && printf '%s\0' "$path"
    done
}

# ensure_copy: refresh build/ansible_collections/powervm/lpm from the checkout, once per run.
ensure_copy() {
    ((COPY_READY)) && return 0
    rm -rf -- "$BUILD/ansible_collections"
    mkdir -p -- "$COPY"
    collection_files | tar -C "$REPO" --null -T - -cf - | tar -C "$COPY" -xf - || return 1
    # Without a repository of its own, ansible-test would ask the enclosing checkout for the list of
    # files, and that checkout ignores build/. An empty repository lists the copy's files as untracked.
    git -C "$COPY" init -q || return 1
    COPY_READY=1
}

copy_or_fail() {
    ensure_copy && return 0
    fail "could not copy the collection to ${COPY#"$REPO"/}"
    return 1
}

stage_twin() {
    has_python_tests "$REPO/twin/tests" || { skip "no tests in twin/tests"; return; }
    run_pytest_stage twin "$(new_log twin)" python -m pytest -q -p no:cacheprovider twin/tests
}

stage_units() {
    has_python_tests "$REPO/tests/unit" || { skip "no tests in tests/unit"; return; }
    copy_or_fail || return
    run_pytest_stage units "$(new_log units)" in_dir "$COPY" ansible-test units --venv --python "$PYVER"
}

stage_sanity() {
    copy_or_fail || return
    local log rc total failed line
    log=$(new_log sanity)
    logged "$log" in_dir "$COPY" ansible-test sanity --venv --python "$PYVER"
    rc=$?
    total=$(grep -c '^Running sanity test' "$log")
    line=$(grep -oE 'The [0-9]+ sanity test\(s\) listed below \(out of [0-9]+\) failed' "$log" | tail -n1)
    failed=$(count_of sanity "$line")
    STAGE_PASSED=$((total - failed))
    STAGE_FAILED=$failed
    STAGE_DETAIL="$STAGE_PASSED sanity tests passed, $failed failed"
    ((rc == 0)) || STAGE_STATUS=fail
}

# The integration tests run in parallel with pytest-xdist: one worker per CPU (nproc), or
# POWERVM_LPM_INTEGRATION_WORKERS of them; each test file runs on one worker (--dist loadfile), as the
# tests of a file may share a twin. The pytest controller draws the session's secrets and hands them
# to its workers (tests/integration_twin/conftest.py). The fault matrix is part of the run. The session
# name lets the secrets stage scan this run's artifacts (tests/integration_twin/harness_artifacts.py).
stage_integration() {
    [[ -d $REPO/tests/integration_twin ]] || { skip "tests/integration_twin does not exist"; return; }
    copy_or_fail || return
    INTEGRATION_SESSION="$(date +%Y%m%dT%H%M%S)-$$"
    local workers=${POWERVM_LPM_INTEGRATION_WORKERS:-$(nproc)}
    run_pytest_stage integration "$(new_log integration)" \
        env ANSIBLE_COLLECTIONS_PATH="$BUILD" POWERVM_LPM_TEST_SESSION="$INTEGRATION_SESSION" \
        python -m pytest -q -p no:cacheprovider -n "$workers" --dist loadfile --durations=20 tests/integration_twin
}

# The integration session's artifacts are in build/integration-artifacts (tests/integration_twin/harness_artifacts.py).
# Without an integration stage in this run, the latest session is scanned.
stage_secrets() {
    local artifacts=$BUILD/integration-artifacts session=()
    if [[ -n ${INTEGRATION_SESSION:-} ]]; then
        session=(--session "$artifacts/$INTEGRATION_SESSION")
    elif [[ ! -f $artifacts/latest ]]; then
        skip "no integration session to scan (run the integration stage first)"
        return
    fi
    local log rc line
    log=$(new_log secrets)
    logged "$log" bash "$REPO/scripts/secrets_scan.sh" "${session[@]}" --logs "$LOGS"
    rc=$?
    # "5 checks passed, 0 failed"
    line=$(grep -E '^[0-9]+ checks passed, [0-9]+ failed' "$log" | tail -n1)
    STAGE_PASSED=$(count_of 'checks passed' "$line")
    STAGE_FAILED=$(count_of failed "$line")
    STAGE_DETAIL="$STAGE_PASSED checks passed, $STAGE_FAILED failed"
    ((rc == 0)) || fail "$STAGE_DETAIL (scripts/secrets_scan.sh exited with $rc)"
}

stage_ee() {
    has_python_tests "$REPO/tests/ee" || { skip "no tests in tests/ee"; return; }
    copy_or_fail || return
    run_pytest_stage ee "$(new_log ee)" \
        env ANSIBLE_COLLECTIONS_PATH="$BUILD" python -m pytest -q -p no:cacheprovider tests/ee
}

stage_lint() {
    local targets=() dir
    for dir in roles playbooks; do
        [[ -d $REPO/$dir ]] && targets+=("$dir")
    done
    ((${#targets[@]})) || { skip "neither roles/ nor playbooks/ exists"; return; }
    copy_or_fail || return
    local log rc line files
    log=$(new_log lint)
    logged "$log" in_dir "$COPY" env ANSIBLE_COLLECTIONS_PATH="$BUILD" \
        ansible-lint --offline --nocolor --profile production "${targets[@]}"
    rc=$?
    # "Passed: 0 failure(s), 0 warning(s) in 12 files processed of 12 encountered. ..."
    line=$(plain "$log" | grep -E '^(Passed|Failed): [0-9]+ failure' | tail -n1)
    files=$(count_of 'files processed' "$line")
    STAGE_FAILED=$(count_of 'failure' "$line")
    ((rc == 0)) && STAGE_PASSED=$files
    STAGE_DETAIL="${targets[*]}: $files files, $STAGE_FAILED failures"
    ((rc == 0)) || STAGE_STATUS=fail
}

# Plugin directories whose plugins carry documentation, and the ansible-doc type of each.
declare -A DOC_TYPES=(
    [modules]=module [become]=become [cache]=cache [callback]=callback [cliconf]=cliconf
    [connection]=connection [filter]=filter [httpapi]=httpapi [inventory]=inventory [lookup]=lookup
    [netconf]=netconf [shell]=shell [strategy]=strategy [test]=test [vars]=vars
)

# check_docs LOG ROOT: list and render the docs of every plugin in the installed collection at ROOT.
# Adds to STAGE_PASSED/STAGE_FAILED; one check per rendered plugin.
check_docs() {
    local log=$1 root=$2 dir type listed name err expected
    for dir in "${!DOC_TYPES[@]}"; do
        [[ -d $root/plugins/$dir ]] || continue
        type=${DOC_TYPES[$dir]}
        if ! listed=$(ansible-doc -t "$type" -l "$COLLECTION" --json 2>>"$log" \
            | python -c 'import json, sys; print("\n".join(sorted(json.load(sys.stdin))))'); then
            printf 'FAILED: ansible-doc -t %s -l %s\n' "$type" "$COLLECTION" | tee -a -- "$log"
            STAGE_FAILED=$((STAGE_FAILED + 1))
            continue
        fi
        # Filter and test files may hold several plugins each; for other types one file is one plugin,
        # and a plugin missing from the list has documentation that ansible-doc cannot read.
        if [[ $type != filter && $type != test ]]; then
            while IFS= read -r expected; do
                grep -qxF -- "$COLLECTION.$expected" <<<"$listed" && continue
                printf 'FAILED: %s %s.%s is not listed by ansible-doc\n' "$type" "$COLLECTION" "$expected" | tee -a -- "$log"
                STAGE_FAILED=$((STAGE_FAILED + 1))
            done < <(find "$root/plugins/$dir" -maxdepth 1 -name '*.py' ! -name '__init__.py' -printf '%f\n' | sed 's/\.py$//' | sort)
        fi
        render_docs "$log" "$type" "$listed"
    done
}

# render_docs LOG TYPE NAMES: render each named plugin's doc as text; one check per plugin. All are
# rendered in one ansible-doc call first, and one by one only to find the culprits after a failure.
render_docs() {
    local log=$1 type=$2 names=() name
    mapfile -t names < <(grep -v '^$' <<<"$3")
    ((${#names[@]})) || return 0
    if doc_renders "$log" "$type" "${names[@]}"; then
        printf 'ok: ansible-doc -t %s %s\n' "$type" "${names[*]}" | tee -a -- "$log"
        STAGE_PASSED=$((STAGE_PASSED + ${#names[@]}))
        return
    fi
    for name in "${names[@]}"; do
        if doc_renders "$log" "$type" "$name"; then
            STAGE_PASSED=$((STAGE_PASSED + 1))
        else
            printf 'FAILED: ansible-doc -t %s %s\n' "$type" "$name" | tee -a -- "$log"
            STAGE_FAILED=$((STAGE_FAILED + 1))
        fi
    done
}

# doc_renders LOG TYPE NAME...: true when ansible-doc renders the docs with no error or warning.
doc_renders() {
    local log=$1 type=$2 err
    shift 2
    if err=$(ansible-doc -t "$type" "$@" 2>&1 >/dev/null </dev/null) && ! grep -qE 'ERROR|WARNING' <<<"$err"; then
        return 0
    fi
    printf '%s\n' "$err" | tee -a -- "$log"
    return 1
}

stage_galaxy() {
    copy_or_fail || return
    local log tarballs install=$BUILD/install
    log=$(new_log galaxy)
    rm -rf -- "$BUILD/dist" "$install"
    if ! logged "$log" in_dir "$COPY" ansible-galaxy collection build --output-path "$BUILD/dist" --force; then
        fail "ansible-galaxy collection build failed"
        return
    fi
    tarballs=("$BUILD/dist"/*.tar.gz)
    if [[ ${#tarballs[@]} -ne 1 || ! -f ${tarballs[0]} ]]; then
        fail "expected one tarball in build/dist"
        return
    fi
    if ! logged "$log" env ANSIBLE_COLLECTIONS_PATH="$install" \
        ansible-galaxy collection install --offline --force -p "$install" "${tarballs[0]}"; then
        fail "ansible-galaxy collection install failed"
        return
    fi
    STAGE_PASSED=2
    local before_failed=$STAGE_FAILED
    export ANSIBLE_COLLECTIONS_PATH=$install
    logged "$log" ansible-doc -l "$COLLECTION"
    check_docs "$log" "$install/ansible_collections/${COLLECTION%%.*}/${COLLECTION#*.}"
    unset ANSIBLE_COLLECTIONS_PATH
    STAGE_DETAIL="${tarballs[0]##*/} built and installed, $((STAGE_PASSED - 2)) plugin docs rendered"
    if ((STAGE_FAILED > before_failed)); then
        fail "$STAGE_DETAIL, $((STAGE_FAILED - before_failed)) doc failures"
    fi
}

stage_molecule() {
    local scenarios=() file
    for file in "$REPO"/extensions/molecule/*/molecule.yml; do
        [[ -f $file ]] && scenarios+=("$(basename -- "$(dirname -- "$file")")")
    done
    ((${#scenarios[@]})) || { skip "no scenarios in extensions/molecule"; return; }
    copy_or_fail || return
    # molecule's prerun would install the collection into ~/.ansible/collections, where it would shadow
    # this checkout for every later Ansible run; ANSIBLE_COLLECTIONS_PATH already finds the copy.
    local base=$BUILD/molecule-base.yml configs=()
    printf '%s\n' '---' 'prerun: false' >"$base"
    [[ -f $COPY/extensions/molecule/config.yml ]] && configs+=(--base-config "$COPY/extensions/molecule/config.yml")
    configs+=(--base-config "$base")
    local log name failed=()
    log=$(new_log molecule)
    for name in "${scenarios[@]}"; do
        if logged "$log" in_dir "$COPY" env ANSIBLE_COLLECTIONS_PATH="$BUILD" molecule "${configs[@]}" test -s "$name"; then
            STAGE_PASSED=$((STAGE_PASSED + 1))
        else
            STAGE_FAILED=$((STAGE_FAILED + 1))
            failed+=("$name")
        fi
    done
    STAGE_DETAIL="${#scenarios[@]} scenarios${failed[*]:+, failed: ${failed[*]}}"
    ((${#failed[@]} == 0)) || STAGE_STATUS=fail
}

stage_bench() {
    [[ -f $REPO/bench/__main__.py ]] || { skip "bench/ does not exist"; return; }
    local log rc tests_rc line passed failed
    log=$(new_log bench)
    # The harness's own tests, then quick mode; both count.
    logged "$log" in_dir "$REPO" python -m pytest -q -p no:cacheprovider bench/tests
    tests_rc=$?
    pytest_counts "$log"
    passed=$STAGE_PASSED failed=$STAGE_FAILED
    logged "$log" in_dir "$REPO" python -m bench quick
    rc=$?
    # "12 invariants hold, 0 failed (95 s)"
    line=$(plain "$log" | grep -E '^[0-9]+ invariants hold, [0-9]+ failed' | tail -n1)
    STAGE_PASSED=$((passed + $(count_of 'invariants hold' "$line")))
    STAGE_FAILED=$((failed + $(count_of failed "$line")))
    STAGE_DETAIL="$passed tests passed, $failed failed; $(count_of 'invariants hold' "$line") invariants hold, $(count_of failed "$line") failed"
    ((rc == 0 && tests_rc == 0)) || fail "$STAGE_DETAIL"
}
