"""`to_ngff_image`: wrap any array as an [`NgffImage`][ngffkit.NgffImage]; no pixels are computed."""

from __future__ import annotations

import numbers
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import dask.array as da
import numpy as np

from ngffkit.errors import NgffTypeError, NgffValueError
from ngffkit.model import NgffImage
from ngffkit.spec import default_axis_type, finite, parse_unit

__all__ = ["to_ngff_image", "default_dims", "spec_order", "NumpyView"]

_DEFAULT_DIMS = {
    2: ("y", "x"),
    3: ("z", "y", "x"),
    4: ("c", "z", "y", "x"),
    5: ("t", "c", "z", "y", "x"),
}


def default_dims(ndim: int) -> tuple[str, ...]:
    """Return the default axis names for an array of *ndim* dimensions.

    Raises
    ------
    NgffValueError
        If *ndim* is not 2 to 5 (the range OME-NGFF allows).

    Examples
    --------
    >>> default_dims(4)
    ('c', 'z', 'y', 'x')
    """
    try:
        return _DEFAULT_DIMS[ndim]
    except KeyError:
        raise NgffValueError(
            f"data: OME-NGFF images have 2 to 5 dimensions, got an array with {ndim}"
        ) from None


_TYPE_RANK = {"time": 0, "channel": 1, "space": 3}
_SPACE_RANK = {"z": 0, "y": 1, "x": 2}


def spec_order(dims: Sequence[str], types: Mapping[str, str | None]) -> tuple[int, ...]:
    """The permutation that puts *dims* in the spec's order: time, channel or custom, space.

    Space axes named `z`, `y`, `x` come in that order, after any other space axis;
    otherwise the input order is kept. The result indexes *dims* (a `numpy.transpose` axes
    argument).

    Examples
    --------
    >>> spec_order(("y", "x", "c"), {"y": "space", "x": "space", "c": "channel"})
    (2, 0, 1)
    >>> spec_order(("z", "c", "y", "x"), {"z": "space", "c": "channel", "y": "space", "x": "space"})
    (1, 0, 2, 3)
    """

    def rank(i: int) -> tuple[int, int, int]:
        d = dims[i]
        kind = types.get(d)
        # A custom axis (any other type, or none) sits with the channel axis: at most one of them.
        return (_TYPE_RANK.get(kind or "", 2), _SPACE_RANK.get(d, -1) if kind == "space" else 0, i)

    return tuple(sorted(range(len(dims)), key=rank))


def _check_pixels(data: Any) -> None:
    """Refuse, before dask sees them, arrays that can never be OME-NGFF pixels."""
    shape = getattr(data, "shape", None)
    dtype = getattr(data, "dtype", None)
    if shape is not None and len(shape) == 0:
        raise NgffValueError(
            "data: OME-NGFF images have 2 to 5 dimensions, got a 0-d array (a scalar)"
        )
    if dtype is not None and np.dtype(dtype).kind in "OUSV":
        raise NgffTypeError(
            f"data: pixels must be numbers (integers, floats or booleans), got dtype "
            f"{np.dtype(dtype)}: Zarr stores no Python objects or strings as image pixels"
        )


def _per_axis(value: object, dims: tuple[str, ...], argument: str) -> dict[str, Any]:
    """*value* as a per-axis mapping: a mapping, or one value per dim in array order.

    Examples
    --------
    >>> _per_axis([2, 0.5], ("y", "x"), "scale")
    {'y': 2, 'x': 0.5}
    """
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, Sequence | np.ndarray) and not isinstance(value, str | bytes):
        values = list(value)
        if len(values) != len(dims):
            raise NgffValueError(
                f"{argument}: expected one value per axis {list(dims)}, got {len(values)}: {values}"
            )
        return dict(zip(dims, values, strict=True))
    raise NgffTypeError(
        f"{argument}: expected a mapping of axis to number or one number per axis "
        f"{list(dims)}, got {type(value).__name__}: {value!r}"
    )


