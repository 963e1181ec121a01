"""Run ONE benchmark configuration in this process and print one JSON line.

Usage::

    python benchmarks/bench_write.py LIB WORKLOAD [--method M] [--version 0.4|0.5]
                                     [--chunks-per-shard N] [--keep PATH] [--store PATH]

LIB is ``ngffkit``, ``ngffzarr``, ``omezarr``, ``ngio``, ``floor`` (the physical floor:
numpy strided mean on 2 threads, zstd-0 encode of every chunk, one file per chunk) or,
for the W4 read workload, ``tensorstore`` / ``zarr``. Only the library being measured is
imported. WORKLOAD is ``w1`` (512^3 uint16 in memory), ``w2`` (1024^3 uint16, lazy
``da.from_zarr`` input), ``w2np`` (the same, loaded into numpy first), ``w3`` (16384^2
uint8), ``big`` (32 GiB uint16 generated lazily per block) or ``w4`` (reads of an existing
store given by ``--store``).

Every writer uses the same codec (zstd level 0), the same chunks (64^3; 1024^2 for W3)
and the same pyramid (factors 2 and 4 on every spatial axis; 2, 4, 8 for W3).
``write_s`` times only the library call(s) with ``time.perf_counter``: from wrapping
the array to the return of the write. Loading the input and deleting the output are not
timed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_data import big_source, data_dir  # noqa: E402

THREADS = 2  # the floor's thread count (the reference machine has 2 cores)


# --------------------------------------------------------------------------- workloads


class Workload:
    """Input, pyramid and chunking of one workload."""

    def __init__(self, name: str) -> None:
        self.name = name
        folder = data_dir()
        if name in ("w1", "w4"):
            self.dims, self.factors, self.chunk = ("z", "y", "x"), (2, 4), 64
            self.source = folder / "w1.npy"
        elif name == "w3":
            self.dims, self.factors, self.chunk = ("y", "x"), (2, 4, 8), 1024
            self.source = folder / "w3.npy"
        elif name in ("w2", "w2np"):
            self.dims, self.factors, self.chunk = ("z", "y", "x"), (2, 4), 64
            self.source = folder / "w2_src.zarr"
        elif name == "big":
            self.dims, self.factors, self.chunk = ("z", "y", "x"), (2, 4), 64
            self.source = Path("<generated>")
        else:
            raise SystemExit(f"unknown workload {name!r}")
        self.lazy = name in ("w2", "big")

    @property
    def chunks(self) -> tuple[int, ...]:
        return (self.chunk,) * len(self.dims)

    def load(self) -> Any:
        """The input: numpy for w1/w3/w2np, a lazy dask array for w2/big."""
        if self.name == "big":
            return big_source()
        if self.name in ("w2", "w2np"):
            import dask.array as da

            lazy = da.from_zarr(str(self.source))
            if self.name == "w2np":
                import zarr

                return zarr.open_array(str(self.source), mode="r")[...]
            return lazy
        return np.load(self.source)


# --------------------------------------------------------------------------- helpers


def codec_zstd0(zarr_format: int) -> Any:
    """zstd level 0 in the form zarr-python wants for this format."""
    if zarr_format == 2:
        import numcodecs

        return numcodecs.Zstd(level=0)
    from zarr.codecs import ZstdCodec

    return ZstdCodec(level=0, checksum=False)


def tree_size(path: Path) -> tuple[int, int]:
    """(bytes, files) under *path*."""
    total = files = 0
    for root, _dirs, names in os.walk(path):
        for n in names:
            total += Path(root, n).stat().st_size
            files += 1
    return total, files


def level0_codec(path: Path) -> str:
    """A short description of the first array's codec, read from its metadata."""
    for root, _dirs, names in sorted(os.walk(path)):
        if ".zarray" in names:
            meta = json.loads(Path(root, ".zarray").read_text())
            comp = meta.get("compressor") or {}
            return f"v2 {comp.get('id')} l{comp.get('level', comp.get('clevel'))}"
        if "zarr.json" in names:
            meta = json.loads(Path(root, "zarr.json").read_text())
            if meta.get("node_type") != "array":
                continue
            parts = []
            for codec in meta.get("codecs", []):
                conf = codec.get("configuration", {})
                if codec["name"] == "sharding_indexed":
                    inner = [c["name"] for c in conf.get("codecs", [])]
                    parts.append(f"shard({'+'.join(inner)})")
                elif codec["name"] not in ("bytes", "transpose"):
                    parts.append(f"{codec['name']} l{conf.get('level', '')}")
            return "v3 " + "+".join(parts)
    return "?"


