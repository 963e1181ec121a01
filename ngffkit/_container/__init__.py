"""Private implementation of `ngffkit.container`; import from there, not from here.

The package is split by room: ``_meta`` (pixel sizes, dimensions, channels: pure
values), ``_select`` (pixel and physical selections: pure functions), ``_store``
(the few merges of group attributes the container needs), ``_handles`` (``Image``
and ``Label``), ``_masked`` (``MaskedImage`` and ``MaskedLabel``), ``_consolidate``
(recomputing lower levels), ``_tables`` (the container's table and masked-image methods),
``_container`` (``OmeZarrContainer``), ``_create`` (creating and deriving stores) and
``_remote`` (``fractal_fsspec_store``).
"""

from __future__ import annotations
