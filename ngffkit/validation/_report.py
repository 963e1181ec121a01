"""The outcome of a validation: errors and warnings, as text, HTML, or an exception."""

from __future__ import annotations

import html
from dataclasses import dataclass

from ngffkit.errors import NgffIncompleteStoreError, NgffValidationError
from ngffkit.spec.rules import ValidationIssue
from ngffkit.spec.versions import NgffVersion

__all__ = ["ValidationReport"]


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of [`validate`][ngffkit.validate]: errors and warnings for one target.

    Examples
    --------
    >>> from ngffkit import validate
    >>> report = validate({"multiscales": []}, version="0.4")
    >>> report.ok
    False
    >>> report.raise_for_errors()
    Traceback (most recent call last):
    ...
    ngffkit.errors.NgffValidationError: 1 OME-NGFF 0.4 error in <attributes>: ...
    """

    version: NgffVersion | None
    """The version validated against (`"0.4"`, `"0.5"`, `"0.6"`), or None if unknown."""
    errors: tuple[ValidationIssue, ...]
    warnings: tuple[ValidationIssue, ...]
    target: str
    """What was validated: a store location, `<attributes>` or `<zarr.json>`."""
    covered: tuple[str, ...] = ()
    """What the store walk checked beyond the root, in words (a plate: how many wells and fields)."""

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings do not count).

        Examples
        --------
        >>> from ngffkit import validate
        >>> validate({"ome": {"version": "0.5", "labels": ["cells"]}}).ok
        True
        """
        return not self.errors

    def raise_for_errors(self) -> None:
        """Raise [`NgffValidationError`][ngffkit.NgffValidationError] listing every error, if any.

        `rule` and `path` of the exception are those of the first error. A store whose arrays
        exist without OME metadata raises the subclass
        [`NgffIncompleteStoreError`][ngffkit.NgffIncompleteStoreError].

        Raises
        ------
        NgffValidationError
            If the report has errors; a report with warnings only returns None.

        Examples
        --------
        >>> import ngffkit
        >>> axes = [{"name": n, "type": t} for n, t in [("y", "space"), ("x", "space"), ("c", "channel")]]
        >>> report = ngffkit.validate({"ome": {"version": "0.5", "multiscales": [{
        ...     "axes": axes, "datasets": [{"path": "0", "coordinateTransformations": [
        ...         {"type": "scale", "scale": [1, 1, 1]}]}]}]}})
        >>> try:
        ...     report.raise_for_errors()
        ... except ngffkit.NgffValidationError as exc:
        ...     print(exc.rule, "|", exc.path)
        axes-order | ome.multiscales[0].axes
        """
        if not self.errors:
            return
        first = self.errors[0]
        count = len(self.errors)
        noun = "error" if count == 1 else "errors"
        lines = [f"{count} OME-NGFF {self.version or '?'} {noun} in {self.target}:"]
        lines += [f"  [{issue.rule}] {issue.message}" for issue in self.errors]
        message = "\n".join(lines) if count > 1 else f"{lines[0]} [{first.rule}] {first.message}"
        cls = (
            NgffIncompleteStoreError
            if any(issue.rule == "no-ome-metadata" for issue in self.errors)
            else NgffValidationError
        )
        raise cls(message, rule=first.rule, path=first.path)

    def __str__(self) -> str:
        version = self.version or "unknown version"
        head = (
            f"OME-NGFF {version} validation of {self.target}: "
            f"{_plural(len(self.errors), 'error')}, {_plural(len(self.warnings), 'warning')}"
        )
        if self.ok and not self.warnings:
            return "\n".join([f"{head} - valid", *self.covered])
        body = [f"  {i.severity:<7} [{i.rule}] {i.message}" for i in (*self.errors, *self.warnings)]
        return "\n".join([head, *self.covered, *body])

    def _repr_html_(self) -> str:
        colour = "#2e7d32" if self.ok else "#c62828"
        verdict = "valid" if self.ok else "invalid"
        head = (
            f"<p><b>OME-NGFF {html.escape(self.version or '?')}</b> validation of "
            f"<code>{html.escape(self.target)}</code>: "
            f'<span style="color:{colour}"><b>{verdict}</b></span> '
            f"({_plural(len(self.errors), 'error')}, {_plural(len(self.warnings), 'warning')})</p>"
        )
        issues = (*self.errors, *self.warnings)
        if not issues:
            return head
        rows = "".join(
            "<tr>"
            f"<td>{html.escape(i.severity)}</td><td><code>{html.escape(i.rule)}</code></td>"
            f'<td><code style="word-break:break-all">{html.escape(i.path)}</code></td>'
            f"<td>{html.escape(i.message)}</td>"
            "</tr>"
            for i in issues
        )
        table = (
            "<table><thead><tr><th>severity</th><th>rule</th><th>path</th><th>message</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>"
        )
        return head + table


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
