"""Downsampling methods: array-level kernels that build a multiscale pyramid's levels.

Geometry
--------
Every method bins the pixels of each axis by its factor ``f``: level pixel ``i`` covers
the input pixels ``[i*f, (i+1)*f)``, so its centre sits at input index
``i*f + (f-1)/2``. A level therefore has ``ceil(n / f)`` pixels along an axis of ``n``,
and a caller writes ``scale = s * f`` and ``translation = t + s * (f-1)/2`` for an input
with scale ``s`` and translation ``t``. When ``f`` does not divide ``n``, the last bin is
partial and is computed from the pixels it has (never from padding zeros). Axes with
``f = 1`` (channel, time) pass through untouched.

Every method is centred on the bin centre: ``mean`` and ``mode`` summarise the whole
bin, ``gaussian`` blurs and then takes the bin mean, ``dask_image_gaussian`` samples the
centre, and the itkwasm filters resample at the centre. ``nearest`` copies one pixel,
offset ``f // 2`` in the bin: the centre for odd ``f``, half an input pixel past it for
even ``f``.

Methods
-------
=======================  =====  ==========================================================
method                   label  what an output pixel is
=======================  =====  ==========================================================
``mean`` (default)       no     mean of the bin (integers rounded half up); alias
                                ``bin_shrink``
``gaussian``             no     Gaussian blur (anti-aliasing), then the bin mean
``mode`` (label default) yes    most frequent value of the bin, smallest on a tie
``nearest``              yes    the pixel at offset ``f // 2`` of the bin
``itkwasm_gaussian``     no     itkwasm-downsample ``downsample`` (ngff-zarr's default)
``itkwasm_bin_shrink``   no     itkwasm-downsample ``downsample_bin_shrink``
``itkwasm_label_image``  yes    itkwasm-downsample ``downsample_label_image``
``dask_image_gaussian``  no     dask-image Gaussian blur, sampled at the bin centre
``dask_image_mode``      yes    ``mode`` mapped over dask blocks (dask-image has no mode)
``dask_image_nearest``   yes    dask-image ``affine_transform``, same pixels as ``nearest``
=======================  =====  ==========================================================

Label-safe methods only output values present in their input, so they can downsample
label images and bool masks; the others average and would invent labels. ``mode``,
``nearest`` and their dask-image twins take each value from its own bin;
``itkwasm_label_image`` votes over a Gaussian neighbourhood, so its value may come from
a pixel just outside the bin.

The itkwasm filters only handle bins of a full ``f`` pixels: ngffkit edge-pads a partial
last bin with copies of the last pixel before calling them, so there (and only there)
they weigh the edge pixel more than the native methods do. They downsample at most the
last three axes (2-D or 3-D images); leading axes must have ``f = 1``.

Examples
--------
>>> import numpy as np
>>> from ngffkit.methods import Methods, downsample_array
>>> image = np.arange(16, dtype=np.uint8).reshape(4, 4)
>>> downsample_array(image, (2, 2), Methods.MEAN).tolist()
[[3, 5], [11, 13]]
>>> downsample_array(image, (2, 2), "nearest").tolist()
[[5, 7], [13, 15]]
"""

from __future__ import annotations

import enum
import functools
import importlib.metadata
import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from ngffkit.errors import NgffDependencyError, NgffTypeError, NgffValueError
from ngffkit.methods import _dask_image, _itkwasm, _native
from ngffkit.methods._support import (
    TRUNCATE,
    check_dtype,
    gaussian_sigma,
    output_shape,
    parse_factors,
    plan_chunks,
    round_up,
)

if TYPE_CHECKING:
    import dask.array as da

__all__ = [
    "Methods",
    "DEFAULT_IMAGE_METHOD",
    "DEFAULT_LABEL_METHOD",
    "parse_method",
    "is_label_safe",
    "method_metadata",
    "halo",
    "downsample_array",
    "downsample",
]


