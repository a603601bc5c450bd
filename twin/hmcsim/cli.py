"""The ``hmcsim`` command: serve a scenario, control a running twin, validate and generate scenarios."""
from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import logging
import os
import shlex
import signal
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

from . import forward
from .control import ControlClient, ControlError
from .faults import KINDS

DEFAULT_STATE_ENV = "HMCSIM_STATE_DIR"


def default_state_dir() -> Path:
    if os.environ.get(DEFAULT_STATE_ENV):
        return Path(os.environ[DEFAULT_STATE_ENV])
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "hmcsim"


# ----- serve -----

def ready_lines(info: dict[str, Any]) -> list[str]:
    return [f"ready hmc={name} host={hmc['host']} port={hmc['port']} fingerprint={info['host_key_fingerprint']}"
            for name, hmc in info["hmcs"].items()]


def cmd_serve(args: argparse.Namespace) -> int:
    from .scenario import ScenarioError, load  # pylint: disable=import-outside-toplevel
    from .service import Twin, TwinOptions, wait_for_serve_file  # pylint: disable=import-outside-toplevel
    try:
        scenario = load(args.scenario)
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return 1
    state_dir = Path(args.state_dir)
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if args.daemon:
        pid = os.fork()
        if pid:
            return _report_daemon(state_dir, pid, wait_for_serve_file)
        os.setsid()
        _detach(state_dir / "serve.log")
    logging.basicConfig(level=getattr(logging, args.log_level.upper()),
                        format="%(asctime)s %(name)s %(levelname)s %(message)s", stream=sys.stderr)
    options = TwinOptions(state_dir=state_dir.resolve(), host=args.host, port=args.port, speed=args.speed,
                          manual_clock=args.manual_clock)

    def ready(twin: Twin) -> None:
        for line in ready_lines(twin.info()):
            print(line)
        sys.stdout.flush()

    async def main() -> None:
        twin = Twin(scenario, options)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, twin.request_stop)
        await twin.serve(ready=ready)

    try:
        asyncio.run(main())
    except (OSError, RuntimeError) as exc:
        print(f"hmcsim serve: {exc}", file=sys.stderr)
        return 1
    return 0


def _detach(log_path: Path) -> None:
    null = os.open(os.devnull, os.O_RDONLY)
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(null)
    os.close(log)


def _report_daemon(state_dir: Path, pid: int, wait: Callable[..., dict[str, Any]]) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            print(f"hmcsim serve: the server exited ({status}); see {state_dir / 'serve.log'}", file=sys.stderr)
            return 1
        try:
            info = wait(state_dir, timeout=0.5, pid=pid)
        except TimeoutError:
            continue
        for line in ready_lines(info):
            print(line)
        print(f"pid={pid}")
        return 0
    print(f"hmcsim serve: not ready after 30 s; see {state_dir / 'serve.log'}", file=sys.stderr)
    return 1


# ----- ctl -----

def _client(args: argparse.Namespace) -> ControlClient:
    path = args.socket or str(Path(args.state_dir) / "control.sock")
    return ControlClient(path)


def ctl_log(client: ControlClient, args: argparse.Namespace) -> int:
    for entry in client.request("log", since=args.since)["entries"]:
        if args.json:
            print(json.dumps(entry))
        else:
            rc = "-" if entry["rc"] is None else entry["rc"]
            print(f"{entry['seq']:>6} t={entry['time']:.1f} {entry['hmc']} {entry['user']} {entry['session']} "
                  f"rc={rc} {shlex.join(entry['argv'])}")
    return 0


def ctl_state(client: ControlClient, args: argparse.Namespace) -> int:
    state = client.request("state")
    if args.json:
        print(json.dumps(state, indent=2))
        return 0
    clock = state["clock"]
    print(f"clock {clock['hmc_time']} (t={clock['now']:.1f} s, speed {clock['speed']:g}, "
          f"{'manual' if clock['manual'] else 'running'})")
    for name, hmc in state["hmcs"].items():
        print(f"hmc {name} {hmc['host']}:{hmc['port']} connections={hmc['connections']} "
              f"max_sessions={hmc['max_sessions']} peak_sessions={hmc['peak_sessions']} "
              f"sessions_refused={hmc['sessions_refused']}" + (" REFUSING" if hmc["refusing"] else ""))
    for ms in state["systems"]:
        print(f"system {ms['name']} ({ms['state']}) hmc={ms['hmc']} avail_mem_mb={ms['avail_mem_mb']} "
              f"avail_proc_units={ms['avail_proc_units']}")
        for lp in ms["partitions"]:
            print(f"  {lp['id']:>3} {lp['name']} {lp['env']} {lp['state']}")
    for mig in state["migrations"]:
        print("migration " + json.dumps(mig, default=str))
    for fault in state["faults"]:
        print("fault " + json.dumps(fault))
    return 0


