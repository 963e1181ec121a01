"""Rules of OME-NGFF 0.6's ``scene``: coordinate systems and transforms between images.

Examples
--------
>>> scene = {"coordinateSystems": [{"name": "a", "axes": []}]}
>>> [found.rule for found in check_scene(scene, Where("", ("scene",)), "0.6")]
['axes-count']
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ngffkit.spec.rules._catalogue import ValidationIssue, Where
from ngffkit.spec.rules.coordinate_systems import check_coordinate_systems, local_transform_dims
from ngffkit.spec.rules.narrow import JSON, as_list
from ngffkit.spec.versions import NgffVersion

__all__ = ["check_scene"]


def check_scene(
    scene: Mapping[str, JSON], where: Where, version: NgffVersion
) -> Iterator[ValidationIssue]:
    """The coordinate-system rules on a scene: its systems, and the transforms between them.

    Examples
    --------
    >>> list(check_scene({}, Where("", ("scene",)), "0.6"))
    []
    """
    systems, found = check_coordinate_systems(
        scene.get("coordinateSystems"), where.at("coordinateSystems"), version
    )
    yield from found
    for i, transform in enumerate(as_list(scene.get("coordinateTransformations")) or []):
        if isinstance(transform, Mapping):
            yield from local_transform_dims(
                transform, where.at("coordinateTransformations", i), systems
            )
