"""Snapshot-partitioned scoring: the lead-score model (MLflow), scores and the call list."""

import os
import pickle
import tempfile
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pandas as pd

from hotpass_assets.defs.common import (
    OWNERS,
    check_results,
    check_specs_for,
    previous_partition_stats,
    raise_if_blocked,
    table_schema,
)
from hotpass_assets.defs.partitions import SNAPSHOTS
from hotpass_assets.defs.resources import HotpassConfig
from hotpass_assets.defs.telemetry import trace_metadata
from hotpass_assets.lib import contracts
from hotpass_assets.lib.checks import outcome
from hotpass_assets.lib.contracts.checks import BASELINE_CHECK, GATE_CHECK, TRAINED_CHECK
from hotpass_assets.lib.warehouse import read_table, refresh_duckdb_views, write_table
from hotpass_assets.settings import Settings

CHAMPION = "champion"
MODEL_ARTIFACT = "lead_model"
_COMMON = {
    "partitions_def": SNAPSHOTS,
    "group_name": "scoring",
    "owners": OWNERS,
    "automation_condition": dg.AutomationCondition.eager(),
    "backfill_policy": dg.BackfillPolicy.multi_run(max_partitions_per_run=1),
    "tags": {"layer": "scoring"},
}


def _client(settings: Settings):
    from mlflow.tracking import MlflowClient

    return MlflowClient(
        tracking_uri=settings.mlflow_tracking_uri, registry_uri=settings.mlflow_registry_uri
    )


def load_champion(settings: Settings):
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
def lead_score_model(context: dg.AssetExecutionContext):
    from hotpass_assets.lib.scoring.card import render_model_card
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
        run_id = mlflow.active_run().info.run_id
        experiment_id = mlflow.active_run().info.experiment_id
        mlflow.set_tags(
            {
                "dagster.run_id": context.run_id,
                "dagster.partition": key,
                "dagster.asset": "lead_score_model",
            }
        )
        mlflow.log_params({**result.params, "snapshot_date": key})
        mlflow.log_metrics({f"model_{k}": float(v) for k, v in result.metrics.items()})
        mlflow.log_metrics({f"baseline_{k}": float(v) for k, v in result.baseline_metrics.items()})
        mlflow.log_metrics({f"labels_{k}": float(v) for k, v in result.label_counts.items()})
        if champion_metrics:
            mlflow.log_metrics({f"champion_{k}": float(v) for k, v in champion_metrics.items()})
        model_dir = Path(tmp) / MODEL_ARTIFACT
        model_dir.mkdir()
        with open(model_dir / "model.pkl", "wb") as fh:
            pickle.dump(result.model, fh)
        mlflow.log_artifacts(str(Path(tmp) / "artifacts"), artifact_path="evaluation")
        import mlflow as mlflow_module

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
                "run_id": run_id,
                "snapshot_date": key,
                "champion_version": champion_version.version if champion_version else None,
            },
        )
        (model_dir / "MODEL_CARD.md").write_text(card)
        mlflow.log_artifacts(str(model_dir), artifact_path=MODEL_ARTIFACT)
        version = client.create_model_version(
            settings.model_name,
            source=f"{mlflow.active_run().info.artifact_uri}/{MODEL_ARTIFACT}",
            run_id=run_id,
            description=f"Trained on snapshot {key}. Gate: "
            + ("promoted" if gate.promote else "not promoted"),
        )
        client.set_model_version_tag(settings.model_name, version.version, "snapshot_date", key)
        if gate.promote:
            client.set_registered_model_alias(settings.model_name, CHAMPION, version.version)
        mlflow.set_tags({"hotpass.promoted": str(gate.promote), "hotpass.version": version.version})
        mlflow.end_run()
    trained_outcome = outcome(
        TRAINED_CHECK,
        rows_checked=len(frame),
        passed=True,
        message=f"trained version {version.version} on snapshot {key}",
    )
    gate_outcome = outcome(
        GATE_CHECK,
        rows_checked=int(result.label_counts.get("test", 0) or 0),
        passed=gate.promote,
        message="; ".join(gate.reasons),
        candidate_version=str(version.version),
        champion_version=str(champion_version.version) if champion_version else "none",
    )
    ap, base_ap = (
        result.metrics.get("average_precision"),
        result.baseline_metrics.get("average_precision"),
    )
    base_outcome = outcome(
        BASELINE_CHECK,
        rows_checked=int(result.label_counts.get("test", 0) or 0),
        passed=bool(ap is not None and base_ap is not None and ap >= base_ap),
        message=f"model AP {ap:.3f} vs fixed formula AP {base_ap:.3f}",
    )
    tracking = settings.mlflow_tracking_uri
    yield dg.MaterializeResult(
        metadata={
            "mlflow_run_id": run_id,
            "mlflow_tracking_uri": tracking,
            "mlflow_run": dg.MetadataValue.url(
                f"{os.environ.get('HOTPASS_MLFLOW_UI_URL', 'http://127.0.0.1:5000')}"
                f"/#/experiments/{experiment_id}/runs/{run_id}"
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
            "lead_score_model", [trained_outcome, gate_outcome, base_outcome]
        ),
    )


def _not_trained(
    context: dg.AssetExecutionContext, settings: Settings, reason: str
) -> dg.MaterializeResult:
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
def lead_scores(context: dg.AssetExecutionContext, hotpass: HotpassConfig):
    from hotpass_assets.lib.scoring.baseline import BASELINE_VERSION, score_baseline
    from hotpass_assets.lib.scoring.model import score

    settings = hotpass.settings()
    key = context.partition_key
    frame = _snapshot(settings, key)
    model, version = load_champion(settings)
    if model is None:
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
    outcomes = contracts.evaluate("lead_scores", {"scores": scores}, ctx)
    if any(o.blocks for o in outcomes):
        yield from check_results("lead_scores", outcomes)
        raise_if_blocked(outcomes, f"lead scores {key}")
    digest = write_table(scores, settings.scoring_path("lead_scores", key))
    refresh_duckdb_views(settings.duckdb_path, settings.warehouse_dir)
    yield dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(scores),
            "model_version": model_version,
            "scored_by": "fixed formula" if model is None else "champion model",
            "score_quantiles": dg.MetadataValue.json(
                {str(q): round(float(scores["lead_score"].quantile(q)), 4) for q in (0.1, 0.5, 0.9)}
                if len(scores)
                else {}
            ),
            "path": dg.MetadataValue.path(str(settings.scoring_path("lead_scores", key))),
            "parquet_sha256": digest,
            "partition_stats": dg.MetadataValue.json(
                contracts.partition_stats("lead_scores", {"scores": scores}, ctx)
            ),
            **trace_metadata(context),
        },
        check_results=check_results("lead_scores", outcomes),
        data_version=dg.DataVersion(digest[:16]),
    )


