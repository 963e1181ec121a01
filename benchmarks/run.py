"""Run the benchmark configurations side by side and report medians, ratios and targets.

Usage::

    python benchmarks/gen_data.py
    python benchmarks/run.py --workloads w1,w3,w4 --reps 3      # add w2 (2 GiB) and big (32 GiB)

Every configuration runs in its own process, ``/usr/bin/time -v python bench_write.py ...``
(peak RSS from ``time``; where ``/usr/bin/time`` is missing, from psutil polling of the
child), round-robin over the configurations for ``--reps`` rounds, so that load from
other processes hits every library alike. A psutil watchdog kills a configuration above
12 GiB RSS or 600 s. Results: ``benchmarks/results/latest.{md,json,png}`` (a run of some
workloads replaces those workloads' sections and keeps the others); every single run is
appended to ``benchmarks/results/raw/runs.jsonl``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_data import data_dir  # noqa: E402

RESULTS = HERE / "results"
TIME = shutil.which("time", path="/usr/bin") if Path("/usr/bin/time").exists() else None
RSS_LIMIT = 12 * 2**30
TIME_LIMIT = 600.0


@dataclass
class Config:
    """One benchmark configuration: a bench_write.py command line and how to report it."""

    label: str
    lib: str
    workload: str
    version: str = "0.4"
    method: str = ""
    shards: int | None = None
    store: str = ""  # W4: the store to read
    env: dict[str, str] = field(default_factory=dict)  # set for this configuration's process
    runs: list[dict[str, Any]] = field(default_factory=list)

    def argv(self) -> list[str]:
        cmd = [sys.executable, str(HERE / "bench_write.py"), self.lib, self.workload]
        cmd += ["--version", self.version, "--label", self.label]
        if self.method:
            cmd += ["--method", self.method]
        if self.shards:
            cmd += ["--chunks-per-shard", str(self.shards)]
        if self.store:
            cmd += ["--store", self.store]
        return cmd


# --------------------------------------------------------------------------- configurations


def w1_configs() -> list[Config]:
    out = [
        Config("floor (mean)", "floor", "w1"),
        Config("floor (gaussian, naive)", "floor", "w1", method="gaussian"),
    ]
    for v in ("0.4", "0.5"):
        out += [
            Config(f"ngffkit mean v{v}", "ngffkit", "w1", v),
            # The pure-Python codec pipeline: what platforms without zarrs wheels get.
            Config(f"ngffkit mean v{v}, no zarrs", "ngffkit", "w1", v, env={"NGFFKIT_ZARRS": "0"}),
            Config(f"ngffkit gaussian v{v}", "ngffkit", "w1", v, method="gaussian"),
            Config(f"ngff-zarr ITKWASM_BIN_SHRINK v{v}", "ngffzarr", "w1", v, "itkwasm_bin_shrink"),
            Config(f"ngff-zarr ITKWASM_GAUSSIAN v{v}", "ngffzarr", "w1", v, "itkwasm_gaussian"),
            Config(f"ome-zarr resize (dask 64^3 in) v{v}", "omezarr", "w1", v),
            Config(f"ngio v{v}", "ngio", "w1", v),
        ]
    out += [
        Config("ngffkit mean v0.5, 2^3 chunks/shard", "ngffkit", "w1", "0.5", shards=2),
        Config(
            "ngff-zarr ITKWASM_BIN_SHRINK v0.5, 2^3 chunks/shard",
            "ngffzarr",
            "w1",
            "0.5",
            "itkwasm_bin_shrink",
            shards=2,
        ),
    ]
    return out


def w3_configs() -> list[Config]:
    return [
        Config("floor (mean, 2D)", "floor", "w3"),
        Config("ngffkit mean v0.4", "ngffkit", "w3"),
        Config("ngffkit gaussian v0.4", "ngffkit", "w3", method="gaussian"),
        Config("ngff-zarr ITKWASM_BIN_SHRINK v0.4", "ngffzarr", "w3", method="itkwasm_bin_shrink"),
        Config("ngff-zarr ITKWASM_GAUSSIAN v0.4", "ngffzarr", "w3", method="itkwasm_gaussian"),
        Config("ome-zarr resize (dask 1024^2 in) v0.4", "omezarr", "w3"),
        Config("ngio v0.4", "ngio", "w3"),
    ]


def w2_configs() -> list[Config]:
    return [
        Config("floor (streaming, 256-plane slabs)", "floor", "w2"),
        Config("ngffkit mean v0.4 (lazy zarr in)", "ngffkit", "w2"),
        Config("ngffkit mean v0.4 (numpy in)", "ngffkit", "w2np"),
        Config("ngff-zarr ITKWASM_BIN_SHRINK v0.4", "ngffzarr", "w2", method="itkwasm_bin_shrink"),
        Config("ome-zarr resize v0.4", "omezarr", "w2"),
        Config("ngio v0.4 (dask in)", "ngio", "w2"),
    ]


def big_configs() -> list[Config]:
    return [Config("ngffkit mean v0.4 (32 GiB lazy in)", "ngffkit", "big")]


W4_STORES = {
    # name: (writer config, level-0 bytes are the W1 input in every case)
    "ngffkit-0.4": Config("", "ngffkit", "w1", "0.4"),
    "ngffkit-0.5": Config("", "ngffkit", "w1", "0.5"),
    "ngffzarr-0.4": Config("", "ngffzarr", "w1", "0.4", "itkwasm_bin_shrink"),
    "omezarr-0.4": Config("", "omezarr", "w1", "0.4"),
    "ngio-0.4": Config("", "ngio", "w1", "0.4"),
}


def w4_configs() -> list[Config]:
    folder = data_dir() / "w4"
    out = []
    for name in W4_STORES:
        for reader in ("ngffkit", "tensorstore"):
            out.append(
                Config(f"{reader} <- {name}", reader, "w4", store=str(folder / f"{name}.zarr"))
            )
    return out


def prepare_w4() -> None:
    """Write the W1 stores the W4 reads open (once; kept in the data folder)."""
    folder = data_dir() / "w4"
    for name, cfg in W4_STORES.items():
        path = folder / f"{name}.zarr"
        if path.exists():
            continue
        print(f"w4: writing {path}", flush=True)
        subprocess.run([*cfg.argv(), "--keep", str(path)], check=True, stdout=subprocess.DEVNULL)


WORKLOADS = {
    "w1": w1_configs,
    "w3": w3_configs,
    "w4": w4_configs,
    "w2": w2_configs,
    "big": big_configs,
}


# --------------------------------------------------------------------------- running


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def run_one(cfg: Config) -> dict[str, Any]:
    """Run *cfg* once in a fresh process under the watchdog; return its record."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tfile:
        cmd = cfg.argv()
        if TIME:
            cmd = [TIME, "-v", "-o", tfile.name, *cmd]
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            env={**os.environ, **cfg.env},
        )
        watched = psutil.Process(proc.pid)
        polled_peak = 0
        killed = ""
        while proc.poll() is None:
            try:
                rss = tree_rss(watched)
            except psutil.Error:
                rss = 0
            polled_peak = max(polled_peak, rss)
            if rss > RSS_LIMIT:
                killed = f"RSS {rss / 2**30:.1f} GiB > 12 GiB"
            elif time.perf_counter() - t0 > TIME_LIMIT:
                killed = f"over {TIME_LIMIT:.0f} s"
            if killed:
                os.killpg(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.05)
        stdout, stderr = proc.communicate()
        wall = time.perf_counter() - t0
        time_text = Path(tfile.name).read_text() if TIME else ""
    record: dict[str, Any] = {"label": cfg.label, "ok": False}
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if lines and not killed and proc.returncode == 0:
        record.update(json.loads(lines[-1]))
        record["ok"] = True
    else:
        record["error"] = killed or (stderr.strip().splitlines() or ["?"])[-1][:300]
    record["wall_proc_s"] = wall
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_text)
    if peak:
        record["peak_rss_mib"] = int(peak.group(1)) / 1024
        record["rss_source"] = "/usr/bin/time -v"
    else:
        record["peak_rss_mib"] = polled_peak / 2**20
        record["rss_source"] = "psutil polling (50 ms)"
    record["loadavg"] = os.getloadavg()[0]
    return record


