# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Where estate facts given by a user (a file, a fact, a registered result) differ from the shape estate_info returns.

The shape is the TypedDicts of ``_estate_model``, read from their annotations, so this check follows the model when it
grows. Each problem names the path of the bad field, as the window and scenario checks do:
``estate.systems.p750.partitions.b750db1.memory.current_mb: expected an integer, got a string ('lots')``. Keys the
model does not know are allowed (newer facts); a missing key is a problem.

Modules use it twice. Before they use an estate they refuse one holding a value of the wrong type
(:func:`type_refusal`): a boolean or a fraction where an integer belongs would otherwise be computed with and give a
wrong plan or finding without any error. A missing key is not refused up front, so facts of an older release that the
code tolerates still work; when using an estate fails, :func:`shape_message` explains it with every problem.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any, Union

from ansible_collections.powervm.lpm.plugins.module_utils import _estate_model
from ansible_collections.powervm.lpm.plugins.module_utils._data_check import Checker, at

MAX_PROBLEMS = 20


def _is_typed_dict(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__annotations__") and hasattr(tp, "__total__")


def _hints(tp: type) -> dict[str, Any]:
    return typing.get_type_hints(tp, vars(_estate_model))


class _Walker:
    def __init__(self, missing: bool = True) -> None:
        self.checker = Checker()
        self.missing = missing

    @property
    def full(self) -> bool:
        return len(self.checker.problems) >= MAX_PROBLEMS

    def check(self, tp: Any, value: Any, path: str) -> None:
        if self.full:
            return
        origin = typing.get_origin(tp)
        if origin in (Union, types.UnionType):
            options = typing.get_args(tp)
            if value is None and type(None) in options:
                return
            kinds = [option for option in options if option is not type(None)]
            if len(kinds) == 1 and self._is_container(kinds[0]) and self._fits(kinds[0], value):
                self.check(kinds[0], value, path)
            elif not any(self._fits(kind, value) for kind in kinds):
                self.checker.wrong_type(path, value, " or ".join(self._name(kind) for kind in options))
        elif _is_typed_dict(tp):
            self._record(tp, value, path)
        elif origin is list:
            items = self.checker.items(path, value)
            (element,) = typing.get_args(tp)
            for index, item in enumerate(items or ()):
                self.check(element, item, at(path, index))
        elif origin is dict:
            mapping = self.checker.mapping(path, value)
            element = typing.get_args(tp)[1]
            for key, item in (mapping or {}).items():
                self.check(element, item, at(path, key))
        elif not self._fits(tp, value):
            self.checker.wrong_type(path, value, self._name(tp))

    def _record(self, tp: type, value: Any, path: str) -> None:
        mapping = self.checker.mapping(path, value)
        if mapping is None:
            return
        for key, hint in _hints(tp).items():
            if self.full:
                return
            if key not in mapping:
                if self.missing:
                    self.checker.add(at(path, key), "is required")
            else:
                self.check(hint, mapping[key], at(path, key))

    @staticmethod
    def _is_container(tp: Any) -> bool:
        return typing.get_origin(tp) in (list, dict) or _is_typed_dict(tp)

    @staticmethod
    def _fits(tp: Any, value: Any) -> bool:
        if tp is Any:
            return True
        if tp is bool:
            return isinstance(value, bool)
        if tp is int:
            return isinstance(value, int) and not isinstance(value, bool)
        if tp is float:
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if tp is str:
            return isinstance(value, str)
        origin = typing.get_origin(tp)
        if origin is list:
            return isinstance(value, list)
        if origin is dict or _is_typed_dict(tp):
            return isinstance(value, Mapping)
        return True

    @staticmethod
    def _name(tp: Any) -> str:
        names = {bool: "true or false", int: "an integer", float: "a number", str: "a string", type(None): "null"}
        if tp in names:
            return names[tp]
        origin = typing.get_origin(tp)
        return "a list" if origin is list else "a mapping"


def estate_problems(value: Any, path: str = "estate", missing: bool = True) -> list[str]:
    """Every place (up to MAX_PROBLEMS) where ``value`` differs from an estate as estate_info returns it.

    ``value`` may be one estate, the whole registered result of estate_info (holding ``estate``), or a list of them
    (one per HMC). With ``missing=False`` only values of the wrong type count, not missing keys.
    """
    walker = _Walker(missing)
    items = value if isinstance(value, list) else [value]
    for index, item in enumerate(items):
        where = at(path, index) if isinstance(value, list) else path
        if isinstance(item, Mapping) and "estate" in item and "systems" not in item:
            item, where = item["estate"], at(where, "estate")
        walker.check(_estate_model.EstateFacts, item, where)
    return walker.checker.problems[:MAX_PROBLEMS]


def _message(lead: str, problems: list[str]) -> str:
    more = f" (and {len(problems) - 1} more, see problems)" if len(problems) > 1 else ""
    return f"{lead}: {problems[0]}{more}"


LEAD = "the estate does not have the shape powervm.lpm.estate_info returns"


def shape_message(value: Any, error: Exception, lead: str = LEAD, path: str = "estate") -> tuple[str, list[str]]:
    """The message and problems of a module that could not use the estate it was given (``error`` is what it hit):
    ``LEAD (KeyError: 'lmb_mb'): <first problem> (and N more, see problems)``."""
    problems = estate_problems(value, path)
    message = f"{lead} ({type(error).__name__}: {error})"
    return (_message(message, problems) if problems else message), problems


def type_refusal(value: Any, lead: str = LEAD, path: str = "estate") -> tuple[str, list[str]]:
    """The message and problems for an estate holding a value of the wrong type (no problems, and an empty message, when
    every value present has the type estate_info gives it): ``LEAD: estate.systems.S.partitions.P.memory.current_mb:
    expected an integer or null, got a boolean (true) (and N more, see problems)``."""
    problems = estate_problems(value, path, missing=False)
    return (_message(lead, problems) if problems else ""), problems
