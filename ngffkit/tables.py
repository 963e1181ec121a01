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

import importlib
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal, Self, TypeAlias

from ngffkit.errors import NgffDependencyError, NgffKeyError, NgffValidationError, NgffValueError
from ngffkit.rois import Roi

if TYPE_CHECKING:
    import pandas as pd

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

ROI_COLUMNS: Final = (
    "x_micrometer",
    "y_micrometer",
    "z_micrometer",
    "len_x_micrometer",
    "len_y_micrometer",
    "len_z_micrometer",
)
"""The columns every ROI table has (Fractal table spec V1)."""

_TIME_COLUMNS: Final = ("t_second", "len_t_second")
# Keys the storage layer owns: it writes them from the rows and the chosen backend.
_STORAGE_KEYS: Final = frozenset(
    {"backend", "index_key", "index_type", "encoding-type", "encoding-version", "tables"}
)
_VERSION_KEYS: Final = ("table_version", "fractal_table_version")
_KNOWN_VERSIONS: Final = ("1",)
_EXTRA: Final = "pip install 'ngffkit[tables]'"
_FEATURE_LISTS: Final = ("categorical_columns", "measurement_columns", "metadata_columns")
_ANNDATA_PARTS: Final = ("obsm", "varm", "obsp", "varp", "layers", "uns")


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as exc:
        raise NgffDependencyError(
            f"typed tables need pandas, which is not installed: {_EXTRA}"
        ) from exc
    return pandas


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


# ---------------------------------------------------------------------------- frames


def _anndata_module(what: str) -> Any:
    try:
        import anndata
    except ImportError as exc:
        raise NgffDependencyError(
            f"{what} needs anndata, which is not installed: {_EXTRA}"
        ) from exc
    return anndata


def _is_anndata(data: object) -> bool:
    return all(hasattr(data, name) for name in ("X", "obs", "var", "obs_names", "var_names"))


def anndata_parts(adata: Any) -> tuple[str, ...]:
    """The parts of an AnnData beyond its rows (`X` and `obs`) that hold something.

    A DataFrame cannot hold them; an AnnData table (`anndata` backend) stores them.

    Examples
    --------
    >>> import anndata as ad, numpy as np
    >>> anndata_parts(ad.AnnData(np.zeros((2, 1)), uns={"source": "x"}))
    ('uns',)
    """
    parts = tuple(part for part in _ANNDATA_PARTS if len(getattr(adata, part, None) or {}))
    return (*parts, "raw") if getattr(adata, "raw", None) is not None else parts


def frame_of_anndata(adata: Any) -> pd.DataFrame:
    """The rows of an AnnData as ngio sees them: the `X` columns, then the `obs` columns.

    Examples
    --------
    >>> import anndata as ad, numpy as np, pandas as pd
    >>> adata = ad.AnnData(np.ones((2, 1)), obs=pd.DataFrame({"kind": ["a", "b"]}, index=["1", "2"]))
    >>> frame_of_anndata(adata).to_dict()
    {'0': {'1': 1.0, '2': 1.0}, 'kind': {'1': 'a', '2': 'b'}}
    """
    pd = _pandas()
    import numpy as np

    matrix = adata.X
    if matrix is None:
        matrix = np.zeros((adata.n_obs, 0))
    elif hasattr(matrix, "toarray"):  # a sparse X
        matrix = matrix.toarray()
    frame = pd.DataFrame(
        np.asarray(matrix), index=adata.obs_names.copy(), columns=list(adata.var_names)
    )
    for column in adata.obs.columns:
        frame[column] = adata.obs[column].array
    return frame.rename_axis(adata.obs.index.name)


