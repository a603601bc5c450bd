# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The powervm.lpm.hmc inventory plugin through ansible-inventory and ansible-playbook against the HMC twin."""

from __future__ import annotations

import json
import os
import pathlib
import re
import socket
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from conftest import HMC_PASSWORD, HMC_USER, Twin, connection_of

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
G750 = "system_p750_Server_8233_E8B_SN069348P"
G740 = "system_p740_Server_8205_E6B_SN10934CP"
P750_HOSTS = ["b750vio1", "b750vio2", "b750nl2", "b750db1", "b750db2", "b750app1", "b750app2", "b750web1", "b750test1", "b750batch1",
              "b750nim"]
P740_HOSTS = ["b740vio1", "b740vio2", "b740lp1"]
EVIL_NAME = "{{ lookup('pipe','id') }}"
TIMEOUT = 180


def _tool(name: str) -> str:
    local = pathlib.Path(sys.executable).parent / name
    return str(local) if local.exists() else name


def known_hosts(tmp_path: pathlib.Path, twin: Twin) -> pathlib.Path:
    """A known_hosts file trusting every HMC of the twin."""
    path = tmp_path / "known_hosts"
    lines = [endpoint.get("known_hosts_line", twin.info["known_hosts_line"]) for endpoint in twin.info["hmcs"].values()]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return path


def hmc_entry(twin: Twin, name: str) -> dict[str, Any]:
    endpoint = twin.info["hmcs"][name]
    return {"name": name, "hmc_host": endpoint["host"], "hmc_port": int(endpoint["port"])}


def write_config(tmp_path: pathlib.Path, twin: Twin, hmcs: list[dict[str, Any]], **options: Any) -> pathlib.Path:
    """An inventory source for the twin; the password comes from POWERVM_LPM_HMC_PASSWORD (see run_tool)."""
    config = {"plugin": "powervm.lpm.hmc", "hmc_user": HMC_USER,
              "known_hosts": str(known_hosts(tmp_path, twin)), "connect_timeout": 5, "hmcs": hmcs}
    config.update(options)
    config = {key: value for key, value in config.items() if value is not None}
    path = tmp_path / "twin.hmc.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def run_tool(tool: str, args: list[str], collections_path: str, tmp_path: pathlib.Path,
             env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run an Ansible tool; the HMC password is in POWERVM_LPM_HMC_PASSWORD unless ``env`` sets it (to '' for none)."""
    environ = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0",
                   ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
                   ANSIBLE_INVENTORY_ENABLED="powervm.lpm.hmc", ANSIBLE_DEPRECATION_WARNINGS="0", POWERVM_LPM_HMC_PASSWORD=HMC_PASSWORD)
    environ.update(env or {})
    if not environ["POWERVM_LPM_HMC_PASSWORD"]:
        del environ["POWERVM_LPM_HMC_PASSWORD"]
    done = subprocess.run([_tool(tool)] + args, env=environ, capture_output=True, text=True, timeout=TIMEOUT, check=False, input=stdin)
    print(done.stdout)
    print(done.stderr, file=sys.stderr)
    return done


def unwrap(value: Any) -> Any:
    """``value`` with the ``{"__ansible_unsafe": text}`` markers of ansible-inventory --list replaced by the text."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: unwrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    return value


def inventory_list(path: pathlib.Path, collections_path: str, tmp_path: pathlib.Path, *more: str,
                   env: dict[str, str] | None = None, raw: bool = False) -> tuple[dict[str, Any], str]:
    """The parsed output of ``ansible-inventory --list`` (unsafe markers removed unless ``raw``) and stderr."""
    done = run_tool("ansible-inventory", ["-i", str(path), "--list", *more], collections_path, tmp_path, env)
    assert done.returncode == 0, done.stderr
    listing = json.loads(done.stdout)
    return (listing if raw else unwrap(listing)), done.stderr


def hosts_of(listing: dict[str, Any], group: str) -> list[str]:
    return list(listing.get(group, {}).get("hosts", []))


def warnings(stderr: str) -> list[str]:
    """The [WARNING] lines of an Ansible run, with continuation lines joined."""
    found: list[str] = []
    for line in stderr.splitlines():
        if line.startswith("[WARNING]: "):
            found.append(line[len("[WARNING]: "):].strip())
        elif found and line.startswith(" ") and line.strip():
            found[-1] += " " + line.strip()
    return found


def two_hmcs(data: dict[str, Any]) -> dict[str, Any]:
    """seed-lab with a second HMC, bpichmc2, that manages the p740."""
    second = dict(data["hmcs"][0], name="bpichmc2", ipaddr="127.0.0.2")
    data["hmcs"].append(second)
    for system in data["systems"]:
        if system["name"] == P740:
            system["hmc"] = "bpichmc2"
    return data


