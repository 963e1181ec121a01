"""What an image's axes say about it, asked the same way of a container and of a level.

ngio answers ``is_3d``, ``space_unit`` ... on the container (its highest resolution) and on
each `Image` or `Label` (that level). Both classes take these answers from one mixin, which
needs only their `dimensions` and `pixel_size`.
"""

from __future__ import annotations

from ngffkit._container._meta import Dimensions, PixelSize

__all__ = ["AxisFacts"]


class AxisFacts:
    """Axis questions answered from ``self.dimensions`` and ``self.pixel_size``.

    Examples
    --------
    >>> import numpy as np
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.container import create_ome_zarr_from_array
    >>> c = create_ome_zarr_from_array(MemoryStore(), np.zeros((2, 4, 8, 8), "uint8"),
    ...                                pixelsize=0.5, axes_names="czyx")
    >>> c.is_3d, c.is_multi_channels, c.get_image().is_time_series, c.space_unit
    (True, True, False, 'micrometer')
    """

    @property
    def dimensions(self) -> Dimensions:
        raise NotImplementedError

    @property
    def pixel_size(self) -> PixelSize:
        raise NotImplementedError

    @property
    def axes_names(self) -> tuple[str, ...]:
        """Axis names in array order."""
        return self.dimensions.axes

    def has_axis(self, axis: str) -> bool:
        """True if there is an axis named *axis*."""
        return axis in self.axes_names

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
    def is_2d_time_series(self) -> bool:
        """2-D and a time series."""
        return self.dimensions.is_2d_time_series

    @property
    def is_3d_time_series(self) -> bool:
        """3-D and a time series."""
        return self.dimensions.is_3d_time_series

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