@dg.asset(
    deps=[lead_scores, "refined_organisations"],
    kinds={"csv", "excel"},
    description="The top N organisations (HOTPASS_CALL_LIST_SIZE) with a reachable primary "
    "contact, for the sales team: CSV and a formatted XLSX, safe against formula injection.",
    check_specs=check_specs_for("call_list", contracts.check_specs("call_list")),
    **_COMMON,
)
def call_list(context: dg.AssetExecutionContext, hotpass: HotpassConfig):
    from hotpass_assets.lib.scoring.calllist import build_call_list, write_call_list

    settings = hotpass.settings()
    key = context.partition_key
    frame = _snapshot(settings, key)
    scores = read_table(settings.scoring_path("lead_scores", key))
    version = str(scores["model_version"].iloc[0]) if len(scores) else None
    calls = build_call_list(frame, scores, settings.call_list_size, model_version=version)
    csv_path = settings.scoring_path("call_list", key, "csv")
    xlsx_path = settings.scoring_path("call_list", key, "xlsx")
    # Written to temporary names, checked as delivered, then moved into place: a failing
    # check leaves the previous call list untouched.
    tmp_csv, tmp_xlsx = csv_path.with_name(".incoming.csv"), xlsx_path.with_name(".incoming.xlsx")
    tmp_csv.parent.mkdir(parents=True, exist_ok=True)
    write_call_list(calls, tmp_csv, tmp_xlsx)
    ctx = contracts.ContractContext(
        partition_key=key,
        extra={
            "requested_size": settings.call_list_size,
            "csv_path": str(tmp_csv),
            "xlsx_path": str(tmp_xlsx),
        },
    )
    outcomes = contracts.evaluate("call_list", {"call_list": calls}, ctx)
    if any(o.blocks for o in outcomes):
        tmp_csv.unlink(missing_ok=True)
        tmp_xlsx.unlink(missing_ok=True)
        yield from check_results("call_list", outcomes)
        raise_if_blocked(outcomes, f"call list {key}")
    os.replace(tmp_csv, csv_path)
    os.replace(tmp_xlsx, xlsx_path)
    yield dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(calls),
            "requested_size": settings.call_list_size,
            "csv": dg.MetadataValue.path(str(csv_path)),
            "xlsx": dg.MetadataValue.path(str(xlsx_path)),
            "provinces": dg.MetadataValue.json(
                {str(k): int(v) for k, v in calls["province"].value_counts(dropna=False).items()}
                if len(calls)
                else {}
            ),
            **trace_metadata(context),
        },
        check_results=check_results("call_list", outcomes),
    )


ASSETS = [lead_score_model, lead_scores, call_list]
SENSORS: list = []
