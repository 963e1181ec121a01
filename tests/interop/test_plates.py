"""HCS plates between ngffkit and the outside tools, OME-Zarr 0.4 and 0.5, both directions.

* ngffkit writes a plate (two wells, three fields, pixels in each); ome-zarr-models accepts it,
  the official schemas pass, and ngio and ome-zarr-py list the same wells and fields and read
  the same pixels.
* ngio and ome-zarr-py write the same plate; ngffkit opens it and reads the same.

All outside calls run in one module fixture, one process per tool, side by side.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pytest

from ngffkit.container import create_empty_plate, open_ome_zarr_plate
from tests.interop._outside import run_outside_many, schema_validate

VERSIONS = ("0.4", "0.5")
FIELDS = ("B/03/0", "B/03/1", "C/05/0")
WRITERS = ("ngio", "omezarr")


def _sha256(data: Any) -> str:
    return hashlib.sha256(np.ascontiguousarray(np.asarray(data)).tobytes()).hexdigest()


@pytest.fixture(scope="module")
def exchange(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Plates written by ngffkit and by the outside tools, and what each tool read."""
    root = tmp_path_factory.mktemp("plates")
    stack = np.random.default_rng(7).integers(0, 255, (len(FIELDS), 48, 40), dtype=np.uint8)
    npy = root / "fields.npy"
    np.save(npy, stack)
    for version in VERSIONS:
        plate = create_empty_plate(root / f"ngffkit-{version}.zarr", "ngffkit", version=version)
        for path, plane in zip(FIELDS, stack, strict=True):
            row, column, field = path.split("/")
            plate.add_image(row, column, field, array=plane, pixelsize=0.5, levels=2)
    calls: dict[Any, tuple[str, str, list[str]]] = {}
    for version in VERSIONS:
        ours = str(root / f"ngffkit-{version}.zarr")
        calls["ozm", version] = ("ozm", "validate", [ours])
        for tool in WRITERS:
            calls[tool, "read", version] = (tool, "read_plate", [ours])
            out = str(root / f"{tool}-{version}.zarr")
            calls[tool, "write", version] = (
                tool,
                "write_plate",
                [str(npy), out, version, ",".join(FIELDS)],
            )
    return {"root": root, "stack": stack, "results": run_outside_many(calls)}


@pytest.mark.parametrize("version", VERSIONS)
def test_ome_zarr_models_and_schemas_accept_ngffkit_plates(
    exchange: dict[str, Any], version: str
) -> None:
    """ome-zarr-models opens the plate as an HCS model without warnings; the schemas pass."""
    result = exchange["results"]["ozm", version]
    assert result["ok"], result
    assert result["kind"] == "HCS" and result["warnings"] == []
    plate = exchange["root"] / f"ngffkit-{version}.zarr"
    for group in (plate, plate / "B" / "03", plate / "C" / "05"):
        assert schema_validate(group, strict=False) == [], group


@pytest.mark.parametrize("tool", WRITERS)
@pytest.mark.parametrize("version", VERSIONS)
def test_outside_tools_read_ngffkit_plates(
    exchange: dict[str, Any], tool: str, version: str
) -> None:
    """ngio and ome-zarr-py list ngffkit's wells and fields and read the same pixels."""
    result = exchange["results"][tool, "read", version]
    assert result["ok"], result
    assert result["rows"] == ["B", "C"] and result["columns"] == ["03", "05"]
    assert result["wells"] == ["B/03", "C/05"]
    expected = {p: _sha256(plane) for p, plane in zip(FIELDS, exchange["stack"], strict=True)}
    assert {p: d["level0_sha256"] for p, d in result["fields"].items()} == expected


@pytest.mark.parametrize("tool", WRITERS)
@pytest.mark.parametrize("version", VERSIONS)
def test_ngffkit_opens_outside_plates(exchange: dict[str, Any], tool: str, version: str) -> None:
    """Plates written by ngio and ome-zarr-py open in ngffkit with the same wells, fields, pixels."""
    assert exchange["results"][tool, "write", version]["ok"]
    plate = open_ome_zarr_plate(exchange["root"] / f"{tool}-{version}.zarr", mode="r")
    assert plate.version == version
    assert plate.wells_paths() == ["B/03", "C/05"]
    images = plate.get_images()
    assert list(images) == list(FIELDS)
    for (path, container), plane in zip(images.items(), exchange["stack"], strict=True):
        assert _sha256(container.get_image().get_array()) == _sha256(plane), path
