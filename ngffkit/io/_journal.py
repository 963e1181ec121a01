"""The write journal: what a resumable write has finished, so that a resume skips it.

`to_ngff_zarr(..., resume=True)` writes into a fixed stage beside its target
(``.<name>.ngffkit-resume``), with this journal in it. The first line is a header: the
plan's digest (every array's shape, dtype, chunks, shards and codecs, and all the metadata
the write will put in the store) and the region grid (memory budget and threads) the
regions were planned with. Each later line names one region whose chunks are all written
(a pyramid, a pass and the region's start). A line is appended only after the region's
writes returned, and a line cut short by a kill is ignored, so a region is either in the
journal and complete, or rewritten on resume.

A resume checks the digest first: a different plan (other pixels' shape or dtype, other
chunks, codecs or metadata) is an `NgffResumeError`, and nothing is changed. The pixels
themselves are not in the digest (hashing them would cost a read of the input): a resume
must be given the same input data, which is what re-running the same command does.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from ngffkit.errors import NgffResumeError

__all__ = ["Journal", "JOURNAL_NAME", "plan_digest"]

JOURNAL_NAME = ".ngffkit-journal"
"""The journal's file name inside the stage; removed before the stage is published."""

_FORMAT = 1


def plan_digest(plan: Any) -> str:
    """A stable digest of a JSON-able description of a write's plan.

    Examples
    --------
    >>> plan_digest({"a": [1, 2]}) == plan_digest({"a": [1, 2]})
    True
    >>> len(plan_digest({"a": 1}))
    64
    """
    text = json.dumps(plan, sort_keys=True, default=repr, allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclasses.dataclass
class Journal:
    """The open journal of one resumable write (local to one `to_ngff_zarr` call).

    Examples
    --------
    >>> import tempfile
    >>> stage = Path(tempfile.mkdtemp())
    >>> j = Journal.open(stage, "abc", budget=1024, workers=2, where="img.zarr")
    >>> j.record("0:0", (0, 0))
    >>> again = Journal.open(stage, "abc", budget=4096, workers=8, where="img.zarr")
    >>> again.is_done("0:0", (0, 0)), again.budget, again.resumed
    (True, 1024, True)
    """

    path: Path
    digest: str
    budget: int
    workers: int
    resumed: bool
    done: set[tuple[str, tuple[int, ...]]]

    @classmethod
    def open(cls, stage: Path, digest: str, *, budget: int, workers: int, where: str) -> Journal:
        """Continue the journal in *stage*, or start one; refuse one of a different plan."""
        path = stage / JOURNAL_NAME
        header, done = _read(path)
        if header is not None:
            if header.get("digest") != digest:
                raise NgffResumeError(
                    f"store {where}: resume=True, but the interrupted write in {stage} had a "
                    f"different plan (shape, dtype, chunks, codecs or metadata differ); nothing "
                    f"was changed. Write without resume=True to start over"
                )
            return cls(
                path,
                digest,
                int(header["budget"]),
                int(header["workers"]),
                resumed=True,
                done=done,
            )
        journal = cls(path, digest, budget, workers, resumed=False, done=set())
        _append(path, {"journal": _FORMAT, "digest": digest, "budget": budget, "workers": workers})
        return journal

    def is_done(self, pass_key: str, start: tuple[int, ...]) -> bool:
        """True if the region of *pass_key* starting at *start* was written completely."""
        return (pass_key, tuple(start)) in self.done

    def record(self, pass_key: str, start: tuple[int, ...]) -> None:
        """Note that every chunk of the region at *start* is written."""
        entry = (pass_key, tuple(int(a) for a in start))
        self.done.add(entry)
        _append(self.path, {"pass": pass_key, "start": list(entry[1])})

    def close(self) -> None:
        """Remove the journal: the stage is complete and about to be published."""
        self.path.unlink(missing_ok=True)


def _append(path: Path, entry: dict[str, Any]) -> None:
    line = json.dumps(entry, separators=(",", ":")) + "\n"
    # One write per line, appended: a kill leaves at most the last line cut short.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def _read(path: Path) -> tuple[dict[str, Any] | None, set[tuple[str, tuple[int, ...]]]]:
    """The header and the regions done; a missing or unreadable header means no journal."""
    try:
        lines = path.read_text().splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        return None, set()
    header: dict[str, Any] | None = None
    done: set[tuple[str, tuple[int, ...]]] = set()
    for number, line in enumerate(lines):
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # the line a kill cut short
        if number == 0:
            if not isinstance(entry, dict) or entry.get("journal") != _FORMAT:
                return None, set()
            header = entry
        elif isinstance(entry, dict) and "pass" in entry:
            done.add((str(entry["pass"]), tuple(int(a) for a in entry["start"])))
    return header, done
