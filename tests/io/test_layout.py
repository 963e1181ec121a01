"""A read -> write round trip keeps every level's chunks, shards and compression, across versions."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numcodecs
import numpy as np
import pytest
import zarr
from zarr.codecs import BloscCodec, GzipCodec, ZstdCodec

import ngffkit
from ngffkit.cli import main
from ngffkit.errors import NgffWarning
from tests.conftest import make_array

# (version, chunks_per_shard) of the source store.
SOURCES = [("0.4", None), ("0.5", None), ("0.5", 2), ("0.6", None), ("0.6", 2)]
TARGETS = ["0.4", "0.5", "0.6"]


def _stored(path: Path) -> list[tuple[tuple[int, ...], tuple[int, ...] | None, str]]:
    """Each level's (chunks, shards, compressor names) as the store says, read with zarr."""
    group = zarr.open_group(path, mode="r")
    out = []
    for key in sorted(group.array_keys()):
        array = group[key]
        names = [type(c).__name__.removesuffix("Codec").lower() for c in array.compressors]
        out.append((tuple(array.chunks), array.shards, ",".join(names)))
    return out


@pytest.fixture(scope="module")
def source_stores(tmp_path_factory) -> dict[tuple[str, int | None], Path]:
    """A 3-D image with labels written once per source layout: 16^3 chunks, not dask's blocks."""
    root = tmp_path_factory.mktemp("layout")
    image = ngffkit.to_ngff_image(make_array((32, 64, 64), "uint16"))
    label = ngffkit.to_ngff_image((make_array((32, 64, 64), "uint8") > 200).astype("u4"))
    ms = ngffkit.to_multiscales(image, scale_factors=[2, 4], chunks=16)
    labels = ngffkit.to_multiscales(
        dataclasses.replace(label, is_label=True), scale_factors=[2, 4], chunks=16
    )
    ms = dataclasses.replace(ms, labels={"cells": labels})
    stores = {}
    for version, per_shard in SOURCES:
        path = root / f"v{version}-{per_shard}.ome.zarr"
        ngffkit.to_ngff_zarr(path, ms, version=version, chunks_per_shard=per_shard)
        stores[version, per_shard] = path
    return stores


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(("version", "per_shard"), SOURCES)
def test_round_trip_keeps_chunks_shards_and_codecs(
    tmp_path, source_stores, version, per_shard, target
) -> None:
    """Copied with to_ngff_zarr(new, from_ngff_zarr(old)): the same layout, labels included."""
    source = source_stores[version, per_shard]
    back = ngffkit.from_ngff_zarr(source)
    assert back.version == version
    assert back.chunks == {"z": 16, "y": 16, "x": 16}
    out = tmp_path / "copy.ome.zarr"
    ngffkit.to_ngff_zarr(out, back, version=target)
    for part in ("", "labels/cells"):
        before, after = _stored(source / part), _stored(out / part)
        assert [chunks for chunks, _, _ in after] == [chunks for chunks, _, _ in before]
        # Zarr v2 has no shards; v3 keeps them.
        expected = [None] * len(before) if target == "0.4" else [s for _, s, _ in before]
        assert [shards for _, shards, _ in after] == expected
        assert [codecs for _, _, codecs in after] == ["zstd"] * len(before)
    np.testing.assert_array_equal(
        ngffkit.from_ngff_zarr(out).images[1].data.compute(), back.images[1].data.compute()
    )
    assert ngffkit.validate(out).ok


def test_caller_choices_win_over_the_stored_layout(tmp_path, source_stores) -> None:
    """Other chunks (ms.chunks), shards or compressors given for the copy are what is written."""
    back = ngffkit.from_ngff_zarr(source_stores["0.5", 2])
    rechunked = tmp_path / "rechunked.ome.zarr"
    ngffkit.to_ngff_zarr(rechunked, dataclasses.replace(back, chunks={"z": 8, "y": 32, "x": 32}))
    assert _stored(rechunked)[0] == ((8, 32, 32), None, "zstd")
    reshard = tmp_path / "reshard.ome.zarr"
    ngffkit.to_ngff_zarr(reshard, back, chunks_per_shard=4, compressors=[GzipCodec(level=3)])
    assert _stored(reshard)[0] == ((16, 16, 16), (32, 64, 64), "gzip")


def test_cli_convert_keeps_the_pyramid_and_its_layout(tmp_path, source_stores) -> None:
    """`ngffkit convert old new --version 0.4` re-encodes the store as it is: levels, labels, chunks."""
    source = source_stores["0.5", 2]
    out = tmp_path / "converted.ome.zarr"
    assert main(["convert", str(source), str(out), "--version", "0.4"]) == 0
    assert [c for c, _, _ in _stored(out)] == [c for c, _, _ in _stored(source)]
    back = ngffkit.from_ngff_zarr(out)
    assert back.version == "0.4"
    assert list(back.labels) == ["cells"]
    assert [img.shape for img in back.images] == [(32, 64, 64), (16, 32, 32), (8, 16, 16)]


