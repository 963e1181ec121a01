"""OME-NGFF image metadata as frozen, version-neutral dataclasses.

These classes hold the *meaning* of the metadata, not one version's JSON
layout: `ngffkit.spec.codec` turns them into 0.4, 0.5 or 0.6 JSON and
back. Each class checks the rules that make it usable when it is built (axis
names unique, one scale per axis ...) and keeps unknown keys in ``extra`` so
they survive a read/write round trip.

Multiscale-level ``coordinateTransformations`` are folded into each dataset's
scale and translation when read (same physical meaning, one canonical form).

Examples
--------
>>> ms = MultiscaleMetadata(
...     axes=(Axis(name="y", type="space", unit="micrometer"),
...           Axis(name="x", type="space", unit="micrometer")),
...     datasets=(Dataset(path="0", scale=(0.5, 0.5)),
...               Dataset(path="1", scale=(1.0, 1.0), translation=(0.25, 0.25))),
... )
>>> ms.axis_names
('y', 'x')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from ngffkit.errors import NgffValidationError
from ngffkit.spec.names import name_problem
from ngffkit.spec.rules import Where, raise_first
from ngffkit.spec.rules.axes import check_axes
from ngffkit.spec.rules.labels import label_rgba, label_value_unique
from ngffkit.spec.rules.multiscales import dataset_path_unique, scale_positive, vector_length
from ngffkit.spec.rules.omero import omero_color

__all__ = [
    "AXIS_TYPES",
    "ANATOMICAL_ORIENTATIONS",
    "Axis",
    "Dataset",
    "MultiscaleMetadata",
    "OmeroWindow",
    "OmeroChannel",
    "Omero",
    "LabelColor",
    "ImageLabel",
    "ImageAttrs",
    "LabelsAttrs",
    "default_axis_type",
]

AxisType = Literal["space", "time", "channel"]
AXIS_TYPES: Final = ("space", "time", "channel")

ANATOMICAL_ORIENTATIONS: Final = frozenset(
    [
        "left-to-right",
        "right-to-left",
        "anterior-to-posterior",
        "posterior-to-anterior",
        "inferior-to-superior",
        "superior-to-inferior",
        "dorsal-to-ventral",
        "ventral-to-dorsal",
        "dorsal-to-palmar",
        "palmar-to-dorsal",
        "dorsal-to-plantar",
        "plantar-to-dorsal",
        "rostral-to-caudal",
        "caudal-to-rostral",
        "cranial-to-caudal",
        "caudal-to-cranial",
        "proximal-to-distal",
        "distal-to-proximal",
        "superficial-to-deep",
        "deep-to-superficial",
        "apical-to-basal",
        "basal-to-apical",
        "apex-to-base",
        "base-to-apex",
    ]
)
"""RFC-4 anatomical orientation values (RFC text plus the 0.9.dev1 additions)."""


def default_axis_type(name: str) -> str | None:
    """Return the conventional type of an axis named *name*, or None for a custom axis.

    Examples
    --------
    >>> default_axis_type("z"), default_axis_type("c"), default_axis_type("angle")
    ('space', 'channel', None)
    """
    return {"t": "time", "c": "channel", "z": "space", "y": "space", "x": "space"}.get(name)


def _frozen_extra(extra: Mapping[str, Any]) -> dict[str, Any]:
    return dict(extra)


@dataclass(frozen=True, kw_only=True)
class Axis:
    """One axis: a name, an optional type and unit, and (RFC-4) an anatomical orientation.

    Examples
    --------
    >>> from ngffkit.spec import Axis
    >>> Axis(name="x", type="space", unit="micrometer").unit
    'micrometer'
    """

    name: str
    """Axis name, unique within the image (``"z"``, ``"y"``, ``"x"``, ``"c"``, ``"t"`` ...)."""
    type: str | None = None
    """``"space"``, ``"time"``, ``"channel"``, a custom string, or None."""
    unit: str | None = None
    """UDUNITS-2 unit name (``"micrometer"``) or None."""
    orientation: str | None = None
    """RFC-4 anatomical orientation value (``"left-to-right"``) for space axes, or None."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Keys of the axis object that ngffkit does not interpret (kept on write)."""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise NgffValidationError(
                f"axis name: expected a non-empty string, got {self.name!r}", rule="axis-name"
            )
        if self.orientation is not None and self.type != "space":
            raise NgffValidationError(
                f"axis {self.name!r}: an anatomical orientation is only allowed on space axes, "
                f"but the axis type is {self.type!r}",
                rule="axis-orientation-on-non-space",
            )
        object.__setattr__(self, "extra", _frozen_extra(self.extra))


