"""The official OME-NGFF conformance suites and examples, run through :func:`ngffkit.validate`.

Every case of ``../shared/spec/{0.4,0.5}/tests/*_suite.json`` (JSON-Schema-Test-Suite format) and of
the 0.6rc0 file-per-case suites (``tests/attributes/**`` attribute documents and
``tests/zarr/**/zarr.json`` metadata-only hierarchies) is validated with the suite's version and
strictness, and the verdict must match upstream's ``valid`` flag. Invalid cases must say which rule
broke and where.

A handful of upstream cases are marked ``valid`` although they break a MUST of the spec text that
JSON Schema cannot express; the 0.5 suite already corrected the same cases. They are listed in
``KNOWN_UPSTREAM_DEFECTS`` with the exact rules ngffkit reports, so the list cannot go stale
silently. The reverse case - upstream's xfail ``well_path_has_column_before_row``, invalid but
schema-valid - passes here because ngffkit checks the well path itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ngffkit.validation import ValidationReport, validate

SPEC = Path(__file__).resolve().parents[2].parent / "shared" / "spec"
"""``../shared/spec`` beside the repository (official schemas, tests and examples)."""

RULE_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Case:
    """One upstream conformance case."""

    id: str
    version: str
    valid: bool
    strict: bool
    data: Mapping[str, Any] | None = None
    store: Path | None = field(default=None)
    """Set instead of *data* when the case's zarr.json is not parseable JSON."""

    def run(self) -> ValidationReport:
        target = self.data if self.data is not None else self.store
        assert target is not None
        return validate(target, version=self.version, strict=self.strict)


def _suite_cases(version: str) -> Iterator[Case]:
    for path in sorted((SPEC / version / "tests").glob("*_suite.json")):
        suite = json.loads(path.read_text())
        strict = path.name.startswith("strict_")
        for i, test in enumerate(suite["tests"]):
            name = test.get("formerly") or test.get("description")
            yield Case(
                id=f"{version}/{path.stem}[{i}]:{name}",
                version=version,
                valid=test["valid"],
                strict=strict,
                data=test["data"],
            )


def _file_cases(version: str) -> Iterator[Case]:
    root = SPEC / version / "tests"
    for path in sorted((root / "attributes").rglob("*.json")):
        strictness, validity = path.relative_to(root / "attributes").parts[:2]
        yield Case(
            id=f"{version}/{path.relative_to(root).as_posix()}",
            version=version,
            valid=validity == "valid",
            strict=strictness == "strict",
            data=json.loads(path.read_text()),
        )
    for path in sorted((root / "zarr").rglob("zarr.json")):
        strictness, validity = path.relative_to(root / "zarr").parts[:2]
        case_id = f"{version}/{path.parent.relative_to(root).as_posix()}"
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError:
            # Two upstream files are truncated JSON; validate them as the stores they are.
            yield Case(
                case_id, version, validity == "valid", strictness == "strict", store=path.parent
            )
        else:
            yield Case(case_id, version, validity == "valid", strictness == "strict", data=data)


def _all_cases() -> list[Case]:
    cases = [*_suite_cases("0.4"), *_suite_cases("0.5"), *_file_cases("0.6rc0")]
    if (SPEC / "0.6" / "tests").is_dir():
        cases += list(_file_cases("0.6"))
    return cases


CASES = _all_cases() if SPEC.is_dir() else []


@dataclass(frozen=True)
class Defect:
    """An upstream case marked valid that breaks a rule of the spec text."""

    rules: frozenset[str]
    reason: str


_PLATE_PATH = Defect(
    frozenset({"plate-well-path"}),
    "rows ['1'], columns ['A'] with well path 'A/1': the path must be '<row>/<column>' (spec: "
    "'rowIndex ... MUST refer to the same row as path'); the 0.5 suite fixed these cases and added "
    "the invalid case well_path_has_column_before_row",
)
_SCALE_LENGTH = Defect(
    frozenset({"dataset-scale-length"}),
    "3 axes (t, y, x) but a scale of 2 values: vector lengths MUST equal the number of axes; "
    "the 0.5 suite corrected this case to scale [1.0, 0.13, 0.13]",
)
_STALE_ZARR_FORM = Defect(
    frozenset({"schema"}),
    "tests/zarr/ predates 0.6rc0: its transforms use the string form 'input': 'path' that 0.6rc0 "
    "replaced by objects ({'path': ...}); the tests/attributes/ copy of the case is up to date",
)

