"""OME-NGFF metadata as frozen dataclasses, and their JSON for each version.

No arrays and no zarr here: this room only turns JSON into values and back.
"""

from __future__ import annotations

from ngffkit.spec._parse import finite, non_finite, pointer
from ngffkit.spec.codec import (
    decode_image_attrs,
    decode_labels_attrs,
    decode_plate_attrs,
    decode_well_attrs,
    encode_image_attrs,
    encode_labels_attrs,
    encode_plate_attrs,
    encode_well_attrs,
)
from ngffkit.spec.image import (
    ANATOMICAL_ORIENTATIONS,
    Axis,
    Dataset,
    ImageAttrs,
    ImageLabel,
    LabelColor,
    LabelsAttrs,
    MultiscaleMetadata,
    Omero,
    OmeroChannel,
    OmeroWindow,
    default_axis_type,
)
from ngffkit.spec.plate import (
    Acquisition,
    PlateMetadata,
    WellImage,
    WellInPlate,
    WellMetadata,
    column_name,
)
from ngffkit.spec.units import SPACE_UNITS, TIME_UNITS, UNIT_ALIASES, parse_unit
from ngffkit.spec.versions import (
    DEFAULT_VERSION,
    READABLE_VERSIONS,
    WRITABLE_VERSIONS,
    ZARR_FORMAT,
    NgffVersion,
    ReadableVersion,
    detect_version,
    is_image_attrs,
    ome_namespace,
    parse_version,
)

__all__ = [
    "ANATOMICAL_ORIENTATIONS",
    "Axis",
    "Dataset",
    "ImageAttrs",
    "ImageLabel",
    "LabelColor",
    "LabelsAttrs",
    "MultiscaleMetadata",
    "Omero",
    "OmeroChannel",
    "OmeroWindow",
    "default_axis_type",
    "SPACE_UNITS",
    "TIME_UNITS",
    "UNIT_ALIASES",
    "parse_unit",
    "DEFAULT_VERSION",
    "READABLE_VERSIONS",
    "WRITABLE_VERSIONS",
    "ZARR_FORMAT",
    "NgffVersion",
    "ReadableVersion",
    "decode_image_attrs",
    "decode_labels_attrs",
    "detect_version",
    "encode_image_attrs",
    "encode_labels_attrs",
    "is_image_attrs",
    "ome_namespace",
    "parse_version",
    "decode_plate_attrs",
    "encode_plate_attrs",
    "decode_well_attrs",
    "encode_well_attrs",
    "Acquisition",
    "PlateMetadata",
    "WellImage",
    "WellInPlate",
    "WellMetadata",
    "column_name",
    "finite",
    "non_finite",
    "pointer",
]
