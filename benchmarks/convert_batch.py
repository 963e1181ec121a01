"""A batch of small TIFFs: one ``ngffkit convert`` against ngff-zarr's CLI run once per file.

Usage::

    python benchmarks/convert_batch.py --files 50 --jobs 1

Writes *files* OME-TIFFs (2 channels x 16 x 256 x 256 uint16, 4 MiB each, with pixel sizes
and channel names) into a scratch folder, then times, wall clock, in fresh processes:

- ``ngffkit convert FOLDER OUT --jobs N`` (one process for the whole batch), and
- ``ngff-zarr -i FILE -o OUT`` once per file (the way a shell loop runs it).

Both write OME-NGFF 0.5 with their default pyramids. Prints the seconds of each and the ratio.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def make_files(folder: Path, count: int) -> None:
    import tifffile

    rng = np.random.default_rng(0)
    for i in range(count):
        tifffile.imwrite(
            folder / f"cell_{i:03d}.ome.tif",
            rng.integers(0, 4096, (2, 16, 256, 256), dtype=np.uint16),
            photometric="minisblack",
            metadata={
                "axes": "CZYX",
                "PhysicalSizeZ": 1.0,
                "PhysicalSizeY": 0.2,
                "PhysicalSizeX": 0.2,
                "Channel": {"Name": ["DAPI", "GFP"]},
            },
        )


def time_ngffkit(inputs: Path, out: Path, jobs: int) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ngffkit", "convert", str(inputs), str(out), "--jobs", str(jobs)],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def time_ngff_zarr(inputs: Path, out: Path) -> float:
    out.mkdir()
    command = shutil.which("ngff-zarr")
    if command is None:
        raise SystemExit("ngff-zarr's command is missing: pip install ngff-zarr")
    start = time.perf_counter()
    for path in sorted(inputs.iterdir()):
        name = path.name.removesuffix(".ome.tif") + ".ome.zarr"
        subprocess.run(
            [command, "-i", str(path), "-o", str(out / name), "-q"],
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ngffkit-bench-") as tmp:
        root = Path(tmp)
        inputs = root / "inputs"
        inputs.mkdir()
        make_files(inputs, args.files)
        ours = time_ngffkit(inputs, root / "ngffkit", args.jobs)
        theirs = time_ngff_zarr(inputs, root / "ngff-zarr")
        converted = len(list((root / "ngffkit").iterdir()))
    print(f"{args.files} OME-TIFFs (2 x 16 x 256 x 256 uint16), ngffkit --jobs {args.jobs}")
    print(f"ngffkit convert, one run:      {ours:7.1f} s ({converted} stores)")
    print(f"ngff-zarr CLI, once per file:  {theirs:7.1f} s")
    print(f"ratio: {theirs / ours:.1f}x")


if __name__ == "__main__":
    main()
