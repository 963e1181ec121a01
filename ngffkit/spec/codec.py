"""The JSON of each OME-NGFF version: image, labels and image-label attributes, both ways.

The reader and the writer learn the version differences of the JSON from this module alone:

- 0.3 has axes as a list of names, 0.1/0.2 have no axes and no transforms (read only).
- 0.4: keys at the top level of ``.zattrs``, ``multiscales[].version``.
- 0.5: every OME key under ``attributes["ome"]`` with ``ome.version``.
- 0.6: like 0.5, axes inside ``coordinateSystems`` and transforms with ``input``/``output``
  (RFC-5).

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

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Final

from ngffkit.errors import NgffValidationError, NgffValidationWarning, NgffValueError
from ngffkit.spec._parse import (
    expect_int,
    expect_list,
    expect_mapping,
    expect_number,
    expect_str,
    freeze,
)
from ngffkit.spec.image import (
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
from ngffkit.spec.names import name_problem
from ngffkit.spec.versions import ZARR_FORMAT, detect_version, ome_namespace, parse_version

__all__ = [
    "decode_image_attrs",
    "encode_image_attrs",
    "decode_labels_attrs",
    "encode_labels_attrs",
]

_IMAGE_KEYS: Final = ("multiscales", "omero", "image-label", "version")
"""The OME keys an image's decoding consumes; other OME keys are kept as they are."""

_V2_OME_KEYS: Final = ("multiscales", "omero", "image-label", "labels", "plate", "well")
"""Top-level keys of a Zarr v2 group that are OME metadata rather than user attributes."""


def _ome_block(attrs: Mapping[str, Any], version: str) -> tuple[Mapping[str, Any], dict[str, Any]]:
    """Split attributes into (OME block, non-OME attributes)."""
    if ZARR_FORMAT[version] == 3 and "ome" in attrs:
        ome = expect_mapping(attrs["ome"], "attributes.ome")
        rest = {k: v for k, v in attrs.items() if k != "ome"}
        return ome, rest
    ome = {k: v for k, v in attrs.items() if k in _V2_OME_KEYS}
    rest = {k: v for k, v in attrs.items() if k not in _V2_OME_KEYS}
    return ome, rest


# --------------------------------------------------------------------------- decode


def _decode_axis(raw: object, where: str, version: str) -> Axis:
    if isinstance(raw, str):  # 0.3: a list of names
        return Axis(name=raw, type=default_axis_type(raw))
    obj = expect_mapping(raw, where)
    name = expect_str(obj.get("name"), f"{where}.name", rule="axis-name")
    axis_type = obj.get("type")
    if axis_type is not None:
        axis_type = expect_str(axis_type, f"{where}.type")
    unit = obj.get("unit")
    if unit is not None:
        unit = expect_str(unit, f"{where}.unit", rule="axis-unit-type")
    orientation = obj.get("orientation")
    value: str | None = None
    if isinstance(orientation, Mapping):
        value = expect_str(orientation.get("value"), f"{where}.orientation.value")
    elif orientation is not None:
        raise NgffValidationError(
            f"{where}.orientation: expected an object {{'type': 'anatomical', 'value': ...}}, "
            f"got {orientation!r}",
            rule="axis-orientation",
            path=f"{where}.orientation",
        )
    extra = {k: v for k, v in obj.items() if k not in ("name", "type", "unit", "orientation")}
    try:
        return Axis(name=name, type=axis_type, unit=unit, orientation=value, extra=freeze(extra))
    except NgffValidationError as exc:
        raise NgffValidationError(f"{where}: {exc}", rule=exc.rule, path=where) from exc


