"""Typed tables (ngffkit.tables): decoding by type and version, encoding, bad tables, and tables
that ngio and anndata read as written (and ngio's tables read by ngffkit)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import zarr
from hypothesis import given
from hypothesis import strategies as st

from ngffkit.container import create_empty_ome_zarr, open_ome_zarr_container
from ngffkit.errors import NgffExistsError, NgffKeyError, NgffValidationError, NgffValueError
from ngffkit.rois import Roi, label_boxes
from ngffkit.tables import (
    ROI_COLUMNS,
    FeatureTable,
    GenericRoiTable,
    GenericTable,
    MaskingRoiTable,
    RoiTable,
    decode_table,
    encode_table,
)
from tests.io.test_tables import NGIO_WRITE_TABLES
from tests.test_container import run_ngio

ROI_ROWS = pd.DataFrame(
    {c: [1.0, 2.0] if c.startswith("len") else [0.0, 1.0] for c in ROI_COLUMNS},
    index=pd.Index(["A", "B"], name="FieldIndex"),
)


# ---------------------------------------------------------------------------- decode / encode


@pytest.mark.parametrize(
    ("attrs", "cls"),
    [
        ({"type": "roi_table", "table_version": "1"}, RoiTable),
        ({"type": "roi_table", "fractal_table_version": "1"}, RoiTable),
        ({"type": "roi_table"}, RoiTable),  # no version: Fractal V1
        ({"type": "generic_roi_table"}, GenericRoiTable),
        ({"type": "roi_table", "table_version": "2"}, GenericTable),  # a version we do not know
        ({"type": "condition_table"}, GenericTable),
        ({"type": "my_tool_table"}, GenericTable),
        ({}, GenericTable),
    ],
)
def test_the_declared_type_and_version_pick_the_class(attrs: dict[str, Any], cls: type) -> None:
    """The class follows `type` and `table_version` / `fractal_table_version`; unknown: generic."""
    table = decode_table(ROI_ROWS, attrs)
    assert type(table) is cls
    if cls is GenericTable:
        assert table.table_type == attrs.get("type", "generic_table")
        assert encode_table(table)[1]["type"] == table.table_type  # kept when written again


def test_masking_and_feature_tables_are_indexed_by_integer_labels() -> None:
    """Fractal stores label values as strings in `obs`: they come back as integers."""
    rows = ROI_ROWS.set_axis(pd.Index(["7", "9"]), axis=0)
    attrs = {"type": "masking_roi_table", "region": {"path": "../labels/nuclei"}}
    masks = decode_table(rows, attrs)
    assert isinstance(masks, MaskingRoiTable) and masks.reference_label == "nuclei"
    assert masks.dataframe.index.tolist() == [7, 9] and masks.get_label(9).x == 1.0
    features = decode_table(pd.DataFrame({"area": [1.0]}, index=["3"]), {"type": "feature_table"})
    assert features.dataframe.index.tolist() == [3] and features.dataframe.index.name == "label"


@pytest.mark.parametrize(
    ("rows", "attrs", "match"),
    [
        (ROI_ROWS.drop(columns="len_z_micrometer"), {"type": "roi_table"}, "missing"),
        (
            ROI_ROWS.set_axis(pd.Index(["A", "A"], name="FieldIndex")),
            {"type": "roi_table"},
            "twice",
        ),
        (ROI_ROWS.rename_axis(None), {"type": "masking_roi_table"}, "expected integer label"),
        (
            pd.DataFrame({"a": [1.0]}, index=pd.Index(["x"], name="cell")),
            {"type": "feature_table"},
            "index must be 'label'",
        ),
    ],
    ids=["missing-column", "duplicate-index", "label-not-int", "wrong-index"],
)
def test_rows_that_do_not_fit_the_type_are_an_ngff_error(
    rows: pd.DataFrame, attrs: dict[str, Any], match: str
) -> None:
    with pytest.raises(NgffValidationError, match=match) as info:
        decode_table(rows, attrs, where="img.zarr/tables/t")
    assert (
        str(info.value).startswith("img.zarr/tables/t: ") and info.value.path == "img.zarr/tables/t"
    )


def test_tables_are_values() -> None:
    """Frozen: a table's rows cannot be changed through it; with_rois returns a new table."""
    table = RoiTable([Roi(name="A", x=0, y=0, x_length=1, y_length=1)])
    frame = table.dataframe
    frame.loc["A", "x_micrometer"] = 99.0
    assert table.get("A").x == 0.0 and table.dataframe.loc["A", "x_micrometer"] == 0.0
    with pytest.raises(AttributeError):
        table.backend = "csv"  # type: ignore[misc]
    bigger = table.with_rois([Roi(name="B", x=1, y=0, x_length=1, y_length=1)])
    assert len(table) == 1 and [r.name for r in bigger.rois()] == ["A", "B"]
    with pytest.raises(NgffKeyError, match="'C': not in this table"):
        table.get("C")
    with pytest.raises(NgffValueError, match="appear twice"):
        RoiTable([Roi(name="A", x=0, y=0, x_length=1, y_length=1)] * 2)
    with pytest.raises(NgffValueError, match="expected integer label values"):
        FeatureTable(pd.DataFrame({"label": ["a"], "area": [1.0]}))
    import anndata

    with pytest.raises(NgffValueError, match="which a FeatureTable cannot keep"):
        FeatureTable(anndata.AnnData(X=np.zeros((2, 1)), uns={"note": "kept nowhere"}))