def anndata_of_frame(frame: pd.DataFrame) -> Any:
    """An AnnData holding *frame*'s rows, split the way ngio splits them.

    Float and boolean columns go in `X` (as float64 when their dtypes differ), string
    columns then integer columns in `obs`; the index becomes `obs`'s index, as strings,
    keeping its name.

    Raises
    ------
    NgffValueError
        For a column that holds neither numbers nor strings.
    NgffDependencyError
        If anndata is not installed (`pip install 'ngffkit[tables]'`).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"n": [3, 4], "area": [1.5, 2.0], "kind": ["a", "b"]},
    ...                      index=pd.Index([1, 2], name="label"))
    >>> adata = anndata_of_frame(frame)
    >>> list(adata.var_names), list(adata.obs.columns), list(adata.obs_names)
    (['area'], ['kind', 'n'], ['1', '2'])
    """
    pd = _pandas()
    anndata = _anndata_module("an AnnData table")
    import numpy as np

    types = pd.api.types
    matrix_columns, text_columns, integer_columns = [], [], []
    for column in frame.columns:
        series = frame[column]
        if types.is_bool_dtype(series.dtype) or (
            types.is_numeric_dtype(series.dtype) and not types.is_integer_dtype(series.dtype)
        ):
            matrix_columns.append(column)
        elif types.is_integer_dtype(series.dtype):
            integer_columns.append(column)
        elif all(isinstance(v, str) for v in series.dropna()):
            text_columns.append(column)
        else:
            raise NgffValueError(
                f"dataframe column {column!r}: an AnnData table holds numbers and strings, got "
                f"dtype {series.dtype}; convert the column or use backend='parquet'"
            )
    matrix = frame[matrix_columns]
    if matrix.dtypes.nunique() > 1:
        matrix = matrix.astype("float64")
    values = matrix.to_numpy() if matrix_columns else np.zeros((len(frame), 0), "float64")
    obs = frame[text_columns + integer_columns].copy()
    obs.index = pd.Index([str(v) for v in frame.index], name=frame.index.name, dtype=object)
    var = pd.DataFrame(index=pd.Index(matrix_columns, dtype=object))
    return anndata.AnnData(X=values, obs=obs, var=var)


def _as_frame(data: object, where: str) -> Any:
    pd = _pandas()
    if isinstance(data, pd.DataFrame):
        return data.copy()
    if _is_anndata(data):
        parts = anndata_parts(data)
        if parts:
            # A typed table holds rows only: refusing is better than dropping what was given.
            raise NgffValueError(
                f"{where}: table_data: this AnnData also has {list(parts)}, which a {where} "
                f"cannot keep; give them to a GenericTable (stored with an anndata backend), "
                f"or drop them first"
            )
        return frame_of_anndata(data)
    raise NgffValueError(
        f"{where}: table_data: expected a pandas DataFrame or an AnnData, got {type(data).__name__}"
    )


def _indexed(
    frame: Any, key: str, index_type: Literal["int", "str"], where: str, error: type[Exception]
) -> Any:
    """*frame* indexed by *key* (a column, the index's name, or an unnamed index), typed."""
    pd = _pandas()
    if frame.index.name != key:
        if key in frame.columns:
            frame = frame.set_index(key)
        elif frame.index.name is None:
            frame = frame.rename_axis(key)
        else:
            raise error(
                f"{where}: the index must be {key!r} (a column or the index), but the index is "
                f"{frame.index.name!r} and the columns are {list(frame.columns)}"
            )
    integer = pd.api.types.is_integer_dtype(frame.index.dtype)
    if index_type == "int" and not integer:
        try:
            values = [int(str(v)) for v in frame.index]
        except ValueError:
            raise error(
                f"{where}: index {key!r}: expected integer label values, got "
                f"{frame.index[:5].tolist()!r}"
            ) from None
        frame = frame.set_axis(pd.Index(values, name=key, dtype="int64"), axis=0)
    elif index_type == "str" and not all(isinstance(v, str) for v in frame.index):
        frame = frame.set_axis(pd.Index([str(v) for v in frame.index], name=key), axis=0)
    if frame.index.has_duplicates:
        twice = sorted({str(v) for v in frame.index[frame.index.duplicated()]})
        raise error(f"{where}: index {key!r}: values must be unique, {twice[:5]} appear twice")
    return frame


