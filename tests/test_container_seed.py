"""The user's ngio chapter on the OME-Zarr container runs with ``from ngio`` replaced by ``from ngffkit``.

The chapter downloads the "CardiomyocyteSmallMip" plate with ``download_ome_zarr_dataset``; the
test runs that line as written, against a mirror on 127.0.0.1 (``NGFFKIT_SAMPLES_URL``) and a
registry (``NGFFKIT_SAMPLES_REGISTRY``) whose archive the test builds: the same kind of store, an
HCS plate ``plate.zarr/B/03/0`` holding a 3-channel c, z, y, x uint16 image in OME-NGFF 0.4
with channel labels, a ``labels/nuclei`` label and a ``tables`` group, zipped as Zenodo's is.
Its remote examples read that store from an HTTP server on 127.0.0.1, one path of which
wants the chapter's bearer token.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import importlib.util
import json
import re
import sys
import textwrap
import threading
import types
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr

from ngffkit.container import (
    create_ome_zarr_from_array,
    fractal_fsspec_store,
    open_ome_zarr_container,
)
from ngffkit.errors import NgffAuthError, NgffNotFoundError, NgffReadOnlyError, NgffValueError
from tests.conftest import SHARED
from tests.loopback import serve as serve_counted

SEED = SHARED / "seeds" / "ngio-ome-zarr-container.md"
TOKEN = "**your_secret_token**"  # the chapter's placeholder, used as the real token here
CHANNELS = ["DAPI", "nanog", "Lamin B1"]


SAMPLE = "20200812-CardiomyocyteDifferentiation14-Cycle1-small-mip.zarr"
"""The folder ngio (and ngffkit) extract "CardiomyocyteSmallMip" to."""


def build_plate(root: Path, name: str = SAMPLE) -> Path:
    """Write an HCS plate like Fractal's sample (0.4, Zarr v2) under *root*; return the plate path."""
    plate = root / name
    group = zarr.open_group(plate, mode="w", zarr_format=2)
    group.attrs["plate"] = {
        "version": "0.4",
        "rows": [{"name": "B"}],
        "columns": [{"name": "03"}],
        "wells": [{"path": "B/03", "rowIndex": 0, "columnIndex": 0}],
        "acquisitions": [{"id": 0}],
    }
    well = group.require_group("B").require_group("03")
    well.attrs["well"] = {"version": "0.4", "images": [{"path": "0", "acquisition": 0}]}
    rng = np.random.default_rng(0)
    array = rng.integers(0, 4000, size=(3, 1, 256, 256), dtype=np.uint16)
    image = create_ome_zarr_from_array(
        plate / "B" / "03" / "0",
        array,
        xy_pixelsize=0.1625,
        z_spacing=1.0,
        channel_labels=CHANNELS,
        version="0.4",
    )
    nuclei = image.derive_label("nuclei")
    nuclei.set_array((array[0] > 3500).astype("uint32")).consolidate()
    tables = zarr.open_group(plate / "B" / "03" / "0" / "tables", mode="w", zarr_format=2)
    tables.attrs["tables"] = ["FOV_ROI_table", "nuclei_ROI_table"]
    return plate


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files; paths under /private/ need the chapter's bearer token."""

    def do_GET(self) -> None:
        if self.path.startswith("/private/"):
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self.send_error(401, "token needed")
                return
            self.path = self.path[len("/private") :]
        super().do_GET()

    def do_HEAD(self) -> None:
        if self.path.startswith("/private/"):
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self.send_error(401, "token needed")
                return
            self.path = self.path[len("/private") :]
        super().do_HEAD()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve *directory* on 127.0.0.1 in a thread; yield the base URL."""
    handler = functools.partial(_Handler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def plate(tmp_path: Path) -> Path:
    """The HCS plate under tmp_path/data."""
    return build_plate(tmp_path / "data")


@pytest.fixture
def sample_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A samples mirror on 127.0.0.1 serving the plate zipped as Zenodo's archive, and a registry
    naming it "CardiomyocyteSmallMip"; yields where the chapter's download will put the plate."""
    source = build_plate(
        tmp_path / "source", "20200812-CardiomyocyteDifferentiation14-Cycle1_mip.zarr"
    )
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    archive = mirror / f"{SAMPLE}.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(source.rglob("*")):
            z.write(path, path.relative_to(source.parent).as_posix())
    registry = tmp_path / "registry.json"
    md5 = hashlib.md5(archive.read_bytes()).hexdigest()
    registry.write_text(
        json.dumps(
            {"CardiomyocyteSmallMip": {"file": archive.name, "md5": md5, "description": "test"}}
        )
    )
    with serve_counted(mirror) as (url, requests):
        monkeypatch.setenv("NGFFKIT_SAMPLES_URL", url)
        monkeypatch.setenv("NGFFKIT_SAMPLES_REGISTRY", str(registry))
        yield tmp_path / "data" / SAMPLE
        assert [p for m, p, *_ in requests.log if m == "GET"] == [f"/{archive.name}"]


