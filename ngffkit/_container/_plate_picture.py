"""Plate pictures: a plate's grid of wells, each drawn from its first field's coarsest level.

A plate can hold thousands of fields, in a remote store, so what a picture costs is bounded:
the plate's and wells' metadata is read (the wells concurrently, one request each), then at
most *max_wells* fields are opened and read side by side, each at its coarsest level only (or
the level asked for), every n-th pixel of one plane, and only if that plane holds at most
`PLANE_LIMIT` bytes; the other wells show their number of fields. Drawing is `ngffkit._render`'s
(`plate_figure`); this module only reads.

The notebook repr of [`OmeZarrPlate`][ngffkit.OmeZarrPlate] draws at most `REPR_WELLS` wells
and never fails: a field it cannot read is marked, a plate it cannot read is shown as text.
"""

from __future__ import annotations

import html
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from zarr.storage import StorePath

from ngffkit._container._plate_store import read_plate, read_wells
from ngffkit._render import PlateTiles, WellTile, figure_png, img_tag, picture_rgb, plate_figure
from ngffkit.errors import (
    NgffAuthError,
    NgffCorruptDataError,
    NgffNotFoundError,
    NgffRemoteError,
    NgffValidationError,
    NgffValueError,
)
from ngffkit.io.read import from_ngff_zarr
from ngffkit.io.stores import StoreLike, child, open_store

__all__ = ["REPR_WELLS", "PREVIEW_WELLS", "PLANE_LIMIT", "plate_tiles", "plate_html"]

REPR_WELLS = 96
"""Wells a notebook repr draws with pixels (a 96-well plate whole); the others show counts."""

PREVIEW_WELLS = 384
"""Wells [`preview`][ngffkit.preview] draws with pixels (a 384-well plate whole)."""

PLANE_LIMIT = 64 << 20
"""Bytes of one field's plane a well's picture may read; a larger one shows the count."""

_REPR_TILE = 32
"""Pixels a side of each well's picture in a repr."""

_WORKERS = 16
"""Fields read at once: enough to overlap round trips, few enough to bound memory."""

_FIELD_FAULTS = (
    NgffNotFoundError,
    NgffValidationError,
    NgffCorruptDataError,
    NgffRemoteError,
    NgffAuthError,
    OSError,
)
"""What a field's store can do wrong: its well is marked, the picture goes on."""


def _field_rgb(
    sp: StorePath,
    path: str,
    *,
    tile: int,
    level: int | None,
    options: dict[str, Any],
) -> Any:
    """The picture of the field at *path* (one plane of one level), or the reason there is none."""
    ms = from_ngff_zarr(child(sp, path), labels=False, tables=False)
    n = len(ms.images)
    k = n - 1 if level is None else level
    if isinstance(k, bool) or not isinstance(k, int) or not -n <= k < n:
        raise NgffValueError(
            f"level: expected an index in [0, {n}) for field {path}, got {level!r}"
        )
    image = ms.images[k]
    dims = image.dims
    plane_bytes = image.dtype.itemsize * image.shape[dims.index("y")] * image.shape[dims.index("x")]
    for d in ("c", "z"):
        if d in dims and (d == "c" or options.get("projection") == "max"):
            plane_bytes *= image.shape[dims.index(d)]
    if plane_bytes > PLANE_LIMIT:
        return f"not read: level {k % n} has {plane_bytes >> 20} MiB a plane"
    return picture_rgb(
        image.data, dims, ms.omero, tile, names=image.channel_names, label=False, **options
    )


