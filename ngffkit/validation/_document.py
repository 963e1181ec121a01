"""One attributes document: its version, its OME namespace, the schemas and the rules.

`check_attributes` is what `ngffkit.validate` runs on every group it meets; `validate_mapping`
handles a document given directly (group attributes or a whole ``zarr.json``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np

from ngffkit.spec.rules import ValidationIssue, Where, check_document, issue
from ngffkit.spec.rules.narrow import JSON, as_list, as_map, short
from ngffkit.spec.rules.storage import zarr_format_version
from ngffkit.spec.versions import (
    OME_KEYS,
    OME_KINDS,
    WRITABLE_VERSIONS,
    NgffVersion,
    declared_version,
    normalize_version,
    ome_namespace,
)
from ngffkit.validation._schemas import schema_issues, schema_name

__all__ = ["Doc", "check_attributes", "validate_mapping", "dedupe", "plain", "SUPPORTED_VERSIONS"]

SUPPORTED_VERSIONS: Final[tuple[NgffVersion, ...]] = WRITABLE_VERSIONS
"""The versions validated (the ones ngffkit writes; older ones are read, not validated).
``0.6rc0`` and ``0.6.devN`` validate as 0.6."""


@dataclass(frozen=True)
class Doc:
    """What the checks of one attributes document found, for the hierarchy walk."""

    version: NgffVersion | None
    kinds: tuple[str, ...]
    ns: Mapping[str, JSON]
    ns_loc: Where
    issues: tuple[ValidationIssue, ...]


def check_attributes(
    attrs: Mapping[str, JSON],
    loc: Where,
    *,
    override: NgffVersion | None,
    fallback: NgffVersion,
    zarr_format: int | None,
    strict: bool,
) -> Doc:
    """Schema + semantic checks of one group's attributes (0.4 ``.zattrs``; 0.5+ ``attributes``).

    Examples
    --------
    >>> doc = check_attributes({"ome": {"version": "0.5", "labels": ["a"]}},
    ...                        Where("g/zarr.json", ("attributes",)), override=None,
    ...                        fallback="0.4", zarr_format=3, strict=False)
    >>> doc.version, doc.kinds, doc.issues, str(doc.ns_loc)
    ('0.5', ('labels',), (), 'g/zarr.json#attributes.ome')
    """
    issues: list[ValidationIssue] = []
    declared, declared_at = declared_version(attrs)
    namespaced = isinstance(attrs.get("ome"), Mapping)
    version_loc = loc.at(*declared_at)
    if namespaced and declared is None:
        issues.append(
            issue("version-missing", loc.at("ome"), "attributes.ome MUST contain 'version'")
        )
    if override is not None:
        version = override
        found = normalize_version(declared)
        if declared is not None and found != override:
            issues.append(
                issue(
                    "version-mismatch",
                    version_loc,
                    f"validating as OME-NGFF {override} as asked, but the metadata declares "
                    f"{declared!r}",
                    "warning",
                )
            )
    elif declared is not None:
        found = normalize_version(declared)
        if found not in SUPPORTED_VERSIONS:
            issues.append(
                issue(
                    "version-unsupported",
                    version_loc,
                    f"OME-NGFF version {declared!r} cannot be validated; supported versions are "
                    f"{', '.join(SUPPORTED_VERSIONS)} (and their rc/dev tags)",
                )
            )
            return Doc(None, (), attrs, loc, tuple(issues))
        version = found
    elif namespaced:
        ome = as_map(attrs.get("ome")) or {}
        # Without a version, guess from the content which rules to hold the rest against.
        version = "0.6" if "scene" in ome or _has_coordinate_systems(ome) else "0.5"
    else:
        version = fallback
    if zarr_format is not None:
        issues.extend(zarr_format_version(version, zarr_format, loc, "groups"))
    if version == "0.4":
        ns, ns_loc = attrs, loc
    else:
        ns, inside = ome_namespace(attrs)
        ns_loc = loc.at(*inside)
        outside = sorted(k for k in attrs if k in OME_KEYS)
        if outside:
            found = (
                f"{outside} outside it"
                if inside
                else f"no 'ome' object but top-level keys {outside}"
            )
            issues.append(
                issue(
                    "ome-namespace",
                    loc,
                    f"OME-NGFF {version} keeps all OME metadata under attributes.ome; found {found}",
                )
            )
    kinds = tuple(
        kind for key, kind in OME_KINDS if key in ns and (kind != "scene" or version == "0.6")
    )
    if not kinds:
        issues.append(_no_metadata(ns_loc, ns, version))
        return Doc(version, kinds, ns, ns_loc, tuple(issues))
    for kind in kinds:
        name = schema_name(version, kind, strict=strict)
        if name is not None:
            issues.extend(schema_issues(attrs, loc, version, name))
    issues.extend(check_document(ns, ns_loc, kinds, version))
    return Doc(version, kinds, ns, ns_loc, tuple(dedupe(issues)))


def _has_coordinate_systems(ome: Mapping[str, JSON]) -> bool:
    return any(
        isinstance(ms, Mapping) and "coordinateSystems" in ms
        for ms in as_list(ome.get("multiscales")) or []
    )


def _no_metadata(loc: Where, ns: Mapping[str, JSON], version: NgffVersion) -> ValidationIssue:
    where = "attributes.ome" if version != "0.4" else "the group attributes"
    return issue(
        "no-ome-metadata",
        loc,
        f"no OME-NGFF metadata found in {where}: expected one of 'multiscales', 'plate', 'well', "
        f"'labels', 'image-label', 'bioformats2raw.layout', 'series'"
        f"{', scene' if version == '0.6' else ''}; found keys {sorted(ns)}",
    )


def dedupe(issues: Iterable[ValidationIssue]) -> Iterator[ValidationIssue]:
    """*issues* without repeats (same path, rule and message), in their first order.

    Examples
    --------
    >>> twice = [ValidationIssue("axes", "axes-order", "out of order")] * 2
    >>> len(list(dedupe(twice)))
    1
    """
    seen: set[tuple[str, str, str]] = set()
    for found in issues:
        key = (found.path, found.rule, found.message)
        if key not in seen:
            seen.add(key)
            yield found


# --------------------------------------------------------------------------------------------------
# Mapping input
# --------------------------------------------------------------------------------------------------


def validate_mapping(
    document: Mapping[str, JSON], *, override: NgffVersion | None, strict: bool
) -> tuple[NgffVersion | None, list[ValidationIssue], str]:
    """Check one document: group attributes, or a whole ``zarr.json``; return (version, issues,
    the target's name).

    Examples
    --------
    >>> version, found, target = validate_mapping({"ome": {"version": "0.5", "labels": ["a"]}},
    ...                                           override=None, strict=False)
    >>> version, found, target
    ('0.5', [], '<attributes>')
    """
    issues: list[ValidationIssue] = []
    if "zarr_format" in document and "node_type" in document:
        target, root = "<zarr.json>", Where("")
        zarr_format = document.get("zarr_format")
        if zarr_format != 3:
            issues.append(
                issue(
                    "zarr-metadata",
                    root.at("zarr_format"),
                    f"a zarr.json document must have zarr_format 3, got {short(zarr_format)}",
                )
            )
        if document.get("node_type") != "group":
            issues.append(
                issue(
                    "node-type",
                    root.at("node_type"),
                    f"OME-NGFF metadata lives on groups, got node_type "
                    f"{short(document.get('node_type'))}",
                )
            )
        attrs = as_map(document.get("attributes"))
        if attrs is None:
            issues.append(
                issue(
                    "no-ome-metadata",
                    root.at("attributes"),
                    f"expected an 'attributes' object, got {short(document.get('attributes'))}",
                )
            )
            return override, issues, target
        doc = check_attributes(
            attrs,
            root.at("attributes"),
            override=override,
            fallback="0.5",
            zarr_format=3,
            strict=strict,
        )
    else:
        target = "<attributes>"
        doc = check_attributes(
            document, Where(""), override=override, fallback="0.4", zarr_format=None, strict=strict
        )
    issues.extend(doc.issues)
    return doc.version, issues, target


def plain(value: object) -> JSON:
    """Copy *value* into plain JSON types (tuples become lists, numpy scalars Python numbers).

    Examples
    --------
    >>> plain({"a": (1, np.int64(2))})
    {'a': [1, 2]}
    """
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
