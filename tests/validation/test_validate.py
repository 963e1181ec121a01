"""ngffkit.validate on real stores: build valid OME-Zarr on disk, then break one rule at a time.

The stores are written with zarr-python directly (not with ngffkit's writer), so the validator is
tested against an independent producer: 0.4 as Zarr v2 with nested ``/`` chunk keys, 0.5 and 0.6
as Zarr v3 with ``dimension_names``. The metadata follows the minimal documents of spec-notes
section 6.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import zarr
from hypothesis import given, settings
from hypothesis import strategies as st
from zarr.storage import MemoryStore, StorePath

from ngffkit.errors import (
    NgffIncompleteStoreError,
    NgffNotFoundError,
    NgffValidationError,
    NgffValueError,
)
from ngffkit.validation import ValidationReport, validate

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CORPORA = SHARED / "spec" / "corpora"
VERSIONS = ("0.4", "0.5", "0.6")

# --------------------------------------------------------------------------------------------------
# Builders: metadata documents and stores
# --------------------------------------------------------------------------------------------------

_AXIS = {
    "t": {"name": "t", "type": "time", "unit": "second"},
    "c": {"name": "c", "type": "channel"},
    "z": {"name": "z", "type": "space", "unit": "micrometer"},
    "y": {"name": "y", "type": "space", "unit": "micrometer"},
    "x": {"name": "x", "type": "space", "unit": "micrometer"},
}


def level_shapes(shape: tuple[int, ...], axes: str, levels: int) -> list[tuple[int, ...]]:
    """Level k halves the spatial dimensions k times."""
    return [
        tuple(n // 2**k if a in "zyx" else n for a, n in zip(axes, shape, strict=True))
        for k in range(levels)
    ]


def level_transforms(axes: str, k: int) -> tuple[list[float], list[float]]:
    """Pixel size 0.5 at level 0, doubling per level; binning translation (s_k - s_0) / 2."""
    scale = [0.5 * 2**k if a in "zyx" else 1.0 for a in axes]
    translation = [(s - 0.5) / 2 if a in "zyx" else 0.0 for a, s in zip(axes, scale, strict=True)]
    return scale, translation


def multiscale(version: str, axes: str, levels: int, name: str) -> dict[str, Any]:
    """One ``multiscales[]`` entry in the form of *version* (axes for 0.4/0.5, RFC-5 for 0.6)."""
    datasets = []
    for k in range(levels):
        scale, translation = level_transforms(axes, k)
        if version != "0.6":
            transforms: list[dict[str, Any]] = [{"type": "scale", "scale": scale}]
            if k:
                transforms.append({"type": "translation", "translation": translation})
        elif k == 0:
            transforms = [
                {
                    "type": "scale",
                    "scale": scale,
                    "input": {"path": str(k)},
                    "output": {"name": "physical"},
                }
            ]
        else:
            transforms = [
                {
                    "type": "sequence",
                    "input": {"path": str(k)},
                    "output": {"name": "physical"},
                    "transformations": [
                        {"type": "scale", "scale": scale},
                        {"type": "translation", "translation": translation},
                    ],
                }
            ]
        datasets.append({"path": str(k), "coordinateTransformations": transforms})
    ms: dict[str, Any] = {
        "name": name,
        "type": "local_mean",
        "metadata": {"method": "test", "version": "0"},
        "datasets": datasets,
    }
    axis_list = [dict(_AXIS[a]) for a in axes]
    if version == "0.6":
        ms["coordinateSystems"] = [{"name": "physical", "axes": axis_list}]
    else:
        ms["axes"] = axis_list
    if version == "0.4":
        ms["version"] = "0.4"
    return ms


def wrap(version: str, ns: dict[str, Any]) -> dict[str, Any]:
    """Group attributes: 0.4 keys at the top level, 0.5+ under ``ome`` with ``ome.version``."""
    return dict(ns) if version == "0.4" else {"ome": {"version": version, **ns}}


def image_attrs(
    version: str, axes: str = "cyx", levels: int = 2, *, channels: int = 2, label: bool = False
) -> dict[str, Any]:
    ns: dict[str, Any] = {
        "multiscales": [multiscale(version, axes, levels, "cells" if label else "image")]
    }
    if label:
        ns["image-label"] = {
            "colors": [{"label-value": 1, "rgba": [255, 0, 0, 255]}],
            "source": {"image": "../../"},
        }
        if version == "0.4":
            ns["image-label"]["version"] = "0.4"
    elif "c" in axes:
        window = {"min": 0, "max": 65535, "start": 0, "end": 1500}
        ns["omero"] = {
            "channels": [
                {"color": "FF00FF", "label": f"ch{i}", "window": window} for i in range(channels)
            ]
        }
    return wrap(version, ns)


def zarr_format(version: str) -> int:
    return 2 if version == "0.4" else 3


def create_level(
    group: zarr.Group,
    name: str,
    shape: tuple[int, ...],
    version: str,
    axes: str,
    *,
    dtype: str = "uint16",
    dimension_names: list[str] | bool | None = True,
    nested: bool = True,
) -> None:
    """An array as a level: v2 with nested '/' chunk keys, or v3 with dimension_names."""
    kwargs: dict[str, Any] = {}
    if zarr_format(version) == 2:
        if nested:
            kwargs["chunk_key_encoding"] = {"name": "v2", "separator": "/"}
    elif dimension_names is True:
        kwargs["dimension_names"] = list(axes)
    elif dimension_names:
        kwargs["dimension_names"] = dimension_names
    group.create_array(name, shape=shape, dtype=dtype, chunks=shape, overwrite=True, **kwargs)


def write_image(
    root: Path,
    version: str,
    *,
    axes: str = "cyx",
    shape: tuple[int, ...] = (2, 64, 64),
    levels: int = 2,
    dtype: str = "uint16",
    path: str = "",
    label: bool = False,
    with_labels: bool = True,
) -> Path:
    """An image group (arrays first, metadata last) and, optionally, labels/cells."""
    group = zarr.open_group(root, path=path, mode="a", zarr_format=zarr_format(version))
    for k, level_shape in enumerate(level_shapes(shape, axes, levels)):
        create_level(group, str(k), level_shape, version, axes, dtype=dtype)
    if with_labels and not label:
        label_axes = axes.replace("c", "")
        label_shape = tuple(n for a, n in zip(axes, shape, strict=True) if a != "c")
        base = f"{path}/labels" if path else "labels"
        write_image(
            root,
            version,
            axes=label_axes,
            shape=label_shape,
            levels=levels,
            dtype="uint32",
            path=f"{base}/cells",
            label=True,
        )
        labels = zarr.open_group(root, path=base, mode="a", zarr_format=zarr_format(version))
        labels.attrs.put(wrap(version, {"labels": ["cells"]}))
    group.attrs.put(image_attrs(version, axes, levels, label=label, channels=shape[0]))
    return root


def write_plate(root: Path, version: str) -> Path:
    """Plate A..B x 1..2 with one well A/1 holding one field of view 0, and one acquisition."""
    fmt = zarr_format(version)
    write_image(root, version, axes="yx", shape=(32, 32), path="A/1/0", with_labels=False)
    zarr.open_group(root, path="A", mode="a", zarr_format=fmt)
    well = zarr.open_group(root, path="A/1", mode="a", zarr_format=fmt)
    well_doc: dict[str, Any] = {"images": [{"path": "0", "acquisition": 0}]}
    plate_doc: dict[str, Any] = {
        "name": "plate1",
        "rows": [{"name": "A"}, {"name": "B"}],
        "columns": [{"name": "1"}, {"name": "2"}],
        "wells": [{"path": "A/1", "rowIndex": 0, "columnIndex": 0}],
        "field_count": 1,
        "acquisitions": [{"id": 0, "name": "cycle0", "maximumfieldcount": 1}],
    }
    if version in ("0.4", "0.5"):
        well_doc["version"] = plate_doc["version"] = version
    well.attrs.put(wrap(version, {"well": well_doc}))
    zarr.open_group(root, mode="a", zarr_format=fmt).attrs.put(wrap(version, {"plate": plate_doc}))
    return root


def edit(root: Path, fn: Callable[[dict[str, Any]], object], path: str = "") -> None:
    """Apply *fn* to the OME namespace of the group at *path* (attributes or attributes.ome)."""
    group = zarr.open_group(root, path=path, mode="r+")
    attrs = group.attrs.asdict()
    fn(attrs.get("ome", attrs))
    group.attrs.put(attrs)


def ms0(ns: dict[str, Any]) -> dict[str, Any]:
    return ns["multiscales"][0]


def transforms(ns: dict[str, Any], level: int) -> list[dict[str, Any]]:
    return ms0(ns)["datasets"][level]["coordinateTransformations"]


def replace_level(
    root: Path, version: str, name: str, shape: tuple[int, ...], **kwargs: Any
) -> None:
    """Rewrite one level array in place with a different shape/dtype/metadata."""
    group_path, _, leaf = name.rpartition("/")
    group = zarr.open_group(root, path=group_path, mode="r+")
    shutil.rmtree(root / name)
    axes = kwargs.pop("axes", "cyx"[-len(shape) :])
    create_level(group, leaf, shape, version, axes, **kwargs)


def rules(report: ValidationReport) -> set[str]:
    return {issue.rule for issue in report.errors}


def assert_located(report: ValidationReport, root: Path | None = None) -> None:
    """Each issue has a kebab-case rule, a path (in the store, if given) and a message naming it."""
    for issue in (*report.errors, *report.warnings):
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", issue.rule), issue
        assert issue.message.startswith(issue.path), issue
        if root is not None:
            assert issue.path.startswith(str(root)), issue


# --------------------------------------------------------------------------------------------------
# Valid stores
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_valid_image_with_labels(tmp_path: Path, version: str) -> None:
    """The spec-notes section 6 documents, written with zarr-python, validate without any issue."""
    root = write_image(tmp_path / "img.zarr", version)
    report = validate(root)
    assert report.ok, str(report)
    assert not report.warnings, str(report)
    assert report.version == version
    assert report.target == str(root)


@pytest.mark.parametrize("version", VERSIONS)
def test_valid_plate(tmp_path: Path, version: str) -> None:
    """A plate, its well and the field of view validate; strict schemas accept them too."""
    root = write_plate(tmp_path / "plate.zarr", version)
    assert validate(root).ok, str(validate(root))
    assert validate(root, strict=True).ok, str(validate(root, strict=True))


@pytest.mark.parametrize("version", VERSIONS)
def test_valid_image_is_valid_strictly(tmp_path: Path, version: str) -> None:
    """The builders write what a careful writer writes: the strict schemas accept it."""
    root = write_image(tmp_path / "img.zarr", version)
    assert validate(root, strict=True).ok, str(validate(root, strict=True))


def test_store_forms(tmp_path: Path) -> None:
    """A path string, a zarr Group, a StorePath and an in-memory store are all accepted."""
    root = write_image(tmp_path / "img.zarr", "0.5")
    assert validate(str(root)).ok
    assert validate(zarr.open_group(root, mode="r")).ok
    memory = MemoryStore()
    group = zarr.open_group(memory, mode="w", zarr_format=3)
    create_level(group, "0", (8, 8), "0.5", "yx")
    group.attrs.put(image_attrs("0.5", "yx", 1))
    report = validate(StorePath(memory, ""))
    assert report.ok, str(report)
    assert report.target.startswith("memory://")


# --------------------------------------------------------------------------------------------------
# One broken rule at a time
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """One mutation of a valid store and what the validator must say about it."""

    id: str
    mutate: Callable[[Path, str], object]
    rule: str
    says: tuple[str, ...]
    """Fragments the message must contain: the JSON path, the expectation, what was found."""
    versions: tuple[str, ...] = ("0.4", "0.5")
    also: Mapping[str, frozenset[str]] | None = None
    """Other error rules the same mutation legitimately triggers, per version."""
    severity: Mapping[str, str] | None = None


def _set(fn: Callable[[dict[str, Any]], object], path: str = "") -> Callable[[Path, str], None]:
    return lambda root, _version: edit(root, fn, path)


def _swap_types(ns: dict[str, Any]) -> None:
    axes = ms0(ns)["axes"]
    axes[0]["type"], axes[1]["type"] = "space", "channel"
    axes[0]["unit"] = axes[1].pop("unit")


def _duplicate_name(ns: dict[str, Any]) -> None:
    axis = ms0(ns)["axes"][2]
    axis["name"], axis["unit"] = "y", "nanometer"


def _swap_scales(ns: dict[str, Any]) -> None:
    t0, t1 = transforms(ns, 0), transforms(ns, 1)
    t0[0]["scale"], t1[0]["scale"] = t1[0]["scale"], t0[0]["scale"]


def _move_out_of_ome(root: Path, version: str) -> None:
    group = zarr.open_group(root, mode="r+")
    attrs = group.attrs.asdict()
    attrs["multiscales"] = attrs["ome"].pop("multiscales")
    group.attrs.put(attrs)


def _swap_group_format(root: Path, version: str) -> None:
    """Rewrite the root group's metadata in the other Zarr format, keeping the attributes."""
    attrs = zarr.open_group(root, mode="r").attrs.asdict()
    if version == "0.4":
        (root / ".zgroup").unlink()
        (root / ".zattrs").unlink()
        document = {"zarr_format": 3, "node_type": "group", "attributes": attrs}
        (root / "zarr.json").write_text(json.dumps(document))
    else:
        (root / "zarr.json").unlink()
        (root / ".zgroup").write_text(json.dumps({"zarr_format": 2}))
        (root / ".zattrs").write_text(json.dumps(attrs))


