"""Axis units: the UDUNITS-2 names the OME-NGFF spec lists, and the common spellings users type.

Examples
--------
>>> parse_unit("micrometer", axis="x", axis_type="space")
'micrometer'
"""

from __future__ import annotations

import warnings
from typing import Final

from ngffkit.errors import NgffUnitWarning, NgffValueError

__all__ = ["SPACE_UNITS", "TIME_UNITS", "UNIT_ALIASES", "parse_unit"]

SPACE_UNITS: Final = frozenset(
    [
        "angstrom",
        "attometer",
        "centimeter",
        "decimeter",
        "exameter",
        "femtometer",
        "foot",
        "gigameter",
        "hectometer",
        "inch",
        "kilometer",
        "megameter",
        "meter",
        "micrometer",
        "mile",
        "millimeter",
        "nanometer",
        "parsec",
        "petameter",
        "picometer",
        "terameter",
        "yard",
        "yoctometer",
        "yottameter",
        "zeptometer",
        "zettameter",
    ]
)
"""Space units allowed by OME-NGFF 0.4-0.6 (UDUNITS-2 names)."""

TIME_UNITS: Final = frozenset(
    [
        "attosecond",
        "centisecond",
        "day",
        "decisecond",
        "exasecond",
        "femtosecond",
        "gigasecond",
        "hectosecond",
        "hour",
        "kilosecond",
        "megasecond",
        "microsecond",
        "millisecond",
        "minute",
        "nanosecond",
        "petasecond",
        "picosecond",
        "second",
        "terasecond",
        "yoctosecond",
        "yottasecond",
        "zeptosecond",
        "zettasecond",
    ]
)
"""Time units allowed by OME-NGFF 0.4-0.6 (UDUNITS-2 names)."""

UNIT_ALIASES: Final[dict[str, str]] = {
    "um": "micrometer",
    "µm": "micrometer",
    "μm": "micrometer",  # Greek mu, not the micro sign: both are typed in the wild
    "micron": "micrometer",
    "microns": "micrometer",
    "micrometre": "micrometer",
    "nm": "nanometer",
    "nanometre": "nanometer",
    "mm": "millimeter",
    "millimetre": "millimeter",
    "cm": "centimeter",
    "m": "meter",
    "metre": "meter",
    "a": "angstrom",
    "å": "angstrom",
    "pm": "picometer",
    "s": "second",
    "sec": "second",
    "seconds": "second",
    "ms": "millisecond",
    "us": "microsecond",
    "µs": "microsecond",
    "ns": "nanosecond",
    "min": "minute",
    "minutes": "minute",
    "h": "hour",
    "hr": "hour",
    "hours": "hour",
    "days": "day",
}
"""Common spellings and their UDUNITS-2 names."""


def parse_unit(unit: object, *, axis: str, axis_type: str | None) -> str:
    """Normalise *unit* for an axis of *axis_type* to a spec unit name.

    Common spellings (`um`, `µm`, `micron`, `s` ...) become the UDUNITS-2
    name with an [`NgffUnitWarning`][ngffkit.NgffUnitWarning]. Anything else that is
    not in the spec's list for the axis type is an error.

    Parameters
    ----------
    unit
        The unit as typed by the user.
    axis
        Axis name, for the message.
    axis_type
        ``"space"``, ``"time"``, ``"channel"`` or a custom type.

    Returns
    -------
    str
        The UDUNITS-2 unit name.

    Raises
    ------
    NgffValueError
        If the unit is unknown for the axis type, or the axis is a channel axis.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     parse_unit("um", axis="x", axis_type="space")
    'micrometer'
    """
    if not isinstance(unit, str) or not unit.strip():
        raise NgffValueError(f"axes_units[{axis!r}]: expected a unit name, got {unit!r}")
    if axis_type == "channel":
        raise NgffValueError(
            f"axes_units[{axis!r}]: a channel axis has no unit in OME-NGFF, got {unit!r}"
        )
    allowed = {"space": SPACE_UNITS, "time": TIME_UNITS}.get(axis_type or "")
    if allowed is None:
        # Custom axes have no unit list in the spec: keep what the user gave.
        return unit
    if unit in allowed:
        return unit
    canonical = UNIT_ALIASES.get(unit.strip().lower(), unit.strip().lower())
    if canonical in allowed:
        warnings.warn(
            f"axes_units[{axis!r}]: {unit!r} is not a UDUNITS-2 name; writing {canonical!r}",
            NgffUnitWarning,
            stacklevel=4,  # parse_unit <- to_ngff_image's helper <- to_ngff_image <- the caller
        )
        return canonical
    examples = ", ".join(sorted(allowed)[:6])
    kind = str(axis_type)
    raise NgffValueError(
        f"axes_units[{axis!r}]: {unit!r} is not an OME-NGFF {kind} unit; expected a "
        f"UDUNITS-2 name such as {examples}, ... (see ngffkit.spec.units.{kind.upper()}_UNITS)"
    )
