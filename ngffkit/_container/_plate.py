"""HCS plates as containers: open, list, read, create and edit plates of wells of fields.

A facade in the shape of ngio's `OmeZarrPlate` over the pure edits of `_plate_edits` (built on
the plate and well values of `ngffkit.spec`, with ngio's semantics: sorted rows, two-digit
integer columns, a well's last field removed removes the well) and the store helpers of
`_plate_store` (wells read concurrently; every edit run under the plate's lock, so parallel
writers lose nothing). Its tables are the mixin `_plate_tables.PlateTables`. Field images
are ordinary images, opened as [`OmeZarrContainer`][ngffkit.OmeZarrContainer] and created
by the container's creators.

The handle holds no metadata: every call reads the plate as it is in the store, so edits made
by other processes are seen at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Literal

from zarr.core.sync import sync
from zarr.storage import StorePath

from ngffkit._container._container import OmeZarrContainer, open_ome_zarr_container
from ngffkit._container._create import (
    DEFAULT_CREATE_VERSION,
    create_empty_ome_zarr,
    create_ome_zarr_from_array,
)
from ngffkit._container._plan import parse_version_args
from ngffkit._container._plate_edits import (
    PLATE_ERRORS,
    ImageInWellPath,
    acquisition_edit,
    add_edit,
    check_field_path,
    in_plate,
    plan_plate,
    remove_edit,
    well_path,
)
from ngffkit._container._plate_picture import plate_html
from ngffkit._container._plate_store import (
    FIELD_WORKERS,
    PlateState,
    plate_update,
    read_plate,
    read_wells,
    write_plate,
    write_well,
)
from ngffkit._container._plate_tables import PlateTables
from ngffkit.errors import (
    NgffExistsError,
    NgffKeyError,
    NgffNotFoundError,
    NgffReadOnlyError,
    NgffValueError,
)
from ngffkit.io.stores import (
    StoreLike,
    can_write,
    child,
    describe_store,
    open_store,
    write_consolidated,
)
from ngffkit.io.write import staged_write
from ngffkit.spec import NgffVersion, PlateMetadata, WellMetadata

__all__ = [
    "ImageInWellPath",
    "OmeZarrPlate",
    "open_ome_zarr_plate",
    "create_empty_plate",
]


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class OmeZarrPlate(PlateTables):
    """An OME-Zarr HCS plate: wells on a grid of rows and columns, fields of view in each well.

    Open one with [`open_ome_zarr_plate`][ngffkit.open_ome_zarr_plate] or make one with
    [`create_empty_plate`][ngffkit.create_empty_plate]. Every property and method reads the
    plate's current metadata; the edits (`add_image`, `remove_image`, `add_table` ...) are safe
    with other writers: threads of one process on any store, processes on a local disk.

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> plate = create_empty_plate(MemoryStore(), "screen", images=[
    ...     ImageInWellPath(row="B", column=3, path="0", acquisition_id=1, acquisition_name="day 1")])
    >>> plate.name, plate.version, plate.rows, plate.columns, plate.images_paths()
    ('screen', '0.5', ['B'], ['03'], ['B/03/0'])
    >>> plate.acquisition_ids, plate.acquisitions_names, plate.meta.wells_paths
    ([1], ['day 1'], ('B/03',))
    """

    store: StorePath
    mode: Literal["r", "r+"] = "r+"

    # ------------------------------------------------------------------ overview
    @property
    def _state(self) -> PlateState:
        return read_plate(self.store)

    @property
    def meta(self) -> PlateMetadata:
        """The plate metadata (`ngffkit.spec.PlateMetadata`) as stored now."""
        return self._state.meta

    @property
    def version(self) -> str:
        """The plate's OME-NGFF version."""
        return self._state.version

    @property
    def name(self) -> str | None:
        """The plate's name, if it has one."""
        return self.meta.name

    @property
    def rows(self) -> list[str]:
        """Row names, as the plate lists them (ngio's plates: sorted, those holding wells)."""
        return list(self.meta.rows)

    @property
    def columns(self) -> list[str]:
        """Column names, as the plate lists them (ngio's plates: ``"01"``, ``"02"`` ...)."""
        return list(self.meta.columns)

    @property
    def acquisition_ids(self) -> list[int]:
        """The ids of the plate's acquisitions."""
        return list(self.meta.acquisition_ids)

    @property
    def acquisitions_names(self) -> list[str | None]:
        """The names of the plate's acquisitions (None where one has no name)."""
        return [a.name for a in self.meta.acquisitions]

    def wells_paths(self) -> list[str]:
        """The paths of the plate's wells (``"B/03"`` ...), in the order it lists them.

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> plate = create_empty_plate(MemoryStore(), "p")
        >>> plate.add_well("C", 5), plate.add_well("B", 3)
        ('C/05', 'B/03')
        >>> plate.wells_paths()
        ['C/05', 'B/03']
        """
        return list(self.meta.wells_paths)

    def _wells(self, state: PlateState) -> dict[str, WellMetadata]:
        paths = list(state.meta.wells_paths)
        found = read_wells(self.store, paths, state.version)
        missing = [p for p, well in found.items() if well is None]
        if missing:
            raise NgffNotFoundError(
                f"plate {describe_store(self.store)} lists wells without well metadata: "
                f"{missing[:5]}{' ...' if len(missing) > 5 else ''}"
            )
        return {p: w for p, w in found.items() if w is not None}

    def images_paths(self, acquisition: int | None = None) -> list[str]:
        """The paths of every field of view (``"B/03/0"`` ...), or of one *acquisition*.

        Reads each well's metadata once, all wells concurrently.

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> plate = create_empty_plate(MemoryStore(), "p", images=[
        ...     ImageInWellPath(row="B", column=3, path="0", acquisition_id=0),
        ...     ImageInWellPath(row="B", column=3, path="1", acquisition_id=1),
        ...     ImageInWellPath(row="C", column=5, path="0", acquisition_id=0)])
        >>> plate.images_paths(), plate.images_paths(acquisition=1)
        (['B/03/0', 'B/03/1', 'C/05/0'], ['B/03/1'])
        """
        wells = self._wells(self._state)
        return [f"{p}/{image}" for p, well in wells.items() for image in well.paths(acquisition)]

    def _well(self, row: str, column: int | str) -> tuple[str, WellMetadata]:
        state = self._state
        where = describe_store(self.store)
        path = well_path(state.meta, row, column, where)
        well = read_wells(self.store, [path], state.version)[path]
        if well is None:
            raise NgffNotFoundError(
                f"plate {where} lists well {path!r}, which has no well metadata"
            )
        return path, well

    def well_images_paths(
        self, row: str, column: int | str, acquisition: int | None = None
    ) -> list[str]:
        """The paths of the fields of view of one well (of one *acquisition*, if given).

        Raises
        ------
        NgffKeyError
            If the plate has no well at *row*, *column*; the message lists its wells.

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> plate = create_empty_plate(MemoryStore(), "p", images=[
        ...     ImageInWellPath(row="B", column=3, path=f, acquisition_id=int(f)) for f in "01"])
        >>> plate.well_images_paths("B", 3), plate.well_images_paths("B", "03", acquisition=0)
        (['B/03/0', 'B/03/1'], ['B/03/0'])
        """
        path, well = self._well(row, column)
        return [f"{path}/{image}" for image in well.paths(acquisition)]

    def get_image_acquisition_id(self, row: str, column: int | str, image_path: str) -> int | None:
        """The acquisition id of one field of view (None when it names none).

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> plate = create_empty_plate(MemoryStore(), "p",
        ...     images=[ImageInWellPath(row="B", column=3, path="1", acquisition_id=7)])
        >>> plate.get_image_acquisition_id("B", 3, "1")
        7
        """
        path, well = self._well(row, column)
        try:
            return well.acquisition_of(image_path)
        except NgffKeyError as exc:
            raise in_plate(exc, describe_store(self.store, path)) from None

    # ------------------------------------------------------------------ images
    def _open(self, paths: Sequence[str]) -> dict[str, OmeZarrContainer]:
        if len(paths) <= 1:
            return {p: open_ome_zarr_container(child(self.store, p), mode=self.mode) for p in paths}
        with ThreadPoolExecutor(min(FIELD_WORKERS, len(paths))) as pool:
            opened = pool.map(
                lambda p: open_ome_zarr_container(child(self.store, p), mode=self.mode), paths
            )
            return dict(zip(paths, opened, strict=True))

    def get_images(self, acquisition: int | None = None) -> dict[str, OmeZarrContainer]:
        """Every field of view (of one *acquisition*, if given), by path; opened concurrently.

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> plate = create_empty_plate(MemoryStore(), "p")
        >>> for field in "01":
        ...     _ = plate.add_image("A", 1, field, shape=(32, 32), pixelsize=1.0, levels=1)
        >>> {path: c.get_image().shape for path, c in plate.get_images().items()}
        {'A/01/0': (32, 32), 'A/01/1': (32, 32)}
        """
        return self._open(self.images_paths(acquisition))

    def get_well_images(
        self, row: str, column: int | str, acquisition: int | None = None
    ) -> dict[str, OmeZarrContainer]:
        """The fields of view of one well (of one *acquisition*, if given), by path.

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> plate = create_empty_plate(MemoryStore(), "p")
        >>> _ = plate.add_image("A", 1, "0", shape=(32, 32), pixelsize=1.0, levels=1)
        >>> list(plate.get_well_images("A", 1))
        ['A/01/0']
        """
        return self._open(self.well_images_paths(row, column, acquisition))

    def get_image(self, row: str, column: int | str, image_path: str) -> OmeZarrContainer:
        """One field of view as an [`OmeZarrContainer`][ngffkit.OmeZarrContainer].

        Raises
        ------
        NgffKeyError
            If there is no such well, or the well lists no field *image_path* (the message
            lists its fields).

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> plate = create_empty_plate(MemoryStore(), "p")
        >>> _ = plate.add_image("A", 1, "0", shape=(2, 32, 32), pixelsize=1.0, axes_names="cyx")
        >>> plate.get_image("A", 1, "0").channel_labels
        ['channel_0', 'channel_1']
        """
        path, well = self._well(row, column)
        if image_path not in well.paths():
            raise NgffKeyError(
                f"plate {describe_store(self.store)}: field {image_path!r} is not in well "
                f"{path} (fields: {list(well.paths())})"
            )
        return self._open([f"{path}/{image_path}"])[f"{path}/{image_path}"]

    # ------------------------------------------------------------------ edits
    def _require_writable(self, action: str) -> None:
        if self.mode != "r+":
            raise NgffReadOnlyError(
                f"{action}: the plate {describe_store(self.store)} was opened read-only; open it "
                f"with mode='r+'"
            )

    def add_image(
        self,
        row: str,
        column: int | str,
        image_path: str,
        acquisition_id: int | None = None,
        acquisition_name: str | None = None,
        *,
        array: Any = None,
        shape: Sequence[int] | None = None,
        overwrite: bool = False,
        **image_options: Any,
    ) -> str:
        """List a field of view in the plate (adding its well, row and column as needed).

        With *array* (or *shape*) the field's image is written first, through
        [`create_ome_zarr_from_array`][ngffkit.create_ome_zarr_from_array] (or
        [`create_empty_ome_zarr`][ngffkit.create_empty_ome_zarr]) with *image_options*, in the
        plate's version; the field is listed only once its image is complete. Safe with other
        writers: the plate and well metadata are updated as one step under the plate's lock.

        Parameters
        ----------
        row, column
            The well: a row name (``"B"``) and a column (``3``, ``"3"`` and ``"03"`` are one).
        image_path
            The field's path in the well (``"0"``).
        acquisition_id, acquisition_name
            The acquisition the field belongs to; added to the plate if new. Required when
            the plate has several acquisitions.
        array, shape
            Write the field's image from *array*, or an empty one of *shape*.
        overwrite
            Replace an existing image at the field's path (only with *array* or *shape*).
        **image_options
            Options of the creators (``pixelsize``, ``axes_names``, ``levels``,
            ``channel_labels`` ...).

        Returns
        -------
        str
            The field's path in the plate (``"B/03/0"``).

        Raises
        ------
        NgffReadOnlyError
            If the plate was opened read-only.
        NgffExistsError
            If the well lists *image_path* already (nothing is written).
        NgffValidationError
            A bad row or column name, a field without an acquisition on a plate with several
            (the message lists them) or a path the version does not allow (nothing written).
        NgffValueError
            A well outside the rows and columns of a plate whose layout was declared.

        Examples
        --------
        >>> import numpy as np
        >>> from zarr.storage import MemoryStore
        >>> plate = create_empty_plate(MemoryStore(), "screen")
        >>> plate.add_image("C", 1, "0", array=np.zeros((64, 64), "uint8"), pixelsize=0.5)
        'C/01/0'
        >>> plate.get_image("C", 1, "0").get_image().shape
        (64, 64)
        """
        self._require_writable("add_image")
        state = self._state
        version = parse_version_args(state.version, None, DEFAULT_CREATE_VERSION)
        where = describe_store(self.store)
        check_field_path(image_path, version, where)
        edit = add_edit(where, row, column, image_path, acquisition_id, acquisition_name)
        if array is not None or shape is not None:
            path = edit(state, lambda p: read_wells(self.store, [p], state.version)[p]).result
            self._write_field(path, version, array, shape, overwrite, image_options)
        elif image_options or overwrite:
            raise NgffValueError(
                f"add_image: {sorted(image_options) or ['overwrite']} only apply when writing "
                f"the field's image; pass array= or shape="
            )
        result: str = plate_update(self.store, edit)
        return result

    def atomic_add_image(self, *args: Any, **kwargs: Any) -> str:
        """ngio's name for `add_image`, which is parallel-safe already.

        Threads of one process take turns on any store; processes, on a local disk (on an
        object store, writers in several processes are last-writer-wins).

        Examples
        --------
        >>> from concurrent.futures import ThreadPoolExecutor
        >>> from zarr.storage import MemoryStore
        >>> plate = create_empty_plate(MemoryStore(), "p")
        >>> with ThreadPoolExecutor(4) as pool:
        ...     added = list(pool.map(lambda f: plate.atomic_add_image("A", 1, f), "0123"))
        >>> added, sorted(plate.well_images_paths("A", 1)) == added
        (['A/01/0', 'A/01/1', 'A/01/2', 'A/01/3'], True)
        """
        return self.add_image(*args, **kwargs)

    def _write_field(
        self,
        path: str,
        version: NgffVersion,
        array: Any,
        shape: Sequence[int] | None,
        overwrite: bool,
        options: dict[str, Any],
    ) -> None:
        target = child(self.store, path)
        if array is not None and shape is not None:
            raise NgffValueError("add_image: pass array= or shape=, not both")
        if array is not None:
            create_ome_zarr_from_array(
                target, array, version=version, overwrite=overwrite, **options
            )
        else:
            assert shape is not None
            create_empty_ome_zarr(target, shape, version=version, overwrite=overwrite, **options)

    def add_well(self, row: str, column: int | str) -> str:
        """List an empty well (its row and column too, as needed); returns its path.

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> plate = create_empty_plate(MemoryStore(), "p")
        >>> plate.add_well("D", 7), plate.rows, plate.columns
        ('D/07', ['D'], ['07'])
        """
        self._require_writable("add_well")
        result: str = plate_update(
            self.store, add_edit(describe_store(self.store), row, column, None)
        )
        return result

    def add_acquisition(self, acquisition_id: int, acquisition_name: str | None = None) -> None:
        """List an acquisition in the plate (nothing changes if its id is listed).

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> plate = create_empty_plate(MemoryStore(), "p")
        >>> plate.add_acquisition(3, "day 3")
        >>> plate.acquisition_ids, plate.acquisitions_names
        ([3], ['day 3'])
        """
        self._require_writable("add_acquisition")
        plate_update(self.store, acquisition_edit(acquisition_id, acquisition_name))

    def remove_image(self, row: str, column: int | str, image_path: str) -> None:
        """Unlist a field of view; a well whose last field goes is unlisted too (as in ngio).

        No pixels are deleted: the field's group stays in the store, unlisted.

        Raises
        ------
        NgffKeyError
            If there is no such well, or it lists no field *image_path* (nothing changes).

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> plate = create_empty_plate(MemoryStore(), "p",
        ...     images=[ImageInWellPath(row="A", column=1, path="0")])
        >>> plate.remove_image("A", 1, "0")
        >>> plate.wells_paths(), plate.rows
        ([], ['A'])
        """
        self._require_writable("remove_image")
        plate_update(self.store, remove_edit(describe_store(self.store), row, column, image_path))

    def atomic_remove_image(self, row: str, column: int | str, image_path: str) -> None:
        """ngio's name for `remove_image`, which is parallel-safe already (see `atomic_add_image`).

        Examples
        --------
        >>> from zarr.storage import MemoryStore
        >>> plate = create_empty_plate(MemoryStore(), "p", images=[
        ...     ImageInWellPath(row="A", column=1, path=f) for f in "012"])
        >>> plate.atomic_remove_image("A", 1, "1")
        >>> plate.well_images_paths("A", 1)
        ['A/01/0', 'A/01/2']
        """
        self.remove_image(row, column, image_path)

    # ------------------------------------------------------------------ text
    def __repr__(self) -> str:
        state = self._state
        meta = state.meta
        access = "read-only" if self.mode == "r" else "writable"
        return (
            f"OmeZarrPlate(name={meta.name!r}, [rows x columns] ({len(meta.rows)} x "
            f"{len(meta.columns)}), wells={len(meta.wells)}, acquisitions="
            f"{list(meta.acquisition_ids)}, OME-NGFF {state.version}, {access})"
        )

    def __str__(self) -> str:
        return repr(self)

    def _repr_html_(self) -> str:
        # The layout as a picture: bounded reads (see _plate_picture), text if it fails.
        try:
            text = repr(self)
        except Exception as exc:  # a repr never fails: say what went wrong
            text = f"OmeZarrPlate({describe_store(self.store)}: {type(exc).__name__}: {exc})"
        return plate_html(self.store, text)


