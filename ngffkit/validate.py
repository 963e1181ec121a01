"""Validate OME-Zarr metadata and stores against the OME-NGFF specification; no pixels are read.

[`validate`][ngffkit.validate.validate] takes either a JSON document (group attributes or a whole
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

import functools
import html
import itertools
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias, TypeGuard

import numpy as np
import zarr
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from zarr.errors import ContainsArrayError, ContainsGroupError
from zarr.storage import LocalStore, StorePath

from ngffkit.errors import (
    NgffIncompleteStoreError,
    NgffNotFoundError,
    NgffValidationError,
    NgffValueError,
)
from ngffkit.io.stores import (
    METADATA_ERRORS,
    describe_store,
    is_store_mapping,
    join_path,
    open_store,
)
from ngffkit.spec._parse import finite, non_finite
from ngffkit.spec.versions import WRITABLE_VERSIONS

if TYPE_CHECKING:
    from ngffkit.io.stores import StoreLike

__all__ = ["Severity", "ValidationIssue", "ValidationReport", "validate", "SUPPORTED_VERSIONS"]

Severity: TypeAlias = Literal["error", "warning"]

SUPPORTED_VERSIONS: Final = WRITABLE_VERSIONS
"""The versions validated (the ones ngffkit writes; older ones are read, not validated)."""
"""OME-NGFF versions whose schemas ship with ngffkit. ``0.6rc0``/``0.6.devN`` validate as 0.6."""

JSON: TypeAlias = Any
"""A decoded JSON value (dict, list, str, int, float, bool or None)."""


# --------------------------------------------------------------------------------------------------
# Public values
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValidationIssue:
    """One broken rule: where, which rule, and a message saying what was expected and found.

    Examples
    --------
    >>> issue = ValidationIssue("ome.multiscales[0].axes", "axes-order", "axes out of order")
    >>> issue.severity
    'error'
    """

    path: str
    """File and JSON path, e.g. `/data/img.zarr/zarr.json#attributes.ome.multiscales[0].axes`."""
    rule: str
    """Stable kebab-case rule id, e.g. `"axes-order"` or `"schema"`."""
    message: str
    """Human-readable sentence; it starts with [`path`][ngffkit.ValidationIssue.path]."""
    severity: Severity = "error"
    """`"error"` breaks a MUST of the spec; `"warning"` a SHOULD or a convention."""


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of [`validate`][ngffkit.validate.validate]: errors and warnings for one target.

    Examples
    --------
    >>> report = validate({"multiscales": []}, version="0.4")
    >>> report.ok
    False
    >>> report.raise_for_errors()
    Traceback (most recent call last):
    ...
    ngffkit.errors.NgffValidationError: 1 OME-NGFF 0.4 error in <attributes>: ...
    """

    version: str | None
    """The version validated against (`"0.4"`, `"0.5"`, `"0.6"`), or None if unknown."""
    errors: tuple[ValidationIssue, ...]
    warnings: tuple[ValidationIssue, ...]
    target: str
    """What was validated: a store location, `<attributes>` or `<zarr.json>`."""

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings do not count)."""
        return not self.errors

    def raise_for_errors(self) -> None:
        """Raise [`NgffValidationError`][ngffkit.NgffValidationError] listing every error, if any.

        `rule` and `path` of the exception are those of the first error. A store whose arrays
        exist without OME metadata raises the subclass
        [`NgffIncompleteStoreError`][ngffkit.NgffIncompleteStoreError].
        """
        if not self.errors:
            return
        first = self.errors[0]
        count = len(self.errors)
        noun = "error" if count == 1 else "errors"
        lines = [f"{count} OME-NGFF {self.version or '?'} {noun} in {self.target}:"]
        lines += [f"  [{issue.rule}] {issue.message}" for issue in self.errors]
        message = "\n".join(lines) if count > 1 else f"{lines[0]} [{first.rule}] {first.message}"
        cls = (
            NgffIncompleteStoreError
            if any(issue.rule == "no-ome-metadata" for issue in self.errors)
            else NgffValidationError
        )
        raise cls(message, rule=first.rule, path=first.path)

    def __str__(self) -> str:
        version = self.version or "unknown version"
        head = (
            f"OME-NGFF {version} validation of {self.target}: "
            f"{_plural(len(self.errors), 'error')}, {_plural(len(self.warnings), 'warning')}"
        )
        if self.ok and not self.warnings:
            return f"{head} - valid"
        body = [f"  {i.severity:<7} [{i.rule}] {i.message}" for i in (*self.errors, *self.warnings)]
        return "\n".join([head, *body])

    def _repr_html_(self) -> str:
        colour = "#2e7d32" if self.ok else "#c62828"
        verdict = "valid" if self.ok else "invalid"
        head = (
            f"<p><b>OME-NGFF {html.escape(self.version or '?')}</b> validation of "
            f"<code>{html.escape(self.target)}</code>: "
            f'<span style="color:{colour}"><b>{verdict}</b></span> '
            f"({_plural(len(self.errors), 'error')}, {_plural(len(self.warnings), 'warning')})</p>"
        )
        issues = (*self.errors, *self.warnings)
        if not issues:
            return head
        rows = "".join(
            "<tr>"
            f"<td>{html.escape(i.severity)}</td><td><code>{html.escape(i.rule)}</code></td>"
            f'<td><code style="word-break:break-all">{html.escape(i.path)}</code></td>'
            f"<td>{html.escape(i.message)}</td>"
            "</tr>"
            for i in issues
        )
        table = (
            "<table><thead><tr><th>severity</th><th>rule</th><th>path</th><th>message</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>"
        )
        return head + table


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


# --------------------------------------------------------------------------------------------------
# Locations and issues
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Loc:
    """A position inside one JSON document: the file it came from plus the keys leading to it."""

    file: str
    parts: tuple[str | int, ...] = ()

    def at(self, *parts: str | int) -> _Loc:
        return _Loc(self.file, (*self.parts, *parts))

    @property
    def pointer(self) -> str:
        text = ""
        for part in self.parts:
            if isinstance(part, int):
                text += f"[{part}]"
            elif re.fullmatch(r"[A-Za-z0-9_\-]+", part):
                text += f".{part}" if text else part
            else:
                text += f"[{json.dumps(part)}]"
        return text

    def __str__(self) -> str:
        pointer = self.pointer
        if self.file and pointer:
            return f"{self.file}#{pointer}"
        return self.file or pointer or "<root>"


def _issue(loc: _Loc, rule: str, text: str, severity: Severity = "error") -> ValidationIssue:
    return ValidationIssue(path=str(loc), rule=rule, message=f"{loc}: {text}", severity=severity)


def _short(value: object, limit: int = 80) -> str:
    text = json.dumps(value, default=repr) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------------------------------
# JSON helpers: JSON from users and stores is untrusted, so every access is narrowed first
# --------------------------------------------------------------------------------------------------


def _plain(value: object) -> JSON:
    """Copy *value* into plain JSON types (tuples become lists, numpy scalars Python numbers)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _as_map(value: object) -> Mapping[str, JSON] | None:
    return value if isinstance(value, Mapping) else None


def _as_list(value: object) -> list[JSON] | None:
    return value if isinstance(value, list) else None


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and finite(value)


def _check_numbers(ns: Mapping[str, JSON], loc: _Loc) -> Iterator[ValidationIssue]:
    """Every NaN, Infinity or float-overflowing integer anywhere in the document.

    JSON has neither NaN nor Infinity (Python's json reads and writes them anyway), and the
    readers refuse such numbers wherever they expect one: one rule for the whole document.
    """
    for parts, value in non_finite(ns):
        shown = "an integer too large for a float" if isinstance(value, int) else repr(value)
        yield _issue(
            loc.at(*parts),
            "number-finite",
            f"expected a finite number (JSON has no NaN or Infinity), got {shown}",
        )


def _numbers(value: object) -> list[float] | None:
    items = _as_list(value)
    if items is None or not all(_is_number(v) for v in items):
        return None
    return [float(v) for v in items]


def _duplicates(values: Iterable[object]) -> list[object]:
    seen: list[object] = []
    dups: list[object] = []
    for value in values:
        if value in seen and value not in dups:
            dups.append(value)
        seen.append(value)
    return dups


# --------------------------------------------------------------------------------------------------
# Versions
# --------------------------------------------------------------------------------------------------

_VERSION_PREFIX: Final = re.compile(r"^\s*(\d+)\.(\d+)")


def _normalize_version(raw: object) -> str | None:
    """Map ``"0.6rc0"`` to ``"0.6"``, ``"0.5-dev"`` to ``"0.5"``, ``"0.4.1"`` to ``"0.4"``."""
    if not isinstance(raw, str):
        return None
    match = _VERSION_PREFIX.match(raw)
    return f"{int(match[1])}.{int(match[2])}" if match else None


def _declared_version(attrs: Mapping[str, JSON]) -> tuple[object, bool, tuple[str | int, ...]]:
    """Return (declared version or None, whether an ``ome`` namespace exists, where it was found).

    Detection as in spec-notes section 0 (and ome-ngff-validator): ``ome.version``; else
    ``multiscales[0].version``, ``plate.version``, ``well.version``.
    """
    ome = _as_map(attrs.get("ome"))
    if ome is not None:
        return ome.get("version"), True, ("ome", "version")
    multiscales = _as_list(attrs.get("multiscales"))
    if multiscales and isinstance(multiscales[0], Mapping) and "version" in multiscales[0]:
        return multiscales[0]["version"], False, ("multiscales", 0, "version")
    for key in ("plate", "well"):
        node = _as_map(attrs.get(key))
        if node is not None and "version" in node:
            return node["version"], False, (key, "version")
    return None, False, ()


