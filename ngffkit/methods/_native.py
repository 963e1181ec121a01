"""Native numpy/scipy block kernels: ``mean``, ``gaussian``, ``mode`` and ``nearest``.

Each kernel maps an array and one factor per axis to an array of shape ``ceil(n / f)``
and the input's dtype. Output pixel ``i`` of an axis summarises input pixels
``[i*f, min((i+1)*f, n))``; a partial last bin uses only the pixels it has. The work is
done with whole-array numpy operations: Python loops run over axes, bin offsets or
sorting-network steps, never over pixels.

All kernels give identical results on a whole array and on regions whose starts are
multiples of the factors (plus the halo that ``gaussian`` needs), because every output
pixel is computed by the same sequence of floating-point or integer operations.

Examples
--------
>>> import numpy as np
>>> from ngffkit.methods._native import block_mean, block_mode
>>> block_mean(np.array([[1, 2, 3], [3, 4, 5]], dtype=np.uint8), (2, 2)).tolist()
[[3, 4]]
>>> block_mode(np.array([7, 7, 3, 1, 1]), (5,)).tolist()
[1]
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from ngffkit.errors import NgffValueError
from ngffkit.methods._support import (
    TRUNCATE,
    bin_counts,
    cast_rounded,
    gaussian_sigma,
    output_shape,
)

__all__ = ["block_mean", "block_mode", "block_nearest", "centre_sample", "gaussian_mean"]

# Sorting networks beat np.sort's per-row overhead for small bins (2x2, 2x2x2, 4x4);
# above this many candidates per bin the network grows as K*log(K)**2 and sorting the
# rows of a (bins, K) array with np.sort wins.
_MAX_NETWORK_CANDIDATES = 16

# Big arrays are reduced a slab of axis-0 bins at a time, so the wide temporaries
# (uint32 sums, float64 blurs) stay cache-sized and are reused instead of being page-
# faulted in at the size of the whole array (that first touch costs as much as the math).
_SLAB_BYTES = 4 * 1024 * 1024


def _slab_starts(array: np.ndarray, factor: int, itemsize: int) -> range:
    """Return the starts of slabs along axis 0: whole bins of *factor* planes, ~4 MiB each."""
    plane = math.prod(array.shape[1:]) * itemsize
    bins = max(1, _SLAB_BYTES // max(1, plane * factor))
    return range(0, array.shape[0], bins * factor)


def _by_slabs(
    array: np.ndarray,
    factor: int,
    reduce: Callable[[np.ndarray], np.ndarray],
    itemsize: int,
) -> np.ndarray:
    """Apply *reduce* to bin-aligned slabs of axis 0 and stack the results along axis 0.

    *reduce* must turn a slab of ``k * factor`` planes (fewer for the last slab) into
    ``ceil(planes / factor)`` output planes, or keep axis 0 when *factor* is 1 for it.
    Every output pixel is computed exactly as without slabs.
    """
    starts = _slab_starts(array, factor, itemsize)
    if len(starts) == 1:
        return reduce(array)
    step = starts.step
    parts = [reduce(array[start : start + step]) for start in starts]
    return np.concatenate(parts, axis=0)


def _axis_slice(ndim: int, axis: int, index: slice) -> tuple[slice, ...]:
    """Return an index tuple that applies *index* along *axis* only."""
    return tuple(index if a == axis else slice(None) for a in range(ndim))


def _sum_bins(array: np.ndarray, factor: int, axis: int, dtype: np.dtype[Any]) -> np.ndarray:
    """Sum the bins of one axis with ``factor`` strided adds into a *dtype* accumulator.

    The accumulator has length ``ceil(n / factor)``; the offsets past a partial last
    bin contribute one pixel fewer, so that bin sums only the pixels it has.
    """
    ndim = array.ndim
    n_out = -(-array.shape[axis] // factor)
    first = array[_axis_slice(ndim, axis, slice(0, None, factor))]
    second = array[_axis_slice(ndim, axis, slice(1, None, factor))]
    acc: np.ndarray
    if factor > 1 and second.shape[axis] == n_out:
        # Fuse the copy of offset 0 into the first add: one pass less over the input.
        acc = np.add(first, second, dtype=dtype)
        start = 2
    else:
        acc = first.astype(dtype)
        start = 1
    for offset in range(start, factor):
        part = array[_axis_slice(ndim, axis, slice(offset, None, factor))]
        length = part.shape[axis]
        if length == n_out:
            np.add(acc, part, out=acc)
        else:
            target = acc[_axis_slice(ndim, axis, slice(0, length))]
            np.add(target, part, out=target)
    return acc


def _counts_along(n: int, factor: int, axis: int, ndim: int) -> np.ndarray:
    """Return `bin_counts` shaped to broadcast along *axis* of an *ndim* array."""
    shape = [1] * ndim
    shape[axis] = -(-n // factor)
    return bin_counts(n, factor).reshape(shape)


def _mean_accumulator(dtype: np.dtype[Any], count: int) -> np.dtype[Any] | None:
    """Return the narrowest dtype that sums *count* pixels of *dtype* (plus rounding) exactly.

    None when no 64-bit integer holds the sum: 64-bit pixels with large values, which
    `_mean_split` averages exactly in two halves.
    """
    if dtype.kind == "f":
        return np.dtype(np.float64) if dtype.itemsize <= 8 else dtype
    info = np.iinfo(dtype)
    bound = max(-int(info.min), int(info.max)) * count + count
    candidates = (
        ("int16", "int32", "int64") if dtype.kind == "i" else ("uint16", "uint32", "uint64")
    )
    for name in candidates:
        candidate = np.dtype(name)
        if candidate.itemsize >= dtype.itemsize and bound <= np.iinfo(candidate).max:
            return candidate
    return None


Counts = np.ndarray | int


def _bin_sums(
    array: np.ndarray, factors: Sequence[int], dtype: np.dtype[Any]
) -> tuple[np.ndarray, Counts]:
    """Sum every bin into a *dtype* accumulator; return the sums and the pixel counts.

    The counts are an int when every bin is full, else an array broadcasting over the sums.
    Axes are reduced in order, outer first: the big first pass then adds contiguous
    planes, and each later pass works on an array already shrunk by the earlier factors.
    """
    acc = array
    counts: Counts = 1
    for axis, factor in enumerate(factors):
        if factor == 1:
            continue
        n = acc.shape[axis]
        acc = _sum_bins(acc, factor, axis, dtype)
        counts = counts * (factor if n % factor == 0 else _counts_along(n, factor, axis, acc.ndim))
    return acc, counts


def _divide_rounded(acc: np.ndarray, counts: Counts) -> np.ndarray:
    """Return ``floor((acc + counts // 2) / counts)`` in *acc*'s integer dtype (in place).

    That is the mean rounded half up, exactly, for any sign.
    """
    if isinstance(counts, int):
        acc += counts // 2
        if (counts & (counts - 1)) == 0:
            # A power of two: the shift is the floor division, several times faster.
            np.right_shift(acc, counts.bit_length() - 1, out=acc)
        else:
            np.floor_divide(acc, counts, out=acc)
        return acc
    divisors = counts.astype(acc.dtype)
    acc += divisors // 2
    np.floor_divide(acc, divisors, out=acc)
    return acc


def _mean_split(array: np.ndarray, factors: Sequence[int]) -> np.ndarray:
    """Exact rounded mean of 64-bit integers whose bin sums overflow 64 bits.

    Each pixel is ``high * 2**32 + low`` with ``0 <= low < 2**32``; both halves are
    summed without overflow, and ``floor((S + c // 2) / c)`` is assembled from
    ``divmod(sum(high), c)`` so no intermediate leaves 64 bits.
    """
    dtype = array.dtype
    if math.prod(factors) >= 2**30:
        msg = f"mean of 64-bit integers: factors {list(factors)} exceed 2**30 pixels per bin"
        raise NgffValueError(msg)
    high_sum, counts = _bin_sums(array >> 32, factors, dtype)
    low_sum, _ = _bin_sums(array & 0xFFFFFFFF, factors, dtype)
    if not isinstance(counts, int):
        counts = counts.astype(dtype)  # uint64 with int64 would promote to float64
    quotient, remainder = np.divmod(high_sum, counts)
    low_sum += remainder << 32
    mean: np.ndarray = (quotient << 32) + _divide_rounded(low_sum, counts)
    return mean


def block_mean(array: np.ndarray, factors: Sequence[int]) -> np.ndarray:
    """Return the mean of each bin (bin shrink); integers are rounded half up.

    The bins are summed axis by axis, outer axes first, with strided adds into an
    accumulator wide enough to be exact (uint16 for uint8, uint32 for uint16, int64
    for int32, ...) or float64 for float input. Integer means are rounded half up
    exactly, in integer arithmetic: ``floor((sum + count // 2) / count)``.

    Parameters
    ----------
    array
        Integer or float pixels.
    factors
        One factor >= 1 per axis.

    Returns
    -------
    numpy.ndarray
        Shape ``ceil(n / f)`` per axis, dtype of *array*.

    Examples
    --------
    >>> block_mean(np.array([1, 2, 2, 2, 5], dtype=np.uint8), (2,)).tolist()
    [2, 2, 5]
    >>> block_mean(np.array([1.0, 2.0, 4.0]), (2,)).tolist()
    [1.5, 4.0]
    """
    dtype = array.dtype
    if all(f == 1 for f in factors):
        return array.copy()
    acc_dtype = _mean_accumulator(dtype, math.prod(factors))
    if acc_dtype is None:
        return _mean_split(array, factors)

    def reduce(slab: np.ndarray) -> np.ndarray:
        acc, counts = _bin_sums(slab, factors, acc_dtype)
        if acc_dtype.kind == "f":
            acc /= counts
            return cast_rounded(acc, dtype)
        return _divide_rounded(acc, counts).astype(dtype)

    return _by_slabs(array, factors[0], reduce, acc_dtype.itemsize)


def gaussian_mean(array: np.ndarray, factors: Sequence[int]) -> np.ndarray:
    """Blur each downsampled axis with a Gaussian, then take the bin mean.

    Per axis with `f > 1`: `scipy.ndimage.gaussian_filter1d` (float64, sigma from
    `ngffkit.methods._support.gaussian_sigma`, radius `ceil(4 * sigma)`,
    `mode="nearest"`), then the bin mean along that axis. Blur and mean are linear and
    separable, so doing them one axis at a time equals blurring every axis first and
    averaging the N-d bins after, at a fraction of the cost: each later axis works on an
    array already shrunk by the earlier factors. The block mean keeps the result centred
    on the bin centre. Integers are rounded half up and clipped to their range.

    Examples
    --------
    >>> gaussian_mean(np.full((6, 6), 7, dtype=np.uint16), (2, 2)).tolist()
    [[7, 7, 7], [7, 7, 7], [7, 7, 7]]
    """
    if all(f == 1 for f in factors):
        return array.copy()

    # Innermost axis first: scipy filters contiguous lines fastest (4x faster than along
    # the outermost axis), so the full-size pass should be the contiguous one, and the
    # outer axes are filtered once the inner factors have shrunk the array. The inner
    # axes do not mix axis-0 planes, so they run slab by slab; axis 0 runs last, whole.
    def inner(slab: np.ndarray) -> np.ndarray:
        return _blur_and_mean(slab, factors, range(array.ndim - 1, 0, -1))

    work = _by_slabs(array, 1, inner, 8) if array.ndim > 1 else array
    return cast_rounded(_blur_and_mean(work, factors, [0]), array.dtype)


def _blur_and_mean(array: np.ndarray, factors: Sequence[int], axes: Iterable[int]) -> np.ndarray:
    """Blur then bin-average *array* along each of *axes* in turn; float64 out."""
    # scipy.ndimage costs about 0.1 s to import; only the Gaussian methods need it.
    from scipy.ndimage import gaussian_filter1d

    work = array
    float64 = np.dtype(np.float64)
    for axis in axes:
        factor = factors[axis]
        if factor == 1:
            continue
        sigma = gaussian_sigma(factor)
        blurred = gaussian_filter1d(
            work,
            sigma,
            axis=axis,
            output=np.float64,
            mode="nearest",
            radius=math.ceil(TRUNCATE * sigma),
        )
        n = blurred.shape[axis]
        work = _sum_bins(blurred, factor, axis, float64)
        work /= factor if n % factor == 0 else _counts_along(n, factor, axis, work.ndim)
    return work.astype(float64, copy=False)


def _clamped_offsets(n: int, factor: int, offset: int) -> np.ndarray:
    """Return ``min(i*factor + offset, n - 1)`` for each output index ``i`` of an axis."""
    indices = np.arange(-(-n // factor), dtype=np.intp) * factor + offset
    return np.minimum(indices, n - 1)


def _take_offset(array: np.ndarray, factor: int, axis: int, offset: int) -> np.ndarray:
    """Return pixel ``i*factor + offset`` of every bin along *axis*, clamped to the last pixel.

    A strided view when no bin is clamped, a copy otherwise.
    """
    n = array.shape[axis]
    view = array[_axis_slice(array.ndim, axis, slice(offset, None, factor))]
    if view.shape[axis] == -(-n // factor):
        return view
    return np.take(array, _clamped_offsets(n, factor, offset), axis=axis)


def block_nearest(array: np.ndarray, factors: Sequence[int]) -> np.ndarray:
    """Return one input pixel per bin: the one at offset ``f // 2``.

    For odd ``f`` that is the bin's centre pixel. For even ``f`` it is the pixel just
    after the centre, so the value comes from half an input pixel (``+0.5``, towards
    higher indices) away from the level's nominal pixel centre ``i*f + (f-1)/2``. A
    partial last bin too short to have offset ``f // 2`` gives its last pixel.

    Examples
    --------
    >>> block_nearest(np.arange(7), (2,)).tolist()
    [1, 3, 5, 6]
    >>> block_nearest(np.arange(7), (3,)).tolist()
    [1, 4, 6]
    """
    result = array
    for axis, factor in enumerate(factors):
        if factor > 1:
            result = _take_offset(result, factor, axis, factor // 2)
    return np.array(result, copy=True)


def centre_sample(array: np.ndarray, factors: Sequence[int]) -> np.ndarray:
    """Linearly interpolate each bin's centre ``i*f + (f-1)/2``; float64 out.

    For odd ``f`` the centre is a pixel; for even ``f`` it is the mean of the two
    central pixels. A centre past the end of a partial bin reads the last pixel, as if
    the array were extended by its edge value (``mode="nearest"``).

    Examples
    --------
    >>> centre_sample(np.arange(6.0), (2,)).tolist()
    [0.5, 2.5, 4.5]
    >>> centre_sample(np.arange(5.0), (4,)).tolist()
    [1.5, 4.0]
    """
    result = array.astype(np.float64)
    for axis, factor in enumerate(factors):
        if factor == 1:
            continue
        low = _take_offset(result, factor, axis, (factor - 1) // 2)
        if factor % 2:
            result = np.array(low, copy=True)
        else:
            result = low + _take_offset(result, factor, axis, factor // 2)
            result *= 0.5
    return result


@functools.cache
def _sorting_network(size: int) -> tuple[tuple[int, int], ...]:
    """Return Batcher's odd-even merge sort comparators for *size* elements (any size)."""
    pairs: list[tuple[int, int]] = []
    p = 1
    while p < size:
        k = p
        while k >= 1:
            for j in range(k % p, size - k, 2 * k):
                for i in range(min(k, size - j - k)):
                    if (i + j) // (2 * p) == (i + j + k) // (2 * p):
                        pairs.append((i + j, i + j + k))
            k //= 2
        p *= 2
    return tuple(pairs)


def _network_sort(candidates: np.ndarray) -> list[np.ndarray]:
    """Sort every column of a ``(K, M)`` array in place with a sorting network; return its rows.

    Each comparator is one ``minimum`` and one ``maximum`` over whole rows, so the work
    is vectorised across all M bins at once.
    """
    rows = list(candidates)
    spare = np.empty_like(rows[0])
    for low, high in _sorting_network(len(rows)):
        np.minimum(rows[low], rows[high], out=spare)
        np.maximum(rows[low], rows[high], out=rows[high])
        rows[low], spare = spare, rows[low]
    return rows


def _longest_run(sorted_rows: Sequence[np.ndarray]) -> np.ndarray:
    """Return, per column of K sorted rows, the value of the column's longest run.

    A run only takes over when it is strictly longer, so on a tie the first run wins,
    which in sorted order is the smallest value.
    """
    width = sorted_rows[0].shape[0]
    run = np.ones(width, dtype=np.uint8 if len(sorted_rows) < 255 else np.uint32)
    best = run.copy()
    value = sorted_rows[0].copy()
    same = np.empty(width, dtype=bool)
    longer = np.empty(width, dtype=bool)
    for j in range(1, len(sorted_rows)):
        np.equal(sorted_rows[j], sorted_rows[j - 1], out=same)
        np.multiply(run, same, out=run)
        np.add(run, 1, out=run)
        np.greater(run, best, out=longer)
        np.maximum(best, run, out=best)
        np.copyto(value, sorted_rows[j], where=longer)
    return value


def _bin_candidates(array: np.ndarray, factors: Sequence[int], *, bins_first: bool) -> np.ndarray:
    """Gather the K pixels of each of the M bins: ``(M, K)`` if *bins_first*, else ``(K, M)``."""
    counts = [n // f for n, f in zip(array.shape, factors, strict=True)]
    interleaved = [length for pair in zip(counts, factors, strict=True) for length in pair]
    bin_axes = [2 * a for a in range(array.ndim)]
    offset_axes = [2 * a + 1 for a in range(array.ndim)]
    order = bin_axes + offset_axes if bins_first else offset_axes + bin_axes
    size = math.prod(factors)
    shape = (-1, size) if bins_first else (size, -1)
    # The transpose makes the reshape copy, so the result never aliases *array*
    # (np.array(..., copy=True) covers the degenerate cases where it would not).
    gathered = array.reshape(interleaved).transpose(order).reshape(shape)
    return np.array(gathered, copy=True) if np.may_share_memory(gathered, array) else gathered


def _mode_divisible(array: np.ndarray, factors: Sequence[int]) -> np.ndarray:
    """Mode of each bin of an array whose every axis is a multiple of its factor."""
    counts = [n // f for n, f in zip(array.shape, factors, strict=True)]
    size = math.prod(factors)
    if size == 1:
        return array.copy()
    if size <= _MAX_NETWORK_CANDIDATES:
        # (K, M): one contiguous row per offset in the bin, for the sorting network.
        candidates = _bin_candidates(array, factors, bins_first=False)
        first = candidates[0]
        mixed = np.zeros(first.shape, dtype=bool)
        for row in candidates[1:]:
            np.logical_or(mixed, np.not_equal(row, first), out=mixed)
    else:
        # (M, K): one contiguous row per bin, for np.sort along the rows.
        candidates = _bin_candidates(array, factors, bins_first=True)
        first = candidates[:, 0]
        mixed = (candidates[:, 1:] != candidates[:, :1]).any(axis=1)
    result = np.array(first, copy=True)
    # Labels are mostly flat: only bins holding more than one value need sorting.
    where = np.flatnonzero(mixed)
    if where.size and size <= _MAX_NETWORK_CANDIDATES:
        subset = candidates if where.size == first.size else candidates[:, where]
        result[where] = _longest_run(_network_sort(subset))
    elif where.size:
        subset = candidates if where.size == first.size else candidates[where]
        # Sort the contiguous rows, then scan them as K contiguous columns.
        columns = np.ascontiguousarray(np.sort(subset, axis=1).T)
        result[where] = _longest_run(list(columns))
    modes: np.ndarray = result.reshape(counts)
    return modes


def block_mode(array: np.ndarray, factors: Sequence[int]) -> np.ndarray:
    """Return the most frequent value of each bin; on a tie, the smallest of the tied values.

    The ``K = prod(f)`` candidates of every bin are gathered into one array (``(K, bins)``
    for a sorting network when ``K <= 16``, ``(bins, K)`` for ``np.sort`` above), bins
    holding a single value are settled at once, and the rest are sorted and scanned for
    their longest run. A partial last bin is handled as its own region with a smaller
    factor, so it counts only the pixels it has. The result is always a value present in
    the bin: safe for labels, and bool works (ties give False).

    Examples
    --------
    >>> block_mode(np.array([[1, 2, 2, 9], [3, 1, 9, 2]]), (2, 2)).tolist()
    [[1, 2]]
    """
    out = np.empty(output_shape(array.shape, factors), dtype=array.dtype)
    # Each axis splits into its full bins and, when n % f != 0, the partial last bin.
    pieces_per_axis = []
    for n, factor in zip(array.shape, factors, strict=True):
        full = n // factor
        pieces = [(slice(0, full * factor), slice(0, full), factor)] if full else []
        if n % factor:
            pieces.append((slice(full * factor, n), slice(full, full + 1), n % factor))
        pieces_per_axis.append(pieces)
    for combination in itertools.product(*pieces_per_axis):
        source = tuple(piece[0] for piece in combination)
        target = tuple(piece[1] for piece in combination)
        piece_factors = [piece[2] for piece in combination]
        out[target] = _by_slabs(
            array[source],
            piece_factors[0],
            functools.partial(_mode_divisible, factors=piece_factors),
            array.itemsize,
        )
    return out
