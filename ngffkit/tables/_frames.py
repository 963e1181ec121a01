"""Rows as pandas DataFrames: from an AnnData and back (split as ngio splits them), indexed by key.

The optional modules (pandas, anndata, polars) are imported here, on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final, Literal

from ngffkit.errors import NgffDependencyError, NgffValueError

if TYPE_CHECKING:
    import pandas as pd

_EXTRA: Final = "pip install 'ngffkit[tables]'"
_ANNDATA_PARTS: Final = ("obsm", "varm", "obsp", "varp", "layers", "uns")


def _module(name: str, what: str, install: str = _EXTRA) -> Any:
    """The optional module *name*, imported on first use; *what* (in the error) needs it."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise NgffDependencyError(
            f"{what} needs {name}, which is not installed: {install}"
        ) from exc


def _pandas() -> Any:
    return _module("pandas", "a typed table")


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
    anndata = _module("anndata", "an AnnData table")
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
