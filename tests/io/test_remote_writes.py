"""Writes to an object store (moto's S3 server on loopback): memory budget, retries, container writes."""

from __future__ import annotations

import contextlib
import functools
import http.client
import http.server
import threading
import tracemalloc
import uuid
from collections.abc import Iterator
from typing import Any

import dask.array as da
import numpy as np
import pytest

import ngffkit
from tests.conftest import requires

pytestmark = requires("s3fs", "s3")


def _options(endpoint: str) -> dict[str, Any]:
    return {"key": "test", "secret": "test", "client_kwargs": {"endpoint_url": endpoint}}


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    """A fresh bucket on the loopback S3 server."""
    import s3fs

    name = f"ngffkit-{uuid.uuid4().hex[:12]}"
    s3fs.S3FileSystem(**_options(s3_endpoint)).mkdir(name)
    return name


def _generated(shape: tuple[int, ...], chunks: tuple[int, ...]) -> da.Array:
    """Pixels made block by block, never whole in memory."""

    def block(block_info: Any = None) -> np.ndarray:
        rng = np.random.default_rng(block_info[None]["chunk-location"])
        return rng.integers(0, 4000, size=block_info[None]["chunk-shape"], dtype=np.uint16)

    normalized = tuple((c,) * (s // c) for s, c in zip(shape, chunks, strict=True))
    return da.map_blocks(block, chunks=normalized, dtype=np.uint16)


def test_s3_write_stays_within_the_memory_budget(s3_endpoint: str, bucket: str) -> None:
    """A 16 MiB image goes to S3 holding a few MiB at a time, staged and published like on disk."""
    source = _generated((32, 512, 512), (16, 128, 256))
    assert source.nbytes == 16 * 2**20
    ms = ngffkit.to_multiscales(source, scale_factors=[2], chunks=32)
    url = f"s3://{bucket}/img.zarr"
    limit = 4 * 2**20
    # A first small write the same way: botocore's S3 model (megabytes of JSON) and the modules
    # the writer imports on first use are loaded once per process, not held by the write.
    small = ngffkit.to_multiscales(
        _generated((32, 64, 64), (16, 32, 32)), scale_factors=[2], chunks=32
    )
    ngffkit.to_ngff_zarr(
        f"s3://{bucket}/warm.zarr",
        small,
        memory_limit=limit,
        max_workers=2,
        progress=False,
        storage_options=_options(s3_endpoint),
    )
    tracemalloc.start()
    try:
        ngffkit.to_ngff_zarr(
            url,
            ms,
            memory_limit=limit,
            max_workers=2,
            progress=False,
            storage_options=_options(s3_endpoint),
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * limit, f"peak {peak / 2**20:.1f} MiB for a {limit / 2**20:.0f} MiB budget"
    back = ngffkit.from_ngff_zarr(url, storage_options=_options(s3_endpoint))
    np.testing.assert_array_equal(
        back.images[0].data[:, :64, :64].compute(), source[:, :64, :64].compute()
    )


class _Flaky(http.server.BaseHTTPRequestHandler):
    """Forwards to the S3 server; the first PUT of every third chunk answers 503 SlowDown."""

    # HTTP/1.1: botocore sends `Expect: 100-continue` with uploads and waits for the 100.
    protocol_version = "HTTP/1.1"
    upstream: tuple[str, int]
    failed: set[str]
    seen: list[str]
    lock: threading.Lock

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        chunk = "/c/" in self.path and self.command == "PUT"
        with self.lock:
            self.seen.append(f"{self.command} {self.path}")
            fail = chunk and hash(self.path) % 3 == 0 and self.path not in self.failed
            if fail:
                self.failed.add(self.path)
        if fail:
            payload = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
            self.send_response(503)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        connection = http.client.HTTPConnection(*self.upstream, timeout=30)
        headers = {
            k: v for k, v in self.headers.items() if k.lower() not in ("connection", "expect")
        }
        connection.request(self.command, self.path, body=body, headers=headers)
        answer = connection.getresponse()
        data = answer.read()
        self.send_response(answer.status, answer.reason)
        for key, value in answer.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        connection.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def flaky_proxy(endpoint: str) -> Iterator[tuple[str, type[_Flaky]]]:
    host, port = endpoint.removeprefix("http://").split(":")
    handler = type(
        "Flaky",
        (_Flaky,),
        {"upstream": (host, int(port)), "failed": set(), "seen": [], "lock": threading.Lock()},
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


def test_s3_write_retries_transient_faults(s3_endpoint: str, bucket: str) -> None:
    """Chunk uploads that fail with 503 SlowDown once are retried: the image arrives whole."""
    pixels = np.arange(16 * 64 * 64, dtype="uint16").reshape(16, 64, 64)
    ms = ngffkit.to_multiscales(ngffkit.to_ngff_image(pixels), scale_factors=[2], chunks=16)
    url = f"s3://{bucket}/img.zarr"
    with flaky_proxy(s3_endpoint) as (proxy, handler):
        ngffkit.to_ngff_zarr(
            url, ms, progress=False, storage_options={**_options(proxy), "retries": 3}
        )
    assert len(handler.failed) >= 3, handler.seen[:20]
    back = ngffkit.from_ngff_zarr(url, storage_options=_options(s3_endpoint))
    np.testing.assert_array_equal(back.images[0].data.compute(), pixels)
    assert ngffkit.validate(url, storage_options=_options(s3_endpoint)).ok


def test_container_writes_to_s3(s3_endpoint: str, bucket: str) -> None:
    """A container on S3 opens for writing; a region, a consolidated pyramid and a new label land,
    and the same container (whose store keeps metadata answers) sees its own writes."""
    from ngffkit.container import create_ome_zarr_from_array

    url = f"s3://{bucket}/img.zarr"
    options = _options(s3_endpoint)
    pixels = np.zeros((2, 64, 64), dtype="uint16")
    create_ome_zarr_from_array(
        ngffkit.open_store(url, mode="w", storage_options=options).store,
        pixels,
        pixelsize=0.5,
        axes_names="cyx",
        levels=2,
    )
    container = ngffkit.open_ome_zarr_container(url, storage_options=options)
    image = container.get_image()
    image.set_array(np.full((32, 32), 7, "uint16"), c=1, y=slice(0, 32), x=slice(0, 32))
    image.consolidate()
    assert container.list_labels() == []
    container.derive_label("nuclei")
    assert container.list_labels() == ["nuclei"]
    again = ngffkit.open_ome_zarr_container(url, mode="r", storage_options=options)
    assert again.list_labels() == ["nuclei"]
    assert int(again.get_image(path="1").get_array(c=1).max()) == 7
    assert int(again.get_image().get_array(c=0).max()) == 0
