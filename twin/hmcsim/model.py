"""The twin's state model: HMCs, managed systems, partitions, VIOS, fabrics.

The same dataclasses describe a scenario file (YAML) and the live state the commands read and change.
Field names are the scenario keys; see docs/twin.md for the schema.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass
class User:
    name: str
    password: Optional[str] = None
    authorized_keys: list[str] = field(default_factory=list)
    role: str = "hmcsuperadmin"


# Channel open failure reasons (RFC 4254) an HMC's sshd may refuse a session beyond its limit with.
SSH_SESSION_REFUSALS = {"connect_failed": 2, "administratively_prohibited": 1}


@dataclass
class Hmc:
    name: str
    ipaddr: str = "127.0.0.1"
    version: str = "V8R8.1.0"
    service_pack: str = "0"
    build_level: str = "20140411.1"
    ssh_port: Optional[int] = None
    # session channels one SSH connection may have open at once; the next is refused as OpenSSH's sshd
    # refuses a channel beyond MaxSessions (10 is OpenSSH's default; what an HMC sets is not known)
    ssh_max_sessions: int = 10
    # the reason of that refusal: connect_failed (2) as OpenSSH 9.2 answers, administratively_prohibited (1)
    # as older releases did
    ssh_session_refusal: str = "connect_failed"
    users: list[User] = field(default_factory=list)
    # remote HMCs (by ipaddr or name) to which SSH key trust exists, per local user: "user@remote"
    trusted: list[str] = field(default_factory=list)


@dataclass
class Fabric:
    """A SAN fabric: which WWPNs are zoned to storage, and which LUNs the zoned WWPNs see."""

    name: str
    zoned_wwpns: list[str] = field(default_factory=list)


@dataclass
class Disk:
    name: str
    lun: str                       # unique id of the LUN behind the disk; same LUN seen by several VIOS
    size_mb: int = 51200
    reserve_policy: str = "no_reserve"
    kind: str = "san"              # san | internal | lv (a logical volume used as backing device)
    pvid: str = "none"
    vendor: str = "IBM"
    pending_attrs: dict[str, str] = field(default_factory=dict)  # chdev -perm values not yet in effect


@dataclass
class FcPort:
    name: str
    fabric: str = ""
    npiv: bool = True
    physloc: str = ""
    tports: int = 64
    aports: int = 64
    swwpns: int = 2048
    awwpns: int = 2048


@dataclass
class Sea:
    name: str
    real_adapter: str = "ent0"
    pvid_adapter: str = "ent4"
    trunk_slots: list[int] = field(default_factory=list)   # slots of the trunk virtual adapters it bridges
    ctl_chan: str = ""
    ha_mode: str = "auto"
    priority: int = 1
    state: str = "PRIMARY"
    link_up: bool = True
    jumbo_frames: str = "no"
    largesend: int = 1
    large_receive: str = "yes"


@dataclass
class Vios:
    """What only a VIOS has: ioslevel, devices, mover service attributes."""

    ioslevel: str = "2.2.3.3"
    vasi: bool = True
    msp_link_gbps: float = 10.0           # speed of the network the MSP moves memory over
    msp_ipaddr: str = ""
    vioslpm0: dict[str, str] = field(default_factory=dict)   # overrides of the vioslpm0 attribute defaults
    disks: list[Disk] = field(default_factory=list)
    fc_ports: list[FcPort] = field(default_factory=list)
    seas: list[Sea] = field(default_factory=list)
    logical_volumes: list[str] = field(default_factory=list)
    optical: list[str] = field(default_factory=list)          # cd0, file-backed vtopt devices
    time_of_day_offset_s: float = 0.0
    # chdev values, by device name, of attributes that have no field of their own in this model
    device_attrs: dict[str, dict[str, str]] = field(default_factory=dict)
    # chdev -perm values not yet in effect, by device name, for devices other than disks
    # (a disk keeps them in Disk.pending_attrs); applied when the VIOS restarts
    pending_attrs: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class VEth:
    slot: int
    port_vlan_id: int = 1
    addl_vlan_ids: list[int] = field(default_factory=list)
    is_trunk: bool = False
    trunk_priority: int = 1
    ieee_virtual_eth: bool = False
    vswitch: str = "ETHERNET0"
    mac_addr: str = ""
    is_required: bool = False
    vsi_profile: str = ""                 # VSI profile (manager/type/version) for VEPA switching; "" = none


@dataclass
class VScsi:
    slot: int
    adapter_type: str = "client"   # client | server
    remote_lpar: str = ""          # partition name on the other end; "any" for a server adapter open to all
    remote_slot: int = 0
    is_required: bool = False
    backing: list[str] = field(default_factory=list)  # server side: backing devices (hdiskN, lv, cd0, vtopt)


@dataclass
class VFc:
    slot: int
    adapter_type: str = "client"
    remote_lpar: str = ""
    remote_slot: int = 0
    wwpns: list[str] = field(default_factory=list)   # client side: the active and the inactive WWPN
    is_required: bool = False
    fc_port: str = ""                                # server side: physical FC port mapped (vfcmap)


@dataclass
class Workload:
    """How the partition uses memory; drives the pre-copy physics."""

    dirty_rate_mbs: float = 20.0
    wws_pct: float = 2.0
    touched_fraction: float = 0.7


@dataclass
class Profile:
    name: str = "default"
    io_slots: list[str] = field(default_factory=list)


@dataclass
class Lpar:
    name: str
    id: int
    env: str = "aixlinux"                 # aixlinux | vioserver | os400
    state: str = "Running"
    os_version: str = "AIX 7.1 7100-03-03-1415"
    uuid: str = ""
    mem_mb: int = 8192
    min_mem_mb: int = 0
    max_mem_mb: int = 0
    mem_mode: str = "ded"                 # ded | shared (AMS)
    mem_expansion: float = 0.0            # AME factor, 0 = off
    hpt_ratio: int = 64
    proc_mode: str = "shared"             # shared | ded
    proc_units: float = 1.0
    min_proc_units: float = 0.0
    max_proc_units: float = 0.0
    procs: int = 2                        # virtual processors (shared) or dedicated processors
    sharing_mode: str = "uncap"
    uncap_weight: int = 128
    shared_proc_pool: str = "DefaultPool"
    compat_desired: str = "default"
    compat_current: str = ""              # empty: derived from the system's processor
    rmc_state: str = "active"
    rmc_ipaddr: str = ""
    msp: bool = False
    time_ref: bool = False
    migration_disabled: bool = False
    huge_pages: int = 0
    bsr_arrays: int = 0
    work_group_id: str = "none"
    redundant_err_path_reporting: bool = False
    suspend_capable: bool = False
    ibmi_restricted_io: bool = False
    service_partition: bool = False
    ever_activated: bool = True
    open_console: bool = False
    lhea_ports: list[str] = field(default_factory=list)
    sriov_ports: list[str] = field(default_factory=list)
    io_slots: list[str] = field(default_factory=list)      # physical I/O slot DRC indexes owned
    max_virtual_slots: int = 64
    eth: list[VEth] = field(default_factory=list)
    scsi: list[VScsi] = field(default_factory=list)
    fc: list[VFc] = field(default_factory=list)
    serial_slots: list[int] = field(default_factory=lambda: [0, 1])
    required_serial_slots: list[int] = field(default_factory=list)
    profiles: list[Profile] = field(default_factory=lambda: [Profile()])
    curr_profile: str = "default"
    default_profile: str = "default"
    refcode: str = ""
    description: str = ""                 # free text set with chsyscfg -r lpar -i description=...
    workload: Workload = field(default_factory=Workload)
    vios: Optional[Vios] = None


@dataclass
class ProcPool:
    id: int
    name: str
    max_proc_units: float = 0.0     # 0: unlimited (DefaultPool)
    reserved_proc_units: float = 0.0


@dataclass
class ManagedSystem:
    name: str
    type_model: str
    serial: str
    hmc: str
    state: str = "Operating"
    ipaddr: str = ""
    proc_type: str = "POWER7"
    compat_modes: list[str] = field(default_factory=list)   # empty: derived from proc_type
    firmware: str = "AM780_056"
    lmb_mb: int = 256
    installed_mem_mb: int = 262144
    firmware_mem_base_mb: int = 2048
    installed_proc_units: float = 32.0
    min_proc_units_per_vp: float = 0.05
    max_lpars: int = 400
    capabilities: dict[str, int] = field(default_factory=dict)   # overrides of the default capability flags
    active_migrations_supported: int = 8
    inactive_migrations_supported: int = 4
    inactive_prof_policy: str = "config"
    shared_proc_pools: list[ProcPool] = field(default_factory=lambda: [ProcPool(0, "DefaultPool")])
    reserved_storage_mb: int = 0            # reserved storage device pool (suspend-capable partitions)
    ams_paging_devices: int = 0             # free paging devices for AMS partitions
    huge_page_mb: int = 16384
    lpars: list[Lpar] = field(default_factory=list)


@dataclass
class Physics:
    """Migration physics parameters (lpm-model.md §2.5). All are estimates meant to be calibrated."""

    t_validate_s: float = 20.0
    t_create_s: float = 30.0
    t_msp_setup_s: float = 10.0
    t_cleanup_s: float = 30.0
    t_suspend_s: float = 1.0
    t_inactive_copy_s: float = 15.0           # inactive migration: configuration only
    v_th_seconds: float = 2.0                 # stop pre-copy when what is left takes this long
    n_max: int = 8
    # effective payload per link speed (Gbit/s -> MB/s) and what one migration stream can reach on it
    link_payload_mbs: dict[str, float] = field(default_factory=lambda: {
        "1": 100.0, "10": 1100.0, "25": 2500.0, "40": 3500.0, "100": 6000.0})
    stream_mbs: dict[str, float] = field(default_factory=lambda: {
        "1": 100.0, "10": 1000.0, "25": 1400.0, "40": 1600.0, "100": 2000.0})
    failure_probability: float = 0.0


@dataclass
class Clock:
    start: str = "2014-05-12T09:00:00+00:00"
    speed: float = 1.0


@dataclass
class Scenario:
    name: str
    description: str = ""
    seed: int = 1
    clock: Clock = field(default_factory=Clock)
    physics: Physics = field(default_factory=Physics)
    hmcs: list[Hmc] = field(default_factory=list)
    fabrics: list[Fabric] = field(default_factory=list)
    systems: list[ManagedSystem] = field(default_factory=list)
