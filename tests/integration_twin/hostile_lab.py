# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""seed-lab with hostile names: the systems, partitions, VIOS, profiles and shared processor pools renamed to names
holding quotes, ``;``, ``$()``, backticks, spaces, ``=``, ``,``, a newline and non-ASCII letters.

The HMC's own help text allows letters, digits, spaces and ``, . / ; : ~ @ # ^ - _ = + { }`` in profile names and no
accented letters; the twin accepts any name, so these go further than an HMC would let anyone go. Names holding
``,`` ``=`` ``"`` or a newline cannot be written inside an HMC attribute record (``-i``, ``--filter``, the ``-p``
list of ``migrlpar``); with them a module must either select by ID or refuse with a clear message.
"""

from __future__ import annotations

from typing import Any

P750, P740 = "p750-Server-8233-E8B-SN069348P", "p740-Server-8205-E6B-SN10934CP"

SOURCE = "p750 'src' $(reboot); `id`, Müller-ß-日本"
TARGET = 'p740 "dst" = B;`uname`'

# seed-lab name -> hostile name. A name is None when it is left as it is.
PARTITIONS: dict[str, str] = {
    "b750vio1": "vio1 'a' $(b)",
    "b750vio2": "vio2;`c` ß",
    "b740vio1": "vio1 Müller-ß-日本",
    "b740vio2": "vio2,y=z",
    "b750nl2": "nl2 'it''s' $(reboot)",
    "b750db1": "db1; `id` Müller-ß-日本",
    "b750db2": 'db2 "primary"',
    "b750app1": "app1,tier=web",
    "b750app2": "app2 = x",
    "b750web1": "web1\nline2",
    "b750test1": "Müller-ß-日本",
    "b750batch1": "batch 1",
    "b740lp1": 'lp1 "q" $(x)',
}
PROFILE = "prof 'p' $(x);`y` Müller"
# A profile name no HMC record could carry: it only ever travels as one argument (migrlpar -n) or a CSV-quoted -F value.
PROFILE_RECORD_UNSAFE = 'prof,"q"=1\nend'
PROFILE_RECORD_UNSAFE_LPARS = ("b750nl2", "b750app2", "b750test1")
POOL = "pool 'x' $(y);`z` Müller"
POOL_RECORD_UNSAFE = "pool,a=b"

# A second HMC (managing nothing) for hmc_trust: its name, one of its users and that user's password.
REMOTE_HMC = "hmc 'r' $(x);`y`"
REMOTE_USER = "ops 'x' $(id)"
REMOTE_PASSWORD = "pa'ss\"w;$(rm -rf /)`x` ß"

# Characters an HMC attribute record cannot carry (RECORD_FORBIDDEN in the collection's _hmc_commands).
RECORD_UNSAFE = frozenset(',="\n\r')


def record_safe(name: str) -> bool:
    return not RECORD_UNSAFE.intersection(name)


def hostile(name: str) -> str:
    return PARTITIONS.get(name, name)


def rename(data: dict[str, Any]) -> dict[str, Any]:
    """Apply the hostile names to a seed-lab scenario (as data): every reference follows its partition."""
    systems = {P750: SOURCE, P740: TARGET}
    for system in data["systems"]:
        system["name"] = systems[system["name"]]
        system["shared_proc_pools"] = [{"id": 0, "name": "DefaultPool"}, {"id": 1, "name": POOL, "max_proc_units": 8.0},
                                       {"id": 2, "name": POOL_RECORD_UNSAFE, "max_proc_units": 4.0}]
        for lpar in system["lpars"]:
            profile = PROFILE_RECORD_UNSAFE if lpar["name"] in PROFILE_RECORD_UNSAFE_LPARS else PROFILE
            lpar["name"] = hostile(lpar["name"])
            for kind in ("scsi", "fc"):
                for adapter in lpar.get(kind, []):
                    if adapter.get("remote_lpar") not in (None, "", "any"):
                        adapter["remote_lpar"] = hostile(adapter["remote_lpar"])
            if lpar.get("env") != "vioserver":
                lpar["profiles"] = [{"name": profile}]
                lpar["curr_profile"] = lpar["default_profile"] = profile
    return data


def with_remote_hmc(data: dict[str, Any]) -> dict[str, Any]:
    """Add the second HMC that hmc_trust sets up SSH key trust to."""
    data["hmcs"].append({"name": REMOTE_HMC, "ipaddr": "127.0.0.2", "version": "V7R7.8.0", "service_pack": "2",
                         "users": [{"name": REMOTE_USER, "password": REMOTE_PASSWORD}]})
    return data
