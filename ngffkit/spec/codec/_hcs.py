"""The ``plate`` and ``well`` blocks, which every version writes alike inside its namespace.

The versions differ only around the block: 0.4 puts ``version`` inside it, 0.5 and 0.6 in
``ome`` and (for the tools that look there) in the block too (each version module's
`hcs_block` and `attributes`). Decoding is tolerant of what
other writers produce (a missing ``acquisitions`` list, extra keys, which are kept); names
and indices go through the dataclasses, which run the catalogue's rules.

Examples
--------
>>> plate = decode_plate_block({"rows": [{"name": "A"}], "columns": [{"name": "01"}],
...     "wells": [{"path": "A/01", "rowIndex": 0, "columnIndex": 0}]}, "plate")
>>> encode_plate_block(plate)["wells"]
[{'path': 'A/01', 'rowIndex': 0, 'columnIndex': 0}]
"""

from __future__ import annotations

from typing import Any, Final

from ngffkit.spec._parse import expect_int, expect_list, expect_mapping, expect_str, freeze
from ngffkit.spec.plate import Acquisition, PlateMetadata, WellImage, WellInPlate, WellMetadata

__all__ = ["decode_plate_block", "encode_plate_block", "decode_well_block", "encode_well_block"]

_ACQUISITION_KEYS: Final = {
    "id": "id",
    "name": "name",
    "description": "description",
    "maximumfieldcount": "maximum_field_count",
    "starttime": "start_time",
    "endtime": "end_time",
}
_PLATE_KEYS: Final = {"rows", "columns", "wells", "acquisitions", "field_count", "name", "version"}


def _names(raw: object, where: str) -> tuple[str, ...]:
    items = expect_list(raw, where)
    return tuple(
        expect_str(expect_mapping(item, f"{where}[{i}]").get("name"), f"{where}[{i}].name")
        for i, item in enumerate(items)
    )


def _acquisition(raw: object, where: str) -> Acquisition:
    obj = expect_mapping(raw, where)
    values: dict[str, Any] = {"id": expect_int(obj.get("id"), f"{where}.id")}
    for key, attr in _ACQUISITION_KEYS.items():
        if key != "id" and obj.get(key) is not None:
            value = obj[key]
            text = key in ("name", "description")
            values[attr] = (
                expect_str(value, f"{where}.{key}") if text else expect_int(value, f"{where}.{key}")
            )
    extra = {k: freeze(v) for k, v in obj.items() if k not in _ACQUISITION_KEYS}
    return Acquisition(**values, extra=extra)


def decode_plate_block(raw: object, where: str) -> PlateMetadata:
    """The `PlateMetadata` of a ``plate`` block (any version; its ``version`` key is dropped).

    Examples
    --------
    >>> plate = decode_plate_block({"version": "0.4", "name": "screen", "rows": [{"name": "B"}],
    ...     "columns": [{"name": "3"}], "wells": [{"path": "B/3", "rowIndex": 0,
    ...     "columnIndex": 0}]}, "plate")
    >>> plate.name, plate.wells_paths
    ('screen', ('B/3',))
    """
    obj = expect_mapping(raw, where)
    wells = []
    for i, item in enumerate(expect_list(obj.get("wells", []), f"{where}.wells")):
        w = expect_mapping(item, f"{where}.wells[{i}]")
        wells.append(
            WellInPlate(
                path=expect_str(w.get("path"), f"{where}.wells[{i}].path"),
                row_index=expect_int(w.get("rowIndex"), f"{where}.wells[{i}].rowIndex"),
                column_index=expect_int(w.get("columnIndex"), f"{where}.wells[{i}].columnIndex"),
                extra={
                    k: freeze(v)
                    for k, v in w.items()
                    if k not in ("path", "rowIndex", "columnIndex")
                },
            )
        )
    acquisitions = obj.get("acquisitions") or []
    field_count = obj.get("field_count")
    name = obj.get("name")
    return PlateMetadata(
        rows=_names(obj.get("rows", []), f"{where}.rows"),
        columns=_names(obj.get("columns", []), f"{where}.columns"),
        wells=tuple(wells),
        acquisitions=tuple(
            _acquisition(a, f"{where}.acquisitions[{i}]")
            for i, a in enumerate(expect_list(acquisitions, f"{where}.acquisitions"))
        ),
        field_count=None
        if field_count is None
        else expect_int(field_count, f"{where}.field_count"),
        name=None if name is None else expect_str(name, f"{where}.name"),
        extra={k: freeze(v) for k, v in obj.items() if k not in _PLATE_KEYS},
    )


def encode_plate_block(plate: PlateMetadata) -> dict[str, Any]:
    """The ``plate`` block of *plate*, without a version (each version module places it).

    Examples
    --------
    >>> sorted(encode_plate_block(PlateMetadata(name="empty")))
    ['columns', 'name', 'rows', 'wells']
    """
    out: dict[str, Any] = {}
    if plate.name is not None:
        out["name"] = plate.name
    out["rows"] = [{"name": r} for r in plate.rows]
    out["columns"] = [{"name": c} for c in plate.columns]
    out["wells"] = [
        {"path": w.path, "rowIndex": w.row_index, "columnIndex": w.column_index, **freeze(w.extra)}
        for w in plate.wells
    ]
    if plate.acquisitions:
        out["acquisitions"] = [
            {
                **{
                    key: getattr(a, attr)
                    for key, attr in _ACQUISITION_KEYS.items()
                    if getattr(a, attr) is not None
                },
                **freeze(a.extra),
            }
            for a in plate.acquisitions
        ]
    if plate.field_count is not None:
        out["field_count"] = plate.field_count
    out.update(freeze(plate.extra))
    return out


def decode_well_block(raw: object, where: str) -> WellMetadata:
    """The `WellMetadata` of a ``well`` block (any version; its ``version`` key is dropped).

    Examples
    --------
    >>> well = decode_well_block({"images": [{"path": "0", "acquisition": 1}]}, "well")
    >>> well.paths(), well.acquisition_of("0")
    (('0',), 1)
    """
    obj = expect_mapping(raw, where)
    images = []
    for i, item in enumerate(expect_list(obj.get("images", []), f"{where}.images")):
        image = expect_mapping(item, f"{where}.images[{i}]")
        acquisition = image.get("acquisition")
        images.append(
            WellImage(
                path=expect_str(image.get("path"), f"{where}.images[{i}].path"),
                acquisition=None
                if acquisition is None
                else expect_int(acquisition, f"{where}.images[{i}].acquisition"),
                extra={k: freeze(v) for k, v in image.items() if k not in ("path", "acquisition")},
            )
        )
    extra = {k: freeze(v) for k, v in obj.items() if k not in ("images", "version")}
    return WellMetadata(images=tuple(images), extra=extra)


def encode_well_block(well: WellMetadata) -> dict[str, Any]:
    """The ``well`` block of *well*, without a version.

    Examples
    --------
    >>> encode_well_block(WellMetadata(images=(WellImage(path="0"), WellImage(path="1"))))
    {'images': [{'path': '0'}, {'path': '1'}]}
    """
    images = [
        {
            "path": i.path,
            **({} if i.acquisition is None else {"acquisition": i.acquisition}),
            **freeze(i.extra),
        }
        for i in well.images
    ]
    return {"images": images, **freeze(well.extra)}
