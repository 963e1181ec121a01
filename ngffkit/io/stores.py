"""Resolve every accepted store form to one zarr ``StorePath``.

A *store-like* is what zarr's ``StoreLike`` is, plus an open group: a local path
(``str`` or ``os.PathLike``; a path ending in ``.ozx`` is a single-file RFC-9 archive, read
only), an fsspec URL (``http://``, ``https://``, ``s3://``,
``memory://`` ...), an fsspec ``FSMap`` (``fsspec.get_mapper(url)``), a ``dict`` (held in
memory), a zarr ``Store``, a zarr `StorePath` or an open zarr `Group`.
[`open_store`][ngffkit.open_store] is the one function that turns any of them into a
`StorePath`, so the rest of ngffkit never branches on the input form.

Examples
--------
>>> import tempfile, pathlib
>>> sp = open_store(pathlib.Path(tempfile.mkdtemp()) / "img.ome.zarr", mode="w")
>>> type(sp.store).__name__
'LocalStore'
"""

from __future__ import annotations

import logging
import os
import re
import uuid
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import zarr
from zarr.abc.store import Store
from zarr.core.sync import sync
from zarr.storage import FsspecStore, LocalStore, MemoryStore, StorePath

from ngffkit.errors import NgffDependencyError, NgffReadOnlyError, NgffTypeError, NgffValueError
from ngffkit.io._ozx import (
    OzxStore,
    RemoteOzxStore,
    is_ozx,
    is_remote_ozx,
    open_ozx,
    open_remote_ozx,
    ozx_stage,
)
from ngffkit.io._remote import RedactingFilter, RemoteStore, redacted, remote_options
from ngffkit.spec import ome_namespace

if TYPE_CHECKING:
    import dask.array as da
    from fsspec.mapping import FSMap

__all__ = [
    "StoreLike",
    "AccessMode",
    "open_store",
    "describe_store",
    "join_path",
    "is_url",
    "is_store_mapping",
    "can_write",
    "READ_PREFIX",
    "child",
    "read_layer_name",
    "graph_reads",
    "bioformats2raw_series",
    "is_ozx",
    "ozx_stage",
    "prefetch_metadata",
    "known_format",
    "read_group",
    "write_consolidated",
]

READ_PREFIX = "ngffkit-read-"
"""Prefix of the dask names of arrays that ngffkit reads, so a writer can tell its own source."""

StoreLike: TypeAlias = (
    "str | os.PathLike[str] | Store | StorePath | zarr.Group | FSMap | dict[str, Any]"
)
"""Every form of store that ngffkit accepts."""

AccessMode: TypeAlias = Literal["r", "r+", "w", "a"]

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://")

# fsspec protocols and the pip extra that brings their implementation.
_PROTOCOL_EXTRAS = {"http": "http", "https": "http", "s3": "s3", "s3a": "s3"}


METADATA_ERRORS = (ValueError, TypeError, RecursionError, UnicodeDecodeError)
"""What zarr and json raise for a metadata document that is not JSON, too deep, or mistyped."""


def join_path(*parts: str) -> str:
    """Join zarr node paths with ``/``, ignoring empty parts.

    Examples
    --------
    >>> join_path("", "labels", "cells/", "0")
    'labels/cells/0'
    """
    return "/".join(p.strip("/") for p in parts if p and p.strip("/"))


def _fsspec_store(
    url: str, *, read_only: bool, storage_options: dict[str, Any] | None
) -> StorePath:
    protocol = url.split("://", 1)[0].lower()
    if is_remote_ozx(url):
        return _remote_ozx(url, read_only=read_only, storage_options=storage_options)
    try:
        options, retries, timeout = remote_options(protocol, dict(storage_options or {}))
        if protocol in ("http", "https"):
            # fsspec logs every URL it fetches at debug level, with any user:password in it.
            _add_redaction()
        store = RemoteStore.from_url(url.rstrip("/"), storage_options=options, read_only=read_only)
    except ImportError as exc:
        extra = _PROTOCOL_EXTRAS.get(protocol, protocol)
        msg = (
            f"store {url!r}: the {protocol!r} protocol needs an fsspec implementation that is not "
            f"installed: pip install 'ngffkit[{extra}]' ({exc})"
        )
        raise NgffDependencyError(msg) from exc
    assert isinstance(store, RemoteStore)  # from_url builds `cls(...)`
    store.configured(retries=retries, timeout=timeout, where=describe_store(store))
    return StorePath(store, "")


