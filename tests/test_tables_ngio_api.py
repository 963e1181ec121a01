"""The typed tables' ngio-named API beyond the chapters: `add` (a new table, where ngio changes
its own), `.anndata`, `.lazy_frame`, and generic tables made from an AnnData with `uns` / `obsm`
(kept whole by the anndata backend, refused by the others); cross-checked with ngio 1.1."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import zarr

from ngffkit.container import create_empty_ome_zarr, open_ome_zarr_container
from ngffkit.errors import NgffValueError
from ngffkit.rois import Roi
from ngffkit.tables import FeatureTable, GenericTable, MaskingRoiTable, RoiTable
from tests.test_container import run_ngio

anndata = pytest.importorskip("anndata", reason="needs anndata: pip install 'ngffkit[tables]'")

FEATURES = pd.DataFrame(
    {"label": [1, 2], "area": [4.5, 8.0], "count": [3, 4], "kind": ["a", "b"], "ok": [True, False]}
)
GENERIC = pd.DataFrame({"score": [0.25, 0.5], "name": ["x", "y"], "n": [1, 2]})


def _roi(name: str, x: float, label: int | None = None) -> Roi:
    return Roi(name=name, label=label, x=x, y=0.0, x_length=2.0, y_length=3.0)


def _extras() -> Any:
    """An AnnData with parts beyond its rows: uns, obsm and a layer."""
    adata = anndata.AnnData(
        X=np.arange(6, dtype="float64").reshape(3, 2),
        obs=pd.DataFrame({"kind": ["a", "b", "c"]}, index=["c1", "c2", "c3"]),
        uns={"source": "scope 3", "threshold": 0.5},
    )
    adata.obsm["spatial"] = np.arange(6, dtype="float64").reshape(3, 2) * 10
    adata.layers["raw_counts"] = np.ones((3, 2))
    return adata


def _anndata_summary(adata: Any) -> dict[str, Any]:
    return {
        "obs_names": [str(v) for v in adata.obs_names],
        "obs_index_name": adata.obs.index.name,
        "obs_columns": list(adata.obs.columns),
        "obs_dtypes": [str(adata.obs[c].dtype) for c in adata.obs.columns],
        "var_names": [str(v) for v in adata.var_names],
        "x_dtype": str(adata.X.dtype),
        "x": np.asarray(adata.X).tolist(),
    }


def _lazy_summary(lazy: Any) -> dict[str, Any]:
    frame = lazy.collect()
    return {"columns": frame.columns, "dtypes": [str(d) for d in frame.dtypes]}


# What ngio 1.1 gives for the same calls: add (with and without overwrite), .anndata,
# .lazy_frame, and a generic table from an AnnData with extras written by ngffkit.
NGIO_TABLE_API = textwrap.dedent(
    """
    import json, sys, warnings
    warnings.simplefilter("ignore")
    import numpy as np, pandas as pd
    import ngio
    from ngio import Roi
    from ngio.tables import FeatureTable, GenericTable, MaskingRoiTable, RoiTable

    def roi(name, x, label=None):
        return Roi.from_values(name=name, slices={"x": (x, 2.0), "y": (0.0, 3.0)},
                               space="world", label=label)

    def ad_summary(a):
        return {"obs_names": [str(v) for v in a.obs_names], "obs_index_name": a.obs.index.name,
                "obs_columns": list(a.obs.columns),
                "obs_dtypes": [str(a.obs[c].dtype) for c in a.obs.columns],
                "var_names": [str(v) for v in a.var_names], "x_dtype": str(a.X.dtype),
                "x": np.asarray(a.X).tolist()}

    def lazy_summary(lf):
        f = lf.collect()
        return {"columns": f.columns, "dtypes": [str(d) for d in f.dtypes]}

    out = {}
    t = RoiTable([roi("A", 0.0)])
    t.add(roi("B", 1.0))
    try:
        t.add(roi("B", 5.0))
        out["duplicate"] = "accepted"
    except Exception as exc:
        out["duplicate"] = type(exc).__name__
    t.add([roi("B", 7.0), roi("C", 9.0)], overwrite=True)
    out["roi_add"] = t.dataframe.reset_index().to_dict(orient="list")
    m = MaskingRoiTable([roi("1", 0.0, 1)], reference_label="nuclei")
    m.add(roi("2", 4.0, 2))
    out["masking_add"] = m.dataframe.reset_index().to_dict(orient="list")
    features = pd.DataFrame({"label": [1, 2], "area": [4.5, 8.0], "count": [3, 4],
                             "kind": ["a", "b"], "ok": [True, False]})
    generic = pd.DataFrame({"score": [0.25, 0.5], "name": ["x", "y"], "n": [1, 2]})
    tables = {"features": FeatureTable(features, reference_label="nuclei"),
              "roi": t, "generic": GenericTable(generic)}
    out["anndata"] = {k: ad_summary(v.anndata) for k, v in tables.items()}
    out["lazy"] = {k: lazy_summary(v.lazy_frame) for k, v in tables.items()}
    c = ngio.open_ome_zarr_container(sys.argv[1], mode="r")
    kept = c.get_table("kept").anndata
    out["kept"] = {"uns": {k: (v.item() if hasattr(v, "item") else v)
                           for k, v in kept.uns.items()},
                   "obsm": {k: np.asarray(v).tolist() for k, v in kept.obsm.items()},
                   "layers": sorted(kept.layers), "rows": ad_summary(kept)}
    print(json.dumps(out, default=str))
    """
)


@pytest.fixture(scope="module")
def kept_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An image whose table `kept` is a generic table made from an AnnData with extras."""
    path = tmp_path_factory.mktemp("kept") / "img.zarr"
    c = create_empty_ome_zarr(path, (16, 16), pixelsize=1.0)
    c.add_table("kept", GenericTable(_extras()))
    return path


