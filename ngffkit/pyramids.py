"""``to_multiscales``: plan a multiscale pyramid as lazy dask graphs; no pixels are computed."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeAlias

import numpy as np

from ngffkit.arrays import to_ngff_image
from ngffkit.errors import NgffTypeError, NgffValueError
from ngffkit.methods import Methods, downsample, method_metadata, parse_method
from ngffkit.model import LevelDerivation, Multiscales, NgffImage, metadata_from_images
from ngffkit.spec import Omero, OmeroChannel, OmeroWindow

__all__ = [
    "to_multiscales",
    "parse_scale_factors",
    "parse_chunks",
    "default_omero",
    "ScaleFactorsLike",
    "ChunksLike",
]

ScaleFactorsLike: TypeAlias = "int | Sequence[int | Mapping[str, int]]"
ChunksLike: TypeAlias = "int | Sequence[int] | Mapping[str, int]"

_PALETTE = ("00FFFF", "FF00FF", "FFFF00", "FF0000", "00FF00", "0000FF", "FFFFFF")


def _check_factor(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise NgffValueError(f"{where}: expected an integer >= 1, got {value!r}")
    return int(value)


def parse_scale_factors(
    scale_factors: ScaleFactorsLike,
    image: NgffImage,
    chunks: Mapping[str, int] | None = None,
) -> tuple[dict[str, int], ...]:
    """Normalise *scale_factors* to one ``{dim: factor}`` per level after level 0.

    Every factor is relative to level 0. An int ``n`` means: each new level
    halves every spatial axis that does not yet fit in one chunk (given
    *chunks*) and whose half is still at least ``n`` long; the pyramid ends
    when no axis halves. So no level is smaller than ``n`` on any halved axis,
    and the coarsest level fits in about one chunk, as in ngff-zarr: the
    textbook's 128^3 volume with ``chunks=64`` and ``scale_factors=4`` gets two
    levels, 128^3 and 64^3. Without *chunks*, axes halve down to ``n``.

    Raises
    ------
    NgffValueError
        If a factor is not an int >= 1, names a non-spatial or unknown axis, or a
        level has a lower factor than the one before it.

    Examples
    --------
    >>> import numpy as np
    >>> from ngffkit.arrays import to_ngff_image
    >>> img = to_ngff_image(np.zeros((16, 64, 64), "u1"))
    >>> parse_scale_factors(16, img)
    ({'z': 1, 'y': 2, 'x': 2}, {'z': 1, 'y': 4, 'x': 4})
    >>> parse_scale_factors(16, img, chunks={"z": 16, "y": 32, "x": 32})
    ({'z': 1, 'y': 2, 'x': 2},)
    >>> parse_scale_factors(1, to_ngff_image(np.zeros((4, 4), "u1")))
    ({'y': 2, 'x': 2}, {'y': 4, 'x': 4})
    >>> parse_scale_factors([{"y": 2, "x": 2}, 4], img)
    ({'z': 1, 'y': 2, 'x': 2}, {'z': 4, 'y': 4, 'x': 4})
    """
    spatial = image.spatial_dims
    sizes = dict(zip(image.dims, image.shape, strict=True))
    levels: list[dict[str, int]] = []
    if isinstance(scale_factors, int | np.integer) and not isinstance(scale_factors, bool):
        minimum = _check_factor(scale_factors, "scale_factors")
        current = dict.fromkeys(spatial, 1)
        while True:
            # An axis of one pixel cannot halve, whatever the minimum (1 would loop forever).
            step = {
                d: (
                    2
                    if math.ceil(sizes[d] / current[d]) > (chunks[d] if chunks else 1)
                    and math.ceil(sizes[d] / (current[d] * 2)) >= minimum
                    else 1
                )
                for d in spatial
            }
            if all(s == 1 for s in step.values()):
                break
            current = {d: current[d] * step[d] for d in spatial}
            levels.append(dict(current))
        return tuple(levels)
    if isinstance(scale_factors, str | bytes) or not isinstance(scale_factors, Sequence):
        raise NgffTypeError(
            f"scale_factors: expected an int or a list of ints / per-axis dicts, got {scale_factors!r}"
        )
    previous = dict.fromkeys(spatial, 1)
    for i, entry in enumerate(scale_factors):
        where = f"scale_factors[{i}]"
        if isinstance(entry, Mapping):
            unknown = sorted(set(entry) - set(image.dims))
            if unknown:
                raise NgffValueError(
                    f"{where}: axes {unknown} are not among the dims {list(image.dims)}"
                )
            for d, f in entry.items():
                if d not in spatial and _check_factor(f, f"{where}[{d!r}]") != 1:
                    raise NgffValueError(
                        f"{where}[{d!r}]: only space axes {list(spatial)} can be downsampled, got factor {f}"
                    )
            level = {d: _check_factor(entry.get(d, 1), f"{where}[{d!r}]") for d in spatial}
        else:
            f = _check_factor(entry, where)
            level = dict.fromkeys(spatial, f)
        lower = [d for d in spatial if level[d] < previous[d]]
        if lower:
            raise NgffValueError(
                f"{where}: factors are relative to level 0 and may not decrease from one level to "
                f"the next; axes {lower} go from {[previous[d] for d in lower]} to {[level[d] for d in lower]}"
            )
        levels.append(level)
        previous = level
    return tuple(levels)


def parse_chunks(chunks: ChunksLike | None, image: NgffImage) -> dict[str, int]:
    """Normalise *chunks* to one chunk length per dim.

    ``None`` gives 128 per spatial axis for 3-D images and 256 for 2-D; an int
    applies to the spatial axes. Channel and time axes default to 1.

    Examples
    --------
    >>> import numpy as np
    >>> from ngffkit.arrays import to_ngff_image
    >>> parse_chunks(64, to_ngff_image(np.zeros((2, 16, 300, 300), "u1")))
    {'c': 1, 'z': 64, 'y': 64, 'x': 64}
    """
    spatial = image.spatial_dims
    default = 128 if len(spatial) == 3 else 256
    out = {d: (default if d in spatial else 1) for d in image.dims}
    if chunks is None:
        pass
    elif isinstance(chunks, int | np.integer) and not isinstance(chunks, bool):
        out.update({d: _check_factor(chunks, "chunks") for d in spatial})
    elif isinstance(chunks, Mapping):
        unknown = sorted(set(chunks) - set(image.dims))
        if unknown:
            raise NgffValueError(
                f"chunks: axes {unknown} are not among the dims {list(image.dims)}"
            )
        out.update({d: _check_factor(c, f"chunks[{d!r}]") for d, c in chunks.items()})
    elif isinstance(chunks, Sequence) and not isinstance(chunks, str | bytes):
        if len(chunks) != len(image.dims):
            raise NgffValueError(
                f"chunks: expected {len(image.dims)} values (one per dim {list(image.dims)}), got {list(chunks)}"
            )
        out = {
            d: _check_factor(c, f"chunks[{i}]")
            for i, (d, c) in enumerate(zip(image.dims, chunks, strict=True))
        }
    else:
        raise NgffTypeError(f"chunks: expected an int, a tuple or a mapping, got {chunks!r}")
    return out


def default_omero(image: NgffImage) -> Omero | None:
    """Channel metadata with names, colours and a dtype-based window; None without a ``c`` axis.

    Names and colours are the image's (`channel_names`, `channel_colors`), else
    `channel_<i>` and a default palette.

    No pixels are read: the window spans the dtype's range (0-1 for floats).

    Examples
    --------
    >>> import numpy as np
    >>> from ngffkit.arrays import to_ngff_image
    >>> img = to_ngff_image(np.zeros((2, 8, 8), "u1"), dims=("c", "y", "x"), channel_names=["DAPI", "GFP"])
    >>> [(c.label, c.window.end) for c in default_omero(img).channels]
    [('DAPI', 255.0), ('GFP', 255.0)]
    """
    if "c" not in image.dims:
        return None
    n = image.shape[image.dims.index("c")]
    names = image.channel_names or tuple(f"channel_{i}" for i in range(n))
    dtype = np.dtype(image.dtype)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        low, high = float(info.min), float(info.max)
    elif dtype.kind == "b":
        low, high = 0.0, 1.0
    else:
        low, high = 0.0, 1.0
    colors = image.channel_colors or (("FFFFFF",) if n == 1 else _PALETTE)
    return Omero(
        channels=tuple(
            OmeroChannel(
                label=names[i],
                color=colors[i % len(colors)],
                window=OmeroWindow(min=low, max=high, start=low, end=high),
            )
            for i in range(n)
        )
    )


def _level_image(
    image: NgffImage,
    source: NgffImage,
    rel: dict[str, int],
    total: dict[str, int],
    method: Methods,
    chunks: dict[str, int],
    base: NgffImage,
) -> NgffImage:
    factors = tuple(rel.get(d, 1) for d in source.dims)
    data = downsample(source.data, factors, method) if any(f > 1 for f in factors) else source.data
    shape = data.shape
    data = data.rechunk(
        tuple(min(chunks[d], s) for d, s in zip(image.dims, shape, strict=True)),
        method="tasks",
    )
    scale = {d: base.scale[d] * total.get(d, 1) for d in image.dims}
    # A level pixel averages f base pixels: its centre sits (f - 1) / 2 base pixels further on.
    translation = {
        d: base.translation[d] + base.scale[d] * (total.get(d, 1) - 1) / 2 for d in image.dims
    }
    return replace(image, data=data, scale=scale, translation=translation)


def to_multiscales(
    image: NgffImage | Any,
    *,
    scale_factors: ScaleFactorsLike = 128,
    method: Methods | str | None = None,
    chunks: ChunksLike | None = None,
    paths: Sequence[str] | None = None,
) -> Multiscales:
    """Plan a multiscale pyramid for *image*; no pixels are computed.

    Parameters
    ----------
    image
        An [`NgffImage`][ngffkit.NgffImage], or any array
        [`to_ngff_image`][ngffkit.to_ngff_image] accepts.
    scale_factors
        An int `n`: halve the spatial axes that do not fit in one chunk yet,
        as long as a side stays at least `n` long (the textbook's 128^3 volume
        with `chunks=64` and `scale_factors=4`: levels 128^3 and 64^3, as with
        ngff-zarr). A sequence: one entry per extra level, each an int for all spatial axes
        or a `{dim: factor}` mapping (so `z` can stay unreduced); factors are
        relative to level 0, as in ngff-zarr.
    method
        A [`Methods`][ngffkit.Methods] member or its value. Default: `mean`
        for intensity images, `mode` for label images.
    chunks
        Chunk length per dim for every level: int (spatial axes), tuple, or mapping.
    paths
        Dataset paths (default `"0"`, `"1"`, ...).

    Returns
    -------
    Multiscales
        Lazy levels with matching metadata: level *k* has scale `s0 * f` and
        translation `t0 + s0 * (f - 1) / 2` (the half-pixel shift of binning).

    Raises
    ------
    NgffValueError
        For bad factors, chunks or a method that is not label-safe on a label image.

    Examples
    --------
    >>> import numpy as np
    >>> from ngffkit.arrays import to_ngff_image
    >>> img = to_ngff_image(np.zeros((64, 256, 256), "u1"))
    >>> ms = to_multiscales(img, scale_factors=[2, 4], chunks=64)
    >>> [level.shape for level in ms.images]
    [(64, 256, 256), (32, 128, 128), (16, 64, 64)]
    >>> ms.images[1].translation
    {'z': 0.5, 'y': 0.5, 'x': 0.5}
    """
    base = image if isinstance(image, NgffImage) else to_ngff_image(image)
    chosen = parse_method(method, is_label=base.is_label)
    chunk_map = parse_chunks(chunks, base)
    levels = parse_scale_factors(scale_factors, base, chunk_map)
    given: object = paths  # callers may pass anything; say what was found
    if given is not None and (
        not isinstance(given, Sequence)
        or isinstance(given, str | bytes)
        or not all(isinstance(p, str) for p in given)
    ):
        raise NgffTypeError(
            f"paths: expected a list of strings (one per level), got {type(given).__name__}: "
            f"{given!r}"
        )
    if paths is not None and len(paths) != len(levels) + 1:
        raise NgffValueError(
            f"paths: expected {len(levels) + 1} paths (one per level), got {list(paths)}"
        )

    level0 = replace(
        base,
        # method="tasks": dask's automatic choice imports distributed (~0.4 s) to decide.
        data=base.data.rechunk(
            tuple(min(chunk_map[d], s) for d, s in zip(base.dims, base.shape, strict=True)),
            method="tasks",
        ),
    )
    images = [level0]
    derivations: list[LevelDerivation | None] = [None]
    totals: list[dict[str, int]] = [dict.fromkeys(base.spatial_dims, 1)]
    for total in levels:
        # Derive from the coarsest earlier level whose factors divide this one's: shallow graphs, less work.
        src_index = max(
            i for i, prev in enumerate(totals) if all(total[d] % prev[d] == 0 for d in total)
        )
        rel = {d: total[d] // totals[src_index][d] for d in total}
        level = _level_image(base, images[src_index], rel, total, chosen, chunk_map, base)
        derivations.append(
            LevelDerivation(
                source=src_index,
                factors=tuple(rel.get(d, 1) for d in base.dims),
                method=chosen.value,
                source_name=images[src_index].data.name,
                data_name=level.data.name,
            )
        )
        images.append(level)
        totals.append(total)

    method_type, method_meta = method_metadata(chosen)
    metadata = metadata_from_images(
        images, paths=paths, name=base.name, method_type=method_type, method_metadata=method_meta
    )
    return Multiscales(
        images=tuple(images),
        metadata=metadata,
        scale_factors=tuple({**dict.fromkeys(base.dims, 1), **t} for t in levels),
        method=chosen.value,
        chunks=chunk_map,
        omero=None if base.is_label else default_omero(base),
        derivations=tuple(derivations),
    )
