"""Drive one outside OME-Zarr tool in a process of its own and print one JSON object.

Usage::

    python tests/interop/outside.py TOOL ACTION ARGS...

    ozm      validate STORE
    ngffzarr read STORE            | write NPY OUT VERSION
    omezarr  read STORE            | write NPY OUT VERSION
    ngio     read STORE            | write NPY OUT VERSION
    ngio     read_plate STORE      | write_plate NPY OUT VERSION FIELDS
    omezarr  read_plate STORE      | write_plate NPY OUT VERSION FIELDS

Each call imports exactly one outside library (ngff-zarr, ome-zarr-py, ngio or
ome-zarr-models), because importing two of them in one process changes what they accept
(``import ngio`` before ``ome_zarr_models`` makes the latter reject valid 0.4 images).
numpy, zarr and dask are not outside tools: they are ngffkit's own dependencies.

Everything the tool prints goes to stderr; stdout carries only the JSON result. A failure
*of the tool* (it raises while reading, writing or validating) is a result, reported as
``{"ok": false, "error": "...", "traceback": "..."}`` with exit status 0, so a test can
assert precisely how an outside tool fails. A failure of this script (bad arguments)
exits non-zero.

The write actions take an ``.npy`` file plus a sidecar ``NPY + ".json"``::

    {"dims": ["c", "y", "x"], "scale": {"y": 0.5, "x": 0.5}, "translation": {"y": 0, "x": 0},
     "units": {"y": "micrometer", "x": "micrometer"}, "channel_labels": ["DAPI", "GFP"] | null,
     "label": {"name": "cells", "npy": "/path/cells.npy"} | null}

and write an OME-Zarr of the requested version (0.4 or 0.5) with two levels (every
spatial axis halved once). The label image (dims = image dims without ``c``) is written by
ngio and ome-zarr-py; ngff-zarr has no labels API.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

SPATIAL = ("z", "y", "x")
UNIT_AXES = ("t", "z", "y", "x")
OUTSIDE_PACKAGES = ("ngff_zarr", "ngio", "ome_zarr", "ome_zarr_models")
"""Reported in every result's ``modules``: which outside packages this process has loaded."""


# ---------------------------------------------------------------------------- helpers


def _warning_text(w: warnings.WarningMessage) -> str:
    return f"{w.category.__name__}: {w.message}"


def _digest(array: Any) -> dict[str, Any]:
    data = np.ascontiguousarray(np.asarray(array))
    return {
        "level0_sha256": hashlib.sha256(data.tobytes()).hexdigest(),
        "level0_sum": float(data.sum(dtype=np.float64)),
    }


def _per_axis(names: list[str], values: list[float] | None, default: float) -> dict[str, float]:
    if values is None:
        return dict.fromkeys(names, default)
    return {name: float(v) for name, v in zip(names, values, strict=True)}


def _transforms(names: list[str], transforms: list[dict[str, Any]]) -> tuple[dict, dict]:
    """Per-axis scale and translation from a 0.4/0.5 ``coordinateTransformations`` list."""
    scale = next((t.get("scale") for t in transforms if t["type"] == "scale"), None)
    shift = next((t.get("translation") for t in transforms if t["type"] == "translation"), None)
    return _per_axis(names, scale, 1.0), _per_axis(names, shift, 0.0)


def _level(path: str, array: Any, scale: dict, translation: dict) -> dict[str, Any]:
    return {
        "path": str(path),
        "shape": [int(n) for n in array.shape],
        "dtype": str(np.dtype(array.dtype)),
        "scale": {k: float(v) for k, v in scale.items()},
        "translation": {k: float(v) for k, v in translation.items()},
    }


def _root_attributes(store: str) -> dict[str, Any]:
    """The OME attributes of a group, read as plain JSON (0.4 ``.zattrs``, 0.5 ``ome``)."""
    v3 = Path(store) / "zarr.json"
    if v3.exists():
        return json.loads(v3.read_text()).get("attributes", {}).get("ome", {})
    v2 = Path(store) / ".zattrs"
    return json.loads(v2.read_text()) if v2.exists() else {}


def _dataset_paths(store: str) -> list[str]:
    return [d["path"] for d in _root_attributes(store)["multiscales"][0]["datasets"]]


