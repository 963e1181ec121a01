"""Creating stores: from an array, empty, or derived from a container.

Each one is the pipeline: [`to_ngff_image`][ngffkit.to_ngff_image], then
[`to_multiscales`][ngffkit.to_multiscales], then
[`to_ngff_zarr`][ngffkit.to_ngff_zarr]. Empty images get lazy ``dask.array.zeros``
levels written with ``write_empty_chunks=False``, so an empty image costs metadata only
(and `validate(..., chunks=True)` reports its chunks as not written yet).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import dask.array as da
import numpy as np

from ngffkit._container._container import OmeZarrContainer, open_ome_zarr_container
from ngffkit._container._meta import Channel
from ngffkit._container._plan import parse_version_args, plan_image, zeros_levels
from ngffkit.errors import NgffValueError
from ngffkit.io.stores import StoreLike, open_store
from ngffkit.io.write import to_ngff_zarr
from ngffkit.pyramids import ChunksLike
from ngffkit.spec import DEFAULT_VERSION, NgffVersion

if TYPE_CHECKING:
    from ngffkit.methods import Methods

__all__ = [
    "DEFAULT_CREATE_VERSION",
    "create_ome_zarr_from_array",
    "create_empty_ome_zarr",
    "derive_image",
]

DEFAULT_CREATE_VERSION = DEFAULT_VERSION
"""Version written by the creation helpers (ngio writes 0.4 by default; ngffkit's pipeline
writes 0.5, and the container follows it; pass ``version="0.4"`` for Zarr v2 readers)."""


# ----------------------------------------------------------------------------- argument parsing


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
    version: NgffVersion | str | None = None,
    ngff_version: NgffVersion | str | None = None,
    overwrite: bool = False,
    storage_options: dict[str, Any] | None = None,
    consolidated: bool = False,
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
    consolidated
        Also write consolidated metadata (see [`to_ngff_zarr`][ngffkit.to_ngff_zarr]), so a
        remote reader needs fewer requests. The container's later writes (labels, tables,
        channel edits) keep it current; readers that ignore it read the store as usual.

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
    chosen = parse_version_args(version, ngff_version, DEFAULT_CREATE_VERSION)
    ms = plan_image(
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
    to_ngff_zarr(sp, ms, version=chosen, overwrite=overwrite, consolidated=consolidated)
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
    version: NgffVersion | str | None = None,
    ngff_version: NgffVersion | str | None = None,
    overwrite: bool = False,
    storage_options: dict[str, Any] | None = None,
    consolidated: bool = False,
) -> OmeZarrContainer:
    """Create a new OME-Zarr image of zeros: metadata and empty arrays, no chunk is written.

    Takes the options of `create_ome_zarr_from_array` (except ``percentiles``; with
    ``consolidated``), plus *shape* and *dtype*. Fill it with ``get_image().set_array(...)`` and then
    ``consolidate()``.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> c = create_empty_ome_zarr(MemoryStore(), (16, 128, 128), xy_pixelsize=0.65, z_spacing=1.0)
    >>> c.get_image().shape, c.get_image().dtype, c.levels
    ((16, 128, 128), dtype('uint16'), 5)
    """
    chosen = parse_version_args(version, ngff_version, DEFAULT_CREATE_VERSION)
    shape_t = tuple(int(s) for s in shape)
    if any(s < 1 for s in shape_t):
        raise NgffValueError(f"shape: expected sizes >= 1, got {list(shape)}")
    zeros = da.zeros(shape_t, dtype=np.dtype(dtype), chunks=-1)
    ms = plan_image(
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
        sp,
        zeros_levels(ms),
        version=chosen,
        overwrite=overwrite,
        write_empty_chunks=False,
        consolidated=consolidated,
    )
    return open_ome_zarr_container(sp, mode="r+")


# ----------------------------------------------------------------------------- labels and derive


def derive_image(source: OmeZarrContainer, store: StoreLike, **options: Any) -> OmeZarrContainer:
    """Create a new, empty image like *source* in *store*: ``source.derive_image(store, ...)``.

    The keyword arguments are those of
    [`OmeZarrContainer.derive_image`][ngffkit.OmeZarrContainer.derive_image].

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> c = create_empty_ome_zarr(MemoryStore(), (2, 64, 64), pixelsize=0.5, axes_names="cyx")
    >>> derive_image(c, MemoryStore(), shape=(32, 32)).get_image().shape
    (2, 32, 32)
    """
    return source.derive_image(store, **options)
