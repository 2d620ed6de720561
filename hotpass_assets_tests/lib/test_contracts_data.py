"""Small invented frames that satisfy every contract, shared by the contract tests.

Every value is made up. ``PERSONAL`` lists the personal values (names, e-mail addresses, phone
numbers, rejected raw values) that must never show up in check metadata.
"""

from __future__ import annotations

import json
from datetime import date

import pandas as pd

from hotpass_assets.lib.checks import CheckOutcome
from hotpass_assets.lib.records import (
    CAPTURE_CONTACT_COLUMNS,
    CAPTURE_ORGANISATION_COLUMNS,
    CONFLICT_COLUMNS,
    REFINED_CONTACT_COLUMNS,
    REFINED_ORGANISATION_COLUMNS,
    REJECT_COLUMNS,
)

PARTITION = "2025-11-01_kestrel_lists_a1b2c3d4"
FILE = "kestrel_lists.xlsx"
SNAPSHOT = "2025-11-02"
HASH = "a1b2c3d4e5f6"

ORG_NAMES = ("Kestrel Aero Club", "Blue Heron Helicopters", "Ibis Air Maintenance")
PEOPLE = ("Thandiwe Nkosi", "Pieter van der Merwe", "Lerato Dlamini")
EMAILS = (
    "info@kestrel-example.co.za",
    "thandiwe@kestrel-example.co.za",
    "pieter@blueheron-example.co.za",
    "lerato@ibis-example.co.za",
)
PHONES = ("+27115550101", "+27825550123", "+27835550456", "+27215550789")
ADDRESSES = ("12 Runway Road, Germiston", "PO Box 1, Germiston")
RAW_REJECTED = "082 55 (old)"
PERSONAL = (
    *ORG_NAMES,
    *PEOPLE,
    *EMAILS,
    *PHONES,
    *ADDRESSES,
    RAW_REJECTED,
    "Thandiwe",
    "Nkosi",
)


def rid(sheet: str, row: int) -> str:
    return f"{HASH}:{sheet}:{row}"


def capture_frames() -> dict[str, pd.DataFrame]:
    base = {
        "partition_key": PARTITION,
        "source_dataset": "sacaa",
        "source_trust": 3,
        "source_file": FILE,
        "country": "South Africa",
        "accounting_name": None,
        "province_raw": None,
        "category": None,
        "description": None,
        "notes": None,
        "last_order_date": None,
        "order_count": None,
        "order_status": None,
    }
    orgs = [
        {
            **base,
            "record_id": rid("cleaned", 2),
            "source_sheet": "Cleaned",
            "source_row": 2,
            "record_kind": "organisation",
            "link_record_id": None,
            "link_method": None,
            "organisation_name": ORG_NAMES[0],
            "name_key": "kestrel aero club",
            "province": "Gauteng",
            "address": ADDRESSES[0],
            "org_type": "Fixed-wing",
            "status": "Active",
            "website": "https://kestrel-example.co.za",
            "domain": "kestrel-example.co.za",
            "aircraft_types": ["C172", "PA-28"],
            "emails": [EMAILS[0]],
            "phones": [PHONES[0]],
            "interaction_date": date(2025, 10, 1),
            "source_columns": json.dumps({"organisation_name": "Name of Organisation"}),
        },
        {
            **base,
            "record_id": rid("cleaned", 3),
            "source_sheet": "Cleaned",
            "source_row": 3,
            "record_kind": "organisation",
            "link_record_id": None,
            "link_method": None,
            "organisation_name": ORG_NAMES[1],
            "name_key": "blue heron helicopters",
            "province": None,
            "province_raw": "Unknown",
            "address": None,
            "org_type": "Helicopter",
            "status": "Active",
            "website": "https://blueheron-example.co.za/contact",
            "domain": "blueheron-example.co.za",
            "aircraft_types": [],
            "emails": [],
            "phones": [],
            "interaction_date": None,
            "source_columns": json.dumps({"organisation_name": "Name of Organisation"}),
        },
        {
            **base,
            "record_id": rid("addresses", 2),
            "source_sheet": "Addresses",
            "source_row": 2,
            "record_kind": "attribute",
            "link_record_id": rid("cleaned", 2),
            "link_method": "name",
            "organisation_name": ORG_NAMES[0],
            "name_key": "kestrel aero club",
            "province": None,
            "address": ADDRESSES[1],
            "org_type": None,
            "status": None,
            "website": None,
            "domain": None,
            "aircraft_types": [],
            "emails": [],
            "phones": [],
            "interaction_date": None,
            "source_columns": json.dumps({"address": "column_5"}),
        },
    ]
    organisations = pd.DataFrame(orgs, columns=list(CAPTURE_ORGANISATION_COLUMNS))
    for c in ("source_row", "order_count", "source_trust"):
        organisations[c] = organisations[c].astype("Int64")
    contacts = pd.DataFrame(
        [
            {
                "contact_record_id": rid("cleaned", 2) + "#1",
                "organisation_record_id": rid("cleaned", 2),
                "link_method": None,
                "partition_key": PARTITION,
                "source_dataset": "sacaa",
                "source_trust": 3,
                "source_file": FILE,
                "source_sheet": "Cleaned",
                "source_row": 2,
                "full_name": PEOPLE[0],
                "first_name": "Thandiwe",
                "last_name": "Nkosi",
                "role": "Chief Flying Instructor",
                "emails": [EMAILS[1]],
                "phones": [PHONES[1]],
                "is_invalid": False,
                "interaction_date": None,
                "source_columns": json.dumps({"full_name": "Contact Person"}),
            },
            {
                "contact_record_id": rid("cleaned", 3) + "#1",
                "organisation_record_id": rid("cleaned", 3),
                "link_method": None,
                "partition_key": PARTITION,
                "source_dataset": "sacaa",
                "source_trust": 3,
                "source_file": FILE,
                "source_sheet": "Cleaned",
                "source_row": 3,
                "full_name": PEOPLE[1],
                "first_name": "Pieter",
                "last_name": "van der Merwe",
                "role": None,
                "emails": [EMAILS[2]],
                "phones": [PHONES[2]],
                "is_invalid": False,
                "interaction_date": date(2025, 9, 30),
                "source_columns": json.dumps({"full_name": "Contact Person"}),
            },
        ],
        columns=list(CAPTURE_CONTACT_COLUMNS),
    )
    for c in ("source_row", "source_trust"):
        contacts[c] = contacts[c].astype("Int64")
    rejects = pd.DataFrame(
        [
            {
                "partition_key": PARTITION,
                "source_file": FILE,
                "source_sheet": "Cleaned",
                "source_row": 3,
                "source_column": "Contact Number",
                "field": "contact_phones",
                "reason_code": "invalid_phone",
                "reason": "invalid phone number (too short; region ZA)",
                "raw_value": RAW_REJECTED,
            }
        ],
        columns=list(REJECT_COLUMNS),
    )
    rejects["source_row"] = rejects["source_row"].astype("Int64")
    return {"organisations": organisations, "contacts": contacts, "rejects": rejects}


