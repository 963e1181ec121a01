"""The data model: [`NgffImage`][ngffkit.NgffImage] (one level) and [`Multiscales`][ngffkit.Multiscales] (a pyramid).

Both are frozen dataclasses holding lazy dask arrays: nothing here computes
pixels. Changed copies are made with `dataclasses.replace`, which runs the
checks again. ``Multiscales.metadata`` is derived from its images when not
given, so the metadata always describes the arrays it travels with.

Examples
--------
>>> import dask.array as da
>>> img = NgffImage(data=da.zeros((4, 8, 8), dtype="u2"), dims=("z", "y", "x"),
...                 scale={"z": 2.0, "y": 0.5, "x": 0.5})
>>> img.scale["z"], img.translation["x"], img.axes_units
(2.0, 0.0, {})
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from ngffkit._render import with_thumbnail
from ngffkit.errors import NgffValueError
from ngffkit.spec import (
    ANATOMICAL_ORIENTATIONS,
    Axis,
    Dataset,
    ImageAttrs,
    ImageLabel,
    MultiscaleMetadata,
    Omero,
    ReadableVersion,
    default_axis_type,
)
from ngffkit.spec.names import check_name

if TYPE_CHECKING:
    import dask.array as da
    import xarray as xr
    from zarr.abc.store import Store

__all__ = [
    "NgffImage",
    "Multiscales",
    "LevelDerivation",
    "StoredLayout",
    "TableSource",
    "SPATIAL_DIMS",
    "metadata_from_images",
    "parse_colors",
]

SPATIAL_DIMS = ("z", "y", "x")


def _format_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover - loop always returns


def _per_axis(
    values: Mapping[str, float] | None, dims: tuple[str, ...], what: str, default: float
) -> dict[str, float]:
    values = dict(values or {})
    unknown = sorted(set(values) - set(dims))
    if unknown:
        raise NgffValueError(f"{what}: axes {unknown} are not among the image dims {list(dims)}")
    out: dict[str, float] = {}
    for d in dims:
        v = values.get(d, default)
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise NgffValueError(f"{what}[{d!r}]: expected a finite number, got {v!r}")
        out[d] = float(v)
    return out


def parse_colors(
    colors: Sequence[str], count: int | None = None, *, argument: str = "channel_colors"
) -> tuple[str, ...]:
    """Display colours as six upper-case hex digits each (a leading ``#`` accepted).

    Raises
    ------
    NgffValueError
        If a colour is not six hex digits, or there are not *count* of them.

    Examples
    --------
    >>> parse_colors(["#00ff00", "FF0000"], 2)
    ('00FF00', 'FF0000')
    """
    out = []
    for i, color in enumerate(colors):
        text = str(color).lstrip("#").upper()
        if len(text) != 6 or any(ch not in "0123456789ABCDEF" for ch in text):
            raise NgffValueError(
                f"{argument}[{i}]: expected six hex digits such as 'FF0000', got {color!r}"
            )
        out.append(text)
    if count is not None and len(out) != count:
        raise NgffValueError(
            f"{argument}: expected {count} colours (size of the 'c' axis), got {len(out)}: {out}"
        )
    return tuple(out)


@dataclass(frozen=True, kw_only=True)
class NgffImage:
    """One resolution level: lazy pixels plus where they sit in physical space.

    Build one with [`to_ngff_image`][ngffkit.to_ngff_image], which accepts numpy, dask,
    xarray and zarr input and normalises units.

    Examples
    --------
    >>> import numpy as np, ngffkit
    >>> image = ngffkit.to_ngff_image(np.zeros((16, 32, 32), dtype="uint16"),
    ...                               dims=("z", "y", "x"), scale={"z": 2.0, "y": 0.5, "x": 0.5},
    ...                               axes_units="micrometer")
    >>> image.dims, image.data.shape, image.scale["z"], image.axes_units["x"]
    (('z', 'y', 'x'), (16, 32, 32), 2.0, 'micrometer')
    """

    data: da.Array = field(compare=False)
    """Pixels as a dask array; ngffkit never computes them before a write."""
    dims: tuple[str, ...]
    """Axis names in array order, e.g. ``("c", "z", "y", "x")``."""
    scale: Mapping[str, float] = field(default_factory=dict)
    """Physical pixel size per axis (1.0 where not given)."""
    translation: Mapping[str, float] = field(default_factory=dict)
    """Physical position of the first pixel's centre per axis (0.0 where not given)."""
    name: str = "image"
    axes_units: Mapping[str, str] = field(default_factory=dict)
    """UDUNITS-2 unit per axis that has one (``{"x": "micrometer", ...}``)."""
    axes_orientations: Mapping[str, str] = field(default_factory=dict)
    """RFC-4 anatomical orientation per space axis (``{"x": "left-to-right"}``)."""
    axes_types: Mapping[str, str] = field(default_factory=dict)
    """Axis type per axis; defaults from the name (t time, c channel, z/y/x space)."""
    channel_names: tuple[str, ...] | None = None
    """One name per index of the channel axis, or None."""
    channel_colors: tuple[str, ...] | None = None
    """One display colour per index of the channel axis (six hex digits, RGB), or None."""
    is_label: bool = False
    """True for label (segmentation) images: integer pixels, label-safe downsampling."""

    def __post_init__(self) -> None:
        dims = tuple(self.dims)
        ndim = len(self.data.shape)
        if len(dims) != ndim:
            raise NgffValueError(
                f"dims: expected {ndim} names (one per array axis, shape {tuple(self.data.shape)}), "
                f"got {len(dims)}: {list(dims)}"
            )
        if len(set(dims)) != len(dims) or not all(isinstance(d, str) and d for d in dims):
            raise NgffValueError(f"dims: expected unique, non-empty names, got {list(dims)}")
        empty = [d for d, n in zip(dims, self.data.shape, strict=True) if n == 0]
        if empty:
            raise NgffValueError(
                f"data: expected at least one pixel along every axis, got length 0 along "
                f"{empty} (shape {tuple(self.data.shape)})"
            )
        object.__setattr__(self, "dims", dims)
        scale = _per_axis(self.scale, dims, "scale", 1.0)
        for d, s in scale.items():
            if s <= 0:
                raise NgffValueError(f"scale[{d!r}]: expected a number > 0, got {s}")
        object.__setattr__(self, "scale", scale)
        object.__setattr__(
            self, "translation", _per_axis(self.translation, dims, "translation", 0.0)
        )
        types = {d: default_axis_type(d) for d in dims}
        given_types = dict(self.axes_types)
        unknown = sorted(set(given_types) - set(dims))
        if unknown:
            raise NgffValueError(
                f"axes_types: axes {unknown} are not among the image dims {list(dims)}"
            )
        types.update(given_types)
        object.__setattr__(self, "axes_types", {d: t for d, t in types.items() if t is not None})
        units = dict(self.axes_units)
        unknown = sorted(set(units) - set(dims))
        if unknown:
            raise NgffValueError(
                f"axes_units: axes {unknown} are not among the image dims {list(dims)}"
            )
        object.__setattr__(self, "axes_units", {d: units[d] for d in dims if units.get(d)})
        orientations = dict(self.axes_orientations)
        for d, value in orientations.items():
            if self.axes_types.get(d) != "space":
                raise NgffValueError(
                    f"axes_orientations[{d!r}]: only space axes have an anatomical orientation"
                )
            if value not in ANATOMICAL_ORIENTATIONS:
                raise NgffValueError(
                    f"axes_orientations[{d!r}]: expected an RFC-4 value such as 'left-to-right', "
                    f"got {value!r}"
                )
        object.__setattr__(self, "axes_orientations", orientations)
        if self.channel_names is not None:
            names = tuple(str(n) for n in self.channel_names)
            if "c" in dims and len(names) != self.data.shape[dims.index("c")]:
                raise NgffValueError(
                    f"channel_names: expected {self.data.shape[dims.index('c')]} names (size of "
                    f"the 'c' axis), got {len(names)}: {list(names)}"
                )
            object.__setattr__(self, "channel_names", names)
        if self.channel_colors is not None:
            object.__setattr__(
                self,
                "channel_colors",
                parse_colors(
                    self.channel_colors, self.data.shape[dims.index("c")] if "c" in dims else None
                ),
            )
        if self.is_label and self.data.dtype.kind not in "iub":
            raise NgffValueError(
                f"is_label: label images need integer pixels, got dtype {self.data.dtype}"
            )

    # ----------------------------------------------------------------- views
    @property
    def shape(self) -> tuple[int, ...]:
        """Array shape."""
        return tuple(int(s) for s in self.data.shape)

    @property
    def dtype(self) -> Any:
        """Array dtype."""
        return self.data.dtype

    @property
    def spatial_dims(self) -> tuple[str, ...]:
        """The dims whose type is ``space``, in array order."""
        return tuple(d for d in self.dims if self.axes_types.get(d) == "space")

    @property
    def nbytes(self) -> int:
        """Uncompressed size in bytes."""
        return int(math.prod(self.shape) * self.data.dtype.itemsize)

    def axes(self) -> tuple[Axis, ...]:
        """The image's axes as spec metadata.

        Examples
        --------
        >>> import dask.array as da
        >>> img = NgffImage(data=da.zeros((8, 8)), dims=("y", "x"), axes_units={"x": "micrometer"})
        >>> [a.unit for a in img.axes()]
        [None, 'micrometer']
        """
        return tuple(
            Axis(
                name=d,
                type=self.axes_types.get(d),
                unit=self.axes_units.get(d),
                orientation=self.axes_orientations.get(d),
            )
            for d in self.dims
        )

    def coordinates(self, dim: str) -> Any:
        """The physical position of each pixel centre along *dim* (a numpy array).

        Examples
        --------
        >>> import dask.array as da
        >>> img = NgffImage(data=da.zeros((2, 3)), dims=("y", "x"), scale={"x": 0.5},
        ...                 translation={"x": 10.0})
        >>> img.coordinates("x").tolist()
        [10.0, 10.5, 11.0]
        """
        import numpy as np

        n = self.shape[self.dims.index(dim)]
        return self.translation[dim] + self.scale[dim] * np.arange(n, dtype=np.float64)

    def to_xarray(self) -> xr.DataArray:
        """The image as a lazy `xarray.DataArray` over the same dask array; no pixels are read.

        Space and time axes get physical coordinates (pixel centres) with their ``units``,
        the channel axis its channel names; each coordinate's ``axis_type`` (and
        ``orientation``) attributes, and ``is_label`` on the array, let
        [`to_ngff_image`][ngffkit.to_ngff_image] turn it back into the same image.

        Examples
        --------
        >>> import numpy as np
        >>> from ngffkit import to_ngff_image
        >>> img = to_ngff_image(np.zeros((2, 4, 4), "u2"), dims=("c", "y", "x"),
        ...                     scale={"y": 0.5, "x": 0.5}, axes_units="micrometer",
        ...                     channel_names=["DAPI", "GFP"])
        >>> arr = img.to_xarray()
        >>> arr.coords["c"].values.tolist(), arr.coords["x"].values.tolist()
        (['DAPI', 'GFP'], [0.0, 0.5, 1.0, 1.5])
        >>> arr.coords["x"].attrs["units"], to_ngff_image(arr) == img
        ('micrometer', True)
        """
        import numpy as np
        import xarray as xr

        coords: dict[str, Any] = {}
        for d in self.dims:
            attrs: dict[str, str] = {}
            if d in self.axes_types:
                attrs["axis_type"] = self.axes_types[d]
            if d in self.axes_units:
                attrs["units"] = self.axes_units[d]
            if d in self.axes_orientations:
                attrs["orientation"] = self.axes_orientations[d]
            if self.axes_types.get(d) == "channel":
                n = self.shape[self.dims.index(d)]
                names = self.channel_names
                values: Any = np.asarray(names) if names is not None else np.arange(n)
                coords[d] = xr.Variable(d, values, attrs=attrs)
            else:
                coords[d] = xr.Variable(d, self.coordinates(d), attrs=attrs)
        return xr.DataArray(
            self.data,
            dims=self.dims,
            coords=coords,
            name=self.name,
            attrs={"is_label": self.is_label},
        )

    def _summary_rows(self) -> list[tuple[str, str]]:
        chunks = tuple(int(c[0]) if c else 0 for c in self.data.chunks)
        units = {d: self.axes_units.get(d, "") for d in self.dims}
        return [
            ("name", self.name + (" (label)" if self.is_label else "")),
            ("dims", ", ".join(self.dims)),
            ("shape", " × ".join(str(s) for s in self.shape)),
            ("dtype", str(self.dtype)),
            ("chunks", " × ".join(str(c) for c in chunks)),
            ("scale", ", ".join(f"{d}={self.scale[d]:g}" for d in self.dims)),
            ("translation", ", ".join(f"{d}={self.translation[d]:g}" for d in self.dims)),
            ("units", ", ".join(f"{d}={u}" for d, u in units.items() if u) or "none"),
            ("size", _format_bytes(self.nbytes)),
        ] + ([("channels", ", ".join(self.channel_names))] if self.channel_names else [])

    def __repr__(self) -> str:
        rows = self._summary_rows()
        width = max(len(k) for k, _ in rows)
        body = "\n".join(f"  {k:<{width}}  {v}" for k, v in rows)
        return f"NgffImage(\n{body}\n)"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
            for k, v in self._summary_rows()
        )
        table = f"<table><caption><b>NgffImage</b></caption>{rows}</table>"
        return with_thumbnail(table, [self.data], self.dims, label=self.is_label)