def _scale_translation(
    transforms: list[Any], where: str, ndim: int, scope: str = "dataset"
) -> tuple[tuple[float, ...], tuple[float, ...] | None]:
    """Parse a 0.4/0.5 transform list: exactly one scale first, at most one translation after.

    The rule ids are the catalogue's (``dataset-scale-count`` ...; *scope* is ``dataset`` or
    ``multiscale``). Decoding reads more than `ngffkit.validate` accepts: identity entries,
    which older writers put in these lists, are skipped.
    """
    scale: tuple[float, ...] | None = None
    translation: tuple[float, ...] | None = None
    for j, raw in enumerate(transforms):
        tw = f"{where}[{j}]"
        obj = expect_mapping(raw, tw)
        kind = obj.get("type")
        if kind == "identity":
            continue
        if kind not in ("scale", "translation"):
            raise NgffValidationError(
                f"{tw}.type: expected 'scale' or 'translation', got {kind!r}",
                rule=f"{scope}-transform-types",
                path=tw,
            )
        if "path" in obj and kind not in obj:
            raise NgffValidationError(
                f"{tw}: {kind} stored as binary data at path {obj['path']!r} is not supported; "
                f"expected an inline '{kind}' array",
                rule="transform-path",
                path=tw,
            )
        values = tuple(
            expect_number(v, f"{tw}.{kind}[{k}]")
            for k, v in enumerate(expect_list(obj.get(kind), f"{tw}.{kind}"))
        )
        if len(values) != ndim:
            raise NgffValidationError(
                f"{tw}.{kind}: expected {ndim} values (one per axis), got {len(values)}: "
                f"{list(values)}",
                rule=f"{scope}-{kind}-length",
                path=f"{tw}.{kind}",
            )
        if kind == "scale":
            if scale is not None:
                raise NgffValidationError(
                    f"{where}: expected exactly one scale, got more",
                    rule=f"{scope}-scale-count",
                    path=where,
                )
            if translation is not None:
                raise NgffValidationError(
                    f"{where}: the scale must come before the translation",
                    rule=f"{scope}-transform-order",
                    path=where,
                )
            scale = values
        else:
            if translation is not None:
                raise NgffValidationError(
                    f"{where}: expected at most one translation, got more",
                    rule=f"{scope}-translation-count",
                    path=where,
                )
            translation = values
    if scale is None:
        if transforms and all(
            expect_mapping(t, where).get("type") == "identity" for t in transforms
        ):
            scale = (1.0,) * ndim
        else:
            raise NgffValidationError(
                f"{where}: expected exactly one transform of type 'scale', got none",
                rule=f"{scope}-scale-count",
                path=where,
            )
    return scale, translation


def _decode_v06_transform(
    raw: object, where: str, ndim: int
) -> tuple[tuple[float, ...], tuple[float, ...] | None, str | None, str | None]:
    """Return (scale, translation, input path, output system) of a 0.6 dataset transform."""
    obj = expect_mapping(raw, where)
    kind = obj.get("type")
    inp = obj.get("input")
    out = obj.get("output")
    in_path = inp.get("path") if isinstance(inp, Mapping) else inp
    out_name = out.get("name") if isinstance(out, Mapping) else out
    if kind == "sequence":
        inner = expect_list(obj.get("transformations"), f"{where}.transformations", min_len=1)
        scale, translation = _scale_translation(inner, f"{where}.transformations", ndim)
    elif kind in ("scale", "identity"):
        scale, translation = _scale_translation([obj], where.rsplit("[", 1)[0], ndim)
    else:
        raise NgffValidationError(
            f"{where}.type: a dataset transform must be 'scale', 'identity' or a 'sequence' of "
            f"scale and translation, got {kind!r}",
            rule="dataset-transform-types",
            path=where,
        )
    return (
        scale,
        translation,
        in_path if isinstance(in_path, str) else None,
        out_name if isinstance(out_name, str) else None,
    )


