"""Remote stores that time out, retry transient faults and fail with ngffkit's errors.

fsspec and aiohttp leave three things to the caller, and a notebook user meets each of them
as a hang or a traceback from a library they never imported:

- **Time.** aiohttp waits up to 5 minutes for a whole response by default, and a server
  that stalls mid-body holds a dask worker that long. [`RemoteStore`][ngffkit.io._remote.RemoteStore]
  sets a connect and a read timeout (`DEFAULT_TIMEOUT` seconds each, `storage_options=
  {"timeout": seconds}` to change), so a stalled request fails within
  `(retries + 1) * timeout + backoff` seconds.
- **Transient faults.** HTTP 5xx / 408 / 429 answers, dropped connections, truncated
  bodies and timeouts are tried again, `DEFAULT_RETRIES` times with exponential backoff
  (`storage_options={"retries": n}`). S3 goes through botocore, which retries by itself.
- **Round trips.** Every metadata document the store fetches (``zarr.json``, ``.zgroup``,
  ``.zattrs``, ``.zarray``, ``.zmetadata``) is kept, found or missing, for the life of the
  store object, and [`prefetch`][ngffkit.io._remote.RemoteStore.prefetch] fetches many of them
  at once: the reader asks for a group's candidates together, then for every level's and the
  labels' and tables' groups together, so an image opens in two round trips instead of one per
  key (a write through any remote store in the process drops what was kept). Once a group of
  a read-only store has shown its Zarr format (a plate, an image), keys of the other format at
  it and below it are answered "missing" without a request, and consolidated metadata
  (``.zmetadata``, or ``zarr.json``'s ``consolidated_metadata``) fills the cache with the array
  documents it holds (group attributes, which list labels and tables, are always read fresh).
- **Errors.** A refusal (401 / 403, S3's AccessDenied) is an `NgffAuthError` at every call,
  not only at open; what is left after the retries an `NgffRemoteError` (an
  `NgffTimeoutError` for a timeout) naming the store and the key. The new error is raised
  outside the handler of the original one, so neither `__cause__` nor `__context__` carries
  aiohttp's request (whose headers hold the ``Authorization`` token).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, TypeVar

from zarr.abc.store import ByteRequest
from zarr.core.buffer import Buffer, BufferPrototype, default_buffer_prototype
from zarr.storage import FsspecStore

from ngffkit.errors import NgffAuthError, NgffError, NgffRemoteError, NgffTimeoutError

__all__ = [
    "RemoteStore",
    "DEFAULT_TIMEOUT",
    "DEFAULT_RETRIES",
    "remote_options",
    "redacted",
    "redact_text",
    "RedactingFilter",
    "classify",
]

DEFAULT_TIMEOUT = 30.0
"""Seconds to wait for a connection, and then for each read from it, before giving up."""

DEFAULT_RETRIES = 3
"""How often a transient fault (5xx, lost connection, timeout) is tried again."""

BACKOFF = 0.25
"""Seconds before the first retry; each later retry waits twice as long."""

_RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})

_V2_NAMES = frozenset({".zgroup", ".zattrs", ".zarray", ".zmetadata"})
_V3_NAMES = frozenset({"zarr.json"})
METADATA_NAMES = _V2_NAMES | _V3_NAMES
"""The names of Zarr metadata documents, whose answers a remote store keeps."""

_WRITES = [0]
"""Writes through any remote store in this process: a store's kept answers are dropped after
one, since another store object (a stage, a second handle) may have written the same keys."""

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class _Failure:
    """What went wrong, kept as text only: no reference to the original exception survives."""

    kind: str  # "auth", "timeout" or "remote"
    detail: str
    retry: bool

    def error(self, where: str, key: str, attempts: int, timeout: float | None) -> NgffError:
        tried = f" (tried {attempts} times)" if attempts > 1 else ""
        if self.kind == "auth":
            return NgffAuthError(
                f"store {where}: {self.detail} reading {key!r}: the server refused the "
                f"credentials; check the token or storage_options"
            )
        if self.kind == "timeout":
            return NgffTimeoutError(
                f"store {where}: no answer within {timeout:g} s reading {key!r}{tried}; the "
                f"server may be down or slow: storage_options={{'timeout': seconds}} waits longer"
            )
        return NgffRemoteError(f"store {where}: {self.detail} reading {key!r}{tried}")


def _classify(exc: BaseException) -> _Failure | None:
    """Say what kind of remote fault *exc* is, or None if it is not one (let it pass).

    Examples
    --------
    >>> _classify(PermissionError("AccessDenied")).kind
    'auth'
    >>> _classify(TimeoutError()).retry
    True
    >>> _classify(ValueError("bad range")) is None
    True
    """
    if isinstance(exc, NgffError | FileNotFoundError):
        return None
    status = getattr(exc, "status", None)
    if isinstance(status, int) and status >= 400:
        reason = getattr(exc, "message", "") or ""
        detail = f"HTTP {status}{f' ({str(reason)[:80]})' if reason else ''}"
        if status in (401, 403):
            return _Failure("auth", detail, retry=False)
        server = "a server error" if status >= 500 else "a refused request"
        return _Failure("remote", f"{detail}: {server}", retry=status in _RETRY_STATUS)
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return _Failure("timeout", "timeout", retry=True)
    if isinstance(exc, PermissionError):
        return _Failure("auth", "access denied", retry=False)
    name = type(exc).__name__
    module = type(exc).__module__
    if module.startswith("aiohttp"):  # lost connections, truncated bodies, refused connects
        return _Failure("remote", f"connection failed ({name}: {str(exc)[:120]})", retry=True)
    if isinstance(exc, OSError | ConnectionError):
        return _Failure("remote", f"{name}: {str(exc)[:120]}", retry=False)
    return None


classify = _classify
"""What kind of remote fault an exception is (None: not one); for the io room's other readers."""


