"""Plate and well metadata in a store: read (wells concurrently) and update under the plate lock.

Reading a plate's images needs one document per well. They are independent reads, so they
are fetched together on zarr's event loop (one request per well: ``zarr.json`` for Zarr v3,
``.zattrs`` for v2) instead of one after another: over a network the listing costs about one
round trip, not one per well.

Every change is a read-modify-write of the plate's and a well's metadata done as one step
under the plate's lock (`ngffkit.io.write.image_lock` on the plate group), so writers in other
threads (any store) or processes (local disks) never drop each other's wells, fields or
acquisitions. A well's metadata
is written before the plate lists the well, and the plate stops listing a well before
anything else changes: a reader never meets a listed well without its group.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import zarr
from zarr.core.buffer import default_buffer_prototype
from zarr.core.sync import sync
from zarr.storage import StorePath

from ngffkit._container._store import merge_attrs, writable_version
from ngffkit.errors import NgffNotFoundError, NgffValidationError
from ngffkit.io.stores import (
    METADATA_ERRORS,
    child,
    describe_store,
    join_path,
    prefetch_metadata,
)
from ngffkit.io.write import image_lock, refresh_consolidated
from ngffkit.spec import (
    ZARR_FORMAT,
    NgffVersion,
    PlateMetadata,
    ReadableVersion,
    WellMetadata,
    decode_plate_attrs,
    decode_well_attrs,
    encode_plate_attrs,
    encode_well_attrs,
)

__all__ = [
    "FIELD_WORKERS",
    "LAYOUT_KEY",
    "PlateState",
    "read_plate",
    "read_wells",
    "read_group_attrs",
    "Edit",
    "PlateEdit",
    "WellOf",
    "plate_update",
    "write_well",
    "write_plate",
]

FIELD_WORKERS: Final = 64
"""Threads working on a plate's fields at once (opening them, reading their tables): the work
waits on round trips, not on the CPU."""

LAYOUT_KEY: Final = "ngffkit"
"""Top-level attribute (outside the OME namespace) where a plate records a fixed layout:
``{"plate_layout": "fixed"}`` when its creator declared every row and column."""


@dataclass(frozen=True, kw_only=True)
class PlateState:
    """What a plate group says: its version, metadata, and whether its layout is fixed."""

    version: ReadableVersion
    meta: PlateMetadata
    fixed: bool = False


async def _read_json(sp: StorePath, key: str) -> Any:
    buffer = await sp.store.get(join_path(sp.path, key), prototype=default_buffer_prototype())
    return None if buffer is None else json.loads(buffer.to_bytes())


async def _group_attrs(sp: StorePath, zarr_format: int) -> dict[str, Any] | None:
    """The attributes of the group at *sp* in one read, or None if it has no metadata."""
    if zarr_format == 3:
        doc = await _read_json(sp, "zarr.json")
        if not isinstance(doc, Mapping) or doc.get("node_type") != "group":
            return None
        attrs = doc.get("attributes", {})
    else:
        attrs = await _read_json(sp, ".zattrs")
        if attrs is None and await _read_json(sp, ".zgroup") is None:
            return None
    return dict(attrs) if isinstance(attrs, Mapping) else {}


def read_group_attrs(sp: StorePath) -> tuple[int, dict[str, Any]]:
    """The Zarr format and attributes of the group at *sp*.

    Raises
    ------
    NgffNotFoundError
        If there is no group at *sp*.
    """
    where = describe_store(sp)
    # Remote: both formats' names and consolidated metadata in one round trip; a snapshot fills
    # the store's cache with every field's array metadata.
    prefetch_metadata(sp, groups=[""])
    try:
        for zarr_format in (3, 2):
            attrs = sync(_group_attrs(sp, zarr_format))
            if attrs is not None:
                return zarr_format, attrs
    except METADATA_ERRORS as exc:
        raise NgffValidationError(
            f"{where}: the group's Zarr metadata cannot be read: {type(exc).__name__}: {exc}",
            rule="zarr-metadata-unreadable",
            path=where,
        ) from None
    raise NgffNotFoundError(f"no Zarr group at {where}")


def read_plate(sp: StorePath) -> PlateState:
    """The plate metadata of the group at *sp*.

    Raises
    ------
    NgffNotFoundError
        If there is no group at *sp*.
    NgffValidationError
        If the group is not a plate, or its plate metadata breaks a rule.
    """
    zarr_format, attrs = read_group_attrs(sp)
    where = describe_store(sp)
    try:
        version, meta = decode_plate_attrs(attrs, zarr_format=zarr_format, where=where)
    except NgffValidationError as exc:
        if exc.rule == "no-ome-metadata":
            raise NgffValidationError(
                f"{where} is not an HCS plate (no 'plate' metadata); open an image with "
                f"open_ome_zarr_container",
                rule="no-ome-metadata",
                path=where,
            ) from None
        if where in str(exc):
            raise
        # The dataclasses' rules name JSON paths only; say which store they are in.
        raise NgffValidationError(f"{where}: {exc}", rule=exc.rule, path=where) from None
    layout = attrs.get(LAYOUT_KEY)
    fixed = isinstance(layout, Mapping) and layout.get("plate_layout") == "fixed"
    return PlateState(version=version, meta=meta, fixed=fixed)


def read_wells(
    sp: StorePath, paths: Sequence[str], version: ReadableVersion
) -> dict[str, WellMetadata | None]:
    """The metadata of the wells at *paths* below the plate *sp*, read concurrently.

    A well without a group (or without well metadata) maps to None.
    """
    zarr_format = ZARR_FORMAT[version]

    async def gather() -> list[dict[str, Any] | None]:
        return list(await asyncio.gather(*(_group_attrs(child(sp, p), zarr_format) for p in paths)))

    try:
        found = sync(gather())
    except METADATA_ERRORS as exc:
        raise NgffValidationError(
            f"{describe_store(sp)}: a well's Zarr metadata cannot be read: "
            f"{type(exc).__name__}: {exc}",
            rule="zarr-metadata-unreadable",
            path=describe_store(sp),
        ) from None
    out: dict[str, WellMetadata | None] = {}
    for path, attrs in zip(paths, found, strict=True):
        if attrs is None:
            out[path] = None
            continue
        where = describe_store(sp, path)
        try:
            out[path] = decode_well_attrs(attrs, zarr_format=zarr_format, where=where)[1]
        except NgffValidationError as exc:
            if exc.rule != "no-ome-metadata":
                raise
            out[path] = None
    return out


def _ensure_group(sp: StorePath, zarr_format: Literal[2, 3]) -> zarr.Group:
    try:
        return zarr.open_group(store=sp, mode="r+")
    except (FileNotFoundError, KeyError, zarr.errors.GroupNotFoundError):
        return zarr.open_group(store=sp, mode="a", zarr_format=zarr_format)


def write_well(sp: StorePath, well_path: str, well: WellMetadata, version: NgffVersion) -> None:
    """Write a well's metadata (creating its row and well groups), keeping its other keys."""
    zarr_format = ZARR_FORMAT[version]
    row = well_path.split("/", 1)[0]
    _ensure_group(child(sp, row), zarr_format)
    group = _ensure_group(child(sp, well_path), zarr_format)
    group.update_attributes(merge_attrs(dict(group.attrs), encode_well_attrs(well, version)))


