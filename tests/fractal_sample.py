"""A store shaped like the sample of ngio's getting-started chapters, built in the tests.

The chapters download Fractal's "CardiomyocyteSmallMip" plate. This builds the same kind of
store, smaller: an HCS plate ``<name>.zarr/B/03/0`` holding a c, z, y, x uint16 image in
OME-NGFF 0.4 (three channels, one plane, two fields of view side by side at 0.325 um per
pixel, five levels), the label images ``nuclei`` and ``wf_2_labels`` with the same levels,
and the four tables Fractal writes, in the legacy AnnData layout Fractal uses (no
``backend`` attribute, ``fractal_table_version``, float32 columns in ``X``, the index in
``obs``): ``FOV_ROI_table``, ``well_ROI_table``, ``nuclei_ROI_table`` (masking) and
``regionprops_DAPI`` (features). The tables are written with anndata directly, as Fractal's
tasks write them: neither ngffkit nor ngio wrote them.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.ndimage as ndi
import zarr

from ngffkit.container import create_ome_zarr_from_array

CHANNELS = ["DAPI", "nanog", "Lamin B1"]
PIXEL = 0.325
FOV = (1080, 1280)  # y, x pixels of one field of view (351 x 416 um)
CELL = 36  # one nucleus per CELL x CELL pixels
IMAGE_PATH = ("B", "03", "0")


def _nuclei(shape: tuple[int, int], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Disks of random radius, one per grid cell, with shuffled ids 1..n; and wf_2_labels."""
    rows, cols = shape[0] // CELL, shape[1] // CELL
    ids = rng.permutation(rows * cols) + 1
    yy, xx = np.mgrid[0:CELL, 0:CELL]
    nuclei = np.zeros(shape, np.uint32)
    cells = np.zeros(shape, np.uint32)
    for k in range(rows * cols):
        r, c = divmod(k, cols)
        radius = rng.uniform(4, 14)
        cy, cx = CELL / 2 + rng.uniform(-3, 3), CELL / 2 + rng.uniform(-3, 3)
        disk = (yy - cy) ** 2 + (xx - cx) ** 2 <= radius**2
        tile = (slice(r * CELL, (r + 1) * CELL), slice(c * CELL, (c + 1) * CELL))
        nuclei[tile][disk] = ids[k]
        cells[tile][2:-2, 2:-2] = k + 1
    return nuclei, cells


def _write_anndata(tables: zarr.Group, name: str, frame: pd.DataFrame, attrs: dict) -> None:
    """One table as Fractal writes it: float32 X, string index in obs, then its attributes."""
    import anndata

    obs = pd.DataFrame(index=pd.Index([str(v) for v in frame.index], name=frame.index.name))
    var = pd.DataFrame(index=pd.Index(list(frame.columns), dtype=object))
    adata = anndata.AnnData(X=frame.to_numpy(np.float32), obs=obs, var=var)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # anndata on Zarr v2
        with anndata.settings.override(zarr_write_format=2):
            anndata.io.write_elem(tables, name, adata)
    group = zarr.open_group(store=tables.store, path=f"{tables.path}/{name}", mode="r+")
    group.attrs.update(attrs)


