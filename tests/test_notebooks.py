"""The tutorial notebooks run top to bottom in a fresh kernel of the Python running the tests.

Each ``notebooks/*.md`` (a jupytext MyST notebook) is read with jupytext and executed with
nbclient, in a temporary directory, by the function the documentation build uses to show it as
a page (``docs/hooks.py``). The kernel is pinned to ``sys.executable`` through a kernelspec
written for the run, so a ``python3`` kernel installed elsewhere on the machine (or a
``python`` on PATH from another environment) is never used: in CI's fresh virtualenv the
notebooks run against that virtualenv's ngffkit.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.md"))


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ngffkit_docs_hooks", ROOT / "docs" / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_notebooks_exist() -> None:
    """There is at least one notebook, so the parametrised test below cannot pass vacuously."""
    assert NOTEBOOKS, "no notebooks/*.md found"


def _needs_runner() -> None:
    for name in ("jupytext", "nbclient", "ipykernel", "matplotlib"):
        pytest.importorskip(name, reason=f"needs {name}: pip install 'ngffkit[docs]'")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(notebook: Path, tmp_path: Path) -> None:
    """Every cell runs without an error in a kernel of this Python, in the folder given,
    and the page made of it has the code, the text outputs and the figures."""
    _needs_runner()
    hooks = _hooks()
    kernels = hooks.this_python_kernels(tmp_path / "spec")
    spec = json.loads((kernels / hooks.KERNEL_NAME / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable
    work = tmp_path / "work"
    work.mkdir()
    nb = hooks.execute(notebook, work, tmp_path / "jupyter")
    # The kernel ran in the working directory given: the notebook's stores are there.
    assert any(work.glob("*.ome.zarr")), sorted(p.name for p in work.iterdir())
    page = hooks.to_markdown(nb)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert page.count("```python\n") == len(code_cells)
    assert "data:image/png;base64," in page  # the matplotlib figures
    assert "```text\n" in page  # printed and displayed values


def test_a_notebook_marker_page_becomes_the_notebook(tmp_path: Path) -> None:
    """The hook leaves ordinary pages alone and replaces a marker page."""
    hooks = _hooks()
    assert hooks.on_page_markdown("# Title\n", None, None, None) == "# Title\n"
    assert hooks._MARKER.match("<!-- notebook: getting-started.md -->")
    marker = (ROOT / "docs" / "tutorials" / "getting-started.md").read_text()
    assert hooks._MARKER.match(marker).group(1) in {p.name for p in NOTEBOOKS}
