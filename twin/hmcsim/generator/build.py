"""The scenario objects of a planned and sized fleet: HMCs, fabrics, systems, VIOS and client partitions."""
from __future__ import annotations

from ..model import Clock, Fabric, Hmc, Lpar, ManagedSystem, Physics, Scenario, User, Vios
from .catalogue import CLOCK_START, HMC_VERSION, IOSLEVELS, LMB_MB
from .naming import drc_index, hmc_ip, msp_ip, system_ip, system_name, vios_name
from .network import vios_ethernet
from .partitions import client_lpar
from .plans import Context, SystemPlan, groups
from .sizing import round_up
from .storage import fc_card, group_fabrics, server_adapters, vios_disks, vios_fc_ports

HMC_USER, HMC_PASSWORD = "hscroot", "abc123"
SLOW_LINK_GBPS = 10             # below this an MSP link gets cfg_msp_lpm_ops 4 (hmc-cli-facts.md §8.3)


def build(ctx: Context, seed: int, hmcs: int, plans: list[SystemPlan]) -> Scenario:
    version, service_pack, build_level = HMC_VERSION
    hmc_objs = [Hmc(name=f"hmc{h + 1:02d}", ipaddr=hmc_ip(h), version=version, service_pack=service_pack,
                    build_level=build_level, users=[User(name=HMC_USER, password=HMC_PASSWORD)])
                for h in range(hmcs)]
    for hmc in hmc_objs:
        hmc.trusted = [f"{HMC_USER}@{other.ipaddr}" for other in hmc_objs if other is not hmc]
    fabrics: list[Fabric] = []
    systems: list[ManagedSystem] = []
    for group in groups(plans):
        fab_a, fab_b = group_fabrics(group[0].group)
        fabrics += [fab_a, fab_b]
        group_luns = [lun for p in group for c in p.clients for lun in c.luns]
        for plan in group:
            systems.append(_system(ctx, plan, hmc_objs[plan.hmc].name, group, group_luns, fab_a, fab_b))
    return Scenario(name=f"fleet-{seed}", seed=seed, clock=Clock(start=CLOCK_START),
                    physics=Physics(), hmcs=hmc_objs, fabrics=fabrics, systems=systems)


def _system(ctx: Context, plan: SystemPlan, hmc: str, group: list[SystemPlan], group_luns: list[tuple[str, int]],
            fab_a: Fabric, fab_b: Fabric) -> ManagedSystem:
    model = plan.model
    assert model is not None
    most_clients = max(len(p.clients) for p in group)
    compat = "POWER8" if any(p.gen == "POWER8" for p in group) else "default"
    vios_names = [vios_name(plan, 1), vios_name(plan, 2)]
    clients = [client_lpar(ctx, plan, c, vios_names, compat, fab_a, fab_b) for c in plan.clients]
    luns = {c.lpar_id: c.luns for c in plan.clients}
    vioses = [_vios(ctx, plan, v, clients, luns, group_luns, most_clients) for v in (1, 2)]
    return ManagedSystem(
        name=system_name(plan, model), type_model=model.type_model, serial=plan.serial, hmc=hmc,
        ipaddr=system_ip(plan.index, 0), proc_type=plan.gen, firmware=model.firmware,
        lmb_mb=LMB_MB, installed_mem_mb=plan.installed_mem_mb, installed_proc_units=plan.installed_proc_units,
        max_lpars=max(1000 if model.enterprise else 400, len(plan.clients) + most_clients + 8),
        active_migrations_supported=16, inactive_migrations_supported=4,
        lpars=vioses + clients)


def _vios(ctx: Context, plan: SystemPlan, v: int, clients: list[Lpar], luns: dict[int, list[tuple[str, int]]],
          group_luns: list[tuple[str, int]], most_clients: int) -> Lpar:
    name = vios_name(plan, v)
    ioslevel = IOSLEVELS[plan.gen][plan.index % len(IOSLEVELS[plan.gen])]
    disks, hdisk = vios_disks(plan, v, group_luns)
    eth, sea = vios_ethernet(ctx, plan, v)
    scsi, fc = server_adapters(name, clients, luns, hdisk)
    vios = Vios(ioslevel=ioslevel, msp_link_gbps=plan.link_gbps, msp_ipaddr=msp_ip(plan.index, v),
                vioslpm0={"cfg_msp_lpm_ops": "4"} if plan.link_gbps < SLOW_LINK_GBPS else {},
                disks=disks, fc_ports=vios_fc_ports(plan, v), seas=[sea])
    eth_card = fc_card(v) + 1
    return Lpar(name=name, id=v, env="vioserver", os_version=f"VIOS {ioslevel}", mem_mb=plan.vios_mem_mb,
                proc_units=plan.vios_proc_units, procs=2 * int(plan.vios_proc_units),
                msp=v <= ctx.msp_pairs, time_ref=True, rmc_ipaddr=system_ip(plan.index, v),
                io_slots=[drc_index(fc_card(v)), drc_index(eth_card)],
                max_virtual_slots=max(200, round_up(24 + 2 * (len(clients) + most_clients) + 16, 100)),
                eth=eth, scsi=scsi, fc=fc, vios=vios)