def blocks(markdown: str) -> list[tuple[str, str]]:
    """The ``python`` and ``pycon`` code blocks of the chapter, dedented, as (kind, code)."""
    found = re.findall(r"^( *)```(python|pycon)[^\n]*\n(.*?)^\1```", markdown, flags=re.S | re.M)
    return [(kind, textwrap.dedent(code)) for _, kind, code in found]


def adapt(code: str, *, data_dir: Path, plate: Path, base_url: str) -> str:
    """Switch the imports to ngffkit and the URLs to the local server (the download runs as written)."""
    relative = plate.relative_to(data_dir).as_posix()
    code = re.sub(
        r"url = \(\n.*?\n\)",
        f"url = {base_url + '/' + relative + '/B/03/0/'!r}",
        code,
        flags=re.S,
    )
    code = code.replace('"https://fractal_url..."', repr(f"{base_url}/private/{relative}/B/03/0"))
    return code.replace("from ngio", "from ngffkit")


def run_blocks(chapter: list[tuple[str, str]], namespace: dict[str, Any]) -> list[object]:
    """Run the blocks in one namespace like markdown-exec's session; return the pycon values."""
    values: list[object] = []
    for i, (kind, code) in enumerate(chapter):
        if kind == "python":
            exec(compile(code, f"<seed block {i}>", "exec"), namespace)
            continue
        for line in code.splitlines():
            if not line.startswith(">>> "):
                continue
            statement = line[4:]
            try:
                compiled = compile(statement, f"<seed block {i}>", "eval")
            except SyntaxError:
                exec(compile(statement, f"<seed block {i}>", "exec"), namespace)
            else:
                value = eval(compiled, namespace)
                if "markdown-exec: hide" not in statement:  # the hidden print() lines only render
                    values.append(value)
    return values


@pytest.fixture
def ngffkit_exports(monkeypatch: pytest.MonkeyPatch) -> None:
    """The names the chapter imports: ``ngffkit.open_ome_zarr_container`` ... and ``ngffkit.utils``.

    They are re-exported by ``ngffkit/__init__.py`` and ``ngffkit/utils.py``; where a checkout does
    not have them yet, stand in with the objects from ``ngffkit.container`` (the same ones).
    """
    import ngffkit
    import ngffkit.container

    for name in ("open_ome_zarr_container", "create_ome_zarr_from_array", "create_empty_ome_zarr"):
        if not hasattr(ngffkit, name):
            monkeypatch.setattr(ngffkit, name, getattr(ngffkit.container, name), raising=False)
    if importlib.util.find_spec("ngffkit.utils") is None:
        shim = types.ModuleType("ngffkit.utils")
        shim.fractal_fsspec_store = fractal_fsspec_store  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "ngffkit.utils", shim)


