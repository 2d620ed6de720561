"""The server instance (infra/dagster/dagster.yaml) on a real PostgreSQL server.

A database of its own is created on the server (``HOTPASS_TEST_POSTGRES_URL``, default the local
``postgres`` superuser on 127.0.0.1:5432) and dropped afterwards. The code server, webserver and
daemon run as separate processes on that instance, as in the compose stack: a demo workbook
dropped into the landing folder makes the drop sensor launch its run, a backfill materialises
today's snapshot, and runs and check results are read back through GraphQL, and from the
database's own run table. Without a reachable server the test skips locally and fails under CI.
"""

import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from hotpass_assets.lib.drops import manifest_for
from hotpass_assets_tests.e2e.harness import ROOT, wait_for
from hotpass_assets_tests.e2e.stack import DagsterStack
from hotpass_assets_tests.e2e.ui_api import (
    REFINED_ASSETS,
    TERMINAL_RUN,
    declared_checks,
    finished_backfill,
    launch_backfill,
    run_check_evaluations,
    sensor_runs,
    tags_of,
)
from hotpass_assets_tests.needs import POSTGRES_URL, unavailable

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(600)]
INSTANCE_YAML = ROOT / "infra" / "dagster" / "dagster.yaml"


def _connect(url: str):
    import psycopg2

    conn = psycopg2.connect(url, connect_timeout=5)
    conn.autocommit = True
    return conn


@pytest.fixture(scope="module")
def database():
    """A fresh database on the server: its connection settings as DAGSTER_PG_* variables."""
    import psycopg2

    try:
        admin = _connect(POSTGRES_URL)
    except psycopg2.OperationalError as exc:
        unavailable(f"PostgreSQL not reachable at {POSTGRES_URL}: {str(exc).strip()[:200]}")
    name = f"hotpass_test_{uuid.uuid4().hex[:12]}"
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    url = urlsplit(POSTGRES_URL)
    env = {
        "DAGSTER_PG_HOST": url.hostname or "127.0.0.1",
        "DAGSTER_PG_PORT": str(url.port or 5432),
        "DAGSTER_PG_DB": name,
        "DAGSTER_PG_USER": url.username or "postgres",
        "DAGSTER_PG_PASSWORD": url.password or "",
    }
    try:
        yield env
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cur.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (name,))
            assert cur.fetchone()[0] == 0, f"database {name} left behind"
        admin.close()


@pytest.fixture(scope="module")
def stack(database, tmp_path_factory):
    stack = DagsterStack(
        tmp_path_factory.mktemp("pg-stack"),
        extra_env={**database, "HOTPASS_AUTOMATION": "off"},
        instance_yaml=INSTANCE_YAML,
    )
    try:
        stack.start()
        try:
            stack.wait_ready()
        except (TimeoutError, RuntimeError) as exc:
            pytest.fail(f"{exc}\n{stack.log_tail()}")
        yield stack
    finally:
        left = stack.stop()
        assert not left, f"processes left behind: {left}"


def _wait(stack, probe, *, timeout: float, what: str):
    try:
        return wait_for(probe, timeout=timeout, what=what)
    except TimeoutError as exc:
        pytest.fail(f"{exc}\n{stack.log_tail()}")


def test_server_instance_on_postgres_runs_sensor_backfill_and_checks(stack, database, demo_dir):
    gql = stack.graphql
    # The instance the webserver serves is the Postgres one, not a SQLite fallback.
    info = gql("{ instance { info } }")["instance"]["info"]
    assert "PostgresRunStorage" in info and "PostgresEventLogStorage" in info, info[:500]
    assert "PostgresScheduleStorage" in info, info[:500]

    # 1. A workbook lands; the drop sensor (running on the daemon) launches its run.
    source = demo_dir / "sacaa_flight_schools_demo.xlsx"
    partial = stack.landing / f".{source.name}.part"
    shutil.copyfile(source, partial)
    landed = stack.landing / source.name
    os.replace(partial, landed)
    key = manifest_for(landed).partition_key

    def drop_run() -> dict | None:
        found = [
            r
            for r in sensor_runs(gql, "workbook_drop_sensor")
            if tags_of(r).get("dagster/partition") == key and r["status"] in TERMINAL_RUN
        ]
        return found[0] if found else None

    run = _wait(stack, drop_run, timeout=240, what="the drop sensor's run")
    assert run["status"] == "SUCCESS", stack.log_tail()
    declared = {
        (a, c) for a in ("raw_workbook", "contact_capture") for c in declared_checks(gql, a)
    }
    evaluations = run_check_evaluations(gql, run["id"])
    assert {(e["asset"], e["check"]) for e in evaluations} == declared
    assert all(e["success"] for e in evaluations), evaluations

    # 2. Today's snapshot, as "Materialize" -> "Launch backfill" does; the daemon runs it.
    today = datetime.now(tz=UTC).date().isoformat()
    backfill_id = launch_backfill(gql, REFINED_ASSETS, [today], "postgres: today's snapshot")
    done = _wait(
        stack, lambda: finished_backfill(gql, backfill_id), timeout=240, what="the backfill"
    )
    assert done["status"] == "COMPLETED_SUCCESS", (done, stack.log_tail())
    refined_runs = done["runs"]
    assert [r["status"] for r in refined_runs] == ["SUCCESS"] * len(refined_runs) != []
    refined_checks = [e for r in refined_runs for e in run_check_evaluations(gql, r["id"])]
    declared = {(a, c) for a in REFINED_ASSETS for c in declared_checks(gql, a)}
    assert declared and {(e["asset"], e["check"]) for e in refined_checks} == declared
    assert all(e["success"] for e in refined_checks if e["severity"] == "ERROR"), refined_checks

    # 3. The runs are rows of the Postgres database itself.
    dsn = (
        f"host={database['DAGSTER_PG_HOST']} port={database['DAGSTER_PG_PORT']} "
        f"dbname={database['DAGSTER_PG_DB']} user={database['DAGSTER_PG_USER']}"
    )
    conn = _connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT run_id, status FROM runs")
            stored = dict(cur.fetchall())
    finally:
        conn.close()
    for r in [run, *refined_runs]:
        assert stored.get(r["id"]) == "SUCCESS", (r["id"], stored)
    assert not list(Path(stack.dagster_home).glob("**/*.db")), "a SQLite store was created"
