"""ngffkit.methods: level shapes, dtypes, exactness, block-wise equality, laziness, parsing."""

from __future__ import annotations

import collections
import contextlib
import importlib
import importlib.metadata
import math
import sys
from collections.abc import Callable, Iterator, Sequence

import dask.array as da
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ngffkit.errors import NgffDependencyError, NgffTypeError, NgffValueError
from ngffkit.methods import (
    DEFAULT_IMAGE_METHOD,
    DEFAULT_LABEL_METHOD,
    Methods,
    _native,
    downsample,
    downsample_array,
    halo,
    is_label_safe,
    method_metadata,
    parse_method,
)
from ngffkit.methods._support import plan_chunks
from tests.conftest import requires

LABEL_METHODS = tuple(m for m in Methods if is_label_safe(m))
INTENSITY_METHODS = tuple(m for m in Methods if not is_label_safe(m))
DASK_IMAGE_METHODS = frozenset({Methods.DASK_IMAGE_GAUSSIAN, Methods.DASK_IMAGE_NEAREST})
# Methods whose every output pixel is a function of its own bin only.
BIN_LOCAL_LABEL_METHODS = (
    Methods.MODE,
    Methods.NEAREST,
    Methods.DASK_IMAGE_MODE,
    Methods.DASK_IMAGE_NEAREST,
)
CENTRED_INTENSITY_METHODS = (
    Methods.MEAN,
    Methods.GAUSSIAN,
    Methods.ITKWASM_GAUSSIAN,
    Methods.ITKWASM_BIN_SHRINK,
    Methods.DASK_IMAGE_GAUSSIAN,
)

requires_dask_image = requires("dask_image", "dask-image")


def _marks(method: Methods) -> list[pytest.MarkDecorator]:
    return [requires_dask_image] if method in DASK_IMAGE_METHODS else []


def _methods(methods: Sequence[Methods]) -> list[object]:
    """Parametrize over *methods*, skipping the dask-image ones when it is missing."""
    return [pytest.param(m, id=m.value, marks=_marks(m)) for m in methods]


# (shape, factors): 1-D to 5-D, divisible and not, leading channel/time axes untouched.
GEOMETRIES = [
    pytest.param((9,), (4,), id="1d"),
    pytest.param((7, 9), (2, 2), id="2d-odd"),
    pytest.param((8, 12), (2, 4), id="2d-even"),
    pytest.param((5, 8, 11), (2, 2, 3), id="3d-mixed"),
    pytest.param((2, 5, 6, 7), (1, 2, 2, 2), id="4d-czyx"),
    pytest.param((2, 3, 5, 6, 7), (1, 1, 2, 2, 2), id="5d-tczyx"),
    pytest.param((3, 10), (1, 4), id="2d-one-axis"),
    pytest.param((1, 3), (2, 4), id="factor-beyond-size"),
]


def _pixels(shape: tuple[int, ...], dtype: str, method: Methods, seed: int = 0) -> np.ndarray:
    """Random pixels; few distinct values for label methods so bins hold repeats and ties."""
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    dt = np.dtype(dtype)
    if is_label_safe(method):
        return rng.integers(0, 4, shape).astype(dt)
    if dt.kind == "f":
        return (rng.random(shape) * 1000).astype(dt)
    info = np.iinfo(dt)
    return rng.integers(info.min, info.max, shape, endpoint=True, dtype=dt)


def _expected_shape(shape: Sequence[int], factors: Sequence[int]) -> tuple[int, ...]:
    return tuple(math.ceil(n / f) for n, f in zip(shape, factors, strict=True))


def _bins(
    array: np.ndarray, factors: Sequence[int]
) -> Iterator[tuple[tuple[int, ...], np.ndarray]]:
    """Yield (output index, the input pixels of that bin), partial bins included."""
    for index in np.ndindex(*_expected_shape(array.shape, factors)):
        window = tuple(
            slice(i * f, min((i + 1) * f, n))
            for i, f, n in zip(index, factors, array.shape, strict=True)
        )
        yield index, array[window]