def build_fractal_image(root: Path) -> Path:
    """Write the plate under *root*; return the image path (``.../B/03/0``)."""
    rng = np.random.default_rng(12)
    plate = root / "20200812-CardiomyocyteDifferentiation14-Cycle1-small-mip.zarr"
    group = zarr.open_group(plate, mode="w", zarr_format=2)
    group.attrs["plate"] = {
        "version": "0.4",
        "rows": [{"name": "B"}],
        "columns": [{"name": "03"}],
        "wells": [{"path": "B/03", "rowIndex": 0, "columnIndex": 0}],
        "acquisitions": [{"id": 0}],
    }
    well = group.require_group("B").require_group("03")
    well.attrs["well"] = {"version": "0.4", "images": [{"path": "0", "acquisition": 0}]}
    shape = (FOV[0], 2 * FOV[1])
    nuclei, cells = _nuclei(shape, rng)
    dapi = (nuclei > 0) * 3000 + rng.integers(0, 400, shape)
    pixels = np.stack([dapi, rng.integers(0, 4000, shape), rng.integers(0, 4000, shape)])
    path = plate.joinpath(*IMAGE_PATH)
    image = create_ome_zarr_from_array(
        path,
        pixels.astype(np.uint16)[:, None],
        xy_pixelsize=PIXEL,
        z_spacing=1.0,
        channel_labels=CHANNELS,
        levels=5,
        chunks=(1, 1, 540, 640),
        version="0.4",
    )
    image.derive_label("nuclei").set_array(nuclei[None]).consolidate()
    image.derive_label("wf_2_labels").set_array(cells[None]).consolidate()

    tables = zarr.open_group(path / "tables", mode="w", zarr_format=2)
    fovs = pd.DataFrame(
        {
            "x_micrometer": [0.0, FOV[1] * PIXEL],
            "y_micrometer": [0.0, 0.0],
            "z_micrometer": [0.0, 0.0],
            "len_x_micrometer": [FOV[1] * PIXEL] * 2,
            "len_y_micrometer": [FOV[0] * PIXEL] * 2,
            "len_z_micrometer": [1.0, 1.0],
            "x_micrometer_original": [-1448.3, -1032.3],
            "y_micrometer_original": [-1517.7, -1517.7],
        },
        index=pd.Index(["FOV_1", "FOV_2"], name="FieldIndex"),
    )
    well_roi = pd.DataFrame(
        {
            "x_micrometer": [0.0],
            "y_micrometer": [0.0],
            "z_micrometer": [0.0],
            "len_x_micrometer": [shape[1] * PIXEL],
            "len_y_micrometer": [shape[0] * PIXEL],
            "len_z_micrometer": [1.0],
        },
        index=pd.Index(["well_1"], name="FieldIndex"),
    )
    boxes = ndi.find_objects(nuclei)
    labels = [k + 1 for k, box in enumerate(boxes) if box is not None]
    masks = pd.DataFrame(
        {
            "x_micrometer": [boxes[k - 1][1].start * PIXEL for k in labels],
            "y_micrometer": [boxes[k - 1][0].start * PIXEL for k in labels],
            "z_micrometer": [0.0] * len(labels),
            "len_x_micrometer": [
                (boxes[k - 1][1].stop - boxes[k - 1][1].start) * PIXEL for k in labels
            ],
            "len_y_micrometer": [
                (boxes[k - 1][0].stop - boxes[k - 1][0].start) * PIXEL for k in labels
            ],
            "len_z_micrometer": [1.0] * len(labels),
        },
        index=pd.Index(labels, name="label"),
    )
    index = np.asarray(labels)
    props = pd.DataFrame(
        {
            "area": ndi.sum_labels(np.ones(shape), nuclei, index),
            "mean_intensity": ndi.mean(dapi, nuclei, index),
            "max_intensity": ndi.maximum(dapi, nuclei, index),
        },
        index=pd.Index(labels),
    )
    region = {"path": "../labels/nuclei"}
    _write_anndata(
        tables, "FOV_ROI_table", fovs, {"type": "roi_table", "fractal_table_version": "1"}
    )
    _write_anndata(
        tables, "well_ROI_table", well_roi, {"type": "roi_table", "fractal_table_version": "1"}
    )
    masking = {"type": "masking_roi_table", "region": region, "instance_key": "label"}
    _write_anndata(tables, "nuclei_ROI_table", masks, {**masking, "fractal_table_version": "1"})
    features = {"type": "feature_table", "region": region, "instance_key": "label"}
    _write_anndata(tables, "regionprops_DAPI", props, {**features, "fractal_table_version": "1"})
    tables.attrs["tables"] = [
        "FOV_ROI_table",
        "well_ROI_table",
        "nuclei_ROI_table",
        "regionprops_DAPI",
    ]
    return path
