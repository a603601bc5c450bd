"""lshwres against the fact sheet (hmc-cli-facts.md §2): exact lines, resource arithmetic, filters, errors."""
from __future__ import annotations

import pytest

from hmcsim.estate import Estate
from hmcsim.scenario import load

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
SYSTEMS = [P750, P740]


def line(*pairs: str) -> str:
    return ",".join(pairs) + "\n"


def values(text: str) -> list[str]:
    return text.strip().split("\n")


# ----- memory -----

def test_mem_sys_line_exact(run) -> None:
    assert run(f"lshwres -r mem -m {P740} --level sys").stdout == line(
        "configurable_sys_mem=262144", "curr_avail_sys_mem=234752", "pend_avail_sys_mem=234752",
        "installed_sys_mem=262144", "deconfig_sys_mem=0", "sys_firmware_mem=2816", "mem_region_size=256",
        "configurable_num_sys_huge_pages=0", "curr_avail_num_sys_huge_pages=0", "pend_avail_num_sys_huge_pages=0",
        "max_num_sys_huge_pages=16", "requested_num_sys_huge_pages=0", "huge_page_size=16384", "max_mem_pools=1",
        "default_hpt_ratios=1:64", '"possible_hpt_ratios=1:32,1:64,1:128,1:256,1:512"')


def test_mem_sys_f_sample(run) -> None:
    assert run(f"lshwres -r mem -m {P740} --level sys -F mem_region_size,curr_avail_sys_mem").stdout == "256,234752\n"


def test_mem_region_size_is_the_lmb(run, estate: Estate) -> None:
    estate.systems[P750].lmb_mb = 128
    assert run(f"lshwres -r mem -m {P750} --level sys -F mem_region_size").stdout == "128\n"


def mem_identity(run, system: str) -> tuple[int, int, int, int]:
    installed, avail, firmware = (int(v) for v in run(
        f"lshwres -r mem -m {system} --level sys -F configurable_sys_mem,curr_avail_sys_mem,sys_firmware_mem"
    ).stdout.strip().split(","))
    used = sum(int(v) for v in values(run(f"lshwres -r mem -m {system} --level lpar -F curr_mem").stdout))
    return installed, avail, firmware, used


@pytest.mark.parametrize("system", SYSTEMS)
def test_memory_adds_up(run, estate: Estate, system: str) -> None:
    installed, avail, firmware, used = mem_identity(run, system)
    assert used + firmware + avail == installed
    ms = estate.systems[system]
    assert (avail, firmware) == (estate.avail_mem_mb(ms), estate.firmware_mem_mb(ms))


def test_memory_adds_up_after_a_partition_stops(run, estate: Estate) -> None:
    before = mem_identity(run, P750)
    lp = estate.find_lpar(estate.systems[P750], name="b750db1")
    lp.state = "Not Activated"
    installed, avail, firmware, used = mem_identity(run, P750)
    assert used + firmware + avail == installed
    assert avail - before[1] == lp.mem_mb + lp.max_mem_mb // lp.hpt_ratio   # its memory and its page table
    assert used == before[3] - lp.mem_mb


def test_mem_lpar_client_and_vios_lines(run) -> None:
    result = run(f'lshwres -r mem -m {P750} --level lpar --filter "lpar_names=b750vio1,b750nl2"')
    assert result.stdout == line(
        "lpar_name=b750vio1", "lpar_id=1", "curr_min_mem=1024", "curr_mem=4096", "curr_max_mem=8192",
        "pend_min_mem=1024", "pend_mem=4096", "pend_max_mem=8192", "run_min_mem=1024", "run_mem=4096",
        "mem_mode=ded", "curr_hpt_ratio=1:64") + line(
        "lpar_name=b750nl2", "lpar_id=3", "curr_min_mem=2048", "curr_mem=8192", "curr_max_mem=16384",
        "pend_min_mem=2048", "pend_mem=8192", "pend_max_mem=16384", "run_min_mem=2048", "run_mem=8192",
        "curr_min_num_huge_pages=0", "curr_num_huge_pages=0", "curr_max_num_huge_pages=0",
        "pend_min_num_huge_pages=0", "pend_num_huge_pages=0", "pend_max_num_huge_pages=0", "run_num_huge_pages=0",
        "mem_mode=ded", "curr_hpt_ratio=1:64")


