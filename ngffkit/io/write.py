"""``to_ngff_zarr``: write a [`Multiscales`][ngffkit.Multiscales] (and its labels) as OME-Zarr.

The order of writes is the safety rule: arrays first, then label metadata,
then the image's own metadata last. A reader treats metadata as the truth, so
an interrupted write leaves a store with arrays but no ``multiscales``, which
[`from_ngff_zarr`][ngffkit.from_ngff_zarr] refuses with a clear error instead of showing a
half-written image as if it were whole.
"""

from __future__ import annotations

import math
import numbers
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import numpy as np
import zarr
from zarr.core.sync import sync
from zarr.storage import LocalStore, MemoryStore, StorePath

from ngffkit.errors import NgffExistsError, NgffNotFoundError, NgffTypeError, NgffValueError
from ngffkit.io._codecs import carry_compressors, check_compressors, default_compressors
from ngffkit.io._consolidated import refresh_consolidated
from ngffkit.io._engine import codec_pipeline, storing_empty_chunks
from ngffkit.io._journal import JOURNAL_NAME, Journal, plan_digest
from ngffkit.io._lock import image_lock
from ngffkit.io._progress import WriteProgress, shared_display
from ngffkit.io._replace import staged_write
from ngffkit.io._stream import (
    Level,
    active_client,
    default_workers,
    direct_source,
    parse_memory_limit,
    stream_levels,
)
from ngffkit.io.stores import (
    StoreLike,
    describe_store,
    graph_reads,
    is_ozx,
    open_store,
    ozx_stage,
    write_consolidated,
)
from ngffkit.model import Multiscales, StoredLayout
from ngffkit.spec import (
    DEFAULT_VERSION,
    ZARR_FORMAT,
    ImageLabel,
    LabelColor,
    LabelsAttrs,
    NgffVersion,
    encode_image_attrs,
    encode_labels_attrs,
    non_finite,
    parse_version,
    pointer,
)
from ngffkit.spec.names import check_name
from ngffkit.spec.rules import Where
from ngffkit.spec.rules.multiscales import datasets_order

__all__ = [
    "to_ngff_zarr",
    "write_pixels",
    "open_for_writing",
    "Level",
    "default_compressors",
    # The write path's helpers that the container's writes share (their homes are private).
    "direct_source",
    "image_lock",
    "refresh_consolidated",
    "staged_write",
    "WriteProgress",
    "shared_display",
    "parse_memory_limit",
    "default_workers",
]


def _parse_chunks_per_shard(
    chunks_per_shard: int | Sequence[int] | Mapping[str, int] | None,
    dims: tuple[str, ...],
    version: NgffVersion,
) -> dict[str, int] | None:
    if chunks_per_shard is None:
        return None
    if ZARR_FORMAT[version] == 2:
        raise NgffValueError(
            f"chunks_per_shard: sharding needs Zarr v3 (OME-NGFF 0.5 or 0.6), but version={version!r}"
        )
    given: object = chunks_per_shard  # callers may pass anything; say what was found
    raw: dict[str, object]
    if isinstance(given, Mapping):
        unknown = sorted(set(given) - set(dims))
        if unknown:
            raise NgffValueError(
                f"chunks_per_shard: axes {unknown} are not among the dims {list(dims)}"
            )
        raw = {d: given.get(d, 1) for d in dims}
    elif isinstance(given, Sequence) and not isinstance(given, str | bytes):
        if len(given) != len(dims):
            raise NgffValueError(
                f"chunks_per_shard: expected {len(dims)} values (one per dim {list(dims)}), "
                f"got {list(given)}"
            )
        raw = dict(zip(dims, given, strict=True))
    else:
        raw = dict.fromkeys(dims, given)
    wrong = {
        d: v for d, v in raw.items() if isinstance(v, bool) or not isinstance(v, numbers.Integral)
    }
    if wrong:
        raise NgffTypeError(
            f"chunks_per_shard: expected an int, one int per dim or a mapping of dim to int, "
            f"got {chunks_per_shard!r}"
        )
    values = {d: int(cast("int", v)) for d, v in raw.items()}
    bad = {d: v for d, v in values.items() if v < 1}
    if bad:
        raise NgffValueError(f"chunks_per_shard: expected integers >= 1, got {bad}")
    return values


