"""HCS plates through the container API: ngio's chapter 5, edits, bad input, parallel writers."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import re
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

import ngffkit
from ngffkit.container import (
    ImageInWellPath,
    OmeZarrContainer,
    OmeZarrPlate,
    create_empty_plate,
    open_ome_zarr_plate,
)
from ngffkit.errors import (
    NgffError,
    NgffExistsError,
    NgffKeyError,
    NgffReadOnlyError,
    NgffValidationError,
    NgffValueError,
)
from tests.conftest import SHARED
from tests.strategies import plate_edits
from tests.test_container_seed import blocks, build_plate, run_blocks

CHAPTER = SHARED / "reference" / "ngio-0.4-getting-started" / "5_hcs.md"


def _metadata(root: Path) -> dict[str, str]:
    """A digest of every metadata file under *root*: equal before and after means unchanged."""
    names = ("zarr.json", ".zattrs", ".zgroup")
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.name in names
    }


# ----------------------------------------------------------------------------- chapter 5


def test_chapter_5_runs_block_by_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every block of ngio's HCS chapter runs with ``ngio`` replaced by ``ngffkit``, on a plate
    like the chapter's (one well B/03, one field in acquisition 0), and gives ngio's answers."""
    plate_path = build_plate(tmp_path / "data")
    chapter = blocks(CHAPTER.read_text())
    assert [k for k, _ in chapter].count("python") == 1, "the chapter changed shape"
    adapted = []
    for kind, code in chapter:
        code = re.sub(
            r"^(>>> )?from ngio.utils import download_ome_zarr_dataset\n", "", code, flags=re.M
        )
        code = code.replace(
            'download_ome_zarr_dataset("CardiomyocyteSmallMip", download_dir=download_dir)',
            f"Path({str(plate_path)!r})",
        )
        adapted.append((kind, code.replace("from ngio", "from ngffkit")))
    assert not any("ngio" in code for _, code in adapted)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "chapter5"}
    values = run_blocks(adapted, namespace)
    plate = namespace["ome_zarr_plate"]
    assert isinstance(plate, OmeZarrPlate)
    assert plate.columns == ["03"] and plate.rows == ["B"] and plate.acquisition_ids == [0]
    assert plate.images_paths() == ["B/03/0"] and plate.wells_paths() == ["B/03"]
    assert plate.well_images_paths(row="B", column=3) == ["B/03/0"]
    images = plate.get_images()
    assert list(images) == ["B/03/0"] and isinstance(images["B/03/0"], OmeZarrContainer)
    assert list(namespace["well_images"]) == ["B/03/0"]  # acquisition=0 holds the field
    assert plate.get_image(row="B", column=3, image_path="0").channel_labels == [
        "DAPI",
        "nanog",
        "Lamin B1",
    ]
    new = namespace["plate"]
    # After D/00/0 was added and removed: its row stays, its well goes (ngio's behaviour).
    assert new.rows == ["A", "B", "C", "D"] and new.columns == ["00", "01"]
    assert new.wells_paths() == ["A/00", "B/01", "C/01"]
    assert new.acquisition_ids == [1]
    assert new.well_images_paths("A", 0) == ["A/00/0", "A/00/1"]
    assert new.well_images_paths("A", 0, acquisition=1) == ["A/00/1"]
    assert "D/00/0" in values  # add_image returned the field's path
    assert ngffkit.validate(tmp_path / "new_plate.zarr").ok is False  # fields listed, not written


# ----------------------------------------------------------------------------- create and edit


@pytest.fixture(params=["0.4", "0.5", "0.6"])
def version(request: pytest.FixtureRequest) -> str:
    """The OME-NGFF versions a plate is written in."""
    return str(request.param)


def _filled(root: Path, version: str) -> OmeZarrPlate:
    """A plate with wells B/03 (fields 0, 1) and C/05 (field 0), written with pixels."""
    plate = create_empty_plate(root, "screen", version=version)
    rng = np.random.default_rng(1)
    for row, column, field in [("B", 3, "0"), ("B", 3, "1"), ("C", 5, "0")]:
        pixels = rng.integers(0, 255, (2, 32, 32), dtype=np.uint8)
        plate.add_image(row, column, field, array=pixels, pixelsize=0.5, axes_names="cyx", levels=2)
    return plate


def test_written_plate_is_valid_and_readable(tmp_path: Path, version: str) -> None:
    """Fields added with their pixels: the plate validates, and each field reads back."""
    plate = _filled(tmp_path / "p.zarr", version)
    report = ngffkit.validate(tmp_path / "p.zarr")
    assert report.ok, report
    assert plate.version == version
    assert plate.images_paths() == ["B/03/0", "B/03/1", "C/05/0"]
    opened = open_ome_zarr_plate(tmp_path / "p.zarr", mode="r")
    assert opened.get_image("C", "05", "0").get_image().shape == (2, 32, 32)
    with pytest.raises(NgffReadOnlyError, match="read-only"):
        opened.add_image("A", 1, "0")