class Methods(enum.StrEnum):
    """How a level's pixels are computed from the level below.

    Members compare equal to their string value, so `"mean"` and `Methods.MEAN`
    are interchangeable wherever a method is accepted.

    Examples
    --------
    >>> Methods.MEAN == "mean", Methods("itkwasm_gaussian").name
    (True, 'ITKWASM_GAUSSIAN')
    """

    MEAN = "mean"
    """Mean of each bin (bin shrink), integers rounded half up. Fast, the image default."""
    GAUSSIAN = "gaussian"
    """Separable Gaussian anti-aliasing blur, then the bin mean.

    Per axis, `sigma**2 = (f**2 - 1) * (1 / (8 ln 2) - 1 / 12)` input pixels: the
    blur plus the bin mean (a box filter of variance `(f**2 - 1) / 12`) smooth as much
    as itkwasm's scale-space rule `(f**2 - 1) / (8 ln 2)`. Kernel radius
    `ceil(4 * sigma)`, edges extended with the edge pixel (`mode="nearest"`).
    """
    MODE = "mode"
    """Most frequent value of each bin, the smallest on a tie. The label default."""
    NEAREST = "nearest"
    """The pixel at offset `f // 2` of each bin. Fastest label method."""
    ITKWASM_GAUSSIAN = "itkwasm_gaussian"
    """itkwasm-downsample's Gaussian blur and resampling (ngff-zarr's default)."""
    ITKWASM_BIN_SHRINK = "itkwasm_bin_shrink"
    """itkwasm-downsample's bin mean."""
    ITKWASM_LABEL_IMAGE = "itkwasm_label_image"
    """itkwasm-downsample's Gaussian-weighted label voting."""
    DASK_IMAGE_GAUSSIAN = "dask_image_gaussian"
    """dask-image's Gaussian blur, sampled at each bin's centre (needs dask-image)."""
    DASK_IMAGE_MODE = "dask_image_mode"
    """ngffkit's `mode` over dask blocks: dask-image has no mode filter."""
    DASK_IMAGE_NEAREST = "dask_image_nearest"
    """dask-image's order-0 affine transform at offset `f // 2` (needs dask-image)."""


DEFAULT_IMAGE_METHOD: Final = Methods.MEAN
"""The method for intensity images when none is given."""

DEFAULT_LABEL_METHOD: Final = Methods.MODE
"""The method for label images when none is given."""

_LABEL_SAFE: Final = frozenset(
    {
        Methods.MODE,
        Methods.NEAREST,
        Methods.ITKWASM_LABEL_IMAGE,
        Methods.DASK_IMAGE_MODE,
        Methods.DASK_IMAGE_NEAREST,
    }
)

_ALIASES: Final[Mapping[str, Methods]] = {"bin_shrink": Methods.MEAN}

# How to get the optional library a method needs (itkwasm-downsample is a core dependency).
_INSTALL: Final[Mapping[str, str]] = {"dask-image": "pip install 'ngffkit[dask-image]'"}

Kernel = Callable[[np.ndarray, Sequence[int]], np.ndarray]

_KERNELS: Final[Mapping[Methods, Kernel]] = {
    Methods.MEAN: _native.block_mean,
    Methods.GAUSSIAN: _native.gaussian_mean,
    Methods.MODE: _native.block_mode,
    Methods.NEAREST: _native.block_nearest,
    Methods.ITKWASM_GAUSSIAN: _itkwasm.itkwasm_gaussian,
    Methods.ITKWASM_BIN_SHRINK: _itkwasm.itkwasm_bin_shrink,
    Methods.ITKWASM_LABEL_IMAGE: _itkwasm.itkwasm_label_image,
    Methods.DASK_IMAGE_GAUSSIAN: _dask_image.dask_image_gaussian,
    Methods.DASK_IMAGE_MODE: _native.block_mode,
    Methods.DASK_IMAGE_NEAREST: _dask_image.dask_image_nearest,
}