class RemoteStore(FsspecStore):
    """An fsspec store that times out, retries transient faults and raises ngffkit's errors.

    Construct it as zarr's `FsspecStore` (``RemoteStore.from_url(url, storage_options=...)``);
    [`open_store`][ngffkit.open_store] does this for every URL. ``retries`` and ``timeout``
    are what the errors report; the timeout itself is the fsspec client's.

    Examples
    --------
    >>> sp = RemoteStore.from_url("memory://remote-doc")
    >>> (type(sp).__name__, sp.retries)
    ('RemoteStore', 0)
    """

    retries: int = 0
    timeout: float | None = None
    where: str = "remote store"

    def configured(self, *, retries: int, timeout: float | None, where: str) -> RemoteStore:
        """Set the retries, the timeout and the name reported in errors; returns the store."""
        self.retries = retries
        self.timeout = timeout
        self.where = where
        return self

    @property
    def _known(self) -> dict[str, bytes | None]:
        """Metadata documents fetched since the last write in this process (None: missing)."""
        cache: dict[str, bytes | None] | None = self.__dict__.get("_metadata_cache")
        if cache is None or self.__dict__.get("_metadata_writes") != _WRITES[0]:
            cache = self.__dict__["_metadata_cache"] = {}
            self.__dict__["_metadata_writes"] = _WRITES[0]
            self.__dict__["_formats"] = {}
        return cache

    @property
    def _formats(self) -> dict[str, int]:
        """The Zarr format each group showed, by path (read-only stores; dropped with `_known`)."""
        _ = self._known  # start from the current writes, or a later look would forget it
        formats: dict[str, int] = self.__dict__["_formats"]
        return formats

    def format_at(self, path: str) -> int | None:
        """The Zarr format the store showed at *path* or at a group above it; None if unknown.

        A hierarchy has one Zarr format, so once a group answered (a plate, an image), the
        nodes below it are never asked for the other format's documents.

        Examples
        --------
        >>> store = RemoteStore.from_url("memory://format-doc", read_only=True)
        >>> store.learn_format(2, "plate.zarr")
        >>> store.format_at("plate.zarr/B/03/0"), store.format_at("other.zarr")
        (2, None)
        """
        formats = self._formats
        parts = [p for p in path.split("/") if p]
        for n in range(len(parts), -1, -1):
            found = formats.get("/".join(parts[:n]))
            if found is not None:
                return found
        return None

    def known(self, key: str) -> tuple[bool, bytes | None]:
        """``(True, bytes or None)`` if the answer for metadata *key* needs no request.

        Examples
        --------
        >>> store = RemoteStore.from_url("memory://known-doc", read_only=True)
        >>> store.known("0/.zarray"), store.learn_format(3), store.known("0/.zarray")
        ((False, None), None, (True, None))
        """
        folder, _, name = key.rpartition("/")
        if name not in METADATA_NAMES:
            return False, None
        if key in self._known:
            return True, self._known[key]
        zarr_format = self.format_at(folder)
        other = _V2_NAMES if zarr_format == 3 else _V3_NAMES if zarr_format == 2 else ()
        return (True, None) if name in other else (False, None)

    def learn_format(self, zarr_format: int, path: str = "") -> None:
        """Record the Zarr format of the group at *path* and below (ignored for a store that
        takes writes, whose keys may change format)."""
        if self.read_only:
            self._formats[path.strip("/")] = zarr_format

    async def prefetch(self, keys: Iterable[str]) -> None:
        """Fetch the metadata *keys* not yet known, all at once, into the store's cache."""
        todo = list(dict.fromkeys(k for k in keys if not self.known(k)[0]))
        prototype = default_buffer_prototype()
        answers = await asyncio.gather(
            *(self.get(key, prototype) for key in todo), return_exceptions=True
        )
        # The first key's failure, whichever finished first: errors say the same every time.
        failed = next((a for a in answers if isinstance(a, BaseException)), None)
        if failed is not None:
            raise failed

    def _remember(self, key: str, value: Buffer | None) -> None:
        data = None if value is None else value.to_bytes()
        self._known[key] = data
        folder, _, name = key.rpartition("/")
        if data is None or not self.read_only:
            return
        # A document found shows the node's format; zarr.json wins over v2 names, as in zarr.
        if name == "zarr.json":
            self.learn_format(3, folder)
        elif self._formats.get(folder) is None:
            self.learn_format(2, folder)
        prefix = key[: -len(name)]
        if name == ".zmetadata":
            self._consolidated(prefix, data, "metadata", lambda k: k)
        elif name == "zarr.json":
            self._consolidated(prefix, data, "consolidated_metadata", lambda k: f"{k}/zarr.json")

    def _consolidated(self, prefix: str, data: bytes, field: str, key_of: Any) -> None:
        """Keep the documents that consolidated metadata holds (zarr reads them the same way)."""
        try:
            doc = json.loads(data)
            inner = doc.get(field) if isinstance(doc, dict) else None
            if field == "consolidated_metadata" and isinstance(inner, dict):
                inner = inner.get("metadata")
        except ValueError:
            return  # the reader reports an unreadable document; the cache only skips it
        if not isinstance(inner, dict):
            return
        for name, value in inner.items():
            key = prefix + key_of(str(name))
            # Arrays only: group attributes (labels and tables lists) change when an image
            # gains a label or table, and a snapshot must not hide that; they are read fresh.
            # A v2 array's .zattrs (beside its .zarray in the snapshot) is the array's own.
            array = key.endswith(".zarray") or (
                isinstance(value, dict) and value.get("node_type") == "array"
            )
            if key.endswith("/.zattrs"):
                array = f"{str(name)[: -len('.zattrs')]}.zarray" in inner
            if array and isinstance(value, dict) and key not in self._known:
                self._known[key] = json.dumps(value).encode()

    def at(self, path: str) -> RemoteStore:
        """The same file system and settings at another *path* (a stage beside the store)."""
        store = RemoteStore(self.fs, path=path, read_only=self.read_only)
        return store.configured(retries=self.retries, timeout=self.timeout, where=path)

    def with_read_only(self, read_only: bool = False) -> RemoteStore:
        store = super().with_read_only(read_only)
        assert isinstance(store, RemoteStore)  # zarr builds `type(self)(...)`
        return store.configured(retries=self.retries, timeout=self.timeout, where=self.where)

    async def _call(self, key: str, call: Callable[[], Awaitable[T]]) -> T:
        attempt = 0
        while True:
            attempt += 1
            try:
                return await call()
            except Exception as exc:  # sorted by _classify; everything else passes unchanged
                failure = _classify(exc)
                if failure is None:
                    raise
            # Outside the handler: the original exception (and its request headers) is gone.
            if not failure.retry or attempt > self.retries:
                raise failure.error(self.where, key, attempt, self.timeout)
            await asyncio.sleep(BACKOFF * 2 ** (attempt - 1))

    async def get(
        self, key: str, prototype: BufferPrototype, byte_range: ByteRequest | None = None
    ) -> Buffer | None:
        if byte_range is None:
            hit, data = self.known(key)
            if hit:
                return None if data is None else prototype.buffer.from_bytes(data)
        writes = _WRITES[0]
        value = await self._call(
            key, lambda: super(RemoteStore, self).get(key, prototype, byte_range)
        )
        # Kept only if no write began meanwhile: the answer may predate it.
        if byte_range is None and key.rsplit("/", 1)[-1] in METADATA_NAMES and writes == _WRITES[0]:
            self._remember(key, value)
        return value

    async def get_partial_values(
        self, prototype: BufferPrototype, key_ranges: Iterable[tuple[str, ByteRequest | None]]
    ) -> list[Buffer | None]:
        ranges = list(key_ranges)
        first = ranges[0][0] if ranges else ""
        return await self._call(
            first, lambda: super(RemoteStore, self).get_partial_values(prototype, ranges)
        )

    async def exists(self, key: str) -> bool:
        hit, data = self.known(key)
        if hit:
            return data is not None

        async def strict() -> bool:
            path = f"{self.path.rstrip('/')}/{key}" if self.path else key
            try:
                # fsspec's HTTP `exists` answers False for a 401 or a 500; strict raises instead.
                if "http" in _protocols(self):
                    return bool(await self.fs._exists(path, strict=True))
                return bool(await self.fs._exists(path))
            except FileNotFoundError:
                return False

        return await self._call(key, strict)

    async def set(self, key: str, value: Buffer, byte_range: tuple[int, int] | None = None) -> None:
        _WRITES[0] += 1
        try:
            await self._call(key, lambda: super(RemoteStore, self).set(key, value, byte_range))
        finally:
            _WRITES[0] += 1  # also after: a read racing the write must not be kept

    async def delete(self, key: str) -> None:
        _WRITES[0] += 1
        try:
            await self._call(key, lambda: super(RemoteStore, self).delete(key))
        finally:
            _WRITES[0] += 1

    async def delete_dir(self, prefix: str) -> None:
        _WRITES[0] += 1
        try:
            await super().delete_dir(prefix)
        finally:
            _WRITES[0] += 1

    async def clear(self) -> None:
        _WRITES[0] += 1
        try:
            await super().clear()
        finally:
            _WRITES[0] += 1

    async def getsize(self, key: str) -> int:
        return await self._call(key, lambda: super(RemoteStore, self).getsize(key))

    async def list(self) -> AsyncIterator[str]:
        for key in await self._call("", lambda: _collect(super(RemoteStore, self).list())):
            yield key

    async def list_dir(self, prefix: str) -> AsyncIterator[str]:
        listing = await self._call(
            prefix, lambda: _collect(super(RemoteStore, self).list_dir(prefix))
        )
        for key in listing:
            yield key

    async def list_prefix(self, prefix: str) -> AsyncIterator[str]:
        listing = await self._call(
            prefix, lambda: _collect(super(RemoteStore, self).list_prefix(prefix))
        )
        for key in listing:
            yield key