# --------------------------------------------------------------------------------------------------
# Schemas
# --------------------------------------------------------------------------------------------------

_KINDS: Final = (
    ("multiscales", "image"),
    ("image-label", "label"),
    ("plate", "plate"),
    ("well", "well"),
    ("bioformats2raw.layout", "bf2raw"),
    ("series", "ome"),
    ("scene", "scene"),
    ("labels", "labels"),
)
"""OME key -> node kind; the kind names the schema file (``labels`` groups have no schema)."""

_OME_KEYS: Final = frozenset({key for key, _ in _KINDS} | {"omero"})


@functools.cache
def _registry(version: str) -> tuple[Registry[JSON], Mapping[str, str]]:
    """Every schema of *version*, registered by ``$id``; plus file stem -> ``$id``."""
    folder = resources.files("ngffkit").joinpath("schemas").joinpath(version)
    ids: dict[str, str] = {}
    entries: list[tuple[str, Resource[JSON]]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".schema"):
            continue
        contents = json.loads(entry.read_text(encoding="utf-8"))
        schema_id = contents["$id"]
        ids[entry.name.removesuffix(".schema")] = schema_id
        # The strict 0.4/0.5 schemas have no "$schema": tell referencing which draft they are.
        resource = Resource.from_contents(contents, default_specification=DRAFT202012)
        entries.append((schema_id, resource))
    registry: Registry[JSON] = Registry().with_resources(entries).crawl()
    return registry, ids


@functools.cache
def _validator(version: str, name: str) -> Draft202012Validator | None:
    registry, ids = _registry(version)
    if name not in ids:
        return None
    return Draft202012Validator(registry.contents(ids[name]), registry=registry)


def _schema_name(version: str, kind: str, *, strict: bool) -> str | None:
    _, ids = _registry(version)
    if strict and f"strict_{kind}" in ids:
        return f"strict_{kind}"
    return kind if kind in ids else None


def _describe_schema_error(error: ValidationError, loc: _Loc) -> str:
    if error.context:
        closest = best_match(error.context)
        where = loc.at(*closest.absolute_path).pointer or "<root>"
        return (
            f"matches none of the allowed forms ({error.validator}); closest: {where}: "
            f"{_trim(closest.message)}"
        )
    return _trim(error.message)