def _load_sidecar(npy: str) -> tuple[np.ndarray, dict[str, Any]]:
    meta = json.loads(Path(npy + ".json").read_text())
    meta.setdefault("translation", {})
    meta.setdefault("units", {})
    meta.setdefault("channel_labels", None)
    meta.setdefault("label", None)
    return np.load(npy), meta


def _spatial(meta: dict[str, Any]) -> list[str]:
    return [d for d in meta["dims"] if d in SPATIAL]


def _label_array(meta: dict[str, Any]) -> np.ndarray | None:
    return None if meta["label"] is None else np.load(meta["label"]["npy"])


def _label_dims(meta: dict[str, Any]) -> list[str]:
    return [d for d in meta["dims"] if d != "c"]


def _omero(labels: list[str], array: np.ndarray) -> dict[str, Any]:
    """A schema-valid ``omero`` block naming the channels (every window key present)."""
    low, high = float(array.min()), float(array.max())
    window = {"min": low, "max": high, "start": low, "end": high}
    colors = ("FF0000", "00FF00", "0000FF", "FFFFFF")
    return {
        "channels": [
            {"label": name, "color": colors[i % len(colors)], "window": window, "active": True}
            for i, name in enumerate(labels)
        ]
    }


# ---------------------------------------------------------------------------- ome-zarr-models


def ozm_validate(store: str) -> dict[str, Any]:
    """Open the group (and each listed label image) with ``ome_zarr_models.open_ome_zarr``."""
    import ome_zarr_models
    import zarr
    from ome_zarr_models.exceptions import ValidationWarning

    def one(path: str) -> dict[str, Any]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                model = ome_zarr_models.open_ome_zarr(zarr.open_group(path, mode="r"))
            except Exception as exc:
                kind, error = None, f"{type(exc).__name__}: {exc}"
            else:
                kind, error = type(model).__name__, None
        validation = [w for w in caught if issubclass(w.category, ValidationWarning)]
        other = [w for w in caught if not issubclass(w.category, ValidationWarning)]
        return {
            "ok": error is None,
            "kind": kind,
            "module": None if kind is None else type(model).__module__,
            "error": error,
            "warnings": [str(w.message) for w in validation],
            "other_warnings": [_warning_text(w) for w in other],
        }

    result = one(store)
    label_names = _root_attributes(str(Path(store) / "labels")).get("labels")
    if label_names is not None:
        result["labels"] = {name: one(str(Path(store) / "labels" / name)) for name in label_names}
        result["ok"] = result["ok"] and all(v["ok"] for v in result["labels"].values())
    return result


# ---------------------------------------------------------------------------- ngff-zarr


def ngffzarr_read(store: str) -> dict[str, Any]:
    """Read with ``ngff_zarr.from_ngff_zarr`` (a Multiscales of NgffImage levels)."""
    import ngff_zarr

    multiscales = ngff_zarr.from_ngff_zarr(store)
    first = multiscales.images[0]
    dims = list(first.dims)
    omero = multiscales.metadata.omero
    return {
        "axes": dims,
        "units": {d: (first.axes_units or {}).get(d) for d in dims},
        "levels": [
            _level(
                dataset.path,
                image.data,
                {d: image.scale.get(d, 1.0) for d in dims},
                {d: image.translation.get(d, 0.0) for d in dims},
            )
            for dataset, image in zip(
                multiscales.metadata.datasets, multiscales.images, strict=True
            )
        ],
        **_digest(first.data.compute()),
        "channel_labels": None if omero is None else [c.label for c in omero.channels],
        "labels": None,  # ngff-zarr has no labels API
        "version": getattr(multiscales.metadata, "version", None),
    }


def ngffzarr_write(npy: str, out: str, version: str) -> dict[str, Any]:
    """Write with ``to_ngff_image -> to_multiscales -> to_ngff_zarr`` (image only)."""
    import ngff_zarr

    array, meta = _load_sidecar(npy)
    image = ngff_zarr.to_ngff_image(
        array,
        dims=meta["dims"],
        scale=meta["scale"],
        translation=meta["translation"] or None,
        axes_units=meta["units"] or None,
        name="image",
    )
    multiscales = ngff_zarr.to_multiscales(image, scale_factors=[2], chunks=32)
    if meta["channel_labels"] is not None:
        # ngff-zarr persists channel names only through OMERO metadata computed by the caller.
        multiscales.metadata.omero = ngff_zarr.compute_omero_from_ngff_image(
            image, labels=meta["channel_labels"]
        )
    ngff_zarr.to_ngff_zarr(out, multiscales, version=version)
    return {"ok": True, "paths": _dataset_paths(out)}