def _reference_mean(array: np.ndarray, factors: Sequence[int]) -> np.ndarray:
    """Slow mean of the valid pixels of each bin, in exact Python ints for integers."""
    out = np.empty(_expected_shape(array.shape, factors), dtype=array.dtype)
    for index, pixels in _bins(array, factors):
        if array.dtype.kind in "iu":
            total, count = sum(int(v) for v in pixels.ravel()), pixels.size
            out[index] = (2 * total + count) // (2 * count)  # half up, exactly
        else:
            out[index] = pixels.astype(np.float64).mean()
    return out


def _reference_mode(array: np.ndarray, factors: Sequence[int]) -> np.ndarray:
    """Slow most-frequent value of each bin, smallest on a tie."""
    out = np.empty(_expected_shape(array.shape, factors), dtype=array.dtype)
    for index, pixels in _bins(array, factors):
        counts = collections.Counter(pixels.ravel().tolist())
        top = max(counts.values())
        out[index] = min(value for value, count in counts.items() if count == top)
    return out


# --- shapes and dtypes -------------------------------------------------------------------


# Every method with every dtype it takes: bool only for label methods (the refusal of
# bool by the averaging methods is in test_bad_arguments).
METHOD_DTYPES = [
    pytest.param(method, dtype, id=f"{method.value}-{dtype}", marks=_marks(method))
    for method in Methods
    for dtype in ("uint8", "uint16", "int32", "float32", "bool")
    if dtype != "bool" or is_label_safe(method)
]


@pytest.mark.parametrize(("method", "dtype"), METHOD_DTYPES)
@pytest.mark.parametrize(("shape", "factors"), GEOMETRIES)
def test_level_shape_and_dtype(
    method: Methods, dtype: str, shape: tuple[int, ...], factors: tuple[int, ...]
) -> None:
    """Every method gives ceil(n / f) pixels per axis in the input's dtype."""
    array = _pixels(shape, dtype, method)
    result = downsample_array(array, factors, method)
    assert result.shape == _expected_shape(shape, factors)
    assert result.dtype == array.dtype


@pytest.mark.parametrize("method", _methods(list(Methods)))
def test_input_is_not_modified(method: Methods) -> None:
    """Kernels never write into their input (the mode sort works on its own copy)."""
    array = _pixels((4, 4), "uint8", method)
    before = array.copy()
    downsample_array(array, (4, 4), method)
    np.testing.assert_array_equal(array, before)


@pytest.mark.parametrize("method", _methods(list(Methods)))
def test_unit_factors_and_empty_arrays(method: Methods) -> None:
    """Factor 1 everywhere copies the input; an empty axis gives an empty level."""
    array = _pixels((3, 4), "uint16", method)
    same = downsample_array(array, (1, 1), method)
    assert same is not array
    np.testing.assert_array_equal(same, array)
    empty = downsample_array(np.zeros((0, 5), dtype=np.uint16), (2, 2), method)
    assert (empty.shape, empty.dtype) == ((0, 3), np.dtype(np.uint16))


# --- exact values ----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "int8", "int32", "int64", "uint64"])
@pytest.mark.parametrize(("shape", "factors"), GEOMETRIES)
def test_mean_equals_reference_exactly(
    shape: tuple[int, ...], factors: tuple[int, ...], dtype: str
) -> None:
    """Integer means equal the exact mean of each bin's valid pixels, rounded half up."""
    array = _pixels(shape, dtype, Methods.MEAN, seed=3)
    np.testing.assert_array_equal(
        downsample_array(array, factors, Methods.MEAN), _reference_mean(array, factors)
    )


SMALL_SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, max_side=7)


@given(
    array=st.one_of(
        hnp.arrays(
            hnp.integer_dtypes(endianness="=") | hnp.unsigned_integer_dtypes(endianness="="),
            SMALL_SHAPES,
        ),
        hnp.arrays(np.float32, SMALL_SHAPES, elements=st.floats(-1e6, 1e6, width=32)),
    ),
    data=st.data(),
)
def test_mean_matches_reference_property(array: np.ndarray, data: st.DataObject) -> None:
    """For random small arrays and factors, mean equals the slow reference."""
    factors = data.draw(st.tuples(*(st.integers(1, 4) for _ in array.shape)))
    result = downsample_array(array, factors, Methods.MEAN)
    expected = _reference_mean(array, factors)
    if array.dtype.kind == "f":
        np.testing.assert_allclose(result, expected, rtol=1e-6, atol=1e-30)
    else:
        np.testing.assert_array_equal(result, expected)


