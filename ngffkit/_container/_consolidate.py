"""Consolidate a stored pyramid: recompute every lower level from the highest resolution.

The pyramid's levels are planned as [`to_multiscales`][ngffkit.to_multiscales] plans them
and written by the pipeline's streaming writer (`write_pixels`), in bounded memory.
"""

from __future__ import annotations

import dask.array as da
from zarr.storage import StorePath

from ngffkit._container._plan import level_factors
from ngffkit.errors import NgffTypeError, NgffValueError
from ngffkit.io.stores import child, describe_store
from ngffkit.io.write import Level, open_for_writing, write_pixels
from ngffkit.methods import DEFAULT_IMAGE_METHOD, DEFAULT_LABEL_METHOD, Methods, parse_method
from ngffkit.model import Multiscales
from ngffkit.pyramids import to_multiscales

__all__ = ["consolidate_levels", "consolidation_method"]


def _fit(data: da.Array, shape: tuple[int, ...]) -> da.Array:
    """Crop or edge-pad *data* to *shape* (levels other tools wrote with floor instead of ceil)."""
    data = data[tuple(slice(0, min(a, b)) for a, b in zip(data.shape, shape, strict=True))]
    pad = [(0, b - a) for a, b in zip(data.shape, shape, strict=True)]
    if any(p for _, p in pad):
        data = da.pad(data, pad, mode="edge")
    return data


def consolidation_method(
    method: Methods | str | None, recorded: str | None, *, is_label: bool
) -> Methods:
    """The method asked for, else the one the metadata records, else ours for the kind.

    Examples
    --------
    >>> consolidation_method(None, "itk.gaussian_smoothing_of_another_tool", is_label=True).value
    'mode'
    """
    if method is not None:
        return parse_method(method, is_label=is_label)
    try:
        return parse_method(recorded, is_label=is_label)
    except (NgffValueError, NgffTypeError):
        # Another tool's method name (or an averaging one on labels): use ours.
        return DEFAULT_LABEL_METHOD if is_label else DEFAULT_IMAGE_METHOD


def consolidate_levels(
    store: StorePath,
    multiscales: Multiscales,
    *,
    is_label: bool,
    method: Methods | str | None,
    memory_limit: int | str | None,
    progress: bool | None,
) -> None:
    """Rewrite every level of *multiscales* below the first from the first; writes the store."""
    chosen = consolidation_method(method, multiscales.method, is_label=is_label)
    paths = multiscales.paths
    if len(paths) < 2:
        return
    plan = to_multiscales(
        multiscales.images[0],
        scale_factors=level_factors(multiscales, describe_store(store)),
        method=chosen,
    )
    # Labels are mostly background: their empty chunks stay unstored, as the writer does.
    arrays = [
        open_for_writing(child(store, path), write_empty_chunks=not is_label) for path in paths
    ]
    # Level 0 is the source, read region by region; each lower level is computed from
    # the region in memory and written by the pipeline's streaming writer.
    levels = [Level(plan.images[0].data, arrays[0], None, f"level {paths[0]}", stored=True)]
    for k, (path, level, array) in enumerate(
        zip(paths[1:], plan.images[1:], arrays[1:], strict=True), start=1
    ):
        data, derivation = level.data, plan.derivations[k]
        if tuple(array.shape) != level.shape or array.dtype != level.dtype:
            # Another tool rounded this level's shape down: its own graph, fitted.
            data, derivation = _fit(level.data, tuple(array.shape)).astype(array.dtype), None
        levels.append(Level(data, array, derivation, f"level {path}"))
    write_pixels([levels], memory_limit=memory_limit, progress=progress)
