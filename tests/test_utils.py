"""Sample datasets: download from a loopback mirror, checksums, safe extraction, reuse."""

from __future__ import annotations

import hashlib
import json
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ngffkit.errors import (
    NgffCorruptDataError,
    NgffError,
    NgffExistsError,
    NgffKeyError,
    NgffNotFoundError,
    NgffRemoteError,
    NgffValueError,
)
from ngffkit.utils import (
    SAMPLES_REGISTRY_ENV,
    SAMPLES_URL_ENV,
    download_ome_zarr_dataset,
    list_ome_zarr_datasets,
    parse_registry,
)
from tests.conftest import requires
from tests.loopback import Requests, serve

NGIO_NAMES = [
    "CardiomyocyteTiny",
    "CardiomyocyteTinyMip",
    "CardiomyocyteSmall",
    "CardiomyocyteSmallMip",
    "CardiomyocyteMediumMip",
]
GOOD = {"plate.zarr/.zgroup": b'{"zarr_format": 2}', "plate.zarr/B/.zgroup": b'{"zarr_format": 2}'}


def write_zip(path: Path, members: dict[str, bytes], links: dict[str, str] | None = None) -> str:
    """Write a zip of *members* (and symlink members *links*); return its md5."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return hashlib.md5(path.read_bytes()).hexdigest()


def write_registry(path: Path, **entries: tuple[str, str]) -> Path:
    doc = {
        name: {"file": file, "md5": md5, "description": name}
        for name, (file, md5) in entries.items()
    }
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[tuple[Path, str, Requests]]:
    """A folder served over HTTP on loopback: (folder, base URL, the requests made)."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    with serve(folder) as (url, requests):
        yield folder, url, requests


def leftovers(folder: Path) -> list[str]:
    """Everything in *folder*: a failed download must leave nothing but what was there."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_ngio_names_listed() -> None:
    """ngio's five datasets are listed under ngio's names, in ngio's order."""
    assert list_ome_zarr_datasets() == NGIO_NAMES


@requires("aiohttp", "http")
def test_download_over_http_then_reuse(mirror, tmp_path: Path) -> None:
    """The archive is fetched once; the store lands under the archive's name; a second call reuses it."""
    folder, url, requests = mirror
    md5 = write_zip(folder / "plate.zarr.zip", GOOD)
    registry = write_registry(tmp_path / "reg.json", Plate=("plate.zarr.zip", md5))
    data = tmp_path / "data"
    path = download_ome_zarr_dataset("Plate", data, base_url=url, registry=registry, progress=False)
    assert path == data / "plate.zarr" and (path / "B" / ".zgroup").is_file()
    fetched = requests.count
    assert [p for m, p, *_ in requests.log if m == "GET"] == ["/plate.zarr.zip"]
    again = download_ome_zarr_dataset("Plate", data, base_url=url, registry=registry)
    assert again == path and requests.count == fetched
    # The verified archive is kept, so a deleted store comes back without a download.
    (path / "B" / ".zgroup").unlink()
    (path / "B").rmdir()
    (path / ".zgroup").unlink()
    path.rmdir()
    assert download_ome_zarr_dataset("Plate", data, base_url=url, registry=registry).is_dir()
    assert requests.count == fetched
    assert leftovers(data) == ["plate.zarr", "plate.zarr.zip"]


def test_environment_mirror_and_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """NGFFKIT_SAMPLES_URL (a local folder) and NGFFKIT_SAMPLES_REGISTRY add and serve a dataset."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    md5 = write_zip(folder / "plate.zarr.zip", GOOD)
    registry = write_registry(tmp_path / "reg.json", Plate=("plate.zarr.zip", md5))
    monkeypatch.setenv(SAMPLES_URL_ENV, str(folder))
    monkeypatch.setenv(SAMPLES_REGISTRY_ENV, str(registry))
    assert list_ome_zarr_datasets() == [*NGIO_NAMES, "Plate"]
    path = download_ome_zarr_dataset("Plate", tmp_path / "data", progress=False)
    assert (path / ".zgroup").is_file()


@requires("aiohttp", "http")
def test_registry_from_url_replaces_an_entry(mirror, tmp_path: Path) -> None:
    """A registry served over HTTP replaces a built-in entry: ngio's name, the mirror's archive."""
    folder, url, _ = mirror
    file = "20200812-CardiomyocyteDifferentiation14-Cycle1-tiny.zarr.zip"
    md5 = write_zip(folder / file, {"x.zarr/.zgroup": b'{"zarr_format": 2}'})
    write_registry(folder / "reg.json", CardiomyocyteTiny=(file, md5))
    path = download_ome_zarr_dataset(
        "CardiomyocyteTiny", tmp_path, base_url=url, registry=f"{url}/reg.json", progress=False
    )
    assert path.name == "20200812-CardiomyocyteDifferentiation14-Cycle1-tiny.zarr"
    assert (path / ".zgroup").is_file()


def _truncated(path: Path) -> str:
    write_zip(path, {**GOOD, "plate.zarr/B/big": bytes(range(256)) * 64})
    path.write_bytes(path.read_bytes()[:-200])  # the central directory is gone
    return hashlib.md5(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("case", "error", "words"),
    [
        ("checksum", NgffCorruptDataError, "md5 checksum mismatch"),
        ("truncated", NgffCorruptDataError, "not a readable zip archive"),
        ("dotdot", NgffValueError, "'plate.zarr/../../evil' is outside the target folder"),
        ("absolute", NgffValueError, "'/tmp/evil' is outside the target folder"),
        ("link", NgffValueError, "'plate.zarr/link' is a link"),
        ("two-stores", NgffValueError, "expected one top-level .zarr folder"),
    ],
)
def test_bad_archive_is_refused_and_leaves_nothing(
    tmp_path: Path, case: str, error: type[NgffError], words: str
) -> None:
    """Each bad archive is one clear NgffError; no store, no partial file, no scratch folder remains."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    archive = folder / "plate.zarr.zip"
    if case == "checksum":
        write_zip(archive, GOOD)
        md5 = hashlib.md5(b"something else").hexdigest()
    elif case == "truncated":
        md5 = _truncated(archive)  # the registry's checksum matches: the zip itself is broken
    elif case == "link":
        md5 = write_zip(archive, GOOD, links={"plate.zarr/link": "/etc"})
    else:
        extra = {
            "dotdot": "plate.zarr/../../evil",
            "absolute": "/tmp/evil",
            "two-stores": "other.zarr/.zgroup",
        }[case]
        md5 = write_zip(archive, {**GOOD, extra: b"x"})
    registry = write_registry(tmp_path / "reg.json", Plate=("plate.zarr.zip", md5))
    data = tmp_path / "data"
    with pytest.raises(error) as info:
        download_ome_zarr_dataset("Plate", data, base_url=folder, registry=registry, progress=False)
    assert words in str(info.value)
    kept = [] if case == "checksum" else ["plate.zarr.zip"]  # a verified archive is kept
    assert leftovers(data) == kept
    assert not (tmp_path / "evil").exists()


