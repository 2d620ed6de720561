"""Checks of `lead_scores` and `call_list`: schemas, score distribution drift, formula-safe
delivered cells, reachable contacts and the requested size."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import pandas as pd

from hotpass_assets.lib import inert
from hotpass_assets.lib.checks import SAMPLE_IDS, CheckOutcome, CheckSpec, outcome
from hotpass_assets.lib.contracts import models as m
from hotpass_assets.lib.contracts.checks.common import (
    frame_of,
    gx_check,
    jumped,
    pandera_tables,
    sample_ids,
    summarise,
    where,
)
from hotpass_assets.lib.contracts.checks.context import ContractContext, Thresholds
from hotpass_assets.lib.contracts.checks.registry import E, W, check, partition_stats_of


@check(
    "lead_scores",
    "scores_schema_pandera",
    E,
    "One score per entity, scores in [0, 1], ranks 1..n following the score.",
)
def _scores_schema(
    spec: CheckSpec,
    frames: Mapping[str, pd.DataFrame],
    ctx: ContractContext,
    state: dict[str, Any],
) -> CheckOutcome:
    scores = frame_of(frames, "scores")
    extra: dict[str, int] = {}
    ids: list[str] = []
    if scores is not None and "rank" in scores.columns and len(scores):
        ranks = pd.to_numeric(scores["rank"], errors="coerce")
        if sorted(ranks.dropna().astype(int).tolist()) != list(range(1, len(scores) + 1)):
            extra["rank_sequence:rank"] = 1
    entity_ids = ctx.extra.get("entity_ids")
    if scores is not None and entity_ids is not None and "entity_id" in scores.columns:
        expected = {str(e) for e in entity_ids}
        got = set(scores["entity_id"].dropna().astype(str))
        missing = sorted(expected - got)
        unknown = sorted(got - expected)
        if missing:
            extra["unscored_entity:entity_id"] = len(missing)
            ids += missing[:SAMPLE_IDS]
        if unknown:
            extra["unknown_entity:entity_id"] = len(unknown)
            ids += unknown[:SAMPLE_IDS]
    if scores is not None and "snapshot_date" in scores.columns and len(scores):
        bad = scores["snapshot_date"].notna() & scores["snapshot_date"].map(str).str[:10].ne(
            str(ctx.partition_key)[:10]
        )
        if bad.any():
            extra["snapshot_mismatch:snapshot_date"] = int(bad.sum())
            ids += sample_ids(scores, bad, "entity_id")
    return pandera_tables(spec, "lead_scores", frames, ("scores",), ctx, extra, ids, qualify=False)


@check(
    "lead_scores",
    "scores_expectations_gx",
    E,
    "The Great Expectations suite `lead_scores` passes.",
)
def _scores_gx(
    spec: CheckSpec,
    frames: Mapping[str, pd.DataFrame],
    ctx: ContractContext,
    state: dict[str, Any],
) -> CheckOutcome:
    return gx_check(spec, "lead_scores", frames, ctx)


def _score_stats(scores: pd.DataFrame | None) -> dict[str, Any]:
    if scores is None or "lead_score" not in scores.columns or not len(scores):
        return {"rows": 0 if scores is None else len(scores)}
    s = pd.to_numeric(scores["lead_score"], errors="coerce").dropna()
    if s.empty:
        return {"rows": len(scores)}
    return {
        "rows": len(scores),
        "mean_score": round(float(s.mean()), 4),
        "std_score": round(float(s.std(ddof=0)), 4),
        "quantiles": {str(q): round(float(s.quantile(q)), 4) for q in (0.1, 0.5, 0.9)},
        "distinct_scores": int(s.nunique()),
    }


@check(
    "lead_scores",
    "scores_distribution_drift",
    W,
    "Scores are not all equal and their mean did not shift against the previous snapshot.",
)
def _scores_distribution_drift(
    spec: CheckSpec,
    frames: Mapping[str, pd.DataFrame],
    ctx: ContractContext,
    state: dict[str, Any],
) -> CheckOutcome:
    th: Thresholds = state["thresholds"]
    scores = frame_of(frames, "scores")
    stats = _score_stats(scores)
    prev = ctx.previous or {}
    failures: dict[str, int] = {}
    notes: list[str] = []
    if stats.get("rows", 0) >= 2 and stats.get("distinct_scores") == 1:
        failures["constant_scores:lead_score"] = stats["rows"]
        notes.append("every organisation has the same score")
    if "mean_score" in stats and prev.get("mean_score") is not None:
        shift = abs(stats["mean_score"] - float(prev["mean_score"]))
        if shift > th.score_mean_shift:
            failures["mean_shift:lead_score"] = stats["rows"]
            notes.append(f"mean score {float(prev['mean_score']):.3f} -> {stats['mean_score']:.3f}")
    if prev.get("rows") is not None and jumped(
        int(prev["rows"]), stats.get("rows", 0), th.row_count_change, th.row_count_min_delta
    ):
        failures["row_count_jump:scores"] = abs(stats.get("rows", 0) - int(prev["rows"]))
        notes.append(f"rows {prev['rows']} -> {stats.get('rows', 0)}")
    message = (
        f"{where(ctx)}: score distribution drift: " + "; ".join(notes)
        if notes
        else f"{where(ctx)}: score distribution in line"
        + ("" if prev else " (no previous snapshot to compare)")
    )
    return outcome(
        spec,
        rows_checked=stats.get("rows", 0),
        failures=failures,
        message=message,
        score_stats=stats,
        compared_with_previous=bool(prev),
    )


# --- call_list ------------------------------------------------------------------------------------


def _rendered(value: object) -> object:
    """A call-list cell as the writer delivers it (neutralised when the writer is available)."""
    try:
        from hotpass_assets.lib.scoring.calllist import neutralise
    except ImportError:  # pragma: no cover - the writer ships with the package
        return value
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    return neutralise(value)


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula (not neutralised by ``'``)."""
    if text.startswith("'"):
        return False
    return inert.is_active_text(text)


