"""Masked images and labels: one level of an image (or label) read and written per object.

A `MaskedImage` is an `Image` with a masking label and its masking ROI table, as ngio's:
`get_roi(label=...)` reads the box of one object (grown by `zoom_factor`),
`get_roi_masked(label=...)` reads it with every pixel outside the object set to 0, and
`set_roi_masked(label=..., patch=...)` writes only the object's pixels (the others keep
what is stored). The mask is the masking label at its level nearest to this one; when the
levels differ, each pixel takes the label of the pixel whose centre covers its centre.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import dask.array as da
import numpy as np

from ngffkit._container._handles import ArrayMode, Image, Label, _LevelHandle
from ngffkit._container._select import Selection, fit_patch, to_axes_order
from ngffkit.errors import NgffValueError
from ngffkit.io.read import from_ngff_zarr
from ngffkit.rois import Roi
from ngffkit.tables import MaskingRoiTable

__all__ = ["MaskedImage", "MaskedLabel"]


def _positions(index: int | slice | tuple[int, ...]) -> np.ndarray:
    if isinstance(index, int):
        return np.asarray([index])
    if isinstance(index, slice):
        return np.arange(index.start, index.stop, index.step or 1)
    return np.asarray(index)


def object_mask(data_handle: _LevelHandle, sel: Selection, label: Label, value: int) -> np.ndarray:
    """Where the object *value* of *label* is, over *sel*'s pixels (full shape); reads the label.

    Each selected pixel of *data_handle*'s level maps to the label pixel whose box holds its
    centre (the same pixel when the levels are equal). Axes the label lacks (``c``) broadcast.
    """
    data_scale, label_scale = data_handle.image.scale, label.image.scale
    indices = []
    for dim, size in zip(label.axes_names, label.shape, strict=True):
        if dim not in sel.dims:
            if size != 1:
                raise NgffValueError(
                    f"masking label {label.name!r} has an axis {dim!r} of size {size} that "
                    f"{data_handle._where()} lacks; it cannot mask it"
                )
            indices.append(np.asarray([0]))
            continue
        positions = _positions(sel.index[sel.dims.index(dim)])
        ratio = data_scale.get(dim, 1.0) / label_scale.get(dim, 1.0)
        mapped = np.floor((positions + 0.5) * ratio).astype(np.int64)
        indices.append(np.clip(mapped, 0, size - 1))
    box = tuple(slice(int(i.min()), int(i.max()) + 1) for i in indices)
    block = np.asarray(label.image.data[box].compute())
    for axis, index in enumerate(indices):
        block = np.take(block, index - index.min(), axis=axis)
    mask = block == value
    dims = list(label.axes_names)
    for dim in [d for d in dims if d not in sel.dims]:
        mask = mask.squeeze(axis=dims.index(dim))
        dims.remove(dim)
    for dim in sel.dims:
        if dim not in dims:
            mask = mask[..., None]
            dims.append(dim)
    mask = mask.transpose([dims.index(d) for d in sel.dims])
    return np.broadcast_to(mask, sel.full_shape)


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

    def get_roi(  # type: ignore[override]
        self,
        label: int,
        zoom_factor: float = 1.0,
        *,
        mode: ArrayMode = "numpy",
        axes_order: Sequence[str] | None = None,
        channel_selection: object = None,
        **slices: object,
    ) -> Any:
        """The box of the object *label* (grown by *zoom_factor* around its centre), unmasked.

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
        roi = self._object_roi(label, zoom_factor)
        return _LevelHandle.get_roi(
            self,
            roi,
            mode=mode,
            axes_order=axes_order,
            channel_selection=channel_selection,
            **slices,
        )

    def get_roi_as_numpy(  # type: ignore[override]
        self,
        label: int,
        zoom_factor: float = 1.0,
        *,
        channel_selection: object = None,
        axes_order: Sequence[str] | None = None,
        **slices: object,
    ) -> np.ndarray:
        """`get_roi(label, mode="numpy", ...)` (ngio's name).

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
        >>> masked.get_roi_as_numpy(5).shape
        (2, 3)
        """
        out: np.ndarray = self.get_roi(
            label,
            zoom_factor,
            mode="numpy",
            axes_order=axes_order,
            channel_selection=channel_selection,
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
        **slices: object,
    ) -> da.Array:
        """`get_roi(label, mode="dask", ...)` (ngio's name); nothing is read.

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
        >>> masked.get_roi_as_dask(5).shape
        (2, 3)
        """
        out: da.Array = self.get_roi(
            label,
            zoom_factor,
            mode="dask",
            axes_order=axes_order,
            channel_selection=channel_selection,
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
        **slices: object,
    ) -> Any:
        """Write *patch* into the whole box of the object *label* (every pixel of the box).

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
        """
        roi = self._object_roi(label, zoom_factor)
        return _LevelHandle.set_roi(
            self, patch, roi, axes_order=axes_order, channel_selection=channel_selection, **slices
        )

    def _masked_selection(
        self, label: int, zoom_factor: float, channel_selection: object, slices: dict[str, object]
    ) -> tuple[dict[str, object], Selection, np.ndarray]:
        region = self._region(self._object_roi(label, zoom_factor), slices)
        sel = self._selection(region, channel_selection)
        return region, sel, object_mask(self, sel, self.masking_label, label)

    def get_roi_masked(
        self,
        label: int,
        channel_selection: object = None,
        zoom_factor: float = 1.0,
        axes_order: Sequence[str] | None = None,
        mode: ArrayMode = "numpy",
        **slices: object,
    ) -> Any:
        """The box of the object *label* with every pixel outside the object set to 0.

        The mask is read when this is called (the label's box, small); with
        ``mode="dask"`` the pixels stay lazy.

        Raises
        ------
        NgffKeyError
            If the masking table has no object *label*.

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
        if mode not in ("numpy", "dask"):
            raise NgffValueError(f"mode: expected 'numpy' or 'dask', got {mode!r}")
        region, sel, mask = self._masked_selection(label, zoom_factor, channel_selection, slices)
        data = self.get_array(mode="dask", channel_selection=channel_selection, **region)  # type: ignore[arg-type]
        kept = mask.reshape(sel.shape) if sel.shape != sel.full_shape else mask
        out = da.where(kept, data, da.zeros((), dtype=data.dtype)).astype(data.dtype)
        if axes_order is not None:
            out = to_axes_order(out, sel.kept_dims, axes_order)
        return np.asarray(out.compute()) if mode == "numpy" else out

    def get_roi_masked_as_numpy(
        self,
        label: int,
        channel_selection: object = None,
        zoom_factor: float = 1.0,
        axes_order: Sequence[str] | None = None,
        **slices: object,
    ) -> np.ndarray:
        """`get_roi_masked(..., mode="numpy")` (ngio's name).

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
        >>> int(masked.get_roi_masked_as_numpy(5).sum())
        58
        """
        out: np.ndarray = self.get_roi_masked(
            label, channel_selection, zoom_factor, axes_order, "numpy", **slices
        )
        return out

    def get_roi_masked_as_dask(
        self,
        label: int,
        channel_selection: object = None,
        zoom_factor: float = 1.0,
        axes_order: Sequence[str] | None = None,
        **slices: object,
    ) -> da.Array:
        """`get_roi_masked(..., mode="dask")` (ngio's name).

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
        >>> int(masked.get_roi_masked_as_dask(5).sum().compute())
        58
        """
        out: da.Array = self.get_roi_masked(
            label, channel_selection, zoom_factor, axes_order, "dask", **slices
        )
        return out

    def set_roi_masked(
        self,
        label: int,
        patch: Any,
        channel_selection: object = None,
        axes_order: Sequence[str] | None = None,
        zoom_factor: float = 1.0,
        **slices: object,
    ) -> Any:
        """Write the pixels of *patch* that lie on the object *label*; the others keep theirs.

        *patch* is shaped like `get_roi_masked` returns with the same arguments. Lower
        levels are not updated: call `consolidate` when done writing.

        Raises
        ------
        NgffReadOnlyError
            If the container was opened read-only (nothing is written).
        NgffValueError
            If *patch*'s shape or dtype does not fit (nothing is written).

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
        self._require_writable("set_roi_masked")
        region, sel, mask = self._masked_selection(label, zoom_factor, channel_selection, slices)
        new = fit_patch(patch, sel, axes_order, self.dtype, f"{self._where()} ({sel.describe()})")
        stored = self.get_array(mode="dask", channel_selection=channel_selection, **region)  # type: ignore[arg-type]
        existing = np.asarray(stored.compute()).reshape(sel.full_shape)
        merged = np.where(mask, np.asarray(new), existing).astype(self.dtype)
        return self.set_array(merged, channel_selection=channel_selection, **region)  # type: ignore[arg-type]

    def _masked_by(self) -> str:
        return f"masked by {self.masking_label.name!r}"


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class MaskedImage(_Masked, Image):
    """One level of an image, read and written per object of a masking label (as ngio's).

    Get one with
    [`OmeZarrContainer.get_masked_image`][ngffkit.OmeZarrContainer.get_masked_image].
    """

    def __repr__(self) -> str:
        return f"MaskedImage({self._summary()}, {self._masked_by()})"


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class MaskedLabel(_Masked, Label):
    """One level of a label image, read and written per object of another label (as ngio's).

    Get one with
    [`OmeZarrContainer.get_masked_label`][ngffkit.OmeZarrContainer.get_masked_label].
    """

    def __repr__(self) -> str:
        return f"MaskedLabel({self.name!r}, {self._summary()}, {self._masked_by()})"
