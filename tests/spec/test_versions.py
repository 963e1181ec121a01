"""Encode/decode of image metadata for each OME-NGFF version."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ngffkit.errors import NgffValidationError, NgffValueError
from ngffkit.spec import (
    ZARR_FORMAT,
    Axis,
    Dataset,
    ImageAttrs,
    LabelsAttrs,
    MultiscaleMetadata,
    decode_image_attrs,
    decode_labels_attrs,
    detect_version,
    encode_image_attrs,
    encode_labels_attrs,
    parse_version,
)
from tests import strategies

YX = (
    Axis(name="y", type="space", unit="micrometer"),
    Axis(name="x", type="space", unit="micrometer"),
)


@given(doc=strategies.image_attrs(), version=st.sampled_from(["0.4", "0.5", "0.6"]))
def test_image_attrs_roundtrip(doc: ImageAttrs, version: str) -> None:
    """Metadata written for a version reads back as the same value (through real JSON text)."""
    attrs = json.loads(json.dumps(encode_image_attrs(doc, version)))
    assert decode_image_attrs(attrs, zarr_format=ZARR_FORMAT[version]) == (version, doc)


@given(
    names=st.lists(st.text("abc", min_size=1, max_size=3), unique=True, max_size=3),
    version=st.sampled_from(["0.4", "0.5", "0.6"]),
)
def test_labels_attrs_roundtrip(names: list[str], version: str) -> None:
    """The labels-group list survives a round trip in every version."""
    doc = LabelsAttrs(labels=tuple(names))
    assert (
        decode_labels_attrs(encode_labels_attrs(doc, version), zarr_format=ZARR_FORMAT[version])
        == doc
    )


@pytest.mark.parametrize(
    ("version", "key_path"),
    [("0.4", ("multiscales",)), ("0.5", ("ome", "multiscales")), ("0.6", ("ome", "multiscales"))],
)
def test_layout_per_version(version: str, key_path: tuple[str, ...]) -> None:
    """0.4 keeps OME keys at the top level; 0.5/0.6 put them under 'ome' with ome.version."""
    doc = ImageAttrs(
        multiscales=(MultiscaleMetadata(axes=YX, datasets=(Dataset(path="0", scale=(1.0, 1.0)),)),)
    )
    attrs = encode_image_attrs(doc, version)
    node = attrs
    for key in key_path:
        node = node[key]
    assert isinstance(node, list)
    if version == "0.4":
        assert node[0]["version"] == "0.4"
    else:
        assert attrs["ome"]["version"] == version
        assert "version" not in node[0]


def test_v06_uses_coordinate_systems() -> None:
    """0.6 writes axes inside a coordinate system and transforms with input/output (RFC-5)."""
    ds = (
        Dataset(path="0", scale=(1.0, 1.0)),
        Dataset(path="1", scale=(2.0, 2.0), translation=(0.5, 0.5)),
    )
    doc = ImageAttrs(multiscales=(MultiscaleMetadata(axes=YX, datasets=ds),))
    ms = encode_image_attrs(doc, "0.6")["ome"]["multiscales"][0]
    assert ms["coordinateSystems"][0]["name"] == "physical"
    assert "axes" not in ms
    t0, t1 = (d["coordinateTransformations"][0] for d in ms["datasets"])
    assert t0 == {
        "type": "scale",
        "scale": [1.0, 1.0],
        "input": {"path": "0"},
        "output": {"name": "physical"},
    }
    assert t1["type"] == "sequence"
    assert [t["type"] for t in t1["transformations"]] == ["scale", "translation"]


def test_multiscale_level_transforms_are_folded() -> None:
    """A 0.4 multiscale-level scale/translation is applied after each dataset's (spec 0.4 §3.4)."""
    attrs = {
        "multiscales": [
            {
                "version": "0.4",
                "axes": [{"name": "y", "type": "space"}, {"name": "x", "type": "space"}],
                "datasets": [
                    {
                        "path": "0",
                        "coordinateTransformations": [
                            {"type": "scale", "scale": [2.0, 2.0]},
                            {"type": "translation", "translation": [1.0, 1.0]},
                        ],
                    }
                ],
                "coordinateTransformations": [
                    {"type": "scale", "scale": [3.0, 3.0]},
                    {"type": "translation", "translation": [10.0, 0.0]},
                ],
            }
        ]
    }
    _, doc = decode_image_attrs(attrs, zarr_format=2)
    ds = doc.multiscales[0].datasets[0]
    assert ds.scale == (6.0, 6.0)
    assert ds.translation == (13.0, 3.0)


@pytest.mark.parametrize(
    ("version", "axes"),
    [("0.3", ["z", "y", "x"]), ("0.2", None), ("0.1", None)],
)
def test_legacy_versions_read(version: str, axes: list[str] | None) -> None:
    """0.1-0.3 metadata (no transforms, names-only or missing axes) reads with scales from shapes."""
    ms: dict[str, object] = {"version": version, "datasets": [{"path": "0"}, {"path": "1"}]}
    if axes is not None:
        ms["axes"] = axes
    found, doc = decode_image_attrs(
        {"multiscales": [ms]}, zarr_format=2, ndim=3, shapes=[(8, 16, 16), (4, 8, 8)]
    )
    assert found == version
    assert doc.multiscales[0].axis_names == ("z", "y", "x")
    assert doc.multiscales[0].datasets[1].scale == (2.0, 2.0, 2.0)