def metadata_from_images(
    images: Sequence[NgffImage],
    *,
    paths: Sequence[str] | None,
    name: str | None,
    method_type: str | None,
    method_metadata: Mapping[str, Any] | None,
) -> MultiscaleMetadata:
    first = images[0]
    paths = list(paths) if paths is not None else [str(i) for i in range(len(images))]
    return MultiscaleMetadata(
        axes=first.axes(),
        datasets=tuple(
            Dataset(
                path=p,
                scale=tuple(img.scale[d] for d in img.dims),
                translation=tuple(img.translation[d] for d in img.dims),
            )
            for p, img in zip(paths, images, strict=True)
        ),
        name=name if name is not None else first.name,
        type=method_type,
        metadata=method_metadata,
    )


@dataclass(frozen=True, kw_only=True)
class LevelDerivation:
    """How a pyramid level was planned from an earlier level of the same pyramid.

    [`to_multiscales`][ngffkit.to_multiscales] records one per derived level. The writer
    uses it to recompute the level from the earlier level's pixels region by region, in
    memory, instead of running the level's dask graph (which would read the source
    again). The record only holds while both dask names still match: a level or source
    the user replaced is written from its own graph.

    Examples
    --------
    >>> LevelDerivation(source=0, factors=(2, 2), method="mean", source_name="a", data_name="b")
    LevelDerivation(source=0, factors=(2, 2), method='mean', source_name='a', data_name='b')
    """

    source: int
    """Index of the level this one is computed from."""
    factors: tuple[int, ...]
    """Downsampling factor per dim, relative to the source level."""
    method: str
    """The [`Methods`][ngffkit.Methods] value used."""
    source_name: str
    """The dask name of the source level's data when the level was planned."""
    data_name: str
    """The dask name of this level's data when it was planned."""


