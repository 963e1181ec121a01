"""ROI rows: the Fractal ROI columns, read into [`Roi`][ngffkit.Roi]s and written from them."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Final, Literal

from ngffkit.errors import NgffValueError
from ngffkit.rois import Roi
from ngffkit.tables._frames import _pandas

ROI_COLUMNS: Final = (
    "x_micrometer",
    "y_micrometer",
    "z_micrometer",
    "len_x_micrometer",
    "len_y_micrometer",
    "len_z_micrometer",
)
"""The columns every ROI table has (Fractal table spec V1)."""

_TIME_COLUMNS: Final = ("t_second", "len_t_second")


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)  # a ValueError for text, reported with its row by the caller
    return None if math.isnan(number) else number


def _rois_of(frame: Any, where: str, error: type[Exception], *, masking: bool) -> tuple[Roi, ...]:
    missing = [c for c in ROI_COLUMNS if c not in frame.columns]
    if missing:
        raise error(
            f"{where}: a ROI table needs the columns {list(ROI_COLUMNS)}; missing {missing} "
            f"(columns: {list(frame.columns)})"
        )
    timed = all(c in frame.columns for c in _TIME_COLUMNS)
    names = {
        **{axis: f"{axis}_micrometer" for axis in ("x", "y", "z")},
        **{f"{axis}_length": f"len_{axis}_micrometer" for axis in ("x", "y", "z")},
        **({"t": "t_second", "t_length": "len_t_second"} if timed else {}),
    }
    # Whole columns as Python lists: one conversion per column, not a pandas lookup per cell.
    columns = {field: frame[column].tolist() for field, column in names.items()}
    labels = frame["label"].tolist() if "label" in frame.columns and not masking else None
    rois = []
    for position, index in enumerate(frame.index.tolist()):
        values: dict[str, Any] = {f: _number(column[position]) for f, column in columns.items()}
        label: int | None = int(index) if masking else None
        if labels is not None and _number(labels[position]) is not None:
            label = int(labels[position])
        try:
            rois.append(Roi(name=str(index), label=label, **values))
        except (NgffValueError, TypeError, ValueError) as exc:
            raise error(f"{where}: row {index!r}: {exc}") from None
    return tuple(rois)


def _frame_of_rois(rois: Iterable[Roi], key: str, index_type: Literal["int", "str"]) -> Any:
    """Rows as ngio writes them: the six ROI columns (z 0 and 1 when absent), time, label."""
    pd = _pandas()
    rows: list[dict[str, Any]] = []
    index: list[Any] = []
    for roi in rois:
        row: dict[str, Any] = {
            "x_micrometer": roi.x,
            "y_micrometer": roi.y,
            "z_micrometer": roi.z if roi.z is not None else 0.0,
            "len_x_micrometer": roi.x_length,
            "len_y_micrometer": roi.y_length,
            "len_z_micrometer": roi.z_length if roi.z_length is not None else 1.0,
        }
        if roi.t is not None:
            row["t_second"], row["len_t_second"] = roi.t, roi.t_length
        if roi.label is not None and key != "label":
            row["label"] = roi.label
        rows.append(row)
        if index_type == "int":
            if roi.label is None:
                raise NgffValueError(
                    f"Roi {roi.name!r}: a masking ROI table is indexed by label, but this ROI "
                    f"has no label"
                )
            index.append(roi.label)
        else:
            index.append(roi.name if roi.name is not None else str(len(index)))
    columns = list(ROI_COLUMNS)
    for extra in (*_TIME_COLUMNS, "label"):
        if any(extra in row for row in rows):
            columns.append(extra)
    dtype = "int64" if index_type == "int" else object
    frame = pd.DataFrame(rows, columns=columns, index=pd.Index(index, name=key, dtype=dtype))
    for column in ROI_COLUMNS:
        frame[column] = frame[column].astype("float64")
    return frame
