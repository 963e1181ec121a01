"""Rules of the spec's "labels" section: the labels group's list and each image-label block.

Examples
--------
>>> label = {"colors": [{"label-value": 1, "rgba": [0, 0, 0, 300]}]}
>>> [found.rule for found in check_image_label(label, Where("", ("image-label",)))]
['label-rgba']
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ngffkit.spec.rules._catalogue import ValidationIssue, Where, declare, issue, rule
from ngffkit.spec.rules.narrow import JSON, as_list, duplicates, is_int, short

__all__ = [
    "check_image_label",
    "check_labels_list",
    "label_value_integer",
    "label_rgba",
    "label_value_unique",
]

declare("label-value", "labels", "every colors and properties entry has an integer 'label-value'")
declare("labels-missing", "labels", "the 'labels' group a store names exists", store=True)
declare("label-missing", "labels", "every label image the labels group lists exists", store=True)
declare(
    "label-multiscales",
    "labels",
    "a label image is a multiscale image ('multiscales' metadata)",
    store=True,
)
declare(
    "label-image-label",
    "labels",
    "a label image SHOULD carry 'image-label' metadata",
    severity="warning",
    store=True,
)
declare(
    "label-levels",
    "labels",
    "a label image has as many levels as its image",
    store=True,
)
declare("label-dtype", "labels", "label pixels are integers", store=True)


@rule("label-value-integer", section="labels", summary="label values are integers")
def label_value_integer(value: object, where: Where) -> Iterator[ValidationIssue]:
    """One label value is an integer.

    Examples
    --------
    >>> [f.rule for f in label_value_integer(1.5, Where("", ("v",)))]
    ['label-value-integer']
    """
    if not is_int(value):
        yield issue(
            "label-value-integer", where, f"label values must be integers, got {short(value)}"
        )


@rule("label-rgba", section="labels", summary="a label colour's rgba is 4 integers from 0 to 255")
def label_rgba(rgba: object, where: Where) -> Iterator[ValidationIssue]:
    """Four integers 0-255.

    Examples
    --------
    >>> list(label_rgba([0, 0, 0, 255], Where("", ("rgba",))))
    []
    """
    items = as_list(rgba) if not isinstance(rgba, tuple) else list(rgba)
    if items is None or len(items) != 4 or not all(is_int(c) and 0 <= c <= 255 for c in items):
        yield issue(
            "label-rgba", where, f"rgba must be 4 integers from 0 to 255, got {short(rgba)}"
        )


@rule(
    "label-value-unique",
    section="labels",
    summary="each label-value appears once in colors and once in properties",
)
def label_value_unique(
    values: Sequence[object], where: Where, key: str
) -> Iterator[ValidationIssue]:
    """No label value twice in *key* (``colors`` or ``properties``).

    Examples
    --------
    >>> [f.rule for f in label_value_unique([1, 1], Where("", ("colors",)), "colors")]
    ['label-value-unique']
    """
    dups = duplicates(values)
    if dups:
        yield issue(
            "label-value-unique",
            where,
            f"each label-value may appear once in {key}, got {short(dups)} more than once",
        )


def check_image_label(label: Mapping[str, JSON], where: Where) -> Iterator[ValidationIssue]:
    """Every rule of this section on one ``image-label`` block.

    Examples
    --------
    >>> list(check_image_label({"colors": [{"label-value": 1}]}, Where("", ("image-label",))))
    []
    """
    for key in ("colors", "properties"):
        values = []
        for i, entry in enumerate(as_list(label.get(key)) or []):
            if not isinstance(entry, Mapping) or "label-value" not in entry:
                continue
            value = entry["label-value"]
            yield from label_value_integer(value, where.at(key, i, "label-value"))
            values.append(value)
            if key == "colors" and entry.get("rgba") is not None:
                yield from label_rgba(entry["rgba"], where.at(key, i, "rgba"))
        yield from label_value_unique(values, where.at(key), key)


@rule("labels-list", section="labels", summary="a labels group lists its label images, unique")
def check_labels_list(value: object, where: Where) -> Iterator[ValidationIssue]:
    """A list of unique, non-empty label image paths.

    Examples
    --------
    >>> [f.rule for f in check_labels_list(["a", "a"], Where("", ("labels",)))]
    ['labels-list']
    """
    items = as_list(value)
    if items is None or not all(isinstance(v, str) and v for v in items):
        yield issue(
            "labels-list",
            where,
            f"'labels' must be a list of label image paths, got {short(value)}",
        )
        return
    dups = duplicates(items)
    if dups:
        yield issue("labels-list", where, f"label paths must be unique, got {short(dups)} repeated")
