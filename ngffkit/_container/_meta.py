"""Pure values the container shows: pixel sizes, dimensions, channels and image metadata.

Nothing here touches a store; each value is built from the model
([`NgffImage`][ngffkit.NgffImage], [`Multiscales`][ngffkit.Multiscales]) by a
``*_of`` function.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final

import numpy as np

from ngffkit.errors import NgffKeyError, NgffTypeError, NgffValueError
from ngffkit.model import Multiscales, NgffImage
from ngffkit.spec import (
    ImageLabel,
    MultiscaleMetadata,
    Omero,
    OmeroChannel,
    OmeroWindow,
    ReadableVersion,
)

__all__ = [
    "PixelSize",
    "Dimensions",
    "Channel",
    "ChannelsMeta",
    "ImageMeta",
    "parse_color",
    "pixel_size_of",
    "dimensions_of",
    "channels_meta_of",
    "image_meta_of",
    "dtype_window",
    "filled_omero",
    "format_shape",
    "overview_rows",
]

COLOR_NAMES: Final[Mapping[str, str]] = {
    "red": "FF0000",
    "green": "00FF00",
    "blue": "0000FF",
    "cyan": "00FFFF",
    "magenta": "FF00FF",
    "yellow": "FFFF00",
    "white": "FFFFFF",
    "gray": "808080",
    "grey": "808080",
    "orange": "FFA500",
}
"""Colour names accepted wherever a channel colour is given, besides ``RRGGBB`` hex."""


def parse_color(color: object, *, where: str = "color") -> str:
    """Normalise a channel colour (``"FF00FF"``, ``"#ff00ff"``, ``"magenta"``) to ``RRGGBB``.

    Raises
    ------
    NgffValueError
        If *color* is neither six hex digits nor a known colour name.

    Examples
    --------
    >>> parse_color("#00ff00"), parse_color("magenta")
    ('00FF00', 'FF00FF')
    """
    if not isinstance(color, str):
        raise NgffTypeError(
            f"{where}: expected a hex string like 'FF0000' or a name, got {color!r}"
        )
    text = color.strip()
    named = COLOR_NAMES.get(text.lower())
    if named is not None:
        return named
    hexa = text.lstrip("#").upper()
    if len(hexa) != 6 or any(ch not in "0123456789ABCDEF" for ch in hexa):
        names = ", ".join(COLOR_NAMES)
        raise NgffValueError(
            f"{where}: expected six hex digits (RRGGBB, e.g. 'FF0000') or one of {names}; got {color!r}"
        )
    return hexa


# ----------------------------------------------------------------------------- pixel size


@dataclass(frozen=True, kw_only=True)
class PixelSize:
    """Physical size of one pixel of a resolution level, per axis, with units.

    Axes the image lacks have size 1.0 (as in ngio). ``unit`` is the space unit.

    Examples
    --------
    >>> ps = PixelSize(x=0.65, y=0.65, z=2.0)
    >>> ps.zyx, ps.unit
    ((2.0, 0.65, 0.65), 'micrometer')
    """

    x: float
    y: float
    z: float = 1.0
    t: float = 1.0
    space_unit: str | None = "micrometer"
    """UDUNITS-2 unit of the space axes, or None if the image gives none."""
    time_unit: str | None = None
    """UDUNITS-2 unit of the time axis, or None."""

    def __post_init__(self) -> None:
        for name in ("x", "y", "z", "t"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise NgffValueError(f"pixel size {name}: expected a number > 0, got {value!r}")
            object.__setattr__(self, name, float(value))

    @property
    def unit(self) -> str | None:
        """The space unit (``micrometer`` ...)."""
        return self.space_unit

    @property
    def zyx(self) -> tuple[float, float, float]:
        """``(z, y, x)``."""
        return (self.z, self.y, self.x)

    @property
    def yx(self) -> tuple[float, float]:
        """``(y, x)``."""
        return (self.y, self.x)

    @property
    def tzyx(self) -> tuple[float, float, float, float]:
        """``(t, z, y, x)``."""
        return (self.t, self.z, self.y, self.x)

    @property
    def voxel_volume(self) -> float:
        """``x * y * z`` in ``space_unit`` cubed."""
        return self.x * self.y * self.z

    def as_dict(self) -> dict[str, float]:
        """The sizes as ``{"t": ..., "z": ..., "y": ..., "x": ...}``.

        Examples
        --------
        >>> PixelSize(x=1, y=1).as_dict()
        {'t': 1.0, 'z': 1.0, 'y': 1.0, 'x': 1.0}
        """
        return {"t": self.t, "z": self.z, "y": self.y, "x": self.x}

    def distance(self, other: PixelSize) -> float:
        """Euclidean distance between two pixel sizes over t, z, y and x.

        Examples
        --------
        >>> PixelSize(x=1, y=1).distance(PixelSize(x=4, y=5))
        5.0
        """
        return math.dist(self.tzyx, other.tzyx)

    def isclose(self, other: PixelSize, *, rel_tol: float = 1e-6) -> bool:
        """True if every size matches *other* within *rel_tol*.

        Examples
        --------
        >>> PixelSize(x=0.65, y=0.65).isclose(PixelSize(x=0.6500000001, y=0.65))
        True
        """
        return all(
            math.isclose(a, b, rel_tol=rel_tol) for a, b in zip(self.tzyx, other.tzyx, strict=True)
        )

    def __str__(self) -> str:
        unit = f" {self.space_unit}" if self.space_unit else ""
        return f"z={self.z:g} y={self.y:g} x={self.x:g}{unit}" + (
            f", t={self.t:g} {self.time_unit or ''}".rstrip()
            if self.t != 1.0 or self.time_unit
            else ""
        )


def pixel_size_of(image: NgffImage) -> PixelSize:
    """Return the pixel size of one level.

    Examples
    --------
    >>> import numpy as np
    >>> from ngffkit.arrays import to_ngff_image
    >>> img = to_ngff_image(np.zeros((4, 8, 8), "u1"), scale={"z": 2, "y": 0.5, "x": 0.5},
    ...                     axes_units="micrometer")
    >>> pixel_size_of(img)
    PixelSize(x=0.5, y=0.5, z=2.0, t=1.0, space_unit='micrometer', time_unit=None)
    """
    space_unit = next((image.axes_units[d] for d in ("x", "y", "z") if d in image.axes_units), None)
    return PixelSize(
        x=image.scale.get("x", 1.0),
        y=image.scale.get("y", 1.0),
        z=image.scale.get("z", 1.0),
        t=image.scale.get("t", 1.0),
        space_unit=space_unit,
        time_unit=image.axes_units.get("t"),
    )


# ----------------------------------------------------------------------------- dimensions


@dataclass(frozen=True, kw_only=True)
class Dimensions:
    """Axis names and sizes of one resolution level.

    Examples
    --------
    >>> dims = Dimensions(axes=("c", "z", "y", "x"), shape=(3, 1, 256, 256))
    >>> dims.get("c"), dims["x"], dims.is_2d, dims.is_multi_channels
    (3, 256, True, True)
    """

    axes: tuple[str, ...]
    shape: tuple[int, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "axes", tuple(self.axes))
        object.__setattr__(self, "shape", tuple(int(s) for s in self.shape))
        if len(self.axes) != len(self.shape):
            raise NgffValueError(
                f"dimensions: {len(self.axes)} axes {list(self.axes)} but {len(self.shape)} sizes"
            )

    @property
    def axes_names(self) -> tuple[str, ...]:
        """Axis names in array order (same as ``axes``)."""
        return self.axes

    def get(self, axis: str, default: int | None = None) -> int | None:
        """Size of *axis*, or *default* if the image has no such axis.

        Examples
        --------
        >>> dims = Dimensions(axes=("z", "y", "x"), shape=(5, 64, 64))
        >>> dims.get("z"), dims.get("t"), dims.get("t", 1)
        (5, None, 1)
        """
        return dict(zip(self.axes, self.shape, strict=True)).get(axis, default)

    def __getitem__(self, axis: str) -> int:
        size = self.get(axis)
        if size is None:
            raise NgffKeyError(f"axis {axis!r}: not among the axes {list(self.axes)}")
        return size

    def __contains__(self, axis: object) -> bool:
        return axis in self.axes

    def __iter__(self) -> Iterator[str]:
        return iter(self.axes)

    def __len__(self) -> int:
        return len(self.axes)

    def has_axis(self, axis: str) -> bool:
        """True if the image has an axis named *axis*.

        Examples
        --------
        >>> dims = Dimensions(axes=("c", "y", "x"), shape=(2, 64, 64))
        >>> dims.has_axis("c"), dims.has_axis("z")
        (True, False)
        """
        return axis in self.axes

    def as_dict(self) -> dict[str, int]:
        """``{axis: size}`` in array order.

        Examples
        --------
        >>> Dimensions(axes=("y", "x"), shape=(4, 5)).as_dict()
        {'y': 4, 'x': 5}
        """
        return dict(zip(self.axes, self.shape, strict=True))

    @property
    def is_2d(self) -> bool:
        """True without a ``z`` axis or with ``z`` of size 1."""
        return self.get("z", 1) == 1

    @property
    def is_3d(self) -> bool:
        """True with a ``z`` axis longer than 1."""
        return not self.is_2d

    @property
    def is_time_series(self) -> bool:
        """True with a ``t`` axis longer than 1."""
        return self.get("t", 1) != 1

    @property
    def is_2d_time_series(self) -> bool:
        """2-D and a time series."""
        return self.is_2d and self.is_time_series

    @property
    def is_3d_time_series(self) -> bool:
        """3-D and a time series."""
        return self.is_3d and self.is_time_series

    @property
    def is_multi_channels(self) -> bool:
        """True with a ``c`` axis longer than 1."""
        return self.get("c", 1) != 1

    def __repr__(self) -> str:
        return (
            "Dimensions("
            + ", ".join(f"{a}={s}" for a, s in zip(self.axes, self.shape, strict=True))
            + ")"
        )


def dimensions_of(image: NgffImage) -> Dimensions:
    """Return the dimensions of one level.

    Examples
    --------
    >>> import numpy as np
    >>> from ngffkit.arrays import to_ngff_image
    >>> dimensions_of(to_ngff_image(np.zeros((2, 8, 8), "u1"), dims=("c", "y", "x")))
    Dimensions(c=2, y=8, x=8)
    """
    return Dimensions(axes=image.dims, shape=image.shape)


# ----------------------------------------------------------------------------- channels


def dtype_window(dtype: object) -> OmeroWindow:
    """The display window that spans a dtype's range (0 to 1 for floats and bools).

    Examples
    --------
    >>> dtype_window("uint8")
    OmeroWindow(min=0.0, max=255.0, start=0.0, end=255.0)
    """
    dt = np.dtype(dtype)  # type: ignore[call-overload]
    if dt.kind in "iu":
        info = np.iinfo(dt)
        low, high = float(info.min), float(info.max)
    else:
        low, high = 0.0, 1.0
    return OmeroWindow(min=low, max=high, start=low, end=high)


@dataclass(frozen=True, kw_only=True)
class Channel:
    """One channel's label and rendering settings (from the ``omero`` metadata).

    Examples
    --------
    >>> channel = Channel(label="GFP", color=parse_color("magenta"), window=dtype_window("u2"))
    >>> channel.label, channel.color, channel.window.end, channel.active
    ('GFP', 'FF00FF', 65535.0, True)
    """

    label: str
    color: str
    """Six hex digits ``RRGGBB``."""
    window: OmeroWindow
    """Data range (``min``, ``max``) and displayed range (``start``, ``end``)."""
    active: bool = True
    wavelength_id: str | None = None
    """Fractal's wavelength identifier, when the store has one."""


