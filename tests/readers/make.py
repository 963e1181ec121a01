"""Helpers that write test images (plain functions; the fixtures are in `tests.readers.files`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest


def _tifffile() -> Any:
    return pytest.importorskip("tifffile", reason="needs tifffile: pip install 'ngffkit[tiff]'")


def numbered(shape: tuple[int, ...], dtype: str = "u2") -> np.ndarray:
    """Pixels that differ everywhere, so a wrong transpose cannot go unnoticed."""
    return (np.arange(int(np.prod(shape))) % np.iinfo(dtype).max).astype(dtype).reshape(shape)


def write_ome(path: Path, axes: str, shape: tuple[int, ...], **metadata: object) -> np.ndarray:
    """An OME-TIFF in the axis order *axes*, with the OME metadata given."""
    pixels = numbered(shape)
    _tifffile().imwrite(path, pixels, photometric="minisblack", metadata={"axes": axes, **metadata})
    return pixels
