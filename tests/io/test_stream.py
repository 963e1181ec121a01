"""The streaming pyramid writer: same pixels as the lazy graphs, bounded memory, each object once."""

from __future__ import annotations

import io
import math
import os
import subprocess
import sys
import threading
import tracemalloc
import warnings
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import dask.array as da
import numpy as np
import pytest
import zarr
from zarr.storage import LocalStore, WrapperStore

import ngffkit
from ngffkit.errors import NgffIncompleteStoreError, NgffValueError
from ngffkit.io._progress import WriteProgress
from ngffkit.io._stream import (
    Level,
    _all_fill,
    direct_source,
    parse_memory_limit,
    plan_passes,
    plan_regions,
)
from tests.conftest import make_array, requires


def read_levels(path: Path) -> list[np.ndarray]:
    return [np.asarray(level.data) for level in ngffkit.from_ngff_zarr(path).images]


def planned(ms: ngffkit.Multiscales) -> list[np.ndarray]:
    """What the lazy graphs of *ms* compute: the reference the streamed write must equal."""
    return [np.asarray(level.data.compute(scheduler="sync")) for level in ms.images]


def assert_levels_equal(got: list[np.ndarray], want: list[np.ndarray]) -> None:
    assert len(got) == len(want)
    for k, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g.shape == w.shape, f"level {k}"
        np.testing.assert_array_equal(g, w, err_msg=f"level {k}")


# Shapes that no factor divides, so every region edge and partial bin is exercised.
@pytest.mark.parametrize(
    ("method", "dtype"),
    [
        ("mean", "uint16"),
        ("gaussian", "float32"),
        ("gaussian", "uint8"),
        ("mode", "uint32"),
        ("nearest", "int16"),
        ("itkwasm_bin_shrink", "uint16"),
        pytest.param("dask_image_gaussian", "float32", marks=requires("dask_image", "dask-image")),
    ],
)
@pytest.mark.parametrize("memory_limit", ["256 KiB", "64 MiB"])
def test_streamed_levels_equal_the_lazy_graphs(tmp_path, method, dtype, memory_limit) -> None:
    pixels = make_array((21, 50, 45), dtype)
    ms = ngffkit.to_multiscales(
        pixels, scale_factors=[2, {"z": 2, "y": 4, "x": 4}, 8], chunks=8, method=method
    )
    target = tmp_path / "img.zarr"
    ngffkit.to_ngff_zarr(target, ms, memory_limit=memory_limit, progress=False)
    assert_levels_equal(read_levels(target), planned(ms))


@pytest.fixture(params=["zarrs", "zarr-python"])
def engine(request, monkeypatch) -> str:
    """Run the test with the zarrs codec pipeline (when installed) and without it."""
    if request.param == "zarrs":
        pytest.importorskip("zarrs", reason="needs zarrs: pip install 'ngffkit[zarrs]'")
        monkeypatch.setenv("NGFFKIT_ZARRS", "1")
    else:
        monkeypatch.setenv("NGFFKIT_ZARRS", "0")
    return str(request.param)


@pytest.mark.parametrize("version", ["0.4", "0.5", "0.6"])
@pytest.mark.parametrize("workers", [1, 3])
def test_versions_and_workers_give_the_same_pixels(tmp_path, version, workers, engine) -> None:
    ms = ngffkit.to_multiscales(make_array((2, 20, 70, 66)), scale_factors=[2, 4], chunks=16)
    ms = replace(ms, images=ms.images)  # replace keeps the derivations: still streamed
    target = tmp_path / "img.zarr"
    ngffkit.to_ngff_zarr(
        target, ms, version=version, max_workers=workers, memory_limit="1 MiB", progress=False
    )
    assert_levels_equal(read_levels(target), planned(ms))