def test_mem_lpar_not_activated_reads_zero(run) -> None:
    text = run(f"lshwres -r mem -m {P750} --level lpar --filter lpar_ids=9 -F curr_mem,pend_mem,run_mem,mem_mode")
    assert text.stdout == "0,0,0,ded\n"


def test_huge_pages_counted(run, estate: Estate) -> None:
    estate.find_lpar(estate.systems[P750], name="b750db1").huge_pages = 2
    estate.find_lpar(estate.systems[P750], name="b750test1").huge_pages = 1
    sys_text = run(f"lshwres -r mem -m {P750} --level sys -F configurable_num_sys_huge_pages,"
                   "curr_avail_num_sys_huge_pages,requested_num_sys_huge_pages").stdout
    assert sys_text == "3,1,3\n"
    assert run(f"lshwres -r mem -m {P750} --level lpar --filter lpar_ids=4 -F curr_num_huge_pages").stdout == "2\n"


# ----- processors -----

def test_proc_sys_line_exact(run) -> None:
    assert run(f"lshwres -r proc -m {P740} --level sys").stdout == line(
        "configurable_sys_proc_units=16.0", "curr_avail_sys_proc_units=13.0", "pend_avail_sys_proc_units=13.0",
        "installed_sys_proc_units=16.0", "deconfig_sys_proc_units=0", "min_proc_units_per_virtual_proc=0.05",
        "max_virtual_procs_per_lpar=64", "max_procs_per_lpar=16", "max_curr_virtual_procs_per_aixlinux_lpar=64",
        "max_curr_virtual_procs_per_vios_lpar=64", "max_curr_virtual_procs_per_os400_lpar=64",
        "max_curr_procs_per_aixlinux_lpar=16", "max_curr_procs_per_vios_lpar=16",
        "max_curr_procs_per_os400_lpar=16", "max_shared_proc_pools=64")


def test_proc_min_units_per_vp_from_system(run, estate: Estate) -> None:
    estate.systems[P740].min_proc_units_per_vp = 0.1
    assert run(f"lshwres -r proc -m {P740} --level sys -F min_proc_units_per_virtual_proc").stdout == "0.1\n"


@pytest.mark.parametrize("system", SYSTEMS)
def test_processors_add_up(run, estate: Estate, system: str) -> None:
    installed, avail = (float(v) for v in run(
        f"lshwres -r proc -m {system} --level sys -F configurable_sys_proc_units,curr_avail_sys_proc_units"
    ).stdout.strip().split(","))
    used = sum(float(v) for v in values(run(f"lshwres -r proc -m {system} --level lpar -F curr_proc_units").stdout))
    assert round(used + avail, 2) == installed
    assert avail == estate.avail_proc_units(estate.systems[system])


def test_proc_lpar_line_exact(run) -> None:
    assert run(f"lshwres -r proc -m {P750} --level lpar --filter lpar_names=b750nl2").stdout == line(
        "lpar_name=b750nl2", "lpar_id=3", "curr_shared_proc_pool_id=0", "curr_proc_mode=shared",
        "curr_min_proc_units=0.1", "curr_proc_units=0.5", "curr_max_proc_units=2.0", "curr_min_procs=1",
        "curr_procs=2", "curr_max_procs=2", "curr_sharing_mode=uncap", "curr_uncap_weight=128",
        "pend_shared_proc_pool_id=0", "pend_proc_mode=shared", "pend_min_proc_units=0.1", "pend_proc_units=0.5",
        "pend_max_proc_units=2.0", "pend_min_procs=1", "pend_procs=2", "pend_max_procs=2",
        "pend_sharing_mode=uncap", "pend_uncap_weight=128", "run_proc_units=0.5", "run_procs=2",
        "run_uncap_weight=128")


def test_proc_lpar_not_activated_reads_zero(run) -> None:
    assert run(f"lshwres -r proc -m {P750} --level lpar --filter lpar_ids=9 "
               "-F curr_proc_units,curr_procs,pend_procs,run_proc_units,run_uncap_weight").stdout == "0.0,0,0,0.0,0\n"


