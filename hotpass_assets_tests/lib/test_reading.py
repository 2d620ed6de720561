"""Reading workbooks as text: fidelity, headers, header-row detection, formula rows, errors."""

import datetime as dt

import pytest

from hotpass_assets.lib.reading import (
    WorkbookReadError,
    cell_text,
    column_letter,
    detect_header_row,
    make_headers,
    open_workbook,
    read_sheet,
    sheet_inventory,
)
from hotpass_assets_tests.lib.workbooks import write_xlsx


def test_cell_text_rules():
    assert cell_text(27821234567.0) == "27821234567"
    assert cell_text(27821234567) == "27821234567"
    assert cell_text(2.5) == "2.5"
    assert cell_text(True) == "TRUE"
    assert cell_text(dt.date(2024, 5, 1)) == "2024-05-01"
    assert cell_text(dt.datetime(2024, 5, 1)) == "2024-05-01"
    assert cell_text(dt.datetime(2024, 5, 1, 13, 30)) == "2024-05-01 13:30:00"
    assert cell_text("  ") is None
    assert cell_text("\u00a0") is None
    assert cell_text("") is None
    assert cell_text(None) is None
    assert cell_text(" keep ") == " keep "


def test_text_fidelity_of_numbers_dates_and_phones(tmp_path):
    path = write_xlsx(
        tmp_path / "fidelity.xlsx",
        {
            "Data": [
                ["Name", "Cell", "Phone text", "When", "Stamp", "Ratio", "Flag"],
                ["Alpha", 27821234567, "+27 82 123 4567", dt.datetime(2024, 5, 1),
                 dt.datetime(2024, 5, 1, 8, 15), 0.25, True],
                ["Beta", 27821234567.0, "0821234567", dt.date(2023, 12, 31), None, 3.0, False],
            ]
        },
    )  # fmt: skip
    table = read_sheet(path, "Data")
    cols = table.columns
    assert cols["Cell"] == ["27821234567", "27821234567"]
    assert cols["Phone text"] == ["+27 82 123 4567", "0821234567"]
    assert cols["When"] == ["2024-05-01", "2023-12-31"]
    assert cols["Stamp"][0] == "2024-05-01 08:15:00"
    assert cols["Ratio"] == ["0.25", "3"]
    assert cols["Flag"] == ["TRUE", "FALSE"]
    assert table.row_numbers == [2, 3]
    assert all(v is None or isinstance(v, str) for col in cols.values() for v in col)


def test_blank_and_duplicate_headers(tmp_path):
    path = write_xlsx(
        tmp_path / "headers.xlsx",
        {
            "S": [
                ["Company", "Type", None, "Type", "Type"],
                ["Acme", "Head", "1 Main Road", "x", "y"],
            ]
        },
    )
    table = read_sheet(path, "S")
    assert table.headers == ["Company", "Type", "column_3", "Type_2", "Type_3"]
    assert table.columns["column_3"] == ["1 Main Road"]
    assert table.raw_headers[2] is None
    assert table.column_ref("column_3") == "C"
    assert make_headers([None, "a", "A", " a "]) == ["column_1", "a", "A_2", "a_3"]
    assert column_letter(0) == "A" and column_letter(27) == "AB"


def test_blank_header_columns_without_values_are_dropped(tmp_path):
    path = write_xlsx(
        tmp_path / "gap.xlsx", {"S": [["Company", None, "Phone"], ["Acme", None, "1"]]}
    )
    table = read_sheet(path, "S")
    assert table.headers == ["Company", "Phone"]
    assert table.dropped_blank_columns == 1


