"""ngff-zarr compatible kernels built on itkwasm-downsample (a core dependency).

itkwasm-downsample works on 2-D and 3-D scalar images, so the *spatial* axes are the
trailing axes from the first one with a factor > 1 (at least two, at most three); the
leading axes must have factor 1 (time, channel) and are looped over in numpy.

itkwasm outputs ``floor(n / f)`` pixels per axis. To give the same level shapes as every
other method, ``ceil(n / f)``, each spatial axis is first edge-padded to a multiple of
its factor, so a partial last bin is computed as if the array went on with copies of its
last pixel: for ``itkwasm_bin_shrink`` that weighs the edge pixel more than the native
``mean`` does, which averages only the pixels the bin has.

The itkwasm filters place output pixel ``i`` at input index ``i*f + (f-1)/2``, the
geometry ngffkit writes. The first call compiles the WebAssembly module (a few seconds,
then cached for the process).

Examples
--------
>>> import numpy as np
>>> from ngffkit.methods._itkwasm import itkwasm_bin_shrink
>>> itkwasm_bin_shrink(np.array([[1, 2, 3], [3, 4, 5]], dtype=np.uint8), (2, 2)).tolist()
[[3, 4]]
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np

from ngffkit.errors import NgffValueError
from ngffkit.methods._support import cast_rounded, output_shape, round_up

__all__ = ["itkwasm_bin_shrink", "itkwasm_gaussian", "itkwasm_halo", "itkwasm_label_image"]

Filter = Literal["downsample", "downsample_bin_shrink", "downsample_label_image"]

# Component types itkwasm-downsample 2.0.2 accepts: float32 for every filter, float64 only
# for bin shrink, and all the integer types (which the Gaussian filter mishandles).
_INTEGERS = frozenset(np.dtype(name) for name in ("i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8"))
_FLOAT32 = np.dtype(np.float32)
_BIN_SHRINK_TYPES = _INTEGERS | {_FLOAT32, np.dtype(np.float64)}


def _spatial_start(factors: Sequence[int], method: str) -> int:
    """Return the index of the first spatial axis, or raise if there are more than three."""
    ndim = len(factors)
    first = next(axis for axis, factor in enumerate(factors) if factor > 1)
    if ndim - first > 3:
        msg = (
            f"method {method!r}: itkwasm-downsample handles 2-D and 3-D images, so at most "
            f"the last 3 axes may be downsampled; factors {list(factors)} downsample axis "
            f"{first}, {ndim - first} axes from the end"
        )
        raise NgffValueError(msg)
    return max(0, min(first, ndim - 2))


def _edge_pad(array: np.ndarray, factors: Sequence[int]) -> np.ndarray:
    """Edge-pad every axis to a multiple of its factor (no copy when already aligned)."""
    pad = [(0, round_up(n, f) - n) for n, f in zip(array.shape, factors, strict=True)]
    if not any(after for _, after in pad):
        return array
    return np.pad(array, pad, mode="edge")


def _apply(array: np.ndarray, factors: Sequence[int], name: Filter, method: str) -> np.ndarray:
    """Run one itkwasm-downsample filter over the spatial axes of *array*.

    *array* must already have a dtype the filter accepts.
    """
    import itkwasm
    import itkwasm_downsample

    function: Callable[..., Any] = getattr(itkwasm_downsample, name)
    squeeze = array.ndim == 1
    if squeeze:
        array, factors = array[np.newaxis], (1, *factors)
    start = _spatial_start(factors, method)
    padded = _edge_pad(array, factors)
    # ITK orders axes x, y, z: the reverse of numpy's.
    shrink = [int(f) for f in reversed(factors[start:])]
    out = np.empty(output_shape(array.shape, factors), dtype=padded.dtype)
    for index in np.ndindex(*padded.shape[:start]):
        image = itkwasm.image_from_array(np.ascontiguousarray(padded[index]))
        result = function(image, shrink_factors=shrink)
        out[index] = np.asarray(itkwasm.array_like_to_numpy_array(result.data))
    return out[0] if squeeze else out


def itkwasm_bin_shrink(array: np.ndarray, factors: Sequence[int]) -> np.ndarray:
    """Bin mean with ``itkwasm_downsample.downsample_bin_shrink``.

    Integer input stays integer inside itkwasm, which rounds the mean to nearest.
    float16 goes through float32.

    Examples
    --------
    >>> itkwasm_bin_shrink(np.array([1.0, 2.0, 4.0], dtype=np.float32), (2,)).tolist()
    [1.5, 4.0]
    """
    dtype = array.dtype
    work = array if dtype in _BIN_SHRINK_TYPES else array.astype(_FLOAT32)
    result = _apply(work, factors, "downsample_bin_shrink", "itkwasm_bin_shrink")
    return cast_rounded(result, dtype) if result.dtype != dtype else result


def itkwasm_gaussian(array: np.ndarray, factors: Sequence[int]) -> np.ndarray:
    """Gaussian blur and resampling with ``itkwasm_downsample.downsample``.

    The pixels go through float32: itkwasm's integer path loses small values (a uint16
    image of ones comes back as zeros), and it rejects float64. The result is rounded
    half up and clipped for integers, so float64 input keeps only float32 precision.

    Examples
    --------
    >>> itkwasm_gaussian(np.full((4, 4), 3, dtype=np.uint16), (2, 2)).tolist()
    [[3, 3], [3, 3]]
    """
    result = _apply(array.astype(_FLOAT32), factors, "downsample", "itkwasm_gaussian")
    return cast_rounded(result, array.dtype)


def itkwasm_label_image(array: np.ndarray, factors: Sequence[int]) -> np.ndarray:
    """Gaussian-weighted label voting with ``itkwasm_downsample.downsample_label_image``.

    Labels of a dtype itkwasm does not take (bool, float) are replaced by their rank
    among the sorted unique labels (an order-preserving relabel, so ties resolve the
    same way) and mapped back afterwards.

    Examples
    --------
    >>> labels = np.array([[1, 1, 5, 5], [1, 1, 5, 5]], dtype=np.uint8)
    >>> itkwasm_label_image(labels, (2, 2)).tolist()
    [[1, 5]]
    """
    if array.dtype in _INTEGERS:
        return _apply(array, factors, "downsample_label_image", "itkwasm_label_image")
    values, ranks = np.unique(array, return_inverse=True)
    ranks = ranks.reshape(array.shape).astype(np.uint32)
    result = _apply(ranks, factors, "downsample_label_image", "itkwasm_label_image")
    labels: np.ndarray = values[result]
    return labels


@functools.cache
def _kernel_radius(factors: tuple[int, ...]) -> tuple[int, ...]:
    """Return itkwasm's Gaussian kernel radius per spatial axis (numpy order)."""
    from itkwasm_downsample import downsample_sigma, gaussian_kernel_radius

    itk_factors = [int(f) for f in reversed(factors)]
    sigma = downsample_sigma(shrink_factors=itk_factors)
    # `size` only caps the radius at the image size: pass a size that never does.
    radius = gaussian_kernel_radius(size=[2**30] * len(itk_factors), sigma=sigma)
    return tuple(int(r) for r in reversed(radius))


