"""The Parquet warehouse: deterministic, atomic table files and DuckDB views over them.

Every dataset partition is one Parquet file written through a temporary file and an atomic rename,
so a failed write leaves the previous version intact and readers never see half a file. Writes are
deterministic: the same frame gives the same bytes (no timestamps in the file, fixed writer
options), which makes re-materialisation idempotent and easy to verify.

The warehouse may live on object storage: a target that is not a local ``Path`` (a ``UPath`` over
an fsspec URL) is written in one put of the finished bytes, which object stores make atomic.
"""

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hotpass_assets.lib.columnar import gc_paused
from hotpass_assets.lib.records import LIST_COLUMNS
from hotpass_assets.settings import Location

_WRITE_OPTIONS = {
    "compression": "zstd",
    # Most columns are ids, names and addresses (mostly distinct): dictionary pages would be
    # tried and abandoned for them; zstd alone writes smaller files, faster.
    "use_dictionary": False,
    "write_statistics": True,
    "version": "2.6",
}


_TEXT_LIST = pa.list_(pa.string())


def _list_array(values: list[Any] | np.ndarray) -> pa.Array:
    """``list<string>`` array of per-row sequences (``None``: a null list).

    Items are written as Arrow's string conversion writes them, whichever path runs: ``str``
    as it is, ``None`` as a null item, bytes-like items that are UTF-8 as their text, and any
    other item as ``str(item)``. An object array is converted by Arrow in place (see
    :func:`_values`) when it can be; otherwise the array is built from the flattened values
    and their offsets, and rows whose items are not all ``str`` go item by item.
    """
    if isinstance(values, np.ndarray):
        with contextlib.suppress(pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            # rows of text items converted in place; anything else takes the paths below
            return pa.array(values, type=_TEXT_LIST)
        values = values.tolist()
    n = len(values)
    has_null = any(v is None for v in values)
    rows = [() if v is None else v for v in values] if has_null else values
    try:
        lengths = np.fromiter(map(len, rows), dtype=np.int64, count=n)
    except TypeError:
        lengths = None
    if lengths is not None:
        flat = list(chain.from_iterable(rows))
        if len(flat) == int(lengths.sum()) and len(flat) < 2**31 and set(map(type, flat)) <= {str}:
            offsets = np.zeros(n + 1, dtype=np.int32)
            np.cumsum(lengths, out=offsets[1:])
            mask = pa.array(np.fromiter((v is None for v in values), bool, n)) if has_null else None
            return pa.ListArray.from_arrays(
                pa.array(offsets), pa.array(flat, type=pa.string()), mask=mask
            )
    items = [None if v is None else [_item_text(x) for x in v] for v in values]
    return pa.array(items, type=_TEXT_LIST)


def _item_text(item: Any) -> str | None:
    """One list item as Arrow's string conversion writes it (see :func:`_list_array`)."""
    if item is None or isinstance(item, str):
        return item
    if isinstance(item, bytes | bytearray | memoryview):
        with contextlib.suppress(UnicodeDecodeError):
            return bytes(item).decode("utf-8")
    return str(item)


def _plain_array(values: list[Any] | np.ndarray) -> pa.Array:
    """Arrow array of one column's values, typed by inference (``None`` and NA are nulls)."""
    first = values[0] if len(values) else None
    if type(first) is str:
        try:
            repeated = (
                bool((values == first).all())
                if isinstance(values, np.ndarray)
                else (values.count(first) == len(values))
            )
        except (TypeError, ValueError):  # values whose comparison has no truth value (NA)
            repeated = False
        if repeated:
            # One text repeated (partition, file, source columns): no per-row conversion.
            return pa.repeat(pa.scalar(first, type=pa.string()), len(values))
    return pa.array(values, from_pandas=True)


def _values(column: pd.Series) -> list[Any] | np.ndarray:
    """A column's values for Arrow: an object column's own array, read in place, otherwise a
    list. (A list holds a new reference to every value: in a forked writing process that
    writes into each value's header, so every page holding one is copied; at 1,000,000
    records the process tree's peak, reached while that process wrote, was 1 GB higher in a
    single run each way.)"""
    if column.dtype == object:
        return column.to_numpy(copy=False)
    return column.tolist()


def to_arrow(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> pa.Table:
    """Frame → Arrow table with list columns typed ``list<string>`` and no pandas index."""
    if columns is not None:
        columns = list(columns)
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise KeyError(f"frame lacks columns {missing}")
        if list(frame.columns) != columns:
            frame = frame[columns]
    fields = []
    arrays = []
    for name in frame.columns:
        if name in LIST_COLUMNS:
            arrays.append(_list_array(_values(frame[name])))
        else:
            arrays.append(_plain_array(_values(frame[name])))
        fields.append(pa.field(name, arrays[-1].type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


#: Rows per Parquet row group of a table written from a frame: the frame is converted to Arrow
#: one group at a time, so the conversion holds one group's Arrow data, not the table's (the
#: refined organisations at 1,000,000 records are 1.07 GB as Arrow). A forked process writing
#: that snapshot's ten tables peaked 1.16 GB lower (4.58 against 5.74 GB resident, pages
#: shared with its parent included), in 12.2 s against 11.7 s (two runs each, equal tables).
ROW_GROUP_ROWS = 131_072


_NO_COMMON_TYPE = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError)


def _write_parquet(
    frame: pd.DataFrame | pa.Table, new_sink: Callable[[], Any], columns: list[str] | None
) -> Any:
    """Write ``frame`` as Parquet to a sink from ``new_sink``; returns the sink written.

    A frame longer than :data:`ROW_GROUP_ROWS` is written a row group at a time, and each group
    is converted twice: once for its types, once to write it (the price of holding one group
    in Arrow instead of the table). Each group's column types are inferred by itself, then
    widened to the types of the whole column
    (``int64`` and ``double`` give ``double``, an all-null group takes its column's type).
    Where the groups have no common type, or a group does not convert to it exactly, the
    frame is written again to a new sink, converted at once (which raises what converting it
    raises), so the file holds what one conversion gives."""
    if isinstance(frame, pa.Table) or len(frame) <= ROW_GROUP_ROWS:
        table = frame if isinstance(frame, pa.Table) else to_arrow(frame, columns)
        sink = new_sink()
        pq.write_table(table, sink, **_WRITE_OPTIONS)
        return sink
    starts = range(0, len(frame), ROW_GROUP_ROWS)

    def group(start: int) -> pa.Table:
        return to_arrow(frame.iloc[start : start + ROW_GROUP_ROWS], columns)

    try:
        schema = pa.unify_schemas([group(s).schema for s in starts], promote_options="permissive")
        sink = new_sink()
        with pq.ParquetWriter(sink, schema, **_WRITE_OPTIONS) as writer:
            for start in starts:
                writer.write_table(group(start).cast(schema))
        return sink
    except _NO_COMMON_TYPE:
        sink = new_sink()
        pq.write_table(to_arrow(frame, columns), sink, **_WRITE_OPTIONS)
        return sink


def write_table(
    frame: pd.DataFrame | pa.Table, target: "Location", columns: Iterable[str] | None = None
) -> str:
    """Atomically write ``frame`` to ``target``; returns the SHA-256 of the bytes written."""
    cols = None if columns is None else list(columns)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not isinstance(target, Path):  # object storage: one put of the finished file
        data = _write_parquet(frame, pa.BufferOutputStream, cols).getvalue().to_pybytes()
        target.write_bytes(data)
        return hashlib.sha256(data).hexdigest()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        _write_parquet(frame, lambda: tmp, cols)
        digest = hashlib.sha256(Path(tmp).read_bytes()).hexdigest()
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest


def write_tables(
    items: Iterable[tuple[pd.DataFrame | pa.Table, "Location", Iterable[str] | None]],
) -> list[str]:
    """:func:`write_table` for several tables; returns their SHA-256 digests in order.

    Each frame is converted to Arrow on this thread while the previous one is written on a
    second thread: Parquet encoding, compression and hashing release the GIL, so the writes
    overlap the (GIL-bound) conversions. Any failure is raised after every started write ended.
    """
    from concurrent.futures import ThreadPoolExecutor

    futures = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet-writer") as pool:
        for frame, target, columns in items:
            table = frame if isinstance(frame, pa.Table) else to_arrow(frame, columns)
            futures.append(pool.submit(write_table, table, target))
    return [f.result() for f in futures]


def _pending(manifest: "Location") -> "Location":
    return manifest.with_name(manifest.name + ".pending")


def publish_together(
    items: dict[str, tuple[pd.DataFrame | pa.Table, "Location", Iterable[str] | None]],
    manifest: "Location",
) -> dict[str, str]:
    """Write several tables as one publication: readers see all of them or none.

    Each table is written atomically (:func:`write_table`), but a failure (disk full, a kill)
    between two tables would leave a mix of new and old or missing tables. So a ``.pending``
    marker is written first, the previous ``manifest`` removed, the tables written, and the
    manifest (table name → SHA-256) written last, atomically; the marker goes after it.
    :func:`is_published` counts the tables usable only when the manifest is there (or, for
    tables written before manifests existed, when no marker says a publication was cut short).
    """
    pending = _pending(manifest)
    manifest.parent.mkdir(parents=True, exist_ok=True)
    pending.write_text("publishing\n")
    manifest.unlink(missing_ok=True)
    digests = dict(
        zip(
            items,
            write_tables((frame, path, cols) for frame, path, cols in items.values()),
            strict=True,
        )
    )
    body = json.dumps({"tables": digests}, sort_keys=True, indent=1).encode()
    if not isinstance(manifest, Path):  # object storage: one put is atomic
        manifest.write_bytes(body)
        pending.unlink(missing_ok=True)
        return digests
    fd, tmp = tempfile.mkstemp(dir=manifest.parent, prefix=f".{manifest.name}.", suffix=".tmp")
    try:
        os.write(fd, body)
        os.fsync(fd)
        os.close(fd)
        os.replace(tmp, manifest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    pending.unlink(missing_ok=True)
    return digests


def is_published(manifest: "Location", paths: "Iterable[Location]") -> bool:
    """Whether the tables of a :func:`publish_together` publication are complete and usable."""
    if not all(p.exists() for p in paths):
        return False
    return manifest.exists() or not _pending(manifest).exists()


_INT_TYPES = {
    pa.int8(): pd.Int64Dtype(),
    pa.int16(): pd.Int64Dtype(),
    pa.int32(): pd.Int64Dtype(),
    pa.int64(): pd.Int64Dtype(),
}


def read_table(path: "Location") -> pd.DataFrame:
    """Read a warehouse Parquet file back to pandas with list columns as Python lists."""
    return read_tables([path])


def _read_parquet(path: "Location", columns: list[str] | None = None) -> pa.Table:
    """One Parquet file (local or fsspec); ``columns``: only those of them the file has."""
    if isinstance(path, Path):
        if columns is not None:
            names = set(pq.read_schema(path).names)
            columns = [c for c in columns if c in names]
        return pq.read_table(path, columns=columns)
    with path.open("rb") as handle:
        if columns is not None:
            names = set(pq.read_schema(handle).names)
            columns = [c for c in columns if c in names]
            handle.seek(0)
        return pq.read_table(handle, columns=columns)


def read_arrow_table(path: "Location", columns: list[str] | None = None) -> pa.Table:
    """A Parquet file as an Arrow table (for tables read back without pandas conversion)."""
    return _read_parquet(path, columns)


def _is_text_list(kind: pa.DataType) -> bool:
    """Whether ``kind`` is a (large) list of (large) strings."""
    if not (pa.types.is_list(kind) or pa.types.is_large_list(kind)):
        return False
    return bool(pa.types.is_string(kind.value_type) or pa.types.is_large_string(kind.value_type))


def _text_lists(column: pa.ChunkedArray) -> list[list[str | None] | None]:
    """The cells of a list-of-strings column as Python lists of ``str`` (``None``: a null list,
    a null item), built by Arrow without a NumPy array per cell."""
    with gc_paused():
        cells: list[list[str | None] | None] = column.to_pylist()
    return cells


def read_tables(
    paths: "list[Location]", *, columns: Iterable[str] | None = None, sort_by: str | None = None
) -> pd.DataFrame:
    """Read several Parquet files of one table as one frame (Arrow concatenates them on their
    schema, so an all-null column in one file does not change the column's type).

    ``columns`` reads only those columns (a file without one of them gets nulls); ``sort_by``
    orders the rows by that column in Arrow, before the one conversion to pandas.
    """
    wanted = list(columns) if columns is not None else None
    tables = [_read_parquet(p, wanted) for p in paths]
    table = pa.concat_tables(tables, promote_options="default") if len(tables) > 1 else tables[0]
    del tables
    if sort_by is not None:
        table = table.sort_by(sort_by)
    text_lists = {
        name: (i, _text_lists(table[name]))
        for i, name in enumerate(table.column_names)
        if name in LIST_COLUMNS and _is_text_list(table.schema.field(name).type)
    }
    table = table.drop_columns(list(text_lists))
    # Integer columns with nulls stay integers (pandas nullable Int64), not NaN-filled floats.
    frame: pd.DataFrame = table.to_pandas(types_mapper=_INT_TYPES.get)
    del table
    for name in LIST_COLUMNS.intersection(frame.columns):
        # pandas-stubs accept no list of lists as a column value; pandas stores it as objects.
        frame[name] = [None if v is None else list(v) for v in frame[name]]  # type: ignore[assignment]
    for name, (i, cells) in text_lists.items():
        frame.insert(i, name, cells)
    if wanted is not None and list(frame.columns) != wanted:
        frame = frame.reindex(columns=wanted)
    return frame


def file_digest(path: "Location") -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- DuckDB -------------------------------------------------------------------------------------

#: View name -> glob (relative to the warehouse dir) of the Parquet files it reads.
VIEWS: dict[str, str] = {
    "capture_organisations": "capture/organisations/*/data.parquet",
    "capture_contacts": "capture/contacts/*/data.parquet",
    "capture_rejects": "capture/rejects/*/data.parquet",
    "refined_organisations": "refined/organisations/*/data.parquet",
    "contacts": "refined/contacts/*/data.parquet",
    "match_review_queue": "refined/match_review_queue/*/data.parquet",
    "organisation_conflicts": "refined/organisation_conflicts/*/data.parquet",
    "entity_merge_log": "refined/entity_merge_log/*/data.parquet",
    "lead_scores": "scoring/lead_scores/*/data.parquet",
}


def _first_match_folder(location: Location, pattern: str) -> str:
    """Name of the folder holding the first file under ``location`` that matches ``pattern``."""
    if isinstance(location, Path):
        return next(iter(location.glob(pattern))).parent.name
    return next(iter(location.glob(pattern))).parent.name


def refresh_duckdb_views(duckdb_path: Path, warehouse_dir: "Location") -> list[str]:
    """(Re)create one view per dataset (all partitions, hive columns) plus ``latest_*`` views.

    Views over globs that match no file yet are skipped. Returns the names of the views created.
    A warehouse on object storage is read through its fsspec filesystem, registered with DuckDB
    (a process opening the file later registers it again, or uses DuckDB's own httpfs for s3).
    """
    import duckdb

    duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    created: list[str] = []
    con = duckdb.connect(str(duckdb_path))
    if not isinstance(warehouse_dir, Path):
        con.register_filesystem(warehouse_dir.fs)
    try:
        for view, pattern in VIEWS.items():
            if not any(warehouse_dir.glob(pattern)):
                continue
            glob = str(warehouse_dir / pattern).replace("'", "''")
            con.execute(
                f"create or replace view {view} as select * from "
                f"read_parquet('{glob}', hive_partitioning = true, union_by_name = true)"
            )
            created.append(view)
            if "snapshot_date=" in _first_match_folder(warehouse_dir, pattern):
                # Not ``max(snapshot_date)``: DuckDB 2.0 answers it from the files' statistics,
                # and over a single file, whose own ``snapshot_date`` column shadows the hive
                # one, fails with "Max() called on statistics that does not have max". A top-1
                # sort reads the values.
                con.execute(
                    f"create or replace view latest_{view} as select * from {view} "
                    f"where snapshot_date = (select snapshot_date from {view} "
                    "order by snapshot_date desc limit 1)"
                )
                created.append(f"latest_{view}")
    finally:
        con.close()
    return created
