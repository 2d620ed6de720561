"""Shared fixtures: a temporary data home per test, demo workbooks generated once per session.

Under ``CI=true`` no test may skip (see ``needs.py``): a skip is reported as a failure.
"""

import os
from pathlib import Path

import pytest

from hotpass_assets_tests.needs import in_ci, real_workbook_paths

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
# Snapshot days start at the first drop of the data directory the code location loads with (see
# hotpass_assets/defs/partitions.py); tests use one data directory each and fixed days, so the
# test process pins the start. test_partitions.py covers the default; the end-to-end session
# (its own process) runs with it.
os.environ["HOTPASS_SNAPSHOT_START"] = "2026-01-01"


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A fresh HOTPASS_HOME (and DAGSTER_HOME inside it) for one test."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOTPASS_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("HOTPASS_PROFILE", raising=False)
    return home


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """The synthetic demo workbooks (and their truth) that `make run` uses."""
    from hotpass_assets.lib.demo import write_demo_workbooks

    folder = tmp_path_factory.mktemp("demo")
    truth = write_demo_workbooks(folder, seed=7)
    truth.write_json(folder.parent / f"{folder.name}-truth.json")
    return folder


@pytest.fixture(scope="session")
def real_workbooks() -> Path:
    """The folder of the real workbooks (personal data: assert aggregates only)."""
    return real_workbook_paths()[0].parent


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI a skipped test (other than an expected failure) is a failed one."""
    report = yield
    if report.skipped and not hasattr(report, "wasxfail") and in_ci():
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which allows no skip: {reason}"
    return report
