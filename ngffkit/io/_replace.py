"""Staged writes: a new store is written beside its target and only then takes its place.

This is how `to_ngff_zarr` keeps the promise that nothing is lost (`docs/user-guide/reliability.md`):

- **Local directories.** The new store is written into a hidden sibling directory on the same
  file system, ``.<name>.ngffkit-new-<host>-<pid>-<token>``. When every byte is written, one
  ``renameat2(RENAME_EXCHANGE)`` swaps the two directories atomically, and the old one (now under
  the sibling's name) is removed. At every instant the path holds the complete old store or the
  complete new one; a failure or a kill before the swap leaves the old store byte-identical. A
  fresh write is published with a plain rename that fails if another writer got there first.
  Where the kernel or file system refuses the exchange, the old store is renamed aside to
  ``.<name>.ngffkit-old-...`` and the new one renamed in: between those two renames the path is
  missing, and the next write to it (or a read that finds it missing) puts the old store back.
- **Other stores** (object stores, memory, user-supplied stores) have no rename. The new store
  is written under a sibling key prefix (or, where the target has no parent, a separate memory
  or temporary store), then its keys are copied into place: chunks first, then array and group
  metadata from the deepest node up, the root's last; keys of the old store that the new one
  does not have are deleted after that. A failure before the copy leaves the old store
  untouched; a failure during the copy can leave a mix, which the next `overwrite=True`
  replaces.

Stages left by a killed writer are removed by the next write to the same target, once the
process that made them is gone.
"""

from __future__ import annotations

import asyncio
import ctypes
import errno
import fcntl
import os
import secrets
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from zarr.core.buffer import default_buffer_prototype
from zarr.core.sync import sync
from zarr.storage import FsspecStore, LocalStore, MemoryStore, StorePath

from ngffkit.errors import NgffExistsError, NgffLockError, NgffValueError
from ngffkit.io._remote import RemoteStore
from ngffkit.io.stores import join_path
from ngffkit.spec.names import ZARR_KEYS

__all__ = ["staged_write", "stage_name", "resume_stage"]

_NEW = "ngffkit-new"
_OLD = "ngffkit-old"
_RESUME = "ngffkit-resume"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
# Keys copied at once when a stage is published into a store without renames.
_COPY_CONCURRENCY = 32


def stage_name(name: str, kind: str = _NEW) -> str:
    """The hidden sibling name of a stage for the store directory *name*, unique to this process.

    Examples
    --------
    >>> stage_name("img.zarr").startswith(".img.zarr.ngffkit-new-")
    True
    """
    host = socket.gethostname().replace("-", "_")
    return f".{name}.{kind}-{host}-{os.getpid()}-{secrets.token_hex(4)}"


@contextmanager
def staged_write(
    sp: StorePath, *, overwrite: bool, where: str, local_only: bool, resume: bool = False
) -> Iterator[StorePath]:
    """Yield a store to write into; when the block ends without error, it replaces *sp*.

    *sp* must be empty, or *overwrite* true. If the block raises, the stage is removed and
    *sp* is as it was. *local_only*: the writers run in other processes (dask.distributed),
    so a stage in this process's memory or temporary directory will not do.

    Examples
    --------
    >>> import zarr
    >>> sp = StorePath(MemoryStore(), "img")
    >>> with staged_write(sp, overwrite=False, where="memory", local_only=False) as stage:
    ...     _ = zarr.create_group(stage, attributes={"a": 1})
    >>> zarr.open_group(sp, mode="r").attrs["a"]
    1
    """
    if isinstance(sp.store, LocalStore):
        target = Path(sp.store.root) / sp.path
        if resume:
            with _resumable_directory(target, overwrite=overwrite, where=where) as stage:
                yield stage
            return
        with _staged_directory(target, overwrite=overwrite, where=where) as stage:
            yield stage
        return
    if resume:
        raise NgffValueError(
            f"store {where}: resume=True needs a local directory (its journal and stage live "
            f"beside the store); object stores cannot resume yet (nothing was written)"
        )
    if not overwrite:
        # A fresh write needs no stage: its metadata, written last, makes it visible.
        yield sp
        return
    with _staged_keys(sp, where=where, local_only=local_only) as stage:
        yield stage