@dataclass(frozen=True, kw_only=True)
class StoredLayout:
    """How one level is laid out in the store it was read from: chunks, shards, codecs.

    [`from_ngff_zarr`][ngffkit.from_ngff_zarr] records one per level, and
    [`to_ngff_zarr`][ngffkit.to_ngff_zarr] writes the level with the same layout unless
    the caller asks for another (``chunks``, ``chunks_per_shard``, ``compressors``), so a
    round trip, or a change of OME-NGFF version, keeps the chunk shape and compression.

    Examples
    --------
    >>> StoredLayout(chunks=(32, 32), shards=(64, 64), compressors=(), zarr_format=3)
    StoredLayout(chunks=(32, 32), shards=(64, 64), compressors=(), zarr_format=3)
    """

    chunks: tuple[int, ...]
    """The chunk shape (inside a shard, for a sharded array)."""
    shards: tuple[int, ...] | None = None
    """The shard shape, or None for an array without sharding."""
    compressors: tuple[Any, ...] = ()
    """The array's compressors as zarr-python reports them (numcodecs codecs for Zarr v2)."""
    zarr_format: int = 3
    """The Zarr format of the array the layout was read from (2 or 3)."""

    def __post_init__(self) -> None:
        chunks = tuple(self.chunks)
        if any(isinstance(c, bool) or not isinstance(c, int) or c < 1 for c in chunks):
            raise NgffValueError(f"chunks: expected integers >= 1, got {list(chunks)}")
        object.__setattr__(self, "chunks", chunks)
        if self.shards is not None:
            shards = tuple(self.shards)
            if len(shards) != len(chunks) or any(
                isinstance(s, bool) or not isinstance(s, int) or s < c or s % c
                for s, c in zip(shards, chunks, strict=True)
            ):
                raise NgffValueError(
                    f"shards: expected one multiple of the chunk length per dim of "
                    f"{list(chunks)}, got {list(shards)}"
                )
            object.__setattr__(self, "shards", shards)
        object.__setattr__(self, "compressors", tuple(self.compressors))
        if self.zarr_format not in (2, 3):
            raise NgffValueError(f"zarr_format: expected 2 or 3, got {self.zarr_format!r}")


