"""``OmeZarrContainer``: a frozen handle on one stored OME-Zarr image, its labels and tables."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from zarr.storage import StorePath

from ngffkit._container._axes import ImageChannels, LevelAxes
from ngffkit._container._channels import edit_channels, percentile_windows
from ngffkit._container._derive import derive_into
from ngffkit._container._handles import AccessMode, Image, Label, open_handle
from ngffkit._container._labels import create_label, delete_label_image
from ngffkit._container._meta import (
    ImageMeta,
    PixelSize,
    filled_omero,
    image_meta_of,
    overview_rows,
)
from ngffkit._container._store import (
    read_label_names,
    write_image_metadata,
)
from ngffkit._container._tables import ContainerTables
from ngffkit._render import with_thumbnail
from ngffkit.errors import NgffKeyError, NgffValueError
from ngffkit.io.read import read_image_group
from ngffkit.io.stores import StoreLike, can_write, child, describe_store, open_store
from ngffkit.model import Multiscales
from ngffkit.spec import NgffVersion, Omero, ReadableVersion
from ngffkit.spec.names import check_name

if TYPE_CHECKING:
    from ngffkit.methods import Methods

__all__ = ["OmeZarrContainer", "open_ome_zarr_container", "PixelSizeLike"]

PixelSizeLike = "PixelSize | float | Sequence[float] | Mapping[str, float]"


def _check_mode(mode: object) -> AccessMode:
    if mode not in ("r", "r+"):
        raise NgffValueError(
            f"mode: expected 'r' (read-only) or 'r+' (read and write), got {mode!r}; create new "
            f"stores with create_ome_zarr_from_array or create_empty_ome_zarr"
        )
    return mode


def open_ome_zarr_container(
    store: StoreLike,
    *,
    mode: AccessMode | None = None,
    storage_options: dict[str, Any] | None = None,
    validate: bool = False,
) -> OmeZarrContainer:
    """Open a stored OME-Zarr image as a container; reads metadata only, no pixels.

    Parameters
    ----------
    store
        Local path, URL (``https://``, ``s3://``), zarr store, StorePath, zarr group,
        or an fsspec mapper; for an HCS plate, the path of one field (``plate.zarr/B/03/0``).
    mode
        ``"r+"``: pixels and metadata may be written; ``"r"``: read-only, every write raises
        [`NgffReadOnlyError`][ngffkit.NgffReadOnlyError]. Default, as ngio: ``"r+"`` where the
        store can be written, ``"r"`` for ``http(s)://`` URLs, read-only stores and folders
        you may not write. Opening never writes; only a write method does.
    storage_options
        fsspec options for URLs (credentials, headers ...).
    validate
        Also validate the store (see [`validate`][ngffkit.validate]) and raise on errors.

    Returns
    -------
    OmeZarrContainer

    Raises
    ------
    NgffNotFoundError
        If there is no zarr group at *store*.
    NgffValidationError
        If the group's metadata is not a readable OME-NGFF image.

    Examples
    --------
    >>> import numpy as np
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.container import create_ome_zarr_from_array
    >>> store = MemoryStore()
    >>> _ = create_ome_zarr_from_array(store, np.zeros((2, 64, 64), "uint16"), pixelsize=0.5,
    ...                                axes_names="cyx", levels=2)
    >>> c = open_ome_zarr_container(store)
    >>> c.levels, c.levels_paths, c.is_multi_channels
    (2, ['0', '1'], True)
    """
    if mode is None:
        mode = "r+" if can_write(store) else "r"  # ngio's default where it can be
    mode = _check_mode(mode)
    sp = open_store(store, mode=mode, storage_options=storage_options)
    # One pass: the group is opened once; remote levels, labels and tables are fetched together.
    sp, ms = read_image_group(sp)
    if validate:
        from ngffkit.validation import validate as run_validate

        run_validate(sp, raise_on_error=True)
    # The version the reader found travels with the pyramid: no second look at the group.
    return OmeZarrContainer(store=sp, multiscales=ms, version=ms.version or "0.4", mode=mode)


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class OmeZarrContainer(ContainerTables, LevelAxes, ImageChannels):
    """A stored OME-Zarr image: overview, levels, labels, tables, channels, derived images.

    A frozen handle: it holds the store, the image group and the metadata read when
    it was opened. Methods that write return a new container (or handle); the lists
    of labels and tables are read from the store when asked, so a label derived
    through any handle is listed by all of them.

    Both API spellings work: ngio 0.4's (``image_meta``, ``levels_paths``,
    ``xy_pixelsize=``) and ngio 1.x's (``meta``, ``level_paths``, ``pixelsize=``).

    Examples
    --------
    >>> import numpy as np
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.container import create_ome_zarr_from_array
    >>> container = create_ome_zarr_from_array(MemoryStore(), np.zeros((2, 32, 32), "uint16"),
    ...                                        pixelsize=0.5, axes_names="cyx", channel_labels=["DAPI", "GFP"])
    >>> container.channel_labels, container.is_multi_channels, container.list_labels()
    (['DAPI', 'GFP'], True, [])
    >>> container.level_paths, container.get_image(lowest=True).shape  # the coarsest level
    (['0', '1', '2', '3', '4'], (2, 2, 2))
    """

    store: StorePath
    """The image group."""
    multiscales: Multiscales
    """The image pyramid as read (lazy pixels, metadata, ``omero``)."""
    version: ReadableVersion
    """OME-NGFF version of the store."""
    mode: AccessMode = "r"

    # ------------------------------------------------------------------ overview
    @property
    def image_meta(self) -> ImageMeta:
        """The image metadata (ngio 0.4 name; same as `meta`)."""
        return image_meta_of(self.multiscales, self.version)

    @property
    def meta(self) -> ImageMeta:
        """The image metadata: levels, paths, pixel sizes, channels (ngio 1.x name)."""
        return self.image_meta

    @property
    def levels(self) -> int:
        """Number of resolution levels."""
        return len(self.multiscales.paths)

    @property
    def levels_paths(self) -> list[str]:
        """Paths of the resolution levels, highest first (ngio 0.4 name)."""
        return list(self.multiscales.paths)

    @property
    def level_paths(self) -> list[str]:
        """Paths of the resolution levels, highest first (ngio 1.x name)."""
        return list(self.multiscales.paths)

    @property
    def is_2d_time_series(self) -> bool:
        """2-D and a time series."""
        return self.dimensions.is_2d_time_series

    @property
    def is_3d_time_series(self) -> bool:
        """3-D and a time series."""
        return self.dimensions.is_3d_time_series

    @property
    def channel_labels(self) -> list[str]:
        """Channel labels."""
        return list(self.channels_meta.channel_labels)

    @property
    def wavelength_ids(self) -> list[str | None]:
        """Channel wavelength identifiers (None where absent)."""
        return list(self.channels_meta.wavelength_ids)

    def _require_writable(self, action: str) -> None:
        self.get_image()._require_writable(action)

    def refresh(self) -> OmeZarrContainer:
        """Read the store again and return a new container (same mode).

        A container holds the metadata read when it was opened; `refresh` sees what
        another handle or process has written since.

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr, open_ome_zarr_container
        >>> store = MemoryStore()
        >>> c = create_empty_ome_zarr(store, (2, 16, 16), pixelsize=1.0, axes_names="cyx")
        >>> _ = open_ome_zarr_container(store).set_channel_labels(["DAPI", "GFP"])
        >>> c.channel_labels, c.refresh().channel_labels
        (['channel_0', 'channel_1'], ['DAPI', 'GFP'])
        """
        return open_ome_zarr_container(self.store, mode=self.mode)

    # ------------------------------------------------------------------ images
    def get_image(
        self,
        path: str | None = None,
        pixel_size: PixelSize | float | Sequence[float] | Mapping[str, float] | None = None,
        strict: bool = False,
        *,
        lowest: bool = False,
    ) -> Image:
        """Return one resolution level: by *path*, nearest *pixel_size*, *lowest*, or the highest.

        Parameters
        ----------
        path
            A level path (``"0"``, ``"2"``).
        pixel_size
            A `PixelSize`, a number (y/x size), ``(y, x)``, ``(z, y, x)`` or
            ``{"x": ...}``: the level with the nearest pixel size.
        strict
            With *pixel_size*, require a level of exactly that size.
        lowest
            The lowest resolution.

        Raises
        ------
        NgffKeyError
            If *path* is not a level (the message lists the levels).
        NgffValueError
            If more than one selector is given, or *strict* finds no level.

        Examples
        --------
        >>> import numpy as np
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_ome_zarr_from_array
        >>> c = create_ome_zarr_from_array(MemoryStore(), np.zeros((256, 256), "uint8"), pixelsize=0.5, levels=3)
        >>> c.get_image().shape, c.get_image(path="1").shape, c.get_image(pixel_size=2.0).path
        ((256, 256), (128, 128), '2')
        """
        return open_handle(
            Image,
            self.store,
            version=self.version,
            mode=self.mode,
            multiscales=self.multiscales,
            path=path,
            pixel_size=pixel_size,
            strict=strict,
            lowest=lowest,
        )

    # ------------------------------------------------------------------ labels
    def list_labels(self) -> list[str]:
        """Names of the label images (read from the store's ``labels`` group).

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> c = create_empty_ome_zarr(MemoryStore(), (32, 32), pixelsize=1.0)
        >>> _ = c.derive_label("nuclei")
        >>> c.list_labels()
        ['nuclei']
        """
        return list(read_label_names(self.store))

    def get_label(
        self,
        name: str,
        path: str | None = None,
        pixel_size: PixelSize | float | Sequence[float] | Mapping[str, float] | None = None,
        strict: bool = False,
        *,
        lowest: bool = False,
    ) -> Label:
        """Return one resolution level of the label image *name* (level chosen as in `get_image`).

        Raises
        ------
        NgffKeyError
            If there is no label *name*; the message lists the labels there are.

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> c = create_empty_ome_zarr(MemoryStore(), (2, 32, 32), pixelsize=1.0, axes_names="cyx")
        >>> _ = c.derive_label("nuclei")
        >>> c.get_label("nuclei").shape
        (32, 32)
        >>> c.get_label("cells")
        Traceback (most recent call last):
        ...
        ngffkit.errors.NgffKeyError: label 'cells': not among the labels of memory://...: ['nuclei']
        """
        check_name(name, "label", where=describe_store(self.store))
        names = self.list_labels()
        if name not in names:
            raise NgffKeyError(
                f"label {name!r}: not among the labels of {describe_store(self.store)}: {names}"
                + ("" if names else " (this image has no labels)")
            )
        return open_handle(
            Label,
            child(self.store, "labels", name),
            version=self.version,
            mode=self.mode,
            path=path,
            pixel_size=pixel_size,
            strict=strict,
            lowest=lowest,
        )

    def derive_label(
        self,
        name: str,
        *,
        dtype: Any = "uint32",
        colors: Mapping[int, object] | None = None,
        properties: Mapping[int, Mapping[str, Any]] | Sequence[Mapping[str, Any]] | None = None,
        overwrite: bool = False,
    ) -> Label:
        """Create an empty label image ``labels/<name>`` matching the image; writes zeros lazily.

        The label has the image's axes without ``c``, the same shape, levels, pixel
        sizes and translations; its levels use label-safe downsampling (``mode``).
        The ``labels`` group lists it after the arrays are written; the labels already
        there are kept.

        Parameters
        ----------
        name
            Group name under ``labels/`` (no ``/``).
        dtype
            An integer dtype (default ``uint32``).
        colors, properties
            Optional ``image-label`` colours ``{value: (r, g, b, a) or "RRGGBB"}`` and
            properties ``{value: {...}}``.
        overwrite
            Replace an existing label of that name.

        Returns
        -------
        Label
            The highest resolution of the new label, writable.

        Raises
        ------
        NgffReadOnlyError
            If the container is read-only.
        NgffExistsError
            If the label exists and *overwrite* is False (nothing is written).
        NgffValueError
            For a bad name or a non-integer dtype.

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> c = create_empty_ome_zarr(MemoryStore(), (2, 64, 64), pixelsize=0.5, axes_names="cyx", levels=2)
        >>> label = c.derive_label("cells")
        >>> label.shape, label.dtype, label.pixel_size.x, label.meta.levels
        ((64, 64), dtype('uint32'), 0.5, 2)
        """
        self.get_image()._require_writable("derive_label")
        create_label(
            self.store,
            self.multiscales,
            self.version,
            name,
            dtype=dtype,
            colors=colors,
            properties=properties,
            overwrite=overwrite,
        )
        return self.get_label(name)

    def delete_label(self, name: str, *, missing_ok: bool = False) -> None:
        """Delete the label image *name*: unlisted from `labels` first, then its group removed.

        Parameters
        ----------
        name
            A label listed by [`list_labels`][ngffkit.OmeZarrContainer.list_labels].
        missing_ok
            Do nothing (instead of raising) when there is no such label.

        Raises
        ------
        NgffReadOnlyError
            If the container is read-only (nothing is changed).
        NgffKeyError
            If there is no label *name* and *missing_ok* is False; the message lists the labels.

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> c = create_empty_ome_zarr(MemoryStore(), (32, 32), pixelsize=1.0)
        >>> _ = c.derive_label("nuclei"), c.derive_label("cells")
        >>> c.delete_label("nuclei")
        >>> c.list_labels()
        ['cells']
        """
        check_name(name, "label", where=describe_store(self.store))
        self.get_image()._require_writable("delete_label")
        delete_label_image(self.store, self.version, name, missing_ok=missing_ok)

    # ------------------------------------------------------------------ channels
    def _write_omero(self, omero: Omero, action: str) -> OmeZarrContainer:
        self.get_image()._require_writable(action)
        write_image_metadata(self.store, replace(self.multiscales, omero=omero), self.version)
        return self.refresh()

    def _omero(self) -> Omero:
        first = self.multiscales.images[0]
        return filled_omero(self.multiscales.omero, n_channels=self.num_channels, dtype=first.dtype)

    def set_channel_meta(
        self,
        *,
        labels: Sequence[str] | None = None,
        colors: Sequence[str] | None = None,
        windows: Sequence[tuple[float, float]] | None = None,
        min_max: Sequence[tuple[float, float]] | None = None,
        active: Sequence[bool] | None = None,
    ) -> OmeZarrContainer:
        """Write channel labels, colours, windows or active flags (one value per channel).

        Every other channel key (``wavelength_id`` ...) and every other attribute of
        the group is kept. Returns a new container.

        Parameters
        ----------
        labels
            Unique channel labels.
        colors
            ``"RRGGBB"``, ``"#rrggbb"`` or a colour name per channel.
        windows
            Displayed range ``(start, end)`` per channel.
        min_max
            Data range ``(min, max)`` per channel (default: kept, widened to the window).
        active
            Whether each channel is shown.

        Raises
        ------
        NgffReadOnlyError
            If the container is read-only.
        NgffValueError
            If a list has the wrong length, labels repeat or a colour is invalid.

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> c = create_empty_ome_zarr(MemoryStore(), (2, 32, 32), pixelsize=1.0, axes_names="cyx")
        >>> c = c.set_channel_meta(labels=["DAPI", "GFP"], colors=["blue", "00FF00"])
        >>> c.channel_labels, c.channels_meta.channel_colors
        (['DAPI', 'GFP'], ('0000FF', '00FF00'))
        """
        omero = edit_channels(
            self._omero(),
            labels=labels,
            colors=colors,
            windows=windows,
            min_max=min_max,
            active=active,
        )
        return self._write_omero(omero, "set_channel_meta")

    def set_channel_labels(self, labels: Sequence[str]) -> OmeZarrContainer:
        """Write the channel labels; returns a new container (see `set_channel_meta`).

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> c = create_empty_ome_zarr(MemoryStore(), (2, 32, 32), pixelsize=1.0, axes_names="cyx")
        >>> c.set_channel_labels(["DAPI", "GFP"]).channel_labels
        ['DAPI', 'GFP']
        """
        return self.set_channel_meta(labels=labels)

    def set_channel_colors(self, colors: Sequence[str]) -> OmeZarrContainer:
        """Write the channel colours; returns a new container (see `set_channel_meta`).

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> c = create_empty_ome_zarr(MemoryStore(), (32, 32), pixelsize=1.0)
        >>> c.set_channel_colors(["magenta"]).channels_meta.channel_colors
        ('FF00FF',)
        """
        return self.set_channel_meta(colors=colors)

    def set_channel_windows(
        self,
        starts_ends: Sequence[tuple[float, float]],
        min_max: Sequence[tuple[float, float]] | None = None,
    ) -> OmeZarrContainer:
        """Write each channel's display window ``(start, end)``; returns a new container.

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> c = create_empty_ome_zarr(MemoryStore(), (32, 32), pixelsize=1.0)
        >>> c.set_channel_windows([(10, 500)]).channels_meta.channel_windows
        ((10.0, 500.0),)
        """
        return self.set_channel_meta(windows=starts_ends, min_max=min_max)

    def set_channel_windows_with_percentiles(
        self, percentiles: tuple[float, float] = (0.1, 99.9)
    ) -> OmeZarrContainer:
        """Set each channel's window to percentiles of its pixels; reads one level.

        The finest level with at most 16 Mi pixels is read (the lowest level if
        none is that small), so this stays cheap on large images.

        Examples
        --------
        >>> import numpy as np
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_ome_zarr_from_array
        >>> x = np.arange(100, dtype="uint16").reshape(10, 10)
        >>> c = create_ome_zarr_from_array(MemoryStore(), x, pixelsize=1.0, levels=1, percentiles=None)
        >>> c.set_channel_windows_with_percentiles((0, 100)).channels_meta.channel_windows
        ((0.0, 99.0),)
        """
        return self.set_channel_windows(percentile_windows(self.multiscales.images, percentiles))

    # ------------------------------------------------------------------ derive
    def derive_image(
        self,
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
        chunks: Any = None,
        version: NgffVersion | str | None = None,
        ngff_version: NgffVersion | str | None = None,
        method: Methods | str | None = None,
        overwrite: bool = False,
        consolidated: bool = False,
    ) -> OmeZarrContainer:
        """Create a new, empty image like this one: same axes, units, channels and pyramid factors.

        Parameters
        ----------
        store
            Where to write the new image.
        ref_path
            Level of this image whose shape and pixel size are the starting point (default level 0).
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
            Copy this image's labels (pixels and metadata); needs an unchanged shape.
        copy_tables
            Copy this image's tables (every backend, as stored; converted between Zarr v2 and
            v3 when the versions differ). Masking ROI and feature tables keep their `region`.
        dtype
            Pixel type (default this image's).
        chunks
            Chunk size (default this image's).
        version, ngff_version
            OME-NGFF version (default this image's; ``0.4`` for older sources).
        method
            Downsampling method recorded for the pyramid (default this image's if ngffkit knows it).
        overwrite
            Replace whatever is at *store*.
        consolidated
            Also write consolidated metadata, as `create_empty_ome_zarr` does; later writes
            keep it current.

        Returns
        -------
        OmeZarrContainer
            The new image, writable.

        Raises
        ------
        NgffExistsError
            If *store* holds data and *overwrite* is False.
        NgffValueError
            For a bad shape or pixel size, *store* being this image's own store, or
            *copy_labels* with a changed shape.

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> c = create_empty_ome_zarr(MemoryStore(), (2, 64, 64), pixelsize=0.5, axes_names="cyx",
        ...                           channel_labels=["A", "B"], levels=3)
        >>> new = c.derive_image(MemoryStore(), shape=(32, 32), pixelsize=1.0, labels=["cells"])
        >>> new.get_image().shape, new.channel_labels, new.levels, new.list_labels()
        ((2, 32, 32), ['A', 'B'], 3, ['cells'])
        """
        sp = derive_into(
            self,
            store,
            ref_path=ref_path,
            shape=shape,
            pixelsize=pixelsize,
            xy_pixelsize=xy_pixelsize,
            z_spacing=z_spacing,
            time_spacing=time_spacing,
            name=name,
            labels=labels,
            copy_labels=copy_labels,
            copy_tables=copy_tables,
            dtype=dtype,
            chunks=chunks,
            version=version,
            ngff_version=ngff_version,
            method=method,
            overwrite=overwrite,
            consolidated=consolidated,
        )
        return open_ome_zarr_container(sp, mode="r+")

    # ------------------------------------------------------------------ text
    def _overview(self) -> list[tuple[str, str]]:
        return overview_rows(
            self.multiscales,
            self.image_meta,
            where=describe_store(self.store),
            state=f"OME-NGFF {self.version}, " + ("read-only" if self.mode == "r" else "writable"),
            listers={"labels": self.list_labels, "tables": self.list_tables},
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k.strip())}</th>"
            f"<td>{html.escape(v)}</td></tr>"
            for k, v in self._overview()
        )
        table = f"<table><caption><b>OmeZarrContainer</b></caption>{rows}</table>"
        ms = self.multiscales
        return with_thumbnail(
            table, [img.data for img in ms.images], ms.images[0].dims, omero=ms.omero
        )

    def __repr__(self) -> str:
        rows = self._overview()
        width = max(len(k) for k, _ in rows)
        return "OmeZarrContainer(\n" + "\n".join(f"  {k:<{width}}  {v}" for k, v in rows) + "\n)"

    def __str__(self) -> str:
        return repr(self)
