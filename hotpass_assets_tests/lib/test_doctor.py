"""`hotpass doctor`'s checks, one broken setting at a time."""

import socket
from collections import namedtuple

import pytest

from hotpass_assets.lib import doctor
from hotpass_assets.settings import Settings


def _settings(tmp_path, **env) -> Settings:
    return Settings.from_env({"HOTPASS_HOME": str(tmp_path / "home"), **env})


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("", "SqliteEventLogStorage"),
        ("storage:\n  postgres:\n    postgres_db: {}\n", "PostgresEventLogStorage"),
        ("storage:\n  sqlite:\n    base_dir: x\n", "SqliteEventLogStorage"),
        (
            "event_log_storage:\n  class: ConsolidatedSqliteEventLogStorage\n",
            "ConsolidatedSqliteEventLogStorage",
        ),
    ],
)
def test_event_log_class(yaml_text, expected):
    import yaml

    assert doctor.event_log_class(yaml.safe_load(yaml_text)) == expected


def test_run_sharded_event_log_fails_only_with_lineage_on(tmp_path):
    config = tmp_path / "dagster.yaml"
    config.write_text("telemetry:\n  enabled: false\n")
    assert doctor.check_event_log(config, lineage_on=False).status == doctor.WARN
    finding = doctor.check_event_log(config, lineage_on=True)
    assert finding.status == doctor.FAIL and "OPENLINEAGE_URL" in finding.detail and finding.fix
    config.write_text("event_log_storage: [\n")
    assert doctor.check_event_log(config, lineage_on=False).status == doctor.FAIL


def test_dagster_home_elsewhere_without_config_fails(tmp_path):
    s = _settings(tmp_path)
    elsewhere = tmp_path / "instance"
    elsewhere.mkdir()
    findings = doctor.check_instance(s, {"DAGSTER_HOME": str(elsewhere)}, tmp_path / "repo.yaml")
    assert findings[0].status == doctor.FAIL and "ln -s" in findings[0].fix


def test_missing_external_landing_folder_fails(tmp_path):
    s = _settings(tmp_path, HOTPASS_LANDING_DIR=str(tmp_path / "nowhere"))
    found = {f.check: f for f in doctor.check_dirs(s, {})}
    assert found["dir:landing"].status == doctor.FAIL and "mkdir -p" in found["dir:landing"].fix
    assert found["dir:warehouse"].status == doctor.OK


def test_disk_thresholds(tmp_path):
    usage = namedtuple("usage", "total used free")
    s = _settings(tmp_path)
    assert doctor.check_disk(s, lambda p: usage(0, 0, 100 * 2**20)).status == doctor.FAIL
    assert doctor.check_disk(s, lambda p: usage(0, 0, 1 * 2**30)).status == doctor.WARN
    assert doctor.check_disk(s, lambda p: usage(0, 0, 10 * 2**30)).status == doctor.OK


def test_profiles_forced_by_name_path_or_kind(tmp_path):
    ok = {
        f.check: f.status
        for f in doctor.check_profiles(_settings(tmp_path, HOTPASS_PROFILE="aviation:sacaa"))
    }
    assert ok == {"profile:aviation": "ok", "profile:generic": "ok"}
    bad = doctor.check_profiles(_settings(tmp_path, HOTPASS_PROFILE="no_such_profile"))
    assert [f.status for f in bad if f.check == "profile:no_such_profile"] == ["fail"]
    schema_broken = tmp_path / "p.yaml"
    schema_broken.write_text("name: x\nversion: 1\n")
    found = doctor.check_profiles(_settings(tmp_path, HOTPASS_PROFILE=str(schema_broken)))
    assert [f.status for f in found if f.check == "profile:p.yaml"] == ["fail"]


def test_mlflow_uri(tmp_path):
    assert doctor.check_mlflow(_settings(tmp_path)).status == doctor.OK
    remote = _settings(tmp_path, MLFLOW_TRACKING_URI="https://user:pw@mlflow.example")
    finding = doctor.check_mlflow(remote)
    assert finding.status == doctor.OK and "pw" not in finding.detail
    assert doctor.check_mlflow(_settings(tmp_path, MLFLOW_TRACKING_URI="./mlruns")).status == "fail"


def test_telemetry_and_port(tmp_path):
    s = _settings(
        tmp_path, OPENLINEAGE_URL="marquez:5000", OTEL_EXPORTER_OTLP_ENDPOINT="http://c:4318"
    )
    found = {f.check: f.status for f in doctor.check_telemetry(s, {})}
    assert found == {"openlineage": "warn", "otlp": "ok"}
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert doctor.check_port(port).status == doctor.WARN
    assert doctor.check_port(port).status == doctor.OK


def test_packages_and_python():
    assert doctor.check_python((3, 10)).status == doctor.FAIL
    assert doctor.check_python((3, 12)).status == doctor.OK
    assert [f.status for f in doctor.check_packages()] == ["ok", "ok"]
    assert doctor.check_packages("no-such-distribution")[0].status == doctor.FAIL
