"""Store access for the hierarchy walk: open a node, read a key, name a file in messages.

A walk reads metadata only; every helper tolerates what is missing and says what is broken.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zarr
from zarr.errors import ContainsArrayError, ContainsGroupError
from zarr.storage import LocalStore, StorePath

from ngffkit.io.stores import METADATA_ERRORS, describe_store, join_path
from ngffkit.spec.rules import ValidationIssue
from ngffkit.spec.rules.narrow import JSON
from ngffkit.spec.versions import NgffVersion
from ngffkit.validation._document import Doc

__all__ = [
    "Group",
    "Walk",
    "group_file",
    "array_file",
    "open_node",
    "open_node_quiet",
    "read_json",
    "store_is_empty",
    "child_arrays",
]


@dataclass(frozen=True)
class Group:
    """An opened group and the result of checking its attributes."""

    path: str
    group: Any  # zarr.Group; Any because zarr ships without complete annotations for mypy here
    file: str
    doc: Doc


@dataclass
class Walk:
    """Mutable state of one hierarchy walk (local to a single `validate` call)."""

    sp: StorePath
    override: NgffVersion | None
    strict: bool
    issues: list[ValidationIssue]
    visited: set[str]
    chunks: bool = False
    covered: list[str] = field(default_factory=list)
    """What the walk checked beyond the root, in words (a plate: its wells and fields)."""


def group_file(sp: StorePath, path: str, zarr_format: int) -> str:
    """The file holding a group's attributes, as the report names it.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> group_file(StorePath(MemoryStore(), ""), "labels", 2)  # doctest: +ELLIPSIS
    'memory://.../labels/.zattrs'
    """
    name = "zarr.json" if zarr_format == 3 else ".zattrs"
    return f"{describe_store(sp, path)}/{name}"


def array_file(sp: StorePath, path: str, zarr_format: int) -> str:
    """The file holding an array's metadata, as the report names it.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> array_file(StorePath(MemoryStore(), ""), "0", 3)  # doctest: +ELLIPSIS
    'memory://.../0/zarr.json'
    """
    name = "zarr.json" if zarr_format == 3 else ".zarray"
    return f"{describe_store(sp, path)}/{name}"


def open_node(sp: StorePath, path: str) -> Any:
    """Open the node at *path*: a zarr Group or Array; None if missing. Raises on corrupt JSON.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> sp = StorePath(MemoryStore(), "")
    >>> _ = zarr.create_group(sp).create_array("0", shape=(2,), dtype="u1")
    >>> type(open_node(sp, "0")).__name__, open_node(sp, "missing")
    ('Array', None)
    """
    try:
        return zarr.open_group(store=sp, path=path, mode="r")
    except ContainsArrayError:
        pass
    except (FileNotFoundError, KeyError):  # zarr's NodeNotFoundError is a FileNotFoundError
        pass
    try:
        return zarr.open_array(store=sp, path=path, mode="r")
    except (FileNotFoundError, KeyError, ContainsGroupError):
        return None


def read_json(sp: StorePath, key: str) -> JSON:
    """Read one JSON file of the store, or None if it is absent. Raises ValueError on bad JSON.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> sp = StorePath(MemoryStore(), "")
    >>> _ = zarr.create_group(sp, zarr_format=2)
    >>> read_json(sp, ".zgroup"), read_json(sp, ".zattrs.missing")
    ({'zarr_format': 2}, None)
    """
    # zarr has no public synchronous key read; its own sync bridge runs the store's coroutine.
    from zarr.core.buffer import default_buffer_prototype
    from zarr.core.sync import sync

    try:
        buffer = sync(sp.store.get(join_path(sp.path, key), prototype=default_buffer_prototype()))
    except (FileNotFoundError, KeyError):
        return None
    return None if buffer is None else json.loads(buffer.to_bytes())


def store_is_empty(sp: StorePath) -> bool:
    """True when nothing is stored at *sp* (False when the store cannot list its keys).

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> store_is_empty(StorePath(MemoryStore(), ""))
    True
    """
    store = sp.store
    if isinstance(store, LocalStore):
        root = Path(store.root) / sp.path
        return not root.exists() or not any(root.iterdir())
    try:
        from zarr.core.sync import sync  # zarr's own bridge from sync code to its event loop

        return bool(sync(store.is_empty(sp.path)))
    except Exception:  # an unlistable store is not evidence of a missing one
        return False


def open_node_quiet(sp: StorePath, path: str) -> Any:
    """`open_node`, but None for unreadable metadata too (another rule reports it).

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> open_node_quiet(StorePath(MemoryStore(), ""), "0") is None
    True
    """
    try:
        return open_node(sp, path)
    except METADATA_ERRORS:
        return None


def child_arrays(group: Any) -> list[str]:
    """The names of a group's arrays, sorted; empty when the store cannot list them.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> group = zarr.create_group(MemoryStore())
    >>> _ = group.create_array("1", shape=(2,), dtype="u1")
    >>> _ = group.create_array("0", shape=(4,), dtype="u1")
    >>> child_arrays(group), child_arrays(None)
    (['0', '1'], [])
    """
    if group is None:
        return []
    try:
        return sorted(str(k) for k in group.array_keys())
    except Exception:  # unlistable stores (HTTP) cannot answer; say nothing
        return []
