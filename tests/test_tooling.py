"""The tooling tells the truth: ruff, mypy --strict and the import-layer contract pass."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKED = [p for p in ("ngffkit", "tests", "benchmarks") if (ROOT / p).is_dir()]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a tool from this environment at the repository root."""
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


@pytest.mark.parametrize(
    "command",
    [
        ("ruff", "check", *CHECKED),
        ("ruff", "format", "--check", *CHECKED),
        ("mypy", "ngffkit"),
    ],
    ids=["ruff-check", "ruff-format", "mypy-strict"],
)
def test_tool_passes(command: tuple[str, ...]) -> None:
    """Each static check passes on the package (and tests, for ruff)."""
    result = run(*command)
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_layers() -> None:
    """Imports flow one way: errors <- spec <- model <- transforms <- io <- api (import-linter)."""
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe is not None, "import-linter is a test dependency: pip install -e '.[test]'"
    result = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
