"""The one rule for names that become zarr node names: labels, tables, levels, wells, fields.

A name is one path segment inside an image. A name that is empty, ``.`` or ``..``,
holds a separator or a control character, is absolute, or is one of zarr's own
metadata keys would address some *other* node (``delete_label("")`` would be the whole
``labels`` group), so every API that takes such a name, and every reader that meets one
in another tool's metadata, checks it here before touching a store.

Examples
--------
>>> check_name("nuclei", "label")
'nuclei'
>>> is_safe_name("../tables")
False
"""

from __future__ import annotations

import re

from ngffkit.errors import NgffValueError

__all__ = ["ZARR_KEYS", "check_name", "is_safe_name", "name_problem"]

ZARR_KEYS = frozenset({"zarr.json", ".zattrs", ".zgroup", ".zarray", ".zmetadata"})
"""Keys zarr itself stores inside a node: never a child's name."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def name_problem(name: object) -> str | None:
    """Why *name* cannot be a node name, or None if it can.

    Examples
    --------
    >>> name_problem("a/b")
    "contains '/'"
    >>> name_problem("cells") is None
    True
    """
    if not isinstance(name, str):
        return f"is a {type(name).__name__}, not a string"
    if not name:
        return "is empty"
    if name in (".", ".."):
        return "is a relative path component"
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "is an absolute path"
    for sep in ("/", "\\"):
        if sep in name:
            return f"contains {sep!r}"
    if _CONTROL.search(name):
        return "contains a control character"
    if name.lower() in ZARR_KEYS:
        return "is one of zarr's own metadata keys"
    if name != name.strip():
        return "starts or ends with whitespace"
    return None


def is_safe_name(name: object) -> bool:
    """True if *name* can be used as one node name.

    Examples
    --------
    >>> [is_safe_name(n) for n in ("0", "", ".zattrs", "B03")]
    [True, False, False, True]
    """
    return name_problem(name) is None


def check_name(name: object, what: str, *, where: str | None = None) -> str:
    """Return *name* if it is a safe node name, else raise `NgffValueError`.

    Parameters
    ----------
    name
        The candidate name.
    what
        What the name is for, used in the message (``"label"``, ``"table"``, ``"paths[1]"``).
    where
        The store the name belongs to, if known, for the message.

    Examples
    --------
    >>> check_name("..", "label")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ngffkit.errors.NgffValueError: label name: expected one plain name (...), got '..', which ...
    """
    problem = name_problem(name)
    if problem is None:
        assert isinstance(name, str)
        return name
    at = f" at {where}" if where else ""
    raise NgffValueError(
        f"{what} name{at}: expected one plain name (no '/', '\\', '.', '..', control "
        f"characters or zarr keys), got {name!r}, which {problem}"
    )