# -- local directories --------------------------------------------------------------------------


@contextmanager
def _staged_directory(target: Path, *, overwrite: bool, where: str) -> Iterator[StorePath]:
    target = target.resolve()  # a symlinked store is replaced where it lives; the link stays
    if target.exists() and not target.is_dir():
        raise NgffValueError(
            f"store {where}: is a file, not a directory; a zarr store on disk is a directory "
            f"(nothing was written)"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale_stages(target)
    _drop_resume_stage(target)
    stage = target.parent / stage_name(target.name)
    try:
        stage.mkdir()
        yield StorePath(LocalStore(stage), "")
        _publish_directory(stage, target, overwrite=overwrite, where=where)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def resume_stage(target: Path) -> Path:
    """The fixed stage of resumable writes to *target*: a resume finds it again.

    Examples
    --------
    >>> resume_stage(Path("/data/img.zarr")).name
    '.img.zarr.ngffkit-resume'
    """
    return target.parent / f".{target.name}.{_RESUME}"


def _drop_resume_stage(target: Path) -> None:
    """A write without resume starts over: an interrupted resumable write's stage goes."""
    stage = resume_stage(target)
    if not stage.exists():
        return
    lock = os.open(f"{stage}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return  # a resumable writer is at work: it publishes or keeps its own stage
    else:
        shutil.rmtree(stage, ignore_errors=True)
        Path(f"{stage}.lock").unlink(missing_ok=True)
    finally:
        os.close(lock)


@contextmanager
def _resumable_directory(target: Path, *, overwrite: bool, where: str) -> Iterator[StorePath]:
    """As `_staged_directory`, but the stage survives a failure or a kill, for the next resume.

    One resumable writer per target at a time: the stage is locked (`flock`, released by
    the kernel when the writer dies) for as long as it writes.
    """
    target = target.resolve()
    if target.exists() and not target.is_dir():
        raise NgffValueError(
            f"store {where}: is a file, not a directory; a zarr store on disk is a directory "
            f"(nothing was written)"
        )
    if target.exists() and any(target.iterdir()) and not overwrite:
        raise NgffExistsError(
            f"store {where}: already holds data; resume=True completes an interrupted write "
            f"before it is published, it does not add to a finished store (pass overwrite=True "
            f"to replace it)"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale_stages(target)
    stage = resume_stage(target)
    lock = os.open(f"{stage}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise NgffLockError(
                f"store {where}: another process is writing it with resume=True right now "
                f"(nothing was changed)"
            ) from None
        stage.mkdir(exist_ok=True)
        yield StorePath(LocalStore(stage), "")
        _publish_directory(stage, target, overwrite=overwrite, where=where)
        shutil.rmtree(stage, ignore_errors=True)  # the old store, after an exchange
        Path(f"{stage}.lock").unlink(missing_ok=True)
    finally:
        os.close(lock)


def _publish_directory(stage: Path, target: Path, *, overwrite: bool, where: str) -> None:
    if not overwrite or not target.exists():
        try:
            # Onto a missing or empty directory only: a store that appeared meanwhile stays.
            stage.rename(target)
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
                raise NgffExistsError(
                    f"store {where}: another writer created it while this one was writing; "
                    f"it was kept and this write discarded (pass overwrite=True to replace it)"
                ) from None
            raise
        return
    if _exchange(stage, target):
        return  # the old store is now at *stage*, which the caller removes
    aside = target.parent / stage_name(target.name, _OLD)
    target.rename(aside)
    stage.rename(target)
    shutil.rmtree(aside, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two directories atomically; False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EXDEV, errno.ENOTSUP, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _stage_owner(name: str, target: str) -> tuple[str, str, int] | None:
    """(kind, host, pid) of the stage directory *name* of *target*, or None if it is not one."""
    for kind in (_NEW, _OLD):
        prefix = f".{target}.{kind}-"
        if name.startswith(prefix):
            parts = name[len(prefix) :].split("-")
            if len(parts) == 3 and parts[1].isdigit():
                return kind, parts[0], int(parts[1])
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clean_stale_stages(target: Path) -> None:
    """Remove stages of dead writers on this host; put back an old store renamed aside."""
    host = socket.gethostname().replace("-", "_")
    try:
        siblings = list(target.parent.iterdir())
    except OSError:
        return
    for sibling in siblings:
        owner = _stage_owner(sibling.name, target.name)
        if owner is None or owner[1] != host or _alive(owner[2]):
            continue
        if owner[0] == _OLD and not target.exists():
            sibling.rename(target)  # killed between the two renames of the fallback
        else:
            shutil.rmtree(sibling, ignore_errors=True)


# -- stores without renames ---------------------------------------------------------------------


@contextmanager
def _staged_keys(sp: StorePath, *, where: str, local_only: bool) -> Iterator[StorePath]:
    """Stage an overwrite of a store without renames; fresh writes there are not staged."""
    parent, _, name = sp.path.rpartition("/")
    scratch: Path | None = None
    if sp.path:
        stage = StorePath(sp.store, "/".join(p for p in (parent, stage_name(name)) if p))
    elif (sibling := _sibling_store(sp.store)) is not None:
        stage = StorePath(sibling, "")
    elif isinstance(sp.store, MemoryStore):
        stage = StorePath(MemoryStore(), "")
    elif local_only:
        raise NgffValueError(
            f"store {where}: has no place beside it for a staged write that dask.distributed "
            f"workers can reach; write to a path inside the store, or use scheduler='threads' "
            f"(nothing was written)"
        )
    else:
        scratch = Path(tempfile.mkdtemp(prefix="ngffkit-stage-"))
        stage = StorePath(LocalStore(scratch), "")
    try:
        yield stage
        sync(_publish_keys(stage, sp))
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            sync(stage.delete_dir())


def _sibling_store(store: object) -> FsspecStore | None:
    """A store beside the fsspec store *store* (same file system), or None if it has no parent."""
    if not isinstance(store, FsspecStore):
        return None
    parent, _, name = store.path.rstrip("/").rpartition("/")
    if not parent or not name:
        return None
    path = f"{parent}/{stage_name(name)}"
    return store.at(path) if isinstance(store, RemoteStore) else FsspecStore(store.fs, path=path)


def _relative(key: str, prefix: str) -> str:
    return key[len(prefix) + 1 :] if prefix else key


def _depth_last(key: str) -> tuple[int, int, str]:
    """Sort key: chunks first, then metadata from the deepest node up to the root."""
    parts = key.split("/")
    if parts[-1] not in ZARR_KEYS:
        return (0, 0, key)
    # .zattrs after .zarray/.zgroup of the same node: attributes last make the node visible.
    return (1, -len(parts), "1" if parts[-1] in (".zattrs", "zarr.json") else "0")


async def _keys(sp: StorePath) -> list[str]:
    prefix = sp.path
    listing = sp.store.list_prefix(f"{prefix}/" if prefix else "")
    return [_relative(key, prefix) async for key in listing]


async def _publish_keys(stage: StorePath, target: StorePath) -> None:
    new = await _keys(stage)
    old = set(await _keys(target))
    prototype = default_buffer_prototype()
    limit = asyncio.Semaphore(_COPY_CONCURRENCY)

    async def copy(key: str) -> None:
        async with limit:
            value = await stage.store.get(join_path(stage.path, key), prototype=prototype)
            if value is not None:
                await target.store.set(join_path(target.path, key), value)

    ordered = sorted(new, key=_depth_last)
    chunks = [key for key in ordered if key.rsplit("/", 1)[-1] not in ZARR_KEYS]
    await asyncio.gather(*(copy(key) for key in chunks))
    for key in ordered[len(chunks) :]:
        await copy(key)
    stale = old.difference(new)
    await asyncio.gather(*(_delete(target, key, limit) for key in sorted(stale)))


async def _delete(sp: StorePath, key: str, limit: asyncio.Semaphore) -> None:
    async with limit:
        await sp.store.delete(join_path(sp.path, key))
