"""Snapshot-partitioned refinement: the single source of truth and its companions."""

import json
import time
from datetime import date
from pathlib import Path

import dagster as dg
import pandas as pd

from hotpass_assets.defs.common import (
    OWNERS,
    check_results,
    check_specs_for,
    previous_partition_stats,
    raise_if_blocked,
    storage_errors_fail_fast,
    table_schema,
)
from hotpass_assets.defs.drops import CAPTURE_TABLES, contact_capture
from hotpass_assets.defs.lineage import static_lineage_metadata
from hotpass_assets.defs.partitions import SNAPSHOTS
from hotpass_assets.defs.resources import HotpassConfig
from hotpass_assets.defs.telemetry import trace_metadata
from hotpass_assets.lib import contracts
from hotpass_assets.lib.drops import DropRegister
from hotpass_assets.lib.records import (
    CONFLICT_COLUMNS,
    REFINED_CONTACT_COLUMNS,
    REFINED_ORGANISATION_COLUMNS,
)
from hotpass_assets.lib.refine import (
    PreviousSnapshot,
    Snapshot,
    build_snapshot,
    model_table,
    select_drops,
)
from hotpass_assets.lib.review import load_decisions
from hotpass_assets.lib.warehouse import (
    read_arrow_table,
    read_table,
    read_tables,
    refresh_duckdb_views,
    write_table,
)
from hotpass_assets.settings import Settings

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
_COMMON = {
    "group_name": "refined",
    "owners": OWNERS,
    "deps": [_ALL_DROPS],
    "automation_condition": LATEST_SNAPSHOT_ON_NEW_CAPTURES,
    "tags": {"layer": "refined"},
}
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


def _published_drops(settings: Settings) -> tuple[list[dict], list[str]]:
    """Registered drops with a published capture, and those without one (blocked, not run, or
    cut short: a drop counts only when all its capture tables were published together)."""
    usable, missing = [], []
    for manifest in DropRegister(settings.drops_dir).all():
        key = manifest.partition_key
        if settings.capture_published(key, tuple(CAPTURE_TABLES)):
            usable.append({"partition_key": key, "drop_date": manifest.drop_date})
        else:
            missing.append(key)
    return usable, sorted(missing)


def _previous_record_map(settings: Settings, day: date) -> pd.DataFrame | None:
    root = settings.warehouse_dir / "refined" / "entity_record_map"
    if not root.exists():
        return None
    earlier = sorted(
        p
        for p in root.glob("snapshot_date=*/data.parquet")
        if p.parent.name.split("=", 1)[1] < day.isoformat()
    )
    return read_table(earlier[-1]) if earlier else None


def _previous_snapshot(settings: Settings, day: date) -> PreviousSnapshot | None:
    """The latest earlier snapshot's entity keys, model and pair tables (incremental linkage)."""
    from hotpass_assets.lib.matching.incremental import keys_frame

    root = settings.warehouse_dir / "refined" / "entity_keys"
    if settings.linkage != "incremental" or not root.exists():
        return None
    earlier = sorted(
        p.parent.name.split("=", 1)[1]
        for p in root.glob("snapshot_date=*/data.parquet")
        if p.parent.name.split("=", 1)[1] < day.isoformat()
    )
    if not earlier:
        return None
    snap = earlier[-1]
    model_json = settings.refined_path("match_model", snap).with_suffix(".json")
    if not model_json.exists():
        return None
    tables = {
        name: read_table(path) if (path := settings.refined_path(name, snap)).exists() else None
        for name in ("entity_match_evidence", "match_review_queue", "entity_kept_apart")
    }
    return PreviousSnapshot(
        entity_keys=keys_frame(read_arrow_table(settings.refined_path("entity_keys", snap))),
        model=json.loads(model_json.read_text("utf-8")),
        **{
            field: frame
            for field, frame in zip(
                ("matches", "review", "kept_apart"), tables.values(), strict=True
            )
            if frame is not None
        },
    )


