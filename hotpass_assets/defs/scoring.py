"""Snapshot-partitioned scoring: the lead-score model (MLflow), scores and the call list."""

import os
import pickle
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import dagster as dg
import pandas as pd

from hotpass_assets.defs.common import (
    OWNERS,
    Publication,
    check_results,
    check_specs_for,
    previous_partition_stats,
    publish_gated,
    table_schema,
)
from hotpass_assets.defs.partitions import SNAPSHOTS
from hotpass_assets.defs.resources import HotpassConfig
from hotpass_assets.defs.telemetry import trace_metadata
from hotpass_assets.lib import contracts
from hotpass_assets.lib.checks import CheckOutcome, outcome
from hotpass_assets.lib.contracts.checks import BASELINE_CHECK, GATE_CHECK, TRAINED_CHECK
from hotpass_assets.lib.publication import gate
from hotpass_assets.lib.warehouse import read_table, refresh_duckdb_views, write_table
from hotpass_assets.settings import Location, Settings

if TYPE_CHECKING:
    from mlflow.entities.model_registry import ModelVersion
    from mlflow.tracking import MlflowClient

    from hotpass_assets.lib.scoring.gate import GateDecision
    from hotpass_assets.lib.scoring.model import TrainingResult

CHAMPION = "champion"
MODEL_ARTIFACT = "lead_model"


class _AssetArgs(TypedDict):
    partitions_def: dg.PartitionsDefinition[str]
    group_name: str
    owners: list[str]
    automation_condition: dg.AutomationCondition[Any]
    backfill_policy: dg.BackfillPolicy
    tags: dict[str, str]


_COMMON = _AssetArgs(
    partitions_def=SNAPSHOTS,
    group_name="scoring",
    owners=OWNERS,
    automation_condition=dg.AutomationCondition.eager(),
    backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=1),
    tags={"layer": "scoring"},
)


def _client(settings: Settings) -> "MlflowClient":
    from mlflow.tracking import MlflowClient

    return MlflowClient(
        tracking_uri=settings.mlflow_tracking_uri, registry_uri=settings.mlflow_registry_uri
    )


def load_champion(settings: Settings) -> tuple[Any, "ModelVersion | None"]:
    """(model, version) of the registered champion, or (None, None) when there is none yet."""
    import mlflow
    from mlflow.exceptions import MlflowException

    client = _client(settings)
    try:
        version = client.get_model_version_by_alias(settings.model_name, CHAMPION)
    except MlflowException:
        return None, None
    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    with tempfile.TemporaryDirectory() as tmp:
        local = mlflow.artifacts.download_artifacts(
            run_id=version.run_id, artifact_path=f"{MODEL_ARTIFACT}/model.pkl", dst_path=tmp
        )
        with open(local, "rb") as fh:
            model = pickle.load(fh)  # our own registry's artifact, written by this asset
    return model, version


def _earlier_snapshot(key: str) -> list[str]:
    return [(date.fromisoformat(key) - timedelta(days=1)).isoformat()]


def _snapshot(settings: Settings, key: str) -> pd.DataFrame:
    path = settings.refined_path("organisations", key)
    if not path.exists():
        raise dg.Failure(
            description=f"snapshot {key}: refined_organisations is not materialised for this day"
        )
    return read_table(path)


