"""Capture on small synthetic workbooks (invented values only)."""

import datetime as dt
import json

import pandas as pd
import pytest

from hotpass_assets.lib import normalise as nz
from hotpass_assets.lib.capture import capture_workbook, sheet_slug
from hotpass_assets.lib.capture import fast as capture_fast
from hotpass_assets.lib.capture import offload as capture_offload
from hotpass_assets.lib.capture import parsers as capture_parsers
from hotpass_assets.lib.reading import WorkbookReadError
from hotpass_assets.lib.records import (
    CAPTURE_CONTACT_COLUMNS,
    CAPTURE_ORGANISATION_COLUMNS,
    REJECT_COLUMNS,
)
from hotpass_assets_tests.lib.workbooks import write_xlsx

HASH = "abcdef0123456789" * 4


def run(path, profile=None):
    return capture_workbook(
        path, partition_key="2026-01-01_test_abc", content_hash=HASH, source_file=path.name,
        profile=profile,
    )  # fmt: skip


def by_sheet(result):
    return {s["sheet"]: s for s in result.sheets}


def assert_row_accounting(result):
    for s in result.sheets:
        if s["role"] in ("ignore", "unlisted") or "rows_captured" not in s:
            continue
        total = s["rows_captured"] + s["rows_rejected"] + s["empty_rows"] + s["formula_rows"]
        assert total == s["rows_read"], s["sheet"]


def assert_shapes(result):
    assert list(result.organisations.columns) == list(CAPTURE_ORGANISATION_COLUMNS)
    assert list(result.contacts.columns) == list(CAPTURE_CONTACT_COLUMNS)
    assert list(result.rejects.columns) == list(REJECT_COLUMNS)
    org_ids = set(result.organisations["record_id"])
    assert len(org_ids) == len(result.organisations)
    assert result.contacts["contact_record_id"].is_unique
    assert set(result.contacts["organisation_record_id"]) <= org_ids
    linked = result.organisations["link_record_id"].dropna()
    assert set(linked) <= org_ids


# --- SACAA-shaped ------------------------------------------------------------------------------

SACAA_HEADERS = [
    "Name of Organisation", "Province", "Status", "Website URL", "Contact Person",
    "Contact Number", "Contact Email Address",
]  # fmt: skip


@pytest.fixture
def sacaa(tmp_path):
    rows = [
        SACAA_HEADERS,
        # 2: one person, paired values
        ["Alpha Flight School (Pty) Ltd", "Gauteng", "Active", "www.alpha-example.co.za/?x=1",
         "Anna Alpha (CFI)", "+27 82 123 4567", "anna@alpha-example.co.za"],
        # 3: two people, two e-mails, two phones: paired by position
        ["Beta Aviation", "KZN", "Active", "https://beta-example.com/",
         "Ben Beta (Owner); Bea Beta (Head of Training)", "0821112222; 0833334444",
         "ben@beta-example.com; bea@beta-example.com"],
        # 4: two people, one e-mail: attached to both, with a coded note
        ["Gamma Aero Club", "Unknown", "Invalid", None, "Gus Gamma & Gina Gamma", None,
         "club@gamma-example.co.za"],
        # 5: no person: contact points are the organisation's; invalid values are rejected
        ["Delta Air", "Western Cape", "Active", "not a site", None, "12345; +27 21 555 0100",
         "info@delta-example.co.za; https://facebook.com/delta"],
        # 6: no organisation name: a reject with the whole row kept
        [None, "Gauteng", "Active", None, "Orphan Person", "0821234567", None],
        # 7: empty row
        [None, None, None, None, None, None, None],
        # 8: a desk instead of a person
        ["Epsilon Flyers", "Limpopo", "Active", None, "Reception", "0157771234", None],
    ]  # fmt: skip
    return write_xlsx(tmp_path / "sacaa_small.xlsx", {"Cleaned": rows, "Issues": [["Row"]]})