def _compose(
    scale: tuple[float, ...],
    translation: tuple[float, ...] | None,
    outer_scale: tuple[float, ...] | None,
    outer_translation: tuple[float, ...] | None,
) -> tuple[tuple[float, ...], tuple[float, ...] | None]:
    """Apply a multiscale-level scale/translation after a dataset's (x' = S*(s*i + t) + T)."""
    if outer_scale is None and outer_translation is None:
        return scale, translation
    n = len(scale)
    s2 = outer_scale or (1.0,) * n
    t2 = outer_translation or (0.0,) * n
    t1 = translation or (0.0,) * n
    new_scale = tuple(a * b for a, b in zip(scale, s2, strict=True))
    new_t = tuple(a * b + c for a, b, c in zip(t1, s2, t2, strict=True))
    return new_scale, (new_t if any(new_t) or translation is not None else None)


def _legacy_axes(ndim: int | None, where: str) -> tuple[Axis, ...]:
    if ndim is None:
        raise NgffValidationError(
            f"{where}: OME-NGFF 0.1/0.2 data has no axes; the array dimensionality is needed",
            rule="axes-missing",
            path=where,
        )
    names = ("t", "c", "z", "y", "x")[5 - ndim :]
    return tuple(Axis(name=n, type=default_axis_type(n)) for n in names)


