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
from typing import Any

import numpy as np

from ngffkit.errors import NgffDependencyError, NgffValueError
from ngffkit.spec import Omero

__all__ = [
    "DEFAULT_COLORS",
    "THUMBNAIL_COMPUTE_LIMIT",
    "plane",
    "channel_styles",
    "composite",
    "outlines",
    "label_rgba",
    "png_bytes",
    "thumbnail_html",
    "is_stored",
    "label_fill",
    "with_thumbnail",
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


def _shrink(rgb: np.ndarray, size: int) -> np.ndarray:
    step = max(1, math.ceil(max(rgb.shape[:2]) / size))
    return rgb[::step, ::step]


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
    planes = np.asarray(plane(coarsest, dims))
    if label:
        rgb = _shrink(label_fill(planes[0]), size)
    else:
        n = planes.shape[0]
        chosen = list(range(min(n, len(_PALETTE))))
        styles = channel_styles(n, omero, chosen, coarsest.dtype)
        rgb = _shrink(composite(planes[chosen], styles), size)
    encoded = base64.b64encode(png_bytes(rgb)).decode("ascii")
    return (
        f"<img src='data:image/png;base64,{encoded}' alt='thumbnail' "
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
