"""The ngffkit command: convert (files and built-in samples), info, validate."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import ngffkit
from ngffkit.cli import main


def test_quickstart_command(tmp_path) -> None:
    """README's first Quick-start job: a built-in sample with labels, converted and validated, in a subprocess."""
    out = tmp_path / "demo.ome.zarr"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ngffkit",
            "convert",
            "--sample",
            "blobs3d",
            "--labels",
            str(out),
            "--overwrite",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "validation: ok" in result.stdout
    back = ngffkit.from_ngff_zarr(out)
    assert list(back.labels) == ["blobs"]
    assert len(back.images) == len(back.labels["blobs"].images) > 1


@pytest.mark.parametrize("version", ["0.4", "0.5", "0.6"])
def test_convert_npy(tmp_path, capsys, version) -> None:
    """convert reads .npy with dims, scale and units and writes the version asked for."""
    np.save(tmp_path / "a.npy", np.arange(16 * 32 * 32, dtype="u2").reshape(16, 32, 32))
    code = main(
        [
            "convert",
            str(tmp_path / "a.npy"),
            str(tmp_path / "a.zarr"),
            "--dims",
            "zyx",
            "--scale",
            "z=2",
            "y=0.5",
            "x=0.5",
            "--units",
            "micrometer",
            "--scale-factors",
            "2",
            "--version",
            version,
        ]
    )
    assert code == 0
    back = ngffkit.from_ngff_zarr(tmp_path / "a.zarr")
    assert back.images[0].scale == {"z": 2.0, "y": 0.5, "x": 0.5}
    assert back.images[1].shape == (8, 16, 16)


def test_convert_with_memory_limit_workers_and_progress(tmp_path, capsys) -> None:
    """--memory-limit, --workers and --progress reach the writer; the pixels are the same."""
    pixels = np.arange(16 * 64 * 64, dtype="u2").reshape(16, 64, 64)
    np.save(tmp_path / "a.npy", pixels)
    source = str(tmp_path / "a.npy")
    options = ["--scale-factors", "2", "--chunks", "16"]
    assert main(["convert", source, str(tmp_path / "a.zarr"), *options, "--no-progress"]) == 0
    assert "level 0" not in capsys.readouterr().err
    more = ["--memory-limit", "64 KiB", "--workers", "3", "--progress"]
    assert main(["convert", source, str(tmp_path / "b.zarr"), *options, *more]) == 0
    assert "level 1" in capsys.readouterr().err  # one bar per level, shown when asked
    for name in ("a.zarr", "b.zarr"):
        back = ngffkit.from_ngff_zarr(tmp_path / name)
        np.testing.assert_array_equal(back.images[0].data.compute(), pixels)
    np.testing.assert_array_equal(
        ngffkit.from_ngff_zarr(tmp_path / "a.zarr").images[1].data.compute(),
        ngffkit.from_ngff_zarr(tmp_path / "b.zarr").images[1].data.compute(),
    )
    bad = ["--memory-limit", "lots"]
    assert main(["convert", source, str(tmp_path / "c.zarr"), *options, *bad]) != 0
    assert "memory_limit" in capsys.readouterr().err


def test_convert_tiff(tmp_path) -> None:
    """convert reads a TIFF lazily through tifffile."""
    tifffile = pytest.importorskip("tifffile", reason="needs tifffile: pip install 'ngffkit[tiff]'")
    tifffile.imwrite(tmp_path / "a.tif", np.ones((4, 64, 64), "u1"), photometric="minisblack")
    assert (
        main(["convert", str(tmp_path / "a.tif"), str(tmp_path / "a.zarr"), "--scale-factors", "2"])
        == 0
    )
    assert ngffkit.from_ngff_zarr(tmp_path / "a.zarr").images[1].shape == (2, 32, 32)


def test_info_and_validate(tmp_path, capsys) -> None:
    """info prints the overview; validate exits 0 on a valid store and 1 on a broken one."""
    main(["convert", "--sample", "blobs2d", str(tmp_path / "b.zarr")])
    capsys.readouterr()
    assert main(["info", str(tmp_path / "b.zarr")]) == 0
    assert "blobs2d" in capsys.readouterr().out
    assert main(["validate", str(tmp_path / "b.zarr")]) == 0
    (tmp_path / "b.zarr" / "zarr.json").write_text(
        '{"zarr_format": 3, "node_type": "group", "attributes": {}}'
    )
    assert main(["validate", str(tmp_path / "b.zarr")]) == 1


def test_convert_to_existing_output_names_the_flag(tmp_path, capsys) -> None:
    """Converting onto an existing store exits 2, names the path and --overwrite, changes nothing."""
    out = tmp_path / "d.zarr"
    assert main(["convert", "--sample", "blobs2d", str(out)]) == 0
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    capsys.readouterr()
    assert main(["convert", "--sample", "blobs3d", str(out), "--scale-factors", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ngffkit: error: output {out}: already holds data")
    assert "--overwrite" in err
    assert "overwrite=True" not in err
    assert len(err.strip().splitlines()) == 1
    assert {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before


def test_errors_are_one_line(tmp_path, capsys) -> None:
    """A bad argument exits 2 with a one-line ngffkit error on stderr."""
    assert main(["convert", "--sample", "blobs2d", str(tmp_path / "c.zarr"), "--scale", "q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ngffkit: error: --scale")


def test_info_shows_what_is_stored(tmp_path, capsys) -> None:
    """info shows stored chunks and shards (not dask blocks), codecs, sizes, units, labels; --json for scripts."""
    out = tmp_path / "s.zarr"
    args = ["convert", "--sample", "blobs3d", "--labels", str(out), "--chunks", "64"]
    assert main([*args, "--chunks-per-shard", "2", "--compression", "gzip:4", "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["info", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    first = doc["levels"][0]
    assert (first["shape"], first["chunks"], first["shards"]) == (
        [48, 256, 256],
        [48, 64, 64],
        [48, 128, 128],
    )
    assert first["codecs"] == ["gzip(level=4)"] and first["dtype"] == "uint16"
    on_disk = sum(p.stat().st_size for p in (out / "0").rglob("*") if p.is_file())
    assert first["bytes"] == on_disk
    assert doc["version"] == "0.5" and doc["labels"]["blobs"]["levels"] == len(doc["levels"])
    assert {a["name"]: a["unit"] for a in doc["axes"]}["x"] == "micrometer"
    # Piped (as here), each level is one line, whatever the width: no field is wrapped.
    assert main(["info", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    row = next(line for line in lines if line.startswith("0 "))
    assert "48 × 256 × 256" in row and "48 × 128 × 128" in row and "gzip(level=4)" in row
    assert "micrometer" in row
    assert any(line.startswith("labels: blobs") for line in lines)
