"""Validate OME-Zarr metadata and stores against the OME-NGFF specification; no pixels are read.

[`validate`][ngffkit.validate] takes either a JSON document (group attributes or a whole
`zarr.json`) or a store, and returns a [`ValidationReport`][ngffkit.ValidationReport]. Three
layers of checks run in order:

1. **The official JSON schemas** of the detected version (shipped in ``ngffkit/schemas``), chosen by
   content: image, label, plate, well, bioformats2raw, OME series, scene. ``strict=True`` picks the
   ``strict_*`` schemas, which also require the SHOULD-level keys (``name``, ``type``, ...).
2. **The rules JSON Schema cannot express** (spec-notes section 7): axis order and counts, unique
   names, transform order and vector lengths, resolution order of the levels, omero colours, label
   values, plate well paths, 0.6 coordinate systems.
3. **For stores, the hierarchy**: every level exists and is an array with ``ndim == len(axes)``,
   dtypes agree, 0.5+ ``dimension_names`` match the axes, 0.4 chunk keys are nested, the Zarr format
   follows the OME-Zarr version, labels have as many levels as their image, plates and wells lead
   to images.

Every issue carries a stable kebab-case ``rule`` id (``"axes-order"``, ``"level-dtype"`` ...) and a
``path`` naming the file and the JSON path, so tools can filter and people can find the problem.
The rules are those of the catalogue in `ngffkit.spec.rules`, the same checks the spec's
dataclasses run when metadata is decoded.

The package: `_report` (the report), `_schemas` (the JSON schemas), `_document` (one attributes
document), `_walk`, `_nodes` and `_levels` (the store hierarchy).

Examples
--------
>>> scale = {"type": "scale", "scale": [1, 1]}
>>> attrs = {"multiscales": [{"version": "0.4",
...     "axes": [{"name": "x", "type": "space"}, {"name": "y", "type": "space"}],
...     "datasets": [{"path": "0", "coordinateTransformations": [scale]}],
... }]}
>>> validate(attrs).ok
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ngffkit.errors import NgffValueError
from ngffkit.io.stores import is_store_mapping
from ngffkit.spec.rules import Severity, ValidationIssue
from ngffkit.spec.versions import NgffVersion, normalize_version
from ngffkit.validation._document import SUPPORTED_VERSIONS, plain, validate_mapping
from ngffkit.validation._report import ValidationReport
from ngffkit.validation._walk import validate_store

if TYPE_CHECKING:
    from ngffkit.io.stores import StoreLike

__all__ = ["Severity", "ValidationIssue", "ValidationReport", "validate", "SUPPORTED_VERSIONS"]


def validate(
    target: StoreLike | Mapping[str, Any],
    *,
    version: NgffVersion | str | None = None,
    strict: bool = False,
    raise_on_error: bool = False,
    chunks: bool = False,
    storage_options: dict[str, Any] | None = None,
) -> ValidationReport:
    """Validate OME-Zarr metadata or a whole store; only metadata is read, never pixels.

    Parameters
    ----------
    target
        A mapping - group attributes (0.4 `.zattrs` content, 0.5+ `{"ome": {...}}`) or a whole
        `zarr.json` group document - or a store: local path, fsspec URL or `FSMap`, a dict
        of zarr keys to bytes, zarr `Store`, `StorePath` or `Group`. Stores are walked:
        levels, labels, wells and fields of view.
    version
        Validate as this OME-NGFF version (`"0.4"`, `"0.5"`, `"0.6"`; rc/dev tags allowed)
        instead of the version the metadata declares.
    strict
        Use the `strict_*` schemas, which also require the SHOULD-level keys (multiscale `name`,
        `type` and `metadata`, `image-label.colors`, plate `name`, ...).
    raise_on_error
        Raise instead of returning a report with errors (see
        [`ValidationReport.raise_for_errors`][ngffkit.ValidationReport.raise_for_errors]).
    chunks
        Also list the store's keys and check every chunk (or shard) key that each level's
        metadata implies is there (rule ``chunks-missing``: a count and the first keys per
        level), so a half-copied store is not reported valid. Zarr reads a missing chunk as
        the fill value; label images are written without their all-background chunks, so
        gaps there are warnings. Costs one listing of the store.
    storage_options
        Passed to fsspec for URL targets.

    Returns
    -------
    ValidationReport
        Errors and warnings, each with a rule id and a path.

    Raises
    ------
    NgffNotFoundError
        If *target* is a store with nothing in it.
    NgffValueError
        If *version* is not a supported version.
    NgffValidationError
        If *raise_on_error* is true and there are errors.

    Examples
    --------
    >>> level = {"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [1, 1]}]}
    >>> axes = [{"name": name, "type": "space"} for name in "zyx"]
    >>> attrs = {"ome": {"version": "0.5", "multiscales": [{"axes": axes, "datasets": [level]}]}}
    >>> report = validate(attrs)
    >>> [issue.rule for issue in report.errors]
    ['dataset-scale-length']
    >>> print(report.errors[0].message)  # doctest: +NORMALIZE_WHITESPACE
    ome.multiscales[0].datasets[0].coordinateTransformations[0].scale:
    expected 3 values (one per axis z, y, x), got 2: [1, 1]
    """
    override = _parse_version_argument(version)
    covered: tuple[str, ...] = ()
    if isinstance(target, Mapping) and not is_store_mapping(target):
        found, issues, where = validate_mapping(plain(target), override=override, strict=strict)
    else:
        found, issues, where, covered = validate_store(
            target,
            override=override,
            strict=strict,
            chunks=chunks,
            storage_options=storage_options,
        )
    report = ValidationReport(
        version=found,
        errors=tuple(i for i in issues if i.severity == "error"),
        warnings=tuple(i for i in issues if i.severity == "warning"),
        target=where,
        covered=covered,
    )
    if raise_on_error:
        report.raise_for_errors()
    return report


def _parse_version_argument(version: object) -> NgffVersion | None:
    if version is None:
        return None
    found = normalize_version(version)
    if found not in SUPPORTED_VERSIONS:
        msg = (
            f"version: expected one of {', '.join(SUPPORTED_VERSIONS)} (rc/dev tags such as "
            f"'0.6rc0' allowed), got {version!r}"
        )
        raise NgffValueError(msg)
    return found