@dataclass(frozen=True, kw_only=True)
class ChannelsMeta:
    """The channels of an image, in channel order.

    Examples
    --------
    >>> w = dtype_window("uint8")
    >>> meta = ChannelsMeta(channels=(Channel(label="DAPI", color="0000FF", window=w),))
    >>> meta.channel_labels, meta.get_channel_idx("DAPI")
    (('DAPI',), 0)
    """

    channels: tuple[Channel, ...]

    @property
    def channel_labels(self) -> tuple[str, ...]:
        """Channel labels."""
        return tuple(c.label for c in self.channels)

    @property
    def channel_colors(self) -> tuple[str, ...]:
        """Channel colours as ``RRGGBB``."""
        return tuple(c.color for c in self.channels)

    @property
    def channel_windows(self) -> tuple[tuple[float, float], ...]:
        """Displayed range ``(start, end)`` per channel."""
        return tuple((c.window.start, c.window.end) for c in self.channels)

    @property
    def wavelength_ids(self) -> tuple[str | None, ...]:
        """Wavelength identifiers (None where absent)."""
        return tuple(c.wavelength_id for c in self.channels)

    @property
    def num_channels(self) -> int:
        """Number of channels."""
        return len(self.channels)

    def get_channel_idx(
        self, channel_label: str | None = None, wavelength_id: str | None = None
    ) -> int:
        """Index of the channel with *channel_label* (or *wavelength_id*).

        Raises
        ------
        NgffValueError
            Unless exactly one of *channel_label* and *wavelength_id* is given.
        NgffKeyError
            If no channel has that label, naming the known ones.

        Examples
        --------
        >>> w = dtype_window("uint16")
        >>> meta = ChannelsMeta(channels=(
        ...     Channel(label="DAPI", color="0000FF", window=w, wavelength_id="A01_C01"),
        ...     Channel(label="GFP", color="00FF00", window=w, wavelength_id="A02_C02"),
        ... ))
        >>> meta.get_channel_idx("GFP"), meta.get_channel_idx(wavelength_id="A01_C01")
        (1, 0)
        """
        if (channel_label is None) == (wavelength_id is None):
            raise NgffValueError(
                "get_channel_idx: give exactly one of channel_label or wavelength_id"
            )
        if channel_label is not None:
            known: tuple[str | None, ...] = self.channel_labels
            wanted: str = channel_label
            what = "label"
        else:
            assert wavelength_id is not None
            known, wanted, what = self.wavelength_ids, wavelength_id, "wavelength_id"
        if wanted not in known:
            raise NgffKeyError(
                f"channel {what} {wanted!r}: not among the image's channels {list(known)}"
            )
        return known.index(wanted)