def _as_dask(data: Any) -> tuple[da.Array, dict[str, Any]]:
    """Return (dask array, hints from the input: dims, scale, translation, units, name)."""
    _check_pixels(data)
    hints: dict[str, Any] = {}
    if isinstance(data, da.Array):
        return data, hints
    if isinstance(data, np.ndarray):
        # dask copies a plain ndarray into its graph; behind this thin wrapper it slices
        # views of the caller's buffer lazily instead, so a 10 GiB input stays 10 GiB.
        return da.from_array(NumpyView(data), chunks="auto", asarray=False, meta=data[:0]), hints
    # A DataArray or a zarr array exists only once its library is imported: asking
    # sys.modules spares a numpy user xarray's import (about 0.5 s with pandas).
    xr = sys.modules.get("xarray")
    if xr is not None and isinstance(data, xr.DataArray):
        return _from_xarray(data)
    zarr = sys.modules.get("zarr")
    if zarr is not None and isinstance(data, zarr.Array):
        names = getattr(data.metadata, "dimension_names", None)
        if names and all(names):
            hints["dims"] = tuple(names)
        return da.from_array(data, chunks=data.chunks), hints
    if hasattr(data, "__array__") and hasattr(data, "shape") and hasattr(data, "dtype"):
        return da.from_array(data, chunks="auto"), hints
    if isinstance(data, list | tuple):
        return _as_dask(np.asarray(data))
    raise NgffTypeError(
        f"data: expected a numpy, dask, xarray or zarr array, got {type(data).__name__}"
    )


class NumpyView:
    """A numpy array seen through ``__getitem__`` only, so dask reads it lazily without a copy.

    The writer recognises it and writes the array's regions straight from memory.

    Examples
    --------
    >>> view = NumpyView(np.arange(6).reshape(2, 3))
    >>> view.shape, view[1, 1:]
    ((2, 3), array([4, 5]))
    """

    def __init__(self, array: np.ndarray) -> None:
        self.array = array
        self.shape = array.shape
        self.dtype = array.dtype
        self.ndim = array.ndim

    def __getitem__(self, key: Any) -> np.ndarray:
        return self.array[key]  # type: ignore[no-any-return]

    def __dask_tokenize__(self) -> tuple[Any, ...]:
        # Name the graph after the buffer, not its contents: hashing a 2 GiB input to
        # name it would take a second and read every byte.
        interface = self.array.__array_interface__
        return (
            "ngffkit-numpy",
            interface["data"][0],
            interface["strides"],
            self.shape,
            str(self.dtype),
        )


def _from_xarray(arr: Any) -> tuple[da.Array, dict[str, Any]]:
    """The dask array of a DataArray and what its coordinates say.

    Evenly spaced numeric coordinates give scale and translation; a coordinate of strings
    gives labels (channel names, for the channel axis); each coordinate's ``units`` (or
    ``unit``), ``axis_type`` and ``orientation`` attributes give the axis's unit, type and
    orientation; the array's ``is_label`` attribute marks a label image.
    """
    data = arr.data if isinstance(arr.data, da.Array) else _as_dask(np.asarray(arr.data))[0]
    hints: dict[str, Any] = {"dims": tuple(str(d) for d in arr.dims)}
    scale: dict[str, float] = {}
    translation: dict[str, float] = {}
    units: dict[str, str] = {}
    types: dict[str, str] = {}
    orientations: dict[str, str] = {}
    labels: dict[str, tuple[str, ...]] = {}
    for dim in arr.dims:
        if dim not in arr.coords:
            continue
        coord = np.asarray(arr.coords[dim].values)
        attrs = arr.coords[dim].attrs
        for key, into in (("axis_type", types), ("orientation", orientations)):
            if attrs.get(key):
                into[str(dim)] = str(attrs[key])
        if coord.ndim == 1 and coord.dtype.kind in "USO" and len(coord):
            labels[str(dim)] = tuple(str(v) for v in coord)
            continue
        if coord.ndim != 1 or coord.dtype.kind not in "iuf" or len(coord) == 0:
            continue
        if types.get(str(dim)) == "channel":
            continue  # channel indices, not positions
        translation[str(dim)] = float(coord[0])
        if len(coord) > 1:
            steps = np.diff(coord.astype(np.float64))
            if not np.allclose(steps, steps[0], rtol=1e-6):
                raise NgffValueError(
                    f"data.coords[{dim!r}]: OME-NGFF needs evenly spaced coordinates, "
                    f"got steps from {steps.min()} to {steps.max()}"
                )
            scale[str(dim)] = float(steps[0])
        unit = attrs.get("units") or attrs.get("unit")
        if unit:
            units[str(dim)] = str(unit)
    hints.update(
        scale=scale,
        translation=translation,
        units=units,
        types=types,
        orientations=orientations,
        labels=labels,
        is_label=bool(arr.attrs.get("is_label", False)),
    )
    if arr.name is not None:
        hints["name"] = str(arr.name)
    return data, hints


