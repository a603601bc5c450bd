# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Bad input to every module: invalid option combinations, missing required options, wrong choices and types.

Each case runs the module's main() through AnsibleModule (the action-only evacuation_progress through the same
argument spec validator its action plugin uses) and checks that it fails before any HMC connection, with a message that
names the option and what is wrong. Cases already covered next to each module are not repeated here: preflight's
target_system/target_systems, lpar_migration's target_system, keep_vios_layout with mappings and one-partition
options, vios_msp's flags and vios_device's devices/select.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import pytest

from ansible_collections.powervm.lpm.plugins.modules import (
    estate_info,
    evacuation,
    evacuation_plan,
    evacuation_report,
    hmc_trust,
    lpar_migration,
    maintenance_window,
    preflight,
    vios_device,
    vios_msp,
)

testing = pytest.importorskip("ansible.module_utils.testing")
arg_spec = pytest.importorskip("ansible.module_utils.common.arg_spec")

HMC = {"hmc_host": "hmc1", "hmc_password": "abc123"}
ESTATE = {"schema_version": 1, "hmc": {}, "systems": {}, "warnings": []}
# Each HMC module with options that are valid apart from the connection.
HMC_MODULES: dict[str, tuple[ModuleType, dict[str, Any]]] = {
    "estate_info": (estate_info, {}),
    "evacuation": (evacuation, {"plan": {"plan": []}, "source_system": "p750"}),
    "hmc_trust": (hmc_trust, {"remote_hmc": "hmc2"}),
    "lpar_migration": (lpar_migration, {"lpars": ["db1"], "target_system": "p740"}),
    "preflight": (preflight, {"lpars": ["db1"], "target_system": "p740"}),
    "vios_device": (vios_device, {"system": "p740", "vios": "vio1", "devices": ["hdisk2"], "attributes": {"reserve_policy": "no_reserve"}}),
    "vios_msp": (vios_msp, {"system": "p740", "vios": "vio1", "msp": True}),
}
CONNECTION_CASES = [
    ({"hmc_host": None}, "missing required arguments: hmc_host"),
    ({"hmc_password": None}, "hmc_use_agent is False but any of the following are missing: hmc_password, hmc_private_key, "
                             "hmc_private_key_content"),
    ({"hmc_private_key": "/k", "hmc_private_key_content": "KEY"}, "parameters are mutually exclusive: hmc_private_key|hmc_private_key_content"),
    ({"host_key_policy": "sloppy"}, "value of host_key_policy must be one of: strict, accept_new, ignore, got: sloppy"),
    ({"hmc_port": "twenty-two"}, "argument 'hmc_port' is of type str and we were unable to convert to int"),
    ({"hmc_hots": "hmc1"}, "Unsupported parameters for"),
]


