"""Reading and writing table rows as pandas DataFrames, per backend, and deleting tables."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import zarr
from zarr.core.sync import sync
from zarr.storage import LocalStore, StorePath

from ngffkit.errors import (
    NgffExistsError,
    NgffNotFoundError,
    NgffTypeError,
    NgffValidationError,
    NgffValueError,
)
from ngffkit.io._consolidated import refresh_consolidated
from ngffkit.io._lock import image_lock
from ngffkit.io._replace import staged_write
from ngffkit.io.stores import StoreLike, child, describe_store, join_path, open_store
from ngffkit.io.tables._meta import (
    _ANNDATA,
    _DEFAULT_INDEX,
    _FILE_NAMES,
    _LEGACY_BACKENDS,
    DEFAULT_BACKEND,
    TABLE_BACKENDS,
    TABLE_TYPES,
    TableInfo,
    ZarrFormat,
    _anndata,
    _pandas,
    _pyarrow,
    _table_attrs,
    parse_table_info,
)
from ngffkit.io.tables._store import (
    _exists,
    _get,
    _image_group,
    _open_group,
    _require_listed,
    _set,
    _write_names,
    list_tables,
)
from ngffkit.spec.names import check_name
from ngffkit.tables import anndata_of_frame, anndata_parts, decode_table, frame_of_anndata

if TYPE_CHECKING:
    import pandas as pd

_CHECKED_TYPES = ("roi_table", "generic_roi_table", "masking_roi_table", "feature_table")


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
    _pandas("reading an AnnData table")
    anndata = _anndata("reading an AnnData table")
    return anndata.io.read_elem(group)


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
    >>> from zarr.storage import MemoryStore, StorePath
    >>> from ngffkit.container import create_empty_ome_zarr
    >>> store = MemoryStore()
    >>> _ = create_empty_ome_zarr(store, (16, 16), pixelsize=1.0)
    >>> write_table(store, "t", pd.DataFrame({"n": [1, 2]}), backend="json")
    >>> read_table_group(StorePath(store, "tables/t"))["n"].tolist()
    [1, 2]
    """
    sp = open_store(table, mode="r", storage_options=storage_options)
    frame, _, _ = _read_group(sp)
    return frame


