"""Bad arguments anywhere in the pipeline are NgffErrors: random ones, and the ones users meet.

`to_ngff_image -> to_multiscales -> to_ngff_zarr` is fed random values for every argument
(wrong types, wrong lengths, NaN, 0-d and 0-length arrays, object dtypes, unknown axes...).
Every call either works or raises an `NgffError` (which is also the matching builtin); no
bare exception of numpy, dask or zarr may reach the user. Runs that work write real stores
on disk, which must then validate.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import ngffkit
from ngffkit.errors import NgffError, NgffTypeError, NgffValueError

_numbers = st.one_of(
    st.floats(0.1, 10),
    st.floats(0.1, 10),
    st.integers(-3, 4),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.sampled_from([np.float32(0.5), np.int64(2), 10**400, True]),
)
_junk = st.one_of(
    st.none(), st.text(max_size=3), _numbers, st.lists(st.integers(-1, 3), max_size=3)
)
_axis = st.sampled_from(["t", "c", "z", "y", "x", "z", "y", "x", "q", "", "x/y"])


def _mostly(valid: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """*valid* three times in four: enough runs get through to the writer."""
    return st.one_of(valid, valid, valid, bad)


@st.composite
def _data(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 19)) == 0:
        return draw(_junk)
    ndim = draw(_mostly(st.integers(2, 5), st.integers(0, 6)))
    shape = tuple(
        draw(st.lists(_mostly(st.integers(1, 9), st.integers(0, 9)), min_size=ndim, max_size=ndim))
    )
    dtype = draw(
        _mostly(
            st.sampled_from(["u1", "u2", "i4", "f4", "f8"]),
            st.sampled_from(["?", "c8", "O", "U1", "M8[s]"]),
        )
    )
    if dtype == "O":
        return np.empty(shape, dtype=object)
    pixels = np.zeros(shape, dtype=dtype)
    if pixels.size and draw(st.booleans()):
        pixels.flat[draw(st.integers(0, pixels.size - 1))] = 1
    return pixels


def _per_axis(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return _mostly(
        st.one_of(st.none(), st.dictionaries(st.sampled_from(["z", "y", "x"]), inner, max_size=3)),
        st.one_of(st.dictionaries(_axis, inner, max_size=3), st.lists(inner, max_size=5), _junk),
    )


_image_kwargs = st.fixed_dictionaries(
    {},
    optional={
        "dims": _mostly(st.none(), st.one_of(st.lists(_axis, max_size=5).map(tuple), _junk)),
        "scale": _per_axis(_numbers),
        "translation": _per_axis(_numbers),
        "axes_units": _mostly(
            st.sampled_from([None, "micrometer", "um"]),
            st.one_of(
                st.sampled_from(["parsec", ""]), st.dictionaries(_axis, _junk, max_size=2), _junk
            ),
        ),
        "name": _mostly(st.text(max_size=4), _junk),
        "is_label": st.booleans(),
    },
)
_multiscales_kwargs = st.fixed_dictionaries(
    {},
    optional={
        "scale_factors": _mostly(
            st.one_of(st.integers(1, 8), st.lists(st.integers(1, 4), max_size=3)),
            st.one_of(
                st.integers(-1, 0),
                st.lists(
                    st.one_of(
                        st.integers(-1, 4), st.dictionaries(_axis, st.integers(0, 3), max_size=2)
                    ),
                    max_size=3,
                ),
                _junk,
            ),
        ),
        "chunks": _mostly(
            st.one_of(st.none(), st.integers(1, 8)),
            st.one_of(
                st.integers(-1, 0), st.lists(st.integers(-1, 8), max_size=5).map(tuple), _junk
            ),
        ),
        "method": _mostly(
            st.sampled_from([None, "mean", "mode", "nearest", "gaussian"]),
            st.one_of(st.just("median?"), _junk),
        ),
        "paths": st.one_of(
            st.lists(st.sampled_from(["0", "1", "s2", "", "..", "a/b"]), max_size=3), _junk
        ),
    },
)
_zarr_kwargs = st.fixed_dictionaries(
    {},
    optional={
        "version": _mostly(
            st.sampled_from(["0.4", "0.5", "0.6"]), st.sampled_from(["0.9", 0.5, None])
        ),
        "chunks_per_shard": _mostly(
            st.sampled_from([None, 1, 2]), st.one_of(st.integers(-1, 0), _junk)
        ),
        "compressors": _mostly(st.sampled_from([None, "zstd"]), st.sampled_from([[], 5])),
        "memory_limit": _mostly(
            st.sampled_from([None, "64 MiB"]), st.sampled_from(["lots", -1, 0])
        ),
        "max_workers": _mostly(st.sampled_from([None, 1, 2]), st.sampled_from([0, -3, "2"])),
    },
)


@settings(max_examples=200, deadline=None)
@given(
    data=_data(),
    image_kwargs=_image_kwargs,
    ms_kwargs=_multiscales_kwargs,
    zarr_kwargs=_zarr_kwargs,
)
def test_random_arguments_raise_only_ngff_errors(
    data: Any, image_kwargs: dict[str, Any], ms_kwargs: dict[str, Any], zarr_kwargs: dict[str, Any]
) -> None:
    """Whatever the arguments, each step works or raises an NgffError; what is written validates."""
    out = Path(tempfile.mkdtemp(prefix="ngffkit-args-"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stage = "to_ngff_image"
            try:
                image = ngffkit.to_ngff_image(data, **image_kwargs)
                stage = "to_multiscales"
                ms = ngffkit.to_multiscales(image, **ms_kwargs)
                stage = "to_ngff_zarr"
                ngffkit.to_ngff_zarr(out / "img.zarr", ms, **zarr_kwargs)
            except NgffError:
                event(f"refused by {stage}")  # --hypothesis-show-statistics shows the mix
                assert not (out / "img.zarr").exists(), "a refused write left a store behind"
                return
        event("written")
        report = ngffkit.validate(out / "img.zarr", chunks=True)
        assert report.ok, str(report)
    finally:
        shutil.rmtree(out, ignore_errors=True)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: ngffkit.to_ngff_image(np.array(5)), NgffValueError, "0-d array"),
        (
            lambda: ngffkit.to_ngff_image(np.empty((2, 2), dtype=object)),
            NgffTypeError,
            "dtype object",
        ),
        (lambda: ngffkit.to_ngff_image(np.array([["a"]])), NgffTypeError, "dtype <U1"),
        (
            lambda: ngffkit.to_ngff_image(np.zeros((4, 4)), dims=3),
            NgffTypeError,
            "dims: expected a sequence",
        ),
        (
            lambda: ngffkit.to_ngff_image(np.zeros((4, 4)), scale="1"),
            NgffTypeError,
            "scale: expected a mapping",
        ),
        (
            lambda: ngffkit.to_ngff_image(np.zeros((4, 4)), scale=[1.0]),
            NgffValueError,
            "one value per axis",
        ),
        (
            lambda: ngffkit.to_ngff_image(np.zeros((4, 4)), name=5),
            NgffTypeError,
            "name: expected a string",
        ),
        (
            lambda: ngffkit.to_ngff_zarr(tempfile.mkdtemp() + "/s.zarr", np.zeros((8, 8))),
            NgffTypeError,
            "expected a Multiscales",
        ),
        (
            lambda: ngffkit.to_ngff_zarr(
                tempfile.mkdtemp() + "/s.zarr",
                ngffkit.to_multiscales(np.zeros((8, 8)), scale_factors=[]),
                chunks_per_shard="x",
            ),
            NgffTypeError,
            "chunks_per_shard: expected an int",
        ),
    ],
    ids=[
        "0-d",
        "object",
        "strings",
        "dims-int",
        "scale-str",
        "scale-short",
        "name-int",
        "not-multiscales",
        "shards-str",
    ],
)
def test_named_bad_arguments(call: Any, error: type[NgffError], words: str) -> None:
    """The bad arguments the issue lists each raise the NgffError that names them."""
    with pytest.raises(error, match=words.replace("(", r"\(")):
        call()


def test_scale_as_a_sequence_and_numpy_scalars() -> None:
    """scale and translation may be one number per axis, numpy scalars included."""
    image = ngffkit.to_ngff_image(
        np.zeros((4, 8, 8), "u1"),
        scale=[np.float32(2.0), 0.5, 0.5],
        translation=(1, 0, np.int64(3)),
    )
    assert image.scale == {"z": 2.0, "y": 0.5, "x": 0.5}
    assert image.translation == {"z": 1.0, "y": 0.0, "x": 3.0}
    assert all(type(v) is float for v in (*image.scale.values(), *image.translation.values()))


@pytest.mark.parametrize("entry", ["read", "validate", "write", "write-below"])
def test_store_path_that_is_a_file(tmp_path: Path, entry: str) -> None:
    """A file where a store directory should be is a clear NgffValueError at every entry point."""
    file = tmp_path / "notes.txt"
    file.write_text("not a store")
    ms = ngffkit.to_multiscales(np.zeros((8, 8), "u1"), scale_factors=[])
    calls = {
        "read": lambda: ngffkit.from_ngff_zarr(file),
        "validate": lambda: ngffkit.validate(file),
        "write": lambda: ngffkit.to_ngff_zarr(file, ms),
        "write-below": lambda: ngffkit.to_ngff_zarr(file / "img.zarr", ms),
    }
    with pytest.raises(NgffValueError, match="is a file"):
        calls[entry]()
    assert file.read_text() == "not a store"