async def _collect(keys: AsyncIterator[str]) -> list[str]:
    return [key async for key in keys]


def _protocols(store: FsspecStore) -> tuple[str, ...]:
    protocol = store.fs.protocol
    return tuple(protocol) if isinstance(protocol, tuple | list) else (protocol,)


def remote_options(
    protocol: str, options: dict[str, Any]
) -> tuple[dict[str, Any], int, float | None]:
    """Split ngffkit's ``timeout`` / ``retries`` from fsspec's *options*; add default timeouts.

    Returns the options for fsspec, the retries and the timeout in seconds.

    Examples
    --------
    >>> opts, retries, timeout = remote_options("https", {"timeout": 5, "retries": 1})
    >>> retries, timeout, opts["client_kwargs"]["timeout"].sock_read
    (1, 5.0, 5.0)
    >>> remote_options("s3", {})[0]["config_kwargs"]["read_timeout"]
    30.0
    """
    options = dict(options)
    timeout = options.pop("timeout", DEFAULT_TIMEOUT)
    retries = options.pop("retries", None)
    seconds = None if timeout is None else float(timeout)
    if protocol in ("http", "https"):
        client = dict(options.get("client_kwargs") or {})
        if "timeout" not in client and seconds is not None:
            import aiohttp  # the http extra; fsspec needs it for any HTTP store

            client["timeout"] = aiohttp.ClientTimeout(
                total=None, sock_connect=seconds, sock_read=seconds
            )
        options["client_kwargs"] = client
        return options, DEFAULT_RETRIES if retries is None else int(retries), seconds
    if protocol in ("s3", "s3a") and seconds is not None:
        config = dict(options.get("config_kwargs") or {})
        config.setdefault("connect_timeout", seconds)
        config.setdefault("read_timeout", seconds)
        if retries is not None:
            config.setdefault("retries", {"max_attempts": int(retries) + 1, "mode": "standard"})
        options["config_kwargs"] = config
    # Other protocols retry (or not) by their own rules: ngffkit only translates their errors.
    return options, 0, seconds


_URL_IN_TEXT = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s'\"<>]+")


def redacted(url: str) -> str:
    """*url* without credentials or query (tokens, signatures): safe for messages and logs.

    Examples
    --------
    >>> redacted("https://user:pw@host/img.zarr?X-Amz-Signature=abc")
    'https://host/img.zarr?...'
    """
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = "?..." if parts.query else ""
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", "")) + query


def redact_text(text: str) -> str:
    """*text* with every URL in it [`redacted`][ngffkit.io._remote.redacted].

    Examples
    --------
    >>> redact_text("GET https://me:secret@host/a/zarr.json failed")
    'GET https://host/a/zarr.json failed'
    """
    return _URL_IN_TEXT.sub(lambda match: redacted(match.group(0)), text)


class RedactingFilter(logging.Filter):
    """Strips credentials and query strings from the URLs that fsspec logs.

    Examples
    --------
    >>> record = logging.LogRecord("fsspec.http", 10, "", 0, "%s", ("https://u:pw@h/a?sig=1",), None)
    >>> RedactingFilter().filter(record), record.getMessage()
    (True, 'https://h/a?...')
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
