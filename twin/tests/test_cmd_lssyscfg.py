"""lssyscfg -r sys|lpar|prof against the fact sheet (hmc-cli-facts.md §0, §1): exact lines, -F, filters, errors."""
from __future__ import annotations

import copy

import pytest

from hmcsim.estate import DEFAULT_CAPABILITIES, Estate

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"


def line(*pairs: str) -> str:
    return ",".join(pairs) + "\n"


def sys_line_p740() -> str:
    caps = ("active_lpar_mobility_capable=1,inactive_lpar_mobility_capable=1,active_lpar_share_idle_procs_capable=1,"
            "active_mem_expansion_capable=1,hardware_active_mem_expansion_capable=0,active_mem_sharing_capable=1,"
            "addr_broadcast_perf_policy_capable=0,bsr_capable=1,cod_mem_capable=0,cod_proc_capable=1,"
            "dynamic_platform_optimization_capable=0,electronic_err_reporting_capable=1,"
            "firmware_power_saver_capable=1,hardware_power_saver_capable=1,hardware_discovery_capable=1,"
            "hca_capable=0,huge_page_mem_capable=1,lhea_capable=1,lpar_avail_priority_capable=1,"
            "lpar_proc_compat_mode_capable=1,lpar_remote_restart_capable=0,powervm_lpar_remote_restart_capable=0,"
            "lpar_suspend_capable=1,micro_lpar_capable=1,os400_capable=1,os400_lpar_mobility_capable=1,"
            "5250_application_capable=0,redundant_err_path_reporting_capable=1,shared_eth_failover_capable=1,"
            "sni_msg_passing_capable=0,sp_failover_capable=1,vet_activation_capable=1,virtual_fc_capable=1,"
            "virtual_io_server_capable=1,virtual_switch_capable=1,vsn_phase2_capable=1,vsi_on_veth_capable=1")
    return line(
        f"name={P740}", "type_model=8205-E6B", "serial_num=10934CP", "ipaddr=10.33.5.40", "state=Operating",
        "detailed_state=None", "sys_time=05/12/2014 09:00:00", "power_off_policy=0", caps,
        "assign_5250_cpw_percent=0", "max_lpars=400", "max_power_ctrl_lpars=1", "max_remote_restart_capable_lpars=0",
        "max_suspend_capable_lpars=0", "hca_bandwidth_capabilities=null", "service_lpar_id=none",
        "service_lpar_name=none", '"lpar_proc_compat_modes=default,POWER5,POWER6,POWER6_Plus,POWER7"',
        "curr_sys_keylock=manual", "pend_sys_keylock=manual", "curr_power_on_side=temp", "pend_power_on_side=temp",
        "curr_power_on_speed=norm", "pend_power_on_speed=norm", "curr_power_on_speed_override=none",
        "pend_power_on_speed_override=none", "power_on_type=power on", "power_on_option=standby",
        "power_on_lpar_start_policy=userinit", "pend_power_on_option=standby",
        "pend_power_on_lpar_start_policy=userinit", "power_on_method=02", "power_on_attr=0000", "sp_boot_attr=0000",
        "sp_boot_major_type=08", "sp_boot_minor_type=01", "sp_version=00070000", "mfg_default_config=0",
        "curr_mfg_default_ipl_source=a", "pend_mfg_default_ipl_source=a", "curr_mfg_default_boot_mode=norm",
        "pend_mfg_default_boot_mode=norm")


def pairs_of(text: str) -> dict[str, str]:
    """attr=value pairs of an unquoted-only line (test helper for lines without comma-bearing values)."""
    return dict(p.split("=", 1) for p in text.strip().split(","))


# ----- -r sys -----

def test_sys_line_exact_for_v7_hmc(run) -> None:
    result = run(f"lssyscfg -r sys -m {P740}")
    assert (result.rc, result.stderr) == (0, "")
    assert result.stdout == sys_line_p740()


