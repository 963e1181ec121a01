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

from importlib.metadata import PackageNotFoundError, version

from ngffkit import errors, spec
from ngffkit.container import (
    Channel,
    ChannelsMeta,
    Dimensions,
    Image,
    ImageMeta,
    Label,
    OmeZarrContainer,
    PixelSize,
    create_empty_ome_zarr,
    create_ome_zarr_from_array,
    open_ome_zarr_container,
)
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
from ngffkit.io import from_ngff_zarr, open_store, to_ngff_zarr
from ngffkit.io.tables import copy_tables, read_table, write_table
from ngffkit.methods import Methods
from ngffkit.model import Multiscales, NgffImage, TableSource
from ngffkit.to_multiscales import to_multiscales
from ngffkit.to_ngff_image import to_ngff_image
from ngffkit.validate import ValidationIssue, ValidationReport, validate

try:
    __version__ = version("ngffkit")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = [
    # pipeline
    "to_ngff_image",
    "to_multiscales",
    "to_ngff_zarr",
    "from_ngff_zarr",
    "validate",
    # container (notebooks)
    "open_ome_zarr_container",
    "create_ome_zarr_from_array",
    "create_empty_ome_zarr",
    "OmeZarrContainer",
    "Image",
    "Label",
    "ImageMeta",
    "PixelSize",
    "Dimensions",
    "Channel",
    "ChannelsMeta",
    # model
    "NgffImage",
    "Multiscales",
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
