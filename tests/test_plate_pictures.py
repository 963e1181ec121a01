"""Plate pictures: ngffkit.preview(plate), `ngffkit preview plate.zarr`, and the plate's repr,
drawn from real plates on disk and over a loopback HTTP server."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ngffkit
from ngffkit.container import (
    ImageInWellPath,
    create_empty_plate,
    open_ome_zarr_plate,
    plate_tiles,
)
from tests.conftest import requires
from tests.loopback import serve

pytestmark = requires("matplotlib", "plot")

_RED, _GREEN = "FF0000", "00FF00"


def _field(plate, row: str, column: int, bright: int) -> None:
    """A two-channel field (DAPI red, GFP green), only channel *bright* lit, two levels."""
    data = np.zeros((2, 64, 64), "uint16")
    data[bright] = 1000
    plate.add_image(
        row,
        column,
        "0",
        array=data,
        pixelsize=0.5,
        axes_names="cyx",
        channel_labels=["DAPI", "GFP"],
        channel_colors=[_RED, _GREEN],
        levels=2,
    )


@pytest.fixture
def plate_path(tmp_path: Path) -> Path:
    """A 3 x 4 plate: A/01 red, B/03 green (two fields), C/04 listed without its image,
    A/04 with a broken image (its metadata truncated), the other positions without wells."""
    path = tmp_path / "screen.zarr"
    plate = create_empty_plate(
        path,
        "screen",
        rows=list("ABC"),
        columns=range(1, 5),
        images=[ImageInWellPath(row="C", column=4, path="0")],
    )
    _field(plate, "A", 1, bright=0)
    _field(plate, "B", 3, bright=1)
    plate.add_image("B", 3, "1")  # listed only: the picture is the first field's
    _field(plate, "A", 4, bright=0)
    (path / "A/04/0/zarr.json").write_text('{"zarr_format": 3, "node_ty')
    return path


def _cell(rgb: np.ndarray, tiles, row: int, column: int) -> np.ndarray:
    """The pixels of one well's cell in a plate mosaic."""
    t = rgb.shape[0] // len(tiles.rows)
    return rgb[row * t : (row + 1) * t, column * t : (column + 1) * t, :3]


def test_preview_draws_the_layout_labelled_as_the_plate_names_it(plate_path: Path) -> None:
    fig = ngffkit.preview(plate_path)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "B", "C"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["01", "02", "03", "04"]
    tiles = plate_tiles(plate_path)
    assert {w.path: (w.fields, w.rgb is not None) for w in tiles.wells} == {
        "A/01": (1, True),
        "A/04": (1, False),  # broken image: marked, with the reason
        "B/03": (2, True),
        "C/04": (1, False),  # listed, never written
    }
    notes = {w.path: w.note for w in tiles.wells}
    assert "NgffValidationError" in notes["A/04"] and "NgffNotFoundError" in notes["C/04"]
    mosaic = ax.get_images()[0].get_array()
    red, green = _cell(mosaic, tiles, 0, 0).mean((0, 1)), _cell(mosaic, tiles, 1, 2).mean((0, 1))
    assert red[0] > 0.9 and red[1] == 0  # A/01: its DAPI channel, in its colour
    assert green[1] > 0.9 and green[0] == 0  # B/03: its GFP channel
    empty = _cell(mosaic, tiles, 1, 0)  # B/01: no well
    assert np.ptp(empty) == 0 and empty[0, 0, 0] > 0.9
    broken = _cell(mosaic, tiles, 0, 3)
    assert broken[..., 0].mean() > broken[..., 1].mean()  # marked in red, with "!" in white
    assert (broken == 1.0).all(axis=-1).any()


def test_preview_png_is_written_sized_and_not_blank(tmp_path: Path, plate_path: Path) -> None:
    out = tmp_path / "plate.png"
    fig = ngffkit.preview(ngffkit.open_ome_zarr_plate(plate_path, mode="r"))
    fig.savefig(out, dpi=50)
    import matplotlib.image as mpimg

    pixels = mpimg.imread(out)
    width, height = fig.get_size_inches() * 50
    assert pixels.shape[:2] == (int(height), int(width))  # Agg's canvas: whole pixels
    assert pixels[..., :3].std() > 0.05


def test_preview_arguments_apply_to_every_field(plate_path: Path) -> None:
    tiles = plate_tiles(plate_path, channels="GFP")
    a01 = next(w for w in tiles.wells if w.path == "A/01")
    assert a01.rgb is not None and a01.rgb.max() == 0  # A/01 has no GFP signal
    with pytest.raises(ngffkit.NgffKeyError, match="'RFP' is not among the channels"):
        ngffkit.preview(plate_path, channels="RFP")
    with pytest.raises(ngffkit.NgffValueError, match="labels: a plate's preview"):
        ngffkit.preview(plate_path, labels="cells")
    with pytest.raises(ngffkit.NgffValueError, match=r"level: expected an index in \[0, 2\)"):
        ngffkit.preview(plate_path, level=5)
    assert "level 0" in ngffkit.preview(plate_path, level=0).axes[0].get_title()


