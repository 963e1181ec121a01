"""The rule catalogue: every id the package reports is registered, and decoding and
`ngffkit.validate` run the same checks (decoding stops at the first error, validate lists all)."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ngffkit
from ngffkit.errors import NgffValidationError, NgffValidationWarning
from ngffkit.spec import Axis, Dataset, MultiscaleMetadata, decode_image_attrs
from ngffkit.spec.rules import CATALOGUE, Where, catalogue_markdown, raise_first
from ngffkit.spec.rules.axes import check_axes

PACKAGE = Path(ngffkit.__file__).parent
DOCS = PACKAGE.parent / "docs"
# Rule ids the source reports: keyword arguments of errors and of the store walk
# ("rule=", "rule_missing=", the parse helpers' "rule: str = ..." defaults), issue() calls, and the f"{scope}-..." families. Registrations
# (declare() and @rule) are not reports.
_ID = r'"([a-z0-9]+(?:-[a-z0-9]+)*)"'
_LITERAL = re.compile(r"(?:\brule(?:_missing)?(?::\s*str\s*)?=\s*|\bissue\(\s*)" + _ID)
_SCOPED = re.compile(r'f"\{scope\}-([a-z0-9-]+)"')


def _source_ids() -> set[str]:
    ids: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        ids |= set(_LITERAL.findall(text)) - {"error", "warning"}
        for tail in _SCOPED.findall(text):
            ids |= {f"dataset-{tail}", f"multiscale-{tail}"}
        for kind in ("scale", "translation"):
            if 'f"{scope}-{kind}-length"' in text:
                ids |= {f"{scope}-{kind}-length" for scope in ("dataset", "multiscale")}
    return ids


def test_every_rule_id_in_the_source_is_in_the_catalogue() -> None:
    """A new rule id cannot be raised or reported without its catalogue entry."""
    ids = _source_ids()
    assert len(ids) > 60  # the scan itself finds the ids (a broken regex would find none)
    assert ids - set(CATALOGUE) == set()


def test_catalogue_has_no_entry_the_source_never_uses() -> None:
    """No stale entries: each registered id is reported somewhere in the package."""
    used = _source_ids()
    assert set(CATALOGUE) - used == set()


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("rule_id", "Axes_Order", "kebab-case"),
        ("section", "pixels", "section 'pixels'"),
        ("severity", "fatal", "severity 'fatal'"),
        ("versions", ("0.3",), "versions"),
        ("summary", "Axes are ordered.", "full stop"),
    ],
)
def test_a_malformed_entry_is_refused(field: str, value: Any, problem: str) -> None:
    """The docs table is built from the entries, so registration checks each one."""
    from ngffkit.spec.rules import declare

    args: dict[str, Any] = {
        "rule_id": "made-up-rule",
        "section": "axes",
        "summary": "a rule for this test",
        "severity": "error",
        "versions": ("0.5",),
    }
    args[field] = value
    with pytest.raises(ValueError, match=problem):
        declare(**args)
    assert "made-up-rule" not in CATALOGUE


def test_the_docs_table_is_generated_from_the_catalogue() -> None:
    """Every rule is a row of the table, and the validation page builds the table from it."""
    table = catalogue_markdown()
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert sorted(row.split("`")[1] for row in rows) == sorted(CATALOGUE)
    page = (DOCS / "user-guide" / "validation.md").read_text(encoding="utf-8")
    assert "print(catalogue_markdown())" in page


def test_an_unregistered_id_is_refused() -> None:
    from ngffkit.spec.rules import issue

    with pytest.raises(KeyError):
        issue("no-such-rule", Where("", ()), "text")


def test_registering_an_id_twice_with_another_meaning_is_refused() -> None:
    from ngffkit.spec.rules import declare

    with pytest.raises(ValueError, match="registered twice"):
        declare("axes-order", "axes", "something else entirely")


# --- decoding and validate agree -----------------------------------------------------------------


def _image(version: str) -> dict[str, Any]:
    scale = {"type": "scale", "scale": [1.0, 0.5, 0.5]}
    ms: dict[str, Any] = {
        "axes": [
            {"name": "z", "type": "space", "unit": "micrometer"},
            {"name": "y", "type": "space", "unit": "micrometer"},
            {"name": "x", "type": "space", "unit": "micrometer"},
        ],
        "datasets": [
            {"path": "0", "coordinateTransformations": [copy.deepcopy(scale)]},
            {
                "path": "1",
                "coordinateTransformations": [{"type": "scale", "scale": [2.0, 1.0, 1.0]}],
            },
        ],
    }
    window = {"min": 0, "max": 255, "start": 0, "end": 255}
    ome = {"multiscales": [ms], "omero": {"channels": [{"color": "FF0000", "window": window}]}}
    if version == "0.4":
        ms["version"] = "0.4"
        return ome
    return {"ome": {"version": version, **ome}}


def _ms(attrs: dict[str, Any]) -> dict[str, Any]:
    ome = attrs.get("ome", attrs)
    multiscale: dict[str, Any] = ome["multiscales"][0]
    return multiscale


def _swap_axes(a: dict[str, Any]) -> None:
    _ms(a)["axes"][1] = {"name": "c", "type": "channel"}  # space, channel, space


def _one_axis(a: dict[str, Any]) -> None:
    ms = _ms(a)
    ms["axes"] = ms["axes"][:1]
    for ds in ms["datasets"]:
        ds["coordinateTransformations"][0]["scale"] = [1.0]


def _repeat_axis(a: dict[str, Any]) -> None:
    _ms(a)["axes"][1]["name"] = "z"


def _two_times(a: dict[str, Any]) -> None:
    ms = _ms(a)
    ms["axes"] = [{"name": "t", "type": "time"}, {"name": "u", "type": "time"}, *ms["axes"][1:]]
    for ds in ms["datasets"]:
        ds["coordinateTransformations"][0]["scale"] = [1.0] * 4


def _zero_scale(a: dict[str, Any]) -> None:
    _ms(a)["datasets"][1]["coordinateTransformations"][0]["scale"] = [2.0, 0.0, 1.0]


def _short_scale(a: dict[str, Any]) -> None:
    _ms(a)["datasets"][0]["coordinateTransformations"][0]["scale"] = [1.0, 0.5]


def _same_path(a: dict[str, Any]) -> None:
    _ms(a)["datasets"][1]["path"] = "0"


def _translation_first(a: dict[str, Any]) -> None:
    ct = _ms(a)["datasets"][0]["coordinateTransformations"]
    ct.insert(0, {"type": "translation", "translation": [0.0, 0.0, 0.0]})


def _two_scales(a: dict[str, Any]) -> None:
    ct = _ms(a)["datasets"][0]["coordinateTransformations"]
    ct.append(copy.deepcopy(ct[0]))


def _bad_color(a: dict[str, Any]) -> None:
    a.get("ome", a)["omero"]["channels"][0]["color"] = "red"


def _label_rgba(a: dict[str, Any]) -> None:
    a.get("ome", a)["image-label"] = {"colors": [{"label-value": 1, "rgba": [0, 0, 0, 256]}]}


def _label_value_twice(a: dict[str, Any]) -> None:
    a.get("ome", a)["image-label"] = {"colors": [{"label-value": 1}, {"label-value": 1}]}


BREAKS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "axes-order": (_swap_axes, "axes-order"),
    "axes-count": (_one_axis, "axes-count"),
    "axes-unique-names": (_repeat_axis, "axes-unique-names"),
    "axes-time-count": (_two_times, "axes-time-count"),
    "dataset-scale-positive": (_zero_scale, "dataset-scale-positive"),
    "dataset-scale-length": (_short_scale, "dataset-scale-length"),
    "dataset-path-unique": (_same_path, "dataset-path-unique"),
    "dataset-transform-order": (_translation_first, "dataset-transform-order"),
    "dataset-scale-count": (_two_scales, "dataset-scale-count"),
    "label-rgba": (_label_rgba, "label-rgba"),
    "label-value-unique": (_label_value_twice, "label-value-unique"),
}


@pytest.mark.parametrize("version", ["0.4", "0.5"])
@pytest.mark.parametrize("case", list(BREAKS))
def test_decoding_and_validate_name_the_same_rule(case: str, version: str) -> None:
    """The document breaks one rule: decoding raises it, validate reports it among its errors."""
    good = _image(version)
    assert ngffkit.validate(good).ok
    bad = copy.deepcopy(good)
    breaker, rule = BREAKS[case]
    breaker(bad)
    with pytest.raises(NgffValidationError) as raised:
        decode_image_attrs(bad, zarr_format=2 if version == "0.4" else 3)
    assert raised.value.rule == rule
    assert rule in {issue.rule for issue in ngffkit.validate(bad).errors}


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_a_bad_colour_is_an_error_to_validate_and_a_warning_to_the_reader(version: str) -> None:
    """The reader keeps going on rendering hints (white instead), with the rule's own message."""
    bad = _image(version)
    _bad_color(bad)
    [found] = [i for i in ngffkit.validate(bad).errors if i.rule == "omero-color"]
    with pytest.warns(NgffValidationWarning, match="expected 6 hexadecimal digits") as caught:
        decode_image_attrs(bad, zarr_format=2 if version == "0.4" else 3)
    assert found.message.split(": ", 1)[1] in str(caught[0].message)


