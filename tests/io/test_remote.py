"""Remote faults against a misbehaving HTTP server on loopback: stalls, 5xx, revoked tokens, cut bodies."""

from __future__ import annotations

import functools
import http.server
import logging
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import ngffkit
from ngffkit.errors import NgffAuthError, NgffError, NgffRemoteError, NgffTimeoutError
from tests.conftest import requires

pytestmark = requires("aiohttp", "http")

TOKEN = "SENTINEL-TOKEN-4c1d"


class _FaultyHandler(http.server.SimpleHTTPRequestHandler):
    """Static files under a first path segment that names the fault.

    ``/ok/``: plain files. ``/stall/``: metadata answers, chunks never do. ``/e500/``: every
    chunk is a 500. ``/flaky/``: each chunk fails with 503 twice, then answers. ``/revoked/``:
    the token opens the metadata, then chunks answer 401. ``/cut/``: chunk bodies stop halfway.
    """

    hits: dict[str, int]

    def do_GET(self) -> None:
        fault, _, rest = self.path.lstrip("/").partition("/")
        self.path = "/" + rest
        chunk = "/c/" in rest or rest.rsplit("/", 1)[-1].replace(".", "").isdigit()
        if fault == "revoked" and self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.send_error(401, "token needed")
            return
        if not chunk or fault == "ok":
            super().do_GET()
            return
        if fault == "stall":
            time.sleep(3)
            self.send_error(504)
        elif fault == "e500":
            self.send_error(500, "backend down")
        elif fault == "flaky":
            self.hits[rest] = self.hits.get(rest, 0) + 1
            if self.hits[rest] <= 2:
                self.send_error(503, "busy")
            else:
                super().do_GET()
        elif fault == "revoked":
            self.send_error(401, "token revoked")
        elif fault == "cut":
            body = Path(self.translate_path(self.path)).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
        else:
            self.send_error(400)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, np.ndarray]]:
    """(base URL, level 0's pixels) of one small image behind the faulty server."""
    root = tmp_path_factory.mktemp("faulty")
    pixels = np.arange(8 * 16 * 16, dtype="uint16").reshape(8, 16, 16)
    image = ngffkit.to_ngff_image(pixels, dims=("z", "y", "x"))
    ngffkit.to_ngff_zarr(
        root / "img.zarr", ngffkit.to_multiscales(image, scale_factors=[2], chunks=8)
    )
    handler = functools.partial(_FaultyHandler, directory=str(root))
    _FaultyHandler.hits = {}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", pixels
    server.shutdown()
    server.server_close()


def _options(**extra: Any) -> dict[str, Any]:
    return {"client_kwargs": {"headers": {"Authorization": f"Bearer {TOKEN}"}}, **extra}


def _read(url: str, **options: Any) -> np.ndarray:
    ms = ngffkit.from_ngff_zarr(url, storage_options=_options(**options))
    return np.asarray(ms.images[0].data.compute())


def _chain_text(exc: BaseException) -> str:
    """Every str, repr and formatted traceback along the exception's cause and context chain."""
    parts: list[str] = []
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        parts += [str(item), repr(item), *traceback.format_exception(item)]
        todo += [item.__cause__, item.__context__]
    return "\n".join(parts)


def test_clean_read(faulty) -> None:
    """The server itself serves the image: the faults below are the faults, not the fixture."""
    base, pixels = faulty
    np.testing.assert_array_equal(_read(f"{base}/ok/img.zarr"), pixels)


def test_transient_5xx_is_retried(faulty) -> None:
    """Chunks that fail with 503 twice and then answer read correctly with the default retries."""
    base, pixels = faulty
    np.testing.assert_array_equal(_read(f"{base}/flaky/img.zarr"), pixels)


@pytest.mark.parametrize(
    ("fault", "error", "words"),
    [
        ("e500", NgffRemoteError, "HTTP 500 (backend down): a server error"),
        ("revoked", NgffAuthError, "refused the credentials"),
        ("cut", NgffRemoteError, "connection failed"),
    ],
    ids=["server-error", "token-revoked", "truncated-body"],
)
def test_fault_is_a_clear_error_without_the_token(
    faulty, caplog: pytest.LogCaptureFixture, fault: str, error: type[NgffError], words: str
) -> None:
    """Each fault is one NgffError naming the store and key; the token is in no output at all."""
    base, _ = faulty
    url = f"{base}/{fault}/img.zarr"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(error) as info:
        _read(url, retries=1)
    message = str(info.value)
    assert words in message and f"store {url}" in message
    assert not isinstance(info.value, ngffkit.NgffNotFoundError)  # a 500 is not "not found"
    assert TOKEN not in _chain_text(info.value)
    assert TOKEN not in caplog.text


def test_stall_times_out_within_the_stated_bound(faulty) -> None:
    """A server that never answers a chunk fails within (retries + 1) * timeout + backoff."""
    base, _ = faulty
    start = time.monotonic()
    with pytest.raises(NgffTimeoutError, match=r"no answer within 0.5 s .* \(tried 2 times\)"):
        _read(f"{base}/stall/img.zarr", timeout=0.5, retries=1)
    elapsed = time.monotonic() - start
    assert elapsed < 2 * 0.5 + 0.25 + 1.5, elapsed


def test_refused_at_open_is_an_auth_error(faulty) -> None:
    """Without the token the first metadata read is refused: NgffAuthError, not 'not found'."""
    base, _ = faulty
    with pytest.raises(NgffAuthError, match="HTTP 401"):
        ngffkit.from_ngff_zarr(f"{base}/revoked/img.zarr")
    with pytest.raises(NgffAuthError, match="HTTP 401"):
        ngffkit.validate(f"{base}/revoked/img.zarr")


def test_cli_remote_refusal_is_one_line(faulty) -> None:
    """`ngffkit info` on a refused URL prints one line naming the store and exits 2."""
    import subprocess
    import sys

    base, _ = faulty
    run = subprocess.run(
        [sys.executable, "-m", "ngffkit", "info", f"{base}/revoked/img.zarr"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "HTTP 401" in lines[0] and "Traceback" not in run.stderr
