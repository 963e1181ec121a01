"""The container's tables: list, read, write and delete the tables of its image.

A mixin of `OmeZarrContainer` (`_container.py`): the methods need only the image's store and a
way to refuse writes on a read-only container. Typed tables (issue 12) grow here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from zarr.storage import StorePath

from ngffkit._container._store import read_table_names
from ngffkit.io.tables import DEFAULT_BACKEND, delete_table, read_table, write_table

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ContainerTables"]


class _Holder(Protocol):
    @property
    def store(self) -> StorePath: ...

    def _require_writable(self, action: str) -> None: ...


class ContainerTables:
    """Tables of the container's image (`tables/<name>`), read and written the way ngio does."""

    def list_tables(self: _Holder) -> list[str]:
        """Names listed by the store's `tables` group (`{"tables": [...]}`); empty without one.

        Examples
        --------
        >>> import numpy as np
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> create_empty_ome_zarr(MemoryStore(), (32, 32), pixelsize=1.0).list_tables()
        []
        """
        return list(read_table_names(self.store))

    def get_table(self: _Holder, name: str) -> pd.DataFrame:
        """Read the table *name* as a pandas DataFrame (any ngio backend); needs `ngffkit[tables]`.

        The index is the table's `index_key` column (`FieldIndex` for ROI tables, `label`
        for masking ROI and feature tables), typed as its `index_type`.

        Raises
        ------
        NgffKeyError
            If there is no table *name*; the message lists the tables there are.
        NgffDependencyError
            If pandas, pyarrow or anndata is missing.

        Examples
        --------
        >>> import pandas as pd
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> c = create_empty_ome_zarr(MemoryStore(), (32, 32), pixelsize=1.0)
        >>> c.add_table("cells", pd.DataFrame({"label": [1, 2], "area": [4.0, 9.5]}),
        ...             table_type="feature_table", region="nuclei")
        >>> c.get_table("cells")["area"].to_dict()
        {1: 4.0, 2: 9.5}
        >>> c.get_table("nuclei")
        Traceback (most recent call last):
        ...
        ngffkit.errors.NgffKeyError: table 'nuclei': not among the tables of memory://...: ['cells']
        """
        return read_table(self.store, name)

    def add_table(
        self: _Holder,
        name: str,
        table: pd.DataFrame,
        *,
        table_type: str = "generic_table",
        backend: str = DEFAULT_BACKEND,
        region: str | None = None,
        index_key: str | None = None,
        overwrite: bool = False,
    ) -> None:
        """Write *table* as `tables/<name>` and list it; the other tables are kept.

        The table is written the way ngio writes it (the V1 table attributes and ngio's
        default `anndata_v1` backend), so ngio and Fractal read it.

        Parameters
        ----------
        name
            Group name under `tables/`.
        table
            A pandas DataFrame; its index (or the column *index_key*) is the table's index.
        table_type
            `"generic_table"`, `"roi_table"`, `"masking_roi_table"`, `"feature_table"`,
            `"generic_roi_table"` or `"condition_table"`.
        backend
            `"anndata_v1"` (default), `"anndata"`, `"parquet"`, `"csv"` or `"json"`.
        region
            The label a masking ROI or feature table describes (`"nuclei"`, stored as
            `../labels/nuclei`); required for masking ROI tables.
        index_key
            The index column (default: the index's name, else `FieldIndex` for ROI tables
            and `label` for masking ROI and feature tables).
        overwrite
            Replace a table of that name.

        Raises
        ------
        NgffReadOnlyError
            If the container is read-only (nothing is written).
        NgffExistsError
            If the table exists and *overwrite* is False (nothing is written).
        NgffValueError
            For a bad name, type, backend, region, index or column (nothing is written).

        Examples
        --------
        >>> import pandas as pd
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> c = create_empty_ome_zarr(MemoryStore(), (32, 32), pixelsize=0.5)
        >>> rois = pd.DataFrame({"x_micrometer": [0.0], "y_micrometer": [0.0], "z_micrometer": [0.0],
        ...                      "len_x_micrometer": [16.0], "len_y_micrometer": [16.0],
        ...                      "len_z_micrometer": [1.0]}, index=pd.Index(["image"], name="FieldIndex"))
        >>> c.add_table("image_roi", rois, table_type="roi_table")
        >>> c.list_tables()
        ['image_roi']
        """
        self._require_writable("add_table")
        write_table(
            self.store,
            name,
            table,
            table_type=table_type,
            backend=backend,
            region=region,
            index_key=index_key,
            overwrite=overwrite,
        )

    def delete_table(self: _Holder, name: str, *, missing_ok: bool = False) -> None:
        """Delete the table *name*: unlisted first, then its group removed; other tables are kept.

        Raises
        ------
        NgffReadOnlyError
            If the container is read-only (nothing is changed).
        NgffKeyError
            If there is no table *name* and *missing_ok* is False; the message lists the tables.

        Examples
        --------
        >>> import pandas as pd
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> c = create_empty_ome_zarr(MemoryStore(), (32, 32), pixelsize=1.0)
        >>> c.add_table("a", pd.DataFrame({"n": [1]}))
        >>> c.add_table("b", pd.DataFrame({"n": [2]}))
        >>> c.delete_table("a")
        >>> c.list_tables()
        ['b']
        """
        self._require_writable("delete_table")
        delete_table(self.store, name, missing_ok=missing_ok)
