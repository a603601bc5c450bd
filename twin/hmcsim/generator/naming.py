"""Names, addresses and DRC indexes of generated objects."""
from __future__ import annotations

from .catalogue import MachineModel
from .plans import SystemPlan


def system_name(plan: SystemPlan, model: MachineModel) -> str:
    """``p9-sys01-9009-42A-SN78A1B2C``."""
    return f"{plan.gen.lower().replace('power', 'p')}-{plan.short}-{model.type_model}-SN{plan.serial}"


def vios_name(plan: SystemPlan, v: int) -> str:
    return f"{plan.short}-vios{v}"


def client_name(plan: SystemPlan, lpar_id: int) -> str:
    return f"{plan.short}-lp{lpar_id:03d}"


def unit_location(plan: SystemPlan) -> str:
    """The location code of the system unit: ``U9009.42A.78A1B2C``."""
    assert plan.model is not None
    return f"U{plan.model.type_model.replace('-', '.')}.{plan.serial}"


def drc_index(position: int) -> str:
    """The DRC index of physical slot C<position> of the system unit (position in bits 16-23)."""
    return f"{0x21000000 | (position << 16) | (0x10 + position):08X}"


def hmc_ip(h: int) -> str:
    return f"127.0.0.{h + 1}"


def system_ip(system: int, vios: int) -> str:
    """The system's service processor (vios=0) or the RMC address of its VIOS 1 or 2."""
    return f"10.{vios}.{system // 250}.{system % 250 + 4}"


def msp_ip(system: int, vios: int) -> str:
    """The MSP address of VIOS 1 or 2 of a system, on the migration network."""
    return f"10.{250 - system // 256}.{system % 256}.{10 + vios}"


def client_ip(system: int, lpar_id: int) -> str:
    n = system * 4096 + lpar_id
    return f"10.{64 + n // 65536}.{n // 256 % 256}.{n % 256}"
