"""OpenLineage events of real runs on the demo data, through the file and the HTTP transport."""

import json
import os
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import dagster as dg
import jsonschema
import pytest

from hotpass_assets.definitions import build_definitions
from hotpass_assets.defs.lineage import openlineage_emitter
from hotpass_assets.lib import contracts
from hotpass_assets.lib.lineage import REFINED_CONTACT_LINEAGE, stable_run_id
from hotpass_assets_tests.defs.helpers import ingest, register, run_job
from hotpass_assets_tests.defs.openlineage_schema import RUN_EVENT

TODAY = datetime.now(tz=UTC).date().isoformat()
pytestmark = pytest.mark.slow


@pytest.fixture
def instance(tmp_path):
    """A local-style instance: SQLite with the consolidated event log (as dagster.yaml)."""
    storage = {
        "module": "dagster._core.storage.event_log",
        "class": "ConsolidatedSqliteEventLogStorage",
        "config": {"base_dir": str(tmp_path / "events")},
    }
    with dg.instance_for_test(overrides={"event_log_storage": storage}) as inst:
        yield inst


def _drop_and_snapshot(instance, home, demo_dir) -> list[str]:
    keys = register(instance, home, *sorted(demo_dir.glob("*.xlsx")))
    for key in keys:
        assert ingest(instance, home, key).success
    assert run_job(instance, home, "rebuild_snapshots", TODAY).success
    return keys


def _tick(instance, home, cursor=None) -> str | None:
    defs = build_definitions(str(home))
    context = dg.build_sensor_context(
        instance=instance, repository_def=defs.get_repository_def(), cursor=cursor
    )
    result = openlineage_emitter(context)
    assert isinstance(result, dg.SkipReason)
    return context.cursor


def _by(events, job, state):
    return [e for e in events if e["job"]["name"] == job and e["eventType"] == state]


def _output(event, name):
    (dataset,) = [d for d in event["outputs"] if d["name"] == name]
    return dataset


def test_file_transport_events_of_a_drop_and_a_snapshot(
    home, instance, demo_dir, tmp_path, monkeypatch
):
    _drop_and_snapshot(instance, home, demo_dir)
    log = tmp_path / "lineage.jsonl"
    config = tmp_path / "openlineage.yml"
    config.write_text(
        f"transport:\n  type: file\n  log_file_path: {log}\n  append: true\n", encoding="utf-8"
    )
    monkeypatch.delenv("OPENLINEAGE_URL", raising=False)
    monkeypatch.setenv("OPENLINEAGE_CONFIG", str(config))
    _tick(instance, home)
    events = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    for event in events:
        jsonschema.validate(event, RUN_EVENT)

    # START and COMPLETE per Dagster run (job-level events carry the Dagster run id).
    runs = instance.get_run_records()
    assert len(runs) == 4
    for record in runs:
        states = [e["eventType"] for e in events if e["run"]["runId"] == record.dagster_run.run_id]
        assert states == ["START", "COMPLETE"], record.dagster_run.job_name

    # Dataset names: archived workbook and sheets, capture, refined and scoring tables, model.
    names = {d["name"] for e in events for d in e.get("inputs", []) + e.get("outputs", [])}
    assert sum(n.startswith("archive/") and n.endswith(".xlsx") for n in names) == 3
    assert any(n.startswith("archive/") and ".xlsx/" in n for n in names)
    assert {
        "raw_workbook",
        "contact_capture",
        "contact_capture/contacts",
        "refined_organisations",
        "contacts",
        "lead_score_model",
        "lead_scores",
        "call_list",
    } <= names

    # Schema facets equal the contracts.
    (refined,) = _by(events, "refined_organisations", "COMPLETE")
    fields = _output(refined, "refined_organisations")["facets"]["schema"]["fields"]
    expected = contracts.column_schema("refined_organisations", "organisations")
    assert [(f["name"], f["type"]) for f in fields] == [(n, t) for n, t, _ in expected]
    capture = _by(events, "contact_capture", "COMPLETE")
    assert len(capture) == 3
    fields = _output(capture[0], "contact_capture")["facets"]["schema"]["fields"]
    expected = contracts.column_schema("contact_capture", "organisations")
    assert [f["name"] for f in fields] == [n for n, _, _ in expected]

    # Column lineage: refined contact fields back to the capture's contacts table, and the
    # capture's columns back to sheets of the archived workbook.
    (people,) = _by(events, "contacts", "COMPLETE")
    lineage = _output(people, "contacts")["facets"]["columnLineage"]["fields"]
    assert set(lineage) == set(REFINED_CONTACT_LINEAGE)
    assert {(i["name"], i["field"]) for i in lineage["full_name"]["inputFields"]} == {
        ("contact_capture/contacts", "full_name")
    }
    for event in capture:
        org_lineage = _output(event, "contact_capture")["facets"]["columnLineage"]["fields"]
        sources = {i["name"] for i in org_lineage["organisation_name"]["inputFields"]}
        assert sources and all(".xlsx/" in s for s in sources)
        assert sources <= {d["name"] for d in event["inputs"]}

    # Assertion facets from the check results, one per check of the contract.
    (checks,) = _by(events, "refined_organisations.checks", "COMPLETE")
    assertions = checks["inputs"][0]["inputFacets"]["dataQualityAssertions"]["assertions"]
    assert {a["assertion"] for a in assertions} == {
        s.name for s in contracts.check_specs("refined_organisations")
    }
    assert all(a["success"] for a in assertions)

    # Asset runs are children of their Dagster run, with ids derived from it.
    snapshot_run = next(
        r.dagster_run for r in runs if r.dagster_run.job_name == "rebuild_snapshots"
    )
    assert refined["run"]["runId"] == stable_run_id(snapshot_run.run_id, "refined_organisations")
    assert refined["run"]["facets"]["parent"]["run"]["runId"] == snapshot_run.run_id


