"""read_image: what real files say about their axes, sizes, units and channels is carried over."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import zarr
from hypothesis import given
from hypothesis import strategies as st

import ngffkit
from ngffkit.arrays import spec_order
from ngffkit.errors import NgffCorruptDataError, NgffDependencyError, NgffValueError
from ngffkit.readers import ome_color, open_image, output_stem, series_count
from ngffkit.spec import default_axis_type
from tests.readers.make import numbered, write_ome

tifffile = pytest.importorskip("tifffile", reason="needs tifffile: pip install 'ngffkit[tiff]'")

SPEC = "tczyx"


@pytest.mark.parametrize(
    ("axes", "shape"),
    [
        ("CZYX", (2, 5, 12, 16)),
        ("ZCYX", (5, 2, 12, 16)),
        ("TZCYX", (3, 4, 2, 12, 16)),
        ("ZTCYX", (4, 3, 2, 12, 16)),
        ("CYX", (3, 12, 16)),
    ],
)
def test_ome_tiff_axis_orders(tmp_path, axes, shape, raise_if_dask_computes) -> None:
    """Every OME-TIFF axis order comes out t, c, z, y, x, each pixel where the file has it."""
    path = tmp_path / "a.ome.tif"
    pixels = write_ome(path, axes, shape)
    dims = tuple(axes.lower())
    with raise_if_dask_computes():
        image = ngffkit.read_image(path)
    expected_dims = tuple(d for d in SPEC if d in dims)
    assert image.dims == expected_dims
    order = [dims.index(d) for d in expected_dims]
    np.testing.assert_array_equal(image.data.compute(), np.transpose(pixels, order))


def test_ome_sizes_units_and_channels(ome_czyx) -> None:
    """The issue's CZYX file: z 1.5 um, y/x 0.2 um, DAPI in blue and GFP in green (OME RGBA ints)."""
    image = ngffkit.read_image(ome_czyx)
    assert image.scale == {"c": 1.0, "z": 1.5, "y": 0.2, "x": 0.2}
    assert image.axes_units == dict.fromkeys("zyx", "micrometer")
    assert image.channel_names == ("DAPI", "GFP")
    assert image.channel_colors == ("0000FF", "00FF00")


def test_ome_units_other_than_micrometre(tmp_path) -> None:
    """nm sizes and a time increment in ms keep their units; an unknown unit is noted, not guessed."""
    path = tmp_path / "t.ome.tif"
    write_ome(
        path,
        "TYX",
        (2, 8, 8),
        PhysicalSizeX=50.0,
        PhysicalSizeXUnit="nm",
        PhysicalSizeY=50.0,
        PhysicalSizeYUnit="furlong",
        TimeIncrement=250.0,
        TimeIncrementUnit="ms",
    )
    opened = open_image(path)
    assert opened.image.axes_units == {"t": "millisecond", "x": "nanometer"}
    assert opened.image.scale == {"t": 250.0, "y": 50.0, "x": 50.0}
    assert any("furlong" in note for note in opened.metadata.notes)


def test_multi_series(multi_series) -> None:
    """Each series of an OME-TIFF is its own image, with its own name and sizes."""
    assert series_count(multi_series) == 2
    first = ngffkit.read_image(multi_series)
    second = ngffkit.read_image(multi_series, series=1)
    assert (first.name, first.dims, first.shape) == ("overview", ("y", "x"), (8, 16))
    assert (second.name, second.dims, second.scale["z"]) == ("stack", ("z", "y", "x"), 2.0)
    with pytest.raises(NgffValueError, match=r"series 2 does not exist; the file has 2"):
        ngffkit.read_image(multi_series, series=2)


def test_pyramid_levels(pyramid_ome) -> None:
    """level= reads a sub-resolution of a pyramidal OME-TIFF, lazily, in blocks of many tiles."""
    base = ngffkit.read_image(pyramid_ome)
    low = ngffkit.read_image(pyramid_ome, level=2)
    assert (base.shape, low.shape) == ((2, 256, 256), (2, 64, 64))
    np.testing.assert_array_equal(low.data.compute(), base.data.compute()[:, ::4, ::4])
    with pytest.raises(NgffValueError, match="level 3 does not exist"):
        ngffkit.read_image(pyramid_ome, level=3)


