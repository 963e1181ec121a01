"""Rules of the transitional ``omero`` block: channel colours and display windows.

Examples
--------
>>> omero = {"channels": [{"color": "#FF0000", "window": {"min": 0, "max": 1, "start": 0,
...                                                         "end": 1}}]}
>>> [found.rule for found in check_omero(omero, Where("", ("omero",)), "0.4")]
['omero-color']
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Final

from ngffkit.spec.rules._catalogue import ValidationIssue, Where, declare, issue, rule
from ngffkit.spec.rules.narrow import JSON, as_list, is_number
from ngffkit.spec.versions import NgffVersion

__all__ = ["check_omero", "omero_color", "omero_window", "HEX_COLOR"]

HEX_COLOR: Final = re.compile(r"^[0-9A-Fa-f]{6}$")
"""A channel colour: six hexadecimal digits RRGGBB, no '#'."""

declare(
    "omero-channel-count",
    "omero",
    "one omero channel per index of the channel axis",
    severity="warning",
    store=True,
)


def _absent_since_05(
    channel: Mapping[str, JSON], where: Where, version: NgffVersion, key: str, shape: str, rule: str
) -> Iterator[ValidationIssue]:
    # 0.4's schema requires the key (its schema check reports it); from 0.5 the schema dropped
    # it but the text still says MUST, so a missing one is a warning.
    if key not in channel and version != "0.4":
        yield issue(
            rule,
            where,
            f"a channel MUST have a '{key}' {shape} per the spec text",
            "warning",
        )


@rule(
    "omero-color",
    section="omero",
    summary="a channel's color is 6 hexadecimal digits RRGGBB without '#' (and is present)",
)
def omero_color(
    channel: Mapping[str, JSON], where: Where, version: NgffVersion
) -> Iterator[ValidationIssue]:
    """The colour is RRGGBB; from 0.5 the schema no longer requires it, the text still does.

    Examples
    --------
    >>> [f.severity for f in omero_color({}, Where("", ("c",)), "0.5")]
    ['warning']
    """
    color = channel.get("color")
    if isinstance(color, str) and not HEX_COLOR.match(color):
        yield issue(
            "omero-color",
            where.at("color"),
            f"expected 6 hexadecimal digits RRGGBB without '#', got {color!r}",
        )
    else:
        yield from _absent_since_05(
            channel, where, version, "color", "(6 hex digits)", rule="omero-color"
        )


@rule(
    "omero-window",
    section="omero",
    summary="a channel's window has numbers min, max, start and end (and is present)",
)
def omero_window(
    channel: Mapping[str, JSON], where: Where, version: NgffVersion
) -> Iterator[ValidationIssue]:
    """The window has four numbers; from 0.5 the schema no longer requires it.

    Examples
    --------
    >>> [f.rule for f in omero_window({"window": {"min": 0}}, Where("", ("c",)), "0.4")]
    ['omero-window']
    """
    window = channel.get("window")
    if isinstance(window, Mapping):
        missing = [k for k in ("min", "max", "start", "end") if not is_number(window.get(k))]
        if missing:
            yield issue(
                "omero-window",
                where.at("window"),
                f"a window needs numbers for min, max, start and end; missing or not a "
                f"number: {missing}",
            )
    else:
        yield from _absent_since_05(
            channel, where, version, "window", "{min, max, start, end}", rule="omero-window"
        )


def check_omero(
    omero: Mapping[str, JSON], where: Where, version: NgffVersion
) -> Iterator[ValidationIssue]:
    """Every rule of this section on one ``omero`` block.

    Examples
    --------
    >>> list(check_omero({"channels": []}, Where("", ("omero",)), "0.5"))
    []
    """
    for i, channel in enumerate(as_list(omero.get("channels")) or []):
        if isinstance(channel, Mapping):
            yield from omero_color(channel, where.at("channels", i), version)
            yield from omero_window(channel, where.at("channels", i), version)
