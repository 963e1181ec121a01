"""The JSON of each OME-NGFF version: image, labels and image-label attributes, both ways.

One module per version holds what that version writes differently (`v04` also reads
0.1-0.3; `v05` is 0.4's multiscale layout under ``attributes.ome``; `v06` has RFC-5 coordinate
systems); `_blocks` the parts they share. The reader and the writer learn the version
differences of the JSON from this package alone, through `CODECS`.

[`encode_image_attrs`][ngffkit.spec.encode_image_attrs] and
[`decode_image_attrs`][ngffkit.spec.decode_image_attrs] are inverses for the
versions ngffkit writes.

Examples
--------
>>> from ngffkit.spec.image import Axis, Dataset, ImageAttrs, MultiscaleMetadata
>>> doc = ImageAttrs(multiscales=(MultiscaleMetadata(
...     axes=(Axis(name="y", type="space"), Axis(name="x", type="space")),
...     datasets=(Dataset(path="0", scale=(1.0, 1.0)),)),))
>>> attrs = encode_image_attrs(doc, "0.5")
>>> attrs["ome"]["version"]
'0.5'
>>> decode_image_attrs(attrs, zarr_format=3) == ("0.5", doc)
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Protocol

from ngffkit.errors import NgffValidationError
from ngffkit.spec._parse import expect_list, expect_str, freeze
from ngffkit.spec.codec import v04, v05, v06
from ngffkit.spec.codec._blocks import (
    IMAGE_KEYS,
    decode_image_label,
    decode_omero,
    encode_image_label,
    encode_omero,
    safe_listed,
    split_ome,
)
from ngffkit.spec.codec._hcs import (
    decode_plate_block,
    decode_well_block,
    encode_plate_block,
    encode_well_block,
)
from ngffkit.spec.image import ImageAttrs, LabelsAttrs, MultiscaleMetadata
from ngffkit.spec.plate import PlateMetadata, WellMetadata
from ngffkit.spec.versions import (
    ZARR_FORMAT,
    NgffVersion,
    ReadableVersion,
    detect_version,
    ome_namespace,
    parse_version,
)

__all__ = [
    "CODECS",
    "VersionCodec",
    "decode_image_attrs",
    "encode_image_attrs",
    "decode_labels_attrs",
    "encode_labels_attrs",
    "decode_plate_attrs",
    "encode_plate_attrs",
    "decode_well_attrs",
    "encode_well_attrs",
]


class VersionCodec(Protocol):
    """What each version module (`v04`, `v05`, `v06`) provides."""

    def decode_multiscale(
        self,
        raw: object,
        where: str,
        version: ReadableVersion,
        ndim: int | None,
        shapes: Sequence[Sequence[int]] | None,
    ) -> MultiscaleMetadata: ...

    def encode_multiscale(self, ms: MultiscaleMetadata, version: NgffVersion) -> dict[str, Any]: ...

    def attributes(
        self,
        ome: Mapping[str, Any],
        rest: Mapping[str, Any],
        extra_ome: Mapping[str, Any],
        version: NgffVersion,
    ) -> dict[str, Any]: ...

    def hcs_block(self, block: Mapping[str, Any], version: NgffVersion) -> dict[str, Any]: ...


CODECS: Final[Mapping[str, VersionCodec]] = {
    "0.1": v04,
    "0.2": v04,
    "0.3": v04,
    "0.4": v04,
    "0.5": v05,
    "0.6": v06,
}
"""The module that reads (and, from 0.4 on, writes) each version's JSON."""