# ---------------------------------------------------------------------------- ROI rows


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)  # a ValueError for text, reported with its row by the caller
    return None if math.isnan(number) else number


def _rois_of(frame: Any, where: str, error: type[Exception], *, masking: bool) -> tuple[Roi, ...]:
    missing = [c for c in ROI_COLUMNS if c not in frame.columns]
    if missing:
        raise error(
            f"{where}: a ROI table needs the columns {list(ROI_COLUMNS)}; missing {missing} "
            f"(columns: {list(frame.columns)})"
        )
    timed = all(c in frame.columns for c in _TIME_COLUMNS)
    names = {
        **{axis: f"{axis}_micrometer" for axis in ("x", "y", "z")},
        **{f"{axis}_length": f"len_{axis}_micrometer" for axis in ("x", "y", "z")},
        **({"t": "t_second", "t_length": "len_t_second"} if timed else {}),
    }
    # Whole columns as Python lists: one conversion per column, not a pandas lookup per cell.
    columns = {field: frame[column].tolist() for field, column in names.items()}
    labels = frame["label"].tolist() if "label" in frame.columns and not masking else None
    rois = []
    for position, index in enumerate(frame.index.tolist()):
        values: dict[str, Any] = {f: _number(column[position]) for f, column in columns.items()}
        label: int | None = int(index) if masking else None
        if labels is not None and _number(labels[position]) is not None:
            label = int(labels[position])
        try:
            rois.append(Roi(name=str(index), label=label, **values))
        except (NgffValueError, TypeError, ValueError) as exc:
            raise error(f"{where}: row {index!r}: {exc}") from None
    return tuple(rois)


def _frame_of_rois(rois: Iterable[Roi], key: str, index_type: Literal["int", "str"]) -> Any:
    """Rows as ngio writes them: the six ROI columns (z 0 and 1 when absent), time, label."""
    pd = _pandas()
    rows: list[dict[str, Any]] = []
    index: list[Any] = []
    for roi in rois:
        row: dict[str, Any] = {
            "x_micrometer": roi.x,
            "y_micrometer": roi.y,
            "z_micrometer": roi.z if roi.z is not None else 0.0,
            "len_x_micrometer": roi.x_length,
            "len_y_micrometer": roi.y_length,
            "len_z_micrometer": roi.z_length if roi.z_length is not None else 1.0,
        }
        if roi.t is not None:
            row["t_second"], row["len_t_second"] = roi.t, roi.t_length
        if roi.label is not None and key != "label":
            row["label"] = roi.label
        rows.append(row)
        if index_type == "int":
            if roi.label is None:
                raise NgffValueError(
                    f"Roi {roi.name!r}: a masking ROI table is indexed by label, but this ROI "
                    f"has no label"
                )
            index.append(roi.label)
        else:
            index.append(roi.name if roi.name is not None else str(len(index)))
    columns = list(ROI_COLUMNS)
    for extra in (*_TIME_COLUMNS, "label"):
        if any(extra in row for row in rows):
            columns.append(extra)
    dtype = "int64" if index_type == "int" else object
    frame = pd.DataFrame(rows, columns=columns, index=pd.Index(index, name=key, dtype=dtype))
    for column in ROI_COLUMNS:
        frame[column] = frame[column].astype("float64")
    return frame