def _make_group(root: Path, version: str) -> None:
    shutil.rmtree(root / "1")
    zarr.open_group(root, path="1", mode="w", zarr_format=zarr_format(version))


def _drop_label_level(root: Path, version: str) -> None:
    shutil.rmtree(root / "labels/cells/1")
    edit(root, lambda ns: ms0(ns)["datasets"].pop(), "labels/cells")


def _float_labels(root: Path, version: str) -> None:
    replace_level(root, version, "labels/cells/0", (64, 64), dtype="float32", axes="yx")
    replace_level(root, version, "labels/cells/1", (32, 32), dtype="float32", axes="yx")


BREAKS = [
    Break(
        "axes out of order",
        _set(_swap_types),
        "axes-order",
        ("multiscales[0].axes", "time -> channel/custom -> space", "c:space", "y:channel"),
    ),
    Break(
        "duplicate axis name",
        _set(_duplicate_name),
        "axes-unique-names",
        ("multiscales[0].axes", "must be unique", '["c", "y", "y"]'),
        also={"0.5": frozenset({"dimension-names"})},
    ),
    Break(
        "scale too short",
        _set(lambda ns: transforms(ns, 1)[0].update(scale=[1.0, 1.0])),
        "dataset-scale-length",
        (
            "multiscales[0].datasets[1].coordinateTransformations[0].scale",
            "expected 3 values (one per axis c, y, x)",
            "got 2",
        ),
    ),
    Break(
        "zero scale",
        _set(lambda ns: transforms(ns, 0)[0].update(scale=[1.0, 0.0, 0.5])),
        "dataset-scale-positive",
        ("datasets[0].coordinateTransformations[0].scale", "> 0", "[1.0, 0.0, 0.5]"),
    ),
    Break(
        "levels ordered low to high resolution",
        _set(_swap_scales),
        "datasets-order",
        ("multiscales[0].datasets[1]", "highest to lowest", "'y'", "from 1 (datasets[0]) to 0.5"),
    ),
    Break(
        "translation before scale",
        _set(lambda ns: transforms(ns, 1).reverse()),
        "dataset-transform-order",
        ("datasets[1].coordinateTransformations", "must come first", "['translation', 'scale']"),
    ),
    Break(
        "two translations",
        _set(lambda ns: transforms(ns, 1).append(dict(transforms(ns, 1)[1]))),
        "dataset-translation-count",
        ("datasets[1].coordinateTransformations", "at most one 'translation'", "got 2"),
    ),
    Break(
        "multiscale-level scale too short",
        _set(
            lambda ns: ms0(ns).update(
                coordinateTransformations=[{"type": "scale", "scale": [1, 1]}]
            )
        ),
        "multiscale-scale-length",
        ("multiscales[0].coordinateTransformations[0].scale", "expected 3 values", "got 2"),
    ),
    Break(
        "omero colour with '#'",
        _set(lambda ns: ns["omero"]["channels"][0].update(color="#FF0000")),
        "omero-color",
        ("omero.channels[0].color", "6 hexadecimal digits", "'#FF0000'"),
    ),
    Break(
        "omero window without end",
        _set(lambda ns: ns["omero"]["channels"][1]["window"].pop("end")),
        "omero-window",
        ("omero.channels[1].window", "min, max, start and end", "['end']"),
        also={v: frozenset({"schema"}) for v in VERSIONS},  # the schemas agree
    ),
    Break(
        "unsupported version",
        _set(lambda ns: (ns if "version" in ns else ms0(ns)).update(version="0.3")),
        "version-unsupported",
        ("version", "'0.3'", "0.4, 0.5, 0.6"),
    ),
    Break(
        "multiscales outside attributes.ome",
        _move_out_of_ome,
        "ome-namespace",
        ("zarr.json#attributes", "under attributes.ome", "['multiscales']"),
        versions=("0.5",),
        also={"0.5": frozenset({"no-ome-metadata"})},
    ),
    Break(
        "label value twice",
        _set(
            lambda ns: ns["image-label"]["colors"].append(
                {"label-value": 1, "rgba": [0, 0, 255, 255]}
            ),
            "labels/cells",
        ),
        "label-value-unique",
        ("labels/cells/", "image-label.colors", "[1] more than once"),
    ),
    Break(
        "fractional label value",
        _set(
            lambda ns: ns["image-label"]["colors"][0].update({"label-value": 1.5}), "labels/cells"
        ),
        "label-value-integer",
        ("image-label.colors[0].label-value", "integers", "1.5"),
    ),
    Break(
        "labels list is a string",
        _set(lambda ns: ns.update(labels="cells"), "labels"),
        "labels-list",
        ("labels/", "list of label image paths", "'cells'"),
    ),
    Break(
        "level missing",
        lambda root, _version: shutil.rmtree(root / "1"),
        "dataset-missing",
        ("multiscales[0].datasets[1].path", "names the array '1'", "does not exist"),
    ),
    Break(
        "level is a group",
        _make_group,
        "dataset-not-array",
        ("multiscales[0].datasets[1].path", "'1'", "a group, not an array"),
    ),
    Break(
        "level with fewer dimensions",
        lambda root, version: replace_level(root, version, "1", (32, 32), axes="yx"),
        "level-ndim",
        ("/1/", "#shape", "2 dimensions [32, 32]", "3 axes ['c', 'y', 'x']"),
        also={"0.5": frozenset({"dimension-names"})},
    ),
    Break(
        "level with another dtype",
        lambda root, version: replace_level(root, version, "1", (2, 32, 32), dtype="float32"),
        "level-dtype",
        ("/1/", "float32 here, uint16 at level '0'"),
        severity={"0.4": "warning", "0.5": "error"},
    ),
    Break(
        "level larger than the one before",
        lambda root, version: replace_level(root, version, "1", (2, 128, 128)),
        "level-shape",
        ("/1/", "#shape", "[2, 128, 128]", "previous level '0' [2, 64, 64]"),
    ),
    Break(
        "dimension_names reordered",
        lambda root, version: replace_level(
            root, version, "1", (2, 32, 32), dimension_names=["c", "x", "y"]
        ),
        "dimension-names",
        ("/1/zarr.json#dimension_names", "['c', 'y', 'x']", "got ['c', 'x', 'y']"),
        versions=("0.5",),
    ),
    Break(
        "dimension_names missing",
        lambda root, version: replace_level(root, version, "0", (2, 64, 64), dimension_names=None),
        "dimension-names",
        ("/0/zarr.json#dimension_names", "MUST be present", "got None"),
        versions=("0.5",),
    ),
    Break(
        "flat chunk keys in 0.4",
        lambda root, version: replace_level(root, version, "1", (2, 32, 32), nested=False),
        "dimension-separator",
        ("/1/.zarray#dimension_separator", "expected dimension_separator '/'", "got '.'"),
        versions=("0.4",),
    ),
    Break(
        "Zarr format does not follow the OME-Zarr version",
        _swap_group_format,
        "zarr-format-version",
        ("requires Zarr format",),
    ),
    Break(
        "arrays without metadata (interrupted write)",
        lambda root, _version: zarr.open_group(root, mode="r+").attrs.put({}),
        "no-ome-metadata",
        ("no OME-NGFF metadata", "holds arrays ['0', '1']", "interrupted"),
    ),
    Break(
        "label pyramid shorter than the image",
        _drop_label_level,
        "label-levels",
        ("labels/cells/", "datasets", "as many levels as its image (2), got 1"),
    ),
    Break(
        "float label pixels",
        _float_labels,
        "label-dtype",
        ("labels/cells/0/", "MUST be integers", "float32"),
    ),
    Break(
        "listed label missing",
        _set(lambda ns: ns["labels"].append("nuclei"), "labels"),
        "label-missing",
        ("labels[1]", "'labels/nuclei'", "does not exist"),
    ),
    Break(
        "label image without multiscales",
        _set(lambda ns: ns.pop("multiscales"), "labels/cells"),
        "label-multiscales",
        ("labels/cells/", "MUST be a multiscale image"),
    ),
]