def _prepare_target(sp: StorePath, ms: Multiscales, *, overwrite: bool) -> None:
    where = describe_store(sp)
    exists = not sync(sp.is_empty())
    if exists and not overwrite:
        raise NgffExistsError(
            f"store {where}: already holds data; pass overwrite=True to replace it "
            f"(nothing was written)"
        )
    if exists:
        for level in (*ms.images, *(img for lab in ms.labels.values() for img in lab.images)):
            if graph_reads(level.data, where):
                raise NgffValueError(
                    f"store {where}: the pixels to write are read from this same store; write to a "
                    f"new location instead of overwriting the source (nothing was changed)"
                )


def _layouts(
    ms: Multiscales,
    *,
    zarr_format: int,
    compressors: Any,
    chunks_per_shard: Mapping[str, int] | None,
    where: str,
) -> list[StoredLayout]:
    """Each level's chunks, shards and compressors as they will be written.

    A level read from a store (``ms.layouts``) keeps its stored layout, across Zarr formats
    too (no shards in Zarr v2), unless the caller asked for other chunks (``ms.chunks``
    differs from the chunks read), shards (*chunks_per_shard*) or *compressors*. Other
    levels take ``ms.chunks``, else their dask blocks.
    """
    dims = ms.images[0].dims
    stored = ms.layouts or (None,) * len(ms.images)
    read_chunks = dict(zip(dims, stored[0].chunks, strict=True)) if stored[0] is not None else None
    chunks_kept = ms.chunks is None or ms.chunks == read_chunks
    out: list[StoredLayout] = []
    for path, image, layout in zip(ms.paths, ms.images, stored, strict=True):
        keep = layout is not None and chunks_kept
        if layout is not None and keep:
            chunks = layout.chunks
        else:
            chunks = tuple(int(c[0]) for c in image.data.chunks)
            if ms.chunks is not None:
                chunks = tuple(ms.chunks.get(d, c) for d, c in zip(dims, chunks, strict=True))
        chunks = tuple(max(1, min(c, s)) for c, s in zip(chunks, image.shape, strict=True))
        # A shard never needs to be larger than the array rounded up to whole chunks.
        rounded = tuple(math.ceil(s / c) * c for c, s in zip(chunks, image.shape, strict=True))
        shards = None
        if chunks_per_shard is not None:
            shards = tuple(
                min(c * chunks_per_shard[d], r)
                for d, c, r in zip(dims, chunks, rounded, strict=True)
            )
        elif layout is not None and keep and layout.shards is not None and zarr_format == 3:
            shards = tuple(min(s, r) for s, r in zip(layout.shards, rounded, strict=True))
        if compressors is not None:
            codecs = compressors
        elif layout is not None:
            codecs = carry_compressors(
                layout.compressors,
                from_format=layout.zarr_format,
                to_format=zarr_format,
                dtype=image.dtype,
                where=f"{where}/{path}",
            )
        else:
            codecs = default_compressors(zarr_format)
        out.append(
            StoredLayout(
                chunks=chunks,
                shards=shards,
                compressors=() if codecs is None else tuple(codecs),
                zarr_format=zarr_format,
            )
        )
    return out


def _create_arrays(
    group: zarr.Group,
    ms: Multiscales,
    layouts: Sequence[StoredLayout],
    *,
    title: str,
    write_empty_chunks: bool | None = None,
    resume: bool = False,
) -> list[Level]:
    zarr_format = layouts[0].zarr_format
    derivations = ms.derivations or (None,) * len(ms.images)
    levels: list[Level] = []
    for path, image, layout in zip(ms.paths, ms.images, layouts, strict=True):
        kwargs: dict[str, Any] = {
            "shape": image.shape,
            "dtype": image.dtype,
            "chunks": layout.chunks,
            "shards": layout.shards,
            "compressors": layout.compressors or None,
            "fill_value": np.zeros((), dtype=image.dtype).item(),
            # Label images are mostly background: skip their empty chunks. Intensity chunks
            # are rarely empty, and zarr's emptiness test (a full comparison per chunk on its
            # event-loop thread) would serialise the parallel writers: write them all.
            "config": {
                "write_empty_chunks": (
                    ms.image_label is None if write_empty_chunks is None else write_empty_chunks
                )
            },
        }
        if zarr_format == 2:
            kwargs["chunk_key_encoding"] = {"name": "v2", "separator": "/"}
        else:
            kwargs["dimension_names"] = list(image.dims)
        with codec_pipeline(group.store):
            if resume and path in group:
                # The interrupted write created it with this plan (the journal's digest).
                array = zarr.open_array(store=group.store_path / path, mode="r+")
                # open_array drops a config given with mode="r+" (zarr 3.1): set it after.
                array = array.with_config(kwargs["config"])
            else:
                array = group.create_array(name=path, **kwargs)
        levels.append(Level(image.data, array, derivations[len(levels)], f"{title}{path}"))
    return levels