# ---------------------------------------------------------------------------- ome-zarr-py


def omezarr_read(store: str) -> dict[str, Any]:
    """Read with ``ome_zarr.reader.Reader(parse_url(store))``: the first node is the image."""
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Label, Labels, Multiscales, Reader

    location = parse_url(store)
    if location is None:
        raise FileNotFoundError(f"ome-zarr-py cannot open {store}")
    nodes = list(Reader(location)())
    image = next(n for n in nodes if n.load(Multiscales) and not n.load(Label))
    names = [a["name"] if isinstance(a, dict) else a for a in image.metadata["axes"]]
    units = {
        (a["name"] if isinstance(a, dict) else a): (a.get("unit") if isinstance(a, dict) else None)
        for a in image.metadata["axes"]
    }
    levels = []
    paths = image.load(Multiscales).datasets
    for path, data, tfs in zip(
        paths, image.data, image.metadata["coordinateTransformations"], strict=True
    ):
        scale, translation = _transforms(names, tfs)
        levels.append(_level(path, data, scale, translation))
    labels_node = next((n for n in nodes if n.load(Labels)), None)
    label_nodes = [n for n in nodes if n.load(Label)]
    return {
        "axes": names,
        "units": units,
        "levels": levels,
        **_digest(image.data[0].compute()),
        "channel_labels": image.metadata.get("channel_names"),
        "labels": None if labels_node is None else list(labels_node.zarr.root_attrs["labels"]),
        "label_level0_sha256": {
            n.metadata["name"]: _digest(n.data[0].compute())["level0_sha256"] for n in label_nodes
        },
        "version": image.zarr.version,
    }


def _subsampled_levels(
    array: np.ndarray, dims: list[str], meta: dict[str, Any]
) -> tuple[list[np.ndarray], list[list[dict[str, Any]]]]:
    """Level 0 and every spatial axis taken every 2nd pixel, with their transforms."""
    factors = {d: 2 if d in SPATIAL else 1 for d in dims}
    pyramid = [array, array[tuple(slice(None, None, factors[d]) for d in dims)]]
    transforms = []
    for level in (dict.fromkeys(dims, 1), factors):
        scale = [meta["scale"].get(d, 1.0) * level[d] for d in dims]
        shift = [
            meta["translation"].get(d, 0.0) + (s - meta["scale"].get(d, 1.0)) / 2
            for d, s in zip(dims, scale, strict=True)
        ]
        transforms.append(
            [{"type": "scale", "scale": scale}, {"type": "translation", "translation": shift}]
        )
    return pyramid, transforms


def omezarr_write(npy: str, out: str, version: str) -> dict[str, Any]:
    """Write with ``ome_zarr.writer.write_image`` (+ ``write_labels``), spatial axes halved.

    ``write_image`` cannot place an image: it takes ``coordinate_transformations``, warns
    that they are deprecated and then drops them (ome-zarr-py 0.18). With a translation the
    levels go through ``write_multiscale`` / ``write_multiscale_labels`` instead, which
    honour them, level 1 subsampled here.
    """
    import zarr
    from ome_zarr.format import FormatV04, FormatV05
    from ome_zarr.writer import (
        write_image,
        write_labels,
        write_multiscale,
        write_multiscale_labels,
    )

    array, meta = _load_sidecar(npy)
    dims, label, placed = meta["dims"], _label_array(meta), any(meta["translation"].values())
    fmt = {"0.4": FormatV04, "0.5": FormatV05}[version]()
    halve = [dict.fromkeys(_spatial(meta), 2)]
    units = {d: u for d, u in meta["units"].items() if d in dims}
    omero = None if meta["channel_labels"] is None else _omero(meta["channel_labels"], array)
    common = {"fmt": fmt, "axes_units": units}
    group = zarr.open_group(out, mode="w", zarr_format=2 if version == "0.4" else 3)
    chunks = {"chunks": tuple(min(32, n) for n in array.shape)}
    if placed:
        pyramid, transforms = _subsampled_levels(array, dims, meta)
        # write_multiscale takes omero inside `metadata` (a top-level omero= is dropped)
        extra = {} if omero is None else {"metadata": {"omero": omero}}
        write_multiscale(
            pyramid, group, axes=dims, coordinate_transformations=transforms,
            name="image", storage_options=chunks, **common, **extra,
        )  # fmt: skip
    else:
        extra = {} if omero is None else {"omero": omero}
        write_image(
            array, group, scale_factors=halve, axes=dims, scale=meta["scale"],
            name="image", storage_options=chunks, **common, **extra,
        )  # fmt: skip
    if label is not None and placed:
        pyramid, transforms = _subsampled_levels(label, _label_dims(meta), meta)
        # Axes as dicts: given as names, write_multiscale_labels writes 0.5 arrays without
        # `dimension_names` (ome-zarr-py 0.18 keeps only dict axes for them).
        axes = [{"name": d, "type": "space", "unit": units.get(d)} for d in _label_dims(meta)]
        write_multiscale_labels(
            pyramid, group, name=meta["label"]["name"], axes=axes,
            coordinate_transformations=transforms, **common,
        )  # fmt: skip
    elif label is not None:
        write_labels(
            label, group, name=meta["label"]["name"], axes=_label_dims(meta),
            scale={d: s for d, s in meta["scale"].items() if d != "c"},
            scaler=None,  # the default is a deprecated Scaler that ignores scale_factors
            scale_factors=halve, **common,
        )  # fmt: skip
    return {"ok": True, "paths": _dataset_paths(out)}


