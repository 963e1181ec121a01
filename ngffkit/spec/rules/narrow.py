"""Narrowing helpers for untrusted JSON: each check asks before it touches a value.

Examples
--------
>>> as_list({"a": 1}), numbers([1, 2.5]), duplicates(["a", "b", "a"])
(None, [1.0, 2.5], ['a'])
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias, TypeGuard

from ngffkit.spec._parse import finite

__all__ = [
    "JSON",
    "as_map",
    "as_list",
    "is_int",
    "is_number",
    "numbers",
    "duplicates",
    "short",
    "names_of",
    "io_field",
]

JSON: TypeAlias = Any
"""A decoded JSON value (dict, list, str, int, float, bool or None)."""


def as_map(value: object) -> Mapping[str, JSON] | None:
    """*value* if it is a JSON object, else None.

    Examples
    --------
    >>> as_map([1]) is None
    True
    """
    return value if isinstance(value, Mapping) else None


def as_list(value: object) -> list[JSON] | None:
    """*value* if it is a JSON array, else None.

    Examples
    --------
    >>> as_list([1])
    [1]
    """
    return value if isinstance(value, list) else None


def is_int(value: object) -> TypeGuard[int]:
    """True for a JSON integer (not a bool).

    Examples
    --------
    >>> is_int(3), is_int(True), is_int(3.0)
    (True, False, False)
    """
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> bool:
    """True for a finite JSON number (not a bool).

    Examples
    --------
    >>> is_number(1.5), is_number(float("nan")), is_number(False)
    (True, False, False)
    """
    return isinstance(value, int | float) and not isinstance(value, bool) and finite(value)


def numbers(value: object) -> list[float] | None:
    """*value* as floats if it is an array of finite numbers, else None.

    Examples
    --------
    >>> numbers([1, "a"]) is None
    True
    """
    items = as_list(value)
    if items is None or not all(is_number(v) for v in items):
        return None
    return [float(v) for v in items]


def duplicates(values: Iterable[object]) -> list[object]:
    """The values that occur more than once, each listed once, in order of first repeat.

    Examples
    --------
    >>> duplicates([1, 2, 1, 1, 3, 2])
    [1, 2]
    """
    seen: list[object] = []
    dups: list[object] = []
    for value in values:
        if value in seen and value not in dups:
            dups.append(value)
        seen.append(value)
    return dups


def short(value: object, limit: int = 80) -> str:
    """*value* as JSON (a string as its repr), cut to *limit* characters for a message.

    Examples
    --------
    >>> short(["x", "y"]), short("z")
    ('["x", "y"]', "'z'")
    """
    text = json.dumps(value, default=repr) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def names_of(entries: object) -> list[object]:
    """The ``name`` of each entry of a JSON array (None where an entry is not an object).

    Examples
    --------
    >>> names_of([{"name": "A"}, 3])
    ['A', None]
    """
    return [e.get("name") if isinstance(e, Mapping) else None for e in as_list(entries) or []]


def io_field(transform: Mapping[str, JSON], side: str, key: str) -> object:
    """``transform[side][key]`` of a 0.6 transform, or None where a step is missing.

    Examples
    --------
    >>> io_field({"output": {"name": "physical"}}, "output", "name")
    'physical'
    """
    node = as_map(transform.get(side))
    return node.get(key) if node is not None else None