# Label 0 is background: transparent. The strict schemas need at least one colour entry.
_BACKGROUND = LabelColor(label_value=0, rgba=(0, 0, 0, 0))


def _label_doc(ms: Multiscales) -> ImageLabel:
    label = ms.image_label if ms.image_label is not None else ImageLabel(source="../../")
    if not label.colors:
        label = replace(label, colors=(_BACKGROUND,))
    return label


def _check_labels(ms: Multiscales, where: str) -> None:
    for name, label in ms.labels.items():
        check_name(name, "label", where=where)
        if len(label.images) != len(ms.images):
            raise NgffValueError(
                f"labels[{name!r}] at {where}: a label image needs as many levels as its image "
                f"({len(ms.images)}), got {len(label.images)}"
            )
        dtype = np.dtype(label.images[0].dtype)
        if dtype.kind not in "iu":
            raise NgffValueError(
                f"labels[{name!r}] at {where}: label pixels must be integers, got dtype {dtype}"
            )
        if label.images[0].shape[-2:] != ms.images[0].shape[-2:]:
            raise NgffValueError(
                f"labels[{name!r}] at {where}: y/x shape {label.images[0].shape[-2:]} differs from "
                f"the image's {ms.images[0].shape[-2:]}"
            )


def _check_order(ms: Multiscales, where: str) -> None:
    """Levels go from high to low resolution (the catalogue's datasets-order), or nothing is written."""
    scales = [(i, ds.scale) for i, ds in enumerate(ms.metadata.datasets)]
    for found in datasets_order(scales, Where(where, ("datasets",)), ms.images[0].dims):
        raise NgffValueError(f"{found.message}; nothing was written")


def _check_omero(ms: Multiscales, where: str) -> None:
    first = ms.images[0]
    if ms.omero is not None and "c" in first.dims:
        n = first.shape[first.dims.index("c")]
        if len(ms.omero.channels) != n:
            raise NgffValueError(
                f"omero.channels at {where}: expected {n} entries (size of the 'c' axis), "
                f"got {len(ms.omero.channels)}"
            )


def image_attrs(ms: Multiscales, *, version: NgffVersion, where: str = "image") -> dict[str, Any]:
    """Return the group attributes that describe *ms* in *version*'s JSON layout.

    Raises `NgffValueError` for a NaN or infinite number anywhere in them (JSON has neither,
    and every reader refuses them): a store ngffkit writes always validates.

    Examples
    --------
    >>> import numpy as np
    >>> from ngffkit.pyramids import to_multiscales
    >>> attrs = image_attrs(to_multiscales(np.zeros((8, 8), "u1"), scale_factors=[2]), version="0.5")
    >>> [d["path"] for d in attrs["ome"]["multiscales"][0]["datasets"]]
    ['0', '1']
    """
    attrs = encode_image_attrs(ms.image_attrs, version)
    for parts, value in non_finite(attrs):
        raise NgffValueError(
            f"{where}: attributes {pointer(parts)}: expected a finite number, got {value!r} "
            f"(JSON has no NaN or Infinity; nothing was written)"
        )
    return attrs


