"""The pipeline's I/O room: store resolution, reading and writing OME-Zarr, tables."""

from __future__ import annotations

from ngffkit.io.read import from_ngff_zarr
from ngffkit.io.stores import StoreLike, open_store
from ngffkit.io.write import to_ngff_zarr

__all__ = ["from_ngff_zarr", "to_ngff_zarr", "open_store", "StoreLike"]