def test_header_row_detection(tmp_path):
    path = write_xlsx(
        tmp_path / "title.xlsx",
        {
            "Leads": [
                ["Regional leads export"],
                [None],
                ["School", "Contact Person", "E-mail address", "Cell", "Province"],
                ["Alpha Flight School", "A Person (CFI)", "a@alpha-example.co.za", "0821234567", "Gauteng"],
                ["Beta Aviation", "B Person", "b@beta-example.co.za", "0831234567", "Gauteng"],
            ]
        },
    )  # fmt: skip
    table = read_sheet(path, "Leads", header_row="auto")
    assert table.header_row == 3
    assert table.header_method == "detected"
    assert table.headers[0] == "School"
    assert table.row_numbers == [4, 5]


def test_detect_header_row_prefers_hints_and_labels():
    rows = [
        ["Acme", "x@acme-example.com", "0821234567"],
        ["Company", "Email", "Phone"],
        ["Beta", "y@beta-example.com", "0831234567"],
    ]
    assert detect_header_row(rows) == 1
    assert detect_header_row(rows, hints=["Company", "Email"]) == 1
    assert detect_header_row([["only one"], [None, None]]) is None
    # Row 1 wins over data rows that also look like labels.
    plain = [["Company", "Type"], ["Acme", "Head"], ["Beta", "Head"]]
    assert detect_header_row(plain) == 0


def test_formula_only_rows_are_counted_not_data(tmp_path):
    import xlsxwriter

    path = tmp_path / "formula.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Organisation")
    ws.write_row(0, 0, ["Organisation Name", "ID", "Area"])
    ws.write_row(1, 0, ["Alpha Aviation"])
    ws.write_formula(1, 1, "=ROW()", None, 2)
    ws.write(1, 2, "Gauteng")
    for r in range(2, 12):  # trailing rows with only the id formula
        ws.write_formula(r, 1, "=ROW()", None, r + 1)
    wb.close()
    with open_workbook(path) as book:
        table = book.read_sheet("Organisation", id_columns=["ID"])
    assert table.rows_read == 11
    assert table.formula_rows == 10
    assert table.formula_rows_verified == 10
    assert table.empty_rows == 0
    assert int(table.data_mask.sum()) == 1
    assert table.columns["ID"][0] == "2"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"this is not a workbook", "not a zip"),
        (b"", "empty"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + b"\x00" * 64
            + "EncryptedPackage".encode("utf-16-le"),
            "password-protected",
        ),
    ],
)
def test_unreadable_files_raise_clear_error(tmp_path, content, reason):
    path = tmp_path / "Broken Drop.xlsx"
    path.write_bytes(content)
    with pytest.raises(WorkbookReadError) as info:
        open_workbook(path)
    assert "Broken Drop.xlsx" in str(info.value)
    assert reason in info.value.reason
    assert info.value.file.endswith("Broken Drop.xlsx")


def test_corrupt_zip_and_missing_file(tmp_path):
    import zipfile

    path = tmp_path / "corrupt.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "no workbook parts here")
    with pytest.raises(WorkbookReadError, match=r"corrupt\.xlsx"), open_workbook(path) as book:
        book.read_sheet(book.sheet_names[0])
    with pytest.raises(WorkbookReadError, match="file not found"):
        open_workbook(tmp_path / "absent.xlsx")


def test_sheet_inventory(tmp_path):
    path = write_xlsx(
        tmp_path / "inv.xlsx",
        {"A": [["h1", "h2"], ["1", None], [None, None], ["x", "y"]], "Empty": []},
    )
    inv = {s["sheet"]: s for s in sheet_inventory(path)}
    assert inv["A"] == {"sheet": "A", "rows": 4, "columns": 2, "non_empty_rows": 3}
    assert inv["Empty"]["rows"] == 0 and inv["Empty"]["non_empty_rows"] == 0


def test_find_sheet_is_lenient(tmp_path):
    path = write_xlsx(tmp_path / "names.xlsx", {"Contact Info": [["a"]]})
    with open_workbook(path) as book:
        assert book.find_sheet("Contact Info") == "Contact Info"
        assert book.find_sheet("contact_info") == "Contact Info"
        assert book.find_sheet("Nope") is None