# ---------------------------------------------------------------------------- ngio


def ngio_read(store: str) -> dict[str, Any]:
    """Read with ``ngio.open_ome_zarr_container(store).get_image(path=...)``."""
    import ngio

    container = ngio.open_ome_zarr_container(store, mode="r")
    images = [container.get_image(path=p) for p in container.level_paths]
    names = list(images[0].axes)
    unit = {"t": container.time_unit}
    levels = []
    for image in images:
        scale, translation = (
            {d: float(v) for d, v in zip(names, values, strict=True)}
            for values in (image.dataset.scale, image.dataset.translation)
        )
        levels.append(_level(image.path, image.zarr_array, scale, translation))
    label_names = container.list_labels()
    return {
        "axes": names,
        "units": {d: unit.get(d, container.space_unit) if d in UNIT_AXES else None for d in names},
        "levels": levels,
        **_digest(images[0].get_as_numpy()),
        "channel_labels": list(container.channel_labels) if "c" in names else None,
        "labels": label_names,
        "label_level0_sha256": {
            name: _digest(container.get_label(name).get_as_numpy())["level0_sha256"]
            for name in label_names
        },
        "version": str(images[0].meta.version),
    }


def ngio_write(npy: str, out: str, version: str) -> dict[str, Any]:
    """Write with ``ngio.create_ome_zarr_from_array`` (+ ``derive_label``), 2 levels."""
    import ngio

    array, meta = _load_sidecar(npy)
    scale, dims = meta["scale"], meta["dims"]
    unit = next((meta["units"][d] for d in SPATIAL if meta["units"].get(d)), "micrometer")
    translation = [meta["translation"].get(d, 0.0) for d in dims]
    container = ngio.create_ome_zarr_from_array(
        out,
        array,
        pixelsize=(scale["y"], scale["x"]),
        z_spacing=scale.get("z", 1.0),
        time_spacing=scale.get("t", 1.0),
        levels=2,
        scaling_factors=[2.0 if d in SPATIAL else 1.0 for d in dims],
        translation=translation if any(translation) else None,
        space_unit=unit,
        time_unit=meta["units"].get("t") or "second",
        axes_names=dims,
        channels_meta=meta["channel_labels"],
        name="image",
        chunks=tuple(min(32, n) for n in array.shape),
        ngff_version=version,
        consolidation_mode="dask",
    )
    label = _label_array(meta)
    if label is not None:
        target = container.derive_label(meta["label"]["name"], dtype=str(label.dtype))
        target.set_array(label)
        target.consolidate(mode="dask")
    return {"ok": True, "paths": list(container.level_paths)}


def ngio_roi_pixels(cases_json: str) -> dict[str, Any]:
    """The pixel boxes ngio gives for ROIs: ``[{"roi": {axis: [start, length]}, "px": {...}}]``.

    ngio's conversion (``Roi.to_pixel``) and then its slicing rule (floor of the start,
    ceiling of the stop), per axis, without clipping.
    """
    import math

    from ngio import PixelSize, Roi

    boxes = []
    for case in json.loads(Path(cases_json).read_text()):
        px = case["px"]
        roi = Roi.from_values({a: tuple(v) for a, v in case["roi"].items()}, name=None)
        pixel = roi.to_pixel(PixelSize(x=px["x"], y=px["y"], z=px.get("z", 1.0)))
        box = {}
        for axis in case["roi"]:
            part = pixel.get(axis)
            start = math.floor(part.start)
            box[axis] = [start, math.ceil(part.start + part.length) - start]
        boxes.append(box)
    return {"ok": True, "boxes": boxes}