def capture_sheets(cleaned_rejected: int = 0, cleaned_rows: int = 2) -> list[dict]:
    """Capture's per-sheet statistics for the frames above."""
    return [
        {
            "sheet": "Cleaned",
            "role": "organisations",
            "rows_read": cleaned_rows,
            "data_rows": cleaned_rows,
            "empty_rows": 0,
            "formula_rows": 0,
            "rows_captured": cleaned_rows - cleaned_rejected,
            "rows_rejected": cleaned_rejected,
            "values_rejected": {"contact_phones": 1},
        },
        {
            "sheet": "Addresses",
            "role": "addresses",
            "rows_read": 1,
            "data_rows": 1,
            "empty_rows": 0,
            "formula_rows": 0,
            "rows_captured": 1,
            "rows_rejected": 0,
            "values_rejected": {},
        },
        {"sheet": "Lists", "role": "ignore", "rows_read": 0, "non_empty_rows": 10},
    ]


def capture_extra(**overrides) -> dict:
    extra = {
        "sheets": capture_sheets(),
        "structural_errors": [],
        "workbook_kind": "sacaa",
        "profile_name": "aviation",
    }
    extra.update(overrides)
    return extra


E1, E2 = "org_0123456789abcdef", "org_fedcba9876543210"
C1, C2, C3 = "ct_00000000000a", "ct_00000000000b", "ct_00000000000c"


