"""``ngffkit convert``: read an input, plan its pyramid, write it, validate it.

Kept apart from the argument parser (`ngffkit.cli`) so that ``ngffkit --help``,
``ngffkit validate`` and ``ngffkit info`` do not load what conversion needs.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ngffkit.arrays import to_ngff_image
from ngffkit.errors import NgffDependencyError, NgffExistsError, NgffValueError
from ngffkit.io.read import from_ngff_zarr
from ngffkit.io.write import to_ngff_zarr
from ngffkit.model import Multiscales, NgffImage
from ngffkit.pyramids import to_multiscales
from ngffkit.samples import sample_image, sample_labels
from ngffkit.validation import validate

__all__ = ["convert", "read_input"]


def _pairs(values: Sequence[str] | None, what: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in values or ():
        name, sep, number = item.partition("=")
        if not sep:
            raise NgffValueError(f"--{what}: expected AXIS=VALUE such as z=2.0, got {item!r}")
        try:
            out[name] = float(number)
        except ValueError:
            raise NgffValueError(f"--{what} {item}: {number!r} is not a number") from None
    return out


def read_input(path: str, stack: contextlib.ExitStack | None = None) -> Any:
    """Open an input file or store lazily where the format allows it.

    ``.npy`` (memory-mapped), ``.tif``/``.tiff`` (tifffile, lazy through zarr; the
    file stays open until *stack* closes, so pass one for TIFF input),
    ``.png``/``.jpg`` (imageio), an OME-Zarr (re-written, e.g. to another
    version) or a plain zarr array.

    Raises
    ------
    NgffValueError
        For an unknown file type.
    NgffDependencyError
        If the reader's optional extra is missing.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.npy"; np.save(p, np.zeros((4, 4), "u1"))
    >>> read_input(str(p)).shape
    (4, 4)
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".npy":
        return np.load(path, mmap_mode="r")
    if suffix in (".tif", ".tiff"):
        try:
            import tifffile
            import zarr
        except ImportError as exc:
            raise NgffDependencyError(
                "reading TIFF needs tifffile: pip install 'ngffkit[tiff]'"
            ) from exc
        tif = tifffile.TiffFile(path)
        if stack is not None:
            stack.callback(tif.close)
        return zarr.open(tif.series[0].aszarr(), mode="r")
    if suffix in (".png", ".jpg", ".jpeg", ".bmp", ".gif"):
        try:
            import imageio.v3 as iio
        except ImportError as exc:
            raise NgffDependencyError(
                "reading images needs imageio: pip install 'ngffkit[imageio]'"
            ) from exc
        return iio.imread(path)
    if suffix in (".zarr", ".ozx") or Path(path).is_dir() or "://" in path:
        return from_ngff_zarr(path)
    raise NgffValueError(
        f"input {path!r}: unknown file type {suffix!r}; expected .npy, .tif, .png, .jpg, a zarr "
        f"store or an .ozx archive"
    )


def convert(args: argparse.Namespace) -> int:
    """Run ``ngffkit convert`` with the parsed *args*; return the exit status."""
    from rich.console import Console

    console = Console()
    with contextlib.ExitStack() as stack:
        return _convert_open(args, console, stack)


def _rechunked(ms: Multiscales, length: int) -> Multiscales:
    """*ms* and its labels with chunks of *length* along the spatial axes."""
    spatial = ms.images[0].spatial_dims
    labels = {name: _rechunked(label, length) for name, label in ms.labels.items()}
    chunks = {**(ms.chunks or {}), **dict.fromkeys(spatial, length)}
    return replace(ms, chunks=chunks, labels=labels)


def _repyramid(args: argparse.Namespace, image: Any) -> Multiscales:
    """A new pyramid from *image* (an OME-Zarr input: its level 0 and metadata)."""
    if isinstance(image, Multiscales):
        image = image.images[0]
    if not isinstance(image, NgffImage) or args.dims or args.scale or args.units or args.name:
        base: NgffImage | None = image if isinstance(image, NgffImage) else None
        image = to_ngff_image(
            base.data if base is not None else image,
            dims=tuple(args.dims) if args.dims else (base.dims if base is not None else None),
            scale={**(dict(base.scale) if base else {}), **_pairs(args.scale, "scale")},
            translation={
                **(dict(base.translation) if base else {}),
                **_pairs(args.translation, "translation"),
            },
            axes_units=args.units or (dict(base.axes_units) if base else None),
            name=args.name
            or (base.name if base else Path(args.output.rstrip("/")).name.split(".")[0]),
            channel_names=base.channel_names if base else None,
        )
    return to_multiscales(
        image,
        scale_factors=args.scale_factors
        if args.scale_factors
        else (64 if args.min_size is None else args.min_size),
        method=args.method,
        chunks=args.chunks,
    )


def _convert_open(args: argparse.Namespace, console: Any, stack: contextlib.ExitStack) -> int:
    if args.sample:
        image: NgffImage | Any = sample_image(args.sample)
    else:
        image = read_input(args.input, stack)
    if args.labels and not args.sample:
        raise NgffValueError("--labels: only available with --sample")
    repyramid = args.min_size is not None or any(
        (args.scale_factors, args.method, args.dims, args.scale, args.translation, args.units)
    )
    if isinstance(image, Multiscales) and not repyramid:
        # An OME-Zarr re-encoded (another version, shards, chunks): its levels, labels, tables,
        # channels and stored chunks and codecs as they are.
        ms = image if args.chunks is None else _rechunked(image, args.chunks)
        if args.name:
            ms = replace(ms, metadata=replace(ms.metadata, name=args.name))
    else:
        ms = _repyramid(args, image)
    if args.labels:
        label = to_multiscales(
            sample_labels(ms.images[0]),
            scale_factors=list(ms.scale_factors or ()),
            chunks=args.chunks,
        )
        ms = replace(ms, labels={"blobs": label})
    console.print(ms)
    try:
        to_ngff_zarr(
            args.output,
            ms,
            version=args.ngff_version,
            overwrite=args.overwrite,
            chunks_per_shard=args.chunks_per_shard,
            memory_limit=args.memory_limit,
            max_workers=args.workers,
            progress=args.progress,
            resume=args.resume,
        )
    except NgffExistsError:
        # The library's message says "pass overwrite=True", which is the Python spelling; on the
        # command line the switch is --overwrite.
        raise NgffExistsError(
            f"output {args.output}: already holds data; add --overwrite to replace it "
            f"(nothing was written)"
        ) from None
    report = validate(args.output)
    console.print(
        f"wrote {args.output} (OME-NGFF {args.ngff_version}); validation: {'ok' if report.ok else 'FAILED'}"
    )
    if not report.ok:
        console.print(str(report))
    return 0 if report.ok else 1