def write_plate(sp: StorePath, state: PlateState) -> None:
    """Write the plate metadata of *state*, keeping the group's other keys."""
    version = writable_version(state.version, describe_store(sp))
    new = encode_plate_attrs(state.meta, version)
    if state.fixed:
        new[LAYOUT_KEY] = {"plate_layout": "fixed"}
    group = _ensure_group(sp, ZARR_FORMAT[version])
    group.update_attributes(merge_attrs(dict(group.attrs), new))


WellOf = Callable[[str], WellMetadata | None]
"""Reads one well's metadata by its path (None when the well has none yet)."""

Edit = Callable[[PlateState, WellOf], "PlateEdit"]
"""A pure edit of a plate: from its state and its wells, the `PlateEdit` to write."""


@dataclass(frozen=True, kw_only=True)
class PlateEdit:
    """The outcome of one edit: the new plate (None: unchanged) and the wells to rewrite."""

    plate: PlateState | None = None
    wells: Mapping[str, WellMetadata] = field(default_factory=dict)
    result: Any = None


def plate_update(sp: StorePath, edit: Edit) -> Any:
    """Run *edit* on the plate as it is now and write what it returns, under the plate lock.

    *edit* gets the plate's state and a function reading one well's metadata (None when the
    well has none yet); it returns a `PlateEdit`. An edit that raises changes nothing.
    """
    with image_lock(sp):
        result = _plate_update_locked(sp, edit)
    refresh_consolidated(sp)  # the plate's snapshot (if it has one) lists the new wells and fields
    return result


def _plate_update_locked(sp: StorePath, edit: Edit) -> Any:
    state = read_plate(sp)
    version = writable_version(state.version, describe_store(sp))

    def well_of(path: str) -> WellMetadata | None:
        return read_wells(sp, [path], state.version)[path]

    outcome = edit(state, well_of)
    adding = outcome.plate is None or set(outcome.plate.meta.wells_paths) >= set(
        state.meta.wells_paths
    )
    if not adding and outcome.plate is not None:
        write_plate(sp, outcome.plate)  # unlist first, then touch the well
    for path, well in dict(outcome.wells).items():
        write_well(sp, path, well, version)
    if adding and outcome.plate is not None and outcome.plate != state:
        write_plate(sp, outcome.plate)  # list last, once the well exists
    return outcome.result