def ngio_roi_read(store: str, cases_json: str) -> dict[str, Any]:
    """ngio's ``get_roi_as_numpy`` of each ``{"path": level, "roi": {axis: [start, length]}}``:
    the shape and the sum of the pixels it returns, with the axes ngio returns."""
    import ngio
    from ngio import Roi

    container = ngio.open_ome_zarr_container(store)
    results = []
    for case in json.loads(Path(cases_json).read_text()):
        image = container.get_image(path=case["path"])
        roi = Roi.from_values({a: tuple(v) for a, v in case["roi"].items()}, name=None)
        pixels = np.asarray(image.get_roi_as_numpy(roi))
        results.append({"shape": list(pixels.shape), "sum": int(pixels.astype(np.int64).sum())})
    return {"ok": True, "results": results}


# ---------------------------------------------------------------------------- HCS plates
# A plate's fields are given as "B/03/0,B/03/1,C/05/0"; with NPY a (fields, y, x) stack whose
# i-th plane is the i-th field's yx image. A plate read reports wells, fields and digests.


def _fields(fields: str) -> list[tuple[str, str, str]]:
    return [tuple(f.split("/")) for f in fields.split(",")]  # type: ignore[misc]


def ngio_read_plate(store: str) -> dict[str, Any]:
    """Read with ``ngio.open_ome_zarr_plate``: rows, columns, wells, fields, each field's pixels."""
    import ngio

    plate = ngio.open_ome_zarr_plate(store, mode="r")
    images = plate.get_images()
    return {
        "ok": True,
        "rows": list(plate.rows),
        "columns": list(plate.columns),
        "acquisitions": list(plate.acquisition_ids),
        "wells": list(plate.wells_paths()),
        "fields": {p: _digest(c.get_image().get_as_numpy()) for p, c in images.items()},
    }


def ngio_write_plate(npy: str, out: str, version: str, fields: str) -> dict[str, Any]:
    """Write with ``ngio.create_empty_plate`` and one ``create_ome_zarr_from_array`` per field."""
    import ngio

    stack = np.load(npy)
    cells = _fields(fields)
    images = [ngio.ImageInWellPath(row=r, column=c, path=f) for r, c, f in cells]
    plate = ngio.create_empty_plate(out, name="ngio-plate", images=images, ngff_version=version)
    for (r, c, f), plane in zip(cells, stack, strict=True):
        ngio.create_ome_zarr_from_array(
            plate.get_image_store(r, c, f),
            plane,
            pixelsize=0.5,
            levels=1,
            ngff_version=version,
            overwrite=True,
        )
    return {"ok": True}


def omezarr_read_plate(store: str) -> dict[str, Any]:
    """Read with ``ome_zarr.reader.Reader``: the plate node, each well node, each field's level 0."""
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Plate, Reader, Well

    plate = next(
        n for n in Reader(parse_url(store))() if any(isinstance(s, Plate) for s in n.specs)
    )
    spec = next(s for s in plate.specs if isinstance(s, Plate))
    fields = {}
    for well_path in spec.well_paths:
        well_node = next(iter(Reader(parse_url(f"{store}/{well_path}"))()))
        well = next(s for s in well_node.specs if isinstance(s, Well))
        for image in well.well_data["images"]:
            path = f"{well_path}/{image['path']}"
            node = next(iter(Reader(parse_url(f"{store}/{path}"))()))
            fields[path] = _digest(node.data[0])
    return {
        "ok": True,
        "rows": spec.row_names,
        "columns": spec.col_names,
        "wells": spec.well_paths,
        "fields": fields,
    }


