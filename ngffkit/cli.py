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


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Every option's help ends with its default (``--help`` lists them all)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "default" in text or action.default is argparse.SUPPRESS or not action.option_strings:
            return text
        default = action.default
        if isinstance(action, argparse._StoreTrueAction | argparse.BooleanOptionalAction):
            shown = "on" if default else "off"
        elif default is None:
            shown = "none"
        elif isinstance(default, list | tuple):
            shown = " ".join(str(v) for v in default)
        else:
            shown = str(default)
        return f"{text} (default: {shown})" if text else f"default: {shown}"


_CONVERT_EPILOG = """examples:
  ngffkit convert cells.ome.tif cells.ome.zarr
  ngffkit convert data/*.tif converted/ --jobs 2 --report report.json
  ngffkit convert stack.npy stack.ome.zarr --dims zyx --scale z=2 y=0.5 x=0.5 --units micrometer
  ngffkit convert --sample blobs3d --labels demo.ome.zarr

Several inputs, a folder or a glob pattern are a batch: OUTPUT is a folder that receives one
<stem>.ome.zarr per input (<stem>_<series>.ome.zarr with --series all). Exit status: 0 all
converted, 1 some failed (the summary says which), 2 a usage error.
"""


def _add_convert(sub: Any) -> None:
    conv = sub.add_parser(
        "convert",
        usage="ngffkit convert [options] INPUT... OUTPUT\n"
        "       ngffkit convert --sample NAME [--labels] [options] OUTPUT",
        help="write images (files, folders, globs, or a built-in sample) as OME-Zarr pyramids",
        description="Write images as OME-Zarr pyramids, then validate them.",
        epilog=_CONVERT_EPILOG,
        formatter_class=_HelpFormatter,
    )
    conv.add_argument(
        "paths",
        nargs="+",
        metavar="INPUT... OUTPUT",
        help="inputs (OME-TIFF, ImageJ or plain TIFF, PNG/JPEG/..., .npy, zarr array, OME-Zarr; "
        "files, folders or glob patterns) and the output store, or folder for a batch",
    )
    src = conv.add_argument_group("input")
    src.add_argument("--sample", choices=sorted(SAMPLES), help="convert a built-in sample image")
    src.add_argument(
        "--series",
        help="image of a multi-image file (an OME-TIFF series) to convert, or 'all' (default: 0)",
    )
    src.add_argument(
        "--labels", action="store_true", help="with --sample: also write a label image"
    )
    meta = conv.add_argument_group("metadata (given here, it wins over the file's)")
    meta.add_argument(
        "--dims",
        help="axis names in the file's array order, any order, e.g. zcyx (default: the file's)",
    )
    meta.add_argument(
        "--scale", nargs="+", metavar="AXIS=SIZE", help="pixel size per axis, e.g. z=2 y=0.5 x=0.5"
    )
    meta.add_argument(
        "--translation",
        nargs="+",
        metavar="AXIS=OFFSET",
        help="position of the first pixel per axis",
    )
    meta.add_argument(
        "--units",
        nargs="+",
        metavar="UNIT",
        help="unit of the space axes (micrometer), or AXIS=UNIT pairs (z=micrometer t=second)",
    )
    meta.add_argument("--channel-names", nargs="+", metavar="NAME", help="one name per channel")
    meta.add_argument(
        "--channel-colors", nargs="+", metavar="RRGGBB", help="one colour per channel, e.g. 0000FF"
    )
    meta.add_argument(
        "--name", help="image name (default: the file's, else the input's file name without suffix)"
    )
    out = conv.add_argument_group("pyramid and storage")
    out.add_argument(
        "--ome-zarr-version",
        "--version",
        default=DEFAULT_VERSION,
        choices=WRITABLE_VERSIONS,
        dest="ngff_version",
        help="OME-NGFF version to write (--version is an alias here; `ngffkit --version` "
        "prints ngffkit's)",
    )
    out.add_argument(
        "--scale-factors",
        nargs="+",
        type=int,
        metavar="N",
        help="levels, each factor relative to level 0, e.g. 2 4 8 (default: see --min-size)",
    )
    out.add_argument(
        "--min-size",
        type=int,
        help="without --scale-factors: halve the axes that exceed a chunk, no side below this "
        "(default: 64; an OME-Zarr input keeps its own levels unless this or --scale-factors "
        "is given)",
    )
    out.add_argument(
        "--method",
        help="downsampling method: mean, gaussian, mode, nearest, itkwasm_gaussian, ... "
        "(default: mean; mode for labels)",
    )
    out.add_argument(
        "--chunks",
        type=int,
        help="chunk length of the spatial axes (default: 128 for 3-D, 256 for 2-D images; "
        "an OME-Zarr input keeps its own)",
    )
    out.add_argument(
        "--chunks-per-shard", type=int, help="write sharded arrays, 0.5/0.6 (default: no shards)"
    )
    out.add_argument(
        "--compression",
        metavar="CODEC[:LEVEL]",
        help="zstd[:LEVEL], gzip[:LEVEL], blosc[:CNAME[:LEVEL]] or none (default: zstd:0)",
    )
    out.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    run = conv.add_argument_group("running")
    run.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="files converted at once; they share --memory-limit and --workers",
    )
    run.add_argument(
        "--resume",
        action="store_true",
        help="skip outputs that are complete; finish interrupted --resume writes",
    )
    run.add_argument("--report", metavar="FILE", help="write a JSON report of a batch")
    run.add_argument(
        "--memory-limit",
        help="memory budget of the writer, e.g. '1 GiB' (default: NGFFKIT_MEMORY_LIMIT, "
        "else an eighth of the available RAM, 64-256 MiB)",
    )
    run.add_argument(
        "--workers", type=int, help="regions written at once (default: the CPUs available)"
    )
    run.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="a dask.distributed scheduler address (tcp://host:8786), or threads / sync "
        "(default: threads)",
    )
    run.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bars (default: in a terminal, for writes over a second)",
    )


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``ngffkit`` command.

    Examples
    --------
    >>> build_parser().parse_args(["validate", "img.zarr"]).command
    'validate'
    """
    parser = argparse.ArgumentParser(
        prog="ngffkit",
        description="OME-Zarr conversion and checks.",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    parser.add_argument(
        "--version",
        action="version",
        version=f"ngffkit {_package_version()}",
        help="print ngffkit's version",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_convert(sub)
    info = sub.add_parser(
        "info",
        help="an image's levels, chunks, shards, codecs, sizes and channels, or a plate's layout",
        formatter_class=_HelpFormatter,
    )
    info.add_argument("store", help="path or URL of an OME-Zarr image or plate")
    info.add_argument("--json", action="store_true", help="print JSON, for scripts")
    val = sub.add_parser(
        "validate",
        help="validate a store against the OME-NGFF spec",
        formatter_class=_HelpFormatter,
    )
    val.add_argument("store", help="path or URL of an OME-Zarr store")
    val.add_argument("--strict", action="store_true", help="use the strict schemas")
    val.add_argument(
        "--chunks",
        action="store_true",
        help="also check that every chunk the metadata implies is stored (lists the store)",
    )
    pic = sub.add_parser(
        "preview",
        help="draw a plane of an image into a PNG (channels in colour, label outlines), "
        "or a plate's layout of wells",
        formatter_class=_HelpFormatter,
    )
    pic.add_argument("store", help="path or URL of an OME-Zarr image or HCS plate")
    pic.add_argument("-o", "--output", default="preview.png", help="PNG to write")
    pic.add_argument("--level", type=int, help="pyramid level (default: one that fits 1024 px)")
    pic.add_argument("--z", type=int, help="z plane (default: the middle one)")
    pic.add_argument("--t", type=int, default=0, help="time point")
    pic.add_argument(
        "--projection", choices=["slice", "max"], default="slice", help="how z is shown"
    )
    pic.add_argument(
        "--channels", nargs="*", help="channel names or indices (default: the active ones)"
    )
    pic.add_argument("--labels", nargs="*", help="label images whose outlines are drawn")
    pic.add_argument(
        "--overview", action="store_true", help="one panel per level, with shape and pixel size"
    )
    pic.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    return parser


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ngffkit")
    except PackageNotFoundError:  # pragma: no cover - a source tree without install
        return "0.0.0"


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
    _save_whole(fig, output, overwrite=args.overwrite)
    print(f"wrote {output}")
    return 0


def _save_whole(fig: Any, output: Path, *, overwrite: bool) -> None:
    """Save *fig* to *output* only once complete: a failure or a kill keeps an old file whole.

    The picture is written to a hidden file in the same folder (same file system), then
    renamed over *output* (`os.replace`, atomic); without *overwrite* it is linked there
    instead, which fails if another writer created *output* meanwhile.
    """
    import os
    import tempfile

    output = output.resolve()  # a symlinked output is replaced where it points; the link stays
    fd, name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=output.suffix, dir=output.parent)
    os.close(fd)
    partial = Path(name)
    try:
        umask = os.umask(0)
        os.umask(umask)
        # mkstemp makes the file private; the picture gets the mode a plain write would give it.
        partial.chmod(output.stat().st_mode & 0o7777 if output.exists() else 0o666 & ~umask)
        fig.savefig(partial, dpi=120)
        if overwrite:
            partial.replace(output)
            return
        try:
            output.hardlink_to(partial)
        except FileExistsError:
            raise NgffExistsError(
                f"output {output}: another process created it meanwhile; it was kept "
                f"(pass --overwrite to replace it)"
            ) from None
        except OSError:  # a file system without hard links: checked, then renamed
            if output.exists():
                raise
            partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)


def _info(args: argparse.Namespace) -> int:
    import json

    from rich.console import Console

    from ngffkit._info import describe, render
    from ngffkit.container import plate_layout, store_overview

    plate = plate_layout(args.store) if args.json else store_overview(args.store)
    if plate is not None:  # a plate: its grid of wells, acquisitions and first field
        print(json.dumps(plate, indent=2) if args.json else plate)
        return 0
    doc = describe(args.store)
    if args.json:
        print(json.dumps(doc, indent=2))
        return 0
    console = Console()
    # Piped, each row stays on one line (no field wraps) whatever the width.
    render(doc, console if console.is_terminal else Console(width=100_000))
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
    # tifffile logs what it finds wrong in a file as it parses it; the reader's error says it.
    for name in ("asyncio", "tifffile"):
        quiet = logging.getLogger(name)
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
        return _info(args)
    from ngffkit.validation import validate

    report = validate(args.store, strict=args.strict, chunks=args.chunks)
    print(report)  # a plate's report also says how many wells and fields it checked
    return 0 if report.ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