def test_stored_copy_keeps_the_dropped_name_in_errors(tmp_path):
    path = tmp_path / ("ab" * 32 + ".xlsx")
    path.write_bytes(b"this is not a workbook")
    with pytest.raises(WorkbookReadError) as info:
        open_workbook(path, "Contact Database.xlsx")
    assert "'Contact Database.xlsx' (stored as" in str(info.value)
    assert info.value.name == "Contact Database.xlsx"
    assert info.value.file == str(path)


# --- column-wide forms agree with the per-cell rules ---------------------------------------------


def test_column_text_equals_cell_text():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from hotpass_assets.lib.reading.cells import column_text as _column_text

    text = st.one_of(
        st.text(max_size=8),
        st.text(alphabet=" \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2028\u3000!~\x84éa", max_size=5),
        st.sampled_from(["", " ", "\xa0", "\x85", "!", "\x84x", "a b"]),
    )
    other = st.one_of(
        st.none(), st.floats(), st.integers(), st.booleans(), st.dates(), st.datetimes()
    )

    @settings(max_examples=300, deadline=None)
    @given(st.lists(text, max_size=20), st.lists(st.one_of(text, other), max_size=20))
    def check(texts, mixed):
        for values in (texts, mixed):
            assert _column_text(values) == [cell_text(v) for v in values]

    check()


def test_empty_and_formula_rows_match_cell_counts():
    import numpy as np
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from hotpass_assets.lib.reading.table import empty_and_formula_rows as _empty_and_formula_rows

    cell = st.sampled_from([None, "x"])

    @settings(max_examples=300, deadline=None)
    @given(st.integers(0, 12).flatmap(
        lambda n: st.tuples(
            st.lists(st.lists(cell, min_size=n, max_size=n), max_size=4),
            st.lists(st.lists(cell, min_size=n, max_size=n), max_size=2),
            st.just(n),
        )
    ))  # fmt: skip
    def check(case):
        data, ids, n = case
        empty, formula = _empty_and_formula_rows(data, ids, n)
        present = np.array([[v is not None for v in c] for c in data + ids], dtype=bool)
        present = present.reshape(len(data) + len(ids), n)
        counts = present.sum(axis=0)
        id_counts = present[len(data) :].sum(axis=0)
        assert empty.tolist() == (counts == 0).tolist()
        expected = (counts > 0) & (counts == id_counts) if ids else np.zeros(n, dtype=bool)
        assert formula.tolist() == expected.tolist()

    check()


# --- the two calamine front ends give the same text ------------------------------------------------


