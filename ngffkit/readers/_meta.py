"""What image files say about their pixels, as plain values: axes, sizes, units, channels.

Pure functions over the metadata each format carries (OME-XML text, ImageJ's dictionary,
tifffile's axis codes); the readers in this room open the files and call them.

Examples
--------
>>> ome_color(65535), ome_color(-16776961)
('0000FF', 'FF0000')
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ngffkit.errors import NgffValueError
from ngffkit.spec.units import SPACE_UNITS, TIME_UNITS, UNIT_ALIASES

__all__ = [
    "FileMetadata",
    "ome_color",
    "file_unit",
    "tiff_dims",
    "ome_metadata",
    "imagej_metadata",
    "RGB_NAMES",
    "RGB_COLORS",
]

RGB_NAMES = ("red", "green", "blue", "alpha")
RGB_COLORS = ("FF0000", "00FF00", "0000FF", "FFFFFF")

_NO_UNIT = ("pixel", "pixels", "")

# tifffile's axis codes (tifffile.TIFF.AXES_NAMES) and the OME-NGFF axis each becomes.
# S (samples: the colour components of an RGB page) is the channel axis; E (lambda) is
# a channel axis too. Q, I (unknown, an image sequence) and the rest get a name below.
_AXIS_CODES = {"T": "t", "C": "c", "S": "c", "E": "c", "Z": "z", "Y": "y", "X": "x"}


@dataclass(frozen=True, kw_only=True)
class FileMetadata:
    """What a file says about one image: every field may be missing.

    Readers fill it from the file's own metadata (OME-XML, ImageJ tags ...);
    `to_ngff_image` options given by the caller win over it.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> from ngffkit.readers import open_image
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "plane.npy"; np.save(p, np.zeros((4, 6), "u1"))
    >>> meta = open_image(p).metadata  # a .npy file says nothing but its shape
    >>> meta.dims, dict(meta.scale), meta.channel_names
    (('y', 'x'), {}, None)
    >>> FileMetadata(dims=("z", "y", "x"), scale={"z": 2.0}, units={"z": "micrometer"}).units["z"]
    'micrometer'
    """

    dims: tuple[str, ...]
    """Axis names in the file's array order."""
    scale: Mapping[str, float] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)
    channel_names: tuple[str, ...] | None = None
    channel_colors: tuple[str, ...] | None = None
    name: str | None = None
    translation: Mapping[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    """What was read but could not be carried over (an unknown unit ...), one line each."""


def ome_color(value: int | str) -> str:
    """An OME ``Color`` (a signed 32-bit RGBA integer) as six hex digits, RGB.

    Examples
    --------
    >>> ome_color("-1"), ome_color(16711935)
    ('FFFFFF', '00FF00')
    """
    rgba = int(value) & 0xFFFFFFFF
    return f"{rgba >> 8:06X}"


def file_unit(unit: str | None, axis_type: str) -> str | None:
    """The UDUNITS-2 name of a unit as files spell it (``µm``, ``micron``, ``sec``), or None.

    Examples
    --------
    >>> file_unit("\\u00b5m", "space"), file_unit("pixel", "space"), file_unit("ms", "time")
    ('micrometer', None, 'millisecond')
    """
    if not unit:
        return None
    allowed = SPACE_UNITS if axis_type == "space" else TIME_UNITS
    text = unit.strip().replace("\\u00B5", "µ").replace("\\u00b5", "µ")
    name = UNIT_ALIASES.get(text.lower(), text.lower())
    return name if name in allowed else None


def tiff_dims(axes: str) -> tuple[str, ...]:
    """OME-NGFF axis names for tifffile's axis codes (``"ZCYX"``, ``"QYX"``, ``"YXS"``).

    Codes without an OME-NGFF axis (``Q`` unknown, ``I`` a sequence of pages ...) take the
    first free name of `z`, `t`, `c`, the order in which plain stacks usually mean them.

    Raises
    ------
    NgffValueError
        If two codes name the same axis (``C`` and ``S``: channels of RGB pixels), or more
        than three axes have no name.

    Examples
    --------
    >>> tiff_dims("TZCYX"), tiff_dims("QYX"), tiff_dims("YXS")
    (('t', 'z', 'c', 'y', 'x'), ('z', 'y', 'x'), ('y', 'x', 'c'))
    """
    named = [_AXIS_CODES.get(code) for code in axes]
    known = [n for n in named if n is not None]
    if len(set(known)) != len(known):
        raise NgffValueError(
            f"axes {axes!r}: two axes would both be {sorted({n for n in known if known.count(n) > 1})}; "
            f"give the names with dims="
        )
    free = iter(n for n in ("z", "t", "c") if n not in known)
    out = []
    for code, name in zip(axes, named, strict=True):
        if name is None:
            name = next(free, None)
            if name is None:
                raise NgffValueError(f"axes {axes!r}: no OME-NGFF axis left for {code!r}")
        out.append(name)
    return tuple(out)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _images_with_pixels(root: ET.Element) -> list[ET.Element]:
    return [
        image
        for image in root
        if _local(image.tag) == "Image"
        and any(
            _local(p.tag) == "Pixels" and any(_local(d.tag) == "TiffData" for d in p) for p in image
        )
    ]


def ome_metadata(xml: str, series: int, axes: str) -> FileMetadata:
    """Sizes, units, channel names and colours of image *series* from OME-XML text.

    *axes* are tifffile's axis codes of that series (its array order).

    Examples
    --------
    >>> xml = ('<OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06">'
    ...        '<Image Name="cells"><Pixels PhysicalSizeX="0.2" PhysicalSizeY="0.2" '
    ...        'PhysicalSizeZ="1.5" PhysicalSizeXUnit="µm"><Channel Name="DAPI" Color="65535"/>'
    ...        '<Channel Name="GFP" Color="16711935"/><TiffData/></Pixels></Image></OME>')
    >>> meta = ome_metadata(xml, 0, "CZYX")
    >>> meta.scale, meta.units["z"], meta.channel_names, meta.channel_colors
    ({'x': 0.2, 'y': 0.2, 'z': 1.5}, 'micrometer', ('DAPI', 'GFP'), ('0000FF', '00FF00'))
    """
    dims = tiff_dims(axes)
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        return FileMetadata(dims=dims, notes=(f"OME-XML unreadable ({exc}); sizes not read",))
    images = _images_with_pixels(root)
    if series >= len(images):
        return FileMetadata(dims=dims)
    image = images[series]
    pixels = next(p for p in image if _local(p.tag) == "Pixels")
    attrs = pixels.attrib
    scale: dict[str, float] = {}
    units: dict[str, str] = {}
    notes: list[str] = []
    # OME's default units: micrometre for sizes, second for the time increment.
    fields = [
        ("x", "PhysicalSizeX", "space", "µm"),
        ("y", "PhysicalSizeY", "space", "µm"),
        ("z", "PhysicalSizeZ", "space", "µm"),
        ("t", "TimeIncrement", "time", "s"),
    ]
    for dim, key, kind, default_unit in fields:
        if dim not in dims or key not in attrs:
            continue
        try:
            size = float(attrs[key])
        except ValueError:
            notes.append(f"{key}={attrs[key]!r} is not a number; not carried over")
            continue
        if not size > 0:
            continue
        scale[dim] = size
        spelled = attrs.get(f"{key}Unit", default_unit)
        unit = file_unit(spelled, kind)
        if unit is None:
            notes.append(f"{key}Unit={spelled!r} has no OME-NGFF name; axis {dim} has no unit")
        else:
            units[dim] = unit
    channels = [c for c in pixels if _local(c.tag) == "Channel"]
    n_channels = _channel_count(dims, axes, channels)
    names = colors = None
    if channels and n_channels == len(channels):
        if all(c.get("Name") for c in channels):
            names = tuple(str(c.get("Name")) for c in channels)
        if all(c.get("Color") is not None for c in channels):
            try:
                colors = tuple(ome_color(str(c.get("Color"))) for c in channels)
            except ValueError:
                notes.append("a channel Color is not an integer; colours not carried over")
    return FileMetadata(
        dims=dims,
        scale=scale,
        units=units,
        channel_names=names,
        channel_colors=colors,
        name=image.get("Name") or None,
        notes=tuple(notes),
    )


def _channel_count(dims: Sequence[str], axes: str, channels: Sequence[Any]) -> int | None:
    """How many channels the array has: the OME Channel elements count them (1 when squeezed)."""
    if "c" not in dims:
        return 1 if len(channels) == 1 else None
    if "S" in axes and "C" not in axes:
        return None if len(channels) == 1 else len(channels)
    return len(channels)


def imagej_metadata(
    meta: Mapping[str, Any],
    axes: str,
    resolution: tuple[float, float] | None,
    luts: Sequence[Any] | None = None,
) -> FileMetadata:
    """Spacing, unit, frame interval and channel colours of an ImageJ hyperstack.

    *resolution* is the (x, y) pixels per unit of the TIFF tags; *luts* ImageJ's lookup
    tables (one 3 × 256 array per channel), whose brightest entry is the channel's colour.

    Examples
    --------
    >>> meta = imagej_metadata({"spacing": 1.5, "unit": "micron", "finterval": 2.0}, "TZCYX", (4.0, 4.0))
    >>> meta.dims, meta.scale
    (('t', 'z', 'c', 'y', 'x'), {'x': 0.25, 'y': 0.25, 'z': 1.5, 't': 2.0})
    >>> meta.units["z"], meta.units["t"]
    ('micrometer', 'second')
    """
    dims = tiff_dims(axes)
    scale: dict[str, float] = {}
    units: dict[str, str] = {}
    notes: list[str] = []
    spelled = str(meta.get("unit") or "")
    unit = file_unit(spelled, "space")
    calibrated = unit is not None
    if not calibrated and spelled.lower() not in _NO_UNIT:
        notes.append(f"ImageJ unit {spelled!r} has no OME-NGFF name; sizes kept without unit")
    if resolution is not None:
        for dim, per_unit in zip(("x", "y"), resolution, strict=True):
            if dim in dims and per_unit > 0 and (calibrated or spelled.lower() not in _NO_UNIT):
                scale[dim] = 1.0 / per_unit
    if "z" in dims and float(meta.get("spacing") or 0) > 0:
        scale["z"] = float(meta["spacing"])
    if unit is not None:
        units.update(dict.fromkeys([d for d in ("x", "y", "z") if d in scale], unit))
    if "t" in dims and float(meta.get("finterval") or 0) > 0:
        scale["t"] = float(meta["finterval"])
        units["t"] = file_unit(str(meta.get("tunit") or "s"), "time") or "second"
    colors = None
    n_channels = int(meta.get("channels") or 0)
    if luts is not None and n_channels and len(luts) == n_channels:
        colors = tuple("".join(f"{int(v):02X}" for v in lut[:, -1]) for lut in luts)
    return FileMetadata(
        dims=dims,
        scale=scale,
        units=units,
        channel_colors=colors,
        notes=tuple(notes),
    )
