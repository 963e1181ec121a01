"""Deriving a new, empty image from a container's: same axes, units, channels and pyramid.

[`OmeZarrContainer.derive_image`][ngffkit.OmeZarrContainer.derive_image] calls
`derive_into`, then opens what it wrote.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import dask.array as da
import numpy as np
from zarr.storage import FsspecStore, LocalStore, StorePath

from ngffkit._container._meta import filled_omero
from ngffkit._container._plan import (
    label_pyramid,
    parse_pixelsize,
    parse_positive,
    parse_version_args,
    zeros_levels,
)
from ngffkit.arrays import to_ngff_image
from ngffkit.errors import NgffValueError
from ngffkit.io.stores import StoreLike, child, describe_store, open_store
from ngffkit.io.tables import read_table_sources
from ngffkit.io.write import to_ngff_zarr
from ngffkit.methods import DEFAULT_IMAGE_METHOD, parse_method
from ngffkit.model import Multiscales, metadata_from_images
from ngffkit.pyramids import ChunksLike, to_multiscales
from ngffkit.spec import WRITABLE_VERSIONS, NgffVersion

if TYPE_CHECKING:
    from ngffkit.methods import Methods

__all__ = ["DeriveSource", "derive_into"]


class DeriveSource(Protocol):
    """What `derive_into` needs of the source container."""

    @property
    def multiscales(self) -> Multiscales: ...

    @property
    def store(self) -> StorePath: ...

    @property
    def version(self) -> str: ...

    def get_image(self, *, path: str | None = None) -> Any: ...

    def list_labels(self) -> list[str]: ...


def _parse_shape(
    shape: Sequence[int] | Mapping[str, int] | None, dims: tuple[str, ...], ref: tuple[int, ...]
) -> tuple[int, ...]:
    """A full shape from all sizes, the trailing ones (``(z, y, x)`` of a ``czyx`` image) or a mapping."""
    if shape is None:
        return ref
    if isinstance(shape, Mapping):
        unknown = sorted(set(shape) - set(dims))
        if unknown:
            raise NgffValueError(
                f"shape: axes {unknown} are not among the image's axes {list(dims)}"
            )
        out = tuple(int(shape.get(d, s)) for d, s in zip(dims, ref, strict=True))
    else:
        values = tuple(int(s) for s in shape)
        if not values or len(values) > len(dims):
            raise NgffValueError(
                f"shape: expected up to {len(dims)} sizes for axes {list(dims)} (trailing axes when "
                f"fewer), got {list(shape)}"
            )
        out = ref[: len(dims) - len(values)] + values
    if any(s < 1 for s in out):
        raise NgffValueError(f"shape: expected sizes >= 1, got {list(out)}")
    return out


def derive_into(
    source: DeriveSource,
    store: StoreLike,
    *,
    ref_path: str | None = None,
    shape: Sequence[int] | Mapping[str, int] | None = None,
    pixelsize: float | Sequence[float] | None = None,
    xy_pixelsize: float | Sequence[float] | None = None,
    z_spacing: float | None = None,
    time_spacing: float | None = None,
    name: str | None = None,
    labels: Sequence[str] | None = None,
    copy_labels: bool = False,
    copy_tables: bool = False,
    dtype: Any = None,
    chunks: ChunksLike | None = None,
    version: NgffVersion | str | None = None,
    ngff_version: NgffVersion | str | None = None,
    method: Methods | str | None = None,
    overwrite: bool = False,
    consolidated: bool = False,
) -> StorePath:
    """Write a new, empty image like *source* into *store* and return where it is.

    The parameters are those of
    [`OmeZarrContainer.derive_image`][ngffkit.OmeZarrContainer.derive_image], which
    calls this and opens the result.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.container import create_empty_ome_zarr
    >>> c = create_empty_ome_zarr(MemoryStore(), (2, 64, 64), pixelsize=0.5, axes_names="cyx")
    >>> sp = derive_into(c, MemoryStore(), shape=(32, 32), pixelsize=1.0)
    >>> import zarr
    >>> sorted(zarr.open_group(sp, mode="r").array_keys())[:2]
    ['0', '1']
    """
    ref = source.get_image(path=ref_path)
    base = ref.image
    dims = base.dims
    new_shape = _parse_shape(shape, dims, base.shape)
    scale = dict(base.scale)
    yx = parse_pixelsize(pixelsize, xy_pixelsize)
    overrides = {
        "z": parse_positive(z_spacing, "z_spacing"),
        "t": parse_positive(time_spacing, "time_spacing"),
    }
    if yx is not None:
        overrides.update(y=yx[0], x=yx[1])
    for d, v in overrides.items():
        if v is not None and d in dims:
            scale[d] = v
    dt = np.dtype(dtype) if dtype is not None else np.dtype(base.dtype)
    same_channels = "c" not in dims or new_shape[dims.index("c")] == base.shape[dims.index("c")]
    chunk_plan: Any = chunks if chunks is not None else dict(zip(dims, ref.chunks, strict=True))

    # Same pyramid as the source: each level's factor relative to level 0.
    images = source.multiscales.images
    factors = [
        {d: max(1, round(img.scale[d] / images[0].scale[d])) for d in images[0].spatial_dims}
        for img in images[1:]
    ]
    try:
        chosen = parse_method(method if method is not None else source.multiscales.method)
    except NgffValueError:
        if method is not None:
            raise
        chosen = DEFAULT_IMAGE_METHOD
    image = to_ngff_image(
        da.zeros(new_shape, dtype=dt, chunks=-1),
        dims=dims,
        scale=scale,
        translation=dict(base.translation),
        name=name if name is not None else (source.multiscales.metadata.name or base.name),
        axes_units=dict(base.axes_units),
        axes_orientations=dict(base.axes_orientations),
        axes_types=dict(base.axes_types),
        channel_names=base.channel_names if same_channels else None,
    )
    ms = to_multiscales(
        image,
        scale_factors=factors,
        method=chosen,
        chunks=chunk_plan,
        paths=source.multiscales.paths,
    )
    ms = zeros_levels(ms)
    if same_channels:
        n_channels = new_shape[dims.index("c")] if "c" in dims else 1
        omero = source.multiscales.omero
        if omero is not None and dt != np.dtype(base.dtype):
            # Windows are in the old dtype's values: let them default to the new range.
            omero = replace(
                omero, channels=tuple(replace(ch, window=None) for ch in omero.channels)
            )
        ms = replace(ms, omero=filled_omero(omero, n_channels=n_channels, dtype=dt))
    new_labels: dict[str, Multiscales] = {}
    if copy_labels:
        new_labels.update(_copied_labels(source, ms))
    for label_name in labels or ():
        if label_name in new_labels:
            raise NgffValueError(
                f"labels: {label_name!r} is also copied from the source (copy_labels=True)"
            )
        new_labels[label_name] = label_pyramid(ms, name=label_name)
    ms = replace(ms, labels=new_labels)
    if copy_tables:
        # Copied as stored (converted between Zarr v2 and v3 if the versions differ).
        ms = replace(ms, tables=read_table_sources(source.store))

    chosen_version = parse_version_args(
        version, ngff_version, source.version if source.version in WRITABLE_VERSIONS else "0.4"
    )
    sp = open_store(store, mode="w")
    if _same_location(sp, source.store):
        raise NgffValueError(
            f"derive_image: the target {describe_store(sp)} is the source image itself; derive into "
            f"a new location (nothing was written)"
        )
    # The new image is empty until filled: metadata only, as create_empty_ome_zarr.
    to_ngff_zarr(
        sp,
        ms,
        version=chosen_version,
        overwrite=overwrite,
        write_empty_chunks=False,
        consolidated=consolidated,
    )
    return sp


def _same_location(a: StorePath, b: StorePath) -> bool:
    """True if two store paths name the same node (local paths compared resolved)."""
    if isinstance(a.store, LocalStore) and isinstance(b.store, LocalStore):
        return (Path(a.store.root) / a.path).resolve() == (Path(b.store.root) / b.path).resolve()
    if a.store is b.store:
        return a.path.strip("/") == b.path.strip("/")
    # Two handles on one remote location (an fsspec URL) describe it the same way.
    return (
        isinstance(a.store, FsspecStore)
        and isinstance(b.store, FsspecStore)
        and (describe_store(a) == describe_store(b))
    )


def _copied_labels(source: DeriveSource, ms: Multiscales) -> dict[str, Multiscales]:
    from ngffkit.io.read import from_ngff_zarr

    out = {}
    for label_name in source.list_labels():
        label = from_ngff_zarr(child(source.store, "labels", label_name), labels=False)
        expected = label_pyramid(ms, name=label_name)
        got = [img.shape for img in label.images]
        want = [img.shape for img in expected.images]
        if got != want:
            raise NgffValueError(
                f"copy_labels: label {label_name!r} has level shapes {got}, the new image needs {want}; "
                f"copy labels only into an image of the same shape (nothing was written)"
            )
        # Level geometry follows the new image (the pixel sizes may have changed).
        images = tuple(
            replace(img, scale=new.scale, translation=new.translation)
            for img, new in zip(label.images, expected.images, strict=True)
        )
        out[label_name] = replace(
            label,
            images=images,
            metadata=metadata_from_images(
                images,
                paths=ms.paths,
                name=label_name,
                method_type=label.metadata.type,
                method_metadata=label.metadata.metadata,
            ),
        )
    return out
