"""The call list: the top organisations by lead score that can actually be reached.

The call list is a user deliverable and carries contact details (name, role, phone, e-mail of the
primary contact); it is written only to the reports location, never to logs or run metadata.

Spreadsheet formula injection
-----------------------------
Both outputs are inert (see :mod:`hotpass_assets.lib.inert`): text that a spreadsheet could read
as a formula is prefixed with a single quote ``'`` (:func:`neutralise`), and the XLSX writes every
text cell as a string cell, never through formula, number or link auto-detection.

E.164 phone numbers start with ``+``, so they carry the same quote: ``'+27821234567``. That keeps
them readable and also stops spreadsheets from turning them into numbers (which drops the ``+``,
and for long numbers, digits). Scores and ranks are non-negative numbers, written as numbers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

# Re-exported: the call-list writer's formula triggers, XLSX options and cell neutraliser.
from hotpass_assets.lib.inert import FORMULA_TRIGGERS as FORMULA_TRIGGERS
from hotpass_assets.lib.inert import XLSX_OPTIONS as XLSX_OPTIONS
from hotpass_assets.lib.inert import neutralise as neutralise
from hotpass_assets.lib.scoring.baseline import PHONE_CONFIDENCE, phone_confidence
from hotpass_assets.lib.scoring.features import is_missing

CALL_LIST_COLUMNS: tuple[str, ...] = (
    "rank",
    "entity_id",
    "organisation_name",
    "province",
    "category",
    "primary_contact_name",
    "primary_contact_role",
    "primary_contact_phone",
    "primary_contact_email",
    "lead_score",
    "model_version",
    "top_features",
)
NUMERIC_COLUMNS = frozenset({"rank", "lead_score"})
_EMAIL = re.compile(r"^[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}$", re.IGNORECASE)


def is_valid_email(value: object) -> bool:
    return not is_missing(value) and bool(_EMAIL.match(str(value).strip()))


def is_valid_phone(value: object) -> bool:
    return not is_missing(value) and phone_confidence(value) >= PHONE_CONFIDENCE["valid"]


def build_call_list(
    orgs: pd.DataFrame,
    scores: pd.DataFrame,
    top_n: int,
    *,
    model_version: str | None = None,
    exclude_customers: bool = False,
) -> pd.DataFrame:
    """Top ``top_n`` organisations by lead score among those with a reachable primary contact.

    Reachable: the primary contact has a valid phone number or a well-formed e-mail address.
    Order follows ``scores.rank``; the call list's own ``rank`` restarts at 1. ``model_version``
    defaults to a ``model_version`` column of ``scores`` when present. ``exclude_customers``
    leaves out organisations already labelled as customers.
    """
    if model_version is None:
        model_version = (
            str(scores["model_version"].iloc[0])
            if "model_version" in scores.columns and len(scores)
            else ""
        )
    orgs_by_id: dict[str, dict[Hashable, Any]] = {}
    for rec in orgs.to_dict("records"):
        orgs_by_id.setdefault(str(rec["entity_id"]), rec)
    ranked = sorted(
        scores[["entity_id", "lead_score", "rank", "top_features"]].to_dict("records"),
        key=lambda s: (int(s["rank"]), str(s["entity_id"])),
    )
    rows: list[dict[str, object]] = []
    for entry in ranked:
        if len(rows) >= top_n:
            break
        org = orgs_by_id.get(str(entry["entity_id"]))
        if org is None:
            continue
        phone, email = org.get("primary_contact_phone"), org.get("primary_contact_email")
        phone = phone if is_valid_phone(phone) else None
        email = email if is_valid_email(email) else None
        if phone is None and email is None:
            continue
        if exclude_customers and not is_missing(org.get("is_customer")) and org["is_customer"]:
            continue
        rows.append(
            {
                "rank": len(rows) + 1,
                "entity_id": str(entry["entity_id"]),
                "organisation_name": org.get("organisation_name"),
                "province": org.get("province"),
                "category": org.get("category"),
                "primary_contact_name": org.get("primary_contact_name"),
                "primary_contact_role": org.get("primary_contact_role"),
                "primary_contact_phone": phone,
                "primary_contact_email": email,
                "lead_score": float(entry["lead_score"]),
                "model_version": model_version,
                "top_features": entry["top_features"],
            }
        )
    return pd.DataFrame(rows, columns=list(CALL_LIST_COLUMNS))


def _safe_rows(df: pd.DataFrame) -> Iterable[list[object]]:
    for rec in df.to_dict("records"):
        row: list[object] = []
        for col in df.columns:
            value = rec[col]
            if col in NUMERIC_COLUMNS and not is_missing(value):
                row.append(float(value) if col == "lead_score" else int(value))
            elif isinstance(value, list | tuple):
                row.append(neutralise("; ".join(str(v) for v in value)))
            elif is_missing(value):
                row.append("")
            else:
                row.append(neutralise(str(value)))
        yield row


def write_call_list(df: pd.DataFrame, csv_path: Path | str, xlsx_path: Path | str) -> None:
    """Write the call list as CSV (UTF-8 with BOM, for spreadsheet programs) and formatted XLSX.

    Both outputs hold the same neutralised text (see the module docstring). The XLSX has a styled,
    frozen header row with an autofilter, fitted column widths, text-formatted contact columns and
    a three-decimal score format.
    """
    import xlsxwriter

    csv_path, xlsx_path = Path(csv_path), Path(xlsx_path)
    columns = [str(c) for c in df.columns]
    rows = list(_safe_rows(df))

    csv_path.parent.mkdir(parents=True, exist_ok=True)
    with csv_path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL)
        writer.writerow([neutralise(c) for c in columns])
        for row in rows:
            writer.writerow([f"{v:.6f}" if isinstance(v, float) else v for v in row])

    xlsx_path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(xlsx_path), XLSX_OPTIONS)
    try:
        sheet = workbook.add_worksheet("call_list")
        header = workbook.add_format(
            {
                "bold": True,
                "font_color": "#FFFFFF",
                "bg_color": "#1F4E78",
                "border": 1,
                "text_wrap": True,
                "valign": "vcenter",
            }
        )
        text = workbook.add_format({"num_format": "@"})
        score_format = workbook.add_format({"num_format": "0.000"})
        rank_format = workbook.add_format({"num_format": "0"})
        for c, name in enumerate(columns):
            sheet.write_string(0, c, str(neutralise(name)), header)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                name = columns[c]
                if name in NUMERIC_COLUMNS and isinstance(value, int | float):
                    sheet.write_number(
                        r, c, value, score_format if name == "lead_score" else rank_format
                    )
                elif value == "":
                    sheet.write_blank(r, c, None, text)
                else:
                    sheet.write_string(r, c, str(value), text)
        for c, name in enumerate(columns):
            longest = max([len(name), *(len(str(row[c])) for row in rows)])
            sheet.set_column(c, c, min(max(longest + 2, 8), 60))
        sheet.set_row(0, 30)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(len(rows), 1), max(len(columns) - 1, 0))
    finally:
        workbook.close()