def _write_typed(path, cells, *, sheet="S", formatted_blank=None):
    """Write ``{(row, col): value}`` (0-based) with xlsxwriter, typed as Excel stores them."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet(sheet)
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    stamp_fmt = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for (r, c), v in cells.items():
        if isinstance(v, bool):
            ws.write_boolean(r, c, v)
        elif isinstance(v, int | float):
            ws.write_number(r, c, v)
        elif isinstance(v, dt.datetime):
            ws.write_datetime(r, c, v, stamp_fmt)
        elif isinstance(v, dt.date):
            ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()), date_fmt)
        else:
            ws.write_string(r, c, v)
    if formatted_blank is not None:  # a styled empty cell: in <dimension>, not a value
        ws.write_blank(*formatted_blank, None, book.add_format({"bold": True}))
    book.close()
    return path


def _text_grid(path, reader):
    with open_workbook(path, reader=reader) as book:
        rows = book.text_rows("S")
        return rows, book.readers["S"]


def test_fast_reader_gives_the_same_text_as_python_calamine(tmp_path):
    """Whatever a sheet holds, the fastexcel path yields exactly python-calamine's text, or
    declines and lets python-calamine read the sheet."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    texts = st.one_of(
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")),
                max_size=12),
        st.sampled_from(["", " ", "\xa0", "0", "-0", "00123", "1.5", "1e5", "true", "FALSE",
                         "2024-01-01 00:00:00", "10:30", "27821234567", "+27 82 123 4567"]),
    )  # fmt: skip
    numbers = st.one_of(
        st.integers(-(10**19), 10**19),
        st.floats(allow_nan=False, allow_infinity=False, width=64),
        st.floats(1e-12, 1e-3),
        st.sampled_from([0.0, -0.0, 27821234567.0, 1e17, 2.0**53 + 2]),
    )
    stamps = st.datetimes(dt.datetime(1901, 1, 1), dt.datetime(2100, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    )
    value = st.one_of(texts, texts, numbers, st.booleans(), stamps, st.dates(
        dt.date(1901, 1, 1), dt.date(2100, 1, 1)))  # fmt: skip
    plain = st.one_of(texts, st.integers(-(10**15), 10**15))
    cells = st.dictionaries(st.tuples(st.integers(0, 6), st.integers(0, 4)), value, max_size=20)
    plain_cells = st.dictionaries(
        st.tuples(st.integers(0, 6), st.integers(0, 4)), plain, min_size=1, max_size=20
    )
    counter = iter(range(10**6))
    used_fast = []

    @settings(max_examples=60, deadline=None)
    @given(st.one_of(cells, plain_cells), st.booleans())
    def check(content, styled_blank):
        path = _write_typed(
            tmp_path / f"t{next(counter)}.xlsx",
            content,
            formatted_blank=(8, 6) if styled_blank else None,
        )
        fast, used = _text_grid(path, "fast")
        slow, _ = _text_grid(path, "calamine")
        assert fast == slow
        used_fast.append(used == "fastexcel")

    check()
    # Not vacuous: a good share of the sheets took the fastexcel path and matched.
    assert sum(used_fast) >= 5, f"fastexcel read {sum(used_fast)} of {len(used_fast)} sheets"


def test_fast_reader_reads_plain_sheets_and_keeps_excel_rows(tmp_path):
    cells = {(2, 1): "Name", (2, 2): "Phone", (3, 1): "Acme", (3, 2): 27821234567,
             (4, 1): " ", (5, 1): "Beta", (5, 2): "+27 82 123 4567"}  # fmt: skip
    path = _write_typed(tmp_path / "offset.xlsx", cells)
    with open_workbook(path) as book:
        table = book.read_sheet("S", header_row="auto")
        assert book.readers["S"] == "fastexcel"
    assert table.header_row == 3
    assert table.row_numbers == [4, 5, 6]
    assert table.columns["Phone"] == ["27821234567", None, "+27 82 123 4567"]
    assert table.positions == {"Name": 1, "Phone": 2}
    assert table.empty_rows == 1


@pytest.mark.parametrize(
    ("extra", "styled_blank", "why"),
    [
        ({(1, 1): dt.date(2024, 5, 1)}, None, "a date renders differently"),
        ({(1, 1): 0.25}, None, "decimals are rounded"),
        ({(1, 1): True}, None, "booleans render as true/false"),
        ({}, (30, 8), "a styled empty cell widens <dimension>"),
    ],
)
def test_fast_reader_declines_what_it_cannot_read_exactly(tmp_path, extra, styled_blank, why):
    path = _write_typed(
        tmp_path / "mixed.xlsx",
        {(0, 0): "Name", (0, 1): "Value", (1, 0): "Acme", **extra},
        formatted_blank=styled_blank,
    )
    with open_workbook(path) as book:
        book.text_rows("S")
        assert book.readers["S"] == "python-calamine", why


def test_reader_setting(tmp_path, monkeypatch):
    path = _write_typed(tmp_path / "plain.xlsx", {(0, 0): "Name", (1, 0): "Acme"})
    monkeypatch.setenv("HOTPASS_READER", "calamine")
    with open_workbook(path) as book:
        book.text_rows("S")
        assert book.readers["S"] == "python-calamine"
    monkeypatch.setenv("HOTPASS_READER", "quick")
    with pytest.raises(ValueError, match="HOTPASS_READER"):
        open_workbook(path)