def _window_of(channel: OmeroChannel, fallback: OmeroWindow) -> OmeroWindow:
    return channel.window if channel.window is not None else fallback


def filled_omero(omero: Omero | None, *, n_channels: int, dtype: object) -> Omero:
    """Return *omero* made complete: one channel per index, labels, colours and windows.

    Missing windows are the dtype's range, missing labels ``channel_<i>``, and a
    channel count that does not match the image is replaced by defaults (keeping
    the labels that are there). Unknown keys are kept.

    Examples
    --------
    >>> filled = filled_omero(Omero(channels=(OmeroChannel(label="DAPI"),)), n_channels=2, dtype="u1")
    >>> [(c.label, c.window.end) for c in filled.channels]
    [('DAPI', 255.0), ('channel_1', 255.0)]
    """
    fallback = dtype_window(dtype)
    palette = (
        ("FFFFFF",)
        if n_channels == 1
        else ("00FFFF", "FF00FF", "FFFF00", "FF0000", "00FF00", "0000FF", "FFFFFF")
    )
    given = tuple(omero.channels) if omero is not None else ()
    channels = []
    for i in range(n_channels):
        if i < len(given):
            ch = given[i]
            channels.append(
                replace(
                    ch,
                    label=ch.label if ch.label is not None else f"channel_{i}",
                    window=_window_of(ch, fallback),
                )
            )
        else:
            channels.append(
                OmeroChannel(label=f"channel_{i}", color=palette[i % len(palette)], window=fallback)
            )
    return Omero(channels=tuple(channels), extra=omero.extra if omero is not None else {})