def _remote_ozx(url: str, *, read_only: bool, storage_options: dict[str, Any] | None) -> StorePath:
    where = redacted(url)
    if not read_only:
        raise NgffReadOnlyError(
            f"store {where}: an .ozx archive at a URL is read-only; write it locally "
            f"(to_ngff_zarr('image.ozx', ...)) and upload the file"
        )
    protocol = url.split("://", 1)[0].lower()
    try:
        options, _, _ = remote_options(protocol, dict(storage_options or {}))
        if protocol in ("http", "https"):
            _add_redaction()
        return StorePath(open_remote_ozx(url, options, where), "")
    except ImportError as exc:
        extra = _PROTOCOL_EXTRAS.get(protocol, protocol)
        raise NgffDependencyError(
            f"store {where}: the {protocol!r} protocol needs pip install 'ngffkit[{extra}]' ({exc})"
        ) from None


def _add_redaction() -> None:
    logger = logging.getLogger("fsspec.http")
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())


def open_store(
    store: StoreLike,
    *,
    mode: AccessMode = "r",
    storage_options: dict[str, Any] | None = None,
) -> StorePath:
    """Resolve a store-like to a zarr ``StorePath``; no data is read.

    Parameters
    ----------
    store
        Local path, fsspec URL, fsspec ``FSMap``, ``dict``, zarr ``Store``, ``StorePath``
        or ``Group``.
    mode
        ``"r"`` opens read-only; ``"r+"``, ``"a"`` and ``"w"`` allow writes. Local
        directories for writing are created on first write by zarr.
    storage_options
        Passed to fsspec for URLs (credentials, endpoint, ...). Given with any other
        form of store, where they would do nothing, they are an error.

    Returns
    -------
    zarr.storage.StorePath
        The store and the path of the node inside it.

    Raises
    ------
    NgffTypeError
        If *store* is none of the accepted forms.
    NgffValueError
        If *storage_options* are given for a store that is not a URL.
    NgffReadOnlyError
        If a writable mode was asked of a read-only zarr store.
    NgffDependencyError
        If the URL's protocol needs an optional extra that is missing.

    Examples
    --------
    >>> sp = open_store("memory://doc-example", mode="w")
    >>> sp.path
    ''
    """
    read_only = mode == "r"
    given: object = store  # callers may pass anything; the else branch says what is accepted
    if storage_options and not is_url(given):
        raise NgffValueError(
            f"storage_options: only used to open a URL such as 's3://bucket/img.ome.zarr', "
            f"but store is {_describe_given(given)}; configure that store itself instead "
            f"(nothing was opened)"
        )
    mapper = _fsspec_mapper(given)
    if mapper is not None and "file" in _protocols(mapper):
        # A local directory behind a mapper: a local store, with its atomic replace and locks.
        return open_store(mapper.root, mode=mode)
    if mapper is not None:
        # The mapper's file system keeps its own options and timeouts; the store adds
        # ngffkit's errors.
        remote = RemoteStore.from_mapper(mapper, read_only=read_only)
        assert isinstance(remote, RemoteStore)  # from_mapper builds `cls(...)`
        sp = StorePath(remote.configured(retries=0, timeout=None, where=describe_store(remote)))
    elif isinstance(given, dict):
        sp = StorePath(MemoryStore(given, read_only=read_only), "")
    elif isinstance(given, zarr.Group):
        sp = StorePath(given.store, given.path)
    elif isinstance(given, StorePath):
        sp = given
    elif isinstance(given, Store):
        sp = StorePath(given, "")
    elif is_ozx(given):
        if not read_only:
            raise NgffReadOnlyError(
                f"store {os.fspath(given)}: an .ozx archive is written whole, by to_ngff_zarr("
                f"'{os.fspath(given)}', ...); it opens read-only (mode='r')"
            )
        sp = StorePath(open_ozx(given), "")
    elif isinstance(given, os.PathLike | str):
        text = os.fspath(given)
        if _URL.match(text) and not text.startswith("file://"):
            return _fsspec_store(text, read_only=read_only, storage_options=storage_options)
        if text.startswith("file://"):
            text = text[len("file://") :]
        path = Path(text).expanduser()
        _check_local(path, writing=not read_only)
        return StorePath(LocalStore(path, read_only=read_only), "")
    else:
        msg = (
            f"store: expected a path, an fsspec URL or FSMap, a dict, a zarr Store, StorePath "
            f"or Group, got {type(store).__name__}: {store!r}"
        )
        raise NgffTypeError(msg)
    if not read_only and sp.store.read_only:
        msg = f"store {describe_store(sp)}: opened read-only, but mode={mode!r} needs writes"
        raise NgffReadOnlyError(msg)
    return sp


