"""Nothing is lost: existing stores are kept without overwrite=True; interrupted writes are refused."""

from __future__ import annotations

import hashlib
import os
import select
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from collections.abc import Iterator
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


# A fork server: one process imports ngffkit once, then forks a writer per job, so that the
# many kill rounds below pay for the imports once instead of once per round. The server never
# runs a computation itself, so it holds no threads or locks for a forked child to inherit.
# Each child writes one of several images (every pixel ``value``) slowly enough to be killed
# at any moment.
FORK_SERVER = textwrap.dedent(
    """
    import os, sys, threading, time, traceback, dask.array as da, ngffkit
    assert threading.active_count() == 1, threading.enumerate()
    def write(target, version, value, overwrite, resume):
        def slow(block):
            time.sleep(0.01)
            return block * value
        data = da.map_blocks(slow, da.ones((32, 128, 128), chunks=(8, 32, 32), dtype="u2"), dtype="u2")
        ms = ngffkit.to_multiscales(ngffkit.to_ngff_image(data), scale_factors=[2], chunks=(8, 32, 32))
        ngffkit.to_ngff_zarr(target, ms, version=version, overwrite=overwrite, progress=False, resume=resume)
    print("ready", flush=True)
    for line in sys.stdin:
        target, version, value, overwrite, resume = line.split()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                write(target, version, int(value), overwrite == "1", resume == "1")
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        print(pid, flush=True)
        print(os.waitpid(pid, 0)[1], flush=True)
    """
)


class ForkServer:
    """Runs FORK_SERVER and SIGKILLs its writers at chosen moments."""

    write_seconds = 1.0

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", FORK_SERVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._line(timeout=60) == "ready"

    def _line(self, timeout: float) -> str | None:
        """The server's next output line, or None if none comes within *timeout* seconds."""
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        return self.proc.stdout.readline().strip() if ready else None

    def run(
        self,
        target: Path,
        version: str,
        value: int,
        overwrite: bool,
        kill_after: float,
        resume: bool = False,
    ) -> bool:
        """Write, and SIGKILL the writer *kill_after* seconds after it starts; True if it finished."""
        assert self.proc.stdin is not None
        args = [str(target), version, str(value), str(int(overwrite)), str(int(resume))]
        self.proc.stdin.write(" ".join(args) + "\n")
        self.proc.stdin.flush()
        pid = int(self._line(timeout=30) or "0")
        assert pid > 0
        status = self._line(timeout=kill_after)
        if status is None:
            os.kill(pid, signal.SIGKILL)
            status = self._line(timeout=30)
        assert status is not None
        return os.waitstatus_to_exitcode(int(status)) == 0

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        assert self.proc.stdout is not None
        self.proc.stdout.close()


@pytest.fixture(scope="module")
def writer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForkServer]:
    """The fork server, with ``write_seconds``: how long one complete write takes here."""
    server = ForkServer()
    target = tmp_path_factory.mktemp("timing") / "img.zarr"
    started = time.monotonic()
    assert server.run(target, "0.5", 1, False, kill_after=60)
    # Kill moments are drawn relative to this, so that they span the whole write on slow and
    # fast machines alike.
    server.write_seconds = time.monotonic() - started
    yield server
    server.close()


def _held_value(target: Path) -> int:
    """The value every pixel of every level of the complete image at *target* holds."""
    ms = ngffkit.from_ngff_zarr(target)
    values = {int(v) for level in ms.images for v in np.unique(level.data.compute())}
    assert len(values) == 1, f"a mix of images: {values}"
    assert [level.shape for level in ms.images] == [(32, 128, 128), (16, 64, 64)]
    return values.pop()


