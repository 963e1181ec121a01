"""ngio-compatible helpers: sample datasets and Fractal's HTTP store.

``from ngffkit.utils import download_ome_zarr_dataset`` downloads the sample plates that ngio's
documentation uses (the Cardiomyocyte datasets on Zenodo), under ngio's names and to the
same folder name, so that ``hcs_path / "B" / "03" / "0"`` is an image. What ngio leaves to
pooch is done here with the standard library and fsspec:

- the archive's checksum is checked before anything is extracted;
- it is extracted into a hidden folder beside the target, then renamed into place, so an
  interrupted or failed download never leaves a folder that looks complete;
- a member that would land outside the target (an absolute path, ``..``, a link) refuses
  the whole archive;
- a complete copy already in *download_dir* is reused, and a verified archive is extracted
  again without a new download.

Mirrors, for clusters without internet and for tests: ``base_url=`` or the environment
variable ``NGFFKIT_SAMPLES_URL`` (an http(s) URL or a local folder holding the archives under
their registry file names), and ``registry=`` or ``NGFFKIT_SAMPLES_REGISTRY`` (a JSON file or
URL, ``{name: {"file": ..., "md5" or "sha256": ..., "description": ...}}``, optionally with a
``"url"``) to add or replace entries.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import shutil
import stat
import uuid
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import IO

from ngffkit.container import fractal_fsspec_store
from ngffkit.errors import (
    NgffAuthError,
    NgffCorruptDataError,
    NgffDependencyError,
    NgffError,
    NgffExistsError,
    NgffKeyError,
    NgffNotFoundError,
    NgffRemoteError,
    NgffValueError,
)
from ngffkit.io.write import WriteProgress

__all__ = [
    "SampleDataset",
    "download_ome_zarr_dataset",
    "list_ome_zarr_datasets",
    "parse_registry",
    "fractal_fsspec_store",
    "SAMPLES_URL_ENV",
    "SAMPLES_REGISTRY_ENV",
]

SAMPLES_URL_ENV = "NGFFKIT_SAMPLES_URL"
"""Environment variable: a mirror (http(s) URL or local folder) holding the archives."""

SAMPLES_REGISTRY_ENV = "NGFFKIT_SAMPLES_REGISTRY"
"""Environment variable: a JSON registry (file or URL) adding or replacing datasets."""

_CHUNK = 1 << 20
_TIMEOUT = 60.0
_HEX = {"md5": 32, "sha256": 64}


@dataclasses.dataclass(frozen=True)
class SampleDataset:
    """One downloadable OME-Zarr archive: its file name, checksum, description and home URL.

    Examples
    --------
    >>> d = SampleDataset("Tiny", "tiny.zarr.zip", "md5", "0" * 32, "a tiny plate")
    >>> d.folder
    'tiny.zarr'
    """

    name: str
    file: str
    algorithm: str  # "md5" or "sha256"
    digest: str
    description: str = ""
    url: str | None = None

    @property
    def folder(self) -> str:
        """The name of the extracted store in the download folder (ngio's: the file without .zip)."""
        return self.file.removesuffix(".zip")


def _zenodo(record: str, file: str, local: str, md5: str, description: str) -> SampleDataset:
    url = (
        f"https://zenodo.org/records/{record}/files/20200812-CardiomyocyteDifferentiation14-{file}"
    )
    return SampleDataset("", local, "md5", md5, description, url)


_BASE = "20200812-CardiomyocyteDifferentiation14-Cycle1"
_BUILT_IN = {
    "CardiomyocyteTiny": _zenodo(
        "13305156",
        "Cycle1.zarr.zip",
        f"{_BASE}-tiny.zarr.zip",
        "efc21fe8d4ea3abab76226d8c166452c",
        "Tiny cardiomyocyte dataset 3D (32MB).",
    ),
    "CardiomyocyteTinyMip": _zenodo(
        "13305156",
        "Cycle1_mip.zarr.zip",
        f"{_BASE}-tiny-mip.zarr.zip",
        "51809479777cafbe9ac0f9fa5636aa95",
        "Tiny cardiomyocyte dataset 2D MIP (16.4MB).",
    ),
    "CardiomyocyteSmall": _zenodo(
        "13305316",
        "Cycle1.zarr.zip",
        f"{_BASE}-small.zarr.zip",
        "d5752ed4b72a9092a0290b3c04c0b9c2",
        "Small cardiomyocyte dataset 3D (750MB).",
    ),
    "CardiomyocyteSmallMip": _zenodo(
        "13305316",
        "Cycle1_mip.zarr.zip",
        f"{_BASE}-small-mip.zarr.zip",
        "3ed3ea898e0ed42d397da2e1dbe40750",
        "Small cardiomyocyte dataset 2D MIP (106MB).",
    ),
    "CardiomyocyteMediumMip": _zenodo(
        "14826000",
        "Cycle1_mip.zarr.zip",
        f"{_BASE}_mip.zarr.zip",
        "3f932bbf7fc0577f58b97471707816a1",
        "Medium cardiomyocyte dataset 2D MIP (30GB).",
    ),
}
BUILT_IN: Mapping[str, SampleDataset] = {
    name: dataclasses.replace(entry, name=name) for name, entry in _BUILT_IN.items()
}
"""ngio's sample datasets (``ngio.utils._datasets``), by name."""


# ---------------------------------------------------------------- the registry


def parse_registry(doc: object, where: str) -> dict[str, SampleDataset]:
    """Read a registry document: ``{name: {"file", "md5" or "sha256", "description", "url"?}}``.

    Examples
    --------
    >>> entry = parse_registry({"Mine": {"file": "mine.zarr.zip", "sha256": "A" * 64}}, "r.json")
    >>> entry["Mine"].algorithm, entry["Mine"].digest[:4], entry["Mine"].folder
    ('sha256', 'aaaa', 'mine.zarr')
    >>> parse_registry({"Mine": {"file": "../x.zip", "md5": "0" * 32}}, "r.json")
    Traceback (most recent call last):
    ...
    ngffkit.errors.NgffValueError: registry r.json: Mine.file: expected a plain file name ...
    """
    if not isinstance(doc, Mapping):
        raise NgffValueError(
            f"registry {where}: expected a JSON object of datasets, got {type(doc).__name__}"
        )
    out: dict[str, SampleDataset] = {}
    for name, entry in doc.items():
        if not isinstance(entry, Mapping):
            raise NgffValueError(
                f"registry {where}: {name}: expected an object with 'file' and 'md5' or "
                f"'sha256', got {entry!r}"
            )
        file = entry.get("file")
        if not isinstance(file, str) or not re.fullmatch(r"[^/\\]+\.zip", file) or file[0] == ".":
            raise NgffValueError(
                f"registry {where}: {name}.file: expected a plain file name ending in .zip, "
                f"got {file!r}"
            )
        algorithms = [a for a in _HEX if a in entry]
        if len(algorithms) != 1:
            raise NgffValueError(
                f"registry {where}: {name}: expected exactly one checksum, 'md5' or 'sha256', "
                f"got {sorted(k for k in entry if k not in ('file', 'description', 'url'))}"
            )
        algorithm = algorithms[0]
        digest = entry[algorithm]
        if not isinstance(digest, str) or not re.fullmatch(
            f"[0-9a-fA-F]{{{_HEX[algorithm]}}}", digest
        ):
            raise NgffValueError(
                f"registry {where}: {name}.{algorithm}: expected {_HEX[algorithm]} hex digits, "
                f"got {digest!r}"
            )
        url = entry.get("url")
        description = entry.get("description", "")
        out[str(name)] = SampleDataset(
            str(name),
            file,
            algorithm,
            digest.lower(),
            str(description),
            url if isinstance(url, str) else None,
        )
    return out


def _registry(registry: str | os.PathLike[str] | None) -> dict[str, SampleDataset]:
    entries = dict(BUILT_IN)
    source = registry if registry is not None else os.environ.get(SAMPLES_REGISTRY_ENV)
    if not source:
        return entries
    text = os.fspath(source)
    try:
        with _open_source(text) as handle:
            doc = json.loads(handle.read().decode("utf-8"))
    except NgffError:
        raise
    except (ValueError, UnicodeDecodeError) as exc:
        raise NgffValueError(f"registry {text}: not a JSON document ({exc})") from None
    entries.update(parse_registry(doc, text))
    return entries


def list_ome_zarr_datasets(registry: str | os.PathLike[str] | None = None) -> list[str]:
    """The names of the sample datasets that can be downloaded; nothing is downloaded.

    Parameters
    ----------
    registry
        A JSON registry (file or URL) adding or replacing entries; default: the
        ``NGFFKIT_SAMPLES_REGISTRY`` environment variable, else only the built-in ones.

    Returns
    -------
    list of str
        ngio's dataset names first, then the registry's new ones.

    Examples
    --------
    >>> list_ome_zarr_datasets()[:2]
    ['CardiomyocyteTiny', 'CardiomyocyteTinyMip']
    """
    return list(_registry(registry))


# ---------------------------------------------------------------- fetching bytes


def _is_http(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


@contextlib.contextmanager
def _open_source(source: str) -> Iterator[IO[bytes]]:
    """A binary stream of *source* (an http(s) URL or a local path), with ngffkit's errors."""
    if not _is_http(source):
        path = Path(source.removeprefix("file://")).expanduser()
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise NgffNotFoundError(f"{source}: no such file") from None
        with handle:
            yield handle
        return
    try:
        import aiohttp
        import fsspec

        # A stalled server fails the download after _TIMEOUT s without data, not aiohttp's 5 min.
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=_TIMEOUT, sock_read=_TIMEOUT)
        fs = fsspec.filesystem(
            "http",
            client_kwargs={
                "headers": {"User-Agent": "ngffkit (OME-Zarr samples)"},
                "timeout": timeout,
            },
        )
    except ImportError as exc:
        raise NgffDependencyError(
            f"{source}: downloading over HTTP needs aiohttp: pip install 'ngffkit[http]' ({exc})"
        ) from None
    failure: str | None = None
    try:
        stream = fs.open(source, "rb", block_size=0)  # streamed, not loaded whole
    except Exception as exc:  # aiohttp and fsspec raise many types: say which
        failure = _http_failure(source, exc)
    if failure is not None:
        raise _http_error(source, failure)
    with stream:
        yield _Checked(stream, source)  # type: ignore[misc]


class _Checked:
    """A stream whose transport errors become ngffkit's (raised outside aiohttp's handler)."""

    def __init__(self, stream: IO[bytes], source: str) -> None:
        self._stream = stream
        self._source = source
        response = getattr(stream, "r", None)  # fsspec's streamed file keeps aiohttp's response
        length = response.headers.get("Content-Length") if response is not None else None
        self.size: int | None = int(length) if length and length.isdigit() else None

    def read(self, n: int = -1) -> bytes:
        failure: str | None = None
        try:
            return self._stream.read(n)
        except Exception as exc:  # a cut connection, a timeout
            failure = _http_failure(self._source, exc)
        raise _http_error(self._source, failure)


def _http_failure(source: str, exc: Exception) -> str:
    status = getattr(exc, "status", None)
    if isinstance(exc, FileNotFoundError) or status == 404:
        return "404"
    if status in (401, 403):
        return f"auth:HTTP {status}"
    return f"{type(exc).__name__}: {str(exc)[:160]}"


def _http_error(source: str, failure: str) -> NgffError:
    if failure == "404":
        return NgffNotFoundError(f"{source}: not found (HTTP 404); check the mirror or registry")
    if failure.startswith("auth:"):
        return NgffAuthError(f"{source}: {failure[5:]}: the server refused access")
    return NgffRemoteError(f"{source}: the download failed ({failure})")


def _source_of(entry: SampleDataset, base_url: str | os.PathLike[str] | None) -> str:
    base = os.fspath(base_url) if base_url is not None else os.environ.get(SAMPLES_URL_ENV)
    if base:
        return (
            f"{base.rstrip('/')}/{entry.file}" if _is_http(base) else str(Path(base) / entry.file)
        )
    if entry.url is None:
        raise NgffValueError(
            f"dataset {entry.name!r}: the registry gives no 'url' and no mirror is set: pass "
            f"base_url= or set {SAMPLES_URL_ENV} to the folder or URL holding {entry.file}"
        )
    return entry.url


def _fetch(source: str, target: Path, entry: SampleDataset, progress: bool | None) -> None:
    """Copy *source* to *target* (a fresh file), checking the checksum on the way.

    The bytes go to a hidden file beside *target*, renamed only once the checksum matches.
    """
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
    digest = hashlib.new(entry.algorithm)
    try:
        with _open_source(source) as stream, partial.open("wb") as out:
            size = getattr(stream, "size", None)
            if size is None and not _is_http(source):
                size = Path(source.removeprefix("file://")).expanduser().stat().st_size
            with WriteProgress(progress, [(f"download {entry.name}", size or 0)]) as bar:
                while block := stream.read(_CHUNK):
                    digest.update(block)
                    out.write(block)
                    bar.advance(0, len(block))
        if digest.hexdigest() != entry.digest:
            raise NgffCorruptDataError(
                f"{source}: {entry.algorithm} checksum mismatch for dataset {entry.name!r}: "
                f"expected {entry.digest}, got {digest.hexdigest()}; the archive was not "
                f"extracted (a broken download or mirror)"
            )
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _verified(path: Path, entry: SampleDataset) -> bool:
    digest = hashlib.new(entry.algorithm)
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest() == entry.digest


# ---------------------------------------------------------------- extraction


def _check_members(archive: zipfile.ZipFile, where: str) -> str:
    """Refuse members that would land outside the target; return the one top-level .zarr folder."""
    tops: set[str] = set()
    for info in archive.infolist():
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        mode = info.external_attr >> 16
        if (
            name.startswith(("/", "\\"))
            or re.match(r"^[A-Za-z]:", name)
            or ".." in parts
            or stat.S_ISLNK(mode)
        ):
            kind = "a link" if stat.S_ISLNK(mode) else "outside the target folder"
            raise NgffValueError(
                f"{where}: archive member {name!r} is {kind}; the archive is refused and "
                f"nothing was extracted"
            )
        if parts and not (len(parts) == 1 and not info.is_dir() and parts[0].startswith(".")):
            tops.add(parts[0])
    stores = sorted(t for t in tops if t.endswith(".zarr"))
    if len(stores) != 1:
        raise NgffValueError(
            f"{where}: expected one top-level .zarr folder in the archive, found "
            f"{stores or sorted(tops)}"
        )
    return stores[0]


def _extract(archive_path: Path, target: Path) -> None:
    """Extract the archive's one .zarr folder to *target* through a hidden folder beside it."""
    where = str(archive_path)
    scratch = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.extracting")
    try:
        try:
            with zipfile.ZipFile(archive_path) as archive:
                top = _check_members(archive, where)
                archive.extractall(scratch)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
            raise NgffCorruptDataError(
                f"{where}: not a readable zip archive ({exc}); nothing was extracted"
            ) from None
        try:
            (scratch / top).rename(target)
        except OSError:
            if not _complete(target):
                raise
            # Another process finished the same extraction first: use theirs.
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _complete(folder: Path) -> bool:
    return folder.is_dir() and any((folder / k).is_file() for k in ("zarr.json", ".zgroup"))


def download_ome_zarr_dataset(
    name: str,
    download_dir: str | os.PathLike[str] = ".",
    *,
    base_url: str | os.PathLike[str] | None = None,
    registry: str | os.PathLike[str] | None = None,
    progress: bool | None = True,
) -> Path:
    """Download and extract a sample OME-Zarr dataset; return the path of the extracted store.

    The Cardiomyocyte plates are ngio's samples (HCS plates, image at ``B/03/0``). A complete
    copy already in *download_dir* is returned without a download; a verified archive there is
    extracted again without one.

    Parameters
    ----------
    name
        A dataset name: see [`list_ome_zarr_datasets`][ngffkit.utils.list_ome_zarr_datasets].
    download_dir
        Folder for the archive and the extracted store (created if missing).
    base_url
        A mirror holding the archives under their registry file names: an http(s) URL or a
        local folder. Default: the ``NGFFKIT_SAMPLES_URL`` environment variable, else each
        dataset's own URL (Zenodo).
    registry
        A JSON registry (file or URL) adding or replacing datasets:
        ``{name: {"file": ..., "md5" or "sha256": ..., "description": ..., "url": ...}}``
        (``url`` optional). Default: the ``NGFFKIT_SAMPLES_REGISTRY`` environment variable.
    progress
        Show a progress bar with bytes and time left (True), never (False), or only where
        somebody watches a download longer than a second (None).

    Returns
    -------
    pathlib.Path
        ``download_dir / <archive name without .zip>``, as ngio returns it.

    Raises
    ------
    NgffKeyError
        If *name* is not a known dataset.
    NgffCorruptDataError
        If the archive's checksum differs from the registry's, or it is not a readable zip.
    NgffValueError
        If an archive member would land outside the target (absolute path, ``..``, a link).
    NgffNotFoundError, NgffRemoteError, NgffAuthError
        If the archive cannot be fetched.

    Examples
    --------
    A mirror in a local folder, with a registry entry for an archive made here:

    >>> import hashlib, json, tempfile, zipfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> with zipfile.ZipFile(tmp / "mini.zarr.zip", "w") as z:
    ...     z.writestr("mini.zarr/.zgroup", '{"zarr_format": 2}')
    >>> md5 = hashlib.md5((tmp / "mini.zarr.zip").read_bytes()).hexdigest()
    >>> _ = (tmp / "reg.json").write_text(json.dumps({"Mini": {"file": "mini.zarr.zip", "md5": md5}}))
    >>> path = download_ome_zarr_dataset("Mini", tmp / "data", base_url=tmp,
    ...                                  registry=tmp / "reg.json", progress=False)
    >>> path.name, sorted(p.name for p in path.iterdir())
    ('mini.zarr', ['.zgroup'])
    """
    entries = _registry(registry)
    if name not in entries:
        raise NgffKeyError(
            f"dataset {name!r}: not a known sample dataset; known: {', '.join(entries)}"
        )
    entry = entries[name]
    folder = Path(download_dir).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / entry.folder
    if _complete(target):
        return target
    if target.exists():
        raise NgffExistsError(
            f"{target}: exists but is not a complete zarr store (no .zgroup or zarr.json); "
            f"nothing was changed: move or delete it to download {name!r} again"
        )
    archive = folder / entry.file
    if not (archive.is_file() and _verified(archive, entry)):
        _fetch(_source_of(entry, base_url), archive, entry, progress)
    _extract(archive, target)
    return target
