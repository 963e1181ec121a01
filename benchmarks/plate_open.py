"""Opening a 96-well plate (4 fields per well) over HTTP with 50 ms latency: ngffkit vs ngio.

Usage::

    python benchmarks/plate_open.py [--version 0.4] [--reps 3] [--latency 0.05]

Builds the plate under a temporary directory (every field a small 2-level image), serves it
from a loopback HTTP server that waits *latency* seconds before each answer (many requests
at once, as a remote object store), and times, each tool in a fresh process of its own:

* ``list``: open the plate and list every field's path (``images_paths()``);
* ``open all``: open the plate and every field as a container (``get_images()``).

ngio runs twice: with its defaults (wells and images one after another) and with
``max_workers="auto"`` (its opt-in thread pool). Prints the median seconds and the HTTP
requests of one run of each.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROWS = "ABCDEFGH"
COLUMNS = range(1, 13)
FIELDS = 4

NGFFKIT = """
import json, sys, time
from ngffkit import open_ome_zarr_plate
url, action = sys.argv[1], sys.argv[2]
start = time.perf_counter()
plate = open_ome_zarr_plate(url, mode="r")
n = len(plate.images_paths()) if action == "list" else len(plate.get_images())
print(json.dumps({"seconds": time.perf_counter() - start, "n": n}))
"""

NGIO = """
import json, sys, time
import ngio
url, action, workers = sys.argv[1], sys.argv[2], sys.argv[3]
kw = {} if workers == "default" else {"max_workers": workers}
start = time.perf_counter()
plate = ngio.open_ome_zarr_plate(url, mode="r")
n = len(plate.images_paths(**kw)) if action == "list" else len(plate.get_images(**kw))
print(json.dumps({"seconds": time.perf_counter() - start, "n": n}))
"""


def build(root: Path, version: str) -> Path:
    """A 96-well plate, FIELDS fields per well, each field a copy of one small 2-level image."""
    from ngffkit import ImageInWellPath, create_ome_zarr_from_array
    from ngffkit.container import create_empty_plate

    plate_path = root / "plate.zarr"
    cells = [(r, c, str(f)) for r in ROWS for c in COLUMNS for f in range(FIELDS)]
    create_empty_plate(
        plate_path,
        "bench",
        images=[ImageInWellPath(row=r, column=c, path=f) for r, c, f in cells],
        version=version,
    )
    template = root / "field.zarr"
    pixels = np.random.default_rng(0).integers(0, 255, (2, 64, 64), dtype=np.uint8)
    create_ome_zarr_from_array(
        template, pixels, pixelsize=0.5, axes_names="cyx", levels=2, version=version
    )
    for r, c, f in cells:
        shutil.copytree(template, plate_path / r / f"{c:02d}" / f)
    return plate_path


class _Slow(http.server.SimpleHTTPRequestHandler):
    latency = 0.05
    count = 0
    lock = threading.Lock()

    def do_GET(self) -> None:
        time.sleep(self.latency)
        with _Slow.lock:
            _Slow.count += 1
        super().do_GET()

    def do_HEAD(self) -> None:
        time.sleep(self.latency)
        with _Slow.lock:
            _Slow.count += 1
        super().do_HEAD()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    # The default listen backlog (5) drops the SYNs of a burst of connections, and each
    # dropped one costs the client a 1 s retransmit: a real object store accepts many at once.
    request_queue_size = 1024
    daemon_threads = True


@contextlib.contextmanager
def serve(directory: Path, latency: float) -> Iterator[str]:
    _Slow.latency = latency
    handler = functools.partial(_Slow, directory=str(directory))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def run(code: str, *args: str) -> dict[str, Any]:
    before = _Slow.count
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["requests"] = _Slow.count - before
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="0.4", choices=["0.4", "0.5"])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(root, args.version)
        cases = {
            "ngffkit": lambda url, action: run(NGFFKIT, url, action),
            "ngio (defaults)": lambda url, action: run(NGIO, url, action, "default"),
            'ngio (max_workers="auto")': lambda url, action: run(NGIO, url, action, "auto"),
        }
        print(
            f"96 wells x {FIELDS} fields, OME-NGFF {args.version}, {args.latency * 1000:g} ms "
            f"per request, median of {args.reps} (fresh process each, import not timed)"
        )
        with serve(root, args.latency) as base:
            url = f"{base}/plate.zarr"
            for action in ("list", "open all"):
                for name, case in cases.items():
                    results = [case(url, action.split()[0]) for _ in range(args.reps)]
                    errors = [r["error"] for r in results if "error" in r]
                    if errors:
                        print(f"{action:9s} {name:27s} failed: {errors[0]}")
                        continue
                    seconds = statistics.median(r["seconds"] for r in results)
                    print(
                        f"{action:9s} {name:27s} {seconds:7.2f} s  {results[0]['requests']:5d} "
                        f"requests  ({results[0]['n']} fields)"
                    )


if __name__ == "__main__":
    main()