def test_sacaa_capture_records_and_pairing(sacaa):
    result = run(sacaa)
    assert (result.profile_name, result.workbook_kind) == ("aviation", "sacaa")
    assert (result.source_dataset, result.source_trust) == ("sacaa", 3)
    assert_shapes(result)
    assert_row_accounting(result)
    orgs = result.organisations.set_index("source_row")
    assert list(orgs.index) == [2, 3, 4, 5, 8]
    assert orgs.loc[2, "record_id"] == f"{HASH[:12]}:cleaned:2"
    assert orgs.loc[2, "name_key"] == nz.organisation_key("Alpha Flight School (Pty) Ltd")
    assert orgs.loc[2, "website"] == "https://alpha-example.co.za"
    assert orgs.loc[2, "domain"] == "alpha-example.co.za"
    assert orgs.loc[3, "province"] == "KwaZulu-Natal"
    assert orgs.loc[4, "province"] is None and orgs.loc[4, "province_raw"] == "Unknown"
    assert set(orgs["record_kind"]) == {"organisation"}
    assert orgs.loc[2, "country"] == "South Africa"
    assert json.loads(orgs.loc[2, "source_columns"])["organisation_name"] == "Name of Organisation"

    contacts = result.contacts.set_index("contact_record_id")
    anna = contacts.loc[f"{HASH[:12]}:cleaned:2#1"]
    assert (anna["full_name"], anna["role"]) == ("Anna Alpha", "CFI")
    assert anna["emails"] == ["anna@alpha-example.co.za"] and anna["phones"] == ["+27821234567"]
    assert anna["organisation_record_id"] == orgs.loc[2, "record_id"]

    ben, bea = contacts.loc[f"{HASH[:12]}:cleaned:3#1"], contacts.loc[f"{HASH[:12]}:cleaned:3#2"]
    assert (ben["first_name"], ben["emails"], ben["phones"]) == (
        "Ben",
        ["ben@beta-example.com"],
        ["+27821112222"],
    )
    assert (bea["role"], bea["emails"], bea["phones"]) == (
        "Head of Training",
        ["bea@beta-example.com"],
        ["+27833334444"],
    )

    gus, gina = contacts.loc[f"{HASH[:12]}:cleaned:4#1"], contacts.loc[f"{HASH[:12]}:cleaned:4#2"]
    assert gus["emails"] == gina["emails"] == ["club@gamma-example.co.za"]
    assert "ambiguous_contact_pairing" in orgs.loc[4, "notes"]

    # Row 5: no person, so the organisation carries the valid values.
    assert orgs.loc[5, "emails"] == ["info@delta-example.co.za"]
    assert orgs.loc[5, "phones"] == ["+27215550100"]
    assert orgs.loc[5, "website"] is None
    # Row 8: the desk text is kept in notes; its phone is the organisation's.
    assert "Contact Person: Reception" in orgs.loc[8, "notes"]
    assert orgs.loc[8, "phones"] == ["+27157771234"]

    rejects = result.rejects
    codes = rejects.groupby("reason_code").size().to_dict()
    assert codes == {
        "invalid_phone": 1, "invalid_email": 1, "invalid_website": 1, "missing_organisation_name": 1,
    }  # fmt: skip
    phone = rejects[rejects.reason_code == "invalid_phone"].iloc[0]
    assert (phone.source_row, phone.source_column, phone.field, phone.raw_value) == (
        5,
        "Contact Number",
        "contact_phones",
        "12345",
    )
    missing = rejects[rejects.reason_code == "missing_organisation_name"].iloc[0]
    assert missing.source_row == 6 and "Orphan Person" in missing.raw_value
    assert set(rejects["source_file"]) == {"sacaa_small.xlsx"}

    stats = by_sheet(result)
    cleaned = stats["Cleaned"]
    assert (cleaned["rows_read"], cleaned["empty_rows"], cleaned["rows_captured"]) == (7, 1, 5)
    assert cleaned["rows_rejected"] == 1
    assert cleaned["values_rejected"] == {
        "contact_phones": 1, "contact_emails": 1, "website": 1,
    }  # fmt: skip
    assert cleaned["ambiguous_contact_pairings"] == 1
    assert stats["Issues"]["role"] == "ignore" and stats["Issues"]["ignored_reason"]
    assert result.structural_errors == []


# --- Reachout-shaped ---------------------------------------------------------------------------


def reachout_workbook(path):
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    org = wb.add_worksheet("Organisation")
    org.write_row(0, 0, ["Organisation Name", "ID", "Reachout Date", "Area", "Type", "Website",
                         "Planes", "Notes"])  # fmt: skip
    named = [
        ["Alpha Aviation", "Kwa-Zulu Natal", "Fixed-wing", "alpha-example.co.za", "C172; PA28"],
        ["Beta Helicopters", "Gauteng", "Helicopter", None, "R44, R22"],
        ["Gamma Flight Academy", "Western Cape", None, None, None],
    ]
    for r, (name, area, typ, web, planes) in enumerate(named, start=1):
        org.write(r, 0, name)
        org.write_formula(r, 1, "=ROW()", None, r + 1)
        org.write_datetime(r, 2, dt.datetime(2025, 3, r), date_fmt)
        org.write(r, 3, area)
        if typ:
            org.write(r, 4, typ)
        if web:
            org.write(r, 5, web)
        if planes:
            org.write(r, 6, planes)
    for r in range(4, 10):  # id-only formula rows
        org.write_formula(r, 1, "=ROW()", None, r + 1)
    ci = wb.add_worksheet("Contact Info")
    ci.write_row(0, 0, ["ID", "Organisation Name", "Reachout Date", "Firstname", "Surname",
                        "Position", "Phone", "WhatsApp", "Email", "Invalid", None])  # fmt: skip
    contacts = [
        # by id
        [2, "Alpha Aviation", "Ann", "Able", "CFI", "+27821230001", "+27831230001",
         "\u00a0ann@alpha-example.co.za", None, "prefers mornings"],
        # id empty: by name (different spacing)
        [None, "Beta  Helicopters", "Bob", "Bee", "Owner", 27821230002, None,
         "bob@beta-example.com, sales@beta-example.com", 1, None],
        # id points at an id-only formula row: falls back to the name
        [7, "Gamma Flight Academy (Pty) Ltd", "Gia", None, None, None, None,
         "gia@gamma-example.co.za", None, None],
        # organisation not on the Organisation sheet: becomes its own organisation
        [None, "Zeta Air Charter", "Zed", "Zulu", "Ops", "0821230004", None, None, None, None],
        # only the organisation name (no person)
        [None, "Alpha Aviation", None, None, None, None, None, None, None, None],
        # nothing to link with
        [None, None, "Nameless", None, None, "0821230005", None, None, None, None],
    ]  # fmt: skip
    for r, row in enumerate(contacts, start=1):
        for c, value in enumerate(row):
            col = c if c < 2 else c + 1
            if value is not None:
                ci.write(r, col, value)
        ci.write_datetime(r, 2, dt.datetime(2025, 4, 1), date_fmt)
    wb.add_worksheet("Sheet1")
    wb.close()
    return path