@pytest.mark.parametrize(
    ("version", "overwrite", "kills"), [("0.5", False, 20), ("0.5", True, 20), ("0.4", True, 8)]
)
def test_killed_writes_lose_nothing(tmp_path, writer, version, overwrite, kills) -> None:
    """SIGKILL at random moments of a write: the old image intact or the new one complete.

    A fresh write killed before it is published leaves nothing at the path; an overwrite
    leaves the previous image byte-identical. Stages of killed writers are removed by the
    next write to the same path.
    """
    target = tmp_path / "img.zarr"
    rng = np.random.default_rng(9)
    held = None
    if overwrite:
        assert writer.run(target, version, 1, False, kill_after=30)
        held = 1
    outcomes = {"old intact": 0, "new complete": 0}
    for _ in range(kills):
        value = held % 3 + 1 if held is not None else 1
        before = tree_digest(target) if target.exists() else None
        finished = writer.run(
            target, version, value, overwrite, rng.uniform(0.0, 1.5 * writer.write_seconds)
        )
        if held is not None and target.exists() and tree_digest(target) == before:
            outcomes["old intact"] += 1
            assert not finished
        elif not overwrite and not target.exists():
            outcomes["old intact"] += 1
            with pytest.raises(NgffNotFoundError):
                ngffkit.from_ngff_zarr(target)
        else:
            assert _held_value(target) == value
            outcomes["new complete"] += 1
            held = value
            if not overwrite:
                shutil.rmtree(target)
    assert all(outcomes.values()), outcomes  # the kills fell both before and after publishing
    assert writer.run(target, version, 7, True, kill_after=30)
    assert _held_value(target) == 7
    assert [p.name for p in tmp_path.iterdir()] == ["img.zarr"]  # no stage left behind


def test_killed_resumable_writes_resume_to_the_same_bytes(tmp_path, writer) -> None:
    """SIGKILL a resumable write again and again: each outcome is "not published yet" or
    "complete", every resume goes on from the journal, and the result equals a plain write."""
    reference = tmp_path / "reference.zarr"
    assert writer.run(reference, "0.5", 1, False, kill_after=30)
    target = tmp_path / "img.zarr"
    stage = tmp_path / ".img.zarr.ngffkit-resume"
    rng = np.random.default_rng(4)
    outcomes = {"refused as incomplete": 0, "complete": 0}
    journaled = []
    for _ in range(20):
        finished = writer.run(
            target, "0.5", 1, False, rng.uniform(0.0, 0.3 * writer.write_seconds), resume=True
        )
        if finished or target.exists():
            break
        outcomes["refused as incomplete"] += 1
        with pytest.raises(NgffNotFoundError):
            ngffkit.from_ngff_zarr(target)  # nothing is published before it is complete
        journal = stage / ".ngffkit-journal"
        journaled.append(len(journal.read_text().splitlines()) if journal.exists() else 0)
    if not target.exists():
        assert writer.run(target, "0.5", 1, False, kill_after=60, resume=True)
    outcomes["complete"] += 1
    assert outcomes["refused as incomplete"] >= 5, outcomes
    assert journaled == sorted(journaled), "a resume lost regions an earlier run had finished"
    assert tree_digest(target) == tree_digest(reference)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["img.zarr", "reference.zarr"]


def test_metadata_missing_is_refused_as_interrupted(tmp_path, make_image) -> None:
    """A store with arrays but no image metadata (a write cut short) is refused clearly."""
    import zarr

    target = tmp_path / "img.zarr"
    ngffkit.to_ngff_zarr(target, ngffkit.to_multiscales(make_image((8, 16, 16)), scale_factors=[2]))
    zarr.open_group(target, mode="r+").attrs.clear()
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


def _raising(block: np.ndarray) -> np.ndarray:
    if block.flat[0] >= 0:  # every block: the write fails after some chunks are written
        raise RuntimeError("sensor read failed")
    return block


FAILURES = {
    "codec": (lambda ms: ms, {"compressors": "zstd"}),
    "shards": (lambda ms: ms, {"chunks_per_shard": 0}),
    "version": (lambda ms: ms, {"version": "0.7"}),
    "pixels-raise": (
        lambda ms: ngffkit.to_multiscales(
            ngffkit.to_ngff_image(
                ms.images[0].data.map_blocks(_raising, dtype=ms.images[0].data.dtype),
                dims=ms.images[0].dims,
            ),
            scale_factors=[2],
        ),
        {},
    ),
}


