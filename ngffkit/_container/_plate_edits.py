"""A plate's edits as pure functions: from the plate and well metadata as they are, the new ones.

`OmeZarrPlate`'s methods (`_plate.py`) build an edit here and hand it to
`_plate_store.plate_update`, which runs it on the metadata read under the plate's lock and
writes what it returns; a new plate's metadata is planned here too, before anything is written.
The rules of each step (sorted rows, two-digit columns, acquisitions) are those of the pure
values of `ngffkit.spec.plate`; what this module adds is where in the plate an error arose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ngffkit._container._plate_store import Edit, PlateEdit, PlateState, WellOf
from ngffkit.errors import NgffExistsError, NgffKeyError, NgffValidationError, NgffValueError
from ngffkit.spec import NgffVersion, PlateMetadata, WellMetadata, column_name
from ngffkit.spec.names import check_name
from ngffkit.spec.plate import (
    with_acquisition,
    with_image,
    with_well,
    without_image,
    without_well,
)
from ngffkit.spec.rules import Where, raise_first
from ngffkit.spec.rules.well import well_image_path

__all__ = [
    "PLATE_ERRORS",
    "ImageInWellPath",
    "check_field_path",
    "in_plate",
    "well_path",
    "plan_plate",
    "add_edit",
    "acquisition_edit",
    "remove_edit",
]

PLATE_ERRORS = (NgffKeyError, NgffValueError, NgffExistsError, NgffValidationError)
"""What the pure plate and well edits raise for a bad argument."""


@dataclass(frozen=True, kw_only=True)
class ImageInWellPath:
    """A field of view to list in a new plate: its well (row, column), path and acquisition.

    Examples
    --------
    >>> ImageInWellPath(path="0", row="B", column=3, acquisition_id=1).column
    3
    """

    row: str
    column: str | int
    path: str
    acquisition_id: int | None = None
    acquisition_name: str | None = None


def check_field_path(path: str, version: NgffVersion, where: str) -> None:
    """A field's path is a safe node name and uses the characters *version* allows.

    Examples
    --------
    >>> check_field_path("0", "0.5", "plate.zarr/B/03")
    >>> check_field_path("../0", "0.5", "plate.zarr/B/03")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ngffkit.errors.NgffValueError: field of view name at plate.zarr/B/03: expected one plain ...
    """
    check_name(path, "field of view", where=where)
    raise_first(well_image_path(path, Where(where, ("path",)), version))


def in_plate(exc: Exception, where: str, store: str | None = None) -> Exception:
    """*exc* again, of its type (and rule), its message saying where in which plate it arose.

    *store* is the plate a validation error points at, when *where* is deeper (a well).

    Examples
    --------
    >>> in_plate(NgffKeyError("no well 'Z/01'"), "plate.zarr")
    NgffKeyError("plate plate.zarr: no well 'Z/01'")
    """
    text = exc.args[0] if exc.args else str(exc)
    message = f"plate {where}: {text}"
    if isinstance(exc, NgffValidationError):
        return NgffValidationError(message, rule=exc.rule, path=store or where)
    return type(exc)(message)


def well_path(meta: PlateMetadata, row: str, column: int | str, where: str) -> str:
    """The path of the plate's well at *row*, *column* (an error naming the plate if none).

    Examples
    --------
    >>> meta = with_well(PlateMetadata(), "B", 3)
    >>> well_path(meta, "B", 3, "plate.zarr")
    'B/03'
    >>> well_path(meta, "C", 1, "plate.zarr")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ngffkit.errors.NgffKeyError: plate plate.zarr: well at row 'C', column 1: the plate has no ...
    """
    try:
        return meta.well_path(row, column)
    except NgffKeyError as exc:
        raise in_plate(exc, where) from None


def plan_plate(
    name: str | None,
    images: Sequence[ImageInWellPath] | None,
    rows: Sequence[str] | None,
    columns: Sequence[int | str] | None,
    version: NgffVersion,
) -> tuple[PlateMetadata, dict[str, WellMetadata], bool]:
    """The metadata of a new plate: the plate, each well's, and whether the layout is fixed.

    Examples
    --------
    >>> meta, wells, fixed = plan_plate(
    ...     "p", [ImageInWellPath(row="C", column=5, path="0")], None, None, "0.5")
    >>> meta.wells_paths, list(wells), fixed
    (('C/05',), ['C/05'], False)
    """
    fixed = rows is not None or columns is not None
    if fixed and not (rows and columns):
        raise NgffValueError("create_empty_plate: declare both rows= and columns=, or neither")
    meta = PlateMetadata(
        name=name,
        rows=tuple(rows or ()),
        columns=tuple(column_name(c) for c in columns or ()),
    )
    for image in images or ():
        meta = with_well(meta, image.row, image.column, grow=not fixed)
        if image.acquisition_id is not None:
            meta = with_acquisition(meta, image.acquisition_id, image.acquisition_name)
    wells: dict[str, WellMetadata] = {}
    for image in images or ():
        path = meta.well_path(image.row, image.column)
        check_field_path(image.path, version, path)
        wells[path] = with_image(
            wells.get(path, WellMetadata()), image.path, image.acquisition_id, meta.acquisition_ids
        )
    return meta, wells, fixed


def add_edit(
    where: str,
    row: str,
    column: int | str,
    image_path: str | None,
    acquisition_id: int | None = None,
    acquisition_name: str | None = None,
) -> Edit:
    """The edit that lists a well (and the field *image_path* in it, unless None).

    Its result is the path of the well (or of the field).

    Examples
    --------
    >>> state = PlateState(version="0.5", meta=PlateMetadata())
    >>> outcome = add_edit("plate.zarr", "B", 3, "0")(state, lambda path: None)
    >>> outcome.result, outcome.plate.meta.wells_paths, outcome.wells["B/03"].paths()
    ('B/03/0', ('B/03',), ('0',))
    """

    def edit(state: PlateState, well_of: WellOf) -> PlateEdit:
        path = ""
        try:
            plate = with_well(state.meta, row, column, grow=not state.fixed)
            if acquisition_id is not None:
                plate = with_acquisition(plate, acquisition_id, acquisition_name)
            path = plate.well_path(row, column)
            well = well_of(path) or WellMetadata()
            if image_path is not None:
                well = with_image(well, image_path, acquisition_id, plate.acquisition_ids)
        except PLATE_ERRORS as exc:
            # A rule broken by the field is located at its well; the other errors name the plate.
            deeper = path and isinstance(exc, NgffValidationError)
            raise in_plate(exc, f"{where}/{path}" if deeper else where, where) from None
        result = path if image_path is None else f"{path}/{image_path}"
        return PlateEdit(plate=replace(state, meta=plate), wells={path: well}, result=result)

    return edit


def acquisition_edit(acquisition_id: int, acquisition_name: str | None) -> Edit:
    """The edit that lists an acquisition (nothing changes if its id is listed).

    Examples
    --------
    >>> state = PlateState(version="0.5", meta=PlateMetadata())
    >>> acquisition_edit(3, "day 3")(state, lambda path: None).plate.meta.acquisition_ids
    (3,)
    """

    def edit(state: PlateState, _: WellOf) -> PlateEdit:
        meta = with_acquisition(state.meta, acquisition_id, acquisition_name)
        return PlateEdit(plate=replace(state, meta=meta))

    return edit


def remove_edit(where: str, row: str, column: int | str, image_path: str) -> Edit:
    """The edit that unlists a field, and its well when it was the well's last field.

    Examples
    --------
    >>> empty = PlateState(version="0.5", meta=PlateMetadata())
    >>> added = add_edit("plate.zarr", "A", 1, "0")(empty, lambda path: None)
    >>> removed = remove_edit("plate.zarr", "A", 1, "0")(added.plate, added.wells.get)
    >>> removed.plate.meta.wells_paths, removed.wells["A/01"].paths()
    ((), ())
    """

    def edit(state: PlateState, well_of: WellOf) -> PlateEdit:
        path = well_path(state.meta, row, column, where)
        well = well_of(path) or WellMetadata()
        try:
            well = without_image(well, image_path)
        except NgffKeyError as exc:
            raise in_plate(exc, f"{where}/{path}") from None
        plate = state.meta if well.images else without_well(state.meta, row, column)
        return PlateEdit(plate=replace(state, meta=plate), wells={path: well})

    return edit
