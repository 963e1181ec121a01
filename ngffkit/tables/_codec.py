"""Between typed tables and what a table group stores: rows and attributes, decoded and encoded."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from ngffkit.errors import NgffValidationError, NgffValueError
from ngffkit.tables._base import _TableBase, table_version
from ngffkit.tables._frame_tables import _FEATURE_LISTS, FeatureTable, GenericTable
from ngffkit.tables._frames import _pandas, anndata_parts
from ngffkit.tables._roi_tables import GenericRoiTable, MaskingRoiTable, RoiTable

if TYPE_CHECKING:
    import pandas as pd

_KNOWN_VERSIONS: Final = ("1",)

Table: TypeAlias = RoiTable | MaskingRoiTable | FeatureTable | GenericTable
"""Any typed table."""

_TYPES: Final[dict[str, type[Any]]] = {
    "roi_table": RoiTable,
    "generic_roi_table": GenericRoiTable,
    "masking_roi_table": MaskingRoiTable,
    "feature_table": FeatureTable,
}


def decode_table(
    frame: pd.DataFrame,
    attributes: Mapping[str, Any],
    *,
    where: str = "table",
    anndata: Any = None,
) -> Table:
    """The typed table that a table group's *attributes* declare, holding the rows of *frame*.

    The class follows `type` and the version (`table_version` or `fractal_table_version`;
    a missing version counts as `"1"`): `roi_table`, `generic_roi_table`,
    `masking_roi_table`, `feature_table`; anything else is a
    [`GenericTable`][ngffkit.tables.GenericTable] that keeps the stored type.

    *anndata* is the stored AnnData the rows come from, if any: the table keeps it when it
    holds more than the rows (`uns`, `obsm` ...), so writing it again keeps them.

    Raises
    ------
    NgffValidationError
        If the rows do not fit the declared type (a ROI column missing, an index that is not
        the type's, label values that are not integers, an index value twice); *where*
        names the table in the message.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"area": [5.0]}, index=pd.Index(["3"]))
    >>> decode_table(rows, {"type": "feature_table", "fractal_table_version": "1"})
    FeatureTable(num_rows=1, num_columns=1)
    >>> decode_table(rows, {"type": "roi_table"}, where="img.zarr/tables/fov")
    Traceback (most recent call last):
    ...
    ngffkit.errors.NgffValidationError: img.zarr/tables/fov: a ROI table needs the columns ...missing...
    """
    _pandas()
    kind = str(attributes.get("type", "generic_table"))
    version = table_version(attributes) or "1"
    backend = attributes.get("backend")
    cls = _TYPES.get(kind) if version in _KNOWN_VERSIONS else None
    if cls is None:
        typed: Table = GenericTable._decoded(frame, attributes, backend, where)
    else:
        try:
            typed = cls._decoded(frame, attributes, backend, where)
        except NgffValidationError as exc:
            raise NgffValidationError(str(exc), rule="table-rows", path=where) from None
    if anndata is not None and anndata_parts(anndata):
        object.__setattr__(typed, "_adata", anndata)  # kept, so writing it again keeps them
    return typed


def encode_table(table: Table) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The rows (indexed by the table's index key) and attributes to store for *table*.

    The attributes are the Fractal V1 keys (`type`, `table_version`, `region`,
    `instance_key`, a feature table's column lists) and the other attributes the table
    was read with; the writer adds `backend`, `index_key` and `index_type`.

    Examples
    --------
    >>> import pandas as pd
    >>> frame, attrs = encode_table(FeatureTable(pd.DataFrame({"label": [1], "area": [2.0]}),
    ...                                          reference_label="nuclei"))
    >>> frame.index.name, attrs["type"], attrs["region"], attrs["instance_key"]
    ('label', 'feature_table', {'path': '../labels/nuclei'}, 'label')
    """
    if not isinstance(table, _TableBase):
        raise NgffValueError(
            f"table: expected a RoiTable, MaskingRoiTable, FeatureTable or GenericTable, "
            f"got {type(table).__name__}"
        )
    attributes: dict[str, Any] = {**table.attributes, "type": table.table_type}
    attributes.setdefault("table_version", table.attributes.get("fractal_table_version", "1"))
    if isinstance(table, MaskingRoiTable | FeatureTable):
        attributes["instance_key"] = "label"
    if isinstance(table, FeatureTable):
        for name in _FEATURE_LISTS:
            attributes.setdefault(name, [])
    return table.dataframe, attributes
