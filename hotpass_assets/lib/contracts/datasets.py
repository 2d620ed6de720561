"""The contract checks of every dataset: declarations, evaluation and partition statistics.

Each dataset declares a fixed list of :class:`~hotpass_assets.lib.checks.CheckSpec` (Dagster
declares check names before running). :func:`evaluate` returns exactly one outcome per spec, in
spec order. ``ERROR`` checks guard structure (missing sheets or columns, unreadable files, ids
that are not unique, values outside a closed vocabulary, missing provenance, unsafe call-list
cells); ``WARN`` checks report drift (reject rates, null rates, row counts against the previous
partition of the same dataset).

Outcome metadata holds counts, rule names, sheet/column names and record ids only. Cell values
never leave this module: Pandera failure cases and GX unexpected values are reduced to counts and
the ids of failing rows before anything is returned.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import pandas as pd

from hotpass_assets.lib import inert
from hotpass_assets.lib.checks import SAMPLE_IDS, CheckOutcome, CheckSpec, outcome
from hotpass_assets.lib.contracts import models as m

DATASETS: tuple[str, ...] = (
    "raw_workbook",
    "contact_capture",
    "refined_organisations",
    "lead_scores",
    "call_list",
)

#: Characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = inert.FORMULA_TRIGGERS


@dataclass
class ContractContext:
    """What a check needs besides the frames."""

    partition_key: str
    source_file: str | None = None
    #: ``partition_stats`` of the previous partition of the same dataset; None on the first.
    previous: dict | None = None
    #: Dataset-specific inputs: capture's ``sheets``, ``structural_errors``, ``workbook_kind``,
    #: ``profile_name``; the raw ``inventory``, ``path``, ``read_error``, ``source_report``
    #: (optional: the source-sheet report when the caller read it already); ``gx_docs_dir``;
    #: ``thresholds`` (overrides of :class:`Thresholds`); ``entity_ids`` (lead scores);
    #: ``requested_size``, ``csv_path``, ``xlsx_path`` (call list).
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Thresholds:
    """Limits of the drift (WARN) checks; override per run with ``ctx.extra["thresholds"]``."""

    #: Rejected rows / data rows of a sheet, by sheet role (``default`` for the others). Order
    #: history lists customers the company master does not have, so many order rows stay unlinked.
    reject_rate_max: Mapping[str, float] = field(
        default_factory=lambda: {"default": 0.5, "orders": 0.85}
    )
    #: Rejected values / data rows of a sheet.
    value_reject_rate_max: float = 0.9
    #: Increase of a sheet's row reject rate over the previous partition.
    reject_rate_jump: float = 0.10
    #: Relative change of a row count against the previous partition ...
    row_count_change: float = 0.5
    #: ... ignored when the absolute change is smaller than this.
    row_count_min_delta: int = 10
    #: Relative change of the number of refined organisations against the previous snapshot.
    entity_count_change: float = 0.2
    #: Increase of a column's null rate against the previous partition.
    null_rate_jump: float = 0.15
    #: Drop of the mean data-quality score against the previous snapshot.
    quality_drop: float = 0.05
    #: Shift of the mean lead score against the previous snapshot.
    score_mean_shift: float = 0.15

    @classmethod
    def from_context(cls, ctx: ContractContext) -> Thresholds:
        overrides = ctx.extra.get("thresholds") or {}
        known = {f.name for f in fields(cls)}
        return replace(cls(), **{k: v for k, v in overrides.items() if k in known})

    def reject_rate_for(self, role: str | None) -> float:
        return float(self.reject_rate_max.get(role or "", self.reject_rate_max["default"]))


# --- declarations -----------------------------------------------------------------------------

E, W = "ERROR", "WARN"
SPECS: dict[str, tuple[CheckSpec, ...]] = {
    "raw_workbook": (
        CheckSpec(
            "workbook_readable",
            E,
            "The dropped file opens as a workbook, lists its sheets and holds data.",
        ),
        CheckSpec(
            "source_sheets_structure",
            E,
            "The recognised workbook kind's required sheets and columns are present and its key "
            "columns are not empty (Pandera source-sheet models).",
        ),
        CheckSpec(
            "source_sheets_drift",
            W,
            "Expected columns missing, key cells empty on some rows, optional sheets absent, "
            "sheets the profile does not know holding data, sheet sizes jumping against the "
            "previous drop of the same workbook.",
        ),
    ),
    "contact_capture": (
        CheckSpec(
            "capture_structure",
            E,
            "Capture found no structural error (missing sheet, column or link target) and "
            "accounted for every row it read.",
        ),
        CheckSpec(
            "capture_schema_pandera",
            E,
            "Organisations, contacts and rejects match their Pandera models: types, unique "
            "record ids, provenance, province vocabulary, e-mail/phone formats, links between "
            "tables, partition key.",
        ),
        CheckSpec(
            "capture_expectations_gx",
            E,
            "The Great Expectations suite `contact_capture` passes on the organisation records "
            "(column list, id and URL formats, provenance).",
        ),
        CheckSpec(
            "capture_reject_rate",
            W,
            "No sheet rejects more rows or values than its threshold, and no sheet's reject rate "
            "jumped against the previous drop of the same workbook.",
        ),
        CheckSpec(
            "capture_row_count_drift",
            W,
            "Record and sheet row counts did not change sharply against the previous drop of "
            "the same workbook.",
        ),
        CheckSpec(
            "capture_completeness_drift",
            W,
            "Null rates of province, website, address, e-mails and phones did not jump against "
            "the previous drop of the same workbook.",
        ),
    ),
    "refined_organisations": (
        CheckSpec(
            "refined_schema_pandera",
            E,
            "Organisations and conflicts match their Pandera models: unique entity_id, province "
            "vocabulary, quality score in [0, 1] consistent with its flags, counts consistent "
            "with lists and contacts, provenance present, snapshot date.",
        ),
        CheckSpec(
            "contacts_schema_pandera",
            E,
            "Contacts match their Pandera model: unique contact_id, an existing entity, "
            "provenance, e-mail/phone formats.",
        ),
        CheckSpec(
            "refined_expectations_gx",
            E,
            "The Great Expectations suite `refined_organisations` passes (column list, id, URL, "
            "e-mail and phone formats, ranges).",
        ),
        CheckSpec(
            "refined_completeness_drift",
            W,
            "Null rates of the quality items did not rise and the mean quality score did not "
            "drop against the previous snapshot.",
        ),
        CheckSpec(
            "refined_row_count_drift",
            W,
            "The number of organisations and contacts did not change sharply against the "
            "previous snapshot.",
        ),
    ),
    "lead_scores": (
        CheckSpec(
            "scores_schema_pandera",
            E,
            "One score per entity, scores in [0, 1], ranks 1..n following the score.",
        ),
        CheckSpec(
            "scores_expectations_gx",
            E,
            "The Great Expectations suite `lead_scores` passes.",
        ),
        CheckSpec(
            "scores_distribution_drift",
            W,
            "Scores are not all equal and their mean did not shift against the previous snapshot.",
        ),
    ),
    "call_list": (
        CheckSpec(
            "call_list_safe",
            E,
            "No delivered cell starts with a formula trigger (= + - @ tab CR LF) unless "
            "neutralised with a leading `'`, and every row has a reachable contact (valid phone "
            "or e-mail).",
        ),
        CheckSpec(
            "call_list_schema_pandera",
            E,
            "The call list matches its Pandera model: unique ranks and entities, province "
            "vocabulary, scores in [0, 1].",
        ),
        CheckSpec(
            "call_list_expectations_gx",
            E,
            "The Great Expectations suite `call_list` passes.",
        ),
        CheckSpec(
            "call_list_size",
            W,
            "The call list is not empty and has the requested number of rows.",
        ),
    ),
}


@dataclass(frozen=True)
class TableContract:
    dataset: str
    table: str
    model: type
    id_column: str | None


def _tables() -> dict[str, dict[str, TableContract]]:
    from hotpass_assets.lib.contracts.sources import all_sheet_contracts

    out: dict[str, dict[str, TableContract]] = {
        "raw_workbook": {
            "inventory": TableContract("raw_workbook", "inventory", m.SheetInventory, "sheet")
        },
        "contact_capture": {
            "organisations": TableContract(
                "contact_capture", "organisations", m.CaptureOrganisations, "record_id"
            ),
            "contacts": TableContract(
                "contact_capture", "contacts", m.CaptureContacts, "contact_record_id"
            ),
            "rejects": TableContract("contact_capture", "rejects", m.CaptureRejects, None),
        },
        "refined_organisations": {
            "organisations": TableContract(
                "refined_organisations", "organisations", m.RefinedOrganisations, "entity_id"
            ),
            "contacts": TableContract(
                "refined_organisations", "contacts", m.RefinedContacts, "contact_id"
            ),
            "conflicts": TableContract(
                "refined_organisations", "conflicts", m.Conflicts, "entity_id"
            ),
        },
        "lead_scores": {
            "scores": TableContract("lead_scores", "scores", m.LeadScores, "entity_id")
        },
        "call_list": {
            "call_list": TableContract("call_list", "call_list", m.CallList, "entity_id")
        },
    }
    for c in all_sheet_contracts():
        out["raw_workbook"][c.table] = TableContract("raw_workbook", c.table, c.model, None)
    return out


TABLES: dict[str, dict[str, TableContract]] = _tables()


def check_specs(dataset: str) -> list[CheckSpec]:
    """The checks of ``dataset``, in the order :func:`evaluate` returns their outcomes."""
    if dataset not in SPECS:
        raise KeyError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")
    return list(SPECS[dataset])


def table_contract(dataset: str, table: str) -> TableContract:
    try:
        return TABLES[dataset][table]
    except KeyError:
        known = ", ".join(f"{d}.{t}" for d in TABLES for t in TABLES[d])
        raise KeyError(f"no contract for {dataset}.{table}; known: {known}") from None


# --- evaluation -----------------------------------------------------------------------------

Evaluator = Callable[[Mapping[str, pd.DataFrame], ContractContext, dict], dict[str, CheckOutcome]]


def evaluate(
    dataset: str, frames: Mapping[str, pd.DataFrame], ctx: ContractContext
) -> list[CheckOutcome]:
    """Run every check of ``dataset``: exactly one outcome per declared spec, in spec order.

    A check that raises does not stop the others: its outcome fails and names the exception
    type (not its message, which could quote a value).
    """
    specs = check_specs(dataset)
    state: dict[str, Any] = {"thresholds": Thresholds.from_context(ctx)}
    results: dict[str, CheckOutcome] = {}
    for spec in specs:
        fn = _CHECKS[spec.name]
        try:
            results[spec.name] = fn(spec, frames, ctx, state)
        except Exception as exc:
            results[spec.name] = outcome(
                spec,
                rows_checked=0,
                failures={f"check_error:{type(exc).__name__}": 1},
                message=f"{_where(ctx)}: check {spec.name} could not run ({type(exc).__name__})",
                passed=False,
            )
    return [_finalise(results[s.name]) for s in specs]


def _finalise(o: CheckOutcome) -> CheckOutcome:
    o.metadata = {k: _plain(v) for k, v in o.metadata.items()}
    return o


def _plain(value: Any) -> Any:
    """Metadata as plain JSON-able Python values (numpy scalars and NaN removed)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 6)
    return value


