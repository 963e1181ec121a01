"""``ngffkit convert``: read inputs, plan their pyramids, write them, validate them.

Kept apart from the argument parser (`ngffkit.cli`) so that ``ngffkit --help``,
``ngffkit validate`` and ``ngffkit info`` do not load what conversion needs.

One input and an output store convert as they always did (errors are the command's, exit
status 2). Several inputs, a folder or a glob pattern are a batch: OUTPUT is a folder that
receives one ``<stem>.ome.zarr`` per input (per series with ``--series all``); a file that
fails is reported in the summary and the batch goes on (exit status 1).
"""

from __future__ import annotations

import argparse
import contextlib
import contextvars
import glob
import json
import math
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from ngffkit.arrays import to_ngff_image
from ngffkit.errors import NgffError, NgffExistsError, NgffValueError
from ngffkit.io.read import from_ngff_zarr
from ngffkit.io.write import shared_display, to_ngff_zarr
from ngffkit.model import Multiscales, NgffImage, parse_colors
from ngffkit.pyramids import to_multiscales
from ngffkit.readers import (
    IMAGEIO_SUFFIXES,
    TIFF_SUFFIXES,
    open_image,
    output_stem,
    series_count,
)
from ngffkit.samples import sample_image, sample_labels
from ngffkit.validation import validate

__all__ = ["convert", "convert_one", "Job", "Outcome", "plan_jobs"]

_INPUT_SUFFIXES = (*TIFF_SUFFIXES, *IMAGEIO_SUFFIXES, ".npy")


# ------------------------------------------------------------------------------ arguments


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


def _units(values: Sequence[str] | None) -> str | dict[str, str] | None:
    """``--units micrometer`` (every space axis) or ``--units z=micrometer t=second``."""
    if not values:
        return None
    if len(values) == 1 and "=" not in values[0]:
        return values[0]
    out: dict[str, str] = {}
    for item in values:
        name, sep, unit = item.partition("=")
        if not sep or not unit:
            raise NgffValueError(
                f"--units: expected one unit (micrometer) or AXIS=UNIT pairs, got {item!r}"
            )
        out[name] = unit
    return out


def _compression(spec: str | None, version: str) -> Any:
    """Codecs for ``--compression``: ``zstd[:LEVEL]``, ``gzip[:LEVEL]``, ``blosc[:CNAME[:LEVEL]]``, ``none``.

    Examples
    --------
    >>> _compression("gzip:6", "0.5")
    (GzipCodec(level=6),)
    >>> _compression("none", "0.4")
    ()
    """
    if spec is None:
        return None
    parts = spec.lower().split(":")
    name, rest = parts[0], parts[1:]
    v2 = version == "0.4"
    try:
        if name == "none" and not rest:
            return ()
        if name in ("zstd", "gzip") and len(rest) <= 1:
            level = int(rest[0]) if rest else (0 if name == "zstd" else 5)
            if v2:
                import numcodecs

                return (numcodecs.Zstd(level=level) if name == "zstd" else numcodecs.GZip(level),)
            from zarr.codecs import GzipCodec, ZstdCodec

            return (ZstdCodec(level=level) if name == "zstd" else GzipCodec(level=level),)
        if name == "blosc" and len(rest) <= 2:
            cname: Any = rest[0] if rest else "zstd"
            level = int(rest[1]) if len(rest) > 1 else 5
            if v2:
                import numcodecs

                return (numcodecs.Blosc(cname=cname, clevel=level, shuffle=1),)
            from zarr.codecs import BloscCodec

            return (BloscCodec(cname=cname, clevel=level, shuffle="shuffle"),)
    except (ValueError, TypeError) as exc:
        raise NgffValueError(f"--compression {spec}: {exc}") from None
    raise NgffValueError(
        f"--compression: expected zstd[:LEVEL], gzip[:LEVEL], blosc[:CNAME[:LEVEL]] or none, "
        f"got {spec!r}"
    )


def _scheduler(address: str | None, stack: contextlib.ExitStack) -> Any:
    if address is None or address in ("threads", "sync"):
        return address
    try:
        from distributed import Client
    except ImportError:
        from ngffkit.errors import NgffDependencyError

        raise NgffDependencyError(
            "--scheduler ADDRESS needs dask.distributed: pip install 'ngffkit[distributed]'"
        ) from None
    try:
        client = Client(address, timeout="10s")
    except OSError as exc:
        raise NgffValueError(f"--scheduler {address}: cannot connect ({exc})") from None
    stack.callback(client.close)
    return client