def _parse_axes_units(
    axes_units: str | Mapping[str, str] | None,
    dims: tuple[str, ...],
    types: Mapping[str, str | None],
) -> dict[str, str]:
    if axes_units is None:
        return {}
    if isinstance(axes_units, str):
        spatial = [d for d in dims if types[d] == "space"]
        if not spatial:
            return {}
        # Parse once, so a normalised spelling warns once, not once per axis.
        unit = parse_unit(axes_units, axis="/".join(spatial), axis_type="space")
        return dict.fromkeys(spatial, unit)
    if not isinstance(axes_units, Mapping):
        raise NgffTypeError(
            f"axes_units: expected a unit name or a mapping of axis to unit, got {axes_units!r}"
        )
    unknown = sorted(set(axes_units) - set(dims))
    if unknown:
        raise NgffValueError(f"axes_units: axes {unknown} are not among the dims {list(dims)}")
    return {d: parse_unit(u, axis=d, axis_type=types[d]) for d, u in axes_units.items() if u}


def to_ngff_image(
    data: Any,
    *,
    dims: Sequence[str] | None = None,
    scale: Mapping[str, float] | Sequence[float] | None = None,
    translation: Mapping[str, float] | Sequence[float] | None = None,
    name: str | None = None,
    axes_units: str | Mapping[str, str] | None = None,
    axes_orientations: Mapping[str, str] | None = None,
    axes_types: Mapping[str, str] | None = None,
    channel_names: Sequence[str] | None = None,
    channel_colors: Sequence[str] | None = None,
    is_label: bool = False,
) -> NgffImage:
    """Wrap an array as an [`NgffImage`][ngffkit.NgffImage] with physical metadata; no pixels are computed.

    Parameters
    ----------
    data
        numpy, dask, `xarray.DataArray` (its dims give `dims`, evenly spaced
        coordinates give `scale` and `translation`, a channel coordinate of strings the
        channel names, coordinate `units` / `axis_type` / `orientation` attributes the
        units, types and orientations, as [`NgffImage.to_xarray`][ngffkit.NgffImage.to_xarray]
        writes them) or a zarr array (its `dimension_names` give dims).
        numpy input is wrapped, not copied.
    dims
        Axis names in array order, in any order: the image is transposed lazily to the
        spec's order (time, channel, then `z`, `y`, `x`), the names following the data,
        so `dims=("y", "x", "c")` on an RGB array gives a `("c", "y", "x")` image.
        Default by ndim: `yx`, `zyx`, `czyx`, `tczyx`.
    scale, translation
        Physical pixel size and offset of the first pixel's centre per axis, as a
        mapping (``{"z": 2.0}``; axes left out get 1.0 and 0.0) or one number per axis
        in array order. They override what an xarray input says.
    name
        Image name (default `"image"`, or the DataArray's name).
    axes_units
        One unit for all space axes (`"micrometer"`) or a mapping per axis.
        Common spellings (`um`, `µm`, `micron`, `s`) become UDUNITS-2 names
        with a [`NgffUnitWarning`][ngffkit.NgffUnitWarning]; unknown units are an error.
    axes_orientations
        RFC-4 anatomical orientation per space axis (`{"x": "left-to-right"}`).
    axes_types
        Axis types for custom axis names (default from the name).
    channel_names
        One name per index of the `c` axis.
    channel_colors
        One display colour per index of the `c` axis, six hex digits (`"00FF00"`).
    is_label
        Mark the image as a label image (integer pixels; label-safe downsampling).

    Returns
    -------
    NgffImage
        The lazy image.

    Raises
    ------
    NgffValueError
        If dims, scales, units or orientations do not fit the array or the spec.
    NgffTypeError
        If *data* is not an array.

    Examples
    --------
    >>> import numpy as np
    >>> img = to_ngff_image(np.zeros((16, 32, 32), dtype=np.uint16),
    ...                     scale={"z": 2.0, "y": 0.5, "x": 0.5}, axes_units="micrometer")
    >>> img.dims, img.axes_units["z"]
    (('z', 'y', 'x'), 'micrometer')
    >>> to_ngff_image(np.zeros((100, 120, 3), "u1"), dims=("y", "x", "c")).shape
    (3, 100, 120)
    """
    array, hints = _as_dask(data)
    if dims is None:
        dims = hints.get("dims") or default_dims(array.ndim)
    if not isinstance(dims, Sequence):
        raise NgffTypeError(
            f"dims: expected a sequence of axis names such as ('z', 'y', 'x'), got "
            f"{type(dims).__name__}: {dims!r}"
        )
    dims_t = tuple(str(d) for d in dims)
    if len(dims_t) != array.ndim:
        raise NgffValueError(
            f"dims: expected {array.ndim} names for an array of shape {tuple(array.shape)}, "
            f"got {len(dims_t)}: {list(dims_t)}"
        )
    if not 2 <= array.ndim <= 5:
        default_dims(array.ndim)  # raises the explanatory error
    types: dict[str, str | None] = {d: default_axis_type(d) for d in dims_t}
    types.update(hints.get("types", {}))
    types.update(dict(axes_types or {}))
    missing_type = [d for d, t in types.items() if t is None]
    if len(missing_type) > 1:
        raise NgffValueError(
            f"dims: {missing_type} are not t, c, z, y or x; give their types with axes_types="
            f"{{...}} (OME-NGFF allows at most one channel or custom axis)"
        )
    merged_scale = {**hints.get("scale", {}), **_per_axis(scale, dims_t, "scale")}
    merged_translation = {
        **hints.get("translation", {}),
        **_per_axis(translation, dims_t, "translation"),
    }
    for key, values in (("scale", merged_scale), ("translation", merged_translation)):
        for d, v in values.items():
            # numpy scalars (np.float32 pixel sizes) are numbers too; bools are not.
            if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Real) or not finite(v):
                raise NgffValueError(f"{key}[{d!r}]: expected a finite number, got {v!r}")
            values[d] = float(v)
    if name is not None and not isinstance(name, str):
        raise NgffTypeError(f"name: expected a string, got {type(name).__name__}: {name!r}")
    units_in: str | Mapping[str, str] | None = axes_units
    if units_in is None and hints.get("units"):
        units_in = hints["units"]
    units = _parse_axes_units(units_in, dims_t, types)
    if channel_names is None:
        # A DataArray's channel coordinate of strings names the channels (DAPI, GFP ...).
        channel = [d for d in dims_t if types.get(d) == "channel"]
        channel_names = hints.get("labels", {}).get(channel[0]) if channel else None
    order = spec_order(dims_t, types)
    if order != tuple(range(len(dims_t))):
        array = array.transpose(order)
        dims_t = tuple(dims_t[i] for i in order)
    return NgffImage(
        data=array,
        dims=dims_t,
        scale=merged_scale,
        translation=merged_translation,
        name=name if name is not None else hints.get("name", "image"),
        axes_units=units,
        axes_orientations={**hints.get("orientations", {}), **dict(axes_orientations or {})},
        axes_types={d: t for d, t in types.items() if t is not None},
        channel_names=tuple(channel_names) if channel_names is not None else None,
        channel_colors=tuple(channel_colors) if channel_colors is not None else None,
        is_label=is_label or hints.get("is_label", False),
    )
