"""Real image files, written by tifffile and imageio, for the reader and command-line tests.

`tests/conftest.py` imports them, so the tests of the command line share them with the
readers' (a conftest here would be seen only under tests/readers).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.readers.make import _tifffile, numbered, write_ome


@pytest.fixture
def ome_czyx(tmp_path: Path) -> Path:
    """The issue's CZYX OME-TIFF: z = 1.5 um, y = x = 0.2 um, channels DAPI (blue) and GFP (green)."""
    path = tmp_path / "cells.ome.tif"
    write_ome(
        path,
        "CZYX",
        (2, 5, 32, 40),
        PhysicalSizeZ=1.5,
        PhysicalSizeY=0.2,
        PhysicalSizeX=0.2,
        PhysicalSizeXUnit="µm",
        PhysicalSizeYUnit="µm",
        PhysicalSizeZUnit="µm",
        Channel={"Name": ["DAPI", "GFP"], "Color": [65535, 16711935]},
    )
    return path


@pytest.fixture
def imagej_tzcyx(tmp_path: Path) -> Path:
    """An ImageJ hyperstack TZCYX: 0.25 um pixels, 1.5 um z spacing, 2 s frames, red/green LUTs."""
    path = tmp_path / "movie.tif"
    ramp = np.arange(256, dtype="u1")
    zero = np.zeros(256, dtype="u1")
    luts = [np.stack([ramp, zero, zero]), np.stack([zero, ramp, zero])]
    _tifffile().imwrite(
        path,
        numbered((3, 4, 2, 16, 20)),
        imagej=True,
        resolution=(4.0, 4.0),
        metadata={
            "axes": "TZCYX",
            "spacing": 1.5,
            "unit": "micron",
            "finterval": 2.0,
            "LUTs": luts,
        },
    )
    return path


@pytest.fixture
def pyramid_ome(tmp_path: Path) -> Path:
    """A pyramidal OME-TIFF (CYX 2 x 256 x 256, sub-resolutions 128 and 64) in tiles."""
    path = tmp_path / "pyramid.ome.tif"
    base = numbered((2, 256, 256))
    with _tifffile().TiffWriter(path) as tif:
        options = {"tile": (64, 64), "metadata": None, "photometric": "minisblack"}
        meta = {"axes": "CYX", "PhysicalSizeX": 0.5, "PhysicalSizeY": 0.5}
        tif.write(base, subifds=2, tile=(64, 64), photometric="minisblack", metadata=meta)
        tif.write(base[:, ::2, ::2], subfiletype=1, **options)
        tif.write(base[:, ::4, ::4], subfiletype=1, **options)
    return path


@pytest.fixture
def multi_series(tmp_path: Path) -> Path:
    """An OME-TIFF holding two images: a 2-D 'overview' and a z-stack 'stack'."""
    path = tmp_path / "two.ome.tif"
    with _tifffile().TiffWriter(path, ome=True) as tif:
        tif.write(numbered((8, 16), "u1"), metadata={"axes": "YX", "Name": "overview"})
        tif.write(
            numbered((3, 10, 12)), metadata={"axes": "ZYX", "Name": "stack", "PhysicalSizeZ": 2.0}
        )
    return path


@pytest.fixture
def rgb_png(tmp_path: Path) -> Path:
    """The issue's RGB PNG, 100 x 120 pixels."""
    iio = pytest.importorskip("imageio.v3", reason="needs imageio: pip install 'ngffkit[imageio]'")
    path = tmp_path / "photo.png"
    iio.imwrite(path, numbered((100, 120, 3), "u1"))
    return path


@pytest.fixture
def corrupt_tiff(tmp_path: Path) -> Path:
    """A TIFF cut short after its header: what an interrupted copy leaves."""
    path = tmp_path / "broken.tif"
    _tifffile().imwrite(path, numbered((4, 32, 32)), photometric="minisblack")
    path.write_bytes(path.read_bytes()[:12])
    return path