@pytest.fixture(scope="module")
def theirs(kept_store: Path) -> dict[str, Any]:
    """ngio 1.1's answers (one process)."""
    return run_ngio(NGIO_TABLE_API, kept_store)


def _ours_add() -> tuple[RoiTable, MaskingRoiTable]:
    t = RoiTable([_roi("A", 0.0)]).add(_roi("B", 1.0))
    t = t.add([_roi("B", 7.0), _roi("C", 9.0)], overwrite=True)
    m = MaskingRoiTable([_roi("1", 0.0, 1)], reference_label="nuclei").add(_roi("2", 4.0, 2))
    return t, m


def test_add_returns_a_new_table_with_ngio_s_rows(theirs: dict[str, Any]) -> None:
    """add gives the rows ngio's in-place add gives (replacing only with overwrite=True, as
    ngio); the table it was called on is unchanged."""
    first = RoiTable([_roi("A", 0.0)])
    second = first.add(_roi("B", 1.0))
    assert len(first) == 1 and [r.name for r in second.rois()] == ["A", "B"]
    assert theirs["duplicate"] == "NgioValueError"
    with pytest.raises(NgffValueError, match="'B': already in this table"):
        second.add(_roi("B", 5.0))
    with pytest.raises(NgffValueError, match="'B': already in this table"):
        first.add([_roi("B", 5.0), _roi("B", 6.0)])
    table, masking = _ours_add()
    assert table.dataframe.reset_index().to_dict(orient="list") == theirs["roi_add"]
    assert masking.dataframe.reset_index().to_dict(orient="list") == theirs["masking_add"]
    assert masking.reference_label == "nuclei" and masking.get_label(2).x == 4.0
    with pytest.raises(NgffValueError, match=r"expected ngffkit\.Roi"):
        first.add(["A"])  # type: ignore[list-item]


def test_anndata_and_lazy_frame_are_ngio_s(theirs: dict[str, Any]) -> None:
    """.anndata splits the columns as ngio does (X, obs, index as text) and .lazy_frame has
    ngio's columns and dtypes."""
    table, _ = _ours_add()
    tables = {
        "features": FeatureTable(FEATURES, reference_label="nuclei"),
        "roi": table,
        "generic": GenericTable(GENERIC),
    }
    for name, value in tables.items():
        assert _anndata_summary(value.anndata) == theirs["anndata"][name], name
    pytest.importorskip("polars", reason="lazy_frame needs polars: pip install polars")
    for name, value in tables.items():
        assert _lazy_summary(value.lazy_frame) == theirs["lazy"][name], name


