"""README's two Quick-start commands, as a reader runs them: a new venv with the pip it ships.

The commands are read from README.md (not copied here), run with ``bash`` in a new
``python -m venv`` (3.11's venv ships pip 23.2; command 2 updates it itself, nothing else does),
and timed:

- command 1 runs whole, in a copy of the source tree, and the store it writes must validate;
- command 2 runs up to its test run, its install of the test extras as a ``--dry-run``, within a
  bound (CI runs command 2 itself, verbatim, in the same kind of venv: `.ci/run`). The bound guards
  against resolver backtracking, which took over 15 minutes before the test extras bounded
  boto3/botocore, and 80-145 s with pip 23.2 before they bounded distributed.

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

RESOLVE_BOUND_S = 120
"""Command 2 up to its dry-run install must finish within this (35-55 s on a 2-core machine, loaded)."""

TEST_RUN = "python -m pytest"
"""How command 2 ends: the test run, which the resolution test leaves out."""


def quickstart_commands() -> list[str]:
    """The set-up commands of README's Quick start: the lines of its one ``bash`` block."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "Quick start must hold exactly one bash block"
    return [line for line in blocks[0].splitlines() if line.strip()]


def test_quickstart_has_two_commands() -> None:
    first, second = quickstart_commands()
    assert first.startswith("python -m pip install . && python -m ngffkit convert ")
    steps = second.split(" && ")
    assert steps[-1] == TEST_RUN
    assert 'python -m pip install -e ".[test]"' in steps
    # The only thing command 2 updates besides the project is pip itself.
    upgrades = [step for step in steps if " -U " in f"{step} " or "--upgrade" in step]
    assert upgrades in ([], ["python -m pip install -U pip"])


def test_ci_runs_command_two_verbatim_with_nothing_before_it() -> None:
    command = quickstart_commands()[1]
    script = (ROOT / ".ci" / "run").read_text()
    assert command in script.splitlines()
    code = [line for line in script.splitlines() if not line.lstrip().startswith("#")]
    # Nothing a reader would not do: no pip call in CI but the README's own command.
    assert not any(re.search(r"\bpip\b", line) for line in code if line != command)


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
    steps = quickstart_commands()[1].split(" && ")
    assert steps[-1] == TEST_RUN
    setup, install = steps[:-2], steps[-2]
    assert install.startswith("python -m pip install ")
    start = time.perf_counter()
    result = subprocess.run(
        ["bash", "-c", " && ".join([*setup, f"{install} --dry-run"])],
        cwd=src,
        env=stock_venv,
        capture_output=True,
        text=True,
        timeout=RESOLVE_BOUND_S + 60,
    )
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Would install" in result.stdout
    # Straight resolution: no release of any project tried and dropped.
    assert "looking at multiple versions" not in result.stdout + result.stderr
    assert elapsed < RESOLVE_BOUND_S, f"resolution took {elapsed:.0f} s"
    print(f"README command 2 (setup and dry-run install) in a stock venv: {elapsed:.0f} s")