def test_sys_without_m_lists_every_managed_system(run) -> None:
    result = run("lssyscfg -r sys -F name,type_model,serial_num,state")
    assert result.stdout == (f"{P750},8233-E8B,069348P,Operating\n"
                             f"{P740},8205-E6B,10934CP,Operating\n")


def test_sys_by_type_model_serial(run) -> None:
    assert run("lssyscfg -r sys -m 8205-E6B*10934CP -F name").stdout == f"{P740}\n"


def test_sys_colon_delimiter(run) -> None:
    assert run("lssyscfg -r sys -F name:state:max_lpars").stdout == (
        f"{P750}:Operating:400\n{P740}:Operating:400\n")


def test_sys_compat_modes_quoted_in_f_output(run) -> None:
    result = run(f"lssyscfg -r sys -m {P750} -F lpar_proc_compat_modes")
    assert result.stdout == '"default,POWER5,POWER6,POWER6_Plus,POWER7"\n'


def test_sys_every_estate_capability_printed_with_its_value(run, estate: Estate) -> None:
    estate.systems[P740].capabilities["active_lpar_mobility_capable"] = 0
    estate.systems[P740].capabilities["custom_new_capable"] = 1
    text = run(f"lssyscfg -r sys -m {P740}").stdout
    for name in DEFAULT_CAPABILITIES:
        assert f",{name}=" in text
    assert ",active_lpar_mobility_capable=0," in text
    # a flag the tables do not know follows the known ones, before the next non-capability attribute
    assert ",vsi_on_veth_capable=1,custom_new_capable=1,assign_5250_cpw_percent=0," in text


def test_sys_time_follows_the_simulated_clock(run, estate: Estate) -> None:
    estate.clock.advance(3600 * 24 + 65)
    assert run(f"lssyscfg -r sys -m {P740} -F sys_time").stdout == "05/13/2014 09:01:05\n"


def test_sys_powered_off_reads_unavailable(run, estate: Estate) -> None:
    estate.systems[P740].state = "Power Off"
    text = run(f"lssyscfg -r sys -m {P740}").stdout
    assert ",state=Power Off," in text
    assert ",active_lpar_mobility_capable=unavailable," in text
    assert ",virtual_io_server_capable=unavailable," in text
    assert ",sp_failover_capable=1," in text            # kept, as in the powered-off capture
    assert ",huge_page_mem_capable=1," in text
    assert ",max_lpars=unavailable," in text
    assert ",service_lpar_id=unavailable," in text


def test_sys_v10_hmc_prints_v10_attributes(run, estate: Estate) -> None:
    estate.hmcs["bpichmc"].version = "V10R3"
    text = run(f"lssyscfg -r sys -m {P740}").stdout
    assert text.startswith(f"name={P740},type_model=8205-E6B,serial_num=10934CP,ipaddr=10.33.5.40,sp_type=fsp,"
                           "state=Operating,state_detail=,detailed_state=None,sys_time=05/12/2014 09:00:00,"
                           "power_off_policy=0,active_lpar_mobility_capable=1,inactive_lpar_mobility_capable=1,")
    assert text.endswith(",max_vtpm_lpars=60,supported_vtpm_versions=1.2,cluster_serial_num=none,"
                         "peer_collective_serial_num=none,lpar_keystore_min_kbytes=4,lpar_keystore_max_kbytes=64,"
                         "description=\n")
    assert "hca_capable" not in text and "service_lpar_name" not in text
    # bsr_capable is past its gate but the estate knows it, so it is still printed
    assert ",addr_broadcast_perf_policy_capable=0,aix_capable=1,bsr_capable=1,capi_capable=0," in text


def test_sys_rejects_filters(run) -> None:
    result = run('lssyscfg -r sys --filter "lpar_names=x"')
    assert result.rc == 1
    assert "The parameters that are missing or have an invalid value are --filter." in result.stdout


# ----- -r lpar -----