def test_seed_chapter_runs(
    sample_mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ngffkit_exports: None
) -> None:
    """Every code block of the ngio container chapter runs, its download from the local mirror, against
    the local server, and says what the chapter says it does."""
    plate = sample_mirror
    chapter = blocks(SEED.read_text())
    kinds = [kind for kind, _ in chapter]
    assert kinds.count("python") == 7 and kinds.count("pycon") == 7, (
        "the seed document changed shape"
    )
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "seed"}
    with serve(tmp_path / "data") as base_url:
        adapted = [
            (kind, adapt(code, data_dir=tmp_path / "data", plate=plate, base_url=base_url))
            for kind, code in chapter
        ]
        assert not any("ngio" in code for _, code in adapted)
        assert (
            'download_ome_zarr_dataset("CardiomyocyteSmallMip", download_dir=download_dir)'
            in (adapted[0][1])
        )
        values = run_blocks(adapted, namespace)
        remote = namespace[
            "ome_zarr_container"
        ]  # the chapter's last block: the token-protected store
        np.testing.assert_array_equal(
            remote.get_image().get_array(c="DAPI", z=0, y=slice(0, 16)),
            open_ome_zarr_container(plate / "B" / "03" / "0")
            .get_image()
            .get_array(c="DAPI", z=0, y=slice(0, 16)),
        )

    container, levels, levels_paths, is_3d, is_time_series, channel_labels = values
    meta = namespace["metadata"]
    assert "5 (paths 0, 1, 2, 3, 4)" in str(container) and "nuclei" in str(container)
    assert "FOV_ROI_table, nuclei_ROI_table" in str(container)
    assert (levels, levels_paths, is_3d, is_time_series) == (
        5,
        ["0", "1", "2", "3", "4"],
        False,
        False,
    )
    assert tuple(channel_labels) == tuple(CHANNELS) == meta.channels_meta.channel_labels

    derived = namespace[
        "new_image"
    ]  # derive_image(..., shape=(16, 128, 128), xy_pixelsize=0.65, z_spacing=1.0)
    assert derived.get_image().shape == (3, 16, 128, 128) and derived.pixel_size.zyx == (
        1.0,
        0.65,
        0.65,
    )
    assert derived.channel_labels == CHANNELS and derived.version == "0.4"
    created = open_ome_zarr_container(tmp_path / "random_ome.zarr")
    np.testing.assert_array_equal(created.get_image().get_array(), namespace["x"])
    assert created.pixel_size.zyx == (1.0, 0.65, 0.65)
    empty = open_ome_zarr_container(tmp_path / "empty_ome.zarr")
    assert empty.get_image().shape == (16, 128, 128) and empty.get_image().dtype == np.dtype(
        "uint16"
    )
    # The plate itself was only read.
    assert open_ome_zarr_container(plate / "B" / "03" / "0").list_labels() == ["nuclei"]


@pytest.mark.parametrize(
    ("path", "token", "error", "message"),
    [
        (
            "private",
            None,
            NgffAuthError,
            "HTTP 401 (token needed) reading 'zarr.json': the server refused the credentials",
        ),
        ("private", "wrong", NgffAuthError, "(the token was refused)"),
        (
            "missing.zarr",
            None,
            NgffNotFoundError,
            "no zarr group there (looked for zarr.json, .zattrs, .zgroup)",
        ),
    ],
    ids=["no-token", "wrong-token", "missing"],
)
def test_fractal_fsspec_store_refusals(
    plate: Path, tmp_path: Path, path: str, token: str | None, error: type[Exception], message: str
) -> None:
    """A missing or refused token and a wrong URL are NgffErrors that say which."""
    relative = plate.relative_to(tmp_path / "data").as_posix()
    with serve(tmp_path / "data") as base_url:
        url = f"{base_url}/private/{relative}/B/03/0" if path == "private" else f"{base_url}/{path}"
        with pytest.raises(error) as info:
            fractal_fsspec_store(url, fractal_token=token)
    assert message in str(info.value)


def test_remote_container_is_read_only_and_lists_labels_and_tables(
    plate: Path, tmp_path: Path
) -> None:
    """A container opened from a URL reads labels and tables like a local one and refuses writes."""
    relative = plate.relative_to(tmp_path / "data").as_posix()
    with serve(tmp_path / "data") as base_url:
        c = open_ome_zarr_container(f"{base_url}/{relative}/B/03/0")
        assert c.list_labels() == ["nuclei"] and c.list_tables() == [
            "FOV_ROI_table",
            "nuclei_ROI_table",
        ]
        assert c.get_label("nuclei", lowest=True).shape == (1, 16, 16)
        with pytest.raises(NgffReadOnlyError):
            c.get_image().set_array(np.zeros((256, 256), "uint16"), c=0, z=0)


def test_plate_root_is_not_an_image(plate: Path) -> None:
    """Opening the plate instead of one of its fields says where the images are."""
    with pytest.raises(NgffValueError, match="this is an HCS plate, not an image"):
        open_ome_zarr_container(plate)
