"""Tables (Fractal / ngio convention) survive the pipeline: listed, read, written, copied and
converted between Zarr v2 (OME-NGFF 0.4) and v3 (0.5), checked against ngio in its own process."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import json
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import zarr

import ngffkit
from ngffkit.container import create_empty_ome_zarr
from ngffkit.errors import (
    NgffConversionError,
    NgffDependencyError,
    NgffExistsError,
    NgffKeyError,
    NgffNotFoundError,
    NgffValidationError,
    NgffValidationWarning,
    NgffValueError,
)
from ngffkit.io.tables import (
    copy_tables,
    list_tables,
    read_table,
    read_table_sources,
    write_table,
)
from tests.test_container import run_ngio, snapshot

VERSIONS = ["0.4", "0.5"]
PAIRS = [(a, b) for a in VERSIONS for b in VERSIONS]

FEATURES = pd.DataFrame(
    {
        "label": [1, 2, 3],
        "area": [225.0, 200.5, 17.25],
        "n_pixels": [3, 4, 5],
        "kind": ["round", "long", "round"],
        "touches_border": [True, False, False],
    }
)
ROIS = pd.DataFrame(
    {
        "x_micrometer": [0.0, 16.0],
        "y_micrometer": [0.0, 0.0],
        "z_micrometer": [0.0, 0.0],
        "len_x_micrometer": [16.0, 16.0],
        "len_y_micrometer": [32.0, 32.0],
        "len_z_micrometer": [2.0, 2.0],
    },
    index=pd.Index(["FOV_1", "FOV_2"], name="FieldIndex"),
)

# name -> (write_table keyword arguments, frame)
TABLES: dict[str, tuple[dict[str, Any], pd.DataFrame]] = {
    "fov": ({"table_type": "roi_table"}, ROIS),
    "masks": (
        {"table_type": "masking_roi_table", "region": "nuclei"},
        ROIS.set_axis(pd.Index([1, 2], name="label")),
    ),
    "features": ({"table_type": "feature_table", "region": "nuclei"}, FEATURES),
    "anndata": ({"backend": "anndata"}, FEATURES.drop(columns="touches_border")),
    "pq": ({"backend": "parquet"}, FEATURES),
    "csv": ({"backend": "csv"}, FEATURES.drop(columns="touches_border")),
    "js": ({"backend": "json"}, FEATURES),
}


def make_store(path: Path, version: str) -> Path:
    """An image written by ngffkit with one table per backend and table type."""
    create_empty_ome_zarr(path, (2, 32, 32), pixelsize=0.5, axes_names="cyx", version=version)
    for name, (kwargs, frame) in TABLES.items():
        write_table(path, name, frame, **kwargs)
    return path


def group_attrs(image: Path, *parts: str) -> dict[str, Any]:
    """A group's attributes as stored."""
    return dict(zarr.open_group(image.joinpath(*parts), mode="r").attrs)


