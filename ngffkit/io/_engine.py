"""The zarr codec pipeline ngffkit uses: zarrs (Rust) when installed, zarr-python's otherwise.

zarr-python runs every chunk's bookkeeping on one event-loop thread, which caps a write at
about one core however many threads encode. The `zarrs` package (a core dependency
where it has wheels; the `ngffkit[zarrs]` extra elsewhere) is a drop-in codec pipeline
for zarr-python, backed by the zarrs Rust crate, that encodes, decodes and does the
chunk I/O in parallel: on a 2-core machine it writes a 512³ uint16 level about twice as
fast and reads it three times as fast (see the performance page). It is used for arrays
in local directories (the stores it handles natively); everything else, and any array it
does not support, goes through zarr-python as before. ``NGFFKIT_ZARRS=0`` turns it off.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import threading
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import zarr
from zarr.abc.store import Store
from zarr.storage import LocalStore

__all__ = ["codec_pipeline", "zarrs_enabled", "storing_empty_chunks", "store_fill_keys"]

_PIPELINE = "zarrs.ZarrsCodecPipeline"
_FALLBACK = "Array is unsupported by ZarrsCodecPipeline"  # the start of zarrs' warning


@functools.cache
def _installed() -> bool:
    return importlib.util.find_spec("zarrs") is not None


def zarrs_enabled(store: Store) -> bool:
    """True when arrays in *store* get the zarrs pipeline.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> zarrs_enabled(MemoryStore())
    False
    """
    if os.environ.get("NGFFKIT_ZARRS", "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    return isinstance(store, LocalStore) and _installed()


class _PipelineSetting:
    """zarr's global pipeline setting, held while any thread is inside `codec_pipeline`.

    zarr's config is one global: a `with zarr.config.set(...)` per thread restores whatever
    it saw on entry, so two writes in parallel threads (``ngffkit convert --jobs``) could
    leave the zarrs pipeline set for good. Here the first thread in sets it and the last one
    out restores what was there before.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._before: Any = None

    def enter(self) -> None:
        with self._lock:
            if self._holders == 0:
                self._before = zarr.config.get("codec_pipeline.path")
                zarr.config.set({"codec_pipeline.path": _PIPELINE})
            self._holders += 1

    def leave(self) -> None:
        with self._lock:
            self._holders -= 1
            if self._holders == 0:
                zarr.config.set({"codec_pipeline.path": self._before})


_SETTING = _PipelineSetting()


@contextlib.contextmanager
def codec_pipeline(store: Store) -> Iterator[None]:
    """Create or open arrays of *store* inside this block to give them the fast pipeline.

    An array keeps the pipeline it was created or opened with, so only that moment
    needs the setting. Blocks in several threads at once share it (see `_PipelineSetting`).

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> with codec_pipeline(MemoryStore()):
    ...     pass
    """
    if not zarrs_enabled(store):
        yield
        return
    _quiet_fallback_warning()
    _SETTING.enter()
    try:
        yield
    finally:
        _SETTING.leave()


def _quiet_fallback_warning() -> None:
    # An array zarrs cannot encode (a codec it lacks, such as lz4) falls back to
    # zarr-python's pipeline: slower, the same bytes, nothing for the user to act on.
    # One filter, limited to that warning from zarrs' own module, put (back) at the front
    # of the list at each block: filterwarnings drops its earlier copy, and a caller's
    # `catch_warnings` or "always" filter may have dropped or overtaken it. Not
    # `catch_warnings` here: it saves and restores the process-wide filter list, so blocks
    # in parallel threads would undo each other's filters and any the user adds meanwhile.
    warnings.filterwarnings("ignore", _FALLBACK, UserWarning, r"zarrs(\.|$)")