ERROR_CASES = [
    pytest.param(
        {
            "multiscales": [
                {
                    "axes": [{"name": "x", "type": "space"}, {"name": "x", "type": "space"}],
                    "datasets": [
                        {
                            "path": "0",
                            "coordinateTransformations": [{"type": "scale", "scale": [1, 1]}],
                        }
                    ],
                }
            ]
        },
        "axes-unique-names",
        id="duplicate-axis",
    ),
    pytest.param(
        {
            "multiscales": [
                {
                    "axes": [{"name": "y", "type": "space"}, {"name": "c", "type": "channel"}],
                    "datasets": [
                        {
                            "path": "0",
                            "coordinateTransformations": [{"type": "scale", "scale": [1, 1]}],
                        }
                    ],
                }
            ]
        },
        "axes-space-count",
        id="one-space-axis",
    ),
    pytest.param(
        {
            "multiscales": [
                {
                    "axes": [
                        {"name": "y", "type": "space"},
                        {"name": "x", "type": "space"},
                        {"name": "t", "type": "time"},
                    ],
                    "datasets": [
                        {
                            "path": "0",
                            "coordinateTransformations": [{"type": "scale", "scale": [1, 1, 1]}],
                        }
                    ],
                }
            ]
        },
        "axes-order",
        id="time-last",
    ),
    pytest.param(
        {
            "multiscales": [
                {
                    "axes": [{"name": "y", "type": "space"}, {"name": "x", "type": "space"}],
                    "datasets": [
                        {
                            "path": "0",
                            "coordinateTransformations": [{"type": "scale", "scale": [1, 1, 1]}],
                        }
                    ],
                }
            ]
        },
        "dataset-scale-length",
        id="scale-length",
    ),
    pytest.param(
        {
            "multiscales": [
                {
                    "axes": [{"name": "y", "type": "space"}, {"name": "x", "type": "space"}],
                    "datasets": [
                        {
                            "path": "0",
                            "coordinateTransformations": [
                                {"type": "translation", "translation": [1, 1]},
                                {"type": "scale", "scale": [1, 1]},
                            ],
                        }
                    ],
                }
            ]
        },
        "dataset-transform-order",
        id="translation-first",
    ),
    pytest.param(
        {
            "multiscales": [
                {
                    "axes": [{"name": "y", "type": "space"}, {"name": "x", "type": "space"}],
                    "datasets": [
                        {
                            "path": "0",
                            "coordinateTransformations": [{"type": "scale", "scale": [0, 1]}],
                        }
                    ],
                }
            ]
        },
        "dataset-scale-positive",
        id="zero-scale",
    ),
    pytest.param({"foo": 1}, "no-ome-metadata", id="no-metadata"),
]


@pytest.mark.parametrize(("attrs", "rule"), ERROR_CASES)
def test_decode_rejects_with_rule(attrs: dict[str, object], rule: str) -> None:
    """Broken metadata is refused with an NgffValidationError naming the rule."""
    with pytest.raises(NgffValidationError) as info:
        decode_image_attrs(attrs, zarr_format=2, where="img.zarr/.zattrs")
    assert info.value.rule == rule
    assert "img.zarr/.zattrs" in str(info.value)


def test_unknown_keys_survive() -> None:
    """Unknown keys on axes, datasets, multiscales and the group survive decode + encode (0.5)."""
    attrs = {
        "other_tool": {"x": 1},
        "ome": {
            "version": "0.5",
            "custom_ome": [1, 2],
            "multiscales": [
                {
                    "_creator": {"name": "t"},
                    "axes": [
                        {"name": "y", "type": "space", "longName": "Y"},
                        {"name": "x", "type": "space"},
                    ],
                    "datasets": [
                        {
                            "path": "0",
                            "note": "n",
                            "coordinateTransformations": [{"type": "scale", "scale": [1.0, 1.0]}],
                        }
                    ],
                }
            ],
        },
    }
    _, doc = decode_image_attrs(attrs, zarr_format=3)
    assert encode_image_attrs(doc, "0.5") == attrs


@pytest.mark.parametrize(
    ("given_", "expected"), [("0.4", "0.4"), (0.5, "0.5"), ("0.6rc0", "0.6"), ("0.6.dev3", "0.6")]
)
def test_parse_version(given_: object, expected: str) -> None:
    """Version arguments are normalised; suffixes such as rc0 are dropped."""
    assert parse_version(given_) == expected


def test_parse_version_rejects() -> None:
    """An unknown version names the accepted ones."""
    with pytest.raises(NgffValueError, match=r"0\.4, 0\.5, 0\.6"):
        parse_version("0.3")


@pytest.mark.parametrize(
    ("attrs", "zarr_format", "expected"),
    [
        ({"ome": {"version": "0.5"}}, 3, "0.5"),
        ({"multiscales": [{}]}, 2, "0.4"),
        ({"plate": {"version": "0.4"}}, 2, "0.4"),
        ({"other": 1}, 2, None),
    ],
)
def test_detect_version(attrs: dict[str, object], zarr_format: int, expected: str | None) -> None:
    """The version comes from ome.version, then multiscales/plate/well, else 0.4 for OME keys."""
    assert detect_version(attrs, zarr_format=zarr_format) == expected
