"""Rules of the bioformats2raw layout: a root that holds its images as series 0/, 1/, ...

Examples
--------
>>> CATALOGUE["bf2raw-series"].store
True
"""

from __future__ import annotations

from ngffkit.spec.rules._catalogue import CATALOGUE, declare

__all__ = ["CATALOGUE"]

declare(
    "bf2raw-series",
    "bioformats2raw",
    "a bioformats2raw container's series exist, in 0/, 1/, ... or as OME/ 'series' lists them "
    "(none found: a warning)",
    store=True,
)
