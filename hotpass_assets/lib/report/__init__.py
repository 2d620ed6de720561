"""A snapshot report a person can forward: aggregates and charts only, never personal values.

:func:`gather` reads one snapshot from the warehouse (and the lead-score model's metrics from
MLflow when a tracking store exists); :func:`hotpass_assets.lib.report.html.render` turns it
into one self-contained HTML file with inline SVG charts. Everything shown is a count, a share,
a score, an id-free name of a source, a column name or a check name: no organisation, person,
e-mail or phone value is read into the report's data.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pandas as pd

from hotpass_assets.lib.warehouse import read_table, read_tables
from hotpass_assets.lib.xlsx import completeness
from hotpass_assets.settings import Location, Settings

QUALITY_BINS = [i / 10 for i in range(11)]


@dataclass
class ReportData:
    snapshot: str
    generated_at: str
    sources: pd.DataFrame  # source_dataset, drops, records_in, rejects, entities
    rejects: pd.DataFrame  # reason_code, rejects
    completeness: pd.DataFrame  # column, filled, empty, completeness
    quality_histogram: pd.DataFrame  # bin_from, bin_to, organisations
    resolution: dict[str, float | int]
    checks: list[dict[str, Any]] = field(
        default_factory=list
    )  # asset, check, status, severity, when
    model: dict[str, Any] | None = None


def _captures(settings: Settings, record_ids: set[str]) -> tuple[pd.DataFrame, list[str]]:
    """Capture organisation rows (ids and source columns only) behind the snapshot."""
    paths: list[Location] = sorted(
        settings.warehouse_dir.glob("capture/organisations/*/data.parquet")
    )
    cols = ["record_id", "partition_key", "source_dataset", "record_kind"]
    if not paths:
        return pd.DataFrame(columns=cols), []
    frame = read_tables(paths)[cols]
    frame = frame[frame["record_id"].isin(record_ids)]
    return frame, sorted(set(frame["partition_key"]))


def _rejects(settings: Settings, keys: list[str]) -> pd.DataFrame:
    paths = [settings.capture_path("rejects", k) for k in keys]
    paths = [p for p in paths if p.exists()]
    if not paths:
        return pd.DataFrame(columns=["partition_key", "reason_code"])
    # only the reason code and the drop: the raw values never leave the warehouse
    return read_tables(paths)[["partition_key", "reason_code"]]


def _sources(captures: pd.DataFrame, rejects: pd.DataFrame, orgs: pd.DataFrame) -> pd.DataFrame:
    source_of_drop = dict(zip(captures["partition_key"], captures["source_dataset"], strict=True))
    rejected = rejects.assign(source_dataset=rejects["partition_key"].map(source_of_drop))
    entities = orgs["source_datasets"].explode().value_counts() if len(orgs) else pd.Series()
    rows = []
    for source, group in captures.groupby("source_dataset", sort=True):
        rows.append(
            {
                "source_dataset": str(source),
                "drops": int(group["partition_key"].nunique()),
                "records_in": len(group),
                "rejects": int((rejected["source_dataset"] == source).sum()),
                "entities": int(entities.get(source, 0)),
            }
        )
    return pd.DataFrame(
        rows, columns=["source_dataset", "drops", "records_in", "rejects", "entities"]
    )


def _resolution(
    settings: Settings, snapshot: str, orgs: pd.DataFrame, n_records: int
) -> dict[str, float | int]:
    def rows(table: str) -> int:
        path = settings.refined_path(table, snapshot)
        return len(read_table(path)) if path.exists() else 0

    merged = int((orgs["source_count"] > 1).sum()) if len(orgs) else 0
    return {
        "source_records": n_records,
        "organisations": len(orgs),
        "merged_organisations": merged,
        "merge_rate": round(1 - len(orgs) / n_records, 4) if n_records else 0.0,
        "pairs_awaiting_review": rows("match_review_queue"),
        "field_conflicts": rows("organisation_conflicts"),
        "retired_entity_ids": rows("entity_merge_log"),
        "customers": int(orgs["is_customer"].fillna(False).astype(bool).sum()) if len(orgs) else 0,
    }


def _quality(orgs: pd.DataFrame) -> pd.DataFrame:
    scores = pd.to_numeric(orgs.get("data_quality_score", pd.Series(dtype=float)), errors="coerce")
    counts = pd.cut(scores.dropna(), QUALITY_BINS, include_lowest=True).value_counts(sort=False)
    return pd.DataFrame(
        {
            "bin_from": QUALITY_BINS[:-1],
            "bin_to": QUALITY_BINS[1:],
            "organisations": [int(c) for c in counts.tolist()],
        }
    )


def model_metrics(settings: Settings) -> dict[str, Any] | None:
    """Metrics of the champion lead-score model (None without a local store or a champion)."""
    uri = settings.mlflow_tracking_uri
    if uri.startswith("sqlite:///") and not Path(uri.removeprefix("sqlite:///")).exists():
        return None
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri, registry_uri=settings.mlflow_registry_uri)
    try:
        version = client.get_model_version_by_alias(settings.model_name, "champion")
        # Every version is created from its training run (defs/scoring.py), so it has a run id.
        run = client.get_run(cast(str, version.run_id))
    except MlflowException:
        return None
    metrics = {k: round(float(v), 4) for k, v in sorted(run.data.metrics.items())}
    return {
        "model": settings.model_name,
        "version": str(version.version),
        "trained_on_snapshot": run.data.params.get("snapshot_date", ""),
        "metrics": metrics,
    }


def snapshot_record_ids(settings: Settings, snapshot: str) -> set[str]:
    path = settings.refined_path("entity_record_map", snapshot)
    return set(read_table(path)["record_id"]) if path.exists() else set()


def snapshot_drops(settings: Settings, snapshot: str) -> list[str]:
    """Partition keys of the drops whose records make up ``snapshot``."""
    return _captures(settings, snapshot_record_ids(settings, snapshot))[1]


def gather(
    settings: Settings,
    snapshot: str,
    *,
    checks: list[dict[str, Any]] | None = None,
    with_model: bool = True,
) -> ReportData:
    orgs = read_table(settings.refined_path("organisations", snapshot))
    record_ids = snapshot_record_ids(settings, snapshot)
    captures, keys = _captures(settings, record_ids)
    rejects = _rejects(settings, keys)
    by_reason = (
        rejects["reason_code"].fillna("unknown").value_counts().rename_axis("reason_code")
    ).reset_index(name="rejects")
    shown = orgs.drop(columns=["selection_provenance"], errors="ignore")
    return ReportData(
        snapshot=snapshot,
        generated_at=datetime.now(tz=UTC).strftime("%Y-%m-%d %H:%M UTC"),
        sources=_sources(captures, rejects, orgs),
        rejects=by_reason,
        completeness=completeness(shown),
        quality_histogram=_quality(orgs),
        resolution=_resolution(settings, snapshot, orgs, len(record_ids)),
        checks=list(checks or []),
        model=model_metrics(settings) if with_model else None,
    )
