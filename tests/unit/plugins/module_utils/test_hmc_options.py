# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import stat

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.powervm.lpm.plugins.doc_fragments.attributes import ModuleDocFragment as AttributesFragment
from ansible_collections.powervm.lpm.plugins.doc_fragments.hmc import ModuleDocFragment
from ansible_collections.powervm.lpm.plugins.module_utils import _hmc_options
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import HmcConnectionParams, TranscriptEntry
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcInputError
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_options import (
    HMC_CONNECTION_ARGSPEC,
    HMC_MODULE_KWARGS,
    TRANSCRIPT_ENV,
    client_from_module,
    hmc_argument_spec,
    jsonl_recorder,
    params_from_options,
    require_paramiko,
)


def test_doc_fragment_matches_argspec():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert set(documented) == set(HMC_CONNECTION_ARGSPEC)
    for name, spec in HMC_CONNECTION_ARGSPEC.items():
        doc = documented[name]
        assert doc["type"] == spec["type"], name
        assert doc.get("default") == spec.get("default"), name
        assert doc.get("choices") == spec.get("choices"), name
        assert bool(doc.get("required")) == bool(spec.get("required")), name
        assert doc["description"], name


def test_attribute_fragments_are_valid_yaml():
    for fragment in ("DOCUMENTATION", "PLATFORM", "INFO_MODULE"):
        assert "attributes" in yaml.safe_load(getattr(AttributesFragment, fragment))


def validate(params):
    validator = ArgumentSpecValidator(hmc_argument_spec(), **HMC_MODULE_KWARGS)
    return validator.validate(params)


def test_argspec_defaults_and_no_log():
    result = validate({"hmc_host": "hmc1", "hmc_password": "pw-1"})
    assert result.error_messages == []
    assert result.validated_parameters["hmc_port"] == 22
    assert result.validated_parameters["hmc_user"] == "hscroot"
    assert result.validated_parameters["host_key_policy"] == "strict"
    assert result.validated_parameters["command_timeout"] == 3600
    assert "pw-1" in result._no_log_values


@pytest.mark.parametrize(
    "params, message",
    [
        ({"hmc_host": "h"}, "hmc_use_agent is False"),
        ({"hmc_host": "h", "hmc_private_key": "/k", "hmc_private_key_content": "x"}, "mutually exclusive"),
        ({"hmc_password": "x"}, "hmc_host"),
        ({"hmc_host": "h", "hmc_password": "x", "host_key_policy": "yes"}, "host_key_policy"),
    ],
)
def test_argspec_constraints(params, message):
    result = validate(params)
    assert len(result.error_messages) == 1 and message in result.error_messages[0]


def test_agent_alone_is_enough():
    assert validate({"hmc_host": "h", "hmc_use_agent": True}).error_messages == []


def test_module_options_are_merged_but_cannot_clash():
    spec = hmc_argument_spec({"lpar": {"type": "str", "required": True}})
    assert "lpar" in spec and "hmc_host" in spec
    with pytest.raises(ValueError, match="hmc_port"):
        hmc_argument_spec({"hmc_port": {"type": "int"}})
    assert "lpar" not in HMC_CONNECTION_ARGSPEC


def test_params_from_a_plugin_style_getter():
    options = {"hmc_host": "hmc1", "hmc_private_key": "/keys/id", "hmc_port": None, "connect_timeout": 10}
    params = params_from_options(options.get)
    assert params == HmcConnectionParams(host="hmc1", private_key_file="/keys/id", connect_timeout=10.0)
    with pytest.raises(HmcInputError, match="hmc_host"):
        params_from_options({"hmc_password": "x"}.get)
    with pytest.raises(HmcInputError, match="set one of"):
        params_from_options({"hmc_host": "h"}.get)
    with pytest.raises(HmcInputError, match="mutually exclusive"):
        params_from_options({"hmc_host": "h", "hmc_private_key": "/k", "hmc_private_key_content": "x"}.get)


def test_channels_per_connection_reaches_the_client_and_must_be_positive():
    assert validate({"hmc_host": "h", "hmc_password": "x"}).validated_parameters["channels_per_connection"] == 10
    assert params_from_options({"hmc_host": "h", "hmc_password": "x"}.get).channels_per_connection == 10
    assert params_from_options({"hmc_host": "h", "hmc_password": "x", "channels_per_connection": 4}.get).channels_per_connection == 4
    with pytest.raises(HmcInputError, match="channels_per_connection must be at least 1, not 0"):
        params_from_options({"hmc_host": "h", "hmc_password": "x", "channels_per_connection": 0}.get)


class FakeModule:
    def __init__(self, params):
        self.params = params
        self.warnings = []
        self.failed = None

    def warn(self, message):
        self.warnings.append(message)

    def fail_json(self, **kwargs):
        self.failed = kwargs
        raise SystemExit(1)


def test_client_from_module_and_transcript(tmp_path, monkeypatch):
    pytest.importorskip("paramiko")
    path = tmp_path / "transcript.jsonl"
    monkeypatch.setenv(TRANSCRIPT_ENV, str(path))
    module = FakeModule(validate({"hmc_host": "hmc1", "hmc_password": "pw"}).validated_parameters)
    client = client_from_module(module)
    assert client.params.host == "hmc1" and client.params.password == "pw"
    assert module.warnings and str(path) in module.warnings[0]
    client.recorder(TranscriptEntry("hscroot@hmc1:22", ("lshmc", "-V"), 0, "out", "", 0.5, 1))
    assert json.loads(path.read_text(encoding="utf-8"))["argv"] == ["lshmc", "-V"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_missing_paramiko_fails_with_the_standard_message(monkeypatch):
    monkeypatch.setattr(_hmc_options, "HAS_PARAMIKO", False)
    module = FakeModule({})
    with pytest.raises(SystemExit):
        require_paramiko(module)
    assert "paramiko" in module.failed["msg"]


def test_jsonl_recorder_appends(tmp_path):
    path = tmp_path / "t.jsonl"
    record = jsonl_recorder(str(path))
    record(TranscriptEntry("h", ("a",), None, "", "", 1.0, 1, "lost"))
    record(TranscriptEntry("h", ("b",), 0, "x", "", 1.0, 2))
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [(e["argv"], e["rc"], e["error"]) for e in lines] == [(["a"], None, "lost"), (["b"], 0, None)]