KNOWN_UPSTREAM_DEFECTS: dict[str, Defect] = {
    "0.4/image_suite[0]:valid/mismatch_axes_units.json": _SCALE_LENGTH,
    "0.4/plate_suite[0]:plate/minimal_no_acquisitions": _PLATE_PATH,
    "0.4/plate_suite[1]:plate/minimal_acquisitions": _PLATE_PATH,
    "0.4/plate_suite[20]:plate/non_alphanumeric_row": _PLATE_PATH,
    "0.4/strict_plate_suite[0]:plate/strict_no_acquisitions": _PLATE_PATH,
    "0.4/strict_plate_suite[3]:plate/strict_acquisitions": _PLATE_PATH,
    "0.6rc0/attributes/spec/valid/image/mismatch_axes_units.json": _SCALE_LENGTH,
    "0.6rc0/attributes/spec/valid/plate/minimal_acquisitions.json": _PLATE_PATH,
    "0.6rc0/attributes/spec/valid/plate/minimal_no_acquisitions.json": _PLATE_PATH,
    "0.6rc0/attributes/spec/valid/plate/non_alphanumeric_row.json": _PLATE_PATH,
    "0.6rc0/attributes/strict/valid/plate/strict_acquisitions.json": _PLATE_PATH,
    "0.6rc0/attributes/strict/valid/plate/strict_no_acquisitions.json": _PLATE_PATH,
    "0.6rc0/attributes/strict/valid/image/image_omero.json": Defect(
        frozenset({"multiscale-transform-intrinsic", "coordinate-system-missing"}),
        "the datasets map to 'physical', but the multiscale transform starts from 'intrinsic', a "
        "coordinate system that does not exist; one end MUST be the intrinsic system",
    ),
    "0.6rc0/attributes/strict/valid/image/multiscales_example.json": Defect(
        frozenset({"dataset-transform-input"}),
        "datasets[1] has path '1' but its transform's input.path is 's1' (typo): the input of a "
        "dataset's transform is the dataset itself",
    ),
    "0.6rc0/zarr/spec/valid/image/custom_type_axes.ome.zarr": _STALE_ZARR_FORM,
    "0.6rc0/zarr/spec/valid/image/invalid_axis_units.ome.zarr": _STALE_ZARR_FORM,
    "0.6rc0/zarr/spec/valid/image/mismatch_axes_units.ome.zarr": _STALE_ZARR_FORM,
    "0.6rc0/zarr/spec/valid/image/missing_name.ome.zarr": _STALE_ZARR_FORM,
    "0.6rc0/zarr/spec/valid/image/untyped_axes.ome.zarr": _STALE_ZARR_FORM,
    "0.6rc0/zarr/strict/valid/image/image.ome.zarr": _STALE_ZARR_FORM,
    "0.6rc0/zarr/strict/valid/image/image_metadata.ome.zarr": _STALE_ZARR_FORM,
    "0.6rc0/zarr/strict/valid/image/image_omero.ome.zarr": _STALE_ZARR_FORM,
    "0.6rc0/zarr/strict/valid/image/multiscales_example.ome.zarr": _STALE_ZARR_FORM,
    "0.6rc0/zarr/strict/valid/image/multiscales_transformations.ome.zarr": _STALE_ZARR_FORM,
    "0.6rc0/zarr/spec/valid/plate/minimal_acquisitions.ome.zarr": _PLATE_PATH,
    "0.6rc0/zarr/spec/valid/plate/minimal_no_acquisitions.ome.zarr": _PLATE_PATH,
    "0.6rc0/zarr/spec/valid/plate/non_alphanumeric_row.ome.zarr": _PLATE_PATH,
    "0.6rc0/zarr/strict/valid/plate/strict_acquisitions.ome.zarr": _PLATE_PATH,
    "0.6rc0/zarr/strict/valid/plate/strict_no_acquisitions.ome.zarr": _PLATE_PATH,
}