def _cells(frame: pd.DataFrame) -> list[tuple[int, str, object]]:
    text_cols = [c for c in frame.columns if c not in ("rank", "lead_score")]
    out = []
    for col in text_cols:
        for pos, value in enumerate(frame[col].tolist()):
            out.append((pos, str(col), value))
    return out


def _file_cells(path: str) -> list[tuple[int, str, object]] | None:
    """Cells of a written CSV or XLSX call list (row position, header, cell value)."""
    import csv
    from pathlib import Path

    p = Path(path)
    if not p.exists():
        return None
    if p.suffix.lower() == ".csv":
        with p.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    else:
        import openpyxl

        book = openpyxl.load_workbook(p, read_only=True, data_only=False)
        try:
            ws = book.worksheets[0]
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
        finally:
            book.close()
    if not rows:
        return []
    header = [str(h) for h in rows[0]]
    cells: list[tuple[int, str, object]] = [(-1, "header", h) for h in rows[0]]
    for pos, row in enumerate(rows[1:]):
        for col, value in zip(header, row, strict=False):
            cells.append((pos, col, value))
    return cells


@check(
    "call_list",
    "call_list_safe",
    E,
    "No delivered cell starts with a formula trigger (= + - @ tab CR LF) unless "
    "neutralised with a leading `'`, and every row has a reachable contact (valid phone "
    "or e-mail).",
)
def _call_list_safe(
    spec: CheckSpec,
    frames: Mapping[str, pd.DataFrame],
    ctx: ContractContext,
    state: dict[str, Any],
) -> CheckOutcome:
    from hotpass_assets.lib.scoring.features import is_missing

    calls = frame_of(frames, "call_list")
    if calls is None:
        return outcome(
            spec,
            rows_checked=0,
            failures={"missing_table:call_list": 1},
            message=f"{where(ctx)}: call list not given",
        )
    failures: Counter[str] = Counter()
    failing_pos: set[int] = set()
    neutralised = 0
    for pos, col, value in _cells(calls):
        if is_missing(value) if not isinstance(value, list | tuple) else False:
            continue
        delivered = _rendered(value)
        if isinstance(delivered, str):
            if delivered != value and isinstance(value, str):
                neutralised += 1
            if is_formula_like(delivered):
                failures[f"formula_injection:{col}"] += 1
                failing_pos.add(pos)
    files_checked: list[str] = []
    for key in ("csv_path", "xlsx_path"):
        path = ctx.extra.get(key)
        if not path:
            continue
        cells = _file_cells(str(path))
        if cells is None:
            failures[f"missing_output:{key}"] += 1
            continue
        files_checked.append(key)
        for pos, col, value in cells:
            if isinstance(value, str) and is_formula_like(value):
                failures[f"formula_injection_in_file:{key}.{col}"] += 1
                if pos >= 0:
                    failing_pos.add(pos)
    import re

    phone_rx, email_rx = re.compile(m.PHONE_PATTERN), re.compile(m.EMAIL_PATTERN)
    phone = calls.get("primary_contact_phone", pd.Series([None] * len(calls), dtype=object))
    email = calls.get("primary_contact_email", pd.Series([None] * len(calls), dtype=object))
    for pos, (p, e) in enumerate(zip(phone.tolist(), email.tolist(), strict=True)):
        ok_phone = isinstance(p, str) and bool(phone_rx.match(p.lstrip("'")))
        ok_email = isinstance(e, str) and bool(email_rx.match(e.lstrip("'")))
        if not (ok_phone or ok_email):
            failures["unreachable:primary_contact"] += 1
            failing_pos.add(pos)
    ids = (
        [str(calls["entity_id"].iloc[p]) for p in sorted(failing_pos) if p < len(calls)]
        if "entity_id" in calls.columns
        else [f"call_list#{p}" for p in sorted(failing_pos)]
    )
    message = (
        f"{where(ctx)}: unsafe or unreachable call-list rows: {summarise(failures)}"
        if failures
        else f"{where(ctx)}: {len(calls)} rows safe to open in a spreadsheet "
        f"({neutralised} cell(s) neutralised on write) and reachable"
    )
    return outcome(
        spec,
        rows_checked=len(calls),
        failures=dict(failures),
        failing_ids=ids,
        message=message,
        cells_neutralised_on_write=neutralised,
        files_checked=files_checked,
    )


