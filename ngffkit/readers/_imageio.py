"""PNG, JPEG, BMP, GIF and the other formats imageio reads (read whole: they are small)."""

from __future__ import annotations

from typing import Any

from ngffkit.errors import NgffCorruptDataError, NgffDependencyError
from ngffkit.readers._meta import RGB_COLORS, RGB_NAMES, FileMetadata

__all__ = ["open_imageio"]


def open_imageio(path: str) -> tuple[Any, FileMetadata]:
    """Read an image with imageio: (numpy array, metadata).

    The last axis of a colour image (3 or 4 values per pixel) is the channel axis, its
    channels `red`, `green`, `blue` (and `alpha`) in their colours; one more leading axis
    (the frames of a GIF or a multi-page file) is `z`.

    Raises
    ------
    NgffCorruptDataError
        If imageio cannot read the file.
    NgffDependencyError
        Without imageio (`pip install 'ngffkit[imageio]'`).
    """
    try:
        import imageio.v3 as iio
    except ImportError as exc:
        raise NgffDependencyError(
            "reading images needs imageio: pip install 'ngffkit[imageio]'"
        ) from exc
    try:
        pixels = iio.imread(path)
    except Exception as exc:  # imageio's plugins raise what their libraries raise
        raise NgffCorruptDataError(
            f"input {path}: imageio cannot read it ({type(exc).__name__}: {exc})"
        ) from None
    rgb = pixels.ndim >= 3 and pixels.shape[-1] in (3, 4)
    space = ("z", "y", "x")[-(pixels.ndim - rgb) :] if pixels.ndim - rgb <= 3 else None
    if space is None:
        raise NgffCorruptDataError(
            f"input {path}: an image of shape {pixels.shape} has more axes than z, y, x and colour"
        )
    if not rgb:
        return pixels, FileMetadata(dims=space)
    n = pixels.shape[-1]
    return pixels, FileMetadata(
        dims=(*space, "c"), channel_names=RGB_NAMES[:n], channel_colors=RGB_COLORS[:n]
    )
