"""Regions of interest: physical boxes to pixel boxes, as Fractal and ngio count them."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ngffkit.errors import NgffValueError
from ngffkit.rois import SNAP, Roi, RoiPixels
from tests.interop._outside import run_outside

_PX = st.sampled_from([0.1, 0.1625, 0.325, 0.65, 1.0, 2.0, 3.7])
_START = st.floats(min_value=0.0, max_value=5000.0, allow_nan=False)
_LENGTH = st.floats(min_value=0.01, max_value=5000.0, allow_nan=False)


@given(x=_START, length=_LENGTH, px=_PX)
@example(x=253.50390625, length=253.50390625, px=0.65)  # found by CI: the end moves two snaps
def test_a_box_covers_its_roi_and_no_more(x: float, length: float, px: float) -> None:
    """Every pixel the ROI overlaps is in the box, and the first and last pixels do overlap it
    (up to the 1/100-pixel tolerance for float32 corners).

    The start and the length are snapped each (as ngio does), so the end may move by up to
    two snaps: x=253.50390625, length=253.50390625 at 0.65 um is 390.006 + 390.006 pixels,
    snapped to 390 + 390, an end 0.012 pixel short of the ROI's.
    """
    box = Roi(x=x, y=0.0, x_length=length, y_length=1.0).to_roi_pixels({"x": px, "y": 1.0})
    start, stop = box.x * px, (box.x + box.x_length) * px
    tolerance = SNAP * px * 1.001
    assert start <= x + tolerance and stop >= x + length - 2 * tolerance  # covers
    assert (box.x + 1) * px > x - tolerance  # the first pixel overlaps the ROI
    assert (box.x + box.x_length - 1) * px < x + length + 2 * tolerance  # and so does the last
    assert box.x_length >= 1


@given(start=st.integers(0, 20000), length=st.integers(1, 5000), px=_PX)
def test_float32_corners_give_the_whole_pixels(start: int, length: int, px: float) -> None:
    """A Fractal table stores pixel-aligned corners as float32: still the exact pixels."""
    x32 = float(np.float32(start * px))
    len32 = float(np.float32(length * px))
    box = Roi(x=x32, y=0.0, x_length=len32, y_length=px).to_roi_pixels({"x": px, "y": px})
    assert (box.x, box.x_length) == (start, length)


def test_the_fractal_example_is_pixel_1378() -> None:
    box = Roi(x=447.8500061, y=0.0, x_length=416.0, y_length=351.0).to_roi_pixels(
        {"x": 0.325, "y": 0.325}
    )
    assert (box.x, box.x_length, box.y, box.y_length) == (1378, 1280, 0, 1080)


def test_z_is_optional_and_spans_the_whole_axis_when_left_out() -> None:
    flat = Roi(x=0.0, y=0.0, x_length=2.0, y_length=2.0)
    assert flat.axes == ("y", "x") and "z" not in flat.to_roi_pixels({"x": 1, "y": 1}).to_slices()
    deep = Roi(x=0.0, y=0.0, z=3.0, x_length=2.0, y_length=2.0, z_length=2.0)
    assert deep.to_roi_pixels({"x": 1, "y": 1, "z": 1.5}).to_slices()["z"] == slice(2, 4)


def test_boxes_are_clipped_to_the_level_and_a_miss_is_an_error() -> None:
    shape = {"y": 10, "x": 10}
    box = Roi(x=-2.0, y=5.0, x_length=4.0, y_length=100.0).to_roi_pixels({"x": 1, "y": 1}, shape)
    assert box.to_slices() == {"y": slice(5, 10), "x": slice(0, 2)}
    with pytest.raises(NgffValueError, match="outside the level"):
        Roi(x=20.0, y=0.0, x_length=1.0, y_length=1.0).to_roi_pixels({"x": 1, "y": 1}, shape)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"x": 0.0, "y": 0.0, "x_length": 0.0, "y_length": 1.0}, "x_length: expected a length > 0"),
        ({"x": 0.0, "y": 0.0, "x_length": -1.0, "y_length": 1.0}, "x_length"),
        ({"x": math.nan, "y": 0.0, "x_length": 1.0, "y_length": 1.0}, "x: expected a finite"),
        ({"x": 0.0, "y": 0.0, "z": 1.0, "x_length": 1.0, "y_length": 1.0}, "z and z_length"),
        ({"x": "0", "y": 0.0, "x_length": 1.0, "y_length": 1.0}, "x: expected a finite"),
    ],
)
def test_bad_rois_are_refused(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(NgffValueError, match=match):
        Roi(**kwargs)  # type: ignore[arg-type]


def test_a_bad_pixel_size_is_refused() -> None:
    with pytest.raises(NgffValueError, match=r"pixel_size\.x: expected a number > 0"):
        Roi(x=0.0, y=0.0, x_length=1.0, y_length=1.0).to_roi_pixels({"x": 0, "y": 1})


def test_zoom_grows_around_the_centre_and_stops_at_zero() -> None:
    roi = Roi(x=10.0, y=1.0, x_length=10.0, y_length=4.0).zoom(2.0)
    assert (roi.x, roi.x_length, roi.y, roi.y_length) == (5.0, 20.0, 0.0, 8.0)


def test_roi_pixels_slices() -> None:
    assert RoiPixels(x=1, y=2, x_length=3, y_length=4).to_slices() == {
        "y": slice(2, 6),
        "x": slice(1, 4),
    }


def test_the_same_boxes_as_ngio(tmp_path: Path) -> None:
    """300 random ROIs (float32 corners among them) give ngio 1.1's pixel boxes."""
    rng = np.random.default_rng(2026)
    cases = []
    for i in range(300):
        px = float(rng.choice([0.1625, 0.325, 0.65, 1.0, 2.5]))
        if i % 3 == 0:  # pixel-aligned corners stored as float32, as Fractal does
            x = float(np.float32(int(rng.integers(0, 4000)) * px))
            xl = float(np.float32(int(rng.integers(1, 2000)) * px))
        else:
            x, xl = float(rng.uniform(0, 2000)), float(rng.uniform(0.05, 800))
        y, yl = float(rng.uniform(0, 2000)), float(rng.uniform(0.05, 800))
        cases.append({"roi": {"x": [x, xl], "y": [y, yl]}, "px": {"x": px, "y": px}})
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases))
    theirs = run_outside("ngio", "roi_pixels", path)["boxes"]
    for case, box in zip(cases, theirs, strict=True):
        (x, xl), (y, yl) = case["roi"]["x"], case["roi"]["y"]
        ours = Roi(x=x, y=y, x_length=xl, y_length=yl).to_roi_pixels(case["px"])
        assert [ours.x, ours.x_length] == box["x"], case
        assert [ours.y, ours.y_length] == box["y"], case


