"""The container API: overview, level selection, region reads and writes, consolidate, derive, labels,
channels, creation helpers, bad input, and ngio reading our stores (and us reading ngio's)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import dask.array as da
import numpy as np
import pytest
import zarr

import ngffkit
from ngffkit.container import (
    Image,
    Label,
    OmeZarrContainer,
    PixelSize,
    create_empty_ome_zarr,
    create_ome_zarr_from_array,
    open_ome_zarr_container,
)
from ngffkit.errors import (
    NgffExistsError,
    NgffKeyError,
    NgffReadOnlyError,
    NgffTypeError,
    NgffValueError,
)
from ngffkit.io.write import WriteProgress
from ngffkit.methods import downsample_array

REPO = Path(__file__).resolve().parents[1]
CHANNELS = ["DAPI", "GFP"]


def pixels(shape: tuple[int, ...], dtype: str = "uint16", seed: int = 0) -> np.ndarray:
    """Deterministic, structured pixels."""
    return np.random.default_rng(seed).integers(0, 4000, size=shape).astype(dtype)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under *root* with its bytes: compare before and after to prove nothing changed."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def attrs_of(group_dir: Path) -> dict[str, Any]:
    """Group attributes straight from the JSON file (Zarr v3 or v2)."""
    if (group_dir / "zarr.json").exists():
        return json.loads((group_dir / "zarr.json").read_text()).get("attributes", {})  # type: ignore[no-any-return]
    return json.loads((group_dir / ".zattrs").read_text())  # type: ignore[no-any-return]


def write_attrs(group_dir: Path, attrs: dict[str, Any]) -> None:
    """Replace group attributes in the JSON file (Zarr v3 or v2), as another tool would."""
    if (group_dir / "zarr.json").exists():
        doc = json.loads((group_dir / "zarr.json").read_text())
        doc["attributes"] = attrs
        (group_dir / "zarr.json").write_text(json.dumps(doc))
    else:
        (group_dir / ".zattrs").write_text(json.dumps(attrs))


@pytest.fixture
def czyx(tmp_path: Path) -> Callable[..., tuple[Path, np.ndarray]]:
    """Factory: a written c, z, y, x image (2 x 4 x 64 x 64, 3 levels) with a 'nuclei' label; (path, pixels)."""

    def make(version: str = "0.5", name: str = "img.zarr") -> tuple[Path, np.ndarray]:
        path = tmp_path / name
        array = pixels((2, 4, 64, 64))
        c = create_ome_zarr_from_array(
            path,
            array,
            pixelsize=0.5,
            z_spacing=2.0,
            levels=3,
            channel_labels=CHANNELS,
            version=version,
        )
        label = c.derive_label("nuclei")
        label.set_array((array[0] > 3000).astype("uint32")).consolidate()
        return path, array

    return make


# ----------------------------------------------------------------------------- overview


@pytest.mark.parametrize(
    ("axes", "shape", "flags"),
    [
        (
            "yx",
            (32, 32),
            {"is_2d": True, "is_3d": False, "is_time_series": False, "is_multi_channels": False},
        ),
        (
            "zyx",
            (4, 32, 32),
            {"is_2d": False, "is_3d": True, "is_time_series": False, "is_multi_channels": False},
        ),
        (
            "czyx",
            (3, 1, 32, 32),
            {"is_2d": True, "is_3d": False, "is_time_series": False, "is_multi_channels": True},
        ),
        (
            "tczyx",
            (2, 1, 4, 32, 32),
            {"is_2d": False, "is_3d": True, "is_time_series": True, "is_multi_channels": False},
        ),
        (
            "tyx",
            (5, 32, 32),
            {"is_2d": True, "is_3d": False, "is_time_series": True, "is_multi_channels": False},
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_overview_flags(
    tmp_path: Path, axes: str, shape: tuple[int, ...], flags: dict[str, bool]
) -> None:
    """is_2d / is_3d / is_time_series / is_multi_channels follow ngio's rules (size-1 z is 2-D)."""
    c = create_empty_ome_zarr(tmp_path / "e.zarr", shape, pixelsize=1.0, axes_names=axes, levels=2)
    assert {k: getattr(c, k) for k in flags} == flags
    assert {k: getattr(c.get_image(), k) for k in flags} == flags


def test_axis_questions_are_about_the_handles_level(tmp_path: Path) -> None:
    """A container answers about its highest resolution, an Image or Label about its own level."""
    c = create_empty_ome_zarr(
        tmp_path / "e.zarr", (2, 32, 32), pixelsize=0.5, axes_names="cyx", levels=3
    )
    low = c.get_image(lowest=True)
    label = c.derive_label("cells")
    label_low = c.get_label("cells", lowest=True)
    assert (c.dimensions.as_dict(), c.pixel_size.x) == ({"c": 2, "y": 32, "x": 32}, 0.5)
    assert (low.dimensions.as_dict(), low.pixel_size.x) == ({"c": 2, "y": 8, "x": 8}, 2.0)
    assert (label.axes_names, label_low.dimensions.as_dict(), label_low.pixel_size.x) == (
        ("y", "x"),
        {"y": 8, "x": 8},
        2.0,
    )
    assert {c.space_unit, low.space_unit, label_low.space_unit} == {"micrometer"}
    assert (c.num_channels, low.num_channels, low.get_channel_idx("channel_1")) == (2, 2, 1)
    assert not label.is_multi_channels and c.is_multi_channels and low.has_axis("c")


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_overview_repr_and_both_spellings(czyx: Any, version: str) -> None:
    """print(container) shows levels, paths, shapes, pixel sizes, channels, labels, tables and version;
    ngio 0.4 and 1.x spellings give the same answers."""
    path, _ = czyx(version)
    zarr.open_group(path / "tables", mode="a").attrs["tables"] = ["FOV_ROI_table"]
    c = open_ome_zarr_container(path)
    text = str(c)
    for fragment in (
        f"OME-NGFF {version}, writable",
        "3 (paths 0, 1, 2)",
        "2 x 4 x 64 x 64, pixel size z=2 y=0.5 x=0.5 micrometer",
        "2 x 4 x 16 x 16, pixel size z=2 y=2 x=2 micrometer",
        "DAPI, GFP",
        "labels    nuclei",
        "tables    FOV_ROI_table",
    ):
        assert fragment in text, text
    assert repr(c) == text
    assert c.levels == 3
    assert c.levels_paths == c.level_paths == ["0", "1", "2"]
    assert c.image_meta == c.meta
    assert c.image_meta.channels_meta.channel_labels == ("DAPI", "GFP")
    assert c.meta.levels_paths == c.meta.level_paths == ("0", "1", "2")
    assert c.channel_labels == CHANNELS
    assert c.list_tables() == ["FOV_ROI_table"]
    assert "Image(path='0'" in repr(c.get_image()) and "channels DAPI, GFP" in repr(c.get_image())
    assert "Label('nuclei'" in repr(c.get_label("nuclei"))


