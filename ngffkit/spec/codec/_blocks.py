"""The blocks every OME-NGFF version writes the same way (or nearly): axes, 0.4-style transform
lists, omero, image-label, and the checks of names listed in a group.

The version modules (`v04`, `v05`, `v06`) assemble these into each version's JSON.
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
    ImageLabel,
    LabelColor,
    MultiscaleMetadata,
    Omero,
    OmeroChannel,
    OmeroWindow,
    default_axis_type,
)
from ngffkit.spec.names import name_problem
from ngffkit.spec.rules import Where, raise_first
from ngffkit.spec.rules.multiscales import (
    Scope,
    transform_order,
    transform_scale_count,
    transform_translation_count,
    transform_types,
    vector_length,
)
from ngffkit.spec.versions import ZARR_FORMAT, NgffVersion, ReadableVersion

__all__ = [
    "IMAGE_KEYS",
    "MULTISCALE_KEYS",
    "split_ome",
    "decode_axis",
    "encode_axis",
    "check_space_axes",
    "scale_translation",
    "compose",
    "read_dataset",
    "build_dataset",
    "build_multiscale",
    "encode_header",
    "decode_omero",
    "encode_omero",
    "decode_image_label",
    "encode_image_label",
    "safe_listed",
]

IMAGE_KEYS: Final = ("multiscales", "omero", "image-label", "version")
"""The OME keys an image's decoding consumes; other OME keys are kept as they are."""

MULTISCALE_KEYS: Final = frozenset(
    {"axes", "datasets", "name", "type", "metadata", "version", "coordinateTransformations"}
)
"""The keys of a ``multiscales[]`` entry that decoding interprets (0.6 adds coordinateSystems)."""

_V2_OME_KEYS: Final = ("multiscales", "omero", "image-label", "labels", "plate", "well")
"""Top-level keys of a Zarr v2 group that are OME metadata rather than user attributes."""


def split_ome(
    attrs: Mapping[str, Any], version: ReadableVersion
) -> tuple[Mapping[str, Any], dict[str, Any]]:
    """Split attributes into (OME block, non-OME attributes).

    Examples
    --------
    >>> split_ome({"ome": {"version": "0.5", "labels": ["a"]}, "mine": 1}, "0.5")
    ({'version': '0.5', 'labels': ['a']}, {'mine': 1})
    >>> split_ome({"labels": ["a"], "mine": 1}, "0.4")
    ({'labels': ['a']}, {'mine': 1})
    """
    if ZARR_FORMAT[version] == 3 and "ome" in attrs:
        ome = expect_mapping(attrs["ome"], "attributes.ome")
        rest = {k: v for k, v in attrs.items() if k != "ome"}
        return ome, rest
    ome = {k: v for k, v in attrs.items() if k in _V2_OME_KEYS}
    rest = {k: v for k, v in attrs.items() if k not in _V2_OME_KEYS}
    return ome, rest


def decode_axis(raw: object, where: str, version: ReadableVersion) -> Axis:
    """One axis: a name (0.3) or an object with name, type, unit and orientation.

    Examples
    --------
    >>> decode_axis({"name": "x", "type": "space", "unit": "micrometer"}, "axes[0]", "0.4").unit
    'micrometer'
    >>> decode_axis("c", "axes[0]", "0.3").type
    'channel'
    """
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


def encode_axis(axis: Axis, version: NgffVersion) -> dict[str, Any]:
    """One axis object; from 0.5 an untyped axis gets the usual type of its name.

    Examples
    --------
    >>> encode_axis(Axis(name="c"), "0.4"), encode_axis(Axis(name="c"), "0.5")
    ({'name': 'c'}, {'name': 'c', 'type': 'channel'})
    """
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