def _trim(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _schema_issues(
    document: Mapping[str, JSON], loc: _Loc, version: str, name: str
) -> Iterator[ValidationIssue]:
    validator = _validator(version, name)
    if validator is None:
        return
    errors = sorted(
        validator.iter_errors(document),
        key=lambda e: (_Loc("", tuple(e.absolute_path)).pointer, e.message),
    )
    for error in errors:
        schema_path = "/".join(str(p) for p in error.absolute_schema_path)
        yield _issue(
            loc.at(*error.absolute_path),
            "schema",
            f"{_describe_schema_error(error, loc)} "
            f"(JSON schema {version}/{name}.schema, keyword {error.validator!r} at {schema_path})",
        )


# --------------------------------------------------------------------------------------------------
# Semantic rules on JSON (spec-notes section 7)
# --------------------------------------------------------------------------------------------------

# The UDUNITS-2 names the spec lists for space and time axes (0.4 to 0.6 use the same lists).
SPACE_UNITS: Final = frozenset(
    {
        *("angstrom", "attometer", "centimeter", "decimeter", "exameter", "femtometer", "foot"),
        *("gigameter", "hectometer", "inch", "kilometer", "megameter", "meter", "micrometer"),
        *("mile", "millimeter", "nanometer", "parsec", "petameter", "picometer", "terameter"),
        *("yard", "yoctometer", "yottameter", "zeptometer", "zettameter"),
    }
)
TIME_UNITS: Final = frozenset(
    {
        *("attosecond", "centisecond", "day", "decisecond", "exasecond", "femtosecond"),
        *("gigasecond", "hectosecond", "hour", "kilosecond", "megasecond", "microsecond"),
        *("millisecond", "minute", "nanosecond", "petasecond", "picosecond", "second"),
        *("terasecond", "yoctosecond", "yottasecond", "zeptosecond", "zettasecond"),
    }
)
# 0.6 axis types that describe array indices or vector components, not the image's dimensions in
# the 0.4 sense; the time -> channel -> space ordering does not apply to them.
_EXEMPT_AXIS_TYPES: Final = frozenset({"array", "displacement", "coordinate"})
_HEX_COLOR: Final = re.compile(r"^[0-9A-Fa-f]{6}$")
_ALNUM: Final = re.compile(r"^[A-Za-z0-9]+$")
_NODE_NAME_06: Final = re.compile(r"^[A-Za-z0-9_.\-]+$")


@dataclass(frozen=True)
class _Ctx:
    version: str
    strict: bool


def _axis_rank(axis_type: object) -> int:
    if axis_type == "time":
        return 0
    if axis_type == "space":
        return 2
    return 1  # channel or custom / untyped


def _check_axes(axes_value: object, loc: _Loc, ctx: _Ctx) -> Iterator[ValidationIssue]:
    """2-5 axes, 2-3 space, <=1 time, <=1 channel/custom, order time -> channel -> space, names."""
    axes = _as_list(axes_value)
    if axes is None:
        return
    dicts = [a for a in axes if isinstance(a, Mapping)]
    if len(dicts) != len(axes):
        return  # the schema reports non-object axes
    names = [a.get("name") for a in dicts]
    if not 2 <= len(axes) <= 5:
        yield _issue(loc, "axes-count", f"expected 2 to 5 axes, got {len(axes)}: {_short(names)}")
    dups = _duplicates(n for n in names if n is not None)
    if dups:
        yield _issue(
            loc,
            "axes-unique-names",
            f"axis names must be unique, got {_short(names)} ({dups} repeated)",
        )
    yield from _check_axis_units(dicts, loc)
    types = [a.get("type") for a in dicts]
    if ctx.version == "0.6":
        if all(t in _EXEMPT_AXIS_TYPES for t in types):
            return  # an array/vector-field coordinate system (the schema's alternative)
        kept = [(n, t) for n, t in zip(names, types, strict=True) if t not in _EXEMPT_AXIS_TYPES]
    else:
        kept = list(zip(names, types, strict=True))
    n_space = sum(1 for _, t in kept if t == "space")
    if ctx.version != "0.6" and not 2 <= n_space <= 3:
        # 0.6's schema checks this already, with the "array axes" alternative.
        yield _issue(
            loc, "axes-space-count", f"expected 2 or 3 axes of type 'space', got {n_space}"
        )
    n_time = sum(1 for _, t in kept if t == "time")
    if n_time > 1:
        yield _issue(loc, "axes-time-count", f"expected at most one 'time' axis, got {n_time}")
    others = [n for n, t in kept if _axis_rank(t) == 1]
    if len(others) > 1:
        yield _issue(
            loc,
            "axes-channel-count",
            f"expected at most one 'channel' or custom-type axis, got {len(others)}: "
            f"{_short(others)}",
        )
    ranks = [_axis_rank(t) for _, t in kept]
    if ranks != sorted(ranks):
        order = [f"{n}:{t if t is not None else 'untyped'}" for n, t in kept]
        yield _issue(
            loc,
            "axes-order",
            f"axes must be ordered time -> channel/custom -> space, got {_short(order, 120)}",
        )


def _check_axis_units(axes: Sequence[Mapping[str, JSON]], loc: _Loc) -> Iterator[ValidationIssue]:
    for i, axis in enumerate(axes):
        unit, axis_type = axis.get("unit"), axis.get("type")
        if unit is not None and not isinstance(unit, str):
            yield _issue(
                loc.at(i, "unit"),
                "axis-unit-type",
                f"expected a unit name (a string), got {_short(unit)}",
            )
            continue
        if not isinstance(unit, str):
            continue
        if axis_type == "space" and unit not in SPACE_UNITS:
            hint = " (a time unit)" if unit in TIME_UNITS else ""
            yield _issue(
                loc.at(i, "unit"),
                "axis-unit",
                f"space axis {axis.get('name')!r} SHOULD use a UDUNITS-2 length unit such as "
                f"'micrometer', got {unit!r}{hint}",
                "warning",
            )
        elif axis_type == "time" and unit not in TIME_UNITS:
            hint = " (a space unit)" if unit in SPACE_UNITS else ""
            yield _issue(
                loc.at(i, "unit"),
                "axis-unit",
                f"time axis {axis.get('name')!r} SHOULD use a UDUNITS-2 time unit such as "
                f"'second', got {unit!r}{hint}",
                "warning",
            )


def _check_transform_list(
    value: object, loc: _Loc, ndim: int | None, axis_names: Sequence[object], scope: str
) -> Iterator[ValidationIssue]:
    """0.4/0.5: one scale, first; at most one translation, after it; lengths == len(axes)."""
    items = _as_list(value)
    if items is None or not items or not all(isinstance(t, Mapping) for t in items):
        return  # the schema reports missing/empty/non-object lists
    types = [t.get("type") for t in items]
    for i, kind in enumerate(types):
        if kind not in ("scale", "translation"):
            yield _issue(
                loc.at(i, "type"),
                f"{scope}-transform-types",
                f"only 'scale' and 'translation' are allowed here, got {kind!r}",
            )
    n_scale = types.count("scale")
    if n_scale != 1:
        yield _issue(
            loc, f"{scope}-scale-count", f"expected exactly one 'scale' transform, got {n_scale}"
        )
    elif types[0] != "scale":
        yield _issue(
            loc,
            f"{scope}-transform-order",
            f"the 'scale' transform must come first, got the order {types}",
        )
    n_translation = types.count("translation")
    if n_translation > 1:
        yield _issue(
            loc,
            f"{scope}-translation-count",
            f"expected at most one 'translation' transform, got {n_translation}",
        )
    for i, item in enumerate(items):
        kind = item.get("type")
        if kind in ("scale", "translation"):
            yield from _check_vector(item.get(kind), loc.at(i, kind), ndim, axis_names, scope, kind)


def _check_vector(
    value: object,
    loc: _Loc,
    ndim: int | None,
    axis_names: Sequence[object],
    scope: str,
    kind: str,
) -> Iterator[ValidationIssue]:
    vector = _numbers(value)
    if vector is None:
        return  # the schema reports non-numeric vectors and the path form
    if ndim is not None and len(vector) != ndim:
        yield _issue(
            loc,
            f"{scope}-{kind}-length",
            f"expected {ndim} values (one per axis {', '.join(map(str, axis_names))}), "
            f"got {len(vector)}: {_short(value)}",
        )
    if kind == "scale":
        bad = [v for v in vector if v <= 0]
        if bad:
            yield _issue(
                loc, f"{scope}-scale-positive", f"scale factors must be > 0, got {_short(value)}"
            )


def _first_scale(transforms: object) -> list[float] | None:
    items = _as_list(transforms)
    if not items:
        return None
    for item in items:
        if isinstance(item, Mapping) and item.get("type") == "scale":
            return _numbers(item.get("scale"))
    return None


def _check_datasets_order(
    scales: Sequence[tuple[int, list[float] | None]],
    loc: _Loc,
    axis_names: Sequence[object],
    ndim: int | None,
) -> Iterator[ValidationIssue]:
    """Levels go from high to low resolution: every per-axis scale is non-decreasing."""
    known = [(i, s) for i, s in scales if s is not None and (ndim is None or len(s) == ndim)]
    for (i, prev), (j, cur) in itertools.pairwise(known):
        if len(prev) != len(cur):
            continue
        for d, (a, b) in enumerate(zip(prev, cur, strict=True)):
            if b < a:
                name = axis_names[d] if d < len(axis_names) else d
                yield _issue(
                    loc.at(j),
                    "datasets-order",
                    f"datasets must be ordered from highest to lowest resolution: the scale of "
                    f"axis {name!r} decreases from {a:g} (datasets[{i}]) to {b:g} (datasets[{j}])",
                )
                break


def _check_dataset_paths(datasets: Sequence[JSON], loc: _Loc) -> Iterator[ValidationIssue]:
    paths = [d.get("path") for d in datasets if isinstance(d, Mapping)]
    dups = _duplicates(p for p in paths if isinstance(p, str))
    if dups:
        yield _issue(
            loc, "dataset-path-unique", f"dataset paths must be unique, got {_short(paths)}"
        )


def _check_multiscale_v04(
    ms: Mapping[str, JSON], loc: _Loc, ctx: _Ctx
) -> Iterator[ValidationIssue]:
    axes = _as_list(ms.get("axes"))
    axis_names = [a.get("name") for a in axes or [] if isinstance(a, Mapping)]
    ndim = len(axes) if axes is not None else None
    yield from _check_axes(ms.get("axes"), loc.at("axes"), ctx)
    datasets = _as_list(ms.get("datasets")) or []
    scales: list[tuple[int, list[float] | None]] = []
    for j, dataset in enumerate(datasets):
        if not isinstance(dataset, Mapping):
            continue
        transforms = dataset.get("coordinateTransformations")
        yield from _check_transform_list(
            transforms,
            loc.at("datasets", j, "coordinateTransformations"),
            ndim,
            axis_names,
            "dataset",
        )
        scales.append((j, _first_scale(transforms)))
    yield from _check_dataset_paths(datasets, loc.at("datasets"))
    yield from _check_datasets_order(scales, loc.at("datasets"), axis_names, ndim)
    if "coordinateTransformations" in ms:
        yield from _check_transform_list(
            ms["coordinateTransformations"],
            loc.at("coordinateTransformations"),
            ndim,
            axis_names,
            "multiscale",
        )


# --- 0.6: coordinate systems and transformations (RFC-5) -----------------------------------------


def _io_field(transform: Mapping[str, JSON], side: str, key: str) -> object:
    node = _as_map(transform.get(side))
    return node.get(key) if node is not None else None


def _system_dims(systems: Mapping[str, Mapping[str, JSON]], name: object) -> int | None:
    if not isinstance(name, str) or name not in systems:
        return None
    axes = _as_list(systems[name].get("axes"))
    return len(axes) if axes is not None else None


def _check_transform_dims(
    transform: Mapping[str, JSON], loc: _Loc, n_in: int | None, n_out: int | None
) -> Iterator[ValidationIssue]:
    """Parameter shapes agree with the input/output coordinate systems, when both are known."""
    kind = transform.get("type")
    if kind in ("scale", "translation"):
        vector = _as_list(transform.get(str(kind)))
        if vector is not None and n_in is not None and len(vector) != n_in:
            yield _issue(
                loc.at(str(kind)),
                "transform-dims",
                f"a {kind} between systems of {n_in} dimensions needs {n_in} values, "
                f"got {len(vector)}",
            )
        if n_in is not None and n_out is not None and n_in != n_out:
            yield _issue(
                loc,
                "transform-dims",
                f"a {kind} maps n dimensions to n, but the input system has {n_in} and the "
                f"output system {n_out}",
            )
    elif kind == "identity" and n_in is not None and n_out is not None and n_in != n_out:
        yield _issue(
            loc,
            "transform-dims",
            f"identity needs equal dimensions, input has {n_in}, output {n_out}",
        )
    elif kind == "mapAxis":
        mapping = _as_list(transform.get("mapAxis"))
        if mapping is not None and n_out is not None and len(mapping) != n_out:
            yield _issue(
                loc.at("mapAxis"),
                "transform-dims",
                f"mapAxis needs one entry per output axis ({n_out}), got {len(mapping)}",
            )
        if mapping is not None and n_in is not None:
            bad = [m for m in mapping if _is_int(m) and not 0 <= m < n_in]
            if bad:
                yield _issue(
                    loc.at("mapAxis"),
                    "transform-dims",
                    f"mapAxis indices must name one of the {n_in} input axes, got {bad}",
                )
    elif kind == "affine":
        matrix = _as_list(transform.get("affine"))
        rows = [_as_list(r) for r in matrix or []]
        if matrix is not None and n_in is not None and n_out is not None and all(rows):
            shape_ok = len(matrix) in (n_out, n_out + 1) and all(
                len(r or []) == n_in + 1 for r in rows
            )
            if not shape_ok:
                shape = f"{len(matrix)}x{len(rows[0] or []) if rows else 0}"
                yield _issue(
                    loc.at("affine"),
                    "transform-dims",
                    f"an affine from {n_in} to {n_out} dimensions must be "
                    f"{n_out}x{n_in + 1} (or {n_out + 1}x{n_in + 1}), got {shape}",
                )
    elif kind == "rotation":
        matrix = _as_list(transform.get("rotation"))
        if matrix is not None and n_in is not None and len(matrix) != n_in:
            yield _issue(
                loc.at("rotation"),
                "transform-dims",
                f"a rotation of {n_in} dimensions must be {n_in}x{n_in}, got {len(matrix)} rows",
            )
    elif kind == "byDimension":
        yield from _check_by_dimension(transform, loc, n_in, n_out)
    elif kind == "sequence" and n_in is not None and n_in == n_out:
        for i, item in enumerate(_as_list(transform.get("transformations")) or []):
            if (
                isinstance(item, Mapping)
                and item.get("type") in ("scale", "translation", "rotation")
                # An item with inputAxes acts on a subspace (pre-byDimension form): skip it.
                and "inputAxes" not in item
            ):
                yield from _check_transform_dims(item, loc.at("transformations", i), n_in, n_out)


def _check_by_dimension(
    transform: Mapping[str, JSON], loc: _Loc, n_in: int | None, n_out: int | None
) -> Iterator[ValidationIssue]:
    """Each output axis is written by at most one part; indices name existing axes."""
    parts = _as_list(transform.get("transformations")) or []
    written: list[int] = []
    for i, part in enumerate(parts):
        if not isinstance(part, Mapping):
            continue
        for key, limit in (("inputAxes", n_in), ("outputAxes", n_out)):
            indices = _as_list(part.get(key)) or []
            if limit is not None:
                bad = [k for k in indices if _is_number(k) and not 0 <= k < limit]
                if bad:
                    yield _issue(
                        loc.at("transformations", i, key),
                        "transform-bydimension",
                        f"{key} must index the {limit} axes of the "
                        f"{'input' if key == 'inputAxes' else 'output'} system, got {bad}",
                    )
        outputs = [int(k) for k in _as_list(part.get("outputAxes")) or [] if _is_number(k)]
        repeated = sorted(set(outputs) & set(written))
        if repeated:
            yield _issue(
                loc.at("transformations", i, "outputAxes"),
                "transform-bydimension",
                f"output axes {repeated} are already written by an earlier part of this "
                "byDimension",
            )
        written += outputs
        inner = _as_map(part.get("transformation"))
        inputs = _as_list(part.get("inputAxes"))
        if (
            inner is not None
            and inputs is not None
            and inner.get("type") in ("scale", "translation")
        ):
            yield from _check_transform_dims(
                inner, loc.at("transformations", i, "transformation"), len(inputs), len(outputs)
            )


def _check_coordinate_systems(
    value: object, loc: _Loc, ctx: _Ctx
) -> tuple[dict[str, Mapping[str, JSON]], list[ValidationIssue]]:
    issues: list[ValidationIssue] = []
    systems: dict[str, Mapping[str, JSON]] = {}
    items = _as_list(value) or []
    names = [s.get("name") for s in items if isinstance(s, Mapping)]
    dups = _duplicates(n for n in names if isinstance(n, str))
    if dups:
        issues.append(
            _issue(
                loc,
                "coordinate-system-unique-names",
                f"coordinate system names must be unique, got {_short(names)}",
            )
        )
    for i, system in enumerate(items):
        if not isinstance(system, Mapping):
            continue
        name = system.get("name")
        if isinstance(name, str):
            systems.setdefault(name, system)
        issues.extend(_check_axes(system.get("axes"), loc.at(i, "axes"), ctx))
    return systems, issues


@dataclass(frozen=True)
class _Vector:
    kind: str
    values: list[float] | None
    loc: _Loc


def _dataset_transform_v06(
    transform: Mapping[str, JSON], loc: _Loc, dataset_path: object
) -> tuple[list[_Vector], list[ValidationIssue]]:
    """Return the scale/translation vectors and the issues of one 0.6 per-dataset transform."""
    issues: list[ValidationIssue] = []
    vectors: list[_Vector] = []
    kind = transform.get("type")
    if kind == "scale":
        vectors.append(_Vector("scale", _numbers(transform.get("scale")), loc.at("scale")))
    elif kind == "sequence":
        inner = _as_list(transform.get("transformations")) or []
        kinds = [t.get("type") if isinstance(t, Mapping) else None for t in inner]
        if kinds != ["scale", "translation"]:
            issues.append(
                _issue(
                    loc.at("transformations"),
                    "dataset-transform-order",
                    f"a dataset's sequence must be exactly [scale, translation], got {kinds}",
                )
            )
        for k, item in enumerate(inner):
            item_kind = item.get("type") if isinstance(item, Mapping) else None
            if isinstance(item, Mapping) and item_kind in ("scale", "translation"):
                values = _numbers(item.get(str(item_kind)))
                vectors.append(
                    _Vector(str(item_kind), values, loc.at("transformations", k, str(item_kind)))
                )
    elif kind != "identity":
        issues.append(
            _issue(
                loc.at("type"),
                "dataset-transform-types",
                f"a dataset transform must be 'scale', 'identity' or a 'sequence' of scale and "
                f"translation, got {kind!r}",
            )
        )
    input_path = _io_field(transform, "input", "path")
    if isinstance(dataset_path, str) and isinstance(input_path, str) and input_path != dataset_path:
        issues.append(
            _issue(
                loc.at("input", "path"),
                "dataset-transform-input",
                f"the input of a dataset's transform must be the dataset itself "
                f"({dataset_path!r}), got {input_path!r}",
            )
        )
    return vectors, issues


def _check_multiscale_v06(
    ms: Mapping[str, JSON], loc: _Loc, ctx: _Ctx
) -> Iterator[ValidationIssue]:
    systems, issues = _check_coordinate_systems(
        ms.get("coordinateSystems"), loc.at("coordinateSystems"), ctx
    )
    yield from issues
    datasets = _as_list(ms.get("datasets")) or []
    outputs: list[tuple[int, str]] = []
    parsed: list[tuple[int, list[_Vector]]] = []
    for j, dataset in enumerate(datasets):
        if not isinstance(dataset, Mapping):
            continue
        transforms = _as_list(dataset.get("coordinateTransformations"))
        if not transforms or not isinstance(transforms[0], Mapping):
            continue  # the schema reports it
        t_loc = loc.at("datasets", j, "coordinateTransformations", 0)
        vectors, more = _dataset_transform_v06(transforms[0], t_loc, dataset.get("path"))
        yield from more
        parsed.append((j, vectors))
        output = _io_field(transforms[0], "output", "name")
        if isinstance(output, str):
            outputs.append((j, output))
            if output not in systems:
                yield _issue(
                    t_loc.at("output", "name"),
                    "coordinate-system-missing",
                    f"names coordinate system {output!r}, which is not among this multiscale's "
                    f"coordinateSystems {sorted(systems)}",
                )
    intrinsic = outputs[0][1] if outputs else None
    for j, name in outputs[1:]:
        if name != intrinsic:
            yield _issue(
                loc.at("datasets", j, "coordinateTransformations", 0, "output", "name"),
                "dataset-transform-output",
                f"every dataset must map to the same (intrinsic) coordinate system: datasets[0] "
                f"maps to {intrinsic!r}, datasets[{j}] to {name!r}",
            )
    system = systems.get(intrinsic) if intrinsic is not None else None
    axes = _as_list(system.get("axes")) if system is not None else None
    axis_names = [a.get("name") for a in axes or [] if isinstance(a, Mapping)]
    ndim = len(axes) if axes is not None else None
    for _, vectors in parsed:
        for vector in vectors:
            yield from _check_vector(
                vector.values, vector.loc, ndim, axis_names, "dataset", vector.kind
            )
    if ndim is not None:
        levels = [(j, _level_scale(vectors, ndim)) for j, vectors in parsed]
        yield from _check_datasets_order(levels, loc.at("datasets"), axis_names, ndim)
    yield from _check_dataset_paths(datasets, loc.at("datasets"))
    for i, transform in enumerate(_as_list(ms.get("coordinateTransformations")) or []):
        if isinstance(transform, Mapping):
            yield from _check_multiscale_transform_v06(
                transform, loc.at("coordinateTransformations", i), systems, intrinsic
            )


def _level_scale(vectors: Sequence[_Vector], ndim: int) -> list[float] | None:
    scales = [v.values for v in vectors if v.kind == "scale"]
    return scales[0] if scales else [1.0] * ndim  # identity


def _check_multiscale_transform_v06(
    transform: Mapping[str, JSON],
    loc: _Loc,
    systems: Mapping[str, Mapping[str, JSON]],
    intrinsic: str | None,
) -> Iterator[ValidationIssue]:
    """One end is the intrinsic system; the other a system here or in a child labels group."""
    ends = {side: _as_map(transform.get(side)) for side in ("input", "output")}
    if any(end is None for end in ends.values()):
        return  # the schema reports missing or string-form input/output
    names = {side: _io_field(transform, side, "name") for side in ends}
    paths = {side: _io_field(transform, side, "path") for side in ends}
    if intrinsic is not None and intrinsic not in names.values():
        yield _issue(
            loc,
            "multiscale-transform-intrinsic",
            f"one end of a multiscale transform must be the intrinsic coordinate system "
            f"{intrinsic!r}, got input {names['input']!r} and output {names['output']!r}",
        )
    for side in ends:
        name, path = names[side], paths[side]
        if isinstance(name, str) and path is None and name not in systems:
            yield _issue(
                loc.at(side, "name"),
                "coordinate-system-missing",
                f"names coordinate system {name!r}, which is not among this multiscale's "
                f"coordinateSystems {sorted(systems)}",
            )
    if any(p is not None for p in paths.values()) and transform.get("type") not in (
        "identity",
        "scale",
        "translation",
    ):
        yield _issue(
            loc.at("type"),
            "multiscale-transform-types",
            f"a transform to a labels group's coordinate system may only be identity, scale or "
            f"translation, got {transform.get('type')!r}",
        )
    local = [paths[side] is None for side in ends]
    if all(local):
        n_in = _system_dims(systems, names["input"])
        n_out = _system_dims(systems, names["output"])
        yield from _check_transform_dims(transform, loc, n_in, n_out)


def _check_scene(scene: Mapping[str, JSON], loc: _Loc, ctx: _Ctx) -> Iterator[ValidationIssue]:
    systems, issues = _check_coordinate_systems(
        scene.get("coordinateSystems"), loc.at("coordinateSystems"), ctx
    )
    yield from issues
    for i, transform in enumerate(_as_list(scene.get("coordinateTransformations")) or []):
        if not isinstance(transform, Mapping):
            continue
        sides = ("input", "output")
        if any(_as_map(transform.get(side)) is None for side in sides):
            continue
        local = all(_io_field(transform, side, "path") is None for side in sides)
        if local:
            n_in = _system_dims(systems, _io_field(transform, "input", "name"))
            n_out = _system_dims(systems, _io_field(transform, "output", "name"))
            yield from _check_transform_dims(
                transform, loc.at("coordinateTransformations", i), n_in, n_out
            )


# --- omero, labels, HCS ---------------------------------------------------------------------------


def _check_omero(omero: Mapping[str, JSON], loc: _Loc, ctx: _Ctx) -> Iterator[ValidationIssue]:
    required_by_schema = ctx.version == "0.4"
    for i, channel in enumerate(_as_list(omero.get("channels")) or []):
        if not isinstance(channel, Mapping):
            continue
        c_loc = loc.at("channels", i)
        color = channel.get("color")
        if isinstance(color, str) and not _HEX_COLOR.match(color):
            yield _issue(
                c_loc.at("color"),
                "omero-color",
                f"expected 6 hexadecimal digits RRGGBB without '#', got {color!r}",
            )
        elif "color" not in channel and not required_by_schema:
            yield _issue(
                c_loc,
                "omero-color",
                "a channel MUST have a 'color' (6 hex digits) per the spec text",
                "warning",
            )
        window = channel.get("window")
        if isinstance(window, Mapping):
            missing = [k for k in ("min", "max", "start", "end") if not _is_number(window.get(k))]
            if missing:
                yield _issue(
                    c_loc.at("window"),
                    "omero-window",
                    f"a window needs numbers for min, max, start and end; missing or not a "
                    f"number: {missing}",
                )
        elif "window" not in channel and not required_by_schema:
            yield _issue(
                c_loc,
                "omero-window",
                "a channel MUST have a 'window' {min, max, start, end} per the spec text",
                "warning",
            )


def _check_image_label(label: Mapping[str, JSON], loc: _Loc) -> Iterator[ValidationIssue]:
    for key in ("colors", "properties"):
        entries = _as_list(label.get(key)) or []
        values = []
        for i, entry in enumerate(entries):
            if not isinstance(entry, Mapping) or "label-value" not in entry:
                continue
            value = entry["label-value"]
            if not _is_int(value):
                yield _issue(
                    loc.at(key, i, "label-value"),
                    "label-value-integer",
                    f"label values must be integers, got {_short(value)}",
                )
            values.append(value)
            rgba = entry.get("rgba") if key == "colors" else None
            if rgba is not None:
                items = _as_list(rgba)
                if (
                    items is None
                    or len(items) != 4
                    or not all(_is_int(c) and 0 <= c <= 255 for c in items)
                ):
                    yield _issue(
                        loc.at(key, i, "rgba"),
                        "label-rgba",
                        f"rgba must be 4 integers from 0 to 255, got {_short(rgba)}",
                    )
        dups = _duplicates(values)
        if dups:
            yield _issue(
                loc.at(key),
                "label-value-unique",
                f"each label-value may appear once in {key}, got {_short(dups)} more than once",
            )


def _check_labels_list(value: object, loc: _Loc) -> Iterator[ValidationIssue]:
    items = _as_list(value)
    if items is None or not all(isinstance(v, str) and v for v in items):
        yield _issue(
            loc, "labels-list", f"'labels' must be a list of label image paths, got {_short(value)}"
        )
        return
    dups = _duplicates(items)
    if dups:
        yield _issue(loc, "labels-list", f"label paths must be unique, got {_short(dups)} repeated")


def _names(entries: object) -> list[object]:
    return [e.get("name") if isinstance(e, Mapping) else None for e in _as_list(entries) or []]


def _check_plate(plate: Mapping[str, JSON], loc: _Loc) -> Iterator[ValidationIssue]:
    rows, columns = _names(plate.get("rows")), _names(plate.get("columns"))
    for key, names in (("rows", rows), ("columns", columns)):
        for i, name in enumerate(names):
            if isinstance(name, str) and not _ALNUM.match(name):
                yield _issue(
                    loc.at(key, i, "name"),
                    "plate-name-alnum",
                    f"{key[:-1]} names must be alphanumeric ([A-Za-z0-9]+), got {name!r}",
                )
        dups = _duplicates(n for n in names if isinstance(n, str))
        if dups:
            yield _issue(
                loc.at(key),
                "plate-name-unique",
                f"{key[:-1]} names must be unique, got {_short(dups)} more than once",
            )
        folded = _duplicates(n.lower() for n in names if isinstance(n, str))
        if folded and not dups:
            yield _issue(
                loc.at(key),
                "plate-name-unique",
                f"{key[:-1]} names differ only by case: {_short(folded)}; avoid this",
                "warning",
            )
    wells = _as_list(plate.get("wells")) or []
    for i, well in enumerate(wells):
        if not isinstance(well, Mapping):
            continue
        path, r, c = well.get("path"), well.get("rowIndex"), well.get("columnIndex")
        if not (isinstance(path, str) and _is_int(r) and _is_int(c)):
            continue
        bad_index = False
        for key, index, names in (("rowIndex", r, rows), ("columnIndex", c, columns)):
            if not 0 <= index < len(names):
                bad_index = True
                yield _issue(
                    loc.at("wells", i, key),
                    "plate-well-index",
                    f"{key} {index} is outside the {len(names)} listed {key[:-5]}s",
                )
        if bad_index:
            continue
        expected = f"{rows[r]}/{columns[c]}"
        if path != expected:
            yield _issue(
                loc.at("wells", i, "path"),
                "plate-well-path",
                f"well path must be '<row>/<column>' of rows[{r}] and columns[{c}], i.e. "
                f"{expected!r}, got {path!r}",
            )
    paths = [w.get("path") for w in wells if isinstance(w, Mapping)]
    dups = _duplicates(p for p in paths if isinstance(p, str))
    if dups:
        yield _issue(loc.at("wells"), "plate-well-unique", f"well paths repeat: {_short(dups)}")
    ids = [a.get("id") for a in _as_list(plate.get("acquisitions")) or [] if isinstance(a, Mapping)]
    dups = _duplicates(i for i in ids if _is_int(i))
    if dups:
        yield _issue(
            loc.at("acquisitions"),
            "plate-acquisition-unique",
            f"acquisition ids must be unique, got {_short(dups)} more than once",
        )


def _check_well(well: Mapping[str, JSON], loc: _Loc, ctx: _Ctx) -> Iterator[ValidationIssue]:
    images = [i for i in _as_list(well.get("images")) or [] if isinstance(i, Mapping)]
    for i, image in enumerate(images):
        path = image.get("path")
        if not isinstance(path, str):
            continue
        if ctx.version == "0.6":
            ok = _NODE_NAME_06.match(path) is not None and set(path) != {"."}
            ok = ok and not path.startswith("__")
            allowed = "letters, digits, '-', '_' and '.', not only dots, not starting with '__'"
        else:
            ok = bool(_ALNUM.match(path))
            allowed = "letters and digits only"
        if not ok:
            yield _issue(
                loc.at("images", i, "path"),
                "well-image-path",
                f"field-of-view paths may contain {allowed}, got {path!r}",
            )
    paths = [image.get("path") for image in images]
    dups = _duplicates(p for p in paths if isinstance(p, str))
    if dups:
        yield _issue(loc.at("images"), "well-image-unique", f"image paths repeat: {_short(dups)}")
    with_acq = [image for image in images if "acquisition" in image]
    if with_acq and len(with_acq) != len(images):
        yield _issue(
            loc.at("images"),
            "well-acquisition",
            "either every field of view names its acquisition or none does; "
            f"{len(with_acq)} of {len(images)} do",
            "warning",
        )


# --------------------------------------------------------------------------------------------------
# One attributes document
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Doc:
    """What the checks of one attributes document found, for the hierarchy walk."""

    version: str | None
    kinds: tuple[str, ...]
    ns: Mapping[str, JSON]
    ns_loc: _Loc
    issues: tuple[ValidationIssue, ...]


def _check_attributes(
    attrs: Mapping[str, JSON],
    loc: _Loc,
    *,
    override: str | None,
    fallback: str,
    zarr_format: int | None,
    strict: bool,
) -> _Doc:
    """Schema + semantic checks of one group's attributes (0.4 ``.zattrs``; 0.5+ ``attributes``)."""
    issues: list[ValidationIssue] = []
    declared, namespaced, where = _declared_version(attrs)
    version_loc = loc.at(*where)
    if namespaced and declared is None:
        issues.append(
            _issue(loc.at("ome"), "version-missing", "attributes.ome MUST contain 'version'")
        )
    if override is not None:
        version = override
        found = _normalize_version(declared)
        if declared is not None and found != override:
            issues.append(
                _issue(
                    version_loc,
                    "version-mismatch",
                    f"validating as OME-NGFF {override} as asked, but the metadata declares "
                    f"{declared!r}",
                    "warning",
                )
            )
    elif declared is not None:
        found = _normalize_version(declared)
        if found not in SUPPORTED_VERSIONS:
            issues.append(
                _issue(
                    version_loc,
                    "version-unsupported",
                    f"OME-NGFF version {declared!r} cannot be validated; supported versions are "
                    f"{', '.join(SUPPORTED_VERSIONS)} (and their rc/dev tags)",
                )
            )
            return _Doc(None, (), attrs, loc, tuple(issues))
        version = found
    elif namespaced:
        ome = _as_map(attrs.get("ome")) or {}
        # Without a version, guess from the content which rules to hold the rest against.
        version = "0.6" if "scene" in ome or _has_coordinate_systems(ome) else "0.5"
    else:
        version = fallback
    ctx = _Ctx(version, strict)
    if zarr_format is not None:
        expected_format = 2 if version == "0.4" else 3
        if zarr_format != expected_format:
            issues.append(
                _issue(
                    loc,
                    "zarr-format-version",
                    f"OME-NGFF {version} requires Zarr format {expected_format}, "
                    f"but this group is Zarr format {zarr_format}",
                )
            )
    if version == "0.4":
        ns, ns_loc = attrs, loc
    else:
        namespace = _as_map(attrs.get("ome"))
        outside = sorted(k for k in attrs if k in _OME_KEYS)
        if namespace is None:
            ns, ns_loc = attrs, loc
            if outside:
                issues.append(
                    _issue(
                        loc,
                        "ome-namespace",
                        f"OME-NGFF {version} keeps all OME metadata under attributes.ome; found "
                        f"no 'ome' object but top-level keys {outside}",
                    )
                )
        else:
            ns, ns_loc = namespace, loc.at("ome")
            if outside:
                issues.append(
                    _issue(
                        loc,
                        "ome-namespace",
                        f"OME-NGFF {version} keeps all OME metadata under attributes.ome; found "
                        f"{outside} outside it",
                    )
                )
    kinds = tuple(
        kind for key, kind in _KINDS if key in ns and (kind != "scene" or version == "0.6")
    )
    if not kinds:
        issues.append(_no_metadata(ns_loc, ns, version))
        return _Doc(version, kinds, ns, ns_loc, tuple(issues))
    for kind in kinds:
        name = _schema_name(version, kind, strict=strict)
        if name is not None:
            issues.extend(_schema_issues(attrs, loc, version, name))
    issues.extend(_semantic_issues(ns, ns_loc, kinds, ctx))
    return _Doc(version, kinds, ns, ns_loc, tuple(_dedupe(issues)))


def _has_coordinate_systems(ome: Mapping[str, JSON]) -> bool:
    return any(
        isinstance(ms, Mapping) and "coordinateSystems" in ms
        for ms in _as_list(ome.get("multiscales")) or []
    )


def _no_metadata(loc: _Loc, ns: Mapping[str, JSON], version: str) -> ValidationIssue:
    where = "attributes.ome" if version != "0.4" else "the group attributes"
    return _issue(
        loc,
        "no-ome-metadata",
        f"no OME-NGFF metadata found in {where}: expected one of 'multiscales', 'plate', 'well', "
        f"'labels', 'image-label', 'bioformats2raw.layout', 'series'"
        f"{', scene' if version == '0.6' else ''}; found keys {sorted(ns)}",
    )


def _semantic_issues(
    ns: Mapping[str, JSON], loc: _Loc, kinds: Sequence[str], ctx: _Ctx
) -> Iterator[ValidationIssue]:
    yield from _check_numbers(ns, loc)
    if "image" in kinds:
        for i, ms in enumerate(_as_list(ns.get("multiscales")) or []):
            if not isinstance(ms, Mapping):
                continue
            if ctx.version == "0.6":
                yield from _check_multiscale_v06(ms, loc.at("multiscales", i), ctx)
            else:
                yield from _check_multiscale_v04(ms, loc.at("multiscales", i), ctx)
    omero = _as_map(ns.get("omero"))
    if omero is not None:
        yield from _check_omero(omero, loc.at("omero"), ctx)
    label = _as_map(ns.get("image-label"))
    if label is not None:
        yield from _check_image_label(label, loc.at("image-label"))
    if "labels" in kinds:
        yield from _check_labels_list(ns.get("labels"), loc.at("labels"))
    plate = _as_map(ns.get("plate"))
    if plate is not None:
        yield from _check_plate(plate, loc.at("plate"))
    well = _as_map(ns.get("well"))
    if well is not None:
        yield from _check_well(well, loc.at("well"), ctx)
    scene = _as_map(ns.get("scene"))
    if scene is not None and "scene" in kinds:
        yield from _check_scene(scene, loc.at("scene"), ctx)


def _dedupe(issues: Iterable[ValidationIssue]) -> Iterator[ValidationIssue]:
    seen: set[tuple[str, str, str]] = set()
    for issue in issues:
        key = (issue.path, issue.rule, issue.message)
        if key not in seen:
            seen.add(key)
            yield issue


# --------------------------------------------------------------------------------------------------
# Mapping input
# --------------------------------------------------------------------------------------------------


def _validate_mapping(
    document: Mapping[str, JSON], *, override: str | None, strict: bool
) -> tuple[str | None, list[ValidationIssue], str]:
    issues: list[ValidationIssue] = []
    if "zarr_format" in document and "node_type" in document:
        target, root = "<zarr.json>", _Loc("")
        zarr_format = document.get("zarr_format")
        if zarr_format != 3:
            issues.append(
                _issue(
                    root.at("zarr_format"),
                    "zarr-metadata",
                    f"a zarr.json document must have zarr_format 3, got {_short(zarr_format)}",
                )
            )
        if document.get("node_type") != "group":
            issues.append(
                _issue(
                    root.at("node_type"),
                    "node-type",
                    f"OME-NGFF metadata lives on groups, got node_type "
                    f"{_short(document.get('node_type'))}",
                )
            )
        attrs = _as_map(document.get("attributes"))
        if attrs is None:
            issues.append(
                _issue(
                    root.at("attributes"),
                    "no-ome-metadata",
                    f"expected an 'attributes' object, got {_short(document.get('attributes'))}",
                )
            )
            return override, issues, target
        doc = _check_attributes(
            attrs,
            root.at("attributes"),
            override=override,
            fallback="0.5",
            zarr_format=3,
            strict=strict,
        )
    else:
        target = "<attributes>"
        doc = _check_attributes(
            document, _Loc(""), override=override, fallback="0.4", zarr_format=None, strict=strict
        )
    issues.extend(doc.issues)
    return doc.version, issues, target


# --------------------------------------------------------------------------------------------------
# Store input: the hierarchy
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    """An opened group and the result of checking its attributes."""

    path: str
    group: Any  # zarr.Group; Any because zarr ships without complete annotations for mypy here
    file: str
    doc: _Doc


@dataclass
class _Walk:
    """Mutable state of one hierarchy walk (local to a single `validate` call)."""

    sp: StorePath
    override: str | None
    strict: bool
    issues: list[ValidationIssue]
    visited: set[str]
    chunks: bool = False


def _group_file(sp: StorePath, path: str, zarr_format: int) -> str:
    name = "zarr.json" if zarr_format == 3 else ".zattrs"
    return f"{describe_store(sp, path)}/{name}"


def _array_file(sp: StorePath, path: str, zarr_format: int) -> str:
    name = "zarr.json" if zarr_format == 3 else ".zarray"
    return f"{describe_store(sp, path)}/{name}"


def _open_node(sp: StorePath, path: str) -> Any:
    """Open the node at *path*: a zarr Group or Array; None if missing. Raises on corrupt JSON."""
    try:
        return zarr.open_group(store=sp, path=path, mode="r")
    except ContainsArrayError:
        pass
    except (FileNotFoundError, KeyError):  # zarr's NodeNotFoundError is a FileNotFoundError
        pass
    try:
        return zarr.open_array(store=sp, path=path, mode="r")
    except (FileNotFoundError, KeyError, ContainsGroupError):
        return None


def _read_json(sp: StorePath, key: str) -> JSON:
    """Read one JSON file of the store, or None if it is absent. Raises ValueError on bad JSON."""
    # zarr has no public synchronous key read; its own sync bridge runs the store's coroutine.
    from zarr.core.buffer import default_buffer_prototype
    from zarr.core.sync import sync

    try:
        buffer = sync(sp.store.get(join_path(sp.path, key), prototype=default_buffer_prototype()))
    except (FileNotFoundError, KeyError):
        return None
    return None if buffer is None else json.loads(buffer.to_bytes())


def _store_is_empty(sp: StorePath) -> bool:
    store = sp.store
    if isinstance(store, LocalStore):
        root = Path(store.root) / sp.path
        return not root.exists() or not any(root.iterdir())
    try:
        from zarr.core.sync import sync  # zarr's own bridge from sync code to its event loop

        return bool(sync(store.is_empty(sp.path)))
    except Exception:  # an unlistable store is not evidence of a missing one
        return False


def _visit_group(
    walk: _Walk, path: str, *, fallback: str, parent: _Loc, role: str, rule_missing: str
) -> _Group | None:
    """Open and check the group at *path*, reporting at *parent* when it is missing or broken."""
    if path in walk.visited:
        return None
    walk.visited.add(path)
    location = describe_store(walk.sp, path)
    try:
        node = _open_node(walk.sp, path)
        # Hand-made stores sometimes carry a Zarr v2 .zattrs without its .zgroup: still check the
        # metadata, and say what is missing.
        loose = _read_json(walk.sp, join_path(path, ".zattrs")) if node is None else None
    except METADATA_ERRORS as exc:  # JSONDecodeError, zarr's metadata errors, deep nesting
        walk.issues.append(
            _issue(
                _Loc(location),
                "zarr-metadata-unreadable",
                f"the {role}'s Zarr metadata cannot be read: {type(exc).__name__}: {exc}",
            )
        )
        return None
    if node is None and isinstance(loose, Mapping):
        walk.issues.append(
            _issue(
                _Loc(f"{location}/.zgroup"),
                "zarr-metadata",
                "a Zarr v2 group needs a .zgroup file beside its .zattrs; it is missing",
            )
        )
        return _check_group(walk, path, None, 2, _plain(loose), fallback)
    if node is None:
        if path or not _store_is_empty(walk.sp):
            walk.issues.append(
                _issue(
                    parent,
                    rule_missing,
                    f"names the {role} {path!r}, which does not exist at {location}"
                    if path
                    else "the store holds data but no Zarr group metadata at its root (zarr.json "
                    "or .zgroup/.zattrs) - an interrupted or partial write?",
                )
            )
            return None
        raise NgffNotFoundError(f"store {location}: nothing to validate, no Zarr node exists here")
    if not isinstance(node, zarr.Group):
        walk.issues.append(
            _issue(parent, "node-type", f"the {role} at {location} must be a group, found an array")
        )
        return None
    return _check_group(
        walk, path, node, int(node.metadata.zarr_format), _plain(node.attrs.asdict()), fallback
    )


def _check_group(
    walk: _Walk, path: str, node: Any, zarr_format: int, attrs: JSON, fallback: str
) -> _Group:
    file = _group_file(walk.sp, path, zarr_format)
    loc = _Loc(file, ("attributes",)) if zarr_format == 3 else _Loc(file)
    doc = _check_attributes(
        attrs,
        loc,
        override=walk.override,
        fallback=("0.5" if fallback == "0.4" else fallback) if zarr_format == 3 else "0.4",
        zarr_format=zarr_format,
        strict=walk.strict,
    )
    issues = list(doc.issues)
    arrays = _child_arrays(node) if not doc.kinds else []
    if arrays:
        issues = [
            _issue(
                doc.ns_loc,
                "no-ome-metadata",
                f"{i.message.split(': ', 1)[1]}; the group holds arrays {arrays} - an "
                f"interrupted or partial write?",
            )
            if i.rule == "no-ome-metadata"
            else i
            for i in issues
        ]
    walk.issues.extend(issues)
    return _Group(path, node, file, doc)


def _child_arrays(group: Any) -> list[str]:
    if group is None:
        return []
    try:
        return sorted(str(k) for k in group.array_keys())
    except Exception:  # unlistable stores (HTTP) cannot answer; say nothing
        return []


def _walk_group(walk: _Walk, group: _Group) -> None:
    """Dispatch on what the group is and check the nodes it points to."""
    doc = group.doc
    if doc.version not in SUPPORTED_VERSIONS:
        return
    if "image" in doc.kinds:
        _walk_image(walk, group)
    if "labels" in doc.kinds:
        _walk_labels_group(walk, group, parent_levels=None)
    if "plate" in doc.kinds:
        _walk_plate(walk, group)
    if "well" in doc.kinds:
        _walk_well(walk, group, plate=None)
    if "bf2raw" in doc.kinds:
        _walk_bf2raw(walk, group)


def _child(
    walk: _Walk, parent: _Group, rel: str, *, loc: _Loc, role: str, rule: str
) -> _Group | None:
    child = _visit_group(
        walk,
        join_path(parent.path, rel),
        fallback=parent.doc.version or "0.4",
        parent=loc,
        role=role,
        rule_missing=rule,
    )
    if (
        child is not None
        and child.doc.version != parent.doc.version
        and child.doc.version in SUPPORTED_VERSIONS
        and parent.doc.version in SUPPORTED_VERSIONS
    ):
        walk.issues.append(
            _issue(
                _Loc(child.file),
                "version-consistency",
                f"one OME-NGFF version per hierarchy: this {role} is {child.doc.version}, "
                f"its parent {parent.file} is {parent.doc.version}",
            )
        )
    return child


def _levels(group: _Group, ms_index: int) -> list[tuple[int, str]]:
    multiscales = _as_list(group.doc.ns.get("multiscales")) or []
    ms = _as_map(multiscales[ms_index]) if ms_index < len(multiscales) else None
    datasets = _as_list(ms.get("datasets")) if ms is not None else None
    return [
        (j, d["path"])
        for j, d in enumerate(datasets or [])
        if isinstance(d, Mapping) and isinstance(d.get("path"), str)
    ]


def _axis_names(ms: Mapping[str, JSON], version: str) -> list[str] | None:
    if version != "0.6":
        axes = _as_list(ms.get("axes"))
    else:
        datasets = _as_list(ms.get("datasets")) or []
        first = _as_map(datasets[0]) if datasets else None
        transforms = _as_list(first.get("coordinateTransformations")) if first else None
        transform = _as_map(transforms[0]) if transforms else None
        intrinsic = _io_field(transform, "output", "name") if transform else None
        systems = [s for s in _as_list(ms.get("coordinateSystems")) or [] if isinstance(s, Mapping)]
        match = [s for s in systems if s.get("name") == intrinsic]
        axes = _as_list(match[0].get("axes")) if match else None
    if axes is None or not all(isinstance(a, Mapping) for a in axes):
        return None
    return [str(a.get("name")) for a in axes]


def _walk_image(walk: _Walk, group: _Group) -> list[list[Any]]:
    """Check every level of every multiscale; return the arrays found, per multiscale."""
    doc = group.doc
    version = doc.version or "0.4"
    found: list[list[Any]] = []
    for i, ms in enumerate(_as_list(doc.ns.get("multiscales")) or []):
        if not isinstance(ms, Mapping):
            found.append([])
            continue
        ms_loc = doc.ns_loc.at("multiscales", i)
        arrays: list[tuple[int, str, Any]] = []
        for j, path in _levels(group, i):
            node = _open_level(walk, group, path, ms_loc.at("datasets", j, "path"))
            if node is not None:
                arrays.append((j, path, node))
        _check_levels(walk, group, ms, ms_loc, arrays, version)
        found.append([a for _, _, a in arrays])
    labels = _visit_labels_child(walk, group)
    if labels is not None:
        _walk_labels_group(walk, labels, parent_levels=len(_levels(group, 0)) or None)
    return found


def _open_level(walk: _Walk, group: _Group, path: str, loc: _Loc) -> Any:
    full = join_path(group.path, path)
    location = describe_store(walk.sp, full)
    try:
        node = _open_node(walk.sp, full)
    except METADATA_ERRORS as exc:
        walk.issues.append(
            _issue(
                _Loc(location),
                "zarr-metadata-unreadable",
                f"the level's Zarr metadata cannot be read: {type(exc).__name__}: {exc}",
            )
        )
        return None
    if node is None:
        walk.issues.append(
            _issue(
                loc,
                "dataset-missing",
                f"names the array {path!r}, which does not exist at {location}",
            )
        )
        return None
    if isinstance(node, zarr.Group):
        walk.issues.append(
            _issue(loc, "dataset-not-array", f"names {path!r}, which is a group, not an array")
        )
        return None
    return node


def _check_levels(
    walk: _Walk,
    group: _Group,
    ms: Mapping[str, JSON],
    ms_loc: _Loc,
    arrays: Sequence[tuple[int, str, Any]],
    version: str,
) -> None:
    names = _axis_names(ms, version)
    add = walk.issues.append
    first_dtype: tuple[str, Any] | None = None
    previous: tuple[str, tuple[int, ...]] | None = None
    for _j, path, array in arrays:
        full = join_path(group.path, path)
        fmt = int(array.metadata.zarr_format)
        file = _array_file(walk.sp, full, fmt)
        shape = tuple(int(s) for s in array.shape)
        expected_format = 2 if version == "0.4" else 3
        if fmt != expected_format:
            add(
                _issue(
                    _Loc(file),
                    "zarr-format-version",
                    f"OME-NGFF {version} requires Zarr format {expected_format} arrays, "
                    f"this level is Zarr format {fmt}",
                )
            )
        if names is not None and len(shape) != len(names):
            add(
                _issue(
                    _Loc(file, ("shape",)),
                    "level-ndim",
                    f"the array has {len(shape)} dimensions {list(shape)}, but the multiscale "
                    f"has {len(names)} axes {names}",
                )
            )
        if previous is not None and len(previous[1]) == len(shape):
            grown = [d for d, (a, b) in enumerate(zip(previous[1], shape, strict=True)) if b > a]
            if grown:
                add(
                    _issue(
                        _Loc(file, ("shape",)),
                        "level-shape",
                        f"levels go from high to low resolution, but shape {list(shape)} is "
                        f"larger than the previous level {previous[0]!r} {list(previous[1])} "
                        f"along dimension(s) {grown}",
                    )
                )
        elif previous is not None and names is None:
            add(
                _issue(
                    _Loc(file, ("shape",)),
                    "level-ndim",
                    f"all levels must have the same number of dimensions: {len(shape)} here, "
                    f"{len(previous[1])} at level {previous[0]!r}",
                )
            )
        previous = (path, shape)
        if walk.chunks:
            walk.issues.extend(_check_chunks(array, _Loc(file), label="label" in group.doc.kinds))
        dtype = array.dtype
        if first_dtype is None:
            first_dtype = (path, dtype)
        elif dtype != first_dtype[1]:
            severity: Severity = "warning" if version == "0.4" else "error"
            add(
                _issue(
                    _Loc(file, ("data_type" if fmt == 3 else "dtype",)),
                    "level-dtype",
                    f"all levels should share one data type: {dtype} here, {first_dtype[1]} at "
                    f"level {first_dtype[0]!r}",
                    severity,
                )
            )
        if fmt == 2:
            separator = getattr(array.metadata, "dimension_separator", None)
            if separator != "/":
                add(
                    _issue(
                        _Loc(file, ("dimension_separator",)),
                        "dimension-separator",
                        f"OME-NGFF {version} stores chunks with nested keys: expected "
                        f"dimension_separator '/', got {separator!r}",
                    )
                )
        elif version != "0.4" and names is not None:
            dims = array.metadata.dimension_names
            got = list(dims) if dims is not None else None
            if got != names:
                severity = "error" if version == "0.5" else "warning"
                add(
                    _issue(
                        _Loc(file, ("dimension_names",)),
                        "dimension-names",
                        f"dimension_names MUST be present and equal the axes names {names}, "
                        f"got {got}",
                        severity,
                    )
                )
    _check_omero_channels(walk, group, ms, arrays, names)


_FIRST_MISSING = 5
"""How many missing chunk keys a report names."""


def _stored_keys(array: Any) -> set[str] | None:
    """The keys under *array*'s node, relative to it; None if the store cannot list them."""
    from zarr.core.sync import sync  # zarr's own bridge from sync code to its event loop

    store, prefix = array.store_path.store, array.store_path.path
    if not store.supports_listing:
        return None

    async def collect() -> list[str]:
        return [key async for key in store.list_prefix(f"{prefix}/" if prefix else "")]

    try:
        keys = sync(collect())
    except (NotImplementedError, OSError):  # HTTP servers answer no listing
        return None
    start = len(prefix) + 1 if prefix else 0
    found = {key[start:] for key in keys}
    # A listing that misses the array's own metadata (a web server's index page without
    # links, say) cannot be trusted to show its chunks either.
    return found if found & {"zarr.json", ".zarray"} else None


def _check_chunks(array: Any, loc: _Loc, *, label: bool) -> Iterator[ValidationIssue]:
    """Every chunk (or shard) key the array's metadata implies, against the keys stored."""
    present = _stored_keys(array)
    if present is None:
        yield _issue(
            loc,
            "chunks-unchecked",
            "the store cannot list its keys (an HTTP server without directory listings), so "
            "its chunks were not checked",
            "warning",
        )
        return
    outer = array.shards or array.chunks
    grid = [math.ceil(n / c) for n, c in zip(array.shape, outer, strict=True)]
    total = math.prod(grid)
    missing: list[str] = []
    count = 0
    for coords in itertools.product(*(range(n) for n in grid)):
        key = array.metadata.encode_chunk_key(coords)
        if key not in present:
            count += 1
            if len(missing) < _FIRST_MISSING:
                missing.append(key)
    if not count:
        return
    noun = "shard" if array.shards else "chunk"
    why = (
        "label writers skip chunks that are all background, so this may be intended"
        if label
        else "a copy or a write that did not finish; writers that skip empty chunks "
        "(write_empty_chunks=False) also leave gaps"
    )
    yield _issue(
        loc,
        "chunks-missing",
        f"{count} of {total} {noun} keys are missing (first: {', '.join(missing)}); a missing "
        f"{noun} reads as the fill value {array.fill_value!r}: {why}",
        "warning" if label else "error",
    )


def _check_omero_channels(
    walk: _Walk,
    group: _Group,
    ms: Mapping[str, JSON],
    arrays: Sequence[tuple[int, str, Any]],
    names: Sequence[str] | None,
) -> None:
    omero = _as_map(group.doc.ns.get("omero"))
    channels = _as_list(omero.get("channels")) if omero is not None else None
    if channels is None or not arrays or names is None:
        return
    axes = _as_list(ms.get("axes")) if group.doc.version != "0.6" else None
    types = [a.get("type") for a in axes or [] if isinstance(a, Mapping)]
    if "channel" not in types:
        return
    shape = tuple(arrays[0][2].shape)
    index = types.index("channel")
    if index < len(shape) and shape[index] != len(channels):
        walk.issues.append(
            _issue(
                group.doc.ns_loc.at("omero", "channels"),
                "omero-channel-count",
                f"expected one omero channel per index of the channel axis {names[index]!r} "
                f"({shape[index]}), got {len(channels)}",
                "warning",
            )
        )


def _visit_labels_child(walk: _Walk, group: _Group) -> _Group | None:
    full = join_path(group.path, "labels")
    try:
        node = _open_node(walk.sp, full)
    except METADATA_ERRORS:
        node = True  # let _visit_group report the unreadable metadata
    if node is None or (node is not True and not isinstance(node, zarr.Group)):
        return None
    return _child(
        walk, group, "labels", loc=group.doc.ns_loc, role="labels group", rule="labels-missing"
    )


def _walk_labels_group(walk: _Walk, labels: _Group, *, parent_levels: int | None) -> None:
    doc = labels.doc
    if "labels" not in doc.kinds:
        if not any(i.rule == "no-ome-metadata" for i in doc.issues):
            walk.issues.append(
                _issue(doc.ns_loc, "labels-list", "a 'labels' group must list its label images")
            )
        return
    paths = _as_list(doc.ns.get("labels")) or []
    for k, rel in enumerate(paths):
        if not isinstance(rel, str) or not rel:
            continue
        loc = doc.ns_loc.at("labels", k)
        label = _child(walk, labels, rel, loc=loc, role="label image", rule="label-missing")
        if label is None:
            continue
        if "image" not in label.doc.kinds:
            walk.issues.append(
                _issue(
                    label.doc.ns_loc,
                    "label-multiscales",
                    "a label image MUST be a multiscale image ('multiscales' metadata)",
                )
            )
            continue
        if "label" not in label.doc.kinds:
            walk.issues.append(
                _issue(
                    label.doc.ns_loc,
                    "label-image-label",
                    "a label image SHOULD carry 'image-label' metadata",
                    "warning",
                )
            )
        arrays = _walk_image(walk, label)
        levels = len(_levels(label, 0))
        if parent_levels is not None and levels != parent_levels:
            walk.issues.append(
                _issue(
                    label.doc.ns_loc.at("multiscales", 0, "datasets"),
                    "label-levels",
                    f"a label image needs as many levels as its image ({parent_levels}), "
                    f"got {levels}",
                )
            )
        for array in arrays[0] if arrays else []:
            if not np.issubdtype(array.dtype, np.integer):
                fmt = int(array.metadata.zarr_format)
                walk.issues.append(
                    _issue(
                        _Loc(
                            _array_file(walk.sp, _array_path(array), fmt),
                            ("data_type" if fmt == 3 else "dtype",),
                        ),
                        "label-dtype",
                        f"label pixels MUST be integers, got {array.dtype}",
                    )
                )


def _array_path(array: Any) -> str:
    return str(array.path)


def _walk_plate(walk: _Walk, plate_group: _Group) -> None:
    plate = _as_map(plate_group.doc.ns.get("plate")) or {}
    acquisitions = [a for a in _as_list(plate.get("acquisitions")) or [] if isinstance(a, Mapping)]
    field_count = plate.get("field_count")
    for i, well_entry in enumerate(_as_list(plate.get("wells")) or []):
        if not isinstance(well_entry, Mapping) or not isinstance(well_entry.get("path"), str):
            continue
        loc = plate_group.doc.ns_loc.at("plate", "wells", i, "path")
        well = _child(
            walk, plate_group, well_entry["path"], loc=loc, role="well", rule="well-missing"
        )
        if well is None:
            continue
        if "well" not in well.doc.kinds:
            walk.issues.append(
                _issue(well.doc.ns_loc, "well-metadata", "a well group MUST carry 'well' metadata")
            )
            continue
        images = _walk_well(walk, well, plate=acquisitions)
        if _is_int(field_count) and images > field_count:
            walk.issues.append(
                _issue(
                    well.doc.ns_loc.at("well", "images"),
                    "plate-field-count",
                    f"the plate's field_count is {field_count}, but this well has {images} "
                    f"fields of view",
                    "warning",
                )
            )


def _walk_well(walk: _Walk, well: _Group, *, plate: Sequence[Mapping[str, JSON]] | None) -> int:
    entries = _as_list((_as_map(well.doc.ns.get("well")) or {}).get("images")) or []
    ids = [a.get("id") for a in plate or []]
    count = 0
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("path"), str):
            continue
        count += 1
        loc = well.doc.ns_loc.at("well", "images", i)
        if plate is not None:
            acquisition = entry.get("acquisition")
            if acquisition is None and len(plate) > 1:
                walk.issues.append(
                    _issue(
                        loc,
                        "well-acquisition",
                        f"the plate has {len(plate)} acquisitions, so each field of view MUST "
                        f"name one",
                    )
                )
            elif acquisition is not None and plate and acquisition not in ids:
                walk.issues.append(
                    _issue(
                        loc.at("acquisition"),
                        "well-acquisition",
                        f"acquisition {acquisition!r} is not among the plate's acquisition ids "
                        f"{ids}",
                    )
                )
        image = _child(
            walk,
            well,
            entry["path"],
            loc=loc.at("path"),
            role="field of view",
            rule="well-image-missing",
        )
        if image is None:
            continue
        if "image" not in image.doc.kinds:
            walk.issues.append(
                _issue(
                    image.doc.ns_loc,
                    "metadata-missing",
                    "a field of view MUST be a multiscale image ('multiscales' metadata)",
                )
            )
            continue
        _walk_image(walk, image)
    return count


