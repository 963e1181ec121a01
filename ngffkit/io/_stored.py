"""Dask arrays read from a store that compute straight from zarr, into one numpy buffer.

dask's `compute` costs more than the read itself at both ends of the scale:

- A whole level: dask reads every block and then concatenates the blocks into a fresh result,
  so the level costs twice its size in memory plus a serial copy into memory touched for the
  first time. [`StoredArray`][ngffkit.io._stored.StoredArray] instead computes with
  `dask.array.store` into one preallocated buffer: each block is copied into place by the
  thread that read it and freed at once, so a whole level costs its size plus a block per
  thread, in about half the time (W4 in `docs/performance.md`).
- A small read, such as one chunk: building, optimising and scheduling the graph takes 1-2 ms,
  more than zarr takes to read and decode a 64³ chunk. A selection up to dask's
  `array.chunk-size` is therefore one zarr read into the result.

The arrays that [`from_ngff_zarr`][ngffkit.from_ngff_zarr] returns are `StoredArray`s, and so
are their basic slices (integers and unit-step slices); any other operation (arithmetic,
fancy indexing, a rechunk) gives a plain dask array, and `dask.compute` of several
collections takes dask's usual path. On a `dask.distributed` cluster or any other scheduler
whose tasks run outside this process, the usual path is taken too: worker processes cannot
write into this process's memory, and a configured scheduler is the user's choice.
"""

from __future__ import annotations

import math
import mmap
import numbers
import sys
from typing import Any

import dask
import dask.array as da
import dask.local
import dask.threaded
import numpy as np
import zarr
from dask.array.core import getter as dask_getter
from dask.array.slicing import normalize_index
from dask.utils import parse_bytes
from zarr.core.buffer.cpu import NDBuffer
from zarr.storage import StorePath

from ngffkit.errors import NgffCorruptDataError, NgffError
from ngffkit.io.stores import describe_store

__all__ = ["StoredArray", "as_stored", "checked_getter", "corrupt_error"]

# The size from which numpy asks for huge pages (multiarray/alloc.c in numpy's source).
_HUGE_ADVICE_MIN = 4 << 20

# Schedulers that run tasks in this process, so that a task can write into a local buffer.
_IN_PROCESS = (dask.threaded.get, dask.local.get_sync)


class StoredArray(da.Array):
    """A dask array of a stored level, or a plain slice of one, that computes straight from zarr.

    `compute()` and `numpy.asarray` of a selection up to dask's `array.chunk-size` are one
    zarr read into the result, without a dask graph; larger ones fill a single buffer
    through `dask.array.store`. Basic slicing (integers and unit-step slices) keeps a
    `StoredArray`; anything else gives a plain dask array.

    Examples
    --------
    >>> import numpy as np, zarr
    >>> z = zarr.create_array(zarr.storage.MemoryStore(), shape=(4, 6), chunks=(2, 3), dtype="u1")
    >>> z[:] = np.arange(24, dtype="u1").reshape(4, 6)
    >>> x = as_stored(da.from_array(z, chunks=(2, 3)), z)
    >>> x.compute().sum(), x[1:, 2].compute().tolist()
    (np.uint64(276), [8, 14, 20])
    >>> type(x[1:]).__name__, type(x + 1).__name__
    ('StoredArray', 'Array')
    """

    __slots__ = ("_selection", "_source")

    is_stored = True
    """Its pixels are in a store: a thumbnail may read them without computing a pyramid."""
    _source: zarr.Array[Any]
    # Per axis of the source: an int (an axis indexed away) or the (start, stop) it covers.
    _selection: tuple[int | tuple[int, int], ...]

    def __getitem__(self, index: Any) -> Any:
        index = _explicit_steps(index, self.shape)
        sliced = super().__getitem__(index)  # type: ignore[no-untyped-call]
        try:
            selection = _compose(self._selection, self.shape, index)
        except (TypeError, ValueError, IndexError):
            selection = None
        if selection is None or not isinstance(sliced, da.Array):
            return sliced
        return as_stored(sliced, self._source, selection)

    def compute(self, **kwargs: Any) -> Any:
        if (
            kwargs.get("scheduler") is None
            and not dask.config.get("scheduler", None)
            and ("distributed" not in sys.modules)
        ):
            # No client can be active: dask would import distributed (0.4 s) only to find that.
            scheduler: Any = dask.threaded.get
        else:
            scheduler = dask.base.get_scheduler(
                scheduler=kwargs.get("scheduler"), collections=[self]
            )
        local = scheduler in _IN_PROCESS
        known = kwargs.keys() <= {"scheduler", "num_workers", "optimize_graph"}
        if not (local and known and self.ndim and self.size and _numpy_meta(self)):
            return super().compute(**kwargs)  # type: ignore[no-untyped-call]
        try:
            return self._compute_into(kwargs)
        except Exception as exc:
            error = corrupt_error(exc, _where(self._source))
            if error is None:
                raise
            raise error from None

    def _compute_into(self, kwargs: dict[str, Any]) -> np.ndarray:
        out = _empty(self.shape, self.dtype)
        if out.nbytes <= parse_bytes(dask.config.get("array.chunk-size")):
            # One zarr read: the codec pipeline decodes the chunks in parallel itself, and a
            # small read skips the graph's overhead (1-2 ms, more than the read of a chunk).
            selection = tuple(s if isinstance(s, int) else slice(*s) for s in self._selection)
            self._source.get_basic_selection(selection, out=NDBuffer.from_numpy_array(out))
        else:
            kwargs.pop("optimize_graph", None)
            da.store(self, out, lock=False, **kwargs)
        return out


