"""Failures injected through the twin's control interface."""
from __future__ import annotations

from typing import Iterator

from .. import faults
from . import lookup
from .base import Check, Fields, reason_text, rule


@rule("injected_failure", needs_target=False)
def injected_failure(check: Check) -> Iterator[Fields]:
    """An armed ``validation_failure`` fault for the partition fails validation with the fault's code
    (rehearsing any validation error the field guide lists)."""
    fault = faults.take(check.estate.faults, "validation_failure", check.lp.name)
    if fault is None:
        return
    target = check.dst.name if check.dst is not None else ""
    fields: Fields = {"code": fault.code, "lpar": check.lp.name, "system": check.src.name, "target": target,
                      "reason": reason_text("injected_reason")}
    adapters = [*lookup.client_scsi(check.lp), *lookup.client_fc(check.lp)]
    if adapters:
        fields.update(slot=adapters[0].slot, adapter=adapters[0].slot, vios=adapters[0].remote_lpar)
    yield fields
