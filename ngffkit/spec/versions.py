"""The OME-NGFF versions: which ones exist, which ngffkit writes, how a document declares one.

Detection lives here alone: the reader, the writer and `ngffkit.validate` all ask this module
which version a group's attributes declare and where its OME keys are.

- 0.1-0.4: Zarr v2, keys at the top level of ``.zattrs``, ``multiscales[].version``.
- 0.5, 0.6: Zarr v3, every OME key under ``attributes["ome"]`` with ``ome.version``.

The JSON of each version (decode and encode) is in `ngffkit.spec.codec`.

Examples
--------
>>> parse_version(0.4), normalize_version("0.6rc0"), ZARR_FORMAT["0.5"]
('0.4', '0.6', 3)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, Literal, overload

from ngffkit.errors import NgffValueError

__all__ = [
    "NgffVersion",
    "ReadableVersion",
    "WRITABLE_VERSIONS",
    "READABLE_VERSIONS",
    "DEFAULT_VERSION",
    "ZARR_FORMAT",
    "OME_KINDS",
    "OME_KEYS",
    "parse_version",
    "normalize_version",
    "declared_version",
    "detect_version",
    "is_image_attrs",
    "ome_namespace",
]

NgffVersion = Literal["0.4", "0.5", "0.6"]
"""A version ngffkit writes (and validates)."""
ReadableVersion = Literal["0.1", "0.2", "0.3", "0.4", "0.5", "0.6"]
"""A version ngffkit reads."""
WRITABLE_VERSIONS: Final[tuple[NgffVersion, ...]] = ("0.4", "0.5", "0.6")
READABLE_VERSIONS: Final[tuple[ReadableVersion, ...]] = ("0.1", "0.2", "0.3", "0.4", "0.5", "0.6")
DEFAULT_VERSION: Final[NgffVersion] = "0.5"
ZARR_FORMAT: Final[dict[str, Literal[2, 3]]] = {
    "0.1": 2,
    "0.2": 2,
    "0.3": 2,
    "0.4": 2,
    "0.5": 3,
    "0.6": 3,
}

OME_KINDS: Final = (
    ("multiscales", "image"),
    ("image-label", "label"),
    ("plate", "plate"),
    ("well", "well"),
    ("bioformats2raw.layout", "bf2raw"),
    ("series", "ome"),
    ("scene", "scene"),
    ("labels", "labels"),
)
"""Each OME key that makes a group a node of some kind, and that kind (it names the schema)."""

OME_KEYS: Final = frozenset({key for key, _ in OME_KINDS} | {"omero"})
"""Every key the spec defines inside the OME namespace (``attributes.ome`` from 0.5 on)."""

_VERSION_PREFIX: Final = re.compile(r"^\s*(\d+)\.(\d+)")


def normalize_version(raw: object) -> str | None:
    """``"0.6rc0"`` -> ``"0.6"``, ``"0.5-dev"`` -> ``"0.5"``, ``"0.4.1"`` -> ``"0.4"``; else None.

    Examples
    --------
    >>> normalize_version("0.5-dev"), normalize_version(0.4), normalize_version("latest")
    ('0.5', '0.4', None)
    """
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        return None
    match = _VERSION_PREFIX.match(str(raw))
    return f"{int(match[1])}.{int(match[2])}" if match else None


@overload
def parse_version(version: object, *, writable: Literal[True] = True) -> NgffVersion: ...
@overload
def parse_version(version: object, *, writable: Literal[False]) -> ReadableVersion: ...
@overload
def parse_version(version: object, *, writable: bool) -> ReadableVersion: ...


def parse_version(version: object, *, writable: bool = True) -> ReadableVersion:
    """Normalise a version argument (``"0.5"``, ``0.5``, ``"0.6rc0"``) to ``"0.X"``.

    Raises
    ------
    NgffValueError
        If the version is not one ngffkit can write (or read, with ``writable=False``).

    Examples
    --------
    >>> parse_version(0.4), parse_version("0.6rc0")
    ('0.4', '0.6')
    """
    found = normalize_version(version)
    known: tuple[ReadableVersion, ...] = WRITABLE_VERSIONS if writable else READABLE_VERSIONS
    if found not in known:
        raise NgffValueError(f"version: expected one of {', '.join(known)}, got {version!r}")
    return found


def declared_version(attrs: Mapping[str, Any]) -> tuple[object, tuple[str | int, ...]]:
    """The version a group's attributes declare (raw, maybe None) and the JSON path it was at.

    As ome-ngff-validator: ``ome.version`` when there is an ``ome`` object (0.5+), else the
    first of ``multiscales[0].version``, ``plate.version``, ``well.version`` and
    ``image-label.version`` (0.4 and older).

    Examples
    --------
    >>> declared_version({"ome": {"version": "0.5"}})
    ('0.5', ('ome', 'version'))
    >>> declared_version({"multiscales": [{"version": "0.4"}]})
    ('0.4', ('multiscales', 0, 'version'))
    """
    ome = attrs.get("ome")
    if isinstance(ome, Mapping):
        return ome.get("version"), ("ome", "version")
    multiscales = attrs.get("multiscales")
    first = multiscales[0] if isinstance(multiscales, list) and multiscales else None
    if isinstance(first, Mapping) and first.get("version") is not None:
        return first["version"], ("multiscales", 0, "version")
    for key in ("plate", "well", "image-label"):
        block = attrs.get(key)
        if isinstance(block, Mapping) and block.get("version") is not None:
            return block["version"], (key, "version")
    return None, ()


def detect_version(attrs: Mapping[str, Any], *, zarr_format: int) -> ReadableVersion | None:
    """Return the OME-NGFF version of a group's attributes, or None if there is no OME metadata.

    The declared version (see `declared_version`); else 0.5 for a Zarr v3 ``ome`` object
    without one, and 0.4 for Zarr v2 data that has OME keys but no version.

    Examples
    --------
    >>> detect_version({"ome": {"version": "0.5", "multiscales": []}}, zarr_format=3)
    '0.5'
    >>> detect_version({"multiscales": [{"version": "0.3"}]}, zarr_format=2)
    '0.3'
    """
    declared, _ = declared_version(attrs)
    if declared is not None:
        return parse_version(declared, writable=False)
    if isinstance(attrs.get("ome"), Mapping):
        return None if zarr_format == 2 else "0.5"
    if any(k in attrs for k in ("multiscales", "plate", "well", "labels", "bioformats2raw.layout")):
        return "0.4"
    return None


def ome_namespace(attrs: Mapping[str, Any]) -> tuple[Mapping[str, Any], tuple[str, ...]]:
    """Where a group's OME metadata is, and its JSON path: ``attributes.ome`` when there is an
    ``ome`` object (0.5+), else the attributes themselves (0.4 and older).

    Examples
    --------
    >>> ome_namespace({"ome": {"version": "0.5"}, "other": 1})
    ({'version': '0.5'}, ('ome',))
    >>> ome_namespace({"multiscales": []})
    ({'multiscales': []}, ())
    """
    ome = attrs.get("ome")
    if isinstance(ome, Mapping):
        return ome, ("ome",)
    return attrs, ()


def is_image_attrs(attrs: Mapping[str, Any]) -> bool:
    """Return True if group attributes (any version) describe a multiscale image.

    Examples
    --------
    >>> is_image_attrs({"ome": {"version": "0.5", "multiscales": []}})
    True
    """
    return "multiscales" in attrs or "multiscales" in ome_namespace(attrs)[0]