def itkwasm_halo(factors: Sequence[int], method: str) -> tuple[int, ...]:
    """Return the margin, per axis, the itkwasm *method* reads around a region.

    ``itkwasm_bin_shrink`` needs none. The Gaussian and label filters read their kernel
    radius (itkwasm's ``gaussian_kernel_radius`` for ``downsample_sigma``), rounded up
    to a multiple of the factor so a widened region stays bin-aligned; none on f = 1 axes.

    Examples
    --------
    >>> itkwasm_halo((1, 2, 2), "itkwasm_bin_shrink")
    (0, 0, 0)
    >>> itkwasm_halo((1, 2, 4), "itkwasm_gaussian")
    (0, 2, 4)
    """
    factors = tuple(int(f) for f in factors)
    if method == "itkwasm_bin_shrink" or math.prod(factors) == 1:
        return (0,) * len(factors)
    padded = (1, *factors) if len(factors) == 1 else factors
    start = _spatial_start(padded, method)
    radius = (0,) * start + _kernel_radius(padded[start:])
    # itkwasm reports radius 1 for sigma 0, but an f = 1 axis is neither blurred nor
    # resampled off-grid, so regions split along it need no margin.
    halo = tuple(round_up(r, f) if f > 1 else 0 for r, f in zip(radius, padded, strict=True))
    return halo[1:] if len(factors) == 1 else halo
