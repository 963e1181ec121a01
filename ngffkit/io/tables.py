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

import contextlib
import itertools
import json
import math
import posixpath
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias

import zarr
from zarr.core.buffer import default_buffer_prototype
from zarr.core.sync import sync
from zarr.errors import GroupNotFoundError
from zarr.storage import FsspecStore, LocalStore, StorePath

from ngffkit.errors import (
    NgffConversionError,
    NgffDependencyError,
    NgffExistsError,
    NgffKeyError,
    NgffNotFoundError,
    NgffTypeError,
    NgffValidationError,
    NgffValidationWarning,
    NgffValueError,
)
from ngffkit.io.stores import StoreLike, describe_store, join_path, open_store
from ngffkit.model import TableSource
from ngffkit.spec import ZARR_FORMAT, parse_version

if TYPE_CHECKING:
    import pandas as pd
    from zarr.abc.store import Store

__all__ = [
    "TABLE_TYPES",
    "TABLE_BACKENDS",
    "DEFAULT_BACKEND",
    "TableInfo",
    "parse_table_names",
    "parse_table_info",
    "list_tables",
    "read_table",
    "read_table_group",
    "write_table",
    "delete_table",
    "copy_tables",
    "read_table_sources",
    "write_tables",
    "check_tables_to_copy",
]

TABLE_TYPES: Final = (
    "generic_table",
    "roi_table",
    "masking_roi_table",
    "generic_roi_table",
    "feature_table",
    "condition_table",
)
"""The table types of the Fractal table spec (ngio's `TypedTable`)."""

TABLE_BACKENDS: Final = ("anndata_v1", "anndata", "parquet", "csv", "json")
"""The storage backends ngio implements, all of which ngffkit reads and writes."""

DEFAULT_BACKEND: Final = "anndata_v1"
"""ngio's default backend, so that ngio reads what ngffkit writes without options."""

_LEGACY_BACKENDS: Final = {
    "experimental_anndata_v1": "anndata_v1",
    "experimental_parquet_v1": "parquet",
    "experimental_csv_v1": "csv",
    "experimental_json_v1": "json",
}
_ANNDATA: Final = ("anndata_v1", "anndata")
_FILE_NAMES: Final = {"parquet": "table.parquet", "csv": "table.csv"}
# Index conventions of the typed tables (ngio v1): ROI tables are indexed by field name,
# masking ROI and feature tables by integer label value.
_DEFAULT_INDEX: Final[dict[str, tuple[str, Literal["int", "str"]]]] = {
    "roi_table": ("FieldIndex", "str"),
    "masking_roi_table": ("label", "int"),
    "feature_table": ("label", "int"),
}
_REGION_TYPES: Final = ("masking_roi_table", "feature_table")
_EXTRA: Final = "pip install 'ngffkit[tables]'"
ZarrFormat: TypeAlias = Literal[2, 3]
_V2_META: Final = frozenset({".zgroup", ".zarray", ".zattrs", ".zmetadata"})
_V3_META: Final = frozenset({"zarr.json"})


# ---------------------------------------------------------------------------- optional imports


def _needs(module: str, what: str) -> NgffDependencyError:
    return NgffDependencyError(
        f"{what} needs {module}, which is not installed: {_EXTRA} (copying tables needs zarr only)"
    )


def _pandas(what: str) -> Any:
    try:
        import pandas
    except ImportError as exc:
        raise _needs("pandas", what) from exc
    return pandas


def _pyarrow(what: str) -> Any:
    try:
        import pyarrow
        import pyarrow.csv
        import pyarrow.parquet
    except ImportError as exc:
        raise _needs("pyarrow", what) from exc
    return pyarrow


def _anndata(what: str) -> Any:
    try:
        import anndata
        import anndata.io
    except ImportError as exc:
        raise _needs("anndata", what) from exc
    return anndata


# ---------------------------------------------------------------------------- metadata


@dataclass(frozen=True, kw_only=True)
class TableInfo:
    """What a table group's attributes say about its rows (after legacy spellings are mapped).

    Examples
    --------
    >>> parse_table_info({"type": "masking_roi_table", "backend": "anndata_v1"}, where="t")
    TableInfo(table_type='masking_roi_table', backend='anndata_v1', index_key='label', index_type='int')
    """

    table_type: str
    """`roi_table`, `feature_table` ... (`generic_table` when the attribute is missing)."""
    backend: str
    """One of `TABLE_BACKENDS`: `anndata_v1`, `anndata`, `parquet`, `csv`, `json`."""
    index_key: str | None
    """The column that is the table's index, or None."""
    index_type: Literal["int", "str"] | None
    """How the index values are typed, or None (kept as stored)."""


def parse_table_names(attrs: Mapping[str, Any], *, where: str) -> tuple[str, ...]:
    """Return the names a `tables` group lists: `attrs["tables"]`, or `attrs["ome"]["tables"]`.

    Raises
    ------
    NgffValidationError
        If the list is not a list of plain, unique names.

    Examples
    --------
    >>> parse_table_names({"tables": ["roi", "nuclei"]}, where="img.zarr/tables")
    ('roi', 'nuclei')
    >>> parse_table_names({"ome": {"tables": ["roi"]}}, where="img.zarr/tables")
    ('roi',)
    >>> parse_table_names({}, where="img.zarr/tables")
    ()
    """
    names = attrs.get("tables")
    ome = attrs.get("ome")
    if names is None and isinstance(ome, Mapping):
        names = ome.get("tables")
    if names is None:
        return ()
    if (
        not isinstance(names, list)
        or not all(isinstance(n, str) and n and "/" not in n for n in names)
        or len(set(names)) != len(names)
    ):
        raise NgffValidationError(
            f"{where}: attribute 'tables': expected a list of unique table names without '/', "
            f"got {names!r}",
            rule="tables-list",
            path=where,
        )
    return tuple(names)


