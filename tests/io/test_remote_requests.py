"""Remote opening at network speed: request and round-trip counts on a counting loopback server.

The store is the Fractal example image the seed chapter opens over HTTP (4 levels, a label,
4 tables), made from its real metadata in ``shared/spec/corpora`` with pixels written for the
coarsest level. Counts are upper bounds: the server records each request's start and end,
and a *dependent round trip* is a request sent after an earlier one was answered.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest
import zarr

import ngffkit
from tests.conftest import SHARED, requires
from tests.loopback import Requests, serve

pytestmark = requires("aiohttp", "http")

CORPUS = SHARED / "spec" / "corpora" / "fractal-ome-zarr-examples" / "v04"
NAME = "20200812-CardiomyocyteDifferentiation14-Cycle1_B_03_mip.zarr"
V2_ONLY = (".zgroup", ".zattrs", ".zarray", ".zmetadata")


@pytest.fixture(scope="module")
def fractal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Fractal example's metadata, with pixels in the coarsest image level."""
    root = tmp_path_factory.mktemp("fractal")
    store = root / NAME
    shutil.copytree(CORPUS / NAME, store)
    level = zarr.open_array(store / "3", mode="r+", zarr_format=2)
    level[...] = np.arange(level.size, dtype=level.dtype).reshape(level.shape) % 4000
    return root


def _open_and_read(url: str, requests: Requests) -> tuple[int, int, int, int, np.ndarray]:
    """(open requests, open round trips, all requests, all round trips, coarsest pixels)."""
    container = ngffkit.open_ome_zarr_container(url)
    opened, opened_trips = requests.count, requests.round_trips()
    pixels = container.get_image(path=container.levels_paths[-1]).get_array()
    assert container.list_labels() == ["nuclei"]
    assert container.list_tables() == [
        "FOV_ROI_table",
        "nuclei_ROI_table",
        "well_ROI_table",
        "regionprops_DAPI",
    ]
    return opened, opened_trips, requests.count, requests.round_trips(), pixels


def test_fractal_image_opens_in_few_round_trips(fractal: Path) -> None:
    """Open in at most 3 dependent round trips, open + coarsest level + lists in at most 6; a v2
    store is never asked for zarr.json below its root."""
    with serve(fractal, latency=0.05) as (base, requests):
        opened, opened_trips, total, total_trips, pixels = _open_and_read(
            f"{base}/{NAME}", requests
        )
        paths = requests.paths()
    assert opened_trips <= 3, requests.log
    assert total_trips <= 6, requests.log
    assert opened <= 20 and total <= 24, paths
    assert [p for p in paths if p.endswith("zarr.json")] == [f"/{NAME}/zarr.json"]
    expected = zarr.open_array(fractal / NAME / "3", mode="r")[...]
    np.testing.assert_array_equal(pixels, expected)


