"""Single-file OME-Zarr (RFC-9 ``.ozx``): round trips, the RFC's layout, safe publishing, hostile archives."""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import dask.array as da
import numpy as np
import pytest

import ngffkit
from ngffkit.errors import (
    NgffCorruptDataError,
    NgffError,
    NgffExistsError,
    NgffReadOnlyError,
    NgffValueError,
)
from tests.conftest import requires
from tests.interop._outside import run_outside


@pytest.fixture
def labelled(make_image) -> ngffkit.Multiscales:
    """A 3-D image with two levels and a label image."""
    image = make_image((8, 32, 32))
    cells = ngffkit.to_ngff_image(
        (np.arange(8 * 32 * 32).reshape(8, 32, 32) % 5).astype("uint8"),
        dims=("z", "y", "x"),
        scale=image.scale,
    )
    ms = ngffkit.to_multiscales(image, scale_factors=[2], chunks=16)
    label = ngffkit.to_multiscales(cells, scale_factors=[2], chunks=16, method="mode")
    return replace(ms, labels={"cells": label})


def test_round_trip_and_rfc9_layout(tmp_path: Path, labelled: ngffkit.Multiscales) -> None:
    """The archive reads back equal; every zarr.json comes first, breadth first; nothing is compressed."""
    target = tmp_path / "image.ozx"
    ngffkit.to_ngff_zarr(target, labelled)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["image.ozx"]  # no stage left behind
    back = ngffkit.from_ngff_zarr(target)
    for ours, theirs in zip(back.images, labelled.images, strict=True):
        np.testing.assert_array_equal(ours.data.compute(), theirs.data.compute())
    np.testing.assert_array_equal(
        back.labels["cells"].images[0].data.compute(),
        labelled.labels["cells"].images[0].data.compute(),
    )
    with zipfile.ZipFile(target) as z:
        names = z.namelist()
        infos = z.infolist()
        comment = json.loads(z.comment)
    metadata = [n for n in names if n.endswith("zarr.json")]
    assert names[: len(metadata)] == metadata and metadata[0] == "zarr.json"
    depths = [n.count("/") for n in metadata]
    assert depths == sorted(depths) and "labels/zarr.json" in metadata
    assert metadata.index("labels/zarr.json") < metadata.index("labels/cells/zarr.json")
    assert {i.compress_type for i in infos} == {zipfile.ZIP_STORED}
    assert comment == {
        "ome": {"version": "0.5", "zipFile": {"centralDirectory": {"jsonFirst": True}}}
    }
    assert ngffkit.validate(target).ok


def test_outside_reader_both_ways(tmp_path: Path, make_image) -> None:
    """ngff-zarr (in its own process) reads ngffkit's .ozx, and ngffkit reads ngff-zarr's."""
    image = make_image((32, 48))
    ngffkit.to_ngff_zarr(tmp_path / "ours.ozx", ngffkit.to_multiscales(image, scale_factors=[2]))
    read = run_outside("ngffzarr", "read", tmp_path / "ours.ozx")
    assert read["ok"], read.get("error")
    assert [lvl["shape"] for lvl in read["levels"]] == [[32, 48], [16, 24]]
    pixels = np.asarray(image.data)
    assert read["level0_sum"] == float(pixels.sum())

    np.save(tmp_path / "in.npy", pixels)
    # outside.py's write action lists the written folder; an .ozx is one file, so call ngff-zarr here.
    script = (
        "import sys, numpy as np, ngff_zarr as nz\n"
        "image = nz.to_ngff_image(np.load(sys.argv[1]), dims=['y', 'x'])\n"
        "nz.to_ngff_zarr(sys.argv[2], nz.to_multiscales(image, scale_factors=[2]), version='0.5')\n"
    )
    wrote = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "in.npy"), str(tmp_path / "theirs.ozx")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert wrote.returncode == 0, wrote.stderr
    theirs = ngffkit.from_ngff_zarr(tmp_path / "theirs.ozx")
    np.testing.assert_array_equal(theirs.images[0].data.compute(), pixels)


def test_overwrite_rules_and_failed_write_keep_the_old_archive(tmp_path: Path, make_image) -> None:
    """An existing archive needs overwrite=True; a write that fails midway leaves it byte-identical."""
    target = tmp_path / "image.ozx"
    ms = ngffkit.to_multiscales(make_image((32, 32)), scale_factors=[2])
    ngffkit.to_ngff_zarr(target, ms)
    before = target.read_bytes()
    with pytest.raises(NgffExistsError, match="pass overwrite=True"):
        ngffkit.to_ngff_zarr(target, ms)

    def explode(block: np.ndarray) -> np.ndarray:
        raise RuntimeError("disk on fire")

    broken = ngffkit.to_ngff_image(
        da.zeros((32, 32), dtype="uint16", chunks=16).map_blocks(explode, dtype="uint16"),
        dims=("y", "x"),
    )
    with pytest.raises(RuntimeError, match="disk on fire"):
        ngffkit.to_ngff_zarr(
            target, ngffkit.to_multiscales(broken, scale_factors=[]), overwrite=True
        )
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["image.ozx"]
    ngffkit.to_ngff_zarr(target, ngffkit.to_multiscales(make_image((16, 16))), overwrite=True)
    assert ngffkit.from_ngff_zarr(target).images[0].shape == (16, 16)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"version": "0.4"}, "version='0.4' (Zarr v2) needs a folder"),
        ({"resume": True}, "resume=True needs a folder"),
    ],
)
def test_refused_writes_write_nothing(tmp_path: Path, make_image, kwargs, words: str) -> None:
    """0.4 (Zarr v2) and resumable writes need a folder: a clear error, no file."""
    with pytest.raises(NgffValueError, match=re.escape(words)):
        ngffkit.to_ngff_zarr(
            tmp_path / "x.ozx", ngffkit.to_multiscales(make_image((16, 16))), **kwargs
        )
    assert list(tmp_path.iterdir()) == []


