"""Rules of the tables convention (the ``tables`` group and AnnData-layout tables).

Examples
--------
>>> CATALOGUE["table-index"].section
'tables'
"""

from __future__ import annotations

from ngffkit.spec.rules._catalogue import CATALOGUE, declare

__all__ = ["CATALOGUE"]

declare("tables-list", "tables", "a tables group lists its tables as unique, safe names")
declare("table-backend", "tables", "a table's encoding is one ngffkit reads")
declare("table-index", "tables", "a table has one index of unique row names")
declare("table-rows", "tables", "a typed table's rows have the columns and values its type needs")
