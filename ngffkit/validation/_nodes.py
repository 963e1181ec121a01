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
    name = "zarr.json" if zarr_format == 3 else ".zattrs"
    return f"{describe_store(sp, path)}/{name}"


def array_file(sp: StorePath, path: str, zarr_format: int) -> str:
    name = "zarr.json" if zarr_format == 3 else ".zarray"
    return f"{describe_store(sp, path)}/{name}"


def open_node(sp: StorePath, path: str) -> Any:
    """Open the node at *path*: a zarr Group or Array; None if missing. Raises on corrupt JSON."""
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
    """Read one JSON file of the store, or None if it is absent. Raises ValueError on bad JSON."""
    # zarr has no public synchronous key read; its own sync bridge runs the store's coroutine.
    from zarr.core.buffer import default_buffer_prototype
    from zarr.core.sync import sync

    try:
        buffer = sync(sp.store.get(join_path(sp.path, key), prototype=default_buffer_prototype()))
    except (FileNotFoundError, KeyError):
        return None
    return None if buffer is None else json.loads(buffer.to_bytes())


def store_is_empty(sp: StorePath) -> bool:
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
    try:
        return open_node(sp, path)
    except METADATA_ERRORS:
        return None


def child_arrays(group: Any) -> list[str]:
    if group is None:
        return []
    try:
        return sorted(str(k) for k in group.array_keys())
    except Exception:  # unlistable stores (HTTP) cannot answer; say nothing
        return []