@pytest.mark.parametrize(
    ("brk", "version"),
    [pytest.param(b, v, id=f"{v}: {b.id}") for b in BREAKS for v in b.versions],
)
def test_broken_image(tmp_path: Path, brk: Break, version: str) -> None:
    """Each mutation is reported under its rule, at its location, with expected and found values."""
    root = write_image(tmp_path / "img.zarr", version)
    brk.mutate(root, version)
    report = validate(root)
    assert_located(report, root)
    severity = (brk.severity or {}).get(version, "error")
    found = report.errors if severity == "error" else report.warnings
    matching = [issue for issue in found if issue.rule == brk.rule]
    assert matching, str(report)
    expected_errors = {brk.rule} if severity == "error" else set()
    expected_errors |= (brk.also or {}).get(version, frozenset())
    assert rules(report) == expected_errors, str(report)
    for fragment in brk.says:
        assert any(fragment in issue.message for issue in matching), (fragment, str(report))


# --------------------------------------------------------------------------------------------------
# Plates
# --------------------------------------------------------------------------------------------------


def _add_well_image(root: Path, version: str, path: str, acquisition: int) -> None:
    edit(
        root,
        lambda ns: ns["well"]["images"].append({"path": path, "acquisition": acquisition}),
        "A/1",
    )


