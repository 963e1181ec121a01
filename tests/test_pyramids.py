"""to_multiscales: level planning, geometry, chunks, laziness, label-safe defaults."""

from __future__ import annotations

import dataclasses
import itertools

import dask.array as da
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ngffkit
from ngffkit.errors import NgffValueError
from ngffkit.pyramids import parse_scale_factors


def test_lazy(make_image, raise_if_dask_computes) -> None:
    """Planning a pyramid computes no pixel (a compute would fail this test)."""
    img = make_image((32, 64, 64))
    with raise_if_dask_computes():
        ms = ngffkit.to_multiscales(img, scale_factors=[2, 4], chunks=16)
        repr(ms)
    assert len(ms.images) == 3


def test_caller_image_untouched(make_image) -> None:
    """The caller's image is not changed (frozen values; ngff-zarr gh-627 cannot happen)."""
    img = make_image((8, 16, 16))
    chunks_before = img.data.chunks
    ngffkit.to_multiscales(img, scale_factors=[2], chunks=4)
    assert img.data.chunks == chunks_before


@pytest.mark.parametrize(
    ("shape", "minimum", "chunks", "expected_shapes"),
    [
        # The textbook: 128^3, scale_factors=4, chunks=64 -> ngff-zarr's two levels.
        ((128, 128, 128), 4, 64, [(128,) * 3, (64,) * 3]),
        ((128, 128, 128), 4, 16, [(128,) * 3, (64,) * 3, (32,) * 3, (16,) * 3]),
        ((128, 128, 128), 4, 4, [(128,) * 3, (64,) * 3, (32,) * 3, (16,) * 3, (8,) * 3, (4,) * 3]),
        ((128, 128, 128), 4, None, [(128,) * 3]),
        ((16, 256, 256), 64, 32, [(16, 256, 256), (16, 128, 128), (16, 64, 64)]),
        ((16, 256, 256), 64, None, [(16, 256, 256), (16, 128, 128)]),
        ((30, 30), 64, 8, [(30, 30)]),
        ((100, 60), 25, 10, [(100, 60), (50, 30), (25, 30)]),
        ((1024, 1024), 128, None, [(1024, 1024), (512, 512), (256, 256)]),
    ],
)
def test_int_scale_factors(shape, minimum, chunks, expected_shapes) -> None:
    """An int n halves each spatial axis not yet in one chunk while it stays at least n long."""
    ms = ngffkit.to_multiscales(np.zeros(shape, "u1"), scale_factors=minimum, chunks=chunks)
    assert [img.shape for img in ms.images] == expected_shapes


