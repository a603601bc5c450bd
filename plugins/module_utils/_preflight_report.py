# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The JSON report file of a preflight: the verdicts, findings and fixes, written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from typing import Any

# The parts of a preflight result the report file holds (the text lines are left out: they repeat it).
REPORT_KEYS = ("ready", "summary", "pairs", "fixes", "fact_warnings", "commands", "stats")


def report_of(result: Mapping[str, Any]) -> dict[str, Any]:
    return {key: result[key] for key in REPORT_KEYS if key in result}


def write_report(path: str, result: Mapping[str, Any]) -> None:
    """Write the report of ``result`` to ``path`` as indented JSON, mode 0600, replacing the file at once."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".preflight-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(report_of(result), handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