def test_lpar_client_line_exact(run, estate: Estate) -> None:
    uuid = estate.find_lpar(estate.systems[P750], name="b750nl2").uuid
    result = run(f"lssyscfg -r lpar -m {P750} --filter lpar_names=b750nl2")
    assert result.stdout == line(
        "name=b750nl2", "lpar_id=3", "lpar_env=aixlinux", "state=Running", "resource_config=1",
        "os_version=AIX 7.1 7100-03-03-1415", "logical_serial_num=069348P3", "default_profile=default",
        "curr_profile=default", "work_group_id=none", "shared_proc_pool_util_auth=0", "allow_perf_collection=0",
        "power_ctrl_lpar_ids=none", "boot_mode=norm", "lpar_keylock=norm", "auto_start=0",
        "redundant_err_path_reporting=0", "rmc_state=active", "rmc_ipaddr=10.33.5.30", "time_ref=0",
        "lpar_avail_priority=127", "desired_lpar_proc_compat_mode=default", "curr_lpar_proc_compat_mode=POWER7",
        "suspend_capable=0", "remote_restart_capable=0", "affinity_group_id=none", "msp=0", "migration_disabled=0",
        f"uuid={uuid}", "sync_curr_profile=0")
    assert uuid == uuid.upper() and len(uuid) == 36


def test_lpar_attribute_order_and_vios_without_boot_mode(run) -> None:
    text = run(f"lssyscfg -r lpar -m {P750} --filter lpar_names=b750vio1").stdout
    names = [p.split("=", 1)[0] for p in text.strip().split(",")]
    assert names == ["name", "lpar_id", "lpar_env", "state", "resource_config", "os_version", "logical_serial_num",
                     "default_profile", "curr_profile", "work_group_id", "shared_proc_pool_util_auth",
                     "allow_perf_collection", "power_ctrl_lpar_ids", "lpar_keylock", "auto_start",
                     "redundant_err_path_reporting", "rmc_state", "rmc_ipaddr", "time_ref", "lpar_avail_priority",
                     "desired_lpar_proc_compat_mode", "curr_lpar_proc_compat_mode", "suspend_capable",
                     "remote_restart_capable", "affinity_group_id", "msp", "migration_disabled", "uuid",
                     "sync_curr_profile"]
    values = pairs_of(text)
    assert (values["lpar_env"], values["msp"], values["time_ref"]) == ("vioserver", "1", "1")
    assert values["lpar_avail_priority"] == "191"


def test_lpar_not_activated_line(run) -> None:
    values = pairs_of(run(f"lssyscfg -r lpar -m {P750} --filter lpar_ids=9").stdout)
    assert (values["name"], values["state"], values["rmc_state"], values["rmc_ipaddr"]) == (
        "b750test1", "Not Activated", "inactive", "")
    assert values["os_version"] == "Unknown"


def test_lpar_logical_serial_uses_hex_id(run) -> None:
    assert run(f"lssyscfg -r lpar -m {P750} --filter lpar_ids=10,11 -F logical_serial_num").stdout == (
        "069348PA\n069348PB\n")


def test_lpar_f_header_sample_structure(run) -> None:
    result = run(f"lssyscfg -r lpar -m {P750} --filter lpar_names=b750test1 -F name,lpar_id,state,rmc_state --header")
    assert result.stdout == "name,lpar_id,state,rmc_state\nb750test1,9,Not Activated,inactive\n"


def test_lpar_header_without_f_is_ignored(run) -> None:
    text = run(f"lssyscfg -r lpar -m {P750} --filter lpar_ids=3 --header").stdout
    assert text.startswith("name=b750nl2,lpar_id=3,")


def test_lpar_several_names_unquoted_and_ids(run) -> None:
    assert run(f'lssyscfg -r lpar -m {P750} --filter "lpar_names=b750db1,b750vio2" -F name').stdout == (
        "b750vio2\nb750db1\n")
    assert run(f'lssyscfg -r lpar -m {P750} --filter "lpar_ids=4,2,99" -F name:lpar_id').stdout == (
        "b750vio2:2\nb750db1:4\n")


def test_lpar_unknown_name_is_hscl8012_on_stdout(run) -> None:
    result = run(f"lssyscfg -r lpar -m {P750} --filter lpar_names=zz-no-such-lpar")
    assert (result.rc, result.stderr) == (1, "")
    assert result.stdout == ("HSCL8012 The partition named zz-no-such-lpar was not found.  "
                             "Please check your entry and retry the command.\n")


