"""The official OME-NGFF JSON schemas shipped in ``ngffkit/schemas``, and their findings.

Every schema of a version is registered by its ``$id``, so the references between them resolve
without the network.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from importlib import resources

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ngffkit.spec import pointer
from ngffkit.spec.rules import ValidationIssue, Where, issue
from ngffkit.spec.rules.narrow import JSON
from ngffkit.spec.versions import NgffVersion

__all__ = ["schema_registry", "schema_name", "schema_issues"]


@functools.cache
def schema_registry(version: NgffVersion) -> tuple[Registry[JSON], Mapping[str, str]]:
    """Every schema of *version*, registered by ``$id``; plus file stem -> ``$id``.

    Examples
    --------
    >>> _, ids = schema_registry("0.5")
    >>> "image" in ids and "strict_image" in ids
    True
    """
    folder = resources.files("ngffkit").joinpath("schemas").joinpath(version)
    ids: dict[str, str] = {}
    entries: list[tuple[str, Resource[JSON]]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".schema"):
            continue
        contents = json.loads(entry.read_text(encoding="utf-8"))
        schema_id = contents["$id"]
        ids[entry.name.removesuffix(".schema")] = schema_id
        # The strict 0.4/0.5 schemas have no "$schema": tell referencing which draft they are.
        resource = Resource.from_contents(contents, default_specification=DRAFT202012)
        entries.append((schema_id, resource))
    registry: Registry[JSON] = Registry().with_resources(entries).crawl()
    return registry, ids


@functools.cache
def _validator(version: NgffVersion, name: str) -> Draft202012Validator | None:
    registry, ids = schema_registry(version)
    if name not in ids:
        return None
    return Draft202012Validator(registry.contents(ids[name]), registry=registry)


def schema_name(version: NgffVersion, kind: str, *, strict: bool) -> str | None:
    """The schema file for a node *kind* (see ``OME_KINDS``), the strict one if asked and there.

    Examples
    --------
    >>> schema_name("0.4", "image", strict=True), schema_name("0.4", "labels", strict=False)
    ('strict_image', None)
    """
    _, ids = schema_registry(version)
    if strict and f"strict_{kind}" in ids:
        return f"strict_{kind}"
    return kind if kind in ids else None


def _describe_schema_error(error: ValidationError, loc: Where) -> str:
    if error.context:
        closest = best_match(error.context)
        where = loc.at(*closest.absolute_path).pointer or "<root>"
        return (
            f"matches none of the allowed forms ({error.validator}); closest: {where}: "
            f"{_trim(closest.message)}"
        )
    return _trim(error.message)


def _trim(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def schema_issues(
    document: Mapping[str, JSON], loc: Where, version: NgffVersion, name: str
) -> Iterator[ValidationIssue]:
    """What the schema *name* of *version* finds in *document*, as ``schema`` findings.

    Examples
    --------
    >>> found = schema_issues({"multiscales": 3}, Where("", ()), "0.4", "image")
    >>> [f.rule for f in found]
    ['schema']
    """
    validator = _validator(version, name)
    if validator is None:
        return
    errors = sorted(
        validator.iter_errors(document),
        key=lambda e: (pointer(tuple(e.absolute_path)), e.message),
    )
    for error in errors:
        schema_path = "/".join(str(p) for p in error.absolute_schema_path)
        yield issue(
            "schema",
            loc.at(*error.absolute_path),
            f"{_describe_schema_error(error, loc)} "
            f"(JSON schema {version}/{name}.schema, keyword {error.validator!r} at {schema_path})",
        )
