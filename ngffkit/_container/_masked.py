"""Masked images and labels: one level of an image (or label) read and written per object.

A `MaskedImage` is an `Image` with a masking label and its masking ROI table, as ngio's:
`get_roi(label=...)` reads the box of one object (grown by `zoom_factor`),
`get_roi_masked(label=...)` reads it with every pixel outside the object set to 0, and
`set_roi_masked(label=..., patch=...)` writes only the object's pixels (the others keep
what is stored). The mask is the masking label at its level nearest to this one; when the
levels differ, each pixel takes the label of the pixel whose centre covers its centre
(`allow_rescaling=False` refuses that instead). Reads go through one implementation
(`_read`) and writes through another (`_write`); the ngio-named methods only pick their
arguments.

Where ngio 1.1 differs: with a box that does not fall on the label's pixel grid (a
`zoom_factor` other than 1 on an image finer than its label), ngio zooms the label's box
as a whole and can place the mask up to one label pixel off (a 2 x 2 object read as 3 x 3);
ngffkit keeps each pixel on the label pixel under its centre. On aligned boxes (the boxes of
a masking ROI table built from the label, `zoom_factor=1`) both give the same pixels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

import dask.array as da
import numpy as np

from ngffkit._container._handles import ArrayMode, Image, Label, _LevelHandle
from ngffkit._container._select import Selection, fit_patch, to_axes_order
from ngffkit.errors import NgffValueError
from ngffkit.io.read import from_ngff_zarr
from ngffkit.rois import Roi
from ngffkit.tables import MaskingRoiTable

__all__ = ["MaskedImage", "MaskedLabel"]

Merge = Callable[[np.ndarray, np.ndarray], Any]
"""How a patch combines with the stored pixels: `(stored, patch) -> pixels`."""

_MERGES: Final[dict[str, Merge]] = {
    "max": np.maximum,
    "min": np.minimum,
    "sum": np.add,
    "keep_nonzero": lambda stored, patch: np.where(patch != 0, patch, stored),
}


def _positions(index: int | slice | tuple[int, ...]) -> np.ndarray:
    if isinstance(index, int):
        return np.asarray([index])
    if isinstance(index, slice):
        return np.arange(index.start, index.stop, index.step or 1)
    return np.asarray(index)


def _label_key(mapped: np.ndarray) -> slice | np.ndarray:
    """A slice when the label pixels are a run (the same level), else the pixel indices."""
    first = int(mapped[0])
    if np.array_equal(mapped, np.arange(first, first + len(mapped))):
        return slice(first, first + len(mapped))
    return mapped


def object_mask(
    data_handle: _LevelHandle,
    sel: Selection,
    label: Label,
    value: int,
    *,
    allow_rescaling: bool = True,
) -> da.Array:
    """Where the object *value* of *label* is, over *sel*'s pixels (full shape); lazy.

    Each selected pixel of *data_handle*'s level maps to the label pixel whose box holds its
    centre (the same pixel when the levels are equal). Axes the label lacks (``c``)
    broadcast. Nothing is read: the mask is a dask array over the label's box.
    """
    data_scale, label_scale = data_handle.image.scale, label.image.scale
    keys: list[slice | np.ndarray] = []
    for dim, size in zip(label.axes_names, label.shape, strict=True):
        if dim not in sel.dims:
            if size != 1:
                raise NgffValueError(
                    f"masking label {label.name!r} has an axis {dim!r} of size {size} that "
                    f"{data_handle._where()} lacks; it cannot mask it"
                )
            keys.append(slice(0, 1))
            continue
        ratio = data_scale.get(dim, 1.0) / label_scale.get(dim, 1.0)
        if not allow_rescaling and not np.isclose(ratio, 1.0):
            raise NgffValueError(
                f"allow_rescaling=False: masking label {label.name!r} has pixel size "
                f"{label_scale.get(dim)} on {dim!r}, {data_handle._where()} has "
                f"{data_scale.get(dim)}; pass allow_rescaling=True to map each pixel to the "
                f"label pixel under its centre"
            )
        positions = _positions(sel.index[sel.dims.index(dim)])
        mapped = np.clip(np.floor((positions + 0.5) * ratio).astype(np.int64), 0, size - 1)
        keys.append(_label_key(mapped))
    # The box first (a slice per axis), then the pixel picks inside it, one axis at a time.
    box = tuple(k if isinstance(k, slice) else slice(int(k.min()), int(k.max()) + 1) for k in keys)
    block = label.image.data[box]
    for axis, key in enumerate(keys):
        if not isinstance(key, slice):
            block = block[(slice(None),) * axis + (key - key.min(),)]
    mask = block == value
    dims = list(label.axes_names)
    for dim in [d for d in dims if d not in sel.dims]:
        mask = da.squeeze(mask, axis=dims.index(dim))
        dims.remove(dim)
    for dim in sel.dims:
        if dim not in dims:
            mask = mask[..., None]
            dims.append(dim)
    mask = mask.transpose([dims.index(d) for d in sel.dims])
    out: da.Array = da.broadcast_to(mask, sel.full_shape)
    return out


def _no_transforms(transforms: Sequence[object] | None) -> None:
    if transforms:
        raise NgffValueError(
            f"transforms: ngffkit's images take no ngio transforms (got {list(transforms)!r}); "
            f"read the array and transform it, or pass transforms=None"
        )


def _merge_of(merge: str | Merge | None) -> Merge | None:
    if merge is None or callable(merge):
        return merge
    if merge in _MERGES:
        return _MERGES[merge]
    raise NgffValueError(
        f"merge: expected one of {sorted(_MERGES)} or a function (stored, patch) -> pixels, "
        f"got {merge!r}"
    )


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class _Masked(_LevelHandle):
    """What a masked image and a masked label share."""

    masking_label: Label
    """The label image whose objects mask this one (at the level nearest to this one)."""
    masking_table: MaskingRoiTable
    """The boxes of the objects (indexed by label value)."""

    def _reopen(self) -> Any:
        return replace(self, multiscales=from_ngff_zarr(self.store, labels=False))

    def _object_roi(self, label: int, zoom_factor: float) -> Roi:
        return self.masking_table.get_label(label).zoom(zoom_factor)

    def _object_box(
        self, label: int, zoom_factor: float, slices: dict[str, object], channel_selection: object
    ) -> tuple[dict[str, object], Selection]:
        """The region of the object *label*'s box (narrowed by *slices*) and its pixels."""
        region = self._region(self._object_roi(label, zoom_factor), slices)
        return region, self._selection(region, channel_selection)

    def _object_mask(self, sel: Selection, label: int, allow_rescaling: bool) -> da.Array:
        return object_mask(self, sel, self.masking_label, label, allow_rescaling=allow_rescaling)

    # ------------------------------------------------------------------ the one read, the one write
    def _read(
        self,
        label: int,
        zoom_factor: float,
        *,
        masked: bool,
        mode: ArrayMode,
        channel_selection: object,
        axes_order: Sequence[str] | None,
        transforms: Sequence[object] | None,
        slices: dict[str, object],
        allow_rescaling: bool = True,
    ) -> Any:
        """The box of the object *label*, its outside set to 0 when *masked*."""
        _no_transforms(transforms)
        if not masked:
            return _LevelHandle.get_roi(
                self,
                self._object_roi(label, zoom_factor),
                mode=mode,
                axes_order=axes_order,
                channel_selection=channel_selection,
                **slices,
            )
        if mode not in ("numpy", "dask"):
            raise NgffValueError(f"mode: expected 'numpy' or 'dask', got {mode!r}")
        region, sel = self._object_box(label, zoom_factor, slices, channel_selection)
        mask = self._object_mask(sel, label, allow_rescaling)
        data = self.get_array(mode="dask", channel_selection=channel_selection, **region)  # type: ignore[arg-type]
        kept = mask.reshape(sel.shape) if sel.shape != sel.full_shape else mask
        out = da.where(kept, data, da.zeros((), dtype=data.dtype)).astype(data.dtype)
        if axes_order is not None:
            out = to_axes_order(out, sel.kept_dims, axes_order)
        return np.asarray(out.compute()) if mode == "numpy" else out

    def _write(
        self,
        label: int,
        patch: Any,
        zoom_factor: float,
        *,
        masked: bool,
        channel_selection: object,
        axes_order: Sequence[str] | None,
        transforms: Sequence[object] | None,
        merge: str | Merge | None,
        slices: dict[str, object],
        allow_rescaling: bool = True,
    ) -> Any:
        """Write *patch* into the box of the object *label* (only on the object when *masked*)."""
        self._require_writable("set_roi_masked" if masked else "set_roi")
        _no_transforms(transforms)
        combine = _merge_of(merge)
        region, sel = self._object_box(label, zoom_factor, slices, channel_selection)
        new = fit_patch(patch, sel, axes_order, self.dtype, f"{self._where()} ({sel.describe()})")
        if not masked and combine is None:
            return self.set_array(new, channel_selection=channel_selection, **region)  # type: ignore[arg-type]
        mask = self._object_mask(sel, label, allow_rescaling) if masked else None
        stored = self.get_array(mode="dask", channel_selection=channel_selection, **region)  # type: ignore[arg-type]
        existing = np.asarray(stored.compute()).reshape(sel.full_shape)
        pixels = np.asarray(new)
        if combine is not None:
            pixels = np.asarray(combine(existing, pixels))
            if pixels.shape != existing.shape:
                raise NgffValueError(
                    f"merge {merge!r}: gave shape {pixels.shape} for a region of shape "
                    f"{existing.shape}; a merge keeps the region's shape (nothing was written)"
                )
        if mask is not None:
            pixels = np.where(np.asarray(mask), pixels, existing)
        merged = pixels.astype(self.dtype)
        return self.set_array(merged, channel_selection=channel_selection, **region)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ ngio's names
    def get_roi(  # type: ignore[override]
        self,
        label: int,
        zoom_factor: float = 1.0,
        *,
        mode: ArrayMode = "numpy",
        axes_order: Sequence[str] | None = None,
        channel_selection: object = None,
        transforms: Sequence[object] | None = None,
        **slices: object,
    ) -> Any:
        """The box of the object *label* (grown by *zoom_factor* around its centre), unmasked.

        *transforms* is there for ngio's signature: ngffkit takes none (None or empty).

        Examples
        --------
        >>> import numpy as np
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_ome_zarr_from_array
        >>> pixels = np.arange(1, 37, dtype="uint8").reshape(6, 6)
        >>> c = create_ome_zarr_from_array(MemoryStore(), pixels, pixelsize=1.0)
        >>> cells = np.zeros((6, 6), "uint32"); cells[1:3, 1:4] = 5; cells[2, 1] = 0
        >>> _ = c.derive_label("cells").set_array(cells)
        >>> masked = c.get_masked_image("cells")
        >>> masked.get_roi(label=5)
        array([[ 8,  9, 10],
               [14, 15, 16]], dtype=uint8)
        >>> masked.get_roi(label=5, zoom_factor=2).shape
        (4, 6)
        """
        return self._read(
            label,
            zoom_factor,
            masked=False,
            mode=mode,
            channel_selection=channel_selection,
            axes_order=axes_order,
            transforms=transforms,
            slices=slices,
        )

    def get_roi_as_numpy(  # type: ignore[override]
        self,
        label: int,
        zoom_factor: float = 1.0,
        *,
        channel_selection: object = None,
        axes_order: Sequence[str] | None = None,
        transforms: Sequence[object] | None = None,
        **slices: object,
    ) -> np.ndarray:
        """`get_roi(label, mode="numpy", ...)` (ngio's name).

        Examples
        --------
        >>> import numpy as np
        >>> from ngffkit.container import create_ome_zarr_from_array
        >>> c = create_ome_zarr_from_array({}, np.ones((6, 6), "uint8"), pixelsize=1.0)
        >>> _ = c.derive_label("cells").set_array(np.eye(6, dtype="uint32"))
        >>> c.get_masked_image("cells").get_roi_as_numpy(1).shape
        (6, 6)
        """
        out: np.ndarray = self.get_roi(
            label,
            zoom_factor,
            mode="numpy",
            axes_order=axes_order,
            channel_selection=channel_selection,
            transforms=transforms,
            **slices,
        )
        return out

    def get_roi_as_dask(  # type: ignore[override]
        self,
        label: int,
        zoom_factor: float = 1.0,
        *,
        channel_selection: object = None,
        axes_order: Sequence[str] | None = None,
        transforms: Sequence[object] | None = None,
        **slices: object,
    ) -> da.Array:
        """`get_roi(label, mode="dask", ...)` (ngio's name); nothing is read.

        Examples
        --------
        >>> import numpy as np
        >>> from ngffkit.container import create_ome_zarr_from_array
        >>> c = create_ome_zarr_from_array({}, np.ones((6, 6), "uint8"), pixelsize=1.0)
        >>> _ = c.derive_label("cells").set_array(np.eye(6, dtype="uint32"))
        >>> c.get_masked_image("cells").get_roi_as_dask(1).chunksize
        (6, 6)
        """
        out: da.Array = self.get_roi(
            label,
            zoom_factor,
            mode="dask",
            axes_order=axes_order,
            channel_selection=channel_selection,
            transforms=transforms,
            **slices,
        )
        return out

    def set_roi(  # type: ignore[override]
        self,
        label: int,
        patch: Any,
        zoom_factor: float = 1.0,
        *,
        axes_order: Sequence[str] | None = None,
        channel_selection: object = None,
        transforms: Sequence[object] | None = None,
        merge: str | Merge | None = None,
        **slices: object,
    ) -> Any:
        """Write *patch* into the whole box of the object *label* (every pixel of the box).

        *merge* combines the patch with the stored pixels, as ngio's: `"max"`, `"min"`,
        `"sum"`, `"keep_nonzero"`, or a function `(stored, patch) -> pixels`.

        Examples
        --------
        >>> import numpy as np
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_ome_zarr_from_array
        >>> pixels = np.arange(1, 37, dtype="uint8").reshape(6, 6)
        >>> c = create_ome_zarr_from_array(MemoryStore(), pixels, pixelsize=1.0)
        >>> cells = np.zeros((6, 6), "uint32"); cells[1:3, 1:4] = 5; cells[2, 1] = 0
        >>> _ = c.derive_label("cells").set_array(cells)
        >>> masked = c.get_masked_image("cells")
        >>> masked = masked.set_roi(5, np.zeros((2, 3), "uint8"))
        >>> int(masked.get_roi(label=5).sum())
        0
        >>> masked.set_roi(5, np.full((2, 3), 9, "uint8"), merge="max").get_roi(label=5)[0]
        array([9, 9, 9], dtype=uint8)
        """
        return self._write(
            label,
            patch,
            zoom_factor,
            masked=False,
            channel_selection=channel_selection,
            axes_order=axes_order,
            transforms=transforms,
            merge=merge,
            slices=slices,
        )

    def get_roi_masked(
        self,
        label: int,
        channel_selection: object = None,
        zoom_factor: float = 1.0,
        axes_order: Sequence[str] | None = None,
        mode: ArrayMode = "numpy",
        *,
        transforms: Sequence[object] | None = None,
        allow_rescaling: bool = True,
        **slices: object,
    ) -> Any:
        """The box of the object *label* with every pixel outside the object set to 0.

        With ``mode="dask"`` nothing is read, neither the pixels nor the label: the
        mask is computed with them. When the masking label is at another level, each
        pixel takes the label pixel under its centre; ``allow_rescaling=False`` makes
        that an error instead (as in ngio).

        Raises
        ------
        NgffKeyError
            If the masking table has no object *label*.
        NgffValueError
            With ``allow_rescaling=False`` and the label at another pixel size.

        Examples
        --------
        >>> import numpy as np
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_ome_zarr_from_array
        >>> pixels = np.arange(1, 37, dtype="uint8").reshape(6, 6)
        >>> c = create_ome_zarr_from_array(MemoryStore(), pixels, pixelsize=1.0)
        >>> cells = np.zeros((6, 6), "uint32"); cells[1:3, 1:4] = 5; cells[2, 1] = 0
        >>> _ = c.derive_label("cells").set_array(cells)
        >>> masked = c.get_masked_image("cells")
        >>> masked.get_roi_masked(label=5)
        array([[ 8,  9, 10],
               [ 0, 15, 16]], dtype=uint8)
        """
        return self._read(
            label,
            zoom_factor,
            masked=True,
            mode=mode,
            channel_selection=channel_selection,
            axes_order=axes_order,
            transforms=transforms,
            allow_rescaling=allow_rescaling,
            slices=slices,
        )

    def get_roi_masked_as_numpy(
        self,
        label: int,
        channel_selection: object = None,
        zoom_factor: float = 1.0,
        axes_order: Sequence[str] | None = None,
        *,
        transforms: Sequence[object] | None = None,
        allow_rescaling: bool = True,
        **slices: object,
    ) -> np.ndarray:
        """`get_roi_masked(..., mode="numpy")` (ngio's name).

        Examples
        --------
        >>> import numpy as np
        >>> from ngffkit.container import create_ome_zarr_from_array
        >>> c = create_ome_zarr_from_array({}, np.ones((6, 6), "uint8"), pixelsize=1.0)
        >>> _ = c.derive_label("cells").set_array(np.eye(6, dtype="uint32"))
        >>> int(c.get_masked_image("cells").get_roi_masked_as_numpy(1).sum())
        6
        """
        out: np.ndarray = self.get_roi_masked(
            label,
            channel_selection,
            zoom_factor,
            axes_order,
            "numpy",
            transforms=transforms,
            allow_rescaling=allow_rescaling,
            **slices,
        )
        return out

    def get_roi_masked_as_dask(
        self,
        label: int,
        channel_selection: object = None,
        zoom_factor: float = 1.0,
        axes_order: Sequence[str] | None = None,
        *,
        transforms: Sequence[object] | None = None,
        allow_rescaling: bool = True,
        **slices: object,
    ) -> da.Array:
        """`get_roi_masked(..., mode="dask")` (ngio's name); nothing is read.

        Examples
        --------
        >>> import numpy as np
        >>> from ngffkit.container import create_ome_zarr_from_array
        >>> c = create_ome_zarr_from_array({}, np.ones((6, 6), "uint8"), pixelsize=1.0)
        >>> _ = c.derive_label("cells").set_array(np.eye(6, dtype="uint32"))
        >>> int(c.get_masked_image("cells").get_roi_masked_as_dask(1).sum().compute())
        6
        """
        out: da.Array = self.get_roi_masked(
            label,
            channel_selection,
            zoom_factor,
            axes_order,
            "dask",
            transforms=transforms,
            allow_rescaling=allow_rescaling,
            **slices,
        )
        return out

    def set_roi_masked(
        self,
        label: int,
        patch: Any,
        channel_selection: object = None,
        axes_order: Sequence[str] | None = None,
        zoom_factor: float = 1.0,
        *,
        transforms: Sequence[object] | None = None,
        allow_rescaling: bool = True,
        merge: str | Merge | None = None,
        **slices: object,
    ) -> Any:
        """Write the pixels of *patch* that lie on the object *label*; the others keep theirs.

        *patch* is shaped like `get_roi_masked` returns with the same arguments. On the
        object, *merge* combines the patch with the stored pixels as ngio's does
        (`"max"`, `"min"`, `"sum"`, `"keep_nonzero"`, or a function
        `(stored, patch) -> pixels`); off it, the stored pixels always stay. Lower levels
        are not updated: call `consolidate` when done writing.

        Raises
        ------
        NgffReadOnlyError
            If the container was opened read-only (nothing is written).
        NgffValueError
            If *patch*'s shape or dtype does not fit, or *merge* is unknown (nothing is
            written).

        Examples
        --------
        >>> import numpy as np
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_ome_zarr_from_array
        >>> pixels = np.arange(1, 37, dtype="uint8").reshape(6, 6)
        >>> c = create_ome_zarr_from_array(MemoryStore(), pixels, pixelsize=1.0)
        >>> cells = np.zeros((6, 6), "uint32"); cells[1:3, 1:4] = 5; cells[2, 1] = 0
        >>> _ = c.derive_label("cells").set_array(cells)
        >>> masked = c.get_masked_image("cells")
        >>> masked = masked.set_roi_masked(label=5, patch=np.zeros((2, 3), "uint8"))
        >>> masked.get_roi(label=5)
        array([[ 0,  0,  0],
               [14,  0,  0]], dtype=uint8)
        """
        return self._write(
            label,
            patch,
            zoom_factor,
            masked=True,
            channel_selection=channel_selection,
            axes_order=axes_order,
            transforms=transforms,
            allow_rescaling=allow_rescaling,
            merge=merge,
            slices=slices,
        )

    def _masked_by(self) -> str:
        return f"masked by {self.masking_label.name!r}"


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class MaskedImage(_Masked, Image):
    """One level of an image, read and written per object of a masking label (as ngio's).

    Get one with
    [`OmeZarrContainer.get_masked_image`][ngffkit.OmeZarrContainer.get_masked_image].

    Examples
    --------
    >>> import numpy as np
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.container import create_ome_zarr_from_array
    >>> pixels = np.arange(1, 37, dtype="uint8").reshape(6, 6)
    >>> c = create_ome_zarr_from_array(MemoryStore(), pixels, pixelsize=1.0)
    >>> cells = np.zeros((6, 6), "uint32"); cells[1:3, 1:4] = 5; cells[2, 1] = 0
    >>> _ = c.derive_label("cells").set_array(cells)
    >>> masked = c.get_masked_image("cells")
    >>> masked.get_roi_masked(5).tolist()  # the object's box; pixels outside it are 0
    [[8, 9, 10], [0, 15, 16]]
    """

    def __repr__(self) -> str:
        return f"MaskedImage({self._summary()}, {self._masked_by()})"


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class MaskedLabel(_Masked, Label):
    """One level of a label image, read and written per object of another label (as ngio's).

    Get one with
    [`OmeZarrContainer.get_masked_label`][ngffkit.OmeZarrContainer.get_masked_label].

    Examples
    --------
    >>> import numpy as np
    >>> from zarr.storage import MemoryStore
    >>> from ngffkit.container import create_ome_zarr_from_array
    >>> pixels = np.arange(1, 37, dtype="uint8").reshape(6, 6)
    >>> c = create_ome_zarr_from_array(MemoryStore(), pixels, pixelsize=1.0)
    >>> cells = np.zeros((6, 6), "uint32"); cells[1:3, 1:4] = 5; cells[2, 1] = 0
    >>> _ = c.derive_label("cells").set_array(cells)
    >>> masked = c.get_masked_label("cells", "cells")
    >>> masked.get_roi(5).tolist()  # the box of object 5 in the label itself
    [[5, 5, 5], [0, 5, 5]]
    """

    def __repr__(self) -> str:
        return f"MaskedLabel({self.name!r}, {self._summary()}, {self._masked_by()})"
