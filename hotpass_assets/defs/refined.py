"""Snapshot-partitioned refinement: the single source of truth and its companions."""

import time
from collections.abc import Generator, Iterator
from datetime import date
from typing import Any, TypedDict

import dagster as dg

from hotpass_assets.defs.common import (
    OWNERS,
    check_results,
    check_specs_for,
    previous_partition_stats,
    published_value,
    storage_errors_fail_fast,
    table_schema,
)
from hotpass_assets.defs.drops import contact_capture
from hotpass_assets.defs.lineage import static_lineage_metadata
from hotpass_assets.defs.partitions import SNAPSHOTS
from hotpass_assets.defs.resources import HotpassConfig
from hotpass_assets.defs.telemetry import trace_metadata
from hotpass_assets.lib import contracts
from hotpass_assets.lib.checks import CheckOutcome
from hotpass_assets.lib.publication import gate
from hotpass_assets.lib.records import (
    CONFLICT_COLUMNS,
    REFINED_CONTACT_COLUMNS,
    REFINED_ORGANISATION_COLUMNS,
)
from hotpass_assets.lib.snapshot_io import publish_snapshot, refine_day, stage_snapshot
from hotpass_assets.lib.warehouse import read_table, refresh_duckdb_views
from hotpass_assets.settings import Settings

#: Column order of the checked tables when a blocked snapshot is quarantined.
QUARANTINE_COLUMNS = {
    "organisations": REFINED_ORGANISATION_COLUMNS,
    "contacts": REFINED_CONTACT_COLUMNS,
    "conflicts": CONFLICT_COLUMNS,
}

