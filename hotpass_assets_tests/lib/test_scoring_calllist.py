"""Call list: selection of reachable organisations and injection-safe CSV / XLSX output."""

import csv
import re
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotpass_assets.lib.scoring.calllist import (
    CALL_LIST_COLUMNS,
    FORMULA_TRIGGERS,
    build_call_list,
    neutralise,
    write_call_list,
)
from hotpass_assets.lib.scoring.synthetic import synthetic_snapshot

HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "=1+1",
    "+27821234567",
    "-1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=cmd",
    "\r=cmd",
    "\n=cmd",
    "  =1+1",
    "\u00a0@SUM(1)",
    "\x00=1",
    "_x003D_1+1",
    "=cmd|' /C calc'!A0",
]
_CONTROL_ESCAPE = re.compile(r"_x00([01][0-9A-Fa-f])_")


def _decode_xlsx(value: str) -> str:
    """Decode the ``_x00HH_`` control-character escapes that openpyxl leaves in place but a
    spreadsheet program shows as the character (openpyxl already decodes the others)."""
    return _CONTROL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)


def _is_formula_leading(value: str) -> bool:
    return value.startswith(FORMULA_TRIGGERS) or value.lstrip().startswith(FORMULA_TRIGGERS)


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _read_xlsx(path: Path):
    sheet = openpyxl.load_workbook(path).active
    return sheet, [list(row) for row in sheet.iter_rows()]


def _assert_safe(csv_path: Path, xlsx_path: Path) -> None:
    for row in _read_csv(csv_path):
        for value in row:
            assert not _is_formula_leading(value), repr(value)
    _, rows = _read_xlsx(xlsx_path)
    for row in rows:
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
            if isinstance(cell.value, str):
                assert not _is_formula_leading(cell.value), repr(cell.value)
                assert not _is_formula_leading(_decode_xlsx(cell.value)), repr(cell.value)


def _call_list(**overrides) -> pd.DataFrame:
    row = {
        "rank": 1,
        "entity_id": "e1",
        "organisation_name": "Org",
        "province": "Gauteng",
        "category": "AMO",
        "primary_contact_name": "Person",
        "primary_contact_role": "Owner",
        "primary_contact_phone": "+27821234567",
        "primary_contact_email": "p@org.example.org",
        "lead_score": 0.8125,
        "model_version": "7",
        "top_features": "category=amo; has_email",
    }
    row.update(overrides)
    return pd.DataFrame([row], columns=list(CALL_LIST_COLUMNS))


@pytest.mark.parametrize("value", HOSTILE)
def test_neutralise_hostile_values(value):
    safe = neutralise(value)
    assert safe.startswith("'") or not _is_formula_leading(safe)
    assert not _is_formula_leading(safe)


def test_neutralise_leaves_ordinary_values():
    assert neutralise("Blue Sky Aviation") == "Blue Sky Aviation"
    assert neutralise("a-b=c") == "a-b=c"
    assert neutralise(None) == ""
    assert neutralise(0.5) == 0.5


def test_call_list_selects_reachable_top_n():
    orgs = synthetic_snapshot(n=200, seed=5)
    scores = pd.DataFrame(
        {
            "entity_id": orgs["entity_id"],
            "lead_score": [1 - i / 1000 for i in range(len(orgs))],
            "rank": range(1, len(orgs) + 1),
            "top_features": "has_email",
        }
    )
    out = build_call_list(orgs, scores, top_n=25, model_version="3")
    assert tuple(out.columns) == CALL_LIST_COLUMNS
    assert len(out) == 25
    assert list(out["rank"]) == list(range(1, 26))
    assert (out["model_version"] == "3").all()
    assert out["lead_score"].is_monotonic_decreasing
    reachable = orgs["primary_contact_phone"].notna() | orgs["primary_contact_email"].notna()
    expected = [e for e in orgs["entity_id"] if reachable[orgs["entity_id"] == e].item()][:25]
    assert list(out["entity_id"]) == expected
    assert (out["primary_contact_phone"].notna() | out["primary_contact_email"].notna()).all()
    # existing customers can be left out
    no_customers = build_call_list(orgs, scores, top_n=200, exclude_customers=True)
    customers = set(orgs.loc[orgs["is_customer"], "entity_id"])
    assert customers and not customers & set(no_customers["entity_id"])


