"""Pictures: ngffkit.preview, pyramid_overview and PNG thumbnails, drawn from real stores."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import dask.array as da
import numpy as np
import pytest
import zarr
from zarr.storage import LocalStore, LoggingStore

import ngffkit
from ngffkit._render import THUMBNAIL_COMPUTE_LIMIT, png_bytes, thumbnail_html
from ngffkit.io.write import image_attrs
from ngffkit.spec import Omero, OmeroChannel, OmeroWindow
from tests.conftest import requires

pytestmark = requires("matplotlib", "plot")


def _pixels(fig) -> np.ndarray:
    """The figure rendered to PNG and read back as (y, x, rgba) floats."""
    import matplotlib.image as mpimg

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=50)
    return mpimg.imread(io.BytesIO(buffer.getvalue()), format="png")


@pytest.fixture
def two_channels() -> ngffkit.Multiscales:
    """Channel 0 bright on the left half (red), channel 1 bright on the right half (green)."""
    data = np.zeros((2, 64, 96), "uint16")
    data[0, :, :48] = 1000
    data[1, :, 48:] = 1000
    img = ngffkit.to_ngff_image(
        data, dims=("c", "y", "x"), scale={"y": 0.5, "x": 0.5}, axes_units="micrometer"
    )
    omero = Omero(
        channels=(
            OmeroChannel(
                label="DAPI", color="FF0000", window=OmeroWindow(min=0, max=1000, start=0, end=1000)
            ),
            OmeroChannel(
                label="GFP", color="00FF00", window=OmeroWindow(min=0, max=1000, start=0, end=1000)
            ),
        )
    )
    ms = ngffkit.to_multiscales(img, scale_factors=[2])
    from dataclasses import replace

    return replace(ms, omero=omero)


def test_preview_composites_channels_in_their_colours(two_channels) -> None:
    fig = ngffkit.preview(two_channels, level=0)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "x (micrometer)"
    left, right, bottom, top = ax.get_images()[0].get_extent()
    assert (left, right, bottom, top) == (-0.25, 47.75, 31.75, -0.25)
    rgb = ax.get_images()[0].get_array()
    assert rgb.shape == (64, 96, 3)
    assert np.allclose(rgb[10, 10], [1, 0, 0]) and np.allclose(rgb[10, 80], [0, 1, 0])


def test_preview_png_is_written_sized_and_not_blank(tmp_path: Path, two_channels) -> None:
    out = tmp_path / "preview.png"
    ngffkit.preview(two_channels).savefig(out, dpi=50)
    import matplotlib.image as mpimg

    pixels = mpimg.imread(out)
    width, height = ngffkit.preview(two_channels).get_size_inches() * 50
    assert pixels.shape[:2] == (round(height), round(width))
    assert pixels[..., :3].std() > 0.05  # not one flat colour


def test_channels_by_name_and_index(two_channels) -> None:
    only_gfp = ngffkit.preview(two_channels, level=0, channels="GFP").axes[0]
    rgb = only_gfp.get_images()[0].get_array()
    assert rgb[10, 10].max() == 0 and np.allclose(rgb[10, 80], [0, 1, 0])
    by_index = ngffkit.preview(two_channels, level=0, channels=[1]).axes[0].get_images()[0]
    assert np.array_equal(by_index.get_array(), rgb)
    with pytest.raises(ngffkit.NgffKeyError, match="'RFP' is not among the channels"):
        ngffkit.preview(two_channels, channels="RFP")
    with pytest.raises(ngffkit.NgffValueError, match="channels: expected names or indices"):
        ngffkit.preview(two_channels, channels=[5])


def test_projection_max_differs_from_a_slice() -> None:
    data = np.zeros((5, 16, 16), "uint8")
    data[0, 2, 2] = 200  # only in the first plane: the middle slice does not show it
    data[2, 8, 8] = 100
    img = ngffkit.to_ngff_image(data, dims=("z", "y", "x"))
    sliced = ngffkit.preview(img).axes[0].get_images()[0].get_array()
    projected = ngffkit.preview(img, projection="max").axes[0].get_images()[0].get_array()
    assert sliced[2, 2].max() == 0 and projected[2, 2].max() > 0
    assert "max over 5 z" in ngffkit.preview(img, projection="max").axes[0].get_title()
    with pytest.raises(ngffkit.NgffValueError, match="projection"):
        ngffkit.preview(img, projection="mean")
    with pytest.raises(ngffkit.NgffValueError, match=r"z: expected an index in \[0, 5\)"):
        ngffkit.preview(img, z=9)


def test_preview_of_a_store_with_label_outlines(tmp_path: Path) -> None:
    store = tmp_path / "cells.ome.zarr"
    ms = ngffkit.to_multiscales(
        ngffkit.to_ngff_image(np.full((64, 64), 50, "uint8")), scale_factors=[2]
    )
    lab = np.zeros((64, 64), "uint16")
    lab[16:48, 16:48] = 3
    label = ngffkit.to_multiscales(ngffkit.to_ngff_image(lab, is_label=True), scale_factors=[2])
    from dataclasses import replace

    ngffkit.to_ngff_zarr(store, replace(ms, labels={"cells": label}))
    plain = ngffkit.preview(store, level=0).axes[0]
    outlined = ngffkit.preview(store, level=0, labels="cells").axes[0]
    assert len(plain.get_images()) == 1 and len(outlined.get_images()) == 2
    overlay = outlined.get_images()[1].get_array()
    assert overlay[16, 30, 3] > 0 and overlay[30, 30, 3] == 0  # the edge, not the inside
    with pytest.raises(ngffkit.NgffKeyError, match="'nuclei' is not among the labels"):
        ngffkit.preview(store, labels="nuclei")


def test_preview_of_container_objects(tmp_path: Path) -> None:
    store = tmp_path / "c.ome.zarr"
    container = ngffkit.create_ome_zarr_from_array(
        store,
        np.random.default_rng(0).integers(0, 255, (256, 256), dtype="uint8"),
        pixelsize=0.25,
        levels=3,
    )
    image = container.get_image(path="1")
    assert "level 1 (128 × 128)" in ngffkit.preview(image).axes[0].get_title()
    assert "level 0 (256 × 256)" in ngffkit.preview(container).axes[0].get_title()


def test_default_level_fits_1024_pixels() -> None:
    ms = ngffkit.to_multiscales(
        ngffkit.to_ngff_image(da.zeros((4096, 4096), dtype="uint8", chunks=1024)),
        scale_factors=[2, 4],
    )
    assert "level 2 (1024 × 1024)" in ngffkit.preview(ms).axes[0].get_title()


def test_pyramid_overview_has_one_panel_per_level(tmp_path: Path) -> None:
    ms = ngffkit.to_multiscales(
        ngffkit.to_ngff_image(
            np.random.default_rng(1).random((128, 128)),
            scale={"y": 2.0, "x": 2.0},
            axes_units="micrometer",
        ),
        scale_factors=[2, 4, 8],
    )
    fig = ngffkit.pyramid_overview(ms)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == [
        "level 0: 128 × 128\npixel 2, 2 micrometer",
        "level 1: 64 × 64\npixel 4, 4 micrometer",
        "level 2: 32 × 32\npixel 8, 8 micrometer",
        "level 3: 16 × 16\npixel 16, 16 micrometer",
    ]
    fig.savefig(tmp_path / "overview.png")
    assert (tmp_path / "overview.png").stat().st_size > 1000


def test_png_bytes_round_trip() -> None:
    import matplotlib.image as mpimg

    rgb = np.zeros((4, 6, 3))
    rgb[:, :3, 0] = 1
    back = mpimg.imread(io.BytesIO(png_bytes(rgb)), format="png")
    assert back.shape[:2] == (4, 6) and back[0, 0, 0] == 1 and back[0, 5, 0] == 0


def _four_gib_store(path: Path) -> None:
    """An image whose level 0 is 4 GiB, written without its pixels (no chunk is stored)."""
    lazy = da.zeros((4, 16384, 32768), dtype="uint16", chunks=(1, 4096, 4096))
    ms = ngffkit.to_multiscales(
        ngffkit.to_ngff_image(lazy, dims=("z", "y", "x")),
        scale_factors=[{"y": 2, "x": 2}, {"y": 4, "x": 4}, {"y": 64, "x": 64}],
    )
    assert ms.images[0].data.nbytes == 4 << 30
    root = zarr.open_group(LocalStore(path), mode="w", zarr_format=3)
    for level_path, image in zip(ms.paths, ms.images, strict=True):
        root.create_array(
            level_path,
            shape=image.shape,
            dtype=image.dtype,
            chunks=tuple(min(1024, n) for n in image.shape),
            fill_value=0,
        )
    root.attrs.update(image_attrs(ms, version="0.5"))


def test_thumbnail_of_a_4_gib_stored_image_reads_only_its_coarsest_level(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _four_gib_store(tmp_path / "big.ome.zarr")
    store = LoggingStore(LocalStore(tmp_path / "big.ome.zarr", read_only=True), log_level="INFO")
    ms = ngffkit.from_ngff_zarr(store)
    caplog.set_level(logging.INFO)
    caplog.clear()
    html = thumbnail_html([i.data for i in ms.images], ms.images[0].dims, None)
    assert html.startswith("<img src='data:image/png;base64,")
    keys = {
        m.split("(")[1].split(")")[0] for m in caplog.messages if "Calling LocalStore.get(" in m
    }
    assert keys, "the thumbnail read no chunk at all"
    assert all(key.startswith(f"{ms.paths[-1]}/") for key in keys), sorted(keys)


def test_thumbnail_of_a_large_lazy_pyramid_computes_nothing(raise_if_dask_computes) -> None:
    lazy = da.random.random((4096, 4096), chunks=1024)  # 128 MiB of float64: above the limit
    assert lazy.nbytes > THUMBNAIL_COMPUTE_LIMIT
    ms = ngffkit.to_multiscales(ngffkit.to_ngff_image(lazy), scale_factors=[2, 4])
    with raise_if_dask_computes():
        assert thumbnail_html([i.data for i in ms.images], ("y", "x"), None) == ""


def test_thumbnail_of_a_small_lazy_pyramid_is_drawn() -> None:
    ms = ngffkit.to_multiscales(ngffkit.to_ngff_image(np.eye(64)), scale_factors=[2])
    assert thumbnail_html([i.data for i in ms.images], ("y", "x"), None).startswith("<img")


def test_cli_preview_writes_a_png_and_keeps_an_existing_file(tmp_path: Path) -> None:
    """`ngffkit preview STORE -o out.png` draws the store; an existing file is not replaced."""
    from ngffkit.cli import main

    store = tmp_path / "cells.ome.zarr"
    assert main(["convert", "--sample", "blobs2d", "--labels", str(store)]) == 0
    out = tmp_path / "preview.png"
    assert main(["preview", str(store), "-o", str(out), "--labels", "blobs"]) == 0
    import matplotlib.image as mpimg

    pixels = mpimg.imread(out)
    assert pixels.shape[0] > 100 and pixels[..., :3].std() > 0.05
    before = out.read_bytes()
    assert main(["preview", str(store), "-o", str(out), "--overview"]) == 2  # refused
    assert out.read_bytes() == before
    assert main(["preview", str(store), "-o", str(out), "--overview", "--overwrite"]) == 0
    assert out.read_bytes() != before


def test_cli_preview_overwrite_keeps_the_old_png_if_drawing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`preview --overwrite` whose save fails part way leaves the old PNG byte-identical and no
    partial file; a good one replaces it, keeping the old file's mode."""
    from matplotlib.figure import Figure

    from ngffkit.cli import main

    store = tmp_path / "img.zarr"
    ngffkit.to_ngff_zarr(store, ngffkit.to_multiscales(ngffkit.to_ngff_image(np.eye(32))))
    out = tmp_path / "preview.png"
    assert main(["preview", str(store), "-o", str(out)]) == 0
    out.chmod(0o640)
    before = out.read_bytes()
    savefig = Figure.savefig

    def failing(self: Figure, fname: object, **kwargs: object) -> None:
        Path(str(fname)).write_bytes(before[:40])  # a truncated picture, then the crash
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(Figure, "savefig", failing)
        assert main(["preview", str(store), "-o", str(out), "--overwrite"]) != 0
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["img.zarr", "preview.png"]
    assert Figure.savefig is savefig
    assert main(["preview", str(store), "-o", str(out), "--overwrite", "--overview"]) == 0
    assert out.read_bytes() != before
    assert out.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["img.zarr", "preview.png"]


