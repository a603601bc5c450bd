"""LPM validation rules, one small module per group of checks.

Importing the package registers every rule in :data:`RULES`, in table order: management consoles,
systems, RMC, mover service partitions, the partition, the destination, storage, network, injected
faults. Each rule's code, severity, kinds and overrides are in the ``lpm_rules`` table of
``data/messages.yaml``.
"""
from . import hmc, systems, rmc, msp, partition, destination, storage, network, injected  # noqa: F401
from .base import KINDS, RULES, Check, Rule, rule_specs

__all__ = ["KINDS", "RULES", "Check", "Rule", "rule_specs"]
