"""Capture of the real source workbooks: aggregate figures only (counts and ratios).

The workbooks hold personal data. These tests read them from ``../shared/workbooks`` beside the
clone (or ``HOTPASS_REAL_WORKBOOKS``) at test time, assert and print counts and ratios only, and never print
or store a cell value.
"""

from pathlib import Path

import pytest

from hotpass_assets.lib import normalise as nz
from hotpass_assets.lib.capture import capture_workbook
from hotpass_assets.lib.drops import content_hash
from hotpass_assets.lib.reading import open_workbook
from hotpass_assets_tests.needs import SHARED_WORKBOOKS, real_workbook_paths, unavailable

pytestmark = pytest.mark.real

WORKBOOKS = SHARED_WORKBOOKS
FILES = {
    "sacaa": "SACAA Flight Schools - Refined copy__CLEANED.xlsx",
    "reachout": "Reachout Database.xlsx",
    "contact_db": "Contact Database.xlsx",
}


def _path(kind: str) -> Path:
    path = WORKBOOKS / FILES[kind]
    if not path.exists():
        unavailable(f"real workbook for {kind} not present under {WORKBOOKS}")
    return path


@pytest.fixture(scope="module")
def captures():
    real_workbook_paths()
    out = {}
    for kind in FILES:
        path = WORKBOOKS / FILES[kind]
        if path.exists():
            out[kind] = capture_workbook(
                path, partition_key=f"real_{kind}", content_hash=content_hash(path),
                source_file=path.name,
            )  # fmt: skip
    return out


def _result(captures, kind):
    _path(kind)
    return captures[kind]


def _read_sheets(result):
    return [s for s in result.sheets if s["role"] not in ("ignore", "unlisted")]


@pytest.mark.parametrize("kind", list(FILES))
def test_recognised_and_every_row_accounted_for(captures, kind):
    result = _result(captures, kind)
    assert (result.profile_name, result.workbook_kind) == ("aviation", kind)
    assert result.blocking_errors == []
    for s in _read_sheets(result):
        total = s["rows_captured"] + s["rows_rejected"] + s["empty_rows"] + s["formula_rows"]
        assert total == s["rows_read"], s["sheet"]
        print(
            f"{kind}/{s['sheet']}: read={s['rows_read']} empty={s['empty_rows']} "
            f"formula={s['formula_rows']} captured={s['rows_captured']} "
            f"rejected={s['rows_rejected']} org={s['organisation_records']} "
            f"attr={s['attribute_records']} contacts={s['contact_records']} "
            f"values_rejected={sum(s['values_rejected'].values())}"
        )
        if s["role"] == "organisations":
            # Every row with a name is captured; rows without one are rejects with a reason.
            assert s["rows_rejected"] == s["rows_missing_organisation_name"]
    rejects = result.rejects
    assert rejects["reason_code"].notna().all() and rejects["reason"].notna().all()
    row_level = rejects[rejects["reason_code"].isin(["missing_organisation_name", "unlinked_row"])]
    assert row_level["raw_value"].notna().all()
    ignored = [s for s in result.sheets if s["role"] == "ignore"]
    assert all(s["ignored_reason"] for s in ignored)
    assert not [s for s in result.sheets if s["role"] == "unlisted"]


def test_phone_and_email_coverage(captures):
    """>= 99% of the distinct valid phones and e-mails found anywhere in the read sheets."""
    source_phones: set[str] = set()
    source_emails: set[str] = set()
    kept_phones: set[str] = set()
    kept_emails: set[str] = set()
    for kind, result in captures.items():
        path = WORKBOOKS / FILES[kind]
        # The reference text comes from python-calamine, independent of the capture's reader.
        with open_workbook(path, reader="calamine") as book:
            for s in _read_sheets(result):
                for row in book.text_rows(s["sheet"]):
                    for value in row:
                        if value is None:
                            continue
                        source_phones.update(nz.parse_phones(value).valid)
                        source_emails.update(nz.parse_emails(value).valid)
        for frame in (result.organisations, result.contacts):
            kept_phones.update(p for lst in frame["phones"] for p in lst)
            kept_emails.update(e for lst in frame["emails"] for e in lst)
    phone_ratio = len(source_phones & kept_phones) / max(len(source_phones), 1)
    email_ratio = len(source_emails & kept_emails) / max(len(source_emails), 1)
    print(
        f"phones: source={len(source_phones)} captured={len(source_phones & kept_phones)} "
        f"ratio={phone_ratio:.4f}; emails: source={len(source_emails)} "
        f"captured={len(source_emails & kept_emails)} ratio={email_ratio:.4f}"
    )
    assert source_phones and source_emails
    assert phone_ratio >= 0.99
    assert email_ratio >= 0.99


