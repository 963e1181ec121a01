"""Rules of the spec's "axes" section: counts, types, order, names and units of the axes.

Each check takes the JSON array of axes (``multiscales[].axes`` up to 0.5, a coordinate
system's ``axes`` in 0.6) and yields what it finds. The spec's `MultiscaleMetadata` runs the same
checks on the axes it is built with.

Examples
--------
>>> axes = [{"name": n, "type": t} for n, t in [("y", "space"), ("x", "space"), ("t", "time")]]
>>> [found.rule for found in check_axes(axes, Where("", ("axes",)), "0.5")]
['axes-order']
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Final

from ngffkit.spec.rules._catalogue import ValidationIssue, Where, declare, issue, rule
from ngffkit.spec.rules.narrow import JSON, as_list, duplicates, short
from ngffkit.spec.units import SPACE_UNITS, TIME_UNITS
from ngffkit.spec.versions import NgffVersion

__all__ = [
    "check_axes",
    "axes_count",
    "axes_unique_names",
    "axes_space_count",
    "axes_time_count",
    "axes_channel_count",
    "axes_order",
    "axis_unit_type",
    "axis_unit",
]

EXEMPT_AXIS_TYPES: Final = frozenset({"array", "displacement", "coordinate"})
"""0.6 axis types of array indices or vector components: the time -> channel -> space
ordering does not apply to them."""

declare("axes-missing", "axes", "a multiscale has 'axes' (0.3 and later)")
declare("axis-name", "axes", "every axis has a non-empty string 'name'")
declare(
    "axis-orientation",
    "axes",
    "an axis orientation is an object {'type': 'anatomical', 'value': ...} with a known value",
    versions=("0.6",),
)
declare(
    "axis-orientation-on-non-space",
    "axes",
    "only space axes carry an anatomical orientation",
    versions=("0.6",),
)

_UNIT_KINDS: Final = {
    "space": (SPACE_UNITS, "length", "micrometer", TIME_UNITS, "time"),
    "time": (TIME_UNITS, "time", "second", SPACE_UNITS, "space"),
}
"""Per axis type: its units, their kind, an example, and the other type's units and name
(named in the message when a unit of the wrong kind was given)."""

Axes = Sequence[Mapping[str, JSON]]
Kept = Sequence[tuple[object, object]]


def _rank(axis_type: object) -> int:
    if axis_type == "time":
        return 0
    if axis_type == "space":
        return 2
    return 1  # channel, custom or untyped


@rule("axes-count", section="axes", summary="2 to 5 axes")
def axes_count(axes: Axes, where: Where) -> Iterator[ValidationIssue]:
    """2 to 5 axes.

    Examples
    --------
    >>> [f.rule for f in axes_count([{"name": "x"}], Where("", ("axes",)))]
    ['axes-count']
    """
    if not 2 <= len(axes) <= 5:
        names = [a.get("name") for a in axes]
        yield issue("axes-count", where, f"expected 2 to 5 axes, got {len(axes)}: {short(names)}")


@rule("axes-unique-names", section="axes", summary="axis names are unique")
def axes_unique_names(axes: Axes, where: Where) -> Iterator[ValidationIssue]:
    """Axis names are unique.

    Examples
    --------
    >>> axes = [{"name": "x"}, {"name": "x"}]
    >>> [f.rule for f in axes_unique_names(axes, Where("", ("axes",)))]
    ['axes-unique-names']
    """
    names = [a.get("name") for a in axes]
    dups = duplicates(n for n in names if n is not None)
    if dups:
        yield issue(
            "axes-unique-names",
            where,
            f"axis names must be unique, got {short(names)} ({dups} repeated)",
        )


@rule(
    "axes-space-count",
    section="axes",
    summary="2 or 3 axes of type 'space' (0.6: unless every axis is an array or vector axis)",
)
def axes_space_count(kept: Kept, where: Where) -> Iterator[ValidationIssue]:
    """2 or 3 space axes among the (name, type) pairs *kept*.

    Examples
    --------
    >>> [f.rule for f in axes_space_count([("x", "space")], Where("", ("axes",)))]
    ['axes-space-count']
    """
    n_space = sum(1 for _, t in kept if t == "space")
    if not 2 <= n_space <= 3:
        yield issue(
            "axes-space-count", where, f"expected 2 or 3 axes of type 'space', got {n_space}"
        )


@rule("axes-time-count", section="axes", summary="at most one axis of type 'time'")
def axes_time_count(kept: Kept, where: Where) -> Iterator[ValidationIssue]:
    """At most one time axis.

    Examples
    --------
    >>> [f.rule for f in axes_time_count([("t", "time"), ("u", "time")], Where("", ("axes",)))]
    ['axes-time-count']
    """
    n_time = sum(1 for _, t in kept if t == "time")
    if n_time > 1:
        yield issue("axes-time-count", where, f"expected at most one 'time' axis, got {n_time}")


@rule(
    "axes-channel-count",
    section="axes",
    summary="at most one axis of type 'channel' or of a custom type",
)
def axes_channel_count(kept: Kept, where: Where) -> Iterator[ValidationIssue]:
    """At most one channel or custom-type axis.

    Examples
    --------
    >>> kept = [("c", "channel"), ("d", None)]
    >>> [f.rule for f in axes_channel_count(kept, Where("", ("axes",)))]
    ['axes-channel-count']
    """
    others = [n for n, t in kept if _rank(t) == 1]
    if len(others) > 1:
        yield issue(
            "axes-channel-count",
            where,
            f"expected at most one 'channel' or custom-type axis, got {len(others)}: "
            f"{short(others)}",
        )


@rule(
    "axes-order",
    section="axes",
    summary="axes are ordered time, then channel or custom, then space",
)
def axes_order(kept: Kept, where: Where) -> Iterator[ValidationIssue]:
    """Time, then channel or custom, then space.

    Examples
    --------
    >>> [f.rule for f in axes_order([("x", "space"), ("c", "channel")], Where("", ("axes",)))]
    ['axes-order']
    """
    ranks = [_rank(t) for _, t in kept]
    if ranks != sorted(ranks):
        order = [f"{n}:{t if t is not None else 'untyped'}" for n, t in kept]
        yield issue(
            "axes-order",
            where,
            f"axes must be ordered time -> channel/custom -> space, got {short(order, 120)}",
        )


@rule("axis-unit-type", section="axes", summary="an axis unit is a string")
def axis_unit_type(axes: Axes, where: Where) -> Iterator[ValidationIssue]:
    """Units are strings.

    Examples
    --------
    >>> [f.path for f in axis_unit_type([{"name": "x", "unit": 3}], Where("", ("axes",)))]
    ['axes[0].unit']
    """
    for i, axis in enumerate(axes):
        unit = axis.get("unit")
        if unit is not None and not isinstance(unit, str):
            yield issue(
                "axis-unit-type",
                where.at(i, "unit"),
                f"expected a unit name (a string), got {short(unit)}",
            )


@rule(
    "axis-unit",
    section="axes",
    summary="space and time axes SHOULD use the UDUNITS-2 length and time units the spec lists",
    severity="warning",
)
def axis_unit(axes: Axes, where: Where) -> Iterator[ValidationIssue]:
    """Space units are lengths, time units are times, both from the spec's list.

    Examples
    --------
    >>> axes = [{"name": "x", "type": "space", "unit": "second"}]
    >>> [f.severity for f in axis_unit(axes, Where("", ("axes",)))]
    ['warning']
    """
    for i, axis in enumerate(axes):
        unit, axis_type = axis.get("unit"), axis.get("type")
        if not (isinstance(unit, str) and isinstance(axis_type, str) and axis_type in _UNIT_KINDS):
            continue
        allowed, kind, example, other, other_kind = _UNIT_KINDS[axis_type]
        if unit not in allowed:
            hint = f" (a {other_kind} unit)" if unit in other else ""
            yield issue(
                "axis-unit",
                where.at(i, "unit"),
                f"{axis_type} axis {axis.get('name')!r} SHOULD use a UDUNITS-2 {kind} unit such "
                f"as {example!r}, got {unit!r}{hint}",
            )


def check_axes(value: object, where: Where, version: NgffVersion) -> Iterator[ValidationIssue]:
    """Every rule of this section on one JSON array of axes.

    Non-arrays and non-object items are left to the JSON schema. From 0.6 on, axes of the
    array or vector types are left out of the counts and the order, and the schema checks the
    number of space axes (it allows coordinate systems of array axes only).

    Examples
    --------
    >>> axes = [{"name": "y", "type": "space"}, {"name": "x", "type": "space"}]
    >>> list(check_axes(axes, Where("", ("axes",)), "0.4"))
    []
    """
    items = as_list(value)
    if items is None:
        return
    axes = [a for a in items if isinstance(a, Mapping)]
    if len(axes) != len(items):
        return
    yield from axes_count(axes, where)
    yield from axes_unique_names(axes, where)
    yield from axis_unit_type(axes, where)
    yield from axis_unit(axes, where)
    pairs = [(a.get("name"), a.get("type")) for a in axes]
    if version == "0.6":
        if all(t in EXEMPT_AXIS_TYPES for _, t in pairs):
            return  # an array/vector-field coordinate system (the schema's alternative)
        kept = [(n, t) for n, t in pairs if t not in EXEMPT_AXIS_TYPES]
    else:
        kept = pairs
        yield from axes_space_count(kept, where)
    yield from axes_time_count(kept, where)
    yield from axes_channel_count(kept, where)
    yield from axes_order(kept, where)
