"""The control interface: JSON lines over a Unix socket in the state directory.

Each request is one JSON object with an ``op``; each answer is one JSON object with ``ok`` and either
the op's fields or ``error``. Ops: ``info``, ``exec``, ``log``, ``state``, ``clock``, ``fault``,
``scenario``, ``authorize``, ``vios_restart``, ``shutdown``.

Trust model: the socket is mode 0666 so that the OpenSSH forced-command user can reach it (the state
directory must also be searchable by that user). Anyone on the machine who can reach the socket
controls the twin: runs commands as any scenario user, moves the clock, injects faults, reads the
scenario's secrets. Run the twin only on machines whose local users are trusted, or keep the state
directory private (mode 0700) when the forwarder is not used.
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional

import asyncssh

from . import scenario as scenario_io
from . import vios_restart
from .core import Session
from .frontfaults import FaultError

if TYPE_CHECKING:
    from .service import Twin

LINE_LIMIT = 16 * 1024 * 1024


class ControlError(Exception):
    """A control request failed; the message is the server's ``error``."""

    def __init__(self, message: str, answer: Optional[dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.answer = answer or {}


# ----- server -----

class ControlServer:
    def __init__(self, twin: "Twin", path: Path) -> None:
        self.twin = twin
        self.path = path
        self.server: Optional[asyncio.AbstractServer] = None
        self.clients: dict[asyncio.Task[Any], asyncio.StreamWriter] = {}
        self.ops: dict[str, Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]] = {
            "info": self.op_info, "log": self.op_log, "state": self.op_state, "clock": self.op_clock,
            "fault": self.op_fault, "scenario": self.op_scenario, "authorize": self.op_authorize,
            "vios_restart": self.op_vios_restart, "shutdown": self.op_shutdown,
        }

    async def start(self) -> None:
        if self.path.exists():
            if _socket_alive(self.path):
                raise RuntimeError(f"another twin is serving from {self.path.parent} (its control socket answers)")
            self.path.unlink()
        if len(str(self.path).encode()) > 107:
            raise RuntimeError(f"state directory path too long for a Unix socket: {self.path}")
        self.server = await asyncio.start_unix_server(self._client, str(self.path), limit=LINE_LIMIT)
        os.chmod(self.path, 0o666)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
            self.path.unlink(missing_ok=True)
        for writer in list(self.clients.values()):
            writer.close()            # the handler then reads EOF and ends on its own
        if self.clients:
            await asyncio.wait(list(self.clients), timeout=2.0)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        carry = bytearray()      # bytes read ahead while watching for a hang-up during an exec
        me = asyncio.current_task()
        assert me is not None
        self.clients[me] = writer
        try:
            while True:
                if b"\n" not in carry:
                    carry.extend(await reader.readline())
                line, newline, rest = bytes(carry).partition(b"\n")
                carry[:] = rest
                if not line + newline:
                    break
                answer = await self._answer(line, reader, carry)
                if answer is None:       # the client went away during an exec
                    break
                writer.write(json.dumps(answer, default=str).encode() + b"\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            self.clients.pop(me, None)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _answer(self, line: bytes, reader: asyncio.StreamReader,
                      carry: bytearray) -> Optional[dict[str, Any]]:
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ControlError("a request must be a JSON object")
            op = request.get("op")
            if op == "exec":
                return await self.op_exec(request, reader, carry)
            handler = self.ops.get(str(op))
            if handler is None:
                raise ControlError(f"unknown op {op!r}; ops: exec, {', '.join(sorted(self.ops))}")
            return {"ok": True, **await handler(request)}
        except json.JSONDecodeError as exc:
            return {"ok": False, "error": f"not JSON: {exc}"}
        except (ControlError, FaultError) as exc:
            return {"ok": False, "error": str(exc)}
        except (KeyError, TypeError, ValueError) as exc:
            return {"ok": False, "error": f"bad request: {exc!r}"}

    # ----- exec -----
    async def op_exec(self, req: dict[str, Any], reader: asyncio.StreamReader,
                      carry: bytearray) -> Optional[dict[str, Any]]:
        from .service import HmcUnavailable  # pylint: disable=import-outside-toplevel
        twin = self.twin
        hmc, user, command = str(req["hmc"]), str(req["user"]), str(req["command"])
        if hmc not in twin.estate.hmcs:
            raise ControlError(f"no HMC named {hmc!r}")
        if twin.estate.user(hmc, user) is None:
            raise ControlError(f"no user {user!r} on HMC {hmc}")
        try:
            twin.check_available(hmc)
        except HmcUnavailable as exc:
            return {"ok": False, "error": str(exc), "disconnected": True}
        session = Session(hmc, user, str(req.get("session") or f"{hmc}/control"))
        gone, dropped = asyncio.Event(), asyncio.Event()

        def drop() -> None:
            dropped.set()
            gone.set()
            twin.nudge()

        twin.control_sessions.setdefault(hmc, set()).add(drop)
        run = twin.spawn(twin.run_command(session, command, drop=drop, gone=gone))
        watch = asyncio.ensure_future(reader.read(1))
        cut = asyncio.ensure_future(dropped.wait())
        try:
            while not (run.done() or cut.done()):
                await asyncio.wait({run, watch, cut}, return_when=asyncio.FIRST_COMPLETED)
                if watch.done() and not watch.cancelled():
                    data = watch.result()
                    if not data:
                        gone.set()    # the forwarder (and its SSH client) went away; the command goes on
                        twin.nudge()
                        return None
                    carry.extend(data)   # the client sent ahead; keep it for the next request
                    watch = asyncio.ensure_future(reader.read(1 << 16))
            if dropped.is_set():
                return {"ok": False, "error": f"{hmc}: connection dropped", "disconnected": True}
            result = run.result()
            if result is None:
                return {"ok": False, "error": f"{hmc}: connection dropped", "disconnected": True}
            return {"ok": True, "rc": result.rc, "stdout": result.stdout, "stderr": result.stderr}
        finally:
            twin.control_sessions[hmc].discard(drop)
            for task in (cut, watch):
                task.cancel()
            await asyncio.gather(cut, watch, return_exceptions=True)
            if watch.done() and not watch.cancelled() and watch.exception() is None and watch.result():
                carry.extend(watch.result())

    # ----- the other ops -----
    async def op_info(self, req: dict[str, Any]) -> dict[str, Any]:
        return self.twin.info()

    async def op_log(self, req: dict[str, Any]) -> dict[str, Any]:
        since = int(req.get("since", 0))

        def collect() -> list[dict[str, Any]]:
            return [dataclasses.asdict(e) for e in self.twin.estate.log.entries if e.seq > since]
        return {"entries": await self.twin.locked(collect)}

    async def op_state(self, req: dict[str, Any]) -> dict[str, Any]:
        def dump() -> dict[str, Any]:
            self.twin.estate.advance()
            return state_dump(self.twin)
        return await self.twin.locked(dump)

    async def op_clock(self, req: dict[str, Any]) -> dict[str, Any]:
        action = req.get("action", "get")
        clock = self.twin.estate.clock

        def change() -> None:
            if action == "advance":
                clock.advance(float(req["seconds"]))
            elif action == "speed":
                clock.set_speed(float(req["speed"]))
            elif action == "manual":
                clock.set_manual(bool(req["manual"]))
            elif action != "get":
                raise ControlError(f"unknown clock action {action!r}; actions: get, advance, speed, manual")
            self.twin.estate.advance()
        await self.twin.locked(change)
        self.twin.nudge()
        return clock_info(self.twin)

    async def op_fault(self, req: dict[str, Any]) -> dict[str, Any]:
        action = req.get("action", "list")
        faults = self.twin.faults
        if action == "arm":
            spec = {k: v for k, v in req.items() if k not in ("op", "action")}
            return faults.arm(spec)
        if action == "list":
            return {"faults": faults.list()}
        if action == "clear":
            return {"cleared": faults.clear(req.get("kind"))}
        raise ControlError(f"unknown fault action {action!r}; actions: arm, list, clear")

    async def op_vios_restart(self, req: dict[str, Any]) -> dict[str, Any]:
        def go() -> dict[str, Any]:
            try:
                return vios_restart.restart(self.twin.estate, str(req["system"]), str(req["vios"]),
                                            float(req.get("seconds") or 0.0), str(req.get("code") or ""))
            except vios_restart.RestartError as exc:
                raise ControlError(str(exc)) from exc
        answer = await self.twin.locked(go)
        self.twin.nudge()
        return answer

    async def op_scenario(self, req: dict[str, Any]) -> dict[str, Any]:
        keep = bool(req.get("secrets", True))
        text = await self.twin.locked(lambda: scenario_io.dump(self.twin.estate.scenario, keep_secrets=keep))
        return {"yaml": text}

    async def op_authorize(self, req: dict[str, Any]) -> dict[str, Any]:
        hmc, name, key = str(req["hmc"]), str(req["user"]), str(req["key"]).strip()
        try:
            asyncssh.import_public_key(key)
        except (asyncssh.KeyImportError, ValueError) as exc:
            raise ControlError(f"not an OpenSSH public key: {exc}") from exc

        def add() -> int:
            user = self.twin.estate.user(hmc, name)
            if user is None:
                raise ControlError(f"no user {name!r} on HMC {hmc!r}")
            if key not in user.authorized_keys:
                user.authorized_keys.append(key)
            return len(user.authorized_keys)
        return {"authorized_keys": await self.twin.locked(add)}

    async def op_shutdown(self, req: dict[str, Any]) -> dict[str, Any]:
        asyncio.get_running_loop().call_later(0.05, self.twin.request_stop)
        return {"stopping": True}


def clock_info(twin: "Twin") -> dict[str, Any]:
    clock = twin.estate.clock
    now = clock.now()
    return {"now": now, "hmc_time": clock.hmc_time(now), "speed": clock.speed, "manual": clock.manual}


MIGRATION_LIVE_FIELDS = ("phase", "migration_state", "in_progress", "bytes_transmitted", "bytes_remaining")


def migration_dump(mig: Any) -> dict[str, Any]:
    """A migration's record plus where it is now, with ``percent`` of its memory moved."""
    if hasattr(mig, "to_dict"):
        data = dict(mig.to_dict())
    elif dataclasses.is_dataclass(mig) and not isinstance(mig, type):
        data = {f.name: getattr(mig, f.name) for f in dataclasses.fields(mig)}
    else:
        data = {k: v for k, v in vars(mig).items() if not k.startswith("_")}
    for name in MIGRATION_LIVE_FIELDS:
        if hasattr(mig, name):
            data[name] = getattr(mig, name)
    sent, left = data.get("bytes_transmitted"), data.get("bytes_remaining")
    if isinstance(sent, (int, float)) and isinstance(left, (int, float)) and sent + left > 0:
        data["percent"] = round(100.0 * sent / (sent + left), 1)
    return data


def state_dump(twin: "Twin") -> dict[str, Any]:
    """Systems, partitions (state and placement), migrations and faults, for people and tests."""
    estate = twin.estate
    systems = []
    for ms in estate.scenario.systems:
        systems.append({
            "name": ms.name, "hmc": ms.hmc, "state": ms.state,
            "avail_mem_mb": estate.avail_mem_mb(ms), "avail_proc_units": estate.avail_proc_units(ms),
            "partitions": [{"name": lp.name, "id": lp.id, "env": lp.env, "state": lp.state}
                           for lp in ms.lpars],
        })
    return {
        "clock": clock_info(twin),
        "hmcs": {name: {"host": e.host, "port": e.port, "refusing": e.refusing, "connections": len(e.connections),
                        "max_sessions": e.max_sessions, "peak_sessions": e.peak_sessions,
                        "sessions_refused": e.sessions_refused}
                 for name, e in twin.endpoints.items()},
        "systems": systems,
        "migrations": [migration_dump(m) for m in estate.migrations],
        "faults": twin.faults.list(),
    }


def _socket_alive(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        try:
            sock.connect(str(path))
        except OSError:
            return False
        return True


# ----- client -----

class ControlClient:
    """A blocking client: ``ControlClient(path).request("state")`` returns the answer's fields."""

    def __init__(self, path: str | Path, timeout: Optional[float] = None) -> None:
        self.path = str(path)
        self.timeout = timeout
        self._sock: Optional[socket.socket] = None
        self._file: Any = None

    def connect(self) -> "ControlClient":
        if self._sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(5.0)
            try:
                sock.connect(self.path)
            except OSError as exc:
                sock.close()
                raise ControlError(f"cannot reach the twin at {self.path}: {exc.strerror or exc}") from exc
            sock.settimeout(self.timeout)
            self._sock, self._file = sock, sock.makefile("rb")
        return self

    def request(self, op: str, **fields: Any) -> dict[str, Any]:
        self.connect()
        assert self._sock is not None
        self._sock.sendall(json.dumps({"op": op, **fields}).encode() + b"\n")
        line = self._file.readline()
        if not line:
            raise ControlError("the twin closed the control connection")
        answer = json.loads(line)
        if not answer.get("ok"):
            raise ControlError(answer.get("error", "request failed"), answer)
        answer.pop("ok")
        return answer

    def close(self) -> None:
        if self._sock is not None:
            self._file.close()
            self._sock.close()
            self._sock = self._file = None

    def __enter__(self) -> "ControlClient":
        return self.connect()

    def __exit__(self, *exc: object) -> None:
        self.close()