def test_contact_database_contacts_and_addresses_attach(captures):
    result = _result(captures, "contact_db")
    stats = {s["sheet"]: s for s in result.sheets}
    orgs = result.organisations
    masters = set(orgs.loc[orgs["source_sheet"] == "Company_Cat", "record_id"])
    for sheet in ("Company_Contacts", "Company_Addresses", "Company_Notes"):
        s = stats[sheet]
        assert s["rows_unlinked"] == 0 and s["rows_rejected"] == 0, sheet
        assert s["rows_captured"] == s["data_rows"], sheet
    contacts = result.contacts[result.contacts["source_sheet"] == "Company_Contacts"]
    assert len(contacts) > 0
    assert contacts["organisation_record_id"].isin(masters).all()
    addresses = orgs[orgs["source_sheet"] == "Company_Addresses"]
    assert len(addresses) == stats["Company_Addresses"]["data_rows"]
    assert addresses["link_record_id"].isin(masters).all()
    assert addresses["address"].notna().all()
    orders = stats["Order Dates"]
    print(
        f"contact_db: contacts={len(contacts)} addresses={len(addresses)} "
        f"orders linked={orders['rows_captured']} unlinked={orders['rows_unlinked']} "
        f"masters with orders={(orgs['order_count'].fillna(0) > 0).sum()}"
    )


def test_reachout_contacts_attach_to_organisations(captures):
    result = _result(captures, "reachout")
    stats = {s["sheet"]: s for s in result.sheets}
    contact_sheet = stats["Contact Info"]
    assert contact_sheet["rows_rejected"] == 0
    assert contact_sheet["rows_captured"] == contact_sheet["data_rows"]
    org_ids = set(result.organisations["record_id"])
    contacts = result.contacts
    assert len(contacts) > 0
    assert contacts["organisation_record_id"].notna().all()
    assert contacts["organisation_record_id"].isin(org_ids).all()
    assert stats["Organisation"]["formula_rows"] > 0
    print(
        f"reachout: contacts={len(contacts)} linked_by={contact_sheet['linked_by']} "
        f"own_row_orgs={contact_sheet['organisation_records']}"
    )


def test_contact_database_order_rows_link_by_accounting_or_company_name(captures):
    """Order rows are the outcome labels for lead scoring: as many as can be linked safely."""
    from rapidfuzz import fuzz, process

    result = _result(captures, "contact_db")
    stats = {s["sheet"]: s for s in result.sheets}["Order Dates"]
    by = stats["linked_by"]
    fallback = {m: n for m, n in by.items() if m.startswith("accounting_name_to_company")}
    print(
        f"contact_db Order Dates: rows={stats['data_rows']} linked_by={by} "
        f"unlinked={stats['rows_unlinked']}"
    )
    assert stats["rows_captured"] == sum(by.values())
    assert stats["rows_captured"] + stats["rows_unlinked"] == stats["data_rows"]
    assert by.get("accounting_name", 0) > 0
    assert sum(fallback.values()) > 0
    orgs = result.organisations
    orders = orgs[orgs["source_sheet"] == "Order Dates"]
    masters = orgs[orgs["source_sheet"] == "Company_Cat"].set_index("record_id")
    assert orders["link_record_id"].isin(masters.index).all()
    # Fuzzy links are unambiguous: one master per row, the best candidate clearly ahead.
    fuzzy = orders[orders["link_method"] == "accounting_name_to_company_fuzzy"]
    assert fuzzy["link_record_id"].is_unique
    keys: dict[str, str] = {}
    for rid, name in masters["organisation_name"].items():
        k = nz.organisation_key(name)
        if k and k not in keys:
            keys[k] = rid
    candidates = list(keys)
    margins = []
    for name, rid in zip(fuzzy["accounting_name"], fuzzy["link_record_id"], strict=True):
        hits = process.extract(nz.organisation_key(name), candidates, scorer=fuzz.ratio, limit=2)
        assert hits[0][1] >= 92 and keys[hits[0][0]] == rid
        margins.append(hits[0][1] - hits[1][1])
    assert all(m > 0 for m in margins)
    print(
        f"fuzzy links={len(fuzzy)} smallest margin over the runner-up={min(margins, default=0):.1f}"
    )
    # A master linked by its accounting name is not also reached through the fallback.
    by_accounting = set(orders.loc[orders["link_method"] == "accounting_name", "link_record_id"])
    through_fallback = orders[orders["link_method"].str.startswith("accounting_name_to_company")]
    assert not through_fallback["link_record_id"].isin(by_accounting).any()
    unlinked = result.rejects[
        (result.rejects["source_sheet"] == "Order Dates")
        & (result.rejects["reason_code"] == "unlinked_row")
    ]
    assert len(unlinked) == stats["rows_unlinked"]
    assert unlinked["reason"].str.contains("accounting_name_to_company").all()


def test_both_readers_give_the_same_text_on_every_real_sheet():
    """Where fastexcel reads a real sheet, its text equals python-calamine's, cell for cell
    (compared by digest; only sheet names and counts are reported)."""
    import hashlib

    def digest(rows):
        h = hashlib.sha256()
        for row in rows:
            h.update(repr(row).encode())
        return h.hexdigest()

    used = differing = 0
    for kind in FILES:
        path = _path(kind)
        with open_workbook(path) as fast, open_workbook(path, reader="calamine") as slow:
            assert fast.sheet_names == slow.sheet_names
            for sheet in fast.sheet_names:
                if digest(fast.text_rows(sheet)) != digest(slow.text_rows(sheet)):
                    differing += 1
                    print(f"{kind}: sheet {sheet!r} differs")
                used += fast.readers[sheet] == "fastexcel"
    print(f"sheets read by fastexcel: {used}")
    assert differing == 0
    assert used > 0