def _explicit_steps(index: Any, shape: tuple[int, ...]) -> Any:
    """*index* with its negative-step slices bounded as numpy reads them; else unchanged.

    dask normalises a negative-step slice that starts before the axis, such as
    `slice(-211, None, -1)` on an axis of 210, to the whole axis reversed, where numpy
    selects nothing; bounded first with `slice.indices`, both agree.

    Examples
    --------
    >>> _explicit_steps((0, slice(-211, None, -1)), (5, 210))
    (0, slice(0, 0, 1))
    >>> _explicit_steps((..., slice(None, 2, -1)), (3, 6))
    (slice(None, None, None), slice(5, 2, -1))
    >>> _explicit_steps(slice(4, None, -2), (6,))
    (slice(4, None, -2),)
    """
    items = index if isinstance(index, tuple) else (index,)
    if (
        not all(item is Ellipsis or isinstance(item, slice | numbers.Integral) for item in items)
        or sum(item is Ellipsis for item in items) > 1
    ):
        return index
    if not any(isinstance(item, slice) and (item.step or 1) < 0 for item in items):
        return index
    if Ellipsis in items:
        at = items.index(Ellipsis)
        fill = (slice(None),) * (len(shape) - len(items) + 1)
        items = items[:at] + fill + items[at + 1 :]
    if len(items) > len(shape):
        return index
    bounded: list[Any] = []
    for item, length in zip(items, shape, strict=False):
        if isinstance(item, slice) and (item.step or 1) < 0:
            span = range(*item.indices(length))
            stop = span.stop if span.stop >= 0 else None
            item = slice(span.start, stop, span.step) if span else slice(0, 0, 1)
        bounded.append(item)
    return tuple(bounded)


def corrupt_error(exc: BaseException, where: str) -> NgffCorruptDataError | None:
    """The error to raise for *exc* from decoding the chunks of *where*, or None to let it pass.

    Codecs report damaged bytes with whatever they like (``OSError("Unknown frame
    descriptor")``, ``RuntimeError``, ``ValueError``); real I/O errors (with an errno), memory
    errors and ngffkit's own errors pass unchanged.

    Examples
    --------
    >>> str(corrupt_error(OSError("Unknown frame descriptor"), "img.zarr/0")).split(";")[0]
    'store img.zarr/0: a chunk cannot be decoded (OSError: Unknown frame descriptor)'
    >>> corrupt_error(FileNotFoundError(2, "gone"), "img.zarr/0") is None
    True
    """
    if isinstance(exc, NgffError) or (isinstance(exc, OSError) and exc.errno is not None):
        return None
    if not isinstance(exc, OSError | RuntimeError | ValueError | TypeError):
        return None
    return NgffCorruptDataError(
        f"store {where}: a chunk cannot be decoded ({type(exc).__name__}: {str(exc)[:200]}); "
        f"the store is damaged: copy it again or rewrite it"
    )