PlateBreak = functools.partial(Break, versions=VERSIONS)

PLATE_BREAKS = [
    PlateBreak(
        "well path does not match its indices",
        _set(lambda ns: ns["plate"]["wells"][0].update(rowIndex=1)),
        "plate-well-path",
        ("plate.wells[0].path", "'B/1'", "got 'A/1'"),
    ),
    PlateBreak(
        "row name with underscore",
        _set(lambda ns: ns["plate"]["rows"][1].update(name="B_2")),
        "plate-name-alnum",
        ("plate.rows[1].name", "alphanumeric", "'B_2'"),
        also={v: frozenset({"schema"}) for v in VERSIONS},  # the schema pattern agrees
    ),
    PlateBreak(
        "column names repeat",
        _set(lambda ns: ns["plate"]["columns"][1].update(name="1", description="again")),
        "plate-name-unique",
        ("plate.columns", "unique", '["1"]'),
    ),
    PlateBreak(
        "listed well missing",
        _set(
            lambda ns: ns["plate"]["wells"].append({"path": "B/2", "rowIndex": 1, "columnIndex": 1})
        ),
        "well-missing",
        ("plate.wells[1].path", "'B/2'", "does not exist"),
    ),
    PlateBreak(
        "listed field of view missing",
        lambda root, version: _add_well_image(root, version, "1", 0),
        "well-image-missing",
        ("A/1/", "well.images[1].path", "'A/1/1'", "does not exist"),
    ),
    PlateBreak(
        "unknown acquisition",
        _set(lambda ns: ns["well"]["images"][0].update(acquisition=7), "A/1"),
        "well-acquisition",
        ("well.images[0].acquisition", "7", "[0]"),
    ),
    PlateBreak(
        "well without well metadata",
        _set(lambda ns: ns.pop("well"), "A/1"),
        "well-metadata",
        ("A/1/", "MUST carry 'well' metadata"),
        also={v: frozenset({"no-ome-metadata"}) for v in VERSIONS},
    ),
    PlateBreak(
        "well of another version",
        _set(lambda ns: ns.update(version="0.6"), "A/1"),
        "version-consistency",
        ("A/1/zarr.json", "one OME-NGFF version per hierarchy", "0.6", "0.5"),
        versions=("0.5",),
    ),
]


@pytest.mark.parametrize(
    ("brk", "version"),
    [pytest.param(b, v, id=f"{v}: {b.id}") for b in PLATE_BREAKS for v in b.versions],
)
def test_broken_plate(tmp_path: Path, brk: Break, version: str) -> None:
    """Plate, well and field-of-view rules, reported at the node that breaks them."""
    root = write_plate(tmp_path / "plate.zarr", version)
    brk.mutate(root, version)
    report = validate(root)
    assert_located(report, root)
    matching = [issue for issue in report.errors if issue.rule == brk.rule]
    assert matching, str(report)
    assert rules(report) == {brk.rule} | (brk.also or {}).get(version, frozenset()), str(report)
    for fragment in brk.says:
        assert any(fragment in issue.message for issue in matching), (fragment, str(report))


def test_plate_field_count_is_a_warning(tmp_path: Path) -> None:
    """field_count is the maximum number of fields per well (SHOULD): exceeding it warns."""
    root = write_plate(tmp_path / "plate.zarr", "0.5")
    write_image(root, "0.5", axes="yx", shape=(32, 32), path="A/1/1", with_labels=False)
    _add_well_image(root, "0.5", "1", 0)
    report = validate(root)
    assert report.ok, str(report)
    assert [w.rule for w in report.warnings] == ["plate-field-count"]


def test_several_acquisitions_need_an_acquisition_per_field(tmp_path: Path) -> None:
    """Spec: acquisition MUST be given when the plate has several acquisitions."""
    root = write_plate(tmp_path / "plate.zarr", "0.5")
    second = {"id": 1, "name": "cycle1", "maximumfieldcount": 1}
    edit(root, lambda ns: ns["plate"]["acquisitions"].append(second))
    edit(root, lambda ns: ns["well"]["images"][0].pop("acquisition"), "A/1")
    report = validate(root)
    assert rules(report) == {"well-acquisition"}
    assert "2 acquisitions" in report.errors[0].message


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("with_series", [True, False])
def test_bioformats2raw_layout(tmp_path: Path, version: str, with_series: bool) -> None:
    """bioformats2raw.layout 3: images in 0/, 1/, ... or as listed in OME/ 'series'."""
    root = tmp_path / "bf2raw.zarr"
    for name in ("0", "1"):
        write_image(root, version, axes="yx", shape=(16, 16), path=name, with_labels=False)
    fmt = zarr_format(version)
    if with_series:
        ome = zarr.open_group(root, path="OME", mode="a", zarr_format=fmt)
        ome.attrs.put(wrap(version, {"series": ["0", "1"]}))
    zarr.open_group(root, mode="a", zarr_format=fmt).attrs.put(
        wrap(version, {"bioformats2raw.layout": 3})
    )
    assert validate(root).ok, str(validate(root))
    shutil.rmtree(root / "1" / "1")
    report = validate(root)
    assert rules(report) == {"dataset-missing"}
    assert f"{root}/1/" in report.errors[0].path


