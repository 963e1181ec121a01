"""The axis questions (``is_3d``, ``space_unit`` ...) a container and a level handle both answer.

ngio asks them of a container (about its highest resolution) and of each `Image` or `Label`
(about that level). Both classes hold the pyramid they were read with, so one base class
answers them from one level of it: the highest resolution unless a subclass says which.
"""

from __future__ import annotations

from dataclasses import dataclass

from ngffkit._container._meta import Dimensions, PixelSize, dimensions_of, pixel_size_of
from ngffkit.model import Multiscales, NgffImage

__all__ = ["LevelAxes"]


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class LevelAxes:
    """Axis names, sizes, pixel size and units of one level of `multiscales`, and what they imply.

    Examples
    --------
    >>> import numpy as np
    >>> from ngffkit.pyramids import to_multiscales
    >>> ms = to_multiscales(np.zeros((2, 4, 8, 8), "u1"), scale_factors=[])
    >>> axes = LevelAxes(multiscales=ms)
    >>> axes.axes_names, axes.is_3d, axes.is_multi_channels, axes.is_time_series
    (('c', 'z', 'y', 'x'), True, True, False)
    """

    multiscales: Multiscales
    """The pyramid as read (lazy pixels)."""

    def _level_image(self) -> NgffImage:
        """The level the answers are about: the highest resolution (a level handle: its own)."""
        return self.multiscales.images[0]

    @property
    def axes_names(self) -> tuple[str, ...]:
        """Axis names in array order."""
        return self._level_image().dims

    @property
    def dimensions(self) -> Dimensions:
        """Axis names and sizes (of the highest resolution, for a container)."""
        return dimensions_of(self._level_image())

    @property
    def pixel_size(self) -> PixelSize:
        """Physical size of the pixels (of the highest resolution, for a container)."""
        return pixel_size_of(self._level_image())

    @property
    def is_2d(self) -> bool:
        """No ``z`` axis, or ``z`` of size 1."""
        return self.dimensions.is_2d

    @property
    def is_3d(self) -> bool:
        """A ``z`` axis longer than 1."""
        return self.dimensions.is_3d

    @property
    def is_time_series(self) -> bool:
        """A ``t`` axis longer than 1."""
        return self.dimensions.is_time_series

    @property
    def is_multi_channels(self) -> bool:
        """A ``c`` axis longer than 1."""
        return self.dimensions.is_multi_channels

    @property
    def space_unit(self) -> str | None:
        """Unit of the space axes."""
        return self.pixel_size.space_unit

    @property
    def time_unit(self) -> str | None:
        """Unit of the time axis."""
        return self.pixel_size.time_unit