@dg.asset(
    deps=["refined_organisations"],
    kinds={"scikitlearn", "mlflow"},
    description="Lead-score model trained on the snapshot's labelled organisations "
    "(positive-unlabelled: customers = organisations with orders), evaluated on a stratified "
    "held-out set against the earlier fixed formula, logged and registered in MLflow; promoted "
    "to the `champion` alias only through the gate. With too few labels nothing is trained "
    "(the model_trained check warns why) and the snapshot still publishes.",
    required_resource_keys={"mlflow", "hotpass"},
    check_specs=check_specs_for("lead_score_model", [TRAINED_CHECK, GATE_CHECK, BASELINE_CHECK]),
    # One registration at a time: model versions and the champion alias are read-modify-write.
    pool="mlflow_registry",
    **_COMMON,
)
def lead_score_model(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult[Any]]:
    from hotpass_assets.lib.scoring.gate import evaluate_gate
    from hotpass_assets.lib.scoring.model import InsufficientLabelsError, evaluate_model, train

    settings: Settings = context.resources.hotpass.settings()
    mlflow = context.resources.mlflow
    key = context.partition_key
    frame = _snapshot(settings, key)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            if frame.empty:
                raise InsufficientLabelsError("the snapshot has no organisations yet")
            result = train(frame, artifacts_dir=Path(tmp) / "artifacts")
        except InsufficientLabelsError as exc:
            yield _not_trained(context, settings, str(exc))
            return
        champion, champion_version = load_champion(settings)
        champion_metrics = (
            evaluate_model(champion, frame, result.evaluation_ids) if champion else None
        )
        gate = evaluate_gate(result.metrics, champion_metrics)
        run = mlflow.active_run().info
        run_id, experiment_id = run.run_id, run.experiment_id
        _log_run(mlflow, context, result, champion_metrics)
        version, card = _register(
            settings, mlflow, result, gate, champion_version, key=key, tmp=Path(tmp)
        )
        mlflow.end_run()
    tracking = settings.mlflow_tracking_uri
    yield dg.MaterializeResult(
        metadata={
            "mlflow_run_id": run_id,
            "mlflow_tracking_uri": tracking,
            "mlflow_run": dg.MetadataValue.url(
                f"{settings.mlflow_ui_url}/#/experiments/{experiment_id}/runs/{run_id}"
            ),
            "mlflow_ui_command": f"mlflow ui --backend-store-uri {tracking}",
            "model_name": settings.model_name,
            "trained": True,
            "model_version": str(version.version),
            "promoted_to_champion": gate.promote,
            "gate_reasons": dg.MetadataValue.json(gate.reasons),
            "metrics": dg.MetadataValue.json({k: float(v) for k, v in result.metrics.items()}),
            "baseline_metrics": dg.MetadataValue.json(
                {k: float(v) for k, v in result.baseline_metrics.items()}
            ),
            "champion_metrics_same_rows": dg.MetadataValue.json(champion_metrics or {}),
            "label_counts": dg.MetadataValue.json(
                {k: int(v) for k, v in result.label_counts.items()}
            ),
            "model_card": dg.MetadataValue.md(card),
            **trace_metadata(context),
        },
        check_results=check_results(
            "lead_score_model",
            _model_outcomes(len(frame), result, gate, version, champion_version, key),
        ),
    )


def _log_run(
    mlflow: Any,
    context: dg.AssetExecutionContext,
    result: "TrainingResult",
    champion_metrics: dict[str, float] | None,
) -> None:
    """Tags, parameters and metrics of the training run in MLflow."""
    mlflow.set_tags(
        {
            "dagster.run_id": context.run_id,
            "dagster.partition": context.partition_key,
            "dagster.asset": "lead_score_model",
        }
    )
    mlflow.log_params({**result.params, "snapshot_date": context.partition_key})
    mlflow.log_metrics({f"model_{k}": float(v) for k, v in result.metrics.items()})
    mlflow.log_metrics({f"baseline_{k}": float(v) for k, v in result.baseline_metrics.items()})
    mlflow.log_metrics({f"labels_{k}": float(v) for k, v in result.label_counts.items()})
    if champion_metrics:
        mlflow.log_metrics({f"champion_{k}": float(v) for k, v in champion_metrics.items()})


def _register(
    settings: Settings,
    mlflow: Any,
    result: "TrainingResult",
    gate: "GateDecision",
    champion_version: "ModelVersion | None",
    *,
    key: str,
    tmp: Path,
) -> tuple["ModelVersion", str]:
    """Log the model and its card, register a new version and move the champion alias when
    the gate promotes it; returns the version and the card."""
    import mlflow as mlflow_module

    from hotpass_assets.lib.scoring.card import render_model_card

    model_dir = tmp / MODEL_ARTIFACT
    model_dir.mkdir()
    with open(model_dir / "model.pkl", "wb") as fh:
        pickle.dump(result.model, fh)
    mlflow.log_artifacts(str(tmp / "artifacts"), artifact_path="evaluation")
    run = mlflow.active_run().info
    client = _client(settings)
    try:
        client.get_registered_model(settings.model_name)
    except mlflow_module.exceptions.MlflowException:
        client.create_registered_model(
            settings.model_name, description="Hotpass lead-score model (see model card)."
        )
    card = render_model_card(
        result,
        gate,
        {
            "name": settings.model_name,
            "run_id": run.run_id,
            "snapshot_date": key,
            "champion_version": champion_version.version if champion_version else None,
        },
    )
    (model_dir / "MODEL_CARD.md").write_text(card)
    mlflow.log_artifacts(str(model_dir), artifact_path=MODEL_ARTIFACT)
    version = client.create_model_version(
        settings.model_name,
        source=f"{run.artifact_uri}/{MODEL_ARTIFACT}",
        run_id=run.run_id,
        description=f"Trained on snapshot {key}. Gate: "
        + ("promoted" if gate.promote else "not promoted"),
    )
    client.set_model_version_tag(settings.model_name, version.version, "snapshot_date", key)
    if gate.promote:
        client.set_registered_model_alias(settings.model_name, CHAMPION, version.version)
    mlflow.set_tags({"hotpass.promoted": str(gate.promote), "hotpass.version": version.version})
    return version, card


