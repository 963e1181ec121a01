"""Copying table groups between stores and Zarr formats, and the pipeline hooks of the writer."""

from __future__ import annotations

import itertools
import json
import math
import posixpath
import warnings
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import zarr
from zarr.storage import StorePath

from ngffkit.errors import (
    NgffConversionError,
    NgffExistsError,
    NgffNotFoundError,
    NgffValueError,
)
from ngffkit.io._consolidated import refresh_consolidated
from ngffkit.io._lock import image_lock
from ngffkit.io._replace import staged_write
from ngffkit.io.stores import StoreLike, child, describe_store, is_url, join_path, open_store
from ngffkit.io.tables._meta import (
    _V2_META,
    _V3_META,
    ZarrFormat,
)
from ngffkit.io.tables._store import (
    _exists,
    _get,
    _image_group,
    _inside,
    _list_keys,
    _open_group,
    _set,
    _write_names,
    _zarr_format_at,
    list_tables,
)
from ngffkit.model import TableSource
from ngffkit.spec import ZARR_FORMAT, NgffVersion, parse_version
from ngffkit.spec.names import check_name

if TYPE_CHECKING:
    from zarr.abc.store import Store


# ---------------------------------------------------------------------------- copying


def _blocks(shape: tuple[int, ...], chunks: tuple[int, ...]) -> Iterator[tuple[slice, ...]]:
    """The regions of a regular grid of *chunks* over *shape*, one at a time."""
    ranges = [range(math.ceil(s / c)) for s, c in zip(shape, chunks, strict=True)]
    for index in itertools.product(*ranges):
        yield tuple(
            slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(index, chunks, shape, strict=True)
        )


def _convert_array(
    source: StorePath, target: StorePath, zarr_format: ZarrFormat, where: str
) -> None:
    """Copy one array into the other Zarr format, one stored chunk (or shard) at a time."""
    try:
        array = zarr.open_array(store=source, mode="r")
    except Exception as exc:  # zarr raises ValueError, TypeError ... for types it cannot read
        raise NgffConversionError(
            f"{where}: cannot convert this array to Zarr v{zarr_format}: expected a data type "
            f"that zarr-python reads in Zarr v2 and v3 (numbers, booleans, strings), but "
            f"zarr cannot open it ({type(exc).__name__}: {exc})"
        ) from exc
    dtype = array.metadata.dtype
    # Zarr v2 has no shards: one v2 chunk per source shard keeps the object count.
    unit = (array.shards or array.chunks) if zarr_format == 2 else array.chunks
    chunks = tuple(max(1, int(c)) for c in unit)
    options: dict[str, Any] = {}
    if array.metadata.fill_value is not None:
        options["fill_value"] = array.metadata.fill_value
    try:
        copy = zarr.create_array(
            store=target,
            shape=array.shape,
            dtype=dtype,
            chunks=chunks,
            attributes=dict(array.attrs),
            zarr_format=zarr_format,
            overwrite=True,
            **options,
        )
    except Exception as exc:
        raise NgffConversionError(
            f"{where}: a Zarr v{array.metadata.zarr_format} array of data type {dtype} cannot be "
            f"stored in Zarr v{zarr_format} ({type(exc).__name__}: {exc})"
        ) from exc
    for region in _blocks(array.shape, chunks):
        copy[region] = array[region]


def _node_kinds(
    store: Store, path: str, relative: list[str], zarr_format: int
) -> tuple[list[str], list[str], list[str]]:
    """Groups, arrays and consolidated groups of a subtree, as paths relative to *path*."""
    groups, arrays, consolidated = [], [], []
    for rel in relative:
        node, leaf = posixpath.split(rel)
        if zarr_format == 2:
            if leaf == ".zgroup":
                groups.append(node)
            elif leaf == ".zarray":
                arrays.append(node)
            elif leaf == ".zmetadata":
                consolidated.append(node)
        elif leaf == "zarr.json":
            raw = _get(store, join_path(path, rel))
            doc = json.loads(raw) if raw else {}
            if doc.get("node_type") == "array":
                arrays.append(node)
            else:
                groups.append(node)
                if doc.get("consolidated_metadata"):
                    consolidated.append(node)
    return groups, arrays, consolidated