@contextmanager
def timed(stages: dict[str, float], name: str) -> Iterator[None]:
    t0 = time.perf_counter()
    try:
        yield
    finally:
        stages[name] = stages.get(name, 0.0) + time.perf_counter() - t0


def rss_mib() -> float:
    """Peak RSS of this process so far (MiB), from getrusage."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- writers


def write_ngffkit(wl: Workload, data: Any, out: Path, args: argparse.Namespace) -> dict[str, float]:
    import ngffkit

    stages: dict[str, float] = {}
    method = args.method or None
    with timed(stages, "plan"):
        img = ngffkit.to_ngff_image(data, dims=wl.dims)
        ms = ngffkit.to_multiscales(
            img, scale_factors=list(wl.factors), chunks=wl.chunk, method=method
        )
    with timed(stages, "to_ngff_zarr"):
        ngffkit.to_ngff_zarr(
            str(out), ms, version=args.version, chunks_per_shard=args.chunks_per_shard
        )
    return stages


def write_ngffzarr(
    wl: Workload, data: Any, out: Path, args: argparse.Namespace
) -> dict[str, float]:
    import ngff_zarr as nz

    method = getattr(nz.Methods, (args.method or "ITKWASM_BIN_SHRINK").upper())
    stages: dict[str, float] = {}
    with timed(stages, "plan"):
        img = nz.to_ngff_image(data, dims=list(wl.dims))
        ms = nz.to_multiscales(img, scale_factors=list(wl.factors), method=method, chunks=wl.chunk)
    with timed(stages, "to_ngff_zarr"):
        # ngff-zarr's default codec is zstd level 0 already (checked in the output's metadata).
        nz.to_ngff_zarr(str(out), ms, version=args.version, chunks_per_shard=args.chunks_per_shard)
    return stages


def write_omezarr(wl: Workload, data: Any, out: Path, args: argparse.Namespace) -> dict[str, float]:
    import dask.array as da
    from ome_zarr.format import FormatV04, FormatV05
    from ome_zarr.writer import write_image

    fmt = FormatV04() if args.version == "0.4" else FormatV05()
    stages: dict[str, float] = {}
    with timed(stages, "write_image"):
        # A dask input chunked like the output: ome-zarr's best configuration (numpy input is
        # rechunked to ~128 MiB blocks and peaks at 2-3.7 GiB).
        image = (
            data.rechunk(wl.chunks)
            if isinstance(data, da.Array)
            else da.from_array(data, chunks=wl.chunks)
        )
        factors = [dict.fromkeys(wl.dims, f) for f in wl.factors]
        options: dict[str, Any] = {"chunks": wl.chunks, "compressor": codec_zstd0(fmt.zarr_format)}
        if args.chunks_per_shard:
            options["shards"] = tuple(c * args.chunks_per_shard for c in wl.chunks)
        write_image(
            image,
            group=str(out),
            scale_factors=factors,
            axes="".join(wl.dims),
            fmt=fmt,
            storage_options=options,
        )
    return stages


def write_ngio(wl: Workload, data: Any, out: Path, args: argparse.Namespace) -> dict[str, float]:
    import warnings

    import dask.array as da
    import ngio

    warnings.filterwarnings("ignore", message=".*consolidation.*")
    zarr_format = 2 if args.version == "0.4" else 3
    common: dict[str, Any] = {
        "pixelsize": 1.0,
        "levels": len(wl.factors) + 1,
        "scaling_factors": (2.0,) * len(wl.dims),
        "axes_names": wl.dims,
        "ngff_version": args.version,
        "chunks": wl.chunks,
        "compressors": codec_zstd0(zarr_format),
        "overwrite": True,
    }
    if args.chunks_per_shard:
        common["shards"] = tuple(c * args.chunks_per_shard for c in wl.chunks)
    stages: dict[str, float] = {}
    with timed(stages, "create_ome_zarr"):
        if isinstance(data, da.Array):
            # create_ome_zarr_from_array takes numpy only: the same steps with a dask input.
            container = ngio.create_empty_ome_zarr(
                store=str(out), shape=data.shape, dtype=str(data.dtype), **common
            )
            working = ngio.open_ome_zarr_container(store=str(out), mode="r+", cache=True)
            image = working.get_image()
            image.set_array(data)
            image.consolidate()
            working.set_channel_windows_with_percentiles(percentiles=(0.1, 99.9))
            del container
        else:
            ngio.create_ome_zarr_from_array(store=str(out), array=data, **common)
    return stages


# --------------------------------------------------------------------------- floor


def mean2(block: np.ndarray) -> np.ndarray:
    """2x per axis mean by strided adds (uint32 accumulator), rounded half up."""
    acc = None
    nd = block.ndim
    for offsets in np.ndindex(*(2,) * nd):
        view = block[tuple(slice(o, None, 2) for o in offsets)]
        acc = view.astype(np.uint32) if acc is None else acc.__iadd__(view)
    assert acc is not None
    n = 2**nd
    return ((acc + n // 2) // n).astype(block.dtype)


def mean2_threads(block: np.ndarray, pool: ThreadPoolExecutor) -> np.ndarray:
    """mean2 split into THREADS slabs along the first axis (even-sized)."""
    n = block.shape[0]
    step = max(2, (n // THREADS) // 2 * 2)
    parts = list(pool.map(lambda s: mean2(block[s : s + step]), range(0, n, step)))
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def gauss2_threads(block: np.ndarray, pool: ThreadPoolExecutor) -> np.ndarray:
    """Naive Gaussian floor: scipy gaussian_filter (sigma=1) on slabs with halo, then [::2]."""
    from scipy.ndimage import gaussian_filter

    n = block.shape[0]
    step = max(2, (n // THREADS) // 2 * 2)
    halo = 4

    def one(s: int) -> np.ndarray:
        lo, hi = max(0, s - halo), min(n, s + step + halo)
        smooth = gaussian_filter(block[lo:hi], sigma=1.0)
        inner = smooth[s - lo : s - lo + min(step, n - s)]
        return np.ascontiguousarray(inner[tuple(slice(None, None, 2) for _ in block.shape)])

    parts = list(pool.map(one, range(0, n, step)))
    return np.concatenate(parts)


def write_chunks(
    level: np.ndarray,
    folder: Path,
    chunk: int,
    pool: ThreadPoolExecutor,
    z_offset: int = 0,
) -> None:
    """Encode every chunk of *level* with zstd-0 and write one file per chunk (z/y/x keys)."""
    import numcodecs

    codec = numcodecs.Zstd(level=0)
    grid = [range(0, s, chunk) for s in level.shape]
    starts = list(np.ndindex(*(len(g) for g in grid)))
    dirs = {idx[:-1] for idx in starts}
    for d in dirs:
        key = list(d)
        key[0] += z_offset // chunk
        folder.joinpath(*map(str, key)).mkdir(parents=True, exist_ok=True)

    def one(idx: tuple[int, ...]) -> None:
        sl = tuple(slice(i * chunk, (i + 1) * chunk) for i in idx)
        piece = np.ascontiguousarray(level[sl])
        key = list(idx)
        key[0] += z_offset // chunk
        with open(folder.joinpath(*map(str, key)), "wb") as fh:
            fh.write(codec.encode(piece))

    list(pool.map(one, starts))


def write_floor(wl: Workload, data: Any, out: Path, args: argparse.Namespace) -> dict[str, float]:
    stages: dict[str, float] = {}
    down = gauss2_threads if args.method == "gaussian" else mean2_threads
    with ThreadPoolExecutor(THREADS) as pool:
        if not wl.lazy:
            level = data
            with timed(stages, "encode+write"):
                write_chunks(level, out / "0", wl.chunk, pool)
            for i in range(1, len(wl.factors) + 1):
                with timed(stages, "downsample"):
                    level = down(level, pool)
                with timed(stages, "encode+write"):
                    write_chunks(level, out / str(i), wl.chunk, pool)
            return stages
        # Streaming floor (W2): z-slabs of 2 * chunk * 2 planes from the lazy source, each
        # level's slab written as soon as it is one chunk deep.
        import zarr

        src = zarr.open_array(str(wl.source), mode="r") if wl.name == "w2" else data
        slab = wl.chunk * 4
        nz = src.shape[0]
        for z in range(0, nz, slab):
            with timed(stages, "read"):
                level = np.asarray(src[z : z + slab])
            with timed(stages, "encode+write"):
                write_chunks(level, out / "0", wl.chunk, pool, z_offset=z)
            for i in range(1, len(wl.factors) + 1):
                with timed(stages, "downsample"):
                    level = mean2_threads(level, pool)
                with timed(stages, "encode+write"):
                    write_chunks(level, out / str(i), wl.chunk, pool, z_offset=z >> i)
    return stages


# --------------------------------------------------------------------------- W4 reads


def level0_path(store: Path) -> tuple[str, int]:
    """(path of level 0, zarr format) from the store's multiscales metadata."""
    if (store / "zarr.json").exists():
        attrs = json.loads((store / "zarr.json").read_text()).get("attributes", {})
        ms = attrs.get("ome", attrs)["multiscales"]
        return ms[0]["datasets"][0]["path"], 3
    attrs = json.loads((store / ".zattrs").read_text())
    return attrs["multiscales"][0]["datasets"][0]["path"], 2


