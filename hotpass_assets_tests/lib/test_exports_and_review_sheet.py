"""Pure code behind `hotpass export`, `review` and `init`: inert workbooks, CSV + CSVW, review
sheets read back, settings listed once."""

import csv
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from hotpass_assets.lib.review_sheet import (
    ReviewSheetError,
    read_review_sheet,
    review_frame,
    write_review_workbook,
)
from hotpass_assets.lib.scoring.calllist import FORMULA_TRIGGERS, neutralise
from hotpass_assets.lib.table_export import export_frame, metadata_path
from hotpass_assets.lib.xlsx import completeness

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)
HOSTILE = st.sampled_from(
    [
        "=1+1",
        '=HYPERLINK("http://x","y")',
        "{=SUM(A1:A2)}",
        "+27821234567",
        "-2",
        "@SUM(1)",
        "\t=1",
        "http://example.invalid/a",
        "mailto:a@b.invalid",
        "_x0041_",
    ]
)
_FS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _frame(values: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": values,
            "listed": [[v, "x"] for v in values],
            "number": list(range(len(values))),
            "flag": [i % 2 == 0 for i in range(len(values))],
        }
    )


@_FS
@given(values=st.lists(st.one_of(TEXT, HOSTILE), min_size=1, max_size=8))
def test_xlsx_cells_are_inert_text(tmp_path, values):
    path = tmp_path / "t.xlsx"
    export_frame(_frame(values), path, table="t", title="t")
    book = load_workbook(path)
    sheet = book["t"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.value  # never a formula
            assert cell.hyperlink is None
    texts = [c.value for c in sheet["A"][1:]]
    for written, original in zip(texts, values, strict=True):
        if written is None:
            assert not original.strip()
        else:
            assert not str(written).startswith(FORMULA_TRIGGERS)
    summary = {r[0]: r[3] for r in book["summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["number"] == 1.0 and set(summary) == {"text", "listed", "number", "flag"}


@_FS
@given(values=st.lists(st.one_of(TEXT, HOSTILE), min_size=1, max_size=8))
def test_csv_is_neutralised_and_described_by_csvw(tmp_path, values):
    path = tmp_path / "t.csv"
    files = export_frame(
        _frame(values),
        path,
        table="t",
        title="t",
        columns=[{"name": "listed", "type": "list<string>", "description": "a list"}],
    )
    assert files == [path, metadata_path(path)]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["text", "listed", "number", "flag"]
    for row, original in zip(rows[1:], values, strict=True):
        assert row[0] == ("" if not original.strip() else neutralise(original))
        assert not any(cell.startswith(FORMULA_TRIGGERS) for cell in row)
        assert row[3] in ("true", "false")
    meta = json.loads(metadata_path(path).read_text())
    assert meta["@context"] == "http://www.w3.org/ns/csvw" and meta["url"] == "t.csv"
    cols = {c["name"]: c for c in meta["tableSchema"]["columns"]}
    assert cols["listed"]["separator"] == "; " and cols["listed"]["dc:description"] == "a list"
    assert cols["number"]["datatype"] == "integer" and cols["flag"]["datatype"] == "boolean"


def test_completeness_counts_blank_text_and_empty_lists_as_empty():
    frame = pd.DataFrame(
        {"a": ["x", " ", None], "b": [[], ["y"], None], "c": [1.0, float("nan"), 2]}
    )
    got = completeness(frame).set_index("column")
    assert (
        got.loc["a", "filled"] == 1 and got.loc["b", "filled"] == 1 and got.loc["c", "filled"] == 2
    )
    assert got.loc["c", "completeness"] == pytest.approx(2 / 3, abs=1e-4)


def _queue() -> tuple[pd.DataFrame, pd.DataFrame]:
    queue = pd.DataFrame(
        {
            "left_record_id": ["h1:s:2", "h1:s:3", "h1:s:4"],
            "right_record_id": ["h2:s:2", "h2:s:3", "h2:s:4"],
            "match_weight": [0.1, 0.2, 0.3],
            "match_probability": [0.3, 0.2, 0.25],
            "decision": ["review"] * 3,
            "cmp_name": ["same_key", "fuzzy", "missing"],
        }
    )
    records = pd.DataFrame(
        {
            "record_id": ["h1:s:2", "h2:s:2", "h1:s:3"],
            "organisation_name": ["=Alpha", "Alpha Aero", "Beta"],
            "emails": [["a@x.invalid"], [], None],
        }
    )
    return queue, records


def _fill(path: Path, decisions: dict[int, str], sheet="review") -> None:
    book = load_workbook(path)
    ws = book[sheet]
    col = [c.value for c in ws[1]].index("decision") + 1
    for row, value in decisions.items():
        ws.cell(row, col).value = value
    book.save(path)


def test_review_workbook_round_trip(tmp_path):
    queue, records = _queue()
    frame = review_frame(queue, records, {"h1:s:2": "src|s|alpha", "h2:s:2": "src2|s|alpha"})
    assert list(frame.columns[:3]) == ["pair", "decision", "note"]
    assert frame.loc[0, "a: organisation_name"] == "=Alpha"
    assert frame.loc[0, "b: organisation_name"] == "Alpha Aero"
    path = tmp_path / "review.xlsx"
    write_review_workbook(frame, path, "2026-01-02")
    book = load_workbook(path)
    validations = book["review"].data_validations.dataValidation
    assert validations and validations[0].formula1 == '"match,no-match"'
    assert "instructions" in book.sheetnames
    assert read_review_sheet(path).empty, "nothing decided yet"
    _fill(path, {2: "match", 3: " No-Match "})
    got = read_review_sheet(path)
    assert got[["record_id_a", "record_id_b", "decision"]].values.tolist() == [
        ["h1:s:2", "h2:s:2", "match"],
        ["h1:s:3", "h2:s:3", "no-match"],
    ]
    assert got.loc[0, "natural_key_a"] == "src|s|alpha" and got["sheet_row"].tolist() == [2, 3]


def test_malformed_review_sheets_name_sheet_row_and_column(tmp_path):
    queue, records = _queue()
    path = tmp_path / "review.xlsx"
    write_review_workbook(review_frame(queue, records, {}), path, "2026-01-02")
    _fill(path, {2: "maybe", 4: "match"})
    book = load_workbook(path)
    ws = book["review"]
    col = [c.value for c in ws[1]].index("record_id_a") + 1
    ws.cell(4, col).value = None
    book.save(path)
    with pytest.raises(ReviewSheetError) as err:
        read_review_sheet(path)
    text = str(err.value)
    assert "2 problem(s), nothing imported" in text
    assert "review.xlsx, sheet 'review', row 2, column 'decision': 'maybe'" in text
    assert "row 4, column 'record_id_a': empty" in text
    book = load_workbook(path)
    book["review"].title = "renamed"
    book.save(path)
    with pytest.raises(ReviewSheetError, match="no sheet 'review'"):
        read_review_sheet(path)
    (tmp_path / "x.xlsx").write_text("not a workbook")
    with pytest.raises(ReviewSheetError, match=r"x\.xlsx: cannot open as a workbook"):
        read_review_sheet(tmp_path / "x.xlsx")


def test_every_setting_the_code_reads_is_in_the_init_config():
    from hotpass_assets.lib.workspace import SETTINGS

    source = (Path(__file__).resolve().parents[2] / "hotpass_assets" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.get\(|, )"([A-Z_]+)"', source))
    assert read, "the pattern finds the settings"
    assert read <= {name for name, _, _ in SETTINGS}, read - {n for n, _, _ in SETTINGS}