@dataclass(frozen=True, kw_only=True)
class TableSource:
    """Where one stored table lives: a store, the table group's path in it, and its attributes.

    Pure data: nothing is read when a `TableSource` is made or compared.
    [`from_ngff_zarr`][ngffkit.from_ngff_zarr] fills `Multiscales.tables` with them and
    [`to_ngff_zarr`][ngffkit.to_ngff_zarr] copies each table group (every sub-group, array
    and file, converted between Zarr v2 and v3 when the versions differ).

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> src = TableSource(store=MemoryStore(), path="img/tables/roi",
    ...                   attributes={"type": "roi_table", "backend": "anndata_v1"}, zarr_format=3)
    >>> src.table_type, src.backend, src.name
    ('roi_table', 'anndata_v1', 'roi')
    """

    store: Store = field(compare=False)
    """The zarr store holding the table (a local directory, an fsspec URL, memory ...)."""
    path: str
    """Path of the table group inside *store* (`<image>/tables/<name>`)."""
    attributes: Mapping[str, Any] = field(default_factory=dict)
    """The table group's attributes (`type`, `table_version`, `backend`, `index_key` ...)."""
    zarr_format: int = 3
    """Zarr format of the stored table: 2 (OME-NGFF 0.4) or 3 (0.5, 0.6)."""

    def __post_init__(self) -> None:
        if self.zarr_format not in (2, 3):
            raise NgffValueError(f"zarr_format: expected 2 or 3, got {self.zarr_format!r}")
        path = str(self.path).strip("/")
        if not path:
            raise NgffValueError("path: expected the path of a table group, got an empty path")
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "attributes", dict(self.attributes))

    @property
    def name(self) -> str:
        """The last component of `path`."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def table_type(self) -> str | None:
        """The `type` attribute (`roi_table`, `feature_table` ...), or None."""
        value = self.attributes.get("type")
        return str(value) if value is not None else None

    @property
    def backend(self) -> str | None:
        """The `backend` attribute (`anndata_v1`, `parquet` ...), or None."""
        value = self.attributes.get("backend")
        return str(value) if value is not None else None


@dataclass(frozen=True, kw_only=True)
class Multiscales:
    """A multiscale pyramid: images from highest to lowest resolution, plus their metadata.

    ``metadata`` is derived from the images when not given (dataset paths
    ``"0"``, ``"1"`` ...). When given, it must agree with the images: same
    number of levels, same axis names, same scale and translation per level.

    Examples
    --------
    >>> import numpy as np, ngffkit
    >>> image = ngffkit.to_ngff_image(np.zeros((64, 64), dtype="uint8"), dims=("y", "x"))
    >>> ms = ngffkit.to_multiscales(image, scale_factors=[2, 4], chunks=16)
    >>> [level.data.shape for level in ms.images], [d.path for d in ms.metadata.datasets]
    ([(64, 64), (32, 32), (16, 16)], ['0', '1', '2'])
    >>> ms.images[2].scale  # each level's pixel size in physical units
    {'y': 4.0, 'x': 4.0}
    """

    images: tuple[NgffImage, ...]
    metadata: MultiscaleMetadata = None  # type: ignore[assignment]  # derived in __post_init__
    """The ``multiscales[0]`` entry written for this pyramid."""
    scale_factors: tuple[Mapping[str, int], ...] | None = None
    """Per-level factors relative to level 0 (level 0 excluded), as used to build the pyramid."""
    method: str | None = None
    """Name of the downsampling method (a [`Methods`][ngffkit.Methods] value)."""
    chunks: Mapping[str, int] | None = None
    """Chunk size per dim used for every level."""
    omero: Omero | None = None
    """Channel rendering metadata (labels, colours, windows), or None."""
    image_label: ImageLabel | None = None
    """``image-label`` metadata when this pyramid is a label image."""
    labels: Mapping[str, Multiscales] = field(default_factory=dict, compare=False)
    """Label images that belong to this image, by name (written under ``labels/``)."""
    tables: Mapping[str, TableSource] = field(default_factory=dict, compare=False)
    """Tables that belong to this image, by name: copied under `tables/` when written."""
    attributes: Mapping[str, Any] = field(default_factory=dict)
    """Group attributes ngffkit does not interpret, kept through a read/write round trip."""
    extra_ome: Mapping[str, Any] = field(default_factory=dict)
    """Unknown keys inside the OME namespace, kept through a round trip."""
    derivations: tuple[LevelDerivation | None, ...] = field(default=(), compare=False, repr=False)
    """How each level was planned from an earlier one (None for level 0 and for levels
    given as they are); empty when unknown. Lets the writer stream the pyramid."""
    layouts: tuple[StoredLayout | None, ...] = field(default=(), compare=False, repr=False)
    """Each level's chunks, shards and codecs in the store it was read from (None for a
    level that was not read); empty when unknown. The writer keeps them unless told
    otherwise, so a read -> write round trip keeps the stored layout."""
    version: ReadableVersion | None = field(default=None, compare=False)
    """The OME-NGFF version of the store this pyramid was read from, or None."""

    def __post_init__(self) -> None:
        images = tuple(self.images)
        if not images:
            raise NgffValueError("images: a Multiscales needs at least one image")
        object.__setattr__(self, "images", images)
        first = images[0]
        for i, img in enumerate(images[1:], start=1):
            if img.dims != first.dims:
                raise NgffValueError(
                    f"images[{i}].dims: expected {list(first.dims)} like level 0, got {list(img.dims)}"
                )
            if img.dtype != first.dtype:
                raise NgffValueError(
                    f"images[{i}].dtype: expected {first.dtype} like level 0, got {img.dtype}"
                )
        if cast("MultiscaleMetadata | None", self.metadata) is None:
            object.__setattr__(
                self,
                "metadata",
                metadata_from_images(
                    images, paths=None, name=None, method_type=self.method, method_metadata=None
                ),
            )
        else:
            self._ensure_metadata_matches_images()
            if self.method is None and self.metadata.type is not None:
                # One method name: ngff-zarr's field and the metadata's "type" agree.
                object.__setattr__(self, "method", self.metadata.type)
        derivations = tuple(self.derivations)
        if derivations and len(derivations) != len(images):
            raise NgffValueError(
                f"derivations: expected one entry per level ({len(images)}) or none, "
                f"got {len(derivations)}"
            )
        object.__setattr__(self, "derivations", derivations)
        layouts = tuple(self.layouts)
        if layouts and len(layouts) != len(images):
            raise NgffValueError(
                f"layouts: expected one entry per level ({len(images)}) or none, got {len(layouts)}"
            )
        for i, layout in enumerate(layouts):
            if layout is not None and (
                not isinstance(layout, StoredLayout) or len(layout.chunks) != len(first.dims)
            ):
                raise NgffValueError(
                    f"layouts[{i}]: expected None or a StoredLayout with {len(first.dims)} "
                    f"chunk lengths (dims {list(first.dims)}), got {layout!r}"
                )
        object.__setattr__(self, "layouts", layouts)
        labels = dict(self.labels)
        for name in labels:
            check_name(name, "label")
        object.__setattr__(self, "labels", labels)
        tables = dict(self.tables)
        for name, source in tables.items():
            check_name(name, "table")
            if not isinstance(source, TableSource):
                raise NgffValueError(
                    f"tables[{name!r}]: expected a TableSource, got {type(source).__name__}"
                )
        object.__setattr__(self, "tables", tables)
        object.__setattr__(self, "attributes", dict(self.attributes))
        object.__setattr__(self, "extra_ome", dict(self.extra_ome))
        if self.chunks is not None:
            object.__setattr__(self, "chunks", dict(self.chunks))

    def _ensure_metadata_matches_images(self) -> None:
        meta = self.metadata
        if len(meta.datasets) != len(self.images):
            raise NgffValueError(
                f"metadata.datasets: {len(meta.datasets)} levels described but {len(self.images)} "
                f"images given"
            )
        if meta.axis_names != self.images[0].dims:
            raise NgffValueError(
                f"metadata.axes: names {list(meta.axis_names)} differ from the image dims "
                f"{list(self.images[0].dims)}"
            )
        for i, (ds, img) in enumerate(zip(meta.datasets, self.images, strict=True)):
            scale = tuple(img.scale[d] for d in img.dims)
            offset = tuple(img.translation[d] for d in img.dims)
            if not (_close(ds.scale, scale) and _close(ds.offset, offset)):
                raise NgffValueError(
                    f"metadata.datasets[{i}] ({ds.path!r}): scale {list(ds.scale)} / translation "
                    f"{list(ds.offset)} differ from images[{i}]'s {list(scale)} / {list(offset)}"
                )

    @property
    def image_attrs(self) -> ImageAttrs:
        """The spec's view of this pyramid: what an image group's attributes hold.

        The model keeps ngff-zarr's field names (``metadata``, ``omero`` ...); this is the one
        place they map to the spec's `ImageAttrs` (the writer encodes it).

        Examples
        --------
        >>> import numpy as np
        >>> from ngffkit import to_multiscales
        >>> to_multiscales(np.zeros((8, 8), "u1")).image_attrs.multiscales[0].axis_names
        ('y', 'x')
        """
        return ImageAttrs(
            multiscales=(self.metadata,),
            omero=self.omero,
            image_label=self.image_label,
            extra=self.attributes,
            extra_ome=self.extra_ome,
        )

    @property
    def is_label(self) -> bool:
        """True for a label image: it has ``image-label`` metadata or integer label pixels.

        Examples
        --------
        >>> import numpy as np
        >>> from ngffkit import to_multiscales, to_ngff_image
        >>> to_multiscales(to_ngff_image(np.zeros((8, 8), "u2"), is_label=True)).is_label
        True
        """
        return self.image_label is not None or self.images[0].is_label

    @property
    def paths(self) -> tuple[str, ...]:
        """Dataset paths, level 0 first."""
        return self.metadata.paths

    def to_datatree(self) -> xr.DataTree:
        """The pyramid as a lazy `xarray.DataTree`: one node per level, named by its path.

        Each node holds one variable, the level as [`NgffImage.to_xarray`][ngffkit.NgffImage.to_xarray]
        gives it (physical coordinates, units, channel names); the tree's attributes carry
        the multiscale's name and method. No pixels are read.

        Examples
        --------
        >>> import numpy as np
        >>> from ngffkit import to_multiscales
        >>> tree = to_multiscales(np.zeros((64, 64), "u1"), scale_factors=[2]).to_datatree()
        >>> sorted(tree.children), tree["1"]["image"].shape
        (['0', '1'], (32, 32))
        """
        import xarray as xr

        nodes = {
            f"/{path}": xr.Dataset({image.name: image.to_xarray()})
            for path, image in zip(self.paths, self.images, strict=True)
        }
        tree = xr.DataTree.from_dict(nodes)
        tree.attrs.update(
            {k: v for k, v in (("name", self.metadata.name), ("method", self.method)) if v}
        )
        return tree

    def __repr__(self) -> str:
        first = self.images[0]
        lines = [
            f"Multiscales(name={self.metadata.name!r}, levels={len(self.images)}, "
            f"dims={first.dims}, dtype={first.dtype}, method={self.method or self.metadata.type!r})"
        ]
        for path, img in zip(self.paths, self.images, strict=True):
            chunks = tuple(int(c[0]) for c in img.data.chunks)
            scale = ", ".join(f"{d}={img.scale[d]:g}" for d in img.dims)
            lines.append(
                f"  {path:>8}: shape {img.shape}, chunks {chunks}, scale {scale}, "
                f"{_format_bytes(img.nbytes)}"
            )
        units = first.axes_units
        if units:
            lines.append("  units: " + ", ".join(f"{d}={u}" for d, u in units.items()))
        if self.omero is not None:
            lines.append("  channels: " + ", ".join(str(c.label) for c in self.omero.channels))
        if self.labels:
            lines.append("  labels: " + ", ".join(self.labels))
        if self.tables:
            lines.append("  tables: " + ", ".join(self.tables))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        first = self.images[0]
        head = "".join(
            f"<th>{h}</th>" for h in ("path", "shape", "chunks", "scale", "translation", "size")
        )
        rows = []
        for path, img in zip(self.paths, self.images, strict=True):
            cells = (
                path,
                " × ".join(map(str, img.shape)),
                " × ".join(str(int(c[0])) for c in img.data.chunks),
                ", ".join(f"{img.scale[d]:g}" for d in img.dims),
                ", ".join(f"{img.translation[d]:g}" for d in img.dims),
                _format_bytes(img.nbytes),
            )
            rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        units = ", ".join(f"{d}: {u}" for d, u in first.axes_units.items()) or "none"
        caption = html.escape(
            f"Multiscales '{self.metadata.name}': dims ({', '.join(first.dims)}), {first.dtype}, "
            f"units {units}, method {self.method or self.metadata.type}"
        )
        table = f"<table><caption>{caption}</caption><tr>{head}</tr>{''.join(rows)}</table>"
        return with_thumbnail(
            table,
            [img.data for img in self.images],
            first.dims,
            omero=self.omero,
            label=self.is_label,
        )


def _close(a: Sequence[float], b: Sequence[float]) -> bool:
    return len(a) == len(b) and all(
        math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12) for x, y in zip(a, b, strict=True)
    )