@pytest.fixture
def old_store(tmp_path, make_image) -> tuple[Path, str, ngffkit.Multiscales]:
    """An existing image on disk, its tree digest, and another pyramid to overwrite it with."""
    import dask.array as da

    target = tmp_path / "img.zarr"
    ngffkit.to_ngff_zarr(target, ngffkit.to_multiscales(make_image((8, 32, 32)), scale_factors=[2]))
    pixels = da.from_array(np.full((16, 32, 32), 5, "u2"), chunks=(4, 16, 16))
    new = ngffkit.to_multiscales(ngffkit.to_ngff_image(pixels), scale_factors=[2, 4])
    return target, tree_digest(target), new


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_failed_overwrite_keeps_the_old_store(old_store, failure) -> None:
    """overwrite=True that fails (bad argument, pixels that raise) leaves the old store intact."""
    target, before, new = old_store
    make, kwargs = FAILURES[failure]
    with pytest.raises((ngffkit.NgffError, RuntimeError)):
        ngffkit.to_ngff_zarr(target, make(new), overwrite=True, progress=False, **kwargs)
    assert tree_digest(target) == before
    assert [p.name for p in target.parent.iterdir()] == ["img.zarr"]  # the stage is gone


def test_overwrite_through_a_symlink_keeps_the_link(old_store) -> None:
    """A store reached through a symlink is replaced where it lives; the link still points there."""
    target, _, new = old_store
    link = target.parent / "link.zarr"
    link.symlink_to(target, target_is_directory=True)
    ngffkit.to_ngff_zarr(link, new, overwrite=True, progress=False)
    assert link.is_symlink()
    assert ngffkit.from_ngff_zarr(link).images[2].shape == (4, 8, 8)


def test_overwrite_of_a_file_is_refused(tmp_path, make_image) -> None:
    """A path that is a file is not a store: it is refused and kept."""
    target = tmp_path / "notes.zarr"
    target.write_text("keep me")
    ms = ngffkit.to_multiscales(make_image((8, 8)), scale_factors=[])
    with pytest.raises(ngffkit.NgffError, match=r"notes\.zarr"):
        ngffkit.to_ngff_zarr(target, ms, overwrite=True)
    assert target.read_text() == "keep me"


def test_concurrent_fresh_writer_keeps_the_first(tmp_path, make_image, monkeypatch) -> None:
    """A fresh write that finds the path taken when it publishes is discarded, the other kept."""
    from ngffkit.io import _replace

    target = tmp_path / "img.zarr"
    first = ngffkit.to_multiscales(make_image((8, 8)), scale_factors=[])
    publish = _replace._publish_directory

    def other_writer_first(stage, path, **kwargs):
        monkeypatch.setattr(_replace, "_publish_directory", publish)
        ngffkit.to_ngff_zarr(path, first)  # another writer publishes while this one writes
        publish(stage, path, **kwargs)

    monkeypatch.setattr(_replace, "_publish_directory", other_writer_first)
    second = ngffkit.to_multiscales(make_image((4, 4)), scale_factors=[])
    with pytest.raises(NgffExistsError, match="another writer"):
        ngffkit.to_ngff_zarr(target, second)
    assert ngffkit.from_ngff_zarr(target).images[0].shape == (8, 8)
    assert [p.name for p in tmp_path.iterdir()] == ["img.zarr"]


@pytest.mark.parametrize("path", ["", "plate.zarr/B/03/0"])
def test_memory_overwrite_replaces_only_when_complete(make_image, path) -> None:
    """In a store without renames, a failed overwrite leaves every old key; a good one no stale key."""
    import dask.array as da
    from zarr.storage import MemoryStore, StorePath

    sp = StorePath(MemoryStore(), path)
    ngffkit.to_ngff_zarr(sp, ngffkit.to_multiscales(make_image((8, 32, 32)), scale_factors=[2, 4]))
    before = dict(sp.store._store_dict)
    pixels = da.from_array(np.full((8, 32, 32), 5, "u2"), chunks=(4, 16, 16))
    failing = FAILURES["pixels-raise"][0](ngffkit.to_multiscales(ngffkit.to_ngff_image(pixels)))
    with pytest.raises(RuntimeError, match="sensor"):
        ngffkit.to_ngff_zarr(sp, failing, overwrite=True, progress=False)
    assert dict(sp.store._store_dict) == before
    new = ngffkit.to_multiscales(ngffkit.to_ngff_image(pixels), scale_factors=[])
    ngffkit.to_ngff_zarr(sp, new, overwrite=True, progress=False)
    back = ngffkit.from_ngff_zarr(sp)
    assert len(back.images) == 1 and int(back.images[0].data.max().compute()) == 5
    prefix = f"{path}/" if path else ""
    assert not [k for k in sp.store._store_dict if k.startswith(f"{prefix}1/")]  # stale level gone
    assert not [k for k in sp.store._store_dict if "ngffkit-new" in k]  # stage gone