@dataclass(frozen=True, kw_only=True)
class Dataset:
    """One resolution level: the array path and its scale (and translation) per axis.

    Examples
    --------
    >>> from ngffkit.spec import Dataset
    >>> level = Dataset(path="1", scale=(1, 2, 2), translation=(0, 0.5, 0.5))
    >>> level.scale, level.translation
    ((1.0, 2.0, 2.0), (0.0, 0.5, 0.5))
    """

    path: str
    """Array path relative to the multiscale group."""
    scale: tuple[float, ...]
    """Physical size of one pixel along each axis at this level."""
    translation: tuple[float, ...] | None = None
    """Physical position of the first pixel's centre, per axis, or None (all zero)."""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.path, str) or not self.path:
            raise NgffValidationError(
                f"dataset path: expected a non-empty string, got {self.path!r}",
                rule="dataset-path",
            )
        # Nested paths are allowed (some tools write them); each segment must stay inside.
        for segment in self.path.split("/"):
            problem = name_problem(segment)
            if problem:
                raise NgffValidationError(
                    f"dataset path {self.path!r}: segment {segment!r} {problem}; a level's path "
                    f"must name an array inside the image",
                    rule="dataset-path",
                )
        scale = tuple(float(s) for s in self.scale)
        where = Where("", ("datasets", self.path))
        raise_first(scale_positive(scale, where.at("scale"), "dataset"))
        object.__setattr__(self, "scale", scale)
        if self.translation is not None:
            translation = tuple(float(t) for t in self.translation)
            raise_first(
                vector_length(
                    translation, where.at("translation"), len(scale), (), "dataset", "translation"
                )
            )
            # All-zero and absent mean the same; keep one form so round trips compare equal.
            object.__setattr__(self, "translation", translation if any(translation) else None)
        object.__setattr__(self, "extra", _frozen_extra(self.extra))

    @property
    def offset(self) -> tuple[float, ...]:
        """Translation with zeros when there is none.

        Examples
        --------
        >>> Dataset(path="0", scale=(1.0, 1.0)).offset
        (0.0, 0.0)
        """
        return self.translation if self.translation is not None else (0.0,) * len(self.scale)


def _ensure_axes_rules(axes: tuple[Axis, ...]) -> None:
    # The axes as JSON, so the one implementation of the axes rules (spec.rules.axes) checks
    # them; the decoded form of every version holds axes the 0.4/0.5 way.
    raw = [{"name": a.name, "type": a.type, "unit": a.unit} for a in axes]
    raise_first(check_axes(raw, Where("", ("axes",)), "0.5"))