def _read_captures(settings: Settings, keys: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The captures of ``keys``, drop by drop, only the columns the snapshot uses, concatenated
    once in Arrow (organisations sorted by record id there) and converted to pandas once."""
    from hotpass_assets.lib.contacts_merge import CONTACT_INPUT_COLUMNS
    from hotpass_assets.lib.records import CAPTURE_ORGANISATION_COLUMNS

    org_paths = [settings.capture_path("organisations", k) for k in keys]
    people_paths = [p for p in (settings.capture_path("contacts", k) for k in keys) if p.exists()]
    org_frame = (
        read_tables(org_paths, columns=CAPTURE_ORGANISATION_COLUMNS, sort_by="record_id")
        if org_paths
        else pd.DataFrame(columns=list(CAPTURE_ORGANISATION_COLUMNS))
    )
    people_frame = (
        read_tables(people_paths, columns=CONTACT_INPUT_COLUMNS)
        if people_paths
        else pd.DataFrame(columns=list(CONTACT_INPUT_COLUMNS))
    )
    return org_frame, people_frame


def refine_day(settings: Settings, day: date) -> tuple[Snapshot, dict]:
    """Build (not yet publish) the snapshot for ``day``; returns it and its drop accounting."""
    usable, unpublished = _published_drops(settings)
    used, superseded = select_drops(usable, day)
    t_read = time.perf_counter()
    orgs, people = _read_captures(settings, used)
    read_s = time.perf_counter() - t_read
    must, cannot = load_decisions(settings.review_dir / "decisions", orgs)
    t0 = time.perf_counter()
    snapshot = build_snapshot(
        orgs,
        people,
        snapshot_date=day,
        previous=_previous_record_map(settings, day),
        must_link=must,
        cannot_link=cannot,
        match_config=settings.match_config(),
        linkage=settings.linkage,
        previous_snapshot=_previous_snapshot(settings, day),
    )
    snapshot.stats["build_s"] = round(time.perf_counter() - t0, 3)
    snapshot.stats["read_s"] = round(read_s, 3)
    accounting = {
        "drops_used": used,
        "drops_superseded": superseded,
        "drops_without_published_capture": [
            k for k in unpublished if k.split("_", 1)[0] <= day.isoformat()
        ],
        "review_decisions": {"must_link": len(must), "cannot_link": len(cannot)},
    }
    return snapshot, accounting


def publish_snapshot(settings: Settings, day: date, snapshot: Snapshot) -> dict[str, str]:
    from hotpass_assets.lib.matching.incremental import keys_table

    snap = day.isoformat()
    tables = {
        "organisations": (snapshot.organisations, REFINED_ORGANISATION_COLUMNS),
        "contacts": (snapshot.contacts, REFINED_CONTACT_COLUMNS),
        "match_review_queue": (snapshot.review, None),
        "organisation_conflicts": (snapshot.conflicts, CONFLICT_COLUMNS),
        "entity_merge_log": (snapshot.merge_log, None),
        "entity_record_map": (snapshot.record_map, None),
        "entity_match_evidence": (snapshot.matches, None),
        "entity_kept_apart": (snapshot.kept_apart, None),
        "match_model": (model_table(snapshot.model), None),
        "entity_keys": (keys_table(snapshot.entity_keys), None),
    }
    digests = {
        name: write_table(frame, settings.refined_path(name, snap), cols)
        for name, (frame, cols) in tables.items()
    }
    # the same model as JSON: HOTPASS_MATCH_MODEL=<this file> pins it for later snapshots
    model_json = settings.refined_path("match_model", snap).with_suffix(".json")
    model_json.write_text(json.dumps(snapshot.model, sort_keys=True, default=str), "utf-8")
    return digests


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
def refined_snapshot(context: dg.AssetExecutionContext, hotpass: HotpassConfig):
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
    per_day: dict[str, dict] = {}
    last_outcomes = []
    for day in days:
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
        outcomes = contracts.evaluate("refined_organisations", frames, ctx)
        if any(o.blocks for o in outcomes):
            yield from check_results("refined_organisations", outcomes)
            raise_if_blocked(outcomes, f"snapshot {key}")
        t_publish = time.perf_counter()
        with storage_errors_fail_fast(f"snapshot {key}: publishing the refined tables"):
            digests = publish_snapshot(settings, day, snapshot)
        snapshot.stats["publish_s"] = round(time.perf_counter() - t_publish, 3)
        per_day[key] = {
            **{k: v for k, v in snapshot.stats.items() if isinstance(v, int | float | str)},
            **accounting,
            "partition_stats": contracts.partition_stats("refined_organisations", frames, ctx),
            "match_model": {k: v for k, v in snapshot.model.items() if k != "em_sessions"},
            "digests": digests,
        }
        last_outcomes = outcomes
        context.log.info(
            f"snapshot {key}: {snapshot.stats['input_records']} records → "
            f"{snapshot.stats['entities']} organisations, {snapshot.stats['review_queue']} to review"
        )
    with storage_errors_fail_fast(f"snapshot {days[-1].isoformat()}: refreshing DuckDB views"):
        views = refresh_duckdb_views(settings.duckdb_path, settings.warehouse_dir)
    latest_key = days[-1].isoformat()
    latest = per_day[latest_key]
    common = {
        "snapshot_dates": dg.MetadataValue.json(sorted(per_day)),
        "duckdb_views": dg.MetadataValue.json(views),
        "duckdb_path": dg.MetadataValue.path(str(settings.duckdb_path)),
        **trace_metadata(context),
    }
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
        check_results=check_results("refined_organisations", last_outcomes),
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


def snapshot_paths(settings: Settings, day: str) -> dict[str, Path]:
    return {t: settings.refined_path(t, day) for t in ("organisations", "contacts")}