@pytest.mark.parametrize("chunks_per_shard", [None, 2])
def test_the_engine_is_the_one_asked_for(tmp_path, engine, chunks_per_shard) -> None:
    from zarr.storage import StorePath

    from ngffkit.io._engine import codec_pipeline
    from ngffkit.io.read import _open_level

    ms = ngffkit.to_multiscales(make_array((16, 64, 64)), scale_factors=[2], chunks=16)
    target = tmp_path / "img.zarr"
    ngffkit.to_ngff_zarr(target, ms, chunks_per_shard=chunks_per_shard, progress=False)
    array = _open_level(StorePath(LocalStore(target), ""), "0", str(target))  # as the reader does
    name = type(array._async_array.codec_pipeline).__name__
    assert name == ("ZarrsCodecPipeline" if engine == "zarrs" else "BatchedCodecPipeline")
    with codec_pipeline(LocalStore(target)):  # and the written bytes read back the same
        assert_levels_equal(read_levels(target), planned(ms))


@requires("zarrs", "zarrs")
def test_the_pipeline_block_keeps_filters_other_threads_add(tmp_path) -> None:
    # zarr's warning filters are one process-wide list; a block that saved and restored it
    # (warnings.catch_warnings) would drop a filter added by another thread meanwhile.
    from ngffkit.io._engine import codec_pipeline

    inside, added = threading.Event(), threading.Event()

    def write() -> None:
        with codec_pipeline(LocalStore(tmp_path)):
            inside.set()
            added.wait(10)

    worker = threading.Thread(target=write)
    with warnings.catch_warnings():  # the test's own filters are put back afterwards
        worker.start()
        assert inside.wait(10)
        warnings.filterwarnings("ignore", "a filter the user adds meanwhile")
        added.set()
        worker.join(10)
        assert any(
            f[1] is not None and f[1].pattern == "a filter the user adds meanwhile"
            for f in warnings.filters
        )


