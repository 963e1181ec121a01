"""Rules of the spec's "multiscales" section: datasets, their transforms and their order.

Up to 0.5 every dataset (and optionally the multiscale) has a list of exactly one scale,
first, and at most one translation, one value per axis. From 0.6 the per-dataset transforms
are RFC-5 transforms, checked in `coordinate_systems`; the order and path rules are shared.
The store rules at the end are checked by `ngffkit.validate` on the opened arrays.

Examples
--------
>>> ms = {"axes": [{"name": "y", "type": "space"}, {"name": "x", "type": "space"}],
...       "datasets": [{"path": "0", "coordinateTransformations": [
...           {"type": "scale", "scale": [1, -1]}]}]}
>>> [found.rule for found in check_multiscale(ms, Where("", ()), "0.4")]
['dataset-scale-positive']
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from ngffkit.spec.rules._catalogue import ValidationIssue, Where, declare, issue, rule
from ngffkit.spec.rules.axes import check_axes
from ngffkit.spec.rules.narrow import JSON, as_list, duplicates, numbers, short
from ngffkit.spec.rules.storage import zarr_format_version
from ngffkit.spec.versions import NgffVersion

__all__ = [
    "StoredLevel",
    "check_levels",
    "level_ndim",
    "level_shape",
    "level_dtype",
    "dimension_separator",
    "dimension_names",
    "check_multiscale",
    "check_transform_list",
    "transform_types",
    "transform_scale_count",
    "transform_order",
    "transform_translation_count",
    "vector_length",
    "scale_positive",
    "datasets_order",
    "dataset_path_unique",
]

Scope = Literal["dataset", "multiscale"]
Transforms = Sequence[Mapping[str, JSON]]
"""A ``coordinateTransformations`` list (of a dataset or of a multiscale)."""

declare("multiscales-missing", "multiscales", "an image group has a non-empty 'multiscales' list")
declare("multiscales-empty", "multiscales", "'multiscales' holds at least one entry")
declare("datasets-empty", "multiscales", "a multiscale has at least one dataset")
declare("dataset-path", "multiscales", "every dataset has a string 'path'")
declare(
    "dataset-transforms-missing",
    "multiscales",
    "every dataset has 'coordinateTransformations' (0.4 and later)",
)
declare(
    "transform-path",
    "multiscales",
    "scale and translation values are given inline (ngffkit reads no binary transform data)",
)
declare("dataset-missing", "multiscales", "every dataset path names an existing array", store=True)
declare(
    "dataset-not-array", "multiscales", "a dataset path names an array, not a group", store=True
)
declare(
    "chunks-missing",
    "multiscales",
    "every chunk (or shard) key a level's metadata implies is stored (a warning for labels)",
    store=True,
)
declare(
    "chunks-unchecked",
    "multiscales",
    "the store can list its keys, so the chunks can be checked",
    severity="warning",
    store=True,
)


@rule(
    "dataset-transform-types",
    "multiscale-transform-types",
    section="multiscales",
    summary="up to 0.5, only 'scale' and 'translation' transforms; from 0.6, a dataset's "
    "transform is a scale, an identity or a sequence [scale, translation], and a multiscale's "
    "transform to a labels group's system an identity, scale or translation",
)
def transform_types(
    items: Transforms, where: Where, scope: Scope, *, also: tuple[str, ...] = ()
) -> Iterator[ValidationIssue]:
    """Only scale and translation (and the types *also* names: decoding reads identities).

    Examples
    --------
    >>> items = [{"type": "scale", "scale": [1]}, {"type": "affine"}]
    >>> [f.path for f in transform_types(items, Where("", ("t",)), "dataset")]
    ['t[1].type']
    """
    for i, item in enumerate(items):
        kind = item.get("type")
        if kind not in ("scale", "translation", *also):
            yield issue(
                f"{scope}-transform-types",
                where.at(i, "type"),
                f"only 'scale' and 'translation' are allowed here, got {kind!r}",
            )


@rule(
    "dataset-scale-count",
    "multiscale-scale-count",
    section="multiscales",
    summary="up to 0.5, exactly one 'scale' transform",
    versions=("0.4", "0.5"),
)
def transform_scale_count(
    items: Transforms, where: Where, scope: Scope
) -> Iterator[ValidationIssue]:
    """Exactly one scale.

    Examples
    --------
    >>> [f.rule for f in transform_scale_count([], Where("", ("t",)), "dataset")]
    ['dataset-scale-count']
    """
    n_scale = [t.get("type") for t in items].count("scale")
    if n_scale != 1:
        yield issue(
            f"{scope}-scale-count", where, f"expected exactly one 'scale' transform, got {n_scale}"
        )


@rule(
    "dataset-transform-order",
    "multiscale-transform-order",
    section="multiscales",
    summary="the 'scale' transform comes first (0.6: a dataset's sequence is [scale, translation])",
)
def transform_order(items: Transforms, where: Where, scope: Scope) -> Iterator[ValidationIssue]:
    """The one scale comes first.

    Examples
    --------
    >>> items = [{"type": "translation"}, {"type": "scale"}]
    >>> [f.rule for f in transform_order(items, Where("", ("t",)), "dataset")]
    ['dataset-transform-order']
    """
    types = [t.get("type") for t in items]
    if types.count("scale") == 1 and types[0] != "scale":
        yield issue(
            f"{scope}-transform-order",
            where,
            f"the 'scale' transform must come first, got the order {types}",
        )


@rule(
    "dataset-translation-count",
    "multiscale-translation-count",
    section="multiscales",
    summary="up to 0.5, at most one 'translation' transform",
    versions=("0.4", "0.5"),
)
def transform_translation_count(
    items: Transforms, where: Where, scope: Scope
) -> Iterator[ValidationIssue]:
    """At most one translation.

    Examples
    --------
    >>> items = [{"type": "scale"}, {"type": "translation"}, {"type": "translation"}]
    >>> [f.rule for f in transform_translation_count(items, Where("", ("t",)), "dataset")]
    ['dataset-translation-count']
    """
    n_translation = [t.get("type") for t in items].count("translation")
    if n_translation > 1:
        yield issue(
            f"{scope}-translation-count",
            where,
            f"expected at most one 'translation' transform, got {n_translation}",
        )


@rule(
    "dataset-scale-length",
    "dataset-translation-length",
    "multiscale-scale-length",
    "multiscale-translation-length",
    section="multiscales",
    summary="a scale or translation has one value per axis",
)
def vector_length(
    vector: Sequence[float],
    where: Where,
    ndim: int,
    axis_names: Sequence[object],
    scope: Scope,
    kind: str,
) -> Iterator[ValidationIssue]:
    """One value per axis.

    Examples
    --------
    >>> [f.rule for f in vector_length([1], Where("", ("s",)), 2, "yx", "dataset", "scale")]
    ['dataset-scale-length']
    """
    if len(vector) != ndim:
        yield issue(
            f"{scope}-{kind}-length",
            where,
            f"expected {ndim} values (one per axis {', '.join(map(str, axis_names))}), "
            f"got {len(vector)}: {short(list(vector))}",
        )


@rule(
    "dataset-scale-positive",
    "multiscale-scale-positive",
    section="multiscales",
    summary="scale factors are > 0",
)
def scale_positive(
    vector: Sequence[float], where: Where, scope: Scope
) -> Iterator[ValidationIssue]:
    """Every scale factor is positive.

    Examples
    --------
    >>> [f.rule for f in scale_positive([1, 0], Where("", ("s",)), "dataset")]
    ['dataset-scale-positive']
    """
    if any(not v > 0 for v in vector):  # "not >" also refuses NaN
        yield issue(
            f"{scope}-scale-positive",
            where,
            f"scale factors must be > 0, got {short(list(vector))}",
        )


def check_vector(
    value: object,
    where: Where,
    ndim: int | None,
    axis_names: Sequence[object],
    scope: Scope,
    kind: str,
) -> Iterator[ValidationIssue]:
    """The rules on one scale or translation vector (non-numeric vectors: the schema's).

    Examples
    --------
    >>> list(check_vector([1, 2], Where("", ("s",)), 2, "yx", "dataset", "scale"))
    []
    """
    vector = as_list(value)  # the values as written, so a message shows them as stored
    if vector is None or numbers(vector) is None:
        return
    if ndim is not None:
        yield from vector_length(vector, where, ndim, axis_names, scope, kind)
    if kind == "scale":
        yield from scale_positive(vector, where, scope)


def check_transform_list(
    value: object, where: Where, ndim: int | None, axis_names: Sequence[object], scope: Scope
) -> Iterator[ValidationIssue]:
    """0.4/0.5: one scale, first; at most one translation; lengths == len(axes).

    Examples
    --------
    >>> list(check_transform_list([{"type": "scale", "scale": [1, 1]}],
    ...                           Where("", ("t",)), 2, "yx", "dataset"))
    []
    """
    items = as_list(value)
    if items is None or not items or not all(isinstance(t, Mapping) for t in items):
        return  # the schema reports missing, empty and non-object lists
    yield from transform_types(items, where, scope)
    yield from transform_scale_count(items, where, scope)
    yield from transform_order(items, where, scope)
    yield from transform_translation_count(items, where, scope)
    for i, item in enumerate(items):
        kind = item.get("type")
        if kind in ("scale", "translation"):
            yield from check_vector(
                item.get(kind), where.at(i, str(kind)), ndim, axis_names, scope, str(kind)
            )


@rule(
    "datasets-order",
    section="multiscales",
    summary="datasets go from the highest to the lowest resolution: no axis's scale decreases",
)
def datasets_order(
    scales: Sequence[tuple[int, Sequence[float] | None]],
    where: Where,
    axis_names: Sequence[object],
) -> Iterator[ValidationIssue]:
    """Every per-axis scale is non-decreasing from one level to the next.

    *scales* holds (dataset index, scale or None when it is unknown).

    Examples
    --------
    >>> found = datasets_order([(0, [1, 1]), (1, [2, 0.5])], Where("", ("datasets",)), "yx")
    >>> [f.path for f in found]
    ['datasets[1]']
    """
    known = [(i, s) for i, s in scales if s is not None]
    for (i, prev), (j, cur) in itertools.pairwise(known):
        if len(prev) != len(cur):
            continue
        for d, (a, b) in enumerate(zip(prev, cur, strict=True)):
            if b < a:
                name = axis_names[d] if d < len(axis_names) else d
                yield issue(
                    "datasets-order",
                    where.at(j),
                    f"datasets must be ordered from highest to lowest resolution: the scale of "
                    f"axis {name!r} decreases from {a:g} (datasets[{i}]) to {b:g} (datasets[{j}])",
                )
                break


@rule("dataset-path-unique", section="multiscales", summary="dataset paths are unique")
def dataset_path_unique(paths: Sequence[object], where: Where) -> Iterator[ValidationIssue]:
    """No two datasets share a path.

    Examples
    --------
    >>> [f.rule for f in dataset_path_unique(["0", "0"], Where("", ("datasets",)))]
    ['dataset-path-unique']
    """
    if duplicates(p for p in paths if isinstance(p, str)):
        yield issue(
            "dataset-path-unique", where, f"dataset paths must be unique, got {short(list(paths))}"
        )


def first_scale(transforms: object) -> list[float] | None:
    """The values of the first 'scale' in a 0.4/0.5 transform list, if numeric.

    Examples
    --------
    >>> first_scale([{"type": "scale", "scale": [1, 2]}])
    [1.0, 2.0]
    """
    for item in as_list(transforms) or []:
        if isinstance(item, Mapping) and item.get("type") == "scale":
            return numbers(item.get("scale"))
    return None


def check_multiscale(
    ms: Mapping[str, JSON], where: Where, version: NgffVersion
) -> Iterator[ValidationIssue]:
    """Every rule of this section on one 0.4/0.5 ``multiscales[]`` entry.

    Examples
    --------
    >>> list(check_multiscale({"axes": [], "datasets": []}, Where("", ()), "0.4"))[0].rule
    'axes-count'
    """
    axes = as_list(ms.get("axes"))
    axis_names = [a.get("name") for a in axes or [] if isinstance(a, Mapping)]
    ndim = len(axes) if axes is not None else None
    yield from check_axes(ms.get("axes"), where.at("axes"), version)
    datasets = as_list(ms.get("datasets")) or []
    scales: list[tuple[int, Sequence[float] | None]] = []
    for j, dataset in enumerate(datasets):
        if not isinstance(dataset, Mapping):
            continue
        transforms = dataset.get("coordinateTransformations")
        yield from check_transform_list(
            transforms,
            where.at("datasets", j, "coordinateTransformations"),
            ndim,
            axis_names,
            "dataset",
        )
        scale = first_scale(transforms)
        scales.append((j, scale if scale is None or ndim is None or len(scale) == ndim else None))
    paths = [d.get("path") for d in datasets if isinstance(d, Mapping)]
    yield from dataset_path_unique(paths, where.at("datasets"))
    yield from datasets_order(scales, where.at("datasets"), axis_names)
    if "coordinateTransformations" in ms:
        yield from check_transform_list(
            ms["coordinateTransformations"],
            where.at("coordinateTransformations"),
            ndim,
            axis_names,
            "multiscale",
        )


# --- the stored arrays of the levels ----------------------------------------------------------


@dataclass(frozen=True)
class StoredLevel:
    """What the store says about one level's array (its ``.zarray`` / ``zarr.json``).

    Examples
    --------
    >>> StoredLevel("0", "img.zarr/0/zarr.json", (64, 64), "uint16", 3).where.file
    'img.zarr/0/zarr.json'
    """

    path: str
    file: str
    shape: tuple[int, ...]
    dtype: str
    zarr_format: int
    dimension_separator: str | None = None
    dimension_names: tuple[str | None, ...] | None = None

    @property
    def where(self) -> Where:
        """The array's metadata file.

        Examples
        --------
        >>> str(StoredLevel("1", "img.zarr/1/.zarray", (32, 32), "uint8", 2).where)
        'img.zarr/1/.zarray'
        """
        return Where(self.file)

    @property
    def dtype_key(self) -> str:
        """The metadata key that holds the data type.

        Examples
        --------
        >>> StoredLevel("1", "img.zarr/1/.zarray", (32, 32), "uint8", 2).dtype_key
        'dtype'
        """
        return "data_type" if self.zarr_format == 3 else "dtype"


@rule(
    "level-ndim",
    section="multiscales",
    summary="every level has as many dimensions as there are axes (and all levels the same)",
)
def level_ndim(
    levels: Sequence[StoredLevel], names: Sequence[str] | None
) -> Iterator[ValidationIssue]:
    """Each level's array has one dimension per axis.

    Examples
    --------
    >>> levels = [StoredLevel("0", "f", (4, 4, 4), "uint8", 3)]
    >>> [f.rule for f in level_ndim(levels, ["y", "x"])]
    ['level-ndim']
    """
    for previous, level in zip((None, *levels), levels, strict=False):
        if names is not None and len(level.shape) != len(names):
            yield issue(
                "level-ndim",
                level.where.at("shape"),
                f"the array has {len(level.shape)} dimensions {list(level.shape)}, but the "
                f"multiscale has {len(names)} axes {list(names)}",
            )
        elif names is None and previous is not None and len(previous.shape) != len(level.shape):
            yield issue(
                "level-ndim",
                level.where.at("shape"),
                f"all levels must have the same number of dimensions: {len(level.shape)} here, "
                f"{len(previous.shape)} at level {previous.path!r}",
            )


@rule(
    "level-shape",
    section="multiscales",
    summary="levels go from high to low resolution: no dimension grows from one level to the next",
)
def level_shape(levels: Sequence[StoredLevel]) -> Iterator[ValidationIssue]:
    """No level is larger than the one before along any dimension.

    Examples
    --------
    >>> levels = [StoredLevel("0", "a", (8, 8), "u1", 3), StoredLevel("1", "b", (4, 16), "u1", 3)]
    >>> [f.path for f in level_shape(levels)]
    ['b#shape']
    """
    for previous, level in itertools.pairwise(levels):
        if len(previous.shape) != len(level.shape):
            continue  # level-ndim says so
        pairs = zip(previous.shape, level.shape, strict=True)
        grown = [d for d, (a, b) in enumerate(pairs) if b > a]
        if grown:
            yield issue(
                "level-shape",
                level.where.at("shape"),
                f"levels go from high to low resolution, but shape {list(level.shape)} is "
                f"larger than the previous level {previous.path!r} {list(previous.shape)} "
                f"along dimension(s) {grown}",
            )


@rule(
    "level-dtype",
    section="multiscales",
    summary="all levels share one data type (a warning at 0.4)",
)
def level_dtype(levels: Sequence[StoredLevel], version: NgffVersion) -> Iterator[ValidationIssue]:
    """Every level has level 0's data type.

    Examples
    --------
    >>> levels = [StoredLevel("0", "a", (8,), "uint8", 2), StoredLevel("1", "b", (4,), "int8", 2)]
    >>> [f.severity for f in level_dtype(levels, "0.4")]
    ['warning']
    """
    if not levels:
        return
    first = levels[0]
    for level in levels[1:]:
        if level.dtype != first.dtype:
            yield issue(
                "level-dtype",
                level.where.at(level.dtype_key),
                f"all levels should share one data type: {level.dtype} here, {first.dtype} at "
                f"level {first.path!r}",
                "warning" if version == "0.4" else "error",
            )


@rule(
    "dimension-separator",
    section="multiscales",
    summary="Zarr v2 levels store chunks under nested keys (dimension_separator '/')",
    versions=("0.4",),
)
def dimension_separator(
    levels: Sequence[StoredLevel], version: NgffVersion
) -> Iterator[ValidationIssue]:
    """Zarr v2 levels use ``/`` between chunk indices.

    Examples
    --------
    >>> levels = [StoredLevel("0", "a", (8,), "u1", 2, dimension_separator=".")]
    >>> [f.rule for f in dimension_separator(levels, "0.4")]
    ['dimension-separator']
    """
    for level in levels:
        if level.zarr_format == 2 and level.dimension_separator != "/":
            yield issue(
                "dimension-separator",
                level.where.at("dimension_separator"),
                f"OME-NGFF {version} stores chunks with nested keys: expected "
                f"dimension_separator '/', got {level.dimension_separator!r}",
            )


@rule(
    "dimension-names",
    section="multiscales",
    summary="Zarr v3 levels have dimension_names equal to the axis names (a warning at 0.6)",
    versions=("0.5", "0.6"),
)
def dimension_names(
    levels: Sequence[StoredLevel], names: Sequence[str] | None, version: NgffVersion
) -> Iterator[ValidationIssue]:
    """From 0.5, each Zarr v3 level names its dimensions after the axes.

    Examples
    --------
    >>> levels = [StoredLevel("0", "a", (8, 8), "u1", 3, dimension_names=("x", "y"))]
    >>> [f.severity for f in dimension_names(levels, ["y", "x"], "0.5")]
    ['error']
    """
    if version == "0.4" or names is None:
        return
    for level in levels:
        if level.zarr_format != 3:
            continue
        got = list(level.dimension_names) if level.dimension_names is not None else None
        if got != list(names):
            yield issue(
                "dimension-names",
                level.where.at("dimension_names"),
                f"dimension_names MUST be present and equal the axes names {list(names)}, "
                f"got {got}",
                "error" if version == "0.5" else "warning",
            )


def check_levels(
    levels: Sequence[StoredLevel], names: Sequence[str] | None, version: NgffVersion
) -> Iterator[ValidationIssue]:
    """Every rule of this section on a multiscale's stored arrays, level 0 first.

    The Zarr format of each array is the document rule ``zarr-format-version``.

    Examples
    --------
    >>> levels = [StoredLevel("0", "a", (8, 8), "u1", 3, dimension_names=("y", "x")),
    ...           StoredLevel("1", "b", (4, 4), "u1", 3, dimension_names=("y", "x"))]
    >>> list(check_levels(levels, ["y", "x"], "0.5"))
    []
    """
    for level in levels:
        yield from zarr_format_version(version, level.zarr_format, level.where, "arrays")
    yield from level_ndim(levels, names)
    yield from level_shape(levels)
    yield from level_dtype(levels, version)
    yield from dimension_separator(levels, version)
    yield from dimension_names(levels, names, version)