#: Refresh the latest snapshot when captures change; never wait on drops that failed, and never
#: build an empty snapshot on an instance that has no capture yet.
LATEST_SNAPSHOT_ON_NEW_CAPTURES = (
    dg.AutomationCondition.in_latest_time_window()
    & (
        dg.AutomationCondition.any_deps_updated().since_last_handled()
        | dg.AutomationCondition.missing().newly_true()
    )
    & dg.AutomationCondition.any_deps_match(~dg.AutomationCondition.missing())
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("latest snapshot after new captures")

_ALL_DROPS = dg.AssetDep(contact_capture, partition_mapping=dg.AllPartitionMapping())


class _SpecArgs(TypedDict):
    group_name: str
    owners: list[str]
    deps: list[dg.AssetDep]
    automation_condition: dg.AutomationCondition[Any]
    tags: dict[str, str]


_COMMON = _SpecArgs(
    group_name="refined",
    owners=OWNERS,
    deps=[_ALL_DROPS],
    automation_condition=LATEST_SNAPSHOT_ON_NEW_CAPTURES,
    tags={"layer": "refined"},
)
SPECS = [
    dg.AssetSpec(
        "refined_organisations",
        description="One row per resolved organisation as of the snapshot day: stable entity_id, "
        "survivor values with per-field provenance (file, sheet, row, column, rule, other "
        "candidates), unioned e-mails/phones/aircraft types, the primary contact (one person), "
        "data-quality score and flags, customer label. Built from every drop up to the day.",
        kinds={"parquet", "duckdb"},
        metadata={
            "dagster/column_schema": table_schema(
                contracts.column_schema("refined_organisations", "organisations")
            )
        },
        **_COMMON,
    ),
    dg.AssetSpec(
        "contacts",
        description="One row per resolved person per organisation; name, role, e-mails and phones "
        "keep their pairing from the source row.",
        kinds={"parquet"},
        metadata={
            "dagster/column_schema": table_schema(
                contracts.column_schema("refined_organisations", "contacts")
            )
        },
        **_COMMON,
    ),
    dg.AssetSpec(
        "match_review_queue",
        description="Candidate pairs scored between the match and non-match thresholds, with the "
        "evidence per field. Not merged until a reviewer decides (see docs/how-to).",
        kinds={"parquet"},
        **_COMMON,
    ),
    dg.AssetSpec(
        "organisation_conflicts",
        description="Every field where sources disagree: the chosen value, the other value, both "
        "record ids and the survivorship rule that decided.",
        kinds={"parquet"},
        **_COMMON,
    ),
    dg.AssetSpec(
        "entity_merge_log",
        description="Entity ids retired when a new drop joined two clusters, and the id that "
        "survived.",
        kinds={"parquet"},
        **_COMMON,
    ),
]


@dg.multi_asset(
    specs=SPECS,
    partitions_def=SNAPSHOTS,
    check_specs=check_specs_for(
        "refined_organisations", contracts.check_specs("refined_organisations")
    ),
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="duckdb_writer",
    can_subset=False,
)
def refined_snapshot(
    context: dg.AssetExecutionContext, hotpass: HotpassConfig
) -> Iterator[dg.AssetCheckResult | dg.MaterializeResult[Any]]:
    """Refine each requested day in order (a range backfill runs as one run, oldest first,
    because each snapshot keeps the previous snapshot's entity ids)."""
    settings = hotpass.settings()
    days = sorted(date.fromisoformat(k) for k in context.partition_keys)
    pending = earlier_days_not_rebuilt(context, days[0].isoformat())
    if pending:
        raise dg.Failure(
            description=f"snapshot {days[0].isoformat()}: backfill "
            f"{context.run.tags[BACKFILL_TAG]} has not rebuilt the earlier day(s) "
            f"{', '.join(pending)} yet. Each day keeps the previous day's entity ids, so days are "
            "rebuilt oldest first; relaunch this day once those have succeeded.",
            metadata={"pending_days": pending},
            allow_retries=False,
        )
    per_day: dict[str, dict[str, Any]] = {}
    outcomes: list[CheckOutcome] = []
    for day in days:
        per_day[day.isoformat()], outcomes = yield from _refine_and_publish(context, settings, day)
    with storage_errors_fail_fast(f"snapshot {days[-1].isoformat()}: refreshing DuckDB views"):
        views = refresh_duckdb_views(settings.duckdb_path, settings.warehouse_dir)
    common: dict[str, dg.MetadataValue[Any] | str] = {
        "snapshot_dates": dg.MetadataValue.json(sorted(per_day)),
        "duckdb_views": dg.MetadataValue.json(views),
        "duckdb_path": dg.MetadataValue.path(str(settings.duckdb_path)),
        **trace_metadata(context),
    }
    # The latest day's tables are what the assets show; the checks are the latest day's.
    yield from _materializations(settings, days[-1].isoformat(), per_day, common, outcomes)


def _refine_and_publish(
    context: dg.AssetExecutionContext, settings: Settings, day: date
) -> Generator[dg.AssetCheckResult, None, tuple[dict[str, Any], list[CheckOutcome]]]:
    """Refine ``day``, check it, publish it (or quarantine it and fail); returns the day's
    statistics, accounting and digests, and its check outcomes."""
    snapshot, accounting = refine_day(settings, day)
    key = day.isoformat()
    ctx = contracts.ContractContext(
        partition_key=key,
        previous=previous_partition_stats(
            context,
            "refined_organisations",
            [k for k in reversed(SNAPSHOTS.get_partition_keys()) if k < key][:1],
        ),
        extra={"stats": snapshot.stats},
    )
    frames = {
        "organisations": snapshot.organisations,
        "contacts": snapshot.contacts,
        "conflicts": snapshot.conflicts,
        "review": snapshot.review,
    }

    # The tables are written while the contracts are checked (a second core); they are moved
    # into place only when no blocking check fails.
    staged = stage_snapshot(settings, day, snapshot)

    def publish() -> dict[str, str]:
        t_publish = time.perf_counter()
        with storage_errors_fail_fast(f"snapshot {key}: publishing the refined tables"):
            digests = staged.commit() if staged else publish_snapshot(settings, day, snapshot)
        # on the run's path: the wait for the background writes (if any) and the renames
        snapshot.stats["publish_s"] = round(time.perf_counter() - t_publish, 3)
        if staged and staged.write_s is not None:
            snapshot.stats["background_write_s"] = round(staged.write_s, 3)
        return digests

    try:
        gated = gate(
            "refined_organisations",
            frames,
            ctx,
            write=publish,
            quarantine_root=settings.quarantine_dir,
            columns=QUARANTINE_COLUMNS,
        )
    finally:
        if staged:
            staged.discard()  # blocked or failed: nothing staged stays behind
    digests = yield from published_value("refined_organisations", gated, f"snapshot {key}")
    context.log.info(
        f"snapshot {key}: {snapshot.stats['input_records']} records → "
        f"{snapshot.stats['entities']} organisations, {snapshot.stats['review_queue']} to review"
    )
    entry = {
        **{k: v for k, v in snapshot.stats.items() if isinstance(v, int | float | str)},
        **accounting,
        "partition_stats": contracts.partition_stats("refined_organisations", frames, ctx),
        "match_model": {k: v for k, v in snapshot.model.items() if k != "em_sessions"},
        "digests": digests,
    }
    return entry, gated.outcomes


def _materializations(
    settings: Settings,
    latest_key: str,
    per_day: dict[str, dict[str, Any]],
    common: dict[str, dg.MetadataValue[Any] | str],
    outcomes: list[CheckOutcome],
) -> Iterator[dg.MaterializeResult[Any]]:
    """The five assets' materialisations, for the latest day refined."""
    latest = per_day[latest_key]
    yield dg.MaterializeResult(
        asset_key="refined_organisations",
        metadata={
            **common,
            "dagster/row_count": int(latest["entities"]),
            "input_records": int(latest["input_records"]),
            "entities": int(latest["entities"]),
            "merge_rate": float(latest["merge_rate"]),
            "review_queue": int(latest["review_queue"]),
            "conflicts": int(latest["conflicts"]),
            "customers": int(latest["customers"]),
            "runtime_per_stage_s": dg.MetadataValue.json(
                {k: round(float(v), 3) for k, v in latest.items() if k.endswith("_s")}
            ),
            "drops_used": dg.MetadataValue.json(latest["drops_used"]),
            "drops_superseded": dg.MetadataValue.json(latest["drops_superseded"]),
            "drops_without_published_capture": dg.MetadataValue.json(
                latest["drops_without_published_capture"]
            ),
            "review_decisions": dg.MetadataValue.json(latest["review_decisions"]),
            # learnt m/u per comparison level (published as the match_model table and JSON)
            "match_model": dg.MetadataValue.json(latest["match_model"]),
            "partition_stats": dg.MetadataValue.json(latest["partition_stats"]),
            "path": dg.MetadataValue.path(str(settings.refined_path("organisations", latest_key))),
            "parquet_sha256": latest["digests"]["organisations"],
            **static_lineage_metadata("refined_organisations"),
        },
        check_results=check_results("refined_organisations", outcomes),
        data_version=dg.DataVersion(latest["digests"]["organisations"][:16]),
    )
    for asset, table, count in (
        ("contacts", "contacts", "contacts"),
        ("match_review_queue", "match_review_queue", "review_queue"),
        ("organisation_conflicts", "organisation_conflicts", "conflicts"),
        ("entity_merge_log", "entity_merge_log", None),
    ):
        path = settings.refined_path(table, latest_key)
        yield dg.MaterializeResult(
            asset_key=asset,
            metadata={
                **common,
                "dagster/row_count": int(latest[count]) if count else len(read_table(path)),
                "path": dg.MetadataValue.path(str(path)),
                "parquet_sha256": latest["digests"][table],
                **(static_lineage_metadata(asset) if asset == "contacts" else {}),
            },
            data_version=dg.DataVersion(latest["digests"][table][:16]),
        )


BACKFILL_TAG = "dagster/backfill"


def earlier_days_not_rebuilt(context: dg.AssetExecutionContext, first_day: str) -> list[str]:
    """Days of this run's job backfill before ``first_day`` not refined since it was launched.

    A backfill launched from a job's page (``rebuild_snapshots``) runs one run per day, because a
    job has one backfill policy, the smallest of its assets'. The run queue starts those runs
    oldest first, one at a time (``hotpass/job: snapshot`` in dagster.yaml); this makes the
    order a rule instead of a setting: a day whose predecessors are not rebuilt yet would keep
    stale entity ids, so it fails instead. Asset backfills refine a range in one run and carry no
    partition list here.
    """
    backfill_id = context.run.tags.get(BACKFILL_TAG)
    if not backfill_id:
        return []
    backfill = context.instance.get_backfill(backfill_id)
    if backfill is None or not backfill.partition_names:
        return []
    pending = []
    for key in sorted(k for k in backfill.partition_names if k < first_day):
        records = context.instance.fetch_materializations(
            dg.AssetRecordsFilter(
                asset_key=dg.AssetKey("refined_organisations"), asset_partitions=[key]
            ),
            limit=1,
        ).records
        if not records or records[0].timestamp < backfill.backfill_timestamp:
            pending.append(key)
    return pending