def test_bioformats2raw_series_missing(tmp_path: Path) -> None:
    """A series listed in OME/ that does not exist is reported at the OME group's series entry."""
    root = tmp_path / "bf2raw.zarr"
    write_image(root, "0.5", axes="yx", shape=(16, 16), path="0", with_labels=False)
    zarr.open_group(root, path="OME", mode="a").attrs.put(wrap("0.5", {"series": ["0", "7"]}))
    zarr.open_group(root, mode="a").attrs.put(wrap("0.5", {"bioformats2raw.layout": 3}))
    report = validate(root)
    assert rules(report) == {"bf2raw-series"}
    assert "'7'" in report.errors[0].message


# --------------------------------------------------------------------------------------------------
# 0.6 stores, units, omero, versions and strictness
# --------------------------------------------------------------------------------------------------


def test_06_dimension_names_are_recommended(tmp_path: Path) -> None:
    """0.6 no longer restates the dimension_names MUST: missing names only warn."""
    root = write_image(tmp_path / "img.zarr", "0.6", with_labels=False)
    replace_level(root, "0.6", "1", (2, 32, 32), dimension_names=None)
    report = validate(root)
    assert report.ok
    assert [w.rule for w in report.warnings] == ["dimension-names"]


def test_06_dataset_transform_rules(tmp_path: Path) -> None:
    """0.6: every level maps to the same intrinsic system; input.path is the level itself."""
    root = write_image(tmp_path / "img.zarr", "0.6", with_labels=False)
    edit(root, lambda ns: transforms(ns, 1)[0]["input"].update(path="0"))
    edit(root, lambda ns: transforms(ns, 1)[0]["output"].update(name="world"))
    report = validate(root)
    assert rules(report) == {
        "dataset-transform-input",
        "dataset-transform-output",
        "coordinate-system-missing",
    }, str(report)


@pytest.mark.parametrize(("unit", "hint"), [("um", ""), ("second", " (a time unit)")])
def test_non_udunits_unit_is_a_warning(tmp_path: Path, unit: str, hint: str) -> None:
    """Spec: units SHOULD be UDUNITS-2 names, so other spellings warn but do not invalidate."""
    root = write_image(tmp_path / "img.zarr", "0.5", with_labels=False)
    edit(root, lambda ns: ms0(ns)["axes"][2].update(unit=unit))
    report = validate(root)
    assert report.ok
    (warning,) = report.warnings
    assert warning.rule == "axis-unit"
    assert warning.path.endswith("#attributes.ome.multiscales[0].axes[2].unit")
    assert f"got {unit!r}{hint}" in warning.message


def test_omero_channel_count_is_a_warning(tmp_path: Path) -> None:
    """One omero channel per index of the channel axis is a convention viewers rely on."""
    root = write_image(tmp_path / "img.zarr", "0.5", with_labels=False)
    extra = {"color": "00FF00", "window": {"min": 0, "max": 1, "start": 0, "end": 1}}
    edit(root, lambda ns: ns["omero"]["channels"].append(extra))
    report = validate(root)
    assert report.ok
    assert [w.rule for w in report.warnings] == ["omero-channel-count"]
    assert "(2), got 3" in report.warnings[0].message


def test_strict_requires_the_should_keys(tmp_path: Path) -> None:
    """strict=True uses strict_image.schema: name, type and metadata become required."""
    root = write_image(tmp_path / "img.zarr", "0.5", with_labels=False)
    edit(root, lambda ns: ms0(ns).pop("metadata"))
    assert validate(root).ok
    strict = validate(root, strict=True)
    assert rules(strict) == {"schema"}
    assert "'metadata' is a required property" in strict.errors[0].message
    assert "strict_image.schema" in strict.errors[0].message


def test_version_override(tmp_path: Path) -> None:
    """version= wins over the declared version and says so in a warning."""
    root = write_image(tmp_path / "img.zarr", "0.5", with_labels=False)
    report = validate(root, version="0.4")
    assert report.version == "0.4"
    assert "zarr-format-version" in rules(report)
    assert "version-mismatch" in {w.rule for w in report.warnings}


@pytest.mark.parametrize("bad", ["0.3", "banana", "1.0"])
def test_bad_version_argument(bad: str) -> None:
    """An unsupported version= is the caller's mistake: NgffValueError, a ValueError."""
    with pytest.raises(NgffValueError, match=r"expected one of 0\.4, 0\.5, 0\.6"):
        validate({"multiscales": []}, version=bad)


@pytest.mark.parametrize(
    ("declared", "validated_as"),
    [("0.6rc0", "0.6"), ("0.6.dev4", "0.6"), ("0.5-dev", "0.5"), ("0.4", "0.4")],
)
def test_version_tags_pick_the_release_schemas(declared: str, validated_as: str) -> None:
    """rc/dev suffixes are stripped to choose the schemas (spec-notes section 0)."""
    ns = {"multiscales": [multiscale(validated_as, "yx", 1, "x")]}
    if validated_as == "0.4":
        attrs = {"multiscales": [{**ns["multiscales"][0], "version": declared}]}
    else:
        attrs = {"ome": {"version": declared, **ns}}
    assert validate(attrs).version == validated_as


def test_ome_without_version() -> None:
    """0.5+: attributes.ome MUST carry the version."""
    attrs = image_attrs("0.5", "yx", 1)
    del attrs["ome"]["version"]
    report = validate(attrs)
    assert "version-missing" in rules(report)


# --------------------------------------------------------------------------------------------------
# Mapping input
# --------------------------------------------------------------------------------------------------


def test_whole_zarr_json_document() -> None:
    """A zarr.json document is recognised; paths then start at 'attributes'."""
    document = {"zarr_format": 3, "node_type": "group", "attributes": image_attrs("0.5", "tyx", 1)}
    assert validate(document).ok
    document["attributes"]["ome"]["multiscales"][0]["axes"].reverse()
    report = validate(document)
    assert report.target == "<zarr.json>"
    assert "axes-order" in rules(report)
    assert all(issue.path.startswith("attributes.ome.") for issue in report.errors)


def test_zarr_json_of_an_array_or_of_04() -> None:
    """zarr.json must describe a group; 0.4 metadata cannot live in a Zarr v3 document."""
    document = {"zarr_format": 3, "node_type": "array", "attributes": image_attrs("0.4", "yx", 1)}
    assert rules(validate(document)) == {"node-type", "zarr-format-version"}


def test_mapping_with_tuples_and_numpy_scalars() -> None:
    """Python-built metadata (tuples, numpy numbers) is validated like the JSON it serialises to."""
    import numpy as np

    attrs = image_attrs("0.5", "yx", 1)
    dataset = attrs["ome"]["multiscales"][0]["datasets"][0]
    dataset["coordinateTransformations"][0]["scale"] = (np.float32(0.5), np.float64(0.5))
    assert validate(attrs).ok


