"""A parsed migration request (migrlpar -o v|m), shared by migrlpar, validation and the engine."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .model import Lpar, ManagedSystem


@dataclass
class Mapping:
    """One element of virtual_scsi_mappings / virtual_fc_mappings:
    client_slot/dest_vios_name/dest_vios_id[/dest_vios_slot[/dest_fc_port]]."""

    client_slot: int
    dest_vios_name: str = ""
    dest_vios_id: Optional[int] = None
    dest_vios_slot: Optional[int] = None
    dest_fc_port: str = ""


@dataclass
class MspPair:
    """One element of redundant_msps: group/src_msp_name/src_msp_id/src_msp_ipaddr/dest_msp_name/dest_msp_id/
    dest_msp_ipaddr (IBM Knowledge Center, "Specifying redundant mover service partitions")."""

    group: str
    source_name: str = ""
    source_id: Optional[int] = None
    dest_name: str = ""
    dest_id: Optional[int] = None


@dataclass
class MigrationRequest:
    op: str                                   # "v" validate | "m" migrate
    source: ManagedSystem
    lpar: Lpar
    target: Optional[ManagedSystem]           # None only when the target is unknown (remote HMC unreachable)
    kind: str = "active"                      # active | inactive | suspended (from the partition state)
    remote_hmc: str = ""                      # --ip
    remote_user: str = ""                     # -u
    profile_name: str = ""                    # -n
    dest_lpar_id: Optional[int] = None
    source_msp_name: str = ""
    source_msp_id: Optional[int] = None
    dest_msp_name: str = ""
    dest_msp_id: Optional[int] = None
    shared_proc_pool_name: str = ""
    shared_proc_pool_id: Optional[int] = None
    scsi_mappings: list[Mapping] = field(default_factory=list)
    fc_mappings: list[Mapping] = field(default_factory=list)
    redundant_msps: list[MspPair] = field(default_factory=list)   # the requested pairs, primary first
    # override / redundancy flags as given (None = HMC default): redundantvios 0|1|2 (default 1),
    # mpio 1|2, vlanbridge 1|2, vsi 1|2, uuid 1|2, protectstorage 1|2, requirerr 1|2, redundantmsps 0|1|2,
    # npivval port|portdisk
    flags: dict[str, str] = field(default_factory=dict)
    wait_minutes: Optional[int] = None        # -w
    force: bool = False
    input_data: dict[str, str] = field(default_factory=dict)   # every -i / -f attribute as given


@dataclass
class Finding:
    """One validation result line."""

    code: str
    text: str                                 # full line, "HSCLxxxx ..." as printed
    warning: bool = False
    overridable_by: str = ""                  # flag that turns this error into a warning, e.g. "vlanbridge"


@dataclass
class Resolution:
    """What validation decided: the MSP pair, the destination VIOS of each client adapter, the new ID."""

    source_msp: Optional[Lpar] = None
    dest_msp: Optional[Lpar] = None
    # the second MSP pair of a migration with redundant MSPs (--redundantmsps 1|2), None without one
    redundant_source_msp: Optional[Lpar] = None
    redundant_dest_msp: Optional[Lpar] = None
    dest_lpar_id: Optional[int] = None
    scsi_dest: dict[int, str] = field(default_factory=dict)   # client slot -> destination VIOS name
    fc_dest: dict[int, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if not f.warning]
