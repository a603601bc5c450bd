# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The powervm.lpm.hmc inventory plugin: several HMCs, failures, unsafe text, the cache and the configuration."""

from __future__ import annotations

import os
import sys
import time

import pytest
from ansible.errors import AnsibleParserError
from ansible.plugins.loader import inventory_loader

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcAuthError, HmcConnectionError
from ansible_collections.powervm.lpm.tests.unit.plugins.inventory.inventory_harness import (
    G740,
    G750,
    P740,
    P750,
    render,
    renamed,
    run_inventory,
)
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.estate_replay import load_transcript

pytest.importorskip("paramiko")

EVIL_NAME = "{{ lookup('pipe','id') }}"
EVIL_OS = "AIX {{ 7 * 6 }}"
TWO = {"hmc_password": "abc123", "hmcs": [{"hmc_host": "hmc-a"}, {"hmc_host": "hmc-b", "name": "b"}]}


def second_hmc():
    """seed-lab under other system and partition names (the p750 as s750, b750* as c750*)."""
    return renamed(load_transcript("seed-lab"), {P750: "s750", P740: "s740", "b750": "c750", "b740": "c740"})


def test_one_hmc_unreachable_is_a_warning_and_the_other_is_listed(tmp_path):
    down = HmcConnectionError("cannot connect to hmc-a:22: [Errno 111] Connection refused")
    run = run_inventory(tmp_path, TWO, {"hmc-a": down, "hmc-b": second_hmc()})
    assert run.display.warnings == [
        "HMC hmc-a (hmc-a:22): cannot connect to hmc-a:22: [Errno 111] Connection refused; "
        "its managed systems and partitions are not in the inventory"
    ]
    assert "hmc_hmc_a" not in run.inventory.groups
    assert run.children("hmc_b") == ["system_s740", "system_s750"]
    assert len(run.hosts()) == 14 and "c750db1" in run.hosts("aixlinux")


def test_both_hmcs_are_listed_with_their_own_variables(tmp_path):
    run = run_inventory(tmp_path, TWO, {"hmc-a": load_transcript("seed-lab"), "hmc-b": second_hmc()})
    assert run.display.warnings == []
    assert len(run.hosts()) == 28
    assert run.children("hmc_hmc_a") == sorted([G740, G750])
    assert run.hosts("msp") == ["b740vio1", "b740vio2", "b750vio1", "b750vio2", "c740vio1", "c740vio2", "c750vio1", "c750vio2"]
    assert (run.hostvars("b750db1")["powervm_hmc"], run.hostvars("c750db1")["powervm_hmc"]) == ("hmc-a", "b")
    assert run.hostvars("c750db1")["powervm_system"] == "s750"


def test_an_unexpected_error_stays_with_its_hmc(tmp_path):
    run = run_inventory(tmp_path, TWO, {"hmc-a": load_transcript("seed-lab"), "hmc-b": RuntimeError("boom")})
    assert run.display.warnings == ["HMC b (hmc-b:22): unexpected RuntimeError: boom; its managed systems and partitions are not in the inventory"]
    assert len(run.hosts()) == 14


def test_text_from_the_hmc_is_never_templated(tmp_path):
    # A value holding a comma is printed in double quotes by the HMC (-F output).
    transcript = renamed(load_transcript("seed-lab"), {"b750nl2": f'"{EVIL_NAME}"', "AIX 6.1 6100-09-03-1415": EVIL_OS})
    config = {"hmc_host": "bpichmc", "hmc_password": "abc123", "compose": {"copied_name": "powervm_name"},
              "keyed_groups": [{"key": "powervm_os_version", "prefix": "os"}]}
    run = run_inventory(tmp_path, config, {"bpichmc": transcript})
    assert EVIL_NAME in run.hosts(G750)
    variables = run.hostvars(EVIL_NAME)
    assert variables["powervm_name"] == EVIL_NAME == variables["copied_name"]
    assert render("{{ powervm_name }}", variables) == EVIL_NAME
    assert render("{{ copied_name }}", variables) == EVIL_NAME
    assert render("{{ powervm_os_version }}", run.hostvars("b750db2")) == EVIL_OS
    assert run.hosts("os_AIX____7___6___") == ["b750db2"]


