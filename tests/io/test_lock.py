"""The image lock: threads of one process take turns on every store; processes on local disks."""

from __future__ import annotations

import contextlib
import gc
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from zarr.storage import LocalStore, MemoryStore, StorePath

from ngffkit.errors import NgffLockError
from ngffkit.io import _lock
from ngffkit.io._lock import LOCK_NAME, image_lock, lock_key
from ngffkit.io.stores import open_store


def test_handles_on_one_group_share_a_key(tmp_path: Path) -> None:
    """Every way of reaching one group gives one key; other groups, stores or dicts another."""
    (tmp_path / "a").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "a")
    local = [
        StorePath(LocalStore(tmp_path), "a/img"),
        StorePath(LocalStore(tmp_path / "a"), "img/"),
        open_store(tmp_path / "link" / "img", mode="r+"),
    ]
    assert len({lock_key(sp) for sp in local}) == 1
    data: dict[str, object] = {}
    memory = [open_store(data, mode="r+"), StorePath(MemoryStore(data), "")]  # type: ignore[arg-type]
    assert len({lock_key(sp) for sp in memory}) == 1
    assert lock_key(StorePath(MemoryStore(), "")) != lock_key(memory[0])
    assert lock_key(StorePath(MemoryStore(data), "x")) != lock_key(memory[0])  # type: ignore[arg-type]
    urls = [
        open_store("memory://lock-doc/img", mode="r+"),
        open_store("memory://lock-doc/", mode="r+"),
    ]
    assert lock_key(urls[0]) == lock_key(StorePath(urls[1].store, "img"))
    assert lock_key(urls[0]) != lock_key(urls[1])


@contextlib.contextmanager
def held_by_another_thread(sp: StorePath) -> Iterator[None]:
    """Inside the block, another thread holds *sp*'s image lock."""
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with image_lock(sp):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(10)
        yield
    finally:
        release.set()
        thread.join()


@pytest.mark.parametrize("kind", ["local", "memory"])
def test_a_second_thread_waits_and_times_out(tmp_path: Path, kind: str) -> None:
    """While one thread holds a group's lock another waits, and gives up with NgffLockError."""
    store = LocalStore(tmp_path) if kind == "local" else MemoryStore()
    sp = StorePath(store, "img")
    with held_by_another_thread(sp):
        busy = image_lock(StorePath(store, "img"), timeout=0.05)
        with pytest.raises(NgffLockError, match=r"img.*more than 0\.05 s"), busy:
            pass
        with image_lock(StorePath(store, "other"), timeout=0.05):
            pass  # another group is free
    with image_lock(sp, timeout=0.05):
        pass  # released


def test_the_lock_is_reentrant_and_released_by_the_outermost_block(tmp_path: Path) -> None:
    """A thread may take its group's lock again; the file lock goes with the outer block only."""
    sp = StorePath(LocalStore(tmp_path), "img")
    with image_lock(sp):
        with image_lock(StorePath(LocalStore(tmp_path / "img"), ""), timeout=0.5):
            assert (tmp_path / "img" / LOCK_NAME).exists()
        assert (tmp_path / "img" / LOCK_NAME).exists()
    assert not (tmp_path / "img" / LOCK_NAME).exists()


def test_the_registry_keeps_only_groups_in_use() -> None:
    """Locks of groups nobody is updating are dropped: a long session does not pile them up."""
    gc.collect()
    for _ in range(200):
        with image_lock(StorePath(MemoryStore(), "img")):
            pass
    gc.collect()
    assert len(_lock._turns) == 0


def test_threads_lose_no_label_or_table_in_memory() -> None:
    """8 threads adding labels and tables to one image in a MemoryStore: every entry is listed."""
    pd = pytest.importorskip("pandas", reason="needs pandas: pip install 'ngffkit[tables]'")
    from ngffkit.container import create_empty_ome_zarr

    c = create_empty_ome_zarr(MemoryStore(), (16, 16), pixelsize=1.0, levels=1)

    def add(i: int) -> None:
        c.derive_label(f"l{i}")
        c.add_table(f"t{i}", pd.DataFrame({"n": [i]}), backend="json")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(add, range(16)))
    assert sorted(c.list_labels()) == sorted(f"l{i}" for i in range(16))
    assert sorted(c.list_tables()) == sorted(f"t{i}" for i in range(16))


def test_a_forked_child_does_not_inherit_a_thread_s_hold() -> None:
    """A lock held by another thread at fork time is free in the child (that thread is not
    there to release it)."""
    sp = StorePath(MemoryStore(), "img")
    with held_by_another_thread(sp):
        pid = os.fork()
        if pid == 0:  # the child: exit at once, 0 if it got the lock
            try:
                with image_lock(sp, timeout=2):
                    os._exit(0)
            except BaseException:
                os._exit(1)
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