def equal_to_file(whole: np.ndarray, path: Path, planes: int = 16) -> bool:
    """Compare with a .npy file read in small slabs (a memmap would add its pages to RSS)."""
    with open(path, "rb") as fh:
        major, _minor = np.lib.format.read_magic(fh)
        read_header = (
            np.lib.format.read_array_header_1_0
            if major == 1
            else np.lib.format.read_array_header_2_0
        )
        shape, _order, dtype = read_header(fh)
        if tuple(shape) != whole.shape or dtype != whole.dtype:
            return False
        for z in range(0, shape[0], planes):
            n = min(planes, shape[0] - z)
            buf = np.fromfile(fh, dtype=dtype, count=n * int(np.prod(shape[1:])))
            if not np.array_equal(buf.reshape(n, *shape[1:]), whole[z : z + n]):
                return False
    return True


def read_bench(lib: str, store: Path, reps: int = 20) -> dict[str, Any]:
    """Open *store*, read level 0 fully, then single aligned 64^3 chunks (median of *reps*)."""
    rng = np.random.default_rng(0)
    starts = [tuple(int(v) * 64 for v in rng.integers(0, 8, size=3)) for _ in range(reps)]
    # 64^3 boxes offset by half a chunk: each touches 8 chunks, all inside the 512^3 array.
    unaligned = [tuple(int(v) * 64 + 32 for v in rng.integers(0, 7, size=3)) for _ in range(reps)]
    if lib == "ngffkit":
        import ngffkit
    elif lib == "tensorstore":
        import tensorstore as ts
    else:
        import zarr
    t0 = time.perf_counter()
    if lib == "ngffkit":
        ms = ngffkit.from_ngff_zarr(str(store))
        arr = ms.images[0].data

        def region(s: tuple[int, ...]) -> np.ndarray:
            return np.asarray(arr[s[0] : s[0] + 64, s[1] : s[1] + 64, s[2] : s[2] + 64].compute())

        def full() -> np.ndarray:
            return np.asarray(arr.compute())
    elif lib == "tensorstore":
        path, fmt = level0_path(store)
        spec = {
            "driver": "zarr3" if fmt == 3 else "zarr",
            "kvstore": {"driver": "file", "path": str(store / path)},
        }
        tarr = ts.open(spec, read=True).result()

        def region(s: tuple[int, ...]) -> np.ndarray:
            return np.asarray(
                tarr[s[0] : s[0] + 64, s[1] : s[1] + 64, s[2] : s[2] + 64].read().result()
            )

        def full() -> np.ndarray:
            return np.asarray(tarr.read().result())
    elif lib == "zarr":
        path, _fmt = level0_path(store)
        zarr_arr = zarr.open_array(str(store / path), mode="r")

        def region(s: tuple[int, ...]) -> np.ndarray:
            return np.asarray(zarr_arr[s[0] : s[0] + 64, s[1] : s[1] + 64, s[2] : s[2] + 64])

        def full() -> np.ndarray:
            return np.asarray(zarr_arr[...])
    else:
        raise SystemExit(f"W4 reads: unknown reader {lib!r}")
    open_s = time.perf_counter() - t0
    region(starts[0])  # warm-up: codec and thread pools
    t0 = time.perf_counter()
    whole = full()
    full_s = time.perf_counter() - t0
    chunk_ms = []
    for s in starts:
        t0 = time.perf_counter()
        region(s)
        chunk_ms.append((time.perf_counter() - t0) * 1e3)
    unaligned_ms = []
    for s in unaligned:
        t0 = time.perf_counter()
        region(s)
        unaligned_ms.append((time.perf_counter() - t0) * 1e3)
    equal = equal_to_file(whole, data_dir() / "w1.npy")
    return {
        "open_s": open_s,
        "write_s": full_s,  # the headline figure of a read config: full level-0 read
        "full_read_s": full_s,
        "chunk_ms": statistics.median(chunk_ms),
        "unaligned_ms": statistics.median(unaligned_ms),
        "equal": equal,
    }


