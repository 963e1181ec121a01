"""Import and start-up times: ngffkit against ngff-zarr, in fresh processes, round-robin.

Usage::

    python benchmarks/bench_import.py --reps 15

Each case is a new ``python -c ...`` process (so nothing is cached in memory between runs
but the OS file cache, which every case shares alike); cases alternate within each round so
load from elsewhere hits them alike. Prints the median and range of wall time per case,
the ratio to ``import ngff_zarr``, and the heaviest modules that ``python -X importtime``
reports for ``import ngffkit`` and for ``ngffkit --help``.
"""

from __future__ import annotations

import argparse
import ast
import statistics
import subprocess
import sys
import time

CASES = {
    "import ngffkit": "import ngffkit",
    "import ngff_zarr": "import ngff_zarr",
    "import dask.array": "import dask.array",
    "ngffkit --help": "import sys; sys.argv = ['ngffkit', '--help']; from ngffkit.cli import main; "
    "import contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()):\n    try: main()\n"
    "    except SystemExit: pass",
    "import ngffkit; to_ngff_zarr": "import ngffkit; ngffkit.to_ngff_zarr",
}
"""What each case runs in its own interpreter."""

HEAVY = ("dask", "xarray", "scipy", "rich", "zarr", "numcodecs", "pandas")


def run_once(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - start


def heavy_modules(code: str) -> list[str]:
    """Top-level packages among HEAVY that *code* imports."""
    probe = f"{code}\nimport sys\nprint(sorted({{m.split('.')[0] for m in sys.modules}}))"
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    loaded = ast.literal_eval(out.strip().splitlines()[-1])
    return [m for m in HEAVY if m in loaded]


def importtime_top(code: str, n: int = 8) -> list[tuple[int, str]]:
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], check=True, capture_output=True, text=True
    ).stderr
    rows = []
    for line in err.splitlines():
        # "import time:  self [us] | cumulative | imported package"
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        rows.append((int(cumulative), name.strip()))
    return sorted(rows, reverse=True)[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15)
    args = parser.parse_args()
    available = {}
    for label, code in CASES.items():
        try:
            run_once(code)
            available[label] = code
        except subprocess.CalledProcessError:
            print(f"skipped {label!r}: it fails in this environment (not installed?)")
    times: dict[str, list[float]] = {label: [] for label in available}
    for _ in range(args.reps):
        for label, code in available.items():
            times[label].append(run_once(code))
    base = statistics.median(times["import ngff_zarr"]) if "import ngff_zarr" in times else None
    print(
        f"\n{'case':32} {'median s':>9} {'min-max':>13} {'x ngff_zarr':>12}  heavy modules loaded"
    )
    for label, values in times.items():
        med = statistics.median(values)
        ratio = f"{med / base:.2f}x" if base else "-"
        heavy = ", ".join(heavy_modules(available[label])) or "none"
        print(f"{label:32} {med:9.3f} {min(values):6.3f}-{max(values):6.3f} {ratio:>12}  {heavy}")
    for label in ("import ngffkit", "ngffkit --help"):
        print(f"\nslowest imports (cumulative µs) for {label!r}:")
        for cumulative, name in importtime_top(available[label]):
            print(f"  {cumulative:>9}  {name}")


if __name__ == "__main__":
    main()
