# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The shape of the estate facts: one HMC, its managed systems and their partitions.

This is the contract between the gathering (``_estate``), the ``estate_info`` module, the
preflight rules, the evacuation planner and the inventory plugin. Everything is plain JSON data
(dicts, lists, str, int, float, bool, None) so it can be returned by a module, stored in a fact
and read back unchanged.

Conventions:

* Every key listed in a TypedDict is always present. A value the HMC or VIOS did not report is
  ``None`` (never a guessed default); an empty list means "none found".
* Memory is in MB, processors in processing units (float) or counts (int).
* Systems are keyed by managed system name, partitions by partition name, VIOS disks and FC
  ports by device name.
* Slot numbers, partition ids and VLAN ids are ints. ``remote_*`` fields are None when the HMC
  prints ``any`` (a server adapter open to any client).
* Lists are sorted (adapters by slot, mappings by server slot) so two gatherings of an unchanged
  estate compare equal.

docs/estate.md describes every field with the HMC or VIOS command it comes from.
"""

from __future__ import annotations

from typing import TypedDict

# Increase when a field is renamed or removed or changes meaning; adding fields keeps the version.
SCHEMA_VERSION = 1

PARTITION_ENVS = ("aixlinux", "vioserver", "os400")
DISK_KINDS = ("san", "internal", "lv", "optical", "file", "unknown")


class HmcFacts(TypedDict):
    """The HMC the facts were read from (``lshmc -V``)."""

    name: str  # the host name or address the connection was made to
    version: str | None  # base_version, e.g. "V7R7.8.0"
    major: int | None  # 7 for V7R7.8.0
    release: str | None  # "7.8.0"
    service_pack: str | None
    build_level: str | None
    fixes: list[str]  # fix lines, e.g. "MF71689 - HMC V10R3 M1060"


class MigrationLimits(TypedDict):
    """Mobility capability and concurrency of one managed system (``lslparmigr -r sys``)."""

    active_capable: bool | None
    inactive_capable: bool | None
    active_supported: int | None
    active_in_progress: int | None
    inactive_supported: int | None
    inactive_in_progress: int | None


class SharedProcPool(TypedDict):
    """A shared processor pool (``lshwres -r procpool``); pool 0 is DefaultPool without limits."""

    id: int
    name: str
    max_proc_units: float | None  # None for DefaultPool
    reserved_proc_units: float | None
    lpar_names: list[str]


class MemoryFacts(TypedDict):
    """Current memory of a partition (``lshwres -r mem --level lpar``); zeros while not activated."""

    mode: str | None  # "ded" or "shared" (Active Memory Sharing)
    min_mb: int | None
    current_mb: int | None
    max_mb: int | None
    huge_pages: int | None  # current 16 GB huge pages; None where not reported (VIOS)
    hpt_ratio: str | None  # "1:64"
    ame_factor: float | None  # Active Memory Expansion factor; 0.0 = off, None = not reported


class ProcessorFacts(TypedDict):
    """Current processors of a partition (``lshwres -r proc --level lpar``)."""

    mode: str | None  # "shared" or "ded"
    min_units: float | None  # processing units; None for dedicated processors
    units: float | None
    max_units: float | None
    min_procs: int | None  # virtual processors (shared) or dedicated processors
    procs: int | None
    max_procs: int | None
    sharing_mode: str | None  # cap, uncap, keep_idle_procs, share_idle_procs, ...
    uncap_weight: int | None
    pool_id: int | None
    pool_name: str | None


class ProfileIoSlot(TypedDict):
    """A physical I/O slot in a profile; a required slot cannot be removed while the partition runs."""

    drc_index: str
    is_required: bool


class ProfileFacts(TypedDict):
    """The partition's current (else default) profile (``lssyscfg -r prof``): what it gets when activated.

    For a partition that is not activated the current values of MemoryFacts/ProcessorFacts are 0,
    so this is where its size is.
    """

    name: str
    mem_mode: str | None
    min_mem_mb: int | None
    desired_mem_mb: int | None
    max_mem_mb: int | None
    ame_factor: float | None  # mem_expansion; 0.0 = off
    proc_mode: str | None
    min_proc_units: float | None
    desired_proc_units: float | None
    max_proc_units: float | None
    min_procs: int | None
    desired_procs: int | None
    max_procs: int | None
    sharing_mode: str | None
    uncap_weight: int | None
    pool_name: str | None
    io_slots: list[ProfileIoSlot]


class IoSlot(TypedDict):
    """A physical I/O slot owned by the partition (``lshwres -r io --rsubtype slot``)."""

    drc_index: str
    drc_name: str | None  # location code
    description: str | None


class VirtualEth(TypedDict):
    """A virtual Ethernet adapter (``lshwres -r virtualio --rsubtype eth --level lpar``)."""

    slot: int
    port_vlan_id: int | None
    addl_vlan_ids: list[int]
    is_trunk: bool
    trunk_priority: int | None
    ieee_virtual_eth: bool
    vswitch: str | None
    mac_addr: str | None
    is_required: bool


class VirtualScsi(TypedDict):
    """A virtual SCSI adapter (``lshwres -r virtualio --rsubtype scsi --level lpar``)."""

    slot: int
    adapter_type: str  # "client" or "server"
    remote_lpar_id: int | None
    remote_lpar_name: str | None
    remote_slot: int | None
    is_required: bool


class VirtualFc(TypedDict):
    """A virtual Fibre Channel adapter (``lshwres -r virtualio --rsubtype fc --level lpar``)."""

    slot: int
    adapter_type: str
    remote_lpar_id: int | None
    remote_lpar_name: str | None
    remote_slot: int | None
    wwpns: list[str]  # client adapters: the active and the inactive WWPN (lower case)
    is_required: bool


class VirtualSerial(TypedDict):
    """A virtual serial adapter (``lshwres -r virtualio --rsubtype serial --level lpar``)."""

    slot: int
    adapter_type: str
    supports_hmc: bool
    remote_lpar_id: int | None
    remote_lpar_name: str | None
    remote_slot: int | None
    is_required: bool


class PartitionMigration(TypedDict):
    """Migration state of a partition (``lslparmigr -r lpar``)."""

    state: str | None  # "Not Migrating", "Migration Starting", "Migration In Progress", ...
    type: str | None  # "active" or "inactive" while migrating
    dest_sys_name: str | None
    dest_lpar_id: int | None
    source_msp_name: str | None
    dest_msp_name: str | None
    bytes_transmitted: int | None
    bytes_remaining: int | None


class VioslpmFacts(TypedDict):
    """The vioslpm0 pseudo-device of a VIOS (``lsdev -dev vioslpm0 -attr``); None when absent."""

    cfg_msp_lpm_ops: int | None
    concurrency_lvl: int | None
    max_lpm_vasi: int | None
    max_vasi_ops: int | None
    tcp_port_low: int | None
    tcp_port_high: int | None
    attributes: dict[str, str]  # every attribute as printed


class Disk(TypedDict):
    """A disk (hdisk) of a VIOS.

    ``kind`` comes from ``lsdev -type disk`` for every disk. The identity and the reserve policy come
    from ``lsdev -dev hdiskN -attr``, which is read only for disks that back a vSCSI mapping
    (``vios_disks=mapped``) or for every disk (``vios_disks=all``); for other disks they are None.
    """

    name: str
    kind: str  # one of DISK_KINDS
    description: str | None
    physloc: str | None
    pvid: str | None  # None when the disk has no PVID ("none")
    unique_id: str | None  # the LUN's unique identifier, equal on every VIOS that sees the LUN
    lun_id: str | None
    reserve_policy: str | None  # no_reserve, single_path, PR_exclusive, PR_shared
    mapped: bool  # backs at least one vSCSI mapping on this VIOS


class VscsiDevice(TypedDict):
    """One virtual target device of a vSCSI server adapter."""

    vtd: str  # e.g. "vtscsi0"
    backing: str  # hdiskN, a logical volume, cd0 or a file path
    kind: str  # one of DISK_KINDS


class VscsiMapping(TypedDict):
    """A vSCSI server adapter and what it maps (``lsmap -all``), joined with the HMC adapter list."""

    server_adapter: str  # vhostN
    server_slot: int | None  # from the physical location code (-C<slot>)
    client_lpar_id: int | None  # from the HMC adapter (the VIOS reports 0 for an inactive client)
    client_lpar_name: str | None
    client_slot: int | None
    devices: list[VscsiDevice]


class NpivMapping(TypedDict):
    """A virtual FC server adapter and the physical port it is mapped to (``lsmap -all -npiv``)."""

    server_adapter: str  # vfchostN
    server_slot: int | None
    client_lpar_id: int | None
    client_lpar_name: str | None
    client_slot: int | None
    fc_port: str | None  # fcsN; None when not mapped (vfcmap not done)
    status: str | None  # LOGGED_IN, NOT_LOGGED_IN


class FcPort(TypedDict):
    """A physical FC port that supports NPIV (``lsnports``)."""

    name: str
    physloc: str | None
    npiv_capable: bool  # listed by lsnports
    fabric_npiv: bool | None  # lsnports "fabric": 1 when the switch port supports NPIV
    total_ports: int | None  # tports
    available_ports: int | None  # aports
    total_wwpns: int | None  # swwpns
    available_wwpns: int | None  # awwpns


class Sea(TypedDict):
    """A Shared Ethernet Adapter (``lsmap -all -net``, ``lsdev -dev entN -attr``, the trunk adapters)."""

    name: str  # entN of the SEA
    status: str | None  # device status, "Available"
    real_adapter: str | None  # physical (or aggregated) adapter it bridges to
    ha_mode: str | None  # disabled, auto, standby, sharing
    ctl_chan: str | None
    pvid: int | None
    pvid_adapter: str | None
    virt_adapters: list[str]  # entN of the trunk adapters
    trunk_slots: list[int]  # virtual slots of the trunk adapters (from their location codes)
    trunk_priority: int | None  # of the trunk adapters (1 = primary for ha_mode=auto)
    vlans: list[int]  # every VLAN bridged: port and additional VLAN ids of the trunk adapters
    vswitch: str | None  # virtual switch of the trunk adapters


class ViosFacts(TypedDict):
    """What only a VIOS has, read with viosvrcmd.

    ``collected`` is False when the VIOS could not be asked (not Running, RMC not active,
    ``vios_details=false`` or a failed command); ``skipped_reason`` then says why and the other
    fields hold what was read before (None or empty otherwise).
    """

    collected: bool
    skipped_reason: str | None
    ioslevel: str | None
    vioslpm0: VioslpmFacts | None
    vasi: bool | None  # a VASI adapter exists (required for a mover service partition)
    vasi_devices: list[str]
    disks: dict[str, Disk]
    vscsi_mappings: list[VscsiMapping]
    npiv_mappings: list[NpivMapping]
    fc_ports: dict[str, FcPort]
    seas: list[Sea]


class PartitionFacts(TypedDict):
    """A partition (LPAR or VIOS) of a managed system."""

    name: str
    id: int
    env: str  # one of PARTITION_ENVS
    is_vios: bool
    state: str  # Running, Not Activated, Migrating - Running, ...
    os_version: str | None
    uuid: str | None
    rmc_state: str | None  # active, inactive, none, unknown, busy
    rmc_ipaddr: str | None
    msp: bool | None  # mover service partition (VIOS)
    time_ref: bool | None  # time reference partition (VIOS)
    migration_disabled: bool | None
    resource_config: int | None  # 0 while the partition has never been activated (no configuration to migrate), else 1
    never_activated: bool | None  # resource_config == 0; None when the HMC did not report resource_config
    work_group_id: str | None
    compat_desired: str | None  # desired processor compatibility mode ("default", "POWER7", ...)
    compat_current: str | None  # the mode in effect
    curr_profile: str | None
    memory: MemoryFacts
    processors: ProcessorFacts
    profile: ProfileFacts | None  # None when the profile could not be read
    io_slots: list[IoSlot]
    virtual_eth: list[VirtualEth]
    virtual_scsi: list[VirtualScsi]
    virtual_fc: list[VirtualFc]
    virtual_serial: list[VirtualSerial]
    migration: PartitionMigration
    refcode: str | None  # last reference code ("" for a running OS)
    refcode_time: str | None
    vios: ViosFacts | None  # None for a partition that is not a VIOS


class SystemFacts(TypedDict):
    """A managed system and its partitions."""

    name: str
    type_model: str
    serial: str
    mtms: str  # "type-model*serial", the name that is unique even when names are not
    state: str  # Operating, Power Off, No Connection, ...
    ipaddr: str | None
    compat_modes: list[str]  # processor compatibility modes partitions may use
    lmb_mb: int | None  # logical memory block (memory region) size; must match for LPM
    installed_mem_mb: int | None
    configurable_mem_mb: int | None
    available_mem_mb: int | None  # free for new or incoming partitions
    firmware_mem_mb: int | None
    huge_page_size_mb: int | None
    installed_proc_units: float | None
    configurable_proc_units: float | None
    available_proc_units: float | None
    min_proc_units_per_vp: float | None
    max_lpars: int | None
    capabilities: dict[str, bool | None]  # *_capable flags; None when the HMC prints "unavailable"
    migration: MigrationLimits
    inactive_prof_policy: str | None  # "config" or "prof"
    shared_proc_pools: list[SharedProcPool]
    partitions: dict[str, PartitionFacts]


def never_activated(resource_config: int | None) -> bool | None:
    """Whether a partition has never been activated, from its ``resource_config`` (None: unknown)."""
    return None if resource_config is None else resource_config == 0


def partition_never_activated(part: object) -> bool | None:
    """``never_activated`` of partition facts, also from estates gathered before the field existed
    (``resource_config`` alone, or neither: unknown)."""
    if not isinstance(part, dict):
        return None
    flag = part.get("never_activated")
    if isinstance(flag, bool):
        return flag
    config = part.get("resource_config")
    if config is None or isinstance(config, bool):
        return None if config is None else not config
    try:
        return int(config) == 0
    except (TypeError, ValueError):
        return None


class EstateFacts(TypedDict):
    """Everything ``estate_info`` returns as ``estate``."""

    schema_version: int
    hmc: HmcFacts
    systems: dict[str, SystemFacts]
    warnings: list[str]  # what could not be read, per system or VIOS, and why