# --------------------------------------------------------------------------- main


# Imported before the clock starts: import time is not write time.
PRELOAD = {
    "ngffkit": ["ngffkit", "dask.array"],
    "ngffzarr": ["ngff_zarr", "dask.array"],
    "omezarr": ["ome_zarr.writer", "ome_zarr.format", "dask.array", "numcodecs", "zarr.codecs"],
    "ngio": ["ngio", "dask.array", "numcodecs", "zarr.codecs"],
    "floor": ["numcodecs", "scipy.ndimage", "zarr"],
}

WRITERS: dict[str, Callable[[Workload, Any, Path, argparse.Namespace], dict[str, float]]] = {
    "ngffkit": write_ngffkit,
    "ngffzarr": write_ngffzarr,
    "omezarr": write_omezarr,
    "ngio": write_ngio,
    "floor": write_floor,
}


def library_version(lib: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    dist = {"ngffzarr": "ngff-zarr", "omezarr": "ome-zarr"}.get(lib, lib)
    try:
        return version(dist)
    except PackageNotFoundError:
        return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lib", choices=[*WRITERS, "tensorstore", "zarr"])
    parser.add_argument("workload", choices=["w1", "w2", "w2np", "w3", "w4", "big"])
    parser.add_argument("--method", default="", help="library method name (default: its default)")
    parser.add_argument("--version", default="0.4", choices=["0.4", "0.5"])
    parser.add_argument("--chunks-per-shard", type=int, default=None)
    parser.add_argument("--keep", default=None, help="write here and keep the output")
    parser.add_argument("--store", default=None, help="W4: the store to read")
    parser.add_argument("--label", default="", help="configuration label echoed in the JSON")
    args = parser.parse_args(argv)

    record: dict[str, Any] = {
        "label": args.label,
        "lib": args.lib,
        "workload": args.workload,
        "method": args.method,
        "version": args.version,
        "chunks_per_shard": args.chunks_per_shard,
        "lib_version": library_version(args.lib),
    }
    if args.workload == "w4":
        if not args.store:
            raise SystemExit("w4 needs --store PATH")
        record.update(read_bench(args.lib, Path(args.store)))
        record["peak_rss_self_mib"] = rss_mib()
        print(json.dumps(record), flush=True)
        return 0

    import importlib

    for module in PRELOAD.get(args.lib, []):
        importlib.import_module(module)
    wl = Workload(args.workload)
    data = wl.load()
    out = Path(args.keep) if args.keep else data_dir() / "out" / f"{args.lib}-{os.getpid()}.zarr"
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    record["rss_before_mib"] = rss_mib()
    cpu0 = os.times()
    t0 = time.perf_counter()
    stages = WRITERS[args.lib](wl, data, out, args)
    record["write_s"] = time.perf_counter() - t0
    cpu1 = os.times()
    record["cpu_s"] = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    record["stages"] = stages
    record["peak_rss_self_mib"] = rss_mib()
    nbytes, files = tree_size(out)
    codec = "raw zstd l0" if args.lib == "floor" else level0_codec(out)
    record.update(out_bytes=nbytes, files=files, codec=codec)
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
    print(json.dumps(record), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