def _read_group(sp: StorePath) -> tuple[Any, dict[str, Any], Any]:
    """The rows, the attributes and (anndata backends) the AnnData of the table group *sp*."""
    where = describe_store(sp)
    group = _open_group(sp)
    if group is None:
        raise NgffNotFoundError(f"{where}: no table group here")
    attributes = dict(group.attrs)
    info = parse_table_info(attributes, where=where)
    pd = _pandas(f"reading the {info.backend} table {where}")
    adata = None
    if info.backend in _ANNDATA:
        adata = _read_anndata(group)
        # Numeric columns first, then obs columns: the order ngio gives too.
        frame = frame_of_anndata(adata)
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
        rows = _open_group(child(sp, "table"))
        if rows is None:
            raise NgffNotFoundError(
                f"{where}: a json table keeps its columns in the attributes of a 'table' "
                f"sub-group, which is missing"
            )
        frame = pd.DataFrame.from_dict(dict(rows.attrs))
    return _indexed(frame, info, where), attributes, adata


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
    >>> rois = pd.DataFrame({f"{p}{a}_micrometer": [16.0 if p else 0.0]
    ...                      for a in "xyz" for p in ("", "len_")},
    ...                     index=pd.Index(["image"], name="FieldIndex"))
    >>> write_table(store, "roi", rois, table_type="roi_table")
    >>> back = read_table(store, "roi")
    >>> back.index.name, back.loc["image", "len_x_micrometer"]
    ('FieldIndex', np.float64(16.0))
    >>> read_table(store, "nuclei")
    Traceback (most recent call last):
    ...
    ngffkit.errors.NgffKeyError: table 'nuclei': not among the tables of memory://...: ['roi']
    """
    return read_table_data(image, name, storage_options=storage_options)[0]


def read_table_data(
    image: StoreLike, name: str, *, storage_options: dict[str, Any] | None = None
) -> tuple[pd.DataFrame, dict[str, Any], Any]:
    """The table *name* of an image as stored: its rows, its group's attributes, its AnnData.

    The AnnData is None unless the backend is an anndata one; it holds what the rows
    cannot (`uns`, `obsm` ...). The container's `get_table` decodes the three.

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
    >>> write_table(store, "t", pd.DataFrame({"area": [1.5, 2.5]}))
    >>> frame, attributes, adata = read_table_data(store, "t")
    >>> frame["area"].tolist(), attributes["backend"], adata.n_obs
    ([1.5, 2.5], 'anndata_v1', 2)
    """
    sp = open_store(image, mode="r", storage_options=storage_options)
    check_name(name, "table", where=describe_store(sp))
    _require_listed(sp, name)
    frame, attributes, adata = _read_group(child(sp, "tables", name))
    return frame, attributes, adata


# ---------------------------------------------------------------------------- writing rows


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


def _stored_anndata(adata: Any, frame: Any) -> Any:
    """*adata* with `obs`'s index as the writer stores it: named as *frame*'s, as strings."""
    pd = _pandas("writing an AnnData table")
    if adata.n_obs != len(frame):
        raise NgffValueError(
            f"anndata: {adata.n_obs} rows, but the table has {len(frame)}; they must be the same"
        )
    stored = adata.copy()
    stored.obs.index = pd.Index([str(v) for v in frame.index], name=frame.index.name, dtype=object)
    return stored


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


def _parent_group(sp: StorePath) -> tuple[zarr.Group, str]:
    """The group holding the node *sp*, and the node's name in it.

    AnnData is written as a named child of a group: given a group itself (key "/"),
    anndata clears the group's whole store first, which in memory or on S3 is the image.
    """
    if sp.path:
        parent, _, name = sp.path.rpartition("/")
        return zarr.open_group(store=StorePath(sp.store, parent), mode="r+"), name
    if isinstance(sp.store, LocalStore):  # a stage: a directory beside the table's
        root = Path(sp.store.root)
        return zarr.open_group(store=StorePath(LocalStore(root.parent), ""), mode="r+"), root.name
    raise NgffValueError(f"{describe_store(sp)}: a table cannot be the root of its store")


def write_table(
    image: StoreLike,
    name: str,
    dataframe: pd.DataFrame,
    *,
    table_type: str = "generic_table",
    backend: str = DEFAULT_BACKEND,
    region: str | None = None,
    index_key: str | None = None,
    attributes: Mapping[str, Any] | None = None,
    overwrite: bool = False,
    storage_options: dict[str, Any] | None = None,
    anndata: Any = None,
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
    attributes
        Other attributes of the table group (a feature table's `measurement_columns`,
        a typed table's kept keys); `backend`, `index_key`, `index_type` and `type` are
        the writer's.
    overwrite
        Replace a table of that name.
    storage_options
        fsspec options for URLs.
    anndata
        An AnnData to store whole (its `uns`, `obsm` ... too), whose rows are *dataframe*:
        anndata backends only.

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
    check_name(name, "table", where=describe_store(sp))
    if table_type not in TABLE_TYPES:
        raise NgffValueError(f"table_type: expected one of {list(TABLE_TYPES)}, got {table_type!r}")
    chosen = _LEGACY_BACKENDS.get(backend, backend)
    if chosen not in TABLE_BACKENDS:
        raise NgffValueError(f"backend: expected one of {list(TABLE_BACKENDS)}, got {backend!r}")
    if anndata is not None and chosen not in _ANNDATA:
        raise NgffValueError(
            f"backend {backend!r}: the table holds an AnnData with {anndata_parts(anndata)!r}, "
            f"which only an anndata backend stores; pass backend='anndata' (nothing was written)"
        )
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
    table_sp = child(sp, "tables", name)
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
    if attributes is not None:
        if not isinstance(attributes, Mapping):
            raise NgffTypeError(f"attributes: expected a mapping, got {type(attributes).__name__}")
        owned = ("backend", "index_key", "index_type", "encoding-type", "encoding-version")
        extra = {k: v for k, v in attributes.items() if k not in owned}
        kind = extra.get("type", table_type)
        if kind != table_type and (table_type != "generic_table" or kind in TABLE_TYPES):
            # Only a type ngffkit does not know may ride along (kept on a generic table).
            raise NgffValueError(
                f"attributes['type']: {kind!r} contradicts table_type={table_type!r}; give the "
                f"type as table_type"
            )
        try:
            extra = json.loads(json.dumps(extra))
        except (TypeError, ValueError) as exc:
            raise NgffValueError(f"attributes: expected JSON values, got {extra!r}") from exc
        attrs = {**attrs, **extra}
    if table_type in _CHECKED_TYPES:
        try:  # the rows must be what the type says: a ROI table has its columns, labels are ints
            decode_table(frame, attrs, where=f"{where}/tables/{name}")
        except NgffValidationError as exc:
            raise NgffValueError(f"{exc} (nothing was written)") from None
    flat = frame.reset_index() if frame.index.name is not None else frame
    payload: Any
    if chosen in _ANNDATA:
        payload = anndata_of_frame(frame) if anndata is None else _stored_anndata(anndata, frame)
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

    with image_lock(sp):
        _write_locked(sp, name, table_sp, payload, attrs, chosen, zarr_format, overwrite=overwrite)
    refresh_consolidated(child(sp, "tables"))  # a reader trusting a snapshot sees the table


def _write_locked(
    sp: StorePath,
    name: str,
    table_sp: StorePath,
    payload: Any,
    attrs: dict[str, Any],
    chosen: str,
    zarr_format: ZarrFormat,
    *,
    overwrite: bool,
) -> None:
    """Write one encoded table and list it; the caller holds the image's lock."""
    names = list_tables(sp)  # again, under the lock: another writer may have listed one
    if (name in names or _exists(table_sp)) and not overwrite:
        raise NgffExistsError(
            f"table {name!r}: another writer created it in {describe_store(sp)}/tables "
            f"meanwhile; it was kept and this write discarded (pass overwrite=True to replace it)"
        )
    if _open_group(child(sp, "tables")) is None:
        _write_names(sp, names, zarr_format)
    # The new table is written into a stage that takes the old one's place only once it is
    # complete (`staged_write`): a failure or a kill part way leaves the old table whole and
    # listed, and the listing never names a table that is half written.
    with staged_write(
        table_sp, overwrite=_exists(table_sp), where=describe_store(table_sp), local_only=False
    ) as stage:
        _write_table_group(stage, payload, attrs, chosen, zarr_format)
    if name not in names:
        _write_names(sp, (*names, name), zarr_format)


def _write_table_group(
    sp: StorePath, payload: Any, attrs: dict[str, Any], chosen: str, zarr_format: ZarrFormat
) -> None:
    """Write one encoded table as the group *sp*, its attributes last for the zarr backend."""
    if chosen in _ANNDATA:
        _write_anndata(*_parent_group(sp), payload)
        group = zarr.open_group(store=sp, mode="r+")
        group.update_attributes({**dict(group.attrs), **attrs})
        return
    zarr.create_group(store=sp, zarr_format=zarr_format, attributes=attrs)
    if chosen in _FILE_NAMES:
        _set(sp.store, join_path(sp.path, _FILE_NAMES[chosen]), payload)
    else:
        zarr.create_group(store=child(sp, "table"), zarr_format=zarr_format, attributes=payload)


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
    check_name(name, "table", where=describe_store(sp))  # "" would be every table
    with image_lock(sp):
        _delete_locked(sp, name, missing_ok=missing_ok)
    refresh_consolidated(child(sp, "tables"))


def _delete_locked(sp: StorePath, name: str, *, missing_ok: bool) -> None:
    names = list_tables(sp)
    table_sp = child(sp, "tables", name)
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
