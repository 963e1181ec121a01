"""ngffkit: lean, fast, validated OME-Zarr (OME-NGFF 0.4 / 0.5 / 0.6) for Python.

The pipeline is four pure functions over frozen values:

    image = ngffkit.to_ngff_image(array, dims=("z", "y", "x"), scale={...}, axes_units="micrometer")
    ms = ngffkit.to_multiscales(image, scale_factors=[2, 4], chunks=64)   # lazy
    ngffkit.to_ngff_zarr("image.ome.zarr", ms)                            # computes and writes
    back = ngffkit.from_ngff_zarr("image.ome.zarr")                       # lazy again

and `ngffkit.validate(store)` checks any store against the official schemas
and the rules they cannot express.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Errors are plain classes with no dependencies: the one room imported eagerly.
from ngffkit import errors
from ngffkit.errors import (
    NgffAuthError,
    NgffConversionError,
    NgffCorruptDataError,
    NgffDependencyError,
    NgffError,
    NgffExistsError,
    NgffIncompleteStoreError,
    NgffKeyError,
    NgffLockError,
    NgffNotFoundError,
    NgffReadOnlyError,
    NgffRemoteError,
    NgffResumeError,
    NgffTimeoutError,
    NgffTypeError,
    NgffUnitWarning,
    NgffValidationError,
    NgffValidationWarning,
    NgffValueError,
    NgffWarning,
)

if TYPE_CHECKING:  # type checkers and IDEs see the real names; the interpreter defers them
    from ngffkit import spec, tables
    from ngffkit.arrays import (
        to_ngff_image,
    )
    from ngffkit.container import (
        Channel,
        ChannelsMeta,
        Dimensions,
        Image,
        ImageInWellPath,
        ImageMeta,
        Label,
        MaskedImage,
        MaskedLabel,
        OmeZarrContainer,
        OmeZarrPlate,
        PixelSize,
        create_empty_ome_zarr,
        create_empty_plate,
        create_ome_zarr_from_array,
        open_ome_zarr_container,
        open_ome_zarr_plate,
    )
    from ngffkit.io import (
        from_ngff_zarr,
        open_store,
        to_ngff_zarr,
    )
    from ngffkit.io.tables import (
        copy_tables,
        read_table,
        write_table,
    )
    from ngffkit.methods import (
        Methods,
    )
    from ngffkit.model import (
        Multiscales,
        NgffImage,
        StoredLayout,
        TableSource,
    )
    from ngffkit.pictures import preview, pyramid_overview
    from ngffkit.pyramids import (
        to_multiscales,
    )
    from ngffkit.readers import read_image
    from ngffkit.rois import Roi, RoiPixels
    from ngffkit.validation import (
        ValidationIssue,
        ValidationReport,
        validate,
    )

# Public name -> the module that defines it. `import ngffkit` loads none of them (no dask,
# zarr, xarray, scipy or rich): each is imported the first time its name is used (PEP 562).
_LAZY: dict[str, str] = {
    "Channel": "ngffkit.container",
    "ChannelsMeta": "ngffkit.container",
    "Dimensions": "ngffkit.container",
    "Image": "ngffkit.container",
    "ImageMeta": "ngffkit.container",
    "Label": "ngffkit.container",
    "MaskedImage": "ngffkit.container",
    "MaskedLabel": "ngffkit.container",
    "OmeZarrContainer": "ngffkit.container",
    "PixelSize": "ngffkit.container",
    "create_empty_ome_zarr": "ngffkit.container",
    "create_ome_zarr_from_array": "ngffkit.container",
    "open_ome_zarr_container": "ngffkit.container",
    "OmeZarrPlate": "ngffkit.container",
    "ImageInWellPath": "ngffkit.container",
    "open_ome_zarr_plate": "ngffkit.container",
    "create_empty_plate": "ngffkit.container",
    "from_ngff_zarr": "ngffkit.io",
    "open_store": "ngffkit.io",
    "to_ngff_zarr": "ngffkit.io",
    "copy_tables": "ngffkit.io.tables",
    "read_table": "ngffkit.io.tables",
    "write_table": "ngffkit.io.tables",
    "Methods": "ngffkit.methods",
    "preview": "ngffkit.pictures",
    "pyramid_overview": "ngffkit.pictures",
    "Multiscales": "ngffkit.model",
    "NgffImage": "ngffkit.model",
    "StoredLayout": "ngffkit.model",
    "TableSource": "ngffkit.model",
    "to_multiscales": "ngffkit.pyramids",
    "Roi": "ngffkit.rois",
    "RoiPixels": "ngffkit.rois",
    "to_ngff_image": "ngffkit.arrays",
    "read_image": "ngffkit.readers",
    "ValidationIssue": "ngffkit.validation",
    "ValidationReport": "ngffkit.validation",
    "validate": "ngffkit.validation",
}
_ROOMS = ("spec", "tables")

__version__: str
"""The installed distribution's version (``"0.0.0"`` from a source tree without install).

Looked up on first use: reading the installed metadata costs more than the rest of
``import ngffkit``.
"""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _ROOMS:
        value = importlib.import_module(f"ngffkit.{name}")
    elif name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("ngffkit")
        except PackageNotFoundError:  # pragma: no cover - a source tree without install
            value = "0.0.0"
    else:
        raise AttributeError(f"module 'ngffkit' has no attribute {name!r}")
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    # pipeline
    "read_image",
    "to_ngff_image",
    "to_multiscales",
    "to_ngff_zarr",
    "from_ngff_zarr",
    "validate",
    # pictures
    "preview",
    "pyramid_overview",
    # container (notebooks)
    "open_ome_zarr_container",
    "create_ome_zarr_from_array",
    "create_empty_ome_zarr",
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
    # HCS plates (notebooks)
    "open_ome_zarr_plate",
    "create_empty_plate",
    "OmeZarrPlate",
    "ImageInWellPath",
    # regions of interest
    "Roi",
    "RoiPixels",
    # model
    "NgffImage",
    "Multiscales",
    "StoredLayout",
    "TableSource",
    "Methods",
    "ValidationReport",
    "ValidationIssue",
    "open_store",
    # tables (Fractal / ngio)
    "read_table",
    "write_table",
    "copy_tables",
    # rooms
    "spec",
    "tables",
    "errors",
    # errors
    "NgffError",
    "NgffValueError",
    "NgffTypeError",
    "NgffValidationError",
    "NgffIncompleteStoreError",
    "NgffNotFoundError",
    "NgffExistsError",
    "NgffKeyError",
    "NgffReadOnlyError",
    "NgffDependencyError",
    "NgffConversionError",
    "NgffCorruptDataError",
    "NgffResumeError",
    "NgffLockError",
    "NgffRemoteError",
    "NgffTimeoutError",
    "NgffAuthError",
    "NgffWarning",
    "NgffValidationWarning",
    "NgffUnitWarning",
    "__version__",
]