# (qualified name of the function doing the work, distribution whose version to record,
# description). None as distribution means ngffkit itself.
_METADATA: Final[Mapping[Methods, tuple[str, str | None, str]]] = {
    Methods.MEAN: (
        "ngffkit.methods._native.block_mean",
        None,
        "Mean of each block of f pixels per axis (bin shrink); integers rounded half up.",
    ),
    Methods.GAUSSIAN: (
        "ngffkit.methods._native.gaussian_mean",
        None,
        "Separable Gaussian anti-aliasing blur (scipy.ndimage.gaussian_filter1d, "
        "sigma**2 = (f**2 - 1) * (1/(8 ln 2) - 1/12)), then the mean of each block.",
    ),
    Methods.MODE: (
        "ngffkit.methods._native.block_mode",
        None,
        "Most frequent value of each block, the smallest on a tie. For label images.",
    ),
    Methods.NEAREST: (
        "ngffkit.methods._native.block_nearest",
        None,
        "The pixel at offset f // 2 of each block. For label images.",
    ),
    Methods.ITKWASM_GAUSSIAN: (
        "itkwasm_downsample.downsample",
        "itkwasm-downsample",
        "Smoothed with a discrete Gaussian filter, then resampled at block centres. "
        "ITK-Wasm implementation.",
    ),
    Methods.ITKWASM_BIN_SHRINK: (
        "itkwasm_downsample.downsample_bin_shrink",
        "itkwasm-downsample",
        "Mean of each block of f pixels per axis. ITK-Wasm implementation.",
    ),
    Methods.ITKWASM_LABEL_IMAGE: (
        "itkwasm_downsample.downsample_label_image",
        "itkwasm-downsample",
        "Mode of the Gaussian-weighted local labels. ITK-Wasm implementation, for label images.",
    ),
    Methods.DASK_IMAGE_GAUSSIAN: (
        "dask_image.ndfilters.gaussian_filter",
        "dask-image",
        "Smoothed with dask-image's Gaussian filter, then sampled at block centres "
        "by linear interpolation.",
    ),
    Methods.DASK_IMAGE_MODE: (
        "ngffkit.methods._native.block_mode",
        None,
        "Most frequent value of each block, the smallest on a tie, mapped over dask "
        "blocks (dask-image has no mode filter). For label images.",
    ),
    Methods.DASK_IMAGE_NEAREST: (
        "dask_image.ndinterp.affine_transform",
        "dask-image",
        "The pixel at offset f // 2 of each block, picked by dask-image's order-0 "
        "affine transform. For label images.",
    ),
}


def parse_method(method: Methods | str | None, *, is_label: bool = False) -> Methods:
    """Return *method* as a [`Methods`][ngffkit.Methods] member, checking it suits the image kind.

    Parameters
    ----------
    method
        A member, its string value (any case), the alias ``"bin_shrink"`` for ``mean``,
        or None for the default (``mean`` for images, ``mode`` for labels).
    is_label
        Whether the pixels are labels, which need a label-safe method.

    Returns
    -------
    Methods
        The method.

    Raises
    ------
    NgffValueError
        If *method* names no method, or is not label safe while *is_label* is true.
    NgffTypeError
        If *method* is not a string or None.

    Examples
    --------
    >>> parse_method("ITKWASM_Gaussian")
    <Methods.ITKWASM_GAUSSIAN: 'itkwasm_gaussian'>
    >>> parse_method(None, is_label=True)
    <Methods.MODE: 'mode'>
    >>> parse_method("bin_shrink")
    <Methods.MEAN: 'mean'>
    """
    if method is None:
        return DEFAULT_LABEL_METHOD if is_label else DEFAULT_IMAGE_METHOD
    value: object = method  # untyped callers (notebooks, the CLI) pass anything
    if not isinstance(value, str):
        msg = f"method: expected a Methods member or its name, got {value!r}"
        raise NgffTypeError(msg)
    key = value.strip().lower()
    parsed = _ALIASES.get(key)
    if parsed is None:
        try:
            parsed = Methods(key)
        except ValueError:
            valid = ", ".join(repr(m.value) for m in Methods)
            aliases = ", ".join(
                f"{alias!r} (= {target.value!r})" for alias, target in _ALIASES.items()
            )
            msg = f"method: expected one of {valid} or the alias {aliases}, got {method!r}"
            raise NgffValueError(msg) from None
    if is_label and not is_label_safe(parsed):
        safe = ", ".join(repr(m.value) for m in Methods if is_label_safe(m))
        msg = (
            f"method {parsed.value!r} combines pixel values and would invent labels; "
            f"label images need a label-safe method: {safe}"
        )
        raise NgffValueError(msg)
    return parsed