def plate_tiles(
    store: StoreLike,
    *,
    max_wells: int = PREVIEW_WELLS,
    tile: int = 64,
    level: int | None = None,
    z: int | None = None,
    t: int = 0,
    projection: str = "slice",
    channels: Any = None,
    strict: bool = True,
) -> PlateTiles:
    """What a plate picture shows: every well's field count and up to *max_wells* pictures.

    Reads the plate's and its wells' metadata, then the first field of the first *max_wells*
    wells that have fields (in the plate's order), side by side: one plane of its coarsest
    level (or of *level*), at most *tile* pixels a side, read as every n-th pixel.

    Parameters
    ----------
    store
        The plate's root (path, URL, zarr store or StorePath).
    max_wells
        How many wells are drawn with pixels; the others show their number of fields.
    tile
        Pixels a side of each well's picture.
    level, z, t, projection, channels
        Which level and plane of each field, and which channels, as in
        [`preview`][ngffkit.preview].
    strict
        Raise on a bad argument (a channel name a field lacks, a level it does not have);
        without it, such a field is marked like one that cannot be read.

    Examples
    --------
    >>> import numpy as np
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.container import create_empty_plate
    >>> plate = create_empty_plate(MemoryStore(), "p")
    >>> for row in "AB":
    ...     _ = plate.add_image(row, 2, "0", array=np.eye(64, dtype="u1"), pixelsize=1.0, levels=2)
    >>> tiles = plate_tiles(plate.store, max_wells=1, tile=16)
    >>> tiles.rows, tiles.columns, [(w.path, w.fields, w.rgb is None) for w in tiles.wells]
    (('A', 'B'), ('02',), [('A/02', 1, False), ('B/02', 1, True)])
    >>> tiles.wells[0].rgb.shape
    (16, 16, 3)
    """
    sp = open_store(store, mode="r")
    state = read_plate(sp)
    meta = state.meta
    wells = read_wells(sp, list(meta.wells_paths), state.version)
    fields = {p: [] if w is None else [image.path for image in w.images] for p, w in wells.items()}
    chosen = [w.path for w in meta.wells if fields[w.path]][: max(0, max_wells)]
    options = {"z": z, "t": t, "projection": projection, "channels": channels}

    def draw(well_path: str) -> Any:
        try:
            return _field_rgb(
                sp, f"{well_path}/{fields[well_path][0]}", tile=tile, level=level, options=options
            )
        except _FIELD_FAULTS as exc:
            return f"{type(exc).__name__}: {exc}"
        except Exception as exc:
            if strict:
                raise
            return f"{type(exc).__name__}: {exc}"

    pictures: dict[str, Any] = {}
    if chosen:
        with ThreadPoolExecutor(min(_WORKERS, len(chosen))) as pool:
            pictures = dict(zip(chosen, pool.map(draw, chosen), strict=True))
    tiles = []
    for well in meta.wells:
        drawn = pictures.get(well.path)
        found = wells[well.path]
        tiles.append(
            WellTile(
                row=well.row_index,
                column=well.column_index,
                path=well.path,
                fields=None if found is None else len(found.images),
                rgb=None if drawn is None or isinstance(drawn, str) else drawn,
                note=drawn if isinstance(drawn, str) else "",
            )
        )
    what = "first field of each well, " + ("coarsest level" if level is None else f"level {level}")
    return PlateTiles(
        name=meta.name,
        rows=tuple(meta.rows),
        columns=tuple(meta.columns),
        wells=tuple(tiles),
        what=what,
    )


def plate_html(sp: StorePath, text: str) -> str:
    """HTML of a plate: *text* (its repr) beside a PNG of its layout, or alone if that fails.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.container import ImageInWellPath, create_empty_plate
    >>> plate = create_empty_plate(MemoryStore(), "p", images=[ImageInWellPath(row="A", column=1, path="0")])
    >>> "<img" in plate_html(plate.store, "plate")  # its one well's field is not written yet
    True
    """
    body = f"<pre>{html.escape(text)}</pre>"
    try:
        import matplotlib  # noqa: F401 - without it, no field is read for nothing
    except ImportError:
        return body
    try:
        tiles = plate_tiles(sp, max_wells=REPR_WELLS, tile=_REPR_TILE, strict=False)
        width = min(6.5, 0.8 + 0.45 * max(len(tiles.columns), 1))
        fig = plate_figure(tiles, width=width, tile=_REPR_TILE)
        png = figure_png(fig, dpi=72)
    except Exception:  # a repr shows what it can
        return body
    picture = img_tag(png, int(max(fig.get_size_inches()) * 72), alt="plate layout")
    return (
        "<div style='display:flex;gap:1em;align-items:flex-start'>"
        f"<div>{picture}</div><div>{body}</div></div>"
    )
