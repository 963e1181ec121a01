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
from collections.abc import Iterator
from typing import Any

import zarr
from zarr.abc.store import Store
from zarr.storage import LocalStore

__all__ = ["codec_pipeline", "zarrs_enabled", "storing_empty_chunks"]

_PIPELINE = "zarrs.ZarrsCodecPipeline"


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


@contextlib.contextmanager
def codec_pipeline(store: Store) -> Iterator[None]:
    """Create or open arrays of *store* inside this block to give them the fast pipeline.

    An array keeps the pipeline it was created or opened with, so only that moment
    needs the setting.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> with codec_pipeline(MemoryStore()):
    ...     pass
    """
    if not zarrs_enabled(store):
        yield
        return
    with zarr.config.set({"codec_pipeline.path": _PIPELINE}):
        yield


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
