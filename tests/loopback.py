"""A static HTTP server on 127.0.0.1 that counts requests and can add latency and cap bandwidth.

Used by the remote tests (request counts as upper bounds) and by ``benchmarks/remote.py``.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Requests:
    """What the server was asked: one ``(method, path, start, end)`` per request."""

    log: list[tuple[str, str, float, float]] = field(default_factory=list)
    marks: dict[str, int] = field(default_factory=dict)
    """``GET /__mark__/NAME`` (not counted) records how many requests came before it."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, method: str, path: str, start: float, end: float) -> None:
        with self.lock:
            self.log.append((method, path, start, end))

    def clear(self) -> None:
        with self.lock:
            self.log.clear()
            self.marks.clear()

    def mark(self, name: str) -> None:
        with self.lock:
            self.marks[name] = len(self.log)

    @property
    def count(self) -> int:
        return len(self.log)

    def paths(self) -> list[str]:
        return [path for _, path, _, _ in self.log]

    def round_trips(self, upto: int | None = None) -> int:
        """Dependent round trips: the longest chain of requests each sent after the previous ended.

        Requests that overlap in time were in flight together, so they count once. *upto*:
        only the first so many requests (a mark's count).
        """
        chain: dict[int, int] = {}
        ordered = sorted(self.log[:upto], key=lambda r: r[2])
        for i, (_, _, start, _) in enumerate(ordered):
            before = [chain[j] for j in range(i) if ordered[j][3] <= start]
            chain[i] = 1 + max(before, default=0)
        return max(chain.values(), default=0)


class _Server(http.server.ThreadingHTTPServer):
    # The default backlog of 5 drops concurrent connects, which the client retries a second
    # later: that would measure the server, not the client.
    request_queue_size = 128
    daemon_threads = True


class _Handler(http.server.SimpleHTTPRequestHandler):
    latency = 0.0
    bandwidth: float | None = None  # bytes per second
    requests: Requests

    def _serve(self, method: str) -> None:
        if self.path.startswith("/__mark__/"):
            self.requests.mark(self.path.removeprefix("/__mark__/"))
            self.send_response(204)
            self.end_headers()
            return
        start = time.monotonic()
        if self.latency:
            time.sleep(self.latency)
        # Logged before the answer is sent: a client that got it finds the request counted (no
        # race with a test's clear()), and a request that waited for it starts after this end.
        self.requests.add(method, self.path, start, time.monotonic())
        if method == "HEAD":
            super().do_HEAD()
        else:
            super().do_GET()

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def copyfile(self, source: Any, outputfile: Any) -> None:
        if not self.bandwidth:
            super().copyfile(source, outputfile)
            return
        while block := source.read(64 * 1024):
            time.sleep(len(block) / self.bandwidth)
            outputfile.write(block)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(
    directory: Path, *, latency: float = 0.0, bandwidth: float | None = None
) -> Iterator[tuple[str, Requests]]:
    """Serve *directory* on 127.0.0.1 in a thread; yield (base URL, the requests made)."""
    requests = Requests()
    handler_class = type(
        "Handler", (_Handler,), {"latency": latency, "bandwidth": bandwidth, "requests": requests}
    )
    handler = functools.partial(handler_class, directory=str(directory))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