def test_declared_layout_lists_every_row_and_column(tmp_path: Path) -> None:
    """A 96-well layout declared at creation: all rows and columns, in the caller's order."""
    plate = create_empty_plate(
        tmp_path / "p.zarr", "p", rows=list("ABCDEFGH"), columns=range(1, 13), ngff_version="0.4"
    )
    assert plate.rows == list("ABCDEFGH")
    assert plate.columns == [f"{c:02d}" for c in range(1, 13)]
    assert plate.add_image("H", 12, "0") == "H/12/0"
    assert plate.meta.wells[0].row_index == 7 and plate.meta.wells[0].column_index == 11


def test_multi_acquisition_needs_an_acquisition(tmp_path: Path) -> None:
    """On a plate with several acquisitions, a field without one is an error listing them."""
    plate = create_empty_plate(
        tmp_path / "p.zarr",
        "p",
        images=[
            ImageInWellPath(row="A", column=1, path="0", acquisition_id=0),
            ImageInWellPath(row="A", column=1, path="1", acquisition_id=1),
        ],
    )
    before = _metadata(tmp_path / "p.zarr")
    with pytest.raises(NgffValidationError, match=r"acquisition ids: \[0, 1\]"):
        plate.add_image("A", 1, "2")
    assert _metadata(tmp_path / "p.zarr") == before
    assert plate.add_image("A", 1, "2", acquisition_id=1) == "A/01/2"
    assert plate.get_image_acquisition_id("A", 1, "2") == 1


def _bad_edits() -> list[tuple[str, Any, type[NgffError], str]]:
    return [
        (
            "well outside the declared rows",
            lambda p: p.add_image("Z", 1, "0"),
            NgffValueError,
            r"row 'Z' is not one of the plate's rows \['A', 'B'\]",
        ),
        (
            "field path not in the well",
            lambda p: p.remove_image("A", 1, "7"),
            NgffKeyError,
            r"field '7' is not in the well \(fields: \['0'\]\)",
        ),
        (
            "getting a field not in the well",
            lambda p: p.get_image("A", 1, "7"),
            NgffKeyError,
            r"field '7' is not in well A/01",
        ),
        (
            "removing a well that does not exist",
            lambda p: p.remove_image("B", 2, "0"),
            NgffKeyError,
            r"row 'B', column 2: the plate has no such well \(wells: \['A/01'\]\)",
        ),
        (
            "a field listed twice",
            lambda p: p.add_image("A", 1, "0"),
            NgffExistsError,
            r"field '0' is already in the well",
        ),
        (
            "a field path the version forbids",
            lambda p: p.add_image("A", 1, "f_1"),
            NgffValidationError,
            r"letters and digits only, got 'f_1'",
        ),
        (
            "duplicate row names",
            lambda p: create_empty_plate(
                p.store, "x", rows=["A", "A"], columns=[1], overwrite=True
            ),
            NgffValidationError,
            r"row names must be unique",
        ),
    ]


@pytest.mark.parametrize(
    ("what", "edit", "error", "message"),
    _bad_edits(),
    ids=lambda v: v if isinstance(v, str) and " " in v else "",
)
def test_bad_edits_raise_and_change_nothing(
    tmp_path: Path, what: str, edit: Any, error: type[NgffError], message: str
) -> None:
    """Each bad call raises a clear NgffError naming the store, and no metadata file changes."""
    plate = create_empty_plate(
        tmp_path / "p.zarr",
        "p",
        images=[ImageInWellPath(row="A", column=1, path="0")],
        rows=["A", "B"],
        columns=[1, 2],
    )
    before = _metadata(tmp_path / "p.zarr")
    with pytest.raises(error, match=message) as caught:
        edit(plate)
    assert isinstance(caught.value, NgffError)
    assert "p.zarr" in str(caught.value)
    assert _metadata(tmp_path / "p.zarr") == before


def test_existing_store_is_not_replaced_without_overwrite(tmp_path: Path) -> None:
    """create_empty_plate on a store with data raises and writes nothing."""
    create_empty_plate(
        tmp_path / "p.zarr", "p", images=[ImageInWellPath(row="A", column=1, path="0")]
    )
    before = _metadata(tmp_path / "p.zarr")
    with pytest.raises(NgffExistsError, match="overwrite=True"):
        create_empty_plate(tmp_path / "p.zarr", "q")
    assert _metadata(tmp_path / "p.zarr") == before


