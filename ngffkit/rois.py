"""Regions of interest: boxes in physical units (`Roi`) and in pixels of one level (`RoiPixels`).

A ROI is measured, as in Fractal and ngio, from the corner of the image's first pixel: the
pixel ``i`` of a level with pixel size ``px`` covers ``[i * px, (i + 1) * px)`` along the axis.
A ROI selects every pixel it overlaps: ``start = floor(x / px)`` and
``stop = ceil((x + length) / px)``, where a start or a length within 1/100 of a pixel of a
whole number of pixels counts as that number (Fractal tables store float32 corners:
447.8500061 um at 0.325 um per pixel is pixel 1378.00002, which is pixel 1378). A box has
at least one pixel per axis. Boxes are clipped to the level, as ngio does; a box that misses
the level entirely is an error.

Examples
--------
>>> roi = Roi(name="FOV_1", x=0.0, y=0.0, x_length=65.0, y_length=32.5)
>>> pixels = roi.to_roi_pixels({"x": 0.65, "y": 0.65})
>>> pixels.x, pixels.x_length, pixels.y_length
(0, 100, 50)
>>> pixels.to_slices()
{'y': slice(0, 50, None), 'x': slice(0, 100, None)}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final

from ngffkit.errors import NgffValueError

if TYPE_CHECKING:
    import dask.array as da
    import numpy as np

__all__ = ["Roi", "RoiPixels", "ROI_AXES", "SNAP", "label_boxes", "rois_of_boxes", "whole_roi"]

ROI_AXES: Final = ("t", "z", "y", "x")
"""The axes a ROI may span, in the order of an image's axes."""

SNAP: Final = 1e-2
"""How close (in pixels) a start or length must be to a whole number to count as it (ngio's)."""


def _snap(value: float) -> float:
    nearest = round(value)
    return float(nearest) if abs(value - nearest) < SNAP else value


def _pixel_size(pixel_size: Any, axis: str) -> float:
    value = (
        pixel_size.get(axis) if isinstance(pixel_size, Mapping) else getattr(pixel_size, axis, None)
    )
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise NgffValueError(f"pixel_size.{axis}: expected a number > 0, got {value!r}")
    return float(value)