# --------------------------------------------------------------------------------------------------
# Errors, str and HTML
# --------------------------------------------------------------------------------------------------


def test_missing_store_raises(tmp_path: Path) -> None:
    """Nothing at the location: NgffNotFoundError (a FileNotFoundError), not a report."""
    with pytest.raises(NgffNotFoundError, match="nothing to validate"):
        validate(tmp_path / "nope.zarr")
    with pytest.raises(FileNotFoundError):
        validate(tmp_path / "nope.zarr")


def test_raise_on_error(tmp_path: Path) -> None:
    """raise_on_error raises NgffValidationError (a ValueError) naming every error."""
    root = write_image(tmp_path / "img.zarr", "0.5")
    shutil.rmtree(root / "1")
    edit(root, lambda ns: ns["omero"]["channels"][0].update(color="red"))
    with pytest.raises(NgffValidationError) as caught:
        validate(root, raise_on_error=True)
    assert isinstance(caught.value, ValueError)
    report = validate(root)
    assert caught.value.rule == report.errors[0].rule
    assert caught.value.path == report.errors[0].path
    text = str(caught.value)
    assert text.startswith(f"2 OME-NGFF 0.5 errors in {root}:")
    assert "[omero-color]" in text
    assert "[dataset-missing]" in text


def test_incomplete_store_raises_the_incomplete_error(tmp_path: Path) -> None:
    """Arrays without OME metadata are an interrupted write: NgffIncompleteStoreError."""
    root = write_image(tmp_path / "img.zarr", "0.5", with_labels=False)
    zarr.open_group(root, mode="r+").attrs.put({})
    with pytest.raises(NgffIncompleteStoreError, match="interrupted"):
        validate(root).raise_for_errors()


def test_valid_report_does_not_raise(tmp_path: Path) -> None:
    """raise_for_errors is a no-op without errors; warnings do not count."""
    report = validate(write_image(tmp_path / "img.zarr", "0.5"), raise_on_error=True)
    assert report.ok
    report.raise_for_errors()


def test_str_and_html(tmp_path: Path) -> None:
    """The text summary lists each issue once; the HTML escapes what it shows."""
    root = write_image(tmp_path / "img.zarr", "0.5", with_labels=False)
    assert str(validate(root)).endswith("- valid")
    assert "valid" in validate(root)._repr_html_()
    edit(root, lambda ns: ms0(ns)["axes"][1].update(unit="<b>um</b>"))
    shutil.rmtree(root / "1")
    report = validate(root)
    text = str(report)
    assert text.splitlines()[0] == f"OME-NGFF 0.5 validation of {root}: 1 error, 1 warning"
    assert "  error   [dataset-missing] " in text
    assert "  warning [axis-unit] " in text
    page = report._repr_html_()
    assert "<table>" in page
    assert "invalid" in page
    assert "&lt;b&gt;um&lt;/b&gt;" in page
    assert "<b>um</b>" not in page


# --------------------------------------------------------------------------------------------------
# Real-world metadata hierarchies (../shared/spec/corpora: metadata only, no chunks)
# --------------------------------------------------------------------------------------------------


def test_corpus_fractal_example_is_valid() -> None:
    """The fractal-ome-zarr-examples 0.4 image (4 levels, labels/nuclei, tables) validates."""
    example = "v04/20200812-CardiomyocyteDifferentiation14-Cycle1_B_03_mip.zarr"
    root = CORPORA / "fractal-ome-zarr-examples" / example
    report = validate(root)
    assert report.ok, str(report)
    assert report.version == "0.4"


def test_corpus_hcs_example_is_valid() -> None:
    """ome-zarr-models-py's 0.4 HCS hierarchy: plate, wells and fields are walked and valid."""
    report = validate(CORPORA / "ome-zarr-models-py/tests/data/examples/v04/hcs_example.ome.zarr")
    assert report.ok, str(report)


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("invalid_version.zarr", {"zarr-metadata", "version-unsupported"}),
        ("missing_min.zarr", {"schema", "omero-window"}),
        ("no_version_v0.4.zarr", {"zarr-metadata", "dataset-missing"}),
        ("no_version_v0.5.zarr", {"zarr-metadata", "no-ome-metadata"}),
    ],
)
def test_corpus_ome_ngff_validator_samples(sample: str, expected: set[str]) -> None:
    """The web validator's hand-made invalid samples are invalid here too, for the same reasons.

    They hold only .zattrs (no .zgroup); ngffkit still reads the metadata and says what is missing.
    """
    report = validate(CORPORA / "ome-ngff-validator/test_samples/invalid" / sample)
    assert rules(report) == expected, str(report)
    assert_located(report)


def test_corpus_ngio_05_labels_outside_ome() -> None:
    """ngio's 0.5 test data keeps 'labels' outside attributes.ome and omits dimension_names."""
    report = validate(CORPORA / "ngio/tests/data/v05/images/test_image_cyx.zarr")
    assert rules(report) == {"ome-namespace", "dimension-names"}


# --------------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------------

_TYPES = st.sampled_from(["space", "time", "channel", "angle", None])


