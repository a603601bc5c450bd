# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Checking user data (YAML or JSON documents) field by field, with every problem named by its path.

A :class:`Checker` collects problems instead of stopping at the first one, so a user fixes a file in
one go. Paths read like the data: ``disruption_groups[1].members[0]``. Unknown keys get a "did you
mean" hint from the allowed keys.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")


class DataError(ValueError):
    """Data that failed its checks; ``problems`` holds one ``path: message`` line per problem."""

    def __init__(self, problems: Iterable[str], source: str = "") -> None:
        self.problems = list(problems)
        self.source = source
        where = f"{source}: " if source else ""
        if len(self.problems) == 1:
            text = f"{where}{self.problems[0]}"
        else:
            text = f"{where}{len(self.problems)} problems:\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(text)


def at(path: str, key: str | int) -> str:
    """The path of ``key`` inside ``path``: ``at("a", "b") == "a.b"``, ``at("a", 1) == "a[1]"``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def describe(value: Any) -> str:
    """A short description of a value's type, with the value when it is short."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({'true' if value else 'false'})"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, float):
        return f"a number ({value:g})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"a string ({shown!r})"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"an unknown type ({type(value).__name__})"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Checker:
    """Collects problems; each check returns the value when it is good and None otherwise."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(f"{path or '(top level)'}: {message}")

    def wrong_type(self, path: str, value: Any, expected: str) -> None:
        self.add(path, f"expected {expected}, got {describe(value)}")

    def raise_if_any(self, source: str = "") -> None:
        if self.problems:
            raise DataError(self.problems, source)

    # ----- containers -----
    def mapping(self, path: str, value: Any) -> dict[str, Any] | None:
        if not isinstance(value, Mapping):
            self.wrong_type(path, value, "a mapping")
            return None
        bad = [k for k in value if not isinstance(k, str)]
        for key in bad:
            self.add(at(path, str(key)), f"keys must be strings, got {describe(key)}")
        return {k: v for k, v in value.items() if isinstance(k, str)}

    def keys(self, path: str, data: Mapping[str, Any], allowed: Collection[str], required: Iterable[str] = ()) -> None:
        """Report keys not in ``allowed`` (with a hint) and ``required`` keys that are missing."""
        for key in data:
            if key not in allowed:
                self.add(at(path, key), f"unknown key{did_you_mean(key, allowed)}; allowed keys: {', '.join(sorted(allowed))}")
        for key in required:
            if key not in data:
                self.add(at(path, key), "is required")

    def required(self, path: str, data: Mapping[str, Any], key: str, check: Callable[..., T | None], **kwargs: Any) -> T | None:
        """``check(path.key, data[key], **kwargs)``; None, silently, when the key is missing (``keys`` reports it)."""
        if key not in data:
            return None
        return check(at(path, key), data[key], **kwargs)

    def items(self, path: str, value: Any) -> list[Any] | None:
        if not isinstance(value, list):
            self.wrong_type(path, value, "a list")
            return None
        return value

    # ----- scalars -----
    def string(self, path: str, value: Any, *, empty_ok: bool = False) -> str | None:
        if not isinstance(value, str):
            self.wrong_type(path, value, "a string")
            return None
        if not empty_ok and not value.strip():
            self.add(path, "must not be empty")
            return None
        return value

    def optional_string(self, path: str, value: Any) -> str | None:
        return None if value is None else self.string(path, value, empty_ok=True)

    def boolean(self, path: str, value: Any) -> bool | None:
        if not isinstance(value, bool):
            self.wrong_type(path, value, "true or false")
            return None
        return value

    def integer(self, path: str, value: Any, minimum: int | None = None, maximum: int | None = None) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.wrong_type(path, value, "an integer")
            return None
        return value if self._in_range(path, value, minimum, maximum) else None

    def number(self, path: str, value: Any, minimum: float | None = None) -> float | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.wrong_type(path, value, "a number")
            return None
        return float(value) if self._in_range(path, value, minimum, None) else None

    def optional_number(self, path: str, value: Any, minimum: float | None = None) -> float | None:
        return None if value is None else self.number(path, value, minimum)

    def choice(self, path: str, value: Any, choices: Collection[str]) -> str | None:
        text = self.string(path, value)
        if text is None:
            return None
        if text not in choices:
            self.add(path, f"{text!r} is not one of {', '.join(choices)}{did_you_mean(text, choices)}")
            return None
        return text

    def strings(self, path: str, value: Any, *, empty_ok: bool = True) -> list[str] | None:
        """A list of non-empty strings (each bad item is reported with its index)."""
        items = self.items(path, value)
        if items is None:
            return None
        if not empty_ok and not items:
            self.add(path, "must list at least one entry")
            return None
        good = [self.string(at(path, i), item) for i, item in enumerate(items)]
        return [g for g in good if g is not None] if all(g is not None for g in good) else None

    def _in_range(self, path: str, value: float, minimum: float | None, maximum: float | None) -> bool:
        if minimum is not None and value < minimum:
            self.add(path, f"must be at least {minimum:g}, got {value:g}")
            return False
        if maximum is not None and value > maximum:
            self.add(path, f"must be at most {maximum:g}, got {value:g}")
            return False
        return True