@dataclass(frozen=True, kw_only=True)
class MultiscaleMetadata:
    """One ``multiscales[]`` entry: axes, levels from highest to lowest resolution, provenance.

    The metadata of one multiscale image, as the spec writes it; the model's
    `ngffkit.Multiscales` holds one of these (`Multiscales.metadata`) beside the pixels.

    Examples
    --------
    >>> from ngffkit.spec import Axis, Dataset, MultiscaleMetadata
    >>> meta = MultiscaleMetadata(
    ...     axes=(Axis(name="y", type="space"), Axis(name="x", type="space")),
    ...     datasets=(Dataset(path="0", scale=(1, 1)), Dataset(path="1", scale=(2, 2))))
    >>> meta.axis_names, meta.paths
    (('y', 'x'), ('0', '1'))
    """

    axes: tuple[Axis, ...]
    datasets: tuple[Dataset, ...]
    name: str | None = None
    type: str | None = None
    """Downsampling method name (``"mean"``, ``"gaussian"`` ...)."""
    metadata: Mapping[str, Any] | None = None
    """Details of the downsampling method (function, version)."""
    coordinate_system: str = "physical"
    """Name of the intrinsic coordinate system (written for OME-NGFF 0.6)."""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        axes = tuple(self.axes)
        datasets = tuple(self.datasets)
        object.__setattr__(self, "axes", axes)
        object.__setattr__(self, "datasets", datasets)
        _ensure_axes_rules(axes)
        if not datasets:
            raise NgffValidationError(
                "datasets: expected at least one level", rule="datasets-empty"
            )
        names = [a.name for a in axes]
        for i, ds in enumerate(datasets):
            raise_first(
                vector_length(
                    ds.scale,
                    Where("", ("datasets", i, "scale")),
                    len(axes),
                    names,
                    "dataset",
                    "scale",
                )
            )
        raise_first(dataset_path_unique([d.path for d in datasets], Where("", ("datasets",))))
        if self.metadata is not None:
            object.__setattr__(self, "metadata", dict(self.metadata))
        object.__setattr__(self, "extra", _frozen_extra(self.extra))

    @property
    def axis_names(self) -> tuple[str, ...]:
        """Axis names in array order.

        Examples
        --------
        >>> zyx = tuple(Axis(name=n, type="space") for n in "zyx")
        >>> MultiscaleMetadata(axes=zyx, datasets=(Dataset(path="0", scale=(1, 1, 1)),)).axis_names
        ('z', 'y', 'x')
        """
        return tuple(a.name for a in self.axes)

    @property
    def paths(self) -> tuple[str, ...]:
        """Dataset paths from highest to lowest resolution.

        Examples
        --------
        >>> yx = (Axis(name="y", type="space"), Axis(name="x", type="space"))
        >>> levels = (Dataset(path="s0", scale=(1, 1)), Dataset(path="s1", scale=(2, 2)))
        >>> MultiscaleMetadata(axes=yx, datasets=levels).paths
        ('s0', 's1')
        """
        return tuple(d.path for d in self.datasets)


@dataclass(frozen=True, kw_only=True)
class OmeroWindow:
    """Display range of one channel: data range (min, max) and shown range (start, end).

    Examples
    --------
    >>> from ngffkit.spec import OmeroWindow
    >>> OmeroWindow(min=0, max=65535, start=100, end=2000).end
    2000
    """

    min: float
    max: float
    start: float
    end: float


@dataclass(frozen=True, kw_only=True)
class OmeroChannel:
    """Rendering settings of one channel (transitional ``omero`` metadata).

    Examples
    --------
    >>> from ngffkit.spec import OmeroChannel
    >>> OmeroChannel(color="#ff8000", label="GFP").color  # the '#' people type is accepted
    'FF8000'
    """

    color: str = "FFFFFF"
    """Six hex digits, RGB, no ``#``."""
    window: OmeroWindow | None = None
    label: str | None = None
    active: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        color = self.color.lstrip("#")  # '#ff0000' is what people type: accept it
        raise_first(omero_color({"color": color}, Where("", ()), "0.4"))
        color = color.upper()
        object.__setattr__(self, "color", color)
        object.__setattr__(self, "extra", _frozen_extra(self.extra))


