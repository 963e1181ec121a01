"""What ``ngffkit info`` prints for a store: a plate's layout, or an image's overview.

For a plate: its version and name, the grid of wells with the number of fields in each,
the acquisitions, and the overview of its first field's image. The wells are read
concurrently (`_plate_store.read_wells`), so a remote 384-well plate costs about one round trip
for the grid.
"""

from __future__ import annotations

from typing import Any

from ngffkit._container._container import open_ome_zarr_container
from ngffkit._container._plate import OmeZarrPlate, open_ome_zarr_plate
from ngffkit._container._plate_store import read_group_attrs, read_plate, read_wells
from ngffkit.errors import NgffError, NgffNotFoundError
from ngffkit.io.stores import StoreLike, child, describe_store, open_store
from ngffkit.spec import ome_namespace

__all__ = ["plate_overview", "store_overview", "validation_text"]


def plate_overview(plate: OmeZarrPlate) -> str:
    """The plate's layout as text: a grid of wells with their field counts, acquisitions, and
    the first field's image overview.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.container import ImageInWellPath, create_empty_plate
    >>> plate = create_empty_plate(MemoryStore(), "demo", images=[
    ...     ImageInWellPath(row="A", column=1, path="0"), ImageInWellPath(row="B", column=2, path="0"),
    ...     ImageInWellPath(row="B", column=2, path="1")])
    >>> print(plate_overview(plate))  # doctest: +ELLIPSIS
    OmeZarrPlate  memory://...
      OME-NGFF 0.5, name 'demo', 2 rows x 2 columns, 2 wells, 3 fields of view
      acquisitions  none
      fields per well:
          01 02
        A  1  .
        B  .  2
      first field A/01/0: no image written there yet
    """
    state = read_plate(plate.store)
    meta = state.meta
    wells = read_wells(plate.store, list(meta.wells_paths), state.version)
    counts: dict[tuple[int, int], int | None] = {}
    for w in meta.wells:
        found = wells[w.path]
        counts[w.row_index, w.column_index] = None if found is None else len(found.images)
    total = sum(n or 0 for n in counts.values())
    acquisitions = ", ".join(
        f"{a.id}" + (f" {a.name!r}" if a.name else "") for a in meta.acquisitions
    )
    lines = [
        f"OmeZarrPlate  {describe_store(plate.store)}",
        f"  OME-NGFF {state.version}, name {meta.name!r}, {len(meta.rows)} rows x "
        f"{len(meta.columns)} columns, {len(meta.wells)} wells, {total} fields of view",
        f"  acquisitions  {acquisitions or 'none'}",
        "  fields per well:",
    ]
    width = max([len(c) for c in meta.columns] + [2])
    row_width = max([len(r) for r in meta.rows] + [1])
    lines.append("    " + " " * row_width + "".join(f" {c:>{width}}" for c in meta.columns))
    for r, row in enumerate(meta.rows):
        cells = []
        for c in range(len(meta.columns)):
            n = counts.get((r, c), 0)
            cells.append(f" {'.' if n == 0 else '?' if n is None else n:>{width}}")
        lines.append(f"    {row:<{row_width}}" + "".join(cells))
    first = next(
        (f"{p}/{w.images[0].path}" for p, w in wells.items() if w is not None and w.images), None
    )
    if first is not None:
        try:
            field = open_ome_zarr_container(child(plate.store, first), mode="r")
        except NgffNotFoundError:
            lines.append(f"  first field {first}: no image written there yet")
        except NgffError as exc:
            lines.append(f"  first field {first}: cannot be opened: {exc}")
        else:
            lines.append(f"  first field {first}:")
            lines.extend("    " + line for line in repr(field).splitlines())
    return "\n".join(lines)


def _plate_counts(store: StoreLike) -> tuple[int, int] | None:
    """(wells, fields of view) a plate lists, or None when *store* is not a readable plate."""
    try:
        sp = open_store(store, mode="r")
        state = read_plate(sp)
        wells = read_wells(sp, list(state.meta.wells_paths), state.version)
    except NgffError:
        return None
    return len(wells), sum(len(w.images) for w in wells.values() if w is not None)


def validation_text(store: StoreLike, report: object) -> str:
    """What ``ngffkit validate`` prints: the report, and for a plate what the walk covered.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.validation import validate
    >>> from ngffkit.container import create_empty_plate
    >>> store = MemoryStore()
    >>> plate = create_empty_plate(store, "demo")
    >>> plate.add_image("A", 1, "0", shape=(16, 16), pixelsize=1.0, levels=1)
    'A/01/0'
    >>> print(validation_text(store, validate(store)))  # doctest: +ELLIPSIS
    OME-NGFF 0.5 validation of memory://...: 0 errors, 0 warnings - valid
    plate: 1 wells and 1 fields of view checked (the wells side by side)
    """
    counts = _plate_counts(store)
    if counts is None:
        return str(report)
    wells, fields = counts
    return (
        f"{report}\nplate: {wells} wells and {fields} fields of view checked "
        f"(the wells side by side)"
    )


def store_overview(store: StoreLike) -> Any:
    """What ``ngffkit info`` shows: a plate's `plate_overview`, else the image's `Multiscales`.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.container import create_empty_plate
    >>> store = MemoryStore()
    >>> _ = create_empty_plate(store, "demo")
    >>> store_overview(store).splitlines()[1]
    "  OME-NGFF 0.5, name 'demo', 0 rows x 0 columns, 0 wells, 0 fields of view"
    """
    sp = open_store(store, mode="r")
    try:
        _, attrs = read_group_attrs(sp)
    except NgffError:
        attrs = {}
    if "plate" in ome_namespace(attrs)[0]:
        return plate_overview(open_ome_zarr_plate(sp, mode="r"))
    from ngffkit.io.read import from_ngff_zarr

    return from_ngff_zarr(sp)
