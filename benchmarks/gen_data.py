"""Generate the benchmark inputs, deterministically (fixed seeds), like the anchors' data.

Each volume is smooth blobs (a coarse random field, gaussian-smoothed and linearly
upsampled) plus gaussian noise, so it compresses about as badly as real microscopy
(zstd-0 keeps ~0.9 of the bytes):

- ``w1.npy``: uint16 512^3 (256 MiB), coarse field 64^3 upsampled x8.
- ``w2_src.zarr``: uint16 1024^3 (2 GiB) as an *uncompressed* zarr v2 array with 64^3
  chunks, written slab by slab so generation never holds more than one slab.
- ``w3.npy``: uint8 16384^2 (256 MiB), coarse field 1024^2 upsampled x16.

The 32 GiB larger-than-memory input is not stored: ``big_source`` builds it on the fly
from a dask graph, block by block: a smooth ramp plus a noise tile shifted per block, cheap
enough that the benchmark measures the writer, not the generator (``bench_write.py``
imports it).

Usage: ``python benchmarks/gen_data.py [w1 w2 w3] [--force]``; the output folder is
``$NGFFKIT_BENCH_DATA`` (default ``benchmarks/data``).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
SLAB = 64  # planes per slab while generating W2


def data_dir() -> Path:
    """The folder holding the inputs: ``$NGFFKIT_BENCH_DATA`` or ``benchmarks/data``."""
    return Path(os.environ.get("NGFFKIT_BENCH_DATA", HERE / "data"))


def _axis_weights(n_out: int, n_in: int, factor: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Linear-interpolation indices and weights mapping n_out pixel centres onto n_in."""
    pos = (np.arange(n_out, dtype=np.float64) + 0.5) / factor - 0.5
    pos = np.clip(pos, 0, n_in - 1)
    i0 = np.floor(pos).astype(np.intp)
    i1 = np.minimum(i0 + 1, n_in - 1)
    return i0, i1, (pos - i0).astype(np.float32)


def upsample_linear(coarse: np.ndarray, factor: int, start: int, stop: int) -> np.ndarray:
    """Planes ``start:stop`` (first axis) of *coarse* upsampled linearly by *factor* per axis."""
    out: Any = coarse
    for axis in range(coarse.ndim):
        n_out = coarse.shape[axis] * factor
        i0, i1, w = _axis_weights(n_out, coarse.shape[axis], factor)
        if axis == 0:
            i0, i1, w = i0[start:stop], i1[start:stop], w[start:stop]
        shape = [1] * coarse.ndim
        shape[axis] = len(w)
        w = w.reshape(shape)
        out = np.take(out, i0, axis=axis) * (1 - w) + np.take(out, i1, axis=axis) * w
    return np.asarray(out, dtype=np.float32)