def _decode_multiscale(
    raw: object,
    where: str,
    version: str,
    ndim: int | None,
    shapes: Sequence[Sequence[int]] | None,
) -> MultiscaleMetadata:
    obj = expect_mapping(raw, where)
    known = {"axes", "datasets", "name", "type", "metadata", "version", "coordinateTransformations"}
    coordinate_system = "physical"
    if version == "0.6":
        known |= {"coordinateSystems"}
        systems = expect_list(obj.get("coordinateSystems"), f"{where}.coordinateSystems", min_len=1)
        axes_raw: list[Any] | None = None
        datasets_raw = expect_list(obj.get("datasets"), f"{where}.datasets", min_len=1)
        first = expect_mapping(datasets_raw[0], f"{where}.datasets[0]")
        first_ct = expect_list(
            first.get("coordinateTransformations"),
            f"{where}.datasets[0].coordinateTransformations",
            min_len=1,
        )
        out = expect_mapping(first_ct[0], f"{where}.datasets[0].coordinateTransformations[0]").get(
            "output"
        )
        intrinsic = out.get("name") if isinstance(out, Mapping) else out
        for k, cs in enumerate(systems):
            cs_obj = expect_mapping(cs, f"{where}.coordinateSystems[{k}]")
            if cs_obj.get("name") == intrinsic:
                axes_raw = expect_list(
                    cs_obj.get("axes"), f"{where}.coordinateSystems[{k}].axes", min_len=1
                )
                coordinate_system = str(intrinsic)
        if axes_raw is None:
            raise NgffValidationError(
                f"{where}.coordinateSystems: no coordinate system named {intrinsic!r}, the output "
                f"of the dataset transforms (the intrinsic system)",
                rule="coordinate-system-missing",
                path=f"{where}.coordinateSystems",
            )
        axes = tuple(
            _decode_axis(a, f"{where}.coordinateSystems.axes[{i}]", version)
            for i, a in enumerate(axes_raw)
        )
    elif "axes" in obj:
        axes = tuple(
            _decode_axis(a, f"{where}.axes[{i}]", version)
            for i, a in enumerate(expect_list(obj["axes"], f"{where}.axes", min_len=1))
        )
    elif version in ("0.1", "0.2"):
        axes = _legacy_axes(ndim, f"{where}.axes")
    else:
        raise NgffValidationError(
            f"{where}.axes: missing", rule="axes-missing", path=f"{where}.axes"
        )
    n = len(axes)

    outer_scale: tuple[float, ...] | None = None
    outer_translation: tuple[float, ...] | None = None
    extra = {k: freeze(v) for k, v in obj.items() if k not in known}
    if "coordinateTransformations" in obj:
        outer = expect_list(obj["coordinateTransformations"], f"{where}.coordinateTransformations")
        if version == "0.6":
            # RFC-5 multiscale-level transforms map the intrinsic system to another named
            # system: that is a different meaning from 0.4's "applied after", so keep them.
            extra["coordinateTransformations"] = freeze(outer)
        elif outer:
            outer_scale, outer_translation = _scale_translation(
                outer, f"{where}.coordinateTransformations", n, "multiscale"
            )
    if version == "0.6":
        systems_raw = expect_list(obj.get("coordinateSystems"), f"{where}.coordinateSystems")
        others = [
            s for s in systems_raw if isinstance(s, Mapping) and s.get("name") != coordinate_system
        ]
        if others:
            extra["coordinateSystems"] = freeze(others)

    datasets: list[Dataset] = []
    for i, raw_ds in enumerate(expect_list(obj.get("datasets"), f"{where}.datasets", min_len=1)):
        dw = f"{where}.datasets[{i}]"
        ds = expect_mapping(raw_ds, dw)
        path = expect_str(ds.get("path"), f"{dw}.path", rule="dataset-path")
        ds_extra = {
            k: freeze(v) for k, v in ds.items() if k not in ("path", "coordinateTransformations")
        }
        if version == "0.6":
            cts = expect_list(
                ds.get("coordinateTransformations"), f"{dw}.coordinateTransformations", min_len=1
            )
            if len(cts) != 1:
                raise NgffValidationError(
                    f"{dw}.coordinateTransformations: expected exactly one transform (scale, "
                    f"identity or a sequence), got {len(cts)}",
                    rule="transform-count",
                    path=f"{dw}.coordinateTransformations",
                )
            scale, translation, in_path, out_name = _decode_v06_transform(
                cts[0], f"{dw}.coordinateTransformations[0]", n
            )
            if out_name != coordinate_system:
                raise NgffValidationError(
                    f"{dw}.coordinateTransformations[0].output: expected the intrinsic coordinate "
                    f"system {coordinate_system!r} (the output of datasets[0]), got {out_name!r}",
                    rule="dataset-transform-output",
                    path=f"{dw}.coordinateTransformations[0].output",
                )
            if in_path is not None and in_path != path:
                raise NgffValidationError(
                    f"{dw}.coordinateTransformations[0].input.path: expected the dataset path "
                    f"{path!r}, got {in_path!r}",
                    rule="dataset-transform-input",
                    path=f"{dw}.coordinateTransformations[0].input",
                )
        elif "coordinateTransformations" in ds:
            scale, translation = _scale_translation(
                expect_list(
                    ds["coordinateTransformations"], f"{dw}.coordinateTransformations", min_len=1
                ),
                f"{dw}.coordinateTransformations",
                n,
            )
        elif version in ("0.1", "0.2", "0.3"):
            scale, translation = _legacy_scale(shapes, i, n), None
        else:
            raise NgffValidationError(
                f"{dw}.coordinateTransformations: missing (required since OME-NGFF 0.4)",
                rule="dataset-transforms-missing",
                path=f"{dw}.coordinateTransformations",
            )
        scale, translation = _compose(scale, translation, outer_scale, outer_translation)
        try:
            datasets.append(
                Dataset(path=path, scale=scale, translation=translation, extra=ds_extra)
            )
        except NgffValidationError as exc:
            raise NgffValidationError(f"{dw}: {exc}", rule=exc.rule, path=dw) from exc

    name = obj.get("name")
    method_type = obj.get("type")
    metadata = obj.get("metadata")
    try:
        return MultiscaleMetadata(
            axes=axes,
            datasets=tuple(datasets),
            name=str(name) if name is not None else None,
            type=str(method_type) if method_type is not None else None,
            metadata=freeze(metadata) if isinstance(metadata, Mapping) else None,
            coordinate_system=coordinate_system,
            extra=extra,
        )
    except NgffValidationError as exc:
        raise NgffValidationError(f"{where}.{exc}", rule=exc.rule, path=where) from exc