def open_ome_zarr_plate(
    store: StoreLike,
    *,
    mode: Literal["r", "r+"] | None = None,
    cache: bool = False,
    storage_options: dict[str, Any] | None = None,
) -> OmeZarrPlate:
    """Open an HCS plate; reads its metadata only.

    Parameters
    ----------
    store
        Local path, URL, zarr store or StorePath of the plate's root group.
    mode
        ``"r+"`` allows edits; ``"r"`` is read-only. Default: ``"r+"`` where the store can be
        written, else ``"r"``.
    cache
        Accepted for ngio's signature; the plate reads its metadata fresh on every call.
    storage_options
        fsspec options for URLs.

    Raises
    ------
    NgffNotFoundError
        If there is no group at *store*.
    NgffValidationError
        If the group is not a plate (the message says how to open an image instead).

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> store = MemoryStore()
    >>> _ = create_empty_plate(store, "p", images=[ImageInWellPath(row="A", column=1, path="0")])
    >>> open_ome_zarr_plate(store).wells_paths()
    ['A/01']
    """
    del cache
    if mode is None:
        mode = "r+" if can_write(store) else "r"
    if mode not in ("r", "r+"):
        raise NgffValueError(f"mode: expected 'r' or 'r+', got {mode!r}")
    sp = open_store(store, mode=mode, storage_options=storage_options)
    read_plate(sp)  # fail here, not at first use, when it is not a plate
    return OmeZarrPlate(store=sp, mode=mode)


