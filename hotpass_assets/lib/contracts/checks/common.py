"""Helpers the checks of several datasets share: metadata hygiene, rates, null rates, drift
comparisons and the Pandera and Great Expectations runners.

Cell values never leave these helpers: Pandera failure cases and GX unexpected values are reduced
to counts and the ids of failing rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from hotpass_assets.lib.checks import SAMPLE_IDS, CheckOutcome, CheckSpec, outcome
from hotpass_assets.lib.contracts.checks.context import ContractContext


def plain(value: Any) -> Any:
    """Metadata as plain JSON-able Python values (numpy scalars and NaN removed)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 6)
    return value


def where(ctx: ContractContext) -> str:
    if ctx.source_file:
        return f"partition {ctx.partition_key} (file {ctx.source_file!r})"
    return f"partition {ctx.partition_key}"


def frame_of(frames: Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame | None:
    frame = frames.get(name)
    return frame if isinstance(frame, pd.DataFrame) else None


def summarise(failures: Mapping[str, int], limit: int = 6) -> str:
    items = sorted(failures.items(), key=lambda kv: (-kv[1], kv[0]))
    text = ", ".join(f"{k} ({v})" for k, v in items[:limit])
    if len(items) > limit:
        text += f", and {len(items) - limit} more"
    return text


def rate(part: float, whole: float) -> float:
    return float(part) / float(whole) if whole else 0.0


def is_empty_value(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple) or hasattr(value, "__len__"):
        try:
            return len(value) == 0
        except TypeError:
            return False
    return False


def empty_mask(values: pd.Series) -> pd.Series:
    """``is_empty_value`` of every cell; text columns in one vectorised pass."""
    if values.dtype == object and pd.api.types.infer_dtype(values) in ("string", "empty"):
        text = values.where(values.notna(), "")
        return text.str.strip().eq("")
    if values.dtype != object:  # (Series.map hands a nullable column's NA over as NaN)
        return values.map(is_empty_value).astype(bool)
    # plain lists (the list columns) are decided inline, other cells by is_empty_value
    cells = values.to_numpy()
    empty = [len(v) == 0 if type(v) is list else is_empty_value(v) for v in cells]
    return pd.Series(empty, index=values.index, dtype=bool)


def null_rate(frame: pd.DataFrame, column: str) -> float | None:
    """Share of rows whose ``column`` is null, blank or an empty list (None when absent)."""
    if column not in frame.columns:
        return None
    if len(frame) == 0:
        return 0.0
    return float(empty_mask(frame[column]).mean())


def sample_ids(frame: pd.DataFrame, mask: pd.Series, id_column: str | None) -> list[str]:
    if id_column is None or id_column not in frame.columns or not mask.any():
        return []
    return [str(v) for v in frame.loc[mask, id_column].head(SAMPLE_IDS)]


def unknown_references(
    frame: pd.DataFrame,
    column: str,
    known: pd.Index,
    key: str,
    id_column: str | None,
    failures: dict[str, int],
    ids: list[str],
    *,
    null_is_unknown: bool = False,
) -> None:
    """Rows whose ``column`` refers to none of ``known`` (an index, which ``isin`` uses as it
    is; null references pass unless ``null_is_unknown``): counted in ``failures[key]``, a
    sample of their ids added to ``ids``."""
    refs = frame[column]
    bad = ~refs.astype(str).isin(known)
    if not null_is_unknown:
        bad &= refs.notna()
    if bad.any():
        failures[key] = int(bad.sum())
        ids += sample_ids(frame, bad, id_column)


# --- pandera-backed checks ----------------------------------------------------------------------


def pandera_tables(
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
    from hotpass_assets.lib.contracts.table_contracts import table_contract
    from hotpass_assets.lib.contracts.validation import validate

    failures: dict[str, int] = {}
    ids: list[str] = []
    rows = 0
    per_table: dict[str, dict[str, Any]] = {}
    required = tables if required is None else required
    for table in tables:
        contract = table_contract(dataset, table)
        frame = frame_of(frames, table)
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
        f"{where(ctx)}: {len(failures)} rule(s) failed: {summarise(failures)}"
        if failures
        else f"{where(ctx)}: {rows} rows match the Pandera models ({', '.join(tables)})"
    )
    return outcome(
        spec,
        rows_checked=rows,
        failures=failures,
        failing_ids=ids,
        message=message,
        tables=per_table,
    )


def gx_check(
    spec: CheckSpec, dataset: str, frames: Mapping[str, pd.DataFrame], ctx: ContractContext
) -> CheckOutcome:
    from hotpass_assets.lib.contracts import gx

    table, _ = gx.suite_target(dataset)
    frame = frame_of(frames, table)
    if frame is None:
        return outcome(
            spec,
            rows_checked=0,
            failures={f"missing_table:{table}": 1},
            message=f"{where(ctx)}: table {table!r} not given; GX suite {dataset!r} not run",
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
        f"{where(ctx)}: GX suite {run.suite!r} failed {len(run.failed)} of "
        f"{len(run.results)} expectation(s): {summarise(failures)}"
        if not run.success
        else f"{where(ctx)}: GX suite {run.suite!r} passed ({len(run.results)} expectations, "
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


def jumped(before: float, now: float, rel: float, min_delta: float) -> bool:
    delta = abs(now - before)
    if delta < min_delta:
        return False
    return (now == 0 and before > 0) or rate(delta, max(before, 1)) > rel


def count_drift(
    current: Mapping[str, int], before: Mapping[str, Any], rel: float, min_delta: int, prefix: str
) -> tuple[dict[str, int], list[str]]:
    failures: dict[str, int] = {}
    notes: list[str] = []
    for name, now in current.items():
        if name not in before or before[name] is None:
            continue
        was = int(before[name])
        if jumped(was, now, rel, min_delta):
            failures[f"{prefix}:{name}"] = abs(now - was)
            notes.append(f"{name}: {was} -> {now}")
    return failures, notes


def null_drift(
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
        frame = frame_of(frames, table)
        if frame is not None and filters and table in filters:
            frame = filters[table](frame)
        n = 0
        if frame is not None and column in frame.columns:
            mask = empty_mask(frame[column])
            n = int(mask.sum())
            ids += sample_ids(frame, mask, ids_by_table.get(table))
        failures[f"null_rate_jump:{key}"] = n
        notes.append(f"{key} null rate {float(was):.0%} -> {now:.0%}")
    return failures, notes, ids