def test_proc_lpar_dedicated(run, estate: Estate) -> None:
    lp = estate.find_lpar(estate.systems[P740], name="b740lp1")
    lp.proc_mode, lp.procs, lp.sharing_mode = "ded", 2, "keep_idle_procs"
    assert run(f"lshwres -r proc -m {P740} --level lpar --filter lpar_ids=3").stdout == line(
        "lpar_name=b740lp1", "lpar_id=3", "curr_proc_mode=ded", "curr_min_procs=1", "curr_procs=2",
        "curr_max_procs=2", "curr_sharing_mode=keep_idle_procs", "pend_proc_mode=ded", "pend_min_procs=1",
        "pend_procs=2", "pend_max_procs=2", "pend_sharing_mode=keep_idle_procs", "run_procs=2")
    # dedicated processors leave the shared pool: 16 - 2 VIOS units - 2 processors
    assert run(f"lshwres -r proc -m {P740} --level pool").stdout == line(
        "configurable_pool_proc_units=14.0", "curr_avail_pool_proc_units=12.0", "pend_avail_pool_proc_units=12.0",
        "borrowed_pool_proc_units=0.0")


def test_shared_processor_pools(run) -> None:
    assert run(f"lshwres -r procpool -m {P740}").stdout == (
        'name=DefaultPool,shared_proc_pool_id=0,"lpar_names=b740vio1,b740vio2,b740lp1","lpar_ids=1,2,3"\n')


def test_shared_processor_pool_filter(run) -> None:
    assert run(f"lshwres -r procpool -m {P740} --filter pool_names=DefaultPool -F shared_proc_pool_id").stdout == "0\n"
    assert run(f"lshwres -r procpool -m {P740} --filter pool_ids=5").stdout == "No results were found.\n"


# ----- virtual I/O -----

def test_virtual_scsi_client_and_server(run) -> None:
    assert run(f"lshwres -r virtualio --rsubtype scsi -m {P740} --level lpar").stdout == (
        "lpar_name=b740vio1,lpar_id=1,slot_num=21,state=1,is_required=0,adapter_type=server,remote_lpar_id=3,"
        "remote_lpar_name=b740lp1,remote_slot_num=21\n"
        "lpar_name=b740vio2,lpar_id=2,slot_num=51,state=1,is_required=0,adapter_type=server,remote_lpar_id=3,"
        "remote_lpar_name=b740lp1,remote_slot_num=51\n"
        "lpar_name=b740lp1,lpar_id=3,slot_num=21,state=1,is_required=0,adapter_type=client,remote_lpar_id=1,"
        "remote_lpar_name=b740vio1,remote_slot_num=21\n"
        "lpar_name=b740lp1,lpar_id=3,slot_num=51,state=1,is_required=0,adapter_type=client,remote_lpar_id=2,"
        "remote_lpar_name=b740vio2,remote_slot_num=51\n")


def test_virtual_fc_quoted_wwpns(run) -> None:
    text = run(f'lshwres -r virtualio --rsubtype fc -m {P750} --level lpar --filter "lpar_names=b750db2"').stdout
    assert text == (
        "lpar_name=b750db2,lpar_id=5,slot_num=41,adapter_type=client,state=1,is_required=0,remote_lpar_id=1,"
        'remote_lpar_name=b750vio1,remote_slot_num=41,"wwpns=c0507603a2920184,c0507603a2920185"\n'
        "lpar_name=b750db2,lpar_id=5,slot_num=51,adapter_type=client,state=1,is_required=0,remote_lpar_id=2,"
        'remote_lpar_name=b750vio2,remote_slot_num=51,"wwpns=c0507603a2920186,c0507603a2920187"\n')


def test_virtual_fc_server_has_no_wwpns(run) -> None:
    text = run(f"lshwres -r virtualio --rsubtype fc -m {P750} --level lpar --filter lpar_ids=2").stdout
    assert "wwpns" not in text and len(values(text)) == 5
    assert values(text)[0] == ("lpar_name=b750vio2,lpar_id=2,slot_num=47,adapter_type=server,state=1,"
                               "is_required=0,remote_lpar_id=3,remote_lpar_name=b750nl2,remote_slot_num=47")


