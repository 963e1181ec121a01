"""ngio's getting-started chapters 2, 3 and 4 run block by block with ``ngio`` replaced by ``ngffkit``,
and give the values ngio 1.1 gives on the same store (ngio run in its own process).

The store is built by ``tests/fractal_sample.py`` in the shape of the chapters' sample: a
Fractal plate image with ``labels/nuclei`` and the four AnnData tables.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import SHARED
from tests.fractal_sample import build_fractal_image
from tests.test_container import run_ngio
from tests.test_container_seed import blocks, run_blocks

CHAPTERS = SHARED / "reference" / "ngio-0.4-getting-started"
# The chapter's own AnnData example has an integer obs index, which anndata converts with a warning.
pytestmark = pytest.mark.filterwarnings("ignore:Transforming to str index:UserWarning")

# The labels the chapters read (1, 100, 1009) and the last one.
LABELS = [1, 100, 1009, 2130]
CHAPTER_ROI = {"x": [34.1, 321.6], "y": [10.0, 330.0]}  # Roi(x=34.1, y=10, x_length=321.6, ...)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The chapters' store, built once; tests work on copies."""
    return build_fractal_image(tmp_path_factory.mktemp("sample"))


def copy_of(sample: Path, target: Path) -> Path:
    """A copy of the whole plate under *target*; the image path in it."""
    plate = sample.parents[2]
    shutil.copytree(plate, target / plate.name)
    return target / plate.name / "B" / "03" / "0"


def adapt(kind: str, code: str, plate: Path) -> list[tuple[str, str]]:
    """A chapter block with ngio switched to ngffkit and the download to the local plate.

    A ``python`` block written as a console session (``>>> image.set_array(data)``) runs as
    one; the hidden lines that render a table as markdown print it as text (tabulate,
    which ``DataFrame.to_markdown`` needs, is the docs' renderer, not ngio's).
    """
    code = code.replace("from ngio.utils import download_ome_zarr_dataset\n", "")
    code = re.sub(
        r"hcs_path = download_ome_zarr_dataset\([^)]*\)", f"hcs_path = Path({str(plate)!r})", code
    )
    code = code.replace(".to_markdown()", ".to_string()")
    code = re.sub(r"\bngio\b", "ngffkit", code)
    if kind == "python" and code.lstrip().startswith(">>> "):
        kind = "pycon"
    return [(kind, code)]


