"""Progress bars for writes: one rich bar per pyramid level, with bytes, throughput and ETA.

``progress=None`` (the default) shows the bars only where somebody watches (a terminal
or a notebook) and only once a write has run for more than a moment, so quick writes
and logs stay quiet. ``True`` shows them at once, ``False`` never.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from types import TracebackType
from typing import Any

__all__ = ["WriteProgress", "shared_display"]

# A display that a caller above the writer already shows (a batch of conversions): the
# level bars join it, under the caller's own bars, instead of starting a second live display.
_SHARED: ContextVar[Any] = ContextVar("ngffkit_shared_display", default=None)


def _may_be_watched() -> bool:
    """False only where rich would find neither a terminal nor a notebook on stderr.

    A cheap first look: where it says True, rich's own `Console` decides. The variables are
    those with which rich forces a terminal.
    """
    if any(os.environ.get(name) for name in ("FORCE_COLOR", "TTY_INTERACTIVE", "TTY_COMPATIBLE")):
        return True
    if "IPython" in sys.modules:  # a notebook's kernel has IPython loaded before any user code
        return True
    stream = sys.stderr
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed streams
        return True


@contextlib.contextmanager
def shared_display(progress: Any) -> Iterator[None]:
    """Inside the block, writes add their level bars to *progress* (a started `rich.progress.Progress`).

    The bars are removed when each write ends. Threads started in the block see the display
    only if they run in a copy of the context (`contextvars.copy_context().run`).

    Examples
    --------
    >>> with shared_display(None):
    ...     WriteProgress(None, [("level 0", 10)]).active
    False
    """
    token = _SHARED.set(progress)
    try:
        yield
    finally:
        _SHARED.reset(token)


# A write shorter than this never shows a bar in the automatic mode.
_DELAY_S = 1.0


class WriteProgress:
    """A context manager with one bar per level; `advance` reports written bytes.

    Parameters
    ----------
    enabled
        True: show at once. False: never. None: in a terminal or notebook, once the write
        has taken more than a second.
    levels
        ``(description, total bytes)`` per bar, in the order they are advanced by index.

    Examples
    --------
    >>> with WriteProgress(False, [("level 0", 100)]) as bars:
    ...     bars.advance(0, 100)
    >>> bars.completed
    [100]
    """

    def __init__(
        self,
        enabled: bool | None,
        levels: Sequence[tuple[str, int]],
        *,
        console: Any = None,
        delay: float = _DELAY_S,
    ) -> None:
        self.levels = list(levels)
        self.completed = [0] * len(self.levels)
        self._delay = 0.0 if enabled else delay
        self._progress: Any = None
        self._tasks: list[Any] = []
        self._shown = False
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._owned = True
        if enabled is False or not self.levels:
            return
        shared = _SHARED.get()
        if shared is not None:
            self._progress, self._owned = shared, False
            self._tasks = [shared.add_task(name, total=total) for name, total in self.levels]
            return
        if enabled is None and console is None and not _may_be_watched():
            return  # rich costs about 50 ms to import: not for a script's quiet write
        from rich.console import Console

        console = console if console is not None else Console(stderr=True)
        if enabled is None and not (console.is_terminal or console.is_jupyter):
            return
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(binary_units=True),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
        )
        self._tasks = [self._progress.add_task(name, total=total) for name, total in self.levels]

    @property
    def active(self) -> bool:
        """True when bars are (or will be) drawn."""
        return self._progress is not None

    def __enter__(self) -> WriteProgress:
        if self._progress is not None and self._owned:
            if self._delay <= 0:
                self._show()
            else:
                self._timer = threading.Timer(self._delay, self._show)
                self._timer.daemon = True
                self._timer.start()
        return self

    def _show(self) -> None:
        with self._lock:
            if not (self._shown or self._closed) and self._progress is not None:
                self._progress.start()
                self._shown = True

    def advance(self, index: int, nbytes: int) -> None:
        """Record *nbytes* more written for bar *index*."""
        self.completed[index] += nbytes
        if self._progress is not None:
            self._progress.update(self._tasks[index], completed=self.completed[index])

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if not self._owned:
            for task in self._tasks:
                self._progress.remove_task(task)
            return
        with self._lock:
            if self._shown:
                self._progress.stop()
            self._closed = True  # a late timer must not start the display after the write
