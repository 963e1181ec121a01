"""The pipeline's I/O room: store resolution, reading and writing OME-Zarr, tables.

The names below load their module on first use (PEP 562), so importing one module of the room
(`ngffkit.io.stores` for the validator, say) does not load the reader and writer, and with them
dask and xarray.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ngffkit.io.read import from_ngff_zarr
    from ngffkit.io.stores import StoreLike, open_store
    from ngffkit.io.write import to_ngff_zarr

__all__ = ["from_ngff_zarr", "to_ngff_zarr", "open_store", "StoreLike"]

_LAZY = {
    "from_ngff_zarr": "ngffkit.io.read",
    "to_ngff_zarr": "ngffkit.io.write",
    "open_store": "ngffkit.io.stores",
    "StoreLike": "ngffkit.io.stores",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'ngffkit.io' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
