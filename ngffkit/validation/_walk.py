"""The hierarchy walk: from the root group to every level, label image, well and field.

Each group's attributes are checked as a document (`check_attributes`); the walk then follows
what the document names (levels, ``labels``, wells, fields of view, bioformats2raw series) and
reports what is missing or inconsistent between the nodes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import zarr

from ngffkit.errors import NgffNotFoundError
from ngffkit.io.stores import METADATA_ERRORS, describe_store, join_path, open_store
from ngffkit.spec.rules import ValidationIssue, Where, issue
from ngffkit.spec.rules.narrow import JSON, as_list, as_map, is_int
from ngffkit.spec.rules.well import well_acquisition
from ngffkit.spec.versions import NgffVersion
from ngffkit.validation._document import SUPPORTED_VERSIONS, check_attributes, dedupe, plain
from ngffkit.validation._levels import check_levels
from ngffkit.validation._nodes import (
    Group,
    Walk,
    array_file,
    child_arrays,
    group_file,
    open_node,
    open_node_quiet,
    read_json,
    store_is_empty,
)

if TYPE_CHECKING:
    from ngffkit.io.stores import StoreLike

__all__ = ["validate_store"]

_WELL_WORKERS = 16
"""Wells checked at once: the walk waits on metadata reads, not on the CPU."""


def _visit_group(
    walk: Walk, path: str, *, fallback: NgffVersion, parent: Where, role: str, rule_missing: str
) -> Group | None:
    """Open and check the group at *path*, reporting at *parent* when it is missing or broken."""
    if path in walk.visited:
        return None
    walk.visited.add(path)
    location = describe_store(walk.sp, path)
    try:
        node = open_node(walk.sp, path)
        # Hand-made stores sometimes carry a Zarr v2 .zattrs without its .zgroup: still check the
        # metadata, and say what is missing.
        loose = read_json(walk.sp, join_path(path, ".zattrs")) if node is None else None
    except METADATA_ERRORS as exc:  # JSONDecodeError, zarr's metadata errors, deep nesting
        walk.issues.append(
            issue(
                "zarr-metadata-unreadable",
                Where(location),
                f"the {role}'s Zarr metadata cannot be read: {type(exc).__name__}: {exc}",
            )
        )
        return None
    if node is None and isinstance(loose, Mapping):
        walk.issues.append(
            issue(
                "zarr-metadata",
                Where(f"{location}/.zgroup"),
                "a Zarr v2 group needs a .zgroup file beside its .zattrs; it is missing",
            )
        )
        return _check_group(walk, path, None, 2, plain(loose), fallback)
    if node is None:
        if path or not store_is_empty(walk.sp):
            walk.issues.append(
                issue(
                    rule_missing,
                    parent,
                    f"names the {role} {path!r}, which does not exist at {location}"
                    if path
                    else "the store holds data but no Zarr group metadata at its root (zarr.json "
                    "or .zgroup/.zattrs) - an interrupted or partial write?",
                )
            )
            return None
        raise NgffNotFoundError(f"store {location}: nothing to validate, no Zarr node exists here")
    if not isinstance(node, zarr.Group):
        walk.issues.append(
            issue("node-type", parent, f"the {role} at {location} must be a group, found an array")
        )
        return None
    return _check_group(
        walk, path, node, int(node.metadata.zarr_format), plain(node.attrs.asdict()), fallback
    )


def _check_group(
    walk: Walk, path: str, node: Any, zarr_format: int, attrs: JSON, fallback: NgffVersion
) -> Group:
    file = group_file(walk.sp, path, zarr_format)
    loc = Where(file, ("attributes",)) if zarr_format == 3 else Where(file)
    doc = check_attributes(
        attrs,
        loc,
        override=walk.override,
        fallback=("0.5" if fallback == "0.4" else fallback) if zarr_format == 3 else "0.4",
        zarr_format=zarr_format,
        strict=walk.strict,
    )
    issues = list(doc.issues)
    arrays = child_arrays(node) if not doc.kinds else []
    if arrays:
        issues = [
            issue(
                "no-ome-metadata",
                doc.ns_loc,
                f"{i.message.split(': ', 1)[1]}; the group holds arrays {arrays} - an "
                f"interrupted or partial write?",
            )
            if i.rule == "no-ome-metadata"
            else i
            for i in issues
        ]
    walk.issues.extend(issues)
    return Group(path, node, file, doc)


def _walk_group(walk: Walk, group: Group) -> None:
    """Dispatch on what the group is and check the nodes it points to."""
    doc = group.doc
    if doc.version not in SUPPORTED_VERSIONS:
        return
    if "image" in doc.kinds:
        _walk_image(walk, group)
    if "labels" in doc.kinds:
        _walk_labels_group(walk, group, parent_levels=None)
    if "plate" in doc.kinds:
        _walk_plate(walk, group)
    if "well" in doc.kinds:
        _walk_well(walk, group, plate=None)
    if "bf2raw" in doc.kinds:
        _walk_bf2raw(walk, group)


def _child(
    walk: Walk, parent: Group, rel: str, *, loc: Where, role: str, rule: str
) -> Group | None:
    child = _visit_group(
        walk,
        join_path(parent.path, rel),
        fallback=parent.doc.version or "0.4",
        parent=loc,
        role=role,
        rule_missing=rule,
    )
    if (
        child is not None
        and child.doc.version != parent.doc.version
        and child.doc.version in SUPPORTED_VERSIONS
        and parent.doc.version in SUPPORTED_VERSIONS
    ):
        walk.issues.append(
            issue(
                "version-consistency",
                Where(child.file),
                f"one OME-NGFF version per hierarchy: this {role} is {child.doc.version}, "
                f"its parent {parent.file} is {parent.doc.version}",
            )
        )
    return child


def _image_child(
    walk: Walk, parent: Group, rel: str, *, loc: Where, role: str, rule_missing: str, rule: str
) -> Group | None:
    """`_child` (*rule_missing* if absent) that must be a multiscale image (*rule* if not)."""
    child = _child(walk, parent, rel, loc=loc, role=role, rule=rule_missing)
    if child is None or "image" in child.doc.kinds:
        return child
    walk.issues.append(
        issue(
            rule,
            child.doc.ns_loc,
            f"a {role} MUST be a multiscale image ('multiscales' metadata)",
        )
    )
    return None


def _levels(group: Group, ms_index: int) -> list[tuple[int, str]]:
    multiscales = as_list(group.doc.ns.get("multiscales")) or []
    ms = as_map(multiscales[ms_index]) if ms_index < len(multiscales) else None
    datasets = as_list(ms.get("datasets")) if ms is not None else None
    return [
        (j, d["path"])
        for j, d in enumerate(datasets or [])
        if isinstance(d, Mapping) and isinstance(d.get("path"), str)
    ]


def _walk_image(walk: Walk, group: Group) -> list[list[Any]]:
    """Check every level of every multiscale; return the arrays found, per multiscale."""
    doc = group.doc
    version = doc.version or "0.4"
    found: list[list[Any]] = []
    for i, ms in enumerate(as_list(doc.ns.get("multiscales")) or []):
        if not isinstance(ms, Mapping):
            found.append([])
            continue
        ms_loc = doc.ns_loc.at("multiscales", i)
        arrays: list[tuple[int, str, Any]] = []
        for j, path in _levels(group, i):
            node = _open_level(walk, group, path, ms_loc.at("datasets", j, "path"))
            if node is not None:
                arrays.append((j, path, node))
        check_levels(walk, group, ms, arrays, version)
        found.append([a for _, _, a in arrays])
    labels = _visit_labels_child(walk, group)
    if labels is not None:
        _walk_labels_group(walk, labels, parent_levels=len(_levels(group, 0)) or None)
    return found


def _open_level(walk: Walk, group: Group, path: str, loc: Where) -> Any:
    full = join_path(group.path, path)
    location = describe_store(walk.sp, full)
    try:
        node = open_node(walk.sp, full)
    except METADATA_ERRORS as exc:
        walk.issues.append(
            issue(
                "zarr-metadata-unreadable",
                Where(location),
                f"the level's Zarr metadata cannot be read: {type(exc).__name__}: {exc}",
            )
        )
        return None
    if node is None:
        walk.issues.append(
            issue(
                "dataset-missing",
                loc,
                f"names the array {path!r}, which does not exist at {location}",
            )
        )
        return None
    if isinstance(node, zarr.Group):
        walk.issues.append(
            issue("dataset-not-array", loc, f"names {path!r}, which is a group, not an array")
        )
        return None
    return node


def _visit_labels_child(walk: Walk, group: Group) -> Group | None:
    full = join_path(group.path, "labels")
    try:
        node = open_node(walk.sp, full)
    except METADATA_ERRORS:
        node = True  # let _visit_group report the unreadable metadata
    if node is None or (node is not True and not isinstance(node, zarr.Group)):
        return None
    return _child(
        walk, group, "labels", loc=group.doc.ns_loc, role="labels group", rule="labels-missing"
    )


def _walk_labels_group(walk: Walk, labels: Group, *, parent_levels: int | None) -> None:
    doc = labels.doc
    if "labels" not in doc.kinds:
        if not any(i.rule == "no-ome-metadata" for i in doc.issues):
            walk.issues.append(
                issue("labels-list", doc.ns_loc, "a 'labels' group must list its label images")
            )
        return
    paths = as_list(doc.ns.get("labels")) or []
    for k, rel in enumerate(paths):
        if not isinstance(rel, str) or not rel:
            continue
        loc = doc.ns_loc.at("labels", k)
        label = _image_child(
            walk,
            labels,
            rel,
            loc=loc,
            role="label image",
            rule_missing="label-missing",
            rule="label-multiscales",
        )
        if label is None:
            continue
        if "label" not in label.doc.kinds:
            walk.issues.append(
                issue(
                    "label-image-label",
                    label.doc.ns_loc,
                    "a label image SHOULD carry 'image-label' metadata",
                    "warning",
                )
            )
        arrays = _walk_image(walk, label)
        levels = len(_levels(label, 0))
        if parent_levels is not None and levels != parent_levels:
            walk.issues.append(
                issue(
                    "label-levels",
                    label.doc.ns_loc.at("multiscales", 0, "datasets"),
                    f"a label image needs as many levels as its image ({parent_levels}), "
                    f"got {levels}",
                )
            )
        for array in arrays[0] if arrays else []:
            if not np.issubdtype(array.dtype, np.integer):
                fmt = int(array.metadata.zarr_format)
                walk.issues.append(
                    issue(
                        "label-dtype",
                        Where(
                            array_file(walk.sp, _array_path(array), fmt),
                            ("data_type" if fmt == 3 else "dtype",),
                        ),
                        f"label pixels MUST be integers, got {array.dtype}",
                    )
                )


def _array_path(array: Any) -> str:
    return str(array.path)


def _walk_plate(walk: Walk, plate_group: Group) -> None:
    """Check every well the plate lists, and their fields, the wells side by side.

    Each well is walked with its own issue list (the wells are disjoint subtrees), and the
    lists are joined in the plate's order, so the report reads as a sequential walk would.
    """
    plate = as_map(plate_group.doc.ns.get("plate")) or {}
    acquisitions = [a for a in as_list(plate.get("acquisitions")) or [] if isinstance(a, Mapping)]
    field_count = plate.get("field_count")
    entries = [
        (i, w)
        for i, w in enumerate(as_list(plate.get("wells")) or [])
        if isinstance(w, Mapping) and isinstance(w.get("path"), str)
    ]

    def one(entry: tuple[int, Mapping[str, JSON]]) -> tuple[Walk, int]:
        i, well_entry = entry
        own = replace(walk, issues=[], visited=set(walk.visited), covered=[])
        loc = plate_group.doc.ns_loc.at("plate", "wells", i, "path")
        path = str(well_entry["path"])
        well = _child(own, plate_group, path, loc=loc, role="well", rule="well-missing")
        if well is None:
            return own, 0
        if "well" not in well.doc.kinds:
            own.issues.append(
                issue("well-metadata", well.doc.ns_loc, "a well group MUST carry 'well' metadata")
            )
            return own, 0
        images = _walk_well(own, well, plate=acquisitions)
        if is_int(field_count) and images > field_count:
            own.issues.append(
                issue(
                    "plate-field-count",
                    well.doc.ns_loc.at("well", "images"),
                    f"the plate's field_count is {field_count}, but this well has {images} "
                    f"fields of view",
                    "warning",
                )
            )
        return own, images

    if len(entries) > 1:
        with ThreadPoolExecutor(min(_WELL_WORKERS, len(entries))) as pool:
            walks = list(pool.map(one, entries))
    else:
        walks = [one(e) for e in entries]
    for own, _ in walks:
        walk.issues.extend(own.issues)
        walk.visited |= own.visited
    fields = sum(images for _, images in walks)
    walk.covered.append(
        f"plate: {len(entries)} wells and {fields} fields of view checked (the wells side by side)"
    )


def _walk_well(walk: Walk, well: Group, *, plate: Sequence[Mapping[str, JSON]] | None) -> int:
    entries = as_list((as_map(well.doc.ns.get("well")) or {}).get("images")) or []
    if plate is not None:
        listed = [e if isinstance(e, Mapping) else {} for e in entries]
        found = well_acquisition(
            listed, well.doc.ns_loc.at("well", "images"), [a.get("id") for a in plate]
        )
        # The all-or-none warning is the document check's; here only the plate's MUSTs.
        walk.issues.extend(f for f in found if f.severity == "error")
    count = 0
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("path"), str):
            continue
        count += 1
        loc = well.doc.ns_loc.at("well", "images", i)
        image = _image_child(
            walk,
            well,
            entry["path"],
            loc=loc.at("path"),
            role="field of view",
            rule_missing="well-image-missing",
            rule="metadata-missing",
        )
        if image is not None:
            _walk_image(walk, image)
    return count


def _walk_bf2raw(walk: Walk, root: Group) -> None:
    if "plate" in root.doc.kinds:
        return  # "If plate is also present it takes precedence" (0.4 bioformats2raw layout)
    series_paths: list[str] | None = None
    ome_node = open_node_quiet(walk.sp, join_path(root.path, "OME"))
    if isinstance(ome_node, zarr.Group):
        ome = _child(walk, root, "OME", loc=root.doc.ns_loc, role="OME group", rule="bf2raw-series")
        if ome is not None and "ome" in ome.doc.kinds:
            series = as_list(ome.doc.ns.get("series"))
            series_paths = [s for s in series or [] if isinstance(s, str)]
    if series_paths is None:
        series_paths = []
        while isinstance(
            open_node_quiet(walk.sp, join_path(root.path, str(len(series_paths)))), zarr.Group
        ):
            series_paths.append(str(len(series_paths)))
    if not series_paths:
        walk.issues.append(
            issue(
                "bf2raw-series",
                root.doc.ns_loc,
                "a bioformats2raw container holds its images in 0/, 1/, ... (or lists them in "
                "OME/ 'series'); found none",
                "warning",
            )
        )
    for k, rel in enumerate(series_paths):
        image = _child(
            walk, root, rel, loc=root.doc.ns_loc.at(k), role="series image", rule="bf2raw-series"
        )
        if image is not None and "image" in image.doc.kinds:
            _walk_image(walk, image)


def validate_store(
    target: StoreLike,
    *,
    override: NgffVersion | None,
    strict: bool,
    chunks: bool,
    storage_options: dict[str, Any] | None,
) -> tuple[NgffVersion | None, list[ValidationIssue], str, tuple[str, ...]]:
    """Walk a store from its root; return (version, issues, store name, what was covered).

    Examples
    --------
    >>> import tempfile, numpy as np, ngffkit
    >>> store = tempfile.mkdtemp() + "/image.ome.zarr"
    >>> ngffkit.to_ngff_zarr(store, ngffkit.to_multiscales(ngffkit.to_ngff_image(np.zeros((8, 8)))))
    >>> version, found, _, _ = validate_store(store, override=None, strict=False, chunks=False,
    ...                                       storage_options=None)
    >>> version, found
    ('0.5', [])
    """
    sp = open_store(target, mode="r", storage_options=storage_options)
    where = describe_store(sp)
    walk = Walk(sp=sp, override=override, strict=strict, issues=[], visited=set(), chunks=chunks)
    root = _visit_group(
        walk,
        "",
        fallback="0.4",
        parent=Where(where),
        role="root group",
        rule_missing="no-ome-metadata",
    )
    if root is None:
        return override, walk.issues, where, ()
    _walk_group(walk, root)
    return root.doc.version, list(dedupe(walk.issues)), where, tuple(walk.covered)
