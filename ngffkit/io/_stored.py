"""A dask array read from a store whose whole computation fills one numpy buffer.

`dask.array.Array.compute` reads every block and then concatenates the blocks into a fresh
result: a whole level costs twice its size in memory, and the concatenation is a serial copy
into memory touched for the first time (page faults are slow and erratic on virtual machines).
[`StoredArray`][ngffkit.io._stored.StoredArray] computes itself with `dask.array.store` into one
preallocated buffer instead: each block is copied into place by the worker thread that read it
and freed at once, so a whole level costs its size plus a block per thread, in about half the
time (W4 in `docs/performance.md`).

Only the array that [`from_ngff_zarr`][ngffkit.from_ngff_zarr] returns is a `StoredArray`: any
operation on it (a slice, arithmetic, a rechunk) gives a plain dask array, and `dask.compute`
of several collections takes dask's usual path. On a `dask.distributed` cluster or any other
scheduler whose tasks run outside this process, the usual path is taken too, since worker
processes cannot write into this process's memory.
"""

from __future__ import annotations

import math
import mmap
import sys
from typing import Any

import dask
import dask.array as da
import dask.local
import dask.threaded
import numpy as np

__all__ = ["StoredArray", "as_stored"]

# The size from which numpy asks for huge pages (multiarray/alloc.c in numpy's source).
_HUGE_ADVICE_MIN = 4 << 20

# Schedulers that run tasks in this process, so that a task can write into a local buffer.
_IN_PROCESS = (dask.threaded.get, dask.local.get_sync)


class StoredArray(da.Array):
    """A dask array of a stored level; `compute()` and `numpy.asarray` fill a single buffer.

    Examples
    --------
    >>> import numpy as np, zarr
    >>> z = zarr.create_array(zarr.storage.MemoryStore(), shape=(4, 6), chunks=(2, 3), dtype="u1")
    >>> z[:] = np.arange(24, dtype="u1").reshape(4, 6)
    >>> x = as_stored(da.from_array(z, chunks=(2, 3)))
    >>> x.compute().sum(), type(x[1:]).__name__
    (np.uint64(276), 'Array')
    """

    __slots__ = ()

    def compute(self, **kwargs: Any) -> Any:
        scheduler = dask.base.get_scheduler(scheduler=kwargs.get("scheduler"), collections=[self])
        local = scheduler in _IN_PROCESS
        known = kwargs.keys() <= {"scheduler", "num_workers", "optimize_graph"}
        if not (local and known and self.size and isinstance(self._meta, np.ndarray)):
            return super().compute(**kwargs)  # type: ignore[no-untyped-call]
        out = _empty(self.shape, self.dtype)
        kwargs.pop("optimize_graph", None)
        da.store(self, out, lock=False, **kwargs)
        return out


def _empty(shape: tuple[int, ...], dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
    """An uninitialised C-ordered array whose pages are not marked for transparent huge pages.

    For arrays of 4 MiB and more, numpy asks the kernel for huge pages (`madvise`); where the
    kernel's `transparent_hugepage/defrag` is `madvise` (Debian's default), a first touch of
    such memory may stall while the kernel compacts memory to find them. Filling a 256 MiB
    level took 0.38-0.71 s in five fresh processes, 0.40-0.52 s without the advice
    (tensorstore, whose buffers carry none: 0.28-0.32 s). Large allocations are private
    anonymous mappings either way; this one simply skips the advice. Elsewhere: `np.empty`.
    """
    nbytes = math.prod(shape) * dtype.itemsize
    if not sys.platform.startswith("linux") or nbytes < _HUGE_ADVICE_MIN:
        return np.empty(shape, dtype=dtype)
    buffer = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    # The array keeps the mapping alive; it is unmapped when the array is freed.
    return np.frombuffer(buffer, dtype=dtype).reshape(shape)


def as_stored(array: da.Array) -> StoredArray:
    """The same dask array (graph, name, chunks, meta) as a [`StoredArray`][ngffkit.io._stored.StoredArray].

    Examples
    --------
    >>> as_stored(da.zeros((4, 4), chunks=2)).compute().shape
    (4, 4)
    """
    # dask's constructor has no annotations (dask is in mypy's untyped_calls_exclude, but
    # this call is to the subclass, which mypy names after our module).
    return StoredArray(array.dask, array.name, array.chunks, meta=array._meta)  # type: ignore[no-untyped-call]
