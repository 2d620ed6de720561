"""Size limits measured on the zip before any cell is read (lib/limits.py)."""

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotpass_assets.lib.limits import LimitExceeded, ReadLimits, inspect_workbook
from hotpass_assets.lib.reading import WorkbookReadError, open_workbook
from hotpass_assets_tests.hostile.generate import SACAA_HEADERS, _col, _esc, write_raw_xlsx


def _cell(ref: str | None, text: str) -> str:
    r = f' r="{ref}"' if ref else ""
    return f'<c{r} t="inlineStr"><is><t>{_esc(text)}</t></is></c>'


def test_defaults_and_settings_from_env():
    assert ReadLimits.from_env({}) == ReadLimits()
    limits = ReadLimits.from_env(
        {
            "HOTPASS_MAX_SHEET_ROWS": "1200",
            "HOTPASS_MAX_FILE_MB": "1.5",
            "HOTPASS_MAX_COMPRESSION_RATIO": "50",
        }
    )
    assert limits.max_rows == 1200
    assert limits.max_file_bytes == int(1.5 * (1 << 20))
    assert limits.max_compression_ratio == 50.0
    with pytest.raises(ValueError, match="HOTPASS_MAX_SHEET_CELLS"):
        ReadLimits.from_env({"HOTPASS_MAX_SHEET_CELLS": "lots"})
    with pytest.raises(ValueError, match="HOTPASS_MAX_SHEET_COLUMNS"):
        ReadLimits.from_env({"HOTPASS_MAX_SHEET_COLUMNS": "-3"})


def _rows(n: int, cols: int = 3, start: int = 1) -> list[str]:
    return [
        f'<row r="{r}">'
        + "".join(_cell(f"{_col(c)}{r}", f"v{r}-{c}") for c in range(cols))
        + "</row>"
        for r in range(start, start + n)
    ]


@pytest.mark.parametrize(
    ("limit", "value", "parts", "setting"),
    [
        ("max_rows", 50, _rows(60), "HOTPASS_MAX_SHEET_ROWS"),
        ("max_columns", 5, _rows(2, cols=8), "HOTPASS_MAX_SHEET_COLUMNS"),
        ("max_cells", 100, _rows(30, cols=4), "HOTPASS_MAX_SHEET_CELLS"),
        (
            "max_rows",
            1000,
            [*_rows(2), '<row r="1001"><c r="A1001" s="1"/></row>'],
            "HOTPASS_MAX_SHEET_ROWS",
        ),
        ("max_columns", 100, ['<row r="1"><c r="CW1" s="1"/></row>'], "HOTPASS_MAX_SHEET_COLUMNS"),
        (
            "max_cell_chars",
            100,
            [f'<row r="1">{_cell("A1", "x" * 101)}</row>'],
            "HOTPASS_MAX_CELL_CHARS",
        ),
    ],
)
def test_each_sheet_limit_names_sheet_value_and_setting(tmp_path, limit, value, parts, setting):
    path = write_raw_xlsx(tmp_path / "book.xlsx", parts, sheet_name="Data")
    limits = dataclasses.replace(ReadLimits(), **{limit: value})
    with pytest.raises(LimitExceeded) as caught:
        inspect_workbook(path, limits)
    message = str(caught.value)
    assert caught.value.sheet == "Data" and "sheet 'Data'" in message
    assert setting in message and f"{value:,}" in message
    # A limit one step higher than what the sheet holds lets the same workbook through.
    inspect_workbook(path, dataclasses.replace(ReadLimits(), **{limit: 10**7}))


def test_declared_dimension_is_checked(tmp_path):
    path = write_raw_xlsx(tmp_path / "d.xlsx", _rows(2), dimension="A1:XFD1048576")
    with pytest.raises(LimitExceeded, match="rows 1,048,576 exceeds"):
        inspect_workbook(path)


def test_file_size_uncompressed_size_and_ratio(tmp_path):
    path = write_raw_xlsx(tmp_path / "r.xlsx", [f'<row r="1">{_cell("A1", "A" * 3_000_000)}</row>'])
    size = path.stat().st_size
    with pytest.raises(LimitExceeded, match="HOTPASS_MAX_FILE_MB"):
        inspect_workbook(path, ReadLimits(max_file_bytes=size - 1))
    with pytest.raises(LimitExceeded, match="HOTPASS_MAX_UNCOMPRESSED_MB"):
        inspect_workbook(path, ReadLimits(max_uncompressed_bytes=2 << 20))
    with pytest.raises(
        LimitExceeded, match=r"compression ratio .* \(HOTPASS_MAX_COMPRESSION_RATIO\)"
    ):
        inspect_workbook(path)
    # Past the ratio, the 3,000,000-character cell is what stops it.
    with pytest.raises(
        LimitExceeded,
        match=r"text length .characters. at least [0-9,]+ exceeds the limit of 32,767",
    ):
        inspect_workbook(path, ReadLimits(max_compression_ratio=1e9))