def omezarr_write_plate(npy: str, out: str, version: str, fields: str) -> dict[str, Any]:
    """Write with ``write_plate_metadata`` / ``write_well_metadata`` / ``write_image``."""
    import zarr
    from ome_zarr.format import FormatV04, FormatV05
    from ome_zarr.writer import write_image, write_plate_metadata, write_well_metadata

    fmt = FormatV04() if version == "0.4" else FormatV05()
    stack = np.load(npy)
    cells = _fields(fields)
    root = zarr.open_group(out, mode="w", zarr_format=2 if version == "0.4" else 3)
    rows = sorted({r for r, _, _ in cells})
    columns = sorted({c for _, c, _ in cells})
    wells = list(dict.fromkeys(f"{r}/{c}" for r, c, _ in cells))
    write_plate_metadata(root, rows, columns, wells, fmt=fmt, name="omezarr-plate")
    for well in wells:
        r, c = well.split("/")
        group = root.require_group(r).require_group(c)
        paths = [f for rr, cc, f in cells if (rr, cc) == (r, c)]
        write_well_metadata(group, [{"path": p} for p in paths], fmt=fmt)
    for (r, c, f), plane in zip(cells, stack, strict=True):
        image = root.require_group(r).require_group(c).require_group(f)
        write_image(plane, group=image, axes="yx", fmt=fmt, scaler=None)
    return {"ok": True}


# ---------------------------------------------------------------------------- entry point

ACTIONS: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
    ("ozm", "validate"): ozm_validate,
    ("ngffzarr", "read"): ngffzarr_read,
    ("ngffzarr", "write"): ngffzarr_write,
    ("omezarr", "read"): omezarr_read,
    ("omezarr", "write"): omezarr_write,
    ("ngio", "read"): ngio_read,
    ("ngio", "write"): ngio_write,
    ("ngio", "roi_pixels"): ngio_roi_pixels,
    ("ngio", "roi_read"): ngio_roi_read,
    ("ngio", "read_plate"): ngio_read_plate,
    ("ngio", "write_plate"): ngio_write_plate,
    ("omezarr", "read_plate"): omezarr_read_plate,
    ("omezarr", "write_plate"): omezarr_write_plate,
}


def _usage(message: str) -> int:
    choices = ", ".join(f"{t} {a}" for t, a in ACTIONS)
    print(f"{message}\nusage: outside.py TOOL ACTION ARGS... ({choices})", file=sys.stderr)
    print("   or: outside.py TOOL batch  < [[ACTION, ARGS...], ...] on stdin", file=sys.stderr)
    return 2


def _check_call(tool: str, action: str, args: list[str]) -> str | None:
    """Why ``tool action args`` cannot be run, or None when it can."""
    if (tool, action) not in ACTIONS:
        return f"unknown call: {tool} {action}"
    try:
        inspect.signature(ACTIONS[tool, action]).bind(*args)
    except TypeError as exc:
        return f"bad arguments for {tool} {action}: {exc}"
    return None


def _run(tool: str, action: str, args: list[str]) -> dict[str, Any]:
    """One call, with the tool's warnings and any exception it raises folded into the result."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = ACTIONS[tool, action](*args)
        except Exception as exc:
            result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            result["traceback"] = traceback.format_exc()
    result.setdefault("ok", True)
    result.setdefault("error", None)
    result.setdefault("warnings", [_warning_text(w) for w in caught])
    modules = sorted(name for name in OUTSIDE_PACKAGES if name in sys.modules)
    return {**result, "tool": tool, "action": action, "args": args, "modules": modules}


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Point file descriptor 1 at stderr while the tool runs, so stdout carries only JSON."""
    sys.stdout.flush()
    real = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(real, 1)
        os.close(real)


def main(argv: list[str]) -> int:
    """Run ``TOOL ACTION ARGS...`` (or ``TOOL batch``) and print one JSON object on stdout.

    ``TOOL batch`` reads a JSON list of ``[ACTION, ARGS...]`` from stdin, runs them in order
    in this one process (one import of the tool for many stores) and prints
    ``{"results": [...]}``, one result per call, in order.
    """
    if len(argv) < 2:
        return _usage("missing TOOL and ACTION")
    tool, action, args = argv[0], argv[1], argv[2:]
    if action == "batch":
        calls = [[str(a) for a in call] for call in json.load(sys.stdin)]
        problems = [p for call in calls if (p := _check_call(tool, call[0], call[1:]))]
    else:
        calls = [[action, *args]]
        problems = [p for p in [_check_call(tool, action, args)] if p]
    if problems:
        return _usage("; ".join(problems))
    with _stdout_to_stderr():
        results = [_run(tool, call[0], call[1:]) for call in calls]
    print(json.dumps({"results": results} if action == "batch" else results[0], default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
