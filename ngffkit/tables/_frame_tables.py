"""The tables whose rows are given as a DataFrame (or an AnnData): feature tables and generic tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Literal

from ngffkit.errors import NgffValidationError, NgffValueError
from ngffkit.tables._base import (
    _VERSION_KEYS,
    _reference_label,
    _region_attributes,
    _stored_key,
    _TableBase,
)
from ngffkit.tables._frames import (
    _as_frame,
    _indexed,
    _is_anndata,
    _pandas,
    anndata_parts,
    frame_of_anndata,
)

_FEATURE_LISTS: Final = ("categorical_columns", "measurement_columns", "metadata_columns")


@dataclass(frozen=True, eq=False, repr=False, init=False)
class FeatureTable(_TableBase):
    """Measurements per object of a label image, indexed by label value.

    Parameters
    ----------
    table_data
        A pandas DataFrame (or an AnnData) with a `label` column or index.
    reference_label
        The label image the objects belong to (stored as `region: ../labels/<name>`).
    backend
        The backend to write it with.

    Examples
    --------
    >>> import pandas as pd
    >>> t = FeatureTable(table_data=pd.DataFrame({"label": [1, 2, 3], "area": [100, 200, 300]}))
    >>> t, t.dataframe.loc[2, "area"]
    (FeatureTable(num_rows=3, num_columns=1), np.int64(200))
    """

    table_type: ClassVar[str] = "feature_table"
    index_key: ClassVar[str | None] = "label"
    index_type: ClassVar[Literal["int", "str"] | None] = "int"

    def __init__(
        self,
        table_data: object = None,
        *,
        reference_label: str | None = None,
        backend: str | None = None,
    ) -> None:
        pd = _pandas()
        where = "FeatureTable"
        frame = (
            pd.DataFrame(index=pd.Index([], name="label", dtype="int64"))
            if table_data is None
            else _indexed(_as_frame(table_data, where), "label", "int", where, NgffValueError)
        )
        attributes: dict[str, Any] = {name: [] for name in _FEATURE_LISTS}
        attributes.update(_region_attributes(reference_label))
        self._set(frame, backend, attributes)

    @classmethod
    def _decoded(
        cls, frame: Any, attributes: Mapping[str, Any], backend: str | None, where: str
    ) -> Any:
        table = cls.__new__(cls)
        key = _stored_key(attributes, "label")
        table._set(_indexed(frame, key, "int", where, NgffValidationError), backend, attributes)
        return table

    @property
    def reference_label(self) -> str | None:
        """The name of the label image the objects belong to (from `region`), or None.

        Examples
        --------
        >>> import pandas as pd
        >>> FeatureTable(pd.DataFrame({"label": [1]}), reference_label="cells").reference_label
        'cells'
        """
        return _reference_label(self.attributes)

    def __repr__(self) -> str:
        reference = f", reference_label={self.reference_label}" if self.reference_label else ""
        rows, columns = self._frame.shape
        return f"FeatureTable(num_rows={rows}, num_columns={columns}{reference})"


@dataclass(frozen=True, eq=False, repr=False, init=False)
class GenericTable(_TableBase):
    """Any other table: rows as a pandas DataFrame (from a DataFrame or an AnnData).

    A table whose type or version ngffkit does not know opens as a `GenericTable` that keeps
    its `type` and other attributes, so writing it again keeps them.

    Made from an AnnData, the table keeps that AnnData whole (a copy): `.anndata` gives it
    back with its `uns`, `obsm`, `layers` ..., and an anndata backend stores all of it. A
    DataFrame holds only the rows (`X` and `obs`), so writing such a table with the
    `parquet`, `csv` or `json` backend is refused rather than dropping the other parts.

    Examples
    --------
    >>> import pandas as pd
    >>> t = GenericTable(table_data=pd.DataFrame({"area": [100, 200], "perimeter": [50, 60]}))
    >>> t, t.table_type
    (GenericTable(num_rows=2, num_columns=2), 'generic_table')
    >>> import anndata as ad, numpy as np
    >>> t = GenericTable(ad.AnnData(np.ones((2, 1)), uns={"source": "scope 3"}))
    >>> t.anndata_parts, t.anndata.uns["source"]
    (('uns',), 'scope 3')
    """

    stored_type: str = "generic_table"

    def __init__(self, table_data: object = None, *, backend: str | None = None) -> None:
        pd = _pandas()
        adata = None
        if table_data is None:
            frame = pd.DataFrame()
        elif not isinstance(table_data, pd.DataFrame) and _is_anndata(table_data):
            frame = frame_of_anndata(table_data)
            if anndata_parts(table_data):
                source: Any = table_data
                adata = source.copy()  # a copy: the caller's AnnData can change later
        else:
            frame = _as_frame(table_data, "GenericTable")
        self._set(frame, backend, {})
        object.__setattr__(self, "stored_type", "generic_table")
        object.__setattr__(self, "_adata", adata)

    @classmethod
    def _decoded(
        cls, frame: Any, attributes: Mapping[str, Any], backend: str | None, where: str
    ) -> Any:
        table = cls.__new__(cls)
        table._set(frame, backend, attributes)
        kept = {k: v for k, v in attributes.items() if k in _VERSION_KEYS}
        object.__setattr__(table, "attributes", {**table.attributes, **kept})
        object.__setattr__(table, "stored_type", str(attributes.get("type", "generic_table")))
        return table

    @property
    def table_type(self) -> str:  # type: ignore[override]
        """`generic_table`, or the stored type that ngffkit does not know.

        Examples
        --------
        >>> import pandas as pd
        >>> from ngffkit.tables import decode_table
        >>> decode_table(pd.DataFrame({"n": [1]}), {"type": "my_table"}).table_type
        'my_table'
        """
        return self.stored_type

    def __repr__(self) -> str:
        rows, columns = self._frame.shape
        kind = "" if self.stored_type == "generic_table" else f", type={self.stored_type}"
        return f"GenericTable(num_rows={rows}, num_columns={columns}{kind})"