def parse_table_info(attrs: Mapping[str, Any], *, where: str) -> TableInfo:
    """Read a table group's attributes: backend, type and index, with ngio's defaults.

    Legacy Fractal tables (AnnData groups without a `backend` attribute, the
    `experimental_*_v1` backend names) are accepted.

    Raises
    ------
    NgffValidationError
        For an unknown backend or index type.

    Examples
    --------
    >>> parse_table_info({"encoding-type": "anndata", "type": "roi_table"}, where="t").backend
    'anndata_v1'
    """
    raw = attrs.get("backend")
    if raw is None and attrs.get("encoding-type") == "anndata":
        raw = "anndata_v1"  # Fractal v1 tables predate the backend attribute
    backend = _LEGACY_BACKENDS.get(str(raw), str(raw))
    if raw is None or backend not in TABLE_BACKENDS:
        raise NgffValidationError(
            f"{where}: attribute 'backend': expected one of {list(TABLE_BACKENDS)}, got {raw!r}",
            rule="table-backend",
            path=where,
        )
    table_type = str(attrs.get("type", "generic_table"))
    default_key: str | None = None
    default_type: str | None = None
    if table_type in _DEFAULT_INDEX:
        default_key, default_type = _DEFAULT_INDEX[table_type]
    if table_type in _REGION_TYPES and isinstance(attrs.get("instance_key"), str):
        default_key = attrs["instance_key"]
    index_key = attrs.get("index_key", default_key)
    index_type = attrs.get("index_type", default_type)
    if index_key is not None and not isinstance(index_key, str):
        raise NgffValidationError(
            f"{where}: attribute 'index_key': expected a column name, got {index_key!r}",
            rule="table-index",
            path=where,
        )
    if index_type not in ("int", "str", None):
        raise NgffValidationError(
            f"{where}: attribute 'index_type': expected 'int' or 'str', got {index_type!r}",
            rule="table-index",
            path=where,
        )
    return TableInfo(
        table_type=table_type, backend=backend, index_key=index_key, index_type=index_type
    )


def _table_attrs(
    *,
    table_type: str,
    backend: str,
    index_key: str | None,
    index_type: str,
    region: str | None,
) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "type": table_type,
        "table_version": "1",
        "backend": backend,
        "index_key": index_key,
        "index_type": index_type,
    }
    if table_type in _REGION_TYPES:
        if region is not None:
            path = region if region.startswith("../") else f"../labels/{region}"
            attrs["region"] = {"path": path}
        attrs["instance_key"] = "label"
    if table_type == "feature_table":
        attrs.update(categorical_columns=[], measurement_columns=[], metadata_columns=[])
    return attrs


# ---------------------------------------------------------------------------- store helpers


def _child(sp: StorePath, *parts: str) -> StorePath:
    return StorePath(sp.store, join_path(sp.path, *parts))


def _open_group(sp: StorePath) -> zarr.Group | None:
    try:
        return zarr.open_group(store=sp, mode="r")
    except (GroupNotFoundError, FileNotFoundError, KeyError):
        return None


def _image_group(sp: StorePath) -> zarr.Group:
    group = _open_group(sp)
    if group is None:
        raise NgffNotFoundError(f"{describe_store(sp)}: no zarr group here (an image group)")
    return group


def _exists(sp: StorePath) -> bool:
    return not sync(sp.is_empty())


def _get(store: Store, key: str) -> bytes | None:
    buffer = sync(store.get(key, prototype=default_buffer_prototype()))
    return None if buffer is None else bytes(buffer.to_bytes())


def _set(store: Store, key: str, data: bytes) -> None:
    sync(store.set(key, default_buffer_prototype().buffer.from_bytes(data)))


def _list_keys(store: Store, path: str, where: str) -> list[str]:
    if not store.supports_listing:
        raise NgffValueError(
            f"{where}: this store cannot list its keys (plain HTTP cannot), so the table group "
            f"cannot be copied; copy it from a local, S3 or memory copy of the store"
        )

    async def collect() -> list[str]:
        return [key async for key in store.list_prefix(f"{path}/")]

    keys = sorted(sync(collect()))
    if not {join_path(path, name) for name in (".zgroup", ".zarray", "zarr.json")} & set(keys):
        # Callers copy a node whose metadata exists, so a listing without it is not to be
        # trusted (an HTTP server that does not list directories): copying would lose data.
        raise NgffValueError(
            f"{where}: the store cannot list this node's keys (its listing misses the node's "
            f"own metadata), so the table cannot be copied completely; copy it from a local, "
            f"S3 or memory copy of the store"
        )
    return keys


def _zarr_format_at(store: Store, path: str) -> ZarrFormat | None:
    if sync(store.exists(join_path(path, "zarr.json"))):
        return 3
    if any(sync(store.exists(join_path(path, name))) for name in (".zgroup", ".zarray")):
        return 2
    return None


