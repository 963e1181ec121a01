"""Compressors of stored arrays: the default, checking a caller's, and carrying one across Zarr formats.

Zarr v2 arrays name their compressor with a numcodecs codec (``numcodecs.Zstd``), Zarr v3
arrays with a v3 codec (``zarr.codecs.ZstdCodec``); zarr-python refuses the one kind where
the other is expected. A store read at OME-NGFF 0.4 and re-written as 0.5 (or back) keeps
its compression through the translations here, for the codecs both formats define: zstd,
blosc and gzip.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal, cast

import numpy as np
import zarr
from zarr.storage import MemoryStore

from ngffkit.errors import NgffValueError, NgffWarning

__all__ = ["default_compressors", "check_compressors", "carry_compressors"]


def default_compressors(zarr_format: int) -> Any:
    """Return zarr-python's default codec, spelled out: zstd level 0 (fast, good ratio).

    Examples
    --------
    >>> type(default_compressors(3)[0]).__name__
    'ZstdCodec'
    """
    if zarr_format == 2:
        import numcodecs

        return [numcodecs.Zstd(level=0)]
    from zarr.codecs import ZstdCodec

    return [ZstdCodec(level=0, checksum=False)]


def check_compressors(codecs: Any, zarr_format: int, argument: str) -> None:
    """Refuse codecs zarr cannot use, before the store is touched: a one-pixel trial array.

    Examples
    --------
    >>> check_compressors(default_compressors(2), 2, "compressors")
    >>> check_compressors(default_compressors(3), 2, "compressors")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ngffkit.errors.NgffValueError: compressors: expected zarr codecs for Zarr v2 ...
    """
    try:
        zarr.create_array(
            MemoryStore(),
            shape=(1,),
            dtype="u1",
            compressors=codecs,
            zarr_format=cast(Literal[2, 3], zarr_format),
        )
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise NgffValueError(
            f"{argument}: expected zarr codecs for Zarr v{zarr_format} (such as "
            f"{default_compressors(zarr_format)!r}, or None for the default), got {codecs!r}: {exc} "
            f"(nothing was written)"
        ) from None


# numcodecs' Blosc shuffle constants and the v3 codec's names for them.
_SHUFFLE_V3 = {0: "noshuffle", 1: "shuffle", 2: "bitshuffle"}
_SHUFFLE_V2 = {name: number for number, name in _SHUFFLE_V3.items()}


def _to_v3(codec: Any, dtype: np.dtype[Any]) -> Any:
    from zarr.codecs import BloscCodec, GzipCodec, ZstdCodec

    name = getattr(codec, "codec_id", None)
    if name == "zstd":
        return ZstdCodec(level=int(codec.level), checksum=bool(getattr(codec, "checksum", False)))
    if name == "gzip":
        return GzipCodec(level=int(codec.level))
    if name == "blosc":
        shuffle = int(codec.shuffle)
        if shuffle == -1:  # AUTOSHUFFLE: numcodecs picks by item size, as here
            shuffle = 2 if dtype.itemsize == 1 else 1
        return BloscCodec(
            cname=cast(Any, str(codec.cname)),
            clevel=int(codec.clevel),
            shuffle=_SHUFFLE_V3[shuffle],  # type: ignore[arg-type]
            blocksize=int(codec.blocksize),
            typesize=dtype.itemsize,
        )
    return None


def _to_v2(codec: Any) -> Any:
    import numcodecs
    from zarr.codecs import BloscCodec, GzipCodec, ZstdCodec

    if isinstance(codec, ZstdCodec):
        return numcodecs.Zstd(level=codec.level, checksum=codec.checksum)
    if isinstance(codec, GzipCodec):
        return numcodecs.GZip(level=codec.level)
    if isinstance(codec, BloscCodec):
        return numcodecs.Blosc(
            cname=codec.cname.value,
            clevel=codec.clevel,
            shuffle=_SHUFFLE_V2[codec.shuffle.value],
            blocksize=codec.blocksize,
        )
    return None


def carry_compressors(
    compressors: tuple[Any, ...],
    *,
    from_format: int,
    to_format: int,
    dtype: np.dtype[Any],
    where: str,
) -> Any:
    """The compressors an array read as Zarr *from_format* should be written with in *to_format*.

    The same codecs within a format; across formats, their translation. A codec the other
    format cannot name falls back to the default, with an `NgffWarning` naming *where*
    (pixel values never change: only the compression does). ``None`` means no compressor.

    Examples
    --------
    >>> import numcodecs, numpy as np
    >>> carry_compressors((numcodecs.Zstd(level=5),), from_format=2, to_format=3,
    ...                   dtype=np.dtype("u2"), where="img/0")
    (ZstdCodec(level=5, checksum=False),)
    >>> carry_compressors((), from_format=3, to_format=3, dtype=np.dtype("u2"), where="img/0")
    """
    if not compressors:
        return None
    if from_format == to_format:
        return compressors
    carried = tuple(_to_v3(c, dtype) if to_format == 3 else _to_v2(c) for c in compressors)
    # Zarr v2 has a single compressor slot.
    if any(c is None for c in carried) or (to_format == 2 and len(carried) > 1):
        warnings.warn(
            f"{where}: compressors {list(compressors)!r} have no Zarr v{to_format} equivalent; "
            f"writing with {default_compressors(to_format)!r} instead (the pixels are the same)",
            NgffWarning,
            stacklevel=4,
        )
        return default_compressors(to_format)
    return carried