@requires("aiohttp", "http")
def test_missing_archive_is_not_found(mirror, tmp_path: Path) -> None:
    """A mirror without the archive: NgffNotFoundError naming the URL, nothing left behind."""
    folder, url, _ = mirror
    md5 = write_zip(folder / "plate.zarr.zip", GOOD)
    registry = write_registry(tmp_path / "reg.json", Plate=("plate.zarr.zip", md5))
    data = tmp_path / "data"
    with pytest.raises(NgffNotFoundError, match="HTTP 404"):
        download_ome_zarr_dataset("Plate", data, base_url=url + "/nothing", registry=registry)
    assert leftovers(data) == []


def test_unknown_name_and_bad_registry(tmp_path: Path) -> None:
    """An unknown dataset names the known ones; a registry without a checksum is refused."""
    with pytest.raises(NgffKeyError, match="known: CardiomyocyteTiny, "):
        download_ome_zarr_dataset("Nope", tmp_path)
    bad = tmp_path / "reg.json"
    bad.write_text(json.dumps({"X": {"file": "x.zarr.zip"}}))
    with pytest.raises(NgffValueError, match=r"X: expected exactly one checksum"):
        list_ome_zarr_datasets(registry=bad)
    bad.write_text(json.dumps({"X": {"file": "x.zarr.zip", "md5": "0" * 32}}))
    with pytest.raises(NgffValueError, match="no 'url' and no mirror"):
        download_ome_zarr_dataset("X", tmp_path, registry=bad)


def test_incomplete_folder_in_the_way_is_kept(tmp_path: Path) -> None:
    """A folder with the store's name that is not a store is never replaced."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    md5 = write_zip(folder / "plate.zarr.zip", GOOD)
    registry = write_registry(tmp_path / "reg.json", Plate=("plate.zarr.zip", md5))
    (tmp_path / "data" / "plate.zarr").mkdir(parents=True)
    (tmp_path / "data" / "plate.zarr" / "mine.txt").write_text("keep")
    with pytest.raises(NgffExistsError, match="not a complete zarr store"):
        download_ome_zarr_dataset("Plate", tmp_path / "data", base_url=folder, registry=registry)
    assert (tmp_path / "data" / "plate.zarr" / "mine.txt").read_text() == "keep"


@requires("aiohttp", "http")
def test_short_body_is_a_remote_error(tmp_path: Path) -> None:
    """A server that cuts the body: NgffRemoteError naming the URL, and nothing left behind."""
    import functools
    import http.server
    import threading

    class Cut(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"PK" * 100)
            self.close_connection = True

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Cut))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        registry = write_registry(tmp_path / "reg.json", Plate=("plate.zarr.zip", "0" * 32))
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with pytest.raises(NgffRemoteError, match=f"{url}/plate.zarr.zip: the download failed"):
            download_ome_zarr_dataset(
                "Plate", tmp_path / "data", base_url=url, registry=registry, progress=False
            )
    finally:
        server.shutdown()
        server.server_close()
    assert leftovers(tmp_path / "data") == []


@given(
    st.dictionaries(
        st.text(max_size=8),
        st.one_of(
            st.none(),
            st.integers(),
            st.text(max_size=8),
            st.dictionaries(
                st.sampled_from(["file", "md5", "sha256", "description", "url", "other"]),
                st.one_of(st.text(max_size=70), st.integers(), st.none()),
                max_size=5,
            ),
        ),
        max_size=4,
    )
)
def test_registry_parsing_never_crashes(doc: dict) -> None:
    """Any JSON object is either a registry of plain file names with hex checksums or an
    NgffValueError naming the entry; nothing else escapes."""
    try:
        entries = parse_registry(doc, "fuzz.json")
    except NgffValueError as exc:
        message = str(exc)
        entries = {}
    else:
        message = "registry fuzz.json"
    assert message.startswith("registry fuzz.json")
    for entry in entries.values():
        assert "/" not in entry.file and entry.file.endswith(".zip")
        assert len(entry.digest) == {"md5": 32, "sha256": 64}[entry.algorithm]