def _model_outcomes(
    rows: int,
    result: "TrainingResult",
    gate: "GateDecision",
    version: "ModelVersion",
    champion_version: "ModelVersion | None",
    key: str,
) -> list[CheckOutcome]:
    """The model's three checks: trained, promotion gate, better than the fixed formula."""
    held_out = int(result.label_counts.get("test", 0) or 0)
    ap, base_ap = (
        result.metrics.get("average_precision"),
        result.baseline_metrics.get("average_precision"),
    )
    return [
        outcome(
            TRAINED_CHECK,
            rows_checked=rows,
            passed=True,
            message=f"trained version {version.version} on snapshot {key}",
        ),
        outcome(
            GATE_CHECK,
            rows_checked=held_out,
            passed=gate.promote,
            message="; ".join(gate.reasons),
            candidate_version=str(version.version),
            champion_version=str(champion_version.version) if champion_version else "none",
        ),
        outcome(
            BASELINE_CHECK,
            rows_checked=held_out,
            passed=bool(ap is not None and base_ap is not None and ap >= base_ap),
            message=f"model AP {ap:.3f} vs fixed formula AP {base_ap:.3f}",
        ),
    ]


def _not_trained(
    context: dg.AssetExecutionContext, settings: Settings, reason: str
) -> dg.MaterializeResult[Any]:
    """The model step's result when there is nothing to learn from yet: no model version, a
    warning that says why, and what the scores will be ranked by instead."""
    mlflow = context.resources.mlflow
    key = context.partition_key
    _, champion_version = load_champion(settings)
    ranked_by = (
        f"champion version {champion_version.version}"
        if champion_version
        else "the fixed formula (lib/scoring/baseline.py)"
    )
    mlflow.set_tags(
        {
            "dagster.run_id": context.run_id,
            "dagster.partition": key,
            "dagster.asset": "lead_score_model",
            "hotpass.trained": "false",
            "hotpass.not_trained_reason": reason[:500],
        }
    )
    mlflow.end_run()
    message = f"not trained: {reason}"
    context.log.warning(f"snapshot {key}: {message}; scores ranked by {ranked_by}")
    outcomes = [
        outcome(TRAINED_CHECK, rows_checked=0, passed=False, message=message),
        outcome(GATE_CHECK, rows_checked=0, passed=False, message=f"{message}; nothing to promote"),
        outcome(BASELINE_CHECK, rows_checked=0, passed=False, message=message),
    ]
    return dg.MaterializeResult(
        metadata={
            "trained": False,
            "not_trained_reason": reason,
            "scores_ranked_by": ranked_by,
            "champion_version": str(champion_version.version) if champion_version else "none",
            "model_name": settings.model_name,
        },
        check_results=check_results("lead_score_model", outcomes),
    )


@dg.asset(
    deps=[lead_score_model, "refined_organisations"],
    kinds={"parquet"},
    description="Every refined organisation scored by the champion model (by the documented "
    "fixed formula while there is no champion yet), with its rank, the model version "
    "(`baseline` for the formula) and the top contributing features per row.",
    check_specs=check_specs_for("lead_scores", contracts.check_specs("lead_scores")),
    pool="duckdb_writer",
    metadata={
        "dagster/column_schema": table_schema(contracts.column_schema("lead_scores", "scores"))
    },
    **_COMMON,
)
def lead_scores(
    context: dg.AssetExecutionContext, hotpass: HotpassConfig
) -> Iterator[dg.AssetCheckResult | dg.MaterializeResult[Any]]:
    from hotpass_assets.lib.scoring.baseline import BASELINE_VERSION, score_baseline
    from hotpass_assets.lib.scoring.model import score

    settings = hotpass.settings()
    key = context.partition_key
    frame = _snapshot(settings, key)
    model, version = load_champion(settings)
    if model is None or version is None:
        # No model has passed the gate yet (too few customers to learn from): rank by the
        # fixed formula so the call list still publishes.
        scores = score_baseline(frame)
        model_version = BASELINE_VERSION
    else:
        scores = score(model, frame, as_of=date.fromisoformat(key))
        model_version = str(version.version)
    scores["model_version"] = model_version
    scores["snapshot_date"] = key
    ctx = contracts.ContractContext(
        partition_key=key,
        previous=previous_partition_stats(context, "lead_scores", _earlier_snapshot(key)),
        extra={"entity_ids": frame["entity_id"].tolist()},
    )
    path = settings.scoring_path("lead_scores", key)

    def publish() -> str:
        digest = write_table(scores, path)
        refresh_duckdb_views(settings.duckdb_path, settings.warehouse_dir)
        return digest

    gated = gate(
        "lead_scores",
        {"scores": scores},
        ctx,
        write=publish,
        quarantine_root=settings.quarantine_dir,
    )

    def materialize(digest: str) -> Publication:
        return Publication(
            metadata={
                "dagster/row_count": len(scores),
                "model_version": model_version,
                "scored_by": "fixed formula" if model is None else "champion model",
                "score_quantiles": dg.MetadataValue.json(
                    {
                        str(q): round(float(scores["lead_score"].quantile(q)), 4)
                        for q in (0.1, 0.5, 0.9)
                    }
                    if len(scores)
                    else {}
                ),
                "path": dg.MetadataValue.path(str(path)),
                "parquet_sha256": digest,
                "partition_stats": dg.MetadataValue.json(
                    contracts.partition_stats("lead_scores", {"scores": scores}, ctx)
                ),
                **trace_metadata(context),
            },
            data_version=digest[:16],
        )

    yield from publish_gated(
        "lead_scores", gated, where=f"lead scores {key}", materialize=materialize
    )


