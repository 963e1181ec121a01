"""ngff-zarr compatible kernels built on dask-image (the optional ``dask-image`` extra).

``dask_image_gaussian`` blurs with ``dask_image.ndfilters.gaussian_filter`` using the
sigma itkwasm and ngff-zarr use, ``sqrt((f**2 - 1) / (8 ln 2))``, then samples every bin
at its centre ``i*f + (f-1)/2`` by linear interpolation (the mean of the two central
pixels for an even factor). ngff-zarr samples at ``i*f`` instead, half a level pixel off
the translation it writes; ngffkit keeps the centre.

``dask_image_nearest`` samples with ``dask_image.ndinterp.affine_transform`` (order 0)
at offset ``f // 2`` in each bin, clamped to the array: the same pixels as ngffkit's
``nearest``.

dask-image has no block-mode filter, so ``dask_image_mode`` is ngffkit's native ``mode``
kernel mapped over the dask blocks (ngff-zarr likewise uses ``dask.array.coarsen``); it
needs neither dask-image nor anything beyond numpy.

Examples
--------
>>> import numpy as np
>>> from ngffkit.methods._dask_image import dask_image_nearest
>>> dask_image_nearest(np.arange(7, dtype=np.uint8), (2,)).tolist()
[1, 3, 5, 6]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from ngffkit.errors import NgffDependencyError
from ngffkit.methods._native import centre_sample
from ngffkit.methods._support import TRUNCATE, cast_rounded, itk_sigma, output_shape, round_up

if TYPE_CHECKING:
    import dask.array as da

__all__ = [
    "dask_image_gaussian",
    "dask_image_gaussian_blur",
    "dask_image_gaussian_halo",
    "dask_image_nearest",
    "dask_image_nearest_lazy",
    "import_dask_image",
    "sample_centres",
]

# scipy's affine_transform takes neither bool nor float16: route them through these.
_WIDER = {np.dtype(np.bool_): np.dtype(np.uint8), np.dtype(np.float16): np.dtype(np.float32)}


def import_dask_image(method: str) -> ModuleType:
    """Import and return ``dask_image``, or raise an error naming the extra to install.

    Raises
    ------
    NgffDependencyError
        If dask-image is not installed.

    Examples
    --------
    >>> import_dask_image("dask_image_gaussian").__name__
    'dask_image'
    """
    try:
        import dask_image
        import dask_image.ndfilters
        import dask_image.ndinterp
    except ImportError as exc:
        msg = (
            f"method {method!r} needs dask-image, which is not installed: "
            "pip install 'ngffkit[dask-image]'"
        )
        raise NgffDependencyError(msg) from exc
    module: ModuleType = dask_image
    return module


def _sigmas(factors: Sequence[int]) -> list[float]:
    return [itk_sigma(f) for f in factors]


def _single_chunk(array: np.ndarray) -> da.Array:
    """Wrap *array* as a one-chunk dask array, for the eager (numpy) entry points."""
    import dask.array as da

    from_array: Any = da.from_array  # untyped in dask
    wrapped: da.Array = from_array(array, chunks=-1)
    return wrapped


def _compute_here(lazy: da.Array) -> np.ndarray:
    """Compute *lazy* in this thread: the eager kernels also run inside dask tasks."""
    handle: Any = lazy
    return np.asarray(handle.compute(scheduler="synchronous"))


def dask_image_gaussian_halo(factors: Sequence[int]) -> tuple[int, ...]:
    """Return the blur radius ``ceil(4 * sigma)`` per axis, rounded up to a multiple of f.

    Examples
    --------
    >>> dask_image_gaussian_halo((1, 2, 4))
    (0, 4, 8)
    """
    return tuple(
        round_up(math.ceil(TRUNCATE * s), f) for s, f in zip(_sigmas(factors), factors, strict=True)
    )


def dask_image_gaussian_blur(data: da.Array, factors: Sequence[int]) -> da.Array:
    """Return the lazy float64 blur ``dask_image_gaussian`` samples (nothing is computed).

    The chunks of *data* must be at least the blur radius, or dask rechunks.

    Examples
    --------
    >>> import dask.array as da
    >>> blurred = dask_image_gaussian_blur(da.ones((8, 8), chunks=4), (2, 2))
    >>> blurred.dtype, blurred.chunks
    (dtype('float64'), ((4, 4), (4, 4)))
    """
    import dask.array as da

    ndfilters = import_dask_image("dask_image_gaussian").ndfilters
    lazy: Any = data.astype(np.float64)
    sigmas = _sigmas(factors)
    # dask-image overlaps blocks by its radius ceil(4 sigma), which dask refuses when an
    # axis is shorter. Extending such an axis with copies of its last pixel changes no
    # blurred value: mode="nearest" reads exactly those copies past the edge.
    shape = lazy.shape
    extra = [max(0, math.ceil(TRUNCATE * s) - n) for s, n in zip(sigmas, shape, strict=True)]
    if any(extra):
        pad: Any = da.pad  # untyped in dask
        lazy = pad(lazy, [(0, e) for e in extra], mode="edge")
    blurred: Any = ndfilters.gaussian_filter(lazy, sigma=sigmas, mode="nearest", truncate=TRUNCATE)
    if any(extra):
        blurred = blurred[tuple(slice(0, n) for n in shape)]
    result: da.Array = blurred
    return result


def sample_centres(blurred: np.ndarray, factors: Sequence[int], dtype: np.dtype[Any]) -> np.ndarray:
    """Sample the bin centres of a blurred block and cast to *dtype* (rounded half up).

    Examples
    --------
    >>> sample_centres(np.arange(4.0), (2,), np.dtype("uint8")).tolist()
    [1, 3]
    """
    return cast_rounded(centre_sample(blurred, factors), dtype)


def dask_image_gaussian(array: np.ndarray, factors: Sequence[int]) -> np.ndarray:
    """Blur with dask-image's Gaussian, then sample each bin's centre (computed now).

    Examples
    --------
    >>> dask_image_gaussian(np.full((4, 6), 9, dtype=np.uint8), (2, 2)).tolist()
    [[9, 9, 9], [9, 9, 9]]
    """
    blurred = dask_image_gaussian_blur(_single_chunk(array), factors)
    return sample_centres(_compute_here(blurred), factors, array.dtype)


def _nearest_transform(
    data: da.Array, factors: Sequence[int], output_chunks: tuple[int, ...] | None
) -> da.Array:
    """Build the lazy order-0 ``affine_transform`` that picks pixel ``i*f + f//2``."""
    ndinterp = import_dask_image("dask_image_nearest").ndinterp
    lazy: Any = data  # dask's annotations are partial
    dtype = lazy.dtype
    wider = _WIDER.get(dtype)
    if wider is not None:
        lazy = lazy.astype(wider)
    sampled: Any = ndinterp.affine_transform(
        lazy,
        matrix=np.diag(np.asarray(factors, dtype=np.float64)),
        offset=np.asarray([f // 2 for f in factors], dtype=np.float64),
        output_shape=output_shape(data.shape, factors),
        output_chunks=output_chunks,
        order=0,
        mode="nearest",
    )
    result: da.Array = sampled.astype(dtype) if wider is not None else sampled
    return result


def dask_image_nearest(array: np.ndarray, factors: Sequence[int]) -> np.ndarray:
    """Pick pixel ``f // 2`` of each bin with dask-image's affine transform (computed now)."""
    return _compute_here(_nearest_transform(_single_chunk(array), factors, None))


def dask_image_nearest_lazy(data: da.Array, factors: Sequence[int]) -> da.Array:
    """Return the lazy ``dask_image_nearest`` result, chunked about ``chunks / f``.

    Examples
    --------
    >>> import dask.array as da
    >>> dask_image_nearest_lazy(da.zeros((9, 8), chunks=4), (2, 2)).chunks
    ((2, 2, 1), (2, 2))
    """
    chunks = tuple(max(1, -(-c[0] // f)) for c, f in zip(data.chunks, factors, strict=True))
    return _nearest_transform(data, factors, chunks)
