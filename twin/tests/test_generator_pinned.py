"""Generated fleets pinned byte for byte: the SHA-256 of the YAML dump plus the injected list, per argument set.

A refactoring of hmcsim.generator must leave every hash as it is. A change meant to alter generated fleets
updates the hash here in the same commit, and says why.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from hmcsim import generator, scenario

PINNED: dict[str, tuple[dict[str, Any], str]] = {
    "default": ({"seed": 1}, "491e5956842312a6c090f4593afc4cbcf02237087264cbbec915ce09596e0358"),
    "two_hmcs_groups": ({"seed": 11, "hmcs": 2, "systems": 10, "lpars": 200},
                        "194d63b9a4725f29bd68e64738277e86bfd316989cd7a2c7edd214f6d3352996"),
    "misconfig_all": ({"seed": 21, "hmcs": 2, "systems": 8, "lpars": 100, "misconfig": 0.3},
                      "b57c63e42e1123370bfd6178df4b5229a087566b8a57403b7fdc6524b57f6cb8"),
    "msp_pairs_links": ({"seed": 12, "hmcs": 2, "systems": 4, "lpars": 30, "misconfig": 0.1,
                         "link_gbps": [1, 10, 25], "msp_pairs": 2},
                        "6f3b60b0be25203e15157cc8bfa00201398102d38409a1f084a472aabb229895"),
    "landing_big_memory": ({"seed": 4, "systems": 8, "lpars": 120, "target_share": 0.5,
                            "memory_range_gb": (8, 2048), "inactive_share": 0.1, "san_group_size": 3},
                           "b25bf978cf703e9dee6487c2dff9e7e879fe84ae518563e969710a96489eff56"),
}


def fleet_hash(**kwargs: Any) -> str:
    sc, injected = generator.generate_with_report(**kwargs)
    text = scenario.dump(sc) + json.dumps(injected, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("name", sorted(PINNED))
def test_generated_fleet_is_pinned(name: str) -> None:
    kwargs, expected = PINNED[name]
    assert fleet_hash(**kwargs) == expected


def test_the_hash_sees_a_change() -> None:
    kwargs, expected = PINNED["default"]
    assert fleet_hash(**{**kwargs, "seed": 2}) != expected