def test_virtual_fc_f_wwpns(run) -> None:
    assert run(f"lshwres -r virtualio --rsubtype fc -m {P750} --level lpar --filter lpar_ids=9 "
               "-F slot_num:wwpns").stdout == (
        '45:"c0507603a2920384,c0507603a2920385"\n55:"c0507603a2920386,c0507603a2920387"\n')


def test_virtual_eth_trunk_and_client(run, estate: Estate) -> None:
    vio = estate.find_lpar(estate.systems[P740], name="b740vio1")
    macs = [a.mac_addr for a in vio.eth]
    assert run(f"lshwres -r virtualio --rsubtype eth -m {P740} --level lpar --filter lpar_ids=1").stdout == (
        "lpar_name=b740vio1,lpar_id=1,slot_num=11,state=1,is_required=0,is_trunk=1,trunk_priority=1,"
        f'ieee_virtual_eth=1,port_vlan_id=1,vswitch=ETHERNET0,"addl_vlan_ids=10,20,30",mac_addr={macs[0]},'
        "allowed_os_mac_addrs=all,qos_priority=none\n"
        "lpar_name=b740vio1,lpar_id=1,slot_num=12,state=1,is_required=0,is_trunk=0,ieee_virtual_eth=0,"
        f"port_vlan_id=99,vswitch=ETHERNET0,addl_vlan_ids=,mac_addr={macs[1]},allowed_os_mac_addrs=all,"
        "qos_priority=none\n")
    assert all(len(m) == 12 and m == m.upper() for m in macs)


def test_virtual_slots(run) -> None:
    assert run(f'lshwres -r virtualio --rsubtype slot -m {P740} --level lpar --filter "lpar_ids=1,3"').stdout == (
        "lpar_name=b740vio1,lpar_id=1,curr_max_virtual_slots=64,pend_max_virtual_slots=64,"
        "next_avail_virtual_slot=2\n"
        "lpar_name=b740lp1,lpar_id=3,curr_max_virtual_slots=64,pend_max_virtual_slots=64,"
        "next_avail_virtual_slot=3\n")


def test_virtual_serial_of_inactive_partition(run) -> None:
    assert run(f"lshwres -r virtualio --rsubtype serial -m {P750} --level lpar --filter lpar_ids=9").stdout == (
        "lpar_name=b750test1,lpar_id=9,slot_num=1,state=0,is_required=1,connect_status=unavailable,"
        "adapter_type=server,supports_hmc=1,remote_lpar_id=any,remote_lpar_name=,remote_slot_num=any\n"
        "lpar_name=b750test1,lpar_id=9,slot_num=0,state=0,is_required=1,connect_status=unavailable,"
        "adapter_type=server,supports_hmc=1,remote_lpar_id=any,remote_lpar_name=,remote_slot_num=any\n")


def test_virtual_switches(run) -> None:
    assert run(f"lshwres -r virtualio --rsubtype vswitch -m {P740}").stdout == (
        'vswitch=ETHERNET0,switch_mode=VEB,"vlan_ids=1,10,20,30,99"\n')


def test_unmodelled_virtual_subtype_is_empty(run) -> None:
    assert run(f"lshwres -r virtualio --rsubtype vnic -m {P740} --level lpar").stdout == "No results were found.\n"


# ----- physical I/O -----

def test_io_slots_owned_and_unassigned(run) -> None:
    lines = values(run(f"lshwres -r io --rsubtype slot -m {P750}").stdout)
    assert len(lines) == 5
    assert lines[0] == (
        "unit_phys_loc=U8233.E8B.069348P,bus_id=7,phys_loc=C1,drc_index=21010207,lpar_name=b750nim,lpar_id=11,"
        "slot_io_pool_id=none,description=8 Gigabit PCI Express Dual Port Fibre Channel Adapter,"
        "feature_codes=5735,pci_vendor_id=10DF,pci_device_id=F100,pci_subs_vendor_id=10DF,pci_subs_device_id=F100,"
        "pci_class=0C04,pci_revision_id=03,bus_grouping=0,iop=0,parent_slot_drc_index=none,"
        "drc_name=U8233.E8B.069348P-P1-C1,interposer_present=0,interposer_pcie=0")
    for unassigned in lines[1:]:
        assert ",lpar_id=none,slot_io_pool_id=none," in unassigned
        assert "lpar_name=" not in unassigned


