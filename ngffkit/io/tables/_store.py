"""Store helpers and listing: where the tables of an image live and which ones are listed."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import zarr
from zarr.core.buffer import default_buffer_prototype
from zarr.core.sync import sync
from zarr.errors import GroupNotFoundError
from zarr.storage import FsspecStore, LocalStore, StorePath

from ngffkit.errors import (
    NgffKeyError,
    NgffNotFoundError,
    NgffValidationError,
    NgffValidationWarning,
    NgffValueError,
)
from ngffkit.io.stores import StoreLike, child, describe_store, join_path, open_store, read_group
from ngffkit.io.tables._meta import (
    ZarrFormat,
    parse_table_names,
)
from ngffkit.model import TableSource

if TYPE_CHECKING:
    from zarr.abc.store import Store


# ---------------------------------------------------------------------------- store helpers


def _open_group(sp: StorePath) -> zarr.Group | None:
    try:
        return read_group(sp)  # its own document: a consolidated snapshot may lag
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
    tables_sp = child(sp, "tables")
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
    tables_sp = child(sp, "tables")
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
        table_sp = child(sp, "tables", name)
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