@requires("zarrs", "zarrs")
def test_zarrs_falling_back_is_not_a_warning_even_where_warnings_are_errors(tmp_path) -> None:
    import numcodecs

    ms = ngffkit.to_multiscales(make_array((32, 32)), scale_factors=[2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the filter list a user's block starts from
        ngffkit.to_ngff_zarr(
            tmp_path / "a.zarr", ms, version="0.4", compressors=[numcodecs.LZ4()], progress=False
        )
    assert_levels_equal(read_levels(tmp_path / "a.zarr"), planned(ms))


def make_levels(ms: ngffkit.Multiscales, units: list[tuple[int, ...]] | None = None) -> list[Level]:
    arrays = [
        zarr.create_array(
            {},
            shape=img.shape,
            chunks=units[k] if units else tuple(int(c[0]) for c in img.data.chunks),
            dtype=img.dtype,
        )
        for k, img in enumerate(ms.images)
    ]
    return [
        Level(img.data, array, d, str(k))
        for k, (img, array, d) in enumerate(zip(ms.images, arrays, ms.derivations, strict=True))
    ]


def test_a_small_budget_moves_deep_levels_to_passes_that_reread_the_written_level() -> None:
    ms = ngffkit.to_multiscales(make_array((64, 256, 256)), scale_factors=[2, 4, 8], chunks=32)
    levels = make_levels(ms)
    roomy = plan_passes(levels, 2**30)
    assert [[n.level for n in p.nodes] for p in roomy] == [[0, 1, 2, 3]]
    tight = plan_passes(levels, 4 * 2**20)
    assert len(tight) > 1
    assert not tight[0].from_store
    assert all(p.from_store for p in tight[1:])
    # Every level is written by exactly one pass; a re-read root is not written again.
    written = [
        n.level for p in tight for i, n in enumerate(p.nodes) if not (i == 0 and p.from_store)
    ]
    assert sorted(written) == [0, 1, 2, 3]


def test_regions_are_aligned_to_every_levels_stored_objects() -> None:
    ms = ngffkit.to_multiscales(make_array((40, 200, 300)), scale_factors=[2, 4], chunks=16)
    levels = make_levels(ms)
    (p,) = plan_passes(levels, 2**30)
    # 16-chunks of the /4 level span 64 level-0 pixels; its z (10 pixels) is one chunk.
    assert p.align == (40, 64, 64)
    regions = plan_regions(p, levels, 2**30, workers=2)
    covered = np.zeros((40, 200, 300), dtype=np.uint8)
    for start, stop in regions:
        assert start[0] == 0 and all(a % 64 == 0 for a in start[1:])
        assert all(b % 64 == 0 or b == n for b, n in zip(stop[1:], (200, 300), strict=True))
        covered[tuple(slice(a, b) for a, b in zip(start, stop, strict=True))] += 1
    assert (covered == 1).all()  # a partition: each pixel in exactly one region
    assert len(regions) >= 4  # enough regions to keep two workers busy


def test_a_replaced_level_is_written_from_its_own_graph(tmp_path) -> None:
    ms = ngffkit.to_multiscales(make_array((16, 64, 64)), scale_factors=[2], chunks=16)
    mine = ms.images[1].data * 0 + 7  # the user's own level: not what the derivation says
    replaced = replace(ms, images=(ms.images[0], replace(ms.images[1], data=mine)))
    target = tmp_path / "img.zarr"
    ngffkit.to_ngff_zarr(target, replaced, progress=False)
    assert (read_levels(target)[1] == 7).all()


def test_levels_read_from_a_store_are_copied(tmp_path) -> None:
    ms = ngffkit.to_multiscales(make_array((16, 64, 64)), scale_factors=[2, 4], chunks=16)
    first, second = tmp_path / "a.zarr", tmp_path / "b.zarr"
    ngffkit.to_ngff_zarr(first, ms, version="0.4", progress=False)
    back = ngffkit.from_ngff_zarr(first)
    assert back.derivations == ()
    ngffkit.to_ngff_zarr(second, back, version="0.5", memory_limit="64 KiB", progress=False)
    assert_levels_equal(read_levels(second), planned(ms))


class CountingStore(WrapperStore[LocalStore]):
    """Counts the writes per key: proof that no stored object is written twice."""

    def __init__(self, store: LocalStore) -> None:
        super().__init__(store)
        self.sets: Counter[str] = Counter()
        self._lock = threading.Lock()

    async def set(self, key: str, value: Any) -> None:
        with self._lock:
            self.sets[key] += 1
        await self._store.set(key, value)


@pytest.mark.parametrize("chunks_per_shard", [None, 2])
def test_every_chunk_and_shard_is_written_exactly_once(tmp_path, chunks_per_shard) -> None:
    ms = ngffkit.to_multiscales(make_array((24, 100, 100)), scale_factors=[2, 4], chunks=8)
    store = CountingStore(LocalStore(tmp_path / "img.zarr"))
    ngffkit.to_ngff_zarr(
        store,
        ms,
        version="0.5",
        chunks_per_shard=chunks_per_shard,
        memory_limit="512 KiB",
        max_workers=4,
        progress=False,
    )
    data_keys = {k: n for k, n in store.sets.items() if not k.endswith("zarr.json")}
    assert data_keys, "no chunk was written"
    assert set(data_keys.values()) == {1}, {k: n for k, n in data_keys.items() if n > 1}
    assert_levels_equal(read_levels(tmp_path / "img.zarr"), planned(ms))


@pytest.mark.parametrize("block", [(16, 32, 32), (64, 128, 64)])
def test_the_source_is_read_once(tmp_path, block) -> None:
    """Coarser levels come from level 0's regions in memory, not from the source again.

    With source blocks larger than the stored chunks, regions cover whole blocks, so
    no block is computed twice either.
    """
    calls: Counter[tuple[int, ...]] = Counter()
    lock = threading.Lock()

    def make_block(block_info: Any = None) -> np.ndarray:
        where = tuple(block_info[None]["chunk-location"])
        with lock:
            calls[where] += 1
        shape = block_info[None]["chunk-shape"]
        return np.full(shape, sum(where), dtype=np.uint16)

    source = da.map_blocks(
        make_block,
        chunks=tuple((b,) * (n // b) for b, n in zip(block, (64, 128, 128), strict=True)),
        dtype="u2",
    )
    ms = ngffkit.to_multiscales(source, scale_factors=[2, 4], chunks=16)
    ngffkit.to_ngff_zarr(
        tmp_path / "img.zarr", ms, memory_limit="8 MiB", max_workers=2, progress=False
    )
    assert len(calls) == math.prod(source.numblocks)
    assert set(calls.values()) == {1}


def test_memory_stays_near_the_budget(tmp_path) -> None:
    """A 64 MiB image generated block by block is written holding a few MiB at a time."""

    def block(block_info: Any = None) -> np.ndarray:
        rng = np.random.default_rng(block_info[None]["chunk-location"])
        return rng.integers(0, 4000, size=block_info[None]["chunk-shape"], dtype=np.uint16)

    source = da.map_blocks(block, chunks=((32,) * 2, (256,) * 4, (256,) * 2), dtype=np.uint16)
    assert source.nbytes == 64 * 2**20
    ms = ngffkit.to_multiscales(source, scale_factors=[2, 4], chunks=32)
    limit = 8 * 2**20
    tracemalloc.start()
    try:
        ngffkit.to_ngff_zarr(
            tmp_path / "img.zarr", ms, memory_limit=limit, max_workers=2, progress=False
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The budget is an estimate of the working set; allow for allocator slack, not for
    # holding the image (64 MiB) or a level of it.
    print(f"peak {peak / 2**20:.1f} MiB")
    assert peak < 2 * limit, f"peak {peak / 2**20:.1f} MiB for a {limit / 2**20:.0f} MiB budget"


@pytest.mark.parametrize("where", ["disk", "memory"])
def test_a_failing_region_leaves_nothing_a_reader_takes_for_an_image(tmp_path, where) -> None:
    """On disk the failed write is never published; in memory its arrays lack the metadata."""

    def block(block_info: Any = None) -> np.ndarray:
        if tuple(block_info[None]["chunk-location"]) == (1, 1):
            raise RuntimeError("disk on fire")
        return np.ones(block_info[None]["chunk-shape"], dtype=np.uint8)

    source = da.map_blocks(block, chunks=((32,) * 2, (32,) * 2), dtype=np.uint8)
    ms = ngffkit.to_multiscales(source, scale_factors=[2], chunks=32)
    target = tmp_path / "img.zarr" if where == "disk" else zarr.storage.MemoryStore()
    with pytest.raises(RuntimeError, match="disk on fire"):
        ngffkit.to_ngff_zarr(target, ms, progress=False)
    if where == "disk":
        assert list(tmp_path.iterdir()) == []
    else:
        with pytest.raises(NgffIncompleteStoreError):
            ngffkit.from_ngff_zarr(target)


def test_direct_source_reads_numpy_and_zarr_without_the_graph(tmp_path) -> None:
    pixels = make_array((8, 8))
    image = ngffkit.to_ngff_image(pixels)
    assert direct_source(image.data.rechunk(4)) is pixels
    stored = zarr.create_array(tmp_path / "a.zarr", shape=(8, 8), chunks=(4, 4), dtype="u2")
    assert direct_source(da.from_zarr(stored)) is not None
    assert direct_source(image.data[1:]) is None  # a slice is not the whole object
    assert direct_source(image.data.astype("f4")) is None


@pytest.mark.parametrize(
    ("value", "expected"), [("1 MiB", 2**20), (4096, 4096), ("2GB", 2 * 10**9)]
)
def test_memory_limit_parsing(value, expected) -> None:
    assert parse_memory_limit(value) == expected


def test_memory_limit_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("NGFFKIT_MEMORY_LIMIT", "3 MiB")
    assert parse_memory_limit(None) == 3 * 2**20


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"memory_limit": "lots"}, "memory_limit"),
        ({"memory_limit": -5}, "memory_limit"),
        ({"max_workers": 0}, "max_workers"),
        ({"scheduler": "processes"}, "scheduler"),
        ({"scheduler": "distributed"}, "no dask.distributed Client"),
    ],
)
def test_bad_write_options_are_refused_before_the_store_is_touched(tmp_path, kwargs, match) -> None:
    ms = ngffkit.to_multiscales(make_array((8, 8)), scale_factors=[])
    target = tmp_path / "img.zarr"
    with pytest.raises(NgffValueError, match=match):
        ngffkit.to_ngff_zarr(target, ms, progress=False, **kwargs)
    assert not target.exists()


def test_progress_bars_show_each_level_with_bytes(tmp_path) -> None:
    from rich.console import Console

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    with WriteProgress(True, [("level 0", 2**20), ("level 1", 2**17)], console=console) as bars:
        bars.advance(0, 2**20)
        bars.advance(1, 2**17)
    text = out.getvalue()
    assert "level 0" in text and "level 1" in text
    assert "1.0/1.0 MiB" in text


def test_automatic_progress_stays_quiet_off_a_terminal(tmp_path, capsys) -> None:
    ms = ngffkit.to_multiscales(make_array((32, 32)), scale_factors=[2])
    ngffkit.to_ngff_zarr(tmp_path / "a.zarr", ms)  # progress=None, not a terminal
    ngffkit.to_ngff_zarr(tmp_path / "b.zarr", ms, progress=False)
    assert capsys.readouterr().err == ""


def test_a_quiet_write_does_not_import_rich(tmp_path) -> None:
    # rich is imported only where rich itself could find a terminal; FORCE_COLOR is one of
    # the variables with which rich forces one, so the second write must ask rich.
    script = f"""
import os, sys
import ngffkit
ms = ngffkit.to_multiscales(ngffkit.to_ngff_image(__import__("numpy").zeros((32, 32), "u1")))
ngffkit.to_ngff_zarr({str(tmp_path / "a.zarr")!r}, ms)
print("rich.console" in sys.modules)
os.environ["FORCE_COLOR"] = "1"
ngffkit.to_ngff_zarr({str(tmp_path / "b.zarr")!r}, ms)
print("rich.console" in sys.modules)
"""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("FORCE_COLOR", "TTY_INTERACTIVE", "TTY_COMPATIBLE")
    }
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.split() == ["False", "True"]


