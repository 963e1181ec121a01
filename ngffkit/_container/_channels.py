"""Channel metadata edits as pure functions: new labels, colours, windows and flags, checked.

The container's ``set_channel_*`` methods read the image's omero block, call these and
write the result.

Examples
--------
>>> from ngffkit.spec import Omero, OmeroChannel, OmeroWindow
>>> window = OmeroWindow(min=0, max=255, start=0, end=255)
>>> omero = Omero(channels=(OmeroChannel(label="a", window=window),))
>>> edit_channels(omero, colors=["red"]).channels[0].color
'FF0000'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Final

import numpy as np

from ngffkit._container._meta import parse_color
from ngffkit.errors import NgffValueError
from ngffkit.model import NgffImage
from ngffkit.spec import Omero, OmeroChannel, OmeroWindow

__all__ = ["edit_channels", "percentile_windows", "PERCENTILE_BUDGET"]

PERCENTILE_BUDGET: Final = 2**24
"""Pixels read at most to compute percentile windows (the finest level that small)."""


def _per_channel(values: Sequence[Any], what: str, channels: Sequence[OmeroChannel]) -> list[Any]:
    if isinstance(values, str) or len(values) != len(channels):
        labels = [ch.label for ch in channels]
        raise NgffValueError(
            f"{what}: expected {len(channels)} values (one per channel {labels}), got "
            f"{values!r} (nothing was written)"
        )
    return list(values)


def _windows(
    channels: Sequence[OmeroChannel],
    windows: Sequence[tuple[float, float]] | None,
    min_max: Sequence[tuple[float, float]] | None,
) -> list[OmeroChannel]:
    n = len(channels)
    starts_ends = _per_channel(windows, "windows", channels) if windows is not None else [None] * n
    ranges = _per_channel(min_max, "min_max", channels) if min_max is not None else [None] * n
    updated = []
    for ch, se, mm in zip(channels, starts_ends, ranges, strict=True):
        old = ch.window or OmeroWindow(min=0.0, max=0.0, start=0.0, end=0.0)
        start, end = (float(se[0]), float(se[1])) if se is not None else (old.start, old.end)
        low, high = (
            (float(mm[0]), float(mm[1]))
            if mm is not None
            else (min(old.min, start), max(old.max, end))
        )
        if not all(math.isfinite(v) for v in (start, end, low, high)):
            raise NgffValueError(f"windows: expected finite numbers, got {se!r} / {mm!r}")
        updated.append(replace(ch, window=OmeroWindow(min=low, max=high, start=start, end=end)))
    return updated


def edit_channels(
    omero: Omero,
    *,
    labels: Sequence[str] | None = None,
    colors: Sequence[str] | None = None,
    windows: Sequence[tuple[float, float]] | None = None,
    min_max: Sequence[tuple[float, float]] | None = None,
    active: Sequence[bool] | None = None,
) -> Omero:
    """*omero* with new per-channel values; every other channel key is kept.

    Raises
    ------
    NgffValueError
        If a list does not have one value per channel, labels repeat, a colour is not one, or
        a window is not finite.

    Examples
    --------
    >>> from ngffkit.spec import Omero, OmeroChannel
    >>> omero = Omero(channels=(OmeroChannel(label="a"), OmeroChannel(label="b")))
    >>> edit_channels(omero, labels=["x", "x"])
    Traceback (most recent call last):
    ...
    ngffkit.errors.NgffValueError: labels: channel labels must be unique, got ['x', 'x'] (nothing was written)
    """
    channels = list(omero.channels)
    if labels is not None:
        new_labels = [str(v) for v in _per_channel(labels, "labels", channels)]
        if len(set(new_labels)) != len(channels):
            raise NgffValueError(
                f"labels: channel labels must be unique, got {new_labels} (nothing was written)"
            )
        channels = [replace(ch, label=v) for ch, v in zip(channels, new_labels, strict=True)]
    if colors is not None:
        parsed = [
            parse_color(v, where=f"colors[{i}]")
            for i, v in enumerate(_per_channel(colors, "colors", channels))
        ]
        channels = [replace(ch, color=v) for ch, v in zip(channels, parsed, strict=True)]
    if windows is not None or min_max is not None:
        channels = _windows(channels, windows, min_max)
    if active is not None:
        flags = _per_channel(active, "active", channels)
        channels = [replace(ch, active=bool(v)) for ch, v in zip(channels, flags, strict=True)]
    return replace(omero, channels=tuple(channels))


def percentile_windows(
    images: Sequence[NgffImage], percentiles: tuple[float, float]
) -> list[tuple[float, float]]:
    """Each channel's ``(start, end)`` at the given percentiles of one level's pixels.

    The finest level with at most `PERCENTILE_BUDGET` pixels is read (the lowest one if none
    is that small), so this stays cheap on large images.

    Examples
    --------
    >>> import numpy as np
    >>> from ngffkit import to_ngff_image
    >>> image = to_ngff_image(np.arange(100, dtype="uint16").reshape(10, 10))
    >>> percentile_windows([image], (0, 100))
    [(0.0, 99.0)]
    """
    low, high = (float(p) for p in percentiles)
    if not 0 <= low <= high <= 100:
        raise NgffValueError(f"percentiles: expected 0 <= low <= high <= 100, got {percentiles!r}")
    level = next((img for img in images if math.prod(img.shape) <= PERCENTILE_BUDGET), images[-1])
    pixels = np.asarray(level.data.compute())
    # One row per channel (an image without a c axis is one channel).
    pixels = np.moveaxis(pixels, level.dims.index("c"), 0) if "c" in level.dims else pixels[None]
    windows = []
    for channel in pixels:
        start, end = np.percentile(channel, [low, high])
        windows.append((float(start), float(end)))
    return windows