def test_fewer_requests_than_ngio(fractal: Path) -> None:
    """ngio 1.1 (in its own process) on the same server needs more requests for the same work."""
    script = (
        "import sys\n"
        "from ngio import open_ome_zarr_container\n"
        "from ngio.utils import fractal_fsspec_store\n"
        "c = open_ome_zarr_container(fractal_fsspec_store(sys.argv[1]))\n"
        "c.get_image(path=c.level_paths[-1]).get_array()\n"
        "print(c.list_labels(), c.list_tables())\n"
    )
    with serve(fractal) as (base, requests):
        run = subprocess.run(
            [sys.executable, "-c", script, f"{base}/{NAME}"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stderr
        theirs = requests.count
        requests.clear()
        *_, ours, _, _ = _open_and_read(f"{base}/{NAME}", requests)
    assert "nuclei" in run.stdout
    assert ours < theirs, (ours, theirs)


@pytest.fixture(scope="module")
def v05(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 0.5 (Zarr v3) image with 4 levels, a label and a tables group, and a consolidated copy."""
    from ngffkit.container import create_ome_zarr_from_array

    root = tmp_path_factory.mktemp("v05")
    pixels = np.arange(2 * 64 * 64, dtype="uint16").reshape(2, 64, 64)
    image = create_ome_zarr_from_array(
        root / "img.zarr", pixels, pixelsize=0.5, axes_names="cyx", levels=4, version="0.5"
    )
    image.derive_label("nuclei")
    tables = zarr.open_group(root / "img.zarr" / "tables", mode="w", zarr_format=3)
    tables.attrs["tables"] = ["a", "b", "c", "d"]
    ms = ngffkit.from_ngff_zarr(root / "img.zarr", tables=False)
    ngffkit.to_ngff_zarr(root / "consolidated.zarr", ms, consolidated=True)
    ngffkit.to_ngff_zarr(root / "plain.zarr", ms)
    return root


def test_v3_store_is_never_asked_for_v2_keys(v05: Path) -> None:
    """Once zarr.json answered, no .zgroup/.zattrs/.zarray is requested below the root."""
    with serve(v05, latency=0.05) as (base, requests):
        container = ngffkit.open_ome_zarr_container(f"{base}/img.zarr")
        container.get_image(path="3").get_array()
        assert container.list_labels() == ["nuclei"]
        assert container.list_tables() == ["a", "b", "c", "d"]
        paths = requests.paths()
        trips = requests.round_trips()
    below = [p for p in paths if p.count("/") > 2 and p.endswith(V2_ONLY)]
    assert below == [], paths
    assert trips <= 4, requests.log


def test_consolidated_metadata_written_and_read(v05: Path) -> None:
    """consolidated=True puts every array's metadata in the root zarr.json; reading it over HTTP
    then asks for no array's zarr.json, and the store stays valid for readers that ignore it."""
    root = json.loads((v05 / "consolidated.zarr" / "zarr.json").read_text())
    inside = root["consolidated_metadata"]["metadata"]
    assert {"0", "1", "0/zarr.json"} & set(inside) == {"0", "1"}
    assert ngffkit.validate(v05 / "consolidated.zarr").ok
    counts = {}
    for name in ("plain.zarr", "consolidated.zarr"):
        with serve(v05) as (base, requests):
            ms = ngffkit.from_ngff_zarr(f"{base}/{name}", labels=False, tables=False)
            counts[name] = requests.paths()
        assert len(ms.images) == 4
    assert not [
        p for p in counts["consolidated.zarr"] if p.endswith(("/0/zarr.json", "/1/zarr.json"))
    ]
    assert len(counts["consolidated.zarr"]) < len(counts["plain.zarr"])


def test_consolidated_v04_is_read_by_ome_zarr_models(tmp_path: Path, make_image) -> None:
    """A 0.4 store written with consolidated=True has .zmetadata and still validates outside."""
    from tests.interop._outside import run_outside

    ngffkit.to_ngff_zarr(
        tmp_path / "img.zarr",
        ngffkit.to_multiscales(make_image((16, 32, 32)), scale_factors=[2]),
        version="0.4",
        consolidated=True,
    )
    meta = json.loads((tmp_path / "img.zarr" / ".zmetadata").read_text())
    assert "0/.zarray" in meta["metadata"] and "1/.zarray" in meta["metadata"]
    result = run_outside("ozm", "validate", tmp_path / "img.zarr")
    assert result["ok"], result.get("error")


def test_kept_answers_are_dropped_after_a_write_through_another_store() -> None:
    """A store that found a key missing sees it once another store object in the process wrote it
    (a container's store and a staged write are different objects on the same keys)."""
    from zarr.core.buffer import default_buffer_prototype
    from zarr.core.sync import sync

    from ngffkit.io.stores import open_store

    url = f"memory://kept-{uuid.uuid4().hex}"
    reader = open_store(url, mode="r").store
    writer = open_store(url, mode="w").store
    prototype = default_buffer_prototype()
    assert sync(reader.get("img/zarr.json", prototype)) is None
    assert reader.known("img/zarr.json") == (True, None)  # kept: no second request
    sync(writer.set("img/zarr.json", prototype.buffer.from_bytes(b"{}")))
    found = sync(reader.get("img/zarr.json", prototype))
    assert found is not None and found.to_bytes() == b"{}"


@pytest.fixture(scope="module", params=["0.4", "0.5"])
def one_field_plate(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    """A plate with one field (2 levels, a label, a table) at OME-NGFF 0.4 and 0.5."""
    from ngffkit import ImageInWellPath
    from ngffkit.container import create_empty_plate, create_ome_zarr_from_array

    version = request.param
    root = tmp_path_factory.mktemp(f"plate{version}")
    create_empty_plate(
        root / "plate.zarr",
        "p",
        images=[ImageInWellPath(row="B", column="03", path="0")],
        version=version,
    )
    field = create_ome_zarr_from_array(
        root / "plate.zarr" / "B" / "03" / "0",
        np.zeros((2, 64, 64), "uint8"),
        pixelsize=0.5,
        axes_names="cyx",
        levels=2,
        version=version,
    )
    field.derive_label("nuclei")
    tables = zarr.open_group(
        root / "plate.zarr" / "B" / "03" / "0" / "tables",
        mode="w",
        zarr_format=2 if version == "0.4" else 3,
    )
    tables.attrs["tables"] = []
    return version, root


# Requests to open one field with 2 levels, a label and a tables group, before this work:
# 15 at 0.4 through the plate (both formats' names at the field, .zmetadata in every group) and
# 14 by URL; 8 at 0.5 either way.
FIELD_BOUNDS = {"0.4": {"plate": 11, "url": 12}, "0.5": {"plate": 6, "url": 8}}


def _other_format(paths: list[str], version: str) -> list[str]:
    other = V2_ONLY if version == "0.5" else ("zarr.json",)
    return [p for p in paths if p.endswith(other)]


def test_plate_field_opens_in_few_requests(one_field_plate: tuple[str, Path]) -> None:
    """A field opened through its plate: at most 3 dependent round trips, no key of the other
    Zarr format (the plate showed it), and fewer requests than before (bounds, not timings)."""
    version, root = one_field_plate
    with serve(root, latency=0.05) as (base, requests):
        plate = ngffkit.open_ome_zarr_plate(f"{base}/plate.zarr", mode="r")
        requests.clear()
        field = plate.get_image("B", "03", "0")
        paths, trips = requests.paths(), requests.round_trips()
        assert field.list_labels() == ["nuclei"] and field.list_tables() == []
        assert requests.count == len(paths), requests.paths()[len(paths) :]  # lists were kept
    assert field.levels == 2
    assert trips <= 3, requests.log
    assert len(paths) <= FIELD_BOUNDS[version]["plate"], paths
    assert _other_format(paths, version) == [], paths
    assert not [p for p in paths if p.endswith(".zmetadata")], paths


def test_field_url_opens_in_few_round_trips(one_field_plate: tuple[str, Path]) -> None:
    """A field opened by its URL: both formats' names once, at the field only; then its levels,
    labels and tables together (two round trips; the bound is the issue's 3, since a loaded
    machine may start one of many concurrent requests after another ended); nothing more for
    the lists."""
    version, root = one_field_plate
    url_path = "/plate.zarr/B/03/0"
    with serve(root, latency=0.05) as (base, requests):
        field = ngffkit.open_ome_zarr_container(f"{base}{url_path}")
        paths, trips = requests.paths(), requests.round_trips()
        assert field.list_labels() == ["nuclei"] and field.list_tables() == []
        assert requests.count == len(paths)
    assert trips <= 3, requests.log
    assert len(paths) <= FIELD_BOUNDS[version]["url"], paths
    probes = [p for p in _other_format(paths, version) if not p.endswith(".zmetadata")]
    assert [p.rsplit("/", 1)[0] for p in probes] == [url_path] * len(probes), paths


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_consolidated_plate_serves_its_fields_arrays(tmp_path: Path, version: str) -> None:
    """A plate created with consolidated=True: its fields' array metadata comes from the
    plate's snapshot (no array document is requested), its groups are read fresh."""
    from ngffkit.container import create_empty_plate

    plate = create_empty_plate(tmp_path / "plate.zarr", "p", version=version, consolidated=True)
    plate.add_image("B", 3, "0", shape=(2, 64, 64), pixelsize=1.0, levels=2, axes_names="cyx")
    with serve(tmp_path) as (base, requests):
        remote = ngffkit.open_ome_zarr_plate(f"{base}/plate.zarr", mode="r")
        requests.clear()
        field = remote.get_image("B", "03", "0")
        paths = requests.paths()
    assert field.levels == 2
    arrays = [p for p in paths if p.startswith("/plate.zarr/B/03/0/0/") or "/0/1/" in p]
    assert arrays == [], paths
    # The plain plate's bound less each level's documents (2 at 0.4, 1 at 0.5).
    saved = 2 * (2 if version == "0.4" else 1)
    assert len(paths) <= FIELD_BOUNDS[version]["plate"] - saved, paths
