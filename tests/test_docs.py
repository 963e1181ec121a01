"""The documentation is true: every Python example runs, and the site builds with ``--strict``.

The ```python blocks of each page of ``docs/`` run in order, as one script with a namespace of
its own, with warnings as errors, in a fresh interpreter (the one running the tests) whose
working directory is a temporary directory. All pages share that one interpreter, as they do in
``mkdocs build``, so the heavy imports are paid once. Blocks fenced ```python exec="false"``` are
shown but not run (they need a network or credentials); markdown-exec renders them as plain code.

``mkdocs build --strict`` then executes the ``exec="true"`` blocks a second time, through
markdown-exec, and fails on any broken link or anchor, unresolved API entry or example that raises.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import ngffkit

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))

# (module to import, distribution to name in the skip reason): what `ngffkit[docs]` brings.
DOCS_MODULES = (
    ("mkdocs", "mkdocs"),
    ("material", "mkdocs-material"),
    ("mkdocstrings", "mkdocstrings"),
    ("mkdocstrings_handlers.python", "mkdocstrings-python"),
    ("markdown_exec", "markdown-exec"),
)

_OPEN_FENCE = re.compile(r"^(?P<fence>`{3,})(?P<info>[^`]*)$")


def python_blocks(markdown: str) -> list[str]:
    """Return the top-level ```python blocks of a page in order, except ``exec="false"`` ones.

    Fences are tracked properly, so a ```python example shown inside a longer ````markdown
    fence is not mistaken for a block of the page.
    """
    blocks: list[str] = []
    fence: str | None = None
    info = ""
    lines: list[str] = []
    for line in markdown.splitlines():
        if fence is None:
            match = _OPEN_FENCE.match(line)
            if match:
                fence, info, lines = match["fence"], match["info"].strip(), []
        elif line.strip().startswith(fence) and not line.strip().strip("`"):
            language = info.split(maxsplit=1)[0] if info else ""
            if language == "python" and 'exec="false"' not in info:
                blocks.append("\n".join(lines))
            fence = None
        else:
            lines.append(line)
    assert fence is None, f"unclosed {fence} fence"
    return blocks


def subprocess_env() -> dict[str, str]:
    """The environment for examples: this checkout first on the path, no display needed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env["MPLBACKEND"] = "Agg"
    env["COLUMNS"] = "100"
    env["NO_MKDOCS_2_WARNING"] = "1"  # mkdocs-material's end-of-life banner on every build
    return env


def _page_id(page: Path) -> str:
    return page.relative_to(DOCS).as_posix()


PAGES_WITH_CODE = [p for p in PAGES if python_blocks(p.read_text(encoding="utf-8"))]

# Runs each page's script in its own namespace and working directory with warnings as errors,
# and records the page's output and, if it failed, the traceback.
_RUNNER = textwrap.dedent(
    """
    import contextlib, io, json, linecache, os, sys, traceback, warnings

    pages = json.loads(open(sys.argv[1], encoding="utf-8").read())
    results = {}
    for page_id, workdir, script in pages:
        os.chdir(workdir)
        # Let tracebacks quote the failing line of the page's script.
        linecache.cache[page_id] = (len(script), None, script.splitlines(True), page_id)
        output = io.StringIO()
        failure = None
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                try:
                    exec(compile(script, page_id, "exec"), {"__name__": "__main__"})
                except BaseException:
                    failure = traceback.format_exc()
        results[page_id] = {"output": output.getvalue(), "failure": failure}
    with open(sys.argv[2], "w", encoding="utf-8") as out:
        json.dump(results, out)
    """
)


@pytest.fixture(scope="module")
def page_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str | None]]:
    """Run every page's examples, each page in a directory of its own, in one fresh interpreter."""
    tmp = tmp_path_factory.mktemp("docs-examples")
    pages = []
    for page in PAGES_WITH_CODE:
        blocks = python_blocks(page.read_text(encoding="utf-8"))
        script = "\n\n".join(
            f"# --- {_page_id(page)}, block {i}\n{code}" for i, code in enumerate(blocks, 1)
        )
        workdir = tmp / _page_id(page).replace("/", "-").removesuffix(".md")
        workdir.mkdir()
        pages.append((_page_id(page), str(workdir), script))
    (tmp / "pages.json").write_text(json.dumps(pages), encoding="utf-8")
    (tmp / "runner.py").write_text(_RUNNER, encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            str(tmp / "runner.py"),
            str(tmp / "pages.json"),
            str(tmp / "results.json"),
        ],
        cwd=tmp,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"the examples runner crashed:\n{done.stdout}\n{done.stderr}"
    results: dict[str, dict[str, str | None]] = json.loads((tmp / "results.json").read_text())
    return results


def test_python_blocks_parser() -> None:
    """Blocks are found in order; exec="false" and blocks nested in longer fences are skipped."""
    page = "\n".join(
        [
            '```python exec="true" session="p"',
            "a = 1",
            "```",
            "````markdown",
            "```python",
            "nested = True",
            "```",
            "````",
            '```python exec="false"',
            "needs_network()",
            "```",
            "```bash",
            "echo no",
            "```",
            "```python",
            "b = a + 1",
            "```",
        ]
    )
    assert python_blocks(page) == ["a = 1", "b = a + 1"]


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=_page_id)
def test_page_examples_run(page: Path, page_results: dict[str, dict[str, str | None]]) -> None:
    """Every ```python block of the page runs, in order, without an error or a warning."""
    result = page_results[_page_id(page)]
    assert result["failure"] is None, (
        f"{_page_id(page)} failed:\n{result['output']}\n{result['failure']}"
    )


def _resolve(identifier: str) -> object:
    """Import what a ``::: dotted.name`` entry documents: the longest module, then attributes."""
    parts = identifier.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[split:]:
            obj = getattr(obj, attribute)
        return obj
    raise AssertionError(f"{identifier}: nothing importable")


def test_every_export_has_an_api_entry() -> None:
    """Each name in ``ngffkit.__all__`` is rendered by a ``:::`` entry of docs/api (zarr's check)."""
    documented = [
        _resolve(identifier)
        for page in sorted((DOCS / "api").glob("*.md"))
        for identifier in re.findall(r"^::: *([\w.]+)", page.read_text(encoding="utf-8"), re.M)
    ]
    missing = [
        name
        for name in ngffkit.__all__
        if not any(obj is getattr(ngffkit, name) for obj in documented)
    ]
    assert not missing, f"names in ngffkit.__all__ without an API entry in docs/api/: {missing}"


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # the parent package of a dotted name is missing
        return False


def test_site_builds_strict(tmp_path: Path) -> None:
    """``mkdocs build --strict`` succeeds: exec blocks run, links, anchors and API entries resolve."""
    missing = [dist for module, dist in DOCS_MODULES if not _importable(module)]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}: pip install 'ngffkit[docs]'")
    site = tmp_path / "site"
    config = ROOT / "mkdocs.yml"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        cwd=tmp_path,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, (
        f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    )
    for page in PAGES:
        relative = page.relative_to(DOCS).with_suffix("")
        html = site / (relative.parent if relative.name == "index" else relative) / "index.html"
        assert html.is_file(), f"{_page_id(page)} was not rendered ({html} missing)"
        # A fence markdown did not recognise (an unknown option, say) leaks into a paragraph.
        text = html.read_text(encoding="utf-8")
        assert "<p>```" not in text, f"{_page_id(page)}: a code fence was not rendered"