def coarse_field(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """A smooth random field in [0, 1] on a coarse grid."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    field = gaussian_filter(rng.random(shape, dtype=np.float32), sigma=1.5, mode="wrap")
    field -= field.min()
    field /= field.max()
    return field


def blobs_slab(
    coarse: np.ndarray,
    factor: int,
    start: int,
    stop: int,
    dtype: np.dtype[Any],
    seed: int,
) -> np.ndarray:
    """Planes ``start:stop`` of the upsampled blobs plus noise, as *dtype*."""
    info = np.iinfo(dtype)
    span = float(info.max) * 0.7
    smooth = upsample_linear(coarse, factor, start, stop)
    rng = np.random.default_rng([seed, start])
    noise = rng.standard_normal(smooth.shape, dtype=np.float32)
    values = smooth * span + float(info.max) * 0.1 + noise * (span * 0.02)
    np.clip(values, 0, info.max, out=values)
    return np.rint(values).astype(dtype)


def make_w1(path: Path) -> None:
    """W1: uint16 512^3 blobs + noise, as .npy."""
    coarse = coarse_field((64, 64, 64), seed=1)
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint16, shape=(512, 512, 512))
    for z in range(0, 512, SLAB):
        out[z : z + SLAB] = blobs_slab(coarse, 8, z, z + SLAB, np.dtype(np.uint16), seed=1)
    out.flush()
    del out


def make_w2(path: Path) -> None:
    """W2: uint16 1024^3 blobs + noise, uncompressed zarr v2 with 64^3 chunks, slab by slab."""
    import zarr

    coarse = coarse_field((64, 64, 64), seed=2)
    arr = zarr.create_array(
        store=str(path),
        shape=(1024, 1024, 1024),
        chunks=(64, 64, 64),
        dtype="uint16",
        compressors=None,
        fill_value=0,
        zarr_format=2,
        chunk_key_encoding={"name": "v2", "separator": "/"},
        overwrite=True,
    )
    for z in range(0, 1024, SLAB):
        arr[z : z + SLAB] = blobs_slab(coarse, 16, z, z + SLAB, np.dtype(np.uint16), seed=2)


def make_w3(path: Path) -> None:
    """W3: uint8 16384^2 blobs + noise, as .npy."""
    coarse = coarse_field((1024, 1024), seed=3)
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=(16384, 16384))
    for y in range(0, 16384, 1024):
        out[y : y + 1024] = blobs_slab(coarse, 16, y, y + 1024, np.dtype(np.uint8), seed=3)
    out.flush()
    del out


BIG_SHAPE = (2048, 2048, 4096)  # uint16: 32 GiB
BIG_CHUNKS = (128, 256, 256)  # 16 MiB blocks, a common lazy-source size


@functools.lru_cache(maxsize=1)
def _noise_tile() -> np.ndarray:
    """Gaussian noise for one block, made once per process (generating it per block would
    cost more than writing it and make the benchmark measure the random generator)."""
    rng = np.random.default_rng(4)
    noise = rng.standard_normal(BIG_CHUNKS, dtype=np.float32) * 900.0
    return np.rint(noise).astype(np.int16)


def _big_block(block_id: tuple[int, ...] | None = None) -> np.ndarray:
    """One block of the 32 GiB input: a smooth ramp plus noise, shifted per block."""
    assert block_id is not None
    origin = [b * c for b, c in zip(block_id, BIG_CHUNKS, strict=True)]
    shape = tuple(min(c, s - o) for c, s, o in zip(BIG_CHUNKS, BIG_SHAPE, origin, strict=True))
    z = np.arange(origin[0], origin[0] + shape[0], dtype=np.float32)
    y = np.arange(origin[1], origin[1] + shape[1], dtype=np.float32)
    x = np.arange(origin[2], origin[2] + shape[2], dtype=np.float32)
    # Separable ramp in integers: three broadcast adds instead of float math per pixel.
    rz = np.rint(6500 + 11250 + 5625 * np.sin(z / 97.0)).astype(np.uint16)[:, None, None]
    ry = np.rint(5625 + 2812 * np.sin(y / 61.0)).astype(np.uint16)[None, :, None]
    rx = np.rint(5625 + 2812 * np.cos(x / 83.0)).astype(np.uint16)[None, None, :]
    out = np.empty(shape, dtype=np.uint16)
    np.add(rz, ry, out=out)
    out += rx
    shift = sum(block_id) % shape[2]
    noise = np.roll(_noise_tile()[: shape[0], : shape[1], : shape[2]], shift, axis=2)
    out += noise.view(np.uint16)  # wraps like adding a signed value: noise of +-~3000
    return out


def big_source() -> Any:
    """The 32 GiB uint16 lazy input (dask), generated per block; never materialised."""
    import dask.array as da

    chunks = tuple(
        tuple(min(c, s - i) for i in range(0, s, c))
        for c, s in zip(BIG_CHUNKS, BIG_SHAPE, strict=True)
    )
    return da.map_blocks(
        _big_block, chunks=chunks, dtype=np.uint16, meta=np.empty((0, 0, 0), np.uint16)
    )


MAKERS = {"w1": ("w1.npy", make_w1), "w2": ("w2_src.zarr", make_w2), "w3": ("w3.npy", make_w3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # No choices=: Python 3.11's argparse checks an empty nargs="*" list against them and fails.
    parser.add_argument("which", nargs="*", help=f"any of {', '.join(MAKERS)} (default: all)")
    parser.add_argument("--force", action="store_true", help="regenerate existing files")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.which) - set(MAKERS))
    if unknown:
        parser.error(f"unknown inputs {unknown}: choose from {', '.join(MAKERS)}")
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for name in args.which or list(MAKERS):
        filename, make = MAKERS[name]
        path = folder / filename
        if path.exists() and not args.force:
            print(f"{name}: {path} exists (use --force to regenerate)")
            continue
        t0 = time.perf_counter()
        make(path)
        print(f"{name}: wrote {path} in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
