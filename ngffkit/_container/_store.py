"""The few store operations the container adds to `ngffkit.io`.

Everything here *merges*: group attributes are read, updated and written back
with every key ngffkit does not own kept, so rewriting an image's metadata never
drops its labels, tables, channel metadata or another tool's keys.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, cast

import dask.array as da
import numpy as np
import zarr
from zarr.storage import StorePath

from ngffkit._container._select import Selection
from ngffkit.errors import NgffValueError
from ngffkit.io.stores import child, describe_store, graph_reads, read_group
from ngffkit.io.tables import list_tables
from ngffkit.io.write import image_attrs, image_lock, refresh_consolidated
from ngffkit.model import Multiscales
from ngffkit.spec import (
    ZARR_FORMAT,
    LabelsAttrs,
    NgffVersion,
    ReadableVersion,
    decode_labels_attrs,
    encode_labels_attrs,
    parse_version,
)
from ngffkit.spec.names import check_name

__all__ = [
    "writable_version",
    "merge_attrs",
    "write_image_metadata",
    "read_label_names",
    "add_label_name",
    "ensure_labels_group",
    "read_table_names",
    "remove_label_name",
    "write_selection",
]


def writable_version(version: str, where: str) -> NgffVersion:
    """The version used for metadata writes into a store of *version*.

    Raises
    ------
    NgffValueError
        For 0.1-0.3 stores, whose metadata ngffkit reads but does not rewrite.

    Examples
    --------
    >>> writable_version("0.4", "img.zarr")
    '0.4'
    """
    try:
        return parse_version(version)
    except NgffValueError:
        raise NgffValueError(
            f"{where}: an OME-NGFF {version} store can be read and its pixels written, but ngffkit "
            f"writes metadata as 0.4, 0.5 or 0.6 only; convert it first (from_ngff_zarr + "
            f"to_ngff_zarr)"
        ) from None


def merge_attrs(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Merge group attributes: *new* wins per key, and the ``ome`` block is merged one level down.

    Examples
    --------
    >>> merge_attrs({"ome": {"version": "0.5", "x": 1}, "other": 2}, {"ome": {"version": "0.5", "omero": {}}})
    {'ome': {'version': '0.5', 'x': 1, 'omero': {}}, 'other': 2}
    """
    merged = {**old, **new}
    if isinstance(old.get("ome"), Mapping) and isinstance(new.get("ome"), Mapping):
        merged["ome"] = {**old["ome"], **new["ome"]}
    return merged


def write_image_metadata(sp: StorePath, ms: Multiscales, version: ReadableVersion) -> None:
    """Rewrite the image metadata of the group at *sp* from *ms*, keeping every other key."""
    version = writable_version(version, describe_store(sp))
    new = image_attrs(ms, version=version, where=describe_store(sp))
    # Read and rewrite as one step under the image lock: a consolidated-metadata refresh by
    # another writer rewrites this same document (Zarr v3) and must not undo the edit.
    with image_lock(sp):
        group = zarr.open_group(store=sp, mode="r+")
        group.update_attributes(merge_attrs(dict(group.attrs), new))
    refresh_consolidated(sp)  # a snapshot of the old metadata would hide the edit


def _labels_doc(sp: StorePath) -> LabelsAttrs | None:
    labels_sp = child(sp, "labels")
    try:
        group = read_group(labels_sp)  # its own document: a consolidated snapshot may lag
    except (FileNotFoundError, KeyError, zarr.errors.GroupNotFoundError):
        return None
    return decode_labels_attrs(
        dict(group.attrs), zarr_format=group.metadata.zarr_format, where=describe_store(labels_sp)
    )


def read_label_names(sp: StorePath) -> tuple[str, ...]:
    """The names listed by the ``labels`` group of the image at *sp* (empty without one)."""
    doc = _labels_doc(sp)
    return doc.labels if doc is not None else ()


def add_label_name(sp: StorePath, name: str, version: ReadableVersion) -> None:
    """List *name* in the ``labels`` group (created if missing), keeping the names already there."""
    check_name(name, "label", where=describe_store(sp))
    version = writable_version(version, describe_store(sp))
    with image_lock(sp):  # read and rewrite the list as one step: no entry is lost
        _add_label_name(sp, name, version)
    refresh_consolidated(child(sp, "labels"))


def _add_label_name(sp: StorePath, name: str, version: NgffVersion) -> None:
    labels_sp = child(sp, "labels")
    doc = _labels_doc(sp)
    if doc is None:
        group = zarr.open_group(store=labels_sp, mode="a", zarr_format=ZARR_FORMAT[version])
        doc = LabelsAttrs()
    else:
        group = zarr.open_group(store=labels_sp, mode="r+")
    if name in doc.labels:
        return
    new = encode_labels_attrs(replace(doc, labels=(*doc.labels, name)), version)
    group.update_attributes(merge_attrs(dict(group.attrs), new))


def ensure_labels_group(sp: StorePath, version: ReadableVersion) -> None:
    """Create an empty ``labels`` group (listing nothing) if the image has none."""
    if _labels_doc(sp) is not None:
        return
    version = writable_version(version, describe_store(sp))
    with image_lock(sp):
        if _labels_doc(sp) is not None:
            return  # another writer made it meanwhile
        group = zarr.open_group(
            store=child(sp, "labels"), mode="a", zarr_format=ZARR_FORMAT[version]
        )
        group.update_attributes(encode_labels_attrs(LabelsAttrs(), version))
    refresh_consolidated(child(sp, "labels"))


def read_table_names(sp: StorePath) -> tuple[str, ...]:
    """The names listed by the `tables` group (`{"tables": [...]}`), empty without one.

    Raises
    ------
    NgffValidationError
        If the `tables` attribute is not a list of names.
    """
    return list_tables(sp)


def remove_label_name(sp: StorePath, name: str, version: ReadableVersion) -> None:
    """Unlist *name* from the `labels` group, keeping the other names and keys."""
    check_name(name, "label", where=describe_store(sp))
    version = writable_version(version, describe_store(sp))
    with image_lock(sp):
        _remove_label_name(sp, name, version)
    refresh_consolidated(child(sp, "labels"))


def _remove_label_name(sp: StorePath, name: str, version: NgffVersion) -> None:
    doc = _labels_doc(sp)
    if doc is None or name not in doc.labels:
        return
    group = zarr.open_group(store=child(sp, "labels"), mode="r+")
    new = encode_labels_attrs(
        replace(doc, labels=tuple(n for n in doc.labels if n != name)), version
    )
    group.update_attributes(merge_attrs(dict(group.attrs), new))


def write_selection(
    array: zarr.Array[Any], selection: Selection, patch: Any, *, where: str
) -> None:
    """Write *patch* (numpy or dask, shaped like ``selection.full_shape``) into *array* at *where*."""
    if isinstance(patch, da.Array) and graph_reads(patch, where):
        # The patch is computed from this very array (e.g. a shifted copy of a region): read it
        # all before writing, or one block could overwrite pixels another block still has to read.
        patch = patch.compute()
    if isinstance(patch, da.Array):
        if selection.is_contiguous:
            # Blocks may straddle stored chunks: a lock keeps two read-modify-writes of one
            # chunk apart, while the blocks are still computed in parallel.
            da.store(
                patch,
                cast(Any, array),
                regions=selection.region(),
                lock=threading.Lock(),
                compute=True,
            )
            return
        patch = patch.compute()
    # zarr drops the axes indexed by an int in orthogonal selections, like numpy.
    array.set_orthogonal_selection(
        selection.orthogonal(), np.asarray(patch).reshape(selection.shape)
    )
