"""lshmc, lsrefcode, lssysconn and mkauthkeys (hmc-cli-facts.md §5.5, §7)."""
from __future__ import annotations

import pytest

from hmcsim.estate import Estate
from hmcsim.model import Hmc, User

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
REMOTE_IP = "10.33.9.2"
SECRET = "s3cr3t-pw"


@pytest.fixture
def remote(estate: Estate) -> Hmc:
    """A second HMC with its own hscroot account, reachable by name or address."""
    hmc = Hmc(name="remotehmc", ipaddr=REMOTE_IP, version="V8R8.1.0", users=[User("hscroot", SECRET)])
    estate.scenario.hmcs.append(hmc)
    estate.reindex()
    return hmc


# ----- lshmc -----

def test_lshmc_version_record_v7(run) -> None:
    result = run("lshmc -V")
    assert (result.rc, result.stderr) == (0, "")
    assert result.stdout == ('"version= Version: 7\n Release: 7.8.0\n Service Pack: 2\n'
                             'HMC Build level 20140411.1\n","base_version=V7R7.8.0\n"\n')


def test_lshmc_version_record_v10(run, estate: Estate) -> None:
    hmc = estate.hmcs["bpichmc"]
    hmc.version, hmc.service_pack, hmc.build_level = "V10R3", "1070", "2503010000"
    assert run("lshmc -V").stdout == ('"version= Version: 10\n Release: 3\n Service Pack: 1070\n'
                                      'HMC Build level 2503010000\n","base_version=V10R3\n"\n')


def test_lshmc_network(run) -> None:
    text = run("lshmc -n").stdout
    assert text.startswith("hostname=bpichmc,domain=,ipaddr=127.0.0.1,networkmask=255.255.255.0,gateway=,")
    assert run("lshmc -n -F hostname:ipaddr").stdout == "bpichmc:127.0.0.1\n"


def test_lshmc_needs_a_flag(run) -> None:
    result = run("lshmc")
    assert result.rc == 1 and "missing a required parameter" in result.stdout


# ----- lsrefcode -----

def test_lsrefcode_lpar_lines(run, estate: Estate) -> None:
    estate.find_lpar(estate.systems[P750], name="b750nl2").refcode = "B2001230 LP=00002"
    result = run(f'lsrefcode -r lpar -m {P750} --filter "lpar_names=b750nl2,b750test1,b750db1"')
    assert result.stdout == (
        "lpar_name=b750nl2,lpar_id=3,time_stamp=05/12/2014 09:00:00,refcode=B2001230 LP=00002,word2=03D00000,"
        "fru_call_out_loc_codes=\n"
        "lpar_name=b750db1,lpar_id=4,time_stamp=05/12/2014 09:00:00,refcode=,word2=03D00000,"
        "fru_call_out_loc_codes=\n"
        "lpar_name=b750test1,lpar_id=9,time_stamp=05/12/2014 09:00:00,refcode=00000000,word2=03D00000,"
        "fru_call_out_loc_codes=\n")


def test_lsrefcode_capture_form(run, estate: Estate) -> None:
    estate.clock.advance(90)
    cmd = f"lsrefcode -r lpar -m {P750} --filter lpar_names=b750test1 -n 3 -F lpar_name,time_stamp,refcode --header"
    assert run(cmd).stdout == "lpar_name,time_stamp,refcode\nb750test1,05/12/2014 09:01:30,00000000\n"


def test_lsrefcode_sys(run) -> None:
    assert run(f"lsrefcode -r sys -m {P740}").stdout == (
        "time_stamp=05/12/2014 09:00:00,refcode=,word2=03D00000,fru_call_out_loc_codes=\n")


@pytest.mark.parametrize("cmd, param", [
    (f"lsrefcode -r frame -m {P750}", "-r"),
    ("lsrefcode -r lpar", "-m"),
    (f"lsrefcode -r lpar -m {P750} -n 0", "-n"),
    (f"lsrefcode -r lpar -m {P750} -s x", "-s"),
])
def test_lsrefcode_errors(run, cmd: str, param: str) -> None:
    result = run(cmd)
    assert result.rc == 1 and f"have an invalid value are {param}." in result.stdout


def test_lsrefcode_unknown_partition(run) -> None:
    result = run(f"lsrefcode -r lpar -m {P750} --filter lpar_names=ghost")
    assert result.rc == 1 and result.stdout.startswith("HSCL8012 The partition named ghost was not found.")


# ----- lssysconn -----

def test_lssysconn_all(run, estate: Estate) -> None:
    estate.systems[P740].state = "No Connection"
    assert run("lssysconn -r all").stdout == (
        "resource_type=sys,type_model_serial_num=8233-E8B*069348P,sp=primary,sp_phys_loc=unavailable,"
        "ipaddr=10.33.5.20,alt_ipaddr=unavailable,state=Connected\n"
        "resource_type=sys,type_model_serial_num=8205-E6B*10934CP,sp=primary,sp_phys_loc=unavailable,"
        "ipaddr=10.33.5.40,alt_ipaddr=unavailable,state=No Connection\n")