def to_ngff_zarr(
    store: StoreLike,
    multiscales: Multiscales,
    *,
    version: NgffVersion | str = DEFAULT_VERSION,
    overwrite: bool = False,
    chunks_per_shard: int | Sequence[int] | Mapping[str, int] | None = None,
    compressors: Any = None,
    compressor: Any = None,
    storage_options: dict[str, Any] | None = None,
    memory_limit: int | str | None = None,
    progress: bool | None = None,
    scheduler: Any = None,
    max_workers: int | None = None,
    write_empty_chunks: bool | None = None,
    resume: bool = False,
    consolidated: bool = False,
) -> None:
    """Write *multiscales* to *store* as OME-Zarr: this computes and writes the pixels.

    The pyramid is streamed: each region of level 0 is read once, and the coarser
    levels planned by [`to_multiscales`][ngffkit.to_multiscales] are computed from it
    while it is in memory, then every level's chunks (or shards) are encoded and
    written in parallel threads. Regions are aligned to the stored chunks or shards of
    every level, so no two of them write the same object, and their number in flight
    keeps the working set under *memory_limit* whatever the size of the image. Levels
    that were not planned from an earlier level (read from a store, or replaced) are
    copied region by region from their own dask graphs.

    Parameters
    ----------
    store
        Local path, fsspec URL (``s3://``, ...), zarr store, StorePath or group.
    multiscales
        The pyramid to write (from [`to_multiscales`][ngffkit.to_multiscales] or
        [`from_ngff_zarr`][ngffkit.from_ngff_zarr]); its ``labels`` are written under ``labels/``.
    version
        ``"0.5"`` (Zarr v3, default), ``"0.6"`` (Zarr v3, RFC-5 coordinate systems)
        or ``"0.4"`` (Zarr v2 with ``/`` chunk keys).
    overwrite
        Replace whatever is at *store*. Without it an existing store is an error
        and is left untouched.
    chunks_per_shard
        Chunks per shard (int, per-dim tuple or mapping) to write sharded arrays (0.5/0.6).
    compressors
        zarr codecs for the arrays (default zstd level 0). ``compressor`` is an alias.
    storage_options
        fsspec options for URL stores.
    memory_limit
        Budget for the pixels the writer holds at once, in bytes or as a string such as
        ``"1 GiB"``. Default: ``NGFFKIT_MEMORY_LIMIT`` from the environment, else an
        eighth of the available RAM, between 64 and 256 MiB. The input itself (a numpy
        array) and the rest of the process are not counted.
    progress
        Show a progress bar per level (bytes, throughput, ETA). Default None: in a
        terminal or notebook, for writes that take more than a second. False: never.
    scheduler
        Where the regions run: ``"threads"`` (local threads), ``"sync"`` (one at a time,
        in this thread), a ``distributed.Client`` or ``"distributed"`` (tasks on that
        cluster; the store must be reachable from its workers, and *memory_limit*
        applies to each worker process). Default: the active ``distributed`` client if
        there is one, else threads.
    max_workers
        Regions processed at once by local threads (default: the CPUs available).

    write_empty_chunks
        Store chunks that hold nothing but zeros (the fill value). Default: yes for
        intensity levels, so that a missing chunk always means damage (`validate(...,
        chunks=True)`), no for label images, which are mostly background. ``False``
        writes an image of zeros as metadata only.
    resume
        Make the write resumable, and complete an interrupted one: the store is written
        into a fixed stage beside it (``.<name>.ngffkit-resume``) with a journal of the
        regions finished; if a write with ``resume=True`` died, the same call again
        rewrites only the regions that were not finished (with the region grid of the
        first run), and the result is byte-for-byte the store an uninterrupted write
        makes. A different plan (shapes, dtypes, chunks, codecs, metadata) is an
        `NgffResumeError`. Local directories only. Give the same input pixels.
    consolidated
        Also write consolidated metadata (every node's metadata in one document: ``.zmetadata``
        for 0.4, the root ``zarr.json``'s ``consolidated_metadata`` for 0.5+), so a remote
        reader needs fewer requests. Readers that ignore it read the store as usual.

    Raises
    ------
    NgffExistsError
        If *store* holds data and ``overwrite`` is False.
    NgffValueError
        For an unknown version, sharding on 0.4, or labels that do not fit the image.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> from ngffkit.pyramids import to_multiscales
    >>> ms = to_multiscales(np.zeros((32, 32), "u1"), scale_factors=[2])
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "img.ome.zarr"
    >>> to_ngff_zarr(out, ms, version="0.4")
    >>> sorted(p.name for p in out.iterdir())
    ['.zattrs', '.zgroup', '0', '1']
    """
    if not isinstance(multiscales, Multiscales):
        raise NgffTypeError(
            f"multiscales: expected a Multiscales (from to_multiscales or from_ngff_zarr), got "
            f"{type(multiscales).__name__}; wrap arrays with to_multiscales(...) first"
        )
    version = parse_version(version)
    zarr_format = ZARR_FORMAT[version]
    if is_ozx(store):
        # RFC-9: a single-file archive of a Zarr v3 store, packed from a staged folder.
        refused = (
            f"version={version!r} (Zarr v2) needs a folder"
            if zarr_format != 3
            else "resume=True needs a folder"
            if resume
            else "storage_options are for URLs"
            if storage_options
            else None
        )
        if refused is not None:
            raise NgffValueError(
                f"store {os.fspath(store)}: an .ozx archive is a local file holding OME-NGFF 0.5 "
                f"or later (Zarr v3), written whole; {refused} (nothing was written)"
            )
        with ozx_stage(store, overwrite=overwrite) as folder:
            to_ngff_zarr(
                folder,
                multiscales,
                version=version,
                chunks_per_shard=chunks_per_shard,
                compressors=compressors,
                compressor=compressor,
                memory_limit=memory_limit,
                progress=progress,
                scheduler=scheduler,
                max_workers=max_workers,
                write_empty_chunks=write_empty_chunks,
                consolidated=consolidated,
            )
        return
    if compressors is not None and compressor is not None:
        raise NgffValueError("compressors / compressor: give one of them, not both")
    codecs = compressors if compressors is not None else compressor
    if codecs is not None:
        check_compressors(
            codecs, zarr_format, "compressors" if compressor is None else "compressor"
        )
        codecs = list(codecs) if isinstance(codecs, list | tuple) else [codecs]
    shard_map = _parse_chunks_per_shard(chunks_per_shard, multiscales.images[0].dims, version)
    budget = parse_memory_limit(memory_limit)
    client = active_client(scheduler)
    workers = _parse_workers(max_workers, scheduler)

    sp = open_store(store, mode="w", storage_options=storage_options)
    where = describe_store(sp)
    _check_labels(multiscales, where)
    _check_omero(multiscales, where)
    for part in (multiscales, *multiscales.labels.values()):
        _check_order(part, where)
    if client is not None and isinstance(sp.store, MemoryStore):
        raise NgffValueError(
            f"store {where}: a MemoryStore lives in this process, where dask.distributed "
            f"workers cannot write; use scheduler='threads' or a store the workers share "
            f"(nothing was written)"
        )
    # Encode before touching the store: metadata errors must not cost a half-written store.
    root_attrs = image_attrs(multiscales, version=version, where=where)
    label_attrs = {
        name: image_attrs(_as_label(label), version=version, where=f"{where}/labels/{name}")
        for name, label in multiscales.labels.items()
    }
    layouts = {
        name: _layouts(
            part,
            zarr_format=zarr_format,
            compressors=codecs,
            chunks_per_shard=shard_map,
            where=where if name is None else f"{where}/labels/{name}",
        )
        for name, part in [(None, multiscales), *multiscales.labels.items()]
    }
    if multiscales.tables:
        # Imported only when there are tables to copy: most writes have none.
        from ngffkit.io.tables import check_tables_to_copy

        check_tables_to_copy(sp, multiscales.tables)  # before anything is deleted or written
    _prepare_target(sp, multiscales, overwrite=overwrite)
    with staged_write(
        sp, overwrite=overwrite, where=where, local_only=client is not None, resume=resume
    ) as stage:
        journal = None
        if resume:
            plan = _plan(multiscales, version, layouts, root_attrs, label_attrs, write_empty_chunks)
            journal = _open_journal(stage, plan, budget=budget, workers=workers, where=where)
            budget, workers = journal.budget, journal.workers
        _write_store(
            stage,
            multiscales,
            version=version,
            layouts=layouts,
            root_attrs=root_attrs,
            label_attrs=label_attrs,
            empty_chunks=write_empty_chunks,
            resume=journal is not None and journal.resumed,
            pixels={
                "memory_limit": budget,
                "workers": workers,
                "client": client,
                "progress": progress,
                "journal": journal,
            },
        )
        if journal is not None:
            journal.close()  # complete: the published store carries no journal
        if consolidated:
            write_consolidated(stage)  # last: it describes every node written above