def storing_empty_chunks(array: zarr.Array[Any]) -> zarr.Array[Any]:
    """*array* through zarr-python's own pipeline, which stores chunks that are all fill value.

    zarrs 0.2 drops such chunks whatever the array's ``write_empty_chunks`` says (and
    deletes one it overwrites), which would leave gaps in an intensity level.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> a = zarr.create_array(MemoryStore(), shape=(4,), chunks=(2,), dtype="u1")
    >>> storing_empty_chunks(a).config.write_empty_chunks
    True
    """
    from zarr.codecs._v2 import V2Codec
    from zarr.core.codec_pipeline import BatchedCodecPipeline
    from zarr.core.metadata import ArrayV3Metadata

    plain = array.with_config({"write_empty_chunks": True})._async_array
    meta: Any = plain.metadata
    codecs: Any
    if isinstance(meta, ArrayV3Metadata):
        codecs = meta.codecs
    else:
        codecs = (V2Codec(filters=meta.filters, compressor=meta.compressor),)
    # Not through zarr's config, which is global: other threads may be opening zarrs arrays.
    # AsyncArray is a frozen dataclass; its constructor sets the pipeline the same way.
    object.__setattr__(plain, "codec_pipeline", BatchedCodecPipeline.from_codecs(codecs))
    return zarr.Array(plain)


_FILL_BYTES: dict[str, bytes | None] = {}


def _fill_bytes(array: zarr.Array[Any]) -> bytes | None:
    """The stored bytes of one chunk (or shard) of *array* that holds only its fill value.

    Encoded once per array layout, in memory, by zarr-python's pipeline: every such object
    of a regular grid has the same bytes (edge chunks are padded to the full shape).
    """
    import json

    from zarr.core.buffer import default_buffer_prototype
    from zarr.core.sync import sync
    from zarr.storage import MemoryStore

    layout = json.dumps(array.metadata.to_dict(), sort_keys=True, default=str)
    if layout in _FILL_BYTES:
        return _FILL_BYTES[layout]
    memory = MemoryStore()
    # The same metadata documents, so the same codecs, grid and key encoding.
    for name, document in array.metadata.to_buffer_dict(default_buffer_prototype()).items():
        sync(memory.set(name, document))
    scratch = zarr.open_array(memory, mode="r+")
    outer = array.shards or array.chunks
    corner = tuple(slice(0, min(c, n)) for c, n in zip(outer, array.shape, strict=True))
    zeros = np.full([c.stop for c in corner], array.fill_value, dtype=array.dtype)
    storing_empty_chunks(scratch)[corner] = zeros
    key = array.metadata.encode_chunk_key((0,) * array.ndim)
    buffer = sync(memory.get(key, prototype=default_buffer_prototype()))
    _FILL_BYTES[layout] = None if buffer is None else buffer.to_bytes()
    return _FILL_BYTES[layout]


def store_fill_keys(array: zarr.Array[Any], region: tuple[slice, ...]) -> None:
    """Store every chunk (or shard) of *array* in *region* as holding only the fill value.

    *region* is aligned to the chunk (or shard) grid, but for the array's far edges.
    Writes the bytes zarr-python would write, without encoding each one again.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> a = zarr.create_array(MemoryStore(), shape=(4, 4), chunks=(2, 2), dtype="u1")
    >>> store_fill_keys(a, (slice(0, 4), slice(0, 2)))
    >>> a.nchunks_initialized
    2
    """
    import itertools

    from zarr.core.buffer import default_buffer_prototype
    from zarr.core.sync import sync

    payload = _fill_bytes(array)
    if payload is None:  # the codecs store nothing for it: let zarr-python decide
        storing_empty_chunks(array)[region] = np.full(
            [r.stop - r.start for r in region], array.fill_value, dtype=array.dtype
        )
        return
    outer = array.shards or array.chunks
    ranges = [range(r.start // c, -(-r.stop // c)) for r, c in zip(region, outer, strict=True)]
    store, prefix = array.store_path.store, array.store_path.path
    buffer = default_buffer_prototype().buffer.from_bytes(payload)

    async def write_all() -> None:
        import asyncio

        keys = (array.metadata.encode_chunk_key(c) for c in itertools.product(*ranges))
        await asyncio.gather(
            *(store.set(f"{prefix}/{key}" if prefix else key, buffer) for key in keys)
        )

    sync(write_all())
