"""Remote opening: requests, dependent round trips and seconds per reader over a slow loopback server.

Usage::

    python benchmarks/remote.py --latency 0.05 --rounds 3 [--bandwidth 50e6]

The store is the Fractal example image that the ngio chapter opens over HTTP
(``20200812-CardiomyocyteDifferentiation14-Cycle1_B_03_mip.zarr``: OME-NGFF 0.4, 3 x 1 x 2160 x
2560 uint16 in 4 levels, a ``nuclei`` label, 4 tables), rebuilt from its real metadata in
``shared/spec/corpora/fractal-ome-zarr-examples`` with smooth pixels in every array. A static
HTTP server on 127.0.0.1 (``tests/loopback.py``) adds ``--latency`` seconds to every request
(and caps the bandwidth if asked) and counts the requests.

Each reader runs in its own process (``--worker``), which imports only its library, then:

- **open**: ngffkit ``open_ome_zarr_container(url)``; ngio 1.1
  ``open_ome_zarr_container(fractal_fsspec_store(url))``; ome-zarr-py 0.18
  ``list(Reader(parse_url(url))())`` (which also reads the label images' metadata);
- **+ coarsest level + lists**: read the coarsest image level into numpy, list labels and
  tables (ome-zarr-py has no tables API: its label list comes from the nodes it read).

The worker times each phase with ``time.perf_counter`` (the library imported, as a notebook
has it after its import line; what the first call imports is timed) and marks the end of each
phase with a request the server does not count, so the server's log splits into phases. It
then repeats the whole sequence in the same process (a second image: everything imported). A
*dependent round trip* is a request sent after an earlier one was answered: the length of the
longest such chain. Readers alternate within each round; the table shows medians.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "spec" / "corpora" / "fractal-ome-zarr-examples" / "v04"
NAME = "20200812-CardiomyocyteDifferentiation14-Cycle1_B_03_mip.zarr"
READERS = ("ngffkit", "ngio", "omezarr")
LABELS = {"ngffkit": "ngffkit", "ngio": "ngio 1.1", "omezarr": "ome-zarr-py 0.18"}


def build_store(directory: Path) -> Path:
    """Copy the Fractal example's metadata and fill every array with smooth pixels."""
    import numpy as np
    import zarr

    store = directory / NAME
    shutil.copytree(CORPUS / NAME, store)
    for document in sorted(store.rglob(".zarray")):
        array = zarr.open_array(document.parent, mode="r+", zarr_format=2)
        if array.dtype.kind not in "iuf":
            continue  # AnnData string columns: the readers never read them
        if array.ndim < 2:
            array[...] = np.arange(array.size, dtype=array.dtype).reshape(array.shape)
            continue
        rows = np.linspace(0, 1, array.shape[-2])[:, None]
        cols = np.linspace(0, 1, array.shape[-1])[None, :]
        plane = (np.sin(rows * 20) + np.cos(cols * 13)) * 1000 + 2000
        if "labels" in document.parts:
            plane = (plane // 500) % 7
        array[...] = np.broadcast_to(plane.astype(array.dtype), array.shape)
    return store


# ---------------------------------------------------------------- one reader, in its own process


def _mark(base: str, name: str) -> None:
    with urllib.request.urlopen(f"{base}/__mark__/{name}") as answer:
        answer.read()


def worker(reader: str, base: str) -> dict[str, Any]:
    """Run one reader against ``base/NAME``; print the phases' seconds as JSON."""
    url = f"{base}/{NAME}"
    if reader == "ngffkit":
        from ngffkit import open_ome_zarr_container as open_container  # as the chapter imports

        def open_it() -> Any:
            return open_container(url)

        def read_it(c: Any) -> tuple[Any, list[str], list[str]]:
            pixels = c.get_image(path=c.levels_paths[-1]).get_array()
            return pixels, c.list_labels(), c.list_tables()
    elif reader == "ngio":
        from ngio import open_ome_zarr_container
        from ngio.utils import fractal_fsspec_store

        def open_it() -> Any:
            return open_ome_zarr_container(fractal_fsspec_store(url))

        def read_it(c: Any) -> tuple[Any, list[str], list[str]]:
            pixels = c.get_image(path=c.level_paths[-1]).get_array()
            return pixels, c.list_labels(), c.list_tables()
    else:
        from ome_zarr.io import parse_url
        from ome_zarr.reader import Label, Reader

        def open_it() -> Any:
            return list(Reader(parse_url(url))())

        def read_it(nodes: Any) -> tuple[Any, list[str], list[str]]:
            pixels = nodes[0].data[-1].compute()
            labels = [
                str(n.zarr.path).rstrip("/").rsplit("/", 1)[-1] for n in nodes if n.load(Label)
            ]
            return pixels, labels, []

    start = time.perf_counter()
    opened = open_it()
    open_s = time.perf_counter() - start
    _mark(base, "open")
    pixels, labels, tables = read_it(opened)
    total_s = time.perf_counter() - start
    _mark(base, "cold")
    # Again in the same process: what a second image costs once everything is imported.
    start = time.perf_counter()
    read_it(open_it())
    warm_s = time.perf_counter() - start
    return {
        "open_s": open_s,
        "total_s": total_s,
        "warm_s": warm_s,
        "shape": list(pixels.shape),
        "labels": list(labels),
        "tables": list(tables),
    }


# ---------------------------------------------------------------- the run


def run(latency: float, bandwidth: float | None, rounds: int) -> dict[str, list[dict[str, Any]]]:
    sys.path.insert(0, str(ROOT))
    from tests.loopback import serve

    results: dict[str, list[dict[str, Any]]] = {r: [] for r in READERS}
    with tempfile.TemporaryDirectory() as tmp:
        build_store(Path(tmp))
        with serve(Path(tmp), latency=latency, bandwidth=bandwidth) as (base, requests):
            for _ in range(rounds):
                for reader in READERS:
                    requests.clear()
                    done = subprocess.run(
                        [sys.executable, __file__, "--worker", reader, base],
                        capture_output=True,
                        text=True,
                        timeout=600,
                        check=False,
                    )
                    if done.returncode != 0:
                        raise SystemExit(f"{reader} failed:\n{done.stderr}")
                    measured = json.loads(done.stdout.strip().splitlines()[-1])
                    opened, cold = requests.marks["open"], requests.marks["cold"]
                    measured |= {
                        "open_requests": opened,
                        "open_trips": requests.round_trips(opened),
                        "total_requests": cold,
                        "total_trips": requests.round_trips(cold),
                        "paths": requests.paths()[:cold],
                    }
                    results[reader].append(measured)
    return results


def table(results: dict[str, list[dict[str, Any]]]) -> str:
    lines = [
        "| reader | open: requests / round trips / s | open + coarsest level + lists: requests / "
        "round trips / s | the same again in that process: s |",
        "| --- | --- | --- | --- |",
    ]
    for reader, runs in results.items():
        first = runs[0]
        open_s = statistics.median(r["open_s"] for r in runs)
        total_s = statistics.median(r["total_s"] for r in runs)
        warm_s = statistics.median(r["warm_s"] for r in runs)
        lines.append(
            f"| {LABELS[reader]} | {first['open_requests']} / {first['open_trips']} / {open_s:.2f} "
            f"| {first['total_requests']} / {first['total_trips']} / {total_s:.2f} | {warm_s:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added per request")
    parser.add_argument("--bandwidth", type=float, default=None, help="bytes per second")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None, help="also write the raw results here")
    parser.add_argument("--worker", nargs=2, metavar=("READER", "BASE_URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return
    results = run(args.latency, args.bandwidth, args.rounds)
    print(
        f"latency {args.latency * 1000:g} ms per request"
        + (f", {args.bandwidth / 1e6:g} MB/s" if args.bandwidth else "")
        + f", {args.rounds} rounds (median seconds)\n"
    )
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