def is_url(store: object) -> bool:
    """Whether *store* is a URL that fsspec opens (the stores *storage_options* are for).

    Examples
    --------
    >>> is_url("s3://bucket/img.ome.zarr"), is_url("file:///tmp/img.ome.zarr"), is_url("img")
    (True, False, False)
    """
    if not isinstance(store, os.PathLike | str):
        return False
    text = os.fspath(store)
    return bool(_URL.match(text)) and not text.startswith("file://")


_READ_ONLY_PROTOCOLS = ("http", "https")
"""fsspec protocols that serve files and take no writes."""


def can_write(store: object) -> bool:
    """Whether *store* can be opened for writing: not a web server, a read-only zarr store or
    a local folder you may not write. Nothing is opened.

    Examples
    --------
    >>> can_write("https://example.org/img.ome.zarr"), can_write(MemoryStore(read_only=True))
    (False, False)
    """
    mapper = _fsspec_mapper(store)
    if mapper is not None:
        return not set(_protocols(mapper)) & set(_READ_ONLY_PROTOCOLS)
    if isinstance(store, zarr.Group):
        return not store.store.read_only
    if isinstance(store, StorePath | Store):
        inner = store.store if isinstance(store, StorePath) else store
        return not inner.read_only
    if is_ozx(store) or is_remote_ozx(store):
        return False  # an archive is written whole (to_ngff_zarr), never updated in place
    if isinstance(store, str | os.PathLike) and is_url(store):
        return os.fspath(store).split("://", 1)[0].lower() not in _READ_ONLY_PROTOCOLS
    if isinstance(store, str | os.PathLike):
        path = Path(os.fspath(store)).expanduser()
        return path.exists() and os.access(path, os.W_OK)
    return True


_METADATA_KEYS = ("zarr.json", ".zgroup", ".zattrs", ".zarray")


def is_store_mapping(value: object) -> bool:
    """Whether a mapping is a store (an fsspec ``FSMap``, or a dict of zarr keys to bytes).

    Tells such a store from a dict of attributes (what ``validate`` also accepts).

    Examples
    --------
    >>> is_store_mapping({"zarr.json": b"{}"}), is_store_mapping({"ome": {"version": "0.5"}})
    (True, False)
    """
    if _fsspec_mapper(value) is not None:
        return True
    if not isinstance(value, dict) or not value:
        return False
    from zarr.core.buffer import Buffer

    return all(isinstance(v, Buffer | bytes) for v in value.values()) and any(
        k.rsplit("/", 1)[-1] in _METADATA_KEYS for k in value if isinstance(k, str)
    )


def _fsspec_mapper(given: object) -> FSMap | None:
    try:
        from fsspec.mapping import FSMap
    except ImportError:  # pragma: no cover - fsspec is a core dependency
        return None
    return given if isinstance(given, FSMap) else None


def _protocols(mapper: FSMap) -> tuple[str, ...]:
    protocol = mapper.fs.protocol
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)


