"""``ngffkit`` command line: convert, info, validate (``python -m ngffkit --help``)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ngffkit.errors import NgffError, NgffExistsError
from ngffkit.samples import SAMPLES
from ngffkit.spec.versions import DEFAULT_VERSION, WRITABLE_VERSIONS

__all__ = ["main", "build_parser"]


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
    info = sub.add_parser("info", help="print an overview of an OME-Zarr image or HCS plate")
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
        from ngffkit._convert import convert

        return convert(args)
    if args.command == "preview":
        return _preview(args)
    if args.command == "info":
        from rich.console import Console

        from ngffkit.container import store_overview  # an image's Multiscales, a plate's layout

        Console().print(store_overview(args.store))
        return 0
    from ngffkit.container import validation_text  # a plate's report says what it covered
    from ngffkit.validation import validate

    report = validate(args.store, strict=args.strict, chunks=args.chunks)
    print(validation_text(args.store, report))
    return 0 if report.ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
