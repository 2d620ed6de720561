"""Pure lineage and telemetry helpers: configuration detection, stable ids, column lineage."""

import json
import uuid

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotpass_assets.lib import lineage, telemetry


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, False),
        ({"OPENLINEAGE_URL": "http://127.0.0.1:5002"}, True),
        ({"OPENLINEAGE_CONFIG": "/etc/openlineage.yml"}, True),
        ({"OPENLINEAGE__TRANSPORT__TYPE": "console"}, True),
        ({"OPENLINEAGE_URL": "http://x", "OPENLINEAGE_DISABLED": "true"}, False),
    ],
)
def test_lineage_is_off_unless_configured(env, expected, tmp_path):
    assert lineage.lineage_configured(env, cwd=tmp_path, user_home=tmp_path) is expected


def test_an_openlineage_yml_in_the_working_directory_turns_lineage_on(tmp_path):
    (tmp_path / "openlineage.yml").write_text("transport:\n  type: console\n")
    assert lineage.lineage_configured({}, cwd=tmp_path, user_home=tmp_path / "nohome")


@given(st.text(min_size=1, max_size=40), st.text(max_size=30))
def test_stable_run_ids_are_uuids_and_deterministic(run_id, asset):
    first = lineage.stable_run_id(run_id, asset)
    assert uuid.UUID(first)
    assert first == lineage.stable_run_id(run_id, asset)


def test_each_part_of_a_run_has_its_own_id_and_the_run_keeps_its_own():
    run = str(uuid.uuid4())
    assert lineage.stable_run_id(run) == run
    ids = {lineage.stable_run_id(run, a) for a in ("raw_workbook", "contact_capture")}
    assert len(ids) == 2 and run not in ids


_headers = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.lists(st.one_of(st.none(), st.text(max_size=12)), max_size=3),
)
_mapping = st.one_of(
    st.dictionaries(st.sampled_from(["organisation_name", "emails", "phones"]), _headers),
    st.just("not json"),
    st.none(),
)


@given(st.lists(st.tuples(st.text(max_size=10), _mapping), max_size=12))
def test_capture_column_lineage_survives_messy_mappings(rows):
    frame = pd.DataFrame(
        [
            {"source_sheet": sheet, "source_columns": json.dumps(m) if isinstance(m, dict) else m}
            for sheet, m in rows
        ],
        columns=["source_sheet", "source_columns"],
    )
    deps = lineage.capture_column_lineage(frame, frame.iloc[0:0])
    assert set(deps) <= {"organisation_name", "emails", "phones"}
    for sources in deps.values():
        assert sources == sorted(set(sources))
        assert all(lineage.SHEET_SEP in s for s in sources)


def test_capture_lineage_names_sheet_and_header_per_field():
    orgs = pd.DataFrame(
        {
            "source_sheet": ["Cleaned", "Cleaned", "Notes"],
            "source_columns": [
                json.dumps({"organisation_name": "Company", "phones": ["Tel", "Cell"]}),
                json.dumps({"organisation_name": "Company", "phones": ["Tel", "Cell"]}),
                json.dumps({"notes": "Note"}),
            ],
        }
    )
    people = pd.DataFrame(
        {"source_sheet": ["Contacts"], "source_columns": [json.dumps({"full_name": "Name"})]}
    )
    assert lineage.capture_column_lineage(orgs, people) == {
        "contacts.full_name": ["Contacts!Name"],
        "notes": ["Notes!Note"],
        "organisation_name": ["Cleaned!Company"],
        "phones": ["Cleaned!Cell", "Cleaned!Tel"],
    }
    assert lineage.table_dataset("contact_capture", "contacts.full_name") == (
        "contact_capture/contacts",
        "full_name",
    )
    assert lineage.table_dataset("contacts", "full_name") == ("contacts", "full_name")


def test_refined_lineage_covers_the_refined_columns():
    from hotpass_assets.lib.records import (
        CAPTURE_CONTACT_COLUMNS,
        CAPTURE_ORGANISATION_COLUMNS,
        REFINED_CONTACT_COLUMNS,
        REFINED_ORGANISATION_COLUMNS,
    )

    capture = set(CAPTURE_ORGANISATION_COLUMNS) | {f"contacts.{c}" for c in CAPTURE_CONTACT_COLUMNS}
    for table, columns in (
        (lineage.REFINED_ORGANISATION_LINEAGE, REFINED_ORGANISATION_COLUMNS),
        (lineage.REFINED_CONTACT_LINEAGE, REFINED_CONTACT_COLUMNS),
    ):
        assert set(table) <= set(columns)
        assert all(set(sources) <= capture for sources in table.values()), table
    assert "full_name" in lineage.REFINED_CONTACT_LINEAGE


def test_no_exporter_without_an_endpoint_and_grpc_is_refused():
    config = telemetry.TelemetryConfig.from_env({"OTEL_SERVICE_NAME": "x"})
    assert not config.exporting
    tracer_provider, _ = telemetry.build_providers(config)
    assert tracer_provider._active_span_processor._span_processors == ()
    grpc = telemetry.TelemetryConfig.from_env(
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}
    )
    with pytest.raises(telemetry.TelemetryConfigError, match="http/protobuf"):
        grpc.validate()
    disabled = telemetry.TelemetryConfig.from_env(
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"}
    )
    assert not disabled.exporting


def test_service_name_and_resource_attributes_come_from_otel_variables(monkeypatch):
    monkeypatch.setenv("OTEL_SERVICE_NAME", "hotpass-test")
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=ci")
    tracer_provider, _ = telemetry.build_providers(telemetry.TelemetryConfig.from_env({}))
    attrs = tracer_provider.resource.attributes
    assert attrs["service.name"] == "hotpass-test"
    assert attrs["deployment.environment"] == "ci"


def test_a_runs_trace_id_is_its_run_id():
    run = uuid.uuid4()
    assert telemetry.trace_id_for_run(str(run)) == run.int
    assert telemetry.trace_id_hex(str(run)) == run.hex
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    tracer_provider, _ = telemetry.build_providers(telemetry.TelemetryConfig.from_env({}))
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    with telemetry.use_trace_id(run.int):
        tracer_provider.get_tracer("t").start_span("root").end()
    tracer_provider.get_tracer("t").start_span("other").end()
    root, other = exporter.get_finished_spans()
    assert root.context.trace_id == run.int
    assert other.context.trace_id != run.int