def test_a_generic_table_keeps_what_its_anndata_holds(
    kept_store: Path, theirs: dict[str, Any]
) -> None:
    """uns, obsm and layers of an AnnData survive GenericTable, add_table and get_table, and
    ngio reads them; a typed table or a non-AnnData backend refuses them and writes nothing."""
    source = _extras()
    table = GenericTable(source)
    source.uns["source"] = "changed later"  # the table took a copy
    assert table.anndata_parts == ("obsm", "layers", "uns")
    assert table.dataframe.columns.tolist() == ["0", "1", "kind"]
    back = open_ome_zarr_container(kept_store, mode="r").get_table("kept")
    assert isinstance(back, GenericTable) and back.anndata_parts == ("obsm", "layers", "uns")
    adata = back.anndata
    assert adata.uns["source"] == "scope 3" and adata.obsm["spatial"][2].tolist() == [40.0, 50.0]
    assert theirs["kept"]["uns"] == {"source": "scope 3", "threshold": 0.5}
    assert theirs["kept"]["obsm"]["spatial"] == adata.obsm["spatial"].tolist()
    assert theirs["kept"]["layers"] == ["raw_counts"]
    assert theirs["kept"]["rows"] == _anndata_summary(adata)

    c = open_ome_zarr_container(kept_store, mode="r+")
    before = sorted(p.name for p in (kept_store / "tables").iterdir())
    with pytest.raises(
        NgffValueError, match=r"only an anndata backend stores.*nothing was written"
    ):
        c.add_table("flat", table, backend="parquet")
    with pytest.raises(NgffValueError, match="which a FeatureTable cannot keep"):
        FeatureTable(_extras())
    assert sorted(p.name for p in (kept_store / "tables").iterdir()) == before
    assert c.list_tables() == ["kept"]
    rows_only = GenericTable(anndata.AnnData(X=np.ones((2, 1))))
    assert rows_only.anndata_parts == () and rows_only.anndata.n_obs == 2
    assert json.loads(json.dumps(dict(zarr.open_group(kept_store / "tables" / "kept").attrs)))[
        "type"
    ] == ("generic_table")


def test_typed_tables_read_from_an_anndata_keep_its_parts(tmp_path: Path) -> None:
    """A feature table stored as an AnnData with obsm opens typed and keeps obsm when written
    again; a non-AnnData backend is refused; a ROI table with such parts refuses add."""
    from ngffkit.io.tables import write_table

    path = tmp_path / "img.zarr"
    c = create_empty_ome_zarr(path, (16, 16), pixelsize=1.0)
    frame = pd.DataFrame({"label": [1, 2], "area": [4.5, 8.0]}).set_index("label")
    adata = FeatureTable(frame).anndata
    adata.obsm["centroid"] = np.array([[1.0, 2.0], [3.0, 4.0]])
    write_table(path, "features", frame, table_type="feature_table", anndata=adata)
    rois = RoiTable([_roi("A", 0.0)])
    roi_adata = rois.anndata
    roi_adata.uns["note"] = "kept"
    write_table(path, "fov", rois.dataframe, table_type="roi_table", anndata=roi_adata)

    features = c.get_table("features")
    assert isinstance(features, FeatureTable) and features.anndata_parts == ("obsm",)
    assert features.dataframe.loc[2, "area"] == 8.0
    c.add_table("again", features)
    again = c.get_table("again").anndata
    assert again.obsm["centroid"].tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert again.obs_names.tolist() == ["1", "2"]
    with pytest.raises(NgffValueError, match="only an anndata backend stores"):
        c.add_table("flat", features, backend="csv")
    fov = c.get_table("fov")
    assert isinstance(fov, RoiTable) and fov.anndata.uns["note"] == "kept"
    with pytest.raises(NgffValueError, match=r"add: this table's AnnData also holds \['uns'\]"):
        fov.add(_roi("B", 1.0))
    assert [r.name for r in RoiTable(fov.rois()).add(_roi("B", 1.0)).rois()] == ["A", "B"]
    assert c.list_tables() == ["features", "fov", "again"]


@pytest.mark.parametrize(
    ("module", "read", "message"),
    [
        ("anndata", lambda t: t.anndata, r"needs anndata.*pip install 'ngffkit\[tables\]'"),
        ("polars", lambda t: t.lazy_frame, "lazy_frame needs polars.*pip install polars"),
    ],
)
def test_missing_anndata_or_polars_is_a_dependency_error(
    monkeypatch: pytest.MonkeyPatch, module: str, read: Any, message: str
) -> None:
    """Without the optional package, .anndata / .lazy_frame name what to install."""
    from ngffkit.errors import NgffDependencyError

    table = FeatureTable(FEATURES)
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(NgffDependencyError, match=message):
        read(table)