def _assert_issues_are_located(report: ValidationReport) -> None:
    for issue in (*report.errors, *report.warnings):
        assert RULE_ID.match(issue.rule), issue
        assert issue.path, issue
        assert issue.message.startswith(issue.path), issue


def test_spec_corpus_is_present() -> None:
    """The suites live in ../shared/spec beside the repository; without them nothing is tested."""
    assert SPEC.is_dir(), f"official spec files not found at {SPEC}"
    assert len(CASES) == 406 + (
        len(list(_file_cases("0.6"))) if (SPEC / "0.6/tests").is_dir() else 0
    )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_conformance_case(case: Case) -> None:
    """Each upstream case gets upstream's verdict; every invalid one names its rule and location."""
    report = case.run()
    _assert_issues_are_located(report)
    defect = KNOWN_UPSTREAM_DEFECTS.get(case.id)
    if defect is not None:
        assert case.valid, "only cases upstream calls valid can be listed as upstream defects"
        assert {issue.rule for issue in report.errors} == defect.rules, str(report)
        return
    assert report.ok == case.valid, str(report)
    if not case.valid:
        assert report.errors, str(report)


def test_known_defects_are_all_real_cases() -> None:
    """A renamed or fixed upstream case must be removed from the defect list, not linger."""
    assert set(KNOWN_UPSTREAM_DEFECTS) <= {case.id for case in CASES}


def test_upstream_xfail_is_caught_by_the_well_path_rule() -> None:
    """Upstream xfails well_path_has_column_before_row: the schema cannot compare path and indices.

    Spec: "rowIndex ... MUST refer to the same row as path"; ngffkit checks it, and nothing else
    about the case is wrong.
    """
    (case,) = [c for c in CASES if c.id.endswith("plate/well_path_has_column_before_row")]
    report = case.run()
    assert [issue.rule for issue in report.errors] == ["plate-well-path"]
    assert "'A/1'" in report.errors[0].message
    assert "'1/A'" in report.errors[0].message


def test_truncated_zarr_json_is_reported_not_raised() -> None:
    """Upstream ships two truncated zarr.json files; validating them as stores reports the rule."""
    broken = [c for c in CASES if c.store is not None]
    assert len(broken) == 2
    for case in broken:
        report = case.run()
        assert [issue.rule for issue in report.errors] == ["zarr-metadata-unreadable"]
        assert str(case.store) in report.errors[0].path


# --------------------------------------------------------------------------------------------------
# examples/
# --------------------------------------------------------------------------------------------------


def _load_jsonc(path: Path) -> Any:
    """Parse a JSON file whose lines may start with // comments (as upstream's test runner does)."""
    lines = [line for line in path.read_text().splitlines() if not line.lstrip().startswith("//")]
    return json.loads("\n".join(lines))


@dataclass(frozen=True)
class Example:
    id: str
    data: Mapping[str, Any]
    strict: bool


def _examples() -> list[Example]:
    found = []
    for config in sorted(SPEC.glob("*/examples/**/.config.json")):
        strict = "strict_" in json.loads(config.read_text())["schema"]
        for path in sorted(config.parent.rglob("*.json")):
            if path.name == ".config.json":
                continue
            owner = next(p for p in path.parents if (p / ".config.json").exists())
            if owner != config.parent:
                continue  # a subfolder with its own .config.json
            data = _load_jsonc(path)
            is_document = any(key in data for key in ("ome", "zarr_format", "multiscales"))
            if config.parent.name in ("transformations", "subspace") and not is_document:
                # transformations/ and subspace/ hold fragments - a coordinateSystems +
                # coordinateTransformations pair, or one transform - not documents. A 0.6 scene
                # is exactly such a pair, so they are validated as the body of a scene.
                body = (
                    data
                    if "coordinateTransformations" in data
                    else {"coordinateTransformations": [data]}
                )
                data = {"ome": {"version": "0.6rc0", "scene": body}}
            found.append(Example(path.relative_to(SPEC).as_posix(), data, strict))
    return found