def test_lpar_one_unknown_name_among_known_ones_fails(run) -> None:
    result = run(f'lssyscfg -r lpar -m {P750} --filter "lpar_names=b750nl2,ghost"')
    assert result.rc == 1 and result.stdout.startswith("HSCL8012 The partition named ghost was not found.")


def test_lpar_unknown_id_is_no_results(run) -> None:
    result = run(f"lssyscfg -r lpar -m {P750} --filter lpar_ids=77")
    assert (result.rc, result.stdout) == (0, "No results were found.\n")


def test_lpar_work_group_filter(run, estate: Estate) -> None:
    estate.find_lpar(estate.systems[P750], name="b750db1").work_group_id = "7"
    assert run(f"lssyscfg -r lpar -m {P750} --filter work_groups=7 -F name").stdout == "b750db1\n"


def test_lpar_uuid_lower_case_only(run) -> None:
    result = run(f"lssyscfg -r lpar -m {P750} -F name,UUID")
    assert result.rc == 1
    assert result.stdout == "An invalid attribute was entered. The invalid attribute is UUID. Correct the entry and retry.\n"


def test_lpar_f_with_vios_only_attribute_empty_for_vios(run) -> None:
    assert run(f'lssyscfg -r lpar -m {P750} --filter "lpar_ids=1,3" -F name,boot_mode').stdout == (
        "b750vio1,\nb750nl2,norm\n")


def test_lpar_f_without_names_prints_all_values(run) -> None:
    text = run(f"lssyscfg -r lpar -m {P750} --filter lpar_ids=3 -F").stdout
    assert text.startswith("b750nl2,3,aixlinux,Running,1,AIX 7.1 7100-03-03-1415,069348P3,")
    assert text.count("\n") == 1


def test_migrating_partition_listed_on_source_and_target(run, estate: Estate) -> None:
    source, target = estate.systems[P750], estate.systems[P740]
    mobile = estate.find_lpar(source, name="b750app1")
    mobile.state = "Migrating - Running"
    shell = copy.deepcopy(mobile)
    shell.id = 4
    target.lpars.append(shell)
    assert run(f"lssyscfg -r lpar -m {P750} --filter lpar_names=b750app1 -F name,state").stdout == (
        "b750app1,Migrating - Running\n")
    assert run(f"lssyscfg -r lpar -m {P740} -F name,lpar_id,state").stdout == (
        "b740vio1,1,Running\nb740vio2,2,Running\nb740lp1,3,Running\nb750app1,4,Migrating - Running\n")


# ----- errors -----

def test_missing_m_for_lpar(run) -> None:
    result = run("lssyscfg -r lpar")
    assert (result.rc, result.stdout) == (1, (
        "The command entered is either missing a required parameter or a parameter value is invalid. "
        "The parameters that are missing or have an invalid value are -m. Please check your entry and retry "
        "the command.\n"))


@pytest.mark.parametrize("resource", ["lpars", "system", "SYS", ""])
def test_invalid_resource(run, resource: str) -> None:
    result = run(f"lssyscfg -r '{resource}' -m {P750}")
    assert result.rc == 1
    assert "The parameters that are missing or have an invalid value are -r." in result.stdout


def test_missing_r(run) -> None:
    result = run(f"lssyscfg -m {P750}")
    assert result.rc == 1 and "have an invalid value are -r." in result.stdout


def test_invalid_flag_text_has_two_spaces(run) -> None:
    result = run(f"lssyscfg -r lpar -m {P750} --gid 3")
    assert result.stdout == ("An invalid parameter was entered.  The parameters --gid, 3 are not valid.  "
                             "Please check your entry and retry the command.\n")


def test_unknown_system(run) -> None:
    result = run("lssyscfg -r lpar -m nosuch")
    assert result.rc == 1 and result.stdout.startswith("HSCL8001 ")