def test_stored_plate_breaking_a_rule_is_refused_by_name(tmp_path: Path) -> None:
    """A plate whose stored metadata repeats a row name opens with an error naming the store,
    the JSON path and the catalogue rule."""
    import zarr

    group = zarr.open_group(tmp_path / "bad.zarr", mode="w", zarr_format=2)
    group.attrs["plate"] = {
        "version": "0.4",
        "rows": [{"name": "A"}, {"name": "A"}],
        "columns": [{"name": "1"}],
        "wells": [],
    }
    with pytest.raises(
        NgffValidationError, match=r"bad.zarr: plate.rows: row names must be unique"
    ) as caught:
        open_ome_zarr_plate(tmp_path / "bad.zarr")
    assert caught.value.rule == "plate-name-unique"


def test_opening_an_image_as_a_plate_says_what_to_do(tmp_path: Path) -> None:
    """open_ome_zarr_plate on an image points to open_ome_zarr_container."""
    ngffkit.create_empty_ome_zarr(tmp_path / "img.zarr", (16, 16), pixelsize=1.0)
    with pytest.raises(NgffValidationError, match=r"not an HCS plate.*open_ome_zarr_container"):
        open_ome_zarr_plate(tmp_path / "img.zarr")


# ----------------------------------------------------------------------------- tables


def test_plate_tables_and_concatenation(tmp_path: Path) -> None:
    """Plate-level tables, and one field table concatenated over the fields that have it."""
    pd = pytest.importorskip("pandas", reason="needs pandas: pip install 'ngffkit[tables]'")
    plate = _filled(tmp_path / "p.zarr", "0.5")
    plate.add_table("conditions", pd.DataFrame({"well": ["B/03", "C/05"], "drug": ["a", "b"]}))
    assert plate.list_tables() == ["conditions"]
    assert plate.get_table("conditions")["drug"].tolist() == ["a", "b"]
    for path, n in (("B/03/0", 2), ("C/05/0", 3)):
        row, column, field = path.split("/")
        features = pd.DataFrame({"label": range(1, n + 1), "area": [float(n)] * n})
        plate.get_image(row, column, field).add_table(
            "cells", features, table_type="feature_table", region="nuclei"
        )
    table = plate.concatenate_image_tables("cells")
    assert table[["row", "column", "path_in_well"]].drop_duplicates().values.tolist() == [
        ["B", "03", "0"],
        ["C", "05", "0"],
    ]
    assert table.groupby("path_in_well")["area"].sum().to_dict() == {"0": 4.0 + 9.0}
    with pytest.raises(NgffKeyError, match="not among the tables of field"):
        plate.concatenate_image_tables("cells", strict=True)  # B/03/1 has none


# ----------------------------------------------------------------------------- parallel writers

WRITER = textwrap.dedent(
    """
    import sys
    from ngffkit.container import open_ome_zarr_plate
    target, me, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    plate = open_ome_zarr_plate(target, mode="r+")
    for k in range(rounds):
        # one well of its own, one field in a well every process shares, a new acquisition
        plate.add_image("ABCDEFGH"[me], k + 1, "0", acquisition_id=me)
        plate.add_image("H", 12, f"{me}{k}", acquisition_id=me, acquisition_name=f"run{me}")
    plate.remove_image("ABCDEFGH"[me], 1, "0")
    """
)


def test_parallel_processes_lose_no_well_field_or_acquisition(tmp_path: Path) -> None:
    """3 processes x 3 rounds add wells, fields and acquisitions and remove one well each:
    the plate ends with exactly the union of what they did."""
    target = tmp_path / "p.zarr"
    create_empty_plate(target, "parallel", version="0.4")
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(target), str(me), "3"])
        for me in range(3)
    ]
    assert [p.wait(timeout=300) for p in procs] == [0, 0, 0]
    plate = open_ome_zarr_plate(target)
    expected_wells = {f"{'ABC'[me]}/{k + 1:02d}" for me in range(3) for k in (1, 2)} | {"H/12"}
    assert set(plate.wells_paths()) == expected_wells
    assert sorted(plate.well_images_paths("H", 12)) == sorted(
        f"H/12/{me}{k}" for me in range(3) for k in range(3)
    )
    assert sorted(plate.acquisition_ids) == [0, 1, 2]
    for me in range(3):
        for k in range(3):
            assert plate.get_image_acquisition_id("H", 12, f"{me}{k}") == me
    assert not (target / ".ngffkit-lock").exists()


def test_parallel_threads_lose_no_field(tmp_path: Path) -> None:
    """8 threads add 48 fields of 12 wells at once, with their pixels: all are listed."""
    plate = create_empty_plate(tmp_path / "p.zarr", "threads")
    cells = [(row, column, str(f)) for row in "AB" for column in range(1, 7) for f in range(4)]

    def add(cell: tuple[str, int, str]) -> str:
        return plate.add_image(*cell, shape=(16, 16), pixelsize=1.0, levels=1)

    with ThreadPoolExecutor(8) as pool:
        added = list(pool.map(add, cells))
    assert sorted(plate.images_paths()) == sorted(added)
    assert len(plate.get_images()) == 48
    assert ngffkit.validate(tmp_path / "p.zarr").ok


