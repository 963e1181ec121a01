"""Per-axis selections: pixel indices (``x=slice(0, 100)``, ``z=3``) and physical ranges.

Pure functions over shapes and scales; nothing is read.

Physical coordinates follow the model: pixel ``i`` of a level has its centre at
``translation + i * scale``. A physical range ``(start, stop)`` selects the pixels
whose centres lie in ``[start, stop)``; a single number selects the pixel nearest
to it. Because every level keeps the same physical frame, one range selects the
matching pixels at every level: ``x=(0.0, 6.5)`` is pixels 0-9 at 0.65 µm and
pixels 0-4 at 1.3 µm. A range may reach half a pixel past the image on either
side (so both the pixel-centre and the pixel-corner view of the image's extent
fit); further out it is an error, not a silent clip.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, SupportsIndex, TypeAlias, cast

import dask.array as da
import numpy as np

from ngffkit.errors import NgffTypeError, NgffValueError

if TYPE_CHECKING:
    import xarray as xr

    from ngffkit.model import NgffImage

__all__ = [
    "AxisIndex",
    "Selection",
    "parse_selection",
    "physical_to_pixel",
    "to_axes_order",
    "fit_patch",
    "selection_to_xarray",
    "channel_index",
]

AxisIndex: TypeAlias = "int | slice | tuple[int, ...]"
"""One axis of a normalised selection: an index (drops the axis), a slice, or indices."""

_EPS = 1e-9


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


@dataclass(frozen=True)
class Selection:
    """A normalised selection: one `AxisIndex` per axis of the array, in array order.

    Examples
    --------
    >>> sel = parse_selection(("z", "y", "x"), (4, 8, 8), {"z": 1, "x": slice(2, 6)})
    >>> sel.index, sel.shape, sel.kept_dims
    ((1, slice(0, 8, 1), slice(2, 6, 1)), (8, 4), ('y', 'x'))
    """

    dims: tuple[str, ...]
    index: tuple[int | slice | tuple[int, ...], ...]

    @property
    def kept_dims(self) -> tuple[str, ...]:
        """The axes that remain in the result (those not selected by a single index)."""
        return tuple(
            d for d, i in zip(self.dims, self.index, strict=True) if not isinstance(i, int)
        )

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the selected pixels (axes selected by a single index dropped)."""
        return tuple(_length(i) for i in self.index if not isinstance(i, int))

    @property
    def full_shape(self) -> tuple[int, ...]:
        """Shape with the axes selected by a single index kept as size 1."""
        return tuple(1 if isinstance(i, int) else _length(i) for i in self.index)

    @property
    def is_basic(self) -> bool:
        """True if every axis is an index or a slice (no lists of indices)."""
        return not any(isinstance(i, tuple) for i in self.index)

    @property
    def is_contiguous(self) -> bool:
        """True for indices and step-1 slices only (one box of pixels)."""
        return all(isinstance(i, int) or (isinstance(i, slice) and i.step == 1) for i in self.index)

    def region(self) -> tuple[slice, ...]:
        """The selection as one slice per axis (indices become length-1 slices).

        Only for contiguous selections.

        Examples
        --------
        >>> parse_selection(("z", "y", "x"), (4, 8, 8), {"z": 1, "x": slice(2, 6)}).region()
        (slice(1, 2, None), slice(0, 8, 1), slice(2, 6, 1))
        """
        return tuple(slice(i, i + 1) if isinstance(i, int) else i for i in self.index)  # type: ignore[misc]

    def orthogonal(self) -> tuple[Any, ...]:
        """The selection as zarr's orthogonal selection (lists of indices as arrays).

        Examples
        --------
        >>> parse_selection(("c", "y", "x"), (3, 8, 8), {"c": [0, 2], "y": 5}).orthogonal()
        (array([0, 2]), 5, slice(0, 8, 1))
        """
        return tuple(
            np.asarray(i, dtype=np.int64) if isinstance(i, tuple) else i for i in self.index
        )

    def describe(self) -> str:
        """A short text such as ``c=0, z=1, y=0:64, x=[1, 3]`` for messages.

        Examples
        --------
        >>> parse_selection(("c", "y", "x"), (2, 64, 64), {"c": 0, "x": [1, 3]}).describe()
        'c=0, y=0:64, x=[1, 3]'
        """
        parts = []
        for d, i in zip(self.dims, self.index, strict=True):
            if isinstance(i, slice):
                step = "" if i.step == 1 else f":{i.step}"
                parts.append(f"{d}={i.start}:{i.stop}{step}")
            else:
                parts.append(f"{d}={list(i) if isinstance(i, tuple) else i}")
        return ", ".join(parts)


