"""Consolidated metadata written by the creators and kept current by every container and plate
write: a reader that trusts the snapshot (zarr-python and ngio by default) sees each write."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import zarr

import ngffkit
from ngffkit.container import create_empty_plate, create_ome_zarr_from_array
from tests.interop._outside import run_outside


def _snapshot_group(path: Path) -> zarr.Group:
    """The group as a reader that trusts consolidated metadata sees it (fails without any)."""
    return zarr.open_group(path, mode="r", use_consolidated=True)


def _ome(group: zarr.Group | zarr.Array, version: str) -> dict:
    """The OME attributes of a node: at the top for 0.4, under ``ome`` from 0.5 on."""
    attrs = dict(group.attrs)
    return attrs if version == "0.4" else dict(attrs["ome"])


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_container_writes_keep_the_snapshot_current(tmp_path: Path, version: str) -> None:
    """create(consolidated=True), then a label, a table and a channel edit: the snapshot lists
    them, ome-zarr-models validates the store and ngio (which reads the snapshot) sees the label."""
    path = tmp_path / "img.zarr"
    image = create_ome_zarr_from_array(
        path,
        np.arange(2 * 32 * 32, dtype="uint16").reshape(2, 32, 32),
        pixelsize=0.5,
        axes_names="cyx",
        levels=2,
        version=version,
        consolidated=True,
    )
    assert sorted(_snapshot_group(path).array_keys()) == ["0", "1"]
    image.derive_label("nuclei")
    image.add_table("counts", pd.DataFrame({"n": [1, 2]}), backend="csv")
    image.set_channel_labels(["DAPI", "GFP"])
    seen = _snapshot_group(path)
    assert _ome(seen["labels"], version)["labels"] == ["nuclei"]
    assert list(seen["labels/nuclei"].array_keys()) == ["0", "1"]
    assert seen["tables"].attrs["tables"] == ["counts"]
    assert [c["label"] for c in _ome(seen, version)["omero"]["channels"]] == ["DAPI", "GFP"]
    assert run_outside("ozm", "validate", path)["ok"]
    assert run_outside("ngio", "read", path)["labels"] == ["nuclei"]


def test_plate_edits_keep_the_plate_snapshot_current(tmp_path: Path) -> None:
    """A plate created with consolidated=True lists a field added later, and a label derived in
    that field, when read through the snapshot; ngio and ome-zarr-models (which read it) see them.
    """
    path = tmp_path / "plate.zarr"
    plate = create_empty_plate(path, "p", version="0.4", consolidated=True)
    assert (path / ".zmetadata").exists()
    plate.add_image("B", 3, "0", shape=(32, 32), pixelsize=1.0, levels=1)
    plate.get_image("B", 3, "0").derive_label("cells")
    seen = _snapshot_group(path)
    assert [w["path"] for w in seen.attrs["plate"]["wells"]] == ["B/03"]
    assert seen["B/03"].attrs["well"]["images"][0]["path"] == "0"
    assert seen["B/03/0/labels"].attrs["labels"] == ["cells"]
    assert list(run_outside("ngio", "read_plate", path)["fields"]) == ["B/03/0"]
    checked = run_outside("ozm", "validate", path)
    assert checked["ok"] and checked["kind"] == "HCS", checked


def test_stores_without_a_snapshot_get_none(tmp_path: Path) -> None:
    """Writes to a store without consolidated metadata add none (it stays opt-in)."""
    path = tmp_path / "img.zarr"
    image = create_ome_zarr_from_array(
        path, np.zeros((32, 32), "uint8"), pixelsize=1.0, levels=1, version="0.4"
    )
    image.derive_label("nuclei")
    assert not (path / ".zmetadata").exists()


def test_a_stale_snapshot_from_another_tool_hides_nothing(tmp_path: Path) -> None:
    """A label listed by another tool after the snapshot was taken (so the snapshot lacks it) is
    still read: ngffkit reads groups from their own documents."""
    path = tmp_path / "img.zarr"
    image = create_ome_zarr_from_array(
        path, np.zeros((32, 32), "uint8"), pixelsize=1.0, levels=1, version="0.4"
    )
    image.derive_label("nuclei")
    labels = zarr.open_group(path / "labels", mode="r+")
    labels.attrs["labels"] = []
    zarr.consolidate_metadata(str(path))  # the snapshot lists no label
    labels.attrs["labels"] = ["nuclei"]  # another tool lists it, leaving the snapshot stale
    assert _ome(_snapshot_group(path)["labels"], "0.4")["labels"] == []
    assert list(ngffkit.from_ngff_zarr(path).labels) == ["nuclei"]
    assert ngffkit.open_ome_zarr_container(path).list_labels() == ["nuclei"]


def test_derived_image_with_labels_is_consolidated(tmp_path: Path) -> None:
    """derive_image(consolidated=True) writes a snapshot that holds its new labels."""
    source = create_ome_zarr_from_array(
        tmp_path / "a.zarr", np.zeros((32, 32), "uint8"), pixelsize=1.0, levels=1, version="0.5"
    )
    source.derive_image(tmp_path / "b.zarr", labels=["cells"], consolidated=True)
    seen = _snapshot_group(tmp_path / "b.zarr")
    assert _ome(seen["labels"], "0.5")["labels"] == ["cells"]
    assert list(seen["labels/cells"].array_keys()) == ["0"]


@pytest.mark.parametrize("edit", ["refresh", "channel edit"])
def test_snapshot_rewrites_and_attribute_edits_take_the_image_lock(
    tmp_path: Path, edit: str
) -> None:
    """A Zarr v3 snapshot lives in the root's zarr.json: rewriting it while another writer edits
    that document's attributes would undo the edit, so both wait for the image lock."""
    import threading

    from ngffkit.io.stores import open_store
    from ngffkit.io.write import image_lock, refresh_consolidated

    path = tmp_path / "img.ome.zarr"
    container = create_ome_zarr_from_array(
        path, np.zeros((2, 16, 16), "uint8"), pixelsize=1.0, axes_names="cyx", consolidated=True
    )
    done = threading.Event()

    def write() -> None:
        if edit == "refresh":
            refresh_consolidated(open_store(path, mode="r+"))
        else:
            container.set_channel_labels(["DAPI", "GFP"])
        done.set()

    with image_lock(open_store(path, mode="r+")):
        worker = threading.Thread(target=write)
        worker.start()
        assert not done.wait(0.5), f"the {edit} did not wait for the image lock"
    worker.join(30)
    assert done.is_set()
    if edit == "channel edit":
        assert ngffkit.open_ome_zarr_container(path).channel_labels == ["DAPI", "GFP"]
