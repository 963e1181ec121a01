"""What every typed table holds (rows, backend, kept attributes), and the group attributes it reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal

from ngffkit.errors import NgffValueError
from ngffkit.tables._frames import _module, anndata_of_frame, anndata_parts

if TYPE_CHECKING:
    import pandas as pd

# Keys the storage layer owns: it writes them from the rows and the chosen backend.
_STORAGE_KEYS: Final = frozenset(
    {"backend", "index_key", "index_type", "encoding-type", "encoding-version", "tables"}
)
_VERSION_KEYS: Final = ("table_version", "fractal_table_version")


def table_version(attributes: Mapping[str, Any]) -> str | None:
    """The version a table group declares: `table_version`, else `fractal_table_version`.

    Examples
    --------
    >>> table_version({"type": "roi_table", "fractal_table_version": "1"})
    '1'
    >>> table_version({"type": "roi_table"}) is None
    True
    """
    for key in _VERSION_KEYS:
        value = attributes.get(key)
        if value is not None:
            return str(value)
    return None


def _kept_attributes(attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    return {
        k: v
        for k, v in dict(attributes or {}).items()
        if k not in _STORAGE_KEYS and k not in _VERSION_KEYS and k != "type"
    }


def _stored_key(attributes: Mapping[str, Any], default: str) -> str:
    """The index column a table group names (`index_key`), else the type's."""
    key = attributes.get("index_key")
    return key if isinstance(key, str) and key else default


def _reference_label(attributes: Mapping[str, Any]) -> str | None:
    region = attributes.get("region")
    if isinstance(region, Mapping) and isinstance(region.get("path"), str):
        return str(region["path"]).rstrip("/").rsplit("/", 1)[-1] or None
    return None


def _region_attributes(reference_label: str | None) -> dict[str, Any]:
    """The `region` attribute that names the label image *reference_label* (none for None)."""
    if reference_label is None:
        return {}
    if not isinstance(reference_label, str) or not reference_label:
        raise NgffValueError(f"reference_label: expected a label name, got {reference_label!r}")
    return {"region": {"path": f"../labels/{reference_label}"}}


@dataclass(frozen=True, eq=False, repr=False, init=False)
class _TableBase:
    """What every typed table holds: its rows, the backend it prefers, and other attributes."""

    table_type: ClassVar[str] = "generic_table"
    index_key: ClassVar[str | None] = None
    index_type: ClassVar[Literal["int", "str"] | None] = None

    _frame: Any = field(repr=False)
    backend: str | None = None
    """The backend the table was read from (written again with it unless told otherwise)."""
    attributes: Mapping[str, Any] = field(default_factory=dict)
    """Other attributes of the table group, kept when the table is written again."""
    _adata: Any = field(default=None, repr=False)

    def _set(self, frame: Any, backend: str | None, attributes: Mapping[str, Any] | None) -> None:
        object.__setattr__(self, "_frame", frame)
        object.__setattr__(self, "backend", backend)
        object.__setattr__(self, "attributes", _kept_attributes(attributes))

    @property
    def dataframe(self) -> pd.DataFrame:
        """The rows as a pandas DataFrame (a copy: changing it does not change the table).

        Examples
        --------
        >>> import pandas as pd
        >>> from ngffkit.tables import FeatureTable
        >>> t = FeatureTable(pd.DataFrame({"label": [1, 2], "area": [4.0, 9.0]}))
        >>> t.dataframe.loc[2, "area"]
        np.float64(9.0)
        """
        return self._frame.copy()

    @property
    def anndata(self) -> Any:
        """The rows as a new AnnData, split as ngio splits them; needs anndata.

        Float and boolean columns are `X`, string and integer columns `obs`, the index is
        `obs`'s index as strings (see [`anndata_of_frame`][ngffkit.tables.anndata_of_frame]).
        A [`GenericTable`][ngffkit.tables.GenericTable] made from an AnnData gives a copy of
        that AnnData, with its other parts (`uns`, `obsm` ...).

        Raises
        ------
        NgffDependencyError
            If anndata is not installed (`pip install 'ngffkit[tables]'`).

        Examples
        --------
        >>> import pandas as pd
        >>> from ngffkit.tables import FeatureTable
        >>> t = FeatureTable(pd.DataFrame({"label": [1, 2], "area": [4.0, 9.0]}))
        >>> t.anndata
        AnnData object with n_obs × n_vars = 2 × 1
        """
        if self._adata is not None:
            return self._adata.copy()
        return anndata_of_frame(self._frame)

    @property
    def anndata_parts(self) -> tuple[str, ...]:
        """What the table's AnnData holds beyond the rows (`uns`, `obsm` ...); empty for rows only.

        Such parts come from the AnnData a `GenericTable` was made from, or from a stored
        AnnData table; writing the table again with an anndata backend keeps them.

        Examples
        --------
        >>> import anndata as ad, numpy as np, pandas as pd
        >>> from ngffkit.tables import GenericTable
        >>> GenericTable(ad.AnnData(np.ones((2, 1)), obsm={"xy": np.zeros((2, 2))})).anndata_parts
        ('obsm',)
        >>> GenericTable(pd.DataFrame({"area": [1.0]})).anndata_parts
        ()
        """
        return () if self._adata is None else anndata_parts(self._adata)

    @property
    def lazy_frame(self) -> Any:
        """The rows as a polars LazyFrame, the index as the first column (as ngio's); needs polars.

        polars is not a dependency of ngffkit: install it to use this.

        Raises
        ------
        NgffDependencyError
            If polars is not installed (`pip install polars`).

        Examples
        --------
        >>> import pandas as pd
        >>> from ngffkit.tables import FeatureTable
        >>> t = FeatureTable(pd.DataFrame({"label": [1, 2], "area": [4.0, 9.0]}))
        >>> t.lazy_frame.collect().columns
        ['label', 'area']
        """
        polars = _module("polars", "lazy_frame", install="pip install polars")
        frame = self._frame
        return polars.from_pandas(frame.reset_index() if frame.index.name else frame).lazy()

    @property
    def version(self) -> str:
        """The table spec version (`"1"`).

        Examples
        --------
        >>> from ngffkit.tables import RoiTable
        >>> RoiTable().version
        '1'
        """
        return "1"

    def __len__(self) -> int:
        return len(self._frame)
