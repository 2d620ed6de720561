"""Alert records and sinks: the JSON-lines file and the webhook, which never raise."""

import http.server
import json
import threading
import time
from contextlib import contextmanager

import pytest

from hotpass_assets.lib.alerts import (
    Alert,
    CheckFailure,
    JsonLinesSink,
    WebhookSink,
    build_sinks,
    check_failure_alert,
    clip,
    deliver,
    read_alerts,
    run_failure_alert,
    run_link,
    ui_url_from_env,
    webhook_timeout_from_env,
)

RUN_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
BLOCKED = CheckFailure(
    asset="contact_capture",
    check="capture_structure",
    severity="ERROR",
    partition="2026-01-05_contact-database_3f9a1c02be",
    explanation="file 'x.xlsx', sheet 'Cleaned': missing_column 'Name of Organisation' (required)",
)
DRIFT = CheckFailure(
    asset="contact_capture",
    check="capture_reject_rate",
    severity="WARN",
    partition="2026-01-05_contact-database_3f9a1c02be",
    explanation="reject rate 0.31 vs 0.05 last time",
)


def _run_alert(**kw) -> Alert:
    args = {
        "run_id": RUN_ID,
        "job": "ingest_drop",
        "ui_url": "http://ui.example:3000/",
        "partition": BLOCKED.partition,
        "step": "contact_capture",
        "error_type": "Failure",
        "error": "drop 2026-01-05_contact-database_3f9a1c02be (x.xlsx): blocked by 1 check\n  - more",
        "checks": [DRIFT, BLOCKED, BLOCKED],
        "trigger": "sensor workbook_drop_sensor",
    }
    return run_failure_alert(**{**args, **kw})


def test_run_failure_alert_names_job_partition_step_checks_and_link():
    alert = _run_alert()
    data = json.loads(alert.to_json())
    assert data["kind"] == "run_failure" and data["severity"] == "ERROR"
    assert data["link"] == f"http://ui.example:3000/runs/{RUN_ID}"
    assert data["job"] == "ingest_drop" and data["step"] == "contact_capture"
    assert data["partition"] == BLOCKED.partition
    assert [c["check"] for c in data["checks"]] == ["capture_structure", "capture_reject_rate"], (
        "blocking checks first, duplicates dropped"
    )
    assert data["error"].endswith("blocked by 1 check"), "first line only"
    assert data["alert_id"] == f"run_failure:{RUN_ID}"
    text = data["text"]
    assert f"blocked by contact_capture[{BLOCKED.partition}] capture_structure (ERROR)" in text
    assert "also failed: contact_capture" in text and "capture_reject_rate (WARN)" in text
    for part in (
        "job ingest_drop",
        BLOCKED.partition,
        "step contact_capture",
        "capture_structure",
        "(ERROR)",
        "missing_column",
        data["link"],
        "sensor workbook_drop_sensor",
    ):
        assert part in text, part


def test_implicit_asset_job_is_described_by_its_assets():
    alert = _run_alert(job="__ASSET_JOB", assets=["lead_scores", "lead_score_model"], checks=[])
    assert "assets lead_score_model, lead_scores" in alert.summary()
    assert alert.error in alert.summary(), "without checks the failure description is shown"


def test_check_failure_alert():
    alert = check_failure_alert(DRIFT, run_id=RUN_ID, ui_url="http://h:1", job="ingest_drop")
    data = alert.to_dict()
    assert data["kind"] == "check_failure" and data["severity"] == "WARN"
    assert data["partition"] == DRIFT.partition and data["assets"] == ["contact_capture"]
    assert data["link"] == f"http://h:1/runs/{RUN_ID}"
    assert "capture_reject_rate (WARN)" in data["text"] and "reject rate 0.31" in data["text"]
    assert data["alert_id"].startswith(
        f"check_failure:{RUN_ID}:contact_capture:capture_reject_rate"
    )


def test_clip_and_links():
    assert clip("a\n  b\tc") == "a b c"
    long = clip("x" * 2000)
    assert len(long) == 500 and long.endswith("…")
    assert run_link("http://h/", "r1") == "http://h/runs/r1"
    assert ui_url_from_env({}) == "http://127.0.0.1:3000"
    assert ui_url_from_env({"HOTPASS_UI_URL": "https://dagster.internal/"}) == (
        "https://dagster.internal"
    )
    assert webhook_timeout_from_env({"HOTPASS_ALERT_WEBHOOK_TIMEOUT_S": "nope"}) == 3.0


def test_jsonl_sink_appends_whole_lines_from_many_threads(tmp_path):
    sink = JsonLinesSink(tmp_path / "alerts" / "alerts.jsonl")
    alerts = [_run_alert(run_id=f"run-{i}") for i in range(40)]
    threads = [threading.Thread(target=sink.send, args=(a,)) for a in alerts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    read = read_alerts(sink.path)
    assert sorted(a["run_id"] for a in read) == sorted(a.run_id for a in alerts)


def test_jsonl_sink_never_raises(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert JsonLinesSink(blocker / "alerts.jsonl").send(_run_alert()) is False


def test_read_alerts_skips_broken_lines(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"kind": "run_failure"}\nnot json\n')
    assert read_alerts(path) == [{"kind": "run_failure"}]
    assert read_alerts(tmp_path / "missing.jsonl") == []


@contextmanager
def _webhook(status: int = 200, delay: float = 0.0):
    received: list[dict] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"headers": dict(self.headers), "body": json.loads(body)})
            time.sleep(delay)
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook?token=secret", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_webhook_posts_json_with_text():
    with _webhook() as (url, received):
        assert WebhookSink(url).send(_run_alert()) is True
    (request,) = received
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["body"]["run_id"] == RUN_ID and "capture_structure" in request["body"]["text"]


def test_webhook_errors_and_timeouts_return_false(caplog):
    with _webhook(status=500) as (url, _):
        assert WebhookSink(url).send(_run_alert()) is False
    with _webhook(delay=2.0) as (url, _):
        started = time.monotonic()
        assert WebhookSink(url, timeout_s=0.3).send(_run_alert()) is False
        assert time.monotonic() - started < 1.5
    assert WebhookSink("http://127.0.0.1:9/closed").send(_run_alert()) is False
    assert WebhookSink("not a url").send(_run_alert()) is False
    assert "secret" not in caplog.text, (
        "the webhook address may hold a token; only its host is logged"
    )


def test_deliver_and_build_sinks(tmp_path):
    class Broken:
        name = "broken"

        def send(self, alert):
            raise RuntimeError("boom")

    path = tmp_path / "alerts.jsonl"
    assert [s.name for s in build_sinks(path)] == ["jsonl"]
    sinks = build_sinks(path, "http://127.0.0.1:9/closed", timeout_s=0.2)
    assert [s.name for s in sinks] == ["jsonl", "webhook"]
    results = deliver(_run_alert(), [*sinks, Broken()])
    assert results == {"jsonl": True, "webhook": False, "broken": False}
    assert len(read_alerts(path)) == 1


@pytest.mark.parametrize("value", ["", None])
def test_empty_error_is_empty(value):
    assert _run_alert(error=value).error == ""