def test_cli_preview_keeps_an_output_another_process_created_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --overwrite, a file that appears at the output while the picture is drawn is
    kept (exit status 2) and no partial file is left."""
    from matplotlib.figure import Figure

    from ngffkit.cli import main

    store = tmp_path / "img.zarr"
    ngffkit.to_ngff_zarr(store, ngffkit.to_multiscales(ngffkit.to_ngff_image(np.eye(32))))
    out = tmp_path / "preview.png"
    savefig = Figure.savefig

    def racing(self: Figure, fname: object, **kwargs: object) -> None:
        out.write_bytes(b"the other process's picture")
        savefig(self, fname, **kwargs)

    monkeypatch.setattr(Figure, "savefig", racing)
    assert main(["preview", str(store), "-o", str(out)]) == 2
    assert out.read_bytes() == b"the other process's picture"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["img.zarr", "preview.png"]


def _thumbnail_of(html_text: str) -> np.ndarray:
    """The PNG thumbnail embedded in an HTML repr, decoded."""
    import base64

    import matplotlib.image as mpimg

    assert "<img src='data:image/png;base64," in html_text, html_text[:200]
    encoded = html_text.split("base64,", 1)[1].split("'", 1)[0]
    return mpimg.imread(io.BytesIO(base64.b64decode(encoded)), format="png")


def test_html_reprs_show_a_thumbnail_from_the_coarsest_level(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """NgffImage, Multiscales, the container and its Image and Label handles show a picture;
    the stored ones read only the coarsest level to draw it."""
    from ngffkit.container import open_ome_zarr_container

    data = np.zeros((2, 128, 128), "uint16")
    data[0, :, :64] = 1000
    data[1, 64:, :] = 1000
    image = ngffkit.to_ngff_image(data, dims=("c", "y", "x"))
    lab = np.zeros((128, 128), "uint16")
    lab[32:96, 32:96] = 5
    label = ngffkit.to_multiscales(ngffkit.to_ngff_image(lab, is_label=True), scale_factors=[2, 4])
    from dataclasses import replace

    ms = replace(ngffkit.to_multiscales(image, scale_factors=[2, 4]), labels={"cells": label})
    for obj in (image, ms):
        assert _thumbnail_of(obj._repr_html_())[..., :3].std() > 0.05
    ngffkit.to_ngff_zarr(tmp_path / "img.zarr", ms)
    store = LoggingStore(LocalStore(tmp_path / "img.zarr", read_only=True), log_level="INFO")
    container = open_ome_zarr_container(store)
    caplog.set_level(logging.INFO)
    meta = ("zarr.json", ".zattrs", ".zgroup", ".zarray", ".zmetadata")
    for obj, coarsest in (
        (container, "2/"),
        (container.get_image(), "2/"),
        (container.get_label("cells"), "labels/cells/2/"),
    ):
        caplog.clear()
        pixels = _thumbnail_of(obj._repr_html_())
        assert pixels[..., :3].std() > 0.05  # not blank
        keys = {m.split("(")[1].split(")")[0] for m in caplog.messages if "LocalStore.get(" in m}
        chunks = {k for k in keys if not k.endswith(meta)}
        assert chunks and all(k.startswith(coarsest) for k in chunks), sorted(chunks)


def test_a_label_thumbnail_is_filled_in_label_colours() -> None:
    lab = np.zeros((64, 64), "uint16")
    lab[:, 32:] = 3
    pixels = _thumbnail_of(ngffkit.to_ngff_image(lab, is_label=True)._repr_html_())
    assert pixels[:, :10, :3].max() == 0  # background black
    assert pixels[:, -10:, :3].max() > 0.2  # the label in colour


def test_a_repr_survives_a_picture_it_cannot_draw() -> None:
    """An image without y and x (a picture needs both) still has its table."""
    image = ngffkit.to_ngff_image(np.zeros((4, 4), "u1"), dims=("z", "x"))
    html_text = image._repr_html_()
    assert html_text.startswith("<table") and "<img" not in html_text