def _plan(
    ms: Multiscales,
    version: NgffVersion,
    layouts: Mapping[str | None, Sequence[StoredLayout]],
    root_attrs: dict[str, Any],
    label_attrs: dict[str, dict[str, Any]],
    write_empty_chunks: bool | None,
) -> dict[str, Any]:
    """What a resume must find unchanged: every array's layout and all the metadata."""

    def levels(part: Multiscales) -> list[Any]:
        return [
            [path, list(image.shape), str(image.dtype), [list(c) for c in image.data.chunks]]
            for path, image in zip(part.paths, part.images, strict=True)
        ]

    return {
        "version": version,
        "layouts": [
            [name, [[list(lay.chunks), lay.shards, repr(lay.compressors)] for lay in levels]]
            for name, levels in layouts.items()
        ],
        "levels": levels(ms),
        "labels": {name: levels(label) for name, label in ms.labels.items()},
        "tables": sorted(ms.tables),
        "attributes": root_attrs,
        "label_attributes": label_attrs,
        "write_empty_chunks": write_empty_chunks,
    }


def _open_journal(
    stage: StorePath, plan: dict[str, Any], *, budget: int, workers: int, where: str
) -> Journal:
    assert isinstance(stage.store, LocalStore)  # staged_write resumes local directories only
    directory = Path(stage.store.root) / stage.path
    if not (directory / JOURNAL_NAME).exists():
        # Killed before its journal began (or never resumable): nothing in it can be trusted.
        for child in directory.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    return Journal.open(directory, plan_digest(plan), budget=budget, workers=workers, where=where)