def channels_meta_of(ms: Multiscales) -> ChannelsMeta:
    """Return the channels of a pyramid, filling what the ``omero`` metadata lacks.

    An image without a ``c`` axis has one channel.

    Examples
    --------
    >>> import numpy as np
    >>> from ngffkit.pyramids import to_multiscales
    >>> ms = to_multiscales(np.zeros((2, 8, 8, 8), "u2"), scale_factors=[])
    >>> channels_meta_of(ms).channel_labels
    ('channel_0', 'channel_1')
    """
    first = ms.images[0]
    n = first.shape[first.dims.index("c")] if "c" in first.dims else 1
    omero = filled_omero(ms.omero, n_channels=n, dtype=first.dtype)
    return ChannelsMeta(
        channels=tuple(
            Channel(
                label=str(ch.label),
                color=ch.color,
                window=ch.window if ch.window is not None else dtype_window(first.dtype),
                active=ch.active,
                wavelength_id=(
                    str(ch.extra["wavelength_id"])
                    if ch.extra.get("wavelength_id") is not None
                    else None
                ),
            )
            for ch in omero.channels
        )
    )


# ----------------------------------------------------------------------------- image meta


@dataclass(frozen=True, kw_only=True)
class ImageMeta:
    """What the metadata says about an image or label pyramid (no pixels).

    ``levels_paths`` (ngio 0.4) and ``level_paths`` (ngio 1.x) are the same.

    Examples
    --------
    >>> import numpy as np
    >>> from ngffkit.arrays import to_ngff_image
    >>> from ngffkit.pyramids import to_multiscales
    >>> image = to_ngff_image(np.zeros((2, 32, 32), "u2"), dims=("c", "y", "x"), scale={"y": 0.5, "x": 0.5})
    >>> meta = image_meta_of(to_multiscales(image, scale_factors=[2]), "0.5")
    >>> meta.axes_names, meta.levels_paths == meta.level_paths, meta.pixel_sizes[1].x
    (('c', 'y', 'x'), True, 1.0)
    """

    name: str | None
    version: ReadableVersion
    """OME-NGFF version of the store (``"0.4"``, ``"0.5"`` ...)."""
    axes_names: tuple[str, ...]
    paths: tuple[str, ...]
    """Dataset paths, highest resolution first."""
    shapes: tuple[tuple[int, ...], ...]
    pixel_sizes: tuple[PixelSize, ...]
    translations: tuple[Mapping[str, float], ...]
    dtype: str
    channels_meta: ChannelsMeta | None
    """Channels of an image; None for a label image."""
    image_label: ImageLabel | None
    """``image-label`` metadata of a label image; None for an image."""
    multiscale: MultiscaleMetadata
    """The ``multiscales[0]`` entry as read."""
    method: str | None
    """Downsampling method recorded in the metadata (``type``), if any."""

    @property
    def levels(self) -> int:
        """Number of resolution levels."""
        return len(self.paths)

    @property
    def level_paths(self) -> tuple[str, ...]:
        """Dataset paths (ngio 1.x name)."""
        return self.paths

    @property
    def levels_paths(self) -> tuple[str, ...]:
        """Dataset paths (ngio 0.4 name)."""
        return self.paths

    @property
    def pixel_size(self) -> PixelSize:
        """Pixel size of the highest resolution."""
        return self.pixel_sizes[0]

    @property
    def space_unit(self) -> str | None:
        """Unit of the space axes."""
        return self.pixel_sizes[0].space_unit

    @property
    def time_unit(self) -> str | None:
        """Unit of the time axis."""
        return self.pixel_sizes[0].time_unit

    @property
    def channel_labels(self) -> tuple[str, ...]:
        """Channel labels (empty for a label image)."""
        return self.channels_meta.channel_labels if self.channels_meta is not None else ()

    @property
    def dimensions(self) -> Dimensions:
        """Axes and sizes of the highest resolution."""
        return Dimensions(axes=self.axes_names, shape=self.shapes[0])

    def index_of(
        self,
        path: str | None = None,
        pixel_size: PixelSize | float | Sequence[float] | Mapping[str, float] | None = None,
        *,
        strict: bool = False,
        lowest: bool = False,
    ) -> int:
        """Index of the level chosen by *path*, *pixel_size*, *lowest* (default: level 0).

        The selectors and the errors are those of
        [`OmeZarrContainer.get_image`][ngffkit.OmeZarrContainer.get_image], which calls this.

        Examples
        --------
        >>> import numpy as np
        >>> from ngffkit.pyramids import to_multiscales
        >>> meta = image_meta_of(to_multiscales(np.zeros((64, 64), "u1"), scale_factors=[2, 4]), "0.5")
        >>> meta.index_of("1"), meta.index_of(pixel_size=3.5), meta.index_of(lowest=True)
        (1, 2, 2)
        """
        given = [name for name, v in (("path", path), ("pixel_size", pixel_size)) if v is not None]
        if lowest:
            given.append("lowest")
        if len(given) > 1:
            raise NgffValueError(
                f"level: give at most one of path, pixel_size, lowest; got {given}"
            )
        if lowest:
            return len(self.paths) - 1
        if path is not None:
            if str(path) not in self.paths:
                raise NgffKeyError(
                    f"path {path!r}: not a resolution level of {self.name or 'this image'}; the "
                    f"levels are {list(self.paths)}"
                )
            return self.paths.index(str(path))
        if pixel_size is None:
            return 0
        wanted = _parse_pixel_size(pixel_size, self.pixel_sizes[0])
        if strict:
            for i, ps in enumerate(self.pixel_sizes):
                if ps.isclose(wanted):
                    return i
            raise NgffValueError(
                f"pixel_size {wanted}: no level has exactly this pixel size (strict=True); the levels "
                f"have {[str(ps) for ps in self.pixel_sizes]}"
            )
        distances = [ps.distance(wanted) for ps in self.pixel_sizes]
        return distances.index(min(distances))

    def __str__(self) -> str:
        lines = [
            f"ImageMeta(name={self.name!r}, version={self.version!r}, axes={', '.join(self.axes_names)}, "
            f"dtype={self.dtype}, levels={self.levels})"
        ]
        for path, shape, ps in zip(self.paths, self.shapes, self.pixel_sizes, strict=True):
            lines.append(f"  {path:>6}: shape {' x '.join(map(str, shape))}, pixel size {ps}")
        if self.channels_meta is not None and self.channels_meta.channels:
            lines.append("  channels: " + ", ".join(self.channel_labels))
        return "\n".join(lines)


