"""TIFF files through tifffile: OME-TIFF, ImageJ hyperstacks and plain TIFF, read lazily.

The pixels are a dask array over tifffile's zarr store of one series and level, so nothing
is read before a write or a compute asks for it. tifffile reopens the file when a chunk is
read; the store is closed when its array is collected, or earlier by the closer returned.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ngffkit.errors import NgffCorruptDataError, NgffDependencyError, NgffValueError
from ngffkit.readers._meta import (
    RGB_COLORS,
    RGB_NAMES,
    FileMetadata,
    imagej_metadata,
    ome_metadata,
    tiff_dims,
)

__all__ = ["open_tiff", "tiff_series_count"]


def _tifffile() -> Any:
    try:
        import tifffile
    except ImportError as exc:
        raise NgffDependencyError(
            "reading TIFF needs tifffile: pip install 'ngffkit[tiff]'"
        ) from exc
    return tifffile


def _open(path: str) -> Any:
    tifffile = _tifffile()
    try:
        return tifffile.TiffFile(path)
    except (tifffile.TiffFileError, ValueError, IndexError, KeyError, EOFError) as exc:
        # tifffile raises these (and struct errors as ValueError) for truncated or foreign files.
        raise NgffCorruptDataError(
            f"input {path}: not a readable TIFF file ({type(exc).__name__}: {exc})"
        ) from None


def tiff_series_count(path: str) -> int:
    """The number of image series in a TIFF file (an OME-TIFF's images).

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib, tifffile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.tif"; tifffile.imwrite(p, np.zeros((8, 8), "u1"))
    >>> tiff_series_count(str(p))
    1
    """
    with _open(path) as tif:
        return len(tif.series)


def _resolution(page: Any) -> tuple[float, float] | None:
    out = []
    for tag in ("XResolution", "YResolution"):
        found = page.tags.get(tag)
        if found is None:
            return None
        num, den = found.value
        out.append(num / den if den else 0.0)
    return out[0], out[1]


def _metadata(tif: Any, index: int, series: Any) -> FileMetadata:
    axes = series.axes
    if tif.is_ome and tif.ome_metadata:
        meta = ome_metadata(tif.ome_metadata, index, axes)
    elif tif.is_imagej and tif.imagej_metadata is not None:
        ij = tif.imagej_metadata
        meta = imagej_metadata(ij, axes, _resolution(series.keyframe), ij.get("LUTs"))
    else:
        meta = FileMetadata(dims=tiff_dims(axes))
    if "S" in axes and meta.channel_names is None:
        n = series.shape[axes.index("S")]
        if n in (3, 4):
            meta = replace(meta, channel_names=RGB_NAMES[:n], channel_colors=RGB_COLORS[:n])
    return meta


def open_tiff(path: str, series: int, level: int) -> tuple[Any, FileMetadata, Callable[[], None]]:
    """Open one series and level of a TIFF file: (lazy dask array, metadata, closer).

    Raises
    ------
    NgffCorruptDataError
        If the file is not a readable TIFF.
    NgffValueError
        If *series* or *level* is not in the file.
    NgffDependencyError
        Without tifffile (`pip install 'ngffkit[tiff]'`).
    """
    import dask.array as da
    import zarr

    tif = _open(path)
    try:
        if not tif.series:
            raise NgffCorruptDataError(f"input {path}: not a readable TIFF file (no image found)")
        if not 0 <= series < len(tif.series):
            raise NgffValueError(
                f"input {path}: series {series} does not exist; the file has "
                f"{len(tif.series)} (0 to {len(tif.series) - 1})"
            )
        found = tif.series[series]
        if not 0 <= level < len(found.levels):
            raise NgffValueError(
                f"input {path}: level {level} does not exist in series {series}; it has "
                f"{len(found.levels)} (0 to {len(found.levels) - 1})"
            )
        meta = _metadata(tif, series, found)
        if meta.name is None:
            meta = replace(meta, name=found.name or None)
        store = found.aszarr(level=level)
    except (NgffValueError, NgffCorruptDataError):
        tif.close()
        raise
    except Exception as exc:
        tif.close()
        raise NgffCorruptDataError(
            f"input {path}: cannot read series {series} ({type(exc).__name__}: {exc})"
        ) from None
    # tifffile reopens the file for each read through its own cache; closing it now leaves
    # no descriptor open while the image waits to be written.
    tif.close()
    array = zarr.open_array(store, mode="r")
    weakref.finalize(array, store.close)
    # tifffile's chunks are strips or tiles (a few kilobytes): dask blocks of many of them.
    chunks = da.core.normalize_chunks(
        "auto", shape=array.shape, dtype=array.dtype, previous_chunks=array.chunks
    )
    name = f"tiff-{Path(path).resolve()}-{series}-{level}-{Path(path).stat().st_mtime_ns}"
    data = da.from_array(array, chunks=chunks, name=name, lock=False)
    return data, meta, store.close