@check(
    "call_list",
    "call_list_schema_pandera",
    E,
    "The call list matches its Pandera model: unique ranks and entities, province "
    "vocabulary, scores in [0, 1].",
)
def _call_list_schema(
    spec: CheckSpec,
    frames: Mapping[str, pd.DataFrame],
    ctx: ContractContext,
    state: dict[str, Any],
) -> CheckOutcome:
    return pandera_tables(spec, "call_list", frames, ("call_list",), ctx, {}, [], qualify=False)


@check(
    "call_list",
    "call_list_expectations_gx",
    E,
    "The Great Expectations suite `call_list` passes.",
)
def _call_list_gx(
    spec: CheckSpec,
    frames: Mapping[str, pd.DataFrame],
    ctx: ContractContext,
    state: dict[str, Any],
) -> CheckOutcome:
    return gx_check(spec, "call_list", frames, ctx)


@check(
    "call_list",
    "call_list_size",
    W,
    "The call list is not empty and has the requested number of rows.",
)
def _call_list_size(
    spec: CheckSpec,
    frames: Mapping[str, pd.DataFrame],
    ctx: ContractContext,
    state: dict[str, Any],
) -> CheckOutcome:
    calls = frame_of(frames, "call_list")
    n = 0 if calls is None else len(calls)
    requested = ctx.extra.get("requested_size")
    failures: dict[str, int] = {}
    if n == 0:
        failures["empty:call_list"] = 1
    elif requested is not None and n < int(requested):
        failures["short:call_list"] = int(requested) - n
    message = (
        f"{where(ctx)}: call list has {n} row(s)"
        + (f" of {int(requested)} requested" if requested is not None else "")
        + ("" if not failures else " (too few organisations with a reachable contact)")
    )
    return outcome(
        spec,
        rows_checked=n,
        failures=failures,
        message=message,
        requested_size=requested,
    )


@partition_stats_of("lead_scores")
def _lead_scores_stats(frames: Mapping[str, pd.DataFrame], ctx: ContractContext) -> dict[str, Any]:
    scores = frame_of(frames, "scores")
    stats = _score_stats(scores)
    if scores is not None and "model_version" in scores.columns and len(scores):
        stats["model_version"] = str(scores["model_version"].iloc[0])
    return stats


@partition_stats_of("call_list")
def _call_list_stats(frames: Mapping[str, pd.DataFrame], ctx: ContractContext) -> dict[str, Any]:
    calls = frame_of(frames, "call_list")
    stats: dict[str, Any] = {"rows": 0 if calls is None else len(calls)}
    stats.update({f"score_{k}": v for k, v in _score_stats(calls).items() if k != "rows"})
    return stats