def test_values_are_untrusted_even_if_they_arrive_trusted(tmp_path, monkeypatch):
    """Where every string is a template (ansible-core < 2.19), the plugin must still hand out literal text."""
    tags = pytest.importorskip("ansible.template")
    module = sys.modules[type(inventory_loader.get("powervm.lpm.hmc")).__module__]
    original = module.fetch_all

    def trusted(value):
        if isinstance(value, str):
            return tags.trust_as_template(value)
        if isinstance(value, dict):
            return {trusted(k): trusted(v) for k, v in value.items()}
        if isinstance(value, list):
            return [trusted(v) for v in value]
        return value

    monkeypatch.setattr(module, "fetch_all", lambda sources, make_client: trusted(original(sources, make_client)))
    transcript = renamed(load_transcript("seed-lab"), {"b750nl2": "{{ 7 * 6 }}", "AIX 6.1 6100-09-03-1415": EVIL_OS})
    run = run_inventory(tmp_path, {"hmc_host": "bpichmc", "hmc_password": "abc123"}, {"bpichmc": transcript})
    assert render("{{ powervm_name }}", run.hostvars("{{ 7 * 6 }}")) == "{{ 7 * 6 }}"
    assert render("{{ powervm_os_version }}", run.hostvars("b750db2")) == EVIL_OS
    assert render("{{ powervm_system_name }}", run.groupvars(G750)) == P750
    assert "{{ 7 * 6 }}" in run.hosts(G750)


def cache_config(tmp_path, **more):
    return dict({"hmc_host": "bpichmc", "hmc_password": "abc123", "cache": True, "cache_plugin": "ansible.builtin.jsonfile",
                 "cache_connection": str(tmp_path / "cache"), "cache_timeout": 600}, **more)


def test_the_cache_saves_reading_the_hmc(tmp_path):
    first = run_inventory(tmp_path, cache_config(tmp_path))
    assert first.clients == ["bpichmc"]
    assert len(list((tmp_path / "cache").iterdir())) == 1
    second = run_inventory(tmp_path, cache_config(tmp_path), {"bpichmc": HmcConnectionError("must not be contacted")})
    assert second.clients == []
    assert second.hosts() == first.hosts()
    assert second.hostvars("b750db1")["powervm_memory_mb"] == 65536
    flushed = run_inventory(tmp_path, cache_config(tmp_path), cache=False)
    assert flushed.clients == ["bpichmc"]


def test_an_expired_cache_reads_the_hmc_again(tmp_path):
    config = cache_config(tmp_path, cache_timeout=60)
    first = run_inventory(tmp_path, config)
    (entry,) = (tmp_path / "cache").iterdir()
    fresh = run_inventory(tmp_path, config, {"bpichmc": HmcConnectionError("must not be contacted")})
    assert first.clients == ["bpichmc"] and fresh.clients == [] and fresh.hosts() == first.hosts()
    written = time.time() - 61  # the entry is older than cache_timeout
    os.utime(entry, (written, written))
    expired = run_inventory(tmp_path, config)
    assert expired.clients == ["bpichmc"] and expired.hosts() == first.hosts()
    assert entry.stat().st_mtime > written + 30  # and it was written again


def test_warnings_come_back_from_the_cache(tmp_path):
    run_inventory(tmp_path, cache_config(tmp_path), {"bpichmc": load_transcript("seed-lab-degraded")})
    cached = run_inventory(tmp_path, cache_config(tmp_path), {})
    assert cached.clients == []
    assert cached.display.warnings == [f"HMC bpichmc: {P740}: the managed system is No Connection; its partitions and resources were not read"]


def test_an_incomplete_inventory_is_not_cached(tmp_path):
    config = cache_config(tmp_path, hmc_host=None, hmcs=[{"hmc_host": "hmc-a"}, {"hmc_host": "hmc-b"}])
    down = {"hmc-a": load_transcript("seed-lab"), "hmc-b": HmcAuthError("authentication failed")}
    run_inventory(tmp_path, config, down)
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").iterdir())
    again = run_inventory(tmp_path, config, {"hmc-a": load_transcript("seed-lab"), "hmc-b": second_hmc()})
    assert sorted(again.clients) == ["hmc-a", "hmc-b"]
    assert len(again.hosts()) == 28


