"""High-content screening metadata (plates and wells) as frozen, version-neutral dataclasses.

A plate lists its rows, columns, wells (``<row>/<column>`` with the indices of both) and
acquisitions; a well lists its fields of view, each optionally naming the acquisition it
belongs to. `ngffkit.spec.codec` turns these values into 0.4, 0.5 or 0.6 JSON and back.

Building a value runs the catalogue's rules on it (`ngffkit.spec.rules.plate`,
`ngffkit.spec.rules.well`), so a plate with a duplicate row name or a well outside its rows
cannot exist. The edits are pure functions that return a new value, with ngio's semantics:
a well added on a new row or column inserts that row or column in sorted order (integer
columns as two-digit names, ``3`` -> ``"03"``) and re-indexes the wells.

Examples
--------
>>> plate = PlateMetadata(name="screen")
>>> plate = with_well(with_well(plate, "B", 3), "A", "12")
>>> plate.rows, plate.columns, plate.wells_paths
(('A', 'B'), ('03', '12'), ('B/03', 'A/12'))
>>> plate.well_path("B", 3)
'B/03'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ngffkit.errors import NgffExistsError, NgffKeyError, NgffValueError
from ngffkit.spec.rules import Where, raise_first
from ngffkit.spec.rules.plate import (
    plate_acquisition_unique,
    plate_name_alnum,
    plate_name_unique,
    plate_well_index,
    plate_well_path,
    plate_well_unique,
)
from ngffkit.spec.rules.well import well_acquisition, well_image_unique

__all__ = [
    "Acquisition",
    "WellInPlate",
    "PlateMetadata",
    "WellImage",
    "WellMetadata",
    "column_name",
    "with_well",
    "without_well",
    "with_acquisition",
    "with_image",
    "without_image",
]


def column_name(column: int | str) -> str:
    """The stored name of a column: integers (and integer strings) as two-digit names, as ngio.

    Examples
    --------
    >>> column_name(3), column_name("3"), column_name("12"), column_name("X1")
    ('03', '03', '12', 'X1')
    """
    if isinstance(column, bool) or not isinstance(column, int | str):
        raise NgffValueError(f"column: expected an int or a str, got {column!r}")
    if isinstance(column, str):
        try:
            number = int(column)
        except ValueError:
            return column
        return f"{number:02d}"
    return f"{column:02d}"


@dataclass(frozen=True, kw_only=True)
class Acquisition:
    """One acquisition (imaging run) of a plate; ``id`` is what well images refer to.

    Examples
    --------
    >>> Acquisition(id=1, name="day 2").name
    'day 2'
    """

    id: int
    name: str | None = None
    description: str | None = None
    maximum_field_count: int | None = None
    start_time: int | None = None
    end_time: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class WellInPlate:
    """A well of a plate: its path ``<row>/<column>`` and the indices of both.

    Examples
    --------
    >>> well = WellInPlate(path="B/03", row_index=1, column_index=0)
    >>> well.row, well.column
    ('B', '03')
    """

    path: str
    row_index: int
    column_index: int
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def row(self) -> str:
        """The row name (the path's first part).

        Examples
        --------
        >>> WellInPlate(path="C/7", row_index=2, column_index=6).row
        'C'
        """
        return self.path.split("/", 1)[0]

    @property
    def column(self) -> str:
        """The column name (the path's second part).

        Examples
        --------
        >>> well = WellInPlate(path="H/12", row_index=7, column_index=11)
        >>> well.column, well.column_index  # the name as the path writes it; the index from 0
        ('12', 11)
        """
        return self.path.split("/", 1)[-1]


@dataclass(frozen=True, kw_only=True)
class PlateMetadata:
    """The ``plate`` block: rows, columns, wells, acquisitions, field count and name.

    Raises
    ------
    NgffValidationError
        When built with names that are not alphanumeric or repeat, well indices outside the
        rows or columns, a well path that is not ``<row>/<column>`` of its indices, a well
        listed twice or an acquisition id twice (``rule`` names the catalogue rule).

    Examples
    --------
    >>> PlateMetadata(rows=("A", "A"), columns=("1",))
    Traceback (most recent call last):
    ...
    ngffkit.errors.NgffValidationError: plate.rows: row names must be unique, got ["A"] more than once
    """

    rows: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    wells: tuple[WellInPlate, ...] = ()
    acquisitions: tuple[Acquisition, ...] = ()
    field_count: int | None = None
    name: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = Where("", ("plate",))
        for key, names in (("rows", self.rows), ("columns", self.columns)):
            raise_first(plate_name_alnum(names, where.at(key), key))
            raise_first(plate_name_unique(names, where.at(key), key))
        for i, well in enumerate(self.wells):
            raw = {"path": well.path, "rowIndex": well.row_index, "columnIndex": well.column_index}
            raise_first(plate_well_index(raw, where.at("wells", i), self.rows, self.columns))
            raise_first(plate_well_path(raw, where.at("wells", i), self.rows, self.columns))
        raise_first(plate_well_unique(self.wells_paths, where.at("wells")))
        raise_first(plate_acquisition_unique(self.acquisition_ids, where.at("acquisitions")))

    @property
    def wells_paths(self) -> tuple[str, ...]:
        """The wells' paths, in the order the plate lists them.

        Examples
        --------
        >>> with_well(with_well(PlateMetadata(name="p"), "B", 2), "A", 1).wells_paths
        ('B/02', 'A/01')
        """
        return tuple(well.path for well in self.wells)

    @property
    def acquisition_ids(self) -> tuple[int, ...]:
        """The acquisitions' ids, in the order the plate lists them.

        Examples
        --------
        >>> PlateMetadata(name="p").acquisition_ids
        ()
        """
        return tuple(a.id for a in self.acquisitions)

    def find_well(self, row: str, column: int | str) -> WellInPlate | None:
        """The well at *row* and *column* (``3``, ``"3"`` and ``"03"`` are one column), or None.

        Examples
        --------
        >>> with_well(PlateMetadata(), "A", 1).find_well("A", "01").path
        'A/01'
        """
        if row not in self.rows:
            return None
        wanted = column_name(column)
        names = [column_name(c) for c in self.columns]
        if wanted not in names:
            return None
        r, c = self.rows.index(row), names.index(wanted)
        return next((w for w in self.wells if (w.row_index, w.column_index) == (r, c)), None)

    def well_path(self, row: str, column: int | str) -> str:
        """The path of the well at *row* and *column*.

        Raises
        ------
        NgffKeyError
            If the plate has no such well; the message lists the wells.

        Examples
        --------
        >>> PlateMetadata().well_path("A", 1)
        Traceback (most recent call last):
        ...
        ngffkit.errors.NgffKeyError: well at row 'A', column 1: the plate has no such well (it has no wells)
        """
        well = self.find_well(row, column)
        if well is None:
            paths = list(self.wells_paths)
            raise NgffKeyError(
                f"well at row {row!r}, column {column!r}: the plate has no such well "
                + (f"(wells: {paths})" if paths else "(it has no wells)")
            )
        return well.path


@dataclass(frozen=True, kw_only=True)
class WellImage:
    """A field of view of a well: its path in the well and, optionally, its acquisition id.

    Examples
    --------
    >>> WellImage(path="0", acquisition=1).acquisition
    1
    """

    path: str
    acquisition: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class WellMetadata:
    """The ``well`` block: the well's fields of view.

    Raises
    ------
    NgffValidationError
        When two fields share a path.

    Examples
    --------
    >>> well = WellMetadata(images=(WellImage(path="0"), WellImage(path="1")))
    >>> well.paths()
    ('0', '1')
    """

    images: tuple[WellImage, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        raise_first(well_image_unique(self.paths(), Where("", ("well", "images"))))

    def paths(self, acquisition: int | None = None) -> tuple[str, ...]:
        """The fields' paths, all of them or those of one *acquisition*.

        Examples
        --------
        >>> WellMetadata(images=(WellImage(path="0", acquisition=2),)).paths(acquisition=1)
        ()
        """
        return tuple(
            i.path for i in self.images if acquisition is None or i.acquisition == acquisition
        )

    @property
    def acquisition_ids(self) -> tuple[int, ...]:
        """The acquisitions the fields name, once each, in order of first use.

        Examples
        --------
        >>> fields = [WellImage(path=p, acquisition=a) for p, a in [("0", 2), ("1", 0), ("2", 2)]]
        >>> WellMetadata(images=tuple(fields)).acquisition_ids
        (2, 0)
        """
        return tuple(dict.fromkeys(i.acquisition for i in self.images if i.acquisition is not None))

    def acquisition_of(self, path: str) -> int | None:
        """The acquisition id of the field at *path* (None when it names none).

        Raises
        ------
        NgffKeyError
            If the well has no field at *path*.

        Examples
        --------
        >>> well = WellMetadata(images=(WellImage(path="0", acquisition=1), WellImage(path="1")))
        >>> well.acquisition_of("0"), well.acquisition_of("1")
        (1, None)
        """
        for image in self.images:
            if image.path == path:
                return image.acquisition
        raise NgffKeyError(f"field {path!r} is not in the well (fields: {list(self.paths())})")


# ----------------------------------------------------------------------------- pure edits


def _sorted_names(names: Iterable[str], new: str, *, columns: bool) -> tuple[str, ...]:
    """*names* with *new* inserted, sorted as ngio sorts them (rows as text, columns by name)."""
    out = [*names, new]
    return tuple(sorted(out, key=column_name) if columns else sorted(out))


def _reindexed(
    wells: Iterable[WellInPlate], rows: Sequence[str], columns: Sequence[str]
) -> tuple[WellInPlate, ...]:
    """The wells with indices pointing at their row and column in the new lists."""
    names = [column_name(c) for c in columns]
    return tuple(
        replace(w, row_index=rows.index(w.row), column_index=names.index(column_name(w.column)))
        for w in wells
    )


def with_well(
    plate: PlateMetadata, row: str, column: int | str, *, grow: bool = True
) -> PlateMetadata:
    """The plate with a well at *row*, *column* (the same plate if it has one there).

    A new row or column is inserted in sorted order and the wells re-indexed, as ngio does,
    unless *grow* is False (the caller declared the plate's rows and columns): then a well
    outside them is an error.

    Raises
    ------
    NgffValueError
        If *grow* is False and the row or column is not the plate's.
    NgffValidationError
        For a row or column name that is not alphanumeric.

    Examples
    --------
    >>> plate = with_well(with_well(PlateMetadata(), "C", 1), "A", 2)
    >>> [(w.path, w.row_index, w.column_index) for w in plate.wells]
    [('C/01', 1, 0), ('A/02', 0, 1)]
    >>> with_well(plate, "B", 1, grow=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ngffkit.errors.NgffValueError: well B/01: row 'B' is not one of the plate's rows ['A', 'C'] ...
    """
    if plate.find_well(row, column) is not None:
        return plate
    if not isinstance(row, str):
        raise NgffValueError(f"row: expected a str such as 'A', got {row!r}")
    col = column_name(column)
    rows, columns = plate.rows, plate.columns
    known_columns = [column_name(c) for c in columns]
    for kind, name, names in (("row", row, rows), ("column", col, known_columns)):
        if name not in names and not grow:
            raise NgffValueError(
                f"well {row}/{col}: {kind} {name!r} is not one of the plate's {kind}s "
                f"{list(names)} (the plate's layout is fixed)"
            )
    if row not in rows:
        rows = _sorted_names(rows, row, columns=False)
    if col not in known_columns:
        columns = _sorted_names(columns, col, columns=True)
    wells = _reindexed(plate.wells, rows, columns)
    names = [column_name(c) for c in columns]
    new = WellInPlate(
        path=f"{row}/{columns[names.index(col)]}",
        row_index=rows.index(row),
        column_index=names.index(col),
    )
    return replace(plate, rows=rows, columns=columns, wells=(*wells, new))


def without_well(plate: PlateMetadata, row: str, column: int | str) -> PlateMetadata:
    """The plate without the well at *row*, *column*; rows and columns stay, as in ngio.

    Raises
    ------
    NgffKeyError
        If the plate has no such well.

    Examples
    --------
    >>> plate = without_well(with_well(PlateMetadata(), "A", 1), "A", 1)
    >>> plate.wells, plate.rows
    ((), ('A',))
    """
    path = plate.well_path(row, column)
    return replace(plate, wells=tuple(w for w in plate.wells if w.path != path))


def with_acquisition(
    plate: PlateMetadata, acquisition_id: int, name: str | None = None
) -> PlateMetadata:
    """The plate with acquisition *acquisition_id* (the same plate if it lists it already).

    Examples
    --------
    >>> with_acquisition(PlateMetadata(), 1, "first").acquisitions[0].name
    'first'
    """
    if isinstance(acquisition_id, bool) or not isinstance(acquisition_id, int):
        raise NgffValueError(f"acquisition_id: expected an int, got {acquisition_id!r}")
    if acquisition_id in plate.acquisition_ids:
        return plate
    added = Acquisition(id=acquisition_id, name=name)
    return replace(plate, acquisitions=(*plate.acquisitions, added))


def with_image(
    well: WellMetadata,
    path: str,
    acquisition: int | None,
    plate_acquisitions: Sequence[int],
) -> WellMetadata:
    """The well with a field of view at *path*.

    Raises
    ------
    NgffExistsError
        If the well has a field at *path* already.
    NgffValidationError
        If the plate has several acquisitions and *acquisition* is None, or *acquisition* is
        not one of them (rule ``well-acquisition``; the message lists the plate's ids).

    Examples
    --------
    >>> with_image(WellMetadata(), "0", None, ()).paths()
    ('0',)
    >>> with_image(WellMetadata(), "0", None, (0, 1))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ngffkit.errors.NgffValidationError: well.images[0]: the plate has 2 acquisitions, so each ...
    """
    if path in well.paths():
        raise NgffExistsError(
            f"field {path!r} is already in the well (fields: {list(well.paths())})"
        )
    image = WellImage(path=path, acquisition=acquisition)
    entries = [{"path": path, **({} if acquisition is None else {"acquisition": acquisition})}]
    offset = len(well.images)
    found = well_acquisition(entries, Where("", ("well", "images")), plate_acquisitions, offset)
    raise_first(f for f in found if f.severity == "error")
    return replace(well, images=(*well.images, image))


def without_image(well: WellMetadata, path: str) -> WellMetadata:
    """The well without the field at *path*.

    Raises
    ------
    NgffKeyError
        If the well has no field at *path*; the message lists its fields.

    Examples
    --------
    >>> without_image(WellMetadata(images=(WellImage(path="0"),)), "0").images
    ()
    """
    if path not in well.paths():
        raise NgffKeyError(f"field {path!r} is not in the well (fields: {list(well.paths())})")
    return replace(well, images=tuple(i for i in well.images if i.path != path))
