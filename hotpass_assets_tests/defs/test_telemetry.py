"""Traces and metrics of a demo run (in-memory exporters), and no personal data in any lineage
event, span, metric label or log line of that run."""

import json
import logging
from datetime import UTC, datetime

import dagster as dg
import pytest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from hotpass_assets.definitions import build_definitions
from hotpass_assets.defs.lineage import openlineage_emitter
from hotpass_assets.defs.telemetry import TRACE_ID_KEY, RunRecorder, record_runs
from hotpass_assets.lib import telemetry
from hotpass_assets_tests.defs.helpers import ingest, register, run_job

TODAY = datetime.now(tz=UTC).date().isoformat()
pytestmark = pytest.mark.slow


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory, demo_dir):
    """The demo drops and a snapshot, run once for this module, with every log line kept."""
    root = tmp_path_factory.mktemp("telemetry")
    home = root / "home"
    home.mkdir()
    handler = _Collect()
    loggers = [logging.getLogger(), logging.getLogger("dagster")]
    storage = {
        "module": "dagster._core.storage.event_log",
        "class": "ConsolidatedSqliteEventLogStorage",
        "config": {"base_dir": str(root / "events")},
    }
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOTPASS_HOME", str(home))
        mp.setenv("DAGSTER_HOME", str(home / "dagster"))
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        mp.delenv("HOTPASS_PROFILE", raising=False)
        for lg in loggers:
            lg.addHandler(handler)
        # An earlier test may have run MLflow's migrations, whose logging set-up disables every
        # logger that existed then; this module must see what those loggers would write.
        disabled = [
            lg
            for lg in logging.root.manager.loggerDict.values()
            if isinstance(lg, logging.Logger) and lg.disabled
        ]
        for lg in disabled:
            lg.disabled = False
        # ... and whatever level an earlier test left on the root logger: every record counts.
        levels = [(lg, lg.level) for lg in loggers]
        for lg in loggers:
            lg.setLevel(logging.DEBUG)
        try:
            with dg.instance_for_test(overrides={"event_log_storage": storage}) as instance:
                for key in register(instance, home, *sorted(demo_dir.glob("*.xlsx"))):
                    assert ingest(instance, home, key).success
                snapshot = run_job(instance, home, "rebuild_snapshots", TODAY)
                assert snapshot.success
                yield {
                    "instance": instance,
                    "home": home,
                    "root": root,
                    "snapshot": snapshot,
                    "logs": handler.lines,
                    "monkeypatch": mp,
                }
        finally:
            for lg in loggers:
                lg.removeHandler(handler)
            for lg in disabled:
                lg.disabled = True
            for lg, level in levels:
                lg.setLevel(level)


def _record(instance):
    spans, reader = InMemorySpanExporter(), InMemoryMetricReader()
    tracer_provider, meter_provider = telemetry.build_providers(
        telemetry.TelemetryConfig.from_env({}), span_exporter=spans, metric_reader=reader
    )
    _, runs = record_runs(instance, RunRecorder(tracer_provider, meter_provider), 0)
    return spans.get_finished_spans(), reader.get_metrics_data(), runs


def _points(metrics, name):
    return [
        (dict(p.attributes), p)
        for rm in metrics.resource_metrics
        for sm in rm.scope_metrics
        for m in sm.metrics
        if m.name == name
        for p in m.data.data_points
    ]


def _materializations(instance, run_id):
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
    ).records
    return {
        r.event_log_entry.dagster_event.asset_key.to_user_string(): {
            k: getattr(v, "value", v)
            for k, v in r.event_log_entry.dagster_event.materialization.metadata.items()
        }
        for r in records
    }