def test_imagej_hyperstack(imagej_tzcyx) -> None:
    """An ImageJ TZCYX hyperstack: channels before z, with spacing, unit, frame interval and LUT colours."""
    image = ngffkit.read_image(imagej_tzcyx)
    assert image.dims == ("t", "c", "z", "y", "x")
    assert image.shape == (3, 2, 4, 16, 20)
    assert image.scale == {"t": 2.0, "c": 1.0, "z": 1.5, "y": 0.25, "x": 0.25}
    assert image.axes_units == {"t": "second", **dict.fromkeys("zyx", "micrometer")}
    assert image.channel_colors == ("FF0000", "00FF00")
    pixels = tifffile.imread(imagej_tzcyx)
    np.testing.assert_array_equal(image.data.compute(), pixels.transpose(0, 2, 1, 3, 4))


def test_rgb_png_is_a_channel_axis(rgb_png) -> None:
    """An RGB PNG (100 x 120 x 3) becomes 3 channels red/green/blue of 100 x 120 pixels."""
    image = ngffkit.read_image(rgb_png)
    assert (image.dims, image.shape) == (("c", "y", "x"), (3, 100, 120))
    assert image.channel_names == ("red", "green", "blue")
    assert image.channel_colors == ("FF0000", "00FF00", "0000FF")
    np.testing.assert_array_equal(image.data[1].compute(), numbered((100, 120, 3), "u1")[..., 1])


def test_plain_tiff_rgb_tiff_and_npy(tmp_path) -> None:
    """A plain stack is z, y, x; an RGB TIFF has colour channels; .npy axes go by number."""
    tifffile.imwrite(tmp_path / "stack.tif", numbered((4, 16, 16)), photometric="minisblack")
    tifffile.imwrite(tmp_path / "rgb.tif", numbered((16, 16, 3), "u1"), photometric="rgb")
    np.save(tmp_path / "v.npy", numbered((2, 3, 8, 8)))
    assert ngffkit.read_image(tmp_path / "stack.tif").dims == ("z", "y", "x")
    rgb = ngffkit.read_image(tmp_path / "rgb.tif")
    assert (rgb.dims, rgb.channel_names) == (("c", "y", "x"), ("red", "green", "blue"))
    assert ngffkit.read_image(tmp_path / "v.npy").dims == ("c", "z", "y", "x")


def test_dims_replace_what_the_file_says(tmp_path) -> None:
    """dims= names the file's axes in its own order; the data is transposed to follow them."""
    path = tmp_path / "a.tif"
    pixels = numbered((6, 2, 8, 8))
    tifffile.imwrite(path, pixels, photometric="minisblack")
    image = ngffkit.read_image(path, dims="zcyx")
    assert (image.dims, image.shape) == (("c", "z", "y", "x"), (2, 6, 8, 8))
    np.testing.assert_array_equal(image.data.compute(), pixels.transpose(1, 0, 2, 3))
    with pytest.raises(NgffValueError, match="expected 4 names"):
        ngffkit.read_image(path, dims="yx")


def test_zarr_array_and_ome_zarr(tmp_path, ome_czyx) -> None:
    """A zarr array's dimension names are its dims; an OME-Zarr level keeps its metadata and colours."""
    array = zarr.create_array(
        tmp_path / "a.zarr", shape=(8, 6, 3), dtype="u1", dimension_names=("y", "x", "c")
    )
    array[:] = numbered((8, 6, 3), "u1")
    image = ngffkit.read_image(tmp_path / "a.zarr")
    assert (image.dims, image.shape) == (("c", "y", "x"), (3, 8, 6))
    ms = ngffkit.to_multiscales(ngffkit.read_image(ome_czyx), scale_factors=[2])
    ngffkit.to_ngff_zarr(tmp_path / "c.ome.zarr", ms)
    back = ngffkit.read_image(tmp_path / "c.ome.zarr", level=1)
    assert back.channel_colors == ("0000FF", "00FF00")
    assert back.scale["y"] == pytest.approx(0.4)
    assert back.channel_names == ("DAPI", "GFP")


def test_bad_inputs_raise_ngff_errors(tmp_path, corrupt_tiff) -> None:
    """A truncated TIFF, an unknown suffix and a missing file each raise an NgffError naming the input."""
    with pytest.raises(NgffCorruptDataError, match=r"broken\.tif: not a readable TIFF"):
        ngffkit.read_image(corrupt_tiff)
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(NgffValueError, match=r"notes\.txt: unknown file type '\.txt'"):
        ngffkit.read_image(tmp_path / "notes.txt")
    with pytest.raises(ngffkit.NgffNotFoundError, match="no such file"):
        ngffkit.read_image(tmp_path / "missing.tif")