def is_label_safe(method: Methods) -> bool:
    """Return whether *method* only outputs values present in its input (labels, masks).

    Examples
    --------
    >>> is_label_safe(Methods.MODE), is_label_safe(Methods.MEAN)
    (True, False)
    """
    return method in _LABEL_SAFE


def _version(distribution: str | None, method: Methods) -> str:
    """Return the installed version of *distribution* (None: ngffkit itself)."""
    if distribution is None:
        try:
            return importlib.metadata.version("ngffkit")
        except importlib.metadata.PackageNotFoundError:
            # A source checkout that was never pip-installed has no metadata.
            return "unknown"
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        install = _INSTALL.get(distribution, f"pip install {distribution}")
        msg = f"method {method.value!r} needs {distribution}, which is not installed: {install}"
        raise NgffDependencyError(msg) from None


def method_metadata(method: Methods) -> tuple[str, dict[str, str]]:
    """Return the OME-NGFF multiscales ``type`` and ``metadata`` describing *method*.

    Returns
    -------
    tuple of (str, dict)
        The ``type`` (the method's value) and a ``metadata`` mapping with ``method``
        (qualified name of the function that computes the pixels), ``version`` (of the
        distribution that function belongs to) and ``description``.

    Raises
    ------
    NgffDependencyError
        If the method's library (dask-image) is not installed.

    Examples
    --------
    >>> kind, metadata = method_metadata(Methods.ITKWASM_BIN_SHRINK)
    >>> kind, metadata["method"]
    ('itkwasm_bin_shrink', 'itkwasm_downsample.downsample_bin_shrink')
    >>> sorted(metadata)
    ['description', 'method', 'version']
    """
    method = parse_method(method)
    qualname, distribution, description = _METADATA[method]
    return method.value, {
        "method": qualname,
        "version": _version(distribution, method),
        "description": description,
    }


def halo(method: Methods, factors: Sequence[int]) -> tuple[int, ...]:
    """Return the input margin per axis a region needs so its downsampling is exact.

    To downsample a region of a larger array, start and end it on multiples of the
    factors (or at the array's end), widen it by the halo on each side, clipped to the
    array (never padded), call `downsample_array` on that, and drop
    `margin // f` output pixels on each side, where `margin` is the width actually
    added on that side. The result is identical to the same pixels of
    `downsample_array` on the whole array. The halo is a multiple of the factor,
    so the widened region stays aligned to the bins: 0 for ``mean``, ``mode``,
    ``nearest`` and ``itkwasm_bin_shrink``; for the Gaussian methods, the blur radius
    ``ceil(4 * sigma)`` (itkwasm's own kernel radius for the itkwasm filters) rounded up
    to a multiple of ``f``; 0 on axes with ``f = 1``.

    Raises
    ------
    NgffValueError
        If *method* or *factors* is invalid.

    Examples
    --------
    >>> halo(Methods.MEAN, (1, 2, 2))
    (0, 0, 0)
    >>> halo(Methods.GAUSSIAN, (1, 2, 4))
    (0, 4, 8)
    """
    method = parse_method(method)
    factors = parse_factors(factors, None)
    if method is Methods.GAUSSIAN:
        return tuple(
            round_up(math.ceil(TRUNCATE * gaussian_sigma(f)), f) if f > 1 else 0 for f in factors
        )
    if method is Methods.DASK_IMAGE_GAUSSIAN:
        return _dask_image.dask_image_gaussian_halo(factors)
    if method in (Methods.ITKWASM_GAUSSIAN, Methods.ITKWASM_LABEL_IMAGE):
        return _itkwasm.itkwasm_halo(factors, method.value)
    return (0,) * len(factors)


