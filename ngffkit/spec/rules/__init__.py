"""Every OME-NGFF rule ngffkit checks, one function per rule id, in one catalogue.

The modules are named after the spec's sections (`axes`, `multiscales`,
`coordinate_systems`, `omero`, `labels`, `plate`, `well`, `scene`, `bioformats2raw`,
`tables`, `document` for what concerns a whole document and `storage` for the Zarr format a
version is stored in). Each registers its rules in
[`CATALOGUE`][ngffkit.spec.rules.CATALOGUE] (id, section, severity, versions, summary).
The spec's dataclasses run these checks when they are built and stop at the first error;
[`ngffkit.validate`][ngffkit.validate] runs them on raw JSON and collects every finding.
The documentation's rule table is generated from the catalogue.

Examples
--------
>>> CATALOGUE["axes-order"].summary
'axes are ordered time, then channel or custom, then space'
>>> len({rule.section for rule in CATALOGUE.values()}) >= 10
True
"""

from __future__ import annotations

from ngffkit.spec.rules import bioformats2raw, document, tables
from ngffkit.spec.rules._catalogue import (
    CATALOGUE,
    Rule,
    Section,
    Severity,
    ValidationIssue,
    Where,
    declare,
    issue,
    raise_first,
    rule,
)
from ngffkit.spec.rules.document import check_document

__all__ = [
    "CATALOGUE",
    "Rule",
    "Section",
    "Severity",
    "ValidationIssue",
    "Where",
    "check_document",
    "declare",
    "issue",
    "raise_first",
    "rule",
    "catalogue_markdown",
]

_ = (bioformats2raw, document, tables)  # imported for the rules they register


def catalogue_markdown() -> str:
    """The catalogue as the Markdown table of the documentation's validation page.

    Examples
    --------
    >>> catalogue_markdown().splitlines()[0]
    '| Rule | Section | Severity | Versions | Needs the store | What it requires |'
    """
    lines = [
        "| Rule | Section | Severity | Versions | Needs the store | What it requires |",
        "|---|---|---|---|---|---|",
    ]
    for entry in sorted(CATALOGUE.values(), key=lambda r: (r.section, r.id)):
        lines.append(
            f"| `{entry.id}` | {entry.section} | {entry.severity} | "
            f"{', '.join(entry.versions)} | {'yes' if entry.store else ''} | {entry.summary} |"
        )
    return "\n".join(lines) + "\n"
