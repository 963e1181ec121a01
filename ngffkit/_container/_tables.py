"""The container's tables: list, read, write and delete the tables of its image, typed.

A mixin of `OmeZarrContainer` (`_container.py`): the methods need only the image's store, its
image and label handles, and a way to refuse writes on a read-only container. The typed
tables and their encoding are `ngffkit.tables` (pure values); the storage is `ngffkit.io.tables`.
The masked images are here too, since the masking ROI tables pick their boxes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import zarr
from zarr.storage import StorePath

from ngffkit._container._handles import Image, Label
from ngffkit._container._masked import MaskedImage, MaskedLabel
from ngffkit._container._meta import PixelSize
from ngffkit._container._store import read_table_names
from ngffkit.errors import NgffKeyError, NgffTypeError, NgffValueError
from ngffkit.io.stores import child, describe_store
from ngffkit.io.tables import (
    DEFAULT_BACKEND,
    TABLE_TYPES,
    delete_table,
    read_table_data,
    write_table,
)
from ngffkit.rois import label_boxes, rois_of_boxes, whole_roi
from ngffkit.tables import (
    FeatureTable,
    GenericTable,
    MaskingRoiTable,
    RoiTable,
    Table,
    decode_table,
    encode_table,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ContainerTables"]

_ROI_TYPES = ("roi_table", "masking_roi_table", "generic_roi_table")


class _Holder(Protocol):
    @property
    def store(self) -> StorePath: ...

    def _require_writable(self, action: str) -> None: ...

    def list_tables(self, filter_types: str | None = None) -> list[str]: ...

    def get_table(self, name: str) -> Table: ...

    def list_labels(self) -> list[str]: ...

    def get_image(
        self, path: str | None = None, pixel_size: Any = None, strict: bool = False
    ) -> Image: ...

    def get_label(
        self, name: str, path: str | None = None, pixel_size: Any = None, strict: bool = False
    ) -> Label: ...

    def build_masking_roi_table(self, label: str) -> MaskingRoiTable: ...

    def get_masking_roi_table(self, name: str) -> MaskingRoiTable: ...

    def _masking(
        self, label_name: str | None, table_name: str | None, pixel_size: PixelSize
    ) -> tuple[Label, MaskingRoiTable]: ...


def _table_type(sp: StorePath, name: str) -> str:
    group = zarr.open_group(store=child(sp, "tables", name), mode="r")
    return str(dict(group.attrs).get("type", "generic_table"))


class ContainerTables:
    """Tables of the container's image (`tables/<name>`), read and written the way ngio does."""

    def list_tables(self: _Holder, filter_types: str | None = None) -> list[str]:
        """Names listed by the store's `tables` group; empty without one.

        Parameters
        ----------
        filter_types
            Only the tables of this type (`"roi_table"`, `"feature_table"` ...); reads each
            table's attributes.

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> create_empty_ome_zarr(MemoryStore(), (32, 32), pixelsize=1.0).list_tables()
        []
        """
        names = list(read_table_names(self.store))
        if filter_types is None:
            return names
        return [n for n in names if _table_type(self.store, n) == filter_types]

    def list_roi_tables(self: _Holder) -> list[str]:
        """Names of the ROI tables (`roi_table`, `masking_roi_table`, `generic_roi_table`)."""
        return [n for n in self.list_tables() if _table_type(self.store, n) in _ROI_TYPES]

    def get_table(self: _Holder, name: str) -> Table:
        """Read the table *name* as the typed table its metadata declares; needs `ngffkit[tables]`.

        A `roi_table` is a [`RoiTable`][ngffkit.tables.RoiTable], a `masking_roi_table` a
        [`MaskingRoiTable`][ngffkit.tables.MaskingRoiTable], a `feature_table` a
        [`FeatureTable`][ngffkit.tables.FeatureTable] (Fractal V1, `table_version` or
        `fractal_table_version`); any other type or version a
        [`GenericTable`][ngffkit.tables.GenericTable]. `.dataframe` gives the rows.

        Raises
        ------
        NgffKeyError
            If there is no table *name*; the message lists the tables there are.
        NgffValidationError
            If the rows do not fit the declared type (a ROI column missing, a bad index).
        NgffDependencyError
            If pandas, pyarrow or anndata is missing.

        Examples
        --------
        >>> import pandas as pd
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> from ngffkit.tables import FeatureTable
        >>> c = create_empty_ome_zarr(MemoryStore(), (32, 32), pixelsize=1.0)
        >>> c.add_table("cells", FeatureTable(pd.DataFrame({"label": [1, 2], "area": [4.0, 9.5]})))
        >>> c.get_table("cells")
        FeatureTable(num_rows=2, num_columns=1)
        >>> c.get_table("cells").dataframe["area"].to_dict()
        {1: 4.0, 2: 9.5}
        >>> c.get_table("nuclei")
        Traceback (most recent call last):
        ...
        ngffkit.errors.NgffKeyError: table 'nuclei': not among the tables of memory://...: ['cells']
        """
        frame, attributes, adata = read_table_data(self.store, name)
        where = describe_store(child(self.store, "tables", name))
        return decode_table(frame, attributes, where=where, anndata=adata)

    def get_roi_table(self: _Holder, name: str) -> RoiTable:
        """The table *name*, which must be a ROI table (`NgffValueError` otherwise)."""
        table = self.get_table(name)
        if not isinstance(table, RoiTable):
            raise NgffValueError(f"table {name!r}: expected a ROI table, it is a {table!r}")
        return table

    def get_masking_roi_table(self: _Holder, name: str) -> MaskingRoiTable:
        """The table *name*, which must be a masking ROI table (`NgffValueError` otherwise)."""
        table = self.get_table(name)
        if not isinstance(table, MaskingRoiTable):
            raise NgffValueError(f"table {name!r}: expected a masking ROI table, it is a {table!r}")
        return table

    def get_feature_table(self: _Holder, name: str) -> FeatureTable:
        """The table *name*, which must be a feature table (`NgffValueError` otherwise)."""
        table = self.get_table(name)
        if not isinstance(table, FeatureTable):
            raise NgffValueError(f"table {name!r}: expected a feature table, it is a {table!r}")
        return table

    def add_table(
        self: _Holder,
        name: str,
        table: Table | pd.DataFrame,
        backend: str | None = None,
        overwrite: bool = False,
        *,
        table_type: str | None = None,
        region: str | None = None,
        index_key: str | None = None,
    ) -> None:
        """Write *table* as `tables/<name>` and list it; the other tables are kept.

        The table is written the way ngio writes it (the V1 table attributes and ngio's
        default `anndata_v1` backend), so ngio, Fractal and anndata read it.

        Parameters
        ----------
        name
            Group name under `tables/`.
        table
            A typed table ([`RoiTable`][ngffkit.tables.RoiTable],
            [`MaskingRoiTable`][ngffkit.tables.MaskingRoiTable],
            [`FeatureTable`][ngffkit.tables.FeatureTable],
            [`GenericTable`][ngffkit.tables.GenericTable]), or a pandas DataFrame with
            *table_type*, *region* and *index_key* saying what it is.
        backend
            `"anndata_v1"`, `"anndata"`, `"parquet"`, `"csv"` or `"json"`; default the
            backend the table was read with, else `"anndata_v1"`.
        overwrite
            Replace a table of that name.
        table_type, region, index_key
            For a DataFrame only: the table type (default `"generic_table"`), the label a
            masking ROI or feature table describes, the index column.

        Raises
        ------
        NgffReadOnlyError
            If the container is read-only (nothing is written).
        NgffExistsError
            If the table exists and *overwrite* is False (nothing is written).
        NgffValueError
            For a bad name, type, backend, region, index or column (nothing is written).

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> c = create_empty_ome_zarr(MemoryStore(), (32, 32), pixelsize=0.5)
        >>> c.add_table("image_roi", c.build_image_roi_table("image"))
        >>> c.list_tables(), c.get_table("image_roi").get("image").x_length
        (['image_roi'], 16.0)
        """
        self._require_writable("add_table")
        pd_frame: Any
        if isinstance(table, RoiTable | FeatureTable | GenericTable):
            if table_type is not None or index_key is not None or region is not None:
                raise NgffValueError(
                    f"add_table {name!r}: table_type, region and index_key describe a DataFrame; "
                    f"a {type(table).__name__} says what it is"
                )
            pd_frame, attributes = encode_table(table)
            kind = table.table_type
            region_path = (
                attributes.get("region", {}).get("path") if attributes.get("region") else None
            )
            chosen = backend or table.backend or DEFAULT_BACKEND
            kept = table.anndata if table.anndata_parts else None
            write_table(
                self.store,
                name,
                pd_frame,
                table_type=kind if kind in TABLE_TYPES else "generic_table",
                backend=chosen,
                region=region_path,
                attributes=attributes,
                overwrite=overwrite,
                anndata=kept,
            )
            return
        import pandas

        if not isinstance(table, pandas.DataFrame):
            raise NgffTypeError(
                f"add_table {name!r}: table: expected a typed table (ngffkit.tables) or a pandas "
                f"DataFrame, got {type(table).__name__}"
            )
        write_table(
            self.store,
            name,
            table,
            table_type=table_type or "generic_table",
            backend=backend or DEFAULT_BACKEND,
            region=region,
            index_key=index_key,
            overwrite=overwrite,
        )

    def delete_table(self: _Holder, name: str, *, missing_ok: bool = False) -> None:
        """Delete the table *name*: unlisted first, then its group removed; other tables are kept.

        Raises
        ------
        NgffReadOnlyError
            If the container is read-only (nothing is changed).
        NgffKeyError
            If there is no table *name* and *missing_ok* is False; the message lists the tables.

        Examples
        --------
        >>> import pandas as pd
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> c = create_empty_ome_zarr(MemoryStore(), (32, 32), pixelsize=1.0)
        >>> c.add_table("a", pd.DataFrame({"n": [1]}))
        >>> c.add_table("b", pd.DataFrame({"n": [2]}))
        >>> c.delete_table("a")
        >>> c.list_tables()
        ['b']
        """
        self._require_writable("delete_table")
        delete_table(self.store, name, missing_ok=missing_ok)

    # ------------------------------------------------------------------ tables computed
    def build_image_roi_table(self: _Holder, name: str | None = "image") -> RoiTable:
        """A ROI table with one ROI covering the whole image (in memory; nothing is written).

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> c = create_empty_ome_zarr(MemoryStore(), (4, 32, 64), pixelsize=0.5, z_spacing=2.0)
        >>> roi = c.build_image_roi_table("whole").get("whole")
        >>> roi.x_length, roi.y_length, roi.z_length
        (32.0, 16.0, 8.0)
        """
        image = self.get_image()
        shape = dict(zip(image.axes_names, image.shape, strict=True))
        return RoiTable(rois=[whole_roi(name, shape, image.image.scale)])

    def build_masking_roi_table(self: _Holder, label: str) -> MaskingRoiTable:
        """The bounding box of every object of the label image *label*; reads it once, lazily.

        The label's highest resolution is searched block by block (its stored chunks), so
        memory stays bounded by a few chunks; the table is in memory, not written.

        Examples
        --------
        >>> import numpy as np
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> c = create_empty_ome_zarr(MemoryStore(), (32, 32), pixelsize=0.5)
        >>> cells = np.zeros((32, 32), "uint32"); cells[2:6, 4:12] = 7
        >>> _ = c.derive_label("cells").set_array(cells)
        >>> table = c.build_masking_roi_table("cells")
        >>> table, table.get_label(7).x, table.get_label(7).x_length
        (MaskingRoiTable(num_rois=1, reference_label=cells), 2.0, 4.0)
        """
        handle = self.get_label(label)
        image = handle.image
        boxes = label_boxes(image.data)
        rois = rois_of_boxes(boxes, image.dims, image.scale)
        return MaskingRoiTable(rois, reference_label=handle.name)

    # ------------------------------------------------------------------ masked images
    def _masking(
        self: _Holder, label_name: str | None, table_name: str | None, pixel_size: PixelSize
    ) -> tuple[Label, MaskingRoiTable]:
        """The masking label (nearest level) and table, found as ngio finds them."""
        if label_name is None and table_name is None:
            raise NgffValueError(
                "masking_label_name, masking_table_name: give the label that masks, its masking "
                "ROI table, or both"
            )
        if table_name is not None:
            table = self.get_masking_roi_table(table_name)
            if label_name is None:
                label_name = table.reference_label
                if label_name is None:
                    raise NgffValueError(
                        f"masking table {table_name!r} names no label (no region); give "
                        f"masking_label_name as well"
                    )
        else:
            assert label_name is not None
            found = None
            if label_name not in self.list_labels():
                raise NgffKeyError(
                    f"label {label_name!r}: not among the labels of {describe_store(self.store)}: "
                    f"{self.list_labels()}"
                )
            for name in self.list_tables("masking_roi_table"):
                candidate = self.get_masking_roi_table(name)
                if candidate.reference_label == label_name:
                    found = candidate
                    break
            table = found if found is not None else self.build_masking_roi_table(label_name)
        label = self.get_label(label_name, pixel_size=pixel_size, strict=False)
        return label, table

    def get_masked_image(
        self: _Holder,
        masking_label_name: str | None = None,
        masking_table_name: str | None = None,
        path: str | None = None,
        pixel_size: PixelSize | float | Sequence[float] | Mapping[str, float] | None = None,
        strict: bool = False,
    ) -> MaskedImage:
        """One level of the image, masked by the objects of a label image (as ngio's).

        The boxes come from *masking_table_name*, else from the masking ROI table whose
        `region` is the label, else they are computed from the label
        (`build_masking_roi_table`). The label is read at the level nearest to the image's.

        Examples
        --------
        >>> import numpy as np
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_ome_zarr_from_array
        >>> c = create_ome_zarr_from_array(MemoryStore(), np.full((16, 16), 9, "uint8"), pixelsize=1.0)
        >>> cells = np.zeros((16, 16), "uint32"); cells[2:4, 2:5] = 1; cells[3, 2] = 0
        >>> _ = c.derive_label("cells").set_array(cells)
        >>> c.get_masked_image("cells").get_roi_masked(label=1)
        array([[9, 9, 9],
               [0, 9, 9]], dtype=uint8)
        """
        image = self.get_image(path=path, pixel_size=pixel_size, strict=strict)
        label, table = self._masking(masking_label_name, masking_table_name, image.pixel_size)
        return image._as(MaskedImage, masking_label=label, masking_table=table)

    def get_masked_label(
        self: _Holder,
        label_name: str,
        masking_label_name: str | None = None,
        masking_table_name: str | None = None,
        path: str | None = None,
        pixel_size: PixelSize | float | Sequence[float] | Mapping[str, float] | None = None,
        strict: bool = False,
    ) -> MaskedLabel:
        """One level of the label image *label_name*, masked by the objects of another label.

        Examples
        --------
        >>> import numpy as np
        >>> from zarr.storage import MemoryStore
        >>> from ngffkit.container import create_empty_ome_zarr
        >>> c = create_empty_ome_zarr(MemoryStore(), (16, 16), pixelsize=1.0)
        >>> cells = np.zeros((16, 16), "uint32"); cells[2:4, 2:5] = 3
        >>> _ = c.derive_label("cells").set_array(cells)
        >>> _ = c.derive_label("spots").set_array(np.full((16, 16), 5, "uint32"))
        >>> c.get_masked_label("spots", masking_label_name="cells").get_roi_masked(label=3)
        array([[5, 5, 5],
               [5, 5, 5]], dtype=uint32)
        """
        label = self.get_label(label_name, path=path, pixel_size=pixel_size, strict=strict)
        mask, table = self._masking(masking_label_name, masking_table_name, label.pixel_size)
        return label._as(MaskedLabel, masking_label=mask, masking_table=table)