def _copy_tree(
    store: Store, path: str, target: Store, target_path: str, *, zarr_format: ZarrFormat
) -> None:
    """Copy the zarr node at *path* and everything below it (groups, arrays, other files).

    The same format is copied key by key, byte for byte. Across formats, groups are
    re-created with their attributes, arrays converted chunk by chunk, and any other
    file (`table.parquet`, `table.csv`) copied as it is.
    """
    where = describe_store(StorePath(store, path))
    source_format = _zarr_format_at(store, path)
    if source_format is None:
        raise NgffNotFoundError(f"{where}: no zarr group or array here to copy")
    prefix = f"{path}/"
    keys = _list_keys(store, path, where)
    relative = [key[len(prefix) :] for key in keys]
    if source_format == zarr_format:
        for rel in relative:
            data = _get(store, join_path(path, rel))
            if data is not None:
                _set(target, join_path(target_path, rel), data)
        return
    groups, arrays, consolidated = _node_kinds(store, path, relative, source_format)
    for node in sorted(groups, key=lambda p: (p.count("/"), p) if p else (-1, p)):
        attrs = dict(
            zarr.open_group(
                store=StorePath(store, join_path(path, node)), mode="r", use_consolidated=False
            ).attrs
        )
        zarr.create_group(
            store=StorePath(target, join_path(target_path, node)),
            zarr_format=zarr_format,
            attributes=attrs,
        )
    for node in arrays:
        _convert_array(
            StorePath(store, join_path(path, node)),
            StorePath(target, join_path(target_path, node)),
            zarr_format,
            describe_store(StorePath(store, join_path(path, node))),
        )
    meta = _V2_META if source_format == 2 else _V3_META
    for rel in relative:
        if posixpath.basename(rel) in meta or any(
            not node or rel.startswith(f"{node}/") for node in arrays
        ):
            continue
        data = _get(store, join_path(path, rel))
        if data is not None:
            _set(target, join_path(target_path, rel), data)
    for node in sorted(consolidated, key=lambda p: -p.count("/") if p else 1):
        with warnings.catch_warnings():
            # zarr notes that consolidated metadata is not in the Zarr v3 spec; the source
            # was consolidated, so the copy is too (anndata reads it faster that way).
            warnings.simplefilter("ignore")
            zarr.consolidate_metadata(
                StorePath(target, join_path(target_path, node)), zarr_format=zarr_format
            )


def copy_tables(
    source: StoreLike,
    target: StoreLike,
    *,
    overwrite: bool = False,
    storage_options: dict[str, Any] | None = None,
) -> tuple[str, ...]:
    """Copy the whole `tables/` group of image *source* into image *target*; needs zarr only.

    Every sub-group, array, attribute and file is copied. When the two images use
    different Zarr formats (OME-NGFF 0.4 is Zarr v2; 0.5 and 0.6 are v3), each array
    is converted one chunk at a time: v2 `vlen-utf8` object arrays (what AnnData
    writes for strings) become v3 `string` arrays and back, shards become v2 chunks.
    Otherwise the keys are copied byte for byte.

    Parameters
    ----------
    source, target
        Image groups (path, URL, zarr store, StorePath or group); *target* must exist
        and be writable, and its Zarr format decides the copy's.
    overwrite
        Replace a `tables` group that *target* already has.
    storage_options
        fsspec options for URLs (both stores).

    Returns
    -------
    tuple of str
        The table names the target now lists.

    Raises
    ------
    NgffExistsError
        If *target* has a `tables` group and *overwrite* is False (nothing is written).
    NgffConversionError
        If an array cannot be stored in the target's Zarr format; the message names it.
    NgffValueError
        If *target* is *source* or lies inside it, or *source* cannot list its keys.

    Examples
    --------
    >>> import pandas as pd
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.io.tables import read_table, write_table
    >>> from ngffkit.container import create_empty_ome_zarr
    >>> old, new = MemoryStore(), MemoryStore()
    >>> _ = create_empty_ome_zarr(old, (16, 16), pixelsize=1.0, version="0.4")
    >>> _ = create_empty_ome_zarr(new, (16, 16), pixelsize=1.0, version="0.5")
    >>> write_table(old, "cells", pd.DataFrame({"kind": ["a", "b"], "area": [1.0, 2.0]}))
    >>> copy_tables(old, new)
    ('cells',)
    >>> read_table(new, "cells").equals(read_table(old, "cells"))
    True
    """
    # The options go to whichever of the two is a URL (to the source when neither is,
    # which refuses them as unused).
    source_sp = open_store(
        source,
        mode="r",
        storage_options=storage_options if is_url(source) or not is_url(target) else None,
    )
    target_sp = open_store(
        target, mode="r+", storage_options=storage_options if is_url(target) else None
    )
    source_tables = child(source_sp, "tables")
    target_tables = child(target_sp, "tables")
    if _inside(target_sp.store, target_tables.path, source_tables) or _inside(
        source_sp.store, source_tables.path, target_tables
    ):
        raise NgffValueError(
            f"copy_tables: source {describe_store(source_tables)} and target "
            f"{describe_store(target_tables)} overlap; copy into another image (nothing was written)"
        )
    zarr_format = _image_group(target_sp).metadata.zarr_format
    if _open_group(source_tables) is None:
        return list_tables(target_sp)
    # Under the image's lock, as every table write: a table added meanwhile by another
    # thread or process is either in the group this replaces or added after it, never lost
    # in between.
    with image_lock(target_sp):
        replacing = _exists(target_tables)
        if replacing and not overwrite:
            raise NgffExistsError(
                f"{describe_store(target_tables)}: already exists; pass overwrite=True to "
                f"replace it (nothing was written)"
            )
        # Copied into a stage that replaces the old `tables` group only once complete: a
        # failure or a kill part way leaves the old group (and its listing) whole.
        with staged_write(
            target_tables,
            overwrite=replacing,
            where=describe_store(target_tables),
            local_only=False,
        ) as stage:
            _copy_tree(
                source_tables.store,
                source_tables.path,
                stage.store,
                stage.path,
                zarr_format=zarr_format,
            )
    refresh_consolidated(target_tables)  # a reader trusting a snapshot sees the copies
    return list_tables(target_sp)


