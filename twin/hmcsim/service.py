"""The running twin: the estate, the command core, one SSH listener per HMC and the control socket.

``Twin.serve()`` runs everything on one asyncio loop. Commands run in worker threads under the estate
lock, so a slow command never stalls other sessions; a blocking command (a ``Pending``) is polled on
the loop with short sleeps. ``TwinThread`` runs a twin in a background thread for tests.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import shlex
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional, TypeVar

from . import frontfaults
from .engine import attach as attach_engine
from .core import Core, Pending, Result, Session
from .estate import Estate
from .model import Scenario
from .server import HmcEndpoint, fingerprint, known_hosts_line, load_or_create_host_key

LOG = logging.getLogger("hmcsim.service")

POLL_CAP_S = 0.2          # longest real-time sleep between polls of a blocking command
TICK_CAP_S = 1.0          # longest real-time sleep of the migration engine ticker
SERVE_FILE = "serve.json"
SOCKET_FILE = "control.sock"
DEFAULT_PORT = 2222

T = TypeVar("T")


class HmcUnavailable(Exception):
    """The HMC refuses work right now (it is restarting or refusing connections)."""


@dataclass
class TwinOptions:
    state_dir: Path
    host: str = "127.0.0.1"
    port: Optional[int] = None       # first HMC's port; 0 = free ports; None = Hmc.ssh_port or 2222+i
    speed: Optional[float] = None
    manual_clock: bool = False


def ports_for(scenario: Scenario, first: Optional[int]) -> dict[str, int]:
    """Port of each HMC: all free ports for 0; otherwise ``Hmc.ssh_port`` if set, else first+index."""
    base = DEFAULT_PORT if first is None else first
    ports = {}
    for index, hmc in enumerate(scenario.hmcs):
        if first == 0:
            ports[hmc.name] = 0
        elif hmc.ssh_port:
            ports[hmc.name] = hmc.ssh_port
        else:
            ports[hmc.name] = base + index
    return ports


class Twin:
    def __init__(self, scenario: Scenario, options: TwinOptions) -> None:
        self.options = options
        self.state_dir = options.state_dir
        self.estate = Estate(scenario, speed=options.speed, manual_clock=options.manual_clock)
        self.core = Core(self.estate)
        attach_engine(self.estate)     # the migration engine; the ticker and every command advance it
        self.host_key = load_or_create_host_key(self.state_dir)
        self.fingerprint = fingerprint(self.host_key)
        self.connection_numbers = itertools.count(1)
        self.endpoints: dict[str, HmcEndpoint] = {}
        self.faults = frontfaults.FrontFaults(self)
        self.control: Any = None
        self.control_sessions: dict[str, set[Callable[[], None]]] = {}   # hmc -> drop callbacks
        self._tasks: set[asyncio.Task[Any]] = set()
        self._nudge = asyncio.Event()
        self._stopped = asyncio.Event()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._published = False

    # ----- paths and published info -----
    @property
    def socket_path(self) -> Path:
        return self.state_dir / SOCKET_FILE

    @property
    def serve_file(self) -> Path:
        return self.state_dir / SERVE_FILE

    def info(self) -> dict[str, Any]:
        endpoints = [(e.host, e.port) for e in self.endpoints.values()]
        return {
            "pid": os.getpid(),
            "scenario": self.estate.scenario.name,
            "hmcs": {name: {"host": e.host, "port": e.port,
                            "known_hosts_line": known_hosts_line(self.host_key, [(e.host, e.port)])}
                     for name, e in self.endpoints.items()},
            "host_key_fingerprint": self.fingerprint,
            "known_hosts_line": known_hosts_line(self.host_key, endpoints),
            "control_socket": str(self.socket_path),
            "state_dir": str(self.state_dir),
        }

    def _write_serve_file(self) -> None:
        tmp = self.serve_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.info(), indent=2) + "\n")
        os.replace(tmp, self.serve_file)

    # ----- lifecycle -----
    async def start(self) -> None:
        from .control import ControlServer  # pylint: disable=import-outside-toplevel
        self._loop = asyncio.get_running_loop()
        control = ControlServer(self, self.socket_path)
        await control.start()          # fails when another twin serves from this state directory
        self.control = control
        self.serve_file.unlink(missing_ok=True)
        for name, port in ports_for(self.estate.scenario, self.options.port).items():
            endpoint = HmcEndpoint(self, name, self.options.host, port)
            await endpoint.start()
            self.endpoints[name] = endpoint
        self.spawn(self._tick())
        self._write_serve_file()
        self._published = True

    async def serve(self, ready: Optional[Callable[["Twin"], None]] = None) -> None:
        """Start, report readiness, and run until ``request_stop()``."""
        try:
            await self.start()
            if ready is not None:
                ready(self)
            await self._stopped.wait()
        finally:
            await self.stop()

    def request_stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)

    async def stop(self) -> None:
        for endpoint in self.endpoints.values():
            await endpoint.stop()
        if self.control is not None:
            await self.control.stop()
        current = asyncio.current_task()
        for task in list(self._tasks):
            if task is not current:
                task.cancel()
        others = [t for t in self._tasks if t is not current]
        if others:
            await asyncio.wait(others, timeout=5.0)
        if self._published:
            self.serve_file.unlink(missing_ok=True)
            self._published = False

    def spawn(self, coro: Awaitable[T]) -> "asyncio.Task[T]":
        """Run a coroutine on the loop, kept until done and cancelled on stop."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: "asyncio.Task[Any]") -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            LOG.error("background task failed", exc_info=task.exception())

    # ----- waiting -----
    def nudge(self) -> None:
        """Wake every sleeper (the clock moved, a client went away)."""
        self._nudge.set()
        self._nudge = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        """Sleep up to ``seconds`` real seconds, or until nudged."""
        # asyncio.wait, not wait_for: on Python 3.11 wait_for can swallow a cancellation that arrives
        # as the event fires, which would keep a sleeper looping after stop().
        waiter = asyncio.ensure_future(self._nudge.wait())
        try:
            await asyncio.wait({waiter}, timeout=max(seconds, 0.001))
        finally:
            waiter.cancel()

    async def locked(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn`` in a worker thread under the estate lock."""
        def call() -> T:
            with self.estate.lock:
                return fn(*args)
        return await asyncio.to_thread(call)

    async def _tick(self) -> None:
        """Move the migration engine along even when no command arrives."""
        while True:
            delay = TICK_CAP_S
            if self.estate.engine is not None:
                upcoming = await self.locked(self._advance_engine)
                if upcoming is not None:
                    delay = min(TICK_CAP_S, self.estate.clock.real_seconds_until(upcoming))
            await self.sleep(max(delay, 0.01))

    def _advance_engine(self) -> Optional[float]:
        self.estate.advance()
        return self.estate.engine.next_event_time()

    # ----- commands -----
    async def run_command(self, session: Session, line: str, *, drop: Callable[[], None],
                          gone: asyncio.Event) -> Optional[Result]:
        """Run one command line for a front end; None when the channel was dropped meanwhile.

        Front-end faults apply here: ``latency`` delays the start, ``ssh_disconnect`` calls ``drop``
        after its delay while the command goes on. A blocking command is polled until it finishes,
        even after the client went away (``on_disconnect`` is called once when that happens).
        """
        words = _first_words(line)
        latency = self.faults.take("latency", session.hmc, words)
        if latency is not None and latency.seconds > 0:
            await asyncio.sleep(latency.seconds)
        cut = self.faults.take("ssh_disconnect", session.hmc, words)
        if cut is not None:
            self._loop_or_running().call_later(max(cut.seconds, 0.0), drop)
        outcome = await self.locked(self.core.execute, session, line)
        if isinstance(outcome, Pending):
            result = await self.await_pending(outcome, gone)
        else:
            result = outcome
        return None if gone.is_set() else result

    async def await_pending(self, pending: Pending, gone: asyncio.Event) -> Result:
        def step() -> tuple[Optional[Result], Optional[float]]:
            result = pending.poll()
            return result, (None if result is not None else pending.wake_at())

        told = False
        while True:
            result, wake = await self.locked(step)
            if result is not None:
                return result
            if gone.is_set() and not told:
                told = True
                await self.locked(pending.on_disconnect)
            delay = POLL_CAP_S if wake is None else min(POLL_CAP_S, self.estate.clock.real_seconds_until(wake))
            await self.sleep(delay)

    def _loop_or_running(self) -> asyncio.AbstractEventLoop:
        return self._loop or asyncio.get_running_loop()

    def check_available(self, hmc: str) -> None:
        """Raise HmcUnavailable when a new session to ``hmc`` would be refused."""
        endpoint = self.endpoints.get(hmc)
        if endpoint is not None and endpoint.refusing:
            raise HmcUnavailable(f"{hmc}: connection refused (the HMC is not accepting connections)")
        if self.take_refusal(hmc):
            raise HmcUnavailable(f"{hmc}: connection closed by the HMC")

    def drop_control_sessions(self, hmc: str) -> int:
        """Drop the forwarded (control socket) sessions of one HMC, as a restart would."""
        drops = list(self.control_sessions.get(hmc, ()))
        for drop in drops:
            drop()
        return len(drops)

    def take_refusal(self, hmc: str) -> bool:
        return self.faults.take("refuse_connections", hmc, None) is not None


def _first_words(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError:
        return line.split()


class TwinThread:
    """A twin serving from a background thread (tests, in-process use)."""

    def __init__(self, scenario: Scenario, options: TwinOptions) -> None:
        self.scenario = scenario
        self.options = options
        self.twin: Optional[Twin] = None
        self._ready = threading.Event()
        self._error: Optional[BaseException] = None
        self._thread = threading.Thread(target=self._main, name="hmcsim", daemon=True)

    def _main(self) -> None:
        async def main() -> None:
            self.twin = Twin(self.scenario, self.options)
            await self.twin.serve(ready=lambda _t: self._ready.set())
        try:
            asyncio.run(main())
        except BaseException as exc:  # pylint: disable=broad-except
            self._error = exc
        finally:
            self._ready.set()

    def start(self, timeout: float = 15.0) -> Twin:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("the twin did not start in time")
        if self._error is not None or self.twin is None:
            raise RuntimeError(f"the twin failed to start: {self._error!r}") from self._error
        return self.twin

    def stop(self, timeout: float = 10.0) -> None:
        if self.twin is not None:
            self.twin.request_stop()
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise RuntimeError(f"the twin did not stop within {timeout:.0f} s")

    def __enter__(self) -> Twin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_for_serve_file(state_dir: Path, timeout: float = 30.0, pid: Optional[int] = None) -> dict[str, Any]:
    """The serve.json of a twin starting in ``state_dir`` once it is written."""
    deadline = time.monotonic() + timeout
    path = state_dir / SERVE_FILE
    while time.monotonic() < deadline:
        try:
            info = json.loads(path.read_text())
            if pid is None or info.get("pid") == pid:
                return info
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    raise TimeoutError(f"no {path} after {timeout:.0f} s")
