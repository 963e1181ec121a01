"""A plate's tables: list, read, write and delete the plate-level ones, gather the fields' ones.

A mixin of `OmeZarrPlate` (`_plate.py`), as `_tables` is the container's: the methods need
only the plate's store, its fields' paths and a way to refuse writes on a read-only plate.
The storage is `ngffkit.io.tables`, which takes the image lock for every write.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

from zarr.storage import StorePath

from ngffkit._container._plate_store import FIELD_WORKERS
from ngffkit.errors import NgffKeyError
from ngffkit.io.stores import child, describe_store
from ngffkit.io.tables import delete_table, list_tables, read_table, write_table

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PlateTables"]


class _Holder(Protocol):
    @property
    def store(self) -> StorePath: ...

    def _require_writable(self, action: str) -> None: ...

    def images_paths(self, acquisition: int | None = None) -> list[str]: ...


class PlateTables:
    """The table methods of [`OmeZarrPlate`][ngffkit.OmeZarrPlate]."""

    def list_tables(self: _Holder) -> list[str]:
        """The plate-level tables (``tables/`` at the plate's root); empty without any.

        Examples
        --------
        >>> import pandas as pd
        >>> from ngffkit.container import create_empty_plate
        >>> plate = create_empty_plate({}, "p")  # a dict is a store in memory
        >>> before = plate.list_tables()
        >>> plate.add_table("conditions", pd.DataFrame({"well": ["B/03"]}))
        >>> before, plate.list_tables()
        ([], ['conditions'])
        """
        return list(list_tables(self.store))

    def get_table(self: _Holder, name: str) -> pd.DataFrame:
        """Read the plate-level table *name* as a pandas DataFrame (needs `ngffkit[tables]`).

        Raises
        ------
        NgffKeyError
            If there is no plate-level table *name* (the message names those there are).

        Examples
        --------
        >>> import pandas as pd
        >>> from ngffkit.container import create_empty_plate
        >>> plate = create_empty_plate({}, "p")
        >>> doses = pd.DataFrame({"well": ["B/03", "C/05"], "dose": [1.0, 2.5]})
        >>> plate.add_table("doses", doses)
        >>> plate.get_table("doses").set_index("well")["dose"].to_dict()
        {'B/03': 1.0, 'C/05': 2.5}
        """
        return read_table(self.store, name)

    def add_table(self: _Holder, name: str, table: pd.DataFrame, **options: Any) -> None:
        """Write a plate-level table, as `OmeZarrContainer.add_table` writes an image's.

        Examples
        --------
        >>> import pandas as pd
        >>> from ngffkit.container import create_empty_plate
        >>> plate = create_empty_plate({}, "screen")
        >>> plate.add_table("conditions", pd.DataFrame({"well": ["B/03"], "drug": ["x"]}),
        ...                 table_type="condition_table")
        >>> plate.list_tables(), plate.get_table("conditions")["drug"].tolist()
        (['conditions'], ['x'])
        """
        self._require_writable("add_table")
        write_table(self.store, name, table, **options)

    def delete_table(self: _Holder, name: str, *, missing_ok: bool = False) -> None:
        """Delete a plate-level table (unlisted first, then its group removed).

        Raises
        ------
        NgffReadOnlyError
            If the plate was opened read-only.
        NgffKeyError
            If the plate lists no table *name* and *missing_ok* is False.

        Examples
        --------
        >>> import pandas as pd
        >>> from ngffkit.container import create_empty_plate
        >>> plate = create_empty_plate({}, "p")
        >>> plate.add_table("scratch", pd.DataFrame({"n": [1]}))
        >>> plate.delete_table("scratch")
        >>> plate.delete_table("scratch", missing_ok=True)  # already gone: nothing to do
        >>> plate.list_tables()
        []
        """
        self._require_writable("delete_table")
        delete_table(self.store, name, missing_ok=missing_ok)

    def concatenate_image_tables(
        self: _Holder, name: str, *, acquisition: int | None = None, strict: bool = False
    ) -> pd.DataFrame:
        """One table of every field's table *name*, with ``row``, ``column`` and ``path_in_well``.

        Fields without the table are skipped (with *strict*, they are an error). Each field's
        index is kept; the rows of one field stay together, fields in plate order. The
        fields are read concurrently.

        Raises
        ------
        NgffKeyError
            If no field has the table, or (*strict*) one lacks it.

        Examples
        --------
        >>> import pandas as pd
        >>> from ngffkit.container import create_empty_plate
        >>> plate = create_empty_plate({}, "p")
        >>> for row in "AB":
        ...     _ = plate.add_image(row, 1, "0", shape=(16, 16), pixelsize=1.0, levels=1)
        ...     plate.get_image(row, 1, "0").add_table("counts", pd.DataFrame({"n": [len(row)]}))
        >>> plate.concatenate_image_tables("counts")[["n", "row", "column", "path_in_well"]]
           n row column path_in_well
        0  1   A     01            0
        0  1   B     01            0
        """
        paths = self.images_paths(acquisition)

        def one(path: str) -> pd.DataFrame | None:
            sp = child(self.store, path)
            if name not in list_tables(sp):
                if strict:
                    raise NgffKeyError(
                        f"table {name!r}: not among the tables of field {describe_store(sp)}"
                    )
                return None
            table = read_table(sp, name)
            row, column, field = path.split("/")
            return table.assign(row=row, column=column, path_in_well=field)

        with ThreadPoolExecutor(max(1, min(FIELD_WORKERS, len(paths)))) as pool:
            tables = [t for t in pool.map(one, paths) if t is not None]
        if not tables:
            raise NgffKeyError(
                f"table {name!r}: no field of plate {describe_store(self.store)} has it"
            )
        import pandas as pd  # installed: read_table needs it and has read one

        return pd.concat(tables)
