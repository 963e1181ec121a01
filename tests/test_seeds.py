"""The user's textbook chapter runs as written with ``ngff_zarr`` replaced by ``ngffkit``."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ngffkit
from tests.conftest import SHARED

TEXTBOOK = SHARED / "seeds" / "textbook-creating-chunked-datasets.md"

# The chapter's own data helper (it downloads a heart scan) is not ngffkit's: stand in with local pixels.
DATA_HELPERS = textwrap.dedent(
    """
    import numpy as np

    def load_heart_data(array_type="numpy"):
        rng = np.random.default_rng(0)
        return rng.integers(0, 2**12, size=(64, 64, 64), dtype=np.uint16)
    """
)


def code_cells(markdown: str) -> list[str]:
    """The ``{code-cell}`` blocks of a MyST notebook, in order."""
    return re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", markdown, flags=re.S)


def test_textbook_chapter_runs(tmp_path) -> None:
    """Every code cell of the textbook chapter runs with the import switched, and writes a valid store."""
    cells = code_cells(TEXTBOOK.read_text())
    assert len(cells) >= 6, "the seed document changed shape"
    # Switch the module, not names that contain it: ngff_zarr.to_ngff_zarr -> ngffkit.to_ngff_zarr.
    script = "\n\n".join(re.sub(r"\bngff_zarr\b", "ngffkit", cell) for cell in cells)
    script += "\n\nimport numpy as _np\n_np.save('written.npy', image)\n"
    (tmp_path / "data_helpers.py").write_text(DATA_HELPERS)
    (tmp_path / "chapter.py").write_text(script)
    result = subprocess.run(
        [sys.executable, "-W", "default", "chapter.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={"MPLBACKEND": "Agg", "PATH": "", "HOME": str(tmp_path), "COLUMNS": "120"},
    )
    assert result.returncode == 0, result.stderr
    # The chapter passes axes_units="um": ngffkit says it wrote micrometer, instead of dropping it.
    assert "'um' is not a UDUNITS-2 name; writing 'micrometer'" in result.stderr
    assert "NgffImage" in result.stdout and "Multiscales" in result.stdout
    store = tmp_path / "data" / "heftie_image.ome.zarr"
    attrs = json.loads((store / ".zattrs").read_text())
    ms = attrs["multiscales"][0]
    assert ms["version"] == "0.4"
    assert [a["unit"] for a in ms["axes"]] == ["micrometer"] * 3
    assert ms["datasets"][0]["coordinateTransformations"][0]["scale"] == [4.0, 4.0, 4.0]
    back = ngffkit.from_ngff_zarr(store)
    # scale_factors=4 with chunks=64 on the 128^3 volume: ngff-zarr's two levels.
    assert [img.shape for img in back.images] == [(128, 128, 128), (64, 64, 64)]
    np.testing.assert_array_equal(back.images[0].data.compute(), np.load(tmp_path / "written.npy"))
    report = ngffkit.validate(store)
    assert report.ok, str(report)


@pytest.mark.parametrize("cell_index", [0])
def test_seed_cells_parse(cell_index: int) -> None:
    """The seed's first cell imports rich and the chapter's helper (kept as written)."""
    assert (
        "from data_helpers import load_heart_data" in code_cells(TEXTBOOK.read_text())[cell_index]
    )
