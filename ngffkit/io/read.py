"""``from_ngff_zarr``: open an OME-Zarr image of any version as a lazy [`Multiscales`][ngffkit.Multiscales]."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import dask.array as da
import zarr
from dask.array.core import normalize_chunks
from zarr.errors import GroupNotFoundError
from zarr.storage import StorePath

from ngffkit.errors import (
    NgffIncompleteStoreError,
    NgffNotFoundError,
    NgffValidationError,
    NgffValidationWarning,
    NgffValueError,
)
from ngffkit.io._engine import codec_pipeline
from ngffkit.io._stored import as_stored, checked_getter
from ngffkit.io.stores import (
    METADATA_ERRORS,
    StoreLike,
    bioformats2raw_series,
    child,
    describe_store,
    open_store,
    prefetch_metadata,
    read_group,
    read_layer_name,
)
from ngffkit.io.tables import read_table_sources
from ngffkit.model import Multiscales, NgffImage, StoredLayout
from ngffkit.spec import (
    decode_image_attrs,
    decode_labels_attrs,
    detect_version,
    is_image_attrs,
    ome_namespace,
)

__all__ = ["from_ngff_zarr", "read_image_group", "open_group", "read_version"]


def open_group(sp: StorePath) -> zarr.Group:
    """Open the group at *sp* read-only, with a clear error when there is none.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> open_group(StorePath(MemoryStore(), "missing"))
    Traceback (most recent call last):
    ...
    ngffkit.errors.NgffNotFoundError: memory://.../missing: no zarr group here (looked for zarr.json and .zgroup)
    """
    prefetch_metadata(sp, groups=[""])  # remote: every candidate key in one round trip
    try:
        node = read_group(sp)
    except (GroupNotFoundError, FileNotFoundError, KeyError) as exc:
        where = describe_store(sp)
        try:
            zarr.open_array(store=sp, mode="r")
        except Exception:
            raise NgffNotFoundError(
                f"{where}: no zarr group here (looked for zarr.json and .zgroup)"
            ) from exc
        raise NgffValueError(
            f"{where}: this is a zarr array, not an OME-Zarr image group; open its parent group"
        ) from exc
    except METADATA_ERRORS as exc:
        # Truncated or non-JSON zarr.json / .zattrs, attributes of the wrong type, deep nesting.
        raise NgffValidationError(
            f"{describe_store(sp)}: the group's Zarr metadata cannot be read: "
            f"{type(exc).__name__}: {str(exc)[:200]}",
            rule="zarr-metadata-unreadable",
        ) from None
    return node


def read_version(group: zarr.Group) -> str | None:
    """Return the OME-NGFF version of an open group, or None if it has no OME metadata.

    Examples
    --------
    >>> g = zarr.create_group(store={}, zarr_format=3, attributes={"ome": {"version": "0.5"}})
    >>> read_version(g)
    '0.5'
    """
    return detect_version(dict(group.attrs), zarr_format=group.metadata.zarr_format)


def _meta_file(group: zarr.Group) -> str:
    return "zarr.json#attributes" if group.metadata.zarr_format == 3 else ".zattrs"


def _open_level(sp: StorePath, path: str, where: str) -> zarr.Array[Any]:
    try:
        with codec_pipeline(sp.store):
            return zarr.open_array(store=child(sp, path), mode="r")
    except Exception as exc:  # zarr raises several types (and groups of them) for a missing array
        raise NgffValidationError(
            f"{where}: dataset path {path!r} is listed in multiscales but no array can be opened "
            f"there ({type(exc).__name__}: {exc})",
            rule="dataset-missing",
            path=f"{where}/{path}",
        ) from exc


def _listed_paths(attrs: Mapping[str, Any]) -> list[str]:
    """The dataset paths the first multiscale lists, read leniently (the decoder checks them)."""
    ome, _ = ome_namespace(attrs)
    listed = ome.get("multiscales")
    first = listed[0] if isinstance(listed, list) and listed else {}
    datasets = first.get("datasets") if isinstance(first, Mapping) else None
    if not isinstance(datasets, list):
        return []
    return [str(d["path"]) for d in datasets if isinstance(d, Mapping) and "path" in d]


def _legacy_shapes(attrs: Mapping[str, Any], sp: StorePath, where: str) -> list[tuple[int, ...]]:
    return [tuple(_open_level(sp, p, where).shape) for p in _listed_paths(attrs)]


def _refuse_non_image(group: zarr.Group, sp: StorePath, attrs: Mapping[str, Any]) -> None:
    where = describe_store(sp)
    ome, _ = ome_namespace(attrs)
    if "plate" in ome:
        raise NgffValueError(
            f"{where}: this is an HCS plate, not an image; open one field of view inside it, "
            f"e.g. '{where}/<row>/<column>/0'"
        )
    if "well" in ome:
        raise NgffValueError(
            f"{where}: this is an HCS well, not an image; open one of its fields, e.g. '{where}/0'"
        )
    if "labels" in ome:
        raise NgffValueError(f"{where}: this is a labels group; open one label image inside it")
    members = list(group.keys())
    if members:
        raise NgffIncompleteStoreError(
            f"{where}: holds {len(members)} zarr node(s) ({', '.join(sorted(members)[:5])}) but no "
            f"OME-NGFF 'multiscales' metadata in {_meta_file(group)}: an interrupted or incomplete "
            f"write, or not an OME-Zarr image",
            rule="no-ome-metadata",
            path=where,
        )
    raise NgffValidationError(
        f"{where}: empty zarr group without OME-NGFF metadata", rule="no-ome-metadata", path=where
    )


def _read_labels(sp: StorePath) -> dict[str, Multiscales]:
    labels_sp = child(sp, "labels")
    try:
        labels_group = read_group(labels_sp)
    except (GroupNotFoundError, FileNotFoundError, KeyError):
        return {}
    doc = decode_labels_attrs(
        dict(labels_group.attrs),
        zarr_format=labels_group.metadata.zarr_format,
        where=describe_store(labels_sp),
    )
    out: dict[str, Multiscales] = {}
    prefetch_metadata(labels_sp, groups=list(doc.labels))  # remote: every label's group at once
    for name in doc.labels:
        try:
            out[name] = _read_image(child(labels_sp, name), labels=False)[1]
        except (NgffValidationError, NgffNotFoundError, NgffValueError) as exc:
            # One broken label must not make the image unreadable; say so loudly.
            warnings.warn(f"label {name!r} skipped: {exc}", NgffValidationWarning, stacklevel=4)
    return out


def _read_image(
    sp: StorePath, *, labels: bool, tables: bool = False
) -> tuple[StorePath, Multiscales]:
    group = open_group(sp)
    attrs = dict(group.attrs)
    zarr_format = group.metadata.zarr_format
    if not is_image_attrs(attrs):
        series = bioformats2raw_series(group)
        if series is not None:
            return _read_image(child(sp, series), labels=labels, tables=tables)
        _refuse_non_image(group, sp, attrs)
    where = describe_store(sp)
    # Remote stores: every level's array metadata and the labels and tables groups together.
    prefetch_metadata(sp, groups=["labels", "tables"], arrays=_listed_paths(attrs))
    version = detect_version(attrs, zarr_format=zarr_format)
    shapes = _legacy_shapes(attrs, sp, where) if version in ("0.1", "0.2", "0.3") else None
    version, doc = decode_image_attrs(
        attrs,
        zarr_format=zarr_format,
        ndim=len(shapes[0]) if shapes else None,
        shapes=shapes,
        where=f"{where}/{_meta_file(group)}",
    )
    meta = doc.multiscales[0]
    dims = meta.axis_names
    omero = doc.omero
    if omero is not None and "c" in dims:
        first = _open_level(sp, meta.datasets[0].path, where)
        n_channels = first.shape[dims.index("c")] if first.ndim == len(dims) else None
        if n_channels is not None and len(omero.channels) != n_channels:
            # Display settings that cannot belong to these channels: keep the pixels, not them.
            warnings.warn(
                f"{where}: omero lists {len(omero.channels)} channels, the 'c' axis has "
                f"{n_channels}; the omero block is ignored",
                NgffValidationWarning,
                stacklevel=3,
            )
            omero = None
    channel_names = None
    if omero is not None and "c" in dims and all(lbl is not None for lbl in omero.labels):
        channel_names = tuple(str(lbl) for lbl in omero.labels)
    images = []
    layouts = []
    for ds in meta.datasets:
        array = _open_level(sp, ds.path, where)
        if array.ndim != len(dims):
            raise NgffValidationError(
                f"{where}/{ds.path}: array has {array.ndim} dimensions but multiscales[0].axes "
                f"names {len(dims)}: {list(dims)}",
                rule="level-ndim",
                path=f"{where}/{ds.path}",
            )
        # Dask blocks are whole shards (or chunks), as many per block as fit dask's
        # array.chunk-size: a full read is a few large zarr reads (decoded in parallel by the
        # codec pipeline), while a small slice still reads only the chunks it touches.
        block = array.shards or array.chunks
        chunks = normalize_chunks(
            "auto", shape=array.shape, dtype=array.dtype, previous_chunks=block
        )
        # Computing it reads straight from zarr (see ngffkit.io._stored): a small selection is
        # one zarr read without a graph, a whole level fills one buffer without concatenation.
        data = as_stored(
            da.from_array(
                array,
                chunks=chunks,
                lock=False,
                getitem=checked_getter(f"{where}/{ds.path}"),
                # The array as its own graph key: the writer reads it directly, without the graph.
                inline_array=False,
                # The name records the source, so a writer can refuse to overwrite what it reads.
                name=read_layer_name(where, ds.path),
            ),
            array,
        )
        layouts.append(
            StoredLayout(
                chunks=tuple(array.chunks),
                shards=array.shards,
                compressors=tuple(array.compressors),
                zarr_format=array.metadata.zarr_format,
            )
        )
        if channel_names is not None and len(channel_names) != array.shape[dims.index("c")]:
            channel_names = None
        images.append(
            NgffImage(
                data=data,
                dims=dims,
                scale=dict(zip(dims, ds.scale, strict=True)),
                translation=dict(zip(dims, ds.offset, strict=True)),
                name=meta.name or "image",
                axes_units={a.name: a.unit for a in meta.axes if a.unit},
                axes_orientations={a.name: a.orientation for a in meta.axes if a.orientation},
                axes_types={a.name: a.type for a in meta.axes if a.type},
                channel_names=channel_names,
                is_label=doc.image_label is not None and array.dtype.kind in "iub",
            )
        )
    return sp, Multiscales(
        images=tuple(images),
        metadata=meta,
        method=meta.type,
        # The ngff-zarr field: level 0's chunk shape. Each level's own is in `layouts`.
        chunks=dict(zip(dims, layouts[0].chunks, strict=True)),
        layouts=tuple(layouts),
        version=version,
        omero=omero,
        image_label=doc.image_label,
        labels=_read_labels(sp) if labels else {},
        tables=read_table_sources(sp) if tables else {},
        attributes=doc.extra,
        extra_ome=doc.extra_ome,
    )


def from_ngff_zarr(
    store: StoreLike,
    *,
    validate: bool = False,
    labels: bool = True,
    tables: bool = True,
    storage_options: dict[str, Any] | None = None,
) -> Multiscales:
    """Open an OME-Zarr image as a lazy [`Multiscales`][ngffkit.Multiscales]; no pixels are read.

    Reads OME-NGFF 0.1 to 0.6 written by any tool (ngff-zarr's ``scale0/image``,
    ome-zarr-py's ``s0``, ngio's ``0`` dataset paths alike); a bioformats2raw
    container opens its first series.

    Parameters
    ----------
    store
        Local path, URL (``https://``, ``s3://``), zarr store, StorePath or group
        of an image (for an HCS plate, the path of one field: ``plate.zarr/B/03/0``).
    validate
        Also run [`validate`][ngffkit.validate] and raise on any error.
    labels
        Also open the label images under ``labels/`` (lazily) into ``.labels``.
    tables
        Also describe the tables under ``tables/`` (attributes only) in ``.tables``, so that
        ``to_ngff_zarr`` copies them.
    storage_options
        fsspec options for URL stores.

    Returns
    -------
    Multiscales
        Lazy levels, their metadata, ``omero`` channels, labels and unknown attributes.

    Raises
    ------
    NgffNotFoundError
        If there is no zarr group at *store*.
    NgffIncompleteStoreError
        If the group has arrays but no OME metadata (an interrupted write).
    NgffValidationError
        If the metadata breaks a rule or a listed level is missing.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> from ngffkit.pyramids import to_multiscales
    >>> from ngffkit.io.write import to_ngff_zarr
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "img.ome.zarr"
    >>> to_ngff_zarr(out, to_multiscales(np.ones((64, 64), "u2"), scale_factors=[2]))
    >>> back = from_ngff_zarr(out)
    >>> [img.shape for img in back.images], back.images[1].scale
    ([(64, 64), (32, 32)], {'y': 2.0, 'x': 2.0})
    """
    sp = open_store(store, mode="r", storage_options=storage_options)
    ms = _read_image(sp, labels=labels, tables=tables)[1]
    if validate:
        from ngffkit.validation import validate as run_validate

        run_validate(sp, raise_on_error=True)
    return ms


def read_image_group(
    sp: StorePath, *, labels: bool = False, tables: bool = False
) -> tuple[StorePath, Multiscales]:
    """Read the image at *sp* (or a bioformats2raw container's first series) in one pass.

    Returns the group that holds the image and its lazy pyramid, as
    [`from_ngff_zarr`][ngffkit.from_ngff_zarr] reads it: the group is opened once, and on a
    remote store every level's array metadata and the ``labels`` and ``tables`` groups are
    fetched together, so an image opens in two round trips.

    Examples
    --------
    >>> import numpy as np
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.pyramids import to_multiscales
    >>> from ngffkit.io.write import to_ngff_zarr
    >>> store = MemoryStore()
    >>> to_ngff_zarr(store, to_multiscales(np.ones((64, 64), "u2"), scale_factors=[2]))
    >>> where, ms = read_image_group(StorePath(store, ""))
    >>> where.path, len(ms.images)
    ('', 2)
    """
    return _read_image(sp, labels=labels, tables=tables)
