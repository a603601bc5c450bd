"""LPM validation: what ``migrlpar -o v`` and the validation phase of ``-o m`` check.

``validate(estate, req)`` resolves the mover service partitions, the destination VIOS of each client
adapter and the destination partition ID, then runs every rule of :data:`RULES` that applies to the
kind of migration. It never changes the estate (an armed ``validation_failure`` fault is consumed).
"""
from __future__ import annotations

from typing import Any

from .estate import Estate
from .request import MigrationRequest, Resolution
from .rules import RULES, Check, Rule
from .rules.resolve import resolve

__all__ = ["RULES", "Rule", "rule_table", "validate"]


def validate(estate: Estate, req: MigrationRequest) -> Resolution:
    check = Check(estate, req)
    resolve(check)
    for rule in RULES:
        if rule.applies(check):
            check.res.findings.extend(rule.run(check))
    return check.res


def rule_table() -> list[dict[str, Any]]:
    """The rules in order, as plain data (for documentation and for preflight checks that mirror them)."""
    return [{"name": r.name, "group": r.group, "code": r.code, "severity": r.severity, "kinds": list(r.kinds),
             "downgrade": r.downgrade, "doc": r.doc} for r in RULES]
