# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import re

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import (
    HINTS,
    HmcCommandError,
    HmcError,
    HmcHostKeyError,
    parse_error_text,
)


def test_simple_hscl_code(fixture_text):
    details = parse_error_text(fixture_text("error_hscl8012.txt"))
    assert details.code == "HSCL8012"
    assert details.inner_code is None
    assert details.codes == ("HSCL8012",)
    assert details.hint == HINTS["HSCL8012"]
    assert details.message.startswith("HSCL8012 The partition named zz-no-such-lpar was not found.  Please")


def test_nested_code_gives_outer_and_inner(fixture_text):
    details = parse_error_text(fixture_text("error_nested.txt"))
    assert (details.code, details.inner_code) == ("HSCL127D", "HSCL1288")
    assert details.codes == ("HSCL127D", "HSCL1288")
    assert details.hint is None


def test_vios_detailed_block_and_hint(fixture_text):
    details = parse_error_text(fixture_text("error_hscla319_vios_detail.txt"))
    assert details.code == "HSCLA319"
    assert details.vios_detail == (
        "Client Target WWPNs: 50050763080801ae 500507630808c1ae",
        "There are no FC adapters",
        "Returning from npiv_dest_adapter rc=83",
    )
    assert "BOTH" in details.hint and "WWPN" in details.hint


def test_rmc_hint(fixture_text):
    details = parse_error_text(fixture_text("error_hscla246.txt"))
    assert details.code == "HSCLA246"
    assert "rmcctrl" in details.hint


def test_aix_method_error(fixture_text):
    details = parse_error_text(fixture_text("error_chdev_busy.txt"))
    assert details.code is None
    assert details.aix_codes == ("0514-062",)
    assert "-perm" in details.hint


@pytest.mark.parametrize(
    "name, kind",
    [("error_missing_parameter.txt", "missing_parameter"), ("error_invalid_parameter.txt", "invalid_parameter")],
)
def test_generic_texts(fixture_text, name, kind):
    details = parse_error_text(fixture_text(name))
    assert details.kind == kind
    assert details.code is None
    assert details.hint == HINTS[kind]


def test_mkauthkeys_hint():
    text = "HSCL3653 The Secure Shell (SSH) communication configuration between the source and destination management consoles"
    assert "mkauthkeys" in parse_error_text(text).hint


def test_code_must_be_four_hex_digits():
    assert parse_error_text("HSCLXYZ1 is not a code, HSCL12345 neither").codes == ()


def test_hint_table_is_well_formed():
    for key, hint in HINTS.items():
        assert re.fullmatch(r"HSCL[0-9A-F]{4}|\d{4}-\d{3}|[a-z_]+", key), key
        assert hint.endswith(".") and len(hint) > 20


def test_command_error_reads_stdout_and_stderr(fixture_text):
    error = HmcCommandError("lssyscfg -r lpar -m S --filter lpar_names=zz", 1, fixture_text("error_hscl8012.txt"), "")
    assert isinstance(error, HmcError)
    assert error.code == "HSCL8012" and error.rc == 1
    assert str(error).startswith("lssyscfg -r lpar -m S --filter lpar_names=zz failed with rc=1: HSCL8012")
    assert "Hint:" in str(error)
    result = error.to_result()
    assert result["hscl_code"] == "HSCL8012" and result["rc"] == 1 and result["error_type"] == "HmcCommandError"
    from_stderr = HmcCommandError("x", 1, "", "HSCL127D: HSCL1288 logical port 1 is already assigned")
    assert (from_stderr.code, from_stderr.inner_code) == ("HSCL127D", "HSCL1288")


def test_command_error_without_output():
    assert str(HmcCommandError("migrlpar -o v", 2, "", "")) == "migrlpar -o v failed with rc=2: (no output)"


def test_host_key_error_result():
    result = HmcHostKeyError("unknown host key", "SHA256:abc").to_result()
    assert result == {"msg": "unknown host key", "error_type": "HmcHostKeyError", "host_key_fingerprint": "SHA256:abc"}