def test_s3_overwrite_replaces_only_when_complete(s3_endpoint, make_image) -> None:
    """On S3 (moto on loopback) a failed overwrite keeps every old object; a good one leaves none stale."""
    import dask.array as da
    import s3fs

    options = {"key": "test", "secret": "test", "client_kwargs": {"endpoint_url": s3_endpoint}}
    fs = s3fs.S3FileSystem(**options)
    fs.mkdir("ngffkit-safety")
    url = "s3://ngffkit-safety/img.zarr"
    ngffkit.to_ngff_zarr(
        url,
        ngffkit.to_multiscales(make_image((8, 32, 32)), scale_factors=[2]),
        storage_options=options,
    )
    before = {key: fs.cat_file(key) for key in fs.find("ngffkit-safety")}
    pixels = da.from_array(np.full((8, 32, 32), 5, "u2"), chunks=(4, 16, 16))
    failing = FAILURES["pixels-raise"][0](ngffkit.to_multiscales(ngffkit.to_ngff_image(pixels)))
    with pytest.raises(RuntimeError, match="sensor"):
        ngffkit.to_ngff_zarr(url, failing, overwrite=True, storage_options=options, progress=False)
    fs.invalidate_cache()
    assert {key: fs.cat_file(key) for key in fs.find("ngffkit-safety")} == before
    new = ngffkit.to_multiscales(ngffkit.to_ngff_image(pixels), scale_factors=[])
    ngffkit.to_ngff_zarr(url, new, overwrite=True, storage_options=options, progress=False)
    fs.invalidate_cache()
    keys = fs.find("ngffkit-safety")
    assert not [k for k in keys if k.startswith("ngffkit-safety/img.zarr/1/") or "ngffkit-new" in k]
    back = ngffkit.from_ngff_zarr(url, storage_options=options)
    assert len(back.images) == 1 and int(back.images[0].data.max().compute()) == 5
    assert ngffkit.validate(url, storage_options=options).ok


HOSTILE_NAMES = [
    "",
    ".",
    "..",
    "/",
    "a/b",
    "..\\x",
    "/abs",
    "C:x",
    "zarr.json",
    ".zattrs",
    "a\x00b",
    " x",
]


@pytest.fixture
def labelled(tmp_path) -> Path:
    """An image on disk with a label and a table, through the container."""
    import pandas as pd

    from ngffkit.container import create_empty_ome_zarr

    target = tmp_path / "img.zarr"
    c = create_empty_ome_zarr(target, (16, 16), pixelsize=1.0)
    c.derive_label("nuclei")
    c.add_table("roi", pd.DataFrame({"n": [1]}))
    return target


ENTRY_POINTS = {
    "delete_label": lambda c, name: c.delete_label(name),
    "delete_label_missing_ok": lambda c, name: c.delete_label(name, missing_ok=True),
    "derive_label": lambda c, name: c.derive_label(name),
    "get_label": lambda c, name: c.get_label(name),
    "delete_table": lambda c, name: c.delete_table(name),
    "delete_table_missing_ok": lambda c, name: c.delete_table(name, missing_ok=True),
    "get_table": lambda c, name: c.get_table(name),
    "add_table": lambda c, name: c.add_table(name, __import__("pandas").DataFrame({"n": [1]})),
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=repr)
def test_hostile_names_are_refused_before_the_store_is_touched(labelled, entry, name) -> None:
    """delete_label("") used to delete every label: each name API now refuses unsafe names."""
    from ngffkit.container import open_ome_zarr_container

    pytest.importorskip("pandas", reason="needs pandas: pip install 'ngffkit[tables]'")
    before = tree_digest(labelled)
    container = open_ome_zarr_container(labelled, mode="r+")
    with pytest.raises(ngffkit.NgffValueError, match="name") as info:
        ENTRY_POINTS[entry](container, name)
    assert isinstance(info.value, ValueError)
    assert "img.zarr" in str(info.value)
    assert tree_digest(labelled) == before