def _prepare(
    method: Methods | str, factors: Sequence[int], ndim: int, dtype: np.dtype[Any]
) -> tuple[Methods, tuple[int, ...]]:
    """Parse the method and factors and check the method takes *dtype*."""
    parsed = parse_method(method)
    parsed_factors = parse_factors(factors, ndim)
    check_dtype(dtype, parsed.value, label_safe=is_label_safe(parsed))
    return parsed, parsed_factors


def downsample_array(
    array: np.ndarray, factors: Sequence[int], method: Methods | str
) -> np.ndarray:
    """Downsample a numpy array now, by an integer factor per axis.

    Parameters
    ----------
    array
        The pixels: integer or float, or bool for the label-safe methods.
    factors
        One factor per axis; 1 leaves an axis untouched.
    method
        A [`Methods`][ngffkit.Methods] member or its name.

    Returns
    -------
    numpy.ndarray
        A new array of shape ``ceil(n / f)`` per axis and the dtype of *array*.
        Integer results of averaging methods are rounded to nearest (half up).

    Raises
    ------
    NgffValueError
        If the method, the factors or the dtype is invalid for this method.
    NgffDependencyError
        If the method needs dask-image and it is not installed.

    Examples
    --------
    >>> image = np.array([[0, 0, 9], [0, 1, 9]], dtype=np.uint8)
    >>> downsample_array(image, (2, 2), "mean").tolist()
    [[0, 9]]
    >>> downsample_array(image, (1, 2), "mode").tolist()
    [[0, 9], [0, 9]]
    """
    array = np.asarray(array)
    parsed, parsed_factors = _prepare(method, factors, array.ndim, array.dtype)
    if array.size == 0:
        return np.empty(output_shape(array.shape, parsed_factors), dtype=array.dtype)
    if all(f == 1 for f in parsed_factors):
        return array.copy()
    return _KERNELS[parsed](array, parsed_factors)


def _halo_block(
    block: np.ndarray,
    *,
    kernel: Kernel,
    factors: tuple[int, ...],
    depth: tuple[int, ...],
    numblocks: tuple[int, ...],
    block_id: tuple[int, ...] | None = None,
) -> np.ndarray:
    """Downsample one dask block read with its halo, then drop the halo's output pixels.

    Blocks on the array's edge get no halo on that side (``boundary="none"``).
    """
    assert block_id is not None  # dask passes it because the signature names it
    result = kernel(block, factors)
    index = []
    for axis, (margin, factor) in enumerate(zip(depth, factors, strict=True)):
        first = margin // factor if block_id[axis] > 0 else 0
        last = margin // factor if block_id[axis] < numblocks[axis] - 1 else 0
        index.append(slice(first, result.shape[axis] - last))
    return result[tuple(index)]