_FINITE = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False)
_LENGTH = st.floats(min_value=1e-3, max_value=1e4, allow_nan=False)


@given(
    st.lists(
        st.tuples(_FINITE, _FINITE, _LENGTH, _LENGTH, st.one_of(st.none(), _FINITE)), max_size=6
    )
)
def test_roi_tables_survive_encode_and_decode(boxes: list[tuple[Any, ...]]) -> None:
    """decode_table(encode_table(t)) gives the same ROIs, z-less ones with Fractal's z 0 / 1."""
    rois = [
        Roi(name=f"r{i}", label=i + 1, x=x, y=y, x_length=xl, y_length=yl)
        if z is None
        else Roi(name=f"r{i}", label=i + 1, x=x, y=y, z=z, x_length=xl, y_length=yl, z_length=1.0)
        for i, (x, y, xl, yl, z) in enumerate(boxes)
    ]
    for table in (RoiTable(rois), MaskingRoiTable(rois, reference_label="cells")):
        back = decode_table(*encode_table(table))
        assert type(back) is type(table) and len(back) == len(rois)
        for roi, got in zip(rois, back.rois(), strict=True):
            assert (got.x, got.y, got.x_length, got.y_length, got.label) == (
                roi.x,
                roi.y,
                roi.x_length,
                roi.y_length,
                roi.label,
            )
            assert (got.z, got.z_length) == ((0.0, 1.0) if roi.z is None else (roi.z, 1.0))


@given(
    st.integers(1, 4),
    st.lists(st.integers(0, 6), min_size=48, max_size=48),
)
def test_label_boxes_per_block_are_the_whole_array_s(chunk: int, values: list[int]) -> None:
    """Boxes found block by block and merged are scipy's on the whole array."""
    import dask.array as da
    import scipy.ndimage as ndi

    labels = np.asarray(values, np.uint16).reshape(6, 8)
    expected = {k + 1: box for k, box in enumerate(ndi.find_objects(labels)) if box is not None}
    assert label_boxes(da.from_array(labels, chunks=chunk)) == expected


# ---------------------------------------------------------------------------- in a container