def files_under(root: Path) -> dict[str, bytes]:
    """Every file below *root* (relative path -> bytes)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(params=VERSIONS)
def ours(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """An ngffkit image with tables of every backend, in 0.4 and in 0.5."""
    return make_store(tmp_path / f"ours-{request.param}.zarr", request.param)


# ----------------------------------------------------------------------------- write and read


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", list(TABLES))
def test_written_tables_read_back_equal(tmp_path: Path, version: str, name: str) -> None:
    """Each backend and type reads back as the frame written, indexed by its index key."""
    store = make_store(tmp_path / "img.zarr", version)
    _, frame = TABLES[name]
    back = read_table(store, name)
    expected = frame
    key = group_attrs(store, "tables", name)["index_key"]
    if key is not None and expected.index.name != key:
        expected = expected.set_index(key)
    pd.testing.assert_frame_equal(
        back[list(expected.columns)], expected, check_dtype=False, check_index_type=False
    )
    assert list_tables(store) == tuple(TABLES)


def test_table_attributes_follow_the_v1_spec(tmp_path: Path) -> None:
    """Table groups carry type, table_version, backend, index_key, index_type, and region +
    instance_key for masking ROI and feature tables (Fractal table spec V1)."""
    store = make_store(tmp_path / "img.zarr", "0.5")
    assert group_attrs(store, "tables") == {"tables": list(TABLES)}
    features = group_attrs(store, "tables", "features")
    assert {k: features[k] for k in ("type", "table_version", "backend")} == {
        "type": "feature_table",
        "table_version": "1",
        "backend": "anndata_v1",
    }
    assert features["index_key"] == "label" and features["index_type"] == "int"
    assert features["region"] == {"path": "../labels/nuclei"}
    assert features["instance_key"] == "label"
    assert features["encoding-type"] == "anndata"
    fov = group_attrs(store, "tables", "fov")
    assert (fov["type"], fov["index_key"], fov["index_type"]) == ("roi_table", "FieldIndex", "str")
    assert "region" not in fov
    assert (store / "tables" / "pq" / "table.parquet").is_file()
    assert (store / "tables" / "csv" / "table.csv").is_file()
    assert group_attrs(store, "tables", "js", "table")["kind"] == ["round", "long", "round"]


# ----------------------------------------------------------------------------- the pipeline


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{a}-to-{b}" for a, b in PAIRS])
def test_pipeline_round_trip_keeps_every_table(tmp_path: Path, source: str, target: str) -> None:
    """to_ngff_zarr(new, from_ngff_zarr(old)) keeps every table: same rows, same attributes,
    stored in the target's Zarr format; byte for byte when the format does not change."""
    old = make_store(tmp_path / "old.zarr", source)
    ms = ngffkit.from_ngff_zarr(old)
    assert list(ms.tables) == list(TABLES)
    assert ms.tables["features"].table_type == "feature_table"
    new = tmp_path / "new.zarr"
    ngffkit.to_ngff_zarr(new, ms, version=target)

    assert list_tables(new) == tuple(TABLES)
    for name in TABLES:
        pd.testing.assert_frame_equal(read_table(new, name), read_table(old, name))
        assert group_attrs(new, "tables", name) == group_attrs(old, "tables", name)
    kind = zarr.open_array(new / "tables" / "features" / "obs" / "kind", mode="r")
    assert kind.metadata.zarr_format == (2 if target == "0.4" else 3)
    assert kind[:].tolist() == ["round", "long", "round"]
    if target == "0.5":
        doc = json.loads((new / "tables/features/obs/kind/zarr.json").read_text())
        assert doc["data_type"] == "string"
    else:
        doc = json.loads((new / "tables/features/obs/kind/.zarray").read_text())
        assert (doc["dtype"], doc["filters"]) == ("|O", [{"id": "vlen-utf8"}])
    if source == target:
        assert files_under(new / "tables") == files_under(old / "tables")


def test_pipeline_refuses_to_overwrite_the_store_its_tables_come_from(tmp_path: Path) -> None:
    """Like pixels, tables read from the target must not be deleted before they are copied:
    the write is refused and the store is left as it was."""
    old = make_store(tmp_path / "old.zarr", "0.5")
    fresh = ngffkit.to_multiscales(np.zeros((2, 32, 32), "uint16"), scale_factors=[])
    ms = dataclasses.replace(fresh, tables=ngffkit.from_ngff_zarr(old).tables)
    before = snapshot(old)
    with pytest.raises(NgffValueError, match="table 'fov' to copy is read from this same store"):
        ngffkit.to_ngff_zarr(old, ms, overwrite=True)
    assert snapshot(old) == before
    ngffkit.to_ngff_zarr(tmp_path / "elsewhere.zarr", ms)
    assert list_tables(tmp_path / "elsewhere.zarr") == tuple(TABLES)


def test_broken_tables_do_not_make_the_image_unreadable(tmp_path: Path) -> None:
    """A listed table without a group is skipped with a warning; the others are kept."""
    store = make_store(tmp_path / "img.zarr", "0.5")
    zarr.open_group(store / "tables", mode="r+").update_attributes({"tables": ["fov", "missing"]})
    with pytest.warns(NgffValidationWarning, match="table 'missing' skipped"):
        ms = ngffkit.from_ngff_zarr(store)
    assert list(ms.tables) == ["fov"]
    assert ngffkit.from_ngff_zarr(store, tables=False).tables == {}