def _describe_given(given: object) -> str:
    if isinstance(given, os.PathLike | str):
        return f"the local path {os.fspath(given)!r}"
    return f"a {type(given).__name__}"


def _check_local(path: Path, *, writing: bool) -> None:
    """A local store is a directory: a file there, or above it, is a clear error, not errno 20."""
    if path.is_file():
        raise NgffValueError(
            f"store {path}: this is a file, not a zarr directory; give the path of the "
            f"OME-Zarr directory (the one holding zarr.json or .zgroup)"
        )
    if writing:
        parent = next((p for p in path.parents if p.exists()), None)
        if parent is not None and not parent.is_dir():
            raise NgffValueError(
                f"store {path}: {parent} is a file, so no directory can be created under it"
            )


def describe_store(store: StorePath | Store, path: str = "") -> str:
    """Return a short, human-readable location for error messages.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> describe_store(StorePath(MemoryStore(), "a"), "b")
    'memory://.../a/b'
    """
    if isinstance(store, StorePath):
        path = join_path(store.path, path)
        store = store.store
    if isinstance(store, LocalStore):
        base = str(store.root)
    elif isinstance(store, RemoteOzxStore):
        base = store.where
    elif isinstance(store, OzxStore):
        base = str(store.path)
    elif isinstance(store, FsspecStore):
        protocol = store.fs.protocol
        protocol = protocol[0] if isinstance(protocol, tuple) else protocol
        # HTTP stores keep the whole URL as their path; the others a bucket/key path.
        base = redacted(store.path if "://" in store.path else f"{protocol}://{store.path}")
    elif type(store).__name__ == "MemoryStore":
        base = "memory://..."
    else:
        base = repr(store)
    return f"{base}/{path}" if path else base


# ---------------------------------------------------------------- nodes of one store


def child(sp: StorePath, *parts: str) -> StorePath:
    """The StorePath of a node below *sp*.

    Examples
    --------
    >>> child(StorePath(MemoryStore(), "img"), "labels", "cells").path
    'img/labels/cells'
    """
    return StorePath(sp.store, join_path(sp.path, *parts))


def bioformats2raw_series(group: zarr.Group) -> str | None:
    """The path of the image a bioformats2raw container opens with: the first series that
    ``OME/`` lists, else ``"0"``; None if *group* is not such a container.

    Examples
    --------
    >>> g = zarr.create_group(store={}, zarr_format=3, attributes={"ome": {
    ...     "version": "0.5", "bioformats2raw.layout": 3}})
    >>> bioformats2raw_series(g)
    '0'
    """
    ome, _ = ome_namespace(dict(group.attrs))
    if "bioformats2raw.layout" not in ome:
        return None
    try:
        listed = ome_namespace(dict(group["OME"].attrs))[0].get("series")
    except KeyError:
        return "0"
    return str(listed[0]) if isinstance(listed, list) and listed else "0"


def read_layer_name(image: str, path: str) -> str:
    """The dask name of a level the reader opens: it says which store and array it reads.

    Examples
    --------
    >>> read_layer_name("img.zarr", "0").startswith(READ_PREFIX + "img.zarr/0-")
    True
    """
    return f"{READ_PREFIX}{image}/{path}-{uuid.uuid4().hex}"


def graph_reads(data: da.Array, where: str) -> bool:
    """True if the dask graph of *data* reads a zarr array at *where* or below it.

    *where* is a `describe_store` text (a store, an image or one array). Writers use it to
    refuse to overwrite, or write into, the array they read from.

    Examples
    --------
    >>> import dask.array as da
    >>> graph_reads(da.zeros(3), "img.zarr")
    False
    """
    for name in data.dask.layers:
        text = str(name)
        if text.startswith(READ_PREFIX):
            rest = text[len(READ_PREFIX) :]
            if rest.startswith((f"{where}/", f"{where}-")):
                return True
    values: Mapping[Any, Any] = data.dask
    for value in values.values():
        if isinstance(value, zarr.Array):
            found = describe_store(StorePath(value.store, value.path))
            if found == where or found.startswith(f"{where}/"):
                return True
    return False