def test_open_and_explore_are_lazy(czyx: Any, raise_if_dask_computes: Any) -> None:
    """Opening, printing, choosing levels and dask reads compute no pixels."""
    path, _ = czyx()
    with raise_if_dask_computes():
        c = open_ome_zarr_container(path)
        str(c)
        img = c.get_image(pixel_size=1.0)
        repr(img)
        lazy = img.get_array(mode="dask", c="GFP")
        lazy_x = img.get_array(mode="xarray", z=slice(0, 2))
        label = c.get_label("nuclei", lowest=True)
        label.get_array(mode="dask")
    assert lazy.shape == (4, 32, 32) and lazy_x.dims == ("c", "z", "y", "x")


def test_handles_are_frozen_and_writes_return_new_ones(czyx: Any) -> None:
    """Handles cannot be mutated; a metadata write returns a new container and leaves the old one as read."""
    path, _ = czyx()
    c = open_ome_zarr_container(path, mode="r+")
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.mode = "r"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.get_image().path = "1"  # type: ignore[misc]
    renamed = c.set_channel_labels(["A", "B"])
    assert renamed is not c and isinstance(renamed, OmeZarrContainer)
    assert renamed.channel_labels == ["A", "B"] and c.channel_labels == CHANNELS
    assert c.refresh().channel_labels == ["A", "B"]


# ----------------------------------------------------------------------------- levels


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({}, "0"),
        ({"path": "2"}, "2"),
        ({"lowest": True}, "2"),
        ({"pixel_size": 1.0}, "1"),
        ({"pixel_size": 1.2}, "1"),
        ({"pixel_size": (2.0, 2.0, 2.0)}, "2"),
        ({"pixel_size": {"x": 0.5, "y": 0.5}}, "0"),
        ({"pixel_size": PixelSize(x=1.0, y=1.0, z=2.0), "strict": True}, "1"),
    ],
    ids=["default", "path", "lowest", "nearest", "nearest-rounded", "zyx", "mapping", "strict"],
)
def test_get_image_selects_level(czyx: Any, kwargs: dict[str, Any], path: str) -> None:
    """get_image picks the level by path, nearest pixel size, exact pixel size or lowest."""
    c = open_ome_zarr_container(czyx()[0])
    img = c.get_image(**kwargs)
    assert isinstance(img, Image) and img.path == path
    label = c.get_label("nuclei", **kwargs)
    assert isinstance(label, Label) and label.path == path


def test_image_handle_describes_its_level(czyx: Any) -> None:
    """shape, dtype, dimensions, pixel_size and chunks describe the chosen level."""
    c = open_ome_zarr_container(czyx()[0])
    img = c.get_image(path="1")
    assert img.shape == (2, 4, 32, 32) and img.dtype == np.dtype("uint16")
    assert img.dimensions.as_dict() == {"c": 2, "z": 4, "y": 32, "x": 32}
    assert img.dimensions.get("t") is None and img.dimensions["x"] == 32
    assert (img.pixel_size.x, img.pixel_size.y, img.pixel_size.z, img.pixel_size.t) == (
        1.0,
        1.0,
        2.0,
        1.0,
    )
    assert img.pixel_size.unit == "micrometer"
    assert img.channel_labels == ("DAPI", "GFP") and img.get_channel_idx("GFP") == 1
    label = c.get_label("nuclei")
    assert (
        label.shape == (4, 64, 64) and label.dtype == np.dtype("uint32") and label.name == "nuclei"
    )


# ----------------------------------------------------------------------------- reads


@pytest.mark.parametrize(
    ("slices", "expected"),
    [
        ({}, lambda a: a),
        ({"x": slice(0, 10), "z": 3}, lambda a: a[:, 3, :, 0:10]),
        ({"c": "GFP", "y": 5}, lambda a: a[1, :, 5, :]),
        ({"c": 0, "z": slice(1, 4, 2)}, lambda a: a[0, 1:4:2]),
        ({"x": slice(-8, None), "y": -1}, lambda a: a[:, :, -1, -8:]),
        ({"z": [0, 2], "x": [1, 5, 63]}, lambda a: a[:, [0, 2]][..., [1, 5, 63]]),
        ({"c": ["GFP", "DAPI"], "z": 0}, lambda a: a[[1, 0], 0]),
    ],
    ids=["whole", "slice+int", "channel-label", "step", "negative", "lists", "channel-list"],
)
def test_pixel_selection_reads(
    czyx: Any, slices: dict[str, Any], expected: Callable[[np.ndarray], np.ndarray]
) -> None:
    """get_array(**slices) returns exactly the numpy selection of the written pixels, in every mode."""
    path, array = czyx()
    img = open_ome_zarr_container(path).get_image()
    want = expected(array)
    np.testing.assert_array_equal(img.get_array(**slices), want)
    np.testing.assert_array_equal(img.get_array(mode="dask", **slices).compute(), want)
    np.testing.assert_array_equal(img.get_array(mode="xarray", **slices).values, want)


def test_xarray_mode_has_physical_coordinates(czyx: Any) -> None:
    """mode='xarray' gives named dims, pixel-centre coordinates with units and channel labels."""
    img = open_ome_zarr_container(czyx()[0]).get_image(path="1")
    xa = img.get_array(mode="xarray", x=slice(0, 3), z=1)
    assert xa.dims == ("c", "y", "x")
    assert list(xa.coords["c"].values) == CHANNELS
    np.testing.assert_allclose(xa.coords["x"].values, [0.25, 1.25, 2.25])
    assert xa.coords["x"].attrs["units"] == "micrometer"