def test_reachout_links_by_id_then_name(tmp_path):
    result = run(reachout_workbook(tmp_path / "reach.xlsx"))
    assert result.workbook_kind == "reachout"
    assert_shapes(result)
    assert_row_accounting(result)
    stats = by_sheet(result)
    org_stats = stats["Organisation"]
    assert (org_stats["rows_read"], org_stats["formula_rows"], org_stats["rows_captured"]) == (
        9,
        6,
        3,
    )
    assert org_stats["formula_rows_verified"] == 6

    orgs = result.organisations
    listing = orgs[(orgs.source_sheet == "Organisation")].set_index("source_row")
    assert listing.loc[2, "province"] == "KwaZulu-Natal"
    assert listing.loc[2, "aircraft_types"] == ["C172", "PA28"]
    assert listing.loc[3, "aircraft_types"] == ["R44", "R22"]
    assert listing.loc[2, "interaction_date"] == dt.date(2025, 3, 1)
    assert listing.loc[2, "website"] == "https://alpha-example.co.za"

    ci = stats["Contact Info"]
    assert ci["linked_by"] == {"id": 1, "name": 2, "name_key": 1}
    assert ci["rows_rejected"] == 1 and ci["rows_missing_organisation_name"] == 1

    contacts = result.contacts.set_index("source_row")
    ann = contacts.loc[2]
    assert ann["link_method"] == "id"
    assert ann["organisation_record_id"] == listing.loc[2, "record_id"]
    assert ann["phones"] == ["+27821230001", "+27831230001"]  # WhatsApp is a phone
    assert ann["emails"] == ["ann@alpha-example.co.za"]
    bob = contacts.loc[3]
    assert (
        bob["link_method"] == "name"
        and bob["organisation_record_id"] == listing.loc[3, "record_id"]
    )
    assert bob["phones"] == ["+27821230002"]  # a number cell keeps every digit
    assert bool(bob["is_invalid"]) is True
    assert bob["emails"] == ["bob@beta-example.com", "sales@beta-example.com"]
    gia = contacts.loc[4]
    assert gia["link_method"] == "name_key"
    assert gia["organisation_record_id"] == listing.loc[4, "record_id"]
    zed = contacts.loc[5]
    assert zed["link_method"] == "own_row"
    own = orgs.set_index("record_id").loc[zed["organisation_record_id"]]
    assert (own["record_kind"], own["organisation_name"], own["source_sheet"]) == (
        "organisation",
        "Zeta Air Charter",
        "Contact Info",
    )
    # The free-text column is kept as a note of the row's attribute record.
    attrs = orgs[(orgs.source_sheet == "Contact Info") & (orgs.record_kind == "attribute")]
    row2 = attrs.set_index("source_row").loc[2]
    assert "prefers mornings" in row2["notes"]
    assert row2["link_record_id"] == listing.loc[2, "record_id"] and row2["link_method"] == "id"
    # The name-only row is captured as an attribute of its organisation.
    assert 6 in set(attrs["source_row"])
    reject = result.rejects.set_index("reason_code").loc["missing_organisation_name"]
    assert reject["source_row"] == 7 and reject["source_sheet"] == "Contact Info"
    assert stats["Sheet1"]["role"] == "ignore"


# --- Contact-Database-shaped -------------------------------------------------------------------


def contact_db_workbook(path, *, drop_contacts=False, extra_sheet=False, lower_names=False):
    sheets = {
        "Company_Cat": [
            ["C_ID", "Company", "QuickNooks_Name", "Last_Order_Date", "Category", "Strat",
             "Priority", "Status", "LoadDate", "Checked", "Website"],
            [1, "Alpha Aviation (Pty) Ltd", "Alpha Avn", dt.datetime(2024, 1, 10), "Flight School",
             "Grow", None, "Last Order", "05/02/2024", None, "alpha-example.co.za"],
            [2, "Beta Brokers", None, None, "Brokers", None, "High", "Investigate",
             dt.datetime(2024, 3, 1), 1, None],
            [3, "Gamma AMO", "Gamma Maintenance", None, "AMO", None, None, "NTC", None, None, None],
        ],
        "Company_Contacts": [
            ["C_ID", "Company", "Status", "FirstName", "Surname", "Position", "Cellnumber", "Email",
             "Landline"],
            ["Alpha Avn", "Alpha Aviation (Pty) Ltd", "A", "Carl", "Cee", "Accounts", 27821230010,
             "carl@alpha-example.co.za", "011\u00a0555\u00a00101"],
            [0, "Beta Brokers", "A", "Dora", None, None, None, "dora@beta-example.com", None],
            [0, "Unknown Company", "A", "Eve", None, None, 27821230011, None, None],
        ],
        "Company_Addresses": [
            ["C_ID", "Company", "Type", "Airport", None],
            ["Alpha Avn", "Alpha Aviation (Pty) Ltd", "Head", "Rand", "Hangar 1, Rand Airport, Germiston"],
            [0, "Gamma AMO", "Postal", None, "PO Box 1, Somewhere, 0001"],
        ],
        "Order Dates": [
            ["Company_QuickBooks+", "Order_Dates", "Once-Off", "Captured"],
            ["Alpha Avn", dt.datetime(2024, 6, 1), None, "Alpha Avn"],
            ["Alpha Avn ", dt.datetime(2023, 6, 1), None, "Alpha Avn"],
            ["Gamma Maintenance", dt.datetime(2022, 2, 2), 1, "Gamma Maintenance"],
            ["Omega Traders", dt.datetime(2021, 1, 1), None, None],
        ],
        "Company_Notes": [
            ["C_ID", "Company", "Order", "Notes"],
            [0, "Beta Brokers", None, "Call back in March"],
        ],
        "10-10-25 Capture": [
            [None, "School", "Contact person (role)", "Phone", "Email", "Addresses", "Planes",
             "Website", "Description", "Type"],
            [None, "Kappa Flight School", "Kim Kay \u2014 Chief Flying Instructor", "+27 82 123 0020",
             "kim@kappa-example.co.za", "Kappa Airfield, Limpopo", "C152; C172", "kappa-example.co.za",
             "Ab\u2011initio training", "Fixed-wing"],
            ["stray", "Lambda Aero", "\u2014", "\u2014", "\u2014", None, None, None, None, None],
        ],
        "Flight schools": [
            ["School", "Contact person (role)", "Phone", "Email", "Addresses", "Planes", "Website",
             "Description type", None, None, "extra-1", None],
            ["Mu Aviation Academy", "Mo Mu (Owner)", "0821230030", "mo@mu-example.co.za", None, None,
             None, "PPL", "Fixed-wing", None, "also ops@mu-example.co.za or 011 555 0199", None],
        ],
        "CAA": [["Register"], ["#", "AMO Number", "NAME"]],
        "Admin": [["Company Categores"], ["AMO"]],
        "Sheet1": [["x", "y"]],
        "Sheet": [],
        "Sheet 1": [["Insurance"]],
        "Aviation Codes": [["C_ID", "Company", "Code"]],
        "FL extended": [["Mu Aviation Academy"]],
    }  # fmt: skip
    if drop_contacts:
        del sheets["Company_Contacts"]
    if extra_sheet:
        sheets["Scratch"] = [["something", "else"], ["a", "b"]]
    if lower_names:
        sheets = {name.lower(): rows for name, rows in sheets.items()}
    return write_xlsx(path, sheets)


