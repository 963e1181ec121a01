"""Single-file OME-Zarr (RFC-9 ``.ozx``): a zip archive whose root is the OME-Zarr root.

**Reading.** [`OzxStore`][ngffkit.io._ozx.OzxStore] is zarr's `ZipStore`, read-only, that
checks the archive's central directory when it is opened: a member whose name is absolute
or climbs out with ``..``, a link, or an entry whose stated size cannot be true (a stored
entry whose size differs from its bytes, a compressed one that would inflate more than
`MAX_RATIO` times, or one that reaches past the end of the file) refuses the archive.

**Writing.** `to_ngff_zarr("image.ozx", ms)` writes the image into a hidden folder beside
the target with the ordinary writer, then packs it as RFC-9 says: entries are stored
without zip compression (the chunks are compressed already, and a stored entry can be read
at any offset), with ZIP64 records, every ``zarr.json`` first in breadth-first order (the
root's first), so a reader finds all metadata at the start of the central directory, and
the archive comment ``{"ome": {"version": ..., "zipFile": {"centralDirectory":
{"jsonFirst": true}}}}``. The archive is written to a hidden file and renamed into place:
the target holds the old archive or the complete new one, never half of one.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import stat
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any, TypeGuard

from zarr.storage import ZipStore

from ngffkit.errors import (
    NgffCorruptDataError,
    NgffError,
    NgffExistsError,
    NgffNotFoundError,
    NgffValueError,
)
from ngffkit.io._remote import classify

__all__ = [
    "OZX_SUFFIX",
    "MAX_RATIO",
    "OzxStore",
    "RemoteOzxStore",
    "is_ozx",
    "is_remote_ozx",
    "open_ozx",
    "open_remote_ozx",
    "check_members",
    "pack_ozx",
    "ozx_stage",
]

OZX_SUFFIX = ".ozx"

MAX_RATIO = 1000
"""Largest inflation a compressed entry may claim (zip bombs claim millions)."""

_CHUNK = 1 << 22


def is_ozx(store: object) -> TypeGuard[str | os.PathLike[str]]:
    """Whether *store* names a local single-file OME-Zarr (a path ending in ``.ozx``).

    Examples
    --------
    >>> is_ozx("image.ozx"), is_ozx("image.ome.zarr"), is_ozx("s3://b/image.ozx")
    (True, False, False)
    """
    if not isinstance(store, str | os.PathLike):
        return False
    text = os.fspath(store)
    if "://" in text and not text.startswith("file://"):
        return False
    return text.rstrip("/").lower().endswith(OZX_SUFFIX)


def is_remote_ozx(store: object) -> bool:
    """Whether *store* is a URL of an ``.ozx`` archive (``https://``, ``s3://`` ...).

    Examples
    --------
    >>> is_remote_ozx("s3://bucket/image.ozx"), is_remote_ozx("image.ozx")
    (True, False)
    """
    if not isinstance(store, str):
        return False
    return "://" in store and not store.startswith("file://") and store.lower().endswith(OZX_SUFFIX)


def check_members(archive: zipfile.ZipFile, where: str, size: int | None = None) -> None:
    """Refuse an archive with a member outside its root, a link, or an entry of impossible size.

    Examples
    --------
    >>> import io
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w") as z:
    ...     z.writestr("../zarr.json", "{}")
    >>> check_members(zipfile.ZipFile(buf), "x.ozx")
    Traceback (most recent call last):
    ...
    ngffkit.errors.NgffValueError: x.ozx: archive member '../zarr.json' lies outside the archive root; refused
    """
    for info in archive.infolist():
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
            raise NgffValueError(
                f"{where}: archive member {name!r} lies outside the archive root; refused"
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise NgffValueError(f"{where}: archive member {name!r} is a link; refused")
        stored = info.compress_type == zipfile.ZIP_STORED
        if stored and info.file_size != info.compress_size:
            raise NgffCorruptDataError(
                f"{where}: archive member {name!r} is stored uncompressed but claims "
                f"{info.file_size} bytes for {info.compress_size}; refused"
            )
        if not stored and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise NgffCorruptDataError(
                f"{where}: archive member {name!r} claims {info.file_size} bytes from "
                f"{info.compress_size} compressed (more than {MAX_RATIO} times); refused"
            )
        if size is not None and info.header_offset + info.compress_size > size:
            raise NgffCorruptDataError(
                f"{where}: archive member {name!r} reaches past the end of the file "
                f"({size} bytes); a truncated archive"
            )


class OzxStore(ZipStore):
    """zarr's `ZipStore`, read-only, whose archive is checked when it is opened.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.ozx"
    >>> with zipfile.ZipFile(path, "w") as z:
    ...     z.writestr("zarr.json", '{"zarr_format": 3, "node_type": "group"}')
    >>> store = OzxStore(path)
    >>> store.read_only, str(store)
    (True, 'zip://...x.ozx')
    """

    def __init__(self, path: Path | str) -> None:
        super().__init__(path, mode="r", read_only=True)

    def _sync_open(self) -> None:
        super()._sync_open()
        try:
            check_members(self._zf, str(self.path), self.path.stat().st_size)
        except BaseException:
            self._zf.close()
            self._is_open = False
            raise


class RemoteOzxStore(OzxStore):
    """An ``.ozx`` archive behind a URL, read with range requests: the central directory from
    the end of the file, then each entry where it lies. The archive is never downloaded whole.
    """

    def __init__(self, url: str, options: dict[str, Any], where: str) -> None:
        super().__init__(Path(url.rsplit("/", 1)[-1]))
        self.url = url
        self.where = where
        self.options = options

    def _sync_open(self) -> None:
        import fsspec

        self._lock = threading.RLock()
        self._file = fsspec.open(self.url, "rb", **self.options).open()
        try:
            self._zf = zipfile.ZipFile(self._file)
            check_members(self._zf, self.where, getattr(self._file, "size", None))
        except BaseException:
            self._file.close()
            raise
        self._is_open = True

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_file", None)
        return state

    def close(self) -> None:
        super().close()
        self._file.close()

    def __str__(self) -> str:
        return f"zip::{self.where}"


def open_remote_ozx(url: str, options: dict[str, Any], where: str) -> RemoteOzxStore:
    """Open the ``.ozx`` archive at *url* read-only, checking its central directory first.

    Raises
    ------
    NgffNotFoundError
        If nothing answers at *url*.
    NgffCorruptDataError
        If it is not a readable zip archive, or an entry's stated size cannot be true.
    NgffValueError
        If a member lies outside the archive root or is a link.
    """
    store = RemoteOzxStore(url, options, where)
    failure: str | None = None
    remote = None
    try:
        store._sync_open()
    except FileNotFoundError:
        raise NgffNotFoundError(f"{where}: no such .ozx archive") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        failure = f"not a readable zip archive ({type(exc).__name__}: {exc})"
    except NgffError:
        raise
    except Exception as exc:  # a refusal, a server error, a lost connection
        remote = classify(exc)
        if remote is None:
            raise
    # Outside the handlers: the original exception (and any token in its request) is gone.
    if remote is not None:
        raise remote.error(where, "the archive", 1, None)
    if failure is not None:
        raise NgffCorruptDataError(f"{where}: {failure}")
    return store


def open_ozx(path: str | os.PathLike[str]) -> OzxStore:
    """Open a ``.ozx`` archive read-only, checking it first.

    Raises
    ------
    NgffNotFoundError
        If there is no file at *path*.
    NgffCorruptDataError
        If it is not a readable zip archive, or an entry's stated size cannot be true.
    NgffValueError
        If a member lies outside the archive root or is a link.

    Examples
    --------
    >>> open_ozx("/nonexistent/image.ozx")
    Traceback (most recent call last):
    ...
    ngffkit.errors.NgffNotFoundError: /nonexistent/image.ozx: no such .ozx file
    """
    file = Path(os.fspath(path).removeprefix("file://")).expanduser()
    if not file.is_file():
        what = "a folder, not an .ozx archive" if file.is_dir() else "no such .ozx file"
        raise NgffNotFoundError(f"{file}: {what}")
    store = OzxStore(file)
    try:
        store._sync_open()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
        raise NgffCorruptDataError(
            f"{file}: not a readable zip archive ({type(exc).__name__}: {exc})"
        ) from None
    return store


def _order(folder: Path) -> list[str]:
    """RFC-9's order: every zarr.json breadth first (the root's first), then the rest by path."""
    keys = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    metadata = [k for k in keys if PurePosixPath(k).name == "zarr.json"]
    metadata.sort(key=lambda k: (k.count("/"), k))
    rest = [k for k in keys if PurePosixPath(k).name != "zarr.json"]
    return metadata + rest


def pack_ozx(folder: Path, target: Path) -> None:
    """Pack the OME-Zarr in *folder* into the archive *target* as RFC-9 says; streams each file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> (tmp / "img" / "0").mkdir(parents=True)
    >>> _ = (tmp / "img" / "zarr.json").write_text('{"attributes": {"ome": {"version": "0.5"}}}')
    >>> _ = (tmp / "img" / "0" / "zarr.json").write_text("{}")
    >>> _ = (tmp / "img" / "0" / "c").write_bytes(b"x")
    >>> pack_ozx(tmp / "img", tmp / "img.ozx")
    >>> z = zipfile.ZipFile(tmp / "img.ozx")
    >>> z.namelist(), json.loads(z.comment)["ome"]["zipFile"]
    (['zarr.json', '0/zarr.json', '0/c'], {'centralDirectory': {'jsonFirst': True}})
    """
    root = json.loads((folder / "zarr.json").read_text())
    ome = root.get("attributes", {}).get("ome", {}) if isinstance(root, dict) else {}
    version = ome.get("version") if isinstance(ome, dict) else None
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as z:
        for key in _order(folder):
            path = folder / key
            info = zipfile.ZipInfo.from_file(path, key)
            info.compress_type = zipfile.ZIP_STORED
            with path.open("rb") as source, z.open(info, "w", force_zip64=True) as out:
                shutil.copyfileobj(source, out, _CHUNK)
        ome_comment: dict[str, object] = (
            {} if not isinstance(version, str) else {"version": version}
        )
        ome_comment["zipFile"] = {"centralDirectory": {"jsonFirst": True}}
        z.comment = json.dumps({"ome": ome_comment}).encode()


@contextlib.contextmanager
def ozx_stage(target: str | os.PathLike[str], *, overwrite: bool) -> Iterator[Path]:
    """Yield a fresh folder to write an OME-Zarr into; when the block succeeds, pack it into
    *target* (through a hidden file renamed into place). Nothing of the stage survives.

    Raises
    ------
    NgffExistsError
        If *target* exists and *overwrite* is False (checked before and when publishing).
    NgffValueError
        If *target* is a folder.
    """
    path = Path(os.fspath(target).removeprefix("file://")).expanduser()
    if path.is_dir():
        raise NgffValueError(
            f"store {path}: a folder has this .ozx name; an .ozx archive is one file: move the "
            f"folder or choose another name (nothing was written)"
        )
    if path.exists() and not overwrite:
        raise NgffExistsError(
            f"store {path}: already exists; pass overwrite=True to replace it (nothing was written)"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    stage = path.with_name(f".{path.name}.ngffkit-new-{token}.d")
    packed = path.with_name(f".{path.name}.ngffkit-new-{token}")
    try:
        yield stage
        pack_ozx(stage, packed)
        if overwrite:
            packed.replace(path)
        else:
            try:
                os.link(packed, path)  # fails if another writer published meanwhile
            except FileExistsError:
                raise NgffExistsError(
                    f"store {path}: another writer created it meanwhile; nothing was replaced"
                ) from None
            except OSError:  # a file system without hard links: check, then rename
                if path.exists():
                    raise NgffExistsError(
                        f"store {path}: another writer created it meanwhile; nothing was replaced"
                    ) from None
                packed.replace(path)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        packed.unlink(missing_ok=True)
