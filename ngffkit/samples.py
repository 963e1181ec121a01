"""Built-in sample images, generated on the fly: no download, same pixels on every machine.

Examples
--------
>>> img = sample_image("blobs2d")
>>> img.dims, img.shape
(('y', 'x'), (512, 512))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

import numpy as np

from ngffkit.errors import NgffKeyError

if TYPE_CHECKING:
    from ngffkit.model import NgffImage

__all__ = ["SAMPLES", "sample_image", "sample_labels"]


def _blobs(shape: tuple[int, ...], seed: int, coarse: int = 16) -> np.ndarray:
    """Smooth blobs (a coarse random field, upsampled) plus noise, as uint16."""
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    small = rng.random(tuple(max(2, s // coarse) for s in shape))
    field = ndimage.zoom(
        ndimage.gaussian_filter(small, 1.0),
        [s / m for s, m in zip(shape, small.shape, strict=True)],
        order=1,
    )
    field = (field - field.min()) / max(float(np.ptp(field)), 1e-9)
    noisy = field**3 * 40000 + rng.normal(300, 40, size=shape)
    return np.asarray(np.clip(noisy, 0, 65535), dtype=np.uint16)


def _cells3d() -> NgffImage:
    from ngffkit.arrays import to_ngff_image

    data = _blobs((48, 256, 256), seed=3)
    return to_ngff_image(
        data,
        dims=("z", "y", "x"),
        scale={"z": 1.0, "y": 0.325, "x": 0.325},
        axes_units="micrometer",
        name="blobs3d",
    )


def _blobs2d() -> NgffImage:
    from ngffkit.arrays import to_ngff_image

    return to_ngff_image(
        _blobs((512, 512), seed=7),
        scale={"y": 0.65, "x": 0.65},
        axes_units="micrometer",
        name="blobs2d",
    )


def _channels3d() -> NgffImage:
    from ngffkit.arrays import to_ngff_image

    data = np.stack([_blobs((16, 128, 128), seed=s) for s in (1, 2)])
    return to_ngff_image(
        data,
        dims=("c", "z", "y", "x"),
        scale={"z": 1.0, "y": 0.65, "x": 0.65},
        axes_units="micrometer",
        channel_names=["DAPI", "GFP"],
        name="channels3d",
    )


SAMPLES: Final[dict[str, Callable[[], NgffImage]]] = {
    "blobs3d": _cells3d,
    "blobs2d": _blobs2d,
    "channels3d": _channels3d,
}
"""Sample names and the functions that build them."""


def sample_image(name: str = "blobs3d") -> NgffImage:
    """Return a built-in sample image (generated, deterministic, a few MiB).

    Raises
    ------
    NgffKeyError
        If *name* is not one of `SAMPLES`.

    Examples
    --------
    >>> sample_image("blobs3d").axes_units["x"]
    'micrometer'
    """
    try:
        factory = SAMPLES[name]
    except KeyError:
        raise NgffKeyError(f"sample {name!r}: expected one of {sorted(SAMPLES)}") from None
    return factory()


def sample_labels(image: NgffImage) -> NgffImage:
    """Segment a sample's bright blobs into a label image (uint32) on the same spatial grid.

    Non-spatial axes (channel, time) are kept with size 1, as the spec allows for labels.

    Examples
    --------
    >>> labels = sample_labels(sample_image("blobs2d"))
    >>> labels.is_label, labels.dtype
    (True, dtype('uint32'))
    """
    import dask.array as da
    from scipy import ndimage

    from ngffkit.arrays import to_ngff_image

    pixels = np.asarray(image.data)
    spatial = tuple(i for i, d in enumerate(image.dims) if d in image.spatial_dims)
    if len(spatial) != pixels.ndim:
        pixels = pixels.max(
            axis=tuple(i for i in range(pixels.ndim) if i not in spatial), keepdims=True
        )
    mask = pixels > np.percentile(pixels, 90)
    labelled, _ = ndimage.label(mask)
    return to_ngff_image(
        da.from_array(labelled.astype(np.uint32)),
        dims=image.dims,
        scale=image.scale,
        translation=image.translation,
        axes_units=image.axes_units,
        name="blobs",
        is_label=True,
    )