def test_contact_database_joins_by_name_and_accounting_name(tmp_path):
    result = run(contact_db_workbook(tmp_path / "crm.xlsx"))
    assert result.workbook_kind == "contact_db"
    assert_shapes(result)
    assert_row_accounting(result)
    orgs = result.organisations
    cat = orgs[orgs.source_sheet == "Company_Cat"].set_index("organisation_name")
    alpha = cat.loc["Alpha Aviation (Pty) Ltd"]
    assert alpha["accounting_name"] == "Alpha Avn"
    assert alpha["order_status"] == "Last Order" and alpha["status"] == "Last Order"
    assert alpha["interaction_date"] == dt.date(2024, 2, 5)  # day-first text date
    assert alpha["order_count"] == 2 and alpha["last_order_date"] == dt.date(2024, 6, 1)
    assert "Strat: Grow" in alpha["notes"]
    assert cat.loc["Beta Brokers", "order_status"] is None
    assert cat.loc["Beta Brokers", "order_count"] == 0
    gamma = cat.loc["Gamma AMO"]
    assert gamma["order_count"] == 1 and gamma["last_order_date"] == dt.date(2022, 2, 2)

    # Contacts join on Company, never on the broken C_ID.
    contacts = result.contacts.set_index("first_name")
    carl = contacts.loc["Carl"]
    assert carl["organisation_record_id"] == alpha["record_id"] and carl["link_method"] == "name"
    assert carl["phones"] == ["+27821230010", "+27115550101"]
    assert contacts.loc["Dora", "organisation_record_id"] == cat.loc["Beta Brokers", "record_id"]
    assert "Eve" not in contacts.index
    unlinked = result.rejects[result.rejects.reason_code == "unlinked_row"]
    assert set(unlinked["source_sheet"]) == {"Company_Contacts", "Order Dates"}
    assert any("Unknown Company" in r for r in unlinked["reason"])
    assert any("Omega Traders" in r for r in unlinked["reason"])

    # Addresses: attribute records with the unnamed 5th column as the address.
    addr = orgs[orgs.source_sheet == "Company_Addresses"].set_index("source_row")
    assert set(addr["record_kind"]) == {"attribute"}
    assert addr.loc[2, "address"] == "Hangar 1, Rand Airport, Germiston"
    assert addr.loc[2, "link_record_id"] == alpha["record_id"]
    assert addr.loc[3, "link_record_id"] == gamma["record_id"]
    assert "Type: Postal" in addr.loc[3, "notes"]

    order_rows = orgs[orgs.source_sheet == "Order Dates"]
    assert len(order_rows) == 3 and set(order_rows["record_kind"]) == {"attribute"}
    assert set(order_rows["link_method"]) == {"accounting_name"}
    assert order_rows["order_count"].isna().all()
    assert int(orgs["order_count"].fillna(0).sum()) == 3  # each order counted once

    note = orgs[orgs.source_sheet == "Company_Notes"].iloc[0]
    assert note["link_record_id"] == cat.loc["Beta Brokers", "record_id"]
    assert "Call back in March" in note["notes"]

    # Capture sheets are full sources of organisations and contacts.
    kappa = orgs[orgs.organisation_name == "Kappa Flight School"].iloc[0]
    assert kappa["aircraft_types"] == ["C152", "C172"]
    assert kappa["org_type"] == "Fixed-wing"
    kim = contacts.loc["Kim"]
    assert (kim["role"], kim["organisation_record_id"]) == (
        "Chief Flying Instructor",
        kappa["record_id"],
    )
    lam = orgs[orgs.organisation_name == "Lambda Aero"].iloc[0]
    assert "column_1: stray" in lam["notes"]
    # Spill-over columns: text in notes, e-mails and phones found there kept.
    mu = orgs[orgs.organisation_name == "Mu Aviation Academy"].iloc[0]
    assert mu["org_type"] == "Fixed-wing"
    assert "extra-1: also ops@mu-example.co.za or 011 555 0199" in mu["notes"]
    assert "ops@mu-example.co.za" in mu["emails"] and "+27115550199" in mu["phones"]

    stats = by_sheet(result)
    assert stats["Company_Contacts"]["ignored_columns"] == {
        "C_ID": "broken VLOOKUP that yields the accounting name or 0, never the company id."
    }
    for scrap in ("CAA", "Admin", "Sheet1", "Sheet", "Sheet 1", "Aviation Codes", "FL extended"):
        assert stats[scrap]["role"] == "ignore" and stats[scrap]["ignored_reason"]
    assert stats["10-10-25 Capture"]["placeholders"]["contact_phones"] == 1
    assert result.structural_errors == []
    summary = result.summary()
    assert summary["rejects_by_reason"]["unlinked_row"] == 2