def test_axes_order(czyx: Any) -> None:
    """axes_order transposes reads and describes the patch of writes."""
    path, array = czyx()
    c = open_ome_zarr_container(path, mode="r+")
    img = c.get_image()
    yxc = img.get_array(axes_order=["y", "x", "c"], z=0)
    np.testing.assert_array_equal(yxc, np.moveaxis(array[:, 0], 0, -1))
    img.set_array(np.zeros((64, 64, 2), "uint16"), axes_order=["y", "x", "c"], z=0)
    assert int(img.get_array(z=0).sum()) == 0


@pytest.mark.parametrize(
    ("path", "ranges", "pixel_slices"),
    [
        ("0", {"x": (0.0, 5.0)}, {"x": slice(0, 10)}),
        ("1", {"x": (0.0, 5.0)}, {"x": slice(0, 5)}),
        ("0", {"x": (2.0, 4.0), "y": (0.0, 1.0)}, {"x": slice(4, 8), "y": slice(0, 2)}),
        ("1", {"x": (2.0, 4.0)}, {"x": slice(2, 4)}),
        ("0", {"x": 4.0}, {"x": 8}),
        ("1", {"x": 4.0}, {"x": 4}),
        ("0", {"x": (None, 1.0)}, {"x": slice(0, 2)}),
        ("1", {"x": (31.0, None)}, {"x": slice(31, 32)}),
        ("0", {"x": (0.0, 32.0), "y": slice(0.0, 32.0)}, {"x": slice(0, 64), "y": slice(0, 64)}),
        ("0", {"z": (0.0, 4.0), "c": "GFP"}, {"z": slice(0, 2), "c": "GFP"}),
        ("2", {"z": 6.0, "x": (0.0, 8.0)}, {"z": 3, "x": slice(0, 4)}),
    ],
    ids=[
        "l0",
        "l1-same-region",
        "l0-xy",
        "l1-inner",
        "point-l0",
        "point-l1",
        "open-start",
        "open-end",
        "whole-corner-view",
        "z-and-channel",
        "l2",
    ],
)
def test_physical_roi_reads(
    czyx: Any, path: str, ranges: dict[str, Any], pixel_slices: dict[str, Any]
) -> None:
    """get_roi selects the pixels whose centres lie in [start, stop) micrometers: the same region at every level."""
    c = open_ome_zarr_container(czyx()[0])
    img = c.get_image(path=path)
    assert img.roi_slices(**ranges) == pixel_slices
    np.testing.assert_array_equal(img.get_roi(**ranges), img.get_array(**pixel_slices))
    np.testing.assert_array_equal(img.get_roi(roi=ranges), img.get_array(**pixel_slices))


def test_physical_roi_matches_across_levels(czyx: Any) -> None:
    """A region in micrometers at level 1 is the downsampled region at level 0 (same physical frame)."""
    c = open_ome_zarr_container(czyx()[0])
    fine = c.get_image().get_roi(x=(4.0, 12.0), y=(2.0, 10.0), c="DAPI", z=0.0)
    coarse = c.get_image(path="1").get_roi(x=(4.0, 12.0), y=(2.0, 10.0), c="DAPI", z=0.0)
    np.testing.assert_array_equal(downsample_array(fine, (2, 2), "mean"), coarse)


# ----------------------------------------------------------------------------- writes