@given(
    array=st.one_of(
        hnp.arrays(np.bool_, SMALL_SHAPES),
        hnp.arrays(
            st.sampled_from([np.uint8, np.int32, np.uint16]),
            SMALL_SHAPES,
            elements=st.integers(0, 3),
        ),
    ),
    data=st.data(),
)
def test_mode_matches_reference_property(array: np.ndarray, data: st.DataObject) -> None:
    """For random small label arrays and factors, mode equals the slow reference."""
    factors = data.draw(st.tuples(*(st.integers(1, 5) for _ in array.shape)))
    np.testing.assert_array_equal(
        downsample_array(array, factors, Methods.MODE), _reference_mode(array, factors)
    )


@pytest.mark.parametrize("factors", [(4, 4, 4), (5, 5), (17,)], ids=str)
def test_mode_with_many_candidates(factors: tuple[int, ...]) -> None:
    """Bins of more than 16 pixels (np.sort instead of the sorting network) are exact too."""
    array = _pixels((9, 10, 11)[: len(factors)], "uint16", Methods.MODE, seed=5)
    np.testing.assert_array_equal(
        downsample_array(array, factors, Methods.MODE), _reference_mode(array, factors)
    )


@pytest.mark.parametrize("method", [Methods.MEAN, Methods.GAUSSIAN, Methods.MODE], ids=str)
def test_cache_sized_slabs_change_nothing(method: Methods, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reducing big arrays slab by slab (to keep temporaries small) gives the same pixels."""
    array = _pixels((21, 34, 33), "uint16", method, seed=8)
    whole = downsample_array(array, (2, 3, 2), method)
    monkeypatch.setattr(_native, "_SLAB_BYTES", 4096)
    np.testing.assert_array_equal(downsample_array(array, (2, 3, 2), method), whole)


@pytest.mark.parametrize(
    ("pixels", "dtype", "expected"),
    [
        ([1, 2], "uint8", 2),  # 1.5 rounds up
        ([1, 1, 1, 2], "uint8", 1),  # 1.25
        ([1, 2, 2, 2], "uint8", 2),  # 1.75
        ([0, 1], "uint16", 1),
        ([-3, -2], "int8", -2),  # -2.5 rounds up (towards +inf)
        ([-3, -3, -3, -2], "int32", -3),
        ([255, 255], "uint8", 255),  # no overflow in the accumulator
        ([1.0, 2.0], "float32", 1.5),  # floats are not rounded
    ],
)
def test_integer_means_round_half_up(pixels: list[float], dtype: str, expected: float) -> None:
    """Integer means are rounded to nearest, halves up; float means are kept as they are."""
    array = np.array(pixels, dtype=dtype)
    assert downsample_array(array, (len(pixels),), Methods.MEAN).tolist() == [expected]


@pytest.mark.parametrize(
    ("pixels", "expected"),
    [
        ([3, 1, 1, 3], 1),  # tie between 1 and 3: the smallest
        ([9, 2, 9, 2, 5, 5], 2),  # three-way tie
        ([4, 4, 0, 7], 4),  # clear majority
        ([6, 5, 4, 3], 3),  # all different: the smallest
        ([2, 2, 2, 2], 2),
    ],
)
def test_mode_ties_pick_the_smallest(pixels: list[int], expected: int) -> None:
    """Mode is the most frequent value of the bin, the smallest of the tied ones."""
    array = np.array(pixels, dtype=np.uint16)
    assert downsample_array(array, (len(pixels),), Methods.MODE).tolist() == [expected]


def test_mode_of_bool_masks() -> None:
    """Bool masks take the majority; a tie gives False."""
    mask = np.array([[True, True, False, True], [True, False, False, False]])
    assert downsample_array(mask, (2, 2), Methods.MODE).tolist() == [[True, False]]


@pytest.mark.parametrize(
    ("n", "factor", "expected"),
    [
        (7, 2, [1, 3, 5, 6]),  # even f: offset f//2, the partial last bin gives its last pixel
        (7, 3, [1, 4, 6]),  # odd f: the centre pixel
        (9, 4, [2, 6, 8]),
        (4, 1, [0, 1, 2, 3]),
    ],
)
def test_nearest_picks_offset_half_f(n: int, factor: int, expected: list[int]) -> None:
    """Nearest copies pixel i*f + f//2 of each bin, clamped to the last pixel."""
    result = downsample_array(np.arange(n, dtype=np.int32), (factor,), Methods.NEAREST)
    assert result.tolist() == expected


@pytest.mark.parametrize(
    ("method", "reference"),
    [
        pytest.param(Methods.DASK_IMAGE_NEAREST, Methods.NEAREST, marks=requires_dask_image),
        pytest.param(Methods.DASK_IMAGE_MODE, Methods.MODE),
    ],
    ids=lambda m: m.value,
)
@pytest.mark.parametrize(("shape", "factors"), GEOMETRIES)
def test_dask_image_label_methods_match_native(
    method: Methods, reference: Methods, shape: tuple[int, ...], factors: tuple[int, ...]
) -> None:
    """dask_image_nearest and dask_image_mode pick the same pixels as nearest and mode."""
    array = _pixels(shape, "uint8", method, seed=7)
    np.testing.assert_array_equal(
        downsample_array(array, factors, method), downsample_array(array, factors, reference)
    )


@pytest.mark.parametrize("method", _methods(BIN_LOCAL_LABEL_METHODS))
@pytest.mark.parametrize(("shape", "factors"), GEOMETRIES)
def test_label_methods_output_values_from_their_bin(
    method: Methods, shape: tuple[int, ...], factors: tuple[int, ...]
) -> None:
    """Every output label is a value present in the bin it summarises."""
    array = _pixels(shape, "uint8", method, seed=11)
    result = downsample_array(array, factors, method)
    for index, pixels in _bins(array, factors):
        assert result[index] in pixels


def test_itkwasm_label_image_invents_no_labels() -> None:
    """itkwasm_label_image votes over a Gaussian neighbourhood, but only with existing labels."""
    array = np.where(_pixels((12, 14), "uint16", Methods.MODE, seed=2) > 1, 500, 7).astype("u2")
    result = downsample_array(array, (2, 2), Methods.ITKWASM_LABEL_IMAGE)
    assert set(np.unique(result)) <= {7, 500}


# --- smoothing and centring -------------------------------------------------------------


@pytest.mark.parametrize("method", _methods(INTENSITY_METHODS))
@pytest.mark.parametrize("dtype", ["uint8", "uint16", "int32", "float32"])
def test_constant_image_stays_constant(method: Methods, dtype: str) -> None:
    """A constant image downsamples to the same constant, partial bins and edges included."""
    array = np.full((9, 11, 7), 37, dtype=dtype)
    result = downsample_array(array, (2, 4, 3), method)
    np.testing.assert_array_equal(result, np.full(result.shape, 37, dtype=dtype))


@pytest.mark.parametrize("method", _methods(CENTRED_INTENSITY_METHODS))
@pytest.mark.parametrize("factors", [(2, 2), (4, 4), (3, 2)], ids=str)
def test_result_is_centred(method: Methods, factors: tuple[int, int]) -> None:
    """A mirror-symmetric image stays mirror-symmetric: no method shifts the content."""
    rng = np.random.default_rng(1)
    half = rng.random((6 * factors[0], 3 * factors[1])).astype(np.float32)
    image = np.concatenate([half, half[:, ::-1]], axis=1)  # symmetric in x
    image = np.concatenate([image, image[::-1]], axis=0)  # and in y
    result = downsample_array(image, factors, method)
    np.testing.assert_allclose(result, result[::-1, ::-1], rtol=1e-5)


@pytest.mark.parametrize("method", _methods([Methods.GAUSSIAN, Methods.DASK_IMAGE_GAUSSIAN]))
def test_gaussian_attenuates_aliasing_frequencies_more_than_mean(method: Methods) -> None:
    """A period-3 wave, above the new Nyquist limit for f = 2, is damped more than by mean."""
    wave = 100 + 50 * np.cos(2 * np.pi * np.arange(96) / 3)
    image = np.tile(wave, (4, 1))
    blurred = downsample_array(image, (1, 2), method)[:, 4:-4]
    averaged = downsample_array(image, (1, 2), Methods.MEAN)[:, 4:-4]
    assert np.ptp(blurred) < 0.75 * np.ptp(averaged)


# --- regions, dask blocks and laziness -----------------------------------------------------

# (shape, factors, chunks): chunks that are not multiples of the factors, and partial bins.
BLOCKINGS = [
    pytest.param((13, 22, 17), (1, 2, 2), (5, 7, 9), id="3d-f2"),
    pytest.param((13, 22, 17), (2, 4, 3), (5, 7, 9), id="3d-mixed"),
    pytest.param((2, 19, 23), (1, 2, 2), (1, 4, 3), id="tiny-chunks"),
    pytest.param((30, 26), (4, 2), (30, 26), id="one-chunk"),
    pytest.param((9, 14, 11), (2, 1, 2), (4, 3, 5), id="untouched-middle-axis"),
    pytest.param((41,), (4,), (5,), id="1d"),
]


@pytest.mark.parametrize("method", _methods(list(Methods)))
@pytest.mark.parametrize(("shape", "factors", "chunks"), BLOCKINGS)
def test_dask_result_equals_whole_array(
    method: Methods,
    shape: tuple[int, ...],
    factors: tuple[int, ...],
    chunks: tuple[int, ...],
) -> None:
    """downsample() on chunked data equals downsample_array() on the whole array."""
    array = _pixels(shape, "uint16", method, seed=4)
    lazy = downsample(da.from_array(array, chunks=chunks), factors, method)
    whole = downsample_array(array, factors, method)
    assert (lazy.shape, lazy.dtype) == (whole.shape, whole.dtype)
    np.testing.assert_array_equal(lazy.compute(), whole)


@pytest.mark.parametrize("method", _methods(list(Methods)))
def test_downsample_computes_nothing(
    method: Methods, raise_if_dask_computes: Callable[[], contextlib.AbstractContextManager[None]]
) -> None:
    """Building the graph computes no pixels; shape, dtype and chunks are known up front."""
    data = da.zeros((3, 21, 30), dtype=np.uint16, chunks=(1, 7, 11))
    with raise_if_dask_computes():
        lazy = downsample(data, (1, 2, 4), method)
        assert lazy.shape == (3, 11, 8)
        assert lazy.dtype == np.uint16
        assert sum(lazy.chunks[1]) == 11


def test_scheduler_fixture_catches_computes(
    raise_if_dask_computes: Callable[[], contextlib.AbstractContextManager[None]],
) -> None:
    """The laziness check above has teeth: computing inside it fails."""
    with raise_if_dask_computes(), pytest.raises(AssertionError, match="computed"):
        da.ones(4, chunks=2).sum().compute()


def test_output_chunks_follow_input_chunks() -> None:
    """Output chunks are about the input chunks divided by the factors."""
    lazy = downsample(da.zeros((4, 64, 64), chunks=(1, 32, 16)), (1, 2, 4), Methods.MEAN)
    assert lazy.chunks == ((1, 1, 1, 1), (16, 16), (4, 4, 4, 4))


@pytest.mark.parametrize("method", _methods(list(Methods)))
@pytest.mark.parametrize(
    ("factors", "start", "stop"),
    [
        ((2, 2), (8, 4), (16, 12)),
        ((4, 2), (4, 0), (24, 26)),  # reaches the partial last bins
        ((2, 4), (0, 8), (10, 16)),
    ],
    ids=["inner", "to-the-end", "from-the-start"],
)
def test_region_with_halo_is_exact(
    method: Methods, factors: tuple[int, int], start: tuple[int, int], stop: tuple[int, int]
) -> None:
    """A bin-aligned region read with halo() margins (clipped, not padded) is exact."""
    array = _pixels((27, 26), "uint16", method, seed=9)
    margins = halo(method, factors)
    low = [max(a - h, 0) for a, h in zip(start, margins, strict=True)]
    high = [min(b + h, n) for b, h, n in zip(stop, margins, array.shape, strict=True)]
    window = tuple(slice(lo, hi) for lo, hi in zip(low, high, strict=True))
    region = downsample_array(array[window], factors, method)
    keep = tuple(
        slice((a - lo) // f, (a - lo) // f + math.ceil((b - a) / f))
        for a, b, lo, f in zip(start, stop, low, factors, strict=True)
    )
    whole = downsample_array(array, factors, method)
    expected = tuple(
        slice(a // f, a // f + math.ceil((b - a) / f))
        for a, b, f in zip(start, stop, factors, strict=True)
    )
    np.testing.assert_array_equal(region[keep], whole[expected])


@pytest.mark.parametrize(
    ("method", "factors", "expected"),
    [
        (Methods.MEAN, (1, 2, 2), (0, 0, 0)),
        (Methods.MODE, (2, 4), (0, 0)),
        (Methods.NEAREST, (3,), (0,)),
        (Methods.ITKWASM_BIN_SHRINK, (1, 2, 2), (0, 0, 0)),
        (Methods.GAUSSIAN, (1, 2, 4), (0, 4, 8)),  # ceil(4 sigma) = 3 and 5, to multiples of f
        (Methods.GAUSSIAN, (3,), (6,)),
        (Methods.DASK_IMAGE_GAUSSIAN, (2, 1), (4, 0)),
        (Methods.ITKWASM_GAUSSIAN, (1, 2, 2), (0, 2, 2)),
        (Methods.ITKWASM_GAUSSIAN, (2, 1, 4), (2, 0, 4)),  # itkwasm's own kernel radius
        (Methods.ITKWASM_LABEL_IMAGE, (4, 4), (4, 4)),
    ],
)
def test_halo_values(method: Methods, factors: tuple[int, ...], expected: tuple[int, ...]) -> None:
    """Only the Gaussian methods need a halo, a multiple of f, and none on f = 1 axes."""
    assert halo(method, factors) == expected


@pytest.mark.parametrize(
    ("chunks", "factor", "minimum"),
    [((5, 5, 5), 2, 0), ((3, 3, 3, 3), 2, 4), ((7,), 3, 6), ((10, 1), 4, 8), ((1, 1, 1, 9), 2, 2)],
)
def test_chunk_plan_is_aligned(chunks: tuple[int, ...], factor: int, minimum: int) -> None:
    """Planned chunks keep the length, are multiples of f but the last, and hold the halo."""
    plan = plan_chunks(chunks, factor, minimum)
    assert sum(plan) == sum(chunks)
    assert all(c % factor == 0 for c in plan[:-1])
    assert len(plan) == 1 or min(plan) >= max(minimum, factor)


# --- parsing, metadata and errors -----------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "is_label", "expected"),
    [
        (None, False, DEFAULT_IMAGE_METHOD),
        (None, True, DEFAULT_LABEL_METHOD),
        (Methods.GAUSSIAN, False, Methods.GAUSSIAN),
        ("itkwasm_bin_shrink", False, Methods.ITKWASM_BIN_SHRINK),
        ("  Dask_Image_Mode ", True, Methods.DASK_IMAGE_MODE),
        ("bin_shrink", False, Methods.MEAN),
        ("NEAREST", True, Methods.NEAREST),
    ],
)
def test_parse_method_accepts(
    given: Methods | str | None, is_label: bool, expected: Methods
) -> None:
    """Members, their values in any case, the bin_shrink alias and None are accepted."""
    assert parse_method(given, is_label=is_label) is expected


def test_parse_method_names_the_bad_value_and_the_valid_ones() -> None:
    """An unknown method is an NgffValueError quoting it and listing every valid name."""
    with pytest.raises(NgffValueError, match="'median'") as info:
        parse_method("median")
    assert all(repr(m.value) in str(info.value) for m in Methods)
    with pytest.raises(NgffTypeError, match="got 3"):
        parse_method(3)  # type: ignore[arg-type]


@pytest.mark.parametrize("method", list(INTENSITY_METHODS), ids=str)
def test_label_images_refuse_averaging_methods(method: Methods) -> None:
    """A method that averages is refused for labels, and the error lists the label-safe ones."""
    with pytest.raises(NgffValueError, match=f"{method.value!r}.*label-safe") as info:
        parse_method(method, is_label=True)
    assert all(repr(m.value) in str(info.value) for m in LABEL_METHODS)


def test_label_safe_methods() -> None:
    """Exactly the methods that copy input values are label safe."""
    assert set(LABEL_METHODS) == {
        Methods.MODE,
        Methods.NEAREST,
        Methods.ITKWASM_LABEL_IMAGE,
        Methods.DASK_IMAGE_MODE,
        Methods.DASK_IMAGE_NEAREST,
    }


@pytest.mark.parametrize("method", _methods(list(Methods)))
def test_method_metadata_names_real_code(method: Methods) -> None:
    """method_metadata gives the multiscales type and a method/version/description mapping."""
    kind, metadata = method_metadata(method)
    assert kind == method.value
    assert sorted(metadata) == ["description", "method", "version"]
    assert all(isinstance(value, str) and value for value in metadata.values())
    module, _, name = metadata["method"].rpartition(".")
    assert callable(getattr(importlib.import_module(module), name))


def test_method_metadata_versions() -> None:
    """The version is that of the library computing the pixels."""
    assert method_metadata(Methods.ITKWASM_GAUSSIAN)[1]["version"] == importlib.metadata.version(
        "itkwasm-downsample"
    )
    assert (
        method_metadata(Methods.DASK_IMAGE_MODE)[1]["version"]
        == (method_metadata(Methods.MEAN)[1]["version"])
    )


@pytest.mark.parametrize(
    ("array", "factors", "method", "match"),
    [
        (np.zeros((4, 4)), (2,), Methods.MEAN, r"expected 2 values"),
        (np.zeros((4, 4)), (2, 0), Methods.MEAN, r"factors\[1\]: expected an int >= 1, got 0"),
        (np.zeros((4, 4)), (2, 1.5), Methods.MEAN, r"factors\[1\]"),
        (np.zeros((4, 4)), 2, Methods.MEAN, r"expected a sequence"),
        (np.zeros((4, 4), dtype=bool), (2, 2), Methods.MEAN, r"'mean'.*got dtype bool"),
        (np.zeros((4, 4), dtype=complex), (2, 2), Methods.MODE, r"got dtype complex128"),
        (np.zeros((2,) * 4), (2,) * 4, Methods.ITKWASM_BIN_SHRINK, r"at most the last 3 axes"),
    ],
    ids=["length", "zero", "float", "scalar", "bool-mean", "complex", "itkwasm-4d"],
)
def test_bad_arguments(array: np.ndarray, factors: object, method: Methods, match: str) -> None:
    """Bad factors, dtypes and dimensionality are NgffValueErrors that say what was wrong."""
    with pytest.raises(NgffValueError, match=match):
        downsample_array(array, factors, method)  # type: ignore[arg-type]
    with pytest.raises(NgffValueError, match=match):
        downsample(da.from_array(array), factors, method).compute()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "method", [Methods.DASK_IMAGE_GAUSSIAN, Methods.DASK_IMAGE_NEAREST], ids=str
)
def test_missing_dask_image_names_the_extra(
    method: Methods, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without dask-image, its methods raise an NgffDependencyError naming the pip extra."""
    for module in ("dask_image", "dask_image.ndfilters", "dask_image.ndinterp"):
        monkeypatch.setitem(sys.modules, module, None)
    hint = rf"method '{method.value}' needs dask-image.*pip install 'ngffkit\[dask-image\]'"
    with pytest.raises(NgffDependencyError, match=hint):
        downsample_array(np.zeros((4, 4)), (2, 2), method)
    with pytest.raises(NgffDependencyError, match=hint):
        downsample(da.zeros((4, 4)), (2, 2), method)


def test_missing_dask_image_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    """method_metadata cannot report a version for an uninstalled library, and says so."""
    real_version = importlib.metadata.version

    def version(distribution: str) -> str:
        if distribution == "dask-image":
            raise importlib.metadata.PackageNotFoundError(distribution)
        return real_version(distribution)

    monkeypatch.setattr(importlib.metadata, "version", version)
    with pytest.raises(NgffDependencyError, match=r"ngffkit\[dask-image\]"):
        method_metadata(Methods.DASK_IMAGE_GAUSSIAN)
    assert method_metadata(Methods.DASK_IMAGE_MODE)[0] == "dask_image_mode"