def _parse_pixel_size(value: object, reference: PixelSize) -> PixelSize:
    """Turn a pixel-size selector into a `PixelSize`; missing axes keep *reference*'s."""
    if isinstance(value, PixelSize):
        return value
    sizes = reference.as_dict()
    if isinstance(value, bool | str):
        raise NgffTypeError(
            f"pixel_size: expected a number, a sequence or a PixelSize, got {value!r}"
        )
    if isinstance(value, int | float):
        sizes.update(y=float(value), x=float(value))
    elif isinstance(value, Mapping):
        unknown = sorted(set(value) - set(sizes))
        if unknown:
            raise NgffValueError(f"pixel_size: axes {unknown} are not among t, z, y, x")
        sizes.update({str(k): float(v) for k, v in value.items()})
    elif isinstance(value, Sequence):
        values = [float(v) for v in value]
        names = {2: ("y", "x"), 3: ("z", "y", "x"), 4: ("t", "z", "y", "x")}.get(len(values))
        if names is None:
            raise NgffValueError(
                f"pixel_size: expected (y, x), (z, y, x) or (t, z, y, x), got {list(value)}"
            )
        sizes.update(zip(names, values, strict=True))
    else:
        raise NgffTypeError(
            f"pixel_size: expected a number, a sequence or a PixelSize, got {value!r}"
        )
    return PixelSize(
        x=sizes["x"],
        y=sizes["y"],
        z=sizes["z"],
        t=sizes["t"],
        space_unit=reference.space_unit,
        time_unit=reference.time_unit,
    )


