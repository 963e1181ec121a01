"""Self-tests of the interop harness: the outside tools write, read and validate each other.

Nothing here imports ngffkit. Each outside tool (ngff-zarr, ome-zarr-py, ngio) writes every
case of ``_cases.CASES`` as OME-Zarr 0.4 and 0.5; every outside reader, ome-zarr-models and
``schema_validate`` then read every store. Where the outside tools genuinely disagree, the
disagreement is asserted exactly, next to its upstream cause
(``_cases.unversioned_labels_group``, ``KNOWN_OZM_ERROR``, ``_expected_label_names``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.interop._cases import (
    CASES,
    LABEL_NAME,
    LABEL_TOOLS,
    LEVEL_PATHS,
    VERSIONS,
    level_summary,
    unversioned_labels_group,
)
from tests.interop._outside import SCHEMAS, TOOLS, schema_validate

STORES = [(w, c, v) for w in TOOLS for c in CASES for v in VERSIONS]
READS = [(r, *store) for r in TOOLS for store in STORES]
LABEL_READS = [
    (r, w, c, v) for r in LABEL_TOOLS for w in LABEL_TOOLS for c in CASES for v in VERSIONS
    if CASES[c].label
]  # fmt: skip
CHANNEL_READS = [read for read in READS if CASES[read[2]].channel_labels is not None]


KNOWN_OZM_ERROR = (
    "ome_zarr_models.v05.image.Image\n"
    "ValidationError: 1 validation error for LabelsAttrs\nversion\n  Field required"
)
"""How ome-zarr-models 1.7 rejects an image whose 0.5 labels group has no ``ome.version``."""


def _expected_label_names(reader: str, writer: str, case: str, version: str) -> list[str]:
    # ngio 1.1.3 reads the labels group through its 0.5 model, which needs ome.version; without
    # it `list_labels()` is silently empty (ome-zarr-py, which does not check, lists the label).
    if reader == "ngio" and unversioned_labels_group(writer, case, version):
        return []
    return [LABEL_NAME]


def _strict_errors(writer: str, case: str, version: str) -> set[str]:
    """What the strict schemas miss in each outside tool's output (SHOULD-level keys).

    ngff-zarr records its downsampling method (``type``, ``metadata``); ome-zarr-py and ngio do
    not, and neither gives label images ``colors``.
    """
    if writer == "ngffzarr":
        return set()
    root = "$.ome." if version == "0.5" else "$."
    label = "$.ome['image-label']" if version == "0.5" else "$['image-label']"
    groups = [".", f"labels/{LABEL_NAME}"] if CASES[case].label else ["."]
    missing = {
        f"{group}: strict_image.schema: {root}multiscales[0]: '{key}' is a required property"
        for group in groups
        for key in ("metadata", "type")
    }
    if CASES[case].label:
        missing.add(
            f"labels/{LABEL_NAME}: strict_label.schema: {label}: 'colors' is a required property"
        )
    return missing


# ---------------------------------------------------------------------------- writers


@pytest.mark.parametrize(("writer", "case", "version"), STORES)
def test_outside_writer_writes_requested_version(
    outside_written: dict[tuple[str, str, str], tuple[Path, dict[str, Any]]],
    writer: str,
    case: str,
    version: str,
) -> None:
    """Each outside tool writes the two levels under its own path scheme in the asked format."""
    store, result = outside_written[writer, case, version]
    assert result["ok"], result.get("traceback", result["error"])
    assert result["paths"] == LEVEL_PATHS[writer]
    assert (store / "zarr.json").is_file() == (version == "0.5")
    assert (store / ".zattrs").is_file() == (version == "0.4")
    assert (store / "labels").is_dir() == (CASES[case].label and writer in LABEL_TOOLS)


# ---------------------------------------------------------------------------- readers


@pytest.mark.parametrize(("reader", "writer", "case", "version"), READS)
def test_outside_reader_sees_written_image(
    outside_read: dict[tuple[str, ...], dict[str, Any]],
    reader: str,
    writer: str,
    case: str,
    version: str,
) -> None:
    """Every outside reader gets the written pixels, axes, level-0 placement and units."""
    result, expected = outside_read[reader, writer, case, version], CASES[case]
    assert result["ok"], result.get("traceback", result["error"])
    assert result["axes"] == list(expected.dims)
    assert result["level0_sha256"] == expected.sha256
    assert result["levels"][0]["dtype"] == expected.dtype
    assert result["levels"][0]["scale"] == pytest.approx(expected.full_scale())
    assert result["levels"][0]["translation"] == pytest.approx(expected.full_translation())
    assert {d: u for d, u in result["units"].items() if u} == expected.units
    assert [level["path"] for level in result["levels"]] == LEVEL_PATHS[writer]


@pytest.mark.parametrize(("writer", "case", "version"), STORES)
def test_outside_readers_agree_on_every_level(
    outside_read: dict[tuple[str, ...], dict[str, Any]], writer: str, case: str, version: str
) -> None:
    """The three outside readers report the same shape, scale and translation for each level."""
    summaries = {r: level_summary(outside_read[r, writer, case, version]) for r in TOOLS}
    assert summaries["ngffzarr"] == summaries["omezarr"] == summaries["ngio"]


@pytest.mark.parametrize(("reader", "writer", "case", "version"), CHANNEL_READS)
def test_outside_reader_sees_channel_labels(
    outside_read: dict[tuple[str, ...], dict[str, Any]],
    reader: str,
    writer: str,
    case: str,
    version: str,
) -> None:
    """Channel names written as omero labels come back from every outside reader."""
    result = outside_read[reader, writer, case, version]
    assert result["channel_labels"] == list(CASES[case].channel_labels or ())


@pytest.mark.parametrize(("reader", "writer", "case", "version"), LABEL_READS)
def test_outside_reader_sees_label(
    outside_read: dict[tuple[str, ...], dict[str, Any]],
    reader: str,
    writer: str,
    case: str,
    version: str,
) -> None:
    """Label images written by ome-zarr-py and ngio are listed, with their pixels, by both."""
    result = outside_read[reader, writer, case, version]
    names = _expected_label_names(reader, writer, case, version)
    assert result["labels"] == names
    assert result["label_level0_sha256"] == dict.fromkeys(names, CASES[case].label_sha256)


PROCESS_MODULES = {
    "ozm": ["ome_zarr_models"],
    "ngffzarr": ["ngff_zarr"],
    # ome-zarr-py 0.18 and ngio 1.1 import ome-zarr-models themselves.
    "omezarr": ["ome_zarr", "ome_zarr_models"],
    "ngio": ["ngio", "ome_zarr_models"],
}


@pytest.mark.parametrize("reader", sorted(PROCESS_MODULES))
def test_each_outside_process_loads_one_tool(
    outside_read: dict[tuple[str, ...], dict[str, Any]], reader: str
) -> None:
    """A reader's process holds its own tool only (ngio never shares one with ome-zarr-models)."""
    modules = {tuple(result["modules"]) for key, result in outside_read.items() if key[0] == reader}
    assert modules == {tuple(PROCESS_MODULES[reader])}


