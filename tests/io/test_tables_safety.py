"""Tables lose nothing: `write_table(overwrite=True)` and `copy_tables(overwrite=True)` replace
the old table (or `tables` group) only once the new one is complete, on a local folder, in
memory and on S3 (moto on loopback); a kill part way leaves the old table readable."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from ngffkit.container import create_empty_ome_zarr
from ngffkit.io.tables import _copy, _rows, copy_tables, list_tables, read_table, write_table
from tests import test_plate_safety
from tests.test_plate_safety import Place, _tree

place = test_plate_safety.place  # the fixture: a local folder, a MemoryStore or moto S3

OLD = pd.DataFrame({"label": [1, 2, 3], "area": [10.0, 12.5, 30.0]}).set_index("label")
NEW = pd.DataFrame({"label": [7, 8], "area": [1.0, 2.0]}).set_index("label")


def _image(place: Place, version: str) -> None:
    create_empty_ome_zarr(
        place.target, (8, 8), pixelsize=1.0, levels=1, version=version,
        storage_options=place.options,
    )  # fmt: skip


def _break_last_write(monkeypatch: pytest.MonkeyPatch, backend: str) -> None:
    """Make the write of the new table's rows fail once everything before it is written."""
    if backend in ("parquet", "csv"):

        def failing_set(*args: Any, **kwargs: Any) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(_rows, "_set", failing_set)
    elif backend == "anndata":
        import anndata

        write_elem = anndata.io.write_elem

        def failing_elem(*args: Any, **kwargs: Any) -> None:
            write_elem(*args, **kwargs)  # the whole AnnData is written, its attributes not yet
            raise OSError("disk full")

        monkeypatch.setattr(anndata.io, "write_elem", failing_elem)
    else:
        import zarr

        create_group = zarr.create_group

        def failing_group(*args: Any, **kwargs: Any) -> Any:
            group = create_group(*args, **kwargs)
            if group.path.rsplit("/", 1)[-1] == "table":  # the json rows, the last write
                raise OSError("disk full")
            return group

        monkeypatch.setattr(zarr, "create_group", failing_group)


_FORMATS = [
    ("anndata", "0.5"),
    ("anndata", "0.4"),
    ("parquet", "0.4"),
    ("csv", "0.5"),
    ("json", "0.4"),
]


