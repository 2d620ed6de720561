"""Tests of the synthetic demo workbooks and their ground truth."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import phonenumbers
import pytest
from python_calamine import CalamineWorkbook

from hotpass_assets.lib import demo
from hotpass_assets.lib.demo import (
    CONTACT_DB_FILE,
    DEMO_FILES,
    REACHOUT_FILE,
    SACAA_FILE,
    DemoTruth,
)

# Phone and e-mail columns of the data sheets: (file, sheet) -> headers or 0-based column indexes.
PHONE_COLUMNS: dict[tuple[str, str], list[str | int]] = {
    (SACAA_FILE, "Cleaned"): ["Contact Number"],
    (REACHOUT_FILE, "Contact Info"): ["Phone", "WhatsApp"],
    (CONTACT_DB_FILE, "Company_Contacts"): ["Cellnumber", "Landline"],
    (CONTACT_DB_FILE, "10-10-25 Capture"): ["Phone"],
    (CONTACT_DB_FILE, "Flight schools"): ["Phone"],
}
EMAIL_COLUMNS: dict[tuple[str, str], list[str | int]] = {
    (SACAA_FILE, "Cleaned"): ["Contact Email Address"],
    (REACHOUT_FILE, "Contact Info"): ["Email"],
    (CONTACT_DB_FILE, "Company_Contacts"): ["Email"],
    (CONTACT_DB_FILE, "10-10-25 Capture"): ["Email"],
    (CONTACT_DB_FILE, "Flight schools"): ["Email", 10, 11, 12, 13],
}
EMAIL_RE = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rows_of(path: Path, sheet: str) -> list[list[Any]]:
    return (
        CalamineWorkbook.from_path(str(path))
        .get_sheet_by_name(sheet)
        .to_python(skip_empty_area=False)
    )


def as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def column_values(rows: list[list[Any]], columns: list[str | int]) -> list[str]:
    header = rows[0]
    idx = [header.index(c) if isinstance(c, str) else c for c in columns]
    return [as_text(r[i]) for r in rows[1:] for i in idx if i < len(r) and as_text(r[i]).strip()]


def scan_phones(texts: list[str]) -> tuple[set[str], int, int]:
    valid: set[str] = set()
    invalid = placeholders = 0
    for text in texts:
        for token in re.split(r";|/|,| or ", text):
            token = token.strip()
            if not token:
                continue
            if not re.search(r"\d", token):
                placeholders += 1
                continue
            digits = re.sub(r"[^\d+]", "", token)
            try:
                number = phonenumbers.parse(digits, "ZA")
                ok = phonenumbers.is_valid_number(number)
            except phonenumbers.NumberParseException:
                ok = False
            if ok:
                valid.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
            else:
                invalid += 1
    return valid, invalid, placeholders


def scan_emails(texts: list[str]) -> tuple[set[str], int, int]:
    valid: set[str] = set()
    junk = placeholders = 0
    for text in texts:
        for token in re.split(r"[;,]", text):
            token = token.strip().lower()
            if not token:
                continue
            if token == "—":
                placeholders += 1
            elif EMAIL_RE.match(token):
                valid.add(token)
            else:
                junk += 1
    return valid, junk, placeholders


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoTruth]:
    out = tmp_path_factory.mktemp("demo")
    return out, demo.write_demo_workbooks(out, seed=7)


# --- determinism ---------------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes_and_other_seed_differs(tmp_path: Path, demo_dir) -> None:
    first, truth = demo_dir
    again = demo.write_demo_workbooks(tmp_path / "again", seed=7)
    other = demo.write_demo_workbooks(tmp_path / "other", seed=8)
    for name in DEMO_FILES:
        assert sha(first / name) == sha(tmp_path / "again" / name)
        assert sha(first / name) != sha(tmp_path / "other" / name)
    assert again.to_dict() == truth.to_dict()
    assert other.to_dict() != truth.to_dict()


def test_small_defaults_are_small(demo_dir) -> None:
    out, _ = demo_dir
    for name in DEMO_FILES:
        assert (out / name).stat().st_size < 200_000


# --- shapes --------------------------------------------------------------------------------------


def test_sheet_names_and_headers(demo_dir) -> None:
    out, _ = demo_dir
    expected_sheets = {
        SACAA_FILE: demo.SACAA_SHEETS,
        REACHOUT_FILE: demo.REACHOUT_SHEETS,
        CONTACT_DB_FILE: demo.CONTACT_DB_SHEETS,
    }
    for name, sheets in expected_sheets.items():
        assert CalamineWorkbook.from_path(str(out / name)).sheet_names == list(sheets)
    headers = {
        (SACAA_FILE, "Cleaned"): demo.SACAA_HEADERS,
        (REACHOUT_FILE, "Organisation"): demo.REACHOUT_ORGANISATION_HEADERS,
        (REACHOUT_FILE, "Contact Info"): demo.REACHOUT_CONTACT_HEADERS,
        (CONTACT_DB_FILE, "Company_Cat"): demo.COMPANY_CAT_HEADERS,
        (CONTACT_DB_FILE, "Order Dates"): demo.ORDER_DATES_HEADERS,
        (CONTACT_DB_FILE, "Company_Contacts"): demo.COMPANY_CONTACTS_HEADERS,
        (CONTACT_DB_FILE, "Company_Notes"): demo.COMPANY_NOTES_HEADERS,
        (CONTACT_DB_FILE, "Company_Addresses"): demo.COMPANY_ADDRESSES_HEADERS,
        (CONTACT_DB_FILE, "10-10-25 Capture"): demo.CAPTURE_HEADERS,
        (CONTACT_DB_FILE, "Flight schools"): demo.FLIGHT_SCHOOLS_HEADERS,
    }
    for (name, sheet), expected in headers.items():
        ws = openpyxl.load_workbook(out / name, read_only=True)[sheet]
        first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True))
        assert tuple(first[: len(expected)]) == tuple(expected), (name, sheet)
    # exact header texts of the real sources
    assert demo.SACAA_HEADERS[0] == "Name of Organisation"
    assert "QuickNooks_Name" in demo.COMPANY_CAT_HEADERS
    caa = rows_of(out / CONTACT_DB_FILE, "CAA")
    assert caa[1][:6] == ["#", "AMO Number", "NAME", "CATEGORIES", "MAIN/ SATELLITE", "LOCATION"]
    assert rows_of(out / REACHOUT_FILE, "Sheet1") == []
    assert rows_of(out / CONTACT_DB_FILE, "Sheet") == []


def test_cell_types_match_the_real_sources(demo_dir) -> None:
    out, _ = demo_dir
    contacts = rows_of(out / CONTACT_DB_FILE, "Company_Contacts")
    cells = [r[6] for r in contacts[1:] if r[6] != ""]
    assert cells and all(isinstance(c, float) for c in cells)  # Cellnumber: integers
    landlines = [r[8] for r in contacts[1:] if r[8] != ""]
    assert any(isinstance(v, float) for v in landlines)
    reach = rows_of(out / REACHOUT_FILE, "Contact Info")
    phones = [r[6] for r in reach[1:] if r[6] != ""]
    assert phones and all(isinstance(p, str) and p.startswith("+27") for p in phones)
    emails = [r[8] for r in reach[1:] if r[8] != ""]
    assert any(e.startswith(("\xa0", " ")) for e in emails)
    assert any("facebook.com" in e for e in emails)
    assert any("," in e or ";" in e for e in emails)
    cat = rows_of(out / CONTACT_DB_FILE, "Company_Cat")
    load = [r[8] for r in cat[1:] if r[8] != ""]
    assert any(isinstance(v, str) and re.fullmatch(r"\d\d/\d\d/\d{4}", v) for v in load)
    assert any(not isinstance(v, str) for v in load)
    capture = rows_of(out / CONTACT_DB_FILE, "10-10-25 Capture")
    assert any("\u2011" in r[8] for r in capture[1:])
    assert any(" — " in r[2] for r in capture[1:])
    sacaa = rows_of(out / SACAA_FILE, "Cleaned")
    assert Counter(r[1] for r in sacaa[1:])["Unknown"] > 0
    assert any(n > 1 for n in Counter(r[0] for r in sacaa[1:]).values())
    assert any(";" in r[4] for r in sacaa[1:])
    assert any(re.search(r'"\w+"', r[4]) for r in sacaa[1:])  # a nickname in quotes
    area = {r[4] for r in rows_of(out / REACHOUT_FILE, "Organisation")[1:]}
    assert area & {"KZN", "Kwa-Zulu Natal", "Kwazulu Natal", "W Cape", "WCape", "GP", "Pretoria"}


def test_reachout_organisation_has_row_formulas(demo_dir) -> None:
    out, _ = demo_dir
    ws = openpyxl.load_workbook(out / REACHOUT_FILE)["Organisation"]
    named = formula_only = 0
    for row in ws.iter_rows(min_row=2):
        name, id_cell = row[0].value, row[1].value
        if name:
            named += 1
            assert id_cell == f"=ROW(A{row[0].row})"
        elif isinstance(id_cell, str) and id_cell.startswith("=ROW("):
            formula_only += 1
    assert named > 0 and formula_only > named
    cached = rows_of(out / REACHOUT_FILE, "Organisation")
    assert all(r[1] == i + 1 for i, r in enumerate(cached) if i > 0 and r[1] != "")


def test_contact_info_id_links_or_is_empty(demo_dir) -> None:
    out, _ = demo_dir
    org = rows_of(out / REACHOUT_FILE, "Organisation")
    name_row = {r[0].casefold(): i + 1 for i, r in enumerate(org) if i > 0 and r[0]}
    ci = [r for r in rows_of(out / REACHOUT_FILE, "Contact Info")[1:] if r[1]]
    empty = [r for r in ci if r[0] == ""]
    assert 0.15 <= len(empty) / len(ci) <= 0.6
    for r in ci:
        if r[0] == "":
            assert r[1].casefold() not in name_row
        else:
            assert name_row[r[1].casefold()] == r[0]


def test_contact_database_lookups_are_broken_like_the_real_one(demo_dir) -> None:
    out, _ = demo_dir
    cat = rows_of(out / CONTACT_DB_FILE, "Company_Cat")
    ids = [r[0] for r in cat[1:] if r[1]]
    assert sum(n - 1 for n in Counter(ids).values()) == 1  # exactly one duplicate C_ID
    companies = [r[1] for r in cat[1:] if r[1]]
    assert any(n > 1 for n in Counter(companies).values())
    assert 0 < sum(1 for r in cat[1:] if r[1] and r[2]) < len(companies)
    assert 0 < sum(1 for r in cat[1:] if r[1] and r[3] != "") < len(companies)
    assert "Last Order" in {r[7] for r in cat[1:]}
    for sheet in ("Company_Contacts", "Company_Addresses", "Company_Notes"):
        rows = [r for r in rows_of(out / CONTACT_DB_FILE, sheet)[1:] if r[1]]
        assert rows, sheet
        assert all(r[1] in companies for r in rows)  # joins on the exact company name
        assert not {r[0] for r in rows} & set(ids)  # the C_ID lookup never yields an id
        assert {type(r[0]) for r in rows} <= {str, float}
    addresses = rows_of(out / CONTACT_DB_FILE, "Company_Addresses")
    assert addresses[0][4] == "" and all(r[4] for r in addresses[1:] if r[1])
    orders = rows_of(out / CONTACT_DB_FILE, "Order Dates")
    accounting = {r[2] for r in cat[1:] if r[2]}
    for r in orders[1:]:
        assert r[3] == (r[0] if r[0] in accounting else "")
    ws = openpyxl.load_workbook(out / CONTACT_DB_FILE)["CAA"]
    assert ws.merged_cells.ranges


# --- truth consistency ---------------------------------------------------------------------------


def test_phone_and_email_truth_matches_the_cells(demo_dir) -> None:
    out, truth = demo_dir
    phone_texts: list[str] = []
    email_texts: list[str] = []
    for (name, sheet), cols in PHONE_COLUMNS.items():
        phone_texts += column_values(rows_of(out / name, sheet), cols)
    for (name, sheet), cols in EMAIL_COLUMNS.items():
        email_texts += column_values(rows_of(out / name, sheet), cols)
    phones, invalid, phone_placeholders = scan_phones(phone_texts)
    emails, junk, email_placeholders = scan_emails(email_texts)
    assert phones == set(truth.valid_phones)
    assert invalid == truth.invalid_phones > 0
    assert phone_placeholders == truth.phone_placeholders
    assert emails == set(truth.valid_emails)
    assert junk == truth.junk_emails > 0
    assert email_placeholders == truth.email_placeholders
    assert all(e == e.lower() for e in truth.valid_emails)


def test_every_valid_phone_is_in_some_cell_read_as_text(demo_dir) -> None:
    out, truth = demo_dir
    blobs = []
    for name in DEMO_FILES:
        wb = CalamineWorkbook.from_path(str(out / name))
        for sheet in wb.sheet_names:
            for row in wb.get_sheet_by_name(sheet).to_python():
                blobs += [re.sub(r"\D", "", as_text(v)) for v in row]
    text = "|".join(blobs)
    for number in truth.valid_phones:
        assert number.startswith("+27")
        assert number[3:] in text


def test_record_entity_points_at_named_rows(demo_dir) -> None:
    out, truth = demo_dir
    name_column = {
        "Cleaned": 0,
        "Organisation": 0,
        "Contact Info": 1,
        "Company_Cat": 1,
        "Company_Contacts": 1,
        "Company_Addresses": 1,
        "Company_Notes": 1,
        "Order Dates": 0,
        "10-10-25 Capture": 1,
        "Flight schools": 0,
    }
    cache: dict[tuple[str, str], list[list[Any]]] = {}
    labels = {e["entity"] for e in truth.entities}
    for key, label in truth.record_entity.items():
        file, sheet, row = key.rsplit("|", 2)
        rows = cache.setdefault((file, sheet), rows_of(out / file, sheet))
        assert str(rows[int(row) - 1][name_column[sheet]]).strip(), key
        assert label in labels
    sources = {
        f"{s['file']}|{s['sheet']}|{s['row']}": e["entity"]
        for e in truth.entities
        for s in e["sources"]
    }
    assert sources == truth.record_entity
    assert len({k.split("|")[0] for k in truth.record_entity}) == 3
    for e in truth.entities:
        assert e["province"] is None or e["province"] in demo.PROVINCES
    for c in truth.contacts:
        rows = cache.setdefault((c["file"], c["sheet"]), rows_of(out / c["file"], c["sheet"]))
        row_text = " ".join(as_text(v) for v in rows[c["row"] - 1])
        assert c["full_name"].split()[0] in row_text
        assert truth.record_entity[f"{c['file']}|{c['sheet']}|{c['row']}"] == c["entity"]
        for address in c["emails"]:
            assert address in row_text.lower()


def test_customers_follow_the_contact_database(demo_dir) -> None:
    out, truth = demo_dir
    assert 0 < len(truth.customers) < len(truth.entities)
    cat = rows_of(out / CONTACT_DB_FILE, "Company_Cat")
    flagged: set[str] = set()
    for i, r in enumerate(cat):
        key = f"{CONTACT_DB_FILE}|Company_Cat|{i + 1}"
        if key in truth.record_entity and (r[3] != "" or r[7] == "Last Order"):
            flagged.add(truth.record_entity[key])
    assert flagged == set(truth.customers)
    assert all(truth.entity(c)["is_customer"] for c in truth.customers)


def test_customers_carry_signal(tmp_path: Path) -> None:
    with_site = [0, 0]
    without = [0, 0]
    for seed in (1, 2, 3):
        truth = demo.write_demo_workbooks(tmp_path / str(seed), seed=seed, n_organisations=150)
        for e in truth.entities:
            if not any(s["sheet"] == "Company_Cat" for s in e["sources"]):
                continue
            bucket = with_site if e["website"] else without
            bucket[0] += e["is_customer"]
            bucket[1] += 1
    assert with_site[0] / with_site[1] > without[0] / without[1]


def test_cross_file_overlap_and_branches(demo_dir) -> None:
    _, truth = demo_dir
    multi_file = [e for e in truth.entities if len({s["file"] for s in e["sources"]}) > 1]
    assert len(multi_file) >= 10
    assert any(len(e["names"]) > 1 for e in truth.entities)
    assert any(any("(Pty) Ltd" in n for n in e["names"]) for e in truth.entities)
    assert any(any("Flying School" in n for n in e["names"]) for e in truth.entities)
    assert truth.branch_pairs
    for a, b in truth.branch_pairs:
        ea, eb = truth.entity(a), truth.entity(b)
        assert ea["domain"] != eb["domain"]
        assert not set(ea["phones"]) & set(eb["phones"])
        assert eb["branch_of"] == a


def test_truth_json_round_trip(tmp_path: Path, demo_dir) -> None:
    _, truth = demo_dir
    path = truth.write_json(tmp_path / "truth.json")
    data = json.loads(path.read_text())
    assert set(data) >= {
        "entities", "record_entity", "valid_phones", "valid_emails", "invalid_phones",
        "junk_emails", "contacts", "customers",
    }  # fmt: skip
    assert DemoTruth.read_json(path).to_dict() == truth.to_dict()


# --- other generators ----------------------------------------------------------------------------


@pytest.mark.parametrize("header_row", [1, 3, 5])
def test_generic_workbook_header_row(tmp_path: Path, header_row: int) -> None:
    path = tmp_path / "leads.xlsx"
    info = demo.write_generic_workbook(path, n_rows=25, header_row=header_row)
    rows = rows_of(path, info["sheet"])
    assert rows[header_row - 1] == list(demo.GENERIC_HEADERS)
    assert all("Company Name" not in r for r in rows[: header_row - 1])
    assert len([r for r in rows[header_row:] if r[0]]) == info["n_rows"] == 25
    assert info["mapping"]["Internal Ref"] is None
    assert info["mapping"]["Company Name"] == "organisation_name"
    assert set(info["mapping"]) == set(demo.GENERIC_HEADERS)
    cells = column_values(rows[header_row - 1 :], ["Cell", "Tel"])
    assert scan_phones(cells)[0] == set(info["valid_phones"])
    assert scan_emails(column_values(rows[header_row - 1 :], ["E-mail address"]))[0] == set(
        info["valid_emails"]
    )


def test_generic_workbook_truth_mapping_is_what_capture_maps(tmp_path: Path) -> None:
    from hotpass_assets.lib.capture import capture_workbook

    path = tmp_path / "leads.xlsx"
    info = demo.write_generic_workbook(path, n_rows=20)
    result = capture_workbook(path, partition_key="k", content_hash="0" * 64, source_file=path.name)
    mapping = result.mapping[info["sheet"]]
    got = {m["header"]: m["field"] for m in mapping["mapped"]}
    got.update(dict.fromkeys(mapping["unmapped"]))
    assert got == info["mapping"]


def test_large_sheet(tmp_path: Path) -> None:
    path = tmp_path / "large.xlsx"
    demo.write_large_sheet(path, n_rows=500)
    wb = CalamineWorkbook.from_path(str(path))
    assert wb.sheet_names == ["Cleaned"]
    rows = wb.get_sheet_by_name("Cleaned").to_python()
    assert rows[0] == list(demo.SACAA_HEADERS)
    assert len(rows) == 501
    again = tmp_path / "again.xlsx"
    demo.write_large_sheet(again, n_rows=500)
    assert rows_of(again, "Cleaned") == rows_of(path, "Cleaned")


def test_variant_repeats_adds_and_bridges(tmp_path: Path, demo_dir) -> None:
    _, base = demo_dir
    path = tmp_path / "workbook_b.xlsx"
    variant = demo.write_variant(path, base, seed=21, repeat_fraction=0.5, bridge_pairs=2)
    assert CalamineWorkbook.from_path(str(path)).sheet_names == list(demo.SACAA_SHEETS)
    rows = rows_of(path, "Cleaned")
    assert rows[0] == list(demo.SACAA_HEADERS)
    base_labels = {e["entity"] for e in base.entities}
    repeated = [e for e in variant.entities if e["entity"] in base_labels]
    new = [e for e in variant.entities if e["entity"] not in base_labels]
    assert len(repeated) >= 0.4 * len(base.entities) and new
    top = max(int(label[1:]) for label in base_labels)
    assert all(int(e["entity"][1:]) > top for e in new)
    base_keys = {demo._key(e["name"]) for e in base.entities}
    assert all(demo._key(e["name"]) not in base_keys for e in new)
    bridged_names = {b["name_entity"] for b in variant.bridges}
    for e in repeated:  # shares a phone or domain with the base (bridge rows carry other evidence)
        if e["entity"] in bridged_names:
            continue
        b = base.entity(e["entity"])
        assert set(e["phones"]) & set(b["phones"]) or (e["domain"] and e["domain"] == b["domain"])
    assert len(variant.bridges) == 2
    for bridge in variant.bridges:
        row = rows[bridge["row"] - 1]
        x, y = base.entity(bridge["name_entity"]), base.entity(bridge["evidence_entity"])
        assert x["entity"] != y["entity"]
        assert row[0] == x["name"]
        assert y["domain"] in (row[3] + row[6])
        assert row[5].replace(" ", "") in y["phones"]
        assert variant.record_entity[f"{path.name}|Cleaned|{bridge['row']}"] == x["entity"]
    again = tmp_path / "again.xlsx"
    demo.write_variant(again, base, seed=21, repeat_fraction=0.5, bridge_pairs=2)
    assert sha(again) == sha(path)


def test_broken_workbooks(tmp_path: Path) -> None:
    missing = tmp_path / "missing.xlsx"
    demo.write_broken_workbook(missing, "missing_column")
    header = rows_of(missing, "Cleaned")[0]
    assert "Name of Organisation" not in header and "Province" in header

    drift = tmp_path / "drift.xlsx"
    demo.write_broken_workbook(drift, "drift")
    rows = rows_of(drift, "Cleaned")
    assert rows[0] == list(demo.SACAA_HEADERS)
    _, bad_phones, _ = scan_phones(column_values(rows, ["Contact Number"]))
    _, junk, _ = scan_emails(column_values(rows, ["Contact Email Address"]))
    assert bad_phones / (len(rows) - 1) >= 0.25 and junk / (len(rows) - 1) >= 0.25

    unreadable = tmp_path / "unreadable.xlsx"
    demo.write_broken_workbook(unreadable, "unreadable")
    assert unreadable.read_bytes()[:2] == b"PK"
    with pytest.raises(zipfile.BadZipFile):
        openpyxl.load_workbook(unreadable)
    with pytest.raises(Exception):  # noqa: B017 - calamine raises its own error types
        CalamineWorkbook.from_path(str(unreadable))

    with pytest.raises(ValueError):
        demo.write_broken_workbook(tmp_path / "x.xlsx", "nonsense")