def scale_translation(
    transforms: list[Any],
    where: str,
    ndim: int,
    scope: Scope = "dataset",
    axis_names: Sequence[str] = (),
) -> tuple[tuple[float, ...], tuple[float, ...] | None]:
    """Parse a 0.4/0.5 transform list: exactly one scale first, at most one translation after.

    The checks are `ngffkit.validate`'s own rule functions (``dataset-scale-count`` ...;
    *scope* is ``dataset`` or ``multiscale``), stopping at the first error. Decoding reads
    more than they accept: identity entries, which older writers put in these lists, are
    skipped, and a list of identities alone is a scale of 1.

    Examples
    --------
    >>> scale_translation([{"type": "scale", "scale": [2, 2]},
    ...                    {"type": "translation", "translation": [1, 0]}], "t", 2)
    ((2.0, 2.0), (1.0, 0.0))
    >>> scale_translation([{"type": "translation", "translation": [1, 0]},
    ...                    {"type": "scale", "scale": [2, 2]}], "t", 2)
    Traceback (most recent call last):
    ...
    ngffkit.errors.NgffValidationError: t: the 'scale' transform must come first, got the order ['translation', 'scale']
    """
    at = Where("", (), where)
    items = [expect_mapping(raw, f"{where}[{j}]") for j, raw in enumerate(transforms)]
    kept = [(j, obj) for j, obj in enumerate(items) if obj.get("type") != "identity"]
    if items and not kept:
        return (1.0,) * ndim, None
    raise_first(transform_types(items, at, scope, also=("identity",)))
    listed = [obj for _, obj in kept]
    raise_first(transform_scale_count(listed, at, scope))
    raise_first(transform_order(listed, at, scope))
    raise_first(transform_translation_count(listed, at, scope))
    names = axis_names or [str(i) for i in range(ndim)]
    found: dict[str, tuple[float, ...]] = {}
    for j, obj in kept:
        kind = str(obj["type"])
        tw = f"{where}[{j}]"
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
        raise_first(vector_length(values, at.at(j, kind), ndim, names, scope, kind))
        found[kind] = values
    return found["scale"], found.get("translation")


def compose(
    scale: tuple[float, ...],
    translation: tuple[float, ...] | None,
    outer_scale: tuple[float, ...] | None,
    outer_translation: tuple[float, ...] | None,
) -> tuple[tuple[float, ...], tuple[float, ...] | None]:
    """Apply a multiscale-level scale/translation after a dataset's (x' = S*(s*i + t) + T).

    Examples
    --------
    >>> compose((2.0, 2.0), (1.0, 0.0), (0.5, 0.5), (0.0, 3.0))
    ((1.0, 1.0), (0.5, 3.0))
    """
    if outer_scale is None and outer_translation is None:
        return scale, translation
    n = len(scale)
    s2 = outer_scale or (1.0,) * n
    t2 = outer_translation or (0.0,) * n
    t1 = translation or (0.0,) * n
    new_scale = tuple(a * b for a, b in zip(scale, s2, strict=True))
    new_t = tuple(a * b + c for a, b, c in zip(t1, s2, t2, strict=True))
    return new_scale, (new_t if any(new_t) or translation is not None else None)


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


def decode_omero(raw: object, where: str, n_channels: int | None) -> Omero:
    """The ``omero`` block; a bad colour or window warns and is replaced (display hints only).

    Examples
    --------
    >>> decode_omero({"channels": [{"color": "ff0000", "label": "red"}]}, "omero", 1).labels
    ('red',)
    """
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


def encode_omero(omero: Omero) -> dict[str, Any]:
    """The ``omero`` block, unknown keys included.

    Examples
    --------
    >>> encode_omero(Omero(channels=(OmeroChannel(color="00FF00"),)))
    {'channels': [{'color': '00FF00', 'active': True}]}
    """
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


def decode_image_label(raw: object, where: str) -> ImageLabel:
    """The ``image-label`` block: colours, properties and the source image.

    Examples
    --------
    >>> label = decode_image_label({"colors": [{"label-value": 1, "rgba": [255, 0, 0, 255]}],
    ...                             "source": {"image": "../../"}}, "image-label")
    >>> label.colors[0].rgba, label.source
    ((255, 0, 0, 255), '../../')
    """
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


def encode_image_label(label: ImageLabel, version: NgffVersion) -> dict[str, Any]:
    """The ``image-label`` block; 0.4 carries the version inside it.

    Examples
    --------
    >>> encode_image_label(ImageLabel(colors=(LabelColor(label_value=2),)), "0.4")
    {'version': '0.4', 'colors': [{'label-value': 2}], 'source': {'image': '../../'}}
    """
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


