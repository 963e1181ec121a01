"""ngffkit convert on real files: metadata carried over, batches, options, the summary and report."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ngffkit
from ngffkit.cli import build_parser, main
from tests.interop._outside import run_outside_batch
from tests.readers.make import numbered, write_ome

tifffile = pytest.importorskip("tifffile", reason="needs tifffile: pip install 'ngffkit[tiff]'")


def _ngffkit(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The installed entry point, in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "ngffkit", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def folder(tmp_path, ome_czyx, imagej_tzcyx, rgb_png, corrupt_tiff) -> Path:
    """A folder of the issue's files (CZYX and ZCYX OME-TIFF, ImageJ TZCYX, RGB PNG) and one corrupt TIFF."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for path in (ome_czyx, imagej_tzcyx, rgb_png, corrupt_tiff):
        shutil.move(path, inputs / path.name)
    write_ome(inputs / "zcyx.ome.tiff", "ZCYX", (20, 2, 32, 40))
    return inputs


def test_batch_with_a_corrupt_file(tmp_path, folder) -> None:
    """The entry point converts a folder: the good files are written, the bad one is named, exit 1, no traceback."""
    out = tmp_path / "out"
    done = _ngffkit("convert", folder, out, "--report", tmp_path / "report.json")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "cells.ome.zarr",
        "movie.ome.zarr",
        "photo.ome.zarr",
        "zcyx.ome.zarr",
    ]
    row = next(line for line in done.stdout.splitlines() if "broken.tif" in line)
    assert "failed" in row and "not a readable TIFF" in done.stdout
    assert "4 of 5 ok, 1 failed" in done.stdout
    report = json.loads((tmp_path / "report.json").read_text())
    assert (report["total"], report["ok"], report["failed"]) == (5, 4, 1)
    by_name = {Path(f["input"]).name: f for f in report["files"]}
    assert by_name["broken.tif"]["result"] == "failed"
    assert "broken.tif" in by_name["broken.tif"]["error"]
    assert by_name["cells.ome.tif"]["result"] == "converted"
    assert by_name["cells.ome.tif"]["bytes"] > 0 and by_name["cells.ome.tif"]["levels"] >= 1

    # What the files say reached the stores (the four cases).
    cells = ngffkit.from_ngff_zarr(out / "cells.ome.zarr")
    assert cells.images[0].scale == {"c": 1.0, "z": 1.5, "y": 0.2, "x": 0.2}
    assert cells.images[0].axes_units == dict.fromkeys("zyx", "micrometer")
    assert [(c.label, c.color) for c in cells.omero.channels] == [
        ("DAPI", "0000FF"),
        ("GFP", "00FF00"),
    ]
    assert ngffkit.from_ngff_zarr(out / "zcyx.ome.zarr").images[0].shape == (2, 20, 32, 40)
    movie = ngffkit.from_ngff_zarr(out / "movie.ome.zarr").images[0]
    assert (movie.dims, movie.shape) == (("t", "c", "z", "y", "x"), (3, 2, 4, 16, 20))
    assert movie.scale == {"t": 2.0, "c": 1.0, "z": 1.5, "y": 0.25, "x": 0.25}
    assert movie.axes_units["t"] == "second"
    photo = ngffkit.from_ngff_zarr(out / "photo.ome.zarr")
    assert photo.images[0].shape == (3, 100, 120)
    assert [c.label for c in photo.omero.channels] == ["red", "green", "blue"]

    # Outside readers accept every store (each tool in its own process).
    stores = [out / name for name in sorted(p.name for p in out.iterdir())]
    for store in stores:
        assert ngffkit.validate(store).ok
    checks = run_outside_batch("ozm", [("validate", [s]) for s in stores])
    assert all(c["ok"] for c in checks), checks
    reads = run_outside_batch("ngffzarr", [("read", [s]) for s in stores])
    assert [r["axes"] for r in reads] == [list("czyx"), list("tczyx"), list("cyx"), list("czyx")]
    assert reads[0]["channel_labels"] == ["DAPI", "GFP"]