# --------------------------------------------------------------------------- reporting


def med(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarise(cfg: Config) -> dict[str, Any]:
    ok = [r for r in cfg.runs if r.get("ok")]
    row: dict[str, Any] = {
        "label": cfg.label,
        "lib": cfg.lib,
        "workload": cfg.workload,
        "version": cfg.version,
        "method": cfg.method,
        "shards": cfg.shards,
        "runs": len(ok),
        "failed": [r.get("error") for r in cfg.runs if not r.get("ok")],
    }
    if not ok:
        return row
    times = [r["write_s"] for r in ok]
    row.update(
        write_s=med(times),
        write_min=min(times),
        write_max=max(times),
        wall_proc_s=med([r["wall_proc_s"] for r in ok]),
        peak_rss_mib=med([r["peak_rss_mib"] for r in ok]),
        lib_version=ok[0].get("lib_version", ""),
    )
    if cfg.workload == "w4":
        row.update(
            open_s=med([r["open_s"] for r in ok]),
            chunk_ms=med([r["chunk_ms"] for r in ok]),
            unaligned_ms=med([r["unaligned_ms"] for r in ok]),
            equal=all(r["equal"] for r in ok),
        )
    else:
        row.update(
            cpu_s=med([r["cpu_s"] for r in ok]),
            out_mib=ok[0]["out_bytes"] / 2**20,
            files=ok[0]["files"],
            codec=ok[0]["codec"],
            stages={k: med([r["stages"].get(k, 0.0) for r in ok]) for k in ok[0]["stages"]},
        )
    return row


def fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def find(rows: list[dict[str, Any]], label: str) -> dict[str, Any] | None:
    return next((r for r in rows if r["label"] == label and r.get("write_s")), None)


def write_table(section: dict[str, Any]) -> list[str]:
    rows = section["rows"]
    floor = next((r for r in rows if r["lib"] == "floor" and r.get("write_s")), None)
    lines = [
        "| config | write s (median) | min-max | process s | CPU s | peak RSS MiB | out MiB | files "
        "| codec | x floor | anchor ÷ ngffkit | runs |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if not r.get("write_s"):
            lines.append(f"| {r['label']} | failed: {r['failed']} | | | | | | | | | | 0 |")
            continue
        ratio = r["write_s"] / floor["write_s"] if floor else None
        speedup = ""
        if r["lib"] not in ("ngffkit", "floor"):
            gauss = "gaussian" if "gaussian" in r["method"] else "mean"
            shard = ", 2^3 chunks/shard" if r["shards"] else ""
            mine = find(rows, f"ngffkit {gauss} v{r['version']}{shard}")
            if mine is None:
                mine = find(rows, f"ngffkit mean v{r['version']}{shard}")
            if mine is None and r["workload"] == "w2":
                mine = find(rows, "ngffkit mean v0.4 (lazy zarr in)")
            if mine:
                speedup = f"{r['write_s'] / mine['write_s']:.2f}x (vs {mine['label']})"
        lines.append(
            f"| {r['label']} | **{fmt(r['write_s'])}** "
            f"| {fmt(r['write_min'])}-{fmt(r['write_max'])} | {fmt(r['wall_proc_s'])} "
            f"| {fmt(r['cpu_s'], 1)} | {fmt(r['peak_rss_mib'], 0)} | {fmt(r['out_mib'], 1)} "
            f"| {r['files']} | {r['codec']} | {fmt(ratio)}x | {speedup} | {r['runs']} |"
        )
    return lines


def read_table(section: dict[str, Any]) -> list[str]:
    rows = section["rows"]
    lines = [
        "| reader ← store | open s | full level 0 s | x tensorstore | 64³ chunk ms (median of 20) "
        "| 64³ unaligned ms | equal to input | peak RSS MiB | runs |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if not r.get("write_s"):
            lines.append(f"| {r['label']} | failed: {r['failed']} | | | | | | | 0 |")
            continue
        store = r["label"].split(" <- ")[1]
        ts = find(rows, f"tensorstore <- {store}")
        ratio = f"{r['write_s'] / ts['write_s']:.2f}x" if ts else "-"
        lines.append(
            f"| {r['label']} | {fmt(r['open_s'], 3)} | {fmt(r['write_s'])} | {ratio} "
            f"| {fmt(r['chunk_ms'])} | {fmt(r['unaligned_ms'])} | {r['equal']} "
            f"| {fmt(r['peak_rss_mib'], 0)} | {r['runs']} |"
        )
    return lines


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("**met**" if ok else "**not met**")


def targets(sections: dict[str, Any]) -> list[list[str]]:
    """Issue 4's targets: [workload, target, measured, verdict]."""
    out: list[list[str]] = []

    def rows(w: str) -> list[dict[str, Any]]:
        return sections.get(w, {}).get("rows", [])

    w1 = rows("w1")
    floor = find(w1, "floor (mean)")
    for v in ("0.4", "0.5"):
        mine = find(w1, f"ngffkit mean v{v}")
        if not (mine and floor):
            continue
        r = mine["write_s"] / floor["write_s"]
        out.append(
            [
                f"W1 v{v} mean",
                "≤ 2x floor",
                f"{r:.2f}x ({mine['write_s']:.2f} s vs {floor['write_s']:.2f} s)",
                verdict(r <= 2),
            ]
        )
        for anchor in (
            f"ngff-zarr ITKWASM_BIN_SHRINK v{v}",
            f"ngio v{v}",
            f"ome-zarr resize (dask 64^3 in) v{v}",
        ):
            a = find(w1, anchor)
            if a:
                s = a["write_s"] / mine["write_s"]
                out.append(
                    [
                        f"W1 v{v} mean",
                        f"≥ 2x faster than {anchor}",
                        f"{s:.2f}x ({a['write_s']:.2f} s)",
                        verdict(s >= 2),
                    ]
                )
        anchor_row = find(w1, f"ngff-zarr ITKWASM_BIN_SHRINK v{v}")
        slow = find(w1, f"ngffkit mean v{v}, no zarrs")
        if anchor_row:
            for row, what in ((mine, "default install"), (slow, "no zarrs")):
                if row is None:
                    continue
                write = row["write_s"] / anchor_row["write_s"]
                whole = row["wall_proc_s"] / anchor_row["wall_proc_s"]
                out.append(
                    [
                        f"W1 v{v} mean, {what}",
                        "whole process ≤ 0.5x ngff-zarr's (imports, input, write)",
                        f"write {write:.2f}x, whole process {whole:.2f}x "
                        f"({row['wall_proc_s']:.2f} s vs {anchor_row['wall_proc_s']:.2f} s)",
                        verdict(whole <= 0.5) if what == "default install" else "informal",
                    ]
                )
        g = find(w1, f"ngffkit gaussian v{v}")
        a = find(w1, f"ngff-zarr ITKWASM_GAUSSIAN v{v}")
        if g and a:
            s = a["write_s"] / g["write_s"]
            out.append(
                [
                    f"W1 v{v} gaussian",
                    "≥ 3x faster than ngff-zarr ITKWASM_GAUSSIAN",
                    f"{s:.2f}x ({g['write_s']:.2f} s vs {a['write_s']:.2f} s)",
                    verdict(s >= 3),
                ]
            )
    sh = find(w1, "ngffkit mean v0.5, 2^3 chunks/shard")
    plain = find(w1, "ngffkit mean v0.5")
    if sh and plain:
        r = sh["write_s"] / plain["write_s"]
        out.append(
            [
                "W1 v0.5 sharded",
                "same throughput as unsharded (≤ 1.1x, informal)",
                f"{r:.2f}x",
                verdict(r <= 1.1),
            ]
        )
    w2 = rows("w2")
    floor2 = next((r for r in w2 if r["lib"] == "floor" and r.get("write_s")), None)
    lazy = find(w2, "ngffkit mean v0.4 (lazy zarr in)")
    if lazy and floor2:
        r = lazy["write_s"] / floor2["write_s"]
        out.append(
            [
                "W2 lazy",
                "≤ 2x streaming floor",
                f"{r:.2f}x ({lazy['write_s']:.1f} s vs {floor2['write_s']:.1f} s)",
                verdict(r <= 2),
            ]
        )
    if lazy:
        out.append(
            [
                "W2 lazy",
                "peak RSS ≤ 512 MiB (whole process)",
                f"{lazy['peak_rss_mib']:.0f} MiB",
                verdict(lazy["peak_rss_mib"] <= 512),
            ]
        )
    np_in = find(w2, "ngffkit mean v0.4 (numpy in)")
    if np_in:
        out.append(
            [
                "W2 numpy",
                "peak RSS ≤ input (2048 MiB) + 512 MiB",
                f"{np_in['peak_rss_mib']:.0f} MiB",
                verdict(np_in["peak_rss_mib"] <= 2560),
            ]
        )
    w3 = rows("w3")
    floor3 = find(w3, "floor (mean, 2D)")
    mine3 = find(w3, "ngffkit mean v0.4")
    if mine3 and floor3:
        r = mine3["write_s"] / floor3["write_s"]
        out.append(
            [
                "W3",
                "≤ 2x floor",
                f"{r:.2f}x ({mine3['write_s']:.2f} s vs {floor3['write_s']:.2f} s)",
                verdict(r <= 2),
            ]
        )
        anchors = [a for a in w3 if a["lib"] not in ("ngffkit", "floor") and a.get("write_s")]
        if anchors:
            fastest = min(anchors, key=lambda a: a["write_s"])
            out.append(
                [
                    "W3",
                    "faster than every anchor",
                    f"fastest anchor {fastest['label']} {fastest['write_s']:.2f} s "
                    f"= {fastest['write_s'] / mine3['write_s']:.2f}x ngffkit",
                    verdict(mine3["write_s"] < fastest["write_s"]),
                ]
            )
    w4 = rows("w4")
    for store in ("ngffkit-0.4", "ngffkit-0.5", "ngffzarr-0.4", "omezarr-0.4", "ngio-0.4"):
        mine = find(w4, f"ngffkit <- {store}")
        ts = find(w4, f"tensorstore <- {store}")
        if mine and ts:
            r = mine["write_s"] / ts["write_s"]
            out.append(
                [
                    f"W4 ← {store}",
                    "full level 0 ≤ 1.5x tensorstore",
                    f"{r:.2f}x ({mine['write_s']:.2f} s vs {ts['write_s']:.2f} s)",
                    verdict(r <= 1.5),
                ]
            )
        if mine:
            out.append(
                [
                    f"W4 ← {store}",
                    "one 64³ chunk ≤ 3 ms median",
                    f"{mine['chunk_ms']:.2f} ms",
                    verdict(mine["chunk_ms"] <= 3),
                ]
            )
    big = find(rows("big"), "ngffkit mean v0.4 (32 GiB lazy in)")
    if big:
        out.append(
            [
                "32 GiB lazy",
                "peak RSS ≤ 1 GiB",
                f"{big['peak_rss_mib']:.0f} MiB",
                verdict(big["peak_rss_mib"] <= 1024),
            ]
        )
        if lazy:
            per_big = big["write_s"] / 32
            per_w2 = lazy["write_s"] / 2
            out.append(
                [
                    "32 GiB lazy",
                    "s per GiB ≤ 1.25x W2's",
                    f"{per_big / per_w2:.2f}x ({per_big:.1f} vs {per_w2:.1f} s/GiB)",
                    verdict(per_big / per_w2 <= 1.25),
                ]
            )
    else:
        out.append(["32 GiB lazy", "peak RSS ≤ 1 GiB; s/GiB ≤ 1.25x W2's", "not run", "-"])
    return out


TITLES = {
    "w1": "W1: 512³ uint16 (in memory) → 3 levels (/2, /4), 64³ chunks, zstd-0",
    "w3": "W3: 16384² uint8 (in memory) → 4 levels (/2, /4, /8), 1024² chunks, zstd-0, v0.4",
    "w2": "W2: 1024³ uint16 (2 GiB) → 3 levels, 64³ chunks, zstd-0, v0.4",
    "big": "Larger than memory: 32 GiB uint16, generated lazily per block",
    "w4": "W4: reads of the W1 stores (v0.4 unless noted), ngffkit.from_ngff_zarr vs tensorstore",
}


def render(report: dict[str, Any]) -> str:
    sections = report["sections"]
    lines = [
        "<!-- generated by benchmarks/run.py; do not edit by hand -->",
        f"Machine: {report['machine']}. ngffkit: {report.get('ngffkit_source', '?')}.",
        "",
    ]
    for w in ("w1", "w3", "w2", "big", "w4"):
        if w not in sections:
            continue
        s = sections[w]
        lines += [
            f"### {TITLES[w]}",
            "",
            f"Run {s['started']} - {s['finished']}, {s['reps']} round(s) round-robin, "
            f"1-min load average during the runs {s['load_min']:.1f}-{s['load_max']:.1f} "
            f"(2 cores). Peak RSS: {s['rss_source']}, whole process (imports and input included).",
            "",
        ]
        lines += read_table(s) if w == "w4" else write_table(s)
        lines.append("")
    lines += [
        "### Issue 4 targets",
        "",
        "| workload | target | measured | verdict |",
        "|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(t) + " |" for t in targets(sections)]
    lines.append("")
    return "\n".join(lines)


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sections = report["sections"]
    panels = [w for w in ("w1", "w3", "w2", "w4") if w in sections]
    colors = {
        "ngffkit": "#1b9e77",
        "floor": "#999999",
        "ngffzarr": "#d95f02",
        "omezarr": "#7570b3",
        "ngio": "#e7298a",
        "tensorstore": "#666666",
    }
    heights = [max(2.0, 0.28 * len(sections[w]["rows"]) + 0.8) for w in panels]
    fig, axes = plt.subplots(
        len(panels), 1, figsize=(8, sum(heights)), gridspec_kw={"height_ratios": heights}
    )
    if len(panels) == 1:
        axes = [axes]
    for ax, w in zip(axes, panels, strict=True):
        rows = [r for r in sections[w]["rows"] if r.get("write_s")]
        labels = [r["label"] for r in rows]
        values = [r["write_s"] for r in rows]
        ax.barh(range(len(rows)), values, color=[colors.get(r["lib"], "#333") for r in rows])
        ax.set_yticks(range(len(rows)), labels, fontsize=7)
        ax.invert_yaxis()
        for i, v in enumerate(values):
            ax.text(v, i, f" {v:.2f}", va="center", fontsize=6)
        floor = next((r for r in rows if r["lib"] == "floor"), None)
        if floor:
            ax.axvline(floor["write_s"], color="k", ls="--", lw=0.8)
            ax.axvline(2 * floor["write_s"], color="r", ls=":", lw=0.8)
        ax.set_xlabel(
            "full level-0 read, s (median)"
            if w == "w4"
            else "write s (median; dashed: floor, dotted: 2x floor)",
            fontsize=7,
        )
        ax.set_title(TITLES[w], fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=72)
    plt.close(fig)


# --------------------------------------------------------------------------- main


def ngffkit_source() -> str:
    """The commit of the ngffkit being measured, and whether its package tree has local edits."""
    root = HERE.parent

    def git(*a: str) -> str:
        res = subprocess.run(["git", *a], cwd=root, capture_output=True, text=True, check=False)
        return res.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "ngffkit")
    return head + (" with uncommitted changes in ngffkit/" if dirty else "")


def machine() -> str:
    mem = psutil.virtual_memory().total / 2**30
    return (
        f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
        f"{mem:.0f} GiB RAM, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="w1,w3,w4", help="comma list of w1,w3,w4,w2,big")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--only", default="", help="regex: run only configs whose label matches")
    parser.add_argument("--fresh", action="store_true", help="drop sections of earlier runs")
    parser.add_argument(
        "--update-docs",
        action="store_true",
        help="copy the tables into docs/performance.md (between its results markers) and the "
        "plot to docs/performance.png; with --workloads '' this only re-renders latest.*",
    )
    args = parser.parse_args(argv)

    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    if not workloads and not args.update_docs:
        raise SystemExit("--workloads is empty: nothing to run")
    unknown = set(workloads) - set(WORKLOADS)
    if unknown:
        raise SystemExit(f"unknown workloads {sorted(unknown)}; choose from {list(WORKLOADS)}")
    for w, needed in (("w1", "w1.npy"), ("w3", "w3.npy"), ("w4", "w1.npy"), ("w2", "w2_src.zarr")):
        if w in workloads and not (data_dir() / needed).exists():
            raise SystemExit(f"{data_dir() / needed} is missing: run python benchmarks/gen_data.py")
    if "w4" in workloads:
        prepare_w4()
    # The first itkwasm call on a machine compiles its wasm module (~5 s): do that untimed.
    warm_itkwasm()

    RESULTS.mkdir(exist_ok=True)
    raw_dir = RESULTS / "raw"
    raw_dir.mkdir(exist_ok=True)
    latest_json = RESULTS / "latest.json"
    report: dict[str, Any] = {"sections": {}}
    if latest_json.exists() and not args.fresh:
        report = json.loads(latest_json.read_text())
    report["machine"] = machine()
    report["ngffkit_source"] = ngffkit_source()
    report["rss_source"] = "/usr/bin/time -v" if TIME else "psutil polling"

    for w in workloads:
        configs = [c for c in WORKLOADS[w]() if re.search(args.only, c.label)]
        started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        loads = []
        for rep in range(args.reps):
            for cfg in configs:
                rec = run_one(cfg)
                cfg.runs.append(rec)
                loads.append(rec["loadavg"])
                with open(raw_dir / "runs.jsonl", "a") as fh:
                    fh.write(
                        json.dumps({**rec, "section": w, "rep": rep, "started": started}) + "\n"
                    )
                shown = f"{rec['write_s']:.2f} s" if rec.get("ok") else f"FAILED {rec.get('error')}"
                print(
                    f"[{w} {rep + 1}/{args.reps}] {cfg.label}: {shown}, "
                    f"peak RSS {rec['peak_rss_mib']:.0f} MiB, load {rec['loadavg']:.1f}",
                    flush=True,
                )
        report["sections"][w] = {
            "started": started,
            "finished": datetime.now(UTC).strftime("%H:%M UTC"),
            "reps": args.reps,
            "load_min": min(loads),
            "load_max": max(loads),
            "rss_source": report["rss_source"],
            "rows": [summarise(c) for c in configs],
        }
        latest_json.write_text(json.dumps(report, indent=1))

    text = render(report)
    (RESULTS / "latest.md").write_text(text)
    plot(report, RESULTS / "latest.png")
    print(text)
    if args.update_docs:
        update_docs(text)
    return 0


START, END = "<!-- results:start -->", "<!-- results:end -->"


def update_docs(text: str) -> None:
    """Put the tables into docs/performance.md and the plot into docs/performance.png."""
    page = HERE.parent / "docs" / "performance.md"
    doc = page.read_text()
    if START not in doc or END not in doc:
        raise SystemExit(f"{page}: no {START} ... {END} markers to fill")
    head, rest = doc.split(START, 1)
    _old, tail = rest.split(END, 1)
    body = text.replace("<!-- generated by benchmarks/run.py; do not edit by hand -->\n", "")
    page.write_text(f"{head}{START}\n{body}\n![benchmark plot](performance.png)\n\n{END}{tail}")
    shutil.copyfile(RESULTS / "latest.png", page.with_suffix(".png"))
    print(f"updated {page} and {page.with_suffix('.png')}")


def warm_itkwasm() -> None:
    """Compile and cache itkwasm-downsample's wasm modules once, outside any timing."""
    code = (
        "import numpy as np, ngff_zarr as nz\n"
        "img = nz.to_ngff_image(np.zeros((16, 16, 16), 'uint16'))\n"
        "for m in (nz.Methods.ITKWASM_GAUSSIAN, nz.Methods.ITKWASM_BIN_SHRINK):\n"
        "    ms = nz.to_multiscales(img, scale_factors=[2], method=m)\n"
        "    ms.images[1].data.compute()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=False, capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