def test_progress_true_reports_to_stderr(tmp_path, capsys) -> None:
    ms = ngffkit.to_multiscales(make_array((32, 32)), scale_factors=[2])
    ngffkit.to_ngff_zarr(tmp_path / "a.zarr", ms, progress=True)
    err = capsys.readouterr().err
    assert "level 0" in err and "level 1" in err


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@requires("distributed", "distributed")
def test_a_distributed_cluster_writes_the_same_bytes(tmp_path) -> None:
    from distributed import Client, LocalCluster, get_task_stream

    source = tmp_path / "source.zarr"
    stored = zarr.create_array(source, shape=(40, 96, 96), chunks=(16, 32, 32), dtype="u2")
    stored[:] = make_array((40, 96, 96))
    image = ngffkit.to_ngff_image(da.from_zarr(stored), dims=("z", "y", "x"))
    ms = ngffkit.to_multiscales(image, scale_factors=[2, 4], chunks=16)
    ngffkit.to_ngff_zarr(tmp_path / "local.zarr", ms, memory_limit="1 MiB", progress=False)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        # The active client is picked up without being named.
        with get_task_stream(client) as stream:
            ngffkit.to_ngff_zarr(
                tmp_path / "cluster.zarr", ms, memory_limit="1 MiB", progress=False
            )
        ngffkit.to_ngff_zarr(
            tmp_path / "named.zarr", ms, scheduler=client, memory_limit="1 MiB", progress=False
        )
        # Worker processes cannot write into this process's memory: refused, not lost.
        with pytest.raises(NgffValueError, match="MemoryStore"):
            ngffkit.to_ngff_zarr(zarr.storage.MemoryStore(), ms, progress=False)
    regions = [t for t in stream.data if "run_region" in str(t["key"])]
    assert len(regions) > 1  # the regions ran as tasks on the cluster's worker processes
    local = tree_bytes(tmp_path / "local.zarr")
    assert local == tree_bytes(tmp_path / "cluster.zarr")
    assert local == tree_bytes(tmp_path / "named.zarr")


