"""The hardware and software catalogue generated fleets draw from: machine models, firmware, VIOS and OS levels.

Facts about real machines rather than logic; listed in docs/twin.md ("Inferred behaviour") as the place to
correct them.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MachineModel:
    type_model: str
    max_mem_gb: int
    max_cores: int
    firmware: str
    enterprise: bool


MODELS: dict[str, tuple[MachineModel, ...]] = {      # smallest first
    "POWER8": (MachineModel("8286-42A", 2048, 24, "SV860_215", False),
               MachineModel("9119-MME", 16384, 80, "SC860_215", True),
               MachineModel("9119-MHE", 32768, 192, "SC860_215", True)),
    "POWER9": (MachineModel("9009-42A", 4096, 24, "VL950_092", False),
               MachineModel("9040-MR9", 16384, 48, "VM950_092", True),
               MachineModel("9080-M9S", 65536, 192, "VH950_092", True)),
}
IOSLEVELS = {"POWER8": ("2.2.6.51", "3.1.0.21", "3.1.1.25"), "POWER9": ("3.1.1.25", "3.1.2.10", "3.1.2.21")}
OS_VERSIONS = (("AIX 7.2 7200-04-02-2028", 0.45), ("AIX 7.1 7100-05-06-2015", 0.25),
               ("Linux/Red Hat 4.18.0-193.el8.ppc64le 8.2", 0.18), ("Linux/SuSE 4.12.14-122.37-default 15.2", 0.12))
NICE_GB = (4, 6, 8, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160, 192, 256, 320, 384, 512, 640, 768, 1024,
           1536, 2048, 3072, 4096)
HMC_VERSION = ("V9R1.942.0", "0", "20200326.1")          # version, service pack, build level
CLOCK_START = "2021-06-07T08:00:00+00:00"
LMB_MB = 256
MISMATCHED_LMB_MB = 128
INTERNAL_DISK_MB = 571236        # a 600 GB SAS drive as AIX sizes it
LUN_SIZES_MB = (51200, 76800, 102400)
