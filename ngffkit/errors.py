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
    """Base of every ngffkit error: `except NgffError` catches them all.

    Examples
    --------
    >>> import ngffkit
    >>> try:
    ...     ngffkit.from_ngff_zarr("no/such/image.ome.zarr")
    ... except ngffkit.NgffError as exc:
    ...     print(type(exc).__name__)
    NgffNotFoundError
    """


class NgffValueError(NgffError, ValueError):
    """A caller passed a bad argument (unknown axis, scale <= 0, unsupported version).

    Examples
    --------
    >>> import numpy as np, ngffkit
    >>> ngffkit.to_ngff_image(np.zeros((4, 4)), dims=("y", "x"), scale={"x": -1})
    Traceback (most recent call last):
    ngffkit.errors.NgffValueError: scale['x']: expected a number > 0, got -1.0
    """


class NgffTypeError(NgffError, TypeError):
    """A caller passed an argument of a type ngffkit cannot use.

    Examples
    --------
    >>> import ngffkit
    >>> ngffkit.to_ngff_image("pixels")
    Traceback (most recent call last):
    ngffkit.errors.NgffTypeError: data: expected a numpy, dask, xarray or zarr array, got str
    """


class NgffValidationError(NgffError, ValueError):
    """Stored metadata or arrays contradict the OME-NGFF version they claim.

    `rule` names the broken rule (for example `"axes-order"`) and `path`
    the JSON path or store path where it was found, when known.

    Examples
    --------
    >>> import ngffkit
    >>> from ngffkit.spec import Axis
    >>> try:
    ...     Axis(name="x", type="channel", orientation="left-to-right")
    ... except ngffkit.NgffValidationError as exc:
    ...     print(exc.rule, isinstance(exc, ValueError))
    axis-orientation-on-non-space True
    """

    def __init__(self, message: str, *, rule: str | None = None, path: str | None = None) -> None:
        super().__init__(message)
        self.rule = rule
        self.path = path


class NgffIncompleteStoreError(NgffValidationError):
    """A store has arrays but no (or unusable) OME metadata: an interrupted or partial write.

    Examples
    --------
    >>> import tempfile, zarr, ngffkit
    >>> store = tempfile.mkdtemp() + "/half.ome.zarr"
    >>> _ = zarr.open_group(store, mode="w").create_array("0", shape=(2, 2), dtype="u1")
    >>> try:
    ...     ngffkit.from_ngff_zarr(store)
    ... except ngffkit.NgffIncompleteStoreError as exc:
    ...     print("no OME-NGFF 'multiscales' metadata" in str(exc))
    True
    """


class NgffNotFoundError(NgffError, FileNotFoundError):
    """A store, group, array or label does not exist where it was looked for.

    Examples
    --------
    >>> import ngffkit
    >>> try:
    ...     ngffkit.from_ngff_zarr("no/such/image.ome.zarr")
    ... except FileNotFoundError as exc:  # the builtin catches it too
    ...     print(type(exc).__name__)
    NgffNotFoundError
    """


class NgffExistsError(NgffError, FileExistsError):
    """The target holds data and `overwrite=True` was not given; nothing was changed.

    Examples
    --------
    >>> import tempfile, numpy as np, ngffkit
    >>> store = tempfile.mkdtemp() + "/image.ome.zarr"
    >>> ms = ngffkit.to_multiscales(ngffkit.to_ngff_image(np.zeros((8, 8), dtype="u1")))
    >>> ngffkit.to_ngff_zarr(store, ms)
    >>> try:
    ...     ngffkit.to_ngff_zarr(store, ms)
    ... except ngffkit.NgffExistsError as exc:
    ...     print("pass overwrite=True" in str(exc))
    True
    """


class NgffKeyError(NgffError, KeyError):
    """A name (label, table, channel, level path) is not among the known ones.

    Examples
    --------
    >>> import tempfile, numpy as np, ngffkit
    >>> store = tempfile.mkdtemp() + "/image.ome.zarr"
    >>> ngffkit.to_ngff_zarr(store, ngffkit.to_multiscales(
    ...     ngffkit.to_ngff_image(np.zeros((8, 8), dtype="u1"))))
    >>> try:
    ...     ngffkit.open_ome_zarr_container(store).get_label("nuclei")
    ... except KeyError as exc:
    ...     print(exc)  # doctest: +ELLIPSIS
    label 'nuclei': not among the labels of ...: [] (this image has no labels)
    """

    def __str__(self) -> str:
        # KeyError's str() wraps the message in quotes; keep the sentence readable.
        return str(self.args[0]) if self.args else ""