def image_meta_of(ms: Multiscales, version: ReadableVersion) -> ImageMeta:
    """Return the `ImageMeta` of a pyramid.

    Examples
    --------
    >>> import numpy as np
    >>> from ngffkit.pyramids import to_multiscales
    >>> meta = image_meta_of(to_multiscales(np.zeros((3, 4, 64, 64), "u2"), scale_factors=[2]), "0.5")
    >>> meta.levels, meta.levels_paths, meta.channels_meta.channel_labels
    (2, ('0', '1'), ('channel_0', 'channel_1', 'channel_2'))
    """
    first = ms.images[0]
    return ImageMeta(
        name=ms.metadata.name,
        version=version,
        axes_names=first.dims,
        paths=ms.paths,
        shapes=tuple(img.shape for img in ms.images),
        pixel_sizes=tuple(pixel_size_of(img) for img in ms.images),
        translations=tuple(dict(img.translation) for img in ms.images),
        dtype=str(first.dtype),
        channels_meta=None if ms.is_label else channels_meta_of(ms),
        image_label=ms.image_label,
        multiscale=ms.metadata,
        method=ms.method or ms.metadata.type,
    )


def format_shape(shape: Sequence[int]) -> str:
    """A shape as people write it in text.

    Examples
    --------
    >>> format_shape((2, 64, 64))
    '2 x 64 x 64'
    """
    return " x ".join(str(s) for s in shape)


