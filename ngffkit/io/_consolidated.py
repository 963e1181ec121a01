"""Consolidated metadata that stays current: rewritten after every write below it.

Consolidated metadata (``.zmetadata`` for Zarr v2, the root ``zarr.json``'s
``consolidated_metadata`` for v3) is a snapshot of every node's metadata. A reader that trusts
it (zarr-python opens with it by default) sees only what the snapshot holds, so a label, table,
field or channel edit written after it would be invisible to that reader: silent data loss.
Every metadata write of the container and the plate therefore ends with
[`refresh_consolidated`][ngffkit.io._consolidated.refresh_consolidated], which rewrites each
snapshot found at the written node or above it (a field's plate, a label's image). Stores
without consolidated metadata pay one small read per level of the path and are left as they are.
"""

from __future__ import annotations

import json

from zarr.core.buffer import default_buffer_prototype
from zarr.core.sync import sync
from zarr.storage import StorePath

from ngffkit.io._lock import image_lock
from ngffkit.io.stores import join_path, write_consolidated

__all__ = ["consolidated_roots", "refresh_consolidated"]


def _has_consolidated(sp: StorePath, path: str) -> bool:
    prototype = default_buffer_prototype()
    if sync(sp.store.exists(join_path(path, ".zmetadata"))):
        return True
    raw = sync(sp.store.get(join_path(path, "zarr.json"), prototype=prototype))
    if raw is None:
        return False
    try:
        doc = json.loads(raw.to_bytes())
    except ValueError:
        return False  # an unreadable document is the reader's to report, not a snapshot
    return isinstance(doc, dict) and isinstance(doc.get("consolidated_metadata"), dict)


def consolidated_roots(sp: StorePath) -> list[StorePath]:
    """The groups at *sp* or above it (in its store) that hold consolidated metadata.

    Examples
    --------
    >>> import zarr
    >>> from zarr.storage import MemoryStore
    >>> store = MemoryStore()
    >>> root = zarr.create_group(store=store, zarr_format=2)
    >>> _ = root.create_group("B/03")
    >>> _ = zarr.consolidate_metadata(store)
    >>> [r.path for r in consolidated_roots(StorePath(store, "B/03"))]
    ['']
    """
    parts = [p for p in sp.path.split("/") if p]
    paths = ["/".join(parts[:n]) for n in range(len(parts), -1, -1)]
    return [StorePath(sp.store, p) for p in paths if _has_consolidated(sp, p)]


def refresh_consolidated(sp: StorePath) -> None:
    """Rewrite every consolidated metadata document at *sp* or above, after a write at *sp*.

    Call it after the write is complete (a label listed, a table written, a well added), outside
    any lock on the same group: it takes each root's image lock itself, so the snapshot is never
    written over an attribute edit made at the same time, and then holds the write.

    Examples
    --------
    >>> import zarr
    >>> from zarr.storage import MemoryStore
    >>> store = MemoryStore()
    >>> root = zarr.create_group(store=store, zarr_format=2)
    >>> _ = zarr.consolidate_metadata(store)
    >>> _ = root.create_group("labels")
    >>> refresh_consolidated(StorePath(store, "labels"))
    >>> "labels/.zgroup" in json.loads(store._store_dict[".zmetadata"].to_bytes())["metadata"]
    True
    """
    for root in consolidated_roots(sp):
        # Zarr v3 keeps the snapshot inside the root's own zarr.json: rewriting it while another
        # writer edits that document's attributes would undo the edit. ngffkit's attribute edits
        # hold the same lock (and call this after releasing theirs, so it never nests).
        with image_lock(root):
            write_consolidated(root)
