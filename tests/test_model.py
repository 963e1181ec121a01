"""NgffImage and Multiscales: frozen values, derived metadata, reprs that never compute."""

from __future__ import annotations

import dataclasses

import dask.array as da
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ngffkit
from ngffkit.errors import NgffValueError


def test_frozen(make_image) -> None:
    """Images are immutable; replace() returns a re-validated copy."""
    img = make_image()
    with pytest.raises(dataclasses.FrozenInstanceError):
        img.name = "other"  # type: ignore[misc]
    with pytest.raises(NgffValueError):
        dataclasses.replace(img, scale={"x": 0.0})


def test_repr_does_not_compute(make_image, raise_if_dask_computes) -> None:
    """repr and the notebook HTML repr summarise without computing pixels."""
    img = make_image((4, 8, 8))
    ms = ngffkit.to_multiscales(img, scale_factors=[2])
    with raise_if_dask_computes():
        text, html_text = repr(img), img._repr_html_()
        ms_text, ms_html = repr(ms), ms._repr_html_()
    assert "4 × 8 × 8" in text and "uint16" in text and "micrometer" in text
    assert "<table>" in html_text and "micrometer" in html_text
    assert "levels=2" in ms_text and "(2, 4, 4)" in ms_text
    assert "<table>" in ms_html


def test_metadata_derived_from_images(make_image) -> None:
    """Without explicit metadata, datasets are derived from the images' scales."""
    img = make_image((4, 8, 8))
    ms = ngffkit.Multiscales(images=(img,))
    assert ms.metadata.paths == ("0",)
    assert ms.metadata.datasets[0].scale == (2.0, 0.5, 0.5)


def test_metadata_must_match_images(make_image) -> None:
    """Metadata that disagrees with the images is refused (metadata always matches the arrays)."""
    ms = ngffkit.to_multiscales(make_image((4, 8, 8)), scale_factors=[2])
    with pytest.raises(NgffValueError, match="differ"):
        dataclasses.replace(
            ms, images=(ms.images[0], dataclasses.replace(ms.images[1], scale={"z": 9.0}))
        )
    with pytest.raises(NgffValueError, match="levels described"):
        dataclasses.replace(ms, images=ms.images[:1])


def test_levels_must_share_dims_and_dtype(make_image) -> None:
    """All levels share dims and dtype."""
    img = make_image((4, 8, 8))
    other = dataclasses.replace(img, data=da.zeros((4, 8, 8), dtype="f4"))
    with pytest.raises(NgffValueError, match="dtype"):
        ngffkit.Multiscales(images=(img, other))


# --- xarray both ways --------------------------------------------------------------------------

_XR_DIMS = st.sampled_from(
    [("y", "x"), ("z", "y", "x"), ("c", "y", "x"), ("t", "c", "z", "y", "x")]
)
_POSITIVE = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False)
_OFFSET = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False)


@given(
    dims=_XR_DIMS,
    data=st.data(),
    unit=st.sampled_from([None, "micrometer", "nanometer"]),
    named=st.booleans(),
)
def test_to_xarray_and_back_is_the_same_image(
    dims: tuple[str, ...], data: st.DataObject, unit: str | None, named: bool
) -> None:
    """to_ngff_image(img.to_xarray()) == img: scale, translation, units, channels, types."""
    shape = tuple(2 if d == "c" else 3 for d in dims)
    scale = {d: data.draw(_POSITIVE) for d in dims if d != "c"}
    translation = {d: data.draw(_OFFSET) for d in dims if d != "c"}
    image = ngffkit.to_ngff_image(
        da.zeros(shape, dtype="u2", chunks=2),
        dims=dims,
        scale=scale,
        translation=translation,
        axes_units=unit,
        channel_names=["DAPI", "GFP"] if named and "c" in dims else None,
        name="cells",
    )
    arr = image.to_xarray()
    assert arr.data is image.data  # lazy: the same dask array, nothing computed
    back = ngffkit.to_ngff_image(arr)
    for field in ("dims", "name", "axes_units", "axes_types", "channel_names", "is_label"):
        assert getattr(back, field) == getattr(image, field), field
    for d in dims:
        assert back.scale[d] == pytest.approx(image.scale[d], rel=1e-9)
        assert back.translation[d] == pytest.approx(image.translation[d], rel=1e-9, abs=1e-9)


def test_to_xarray_keeps_labels_orientations_and_custom_channel_axes() -> None:
    image = ngffkit.to_ngff_image(
        da.zeros((3, 4, 4), dtype="u4", chunks=2),
        dims=("ch", "y", "x"),
        axes_types={"ch": "channel"},
        axes_orientations={"x": "left-to-right"},
        is_label=True,
    )
    arr = image.to_xarray()
    assert arr.attrs["is_label"] is True
    assert arr.coords["ch"].attrs["axis_type"] == "channel"
    assert arr.coords["x"].attrs["orientation"] == "left-to-right"
    back = ngffkit.to_ngff_image(arr)
    assert back.is_label and back.axes_types["ch"] == "channel"
    assert back.axes_orientations == {"x": "left-to-right"}
    assert back.scale["ch"] == 1.0 and back.translation["ch"] == 0.0


def test_to_datatree_has_one_lazy_node_per_level(tmp_path, raise_if_dask_computes) -> None:
    """A written and read pyramid becomes a DataTree whose nodes have each level's coordinates."""
    image = ngffkit.to_ngff_image(
        da.zeros((2, 64, 64), dtype="u2", chunks=32),
        dims=("c", "y", "x"),
        scale={"y": 0.5, "x": 0.5},
        translation={"y": 10.0},
        axes_units="micrometer",
        channel_names=["DAPI", "GFP"],
    )
    ngffkit.to_ngff_zarr(tmp_path / "img.zarr", ngffkit.to_multiscales(image, scale_factors=[2, 4]))
    ms = ngffkit.from_ngff_zarr(tmp_path / "img.zarr")
    with raise_if_dask_computes():
        tree = ms.to_datatree()
    assert sorted(tree.children) == ["0", "1", "2"]
    assert tree.attrs["method"] == ms.method
    for path, level in zip(ms.paths, ms.images, strict=True):
        arr = tree[path][level.name]
        assert arr.shape == level.shape
        assert arr.coords["y"].values.tolist() == pytest.approx(level.coordinates("y").tolist())
        assert arr.coords["y"].values[0] == pytest.approx(level.translation["y"])
        assert arr.coords["c"].values.tolist() == ["DAPI", "GFP"]
        assert arr.coords["x"].attrs["units"] == "micrometer"
    # level 2: pixel centres of 4x4 bins start half a bin in (0.5 * 1.5 past the origin)
    assert tree["2"]["image"].coords["y"].values[0] == pytest.approx(10.0 + 0.5 * 1.5)
