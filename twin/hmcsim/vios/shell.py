"""The padmin (ioscli) shell of a VIOS: command registry, flag parsing, errors, dispatch.

A VIOS command handler takes a :class:`ViosCtx` and its arguments and returns its output text; it
raises :class:`ViosError` to fail with a text and an exit status, as ioscli does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional, Union

from ..estate import Estate
from ..model import Lpar, ManagedSystem, Vios
from .data import message


class ViosError(Exception):
    """A VIOS command failed: ``text`` is what it printed, ``rc`` its exit status."""

    def __init__(self, text: str, rc: int = 1):
        super().__init__(text)
        self.text = text
        self.rc = rc

    @classmethod
    def of(cls, name: str, **fields: object) -> "ViosError":
        text, rc = message(name, **fields)
        return cls(text, rc)

    @classmethod
    def aix(cls, name: str, **fields: object) -> "ViosError":
        """An AIX error ioscli passes on, behind its warning that AIX texts may not fit the VIOS."""
        prefix, _ = message("aix_error_prefix")
        text, rc = message(name, **fields)
        return cls(prefix + text, rc)


@dataclass
class ViosCtx:
    estate: Estate
    system: ManagedSystem
    lpar: Lpar
    command: str = ""
    _empty: Vios = field(default_factory=Vios)

    @property
    def vios(self) -> Vios:
        """The VIOS section of the partition (an empty one, not stored, if the scenario has none)."""
        return self.lpar.vios if self.lpar.vios is not None else self._empty

    def writable_vios(self) -> Vios:
        if self.lpar.vios is None:
            self.lpar.vios = Vios()
        return self.lpar.vios


ViosHandler = Callable[[ViosCtx, list[str]], str]
VIOS_COMMANDS: dict[str, ViosHandler] = {}


def ioscli(name: str) -> Callable[[ViosHandler], ViosHandler]:
    def register(fn: ViosHandler) -> ViosHandler:
        VIOS_COMMANDS[name] = fn
        return fn
    return register


# ----- ioscli flag parsing -----

MANY = "*"      # zero or more words up to the next flag
SOME = "+"      # one or more words up to the next flag
Arity = Union[int, str]


class Flags(dict[str, Union[bool, str, list[str]]]):
    """Parsed flags: a switch maps to True, a one-value flag to its string, a word list to a list."""

    positional: list[str]

    def text(self, name: str, default: Optional[str] = None) -> Optional[str]:
        value = self.get(name)
        if isinstance(value, list):
            return " ".join(value)
        if isinstance(value, str):
            return value
        return default

    def words(self, name: str) -> list[str]:
        value = self.get(name)
        if isinstance(value, list):
            return value
        if isinstance(value, str):
            return [value]
        return []


def parse_flags(command: str, args: list[str], spec: dict[str, Arity], positional: int = 0) -> Flags:
    """Parse ioscli flags. ``spec`` maps flag -> 0 (switch), 1 (one value), MANY or SOME (word lists).

    A one-value flag takes the next argument whatever it is (``-fmt -`` works); word lists stop at
    the next argument that starts with ``-``. Up to ``positional`` bare arguments are accepted.
    """
    flags = Flags()
    flags.positional = []
    i = 0
    while i < len(args):
        token = args[i]
        if token not in spec:
            if token.startswith("-") or len(flags.positional) >= positional:
                raise ViosError.of("invalid_flag", command=command, flag=token)
            flags.positional.append(token)
            i += 1
            continue
        arity = spec[token]
        i += 1
        if arity == 0:
            flags[token] = True
        elif arity == 1:
            if i >= len(args):
                raise ViosError.of("missing_flag", command=command, flag=token)
            flags[token] = args[i]
            i += 1
        else:
            words: list[str] = []
            while i < len(args) and not args[i].startswith("-"):
                words.append(args[i])
                i += 1
            if arity == SOME and not words:
                raise ViosError.of("missing_flag", command=command, flag=token)
            previous = flags.get(token)
            flags[token] = (previous if isinstance(previous, list) else []) + words   # a repeated flag adds
    return flags


def run(estate: Estate, system: ManagedSystem, lpar: Lpar, argv: list[str]) -> tuple[int, str]:
    """Run one ioscli command on a VIOS partition. Returns (exit status, output)."""
    if not argv:
        return 0, ""
    handler = VIOS_COMMANDS.get(argv[0])
    if handler is None:
        text, rc = message("unknown_command", command=argv[0])
        return rc, text + "\n"
    ctx = ViosCtx(estate, system, lpar, argv[0])
    try:
        out = handler(ctx, argv[1:])
    except ViosError as exc:
        text = exc.text if not exc.text or exc.text.endswith("\n") else exc.text + "\n"
        return exc.rc, text
    return 0, out