def test_same_metadata_as_ngff_zarrs_converter(tmp_path) -> None:
    """For an OME-TIFF, ngff-zarr's own CLI and ngffkit write the same axes, pixel sizes, units and channels."""
    if shutil.which("ngff-zarr") is None:
        pytest.skip("needs ngff-zarr's command: pip install 'ngffkit[test]'")
    source = tmp_path / "zc.ome.tif"
    write_ome(
        source,
        "ZCYX",
        (6, 2, 32, 40),
        PhysicalSizeZ=1.5,
        PhysicalSizeY=0.2,
        PhysicalSizeX=0.2,
        # ngff-zarr writes no unit where the file leaves OME's default (micrometre) unsaid.
        PhysicalSizeXUnit="µm",
        PhysicalSizeYUnit="µm",
        PhysicalSizeZUnit="µm",
        Channel={"Name": ["DAPI", "GFP"]},
    )
    theirs = tmp_path / "theirs.ome.zarr"
    subprocess.run(
        ["ngff-zarr", "-i", str(source), "-o", str(theirs), "-q"],
        capture_output=True,
        check=True,
        timeout=300,
    )
    assert main(["convert", str(source), str(tmp_path / "ours.ome.zarr"), "--no-progress"]) == 0
    ours, them = run_outside_batch(
        "ngffzarr", [("read", [tmp_path / "ours.ome.zarr"]), ("read", [theirs])]
    )
    assert ours["axes"] == them["axes"] == list("czyx")
    assert ours["levels"][0]["scale"] == them["levels"][0]["scale"]
    assert ours["units"] == them["units"]
    assert ours["channel_labels"] == them["channel_labels"] == ["DAPI", "GFP"]
    assert ours["level0_sha256"] == them["level0_sha256"]  # the same pixels, in the same order