# ---------------------------------------------------------------------------- validators


@pytest.mark.parametrize(("writer", "case", "version"), STORES)
def test_ozm_validates_outside_store(
    outside_read: dict[tuple[str, ...], dict[str, Any]], writer: str, case: str, version: str
) -> None:
    """ome-zarr-models accepts every outside store (and its labels) without warnings."""
    result = outside_read["ozm", writer, case, version]
    assert result["warnings"] == []
    assert all(label["ok"] and not label["warnings"] for label in result.get("labels", {}).values())
    if unversioned_labels_group(writer, case, version):
        assert not result["ok"]
        assert KNOWN_OZM_ERROR in result["error"]
    else:
        assert result["ok"], result["error"]
        assert result["kind"] == "Image"
        assert result["module"] == f"ome_zarr_models.v0{version[-1]}.image"


@pytest.mark.parametrize(("writer", "case", "version"), STORES)
def test_outside_store_passes_generic_schemas(
    outside_written: dict[tuple[str, str, str], tuple[Path, dict[str, Any]]],
    writer: str,
    case: str,
    version: str,
) -> None:
    """Every outside store, labels included, is valid against the generic official schemas."""
    store, _ = outside_written[writer, case, version]
    assert schema_validate(store, strict=False) == []


@pytest.mark.parametrize(("writer", "case", "version"), STORES)
def test_strict_schemas_name_what_outside_tools_omit(
    outside_written: dict[tuple[str, str, str], tuple[Path, dict[str, Any]]],
    writer: str,
    case: str,
    version: str,
) -> None:
    """The strict schemas flag exactly the SHOULD-level keys each outside tool leaves out."""
    store, _ = outside_written[writer, case, version]
    assert set(schema_validate(store, strict=True)) == _strict_errors(writer, case, version)


