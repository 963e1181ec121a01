"""A level read by from_ngff_zarr computes whole into one buffer, and stays a dask array otherwise."""

from __future__ import annotations

import pickle
from pathlib import Path

import dask
import dask.array as da
import numpy as np
import pytest
from dask.core import flatten

import ngffkit
from ngffkit.io._stored import StoredArray, _empty
from tests.conftest import make_array, requires


@pytest.fixture
def stored(tmp_path: Path) -> tuple[da.Array, np.ndarray]:
    """Level 0 of a written image whose dask blocks (several) do not divide its shape.

    At 5.6 MB it is above the 4 MiB from which the buffer is mapped without huge-page advice.
    """
    pixels = make_array((70, 190, 210))
    image = ngffkit.to_ngff_image(pixels, dims=("z", "y", "x"))
    ngffkit.to_ngff_zarr(
        tmp_path / "img.zarr", ngffkit.to_multiscales(image, chunks=16), progress=False
    )
    with dask.config.set({"array.chunk-size": "256 KiB"}):
        level = ngffkit.from_ngff_zarr(tmp_path / "img.zarr").images[0].data
    assert level.npartitions > 8
    return level, pixels


def _pixels_not_concatenated(concatenate3):
    """dask's concatenate3, refusing pixel blocks (dask.array.store concatenates only Nones)."""

    def checked(arrays):
        if any(isinstance(block, np.ndarray) for block in flatten(arrays)):
            raise AssertionError(
                "pixel blocks were concatenated: the one-buffer path was not taken"
            )
        return concatenate3(arrays)

    return checked


@pytest.mark.parametrize(
    "compute",
    [
        lambda x: x.compute(),
        np.asarray,
        lambda x: x.compute(scheduler="sync"),
        lambda x: x.compute(scheduler="threads", num_workers=3),
    ],
    ids=["compute", "asarray", "sync", "threads"],
)
def test_whole_level_fills_one_buffer(
    stored: tuple[da.Array, np.ndarray], compute, monkeypatch: pytest.MonkeyPatch
) -> None:
    level, pixels = stored
    assert isinstance(level, StoredArray)
    monkeypatch.setattr(da.core, "concatenate3", _pixels_not_concatenated(da.core.concatenate3))
    got = compute(level)
    assert type(got) is np.ndarray and got.flags.c_contiguous and got.flags.writeable
    np.testing.assert_array_equal(got, pixels)


def test_anything_derived_is_a_plain_dask_array(stored: tuple[da.Array, np.ndarray]) -> None:
    level, pixels = stored
    for derived in (level[3:50, ::2], level + 1, level.rechunk(16)):
        assert type(derived) is da.Array
    np.testing.assert_array_equal(level[3:50, ::2].compute(), pixels[3:50, ::2])
    np.testing.assert_array_equal((level.astype("int64") - 7).compute(), pixels.astype("int64") - 7)
    (both,) = dask.compute([level])  # dask.compute takes dask's usual path, same pixels
    np.testing.assert_array_equal(both[0], pixels)


@requires("distributed", "distributed")
def test_a_cluster_computes_it_the_usual_way(stored: tuple[da.Array, np.ndarray]) -> None:
    """Worker processes cannot fill this process's buffer: the blocks come back as usual."""
    from distributed import Client, LocalCluster

    level, pixels = stored
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster),
    ):
        np.testing.assert_array_equal(level.compute(), pixels)


@pytest.mark.parametrize(
    "shape", [(0, 5), (3, 5), (1024, 1024, 3)], ids=["empty", "small", "12MiB"]
)
def test_the_buffer_is_an_ordinary_writable_array(shape: tuple[int, ...]) -> None:
    got = _empty(shape, np.dtype("float32"))
    assert got.shape == shape and got.dtype == np.float32 and got.flags.c_contiguous
    got[...] = 1.5
    assert float(got.sum()) == 1.5 * got.size
    copy = pickle.loads(pickle.dumps(got))
    np.testing.assert_array_equal(copy, got)
