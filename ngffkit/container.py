"""The notebook API: open, explore, read, write and create OME-Zarr images as containers.

A facade over the pipeline ([`from_ngff_zarr`][ngffkit.from_ngff_zarr],
[`to_multiscales`][ngffkit.to_multiscales],
[`to_ngff_zarr`][ngffkit.to_ngff_zarr]) in the shape of ngio's `OmeZarrContainer`: both ngio
0.4's spelling (`image_meta`, `levels_paths`, `xy_pixelsize=`) and ngio 1.x's
(`meta`, `level_paths`, `pixelsize=`) work, without deprecation warnings.

- [`open_ome_zarr_container`][ngffkit.open_ome_zarr_container] opens a stored image
  (writable where the store can be written, as ngio's `r+`; `mode="r"` for read-only);
- [`OmeZarrContainer`][ngffkit.OmeZarrContainer] gives the overview, [`Image`][ngffkit.Image]
  and [`Label`][ngffkit.Label] handles on resolution levels (and
  [`MaskedImage`][ngffkit.MaskedImage] / [`MaskedLabel`][ngffkit.MaskedLabel], read and
  written per object of a label), the labels and typed tables (`ngffkit.tables`),
  channel edits and [`derive_image`][ngffkit.OmeZarrContainer.derive_image] /
  [`derive_label`][ngffkit.OmeZarrContainer.derive_label];
- [`create_ome_zarr_from_array`][ngffkit.create_ome_zarr_from_array] and
  [`create_empty_ome_zarr`][ngffkit.create_empty_ome_zarr] write new images
  (OME-NGFF 0.5 by default, `version="0.4"` for Zarr v2 readers);
- `fractal_fsspec_store` opens HTTP(S) stores with a bearer token.

Handles are frozen: they hold the store, the level path and the metadata read when
they were made; a write returns a new handle. Every metadata write merges into the
stored attributes, so labels, tables, channel metadata and other tools' keys survive.

Examples
--------
>>> import numpy as np
>>> from zarr.storage import MemoryStore
>>> x = np.random.default_rng(0).integers(0, 255, (2, 16, 128, 128), dtype=np.uint8)
>>> c = create_ome_zarr_from_array(MemoryStore(), x, pixelsize=0.65, z_spacing=1.0,
...                                channel_labels=["DAPI", "GFP"], levels=3)
>>> c.levels_paths, c.is_3d, c.image_meta.channels_meta.channel_labels
(['0', '1', '2'], True, ('DAPI', 'GFP'))
>>> img = c.get_image()
>>> patch = img.get_array(c="GFP", z=3, x=slice(0, 100))
>>> img = img.set_array(patch // 2, c="GFP", z=3, x=slice(0, 100)).consolidate()
>>> nuclei = c.derive_label("nuclei")
>>> c.list_labels(), nuclei.shape
(['nuclei'], (16, 128, 128))
"""

from __future__ import annotations

from ngffkit._container._container import OmeZarrContainer, open_ome_zarr_container
from ngffkit._container._create import (
    DEFAULT_CREATE_VERSION,
    create_empty_ome_zarr,
    create_ome_zarr_from_array,
    derive_image,
)
from ngffkit._container._handles import AccessMode, ArrayMode, Image, Label
from ngffkit._container._masked import MaskedImage, MaskedLabel
from ngffkit._container._meta import (
    Channel,
    ChannelsMeta,
    Dimensions,
    ImageMeta,
    PixelSize,
)
from ngffkit._container._plate import (
    ImageInWellPath,
    OmeZarrPlate,
    create_empty_plate,
    open_ome_zarr_plate,
)
from ngffkit._container._plate_info import (
    plate_layout,
    plate_overview,
    store_overview,
)
from ngffkit._container._plate_picture import plate_tiles
from ngffkit._container._remote import fractal_fsspec_store
from ngffkit._container._select import Selection, parse_selection, physical_to_pixel

__all__ = [
    "open_ome_zarr_container",
    "create_ome_zarr_from_array",
    "create_empty_ome_zarr",
    "derive_image",
    "fractal_fsspec_store",
    "open_ome_zarr_plate",
    "create_empty_plate",
    "OmeZarrPlate",
    "ImageInWellPath",
    "plate_layout",
    "plate_overview",
    "store_overview",
    "plate_tiles",
    "OmeZarrContainer",
    "Image",
    "Label",
    "MaskedImage",
    "MaskedLabel",
    "ImageMeta",
    "PixelSize",
    "Dimensions",
    "Channel",
    "ChannelsMeta",
    "Selection",
    "parse_selection",
    "physical_to_pixel",
    "AccessMode",
    "ArrayMode",
    "DEFAULT_CREATE_VERSION",
]
