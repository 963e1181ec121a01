"""Table attributes: the Fractal V1 keys, names lists, and the optional pandas/pyarrow/anndata imports."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias

from ngffkit.errors import (
    NgffDependencyError,
    NgffValidationError,
    NgffValidationWarning,
)
from ngffkit.spec.names import name_problem

if TYPE_CHECKING:
    pass


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


def _optional(module: str, what: str, *parts: str) -> Any:
    """*module*, with its submodules *parts* loaded, imported on first use; *what* needs it."""
    try:
        for name in (module, *(f"{module}.{part}" for part in parts)):
            importlib.import_module(name)
    except ImportError as exc:
        raise NgffDependencyError(
            f"{what} needs {module}, which is not installed: {_EXTRA} "
            f"(copying tables needs zarr only)"
        ) from exc
    return importlib.import_module(module)


def _pandas(what: str) -> Any:
    return _optional("pandas", what)


def _pyarrow(what: str) -> Any:
    return _optional("pyarrow", what, "csv", "parquet")


def _anndata(what: str) -> Any:
    return _optional("anndata", what, "io")


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
    if not isinstance(names, list):
        raise NgffValidationError(
            f"{where}: attribute 'tables': expected a list of table names, got {names!r}",
            rule="tables-list",
            path=where,
        )
    kept: list[str] = []
    for i, name in enumerate(names):
        problem = name_problem(name) or ("is listed twice" if name in kept else None)
        if problem is None:
            kept.append(name)
            continue
        # One hostile or broken entry hides only itself; the other tables stay readable.
        warnings.warn(
            f"{where}: tables[{i}] {name!r} skipped: it {problem}",
            NgffValidationWarning,
            stacklevel=3,
        )
    return tuple(kept)


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
