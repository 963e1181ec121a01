"""Pixels to pictures: plane selection, channel compositing, label outlines, PNG thumbnails.

Pure functions on numpy and dask arrays and the spec's channel metadata, shared by
[`ngffkit.preview`][ngffkit.preview] (figures) and the notebook reprs (thumbnails). The
one rule that keeps a repr cheap lives here too: a thumbnail reads a level that is
stored, or computes one whose whole graph is small, and otherwise shows nothing.

matplotlib (the ``plot`` extra) is imported only when a PNG is encoded.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ngffkit.errors import NgffDependencyError, NgffKeyError, NgffValueError
from ngffkit.spec import Omero

__all__ = [
    "DEFAULT_COLORS",
    "THUMBNAIL_COMPUTE_LIMIT",
    "plane",
    "channel_indices",
    "channel_styles",
    "composite",
    "outlines",
    "label_rgba",
    "png_bytes",
    "thumbnail_html",
    "is_stored",
    "label_fill",
    "picture_rgb",
    "img_tag",
    "with_thumbnail",
    "WellTile",
    "PlateTiles",
    "plate_figure",
    "figure_png",
]

DEFAULT_COLORS = ("FFFFFF",)
"""Colour of a single channel without OMERO metadata."""

_PALETTE = ("00FFFF", "FF00FF", "FFFF00", "00FF00", "FF0000", "0000FF")
"""Colours of several channels without OMERO metadata, in order."""

THUMBNAIL_COMPUTE_LIMIT = 64 << 20
"""Bytes of level 0 a notebook repr may compute for a pyramid that is not stored yet."""

_PERCENTILES = (0.5, 99.5)


def _matplotlib(what: str) -> Any:
    try:
        import matplotlib
    except ImportError as exc:
        raise NgffDependencyError(
            f"{what} needs matplotlib: pip install 'ngffkit[plot]' ({exc})"
        ) from exc
    return matplotlib


def is_stored(data: Any) -> bool:
    """True if *data* reads pixels that are already in a store (no pyramid to compute).

    Examples
    --------
    >>> import dask.array as da
    >>> is_stored(da.zeros((4, 4)))
    False
    """
    return bool(getattr(data, "is_stored", False))


def plane(
    data: Any,
    dims: Sequence[str],
    *,
    z: int | None = None,
    t: int = 0,
    projection: str = "slice",
) -> Any:
    """The (c, y, x) plane of *data* to show, still lazy: one ``t``, one ``z`` or its max.

    ``z=None`` takes the middle plane; ``projection="max"`` the maximum over every z.

    Examples
    --------
    >>> import numpy as np
    >>> plane(np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5), ("c", "z", "y", "x")).shape
    (2, 4, 5)
    """
    if projection not in ("slice", "max"):
        raise NgffValueError(f"projection: expected 'slice' or 'max', got {projection!r}")
    dims = tuple(dims)
    if "y" not in dims or "x" not in dims:
        raise NgffValueError(f"a picture needs y and x axes, the image has {list(dims)}")
    index: list[Any] = []
    for d, n in zip(dims, data.shape, strict=True):
        if d == "t":
            if not isinstance(t, int) or not -n <= t < n:
                raise NgffValueError(f"t: expected an index in [0, {n}), got {t!r}")
            index.append(t)
        elif d == "z" and projection == "slice":
            k = n // 2 if z is None else z
            if not isinstance(k, int) or isinstance(k, bool) or not -n <= k < n:
                raise NgffValueError(f"z: expected an index in [0, {n}), got {z!r}")
            index.append(k)
        elif d in ("c", "z", "y", "x"):
            index.append(slice(None))
        else:  # an axis the spec allows but a picture cannot show: its first element
            index.append(0)
    out = data[tuple(index)]
    kept = [d for d, i in zip(dims, index, strict=True) if isinstance(i, slice)]
    if "z" in kept:
        out = out.max(axis=kept.index("z"))
        kept.remove("z")
    if "c" not in kept:
        out = out[None]
    return out


def channel_indices(
    n: int, omero: Omero | None, names: Sequence[str] | None, channels: Any = None
) -> list[int]:
    """The indices of the *channels* to draw, given by name or index, among *n* channels.

    Default: the active OMERO channels, else all. Names are the OMERO labels where there
    are some, else *names* (the image's channel names).

    Raises
    ------
    NgffKeyError
        For a name the image does not have (the message lists its channels).
    NgffValueError
        For an index out of range or a value that is neither a name nor an index.

    Examples
    --------
    >>> channel_indices(3, None, ["DAPI", "GFP", "RFP"], ["RFP", 0])
    [2, 0]
    >>> channel_indices(2, None, None)
    [0, 1]
    """
    if channels is None:
        if omero is not None and len(omero.channels) == n:
            active = [i for i, ch in enumerate(omero.channels) if ch.active]
            if active:
                return active
        return list(range(n))
    listed = list(names or ())
    if omero is not None:
        listed = [
            ch.label or (listed[i] if i < len(listed) else "")
            for i, ch in enumerate(omero.channels)
        ]
    chosen = [channels] if isinstance(channels, str | int) else list(channels)
    out = []
    for c in chosen:
        if isinstance(c, str):
            if c not in listed:
                raise NgffKeyError(f"channels: {c!r} is not among the channels {listed}")
            out.append(listed.index(c))
        elif isinstance(c, int) and not isinstance(c, bool) and -n <= c < n:
            out.append(c % n)
        else:
            raise NgffValueError(f"channels: expected names or indices in [0, {n}), got {c!r}")
    return out


def channel_styles(
    n: int, omero: Omero | None, channels: Sequence[int], dtype: Any = None
) -> list[tuple[str, tuple[float, float] | None]]:
    """(hex colour, window or None) of each chosen channel, from OMERO metadata or defaults.

    A window spanning the whole range of an integer *dtype* is what writers put when they
    chose none (ngffkit's default too): it counts as none, so the picture is scaled to the
    pixels' percentiles rather than drawn near black.

    Examples
    --------
    >>> channel_styles(2, None, [0, 1])
    [('00FFFF', None), ('FF00FF', None)]
    """
    full = None
    if dtype is not None and np.dtype(dtype).kind in "iu":
        info = np.iinfo(np.dtype(dtype))
        full = (float(info.min), float(info.max))
    styles: list[tuple[str, tuple[float, float] | None]] = []
    for position, c in enumerate(channels):
        color = DEFAULT_COLORS[0] if n == 1 else _PALETTE[position % len(_PALETTE)]
        window = None
        if omero is not None and c < len(omero.channels):
            ch = omero.channels[c]
            color = ch.color
            if ch.window is not None and ch.window.end > ch.window.start:
                window = (float(ch.window.start), float(ch.window.end))
                if window == full:
                    window = None
        styles.append((color, window))
    return styles


def _rgb(color: str) -> np.ndarray:
    color = color.lstrip("#")
    return np.array([int(color[i : i + 2], 16) / 255 for i in (0, 2, 4)], dtype="f4")


def composite(
    planes: np.ndarray, styles: Sequence[tuple[str, tuple[float, float] | None]]
) -> np.ndarray:
    """Add the (c, y, x) *planes*, each scaled to its window and tinted, into a (y, x, 3) image.

    A channel without a window is scaled between its 0.5 and 99.5 percentiles.

    Examples
    --------
    >>> import numpy as np
    >>> rgb = composite(np.stack([np.eye(3), np.zeros((3, 3))]), [("FF0000", None), ("00FF00", (0, 1))])
    >>> rgb.shape, float(rgb[0, 0, 0]), float(rgb[0, 0, 1])
    ((3, 3, 3), 1.0, 0.0)
    """
    out = np.zeros((*planes.shape[1:], 3), dtype="f4")
    for pixels, (color, window) in zip(planes, styles, strict=True):
        values = np.asarray(pixels, dtype="f4")
        if window is None:
            finite = values[np.isfinite(values)]
            lo, hi = np.percentile(finite, _PERCENTILES) if finite.size else (0.0, 1.0)
            if hi <= lo:
                lo, hi = float(finite.min(initial=0)), float(finite.max(initial=1))
        else:
            lo, hi = window
        scaled = np.clip((values - lo) / (hi - lo if hi > lo else 1.0), 0, 1)
        out += np.nan_to_num(scaled)[..., None] * _rgb(color)
    return np.clip(out, 0, 1)


def outlines(labels: np.ndarray) -> np.ndarray:
    """True on the pixels of a label that touch another value (its 4-neighbours).

    Examples
    --------
    >>> import numpy as np
    >>> lab = np.zeros((5, 5), int); lab[1:4, 1:4] = 7
    >>> outlines(lab).sum()  # the 8 border pixels of the 3 × 3 square
    np.int64(8)
    """
    edge = np.zeros(labels.shape, dtype=bool)
    edge[1:, :] |= labels[1:, :] != labels[:-1, :]
    edge[:-1, :] |= labels[:-1, :] != labels[1:, :]
    edge[:, 1:] |= labels[:, 1:] != labels[:, :-1]
    edge[:, :-1] |= labels[:, :-1] != labels[:, 1:]
    edge &= np.asarray(labels) != 0
    return edge


def label_rgba(
    labels: np.ndarray, colors: Mapping[int, tuple[int, int, int, int] | None] | None = None
) -> np.ndarray:
    """A (y, x, 4) overlay: each label's outline in its colour, transparent elsewhere.

    Labels without a colour get one of 20 distinct colours by value.

    Examples
    --------
    >>> import numpy as np
    >>> lab = np.zeros((4, 4), int); lab[1:3, 1:3] = 1
    >>> label_rgba(lab, {1: (255, 0, 0, 255)})[1, 1].tolist()
    [1.0, 0.0, 0.0, 1.0]
    """
    mask = outlines(labels)
    out = np.zeros((*labels.shape, 4), dtype="f4")
    if not mask.any():
        return out
    values = labels[mask]
    palette = _matplotlib("label outlines").colormaps["tab20"]
    rgba = np.asarray(palette((values.astype(np.int64) * 7) % 20), dtype="f4")
    for value, color in (colors or {}).items():
        if color is not None:
            rgba[values == value] = np.asarray(color, dtype="f4") / 255
    out[mask] = rgba
    return out


def png_bytes(rgb: np.ndarray) -> bytes:
    """Encode a (y, x, 3|4) float image in [0, 1] as PNG.

    Examples
    --------
    >>> import numpy as np
    >>> png_bytes(np.zeros((2, 2, 3)))[:4]
    b'\\x89PNG'
    """
    _matplotlib("PNG pictures")
    from matplotlib import image as mpimg

    buffer = io.BytesIO()
    mpimg.imsave(buffer, np.clip(rgb, 0, 1), format="png")
    return buffer.getvalue()


def label_fill(labels: np.ndarray) -> np.ndarray:
    """A (y, x, 3) picture of a label image: each label filled in its colour, background black.

    The colours are those of `label_rgba`'s outlines (20 distinct colours by value).

    Examples
    --------
    >>> import numpy as np
    >>> lab = np.zeros((2, 2), int); lab[0, 0] = 3
    >>> rgb = label_fill(lab)
    >>> rgb.shape, rgb[1, 1].tolist(), bool(rgb[0, 0].any())
    ((2, 2, 3), [0.0, 0.0, 0.0], True)
    """
    palette = _matplotlib("label pictures").colormaps["tab20"]
    values = np.asarray(labels).astype(np.int64)
    rgb = np.asarray(palette((values * 7) % 20), dtype="f4")[..., :3]
    rgb[values == 0] = 0.0
    return rgb


def picture_rgb(
    data: Any,
    dims: Sequence[str],
    omero: Omero | None,
    size: int,
    *,
    label: bool = False,
    channels: Any = None,
    names: Sequence[str] | None = None,
    z: int | None = None,
    t: int = 0,
    projection: str = "slice",
) -> np.ndarray:
    """A (y, x, 3) picture of one plane of *data*, at most *size* pixels a side; reads pixels.

    Only every n-th pixel of the plane is read back (n chosen so the picture fits *size*), so
    the memory it takes is that of the picture, not of the plane. A label image is filled in
    its label colours (`label_fill`); an intensity image composites the chosen channels
    (`channel_indices`; at most six by default) in their colours and windows.

    Examples
    --------
    >>> import numpy as np
    >>> picture_rgb(np.eye(100), ("y", "x"), None, 10).shape
    (10, 10, 3)
    """
    lazy = plane(data, dims, z=z, t=t, projection=projection)
    step = max(1, math.ceil(max(lazy.shape[-2:]) / size))
    if label:
        return label_fill(np.asarray(lazy[0, ::step, ::step]))
    n = lazy.shape[0]
    chosen = channel_indices(n, omero, names, channels)
    if channels is None:
        chosen = chosen[: len(_PALETTE)]
    pixels = np.asarray(lazy[chosen][:, ::step, ::step])
    return composite(pixels, channel_styles(n, omero, chosen, data.dtype))


def thumbnail_html(
    levels: Sequence[Any],
    dims: Sequence[str],
    omero: Omero | None,
    *,
    size: int = 160,
    label: bool = False,
) -> str:
    """An ``<img>`` tag holding a PNG thumbnail, or ``""`` when one would cost too much.

    *levels* are the pyramid's lazy arrays, finest first. The coarsest level is shown:
    when it is stored, reading it costs a few requests; otherwise it is computed only if
    level 0 holds at most `THUMBNAIL_COMPUTE_LIMIT` bytes (no notebook cell computes a
    large pyramid just to draw a repr). Without matplotlib there is no thumbnail.

    Examples
    --------
    >>> import dask.array as da
    >>> thumbnail_html([da.zeros((8, 8), "u1")], ("y", "x"), None).startswith("<img")
    True
    """
    coarsest = levels[-1]
    if not is_stored(coarsest) and int(levels[0].nbytes) > THUMBNAIL_COMPUTE_LIMIT:
        return ""
    try:
        _matplotlib("thumbnails")
    except NgffDependencyError:
        return ""
    rgb = picture_rgb(coarsest, dims, omero, size, label=label)
    return img_tag(png_bytes(rgb), size)


def img_tag(png: bytes, size: int, alt: str = "thumbnail") -> str:
    """An ``<img>`` tag holding *png*, shown at most *size* pixels a side.

    Examples
    --------
    >>> img_tag(b"", 10)[:60]
    "<img src='data:image/png;base64,' alt='thumbnail' style='ima"
    """
    encoded = base64.b64encode(png).decode("ascii")
    return (
        f"<img src='data:image/png;base64,{encoded}' alt='{alt}' "
        f"style='image-rendering:pixelated;max-width:{size}px;max-height:{size}px'/>"
    )


def with_thumbnail(body: str, levels: Sequence[Any], dims: Sequence[str], **kwargs: Any) -> str:
    """*body* (an HTML table) with a thumbnail of the pyramid *levels* beside it.

    A repr must not fail: when the picture cannot be made (no matplotlib, an unreachable
    store, a plane it cannot show), the table is shown alone.

    Examples
    --------
    >>> import dask.array as da
    >>> with_thumbnail("<table></table>", [da.zeros((8, 8), "u1")], ("y", "x")).startswith("<div")
    True
    """
    try:
        thumb = thumbnail_html(levels, dims, kwargs.pop("omero", None), **kwargs)
    except Exception:  # a repr shows what it can
        thumb = ""
    if not thumb:
        return body
    return (
        "<div style='display:flex;gap:1em;align-items:flex-start'>"
        f"<div>{thumb}</div><div>{body}</div></div>"
    )


@dataclass(frozen=True, kw_only=True, eq=False)
class WellTile:
    """One well of a plate picture: where it is, its field count, and its picture if drawn.

    *fields* is None when the well's metadata is missing; *rgb* is None when no field was
    drawn (beyond the cap of wells drawn, or its field could not be read: *note* says why).
    """

    row: int
    column: int
    path: str
    fields: int | None
    rgb: np.ndarray | None = None
    note: str = ""


@dataclass(frozen=True, kw_only=True, eq=False)
class PlateTiles:
    """What a plate picture shows: the plate's rows and columns as it names them, its wells.

    Examples
    --------
    >>> PlateTiles(name="p", rows=("A",), columns=("01",), wells=()).drawn
    0
    """

    name: str | None
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    wells: tuple[WellTile, ...]
    what: str = "first field of each well, coarsest level"

    @property
    def drawn(self) -> int:
        """How many wells are drawn with pixels."""
        return sum(w.rgb is not None for w in self.wells)


_NO_WELL = (0.93, 0.93, 0.93)
_COUNTED = (0.28, 0.28, 0.30)
_BROKEN = (0.45, 0.10, 0.10)


_GLYPHS = {
    "0": "111101101101111",
    "1": "010110010010111",
    "2": "111001111100111",
    "3": "111001111001111",
    "4": "101101111001001",
    "5": "111100111001111",
    "6": "111100111101111",
    "7": "111001010010010",
    "8": "111101111101111",
    "9": "111101111001111",
    "?": "111001011000010",
    "!": "010010010000010",
    "+": "000010111010000",
}
"""3 x 5 pixel glyphs: a well's count is drawn into the picture, not as one text object per
well (matplotlib lays out a few hundred texts in about a second)."""


def _glyphs(text: str, scale: int) -> np.ndarray:
    """A boolean bitmap of *text* (digits, ``?``, ``!``, ``+``), each pixel *scale* wide."""
    rows = [np.array([c == "1" for c in _GLYPHS[ch]]).reshape(5, 3) for ch in text]
    gap = np.zeros((5, 1), dtype=bool)
    bitmap = np.hstack([part for r in rows for part in (r, gap)][:-1])
    return bitmap.repeat(scale, axis=0).repeat(scale, axis=1)


def _stamp(cell: np.ndarray, text: str) -> None:
    """Write *text* in white, centred, into a well's *cell* (y, x, 3)."""
    tile = min(cell.shape[:2])
    if len(text) > 3:  # a thousand fields or more
        text = "99+"
    bitmap = _glyphs(text, max(1, tile // 16))
    if bitmap.shape[0] > cell.shape[0] or bitmap.shape[1] > cell.shape[1]:
        return
    top = (cell.shape[0] - bitmap.shape[0]) // 2
    left = (cell.shape[1] - bitmap.shape[1]) // 2
    cell[top : top + bitmap.shape[0], left : left + bitmap.shape[1]][bitmap] = 1.0


def _well_text(well: WellTile) -> str:
    """What a well without a picture shows: its field count, ``?`` (no well metadata) or
    ``!`` (its field could not be read)."""
    if well.fields is None:
        return "?"
    if well.note and well.fields:
        return "!"
    return str(well.fields)


def _mosaic(tiles: PlateTiles, tile: int) -> np.ndarray:
    """The wells' pictures side by side, *tile* pixels a well, each centred in its cell."""
    out = np.empty((len(tiles.rows) * tile, len(tiles.columns) * tile, 3), dtype="f4")
    out[...] = _NO_WELL
    for well in tiles.wells:
        cell = out[
            well.row * tile : (well.row + 1) * tile, well.column * tile : (well.column + 1) * tile
        ]
        if well.rgb is None:
            text = _well_text(well)
            cell[...] = _BROKEN if text == "!" else _COUNTED
            _stamp(cell, text)
            continue
        cell[...] = 0.0
        step = max(1, math.ceil(max(well.rgb.shape[:2]) / tile))
        rgb = well.rgb[::step, ::step]
        grow = max(1, tile // max(rgb.shape[:2]))  # a small coarsest level fills its cell
        rgb = rgb.repeat(grow, axis=0).repeat(grow, axis=1)
        h, w = rgb.shape[:2]
        top, left = (tile - h) // 2, (tile - w) // 2
        cell[top : top + h, left : left + w] = rgb[..., :3]
    return out


def plate_figure(tiles: PlateTiles, *, ax: Any = None, width: float = 8.0, tile: int = 64) -> Any:
    """Draw a plate's layout: its grid of wells, labelled as the plate names rows and columns.

    A well drawn with pixels shows its picture; another shows its number of fields (``?`` when
    its metadata is missing, ``!`` on a dark red cell when its field could not be read); a
    position without a well is light grey. *width* is the new figure's width in inches.

    Examples
    --------
    >>> import numpy as np
    >>> tiles = PlateTiles(name="p", rows=("A", "B"), columns=("01", "02", "03"), wells=(
    ...     WellTile(row=0, column=1, path="A/02", fields=2, rgb=np.ones((8, 8, 3))),
    ...     WellTile(row=1, column=2, path="B/03", fields=3)))
    >>> ax = plate_figure(tiles).axes[0]
    >>> [t.get_text() for t in ax.get_xticklabels()], [t.get_text() for t in ax.get_yticklabels()]
    (['01', '02', '03'], ['A', 'B'])
    """
    _matplotlib("plate pictures")
    n_rows, n_cols = len(tiles.rows), len(tiles.columns)
    cell = min(0.9, (width - 0.8) / max(n_cols, 1))
    if ax is None:
        from matplotlib.figure import Figure

        # Fixed margins in inches (row names left; column names and a two-line title on
        # top): the grid keeps square wells whatever the plate's shape.
        left, right, bottom, top = 0.45, 0.15, 0.1, 0.85
        grid_w, grid_h = cell * max(n_cols, 1), cell * max(n_rows, 1)
        fig_w = max(3.2, grid_w + left + right)
        fig_h = grid_h + bottom + top
        fig = Figure(figsize=(fig_w, fig_h))
        ax = fig.add_axes(
            (
                (left + (fig_w - left - right - grid_w) / 2) / fig_w,
                bottom / fig_h,
                grid_w / fig_w,
                grid_h / fig_h,
            )
        )
    fontsize = max(4.0, min(10.0, cell * 72 * 0.4))
    title = f"plate {tiles.name!r}" if tiles.name else "plate"
    if not n_rows or not n_cols:
        ax.text(0.5, 0.5, "no wells", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        ax.set_title(title)
        return ax.figure
    ax.imshow(
        _mosaic(tiles, tile),
        extent=(-0.5, n_cols - 0.5, n_rows - 0.5, -0.5),
        interpolation="antialiased",
    )
    ax.set_xticks(range(n_cols), tiles.columns, fontsize=fontsize)
    ax.set_yticks(range(n_rows), tiles.rows, fontsize=fontsize)
    ax.xaxis.tick_top()
    ax.set_xticks(np.arange(n_cols + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(n_rows + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=0.8)
    ax.tick_params(which="both", length=0)
    drawn = tiles.drawn
    counted = sum(w.rgb is None for w in tiles.wells)
    caption = []
    if drawn:
        caption.append(f"pictures: {tiles.what}")
    if counted:
        caption.append("numbers: fields per well")
    wells = f"{len(tiles.wells)} well{'s' if len(tiles.wells) != 1 else ''}"
    ax.set_title(f"{title}, {wells}\n{'; '.join(caption)}".rstrip(), fontsize=7)
    return ax.figure


def figure_png(fig: Any, dpi: float = 72) -> bytes:
    """Encode a matplotlib figure as PNG.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> figure_png(Figure(figsize=(1, 1)))[:4]
    b'\\x89PNG'
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