def _walk_bf2raw(walk: _Walk, root: _Group) -> None:
    if "plate" in root.doc.kinds:
        return  # "If plate is also present it takes precedence" (0.4 bioformats2raw layout)
    series_paths: list[str] | None = None
    ome_node = _open_node_quiet(walk.sp, join_path(root.path, "OME"))
    if isinstance(ome_node, zarr.Group):
        ome = _child(walk, root, "OME", loc=root.doc.ns_loc, role="OME group", rule="bf2raw-series")
        if ome is not None and "ome" in ome.doc.kinds:
            series = _as_list(ome.doc.ns.get("series"))
            series_paths = [s for s in series or [] if isinstance(s, str)]
    if series_paths is None:
        series_paths = []
        while isinstance(
            _open_node_quiet(walk.sp, join_path(root.path, str(len(series_paths)))), zarr.Group
        ):
            series_paths.append(str(len(series_paths)))
    if not series_paths:
        walk.issues.append(
            _issue(
                root.doc.ns_loc,
                "bf2raw-series",
                "a bioformats2raw container holds its images in 0/, 1/, ... (or lists them in "
                "OME/ 'series'); found none",
                "warning",
            )
        )
    for k, rel in enumerate(series_paths):
        image = _child(
            walk, root, rel, loc=root.doc.ns_loc.at(k), role="series image", rule="bf2raw-series"
        )
        if image is not None and "image" in image.doc.kinds:
            _walk_image(walk, image)