@st.composite
def axes_lists(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Axis lists of 1-6 entries, unique or repeated names, any mix and order of types."""
    n = draw(st.integers(1, 6))
    names = draw(st.lists(st.sampled_from("tczyxab"), min_size=n, max_size=n))
    types = draw(st.lists(_TYPES, min_size=n, max_size=n))
    return [
        {"name": name} if kind is None else {"name": name, "type": kind}
        for name, kind in zip(names, types, strict=True)
    ]


def expected_axes_rules(axes: list[dict[str, Any]]) -> set[str]:
    """The 0.4/0.5 axes rules restated from the spec text, independently of the implementation."""
    kinds = [a.get("type") for a in axes]
    names = [a["name"] for a in axes]
    found = set()
    if not 2 <= len(axes) <= 5:
        found.add("axes-count")
    if not 2 <= kinds.count("space") <= 3:
        found.add("axes-space-count")
    if kinds.count("time") > 1:
        found.add("axes-time-count")
    if sum(1 for k in kinds if k not in ("space", "time")) > 1:
        found.add("axes-channel-count")
    rank = [0 if k == "time" else 2 if k == "space" else 1 for k in kinds]
    if rank != sorted(rank):
        found.add("axes-order")
    if len(set(names)) != len(names):
        found.add("axes-unique-names")
    return found


@given(axes=axes_lists(), version=st.sampled_from(["0.4", "0.5"]))
def test_axes_rules_match_the_spec(axes: list[dict[str, Any]], version: str) -> None:
    """'MUST contain 2 or 3 space axes ... MAY contain one time axis ... one channel or custom
    axis ... ordered time, channel, space' (0.4/0.5) - each broken sentence is reported."""
    ms = multiscale(version, "yx", 1, "p")
    ms["axes"] = axes
    ms["datasets"][0]["coordinateTransformations"][0]["scale"] = [1.0] * len(axes)
    report = validate(wrap(version, {"multiscales": [ms]}))
    assert rules(report) - {"schema"} == expected_axes_rules(axes), str(report)


@given(
    scales=st.lists(st.lists(st.floats(0.01, 100), min_size=3, max_size=3), min_size=1, max_size=4)
)
@settings(max_examples=60)
def test_datasets_order_matches_the_spec(scales: list[list[float]]) -> None:
    """'paths MUST be ordered from the highest to the lowest resolution': no per-axis decrease."""
    ms = multiscale("0.5", "zyx", len(scales), "p")
    for dataset, scale in zip(ms["datasets"], scales, strict=True):
        dataset["coordinateTransformations"] = [{"type": "scale", "scale": scale}]
    decreasing = any(
        b < a for prev, cur in itertools.pairwise(scales) for a, b in zip(prev, cur, strict=True)
    )
    report = validate(wrap("0.5", {"multiscales": [ms]}))
    assert rules(report) == ({"datasets-order"} if decreasing else set()), str(report)


@given(
    rows=st.lists(st.text("ABCDEFGH", min_size=1, max_size=2), min_size=1, max_size=4, unique=True),
    columns=st.lists(
        st.text("0123456789", min_size=1, max_size=2), min_size=1, max_size=4, unique=True
    ),
    data=st.data(),
)
def test_plate_well_paths(rows: list[str], columns: list[str], data: st.DataObject) -> None:
    """'path ... <row>/<column>' with rowIndex/columnIndex pointing at the same names."""
    wells = [
        {"path": f"{r}/{c}", "rowIndex": i, "columnIndex": j}
        for i, r in enumerate(rows)
        for j, c in enumerate(columns)
    ]
    plate = {
        "rows": [{"name": r} for r in rows],
        "columns": [{"name": c} for c in columns],
        "wells": wells,
    }
    assert validate(wrap("0.5", {"plate": plate})).ok
    k = data.draw(st.integers(0, len(wells) - 1))
    wells[k]["path"] = "/".join(reversed(wells[k]["path"].split("/")))
    report = validate(wrap("0.5", {"plate": plate}))
    assert [issue.rule for issue in report.errors] == ["plate-well-path"], str(report)
    assert report.errors[0].path == f"ome.plate.wells[{k}].path"


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False)
    | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)
_KEYS = st.sampled_from(
    ["multiscales", "omero", "image-label", "labels", "plate", "well", "scene", "series", "version"]
)


@given(
    ns=st.dictionaries(_KEYS, _JSON, max_size=4),
    version=st.sampled_from(["0.4", "0.5", "0.6"]),
    strict=st.booleans(),
)
def test_arbitrary_json_never_crashes(ns: dict[str, Any], version: str, strict: bool) -> None:
    """Whatever the metadata holds, validate returns a report; it never raises."""
    report = validate(wrap(version, ns), version=version, strict=strict)
    assert report.version == version
    assert_located(report)


@given(
    multiscales=st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "axes": _JSON,
                "datasets": st.lists(
                    st.dictionaries(st.sampled_from(["path", "coordinateTransformations"]), _JSON)
                ),
                "coordinateSystems": _JSON,
                "coordinateTransformations": _JSON,
            },
        ),
        max_size=2,
    ),
    version=st.sampled_from(["0.4", "0.5", "0.6"]),
)
def test_arbitrary_multiscales_never_crash(multiscales: list[dict[str, Any]], version: str) -> None:
    """Malformed multiscales reach the semantic checks without crashing them."""
    report = validate(wrap(version, {"multiscales": multiscales}), version=version)
    assert_located(report)


# --------------------------------------------------------------------------------------------------
# One verdict: whatever the reader refuses, validate reports; whatever the reader accepts, it
# writes back as a store that validates. Stores written by ngffkit, then one node of the
# attributes replaced on disk.
# --------------------------------------------------------------------------------------------------

HUGE = 10**400  # JSON allows the literal; no float holds it

_strange = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.just(HUGE)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet="xyz0./\\", max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text("abtn", max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)