@pytest.mark.parametrize("zarrs", ["1", "0"], ids=["zarrs", "zarr-python"])
@pytest.mark.parametrize("shards", [None, 2], ids=["chunks", "shards"])
def test_all_zero_chunks_of_an_image_are_stored(tmp_path, monkeypatch, zarrs, shards) -> None:
    """Intensity levels keep every chunk, zero or not, so a missing chunk always means damage."""
    monkeypatch.setenv("NGFFKIT_ZARRS", zarrs)
    pixels = np.zeros((16, 32, 32), "u2")
    pixels[:8, :8, :8] = 7  # one chunk holds data; every other chunk (and region) is zeros
    ms = ngffkit.to_multiscales(
        ngffkit.to_ngff_image(pixels, dims=("z", "y", "x")), scale_factors=[2], chunks=8
    )
    ngffkit.to_ngff_zarr(tmp_path / "img.zarr", ms, chunks_per_shard=shards)
    for level, grid in (("0", (2, 4, 4)), ("1", (1, 2, 2))):
        files = [p for p in (tmp_path / "img.zarr" / level / "c").rglob("*") if p.is_file()]
        expected = int(np.prod([-(-n // (shards or 1)) for n in grid]))
        assert len(files) == expected, (level, len(files), expected)
    np.testing.assert_array_equal(
        ngffkit.from_ngff_zarr(tmp_path / "img.zarr").images[0].data.compute(), pixels
    )


def test_copy_of_a_damaged_store_names_the_chunk(tmp_path) -> None:
    """The writer reads stored levels straight from zarr: a corrupt chunk there is an NgffError."""
    pixels = np.arange(16 * 32 * 32, dtype="u2").reshape(16, 32, 32)
    ms = ngffkit.to_multiscales(
        ngffkit.to_ngff_image(pixels, dims=("z", "y", "x")), scale_factors=[2], chunks=8
    )
    ngffkit.to_ngff_zarr(tmp_path / "src.zarr", ms)
    (tmp_path / "src.zarr" / "0" / "c" / "0" / "0" / "0").write_bytes(b"not zstd at all")
    with pytest.raises(
        ngffkit.NgffCorruptDataError, match=r"src\.zarr/0: a chunk cannot be decoded"
    ):
        ngffkit.to_ngff_zarr(tmp_path / "copy.zarr", ngffkit.from_ngff_zarr(tmp_path / "src.zarr"))
    assert not (tmp_path / "copy.zarr").exists()


@pytest.mark.parametrize("dtype", ["u1", "<u2", ">i4", "f4", "f8", "c8"])
@pytest.mark.parametrize("where", [None, "first", "last", "middle"])
def test_all_fill_means_every_byte_is_zero(dtype: str, where: str | None) -> None:
    pixels = np.zeros((5, 6, 7), dtype)
    flat = pixels.reshape(-1)
    if where is not None:
        flat[{"first": 0, "last": -1, "middle": flat.size // 2}[where]] = (
            -0.0 if "f" in dtype else 1
        )
    expected = not pixels.tobytes().strip(b"\0")  # -0.0 has a sign bit: not the fill value
    assert _all_fill(pixels) is expected
    assert _all_fill(pixels[:, ::2, 1:]) is (not pixels[:, ::2, 1:].tobytes().strip(b"\0"))
