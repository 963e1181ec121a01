"""Helpers shared by the downsampling kernels: argument checks, geometry, rounding, chunking.

Everything here is array-level and pure: no dims, no metadata, no I/O.

Examples
--------
>>> from ngffkit.methods._support import output_shape, round_up
>>> output_shape((5, 8), (2, 4))
(3, 2)
>>> round_up(3, 2)
4
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any, Final

import numpy as np

from ngffkit.errors import NgffValueError

__all__ = [
    "TRUNCATE",
    "bin_counts",
    "cast_rounded",
    "check_dtype",
    "gaussian_sigma",
    "itk_sigma",
    "output_shape",
    "parse_factors",
    "plan_chunks",
    "round_up",
]

TRUNCATE: Final = 4.0
"""Gaussian kernels are cut at ``ceil(TRUNCATE * sigma)`` pixels from their centre."""

_INTENSITY_KINDS: Final = frozenset("iuf")
_LABEL_KINDS: Final = frozenset("biuf")


def parse_factors(factors: object, ndim: int | None) -> tuple[int, ...]:
    """Return *factors* as a tuple of ``ndim`` ints >= 1, or raise.

    Parameters
    ----------
    factors
        One integer downsampling factor per array axis; 1 leaves an axis untouched.
    ndim
        The number of axes of the array being downsampled, or None to accept any.

    Returns
    -------
    tuple of int
        The factors, one per axis.

    Raises
    ------
    NgffValueError
        If *factors* is not a sequence of ``ndim`` integers >= 1.

    Examples
    --------
    >>> parse_factors([1, 2, 2], ndim=3)
    (1, 2, 2)
    """
    if isinstance(factors, str | bytes) or not isinstance(factors, Sequence):
        count = "" if ndim is None else f"{ndim} "
        msg = f"factors: expected a sequence of {count}ints >= 1 (one per axis), got {factors!r}"
        raise NgffValueError(msg)
    parsed: list[int] = []
    for axis, factor in enumerate(factors):
        if isinstance(factor, bool) or not isinstance(factor, int | np.integer) or factor < 1:
            msg = f"factors[{axis}]: expected an int >= 1, got {factor!r}"
            raise NgffValueError(msg)
        parsed.append(int(factor))
    if ndim is not None and len(parsed) != ndim:
        msg = (
            f"factors: expected {ndim} values (one per array axis), "
            f"got {len(parsed)}: {list(parsed)}"
        )
        raise NgffValueError(msg)
    return tuple(parsed)


def check_dtype(dtype: np.dtype[Any], method: str, *, label_safe: bool) -> None:
    """Raise unless *method* can downsample pixels of *dtype*.

    Label-safe methods copy input values, so they take bool, integer and float pixels.
    Intensity methods average, so they take integer and float pixels only.

    Parameters
    ----------
    dtype
        The pixel dtype.
    method
        The method's name, for the error message.
    label_safe
        Whether the method only ever outputs values present in its input.

    Raises
    ------
    NgffValueError
        If the dtype is not supported by the method.

    Examples
    --------
    >>> check_dtype(np.dtype("uint16"), "mean", label_safe=False)
    """
    kinds = _LABEL_KINDS if label_safe else _INTENSITY_KINDS
    if dtype.kind not in kinds:
        what = "bool, integer or float" if label_safe else "integer or float"
        hint = "" if label_safe else " (use a label method such as 'mode' for bool masks)"
        msg = f"method {method!r}: expected {what} pixels, got dtype {dtype}{hint}"
        raise NgffValueError(msg)


def round_up(value: int, multiple: int) -> int:
    """Return the smallest multiple of *multiple* that is >= *value*.

    Examples
    --------
    >>> round_up(5, 4), round_up(8, 4), round_up(0, 3)
    (8, 8, 0)
    """
    return -(-value // multiple) * multiple


def output_shape(shape: Sequence[int], factors: Sequence[int]) -> tuple[int, ...]:
    """Return the downsampled shape, ``ceil(n / f)`` per axis.

    Examples
    --------
    >>> output_shape((7, 1, 4), (2, 2, 1))
    (4, 1, 4)
    """
    return tuple(-(-n // f) for n, f in zip(shape, factors, strict=True))


def bin_counts(n: int, factor: int) -> np.ndarray[tuple[int], np.dtype[np.int64]]:
    """Return how many input pixels each output pixel of an axis covers.

    Every bin holds *factor* pixels except a partial last bin, which holds the rest.

    Examples
    --------
    >>> bin_counts(7, 3).tolist()
    [3, 3, 1]
    """
    m = -(-n // factor)
    counts = np.full(m, factor, dtype=np.int64)
    if m:
        counts[-1] = n - (m - 1) * factor
    return counts


def cast_rounded(values: np.ndarray, dtype: np.dtype[Any]) -> np.ndarray:
    """Cast float *values* to *dtype*; integers are rounded half up and clipped to range.

    Half up (``floor(v + 0.5)``) is the rounding the integer ``mean`` kernel does exactly,
    so every intensity method rounds the same way.

    Examples
    --------
    >>> cast_rounded(np.array([0.5, 1.49, -0.5, 300.0]), np.dtype("uint8")).tolist()
    [1, 1, 0, 255]
    """
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        rounded = np.floor(values + 0.5)
        np.clip(rounded, info.min, info.max, out=rounded)
        return rounded.astype(dtype)
    return values.astype(dtype, copy=False)


def gaussian_sigma(factor: int) -> float:
    """Return the sigma, in input pixels, that the native ``gaussian`` method blurs with.

    The scale-space rule itkwasm-downsample and ngff-zarr use,
    ``sigma_total**2 = (f**2 - 1) / (8 ln 2)``, makes the output's point-spread FWHM
    ``f`` input pixels, assuming the input's is 1 pixel. ngffkit's ``gaussian``
    follows the blur with an ``f``-pixel block mean, a box filter that already adds a
    variance of ``(f**2 - 1) / 12``; the Gaussian only supplies the difference, so the
    total smoothing matches itkwasm's and the result is less soft than blurring with
    the full sigma before a block mean. For ``f = 1`` the sigma is 0 (no blur).

    Examples
    --------
    >>> round(gaussian_sigma(2), 4), round(gaussian_sigma(4), 4), gaussian_sigma(1)
    (0.5395, 1.2063, 0.0)
    """
    return math.sqrt((factor**2 - 1) * (1.0 / (8.0 * math.log(2.0)) - 1.0 / 12.0))


def itk_sigma(factor: int) -> float:
    """Return the full scale-space sigma ``sqrt((f**2 - 1) / (8 ln 2))`` in input pixels.

    This is what itkwasm-downsample's ``downsample_sigma`` and ngff-zarr's dask-image
    method blur with before they *sample* (rather than average) the result.

    Examples
    --------
    >>> round(itk_sigma(2), 4)
    0.7355
    """
    return math.sqrt((factor**2 - 1) / (8.0 * math.log(2.0)))


def plan_chunks(chunks: Sequence[int], factor: int, minimum: int) -> tuple[int, ...]:
    """Move chunk boundaries to multiples of *factor* and merge chunks below *minimum*.

    Each boundary is rounded to the nearest multiple of *factor*, so a rechunk to the
    plan only moves a few pixels per chunk. Every chunk but the last is then a
    multiple of *factor*, and every chunk (the last included, when there is more than
    one) spans at least ``max(minimum, factor)`` pixels, which the halo of a
    neighbouring block needs.

    Parameters
    ----------
    chunks
        The chunk sizes of one axis.
    factor
        The downsampling factor of the axis.
    minimum
        The smallest chunk allowed (the halo), when there is more than one chunk.

    Returns
    -------
    tuple of int
        The new chunk sizes, summing to ``sum(chunks)``.

    Examples
    --------
    >>> plan_chunks((5, 5, 5), 2, 0)
    (6, 4, 5)
    >>> plan_chunks((3, 3, 3, 3), 2, 4)
    (4, 8)
    """
    n = sum(chunks)
    floor = max(minimum, factor, 1)
    boundaries: list[int] = []
    position = 0
    for chunk in chunks[:-1]:
        position += chunk
        # Nearest multiple, ties up; never before the previous boundary plus `floor`.
        boundary = (position + factor // 2) // factor * factor
        previous = boundaries[-1] if boundaries else 0
        if boundary - previous >= floor and n - boundary >= 1:
            boundaries.append(boundary)
    # The last chunk must also hold a full halo for its left neighbour.
    while boundaries and n - boundaries[-1] < floor:
        boundaries.pop()
    edges = [0, *boundaries, n]
    return tuple(b - a for a, b in itertools.pairwise(edges))