def _legacy_scale(
    shapes: Sequence[Sequence[int]] | None, level: int, ndim: int
) -> tuple[float, ...]:
    """0.1-0.3 carry no transforms: the scale is the shape ratio to level 0."""
    if shapes is None or level >= len(shapes):
        return (1.0,) * ndim
    base, here = shapes[0], shapes[level]
    return tuple(float(b) / float(h) if h else 1.0 for b, h in zip(base, here, strict=True))


def _decode_window(raw: object, where: str) -> OmeroWindow | None:
    """The display window, or None (with a warning) when its numbers are not usable."""
    if not isinstance(raw, Mapping):
        return None
    try:
        # Real data often lacks min/max (or all of window): fill from what is there.
        start = expect_number(raw.get("start", raw.get("min", 0.0)), f"{where}.start")
        end = expect_number(raw.get("end", raw.get("max", start)), f"{where}.end")
        low = expect_number(raw.get("min", min(start, end)), f"{where}.min")
        high = expect_number(raw.get("max", max(start, end)), f"{where}.max")
    except NgffValidationError as exc:
        # A window is a display hint, not data: keep reading without it.
        warnings.warn(f"{exc}; the window is ignored", NgffValidationWarning, stacklevel=5)
        return None
    return OmeroWindow(min=low, max=high, start=start, end=end)


def _decode_omero(raw: object, where: str, n_channels: int | None) -> Omero:
    obj = expect_mapping(raw, where)
    channels: list[OmeroChannel] = []
    for i, ch_raw in enumerate(expect_list(obj.get("channels", []), f"{where}.channels")):
        cw = f"{where}.channels[{i}]"
        ch = expect_mapping(ch_raw, cw)
        window = _decode_window(ch.get("window"), f"{cw}.window")
        color = ch.get("color", "FFFFFF")
        label = ch.get("label")
        extra = {
            k: freeze(v) for k, v in ch.items() if k not in ("color", "window", "label", "active")
        }
        try:
            channels.append(
                OmeroChannel(
                    color=str(color) if isinstance(color, str) else "FFFFFF",
                    window=window,
                    label=str(label) if label is not None else None,
                    active=bool(ch.get("active", True)),
                    extra=extra,
                )
            )
        except NgffValidationError as exc:
            # A bad colour is a display hint, not data: keep reading with white.
            warnings.warn(f"{cw}: {exc}; using FFFFFF", NgffValidationWarning, stacklevel=4)
            channels.append(
                OmeroChannel(
                    window=window, label=str(label) if label is not None else None, extra=extra
                )
            )
    extra = {k: freeze(v) for k, v in obj.items() if k != "channels"}
    return Omero(channels=tuple(channels), extra=extra)


def _decode_image_label(raw: object, where: str) -> ImageLabel:
    obj = expect_mapping(raw, where)
    colors: list[LabelColor] = []
    for i, c_raw in enumerate(expect_list(obj.get("colors", []), f"{where}.colors")):
        cw = f"{where}.colors[{i}]"
        c = expect_mapping(c_raw, cw)
        value = expect_int(c.get("label-value"), f"{cw}.label-value", rule="label-value")
        rgba = c.get("rgba")
        colors.append(
            LabelColor(
                label_value=value,
                rgba=tuple(expect_list(rgba, f"{cw}.rgba")) if rgba is not None else None,
            )
        )
    properties = []
    for i, p_raw in enumerate(expect_list(obj.get("properties", []), f"{where}.properties")):
        p = expect_mapping(p_raw, f"{where}.properties[{i}]")
        expect_int(p.get("label-value"), f"{where}.properties[{i}].label-value", rule="label-value")
        properties.append(freeze(p))
    source = obj.get("source")
    source_image = source.get("image") if isinstance(source, Mapping) else None
    extra = {
        k: freeze(v)
        for k, v in obj.items()
        if k not in ("colors", "properties", "source", "version")
    }
    try:
        return ImageLabel(
            colors=tuple(colors),
            properties=tuple(properties),
            source=str(source_image) if source_image is not None else None,
            extra=extra,
        )
    except NgffValidationError as exc:
        raise NgffValidationError(f"{where}: {exc}", rule=exc.rule, path=where) from exc


