"""Checks of `refined_organisations`: Pandera and GX schemas of organisations, contacts and
conflicts; drift of completeness, quality and counts against the previous snapshot."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from hotpass_assets.lib.checks import CheckOutcome, CheckSpec, outcome
from hotpass_assets.lib.contracts.checks.common import (
    count_drift,
    frame_of,
    gx_check,
    null_drift,
    null_rate,
    pandera_tables,
    sample_ids,
    unknown_references,
    where,
)
from hotpass_assets.lib.contracts.checks.context import ContractContext, Thresholds
from hotpass_assets.lib.contracts.checks.registry import E, W, check, partition_stats_of


def known_entities(orgs: pd.DataFrame) -> pd.Index:
    """The organisations' entity ids as text, to test membership with ``isin`` (an index, not
    a set, which ``isin`` would first turn into a list)."""
    ids: pd.Index = pd.Index(orgs["entity_id"].dropna().astype(str).unique())
    return ids


@check(
    "refined_organisations",
    "refined_schema_pandera",
    E,
    "Organisations and conflicts match their Pandera models: unique entity_id, province "
    "vocabulary, quality score in [0, 1] consistent with its flags, counts consistent "
    "with lists and contacts, provenance present, snapshot date.",
)
def _refined_schema(
    spec: CheckSpec,
    frames: Mapping[str, pd.DataFrame],
    ctx: ContractContext,
    state: dict[str, Any],
) -> CheckOutcome:
    orgs = frame_of(frames, "organisations")
    contacts = frame_of(frames, "contacts")
    conflicts = frame_of(frames, "conflicts")
    extra: dict[str, int] = {}
    ids: list[str] = []
    if orgs is not None and "entity_id" in orgs.columns:
        entities = known_entities(orgs)
        if conflicts is not None and "entity_id" in conflicts.columns and len(conflicts):
            unknown_references(
                conflicts,
                "entity_id",
                entities,
                "unknown_entity:conflicts.entity_id",
                "entity_id",
                extra,
                ids,
                null_is_unknown=True,
            )
        if contacts is not None and {"entity_id", "contact_id"} <= set(contacts.columns):
            per_entity = contacts.groupby(contacts["entity_id"].astype(str)).size()
            if "contact_count" in orgs.columns:
                expected = orgs["entity_id"].astype(str).map(per_entity).fillna(0)
                actual = pd.to_numeric(orgs["contact_count"], errors="coerce")
                bad = expected.ne(actual)
                if bad.any():
                    extra["contact_count_mismatch:organisations.contact_count"] = int(bad.sum())
                    ids += sample_ids(orgs, bad, "entity_id")
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
                    ids += sample_ids(orgs, bad, "entity_id")
    for table, frame in (("organisations", orgs), ("conflicts", conflicts)):
        if frame is None or not len(frame) or "snapshot_date" not in frame.columns:
            continue
        bad = frame["snapshot_date"].notna() & frame["snapshot_date"].map(str).str[:10].ne(
            str(ctx.partition_key)[:10]
        )
        if bad.any():
            extra[f"snapshot_mismatch:{table}.snapshot_date"] = int(bad.sum())
            ids += sample_ids(frame, bad, "entity_id")
    review = frames.get("review")
    out = pandera_tables(
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


@check(
    "refined_organisations",
    "contacts_schema_pandera",
    E,
    "Contacts match their Pandera model: unique contact_id, an existing entity, "
    "provenance, e-mail/phone formats.",
)
def _contacts_schema(
    spec: CheckSpec,
    frames: Mapping[str, pd.DataFrame],
    ctx: ContractContext,
    state: dict[str, Any],
) -> CheckOutcome:
    orgs = frame_of(frames, "organisations")
    contacts = frame_of(frames, "contacts")
    extra: dict[str, int] = {}
    ids: list[str] = []
    if (
        orgs is not None
        and contacts is not None
        and "entity_id" in orgs.columns
        and "entity_id" in contacts.columns
        and len(contacts)
    ):
        entities = known_entities(orgs)
        unknown_references(
            contacts, "entity_id", entities, "unknown_entity:entity_id", "contact_id", extra, ids
        )
    if contacts is not None and len(contacts) and "snapshot_date" in contacts.columns:
        bad = contacts["snapshot_date"].notna() & contacts["snapshot_date"].map(str).str[:10].ne(
            str(ctx.partition_key)[:10]
        )
        if bad.any():
            extra["snapshot_mismatch:snapshot_date"] = int(bad.sum())
            ids += sample_ids(contacts, bad, "contact_id")
    return pandera_tables(
        spec, "refined_organisations", frames, ("contacts",), ctx, extra, ids, qualify=False
    )


@check(
    "refined_organisations",
    "refined_expectations_gx",
    E,
    "The Great Expectations suite `refined_organisations` passes (column list, id, URL, "
    "e-mail and phone formats, ranges).",
)
def _refined_gx(
    spec: CheckSpec,
    frames: Mapping[str, pd.DataFrame],
    ctx: ContractContext,
    state: dict[str, Any],
) -> CheckOutcome:
    return gx_check(spec, "refined_organisations", frames, ctx)


REFINED_NULL_COLUMNS: tuple[str, ...] = ("province", "website", "address", "emails", "phones")


def _refined_null_rates(frames: Mapping[str, pd.DataFrame]) -> dict[str, float]:
    orgs = frame_of(frames, "organisations")
    out: dict[str, float] = {}
    if orgs is None:
        return out
    for col in (*REFINED_NULL_COLUMNS, "primary_contact_id"):
        rate = null_rate(orgs, col)
        if rate is not None:
            out[f"organisations.{col}"] = round(rate, 4)
    return out


def _mean_quality(frames: Mapping[str, pd.DataFrame]) -> float | None:
    orgs = frame_of(frames, "organisations")
    if orgs is None or "data_quality_score" not in orgs.columns or not len(orgs):
        return None
    value = pd.to_numeric(orgs["data_quality_score"], errors="coerce").mean()
    return None if pd.isna(value) else round(float(value), 4)


@check(
    "refined_organisations",
    "refined_completeness_drift",
    W,
    "Null rates of the quality items did not rise and the mean quality score did not drop "
    "against the previous snapshot.",
)
def _refined_completeness_drift(
    spec: CheckSpec,
    frames: Mapping[str, pd.DataFrame],
    ctx: ContractContext,
    state: dict[str, Any],
) -> CheckOutcome:
    th: Thresholds = state["thresholds"]
    rates = _refined_null_rates(frames)
    prev = ctx.previous or {}
    failures, notes, ids = null_drift(
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
        message = f"{where(ctx)}: completeness dropped against the previous snapshot: " + "; ".join(
            notes
        )
    elif not prev:
        message = f"{where(ctx)}: no previous snapshot to compare"
    else:
        message = f"{where(ctx)}: completeness in line with the previous snapshot"
    orgs = frame_of(frames, "organisations")
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
        if (f := frame_of(frames, name)) is not None
    }


@check(
    "refined_organisations",
    "refined_row_count_drift",
    W,
    "The number of organisations and contacts did not change sharply against the previous "
    "snapshot.",
)
def _refined_row_count_drift(
    spec: CheckSpec,
    frames: Mapping[str, pd.DataFrame],
    ctx: ContractContext,
    state: dict[str, Any],
) -> CheckOutcome:
    th: Thresholds = state["thresholds"]
    counts = _refined_counts(frames)
    prev = ctx.previous or {}
    before = prev.get("rows") or {}
    failures, notes = count_drift(
        {k: v for k, v in counts.items() if k == "organisations"},
        before,
        th.entity_count_change,
        1,
        "row_count_jump",
    )
    f2, n2 = count_drift(
        {k: v for k, v in counts.items() if k == "contacts"},
        before,
        th.row_count_change,
        th.row_count_min_delta,
        "row_count_jump",
    )
    failures.update(f2)
    notes += n2
    if notes:
        message = f"{where(ctx)}: row counts changed against the previous snapshot: " + "; ".join(
            notes
        )
    elif not prev:
        message = f"{where(ctx)}: no previous snapshot to compare"
    else:
        message = f"{where(ctx)}: row counts in line with the previous snapshot"
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


@partition_stats_of("refined_organisations")
def _refined_stats(frames: Mapping[str, pd.DataFrame], ctx: ContractContext) -> dict[str, Any]:
    stats: dict[str, Any] = {
        "rows": _refined_counts(frames),
        "null_rates": _refined_null_rates(frames),
        "mean_quality": _mean_quality(frames),
    }
    orgs = frame_of(frames, "organisations")
    if orgs is not None and "is_customer" in orgs.columns:
        stats["customers"] = int(orgs["is_customer"].fillna(False).astype(bool).sum())
    run_stats = ctx.extra.get("stats") or {}
    for key in ("merge_rate", "review_queue", "input_records"):
        if isinstance(run_stats.get(key), int | float):
            stats[key] = run_stats[key]
    return stats