# ---------------------------------------------------------------------------- the pipeline


def check_tables_to_copy(target: StorePath, tables: Mapping[str, TableSource]) -> None:
    """Check, before anything is written, that each table of *tables* can be copied into *target*.

    Each name must be a plain node name. A table read from *target* itself is refused, as
    pixels read from it are: write to a new path, then replace. A table is copied key by
    key, so its store must be able to list its keys (plain HTTP cannot).

    Raises
    ------
    NgffValueError
        If a table of *tables* lies inside *target*, or its store cannot list the table's
        keys (nothing was changed).

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.io.tables import read_table, write_table
    >>> store = MemoryStore()
    >>> _ = zarr.create_group(store=StorePath(store, "old/tables/roi"))
    >>> tables = {"roi": TableSource(store=store, path="old/tables/roi")}
    >>> check_tables_to_copy(StorePath(store, "new"), tables)
    >>> try:
    ...     check_tables_to_copy(StorePath(store, "old"), tables)
    ... except NgffValueError as exc:
    ...     print(str(exc).split(";")[0])
    store memory://.../old: table 'roi' to copy is read from this same store
    """
    for name, source in tables.items():
        check_name(name, "table", where=describe_store(target))
        if _inside(source.store, source.path, target):
            raise NgffValueError(
                f"store {describe_store(target)}: table {name!r} to copy is read from this same "
                f"store; write to a new location instead of overwriting the source (nothing was "
                f"changed)"
            )
        # Tables are small: listing each one now costs little and fails before any write.
        _list_keys(source.store, source.path, describe_store(source.store, source.path))


def write_tables(
    root: zarr.Group, tables: Mapping[str, TableSource], *, version: NgffVersion
) -> None:
    """Copy each table of *tables* into `tables/<name>` of the image group *root*, then list them.

    Called by [`to_ngff_zarr`][ngffkit.to_ngff_zarr] after the arrays and before the image
    metadata. Tables are converted to *version*'s Zarr format when theirs differs.

    Examples
    --------
    >>> import pandas as pd
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.io.tables import list_tables, read_table, read_table_sources, write_table
    >>> from ngffkit.container import create_empty_ome_zarr
    >>> old = MemoryStore()
    >>> _ = create_empty_ome_zarr(old, (16, 16), pixelsize=1.0)
    >>> write_table(old, "cells", pd.DataFrame({"area": [1.0]}), backend="parquet")
    >>> root = zarr.create_group(store=MemoryStore(), zarr_format=2)
    >>> write_tables(root, read_table_sources(old), version="0.4")
    >>> list_tables(root), read_table(root, "cells")["area"].tolist()
    (('cells',), [1.0])
    """
    if not tables:
        return
    zarr_format = ZARR_FORMAT[parse_version(version)]
    base = child(StorePath(root.store, root.path), "tables")
    for name, source in tables.items():
        _copy_tree(
            source.store,
            source.path,
            base.store,
            join_path(base.path, check_name(name, "table", where=describe_store(base))),
            zarr_format=zarr_format,
        )
    _write_names(StorePath(root.store, root.path), tuple(tables), zarr_format)
