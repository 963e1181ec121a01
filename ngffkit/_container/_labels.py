"""Label images of a container's image: create one like the image, delete one.

Both keep the ``labels`` list and the groups consistent for readers at every moment: a new
label is listed only once its arrays are written, and a deleted one is unlisted before its
group goes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from zarr.core.sync import sync
from zarr.storage import StorePath

from ngffkit._container._plan import label_pyramid, parse_label_colors, parse_label_properties
from ngffkit._container._store import (
    add_label_name,
    ensure_labels_group,
    read_label_names,
    remove_label_name,
    writable_version,
)
from ngffkit.errors import NgffExistsError, NgffKeyError
from ngffkit.io.stores import child, describe_store
from ngffkit.io.write import to_ngff_zarr
from ngffkit.model import Multiscales
from ngffkit.spec import ReadableVersion
from ngffkit.spec.names import check_name

__all__ = ["create_label", "delete_label_image"]


def create_label(
    sp: StorePath,
    multiscales: Multiscales,
    version: ReadableVersion,
    name: str,
    *,
    dtype: Any,
    colors: Mapping[int, object] | None,
    properties: Mapping[int, Mapping[str, Any]] | Sequence[Mapping[str, Any]] | None,
    overwrite: bool,
) -> None:
    """Write ``labels/<name>``, an empty label pyramid like *multiscales*, and list it.

    Raises
    ------
    NgffExistsError
        If the label exists and *overwrite* is False (nothing is written).
    NgffValueError
        For a bad name, a non-integer dtype or bad colours and properties.

    Examples
    --------
    >>> import numpy as np, ngffkit
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.io.stores import open_store
    >>> sp = open_store(MemoryStore(), mode="w")
    >>> ms = ngffkit.to_multiscales(ngffkit.to_ngff_image(np.zeros((32, 32), "u1")))
    >>> ngffkit.to_ngff_zarr(sp, ms)
    >>> create_label(sp, ms, "0.5", "cells", dtype="uint16", colors=None, properties=None,
    ...              overwrite=False)
    >>> read_label_names(sp)
    ('cells',)
    """
    where = describe_store(sp)
    check_name(name, "label", where=where)
    version = writable_version(version, where)
    ms = label_pyramid(
        multiscales,
        name=name,
        dtype=dtype,
        colors=parse_label_colors(colors) if colors else (),
        properties=parse_label_properties(properties) if properties else (),
    )
    label_sp = child(sp, "labels", name)
    exists = name in read_label_names(sp) or not sync(label_sp.is_empty())
    if exists and not overwrite:
        raise NgffExistsError(
            f"label {name!r} already exists in {where}/labels; pass overwrite=True to replace it "
            f"(nothing was written)"
        )
    ensure_labels_group(sp, version)
    to_ngff_zarr(label_sp, ms, version=version, overwrite=overwrite)
    add_label_name(sp, name, version)


def delete_label_image(
    sp: StorePath, version: ReadableVersion, name: str, *, missing_ok: bool
) -> None:
    """Unlist ``labels/<name>`` from the labels group, then remove its group.

    Raises
    ------
    NgffKeyError
        If there is no such label and *missing_ok* is False; the message lists the labels.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.io.stores import open_store
    >>> delete_label_image(open_store(MemoryStore(), mode="w"), "0.5", "x", missing_ok=True)
    """
    where = describe_store(sp)
    check_name(name, "label", where=where)
    names = list(read_label_names(sp))
    label_sp = child(sp, "labels", name)
    if name not in names and sync(label_sp.is_empty()):
        if missing_ok:
            return
        raise NgffKeyError(
            f"label {name!r}: not among the labels of {where}: {names}"
            + ("" if names else " (this image has no labels)")
        )
    version = writable_version(version, where)
    # Unlist first: a reader never sees a listed label whose group is half deleted.
    remove_label_name(sp, name, version)
    sync(label_sp.delete_dir())