def test_chapters_run_block_by_block(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every block of chapters 2, 3 and 4 runs with the import switched, in one session per
    chapter as the docs run them (2 and 3 continue chapter 1's), and says what the chapter says."""
    pytest.importorskip("matplotlib", reason="needs matplotlib: pip install 'ngffkit[docs]'")
    import matplotlib

    matplotlib.use("Agg")
    image = copy_of(sample, tmp_path)
    monkeypatch.chdir(tmp_path)
    session: dict[str, Any] = {"__name__": "chapters"}
    exec(  # chapter 1's last local step: the container the later chapters continue with
        f"from ngffkit import open_ome_zarr_container\n"
        f"ome_zarr_container = open_ome_zarr_container({str(image)!r})",
        session,
    )
    values: dict[str, list[object]] = {}
    for chapter in ("2_images.md", "3_tables.md", "4_masked_images.md"):
        found = blocks((CHAPTERS / chapter).read_text())
        adapted = [b for kind, code in found for b in adapt(kind, code, image.parents[2])]
        assert not any(re.search(r"\bngio\b", code) for _, code in adapted)
        namespace = session if chapter != "4_masked_images.md" else {"__name__": "masked"}
        with contextlib.redirect_stdout(io.StringIO()):  # the figures' SVG
            values[chapter] = run_blocks(adapted, namespace)
        if chapter == "3_tables.md":
            tables = namespace

    images = values["2_images.md"]
    assert [getattr(v, "path", None) for v in images[:4]] == ["0", "1", "1", "1"]
    assert images[6] == ((3, 1, 540, 1280), np.dtype("uint16"), (1, 1, 540, 640))
    assert images[10] == (1, 1, 540, 128, 1)  # a channel kept as size 1, t added
    roi_read = images[13]  # Roi(x=34.1, y=10, x_length=321.6, y_length=330) at 0.65 um
    assert isinstance(roi_read, np.ndarray) and roi_read.shape == (3, 1, 509, 496)
    assert images[14] == ["nuclei", "wf_2_labels"]
    assert [getattr(v, "path", None) for v in images[-3:]] == ["1", "1", "1"]

    chapter3 = values["3_tables.md"]
    assert chapter3[0] == [
        "FOV_ROI_table",
        "well_ROI_table",
        "nuclei_ROI_table",
        "regionprops_DAPI",
    ]
    assert repr(chapter3[-4]) == "MaskingRoiTable(num_rois=2130, reference_label=nuclei)"
    assert repr(chapter3[-3]) == "FeatureTable(num_rows=3, num_columns=1)"
    assert repr(chapter3[-1]) == "GenericTable(num_rows=10, num_columns=6)"
    written = tables["ome_zarr_container"].get_table("new_roi_table")
    assert written.get("whole_image").x_length == pytest.approx(2560 * 0.325)

    masked = values["4_masked_images.md"]
    assert masked[1:4] == [(1, 24, 24), (1, 48, 48), (1, 48, 48)]
    assert repr(masked[-1]).startswith("MaskedLabel('wf_2_labels'")


NGIO_CHAPTER_VALUES = textwrap.dedent(
    """
    import json, sys, warnings
    warnings.simplefilter("ignore")
    import numpy as np
    import ngio
    from ngio import PixelSize, Roi

    store, labels, chapter_roi = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
    c = ngio.open_ome_zarr_container(store)
    def digest(a):
        a = np.asarray(a)
        return {"shape": list(a.shape), "sum": int(a.astype(np.int64).sum()),
                "nonzero": int(np.count_nonzero(a))}
    def fields(roi):
        out = {}
        for axis in ("x", "y", "z"):
            part = roi.get(axis)
            out[axis] = None if part is None else [part.start, part.length]
        return out
    out = {"paths": c.level_paths, "levels": {}, "labels": {}}
    for path in c.level_paths:
        out["levels"][path] = list(c.get_image(path=path).shape)
        out["labels"][path] = list(c.get_label("nuclei", path=path).shape)
    out["exact"] = c.get_image(pixel_size=PixelSize(x=0.65, y=0.65, z=1.0)).path
    near = c.get_image(pixel_size=PixelSize(x=0.60, y=0.60, z=1.0), strict=False)
    out["nearest"] = near.path
    out["slice"] = digest(near.get_as_numpy(channel_selection="DAPI", x=slice(0, 128),
                                            axes_order=["t", "z", "y", "x", "c"]))
    roi = Roi.from_values({a: tuple(v) for a, v in chapter_roi.items()}, name=None)
    out["chapter_roi"] = {p: digest(c.get_image(path=p).get_roi_as_numpy(roi))
                          for p in c.level_paths}
    out["tables"] = {}
    for name in c.list_tables():
        t = c.get_table(name)
        f = t.dataframe
        out["tables"][name] = {"type": t.table_type(), "index_name": f.index.name,
                               "index": f.index.tolist()[:50], "columns": list(f.columns),
                               "dtypes": [str(d) for d in f.dtypes],
                               "head": f.head(50).to_dict(orient="list")}
    fov = c.get_table("FOV_ROI_table")
    masks = c.get_table("nuclei_ROI_table")
    rois = {"FOV_1": fov.get("FOV_1"), "FOV_2": fov.get("FOV_2"),
            "well_1": c.get_table("well_ROI_table").get("well_1")}
    rois.update({str(k): masks.get_label(k) for k in labels})
    out["rois"] = {k: fields(r) for k, r in rois.items()}
    out["roi_reads"] = {k: {p: digest(c.get_image(path=p).get_roi(r, c=0))
                            for p in c.level_paths} for k, r in rois.items()}
    out["label_reads"] = {str(k): {p: digest(c.get_label("nuclei", path=p).get_roi(masks.get_label(k)))
                                   for p in c.level_paths} for k in labels}
    built = c.build_masking_roi_table("nuclei")
    out["built"] = {str(r.label): fields(r) for r in built.rois()}
    whole = c.build_image_roi_table("whole_image").get("whole_image")
    out["whole"] = {"whole_image": fields(whole)}
    masked = {}
    for p in c.level_paths[:3]:
        m = c.get_masked_image("nuclei", path=p)
        for k in labels:
            for zoom in (1, 2):
                masked[f"{p}/{k}/{zoom}"] = {
                    "roi": digest(m.get_roi(label=k, c=0, zoom_factor=zoom)),
                    "masked": digest(m.get_roi_masked(label=k, c=0, zoom_factor=zoom)),
                }
    out["masked"] = masked
    ml = c.get_masked_label(label_name="wf_2_labels", masking_label_name="nuclei")
    out["masked_label"] = {str(k): digest(ml.get_roi_masked(label=k)) for k in labels}
    m = c.get_masked_image("nuclei")
    shape = m.get_roi_masked(label=1009, c=0).shape
    patch = (np.arange(int(np.prod(shape))) % 251).reshape(shape).astype("uint16")
    m.set_roi_masked(label=1009, c=0, patch=patch)
    out["after_set"] = digest(m.get_roi(label=1009, c=0, zoom_factor=2))
    print(json.dumps(out, default=float))
    """
)


def digest(a: Any) -> dict[str, Any]:
    """Shape, sum and non-zero count of an array, as the ngio script reports them."""
    a = np.asarray(a)
    return {
        "shape": list(a.shape),
        "sum": int(a.astype(np.int64).sum()),
        "nonzero": int(np.count_nonzero(a)),
    }


def fields(roi: Any) -> dict[str, Any]:
    """``{axis: [start, length]}`` of a Roi (None for an axis it does not span)."""
    return {
        axis: None
        if getattr(roi, axis) is None
        else [getattr(roi, axis), getattr(roi, f"{axis}_length")]
        for axis in ("x", "y", "z")
    }


@pytest.fixture(scope="module")
def theirs(sample: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What ngio 1.1 gives for the chapters' calls, on its own copy of the store."""
    image = copy_of(sample, tmp_path_factory.mktemp("ngio"))
    return run_ngio(NGIO_CHAPTER_VALUES, image, json.dumps(LABELS), json.dumps(CHAPTER_ROI))


@pytest.fixture(scope="module")
def ours(sample: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The same calls through ngffkit, on another copy."""
    from ngffkit import PixelSize, Roi, open_ome_zarr_container

    image = copy_of(sample, tmp_path_factory.mktemp("ours"))
    c = open_ome_zarr_container(image)
    out: dict[str, Any] = {"paths": c.level_paths, "levels": {}, "labels": {}}
    for path in c.level_paths:
        out["levels"][path] = list(c.get_image(path=path).shape)
        out["labels"][path] = list(c.get_label("nuclei", path=path).shape)
    out["exact"] = c.get_image(pixel_size=PixelSize(x=0.65, y=0.65, z=1.0), strict=True).path
    near = c.get_image(pixel_size=PixelSize(x=0.60, y=0.60, z=1.0), strict=False)
    out["nearest"] = near.path
    out["slice"] = digest(
        near.get_as_numpy(
            channel_selection="DAPI", x=slice(0, 128), axes_order=["t", "z", "y", "x", "c"]
        )
    )
    (x, xl), (y, yl) = CHAPTER_ROI["x"], CHAPTER_ROI["y"]
    roi = Roi(x=x, y=y, x_length=xl, y_length=yl)
    out["chapter_roi"] = {
        p: digest(c.get_image(path=p).get_roi_as_numpy(roi)) for p in c.level_paths
    }
    fov = c.get_table("FOV_ROI_table")
    masks = c.get_table("nuclei_ROI_table")
    rois = {
        "FOV_1": fov.get("FOV_1"),
        "FOV_2": fov.get("FOV_2"),
        "well_1": c.get_table("well_ROI_table").get("well_1"),
    }
    rois.update({str(k): masks.get_label(k) for k in LABELS})
    out["rois"] = {k: fields(r) for k, r in rois.items()}
    out["roi_reads"] = {
        k: {p: digest(c.get_image(path=p).get_roi(r, c=0)) for p in c.level_paths}
        for k, r in rois.items()
    }
    out["label_reads"] = {
        str(k): {
            p: digest(c.get_label("nuclei", path=p).get_roi(masks.get_label(k)))
            for p in c.level_paths
        }
        for k in LABELS
    }
    out["built"] = {str(r.label): fields(r) for r in c.build_masking_roi_table("nuclei").rois()}
    out["whole"] = {
        "whole_image": fields(c.build_image_roi_table("whole_image").get("whole_image"))
    }
    masked = {}
    for p in c.level_paths[:3]:
        m = c.get_masked_image("nuclei", path=p)
        for k in LABELS:
            for zoom in (1, 2):
                masked[f"{p}/{k}/{zoom}"] = {
                    "roi": digest(m.get_roi(label=k, c=0, zoom_factor=zoom)),
                    "masked": digest(m.get_roi_masked(label=k, c=0, zoom_factor=zoom)),
                }
    out["masked"] = masked
    ml = c.get_masked_label(label_name="wf_2_labels", masking_label_name="nuclei")
    out["masked_label"] = {str(k): digest(ml.get_roi_masked(label=k)) for k in LABELS}
    m = c.get_masked_image("nuclei")
    shape = m.get_roi_masked(label=1009, c=0).shape
    patch = (np.arange(int(np.prod(shape))) % 251).reshape(shape).astype("uint16")
    m.set_roi_masked(label=1009, c=0, patch=patch)
    out["after_set"] = digest(m.get_roi(label=1009, c=0, zoom_factor=2))
    return out


@pytest.mark.parametrize(
    "key",
    [
        "paths",
        "levels",
        "labels",
        "exact",
        "nearest",
        "slice",
        "chapter_roi",
        "roi_reads",
        "label_reads",
        "masked",
        "masked_label",
        "after_set",
    ],
)
def test_the_chapters_values_are_ngio_s(
    ours: dict[str, Any], theirs: dict[str, Any], key: str
) -> None:
    """Level shapes, level choice by pixel size, the chapter's slice and ROI reads, every table
    ROI's pixels at every level, masked reads at three levels and two zooms, a masked write."""
    assert ours[key] == theirs[key]


@pytest.mark.parametrize("key", ["rois", "built", "whole"])
def test_roi_fields_are_ngio_s(ours: dict[str, Any], theirs: dict[str, Any], key: str) -> None:
    """The ROIs of the tables, of build_masking_roi_table (every label) and of
    build_image_roi_table, field by field (float32 table values compared as stored)."""
    assert ours[key].keys() == theirs[key].keys()
    for name, roi in ours[key].items():
        for axis, value in roi.items():
            assert value == pytest.approx(theirs[key][name][axis], rel=1e-12), (name, axis)


def test_tables_read_as_ngio_reads_them(sample: Path, theirs: dict[str, Any]) -> None:
    """Each Fractal table opens as ngio's type, with its index, columns, dtypes and rows."""
    from ngffkit import open_ome_zarr_container

    c = open_ome_zarr_container(sample, mode="r")
    for name, table in theirs["tables"].items():
        ours = c.get_table(name)
        frame = ours.dataframe
        assert ours.table_type == table["type"], name
        assert frame.index.name == table["index_name"], name
        assert frame.index.tolist()[:50] == table["index"], name
        assert list(frame.columns) == table["columns"], name
        assert [str(d) for d in frame.dtypes] == table["dtypes"], name
        head = json.loads(json.dumps(frame.head(50).to_dict(orient="list"), default=float))
        assert head == table["head"], name
