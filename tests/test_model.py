"""NgffImage and Multiscales: frozen values, derived metadata, reprs that never compute."""

from __future__ import annotations

import dataclasses

import dask.array as da
import pytest

import ngffkit
from ngffkit.errors import NgffValueError


def test_frozen(make_image) -> None:
    """Images are immutable; replace() returns a re-validated copy."""
    img = make_image()
    with pytest.raises(dataclasses.FrozenInstanceError):
        img.name = "other"  # type: ignore[misc]
    with pytest.raises(NgffValueError):
        dataclasses.replace(img, scale={"x": 0.0})


def test_repr_does_not_compute(make_image, raise_if_dask_computes) -> None:
    """repr and the notebook HTML repr summarise without computing pixels."""
    img = make_image((4, 8, 8))
    ms = ngffkit.to_multiscales(img, scale_factors=[2])
    with raise_if_dask_computes():
        text, html_text = repr(img), img._repr_html_()
        ms_text, ms_html = repr(ms), ms._repr_html_()
    assert "4 × 8 × 8" in text and "uint16" in text and "micrometer" in text
    assert "<table>" in html_text and "micrometer" in html_text
    assert "levels=2" in ms_text and "(2, 4, 4)" in ms_text
    assert "<table>" in ms_html


def test_metadata_derived_from_images(make_image) -> None:
    """Without explicit metadata, datasets are derived from the images' scales."""
    img = make_image((4, 8, 8))
    ms = ngffkit.Multiscales(images=(img,))
    assert ms.metadata.paths == ("0",)
    assert ms.metadata.datasets[0].scale == (2.0, 0.5, 0.5)


def test_metadata_must_match_images(make_image) -> None:
    """Metadata that disagrees with the images is refused (metadata always matches the arrays)."""
    ms = ngffkit.to_multiscales(make_image((4, 8, 8)), scale_factors=[2])
    with pytest.raises(NgffValueError, match="differ"):
        dataclasses.replace(
            ms, images=(ms.images[0], dataclasses.replace(ms.images[1], scale={"z": 9.0}))
        )
    with pytest.raises(NgffValueError, match="levels described"):
        dataclasses.replace(ms, images=ms.images[:1])


def test_levels_must_share_dims_and_dtype(make_image) -> None:
    """All levels share dims and dtype."""
    img = make_image((4, 8, 8))
    other = dataclasses.replace(img, data=da.zeros((4, 8, 8), dtype="f4"))
    with pytest.raises(NgffValueError, match="dtype"):
        ngffkit.Multiscales(images=(img, other))