@settings(max_examples=100, deadline=None)
@given(
    shape=st.lists(st.integers(1, 5000), min_size=2, max_size=3),
    minimum=st.integers(1, 64),
    chunk=st.integers(1, 512),
)
def test_int_scale_factors_end_at_one_chunk_or_the_minimum(shape, minimum, chunk) -> None:
    """Every halved side stays >= n, and the coarsest level cannot halve any further."""
    # A broadcast view: any shape, no memory, and only the plan is computed here.
    image = ngffkit.to_ngff_image(np.broadcast_to(np.zeros((), "u1"), shape))
    chunks = dict.fromkeys(image.dims, chunk)
    plan = parse_scale_factors(minimum, image, chunks)
    shapes = [tuple(shape)] + [
        tuple(-(-n // level[d]) for n, d in zip(shape, image.dims, strict=True)) for level in plan
    ]
    for before, after in itertools.pairwise(shapes):
        for b, a in zip(before, after, strict=True):
            assert a == b or (a == -(-b // 2) and a >= minimum)
    for side in shapes[-1]:
        assert side <= chunk or -(-side // 2) < minimum


@pytest.mark.parametrize(
    ("factors", "expected"),
    [
        ([2, 4], [(16, 32, 32), (8, 16, 16), (4, 8, 8)]),
        ([{"y": 2, "x": 2}, {"y": 4, "x": 4}], [(16, 32, 32), (16, 16, 16), (16, 8, 8)]),
        ([3], [(16, 32, 32), (6, 11, 11)]),
    ],
)
def test_list_scale_factors(make_image, factors, expected) -> None:
    """Lists give factors relative to level 0; dicts keep unlisted axes (z) unreduced; sizes round up."""
    ms = ngffkit.to_multiscales(make_image((16, 32, 32)), scale_factors=factors)
    assert [img.shape for img in ms.images] == expected
    assert [img.data.shape for img in ms.images] == expected


def test_geometry_half_pixel_shift(make_image) -> None:
    """Level k: scale s0*f and translation t0 + s0*(f-1)/2 (pixel centres of binned pixels)."""
    img = dataclasses.replace(make_image((8, 16, 16)), translation={"z": 10.0, "y": 0.0, "x": -1.0})
    ms = ngffkit.to_multiscales(img, scale_factors=[{"y": 2, "x": 2}, 4])
    lvl1, lvl2 = ms.images[1:]
    assert lvl1.scale == {"z": 2.0, "y": 1.0, "x": 1.0}
    assert lvl1.translation == {"z": 10.0, "y": 0.25, "x": -0.75}
    assert lvl2.scale == {"z": 8.0, "y": 2.0, "x": 2.0}
    assert lvl2.translation == {"z": 13.0, "y": 0.75, "x": -0.25}
    ds = ms.metadata.datasets[2]
    assert ds.scale == (8.0, 2.0, 2.0) and ds.translation == (13.0, 0.75, -0.25)


def test_mean_values(make_image) -> None:
    """The default method averages 2x2x2 blocks (checked against numpy)."""
    img = make_image((4, 8, 8))
    ms = ngffkit.to_multiscales(img, scale_factors=[2])
    base = img.data.compute().astype(np.float64)
    expected = base.reshape(2, 2, 4, 2, 4, 2).mean(axis=(1, 3, 5))
    np.testing.assert_allclose(ms.images[1].data.compute(), np.rint(expected), atol=1)


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [(None, (16, 32, 32)), (8, (8, 8, 8)), ((4, 8, 16), (4, 8, 16)), ({"x": 4}, (16, 32, 4))],
)
def test_chunks(make_image, chunks, expected) -> None:
    """chunks as int, tuple or per-dim dict; defaults clip to the shape."""
    ms = ngffkit.to_multiscales(make_image((16, 32, 32)), scale_factors=[2], chunks=chunks)
    assert tuple(c[0] for c in ms.images[0].data.chunks) == expected
    assert ms.chunks is not None


def test_channels_and_time_not_reduced(make_image) -> None:
    """Only space axes are downsampled; c and t keep their size and chunk 1 by default."""
    ms = ngffkit.to_multiscales(make_image((2, 3, 4, 16, 16)), scale_factors=[2])
    assert ms.images[1].shape == (2, 3, 2, 8, 8)
    assert tuple(c[0] for c in ms.images[0].data.chunks)[:2] == (1, 1)
    assert ms.omero is not None and len(ms.omero.channels) == 3


@pytest.mark.parametrize(
    ("factors", "match"),
    [
        ([0], ">= 1"),
        ([{"c": 2}], "only space axes"),
        ([4, 2], "may not decrease"),
        ([{"q": 2}], "not among"),
        ("2", "expected an int"),
    ],
)
def test_bad_scale_factors(make_image, factors, match) -> None:
    """Bad scale factors are clear errors."""
    with pytest.raises((NgffValueError, TypeError), match=match):
        ngffkit.to_multiscales(make_image((2, 8, 16, 16)), scale_factors=factors)


def test_labels_default_to_label_safe(make_image) -> None:
    """Label images default to a label-safe method and never invent label values."""
    labels = np.zeros((8, 8), "u4")
    labels[:4, :4] = 5
    labels[4:, 4:] = 9
    labels[0, 0] = 3
    ms = ngffkit.to_multiscales(ngffkit.to_ngff_image(labels, is_label=True), scale_factors=[2, 4])
    assert ms.method in {m.value for m in ngffkit.Methods} and ms.method != "mean"
    for level in ms.images[1:]:
        assert set(np.unique(level.data.compute())) <= {0, 3, 5, 9}


def test_uint16_intensity_is_not_a_label(make_image) -> None:
    """A uint16 intensity image is not guessed to be a label image from its dtype."""
    ms = ngffkit.to_multiscales(make_image((8, 8), dtype="uint16"), scale_factors=[2])
    assert ms.method == "mean"


def test_dask_input_keeps_graph_lazy() -> None:
    """A dask input flows through: the levels are graphs over it."""
    data = da.ones((8, 32, 32), chunks=8, dtype="u2")
    ms = ngffkit.to_multiscales(data, scale_factors=[2])
    assert int(ms.images[1].data.sum().compute()) == 4 * 16 * 16