def test_table_names_are_also_read_under_ome(tmp_path: Path) -> None:
    """Tolerance: a `tables` list under `ome` is read when the top-level one is absent."""
    store = make_store(tmp_path / "img.zarr", "0.5")
    group = zarr.open_group(store / "tables", mode="r+")
    group.update_attributes({"ome": {"tables": ["fov"]}})
    del group.attrs["tables"]
    assert list_tables(store) == ("fov",)
    assert list(read_table_sources(store)) == ["fov"]


# ----------------------------------------------------------------------------- copy_tables


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{a}-to-{b}" for a, b in PAIRS])
def test_copy_tables_copies_the_whole_subtree(tmp_path: Path, source: str, target: str) -> None:
    """copy_tables copies unlisted groups, extra attributes and raw files too, converting the
    Zarr format of every array (strings, booleans, 0-d scalars, empty arrays)."""
    old = make_store(tmp_path / "old.zarr", source)
    extra = zarr.open_group(old / "tables", mode="r+").create_group(
        "notes", attributes={"by": "hand"}
    )
    zarr.create_array(
        extra.store, name="notes/scalar", data=np.array(3.5), zarr_format=extra.metadata.zarr_format
    )
    zarr.create_array(
        extra.store,
        name="notes/empty",
        shape=(2, 0),
        dtype="f8",
        zarr_format=extra.metadata.zarr_format,
    )
    (old / "tables" / "notes" / "README.txt").write_text("kept as it is")
    zarr.open_group(old / "tables", mode="r+").update_attributes({"owner": "ngio"})
    new = tmp_path / "new.zarr"
    create_empty_ome_zarr(new, (8, 8), pixelsize=1.0, version=target)

    assert copy_tables(old, new) == tuple(TABLES)
    assert group_attrs(new, "tables") == {"tables": list(TABLES), "owner": "ngio"}
    assert group_attrs(new, "tables", "notes") == {"by": "hand"}
    assert zarr.open_array(new / "tables/notes/scalar", mode="r")[()] == 3.5
    assert zarr.open_array(new / "tables/notes/empty", mode="r").shape == (2, 0)
    assert (new / "tables/notes/README.txt").read_text() == "kept as it is"
    for name in TABLES:
        pd.testing.assert_frame_equal(read_table(new, name), read_table(old, name))
    flag = zarr.open_array(new / "tables/features/X", mode="r")
    assert flag.metadata.zarr_format == (2 if target == "0.4" else 3)


def test_copy_tables_refuses_existing_tables_and_overlap(tmp_path: Path) -> None:
    """An existing tables group needs overwrite=True; copying onto the source is refused."""
    old = make_store(tmp_path / "old.zarr", "0.5")
    new = make_store(tmp_path / "new.zarr", "0.4")
    write_table(new, "only_here", pd.DataFrame({"a": [1.0]}))
    before = snapshot(new)
    with pytest.raises(NgffExistsError, match="overwrite=True"):
        copy_tables(old, new)
    assert snapshot(new) == before
    copy_tables(old, new, overwrite=True)
    assert list_tables(new) == tuple(TABLES)
    with pytest.raises(NgffValueError, match="overlap"):
        copy_tables(old, old)


def test_unconvertible_array_names_the_table_path(tmp_path: Path) -> None:
    """A Zarr v2 object array with a codec zarr cannot read in v3 (json2) is a clear
    NgffConversionError naming the array and what was expected."""
    old = make_store(tmp_path / "old.zarr", "0.4")
    bad = old / "tables" / "features" / "uns" / "blob"
    bad.mkdir(parents=True)
    (bad / ".zarray").write_text(
        json.dumps(
            {
                "zarr_format": 2,
                "shape": [1],
                "chunks": [1],
                "dtype": "|O",
                "fill_value": None,
                "order": "C",
                "filters": [{"id": "json2", "encoding": "utf-8"}],
                "compressor": None,
            }
        )
    )
    new = tmp_path / "new.zarr"
    create_empty_ome_zarr(new, (8, 8), pixelsize=1.0, version="0.5")
    with pytest.raises(
        NgffConversionError, match=r"tables/features/uns/blob: cannot convert"
    ) as info:
        copy_tables(old, new)
    assert "numbers, booleans, strings" in str(info.value)


