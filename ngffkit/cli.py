"""``ngffkit`` command line: convert, info, validate (``python -m ngffkit --help``)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ngffkit.arrays import to_ngff_image
from ngffkit.errors import NgffDependencyError, NgffError, NgffExistsError, NgffValueError
from ngffkit.io import from_ngff_zarr, to_ngff_zarr
from ngffkit.model import Multiscales, NgffImage
from ngffkit.pyramids import to_multiscales
from ngffkit.samples import SAMPLES, sample_image, sample_labels
from ngffkit.spec import DEFAULT_VERSION, WRITABLE_VERSIONS
from ngffkit.validation import validate

__all__ = ["main", "build_parser", "read_input"]


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
    if suffix == ".zarr" or Path(path).is_dir() or "://" in path:
        return from_ngff_zarr(path)
    raise NgffValueError(
        f"input {path!r}: unknown file type {suffix!r}; expected .npy, .tif, .png, .jpg or a zarr store"
    )


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``ngffkit`` command.

    Examples
    --------
    >>> build_parser().parse_args(["validate", "img.zarr"]).command
    'validate'
    """
    parser = argparse.ArgumentParser(prog="ngffkit", description="OME-Zarr conversion and checks.")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True)
    conv = sub.add_parser(
        "convert", help="write an image (or a built-in sample) as an OME-Zarr pyramid"
    )
    src = conv.add_mutually_exclusive_group(required=True)
    src.add_argument("input", nargs="?", help=".npy, .tif, .png, an OME-Zarr or a zarr array")
    src.add_argument(
        "--sample", choices=sorted(SAMPLES), help="use a built-in sample image instead"
    )
    conv.add_argument("output", help="output store: path or URL")
    conv.add_argument(
        "--version", default=DEFAULT_VERSION, choices=WRITABLE_VERSIONS, dest="ngff_version"
    )
    conv.add_argument("--dims", help="axis names in array order, e.g. zyx or czyx")
    conv.add_argument(
        "--scale", nargs="*", metavar="AXIS=SIZE", help="pixel size per axis, e.g. z=2 y=0.5 x=0.5"
    )
    conv.add_argument("--translation", nargs="*", metavar="AXIS=OFFSET")
    conv.add_argument("--units", help="unit of the space axes, e.g. micrometer")
    conv.add_argument("--name", help="image name")
    conv.add_argument(
        "--scale-factors", nargs="*", type=int, help="factors relative to level 0, e.g. 2 4 8"
    )
    conv.add_argument(
        "--min-size",
        type=int,
        help="without --scale-factors: halve the axes that exceed a chunk, no side below this "
        "(default 64; an OME-Zarr input keeps its own levels unless this or --scale-factors "
        "is given)",
    )
    conv.add_argument("--chunks", type=int, help="chunk length of the spatial axes")
    conv.add_argument("--chunks-per-shard", type=int, help="write sharded arrays (0.5/0.6)")
    conv.add_argument(
        "--method",
        help="downsampling method (mean, gaussian, mode, nearest, itkwasm_gaussian, ...)",
    )
    conv.add_argument(
        "--labels", action="store_true", help="with --sample: also write a label image"
    )
    conv.add_argument("--overwrite", action="store_true", help="replace an existing output")
    conv.add_argument(
        "--resume",
        action="store_true",
        help="keep a journal, and finish an interrupted --resume run of the same command",
    )
    conv.add_argument(
        "--memory-limit",
        help="memory budget of the writer, e.g. '1 GiB' (default: NGFFKIT_MEMORY_LIMIT, "
        "else an eighth of the available RAM, 64-256 MiB)",
    )
    conv.add_argument(
        "--workers", type=int, help="regions written at once (default: the CPUs available)"
    )
    conv.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bars per level (default: in a terminal, for writes over a second)",
    )
    info = sub.add_parser("info", help="print an overview of an OME-Zarr image")
    info.add_argument("store")
    val = sub.add_parser("validate", help="validate a store against the OME-NGFF spec")
    val.add_argument("store")
    val.add_argument("--strict", action="store_true", help="use the strict schemas")
    val.add_argument(
        "--chunks",
        action="store_true",
        help="also check that every chunk the metadata implies is stored (lists the store)",
    )
    pic = sub.add_parser(
        "preview", help="draw a plane of an image into a PNG: channels in colour, label outlines"
    )
    pic.add_argument("store")
    pic.add_argument("-o", "--output", default="preview.png", help="PNG to write")
    pic.add_argument("--level", type=int, help="pyramid level (default: one that fits 1024 px)")
    pic.add_argument("--z", type=int, help="z plane (default: the middle one)")
    pic.add_argument("--t", type=int, default=0, help="time point")
    pic.add_argument("--projection", choices=["slice", "max"], default="slice")
    pic.add_argument("--channels", nargs="*", help="channel names or indices (default: active)")
    pic.add_argument("--labels", nargs="*", help="label images whose outlines are drawn")
    pic.add_argument(
        "--overview", action="store_true", help="one panel per level, with shape and pixel size"
    )
    pic.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    return parser


