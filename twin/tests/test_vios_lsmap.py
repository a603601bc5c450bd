"""lsmap through viosvrcmd: vSCSI, NPIV and network layouts, -fmt/-field, names derived from slots."""
from __future__ import annotations

from hmcsim.model import VScsi
from vios_helpers import P740, WRAPPER, lpar, on_vios

# Heading lines of the real captures in hmc-cli-facts.md §8.5
VSCSI_HEADING = ("SVSA            Physloc                                      Client Partition ID\n"
                 "--------------- -------------------------------------------- ------------------\n")
NPIV_HEADING = ("Name          Physloc                            ClntID ClntName       ClntOS\n"
                "------------- ---------------------------------- ------ -------------- -------\n")
NET_HEADING = "SVEA   Physloc\n------ --------------------------------------------\n"

VHOST0_740 = VSCSI_HEADING + """\
vhost0          U8205.E6B.10934CP-V1-C21                     0x00000003

VTD                   vtscsi0
Status                Available
LUN                   0x8100000000000000
Backing device        hdisk6
Physloc               U78AA.001.WZSH0K1-P1-C2-T1-W5005076801CE0F48-L5000000000000
Mirrored              false

"""

NET_740 = NET_HEADING + """\
ent4   U8205.E6B.10934CP-V1-C11-T1

SEA                   ent8
Backing device        ent0
Status                Available
Physloc               U78AA.001.WZSH0K1-P1-C4-T1

""" + NET_HEADING + """\
ent5   U8205.E6B.10934CP-V1-C12-T1

SEA                   NO SHARED ETHERNET ADAPTER FOUND

"""

VFCHOST0 = NPIV_HEADING + """\
vfchost0      U8233.E8B.069348P-V1-C37                3 b750nl2        AIX

Status:LOGGED_IN
FC name:fcs0                    FC loc code:U78A0.001.DNWK7G4-P1-C3-T1
Ports logged in:3
Flags:a<LOGGED_IN,STRIP_MERGE>
VFC client name:fcs0            VFC client DRC:U8233.E8B.069348P-V3-C37-T1

"""

VFCHOST3 = NPIV_HEADING + """\
vfchost3      U8233.E8B.069348P-V1-C45

Status:NOT_LOGGED_IN
FC name:fcs0                    FC loc code:U78A0.001.DNWK7G4-P1-C3-T1
Ports logged in:0
Flags:4<NOT_LOGGED>
VFC client name:                VFC client DRC:

"""


def on_740(run, command):
    return on_vios(run, command, vios="b740vio1", system=P740)


def test_vscsi_default_layout(run):
    result = on_740(run, "lsmap -all")
    assert (result.rc, result.stdout) == (0, VHOST0_740)


def test_vadapter_selects_one_adapter(run):
    assert on_740(run, "lsmap -vadapter vhost0").stdout == VHOST0_740


def test_adapter_without_a_target_device(run, estate):
    lpar(estate, "b740vio1")[1].scsi.append(VScsi(slot=23, adapter_type="server", remote_lpar="b740lp1",
                                                  remote_slot=23))
    result = on_740(run, "lsmap -vadapter vhost1")
    assert result.stdout == (VSCSI_HEADING
                             + "vhost1          U8205.E6B.10934CP-V1-C23                     0x00000003\n\n"
                             + "NO VIRTUAL TARGET DEVICE FOUND\n\n")


def test_client_partition_id_is_zero_while_the_client_is_down(run, estate):
    lpar(estate, "b740lp1")[1].state = "Not Activated"
    row = on_740(run, "lsmap -all").stdout.splitlines()[2]
    assert row.split() == ["vhost0", "U8205.E6B.10934CP-V1-C21", "0x00000000"]


def test_names_follow_slot_order_not_list_order(run, estate):
    vio = lpar(estate, "b740vio1")[1]
    vio.scsi.append(VScsi(slot=15, adapter_type="server", remote_lpar="b740lp1", remote_slot=15, backing=["hdisk2"]))
    lines = on_740(run, "lsmap -all -field svsa physloc vtd backing -fmt :").stdout.splitlines()
    assert lines == ["vhost0:U8205.E6B.10934CP-V1-C15:vtscsi0:hdisk2",
                     "vhost1:U8205.E6B.10934CP-V1-C21:vtscsi1:hdisk6"]
    vio.scsi.reverse()
    assert on_740(run, "lsmap -all -field svsa physloc vtd backing -fmt :").stdout.splitlines() == lines


def test_several_targets_per_adapter_in_fmt_form(run, estate):
    vio = lpar(estate, "b740vio1")[1]
    vio.scsi[0].backing.append("hdisk2")
    assert on_740(run, "lsmap -all -field svsa clientid lun backing -fmt :").stdout == (
        "vhost0:0x00000003:0x8100000000000000:hdisk6:0x8200000000000000:hdisk2\n")
    assert on_740(run, "lsmap -vadapter vhost0 -field backing -fmt :").stdout == "hdisk6:hdisk2\n"


def test_default_fmt_fields(run):
    assert on_740(run, "lsmap -all -fmt :").stdout == (
        "vhost0:U8205.E6B.10934CP-V1-C21:0x00000003:vtscsi0:Available:0x8100000000000000:hdisk6:"
        "U78AA.001.WZSH0K1-P1-C2-T1-W5005076801CE0F48-L5000000000000:false\n")


