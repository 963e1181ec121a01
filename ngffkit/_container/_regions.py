"""Regions given in physical units, as pixel selections of one level: ranges per axis and `Roi`s.

The region reads and writes of a level handle (`roi_slices`, `get_roi`, `set_roi` and the
masked images' object boxes) turn their region into pixel selections here, then select as
`get_array` does. Pure: the level is a lazy [`NgffImage`][ngffkit.NgffImage]; nothing is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ngffkit._container._select import physical_to_pixel
from ngffkit.errors import NgffValueError
from ngffkit.model import NgffImage
from ngffkit.rois import Roi

__all__ = ["physical_selection", "roi_selection"]


def physical_selection(image: NgffImage, ranges: Mapping[str, object]) -> dict[str, object]:
    """Pixel selections of *image* for physical *ranges* per axis (the channel axis in pixels).

    ``(start, stop)`` selects the pixels whose centres lie in ``[start, stop)``, one number
    the pixel nearest to it: the rules, and the `NgffValueError` for a range past the image,
    are `physical_to_pixel`'s.

    Examples
    --------
    >>> import numpy as np
    >>> from ngffkit.arrays import to_ngff_image
    >>> image = to_ngff_image(np.zeros((2, 64, 64), "u1"), dims=("c", "y", "x"),
    ...                       scale={"y": 0.5, "x": 0.5})
    >>> physical_selection(image, {"x": (0.0, 10.0), "y": 5.0, "c": 1})
    {'x': slice(0, 20, None), 'y': 10, 'c': 1}
    """
    return physical_to_pixel(
        image.dims,
        image.shape,
        image.scale,
        image.translation,
        ranges,
        units=image.axes_units,
        physical_axes=[d for d in image.dims if image.axes_types.get(d) != "channel"],
    )


def roi_selection(
    image: NgffImage,
    roi: Roi | Mapping[str, object] | None,
    ranges: Mapping[str, object],
    *,
    where: str,
) -> dict[str, object]:
    """Pixel selections of *image* for a `Roi` (every pixel it overlaps) or physical ranges.

    *ranges* are physical ranges (with a mapping or no *roi*) or, beside a `Roi`, pixel
    selections of the axes it does not span (``t=0``). *where* names the level in messages.

    Raises
    ------
    NgffValueError
        If the `Roi` spans an axis the image lacks, or an axis is given twice.

    Examples
    --------
    >>> import numpy as np
    >>> from ngffkit.arrays import to_ngff_image
    >>> image = to_ngff_image(np.zeros((64, 64), "u1"), scale={"y": 0.5, "x": 0.5})
    >>> roi = Roi(x=0.2, y=1.0, x_length=5.0, y_length=2.0, z=0.0, z_length=1.0)
    >>> roi_selection(image, roi, {}, where="mem")  # z 0..1 of a table ROI: the plane
    {'y': slice(2, 6, None), 'x': slice(0, 11, None)}
    >>> roi_selection(image, {"x": (0.0, 2.0)}, {"y": 1.0}, where="mem")
    {'x': slice(0, 4, None), 'y': 2}
    """
    if not isinstance(roi, Roi):
        return physical_selection(image, {**dict(roi or {}), **ranges})
    shape = dict(zip(image.dims, image.shape, strict=True))
    if "z" not in shape and roi.z is not None and roi.z <= 0 < roi.z + (roi.z_length or 0):
        # A table ROI always has z (0 and 1 for a plane): on a yx image it is the plane.
        roi = replace(roi, z=None, z_length=None)
    missing = [a for a in roi.axes if a not in shape]
    if missing:
        raise NgffValueError(
            f"roi{f' {roi.name!r}' if roi.name else ''}: spans axes {missing} that {where} does not have "
            f"(axes {list(image.dims)})"
        )
    box = roi.to_roi_pixels(image.scale, shape=shape).to_slices()
    both = sorted(set(box) & set(ranges))
    if both:
        raise NgffValueError(
            f"get_roi: {both} are given by the Roi and as keyword selections; give them once"
        )
    return {**ranges, **box}