def rename_partition(old: str, new: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A scenario change renaming partition ``old`` (and every reference to it) to ``new``."""

    def swap(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: swap(item) for key, item in value.items()}
        if isinstance(value, list):
            return [swap(item) for item in value]
        return new if value == old else value

    return swap


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def lab2(twin_factory: Callable[..., Twin]) -> Twin:
    return twin_factory("seed-lab", mutate=two_hmcs)


def test_graph_of_the_seed_lab(twin: Twin, collections_path: str, tmp_path: pathlib.Path) -> None:
    path = write_config(tmp_path, twin, [hmc_entry(twin, "bpichmc")])
    done = run_tool("ansible-inventory", ["-i", str(path), "--graph"], collections_path, tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    expected_systems = ["  |--@hmc_bpichmc:", f"  |  |--@{G750}:"] + [f"  |  |  |--{h}" for h in P750_HOSTS]
    expected_systems += [f"  |  |--@{G740}:"] + [f"  |  |  |--{h}" for h in P740_HOSTS]
    start = lines.index("  |--@hmc_bpichmc:")
    assert lines[start:start + len(expected_systems)] == expected_systems
    assert lines[0] == "@all:"
    listing, stderr = inventory_list(path, collections_path, tmp_path)
    assert warnings(stderr) == []
    assert sorted(hosts_of(listing, "msp")) == ["b740vio1", "b740vio2", "b750vio1", "b750vio2"]
    assert sorted(hosts_of(listing, "vioserver")) == sorted(hosts_of(listing, "msp"))
    assert sorted(hosts_of(listing, "aixlinux")) == sorted(set(P750_HOSTS + P740_HOSTS) - set(hosts_of(listing, "msp")))


def test_host_and_group_variables(twin: Twin, collections_path: str, tmp_path: pathlib.Path) -> None:
    path = write_config(tmp_path, twin, [hmc_entry(twin, "bpichmc")])
    raw, _ = inventory_list(path, collections_path, tmp_path, raw=True)
    # Strings read from the HMC are not trusted: ansible-inventory shows them as unsafe.
    assert raw["_meta"]["hostvars"]["b750db1"]["powervm_name"] == {"__ansible_unsafe": "b750db1"}
    assert raw["_meta"]["hostvars"]["b750db1"]["powervm_lpar_id"] == 4
    listing = unwrap(raw)
    hostvars = listing["_meta"]["hostvars"]
    db1 = hostvars["b750db1"]
    assert db1["ansible_host"] == db1["powervm_rmc_ipaddr"] == "10.33.5.31"
    assert (db1["powervm_system"], db1["powervm_system_mtms"], db1["powervm_lpar_id"]) == (P750, "8233-E8B*069348P", 4)
    assert (db1["powervm_state"], db1["powervm_rmc_state"], db1["powervm_env"]) == ("Running", "active", "aixlinux")
    assert (db1["powervm_compat_current"], db1["powervm_compat_desired"]) == ("POWER7", "default")
    assert (db1["powervm_memory_mb"], db1["powervm_proc_units"], db1["powervm_procs"]) == (65536, 2.0, 4)
    assert (db1["powervm_hmc"], db1["powervm_hmc_host"], db1["powervm_hmc_port"]) == ("bpichmc", twin.host, twin.port)
    assert len(db1["powervm_uuid"]) == 36 and db1["powervm_os_version"].startswith("AIX 7.1")
    vio = hostvars["b740vio1"]
    assert vio["powervm_msp"] is True and vio["powervm_is_vios"] is True and "ansible_host" not in vio
    assert hostvars["b750test1"]["powervm_state"] == "Not Activated"
    group = run_tool("ansible-inventory", ["-i", str(path), "--graph", "--vars", G740], collections_path, tmp_path)
    assert "{powervm_system_type_model = 8205-E6B}" in group.stdout
    assert "{powervm_system_serial = 10934CP}" in group.stdout


def test_reads_cost_two_commands_per_hmc_and_three_per_system(twin: Twin, collections_path: str, tmp_path: pathlib.Path) -> None:
    path = write_config(tmp_path, twin, [hmc_entry(twin, "bpichmc")])
    before = twin.last_seq()
    inventory_list(path, collections_path, tmp_path)
    entries = twin.log(before)
    assert len(entries) == 2 + 3 * 2
    commands = sorted(" ".join(e["argv"][:3]) for e in entries)
    assert commands == sorted(["lshmc -V", "lssyscfg -r sys"] + ["lssyscfg -r lpar", "lshwres -r mem", "lshwres -r proc"] * 2)
    assert len({connection_of(e) for e in entries}) == 1
    assert all(e["rc"] == 0 for e in entries)


def test_two_hmcs(lab2: Twin, collections_path: str, tmp_path: pathlib.Path) -> None:
    path = write_config(tmp_path, lab2, [hmc_entry(lab2, "bpichmc"), hmc_entry(lab2, "bpichmc2")])
    listing, stderr = inventory_list(path, collections_path, tmp_path)
    assert warnings(stderr) == []
    assert listing["hmc_bpichmc"]["children"] == [G750]
    assert listing["hmc_bpichmc2"]["children"] == [G740]
    assert hosts_of(listing, G740) == P740_HOSTS
    hostvars = listing["_meta"]["hostvars"]
    assert (hostvars["b740lp1"]["powervm_hmc"], hostvars["b740lp1"]["powervm_hmc_port"]) == ("bpichmc2", lab2.info["hmcs"]["bpichmc2"]["port"])
    assert hostvars["b750db1"]["powervm_hmc"] == "bpichmc"


def test_an_unreachable_hmc_is_a_warning(lab2: Twin, collections_path: str, tmp_path: pathlib.Path) -> None:
    port = free_port()
    down = {"name": "bpichmc2", "hmc_host": "127.0.0.1", "hmc_port": port}
    path = write_config(tmp_path, lab2, [hmc_entry(lab2, "bpichmc"), down])
    listing, stderr = inventory_list(path, collections_path, tmp_path)
    found = warnings(stderr)
    assert len(found) == 1, found
    assert found[0].startswith(f"HMC bpichmc2 (127.0.0.1:{port}): cannot connect to 127.0.0.1:{port}")
    assert found[0].endswith("its managed systems and partitions are not in the inventory")
    assert hosts_of(listing, G750) == P750_HOSTS
    assert "hmc_bpichmc2" not in listing and G740 not in listing


def test_the_cache_spares_the_hmc(twin: Twin, collections_path: str, tmp_path: pathlib.Path) -> None:
    path = write_config(tmp_path, twin, [hmc_entry(twin, "bpichmc")], cache=True, cache_plugin="ansible.builtin.jsonfile",
                        cache_connection=str(tmp_path / "cache"), cache_timeout=600)
    before = twin.last_seq()
    first, _ = inventory_list(path, collections_path, tmp_path)
    after_first = twin.last_seq()
    assert after_first - before == 8
    second, _ = inventory_list(path, collections_path, tmp_path)
    assert twin.last_seq() == after_first
    assert second == first
    inventory_list(path, collections_path, tmp_path, "--flush-cache")
    assert twin.last_seq() - after_first == 8


def test_a_vaulted_password(twin: Twin, collections_path: str, tmp_path: pathlib.Path) -> None:
    secret = tmp_path / "vault-pass"
    secret.write_text("vault-secret\n", encoding="utf-8")
    # The password goes in on stdin: on the command line every process listing would show it.
    done = run_tool("ansible-vault", ["encrypt_string", "--vault-password-file", str(secret), "--stdin-name", "hmc_password"],
                    collections_path, tmp_path, stdin=HMC_PASSWORD)
    assert done.returncode == 0, done.stderr
    path = write_config(tmp_path, twin, [hmc_entry(twin, "bpichmc")])
    path.write_text(path.read_text(encoding="utf-8") + done.stdout, encoding="utf-8")
    assert HMC_PASSWORD not in path.read_text(encoding="utf-8")
    no_password = {"POWERVM_LPM_HMC_PASSWORD": ""}  # only the vaulted one
    listing, stderr = inventory_list(path, collections_path, tmp_path, "--vault-password-file", str(secret), env=no_password)
    assert warnings(stderr) == []
    assert len(listing["_meta"]["hostvars"]) == 14


def test_partition_names_are_never_templated(twin_factory: Callable[..., Twin], collections_path: str, tmp_path: pathlib.Path) -> None:
    evil = twin_factory("seed-lab", mutate=rename_partition("b750nl2", EVIL_NAME))
    path = write_config(tmp_path, evil, [hmc_entry(evil, "bpichmc")],
                        compose={"copied_name": "powervm_name"}, keyed_groups=[{"key": "powervm_name", "prefix": "name"}])
    listing, _ = inventory_list(path, collections_path, tmp_path)
    assert EVIL_NAME in hosts_of(listing, G750)
    assert listing["_meta"]["hostvars"][EVIL_NAME]["copied_name"] == EVIL_NAME
    results = tmp_path / "names.json"
    playbook = tmp_path / "names.yml"
    playbook.write_text(yaml.safe_dump([{
        "hosts": "localhost", "gather_facts": False,
        "tasks": [{"ansible.builtin.copy": {
            "content": "{{ groups['aixlinux'] | map('extract', hostvars, 'powervm_name') | list | to_json }}",
            "dest": str(results), "mode": "0600"}}],
    }]), encoding="utf-8")
    done = run_tool("ansible-playbook", ["-i", str(path), "-c", "local", "-e", f"ansible_python_interpreter={sys.executable}", str(playbook)],
                    collections_path, tmp_path)
    assert done.returncode == 0, done.stderr
    names = json.loads(results.read_text(encoding="utf-8"))
    assert EVIL_NAME in names
    assert not any("uid=" in name for name in names)


@pytest.mark.parametrize("policy", [None, "accept_new"], ids=["strict", "accept_new"])
def test_an_unknown_or_changed_host_key_is_a_warning_with_its_fingerprint(lab2: Twin, collections_path: str, tmp_path: pathlib.Path,
                                                                        policy: str | None) -> None:
    """Under the default policy an HMC whose key is unknown, and under any policy but ignore one whose key changed, is
    not logged in to: its warning gives the fingerprint the HMC presented, and the other HMC is still listed."""
    path = write_config(tmp_path, lab2, [hmc_entry(lab2, "bpichmc"), hmc_entry(lab2, "bpichmc2")], host_key_policy=policy)
    second = lab2.info["hmcs"]["bpichmc2"]
    trusted = known_hosts(tmp_path, lab2).read_text(encoding="ascii").splitlines()
    if policy is None:
        kept = [line for line in trusted if not line.startswith(f"[{second['host']}]:{second['port']} ")]
        expected = "unknown host key"
    else:  # bpichmc2's entry holds another key
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "other")], check=True)
        key = (tmp_path / "other.pub").read_text(encoding="ascii").split()[:2]
        kept = [line if not line.startswith(f"[{second['host']}]:{second['port']} ") else f"[{second['host']}]:{second['port']} {' '.join(key)}"
                for line in trusted]
        expected = "HOST KEY MISMATCH"
    assert len(kept) == len(trusted) - (policy is None)
    (tmp_path / "known_hosts").write_text("\n".join(kept) + "\n", encoding="ascii")
    before = lab2.last_seq()
    listing, stderr = inventory_list(path, collections_path, tmp_path)
    (warning,) = warnings(stderr)
    assert warning.startswith(f"HMC bpichmc2 ({second['host']}:{second['port']}): ") and expected in warning
    assert lab2.fingerprint in warning
    assert warning.endswith(" its managed systems and partitions are not in the inventory") and ".;" not in warning
    assert "hmc_bpichmc2" not in listing and hosts_of(listing, G750) == P750_HOSTS
    assert {e["session"].split("/")[0] for e in lab2.log(before)} == {"bpichmc"}  # nothing ran on bpichmc2


def test_hostile_names_are_hosts_exactly_as_the_hmc_names_them(twin_factory: Callable[..., Twin], collections_path: str,
                                                              tmp_path: pathlib.Path) -> None:
    """seed-lab with the hostile names of hostile_lab.py: quotes, ``;``, ``$()``, backticks, ``,``, ``=``, spaces, a
    newline and non-ASCII letters in system, partition and VIOS names. Every partition is a host under its exact name,
    the system names reach the HMC as one argument each and nothing is templated."""
    from hostile_lab import PARTITIONS, SOURCE, TARGET, rename  # pylint: disable=import-outside-toplevel

    lab = twin_factory("seed-lab", mutate=rename)
    path = write_config(tmp_path, lab, [hmc_entry(lab, "bpichmc")], compose={"copied_name": "powervm_name"})
    before = lab.last_seq()
    listing, stderr = inventory_list(path, collections_path, tmp_path)
    log = lab.log(before)
    assert warnings(stderr) == []
    hostvars = listing["_meta"]["hostvars"]
    assert set(hostvars) == set(PARTITIONS.values()) | {"b750nim"}
    for name, variables in hostvars.items():
        assert variables["powervm_name"] == variables["copied_name"] == name
    assert {hostvars[name]["powervm_system"] for name in hostvars} == {SOURCE, TARGET}
    assert sorted(hosts_of(listing, "msp")) == sorted(PARTITIONS[n] for n in ("b750vio1", "b750vio2", "b740vio1", "b740vio2"))
    by_system = {system: sorted(n for n in hostvars if hostvars[n]["powervm_system"] == system) for system in (SOURCE, TARGET)}
    groups = {group: sorted(hosts_of(listing, group)) for group in listing["hmc_bpichmc"]["children"]}
    assert sorted(groups.values()) == sorted(by_system.values())
    assert all(re.fullmatch(r"system_[A-Za-z0-9_]+", group) for group in groups), groups
    systems = sorted(e["argv"][e["argv"].index("-m") + 1] for e in log if "-m" in e["argv"])
    assert systems == sorted([SOURCE] * 3 + [TARGET] * 3)
    assert all(e["rc"] == 0 for e in log) and len(log) == 8
