"""Nothing is lost: existing stores are kept without overwrite=True; interrupted writes are refused."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import ngffkit
from ngffkit.errors import NgffExistsError, NgffIncompleteStoreError, NgffNotFoundError


def tree_digest(root: Path) -> str:
    """sha256 over every file path and its bytes below *root*."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_existing_store_untouched_without_overwrite(tmp_path, make_image, version) -> None:
    """overwrite=False on an existing store raises NgffExistsError and leaves it byte-identical."""
    ms = ngffkit.to_multiscales(make_image((8, 16, 16)), scale_factors=[2])
    target = tmp_path / "img.zarr"
    ngffkit.to_ngff_zarr(target, ms, version=version)
    before = tree_digest(target)
    other = ngffkit.to_multiscales(make_image((4, 8, 8), dtype="uint8"), scale_factors=[])
    with pytest.raises(NgffExistsError, match="overwrite=True") as info:
        ngffkit.to_ngff_zarr(target, other, version=version)
    assert isinstance(info.value, FileExistsError)
    assert tree_digest(target) == before


def test_overwrite_replaces(tmp_path, make_image) -> None:
    """overwrite=True replaces the old store entirely (no stale levels remain)."""
    target = tmp_path / "img.zarr"
    ngffkit.to_ngff_zarr(
        target, ngffkit.to_multiscales(make_image((8, 16, 16)), scale_factors=[2, 4])
    )
    ngffkit.to_ngff_zarr(
        target, ngffkit.to_multiscales(make_image((8, 16, 16)), scale_factors=[]), overwrite=True
    )
    assert sorted(p.name for p in target.iterdir()) == ["0", "zarr.json"]


def test_overwrite_own_source_refused(tmp_path, make_image) -> None:
    """Overwriting the store the pixels are read from is refused, and the store survives."""
    target = tmp_path / "img.zarr"
    ngffkit.to_ngff_zarr(target, ngffkit.to_multiscales(make_image((8, 16, 16)), scale_factors=[2]))
    before = tree_digest(target)
    back = ngffkit.from_ngff_zarr(target)
    with pytest.raises(ngffkit.NgffValueError, match="same store"):
        ngffkit.to_ngff_zarr(target, back, overwrite=True)
    assert tree_digest(target) == before


WRITER = textwrap.dedent(
    """
    import sys, time, numpy as np, dask.array as da, ngffkit
    def slow(block):
        time.sleep(0.05)
        return block
    data = da.map_blocks(slow, da.ones((64, 256, 256), chunks=(8, 64, 64), dtype="u2"), dtype="u2")
    ms = ngffkit.to_multiscales(ngffkit.to_ngff_image(data), scale_factors=[2], chunks=(8, 64, 64))
    print("start", flush=True)
    ngffkit.to_ngff_zarr(sys.argv[1], ms, version=sys.argv[2])
    print("done", flush=True)
    """
)


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_killed_write_is_refused(tmp_path, version) -> None:
    """A write killed halfway (SIGKILL) leaves a store that from_ngff_zarr refuses clearly."""
    target = tmp_path / "img.zarr"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(target), version], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "start"
    deadline = time.monotonic() + 60
    level0 = target / "0"
    while time.monotonic() < deadline and not any(
        p.is_file() for p in level0.rglob("*") if p.name[0] != "." and p.name != "zarr.json"
    ):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert any(level0.rglob("*")), "the writer was killed before writing any chunk"
    with pytest.raises(NgffIncompleteStoreError, match="interrupted") as info:
        ngffkit.from_ngff_zarr(target)
    assert info.value.rule == "no-ome-metadata"
    assert not ngffkit.validate(target).ok


def test_missing_store(tmp_path) -> None:
    """A path without a zarr group is NgffNotFoundError (also a FileNotFoundError)."""
    with pytest.raises(NgffNotFoundError, match="no zarr group") as info:
        ngffkit.from_ngff_zarr(tmp_path / "nothing.zarr")
    assert isinstance(info.value, FileNotFoundError)


def test_missing_level_named(tmp_path, make_image) -> None:
    """A level listed in the metadata but missing on disk is named in the error."""
    import shutil

    target = tmp_path / "img.zarr"
    ngffkit.to_ngff_zarr(target, ngffkit.to_multiscales(make_image((8, 16, 16)), scale_factors=[2]))
    shutil.rmtree(target / "1")
    with pytest.raises(ngffkit.NgffValidationError, match="'1'") as info:
        ngffkit.from_ngff_zarr(target)
    assert info.value.rule == "dataset-missing"


def test_plate_root_explained(tmp_path) -> None:
    """Opening a plate root as an image explains how to open a field instead."""
    import zarr

    zarr.create_group(
        tmp_path / "p.zarr",
        zarr_format=2,
        attributes={"plate": {"version": "0.4", "rows": [], "columns": [], "wells": []}},
    )
    with pytest.raises(ngffkit.NgffValueError, match="HCS plate"):
        ngffkit.from_ngff_zarr(tmp_path / "p.zarr")


def test_bad_version_argument(tmp_path, make_image) -> None:
    """An unknown version is refused before anything is written."""
    ms = ngffkit.to_multiscales(make_image((8, 8)), scale_factors=[])
    with pytest.raises(ngffkit.NgffValueError, match="version"):
        ngffkit.to_ngff_zarr(tmp_path / "x.zarr", ms, version="0.7")
    assert not (tmp_path / "x.zarr").exists()
    assert np.all(ms.images[0].shape)