# ----------------------------------------------------------------------------- command line


def test_cli_info_prints_the_plate_layout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``ngffkit info plate.zarr``: the grid of wells with field counts, and one field's image."""
    from ngffkit.cli import main

    _filled(tmp_path / "p.zarr", "0.4")
    assert main(["info", str(tmp_path / "p.zarr")]) == 0
    out = capsys.readouterr().out
    assert "OME-NGFF 0.4, name 'screen', 2 rows x 2 columns, 2 wells, 3 fields of view" in out
    grid = [
        line.split() for line in out.splitlines() if line.strip().startswith(("03", "B ", "C "))
    ]
    assert grid == [["03", "05"], ["B", "2", "."], ["C", ".", "1"]]
    assert "first field B/03/0:" in out and "2 x 32 x 32" in out


def test_cli_validate_checks_every_well_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``ngffkit validate plate.zarr``: one summary; a missing field image is found and fails it."""
    from ngffkit.cli import main

    plate = _filled(tmp_path / "p.zarr", "0.5")
    assert main(["validate", str(tmp_path / "p.zarr")]) == 0
    assert "plate: 2 wells and 3 fields of view checked" in capsys.readouterr().out
    plate.add_image("C", 5, "1")  # listed, never written
    assert main(["validate", str(tmp_path / "p.zarr")]) == 1
    out = capsys.readouterr().out
    assert "1 error" in out and "[well-image-missing]" in out and "C/05/1" in out


# ----------------------------------------------------------------------------- remote reads


class _Counting(http.server.SimpleHTTPRequestHandler):
    """Static files, each answer after a delay; counts requests and the most served at once."""

    delay = 0.1
    lock = threading.Lock()
    requests = 0
    in_flight = 0
    most = 0

    def do_GET(self) -> None:
        cls = type(self)
        with cls.lock:
            cls.requests += 1
            cls.in_flight += 1
            cls.most = max(cls.most, cls.in_flight)
        time.sleep(cls.delay)
        with cls.lock:
            cls.in_flight -= 1
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    request_queue_size = 256  # a burst of connections must not wait for SYN retransmits
    daemon_threads = True


@contextlib.contextmanager
def _serve(root: Path) -> Iterator[type[_Counting]]:
    handler = type("Handler", (_Counting,), {"requests": 0, "in_flight": 0, "most": 0})
    server = _Server(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()


def test_remote_listing_reads_each_well_once_side_by_side(tmp_path: Path) -> None:
    """Over HTTP, listing 12 wells' fields costs one read per well (the plate's own metadata is
    kept by the remote store from the open), and the well reads are in flight together (not one
    after another)."""
    images = [ImageInWellPath(row=r, column=c, path="0") for r in "AB" for c in range(1, 7)]
    create_empty_plate(tmp_path / "p.zarr", "remote", images=images, version="0.5")
    with _serve(tmp_path) as server:
        plate = open_ome_zarr_plate(f"{server.url}/p.zarr")  # type: ignore[attr-defined]
        assert plate.mode == "r"
        server.requests = server.most = 0
        paths = plate.images_paths()
    assert sorted(paths) == sorted(f"{i.row}/{i.column:02d}/0" for i in images)
    assert 12 <= server.requests <= 1 + 12
    assert server.most >= 6, f"at most {server.most} well reads were in flight at once"


# ----------------------------------------------------------------------------- edits as a model

_OPS = plate_edits(max_size=12)


@settings(max_examples=25, deadline=None)
@given(ops=_OPS)
def test_edits_match_a_set_of_fields(ops: list[tuple[str, str, int | str, str]]) -> None:
    """Any sequence of adds and removes leaves the plate listing exactly the fields a plain set
    says it should; each refused edit (a field twice, a missing one) is an NgffError."""
    from zarr.storage import MemoryStore

    plate = create_empty_plate(MemoryStore(), "model")
    fields: set[str] = set()
    for op, row, column, field in ops:
        path = f"{row}/{int(column):02d}/{field}"
        if op == "add":
            if path in fields:
                with pytest.raises(NgffExistsError):
                    plate.add_image(row, column, field)
            else:
                assert plate.add_image(row, column, field) == path
                fields.add(path)
        elif path in fields:
            plate.remove_image(row, column, field)
            fields.discard(path)
        else:
            with pytest.raises(NgffKeyError):
                plate.remove_image(row, column, field)
    assert sorted(plate.images_paths()) == sorted(fields)
    assert sorted(plate.wells_paths()) == sorted({p.rsplit("/", 1)[0] for p in fields})
    assert plate.rows == sorted(plate.rows)