def test_lssysconn_f(run) -> None:
    assert run("lssysconn -r all -F type_model_serial_num,state").stdout == (
        "8233-E8B*069348P,Connected\n8205-E6B*10934CP,Connected\n")


def test_lssysconn_bad_resource(run) -> None:
    assert run("lssysconn -r sys").rc == 1


# ----- mkauthkeys -----

HSCL3653 = ("HSCL3653 The Secure Shell (SSH) communication configuration between the source and destination "
            "management consoles has not been set up properly for user hscroot. Please run the mkauthkeys "
            "command to set up the SSH communication authentication keys.\n")


def test_trust_test_fails_without_trust(run, remote: Hmc) -> None:
    result = run(f"mkauthkeys --ip {REMOTE_IP} -u hscroot --test")
    assert (result.rc, result.stdout, result.stderr) == (1, HSCL3653, "")


def test_trust_flow(run, estate: Estate, remote: Hmc) -> None:
    assert run(f"mkauthkeys --ip {REMOTE_IP} -u hscroot --passwd {SECRET}").rc == 0
    assert estate.hmcs["bpichmc"].trusted == [f"hscroot@{REMOTE_IP}"]
    assert run(f"mkauthkeys --ip {REMOTE_IP} -u hscroot --test").rc == 0
    assert run("mkauthkeys --ip remotehmc -u hscroot --test").rc == 0      # by name as well
    other = run(f"mkauthkeys --ip {REMOTE_IP} -u admin --test")
    assert other.rc == 1 and "for user admin." in other.stdout
    # a second key exchange does not duplicate the trust
    assert run(f"mkauthkeys --ip remotehmc -u hscroot --passwd {SECRET}").rc == 0
    assert estate.hmcs["bpichmc"].trusted == [f"hscroot@{REMOTE_IP}"]


def test_preexisting_trust_by_name(run, estate: Estate, remote: Hmc) -> None:
    estate.hmcs["bpichmc"].trusted.append("remotehmc")
    assert run(f"mkauthkeys --ip {REMOTE_IP} -u anyone --test").rc == 0


def test_default_user_is_the_caller(run, estate: Estate, remote: Hmc) -> None:
    assert run(f"mkauthkeys --ip {REMOTE_IP} --passwd {SECRET}").rc == 0
    assert estate.hmcs["bpichmc"].trusted == [f"hscroot@{REMOTE_IP}"]


def test_wrong_password_adds_no_trust(run, estate: Estate, remote: Hmc) -> None:
    result = run(f"mkauthkeys --ip {REMOTE_IP} -u hscroot --passwd nope")
    assert result.rc == 1
    assert result.stdout == (f"HSCL3652 The authentication with the management console {REMOTE_IP} failed for "
                             "user hscroot.  Check the user name and password, and try the operation again.\n")
    assert estate.hmcs["bpichmc"].trusted == []
    assert run(f"mkauthkeys --ip {REMOTE_IP} -u hscroot --test").rc == 1


def test_unknown_remote_user(run, remote: Hmc) -> None:
    assert run(f"mkauthkeys --ip {REMOTE_IP} -u nobody --passwd {SECRET}").stdout.startswith("HSCL3652 ")


def test_unreachable_remote(run) -> None:
    result = run("mkauthkeys --ip 192.0.2.99 -u hscroot --passwd x")
    assert result.rc == 1 and result.stdout.startswith("HSCL3651 Unable to connect to the management console 192.0.2.99.")


@pytest.mark.parametrize("password", [SECRET, "nope"])
def test_password_never_logged_in_clear(run, estate: Estate, remote: Hmc, password: str) -> None:
    run(f"mkauthkeys --ip {REMOTE_IP} -u hscroot --passwd {password}")
    entry = estate.log.entries[-1]
    assert entry.argv == ["mkauthkeys", "--ip", REMOTE_IP, "-u", "hscroot", "--passwd", "********"]
    assert entry.rc == (0 if password == SECRET else 1)
    assert all(password not in arg for e in estate.log.entries for arg in e.argv)


def test_password_redacted_even_when_options_are_invalid(run, estate: Estate) -> None:
    result = run(f"mkauthkeys --ip {REMOTE_IP} --passwd {SECRET} --bogus")
    assert result.rc == 1
    assert estate.log.entries[-1].argv[-2:] == ["********", "--bogus"]


def test_mkauthkeys_needs_ip(run) -> None:
    result = run("mkauthkeys --test")
    assert result.rc == 1 and "have an invalid value are --ip." in result.stdout


def test_mkauthkeys_password_needed_without_test(run, remote: Hmc) -> None:
    result = run(f"mkauthkeys --ip {REMOTE_IP} -u hscroot")
    assert result.rc == 1 and "have an invalid value are --passwd." in result.stdout


def test_add_and_remove_local_key(run, estate: Estate) -> None:
    key = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 ops@jumphost"
    assert run(f'mkauthkeys -a "{key}"').rc == 0
    assert run(f'mkauthkeys -a "{key}"').rc == 0
    assert estate.user("bpichmc", "hscroot").authorized_keys == [key]
    assert run('mkauthkeys -r "ops@jumphost"').rc == 0
    assert estate.user("bpichmc", "hscroot").authorized_keys == []
