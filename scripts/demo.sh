#!/usr/bin/env bash
# The main job, end to end on the HMC twin: evacuate the field guide's lab (scenario seed-lab, a POWER7
# 750 and a 740 behind one HMC) with `ansible-playbook powervm.lpm.evacuate` over real SSH - facts,
# preflight gate, the plan, the migrations with progress reports while they run, post-checks - and
# print where the reports (JSON, Markdown, HTML) and the manifest are. The twin runs 10 times faster
# than real time, so the whole run takes about a minute; it is started and stopped here.
#
#   bash scripts/demo.sh
#
# Everything it writes is under build/demo/ (replaced on each run).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

REPO=$(repo_root)
PY=$REPO/.venv/bin/python
HMCSIM=$REPO/.venv/bin/hmcsim
SOURCE=p750-Server-8233-E8B-SN069348P
SPEED=10

if [[ -f $REPO/scripts/setup.sh ]]; then
    bash "$REPO/scripts/setup.sh"
fi
[[ -x $HMCSIM ]] || die "hmcsim is not installed in .venv (run bash scripts/setup.sh)"

DEMO=$REPO/build/demo
TWIN=$DEMO/twin
COLLECTIONS=$DEMO/collections
SERVER_PID=

# shellcheck disable=SC2317  # called by the EXIT trap
stop_twin() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        "$HMCSIM" ctl --state-dir "$TWIN" shutdown >/dev/null 2>&1 || kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
}
trap stop_twin EXIT

rm -rf -- "$DEMO"
mkdir -p -- "$DEMO" "$COLLECTIONS/ansible_collections/powervm/lpm"

say "copying the collection to ${COLLECTIONS#"$REPO"/}"
git -C "$REPO" ls-files -z --cached --others --exclude-standard \
    | grep -zvE '^(\.venv|build|twin|bench|tests/integration_twin)/' \
    | tar -C "$REPO" --null -T - -cf - 2>/dev/null \
    | tar -C "$COLLECTIONS/ansible_collections/powervm/lpm" -xf -

say "starting the twin (scenario seed-lab, $SPEED times real time)"
"$HMCSIM" serve --scenario seed-lab --port 0 --speed "$SPEED" --state-dir "$TWIN" >"$DEMO/twin.out" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
    [[ -f $TWIN/serve.json ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat -- "$DEMO/twin.out" >&2; die "the twin did not start"; }
    sleep 0.1
done
[[ -f $TWIN/serve.json ]] || die "the twin did not become ready within 30 s"

# The playbook's variables: the HMC connection (host key pinned from serve.json), and the planner's
# physics of the lab (the HMC reports neither partition workloads nor MSP link speeds).
"$PY" - "$TWIN/serve.json" "$DEMO" "$SOURCE" "$SPEED" <<'PYTHON'
import json, sys
from hmcsim.scenario import load

serve, demo, source, speed = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], float(sys.argv[4])
hmc = serve["hmcs"]["bpichmc"]
with open(f"{demo}/known_hosts", "w") as handle:
    handle.write(hmc.get("known_hosts_line", serve["known_hosts_line"]) + "\n")
lab = load("seed-lab")
password = next(u.password for h in lab.hmcs for u in h.users if u.name == "hscroot")
workloads, links = {}, {}
for system in lab.systems:
    for lp in system.lpars:
        if lp.vios is not None:
            links[f"{system.name}/{lp.name}"] = lp.vios.msp_link_gbps
        elif lp.workload is not None:
            w = lp.workload
            workloads[lp.name] = {"dirty_rate_mbs": w.dirty_rate_mbs, "wws_pct": w.wws_pct, "touched_fraction": w.touched_fraction}
variables = {
    "powervm_hmc_host": hmc["host"], "powervm_hmc_port": hmc["port"], "powervm_hmc_user": "hscroot",
    "powervm_hmc_password": password, "powervm_known_hosts": f"{demo}/known_hosts",
    "ansible_python_interpreter": sys.executable,
    "evacuate_source_system": source, "evacuate_state_dir": f"{demo}/state", "evacuate_report_dir": f"{demo}/reports",
    "evacuate_physics": {"workloads": workloads, "msp_links": links}, "evacuate_clock_scale": speed,
    "evacuate_progress_interval": 3, "evacuate_poll_interval": 1,
}
with open(f"{demo}/vars.json", "w") as handle:
    json.dump(variables, handle, indent=2)
PYTHON

say "ansible-playbook powervm.lpm.evacuate (source $SOURCE)"
rc=0
ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS ANSIBLE_CALLBACK_RESULT_FORMAT=yaml ANSIBLE_DISPLAY_SKIPPED_HOSTS=false \
ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_ASYNC_DIR=$DEMO/async ANSIBLE_LOCAL_TEMP=$DEMO/tmp \
    "$REPO/.venv/bin/ansible-playbook" -i localhost, -c local -e "@$DEMO/vars.json" powervm.lpm.evacuate || rc=$?

shopt -s nullglob
reports=("$DEMO"/reports/evacuation-*)
printf '\n'
if ((${#reports[@]})); then
    say "reports of the evacuation:"
    printf '    %s\n' "${reports[@]}" >&2
    say "manifest of the original placement: $DEMO/state/$SOURCE.manifest.json"
    say "journal: $DEMO/state/$SOURCE.journal.jsonl"
else
    warn "no report was written"
fi
exit "$rc"