class _Receiver(BaseHTTPRequestHandler):
    """The part of Marquez's API a producer talks to: POST /api/v1/lineage."""

    events: ClassVar[list[dict]] = []
    reject = False  # answer 400, as Marquez does for an event it cannot accept

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path != "/api/v1/lineage":
            self.send_response(404)
        elif type(self).reject:
            self.send_response(400)
        else:
            type(self).events.append(json.loads(body))
            self.send_response(201)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_http_transport_into_a_local_receiver_without_duplicated_runs(
    home, instance, demo_dir, monkeypatch
):
    keys = _drop_and_snapshot(instance, home, demo_dir)
    # The openlineage client copies OPENLINEAGE_URL into OPENLINEAGE__TRANSPORT__* variables of
    # the process; those are removed again when the test ends.
    before = {k for k in os.environ if k.startswith("OPENLINEAGE__")}
    _Receiver.events = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.delenv("OPENLINEAGE_CONFIG", raising=False)
        monkeypatch.setenv("OPENLINEAGE_URL", f"http://127.0.0.1:{server.server_address[1]}")
        _Receiver.reject = True
        assert _tick(instance, home) == "0", "a refused delivery keeps the cursor"
        _Receiver.reject = False
        cursor = _tick(instance, home)
        first = list(_Receiver.events)
        assert first and int(cursor) > 0
        assert _tick(instance, home, cursor) == cursor  # nothing new: nothing sent
        assert _Receiver.events == first

        # Emitting the same runs again (a reset cursor) sends the same events: same run ids.
        _tick(instance, home, None)
        again = _Receiver.events[len(first) :]
        assert again == first

        # Re-materialising a drop is a new run of the same job over the same datasets.
        assert ingest(instance, home, keys[0]).success
        _tick(instance, home, cursor)
        rerun = _Receiver.events[2 * len(first) :]
    finally:
        server.shutdown()
        server.server_close()
        for name in {k for k in os.environ if k.startswith("OPENLINEAGE__")} - before:
            del os.environ[name]
    runs = {(e["job"]["name"], e["run"]["runId"]) for e in first}
    run_ids = {r for _, r in runs}
    assert len(run_ids) == len(runs), "one job per run id"
    new_ids = {e["run"]["runId"] for e in rerun}
    assert new_ids and not new_ids & run_ids
    datasets = {d["name"] for e in first for d in e["inputs"] + e["outputs"]}
    assert {d["name"] for e in rerun for d in e["inputs"] + e["outputs"]} <= datasets
    pairs = [(e["run"]["runId"], e["eventType"]) for e in first]
    assert len(pairs) == len(set(pairs)), "each run has one event per state"
