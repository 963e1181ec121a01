"""Test-side harness: run outside tools in their own processes; validate against the schemas.

ngffkit never imports ngff-zarr, ome-zarr-py, ngio or ome-zarr-models. The interop tests
reach them only through ``outside.py``, one process per tool (importing two of them in one
process changes what ome-zarr-models accepts), and check stores against the official JSON
schemas in ``../shared/spec/<version>/schemas`` with plain ``jsonschema``.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

OUTSIDE = Path(__file__).with_name("outside.py")
SHARED = Path(__file__).resolve().parents[3] / "shared"
"""``shared/`` beside the repository clone (``<root>/main`` and ``<root>/shared``)."""
SCHEMAS = SHARED / "spec"

TOOLS = ("ngffzarr", "omezarr", "ngio")
"""The outside tools that both read and write images (``ozm`` only validates)."""

K = TypeVar("K", bound=Hashable)
Call = tuple[str, str, Sequence[str]]
"""``(tool, action, args)`` as accepted by ``outside.py``."""


# ---------------------------------------------------------------------------- outside tools


def _run_process(argv: list[str], stdin: str | None, timeout: float) -> dict[str, Any]:
    command = [sys.executable, str(OUTSIDE), *argv]
    shown = " ".join(argv)
    try:
        done = subprocess.run(
            command, input=stdin, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"outside.py {shown}: no answer within {timeout} s\nstderr:\n{exc.stderr}")
    if done.returncode != 0:
        pytest.fail(f"outside.py {shown}: exit status {done.returncode}\nstderr:\n{done.stderr}")
    try:
        result = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"outside.py {shown}: printed no JSON object\nstdout:\n{done.stdout}\n"
            f"stderr:\n{done.stderr}"
        )
    return result  # type: ignore[no-any-return]


def run_outside(tool: str, action: str, *args: str | Path, timeout: float = 300) -> dict[str, Any]:
    """Run ``outside.py TOOL ACTION ARGS...`` in a fresh interpreter and return its JSON.

    The test fails, showing the tool's stderr, when the process fails or prints no JSON.
    A tool that raises is *not* a process failure: the result then has ``ok`` False and
    ``error`` set, so a test can assert exactly how the tool fails.
    """
    return _run_process([tool, action, *map(str, args)], None, timeout)


def run_outside_batch(
    tool: str, calls: Sequence[tuple[str, Sequence[str | Path]]], timeout: float = 300
) -> list[dict[str, Any]]:
    """Run many ``(action, args)`` of one *tool* in one fresh interpreter (one import)."""
    payload = json.dumps([[action, *map(str, args)] for action, args in calls])
    results: list[dict[str, Any]] = _run_process([tool, "batch"], payload, timeout)["results"]
    return results


def run_outside_many(calls: Mapping[K, Call], timeout: float = 300) -> dict[K, dict[str, Any]]:
    """Run every call, one process per tool, the tools' processes side by side.

    Returns the results under the keys of *calls*. Calls of one tool run in the order
    given, so a write can be followed by reads of another tool only in a later call.
    """
    by_tool: dict[str, list[K]] = defaultdict(list)
    for key, (tool, _, _) in calls.items():
        by_tool[tool].append(key)

    def one_tool(tool: str) -> list[dict[str, Any]]:
        batch = [(calls[k][1], calls[k][2]) for k in by_tool[tool]]
        return run_outside_batch(tool, batch, timeout=timeout)

    with ThreadPoolExecutor(max_workers=len(by_tool) or 1) as pool:
        answers = dict(zip(by_tool, pool.map(one_tool, by_tool), strict=True))
    return {
        key: result
        for tool, keys in by_tool.items()
        for key, result in zip(keys, answers[tool], strict=True)
    }


# ---------------------------------------------------------------------------- JSON schemas

_KINDS = (
    ("multiscales", "image"),
    ("plate", "plate"),
    ("well", "well"),
    ("bioformats2raw.layout", "bf2raw"),
)


@functools.cache
def _registry(version: str) -> Registry:
    """Every schema of *version*, registered by its ``$id``."""
    folder = SCHEMAS / version / "schemas"
    if not folder.is_dir():
        raise FileNotFoundError(f"no official schemas for OME-Zarr {version} at {folder}")
    resources = []
    for path in sorted(folder.glob("*.schema")):
        contents = json.loads(path.read_text())
        # The strict schemas carry no "$schema"; they are draft 2020-12 like the rest.
        resources.append(
            (contents["$id"], Resource.from_contents(contents, default_specification=DRAFT202012))
        )
    return Registry().with_resources(resources)


def _schema_uri(version: str, kind: str, strict: bool) -> str:
    """The ``$id`` of *kind*'s schema; strict when asked and the version has one."""
    uris = {uri.rsplit("/", 1)[-1]: uri for uri in _registry(version)}
    return uris.get(f"strict_{kind}.schema" if strict else "", uris[f"{kind}.schema"])


