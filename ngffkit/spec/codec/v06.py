"""OME-NGFF 0.6 JSON (RFC-5 coordinate systems): like 0.5 under ``attributes["ome"]``, but the
axes live in a named coordinate system, and each dataset has one transform with an ``input``
(the dataset's path) and an ``output`` (the intrinsic system).

Multiscale-level transforms map the intrinsic system to another named system, here or in a
labels group: a different meaning from 0.4's "applied after", so they and the other systems are
kept verbatim in ``extra`` and written back as read.

Examples
--------
>>> from ngffkit.spec.image import Axis, Dataset
>>> ms = MultiscaleMetadata(axes=(Axis(name="y", type="space"), Axis(name="x", type="space")),
...                         datasets=(Dataset(path="0", scale=(1.0, 1.0)),))
>>> out = encode_multiscale(ms)
>>> out["coordinateSystems"][0]["name"], out["datasets"][0]["coordinateTransformations"][0]["output"]
('physical', {'name': 'physical'})
>>> decode_multiscale(out, "ms", "0.6", None, None) == ms
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ngffkit.errors import NgffValidationError
from ngffkit.spec._parse import expect_list, expect_mapping, freeze
from ngffkit.spec.codec import v05
from ngffkit.spec.codec._blocks import (
    MULTISCALE_KEYS,
    build_dataset,
    build_multiscale,
    check_space_axes,
    decode_axis,
    encode_axis,
    encode_header,
    read_dataset,
    scale_translation,
)
from ngffkit.spec.image import Axis, Dataset, MultiscaleMetadata
from ngffkit.spec.versions import NgffVersion, ReadableVersion

__all__ = [
    "decode_multiscale",
    "encode_multiscale",
    "encode_transforms",
    "attributes",
    "hcs_block",
]

attributes = v05.attributes
"""0.6 keeps 0.5's namespace: ``attributes.ome`` with the version first."""

hcs_block = v05.hcs_block
"""0.6 writes ``plate`` and ``well`` blocks as 0.5 does."""


def _decode_transform(
    raw: object, where: str, axis_names: Sequence[str]
) -> tuple[tuple[float, ...], tuple[float, ...] | None, str | None, str | None]:
    """Return (scale, translation, input path, output system) of a dataset's transform."""
    obj = expect_mapping(raw, where)
    kind = obj.get("type")
    inp = obj.get("input")
    out = obj.get("output")
    in_path = inp.get("path") if isinstance(inp, Mapping) else inp
    out_name = out.get("name") if isinstance(out, Mapping) else out
    if kind == "sequence":
        inner = expect_list(obj.get("transformations"), f"{where}.transformations", min_len=1)
        scale, translation = scale_translation(
            inner, f"{where}.transformations", len(axis_names), axis_names=axis_names
        )
    elif kind in ("scale", "identity"):
        scale, translation = scale_translation(
            [obj], where.rsplit("[", 1)[0], len(axis_names), axis_names=axis_names
        )
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


def _intrinsic_axes(
    obj: Mapping[str, Any], where: str, version: ReadableVersion
) -> tuple[tuple[Axis, ...], str]:
    """The axes of the system the first dataset maps to (the intrinsic one), and its name."""
    systems = expect_list(obj.get("coordinateSystems"), f"{where}.coordinateSystems", min_len=1)
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
    axes_raw: list[Any] | None = None
    for k, cs in enumerate(systems):
        cs_obj = expect_mapping(cs, f"{where}.coordinateSystems[{k}]")
        if cs_obj.get("name") == intrinsic:
            axes_raw = expect_list(
                cs_obj.get("axes"), f"{where}.coordinateSystems[{k}].axes", min_len=1
            )
    if axes_raw is None:
        raise NgffValidationError(
            f"{where}.coordinateSystems: no coordinate system named {intrinsic!r}, the output "
            f"of the dataset transforms (the intrinsic system)",
            rule="coordinate-system-missing",
            path=f"{where}.coordinateSystems",
        )
    axes = tuple(
        decode_axis(a, f"{where}.coordinateSystems.axes[{i}]", version)
        for i, a in enumerate(axes_raw)
    )
    return axes, str(intrinsic)


def decode_multiscale(
    raw: object,
    where: str,
    version: ReadableVersion,
    ndim: int | None,
    shapes: Sequence[Sequence[int]] | None,
) -> MultiscaleMetadata:
    """One 0.6 ``multiscales[]`` entry (*ndim* and *shapes* are for the legacy versions).

    Examples
    --------
    >>> decode_multiscale({"coordinateSystems": [], "datasets": []}, "ms", "0.6", None, None)
    Traceback (most recent call last):
    ...
    ngffkit.errors.NgffValidationError: ms.coordinateSystems: expected an array of at least 1 item(s), got []
    """
    obj = expect_mapping(raw, where)
    axes, coordinate_system = _intrinsic_axes(obj, where, version)
    extra = {
        k: freeze(v) for k, v in obj.items() if k not in MULTISCALE_KEYS | {"coordinateSystems"}
    }
    if "coordinateTransformations" in obj:
        outer = expect_list(obj["coordinateTransformations"], f"{where}.coordinateTransformations")
        extra["coordinateTransformations"] = freeze(outer)
    systems = expect_list(obj.get("coordinateSystems"), f"{where}.coordinateSystems")
    others = [s for s in systems if isinstance(s, Mapping) and s.get("name") != coordinate_system]
    if others:
        extra["coordinateSystems"] = freeze(others)
    datasets: list[Dataset] = []
    for i, raw_ds in enumerate(expect_list(obj.get("datasets"), f"{where}.datasets", min_len=1)):
        dw = f"{where}.datasets[{i}]"
        ds, path, ds_extra = read_dataset(raw_ds, dw)
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
        scale, translation, in_path, out_name = _decode_transform(
            cts[0], f"{dw}.coordinateTransformations[0]", [a.name for a in axes]
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
        datasets.append(build_dataset(dw, path, scale, translation, ds_extra))
    return build_multiscale(obj, where, axes, datasets, coordinate_system, extra)


def encode_transforms(ds: Dataset, system: str) -> list[dict[str, Any]]:
    """A dataset's one transform to *system*: a scale, or a sequence [scale, translation].

    Examples
    --------
    >>> encode_transforms(Dataset(path="0", scale=(1.0, 1.0)), "physical")[0]["type"]
    'scale'
    """
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


def encode_multiscale(ms: MultiscaleMetadata, version: NgffVersion = "0.6") -> dict[str, Any]:
    """One 0.6 ``multiscales[]`` entry: the intrinsic system first, then those carried from a read.

    Examples
    --------
    >>> ms = MultiscaleMetadata(axes=(Axis(name="y", type="space"), Axis(name="x", type="space")),
    ...                         datasets=(Dataset(path="0", scale=(2.0, 2.0)),))
    >>> encode_multiscale(ms)["datasets"][0]["coordinateTransformations"][0]["type"]
    'scale'
    """
    out = encode_header(ms)
    axes = [encode_axis(a, version) for a in ms.axes]
    check_space_axes(axes, version)
    extra = freeze(ms.extra)
    out["coordinateSystems"] = [
        {"name": ms.coordinate_system, "axes": axes},
        *extra.pop("coordinateSystems", []),
    ]
    out["datasets"] = [
        {
            "path": d.path,
            "coordinateTransformations": encode_transforms(d, ms.coordinate_system),
            **freeze(d.extra),
        }
        for d in ms.datasets
    ]
    out.update(extra)
    return out
