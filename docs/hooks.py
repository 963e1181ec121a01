"""mkdocs hooks: the tutorial notebooks, executed when the site is built, shown as pages.

A page whose text is only ``<!-- notebook: NAME -->`` becomes ``notebooks/NAME`` (a jupytext
MyST notebook), run top to bottom with nbclient in a fresh kernel of this Python, with its
outputs: text, tables, HTML reprs (with their thumbnails) and matplotlib figures. One source
for the notebook and the page; a cell that fails fails the build. ``tests/test_notebooks.py``
runs the notebooks the same way.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
KERNEL_NAME = "python3"
_MARKER = re.compile(r"^\s*<!--\s*notebook:\s*(\S+)\s*-->\s*$")


def this_python_kernels(directory: Path) -> Path:
    """Write a ``python3`` kernelspec that starts ``sys.executable``; return the kernels folder.

    The kernel gets this checkout first on its path (so it imports the ngffkit of the checkout
    even without an install) and matplotlib's Agg backend (no display).
    """
    kernels = directory / "kernels"
    spec_dir = kernels / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    python_path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python {sys.version_info.major}.{sys.version_info.minor}",
        "language": "python",
        "env": {"PYTHONPATH": python_path, "MPLBACKEND": "Agg"},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return kernels


def execute(notebook: Path, work: Path, scratch: Path) -> Any:
    """Run *notebook* in a kernel of this Python, in the folder *work*; return it with outputs."""
    import jupytext
    import nbclient
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    specs = KernelSpecManager(kernel_dirs=[str(this_python_kernels(scratch))])
    manager = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)
    nb = jupytext.read(notebook)
    client = nbclient.NotebookClient(
        nb,
        km=manager,
        kernel_name=KERNEL_NAME,
        timeout=120,
        resources={"metadata": {"path": str(work)}},
    )
    # We made the kernel manager, so nbclient would leave the kernel running unless told to
    # stop it. A cell that raises makes execute() raise CellExecutionError, naming the cell.
    client.execute(cleanup_kc=True)
    return nb


def _output(output: Any) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        return f"```text\n{output['text'].rstrip()}\n```\n"
    data = output.get("data", {})
    if "image/png" in data:
        png = data["image/png"].replace("\n", "")
        return f'<img alt="figure" src="data:image/png;base64,{png}"/>\n'
    if "text/html" in data:
        return f'<div class="notebook-html" markdown="0">{data["text/html"]}</div>\n'
    if "text/plain" in data:
        return f"```text\n{data['text/plain'].rstrip()}\n```\n"
    return ""


def to_markdown(nb: Any) -> str:
    """The executed notebook as a page: its text cells, each code cell and its outputs."""
    parts: list[str] = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source.rstrip() + "\n")
        elif cell.cell_type == "code":
            parts.append(f"```python\n{cell.source.rstrip()}\n```\n")
            parts.extend(_output(out) for out in cell.get("outputs", []))
    return "\n".join(p for p in parts if p)


def render(name: str) -> str:
    """Run ``notebooks/<name>`` in a scratch folder and return it as a page."""
    with tempfile.TemporaryDirectory(prefix="ngffkit-notebook-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        nb = execute(NOTEBOOKS / name, work, Path(tmp) / "jupyter")
    return to_markdown(nb)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """mkdocs hook: a notebook marker page becomes the executed notebook."""
    match = _MARKER.match(markdown)
    return render(match.group(1)) if match else markdown
