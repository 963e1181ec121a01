"""``ngffkit info``: what an OME-Zarr image stores, as a document and as terminal tables.

`describe` builds a plain JSON-able document (per level: shape, stored chunks and shards,
dtype, codecs, bytes on disk, pixel sizes and units; channels; labels; tables), which
``--json`` prints as it is and `render` lays out for a terminal. Another kind of store (a
plate, say) adds its own document builder and renderer beside these two.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ngffkit.io.read import from_ngff_zarr
from ngffkit.model import Multiscales

__all__ = ["describe", "render", "codec_name"]


def codec_name(codec: Any) -> str:
    """A codec in a few characters: its id and level (``zstd(level=0)``, ``blosc(lz4, 5)``).

    Examples
    --------
    >>> from zarr.codecs import GzipCodec
    >>> codec_name(GzipCodec(level=6))
    'gzip(level=6)'
    """
    name = getattr(codec, "codec_id", None) or type(codec).__name__.removesuffix("Codec").lower()
    cname = getattr(codec, "cname", None)
    level = getattr(codec, "level", getattr(codec, "clevel", None))
    cname_text = getattr(cname, "value", cname)
    if cname is not None:
        return f"{name}({cname_text}, {level})"
    return f"{name}(level={level})" if level is not None else str(name)


def _disk_bytes(root: Path | None, path: str) -> int | None:
    if root is None:
        return None
    folder = root / path
    if not folder.is_dir():
        return None
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _levels(ms: Multiscales, root: Path | None) -> list[dict[str, Any]]:
    out = []
    for k, (image, path) in enumerate(zip(ms.images, ms.paths, strict=True)):
        layout = ms.layouts[k] if k < len(ms.layouts) else None
        out.append(
            {
                "path": path,
                "shape": list(image.shape),
                "chunks": list(layout.chunks) if layout else None,
                "shards": list(layout.shards) if layout and layout.shards else None,
                "dtype": str(image.dtype),
                "codecs": [codec_name(c) for c in layout.compressors] if layout else [],
                "bytes": _disk_bytes(root, path),
                "scale": dict(image.scale),
                "translation": dict(image.translation),
            }
        )
    return out


def describe(store: str) -> dict[str, Any]:
    """What the image at *store* holds, as a JSON-able document; no pixels are read.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> from ngffkit.pyramids import to_multiscales
    >>> from ngffkit.io.write import to_ngff_zarr
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "a.ome.zarr"
    >>> to_ngff_zarr(out, to_multiscales(np.zeros((64, 64), "u1"), scale_factors=[2], chunks=16))
    >>> doc = describe(str(out))
    >>> [(level["shape"], level["chunks"]) for level in doc["levels"]]
    [([64, 64], [16, 16]), ([32, 32], [16, 16])]
    """
    ms = from_ngff_zarr(store)
    local = Path(store) if "://" not in store and Path(store).is_dir() else None
    first = ms.images[0]
    channels = []
    if ms.omero is not None:
        for c in ms.omero.channels:
            window = c.window
            channels.append(
                {
                    "label": c.label,
                    "color": c.color,
                    "window": None if window is None else [window.start, window.end],
                }
            )
    return {
        "store": store,
        "version": ms.version,
        "name": ms.metadata.name,
        "axes": [
            {"name": d, "type": first.axes_types.get(d), "unit": first.axes_units.get(d)}
            for d in first.dims
        ],
        "levels": _levels(ms, local),
        "channels": channels,
        "labels": {
            name: {
                "levels": len(label.images),
                "shape": list(label.images[0].shape),
                "dtype": str(label.images[0].dtype),
            }
            for name, label in ms.labels.items()
        },
        "tables": {
            name: {"type": table.table_type, "backend": table.backend}
            for name, table in ms.tables.items()
        },
    }


def _size(n: int | None) -> str:
    if not n:
        return "-"
    exponent = min(int(math.log(n, 1024)), 4)
    unit = ("B", "KiB", "MiB", "GiB", "TiB")[exponent]
    return f"{n} B" if exponent == 0 else f"{n / 1024**exponent:.1f} {unit}"


def _shape(values: list[int] | None) -> str:
    return "-" if not values else " × ".join(str(v) for v in values)


def render(doc: dict[str, Any], console: Any) -> None:
    """Print *doc* (from `describe`) as tables on a rich *console*."""
    from rich.table import Table

    units = {a["name"]: a["unit"] for a in doc["axes"]}
    axes = ", ".join(
        f"{a['name']} ({a['type'] or '-'}{', ' + a['unit'] if a['unit'] else ''})"
        for a in doc["axes"]
    )
    console.print(f"[bold]{doc['store']}[/]  OME-NGFF {doc['version']}  name: {doc['name'] or '-'}")
    console.print(f"axes: {axes}")
    table = Table(show_edge=False, pad_edge=False)
    for title in ("level", "shape", "chunks", "shards", "dtype", "codecs", "size"):
        table.add_column(title, no_wrap=True, justify="right" if title == "size" else "left")
    table.add_column("pixel size", overflow="fold")
    for level in doc["levels"]:
        spatial = [d for d in level["scale"] if units.get(d) or d in "zyx"]
        shared = {units.get(d) for d in spatial}
        if len(shared) == 1 and None not in shared:  # one unit for all: said once
            pixel = ", ".join(f"{d}={level['scale'][d]:g}" for d in spatial) + f" {shared.pop()}"
        else:
            pixel = ", ".join(
                f"{d}={level['scale'][d]:g}{' ' + units[d] if units.get(d) else ''}"
                for d in spatial
            )
        table.add_row(
            level["path"],
            _shape(level["shape"]),
            _shape(level["chunks"]),
            _shape(level["shards"]),
            level["dtype"],
            ", ".join(level["codecs"]) or "none",
            _size(level["bytes"]),
            pixel or "-",
        )
    console.print(table)
    if doc["channels"]:
        listed = ", ".join(f"{c['label']} (#{c['color']})" for c in doc["channels"])
        console.print(f"channels: {listed}")
    if doc["labels"]:
        listed = ", ".join(
            f"{name} ({info['levels']} levels, {info['dtype']})"
            for name, info in doc["labels"].items()
        )
        console.print(f"labels: {listed}")
    if doc["tables"]:
        listed = ", ".join(
            f"{name} ({info['type'] or 'table'})" for name, info in doc["tables"].items()
        )
        console.print(f"tables: {listed}")
