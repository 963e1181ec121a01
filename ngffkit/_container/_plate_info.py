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

__all__ = ["plate_layout", "plate_overview", "store_overview"]


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


def _plate_root(store: StoreLike) -> Any:
    """The opened store when *store* holds a plate, else None."""
    sp = open_store(store, mode="r")
    try:
        _, attrs = read_group_attrs(sp)
    except NgffError:
        return None
    return sp if "plate" in ome_namespace(attrs)[0] else None


def store_overview(store: StoreLike) -> str | None:
    """What ``ngffkit info`` prints for a plate (`plate_overview`); None for any other store.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.container import create_empty_plate
    >>> store = MemoryStore()
    >>> _ = create_empty_plate(store, "demo")
    >>> store_overview(store).splitlines()[1]
    "  OME-NGFF 0.5, name 'demo', 0 rows x 0 columns, 0 wells, 0 fields of view"
    >>> store_overview(MemoryStore()) is None
    True
    """
    sp = _plate_root(store)
    return None if sp is None else plate_overview(open_ome_zarr_plate(sp, mode="r"))


def plate_layout(store: StoreLike) -> dict[str, Any] | None:
    """What ``ngffkit info --json`` prints for a plate; None for any other store.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.container import ImageInWellPath, create_empty_plate
    >>> store = MemoryStore()
    >>> _ = create_empty_plate(store, "demo", images=[ImageInWellPath(row="B", column=3, path="0")])
    >>> layout = plate_layout(store)
    >>> layout["rows"], layout["columns"], layout["wells"]
    (['B'], ['03'], {'B/03': ['0']})
    """
    sp = _plate_root(store)
    if sp is None:
        return None
    state = read_plate(sp)
    meta = state.meta
    wells = read_wells(sp, list(meta.wells_paths), state.version)
    return {
        "store": describe_store(sp),
        "kind": "plate",
        "version": state.version,
        "name": meta.name,
        "rows": list(meta.rows),
        "columns": list(meta.columns),
        "acquisitions": [{"id": a.id, "name": a.name} for a in meta.acquisitions],
        "wells": {
            path: [] if well is None else [image.path for image in well.images]
            for path, well in wells.items()
        },
    }