def refined_frames() -> dict[str, pd.DataFrame]:
    prov = json.dumps(
        {
            "organisation_name": {
                "file": FILE,
                "sheet": "Cleaned",
                "row": 2,
                "column": "Name of Organisation",
                "rule": "source_trust",
                "record_id": rid("cleaned", 2),
            }
        },
        sort_keys=True,
    )
    common = {
        "snapshot_date": SNAPSHOT,
        "accounting_name": None,
        "country": "South Africa",
        "category": None,
        "status": "Active",
        "description": None,
        "notes": None,
        "privacy_basis": "legitimate_interest",
        "selection_provenance": prov,
    }
    orgs = [
        {
            **common,
            "entity_id": E1,
            "organisation_name": ORG_NAMES[0],
            "name_key": "kestrel aero club",
            "province": "Gauteng",
            "address": ADDRESSES[0],
            "org_type": "Fixed-wing",
            "website": "https://kestrel-example.co.za",
            "domain": "kestrel-example.co.za",
            "aircraft_types": ["C172"],
            "emails": [EMAILS[0], EMAILS[1]],
            "phones": [PHONES[0], PHONES[1]],
            "primary_contact_id": C1,
            "primary_contact_name": PEOPLE[0],
            "primary_contact_role": "Chief Flying Instructor",
            "primary_contact_email": EMAILS[1],
            "primary_contact_phone": PHONES[1],
            "contact_count": 2,
            "email_count": 2,
            "phone_count": 2,
            "source_datasets": ["sacaa"],
            "source_record_ids": [rid("addresses", 2), rid("cleaned", 2)],
            "source_count": 1,
            "data_quality_score": 1.0,
            "data_quality_flags": [],
            "last_interaction_date": "2025-10-01",
            "last_order_date": "2025-06-30",
            "order_count": 2,
            "is_customer": True,
        },
        {
            **common,
            "entity_id": E2,
            "organisation_name": ORG_NAMES[1],
            "name_key": "blue heron helicopters",
            "province": None,
            "address": None,
            "org_type": "Helicopter",
            "website": "https://blueheron-example.co.za/contact",
            "domain": "blueheron-example.co.za",
            "aircraft_types": [],
            "emails": [EMAILS[2]],
            "phones": [PHONES[2]],
            "primary_contact_id": C3,
            "primary_contact_name": PEOPLE[1],
            "primary_contact_role": None,
            "primary_contact_email": EMAILS[2],
            "primary_contact_phone": PHONES[2],
            "contact_count": 1,
            "email_count": 1,
            "phone_count": 1,
            "source_datasets": ["sacaa"],
            "source_record_ids": [rid("cleaned", 3)],
            "source_count": 1,
            "data_quality_score": 0.6,
            "data_quality_flags": ["missing_province", "missing_address"],
            "last_interaction_date": None,
            "last_order_date": None,
            "order_count": 0,
            "is_customer": False,
        },
    ]
    organisations = pd.DataFrame(orgs, columns=list(REFINED_ORGANISATION_COLUMNS))
    contact_common = {"snapshot_date": SNAPSHOT, "source_datasets": ["sacaa"], "validity_flags": []}
    contacts = pd.DataFrame(
        [
            {
                **contact_common,
                "contact_id": C1,
                "entity_id": E1,
                "full_name": PEOPLE[0],
                "first_name": "Thandiwe",
                "last_name": "Nkosi",
                "role": "Chief Flying Instructor",
                "emails": [EMAILS[1]],
                "phones": [PHONES[1]],
                "source_record_ids": [rid("cleaned", 2) + "#1"],
                "is_valid": True,
            },
            {
                **contact_common,
                "contact_id": C2,
                "entity_id": E1,
                "full_name": PEOPLE[2],
                "first_name": "Lerato",
                "last_name": "Dlamini",
                "role": "Accounts",
                "emails": [EMAILS[3]],
                "phones": [],
                "source_record_ids": [rid("cleaned", 2) + "#2"],
                "is_valid": True,
            },
            {
                **contact_common,
                "contact_id": C3,
                "entity_id": E2,
                "full_name": PEOPLE[1],
                "first_name": "Pieter",
                "last_name": "van der Merwe",
                "role": None,
                "emails": [EMAILS[2]],
                "phones": [PHONES[2]],
                "source_record_ids": [rid("cleaned", 3) + "#1"],
                "is_valid": True,
            },
        ],
        columns=list(REFINED_CONTACT_COLUMNS),
    )
    conflicts = pd.DataFrame(
        [
            {
                "entity_id": E1,
                "snapshot_date": SNAPSHOT,
                "field": "address",
                "chosen_value": ADDRESSES[0],
                "chosen_record_id": rid("cleaned", 2),
                "other_value": ADDRESSES[1],
                "other_record_id": rid("addresses", 2),
                "rule": "source_trust",
            }
        ],
        columns=list(CONFLICT_COLUMNS),
    )
    review = pd.DataFrame({"left_record_id": [], "right_record_id": [], "probability": []})
    return {
        "organisations": organisations,
        "contacts": contacts,
        "conflicts": conflicts,
        "review": review,
    }


def score_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "entity_id": [E1, E2],
            "lead_score": [0.81, 0.12],
            "rank": [1, 2],
            "top_features": ["category; recency", None],
            "model_version": ["3", "3"],
            "snapshot_date": [SNAPSHOT, SNAPSHOT],
        }
    )


def call_list_frame() -> pd.DataFrame:
    from hotpass_assets.lib.scoring.calllist import CALL_LIST_COLUMNS

    return pd.DataFrame(
        {
            "rank": [1, 2],
            "entity_id": [E1, E2],
            "organisation_name": [ORG_NAMES[0], ORG_NAMES[1]],
            "province": ["Gauteng", None],
            "category": [None, "Flight School"],
            "primary_contact_name": [PEOPLE[0], PEOPLE[1]],
            "primary_contact_role": ["Chief Flying Instructor", None],
            "primary_contact_phone": [PHONES[1], None],
            "primary_contact_email": [EMAILS[1], EMAILS[2]],
            "lead_score": [0.81, 0.12],
            "model_version": ["3", "3"],
            "top_features": ["category; recency", "province"],
        },
        columns=list(CALL_LIST_COLUMNS),
    )


def serialised(outcomes: list[CheckOutcome]) -> str:
    """Everything an outcome exposes (metadata, message, ids), as one string."""
    return json.dumps(
        [{"meta": o.to_metadata(), "message": o.message, "ids": o.failing_ids} for o in outcomes],
        default=str,
    )


def leaked(outcomes: list[CheckOutcome], values=PERSONAL) -> int:
    """How many of ``values`` appear in the outcomes (0 expected)."""
    text = serialised(outcomes).casefold()
    return sum(1 for v in values if v and str(v).casefold() in text)
