"""Figures of images: [`preview`][ngffkit.preview] and [`pyramid_overview`][ngffkit.pyramid_overview].

Both accept what a user holds at any step: an [`NgffImage`][ngffkit.NgffImage], a
[`Multiscales`][ngffkit.Multiscales], a store (path, URL, zarr store) or a container
object (an ``OmeZarrContainer``, ``Image`` or ``Label``). They read one plane of one
level, so a remote image costs a few requests, and draw with matplotlib (the ``plot``
extra): channels composited in their OMERO colours and windows, label outlines on top,
physical units on the axes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import zarr
from zarr.abc.store import Store
from zarr.storage import StorePath

from ngffkit._render import (
    _matplotlib,
    channel_indices,
    channel_styles,
    composite,
    label_rgba,
    plane,
    plate_figure,
)
from ngffkit.container import OmeZarrPlate, open_ome_zarr_plate, plate_tiles
from ngffkit.errors import NgffKeyError, NgffTypeError, NgffValidationError, NgffValueError
from ngffkit.io.read import from_ngff_zarr
from ngffkit.io.stores import open_store
from ngffkit.model import Multiscales, NgffImage

__all__ = ["preview", "pyramid_overview"]

_MAX_PIXELS = 1024
"""A preview's default level is the finest whose y and x both fit this many pixels."""

_OVERVIEW_PLANE_LIMIT = 64 << 20
"""Bytes of one plane the pyramid overview reads for a level; larger levels are described."""


def _plate_of(obj: Any) -> OmeZarrPlate | None:
    """The plate *obj* is or holds at its root, else None (an image, or not a store)."""
    if isinstance(obj, OmeZarrPlate):
        return obj
    if not isinstance(obj, str | os.PathLike | Store | StorePath | zarr.Group):
        return None
    try:
        return open_ome_zarr_plate(open_store(obj, mode="r"), mode="r")
    except NgffValidationError as exc:
        if exc.rule == "no-ome-metadata":  # not a plate: an image, or what it says it is
            return None
        raise


def _resolve(obj: Any) -> tuple[Multiscales, int | None]:
    """The pyramid *obj* stands for, and the level it names (a container ``Image``)."""
    if isinstance(obj, Multiscales):
        return obj, None
    if isinstance(obj, NgffImage):
        return Multiscales(images=(obj,)), None
    inner = getattr(obj, "multiscales", None)
    if isinstance(inner, Multiscales):
        return inner, getattr(obj, "level_index", None)
    if isinstance(obj, str | os.PathLike | Store | StorePath | zarr.Group):
        return from_ngff_zarr(obj, tables=False), None
    raise NgffTypeError(
        "preview: expected an NgffImage, a Multiscales, a store or a container image, "
        f"got {type(obj).__name__}"
    )


def _pick_level(ms: Multiscales, level: int | None, default: int | None) -> int:
    n = len(ms.images)
    if level is None:
        level = default
    if level is None:
        for k, image in enumerate(ms.images):
            dims = image.dims
            if (
                image.shape[dims.index("y")] <= _MAX_PIXELS
                and image.shape[dims.index("x")] <= _MAX_PIXELS
            ):
                return k
        return n - 1
    if isinstance(level, bool) or not isinstance(level, int) or not -n <= level < n:
        raise NgffValueError(f"level: expected an index in [0, {n}), got {level!r}")
    return level % n


def _extent(image: NgffImage, shape: tuple[int, ...]) -> tuple[float, float, float, float]:
    """(left, right, bottom, top) in physical units: translation is pixel 0's centre."""
    sy, sx = image.scale.get("y", 1.0), image.scale.get("x", 1.0)
    ty, tx = image.translation.get("y", 0.0), image.translation.get("x", 0.0)
    ny, nx = shape[-2:]
    return (tx - sx / 2, tx + (nx - 0.5) * sx, ty + (ny - 0.5) * sy, ty - sy / 2)


def _axis_label(image: NgffImage, axis: str) -> str:
    unit = image.axes_units.get(axis)
    return f"{axis} ({unit})" if unit else f"{axis} (pixels × scale)"


def _label_names(ms: Multiscales, labels: Any) -> list[str]:
    if labels is None:
        return []
    names = [labels] if isinstance(labels, str) else list(labels)
    for name in names:
        if name not in ms.labels:
            raise NgffKeyError(f"labels: {name!r} is not among the labels {sorted(ms.labels)}")
    return names


