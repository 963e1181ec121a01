"""Remote and in-memory stores: a real HTTP server and a real S3 server on loopback."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from zarr.storage import MemoryStore, StorePath

import ngffkit
from ngffkit.errors import NgffReadOnlyError, NgffTypeError
from ngffkit.io.stores import open_store
from tests.conftest import requires


@pytest.mark.parametrize("version", ["0.4", "0.5"])
@requires("aiohttp", "http")
def test_read_over_http(tmp_path, http_root, make_image, version) -> None:
    """A store served over HTTP on 127.0.0.1 reads lazily with the same pixels and metadata."""
    root, base_url = http_root
    ms = ngffkit.to_multiscales(make_image((8, 16, 16)), scale_factors=[2], chunks=8)
    ngffkit.to_ngff_zarr(tmp_path / "img.zarr", ms, version=version)
    shutil.copytree(tmp_path / "img.zarr", root / f"img{version}.zarr")
    back = ngffkit.from_ngff_zarr(f"{base_url}/img{version}.zarr")
    assert back.images[1].scale == ms.images[1].scale
    np.testing.assert_array_equal(back.images[0].data.compute(), ms.images[0].data.compute())


@requires("s3fs", "s3")
def test_write_and_read_s3(s3_endpoint, make_image) -> None:
    """to_ngff_zarr writes to an S3 bucket (moto on loopback) and from_ngff_zarr reads it back."""
    import s3fs

    options = {"key": "test", "secret": "test", "client_kwargs": {"endpoint_url": s3_endpoint}}
    fs = s3fs.S3FileSystem(**options)
    fs.mkdir("ngffkit-test")
    ms = ngffkit.to_multiscales(make_image((8, 16, 16)), scale_factors=[2], chunks=8)
    ngffkit.to_ngff_zarr("s3://ngffkit-test/img.zarr", ms, storage_options=options)
    with pytest.raises(ngffkit.NgffExistsError):
        ngffkit.to_ngff_zarr("s3://ngffkit-test/img.zarr", ms, storage_options=options)
    back = ngffkit.from_ngff_zarr("s3://ngffkit-test/img.zarr", storage_options=options)
    np.testing.assert_array_equal(back.images[1].data.compute(), ms.images[1].data.compute())
    assert ngffkit.validate("s3://ngffkit-test/img.zarr", storage_options=options).ok


def test_memory_store(make_image) -> None:
    """A zarr MemoryStore works as a target and a source."""
    store = MemoryStore()
    ms = ngffkit.to_multiscales(make_image((8, 8)), scale_factors=[2])
    ngffkit.to_ngff_zarr(store, ms)
    assert ngffkit.from_ngff_zarr(store).images[1].shape == (4, 4)


def test_store_path_inside_store(make_image) -> None:
    """A StorePath addresses an image inside a larger hierarchy (e.g. an HCS field)."""
    sp = StorePath(MemoryStore(), "plate.zarr/B/03/0")
    ngffkit.to_ngff_zarr(sp, ngffkit.to_multiscales(make_image((8, 8)), scale_factors=[]))
    assert ngffkit.from_ngff_zarr(sp).images[0].shape == (8, 8)


def test_read_only_store_refuses_writes(tmp_path) -> None:
    """Asking to write into a read-only zarr store is an NgffReadOnlyError."""
    from zarr.storage import LocalStore

    with pytest.raises(NgffReadOnlyError, match="read-only"):
        open_store(LocalStore(tmp_path, read_only=True), mode="w")


def test_bad_store_type() -> None:
    """Something that is not a store is a type error naming the accepted forms."""
    with pytest.raises(NgffTypeError, match="fsspec URL"):
        open_store(42)  # type: ignore[arg-type]


@requires("aiohttp", "http")
def test_http_store_named_once_without_secrets(http_root) -> None:
    """Messages name an HTTP store as its URL (not http://http://...), without tokens or passwords."""
    _, base_url = http_root
    host = base_url.split("://", 1)[1]
    url = f"http://reader:SENTINEL-PW@{host}/missing.zarr"
    with pytest.raises(ngffkit.NgffError) as info:
        ngffkit.from_ngff_zarr(url)
    message = str(info.value)
    assert f"http://{host}/missing.zarr" in message
    assert "http://http" not in message and "SENTINEL" not in message


def _mapper(form: str, tmp_path, request) -> object:
    """The store forms zarr's StoreLike names besides paths and stores: fsspec FSMaps, a dict."""
    import fsspec

    if form == "dict":
        return {}
    if form == "fsmap-local":
        return fsspec.get_mapper(str(tmp_path / "img.ome.zarr"))
    if form == "fsmap-memory":
        return fsspec.get_mapper(f"memory://{tmp_path.name}/img.ome.zarr")
    pytest.importorskip("s3fs", reason="needs s3fs: pip install 'ngffkit[s3]'")
    endpoint = request.getfixturevalue("s3_endpoint")
    options = {"key": "test", "secret": "test", "client_kwargs": {"endpoint_url": endpoint}}
    fs = fsspec.filesystem("s3", **options)
    bucket = f"mapper-{tmp_path.name.lower().replace('_', '-')[-40:]}"
    fs.mkdir(bucket)
    return fsspec.get_mapper(f"s3://{bucket}/img.ome.zarr", **options)


@pytest.mark.parametrize("form", ["dict", "fsmap-local", "fsmap-memory", "fsmap-s3"])
def test_every_entry_point_takes_an_fsspec_mapper_or_a_dict(
    tmp_path, request, make_image, form
) -> None:
    """Write, read, validate, open as a container and add a table through one mapper."""
    pd = pytest.importorskip("pandas", reason="needs pandas: pip install 'ngffkit[tables]'")
    store = _mapper(form, tmp_path, request)
    ms = ngffkit.to_multiscales(make_image((8, 16, 16)), scale_factors=[2], chunks=8)
    ngffkit.to_ngff_zarr(store, ms)
    with pytest.raises(ngffkit.NgffExistsError):
        ngffkit.to_ngff_zarr(store, ms)
    back = ngffkit.from_ngff_zarr(store)
    np.testing.assert_array_equal(back.images[1].data.compute(), ms.images[1].data.compute())
    assert ngffkit.validate(store).ok
    ngffkit.write_table(store, "cells", pd.DataFrame({"area": [1.0, 2.0]}))
    assert ngffkit.read_table(store, "cells")["area"].tolist() == [1.0, 2.0]
    container = ngffkit.open_ome_zarr_container(store)
    assert container.list_tables() == ["cells"]
    assert container.get_image().shape == (8, 16, 16)
    if form == "fsmap-local":  # a local directory behind the mapper is written as one
        assert (tmp_path / "img.ome.zarr" / "zarr.json").is_file()


def test_fsmap_over_http_reads(tmp_path, http_root, make_image) -> None:
    """A read-only HTTP mapper opens like its URL."""
    pytest.importorskip("aiohttp", reason="needs aiohttp: pip install 'ngffkit[http]'")
    import fsspec

    root, base_url = http_root
    ms = ngffkit.to_multiscales(make_image((8, 16, 16)), scale_factors=[2], chunks=8)
    ngffkit.to_ngff_zarr(root / "mapped.ome.zarr", ms)
    mapper = fsspec.get_mapper(f"{base_url}/mapped.ome.zarr")
    back = ngffkit.from_ngff_zarr(mapper)
    np.testing.assert_array_equal(back.images[0].data.compute(), ms.images[0].data.compute())
    assert ngffkit.validate(mapper).ok


@pytest.mark.parametrize(
    "call",
    [
        "from_ngff_zarr",
        "to_ngff_zarr",
        "validate",
        "open_ome_zarr_container",
        "create_ome_zarr_from_array",
        "read_table",
        "write_table",
        "copy_tables",
    ],
)
@pytest.mark.parametrize("form", ["path", "store"])
def test_unused_storage_options_are_an_error(tmp_path, make_image, call, form) -> None:
    """storage_options given for a store that is not a URL: an error naming them, nothing written."""
    pd = pytest.importorskip("pandas", reason="needs pandas: pip install 'ngffkit[tables]'")
    ms = ngffkit.to_multiscales(make_image((8, 16)), scale_factors=[])
    ngffkit.to_ngff_zarr(tmp_path / "src.zarr", ms)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    target = tmp_path / "new.zarr"
    store = target if form == "path" else MemoryStore()
    source = tmp_path / "src.zarr" if form == "path" else StorePath(MemoryStore())
    opts = {"storage_options": {"anon": True}}
    calls = {
        "from_ngff_zarr": lambda: ngffkit.from_ngff_zarr(source, **opts),
        "to_ngff_zarr": lambda: ngffkit.to_ngff_zarr(store, ms, **opts),
        "validate": lambda: ngffkit.validate(source, **opts),
        "open_ome_zarr_container": lambda: ngffkit.open_ome_zarr_container(source, **opts),
        "create_ome_zarr_from_array": lambda: ngffkit.create_ome_zarr_from_array(
            store, np.zeros((8, 16), "u1"), pixelsize=1.0, **opts
        ),
        "read_table": lambda: ngffkit.read_table(source, "cells", **opts),
        "write_table": lambda: ngffkit.write_table(
            source, "cells", pd.DataFrame({"a": [1]}), **opts
        ),
        "copy_tables": lambda: ngffkit.copy_tables(source, store, **opts),
    }
    with pytest.raises(ngffkit.NgffValueError, match=r"storage_options: only used to open a URL"):
        calls[call]()
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_can_write_tells_which_stores_take_writes(tmp_path: Path) -> None:
    """The container's default mode: r+ where a write can land, r for web servers and
    read-only stores (nothing is opened to find out)."""
    import fsspec
    from zarr.storage import LocalStore, MemoryStore

    from ngffkit.io.stores import can_write

    assert (
        can_write(tmp_path)
        and can_write(MemoryStore())
        and can_write(fsspec.get_mapper("memory://x"))
    )
    assert can_write("s3://bucket/img.zarr")
    assert not can_write("https://example.org/img.zarr")
    assert not can_write(fsspec.get_mapper("http://127.0.0.1:9/img.zarr"))
    assert not can_write(LocalStore(tmp_path, read_only=True))
    assert not can_write(tmp_path / "missing")
