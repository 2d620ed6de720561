"""Checks of `contact_capture`: structure, Pandera and GX schemas, reject rates and drift of
row counts and completeness against the previous drop of the same workbook."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from hotpass_assets.lib.checks import SAMPLE_IDS, CheckOutcome, CheckSpec, outcome
from hotpass_assets.lib.contracts.checks.common import (
    count_drift,
    frame_of,
    gx_check,
    null_drift,
    null_rate,
    pandera_tables,
    rate,
    sample_ids,
    unknown_references,
)
from hotpass_assets.lib.contracts.checks.context import ContractContext, Thresholds
from hotpass_assets.lib.contracts.checks.registry import E, W, check, partition_stats_of

# --- contact_capture ----------------------------------------------------------------------------


@check(
    "contact_capture",
    "capture_structure",
    E,
    "Capture found no structural error (missing sheet, column or link target) and "
    "accounted for every row it read.",
)
def _capture_structure(
    spec: CheckSpec,
    frames: Mapping[str, pd.DataFrame],
    ctx: ContractContext,
    state: dict[str, Any],
) -> CheckOutcome:
    file = ctx.source_file or "?"
    errors = ctx.extra.get("structural_errors")
    sheets = ctx.extra.get("sheets") or []
    failures: dict[str, int] = {}
    notes: list[str] = []
    warnings: Counter[str] = Counter()
    for e in errors or []:
        sheet, column, rule = e.get("sheet"), e.get("column"), e.get("rule") or "structural"
        if (e.get("severity") or "error") != "error":
            warnings[str(rule)] += 1
            continue
        key = f"{rule}:{sheet or '*'}" + (f".{column}" if column else "")
        failures[key] = failures.get(key, 0) + 1
        where = f"file {file!r}" + (f", sheet {sheet!r}" if sheet else "")
        col = f" (column {column!r})" if column else ""
        notes.append(f"{where}: {rule}{col}: {e.get('message') or ''}".rstrip(": "))
    for s in sheets:
        if s.get("role") in ("ignore", "unlisted") or "data_rows" not in s:
            continue
        name = s.get("sheet")
        read, data = s.get("rows_read"), s.get("data_rows") or 0
        parts = [s.get("data_rows"), s.get("empty_rows"), s.get("formula_rows")]
        if read is not None and None not in parts and int(read) != sum(int(p) for p in parts):
            failures[f"row_accounting:{name}"] = abs(int(read) - sum(int(p) for p in parts))
            notes.append(
                f"file {file!r}, sheet {name!r}: row_accounting: rows read {read} != data "
                f"{parts[0]} + empty {parts[1]} + formula {parts[2]}"
            )
        done = [s.get("rows_captured"), s.get("rows_rejected")]
        if None not in done and int(data) != sum(int(x) for x in done):
            failures[f"row_accounting:{name}"] = abs(int(data) - sum(int(x) for x in done))
            notes.append(
                f"file {file!r}, sheet {name!r}: row_accounting: data rows {data} != captured "
                f"{done[0]} + rejected {done[1]}"
            )
    rows = sum(int(s.get("rows_read") or 0) for s in sheets)
    if notes:
        message = "; ".join(notes[:5]) + (f"; and {len(notes) - 5} more" if len(notes) > 5 else "")
    elif errors is None:
        message = f"file {file!r}: capture reported no structural findings (none given)"
    else:
        message = (
            f"file {file!r}: no structural error; every read row is captured, rejected, empty "
            f"or formula-only ({len(sheets)} sheet(s))"
        )
    return outcome(
        spec,
        rows_checked=rows,
        failures=failures,
        message=message,
        workbook_kind=ctx.extra.get("workbook_kind"),
        profile=ctx.extra.get("profile_name"),
        structural_warnings=dict(sorted(warnings.items())),
    )


@check(
    "contact_capture",
    "capture_schema_pandera",
    E,
    "Organisations, contacts and rejects match their Pandera models: types, unique record "
    "ids, provenance, province vocabulary, e-mail/phone formats, links between tables, "
    "partition key.",
)
def _capture_schema(
    spec: CheckSpec,
    frames: Mapping[str, pd.DataFrame],
    ctx: ContractContext,
    state: dict[str, Any],
) -> CheckOutcome:
    orgs = frame_of(frames, "organisations")
    contacts = frame_of(frames, "contacts")
    rejects = frame_of(frames, "rejects")
    extra: dict[str, int] = {}
    ids: list[str] = []
    if orgs is not None and "record_id" in orgs.columns:
        known = pd.Index(orgs["record_id"].dropna().astype(str).unique())
        if contacts is not None and "organisation_record_id" in contacts.columns:
            unknown_references(
                contacts,
                "organisation_record_id",
                known,
                "orphan_contact:contacts.organisation_record_id",
                "contact_record_id",
                extra,
                ids,
            )
        if "link_record_id" in orgs.columns:
            unknown_references(
                orgs,
                "link_record_id",
                known,
                "dangling_link:organisations.link_record_id",
                "record_id",
                extra,
                ids,
            )
    for table, frame, id_col in (
        ("organisations", orgs, "record_id"),
        ("contacts", contacts, "contact_record_id"),
        ("rejects", rejects, None),
    ):
        if frame is None or not len(frame):
            continue
        for column, expected in (
            ("partition_key", ctx.partition_key),
            ("source_file", ctx.source_file),
        ):
            if expected is None or column not in frame.columns:
                continue
            bad = frame[column].notna() & frame[column].astype(str).ne(str(expected))
            if bad.any():
                extra[f"provenance_mismatch:{table}.{column}"] = int(bad.sum())
                ids += sample_ids(frame, bad, id_col)
    return pandera_tables(
        spec,
        "contact_capture",
        frames,
        ("organisations", "contacts", "rejects"),
        ctx,
        extra,
        ids,
        qualify=True,
    )


@check(
    "contact_capture",
    "capture_expectations_gx",
    E,
    "The Great Expectations suite `contact_capture` passes on the organisation records "
    "(column list, id and URL formats, provenance).",
)
def _capture_gx(
    spec: CheckSpec,
    frames: Mapping[str, pd.DataFrame],
    ctx: ContractContext,
    state: dict[str, Any],
) -> CheckOutcome:
    return gx_check(spec, "contact_capture", frames, ctx)


def _sheet_rates(sheets: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for s in sheets:
        if s.get("role") in ("ignore", "unlisted", None) or not s.get("data_rows"):
            continue
        data = int(s.get("data_rows") or 0)
        rejected = int(s.get("rows_rejected") or 0)
        values = s.get("values_rejected") or {}
        n_values = int(sum(values.values()) if isinstance(values, Mapping) else values)
        out[str(s.get("sheet"))] = {
            "role": s.get("role"),
            "data_rows": data,
            "rows_rejected": rejected,
            "values_rejected": n_values,
            "reject_rate": round(rate(rejected, data), 4),
            "value_reject_rate": round(rate(n_values, data), 4),
        }
    return out


@check(
    "contact_capture",
    "capture_reject_rate",
    W,
    "No sheet rejects more rows or values than its threshold, and no sheet's reject rate "
    "jumped against the previous drop of the same workbook.",
)
def _capture_reject_rate(
    spec: CheckSpec,
    frames: Mapping[str, pd.DataFrame],
    ctx: ContractContext,
    state: dict[str, Any],
) -> CheckOutcome:
    th: Thresholds = state["thresholds"]
    file = ctx.source_file or "?"
    rates = _sheet_rates(ctx.extra.get("sheets") or [])
    prev = (ctx.previous or {}).get("sheets") or {}
    failures: dict[str, int] = {}
    notes: list[str] = []
    failing_sheets: list[str] = []
    for sheet, r in rates.items():
        limit = th.reject_rate_for(r["role"])
        if r["reject_rate"] > limit:
            failures[f"reject_rate:{sheet}"] = r["rows_rejected"]
            notes.append(
                f"file {file!r}, sheet {sheet!r}: reject_rate {r['reject_rate']:.0%} of "
                f"{r['data_rows']} rows > {limit:.0%}"
            )
            failing_sheets.append(sheet)
        if r["value_reject_rate"] > th.value_reject_rate_max:
            failures[f"value_reject_rate:{sheet}"] = r["values_rejected"]
            notes.append(
                f"file {file!r}, sheet {sheet!r}: value_reject_rate "
                f"{r['value_reject_rate']:.0%} > {th.value_reject_rate_max:.0%}"
            )
            failing_sheets.append(sheet)
        before = (prev.get(sheet) or {}).get("reject_rate")
        if before is not None and r["reject_rate"] - float(before) > th.reject_rate_jump:
            failures[f"reject_rate_jump:{sheet}"] = r["rows_rejected"]
            notes.append(
                f"file {file!r}, sheet {sheet!r}: reject_rate_jump {float(before):.0%} -> "
                f"{r['reject_rate']:.0%} (previous drop)"
            )
            failing_sheets.append(sheet)
        before_values = (prev.get(sheet) or {}).get("value_reject_rate")
        if (
            before_values is not None
            and r["value_reject_rate"] - float(before_values) > th.reject_rate_jump
        ):
            failures[f"value_reject_rate_jump:{sheet}"] = r["values_rejected"]
            notes.append(
                f"file {file!r}, sheet {sheet!r}: value_reject_rate_jump "
                f"{float(before_values):.0%} -> {r['value_reject_rate']:.0%} (previous drop)"
            )
            failing_sheets.append(sheet)
        if before is not None:
            r["previous_reject_rate"] = float(before)
    refs = _reject_refs(frame_of(frames, "rejects"), failing_sheets)
    if notes:
        message = "; ".join(notes[:6]) + (f"; and {len(notes) - 6} more" if len(notes) > 6 else "")
    elif not rates:
        message = f"file {file!r}: no sheet statistics given; nothing to compare"
    else:
        message = f"file {file!r}: reject rates within limits on {len(rates)} sheet(s)" + (
            "" if prev else " (no previous drop of this workbook to compare)"
        )
    return outcome(
        spec,
        rows_checked=sum(r["data_rows"] for r in rates.values()),
        failures=failures,
        failing_ids=refs,
        message=message,
        sheet_reject_rates=rates,
        compared_with_previous=bool(prev),
    )


def _reject_refs(rejects: pd.DataFrame | None, sheets: Sequence[str]) -> list[str]:
    """``<sheet>!R<row>`` locations of rejected rows of ``sheets`` (no values)."""
    if rejects is None or not len(rejects) or not sheets:
        return []
    if "source_sheet" not in rejects.columns or "source_row" not in rejects.columns:
        return []
    sub = rejects[rejects["source_sheet"].isin(list(sheets)) & rejects["source_row"].notna()]
    refs = [f"{s}!R{int(r)}" for s, r in zip(sub["source_sheet"], sub["source_row"], strict=True)]
    return list(dict.fromkeys(refs))[:SAMPLE_IDS]


def _capture_counts(frames: Mapping[str, pd.DataFrame]) -> dict[str, int]:
    orgs = frame_of(frames, "organisations")
    counts = {
        name: len(f) if (f := frame_of(frames, name)) is not None else 0
        for name in ("organisations", "contacts", "rejects")
    }
    if orgs is not None and "record_kind" in orgs.columns:
        counts["listings"] = int(orgs["record_kind"].eq("organisation").sum())
        counts["attributes"] = int(orgs["record_kind"].eq("attribute").sum())
    return counts


@check(
    "contact_capture",
    "capture_row_count_drift",
    W,
    "Record and sheet row counts did not change sharply against the previous drop of the "
    "same workbook.",
)
def _capture_row_count_drift(
    spec: CheckSpec,
    frames: Mapping[str, pd.DataFrame],
    ctx: ContractContext,
    state: dict[str, Any],
) -> CheckOutcome:
    th: Thresholds = state["thresholds"]
    file = ctx.source_file or "?"
    counts = _capture_counts(frames)
    prev = ctx.previous or {}
    failures, notes = count_drift(
        counts,
        prev.get("rows") or {},
        th.row_count_change,
        th.row_count_min_delta,
        "row_count_jump",
    )
    sheets = {s: r["data_rows"] for s, r in _sheet_rates(ctx.extra.get("sheets") or []).items()}
    prev_sheets = {s: (v or {}).get("data_rows") for s, v in (prev.get("sheets") or {}).items()}
    f2, n2 = count_drift(
        sheets, prev_sheets, th.row_count_change, th.row_count_min_delta, "sheet_rows_jump"
    )
    failures.update(f2)
    notes += [f"sheet {n}" for n in n2]
    if notes:
        message = f"file {file!r}: row counts changed against the previous drop: " + "; ".join(
            notes[:6]
        )
    elif not prev:
        message = f"file {file!r}: first drop of this workbook; nothing to compare"
    else:
        message = f"file {file!r}: row counts in line with the previous drop"
    return outcome(
        spec,
        rows_checked=counts.get("organisations", 0) + counts.get("contacts", 0),
        failures=failures,
        message=message,
        row_counts=counts,
        previous_row_counts=dict(prev.get("rows") or {}),
        compared_with_previous=bool(prev),
    )


CAPTURE_NULL_COLUMNS: dict[str, tuple[str, ...]] = {
    "organisations": ("province", "website", "address", "emails", "phones"),
    "contacts": ("full_name", "role", "emails", "phones"),
}


def _capture_null_rates(frames: Mapping[str, pd.DataFrame]) -> dict[str, float]:
    out: dict[str, float] = {}
    orgs = frame_of(frames, "organisations")
    if orgs is not None:
        listings = orgs[orgs["record_kind"].eq("organisation")] if "record_kind" in orgs else orgs
        for col in CAPTURE_NULL_COLUMNS["organisations"]:
            rate = null_rate(listings, col)
            if rate is not None:
                out[f"organisations.{col}"] = round(rate, 4)
    contacts = frame_of(frames, "contacts")
    if contacts is not None:
        for col in CAPTURE_NULL_COLUMNS["contacts"]:
            rate = null_rate(contacts, col)
            if rate is not None:
                out[f"contacts.{col}"] = round(rate, 4)
    return out


@check(
    "contact_capture",
    "capture_completeness_drift",
    W,
    "Null rates of province, website, address, e-mails and phones did not jump against "
    "the previous drop of the same workbook.",
)
def _capture_completeness_drift(
    spec: CheckSpec,
    frames: Mapping[str, pd.DataFrame],
    ctx: ContractContext,
    state: dict[str, Any],
) -> CheckOutcome:
    th: Thresholds = state["thresholds"]
    file = ctx.source_file or "?"
    rates = _capture_null_rates(frames)
    before = (ctx.previous or {}).get("null_rates") or {}
    failures, notes, ids = null_drift(
        frames,
        rates,
        before,
        th.null_rate_jump,
        {"organisations": "record_id", "contacts": "contact_record_id"},
        {
            "organisations": lambda f: (
                f[f["record_kind"].eq("organisation")] if "record_kind" in f else f
            )
        },
    )
    if notes:
        message = f"file {file!r}: completeness dropped against the previous drop: " + "; ".join(
            notes
        )
    elif not before:
        message = f"file {file!r}: first drop of this workbook; nothing to compare"
    else:
        message = f"file {file!r}: null rates in line with the previous drop"
    return outcome(
        spec,
        rows_checked=_capture_counts(frames).get("listings", 0)
        + _capture_counts(frames).get("contacts", 0),
        failures=failures,
        failing_ids=ids,
        message=message,
        null_rates=rates,
        compared_with_previous=bool(before),
    )


# --- refined_organisations ----------------------------------------------------------------------


@partition_stats_of("contact_capture")
def _capture_stats(frames: Mapping[str, pd.DataFrame], ctx: ContractContext) -> dict[str, Any]:
    rejects = frame_of(frames, "rejects")
    stats: dict[str, Any] = {
        "rows": _capture_counts(frames),
        "sheets": _sheet_rates(ctx.extra.get("sheets") or []),
        "null_rates": _capture_null_rates(frames),
        "rejects_by_reason": (
            {str(k): int(v) for k, v in rejects["reason_code"].value_counts().items()}
            if rejects is not None and len(rejects) and "reason_code" in rejects
            else {}
        ),
    }
    for key in ("workbook_kind", "profile_name"):
        if ctx.extra.get(key) is not None:
            stats[key] = str(ctx.extra[key])
    return stats