def ctl_clock(client: ControlClient, args: argparse.Namespace) -> int:
    request: dict[str, Any] = {"action": args.action}
    if args.action in ("advance", "speed", "manual") and args.value is None:
        raise ControlError(f"clock {args.action} needs a value")
    if args.action == "advance":
        request["seconds"] = float(args.value)
    elif args.action == "speed":
        request["speed"] = float(args.value)
    elif args.action == "manual":
        if args.value not in ("on", "off"):
            raise ControlError("clock manual takes on or off")
        request["manual"] = args.value == "on"
    info = client.request("clock", **request)
    print(f"t={info['now']:.1f} {info['hmc_time']} speed={info['speed']:g} manual={'on' if info['manual'] else 'off'}")
    return 0


FAULT_OPTIONS = ("target", "at_percent", "seconds", "code", "command", "count", "memory_mb", "proc_units")


def ctl_fault(client: ControlClient, args: argparse.Namespace) -> int:
    if args.action == "arm":
        spec = {name: getattr(args, name) for name in FAULT_OPTIONS if getattr(args, name) is not None}
        print(json.dumps(client.request("fault", action="arm", kind=args.kind, **spec)))
    elif args.action == "list":
        for fault in client.request("fault", action="list")["faults"]:
            print(json.dumps(fault))
    else:
        print(f"cleared {client.request('fault', action='clear', kind=args.kind)['cleared']}")
    return 0


def ctl_scenario(client: ControlClient, args: argparse.Namespace) -> int:
    sys.stdout.write(client.request("scenario", secrets=not args.no_secrets)["yaml"])
    return 0


def ctl_authorize(client: ControlClient, args: argparse.Namespace) -> int:
    key = Path(args.key_file).read_text().strip()
    client.request("authorize", hmc=args.hmc, user=args.user, key=key)
    return 0


def ctl_exec(client: ControlClient, args: argparse.Namespace) -> int:
    answer = client.request("exec", hmc=args.hmc, user=args.user, command=" ".join(args.command),
                            session=f"{args.hmc}/ctl{os.getpid()}")
    sys.stdout.write(answer["stdout"])
    sys.stderr.write(answer["stderr"])
    return int(answer["rc"])


def ctl_info(client: ControlClient, args: argparse.Namespace) -> int:
    print(json.dumps(client.request("info"), indent=2))
    return 0


def ctl_vios_restart(client: ControlClient, args: argparse.Namespace) -> int:
    answer = client.request("vios_restart", system=args.system, vios=args.vios, seconds=args.seconds,
                            code=args.code or "")
    if args.json:
        print(json.dumps(answer, indent=2))
        return 0
    print(f"{answer['vios']} on {answer['system']}: {answer['state']}, up at t={answer['up_at']:.1f}")
    for mig in answer["failed_migrations"]:
        print(f"failed migration {mig['lpar']} {mig['source']} -> {mig['target']} ({mig['code']})")
    for device, values in sorted(answer["applied"].items()):
        print(f"applied {device} " + " ".join(f"{k}={v}" for k, v in sorted(values.items())))
    return 0


def ctl_shutdown(client: ControlClient, args: argparse.Namespace) -> int:
    client.request("shutdown")
    print("stopping")
    return 0


def cmd_ctl(args: argparse.Namespace) -> int:
    try:
        with _client(args) as client:
            return int(args.ctl_func(client, args))
    except ControlError as exc:
        print(f"hmcsim ctl: {exc}", file=sys.stderr)
        return 1


# ----- validate, generate, forward -----

def cmd_validate(args: argparse.Namespace) -> int:
    from .scenario import ScenarioError, load  # pylint: disable=import-outside-toplevel
    status = 0
    for name in args.files:
        try:
            sc = load(name)
        except ScenarioError as exc:
            status = 1
            for problem in exc.problems:
                print(f"{exc.source}: {problem}")
            continue
        lpars = sum(len(ms.lpars) for ms in sc.systems)
        print(f"{name}: valid ({len(sc.hmcs)} HMCs, {len(sc.systems)} systems, {lpars} partitions)")
    return status


def cmd_generate(args: argparse.Namespace) -> int:
    try:
        generator = importlib.import_module("hmcsim.generator")
    except ModuleNotFoundError as exc:
        if exc.name != "hmcsim.generator":
            raise
        print("hmcsim generate: the fleet generator (hmcsim.generator) is not available", file=sys.stderr)
        return 2
    entry = getattr(generator, "main_generate", None) or getattr(generator, "main")
    return int(entry(args.args) or 0)


def cmd_forward(args: argparse.Namespace) -> int:
    argv = ["--socket", args.socket or str(Path(args.state_dir) / "control.sock"), "--hmc", args.hmc]
    if args.user:
        argv += ["--user", args.user]
    return forward.main(argv)


# ----- parser -----