def _group_attributes(group: Path) -> tuple[int, dict[str, Any]] | None:
    """``(zarr_format, attributes)`` of a group (``.zattrs`` or ``zarr.json`` attributes)."""
    if (group / "zarr.json").is_file():
        doc = json.loads((group / "zarr.json").read_text())
        return (3, doc.get("attributes", {})) if doc.get("node_type") == "group" else None
    if (group / ".zgroup").is_file():
        attrs = group / ".zattrs"
        return 2, json.loads(attrs.read_text()) if attrs.is_file() else {}
    return None


def _version(zarr_format: int, attrs: Mapping[str, Any]) -> str:
    """The OME-Zarr version a group declares (0.4 when a Zarr v2 group names none)."""
    if zarr_format == 3:
        return str(_ome(zarr_format, attrs).get("version", "0.5"))
    for key in ("multiscales", "plate", "well"):
        node = attrs.get(key)
        node = node[0] if isinstance(node, list) and node else node
        if isinstance(node, dict) and "version" in node:
            return str(node["version"])
    return "0.4"


def _ome(zarr_format: int, attrs: Mapping[str, Any]) -> Mapping[str, Any]:
    """The OME keys of a group: ``attributes.ome`` in Zarr v3, the attributes in Zarr v2."""
    ome = attrs.get("ome", {}) if zarr_format == 3 else attrs
    return ome if isinstance(ome, Mapping) else {}


def _schema_errors(
    where: str, version: str, kinds: Sequence[str], strict: bool, attrs: Any
) -> list[str]:
    registry = _registry(version)
    errors = []
    for kind in kinds:
        uri = _schema_uri(version, kind, strict)
        validator = jsonschema.Draft202012Validator(registry.contents(uri), registry=registry)
        for error in sorted(validator.iter_errors(attrs), key=lambda e: list(e.absolute_path)):
            message = error.message if len(error.message) < 300 else error.message[:300] + "..."
            errors.append(f"{where}: {uri.rsplit('/', 1)[-1]}: {error.json_path}: {message}")
    return errors


def schema_validate(
    store: str | Path, *, strict: bool = True, version: str | None = None
) -> list[str]:
    """Validate a store's group attributes against the official schemas of its version.

    The root group is checked against the schema of what it holds (image, plate, well,
    bioformats2raw); every label image listed in ``labels/`` against the image *and* the
    label schema. ``strict`` selects the ``strict_*`` schemas (for what ngffkit writes);
    without it the generic ones (for what others write). ``version`` overrides the version
    the store declares. Returns one line per error,
    ``"<group>: <schema>: <json path>: <message>"``; an empty list means valid.
    """
    root = Path(store)
    found = _group_attributes(root)
    if found is None:
        return [f".: no zarr group at {root}"]
    zarr_format, attrs = found
    if not isinstance(attrs, dict):
        return [f".: attributes are not a JSON object: {attrs!r}"]
    version = version or _version(zarr_format, attrs)
    kinds = [kind for key, kind in _KINDS if key in _ome(zarr_format, attrs)]
    if not kinds:
        return [f".: no OME-Zarr metadata among the attributes {sorted(attrs)}"]
    errors = _schema_errors(".", version, kinds[:1], strict, attrs)
    labels = _group_attributes(root / "labels")
    if "image" in kinds and labels is not None and isinstance(labels[1], dict):
        for name in _ome(*labels).get("labels", []):
            where = f"labels/{name}"
            label = _group_attributes(root / where)
            if label is None:
                errors.append(f"{where}: listed in labels/ but no zarr group there")
                continue
            errors += _schema_errors(where, version, ["image", "label"], strict, label[1])
    return errors