def test_order_rows_fall_back_to_the_company_name(tmp_path):
    path = contact_db_workbook(tmp_path / "Contact Database.xlsx")
    import openpyxl

    wb = openpyxl.load_workbook(path)
    cat = wb["Company_Cat"]
    cat.append([4, "Sigma Aviation Academy North"])
    cat.append([5, "Sigma Aviation Academy Norte"])
    orders = wb["Order Dates"]
    orders.delete_rows(2, orders.max_row)
    for name in [
        "Alpha Avn",  # the accounting name
        "ALPHA AVN.",  # its organisation key
        "Beta Brokers",  # no accounting name on the master: its Company name
        "Beta Brokers (Pty) Ltd",  # the Company name's key
        "Gamma AMOO",  # fuzzy on the Company key (the master's accounting name differs)
        "Sigma Aviation Academy Nort",  # two equally close masters: not linked
        "Omega Traders",  # nothing close
    ]:
        orders.append([name, dt.datetime(2024, 6, 1)])
    wb.save(path)

    result = run(path)
    assert_shapes(result)
    assert_row_accounting(result)
    orgs = result.organisations
    master = orgs[orgs.source_sheet == "Company_Cat"].set_index("organisation_name")["record_id"]
    linked = orgs[orgs.source_sheet == "Order Dates"].set_index("source_row")
    assert linked["link_method"].to_dict() == {
        2: "accounting_name",
        3: "accounting_name_key",
        4: "accounting_name_to_company",
        5: "accounting_name_to_company_key",
        6: "accounting_name_to_company_fuzzy",
    }
    assert linked["link_record_id"].to_dict() == {
        2: master["Alpha Aviation (Pty) Ltd"],
        3: master["Alpha Aviation (Pty) Ltd"],
        4: master["Beta Brokers"],
        5: master["Beta Brokers"],
        6: master["Gamma AMO"],
    }
    stats = by_sheet(result)["Order Dates"]
    assert stats["linked_by"] == {
        "accounting_name": 1,
        "accounting_name_key": 1,
        "accounting_name_to_company": 1,
        "accounting_name_to_company_key": 1,
        "accounting_name_to_company_fuzzy": 1,
    }
    assert (stats["rows_unlinked"], stats["rows_rejected"]) == (2, 2)
    rejects = result.rejects[result.rejects.source_sheet == "Order Dates"].set_index("source_row")
    assert set(rejects["reason_code"]) == {"unlinked_row"}
    assert sorted(rejects.index) == [7, 8]
    reason = rejects.loc[8, "reason"]
    assert "QuickNooks_Name = 'Omega Traders' (accounting_name)" in reason
    assert "Company = 'Omega Traders' (accounting_name_to_company)" in reason
    counts = orgs[orgs.source_sheet == "Company_Cat"].set_index("organisation_name")["order_count"]
    assert (counts["Alpha Aviation (Pty) Ltd"], counts["Beta Brokers"], counts["Gamma AMO"]) == (
        2,
        2,
        1,
    )


def test_sheet_names_match_leniently_and_joins_still_work(tmp_path):
    result = run(contact_db_workbook(tmp_path / "Contact Database.xlsx", lower_names=True))
    assert result.workbook_kind == "contact_db"
    stats = by_sheet(result)
    assert stats["company_contacts"]["linked_by"] == {"name": 2}
    assert stats["company_addresses"]["rows_unlinked"] == 0
    assert set(result.organisations["source_sheet"]) >= {"company_cat", "company_addresses"}
    assert [e for e in result.structural_errors if e["severity"] == "error"] == []


def test_missing_sheet_and_unlisted_sheet_are_structural(tmp_path):
    # Recognised by its file name; the shape check fails because a sheet is missing.
    path = contact_db_workbook(
        tmp_path / "Contact Database copy.xlsx", drop_contacts=True, extra_sheet=True
    )
    result = run(path)
    rules = {(e["sheet"], e["rule"], e["severity"]) for e in result.structural_errors}
    assert ("Company_Contacts", "missing_sheet", "error") in rules
    assert ("Scratch", "unlisted_sheet", "warning") in rules
    assert len(result.organisations) > 0  # the rest is still captured
    assert by_sheet(result)["Scratch"]["role"] == "unlisted"


def test_missing_required_column_is_reported_not_raised(tmp_path):
    headers = [h for h in SACAA_HEADERS if h != "Name of Organisation"]
    path = write_xlsx(tmp_path / "sacaa_broken.xlsx", {"Cleaned": [headers, ["Gauteng", "Active"]]})
    result = run(path, profile="aviation:sacaa")
    errors = [e for e in result.structural_errors if e["severity"] == "error"]
    assert errors and errors[0]["rule"] == "missing_required_column"
    assert errors[0]["column"] == "Name of Organisation" and errors[0]["sheet"] == "Cleaned"
    assert "Name of Organisation" in errors[0]["message"]
    assert result.blocking_errors == errors
    # Nothing silently lost: the row is a reject.
    assert list(result.rejects["reason_code"]) == ["missing_organisation_name"]
    assert_row_accounting(result)


