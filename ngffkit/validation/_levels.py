"""The checks on a multiscale's arrays: dimensions, shapes, dtypes, chunk keys, channels.

The rules are in the catalogue (section ``multiscales``, ``omero``); these checks need the
opened arrays, so they run here, in the store walk.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ngffkit.io.stores import join_path
from ngffkit.spec.rules import ValidationIssue, Where, issue
from ngffkit.spec.rules.multiscales import StoredLevel
from ngffkit.spec.rules.multiscales import check_levels as rules_on_levels
from ngffkit.spec.rules.narrow import JSON, as_list, as_map, io_field
from ngffkit.spec.versions import NgffVersion
from ngffkit.validation._nodes import Group, Walk, array_file

__all__ = ["axis_names", "check_levels", "stored_level"]


def axis_names(ms: Mapping[str, JSON], version: NgffVersion) -> list[str] | None:
    """The axis names of a ``multiscales[]`` entry (0.6: of its intrinsic system), or None.

    Examples
    --------
    >>> axis_names({"axes": [{"name": "y"}, {"name": "x"}]}, "0.4")
    ['y', 'x']
    """
    if version != "0.6":
        axes = as_list(ms.get("axes"))
    else:
        datasets = as_list(ms.get("datasets")) or []
        first = as_map(datasets[0]) if datasets else None
        transforms = as_list(first.get("coordinateTransformations")) if first else None
        transform = as_map(transforms[0]) if transforms else None
        intrinsic = io_field(transform, "output", "name") if transform else None
        systems = [s for s in as_list(ms.get("coordinateSystems")) or [] if isinstance(s, Mapping)]
        match = [s for s in systems if s.get("name") == intrinsic]
        axes = as_list(match[0].get("axes")) if match else None
    if axes is None or not all(isinstance(a, Mapping) for a in axes):
        return None
    return [str(a.get("name")) for a in axes]


def stored_level(walk: Walk, group: Group, path: str, array: Any) -> StoredLevel:
    """What an opened level array's metadata says, as the catalogue's level rules take it."""
    fmt = int(array.metadata.zarr_format)
    names = getattr(array.metadata, "dimension_names", None) if fmt == 3 else None
    return StoredLevel(
        path=path,
        file=array_file(walk.sp, join_path(group.path, path), fmt),
        shape=tuple(int(n) for n in array.shape),
        dtype=str(array.dtype),
        zarr_format=fmt,
        dimension_separator=getattr(array.metadata, "dimension_separator", None)
        if fmt == 2
        else None,
        dimension_names=tuple(names) if names is not None else None,
    )


def check_levels(
    walk: Walk,
    group: Group,
    ms: Mapping[str, JSON],
    arrays: Sequence[tuple[int, str, Any]],
    version: NgffVersion,
) -> None:
    """The level rules of the catalogue, chunk keys when asked, and the omero channel count."""
    names = axis_names(ms, version)
    levels = [stored_level(walk, group, path, array) for _, path, array in arrays]
    walk.issues.extend(rules_on_levels(levels, names, version))
    if walk.chunks:
        label = "label" in group.doc.kinds
        for level, (_, _, array) in zip(levels, arrays, strict=True):
            walk.issues.extend(_check_chunks(array, level.where, label=label))
    _check_omero_channels(walk, group, ms, arrays, names)


_FIRST_MISSING = 5
"""How many missing chunk keys a report names."""


def _stored_keys(array: Any) -> set[str] | None:
    """The keys under *array*'s node, relative to it; None if the store cannot list them."""
    from zarr.core.sync import sync  # zarr's own bridge from sync code to its event loop

    store, prefix = array.store_path.store, array.store_path.path
    if not store.supports_listing:
        return None

    async def collect() -> list[str]:
        return [key async for key in store.list_prefix(f"{prefix}/" if prefix else "")]

    try:
        keys = sync(collect())
    except (NotImplementedError, OSError):  # HTTP servers answer no listing
        return None
    start = len(prefix) + 1 if prefix else 0
    found = {key[start:] for key in keys}
    # A listing that misses the array's own metadata (a web server's index page without
    # links, say) cannot be trusted to show its chunks either.
    return found if found & {"zarr.json", ".zarray"} else None


def _check_chunks(array: Any, loc: Where, *, label: bool) -> Iterator[ValidationIssue]:
    """Every chunk (or shard) key the array's metadata implies, against the keys stored."""
    present = _stored_keys(array)
    if present is None:
        yield issue(
            "chunks-unchecked",
            loc,
            "the store cannot list its keys (an HTTP server without directory listings), so "
            "its chunks were not checked",
            "warning",
        )
        return
    outer = array.shards or array.chunks
    grid = [math.ceil(n / c) for n, c in zip(array.shape, outer, strict=True)]
    total = math.prod(grid)
    missing: list[str] = []
    count = 0
    for coords in itertools.product(*(range(n) for n in grid)):
        key = array.metadata.encode_chunk_key(coords)
        if key not in present:
            count += 1
            if len(missing) < _FIRST_MISSING:
                missing.append(key)
    if not count:
        return
    noun = "shard" if array.shards else "chunk"
    why = (
        "label writers skip chunks that are all background, so this may be intended"
        if label
        else "a copy or a write that did not finish; writers that skip empty chunks "
        "(write_empty_chunks=False) also leave gaps"
    )
    yield issue(
        "chunks-missing",
        loc,
        f"{count} of {total} {noun} keys are missing (first: {', '.join(missing)}); a missing "
        f"{noun} reads as the fill value {array.fill_value!r}: {why}",
        "warning" if label else "error",
    )


def _check_omero_channels(
    walk: Walk,
    group: Group,
    ms: Mapping[str, JSON],
    arrays: Sequence[tuple[int, str, Any]],
    names: Sequence[str] | None,
) -> None:
    omero = as_map(group.doc.ns.get("omero"))
    channels = as_list(omero.get("channels")) if omero is not None else None
    if channels is None or not arrays or names is None:
        return
    axes = as_list(ms.get("axes")) if group.doc.version != "0.6" else None
    types = [a.get("type") for a in axes or [] if isinstance(a, Mapping)]
    if "channel" not in types:
        return
    shape = tuple(arrays[0][2].shape)
    index = types.index("channel")
    if index < len(shape) and shape[index] != len(channels):
        walk.issues.append(
            issue(
                "omero-channel-count",
                group.doc.ns_loc.at("omero", "channels"),
                f"expected one omero channel per index of the channel axis {names[index]!r} "
                f"({shape[index]}), got {len(channels)}",
                "warning",
            )
        )
