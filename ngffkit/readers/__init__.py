"""`read_image`: microscope and picture files as a lazy [`NgffImage`][ngffkit.NgffImage].

One entry point for every input the command line converts: OME-TIFF, ImageJ hyperstacks
and plain TIFF (tifffile, lazily), PNG / JPEG / GIF / BMP and the other formats imageio
reads, `.npy` (memory-mapped), zarr arrays and OME-Zarr images. What the file says about
its axes, pixel sizes, units and channels is carried over, and the axes are put in the
spec's order (time, channel, z, y, x) by a lazy transpose, the names following the data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ngffkit.arrays import default_dims, to_ngff_image
from ngffkit.errors import NgffCorruptDataError, NgffNotFoundError, NgffValueError
from ngffkit.model import NgffImage
from ngffkit.readers._meta import FileMetadata, ome_color
from ngffkit.readers._tiff import open_tiff, tiff_series_count

__all__ = [
    "read_image",
    "open_image",
    "OpenedImage",
    "FileMetadata",
    "series_count",
    "output_stem",
    "TIFF_SUFFIXES",
    "IMAGEIO_SUFFIXES",
    "ome_color",
]

TIFF_SUFFIXES = (".tif", ".tiff", ".btf", ".tf8", ".tf2")
"""Read with tifffile (`pip install 'ngffkit[tiff]'`)."""
IMAGEIO_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tga", ".ppm", ".pgm")
"""Read with imageio (`pip install 'ngffkit[imageio]'`)."""
_STEM_SUFFIXES = (*TIFF_SUFFIXES, *IMAGEIO_SUFFIXES, ".npy", ".zarr", ".ozx")


@dataclass(frozen=True)
class OpenedImage:
    """An image read from a file, what the file said, and how to release the file early.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "cells.npy"; np.save(p, np.zeros((2, 4, 6), "u1"))
    >>> opened = open_image(p, dims=("c", "y", "x"))
    >>> opened.image.name, opened.image.dims
    ('cells', ('c', 'y', 'x'))
    >>> opened.close()  # the file is released; the lazy image must not be read after this
    """

    image: NgffImage
    metadata: FileMetadata
    close: Callable[[], None] = field(default=lambda: None, compare=False, repr=False)


def _is_zarr(path: str) -> bool:
    # An .ozx archive is a whole OME-Zarr in one file (RFC-9): the zarr path reads it.
    return "://" in path or Path(path).is_dir() or path.rstrip("/").endswith((".zarr", ".ozx"))


def output_stem(path: str) -> str:
    """The name an input gives its output: the file name without `.ome.tif` and the like.

    Examples
    --------
    >>> output_stem("/data/cells.ome.tiff"), output_stem("b.tif"), output_stem("run.1.png")
    ('cells', 'b', 'run.1')
    """
    name = Path(path.rstrip("/")).name
    lower = name.lower()
    for suffix in _STEM_SUFFIXES:
        if lower.endswith(suffix):
            name = name[: -len(suffix)]
            break
    if name.lower().endswith(".ome"):
        name = name[:-4]
    return name or "image"


def series_count(path: str | Path) -> int:
    """How many images (series) a file holds: an OME-TIFF's images, 1 for most files.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.npy"; np.save(p, np.zeros((4, 4), "u1"))
    >>> series_count(p)
    1
    """
    text = str(path)
    if Path(text).suffix.lower() in TIFF_SUFFIXES:
        return tiff_series_count(text)
    return 1


def _from_zarr(path: str, series: int | None, level: int) -> tuple[Any, FileMetadata]:
    import zarr

    from ngffkit.io.read import from_ngff_zarr
    from ngffkit.io.stores import open_store

    sp = open_store(path if series is None else f"{path.rstrip('/')}/{series}", mode="r")
    try:
        node = zarr.open(sp.store, path=sp.path, mode="r")
    except Exception:  # not a plain array: an OME-Zarr group (or nothing), which the reader says
        node = None
    if isinstance(node, zarr.Array):
        names = getattr(node.metadata, "dimension_names", None)
        dims = tuple(names) if names and all(names) else default_dims(node.ndim)
        return node, FileMetadata(dims=dims)
    ms = from_ngff_zarr(sp, labels=False, tables=False)
    if not 0 <= level < len(ms.images):
        raise NgffValueError(
            f"input {path}: level {level} does not exist; the image has {len(ms.images)} "
            f"(0 to {len(ms.images) - 1})"
        )
    image = ms.images[level]
    colors = None
    if ms.omero is not None and "c" in image.dims:
        colors = tuple(c.color for c in ms.omero.channels)
    return image.data, FileMetadata(
        dims=image.dims,
        scale=dict(image.scale),
        units=dict(image.axes_units),
        channel_names=image.channel_names,
        channel_colors=colors,
        name=image.name,
        translation=dict(image.translation),
    )


def _read_raw(
    path: str, series: int | None, level: int
) -> tuple[Any, FileMetadata, Callable[[], None]]:
    suffix = Path(path).suffix.lower()
    if _is_zarr(path):
        data, meta = _from_zarr(path, series, level)
        return data, meta, lambda: None
    if not Path(path).exists():
        raise NgffNotFoundError(f"input {path}: no such file")
    if suffix in TIFF_SUFFIXES:
        return open_tiff(path, series or 0, level)
    if series or level:
        raise NgffValueError(
            f"input {path}: a {suffix} file has one image at one level; got series={series}, "
            f"level={level}"
        )
    if suffix == ".npy":
        try:
            pixels = np.load(path, mmap_mode="r")
        except (ValueError, EOFError) as exc:  # a bad header, a truncated or an object array
            raise NgffCorruptDataError(
                f"input {path}: not a readable .npy array ({type(exc).__name__}: {exc})"
            ) from None
        return pixels, FileMetadata(dims=default_dims(pixels.ndim)), lambda: None
    if suffix in IMAGEIO_SUFFIXES:
        from ngffkit.readers._imageio import open_imageio

        pixels, meta = open_imageio(path)
        return pixels, meta, lambda: None
    known = ", ".join((*TIFF_SUFFIXES, *IMAGEIO_SUFFIXES, ".npy"))
    raise NgffValueError(
        f"input {path}: unknown file type {suffix!r}; expected {known}, a zarr array or an OME-Zarr"
    )


def _with_dims(meta: FileMetadata, dims: Sequence[str], shape: tuple[int, ...]) -> FileMetadata:
    """The file's metadata under the caller's axis names: per-axis values kept by name."""
    names = tuple(str(d) for d in dims)
    if len(names) != len(shape):
        raise NgffValueError(
            f"dims: expected {len(shape)} names for the file's array of shape {shape} "
            f"(the file says {''.join(meta.dims)}), got {len(names)}: {list(names)}"
        )
    channels = shape[names.index("c")] if "c" in names else None
    same_channels = (
        channels is not None and "c" in meta.dims and (shape[meta.dims.index("c")] == channels)
    )
    return replace(
        meta,
        dims=names,
        scale={d: v for d, v in meta.scale.items() if d in names},
        units={d: v for d, v in meta.units.items() if d in names},
        translation={d: v for d, v in meta.translation.items() if d in names},
        channel_names=meta.channel_names if same_channels else None,
        channel_colors=meta.channel_colors if same_channels else None,
    )


def open_image(
    path: str | Path,
    *,
    series: int | None = None,
    level: int = 0,
    dims: Sequence[str] | None = None,
) -> OpenedImage:
    """Like [`read_image`][ngffkit.read_image], also returning the file's metadata and a closer.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.npy"; np.save(p, np.zeros((4, 6), "u1"))
    >>> opened = open_image(p)
    >>> opened.image.dims, opened.metadata.dims
    (('y', 'x'), ('y', 'x'))
    """
    text = str(path)
    data, meta, close = _read_raw(text, series, level)
    try:
        if dims is not None:
            meta = _with_dims(meta, dims, tuple(int(s) for s in data.shape))
        image = to_ngff_image(
            data,
            dims=meta.dims,
            scale=dict(meta.scale),
            translation=dict(meta.translation),
            axes_units=dict(meta.units),
            name=meta.name or output_stem(text),
            channel_names=meta.channel_names,
            channel_colors=meta.channel_colors,
        )
    except Exception:
        close()
        raise
    return OpenedImage(image=image, metadata=meta, close=close)


def read_image(
    path: str | Path,
    *,
    series: int | None = None,
    level: int = 0,
    dims: Sequence[str] | None = None,
) -> NgffImage:
    """Open an image file as a lazy [`NgffImage`][ngffkit.NgffImage] with the file's metadata.

    No pixels are read until a write or a compute asks for them (PNG, JPEG and the other
    imageio formats are read whole: they hold no chunks).

    What is carried over (the [conversion guide](../user-guide/convert.md) has the table):

    - OME-TIFF (tifffile, lazily): axis order, pixel sizes and units, time increment,
      channel names and colours, image name; every series (`series`) and pyramid level
      (`level`).
    - ImageJ hyperstack: axis order, x/y resolution, z spacing, unit, frame interval,
      channel colours (LUTs).
    - Other TIFF: the axes tifffile reads; RGB pixels become red/green/blue channels.
    - PNG, JPEG, GIF, BMP ... (imageio): RGB(A) pixels become a `c` axis of
      red/green/blue(/alpha) channels.
    - `.npy` (memory-mapped): axes by number (`yx`, `zyx`, `czyx`, `tczyx`).
    - zarr array: its `dimension_names`; OME-Zarr: everything of the level read.

    Parameters
    ----------
    path
        The file, or a zarr / OME-Zarr store (a path or URL).
    series
        Which image of a file holding several (an OME-TIFF's series, a bioformats2raw
        container's numbered images); default the first.
    level
        Which pyramid level of a pyramidal OME-TIFF or an OME-Zarr (0: full resolution).
    dims
        Axis names in the file's array order, replacing what the file says (the file's
        pixel sizes, units and channels stay with the axes of the same name).

    Returns
    -------
    NgffImage
        The lazy image, its axes in the spec's order (time, channel, z, y, x).

    Raises
    ------
    NgffNotFoundError
        If there is no such file.
    NgffValueError
        For an unknown file type, a series or level the file does not have, or *dims* that
        do not fit.
    NgffCorruptDataError
        If the file cannot be read (truncated, not what its suffix says).
    NgffDependencyError
        If the reader's optional extra is missing (`ngffkit[tiff]`, `ngffkit[imageio]`).

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib, tifffile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "cells.ome.tif"
    >>> tifffile.imwrite(path, np.zeros((5, 2, 32, 32), "u2"), metadata={
    ...     "axes": "ZCYX", "PhysicalSizeZ": 1.5, "PhysicalSizeY": 0.2, "PhysicalSizeX": 0.2,
    ...     "Channel": {"Name": ["DAPI", "GFP"]}})
    >>> image = read_image(path)
    >>> image.dims, image.shape, image.scale["z"], image.axes_units["x"], image.channel_names
    (('c', 'z', 'y', 'x'), (2, 5, 32, 32), 1.5, 'micrometer', ('DAPI', 'GFP'))
    """
    return open_image(path, series=series, level=level, dims=dims).image