def _length(index: slice | tuple[int, ...]) -> int:
    if isinstance(index, tuple):
        return len(index)
    return len(range(index.start, index.stop, index.step))


def _index(value: object, dim: str, size: int, what: str) -> int:
    if not _is_int(value):
        raise NgffTypeError(
            f"{what}: pixel indices must be integers, got {value!r}; for physical units use get_roi"
        )
    i = operator.index(cast("SupportsIndex", value))
    if not -size <= i < size:
        raise NgffValueError(
            f"{what}: index {i} is out of bounds for axis {dim!r} of size {size} "
            f"(valid 0 to {size - 1}, or negative from the end)"
        )
    return i % size


def _channel(value: str, dim: str, labels: Sequence[str] | None, what: str) -> int:
    if dim != "c" or not labels:
        raise NgffTypeError(
            f"{what}: a name selects a channel, but axis {dim!r} has no channel labels"
        )
    if value not in labels:
        raise NgffValueError(
            f"{what}: no channel labelled {value!r}; the channels are {list(labels)}"
        )
    return list(labels).index(value)


def _bound(value: object, size: int, what: str, side: str) -> int:
    if not _is_int(value):
        raise NgffTypeError(
            f"{what}: slice {side} must be an integer or None, got {value!r}; for physical units "
            f"use get_roi"
        )
    i = operator.index(cast("SupportsIndex", value))
    return i + size if i < 0 else i


def _slice(value: slice, dim: str, size: int, what: str) -> slice:
    step = 1 if value.step is None else value.step
    if not _is_int(step) or step < 1:
        raise NgffValueError(f"{what}: slice step must be an integer >= 1, got {value.step!r}")
    start = 0 if value.start is None else _bound(value.start, size, what, "start")
    stop = size if value.stop is None else _bound(value.stop, size, what, "stop")
    if not 0 <= start <= size:
        raise NgffValueError(
            f"{what}: start {value.start} is out of bounds for axis {dim!r} of size {size}"
        )
    if not 0 <= stop <= size:
        raise NgffValueError(
            f"{what}: stop {value.stop} is past the end of axis {dim!r} (size {size}); the "
            f"largest stop is {size}"
        )
    if start >= stop:
        raise NgffValueError(
            f"{what}: selects no pixels (start {start} >= stop {stop} on axis {dim!r})"
        )
    return slice(start, stop, int(step))