def test_io_slots_are_deterministic() -> None:
    from hmcsim import records
    first, second = (Estate(load("seed-lab"), manual_clock=True) for _ in range(2))
    assert records.io_slot_records(first, first.systems[P740]) == records.io_slot_records(second, second.systems[P740])
    drcs = [r["drc_index"] for r in records.io_slot_records(first, first.systems[P740])]
    assert len(drcs) == len(set(drcs)) == 4


def test_io_slots_follow_ownership(run, estate: Estate) -> None:
    estate.find_lpar(estate.systems[P740], name="b740lp1").io_slots.append("21030004")
    assert run(f"lshwres -r io --rsubtype slot -m {P740} --filter lpar_names=b740lp1 "
               "-F drc_index,lpar_name,lpar_id,bus_id,phys_loc").stdout == "21030004,b740lp1,3,4,C3\n"
    assert run(f"lshwres -r io --rsubtype slot -m {P750} --filter lpar_ids=3").stdout == "No results were found.\n"


def test_feature_codes_with_commas_are_quoted() -> None:
    from hmcsim import records
    from hmcsim.formats import render_default
    estate = Estate(load("seed-lab"), manual_clock=True)
    ms = estate.systems[P740]
    texts = [render_default(records.io_slot_record(estate, ms, f"2101{n:04X}", None)) for n in range(1, 60)]
    assert any('"feature_codes=5769,5772"' in t for t in texts)


def test_hea_is_empty(run) -> None:
    assert (run(f"lshwres -r hea -m {P750}").rc, run(f"lshwres -r hea -m {P750}").stdout) == (
        0, "No results were found.\n")


# ----- errors and filters -----

@pytest.mark.parametrize("cmd, param", [
    ("lshwres -r mem --level sys", "-m"),
    (f"lshwres -r nonsense -m {P750}", "-r"),
    (f"lshwres -r mem -m {P750}", "--level"),
    (f"lshwres -r mem -m {P750} --level pool", "--level"),
    (f"lshwres -r virtualio -m {P750} --level lpar", "--rsubtype"),
    (f"lshwres -r virtualio --rsubtype disk -m {P750} --level lpar", "--rsubtype"),
    (f"lshwres -r virtualio --rsubtype eth -m {P750} --level sys", "--level"),
    (f"lshwres -r io -m {P750}", "--rsubtype"),
    (f"lshwres -r mem -m {P750} --level sys --filter lpar_names=b750nl2", "--filter"),
    (f"lshwres -r mem -m {P750} --level lpar --filter lpar_ids=x", "--filter"),
])
def test_parameter_errors(run, cmd: str, param: str) -> None:
    result = run(cmd)
    assert result.rc == 1 and result.stderr == ""
    assert f"The parameters that are missing or have an invalid value are {param}. " in result.stdout


def test_unknown_partition_in_filter(run) -> None:
    result = run(f"lshwres -r virtualio --rsubtype scsi -m {P750} --level lpar --filter lpar_names=nobody")
    assert (result.rc, result.stdout) == (1, "HSCL8012 The partition named nobody was not found.  "
                                             "Please check your entry and retry the command.\n")


def test_invalid_attribute_in_f(run) -> None:
    result = run(f"lshwres -r mem -m {P750} --level sys -F mem_region_size,lmb_size")
    assert (result.rc, result.stdout) == (
        1, "An invalid attribute was entered. The invalid attribute is lmb_size. Correct the entry and retry.\n")


def test_header_with_f(run) -> None:
    assert run(f"lshwres -r mem -m {P750} --level lpar --filter lpar_ids=1 -F lpar_name:curr_mem --header").stdout == (
        "lpar_name:curr_mem\nb750vio1:4096\n")


def test_filter_matching_nothing_is_no_results(run) -> None:
    result = run(f"lshwres -r virtualio --rsubtype fc -m {P740} --level lpar")
    assert (result.rc, result.stdout) == (0, "No results were found.\n")