# --- ROIs on a stored image, through the container ----------------------------------------------


@pytest.fixture(scope="module")
def fractal_like(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3-level z, y, x image at 1 x 0.325 x 0.325 um, with distinct pixel values."""
    import ngffkit

    store = tmp_path_factory.mktemp("roi") / "img.zarr"
    data = (np.arange(4 * 240 * 320, dtype=np.uint32) % 65521).astype(np.uint16)
    image = ngffkit.to_ngff_image(
        data.reshape(4, 240, 320),
        dims=("z", "y", "x"),
        scale={"z": 1.0, "y": 0.325, "x": 0.325},
        axes_units="micrometer",
    )
    ngffkit.to_ngff_zarr(store, ngffkit.to_multiscales(image, scale_factors=[2, 4], chunks=64))
    return store


def test_get_roi_reads_every_pixel_the_box_overlaps(fractal_like: Path) -> None:
    from ngffkit import Roi
    from ngffkit.container import open_ome_zarr_container

    container = open_ome_zarr_container(fractal_like)
    roi = Roi(name="FOV_1", x=10.05, y=3.3, x_length=20.0, y_length=13.0)
    for path in ("0", "1", "2"):
        image = container.get_image(path=path)
        px = image.pixel_size
        box = roi.to_roi_pixels({"x": px.x, "y": px.y})
        expected = image.get_array(
            y=slice(box.y, box.y + box.y_length), x=slice(box.x, box.x + box.x_length)
        )
        got = image.get_roi_as_numpy(roi)
        assert got.shape == (image.shape[0], box.y_length, box.x_length)  # z-less: every z
        assert np.array_equal(got, expected)
        assert np.array_equal(image.get_roi_as_dask(roi).compute(), expected)
    with pytest.raises(NgffValueError, match="outside the level"):
        container.get_image().get_roi_as_numpy(Roi(x=500.0, y=0.0, x_length=1.0, y_length=1.0))


def test_set_roi_writes_the_box(tmp_path: Path) -> None:
    from ngffkit import Roi
    from ngffkit.container import create_empty_ome_zarr

    image = create_empty_ome_zarr(tmp_path / "w.zarr", (32, 32), pixelsize=0.5).get_image()
    roi = Roi(x=1.2, y=0.0, x_length=2.0, y_length=1.0)  # x pixels 2..6, y pixels 0..2
    image = image.set_roi(np.ones((2, 5), "uint16"), roi)
    written = image.get_as_numpy()
    assert written.sum() == 10 and written[0:2, 2:7].all()


def test_a_roi_on_an_axis_the_image_lacks_is_refused(fractal_like: Path) -> None:
    from ngffkit import Roi
    from ngffkit.container import open_ome_zarr_container

    image = open_ome_zarr_container(fractal_like).get_image()
    with pytest.raises(NgffValueError, match=r"spans axes \['t'\]"):
        image.get_roi_as_numpy(Roi(x=0.0, y=0.0, t=0.0, x_length=1.0, y_length=1.0, t_length=1.0))


def test_get_roi_gives_ngio_s_pixels_at_every_level(fractal_like: Path, tmp_path: Path) -> None:
    """ngio 1.1's get_roi_as_numpy on the same store returns the same shape and pixels."""
    from ngffkit import Roi
    from ngffkit.container import open_ome_zarr_container

    rng = np.random.default_rng(7)
    cases = []
    for _ in range(12):
        x, y = float(rng.uniform(0, 80)), float(rng.uniform(0, 60))
        xl, yl = float(rng.uniform(0.2, 20)), float(rng.uniform(0.2, 15))
        for path in ("0", "1", "2"):
            cases.append({"path": path, "roi": {"x": [x, xl], "y": [y, yl]}})
    cases.append({"path": "0", "roi": {"x": [float(np.float32(1.3)), 13.0], "y": [0.0, 6.5]}})
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases))
    theirs = run_outside("ngio", "roi_read", fractal_like, path)["results"]
    container = open_ome_zarr_container(fractal_like)
    for case, result in zip(cases, theirs, strict=True):
        (x, xl), (y, yl) = case["roi"]["x"], case["roi"]["y"]
        roi = Roi(x=x, y=y, x_length=xl, y_length=yl)
        ours = container.get_image(path=case["path"]).get_roi_as_numpy(roi)
        assert list(ours.shape) == result["shape"], case
        assert int(ours.astype(np.int64).sum()) == result["sum"], case


def test_a_table_roi_s_plane_on_a_yx_image_is_the_image(tmp_path: Path) -> None:
    """ROI tables always store z (0 and 1 for a plane): on an image without z that is the plane;
    a z range that misses it is refused."""
    from ngffkit import Roi
    from ngffkit.container import create_ome_zarr_from_array

    pixels = np.arange(64, dtype=np.uint8).reshape(8, 8)
    image = create_ome_zarr_from_array(tmp_path / "yx.zarr", pixels, pixelsize=1.0).get_image()
    roi = Roi(x=2.0, y=1.0, z=0.0, x_length=3.0, y_length=2.0, z_length=1.0)
    assert np.array_equal(image.get_roi_as_numpy(roi), pixels[1:3, 2:5])
    with pytest.raises(NgffValueError, match=r"spans axes \['z'\]"):
        image.get_roi_as_numpy(Roi(x=0.0, y=0.0, z=3.0, x_length=1.0, y_length=1.0, z_length=1.0))
