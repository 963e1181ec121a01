"""Shared fixtures: image factory, stores on disk, a loopback HTTP server, a loopback S3 server."""

from __future__ import annotations

import contextlib
import functools
import http.server
import importlib.util
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dask
import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import ngffkit

# Real image files written by tifffile and imageio, for the readers' and the command line's tests.
from tests.readers.files import (  # noqa: F401 - fixtures, found by pytest by name
    corrupt_tiff,
    imagej_tzcyx,
    multi_series,
    ome_czyx,
    pyramid_ome,
    rgb_png,
)

settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci")

SHARED = Path(__file__).resolve().parents[2] / "shared"
"""../shared beside the repository (the user's seeds and the official spec files)."""

DEFAULT_DIMS = {
    2: ("y", "x"),
    3: ("z", "y", "x"),
    4: ("c", "z", "y", "x"),
    5: ("t", "c", "z", "y", "x"),
}


def requires(module: str, extra: str) -> pytest.MarkDecorator:
    """Skip marker naming the missing optional dependency and the extra that brings it."""
    missing = importlib.util.find_spec(module) is None
    return pytest.mark.skipif(missing, reason=f"needs {module}: pip install 'ngffkit[{extra}]'")


def make_array(shape: tuple[int, ...], dtype: str = "uint16", seed: int = 0) -> np.ndarray:
    """Deterministic pixels with structure (so downsampling bugs show), of any dtype."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return rng.random(shape).astype(dt)
    high = min(int(np.iinfo(dt).max), 60000) if dt.kind in "iu" else 2
    return rng.integers(0, high, size=shape, dtype=dt)


@pytest.fixture
def make_image() -> Callable[..., ngffkit.NgffImage]:
    """Factory: an NgffImage of the given shape/dtype with a non-trivial scale and units."""

    def factory(
        shape: tuple[int, ...] = (16, 32, 32), dtype: str = "uint16", **kwargs: Any
    ) -> ngffkit.NgffImage:
        dims = kwargs.pop("dims", DEFAULT_DIMS[len(shape)])
        scale = kwargs.pop("scale", {d: (2.0 if d == "z" else 0.5) for d in dims if d in "zyx"})
        kwargs.setdefault("axes_units", {d: "micrometer" for d in dims if d in "zyx"})
        return ngffkit.to_ngff_image(make_array(shape, dtype), dims=dims, scale=scale, **kwargs)

    return factory


class _RaiseOnCompute:
    """A dask scheduler that fails the test when anything is computed."""

    def __call__(self, dsk: Any, keys: Any, **kwargs: Any) -> Any:
        raise AssertionError("pixels were computed where ngffkit promised a lazy operation")


@pytest.fixture
def raise_if_dask_computes() -> Callable[[], contextlib.AbstractContextManager[None]]:
    """Context manager: any dask compute inside it fails the test (xarray's habit)."""

    @contextlib.contextmanager
    def ctx() -> Iterator[None]:
        with dask.config.set(scheduler=_RaiseOnCompute()):
            yield

    return ctx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def http_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A real HTTP server on 127.0.0.1 serving a temporary directory: (directory, base URL)."""
    root = tmp_path_factory.mktemp("http")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3-compatible server (moto) on loopback, in its own process."""
    pytest.importorskip("moto", reason="needs moto[server]: pip install 'ngffkit[test]'")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=0.5),
        ):
            break
        time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("moto server did not start within 30 s")
    yield url
    proc.terminate()
    proc.wait(timeout=10)
