"""Seeded fleet generator: realistic PowerVM estates of any size, optionally with injected misconfigurations.

``generate(seed=...)`` builds a :class:`~hmcsim.model.Scenario` with N HMCs, M managed systems (mixed POWER8
and POWER9, grouped into SAN groups), dual VIOS per system and K client partitions whose sizes and dirty
rates follow the ranges in lpm-model.md §2.5. With ``misconfig=0`` every client partition can be moved off
any one system: the systems of a SAN group see the same LUNs and fabrics, bridge the same VLANs, run
compatible processor modes and leave enough free memory and processor units for the others.
``misconfig`` breaks a share of the client partitions (or their VIOS, fabric or system) in ways LPM
validation must catch; ``generate_with_report`` returns the list of what was broken.

Everything is drawn from one ``random.Random(seed)``: the same arguments give the same scenario, byte for
byte once dumped (pinned in twin/tests/test_generator_pinned.py). See docs/twin.md ("Generated fleets")
for the parameters.

One concern per module:

- ``params``: the public parameters (workload classes, misconfiguration kinds, link speeds) and their check;
- ``catalogue``: machine models, firmware, VIOS and OS levels, memory sizes;
- ``plans``: what to build before building it (system and client plans, the shared random context);
- ``topology``: systems, SAN groups, HMC spread, processor generations, models and serials;
- ``partitions``: client partitions (workload, memory, processors, storage kind, VLANs, OS) and their objects;
- ``sizing``: installed memory and cores, grown until any one system of a group can be evacuated;
- ``storage``: LUNs, WWPNs, VIOS disks, FC ports and server adapters;
- ``network``: VLAN pools, trunk adapters and the SEA of a VIOS;
- ``naming``: names, addresses and DRC indexes;
- ``build``: the scenario objects from the plans;
- ``misconfig``: injected misconfigurations;
- ``fleet``: the entry points and the scenario description;
- ``cli``: ``hmcsim generate``.
"""
from __future__ import annotations

from .cli import main_generate
from .fleet import generate, generate_with_report
from .naming import drc_index
from .params import DEFAULT_LINK_GBPS, DEFAULT_WORKLOADS, LINK_SPEEDS_GBPS, MISCONFIG_KINDS, Generated, WorkloadClass

__all__ = ["DEFAULT_LINK_GBPS", "DEFAULT_WORKLOADS", "LINK_SPEEDS_GBPS", "MISCONFIG_KINDS", "Generated",
           "WorkloadClass", "drc_index", "generate", "generate_with_report", "main_generate"]
