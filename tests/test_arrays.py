"""to_ngff_image: inputs, default dims, units, and clear errors."""

from __future__ import annotations

import warnings

import dask.array as da
import numpy as np
import pytest
import xarray as xr
import zarr

import ngffkit
from ngffkit.arrays import to_ngff_image
from ngffkit.errors import NgffTypeError, NgffUnitWarning, NgffValueError
from ngffkit.io import from_ngff_zarr, to_ngff_zarr
from ngffkit.pyramids import to_multiscales


@pytest.mark.parametrize(
    ("ndim", "dims"),
    [
        (2, ("y", "x")),
        (3, ("z", "y", "x")),
        (4, ("c", "z", "y", "x")),
        (5, ("t", "c", "z", "y", "x")),
    ],
)
def test_default_dims(ndim: int, dims: tuple[str, ...]) -> None:
    """Default dims follow the array's ndim: yx, zyx, czyx, tczyx."""
    img = ngffkit.to_ngff_image(np.zeros((2,) * ndim, "u1"))
    assert img.dims == dims
    assert all(img.scale[d] == 1.0 and img.translation[d] == 0.0 for d in dims)


@pytest.mark.parametrize("ndim", [1, 6])
def test_ndim_out_of_range(ndim: int) -> None:
    """OME-NGFF images have 2 to 5 dimensions; anything else is a clear error."""
    with pytest.raises(NgffValueError, match="2 to 5 dimensions"):
        ngffkit.to_ngff_image(np.zeros((2,) * ndim, "u1"))


def test_numpy_is_not_copied(raise_if_dask_computes) -> None:
    """A numpy input is wrapped lazily: later changes to the buffer show through."""
    array = np.zeros((4, 4), "u1")
    with raise_if_dask_computes():
        img = ngffkit.to_ngff_image(array)
    array[0, 0] = 7
    assert int(img.data[0, 0].compute()) == 7


def test_dask_kept() -> None:
    """A dask input keeps its graph and chunks."""
    data = da.zeros((8, 8), chunks=4, dtype="u2")
    assert ngffkit.to_ngff_image(data).data is data


def test_xarray_coords_give_scale_translation_units() -> None:
    """DataArray dims, evenly spaced coords and coord units become dims, scale, translation, units."""
    arr = xr.DataArray(
        np.zeros((3, 4), "u1"),
        dims=("y", "x"),
        coords={"y": ("y", [10.0, 12.0, 14.0], {"units": "micrometer"}), "x": [0.0, 0.5, 1.0, 1.5]},
        name="xr_image",
    )
    img = ngffkit.to_ngff_image(arr)
    assert img.dims == ("y", "x")
    assert img.scale == {"y": 2.0, "x": 0.5}
    assert img.translation == {"y": 10.0, "x": 0.0}
    assert img.axes_units == {"y": "micrometer"}
    assert img.name == "xr_image"


def test_xarray_uneven_coords_rejected() -> None:
    """Unevenly spaced coordinates cannot be an OME-NGFF scale."""
    arr = xr.DataArray(np.zeros((3, 3)), dims=("y", "x"), coords={"y": [0.0, 1.0, 5.0]})
    with pytest.raises(NgffValueError, match=r"coords\['y'\]"):
        ngffkit.to_ngff_image(arr)


def test_zarr_array_dimension_names(tmp_path) -> None:
    """A zarr v3 array's dimension_names become the dims; pixels stay on disk."""
    arr = zarr.create_array(
        tmp_path / "a.zarr", shape=(4, 6), dtype="u2", chunks=(2, 3), dimension_names=("y", "x")
    )
    arr[:] = np.arange(24, dtype="u2").reshape(4, 6)
    img = ngffkit.to_ngff_image(arr)
    assert img.dims == ("y", "x")
    np.testing.assert_array_equal(img.data.compute(), arr[:])