def _ctl_parser(sub: Any) -> None:
    ctl = sub.add_parser("ctl", help="control a running twin through its control socket")
    ctl.add_argument("--state-dir", default=str(default_state_dir()))
    ctl.add_argument("--socket", help="the control socket (default: STATE_DIR/control.sock)")
    ops = ctl.add_subparsers(dest="op", required=True)

    def op(name: str, func: Callable[[ControlClient, argparse.Namespace], int], help_text: str) -> Any:
        parser = ops.add_parser(name, help=help_text)
        parser.set_defaults(ctl_func=func)
        return parser

    op("info", ctl_info, "what serve.json says: ports, host key, socket")
    log = op("log", ctl_log, "the command log")
    log.add_argument("--since", type=int, default=0, help="only entries after this sequence number")
    log.add_argument("--json", action="store_true", help="one JSON object per line")
    op("state", ctl_state, "systems, partitions, migrations, faults").add_argument("--json", action="store_true")
    clock = op("clock", ctl_clock, "show or change the simulated clock")
    clock.add_argument("action", nargs="?", default="get", choices=("get", "advance", "speed", "manual"))
    clock.add_argument("value", nargs="?", help="seconds, speed factor, or on/off")
    fault = op("fault", ctl_fault, "arm, list or clear injected faults")
    fault.add_argument("action", choices=("arm", "list", "clear"))
    fault.add_argument("kind", nargs="?", choices=sorted(KINDS), help="the fault kind (arm; clear: only this kind)")
    fault.add_argument("--target", help="partition, system or HMC name")
    fault.add_argument("--at-percent", dest="at_percent", type=float)
    fault.add_argument("--seconds", type=float)
    fault.add_argument("--code", help="HSCL code for validation_failure")
    fault.add_argument("--command", help="only commands starting with these words")
    fault.add_argument("--count", type=int, help="how many times it fires (0 = every time)")
    fault.add_argument("--memory-mb", dest="memory_mb", type=int)
    fault.add_argument("--proc-units", dest="proc_units", type=float)
    op("scenario", ctl_scenario, "the current state as scenario YAML").add_argument(
        "--no-secrets", action="store_true", help="leave out passwords and authorized keys")
    auth = op("authorize", ctl_authorize, "add an SSH public key to an HMC user")
    auth.add_argument("--hmc", required=True)
    auth.add_argument("--user", required=True)
    auth.add_argument("key_file")
    run = op("exec", ctl_exec, "run one HMC command without SSH")
    run.add_argument("--hmc", required=True)
    run.add_argument("--user", required=True)
    run.add_argument("command", nargs=argparse.REMAINDER)
    restart = op("vios-restart", ctl_vios_restart,
                 "restart a VIOS: migrations through it fail, chdev -perm values take effect")
    restart.add_argument("system")
    restart.add_argument("vios")
    restart.add_argument("--seconds", type=float, default=0.0, help="simulated seconds the VIOS stays down")
    restart.add_argument("--code", help="HSCL code of the failed migrations (default HSCLA24B)")
    restart.add_argument("--json", action="store_true")
    op("shutdown", ctl_shutdown, "stop the twin")
    ctl.set_defaults(func=cmd_ctl)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hmcsim", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve a scenario over SSH")
    serve.add_argument("--scenario", required=True, help="a built-in scenario name or a YAML file")
    serve.add_argument("--port", type=int, default=None,
                       help="first HMC's SSH port, the next HMCs get the following ones (0: free ports)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--speed", type=float, default=None, help="simulated seconds per real second")
    serve.add_argument("--state-dir", default=str(default_state_dir()),
                       help="host key, serve.json and the control socket; created mode 0700 (make it "
                            "searchable by an OpenSSH forced-command user who must reach the socket)")
    serve.add_argument("--manual-clock", action="store_true", help="time moves only with `ctl clock advance`")
    serve.add_argument("--daemon", action="store_true", help="run in the background once ready")
    serve.add_argument("--log-level", default="warning", choices=("debug", "info", "warning", "error"))
    serve.set_defaults(func=cmd_serve)

    _ctl_parser(sub)

    validate = sub.add_parser("validate", help="check scenario files")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(func=cmd_validate)

    generate = sub.add_parser("generate", help="generate a fleet scenario (hmcsim.generator)")
    generate.add_argument("args", nargs=argparse.REMAINDER)
    generate.set_defaults(func=cmd_generate)

    fwd = sub.add_parser("forward", help="OpenSSH forced-command entry: run SSH_ORIGINAL_COMMAND on the twin")
    fwd.add_argument("--hmc", required=True)
    fwd.add_argument("--user", help="HMC user (default: the login name without 'hmcsim-')")
    fwd.add_argument("--state-dir", default=str(default_state_dir()))
    fwd.add_argument("--socket")
    fwd.set_defaults(func=cmd_forward)
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["generate"]:
        return cmd_generate(argparse.Namespace(args=argv[1:]))   # the generator parses its own options
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:            # `hmcsim ctl log | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
