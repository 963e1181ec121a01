"""Typed Fractal tables as values: ROI, masking ROI, feature and generic tables.

The [Fractal table spec](https://fractal-analytics-platform.github.io/fractal-tasks-core/tables/)
(V1), which ngio implements, gives each table group a `type` and a version
(`table_version`, or `fractal_table_version` in older Fractal tables). This module holds the
typed tables as frozen values and the two pure functions between them and what a store holds:

- [`decode_table`][ngffkit.tables.decode_table] turns rows (a pandas DataFrame) and the table
  group's attributes into the typed table they declare (an unknown type or version is a
  [`GenericTable`][ngffkit.tables.GenericTable]);
- [`encode_table`][ngffkit.tables.encode_table] gives the rows and attributes to store.

Nothing here reads or writes a store: the container's
[`get_table`][ngffkit.OmeZarrContainer.get_table] and
[`add_table`][ngffkit.OmeZarrContainer.add_table] do, through
[`read_table`][ngffkit.read_table] and [`write_table`][ngffkit.write_table]. The tables need
pandas (`pip install 'ngffkit[tables]'`), imported on first use.

Examples
--------
>>> from ngffkit.rois import Roi
>>> table = RoiTable(rois=[Roi(name="FOV_1", x=0.0, y=0.0, x_length=128.0, y_length=128.0)])
>>> table
RoiTable(num_rois=1)
>>> table.get("FOV_1").x_length
128.0
>>> frame, attrs = encode_table(table)
>>> back = decode_table(frame, attrs).get("FOV_1")  # as stored: a plane has z 0 and length 1
>>> frame.index.name, attrs["type"], back.x_length, back.z, back.z_length
('FieldIndex', 'roi_table', 128.0, 0.0, 1.0)
"""

from __future__ import annotations

from ngffkit.tables._base import table_version
from ngffkit.tables._codec import Table, decode_table, encode_table
from ngffkit.tables._frame_tables import FeatureTable, GenericTable
from ngffkit.tables._frames import anndata_of_frame, anndata_parts, frame_of_anndata
from ngffkit.tables._roi_rows import ROI_COLUMNS
from ngffkit.tables._roi_tables import GenericRoiTable, MaskingRoiTable, RoiTable

__all__ = [
    "RoiTable",
    "GenericRoiTable",
    "MaskingRoiTable",
    "FeatureTable",
    "GenericTable",
    "Table",
    "ROI_COLUMNS",
    "decode_table",
    "encode_table",
    "anndata_of_frame",
    "frame_of_anndata",
    "anndata_parts",
    "table_version",
]