def test_bad_stored_tables_are_an_ngff_error_and_stay_as_they_are(tmp_path: Path) -> None:
    """A stored ROI table without a required column opens as an NgffValidationError naming it;
    a bad table given to add_table writes nothing, and the table it would replace survives."""
    c = create_empty_ome_zarr(tmp_path / "img.zarr", (16, 16), pixelsize=1.0)
    bad = ROI_ROWS.drop(columns="z_micrometer")
    with pytest.raises(NgffValueError, match=r"missing \['z_micrometer'\] .*nothing was written"):
        c.add_table("fov", bad, table_type="roi_table")
    assert c.list_tables() == []
    # Another tool wrote it: a generic table whose type says roi_table.
    c.add_table("fov", bad, backend="csv")
    zarr.open_group(tmp_path / "img.zarr" / "tables" / "fov", mode="r+").attrs.update(
        {"type": "roi_table", "index_key": "FieldIndex", "index_type": "str"}
    )
    with pytest.raises(NgffValidationError, match=r"tables/fov: .*missing \['z_micrometer'\]"):
        c.get_table("fov")
    c.add_table("good", RoiTable([Roi(name="A", x=0, y=0, x_length=2, y_length=2)]))
    before = {
        p: p.read_bytes() for p in (tmp_path / "img.zarr" / "tables").rglob("*") if p.is_file()
    }
    mixed = GenericTable(pd.DataFrame({"v": [1, "a"]}))  # AnnData cannot hold a mixed column
    with pytest.raises(NgffValueError, match="column 'v'"):
        c.add_table("good", mixed, overwrite=True)
    with pytest.raises(NgffExistsError):
        c.add_table("good", RoiTable())
    after = {
        p: p.read_bytes() for p in (tmp_path / "img.zarr" / "tables").rglob("*") if p.is_file()
    }
    assert after == before
    assert c.get_table("good").get("A").x_length == 2.0


def test_typed_tables_keep_their_metadata_through_a_container(tmp_path: Path) -> None:
    """Region, feature column lists and other attributes survive get_table then add_table; the
    backend the table was read with is kept unless another is asked for."""
    c = create_empty_ome_zarr(tmp_path / "img.zarr", (16, 16), pixelsize=1.0)
    c.add_table(
        "f", FeatureTable(pd.DataFrame({"label": [1], "a": [2.0]}), reference_label="n"), "csv"
    )
    group = zarr.open_group(tmp_path / "img.zarr" / "tables" / "f", mode="r+")
    group.attrs.update({"measurement_columns": ["a"], "tool": {"name": "x"}})
    again = c.get_table("f")
    assert again.backend == "csv" and again.attributes["measurement_columns"] == ["a"]
    c.add_table("g", again)
    attrs = dict(zarr.open_group(tmp_path / "img.zarr" / "tables" / "g", mode="r").attrs)
    assert attrs["backend"] == "csv" and attrs["tool"] == {"name": "x"}
    assert attrs["region"] == {"path": "../labels/n"} and attrs["measurement_columns"] == ["a"]
    assert c.list_tables("feature_table") == ["f", "g"] and c.list_roi_tables() == []


# ---------------------------------------------------------------------------- with ngio and anndata

NGIO_READ_TYPED = textwrap.dedent(
    """
    import json, sys, warnings
    warnings.simplefilter("ignore")
    import ngio

    c = ngio.open_ome_zarr_container(sys.argv[1], mode="r")
    out = {}
    for name in c.list_tables():
        t = c.get_table(name)
        f = t.dataframe
        out[name] = {"type": t.table_type(), "index_name": f.index.name, "index": f.index.tolist(),
                     "dtypes": {k: str(v) for k, v in f.dtypes.items()},
                     "columns": f.to_dict(orient="list"),
                     "reference": getattr(t, "reference_label", None)}
        if hasattr(t, "rois"):
            out[name]["rois"] = [[r.name, r.label, r.get("x").start, r.get("y").length]
                                 for r in t.rois()]
    print(json.dumps(out, default=str))
    """
)

BACKENDS = ["anndata_v1", "parquet", "csv", "json"]


def _tables() -> dict[str, Any]:
    rois = [Roi(name="FOV_1", x=0.5, y=1.0, x_length=8.0, y_length=4.25)]
    masks = [Roi(name="3", label=3, x=1.0, y=2.0, z=0.0, x_length=2.0, y_length=2.5, z_length=1.0)]
    features = pd.DataFrame(
        {"label": [1, 2], "area": [4.5, 8.0], "count": [3, 4], "kind": ["a", "b"]}
    )
    return {
        "roi": RoiTable(rois),
        "masking": MaskingRoiTable(masks, reference_label="nuclei"),
        "features": FeatureTable(features, reference_label="nuclei"),
        "generic": GenericTable(pd.DataFrame({"score": [0.25, 0.5], "name": ["x", "y"]})),
    }