def safe_listed(name: str, where: str) -> str | None:
    """*name* if it can be a node name; else None, with a warning: one bad entry hides only itself.

    Examples
    --------
    >>> safe_listed("nuclei", "labels[0]")
    'nuclei'
    """
    problem = name_problem(name)
    if problem is None:
        return name
    warnings.warn(
        f"{where}: entry {name!r} skipped: it {problem}, so it cannot name a group inside the image",
        NgffValidationWarning,
        stacklevel=4,
    )
    return None


def check_space_axes(axes: Sequence[Mapping[str, Any]], version: NgffVersion) -> None:
    """0.5+ counts an axis without a type as a space axis: refuse more than three of them.

    Examples
    --------
    >>> check_space_axes([{"name": n, "type": "space"} for n in "zyx"], "0.5")
    """
    spatial = [a["name"] for a in axes if a.get("type", "space") == "space"]
    if len(spatial) > 3:
        untyped = [a["name"] for a in axes if "type" not in a]
        raise NgffValueError(
            f"axes: OME-NGFF {version} allows at most 3 space axes, and counts an axis without "
            f"a type as one; {untyped} have no type: give them one (axes_types={{name: "
            f"'channel' or your own type}}) or write version='0.4'"
        )


def read_dataset(raw: object, where: str) -> tuple[Mapping[str, Any], str, dict[str, Any]]:
    """One ``datasets[]`` entry: the object, its path, and the keys decoding keeps verbatim.

    Examples
    --------
    >>> read_dataset({"path": "0", "note": 1}, "datasets[0]")[1:]
    ('0', {'note': 1})
    """
    ds = expect_mapping(raw, where)
    path = expect_str(ds.get("path"), f"{where}.path", rule="dataset-path")
    extra = {k: freeze(v) for k, v in ds.items() if k not in ("path", "coordinateTransformations")}
    return ds, path, extra


def build_dataset(
    where: str,
    path: str,
    scale: tuple[float, ...],
    translation: tuple[float, ...] | None,
    extra: Mapping[str, Any],
) -> Dataset:
    """A `Dataset`, its errors prefixed with *where*.

    Examples
    --------
    >>> build_dataset("datasets[0]", "0", (1.0, 1.0), None, {}).path
    '0'
    """
    try:
        return Dataset(path=path, scale=scale, translation=translation, extra=extra)
    except NgffValidationError as exc:
        raise NgffValidationError(f"{where}: {exc}", rule=exc.rule, path=where) from exc


def build_multiscale(
    obj: Mapping[str, Any],
    where: str,
    axes: tuple[Axis, ...],
    datasets: Sequence[Dataset],
    coordinate_system: str,
    extra: Mapping[str, Any],
) -> MultiscaleMetadata:
    """A `MultiscaleMetadata` from decoded parts and the entry's name/type/metadata.

    Examples
    --------
    >>> axes = (Axis(name="y", type="space"), Axis(name="x", type="space"))
    >>> ds = [Dataset(path="0", scale=(1.0, 1.0))]
    >>> build_multiscale({"name": "img"}, "multiscales[0]", axes, ds, "physical", {}).name
    'img'
    """
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


def encode_header(ms: MultiscaleMetadata) -> dict[str, Any]:
    """The name, type (method) and metadata keys of a ``multiscales[]`` entry.

    Examples
    --------
    >>> axes = (Axis(name="y", type="space"), Axis(name="x", type="space"))
    >>> ms = MultiscaleMetadata(axes=axes, datasets=(Dataset(path="0", scale=(1.0, 1.0)),),
    ...                         name="img")
    >>> encode_header(ms)
    {'name': 'img'}
    """
    out: dict[str, Any] = {}
    if ms.name is not None:
        out["name"] = ms.name
    if ms.type is not None:
        out["type"] = ms.type
    if ms.metadata is not None:
        out["metadata"] = freeze(ms.metadata)
    return out