def test_text_length_counts_characters_not_bytes(tmp_path):
    # 10,000 "&" escaped as "&amp;" (50,000 bytes) and 10,000 "é" (20,000 bytes): 20,000 chars.
    text = "&" * 10_000 + "é" * 10_000
    path = write_raw_xlsx(tmp_path / "t.xlsx", [f'<row r="1">{_cell("A1", text)}</row>'])
    inspect_workbook(path, ReadLimits(max_cell_chars=20_000))
    with pytest.raises(LimitExceeded, match="20,000 exceeds the limit of 19,999"):
        inspect_workbook(path, ReadLimits(max_cell_chars=19_999))


def test_shared_strings_are_checked(tmp_path):
    import zipfile

    path = write_raw_xlsx(tmp_path / "s.xlsx", ['<row r="1"><c r="A1" t="s"><v>0</v></c></row>'])
    with zipfile.ZipFile(path, "a") as zf:
        strings = (
            "".join(f"<si><t>s{i}</t></si>" for i in range(500)) + f"<si><t>{'y' * 40_000}</t></si>"
        )
        zf.writestr("xl/sharedStrings.xml", f'<sst count="501">{strings}</sst>')
    with pytest.raises(
        LimitExceeded, match=r"shared strings 501 exceeds .*HOTPASS_MAX_SHARED_STRINGS\)"
    ):
        inspect_workbook(path, ReadLimits(max_shared_strings=500))
    with pytest.raises(LimitExceeded, match=r"text length .* 40,000"):
        inspect_workbook(path)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(1, 3000),  # row number
            st.booleans(),  # row element carries its reference
            st.lists(st.tuples(st.integers(0, 300), st.booleans()), min_size=0, max_size=6),
        ),
        min_size=1,
        max_size=30,
    ),
    # limits whose references are longer than any here, and limits whose references are as
    # long as many here (rows from 1,000, columns from AA: matched and converted in bulk)
    limits=st.sampled_from(
        [
            ReadLimits(max_rows=10**6, max_columns=16384, max_cells=10**9),
            ReadLimits(max_rows=9999, max_columns=700, max_cells=10**9),
        ]
    ),
)
def test_rows_and_columns_match_an_exact_walk(tmp_path, rows, limits):
    """Whether or not rows and cells carry references, the scan finds the highest row and
    column a reader would place a cell in, and counts every row and cell element."""
    parts, want_row, want_col, cells = [], 0, 0, 0
    row_no = 0
    for number, row_ref, row_cells in sorted(rows):
        row_no = number if row_ref else row_no + 1
        want_row = max(want_row, row_no)
        col = 0
        inner = []
        for c, cell_ref in sorted(row_cells):
            col = c + 1 if cell_ref else col + 1
            want_col = max(want_col, col)
            inner.append(_cell(f"{_col(col - 1)}{row_no}" if cell_ref else None, "v"))
            cells += 1
        attr = f' r="{row_no}"' if row_ref else ""
        parts.append(f"<row{attr}>{''.join(inner)}</row>")
    path = write_raw_xlsx(tmp_path / "h.xlsx", parts)
    sheet = inspect_workbook(path, limits).sheets["Cleaned"]
    assert sheet["rows"] == max(want_row, len(rows))
    assert sheet["columns"] == want_col
    assert sheet["cells"] == cells


def test_reading_checks_limits_before_cells(tmp_path, monkeypatch):
    path = write_raw_xlsx(tmp_path / "wide.xlsx", [f'<row r="1">{_cell("XFD1", "x")}</row>'])
    with pytest.raises(WorkbookReadError) as caught:
        open_workbook(path, "Wide Book.xlsx")
    message = str(caught.value)
    assert "'Wide Book.xlsx'" in message and "columns 16,384 exceeds the limit of 1,000" in message
    monkeypatch.setenv("HOTPASS_MAX_SHEET_COLUMNS", "20000")
    with open_workbook(path) as book:
        assert book.sheet_names == ["Cleaned"]


def test_real_workbooks_within_the_defaults(real_workbooks):
    """Aggregates only: the real workbooks pass, and by a wide margin."""
    limits = ReadLimits()
    for path in sorted(real_workbooks.glob("*.xlsx")):
        figures = inspect_workbook(path, limits)
        assert figures.file_bytes < limits.max_file_bytes / 100
        assert figures.uncompressed_bytes < limits.max_uncompressed_bytes / 100
        for sheet in figures.sheets.values():
            assert sheet["rows"] < limits.max_rows / 10
            assert sheet["columns"] < limits.max_columns / 10
            assert sheet["cells"] < limits.max_cells / 100
        assert figures.longest_text_chars <= limits.max_cell_chars
        assert figures.shared_strings < limits.max_shared_strings / 100


def test_headers_are_what_the_generator_writes():
    assert SACAA_HEADERS[0] == "Name of Organisation"