_AXIS_TYPES = st.sampled_from(["space", "time", "channel", "custom", None])


@given(axes=st.lists(st.tuples(st.sampled_from("tczyxab"), _AXIS_TYPES), min_size=0, max_size=7))
def test_building_a_multiscale_refuses_exactly_what_the_axes_rules_report(
    axes: list[tuple[str, str | None]],
) -> None:
    """`MultiscaleMetadata(...)` and `check_axes` are one implementation: they accept the same axes."""
    raw = [{"name": name, "type": kind} for name, kind in axes]
    errors = [f for f in check_axes(raw, Where("", ("axes",)), "0.5") if f.severity == "error"]

    def build() -> MultiscaleMetadata:
        return MultiscaleMetadata(
            axes=tuple(Axis(name=name, type=kind) for name, kind in axes),
            datasets=(Dataset(path="0", scale=(1.0,) * len(axes)),),
        )

    if errors:
        with pytest.raises(NgffValidationError) as raised:
            build()
        assert raised.value.rule == errors[0].rule
    else:
        build()


def test_raise_first_lets_warnings_pass() -> None:
    raw = [{"name": "y", "type": "space", "unit": "parsec-ish"}, {"name": "x", "type": "space"}]
    found = list(check_axes(raw, Where("", ("axes",)), "0.5"))
    assert [f.rule for f in found] == ["axis-unit"]
    raise_first(found)  # a SHOULD-level finding does not stop decoding