def _preview(args: argparse.Namespace) -> int:
    from ngffkit.pictures import preview, pyramid_overview

    output = Path(args.output)
    if output.exists() and not args.overwrite:
        raise NgffExistsError(
            f"output {output}: already exists; pass --overwrite to replace it (nothing was written)"
        )
    channels = [int(c) if c.isdigit() else c for c in args.channels] if args.channels else None
    if args.overview:
        fig = pyramid_overview(
            args.store, z=args.z, t=args.t, channels=channels, labels=args.labels or None
        )
    else:
        fig = preview(
            args.store,
            level=args.level,
            z=args.z,
            t=args.t,
            projection=args.projection,
            channels=channels,
            labels=args.labels or None,
        )
    fig.savefig(output, dpi=120)
    print(f"wrote {output}")
    return 0


def _convert(args: argparse.Namespace) -> int:
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``ngffkit`` command; return the exit status.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "demo.ome.zarr"
    >>> main(["convert", "--sample", "blobs2d", str(out)])  # doctest: +ELLIPSIS
    Multiscales(...
    0
    """
    args = build_parser().parse_args(argv)
    if args.debug:
        return _run(args)
    # zarr reads several keys at once; when one read fails, the others are still in flight
    # as the process exits, and Python and asyncio print their fate with tracebacks
    # ("Exception ignored in <coroutine ...>", "Task exception was never retrieved"). The
    # one line below says what went wrong; --debug shows everything.
    sys.unraisablehook = _ignore_unraisable
    quiet = logging.getLogger("asyncio")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    try:
        return _run(args)
    except NgffError as exc:
        return _fail(str(exc), 2)
    except OSError as exc:  # a missing or unreadable input or output file is the user's to fix
        path = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        return _fail(f"{exc.strerror or exc}:{path}".rstrip(":"), 2)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except Exception as exc:  # a bug of ours: still one line; --debug shows where
        return _fail(
            f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)", 1
        )


def _ignore_unraisable(unraisable: Any) -> None:
    """Drop what Python cannot raise (errors of coroutines collected at exit)."""


def _fail(message: str, status: int) -> int:
    one_line = " / ".join(line.strip() for line in message.splitlines() if line.strip())
    print(f"ngffkit: error: {one_line}", file=sys.stderr)
    return status


def _run(args: argparse.Namespace) -> int:
    if args.command == "convert":
        return _convert(args)
    if args.command == "preview":
        return _preview(args)
    if args.command == "info":
        from rich.console import Console

        Console().print(from_ngff_zarr(args.store))
        return 0
    report = validate(args.store, strict=args.strict, chunks=args.chunks)
    print(report)
    return 0 if report.ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
