"""README's two Quick-start commands, as a reader runs them: a new venv with the pip it ships.

The commands are read from README.md (not copied here), run with ``bash`` in a new
``python -m venv`` without upgrading pip (3.11's venv ships pip 23.2), and timed:

- command 1 runs whole, in a copy of the source tree, and the store it writes must validate;
- command 2's install is resolved with ``--dry-run`` within a bound (CI runs command 2 itself,
  verbatim, in the same kind of venv: `.ci/run`). The bound guards against resolver backtracking,
  which took over 15 minutes before the test extras bounded boto3/botocore.

Both need the package index (PyPI) and take a minute or two: they are marked slow.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ngffkit

ROOT = Path(__file__).resolve().parents[1]

RESOLVE_BOUND_S = 240
"""Command 2's dry-run resolution must finish within this (it takes about 45 s here)."""


def quickstart_commands() -> list[str]:
    """The set-up commands of README's Quick start: the lines of its one ``bash`` block."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "Quick start must hold exactly one bash block"
    return [line for line in blocks[0].splitlines() if line.strip()]


def test_quickstart_has_two_commands() -> None:
    commands = quickstart_commands()
    assert len(commands) == 2
    assert commands[0].startswith("python -m pip install . ")
    assert commands[1] == 'python -m pip install -e ".[test]" && python -m pytest'


def test_ci_runs_command_two_verbatim_without_upgrading_pip() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert quickstart_commands()[1] in script.splitlines()
    code = [line for line in script.splitlines() if not line.lstrip().startswith("#")]
    assert not any("install" in line and "pip" in line and "-U" in line for line in code)
    assert not any("--upgrade" in line for line in code)


def _copy_source(dest: Path) -> Path:
    """The tracked source tree, without build output, caches or stores a test left behind."""
    ignore = shutil.ignore_patterns(
        ".git", "*.egg-info", "build", "__pycache__", "*.ome.zarr", ".venv", "site"
    )
    shutil.copytree(ROOT, dest, ignore=ignore)
    return dest


@pytest.fixture
def stock_venv(tmp_path: Path) -> dict[str, str]:
    """Environment of a new venv with the pip it ships (no upgrade), first on PATH."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    return env


@pytest.mark.slow
def test_command_one_in_a_stock_venv(tmp_path: Path, stock_venv: dict[str, str]) -> None:
    src = _copy_source(tmp_path / "src")
    start = time.perf_counter()
    result = subprocess.run(
        ["bash", "-c", quickstart_commands()[0]],
        cwd=src,
        env=stock_venv,
        capture_output=True,
        text=True,
        timeout=900,
    )
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, result.stderr[-3000:]
    assert "validation: ok" in result.stdout
    report = ngffkit.validate(src / "demo.ome.zarr")
    assert report.ok, report.errors
    # The default install brings the fast codec pipeline where zarrs has wheels (here: yes).
    engine = subprocess.run(
        ["python", "-c", "from ngffkit.io._engine import _installed; print(_installed())"],
        env=stock_venv,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert engine.stdout.strip() == "True", engine.stderr
    print(f"README command 1 in a stock venv: {elapsed:.0f} s")


@pytest.mark.slow
def test_command_two_resolves_in_a_stock_venv(tmp_path: Path, stock_venv: dict[str, str]) -> None:
    src = _copy_source(tmp_path / "src")
    install = quickstart_commands()[1].split(" && ")[0]
    assert install.startswith("python -m pip install ")
    start = time.perf_counter()
    result = subprocess.run(
        ["bash", "-c", f"{install} --dry-run"],
        cwd=src,
        env=stock_venv,
        capture_output=True,
        text=True,
        timeout=RESOLVE_BOUND_S + 60,
    )
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Would install" in result.stdout
    assert elapsed < RESOLVE_BOUND_S, f"resolution took {elapsed:.0f} s"
    print(f"README command 2 resolution in a stock venv: {elapsed:.0f} s")