@pytest.mark.parametrize(
    ("how", "region"),
    [
        ("pixel", {"x": slice(10, 20), "y": slice(0, 5), "z": 3, "c": "GFP"}),
        (
            "pixel-kept-axes",
            {"x": slice(10, 20), "y": slice(0, 5), "z": slice(3, 4), "c": slice(1, 2)},
        ),
        ("physical", {"x": (5.0, 10.0), "y": (0.0, 2.5), "z": 6.0, "c": "GFP"}),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_region_writes(czyx: Any, how: str, region: dict[str, Any], version: str) -> None:
    """set_array / set_roi change exactly the region (c=1, z=3, y 0-5, x 10-20) and nothing else."""
    path, array = czyx(version)
    img = open_ome_zarr_container(path, mode="r+").get_image()
    patch = np.full((5, 10), 7, dtype="uint16")
    if how == "physical":
        img.set_roi(patch, **region)
    else:
        img.set_array(patch.reshape(img.get_array(mode="dask", **region).shape), **region)
    expected = array.copy()
    expected[1, 3, 0:5, 10:20] = 7
    np.testing.assert_array_equal(open_ome_zarr_container(path).get_image().get_array(), expected)


@pytest.mark.parametrize(
    "patch",
    [
        np.full((4, 8), 9, dtype="uint8"),  # safe cast into uint16
        da.full((4, 8), 9, dtype="uint16", chunks=(3, 5)),  # dask, chunks not aligned to storage
        np.full((1, 4, 8), 9, dtype="uint16"),  # the int-selected axis kept as size 1
    ],
    ids=["uint8-into-uint16", "dask", "kept-axis"],
)
def test_set_array_accepts(czyx: Any, patch: Any) -> None:
    """Safe dtypes, dask patches and the int-selected axis kept with size 1 are all accepted."""
    path, array = czyx()
    img = open_ome_zarr_container(path, mode="r+").get_image()
    img.set_array(patch, c=0, z=slice(2, 3) if patch.ndim == 3 else 2, y=slice(0, 4), x=slice(0, 8))
    got = img.get_array()
    assert (got[0, 2, :4, :8] == 9).all()
    got[0, 2, :4, :8] = array[0, 2, :4, :8]
    np.testing.assert_array_equal(got, array)


@pytest.mark.parametrize("shift", [4, -4, 20])
def test_set_array_from_its_own_pixels(tmp_path: Path, shift: int) -> None:
    """A dask patch read from the level it is written to (a shifted copy across chunks) is read whole first."""
    array = pixels((64, 64))
    img = create_ome_zarr_from_array(
        tmp_path / "a.zarr", array, pixelsize=1.0, levels=1, chunks=16
    ).get_image()
    src, dst = (
        (slice(0, 64 - shift), slice(shift, 64))
        if shift > 0
        else (slice(-shift, 64), slice(0, 64 + shift))
    )
    img.set_array(img.get_array(mode="dask", x=src), x=dst)
    expected = array.copy()
    expected[:, dst] = array[:, src]
    np.testing.assert_array_equal(img.get_array(), expected)


@pytest.mark.parametrize(
    ("kind", "method"),
    [("image", "mean"), ("label", "mode")],
)
@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_consolidate_recomputes_lower_levels(
    czyx: Any, kind: str, method: str, version: str
) -> None:
    """After writing level 0, consolidate makes each level the downsampled level above it (labels: label-safe)."""
    path, _ = czyx(version)
    c = open_ome_zarr_container(path, mode="r+")
    handle: Image | Label = c.get_image() if kind == "image" else c.get_label("nuclei")
    new = pixels(handle.shape, str(handle.dtype), seed=7) % (5 if kind == "label" else 4000)
    handle.set_array(new.astype(handle.dtype)).consolidate()
    spatial = (1, 2, 2) if kind == "label" else (1, 1, 2, 2)
    reread = open_ome_zarr_container(path)
    levels = [
        (
            reread.get_image(path=p) if kind == "image" else reread.get_label("nuclei", path=p)
        ).get_array()
        for p in ("0", "1", "2")
    ]
    np.testing.assert_array_equal(levels[0], new)
    np.testing.assert_array_equal(levels[1], downsample_array(levels[0], spatial, method))
    np.testing.assert_array_equal(levels[2], downsample_array(levels[1], spatial, method))
    if kind == "label":
        assert set(np.unique(levels[2])) <= set(np.unique(new))


@pytest.mark.parametrize("kind", ["image", "label"])
def test_consolidate_streams_through_the_writer(tmp_path: Path, kind: str) -> None:
    """Sharded levels written whole under a tiny memory budget, one progress bar per level,
    label background left unstored: consolidate goes through to_ngff_zarr's writer."""
    array = pixels((64, 128, 128), "uint16", seed=3)
    image = ngffkit.to_ngff_image(array, dims=("z", "y", "x"))
    ms = ngffkit.to_multiscales(image, scale_factors=[2, 4], chunks=16)
    if kind == "label":
        label = ngffkit.to_ngff_image(np.zeros(array.shape, "uint32"), is_label=True)
        ms = dataclasses.replace(
            ms, labels={"cells": ngffkit.to_multiscales(label, scale_factors=[2, 4], chunks=16)}
        )
    ngffkit.to_ngff_zarr(tmp_path / "img.zarr", ms, chunks_per_shard=2)
    c = open_ome_zarr_container(tmp_path / "img.zarr", mode="r+")
    handle: Image | Label = c.get_image() if kind == "image" else c.get_label("cells")
    new = np.zeros(handle.shape, handle.dtype)
    new[:16, :32, :32] = 7  # one corner: the rest stays background for labels
    handle.set_array(new)
    bars: list[tuple[str, int]] = []

    class Recording(WriteProgress):
        def __init__(self, enabled: bool | None, levels: Any, **kw: Any) -> None:
            bars.extend(levels)
            super().__init__(enabled, levels, **kw)

    with mock.patch("ngffkit.io.write.WriteProgress", Recording):
        handle.consolidate(memory_limit="1 MiB", progress=False)
    assert [name for name, _ in bars] == ["level 1", "level 2"]
    root = tmp_path / "img.zarr" / ("" if kind == "image" else "labels/cells")
    for path, factor in (("1", 2), ("2", 4)):
        stored = zarr.open_array(root / path, mode="r")
        expected = downsample_array(new, (factor,) * 3, "mean" if kind == "image" else "mode")
        np.testing.assert_array_equal(stored[:], expected)
        shard_files = sorted((root / path / "c").rglob("*"))
        shard_files = [f for f in shard_files if f.is_file()]
        if kind == "label":
            assert len(shard_files) == 1  # only the corner's shard: background is not stored
        else:
            assert len(shard_files) == math.prod(
                -(-n // s) for n, s in zip(stored.shape, stored.shards, strict=True)
            )
    assert ngffkit.validate(tmp_path / "img.zarr", chunks=True).ok


# ----------------------------------------------------------------------------- labels


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_labels_round_trip_with_colors_and_properties(czyx: Any, version: str) -> None:
    """derive_label adds a label next to the existing ones; colours and properties survive a reopen."""
    path, array = czyx(version)
    c = open_ome_zarr_container(path, mode="r+")
    cells = c.derive_label("cells", dtype="uint16", colors={1: "FF0000", 2: (0, 255, 0, 128)})
    cells = cells.set_properties({1: {"class": "big"}, 2: {"class": "small", "area": 3}})
    cells.set_array(np.ones((4, 64, 64), "uint16"))
    assert c.list_labels() == ["nuclei", "cells"]
    back = open_ome_zarr_container(path).get_label("cells")
    assert back.colors == {1: (255, 0, 0, 255), 2: (0, 255, 0, 128)}
    assert back.properties == {1: {"class": "big"}, 2: {"class": "small", "area": 3}}
    assert back.image_label.source == "../../"
    assert back.meta.levels == 3
    assert back.pixel_size == PixelSize(
        x=0.5, y=0.5, z=2.0, space_unit="micrometer", time_unit=None
    )
    assert int(back.get_array().sum()) == 4 * 64 * 64
    nuclei = open_ome_zarr_container(path).get_label("nuclei")
    np.testing.assert_array_equal(nuclei.get_array(), (array[0] > 3000).astype("uint32"))


def test_derive_label_overwrite(czyx: Any) -> None:
    """derive_label(overwrite=True) replaces a label's pixels without listing it twice."""
    path, _ = czyx()
    c = open_ome_zarr_container(path, mode="r+")
    again = c.derive_label("nuclei", overwrite=True)
    assert int(again.get_array().sum()) == 0
    assert c.list_labels() == ["nuclei"]


# ----------------------------------------------------------------------------- metadata writes keep the rest


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_metadata_writes_keep_labels_tables_and_unknown_keys(czyx: Any, version: str) -> None:
    """Channel edits, label colours and new labels merge into the stored attributes: nothing else is dropped."""
    path, _ = czyx(version)
    tables = zarr.open_group(path / "tables", mode="a")
    tables.attrs["tables"] = ["FOV_ROI_table"]
    attrs = attrs_of(path)
    attrs["fractal"] = {"kept": True}
    if version == "0.5":
        attrs["ome"]["omero"]["channels"][0]["wavelength_id"] = "A01_C01"
        attrs["ome"]["x-tool"] = 1
    else:
        attrs["omero"]["channels"][0]["wavelength_id"] = "A01_C01"
    write_attrs(path, attrs)
    labels_attrs = attrs_of(path / "labels")
    labels_attrs["x-note"] = "kept"
    write_attrs(path / "labels", labels_attrs)

    c = open_ome_zarr_container(path, mode="r+")
    c = c.set_channel_labels(["A", "B"]).set_channel_colors(["red", "#00ff00"])
    c = c.set_channel_windows([(10, 100), (20, 200)])
    c.derive_label("cells")
    c.get_label("nuclei").set_colors({1: "0000FF"})

    after = attrs_of(path)
    assert after["fractal"] == {"kept": True}
    ome = after["ome"] if version == "0.5" else after
    if version == "0.5":
        assert ome["x-tool"] == 1
    assert ome["omero"]["channels"][0]["wavelength_id"] == "A01_C01"
    assert [ch["label"] for ch in ome["omero"]["channels"]] == ["A", "B"]
    assert [ch["color"] for ch in ome["omero"]["channels"]] == ["FF0000", "00FF00"]
    assert [(ch["window"]["start"], ch["window"]["end"]) for ch in ome["omero"]["channels"]] == [
        (10, 100),
        (20, 200),
    ]
    assert attrs_of(path / "tables") == {"tables": ["FOV_ROI_table"]}
    assert attrs_of(path / "labels")["x-note"] == "kept"
    reread = open_ome_zarr_container(path)
    assert reread.list_labels() == ["nuclei", "cells"] and reread.list_tables() == ["FOV_ROI_table"]
    assert reread.get_label("nuclei").colors == {1: (0, 0, 255, 255)}
    assert reread.wavelength_ids == ["A01_C01", None]


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_omero_without_window_is_filled(czyx: Any, version: str) -> None:
    """A channel without 'window' (common, not spec-valid) reads with the dtype's range; an edit writes it whole."""
    path, _ = czyx(version)
    attrs = attrs_of(path)
    ome = attrs["ome"] if version == "0.5" else attrs
    for ch in ome["omero"]["channels"]:
        del ch["window"]
    del ome["omero"]["channels"][1]["label"]
    write_attrs(path, attrs)
    c = open_ome_zarr_container(path, mode="r+")
    assert c.channels_meta.channel_windows == ((0.0, 65535.0), (0.0, 65535.0))
    assert c.channel_labels == ["DAPI", "channel_1"]
    c.set_channel_labels(["DAPI", "GFP"])
    written = (attrs_of(path)["ome"] if version == "0.5" else attrs_of(path))["omero"]["channels"]
    assert [ch["window"]["end"] for ch in written] == [65535.0, 65535.0]


def test_percentile_windows(tmp_path: Path) -> None:
    """create_ome_zarr_from_array sets each channel's window to the (0.1, 99.9) percentiles by default."""
    ramp = np.stack(
        [np.arange(4096, dtype="uint16").reshape(64, 64), np.full((64, 64), 7, "uint16")]
    )
    c = create_ome_zarr_from_array(
        tmp_path / "p.zarr", ramp, pixelsize=1.0, axes_names="cyx", levels=1
    )
    (s0, e0), (s1, e1) = c.channels_meta.channel_windows
    assert s0 == pytest.approx(np.percentile(ramp[0], 0.1)) and e0 == pytest.approx(
        np.percentile(ramp[0], 99.9)
    )
    assert (s1, e1) == (7.0, 7.0)
    assert c.channels_meta.channels[0].window.max == 65535.0


# ----------------------------------------------------------------------------- create and derive


@pytest.mark.parametrize(
    ("kwargs", "version"),
    [
        ({}, "0.5"),
        ({"version": "0.4"}, "0.4"),
        ({"ngff_version": "0.4"}, "0.4"),
        ({"version": "0.6"}, "0.6"),
    ],
    ids=["default", "version", "ngff_version", "0.6"],
)
def test_create_versions(tmp_path: Path, kwargs: dict[str, Any], version: str) -> None:
    """The creation helpers write 0.5 by default; version= and ngio's ngff_version= choose another."""
    c = create_ome_zarr_from_array(
        tmp_path / "a.zarr", pixels((16, 32, 32)), xy_pixelsize=0.65, **kwargs
    )
    assert c.version == version and open_ome_zarr_container(tmp_path / "a.zarr").version == version
    assert c.levels == 5 and c.pixel_size.zyx == (1.0, 0.65, 0.65)


@pytest.mark.parametrize("spelling", ["pixelsize", "xy_pixelsize"])
def test_create_from_array_options(tmp_path: Path, spelling: str) -> None:
    """Both pixel-size spellings, levels, scaling factors, axes names, channel labels and colours, name, chunks."""
    array = pixels((2, 8, 64, 64))
    c = create_ome_zarr_from_array(
        tmp_path / "a.zarr",
        array,
        **{spelling: (0.4, 0.5)},
        z_spacing=3.0,
        levels=2,
        xy_scaling_factor=4,
        z_scaling_factor=2,
        axes_names=["c", "z", "y", "x"],
        channel_labels=["A", "B"],
        channel_colors=["red", "00FF00"],
        name="cells",
        chunks=16,
    )
    img = c.get_image(path="1")
    assert img.shape == (2, 4, 16, 16) and img.pixel_size.zyx == (6.0, 1.6, 2.0)
    assert c.meta.name == "cells" and c.channel_labels == ["A", "B"]
    assert c.channels_meta.channel_colors == ("FF0000", "00FF00")
    assert c.get_image().chunks == (1, 8, 16, 16)
    np.testing.assert_array_equal(c.get_image().get_array(), array)


def test_create_empty_writes_no_chunks(tmp_path: Path) -> None:
    """create_empty_ome_zarr writes metadata only: zarr skips chunks equal to the fill value."""
    c = create_empty_ome_zarr(
        tmp_path / "e.zarr", (16, 128, 128), xy_pixelsize=0.65, z_spacing=1.0, dtype="uint8"
    )
    files = {p.name for p in (tmp_path / "e.zarr").rglob("*") if p.is_file()}
    assert files == {"zarr.json"}
    assert c.get_image().dtype == np.dtype("uint8") and c.get_image(lowest=True).shape == (16, 8, 8)
    assert int(c.get_image().get_array().max()) == 0


@pytest.mark.parametrize(
    ("kwargs", "shape", "zyx"),
    [
        ({}, (2, 4, 64, 64), (2.0, 0.5, 0.5)),
        (
            {"shape": (16, 128, 128), "xy_pixelsize": 0.65, "z_spacing": 1.0},
            (2, 16, 128, 128),
            (1.0, 0.65, 0.65),
        ),
        ({"shape": (2, 8, 32, 32), "pixelsize": 1.0}, (2, 8, 32, 32), (2.0, 1.0, 1.0)),
        ({"shape": {"x": 16}, "pixelsize": (0.5, 2.0)}, (2, 4, 64, 16), (2.0, 0.5, 2.0)),
        ({"shape": (3, 4, 64, 64)}, (3, 4, 64, 64), (2.0, 0.5, 0.5)),
    ],
    ids=["same", "seed-spelling", "ngio-1x-spelling", "mapping", "more-channels"],
)
def test_derive_image(
    czyx: Any, tmp_path: Path, kwargs: dict[str, Any], shape: tuple[int, ...], zyx: Any
) -> None:
    """derive_image makes an empty image with the source's axes, channels and pyramid, and the changes asked for."""
    path, _ = czyx("0.4")
    source = open_ome_zarr_container(path)
    new = source.derive_image(tmp_path / "new.zarr", overwrite=True, **kwargs)
    assert new.version == "0.4" and new.mode == "r+"
    assert new.get_image().shape == shape and new.pixel_size.zyx == zyx
    assert new.levels == 3 and new.pixel_size.unit == "micrometer"
    assert new.channel_labels == (
        CHANNELS if shape[0] == 2 else ["channel_0", "channel_1", "channel_2"]
    )
    assert int(new.get_image().get_array().max()) == 0
    assert new.list_labels() == []


def test_derive_image_with_labels(czyx: Any, tmp_path: Path) -> None:
    """derive_image creates empty labels by name, or copies the source's labels with copy_labels=True."""
    path, array = czyx()
    source = open_ome_zarr_container(path)
    made = source.derive_image(tmp_path / "a.zarr", labels=["cells"], version="0.4", dtype="uint8")
    assert made.list_labels() == ["cells"] and made.get_label("cells").shape == (4, 64, 64)
    assert made.get_image().dtype == np.dtype("uint8") and made.channels_meta.channel_windows[
        0
    ] == (0.0, 255.0)
    copied = source.derive_image(tmp_path / "b.zarr", copy_labels=True)
    np.testing.assert_array_equal(
        copied.get_label("nuclei").get_array(), (array[0] > 3000).astype("uint32")
    )


# ----------------------------------------------------------------------------- bad input


def _img(c: OmeZarrContainer) -> Image:
    return c.get_image()


BAD_INPUT: list[tuple[str, str, Callable[[OmeZarrContainer], object], type[Exception], str]] = [
    (
        "unknown-label",
        "r+",
        lambda c: c.get_label("cells"),
        NgffKeyError,
        "not among the labels of",
    ),
    (
        "unknown-level",
        "r",
        lambda c: c.get_image(path="7"),
        NgffKeyError,
        "the levels are ['0', '1', '2']",
    ),
    (
        "strict-pixel-size",
        "r",
        lambda c: c.get_image(pixel_size=0.7, strict=True),
        NgffValueError,
        "no level has exactly",
    ),
    (
        "oob-read",
        "r",
        lambda c: _img(c).get_array(x=slice(0, 65)),
        NgffValueError,
        "stop 65 is past the end of axis 'x' (size 64)",
    ),
    (
        "oob-index",
        "r",
        lambda c: _img(c).get_array(z=4),
        NgffValueError,
        "index 4 is out of bounds for axis 'z' of size 4",
    ),
    (
        "oob-physical",
        "r",
        lambda c: _img(c).get_roi(x=(0.0, 40.0)),
        NgffValueError,
        "reaches outside the image; axis 'x' covers -0.25 to 31.75 micrometer",
    ),
    (
        "unknown-axis",
        "r",
        lambda c: _img(c).get_array(w=0),
        NgffValueError,
        "axes ['w'] are not among the image's axes",
    ),
    (
        "float-index",
        "r",
        lambda c: _img(c).get_array(x=1.5),
        NgffTypeError,
        "for physical units use get_roi",
    ),
    (
        "unknown-channel",
        "r",
        lambda c: _img(c).get_array(c="RFP"),
        NgffValueError,
        "no channel labelled 'RFP'",
    ),
    (
        "oob-write",
        "r+",
        lambda c: _img(c).set_array(np.zeros((2, 4, 64, 10), "uint16"), x=slice(60, 70)),
        NgffValueError,
        "stop 70 is past the end",
    ),
    (
        "wrong-dtype",
        "r+",
        lambda c: _img(c).set_array(np.zeros((64, 64)), c=0, z=0),
        NgffValueError,
        "expected pixels of dtype uint16 (or a type that casts safely to it), got float64",
    ),
    (
        "wrong-int-dtype",
        "r+",
        lambda c: _img(c).set_array(np.zeros((64, 64), "int64"), c=0, z=0),
        NgffValueError,
        "got int64",
    ),
    (
        "wrong-shape",
        "r+",
        lambda c: _img(c).set_array(np.zeros((64, 63), "uint16"), c=0, z=0),
        NgffValueError,
        "expected shape (64, 64) (axes y, x) or (1, 1, 64, 64)",
    ),
    (
        "label-wrong-shape",
        "r+",
        lambda c: c.get_label("nuclei").set_array(np.zeros((64, 64), "uint32")),
        NgffValueError,
        "expected shape (4, 64, 64)",
    ),
    (
        "read-only-set-array",
        "r",
        lambda c: _img(c).set_array(np.zeros((64, 64), "uint16"), c=0, z=0),
        NgffReadOnlyError,
        "opened read-only (mode='r')",
    ),
    (
        "read-only-consolidate",
        "r",
        lambda c: _img(c).consolidate(),
        NgffReadOnlyError,
        "consolidate needs write access",
    ),
    (
        "read-only-derive-label",
        "r",
        lambda c: c.derive_label("cells"),
        NgffReadOnlyError,
        "derive_label needs write access",
    ),
    (
        "read-only-channels",
        "r",
        lambda c: c.set_channel_labels(["a", "b"]),
        NgffReadOnlyError,
        "set_channel_meta needs write access",
    ),
    (
        "read-only-label-colors",
        "r",
        lambda c: c.get_label("nuclei").set_colors({1: "FF0000"}),
        NgffReadOnlyError,
        "set_colors needs write access",
    ),
    (
        "label-exists",
        "r+",
        lambda c: c.derive_label("nuclei"),
        NgffExistsError,
        "label 'nuclei' already exists",
    ),
    ("label-name", "r+", lambda c: c.derive_label("a/b"), NgffValueError, "plain name"),
    (
        "label-float-dtype",
        "r+",
        lambda c: c.derive_label("cells", dtype="float32"),
        NgffValueError,
        "integer dtype",
    ),
    (
        "channel-count",
        "r+",
        lambda c: c.set_channel_labels(["a"]),
        NgffValueError,
        "expected 2 values (one per channel",
    ),
    (
        "channel-duplicate",
        "r+",
        lambda c: c.set_channel_labels(["a", "a"]),
        NgffValueError,
        "must be unique",
    ),
    (
        "channel-color",
        "r+",
        lambda c: c.set_channel_colors(["red", "nope"]),
        NgffValueError,
        "expected six hex digits",
    ),
    (
        "derive-into-source",
        "r+",
        lambda c: c.derive_image(c.store, overwrite=True),
        NgffValueError,
        "is the source image itself",
    ),
    (
        "label-method",
        "r+",
        lambda c: c.get_label("nuclei").consolidate(method="mean"),
        NgffValueError,
        "would invent labels",
    ),
    (
        "bad-mode",
        "r",
        lambda c: open_ome_zarr_container(c.store, mode="w"),
        NgffValueError,
        "mode: expected 'r'",
    ),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(
    ("mode", "action", "error", "message"),
    [case[1:] for case in BAD_INPUT],
    ids=[case[0] for case in BAD_INPUT],
)
def test_bad_input_is_a_clear_error_and_changes_nothing(
    czyx: Any,
    mode: str,
    action: Callable[[OmeZarrContainer], object],
    error: type[Exception],
    message: str,
) -> None:
    """Each mistake raises its NgffError naming what was wrong; the store's bytes are unchanged."""
    path, _ = czyx()
    before = snapshot(path)
    c = open_ome_zarr_container(path, mode=mode)  # type: ignore[arg-type]
    with pytest.raises(error) as info:
        action(c)
    assert message in str(info.value)
    assert snapshot(path) == before


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda p: create_ome_zarr_from_array(p, pixels((8, 8)), pixelsize=1.0),
            NgffExistsError,
            "pass overwrite=True",
        ),
        (lambda p: create_empty_ome_zarr(p, (8, 8)), NgffValueError, "pixelsize: required"),
        (
            lambda p: create_empty_ome_zarr(
                p, (2, 8, 8), pixelsize=1.0, axes_names="cyx", channel_labels=["a"]
            ),
            NgffValueError,
            "channel_names: expected 2 names",
        ),
        (
            lambda p: create_empty_ome_zarr(p, (8, 8), pixelsize=1.0, version="0.3"),
            NgffValueError,
            "version: expected one of 0.4, 0.5, 0.6",
        ),
        (
            lambda p: create_empty_ome_zarr(
                p, (8, 8), pixelsize=1.0, version="0.4", ngff_version="0.5"
            ),
            NgffValueError,
            "the same option in two spellings",
        ),
        (
            lambda p: create_empty_ome_zarr(p, (8, 8), pixelsize=1.0, xy_pixelsize=2.0),
            NgffValueError,
            "the same option in two spellings",
        ),
        (
            lambda p: create_empty_ome_zarr(p, (8, 8), pixelsize=-1.0),
            NgffValueError,
            "expected sizes > 0",
        ),
        (
            lambda p: create_empty_ome_zarr(p, (8, 8), pixelsize=1.0, axes_names="zyx"),
            NgffValueError,
            "expected 2 names",
        ),
    ],
    ids=[
        "exists",
        "no-pixelsize",
        "channel-count",
        "version",
        "two-versions",
        "two-pixelsizes",
        "negative",
        "axes",
    ],
)
def test_bad_create_input(
    czyx: Any, call: Callable[[Path], object], error: type[Exception], message: str
) -> None:
    """Creation mistakes are NgffErrors that say what to fix; an existing store is left untouched."""
    path, _ = czyx()
    before = snapshot(path)
    with pytest.raises(error) as info:
        call(path)
    assert message in str(info.value)
    assert snapshot(path) == before


# ----------------------------------------------------------------------------- ngio, in its own process

NGIO_READ = textwrap.dedent(
    """
    import hashlib, json, sys, warnings
    warnings.simplefilter("ignore")
    import numpy as np
    import ngio

    def digest(a):
        return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()

    c = ngio.open_ome_zarr_container(sys.argv[1], mode="r")
    out = {"level_paths": list(c.level_paths), "channel_labels": list(c.channel_labels),
           "labels": list(c.list_labels()), "levels": []}
    for p in c.level_paths:
        img = c.get_image(path=p)
        ps = img.pixel_size
        out["levels"].append({"shape": list(img.shape), "digest": digest(img.get_array()),
                              "pixel_size": [ps.z, ps.y, ps.x], "unit": str(ps.space_unit)})
    out["label_levels"] = {
        name: [digest(c.get_label(name, path=p).get_array()) for p in c.level_paths]
        for name in c.list_labels()
    }
    print(json.dumps(out))
    """
)

NGIO_WRITE = textwrap.dedent(
    """
    import json, sys, warnings
    warnings.simplefilter("ignore")
    import numpy as np
    import ngio

    store, npy, version = sys.argv[1], sys.argv[2], sys.argv[3]
    array = np.load(npy)
    c = ngio.create_ome_zarr_from_array(store, array, pixelsize=0.5, z_spacing=2.0, levels=3,
                                        channels_meta=["DAPI", "GFP"], ngff_version=version)
    label = c.derive_label("nuclei")
    label.set_array((array[0] > 3000).astype(label.dtype))
    label.consolidate()
    c.add_table("roi", c.build_image_roi_table("image"))
    print(json.dumps({"ok": True}))
    """
)


def run_ngio(code: str, *args: str | Path) -> dict[str, Any]:
    """Run *code* with ngio in a fresh interpreter (never imported here) and return its JSON."""
    done = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def digest(a: np.ndarray) -> str:
    """SHA-256 of an array's bytes (C order)."""
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_ngio_opens_our_containers(czyx: Any, version: str) -> None:
    """ngio reads a container ngffkit made (image, consolidated levels, label) with the same pixels,
    pixel sizes and channel labels."""
    path, _ = czyx(version)
    c = open_ome_zarr_container(path, mode="r+")
    c.get_image().set_array(
        np.full((10, 10), 5, "uint16"), c=1, z=2, y=slice(0, 10), x=slice(0, 10)
    ).consolidate()
    ours = open_ome_zarr_container(path)
    theirs = run_ngio(NGIO_READ, path)
    assert theirs["level_paths"] == ours.level_paths
    assert theirs["channel_labels"] == CHANNELS
    assert theirs["labels"] == ["nuclei"]
    for p, level in zip(ours.level_paths, theirs["levels"], strict=True):
        img = ours.get_image(path=p)
        assert level["shape"] == list(img.shape)
        assert level["digest"] == digest(img.get_array())
        assert level["pixel_size"] == pytest.approx(list(img.pixel_size.zyx))
        assert level["unit"] == "micrometer"
    assert theirs["label_levels"]["nuclei"] == [
        digest(ours.get_label("nuclei", path=p).get_array()) for p in ours.level_paths
    ]


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_we_open_ngio_containers(tmp_path: Path, version: str) -> None:
    """ngffkit reads what ngio writes (pixels, pixel sizes, channels, label, tables) and adds a label
    that ngio then lists next to its own."""
    array = pixels((2, 4, 64, 64))
    np.save(tmp_path / "a.npy", array)
    store = tmp_path / "ngio.zarr"
    run_ngio(NGIO_WRITE, store, tmp_path / "a.npy", version)
    c = open_ome_zarr_container(store, mode="r+")
    assert c.version == version and c.level_paths == ["0", "1", "2"]
    assert c.channel_labels == ["DAPI", "GFP"] and c.list_tables() == ["roi"]
    np.testing.assert_array_equal(c.get_image().get_array(), array)
    assert c.get_image(path="1").pixel_size.zyx == (2.0, 1.0, 1.0)
    nuclei = c.get_label("nuclei")
    np.testing.assert_array_equal(nuclei.get_array(), (array[0] > 3000).astype(nuclei.dtype))
    cells = c.derive_label("cells")
    cells.set_array(np.ones(cells.shape, cells.dtype)).consolidate()
    theirs = run_ngio(NGIO_READ, store)
    assert theirs["labels"] == ["nuclei", "cells"]
    assert theirs["label_levels"]["cells"][0] == digest(np.ones(cells.shape, cells.dtype))
    assert open_ome_zarr_container(store).list_tables() == ["roi"]


def test_the_default_mode_is_read_write_where_the_store_can_be_written(tmp_path: Path) -> None:
    """As ngio: r+ by default; r for read-only stores; opening writes nothing."""
    from zarr.storage import LocalStore

    store = tmp_path / "img.zarr"
    create_ome_zarr_from_array(
        store, np.zeros((2, 32, 32), "uint16"), pixelsize=1.0, axes_names="cyx"
    )
    before = snapshot(store)
    container = open_ome_zarr_container(store)
    assert container.mode == "r+" and snapshot(store) == before  # opening wrote nothing
    container.get_image().set_array(np.ones((32, 32), "uint16"), c=0)  # and writes work
    read_only = open_ome_zarr_container(LocalStore(store, read_only=True))
    assert read_only.mode == "r"
    with pytest.raises(NgffReadOnlyError):
        read_only.get_image().set_array(np.ones((32, 32), "uint16"), c=0)
    assert open_ome_zarr_container(store, mode="r").mode == "r"


def test_axes_order_as_ngio_inserts_and_keeps_size_one_axes(czyx: Any) -> None:
    """The chapter's call: a selected channel keeps a size-1 c, a missing t comes as size 1,
    and set_array takes data in the same order."""
    path, array = czyx()
    img = open_ome_zarr_container(path, mode="r+").get_image()
    order = ["t", "z", "y", "x", "c"]
    data = img.get_as_numpy(channel_selection="DAPI", x=slice(0, 16), axes_order=order)
    assert data.shape == (1, array.shape[1], 64, 16, 1)
    np.testing.assert_array_equal(data[0, :, :, :, 0], array[0, :, :, :16])
    img.set_array(data + 1, channel_selection="DAPI", x=slice(0, 16), axes_order=order)
    np.testing.assert_array_equal(img.get_as_numpy(c=0, x=slice(0, 16)), array[0, :, :, :16] + 1)
    with pytest.raises(NgffValueError, match=r"leaves out \['c \(size 2\)'"):
        img.get_as_numpy(axes_order=["z", "y", "x"])
    assert img.get_as_dask(c=1, z=0, axes_order=["x", "y"]).shape == (64, 64)


def test_channel_selection_by_wavelength_id(tmp_path: Path) -> None:
    """channel_selection takes a label, an index, a wavelength id, or ngio's selection model."""
    import types

    pixels = np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4)
    store = tmp_path / "w.zarr"
    create_ome_zarr_from_array(
        store,
        pixels,
        pixelsize=1.0,
        axes_names="cyx",
        channel_labels=["DAPI", "GFP"],
        version="0.4",
    )
    attrs = json.loads((store / ".zattrs").read_text())
    for channel, wavelength in zip(attrs["omero"]["channels"], ["A01_C01", "A01_C02"], strict=True):
        channel["wavelength_id"] = wavelength
    (store / ".zattrs").write_text(json.dumps(attrs))
    image = open_ome_zarr_container(store).get_image()
    for selection in (
        "GFP",
        1,
        "A01_C02",
        types.SimpleNamespace(identifier="A01_C02", mode="wavelength_id"),
        types.SimpleNamespace(identifier="1", mode="index"),
    ):
        assert np.array_equal(image.get_as_numpy(channel_selection=selection), pixels[1])
    with pytest.raises(NgffValueError, match="no channel has wavelength id 'A09'"):
        image.get_as_numpy(
            channel_selection=types.SimpleNamespace(identifier="A09", mode="wavelength_id")
        )