def _number(value: object, what: str, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise NgffValueError(f"{what}: expected a finite number, got {value!r}")
    if positive and not value > 0:
        raise NgffValueError(f"{what}: expected a length > 0, got {value!r}")
    return float(value)


@dataclass(frozen=True, kw_only=True)
class RoiPixels:
    """A box in the pixels of one level: start and length per axis (None: the whole axis).

    Examples
    --------
    >>> RoiPixels(x=2, y=0, x_length=3, y_length=4).to_slices()
    {'y': slice(0, 4, None), 'x': slice(2, 5, None)}
    """

    name: str | None = None
    x: int
    y: int
    z: int | None = None
    t: int | None = None
    x_length: int
    y_length: int
    z_length: int | None = None
    t_length: int | None = None
    label: int | None = None

    def to_slices(self) -> dict[str, slice]:
        """``{axis: slice(start, start + length)}`` for the axes the box spans.

        Examples
        --------
        >>> RoiPixels(x=0, y=1, z=4, x_length=2, y_length=2, z_length=1).to_slices()["z"]
        slice(4, 5, None)
        """
        out: dict[str, slice] = {}
        for axis in ROI_AXES:
            start, length = getattr(self, axis), getattr(self, f"{axis}_length")
            if start is not None and length is not None:
                out[axis] = slice(start, start + length)
        return out


@dataclass(frozen=True, kw_only=True)
class Roi:
    """A box in physical units: corner and length per axis, measured from the first pixel's corner.

    ``z`` and ``t`` may be left out (the box spans the whole axis), as may ``name`` and
    ``label`` (the label id of a masking ROI).

    Examples
    --------
    >>> box = Roi(x=34.1, y=10, x_length=321.6, y_length=330).to_roi_pixels({"x": 0.65, "y": 0.65})
    >>> box.x, box.x_length, box.y, box.y_length
    (52, 496, 15, 509)
    """

    name: str | None = None
    x: float
    y: float
    z: float | None = None
    t: float | None = None
    x_length: float
    y_length: float
    z_length: float | None = None
    t_length: float | None = None
    unit: str | None = "micrometer"
    label: int | None = None

    def __post_init__(self) -> None:
        for axis in ROI_AXES:
            start, length = getattr(self, axis), getattr(self, f"{axis}_length")
            if axis in ("x", "y") or start is not None or length is not None:
                if start is None or length is None:
                    raise NgffValueError(
                        f"Roi{f' {self.name!r}' if self.name else ''}: {axis} and {axis}_length go together, got "
                        f"{axis}={start!r}, {axis}_length={length!r}"
                    )
                object.__setattr__(self, axis, _number(start, axis))
                object.__setattr__(
                    self, f"{axis}_length", _number(length, f"{axis}_length", positive=True)
                )

    @property
    def axes(self) -> tuple[str, ...]:
        """The axes the box spans, in image order (``("z", "y", "x")`` ...).

        Examples
        --------
        >>> Roi(x=0, y=0, z=2, x_length=10, y_length=10, z_length=1).axes
        ('z', 'y', 'x')
        """
        return tuple(a for a in ROI_AXES if getattr(self, a) is not None)

    def to_roi_pixels(self, pixel_size: Any, shape: Mapping[str, int] | None = None) -> RoiPixels:
        """The pixels of a level with *pixel_size* (``.x``/``.y``/``.z`` or a mapping) it overlaps.

        With *shape* (``{axis: size}``) the box is clipped to the level; a box that misses it
        is an error.

        Raises
        ------
        NgffValueError
            For a pixel size that is not a number > 0, or a box outside the level.

        Examples
        --------
        >>> roi = Roi(x=447.8500061, y=0.0, x_length=416.0, y_length=351.0)
        >>> roi.to_roi_pixels({"x": 0.325, "y": 0.325}).x  # float32 corner, pixel 1378
        1378
        >>> Roi(x=-10.0, y=0.0, x_length=20.0, y_length=5.0).to_roi_pixels(
        ...     {"x": 1.0, "y": 1.0}, shape={"x": 8, "y": 8}).x_length  # clipped to 0-8
        8
        """
        values: dict[str, int] = {}
        for axis in self.axes:
            px = _pixel_size(pixel_size, axis)
            start = _snap(float(getattr(self, axis)) / px)
            length = _snap(float(getattr(self, f"{axis}_length")) / px)
            first, stop = math.floor(start), math.ceil(start + length)
            stop = max(stop, first + 1)  # a box thinner than 1/100 pixel is still its pixel
            if shape is not None and axis in shape:
                size = int(shape[axis])
                first, stop = max(0, first), min(size, stop)
                if stop <= first:
                    raise NgffValueError(
                        f"Roi{f' {self.name!r}' if self.name else ''}: {axis} from {getattr(self, axis)} to "
                        f"{getattr(self, axis) + getattr(self, f'{axis}_length')} "
                        f"{self.unit or ''} lies outside the level (pixels 0 to {size} of "
                        f"{px} each)"
                    )
            values[axis], values[f"{axis}_length"] = first, stop - first
        return RoiPixels(name=self.name, label=self.label, **values)

    def zoom(self, factor: float) -> Roi:
        """The box grown (or shrunk) by *factor* around its centre in y and x, as ngio's.

        Examples
        --------
        >>> Roi(x=10.0, y=10.0, x_length=10.0, y_length=10.0).zoom(2).x
        5.0
        """
        factor = _number(factor, "zoom_factor", positive=True)

        def grown(start: float, length: float) -> tuple[float, float]:
            return max(start - length * (factor - 1) / 2, 0.0), length * factor

        x, x_length = grown(self.x, self.x_length)
        y, y_length = grown(self.y, self.y_length)
        return replace(self, x=x, x_length=x_length, y=y, y_length=y_length)


# ---------------------------------------------------------------------------- boxes of labels


def whole_roi(name: str | None, shape: Mapping[str, int], pixel_size: Any) -> Roi:
    """The ROI covering a whole level of *shape* (``{axis: size}``) and *pixel_size*.

    Examples
    --------
    >>> roi = whole_roi("image", {"c": 2, "z": 3, "y": 10, "x": 20}, {"z": 2.0, "y": 0.5, "x": 0.5})
    >>> roi.axes, roi.x_length, roi.y_length, roi.z_length
    (('z', 'y', 'x'), 10.0, 5.0, 6.0)
    """
    values: dict[str, Any] = {}
    for axis in ROI_AXES:
        if axis in shape:
            values[axis] = 0.0
            values[f"{axis}_length"] = int(shape[axis]) * _pixel_size(pixel_size, axis)
    return Roi(name=name, **values)


def _block_boxes(block: np.ndarray, offset: tuple[int, ...]) -> dict[int, tuple[slice, ...]]:
    """``{label: box}`` of the non-zero values of one block, in the whole array's pixels."""
    import numpy as np
    import scipy.ndimage as ndi

    block = np.asarray(block)
    if block.size == 0 or not block.any():
        return {}
    block = np.where(block > 0, block, 0)  # 0 is background; negative values are no labels
    lookup: Any = None
    if int(block.max()) <= 4 * block.size:
        found = ndi.find_objects(block.astype(np.int64, copy=False))
    else:  # few, large ids: find the boxes of their ranks instead of a list of max(ids) boxes
        ids, ranks = np.unique(block, return_inverse=True)
        lookup = ids[1:] if ids[0] == 0 else ids
        found = ndi.find_objects(ranks.reshape(block.shape) + (0 if ids[0] == 0 else 1))
    boxes: dict[int, tuple[slice, ...]] = {}
    for i, box in enumerate(found):
        if box is None:
            continue
        label = i + 1 if lookup is None else int(lookup[i])
        if label <= 0:
            continue
        boxes[label] = tuple(
            slice(s.start + o, s.stop + o) for s, o in zip(box, offset, strict=True)
        )
    return boxes


def label_boxes(data: da.Array) -> dict[int, tuple[slice, ...]]:
    """The bounding box of every label value > 0 of a (dask) label array; reads it once.

    Each block is searched on its own (`scipy.ndimage.find_objects`) and the boxes of a
    label met in several blocks are merged, so memory stays bounded by a few blocks.

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> labels = np.zeros((6, 6), "uint16"); labels[1:3, 2:6] = 5; labels[4, 0] = 9
    >>> label_boxes(da.from_array(labels, chunks=3))
    {5: (slice(1, 3, None), slice(2, 6, None)), 9: (slice(4, 5, None), slice(0, 1, None))}
    """
    import itertools

    from dask.base import compute
    from dask.delayed import delayed

    starts = [tuple(itertools.accumulate((0, *sizes[:-1]))) for sizes in data.chunks]
    blocks = data.to_delayed()
    tasks = [
        delayed(_block_boxes)(
            blocks[index], tuple(s[i] for s, i in zip(starts, index, strict=True))
        )
        for index in itertools.product(*(range(len(c)) for c in data.chunks))
    ]
    merged: dict[int, tuple[slice, ...]] = {}
    for found in compute(*tasks):
        for label, box in found.items():
            old = merged.get(label)
            merged[label] = (
                box
                if old is None
                else tuple(
                    slice(min(a.start, b.start), max(a.stop, b.stop))
                    for a, b in zip(old, box, strict=True)
                )
            )
    return dict(sorted(merged.items()))


def rois_of_boxes(
    boxes: Mapping[int, tuple[slice, ...]], dims: tuple[str, ...], pixel_size: Any
) -> list[Roi]:
    """One [`Roi`][ngffkit.Roi] per label box (pixels of a level with *dims*), named by label.

    Examples
    --------
    >>> roi = rois_of_boxes({3: (slice(1, 3), slice(2, 6))}, ("y", "x"), {"y": 0.5, "x": 0.5})[0]
    >>> roi.name, roi.label, roi.x, roi.x_length, roi.y, roi.y_length
    ('3', 3, 1.0, 2.0, 0.5, 1.0)
    """
    rois = []
    for label, box in boxes.items():
        values: dict[str, Any] = {}
        for axis, part in zip(dims, box, strict=True):
            if axis in ROI_AXES:
                px = _pixel_size(pixel_size, axis)
                values[axis] = part.start * px
                values[f"{axis}_length"] = (part.stop - part.start) * px
        rois.append(Roi(name=str(label), label=int(label), **values))
    return rois