def decode_image_attrs(
    attrs: Mapping[str, Any],
    *,
    zarr_format: int,
    version: str | None = None,
    ndim: int | None = None,
    shapes: Sequence[Sequence[int]] | None = None,
    where: str = "attributes",
) -> tuple[str, ImageAttrs]:
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
    ome, rest = _ome_block(attrs, found)
    prefix = f"{where}.ome" if ZARR_FORMAT[found] == 3 and "ome" in attrs else where
    raw_ms = expect_list(
        ome.get("multiscales"), f"{prefix}.multiscales", rule="multiscales-missing", min_len=1
    )
    multiscales = tuple(
        _decode_multiscale(m, f"{prefix}.multiscales[{i}]", found, ndim, shapes)
        for i, m in enumerate(raw_ms)
    )
    omero = _decode_omero(ome["omero"], f"{prefix}.omero", None) if ome.get("omero") else None
    image_label = (
        _decode_image_label(ome["image-label"], f"{prefix}.image-label")
        if "image-label" in ome
        else None
    )
    extra_ome = {k: freeze(v) for k, v in ome.items() if k not in (*_IMAGE_KEYS, "labels")}
    if ZARR_FORMAT[found] == 2:
        extra_ome = {}
    return found, ImageAttrs(
        multiscales=multiscales,
        omero=omero,
        image_label=image_label,
        extra_ome=extra_ome,
        extra={k: freeze(v) for k, v in rest.items()},
    )


# --------------------------------------------------------------------------- encode


def _encode_axis(axis: Axis, version: str) -> dict[str, Any]:
    out: dict[str, Any] = {"name": axis.name}
    # 0.4 lets an axis go untyped; the 0.5+ schemas count an untyped axis as a space axis,
    # so a 0.4 (c, z, y, x) without types would not validate as 0.5: name the usual type.
    axis_type = (
        axis.type if axis.type is not None or version == "0.4" else default_axis_type(axis.name)
    )
    if axis_type is not None:
        out["type"] = axis_type
    if axis.unit is not None:
        out["unit"] = axis.unit
    if axis.orientation is not None:
        out["orientation"] = {"type": "anatomical", "value": axis.orientation}
    out.update(freeze(axis.extra))
    return out


def _encode_transforms_v04(ds: Dataset) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"type": "scale", "scale": list(ds.scale)}]
    if ds.translation is not None and any(ds.translation):
        out.append({"type": "translation", "translation": list(ds.translation)})
    return out


def _encode_transforms_v06(ds: Dataset, system: str) -> list[dict[str, Any]]:
    ends = {"input": {"path": ds.path}, "output": {"name": system}}
    if ds.translation is None or not any(ds.translation):
        return [{"type": "scale", "scale": list(ds.scale), **ends}]
    return [
        {
            "type": "sequence",
            **ends,
            "transformations": [
                {"type": "scale", "scale": list(ds.scale)},
                {"type": "translation", "translation": list(ds.translation)},
            ],
        }
    ]