@pytest.mark.parametrize("what", ["empty", "junk", "truncated", "objects"])
def test_bad_npy_raises_corrupt_data(tmp_path, what) -> None:
    """A .npy numpy cannot map raises NgffCorruptDataError naming the file, not numpy's error."""
    path = tmp_path / f"{what}.npy"
    if what == "truncated":
        np.save(path, np.zeros((64, 64)))
        path.write_bytes(path.read_bytes()[:300])
    elif what == "objects":
        np.save(path, np.array([{"a": 1}], dtype=object))
    else:
        path.write_bytes(b"" if what == "empty" else b"not an array")
    with pytest.raises(NgffCorruptDataError, match=rf"{what}\.npy: not a readable \.npy array"):
        ngffkit.read_image(path)


@pytest.mark.parametrize(
    ("module", "suffix", "extra"), [("tifffile", ".tif", "tiff"), ("imageio", ".png", "imageio")]
)
def test_missing_reader_names_the_extra(tmp_path, monkeypatch, module, suffix, extra) -> None:
    """Without the optional reader, the error names the extra that brings it."""
    path = tmp_path / f"a{suffix}"
    path.write_bytes(b"\0" * 16)
    monkeypatch.setitem(sys.modules, module, None)
    monkeypatch.setitem(sys.modules, f"{module}.v3", None)
    with pytest.raises(NgffDependencyError, match=rf"pip install 'ngffkit\[{extra}\]'"):
        ngffkit.read_image(path)


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("a.ome.tif", "a"),
        ("a.ome.tiff", "a"),
        ("b.TIF", "b"),
        ("c.v2.png", "c.v2"),
        ("d.ome.zarr/", "d"),
        ("e", "e"),
    ],
)
def test_output_stem(name, stem) -> None:
    """The output name drops .ome.tif(f), .tif(f) and the other reader suffixes."""
    assert output_stem(name) == stem


def test_files_are_not_held_open(ome_czyx) -> None:
    """The image waits for its write without a file descriptor open; the closer drops tifffile's."""
    psutil = pytest.importorskip("psutil", reason="needs psutil: pip install 'ngffkit[test]'")
    proc = psutil.Process()
    before = {f.path for f in proc.open_files()}
    opened = open_image(ome_czyx)
    assert {f.path for f in proc.open_files()} == before
    opened.image.data.compute()
    opened.close()
    assert {f.path for f in proc.open_files()} == before
    assert Path(ome_czyx).exists()


def test_rgb_ome_tiff(tmp_path) -> None:
    """An RGB OME-TIFF (one OME channel of 3 samples) gets red, green and blue channels."""
    path = tmp_path / "rgb.ome.tif"
    pixels = numbered((24, 32, 3), "u1")
    tifffile.imwrite(path, pixels, photometric="rgb", metadata={"axes": "YXS"})
    image = ngffkit.read_image(path)
    assert (image.dims, image.shape) == (("c", "y", "x"), (3, 24, 32))
    assert image.channel_names == ("red", "green", "blue")
    np.testing.assert_array_equal(image.data.compute(), pixels.transpose(2, 0, 1))


@given(st.tuples(*[st.integers(0, 255)] * 4))
def test_ome_color_is_signed_rgba(rgba) -> None:
    """OME Color is RGBA packed in a signed 32-bit int: the hex is its first three bytes, whatever the sign."""
    r, g, b, a = rgba
    packed = (r << 24) | (g << 16) | (b << 8) | a
    signed = packed - (1 << 32) if packed >= 1 << 31 else packed
    assert ome_color(signed) == ome_color(str(signed)) == f"{r:02X}{g:02X}{b:02X}"


@given(st.permutations(["t", "c", "z", "y", "x"]), st.integers(2, 5))
def test_spec_order_is_a_sorting_permutation(names, n) -> None:
    """spec_order gives a permutation putting any subset of t, c, z, y, x in the spec's order."""
    dims = tuple(names[:n])
    order = spec_order(dims, {d: default_axis_type(d) for d in dims})
    assert sorted(order) == list(range(n))
    assert [dims[i] for i in order] == [d for d in "tczyx" if d in dims]
