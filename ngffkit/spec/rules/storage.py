"""Rules on how OME-NGFF metadata is stored: the Zarr format that goes with each version.

Examples
--------
>>> [f.rule for f in zarr_format_version("0.5", 2, Where("img.zarr/.zattrs"), "groups")]
['zarr-format-version']
"""

from __future__ import annotations

from collections.abc import Iterator

from ngffkit.spec.rules._catalogue import ValidationIssue, Where, issue, rule
from ngffkit.spec.versions import ZARR_FORMAT, NgffVersion

__all__ = ["zarr_format_version"]


@rule(
    "zarr-format-version",
    section="document",
    summary="0.4 is stored as Zarr format 2, 0.5 and 0.6 as Zarr format 3 (groups and arrays)",
)
def zarr_format_version(
    version: NgffVersion, found: int, where: Where, what: str
) -> Iterator[ValidationIssue]:
    """A group or array of *version* has the Zarr format the version requires.

    Examples
    --------
    >>> list(zarr_format_version("0.4", 2, Where("img.zarr/.zattrs"), "groups"))
    []
    """
    expected = ZARR_FORMAT[version]
    if found != expected:
        this = "this group is" if what == "groups" else "this level is"
        yield issue(
            "zarr-format-version",
            where,
            f"OME-NGFF {version} requires Zarr format {expected} {what}, but {this} Zarr "
            f"format {found}",
        )