@pytest.mark.parametrize(
    ("v2_codec", "v3_codec"),
    [
        (numcodecs.Zstd(level=7), ZstdCodec(level=7, checksum=False)),
        (numcodecs.GZip(level=4), GzipCodec(level=4)),
        (
            numcodecs.Blosc(cname="zstd", clevel=5, shuffle=numcodecs.Blosc.BITSHUFFLE),
            BloscCodec(cname="zstd", clevel=5, shuffle="bitshuffle", typesize=2),
        ),
        (
            numcodecs.Blosc(cname="lz4", clevel=1, shuffle=numcodecs.Blosc.NOSHUFFLE),
            BloscCodec(cname="lz4", clevel=1, shuffle="noshuffle", typesize=2),
        ),
    ],
    ids=["zstd", "gzip", "blosc-bitshuffle", "blosc-noshuffle"],
)
def test_compression_crosses_zarr_formats_both_ways(tmp_path, v2_codec, v3_codec) -> None:
    """0.4 -> 0.5 -> 0.4 keeps the codec and its settings, as each format spells them."""
    ms = ngffkit.to_multiscales(make_array((16, 32), "uint16"), scale_factors=[], chunks=8)
    ngffkit.to_ngff_zarr(tmp_path / "a.zarr", ms, version="0.4", compressors=[v2_codec])
    ngffkit.to_ngff_zarr(tmp_path / "b.zarr", ngffkit.from_ngff_zarr(tmp_path / "a.zarr"))
    ngffkit.to_ngff_zarr(
        tmp_path / "c.zarr", ngffkit.from_ngff_zarr(tmp_path / "b.zarr"), version="0.4"
    )
    meta = json.loads((tmp_path / "b.zarr" / "0" / "zarr.json").read_text())
    assert meta["codecs"][-1] == v3_codec.to_dict()
    assert zarr.open_array(tmp_path / "c.zarr" / "0").compressors == (v2_codec,)
    np.testing.assert_array_equal(
        zarr.open_array(tmp_path / "c.zarr" / "0")[:], ms.images[0].data.compute()
    )


def test_autoshuffle_becomes_the_shuffle_numcodecs_would_pick(tmp_path) -> None:
    """Blosc's AUTOSHUFFLE has no v3 spelling: bit-shuffle for bytes, byte-shuffle otherwise."""
    for dtype, expected in (("uint8", "bitshuffle"), ("uint16", "shuffle")):
        ms = ngffkit.to_multiscales(make_array((16, 16), dtype), scale_factors=[])
        auto = numcodecs.Blosc(shuffle=numcodecs.Blosc.AUTOSHUFFLE)
        ngffkit.to_ngff_zarr(tmp_path / f"{dtype}.zarr", ms, version="0.4", compressors=[auto])
        out = tmp_path / f"{dtype}-v3.zarr"
        ngffkit.to_ngff_zarr(out, ngffkit.from_ngff_zarr(tmp_path / f"{dtype}.zarr"))
        assert zarr.open_array(out / "0").compressors[0].shuffle.value == expected


def test_codec_the_other_format_lacks_falls_back_with_a_warning(tmp_path) -> None:
    """A v2-only codec (LZ4) cannot be written to Zarr v3: the default, and a warning that says so."""
    ms = ngffkit.to_multiscales(make_array((16, 16), "uint16"), scale_factors=[])
    ngffkit.to_ngff_zarr(tmp_path / "a.zarr", ms, version="0.4", compressors=[numcodecs.LZ4()])
    with pytest.warns(NgffWarning, match=r"b.zarr/0: compressors .*LZ4.* no Zarr v3 equivalent"):
        ngffkit.to_ngff_zarr(tmp_path / "b.zarr", ngffkit.from_ngff_zarr(tmp_path / "a.zarr"))
    assert _stored(tmp_path / "b.zarr")[0][2] == "zstd"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # within v2 the codec is kept, silently
        ngffkit.to_ngff_zarr(
            tmp_path / "c.zarr", ngffkit.from_ngff_zarr(tmp_path / "a.zarr"), version="0.4"
        )
    assert _stored(tmp_path / "c.zarr")[0][2] == "lz4"


def test_layouts_must_fit_the_levels() -> None:
    """One StoredLayout per level, with one chunk length per dim: otherwise a clear error."""
    ms = ngffkit.to_multiscales(make_array((16, 16), "uint16"), scale_factors=[2])
    one = ngffkit.StoredLayout(chunks=(8, 8))
    with pytest.raises(
        ngffkit.NgffValueError, match=r"layouts: expected one entry per level \(2\)"
    ):
        dataclasses.replace(ms, layouts=(one,))
    with pytest.raises(ngffkit.NgffValueError, match=r"layouts\[1\]: expected None or a Stored"):
        dataclasses.replace(ms, layouts=(one, ngffkit.StoredLayout(chunks=(8, 8, 8))))
    with pytest.raises(ngffkit.NgffValueError, match=r"shards: expected one multiple"):
        ngffkit.StoredLayout(chunks=(8, 8), shards=(12, 16))