def _where(ctx: ContractContext) -> str:
    if ctx.source_file:
        return f"partition {ctx.partition_key} (file {ctx.source_file!r})"
    return f"partition {ctx.partition_key}"


def _frame(frames: Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame | None:
    frame = frames.get(name)
    return frame if isinstance(frame, pd.DataFrame) else None


def _summarise(failures: Mapping[str, int], limit: int = 6) -> str:
    items = sorted(failures.items(), key=lambda kv: (-kv[1], kv[0]))
    text = ", ".join(f"{k} ({v})" for k, v in items[:limit])
    if len(items) > limit:
        text += f", and {len(items) - limit} more"
    return text


def _rate(part: float, whole: float) -> float:
    return float(part) / float(whole) if whole else 0.0


def _is_empty_value(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple) or hasattr(value, "__len__"):
        try:
            return len(value) == 0  # type: ignore[arg-type]
        except TypeError:
            return False
    return False


def null_rate(frame: pd.DataFrame, column: str) -> float | None:
    """Share of rows whose ``column`` is null, blank or an empty list (None when absent)."""
    if column not in frame.columns:
        return None
    if len(frame) == 0:
        return 0.0
    return float(frame[column].map(_is_empty_value).mean())


def _sample_ids(frame: pd.DataFrame, mask: pd.Series, id_column: str | None) -> list[str]:
    if id_column is None or id_column not in frame.columns or not mask.any():
        return []
    return [str(v) for v in frame.loc[mask, id_column].head(SAMPLE_IDS)]


# --- pandera-backed checks ----------------------------------------------------------------------


def _pandera_tables(
    spec: CheckSpec,
    dataset: str,
    frames: Mapping[str, pd.DataFrame],
    tables: Sequence[str],
    ctx: ContractContext,
    extra_failures: dict[str, int],
    extra_ids: list[str],
    *,
    qualify: bool,
    required: Sequence[str] | None = None,
) -> CheckOutcome:
    from hotpass_assets.lib.contracts.validation import validate

    failures: dict[str, int] = {}
    ids: list[str] = []
    rows = 0
    per_table: dict[str, dict] = {}
    required = tables if required is None else required
    for table in tables:
        contract = table_contract(dataset, table)
        frame = _frame(frames, table)
        if frame is None:
            if table in required:
                key = f"missing_table:{table}"
                failures[key] = 1
            per_table[table] = {"rows": 0, "present": False}
            continue
        result = validate(
            contract.model, frame, id_column=contract.id_column, table=table, qualify=qualify
        )
        rows += result.rows
        failures.update(result.failures)
        ids.extend(result.failing_ids)
        per_table[table] = {
            "rows": result.rows,
            "failing_rows": sum(result.failures.values()),
        }
    for k, v in extra_failures.items():
        failures[k] = failures.get(k, 0) + v
    ids.extend(extra_ids)
    message = (
        f"{_where(ctx)}: {len(failures)} rule(s) failed: {_summarise(failures)}"
        if failures
        else f"{_where(ctx)}: {rows} rows match the Pandera models ({', '.join(tables)})"
    )
    return outcome(
        spec,
        rows_checked=rows,
        failures=failures,
        failing_ids=ids,
        message=message,
        tables=per_table,
    )


def _gx_check(
    spec: CheckSpec, dataset: str, frames: Mapping[str, pd.DataFrame], ctx: ContractContext
) -> CheckOutcome:
    from hotpass_assets.lib.contracts import gx

    table, _ = gx.suite_target(dataset)
    frame = _frame(frames, table)
    if frame is None:
        return outcome(
            spec,
            rows_checked=0,
            failures={f"missing_table:{table}": 1},
            message=f"{_where(ctx)}: table {table!r} not given; GX suite {dataset!r} not run",
        )
    run = gx.run_suite(dataset, frame, docs_dir=ctx.extra.get("gx_docs_dir"))
    failures = run.failures()
    meta: dict[str, Any] = {
        "gx_suite": run.suite,
        "gx_table": run.table,
        "gx_expectations": len(run.results),
        "gx_expectations_failed": len(run.failed),
        "gx_validate_ms": round(run.validate_s * 1000, 1),
        "gx_setup_ms": round(run.setup_s * 1000, 1),
    }
    if run.docs_path:
        meta["gx_data_docs"] = run.docs_path
    message = (
        f"{_where(ctx)}: GX suite {run.suite!r} failed {len(run.failed)} of "
        f"{len(run.results)} expectation(s): {_summarise(failures)}"
        if not run.success
        else f"{_where(ctx)}: GX suite {run.suite!r} passed ({len(run.results)} expectations, "
        f"{run.validate_s * 1000:.0f} ms)"
    )
    return outcome(
        spec,
        rows_checked=len(frame),
        failures=failures,
        failing_ids=run.failing_ids(),
        message=message,
        passed=run.success,
        **meta,
    )


# --- raw_workbook -------------------------------------------------------------------------------


def _inventory(ctx: ContractContext) -> pd.DataFrame:
    rows = ctx.extra.get("inventory") or []
    frame = pd.DataFrame(list(rows), columns=["sheet", "rows", "columns", "non_empty_rows"])
    if "non_empty_rows" in frame and frame["non_empty_rows"].isna().any():
        frame["non_empty_rows"] = frame["non_empty_rows"].fillna(frame["rows"])
    return frame


def _workbook_readable(spec, frames, ctx, state) -> CheckOutcome:
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
            problems.append(f"invalid sheet inventory: {_summarise(result.failures)}")
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


def _source_report(ctx: ContractContext, state: dict):
    if "source_report" in state:
        return state["source_report"]
    if "source_report" in ctx.extra:  # computed by the caller (in the isolated reading process)
        state["source_report"] = ctx.extra["source_report"] if state.get("readable", True) else None
        return state["source_report"]
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


def _source_sheets_structure(spec, frames, ctx, state) -> CheckOutcome:
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
    meta = {
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


def _source_sheets_drift(spec, frames, ctx, state) -> CheckOutcome:
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
            str(r.sheet): int(r.non_empty_rows)
            for r in inventory.itertuples(index=False)
            if r.non_empty_rows == r.non_empty_rows
        }
        for sheet in sorted(set(prev_sheets) - set(current)):
            failures[f"sheet_removed:{sheet}"] = 1
            notes.append(f"file {file!r}: sheet_removed {sheet!r} (present in the previous drop)")
        for sheet in sorted(set(current) - set(prev_sheets)):
            failures[f"sheet_added:{sheet}"] = 1
            notes.append(f"file {file!r}: sheet_added {sheet!r}")
        for sheet in sorted(set(current) & set(prev_sheets)):
            before = int((prev_sheets[sheet] or {}).get("non_empty_rows") or 0)
            if _jumped(before, current[sheet], th.row_count_change, th.row_count_min_delta):
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


def _jumped(before: float, now: float, rel: float, min_delta: float) -> bool:
    delta = abs(now - before)
    if delta < min_delta:
        return False
    return (now == 0 and before > 0) or _rate(delta, max(before, 1)) > rel


# --- contact_capture ----------------------------------------------------------------------------


def _capture_structure(spec, frames, ctx, state) -> CheckOutcome:
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


def _capture_schema(spec, frames, ctx, state) -> CheckOutcome:
    orgs = _frame(frames, "organisations")
    contacts = _frame(frames, "contacts")
    rejects = _frame(frames, "rejects")
    extra: dict[str, int] = {}
    ids: list[str] = []
    if orgs is not None and "record_id" in orgs.columns:
        known = set(orgs["record_id"].dropna().astype(str))
        if contacts is not None and "organisation_record_id" in contacts.columns:
            orphan = contacts["organisation_record_id"].notna() & ~contacts[
                "organisation_record_id"
            ].astype(str).isin(known)
            if orphan.any():
                extra["orphan_contact:contacts.organisation_record_id"] = int(orphan.sum())
                ids += _sample_ids(contacts, orphan, "contact_record_id")
        if "link_record_id" in orgs.columns:
            dangling = orgs["link_record_id"].notna() & ~orgs["link_record_id"].astype(str).isin(
                known
            )
            if dangling.any():
                extra["dangling_link:organisations.link_record_id"] = int(dangling.sum())
                ids += _sample_ids(orgs, dangling, "record_id")
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
                ids += _sample_ids(frame, bad, id_col)
    return _pandera_tables(
        spec,
        "contact_capture",
        frames,
        ("organisations", "contacts", "rejects"),
        ctx,
        extra,
        ids,
        qualify=True,
    )


def _capture_gx(spec, frames, ctx, state) -> CheckOutcome:
    return _gx_check(spec, "contact_capture", frames, ctx)


def _sheet_rates(sheets: Sequence[Mapping]) -> dict[str, dict]:
    out: dict[str, dict] = {}
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
            "reject_rate": round(_rate(rejected, data), 4),
            "value_reject_rate": round(_rate(n_values, data), 4),
        }
    return out