def test_series_all_glob_and_names(tmp_path, multi_series, capsys) -> None:
    """--series all writes <stem>_<series>.ome.zarr; a quoted glob is expanded; stems drop .ome.tif."""
    assert main(["convert", str(multi_series), str(tmp_path / "out"), "--series", "all"]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "two_0.ome.zarr",
        "two_1.ome.zarr",
    ]
    assert ngffkit.from_ngff_zarr(tmp_path / "out" / "two_1.ome.zarr").images[0].scale["z"] == 2.0
    for i in range(3):
        np.save(tmp_path / f"p{i}.npy", numbered((8, 8)))
    assert main(["convert", str(tmp_path / "p*.npy"), str(tmp_path / "npys")]) == 0
    assert sorted(p.name for p in (tmp_path / "npys").iterdir()) == [
        "p0.ome.zarr",
        "p1.ome.zarr",
        "p2.ome.zarr",
    ]
    assert "3 of 3 ok" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.tif", "out.ome.zarr"], "input missing.tif: no such file or directory"),
        (["nothing*.tif", "out"], "input nothing*.tif: the pattern matches no file"),
        (["only.ome.zarr"], "convert: expected INPUT... OUTPUT"),
        (["a.npy", "a.png", "out"], "both would write"),
        (["a.npy", "out.zarr", "--compression", "lzma"], "--compression: expected zstd"),
        (
            ["a.npy", "out.zarr", "--channel-colors", "green"],
            "--channel-colors[0]: expected six hex",
        ),
        (["a.npy", "out.zarr", "--series", "first"], "--series: expected a number or 'all'"),
    ],
)
def test_usage_errors_exit_2_in_one_line(tmp_path, monkeypatch, capsys, args, message) -> None:
    """A missing input, an empty pattern, clashing outputs or a bad option: one line, exit 2, nothing written."""
    monkeypatch.chdir(tmp_path)
    np.save(tmp_path / "a.npy", numbered((8, 8)))
    from imageio.v3 import imwrite

    imwrite(tmp_path / "a.png", numbered((8, 8), "u1"))
    assert main(["convert", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ngffkit: error: ") and message in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.zarr").exists()


def test_command_line_metadata_wins_with_a_note(tmp_path, ome_czyx, capsys) -> None:
    """--scale, --units, --channel-names and --channel-colors replace the file's, and the output says so."""
    code = main(
        [
            "convert",
            str(ome_czyx),
            str(tmp_path / "cells.ome.zarr"),
            "--scale",
            "z=3",
            "--units",
            "nanometer",
            "--channel-names",
            "nuclei",
            "cells",
            "--channel-colors",
            "FF00FF",
            "#00ff00",
            "--name",
            "renamed",
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "scale z: command line 3.0 over the file's 1.5" in " ".join(text.split())
    ms = ngffkit.from_ngff_zarr(tmp_path / "cells.ome.zarr")
    assert ms.images[0].scale["z"] == 3.0 and ms.images[0].scale["x"] == 0.2
    assert ms.images[0].axes_units["z"] == "nanometer"
    assert [(c.label, c.color) for c in ms.omero.channels] == [
        ("nuclei", "FF00FF"),
        ("cells", "00FF00"),
    ]
    assert ms.metadata.name == "renamed"


def test_dims_in_file_order(tmp_path) -> None:
    """--dims names a plain TIFF's axes in its own order, any order: zcyx becomes c, z, y, x."""
    pixels = numbered((6, 2, 16, 16))
    tifffile.imwrite(tmp_path / "s.tif", pixels, photometric="minisblack")
    assert (
        main(["convert", str(tmp_path / "s.tif"), str(tmp_path / "s.zarr"), "--dims", "zcyx"]) == 0
    )
    back = ngffkit.from_ngff_zarr(tmp_path / "s.zarr").images[0]
    assert (back.dims, back.shape) == (("c", "z", "y", "x"), (2, 6, 16, 16))
    np.testing.assert_array_equal(back.data.compute(), pixels.transpose(1, 0, 2, 3))


@pytest.mark.parametrize(
    ("version", "compression", "codec"),
    [("0.5", "gzip:6", "gzip"), ("0.4", "zstd:3", "zstd"), ("0.5", "blosc:lz4:5", "blosc")],
)
def test_compression_shards_and_version(tmp_path, version, compression, codec) -> None:
    """--compression, --chunks, --chunks-per-shard and --ome-zarr-version reach the stored arrays."""
    np.save(tmp_path / "a.npy", numbered((64, 64)))
    args = ["convert", str(tmp_path / "a.npy"), str(tmp_path / "a.zarr"), "--no-progress"]
    args += ["--ome-zarr-version", version, "--compression", compression, "--chunks", "16"]
    args += ["--scale-factors", "2"] + (["--chunks-per-shard", "2"] if version != "0.4" else [])
    assert main(args) == 0
    import zarr

    array = zarr.open_array(tmp_path / "a.zarr" / "0", mode="r")
    assert array.chunks == (16, 16)
    assert array.shards == (None if version == "0.4" else (32, 32))
    names = [type(c).__name__.lower() for c in array.compressors]
    assert any(codec in name for name in names), names
    np.testing.assert_array_equal(array[:], numbered((64, 64)))


def test_resume_skips_complete_outputs_and_jobs_run_in_parallel(tmp_path, capsys) -> None:
    """--jobs 2 converts a batch; --resume then skips every complete output and changes nothing."""
    for i in range(4):
        np.save(tmp_path / f"f{i}.npy", numbered((32, 32)) + i)
    inputs = [str(tmp_path / f"f{i}.npy") for i in range(4)]
    out = tmp_path / "out"
    assert main(["convert", *inputs, str(out), "--jobs", "2", "--memory-limit", "64 MiB"]) == 0
    for i in range(4):
        back = ngffkit.from_ngff_zarr(out / f"f{i}.ome.zarr").images[0].data.compute()
        np.testing.assert_array_equal(back, numbered((32, 32)) + i)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    capsys.readouterr()
    assert main(["convert", *inputs, str(out), "--resume"]) == 0
    assert "4 of 4 ok (4 complete already)" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before
    assert main(["convert", *inputs, str(out)]) == 1  # without --overwrite or --resume: refused
    assert "already holds data; add --overwrite" in " ".join(capsys.readouterr().out.split())


def test_every_option_shows_its_default() -> None:
    """--help of every subcommand lists every option with its default."""
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command").choices
    for name, sub in [("ngffkit", parser), *subparsers.items()]:
        text = " ".join(sub.format_help().split())
        for action in sub._actions:
            if not action.option_strings or action.dest in ("help", "version"):
                continue
            helptext = sub._get_formatter()._get_help_string(action) or ""
            assert "default" in helptext, (name, action.option_strings)
            assert action.option_strings[0] in text


def test_package_version_and_light_help() -> None:
    """`ngffkit --version` prints the package's version; `convert --help` does not import dask."""
    done = _ngffkit("--version")
    assert done.stdout.strip() == f"ngffkit {ngffkit.__version__}"
    probe = (
        "import sys; from ngffkit.cli import main\n"
        "try:\n    main(['convert', '--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('dask', 'zarr', 'tifffile', 'xarray') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_batch_progress_shows_files_over_level_bars(tmp_path, capsys) -> None:
    """With --progress, one display counts the files and bytes, with each write's level bars under it."""
    for i in range(2):
        np.save(tmp_path / f"f{i}.npy", numbered((64, 64)))
    inputs = [str(tmp_path / f"f{i}.npy") for i in range(2)]
    assert main(["convert", *inputs, str(tmp_path / "out"), "--progress", "--jobs", "2"]) == 0
    assert "files 2/2" in capsys.readouterr().err


def test_level_bars_join_the_batch_display() -> None:
    """Inside shared_display, a write's level bars are tasks of the batch's display, removed when it ends."""
    from rich.progress import Progress

    from ngffkit.io.write import WriteProgress, shared_display

    display = Progress()
    display.add_task("files 0/1", total=1)
    with shared_display(display), WriteProgress(None, [("level 0", 10), ("level 1", 3)]) as bars:
        assert [t.description for t in display.tasks] == ["files 0/1", "level 0", "level 1"]
        bars.advance(0, 10)
        assert display.tasks[1].completed == 10
    assert [t.description for t in display.tasks] == ["files 0/1"]


def test_scheduler_address(tmp_path, capsys) -> None:
    """--scheduler sends the regions to a dask.distributed scheduler (a local one on 127.0.0.1 here)."""
    distributed = pytest.importorskip(
        "distributed", reason="needs distributed: pip install 'ngffkit[distributed]'"
    )
    pixels = numbered((64, 64))
    np.save(tmp_path / "a.npy", pixels)
    with distributed.LocalCluster(
        processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None
    ) as cluster:
        args = ["convert", str(tmp_path / "a.npy"), str(tmp_path / "a.zarr")]
        assert main([*args, "--scheduler", cluster.scheduler_address, "--no-progress"]) == 0
        assert cluster.scheduler.transition_log  # the regions were tasks on that scheduler
    back = ngffkit.from_ngff_zarr(tmp_path / "a.zarr").images[0].data.compute()
    np.testing.assert_array_equal(back, pixels)


def test_readme_and_cli_page_list_every_option() -> None:
    """README and the command-line page name every option of convert and info."""
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text()
    page = (root / "docs" / "user-guide" / "cli.md").read_text()
    subparsers = next(a for a in build_parser()._actions if a.dest == "command").choices
    for command in ("convert", "info"):
        for action in subparsers[command]._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert option in page, (command, option)
                    assert option in readme, (command, option)


def test_parallel_jobs_leave_zarrs_global_config_as_it_was(tmp_path) -> None:
    """Writes in parallel threads share zarr's global pipeline setting and restore it after the last one."""
    import zarr

    before = zarr.config.get("codec_pipeline.path")
    for i in range(6):
        np.save(tmp_path / f"f{i}.npy", numbered((64, 64)))
    inputs = [str(tmp_path / f"f{i}.npy") for i in range(6)]
    assert main(["convert", *inputs, str(tmp_path / "out"), "--jobs", "3"]) == 0
    assert zarr.config.get("codec_pipeline.path") == before
