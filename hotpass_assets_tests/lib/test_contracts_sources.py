"""Raw-workbook contracts: readable files, source-sheet structure and drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotpass_assets.lib import contracts
from hotpass_assets.lib.contracts import ContractContext
from hotpass_assets.lib.contracts.sources import SHEET_CONTRACTS, check_workbook, column_roles
from hotpass_assets_tests.lib.test_contracts_data import leaked
from hotpass_assets_tests.needs import real_workbook_paths

SACAA_HEADERS = [
    "Name of Organisation",
    "Province",
    "Status",
    "Website URL",
    "Contact Person",
    "Contact Number",
    "Contact Email Address",
]
SACAA_ROWS = [
    [
        "Kestrel Aero Club",
        "Gauteng",
        "Active",
        "kestrel-example.co.za",
        "Thandiwe Nkosi (CFI)",
        "+27 82 555 0123",
        "thandiwe@kestrel-example.co.za",
    ],
    ["Blue Heron Helicopters", "Unknown", "Active", None, None, None, None],
    ["Ibis Air Maintenance", "Western Cape", "Invalid", None, "Lerato Dlamini", None, None],
]
VALUES = (
    "Kestrel Aero Club",
    "Thandiwe Nkosi",
    "+27 82 555 0123",
    "thandiwe@kestrel-example.co.za",
)


def write_book(path: Path, sheets: dict[str, list[list]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


def sacaa_book(path: Path, headers=SACAA_HEADERS, rows=SACAA_ROWS, extra_sheets=None) -> Path:
    sheets = {
        "Cleaned": [headers, *rows],
        "Issues": [["Row", "Issue"], [2, "stale"]],
        "Lists": [["Province"], ["Gauteng"]],
    }
    sheets.update(extra_sheets or {})
    return write_book(path, sheets)


def raw_ctx(path: Path, **kw) -> ContractContext:
    from hotpass_assets.lib.reading import WorkbookReadError, sheet_inventory

    inventory, read_error = [], None
    try:
        inventory = sheet_inventory(path)
    except WorkbookReadError as exc:
        read_error = str(exc)
    return ContractContext(
        partition_key=f"2025-11-01_{path.stem}_00000000",
        source_file=path.name,
        extra={"inventory": inventory, "path": str(path), "read_error": read_error},
        **kw,
    )


def run(path: Path, **kw):
    outcomes = contracts.evaluate("raw_workbook", {}, raw_ctx(path, **kw))
    assert [o.name for o in outcomes] == [s.name for s in contracts.check_specs("raw_workbook")]
    return {o.name: o for o in outcomes}


def test_good_workbook_passes(tmp_path):
    out = run(sacaa_book(tmp_path / "sacaa_flight_schools.xlsx"))
    assert all(o.passed for o in out.values()), {k: o.message for k, o in out.items()}
    s = out["source_sheets_structure"]
    assert s.metadata["workbook_kind"] == "sacaa" and s.rows_checked == 3
    assert leaked(list(out.values()), VALUES) == 0


def test_missing_required_column_names_file_sheet_column_and_rule(tmp_path):
    headers = [h if h != "Name of Organisation" else "Organisation" for h in SACAA_HEADERS]
    path = sacaa_book(tmp_path / "sacaa_flight_schools.xlsx", headers=headers)
    out = run(path)
    o = out["source_sheets_structure"]
    assert not o.passed and o.blocks and o.spec.severity == "ERROR"
    assert o.failures == {"missing_column:Cleaned.Name of Organisation": 1}
    for text in (path.name, "'Cleaned'", "Name of Organisation", "missing_column"):
        assert text in o.message
    assert out["workbook_readable"].passed
    assert leaked(list(out.values()), VALUES) == 0


def test_archived_copy_is_recognised_by_its_dropped_file_name(tmp_path):
    headers = [h if h != "Name of Organisation" else "Organisation" for h in SACAA_HEADERS]
    dropped = sacaa_book(tmp_path / "SACAA Flight Schools.xlsx", headers=headers)
    archived = tmp_path / "archive" / "0f1e2d3c4b5a69788796a5b4c3d2e1f0.xlsx"
    archived.parent.mkdir()
    dropped.rename(archived)
    ctx = raw_ctx(archived)
    ctx.source_file = dropped.name
    out = {o.name: o for o in contracts.evaluate("raw_workbook", {}, ctx)}
    o = out["source_sheets_structure"]
    assert o.metadata["workbook_kind"] == "sacaa"
    assert o.failures == {"missing_column:Cleaned.Name of Organisation": 1}
    assert dropped.name in o.message


def test_renamed_header_with_same_key_still_matches(tmp_path):
    headers = ["name of  organisation", *SACAA_HEADERS[1:]]
    out = run(sacaa_book(tmp_path / "sacaa.xlsx", headers=headers))
    assert out["source_sheets_structure"].passed


def test_key_column_empty_everywhere_is_a_breach_some_nulls_are_drift(tmp_path):
    empty_key = [[None, *r[1:]] for r in SACAA_ROWS]
    out = run(sacaa_book(tmp_path / "sacaa_a.xlsx", rows=empty_key))
    o = out["source_sheets_structure"]
    assert not o.passed
    assert o.failures == {"key_column_empty:Cleaned.Name of Organisation": 3}
    assert "key_column_empty" in o.message

    some = [SACAA_ROWS[0], [None, *SACAA_ROWS[1][1:]], SACAA_ROWS[2]]
    out = run(sacaa_book(tmp_path / "sacaa_b.xlsx", rows=some))
    assert out["source_sheets_structure"].passed
    d = out["source_sheets_drift"]
    assert not d.passed and not d.blocks and d.spec.severity == "WARN"
    assert d.failures == {"key_column_nulls:Cleaned.Name of Organisation": 1}
    assert d.failing_ids == ["Cleaned!R3"]


def test_missing_expected_column_and_unlisted_sheet_are_drift(tmp_path):
    headers = [h for h in SACAA_HEADERS if h != "Contact Email Address"]
    rows = [r[:-1] for r in SACAA_ROWS]
    path = sacaa_book(
        tmp_path / "sacaa.xlsx",
        headers=headers,
        rows=rows,
        extra_sheets={"Scratch": [["a", "b"], [1, 2]]},
    )
    out = run(path)
    assert out["source_sheets_structure"].passed
    d = out["source_sheets_drift"]
    assert not d.passed
    assert d.failures == {
        "missing_expected_column:Cleaned.Contact Email Address": 1,
        "unlisted_sheet:Scratch": 2,
    }


def test_missing_required_sheet(tmp_path):
    path = write_book(
        tmp_path / "Reachout Database.xlsx",
        {"Organisation": [["Organisation Name", "ID"], ["Kestrel Aero Club", 2]]},
    )
    out = run(path)
    o = out["source_sheets_structure"]
    assert o.failures == {"missing_sheet:Contact Info": 1}
    assert "'Contact Info'" in o.message and path.name in o.message


def test_unreadable_file_fails_readable_and_structure(tmp_path):
    path = tmp_path / "sacaa.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    out = run(path)
    assert not out["workbook_readable"].passed and out["workbook_readable"].blocks
    assert "unreadable" in out["workbook_readable"].message
    assert path.name in out["workbook_readable"].message
    assert not out["source_sheets_structure"].passed
    assert out["source_sheets_drift"].spec.severity == "WARN"


def test_workbook_without_data_is_not_readable(tmp_path):
    path = write_book(tmp_path / "empty.xlsx", {"Sheet1": []})
    o = run(path)["workbook_readable"]
    assert not o.passed and o.failures == {"no_data:file": 1}


def test_generic_workbook_has_no_source_contract(tmp_path):
    path = write_book(
        tmp_path / "customers.xlsx",
        {"Data": [["Company", "Email"], ["Kestrel Aero Club", "info@kestrel-example.co.za"]]},
    )
    out = run(path)
    o = out["source_sheets_structure"]
    assert o.passed and o.metadata["workbook_kind"] == "generic"
    assert "no source-sheet contract" in o.message


def test_inventory_drift_against_previous_drop(tmp_path):
    first = sacaa_book(tmp_path / "sacaa_1.xlsx")
    ctx = raw_ctx(first)
    previous = contracts.partition_stats("raw_workbook", {}, ctx)
    rows = SACAA_ROWS * 20
    second = sacaa_book(tmp_path / "sacaa_2.xlsx", rows=rows, extra_sheets={})
    out = run(second, previous=previous | {"sheets": previous["sheets"] | {"Old": {"rows": 3}}})
    d = out["source_sheets_drift"]
    assert not d.passed
    assert d.failures["row_count_jump:Cleaned"] == 57
    assert d.failures["sheet_removed:Old"] == 1
    assert d.metadata["compared_with_previous"] is True


def test_every_profile_kind_has_a_sheet_contract_covering_its_required_columns():
    from hotpass_assets.lib.profiles import load_profile
    from hotpass_assets.lib.reading import header_key

    profile = load_profile("aviation")
    for kind in profile.kinds:
        assert kind.kind in SHEET_CONTRACTS, kind.kind
        by_sheet = {c.sheet: c for c in SHEET_CONTRACTS[kind.kind]}
        assert set(by_sheet) == {s.sheet for s in kind.sheets}
        for spec in kind.sheets:
            contract = by_sheet[spec.sheet]
            assert contract.optional == spec.optional, spec.sheet
            roles = column_roles(contract.model)
            required = {header_key(h) for h, r in roles.items() if r["required"]}
            declared = {header_key(h) for h in roles}
            for col in spec.required_columns:
                assert header_key(col) in required, (kind.kind, spec.sheet, col)
            for col in spec.columns():
                if not col.startswith("column_"):
                    assert header_key(col) in declared, (kind.kind, spec.sheet, col)


@pytest.mark.real
def test_real_workbooks_meet_their_source_contracts():
    books = real_workbook_paths()
    assert len(books) == 3
    kinds = set()
    for path in books:
        report = check_workbook(path)
        kinds.add(report.workbook_kind)
        assert not report.breaches, [f.key for f in report.breaches]
        out = run(path)
        assert all(o.passed for o in out.values() if o.spec.severity == "ERROR"), {
            k: o.failures for k, o in out.items()
        }
    assert kinds == {"sacaa", "reachout", "contact_db"}
