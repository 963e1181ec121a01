"""Planning the container's new pyramids: its argument spellings, and empty and label pyramids.

Pure: each function returns a [`Multiscales`][ngffkit.Multiscales] (lazy zeros where the
image is new) and writes nothing; the creators in `_create` and `_derive` and the
container's `derive_label` write them with [`to_ngff_zarr`][ngffkit.to_ngff_zarr].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import dask.array as da
import numpy as np

from ngffkit._container._meta import Channel, filled_omero, parse_color
from ngffkit.arrays import default_dims, to_ngff_image
from ngffkit.errors import NgffTypeError, NgffValueError
from ngffkit.methods import DEFAULT_LABEL_METHOD, method_metadata
from ngffkit.model import Multiscales, NgffImage, metadata_from_images
from ngffkit.pyramids import ChunksLike, to_multiscales
from ngffkit.spec import ImageLabel, LabelColor, NgffVersion, Omero, parse_version

if TYPE_CHECKING:
    from ngffkit.methods import Methods

__all__ = [
    "parse_version_args",
    "parse_pixelsize",
    "parse_positive",
    "zeros_levels",
    "plan_image",
    "label_pyramid",
    "parse_label_colors",
    "parse_label_properties",
    "level_factors",
]


def parse_version_args(
    version: NgffVersion | str | None, ngff_version: NgffVersion | str | None, default: NgffVersion
) -> NgffVersion:
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


def parse_pixelsize(
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


def parse_positive(value: float | None, what: str) -> float | None:
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


def zeros_levels(ms: Multiscales) -> Multiscales:
    """The same pyramid with every level lazy zeros: nothing is downsampled or computed."""
    images = tuple(
        replace(img, data=da.zeros(img.shape, dtype=img.dtype, chunks=img.data.chunks))
        for img in ms.images
    )
    return replace(ms, images=images)


def plan_image(
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
    yx = parse_pixelsize(pixelsize, xy_pixelsize)
    if yx is None:
        raise NgffValueError(
            "pixelsize: required, the y/x pixel size (a number or (y, x)); ngio 0.4 calls it xy_pixelsize"
        )
    dims = _parse_axes_names(axes_names, len(data.shape))
    z = parse_positive(z_spacing, "z_spacing")
    t = parse_positive(time_spacing, "time_spacing")
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


def _parse_rgba(value: object, where: str) -> tuple[int, int, int, int]:
    if isinstance(value, str):
        hexa = parse_color(value, where=where)
        return (int(hexa[0:2], 16), int(hexa[2:4], 16), int(hexa[4:6], 16), 255)
    if isinstance(value, Sequence) and len(value) in (3, 4):
        rgba = tuple(int(v) for v in value)
        if any(not 0 <= v <= 255 for v in rgba):
            raise NgffValueError(f"{where}: expected values 0-255, got {list(value)}")
        return (*rgba, 255)[:4] if len(rgba) == 3 else rgba  # type: ignore[return-value]
    raise NgffTypeError(
        f"{where}: expected (r, g, b[, a]) with values 0-255 or a hex colour, got {value!r}"
    )


def parse_label_colors(colors: Mapping[int, object]) -> tuple[LabelColor, ...]:
    """``{label_value: colour}`` (``(r, g, b[, a])`` or ``"RRGGBB"``) as spec colours.

    Examples
    --------
    >>> parse_label_colors({1: "FF0000", 2: (0, 255, 0)})
    (LabelColor(label_value=1, rgba=(255, 0, 0, 255)), LabelColor(label_value=2, rgba=(0, 255, 0, 255)))
    """
    out = []
    for value, color in colors.items():
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise NgffTypeError(f"colors: keys must be integer label values, got {value!r}")
        out.append(LabelColor(label_value=int(value), rgba=_parse_rgba(color, f"colors[{value}]")))
    return tuple(out)


def parse_label_properties(
    properties: Mapping[int, Mapping[str, Any]] | Sequence[Mapping[str, Any]],
) -> tuple[dict[str, Any], ...]:
    """``{label_value: {...}}`` or a list of dicts with ``"label-value"`` as spec properties.

    Examples
    --------
    >>> parse_label_properties({1: {"area": 10}})
    ({'label-value': 1, 'area': 10},)
    """
    if isinstance(properties, Mapping):
        return tuple({"label-value": int(k), **dict(v)} for k, v in properties.items())
    out = []
    for i, p in enumerate(properties):
        if not isinstance(p, Mapping) or "label-value" not in p:
            raise NgffValueError(
                f"properties[{i}]: expected a mapping with a 'label-value' key, got {p!r}"
            )
        out.append(dict(p))
    return tuple(out)


def level_factors(ms: Multiscales, where: str) -> list[dict[str, int]]:
    """Each lower level's integer factor per space axis relative to level 0, to replan it.

    Raises
    ------
    NgffValueError
        If a level's scale is not an integer multiple of level 0's, or a non-space axis is
        downsampled: such a pyramid cannot be recomputed.

    Examples
    --------
    >>> import numpy as np
    >>> from ngffkit.pyramids import to_multiscales
    >>> level_factors(to_multiscales(np.zeros((64, 64), "u1"), scale_factors=[2, 4]), "img")
    [{'y': 2, 'x': 2}, {'y': 4, 'x': 4}]
    """
    images = ms.images
    base = images[0]
    spatial = base.spatial_dims
    factors = []
    for path, img in zip(ms.paths[1:], images[1:], strict=True):
        level: dict[str, int] = {}
        for d in base.dims:
            ratio = img.scale[d] / base.scale[d]
            f = round(ratio)
            if f < 1 or abs(ratio - f) > 1e-6 * max(1.0, ratio):
                raise NgffValueError(
                    f"consolidate {where}: level {path!r} has scale {img.scale[d]:g} on axis "
                    f"{d!r}, not an integer multiple of level {ms.paths[0]!r}'s "
                    f"{base.scale[d]:g}; ngffkit cannot recompute this pyramid"
                )
            if d not in spatial and f != 1:
                raise NgffValueError(
                    f"consolidate {where}: level {path!r} is downsampled along axis {d!r}, but "
                    f"only space axes can be; ngffkit cannot recompute this pyramid"
                )
            if d in spatial:
                level[d] = f
        factors.append(level)
    return factors