def parse_selection(
    dims: Sequence[str],
    shape: Sequence[int],
    slices: Mapping[str, object],
    *,
    channel_labels: Sequence[str] | None = None,
) -> Selection:
    """Normalise per-axis pixel selections (``x=slice(0, 100)``, ``z=3``, ``c="DAPI"``).

    Each value is an int (selects one index and drops the axis), a slice of ints
    (step >= 1), a list of ints, None (the whole axis), or for the ``c`` axis a
    channel label or a list of them. Axes not named are taken whole. Unlike numpy,
    indices past the end are an error instead of a silent clip.

    Raises
    ------
    NgffValueError
        For an unknown axis, an index or slice outside the axis, or an empty selection.
    NgffTypeError
        For a float index (physical units belong in ``get_roi``) or another type.

    Examples
    --------
    >>> parse_selection(("c", "y", "x"), (2, 8, 8), {"c": "GFP", "y": slice(-2, None)},
    ...                 channel_labels=("DAPI", "GFP")).index
    (1, slice(6, 8, 1), slice(0, 8, 1))
    >>> parse_selection(("y", "x"), (8, 8), {"x": slice(0, 9)})
    Traceback (most recent call last):
    ...
    ngffkit.errors.NgffValueError: x=slice(0, 9, None): stop 9 is past the end of axis 'x' (size 8); ...
    """
    dims = tuple(dims)
    unknown = [k for k in slices if k not in dims]
    if unknown:
        raise NgffValueError(
            f"selection: axes {unknown} are not among the image's axes {list(dims)}"
        )
    index: list[int | slice | tuple[int, ...]] = []
    for d, size in zip(dims, shape, strict=True):
        value = slices.get(d)
        what = f"{d}={value!r}"
        if value is None:
            index.append(slice(0, int(size), 1))
        elif isinstance(value, str):
            index.append(_channel(value, d, channel_labels, what))
        elif isinstance(value, slice):
            index.append(_slice(value, d, int(size), what))
        elif _is_int(value):
            index.append(_index(value, d, int(size), what))
        elif isinstance(value, Sequence | np.ndarray):
            items = (
                list(np.asarray(value).tolist()) if isinstance(value, np.ndarray) else list(value)
            )
            if not items:
                raise NgffValueError(f"{what}: selects no pixels (empty list)")
            index.append(
                tuple(
                    _channel(v, d, channel_labels, what)
                    if isinstance(v, str)
                    else _index(v, d, int(size), what)
                    for v in items
                )
            )
        else:
            hint = (
                "; for physical units use get_roi" if isinstance(value, float | np.floating) else ""
            )
            raise NgffTypeError(
                f"{what}: expected an int, a slice, a list of ints or None, got "
                f"{type(value).__name__}{hint}"
            )
    return Selection(dims=dims, index=tuple(index))