def _capture_reject_rate(spec, frames, ctx, state) -> CheckOutcome:
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
    refs = _reject_refs(_frame(frames, "rejects"), failing_sheets)
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
    orgs = _frame(frames, "organisations")
    counts = {
        name: len(f) if (f := _frame(frames, name)) is not None else 0
        for name in ("organisations", "contacts", "rejects")
    }
    if orgs is not None and "record_kind" in orgs.columns:
        counts["listings"] = int(orgs["record_kind"].eq("organisation").sum())
        counts["attributes"] = int(orgs["record_kind"].eq("attribute").sum())
    return counts


def _count_drift(
    current: Mapping[str, int], before: Mapping[str, Any], rel: float, min_delta: int, prefix: str
) -> tuple[dict[str, int], list[str]]:
    failures: dict[str, int] = {}
    notes: list[str] = []
    for name, now in current.items():
        if name not in before or before[name] is None:
            continue
        was = int(before[name])
        if _jumped(was, now, rel, min_delta):
            failures[f"{prefix}:{name}"] = abs(now - was)
            notes.append(f"{name}: {was} -> {now}")
    return failures, notes


def _capture_row_count_drift(spec, frames, ctx, state) -> CheckOutcome:
    th: Thresholds = state["thresholds"]
    file = ctx.source_file or "?"
    counts = _capture_counts(frames)
    prev = ctx.previous or {}
    failures, notes = _count_drift(
        counts,
        prev.get("rows") or {},
        th.row_count_change,
        th.row_count_min_delta,
        "row_count_jump",
    )
    sheets = {s: r["data_rows"] for s, r in _sheet_rates(ctx.extra.get("sheets") or []).items()}
    prev_sheets = {s: (v or {}).get("data_rows") for s, v in (prev.get("sheets") or {}).items()}
    f2, n2 = _count_drift(
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
    orgs = _frame(frames, "organisations")
    if orgs is not None:
        listings = orgs[orgs["record_kind"].eq("organisation")] if "record_kind" in orgs else orgs
        for col in CAPTURE_NULL_COLUMNS["organisations"]:
            rate = null_rate(listings, col)
            if rate is not None:
                out[f"organisations.{col}"] = round(rate, 4)
    contacts = _frame(frames, "contacts")
    if contacts is not None:
        for col in CAPTURE_NULL_COLUMNS["contacts"]:
            rate = null_rate(contacts, col)
            if rate is not None:
                out[f"contacts.{col}"] = round(rate, 4)
    return out


def _null_drift(
    frames: Mapping[str, pd.DataFrame],
    rates: Mapping[str, float],
    before: Mapping[str, Any],
    jump: float,
    ids_by_table: Mapping[str, str],
    filters: Mapping[str, Callable[[pd.DataFrame], pd.DataFrame]] | None = None,
) -> tuple[dict[str, int], list[str], list[str]]:
    failures: dict[str, int] = {}
    notes: list[str] = []
    ids: list[str] = []
    for key, now in rates.items():
        was = before.get(key)
        if was is None or now - float(was) <= jump:
            continue
        table, _, column = key.partition(".")
        frame = _frame(frames, table)
        if frame is not None and filters and table in filters:
            frame = filters[table](frame)
        n = 0
        if frame is not None and column in frame.columns:
            mask = frame[column].map(_is_empty_value)
            n = int(mask.sum())
            ids += _sample_ids(frame, mask, ids_by_table.get(table))
        failures[f"null_rate_jump:{key}"] = n
        notes.append(f"{key} null rate {float(was):.0%} -> {now:.0%}")
    return failures, notes, ids


def _capture_completeness_drift(spec, frames, ctx, state) -> CheckOutcome:
    th: Thresholds = state["thresholds"]
    file = ctx.source_file or "?"
    rates = _capture_null_rates(frames)
    before = (ctx.previous or {}).get("null_rates") or {}
    failures, notes, ids = _null_drift(
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


def _refined_schema(spec, frames, ctx, state) -> CheckOutcome:
    orgs = _frame(frames, "organisations")
    contacts = _frame(frames, "contacts")
    conflicts = _frame(frames, "conflicts")
    extra: dict[str, int] = {}
    ids: list[str] = []
    if orgs is not None and "entity_id" in orgs.columns:
        entities = set(orgs["entity_id"].dropna().astype(str))
        if conflicts is not None and "entity_id" in conflicts.columns and len(conflicts):
            orphan = ~conflicts["entity_id"].astype(str).isin(entities)
            if orphan.any():
                extra["unknown_entity:conflicts.entity_id"] = int(orphan.sum())
                ids += _sample_ids(conflicts, orphan, "entity_id")
        if contacts is not None and {"entity_id", "contact_id"} <= set(contacts.columns):
            per_entity = contacts.groupby(contacts["entity_id"].astype(str)).size()
            if "contact_count" in orgs.columns:
                expected = orgs["entity_id"].astype(str).map(per_entity).fillna(0)
                actual = pd.to_numeric(orgs["contact_count"], errors="coerce")
                bad = expected.ne(actual)
                if bad.any():
                    extra["contact_count_mismatch:organisations.contact_count"] = int(bad.sum())
                    ids += _sample_ids(orgs, bad, "entity_id")
            if "primary_contact_id" in orgs.columns:
                owner = dict(
                    zip(
                        contacts["contact_id"].astype(str),
                        contacts["entity_id"].astype(str),
                        strict=True,
                    )
                )
                pc = orgs["primary_contact_id"]
                bad = pc.notna() & (
                    pc.astype(str).map(owner).fillna("") != orgs["entity_id"].astype(str)
                )
                if bad.any():
                    extra["unknown_primary_contact:organisations.primary_contact_id"] = int(
                        bad.sum()
                    )
                    ids += _sample_ids(orgs, bad, "entity_id")
    for table, frame in (("organisations", orgs), ("conflicts", conflicts)):
        if frame is None or not len(frame) or "snapshot_date" not in frame.columns:
            continue
        bad = frame["snapshot_date"].notna() & frame["snapshot_date"].map(str).str[:10].ne(
            str(ctx.partition_key)[:10]
        )
        if bad.any():
            extra[f"snapshot_mismatch:{table}.snapshot_date"] = int(bad.sum())
            ids += _sample_ids(frame, bad, "entity_id")
    review = frames.get("review")
    out = _pandera_tables(
        spec,
        "refined_organisations",
        frames,
        ("organisations", "conflicts"),
        ctx,
        extra,
        ids,
        qualify=True,
        required=("organisations",),
    )
    out.metadata["review_queue_rows"] = len(review) if isinstance(review, pd.DataFrame) else 0
    return out


def _contacts_schema(spec, frames, ctx, state) -> CheckOutcome:
    orgs = _frame(frames, "organisations")
    contacts = _frame(frames, "contacts")
    extra: dict[str, int] = {}
    ids: list[str] = []
    if (
        orgs is not None
        and contacts is not None
        and "entity_id" in orgs.columns
        and "entity_id" in contacts.columns
        and len(contacts)
    ):
        entities = set(orgs["entity_id"].dropna().astype(str))
        orphan = contacts["entity_id"].notna() & ~contacts["entity_id"].astype(str).isin(entities)
        if orphan.any():
            extra["unknown_entity:entity_id"] = int(orphan.sum())
            ids += _sample_ids(contacts, orphan, "contact_id")
    if contacts is not None and len(contacts) and "snapshot_date" in contacts.columns:
        bad = contacts["snapshot_date"].notna() & contacts["snapshot_date"].map(str).str[:10].ne(
            str(ctx.partition_key)[:10]
        )
        if bad.any():
            extra["snapshot_mismatch:snapshot_date"] = int(bad.sum())
            ids += _sample_ids(contacts, bad, "contact_id")
    return _pandera_tables(
        spec, "refined_organisations", frames, ("contacts",), ctx, extra, ids, qualify=False
    )


def _refined_gx(spec, frames, ctx, state) -> CheckOutcome:
    return _gx_check(spec, "refined_organisations", frames, ctx)


REFINED_NULL_COLUMNS: tuple[str, ...] = ("province", "website", "address", "emails", "phones")


def _refined_null_rates(frames: Mapping[str, pd.DataFrame]) -> dict[str, float]:
    orgs = _frame(frames, "organisations")
    out: dict[str, float] = {}
    if orgs is None:
        return out
    for col in (*REFINED_NULL_COLUMNS, "primary_contact_id"):
        rate = null_rate(orgs, col)
        if rate is not None:
            out[f"organisations.{col}"] = round(rate, 4)
    return out


def _mean_quality(frames: Mapping[str, pd.DataFrame]) -> float | None:
    orgs = _frame(frames, "organisations")
    if orgs is None or "data_quality_score" not in orgs.columns or not len(orgs):
        return None
    value = pd.to_numeric(orgs["data_quality_score"], errors="coerce").mean()
    return None if pd.isna(value) else round(float(value), 4)


def _refined_completeness_drift(spec, frames, ctx, state) -> CheckOutcome:
    th: Thresholds = state["thresholds"]
    rates = _refined_null_rates(frames)
    prev = ctx.previous or {}
    failures, notes, ids = _null_drift(
        frames,
        rates,
        prev.get("null_rates") or {},
        th.null_rate_jump,
        {"organisations": "entity_id"},
    )
    mean_q = _mean_quality(frames)
    before_q = prev.get("mean_quality")
    if mean_q is not None and before_q is not None and float(before_q) - mean_q > th.quality_drop:
        failures["quality_drop:organisations.data_quality_score"] = 1
        notes.append(f"mean data_quality_score {float(before_q):.3f} -> {mean_q:.3f}")
    if notes:
        message = (
            f"{_where(ctx)}: completeness dropped against the previous snapshot: "
            + "; ".join(notes)
        )
    elif not prev:
        message = f"{_where(ctx)}: no previous snapshot to compare"
    else:
        message = f"{_where(ctx)}: completeness in line with the previous snapshot"
    orgs = _frame(frames, "organisations")
    return outcome(
        spec,
        rows_checked=len(orgs) if orgs is not None else 0,
        failures=failures,
        failing_ids=ids,
        message=message,
        null_rates=rates,
        mean_quality=mean_q,
        previous_mean_quality=before_q,
        compared_with_previous=bool(prev),
    )


def _refined_counts(frames: Mapping[str, pd.DataFrame]) -> dict[str, int]:
    return {
        name: len(f)
        for name in ("organisations", "contacts", "conflicts", "review")
        if (f := _frame(frames, name)) is not None
    }


def _refined_row_count_drift(spec, frames, ctx, state) -> CheckOutcome:
    th: Thresholds = state["thresholds"]
    counts = _refined_counts(frames)
    prev = ctx.previous or {}
    before = prev.get("rows") or {}
    failures, notes = _count_drift(
        {k: v for k, v in counts.items() if k == "organisations"},
        before,
        th.entity_count_change,
        1,
        "row_count_jump",
    )
    f2, n2 = _count_drift(
        {k: v for k, v in counts.items() if k == "contacts"},
        before,
        th.row_count_change,
        th.row_count_min_delta,
        "row_count_jump",
    )
    failures.update(f2)
    notes += n2
    if notes:
        message = f"{_where(ctx)}: row counts changed against the previous snapshot: " + "; ".join(
            notes
        )
    elif not prev:
        message = f"{_where(ctx)}: no previous snapshot to compare"
    else:
        message = f"{_where(ctx)}: row counts in line with the previous snapshot"
    return outcome(
        spec,
        rows_checked=counts.get("organisations", 0),
        failures=failures,
        message=message,
        row_counts=counts,
        previous_row_counts=dict(before),
        compared_with_previous=bool(prev),
    )


# --- lead_scores ----------------------------------------------------------------------------------


def _scores_schema(spec, frames, ctx, state) -> CheckOutcome:
    scores = _frame(frames, "scores")
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
            ids += _sample_ids(scores, bad, "entity_id")
    return _pandera_tables(spec, "lead_scores", frames, ("scores",), ctx, extra, ids, qualify=False)


def _scores_gx(spec, frames, ctx, state) -> CheckOutcome:
    return _gx_check(spec, "lead_scores", frames, ctx)


def _score_stats(scores: pd.DataFrame | None) -> dict:
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


def _scores_distribution_drift(spec, frames, ctx, state) -> CheckOutcome:
    th: Thresholds = state["thresholds"]
    scores = _frame(frames, "scores")
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
    if prev.get("rows") is not None and _jumped(
        int(prev["rows"]), stats.get("rows", 0), th.row_count_change, th.row_count_min_delta
    ):
        failures["row_count_jump:scores"] = abs(stats.get("rows", 0) - int(prev["rows"]))
        notes.append(f"rows {prev['rows']} -> {stats.get('rows', 0)}")
    message = (
        f"{_where(ctx)}: score distribution drift: " + "; ".join(notes)
        if notes
        else f"{_where(ctx)}: score distribution in line"
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
    cells = [(-1, "header", h) for h in rows[0]]
    for pos, row in enumerate(rows[1:]):
        for col, value in zip(header, row, strict=False):
            cells.append((pos, col, value))
    return cells


def _call_list_safe(spec, frames, ctx, state) -> CheckOutcome:
    from hotpass_assets.lib.scoring.features import is_missing

    calls = _frame(frames, "call_list")
    if calls is None:
        return outcome(
            spec,
            rows_checked=0,
            failures={"missing_table:call_list": 1},
            message=f"{_where(ctx)}: call list not given",
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
        f"{_where(ctx)}: unsafe or unreachable call-list rows: {_summarise(failures)}"
        if failures
        else f"{_where(ctx)}: {len(calls)} rows safe to open in a spreadsheet "
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


def _call_list_schema(spec, frames, ctx, state) -> CheckOutcome:
    return _pandera_tables(spec, "call_list", frames, ("call_list",), ctx, {}, [], qualify=False)


def _call_list_gx(spec, frames, ctx, state) -> CheckOutcome:
    return _gx_check(spec, "call_list", frames, ctx)


def _call_list_size(spec, frames, ctx, state) -> CheckOutcome:
    calls = _frame(frames, "call_list")
    n = 0 if calls is None else len(calls)
    requested = ctx.extra.get("requested_size")
    failures: dict[str, int] = {}
    if n == 0:
        failures["empty:call_list"] = 1
    elif requested is not None and n < int(requested):
        failures["short:call_list"] = int(requested) - n
    message = (
        f"{_where(ctx)}: call list has {n} row(s)"
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


_CHECKS: dict[str, Callable[..., CheckOutcome]] = {
    "workbook_readable": _workbook_readable,
    "source_sheets_structure": _source_sheets_structure,
    "source_sheets_drift": _source_sheets_drift,
    "capture_structure": _capture_structure,
    "capture_schema_pandera": _capture_schema,
    "capture_expectations_gx": _capture_gx,
    "capture_reject_rate": _capture_reject_rate,
    "capture_row_count_drift": _capture_row_count_drift,
    "capture_completeness_drift": _capture_completeness_drift,
    "refined_schema_pandera": _refined_schema,
    "contacts_schema_pandera": _contacts_schema,
    "refined_expectations_gx": _refined_gx,
    "refined_completeness_drift": _refined_completeness_drift,
    "refined_row_count_drift": _refined_row_count_drift,
    "scores_schema_pandera": _scores_schema,
    "scores_expectations_gx": _scores_gx,
    "scores_distribution_drift": _scores_distribution_drift,
    "call_list_safe": _call_list_safe,
    "call_list_schema_pandera": _call_list_schema,
    "call_list_expectations_gx": _call_list_gx,
    "call_list_size": _call_list_size,
}


# --- partition statistics -------------------------------------------------------------------------


def partition_stats(dataset: str, frames: Mapping[str, pd.DataFrame], ctx: ContractContext) -> dict:
    """Counts and rates of this partition; the next partition's ``ctx.previous``.

    Plain JSON (ints, floats, strings, dicts); no values of any record.
    """
    check_specs(dataset)
    stats: dict[str, Any] = {"dataset": dataset, "partition_key": ctx.partition_key}
    if dataset == "raw_workbook":
        inv = _inventory(ctx)
        stats["sheets"] = {
            str(r.sheet): {
                "rows": int(r.rows),
                "columns": int(r.columns),
                "non_empty_rows": int(r.non_empty_rows),
            }
            for r in inv.itertuples(index=False)
        }
        stats["sheet_count"] = len(inv)
        stats["non_empty_rows"] = int(pd.to_numeric(inv["non_empty_rows"]).sum()) if len(inv) else 0
    elif dataset == "contact_capture":
        stats["rows"] = _capture_counts(frames)
        stats["sheets"] = _sheet_rates(ctx.extra.get("sheets") or [])
        stats["null_rates"] = _capture_null_rates(frames)
        rejects = _frame(frames, "rejects")
        stats["rejects_by_reason"] = (
            {str(k): int(v) for k, v in rejects["reason_code"].value_counts().items()}
            if rejects is not None and len(rejects) and "reason_code" in rejects
            else {}
        )
        for key in ("workbook_kind", "profile_name"):
            if ctx.extra.get(key) is not None:
                stats[key] = str(ctx.extra[key])
    elif dataset == "refined_organisations":
        stats["rows"] = _refined_counts(frames)
        stats["null_rates"] = _refined_null_rates(frames)
        stats["mean_quality"] = _mean_quality(frames)
        orgs = _frame(frames, "organisations")
        if orgs is not None and "is_customer" in orgs.columns:
            stats["customers"] = int(orgs["is_customer"].fillna(False).astype(bool).sum())
        run_stats = ctx.extra.get("stats") or {}
        for key in ("merge_rate", "review_queue", "input_records"):
            if isinstance(run_stats.get(key), int | float):
                stats[key] = run_stats[key]
    elif dataset == "lead_scores":
        stats.update(_score_stats(_frame(frames, "scores")))
        scores = _frame(frames, "scores")
        if scores is not None and "model_version" in scores.columns and len(scores):
            stats["model_version"] = str(scores["model_version"].iloc[0])
    elif dataset == "call_list":
        calls = _frame(frames, "call_list")
        stats["rows"] = 0 if calls is None else len(calls)
        stats.update({f"score_{k}": v for k, v in _score_stats(calls).items() if k != "rows"})
    return _plain(stats)
