"""Plates lose nothing: an overwrite replaces the old plate only once the new one is complete,
and parallel edits keep every field on every kind of store (local, memory, S3 on loopback)."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from zarr.storage import MemoryStore

from ngffkit._container import _plate
from ngffkit.container import ImageInWellPath, create_empty_plate, open_ome_zarr_plate

OLD_FIELDS = [
    ImageInWellPath(row="A", column=1, path="0"),
    ImageInWellPath(row="B", column=2, path="0"),
]


@dataclass
class Place:
    """Where a plate lives in a test, and a snapshot of every key or file there."""

    target: Any  # what create_empty_plate / open_ome_zarr_plate are given
    options: dict[str, Any] | None
    snapshot: Callable[[], dict[str, bytes]]


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).digest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _s3_options(endpoint: str) -> dict[str, Any]:
    return {"key": "test", "secret": "test", "client_kwargs": {"endpoint_url": endpoint}}


@pytest.fixture(params=["local", "memory", "s3"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Place]:
    """An empty place for a plate: a local folder, a zarr MemoryStore, or a bucket on moto S3."""
    if request.param == "local":
        yield Place(tmp_path / "p.zarr", None, lambda: _tree(tmp_path))
    elif request.param == "memory":
        store = MemoryStore()
        yield Place(store, None, lambda: {k: v.to_bytes() for k, v in store._store_dict.items()})
    else:
        s3fs = pytest.importorskip("s3fs", reason="needs s3fs: pip install 'ngffkit[s3]'")
        options = _s3_options(request.getfixturevalue("s3_endpoint"))
        fs = s3fs.S3FileSystem(**options)
        bucket = f"ngffkit-{uuid.uuid4().hex[:12]}"
        fs.mkdir(bucket)

        def snapshot() -> dict[str, bytes]:
            fs.invalidate_cache()
            return {key: fs.cat_file(key) for key in fs.find(bucket)}

        yield Place(f"s3://{bucket}/p.zarr", options, snapshot)


# ----------------------------------------------------------------------------- overwrite


def test_failed_plate_overwrite_keeps_the_old_plate(
    place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    """create_empty_plate(overwrite=True) failing at its last metadata write leaves every old
    key; a good one leaves the new plate and no stage."""
    create_empty_plate(place.target, "old", OLD_FIELDS, storage_options=place.options)
    before = place.snapshot()
    write_plate = _plate.write_plate
    calls: list[int] = []

    def failing(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 2:  # the write that lists the wells: the new plate is almost complete
            raise OSError("disk full")
        write_plate(*args, **kwargs)

    monkeypatch.setattr(_plate, "write_plate", failing)
    new = [ImageInWellPath(row="C", column=3, path="1")]
    with pytest.raises(OSError, match="disk full"):
        create_empty_plate(place.target, "new", new, overwrite=True, storage_options=place.options)
    assert place.snapshot() == before
    old = open_ome_zarr_plate(place.target, storage_options=place.options)
    assert (old.name, old.images_paths()) == ("old", ["A/01/0", "B/02/0"])

    monkeypatch.setattr(_plate, "write_plate", write_plate)
    create_empty_plate(place.target, "new", new, overwrite=True, storage_options=place.options)
    plate = open_ome_zarr_plate(place.target, storage_options=place.options)
    assert (plate.name, plate.images_paths()) == ("new", ["C/03/1"])
    keys = place.snapshot()
    assert not [k for k in keys if "ngffkit-new" in k]  # the stage is gone
    assert not [k for k in keys if "/A/01/" in f"/{k}"]  # so are the old plate's wells


KILLED = textwrap.dedent(
    """
    import os, signal, sys
    from ngffkit._container import _plate
    from ngffkit.container import ImageInWellPath, create_empty_plate

    def killed(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)  # mid-write: plate written, its wells not yet

    _plate.write_well = killed
    create_empty_plate(sys.argv[1], "new", [ImageInWellPath(row="C", column=3, path="1")],
                       overwrite=True)
    """
)


def test_killed_plate_overwrite_keeps_the_old_plate(tmp_path: Path) -> None:
    """SIGKILL in the middle of create_empty_plate(overwrite=True): the old plate is whole and
    opens; the next overwrite succeeds and removes the dead writer's stage."""
    target = tmp_path / "p.zarr"
    create_empty_plate(target, "old", OLD_FIELDS)
    before = _tree(target)
    proc = subprocess.run([sys.executable, "-c", KILLED, str(target)], timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert _tree(target) == before
    assert open_ome_zarr_plate(target).images_paths() == ["A/01/0", "B/02/0"]
    assert [p.name for p in tmp_path.iterdir() if "ngffkit-new" in p.name]  # the dead one's stage
    create_empty_plate(
        target, "new", [ImageInWellPath(row="C", column=3, path="1")], overwrite=True
    )
    assert open_ome_zarr_plate(target).images_paths() == ["C/03/1"]
    assert [p.name for p in tmp_path.iterdir()] == ["p.zarr"]


# ----------------------------------------------------------------------------- parallel edits


def test_parallel_threads_keep_every_field(place: Place) -> None:
    """8 threads x 3 atomic_add_image into one well, then 8 remove_image: no edit is lost, on a
    local folder, a MemoryStore and S3 alike (the plate lock's threads take turns)."""
    plate = create_empty_plate(place.target, "threads", storage_options=place.options)
    fields = [f"{me}{k}" for me in range(8) for k in range(3)]

    def add(me: int) -> list[str]:
        return [plate.atomic_add_image("A", 1, f"{me}{k}") for k in range(3)]

    with ThreadPoolExecutor(8) as pool:
        added = [path for paths in pool.map(add, range(8)) for path in paths]
    assert sorted(added) == sorted(f"A/01/{f}" for f in fields)
    reopened = open_ome_zarr_plate(place.target, storage_options=place.options)
    assert sorted(reopened.well_images_paths("A", 1)) == sorted(added)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda me: plate.atomic_remove_image("A", 1, f"{me}0"), range(8)))
    assert sorted(reopened.well_images_paths("A", 1)) == sorted(
        f"A/01/{f}" for f in fields if not f.endswith("0")
    )
