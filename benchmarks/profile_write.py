"""Where does ngffkit's W1 write time go? Stage timings and a cProfile of to_ngff_zarr.

Usage: ``python benchmarks/profile_write.py [--version 0.4] [--method mean] [--top 25]``

Stages (each in this process, medians of ``--reps``, outputs deleted between runs):

- ``plan``: ``to_ngff_image`` + ``to_multiscales`` (graph building only);
- ``levels->mem``: computing every level into memory with dask, no writing;
- ``zarr level0 np``: zarr-python writing level 0 from a numpy array (``arr[...] = a``),
  i.e. zarr's own encode + write path without dask;
- ``dask store level0``: ``da.store`` of level 0 alone (dask + zarr, no pyramid);
- ``to_ngff_zarr``: the full write;
- ``proto: kernel + zarr bulk``: a sketch of a region writer with no dask: the native
  ``mean`` kernel on 2 threads (z-slabs), then one ``zarr_array[...] = level`` per level
  (zarr encodes and writes the chunks of one call concurrently);
- ``proto: kernel + pool encode``: the same pyramid, then zstd-0 encode in a 2-thread pool
  and one file write per chunk straight into the store's folder (local stores only).

Then a cProfile of one ``to_ngff_zarr`` run with dask's synchronous scheduler, so that the
profile sees the work done in the worker threads (times are single-threaded CPU).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import dask
import dask.array as da
import numpy as np
import zarr

import ngffkit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_data import data_dir  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="0.4")
    parser.add_argument("--method", default="mean")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)

    data = np.load(data_dir() / "w1.npy")
    out = data_dir() / "out" / "profile.zarr"
    out.parent.mkdir(parents=True, exist_ok=True)
    zarr_format = 2 if args.version == "0.4" else 3

    def plan() -> ngffkit.Multiscales:
        img = ngffkit.to_ngff_image(data, dims=("z", "y", "x"))
        return ngffkit.to_multiscales(img, scale_factors=[2, 4], chunks=64, method=args.method)

    def clean() -> None:
        shutil.rmtree(out, ignore_errors=True)

    def codec() -> object:
        if zarr_format == 2:
            import numcodecs

            return numcodecs.Zstd(level=0)
        from zarr.codecs import ZstdCodec

        return ZstdCodec(level=0, checksum=False)

    def zarr_np() -> None:
        arr = zarr.create_array(
            str(out),
            shape=data.shape,
            chunks=(64, 64, 64),
            dtype=data.dtype,
            compressors=codec(),
            zarr_format=zarr_format,
        )
        arr[...] = data

    def dask_store0() -> None:
        arr = zarr.create_array(
            str(out),
            shape=data.shape,
            chunks=(64, 64, 64),
            dtype=data.dtype,
            compressors=codec(),
            zarr_format=zarr_format,
        )
        da.store(ms.images[0].data, arr, lock=False)

    from concurrent.futures import ThreadPoolExecutor

    from ngffkit.methods import downsample_array

    def proto_levels(pool: ThreadPoolExecutor) -> list[np.ndarray]:
        levels = [data]
        for _ in range(2):
            src = levels[-1]
            step = max(2, src.shape[0] // 2)
            parts = pool.map(
                lambda z, src=src, step=step: downsample_array(
                    src[z : z + step], (2, 2, 2), args.method
                ),
                range(0, src.shape[0], step),
            )
            levels.append(np.concatenate(list(parts)))
        return levels

    def proto_arrays(levels: list[np.ndarray]) -> list[zarr.Array]:
        root = zarr.create_group(str(out), zarr_format=zarr_format)
        extra: dict[str, object] = {}
        if zarr_format == 2:
            extra["chunk_key_encoding"] = {"name": "v2", "separator": "/"}
        return [
            root.create_array(
                str(i),
                shape=lev.shape,
                chunks=(64, 64, 64),
                dtype=lev.dtype,
                compressors=codec(),
                **extra,
            )
            for i, lev in enumerate(levels)
        ]

    def proto_bulk() -> None:
        with ThreadPoolExecutor(2) as pool:
            levels = proto_levels(pool)
        for arr, lev in zip(proto_arrays(levels), levels, strict=True):
            arr[...] = lev

    def proto_pool() -> None:
        import numcodecs

        zstd = numcodecs.Zstd(level=0)
        with ThreadPoolExecutor(2) as pool:
            levels = proto_levels(pool)
            proto_arrays(levels)

            def one(item: tuple[int, tuple[int, ...]]) -> None:
                i, idx = item
                piece = np.ascontiguousarray(
                    levels[i][tuple(slice(c * 64, c * 64 + 64) for c in idx)]
                )
                parts = [str(i)] + ([] if zarr_format == 2 else ["c"]) + [str(c) for c in idx]
                path = out.joinpath(*parts)
                path.parent.mkdir(parents=True, exist_ok=True)
                with open(path, "wb") as fh:
                    fh.write(zstd.encode(piece))

            items = [
                (i, idx)
                for i, lev in enumerate(levels)
                for idx in np.ndindex(*(-(-s // 64) for s in lev.shape))
            ]
            list(pool.map(one, items))

    ms = plan()
    stages: dict[str, Callable[[], object]] = {
        "plan": plan,
        "levels->mem": lambda: dask.compute(*(im.data for im in ms.images)),
        "zarr level0 np": zarr_np,
        "dask store level0": dask_store0,
        "to_ngff_zarr": lambda: ngffkit.to_ngff_zarr(str(out), plan(), version=args.version),
        "proto: kernel + zarr bulk": proto_bulk,
        "proto: kernel + pool encode": proto_pool,
    }
    tasks = sum(len(im.data.__dask_graph__()) for im in ms.images)
    print(f"graph: {tasks} tasks over {len(ms.images)} levels (keys counted per level graph)")
    for name, fn in stages.items():
        times = []
        for _ in range(args.reps):
            clean()
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        clean()
        print(f"{name:>28}: {statistics.median(times):.3f} s (min {min(times):.3f})")

    prof = cProfile.Profile()
    with dask.config.set(scheduler="sync"):
        ms = plan()
        prof.enable()
        ngffkit.to_ngff_zarr(str(out), ms, version=args.version)
        prof.disable()
    clean()
    stream = io.StringIO()
    pstats.Stats(prof, stream=stream).sort_stats("tottime").print_stats(args.top)
    print(stream.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