def test_unknown_filter_name(run) -> None:
    result = run(f"lssyscfg -r lpar -m {P750} --filter names=b750nl2")
    assert result.rc == 1 and "are --filter." in result.stdout


def test_frames_and_system_profiles_are_empty(run) -> None:
    assert run("lssyscfg -r frame").stdout == "No results were found.\n"
    assert run(f"lssyscfg -r sysprof -m {P750}").stdout == "No results were found.\n"


# ----- -r prof -----

def test_prof_client_with_npiv_line_exact(run) -> None:
    result = run(f"lssyscfg -r prof -m {P750} --filter lpar_names=b750nl2,profile_names=default")
    assert result.stdout == line(
        "name=default", "lpar_name=b750nl2", "lpar_id=3", "lpar_env=aixlinux", "all_resources=0", "min_mem=2048",
        "desired_mem=8192", "max_mem=16384", "min_num_huge_pages=0", "desired_num_huge_pages=0",
        "max_num_huge_pages=0", "mem_mode=ded", "mem_expansion=0.0", "hpt_ratio=1:64", "proc_mode=shared",
        "min_proc_units=0.1", "desired_proc_units=0.5", "max_proc_units=2.0", "min_procs=1", "desired_procs=2",
        "max_procs=2", "sharing_mode=uncap", "uncap_weight=128", "shared_proc_pool_id=0",
        "shared_proc_pool_name=DefaultPool", "affinity_group_id=none", "io_slots=none", "lpar_io_pool_ids=none",
        "max_virtual_slots=64", '"virtual_serial_adapters=0/server/1/any//any/1,1/server/1/any//any/1"',
        '"virtual_scsi_adapters=27/client/1/b750vio1/27/0,57/client/2/b750vio2/57/0"',
        "virtual_eth_adapters=2/0/10//0/0/ETHERNET0//all/none", "vtpm_adapters=none",
        '"virtual_fc_adapters=""37/client/1/b750vio1/37/c0507603a2920084,c0507603a2920085/0"",'
        '""47/client/2/b750vio2/47/c0507603a2920086,c0507603a2920087/0"""',
        "hca_adapters=none", "boot_mode=norm", "conn_monitoring=0", "auto_start=0", "power_ctrl_lpar_ids=none",
        "work_group_id=none", "redundant_err_path_reporting=0", "bsr_arrays=0", "lhea_logical_ports=none",
        "lhea_capabilities=none", "lpar_proc_compat_mode=default", "electronic_err_reporting=null")


def test_prof_vios_line_exact(run) -> None:
    result = run(f"lssyscfg -r prof -m {P740} --filter lpar_names=b740vio1")
    assert result.stdout == line(
        "name=default", "lpar_name=b740vio1", "lpar_id=1", "lpar_env=vioserver", "all_resources=0", "min_mem=1024",
        "desired_mem=4096", "max_mem=8192", "mem_mode=ded", "mem_expansion=0.0", "hpt_ratio=1:64",
        "proc_mode=shared", "min_proc_units=0.1", "desired_proc_units=1.0", "max_proc_units=2.0", "min_procs=1",
        "desired_procs=2", "max_procs=2", "sharing_mode=uncap", "uncap_weight=128", "shared_proc_pool_id=0",
        "shared_proc_pool_name=DefaultPool", "affinity_group_id=none", "io_slots=none", "lpar_io_pool_ids=none",
        "max_virtual_slots=64", '"virtual_serial_adapters=0/server/1/any//any/1,1/server/1/any//any/1"',
        "virtual_scsi_adapters=21/server/3/b740lp1/21/0",
        '"virtual_eth_adapters=""11/1/1/10,20,30/1/0/ETHERNET0//all/none"",12/0/99//0/0/ETHERNET0//all/none"',
        "vtpm_adapters=none", "virtual_fc_adapters=none", "hca_adapters=none", "boot_mode=norm",
        "conn_monitoring=0", "auto_start=0", "power_ctrl_lpar_ids=none", "work_group_id=none",
        "redundant_err_path_reporting=0", "bsr_arrays=0", "lhea_logical_ports=none", "lhea_capabilities=none",
        "lpar_proc_compat_mode=default", "electronic_err_reporting=null")