@pytest.fixture(scope="module")
def ngio_round(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], Path]:
    """Our typed tables in every backend (0.4, Fractal's version), what ngio 1.1 reads of them,
    and a 0.5 store whose tables ngio wrote: one ngio process for both directions."""
    root = tmp_path_factory.mktemp("ngio-round")
    c = create_empty_ome_zarr(root / "ours.zarr", (16, 16), pixelsize=0.5, version="0.4")
    for backend in BACKENDS:
        for kind, table in _tables().items():
            c.add_table(f"{kind}_{backend}", table, backend)
    script = (
        NGIO_READ_TYPED
        + "\n"
        + NGIO_WRITE_TABLES.replace("sys.argv[1], sys.argv[2]", "sys.argv[2], sys.argv[3]").replace(
            'print(json.dumps({"ok": True}))', ""
        )
    )
    theirs = run_ngio(script, root / "ours.zarr", root / "ngio.zarr", "0.5")
    return root / "ours.zarr", theirs, root / "ngio.zarr"


def test_ngio_and_anndata_read_our_typed_tables(
    ngio_round: tuple[Path, dict[str, Any], Path],
) -> None:
    """Each typed table in each backend opens in ngio 1.1 as its type, with our index, columns,
    dtypes, ROIs and reference label; the AnnData ones load in anndata with the same values."""
    import anndata

    store, theirs, _ = ngio_round
    for backend in BACKENDS:
        for kind, table in _tables().items():
            name = f"{kind}_{backend}"
            frame = table.dataframe
            got = theirs[name]
            assert got["type"] == table.table_type, name
            assert got["index_name"] == frame.index.name and got["index"] == frame.index.tolist(), (
                name
            )
            expected = json.loads(json.dumps(frame.to_dict(orient="list"), default=str))
            assert got["columns"] == expected, name
            # csv and json hold text: a whole float may come back as an integer (in both tools)
            if backend in ("anndata_v1", "parquet"):
                assert got["dtypes"] == {k: str(v) for k, v in frame.dtypes.items()}, name
            if isinstance(table, RoiTable):
                assert got["rois"] == [[r.name, r.label, r.x, r.y_length] for r in table.rois()], (
                    name
                )
            assert got["reference"] == getattr(table, "reference_label", None), name
    adata = anndata.io.read_zarr(store / "tables" / "features_anndata_v1")
    assert adata.obs_names.tolist() == ["1", "2"] and adata.var_names.tolist() == ["area"]
    assert adata.X.dtype == np.float64 and adata.X[:, 0].tolist() == [4.5, 8.0]
    assert adata.obs["count"].dtype == np.int64 and adata.obs["kind"].tolist() == ["a", "b"]


def test_ngio_s_typed_tables_open_as_their_types(
    ngio_round: tuple[Path, dict[str, Any], Path],
) -> None:
    """The tables ngio 1.1 writes (image ROI, masking ROI, feature, generic in three backends)
    open as the same typed tables in ngffkit, with ngio's ROIs and rows."""
    c = open_ome_zarr_container(ngio_round[2], mode="r")
    types = {name: type(c.get_table(name)).__name__ for name in c.list_tables()}
    assert types == {
        "roi": "RoiTable",
        "masking": "MaskingRoiTable",
        "features": "FeatureTable",
        "generic_parquet": "GenericTable",
        "generic_csv": "GenericTable",
        "generic_json": "GenericTable",
    }
    image = c.get_table("roi").get("image")
    assert (image.x_length, image.y_length, image.z_length) == (32.0, 32.0, 8.0)
    masks = c.get_table("masking")
    assert masks.reference_label == "nuclei" and [r.label for r in masks.rois()] == [1, 2]
    box = masks.get_label(2)
    assert (box.x, box.x_length, box.y_length, box.z, box.z_length) == (15.0, 10.0, 5.0, 2.0, 4.0)
    assert c.get_table("features").dataframe.loc[2, "area"] == 200.0
    assert c.get_table("generic_json").dataframe["kind"].tolist() == ["a", "b"]
