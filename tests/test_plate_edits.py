"""The plate's pure edits (`ngffkit._container._plate_edits`), run on values: no store.

`OmeZarrPlate` runs the same functions on the metadata it reads under the plate lock
(tests/test_plate.py checks them there, on real stores).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from ngffkit._container._plate_edits import add_edit, in_plate, remove_edit
from ngffkit._container._plate_store import Edit, PlateState
from ngffkit.errors import NgffExistsError, NgffKeyError, NgffValidationError, NgffValueError
from ngffkit.spec import PlateMetadata, WellMetadata
from ngffkit.spec.plate import with_acquisition
from tests.strategies import plate_edits

_WHERE = "plate.zarr"

_OPS = plate_edits(max_size=20)


def _run(
    edit: Edit, state: PlateState, wells: dict[str, WellMetadata]
) -> tuple[PlateState, dict[str, WellMetadata], object]:
    """What `plate_update` does with an edit's outcome, on values."""
    outcome = edit(state, wells.get)
    return outcome.plate or state, {**wells, **outcome.wells}, outcome.result


@settings(max_examples=200, deadline=None)
@given(ops=_OPS)
def test_edits_match_a_set_of_fields(ops: list[tuple[str, str, int | str, str]]) -> None:
    """Any sequence of adds and removes lists exactly the fields (and wells) a plain set says;
    a field added twice or removed when absent is refused, and the refused edit returns nothing."""
    state = PlateState(version="0.5", meta=PlateMetadata())
    wells: dict[str, WellMetadata] = {}
    fields: set[str] = set()
    for op, row, column, field in ops:
        path = f"{row}/{int(column):02d}/{field}"
        if op == "add" and path in fields:
            with pytest.raises(NgffExistsError, match=f"plate {_WHERE}: "):
                add_edit(_WHERE, row, column, field)(state, wells.get)
        elif op == "add":
            state, wells, result = _run(add_edit(_WHERE, row, column, field), state, wells)
            assert result == path
            fields.add(path)
        elif path in fields:
            state, wells, _ = _run(remove_edit(_WHERE, row, column, field), state, wells)
            fields.discard(path)
        else:
            with pytest.raises(NgffKeyError, match=f"plate {_WHERE}"):
                remove_edit(_WHERE, row, column, field)(state, wells.get)
    listed = {f"{w}/{f}" for w in state.meta.wells_paths for f in wells[w].paths()}
    assert listed == fields
    assert set(state.meta.wells_paths) == {p.rsplit("/", 1)[0] for p in fields}


@pytest.mark.parametrize(
    "error",
    [NgffKeyError("no such well"), NgffValueError("bad row"), NgffExistsError("listed")],
    ids=lambda e: type(e).__name__,
)
def test_in_plate_keeps_the_error_type_and_names_the_plate(error: Exception) -> None:
    """A reworded error is still of its type (callers catch KeyError, ValueError ...)."""
    reworded = in_plate(error, _WHERE)
    assert type(reworded) is type(error)
    assert reworded.args == (f"plate {_WHERE}: {error.args[0]}",)


def test_a_rule_broken_by_a_field_is_located_at_its_well() -> None:
    """A field without an acquisition on a plate with two: the message names the well, the
    error's path the plate, and the rule id survives."""
    meta = with_acquisition(with_acquisition(PlateMetadata(), 0), 1)
    state = PlateState(version="0.5", meta=meta)
    with pytest.raises(NgffValidationError) as caught:
        add_edit(_WHERE, "B", 3, "0")(state, lambda path: None)
    assert str(caught.value).startswith(f"plate {_WHERE}/B/03: ")
    assert caught.value.path == _WHERE
    assert caught.value.rule == "well-acquisition"