def test_entries_inherit_the_top_level_options_and_may_be_templates(tmp_path):
    seen = {}

    config = {"hmc_user": "viewer", "hmc_password": "top-secret", "known_hosts": str(tmp_path / "kh"), "hmcs": [
        {"hmc_host": "hmc-a"},
        {"hmc_host": "hmc-b", "hmc_port": "{{ 2200 + 22 }}", "hmc_password": "{{ 'from' ~ '-template' }}", "hmc_user": "lpm"},
    ]}
    path = tmp_path / "x.hmc.yml"
    import yaml  # pylint: disable=import-outside-toplevel
    from ansible.inventory.data import InventoryData  # pylint: disable=import-outside-toplevel
    from ansible.parsing.dataloader import DataLoader  # pylint: disable=import-outside-toplevel
    from ansible.plugins.loader import inventory_loader  # pylint: disable=import-outside-toplevel

    path.write_text(yaml.safe_dump(dict(config, plugin="powervm.lpm.hmc")), encoding="utf-8")
    plugin = inventory_loader.get("powervm.lpm.hmc")

    def client(source):
        seen[source.name] = source.options
        raise HmcConnectionError("not needed")

    plugin._client = client  # pylint: disable=protected-access
    plugin.display = type("Quiet", (), {"warning": lambda *a, **k: None, "vvv": lambda *a, **k: None})()
    plugin.parse(InventoryData(), DataLoader(), str(path))
    a, b = seen["hmc-a"], seen["hmc-b"]
    assert (a["hmc_user"], a["hmc_password"], a["hmc_port"], a["known_hosts"]) == ("viewer", "top-secret", 22, str(tmp_path / "kh"))
    assert (b["hmc_user"], b["hmc_password"], b["hmc_port"], b["known_hosts"]) == ("lpm", "from-template", 2222, str(tmp_path / "kh"))
    assert a["host_key_policy"] == "strict" and a["connect_timeout"] == 30


@pytest.mark.parametrize("config, message", [
    ({"hmc_password": "x"}, r"set hmc_host \(one HMC\) or hmcs"),
    ({"hmc_host": "h"}, "HMC h: hmc_use_agent is False but any of the following are missing: hmc_password, hmc_private_key"),
    ({"hmc_password": "x", "hmcs": [{"hmc_host": "h", "hmc_pasword": "y"}]}, r"hmcs\[0\]: unknown option\(s\) hmc_pasword"),
    ({"hmc_password": "x", "hmcs": [{"hmc_host": "h"}, {"hmc_host": "h"}]}, "two entries are named h"),
    ({"hmc_password": "x", "hmcs": [{"name": "n"}]}, "HMC n: missing required arguments: hmc_host"),
    ({"hmc_password": "x", "hmcs": ["h"]}, r"hmcs\[0\] must be a dictionary"),
    ({"hmc_password": "x", "hmcs": [{"hmc_host": "h", "host_key_policy": "yes"}]}, "HMC h: value of host_key_policy must be one of"),
    ({"hmc_host": "h", "hmc_password": "x", "hmcs": [{"hmc_host": "h", "hmc_port": "ssh"}]}, "hmc_port"),
])
def test_configuration_errors_stop_the_source(tmp_path, config, message):
    with pytest.raises(AnsibleParserError, match=message):
        run_inventory(tmp_path, config, {})


def test_connection_options_match_the_modules():
    from ansible import constants  # pylint: disable=import-outside-toplevel
    from ansible.plugins.loader import inventory_loader  # pylint: disable=import-outside-toplevel

    from ansible_collections.powervm.lpm.plugins.module_utils._hmc_options import HMC_CONNECTION_ARGSPEC  # pylint: disable=import-outside-toplevel

    plugin = inventory_loader.get("powervm.lpm.hmc")
    definitions = constants.config.get_configuration_definitions("inventory", plugin._load_name)  # pylint: disable=protected-access
    for name, spec in HMC_CONNECTION_ARGSPEC.items():
        assert definitions[name]["type"] == spec["type"], name
        assert definitions[name].get("default") == spec.get("default"), name
        assert definitions[name].get("choices") == spec.get("choices"), name
    assert not definitions["hmc_host"].get("required")
    assert [e["name"] for e in definitions["hmc_password"]["env"]] == ["POWERVM_LPM_HMC_PASSWORD"]
