"""Plate and well metadata: the dataclasses, their pure edits, and their JSON in each version."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from ngffkit.errors import NgffExistsError, NgffKeyError, NgffValidationError, NgffValueError
from ngffkit.spec import (
    PlateMetadata,
    WellImage,
    WellInPlate,
    WellMetadata,
    decode_plate_attrs,
    decode_well_attrs,
    encode_plate_attrs,
    encode_well_attrs,
)
from ngffkit.spec.plate import with_acquisition, with_image, with_well, without_image, without_well
from tests.strategies import plates, wells

VERSIONS = ["0.4", "0.5", "0.6"]


@pytest.mark.parametrize("version", VERSIONS)
@settings(max_examples=30, deadline=None)
@given(plate=plates(), well=wells())
def test_plate_and_well_round_trip(version: str, plate: PlateMetadata, well: WellMetadata) -> None:
    """decode(encode(x)) == x for plates and wells in every written version."""
    zarr_format = 2 if version == "0.4" else 3
    assert decode_plate_attrs(encode_plate_attrs(plate, version), zarr_format=zarr_format) == (
        version,
        plate,
    )
    assert decode_well_attrs(encode_well_attrs(well, version), zarr_format=zarr_format) == (
        version,
        well,
    )


def test_versions_place_the_version_as_the_spec_says() -> None:
    """0.4: "version" inside the plate/well block; 0.5 and 0.6: in attributes.ome (and in the
    block, where ngio writes it and ome-zarr-models looks for it)."""
    plate = with_well(PlateMetadata(), "A", 1)
    block = encode_plate_attrs(plate, "0.5")["ome"]["plate"]
    assert encode_plate_attrs(plate, "0.4") == {"plate": {**block, "version": "0.4"}}
    v06 = encode_plate_attrs(plate, "0.6")
    assert v06["ome"]["version"] == "0.6" and v06["ome"]["plate"]["version"] == "0.6"


def test_unknown_keys_survive() -> None:
    """Keys ngffkit does not interpret are kept in a round trip."""
    attrs = {
        "ome": {
            "version": "0.5",
            "plate": {
                "rows": [{"name": "A"}],
                "columns": [{"name": "1"}],
                "wells": [{"path": "A/1", "rowIndex": 0, "columnIndex": 0}],
                "acquisitions": [{"id": 0, "maximumfieldcount": 2, "vendor": "x"}],
                "mine": {"k": 1},
            },
        }
    }
    _, plate = decode_plate_attrs(attrs, zarr_format=3)
    assert plate.acquisitions[0].maximum_field_count == 2
    assert encode_plate_attrs(plate, "0.5") == {
        "ome": {"version": "0.5", "plate": {"version": "0.5", **attrs["ome"]["plate"]}}
    }


def test_rows_and_columns_sorted_as_ngio() -> None:
    """Rows sort as text, columns by their two-digit names, and wells are re-indexed."""
    plate = PlateMetadata()
    for row, column in [("C", 1), ("A", 10), ("B", "2"), ("A", 1)]:
        plate = with_well(plate, row, column)
    assert plate.rows == ("A", "B", "C")
    assert plate.columns == ("01", "02", "10")
    assert [(w.path, w.row_index, w.column_index) for w in plate.wells] == [
        ("C/01", 2, 0),
        ("A/10", 0, 2),
        ("B/02", 1, 1),
        ("A/01", 0, 0),
    ]
    assert with_well(plate, "A", "01") is plate  # the same well: nothing changes


@pytest.mark.parametrize(
    ("build", "rule"),
    [
        (lambda: PlateMetadata(rows=("A", "A")), "plate-name-unique"),
        (lambda: PlateMetadata(columns=("1-2",)), "plate-name-alnum"),
        (
            lambda: PlateMetadata(
                rows=("A",),
                columns=("1",),
                wells=(WellInPlate(path="A/1", row_index=1, column_index=0),),
            ),
            "plate-well-index",
        ),
        (
            lambda: PlateMetadata(
                rows=("A",),
                columns=("1",),
                wells=(WellInPlate(path="A/2", row_index=0, column_index=0),),
            ),
            "plate-well-path",
        ),
        (lambda: with_well(PlateMetadata(), "A-1", 1), "plate-name-alnum"),
        (
            lambda: WellMetadata(images=(WellImage(path="0"), WellImage(path="0"))),
            "well-image-unique",
        ),
        (lambda: with_image(WellMetadata(), "0", 7, (0, 1)), "well-acquisition"),
        (lambda: with_image(WellMetadata(), "0", None, (0, 1)), "well-acquisition"),
    ],
)
def test_broken_values_raise_the_catalogue_rule(build: object, rule: str) -> None:
    """A value that breaks a spec rule cannot be built; the error names the rule."""
    with pytest.raises(NgffValidationError) as caught:
        build()  # type: ignore[operator]
    assert caught.value.rule == rule


def test_edits_refuse_what_is_not_there() -> None:
    """Removing a missing well or field, adding a field twice: clear errors."""
    plate = with_well(PlateMetadata(), "A", 1)
    with pytest.raises(NgffKeyError, match=r"row 'B', column 1.*wells: \['A/01'\]"):
        without_well(plate, "B", 1)
    assert without_well(plate, "A", "1").wells == ()
    well = with_image(WellMetadata(), "0", None, ())
    with pytest.raises(NgffExistsError, match="already in the well"):
        with_image(well, "0", None, ())
    with pytest.raises(NgffKeyError, match=r"field '9' is not in the well \(fields: \['0'\]\)"):
        without_image(well, "9")
    with pytest.raises(NgffValueError, match="layout is fixed"):
        with_well(plate, "A", 2, grow=False)
    assert with_acquisition(with_acquisition(plate, 1), 1).acquisition_ids == (1,)