@pytest.mark.parametrize("name", ["..", "zarr.json", "a/b"])
def test_hostile_label_name_in_to_ngff_zarr(tmp_path, make_image, name) -> None:
    """A label name that would leave labels/ is refused before a byte is written."""
    ms = ngffkit.to_multiscales(make_image((16, 16)), scale_factors=[])
    label = ngffkit.to_multiscales(
        ngffkit.to_ngff_image(np.zeros((16, 16), "u1"), is_label=True), scale_factors=[]
    )
    from dataclasses import replace

    with pytest.raises(ngffkit.NgffValueError, match="label name"):
        ngffkit.to_ngff_zarr(tmp_path / "img.zarr", replace(ms, labels={name: label}))
    assert list(tmp_path.iterdir()) == []


def test_hostile_entries_in_read_metadata_are_skipped(labelled) -> None:
    """Another tool's labels/tables list with '..' or '' entries: those are skipped with a warning."""
    import zarr

    from ngffkit.container import open_ome_zarr_container

    pytest.importorskip("pandas", reason="needs pandas: pip install 'ngffkit[tables]'")
    labels = zarr.open_group(labelled / "labels", mode="r+")
    ome = dict(labels.attrs["ome"])
    labels.attrs["ome"] = {**ome, "labels": ["..", "nuclei", "", "../../etc"]}
    tables = zarr.open_group(labelled / "tables", mode="r+")
    tables.attrs["tables"] = ["roi", "/", "zarr.json"]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        ms = ngffkit.from_ngff_zarr(labelled)
        container = open_ome_zarr_container(labelled)
        assert container.list_labels() == ["nuclei"]
        assert container.list_tables() == ["roi"]
        assert container.get_table("roi").dataframe["n"].tolist() == [1]
    assert list(ms.labels) == ["nuclei"]
    assert {w.category for w in record} == {ngffkit.NgffValidationWarning}
    messages = " ".join(str(w.message) for w in record)
    assert "'..'" in messages and "'../../etc'" in messages and "'zarr.json'" in messages


CONCURRENT = textwrap.dedent(
    """
    import sys, warnings
    import pandas as pd
    from ngffkit.container import open_ome_zarr_container
    from ngffkit.errors import NgffExistsError
    target, me, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    c = open_ome_zarr_container(target, mode="r+")
    for k in range(rounds):
        c.derive_label(f"l{me}_{k}")
        c.add_table(f"t{me}_{k}", pd.DataFrame({"n": [k]}))
        try:  # every process tries the same names once: one of them wins
            c.add_table(f"shared{k}", pd.DataFrame({"who": [me]}))
            print(f"won shared{k}", flush=True)
        except NgffExistsError:
            pass
    """
)


def test_concurrent_writers_lose_no_label_or_table(tmp_path) -> None:
    """4 processes add labels and tables to one image for 3 rounds: every entry is listed."""
    pytest.importorskip("pandas", reason="needs pandas: pip install 'ngffkit[tables]'")
    from ngffkit.container import create_empty_ome_zarr, open_ome_zarr_container

    target = tmp_path / "img.zarr"
    create_empty_ome_zarr(target, (32, 32), pixelsize=1.0)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CONCURRENT, str(target), str(me), "3"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for me in range(4)
    ]
    wins = [p.communicate(timeout=300)[0].split() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0]
    c = open_ome_zarr_container(target)
    expected_labels = {f"l{me}_{k}" for me in range(4) for k in range(3)}
    assert set(c.list_labels()) == expected_labels
    expected_tables = {f"t{me}_{k}" for me in range(4) for k in range(3)}
    assert set(c.list_tables()) == expected_tables | {f"shared{k}" for k in range(3)}
    won = [word for words in wins for word in words if word.startswith("shared")]
    assert sorted(won) == ["shared0", "shared1", "shared2"]  # exactly one winner each
    for k in range(3):
        winner = next(me for me, words in enumerate(wins) if f"shared{k}" in words)
        assert c.get_table(f"shared{k}").dataframe["who"].tolist() == [str(winner)]
    assert ngffkit.validate(target).ok
    assert not (target / ".ngffkit-lock").exists()