def decode_image_attrs(
    attrs: Mapping[str, Any],
    *,
    zarr_format: int,
    version: ReadableVersion | str | None = None,
    ndim: int | None = None,
    shapes: Sequence[Sequence[int]] | None = None,
    where: str = "attributes",
) -> tuple[ReadableVersion, ImageAttrs]:
    """Parse the attributes of an image group of any readable version.

    Parameters
    ----------
    attrs
        Group attributes (``.zattrs`` for Zarr v2, ``zarr.json["attributes"]`` for v3).
    zarr_format
        2 or 3: decides where the OME keys are looked for.
    version
        Force a version instead of detecting it.
    ndim, shapes
        Array dimensionality and level shapes, needed only for 0.1-0.3 data that
        has no axes or transforms.
    where
        Prefix of the JSON paths in error messages (e.g. the store location).

    Returns
    -------
    tuple of (str, ImageAttrs)
        The version found and the parsed metadata.

    Raises
    ------
    NgffValidationError
        If the metadata is missing or breaks a rule; ``rule`` and ``path`` say which and where.

    Examples
    --------
    >>> attrs = {"multiscales": [{"version": "0.4", "axes": [
    ...     {"name": "y", "type": "space"}, {"name": "x", "type": "space"}],
    ...     "datasets": [{"path": "0", "coordinateTransformations": [
    ...         {"type": "scale", "scale": [2.0, 2.0]}]}]}]}
    >>> version, doc = decode_image_attrs(attrs, zarr_format=2)
    >>> version, doc.multiscales[0].datasets[0].scale
    ('0.4', (2.0, 2.0))
    """
    found = version or detect_version(attrs, zarr_format=zarr_format)
    if found is None:
        raise NgffValidationError(
            f"{where}: no OME-NGFF metadata (no 'multiscales' and no 'ome' key)",
            rule="no-ome-metadata",
            path=where,
        )
    found = parse_version(found, writable=False)
    ome, rest = split_ome(attrs, found)
    prefix = f"{where}.ome" if ZARR_FORMAT[found] == 3 and "ome" in attrs else where
    raw_ms = expect_list(
        ome.get("multiscales"), f"{prefix}.multiscales", rule="multiscales-missing", min_len=1
    )
    codec = CODECS[found]
    multiscales = tuple(
        codec.decode_multiscale(m, f"{prefix}.multiscales[{i}]", found, ndim, shapes)
        for i, m in enumerate(raw_ms)
    )
    omero = decode_omero(ome["omero"], f"{prefix}.omero", None) if ome.get("omero") else None
    image_label = (
        decode_image_label(ome["image-label"], f"{prefix}.image-label")
        if "image-label" in ome
        else None
    )
    extra_ome = {k: freeze(v) for k, v in ome.items() if k not in (*IMAGE_KEYS, "labels")}
    if ZARR_FORMAT[found] == 2:
        extra_ome = {}
    return found, ImageAttrs(
        multiscales=multiscales,
        omero=omero,
        image_label=image_label,
        extra_ome=extra_ome,
        extra={k: freeze(v) for k, v in rest.items()},
    )


def encode_image_attrs(doc: ImageAttrs, version: NgffVersion | str) -> dict[str, Any]:
    """Return the group attributes of *doc* in the JSON layout of *version*.

    Parameters
    ----------
    doc
        The image metadata.
    version
        ``"0.4"``, ``"0.5"`` or ``"0.6"``.

    Returns
    -------
    dict
        ``.zattrs`` content (0.4) or ``zarr.json["attributes"]`` (0.5, 0.6).

    Examples
    --------
    >>> from ngffkit.spec.image import Axis, Dataset, MultiscaleMetadata
    >>> doc = ImageAttrs(multiscales=(MultiscaleMetadata(
    ...     axes=(Axis(name="y", type="space"), Axis(name="x", type="space")),
    ...     datasets=(Dataset(path="0", scale=(1.0, 1.0)),)),))
    >>> encode_image_attrs(doc, "0.4")["multiscales"][0]["version"]
    '0.4'
    """
    version = parse_version(version)
    codec = CODECS[version]
    ome: dict[str, Any] = {
        "multiscales": [codec.encode_multiscale(m, version) for m in doc.multiscales]
    }
    if doc.omero is not None:
        ome["omero"] = encode_omero(doc.omero)
    if doc.image_label is not None:
        ome["image-label"] = encode_image_label(doc.image_label, version)
    return codec.attributes(ome, doc.extra, doc.extra_ome, version)


def decode_labels_attrs(
    attrs: Mapping[str, Any], *, zarr_format: int, where: str = "labels"
) -> LabelsAttrs:
    """Parse the attributes of a ``labels`` group (any version; tolerant of ``labels`` outside ``ome``).

    Examples
    --------
    >>> decode_labels_attrs({"ome": {"version": "0.5", "labels": ["cells"]}}, zarr_format=3).labels
    ('cells',)
    """
    namespace, inside = ome_namespace(attrs)
    ome = namespace if inside else None
    source: Mapping[str, Any] = namespace if "labels" in namespace else attrs
    names = expect_list(source.get("labels", []), f"{where}.labels", rule="labels-list")
    listed = (
        safe_listed(expect_str(n, f"{where}.labels[{i}]"), f"{where}.labels[{i}]")
        for i, n in enumerate(names)
    )
    labels = tuple(dict.fromkeys(n for n in listed if n is not None))
    extra_ome = (
        {k: freeze(v) for k, v in ome.items() if k not in ("labels", "version")}
        if isinstance(ome, Mapping)
        else {}
    )
    extra = {k: freeze(v) for k, v in attrs.items() if k not in ("ome", "labels")}
    return LabelsAttrs(labels=labels, extra_ome=extra_ome, extra=extra)