def _open_node_quiet(sp: StorePath, path: str) -> Any:
    try:
        return _open_node(sp, path)
    except METADATA_ERRORS:
        return None


def _validate_store(
    target: StoreLike,
    *,
    override: str | None,
    strict: bool,
    chunks: bool,
    storage_options: dict[str, Any] | None,
) -> tuple[str | None, list[ValidationIssue], str]:
    sp = open_store(target, mode="r", storage_options=storage_options)
    where = describe_store(sp)
    walk = _Walk(sp=sp, override=override, strict=strict, issues=[], visited=set(), chunks=chunks)
    root = _visit_group(
        walk,
        "",
        fallback="0.4",
        parent=_Loc(where),
        role="root group",
        rule_missing="no-ome-metadata",
    )
    if root is None:
        return override, walk.issues, where
    _walk_group(walk, root)
    return root.doc.version, list(_dedupe(walk.issues)), where


# --------------------------------------------------------------------------------------------------
# The public function
# --------------------------------------------------------------------------------------------------


def validate(
    target: StoreLike | Mapping[str, Any],
    *,
    version: str | None = None,
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
    if isinstance(target, Mapping) and not is_store_mapping(target):
        found, issues, where = _validate_mapping(_plain(target), override=override, strict=strict)
    else:
        found, issues, where = _validate_store(
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
    )
    if raise_on_error:
        report.raise_for_errors()
    return report


def _parse_version_argument(version: object) -> str | None:
    if version is None:
        return None
    found = _normalize_version(version)
    if found not in SUPPORTED_VERSIONS:
        msg = (
            f"version: expected one of {', '.join(SUPPORTED_VERSIONS)} (rc/dev tags such as "
            f"'0.6rc0' allowed), got {version!r}"
        )
        raise NgffValueError(msg)
    return found
