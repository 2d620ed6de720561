from datetime import date

import duckdb
import pandas as pd
import pytest

from hotpass_assets.lib.refine import natural_key, previous_ids_for, select_drops
from hotpass_assets.lib.review import DecisionFileError, load_decisions
from hotpass_assets.lib.warehouse import read_table, refresh_duckdb_views, write_table


def _frame():
    return pd.DataFrame(
        {
            "entity_id": ["org_b", "org_a"],
            "emails": [["x@example.org"], []],
            "data_quality_score": [0.4, 1.0],
            "snapshot_date": ["2026-01-02", "2026-01-02"],
        }
    )


def test_write_is_deterministic_and_round_trips(tmp_path):
    a = write_table(_frame(), tmp_path / "a" / "data.parquet")
    b = write_table(_frame(), tmp_path / "b" / "data.parquet")
    assert a == b
    back = read_table(tmp_path / "a" / "data.parquet")
    assert back["emails"].tolist() == [["x@example.org"], []]


def _reference_to_arrow(frame):
    """The element-wise conversion the warehouse writer must stay byte-identical to."""
    import pyarrow as pa

    from hotpass_assets.lib.records import LIST_COLUMNS

    fields, arrays = [], []
    for name in frame.columns:
        series = frame[name]
        if name in LIST_COLUMNS:
            values = [None if v is None else [_item(x) for x in v] for v in series.tolist()]
            arrays.append(pa.array(values, type=pa.list_(pa.string())))
        else:
            arrays.append(pa.array(series.tolist(), from_pandas=True))
        fields.append(pa.field(name, arrays[-1].type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _item(x):
    """A list item as written: text as is, None as null, UTF-8 bytes as text, else str()."""
    if x is None or isinstance(x, str):
        return x
    if isinstance(x, bytes):
        try:
            return x.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return str(x)


def _same_bytes(frame, tmp_path):
    from hotpass_assets.lib.warehouse import to_arrow

    fast = to_arrow(frame)
    slow = _reference_to_arrow(frame)
    assert fast.schema == slow.schema
    assert fast.equals(slow)
    digest = write_table(frame, tmp_path / "fast.parquet")
    assert digest == write_table(slow, tmp_path / "slow.parquet")
    return tmp_path / "fast.parquet"


def test_list_columns_are_byte_identical_to_element_wise_conversion(tmp_path):
    frame = pd.DataFrame(
        {
            "record_id": ["r1", "r2", "r3", "r4", "r5"],
            "partition_key": ["p"] * 5,  # one repeated text
            "notes": ["a", None, "a", float("nan"), pd.NA],
            "source_row": pd.array([2, None, 4, 5, 6], dtype="Int64"),
            "order_count": pd.array([None] * 5, dtype="Int64"),  # all null
            "day": [date(2026, 1, 1), None, None, None, None],
            "flag": [True, False, True, True, False],
            "emails": [["a@x.org", "b@x.org"], [], None, ("c@x.org",), ["d@x.org"]],
            "phones": [[], [], [], [], []],
            "aircraft_types": [[1, "C172"], None, ["x"], [], [2.5]],  # non-text items: str()
        }
    )
    import numpy as np

    arrays = frame.assign(emails=[np.array(["a@x.org", "b@x.org"]), np.array([]), None] * 1 + [
        np.array(["c@x.org"]), np.array(["d@x.org"])
    ])  # fmt: skip
    _same_bytes(arrays, tmp_path)
    path = _same_bytes(frame, tmp_path)
    back = read_table(path)
    assert back["emails"].tolist() == [
        ["a@x.org", "b@x.org"], [], None, ["c@x.org"], ["d@x.org"],
    ]  # fmt: skip
    assert back["aircraft_types"].tolist() == [["1", "C172"], None, ["x"], [], ["2.5"]]
    assert back["phones"].tolist() == [[]] * 5


def test_warehouse_bytes_match_on_random_list_columns(tmp_path):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    text = st.text(max_size=6)
    # items besides text: None (a null item), bytes (UTF-8 or not), numbers
    item = st.one_of(text, text, st.none(), st.binary(max_size=3), st.integers(), st.floats())
    cell = st.one_of(st.none(), st.lists(item, max_size=4), st.tuples(item, text))
    note = st.one_of(st.none(), text, st.just(float("nan")), st.just(pd.NA))

    @settings(max_examples=60, deadline=None)
    @given(
        st.lists(cell, min_size=1, max_size=12),
        st.lists(st.sampled_from(["a", "b", None, pd.NA]), min_size=1),
        st.lists(note, min_size=1),
    )
    def check(emails, names, notes):
        n = len(emails)
        frame = pd.DataFrame(
            {
                "emails": emails,
                "name": (names * n)[:n],
                "notes": (notes * n)[:n],
                "phones": [[]] * n,
            }
        )
        _same_bytes(frame, tmp_path)

    check()


def test_row_groups_hold_what_one_conversion_gives(tmp_path, monkeypatch):
    """A frame written a row group at a time reads back as the frame converted at once: the
    same types (ints and floats widen to double, all-null groups take the column's type) and
    values; where the groups' types do not meet (int and text, an int a double cannot hold)
    the write is the one-conversion write, error included."""
    import pyarrow.parquet as pq
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from hotpass_assets.lib import warehouse

    scalar = st.one_of(
        st.none(),
        st.integers(-(2**62), 2**62),
        st.floats(allow_nan=False),
        st.text(max_size=3),
        st.booleans(),
        st.just(date(2026, 1, 2)),
    )
    column = st.one_of(
        st.lists(scalar, min_size=1, max_size=9),
        st.lists(st.one_of(st.none(), st.integers(-5, 5)), min_size=1, max_size=9),
        st.lists(st.one_of(st.none(), st.text(max_size=3)), min_size=1, max_size=9),
    )

    def written(frame, rows):
        monkeypatch.setattr(warehouse, "ROW_GROUP_ROWS", rows)
        target = tmp_path / f"rows_{rows}.parquet"
        try:
            write_table(frame, target)
        except Exception as exc:  # compared across the two ways
            return type(exc)
        return pq.read_table(target)

    @settings(max_examples=150, deadline=None)
    @given(column, column, st.lists(st.lists(st.text(max_size=2), max_size=2), min_size=1))
    def check(a, b, emails):
        n = min(len(a), len(b))
        frame = pd.DataFrame(
            {"a": pd.Series(a[:n], dtype=object), "b": b[:n], "emails": (emails * n)[:n]}
        )
        same(written(frame, 10_000), written(frame, 2))

    def same(whole, grouped):
        if isinstance(whole, type):
            assert grouped is whole
        else:
            assert grouped.schema == whole.schema and grouped.equals(whole)

    check()
    frame = pd.DataFrame(
        {"n": pd.Series([1, None, None, 2.5, 3], dtype=object), "t": list("ab") + [None] * 3}
    )
    same(written(frame, 10_000), written(frame, 2))
    assert pq.ParquetFile(tmp_path / "rows_2.parquet").num_row_groups == 3
    # int64 and double meet in double, which cannot hold the last int exactly: one conversion
    frame = pd.DataFrame({"v": pd.Series([1, 2, 2.5, None, 2**60 + 1], dtype=object)})
    same(written(frame, 10_000), written(frame, 2))


def test_capture_frames_write_byte_identical(tmp_path):
    from hotpass_assets.lib import demo
    from hotpass_assets.lib.capture import capture_workbook
    from hotpass_assets.lib.records import (
        CAPTURE_CONTACT_COLUMNS,
        CAPTURE_ORGANISATION_COLUMNS,
        REJECT_COLUMNS,
    )

    truth = demo.write_demo_workbooks(tmp_path, n_organisations=40)
    for name in truth.files:
        result = capture_workbook(
            tmp_path / name, partition_key="k", content_hash="0" * 64, source_file=name
        )
        for frame, columns in (
            (result.organisations, CAPTURE_ORGANISATION_COLUMNS),
            (result.contacts, CAPTURE_CONTACT_COLUMNS),
            (result.rejects, REJECT_COLUMNS),
        ):
            _same_bytes(frame[list(columns)], tmp_path)


def test_failed_write_keeps_previous_version(tmp_path):
    target = tmp_path / "data.parquet"
    digest = write_table(_frame(), target)
    bad = _frame().assign(emails=[object(), object()])  # not serialisable as list<string>
    with pytest.raises(Exception):  # noqa: B017 - any writer error
        write_table(bad, target)
    assert read_table(target)["entity_id"].tolist() == ["org_b", "org_a"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert write_table(_frame(), target) == digest


def test_write_tables_overlaps_writes_with_the_same_bytes(tmp_path):
    from hotpass_assets.lib.warehouse import write_tables

    frames = [_frame(), _frame().iloc[:1], _frame().iloc[:0]]
    one_by_one = [write_table(f, tmp_path / "a" / f"{i}.parquet") for i, f in enumerate(frames)]
    together = write_tables(
        (f, tmp_path / "b" / f"{i}.parquet", None) for i, f in enumerate(frames)
    )
    assert together == one_by_one
    for i in range(3):
        assert (tmp_path / "b" / f"{i}.parquet").read_bytes() == (
            tmp_path / "a" / f"{i}.parquet"
        ).read_bytes()


def test_write_tables_raises_after_the_other_writes_end(tmp_path):
    from hotpass_assets.lib.warehouse import write_tables

    bad = _frame().assign(emails=[object(), object()])
    first, second = tmp_path / "first.parquet", tmp_path / "second.parquet"
    with pytest.raises(Exception):  # noqa: B017 - any writer error
        write_tables([(_frame(), first, None), (bad, tmp_path / "bad.parquet", None),
                      (_frame(), second, None)])  # fmt: skip
    assert read_table(first)["entity_id"].tolist() == ["org_b", "org_a"]
    assert not second.exists(), "nothing after the failure is written"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("days", [["2026-01-01"], ["2026-01-01", "2026-01-02"]])
def test_every_latest_view_answers_with_one_snapshot_or_many(tmp_path, days):
    """Files carry their own ``snapshot_date`` column next to the hive one; DuckDB 2.0 answered
    ``max(snapshot_date)`` over a single such file with an internal statistics error."""
    from hotpass_assets.lib.warehouse import VIEWS

    wh = tmp_path / "wh"
    snapshot_views = {v: g for v, g in VIEWS.items() if not g.startswith("capture/")}
    for day in days:
        for pattern in snapshot_views.values():
            folder = wh / pattern.replace("*", f"snapshot_date={day}")
            write_table(_frame().assign(snapshot_date=day), folder)
    views = refresh_duckdb_views(tmp_path / "h.duckdb", wh)
    assert sorted(views) == sorted([*snapshot_views, *(f"latest_{v}" for v in snapshot_views)])
    con = duckdb.connect(str(tmp_path / "h.duckdb"))
    rows = len(_frame())
    for view in snapshot_views:
        assert con.execute(f"select count(*) from {view}").fetchall() == [(rows * len(days),)]
        latest = con.execute(f"select distinct snapshot_date::varchar from latest_{view}")
        assert latest.fetchall() == [(days[-1],)], view
        count = con.execute(f"select count(*) from latest_{view}").fetchall()
        assert count == [(rows,)], view


def test_latest_view_of_a_single_day(tmp_path):
    """The day in the path and as a text column of one value (as the refined tables are written)."""
    wh = tmp_path / "wh"
    for day, n in (("2026-01-02", 3),):
        write_table(
            pd.DataFrame({"entity_id": [f"e{i}" for i in range(n)], "snapshot_date": day}),
            wh / "refined" / "contacts" / f"snapshot_date={day}" / "data.parquet",
        )
    refresh_duckdb_views(tmp_path / "h.duckdb", wh)
    con = duckdb.connect(str(tmp_path / "h.duckdb"), read_only=True)
    assert con.execute("select count(*) from latest_contacts").fetchall() == [(3,)]


def test_select_drops_supersedes_older_versions_of_the_same_workbook():
    manifests = [
        {"partition_key": "2026-01-01_contacts_aaaaaaaaaa", "drop_date": "2026-01-01"},
        {"partition_key": "2026-01-03_contacts_bbbbbbbbbb", "drop_date": "2026-01-03"},
        {"partition_key": "2026-01-02_sacaa_cccccccccc", "drop_date": "2026-01-02"},
        {"partition_key": "2026-01-09_sacaa_dddddddddd", "drop_date": "2026-01-09"},
    ]
    used, superseded = select_drops(manifests, date(2026, 1, 5))
    assert used == ["2026-01-02_sacaa_cccccccccc", "2026-01-03_contacts_bbbbbbbbbb"]
    assert superseded == ["2026-01-01_contacts_aaaaaaaaaa"]
    assert select_drops(manifests, date(2025, 12, 31)) == ([], [])


def test_previous_ids_by_record_then_natural_key():
    records = pd.DataFrame(
        {
            "record_id": ["new:1", "h1:s:2", "new:3"],
            "source_dataset": ["sacaa"] * 3,
            "source_sheet": ["Cleaned"] * 3,
            "name_key": ["alpha", "beta", "gamma"],
        }
    )
    records["natural_key"] = [natural_key(r) for r in records.to_dict("records")]
    previous = pd.DataFrame(
        {
            "record_id": ["h0:s:1", "h1:s:2"],
            "natural_key": ["sacaa|Cleaned|alpha", "sacaa|Cleaned|other"],
            "entity_id": ["org_alpha", "org_beta"],
        }
    )
    assert previous_ids_for(records, previous) == {"new:1": "org_alpha", "h1:s:2": "org_beta"}


def test_review_decisions_by_record_id_and_natural_key(tmp_path):
    folder = tmp_path / "decisions"
    folder.mkdir()
    pd.DataFrame(
        {
            "record_id_a": ["r1", "gone"],
            "record_id_b": ["r2", "r3"],
            "natural_key_a": ["", "sacaa|Cleaned|a"],
            "natural_key_b": ["", ""],
            "decision": ["match", "no-match"],
        }
    ).to_csv(folder / "2026-01-01.csv", index=False)
    records = pd.DataFrame(
        {"record_id": ["r1", "r2", "r3", "r4"], "natural_key": ["x", "y", "z", "sacaa|Cleaned|a"]}
    )
    must, cannot = load_decisions(folder, records)
    assert must == [("r1", "r2")]
    assert cannot == [("r3", "r4")]


def test_review_decisions_bad_value_names_file(tmp_path):
    folder = tmp_path / "decisions"
    folder.mkdir()
    pd.DataFrame({"record_id_a": ["a"], "record_id_b": ["b"], "decision": ["maybe"]}).to_csv(
        folder / "bad.csv", index=False
    )
    with pytest.raises(DecisionFileError, match=r"bad\.csv.*maybe"):
        load_decisions(folder, pd.DataFrame({"record_id": ["a", "b"], "natural_key": ["1", "2"]}))


def test_read_tables_projects_columns_and_sorts_once(tmp_path):
    """Only the asked columns, in the asked order; a file without one of them gives nulls; rows
    sorted by the key across files; integer and list columns keep their types."""
    from hotpass_assets.lib.warehouse import read_tables

    first = pd.DataFrame(
        {
            "record_id": ["c", "a"],
            "emails": [["x@y.co"], None],
            "n": pd.array([1, None], dtype="Int64"),
            "skip": ["s", "t"],
        }
    )
    second = pd.DataFrame({"record_id": ["b"], "n": [3], "skip": ["u"]})
    paths = [tmp_path / "1.parquet", tmp_path / "2.parquet"]
    write_table(first, paths[0])
    write_table(second, paths[1])
    frame = read_tables(paths, columns=["record_id", "n", "emails"], sort_by="record_id")
    assert list(frame.columns) == ["record_id", "n", "emails"]
    assert frame["record_id"].tolist() == ["a", "b", "c"]
    assert frame["n"].dtype == "Int64" and frame["n"].isna().tolist() == [True, False, False]
    assert frame["emails"].tolist() == [None, None, ["x@y.co"]]


def test_natural_keys_match_natural_key_per_row():
    from hotpass_assets.lib.refine import natural_keys

    records = pd.DataFrame(
        {
            "source_dataset": ["sacaa", "reachout", "sacaa"],
            "source_sheet": ["Cleaned", "Orgs", "Cleaned"],
            "name_key": ["acme", None, ""],
        }
    )
    assert natural_keys(records) == [natural_key(r) for r in records.to_dict("records")]


def _element_wise_read(paths, columns, sort_by):
    """``read_tables`` by the straightforward route: NumPy array cells turned into lists."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hotpass_assets.lib.records import LIST_COLUMNS
    from hotpass_assets.lib.warehouse import _INT_TYPES

    tables = [
        pq.read_table(p, columns=[c for c in columns if c in pq.read_schema(p).names])
        for p in paths
    ]
    table = pa.concat_tables(tables, promote_options="default")
    if sort_by is not None:
        table = table.sort_by(sort_by)
    frame = table.to_pandas(types_mapper=_INT_TYPES.get)
    for name in LIST_COLUMNS.intersection(frame.columns):
        frame[name] = [None if v is None else list(v) for v in frame[name]]
    return frame.reindex(columns=columns)


def _same_cells(left: pd.DataFrame, right: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(left, right, check_exact=True)
    for name in left.columns:
        for a, b in zip(left[name], right[name], strict=True):
            assert type(a) is type(b)
            if isinstance(a, list):
                assert [type(x) for x in a] == [type(x) for x in b]


def test_read_tables_list_cells_equal_element_wise_conversion(tmp_path):
    """Lists built from Arrow equal the element-wise conversion: several files, sorted rows,
    null and empty lists, null items, lists of one length, non-text items, a column that one
    file lacks or holds as all-null."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from hotpass_assets.lib.warehouse import read_tables

    item = st.one_of(st.none(), st.text(max_size=4))
    cell = st.one_of(st.none(), st.lists(item, max_size=3))
    numbers = st.one_of(st.none(), st.lists(st.integers(-5, 5), max_size=2))
    part = st.lists(st.tuples(cell, cell, numbers), max_size=6)
    kinds = {
        "emails": pa.list_(pa.string()),
        "phones": pa.large_list(pa.large_string()),
        "aircraft_types": pa.list_(pa.int64()),
    }

    @settings(max_examples=80, deadline=None)
    @given(st.lists(st.tuples(part, st.booleans()), min_size=1, max_size=3), st.booleans())
    def check(parts, sort):
        paths = []
        for i, (rows, with_phones) in enumerate(parts):
            columns = {
                "record_id": pa.array([f"r{(i * 7 + j) % 5}" for j in range(len(rows))]),
                "emails": pa.array([r[0] for r in rows], kinds["emails"]),
                "aircraft_types": pa.array([r[2] for r in rows], kinds["aircraft_types"]),
            }
            if with_phones:
                columns["phones"] = pa.array([r[1] for r in rows], kinds["phones"])
            elif rows:
                columns["phones"] = pa.nulls(len(rows))
            paths.append(tmp_path / f"{i}.parquet")
            pq.write_table(pa.table(columns), paths[-1])
        wanted = ["record_id", "emails", "phones", "aircraft_types"]
        sort_by = "record_id" if sort else None
        fast = read_tables(paths, columns=wanted, sort_by=sort_by)
        _same_cells(fast, _element_wise_read(paths, wanted, sort_by))

    check()


def _private_dirty_kb() -> int:
    with open("/proc/self/smaps_rollup") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("Private_Dirty:"))


def _writer_growth_kb(frame: pd.DataFrame) -> int:
    """Private memory a forked child gains converting ``frame`` to Arrow (the background
    writer of a snapshot runs in such a child)."""
    import os

    from hotpass_assets.lib.warehouse import to_arrow

    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        before = _private_dirty_kb()
        to_arrow(frame)
        os.write(write_fd, str(_private_dirty_kb() - before).encode())
        os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        grown = int(pipe.read())
    os.waitpid(pid, 0)
    return grown


def test_forked_writer_reads_text_columns_in_place(monkeypatch):
    """Converting text columns does not take a reference to every value: in a forked child
    that would copy every page holding one (the whole frame, at a million records)."""
    import gc

    n = 200_000
    frame = pd.DataFrame(
        {f"text_{i}": [f"organisation {i} number {x}" for x in range(n)] for i in range(5)}
    )
    frame["emails"] = [[f"a{x}@example.org"] for x in range(n)]
    gc.collect()
    in_place = _writer_growth_kb(frame)
    monkeypatch.setattr("hotpass_assets.lib.warehouse._values", lambda column: column.tolist())
    by_list = _writer_growth_kb(frame)
    assert in_place < 0.6 * by_list, (in_place, by_list)