EXAMPLES = _examples() if SPEC.is_dir() else []

# Upstream does not run the 0.6rc0 examples (its runner globs ../examples from the wrong folder),
# and some predate 0.6rc0 or are invalid on purpose. Each entry: rules that must be among the
# errors, and why.
BROKEN_EXAMPLES: dict[str, tuple[frozenset[str], str]] = {
    "0.6rc0/examples/label_strict/colors_properties.json": (
        frozenset({"schema"}),
        "its multiscales lacks name/type/metadata, which strict_image requires (valid non-strict)",
    ),
    "0.6rc0/examples/multiscales_strict/multiscales_reference_to_label.json": (
        frozenset({"schema"}),
        "its multiscales lacks type/metadata, which strict_image requires (valid non-strict)",
    ),
    "0.6rc0/examples/multiscales_strict/multiscales_example_relative.json": (
        frozenset({"ome-namespace", "schema"}),
        "multiscales sits at the top level, not under 'ome' (a 0.4-style document)",
    ),
    "0.6rc0/examples/transformations/displacements/displacement_field.json": (
        frozenset({"dataset-scale-length"}),
        "3 axes (c, y, x) but a scale of 2 values",
    ),
    "0.6rc0/examples/transformations/displacements/multiscales.json": (
        frozenset({"schema"}),
        "'ome' is the string '0.6rc0' instead of the metadata object",
    ),
    "0.6rc0/examples/transformations/byDimension2.json": (
        frozenset({"schema"}),
        "its input coordinate system has 4 space axes; at most 3 are allowed",
    ),
    "0.6rc0/examples/transformations/byDimensionInvalid1.json": (
        frozenset({"transform-bydimension"}),
        "invalid on purpose: output axis 2 of a 2-D system, written twice",
    ),
    "0.6rc0/examples/transformations/byDimensionInvalid2.json": (
        frozenset({"transform-bydimension"}),
        "invalid on purpose: output axis 1 written twice",
    ),
    "0.6rc0/examples/transformations/byDimensionXarray.json": (
        frozenset({"schema"}),
        "pre-0.6rc0 byDimension form without the 'transformation' wrapper",
    ),
    "0.6rc0/examples/transformations/mapAxis1.json": (
        frozenset({"schema"}),
        "pre-0.6rc0 string form of input/output",
    ),
    "0.6rc0/examples/transformations/projectAxis.json": (
        frozenset({"schema"}),
        "untyped axes: neither 2-3 space axes nor array axes",
    ),
    "0.6rc0/examples/transformations/projectAxis2.json": (
        frozenset({"schema"}),
        "untyped axes: neither 2-3 space axes nor array axes",
    ),
}


def test_examples_are_present() -> None:
    """Every version folder contributes examples (0.4, 0.5 and 0.6rc0 ship them)."""
    assert {e.id.split("/")[0] for e in EXAMPLES} >= {"0.4", "0.5", "0.6rc0"}
    assert set(BROKEN_EXAMPLES) <= {e.id for e in EXAMPLES}


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_example(example: Example) -> None:
    """Every official example validates (version detected from the document itself)."""
    report = validate(example.data, strict=example.strict)
    _assert_issues_are_located(report)
    broken = BROKEN_EXAMPLES.get(example.id)
    if broken is None:
        assert report.ok, str(report)
        return
    rules, _reason = broken
    assert not report.ok
    assert rules <= {issue.rule for issue in report.errors}, str(report)
    if example.id in VALID_WHEN_NOT_STRICT:
        assert validate(example.data).ok


VALID_WHEN_NOT_STRICT = frozenset(
    {
        "0.6rc0/examples/label_strict/colors_properties.json",
        "0.6rc0/examples/multiscales_strict/multiscales_reference_to_label.json",
    }
)
