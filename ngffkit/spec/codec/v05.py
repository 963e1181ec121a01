"""OME-NGFF 0.5 JSON: Zarr v3, every OME key under ``attributes["ome"]`` with ``ome.version``;
inside it, 0.4's multiscale layout without the per-multiscale version.

The 0.5 schemas count an axis without a type as a space axis, so more than three of those
cannot be written.

Examples
--------
>>> attributes({"labels": ["a"]}, {}, {}, "0.5")
{'ome': {'version': '0.5', 'labels': ['a']}}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ngffkit.spec._parse import freeze
from ngffkit.spec.codec import v04
from ngffkit.spec.codec._blocks import check_space_axes
from ngffkit.spec.image import MultiscaleMetadata
from ngffkit.spec.versions import NgffVersion

__all__ = ["decode_multiscale", "encode_multiscale", "attributes", "hcs_block"]

decode_multiscale = v04.decode_multiscale
"""0.5 reads a ``multiscales[]`` entry as 0.4 does."""


def encode_multiscale(ms: MultiscaleMetadata, version: NgffVersion = "0.5") -> dict[str, Any]:
    """0.4's layout, no version key, at most three space axes.

    Examples
    --------
    >>> from ngffkit.spec.image import Axis, Dataset
    >>> ms = MultiscaleMetadata(axes=(Axis(name="y", type="space"), Axis(name="x", type="space")),
    ...                         datasets=(Dataset(path="0", scale=(1.0, 1.0)),))
    >>> sorted(encode_multiscale(ms))
    ['axes', 'datasets']
    """
    out = v04.encode_multiscale(ms, version)
    check_space_axes(out["axes"], version)
    return out


def attributes(
    ome: Mapping[str, Any],
    rest: Mapping[str, Any],
    extra_ome: Mapping[str, Any],
    version: NgffVersion,
) -> dict[str, Any]:
    """The group attributes: the user's keys, and ``ome`` with the version first.

    Examples
    --------
    >>> attributes({"multiscales": []}, {"mine": 1}, {"x": 2}, "0.5")
    {'mine': 1, 'ome': {'version': '0.5', 'multiscales': [], 'x': 2}}
    """
    return {**freeze(rest), "ome": {"version": version, **ome, **freeze(extra_ome)}}


hcs_block = v04.hcs_block
"""A ``plate`` or ``well`` block as 0.5 writes it: ``ome.version`` says the version, and the
block repeats it, as 0.4 had it (the schema allows it; ngio writes it, and ome-zarr-models
warns when a 0.5 plate or well block lacks it)."""