def _write_names(sp: StorePath, names: tuple[str, ...], zarr_format: ZarrFormat) -> None:
    """List *names* in the `tables` group (created if missing), keeping its other keys."""
    tables_sp = _child(sp, "tables")
    group = _open_group(tables_sp)
    if group is None:
        zarr.create_group(store=tables_sp, zarr_format=zarr_format, attributes={"tables": []})
        group = zarr.open_group(store=tables_sp, mode="r+")
    else:
        group = zarr.open_group(store=tables_sp, mode="r+")
    attrs = dict(group.attrs)
    attrs["tables"] = list(names)
    ome = attrs.get("ome")
    if isinstance(ome, Mapping) and "tables" in ome:
        attrs["ome"] = {**ome, "tables": list(names)}  # keep a tolerated second copy in step
    group.update_attributes(attrs)


def _inside(store: Store, path: str, target: StorePath) -> bool:
    """True if the node *path* of *store* is the node *target* or lies below it."""
    if isinstance(store, LocalStore) and isinstance(target.store, LocalStore):
        node = (Path(store.root) / path).resolve()
        root = (Path(target.store.root) / target.path).resolve()
        return node == root or root in node.parents
    if store is target.store or (
        isinstance(store, FsspecStore)
        and isinstance(target.store, FsspecStore)
        and describe_store(store) == describe_store(target.store)
    ):
        top = target.path.strip("/")
        return not top or path == top or path.startswith(f"{top}/")
    return False


# ---------------------------------------------------------------------------- listing


def list_tables(
    image: StoreLike, *, storage_options: dict[str, Any] | None = None
) -> tuple[str, ...]:
    """Return the names the image's `tables` group lists (empty without one); reads attributes.

    Parameters
    ----------
    image
        The image group (path, URL, zarr store, StorePath or group).
    storage_options
        fsspec options for URLs.

    Raises
    ------
    NgffValidationError
        If the `tables` attribute is not a list of names.

    Examples
    --------
    >>> import zarr
    >>> root = zarr.create_group(store={}, zarr_format=3)
    >>> _ = root.create_group("tables", attributes={"tables": ["roi"]})
    >>> list_tables(root)
    ('roi',)
    """
    sp = open_store(image, mode="r", storage_options=storage_options)
    tables_sp = _child(sp, "tables")
    group = _open_group(tables_sp)
    if group is None:
        return ()
    return parse_table_names(dict(group.attrs), where=describe_store(tables_sp))


def _require_listed(sp: StorePath, name: str) -> tuple[str, ...]:
    names = list_tables(sp)
    if name not in names:
        raise NgffKeyError(
            f"table {name!r}: not among the tables of {describe_store(sp)}: {list(names)}"
            + ("" if names else " (this image has no tables)")
        )
    return names


def read_table_sources(image: StoreLike) -> dict[str, TableSource]:
    """Describe each listed table of *image* as a [`TableSource`][ngffkit.TableSource] (attributes).

    A table that cannot be described (a malformed list, a listed group that is missing)
    is skipped with an [`NgffValidationWarning`][ngffkit.NgffValidationWarning]: a broken
    table must not make the image unreadable.

    Examples
    --------
    >>> import zarr
    >>> root = zarr.create_group(store={}, zarr_format=3)
    >>> tables = root.create_group("tables", attributes={"tables": ["roi"]})
    >>> _ = tables.create_group("roi", attributes={"type": "roi_table", "backend": "csv"})
    >>> {name: src.path for name, src in read_table_sources(root).items()}
    {'roi': 'tables/roi'}
    """
    sp = open_store(image, mode="r")
    try:
        names = list_tables(sp)
    except NgffValidationError as exc:
        warnings.warn(f"tables skipped: {exc}", NgffValidationWarning, stacklevel=3)
        return {}
    sources = {}
    for name in names:
        table_sp = _child(sp, "tables", name)
        group = _open_group(table_sp)
        if group is None:
            warnings.warn(
                f"table {name!r} skipped: {describe_store(table_sp)} is listed in the tables "
                f"group but holds no zarr group",
                NgffValidationWarning,
                stacklevel=3,
            )
            continue
        sources[name] = TableSource(
            store=sp.store,
            path=table_sp.path,
            attributes=dict(group.attrs),
            zarr_format=group.metadata.zarr_format,
        )
    return sources


# ---------------------------------------------------------------------------- reading rows


def _index_by(frame: Any, key: str | None) -> Any:
    """*frame* indexed by *key* (a column, or a name for an unnamed index); None if it can't be."""
    if key is None or frame.index.name == key:
        return frame
    if key in frame.columns:
        return frame.set_index(key)
    if frame.index.name is None:
        return frame.rename_axis(key)
    return None


def _indexed(frame: Any, info: TableInfo, where: str) -> Any:
    """Apply the stored index convention: *index_key* as the index, typed as *index_type*."""
    pd = _pandas("reading a table")
    key = info.index_key
    indexed = _index_by(frame, key)
    if indexed is None:
        raise NgffValidationError(
            f"{where}: index_key {key!r} is neither a column nor the index "
            f"({frame.index.name!r}); columns: {list(frame.columns)}",
            rule="table-index",
            path=where,
        )
    frame = indexed
    integer = pd.api.types.is_integer_dtype(frame.index.dtype)
    if info.index_type == "int" and not integer:
        try:
            frame = frame.set_axis(frame.index.astype("int64"), axis=0)
        except (TypeError, ValueError) as exc:
            raise NgffValidationError(
                f"{where}: index_type 'int', but the index holds {frame.index[:5].tolist()!r}",
                rule="table-index",
                path=where,
            ) from exc
    elif info.index_type == "str" and integer:
        frame = frame.set_axis(frame.index.astype(str), axis=0)
    return frame