def test_span_tree_and_metrics_equal_the_runs_counts(demo_run):
    instance, snapshot = demo_run["instance"], demo_run["snapshot"]
    spans, metrics, runs = _record(instance)
    assert runs == 4
    run_id = snapshot.run_id
    trace_id = telemetry.trace_id_for_run(run_id)
    tree = [s for s in spans if s.context.trace_id == trace_id]
    assert {s.context.trace_id for s in spans} == {
        telemetry.trace_id_for_run(r.dagster_run.run_id) for r in instance.get_run_records()
    }, "one trace per run"
    (root,) = [s for s in tree if s.parent is None]
    assert root.name == "run rebuild_snapshots"
    assert root.attributes["dagster.run_id"] == run_id
    assert root.attributes["hotpass.partition"] == TODAY
    assert root.attributes["hotpass.outcome"] == "success"
    steps = {s.name: s for s in tree if s.parent and s.parent.span_id == root.context.span_id}
    assert set(steps) == {
        "step refined_snapshot",
        "step lead_score_model",
        "step lead_scores",
        "step call_list",
    }
    evaluations = snapshot.get_asset_check_evaluations()
    checks = [s for s in tree if s.name.startswith("check ")]
    assert len(checks) == len(evaluations)
    step_ids = {s.context.span_id for s in steps.values()}
    assert all(c.parent.span_id in step_ids for c in checks)
    meta = _materializations(instance, run_id)
    refined = steps["step refined_snapshot"].attributes
    assert refined["hotpass.rows_in"] == meta["refined_organisations"]["input_records"]
    assert refined["hotpass.rows_out"] == meta["refined_organisations"]["entities"]
    assert "refined_organisations" in refined["hotpass.asset"]
    assert (
        steps["step call_list"].attributes["hotpass.rows_out"]
        == (meta["call_list"]["dagster/row_count"])
    )
    for span in tree:
        assert root.start_time <= span.start_time <= span.end_time <= root.end_time

    # Metrics equal the run's own counts.
    (entities,) = _points(metrics, "hotpass.refined.entities")
    assert entities[1].value == meta["refined_organisations"]["entities"]
    (review,) = _points(metrics, "hotpass.refined.review_queue")
    assert review[1].value == meta["refined_organisations"]["review_queue"]
    (merge,) = _points(metrics, "hotpass.refined.merge_rate")
    assert merge[1].value == pytest.approx(meta["refined_organisations"]["merge_rate"])
    (quality,) = _points(metrics, "hotpass.refined.quality_score")
    stats = meta["refined_organisations"]["partition_stats"]
    assert quality[1].value == pytest.approx(stats["mean_quality"])
    captured, rejected = {}, {}
    for record in instance.get_run_records():
        if record.dagster_run.run_id == run_id:
            continue
        capture = _materializations(instance, record.dagster_run.run_id)["contact_capture"]
        source = capture["workbook_kind"]
        for table in ("organisations", "contacts"):
            captured[(source, table)] = captured.get((source, table), 0) + capture[table]
        for reason, n in capture["rejects_by_reason"].items():
            rejected[(source, reason)] = rejected.get((source, reason), 0) + n
    points = _points(metrics, "hotpass.capture.rows_captured")
    assert {(a["source"], a["table"]): p.value for a, p in points} == captured
    points = _points(metrics, "hotpass.capture.rows_rejected")
    assert {(a["source"], a["reason"]): p.value for a, p in points} == rejected
    all_evals = sum(
        len(
            {
                (r.event_log_entry.dagster_event.event_specific_data.check_name)
                for r in instance.get_records_for_run(
                    rec.dagster_run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
                ).records
            }
        )
        for rec in instance.get_run_records()
    )
    assert sum(p.value for _, p in _points(metrics, "hotpass.checks")) == all_evals
    failed_checks = [a for a, p in _points(metrics, "hotpass.checks") if a["outcome"] == "failed"]
    assert all(a["severity"] in ("ERROR", "WARN") for a in failed_checks)
    durations = _points(metrics, "hotpass.stage.duration")
    assert sum(p.count for _, p in durations) == 3 * 2 + 4  # 3 drops x 2 steps + 4 steps

    # The trace id is in the assets' metadata and in the run's log lines.
    hex_id = telemetry.trace_id_hex(run_id)
    assert {m[TRACE_ID_KEY] for m in meta.values()} == {hex_id}
    messages = [e.user_message for e in instance.all_logs(run_id)]
    assert any(f"trace_id={hex_id}" in m for m in messages)


def test_no_exporter_and_no_lineage_without_configuration(demo_run, monkeypatch):
    import os

    from hotpass_assets.defs.telemetry import otel_run_telemetry

    for name in [k for k in os.environ if k.startswith(("OTEL_EXPORTER_OTLP", "OPENLINEAGE"))]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(demo_run["root"])
    defs = build_definitions(str(demo_run["home"]))
    context = dg.build_sensor_context(
        instance=demo_run["instance"], repository_def=defs.get_repository_def()
    )
    assert "idle" in otel_run_telemetry(context).skip_message
    assert "not configured" in openlineage_emitter(context).skip_message
    assert context.cursor is None


def _personal_values(demo_dir) -> set[str]:
    truth = json.loads((demo_dir.parent / f"{demo_dir.name}-truth.json").read_text())
    values: set[str] = set()
    for person in truth["contacts"]:
        values.add(person["full_name"])
        values.update(person["emails"])
        for phone in person["phones"]:
            values.update({phone, phone.lstrip("+")})
    values.update(truth["valid_emails"])
    for phone in truth["valid_phones"]:
        values.update({phone, phone.lstrip("+")})
    return {v for v in values if v and len(v) >= 6}


def test_no_personal_data_in_lineage_spans_metrics_or_logs(demo_run, demo_dir, monkeypatch):
    instance, root = demo_run["instance"], demo_run["root"]
    log = root / "lineage.jsonl"
    config = root / "openlineage.yml"
    config.write_text(f"transport:\n  type: file\n  log_file_path: {log}\n  append: true\n")
    monkeypatch.delenv("OPENLINEAGE_URL", raising=False)
    monkeypatch.setenv("OPENLINEAGE_CONFIG", str(config))
    defs = build_definitions(str(demo_run["home"]))
    openlineage_emitter(
        dg.build_sensor_context(instance=instance, repository_def=defs.get_repository_def())
    )
    spans, metrics, _ = _record(instance)
    texts = {
        "lineage events": log.read_text(encoding="utf-8"),
        "spans": "\n".join(s.to_json() for s in spans),
        "metric labels": json.dumps(
            [
                dict(p.attributes)
                for rm in metrics.resource_metrics
                for sm in rm.scope_metrics
                for m in sm.metrics
                for p in m.data.data_points
            ]
        ),
        "run logs": "\n".join(
            e.user_message
            for r in instance.get_run_records()
            for e in instance.all_logs(r.dagster_run.run_id)
        ),
        "python logs": "\n".join(demo_run["logs"]),
    }
    values = _personal_values(demo_dir)
    assert len(values) > 100
    assert all(texts.values())
    for where, text in texts.items():
        leaked = [v for v in values if v in text]
        assert not leaked, f"{len(leaked)} personal values in {where}"
