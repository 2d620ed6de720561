"""Every spreadsheet and CSV Hotpass writes is inert: text stays text.

Hostile strings go through each writer (refined export, call list, dedupe output, feature
importances' writer); the files are read back with openpyxl (cell types, hyperlinks, formulas)
and, for XLSX, the sheet XML itself is searched for formula and hyperlink elements.
"""

import csv
import re
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotpass_assets.lib.export import export_table
from hotpass_assets.lib.inert import XLSX_MAX_TEXT, is_active_text, neutralise, write_csv
from hotpass_assets.lib.scoring.calllist import CALL_LIST_COLUMNS, write_call_list

HOSTILE = [
    "{=cmd|' /C calc'!A0}",
    " {=SUM(A1:A2)}",
    "external:\\\\host\\share",
    "external:c:\\windows\\system32\\calc.exe",
    "mailto:someone@example.org",
    "http://evil.example/x",
    "https://evil.example/x?y=1",
    "ftp://evil.example/",
    "file:///etc/passwd",
    "internal:Sheet1!A1",
    '=HYPERLINK("http://evil.example","click")',
    "=1+1",
    "+27821234567",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=cmd",
    "\r\n=cmd",
    "  =1+1",
    "_x003D_1+1",
    "=cmd|' /C calc'!A0",
    "1e5",
    "00123",
    "TRUE",
]
_CONTROL_ESCAPE = re.compile(r"_x00([01][0-9A-Fa-f])_")


def _as_read(value: str) -> str:
    return str(neutralise(value))


def _decode(value: str) -> str:
    """Decode the ``_x00HH_`` control-character escapes that openpyxl leaves in place but a
    spreadsheet program shows as the character."""
    return _CONTROL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)


def _xlsx_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(
            z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.startswith("xl/")
        )


def assert_inert_xlsx(path: Path, expected_text: set[str] | None = None) -> None:
    """No formula cell, no hyperlink, text cells hold text (and exactly ``expected_text``)."""
    book = openpyxl.load_workbook(path)
    seen: set[str] = set()
    for sheet in book.worksheets:
        assert not sheet._hyperlinks, f"{path.name}: hyperlinks {sheet._hyperlinks}"
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{cell.coordinate}: formula {cell.value!r}"
                assert cell.hyperlink is None, cell.coordinate
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", cell.coordinate
                    assert not is_active_text(_decode(cell.value)), repr(cell.value)
                    seen.add(_decode(cell.value))
    xml = _xlsx_xml(path)
    assert "<f>" not in xml and "<f " not in xml, "formula element in the sheet XML"
    assert "<hyperlink" not in xml and "relationships/hyperlink" not in xml
    if expected_text is not None:
        assert expected_text <= seen, expected_text - seen


def assert_inert_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    for row in rows:
        for value in row:
            assert not is_active_text(value), repr(value)
    return rows


def _refined(values: list[str]) -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame(
        {
            "entity_id": [f"e{i:04d}" for i in range(n)],
            "organisation_name": values,
            "emails": [[v, "ok@example.org"] for v in values],
            "data_quality_score": [0.5] * n,
            "is_customer": [i % 2 == 0 for i in range(n)],
            "contact_count": list(range(n)),
        }
    )


def test_refined_xlsx_export_stores_hostile_text_as_text(tmp_path):
    out = tmp_path / "refined.xlsx"
    export_table(_refined(HOSTILE), out)
    assert_inert_xlsx(out, {_as_read(v) for v in HOSTILE})
    sheet = openpyxl.load_workbook(out).active
    header = [c.value for c in sheet[1]]
    col = header.index("organisation_name") + 1
    names = [sheet.cell(row=r, column=col).value for r in range(2, len(HOSTILE) + 2)]
    for name, value in zip(names, HOSTILE, strict=True):
        assert _decode(name) == _as_read(value)
    numbers = [sheet.cell(row=r, column=header.index("data_quality_score") + 1) for r in (2, 3)]
    assert all(c.data_type == "n" and c.value == 0.5 for c in numbers)
    flags = [sheet.cell(row=r, column=header.index("is_customer") + 1) for r in (2, 3)]
    assert [c.value for c in flags] == [True, False] and all(c.data_type == "b" for c in flags)


def test_refined_csv_export_neutralises_hostile_text(tmp_path):
    out = tmp_path / "refined.csv"
    export_table(_refined(HOSTILE), out)
    rows = assert_inert_csv(out)
    names = [r[rows[0].index("organisation_name")] for r in rows[1:]]
    assert names == [neutralise(v) for v in HOSTILE]


def test_call_list_with_hostile_text_is_inert(tmp_path):
    row = {c: "" for c in CALL_LIST_COLUMNS}
    frame = pd.DataFrame(
        [
            {
                **row,
                "rank": i + 1,
                "entity_id": f"e{i}",
                "organisation_name": v,
                "primary_contact_name": v,
                "primary_contact_email": v,
                "lead_score": 0.9,
                "top_features": [v],
            }
            for i, v in enumerate(HOSTILE)
        ],
        columns=list(CALL_LIST_COLUMNS),
    )
    csv_path, xlsx_path = tmp_path / "c.csv", tmp_path / "c.xlsx"
    write_call_list(frame, csv_path, xlsx_path)
    assert_inert_xlsx(xlsx_path, {_as_read(v) for v in HOSTILE})
    assert_inert_csv(csv_path)


def test_dedupe_csv_output_is_inert(tmp_path):
    from hotpass_assets.lib.matching.cli import write_table

    out = tmp_path / "out.csv"
    write_table(pd.DataFrame({"pid": HOSTILE, "entity_id": range(len(HOSTILE))}), out)
    rows = assert_inert_csv(out)
    assert [r[0] for r in rows[1:]] == [neutralise(v) for v in HOSTILE]


def test_overlong_text_is_cut_to_the_xlsx_limit(tmp_path):
    out = tmp_path / "long.xlsx"
    export_table(_refined(["x" * (XLSX_MAX_TEXT + 10)]), out)
    value = openpyxl.load_workbook(out).active["B2"].value
    assert len(value) == XLSX_MAX_TEXT and value.endswith("[cut]")


_messy = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
_lead = st.sampled_from(
    ["", "=", "{=", " {=", "+", "-", "@", "\t", "http://", "mailto:", "external:"]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(st.tuples(_lead, _messy).map("".join), min_size=1, max_size=8))
def test_any_text_round_trips_as_inert_text(values):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "x.xlsx"
        export_table(_refined(values), out)
        assert_inert_xlsx(out)
        out_csv = Path(tmp) / "x.csv"
        write_csv(out_csv, ["v"], [[v] for v in values])
        assert_inert_csv(out_csv)


@pytest.mark.parametrize("value", ["Blue Sky Aviation", "a-b=c", "O'Neil & Sons", "{curly}"])
def test_ordinary_text_is_left_alone(value):
    assert neutralise(value) == value