@dg.asset(
    deps=[lead_scores, "refined_organisations"],
    kinds={"csv", "excel"},
    description="The top N organisations (HOTPASS_CALL_LIST_SIZE) with a reachable primary "
    "contact, for the sales team: CSV and a formatted XLSX, safe against formula injection.",
    check_specs=check_specs_for("call_list", contracts.check_specs("call_list")),
    **_COMMON,
)
def call_list(
    context: dg.AssetExecutionContext, hotpass: HotpassConfig
) -> Iterator[dg.AssetCheckResult | dg.MaterializeResult[Any]]:
    from hotpass_assets.lib.scoring.calllist import build_call_list, write_call_list

    settings = hotpass.settings()
    key = context.partition_key
    frame = _snapshot(settings, key)
    scores = read_table(settings.scoring_path("lead_scores", key))
    version = str(scores["model_version"].iloc[0]) if len(scores) else None
    calls = build_call_list(frame, scores, settings.call_list_size, model_version=version)
    csv_path = settings.scoring_path("call_list", key, "csv")
    xlsx_path = settings.scoring_path("call_list", key, "xlsx")
    # Written to temporary names (beside the target on a local disk, so that moving them into
    # place is a rename), checked as delivered, then moved into place: a failing check leaves
    # the previous call list untouched.
    staging = (
        csv_path.parent
        if isinstance(csv_path, Path)
        else settings.home / "staging" / "call_list" / key
    )
    tmp_csv, tmp_xlsx = staging / ".incoming.csv", staging / ".incoming.xlsx"
    staging.mkdir(parents=True, exist_ok=True)
    write_call_list(calls, tmp_csv, tmp_xlsx)
    ctx = contracts.ContractContext(
        partition_key=key,
        extra={
            "requested_size": settings.call_list_size,
            "csv_path": str(tmp_csv),
            "xlsx_path": str(tmp_xlsx),
        },
    )

    def publish() -> None:
        _move_into_place(tmp_csv, csv_path)
        _move_into_place(tmp_xlsx, xlsx_path)

    # Blocked: the files as delivered go to the quarantine; the previous call list stays.
    gated = gate(
        "call_list",
        {"call_list": calls},
        ctx,
        write=publish,
        quarantine_root=settings.quarantine_dir,
        files={"call_list.csv": tmp_csv, "call_list.xlsx": tmp_xlsx},
    )
    yield from publish_gated(
        "call_list",
        gated,
        where=f"call list {key}",
        materialize=lambda _: Publication(
            metadata={
                "dagster/row_count": len(calls),
                "requested_size": settings.call_list_size,
                "csv": dg.MetadataValue.path(str(csv_path)),
                "xlsx": dg.MetadataValue.path(str(xlsx_path)),
                "provinces": dg.MetadataValue.json(
                    {
                        str(k): int(v)
                        for k, v in calls["province"].value_counts(dropna=False).items()
                    }
                    if len(calls)
                    else {}
                ),
                **trace_metadata(context),
            }
        ),
    )


def _move_into_place(source: Path, target: Location) -> None:
    """A rename on a local disk (atomic); one upload to object storage."""
    if isinstance(target, Path):
        os.replace(source, target)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes())
    source.unlink()


ASSETS = [lead_score_model, lead_scores, call_list]
SENSORS: list[dg.SensorDefinition] = []
