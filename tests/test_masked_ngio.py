"""Masked images against ngio 1.1 on one store ngio wrote: a label stored at a coarser pixel size
than the image (so the mask comes from another level), every level, zoomed boxes,
`allow_rescaling`, lazy `mode="dask"` reads (label included), `merge=` and `transforms=`."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ngffkit.container import open_ome_zarr_container
from ngffkit.errors import NgffValueError
from tests.test_container import run_ngio

LEVELS = ("0", "1", "2")
OBJECTS = (1, 2, 3, 4)
ZOOMS = (1.0, 1.5)

# ngio writes the store (image at 0.5 um/px, label at 1.0 um/px, so the image's level 0 is
# masked by the label's level 0 at twice its pixel size) and reads it masked.
NGIO_MASKED = textwrap.dedent(
    """
    import json, sys, warnings
    warnings.simplefilter("ignore")
    import numpy as np
    import ngio

    store = sys.argv[1]
    image = np.random.default_rng(1).integers(1, 200, (60, 60)).astype("uint16")
    c = ngio.create_ome_zarr_from_array(store, image, pixelsize=0.5, levels=3,
                                        ngff_version="0.4")
    label = c.derive_label("cells", pixelsize=1.0, shape=(30, 30))
    cells = np.zeros((30, 30), "uint32")
    cells[3:9, 4:11] = 1
    cells[5, 4] = 0
    cells[15:22, 12:17] = 2
    cells[17:19, 13:15] = 3
    cells[25:30, 0:3] = 4
    label.set_array(cells)
    label.consolidate()
    c.add_table("cells_ROI_table", c.build_masking_roi_table("cells"))
    out = {}
    for path in ["0", "1", "2"]:
        m = c.get_masked_image("cells", path=path)
        for k in (1, 2, 3, 4):
            for zoom in (1.0, 1.5):
                out[f"{path}/{k}/{zoom}"] = m.get_roi_masked(label=k, zoom_factor=zoom).tolist()
        try:
            out[f"{path}/norescale"] = m.get_roi_masked(label=2, allow_rescaling=False).tolist()
        except Exception as exc:
            out[f"{path}/norescale"] = type(exc).__name__
        out[f"{path}/dask"] = m.get_roi_masked(label=2, mode="dask").compute().tolist()
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def ngio_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The store ngio wrote and what ngio read of it (one process)."""
    path = tmp_path_factory.mktemp("masked") / "img.zarr"
    return path, run_ngio(NGIO_MASKED, path)


def _truth(path: Path, level: str, k: int, zoom: float) -> np.ndarray:
    """The masked box computed from the whole arrays: each image pixel takes the label pixel
    under its centre (the label's level 0 repeated onto a finer level, sampled onto a coarser
    one)."""
    c = open_ome_zarr_container(path, mode="r")
    image = c.get_image(path=level)
    label0 = c.get_label("cells", path="0")
    full = label0.get_as_numpy()
    finer = label0.pixel_size.x / image.pixel_size.x
    if finer >= 1:
        on_image = np.repeat(np.repeat(full, int(finer), axis=0), int(finer), axis=1)
    else:
        step = round(1 / finer)
        on_image = full[step // 2 :: step, step // 2 :: step]
    assert on_image.shape == tuple(image.shape)
    roi = c.get_masking_roi_table("cells_ROI_table").get_label(k).zoom(zoom)
    roi = replace(roi, z=None, z_length=None)  # the table's plane (z 0, length 1) on a yx image
    box = roi.to_roi_pixels(image.image.scale, shape={"y": image.shape[0], "x": image.shape[1]})
    region = box.to_slices()
    pixels = image.get_roi(roi)
    return np.where(on_image[region["y"], region["x"]] == k, pixels, 0)


def test_masked_reads_are_ngio_s_on_the_label_s_grid(ngio_store: tuple[Path, Any]) -> None:
    """At every level, each object's masked box is ngio's where the box falls on the label's
    pixel grid (zoom 1; every zoom at the label's own pixel size and coarser), and is the
    geometric truth everywhere (ngio 1.1 shifts the mask of a zoomed box that cuts label
    pixels on a finer image: see the module docstring of ngffkit/_container/_masked.py)."""
    path, theirs = ngio_store
    c = open_ome_zarr_container(path, mode="r")
    for level in LEVELS:
        masked = c.get_masked_image("cells", path=level)
        for k in OBJECTS:
            for zoom in ZOOMS:
                ours = masked.get_roi_masked(label=k, zoom_factor=zoom)
                np.testing.assert_array_equal(ours, _truth(path, level, k, zoom))
                if zoom == 1.0 or level != "0":
                    np.testing.assert_array_equal(ours, np.asarray(theirs[f"{level}/{k}/{zoom}"]))


def test_allow_rescaling_false_refuses_another_level_as_ngio(ngio_store: tuple[Path, Any]) -> None:
    """allow_rescaling=False: an error where ngio raises (label at another pixel size), ngio's
    pixels where the levels agree."""
    path, theirs = ngio_store
    c = open_ome_zarr_container(path, mode="r")
    assert theirs["0/norescale"] == "NgioValueError"
    with pytest.raises(NgffValueError, match=r"allow_rescaling=False: .*'cells' has pixel size"):
        c.get_masked_image("cells").get_roi_masked(label=2, allow_rescaling=False)
    for level in ("1", "2"):
        got = c.get_masked_image("cells", path=level).get_roi_masked(label=2, allow_rescaling=False)
        np.testing.assert_array_equal(got, np.asarray(theirs[f"{level}/norescale"]))


def test_dask_masked_reads_read_nothing(
    ngio_store: tuple[Path, Any],
    raise_if_dask_computes: Callable[[], Any],
) -> None:
    """mode="dask" reads neither the pixels nor the label until computed (and then gives
    ngio's pixels), at the label's level and at another one."""
    path, theirs = ngio_store
    c = open_ome_zarr_container(path, mode="r")
    for level in LEVELS:
        masked = c.get_masked_image("cells", path=level)
        with raise_if_dask_computes():
            lazy = masked.get_roi_masked(label=2, mode="dask")
            also = masked.get_roi_masked_as_dask(2, zoom_factor=1.5)
        np.testing.assert_array_equal(lazy.compute(), np.asarray(theirs[f"{level}/dask"]))
        np.testing.assert_array_equal(also.compute(), _truth(path, level, 2, 1.5))


def test_merge_and_transforms(tmp_path: Path, ngio_store: tuple[Path, Any]) -> None:
    """merge= combines the patch with the stored pixels on the object only (ngio's rules and a
    function); an unknown merge or a transform is refused and nothing is written."""
    import shutil

    path = tmp_path / "img.zarr"
    shutil.copytree(ngio_store[0], path)
    c = open_ome_zarr_container(path)
    masked = c.get_masked_image("cells", path="1")
    stored = masked.get_roi(label=2)
    on = masked.get_roi_masked(label=2) != 0
    patch = np.full(stored.shape, 100, stored.dtype)
    expected = {
        "max": np.where(on, np.maximum(stored, 100), stored),
        "min": np.where(on, np.minimum(stored, 100), stored),
        "sum": np.where(on, stored + 100, stored),
        "keep_nonzero": np.where(on, 100, stored),
    }
    for rule, want in expected.items():
        masked.set_roi(label=2, patch=stored)  # back to the stored pixels
        masked.set_roi_masked(label=2, patch=patch, merge=rule)
        np.testing.assert_array_equal(masked.get_roi(label=2), want, err_msg=rule)
    masked.set_roi(label=2, patch=stored)
    masked.set_roi_masked(label=2, patch=patch, merge=lambda old, new: old // 2 + new // 2)
    np.testing.assert_array_equal(masked.get_roi(label=2), np.where(on, stored // 2 + 50, stored))
    masked.set_roi(label=2, patch=stored)
    with pytest.raises(NgffValueError, match="merge: expected one of"):
        masked.set_roi_masked(label=2, patch=patch, merge="mean")
    with pytest.raises(NgffValueError, match="keeps the region's shape"):
        masked.set_roi_masked(label=2, patch=patch, merge=lambda old, new: new[:1])
    with pytest.raises(NgffValueError, match="take no ngio transforms"):
        masked.get_roi_masked(label=2, transforms=[object()])
    with pytest.raises(NgffValueError, match="take no ngio transforms"):
        masked.set_roi_masked(label=2, patch=patch, transforms=[object()])
    np.testing.assert_array_equal(masked.get_roi(label=2), stored)
    np.testing.assert_array_equal(masked.get_roi_masked(label=2, transforms=[]), stored * on)