def _write_store(
    sp: StorePath,
    multiscales: Multiscales,
    *,
    version: NgffVersion,
    layouts: Mapping[str | None, Sequence[StoredLayout]],
    root_attrs: dict[str, Any],
    label_attrs: dict[str, dict[str, Any]],
    pixels: dict[str, Any],
    empty_chunks: bool | None = None,
    resume: bool = False,
) -> None:
    """Write every array, then the metadata, into the empty store *sp*.

    *resume*: *sp* holds what an interrupted write of the same plan left; its groups and
    arrays are opened, not created, and the journal in *pixels* skips the finished regions.
    """
    zarr_format = ZARR_FORMAT[version]

    if resume:
        root = zarr.open_group(store=sp, mode="a", zarr_format=zarr_format)
    else:
        # overwrite=True would empty the stage, journal included.
        journaled = pixels.get("journal") is not None
        root = zarr.create_group(store=sp, zarr_format=zarr_format, overwrite=not journaled)
    pyramids = [
        _create_arrays(
            root,
            multiscales,
            layouts[None],
            title="level ",
            write_empty_chunks=empty_chunks,
            resume=resume,
        )
    ]
    label_groups: dict[str, zarr.Group] = {}
    if multiscales.labels:
        labels_group = root.require_group("labels") if resume else root.create_group("labels")
        for name, label in multiscales.labels.items():
            group = labels_group.require_group(name) if resume else labels_group.create_group(name)
            label_groups[name] = group
            pyramids.append(
                _create_arrays(
                    group,
                    label,
                    layouts[name],
                    title=f"labels/{name} level ",
                    # Label images (image-label metadata) are mostly background.
                    write_empty_chunks=False if empty_chunks is None else empty_chunks,
                    resume=resume,
                )
            )
    write_pixels(pyramids, **pixels)
    if resume and "tables" in root:
        del root["tables"]  # small, and copied whole: copy them again
    if multiscales.tables:
        from ngffkit.io.tables import write_tables

        write_tables(root, multiscales.tables, version=version)

    # Metadata last, innermost first: a reader never sees a level that is not fully written.
    for name, group in label_groups.items():
        group.attrs.update(label_attrs[name])
    if multiscales.labels:
        root["labels"].attrs.update(
            encode_labels_attrs(LabelsAttrs(labels=tuple(multiscales.labels)), version)
        )
    root.attrs.update(root_attrs)


