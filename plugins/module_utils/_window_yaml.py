# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Reading a maintenance window file: YAML, strictly.

* A key given twice in one mapping is an error (plain YAML keeps the last one silently).
* Timestamps stay strings, so the checks see what the user wrote (a timezone is mandatory, and
  ``2026-03-14 22:00`` must not quietly become a naive datetime).
* Syntax errors name the line and column.
"""

from __future__ import annotations

import functools
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._data_check import DataError

try:
    import yaml
except ImportError:  # ansible-core needs PyYAML on the controller; checked again in parse_yaml
    yaml = None

TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


@functools.lru_cache(maxsize=1)
def strict_loader() -> Any:
    """A SafeLoader without timestamp resolution that refuses duplicate keys."""

    class StrictLoader(yaml.SafeLoader):  # type: ignore[name-defined,misc]  # pylint: disable=too-many-ancestors
        yaml_implicit_resolvers = {
            first: [(tag, regexp) for tag, regexp in resolvers if tag != TIMESTAMP_TAG]
            for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }

        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            seen: dict[Any, int] = {}
            for key_node in (pair[0] for pair in node.value):
                key = self.construct_object(key_node, deep=deep)
                try:
                    hash(key)
                except TypeError:
                    continue  # the base class reports unhashable keys
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise DataError([f"line {line}: key {key!r} is given twice (first on line {seen[key]})"])
                seen[key] = line
            return dict(super().construct_mapping(node, deep=deep))

    return StrictLoader


def parse_yaml(text: str, source: str = "") -> Any:
    """The document in ``text``; :class:`DataError` for bad YAML, duplicate keys or an empty file."""
    if yaml is None:
        raise DataError(["reading a window file needs the Python package PyYAML"], source)
    try:
        data = yaml.load(text, Loader=strict_loader())  # nosec B506 - a SafeLoader subclass
    except DataError as exc:
        raise DataError(exc.problems, source) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise DataError([f"{where}not valid YAML: {problem}"], source) from None
    if data is None:
        raise DataError(["the file is empty"], source)
    return data


def read_yaml(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise DataError([f"cannot read the file: {exc.strerror or exc}"], path) from None
    except UnicodeDecodeError as exc:
        raise DataError([f"not UTF-8 text: {exc.reason} at byte {exc.start}"], path) from None
    return parse_yaml(text, path)
