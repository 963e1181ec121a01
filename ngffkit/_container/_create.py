"""Creating stores: from an array, empty, derived from a container, and empty label pyramids.

Each one is the pipeline: [`to_ngff_image`][ngffkit.to_ngff_image], then
[`to_multiscales`][ngffkit.to_multiscales], then
[`to_ngff_zarr`][ngffkit.to_ngff_zarr]. Empty images get lazy ``dask.array.zeros``
levels written with ``write_empty_chunks=False``, so an empty image costs metadata only
(and `validate(..., chunks=True)` reports its chunks as not written yet).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dask.array as da
import numpy as np
from zarr.storage import FsspecStore, LocalStore, StorePath

from ngffkit._container._container import OmeZarrContainer, open_ome_zarr_container
from ngffkit._container._meta import Channel, filled_omero, parse_color
from ngffkit._container._store import child
from ngffkit.errors import NgffTypeError, NgffValueError
from ngffkit.io.stores import StoreLike, describe_store, open_store
from ngffkit.io.tables import read_table_sources
from ngffkit.io.write import to_ngff_zarr
from ngffkit.methods import (
    DEFAULT_IMAGE_METHOD,
    DEFAULT_LABEL_METHOD,
    method_metadata,
    parse_method,
)
from ngffkit.model import Multiscales, NgffImage, metadata_from_images
from ngffkit.spec import ImageLabel, LabelColor, Omero, parse_version
from ngffkit.to_multiscales import ChunksLike, to_multiscales
from ngffkit.to_ngff_image import default_dims, to_ngff_image

if TYPE_CHECKING:
    from ngffkit.methods import Methods

__all__ = [
    "DEFAULT_CREATE_VERSION",
    "create_ome_zarr_from_array",
    "create_empty_ome_zarr",
    "derive_image",
    "label_pyramid",
]

DEFAULT_CREATE_VERSION = "0.5"
"""Version written by the creation helpers (ngio writes 0.4 by default; ngffkit's pipeline
writes 0.5, and the container follows it; pass ``version="0.4"`` for Zarr v2 readers)."""


# ----------------------------------------------------------------------------- argument parsing


def _parse_version_args(version: str | None, ngff_version: str | None, default: str) -> str:
    if (
        version is not None
        and ngff_version is not None
        and parse_version(version) != parse_version(ngff_version)
    ):
        raise NgffValueError(
            f"version / ngff_version: the same option in two spellings; got {version!r} and {ngff_version!r}"
        )
    chosen = version if version is not None else ngff_version
    return parse_version(chosen if chosen is not None else default)


def _parse_pixelsize(
    pixelsize: float | Sequence[float] | None, xy_pixelsize: float | Sequence[float] | None
) -> tuple[float, float] | None:
    """``pixelsize`` (ngio 1.x) or ``xy_pixelsize`` (ngio 0.4): a number or ``(y, x)``."""
    if pixelsize is not None and xy_pixelsize is not None and pixelsize != xy_pixelsize:
        raise NgffValueError(
            f"pixelsize / xy_pixelsize: the same option in two spellings; got {pixelsize!r} and "
            f"{xy_pixelsize!r}"
        )
    value = pixelsize if pixelsize is not None else xy_pixelsize
    if value is None:
        return None
    if isinstance(value, bool):
        raise NgffTypeError(f"pixelsize: expected a number or (y, x), got {value!r}")
    if isinstance(value, int | float | np.integer | np.floating):
        yx = (float(value), float(value))
    elif isinstance(value, Sequence) and len(value) == 2:
        yx = (float(value[0]), float(value[1]))
    else:
        raise NgffTypeError(f"pixelsize: expected a number or (y, x), got {value!r}")
    if not all(v > 0 for v in yx):
        raise NgffValueError(f"pixelsize: expected sizes > 0, got {value!r}")
    return yx


def _parse_axes_names(axes_names: str | Sequence[str] | None, ndim: int) -> tuple[str, ...]:
    if axes_names is None:
        return default_dims(ndim)
    names = tuple(axes_names)
    if len(names) != ndim:
        raise NgffValueError(
            f"axes_names: expected {ndim} names (one per array axis), got {list(names)}"
        )
    return names


def _positive(value: float | None, what: str) -> float | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.integer | np.floating)
        or not value > 0
    ):
        raise NgffValueError(f"{what}: expected a number > 0, got {value!r}")
    return float(value)


def _factor(value: float, what: str) -> int:
    f = round(float(value))
    if f < 1 or abs(float(value) - f) > 1e-9:
        raise NgffValueError(f"{what}: expected a whole number >= 1, got {value!r}")
    return f


def _parse_levels(
    levels: int | Sequence[str], dims: tuple[str, ...], xy_factor: float, z_factor: float
) -> tuple[list[dict[str, int]], list[str] | None]:
    """Scale factors of the levels after level 0 (relative to level 0), and paths."""
    if isinstance(levels, int) and not isinstance(levels, bool):
        if levels < 1:
            raise NgffValueError(f"levels: expected at least 1, got {levels}")
        count, paths = levels, None
    elif isinstance(levels, Sequence) and not isinstance(levels, str) and levels:
        count, paths = len(levels), [str(p) for p in levels]
    else:
        raise NgffValueError(
            f"levels: expected a number of levels or a list of paths, got {levels!r}"
        )
    fxy = _factor(xy_factor, "xy_scaling_factor")
    fz = _factor(z_factor, "z_scaling_factor")
    factors = []
    for k in range(1, count):
        level: dict[str, int] = {d: fxy**k for d in ("y", "x") if d in dims}
        if "z" in dims:
            level["z"] = fz**k
        factors.append(level)
    return factors, paths


def _channel_labels(
    channel_labels: Sequence[str] | None, channels_meta: Sequence[str | Channel] | None
) -> tuple[tuple[str, ...] | None, tuple[Channel, ...] | None]:
    if channel_labels is not None and channels_meta is not None:
        raise NgffValueError(
            "channel_labels / channels_meta: give the channel labels one way, not both"
        )
    if channels_meta is not None:
        labels = tuple(c.label if isinstance(c, Channel) else str(c) for c in channels_meta)
        full = tuple(c for c in channels_meta if isinstance(c, Channel))
        return labels, (full if len(full) == len(labels) else None)
    if channel_labels is not None:
        if isinstance(channel_labels, str):
            raise NgffTypeError(
                f"channel_labels: expected a list of labels, got the string {channel_labels!r}"
            )
        return tuple(str(c) for c in channel_labels), None
    return None, None


def _omero(
    ms: Multiscales,
    *,
    labels: tuple[str, ...] | None,
    channels: tuple[Channel, ...] | None,
    colors: Sequence[str] | None,
    active: Sequence[bool] | None,
) -> Omero:
    """Complete channel metadata: one entry per channel (one for an image without ``c``)."""
    first = ms.images[0]
    n = first.shape[first.dims.index("c")] if "c" in first.dims else 1
    omero = filled_omero(ms.omero, n_channels=n, dtype=first.dtype)
    chs = list(omero.channels)
    for values, what in (
        (labels, "channel_labels"),
        (colors, "channel_colors"),
        (active, "channel_active"),
    ):
        if values is not None and (isinstance(values, str) or len(values) != n):
            raise NgffValueError(f"{what}: expected {n} values (one per channel), got {values!r}")
    if labels is not None:
        chs = [replace(ch, label=label) for ch, label in zip(chs, labels, strict=True)]
    if channels is not None:
        chs = [
            replace(
                ch,
                label=c.label,
                color=c.color,
                window=c.window,
                active=c.active,
                extra={
                    **ch.extra,
                    **({"wavelength_id": c.wavelength_id} if c.wavelength_id else {}),
                },
            )
            for ch, c in zip(chs, channels, strict=True)
        ]
    if colors is not None:
        chs = [
            replace(ch, color=parse_color(c, where=f"channel_colors[{i}]"))
            for i, (ch, c) in enumerate(zip(chs, colors, strict=True))
        ]
    if active is not None:
        chs = [replace(ch, active=bool(a)) for ch, a in zip(chs, active, strict=True)]
    return replace(omero, channels=tuple(chs))


def _zeros_levels(ms: Multiscales) -> Multiscales:
    """The same pyramid with every level lazy zeros: nothing is downsampled or computed."""
    images = tuple(
        replace(img, data=da.zeros(img.shape, dtype=img.dtype, chunks=img.data.chunks))
        for img in ms.images
    )
    return replace(ms, images=images)


def _plan(
    data: Any,
    *,
    pixelsize: float | Sequence[float] | None,
    xy_pixelsize: float | Sequence[float] | None,
    z_spacing: float,
    time_spacing: float,
    levels: int | Sequence[str],
    xy_scaling_factor: float,
    z_scaling_factor: float,
    space_unit: str | None,
    time_unit: str | None,
    axes_names: str | Sequence[str] | None,
    channel_labels: Sequence[str] | None,
    channels_meta: Sequence[str | Channel] | None,
    channel_colors: Sequence[str] | None,
    channel_active: Sequence[bool] | None,
    name: str | None,
    chunks: ChunksLike | None,
    method: Methods | str | None,
) -> Multiscales:
    yx = _parse_pixelsize(pixelsize, xy_pixelsize)
    if yx is None:
        raise NgffValueError(
            "pixelsize: required, the y/x pixel size (a number or (y, x)); ngio 0.4 calls it xy_pixelsize"
        )
    dims = _parse_axes_names(axes_names, len(data.shape))
    z = _positive(z_spacing, "z_spacing")
    t = _positive(time_spacing, "time_spacing")
    sizes = {"y": yx[0], "x": yx[1], "z": z, "t": t}
    scale = {d: v for d, v in sizes.items() if d in dims and v is not None}
    units: dict[str, str] = {}
    if space_unit:
        units.update({d: space_unit for d in ("z", "y", "x") if d in dims})
    if time_unit and "t" in dims:
        units["t"] = time_unit
    labels, channels = _channel_labels(channel_labels, channels_meta)
    image = to_ngff_image(
        data,
        dims=dims,
        scale=scale,
        axes_units=units,
        name=name or "image",
        channel_names=labels if "c" in dims else None,
    )
    factors, paths = _parse_levels(levels, dims, xy_scaling_factor, z_scaling_factor)
    ms = to_multiscales(image, scale_factors=factors, method=method, chunks=chunks, paths=paths)
    omero = _omero(
        ms, labels=labels, channels=channels, colors=channel_colors, active=channel_active
    )
    return replace(ms, omero=omero)


# ----------------------------------------------------------------------------- public creators


def create_ome_zarr_from_array(
    store: StoreLike,
    array: Any,
    *,
    pixelsize: float | Sequence[float] | None = None,
    xy_pixelsize: float | Sequence[float] | None = None,
    z_spacing: float = 1.0,
    time_spacing: float = 1.0,
    levels: int | Sequence[str] = 5,
    xy_scaling_factor: float = 2,
    z_scaling_factor: float = 1,
    space_unit: str | None = "micrometer",
    time_unit: str | None = "second",
    axes_names: str | Sequence[str] | None = None,
    channel_labels: Sequence[str] | None = None,
    channels_meta: Sequence[str | Channel] | None = None,
    channel_colors: Sequence[str] | None = None,
    channel_active: Sequence[bool] | None = None,
    percentiles: tuple[float, float] | None = (0.1, 99.9),
    name: str | None = None,
    chunks: ChunksLike | None = None,
    method: Methods | str | None = None,
    version: str | None = None,
    ngff_version: str | None = None,
    overwrite: bool = False,
    storage_options: dict[str, Any] | None = None,
) -> OmeZarrContainer:
    """Write *array* as a new OME-Zarr image with a pyramid; computes and writes the pixels.

    Parameters
    ----------
    store
        Where to write: local path, URL, zarr store or StorePath.
    array
        numpy, dask, xarray or zarr array with 2 to 5 axes.
    pixelsize, xy_pixelsize
        y/x pixel size, a number or ``(y, x)``; required. ``pixelsize`` is ngio 1.x's
        name, ``xy_pixelsize`` ngio 0.4's; give either.
    z_spacing, time_spacing
        Pixel size along ``z`` and ``t``.
    levels
        Number of resolution levels (exactly this many; tiny images get 1-pixel
        levels), or a list of level paths.
    xy_scaling_factor, z_scaling_factor
        Whole-number factor between consecutive levels along y/x and z (default 2 and 1).
    space_unit, time_unit
        UDUNITS-2 units (``"micrometer"``, ``"second"``); None writes no unit.
    axes_names
        Axis names (``"czyx"`` or a list); default by dimensionality: ``yx``, ``zyx``,
        ``czyx``, ``tczyx``.
    channel_labels, channels_meta
        One label per channel (``channels_meta`` is ngio 1.x's name and also takes
        `Channel` values). Default ``channel_0``, ``channel_1`` ...
    channel_colors, channel_active
        One colour (``"RRGGBB"`` or a name) / active flag per channel.
    percentiles
        Set each channel's display window to these percentiles of its pixels (read
        from a small level after writing); None keeps the dtype's full range.
    name
        Image name in the metadata.
    chunks
        Chunk size: an int for the space axes, a tuple per axis, or a mapping.
    method
        Downsampling method (default ``mean``).
    version, ngff_version
        OME-NGFF version to write: ``"0.5"`` by default (ngffkit's pipeline default;
        ngio writes ``"0.4"``, which Zarr v2 readers need), ``"0.4"`` or ``"0.6"``.
    overwrite
        Replace whatever is at *store*; without it an existing store is an error.
    storage_options
        fsspec options for URLs.

    Returns
    -------
    OmeZarrContainer
        The new image, writable (``mode="r+"``).

    Raises
    ------
    NgffExistsError
        If *store* holds data and *overwrite* is False.
    NgffValueError
        For a missing pixel size, axis names or channel lists that do not fit.

    Examples
    --------
    >>> import numpy as np
    >>> from zarr.storage import MemoryStore
    >>> x = np.random.default_rng(0).integers(0, 255, (16, 128, 128), dtype=np.uint8)
    >>> c = create_ome_zarr_from_array(MemoryStore(), x, xy_pixelsize=0.65, z_spacing=1.0)
    >>> c.levels, c.get_image(lowest=True).shape, c.pixel_size.zyx
    (5, (16, 8, 8), (1.0, 0.65, 0.65))
    """
    chosen = _parse_version_args(version, ngff_version, DEFAULT_CREATE_VERSION)
    ms = _plan(
        array,
        pixelsize=pixelsize,
        xy_pixelsize=xy_pixelsize,
        z_spacing=z_spacing,
        time_spacing=time_spacing,
        levels=levels,
        xy_scaling_factor=xy_scaling_factor,
        z_scaling_factor=z_scaling_factor,
        space_unit=space_unit,
        time_unit=time_unit,
        axes_names=axes_names,
        channel_labels=channel_labels,
        channels_meta=channels_meta,
        channel_colors=channel_colors,
        channel_active=channel_active,
        name=name,
        chunks=chunks,
        method=method,
    )
    sp = open_store(store, mode="w", storage_options=storage_options)
    to_ngff_zarr(sp, ms, version=chosen, overwrite=overwrite)
    container = open_ome_zarr_container(sp, mode="r+")
    if percentiles is not None:
        container = container.set_channel_windows_with_percentiles(percentiles)
    return container


def create_empty_ome_zarr(
    store: StoreLike,
    shape: Sequence[int],
    *,
    pixelsize: float | Sequence[float] | None = None,
    xy_pixelsize: float | Sequence[float] | None = None,
    z_spacing: float = 1.0,
    time_spacing: float = 1.0,
    levels: int | Sequence[str] = 5,
    xy_scaling_factor: float = 2,
    z_scaling_factor: float = 1,
    space_unit: str | None = "micrometer",
    time_unit: str | None = "second",
    axes_names: str | Sequence[str] | None = None,
    channel_labels: Sequence[str] | None = None,
    channels_meta: Sequence[str | Channel] | None = None,
    channel_colors: Sequence[str] | None = None,
    channel_active: Sequence[bool] | None = None,
    name: str | None = None,
    chunks: ChunksLike | None = None,
    dtype: Any = "uint16",
    method: Methods | str | None = None,
    version: str | None = None,
    ngff_version: str | None = None,
    overwrite: bool = False,
    storage_options: dict[str, Any] | None = None,
) -> OmeZarrContainer:
    """Create a new OME-Zarr image of zeros: metadata and empty arrays, no chunk is written.

    Takes the options of `create_ome_zarr_from_array` (except ``percentiles``),
    plus *shape* and *dtype*. Fill it with ``get_image().set_array(...)`` and then
    ``consolidate()``.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> c = create_empty_ome_zarr(MemoryStore(), (16, 128, 128), xy_pixelsize=0.65, z_spacing=1.0)
    >>> c.get_image().shape, c.get_image().dtype, c.levels
    ((16, 128, 128), dtype('uint16'), 5)
    """
    chosen = _parse_version_args(version, ngff_version, DEFAULT_CREATE_VERSION)
    shape_t = tuple(int(s) for s in shape)
    if any(s < 1 for s in shape_t):
        raise NgffValueError(f"shape: expected sizes >= 1, got {list(shape)}")
    zeros = da.zeros(shape_t, dtype=np.dtype(dtype), chunks=-1)
    ms = _plan(
        zeros,
        pixelsize=pixelsize,
        xy_pixelsize=xy_pixelsize,
        z_spacing=z_spacing,
        time_spacing=time_spacing,
        levels=levels,
        xy_scaling_factor=xy_scaling_factor,
        z_scaling_factor=z_scaling_factor,
        space_unit=space_unit,
        time_unit=time_unit,
        axes_names=axes_names,
        channel_labels=channel_labels,
        channels_meta=channels_meta,
        channel_colors=channel_colors,
        channel_active=channel_active,
        name=name,
        chunks=chunks,
        method=method,
    )
    sp = open_store(store, mode="w", storage_options=storage_options)
    to_ngff_zarr(
        sp, _zeros_levels(ms), version=chosen, overwrite=overwrite, write_empty_chunks=False
    )
    return open_ome_zarr_container(sp, mode="r+")


# ----------------------------------------------------------------------------- labels and derive


def label_pyramid(
    image: Multiscales,
    *,
    name: str,
    dtype: Any = "uint32",
    colors: tuple[LabelColor, ...] = (),
    properties: tuple[Mapping[str, Any], ...] = (),
) -> Multiscales:
    """An empty (lazy zeros) label pyramid matching *image*: its levels, paths and geometry, no ``c``.

    Raises
    ------
    NgffValueError
        If *dtype* is not an integer type.

    Examples
    --------
    >>> import numpy as np
    >>> image = to_ngff_image(np.zeros((2, 64, 64), "u2"), dims=("c", "y", "x"))
    >>> label = label_pyramid(to_multiscales(image, scale_factors=[2]), name="cells")
    >>> [lvl.shape for lvl in label.images], label.images[1].scale, label.method
    ([(64, 64), (32, 32)], {'y': 2.0, 'x': 2.0}, 'mode')
    """
    dt = np.dtype(dtype)
    if dt.kind not in "iu":
        raise NgffValueError(f"dtype: label images need an integer dtype, got {dt}")
    first = image.images[0]
    keep = [i for i, d in enumerate(first.dims) if first.axes_types.get(d) != "channel"]
    dims = tuple(first.dims[i] for i in keep)
    levels = []
    for img in image.images:
        shape = tuple(img.shape[i] for i in keep)
        chunks = tuple(min(int(img.data.chunksize[i]), s) for i, s in zip(keep, shape, strict=True))
        levels.append(
            NgffImage(
                data=da.zeros(shape, dtype=dt, chunks=chunks),
                dims=dims,
                scale={d: img.scale[d] for d in dims},
                translation={d: img.translation[d] for d in dims},
                name=name,
                axes_units={d: u for d, u in img.axes_units.items() if d in dims},
                axes_orientations={d: o for d, o in img.axes_orientations.items() if d in dims},
                axes_types={d: t for d, t in img.axes_types.items() if d in dims},
                is_label=True,
            )
        )
    method_type, method_meta = method_metadata(DEFAULT_LABEL_METHOD)
    metadata = metadata_from_images(
        levels, paths=image.paths, name=name, method_type=method_type, method_metadata=method_meta
    )
    return Multiscales(
        images=tuple(levels),
        metadata=metadata,
        method=DEFAULT_LABEL_METHOD.value,
        image_label=ImageLabel(colors=colors, properties=properties, source="../../"),
    )


def _parse_shape(
    shape: Sequence[int] | Mapping[str, int] | None, dims: tuple[str, ...], ref: tuple[int, ...]
) -> tuple[int, ...]:
    """A full shape from all sizes, the trailing ones (``(z, y, x)`` of a ``czyx`` image) or a mapping."""
    if shape is None:
        return ref
    if isinstance(shape, Mapping):
        unknown = sorted(set(shape) - set(dims))
        if unknown:
            raise NgffValueError(
                f"shape: axes {unknown} are not among the image's axes {list(dims)}"
            )
        out = tuple(int(shape.get(d, s)) for d, s in zip(dims, ref, strict=True))
    else:
        values = tuple(int(s) for s in shape)
        if not values or len(values) > len(dims):
            raise NgffValueError(
                f"shape: expected up to {len(dims)} sizes for axes {list(dims)} (trailing axes when "
                f"fewer), got {list(shape)}"
            )
        out = ref[: len(dims) - len(values)] + values
    if any(s < 1 for s in out):
        raise NgffValueError(f"shape: expected sizes >= 1, got {list(out)}")
    return out


def derive_image(
    source: OmeZarrContainer,
    store: StoreLike,
    *,
    ref_path: str | None = None,
    shape: Sequence[int] | Mapping[str, int] | None = None,
    pixelsize: float | Sequence[float] | None = None,
    xy_pixelsize: float | Sequence[float] | None = None,
    z_spacing: float | None = None,
    time_spacing: float | None = None,
    name: str | None = None,
    labels: Sequence[str] | None = None,
    copy_labels: bool = False,
    copy_tables: bool = False,
    dtype: Any = None,
    chunks: ChunksLike | None = None,
    version: str | None = None,
    ngff_version: str | None = None,
    method: Methods | str | None = None,
    overwrite: bool = False,
) -> OmeZarrContainer:
    """Create a new, empty image like *source*: same axes, units, channels and pyramid factors.

    Parameters
    ----------
    source
        The container to imitate.
    store
        Where to write the new image.
    ref_path
        Level of *source* whose shape and pixel size are the starting point (default level 0).
    shape
        New shape: one size per axis, only the trailing ones (``(16, 128, 128)`` for a
        ``czyx`` image keeps the channels), or ``{"z": 16, ...}``.
    pixelsize, xy_pixelsize
        New y/x pixel size (a number or ``(y, x)``; the two spellings of ngio 1.x and 0.4).
    z_spacing, time_spacing
        New z and t pixel sizes.
    name
        New image name.
    labels
        Names of empty label images to create in the new image.
    copy_labels
        Copy *source*'s labels (pixels and metadata); needs an unchanged shape.
    copy_tables
        Copy *source*'s tables (every backend, as stored; converted between Zarr v2 and
        v3 when the versions differ). Masking ROI and feature tables keep their `region`.
    dtype
        Pixel type (default *source*'s).
    chunks
        Chunk size (default *source*'s).
    version, ngff_version
        OME-NGFF version (default *source*'s; ``0.4`` for older sources).
    method
        Downsampling method recorded for the pyramid (default *source*'s if ngffkit knows it).
    overwrite
        Replace whatever is at *store*.

    Returns
    -------
    OmeZarrContainer
        The new image, writable.

    Raises
    ------
    NgffExistsError
        If *store* holds data and *overwrite* is False.
    NgffValueError
        For a bad shape or pixel size, *store* being *source*'s own store, or
        *copy_labels* with a changed shape.

    Examples
    --------
    >>> import numpy as np
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.container import create_empty_ome_zarr
    >>> c = create_empty_ome_zarr(MemoryStore(), (2, 64, 64), pixelsize=0.5, axes_names="cyx",
    ...                           channel_labels=["A", "B"], levels=3)
    >>> new = derive_image(c, MemoryStore(), shape=(32, 32), pixelsize=1.0, labels=["cells"])
    >>> new.get_image().shape, new.channel_labels, new.levels, new.list_labels()
    ((2, 32, 32), ['A', 'B'], 3, ['cells'])
    """
    ref = source.get_image(path=ref_path)
    base = ref.image
    dims = base.dims
    new_shape = _parse_shape(shape, dims, base.shape)
    scale = dict(base.scale)
    yx = _parse_pixelsize(pixelsize, xy_pixelsize)
    overrides = {
        "z": _positive(z_spacing, "z_spacing"),
        "t": _positive(time_spacing, "time_spacing"),
    }
    if yx is not None:
        overrides.update(y=yx[0], x=yx[1])
    for d, v in overrides.items():
        if v is not None and d in dims:
            scale[d] = v
    dt = np.dtype(dtype) if dtype is not None else np.dtype(base.dtype)
    same_channels = "c" not in dims or new_shape[dims.index("c")] == base.shape[dims.index("c")]
    chunk_plan: Any = chunks if chunks is not None else dict(zip(dims, ref.chunks, strict=True))

    # Same pyramid as the source: each level's factor relative to level 0.
    images = source.multiscales.images
    factors = [
        {d: max(1, round(img.scale[d] / images[0].scale[d])) for d in images[0].spatial_dims}
        for img in images[1:]
    ]
    try:
        chosen = parse_method(method if method is not None else source.multiscales.method)
    except NgffValueError:
        if method is not None:
            raise
        chosen = DEFAULT_IMAGE_METHOD
    image = to_ngff_image(
        da.zeros(new_shape, dtype=dt, chunks=-1),
        dims=dims,
        scale=scale,
        translation=dict(base.translation),
        name=name if name is not None else (source.multiscales.metadata.name or base.name),
        axes_units=dict(base.axes_units),
        axes_orientations=dict(base.axes_orientations),
        axes_types=dict(base.axes_types),
        channel_names=base.channel_names if same_channels else None,
    )
    ms = to_multiscales(
        image,
        scale_factors=factors,
        method=chosen,
        chunks=chunk_plan,
        paths=source.multiscales.paths,
    )
    ms = _zeros_levels(ms)
    if same_channels:
        n_channels = new_shape[dims.index("c")] if "c" in dims else 1
        omero = source.multiscales.omero
        if omero is not None and dt != np.dtype(base.dtype):
            # Windows are in the old dtype's values: let them default to the new range.
            omero = replace(
                omero, channels=tuple(replace(ch, window=None) for ch in omero.channels)
            )
        ms = replace(ms, omero=filled_omero(omero, n_channels=n_channels, dtype=dt))
    new_labels: dict[str, Multiscales] = {}
    if copy_labels:
        new_labels.update(_copied_labels(source, ms))
    for label_name in labels or ():
        if label_name in new_labels:
            raise NgffValueError(
                f"labels: {label_name!r} is also copied from the source (copy_labels=True)"
            )
        new_labels[label_name] = label_pyramid(ms, name=label_name)
    ms = replace(ms, labels=new_labels)
    if copy_tables:
        # Copied as stored (converted between Zarr v2 and v3 if the versions differ).
        ms = replace(ms, tables=read_table_sources(source.store))

    chosen_version = _parse_version_args(
        version, ngff_version, source.version if source.version in ("0.4", "0.5", "0.6") else "0.4"
    )
    sp = open_store(store, mode="w")
    if _same_location(sp, source.store):
        raise NgffValueError(
            f"derive_image: the target {describe_store(sp)} is the source image itself; derive into "
            f"a new location (nothing was written)"
        )
    # The new image is empty until filled: metadata only, as create_empty_ome_zarr.
    to_ngff_zarr(sp, ms, version=chosen_version, overwrite=overwrite, write_empty_chunks=False)
    return open_ome_zarr_container(sp, mode="r+")


def _same_location(a: StorePath, b: StorePath) -> bool:
    """True if two store paths name the same node (local paths compared resolved)."""
    if isinstance(a.store, LocalStore) and isinstance(b.store, LocalStore):
        return (Path(a.store.root) / a.path).resolve() == (Path(b.store.root) / b.path).resolve()
    if a.store is b.store:
        return a.path.strip("/") == b.path.strip("/")
    # Two handles on one remote location (an fsspec URL) describe it the same way.
    return (
        isinstance(a.store, FsspecStore)
        and isinstance(b.store, FsspecStore)
        and (describe_store(a) == describe_store(b))
    )


def _copied_labels(source: OmeZarrContainer, ms: Multiscales) -> dict[str, Multiscales]:
    from ngffkit.io.read import from_ngff_zarr

    out = {}
    for label_name in source.list_labels():
        label = from_ngff_zarr(child(source.store, "labels", label_name), labels=False)
        expected = label_pyramid(ms, name=label_name)
        got = [img.shape for img in label.images]
        want = [img.shape for img in expected.images]
        if got != want:
            raise NgffValueError(
                f"copy_labels: label {label_name!r} has level shapes {got}, the new image needs {want}; "
                f"copy labels only into an image of the same shape (nothing was written)"
            )
        # Level geometry follows the new image (the pixel sizes may have changed).
        images = tuple(
            replace(img, scale=new.scale, translation=new.translation)
            for img, new in zip(label.images, expected.images, strict=True)
        )
        out[label_name] = replace(
            label,
            images=images,
            metadata=metadata_from_images(
                images,
                paths=ms.paths,
                name=label_name,
                method_type=label.metadata.type,
                method_metadata=label.metadata.metadata,
            ),
        )
    return out
