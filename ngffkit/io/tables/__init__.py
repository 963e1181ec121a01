"""Fractal / ngio tables beside an image: list, read, write, delete and copy them.

The layout is not part of OME-NGFF; it is the Fractal table convention that ngio
implements. A `tables` group sits next to `labels` in the image group, and its
attributes list the tables (`{"tables": ["roi", ...]}`, at the top level of the
attributes in every version). Each table is a sub-group whose attributes say what
it holds: `type`, `table_version`, `backend`, `index_key` and `index_type`, plus
`region` and `instance_key` for masking ROI and feature tables. The backend decides
how the rows are stored:

- `anndata_v1` / `anndata`: an AnnData-zarr group. Float and boolean columns go in `X`,
  integer and string columns in `obs`, and the index is `obs`'s index, as strings;
- `parquet` / `csv`: a `table.parquet` / `table.csv` file inside the table group;
- `json`: the columns as lists in the attributes of a `table` sub-group.

Copying tables ([`copy_tables`][ngffkit.copy_tables], and
[`to_ngff_zarr`][ngffkit.to_ngff_zarr] for a [`Multiscales`][ngffkit.Multiscales] read by
[`from_ngff_zarr`][ngffkit.from_ngff_zarr]) needs zarr only. It converts between Zarr v2
(OME-NGFF 0.4) and v3 (0.5, 0.6) one array at a time and one chunk at a time. Reading and
writing rows needs the `tables` extra (pandas, pyarrow, anndata), imported on first use.

Examples
--------
>>> import pandas as pd
>>> from zarr.storage import MemoryStore
>>> from ngffkit.container import create_empty_ome_zarr
>>> store = MemoryStore()
>>> _ = create_empty_ome_zarr(store, (32, 32), pixelsize=1.0)
>>> write_table(store, "cells", pd.DataFrame({"area": [12.5, 30.0]}))
>>> list_tables(store), read_table(store, "cells")["area"].tolist()
(('cells',), [12.5, 30.0])
"""

from __future__ import annotations

from ngffkit.io.tables._copy import (
    check_tables_to_copy,
    copy_tables,
    write_tables,
)
from ngffkit.io.tables._meta import (
    DEFAULT_BACKEND,
    TABLE_BACKENDS,
    TABLE_TYPES,
    TableInfo,
    parse_table_info,
    parse_table_names,
)
from ngffkit.io.tables._rows import (
    delete_table,
    read_table,
    read_table_data,
    read_table_group,
    write_table,
)
from ngffkit.io.tables._store import (
    list_tables,
    read_table_sources,
)

__all__ = [
    "TABLE_TYPES",
    "TABLE_BACKENDS",
    "DEFAULT_BACKEND",
    "TableInfo",
    "parse_table_names",
    "parse_table_info",
    "list_tables",
    "read_table",
    "read_table_data",
    "read_table_group",
    "write_table",
    "delete_table",
    "copy_tables",
    "read_table_sources",
    "write_tables",
    "check_tables_to_copy",
]
