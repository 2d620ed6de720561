"""Checks of `raw_workbook`: the dropped file is readable and its source sheets meet the
contract of the recognised workbook kind; drift of sheets and sizes against the previous drop."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from hotpass_assets.lib.checks import CheckOutcome, CheckSpec, outcome
from hotpass_assets.lib.contracts import models as m
from hotpass_assets.lib.contracts.checks.common import (
    jumped,
    summarise,
)
from hotpass_assets.lib.contracts.checks.context import ContractContext, Thresholds
from hotpass_assets.lib.contracts.checks.registry import E, W, check, partition_stats_of

if TYPE_CHECKING:
    from hotpass_assets.lib.contracts.sources import SourceReport


def _inventory(ctx: ContractContext) -> pd.DataFrame:
    rows = ctx.extra.get("inventory") or []
    frame = pd.DataFrame(list(rows), columns=["sheet", "rows", "columns", "non_empty_rows"])
    if "non_empty_rows" in frame and frame["non_empty_rows"].isna().any():
        frame["non_empty_rows"] = frame["non_empty_rows"].fillna(frame["rows"])
    return frame


@check(
    "raw_workbook",
    "workbook_readable",
    E,
    "The dropped file opens as a workbook, lists its sheets and holds data.",
)
def _workbook_readable(
    spec: CheckSpec,
    frames: Mapping[str, pd.DataFrame],
    ctx: ContractContext,
    state: dict[str, Any],
) -> CheckOutcome:
    from hotpass_assets.lib.contracts.validation import validate

    file = ctx.source_file or ctx.extra.get("path") or "?"
    read_error = ctx.extra.get("read_error")
    inventory = _inventory(ctx)
    failures: dict[str, int] = {}
    problems: list[str] = []
    if read_error:
        failures["unreadable:file"] = 1
        problems.append(f"unreadable ({read_error})")
    elif inventory.empty:
        failures["no_sheets:file"] = 1
        problems.append("no_sheets (the workbook lists no sheet)")
    else:
        result = validate(m.SheetInventory, inventory, id_column="sheet", table="inventory")
        failures.update({f"inventory.{k}": v for k, v in result.failures.items()})
        if result.failures:
            problems.append(f"invalid sheet inventory: {summarise(result.failures)}")
        non_empty = pd.to_numeric(inventory["non_empty_rows"], errors="coerce").fillna(0)
        if not result.failures and non_empty.sum() == 0:
            failures["no_data:file"] = 1
            problems.append("no_data (every sheet is empty)")
    state["readable"] = not failures
    message = (
        f"file {file!r}: " + "; ".join(problems)
        if problems
        else f"file {file!r}: readable, {len(inventory)} sheet(s), "
        f"{int(pd.to_numeric(inventory['non_empty_rows']).sum())} non-empty row(s)"
    )
    return outcome(
        spec,
        rows_checked=len(inventory),
        failures=failures,
        message=message,
        sheets=len(inventory),
    )


def _source_report(ctx: ContractContext, state: dict[str, Any]) -> SourceReport | None:
    if "source_report" in state:
        known: SourceReport | None = state["source_report"]
        return known
    if "source_report" in ctx.extra:  # computed by the caller (in the isolated reading process)
        given: SourceReport | None = (
            ctx.extra["source_report"] if state.get("readable", True) else None
        )
        state["source_report"] = given
        return given
    from hotpass_assets.lib.contracts.sources import check_workbook
    from hotpass_assets.lib.reading import WorkbookReadError

    report = None
    path = ctx.extra.get("path")
    if state.get("readable", True) and path:
        try:
            report = check_workbook(
                path, source_file=ctx.source_file, profile=ctx.extra.get("profile")
            )
        except WorkbookReadError:
            report = None
    state["source_report"] = report
    return report


@check(
    "raw_workbook",
    "source_sheets_structure",
    E,
    "The recognised workbook kind's required sheets and columns are present and its key "
    "columns are not empty (Pandera source-sheet models).",
)
def _source_sheets_structure(
    spec: CheckSpec,
    frames: Mapping[str, pd.DataFrame],
    ctx: ContractContext,
    state: dict[str, Any],
) -> CheckOutcome:
    file = ctx.source_file or "?"
    if not ctx.extra.get("path"):
        return outcome(
            spec,
            rows_checked=0,
            failures={"no_path:file": 1},
            message=f"file {file!r}: not checked (no archived path given)",
        )
    report = _source_report(ctx, state)
    if report is None:
        return outcome(
            spec,
            rows_checked=0,
            failures={"unreadable:file": 1},
            message=f"file {file!r}: not checked (the workbook is unreadable)",
        )
    meta: dict[str, Any] = {
        "profile": report.profile_name,
        "workbook_kind": report.workbook_kind,
        "sheets_checked": report.sheets_checked,
        "data_rows": report.data_rows,
        "elapsed_ms": round(report.elapsed_s * 1000, 1),
    }
    if not report.has_contract:
        return outcome(
            spec,
            rows_checked=0,
            message=f"file {file!r}: workbook kind {report.workbook_kind!r} has no source-sheet "
            "contract; the generic header mapping is checked at capture",
            **meta,
        )
    failures = {f.key: max(f.rows, 1) for f in report.breaches}
    refs = [r for f in report.breaches for r in f.refs]
    if report.breaches:
        shown = [f.message for f in report.breaches[:5]]
        more = len(report.breaches) - len(shown)
        message = "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
    else:
        message = (
            f"file {file!r}: kind {report.workbook_kind!r}, {len(report.sheets_checked)} sheet(s) "
            "have their required columns and filled key columns"
        )
    return outcome(
        spec,
        rows_checked=report.data_rows,
        failures=failures,
        failing_ids=refs,
        message=message,
        **meta,
    )


@check(
    "raw_workbook",
    "source_sheets_drift",
    W,
    "Expected columns missing, key cells empty on some rows, optional sheets absent, "
    "sheets the profile does not know holding data, sheet sizes jumping against the "
    "previous drop of the same workbook.",
)
def _source_sheets_drift(
    spec: CheckSpec,
    frames: Mapping[str, pd.DataFrame],
    ctx: ContractContext,
    state: dict[str, Any],
) -> CheckOutcome:
    th: Thresholds = state["thresholds"]
    file = ctx.source_file or "?"
    report = _source_report(ctx, state) if ctx.extra.get("path") else None
    failures: dict[str, int] = {}
    refs: list[str] = []
    notes: list[str] = []
    if report is not None:
        for f in report.drift:
            failures[f.key] = max(f.rows, 1)
            refs.extend(f.refs)
            notes.append(f.message)
        for sheet, rows in sorted(report.unlisted_sheets.items()):
            failures[f"unlisted_sheet:{sheet}"] = rows
            notes.append(
                f"file {file!r}, sheet {sheet!r}: unlisted_sheet ({rows} non-empty rows the "
                f"profile neither reads nor ignores)"
            )
    inventory = _inventory(ctx)
    prev_sheets = (ctx.previous or {}).get("sheets") or {}
    if prev_sheets and not inventory.empty:
        current = {
            str(r["sheet"]): int(r["non_empty_rows"])
            for r in inventory.to_dict("records")
            if not pd.isna(r["non_empty_rows"])
        }
        for sheet in sorted(set(prev_sheets) - set(current)):
            failures[f"sheet_removed:{sheet}"] = 1
            notes.append(f"file {file!r}: sheet_removed {sheet!r} (present in the previous drop)")
        for sheet in sorted(set(current) - set(prev_sheets)):
            failures[f"sheet_added:{sheet}"] = 1
            notes.append(f"file {file!r}: sheet_added {sheet!r}")
        for sheet in sorted(set(current) & set(prev_sheets)):
            before = int((prev_sheets[sheet] or {}).get("non_empty_rows") or 0)
            if jumped(before, current[sheet], th.row_count_change, th.row_count_min_delta):
                failures[f"row_count_jump:{sheet}"] = abs(current[sheet] - before)
                notes.append(
                    f"file {file!r}, sheet {sheet!r}: row_count_jump {before} -> {current[sheet]}"
                )
    message = (
        "; ".join(notes[:6]) + (f"; and {len(notes) - 6} more" if len(notes) > 6 else "")
        if notes
        else f"file {file!r}: no drift in sheets and columns"
        + ("" if ctx.previous else " (no previous drop of this workbook to compare)")
    )
    return outcome(
        spec,
        rows_checked=report.data_rows if report else 0,
        failures=failures,
        failing_ids=refs,
        message=message,
        compared_with_previous=bool(prev_sheets),
    )


@partition_stats_of("raw_workbook")
def _raw_workbook_stats(frames: Mapping[str, pd.DataFrame], ctx: ContractContext) -> dict[str, Any]:
    inv = _inventory(ctx)
    return {
        "sheets": {
            str(r["sheet"]): {
                "rows": int(r["rows"]),
                "columns": int(r["columns"]),
                "non_empty_rows": int(r["non_empty_rows"]),
            }
            for r in inv.to_dict("records")
        },
        "sheet_count": len(inv),
        "non_empty_rows": int(pd.to_numeric(inv["non_empty_rows"]).sum()) if len(inv) else 0,
    }