# ---------------------------------------------------------------------------- schema_validate

# JSON Schema cannot compare a well path with the row/column names, so this invalid case
# passes the schema; upstream marks it xfail in ngff-spec tests/test_validation.py too.
SCHEMA_BLIND = {"well_path_has_column_before_row"}


def _suite_cases() -> list[Any]:
    """Every case of the official 0.4/0.5 JSON-Schema test suites, as pytest params.

    The last value is what the schemas can tell: the case's ``valid``, except for the
    ``SCHEMA_BLIND`` cases, which only a validator's own logic can reject.
    """
    params = []
    for version in VERSIONS:
        for suite in sorted((SCHEMAS / version / "tests").glob("*_suite.json")):
            doc = json.loads(suite.read_text())
            kind = doc["schema"]["id"].rsplit("/", 1)[-1].removesuffix(".schema")
            for test in doc["tests"]:
                name = test.get("formerly") or test["description"]
                schema_valid = test["valid"] or name.rsplit("/", 1)[-1] in SCHEMA_BLIND
                params.append(
                    pytest.param(version, kind, test["data"], schema_valid, id=f"{version}-{name}")
                )
    return params


def _write_group(folder: Path, version: str, attrs: Any) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if version == "0.4":
        (folder / ".zgroup").write_text('{"zarr_format": 2}')
        (folder / ".zattrs").write_text(json.dumps(attrs))
    else:
        doc = {"zarr_format": 3, "node_type": "group", "attributes": attrs}
        (folder / "zarr.json").write_text(json.dumps(doc))


def _valid_strict_image(version: str) -> dict[str, Any]:
    suite = json.loads((SCHEMAS / version / "tests" / "strict_image_suite.json").read_text())
    return next(test["data"] for test in suite["tests"] if test["valid"])


def _write_suite_store(folder: Path, version: str, kind: str, data: Any) -> None:
    """Write *data* where its kind lives: the root group, or ``labels/cells`` of a valid image.

    A label suite case holds only ``image-label``; merged into a valid image's attributes it
    becomes a whole label image, so the image schema passes and the label schema decides.
    """
    if not kind.endswith("label"):
        _write_group(folder, version, data)
        return
    image = _valid_strict_image(version)
    _write_group(folder, version, image)
    listing = {"labels": [LABEL_NAME]}
    _write_group(
        folder / "labels",
        version,
        listing if version == "0.4" else {"ome": {"version": version, **listing}},
    )
    if version == "0.4" or not isinstance(data.get("ome"), dict):
        label = {**image, **data}
    else:
        label = {**data, "ome": {**image["ome"], **data["ome"]}}
    _write_group(folder / "labels" / LABEL_NAME, version, label)


@pytest.mark.parametrize(("version", "kind", "data", "schema_valid"), _suite_cases())
def test_schema_validate_agrees_with_official_suite(
    tmp_path: Path, version: str, kind: str, data: Any, schema_valid: bool
) -> None:
    """schema_validate accepts each valid official suite case and rejects each invalid one."""
    _write_suite_store(tmp_path / "case.zarr", version, kind, data)
    errors = schema_validate(
        tmp_path / "case.zarr", strict=kind.startswith("strict_"), version=version
    )
    assert (errors == []) == schema_valid, errors
