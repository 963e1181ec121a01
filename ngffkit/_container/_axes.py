"""The questions a container and a level handle both answer: axes and channels.

ngio asks the axis questions (``is_3d``, ``space_unit`` ...) of a container (about its
highest resolution) and of each `Image` or `Label` (about that level), and the channel
questions (``num_channels``, ``get_channel_idx``) of a container and of each `Image`. Both
classes hold the pyramid they were read with, so one base class answers each kind from it:
`LevelAxes` from one level (the highest resolution unless a subclass says which),
`ImageChannels` from the ``omero`` metadata, which every level shares.
"""

from __future__ import annotations

from dataclasses import dataclass

from ngffkit._container._meta import (
    ChannelsMeta,
    Dimensions,
    PixelSize,
    channels_meta_of,
    dimensions_of,
    pixel_size_of,
)
from ngffkit.model import Multiscales, NgffImage

__all__ = ["LevelAxes", "ImageChannels"]


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


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class ImageChannels:
    """The channels of an image pyramid: labels, colours, windows; the same for every level.

    Examples
    --------
    >>> import numpy as np
    >>> from ngffkit.pyramids import to_multiscales
    >>> ImageChannels(multiscales=to_multiscales(np.zeros((3, 8, 8, 8), "u1"), scale_factors=[])).num_channels
    3
    """

    multiscales: Multiscales
    """The pyramid as read (lazy pixels)."""

    @property
    def channels_meta(self) -> ChannelsMeta:
        """Channels: labels, colours, windows (filled in where the store lacks them)."""
        return channels_meta_of(self.multiscales)

    @property
    def num_channels(self) -> int:
        """Number of channels (1 without a ``c`` axis)."""
        return self.channels_meta.num_channels

    def get_channel_idx(
        self, channel_label: str | None = None, wavelength_id: str | None = None
    ) -> int:
        """Index of a channel by label or wavelength id.

        The arguments and errors are those of
        [`ChannelsMeta.get_channel_idx`][ngffkit.ChannelsMeta.get_channel_idx].

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> c = create_empty_ome_zarr(MemoryStore(), (3, 16, 16), pixelsize=1.0, axes_names="cyx",
        ...                           channel_labels=["DAPI", "GFP", "RFP"])
        >>> c.get_channel_idx("GFP"), c.get_image(lowest=True).get_channel_idx("RFP")
        (1, 2)
        """
        return self.channels_meta.get_channel_idx(channel_label, wavelength_id)
