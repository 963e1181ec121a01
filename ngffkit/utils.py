"""ngio-compatible helper names (``from ngffkit.utils import fractal_fsspec_store``)."""

from __future__ import annotations

from ngffkit.container import fractal_fsspec_store

__all__ = ["fractal_fsspec_store"]
