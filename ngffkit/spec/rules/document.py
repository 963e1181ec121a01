"""Rules on a whole attributes document: its version, its OME namespace, its numbers, its kind.

`check_document` runs, on one group's OME metadata, the rules of every section the document
holds; the schema and store rules are declared here and checked by `ngffkit.validate`.

Examples
--------
>>> ns = {"plate": {"rows": [{"name": "A"}, {"name": "A"}], "columns": [], "wells": []}}
>>> [found.rule for found in check_document(ns, Where("", ()), ("plate",), "0.4")]
['plate-name-unique']
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ngffkit.spec._parse import non_finite
from ngffkit.spec.rules._catalogue import ValidationIssue, Where, declare, issue, rule
from ngffkit.spec.rules.coordinate_systems import check_multiscale_v06
from ngffkit.spec.rules.labels import check_image_label, check_labels_list
from ngffkit.spec.rules.multiscales import check_multiscale
from ngffkit.spec.rules.narrow import JSON, as_list, as_map
from ngffkit.spec.rules.omero import check_omero
from ngffkit.spec.rules.plate import check_plate
from ngffkit.spec.rules.scene import check_scene
from ngffkit.spec.rules.well import check_well
from ngffkit.spec.versions import NgffVersion

__all__ = ["check_document", "number_finite"]

declare("schema", "document", "the document matches the official JSON schema of its version")
declare("json-type", "document", "each value has the JSON type the spec gives it")
declare("version-missing", "document", "attributes.ome has a 'version'", versions=("0.5", "0.6"))
declare(
    "version-mismatch",
    "document",
    "the version validated against is the one the metadata declares",
    severity="warning",
)
declare("version-unsupported", "document", "the declared version is one ngffkit validates")
declare(
    "version-consistency",
    "document",
    "one OME-NGFF version per hierarchy",
    store=True,
)
declare(
    "ome-namespace",
    "document",
    "from 0.5, all OME metadata is under attributes.ome",
    versions=("0.5", "0.6"),
)
declare(
    "no-ome-metadata",
    "document",
    "a group ngffkit is given carries OME-NGFF metadata (arrays without it: a partial write?)",
)
declare("zarr-metadata", "document", "the Zarr metadata is complete and of the right format")
declare("zarr-metadata-unreadable", "document", "the Zarr metadata can be read", store=True)
declare("node-type", "document", "OME-NGFF metadata lives on groups; a group is not an array")


@rule(
    "number-finite",
    section="document",
    summary="every number is finite (JSON has no NaN or Infinity)",
)
def number_finite(ns: Mapping[str, JSON], where: Where) -> Iterator[ValidationIssue]:
    """Every NaN, Infinity or float-overflowing integer anywhere in the document.

    JSON has neither NaN nor Infinity (Python's json reads and writes them anyway), and the
    readers refuse such numbers wherever they expect one: one rule for the whole document.

    Examples
    --------
    >>> [f.path for f in number_finite({"a": [1, float("nan")]}, Where("", ()))]
    ['a[1]']
    """
    for parts, value in non_finite(ns):
        shown = "an integer too large for a float" if isinstance(value, int) else repr(value)
        yield issue(
            "number-finite",
            where.at(*parts),
            f"expected a finite number (JSON has no NaN or Infinity), got {shown}",
        )


def check_document(
    ns: Mapping[str, JSON], where: Where, kinds: Sequence[str], version: NgffVersion
) -> Iterator[ValidationIssue]:
    """The rules of every section the OME metadata *ns* holds (*kinds*, see ``OME_KINDS``).

    Examples
    --------
    >>> list(check_document({"labels": ["a"]}, Where("", ()), ("labels",), "0.4"))
    []
    """
    yield from number_finite(ns, where)
    if "image" in kinds:
        for i, ms in enumerate(as_list(ns.get("multiscales")) or []):
            if not isinstance(ms, Mapping):
                continue
            check = check_multiscale_v06 if version == "0.6" else check_multiscale
            yield from check(ms, where.at("multiscales", i), version)
    omero = as_map(ns.get("omero"))
    if omero is not None:
        yield from check_omero(omero, where.at("omero"), version)
    label = as_map(ns.get("image-label"))
    if label is not None:
        yield from check_image_label(label, where.at("image-label"))
    if "labels" in kinds:
        yield from check_labels_list(ns.get("labels"), where.at("labels"))
    plate = as_map(ns.get("plate"))
    if plate is not None:
        yield from check_plate(plate, where.at("plate"))
    well = as_map(ns.get("well"))
    if well is not None:
        yield from check_well(well, where.at("well"), version)
    scene = as_map(ns.get("scene"))
    if scene is not None and "scene" in kinds:
        yield from check_scene(scene, where.at("scene"), version)