@pytest.mark.parametrize("spelling", ["um", "µm", "μm", "micron", "microns"])
def test_unit_spellings_normalised_with_warning(spelling: str) -> None:
    """Common spellings become UDUNITS-2 'micrometer', with one warning."""
    with pytest.warns(NgffUnitWarning, match="micrometer") as record:
        img = ngffkit.to_ngff_image(np.zeros((2, 2, 2)), axes_units=spelling)
    assert len(record) == 1
    assert img.axes_units == dict.fromkeys("zyx", "micrometer")


def test_unit_mapping_per_axis() -> None:
    """A mapping gives units per axis, time included; canonical names raise no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        img = ngffkit.to_ngff_image(
            np.zeros((2, 2, 2, 2)),
            dims=("t", "z", "y", "x"),
            axes_units={"t": "second", "x": "nanometer"},
        )
    assert img.axes_units == {"t": "second", "x": "nanometer"}


@pytest.mark.parametrize(
    ("units", "match"),
    [
        ("furlong", "not an OME-NGFF space unit"),
        ({"c": "micrometer"}, "channel axis has no unit"),
        ({"q": "meter"}, "not among the dims"),
    ],
)
def test_unit_errors(units: object, match: str) -> None:
    """Unknown units, units on a channel axis and unknown axes are clear errors."""
    with pytest.raises(NgffValueError, match=match):
        ngffkit.to_ngff_image(np.zeros((2, 2, 2, 2)), axes_units=units)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dims": ("y", "x")}, "expected 3 names"),
        ({"dims": ("z", "z", "x")}, "unique"),
        ({"scale": {"x": -1.0}}, r"scale\['x'\].*> 0"),
        ({"scale": {"q": 1.0}}, "not among the image dims"),
        ({"translation": {"x": float("nan")}}, "finite"),
        ({"axes_orientations": {"x": "up"}}, "RFC-4"),
        ({"dims": ("c", "y", "x"), "channel_names": ["a"]}, r"channel_names: expected 2 names"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], match: str) -> None:
    """Bad dims, scales, translations and orientations name the argument and the value."""
    with pytest.raises(NgffValueError, match=match):
        ngffkit.to_ngff_image(np.zeros((2, 2, 2)), **kwargs)  # type: ignore[arg-type]


def test_not_an_array() -> None:
    """Something that is not an array is a type error."""
    with pytest.raises(NgffTypeError, match="numpy, dask, xarray or zarr"):
        ngffkit.to_ngff_image(object())


def test_label_needs_integers() -> None:
    """Label images need integer pixels."""
    with pytest.raises(NgffValueError, match="integer"):
        ngffkit.to_ngff_image(np.zeros((2, 2), "f4"), is_label=True)


def test_orientation_and_custom_axis() -> None:
    """RFC-4 orientations sit on space axes; a custom axis gets its type from axes_types."""
    img = ngffkit.to_ngff_image(
        np.zeros((2, 3, 4)),
        dims=("angle", "y", "x"),
        axes_types={"angle": "angle"},
        axes_orientations={"x": "left-to-right"},
    )
    axes = {a.name: a for a in img.axes()}
    assert axes["angle"].type == "angle"
    assert axes["x"].orientation == "left-to-right"


def test_xarray_channel_coordinate_names_the_channels() -> None:
    """A channel coordinate of strings (DAPI, GFP) becomes the channel names, not channel_0/1."""
    arr = xr.DataArray(
        np.zeros((2, 8, 8), "u2"),
        dims=("c", "y", "x"),
        coords={"c": ["DAPI", "GFP"], "y": ("y", np.arange(8) * 0.5, {"units": "um"})},
    )
    with pytest.warns(NgffUnitWarning):
        img = ngffkit.to_ngff_image(arr)
    assert img.channel_names == ("DAPI", "GFP")
    assert img.axes_units == {"y": "micrometer"}
    assert img.scale["y"] == 0.5
    ms = ngffkit.to_multiscales(img)
    assert ms.omero is not None and ms.omero.labels == ("DAPI", "GFP")


def test_xarray_custom_channel_axis_and_explicit_names_win() -> None:
    """The channel axis is found by its type, and channel_names= overrides the coordinate."""
    arr = xr.DataArray(
        np.zeros((3, 8, 8), "u1"),
        dims=("ch", "y", "x"),
        coords={"ch": ("ch", ["a", "b", "c"], {"axis_type": "channel"})},
    )
    img = ngffkit.to_ngff_image(arr)
    assert img.axes_types["ch"] == "channel" and img.channel_names == ("a", "b", "c")
    assert ngffkit.to_ngff_image(arr, channel_names=["x", "y", "z"]).channel_names == (
        "x",
        "y",
        "z",
    )


@pytest.mark.parametrize(
    ("dims", "shape", "expected"),
    [
        (("y", "x", "c"), (10, 12, 3), ("c", "y", "x")),
        (("z", "c", "y", "x"), (4, 2, 8, 8), ("c", "z", "y", "x")),
        (("x", "y"), (6, 8), ("y", "x")),
        (("z", "t", "c", "y", "x"), (3, 2, 2, 8, 8), ("t", "c", "z", "y", "x")),
    ],
)
def test_dims_in_any_order_are_put_in_spec_order(dims, shape, expected) -> None:
    """Any axis order is transposed lazily to t, c, z, y, x, the names and per-axis values following the data."""
    pixels = np.arange(np.prod(shape), dtype="u2").reshape(shape)
    scale = {d: float(i + 1) for i, d in enumerate(dims)}
    image = to_ngff_image(pixels, dims=dims, scale=[scale[d] for d in dims])
    assert image.dims == expected
    assert image.scale == {d: scale[d] for d in expected}
    order = [dims.index(d) for d in expected]
    np.testing.assert_array_equal(image.data.compute(), pixels.transpose(order))
    ms = to_multiscales(image, scale_factors=[2])  # refused before: "time, then channel ..."
    assert ms.images[0].dims == expected


def test_channel_colors(tmp_path) -> None:
    """channel_colors reach the written omero block; a bad colour or count is refused."""
    image = to_ngff_image(
        np.zeros((2, 8, 8), "u1"), dims="cyx", channel_colors=["#00ff00", "FF0000"]
    )
    assert image.channel_colors == ("00FF00", "FF0000")
    to_ngff_zarr(tmp_path / "c.zarr", to_multiscales(image, scale_factors=[]))
    back = from_ngff_zarr(tmp_path / "c.zarr")
    assert [c.color for c in back.omero.channels] == ["00FF00", "FF0000"]
    with pytest.raises(NgffValueError, match=r"channel_colors\[0\]: expected six hex digits"):
        to_ngff_image(np.zeros((2, 8, 8), "u1"), dims="cyx", channel_colors=["green", "red"])
    with pytest.raises(NgffValueError, match="expected 2 colours"):
        to_ngff_image(np.zeros((2, 8, 8), "u1"), dims="cyx", channel_colors=["00FF00"])


def test_a_numpy_image_is_written_without_importing_xarray(tmp_path) -> None:
    # xarray (with pandas) costs about half a second to import; a numpy user never needs it.
    # Blocking the import (sys.modules[name] = None) makes any use of it fail loudly; dask
    # treats xarray as an optional dependency and carries on without it.
    import subprocess
    import sys

    script = f"""
import sys
sys.modules["xarray"] = None
import numpy as np, ngffkit
image = ngffkit.to_ngff_image(np.arange(4096, dtype="u2").reshape(16, 16, 16), dims=("z", "y", "x"))
ngffkit.to_ngff_zarr({str(tmp_path / "a.zarr")!r}, ngffkit.to_multiscales(image, scale_factors=[2]))
print(ngffkit.from_ngff_zarr({str(tmp_path / "a.zarr")!r}).images[1].shape)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["(8,", "8,", "8)"]