def checked_getter(where: str) -> Any:
    """A dask ``getitem`` for zarr arrays that reports undecodable chunks as `NgffCorruptDataError`."""

    def getter(a: Any, b: Any, asarray: bool = True, lock: Any = None) -> Any:
        try:
            return dask_getter(a, b, asarray=asarray, lock=lock)
        except Exception as exc:
            error = corrupt_error(exc, where)
            if error is None:
                raise
            raise error from None

    return getter


def _where(source: zarr.Array[Any]) -> str:
    return describe_store(StorePath(source.store, source.path))


def _numpy_meta(array: da.Array) -> bool:
    return isinstance(array._meta, np.ndarray)


def _compose(
    selection: tuple[int | tuple[int, int], ...], shape: tuple[int, ...], index: Any
) -> tuple[int | tuple[int, int], ...] | None:
    """*index* applied to the view *selection* of the source: the new view, or None if not basic.

    Examples
    --------
    >>> _compose(((0, 10), 3, (2, 8)), (10, 6), (slice(-4, None), 1))
    ((6, 10), 3, 3)
    >>> _compose(((0, 10),), (10,), slice(None, None, 2)) is None
    True
    """
    items = normalize_index(index, shape)
    if any(item is None or not isinstance(item, slice | numbers.Integral) for item in items):
        return None
    composed: list[int | tuple[int, int]] = []
    view_axes = iter(zip(items, shape, strict=True))
    for axis in selection:
        if isinstance(axis, int):
            composed.append(axis)
            continue
        item, length = next(view_axes)
        start = axis[0]
        if isinstance(item, slice):
            first, stop, step = item.indices(length)
            if step != 1:
                return None
            composed.append((start + first, start + max(first, stop)))
        else:
            composed.append(start + int(item))
    return tuple(composed)


def _empty(shape: tuple[int, ...], dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
    """An uninitialised C-ordered array whose pages are not marked for transparent huge pages.

    For arrays of 4 MiB and more, numpy asks the kernel for huge pages (`madvise`); where the
    kernel's `transparent_hugepage/defrag` is `madvise` (Debian's default), a first touch of
    such memory may stall while the kernel compacts memory to find them. A whole read of a
    256 MiB level took 0.38-0.71 s in five fresh processes into `np.empty`, 0.40-0.47 s into
    this buffer (tensorstore, whose buffers carry no advice: 0.28-0.32 s). Large allocations are private
    anonymous mappings either way; this one simply skips the advice. Elsewhere: `np.empty`.
    """
    nbytes = math.prod(shape) * dtype.itemsize
    if not sys.platform.startswith("linux") or nbytes < _HUGE_ADVICE_MIN:
        return np.empty(shape, dtype=dtype)
    buffer = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    # The array keeps the mapping alive; it is unmapped when the array is freed.
    return np.frombuffer(buffer, dtype=dtype).reshape(shape)


def as_stored(
    array: da.Array,
    source: zarr.Array[Any],
    selection: tuple[int | tuple[int, int], ...] | None = None,
) -> StoredArray:
    """*array* (graph, name, chunks, meta kept) as a [`StoredArray`][ngffkit.io._stored.StoredArray].

    *array* must be the part *selection* of the zarr array *source* (all of it by default).

    Examples
    --------
    >>> import zarr
    >>> z = zarr.zeros((4, 4), chunks=(2, 2), store=zarr.storage.MemoryStore())
    >>> as_stored(da.from_array(z, chunks=2), z).compute().shape
    (4, 4)
    """
    # dask's constructor has no annotations (dask is in mypy's untyped_calls_exclude, but
    # this call is to the subclass, which mypy names after our module).
    stored = StoredArray(array.dask, array.name, array.chunks, meta=array._meta)  # type: ignore[no-untyped-call]
    stored._source = source
    stored._selection = selection if selection is not None else tuple((0, n) for n in source.shape)
    return stored
