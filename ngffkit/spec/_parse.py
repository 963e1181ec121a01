"""Small parse helpers shared by the spec classes: each returns the narrow type or raises.

Every helper takes the JSON path of the value it parses (``where``), so a
message always says where the bad value was found.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, SupportsFloat

from ngffkit.errors import NgffValidationError

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_\-]+")

__all__ = [
    "expect_mapping",
    "expect_list",
    "expect_str",
    "expect_number",
    "expect_int",
    "finite",
    "non_finite",
    "pointer",
    "freeze",
]


def _fail(where: str, expected: str, got: object, rule: str) -> NgffValidationError:
    return NgffValidationError(f"{where}: expected {expected}, got {got!r}", rule=rule, path=where)


def expect_mapping(value: object, where: str, *, rule: str = "json-type") -> Mapping[str, Any]:
    """Return *value* if it is a JSON object, else raise naming *where*.

    Examples
    --------
    >>> expect_mapping({"a": 1}, "attrs")
    {'a': 1}
    """
    if not isinstance(value, Mapping):
        raise _fail(where, "a JSON object", value, rule)
    return value


def expect_list(
    value: object, where: str, *, rule: str = "json-type", min_len: int = 0
) -> list[Any]:
    """Return *value* as a list if it is a JSON array with at least *min_len* items.

    Examples
    --------
    >>> expect_list([1, 2], "scale", min_len=1)
    [1, 2]
    """
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise _fail(where, "a JSON array", value, rule)
    if len(value) < min_len:
        raise _fail(where, f"an array of at least {min_len} item(s)", value, rule)
    return list(value)


def expect_str(value: object, where: str, *, rule: str = "json-type") -> str:
    """Return *value* if it is a string.

    Examples
    --------
    >>> expect_str("x", "axes[0].name")
    'x'
    """
    if not isinstance(value, str):
        raise _fail(where, "a string", value, rule)
    return value


def expect_number(value: object, where: str, *, rule: str = "json-type") -> float:
    """Return *value* as a float if it is a finite JSON number (not a bool).

    Examples
    --------
    >>> expect_number(2, "scale[0]")
    2.0
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(where, "a finite number", value, rule)
    if not finite(value):
        raise _fail(where, "a finite number", value, "number-finite")
    return float(value)


def finite(value: SupportsFloat) -> bool:
    """True if *value* is a number a float can hold: not NaN, not infinite, not a huge int.

    JSON has no NaN or Infinity, but Python's json module reads and writes them, and an
    integer literal of 400 digits overflows every float.

    Examples
    --------
    >>> finite(1e308), finite(float("nan")), finite(10**400)
    (True, False, False)
    """
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def non_finite(value: object) -> Iterator[tuple[tuple[str | int, ...], int | float]]:
    """The (JSON path, number) of every NaN, Infinity or float-overflowing integer in *value*.

    A loop, not recursion: attribute documents can be deep.

    Examples
    --------
    >>> list(non_finite({"a": [1, float("inf")], "b": {"c": float("nan")}}))
    [(('b', 'c'), nan), (('a', 1), inf)]
    """
    todo: list[tuple[object, tuple[str | int, ...]]] = [(value, ())]
    while todo:
        item, parts = todo.pop()
        if isinstance(item, Mapping):
            todo += [(v, (*parts, str(k))) for k, v in item.items()]
        elif isinstance(item, list | tuple):
            todo += [(v, (*parts, i)) for i, v in enumerate(item)]
        elif isinstance(item, int | float) and not isinstance(item, bool) and not finite(item):
            yield parts, item


def pointer(parts: Sequence[str | int], root: str = "") -> str:
    """A JSON path as ngffkit's messages write it, continuing the path *root* if given.

    Examples
    --------
    >>> pointer(("multiscales", 0, "datasets", 1, "path"))
    'multiscales[0].datasets[1].path'
    >>> pointer(("bioformats2raw.layout",))
    '["bioformats2raw.layout"]'
    >>> pointer((1, "type"), "multiscales[0].coordinateTransformations")
    'multiscales[0].coordinateTransformations[1].type'
    """
    text = root
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.fullmatch(part):
            text += f".{part}" if text else part
        else:  # keys such as "bioformats2raw.layout" or "" stay readable and unambiguous
            text += f"[{json.dumps(part)}]"
    return text


def expect_int(value: object, where: str, *, rule: str = "json-type") -> int:
    """Return *value* if it is a JSON integer (a float with an integral value is accepted).

    Examples
    --------
    >>> expect_int(3.0, "label-value")
    3
    """
    if isinstance(value, bool):
        raise _fail(where, "an integer", value, rule)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, int):
        raise _fail(where, "an integer", value, rule)
    return value


def freeze(value: Any) -> Any:
    """Return a deep copy of JSON data with dicts and lists copied (so callers cannot alias it).

    Examples
    --------
    >>> freeze({"a": [1, {"b": 2}]})
    {'a': [1, {'b': 2}]}
    """
    if isinstance(value, Mapping):
        return {str(k): freeze(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [freeze(v) for v in value]
    return value