# Every backend on the local folder and in memory; on S3 (slow under moto, and staged the same
# way whatever the backend) the file backends only.
@pytest.mark.parametrize(
    ("place", "backend", "version"),
    [(where, *form) for where in ("local", "memory") for form in _FORMATS]
    + [("s3", "parquet", "0.4"), ("s3", "csv", "0.5")],
    indirect=["place"],
)
def test_failed_table_overwrite_keeps_the_old_table(
    place: Place, backend: str, version: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """write_table(overwrite=True) failing at its last write leaves every old key and the
    listing; a good overwrite leaves the new table and no stage."""
    _image(place, version)
    options = {"backend": backend, "storage_options": place.options}
    write_table(place.target, "feat", OLD, **options)
    write_table(place.target, "other", OLD, **options)
    before = place.snapshot()
    with monkeypatch.context() as patch:
        _break_last_write(patch, backend)
        with pytest.raises(OSError, match="disk full"):
            write_table(place.target, "feat", NEW, overwrite=True, **options)
    assert place.snapshot() == before
    assert list_tables(place.target, storage_options=place.options) == ("feat", "other")
    old = read_table(place.target, "feat", storage_options=place.options)
    assert old["area"].tolist() == OLD["area"].tolist()

    write_table(place.target, "feat", NEW, overwrite=True, **options)
    new = read_table(place.target, "feat", storage_options=place.options)
    assert new["area"].tolist() == NEW["area"].tolist()
    assert [str(i) for i in new.index] == ["7", "8"]
    assert list_tables(place.target, storage_options=place.options) == ("feat", "other")
    assert not [k for k in place.snapshot() if "ngffkit-new" in k]  # the stage is gone


def test_failed_tables_copy_keeps_the_old_tables(
    place: Place, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """copy_tables(overwrite=True) failing part way leaves the target's old `tables` group
    whole; a good copy replaces it and leaves no stage."""
    source = tmp_path / "source.zarr"
    create_empty_ome_zarr(source, (8, 8), pixelsize=1.0, levels=1, version="0.5")
    write_table(source, "cells", NEW, backend="anndata")
    write_table(source, "roi", NEW, backend="parquet")
    _image(place, "0.5")
    write_table(place.target, "old", OLD, backend="parquet", storage_options=place.options)
    before = place.snapshot()
    setter = _copy._set

    def failing(store: Any, key: str, data: bytes) -> None:
        if key.endswith("table.parquet"):  # after the anndata table's keys, or some of them
            raise OSError("disk full")
        setter(store, key, data)

    with monkeypatch.context() as patch:
        patch.setattr(_copy, "_set", failing)
        with pytest.raises(OSError, match="disk full"):
            copy_tables(source, place.target, overwrite=True, storage_options=place.options)
    assert place.snapshot() == before
    assert list_tables(place.target, storage_options=place.options) == ("old",)

    assert copy_tables(source, place.target, overwrite=True, storage_options=place.options) == (
        "cells",
        "roi",
    )
    back = read_table(place.target, "cells", storage_options=place.options)
    assert back["area"].tolist() == NEW["area"].tolist()
    keys = place.snapshot()
    assert not [k for k in keys if "ngffkit-new" in k or "/old/" in k]


KILLED = textwrap.dedent(
    """
    import os, signal, sys
    import pandas as pd
    from ngffkit.io.tables import _rows, write_table

    def killed(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)  # mid-write: the new group is there, its rows not

    _rows._set = killed
    frame = pd.DataFrame({"label": [7, 8], "area": [1.0, 2.0]}).set_index("label")
    write_table(sys.argv[1], "feat", frame, backend="parquet", overwrite=True)
    """
)


def _kept(root: Path) -> dict[str, bytes]:
    """The files of *root* but a dead writer's stage and the lock file it leaves."""
    return {k: v for k, v in _tree(root).items() if "ngffkit-new" not in k and "lock" not in k}


def test_killed_table_overwrite_keeps_the_old_table(tmp_path: Path) -> None:
    """SIGKILL in the middle of write_table(overwrite=True) on a local folder: the old table
    is whole, listed and readable; the next overwrite succeeds and removes the dead stage."""
    target = tmp_path / "img.zarr"
    create_empty_ome_zarr(target, (8, 8), pixelsize=1.0, levels=1, version="0.5")
    write_table(target, "feat", OLD, backend="parquet")
    before = _kept(target)
    proc = subprocess.run([sys.executable, "-c", KILLED, str(target)], timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert _kept(target) == before
    assert list_tables(target) == ("feat",)
    assert np.array_equal(read_table(target, "feat")["area"], OLD["area"])
    tables = target / "tables"
    assert [p.name for p in tables.iterdir() if "ngffkit-new" in p.name]  # the dead one's stage
    write_table(target, "feat", NEW, backend="parquet", overwrite=True)
    assert read_table(target, "feat")["area"].tolist() == NEW["area"].tolist()
    assert not [p.name for p in tables.iterdir() if "ngffkit-new" in p.name]


@pytest.mark.parametrize("place", ["local", "memory"], indirect=True)
def test_failed_plate_table_overwrite_keeps_the_old_table(
    place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plate's add_table(overwrite=True) failing at its last write keeps the old table."""
    from ngffkit.container import create_empty_plate

    plate = create_empty_plate(place.target, "screen")
    plate.add_table("doses", OLD, backend="parquet")
    before = place.snapshot()
    with monkeypatch.context() as patch:
        _break_last_write(patch, "parquet")
        with pytest.raises(OSError, match="disk full"):
            plate.add_table("doses", NEW, backend="parquet", overwrite=True)
    assert place.snapshot() == before
    assert plate.get_table("doses")["area"].tolist() == OLD["area"].tolist()
    plate.add_table("doses", NEW, backend="parquet", overwrite=True)
    assert plate.get_table("doses")["area"].tolist() == NEW["area"].tolist()
    assert not [k for k in place.snapshot() if "ngffkit-new" in k]


def test_a_tables_copy_waits_for_the_image_lock(tmp_path: Path) -> None:
    # A table added by another thread while the copy replaces the group would be lost in
    # between: the copy takes the target image's lock, as every table write does.
    import threading

    from zarr.storage import LocalStore, StorePath

    from ngffkit.io._lock import image_lock
    from tests.io.test_lock import held_by_another_thread

    source, target = tmp_path / "a.zarr", tmp_path / "b.zarr"
    for path in (source, target):
        create_empty_ome_zarr(path, (16, 16), pixelsize=1.0)
    write_table(source, "cells", pd.DataFrame({"area": [1.0]}), backend="parquet")
    copied = threading.Event()

    def copy() -> None:
        copy_tables(source, target)
        copied.set()

    with held_by_another_thread(StorePath(LocalStore(target), "")):
        worker = threading.Thread(target=copy)
        worker.start()
        assert not copied.wait(1)  # the lock is held: the copy has not started
    worker.join(30)
    assert copied.is_set() and list_tables(target) == ("cells",)
    with image_lock(StorePath(LocalStore(target), ""), timeout=1):
        pass  # and released


def test_a_tables_copy_refreshes_the_targets_consolidated_metadata(tmp_path: Path) -> None:
    import zarr

    source, target = tmp_path / "a.zarr", tmp_path / "b.zarr"
    create_empty_ome_zarr(source, (16, 16), pixelsize=1.0)
    create_empty_ome_zarr(target, (16, 16), pixelsize=1.0, consolidated=True)
    write_table(source, "cells", pd.DataFrame({"area": [1.0]}), backend="parquet")
    copy_tables(source, target)
    snapshot = zarr.open_consolidated(str(target), mode="r")
    assert "cells" in snapshot["tables"]  # a reader trusting the snapshot sees the copy