# --- generic -----------------------------------------------------------------------------------


def test_generic_workbook_with_header_on_row_three(tmp_path):
    path = write_xlsx(
        tmp_path / "Partner leads.xlsx",
        {
            "Leads": [
                ["Partner leads, exported"],
                [None],
                ["Name of School", "Contact Persn", "E-mail adress", "Cell no", "Region",
                 "Favourite colour", "Web"],
                ["Nu Flight Training", "Nia Nu (CFI)", "nia@nu-example.co.za", "082 123 0040",
                 "Free State", "blue", "nu-example.co.za"],
                ["Xi Aviation", None, "not-an-email", "0821230041", "PMB", None, None],
                [None, "Stray Person", None, None, None, None, None],
            ],
            "Notes": [["just", "notes"], ["a", "b"]],
        },
    )  # fmt: skip
    result = run(path)
    assert (result.profile_name, result.workbook_kind) == ("generic", "generic")
    assert result.source_dataset == "generic_partner_leads"
    assert_shapes(result)
    assert_row_accounting(result)
    leads = result.mapping["Leads"]
    assert leads["header_row"] == 3
    mapped = {m["header"]: (m["field"], m["method"]) for m in leads["mapped"]}
    assert mapped["Name of School"] == ("organisation_name", "fuzzy")
    assert mapped["E-mail adress"] == ("contact_emails", "fuzzy")
    assert mapped["Contact Persn"][0] == "full_name"
    assert mapped["Region"] == ("province", "synonym")
    assert mapped["Web"] == ("website", "synonym")
    assert "Favourite colour" in leads["unmapped"]
    orgs = result.organisations.set_index("source_row")
    assert orgs.loc[4, "notes"] == "Favourite colour: blue"
    assert orgs.loc[4, "province"] == "Free State"
    assert orgs.loc[5, "phones"] == ["+27821230041"]
    nia = result.contacts.iloc[0]
    assert (nia["full_name"], nia["role"], nia["emails"]) == (
        "Nia Nu",
        "CFI",
        ["nia@nu-example.co.za"],
    )
    assert nia["phones"] == ["+27821230040"]
    assert set(result.rejects["reason_code"]) == {"invalid_email", "missing_organisation_name"}
    stats = by_sheet(result)
    assert stats["Notes"]["role"] == "ignore"
    assert "organisation_name" in stats["Notes"]["ignored_reason"]
    assert result.structural_errors == []


def test_control_characters_are_dropped_and_a_name_of_only_them_is_missing(tmp_path):
    """An XLSX text may hold NUL and other control characters (written ``_x0000_``): they are
    dropped from every value; a name left empty is a missing name, not a placeholder, and a
    placeholder name is still called one."""
    path = write_xlsx(
        tmp_path / "leads.xlsx",
        {
            "Leads": [
                ["Organisation", "Contact person", "Province", "Notes"],
                ["Alpha_x0000_ Aviation", "Jan_x0007_ Smit", "Gauteng_x0000_", "n_x0001_ote"],
                ["_x0001_", "Piet Botha", None, None],
                ["_x0000__x0007_", None, None, "x"],
                ["n/a", "Sam Sole", None, None],
            ]
        },
    )
    result = run(path)
    assert_row_accounting(result)
    orgs = result.organisations
    assert orgs["organisation_name"].tolist() == ["Alpha Aviation"]
    assert (orgs["province"].tolist(), orgs["notes"].tolist()) == (["Gauteng"], ["note"])
    assert result.contacts["full_name"].tolist() == ["Jan Smit"]
    reasons = result.rejects.set_index("source_row")["reason"].to_dict()
    assert reasons == {
        3: "row has values but no organisation name",
        4: "row has values but no organisation name",
        5: "organisation name is a placeholder",
    }
    # the reject keeps the row as it was read
    assert "\\u0001" in result.rejects.set_index("source_row").loc[3, "raw_value"]


def test_generic_without_any_organisation_column(tmp_path):
    path = write_xlsx(tmp_path / "misc.xlsx", {"S": [["Colour", "Size"], ["red", "L"]]})
    result = run(path)
    assert result.structural_errors[0]["rule"] == "no_organisation_column"
    assert len(result.organisations) == 0


def test_recognition_uses_the_source_file_name(tmp_path):
    # Stored under its content hash; the sheet alone does not decide the kind, the name must.
    hashed = write_xlsx(
        tmp_path / ("0f" * 32 + ".xlsx"), {"Cleaned": [SACAA_HEADERS[:1], ["Alpha Air"]]}
    )
    assert run(hashed).workbook_kind == "generic"
    result = capture_workbook(
        hashed, partition_key="k", content_hash=HASH, source_file="SACAA list 2026.xlsx"
    )
    assert (result.profile_name, result.workbook_kind) == ("aviation", "sacaa")
    assert set(result.organisations["source_file"]) == {"SACAA list 2026.xlsx"}
    assert result.organisations["organisation_name"].tolist() == ["Alpha Air"]


