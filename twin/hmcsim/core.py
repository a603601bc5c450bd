"""The command core shared by every front end: parse a command line, run it on the estate, log it.

Commands register themselves with :func:`command`. A handler gets a :class:`Ctx` and parsed options
and returns a :class:`Result`, or a :class:`Pending` for a command that blocks (``migrlpar -o m``).
"""
from __future__ import annotations

import shlex
import time
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Callable, Optional, Union

import yaml

from .estate import Estate, LogEntry
from .model import Hmc, ManagedSystem


@dataclass
class Session:
    hmc: str
    user: str
    session_id: str = "local"


@dataclass
class Result:
    rc: int = 0
    stdout: str = ""
    stderr: str = ""


@dataclass
class Pending:
    """A command still running. The front end calls ``poll()`` until it returns a Result.

    ``wake_at()`` tells the simulated time at which polling is next useful (None: unknown, poll soon).
    """

    poll: Callable[[], Optional[Result]]
    wake_at: Callable[[], Optional[float]] = lambda: None
    on_disconnect: Callable[[], None] = lambda: None


Outcome = Union[Result, Pending]


class CommandError(Exception):
    """Raised by handlers to answer with an error; carries the finished Result."""

    def __init__(self, result: Result):
        super().__init__(result.stdout)
        self.result = result


@lru_cache(maxsize=1)
def messages() -> dict:
    text = resources.files("hmcsim").joinpath("data/messages.yaml").read_text()
    return yaml.safe_load(text)


def hscl(code: str, **fields: object) -> str:
    """``HSCLxxxx text`` from the message table."""
    entry = messages()["hscl"][code]
    return f"{code} {entry['text'].format(**fields)}"


def fail(code: str, rc: int = 1, **fields: object) -> CommandError:
    return CommandError(Result(rc, hscl(code, **fields) + "\n"))


def generic(name: str, **fields: object) -> CommandError:
    entry = messages()["generic"][name]
    text = entry["text"].format(**fields) + "\n"
    if entry.get("stream") == "stderr":
        return CommandError(Result(entry.get("rc", 1), "", text))
    return CommandError(Result(entry.get("rc", 1), text))


# ----- HMC-style option parsing -----

@dataclass
class OptSpec:
    """Options of one command: name -> number of values (0 for a flag). Aliases map to a canonical name."""

    options: dict[str, int]
    aliases: dict[str, str] = field(default_factory=dict)


class Options(dict):
    """Parsed options; a flag maps to True, a one-value option to its string."""

    def need(self, *names: str) -> None:
        missing = [n for n in names if n not in self]
        if missing:
            raise generic("missing_parameter", params=", ".join(missing))


def parse_options(argv: list[str], spec: OptSpec) -> Options:
    opts = Options()
    bad: list[str] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        name = spec.aliases.get(token, token)
        if name not in spec.options:
            bad.append(token)
            i += 1
            continue
        arity = spec.options[name]
        if arity == 0:
            opts[name] = True
            i += 1
            continue
        if i + 1 >= len(argv):
            raise generic("missing_parameter", params=token)
        opts[name] = argv[i + 1]
        i += 2
    if bad:
        raise generic("invalid_parameter", params=", ".join(bad))
    return opts


# ----- context and registry -----

@dataclass
class Ctx:
    core: "Core"
    session: Session
    argv: list[str]

    @property
    def estate(self) -> Estate:
        return self.core.estate

    @property
    def hmc(self) -> Hmc:
        return self.core.estate.hmcs[self.session.hmc]

    def system(self, ref: str) -> ManagedSystem:
        """A system this HMC manages, by name or type-model*serial; HSCL8001 otherwise."""
        ms = self.estate.find_system(ref, hmc=self.session.hmc)
        if ms is None:
            raise fail("HSCL8001", system=ref)
        return ms


Handler = Callable[[Ctx, list[str]], Outcome]
COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = fn
        return fn
    return register


def _load_commands() -> None:
    # Importing the modules registers their handlers.
    from . import commands  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import


class Core:
    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        _load_commands()

    def execute(self, session: Session, command_line: str) -> Outcome:
        """Run one command line as the HMC's restricted bash would hand it to the command."""
        entry = self.estate.log.add(LogEntry(0, self.estate.clock.now(), time.time(), session.hmc,
                                             session.user, session.session_id, []))
        try:
            argv = shlex.split(command_line)
        except ValueError:
            return self._finish(entry, Result(1, "", "rbash: unexpected EOF while looking for matching quote\n"))
        entry.argv = argv
        if not argv:
            return self._finish(entry, Result(0))
        return self.run(session, argv, entry)

    def run(self, session: Session, argv: list[str], entry: Optional[LogEntry] = None) -> Outcome:
        if entry is None:
            entry = self.estate.log.add(LogEntry(0, self.estate.clock.now(), time.time(), session.hmc,
                                                 session.user, session.session_id, list(argv)))
        started = time.monotonic()
        handler = COMMANDS.get(argv[0])
        try:
            if handler is None:
                if "/" in argv[0]:
                    raise generic("restricted", what=argv[0])
                raise generic("command_not_found", command=argv[0])
            with self.estate.lock:
                self.estate.advance()
                outcome = handler(Ctx(self, session, argv), argv[1:])
        except CommandError as exc:
            outcome = exc.result
        if isinstance(outcome, Pending):
            return self._wrap_pending(entry, outcome, started)
        return self._finish(entry, outcome, started)

    def _finish(self, entry: LogEntry, result: Result, started: Optional[float] = None) -> Result:
        entry.rc = result.rc
        if started is not None:
            entry.duration = time.monotonic() - started
        return result

    def _wrap_pending(self, entry: LogEntry, pending: Pending, started: float) -> Pending:
        def poll() -> Optional[Result]:
            with self.estate.lock:
                self.estate.advance()
                result = pending.poll()
            if result is not None:
                self._finish(entry, result, started)
            return result
        return Pending(poll, pending.wake_at, pending.on_disconnect)