def run_main(module: ModuleType, params: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """main() with ``params`` (None values left out); fails the test if the module tries to connect."""

    def no_connection(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError(f"{module.__name__} connected to the HMC with invalid arguments")

    if hasattr(module, "client_from_module"):
        monkeypatch.setattr(module, "client_from_module", no_connection)
    with testing.patch_module_args({k: v for k, v in params.items() if v is not None}), pytest.raises(SystemExit) as exit_:
        module.main()
    result = json.loads(capsys.readouterr().out)
    assert exit_.value.code == 1 and result["failed"] is True, result
    return result


@pytest.mark.parametrize("name", sorted(HMC_MODULES))
@pytest.mark.parametrize("change, message", CONNECTION_CASES, ids=["no-host", "no-auth", "two-keys", "policy", "port", "typo"])
def test_connection_options(name, change, message, monkeypatch, capsys):
    module, options = HMC_MODULES[name]
    result = run_main(module, {**HMC, **options, **change}, monkeypatch, capsys)
    assert message in result["msg"]
    if "Unsupported parameters" in message:
        assert "hmc_hots" in result["msg"] and "Supported parameters include" in result["msg"]


MODULE_CASES = [
    # estate_info
    (estate_info, {**HMC, "vios_disks": "some"}, ["value of vios_disks must be one of: mapped, all, got: some"]),
    (estate_info, {**HMC, "vios_details": "maybe"}, ["argument 'vios_details' is of type str", "unable to convert to bool"]),
    (estate_info, {**HMC, "vios_details": False, "vios_disks": "all"}, ["vios_disks=all reads the disks on each VIOS, which needs vios_details=true"]),
    # evacuation
    (evacuation, {**HMC, "source_system": "p750"}, ["missing required arguments: plan"]),
    (evacuation, {**HMC, "plan": {"plan": []}, "source_system": "p750", "deadline": "2026-03-15T02:00:00"},
     ["deadline '2026-03-15T02:00:00' has no timezone (add Z or +hh:mm)"]),
    (evacuation, {**HMC, "plan": {"plan": []}, "source_system": "p750", "deadline": "tonight"},
     ["deadline 'tonight' is not an ISO 8601 date and time"]),
    (evacuation, {**HMC, "plan": {"plan": []}, "source_system": "p750", "hooks": {"pre": "db"}, "max_attempts": "three"},
     ["argument 'max_attempts' is of type str", "unable to convert to int"]),
    (evacuation, {**HMC, "plan": {"plan": []}, "source_system": "p750", "hooks": {"before": ["db"]}},
     ["Unsupported parameters for", "hooks", "before"]),
    (evacuation, {**HMC, "plan": {"plan": []}, "source_system": "p750", "restore_from_manifest": True},
     ["restore_from_manifest is True but all of the following are missing: manifest_path"]),
    (evacuation, {**HMC, "plan": {"plan": []}, "source_system": "p750", "hooks": {"pre": ["db"]},
                  "policy": {"disruption_groups": [{"name": "web", "members": ["w1"]}]}},
     ["hooks name disruption groups the policy does not define: db"]),
    # evacuation_plan
    (evacuation_plan, {"source_system": "p750"}, ["missing required arguments: estate"]),
    (evacuation_plan, {"estate": ESTATE, "source_system": "p750", "baselines": ["serial", "fastest"]},
     ["value of baselines must be one or more of: serial, hmc_all, powervc, nova. Got no match for: fastest"]),
    (evacuation_plan, {"estate": ESTATE, "source_system": "p750", "policy": {"inactive": "wait"}},
     ["value of inactive must be one of: move, stay, got: wait found in policy"]),
    (evacuation_plan, {"estate": ESTATE, "source_system": "p750", "policy": {"disruption_groups": [{"name": "db"}]}},
     ["missing required arguments: members found in policy -> disruption_groups"]),
    (evacuation_plan, {"estate": ESTATE, "source_system": "p750", "physics": {"n_max": "many"}},
     ["argument 'n_max' is of type str found in 'physics'", "unable to convert to int"]),
    # evacuation_report
    (evacuation_report, {"record": {}, "src": "/r.json", "dest": "/tmp"}, ["parameters are mutually exclusive: record|src"]),
    (evacuation_report, {"dest": "/tmp"}, ["one of the following is required: record, src"]),
    (evacuation_report, {"src": "/r.json"}, ["missing required arguments: dest"]),
    (evacuation_report, {"src": "/r.json", "dest": "/tmp", "formats": ["json", "pdf"]},
     ["value of formats must be one or more of: json, markdown, html. Got no match for: pdf"]),
    # hmc_trust
    (hmc_trust, {**HMC}, ["missing required arguments: remote_hmc"]),
    (hmc_trust, {**HMC, "remote_hmc": "hmc2", "state": "absent"}, ["value of state must be one of: present, tested, got: absent"]),
    # lpar_migration
    (lpar_migration, {**HMC, "target_system": "p740"}, ["missing required arguments: lpars"]),
    (lpar_migration, {**HMC, "lpars": ["db1"], "target_system": "p740", "state": "moved"},
     ["value of state must be one of: migrated, validated, stopped, recovered, got: moved"]),
    (lpar_migration, {**HMC, "lpars": ["db1"], "target_system": "p740", "virtual_scsi_mappings": [{"dest_vios": "vio1"}]},
     ["missing required arguments: client_slot found in virtual_scsi_mappings"]),
    (lpar_migration, {**HMC, "lpars": ["db1"], "target_system": "p740", "virtual_fc_mappings": [{"client_slot": 4}]},
     ["one of the following is required: dest_vios, dest_vios_id found in virtual_fc_mappings"]),
    (lpar_migration, {**HMC, "lpars": ["db1"], "target_system": "p740", "overrides": {"mpio": "none"}},
     ["value of mpio must be one of: required, if_possible, got: none found in overrides"]),
    (lpar_migration, {**HMC, "lpars": ["db1"], "target_system": "p740", "remote_user": "hscroot"},
     ["missing parameter(s) required by 'remote_user': remote_hmc"]),
    (lpar_migration, {**HMC, "lpars": ["db1"], "target_system": "p740", "keep_vios_layout": True, "remote_hmc": "hmc2"},
     ["parameters are mutually exclusive: keep_vios_layout|remote_hmc"]),
    (lpar_migration, {**HMC, "lpars": ["db1"], "state": "validated"}, ["state is validated but all of the following are missing: target_system"]),
    (lpar_migration, {**HMC, "lpars": ["db1"], "target_system": "p740", "poll_interval": "often"},
     ["argument 'poll_interval' is of type str", "unable to convert to float"]),
    # maintenance_window
    (maintenance_window, {}, ["missing required arguments: path"]),
    (maintenance_window, {"path": "/w.yml", "now": "2026-03-14T22:30:00"},
     ["now must be an ISO 8601 date and time with a timezone: now: '2026-03-14T22:30:00' has no timezone"]),
    (maintenance_window, {"path": "/w.yml", "now": "at ten"}, ["now must be an ISO 8601 date and time with a timezone"]),
    # preflight
    (preflight, {**HMC, "target_system": "p740"}, ["missing required arguments: lpars"]),
    (preflight, {**HMC, "lpars": ["db1"], "target_system": "p740", "target_disks": "some"},
     ["value of target_disks must be one of: needed, all, got: some"]),
    (preflight, {**HMC, "lpars": ["db1"], "target_system": "p740", "parallel": "eight"},
     ["argument 'parallel' is of type str", "unable to convert to int"]),
    # vios_device
    (vios_device, {**HMC, "system": "p740", "vios": "vio1", "devices": ["hdisk2"]}, ["missing required arguments: attributes"]),
    (vios_device, {**HMC, "vios": "vio1", "devices": ["hdisk2"], "attributes": {"a": "b"}}, ["missing required arguments: system"]),
    (vios_device, {**HMC, "system": "p740", "vios": "vio1", "select": {}, "attributes": {"a": "b"}},
     ["one of the following is required: backing_of_lpars, type found in select"]),
    (vios_device, {**HMC, "system": "p740", "vios": "vio1", "devices": ["hdisk2"], "attributes": "reserve_policy"},
     ["argument 'attributes' is of type str", "unable to convert to dict"]),
    # vios_msp
    (vios_msp, {**HMC, "system": "p740", "msp": True}, ["missing required arguments: vios"]),
    (vios_msp, {**HMC, "system": "p740", "vios": "vio1", "msp": "perhaps"}, ["argument 'msp' is of type str", "unable to convert to bool"]),
]


@pytest.mark.parametrize("module, params, fragments", MODULE_CASES,
                         ids=[f"{m.__name__.rsplit('.', 1)[-1]}-{i}" for i, (m, _p, _f) in enumerate(MODULE_CASES)])
def test_module_options(module, params, fragments, monkeypatch, capsys):
    result = run_main(module, params, monkeypatch, capsys)
    for fragment in fragments:
        assert fragment in result["msg"], result["msg"]


def _progress_errors(params: dict[str, Any]) -> list[str]:
    from ansible_collections.powervm.lpm.plugins.action.evacuation_progress import ARGSPEC  # pylint: disable=import-outside-toplevel

    return arg_spec.ArgumentSpecValidator(ARGSPEC).validate(params).error_messages


@pytest.mark.parametrize("params, fragment", [
    ({}, "missing required arguments: source_system"),
    ({"source_system": "p750", "wait": "soon"}, "argument 'wait' is of type str and we were unable to convert to float"),
    ({"source_system": "p750", "answers": [{"group": "db", "phase": "during", "ok": True}]},
     "value of phase must be one of: pre, post, got: during found in answers"),
    ({"source_system": "p750", "answers": [{"group": "db", "phase": "pre"}]}, "missing required arguments: ok found in answers"),
    ({"source_system": "p750", "jornal": True}, "jornal"),
], ids=["no-source", "wait", "phase", "ok", "typo"])
def test_evacuation_progress_options(params, fragment):
    errors = _progress_errors(params)
    assert errors and any(fragment in error for error in errors), errors


def test_evacuation_progress_accepts_a_valid_call():
    assert _progress_errors({"source_system": "p750", "answers": [{"group": "db", "phase": "pre", "ok": False}]}) == []
