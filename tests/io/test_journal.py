"""Resumable writes, killed for real: a resume rewrites only what was not finished, byte for byte."""

from __future__ import annotations

import fcntl
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from zarr.storage import MemoryStore

import ngffkit
from ngffkit.errors import NgffExistsError, NgffLockError, NgffResumeError, NgffValueError
from ngffkit.io import _stream

WRITER = """
import sys, numpy as np, ngffkit
chunks = int(sys.argv[2])
pixels = np.random.default_rng(0).integers(0, 60000, size=(64, 256, 256), dtype="u2")
image = ngffkit.to_ngff_image(pixels, dims=("z", "y", "x"))
ms = ngffkit.to_multiscales(image, scale_factors=[2, 4], chunks=chunks)
ngffkit.to_ngff_zarr(sys.argv[1], ms, resume=True, memory_limit="2 MiB", max_workers=2)
"""


def _multiscales(chunks: int = 32) -> ngffkit.Multiscales:
    pixels = np.random.default_rng(0).integers(0, 60000, size=(64, 256, 256), dtype="u2")
    image = ngffkit.to_ngff_image(pixels, dims=("z", "y", "x"))
    return ngffkit.to_multiscales(image, scale_factors=[2, 4], chunks=chunks)


def _digest(store: Path) -> dict[str, str]:
    return {
        str(f.relative_to(store)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(store.rglob("*"))
        if f.is_file()
    }


def _journal(target: Path) -> Path:
    return target.parent / f".{target.name}.ngffkit-resume" / ".ngffkit-journal"


def _kill_after(tmp_path: Path, target: Path, regions: int, chunks: int = 32) -> int:
    """Run the writer in a process, SIGKILL it once *regions* are journaled; return how many were."""
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    proc = subprocess.Popen([sys.executable, str(script), str(target), str(chunks)])
    journal = _journal(target)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if journal.exists() and len(journal.read_text().splitlines()) > regions:
                break
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert not target.exists(), "the writer finished before it could be killed"
    lines = journal.read_text().splitlines()
    return len(lines) - 1


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, ...]]:
    """The regions the writer runs from now on, as it runs them."""
    ran: list[tuple[int, ...]] = []
    real = _stream.run_region
    monkeypatch.setattr(_stream, "run_region", lambda task: (ran.append(task.start), real(task))[1])
    return ran


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], int]:
    """The store an uninterrupted write makes, file by file, and how many regions it ran."""
    out = tmp_path_factory.mktemp("reference") / "img.zarr"
    with pytest.MonkeyPatch.context() as monkeypatch:
        ran = _counting(monkeypatch)
        ngffkit.to_ngff_zarr(out, _multiscales(), memory_limit="2 MiB", max_workers=2)
    return _digest(out), len(ran)


@pytest.mark.parametrize("regions", [1, 5, 17, 40])
def test_resume_after_kill(tmp_path, monkeypatch, reference, regions) -> None:
    """Killed after n regions: the resume runs only the others, and equals an uninterrupted write."""
    files, total = reference
    target = tmp_path / "img.zarr"
    done = _kill_after(tmp_path, target, regions)
    assert regions <= done < total
    ran = _counting(monkeypatch)
    # Other limits on purpose: the resume keeps the region grid its journal was planned with.
    ngffkit.to_ngff_zarr(target, _multiscales(), resume=True, memory_limit="64 MiB", max_workers=1)
    assert len(ran) == total - done
    assert _digest(target) == files
    assert not _journal(target).parent.exists()
    assert ngffkit.validate(target, chunks=True).ok


def test_resume_refuses_a_different_plan(tmp_path) -> None:
    """A resume with other chunks changes nothing and says why."""
    target = tmp_path / "img.zarr"
    _kill_after(tmp_path, target, 3)
    before = _digest(_journal(target).parent)
    with pytest.raises(NgffResumeError, match="different plan"):
        ngffkit.to_ngff_zarr(target, _multiscales(chunks=64), resume=True)
    assert _digest(_journal(target).parent) == before and not target.exists()
    ngffkit.to_ngff_zarr(target, _multiscales(chunks=64))  # without resume: starts over
    assert not _journal(target).parent.exists() and ngffkit.validate(target, chunks=True).ok


def test_one_resumer_at_a_time(tmp_path) -> None:
    """While one process holds the resumable stage, another resume is refused."""
    target = tmp_path / "img.zarr"
    lock = os.open(
        f"{target.parent / ('.' + target.name + '.ngffkit-resume')}.lock", os.O_RDWR | os.O_CREAT
    )
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(NgffLockError, match="resume=True right now"):
            ngffkit.to_ngff_zarr(target, _multiscales(), resume=True)
    finally:
        os.close(lock)
    assert not target.exists()


def test_resume_limits(tmp_path) -> None:
    """resume=True does not add to a finished store, and needs a local directory."""
    target = tmp_path / "img.zarr"
    ms = ngffkit.to_multiscales(np.zeros((8, 8), "u1"), scale_factors=[])
    ngffkit.to_ngff_zarr(target, ms, resume=True)
    with pytest.raises(NgffExistsError, match="already holds data"):
        ngffkit.to_ngff_zarr(target, ms, resume=True)
    ngffkit.to_ngff_zarr(target, ms, resume=True, overwrite=True)
    with pytest.raises(NgffValueError, match="needs a local directory"):
        ngffkit.to_ngff_zarr(MemoryStore(), ms, resume=True)


def test_cli_convert_resume(tmp_path) -> None:
    """`ngffkit convert --resume` writes through the journal and leaves no stage behind."""
    out = tmp_path / "blobs.ome.zarr"
    run = subprocess.run(
        [sys.executable, "-m", "ngffkit", "convert", "--sample", "blobs2d", "--resume", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert ngffkit.validate(out, chunks=True).ok and not _journal(out).parent.exists()