def test_copying_needs_zarr_only(tmp_path: Path) -> None:
    """Copying tables (copy_tables and the pipeline) works without pandas, pyarrow and anndata;
    reading rows then names the extra to install."""
    old = make_store(tmp_path / "old.zarr", "0.4")
    code = textwrap.dedent(
        """
        import sys
        for name in ("pandas", "pyarrow", "anndata"):
            sys.modules[name] = None
        import ngffkit
        from ngffkit.io.tables import copy_tables, list_tables, read_table
        old, new, copied = sys.argv[1:]
        ngffkit.to_ngff_zarr(new, ngffkit.from_ngff_zarr(old), version="0.5")
        ngffkit.create_empty_ome_zarr(copied, (8, 8), pixelsize=1.0)
        print(list(list_tables(new)), list(copy_tables(old, copied)))
        try:
            read_table(new, "fov")
        except ngffkit.NgffDependencyError as exc:
            print(exc)
        """
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            str(old),
            str(tmp_path / "new.zarr"),
            str(tmp_path / "c.zarr"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0] == f"{list(TABLES)} {list(TABLES)}"
    assert "needs pandas" in lines[1] and "pip install 'ngffkit[tables]'" in lines[1]
    pd.testing.assert_frame_equal(read_table(tmp_path / "new.zarr", "pq"), read_table(old, "pq"))


def test_missing_anndata_is_a_dependency_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading or writing an AnnData table without anndata names the extra; nothing is written."""
    store = make_store(tmp_path / "img.zarr", "0.5")
    monkeypatch.setitem(sys.modules, "anndata", None)
    with pytest.raises(NgffDependencyError, match=r"needs anndata.*ngffkit\[tables\]"):
        read_table(store, "features")
    before = snapshot(store)
    with pytest.raises(NgffDependencyError, match="needs anndata"):
        write_table(store, "more", FEATURES)
    assert snapshot(store) == before
    assert read_table(store, "pq")["area"].tolist() == FEATURES["area"].tolist()


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"name": "fov"}, NgffExistsError, "already exists"),
        ({"name": "a/b"}, NgffValueError, "plain name"),
        ({"table_type": "roi"}, NgffValueError, "table_type: expected one of"),
        ({"backend": "hdf5"}, NgffValueError, "backend: expected one of"),
        ({"table_type": "masking_roi_table"}, NgffValueError, "needs the label it masks"),
        (
            {"index_key": "nope", "dataframe": FEATURES.set_index("label")},
            NgffValueError,
            "index_key 'nope': neither a column nor the index name",
        ),
        ({"dataframe": {"a": [1]}}, ngffkit.NgffTypeError, "expected a pandas DataFrame"),
        (
            {"dataframe": pd.DataFrame({"when": pd.to_datetime(["2024-01-01"])})},
            NgffValueError,
            "column 'when'",
        ),
        (
            {"dataframe": pd.DataFrame({"mixed": ["a", 1]})},
            NgffValueError,
            "column 'mixed'",
        ),
    ],
    ids=["exists", "slash", "type", "backend", "no-region", "index", "not-frame", "dates", "mixed"],
)
def test_bad_write_input_changes_nothing(
    tmp_path: Path, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    """write_table mistakes are NgffErrors naming what was wrong; the store is left as it was."""
    store = make_store(tmp_path / "img.zarr", "0.5")
    before = snapshot(store)
    call = {"name": "new", "dataframe": FEATURES, **kwargs}
    with pytest.raises(error, match=message):
        write_table(store, call.pop("name"), call.pop("dataframe"), **call)
    assert snapshot(store) == before


def test_bad_stored_tables_are_clear_errors(tmp_path: Path) -> None:
    """Unknown tables, unknown backends and missing table files are named in the error."""
    store = make_store(tmp_path / "img.zarr", "0.5")
    with pytest.raises(NgffKeyError, match=r"table 'nope': not among the tables of .*\['fov'"):
        read_table(store, "nope")
    zarr.open_group(store / "tables" / "js", mode="r+").update_attributes({"backend": "hdf5"})
    with pytest.raises(NgffValidationError, match=r"attribute 'backend'.*'hdf5'"):
        read_table(store, "js")
    (store / "tables" / "pq" / "table.parquet").unlink()
    with pytest.raises(NgffNotFoundError, match=r"table\.parquet"):
        read_table(store, "pq")
    zarr.open_group(store / "tables", mode="r+").update_attributes({"tables": "fov"})
    with pytest.raises(NgffValidationError, match="expected a list of table names"):
        list_tables(store)


# ----------------------------------------------------------------------------- ngio

NGIO_WRITE_TABLES = textwrap.dedent(
    """
    import json, sys, warnings
    warnings.simplefilter("ignore")
    import numpy as np, pandas as pd
    import ngio
    from ngio.tables import FeatureTable, GenericTable

    store, version = sys.argv[1], sys.argv[2]
    array = np.random.default_rng(0).integers(0, 100, (1, 4, 64, 64)).astype("uint16")
    c = ngio.create_ome_zarr_from_array(store, array, pixelsize=0.5, z_spacing=2.0, levels=2,
                                        ngff_version=version)
    label = c.derive_label("nuclei")
    mask = np.zeros(label.shape, label.dtype)
    mask[1:3, 5:20, 5:20] = 1
    mask[1:3, 30:40, 30:50] = 2
    label.set_array(mask)
    label.consolidate()
    c.add_table("roi", c.build_image_roi_table("image"))
    c.add_table("masking", c.build_masking_roi_table("nuclei"))
    frame = pd.DataFrame({"label": [1, 2], "area": [225.0, 200.0], "n": [3, 4],
                          "kind": ["a", "b"]})
    c.add_table("features", FeatureTable(frame, reference_label="nuclei"))
    c.add_table("generic_parquet", GenericTable(frame), backend="parquet")
    c.add_table("generic_csv", GenericTable(frame), backend="csv")
    c.add_table("generic_json", GenericTable(frame), backend="json")
    print(json.dumps({"ok": True}))
    """
)

NGIO_READ_TABLES = textwrap.dedent(
    """
    import json, sys, warnings
    warnings.simplefilter("ignore")
    import ngio

    c = ngio.open_ome_zarr_container(sys.argv[1], mode="r")
    out = {}
    for name in c.list_tables():
        table = c.get_table(name)
        frame = table.dataframe
        out[name] = {"type": table.table_type(), "index_name": frame.index.name,
                     "index": frame.index.tolist(), "columns": frame.to_dict(orient="list")}
    print(json.dumps(out, default=str))
    """
)


def as_json(frame: pd.DataFrame) -> dict[str, Any]:
    """A frame in the shape NGIO_READ_TABLES prints (type left out), JSON-normalised."""
    doc = {
        "index_name": frame.index.name,
        "index": frame.index.tolist(),
        "columns": frame.to_dict(orient="list"),
    }
    return json.loads(json.dumps(doc, default=str))  # type: ignore[no-any-return]


def ours_as_ngio_sees_it(image: Path) -> dict[str, dict[str, Any]]:
    """Every table of *image* read by ngffkit, with its type, in NGIO_READ_TABLES's shape."""
    out = {}
    for name in list_tables(image):
        doc = as_json(read_table(image, name))
        doc["type"] = group_attrs(image, "tables", name).get("type", "generic_table")
        out[name] = doc
    return out


@pytest.fixture(scope="module", params=VERSIONS)
def ngio_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store ngio wrote (run in its own process) with ROI, masking ROI, feature and generic
    tables of the anndata_v1, parquet, csv and json backends."""
    store = tmp_path_factory.mktemp("ngio") / f"ngio-{request.param}.zarr"
    run_ngio(NGIO_WRITE_TABLES, store, request.param)
    return store


@pytest.mark.parametrize("target", VERSIONS)
def test_ngio_tables_survive_our_pipeline(ngio_store: Path, tmp_path: Path, target: str) -> None:
    """ngffkit reads ngio's tables as ngio does, copies them through
    to_ngff_zarr(new, from_ngff_zarr(old)), and ngio reads the copies back equal."""
    theirs = run_ngio(NGIO_READ_TABLES, ngio_store)
    assert list(theirs) == [
        "roi",
        "masking",
        "features",
        "generic_parquet",
        "generic_csv",
        "generic_json",
    ]
    assert ours_as_ngio_sees_it(ngio_store) == theirs
    new = tmp_path / "copy.zarr"
    ngffkit.to_ngff_zarr(new, ngffkit.from_ngff_zarr(ngio_store), version=target)
    assert run_ngio(NGIO_READ_TABLES, new) == theirs
    assert ours_as_ngio_sees_it(new) == theirs


def test_multiscales_tables_are_checked() -> None:
    """Multiscales.tables maps plain names to TableSource values; anything else is refused."""
    fresh = ngffkit.to_multiscales(np.zeros((8, 8), "uint8"), scale_factors=[])
    source = ngffkit.TableSource(store=zarr.storage.MemoryStore(), path="img/tables/roi/")
    assert source.path == "img/tables/roi" and source.name == "roi"
    assert dataclasses.replace(fresh, tables={"roi": source}).tables == {"roi": source}
    with pytest.raises(NgffValueError, match="table name"):
        dataclasses.replace(fresh, tables={"a/b": source})
    with pytest.raises(NgffValueError, match="expected a TableSource"):
        dataclasses.replace(fresh, tables={"roi": "img/tables/roi"})
    with pytest.raises(NgffValueError, match="zarr_format: expected 2 or 3"):
        ngffkit.TableSource(store=zarr.storage.MemoryStore(), path="t", zarr_format=4)


class _NoListingHandler(http.server.SimpleHTTPRequestHandler):
    """A static file server that does not list directories (as many real ones do not)."""

    def list_directory(self, path: Any) -> None:
        self.send_error(404, "directory listing disabled")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def unlisted_http_root(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A real HTTP server on 127.0.0.1 without directory listings: (directory, base URL)."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(_NoListingHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("target", VERSIONS)
def test_tables_copy_from_an_http_store(
    http_root: tuple[Path, str], tmp_path: Path, target: str
) -> None:
    """Tables read over HTTP from a server that lists directories are copied completely."""
    directory, base = http_root
    old = make_store(directory / f"http-{target}.zarr", "0.4")
    ms = ngffkit.from_ngff_zarr(f"{base}/http-{target}.zarr")
    assert list(ms.tables) == list(TABLES)
    new = tmp_path / "new.zarr"
    ngffkit.to_ngff_zarr(new, ms, version=target)
    for name in TABLES:
        pd.testing.assert_frame_equal(read_table(new, name), read_table(old, name))


def test_tables_that_cannot_be_listed_are_refused_before_writing(
    unlisted_http_root: tuple[Path, str], tmp_path: Path
) -> None:
    """Over HTTP without directory listings a table cannot be copied completely: the write is
    refused before anything is written, instead of leaving a listed table with missing parts.
    Rows can still be read, and the image written without its tables."""
    directory, base = unlisted_http_root
    old = make_store(directory / "img.zarr", "0.5")
    ms = ngffkit.from_ngff_zarr(f"{base}/img.zarr")
    new = tmp_path / "new.zarr"
    with pytest.raises(NgffValueError, match="cannot list this node's keys"):
        ngffkit.to_ngff_zarr(new, ms)
    assert not new.exists()
    pd.testing.assert_frame_equal(read_table(f"{base}/img.zarr", "pq"), read_table(old, "pq"))
    ngffkit.to_ngff_zarr(new, dataclasses.replace(ms, tables={}))
    assert list_tables(new) == ()
