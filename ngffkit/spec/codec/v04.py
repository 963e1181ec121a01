"""OME-NGFF 0.4 JSON (and the read-only 0.1-0.3): Zarr v2, OME keys at the top level of
``.zattrs``, the version inside ``multiscales[]``, a transform list per dataset.

0.3 has axes as a list of names; 0.1 and 0.2 have no axes and no transforms (their scale is
the shape ratio to level 0).

Examples
--------
>>> ms = decode_multiscale({"axes": ["y", "x"], "datasets": [{"path": "0"}]}, "ms", "0.3",
...                        None, None)
>>> ms.axis_names, ms.datasets[0].scale
(('y', 'x'), (1.0, 1.0))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ngffkit.errors import NgffValidationError
from ngffkit.spec._parse import expect_list, expect_mapping, freeze
from ngffkit.spec.codec._blocks import (
    MULTISCALE_KEYS,
    build_dataset,
    build_multiscale,
    compose,
    decode_axis,
    encode_axis,
    encode_header,
    read_dataset,
    scale_translation,
)
from ngffkit.spec.image import Axis, Dataset, MultiscaleMetadata, default_axis_type
from ngffkit.spec.versions import NgffVersion, ReadableVersion

__all__ = [
    "decode_multiscale",
    "encode_multiscale",
    "encode_transforms",
    "attributes",
    "hcs_block",
]


def _legacy_axes(ndim: int | None, where: str) -> tuple[Axis, ...]:
    if ndim is None:
        raise NgffValidationError(
            f"{where}: OME-NGFF 0.1/0.2 data has no axes; the array dimensionality is needed",
            rule="axes-missing",
            path=where,
        )
    names = ("t", "c", "z", "y", "x")[5 - ndim :]
    return tuple(Axis(name=n, type=default_axis_type(n)) for n in names)


def _legacy_scale(
    shapes: Sequence[Sequence[int]] | None, level: int, ndim: int
) -> tuple[float, ...]:
    """0.1-0.3 carry no transforms: the scale is the shape ratio to level 0."""
    if shapes is None or level >= len(shapes):
        return (1.0,) * ndim
    base, here = shapes[0], shapes[level]
    return tuple(float(b) / float(h) if h else 1.0 for b, h in zip(base, here, strict=True))


def decode_multiscale(
    raw: object,
    where: str,
    version: ReadableVersion,
    ndim: int | None,
    shapes: Sequence[Sequence[int]] | None,
) -> MultiscaleMetadata:
    """One ``multiscales[]`` entry of 0.1-0.5 (0.5 keeps 0.4's layout inside ``ome``).

    A multiscale-level scale/translation is folded into each dataset's (same meaning).

    Examples
    --------
    >>> raw = {"axes": [{"name": "y", "type": "space"}, {"name": "x", "type": "space"}],
    ...        "datasets": [{"path": "0", "coordinateTransformations": [
    ...            {"type": "scale", "scale": [2, 2]}]}]}
    >>> decode_multiscale(raw, "ms", "0.4", None, None).datasets[0].scale
    (2.0, 2.0)
    """
    obj = expect_mapping(raw, where)
    if "axes" in obj:
        axes = tuple(
            decode_axis(a, f"{where}.axes[{i}]", version)
            for i, a in enumerate(expect_list(obj["axes"], f"{where}.axes", min_len=1))
        )
    elif version in ("0.1", "0.2"):
        axes = _legacy_axes(ndim, f"{where}.axes")
    else:
        raise NgffValidationError(
            f"{where}.axes: missing", rule="axes-missing", path=f"{where}.axes"
        )
    n = len(axes)
    names = [a.name for a in axes]
    outer_scale: tuple[float, ...] | None = None
    outer_translation: tuple[float, ...] | None = None
    extra = {k: freeze(v) for k, v in obj.items() if k not in MULTISCALE_KEYS}
    if "coordinateTransformations" in obj:
        outer = expect_list(obj["coordinateTransformations"], f"{where}.coordinateTransformations")
        if outer:
            outer_scale, outer_translation = scale_translation(
                outer, f"{where}.coordinateTransformations", n, "multiscale", names
            )
    datasets: list[Dataset] = []
    for i, raw_ds in enumerate(expect_list(obj.get("datasets"), f"{where}.datasets", min_len=1)):
        dw = f"{where}.datasets[{i}]"
        ds, path, ds_extra = read_dataset(raw_ds, dw)
        if "coordinateTransformations" in ds:
            scale, translation = scale_translation(
                expect_list(
                    ds["coordinateTransformations"], f"{dw}.coordinateTransformations", min_len=1
                ),
                f"{dw}.coordinateTransformations",
                n,
                axis_names=names,
            )
        elif version in ("0.1", "0.2", "0.3"):
            scale, translation = _legacy_scale(shapes, i, n), None
        else:
            raise NgffValidationError(
                f"{dw}.coordinateTransformations: missing (required since OME-NGFF 0.4)",
                rule="dataset-transforms-missing",
                path=f"{dw}.coordinateTransformations",
            )
        scale, translation = compose(scale, translation, outer_scale, outer_translation)
        datasets.append(build_dataset(dw, path, scale, translation, ds_extra))
    return build_multiscale(obj, where, axes, datasets, "physical", extra)


def encode_transforms(ds: Dataset) -> list[dict[str, Any]]:
    """A dataset's transform list: its scale, then its translation if it has one.

    Examples
    --------
    >>> encode_transforms(Dataset(path="0", scale=(1.0, 2.0)))
    [{'type': 'scale', 'scale': [1.0, 2.0]}]
    """
    out: list[dict[str, Any]] = [{"type": "scale", "scale": list(ds.scale)}]
    if ds.translation is not None and any(ds.translation):
        out.append({"type": "translation", "translation": list(ds.translation)})
    return out


def encode_multiscale(ms: MultiscaleMetadata, version: NgffVersion = "0.4") -> dict[str, Any]:
    """One ``multiscales[]`` entry in 0.4's layout (0.5 uses it without the version key).

    Examples
    --------
    >>> ms = MultiscaleMetadata(axes=(Axis(name="y", type="space"), Axis(name="x", type="space")),
    ...                         datasets=(Dataset(path="0", scale=(1.0, 1.0)),))
    >>> sorted(encode_multiscale(ms))
    ['axes', 'datasets', 'version']
    """
    out: dict[str, Any] = {"version": "0.4"} if version == "0.4" else {}
    out.update(encode_header(ms))
    extra = freeze(ms.extra)
    # 0.6-only keys carried from a read cannot be expressed in 0.4/0.5.
    extra.pop("coordinateSystems", None)
    extra.pop("coordinateTransformations", None)
    out["axes"] = [encode_axis(a, version) for a in ms.axes]
    out["datasets"] = [
        {"path": d.path, "coordinateTransformations": encode_transforms(d), **freeze(d.extra)}
        for d in ms.datasets
    ]
    out.update(extra)
    return out


def attributes(
    ome: Mapping[str, Any],
    rest: Mapping[str, Any],
    extra_ome: Mapping[str, Any],
    version: NgffVersion,
) -> dict[str, Any]:
    """The group attributes: OME keys at the top level, beside the user's (0.4 has no
    namespace, so *extra_ome* has nowhere to go).

    Examples
    --------
    >>> attributes({"labels": ["a"]}, {"mine": 1}, {}, "0.4")
    {'mine': 1, 'labels': ['a']}
    """
    return {**freeze(rest), **ome}


def hcs_block(block: Mapping[str, Any], version: NgffVersion) -> dict[str, Any]:
    """A ``plate`` or ``well`` block as 0.4 writes it: the version inside the block (0.5 and
    0.6 repeat it beside ``ome.version``).

    Examples
    --------
    >>> hcs_block({"images": []}, "0.4")
    {'version': '0.4', 'images': []}
    """
    return {"version": version, **block}