def test_prof_owned_io_slot_and_empty_lists(run) -> None:
    text = run(f"lssyscfg -r prof -m {P750} --filter lpar_names=b750nim").stdout
    assert ",io_slots=21010207/none/0," in text
    assert ",virtual_scsi_adapters=none," in text and ",virtual_fc_adapters=none," in text


def test_prof_quoted_multi_value_filter_with_second_filter(run) -> None:
    cmd = f'lssyscfg -r prof -m {P750} --filter "\\"lpar_names=b750db1,b750db2\\",profile_names=default" -F lpar_name'
    assert run(cmd).stdout == "b750db1\nb750db2\n"


def test_prof_unknown_profile_name_is_no_results(run) -> None:
    result = run(f"lssyscfg -r prof -m {P750} --filter lpar_names=b750nl2,profile_names=nope")
    assert (result.rc, result.stdout) == (0, "No results were found.\n")


def test_prof_dedicated_processors_omit_shared_attributes(run, estate: Estate) -> None:
    lp = estate.find_lpar(estate.systems[P750], name="b750db1")
    lp.proc_mode, lp.procs, lp.sharing_mode = "ded", 3, "uncap"
    text = run(f"lssyscfg -r prof -m {P750} --filter lpar_names=b750db1").stdout
    assert ",hpt_ratio=1:64,proc_mode=ded,min_procs=1,desired_procs=3,max_procs=3,sharing_mode=share_idle_procs," \
           "affinity_group_id=none,io_slots=none," in text
    for absent in ("min_proc_units", "desired_proc_units", "uncap_weight", "shared_proc_pool_id"):
        assert absent not in text


def test_prof_f_list_attribute_nested_quotes(run) -> None:
    result = run(f"lssyscfg -r prof -m {P750} --filter lpar_names=b750db2 -F virtual_fc_adapters")
    assert result.stdout == ('"""41/client/1/b750vio1/41/c0507603a2920184,c0507603a2920185/0"",'
                             '""51/client/2/b750vio2/51/c0507603a2920186,c0507603a2920187/0"""\n')


def test_prof_v10_hmc_adds_newer_attributes(run, estate: Estate) -> None:
    estate.hmcs["bpichmc"].version = "V10R3"
    text = run(f"lssyscfg -r prof -m {P740} --filter lpar_names=b740lp1").stdout
    assert ",hpt_ratio=1:64,ppt_ratio=1:4096,proc_mode=shared," in text
    assert ",virtual_eth_vsi_profiles=none,virtual_fc_adapters=none,vnic_adapters=none,vtpm_adapters=none," \
           "boot_mode=norm," in text
    assert text.endswith(",lpar_proc_compat_mode=default,electronic_err_reporting=null,"
                         "sriov_eth_logical_ports=none,sriov_roce_logical_ports=none\n")
    assert "hca_adapters" not in text and "bsr_arrays" not in text


def test_lpar_description_on_v10_hmc(run, estate: Estate) -> None:
    estate.find_lpar(estate.systems[P750], name="b750nl2").description = "prod, do not move"
    assert "description" not in run(f"lssyscfg -r lpar -m {P750} --filter lpar_ids=3").stdout
    estate.hmcs["bpichmc"].version = "V10R3"
    text = run(f"lssyscfg -r lpar -m {P750} --filter lpar_ids=3").stdout
    assert text.endswith(',sync_curr_profile=0,"description=prod, do not move"\n')


def test_prof_vsi_profiles_on_v10_hmc(run, estate: Estate) -> None:
    estate.hmcs["bpichmc"].version = "V10R3"
    estate.find_lpar(estate.systems[P740], name="b740lp1").eth[0].vsi_profile = "1/12/3"
    text = run(f"lssyscfg -r prof -m {P740} --filter lpar_names=b740lp1 -F virtual_eth_vsi_profiles").stdout
    assert text == "2/1/12/3\n"
