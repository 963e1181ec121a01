"""Stream a pyramid into zarr arrays region by region, in bounded memory.

The plan
--------
Levels are grouped into *passes*. A pass has a *root* level, read one region at a time
(from its dask graph, or from the array an earlier pass has just written), and the
levels derived from it in memory by the kernels of [`ngffkit.methods`][ngffkit.methods]
while that region is loaded, so each source pixel is read once per pass. The region
grid is aligned so that every written level gets whole stored objects (chunks, or
shards when sharded): no two regions ever touch the same object, so regions run in
parallel (threads, or tasks on a ``dask.distributed`` cluster) and each object is
encoded and written exactly once.

A region is widened by the halo its methods need (0 for ``mean``, ``mode`` and
``nearest``) and the widened pixels are dropped after downsampling, so every level is
identical to its lazy [`downsample`][ngffkit.methods.downsample] graph.

Memory: a region's working set is about ``cost`` times its widened root window; the
regions in flight times that stays under the memory budget. When the grid that a deep
pyramid needs (chunk size times the level's total factor) cannot fit, the deeper levels
move to a later pass that reads the last level written instead of the source.
"""

from __future__ import annotations

import itertools
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import dask.array as da
import numpy as np
import zarr
from dask.base import optimize
from zarr.storage import StorePath

from ngffkit.arrays import NumpyView
from ngffkit.errors import NgffValueError
from ngffkit.io._engine import store_fill_keys, zarrs_enabled
from ngffkit.io._journal import Journal
from ngffkit.io._stored import corrupt_error
from ngffkit.io.stores import describe_store
from ngffkit.methods import Methods, downsample_array, halo, parse_method
from ngffkit.model import LevelDerivation

__all__ = [
    "Level",
    "Pass",
    "RegionTask",
    "plan_passes",
    "plan_regions",
    "run_region",
    "stream_levels",
    "default_memory_limit",
    "parse_memory_limit",
]

_MIB = 1 << 20
# Working set per root-window byte: the window itself, the encoded copies zarr keeps
# while writing, and the coarser levels; more for the blurring methods (float copies).
_COST_BINNING = 3.0
_COST_BLUR = 8.0
_DEFAULT_CAP = 256 * _MIB
_FLOOR = 64 * _MIB