def test_concurrent_threads_lose_no_table(tmp_path) -> None:
    """8 threads of one process adding tables at once: every table is listed."""
    pd = pytest.importorskip("pandas", reason="needs pandas: pip install 'ngffkit[tables]'")
    from concurrent.futures import ThreadPoolExecutor

    from ngffkit.container import create_empty_ome_zarr

    target = tmp_path / "img.zarr"
    c = create_empty_ome_zarr(target, (16, 16), pixelsize=1.0)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: c.add_table(f"t{i}", pd.DataFrame({"n": [i]})), range(24)))
    assert sorted(c.list_tables()) == sorted(f"t{i}" for i in range(24))


def _damage(root: Path, kind: str) -> None:
    """Damage the written 0.5 (v3) or 0.4 (v2) store at *root* in the way *kind* names."""
    v3 = (root / "zarr.json").exists()
    meta = root / ("zarr.json" if v3 else ".zattrs")
    if kind == "truncated-json":
        meta.write_bytes(meta.read_bytes()[: len(meta.read_bytes()) // 2])
    elif kind == "not-json":
        meta.write_bytes(b"\x89PNG\r\n\x1a\n not json at all")
    elif kind == "deep-json":
        meta.write_text("[" * 100_000 + "]" * 100_000)
    elif kind == "attributes-wrong-type":
        doc = __import__("json").loads(meta.read_text())
        if v3:
            doc["attributes"] = ["not", "a", "mapping"]
        else:
            doc = ["not", "a", "mapping"]
        meta.write_text(__import__("json").dumps(doc))
    elif kind == "level-metadata-garbage":
        (root / "0" / ("zarr.json" if v3 else ".zarray")).write_text("{")
    elif kind == "corrupt-chunk":
        chunk = next(
            p for p in sorted((root / "0").rglob("*")) if p.is_file() and p.name[0] not in ".z"
        )
        chunk.write_bytes(b"garbage" * 3)
    else:
        raise AssertionError(kind)


DAMAGE = [
    "truncated-json",
    "not-json",
    "deep-json",
    "attributes-wrong-type",
    "level-metadata-garbage",
    "corrupt-chunk",
]


@pytest.mark.parametrize("version", ["0.4", "0.5"])
@pytest.mark.parametrize("kind", DAMAGE)
def test_damaged_stores_give_ngff_errors_everywhere(tmp_path, make_image, version, kind) -> None:
    """Each damaged store: the readers raise an NgffError naming it, validate reports it, the CLI says one line."""
    target = tmp_path / "img.zarr"
    ms = ngffkit.to_multiscales(make_image((16, 32, 32)), scale_factors=[2], chunks=16)
    ngffkit.to_ngff_zarr(target, ms, version=version)
    _damage(target, kind)

    def read() -> None:
        back = ngffkit.from_ngff_zarr(target)
        for level in back.images:
            level.data.compute()

    from ngffkit.container import open_ome_zarr_container

    def read_container() -> None:
        np.asarray(open_ome_zarr_container(target).get_image().get_array())

    for reader in (read, read_container):
        with pytest.raises(ngffkit.NgffError, match=r"img\.zarr"):
            reader()
    if kind != "corrupt-chunk":  # validate reads metadata; chunks are read with chunks=True
        assert not ngffkit.validate(target).ok
    for command in (["info"], ["validate"]):
        run = subprocess.run(
            [sys.executable, "-m", "ngffkit", *command, str(target)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "Traceback" not in run.stderr, run.stderr
        # info and validate read metadata only: a corrupt chunk is found when pixels are read.
        expected = (0, 1, 2) if kind == "corrupt-chunk" else (1, 2)
        assert run.returncode in expected, (run.returncode, run.stdout, run.stderr)
        if run.returncode == 2:
            assert len(run.stderr.strip().splitlines()) == 1, run.stderr


@pytest.mark.parametrize("debug", [False, True])
def test_cli_missing_input_is_one_line(tmp_path, debug) -> None:
    """A missing input file: one line on stderr and exit 2; --debug shows the traceback."""
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "ngffkit",
            *(["--debug"] if debug else []),
            "convert",
            str(tmp_path / "missing.tif"),
            str(tmp_path / "out.zarr"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if debug:
        assert "Traceback" in run.stderr and run.returncode == 1
    else:
        assert run.returncode == 2
        assert run.stderr.strip().splitlines() == [
            f"ngffkit: error: input {tmp_path / 'missing.tif'}: no such file or directory"
        ]
    assert not (tmp_path / "out.zarr").exists()