def test_invalid_contact_points_do_not_make_an_organisation_reachable():
    orgs = synthetic_snapshot(n=3, seed=1)
    orgs["primary_contact_phone"] = ["12", None, "+27821234567"]
    orgs["primary_contact_email"] = ["not-an-email", "x@", None]
    scores = pd.DataFrame(
        {"entity_id": orgs["entity_id"], "lead_score": [0.9, 0.8, 0.7], "rank": [1, 2, 3]}
    ).assign(top_features="")
    out = build_call_list(orgs, scores, top_n=10)
    assert list(out["entity_id"]) == [orgs["entity_id"].iloc[2]]


def test_written_outputs_are_formatted_and_phones_stay_readable(tmp_path):
    df = pd.concat(
        [
            _call_list(),
            _call_list(rank=2, entity_id="e2", primary_contact_phone=None, lead_score=0.5),
        ],
        ignore_index=True,
    )
    csv_path, xlsx_path = tmp_path / "call_list.csv", tmp_path / "call_list.xlsx"
    write_call_list(df, csv_path, xlsx_path)
    _assert_safe(csv_path, xlsx_path)

    rows = _read_csv(csv_path)
    assert rows[0] == list(CALL_LIST_COLUMNS)
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["primary_contact_phone"] == "'+27821234567"  # quoted, all digits kept
    assert float(record["lead_score"]) == pytest.approx(0.8125)
    assert record["rank"] == "1"
    assert dict(zip(rows[0], rows[2], strict=True))["primary_contact_phone"] == ""

    sheet, cells = _read_xlsx(xlsx_path)
    header = [c.value for c in cells[0]]
    assert header == list(CALL_LIST_COLUMNS)
    col = {name: i for i, name in enumerate(header)}
    phone = cells[1][col["primary_contact_phone"]]
    assert phone.data_type == "s" and phone.value == "'+27821234567"
    score = cells[1][col["lead_score"]]
    assert isinstance(score.value, float) and score.number_format == "0.000"
    assert cells[1][col["rank"]].value == 1
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:L3"
    assert cells[0][0].font.b
    assert sheet.column_dimensions["C"].width >= 8


_hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.builds(
        lambda prefix, rest: prefix + rest,
        st.sampled_from([*FORMULA_TRIGGERS, " =", "\u3000+", "\x01=", "_x002D_"]),
        st.text(max_size=40),
    ),
    st.text(max_size=40),
)


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    name=_hostile_text,
    person=_hostile_text,
    role=_hostile_text,
    category=_hostile_text,
    province=_hostile_text,
    features=_hostile_text,
    entity=_hostile_text,
)
def test_no_formula_leading_cells_in_either_output(
    name, person, role, category, province, features, entity
):
    orgs = synthetic_snapshot(n=4, seed=2)
    orgs["organisation_name"] = name
    orgs["primary_contact_name"] = person
    orgs["primary_contact_role"] = role
    orgs["category"] = category
    orgs["province"] = province
    orgs["entity_id"] = [f"{entity}{i}" for i in range(4)]
    orgs["primary_contact_phone"] = "+27821234567"
    scores = pd.DataFrame(
        {
            "entity_id": orgs["entity_id"],
            "lead_score": [0.9, 0.7, 0.5, 0.3],
            "rank": [1, 2, 3, 4],
            "top_features": features,
        }
    )
    call_list = build_call_list(orgs, scores, top_n=4, model_version="=1+1")
    assert len(call_list) == 4
    with tempfile.TemporaryDirectory() as tmp:
        csv_path, xlsx_path = Path(tmp) / "c.csv", Path(tmp) / "c.xlsx"
        write_call_list(call_list, csv_path, xlsx_path)
        _assert_safe(csv_path, xlsx_path)
        rows = _read_csv(csv_path)
        assert len(rows) == 5
        _, cells = _read_xlsx(xlsx_path)
        assert len(cells) == 5
        col = list(CALL_LIST_COLUMNS).index("primary_contact_phone")
        assert {r[col] for r in rows[1:]} == {"'+27821234567"}
        assert {c[col].value for c in cells[1:]} == {"'+27821234567"}