def _label_colors(label: Multiscales) -> dict[int, tuple[int, int, int, int] | None]:
    if label.image_label is None:
        return {}
    return {c.label_value: c.rgba for c in label.image_label.colors}


def _draw(
    ax: Any,
    ms: Multiscales,
    k: int,
    *,
    z: int | None,
    t: int,
    projection: str,
    channels: Any,
    labels: Any,
) -> None:
    image = ms.images[k]
    n = image.shape[image.dims.index("c")] if "c" in image.dims else 1
    chosen = channel_indices(n, ms.omero, image.channel_names, channels)
    lazy = plane(image.data, image.dims, z=z, t=t, projection=projection)
    planes = np.asarray(lazy[chosen])
    rgb = composite(planes, channel_styles(n, ms.omero, chosen, image.dtype))
    extent = _extent(image, planes.shape)
    ax.imshow(rgb, extent=extent, interpolation="nearest")
    for name in _label_names(ms, labels):
        label = ms.labels[name]
        level = label.images[min(k, len(label.images) - 1)]
        values = np.asarray(plane(level.data, level.dims, z=z, t=t, projection=projection))[0]
        if values.shape != planes.shape[1:]:  # labels at another resolution: nearest pixel
            iy = np.minimum(
                (np.arange(planes.shape[1]) * values.shape[0]) // planes.shape[1],
                values.shape[0] - 1,
            )
            ix = np.minimum(
                (np.arange(planes.shape[2]) * values.shape[1]) // planes.shape[2],
                values.shape[1] - 1,
            )
            values = values[np.ix_(iy, ix)]
        ax.imshow(label_rgba(values, _label_colors(label)), extent=extent, interpolation="nearest")
    ax.set_xlabel(_axis_label(image, "x"))
    ax.set_ylabel(_axis_label(image, "y"))


def _where_z(image: NgffImage, z: int | None, projection: str) -> str:
    if "z" not in image.dims:
        return ""
    nz = image.shape[image.dims.index("z")]
    if projection == "max":
        return f", max over {nz} z"
    return f", z {nz // 2 if z is None else z} of {nz}"


