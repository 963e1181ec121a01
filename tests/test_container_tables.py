"""The container's tables and deletions: get_table, add_table, delete_table, delete_label,
derive_image(copy_tables=...), read-only refusals, and ngio reading the tables we add."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from ngffkit.container import OmeZarrContainer, create_empty_ome_zarr, open_ome_zarr_container
from ngffkit.errors import NgffExistsError, NgffKeyError, NgffReadOnlyError, NgffValueError
from tests.io.test_tables import NGIO_READ_TABLES, ROIS, as_json
from tests.test_container import run_ngio, snapshot

VERSIONS = ["0.4", "0.5"]

FEATURES = pd.DataFrame(
    {"label": [1, 2], "area": [12.5, 30.0], "n_pixels": [50, 120], "kind": ["a", "b"]}
)


@pytest.fixture
def make() -> Callable[..., tuple[Path, OmeZarrContainer]]:
    """Factory: a writable image with a label and two tables, stored under a temp dir."""

    def factory(path: Path, version: str = "0.5") -> tuple[Path, OmeZarrContainer]:
        c = create_empty_ome_zarr(
            path, (2, 4, 32, 32), pixelsize=0.5, z_spacing=2.0, axes_names="czyx", version=version
        )
        c.derive_label("nuclei")
        c.derive_label("cells")
        c.add_table("fov", ROIS, table_type="roi_table")
        c.add_table("features", FEATURES, table_type="feature_table", region="nuclei")
        return path, open_ome_zarr_container(path, mode="r+")

    return factory


@pytest.mark.parametrize("version", VERSIONS)
def test_get_and_add_tables(make: Any, tmp_path: Path, version: str) -> None:
    """add_table lists the new table after the others; get_table reads each back by name."""
    _, c = make(tmp_path / "img.zarr", version)
    c.add_table("extra", pd.DataFrame({"score": [0.5, 0.25]}), backend="parquet")
    assert c.list_tables() == ["fov", "features", "extra"]
    pd.testing.assert_frame_equal(c.get_table("fov").dataframe, ROIS)
    assert c.get_table("features").dataframe.to_dict() == {
        "area": {1: 12.5, 2: 30.0},
        "n_pixels": {1: 50, 2: 120},
        "kind": {1: "a", 2: "b"},
    }
    assert c.get_table("extra").dataframe["score"].tolist() == [0.5, 0.25]
    assert "tables    fov, features, extra" in repr(c)


def test_add_table_refuses_an_existing_name_unless_overwrite(make: Any, tmp_path: Path) -> None:
    """An existing name needs overwrite=True (nothing written before); overwriting keeps the
    other tables and the list order, and may change the backend."""
    path, c = make(tmp_path / "img.zarr")
    before = snapshot(path)
    with pytest.raises(NgffExistsError, match="table 'fov' already exists"):
        c.add_table("fov", ROIS.iloc[:1], table_type="roi_table")
    assert snapshot(path) == before
    c.add_table("fov", ROIS.iloc[:1], table_type="roi_table", backend="json", overwrite=True)
    assert c.list_tables() == ["fov", "features"]
    pd.testing.assert_frame_equal(c.get_table("fov").dataframe, ROIS.iloc[:1])
    assert not (path / "tables" / "fov" / "X").exists()  # the old AnnData group is gone


def test_unknown_table_names_the_ones_there_are(make: Any, tmp_path: Path) -> None:
    """get_table of an unknown name is an NgffKeyError listing the tables."""
    _, c = make(tmp_path / "img.zarr")
    with pytest.raises(NgffKeyError, match=r"table 'cells': not among .*\['fov', 'features'\]"):
        c.get_table("cells")
    empty = create_empty_ome_zarr(tmp_path / "empty.zarr", (8, 8), pixelsize=1.0)
    with pytest.raises(NgffKeyError, match="this image has no tables"):
        empty.get_table("fov")


def test_delete_table_and_label_keep_the_others(make: Any, tmp_path: Path) -> None:
    """delete_table / delete_label remove one entry from the list and its group; the rest stay."""
    path, c = make(tmp_path / "img.zarr")
    c.delete_table("fov")
    assert c.list_tables() == ["features"] and not (path / "tables" / "fov").exists()
    c.delete_label("nuclei")
    assert c.list_labels() == ["cells"] and not (path / "labels" / "nuclei").exists()
    assert c.get_label("cells").shape == (4, 32, 32)
    before = snapshot(path)
    with pytest.raises(NgffKeyError, match=r"table 'fov': not among .*\['features'\]"):
        c.delete_table("fov")
    with pytest.raises(NgffKeyError, match=r"label 'nuclei': not among .*\['cells'\]"):
        c.delete_label("nuclei")
    c.delete_table("fov", missing_ok=True)
    c.delete_label("nuclei", missing_ok=True)
    assert snapshot(path) == before


@pytest.mark.parametrize(
    ("action", "call"),
    [
        ("add_table", lambda c: c.add_table("new", FEATURES)),
        ("delete_table", lambda c: c.delete_table("fov")),
        ("delete_label", lambda c: c.delete_label("nuclei")),
    ],
    ids=["add_table", "delete_table", "delete_label"],
)
def test_read_only_containers_refuse_table_and_label_changes(
    make: Any, tmp_path: Path, action: str, call: Callable[[OmeZarrContainer], Any]
) -> None:
    """Writes through a read-only container raise NgffReadOnlyError naming the action;
    nothing in the store changes."""
    path, _ = make(tmp_path / "img.zarr")
    before = snapshot(path)
    with pytest.raises(NgffReadOnlyError, match=f"{action} needs write access"):
        call(open_ome_zarr_container(path, mode="r"))
    assert snapshot(path) == before


def test_bad_add_table_input_writes_nothing(make: Any, tmp_path: Path) -> None:
    """A masking ROI table without its label, or an unknown backend, is refused up front."""
    path, c = make(tmp_path / "img.zarr")
    before = snapshot(path)
    with pytest.raises(NgffValueError, match="needs the label it masks"):
        c.add_table("masks", ROIS, table_type="masking_roi_table")
    with pytest.raises(NgffValueError, match="backend: expected one of"):
        c.add_table("x", FEATURES, backend="excel")
    assert snapshot(path) == before


@pytest.mark.parametrize(("source", "target"), [("0.5", "0.4"), ("0.4", "0.5")])
def test_derive_image_copies_tables_only_when_asked(
    make: Any, tmp_path: Path, source: str, target: str
) -> None:
    """derive_image(copy_tables=True) copies every table (converted to the new version's
    Zarr format); by default the new image has none (ngio's default too)."""
    _, c = make(tmp_path / "img.zarr", source)
    plain = c.derive_image(tmp_path / "plain.zarr")
    assert plain.list_tables() == []
    new = c.derive_image(tmp_path / "new.zarr", copy_tables=True, version=target)
    assert new.version == target and new.list_tables() == ["fov", "features"]
    for name in ("fov", "features"):
        pd.testing.assert_frame_equal(new.get_table(name).dataframe, c.get_table(name).dataframe)


@pytest.mark.parametrize("version", VERSIONS)
def test_ngio_reads_the_tables_we_add(tmp_path: Path, version: str) -> None:
    """ngio (its own process) reads ROI, masking ROI, feature and generic tables added by
    ngffkit with every backend: same names, types, index and values."""
    c = create_empty_ome_zarr(
        tmp_path / "img.zarr", (4, 64, 64), pixelsize=0.5, z_spacing=2.0, version=version
    )
    nuclei = c.derive_label("nuclei")
    mask = np.zeros(nuclei.shape, nuclei.dtype)
    mask[1:3, 5:20, 5:20] = 1
    mask[1:3, 30:40, 30:50] = 2
    nuclei.set_array(mask).consolidate()
    c.add_table("fov", ROIS, table_type="roi_table")
    c.add_table(
        "masks",
        ROIS.set_axis(pd.Index([1, 2], name="label")),
        table_type="masking_roi_table",
        region="nuclei",
    )
    c.add_table("features", FEATURES, table_type="feature_table", region="nuclei")
    for backend in ("anndata", "parquet", "csv", "json"):
        c.add_table(f"generic_{backend}", FEATURES, backend=backend)
    theirs = run_ngio(NGIO_READ_TABLES, tmp_path / "img.zarr")
    assert list(theirs) == c.list_tables()
    assert {name: doc["type"] for name, doc in theirs.items()} == {
        "fov": "roi_table",
        "masks": "masking_roi_table",
        "features": "feature_table",
        **{f"generic_{b}": "generic_table" for b in ("anndata", "parquet", "csv", "json")},
    }
    for name, doc in theirs.items():
        assert {k: v for k, v in doc.items() if k != "type"} == as_json(
            c.get_table(name).dataframe
        ), name