def _parse_workers(max_workers: int | None, scheduler: Any) -> int:
    if scheduler in ("sync", "synchronous", "single-threaded"):
        return 1
    if max_workers is None:
        return default_workers()
    if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
        raise NgffValueError(f"max_workers: expected an integer >= 1, got {max_workers!r}")
    return max_workers


def open_for_writing(
    sp: StorePath, *, write_empty_chunks: bool, direct: bool = False
) -> zarr.Array[Any]:
    """Open the existing array at *sp* for [`write_pixels`][ngffkit.io.write.write_pixels].

    With the fast codec pipeline when the store allows it, and zarr's
    ``write_empty_chunks`` as the writer sets it (True for intensity levels).
    *direct*: for writes with ``array[...] = pixels`` instead of `write_pixels` (which
    stores all-zero chunks itself); such an array keeps them whatever the pipeline.

    Raises
    ------
    NgffNotFoundError
        If there is no array at *sp*.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> sp = StorePath(MemoryStore(), "0")
    >>> _ = zarr.create_array(sp, shape=(4,), dtype="u1")
    >>> open_for_writing(sp, write_empty_chunks=True).config.write_empty_chunks
    True
    """
    with codec_pipeline(sp.store):
        try:
            array = zarr.open_array(store=sp, mode="r+")
        except (FileNotFoundError, KeyError, zarr.errors.ArrayNotFoundError) as exc:
            raise NgffNotFoundError(f"{describe_store(sp)}: no zarr array here") from exc
        # zarr.open_array drops a config given with mode="r+" (zarr 3.1): set it after.
        array = array.with_config({"write_empty_chunks": write_empty_chunks})
    return storing_empty_chunks(array) if direct and write_empty_chunks else array


def write_pixels(
    pyramids: Sequence[Sequence[Level]],
    *,
    memory_limit: int | str | None = None,
    workers: int | None = None,
    client: Any = None,
    progress: bool | None = None,
    journal: Journal | None = None,
) -> None:
    """Stream each pyramid's levels into their arrays, with one progress bar per written level.

    The one place pixels are written: [`to_ngff_zarr`][ngffkit.to_ngff_zarr] and the
    container's ``consolidate`` both come here, for the memory budget, the shard-aligned
    regions, the zarrs codec pipeline and the progress display. A level marked ``stored``
    is only read.

    Examples
    --------
    >>> import numpy as np, zarr
    >>> from ngffkit.pyramids import to_multiscales
    >>> ms = to_multiscales(np.ones((32, 32), "u1"), scale_factors=[2], chunks=16)
    >>> arrays = [zarr.create_array({}, shape=i.shape, chunks=(16, 16), dtype="u1") for i in ms.images]
    >>> levels = [Level(i.data, a, d, str(k)) for k, (i, a, d) in enumerate(zip(ms.images, arrays, ms.derivations))]
    >>> write_pixels([levels], memory_limit=2**26, workers=1, client=None, progress=False)
    >>> int(arrays[1][:].sum())
    256
    """
    memory_limit = parse_memory_limit(memory_limit)
    workers = default_workers() if workers is None else workers
    # One bar per level that is written; a stored level is only read.
    written = [
        (n, k, level)
        for n, pyramid in enumerate(pyramids)
        for k, level in enumerate(pyramid)
        if not level.stored
    ]
    bar_of = {(n, k): i for i, (n, k, _) in enumerate(written)}
    bars = [(level.name, int(level.data.nbytes)) for _, _, level in written]
    with WriteProgress(progress, bars) as bar:
        for number, pyramid in enumerate(pyramids):

            def report(level: int, nbytes: int, number: int = number) -> None:
                if (number, level) in bar_of:
                    bar.advance(bar_of[number, level], nbytes)

            stream_levels(
                pyramid,
                memory_limit=memory_limit,
                workers=workers,
                client=client,
                report=report,
                journal=journal,
                key=str(number),
            )


def _as_label(ms: Multiscales) -> Multiscales:
    return replace(ms, image_label=_label_doc(ms), omero=None, labels={})
