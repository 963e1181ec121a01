"""Remote and in-memory stores: a real HTTP server and a real S3 server on loopback."""

from __future__ import annotations

import shutil

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
