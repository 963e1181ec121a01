"""``fractal_fsspec_store``: a read-only HTTP(S) store, optionally with a bearer token."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zarr.core.buffer import default_buffer_prototype
from zarr.core.sync import sync
from zarr.storage import FsspecStore, StorePath

from ngffkit.errors import NgffAuthError, NgffNotFoundError
from ngffkit.io.stores import open_store, prefetch_metadata

__all__ = ["fractal_fsspec_store"]

_PROBE_KEYS = ("zarr.json", ".zattrs", ".zgroup")
"""Keys one of which every zarr v3 / v2 group has (ngio 0.4 probed only the v2 ones)."""


def _probe(store: FsspecStore, url: str, token_given: bool) -> None:
    try:
        # All candidates in one round trip; the store keeps them for the container's open.
        prefetch_metadata(StorePath(store, ""), groups=[""])
        for key in _PROBE_KEYS:
            if sync(store.get(key, prototype=default_buffer_prototype())) is not None:
                return
    except NgffAuthError as exc:  # the store's own error, already free of the token
        hint = "the token was refused" if token_given else "the server wants a fractal_token"
        raise NgffAuthError(f"{exc} ({hint})") from None
    raise NgffNotFoundError(
        f"store {url!r}: no zarr group there (looked for {', '.join(_PROBE_KEYS)}): "
        f"check the URL points at an OME-Zarr image group"
    )


def fractal_fsspec_store(
    url: str,
    fractal_token: str | None = None,
    client_kwargs: Mapping[str, Any] | None = None,
) -> FsspecStore:
    """Return a read-only zarr store over HTTP(S) for *url*; reads one small key to check it.

    The ngio helper of the same name, for zarr v3: *fractal_token* becomes an
    ``Authorization: Bearer <token>`` header on every request. Pass the result to
    [`open_ome_zarr_container`][ngffkit.open_ome_zarr_container].

    Parameters
    ----------
    url
        URL of an OME-Zarr group (an image, or a plate).
    fractal_token
        Bearer token for a Fractal server, or None for public data.
    client_kwargs
        Extra options for the aiohttp client session (``headers``, ``timeout`` ...).

    Returns
    -------
    zarr.storage.FsspecStore

    Raises
    ------
    NgffNotFoundError
        If no zarr group answers at *url*.
    NgffAuthError
        If the server refuses access (HTTP 401 / 403); a `PermissionError`.
    NgffRemoteError
        If the server fails (5xx) or cannot be reached, after the retries.
    NgffDependencyError
        If aiohttp (``pip install 'ngffkit[http]'``) is missing.

    Examples
    --------
    >>> fractal_fsspec_store("http://127.0.0.1:9/nothing.zarr")
    Traceback (most recent call last):
    ...
    ngffkit.errors.NgffRemoteError: store http://127.0.0.1:9/nothing.zarr: connection failed ...
    """
    kwargs = dict(client_kwargs or {})
    if fractal_token is not None:
        kwargs["headers"] = {
            **dict(kwargs.get("headers") or {}),
            "Authorization": f"Bearer {fractal_token}",
        }
    sp = open_store(url, mode="r", storage_options={"client_kwargs": kwargs} if kwargs else None)
    store = sp.store
    assert isinstance(store, FsspecStore)  # open_store maps every URL to an FsspecStore
    _probe(store, url, fractal_token is not None)
    return store
