"""Hypothesis strategies for OME-NGFF metadata values, shared by the round-trip tests."""

from __future__ import annotations

from hypothesis import strategies as st

from ngffkit.spec import (
    SPACE_UNITS,
    TIME_UNITS,
    Axis,
    Dataset,
    ImageAttrs,
    ImageLabel,
    LabelColor,
    MultiscaleMetadata,
    Omero,
    OmeroChannel,
    OmeroWindow,
    PlateMetadata,
    WellImage,
    WellMetadata,
)
from ngffkit.spec.plate import with_acquisition, with_well

finite = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False)
offsets = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)
names = st.text(alphabet="abcdefghij", min_size=1, max_size=6)
json_scalars = st.one_of(st.integers(-100, 100), st.booleans(), names)


@st.composite
def axes(draw: st.DrawFn) -> tuple[Axis, ...]:
    """Spec-valid axes: optional t, optional c, 2 or 3 space axes, in the required order."""
    result: list[Axis] = []
    if draw(st.booleans()):
        result.append(
            Axis(name="t", type="time", unit=draw(st.none() | st.sampled_from(sorted(TIME_UNITS))))
        )
    if draw(st.booleans()):
        result.append(Axis(name="c", type="channel"))
    space_unit = draw(st.none() | st.sampled_from(sorted(SPACE_UNITS)))
    for name in ("z", "y", "x")[3 - draw(st.integers(2, 3)) :]:
        orientation = draw(st.none() | st.sampled_from(["left-to-right", "anterior-to-posterior"]))
        result.append(Axis(name=name, type="space", unit=space_unit, orientation=orientation))
    return tuple(result)


@st.composite
def multiscales(draw: st.DrawFn) -> MultiscaleMetadata:
    """A MultiscaleMetadata with 1-4 levels whose scales grow level by level."""
    ax = draw(axes())
    n = len(ax)
    base = draw(st.lists(finite, min_size=n, max_size=n))
    datasets = []
    for level in range(draw(st.integers(1, 4))):
        translation = draw(st.none() | st.lists(offsets, min_size=n, max_size=n).map(tuple))
        datasets.append(
            Dataset(
                path=f"s{level}", scale=tuple(s * 2**level for s in base), translation=translation
            )
        )
    return MultiscaleMetadata(
        axes=ax,
        datasets=tuple(datasets),
        name=draw(st.none() | names),
        type=draw(st.none() | st.sampled_from(["mean", "gaussian"])),
        metadata=draw(st.none() | st.dictionaries(names, json_scalars, max_size=2)),
        extra=draw(
            st.dictionaries(st.sampled_from(["_creator", "custom"]), json_scalars, max_size=1)
        ),
    )


@st.composite
def omeros(draw: st.DrawFn) -> Omero:
    """Omero blocks with 1-3 channels."""
    channels = []
    for _ in range(draw(st.integers(1, 3))):
        lo = draw(st.integers(0, 100))
        hi = lo + draw(st.integers(1, 1000))
        channels.append(
            OmeroChannel(
                color=draw(st.sampled_from(["FF0000", "00FF00", "FFFFFF"])),
                label=draw(st.none() | names),
                window=OmeroWindow(min=float(lo), max=float(hi), start=float(lo), end=float(hi)),
                active=draw(st.booleans()),
            )
        )
    return Omero(channels=tuple(channels))


@st.composite
def image_labels(draw: st.DrawFn) -> ImageLabel:
    """image-label blocks with unique label values."""
    values = draw(st.lists(st.integers(0, 1000), unique=True, max_size=3))
    return ImageLabel(
        colors=tuple(
            LabelColor(label_value=v, rgba=draw(st.none() | st.tuples(*[st.integers(0, 255)] * 4)))
            for v in values
        ),
        properties=tuple({"label-value": v, "class": "cell"} for v in values),
    )


@st.composite
def image_attrs(draw: st.DrawFn) -> ImageAttrs:
    """Whole image-group metadata, with unknown attributes to carry through."""
    return ImageAttrs(
        multiscales=(draw(multiscales()),),
        omero=draw(st.none() | omeros()),
        image_label=draw(st.none() | image_labels()),
        extra=draw(
            st.dictionaries(st.sampled_from(["tables_hint", "_creator"]), json_scalars, max_size=1)
        ),
    )


well_cells = st.tuples(
    st.sampled_from("ABCDEFGH"), st.one_of(st.integers(1, 12), st.sampled_from(["1", "07", "X"]))
)


@st.composite
def plates(draw: st.DrawFn) -> PlateMetadata:
    """Plates grown well by well as ngio grows them, with optional acquisitions."""
    plate = PlateMetadata(
        name=draw(st.none() | names), field_count=draw(st.none() | st.integers(1, 9))
    )
    for row, column in draw(st.lists(well_cells, max_size=8)):
        plate = with_well(plate, row, column)
    for acquisition in draw(st.lists(st.integers(0, 5), max_size=3, unique=True)):
        plate = with_acquisition(plate, acquisition, draw(st.none() | names))
    return plate


@st.composite
def wells(draw: st.DrawFn) -> WellMetadata:
    """Wells with unique alphanumeric field paths, each with or without an acquisition."""
    paths = draw(st.lists(st.text(alphabet="0123456789ab", min_size=1, max_size=3), unique=True))
    acquisition = draw(st.none() | st.integers(0, 3))
    return WellMetadata(images=tuple(WellImage(path=p, acquisition=acquisition) for p in paths))


def plate_edits(max_size: int) -> st.SearchStrategy[list[tuple[str, str, int | str, str]]]:
    """Sequences of (add|remove, row, column, field) edits of a small plate, for model tests.

    Columns come as an int, a string and a zero-padded string, which name the same column.
    """
    return st.lists(
        st.tuples(
            st.sampled_from(["add", "remove"]),
            st.sampled_from("ABC"),
            st.sampled_from([1, "2", "03"]),
            st.sampled_from(["0", "1"]),
        ),
        max_size=max_size,
    )