@pytest.mark.parametrize("stored_as_hash", [False, True])
def test_recognised_workbook_missing_a_required_column(tmp_path, stored_as_hash):
    from hotpass_assets.lib.demo import write_broken_workbook

    name = "sacaa_flight_schools_broken.xlsx"
    path = tmp_path / (("9e" * 32 + ".xlsx") if stored_as_hash else name)
    write_broken_workbook(path, "missing_column")
    result = capture_workbook(path, partition_key="k", content_hash=HASH, source_file=name)
    assert (result.profile_name, result.workbook_kind) == ("aviation", "sacaa")
    [error] = result.blocking_errors
    assert (error["sheet"], error["column"], error["rule"]) == (
        "Cleaned",
        "Name of Organisation",
        "missing_required_column",
    )
    for text in (name, "'Cleaned'", "'Name of Organisation'"):
        assert text in error["message"]
    # Nothing is lost: every data row is a reject that keeps its values.
    assert len(result.organisations) == 0
    assert set(result.rejects["reason_code"]) == {"missing_organisation_name"}
    assert_row_accounting(result)


def test_unreadable_file_raises(tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_text("nope")
    with pytest.raises(WorkbookReadError, match=r"bad\.xlsx"):
        run(path)


def test_frames_write_to_parquet(tmp_path, sacaa):
    from hotpass_assets.lib.warehouse import read_table, write_table

    result = run(sacaa)
    write_table(result.organisations, tmp_path / "o.parquet", CAPTURE_ORGANISATION_COLUMNS)
    write_table(result.contacts, tmp_path / "c.parquet", CAPTURE_CONTACT_COLUMNS)
    write_table(result.rejects, tmp_path / "r.parquet", REJECT_COLUMNS)
    back = read_table(tmp_path / "o.parquet")
    assert list(back.columns) == list(CAPTURE_ORGANISATION_COLUMNS)
    assert back["phones"].map(len).sum() == result.organisations["phones"].map(len).sum()


def test_sheet_slug():
    assert sheet_slug("10-10-25 Capture") == "10_10_25_capture"
    assert sheet_slug("Contact Info") == "contact_info"
    assert sheet_slug("***") == "sheet"


# --- speed paths agree with the plain paths ------------------------------------------------------


def test_fast_paths_agree_with_normalise():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    label = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
    local = st.from_regex(r"[a-z0-9][a-z0-9_+.-]{0,10}", fullmatch=True)
    suffix = st.sampled_from(["co.za", "com", "org", "org.za", "net", "africa", "aero"])

    @settings(max_examples=300, deadline=None)
    @given(local, label, suffix)
    def emails(loc, lab, suf):
        value = f"{loc}@{lab}.{suf}"
        fast = capture_fast.fast_email(value)
        if fast is not None:
            slow = nz.parse_emails(value)
            assert fast == (tuple(slow.valid), [])
            assert not slow.rejected

    @settings(max_examples=300, deadline=None)
    @given(st.sampled_from(["", "http://", "https://"]), st.booleans(), label, suffix,
           st.sampled_from(["", "/", "/about", "/a/b/"]))  # fmt: skip
    def websites(scheme, www, lab, suf, path):
        value = f"{scheme}{'www.' if www else ''}{lab}.{suf}{path}"
        fast = capture_fast.fast_website(value)
        if fast is not None:
            slow = nz.normalise_website(value)
            assert fast == ((slow.url, slow.domain), [])

    emails()
    websites()


def test_column_wide_fast_paths_equal_the_per_value_ones():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    label = st.from_regex(r"[a-zA-Z0-9](?:[a-z0-9.-]{0,8}[a-z0-9])?", fullmatch=True)
    suffix = st.sampled_from(["co.za", "com", "org", "org.za", "net", "africa", "aero", "za", "uk"])
    web = st.builds(
        lambda scheme, www, lab, suf, path: f"{scheme}{www}{lab}.{suf}{path}",
        st.sampled_from(["", "http://", "https://", "ftp://", "HTTP://", "httpx"]),
        st.sampled_from(["", "www.", "www.www.", "WWW."]),
        st.one_of(label, st.sampled_from(["www", "co", "facebook", "wixsite", "a", "http"])),
        suffix,
        st.sampled_from(["", "/", "/about", "/a/b/", "//", "/x?y=1", " x"]),
    )
    email = st.builds(
        lambda loc, lab, suf: f"{loc}@{lab}.{suf}",
        st.from_regex(r"[a-zA-Z0-9_+.-]{1,8}", fullmatch=True),
        st.from_regex(r"[a-z0-9-]{1,8}(?:\.[a-z0-9-]{1,5})?", fullmatch=True),
        st.sampled_from(["co.za", "com", "c", "org", "x1"]),
    )

    def same(values, one, many):
        expected = [one(v) for v in values]
        assert [None if x is None else (x, []) for x in many(values)] == expected

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.one_of(web, st.text(max_size=12)), max_size=25))
    def websites(values):
        same(values, capture_fast.fast_website, capture_fast.fast_websites)

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.one_of(email, st.text(max_size=12)), max_size=25))
    def emails(values):
        same(values, capture_fast.fast_email, capture_fast.fast_emails)

    websites()
    emails()
    tricky = ["www.co.za", "www.www.com", "http://www.www.abc.co.za/", "httpbin.org",
              "https://a.co.za//", "www.africa", "https://x.com/a/b/", "abc.wixsite.com"]  # fmt: skip
    same(tricky, capture_fast.fast_website, capture_fast.fast_websites)