def preview(
    obj: Any,
    *,
    level: int | None = None,
    z: int | None = None,
    t: int = 0,
    projection: str = "slice",
    channels: str | int | Sequence[str | int] | None = None,
    labels: str | Sequence[str] | None = None,
    ax: Any = None,
) -> Any:
    """Draw one plane of an image (channels in their colours, label outlines on top), or a plate.

    A plate (an [`OmeZarrPlate`][ngffkit.OmeZarrPlate] or its store) is drawn as its layout:
    the grid of wells, rows and columns labelled as the plate names them, each well showing
    one plane of its first field's coarsest level (at most 384 wells read, side by side; the
    others, and wells whose field cannot be read, show their number of fields).

    Parameters
    ----------
    obj
        An `NgffImage`, a `Multiscales`, a store (path, URL, zarr store) of an image or a
        plate, a container ``OmeZarrContainer`` / ``Image`` / ``Label``, or an
        [`OmeZarrPlate`][ngffkit.OmeZarrPlate].
    level
        Pyramid level to draw. Default: a container ``Image``'s own level, else the
        finest level whose y and x fit in 1024 pixels (so a large or remote image costs
        one small read); for a plate, each field's coarsest level.
    z, t
        The plane: ``z`` defaults to the middle one; ``t`` to the first.
    projection
        ``"slice"`` (one z plane) or ``"max"`` (the maximum over z).
    channels
        Channel names or indices to composite (default: the active OMERO channels, else
        all), each in its OMERO colour and window (percentiles 0.5-99.5 without one).
    labels
        A label name or names whose outlines are drawn on top (not for a plate).
    ax
        A matplotlib ``Axes`` to draw into; default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn into (``fig.savefig("preview.png")`` writes it).

    Raises
    ------
    NgffDependencyError
        Without matplotlib (``pip install 'ngffkit[plot]'``).
    NgffKeyError
        For a channel or label name the image does not have.

    Examples
    --------
    >>> import numpy as np
    >>> import ngffkit
    >>> img = ngffkit.to_ngff_image(np.random.default_rng(0).random((32, 48)), scale={"y": 0.5, "x": 0.5})
    >>> fig = ngffkit.preview(img)
    >>> fig.axes[0].get_xlabel()
    'x (pixels × scale)'

    A plate's layout:

    >>> from zarr.storage import MemoryStore
    >>> plate = ngffkit.create_empty_plate(MemoryStore(), "screen")
    >>> for row, column in [("A", 1), ("B", 3)]:
    ...     _ = plate.add_image(row, column, "0", array=np.eye(32, dtype="u1"),
    ...                     pixelsize=1.0, levels=2)
    >>> ax = ngffkit.preview(plate).axes[0]
    >>> [t.get_text() for t in ax.get_yticklabels()], [t.get_text() for t in ax.get_xticklabels()]
    (['A', 'B'], ['01', '03'])
    """
    matplotlib = _matplotlib("preview")
    if isinstance(obj, str | os.PathLike | Store | StorePath | zarr.Group):
        obj = open_store(obj, mode="r")  # opened once: asked whether a plate, then read
    plate = _plate_of(obj)
    if plate is not None:
        if labels is not None:
            raise NgffValueError(
                "labels: a plate's preview draws no label outlines; preview one field "
                "(plate.get_image(row, column, path)) with labels="
            )
        tiles = plate_tiles(
            plate.store, level=level, z=z, t=t, projection=projection, channels=channels
        )
        return plate_figure(tiles, ax=ax)
    ms, default = _resolve(obj)
    k = _pick_level(ms, level, default)
    if ax is None:
        from matplotlib.figure import Figure

        image = ms.images[k]
        ny, nx = image.shape[image.dims.index("y")], image.shape[image.dims.index("x")]
        aspect = (ny * image.scale.get("y", 1.0)) / (nx * image.scale.get("x", 1.0))
        fig = Figure(figsize=(6, max(2.0, min(12.0, 6 * aspect)) + 0.6), layout="constrained")
        ax = fig.add_subplot()
    del matplotlib
    _draw(ax, ms, k, z=z, t=t, projection=projection, channels=channels, labels=labels)
    image = ms.images[k]
    shape = " × ".join(map(str, image.shape))
    ax.set_title(
        f"{ms.metadata.name or 'image'}: level {k} ({shape}){_where_z(image, z, projection)}"
    )
    return ax.figure


def pyramid_overview(
    obj: Any,
    *,
    z: int | None = None,
    t: int = 0,
    channels: str | int | Sequence[str | int] | None = None,
    labels: str | Sequence[str] | None = None,
) -> Any:
    """One panel per pyramid level: its plane, shape and pixel size, on the same physical axes.

    A level whose plane holds more than 64 MiB is described in its panel instead of read.

    Examples
    --------
    >>> import numpy as np
    >>> import ngffkit
    >>> ms = ngffkit.to_multiscales(np.zeros((64, 64), "u1"), scale_factors=[2, 4])
    >>> len(ngffkit.pyramid_overview(ms).axes)
    3
    """
    _matplotlib("pyramid_overview")
    from matplotlib.figure import Figure

    ms, _ = _resolve(obj)
    n = len(ms.images)
    cols = min(n, 4)
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(3.2 * cols, 3.4 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True, sharey=True).ravel()
    for k, image in enumerate(ms.images):
        ax = axes[k]
        ny, nx = image.shape[image.dims.index("y")], image.shape[image.dims.index("x")]
        channels_n = image.shape[image.dims.index("c")] if "c" in image.dims else 1
        plane_bytes = ny * nx * channels_n * np.dtype(image.dtype).itemsize
        size = ", ".join(f"{image.scale.get(d, 1.0):g}" for d in ("y", "x"))
        unit = image.axes_units.get("x") or ""
        ax.set_title(f"level {k}: {ny} × {nx}\npixel {size} {unit}".rstrip(), fontsize=9)
        if plane_bytes > _OVERVIEW_PLANE_LIMIT:
            ax.text(
                0.5,
                0.5,
                "not read:\nplane too large",
                ha="center",
                va="center",
                transform=ax.transAxes,
            )
            continue
        _draw(ax, ms, k, z=z, t=t, projection="slice", channels=channels, labels=labels)
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.suptitle(f"{ms.metadata.name or 'image'}: {n} levels")
    return fig
