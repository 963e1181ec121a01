"""Levels read by from_ngff_zarr compute straight from zarr into one buffer, and stay dask arrays."""

from __future__ import annotations

import pickle
from typing import Any

import dask
import dask.array as da
import numpy as np
import pytest
from dask.core import flatten
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ngffkit
from ngffkit.io._stored import StoredArray, _empty
from tests.conftest import make_array, requires

SHAPE = (70, 190, 210)  # 5.6 MB: above the 4 MiB from which the buffer skips huge-page advice


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[da.Array, np.ndarray]:
    """Level 0 of a written image whose dask blocks (several) do not divide its shape."""
    pixels = make_array(SHAPE)
    path = tmp_path_factory.mktemp("stored") / "img.zarr"
    image = ngffkit.to_ngff_image(pixels, dims=("z", "y", "x"))
    ngffkit.to_ngff_zarr(path, ngffkit.to_multiscales(image, chunks=16), progress=False)
    with dask.config.set({"array.chunk-size": "256 KiB"}):
        level = ngffkit.from_ngff_zarr(path).images[0].data
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


@pytest.fixture
def store_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts dask.array.store calls, and fails any concatenation of pixel blocks."""
    calls: list[int] = []
    store = da.store

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return store(*args, **kwargs)

    monkeypatch.setattr(da, "store", counted)
    monkeypatch.setattr(da.core, "concatenate3", _pixels_not_concatenated(da.core.concatenate3))
    return calls


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
@pytest.mark.parametrize(
    ("chunk_size", "through_dask"),
    [("128 MiB", False), ("256 KiB", True)],
    ids=["one-zarr-read", "dask-store"],
)
def test_whole_level_fills_one_buffer(
    stored: tuple[da.Array, np.ndarray],
    compute,
    chunk_size: str,
    through_dask: bool,
    store_calls: list[int],
) -> None:
    """Up to array.chunk-size, one zarr read; above it, dask.array.store: never concatenation."""
    level, pixels = stored
    assert isinstance(level, StoredArray)
    with dask.config.set({"array.chunk-size": chunk_size}):
        got = compute(level)
    assert type(got) is np.ndarray and got.flags.c_contiguous and got.flags.writeable
    np.testing.assert_array_equal(got, pixels)
    assert len(store_calls) == int(through_dask)


def test_a_chunk_read_builds_no_graph(
    stored: tuple[da.Array, np.ndarray], raise_if_dask_computes, store_calls: list[int]
) -> None:
    """A small read is one zarr read; the graph stays for everything else (and stays lazy)."""
    level, pixels = stored
    region = level[16:32, 32:48, 48:64]
    assert type(region) is StoredArray
    with dask.config.set(scheduler="threads"):
        np.testing.assert_array_equal(region.compute(), pixels[16:32, 32:48, 48:64])
    with raise_if_dask_computes(), pytest.raises(AssertionError, match="pixels were computed"):
        region.compute()  # a scheduler the user configured is used as it is
    assert store_calls == []


# Basic indexes of one axis of length n: integers (also negative), unit-step slices with any
# bounds (also out of range and empty), and strided ones (which give a plain dask array).
def _axis_index(n: int) -> st.SearchStrategy[Any]:
    bound = st.one_of(st.none(), st.integers(-n - 3, n + 3))
    integers = [st.integers(-n, n - 1)] if n else []  # an empty axis has no integer index
    return st.one_of(
        *integers,
        st.builds(slice, bound, bound),
        st.builds(slice, bound, bound, st.sampled_from([None, 1, 2, -1])),
    )


@st.composite
def _index(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[Any, ...]:
    items = [draw(_axis_index(n)) for n in shape]
    if draw(st.booleans()) and len(items) > 1:
        items = [*items[:-1], Ellipsis]  # Ellipsis stands for the last axis
    return tuple(items)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_slices_of_slices_read_the_same_pixels_as_numpy(
    stored: tuple[da.Array, np.ndarray], data: st.DataObject
) -> None:
    level, pixels = stored
    first = data.draw(_index(level.shape), label="first")
    view, want = level[first], pixels[first]
    if view.ndim and isinstance(view, StoredArray):
        second = data.draw(_index(view.shape), label="second")
        view, want = view[second], want[second]
    if isinstance(view, StoredArray) and view.size and view.ndim:
        plain = all(isinstance(i, int) or i is Ellipsis or i.step in (None, 1) for i in first)
        assert plain  # only basic, unit-step indexing keeps a StoredArray
    np.testing.assert_array_equal(np.asarray(view.compute()), want)


@pytest.mark.parametrize(
    "indexes",
    [
        ((slice(2, 40),), (3,)),  # an integer inside an offset view
        ((slice(5, None), 7), (slice(-20, -3), -1)),
        ((Ellipsis, slice(100, 205)), (slice(60, 80), 9, slice(None, 50))),
        ((4, slice(10, 10)), (slice(None), slice(None))),  # empty
        ((slice(69, 500), -1, -1), (0,)),  # out-of-range stop; every axis indexed away
        # A reversed slice that starts before the axis is empty in numpy, whole in dask.
        ((0, 0, slice(-211, None, -1)), ()),
    ],
    ids=["int-in-offset", "negative", "ellipsis", "empty", "scalar", "reversed"],
)
def test_known_nested_views(stored: tuple[da.Array, np.ndarray], indexes) -> None:
    level, pixels = stored
    view, want = level, pixels
    for index in indexes:
        view, want = view[index], want[index]
    assert isinstance(view, StoredArray)
    np.testing.assert_array_equal(np.asarray(view.compute()), want)


def test_anything_else_is_a_plain_dask_array(stored: tuple[da.Array, np.ndarray]) -> None:
    level, pixels = stored
    for derived in (level[::2], level[[1, 5]], level[None], level + 1, level.rechunk(16)):
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
        np.testing.assert_array_equal(level[5, 10:20].compute(), pixels[5, 10:20])


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
