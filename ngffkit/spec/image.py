"""OME-NGFF image metadata as frozen, version-neutral dataclasses.

These classes hold the *meaning* of the metadata, not one version's JSON
layout: `ngffkit.spec.versions` turns them into 0.4, 0.5 or 0.6 JSON and
back. Each class checks the rules that make it usable when it is built (axis
names unique, one scale per axis ...) and keeps unknown keys in ``extra`` so
they survive a read/write round trip.

Multiscale-level ``coordinateTransformations`` are folded into each dataset's
scale and translation when read (same physical meaning, one canonical form).

Examples
--------
>>> ms = Multiscale(
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

__all__ = [
    "AXIS_TYPES",
    "ANATOMICAL_ORIENTATIONS",
    "Axis",
    "Dataset",
    "Multiscale",
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
    """One axis: a name, an optional type and unit, and (RFC-4) an anatomical orientation."""

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
    """One resolution level: the array path and its scale (and translation) per axis."""

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
        for i, s in enumerate(scale):
            if not s > 0:
                raise NgffValidationError(
                    f"dataset {self.path!r}: scale[{i}] must be > 0, got {s}",
                    rule="dataset-scale-positive",
                )
        object.__setattr__(self, "scale", scale)
        if self.translation is not None:
            translation = tuple(float(t) for t in self.translation)
            if len(translation) != len(scale):
                raise NgffValidationError(
                    f"dataset {self.path!r}: translation has {len(translation)} values but scale "
                    f"has {len(scale)}",
                    rule="dataset-translation-length",
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
    names = [a.name for a in axes]
    if not 2 <= len(axes) <= 5:
        raise NgffValidationError(
            f"axes: expected 2 to 5 axes, got {len(axes)}: {names}", rule="axes-count"
        )
    if len(set(names)) != len(names):
        raise NgffValidationError(
            f"axes: names must be unique, got {names}", rule="axes-unique-names"
        )
    types = [a.type for a in axes]
    n_space = types.count("space")
    if not 2 <= n_space <= 3:
        raise NgffValidationError(
            f"axes: expected 2 or 3 axes of type 'space', got {n_space} in {names}",
            rule="axes-space-count",
        )
    if types.count("time") > 1:
        raise NgffValidationError(
            f"axes: at most one time axis, got {names}", rule="axes-time-count"
        )
    other = [t for t in types if t not in ("space", "time")]
    if len(other) > 1:
        raise NgffValidationError(
            f"axes: at most one channel or custom axis, got {names} with types {types}",
            rule="axes-channel-count",
        )
    rank = {"time": 0, "space": 2}
    ranks = [rank.get(t or "", 1) for t in types]
    if ranks != sorted(ranks):
        raise NgffValidationError(
            f"axes: order must be time, then channel or custom, then space; got {names} "
            f"with types {types}",
            rule="axes-order",
        )


@dataclass(frozen=True, kw_only=True)
class Multiscale:
    """One ``multiscales[]`` entry: axes, levels from highest to lowest resolution, provenance."""

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
        for i, ds in enumerate(datasets):
            if len(ds.scale) != len(axes):
                raise NgffValidationError(
                    f"datasets[{i}] ({ds.path!r}): scale has {len(ds.scale)} values but there are "
                    f"{len(axes)} axes {self.axis_names}",
                    rule="dataset-scale-length",
                    path=f"datasets[{i}].coordinateTransformations",
                )
        paths = [d.path for d in datasets]
        if len(set(paths)) != len(paths):
            raise NgffValidationError(
                f"datasets: paths must be unique, got {paths}", rule="datasets-unique-paths"
            )
        if self.metadata is not None:
            object.__setattr__(self, "metadata", dict(self.metadata))
        object.__setattr__(self, "extra", _frozen_extra(self.extra))

    @property
    def axis_names(self) -> tuple[str, ...]:
        """Axis names in array order."""
        return tuple(a.name for a in self.axes)

    @property
    def paths(self) -> tuple[str, ...]:
        """Dataset paths from highest to lowest resolution."""
        return tuple(d.path for d in self.datasets)


@dataclass(frozen=True, kw_only=True)
class OmeroWindow:
    """Display range of one channel: data range (min, max) and shown range (start, end)."""

    min: float
    max: float
    start: float
    end: float


@dataclass(frozen=True, kw_only=True)
class OmeroChannel:
    """Rendering settings of one channel (transitional ``omero`` metadata)."""

    color: str = "FFFFFF"
    """Six hex digits, RGB, no ``#``."""
    window: OmeroWindow | None = None
    label: str | None = None
    active: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        color = self.color.lstrip("#").upper()
        if len(color) != 6 or any(ch not in "0123456789ABCDEF" for ch in color):
            raise NgffValidationError(
                f"omero channel {self.label!r}: color must be 6 hex digits (RRGGBB), "
                f"got {self.color!r}",
                rule="omero-color",
            )
        object.__setattr__(self, "color", color)
        object.__setattr__(self, "extra", _frozen_extra(self.extra))


@dataclass(frozen=True, kw_only=True)
class Omero:
    """The ``omero`` block: one channel entry per index of the channel axis."""

    channels: tuple[OmeroChannel, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)
    """``rdefs``, ``id``, ``name`` and any other keys, kept verbatim."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "channels", tuple(self.channels))
        object.__setattr__(self, "extra", _frozen_extra(self.extra))

    @property
    def labels(self) -> tuple[str | None, ...]:
        """Channel labels in channel order."""
        return tuple(c.label for c in self.channels)


@dataclass(frozen=True, kw_only=True)
class LabelColor:
    """Display colour of one label value."""

    label_value: int
    rgba: tuple[int, int, int, int] | None = None

    def __post_init__(self) -> None:
        if self.rgba is not None:
            rgba = tuple(int(v) for v in self.rgba)
            if len(rgba) != 4 or any(not 0 <= v <= 255 for v in rgba):
                raise NgffValidationError(
                    f"image-label colors (label-value {self.label_value}): rgba must be 4 "
                    f"integers 0-255, got {self.rgba!r}",
                    rule="label-rgba",
                )
            object.__setattr__(self, "rgba", rgba)


@dataclass(frozen=True, kw_only=True)
class ImageLabel:
    """The ``image-label`` block of a label image: colours, properties and the source image."""

    colors: tuple[LabelColor, ...] = ()
    properties: tuple[Mapping[str, Any], ...] = ()
    """One mapping per label value, each with a ``"label-value"`` key."""
    source: str | None = "../../"
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        colors = tuple(self.colors)
        values = [c.label_value for c in colors]
        if len(set(values)) != len(values):
            raise NgffValidationError(
                f"image-label colors: label-value entries must be unique, got {values}",
                rule="label-value-unique",
            )
        object.__setattr__(self, "colors", colors)
        object.__setattr__(self, "properties", tuple(dict(p) for p in self.properties))
        object.__setattr__(self, "extra", _frozen_extra(self.extra))


@dataclass(frozen=True, kw_only=True)
class ImageAttrs:
    """Everything OME-NGFF says about an image group: multiscales, omero, image-label."""

    multiscales: tuple[Multiscale, ...]
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
    """The ``labels`` group: the list of label images it holds."""

    labels: tuple[str, ...] = ()
    extra_ome: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", tuple(self.labels))
        object.__setattr__(self, "extra_ome", _frozen_extra(self.extra_ome))
        object.__setattr__(self, "extra", _frozen_extra(self.extra))