@dataclass(frozen=True, kw_only=True)
class Omero:
    """The ``omero`` block: one channel entry per index of the channel axis.

    Examples
    --------
    >>> from ngffkit.spec import Omero, OmeroChannel
    >>> Omero(channels=[OmeroChannel(label="DAPI", color="0000FF"), OmeroChannel(label="GFP")]).labels
    ('DAPI', 'GFP')
    """

    channels: tuple[OmeroChannel, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)
    """``rdefs``, ``id``, ``name`` and any other keys, kept verbatim."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "channels", tuple(self.channels))
        object.__setattr__(self, "extra", _frozen_extra(self.extra))

    @property
    def labels(self) -> tuple[str | None, ...]:
        """Channel labels in channel order.

        Examples
        --------
        >>> Omero(channels=(OmeroChannel(label="DAPI"), OmeroChannel())).labels
        ('DAPI', None)
        """
        return tuple(c.label for c in self.channels)


@dataclass(frozen=True, kw_only=True)
class LabelColor:
    """Display colour of one label value.

    Examples
    --------
    >>> from ngffkit.spec import LabelColor
    >>> LabelColor(label_value=1, rgba=(255, 0, 0, 255)).rgba
    (255, 0, 0, 255)
    """

    label_value: int
    rgba: tuple[int, int, int, int] | None = None

    def __post_init__(self) -> None:
        if self.rgba is not None:
            rgba = tuple(int(v) for v in self.rgba)
            where = Where("", ("image-label", "colors", str(self.label_value), "rgba"))
            raise_first(label_rgba(rgba, where))
            object.__setattr__(self, "rgba", rgba)


@dataclass(frozen=True, kw_only=True)
class ImageLabel:
    """The ``image-label`` block of a label image: colours, properties and the source image.

    Examples
    --------
    >>> from ngffkit.spec import ImageLabel, LabelColor
    >>> block = ImageLabel(colors=(LabelColor(label_value=1, rgba=(255, 0, 0, 255)),))
    >>> block.colors[0].label_value
    1
    """

    colors: tuple[LabelColor, ...] = ()
    properties: tuple[Mapping[str, Any], ...] = ()
    """One mapping per label value, each with a ``"label-value"`` key."""
    source: str | None = "../../"
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        colors = tuple(self.colors)
        values = [c.label_value for c in colors]
        where = Where("", ("image-label", "colors"))
        raise_first(label_value_unique(values, where, "colors"))
        object.__setattr__(self, "colors", colors)
        object.__setattr__(self, "properties", tuple(dict(p) for p in self.properties))
        object.__setattr__(self, "extra", _frozen_extra(self.extra))


@dataclass(frozen=True, kw_only=True)
class ImageAttrs:
    """Everything OME-NGFF says about an image group: multiscales, omero, image-label.

    Examples
    --------
    >>> import numpy as np, ngffkit
    >>> ms = ngffkit.to_multiscales(
    ...     ngffkit.to_ngff_image(np.zeros((2, 32, 32), "uint16"), dims=("c", "y", "x")),
    ...     scale_factors=[2])
    >>> attrs = ms.image_attrs  # what the writer encodes for this pyramid
    >>> len(attrs.multiscales), attrs.image_label is None
    (1, True)
    """

    multiscales: tuple[MultiscaleMetadata, ...]
    omero: Omero | None = None
    image_label: ImageLabel | None = None
    extra_ome: Mapping[str, Any] = field(default_factory=dict)
    """Unknown keys inside the OME namespace (0.5+), kept verbatim."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Unknown group attributes outside the OME namespace, kept verbatim."""

    def __post_init__(self) -> None:
        multiscales = tuple(self.multiscales)
        if not multiscales:
            raise NgffValidationError(
                "multiscales: expected at least one entry", rule="multiscales-empty"
            )
        object.__setattr__(self, "multiscales", multiscales)
        object.__setattr__(self, "extra_ome", _frozen_extra(self.extra_ome))
        object.__setattr__(self, "extra", _frozen_extra(self.extra))


@dataclass(frozen=True, kw_only=True)
class LabelsAttrs:
    """The ``labels`` group: the list of label images it holds.

    Examples
    --------
    >>> from ngffkit.spec import LabelsAttrs
    >>> LabelsAttrs(labels=("nuclei", "cells")).labels
    ('nuclei', 'cells')
    """

    labels: tuple[str, ...] = ()
    extra_ome: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", tuple(self.labels))
        object.__setattr__(self, "extra_ome", _frozen_extra(self.extra_ome))
        object.__setattr__(self, "extra", _frozen_extra(self.extra))
