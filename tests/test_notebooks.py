"""The tutorial notebooks run top to bottom in a fresh kernel of the Python running the tests.

Each ``notebooks/*.md`` (a jupytext MyST notebook) is read with jupytext and executed with
nbclient, in a temporary directory. The kernel is pinned to ``sys.executable`` through a
kernelspec written for the test, so a ``python3`` kernel installed elsewhere on the machine (or
a ``python`` on PATH from another environment) is never used: in CI's fresh virtualenv the
notebooks run against that virtualenv's ngffkit.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.md"))
KERNEL_NAME = "python3"


def this_python_kernels(directory: Path) -> Path:
    """Write a ``python3`` kernelspec that starts ``sys.executable``; return the kernels folder.

    The kernel gets this checkout first on its path (so it imports the ngffkit under test even
    without an install) and matplotlib's Agg backend (no display in CI).
    """
    kernels = directory / "kernels"
    spec_dir = kernels / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    python_path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python {sys.version_info.major}.{sys.version_info.minor} (tests)",
        "language": "python",
        "env": {"PYTHONPATH": python_path, "MPLBACKEND": "Agg"},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return kernels


def test_notebooks_exist() -> None:
    """There is at least one notebook, so the parametrised test below cannot pass vacuously."""
    assert NOTEBOOKS, "no notebooks/*.md found"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(notebook: Path, tmp_path: Path) -> None:
    """Every cell of the notebook runs without an error in a kernel of this Python."""
    jupytext = pytest.importorskip("jupytext", reason="needs jupytext: pip install 'ngffkit[test]'")
    nbclient = pytest.importorskip("nbclient", reason="needs nbclient: pip install 'ngffkit[test]'")
    pytest.importorskip("ipykernel", reason="needs ipykernel: pip install 'ngffkit[test]'")
    pytest.importorskip("matplotlib", reason="needs matplotlib: pip install 'ngffkit[test]'")
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    specs = KernelSpecManager(kernel_dirs=[str(this_python_kernels(tmp_path / "jupyter"))])
    assert specs.get_kernel_spec(KERNEL_NAME).argv[0] == sys.executable
    manager = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)

    nb = jupytext.read(notebook)
    work = tmp_path / "work"
    work.mkdir()
    client = nbclient.NotebookClient(
        nb,
        km=manager,
        kernel_name=KERNEL_NAME,
        timeout=120,
        resources={"metadata": {"path": str(work)}},
    )
    # We made the kernel manager, so nbclient would leave the kernel running unless told to stop
    # it. A cell that raises makes execute() raise CellExecutionError, naming the cell.
    client.execute(cleanup_kc=True)

    # The kernel ran in the working directory given: the notebook's stores are there.
    assert any(work.glob("*.ome.zarr")), sorted(p.name for p in work.iterdir())