def _read_anndata(group: zarr.Group) -> Any:
    pd = _pandas("reading an AnnData table")
    anndata = _anndata("reading an AnnData table")
    import numpy as np

    adata = anndata.io.read_elem(group)
    matrix = adata.X
    if matrix is None:
        matrix = np.zeros((adata.n_obs, 0))
    elif hasattr(matrix, "toarray"):  # a sparse X
        matrix = matrix.toarray()
    frame = pd.DataFrame(
        np.asarray(matrix), index=adata.obs_names.copy(), columns=list(adata.var_names)
    )
    # Numeric columns first, then obs columns: the order ngio gives too.
    for column in adata.obs.columns:
        frame[column] = adata.obs[column].array
    return frame.rename_axis(adata.obs.index.name)


def read_table_group(
    table: StoreLike, *, storage_options: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Read the table group at *table* (any backend) as a pandas DataFrame.

    The index follows the stored `index_key` / `index_type` (ngio's convention).

    Raises
    ------
    NgffNotFoundError
        If there is no table group, or its data (`table.parquet` ...) is missing.
    NgffValidationError
        If the attributes name an unknown backend or an index that is not there.
    NgffDependencyError
        If pandas, pyarrow or anndata is missing (`pip install 'ngffkit[tables]'`).

    Examples
    --------
    >>> import pandas as pd
    >>> from zarr.storage import MemoryStore
    >>> from zarr.storage import StorePath
    >>> from ngffkit.container import create_empty_ome_zarr
    >>> store = MemoryStore()
    >>> _ = create_empty_ome_zarr(store, (16, 16), pixelsize=1.0)
    >>> write_table(store, "t", pd.DataFrame({"n": [1, 2]}), backend="json")
    >>> read_table_group(StorePath(store, "tables/t"))["n"].tolist()
    [1, 2]
    """
    sp = open_store(table, mode="r", storage_options=storage_options)
    where = describe_store(sp)
    group = _open_group(sp)
    if group is None:
        raise NgffNotFoundError(f"{where}: no table group here")
    info = parse_table_info(dict(group.attrs), where=where)
    pd = _pandas(f"reading the {info.backend} table {where}")
    if info.backend in _ANNDATA:
        frame = _read_anndata(group)
    elif info.backend in _FILE_NAMES:
        key = join_path(sp.path, _FILE_NAMES[info.backend])
        data = _get(sp.store, key)
        if data is None:
            raise NgffNotFoundError(
                f"{where}: a {info.backend} table needs {_FILE_NAMES[info.backend]!r} in its "
                f"group, which is missing"
            )
        pa = _pyarrow(f"reading the {info.backend} table {where}")
        reader = pa.parquet.read_table if info.backend == "parquet" else pa.csv.read_csv
        frame = reader(pa.BufferReader(data)).to_pandas()
    else:
        rows = _open_group(_child(sp, "table"))
        if rows is None:
            raise NgffNotFoundError(
                f"{where}: a json table keeps its columns in the attributes of a 'table' "
                f"sub-group, which is missing"
            )
        frame = pd.DataFrame.from_dict(dict(rows.attrs))
    return _indexed(frame, info, where)


def read_table(
    image: StoreLike, name: str, *, storage_options: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Read the table *name* of an image as a pandas DataFrame.

    Parameters
    ----------
    image
        The image group (path, URL, zarr store, StorePath or group).
    name
        A name listed by the image's `tables` group.
    storage_options
        fsspec options for URLs.

    Raises
    ------
    NgffKeyError
        If the image lists no table *name*; the message names the tables there are.

    Examples
    --------
    >>> import pandas as pd
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.container import create_empty_ome_zarr
    >>> store = MemoryStore()
    >>> _ = create_empty_ome_zarr(store, (16, 16), pixelsize=1.0)
    >>> rois = pd.DataFrame({"x_micrometer": [0.0], "len_x_micrometer": [16.0]},
    ...                     index=pd.Index(["image"], name="FieldIndex"))
    >>> write_table(store, "roi", rois, table_type="roi_table")
    >>> back = read_table(store, "roi")
    >>> back.index.name, back.to_dict("index")
    ('FieldIndex', {'image': {'x_micrometer': 0.0, 'len_x_micrometer': 16.0}})
    >>> read_table(store, "nuclei")
    Traceback (most recent call last):
    ...
    ngffkit.errors.NgffKeyError: table 'nuclei': not among the tables of memory://...: ['roi']
    """
    sp = open_store(image, mode="r", storage_options=storage_options)
    _require_listed(sp, name)
    return read_table_group(_child(sp, "tables", name))


# ---------------------------------------------------------------------------- writing rows


def _check_name(name: object, what: str) -> str:
    if not isinstance(name, str) or not name or "/" in name or name in (".", ".."):
        raise NgffValueError(f"{what}: expected a plain group name without '/', got {name!r}")
    return name


def _prepared(
    frame: Any, *, table_type: str, index_key: str | None, backend: str
) -> tuple[Any, str | None, Literal["int", "str"]]:
    """The frame with its index set as stored, the index key and the index type."""
    pd = _pandas("writing a table")
    bad = [c for c in frame.columns if not isinstance(c, str)]
    if bad or frame.columns.has_duplicates:
        raise NgffValueError(
            f"dataframe: expected unique string column names, got {list(frame.columns)!r}"
        )
    key = index_key
    if key is None:
        key = frame.index.name
    if key is None and table_type in _DEFAULT_INDEX:
        key = _DEFAULT_INDEX[table_type][0]
    if key is None and backend not in _ANNDATA:
        default = pd.RangeIndex(len(frame))
        if not frame.index.equals(default):
            key = "index"  # files keep named columns only: name the index so it survives
    indexed = _index_by(frame, key)
    if indexed is None:
        raise NgffValueError(
            f"index_key {key!r}: neither a column nor the index name "
            f"({frame.index.name!r}); columns: {list(frame.columns)}"
        )
    frame = indexed
    if pd.api.types.is_integer_dtype(frame.index.dtype):
        index_type: Literal["int", "str"] = "int"
    elif all(isinstance(v, str) for v in frame.index):
        index_type = "str"
    else:
        raise NgffValueError(
            f"dataframe index: expected integer or string values, got dtype {frame.index.dtype} "
            f"({frame.index[:5].tolist()!r})"
        )
    return frame, key, index_type


def _as_anndata(frame: Any) -> Any:
    """Split *frame* the way ngio does: floats and booleans in X, integers and strings in obs."""
    pd = _pandas("writing an AnnData table")
    anndata = _anndata("writing an AnnData table")
    import numpy as np

    types = pd.api.types
    matrix_columns, obs_columns = [], []
    for column in frame.columns:
        series = frame[column]
        if types.is_bool_dtype(series.dtype) or (
            types.is_numeric_dtype(series.dtype) and not types.is_integer_dtype(series.dtype)
        ):
            matrix_columns.append(column)
        elif types.is_integer_dtype(series.dtype) or all(
            isinstance(v, str) for v in series.dropna()
        ):
            obs_columns.append(column)
        else:
            raise NgffValueError(
                f"dataframe column {column!r}: an AnnData table holds numbers and strings, got "
                f"dtype {series.dtype}; convert the column or use backend='parquet'"
            )
    matrix = frame[matrix_columns]
    if matrix.dtypes.nunique() > 1:
        matrix = matrix.astype("float64")
    values = matrix.to_numpy() if matrix_columns else np.zeros((len(frame), 0), "float64")
    obs = frame[obs_columns].copy()
    obs.index = pd.Index([str(v) for v in frame.index], name=frame.index.name, dtype=object)
    var = pd.DataFrame(index=pd.Index(matrix_columns, dtype=object))
    return anndata.AnnData(X=values, obs=obs, var=var)


def _write_anndata(tables: zarr.Group, name: str, adata: Any) -> None:
    anndata = _anndata("writing an AnnData table")
    shard = tables.metadata.zarr_format == 3
    with contextlib.ExitStack() as stack:
        # Shard v3 tables as ngio does (anndata warns when the choice is left to it).
        stack.enter_context(anndata.settings.override(auto_shard_zarr_v3=shard))
        anndata.io.write_elem(tables, name, adata)
    group = zarr.open_group(store=StorePath(tables.store, join_path(tables.path, name)), mode="r+")
    if "raw" in group and dict(group["raw"].attrs).get("encoding-type") == "null":
        del group["raw"]  # anndata < 0.11 (and so older ngio) cannot read a null `raw`


def write_table(
    image: StoreLike,
    name: str,
    dataframe: pd.DataFrame,
    *,
    table_type: str = "generic_table",
    backend: str = DEFAULT_BACKEND,
    region: str | None = None,
    index_key: str | None = None,
    overwrite: bool = False,
    storage_options: dict[str, Any] | None = None,
) -> None:
    """Write *dataframe* as the table `tables/<name>` of an image, and list it; writes to the store.

    The table group carries the V1 table attributes (`type`, `table_version`,
    `backend`, `index_key`, `index_type`, and `region` / `instance_key` for masking ROI
    and feature tables), laid out as ngio lays them out, so ngio reads it. The names
    already listed are kept; *name* is listed after its data is written.

    Parameters
    ----------
    image
        The image group (path, URL, zarr store, StorePath or group), writable.
    name
        The table's group name under `tables/`.
    dataframe
        The rows. Its index (or the column *index_key*) becomes the table's index.
    table_type
        `"generic_table"` (default), `"roi_table"`, `"masking_roi_table"`, `"feature_table"`,
        `"generic_roi_table"` or `"condition_table"`.
    backend
        `"anndata_v1"` (ngio's default), `"anndata"`, `"parquet"`, `"csv"` or `"json"`.
    region
        The label a masking ROI or feature table describes: a label name (stored as
        `../labels/<name>`) or a relative path. Required for `masking_roi_table`.
    index_key
        The index column; default the index's name, else the table type's convention
        (`FieldIndex` for ROI tables, `label` for masking ROI and feature tables).
    overwrite
        Replace a table of that name.
    storage_options
        fsspec options for URLs.

    Raises
    ------
    NgffExistsError
        If the table exists and *overwrite* is False (nothing is written).
    NgffValueError
        For a bad name, type, backend, index or column (nothing is written).
    NgffTypeError
        If *dataframe* is not a pandas DataFrame.
    NgffDependencyError
        If pandas, pyarrow or anndata is missing (`pip install 'ngffkit[tables]'`).

    Examples
    --------
    >>> import pandas as pd
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.container import create_empty_ome_zarr
    >>> store = MemoryStore()
    >>> _ = create_empty_ome_zarr(store, (16, 16), pixelsize=1.0)
    >>> features = pd.DataFrame({"label": [1, 2], "area": [10.0, 12.0]})
    >>> write_table(store, "features", features, table_type="feature_table", region="nuclei")
    >>> back = read_table(store, "features")
    >>> back.index.name, back.to_dict()
    ('label', {'area': {1: 10.0, 2: 12.0}})
    """
    sp = open_store(image, mode="r+", storage_options=storage_options)
    where = describe_store(sp)
    _check_name(name, "name")
    if table_type not in TABLE_TYPES:
        raise NgffValueError(f"table_type: expected one of {list(TABLE_TYPES)}, got {table_type!r}")
    chosen = _LEGACY_BACKENDS.get(backend, backend)
    if chosen not in TABLE_BACKENDS:
        raise NgffValueError(f"backend: expected one of {list(TABLE_BACKENDS)}, got {backend!r}")
    if table_type == "masking_roi_table" and region is None:
        raise NgffValueError(
            "region: a masking_roi_table needs the label it masks, e.g. region='nuclei'"
        )
    if region is not None and (not isinstance(region, str) or not region):
        raise NgffValueError(f"region: expected a label name or a relative path, got {region!r}")
    pd = _pandas("writing a table")
    if not isinstance(dataframe, pd.DataFrame):
        raise NgffTypeError(
            f"dataframe: expected a pandas DataFrame, got {type(dataframe).__name__}"
        )
    zarr_format = _image_group(sp).metadata.zarr_format
    names = list_tables(sp)
    table_sp = _child(sp, "tables", name)
    if (name in names or _exists(table_sp)) and not overwrite:
        raise NgffExistsError(
            f"table {name!r} already exists in {where}/tables; pass overwrite=True to replace it "
            f"(nothing was written)"
        )

    # Encode everything before touching the store: a bad column must not cost a table.
    frame, key, index_type = _prepared(
        dataframe, table_type=table_type, index_key=index_key, backend=chosen
    )
    attrs = _table_attrs(
        table_type=table_type, backend=chosen, index_key=key, index_type=index_type, region=region
    )
    flat = frame.reset_index() if frame.index.name is not None else frame
    payload: Any
    if chosen in _ANNDATA:
        payload = _as_anndata(frame)
    elif chosen in _FILE_NAMES:
        pa = _pyarrow(f"writing a {chosen} table")
        arrow = pa.Table.from_pandas(flat, preserve_index=False)
        sink = pa.BufferOutputStream()
        if chosen == "parquet":
            pa.parquet.write_table(arrow, sink)
        else:
            pa.csv.write_csv(arrow, sink)
        payload = sink.getvalue().to_pybytes()
    else:
        payload = json.loads(json.dumps(flat.to_dict(orient="list")))

    if _exists(table_sp):
        sync(table_sp.delete_dir())
    tables = _open_group(_child(sp, "tables"))
    if tables is None:
        _write_names(sp, names, zarr_format)
    tables = zarr.open_group(store=_child(sp, "tables"), mode="r+")
    if chosen in _ANNDATA:
        _write_anndata(tables, name, payload)
        group = zarr.open_group(store=table_sp, mode="r+")
        group.update_attributes({**dict(group.attrs), **attrs})
    else:
        zarr.create_group(store=table_sp, zarr_format=zarr_format, attributes=attrs)
        if chosen in _FILE_NAMES:
            _set(sp.store, join_path(table_sp.path, _FILE_NAMES[chosen]), payload)
        else:
            zarr.create_group(
                store=_child(table_sp, "table"), zarr_format=zarr_format, attributes=payload
            )
    if name not in names:
        _write_names(sp, (*names, name), zarr_format)


def delete_table(
    image: StoreLike,
    name: str,
    *,
    missing_ok: bool = False,
    storage_options: dict[str, Any] | None = None,
) -> None:
    """Delete the table *name* of an image: unlisted first, then its group removed.

    Raises
    ------
    NgffKeyError
        If there is no table *name* and *missing_ok* is False.

    Examples
    --------
    >>> import pandas as pd
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.container import create_empty_ome_zarr
    >>> store = MemoryStore()
    >>> _ = create_empty_ome_zarr(store, (16, 16), pixelsize=1.0)
    >>> write_table(store, "a", pd.DataFrame({"n": [1]}), backend="csv")
    >>> write_table(store, "b", pd.DataFrame({"n": [2]}), backend="csv")
    >>> delete_table(store, "a")
    >>> list_tables(store)
    ('b',)
    """
    sp = open_store(image, mode="r+", storage_options=storage_options)
    names = list_tables(sp)
    table_sp = _child(sp, "tables", name)
    if name not in names and not _exists(table_sp):
        if missing_ok:
            return
        _require_listed(sp, name)
    if name in names:
        # Unlist first: a reader never sees a listed table whose group is half deleted.
        _write_names(
            sp, tuple(n for n in names if n != name), _image_group(sp).metadata.zarr_format
        )
    sync(table_sp.delete_dir())


# ---------------------------------------------------------------------------- copying


def _blocks(shape: tuple[int, ...], chunks: tuple[int, ...]) -> Iterator[tuple[slice, ...]]:
    """The regions of a regular grid of *chunks* over *shape*, one at a time."""
    ranges = [range(math.ceil(s / c)) for s, c in zip(shape, chunks, strict=True)]
    for index in itertools.product(*ranges):
        yield tuple(
            slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(index, chunks, shape, strict=True)
        )


def _convert_array(
    source: StorePath, target: StorePath, zarr_format: ZarrFormat, where: str
) -> None:
    """Copy one array into the other Zarr format, one stored chunk (or shard) at a time."""
    try:
        array = zarr.open_array(store=source, mode="r")
    except Exception as exc:  # zarr raises ValueError, TypeError ... for types it cannot read
        raise NgffConversionError(
            f"{where}: cannot convert this array to Zarr v{zarr_format}: expected a data type "
            f"that zarr-python reads in Zarr v2 and v3 (numbers, booleans, strings), but "
            f"zarr cannot open it ({type(exc).__name__}: {exc})"
        ) from exc
    dtype = array.metadata.dtype
    # Zarr v2 has no shards: one v2 chunk per source shard keeps the object count.
    unit = (array.shards or array.chunks) if zarr_format == 2 else array.chunks
    chunks = tuple(max(1, int(c)) for c in unit)
    options: dict[str, Any] = {}
    if array.metadata.fill_value is not None:
        options["fill_value"] = array.metadata.fill_value
    try:
        copy = zarr.create_array(
            store=target,
            shape=array.shape,
            dtype=dtype,
            chunks=chunks,
            attributes=dict(array.attrs),
            zarr_format=zarr_format,
            overwrite=True,
            **options,
        )
    except Exception as exc:
        raise NgffConversionError(
            f"{where}: a Zarr v{array.metadata.zarr_format} array of data type {dtype} cannot be "
            f"stored in Zarr v{zarr_format} ({type(exc).__name__}: {exc})"
        ) from exc
    for region in _blocks(array.shape, chunks):
        copy[region] = array[region]


def _node_kinds(
    store: Store, path: str, relative: list[str], zarr_format: int
) -> tuple[list[str], list[str], list[str]]:
    """Groups, arrays and consolidated groups of a subtree, as paths relative to *path*."""
    groups, arrays, consolidated = [], [], []
    for rel in relative:
        node, leaf = posixpath.split(rel)
        if zarr_format == 2:
            if leaf == ".zgroup":
                groups.append(node)
            elif leaf == ".zarray":
                arrays.append(node)
            elif leaf == ".zmetadata":
                consolidated.append(node)
        elif leaf == "zarr.json":
            raw = _get(store, join_path(path, rel))
            doc = json.loads(raw) if raw else {}
            if doc.get("node_type") == "array":
                arrays.append(node)
            else:
                groups.append(node)
                if doc.get("consolidated_metadata"):
                    consolidated.append(node)
    return groups, arrays, consolidated


def _copy_tree(
    store: Store, path: str, target: Store, target_path: str, *, zarr_format: ZarrFormat
) -> None:
    """Copy the zarr node at *path* and everything below it (groups, arrays, other files).

    The same format is copied key by key, byte for byte. Across formats, groups are
    re-created with their attributes, arrays converted chunk by chunk, and any other
    file (`table.parquet`, `table.csv`) copied as it is.
    """
    where = describe_store(StorePath(store, path))
    source_format = _zarr_format_at(store, path)
    if source_format is None:
        raise NgffNotFoundError(f"{where}: no zarr group or array here to copy")
    prefix = f"{path}/"
    keys = _list_keys(store, path, where)
    relative = [key[len(prefix) :] for key in keys]
    if source_format == zarr_format:
        for rel in relative:
            data = _get(store, join_path(path, rel))
            if data is not None:
                _set(target, join_path(target_path, rel), data)
        return
    groups, arrays, consolidated = _node_kinds(store, path, relative, source_format)
    for node in sorted(groups, key=lambda p: (p.count("/"), p) if p else (-1, p)):
        attrs = dict(
            zarr.open_group(
                store=StorePath(store, join_path(path, node)), mode="r", use_consolidated=False
            ).attrs
        )
        zarr.create_group(
            store=StorePath(target, join_path(target_path, node)),
            zarr_format=zarr_format,
            attributes=attrs,
        )
    for node in arrays:
        _convert_array(
            StorePath(store, join_path(path, node)),
            StorePath(target, join_path(target_path, node)),
            zarr_format,
            describe_store(StorePath(store, join_path(path, node))),
        )
    meta = _V2_META if source_format == 2 else _V3_META
    for rel in relative:
        if posixpath.basename(rel) in meta or any(
            not node or rel.startswith(f"{node}/") for node in arrays
        ):
            continue
        data = _get(store, join_path(path, rel))
        if data is not None:
            _set(target, join_path(target_path, rel), data)
    for node in sorted(consolidated, key=lambda p: -p.count("/") if p else 1):
        with warnings.catch_warnings():
            # zarr notes that consolidated metadata is not in the Zarr v3 spec; the source
            # was consolidated, so the copy is too (anndata reads it faster that way).
            warnings.simplefilter("ignore")
            zarr.consolidate_metadata(
                StorePath(target, join_path(target_path, node)), zarr_format=zarr_format
            )


def copy_tables(
    source: StoreLike,
    target: StoreLike,
    *,
    overwrite: bool = False,
    storage_options: dict[str, Any] | None = None,
) -> tuple[str, ...]:
    """Copy the whole `tables/` group of image *source* into image *target*; needs zarr only.

    Every sub-group, array, attribute and file is copied. When the two images use
    different Zarr formats (OME-NGFF 0.4 is Zarr v2; 0.5 and 0.6 are v3), each array
    is converted one chunk at a time: v2 `vlen-utf8` object arrays (what AnnData
    writes for strings) become v3 `string` arrays and back, shards become v2 chunks.
    Otherwise the keys are copied byte for byte.

    Parameters
    ----------
    source, target
        Image groups (path, URL, zarr store, StorePath or group); *target* must exist
        and be writable, and its Zarr format decides the copy's.
    overwrite
        Replace a `tables` group that *target* already has.
    storage_options
        fsspec options for URLs (both stores).

    Returns
    -------
    tuple of str
        The table names the target now lists.

    Raises
    ------
    NgffExistsError
        If *target* has a `tables` group and *overwrite* is False (nothing is written).
    NgffConversionError
        If an array cannot be stored in the target's Zarr format; the message names it.
    NgffValueError
        If *target* is *source* or lies inside it, or *source* cannot list its keys.

    Examples
    --------
    >>> import pandas as pd
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.container import create_empty_ome_zarr
    >>> old, new = MemoryStore(), MemoryStore()
    >>> _ = create_empty_ome_zarr(old, (16, 16), pixelsize=1.0, version="0.4")
    >>> _ = create_empty_ome_zarr(new, (16, 16), pixelsize=1.0, version="0.5")
    >>> write_table(old, "cells", pd.DataFrame({"kind": ["a", "b"], "area": [1.0, 2.0]}))
    >>> copy_tables(old, new)
    ('cells',)
    >>> read_table(new, "cells").equals(read_table(old, "cells"))
    True
    """
    source_sp = open_store(source, mode="r", storage_options=storage_options)
    target_sp = open_store(target, mode="r+", storage_options=storage_options)
    source_tables = _child(source_sp, "tables")
    target_tables = _child(target_sp, "tables")
    if _inside(target_sp.store, target_tables.path, source_tables) or _inside(
        source_sp.store, source_tables.path, target_tables
    ):
        raise NgffValueError(
            f"copy_tables: source {describe_store(source_tables)} and target "
            f"{describe_store(target_tables)} overlap; copy into another image (nothing was written)"
        )
    zarr_format = _image_group(target_sp).metadata.zarr_format
    if _open_group(source_tables) is None:
        return list_tables(target_sp)
    if _exists(target_tables):
        if not overwrite:
            raise NgffExistsError(
                f"{describe_store(target_tables)}: already exists; pass overwrite=True to replace "
                f"it (nothing was written)"
            )
        sync(target_tables.delete_dir())
    _copy_tree(
        source_tables.store,
        source_tables.path,
        target_tables.store,
        target_tables.path,
        zarr_format=zarr_format,
    )
    return list_tables(target_sp)


# ---------------------------------------------------------------------------- the pipeline


def check_tables_to_copy(target: StorePath, tables: Mapping[str, TableSource]) -> None:
    """Check, before anything is written, that each table of *tables* can be copied into *target*.

    [`to_ngff_zarr`][ngffkit.to_ngff_zarr] deletes an existing target before writing, so
    a table read from it would be gone before it is copied (pixels read from the target
    are refused in the same way). A table is copied key by key, so its store must be
    able to list its keys (plain HTTP cannot).

    Raises
    ------
    NgffValueError
        If a table of *tables* lies inside *target*, or its store cannot list the table's
        keys (nothing was changed).

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> store = MemoryStore()
    >>> _ = zarr.create_group(store=StorePath(store, "old/tables/roi"))
    >>> tables = {"roi": TableSource(store=store, path="old/tables/roi")}
    >>> check_tables_to_copy(StorePath(store, "new"), tables)
    >>> try:
    ...     check_tables_to_copy(StorePath(store, "old"), tables)
    ... except NgffValueError as exc:
    ...     print(str(exc).split(";")[0])
    store memory://.../old: table 'roi' to copy is read from this same store
    """
    for name, source in tables.items():
        if _inside(source.store, source.path, target):
            raise NgffValueError(
                f"store {describe_store(target)}: table {name!r} to copy is read from this same "
                f"store; write to a new location instead of overwriting the source (nothing was "
                f"changed)"
            )
        # Tables are small: listing each one now costs little and fails before any write.
        _list_keys(source.store, source.path, describe_store(source.store, source.path))


def write_tables(root: zarr.Group, tables: Mapping[str, TableSource], *, version: str) -> None:
    """Copy each table of *tables* into `tables/<name>` of the image group *root*, then list them.

    Called by [`to_ngff_zarr`][ngffkit.to_ngff_zarr] after the arrays and before the image
    metadata. Tables are converted to *version*'s Zarr format when theirs differs.

    Examples
    --------
    >>> import pandas as pd
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.container import create_empty_ome_zarr
    >>> old = MemoryStore()
    >>> _ = create_empty_ome_zarr(old, (16, 16), pixelsize=1.0)
    >>> write_table(old, "cells", pd.DataFrame({"area": [1.0]}), backend="parquet")
    >>> root = zarr.create_group(store=MemoryStore(), zarr_format=2)
    >>> write_tables(root, read_table_sources(old), version="0.4")
    >>> list_tables(root), read_table(root, "cells")["area"].tolist()
    (('cells',), [1.0])
    """
    if not tables:
        return
    zarr_format = ZARR_FORMAT[parse_version(version)]
    base = StorePath(root.store, join_path(root.path, "tables"))
    for name, source in tables.items():
        _copy_tree(
            source.store,
            source.path,
            base.store,
            join_path(base.path, _check_name(name, "tables")),
            zarr_format=zarr_format,
        )
    _write_names(StorePath(root.store, root.path), tuple(tables), zarr_format)