def encode_labels_attrs(doc: LabelsAttrs, version: NgffVersion | str) -> dict[str, Any]:
    """Return the attributes of a ``labels`` group for *version*.

    Examples
    --------
    >>> encode_labels_attrs(LabelsAttrs(labels=("cells",)), "0.5")
    {'ome': {'version': '0.5', 'labels': ['cells']}}
    """
    version = parse_version(version)
    return CODECS[version].attributes(
        {"labels": list(doc.labels)}, doc.extra, doc.extra_ome, version
    )


def _hcs_block(
    attrs: Mapping[str, Any], key: str, zarr_format: int, where: str
) -> tuple[ReadableVersion, Mapping[str, Any], str]:
    found = detect_version(attrs, zarr_format=zarr_format)
    namespace, inside = ome_namespace(attrs)
    if found is None or not isinstance(namespace.get(key), Mapping):
        raise NgffValidationError(
            f"{where}: no OME-NGFF {key!r} metadata (the group is not a {key})",
            rule="no-ome-metadata",
            path=where,
        )
    prefix = f"{where}.ome" if inside else where
    return found, namespace[key], f"{prefix}.{key}"


def _encode_hcs(key: str, block: Mapping[str, Any], version: NgffVersion | str) -> dict[str, Any]:
    """Group attributes holding one ``plate`` or ``well`` *block*, in *version*'s layout."""
    version = parse_version(version)
    codec = CODECS[version]
    return codec.attributes({key: codec.hcs_block(block, version)}, {}, {}, version)


def decode_plate_attrs(
    attrs: Mapping[str, Any], *, zarr_format: int, where: str = "attributes"
) -> tuple[ReadableVersion, PlateMetadata]:
    """Parse the attributes of a plate group of any version.

    Raises
    ------
    NgffValidationError
        If there is no ``plate`` block, or it breaks a rule (``rule`` and ``path`` say which).

    Examples
    --------
    >>> attrs = {"plate": {"version": "0.4", "rows": [{"name": "A"}],
    ...          "columns": [{"name": "1"}], "wells": [{"path": "A/1", "rowIndex": 0,
    ...          "columnIndex": 0}]}}
    >>> version, plate = decode_plate_attrs(attrs, zarr_format=2)
    >>> version, plate.wells_paths
    ('0.4', ('A/1',))
    """
    version, block, at = _hcs_block(attrs, "plate", zarr_format, where)
    return version, decode_plate_block(block, at)


def encode_plate_attrs(plate: PlateMetadata, version: NgffVersion | str) -> dict[str, Any]:
    """The group attributes of a plate in the JSON layout of *version*.

    Examples
    --------
    >>> from ngffkit.spec.plate import with_well
    >>> plate = with_well(PlateMetadata(name="p"), "A", 1)
    >>> encode_plate_attrs(plate, "0.4")["plate"]["version"]
    '0.4'
    >>> decode_plate_attrs(encode_plate_attrs(plate, "0.5"), zarr_format=3) == ("0.5", plate)
    True
    """
    return _encode_hcs("plate", encode_plate_block(plate), version)


def decode_well_attrs(
    attrs: Mapping[str, Any], *, zarr_format: int, where: str = "attributes"
) -> tuple[ReadableVersion, WellMetadata]:
    """Parse the attributes of a well group of any version.

    Examples
    --------
    >>> decode_well_attrs({"ome": {"version": "0.5", "well": {"images": [{"path": "0"}]}}},
    ...                   zarr_format=3)[1].paths()
    ('0',)
    """
    version, block, at = _hcs_block(attrs, "well", zarr_format, where)
    return version, decode_well_block(block, at)


def encode_well_attrs(well: WellMetadata, version: NgffVersion | str) -> dict[str, Any]:
    """The group attributes of a well in the JSON layout of *version*.

    Examples
    --------
    >>> from ngffkit.spec.plate import WellImage
    >>> encode_well_attrs(WellMetadata(images=(WellImage(path="0"),)), "0.4")
    {'well': {'version': '0.4', 'images': [{'path': '0'}]}}
    """
    return _encode_hcs("well", encode_well_block(well), version)
