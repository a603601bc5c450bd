#!/usr/bin/env bash
# Start the HMC twin on the field guide's lab (scenario seed-lab) and talk to it as a real SSH client:
# each HMC command is sent with OpenSSH `ssh` (the host key pinned from the twin's serve.json, a fresh
# key authorized through the twin's control socket) and its output is shown. The twin is stopped on exit.
#
#   bash scripts/demo.sh
#
# Without the OpenSSH client the commands go through a small paramiko client instead.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

REPO=$(repo_root)
PY=$REPO/.venv/bin/python
HMCSIM=$REPO/.venv/bin/hmcsim
HMC=bpichmc
HMC_USER=hscroot
SOURCE=p750-Server-8233-E8B-SN069348P
TARGET=p740-Server-8205-E6B-SN10934CP

COMMANDS=(
    "lshmc -V"
    "lssyscfg -r sys -F name,type_model,serial_num,state"
    "lssyscfg -r lpar -m $SOURCE -F name,lpar_id,state,lpar_env"
    "lshwres -r mem -m $SOURCE --level sys -F mem_region_size,curr_avail_sys_mem"
    "viosvrcmd -m $SOURCE -p b750vio1 -c \"lsdev -dev vioslpm0 -attr\""
    "migrlpar -o v -m $SOURCE -t $TARGET -p b750nl2"
)

if [[ -f $REPO/scripts/setup.sh ]]; then
    bash "$REPO/scripts/setup.sh"
fi
[[ -x $HMCSIM ]] || die "hmcsim is not installed in .venv (run bash scripts/setup.sh)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hmcsim-demo.XXXXXX")
STATE=$WORK/state
SERVER_PID=

stop_twin() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        "$HMCSIM" ctl --state-dir "$STATE" shutdown >/dev/null 2>&1 || kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf -- "$WORK"
}
trap stop_twin EXIT

say "starting the twin (scenario seed-lab)"
"$HMCSIM" serve --scenario seed-lab --port 0 --state-dir "$STATE" >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!

for _ in $(seq 1 300); do
    [[ -f $STATE/serve.json ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat -- "$WORK/serve.err" >&2; die "the twin did not start"; }
    sleep 0.1
done
[[ -f $STATE/serve.json ]] || die "the twin did not become ready within 30 s"

# serve_field EXPR: a value from serve.json, EXPR being a Python expression over the dict `d`.
serve_field() {
    "$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
        "$STATE/serve.json" "$1"
}
PORT=$(serve_field "d['hmcs']['$HMC']['port']")
printf '%s\n' "$(serve_field "d['known_hosts_line']")" >"$WORK/known_hosts"
say "HMC $HMC listens on 127.0.0.1:$PORT, host key $(serve_field "d['host_key_fingerprint']")"

if command -v ssh >/dev/null && command -v ssh-keygen >/dev/null; then
    ssh-keygen -q -t ed25519 -N '' -C hmcsim-demo -f "$WORK/id_ed25519"
    "$HMCSIM" ctl --state-dir "$STATE" authorize --hmc "$HMC" --user "$HMC_USER" "$WORK/id_ed25519.pub"
    hmc_run() {
        ssh -F none -p "$PORT" -i "$WORK/id_ed25519" -o BatchMode=yes -o IdentitiesOnly=yes \
            -o UserKnownHostsFile="$WORK/known_hosts" -o GlobalKnownHostsFile=/dev/null \
            -o StrictHostKeyChecking=yes -o LogLevel=ERROR "$HMC_USER@127.0.0.1" "$1"
    }
else
    warn "no OpenSSH client; using a paramiko client instead"
    hmc_run() {
        "$PY" - "$PORT" "$HMC_USER" "$WORK/known_hosts" "$1" <<'PYTHON'
import socket, sys
import paramiko
from hmcsim import scenario
port, user, known_hosts, line = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
password = next(u.password for h in scenario.load("seed-lab").hmcs for u in h.users if u.name == user)
sock = socket.create_connection(("127.0.0.1", port), timeout=10)
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
client = paramiko.SSHClient()
client.load_host_keys(known_hosts)
client.connect("127.0.0.1", port=port, username=user, password=password, sock=sock,
               look_for_keys=False, allow_agent=False)
_, out, err = client.exec_command(line)
sys.stdout.write(out.read().decode())
sys.stderr.write(err.read().decode())
sys.exit(out.channel.recv_exit_status())
PYTHON
    }
fi

BOLD='' PLAIN=''
if [[ -t 1 ]]; then
    BOLD=$'\033[1m' PLAIN=$'\033[0m'
fi

for cmd in "${COMMANDS[@]}"; do
    printf '\n%s%s@%s:~> %s%s\n' "$BOLD" "$HMC_USER" "$HMC" "$cmd" "$PLAIN"
    rc=0
    hmc_run "$cmd" 2>&1 || rc=$?
    ((rc == 0)) || printf '[exit status %d]\n' "$rc"
done

printf '\n%sthe command log of the twin (hmcsim ctl log)%s\n' "$BOLD" "$PLAIN"
"$HMCSIM" ctl --state-dir "$STATE" log
