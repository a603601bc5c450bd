"""Make the collection and the twin importable from a checkout, without installing either.

The collection's code imports itself as ``ansible_collections.powervm.lpm``; a temporary directory
holding ``ansible_collections/powervm/lpm`` as a link to the checkout is put first on ``sys.path``.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@functools.cache
def collections_root() -> Path:
    """A directory whose ``ansible_collections/powervm/lpm`` is this checkout (created once per process)."""
    root = Path(tempfile.mkdtemp(prefix="bench-collections-"))
    atexit.register(shutil.rmtree, root, True)
    link = root / "ansible_collections" / "powervm" / "lpm"
    link.parent.mkdir(parents=True)
    link.symlink_to(REPO, target_is_directory=True)
    return root


def setup() -> None:
    """Put the collection (and the twin, when it is not installed) on ``sys.path``."""
    root = str(collections_root())
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        import hmcsim  # noqa: F401, PLC0415  pylint: disable=import-outside-toplevel,unused-import
    except ImportError:
        sys.path.insert(0, str(REPO / "twin"))