@dataclass(frozen=True)
class Options:
    """The parsed options every file of a run shares, checked once before any file is read."""

    scale: dict[str, float]
    translation: dict[str, float]
    units: str | dict[str, str] | None
    compressors: Any
    memory_limit: int | str | None
    workers: int | None
    scheduler: Any


def _options(args: argparse.Namespace, jobs: int, stack: contextlib.ExitStack) -> Options:
    memory: int | str | None = args.memory_limit
    workers = args.workers
    if jobs > 1:
        # Files written at once share the budget and the CPUs.
        from ngffkit.io.write import default_workers, parse_memory_limit

        try:
            total = parse_memory_limit(memory)
        except NgffValueError:
            raise NgffValueError(
                f"--memory-limit: expected a size such as '1 GiB', got {memory!r}"
            ) from None
        memory = max(1, total // jobs)
        workers = max(1, (default_workers() if workers is None else workers) // jobs)
    if args.channel_colors:
        parse_colors(args.channel_colors, argument="--channel-colors")
    return Options(
        scale=_pairs(args.scale, "scale"),
        translation=_pairs(args.translation, "translation"),
        units=_units(args.units),
        compressors=_compression(args.compression, args.ngff_version),
        memory_limit=memory,
        workers=workers,
        scheduler=_scheduler(args.scheduler, stack),
    )


# ------------------------------------------------------------------------------ the plan


@dataclass(frozen=True)
class Job:
    """One conversion: an input (None for a built-in sample), its series, the output store."""

    input: str | None
    output: str
    series: int | None = None


def _is_store(path: Path) -> bool:
    return path.is_dir() and any(
        (path / name).exists() for name in ("zarr.json", ".zgroup", ".zarray", ".zattrs")
    )


def _expand(item: str) -> list[str]:
    """An input argument as files: itself, a folder's image files, or a glob's matches."""
    path = Path(item)
    if "://" in item or _is_store(path) or path.is_file():
        return [item]
    if path.is_dir():
        found = sorted(
            str(p)
            for p in path.iterdir()
            if (p.is_file() and p.name.lower().endswith(_INPUT_SUFFIXES)) or _is_store(p)
        )
        if not found:
            raise NgffValueError(
                f"input {item}: the folder holds no image files ({', '.join(_INPUT_SUFFIXES)} "
                f"or OME-Zarr)"
            )
        return found
    if glob.has_magic(item):
        # Path.glob takes no absolute patterns; the shell's own expansion is glob.glob's.
        matches = sorted(glob.glob(item))  # noqa: PTH207
        if not matches:
            raise NgffValueError(f"input {item}: the pattern matches no file")
        return matches
    raise NgffValueError(f"input {item}: no such file or directory")


def _is_batch(args: argparse.Namespace, inputs: Sequence[str], output: str) -> bool:
    if len(inputs) > 1 or args.series == "all":
        return True
    single = Path(inputs[0])
    if glob.has_magic(inputs[0]) and not single.exists():
        return True
    if single.is_dir() and not _is_store(single) and "://" not in inputs[0]:
        return True
    out = Path(output)
    return output.endswith(("/", "\\")) or (
        out.is_dir() and not _is_store(out) and any(out.iterdir())
    )


def plan_jobs(args: argparse.Namespace) -> tuple[list[Job], bool]:
    """The conversions a command line asks for, and whether they are a batch.

    Raises
    ------
    NgffValueError
        For a usage error: no input, a missing input file, a pattern that matches nothing,
        two inputs that would write the same output.
    """
    paths = list(args.paths)
    if args.sample:
        if len(paths) != 1:
            raise NgffValueError(f"--sample: expected only OUTPUT, got {paths}")
        return [Job(None, paths[0])], False
    if len(paths) < 2:
        raise NgffValueError("convert: expected INPUT... OUTPUT (or --sample NAME OUTPUT)")
    *inputs, output = paths
    batch = _is_batch(args, inputs, output)
    files = [f for item in inputs for f in _expand(item)]
    series = _series_arg(args.series)
    if not batch:
        return [Job(files[0], output, series)], False
    out = Path(output)
    if out.exists() and not out.is_dir():
        raise NgffValueError(f"output {output}: a batch writes into a folder; this is a file")
    jobs: list[Job] = []
    for f in files:
        stem = output_stem(f)
        if args.series == "all":
            count = series_count(f)
            for n in range(count):
                # A file of one image is read as it is (an OME-Zarr has no series 0 below it).
                jobs.append(Job(f, str(out / f"{stem}_{n}.ome.zarr"), n if count > 1 else None))
        else:
            jobs.append(Job(f, str(out / f"{stem}.ome.zarr"), series))
    seen: dict[str, str] = {}
    for job in jobs:
        if job.output in seen and seen[job.output] != job.input:
            raise NgffValueError(
                f"inputs {seen[job.output]} and {job.input}: both would write "
                f"{job.output}; convert them into different folders"
            )
        seen[job.output] = str(job.input)
    return jobs, True


def _series_arg(value: str | None) -> int | None:
    """``--series N`` as a number; None for the first and for ``all`` (which the plan expands)."""
    if value is None or value == "all":
        return None
    try:
        return int(value)
    except ValueError:
        raise NgffValueError(f"--series: expected a number or 'all', got {value!r}") from None


# ------------------------------------------------------------------------- one conversion


@dataclass(frozen=True)
class Outcome:
    """What became of one job: the summary's row and the JSON report's entry."""

    input: str
    output: str
    series: int | None = None
    result: str = "failed"
    """``converted``, ``skipped`` (complete, with --resume), ``invalid`` or ``failed``."""
    levels: int = 0
    bytes: int = 0
    """Size of the output on disk."""
    seconds: float = 0.0
    error: str | None = None
    notes: tuple[str, ...] = ()
    """Metadata given on the command line that replaced the file's, and what was not carried over."""

    @property
    def ok(self) -> bool:
        return self.result in ("converted", "skipped")


def _with_overrides(
    image: NgffImage, args: argparse.Namespace, options: Options, notes: list[str]
) -> NgffImage:
    """*image* with the command line's metadata, which wins over the file's (noted)."""

    def changed(what: str, before: object, after: object) -> None:
        notes.append(f"{what}: command line {after} over the file's {before}")

    for d, v in options.scale.items():
        if d in image.scale and image.scale[d] not in (1.0, v):
            changed(f"scale {d}", image.scale[d], v)
    for d, v in options.translation.items():
        if d in image.translation and image.translation[d] not in (0.0, v):
            changed(f"translation {d}", image.translation[d], v)
    if options.units is not None and image.axes_units:
        changed("units", dict(image.axes_units), options.units)
    if (
        args.channel_names
        and image.channel_names
        and tuple(args.channel_names) != image.channel_names
    ):
        changed("channel names", list(image.channel_names), list(args.channel_names))
    if args.channel_colors and image.channel_colors:
        changed("channel colours", list(image.channel_colors), list(args.channel_colors))
    return to_ngff_image(
        image.data,
        dims=image.dims,
        scale={**image.scale, **options.scale},
        translation={**image.translation, **options.translation},
        axes_units=options.units if options.units is not None else dict(image.axes_units),
        axes_orientations=image.axes_orientations,
        axes_types=image.axes_types,
        name=args.name or image.name,
        channel_names=args.channel_names or image.channel_names,
        channel_colors=args.channel_colors or image.channel_colors,
        is_label=image.is_label,
    )


def _repyramid(args: argparse.Namespace, image: NgffImage) -> Multiscales:
    return to_multiscales(
        image,
        scale_factors=args.scale_factors
        if args.scale_factors
        else (64 if args.min_size is None else args.min_size),
        method=args.method,
        chunks=args.chunks,
    )


def _rechunked(ms: Multiscales, length: int) -> Multiscales:
    """*ms* and its labels with chunks of *length* along the spatial axes."""
    spatial = ms.images[0].spatial_dims
    labels = {name: _rechunked(label, length) for name, label in ms.labels.items()}
    chunks = {**(ms.chunks or {}), **dict.fromkeys(spatial, length)}
    return replace(ms, chunks=chunks, labels=labels)


def _geometry_given(args: argparse.Namespace) -> bool:
    return any(
        (
            args.dims,
            args.scale,
            args.translation,
            args.units,
            args.channel_names,
            args.channel_colors,
        )
    )


def _plan(
    job: Job, args: argparse.Namespace, options: Options, notes: list[str], stack: Any
) -> Multiscales:
    """The pyramid one job writes; nothing is computed."""
    if job.input is None:
        image = sample_image(args.sample)
    else:
        zarr_input = "://" in job.input or _is_store(Path(job.input))
        repyramid = (
            args.min_size is not None
            or bool(args.scale_factors or args.method)
            or _geometry_given(args)
        )
        if zarr_input and not repyramid and job.series is None:
            # An OME-Zarr re-encoded (another version, shards, chunks): its levels, labels,
            # tables, channels and stored chunks and codecs as they are.
            ms = from_ngff_zarr(job.input)
            ms = ms if args.chunks is None else _rechunked(ms, args.chunks)
            if args.name:
                ms = replace(ms, metadata=replace(ms.metadata, name=args.name))
            return ms
        opened = open_image(job.input, series=job.series, dims=args.dims)
        stack.callback(opened.close)
        notes.extend(opened.metadata.notes)
        if job.series is None and (count := series_count(job.input)) > 1:
            notes.append(f"the file holds {count} images; series 0 converted (--series all)")
        image = opened.image
    image = _with_overrides(image, args, options, notes)
    ms = _repyramid(args, image)
    if args.labels:
        label = to_multiscales(
            sample_labels(ms.images[0]),
            scale_factors=list(ms.scale_factors or ()),
            chunks=args.chunks,
        )
        ms = replace(ms, labels={"blobs": label})
    return ms


def _disk_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def _complete(output: str) -> bool:
    """An output that is there is complete: writes publish a store only when it is whole."""
    if not Path(output).exists():
        return False
    try:
        from_ngff_zarr(output, labels=False, tables=False)
    except NgffError:
        return False
    return True


def _write(
    job: Job,
    ms: Multiscales,
    args: argparse.Namespace,
    options: Options,
    progress: bool | None,
) -> None:
    try:
        to_ngff_zarr(
            job.output,
            ms,
            version=args.ngff_version,
            overwrite=args.overwrite,
            chunks_per_shard=args.chunks_per_shard,
            compressors=options.compressors,
            memory_limit=options.memory_limit,
            max_workers=options.workers,
            scheduler=options.scheduler,
            progress=progress,
            resume=args.resume,
        )
    except NgffExistsError:
        # The library's message says "pass overwrite=True", which is the Python spelling; on the
        # command line the switch is --overwrite.
        raise NgffExistsError(
            f"output {job.output}: already holds data; add --overwrite to replace it "
            f"(nothing was written)"
        ) from None


def convert_one(
    job: Job,
    args: argparse.Namespace,
    options: Options,
    *,
    progress: bool | None,
    show: Callable[[Multiscales], None] | None = None,
) -> Outcome:
    """Convert one job and validate its output; errors propagate (the caller reports them)."""
    start = time.perf_counter()
    row = Outcome(input=job.input or f"sample {args.sample}", output=job.output, series=job.series)
    if args.resume and not args.overwrite and _complete(job.output):
        return replace(
            row,
            result="skipped",
            levels=len(from_ngff_zarr(job.output, labels=False, tables=False).images),
            bytes=_disk_size(Path(job.output)),
            notes=("complete already (--resume)",),
        )
    notes: list[str] = []
    with contextlib.ExitStack() as stack:
        ms = _plan(job, args, options, notes, stack)
        if show is not None:
            show(ms)
        _write(job, ms, args, options, progress)
    report = validate(job.output)
    return replace(
        row,
        result="converted" if report.ok else "invalid",
        error=None if report.ok else str(report).strip().splitlines()[0],
        levels=len(ms.images),
        bytes=_disk_size(Path(job.output)),
        seconds=time.perf_counter() - start,
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------------- runs


def convert(args: argparse.Namespace) -> int:
    """Run ``ngffkit convert`` with the parsed *args*; return the exit status."""
    from rich.console import Console

    jobs, batch = plan_jobs(args)
    if args.labels and not args.sample:
        raise NgffValueError("--labels: only available with --sample")
    n_jobs = max(1, min(args.jobs, len(jobs))) if batch else 1
    with contextlib.ExitStack() as stack:
        options = _options(args, n_jobs, stack)
        if not batch:
            return _single(jobs[0], args, options, Console())
        return _batch(jobs, args, options, n_jobs)


def _single(job: Job, args: argparse.Namespace, options: Options, console: Any) -> int:
    outcome = convert_one(job, args, options, progress=args.progress, show=console.print)
    for note in outcome.notes:
        console.print(f"note: {note}")
    if outcome.result == "skipped":
        console.print(f"skipped {job.output}: complete already (--resume)")
        return 0
    console.print(
        f"wrote {job.output} (OME-NGFF {args.ngff_version}); validation: "
        f"{'ok' if outcome.ok else 'FAILED'}"
    )
    if not outcome.ok:
        console.print(str(validate(job.output)))
    return 0 if outcome.ok else 1


def _one_line(exc: BaseException) -> str:
    text = str(exc) if isinstance(exc, NgffError) else f"{type(exc).__name__}: {exc}"
    return (
        " / ".join(line.strip() for line in text.splitlines() if line.strip()) or type(exc).__name__
    )


def _run_guarded(job: Job, args: argparse.Namespace, options: Options, progress: bool) -> Outcome:
    start = time.perf_counter()
    try:
        return convert_one(job, args, options, progress=progress)
    except Exception as exc:  # one bad file does not stop the batch: its row says why
        return Outcome(
            input=str(job.input),
            output=job.output,
            series=job.series,
            error=_one_line(exc),
            seconds=time.perf_counter() - start,
        )


@contextlib.contextmanager
def _batch_display(args: argparse.Namespace, jobs: Sequence[Job]) -> Iterator[Any]:
    """The batch's live display: files done / total, input bytes and ETA, level bars below."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    show = args.progress if args.progress is not None else console.is_terminal
    if not show:
        yield None
        return
    display = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(binary_units=True),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )
    total = sum(_input_size(job) for job in jobs)
    task = display.add_task(f"files 0/{len(jobs)}", total=total)
    display.start()
    try:
        with shared_display(display):
            yield (display, task)
    finally:
        display.stop()


def _input_size(job: Job) -> int:
    if job.input is None:
        return 0
    path = Path(job.input)
    return path.stat().st_size if path.is_file() else _disk_size(path)


def _batch(jobs: Sequence[Job], args: argparse.Namespace, options: Options, n_jobs: int) -> int:
    outcomes: list[Outcome | None] = [None] * len(jobs)
    done = 0
    with _batch_display(args, jobs) as shown:

        def finished(index: int, outcome: Outcome) -> None:
            nonlocal done
            outcomes[index] = outcome
            done += 1
            if shown is not None:
                display, task = shown
                display.update(
                    task, advance=_input_size(jobs[index]), description=f"files {done}/{len(jobs)}"
                )

        if n_jobs == 1:
            for i, job in enumerate(jobs):
                finished(i, _run_guarded(job, args, options, shown is not None))
        else:
            with ThreadPoolExecutor(n_jobs, thread_name_prefix="ngffkit-convert") as pool:
                # Each file runs in a copy of this context, so its writer finds the display.
                futures = {
                    pool.submit(
                        contextvars.copy_context().run,
                        _run_guarded,
                        job,
                        args,
                        options,
                        shown is not None,
                    ): i
                    for i, job in enumerate(jobs)
                }
                for future, i in futures.items():
                    finished(i, future.result())
    results = [o for o in outcomes if o is not None]
    _print_summary(results)
    if args.report:
        _write_report(Path(args.report), results, args)
    return 0 if all(o.ok for o in results) else 1


def _size(n: int) -> str:
    if n <= 0:
        return "-"
    exponent = min(int(math.log(n, 1024)), 4)
    unit = ("B", "KiB", "MiB", "GiB", "TiB")[exponent]
    return f"{n}{unit}" if exponent == 0 else f"{n / 1024**exponent:.1f} {unit}"


def _console() -> Any:
    """stdout's console: the terminal's width, or one row per line when piped (no field wraps)."""
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=100_000)


def _print_summary(outcomes: Sequence[Outcome]) -> None:
    from rich.table import Table

    console = _console()
    table = Table(title=None, show_edge=False, pad_edge=False)
    table.add_column("file", overflow="fold")
    table.add_column("result", no_wrap=True)
    table.add_column("levels", justify="right", no_wrap=True)
    table.add_column("size", justify="right", no_wrap=True)
    table.add_column("seconds", justify="right", no_wrap=True)
    table.add_column("error / note", overflow="fold")
    for o in outcomes:
        name = Path(o.input).name + (f" [{o.series}]" if o.series is not None else "")
        style = "green" if o.ok else "red"
        detail = o.error or "; ".join(o.notes)
        table.add_row(
            name,
            f"[{style}]{o.result}[/]",
            str(o.levels or "-"),
            _size(o.bytes),
            f"{o.seconds:.2f}",
            detail,
        )
    console.print(table)
    failed = sum(not o.ok for o in outcomes)
    skipped = sum(o.result == "skipped" for o in outcomes)
    console.print(
        f"{len(outcomes) - failed} of {len(outcomes)} ok"
        + (f" ({skipped} complete already)" if skipped else "")
        + (f", {failed} failed" if failed else "")
    )


def _write_report(path: Path, outcomes: Sequence[Outcome], args: argparse.Namespace) -> None:
    document = {
        "ome_zarr_version": args.ngff_version,
        "total": len(outcomes),
        "ok": sum(o.ok for o in outcomes),
        "failed": sum(not o.ok for o in outcomes),
        "files": [{**asdict(o), "ok": o.ok} for o in outcomes],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