def _hostile(path: Path, case: str) -> None:
    good = '{"zarr_format": 3, "node_type": "group", "attributes": {}}'
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("zarr.json", good)
        if case == "dotdot":
            z.writestr("0/../../evil", "x")
        elif case == "absolute":
            info = zipfile.ZipInfo("0/c")
            info.filename = "/etc/evil"  # ZipInfo strips a leading slash; a hostile writer does not
            z.writestr(info, "x")
        elif case == "link":
            info = zipfile.ZipInfo("0/c/0")
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, "/etc/passwd")
        elif case == "bomb":
            z.writestr("0/c/0", bytes(20_000_000), compress_type=zipfile.ZIP_BZIP2)
    if case == "truncated":
        path.write_bytes(path.read_bytes()[:-30])


@pytest.mark.parametrize(
    ("case", "error", "words"),
    [
        ("dotdot", NgffValueError, "'0/../../evil' lies outside the archive root"),
        ("absolute", NgffValueError, "'/etc/evil' lies outside the archive root"),
        ("link", NgffValueError, "'0/c/0' is a link"),
        ("bomb", NgffCorruptDataError, "more than 1000 times"),
        ("truncated", NgffCorruptDataError, "not a readable zip archive"),
    ],
)
def test_hostile_archive_is_refused(
    tmp_path: Path, case: str, error: type[NgffError], words: str
) -> None:
    """Members outside the root, links, zip bombs and truncated archives are refused when opened."""
    path = tmp_path / "hostile.ozx"
    _hostile(path, case)
    with pytest.raises(error, match=re.escape(words)):
        ngffkit.from_ngff_zarr(path)


def test_archive_opens_read_only(tmp_path: Path, make_image) -> None:
    """The container opens an .ozx read-only; asking open_store for writes is a clear error."""
    target = tmp_path / "image.ozx"
    ngffkit.to_ngff_zarr(
        target, ngffkit.to_multiscales(make_image((16, 32, 32)), scale_factors=[2])
    )
    container = ngffkit.open_ome_zarr_container(target)
    assert container.levels == 2
    with pytest.raises(NgffReadOnlyError):
        container.get_image().set_array(np.zeros((16, 32, 32), "uint16"))
    with pytest.raises(NgffReadOnlyError, match=r"an \.ozx archive is written whole"):
        ngffkit.open_store(target, mode="r+")


def test_cli_converts_to_and_reads_ozx(tmp_path: Path) -> None:
    """`ngffkit convert in.npy out.ozx` writes an archive; `convert` takes it as input; `info` reads it."""
    np.save(tmp_path / "in.npy", np.arange(32 * 32, dtype="uint8").reshape(32, 32))
    run = subprocess.run(
        [sys.executable, "-m", "ngffkit", "convert", "in.npy", "out.ozx"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    back = subprocess.run(
        [sys.executable, "-m", "ngffkit", "convert", "out.ozx", "back.ome.zarr"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert back.returncode == 0, back.stderr
    np.testing.assert_array_equal(
        ngffkit.from_ngff_zarr(tmp_path / "back.ome.zarr").images[0].data.compute(),
        np.load(tmp_path / "in.npy"),
    )
    info = subprocess.run(
        [sys.executable, "-m", "ngffkit", "info", "out.ozx"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert info.returncode == 0 and "32 × 32" in info.stdout, info.stderr


@requires("s3fs", "s3")
def test_archive_on_s3_is_read_with_range_requests(
    s3_endpoint: str, tmp_path: Path, make_image
) -> None:
    """An .ozx uploaded to S3 (moto on loopback) opens by URL: pixels, validation and the
    container, read-only; writing an .ozx URL is refused with what to do instead."""
    import s3fs

    options = {"key": "test", "secret": "test", "client_kwargs": {"endpoint_url": s3_endpoint}}
    image = make_image((8, 32, 32))
    ngffkit.to_ngff_zarr(tmp_path / "image.ozx", ngffkit.to_multiscales(image, scale_factors=[2]))
    fs = s3fs.S3FileSystem(**options)
    fs.mkdir("ngffkit-ozx")
    fs.put_file(str(tmp_path / "image.ozx"), "ngffkit-ozx/image.ozx")
    url = "s3://ngffkit-ozx/image.ozx"
    back = ngffkit.from_ngff_zarr(url, storage_options=options)
    np.testing.assert_array_equal(back.images[0].data.compute(), np.asarray(image.data))
    assert ngffkit.validate(url, storage_options=options).ok
    container = ngffkit.open_ome_zarr_container(url, storage_options=options)
    assert container.levels == 2 and "read-only" in repr(container)
    with pytest.raises(NgffReadOnlyError, match="write it locally"):
        ngffkit.to_ngff_zarr(url, back, storage_options=options)
    with pytest.raises(ngffkit.NgffNotFoundError, match=r"no such \.ozx archive"):
        ngffkit.from_ngff_zarr("s3://ngffkit-ozx/missing.ozx", storage_options=options)