def _snap(q: float) -> float:
    """Round *q* to the nearest integer when it is one up to float noise (6.5 / 0.65)."""
    nearest = round(q)
    return float(nearest) if abs(q - nearest) < 1e-6 else q


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise NgffTypeError(f"{what}: expected a number in physical units, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise NgffValueError(f"{what}: expected a finite number, got {value!r}")
    return number


def physical_to_pixel(
    dims: Sequence[str],
    shape: Sequence[int],
    scale: Mapping[str, float],
    translation: Mapping[str, float],
    ranges: Mapping[str, object],
    *,
    units: Mapping[str, str] | None = None,
    physical_axes: Sequence[str] | None = None,
) -> dict[str, object]:
    """Turn physical ranges per axis into pixel selections for one level.

    Parameters
    ----------
    dims, shape, scale, translation
        The level's axes, shape, pixel size and the physical position of pixel 0's centre.
    ranges
        Per axis: ``(start, stop)`` (either may be None) or ``slice(start, stop)`` in the
        axis unit, selecting the pixels whose centres lie in ``[start, stop)``; or one
        number, selecting the nearest pixel (the axis is dropped). Axes not in
        *physical_axes* (the channel axis) pass through unchanged as pixel selections.
    units
        Axis units, for messages.
    physical_axes
        Axes read in physical units (default: every axis but ``c``).

    Returns
    -------
    dict
        ``{axis: int or slice}``, ready for `parse_selection`.

    Raises
    ------
    NgffValueError
        If a range reaches more than half a pixel past the image, or selects no pixel centre.

    Examples
    --------
    >>> dims, shape = ("y", "x"), (100, 100)
    >>> physical_to_pixel(dims, shape, {"y": 0.65, "x": 0.65}, {"y": 0.0, "x": 0.0},
    ...                   {"x": (0.0, 6.5), "y": 1.3})
    {'x': slice(0, 10, None), 'y': 2}
    >>> physical_to_pixel(dims, shape, {"y": 1.3, "x": 1.3}, {"y": 0.325, "x": 0.325},
    ...                   {"x": (0.0, 6.5)})
    {'x': slice(0, 5, None)}
    """
    dims = tuple(dims)
    units = dict(units or {})
    physical = (
        tuple(physical_axes) if physical_axes is not None else tuple(d for d in dims if d != "c")
    )
    unknown = [k for k in ranges if k not in dims]
    if unknown:
        raise NgffValueError(f"roi: axes {unknown} are not among the image's axes {list(dims)}")
    out: dict[str, object] = {}
    for d, value in ranges.items():
        if d not in physical or value is None:
            out[d] = value
            continue
        i = dims.index(d)
        n, s, t = int(shape[i]), float(scale[d]), float(translation[d])
        unit = f" {units[d]}" if units.get(d) else ""
        covers = f"axis {d!r} covers {t - s / 2:g} to {t + (n - 0.5) * s:g}{unit} ({n} pixels of {s:g}{unit})"
        if isinstance(value, slice) or (isinstance(value, tuple | list) and len(value) == 2):
            if isinstance(value, slice):
                if value.step is not None:
                    raise NgffValueError(f"{d}={value!r}: a physical range takes no step")
                lo_v, hi_v = value.start, value.stop
            else:
                lo_v, hi_v = value
            what = f"{d}=({lo_v!r}, {hi_v!r}){unit}"
            q_lo = -1.0 if lo_v is None else _snap((_number(lo_v, what) - t) / s)
            q_hi = float(n) if hi_v is None else _snap((_number(hi_v, what) - t) / s)
            if q_lo < -1 - _EPS or q_hi > n + _EPS:
                raise NgffValueError(f"{what}: reaches outside the image; {covers}")
            start, stop = max(0, math.ceil(q_lo - _EPS)), min(n, math.ceil(q_hi - _EPS))
            if start >= stop:
                raise NgffValueError(f"{what}: contains no pixel centre; {covers}")
            out[d] = slice(start, stop)
        else:
            what = f"{d}={value!r}{unit}"
            q = _snap((_number(value, what) - t) / s)
            index = math.floor(q + 0.5)
            if not 0 <= index < n:
                raise NgffValueError(f"{what}: lies outside the image; {covers}")
            out[d] = index
    return out


def to_axes_order(data: Any, dims: Sequence[str], order: Sequence[str]) -> Any:
    """*data* (numpy or dask) with axes *dims* rearranged into *order*, as ngio's ``axes_order``.

    An axis in *order* that *data* lacks (one indexed away, or one the image does not have) is
    inserted with size 1; an axis of *data* left out of *order* is dropped if it has size 1,
    and an error otherwise. Reads use it one way, writes (*order* to the selection's axes)
    the other.

    Raises
    ------
    NgffValueError
        If *order* repeats a name or leaves out an axis longer than 1.

    Examples
    --------
    >>> import numpy as np
    >>> to_axes_order(np.zeros((4, 8, 16)), ("z", "y", "x"), ["t", "z", "y", "x", "c"]).shape
    (1, 4, 8, 16, 1)
    >>> to_axes_order(np.zeros((1, 8, 16)), ("c", "y", "x"), ["x", "y"]).shape
    (16, 8)
    """
    dims, order = list(dims), [str(d) for d in order]
    if len(set(order)) != len(order):
        raise NgffValueError(f"axes_order: each axis may appear once, got {order}")
    left_out = [d for d in dims if d not in order]
    long = [
        f"{d} (size {data.shape[dims.index(d)]})"
        for d in left_out
        if data.shape[dims.index(d)] != 1
    ]
    if long:
        raise NgffValueError(
            f"axes_order: {order} leaves out {long}; list every axis longer than 1 "
            f"(an axis of size 1 may be left out, a missing one is added with size 1)"
        )
    for d in left_out:
        data = data.squeeze(axis=dims.index(d))
        dims.remove(d)
    for d in order:
        if d not in dims:
            data = data[(..., None)]
            dims.append(d)
    return data.transpose([dims.index(d) for d in order])


def fit_patch(
    patch: Any, sel: Selection, axes_order: Sequence[str] | None, dtype: Any, where: str
) -> Any:
    """*patch* (numpy, dask or a DataArray) as the pixels of selection *sel*, or a clear error.

    Its axes are the selection's, or *axes_order* (see `to_axes_order`); its dtype must cast
    safely to *dtype*. The result has the selection's full shape (indexed axes kept as size 1).

    Raises
    ------
    NgffValueError
        If the dtype does not cast safely or the shape does not fit; *where* names the region.

    Examples
    --------
    >>> import numpy as np
    >>> sel = parse_selection(("y", "x"), (4, 4), {"y": 0})
    >>> fit_patch(np.ones(4, "u1"), sel, None, np.dtype("u2"), "img").shape
    (1, 4)
    """
    if not isinstance(patch, da.Array):
        if hasattr(patch, "dims") and hasattr(patch, "data"):  # xarray.DataArray
            patch = patch.data
        if not isinstance(patch, da.Array):
            patch = np.asarray(patch)
    if not np.can_cast(patch.dtype, dtype, casting="safe"):
        raise NgffValueError(
            f"set_array at {where}: expected pixels of dtype {dtype} (or a type that casts "
            f"safely to it), got {patch.dtype}; convert with patch.astype({str(dtype)!r}) if "
            f"the values fit (nothing was written)"
        )
    dims = sel.kept_dims
    if axes_order is not None:
        # The patch's axes are axes_order: bring them to the selection's (ngio's rule).
        patch = to_axes_order(patch, [str(d) for d in axes_order], dims)
    shape = tuple(int(s) for s in patch.shape)
    if shape not in (sel.shape, sel.full_shape):
        alternative = (
            f" or {sel.full_shape} (axes {', '.join(sel.dims)}, the indexed ones kept as size 1)"
            if sel.full_shape != sel.shape
            else ""
        )
        raise NgffValueError(
            f"set_array at {where}: expected shape {sel.shape} (axes {', '.join(dims)})"
            f"{alternative}, got {shape} (nothing was written)"
        )
    patch = patch.reshape(sel.full_shape)
    return patch.astype(dtype) if patch.dtype != dtype else patch


def selection_to_xarray(
    image: NgffImage,
    data: Any,
    dims: tuple[str, ...],
    sel: Selection,
    channel_labels: Sequence[str] | None,
) -> xr.DataArray:
    """*data*, the pixels of *sel* on *image* with axes *dims*, as a lazy `xarray.DataArray`.

    Space and time axes get the physical coordinates of the pixel centres (with units), the
    channel axis the channel labels.
    """
    import xarray as xr

    coords: dict[str, Any] = {}
    for d, index in zip(sel.dims, sel.index, strict=True):
        if isinstance(index, int) or d not in dims:
            continue
        positions = np.asarray(
            list(index) if isinstance(index, tuple) else range(index.start, index.stop, index.step)
        )
        if image.axes_types.get(d) == "channel":
            values: Any = np.asarray(channel_labels)[positions] if channel_labels else positions
            coords[d] = xr.Variable(d, values)
        else:
            centres = image.coordinates(d)[positions]
            unit = image.axes_units.get(d)
            coords[d] = xr.Variable(d, centres, attrs={"units": unit} if unit else {})
    return xr.DataArray(data, dims=dims, coords=coords, name=image.name)


def channel_index(
    selection: object, labels: Sequence[str] | None, wavelength_ids: Sequence[str | None]
) -> object:
    """A channel given by wavelength id, or by ngio's `ChannelSelectionModel`, as its index.

    Anything else (an index, a channel label, a list) is returned as given.

    Examples
    --------
    >>> channel_index("A01_C01", ["DAPI", "GFP"], ["A01_C01", "A01_C02"])
    0
    >>> channel_index("GFP", ["DAPI", "GFP"], ["A01_C01", "A01_C02"])
    'GFP'
    """
    mode = getattr(selection, "mode", None)
    selection = getattr(selection, "identifier", selection)
    if mode == "index":
        return int(str(selection))
    known = isinstance(selection, str) and selection not in (labels or ())
    if (mode == "wavelength_id" or known) and selection in wavelength_ids:
        return list(wavelength_ids).index(str(selection))
    if mode == "wavelength_id":
        raise NgffValueError(
            f"channel_selection: no channel has wavelength id {selection!r}; the ids are "
            f"{list(wavelength_ids)}"
        )
    return selection