_GROUP_KEYS = ("zarr.json", ".zgroup", ".zattrs")
_ARRAY_KEYS = ("zarr.json", ".zarray", ".zattrs")


def prefetch_metadata(
    sp: StorePath, *, groups: Sequence[str] = (), arrays: Sequence[str] = ()
) -> None:
    """Fetch the metadata of the *groups* and *arrays* below *sp* at once (remote stores only).

    One round trip instead of one per key: a remote store keeps the answers, so zarr's own
    look-ups that follow cost nothing. A group's answer tells a read-only store the Zarr format
    there and below, after which keys of the other format are never requested. A v2 group whose
    format is not yet known from a group above it is also asked for ``.zmetadata`` (consolidated
    metadata sits at a hierarchy's root, so the groups below one already seen are not asked).
    Other stores read from memory or disk, where this does nothing.

    Examples
    --------
    >>> prefetch_metadata(StorePath(MemoryStore(), "img"), groups=[""], arrays=["0", "1"])
    """
    store = sp.store
    if not isinstance(store, RemoteStore):
        return
    keys = []
    for group in groups:
        path = join_path(sp.path, group)
        keys += [join_path(path, k) for k in _GROUP_KEYS]
        if store.format_at(path) is None:
            keys.append(join_path(path, ".zmetadata"))
    keys += [join_path(sp.path, a, k) for a in arrays for k in _ARRAY_KEYS]
    sync(store.prefetch(keys))


def known_format(sp: StorePath) -> Literal[2, 3] | None:
    """The Zarr format a read-only remote store has shown at *sp* or above (None: not known).

    Examples
    --------
    >>> known_format(StorePath(MemoryStore(), "img")) is None
    True
    """
    store = sp.store
    found = store.format_at(sp.path) if isinstance(store, RemoteStore) else None
    return 3 if found == 3 else 2 if found == 2 else None


def read_group(sp: StorePath) -> zarr.Group:
    """Open the group at *sp* read-only from its own metadata document.

    Never from consolidated metadata: a snapshot taken at the last consolidation may list fewer
    labels or tables than the group now does, and ngffkit reads what the store holds (a remote
    store still uses consolidated metadata for its arrays, see
    [`RemoteStore`][ngffkit.io._remote.RemoteStore]). Where a remote store knows the Zarr format,
    only that format's documents are read. Raises zarr's errors for a missing group.

    Examples
    --------
    >>> sp = StorePath(MemoryStore(), "")
    >>> _ = zarr.create_group(store=sp, zarr_format=2, attributes={"a": 1})
    >>> dict(read_group(sp).attrs)
    {'a': 1}
    """
    return zarr.open_group(store=sp, mode="r", zarr_format=known_format(sp), use_consolidated=False)


def write_consolidated(sp: StorePath) -> None:
    """Write consolidated metadata for the hierarchy at *sp* (zarr's format for its version).

    Zarr v2 stores get ``.zmetadata``; v3 stores the root ``zarr.json``'s
    ``consolidated_metadata``, which zarr-python reads and other readers ignore.

    Examples
    --------
    >>> sp = StorePath(MemoryStore(), "")
    >>> _ = zarr.create_group(store=sp, zarr_format=2)
    >>> write_consolidated(sp)
    >>> sorted(sp.store._store_dict)
    ['.zattrs', '.zgroup', '.zmetadata']
    """
    with warnings.catch_warnings():
        # zarr warns that consolidated metadata is not (yet) in the Zarr v3 specification:
        # it is an addition readers may skip, which is what this writes it as.
        warnings.filterwarnings("ignore", "Consolidated metadata is currently not part")
        # The refresh holds the image lock, whose file sits in the group being listed: it is
        # ngffkit's, not a node, and zarr leaves it out of the snapshot after saying so.
        warnings.filterwarnings("ignore", r"Object at (.*/)?\.ngffkit-lock is not recognized")
        zarr.consolidate_metadata(sp.store, path=sp.path or None)