def test_heading_names_as_fields(run):
    result = on_740(run, 'lsmap -all -field svsa vtd "Client Partition ID" Physloc -fmt :')
    assert result.stdout == "vhost0:0x00000003:U8205.E6B.10934CP-V1-C21:vtscsi0\n"


def test_fields_without_delimiter_are_labelled(run):
    assert on_740(run, "lsmap -all -field svsa vtd backing").stdout == (
        "SVSA                  vhost0\n\nVTD                   vtscsi0\nBacking device        hdisk6\n\n")


def test_optical_and_file_backed_targets(run, estate):
    vio = lpar(estate, "b740vio1")[1]
    vio.vios.optical += ["cd0", "aix71.iso"]
    vio.scsi.append(VScsi(slot=25, adapter_type="server", remote_lpar="b740lp1", remote_slot=25,
                          backing=["cd0", "/var/vio/VMLibrary/aix71.iso"]))
    lines = on_740(run, "lsmap -all -type optical file_opt -field svsa vtd lun backing bdphysloc -fmt ,").stdout
    assert lines == ("vhost1,vtopt0,0x8100000000000000,cd0,U78AA.001.WZSH0K1-P2-D9,"
                     "vtopt1,0x8200000000000000,/var/vio/VMLibrary/aix71.iso,\n")
    assert on_740(run, "lsmap -all -type disk -field svsa -fmt ,").stdout == "vhost0\n"
    virtual = on_740(run, "lsdev -virtual -field name description -fmt :").stdout.splitlines()
    assert "vtopt0:Virtual Target Device - Optical Media" in virtual
    assert "vtopt1:Virtual Target Device - File-backed Optical" in virtual


def test_not_a_server_adapter(run):
    assert on_740(run, "lsmap -vadapter ent4").stdout == (
        WRAPPER + 'Device "ent4" is not a Server Virtual SCSI Adapter (SVSA).\n')
    assert on_740(run, "lsmap -vadapter vhost0 -npiv").stdout == (
        WRAPPER + 'Device "vhost0" is not a Server Virtual Fibre Channel Adapter (SVFC).\n')


def test_all_or_vadapter_is_required(run):
    result = on_740(run, "lsmap -npiv")
    assert (result.rc, result.stdout) == (1, WRAPPER + 'lsmap: The "-all" flag is required.\n')


def test_npiv_logged_in_layout(run):
    assert on_vios(run, "lsmap -vadapter vfchost0 -npiv").stdout == VFCHOST0


def test_npiv_client_not_running(run):
    assert on_vios(run, "lsmap -vadapter vfchost3 -npiv").stdout == VFCHOST3


def test_npiv_adapter_not_mapped_to_a_port(run, estate):
    adapter = next(a for a in lpar(estate, "b750vio1")[1].fc if a.slot == 37)
    adapter.fc_port = ""
    lines = on_vios(run, "lsmap -vadapter vfchost0 -npiv").stdout.splitlines()
    assert lines[4:9] == ["Status:NOT_LOGGED_IN", "FC name:                        FC loc code:", "Ports logged in:0",
                          "Flags:1<NOT_MAPPED,NOT_CONNECTED>", "VFC client name:                VFC client DRC:"]


def test_npiv_fmt_has_twelve_fields(run):
    lines = on_vios(run, "lsmap -all -npiv -fmt :").stdout.splitlines()
    assert lines[0] == ("vfchost0:U8233.E8B.069348P-V1-C37:3:b750nl2:AIX:LOGGED_IN:fcs0:U78A0.001.DNWK7G4-P1-C3-T1:3:a:"
                        "fcs0:U8233.E8B.069348P-V3-C37")
    assert lines[3] == "vfchost3:U8233.E8B.069348P-V1-C45::::NOT_LOGGED_IN:fcs0:U78A0.001.DNWK7G4-P1-C3-T1:0:4::"
    assert all(len(line.split(":")) == 12 for line in lines)
    assert lines[2].split(":")[4] == "Linux"


def test_npiv_fields_as_scripts_ask_for_them(run):
    result = on_vios(run, "lsmap -npiv -all -fmt , -field physloc name fc clntid vfcclientdrc")
    assert result.stdout.splitlines()[1] == "U8233.E8B.069348P-V1-C41,vfchost1,fcs0,5,U8233.E8B.069348P-V5-C41"


def test_npiv_ports_logged_in_depend_on_zoning(run, estate):
    fabric = next(f for f in estate.scenario.fabrics if f.name == "FAB_A")
    fabric.zoned_wwpns.remove("c0507603a2920084")
    assert on_vios(run, "lsmap -vadapter vfchost0 -npiv -field ports -fmt :").stdout == "1\n"


def test_net_layout(run):
    assert on_740(run, "lsmap -all -net").stdout == NET_740


def test_net_fmt_and_vadapter(run):
    assert on_740(run, "lsmap -all -net -fmt :").stdout == (
        "ent4:U8205.E6B.10934CP-V1-C11-T1:ent8:ent0:Available:U78AA.001.WZSH0K1-P1-C4-T1\n"
        "ent5:U8205.E6B.10934CP-V1-C12-T1\n")
    assert on_740(run, "lsmap -vadapter ent4 -net -field sea backing -fmt :").stdout == "ent8:ent0\n"
    assert on_740(run, "lsmap -vadapter ent8 -net").stdout == (
        WRAPPER + 'Device "ent8" is not a Server Virtual Ethernet Adapter (SVEA).\n')
