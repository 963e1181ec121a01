"""Rules of the spec's "well" section: the fields of view of one well.

Examples
--------
>>> well = {"images": [{"path": "0"}, {"path": "0"}]}
>>> [found.rule for found in check_well(well, Where("", ("well",)), "0.5")]
['well-image-unique']
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Final

from ngffkit.spec.rules._catalogue import ValidationIssue, Where, declare, issue, rule
from ngffkit.spec.rules.narrow import JSON, as_list, duplicates, short
from ngffkit.spec.rules.plate import ALNUM
from ngffkit.spec.versions import NgffVersion

__all__ = ["check_well", "well_image_path", "well_image_unique", "well_acquisition"]

_NODE_NAME_06: Final = re.compile(r"^[A-Za-z0-9_.\-]+$")

declare("well-metadata", "well", "a well group carries 'well' metadata", store=True)
declare("well-image-missing", "well", "every field of view a well lists exists", store=True)
declare(
    "metadata-missing",
    "well",
    "a field of view is a multiscale image ('multiscales' metadata)",
    store=True,
)


@rule(
    "well-image-path",
    section="well",
    summary="field-of-view paths are alphanumeric (0.6: letters, digits, '-', '_', '.')",
)
def well_image_path(path: str, where: Where, version: NgffVersion) -> Iterator[ValidationIssue]:
    """A field of view's path uses the characters the version allows.

    Examples
    --------
    >>> [f.rule for f in well_image_path("f_1", Where("", ("path",)), "0.5")]
    ['well-image-path']
    >>> list(well_image_path("f_1", Where("", ("path",)), "0.6"))
    []
    """
    if version == "0.6":
        ok = _NODE_NAME_06.match(path) is not None and set(path) != {"."}
        ok = ok and not path.startswith("__")
        allowed = "letters, digits, '-', '_' and '.', not only dots, not starting with '__'"
    else:
        ok = bool(ALNUM.match(path))
        allowed = "letters and digits only"
    if not ok:
        yield issue(
            "well-image-path", where, f"field-of-view paths may contain {allowed}, got {path!r}"
        )


@rule("well-image-unique", section="well", summary="field-of-view paths are unique")
def well_image_unique(paths: Sequence[object], where: Where) -> Iterator[ValidationIssue]:
    """No two fields of view share a path.

    Examples
    --------
    >>> [f.rule for f in well_image_unique(["0", "0"], Where("", ("images",)))]
    ['well-image-unique']
    """
    dups = duplicates(p for p in paths if isinstance(p, str))
    if dups:
        yield issue("well-image-unique", where, f"image paths repeat: {short(dups)}")


@rule(
    "well-acquisition",
    section="well",
    summary="every field of view names an acquisition of the plate when it has several (all "
    "or none SHOULD name one)",
)
def well_acquisition(
    images: Sequence[Mapping[str, JSON]],
    where: Where,
    plate_acquisitions: Sequence[object] | None = None,
    offset: int = 0,
) -> Iterator[ValidationIssue]:
    """Fields name the plate's acquisitions: every one when it has several, only listed ids.

    Within one well either every field names its acquisition or none does (a warning). With
    *plate_acquisitions* (the plate's ids) a field without one on a plate with several, or
    naming an id the plate does not list, is an error. *offset* is the index of ``images[0]``
    in the well's list (when checking a field about to be added).

    Examples
    --------
    >>> found = well_acquisition([{"path": "0", "acquisition": 1}, {"path": "1"}],
    ...                          Where("", ("images",)))
    >>> [f.severity for f in found]
    ['warning']
    >>> [f.path for f in well_acquisition([{"path": "0", "acquisition": 3}],
    ...                                   Where("", ("images",)), [0, 1])]
    ['images[0].acquisition']
    """
    with_acq = [image for image in images if "acquisition" in image]
    if with_acq and len(with_acq) != len(images):
        yield issue(
            "well-acquisition",
            where,
            "either every field of view names its acquisition or none does; "
            f"{len(with_acq)} of {len(images)} do",
            "warning",
        )
    if plate_acquisitions is None:
        return
    ids = list(plate_acquisitions)
    for i, image in enumerate(images):
        acquisition = image.get("acquisition")
        if acquisition is None and len(ids) > 1:
            yield issue(
                "well-acquisition",
                where.at(i + offset),
                f"the plate has {len(ids)} acquisitions, so each field of view MUST name one "
                f"(the plate's acquisition ids: {ids})",
            )
        elif acquisition is not None and ids and acquisition not in ids:
            yield issue(
                "well-acquisition",
                where.at(i + offset, "acquisition"),
                f"acquisition {acquisition!r} is not among the plate's acquisition ids {ids}",
            )


def check_well(
    well: Mapping[str, JSON], where: Where, version: NgffVersion
) -> Iterator[ValidationIssue]:
    """Every rule of this section on one ``well`` block.

    Examples
    --------
    >>> list(check_well({"images": [{"path": "0"}]}, Where("", ("well",)), "0.4"))
    []
    """
    images = [i for i in as_list(well.get("images")) or [] if isinstance(i, Mapping)]
    for i, image in enumerate(images):
        path = image.get("path")
        if isinstance(path, str):
            yield from well_image_path(path, where.at("images", i, "path"), version)
    yield from well_image_unique([image.get("path") for image in images], where.at("images"))
    yield from well_acquisition(images, where.at("images"))