def test_cli_preview_of_a_plate(tmp_path: Path, plate_path: Path, capsys) -> None:
    from ngffkit.cli import main

    out = tmp_path / "plate.png"
    assert main(["preview", str(plate_path), "-o", str(out)]) == 0
    import matplotlib.image as mpimg

    assert mpimg.imread(out)[..., :3].std() > 0.05
    assert main(["preview", str(plate_path), "-o", str(tmp_path / "x.png"), "--labels", "c"]) == 2
    assert "labels: a plate's preview draws no label outlines" in capsys.readouterr().err


def _decoded(html_text: str) -> np.ndarray:
    import matplotlib.image as mpimg

    assert "<img src='data:image/png;base64," in html_text, html_text[:300]
    encoded = html_text.split("base64,", 1)[1].split("'", 1)[0]
    return mpimg.imread(io.BytesIO(base64.b64decode(encoded)), format="png")


def test_repr_shows_the_layout_despite_missing_and_broken_fields(plate_path: Path) -> None:
    plate = open_ome_zarr_plate(plate_path, mode="r")
    html_text = plate._repr_html_()
    assert "OmeZarrPlate(name=&#x27;screen&#x27;" in html_text
    assert _decoded(html_text)[..., :3].std() > 0.05


def test_repr_of_a_plate_it_cannot_read_is_text(plate_path: Path) -> None:
    """A well whose metadata is garbage: no picture, the text, no exception."""
    plate = open_ome_zarr_plate(plate_path, mode="r")
    (plate_path / "B/03/zarr.json").write_text("not json")
    html_text = plate._repr_html_()
    assert html_text.startswith("<pre>OmeZarrPlate(") and "<img" not in html_text


def _copies(tmp_path: Path, n_rows: int, n_cols: int) -> Path:
    """A plate of n_rows x n_cols wells, each field a copy of one small two-level image."""
    path = tmp_path / "big.zarr"
    rows = [chr(ord("A") + r) for r in range(n_rows)]
    wells = [(r, c) for r in rows for c in range(1, n_cols + 1)]
    create_empty_plate(
        path, "big", images=[ImageInWellPath(row=r, column=c, path="0") for r, c in wells]
    )
    source = tmp_path / "field.zarr"
    ngffkit.create_ome_zarr_from_array(
        source,
        np.random.default_rng(0).integers(0, 255, (64, 64), dtype="u1"),
        pixelsize=1.0,
        levels=2,
    )
    for r, c in wells:
        shutil.copytree(source, path / f"{r}/{c:02d}/0")
    return path


def test_repr_of_a_remote_384_well_plate_reads_a_bounded_number_of_fields(tmp_path: Path) -> None:
    """Over HTTP, the repr of a 384-well plate opens at most REPR_WELLS fields, reads pixels
    of their coarsest level only, and sends a bounded number of requests."""
    from ngffkit._container._plate_picture import REPR_WELLS

    path = _copies(tmp_path, 16, 24)
    with serve(tmp_path) as (url, requests):
        plate = open_ome_zarr_plate(f"{url}/big.zarr")
        requests.clear()
        html_text = plate._repr_html_()
        paths = requests.paths()
    assert _decoded(html_text)[..., :3].std() > 0.05
    fields = {"/".join(p.split("/")[2:5]) for p in paths if p.count("/") >= 5}
    assert 0 < len(fields) <= REPR_WELLS, len(fields)
    chunks = {p for p in paths if "/c/" in p}
    assert chunks and all(p.split("/")[5] == "1" for p in chunks), sorted(chunks)[:5]
    # the plate and its 384 wells once each, then a few metadata reads and chunks per field
    assert len(paths) <= 2 + 384 + 12 * REPR_WELLS, len(paths)
    assert (path / "P/24/0").exists()


def test_without_matplotlib_preview_says_so_and_the_repr_is_text(plate_path: Path) -> None:
    """matplotlib is an optional extra: blocked from import, preview raises NgffDependencyError
    naming the extra, and the plate's repr falls back to its text."""
    code = f"""
import sys
sys.modules["matplotlib"] = None  # as if not installed
import ngffkit
plate = ngffkit.open_ome_zarr_plate({str(plate_path)!r}, mode="r")
assert plate._repr_html_().startswith("<pre>"), "a repr without matplotlib is text"
try:
    ngffkit.preview(plate)
except ngffkit.NgffDependencyError as exc:
    print(exc)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "pip install 'ngffkit[plot]'" in done.stdout
