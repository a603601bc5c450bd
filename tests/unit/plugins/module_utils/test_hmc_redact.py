# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import shlex

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import (
    MASK,
    CommandResult,
    argv_secrets,
    display_command,
    redact,
    redact_text,
)


def test_secret_option_values_are_masked_without_being_listed():
    argv = ["mkauthkeys", "--ip", "10.0.0.2", "-u", "hscroot", "--passwd", "Remote pw;1"]
    assert redact(argv) == ["mkauthkeys", "--ip", "10.0.0.2", "-u", "hscroot", "--passwd", MASK]
    assert redact(["mkauthkeys", "--passwd=abc"]) == ["mkauthkeys", f"--passwd={MASK}"]
    assert argv_secrets(argv) == ("Remote pw;1",)
    assert argv_secrets(["x", "--passwd=abc", "--password", "def"]) == ("def", "abc")
    assert argv_secrets(["x", "--passwd"]) == ()


def test_listed_secrets_are_masked_inside_elements():
    assert redact(["chsyscfg", "-i", "name=x,password=hunter2"], ["hunter2"]) == ["chsyscfg", "-i", f"name=x,password={MASK}"]
    assert redact(["a", "b"], [None, ""]) == ["a", "b"]


def test_longer_secrets_are_masked_first():
    assert redact_text("pw=abcdef", ["abc", "abcdef"]) == f"pw={MASK}"


def test_display_command_is_redacted_then_quoted_once():
    shown = display_command(["mkauthkeys", "-u", "hscroot user", "--passwd", "s3cret"])
    assert "s3cret" not in shown
    assert shlex.split(shown) == ["mkauthkeys", "-u", "hscroot user", "--passwd", MASK]


def test_command_result_renders_its_argv():
    result = CommandResult(("lssyscfg", "-r", "lpar", "-m", "sys 1"), 0, "", "", 0.1)
    assert result.command == "lssyscfg -r lpar -m 'sys 1'"
