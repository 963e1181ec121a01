"""The rule catalogue: every rule id ngffkit reports, with its section, severity and versions.

A rule is registered once, here, by the module of its spec section: either with the
[`rule`][ngffkit.spec.rules.rule] decorator on the function that checks it, or with
[`declare`][ngffkit.spec.rules.declare] when the check needs more than a JSON document (an
opened store, a decoded value). [`issue`][ngffkit.spec.rules.issue] refuses ids that are not
registered, so the catalogue cannot fall behind the code.

Examples
--------
>>> where = Where("", ("axes",))
>>> found = issue("axes-count", where, "expected 2 to 5 axes, got 1")
>>> found.message, found.severity
('axes: expected 2 to 5 axes, got 1', 'error')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias, TypeVar, get_args

from ngffkit.errors import NgffValidationError
from ngffkit.spec._parse import pointer
from ngffkit.spec.versions import WRITABLE_VERSIONS

__all__ = [
    "Severity",
    "Section",
    "Rule",
    "Where",
    "ValidationIssue",
    "CATALOGUE",
    "rule",
    "declare",
    "issue",
    "raise_first",
]

Severity: TypeAlias = Literal["error", "warning"]
Section: TypeAlias = Literal[
    "document",
    "axes",
    "multiscales",
    "coordinate-systems",
    "omero",
    "labels",
    "plate",
    "well",
    "scene",
    "bioformats2raw",
    "tables",
]

F = TypeVar("F", bound=Callable[..., object])


@dataclass(frozen=True)
class Rule:
    """One entry of the catalogue.

    Examples
    --------
    >>> CATALOGUE["axes-order"].section
    'axes'
    """

    id: str
    """Stable kebab-case id, e.g. ``"axes-order"``."""
    section: Section
    """The spec section the rule belongs to."""
    summary: str
    """What the rule requires, in one sentence (the template the messages fill in)."""
    severity: Severity = "error"
    """The usual severity; a check may report a SHOULD-level variant as a warning."""
    versions: tuple[str, ...] = WRITABLE_VERSIONS
    """The OME-NGFF versions the rule applies to."""
    store: bool = False
    """True when the rule needs the store (arrays, child groups), not only a JSON document."""


CATALOGUE: Final[dict[str, Rule]] = {}
"""Every registered rule, by id, in registration order (section by section)."""


def declare(
    rule_id: str,
    section: Section,
    summary: str,
    *,
    severity: Severity = "error",
    versions: tuple[str, ...] = WRITABLE_VERSIONS,
    store: bool = False,
) -> Rule:
    """Register a rule whose check lives with the data it needs (store walk, decoder).

    Examples
    --------
    >>> import ngffkit.spec.rules  # registers every rule
    >>> entry = CATALOGUE["bf2raw-series"]
    >>> same = declare(entry.id, entry.section, entry.summary, store=True)
    >>> same == entry  # registering the same entry again is harmless; a different one raises
    True
    """
    entry = Rule(rule_id, section, summary, severity, tuple(versions), store)
    problem = _problem(entry)
    if problem:
        raise ValueError(f"rule {rule_id!r}: {problem}")
    known = CATALOGUE.get(rule_id)
    if known is not None and known != entry:
        raise ValueError(f"rule {rule_id!r} is registered twice with different entries")
    CATALOGUE[rule_id] = entry
    return entry


_ID: Final = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def _problem(entry: Rule) -> str | None:
    """What is wrong with a catalogue entry, or None: the table in the docs is built from them."""
    if not _ID.fullmatch(entry.id):
        return "ids are kebab-case ([a-z0-9] words joined by '-')"
    if entry.section not in get_args(Section):
        return f"section {entry.section!r} is not one of {get_args(Section)}"
    if entry.severity not in get_args(Severity):
        return f"severity {entry.severity!r} is not one of {get_args(Severity)}"
    if not entry.versions or not set(entry.versions) <= set(WRITABLE_VERSIONS):
        return f"versions {entry.versions} must be some of {WRITABLE_VERSIONS}"
    if not entry.summary or entry.summary.endswith("."):
        return "the summary is one phrase without a final full stop"
    return None


def rule(
    *rule_ids: str,
    section: Section,
    summary: str,
    severity: Severity = "error",
    versions: tuple[str, ...] = WRITABLE_VERSIONS,
) -> Callable[[F], F]:
    """Register the decorated function as the check of *rule_ids* (usually one id).

    Examples
    --------
    The check of ``axes-count`` is registered as
    ``@rule("axes-count", section="axes", summary="2 to 5 axes")``:

    >>> import ngffkit.spec.rules.axes
    >>> CATALOGUE["axes-count"].summary
    '2 to 5 axes'
    """

    def register(check: F) -> F:
        for rule_id in rule_ids:
            declare(rule_id, section, summary, severity=severity, versions=versions)
        return check

    return register


@dataclass(frozen=True)
class Where:
    """A position inside one JSON document: the file it came from plus the keys leading to it.

    Examples
    --------
    >>> str(Where("img.zarr/zarr.json", ("attributes", "ome")).at("multiscales", 0))
    'img.zarr/zarr.json#attributes.ome.multiscales[0]'
    """

    file: str
    parts: tuple[str | int, ...] = ()
    root: str = ""  # a JSON path written already (a decoder's), which *parts* continue

    def at(self, *parts: str | int) -> Where:
        """The position *parts* further down.

        Examples
        --------
        >>> Where("", ("plate",)).at("wells", 3).parts
        ('plate', 'wells', 3)
        """
        return Where(self.file, (*self.parts, *parts), self.root)

    @property
    def pointer(self) -> str:
        """The JSON path alone, as ngffkit's messages write it.

        Examples
        --------
        >>> Where("img.zarr/.zattrs", ("multiscales", 0, "axes")).pointer
        'multiscales[0].axes'
        """
        return pointer(self.parts, self.root)

    def __str__(self) -> str:
        path = self.pointer
        if self.file and path:
            return f"{self.file}#{path}"
        return self.file or path or "<root>"


@dataclass(frozen=True)
class ValidationIssue:
    """One broken rule: where, which rule, and a message saying what was expected and found.

    Examples
    --------
    >>> issue = ValidationIssue("ome.multiscales[0].axes", "axes-order", "axes out of order")
    >>> issue.severity
    'error'
    """

    path: str
    """File and JSON path, e.g. `/data/img.zarr/zarr.json#attributes.ome.multiscales[0].axes`."""
    rule: str
    """Stable kebab-case rule id, e.g. `"axes-order"` or `"schema"`."""
    message: str
    """Human-readable sentence; it starts with [`path`][ngffkit.ValidationIssue.path]."""
    severity: Severity = "error"
    """`"error"` breaks a MUST of the spec; `"warning"` a SHOULD or a convention."""


def issue(
    rule_id: str, where: Where, text: str, severity: Severity | None = None
) -> ValidationIssue:
    """The finding of rule *rule_id* at *where*; *severity* defaults to the catalogue's.

    Raises
    ------
    KeyError
        If *rule_id* is not in the catalogue (a programming error, caught by the tests).

    Examples
    --------
    >>> issue("axes-order", Where("", ("axes",)), "x before t", "warning").severity
    'warning'
    """
    entry = CATALOGUE[rule_id]
    return ValidationIssue(
        path=str(where),
        rule=rule_id,
        message=f"{where}: {text}",
        severity=entry.severity if severity is None else severity,
    )


def raise_first(found: Iterable[ValidationIssue]) -> None:
    """Raise the first error of *found* as an `NgffValidationError`; warnings pass.

    Decoding runs the same checks as `ngffkit.validate` and stops here at the first error;
    `validate` collects them all.

    Examples
    --------
    >>> raise_first([issue("axes-count", Where("", ("axes",)), "expected 2 to 5 axes")])
    Traceback (most recent call last):
    ...
    ngffkit.errors.NgffValidationError: axes: expected 2 to 5 axes
    """
    for finding in found:
        if finding.severity == "error":
            raise NgffValidationError(finding.message, rule=finding.rule, path=finding.path)
