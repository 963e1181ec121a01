"""One writer at a time updates an image's lists of labels and tables (and a plate's wells).

Adding a label or a table is a read-modify-write of a small JSON list; two writers doing it
at once would each write the list they read, and one entry would vanish. `image_lock` makes
such updates take turns, in two layers:

- **Threads of one process**, on every store: a lock kept in this process for the group,
  keyed by where the group is (a local directory's resolved path; a memory store's dict; a
  remote store's protocol, bucket and path; any other store object itself). It is reentrant:
  a thread holding it may take it again.
- **Processes**, on local stores: an exclusive `flock` on ``<group>/.ngffkit-lock``. The kernel
  drops it when its holder exits or is killed, so it is never stale; processes and dask workers
  on the same machine (or on a network file system with working locks, such as NFSv4) wait
  their turn. The lock file is removed when the lock is released.

Object stores have no lock shared between processes: there, updates by writers in different
processes (or machines) are last-writer-wins, which `docs/user-guide/reliability.md` states;
run the writers of one image from one process, where the threads take turns.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
import weakref
from collections.abc import Hashable, Iterator
from pathlib import Path

from zarr.storage import FsspecStore, LocalStore, MemoryStore, StorePath

from ngffkit.errors import NgffLockError
from ngffkit.io.stores import describe_store, join_path

__all__ = ["LOCK_NAME", "image_lock", "lock_key"]

LOCK_NAME = ".ngffkit-lock"
_POLL = 0.01


class _Turn:
    """The in-process lock of one group, and how deep its holder has taken it."""

    __slots__ = ("__weakref__", "depth", "lock")

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.depth = 0  # changed only by the thread holding `lock`


# Weak values: a group's entry lives while a thread holds or awaits it, so the registry holds
# only the groups being updated now, however many a long session touches.
_turns: weakref.WeakValueDictionary[Hashable, _Turn] = weakref.WeakValueDictionary()
_turns_guard = threading.Lock()


def _reset_after_fork() -> None:
    # A forked child has one thread: a lock held by another thread of the parent would never
    # be released there.
    global _turns, _turns_guard
    _turns = weakref.WeakValueDictionary()
    _turns_guard = threading.Lock()


os.register_at_fork(after_in_child=_reset_after_fork)


def lock_key(sp: StorePath) -> Hashable:
    """Where the group at *sp* is, as a key equal for every handle on the same group.

    Examples
    --------
    >>> import tempfile
    >>> root = tempfile.mkdtemp()
    >>> inner = StorePath(LocalStore(f"{root}/a"), "b")
    >>> lock_key(StorePath(LocalStore(root), "a/b")) == lock_key(inner)
    True
    >>> data = {}
    >>> lock_key(StorePath(MemoryStore(data), "p")) == lock_key(StorePath(MemoryStore(data), "p/"))
    True
    """
    store = sp.store
    path = sp.path.strip("/")
    if isinstance(store, LocalStore):
        return ("file", os.path.realpath(Path(store.root) / path))
    if isinstance(store, MemoryStore):
        # Stores opened on one dict (`open_store(dict)` makes a new one each time) share it.
        return ("memory", id(store._store_dict), path)
    if isinstance(store, FsspecStore):
        protocol = store.fs.protocol
        protocol = protocol[0] if isinstance(protocol, tuple | list) else protocol
        # Two file system objects with other options (endpoints, credentials) on one path share
        # the key: at worst two stores take turns that needed not.
        base = store.path.rstrip("/")
        if "://" not in base:
            base = f"{protocol}://{base.lstrip('/')}"
        return ("url", join_path(base, path) if path else base)
    return ("store", id(store), path)


def _turn(key: Hashable) -> _Turn:
    with _turns_guard:
        turn = _turns.get(key)
        if turn is None:
            turn = _turns[key] = _Turn()
        return turn


@contextlib.contextmanager
def image_lock(sp: StorePath, *, timeout: float = 120.0) -> Iterator[None]:
    """Hold the group's lock for the duration of the block: other threads of this process
    wait on every store; other processes on local stores (their `flock`).

    A thread holding the lock of a group may take it again; the lock is released when the
    outermost block ends.

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
    where = describe_store(sp)
    deadline = time.monotonic() + timeout
    turn = _turn(lock_key(sp))
    if not turn.lock.acquire(timeout=max(timeout, 0.0)):
        raise _busy(where, timeout)
    try:
        turn.depth += 1
        if turn.depth > 1 or not isinstance(sp.store, LocalStore):
            yield  # the file lock, where there is one, is the outermost holder's
            return
        path = Path(sp.store.root) / sp.path / LOCK_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = _acquire(path, deadline=deadline, where=where, timeout=timeout)
        try:
            yield
        finally:
            # Unlink before unlocking: a waiter that then locks the unlinked file sees it is stale.
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            os.close(fd)
    finally:
        turn.depth -= 1
        turn.lock.release()


def _busy(where: str, timeout: float) -> NgffLockError:
    return NgffLockError(
        f"store {where}: another writer has held its lock (on a local disk, {LOCK_NAME}) for "
        f"more than {timeout:g} s while updating a labels, tables or plate list (nothing was "
        f"changed)"
    )


def _acquire(path: Path, *, deadline: float, where: str, timeout: float) -> int:
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() > deadline:
                raise _busy(where, timeout) from None
            time.sleep(_POLL)
            continue
        try:
            current = path.stat().st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            current = False
        if current:
            return fd
        os.close(fd)  # the holder before us unlinked this file; lock the new one
