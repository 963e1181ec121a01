"""Write then read: pixels, geometry, units and metadata survive for every version and method."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

import ngffkit
from tests.conftest import make_array

VERSIONS = ["0.4", "0.5", "0.6"]
SHAPES = [(32, 48), (8, 24, 24), (2, 6, 16, 16), (2, 2, 4, 16, 16)]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{len(s)}d")
@pytest.mark.parametrize("dtype", ["uint8", "uint16", "float32"])
def test_roundtrip(tmp_path, make_image, version, shape, dtype) -> None:
    """2D-5D images of several dtypes read back with the same pixels, scales and units."""
    img = dataclasses.replace(make_image(shape, dtype), translation={"x": 5.0})
    ms = ngffkit.to_multiscales(img, scale_factors=[2], chunks=8)
    ngffkit.to_ngff_zarr(tmp_path / "img.zarr", ms, version=version)
    back = ngffkit.from_ngff_zarr(tmp_path / "img.zarr")
    assert len(back.images) == 2
    for written, read in zip(ms.images, back.images, strict=True):
        assert read.dims == written.dims
        assert read.scale == written.scale
        assert read.translation == written.translation
        assert read.axes_units == written.axes_units
        np.testing.assert_array_equal(read.data.compute(), written.data.compute())
    assert back.metadata.axes == ms.metadata.axes
    assert ngffkit.validate(tmp_path / "img.zarr").ok


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("method", [m.value for m in ngffkit.Methods])
def test_every_method_writes_valid_store(tmp_path, version, method) -> None:
    """Every method writes a store whose levels match the metadata (shape, scale, type)."""
    is_label = method in (
        "mode",
        "nearest",
        "itkwasm_label_image",
        "dask_image_mode",
        "dask_image_nearest",
    )
    data = make_array((12, 20, 20), "uint32" if is_label else "uint16")
    img = ngffkit.to_ngff_image(data, scale={"z": 2.0}, is_label=is_label)
    ms = ngffkit.to_multiscales(img, scale_factors=[2], method=method, chunks=8)
    ngffkit.to_ngff_zarr(tmp_path / "m.zarr", ms, version=version)
    back = ngffkit.from_ngff_zarr(tmp_path / "m.zarr")
    assert back.images[1].shape == (6, 10, 10)
    assert back.metadata.type == ms.metadata.type
    assert ngffkit.validate(tmp_path / "m.zarr").ok


@pytest.mark.parametrize("version", VERSIONS)
def test_labels_roundtrip(tmp_path, make_image, version) -> None:
    """Label images are written under labels/ with image-label metadata, and read back."""
    img = make_image((8, 16, 16))
    ms = ngffkit.to_multiscales(img, scale_factors=[2])
    seg = ngffkit.to_ngff_image(
        make_array((8, 16, 16), "uint32") % 5, dims=img.dims, scale=img.scale, is_label=True
    )
    label = dataclasses.replace(
        ngffkit.to_multiscales(seg, scale_factors=[2]),
        image_label=ngffkit.spec.ImageLabel(
            colors=(ngffkit.spec.LabelColor(label_value=1, rgba=(255, 0, 0, 255)),),
            properties=({"label-value": 1, "class": "nucleus"},),
        ),
    )
    ngffkit.to_ngff_zarr(
        tmp_path / "img.zarr", dataclasses.replace(ms, labels={"cells": label}), version=version
    )
    back = ngffkit.from_ngff_zarr(tmp_path / "img.zarr")
    assert list(back.labels) == ["cells"]
    cells = back.labels["cells"]
    assert cells.image_label is not None
    assert cells.image_label.colors[0].rgba == (255, 0, 0, 255)
    assert cells.image_label.properties[0]["class"] == "nucleus"
    assert cells.images[0].is_label
    np.testing.assert_array_equal(cells.images[0].data.compute(), seg.data.compute())
    assert ngffkit.validate(tmp_path / "img.zarr").ok


def test_label_level_count_must_match(tmp_path, make_image) -> None:
    """A label pyramid with fewer levels than its image is refused before anything is written."""
    img = make_image((8, 16, 16))
    ms = ngffkit.to_multiscales(img, scale_factors=[2])
    seg = ngffkit.to_multiscales(
        ngffkit.to_ngff_image(np.zeros((8, 16, 16), "u4"), is_label=True), scale_factors=[]
    )
    with pytest.raises(ngffkit.NgffValueError, match="as many levels"):
        ngffkit.to_ngff_zarr(tmp_path / "x.zarr", dataclasses.replace(ms, labels={"c": seg}))
    assert not (tmp_path / "x.zarr").exists()


@pytest.mark.parametrize("version", ["0.5", "0.6"])
def test_sharding(tmp_path, make_image, version) -> None:
    """chunks_per_shard writes sharded Zarr v3 arrays with the same pixels."""
    ms = ngffkit.to_multiscales(make_image((16, 32, 32)), scale_factors=[2], chunks=8)
    ngffkit.to_ngff_zarr(tmp_path / "s.zarr", ms, version=version, chunks_per_shard=2)
    meta = json.loads((tmp_path / "s.zarr" / "0" / "zarr.json").read_text())
    assert meta["codecs"][0]["name"] == "sharding_indexed"
    assert meta["chunk_grid"]["configuration"]["chunk_shape"] == [16, 16, 16]
    back = ngffkit.from_ngff_zarr(tmp_path / "s.zarr")
    np.testing.assert_array_equal(back.images[0].data.compute(), ms.images[0].data.compute())


def test_sharding_needs_v3(tmp_path, make_image) -> None:
    """Sharding on OME-NGFF 0.4 (Zarr v2) is a clear error."""
    ms = ngffkit.to_multiscales(make_image((8, 8, 8)), scale_factors=[])
    with pytest.raises(ngffkit.NgffValueError, match="Zarr v3"):
        ngffkit.to_ngff_zarr(tmp_path / "s.zarr", ms, version="0.4", chunks_per_shard=2)


def test_v04_layout(tmp_path, make_image) -> None:
    """0.4 writes Zarr v2 with '/' chunk keys and no zarr.json; 0.5 writes dimension_names."""
    ms = ngffkit.to_multiscales(make_image((8, 16, 16)), scale_factors=[2], chunks=8)
    ngffkit.to_ngff_zarr(tmp_path / "a.zarr", ms, version="0.4")
    zarray = json.loads((tmp_path / "a.zarr" / "0" / ".zarray").read_text())
    assert zarray["dimension_separator"] == "/"
    assert (tmp_path / "a.zarr" / "0" / "0" / "0" / "0").is_file()
    assert not (tmp_path / "a.zarr" / "zarr.json").exists()
    ngffkit.to_ngff_zarr(tmp_path / "b.zarr", ms, version="0.5")
    arr = json.loads((tmp_path / "b.zarr" / "0" / "zarr.json").read_text())
    assert arr["dimension_names"] == ["z", "y", "x"]


def test_unknown_attributes_survive(tmp_path, make_image) -> None:
    """Attributes ngffkit does not know survive read + write."""
    ms = ngffkit.to_multiscales(make_image((8, 8)), scale_factors=[])
    ms = dataclasses.replace(ms, attributes={"my_tool": {"run": 3}})
    ngffkit.to_ngff_zarr(tmp_path / "a.zarr", ms)
    back = ngffkit.from_ngff_zarr(tmp_path / "a.zarr")
    ngffkit.to_ngff_zarr(tmp_path / "b.zarr", back, version="0.4")
    attrs = json.loads((tmp_path / "b.zarr" / ".zattrs").read_text())
    assert attrs["my_tool"] == {"run": 3}


def test_channel_metadata_roundtrip(tmp_path, make_image) -> None:
    """Channel names become omero labels and come back as channel_names."""
    img = make_image((2, 4, 8, 8), channel_names=["DAPI", "GFP"])
    ngffkit.to_ngff_zarr(tmp_path / "c.zarr", ngffkit.to_multiscales(img, scale_factors=[2]))
    back = ngffkit.from_ngff_zarr(tmp_path / "c.zarr")
    assert back.images[0].channel_names == ("DAPI", "GFP")
    assert back.omero is not None and back.omero.channels[0].window is not None


def test_version_conversion(tmp_path, make_image) -> None:
    """Reading a 0.4 store and writing it as 0.5 converts it (pixels copied, metadata translated)."""
    ms = ngffkit.to_multiscales(make_image((8, 16, 16)), scale_factors=[2])
    ngffkit.to_ngff_zarr(tmp_path / "v4.zarr", ms, version="0.4")
    ngffkit.to_ngff_zarr(
        tmp_path / "v5.zarr", ngffkit.from_ngff_zarr(tmp_path / "v4.zarr"), version="0.5"
    )
    assert (
        json.loads((tmp_path / "v5.zarr" / "zarr.json").read_text())["attributes"]["ome"]["version"]
        == "0.5"
    )
    assert ngffkit.validate(tmp_path / "v5.zarr").ok
