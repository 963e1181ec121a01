"""One writer at a time updates an image's lists of labels and tables.

Adding a label or a table is a read-modify-write of a small JSON list; two writers doing it
at once would each write the list they read, and one entry would vanish. On local stores
the update runs under an exclusive `flock` on ``<image>/.ngffkit-lock``: the kernel drops the
lock when its holder exits or is killed, so a lock is never stale, and threads, processes
and dask workers on the same machine (or on a network file system with working locks, such as
NFSv4) wait their turn. The lock file is removed when the lock is released.

Object stores and memory stores have no such lock: updates there are last-writer-wins, which
`docs/user-guide/reliability.md` states; run the writers of one image from one process.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from zarr.storage import LocalStore, StorePath

from ngffkit.errors import NgffLockError
from ngffkit.io.stores import describe_store

__all__ = ["LOCK_NAME", "image_lock"]

LOCK_NAME = ".ngffkit-lock"
_POLL = 0.01


@contextlib.contextmanager
def image_lock(sp: StorePath, *, timeout: float = 120.0) -> Iterator[None]:
    """Hold the image's list lock for the duration of the block (local stores; else no-op).

    Raises
    ------
    NgffLockError
        If another writer holds the lock for longer than *timeout* seconds.

    Examples
    --------
    >>> import tempfile
    >>> sp = StorePath(LocalStore(tempfile.mkdtemp()), "img.zarr")
    >>> with image_lock(sp):
    ...     (Path(sp.store.root) / "img.zarr" / LOCK_NAME).exists()
    True
    >>> (Path(sp.store.root) / "img.zarr" / LOCK_NAME).exists()
    False
    """
    if not isinstance(sp.store, LocalStore):
        yield
        return
    path = Path(sp.store.root) / sp.path / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = _acquire(path, timeout=timeout, where=describe_store(sp))
    try:
        yield
    finally:
        # Unlink before unlocking: a waiter that then locks the unlinked file sees it is stale.
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        os.close(fd)


def _acquire(path: Path, *, timeout: float, where: str) -> int:
    deadline = time.monotonic() + timeout
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() > deadline:
                raise NgffLockError(
                    f"store {where}: another writer has held {LOCK_NAME} for more than "
                    f"{timeout:g} s while updating the labels or tables lists (nothing was changed)"
                ) from None
            time.sleep(_POLL)
            continue
        try:
            current = path.stat().st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            current = False
        if current:
            return fd
        os.close(fd)  # the holder before us unlinked this file; lock the new one
