"""The validation rule table and the context every rule reads.

A rule is a small function registered with :func:`rule`, in the order the modules of this package
define them. It reads a :class:`Check` (the request, the estate and what was resolved) and yields one
mapping of message fields per problem found. Which HSCL code it reports, its severity, the migration
kinds it applies to and the ``migrlpar`` flag values that turn its error into a warning are data: the
``lpm_rules`` table of ``data/messages.yaml``.
"""
from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional

from ..core import messages
from ..estate import Estate
from ..model import Lpar, ManagedSystem
from ..request import Finding, MigrationRequest, Resolution

KINDS = ("active", "inactive", "suspended")
SEVERITIES = ("error", "warning")

Fields = dict[str, object]
RuleFn = Callable[["Check"], Iterable[Fields]]


@dataclass
class MspIssue:
    """A requested mover service partition that cannot be used."""

    system: str
    msp: str
    reason: str          # key of the lpm_reasons table
    fields: Fields = field(default_factory=dict)


class Check:
    """What a rule sees: the request, the estate, the resolution so far and helpers."""

    def __init__(self, estate: Estate, req: MigrationRequest) -> None:
        self.estate = estate
        self.req = req
        self.lp: Lpar = req.lpar
        self.src: ManagedSystem = req.source
        self.dst: Optional[ManagedSystem] = req.target
        self.kind = req.kind
        self.res = Resolution()
        self.msp_issues: list[MspIssue] = []

    def flag(self, name: str) -> str:
        """A migrlpar override flag as given ('' when not given)."""
        return str(self.req.flags.get(name, "")).strip()

    @property
    def target(self) -> ManagedSystem:
        """The destination system; only called by rules that need one (they are skipped otherwise)."""
        assert self.dst is not None
        return self.dst


@dataclass(frozen=True)
class Rule:
    name: str
    group: str
    fn: RuleFn
    doc: str
    needs_target: bool = True

    @property
    def spec(self) -> dict[str, Any]:
        return rule_specs()[self.name]

    @property
    def code(self) -> str:
        return str(self.spec["code"])

    @property
    def severity(self) -> str:
        return str(self.spec.get("severity", "error"))

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self.spec.get("kinds", KINDS))

    @property
    def downgrade(self) -> dict[str, list[str]]:
        """Flag -> values that turn this rule's error into a warning."""
        return {k: [str(v) for v in vals] for k, vals in (self.spec.get("downgrade") or {}).items()}

    def applies(self, check: Check) -> bool:
        if check.kind not in self.kinds:
            return False
        return check.dst is not None or not self.needs_target

    def run(self, check: Check) -> list[Finding]:
        return [make_finding(self, check, fields) for fields in self.fn(check)]


RULES: list[Rule] = []


def rule(name: str, *, needs_target: bool = True) -> Callable[[RuleFn], RuleFn]:
    """Register a rule function under ``name`` (its entry in the lpm_rules table)."""
    def register(fn: RuleFn) -> RuleFn:
        if any(r.name == name for r in RULES):
            raise ValueError(f"rule {name!r} registered twice")
        group = fn.__module__.rsplit(".", 1)[-1]
        doc = " ".join((fn.__doc__ or "").split())
        RULES.append(Rule(name, group, fn, doc, needs_target))
        return fn
    return register


def rule_specs() -> dict[str, dict[str, Any]]:
    return messages()["lpm_rules"]


def reason_text(key: str, **fields: object) -> str:
    return str(messages()["lpm_reasons"][key]).format(**fields)


class _Lenient(dict):
    def __missing__(self, key: str) -> str:
        return "unknown"


def message_line(code: str, fields: Fields, lenient: bool = False) -> str:
    """``HSCLxxxx text``. Lenient formatting (unknown fields print 'unknown') serves injected codes,
    whose templates may name fields the injecting rule does not know."""
    entry = messages()["hscl"].get(code)
    if entry is None:
        template = str(messages()["lpm_reasons"]["injected_unknown"])
    else:
        template = str(entry["text"])
    if lenient:
        return f"{code} {string.Formatter().vformat(template, (), _Lenient(fields))}"
    return f"{code} {template.format(**fields)}"


def make_finding(rule_: Rule, check: Check, fields: Fields) -> Finding:
    fields = dict(fields)
    injected = str(fields.pop("code", "") or "")
    code = injected or rule_.code
    warning = rule_.severity == "warning"
    overridable = ""
    for flag, values in rule_.downgrade.items():
        overridable = overridable or flag
        if check.flag(flag) in values:
            warning = True
    return Finding(code, message_line(code, fields, lenient=bool(injected)), warning, overridable)
