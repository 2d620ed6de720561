"""Under ``CI=true`` a missing prerequisite fails the run instead of skipping: the real workbooks,
the browser, the PostgreSQL server, and any other ``pytest.skip``. Each case runs pytest in a
subprocess with the prerequisite taken away, once with CI=true and once without."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hotpass_assets_tests.e2e.harness import free_port

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.timeout(300)


def _pytest(target: str, env: dict[str, str], *, ci: bool, cwd: Path = ROOT):
    full = {k: v for k, v in os.environ.items() if k != "CI"}
    full.update(env)
    if ci:
        full["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", target, "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def _outcome(proc) -> str:
    tail = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    return tail


def _assert_fails_in_ci_and_skips_locally(target: str, env: dict[str, str], needle: str):
    ci = _pytest(target, env, ci=True)
    assert ci.returncode != 0, ci.stdout[-2000:]
    assert "skipped" not in _outcome(ci) and ("failed" in _outcome(ci) or "error" in _outcome(ci))
    assert needle in ci.stdout, ci.stdout[-2000:]
    local = _pytest(target, env, ci=False)
    assert local.returncode == 0, local.stdout[-2000:]
    assert "skipped" in _outcome(local) and "failed" not in _outcome(local), local.stdout[-2000:]


@pytest.mark.slow
def test_missing_workbooks_fail_under_ci(tmp_path):
    _assert_fails_in_ci_and_skips_locally(
        "hotpass_assets_tests/lib/test_contracts_real.py",
        {"HOTPASS_REAL_WORKBOOKS": str(tmp_path / "no-workbooks")},
        "real workbooks not present",
    )


@pytest.mark.slow
def test_missing_browser_fails_under_ci():
    path = os.pathsep.join([str(Path(sys.executable).parent), "/usr/sbin", "/sbin"])
    _assert_fails_in_ci_and_skips_locally(
        "hotpass_assets_tests/e2e/test_ui_screenshots.py",
        {"PATH": path, "HOTPASS_CHROMIUM": ""},
        "no headless browser",
    )


@pytest.mark.slow
def test_missing_database_fails_under_ci():
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"  # nothing listens there
    _assert_fails_in_ci_and_skips_locally(
        "hotpass_assets_tests/e2e/test_postgres_instance.py",
        {"HOTPASS_TEST_POSTGRES_URL": url},
        "PostgreSQL not reachable",
    )


def test_any_other_skip_fails_under_ci(tmp_path):
    (tmp_path / "conftest.py").write_text(
        "from hotpass_assets_tests.conftest import pytest_runtest_makereport  # noqa: F401\n"
    )
    (tmp_path / "test_skips.py").write_text(
        "import pytest\n\n"
        "def test_skips():\n    pytest.skip('optional thing missing')\n\n"
        "@pytest.mark.xfail(reason='known')\ndef test_expected_failure():\n    assert False\n"
    )
    env = {"PYTHONPATH": str(ROOT)}
    ci = _pytest(str(tmp_path), env, ci=True, cwd=tmp_path)
    assert ci.returncode != 0 and "1 failed, 1 xfailed" in _outcome(ci), ci.stdout[-2000:]
    assert "optional thing missing" in ci.stdout
    local = _pytest(str(tmp_path), env, ci=False, cwd=tmp_path)
    assert local.returncode == 0 and "1 skipped, 1 xfailed" in _outcome(local), local.stdout
