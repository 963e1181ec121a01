"""Rules of OME-NGFF 0.6's coordinate systems and transformations (RFC-5).

A 0.6 multiscale names its axes in ``coordinateSystems``; each dataset has one transform to
the intrinsic system (a scale, an identity or a sequence [scale, translation]); transforms on
the multiscale lead from the intrinsic system to other systems, here or in a labels group.

Examples
--------
>>> systems = [{"name": "physical", "axes": [{"name": "y", "type": "space"},
...                                           {"name": "x", "type": "space"}]}]
>>> ms = {"coordinateSystems": systems, "datasets": [{"path": "0",
...       "coordinateTransformations": [{"type": "scale", "scale": [1, 1],
...           "input": {"path": "0"}, "output": {"name": "world"}}]}]}
>>> [found.rule for found in check_multiscale_v06(ms, Where("", ()), "0.6")]
['coordinate-system-missing']
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from ngffkit.spec.rules._catalogue import ValidationIssue, Where, declare, issue, rule
from ngffkit.spec.rules.axes import check_axes
from ngffkit.spec.rules.multiscales import check_vector, dataset_path_unique, datasets_order
from ngffkit.spec.rules.narrow import (
    JSON,
    as_list,
    as_map,
    duplicates,
    io_field,
    is_int,
    is_number,
    numbers,
    short,
)
from ngffkit.spec.versions import NgffVersion

__all__ = [
    "check_multiscale_v06",
    "check_coordinate_systems",
    "check_transform_dims",
    "coordinate_system_unique_names",
    "coordinate_system_missing",
    "dataset_transform",
    "dataset_transform_output",
    "multiscale_transform",
    "by_dimension",
]

V06 = ("0.6",)

declare(
    "transform-count",
    "coordinate-systems",
    "every dataset has exactly one coordinate transformation",
    versions=V06,
)


@rule(
    "coordinate-system-unique-names",
    section="coordinate-systems",
    summary="coordinate system names are unique",
    versions=V06,
)
def coordinate_system_unique_names(
    names: Sequence[object], where: Where
) -> Iterator[ValidationIssue]:
    """No two coordinate systems share a name.

    Examples
    --------
    >>> found = coordinate_system_unique_names(["a", "a"], Where("", ("cs",)))
    >>> [f.rule for f in found]
    ['coordinate-system-unique-names']
    """
    if duplicates(n for n in names if isinstance(n, str)):
        yield issue(
            "coordinate-system-unique-names",
            where,
            f"coordinate system names must be unique, got {short(list(names))}",
        )


@rule(
    "coordinate-system-missing",
    section="coordinate-systems",
    summary="a transform's input or output names one of the coordinateSystems",
    versions=V06,
)
def coordinate_system_missing(
    name: object, systems: Mapping[str, object], where: Where
) -> Iterator[ValidationIssue]:
    """*name* is one of *systems*.

    Examples
    --------
    >>> [f.rule for f in coordinate_system_missing("w", {"p": {}}, Where("", ("out",)))]
    ['coordinate-system-missing']
    """
    if isinstance(name, str) and name not in systems:
        yield issue(
            "coordinate-system-missing",
            where,
            f"names coordinate system {name!r}, which is not among this multiscale's "
            f"coordinateSystems {sorted(systems)}",
        )


def check_coordinate_systems(
    value: object, where: Where, version: NgffVersion
) -> tuple[dict[str, Mapping[str, JSON]], list[ValidationIssue]]:
    """The systems by name, and what the names and each system's axes break.

    Examples
    --------
    >>> systems, found = check_coordinate_systems([{"name": "a", "axes": []}],
    ...                                           Where("", ("cs",)), "0.6")
    >>> sorted(systems), [f.rule for f in found]
    (['a'], ['axes-count'])
    """
    found: list[ValidationIssue] = []
    systems: dict[str, Mapping[str, JSON]] = {}
    items = as_list(value) or []
    names = [s.get("name") for s in items if isinstance(s, Mapping)]
    found.extend(coordinate_system_unique_names(names, where))
    for i, system in enumerate(items):
        if not isinstance(system, Mapping):
            continue
        name = system.get("name")
        if isinstance(name, str):
            systems.setdefault(name, system)
        found.extend(check_axes(system.get("axes"), where.at(i, "axes"), version))
    return systems, found


def _system_dims(systems: Mapping[str, Mapping[str, JSON]], name: object) -> int | None:
    if not isinstance(name, str) or name not in systems:
        return None
    axes = as_list(systems[name].get("axes"))
    return len(axes) if axes is not None else None


@rule(
    "transform-dims",
    section="coordinate-systems",
    summary="a transform's parameters fit the dimensions of its input and output systems",
    versions=V06,
)
def check_transform_dims(
    transform: Mapping[str, JSON], where: Where, n_in: int | None, n_out: int | None
) -> Iterator[ValidationIssue]:
    """Parameter shapes agree with the input/output coordinate systems, when both are known.

    Examples
    --------
    >>> found = check_transform_dims({"type": "scale", "scale": [1]}, Where("", ("t",)), 2, 2)
    >>> [f.path for f in found]
    ['t.scale']
    """
    kind = transform.get("type")
    if kind in ("scale", "translation"):
        vector = as_list(transform.get(str(kind)))
        if vector is not None and n_in is not None and len(vector) != n_in:
            yield issue(
                "transform-dims",
                where.at(str(kind)),
                f"a {kind} between systems of {n_in} dimensions needs {n_in} values, "
                f"got {len(vector)}",
            )
        if n_in is not None and n_out is not None and n_in != n_out:
            yield issue(
                "transform-dims",
                where,
                f"a {kind} maps n dimensions to n, but the input system has {n_in} and the "
                f"output system {n_out}",
            )
    elif kind == "identity" and n_in is not None and n_out is not None and n_in != n_out:
        yield issue(
            "transform-dims",
            where,
            f"identity needs equal dimensions, input has {n_in}, output {n_out}",
        )
    elif kind == "mapAxis":
        mapping = as_list(transform.get("mapAxis"))
        if mapping is not None and n_out is not None and len(mapping) != n_out:
            yield issue(
                "transform-dims",
                where.at("mapAxis"),
                f"mapAxis needs one entry per output axis ({n_out}), got {len(mapping)}",
            )
        if mapping is not None and n_in is not None:
            bad = [m for m in mapping if is_int(m) and not 0 <= m < n_in]
            if bad:
                yield issue(
                    "transform-dims",
                    where.at("mapAxis"),
                    f"mapAxis indices must name one of the {n_in} input axes, got {bad}",
                )
    elif kind == "affine":
        matrix = as_list(transform.get("affine"))
        rows = [as_list(r) for r in matrix or []]
        if matrix is not None and n_in is not None and n_out is not None and all(rows):
            shape_ok = len(matrix) in (n_out, n_out + 1) and all(
                len(r or []) == n_in + 1 for r in rows
            )
            if not shape_ok:
                shape = f"{len(matrix)}x{len(rows[0] or []) if rows else 0}"
                yield issue(
                    "transform-dims",
                    where.at("affine"),
                    f"an affine from {n_in} to {n_out} dimensions must be "
                    f"{n_out}x{n_in + 1} (or {n_out + 1}x{n_in + 1}), got {shape}",
                )
    elif kind == "rotation":
        matrix = as_list(transform.get("rotation"))
        if matrix is not None and n_in is not None and len(matrix) != n_in:
            yield issue(
                "transform-dims",
                where.at("rotation"),
                f"a rotation of {n_in} dimensions must be {n_in}x{n_in}, got {len(matrix)} rows",
            )
    elif kind == "byDimension":
        yield from by_dimension(transform, where, n_in, n_out)
    elif kind == "sequence" and n_in is not None and n_in == n_out:
        for i, item in enumerate(as_list(transform.get("transformations")) or []):
            if (
                isinstance(item, Mapping)
                and item.get("type") in ("scale", "translation", "rotation")
                # An item with inputAxes acts on a subspace (pre-byDimension form): skip it.
                and "inputAxes" not in item
            ):
                yield from check_transform_dims(item, where.at("transformations", i), n_in, n_out)


@rule(
    "transform-bydimension",
    section="coordinate-systems",
    summary="a byDimension's parts index existing axes and write each output axis once",
    versions=V06,
)
def by_dimension(
    transform: Mapping[str, JSON], where: Where, n_in: int | None, n_out: int | None
) -> Iterator[ValidationIssue]:
    """Each output axis is written by at most one part; indices name existing axes.

    Examples
    --------
    >>> parts = [{"inputAxes": [0], "outputAxes": [0]}, {"inputAxes": [1], "outputAxes": [0]}]
    >>> found = by_dimension({"transformations": parts}, Where("", ("t",)), 2, 2)
    >>> [f.rule for f in found]
    ['transform-bydimension']
    """
    parts = as_list(transform.get("transformations")) or []
    written: list[int] = []
    for i, part in enumerate(parts):
        if not isinstance(part, Mapping):
            continue
        for key, limit in (("inputAxes", n_in), ("outputAxes", n_out)):
            indices = as_list(part.get(key)) or []
            if limit is not None:
                bad = [k for k in indices if is_number(k) and not 0 <= k < limit]
                if bad:
                    yield issue(
                        "transform-bydimension",
                        where.at("transformations", i, key),
                        f"{key} must index the {limit} axes of the "
                        f"{'input' if key == 'inputAxes' else 'output'} system, got {bad}",
                    )
        outputs = [int(k) for k in as_list(part.get("outputAxes")) or [] if is_number(k)]
        repeated = sorted(set(outputs) & set(written))
        if repeated:
            yield issue(
                "transform-bydimension",
                where.at("transformations", i, "outputAxes"),
                f"output axes {repeated} are already written by an earlier part of this "
                "byDimension",
            )
        written += outputs
        inner = as_map(part.get("transformation"))
        inputs = as_list(part.get("inputAxes"))
        if (
            inner is not None
            and inputs is not None
            and inner.get("type") in ("scale", "translation")
        ):
            yield from check_transform_dims(
                inner, where.at("transformations", i, "transformation"), len(inputs), len(outputs)
            )


@dataclass(frozen=True)
class _Vector:
    kind: str
    values: list[float] | None
    raw: object
    where: Where


declare(
    "dataset-transform-input",
    "coordinate-systems",
    "the input of a dataset's transform is the dataset itself",
    versions=V06,
)


def dataset_transform(
    transform: Mapping[str, JSON], where: Where, dataset_path: object
) -> tuple[list[_Vector], list[ValidationIssue]]:
    """The scale/translation vectors of one 0.6 per-dataset transform, and what it breaks.

    Rules ``dataset-transform-types``, ``dataset-transform-order`` (a sequence must be
    [scale, translation]) and ``dataset-transform-input``.

    Examples
    --------
    >>> vectors, found = dataset_transform({"type": "affine"}, Where("", ("t",)), "0")
    >>> [f.rule for f in found]
    ['dataset-transform-types']
    """
    found: list[ValidationIssue] = []
    vectors: list[_Vector] = []
    kind = transform.get("type")
    if kind == "scale":
        raw = transform.get("scale")
        vectors.append(_Vector("scale", numbers(raw), raw, where.at("scale")))
    elif kind == "sequence":
        inner = as_list(transform.get("transformations")) or []
        kinds = [t.get("type") if isinstance(t, Mapping) else None for t in inner]
        if kinds != ["scale", "translation"]:
            found.append(
                issue(
                    "dataset-transform-order",
                    where.at("transformations"),
                    f"a dataset's sequence must be exactly [scale, translation], got {kinds}",
                )
            )
        for k, item in enumerate(inner):
            item_kind = item.get("type") if isinstance(item, Mapping) else None
            if isinstance(item, Mapping) and item_kind in ("scale", "translation"):
                raw = item.get(str(item_kind))
                vectors.append(
                    _Vector(
                        str(item_kind),
                        numbers(raw),
                        raw,
                        where.at("transformations", k, str(item_kind)),
                    )
                )
    elif kind != "identity":
        found.append(
            issue(
                "dataset-transform-types",
                where.at("type"),
                f"a dataset transform must be 'scale', 'identity' or a 'sequence' of scale and "
                f"translation, got {kind!r}",
            )
        )
    input_path = io_field(transform, "input", "path")
    if isinstance(dataset_path, str) and isinstance(input_path, str) and input_path != dataset_path:
        found.append(
            issue(
                "dataset-transform-input",
                where.at("input", "path"),
                f"the input of a dataset's transform must be the dataset itself "
                f"({dataset_path!r}), got {input_path!r}",
            )
        )
    return vectors, found


@rule(
    "dataset-transform-output",
    section="coordinate-systems",
    summary="every dataset maps to the same (intrinsic) coordinate system",
    versions=V06,
)
def dataset_transform_output(
    outputs: Sequence[tuple[int, str]], where: Where
) -> Iterator[ValidationIssue]:
    """All (dataset index, output system) pairs name the system of datasets[0].

    Examples
    --------
    >>> found = dataset_transform_output([(0, "a"), (1, "b")], Where("", ("datasets",)))
    >>> [f.path for f in found]
    ['datasets[1].coordinateTransformations[0].output.name']
    """
    intrinsic = outputs[0][1] if outputs else None
    for j, name in outputs[1:]:
        if name != intrinsic:
            yield issue(
                "dataset-transform-output",
                where.at(j, "coordinateTransformations", 0, "output", "name"),
                f"every dataset must map to the same (intrinsic) coordinate system: datasets[0] "
                f"maps to {intrinsic!r}, datasets[{j}] to {name!r}",
            )


def _level_scale(vectors: Sequence[_Vector], ndim: int) -> list[float] | None:
    scales = [v.values for v in vectors if v.kind == "scale"]
    return scales[0] if scales else [1.0] * ndim  # identity


def check_multiscale_v06(
    ms: Mapping[str, JSON], where: Where, version: NgffVersion
) -> Iterator[ValidationIssue]:
    """Every rule on one 0.6 ``multiscales[]`` entry.

    Examples
    --------
    >>> list(check_multiscale_v06({}, Where("", ()), "0.6"))
    []
    """
    systems, found = check_coordinate_systems(
        ms.get("coordinateSystems"), where.at("coordinateSystems"), version
    )
    yield from found
    datasets = as_list(ms.get("datasets")) or []
    outputs: list[tuple[int, str]] = []
    parsed: list[tuple[int, list[_Vector]]] = []
    for j, dataset in enumerate(datasets):
        if not isinstance(dataset, Mapping):
            continue
        transforms = as_list(dataset.get("coordinateTransformations"))
        if not transforms or not isinstance(transforms[0], Mapping):
            continue  # the schema reports it
        t_where = where.at("datasets", j, "coordinateTransformations", 0)
        vectors, more = dataset_transform(transforms[0], t_where, dataset.get("path"))
        yield from more
        parsed.append((j, vectors))
        output = io_field(transforms[0], "output", "name")
        if isinstance(output, str):
            outputs.append((j, output))
            yield from coordinate_system_missing(output, systems, t_where.at("output", "name"))
    yield from dataset_transform_output(outputs, where.at("datasets"))
    intrinsic = outputs[0][1] if outputs else None
    system = systems.get(intrinsic) if intrinsic is not None else None
    axes = as_list(system.get("axes")) if system is not None else None
    axis_names = [a.get("name") for a in axes or [] if isinstance(a, Mapping)]
    ndim = len(axes) if axes is not None else None
    for _, vectors in parsed:
        for vector in vectors:
            yield from check_vector(
                vector.raw, vector.where, ndim, axis_names, "dataset", vector.kind
            )
    if ndim is not None:
        levels = [(j, _level_scale(vectors, ndim)) for j, vectors in parsed]
        known = [(j, s if s is not None and len(s) == ndim else None) for j, s in levels]
        yield from datasets_order(known, where.at("datasets"), axis_names)
    paths = [d.get("path") for d in datasets if isinstance(d, Mapping)]
    yield from dataset_path_unique(paths, where.at("datasets"))
    for i, transform in enumerate(as_list(ms.get("coordinateTransformations")) or []):
        if isinstance(transform, Mapping):
            yield from multiscale_transform(
                transform, where.at("coordinateTransformations", i), systems, intrinsic
            )


@rule(
    "multiscale-transform-intrinsic",
    section="coordinate-systems",
    summary="one end of a multiscale transform is the intrinsic coordinate system",
    versions=V06,
)
def _multiscale_transform_intrinsic(
    names: Mapping[str, object], intrinsic: str | None, where: Where
) -> Iterator[ValidationIssue]:
    if intrinsic is not None and intrinsic not in names.values():
        yield issue(
            "multiscale-transform-intrinsic",
            where,
            f"one end of a multiscale transform must be the intrinsic coordinate system "
            f"{intrinsic!r}, got input {names['input']!r} and output {names['output']!r}",
        )


# Registered with `multiscales.transform_types`: the same id up to 0.5 and from 0.6.
def _multiscale_transform_types(
    transform: Mapping[str, JSON], paths: Mapping[str, object], where: Where
) -> Iterator[ValidationIssue]:
    if any(p is not None for p in paths.values()) and transform.get("type") not in (
        "identity",
        "scale",
        "translation",
    ):
        yield issue(
            "multiscale-transform-types",
            where.at("type"),
            f"a transform to a labels group's coordinate system may only be identity, scale or "
            f"translation, got {transform.get('type')!r}",
        )


def multiscale_transform(
    transform: Mapping[str, JSON],
    where: Where,
    systems: Mapping[str, Mapping[str, JSON]],
    intrinsic: str | None,
) -> Iterator[ValidationIssue]:
    """One end is the intrinsic system; the other a system here or in a child labels group.

    Examples
    --------
    >>> t = {"type": "scale", "scale": [1], "input": {"name": "a"}, "output": {"name": "b"}}
    >>> [f.rule for f in multiscale_transform(t, Where("", ("t",)), {"a": {}, "b": {}}, "p")]
    ['multiscale-transform-intrinsic']
    """
    ends = {side: as_map(transform.get(side)) for side in ("input", "output")}
    if any(end is None for end in ends.values()):
        return  # the schema reports missing or string-form input/output
    names = {side: io_field(transform, side, "name") for side in ends}
    paths = {side: io_field(transform, side, "path") for side in ends}
    yield from _multiscale_transform_intrinsic(names, intrinsic, where)
    for side in ends:
        if paths[side] is None:
            yield from coordinate_system_missing(names[side], systems, where.at(side, "name"))
    yield from _multiscale_transform_types(transform, paths, where)
    if all(paths[side] is None for side in ends):
        n_in = _system_dims(systems, names["input"])
        n_out = _system_dims(systems, names["output"])
        yield from check_transform_dims(transform, where, n_in, n_out)


def local_transform_dims(
    transform: Mapping[str, JSON], where: Where, systems: Mapping[str, Mapping[str, JSON]]
) -> Iterator[ValidationIssue]:
    """``transform-dims`` for a transform between two systems of *systems* (none in a file).

    Examples
    --------
    >>> list(local_transform_dims({"type": "identity"}, Where("", ()), {}))
    []
    """
    sides = ("input", "output")
    if any(as_map(transform.get(side)) is None for side in sides):
        return
    if all(io_field(transform, side, "path") is None for side in sides):
        n_in = _system_dims(systems, io_field(transform, "input", "name"))
        n_out = _system_dims(systems, io_field(transform, "output", "name"))
        yield from check_transform_dims(transform, where, n_in, n_out)