def overview_rows(
    multiscales: Multiscales,
    meta: ImageMeta,
    *,
    where: str,
    state: str,
    listers: Mapping[str, Callable[[], Sequence[str]]],
) -> list[tuple[str, str]]:
    """The (title, text) rows of a container's overview: store, image, levels, channels, and
    the names each lister returns (a lister that fails shows why; a repr must not fail).

    Examples
    --------
    >>> import numpy as np, ngffkit
    >>> ms = ngffkit.to_multiscales(ngffkit.to_ngff_image(np.zeros((8, 8), "u1")))
    >>> rows = overview_rows(ms, image_meta_of(ms, "0.5"), where="mem", state="0.5",
    ...                      listers={"labels": lambda: []})
    >>> rows[0], rows[-1]
    (('store', 'mem'), ('labels', 'none'))
    """
    first = multiscales.images[0]
    rows: list[tuple[str, str]] = [
        ("store", where),
        ("version", state),
        ("image", f"{meta.name!r}, axes {', '.join(first.dims)}, {first.dtype}"),
        ("levels", f"{len(multiscales.images)} (paths {', '.join(multiscales.paths)})"),
    ]
    for path, shape, ps in zip(meta.paths, meta.shapes, meta.pixel_sizes, strict=True):
        rows.append((f"  {path}", f"{format_shape(shape)}, pixel size {ps}"))
    if "c" in first.dims or multiscales.omero is not None:
        labels = channels_meta_of(multiscales).channel_labels
        rows.append(("channels", ", ".join(labels)))
    for title, lister in listers.items():
        try:
            names = lister()
        except Exception as exc:  # a repr must not fail: show why instead
            rows.append((title, f"(unreadable: {exc})"))
        else:
            rows.append((title, ", ".join(names) if names else "none"))
    return rows