def _encode_multiscale(ms: MultiscaleMetadata, version: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if version == "0.4":
        out["version"] = "0.4"
    if ms.name is not None:
        out["name"] = ms.name
    if ms.type is not None:
        out["type"] = ms.type
    if ms.metadata is not None:
        out["metadata"] = freeze(ms.metadata)
    axes = [_encode_axis(a, version) for a in ms.axes]
    spatial = [a["name"] for a in axes if a.get("type", "space") == "space"]
    if version != "0.4" and len(spatial) > 3:
        # The 0.5+ schemas count an axis without a type as a space axis (at most 3).
        untyped = [a["name"] for a in axes if "type" not in a]
        raise NgffValueError(
            f"axes: OME-NGFF {version} allows at most 3 space axes, and counts an axis without "
            f"a type as one; {untyped} have no type: give them one (axes_types={{name: "
            f"'channel' or your own type}}) or write version='0.4'"
        )
    extra = freeze(ms.extra)
    if version == "0.6":
        systems = [
            {"name": ms.coordinate_system, "axes": axes},
            *extra.pop("coordinateSystems", []),
        ]
        out["coordinateSystems"] = systems
        out["datasets"] = [
            {
                "path": d.path,
                "coordinateTransformations": _encode_transforms_v06(d, ms.coordinate_system),
                **freeze(d.extra),
            }
            for d in ms.datasets
        ]
    else:
        # 0.6-only keys carried from a read cannot be expressed in 0.4/0.5.
        extra.pop("coordinateSystems", None)
        extra.pop("coordinateTransformations", None)
        out["axes"] = axes
        out["datasets"] = [
            {
                "path": d.path,
                "coordinateTransformations": _encode_transforms_v04(d),
                **freeze(d.extra),
            }
            for d in ms.datasets
        ]
    out.update(extra)
    return out


def _encode_omero(omero: Omero) -> dict[str, Any]:
    channels = []
    for ch in omero.channels:
        c: dict[str, Any] = {"color": ch.color, "active": ch.active}
        if ch.label is not None:
            c["label"] = ch.label
        if ch.window is not None:
            c["window"] = {
                "min": ch.window.min,
                "max": ch.window.max,
                "start": ch.window.start,
                "end": ch.window.end,
            }
        c.update(freeze(ch.extra))
        channels.append(c)
    return {"channels": channels, **freeze(omero.extra)}


def _encode_image_label(label: ImageLabel, version: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if version == "0.4":
        out["version"] = "0.4"
    if label.colors:
        out["colors"] = [
            {"label-value": c.label_value, **({"rgba": list(c.rgba)} if c.rgba is not None else {})}
            for c in label.colors
        ]
    if label.properties:
        out["properties"] = [freeze(p) for p in label.properties]
    if label.source is not None:
        out["source"] = {"image": label.source}
    out.update(freeze(label.extra))
    return out


def encode_image_attrs(doc: ImageAttrs, version: str) -> dict[str, Any]:
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
    ome: dict[str, Any] = {}
    if version != "0.4":
        ome["version"] = version
    ome["multiscales"] = [_encode_multiscale(m, version) for m in doc.multiscales]
    if doc.omero is not None:
        ome["omero"] = _encode_omero(doc.omero)
    if doc.image_label is not None:
        ome["image-label"] = _encode_image_label(doc.image_label, version)
    rest = freeze(doc.extra)
    if version == "0.4":
        return {**rest, **ome}
    ome.update(freeze(doc.extra_ome))
    return {**rest, "ome": ome}


def _safe_listed(name: str, where: str) -> str | None:
    """*name* if it can be a node name; else None, with a warning: one bad entry hides only itself."""
    problem = name_problem(name)
    if problem is None:
        return name
    warnings.warn(
        f"{where}: entry {name!r} skipped: it {problem}, so it cannot name a group inside the image",
        NgffValidationWarning,
        stacklevel=4,
    )
    return None


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
        _safe_listed(expect_str(n, f"{where}.labels[{i}]"), f"{where}.labels[{i}]")
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


def encode_labels_attrs(doc: LabelsAttrs, version: str) -> dict[str, Any]:
    """Return the attributes of a ``labels`` group for *version*.

    Examples
    --------
    >>> encode_labels_attrs(LabelsAttrs(labels=("cells",)), "0.5")
    {'ome': {'version': '0.5', 'labels': ['cells']}}
    """
    version = parse_version(version)
    if version == "0.4":
        return {**freeze(doc.extra), "labels": list(doc.labels)}
    return {
        **freeze(doc.extra),
        "ome": {"version": version, "labels": list(doc.labels), **freeze(doc.extra_ome)},
    }