def test_text_columns_parse_like_the_per_value_parser():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from hotpass_assets.lib.profiles import FieldSpec

    fs = FieldSpec("status", ("Status",), "text")
    parse = capture_parsers.value_parser(fs, "ZA")
    cell = st.one_of(
        st.none(),
        st.sampled_from(["Active", "n/a", " - ", "\u200b", "x" * 40, "—", "  Active  "]),
        st.text(max_size=10),
    )

    @settings(max_examples=300, deadline=None)
    @given(st.lists(cell, max_size=30), st.booleans())
    def check(values, placeholders):
        got = capture_parsers.parse_column(values, fs, "Status", "ZA", placeholders=placeholders)
        assert got.values == [None if v is None else parse(v)[0] for v in values]
        assert got.rejects == []
        expected = sum(1 for v in values if v is not None and len(v) <= 32 and nz.is_placeholder(v))
        assert got.placeholders == (expected if placeholders else 0)

    check()
    repetitive = ["Active", "Invalid", None, "n/a"] * 600  # takes the distinct-value path
    got = capture_parsers.parse_column(repetitive, fs, "Status", "ZA", placeholders=True)
    assert got.values == [None if v is None else parse(v)[0] for v in repetitive]
    assert got.placeholders == 600


def test_columns_parse_like_the_per_value_parser():
    """Distinct and repetitive columns, with values the fast paths take and values they leave."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from hotpass_assets.lib.profiles import FieldSpec

    cells = {
        "website": st.sampled_from(
            ["www.alpha-example.co.za", "https://beta-example.com/x/", "not a site", "n/a",
             "facebook.com/gamma", "WWW.Delta-Example.CO.ZA", "—", "http://www.www.e-x.org"]
        ),
        "emails": st.sampled_from(
            ["info@alpha-example.co.za", "a.b@beta-example.com", "bad@", "x@y.co.za; z@w.com",
             "unknown", "INFO@EXAMPLE.COM", "mailto:c@d.org"]
        ),
    }  # fmt: skip

    def reference(values, fs, placeholders):
        parse = capture_parsers.value_parser(fs, "ZA")
        empty = capture_parsers.empty_for(fs.parser)
        out, rejects, count = [], [], 0
        for i, v in enumerate(values):
            if v is None:
                out.append(empty)
            elif placeholders and len(v) <= 32 and nz.is_placeholder(v):
                out.append(empty)
                count += 1
            else:
                x, rej = parse(v)
                out.append(x)
                rejects.extend((i, "H", raw, code, reason) for raw, code, reason in rej)
        return out, rejects, count

    unique = st.text(alphabet="abcxyz", min_size=3, max_size=8)
    distinct_cell = st.builds(
        lambda u, kind: f"{u}.co.za" if kind else f"{u}@{u}.com", unique, st.booleans()
    )
    for field, parser in (("website", "website"), ("contact_emails", "emails")):
        fs = FieldSpec(field, ("H",), parser)
        column = st.lists(st.one_of(st.none(), cells[parser], distinct_cell), max_size=40)

        @settings(max_examples=150, deadline=None)
        @given(column, st.booleans(), st.just(fs))
        def check(values, placeholders, spec):
            got = capture_parsers.parse_column(values, spec, "H", "ZA", placeholders=placeholders)
            assert (got.values, got.rejects, got.placeholders) == reference(
                values, spec, placeholders
            )

        check()


def test_frames_have_the_record_dtypes(tmp_path, sacaa):
    result = run(sacaa)
    orgs, contacts = result.organisations, result.contacts
    for frame in (orgs, contacts):
        for column in ("source_row", "source_trust"):
            assert str(frame[column].dtype) == "Int64"
    assert str(orgs["order_count"].dtype) == "Int64" and orgs["order_count"].isna().all()
    assert contacts["is_invalid"].dtype == bool
    others = [c for c in orgs.columns if c not in ("source_row", "source_trust", "order_count")]
    assert all(orgs[c].dtype == object for c in others)
    assert all(isinstance(x, list) for x in orgs["emails"])


def test_offloaded_parsing_gives_the_same_result(tmp_path, sacaa, monkeypatch):
    monkeypatch.setenv("HOTPASS_CAPTURE_PARALLEL", "0")
    plain = run(sacaa)
    monkeypatch.setenv("HOTPASS_CAPTURE_PARALLEL", "1")
    monkeypatch.setattr(capture_offload, "PARALLEL_MIN_VALUES", 1)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    parallel = run(sacaa)
    assert by_sheet(parallel)["Cleaned"]["offloaded_columns"] > 0
    assert by_sheet(plain)["Cleaned"]["offloaded_columns"] == 0
    pd.testing.assert_frame_equal(plain.organisations, parallel.organisations)
    pd.testing.assert_frame_equal(plain.contacts, parallel.contacts)
    pd.testing.assert_frame_equal(plain.rejects, parallel.rejects)


def test_demo_workbooks_capture_every_true_phone_and_email(tmp_path):
    demo = pytest.importorskip("hotpass_assets.lib.demo")
    if not hasattr(demo, "write_demo_workbooks"):
        pytest.skip("demo workbooks not available")
    truth = demo.write_demo_workbooks(tmp_path)
    phones: set[str] = set()
    emails: set[str] = set()
    kinds = set()
    for name in truth.files:
        result = capture_workbook(
            tmp_path / name, partition_key="demo", content_hash=HASH, source_file=name
        )
        kinds.add(result.workbook_kind)
        assert_shapes(result)
        assert_row_accounting(result)
        assert result.blocking_errors == []
        for frame in (result.organisations, result.contacts):
            phones.update(p for lst in frame["phones"] for p in lst)
            emails.update(e for lst in frame["emails"] for e in lst)
    assert kinds == {"sacaa", "reachout", "contact_db"}
    true_phones, true_emails = set(truth.valid_phones), set(truth.valid_emails)
    assert len(true_phones & phones) >= 0.99 * len(true_phones)
    assert len(true_emails & emails) >= 0.99 * len(true_emails)