def create_empty_plate(
    store: StoreLike,
    name: str | None = None,
    images: Sequence[ImageInWellPath] | None = None,
    *,
    rows: Sequence[str] | None = None,
    columns: Sequence[int | str] | None = None,
    version: NgffVersion | str | None = None,
    ngff_version: NgffVersion | str | None = None,
    overwrite: bool = False,
    cache: bool = False,
    storage_options: dict[str, Any] | None = None,
    consolidated: bool = False,
) -> OmeZarrPlate:
    """Create a plate listing *images* (metadata only: no field image is written).

    Parameters
    ----------
    store
        Where to create the plate.
    name
        The plate's name.
    images
        The fields to list, as [`ImageInWellPath`][ngffkit.ImageInWellPath]; their wells,
        rows, columns and acquisitions are listed with them (rows and columns sorted, as ngio).
    rows, columns
        Declare the physical plate's rows and columns (``list("ABCDEFGH")``, ``range(1, 13)``):
        all are listed, in this order, and a well outside them is an error, now and later.
    version, ngff_version
        OME-NGFF version (``ngff_version`` is ngio's name): ``"0.5"`` by default, ``"0.4"``
        for Zarr v2 readers.
    overwrite
        Replace what is at *store*; without it, a store holding data is an error. The old
        store is replaced only once the new plate is complete, as `to_ngff_zarr` replaces an
        image: a failure or a kill part way leaves it whole.
    cache
        Accepted for ngio's signature (see `open_ome_zarr_plate`).
    storage_options
        fsspec options for URLs.
    consolidated
        Also write consolidated metadata at the plate's root (``.zmetadata`` for 0.4, the root
        ``zarr.json``'s ``consolidated_metadata`` for 0.5), so a remote reader gets the whole
        plate's metadata in one request. Every later plate or field write keeps it current;
        readers that ignore it read the plate as usual.

    Raises
    ------
    NgffExistsError
        If *store* holds data and *overwrite* is False (nothing is written).
    NgffValidationError, NgffValueError
        Bad names, a duplicate row, a field listed twice, a well outside the declared layout,
        fields without acquisitions beside fields with them (nothing is written).

    Examples
    --------
    >>> from zarr.storage import MemoryStore
    >>> plate = create_empty_plate(MemoryStore(), "p", rows=list("AB"), columns=range(1, 4))
    >>> plate.rows, plate.columns, plate.wells_paths()
    (['A', 'B'], ['01', '02', '03'], [])
    """
    del cache
    chosen = parse_version_args(version, ngff_version, DEFAULT_CREATE_VERSION)
    sp = open_store(store, mode="w", storage_options=storage_options)
    where = describe_store(sp)
    try:
        meta, wells, fixed = plan_plate(name, images, rows, columns, chosen)
    except PLATE_ERRORS as exc:
        raise in_plate(exc, where) from None
    if not overwrite and not sync(sp.is_empty()):
        raise NgffExistsError(
            f"{where} holds data; pass overwrite=True to replace it (nothing was written)"
        )
    state = PlateState(version=chosen, meta=meta, fixed=fixed)
    # Written as `to_ngff_zarr` writes an image: into a stage that replaces the old plate only
    # once complete, so a failure or a kill part way leaves the old plate whole.
    with staged_write(sp, overwrite=overwrite, where=where, local_only=False) as stage:
        write_plate(stage, replace(state, meta=replace(meta, wells=())))
        for path, well in wells.items():
            write_well(stage, path, well, chosen)
        write_plate(stage, state)  # wells listed last: a reader never meets one without group
        if consolidated:
            write_consolidated(stage)  # last: it describes every group written above
    return OmeZarrPlate(store=sp, mode="r+")
