"""Masked images and labels: reads and writes per object of a masking label, as ngio's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ngffkit.container import create_ome_zarr_from_array, open_ome_zarr_container
from ngffkit.errors import NgffKeyError, NgffReadOnlyError, NgffValueError


@pytest.fixture
def cells(tmp_path: Path) -> Path:
    """A 2-channel 32 x 48 image with two objects (7: an L shape, 9: a square), two levels."""
    pixels = np.arange(2 * 32 * 48, dtype=np.uint16).reshape(2, 32, 48)
    c = create_ome_zarr_from_array(
        tmp_path / "img.zarr", pixels, pixelsize=0.5, axes_names="cyx", levels=2, version="0.4"
    )
    labels = np.zeros((32, 48), np.uint32)
    labels[4:12, 4:8] = 7
    labels[8:12, 8:16] = 7
    labels[20:28, 30:38] = 9
    c.derive_label("cells").set_array(labels).consolidate()
    return tmp_path / "img.zarr"


def test_set_roi_masked_writes_only_the_object_s_pixels(cells: Path) -> None:
    """Inside the object the patch, everywhere else (the rest of its box, the other channel,
    the other object) the bytes that were stored."""
    c = open_ome_zarr_container(cells)
    before = c.get_image().get_as_numpy()
    masked = c.get_masked_image("cells")
    box = masked.get_roi(label=7, c=1)
    assert box.shape == (8, 12)  # the L's bounding box
    patch = np.full(box.shape, 1, np.uint16)
    masked.set_roi_masked(label=7, c=1, patch=patch)
    after = c.get_image().get_as_numpy()
    label = c.get_label("cells").get_as_numpy()
    changed = before != after
    assert np.array_equal(changed[1], (label == 7) & (before[1] != 1))
    assert not changed[0].any()
    assert (after[1][label == 7] == 1).all()
    read = masked.get_roi_masked(label=7, c=1)
    assert np.array_equal(read, np.where(label[4:12, 4:16] == 7, 1, 0))


def test_masked_reads_follow_the_label_at_a_coarser_level(cells: Path) -> None:
    """At level 1 the label's level 1 masks (the nearest one); zoom_factor grows the box."""
    c = open_ome_zarr_container(cells)
    masked = c.get_masked_image("cells", path="1")
    label = c.get_label("cells", path="1").get_as_numpy()
    data = c.get_image(path="1").get_as_numpy()
    read = masked.get_roi_masked(label=9)
    assert read.shape == (2, 4, 4)
    assert np.array_equal(read, np.where(label[10:14, 15:19] == 9, data[:, 10:14, 15:19], 0))
    assert masked.get_roi(label=9, zoom_factor=2).shape == (2, 8, 8)
    assert masked.get_roi_masked(label=9, axes_order=["y", "x", "c"]).shape == (4, 4, 2)


def test_masked_label(cells: Path) -> None:
    c = open_ome_zarr_container(cells)
    masked = c.get_masked_label("cells", masking_label_name="cells")
    assert np.unique(masked.get_roi_masked(label=9)).tolist() == [9]
    assert repr(masked).startswith("MaskedLabel('cells'") and "masked by 'cells'" in repr(masked)


def test_masked_images_refuse_what_they_cannot_do(cells: Path) -> None:
    c = open_ome_zarr_container(cells, mode="r")
    masked = c.get_masked_image("cells")
    with pytest.raises(NgffKeyError, match="label 3: not in this masking ROI table"):
        masked.get_roi(label=3)
    with pytest.raises(NgffReadOnlyError):
        masked.set_roi_masked(label=7, c=0, patch=np.zeros((8, 12), np.uint16))
    with pytest.raises(NgffValueError, match="give the label that masks"):
        c.get_masked_image()
    with pytest.raises(NgffKeyError, match="label 'nuclei'"):
        c.get_masked_image("nuclei")
    writable = open_ome_zarr_container(cells).get_masked_image("cells")
    with pytest.raises(NgffValueError, match="expected shape"):
        writable.set_roi_masked(label=7, c=0, patch=np.zeros((3, 3), np.uint16))


def test_a_label_at_another_level_masks_by_pixel_centres(cells: Path) -> None:
    """With the label at level 0 and the image at level 1, each image pixel takes the label of
    the level-0 pixel under its centre (pixel j -> 2j + 1)."""
    from dataclasses import replace

    c = open_ome_zarr_container(cells)
    masked = replace(
        c.get_masked_image("cells", path="1"), masking_label=c.get_label("cells", path="0")
    )
    label0 = c.get_label("cells", path="0").get_as_numpy()
    data = c.get_image(path="1").get_as_numpy()
    read = masked.get_roi_masked(label=7, c=0)
    expected = np.where(label0[5:12:2, 5:16:2] == 7, data[0, 2:6, 2:8], 0)
    assert read.shape == (4, 6) and np.array_equal(read, expected)
