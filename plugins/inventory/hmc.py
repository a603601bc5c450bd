# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: hmc
short_description: Managed systems, partitions and VIOS of one or more HMCs as an inventory
version_added: 0.1.0
description:
  - Reads the managed systems and partitions (LPARs and Virtual I/O Servers) of one or more HMCs over SSH, with the same
    connection options and the same client as the modules of this collection, and makes every partition an inventory
    host named like the partition.
  - "Per HMC the plugin runs C(lshmc -V) and C(lssyscfg -r sys); per managed system that is C(Operating) or C(Standby)
    one C(lssyscfg -r lpar), one C(lshwres -r mem --level lpar) and one C(lshwres -r proc --level lpar). The number of
    commands does not grow with the number of partitions, and no command runs on a VIOS. HMCs are read in parallel."
  - "Groups: C(hmc_<name>) per HMC, whose children are the C(system_<name>) group of each managed system it manages;
    C(system_<name>) per managed system, holding its partitions; C(aixlinux), C(vioserver) and C(os400) by partition
    environment; C(msp) for the VIOS that are mover service partitions. Characters other than letters, digits and
    C(_) in group names are replaced by C(_)."
  - "Host variables (with the default O(vars_prefix)): C(powervm_name), C(powervm_lpar_id), C(powervm_uuid),
    C(powervm_env), C(powervm_is_vios), C(powervm_state), C(powervm_os_version), C(powervm_rmc_state),
    C(powervm_rmc_ipaddr), C(powervm_compat_current), C(powervm_compat_desired), C(powervm_memory_mb) (current),
    C(powervm_proc_mode), C(powervm_proc_units), C(powervm_procs), C(powervm_msp), C(powervm_migration_disabled),
    C(powervm_system) (the managed system the partition is on now), C(powervm_system_mtms), C(powervm_hmc),
    C(powervm_hmc_host), C(powervm_hmc_port). A value the HMC did not report is V(null)."
  - "Group variables: C(system_<name>) groups get C(powervm_system_name), C(powervm_system_mtms),
    C(powervm_system_type_model), C(powervm_system_serial), C(powervm_system_state), C(powervm_system_ipaddr) and
    C(powervm_system_compat_modes); C(hmc_<name>) groups get C(powervm_hmc_host), C(powervm_hmc_port) and
    C(powervm_hmc_version)."
  - Every value read from an HMC is marked unsafe, so a partition name or OS version is never evaluated as a template.
  - An HMC that cannot be read, a managed system that is not C(Operating) or C(Standby) and a listing that fails are
    reported as warnings; the hosts of the other HMCs and systems are still returned.
  - A partition name that two HMCs report for different partitions becomes one host (the first HMC listed wins) and a
    warning names the other. The same partition seen through two HMCs (redundant HMCs) is one host in both HMCs' groups.
  - The configuration file name must end with C(.hmc.yml) or C(.hmc.yaml) (or be C(hmc.yml) or C(hmc.yaml)).
extends_documentation_fragment:
  - powervm.lpm.hmc
  - constructed
  - inventory_cache
options:
  plugin:
    description: The name of this plugin; it must be V(powervm.lpm.hmc) for the file to be read by it.
    type: str
    required: true
    choices: [powervm.lpm.hmc]
  hmcs:
    description:
      - The HMCs to read, one dictionary each, with the connection options of the modules (O(hmc_host), O(hmc_port),
        O(hmc_user), O(hmc_password), O(hmc_private_key), O(hmc_private_key_content), O(hmc_use_agent), O(known_hosts),
        O(host_key_policy), O(connect_timeout), O(command_timeout), O(channels_per_connection)) and an optional C(name).
      - C(name) names the HMC in the C(hmc_<name>) group and in the C(powervm_hmc) variable; it defaults to the
        entry's O(hmc_host). Names must be unique.
      - An option an entry does not set is taken from the top-level option of the same name (or its default), so a
        password, key or known_hosts file set once at the top level applies to every HMC.
      - Values may be templates, for example C("{{ lookup('ansible.builtin.env', 'HMC2_PASSWORD') }}"), or vaulted.
      - When not set, the one HMC given by the top-level options is read.
    type: list
    elements: dict
  hmc_host:
    description:
      - Host name or IP address of the HMC, when the inventory reads one HMC.
      - Required unless O(hmcs) is set.
    type: str
    required: false
  hmc_user:
    description:
      - HMC user to log in as.
    type: str
    default: hscroot
    env:
      - name: POWERVM_LPM_HMC_USER
  hmc_password:
    description:
      - Password of O(hmc_user). It may be vaulted, a template, or come from the environment variable.
      - One of O(hmc_password), O(hmc_private_key), O(hmc_private_key_content) is required unless O(hmc_use_agent=true).
      - When several methods are set, keys are tried first, then the SSH agent, then the password.
    type: str
    env:
      - name: POWERVM_LPM_HMC_PASSWORD
  vars_prefix:
    description:
      - Prefix of the host and group variables this plugin sets.
    type: str
    default: powervm_
  use_rmc_ip:
    description:
      - Set C(ansible_host) of a partition to the IP address its RMC connection to the HMC uses (C(rmc_ipaddr)), when
        the HMC reports one.
      - When V(false), or when the HMC reports none, C(ansible_host) is not set (it is then the partition name, unless
        O(compose) sets it).
    type: bool
    default: true
notes:
  - Enable O(cache) with a persistent cache plugin (for example C(ansible.builtin.jsonfile)) to avoid reading the HMCs
    on every run. The cache is written only when every HMC was read; warnings about systems or listings are shown
    again when the inventory comes from the cache. C(ansible-inventory --flush-cache) reads the HMCs again.
