"""One error tree for ngffkit.

Every error ngffkit raises derives from [`NgffError`][ngffkit.NgffError], and each class also
inherits the builtin it stands for, so `except ValueError` keeps working for
callers who do not know about ngffkit.

Messages follow one pattern: *where* (store path and JSON path or argument
name), *what was expected*, and *what was found*.

Examples
--------
>>> from ngffkit.errors import NgffError, NgffValueError
>>> try:
...     raise NgffValueError("scale['x']: expected a number > 0, got -1")
... except NgffError as exc:
...     isinstance(exc, ValueError)
True
"""

from __future__ import annotations

__all__ = [
    "NgffError",
    "NgffValueError",
    "NgffTypeError",
    "NgffValidationError",
    "NgffNotFoundError",
    "NgffExistsError",
    "NgffKeyError",
    "NgffReadOnlyError",
    "NgffDependencyError",
    "NgffConversionError",
    "NgffIncompleteStoreError",
    "NgffCorruptDataError",
    "NgffResumeError",
    "NgffLockError",
    "NgffRemoteError",
    "NgffTimeoutError",
    "NgffAuthError",
    "NgffWarning",
    "NgffValidationWarning",
    "NgffUnitWarning",
]


class NgffError(Exception):
    """Base of every ngffkit error: `except NgffError` catches them all."""


class NgffValueError(NgffError, ValueError):
    """A caller passed a bad argument (unknown axis, scale <= 0, unsupported version)."""


class NgffTypeError(NgffError, TypeError):
    """A caller passed an argument of a type ngffkit cannot use."""


class NgffValidationError(NgffError, ValueError):
    """Stored metadata or arrays contradict the OME-NGFF version they claim.

    `rule` names the broken rule (for example `"axes-order"`) and `path`
    the JSON path or store path where it was found, when known.
    """

    def __init__(self, message: str, *, rule: str | None = None, path: str | None = None) -> None:
        super().__init__(message)
        self.rule = rule
        self.path = path


class NgffIncompleteStoreError(NgffValidationError):
    """A store has arrays but no (or unusable) OME metadata: an interrupted or partial write."""


class NgffNotFoundError(NgffError, FileNotFoundError):
    """A store, group, array or label does not exist where it was looked for."""


class NgffExistsError(NgffError, FileExistsError):
    """The target holds data and `overwrite=True` was not given; nothing was changed."""


class NgffKeyError(NgffError, KeyError):
    """A name (label, table, channel, level path) is not among the known ones."""

    def __str__(self) -> str:
        # KeyError's str() wraps the message in quotes; keep the sentence readable.
        return str(self.args[0]) if self.args else ""


class NgffReadOnlyError(NgffError, PermissionError):
    """A write was attempted on a store or container opened read-only."""


class NgffDependencyError(NgffError, ImportError):
    """An optional extra is needed; the message names the pip extra to install."""


class NgffConversionError(NgffError, ValueError):
    """Stored data cannot be converted to the requested format (Zarr v2 <-> v3).

    For example a Zarr v2 object array whose codec has no Zarr v3 equivalent, met while
    copying a table from an OME-NGFF 0.4 store into a 0.5 one. The message names the node
    and what was expected.
    """


class NgffCorruptDataError(NgffError, ValueError):
    """Stored bytes cannot be decoded: a truncated or corrupt chunk or metadata document.

    The message names the store, the key and what the decoder reported.
    """


class NgffResumeError(NgffError, ValueError):
    """``resume=True`` met a store whose interrupted write had a different plan (or none)."""


class NgffLockError(NgffError, TimeoutError):
    """Another writer held a store's lock for longer than the lock timeout."""


class NgffRemoteError(NgffError, ConnectionError):
    """A remote store failed: a server error (5xx) or a lost connection, after the retries."""


class NgffTimeoutError(NgffRemoteError, TimeoutError):
    """A remote store did not answer within the configured timeout."""


class NgffAuthError(NgffError, PermissionError):
    """A remote store refused the credentials (HTTP 401 / 403)."""


class NgffWarning(UserWarning):
    """Base of every ngffkit warning."""


class NgffValidationWarning(NgffWarning):
    """Input that can be read but is not strictly compliant with its OME-NGFF version."""


class NgffUnitWarning(NgffWarning):
    """A unit was given in a common spelling (`um`, `µm`) and normalised to UDUNITS-2."""
