"""The ROI tables: [`RoiTable`][ngffkit.tables.RoiTable] (by name), its `generic_roi_table` twin, and
[`MaskingRoiTable`][ngffkit.tables.MaskingRoiTable] (by label)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Self

from ngffkit.errors import NgffKeyError, NgffValidationError, NgffValueError
from ngffkit.rois import Roi
from ngffkit.tables._base import _reference_label, _region_attributes, _stored_key, _TableBase
from ngffkit.tables._frames import _indexed
from ngffkit.tables._roi_rows import _frame_of_rois, _rois_of


@dataclass(frozen=True, eq=False, repr=False, init=False)
class RoiTable(_TableBase):
    """Regions of interest by name (`FieldIndex`), such as a plate's fields of view.

    Parameters
    ----------
    rois
        The [`Roi`][ngffkit.Roi]s; their names become the index.
    backend
        The backend to write it with (default: the writer's, `anndata_v1`).

    Examples
    --------
    >>> from ngffkit.rois import Roi
    >>> table = RoiTable(rois=[Roi(name="FOV_1", x=0, y=0, x_length=128, y_length=128)])
    >>> table.get("FOV_1").y_length, [r.name for r in table.rois()]
    (128.0, ['FOV_1'])
    >>> table.dataframe.columns.tolist()[:3]
    ['x_micrometer', 'y_micrometer', 'z_micrometer']
    """

    table_type: ClassVar[str] = "roi_table"
    index_key: ClassVar[str | None] = "FieldIndex"
    index_type: ClassVar[Literal["int", "str"] | None] = "str"
    _rois: tuple[Roi, ...] = field(default=(), repr=False)

    def __init__(self, rois: Iterable[Roi] | None = None, *, backend: str | None = None) -> None:
        rois = tuple(rois or ())
        bad = [type(r).__name__ for r in rois if not isinstance(r, Roi)]
        if bad:
            raise NgffValueError(f"rois: expected ngffkit.Roi values, got {bad[:3]}")
        counts = Counter(r.name for r in rois)
        twice = sorted(str(n) for n, k in counts.items() if k > 1)
        if twice and self.index_type == "str":
            raise NgffValueError(f"rois: names must be unique in a ROI table, {twice} appear twice")
        key, index_type = self._index()
        self._set(_frame_of_rois(rois, key, index_type), backend, self._own_attributes())
        object.__setattr__(self, "_rois", rois)

    def _index(self) -> tuple[str, Literal["int", "str"]]:
        return str(self.index_key), self.index_type or "str"

    def _own_attributes(self) -> dict[str, Any]:
        return {}

    def _rois_from(self, frame: Any, where: str, error: type[Exception]) -> tuple[Roi, ...]:
        return _rois_of(frame, where, error, masking=False)

    @classmethod
    def _decoded(
        cls, frame: Any, attributes: Mapping[str, Any], backend: str | None, where: str
    ) -> Any:
        table = cls.__new__(cls)
        key, index_type = table._index()
        key = _stored_key(attributes, key)
        frame = _indexed(frame, key, index_type, where, NgffValidationError)
        table._set(frame, backend, attributes)
        object.__setattr__(table, "_rois", table._rois_from(frame, where, NgffValidationError))
        return table

    def rois(self) -> list[Roi]:
        """Every ROI of the table, in row order.

        Examples
        --------
        >>> from ngffkit.rois import Roi
        >>> [r.name for r in RoiTable([Roi(name="A", x=0, y=0, x_length=1, y_length=1)]).rois()]
        ['A']
        """
        return list(self._rois)

    def _lookup(self, key: str) -> dict[Any, Roi]:
        found: dict[str, dict[Any, Roi]] = self.__dict__.setdefault("_lookups", {})
        if key not in found:  # built on first use: a cache, not a field of the value
            found[key] = {getattr(r, key): r for r in reversed(self._rois)}
        return found[key]

    def get(self, name: str) -> Roi:
        """The ROI named *name* (its `FieldIndex`).

        Raises
        ------
        NgffKeyError
            If there is none; the message lists the names there are.

        Examples
        --------
        >>> from ngffkit.rois import Roi
        >>> RoiTable([Roi(name="A", x=0, y=0, x_length=2, y_length=1)]).get("A").x_length
        2.0
        """
        roi = self._lookup("name").get(name)
        if roi is not None:
            return roi
        names = [r.name for r in self._rois]
        raise NgffKeyError(f"ROI {name!r}: not in this table; its ROIs are {names[:20]}")

    def add(self, roi: Roi | Iterable[Roi], overwrite: bool = False) -> Self:
        """A new table with *roi* (one or several) added after these; this table is unchanged.

        ngio's `add` changes its table in place and returns None; ngffkit's tables are
        values, so `add` returns the new table: write `table = table.add(roi)`, then
        `add_table(name, table, overwrite=True)` to store it.

        Parameters
        ----------
        roi
            A [`Roi`][ngffkit.Roi] or several.
        overwrite
            Replace a ROI of the same name (of the same label, in a masking ROI table);
            otherwise such a ROI is an error, as in ngio.

        Raises
        ------
        NgffValueError
            If a ROI of that name (label) is there and *overwrite* is False, or a value is
            not a `Roi`.

        Examples
        --------
        >>> from ngffkit.rois import Roi
        >>> a = RoiTable([Roi(name="A", x=0, y=0, x_length=1, y_length=1)])
        >>> b = a.add(Roi(name="B", x=1, y=0, x_length=1, y_length=1))
        >>> len(a), len(b), [r.name for r in b.rois()]
        (1, 2, ['A', 'B'])
        >>> b.add(Roi(name="B", x=5, y=0, x_length=1, y_length=1))
        Traceback (most recent call last):
        ...
        ngffkit.errors.NgffValueError: ROI 'B': already in this table; pass overwrite=True to replace it
        """
        added = [roi] if isinstance(roi, Roi) else list(roi)
        bad = [type(r).__name__ for r in added if not isinstance(r, Roi)]
        if bad:
            raise NgffValueError(f"roi: expected ngffkit.Roi values, got {bad[:3]}")
        key = "label" if self.index_type == "int" else "name"
        there = self._lookup(key)
        seen: set[Any] = set()
        for new in added:
            value = getattr(new, key)
            if (value in there or value in seen) and not overwrite:
                raise NgffValueError(
                    f"ROI {value!r}: already in this table; pass overwrite=True to replace it"
                )
            seen.add(value)
        kept = [r for r in self._rois if getattr(r, key) not in seen]
        last = {getattr(r, key): r for r in added}  # with overwrite, the last of a name wins
        return self._with([*kept, *last.values()])

    def _with(self, rois: list[Roi]) -> Self:
        if self._adata is not None:
            raise NgffValueError(
                f"add: this table's AnnData also holds {list(self.anndata_parts)}, whose rows "
                f"would no longer match; make a table of the ROIs first "
                f"({type(self).__name__}(table.rois())), which leaves those parts out"
            )
        table = type(self).__new__(type(self))
        key, index_type = table._index()
        frame = _frame_of_rois(rois, key, index_type)
        table._set(frame, self.backend, self.attributes)
        object.__setattr__(table, "_rois", table._rois_from(frame, "rois", NgffValueError))
        return table

    def with_rois(self, rois: Iterable[Roi]) -> Self:
        """`add(rois, overwrite=True)`: a new table, a ROI of the same name replaced.

        Examples
        --------
        >>> from ngffkit.rois import Roi
        >>> a = RoiTable([Roi(name="A", x=0, y=0, x_length=1, y_length=1)])
        >>> b = a.with_rois([Roi(name="B", x=1, y=0, x_length=1, y_length=1)])
        >>> len(a), len(b)
        (1, 2)
        """
        return self.add(rois, overwrite=True)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(num_rois={len(self._rois)})"


@dataclass(frozen=True, eq=False, repr=False, init=False)
class GenericRoiTable(RoiTable):
    """A ROI table of the `generic_roi_table` type (same rows as [`RoiTable`][ngffkit.tables.RoiTable]).

    Examples
    --------
    >>> from ngffkit.rois import Roi
    >>> table = GenericRoiTable(rois=[Roi(name="fov", x=0, y=0, x_length=6, y_length=6)])
    >>> table.table_type, [roi.name for roi in table.rois()]
    ('generic_roi_table', ['fov'])
    """

    table_type: ClassVar[str] = "generic_roi_table"


@dataclass(frozen=True, eq=False, repr=False, init=False)
class MaskingRoiTable(RoiTable):
    """The bounding box of each object of a label image, indexed by label value.

    Parameters
    ----------
    rois
        [`Roi`][ngffkit.Roi]s with a `label`.
    reference_label
        The label image the boxes belong to (stored as `region: ../labels/<name>`).
    backend
        The backend to write it with.

    Examples
    --------
    >>> from ngffkit.rois import Roi
    >>> t = MaskingRoiTable([Roi(name="7", label=7, x=0, y=0, x_length=2, y_length=3)],
    ...                     reference_label="nuclei")
    >>> t, t.get_label(7).y_length, t.dataframe.index.tolist()
    (MaskingRoiTable(num_rois=1, reference_label=nuclei), 3.0, [7])
    """

    table_type: ClassVar[str] = "masking_roi_table"
    index_key: ClassVar[str | None] = "label"
    index_type: ClassVar[Literal["int", "str"] | None] = "int"

    def __init__(
        self,
        rois: Iterable[Roi] | None = None,
        *,
        reference_label: str | None = None,
        backend: str | None = None,
    ) -> None:
        object.__setattr__(self, "_region", _region_attributes(reference_label))
        super().__init__(rois, backend=backend)

    def _own_attributes(self) -> dict[str, Any]:
        return dict(getattr(self, "_region", {}))

    def _rois_from(self, frame: Any, where: str, error: type[Exception]) -> tuple[Roi, ...]:
        return _rois_of(frame, where, error, masking=True)

    @property
    def reference_label(self) -> str | None:
        """The name of the label image the boxes belong to (from `region`), or None.

        Examples
        --------
        >>> from ngffkit.rois import Roi
        >>> box = Roi(name="1", label=1, x=0, y=0, x_length=1, y_length=1)
        >>> MaskingRoiTable([box], reference_label="nuclei").reference_label
        'nuclei'
        """
        return _reference_label(self.attributes)

    def get_label(self, label: int) -> Roi:
        """The box of the object *label*.

        Raises
        ------
        NgffKeyError
            If the table has no ROI for *label*.

        Examples
        --------
        >>> from ngffkit.rois import Roi
        >>> t = MaskingRoiTable([Roi(name="4", label=4, x=1, y=0, x_length=2, y_length=1)])
        >>> t.get_label(4).x, t.get_label(4).name
        (1.0, '4')
        """
        roi = self._lookup("label").get(label)
        if roi is not None:
            return roi
        raise NgffKeyError(
            f"label {label!r}: not in this masking ROI table ({len(self._rois)} labels"
            + (f" of {self.reference_label!r})" if self.reference_label else ")")
        )

    def __repr__(self) -> str:
        reference = f", reference_label={self.reference_label}" if self.reference_label else ""
        return f"MaskingRoiTable(num_rois={len(self._rois)}{reference})"
