"""Rules of the spec's "plate" section (high-content screening): rows, columns, wells.

Examples
--------
>>> plate = {"rows": [{"name": "A"}], "columns": [{"name": "1"}],
...          "wells": [{"path": "A/2", "rowIndex": 0, "columnIndex": 0}]}
>>> [found.rule for found in check_plate(plate, Where("", ("plate",)))]
['plate-well-path']
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Final

from ngffkit.spec.rules._catalogue import ValidationIssue, Where, declare, issue, rule
from ngffkit.spec.rules.narrow import JSON, as_list, duplicates, is_int, names_of, short

__all__ = [
    "check_plate",
    "plate_name_alnum",
    "plate_name_unique",
    "plate_well_index",
    "plate_well_path",
    "plate_well_unique",
    "plate_acquisition_unique",
    "ALNUM",
]

ALNUM: Final = re.compile(r"^[A-Za-z0-9]+$")

declare("well-missing", "plate", "every well the plate lists exists", store=True)
declare(
    "plate-field-count",
    "plate",
    "no well has more fields of view than the plate's field_count",
    severity="warning",
    store=True,
)


@rule("plate-name-alnum", section="plate", summary="row and column names are alphanumeric")
def plate_name_alnum(names: Sequence[object], where: Where, key: str) -> Iterator[ValidationIssue]:
    """Row (or column) names match ``[A-Za-z0-9]+``.

    Examples
    --------
    >>> [f.path for f in plate_name_alnum(["A", "B-1"], Where("", ("rows",)), "rows")]
    ['rows[1].name']
    """
    for i, name in enumerate(names):
        if isinstance(name, str) and not ALNUM.match(name):
            yield issue(
                "plate-name-alnum",
                where.at(i, "name"),
                f"{key[:-1]} names must be alphanumeric ([A-Za-z0-9]+), got {name!r}",
            )


@rule(
    "plate-name-unique",
    section="plate",
    summary="row and column names are unique (names differing only by case: a warning)",
)
def plate_name_unique(names: Sequence[object], where: Where, key: str) -> Iterator[ValidationIssue]:
    """No row (or column) name twice; names equal but for case are warned about.

    Examples
    --------
    >>> [f.severity for f in plate_name_unique(["a", "A"], Where("", ("rows",)), "rows")]
    ['warning']
    """
    dups = duplicates(n for n in names if isinstance(n, str))
    if dups:
        yield issue(
            "plate-name-unique",
            where,
            f"{key[:-1]} names must be unique, got {short(dups)} more than once",
        )
        return
    folded = duplicates(n.lower() for n in names if isinstance(n, str))
    if folded:
        yield issue(
            "plate-name-unique",
            where,
            f"{key[:-1]} names differ only by case: {short(folded)}; avoid this",
            "warning",
        )


@rule("plate-well-index", section="plate", summary="a well's rowIndex and columnIndex exist")
def plate_well_index(
    well: Mapping[str, JSON], where: Where, rows: Sequence[object], columns: Sequence[object]
) -> Iterator[ValidationIssue]:
    """The well's indices point into the rows and columns.

    Examples
    --------
    >>> well = {"path": "A/1", "rowIndex": 1, "columnIndex": 0}
    >>> [f.path for f in plate_well_index(well, Where("", ("w",)), ["A"], ["1"])]
    ['w.rowIndex']
    """
    for key, names in (("rowIndex", rows), ("columnIndex", columns)):
        index = well.get(key)
        if is_int(index) and not 0 <= index < len(names):
            yield issue(
                "plate-well-index",
                where.at(key),
                f"{key} {index} is outside the {len(names)} listed {key[:-5]}s",
            )


@rule(
    "plate-well-path",
    section="plate",
    summary="a well's path is '<row name>/<column name>' of its indices",
)
def plate_well_path(
    well: Mapping[str, JSON], where: Where, rows: Sequence[object], columns: Sequence[object]
) -> Iterator[ValidationIssue]:
    """The path follows from the indices.

    Examples
    --------
    >>> well = {"path": "A/1", "rowIndex": 0, "columnIndex": 0}
    >>> list(plate_well_path(well, Where("", ("w",)), ["A"], ["1"]))
    []
    """
    path, r, c = well.get("path"), well.get("rowIndex"), well.get("columnIndex")
    if not (isinstance(path, str) and is_int(r) and is_int(c)):
        return
    if not (0 <= r < len(rows) and 0 <= c < len(columns)):
        return  # plate-well-index says so
    expected = f"{rows[r]}/{columns[c]}"
    if path != expected:
        yield issue(
            "plate-well-path",
            where.at("path"),
            f"well path must be '<row>/<column>' of rows[{r}] and columns[{c}], i.e. "
            f"{expected!r}, got {path!r}",
        )


@rule("plate-well-unique", section="plate", summary="well paths are unique")
def plate_well_unique(paths: Sequence[object], where: Where) -> Iterator[ValidationIssue]:
    """No two wells share a path.

    Examples
    --------
    >>> [f.rule for f in plate_well_unique(["A/1", "A/1"], Where("", ("wells",)))]
    ['plate-well-unique']
    """
    dups = duplicates(p for p in paths if isinstance(p, str))
    if dups:
        yield issue("plate-well-unique", where, f"well paths repeat: {short(dups)}")


@rule("plate-acquisition-unique", section="plate", summary="acquisition ids are unique")
def plate_acquisition_unique(ids: Sequence[object], where: Where) -> Iterator[ValidationIssue]:
    """No two acquisitions share an id.

    Examples
    --------
    >>> [f.rule for f in plate_acquisition_unique([0, 0], Where("", ("acquisitions",)))]
    ['plate-acquisition-unique']
    """
    dups = duplicates(i for i in ids if is_int(i))
    if dups:
        yield issue(
            "plate-acquisition-unique",
            where,
            f"acquisition ids must be unique, got {short(dups)} more than once",
        )


def check_plate(plate: Mapping[str, JSON], where: Where) -> Iterator[ValidationIssue]:
    """Every rule of this section on one ``plate`` block.

    Examples
    --------
    >>> list(check_plate({"rows": [], "columns": [], "wells": []}, Where("", ("plate",))))
    []
    """
    rows, columns = names_of(plate.get("rows")), names_of(plate.get("columns"))
    for key, names in (("rows", rows), ("columns", columns)):
        yield from plate_name_alnum(names, where.at(key), key)
        yield from plate_name_unique(names, where.at(key), key)
    wells = as_list(plate.get("wells")) or []
    for i, well in enumerate(wells):
        if not isinstance(well, Mapping):
            continue
        path, r, c = well.get("path"), well.get("rowIndex"), well.get("columnIndex")
        if not (isinstance(path, str) and is_int(r) and is_int(c)):
            continue
        yield from plate_well_index(well, where.at("wells", i), rows, columns)
        yield from plate_well_path(well, where.at("wells", i), rows, columns)
    yield from plate_well_unique(
        [w.get("path") for w in wells if isinstance(w, Mapping)], where.at("wells")
    )
    acquisitions = as_list(plate.get("acquisitions")) or []
    yield from plate_acquisition_unique(
        [a.get("id") for a in acquisitions if isinstance(a, Mapping)], where.at("acquisitions")
    )
