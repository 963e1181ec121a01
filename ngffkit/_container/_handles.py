"""``Image`` and ``Label``: frozen handles on one resolution level of a stored pyramid.

A handle holds the store, the level path and the metadata read when it was made
(a lazy [`Multiscales`][ngffkit.Multiscales]). Reads go through that pyramid's
dask arrays; writes go to the zarr arrays and metadata in the store, and return
a handle (a new one when metadata changed) instead of mutating this one.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Self, TypeAlias, TypeVar

import dask.array as da
import numpy as np
import zarr
from zarr.storage import StorePath

from ngffkit._container._axes import ImageChannels, LevelAxes
from ngffkit._container._consolidate import consolidate_levels
from ngffkit._container._meta import (
    ImageMeta,
    PixelSize,
    format_shape,
    image_meta_of,
)
from ngffkit._container._plan import parse_label_colors, parse_label_properties
from ngffkit._container._regions import physical_selection, roi_selection
from ngffkit._container._select import (
    Selection,
    channel_index,
    fit_patch,
    parse_selection,
    selection_to_xarray,
    to_axes_order,
)
from ngffkit._container._store import write_image_metadata, write_selection
from ngffkit._render import with_thumbnail
from ngffkit.errors import (
    NgffReadOnlyError,
    NgffValueError,
)
from ngffkit.io.read import from_ngff_zarr
from ngffkit.io.stores import child, describe_store
from ngffkit.io.write import direct_source, open_for_writing
from ngffkit.methods import Methods
from ngffkit.model import Multiscales, NgffImage
from ngffkit.rois import Roi
from ngffkit.spec import ImageLabel, ReadableVersion

__all__ = ["Image", "Label", "AccessMode", "ArrayMode", "open_handle"]

AccessMode: TypeAlias = Literal["r", "r+"]
"""``"r"``: read-only; ``"r+"``: pixels and metadata may be written."""

ArrayMode: TypeAlias = Literal["numpy", "dask", "xarray"]
"""What ``get_array`` returns: a numpy array (computed), a lazy dask array, or a lazy
``xarray.DataArray`` with physical coordinates."""

_MODES: tuple[str, ...] = ("numpy", "dask", "xarray")

H = TypeVar("H", bound="_LevelHandle")


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class _LevelHandle(LevelAxes):
    """Common part of `Image` and `Label`."""

    store: StorePath
    """The image (or label) group."""
    path: str
    """The dataset path of this level (``"0"`` is the highest resolution)."""
    multiscales: Multiscales
    """The pyramid as read when the handle was made (lazy pixels)."""
    version: ReadableVersion
    """OME-NGFF version of the store."""
    mode: AccessMode = "r"

    def __post_init__(self) -> None:
        if self.path not in self.multiscales.paths:
            raise NgffValueError(
                f"path {self.path!r}: not a level of {describe_store(self.store)}; the levels are "
                f"{list(self.multiscales.paths)}"
            )

    # ------------------------------------------------------------------ what it is
    @property
    def level_index(self) -> int:
        """Position of this level in the pyramid (0 is the highest resolution)."""
        return self.multiscales.paths.index(self.path)

    @property
    def image(self) -> NgffImage:
        """This level as a lazy [`NgffImage`][ngffkit.NgffImage]."""
        return self.multiscales.images[self.level_index]

    def _level_image(self) -> NgffImage:
        return self.image

    @property
    def meta(self) -> ImageMeta:
        """Metadata of the whole pyramid."""
        return image_meta_of(self.multiscales, self.version)

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of this level."""
        return self.image.shape

    @property
    def dtype(self) -> np.dtype[Any]:
        """Pixel type (native byte order spelled plainly: ``uint16``, not ``<u2``)."""
        dt: np.dtype[Any] = np.dtype(self.image.dtype)
        return dt.newbyteorder("=") if dt.isnative else dt

    @property
    def chunks(self) -> tuple[int, ...]:
        """The stored chunk or shard shape of this level (the dask blocks, if not stored)."""
        stored = direct_source(self.image.data)
        if isinstance(stored, zarr.Array):
            return tuple(int(c) for c in (stored.shards or stored.chunks))
        return tuple(int(c[0]) for c in self.image.data.chunks)

    @property
    def translation(self) -> Mapping[str, float]:
        """Physical position of this level's first pixel centre, per axis."""
        return self.image.translation

    def has_axis(self, axis: str) -> bool:
        """True if this level has an axis named *axis*."""
        return axis in self.axes_names

    def _channel_labels(self) -> tuple[str, ...] | None:
        return None

    def _wavelength_ids(self) -> tuple[str | None, ...]:
        return ()

    def _where(self) -> str:
        return describe_store(self.store, self.path)

    # ------------------------------------------------------------------ selections
    def _selection(self, slices: Mapping[str, object], channel_selection: object) -> Selection:
        if channel_selection is not None:
            if "c" in slices:
                raise NgffValueError("channel_selection and c=: give the channel one way, not both")
            channel = channel_index(
                channel_selection, self._channel_labels(), self._wavelength_ids()
            )
            slices = {**slices, "c": channel}
        return parse_selection(
            self.axes_names, self.shape, slices, channel_labels=self._channel_labels()
        )

    def roi_slices(self, **ranges: object) -> dict[str, object]:
        """Pixel selections of this level for physical ranges per axis; nothing is read.

        ``x=(start, stop)`` selects the pixels whose centres lie in ``[start, stop)``
        (in the axis unit, usually micrometer); ``z=2.0`` the pixel nearest to 2.0.
        The channel axis stays in pixels (an index or a channel label).

        Raises
        ------
        NgffValueError
            If a range reaches more than half a pixel past the image or selects no pixel.

        Examples
        --------
        >>> import numpy as np
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_ome_zarr_from_array
        >>> c = create_ome_zarr_from_array(MemoryStore(), np.zeros((64, 64), "uint8"), pixelsize=0.5)
        >>> c.get_image().roi_slices(x=(0.0, 10.0), y=5.0)
        {'x': slice(0, 20, None), 'y': 10}
        >>> c.get_image(path="1").roi_slices(x=(0.0, 10.0))
        {'x': slice(0, 10, None)}
        """
        return physical_selection(self.image, ranges)

    # ------------------------------------------------------------------ reads
    def get_array(
        self,
        *,
        mode: ArrayMode = "numpy",
        axes_order: Sequence[str] | None = None,
        channel_selection: object = None,
        **slices: object,
    ) -> Any:
        """Read pixels of this level, optionally a region (``x=slice(0, 100)``, ``z=3``).

        ``mode="numpy"`` computes the pixels; ``"dask"`` and ``"xarray"`` stay lazy.

        Parameters
        ----------
        mode
            ``"numpy"``, ``"dask"`` or ``"xarray"`` (a DataArray with the axis names,
            physical coordinates of the pixel centres, and units).
        axes_order
            Order of the returned axes, as in ngio: an axis listed but indexed away (a
            selected channel) or one the image lacks (``t`` of a ``czyx`` image) comes back
            with size 1; an axis left out must have size 1.
        channel_selection
            A channel label or index (same as ``c=``).
        **slices
            Per axis: an int (drops the axis), a slice of ints, a list of ints, or for
            ``c`` a channel label. Indices past the end are an error, not clipped.

        Returns
        -------
        numpy.ndarray, dask.array.Array or xarray.DataArray

        Raises
        ------
        NgffValueError
            For an unknown axis, an out-of-bounds index or slice, or a bad *mode*.

        Examples
        --------
        >>> import numpy as np
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_ome_zarr_from_array
        >>> x = np.arange(2 * 64 * 64, dtype="uint16").reshape(2, 64, 64)
        >>> img = create_ome_zarr_from_array(MemoryStore(), x, pixelsize=0.5, axes_names="cyx",
        ...                                  channel_labels=["DAPI", "GFP"]).get_image()
        >>> img.get_array(c="GFP", y=0, x=slice(0, 3))
        array([4096, 4097, 4098], dtype=uint16)
        >>> img.get_array(mode="xarray", x=slice(0, 2)).dims
        ('c', 'y', 'x')
        """
        if mode not in _MODES:
            raise NgffValueError(f"mode: expected one of {list(_MODES)}, got {mode!r}")
        sel = self._selection(slices, channel_selection)
        out = self.image.data[tuple(slice(None) if isinstance(i, tuple) else i for i in sel.index)]
        position = 0
        for index in sel.index:
            if isinstance(index, int):
                continue
            if isinstance(index, tuple):
                out = out[(slice(None),) * position + (list(index),)]
            position += 1
        dims = sel.kept_dims
        if axes_order is not None:
            out = to_axes_order(out, dims, axes_order)
            dims = tuple(str(d) for d in axes_order)
        if mode == "dask":
            return out
        if mode == "numpy":
            return np.asarray(out.compute())
        return selection_to_xarray(self.image, out, dims, sel, self._channel_labels())

    def get_as_numpy(
        self,
        *,
        channel_selection: object = None,
        axes_order: Sequence[str] | None = None,
        **slices: object,
    ) -> np.ndarray:
        """``get_array(mode="numpy", ...)`` (ngio 1.x name).

        Examples
        --------
        >>> import numpy as np
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_ome_zarr_from_array
        >>> x = np.zeros((2, 8, 8), "uint8")
        >>> img = create_ome_zarr_from_array(MemoryStore(), x, pixelsize=1.0, axes_names="cyx",
        ...                                  channel_labels=["DAPI", "GFP"]).get_image()
        >>> img.get_as_numpy(channel_selection="GFP", axes_order=["x", "y"], y=slice(0, 4)).shape
        (8, 4)
        """
        out: np.ndarray = self.get_array(
            mode="numpy", axes_order=axes_order, channel_selection=channel_selection, **slices
        )
        return out

    def get_as_dask(
        self,
        *,
        channel_selection: object = None,
        axes_order: Sequence[str] | None = None,
        **slices: object,
    ) -> da.Array:
        """``get_array(mode="dask", ...)`` (ngio 1.x name); nothing is read."""
        out: da.Array = self.get_array(
            mode="dask", axes_order=axes_order, channel_selection=channel_selection, **slices
        )
        return out

    def _region(
        self, roi: Roi | Mapping[str, object] | None, ranges: Mapping[str, object]
    ) -> dict[str, object]:
        """Pixel selections for a `Roi` (every pixel it overlaps) or physical ranges."""
        return roi_selection(self.image, roi, ranges, where=self._where())

    def get_roi_as_numpy(
        self,
        roi: Roi | Mapping[str, object],
        *,
        channel_selection: object = None,
        axes_order: Sequence[str] | None = None,
        **slices: object,
    ) -> np.ndarray:
        """The pixels of *roi* as numpy (``get_roi(roi, mode="numpy", ...)``, ngio's name).

        Examples
        --------
        >>> import numpy as np, ngffkit
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_ome_zarr_from_array
        >>> c = create_ome_zarr_from_array(MemoryStore(), np.ones((64, 64), "uint8"), pixelsize=0.5)
        >>> roi = ngffkit.Roi(x=0.2, y=1.0, x_length=5.0, y_length=2.0)
        >>> c.get_image().get_roi_as_numpy(roi).shape  # every pixel the box overlaps
        (4, 11)
        """
        out: np.ndarray = self.get_roi(
            roi,
            mode="numpy",
            channel_selection=channel_selection,
            axes_order=axes_order,
            **slices,
        )
        return out

    def get_roi_as_dask(
        self,
        roi: Roi | Mapping[str, object],
        *,
        channel_selection: object = None,
        axes_order: Sequence[str] | None = None,
        **slices: object,
    ) -> da.Array:
        """The pixels of *roi*, lazily (``get_roi(roi, mode="dask", ...)``, ngio's name)."""
        out: da.Array = self.get_roi(
            roi,
            mode="dask",
            channel_selection=channel_selection,
            axes_order=axes_order,
            **slices,
        )
        return out

    def get_roi(
        self,
        roi: Roi | Mapping[str, object] | None = None,
        *,
        mode: ArrayMode = "numpy",
        axes_order: Sequence[str] | None = None,
        channel_selection: object = None,
        **ranges: object,
    ) -> Any:
        """Read a region given in physical units (``x=(0.0, 32.5)`` micrometers).

        Parameters
        ----------
        roi
            A [`Roi`][ngffkit.Roi]: every pixel of this level it overlaps (see
            `ngffkit.rois`; clipped to the level). Or the ranges as a mapping, instead of
            (or with) keyword arguments.
        mode, axes_order, channel_selection
            As in `get_array`.
        **ranges
            Per axis: ``(start, stop)`` selects the pixels whose centres lie in
            ``[start, stop)``; one number the nearest pixel. See `roi_slices`. With a
            `Roi`, pixel selections of the axes it does not span (``t=0``).

        Raises
        ------
        NgffValueError
            If a range reaches outside the image.

        Examples
        --------
        >>> import numpy as np
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_ome_zarr_from_array
        >>> c = create_ome_zarr_from_array(MemoryStore(), np.ones((64, 64), "uint8"), pixelsize=0.5)
        >>> c.get_image().get_roi(x=(0.0, 5.0), y=(0.0, 2.0)).shape
        (4, 10)
        """
        slices = self._region(roi, ranges)
        return self.get_array(
            mode=mode, axes_order=axes_order, channel_selection=channel_selection, **slices
        )

    # ------------------------------------------------------------------ writes
    def _require_writable(self, action: str) -> None:
        if self.mode != "r+":
            raise NgffReadOnlyError(
                f"{describe_store(self.store)}: {action} needs write access, but the container was "
                f"opened read-only (mode={self.mode!r}); open it with mode='r+' (nothing was written)"
            )

    def _reopen(self) -> Self:
        return open_handle(
            type(self), self.store, version=self.version, mode=self.mode, path=self.path
        )

    def _as(self, cls: type[H], **fields: Any) -> H:
        """This level as a handle of kind *cls* (a masked image ...), with *fields* added."""
        return cls(
            store=self.store,
            path=self.path,
            multiscales=self.multiscales,
            version=self.version,
            mode=self.mode,
            **fields,
        )

    def set_array(
        self,
        patch: Any,
        *,
        axes_order: Sequence[str] | None = None,
        channel_selection: object = None,
        **slices: object,
    ) -> Self:
        """Write *patch* into this level, optionally into a region (``x=slice(0, 100)``, ``z=3``).

        Lower levels are not updated: call `consolidate` when done writing.

        Parameters
        ----------
        patch
            numpy or dask array, shaped like the selection (axes selected by an int
            dropped, or kept with size 1), in array order or in *axes_order*. Its
            dtype must cast safely to the level's (``uint8`` into ``uint16`` is fine,
            ``float64`` or ``int64`` into ``uint16`` is not).
        axes_order
            Order of *patch*'s axes, as in `get_array` (axes of size 1 may be added or
            left out).
        channel_selection, **slices
            The region, as in `get_array`.

        Returns
        -------
        Image or Label
            A handle on the same level (pixels live in the store; this one stays valid).

        Raises
        ------
        NgffReadOnlyError
            If the container was opened read-only.
        NgffValueError
            If the region is out of bounds, or *patch*'s shape or dtype does not fit;
            nothing is written then.

        Examples
        --------
        >>> import numpy as np
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> img = create_empty_ome_zarr(MemoryStore(), (64, 64), pixelsize=0.5).get_image()
        >>> img = img.set_array(np.full((2, 3), 7, "uint16"), y=slice(0, 2), x=slice(0, 3))
        >>> int(img.get_array().sum())
        42
        """
        self._require_writable("set_array")
        sel = self._selection(slices, channel_selection)
        data = fit_patch(patch, sel, axes_order, self.dtype, f"{self._where()} ({sel.describe()})")
        # Intensity chunks of zeros are stored, as the writer stores them: a missing chunk
        # then always means damage. Label background stays unstored.
        target = open_for_writing(
            child(self.store, self.path), write_empty_chunks=not self._is_label(), direct=True
        )
        write_selection(target, sel, data, where=self._where())
        return self._reopen()

    def set_roi(
        self,
        patch: Any,
        roi: Roi | Mapping[str, object] | None = None,
        *,
        axes_order: Sequence[str] | None = None,
        channel_selection: object = None,
        **ranges: object,
    ) -> Self:
        """Write *patch* into a region given in physical units (see `get_roi`).

        Examples
        --------
        >>> import numpy as np
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> img = create_empty_ome_zarr(MemoryStore(), (64, 64), pixelsize=0.5).get_image()
        >>> img = img.set_roi(np.ones((4, 10), "uint16"), x=(0.0, 5.0), y=(0.0, 2.0))
        >>> int(img.get_array().sum())
        40
        """
        slices = self._region(roi, ranges)
        return self.set_array(
            patch, axes_order=axes_order, channel_selection=channel_selection, **slices
        )

    # ------------------------------------------------------------------ consolidate
    def _is_label(self) -> bool:
        return False

    def consolidate(
        self,
        *,
        method: Methods | str | None = None,
        memory_limit: int | str | None = None,
        progress: bool | None = None,
    ) -> Self:
        """Recompute every lower level from the highest resolution and write them.

        Uses the writer of [`to_ngff_zarr`][ngffkit.to_ngff_zarr]: the highest
        resolution is read once, region by region, and every lower level is computed
        from the region in memory (as [`to_multiscales`][ngffkit.to_multiscales] plans
        it) and written in whole chunks or shards, in bounded memory, with progress.

        Parameters
        ----------
        method
            Downsampling method; default the one recorded in the metadata, else
            ``mean`` for images and ``mode`` for labels. Labels only accept label-safe
            methods.
        memory_limit
            Budget for the pixels held at once (bytes or a string such as ``"1 GiB"``;
            default as for `to_ngff_zarr`).
        progress
            Show a progress bar per level (default: in a terminal or notebook, for
            writes that take more than a second).

        Returns
        -------
        Image or Label
            A handle on the same level.

        Raises
        ------
        NgffReadOnlyError
            If the container was opened read-only.
        NgffValueError
            If a level's scale is not an integer multiple of level 0's, or the method
            would invent labels.

        Examples
        --------
        >>> import numpy as np
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> img = create_empty_ome_zarr(MemoryStore(), (64, 64), pixelsize=0.5, levels=2).get_image()
        >>> img = img.set_array(np.full((64, 64), 3, "uint16")).consolidate()
        >>> img.meta.levels, int(img.get_array().max()), img.get_array().shape
        (2, 3, (64, 64))
        """
        self._require_writable("consolidate")
        consolidate_levels(
            self.store,
            self.multiscales,
            is_label=self._is_label(),
            method=method,
            memory_limit=memory_limit,
            progress=progress,
        )
        return self._reopen()

    # ------------------------------------------------------------------ text
    def _summary(self) -> str:
        ps = self.pixel_size
        return (
            f"path={self.path!r} of {describe_store(self.store)}, axes {', '.join(self.axes_names)}: "
            f"{format_shape(self.shape)} {self.dtype}, pixel size {ps}"
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._summary()})"

    def _repr_html_(self) -> str:
        body = f"<pre>{html.escape(repr(self))}</pre>"
        ms = self.multiscales
        levels = [img.data for img in ms.images]  # the coarsest level is drawn: a cheap read
        return with_thumbnail(
            body, levels, ms.images[0].dims, omero=ms.omero, label=self._is_label()
        )


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class Image(_LevelHandle, ImageChannels):
    """One resolution level of an image: shape, pixel size, channels, pixel reads and writes.

    Get one with [`OmeZarrContainer.get_image`][ngffkit.OmeZarrContainer.get_image].

    Examples
    --------
    >>> import numpy as np
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.container import create_ome_zarr_from_array
    >>> pixels = np.arange(2 * 32 * 32, dtype="uint16").reshape(2, 32, 32)
    >>> container = create_ome_zarr_from_array(MemoryStore(), pixels, pixelsize=0.5,
    ...                                        axes_names="cyx", channel_labels=["DAPI", "GFP"])
    >>> image = container.get_image()
    >>> image.shape, image.pixel_size.x
    ((2, 32, 32), 0.5)
    >>> image.get_as_numpy(channel_selection="GFP", y=0, x=slice(0, 3)).tolist()
    [1024, 1025, 1026]
    """

    @property
    def channel_labels(self) -> tuple[str, ...]:
        """Channel labels."""
        return self.channels_meta.channel_labels

    @property
    def wavelength_ids(self) -> tuple[str | None, ...]:
        """Channel wavelength identifiers (None where absent)."""
        return self.channels_meta.wavelength_ids

    def _channel_labels(self) -> tuple[str, ...] | None:
        return self.channel_labels if "c" in self.axes_names else None

    def _wavelength_ids(self) -> tuple[str | None, ...]:
        return self.wavelength_ids if "c" in self.axes_names else ()

    def __repr__(self) -> str:
        channels = f", channels {', '.join(self.channel_labels)}" if "c" in self.axes_names else ""
        return f"Image({self._summary()}{channels})"


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class Label(_LevelHandle):
    """One resolution level of a label image, with its colours and properties.

    Same array API as `Image`; `consolidate` uses a label-safe method.
    Get one with `get_label` or `derive_label`.

    Examples
    --------
    >>> import numpy as np
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.container import create_empty_ome_zarr
    >>> c = create_empty_ome_zarr(MemoryStore(), (2, 32, 32), pixelsize=0.5, axes_names="cyx")
    >>> cells = np.zeros((32, 32), dtype="uint32"); cells[4:9, 4:9] = 7
    >>> label = c.derive_label("cells").set_array(cells)
    >>> label.name, label.shape, int(label.get_as_numpy().max())
    ('cells', (32, 32), 7)
    """

    @property
    def name(self) -> str:
        """The label's name (its group name under ``labels/``)."""
        return self.store.path.rstrip("/").rsplit("/", 1)[-1]

    @property
    def image_label(self) -> ImageLabel:
        """The ``image-label`` metadata (colours, properties, source)."""
        return (
            self.multiscales.image_label
            if self.multiscales.image_label is not None
            else ImageLabel()
        )

    @property
    def colors(self) -> dict[int, tuple[int, int, int, int] | None]:
        """``{label_value: (r, g, b, a)}``."""
        return {c.label_value: c.rgba for c in self.image_label.colors}

    @property
    def properties(self) -> dict[int, dict[str, Any]]:
        """``{label_value: {property: value}}`` (without the ``label-value`` key)."""
        return {
            int(p["label-value"]): {k: v for k, v in p.items() if k != "label-value"}
            for p in self.image_label.properties
        }

    def _is_label(self) -> bool:
        return True

    def _set_image_label(self, image_label: ImageLabel, action: str) -> Label:
        self._require_writable(action)
        write_image_metadata(
            self.store, replace(self.multiscales, image_label=image_label), self.version
        )
        return self._reopen()

    def set_colors(self, colors: Mapping[int, object]) -> Label:
        """Write the display colour of each label value; returns a new handle.

        Parameters
        ----------
        colors
            ``{label_value: (r, g, b[, a]) or "RRGGBB"}``; replaces the colours stored.

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> c = create_empty_ome_zarr(MemoryStore(), (32, 32), pixelsize=1.0)
        >>> c.derive_label("cells").set_colors({1: "FF0000"}).colors
        {1: (255, 0, 0, 255)}
        """
        return self._set_image_label(
            replace(self.image_label, colors=parse_label_colors(colors)), "set_colors"
        )

    def set_properties(
        self, properties: Mapping[int, Mapping[str, Any]] | Sequence[Mapping[str, Any]]
    ) -> Label:
        """Write per-label properties; returns a new handle.

        Parameters
        ----------
        properties
            ``{label_value: {name: value}}`` or a list of dicts with ``"label-value"``.

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> c = create_empty_ome_zarr(MemoryStore(), (32, 32), pixelsize=1.0)
        >>> c.derive_label("cells").set_properties({1: {"class": "nucleus"}}).properties
        {1: {'class': 'nucleus'}}
        """
        return self._set_image_label(
            replace(self.image_label, properties=parse_label_properties(properties)),
            "set_properties",
        )

    def __repr__(self) -> str:
        return f"Label({self.name!r}, {self._summary()})"


def open_handle(
    cls: type[H],
    store: StorePath,
    *,
    version: ReadableVersion,
    mode: AccessMode,
    multiscales: Multiscales | None = None,
    path: str | None = None,
    pixel_size: PixelSize | float | Sequence[float] | Mapping[str, float] | None = None,
    strict: bool = False,
    lowest: bool = False,
) -> H:
    """A *cls* handle on one level of the pyramid at *store*, chosen as `get_image` chooses.

    The pyramid is read from *store* unless *multiscales* (as read) is given.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.container import create_empty_ome_zarr
    >>> c = create_empty_ome_zarr(MemoryStore(), (64, 64), pixelsize=0.5, levels=3)
    >>> open_handle(Image, c.store, version="0.5", mode="r", lowest=True).shape
    (16, 16)
    """
    ms = multiscales if multiscales is not None else from_ngff_zarr(store, labels=False)
    index = image_meta_of(ms, version).index_of(path, pixel_size, strict=strict, lowest=lowest)
    return cls(store=store, path=ms.paths[index], multiscales=ms, version=version, mode=mode)