class NgffReadOnlyError(NgffError, PermissionError):
    """A write was attempted on a store or container opened read-only.

    Examples
    --------
    >>> import tempfile, numpy as np, ngffkit
    >>> store = tempfile.mkdtemp() + "/image.ome.zarr"
    >>> ngffkit.to_ngff_zarr(store, ngffkit.to_multiscales(
    ...     ngffkit.to_ngff_image(np.zeros((8, 8), dtype="u1"))))
    >>> container = ngffkit.open_ome_zarr_container(store, mode="r")
    >>> try:
    ...     container.derive_label("nuclei")
    ... except PermissionError as exc:
    ...     print(type(exc).__name__, "nothing was written" in str(exc))
    NgffReadOnlyError True
    """


class NgffDependencyError(NgffError, ImportError):
    """An optional extra is needed; the message names the pip extra to install.

    Examples
    --------
    >>> import ngffkit
    >>> issubclass(ngffkit.NgffDependencyError, (ImportError, ngffkit.NgffError))  # caught as either
    True
    """


class NgffConversionError(NgffError, ValueError):
    """Stored data cannot be converted to the requested format (Zarr v2 <-> v3).

    For example a Zarr v2 object array whose codec has no Zarr v3 equivalent, met while
    copying a table from an OME-NGFF 0.4 store into a 0.5 one. The message names the node
    and what was expected.

    Examples
    --------
    >>> import ngffkit
    >>> issubclass(ngffkit.NgffConversionError, (ValueError, ngffkit.NgffError))  # caught as either
    True
    """


class NgffCorruptDataError(NgffError, ValueError):
    """Stored bytes cannot be decoded: a truncated or corrupt chunk or metadata document.

    The message names the store, the key and what the decoder reported.

    Examples
    --------
    >>> import tempfile, pathlib, ngffkit
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "scan.npy"
    >>> _ = path.write_bytes(b"not an array")
    >>> try:
    ...     ngffkit.read_image(path)
    ... except ValueError as exc:  # the builtin catches it too
    ...     print(type(exc).__name__, "not a readable .npy array" in str(exc))
    NgffCorruptDataError True
    """


class NgffResumeError(NgffError, ValueError):
    """``resume=True`` met a store whose interrupted write had a different plan (or none).

    Examples
    --------
    >>> import ngffkit
    >>> issubclass(ngffkit.NgffResumeError, (ValueError, ngffkit.NgffError))  # caught as either
    True
    """


class NgffLockError(NgffError, TimeoutError):
    """Another writer held a store's lock for longer than the lock timeout.

    Examples
    --------
    >>> import ngffkit
    >>> issubclass(ngffkit.NgffLockError, (TimeoutError, ngffkit.NgffError))  # caught as either
    True
    """


class NgffRemoteError(NgffError, ConnectionError):
    """A remote store failed: a server error (5xx) or a lost connection, after the retries.

    Examples
    --------
    >>> import ngffkit
    >>> issubclass(ngffkit.NgffRemoteError, (ConnectionError, ngffkit.NgffError))  # caught as either
    True
    """


class NgffTimeoutError(NgffRemoteError, TimeoutError):
    """A remote store did not answer within the configured timeout.

    Examples
    --------
    >>> import ngffkit
    >>> issubclass(ngffkit.NgffTimeoutError, (TimeoutError, ngffkit.NgffError))  # caught as either
    True
    """


class NgffAuthError(NgffError, PermissionError):
    """A remote store refused the credentials (HTTP 401 / 403).

    Examples
    --------
    >>> import ngffkit
    >>> issubclass(ngffkit.NgffAuthError, (PermissionError, ngffkit.NgffError))  # caught as either
    True
    """


class NgffWarning(UserWarning):
    """Base of every ngffkit warning.

    Examples
    --------
    >>> import warnings, numpy as np, ngffkit
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", ngffkit.NgffWarning)  # strict pipelines: warnings fail
    ...     ngffkit.to_ngff_image(np.zeros((4, 4)), dims=("y", "x"), axes_units="um")
    Traceback (most recent call last):
    ngffkit.errors.NgffUnitWarning: axes_units['y/x']: 'um' is not a UDUNITS-2 name; writing 'micrometer'
    """


class NgffValidationWarning(NgffWarning):
    """Input that can be read but is not strictly compliant with its OME-NGFF version.

    Examples
    --------
    >>> import ngffkit
    >>> issubclass(ngffkit.NgffValidationWarning, ngffkit.NgffWarning)
    True
    """


class NgffUnitWarning(NgffWarning):
    """A unit was given in a common spelling (`um`, `µm`) and normalised to UDUNITS-2.

    Examples
    --------
    >>> import warnings, numpy as np, ngffkit
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = ngffkit.to_ngff_image(np.zeros((4, 4)), dims=("y", "x"), axes_units="um")
    >>> print(caught[0].message)
    axes_units['y/x']: 'um' is not a UDUNITS-2 name; writing 'micrometer'
    """