"""

EXAMPLES = r"""
# inventory/lab.hmc.yml: one HMC, password from the environment variable POWERVM_LPM_HMC_PASSWORD
plugin: powervm.lpm.hmc
hmc_host: hmc1.example.com
hmc_user: hscroot
known_hosts: ~/.ssh/known_hosts

# inventory/fleet.hmc.yml: two HMCs sharing one vaulted password, groups by state and OS, cached for an hour
plugin: powervm.lpm.hmc
hmc_user: hscroot
hmc_password: !vault |
  $ANSIBLE_VAULT;1.1;AES256
  ...
hmcs:
  - name: hmc-a
    hmc_host: hmc-a.example.com
  - name: hmc-b
    hmc_host: hmc-b.example.com
    hmc_user: lpmadmin
    hmc_password: "{{ lookup('ansible.builtin.env', 'HMC_B_PASSWORD') }}"
keyed_groups:
  - key: powervm_state | lower | replace(' ', '_')
    prefix: state
  - key: powervm_compat_current
    prefix: compat
groups:
  rmc_down: powervm_rmc_state != 'active'
compose:
  ansible_user: "'padmin' if powervm_is_vios else 'root'"
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/powervm-lpm-inventory
cache_timeout: 3600

# Use it:
#   ansible-inventory -i inventory/fleet.hmc.yml --graph
#   ansible-playbook -i inventory/fleet.hmc.yml evacuate.yml --limit system_p750_Server_8233_E8B_SN069348P
"""

import os
from typing import Any

from ansible.errors import AnsibleParserError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import HmcClient
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcInputError
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_options import TRANSCRIPT_ENV, client_from_options, jsonl_recorder
from ansible_collections.powervm.lpm.plugins.plugin_utils._inventory_fetch import HmcResult, complete, fetch_all, from_cache, to_cache
from ansible_collections.powervm.lpm.plugins.plugin_utils._inventory_hosts import InventoryPlan, PlanOptions, build_plan
from ansible_collections.powervm.lpm.plugins.plugin_utils._inventory_sources import HmcSource, hmc_sources
from ansible_collections.powervm.lpm.plugins.plugin_utils._unsafe import make_unsafe

FILE_SUFFIXES = (".hmc.yml", ".hmc.yaml")
FILE_NAMES = ("hmc.yml", "hmc.yaml")


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "powervm.lpm.hmc"

    def verify_file(self, path: str) -> bool:
        if not super().verify_file(path):
            return False
        return path.endswith(FILE_SUFFIXES) or os.path.basename(path) in FILE_NAMES

    def parse(self, inventory: Any, loader: Any, path: str, cache: bool = True) -> None:
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        try:
            sources = hmc_sources(self.get_option, self._resolve)
        except HmcInputError as exc:
            raise AnsibleParserError(f"{path}: {exc.message}") from None
        results = self._results(sources, self.get_cache_key(path), cache)
        plan = build_plan(results, PlanOptions(prefix=self.get_option("vars_prefix"), use_rmc_ip=self.get_option("use_rmc_ip")))
        for warning in plan.warnings:
            self.display.warning(warning)
        self._populate(plan)

    def _resolve(self, value: Any) -> Any:
        """A configured value with its template rendered and vaulted text decrypted."""
        if value is None or isinstance(value, (bool, int, float)):
            return value
        if isinstance(value, str) and self.templar.is_template(value):
            value = self.templar.template(value)
        return value if isinstance(value, (bool, int, float)) or value is None else to_text(value)

    def _results(self, sources: list[HmcSource], cache_key: str, cache: bool) -> list[HmcResult]:
        """The HMC results from the cache when allowed and present, otherwise read (and cached when complete)."""
        use_cache = bool(self.get_option("cache"))
        if use_cache and cache:
            try:
                cached = from_cache(self._cache[cache_key])
            except KeyError:
                cached = None
            if cached is not None:
                self.display.vvv(f"powervm.lpm.hmc: inventory of {len(cached)} HMC(s) from the cache")
                return cached
        results = fetch_all(sources, self._client)
        for result in results:
            self.display.vvv(f"powervm.lpm.hmc: HMC {result['name']}: {result['commands']} command(s)")
        if use_cache and complete(results):
            self._cache[cache_key] = to_cache(results)
        return results

    def _client(self, source: HmcSource) -> HmcClient:
        recorder = None
        transcript = os.environ.get(TRANSCRIPT_ENV)
        if transcript:
            self.display.warning(f"HMC command transcript is written to {transcript}; it holds HMC output, review it before sharing")
            recorder = jsonl_recorder(transcript)
        return client_from_options(source.get, recorder=recorder)

    def _populate(self, plan: InventoryPlan) -> None:
        for group in plan.groups.values():
            self.inventory.add_group(group.name)
            for key, value in group.variables.items():
                self.inventory.set_variable(group.name, key, make_unsafe(value))
        for group in plan.groups.values():
            for child in group.children:
                self.inventory.add_child(group.name, child)
        strict = self.get_option("strict")
        for host in plan.hosts.values():
            name = make_unsafe(host.name)
            self.inventory.add_host(name)
            for group_name in host.groups:
                self.inventory.add_child(group_name, name)
            for key, value in host.variables.items():
                self.inventory.set_variable(name, key, make_unsafe(value))
            variables = self.inventory.get_host(name).get_vars()
            self._set_composite_vars(self.get_option("compose"), variables, name, strict=strict)
            variables = self.inventory.get_host(name).get_vars()
            self._add_host_to_composed_groups(self.get_option("groups"), variables, name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, name, strict=strict)