def parse_memory_limit(value: int | str | None) -> int:
    """Bytes for a ``memory_limit``: an int, a string such as ``"512 MiB"``, or None.

    None reads ``NGFFKIT_MEMORY_LIMIT`` from the environment, else
    [`default_memory_limit`][ngffkit.io._stream.default_memory_limit].

    Examples
    --------
    >>> parse_memory_limit("1 GiB")
    1073741824
    >>> parse_memory_limit(1000)
    1000
    """
    if value is None:
        value = os.environ.get("NGFFKIT_MEMORY_LIMIT") or None
        if value is None:
            return default_memory_limit()
        where = "NGFFKIT_MEMORY_LIMIT"
    else:
        where = "memory_limit"
    if isinstance(value, bool):
        raise NgffValueError(f"{where}: expected a number of bytes or a size string, got {value!r}")
    if isinstance(value, int | np.integer):
        parsed = int(value)
    elif isinstance(value, str):
        from dask.utils import parse_bytes

        try:
            parsed = int(parse_bytes(value))
        except ValueError as error:
            raise NgffValueError(
                f"{where}: expected a size such as '512 MiB' or a number of bytes, got {value!r}"
            ) from error
    else:
        raise NgffValueError(f"{where}: expected a number of bytes or a size string, got {value!r}")
    if parsed <= 0:
        raise NgffValueError(f"{where}: expected a positive size, got {value!r}")
    return parsed


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def default_memory_limit() -> int:
    """The writer's default working-set budget: an eighth of the available RAM, 64-256 MiB.

    Larger regions do not make the write faster once they hold a few chunks per level,
    so the default stays small and leaves the memory to the rest of the process.

    Examples
    --------
    >>> 64 * 2**20 <= default_memory_limit() <= 256 * 2**20
    True
    """
    available = _available_memory()
    if available is None:
        return _DEFAULT_CAP
    return max(_FLOOR, min(_DEFAULT_CAP, available // 8))


def default_workers() -> int:
    """Threads for a local write: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Level:
    """One level to write: its lazy pixels, its target array and how it was planned."""

    data: da.Array
    target: zarr.Array[Any]
    derivation: LevelDerivation | None
    name: str
    stored: bool = False
    """The target already holds these pixels: read it as a source, never write it (the
    highest resolution when a container recomputes its lower levels)."""

    @property
    def unit(self) -> tuple[int, ...]:
        """The shape of one stored object: the shard, or the chunk when not sharded."""
        shards = self.target.shards
        return tuple(shards if shards is not None else self.target.chunks)


@dataclass(frozen=True)
class Node:
    """A level inside a pass: computed from its parent node by *factors* and *method*."""

    level: int
    parent: int | None
    factors: tuple[int, ...]
    method: Methods | None
    total: tuple[int, ...]
    """Factor relative to the pass's root."""
    halo: tuple[int, ...]
    """Parent pixels needed beyond each side (0 for the binning methods)."""


@dataclass(frozen=True)
class Pass:
    """A root level read region by region, and the levels derived from it in memory."""

    nodes: tuple[Node, ...]
    from_store: bool
    """Read the root from its written array (an earlier pass wrote it) and do not rewrite it."""
    margins: tuple[tuple[int, ...], ...]
    """Per node, pixels it must be exact beyond the region on each side (own pixels)."""
    align: tuple[int, ...]
    """Region corners are multiples of this (root pixels)."""

    @property
    def root(self) -> int:
        return self.nodes[0].level


def _valid_derivation(levels: Sequence[Level], k: int) -> LevelDerivation | None:
    """The level's derivation if both dask names still match what was planned."""
    d = levels[k].derivation
    if d is None or not 0 <= d.source < k:
        return None
    if levels[k].data.name != d.data_name or levels[d.source].data.name != d.source_name:
        return None
    if len(d.factors) != levels[k].data.ndim:
        return None
    try:
        parse_method(d.method)
    except NgffValueError:
        return None
    return d


def _make_pass(levels: Sequence[Level], nodes: list[Node], from_store: bool) -> Pass:
    ndim = levels[nodes[0].level].data.ndim
    margins: list[tuple[int, ...]] = [(0,) * ndim] * len(nodes)
    # Children come after parents: walk backwards so each parent sees its children's needs.
    for i in range(len(nodes) - 1, 0, -1):
        node = nodes[i]
        assert node.parent is not None
        need = tuple(m * f + h for m, f, h in zip(margins[i], node.factors, node.halo, strict=True))
        margins[node.parent] = tuple(
            max(a, b) for a, b in zip(margins[node.parent], need, strict=True)
        )
    shape = levels[nodes[0].level].data.shape
    align = [1] * ndim
    for i, node in enumerate(nodes):
        if i == 0 and from_store:
            continue
        unit = levels[node.level].unit
        align = [math.lcm(a, u * t) for a, u, t in zip(align, unit, node.total, strict=True)]
    # A level stored in one object along an axis needs the whole axis in one region.
    align = [min(a, n) for a, n in zip(align, shape, strict=True)]
    return Pass(
        nodes=tuple(nodes), from_store=from_store, margins=tuple(margins), align=tuple(align)
    )


def _cost_factor(p: Pass) -> float:
    blur = any(n.method is not None and any(n.halo) for n in p.nodes)
    return _COST_BLUR if blur else _COST_BINNING


def window_bytes(p: Pass, levels: Sequence[Level], region: Sequence[int]) -> int:
    """Estimated working set of one region of *p* with this shape (root pixels)."""
    root = levels[p.root].data
    shape = root.shape
    window = [min(n, r + 2 * m) for n, r, m in zip(shape, region, p.margins[0], strict=True)]
    return int(math.prod(window) * root.dtype.itemsize * _cost_factor(p))


def _min_region(p: Pass, levels: Sequence[Level]) -> tuple[int, ...]:
    shape = levels[p.root].data.shape
    return tuple(min(a, n) for a, n in zip(p.align, shape, strict=True))


def plan_passes(levels: Sequence[Level], budget: int) -> list[Pass]:
    """Group *levels* into passes whose smallest aligned region fits *budget* bytes.

    Examples
    --------
    >>> import numpy as np, zarr
    >>> from ngffkit.pyramids import to_multiscales
    >>> ms = to_multiscales(np.zeros((256, 256), "u1"), scale_factors=[2, 4], chunks=64)
    >>> arrays = [zarr.create_array({}, shape=i.shape, chunks=(64, 64), dtype="u1") for i in ms.images]
    >>> lv = [Level(i.data, a, d, str(k)) for k, (i, a, d) in enumerate(zip(ms.images, arrays, ms.derivations))]
    >>> [[n.level for n in p.nodes] for p in plan_passes(lv, 2**30)]
    [[0, 1, 2]]
    """
    passes: list[list[Node]] = []
    from_store: list[bool] = []
    computed_in: dict[int, int] = {}
    for k, level in enumerate(levels):
        ndim = level.data.ndim
        d = _valid_derivation(levels, k)
        if d is None:
            passes.append([Node(k, None, (1,) * ndim, None, (1,) * ndim, (0,) * ndim)])
            from_store.append(level.stored)
            computed_in[k] = len(passes) - 1
            continue
        method = parse_method(d.method)
        margin = halo(method, d.factors)
        placed = False
        # Try the pass that computes the source, then a pass that re-reads the written source.
        for index in range(len(passes)):
            nodes = passes[index]
            positions = [i for i, n in enumerate(nodes) if n.level == d.source]
            if not positions or (index != computed_in[d.source] and nodes[0].level != d.source):
                continue
            parent = nodes[positions[0]]
            node = Node(
                k,
                positions[0],
                d.factors,
                method,
                tuple(t * f for t, f in zip(parent.total, d.factors, strict=True)),
                margin,
            )
            trial = _make_pass(levels, [*nodes, node], from_store[index])
            if window_bytes(trial, levels, _min_region(trial, levels)) <= budget:
                nodes.append(node)
                computed_in[k] = index
                placed = True
                break
        if not placed:
            ones = (1,) * ndim
            root = Node(d.source, None, ones, None, ones, (0,) * ndim)
            passes.append([root, Node(k, 0, d.factors, method, d.factors, margin)])
            from_store.append(True)
            computed_in[k] = len(passes) - 1
    return [_make_pass(levels, nodes, fs) for nodes, fs in zip(passes, from_store, strict=True)]


def source_chunks(p: Pass, levels: Sequence[Level]) -> tuple[int, ...] | None:
    """The chunk shape a region of *p*'s root should respect, so no source chunk is read twice.

    The stored chunks for a root read from a store; for a dask graph, the largest chunks
    of any array in it with the root's shape (a re-chunked source still computes its own,
    larger blocks whole); None for numpy, which any window reads for free.
    """
    root = levels[p.root]
    if p.from_store:
        return tuple(root.target.chunks)
    direct = direct_source(root.data)
    if isinstance(direct, zarr.Array):
        return tuple(direct.chunks)
    if direct is not None:
        return None
    sizes = [int(c[0]) if c else 1 for c in root.data.chunks]
    for layer in root.data.dask.layers.values():
        notes = getattr(layer, "collection_annotations", None) or {}
        if tuple(notes.get("shape", ())) == root.data.shape and notes.get("chunksize"):
            sizes = [max(a, int(b)) for a, b in zip(sizes, notes["chunksize"], strict=True)]
    return tuple(sizes)


def plan_regions(
    p: Pass, levels: Sequence[Level], budget: int, workers: int
) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Cut the root of *p* into aligned regions that fit *budget*; ``(start, stop)`` each.

    Regions are multiples of the pass's alignment, and of the source's chunks where the
    budget allows (then every source chunk is read by one region only). They grow along
    the last (fastest) axes first, so they are slabs of whole rows, and stay numerous
    enough to keep *workers* busy.
    """
    shape = levels[p.root].data.shape
    grain = list(_min_region(p, levels))
    chunks = source_chunks(p, levels)
    if chunks is not None:
        for axis in reversed(range(len(shape))):
            trial = [*grain]
            trial[axis] = min(shape[axis], math.lcm(p.align[axis], chunks[axis]))
            if window_bytes(p, levels, trial) <= budget:
                grain = trial
    region = [*grain]
    for axis in reversed(range(len(shape))):
        if region[axis] >= shape[axis]:
            continue
        step = grain[axis]
        best = region[axis]
        while best < shape[axis]:
            trial = [*region]
            trial[axis] = min(shape[axis], best + step)
            if window_bytes(p, levels, trial) > budget:
                break
            best = trial[axis]
        region[axis] = best
        if best < shape[axis]:
            break

    def count(r: Sequence[int]) -> int:
        return math.prod(math.ceil(n / s) for n, s in zip(shape, r, strict=True))

    # Enough regions to keep every worker busy: split the slowest splittable axis.
    wanted = 2 * workers
    axis = 0
    while count(region) < wanted and axis < len(shape):
        step = grain[axis]
        if region[axis] > step:
            blocks = math.ceil(region[axis] / step)
            region[axis] = math.ceil(blocks / 2) * step
        else:
            axis += 1

    starts = [range(0, n, r) for n, r in zip(shape, region, strict=True)]
    out = []
    for corner in np.ndindex(*(len(s) for s in starts)):
        start = tuple(s[i] for s, i in zip(starts, corner, strict=True))
        stop = tuple(min(n, a + r) for n, a, r in zip(shape, start, region, strict=True))
        out.append((start, stop))
    return out


@dataclass(frozen=True)
class RegionTask:
    """Everything one region needs, picklable for a dask.distributed worker."""

    nodes: tuple[Node, ...]
    margins: tuple[tuple[int, ...], ...]
    shapes: tuple[tuple[int, ...], ...]
    targets: tuple[zarr.Array[Any] | None, ...]
    """Per node, the array to write, or None (a root an earlier pass wrote)."""
    start: tuple[int, ...]
    stop: tuple[int, ...]
    window_start: tuple[int, ...]
    source: Any
    """The root's pixels in the widened window: a dask array, or the written zarr array."""


def direct_source(data: da.Array) -> Any:
    """The array *data* reads unchanged (numpy or zarr), if its graph only re-chunks it.

    ``to_ngff_image(numpy_array)``, ``da.from_zarr`` and the arrays
    [`from_ngff_zarr`][ngffkit.from_ngff_zarr] returns are one ``from_array`` layer over
    that object, possibly re-chunked. Reading a window straight from the object skips the
    per-chunk tasks and copies of the dask graph (a view, for numpy); any other graph
    returns None and is computed.

    Examples
    --------
    >>> import numpy as np
    >>> from ngffkit.arrays import to_ngff_image
    >>> pixels = np.zeros((8, 8), "u1")
    >>> lazy = to_ngff_image(pixels).data
    >>> direct_source(lazy.rechunk(2)) is pixels
    True
    >>> direct_source(lazy + 1) is None
    True
    """
    layers = data.dask.layers
    originals = [name for name in layers if str(name).startswith("original-")]
    if len(originals) != 1 or len(layers[originals[0]]) != 1:
        return None
    wrapper = str(originals[0])[len("original-") :]
    others = [str(name) for name in layers if name != originals[0]]
    if any(name != wrapper and not name.startswith("rechunk-") for name in others):
        return None
    obj = next(iter(layers[originals[0]].values()))
    obj = getattr(obj, "value", obj)  # dask may wrap the object as a DataNode
    if isinstance(obj, NumpyView):
        obj = obj.array
    if not isinstance(obj, np.ndarray | zarr.Array):
        return None
    if tuple(obj.shape) != tuple(data.shape) or np.dtype(obj.dtype) != data.dtype:
        return None
    return obj


def _read_window(task: RegionTask) -> np.ndarray:
    source = task.source
    if isinstance(source, np.ndarray):
        return source
    if isinstance(source, zarr.Array):
        window = tuple(
            slice(a, min(n, b + m))
            for a, b, n, m in zip(
                task.window_start, task.stop, task.shapes[0], task.margins[0], strict=True
            )
        )
        try:
            return np.asarray(source[window])
        except Exception as exc:  # a damaged chunk of the source: name it, not the codec
            error = corrupt_error(exc, describe_store(StorePath(source.store, source.path)))
            if error is None:
                raise
            raise error from None
    # One region is one task: its reads run here, not on a second pool of threads.
    pixels: Any = source.compute(scheduler="sync")
    return np.asarray(pixels)


def _all_fill(pixels: np.ndarray) -> bool:
    """True if every pixel's bytes are zero, the writer's fill value (-0.0 and NaN are not)."""
    size = pixels.dtype.itemsize // (2 if pixels.dtype.kind == "c" else 1)
    if pixels.dtype.kind not in "biufc" or size not in (1, 2, 4, 8):
        return False
    try:
        words = pixels.view(f"u{size}")
    except ValueError:  # a view whose last axis is strided cannot change its item size
        words = np.ascontiguousarray(pixels).view(f"u{size}")
    if words.size and (words.flat[0] or words.flat[-1]):
        return False  # real data: decided without the pass over every pixel (~20 ms/32 MiB)
    return not words.any()


def _store_fill_blocks(target: zarr.Array[Any], part: np.ndarray, origin: tuple[int, ...]) -> None:
    """Store the all-fill chunks (or shards) of *part*, just written at *origin*, again.

    Intensity levels store every chunk, so that a missing one means damage (validate
    chunks=True); zarrs 0.2 drops all-fill chunks whatever the array's
    ``write_empty_chunks`` says, zarr-python's pipeline keeps them. Each check is one pass
    over memory that was just encoded; such chunks are rare in intensity images.
    """
    outer = target.shards or target.chunks
    starts = [range(o - o % c, o + n, c) for o, n, c in zip(origin, part.shape, outer, strict=True)]
    for corner in itertools.product(*starts):
        rel = tuple(
            slice(max(a, o) - o, min(a + c, o + n) - o)
            for a, o, n, c in zip(corner, origin, part.shape, outer, strict=True)
        )
        block = part[rel]
        # One pixel rules out almost every block of real data before the full pass.
        if block.size and not block[(0,) * block.ndim] and _all_fill(block):
            store_fill_keys(
                target,
                tuple(slice(r.start + o, r.stop + o) for r, o in zip(rel, origin, strict=True)),
            )


def run_region(task: RegionTask) -> tuple[int, ...]:
    """Read, downsample and write one region; return the bytes written per node.

    Examples
    --------
    See [`stream_levels`][ngffkit.io._stream.stream_levels], which builds the tasks.
    """
    root = _read_window(task)
    computed: list[tuple[np.ndarray, tuple[int, ...]]] = [(root, task.window_start)]
    for i, node in enumerate(task.nodes[1:], start=1):
        assert node.parent is not None
        assert node.method is not None
        parent, parent_start = computed[node.parent]
        parent_shape = task.shapes[node.parent]
        shape = task.shapes[i]
        lo = tuple(
            max(0, a // t - m)
            for a, t, m in zip(task.start, node.total, task.margins[i], strict=True)
        )
        hi = tuple(
            min(n, -(-b // t) + m)
            for b, t, m, n in zip(task.stop, node.total, task.margins[i], shape, strict=True)
        )
        p_lo = tuple(max(0, a * f - h) for a, f, h in zip(lo, node.factors, node.halo, strict=True))
        p_hi = tuple(
            min(n, b * f + h)
            for b, f, h, n in zip(hi, node.factors, node.halo, parent_shape, strict=True)
        )
        window = tuple(
            slice(a - s, b - s) for a, b, s in zip(p_lo, p_hi, parent_start, strict=True)
        )
        out = downsample_array(parent[window], node.factors, node.method)
        keep = tuple(
            slice(a - pa // f, b - pa // f)
            for a, b, pa, f in zip(lo, hi, p_lo, node.factors, strict=True)
        )
        computed.append((out[keep], lo))
    written = []
    for i, (node, target) in enumerate(zip(task.nodes, task.targets, strict=True)):
        if target is None:
            written.append(0)
            continue
        pixels, origin = computed[i]
        lo = tuple(a // t for a, t in zip(task.start, node.total, strict=True))
        hi = tuple(
            min(n, -(-b // t))
            for b, t, n in zip(task.stop, node.total, task.shapes[i], strict=True)
        )
        part = pixels[tuple(slice(a - o, b - o) for a, b, o in zip(lo, hi, origin, strict=True))]
        region = tuple(slice(a, b) for a, b in zip(lo, hi, strict=True))
        keep_empty = target.config.write_empty_chunks
        if _all_fill(part):
            if keep_empty:
                store_fill_keys(target, region)
            # Label background: a reader sees the same without any stored chunk.
            written.append(int(part.nbytes))
            continue
        target[region] = part
        if keep_empty and zarrs_enabled(target.store):
            _store_fill_blocks(target, part, lo)
        written.append(int(part.nbytes))
    return tuple(written)


def _tasks(p: Pass, levels: Sequence[Level], budget: int, workers: int) -> Iterator[RegionTask]:
    root = levels[p.root]
    shapes = tuple(levels[n.level].data.shape for n in p.nodes)
    targets = tuple(
        None if (i == 0 and p.from_store) else levels[n.level].target for i, n in enumerate(p.nodes)
    )
    direct = root.target if p.from_store else direct_source(root.data)
    for start, stop in plan_regions(p, levels, budget, workers):
        window_start = tuple(max(0, a - m) for a, m in zip(start, p.margins[0], strict=True))
        window = tuple(
            slice(a, min(n, b + m))
            for a, b, n, m in zip(window_start, stop, shapes[0], p.margins[0], strict=True)
        )
        source: Any
        if isinstance(direct, zarr.Array):
            source = direct
        elif isinstance(direct, np.ndarray):
            source = direct[window]  # a view: nothing is copied
        else:
            # Culled to the window: a task shipped to a cluster carries only its own reads.
            (source,) = optimize(root.data[window])
        yield RegionTask(
            nodes=p.nodes,
            margins=p.margins,
            shapes=shapes,
            targets=targets,
            start=start,
            stop=stop,
            window_start=window_start,
            source=source,
        )


Report = Callable[[int, int], None]


def _run_local(
    tasks: Iterator[RegionTask], workers: int, report: Callable[[RegionTask, tuple[int, ...]], None]
) -> None:
    if workers <= 1:
        for task in tasks:
            report(task, run_region(task))
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ngffkit-write") as pool:
        pending: dict[Future[tuple[int, ...]], RegionTask] = {}
        try:
            for task in tasks:
                # Bounded queue: a region's source is only touched when a worker takes it,
                # but building the tasks of a huge image up front would still cost memory.
                while len(pending) >= 2 * workers:
                    _drain(pending, report)
                pending[pool.submit(run_region, task)] = task
            while pending:
                _drain(pending, report)
        except BaseException:
            for future in pending:
                future.cancel()
            raise


def _drain(
    pending: dict[Future[tuple[int, ...]], RegionTask],
    report: Callable[[RegionTask, tuple[int, ...]], None],
) -> None:
    done, _ = wait(pending, return_when=FIRST_COMPLETED)
    for future in done:
        task = pending.pop(future)
        report(task, future.result())


def _run_distributed(
    client: Any,
    tasks: Iterator[RegionTask],
    report: Callable[[RegionTask, tuple[int, ...]], None],
) -> None:
    from distributed import as_completed

    futures = {}
    for task in tasks:
        futures[client.submit(run_region, task, pure=False)] = task
    try:
        for future in as_completed(list(futures)):
            report(futures[future], future.result())
    except BaseException:
        client.cancel(list(futures))
        raise


def active_client(scheduler: Any) -> Any:
    """The dask.distributed client to run on, or None for local threads.

    *scheduler* may be a ``distributed.Client``, ``"distributed"`` (the active client,
    an error without one), ``"threads"``, ``"sync"``/``"synchronous"`` or None (the
    active client if there is one, else threads).
    """
    if scheduler is None or scheduler == "distributed":
        if "distributed" not in sys.modules:
            if scheduler == "distributed":
                raise NgffValueError(
                    "scheduler='distributed': no dask.distributed Client is active "
                    "(create one with distributed.Client(...) first)"
                )
            return None
        from distributed import default_client

        try:
            return default_client()
        except ValueError as error:
            if scheduler == "distributed":
                raise NgffValueError(
                    "scheduler='distributed': no dask.distributed Client is active "
                    "(create one with distributed.Client(...) first)"
                ) from error
            return None
    if isinstance(scheduler, str):
        if scheduler in ("threads", "threading", "sync", "synchronous", "single-threaded"):
            return None
        raise NgffValueError(
            f"scheduler: expected 'threads', 'sync', 'distributed' or a distributed.Client, "
            f"got {scheduler!r}"
        )
    if hasattr(scheduler, "submit") and hasattr(scheduler, "gather"):
        return scheduler
    raise NgffValueError(
        f"scheduler: expected 'threads', 'sync', 'distributed' or a distributed.Client, "
        f"got {scheduler!r}"
    )


def stream_levels(
    levels: Sequence[Level],
    *,
    memory_limit: int,
    workers: int,
    client: Any = None,
    report: Report | None = None,
    journal: Journal | None = None,
    key: str = "0",
) -> None:
    """Write every level's pixels into its target array, pass by pass, region by region.

    With a *journal*, regions it lists as done (under *key*, one per pyramid) are skipped,
    and each region is recorded there once all its writes have returned.

    *memory_limit* is shared by the *workers* local threads; with a dask.distributed
    *client* it applies to each worker process, shared by its threads.
    *report(level_index, nbytes)* is called as regions finish (in the calling thread).

    Examples
    --------
    >>> import numpy as np, zarr
    >>> from ngffkit.pyramids import to_multiscales
    >>> ms = to_multiscales(np.arange(64 * 64, dtype="u2").reshape(64, 64), scale_factors=[2], chunks=16)
    >>> arrays = [zarr.create_array({}, shape=i.shape, chunks=(16, 16), dtype="u2") for i in ms.images]
    >>> lv = [Level(i.data, a, d, str(k)) for k, (i, a, d) in enumerate(zip(ms.images, arrays, ms.derivations))]
    >>> stream_levels(lv, memory_limit=2**26, workers=2)
    >>> bool((arrays[1][:] == ms.images[1].data.compute()).all())
    True
    """
    budget = max(1, memory_limit // max(1, workers))
    if client is not None:
        # On a cluster the budget is per worker process, shared by that worker's threads;
        # all the cluster's threads need regions to work on.
        threads = list(client.nthreads().values()) or [1]
        budget = max(1, memory_limit // max(threads))
        workers = sum(threads)

    for index, p in enumerate(plan_passes(levels, budget)):
        pass_key = f"{key}:{index}"

        def done(task: RegionTask, written: tuple[int, ...], pass_key: str = pass_key) -> None:
            if journal is not None:
                journal.record(pass_key, task.start)
            if report is None:
                return
            for node, nbytes in zip(task.nodes, written, strict=True):
                if nbytes:
                    report(node.level, nbytes)

        tasks: Iterator[RegionTask] = _tasks(p, levels, budget, workers)
        if journal is not None:
            tasks = (t for t in tasks if not journal.is_done(pass_key, t.start))
        if client is not None:
            _run_distributed(client, tasks, done)
        else:
            _run_local(tasks, workers, done)