# ---------------------------------------------------------------------------- the tables


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
        """The rows as a pandas DataFrame (a copy: changing it does not change the table)."""
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
        >>> t = FeatureTable(pd.DataFrame({"label": [1, 2], "area": [4.0, 9.0]}))
        >>> t.lazy_frame.collect().columns
        ['label', 'area']
        """
        try:
            polars = importlib.import_module("polars")
        except ImportError as exc:
            raise NgffDependencyError(
                "lazy_frame needs polars, which is not installed: pip install polars"
            ) from exc
        frame = self._frame
        return polars.from_pandas(frame.reset_index() if frame.index.name else frame).lazy()

    @property
    def version(self) -> str:
        """The table spec version (`"1"`)."""
        return "1"

    def __len__(self) -> int:
        return len(self._frame)


@dataclass(frozen=True, eq=False, repr=False, init=False)
class RoiTable(_TableBase):
    """Regions of interest by name (`FieldIndex`), such as a plate's fields of view.

    Parameters
    ----------
    rois
        The [`Roi`][ngffkit.Roi]s; their names become the index.
    backend
        The backend to write it with (default: the writer's, `anndata_v1`).

    Examples
    --------
    >>> from ngffkit.rois import Roi
    >>> table = RoiTable(rois=[Roi(name="FOV_1", x=0, y=0, x_length=128, y_length=128)])
    >>> table.get("FOV_1").y_length, [r.name for r in table.rois()]
    (128.0, ['FOV_1'])
    >>> table.dataframe.columns.tolist()[:3]
    ['x_micrometer', 'y_micrometer', 'z_micrometer']
    """

    table_type: ClassVar[str] = "roi_table"
    index_key: ClassVar[str | None] = "FieldIndex"
    index_type: ClassVar[Literal["int", "str"] | None] = "str"
    _rois: tuple[Roi, ...] = field(default=(), repr=False)

    def __init__(self, rois: Iterable[Roi] | None = None, *, backend: str | None = None) -> None:
        rois = tuple(rois or ())
        bad = [type(r).__name__ for r in rois if not isinstance(r, Roi)]
        if bad:
            raise NgffValueError(f"rois: expected ngffkit.Roi values, got {bad[:3]}")
        counts = Counter(r.name for r in rois)
        twice = sorted(str(n) for n, k in counts.items() if k > 1)
        if twice and self.index_type == "str":
            raise NgffValueError(f"rois: names must be unique in a ROI table, {twice} appear twice")
        key, index_type = self._index()
        self._set(_frame_of_rois(rois, key, index_type), backend, self._own_attributes())
        object.__setattr__(self, "_rois", rois)

    def _index(self) -> tuple[str, Literal["int", "str"]]:
        return str(self.index_key), self.index_type or "str"

    def _own_attributes(self) -> dict[str, Any]:
        return {}

    def _rois_from(self, frame: Any, where: str, error: type[Exception]) -> tuple[Roi, ...]:
        return _rois_of(frame, where, error, masking=False)

    @classmethod
    def _decoded(
        cls, frame: Any, attributes: Mapping[str, Any], backend: str | None, where: str
    ) -> Any:
        table = cls.__new__(cls)
        key, index_type = table._index()
        key = _stored_key(attributes, key)
        frame = _indexed(frame, key, index_type, where, NgffValidationError)
        table._set(frame, backend, attributes)
        object.__setattr__(table, "_rois", table._rois_from(frame, where, NgffValidationError))
        return table

    def rois(self) -> list[Roi]:
        """Every ROI of the table, in row order.

        Examples
        --------
        >>> from ngffkit.rois import Roi
        >>> [r.name for r in RoiTable([Roi(name="A", x=0, y=0, x_length=1, y_length=1)]).rois()]
        ['A']
        """
        return list(self._rois)

    def _lookup(self, key: str) -> dict[Any, Roi]:
        found: dict[str, dict[Any, Roi]] = self.__dict__.setdefault("_lookups", {})
        if key not in found:  # built on first use: a cache, not a field of the value
            found[key] = {getattr(r, key): r for r in reversed(self._rois)}
        return found[key]

    def get(self, name: str) -> Roi:
        """The ROI named *name* (its `FieldIndex`).

        Raises
        ------
        NgffKeyError
            If there is none; the message lists the names there are.

        Examples
        --------
        >>> from ngffkit.rois import Roi
        >>> RoiTable([Roi(name="A", x=0, y=0, x_length=2, y_length=1)]).get("A").x_length
        2.0
        """
        roi = self._lookup("name").get(name)
        if roi is not None:
            return roi
        names = [r.name for r in self._rois]
        raise NgffKeyError(f"ROI {name!r}: not in this table; its ROIs are {names[:20]}")

    def add(self, roi: Roi | Iterable[Roi], overwrite: bool = False) -> Self:
        """A new table with *roi* (one or several) added after these; this table is unchanged.

        ngio's `add` changes its table in place and returns None; ngffkit's tables are
        values, so `add` returns the new table: write `table = table.add(roi)`, then
        `add_table(name, table, overwrite=True)` to store it.

        Parameters
        ----------
        roi
            A [`Roi`][ngffkit.Roi] or several.
        overwrite
            Replace a ROI of the same name (of the same label, in a masking ROI table);
            otherwise such a ROI is an error, as in ngio.

        Raises
        ------
        NgffValueError
            If a ROI of that name (label) is there and *overwrite* is False, or a value is
            not a `Roi`.

        Examples
        --------
        >>> from ngffkit.rois import Roi
        >>> a = RoiTable([Roi(name="A", x=0, y=0, x_length=1, y_length=1)])
        >>> b = a.add(Roi(name="B", x=1, y=0, x_length=1, y_length=1))
        >>> len(a), len(b), [r.name for r in b.rois()]
        (1, 2, ['A', 'B'])
        >>> b.add(Roi(name="B", x=5, y=0, x_length=1, y_length=1))
        Traceback (most recent call last):
        ...
        ngffkit.errors.NgffValueError: ROI 'B': already in this table; pass overwrite=True to replace it
        """
        added = [roi] if isinstance(roi, Roi) else list(roi)
        bad = [type(r).__name__ for r in added if not isinstance(r, Roi)]
        if bad:
            raise NgffValueError(f"roi: expected ngffkit.Roi values, got {bad[:3]}")
        key = "label" if self.index_type == "int" else "name"
        there = self._lookup(key)
        seen: set[Any] = set()
        for new in added:
            value = getattr(new, key)
            if (value in there or value in seen) and not overwrite:
                raise NgffValueError(
                    f"ROI {value!r}: already in this table; pass overwrite=True to replace it"
                )
            seen.add(value)
        kept = [r for r in self._rois if getattr(r, key) not in seen]
        last = {getattr(r, key): r for r in added}  # with overwrite, the last of a name wins
        return self._with([*kept, *last.values()])

    def _with(self, rois: list[Roi]) -> Self:
        if self._adata is not None:
            raise NgffValueError(
                f"add: this table's AnnData also holds {list(self.anndata_parts)}, whose rows "
                f"would no longer match; make a table of the ROIs first "
                f"({type(self).__name__}(table.rois())), which leaves those parts out"
            )
        table = type(self).__new__(type(self))
        key, index_type = table._index()
        frame = _frame_of_rois(rois, key, index_type)
        table._set(frame, self.backend, self.attributes)
        object.__setattr__(table, "_rois", table._rois_from(frame, "rois", NgffValueError))
        return table

    def with_rois(self, rois: Iterable[Roi]) -> Self:
        """`add(rois, overwrite=True)`: a new table, a ROI of the same name replaced.

        Examples
        --------
        >>> from ngffkit.rois import Roi
        >>> a = RoiTable([Roi(name="A", x=0, y=0, x_length=1, y_length=1)])
        >>> b = a.with_rois([Roi(name="B", x=1, y=0, x_length=1, y_length=1)])
        >>> len(a), len(b)
        (1, 2)
        """
        return self.add(rois, overwrite=True)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(num_rois={len(self._rois)})"


@dataclass(frozen=True, eq=False, repr=False, init=False)
class GenericRoiTable(RoiTable):
    """A ROI table of the `generic_roi_table` type (same rows as [`RoiTable`][ngffkit.tables.RoiTable]).

    Examples
    --------
    >>> from ngffkit.rois import Roi
    >>> table = GenericRoiTable(rois=[Roi(name="fov", x=0, y=0, x_length=6, y_length=6)])
    >>> table.table_type, [roi.name for roi in table.rois()]
    ('generic_roi_table', ['fov'])
    """

    table_type: ClassVar[str] = "generic_roi_table"


@dataclass(frozen=True, eq=False, repr=False, init=False)
class MaskingRoiTable(RoiTable):
    """The bounding box of each object of a label image, indexed by label value.

    Parameters
    ----------
    rois
        [`Roi`][ngffkit.Roi]s with a `label`.
    reference_label
        The label image the boxes belong to (stored as `region: ../labels/<name>`).
    backend
        The backend to write it with.

    Examples
    --------
    >>> from ngffkit.rois import Roi
    >>> t = MaskingRoiTable([Roi(name="7", label=7, x=0, y=0, x_length=2, y_length=3)],
    ...                     reference_label="nuclei")
    >>> t, t.get_label(7).y_length, t.dataframe.index.tolist()
    (MaskingRoiTable(num_rois=1, reference_label=nuclei), 3.0, [7])
    """

    table_type: ClassVar[str] = "masking_roi_table"
    index_key: ClassVar[str | None] = "label"
    index_type: ClassVar[Literal["int", "str"] | None] = "int"

    def __init__(
        self,
        rois: Iterable[Roi] | None = None,
        *,
        reference_label: str | None = None,
        backend: str | None = None,
    ) -> None:
        if reference_label is not None and (
            not isinstance(reference_label, str) or not reference_label
        ):
            raise NgffValueError(f"reference_label: expected a label name, got {reference_label!r}")
        object.__setattr__(self, "_reference", reference_label)
        super().__init__(rois, backend=backend)

    def _own_attributes(self) -> dict[str, Any]:
        reference = getattr(self, "_reference", None)
        return {"region": {"path": f"../labels/{reference}"}} if reference else {}

    def _rois_from(self, frame: Any, where: str, error: type[Exception]) -> tuple[Roi, ...]:
        return _rois_of(frame, where, error, masking=True)

    @property
    def reference_label(self) -> str | None:
        """The name of the label image the boxes belong to (from `region`), or None."""
        return _reference_label(self.attributes)

    def get_label(self, label: int) -> Roi:
        """The box of the object *label*.

        Raises
        ------
        NgffKeyError
            If the table has no ROI for *label*.

        Examples
        --------
        >>> from ngffkit.rois import Roi
        >>> t = MaskingRoiTable([Roi(name="4", label=4, x=1, y=0, x_length=2, y_length=1)])
        >>> t.get_label(4).x, t.get_label(4).name
        (1.0, '4')
        """
        roi = self._lookup("label").get(label)
        if roi is not None:
            return roi
        raise NgffKeyError(
            f"label {label!r}: not in this masking ROI table ({len(self._rois)} labels"
            + (f" of {self.reference_label!r})" if self.reference_label else ")")
        )

    def __repr__(self) -> str:
        reference = f", reference_label={self.reference_label}" if self.reference_label else ""
        return f"MaskingRoiTable(num_rois={len(self._rois)}{reference})"


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
        if reference_label is not None:
            if not isinstance(reference_label, str) or not reference_label:
                raise NgffValueError(
                    f"reference_label: expected a label name, got {reference_label!r}"
                )
            attributes["region"] = {"path": f"../labels/{reference_label}"}
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
        """The name of the label image the objects belong to (from `region`), or None."""
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
        """`generic_table`, or the stored type that ngffkit does not know."""
        return self.stored_type

    def __repr__(self) -> str:
        rows, columns = self._frame.shape
        kind = "" if self.stored_type == "generic_table" else f", type={self.stored_type}"
        return f"GenericTable(num_rows={rows}, num_columns={columns}{kind})"


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
