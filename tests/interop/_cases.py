"""The images every interop test writes and reads, as one table.

Each case is small (well under 1 MB on disk with its pyramid and label) and deterministic,
so a SHA-256 of the level-0 bytes identifies the pixels across tools and processes.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

VERSIONS = ("0.4", "0.5")
SPATIAL = ("z", "y", "x")
LABEL_NAME = "cells"

LABEL_TOOLS = ("omezarr", "ngio")
"""Outside tools with a labels API (ngff-zarr has none: it neither writes nor lists labels)."""

LEVEL_PATHS = {
    "ngffzarr": ["scale0/image", "scale1/image"],
    "omezarr": ["s0", "s1"],
    "ngio": ["0", "1"],
}
"""Where each outside tool puts the two levels ``outside.py`` asks it for."""


@dataclass(frozen=True)
class Case:
    """One test image: array geometry, physical metadata and optional channel names / label."""

    id: str
    dims: tuple[str, ...]
    shape: tuple[int, ...]
    dtype: str
    scale: dict[str, float]
    translation: dict[str, float] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    channel_labels: tuple[str, ...] | None = None
    label: bool = False
    """Also write a label image ``labels/cells`` (dims without ``c``)."""

    def full_scale(self) -> dict[str, float]:
        """Scale of every axis (1.0 where the case gives none)."""
        return {d: self.scale.get(d, 1.0) for d in self.dims}

    def full_translation(self) -> dict[str, float]:
        """Translation of every axis (0.0 where the case gives none)."""
        return {d: self.translation.get(d, 0.0) for d in self.dims}

    @property
    def label_dims(self) -> tuple[str, ...]:
        """Dims of the label image: the image's without the channel axis."""
        return tuple(d for d in self.dims if d != "c")

    @functools.cached_property
    def array(self) -> np.ndarray:
        """The level-0 pixels: smooth gradients plus noise, so they compress but are not flat."""
        rng = np.random.default_rng(sum(map(ord, self.id)))
        grid = np.indices(self.shape).sum(axis=0)
        if np.dtype(self.dtype).kind == "f":
            return (grid + rng.random(self.shape)).astype(self.dtype)
        noise = rng.integers(0, 16, self.shape)
        return ((grid * 7 + noise) % np.iinfo(self.dtype).max).astype(self.dtype)

    @functools.cached_property
    def label_array(self) -> np.ndarray:
        """Level-0 label pixels: 16 x 16 tiles numbered 1, 2, ... (uint32)."""
        shape = tuple(n for d, n in zip(self.dims, self.shape, strict=True) if d != "c")
        y, x = np.indices(shape[-2:])
        tiles = (y // 16) * 16 + x // 16 + 1
        return np.broadcast_to(tiles, shape).astype("uint32")

    @property
    def sha256(self) -> str:
        """SHA-256 of the C-contiguous level-0 bytes, as ``outside.py`` reports it."""
        return _sha256(self.array)

    @property
    def label_sha256(self) -> str:
        """SHA-256 of the C-contiguous label level-0 bytes."""
        return _sha256(self.label_array)

    def write_input(self, folder: Path) -> Path:
        """Save the array as ``<id>.npy`` plus the sidecar JSON that ``outside.py write`` reads."""
        npy = folder / f"{self.id}.npy"
        np.save(npy, self.array)
        label = None
        if self.label:
            label_npy = folder / f"{self.id}-{LABEL_NAME}.npy"
            np.save(label_npy, self.label_array)
            label = {"name": LABEL_NAME, "npy": str(label_npy)}
        sidecar = {
            "dims": list(self.dims),
            "scale": self.scale,
            "translation": self.translation,
            "units": self.units,
            "channel_labels": None if self.channel_labels is None else list(self.channel_labels),
            "label": label,
        }
        Path(f"{npy}.json").write_text(json.dumps(sidecar))
        return npy


def _sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


MICROMETER = "micrometer"
CASES = {
    case.id: case
    for case in (
        Case(
            id="zyx",
            dims=("z", "y", "x"),
            shape=(32, 64, 64),
            dtype="uint16",
            scale={"z": 2.0, "y": 0.5, "x": 0.5},
            units=dict.fromkeys("zyx", MICROMETER),
            label=True,
        ),
        Case(
            id="cyx",
            dims=("c", "y", "x"),
            shape=(2, 64, 64),
            dtype="uint8",
            scale={"y": 0.25, "x": 0.25},
            translation={"y": 10.0, "x": -5.0},
            units=dict.fromkeys("yx", MICROMETER),
            channel_labels=("DAPI", "GFP"),
            label=True,
        ),
        Case(
            id="tczyx",
            dims=("t", "c", "z", "y", "x"),
            shape=(2, 2, 8, 32, 32),
            dtype="float32",
            scale={"t": 3.0, "z": 1.5, "y": 0.5, "x": 0.5},
            units={"t": "second", **dict.fromkeys("zyx", MICROMETER)},
            channel_labels=("ch-a", "ch-b"),
        ),
    )
}


def unversioned_labels_group(writer: str, case: str, version: str) -> bool:
    """Whether *writer* leaves ``ome.version`` out of the 0.5 ``labels`` group (known upstream bug).

    ome-zarr-py 0.18 writes the 0.5 ``labels`` group as ``{"ome": {"labels": [...]}}``:
    ``ome_zarr.writer.add_metadata`` replaces ``attrs["ome"]`` with the merged keys and never
    adds the version (a MUST in 0.5), unlike the image and label-image groups, whose
    multiscales writer does. No 0.5 schema covers the labels group, so the JSON schemas pass
    it; ome-zarr-models rejects the whole image and ngio lists no labels.
    """
    return writer == "omezarr" and version == "0.5" and CASES[case].label


def level_summary(result: dict[str, Any]) -> list[tuple[Any, ...]]:
    """``(shape, scale, translation)`` per level of an ``outside.py read`` result."""
    return [
        (
            tuple(level["shape"]),
            tuple((k, round(v, 9)) for k, v in sorted(level["scale"].items())),
            tuple((k, round(v, 9)) for k, v in sorted(level["translation"].items())),
        )
        for level in result["levels"]
    ]