def _blockwise(
    data: da.Array,
    factors: tuple[int, ...],
    margins: tuple[int, ...],
    kernel: Kernel,
    dtype: np.dtype[Any],
    token: str,
) -> da.Array:
    """Map *kernel* over bin-aligned blocks of *data*, with *margins* of halo when needed.

    *token* prefixes the dask keys (dask appends a hash of the inputs).
    """
    import dask.array as da

    # dask's own annotations are partial (untyped rechunk, overlap, map_blocks): go
    # through Any and annotate what comes back.
    lazy: Any = data
    chunks = tuple(
        plan_chunks(axis_chunks, f, h) if f > 1 or h else axis_chunks
        for axis_chunks, f, h in zip(lazy.chunks, factors, margins, strict=True)
    )
    if chunks != lazy.chunks:
        lazy = lazy.rechunk(chunks, method="tasks")
    out_chunks = tuple(
        tuple(-(-c // f) for c in axis_chunks)
        for axis_chunks, f in zip(chunks, factors, strict=True)
    )
    meta = np.empty((0,) * lazy.ndim, dtype=dtype)
    # A halo is only read across internal chunk boundaries: an axis in one chunk needs none.
    depth = tuple(h if len(c) > 1 else 0 for h, c in zip(margins, chunks, strict=True))
    result: da.Array
    if not any(depth):
        result = lazy.map_blocks(
            kernel, factors, chunks=out_chunks, dtype=dtype, meta=meta, token=token
        )
        return result
    # boundary="none", not "nearest": padding the array's end would put copies of the
    # edge pixel into a partial last bin, which must hold only the pixels it has. The
    # edge blocks simply get no halo on that side, exactly like the whole-array call.
    overlap: Any = da.overlap.overlap  # untyped in dask
    overlapped: Any = overlap(lazy, depth=dict(enumerate(depth)), boundary="none")
    block = functools.partial(
        _halo_block, kernel=kernel, factors=factors, depth=depth, numblocks=lazy.numblocks
    )
    result = overlapped.map_blocks(block, chunks=out_chunks, dtype=dtype, meta=meta, token=token)
    return result


def downsample(data: da.Array, factors: Sequence[int], method: Methods | str) -> da.Array:
    """Plan the downsampling of a dask array; no pixels are computed.

    The input is rechunked so every chunk but the last spans a multiple of its axis's
    factor (and at least the method's `halo`); each chunk is then downsampled by
    the same kernel as `downsample_array`, reading the halo from its neighbours
    when the method needs one. The result equals `downsample_array` on the whole
    array, pixel for pixel.

    Parameters
    ----------
    data
        The lazy pixels: integer or float, or bool for the label-safe methods.
    factors
        One factor per axis; 1 leaves an axis untouched.
    method
        A [`Methods`][ngffkit.Methods] member or its name.

    Returns
    -------
    dask.array.Array
        Shape ``ceil(n / f)`` per axis, the dtype of *data*, chunks about the input's
        divided by the factors (rechunk as needed).

    Raises
    ------
    NgffValueError
        If the method, the factors or the dtype is invalid for this method.
    NgffDependencyError
        If the method needs dask-image and it is not installed.

    Examples
    --------
    >>> import dask.array as da
    >>> lazy = downsample(da.ones((10, 64, 64), dtype="uint16", chunks=32), (1, 2, 2), "mean")
    >>> lazy.shape, lazy.dtype, lazy.chunks
    ((10, 32, 32), dtype('uint16'), ((10,), (16, 16), (16, 16)))
    """
    parsed, parsed_factors = _prepare(method, factors, data.ndim, data.dtype)
    dtype = data.dtype
    token = f"downsample-{parsed.value}"
    if all(f == 1 for f in parsed_factors):
        return data
    if parsed is Methods.DASK_IMAGE_NEAREST:
        return _dask_image.dask_image_nearest_lazy(data, parsed_factors)
    margins = halo(parsed, parsed_factors)
    if parsed is Methods.DASK_IMAGE_GAUSSIAN:
        chunks = tuple(
            plan_chunks(c, f, h)
            for c, f, h in zip(data.chunks, parsed_factors, margins, strict=True)
        )
        aligned: da.Array = data.rechunk(chunks, method="tasks")
        blurred = _dask_image.dask_image_gaussian_blur(aligned, parsed_factors)
        sample = functools.partial(_dask_image.sample_centres, dtype=dtype)
        # The blur already read its halo; sampling needs none.
        return _blockwise(blurred, parsed_factors, (0,) * data.ndim, sample, dtype, token)
    return _blockwise(data, parsed_factors, margins, _KERNELS[parsed], dtype, token)
