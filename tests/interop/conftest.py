"""Session fixtures: the outside tools write every case once, then every reader reads them all.

Writes run as one process per writing tool and reads as one process per reading tool (plus
ome-zarr-models), the tools' processes side by side, so the whole cross matrix costs a few
interpreter starts rather than one per cell.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.interop._cases import CASES, VERSIONS
from tests.interop._outside import TOOLS, run_outside_many

READERS = (*TOOLS, "ozm")
"""Every outside reader: the three image readers plus ome-zarr-models' validator."""


@pytest.fixture(scope="session")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each case's ``.npy`` (with sidecar JSON), by case id."""
    folder = tmp_path_factory.mktemp("inputs")
    return {case_id: case.write_input(folder) for case_id, case in CASES.items()}


@pytest.fixture(scope="session")
def outside_written(
    inputs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, str, str], tuple[Path, dict[str, Any]]]:
    """``(writer, case, version) -> (store, write result)`` for every outside writer."""
    folder = tmp_path_factory.mktemp("outside")
    stores = {
        (tool, case_id, version): folder / f"{tool}-{case_id}-{version}.ome.zarr"
        for tool in TOOLS
        for case_id in CASES
        for version in VERSIONS
    }
    calls = {
        key: (key[0], "write", [inputs[key[1]], store, key[2]]) for key, store in stores.items()
    }
    results = run_outside_many(calls)
    return {key: (stores[key], results[key]) for key in stores}


@pytest.fixture(scope="session")
def outside_read(
    outside_written: dict[tuple[str, str, str], tuple[Path, dict[str, Any]]],
) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    """``(reader, writer, case, version) -> result`` for every reader of every outside store."""
    calls = {
        (reader, *key): (reader, "validate" if reader == "ozm" else "read", [store])
        for key, (store, _) in outside_written.items()
        for reader in READERS
    }
    return run_outside_many(calls)