def _nodes(value: Any, parts: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [parts]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _nodes(item, (*parts, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _nodes(item, (*parts, i))
    return found


@functools.cache
def _written(version: str) -> tuple[Path, dict[str, Any]]:
    """A small 2-level image with omero metadata written by ngffkit, and its attributes file."""
    import tempfile

    import numpy as np

    import ngffkit

    root = Path(tempfile.mkdtemp(prefix=f"verdict-{version}-"))
    image = ngffkit.to_ngff_image(
        np.zeros((2, 4, 8, 8), "u1"),
        dims=("c", "z", "y", "x"),
        scale={"z": 2.0, "y": 0.5, "x": 0.5},
        translation={"z": 1.0, "y": 0.0, "x": 0.0},
        axes_units={"z": "micrometer", "y": "micrometer", "x": "micrometer"},
    )
    from ngffkit.spec import Omero, OmeroChannel, OmeroWindow

    window = OmeroWindow(min=0, max=255, start=0, end=200)
    channels = tuple(OmeroChannel(label=label, window=window) for label in "ab")
    ms = ngffkit.to_multiscales(image, scale_factors=[2])
    ms = dataclasses.replace(ms, omero=Omero(channels=channels))
    ngffkit.to_ngff_zarr(root / "base.zarr", ms, version=version)
    name = ".zattrs" if version == "0.4" else "zarr.json"
    return root, json.loads((root / "base.zarr" / name).read_text())


def _verdicts(store: Path) -> tuple[str | None, ValidationReport]:
    """(why the reader or the writer of its copy refused, or None) and validate's report.

    Any exception but an NgffError fails the test.
    """
    import warnings

    import ngffkit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ms = ngffkit.from_ngff_zarr(store)
        except ngffkit.NgffError as exc:
            return str(exc), validate(store)
        copy = store.parent / f"{store.name}-copy"
        try:
            ngffkit.to_ngff_zarr(copy, ms, overwrite=True)
        except ngffkit.NgffValueError as exc:  # the writer refuses what it cannot write validly
            return f"the writer refused: {exc}", validate(store)
        written = validate(copy)
        assert written.ok, f"the reader accepted it, but its copy does not validate: {written}"
    return None, validate(store)


@pytest.mark.parametrize("version", ["0.4", "0.5"])
@settings(max_examples=60)
@given(data=st.data())
def test_validate_agrees_with_the_reader(version: str, data: st.DataObject) -> None:
    """Random replacements of one attribute node: refused by the reader => reported by validate."""
    root, attrs = _written(version)
    doc = json.loads(json.dumps(attrs))
    parts = data.draw(st.sampled_from(_nodes(doc)[1:]), label="node")
    value = data.draw(_strange, label="value")
    target = doc
    for part in parts[:-1]:
        target = target[part]
    target[parts[-1]] = value
    store = root / "case.zarr"
    shutil.rmtree(store, ignore_errors=True)
    shutil.copytree(root / "base.zarr", store)
    (store / (".zattrs" if version == "0.4" else "zarr.json")).write_text(json.dumps(doc))
    refused, report = _verdicts(store)
    if refused is not None:
        assert not report.ok, f"the reader refused ({refused}) but validate found nothing"


@pytest.mark.parametrize("version", ["0.4", "0.5"])
@pytest.mark.parametrize(
    ("where", "value", "rule"),
    [
        (
            ("multiscales", 0, "datasets", 0, "coordinateTransformations", 0, "scale", 1),
            float("nan"),
            "number-finite",
        ),
        (
            ("multiscales", 0, "datasets", 1, "coordinateTransformations", 1, "translation", 0),
            float("inf"),
            "number-finite",
        ),
        (
            ("multiscales", 0, "datasets", 0, "coordinateTransformations", 0, "scale", 2),
            HUGE,
            "number-finite",
        ),
        (("multiscales", 0, "axes", 1, "unit"), 5, "axis-unit-type"),
        (("multiscales", 0, "axes", 1, "unit"), ["micrometer"], "axis-unit-type"),
    ],
    ids=["nan-scale", "inf-translation", "huge-scale", "unit-int", "unit-list"],
)
def test_reader_refusals_have_a_rule(
    version: str, where: tuple[Any, ...], value: Any, rule: str
) -> None:
    """The numbers and units the reader refuses are reported under the rule the reader names."""
    import ngffkit

    root, attrs = _written(version)
    doc = json.loads(json.dumps(attrs))
    target = doc["attributes"]["ome"] if version != "0.4" else doc
    for part in where[:-1]:
        target = target[part]
    target[where[-1]] = value
    store = root / f"rule-{rule}.zarr"
    shutil.rmtree(store, ignore_errors=True)
    shutil.copytree(root / "base.zarr", store)
    (store / (".zattrs" if version == "0.4" else "zarr.json")).write_text(json.dumps(doc))
    with pytest.raises(ngffkit.NgffValidationError) as refused:
        ngffkit.from_ngff_zarr(store)
    assert refused.value.rule == rule
    assert rule in {issue.rule for issue in validate(store).errors}


def test_writer_refuses_non_finite_attributes(tmp_path: Path) -> None:
    """NaN in user attributes is refused before a byte is written, naming the JSON path."""
    import numpy as np

    import ngffkit

    ms = ngffkit.to_multiscales(np.zeros((8, 8), "u1"), scale_factors=[])
    ms = ngffkit.Multiscales(
        **{**vars(ms), "attributes": {"acquisition": {"exposure": float("nan")}}}
    )
    with pytest.raises(
        ngffkit.NgffValueError, match=r"acquisition\.exposure: expected a finite number"
    ):
        ngffkit.to_ngff_zarr(tmp_path / "nan.zarr", ms)
    assert not (tmp_path / "nan.zarr").exists()


# --------------------------------------------------------------------------------------------------
# chunks=True: the keys the metadata implies against the keys stored
# --------------------------------------------------------------------------------------------------


def _chunk_files(level: Path) -> list[Path]:
    return sorted(
        p for p in level.rglob("*") if p.is_file() and not p.name.startswith((".z", "zarr.json"))
    )


@pytest.mark.parametrize(
    ("version", "shards"),
    [("0.4", None), ("0.5", None), ("0.5", 2)],
    ids=["0.4", "0.5", "0.5-sharded"],
)
def test_chunks_missing_is_an_error(tmp_path: Path, version: str, shards: int | None) -> None:
    """Half of level 0's chunk (or shard) files deleted: valid metadata, invalid with chunks=True."""
    import subprocess
    import sys

    import numpy as np

    import ngffkit

    image = ngffkit.to_ngff_image(np.ones((16, 32, 32), "u2"), dims=("z", "y", "x"))
    ms = ngffkit.to_multiscales(image, scale_factors=[2], chunks=8)
    store = tmp_path / "img.zarr"
    ngffkit.to_ngff_zarr(store, ms, version=version, chunks_per_shard=shards)
    assert validate(store, chunks=True).ok
    files = _chunk_files(store / "0")
    assert len(files) == (2 * 4 * 4 if shards is None else 1 * 2 * 2)
    for path in files[::2]:
        path.unlink()
    assert validate(store).ok  # the metadata alone cannot tell
    report = validate(store, chunks=True)
    (issue,) = [i for i in report.errors if i.rule == "chunks-missing"]
    noun = "shard" if shards else "chunk"
    assert f"{len(files[::2])} of {len(files)} {noun} keys are missing" in issue.message
    assert "/0/" in issue.path
    run = subprocess.run(
        [sys.executable, "-m", "ngffkit", "validate", "--chunks", str(store)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1 and "chunks-missing" in run.stdout


def test_missing_label_chunks_are_a_warning(tmp_path: Path) -> None:
    """Labels are written without their all-background chunks: gaps there warn, not fail."""
    import numpy as np

    import ngffkit

    pixels = np.zeros((16, 32, 32), "u1")
    image = ngffkit.to_ngff_image(pixels, dims=("z", "y", "x"))
    cells = np.zeros((16, 32, 32), "u4")
    cells[:8, :8, :8] = 1
    ms = ngffkit.to_multiscales(image, scale_factors=[], chunks=8)
    label = ngffkit.to_multiscales(
        ngffkit.to_ngff_image(cells, dims=("z", "y", "x"), is_label=True),
        scale_factors=[],
        chunks=8,
    )
    ms = dataclasses.replace(ms, labels={"cells": label})
    ngffkit.to_ngff_zarr(tmp_path / "img.zarr", ms)
    report = validate(tmp_path / "img.zarr", chunks=True)
    assert report.ok  # the all-zero image keeps every chunk: only the label has gaps
    (gap,) = [i for i in report.warnings if i.rule == "chunks-missing"]
    assert "labels/cells/0" in gap.path and "31 of 32 chunk keys" in gap.message


def test_chunks_over_http(tmp_path: Path) -> None:
    """Over HTTP the chunks are checked where the server lists directories, else reported unchecked."""
    import functools
    import http.server
    import threading

    import numpy as np

    import ngffkit

    class NoListing(http.server.SimpleHTTPRequestHandler):
        def list_directory(self, path: Any) -> None:
            self.send_error(404, "no listing")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    ms = ngffkit.to_multiscales(np.ones((16, 16), "u1"), scale_factors=[], chunks=8)
    ngffkit.to_ngff_zarr(tmp_path / "img.zarr", ms)
    (tmp_path / "img.zarr" / "0" / "c" / "0" / "1").unlink()
    for handler, rule in (
        (http.server.SimpleHTTPRequestHandler, "chunks-missing"),
        (NoListing, "chunks-unchecked"),
    ):
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(tmp_path))
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}/img.zarr"
            report = validate(url, chunks=True)
        finally:
            server.shutdown()
            server.server_close()
        assert rule in {i.rule for i in (*report.errors, *report.warnings)}, (handler, report)
