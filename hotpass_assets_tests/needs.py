"""What some tests need from the machine, and what happens when it is missing.

Locally a test whose workbooks, browser or database are missing skips, saying what to install.
Under ``CI=true`` it fails instead: a green CI run means every test ran. conftest also turns any
other skip into a failure under CI, so a new ``pytest.skip`` cannot hide either.
"""

import os
from pathlib import Path

import pytest

#: The real workbooks, beside the clone (``<clone>/../shared/workbooks``); HOTPASS_REAL_WORKBOOKS
#: points elsewhere.
SHARED_WORKBOOKS = Path(
    os.environ.get("HOTPASS_REAL_WORKBOOKS")
    or Path(__file__).resolve().parents[2] / "shared" / "workbooks"
)
#: PostgreSQL server for the instance integration test (a superuser that may create databases).
POSTGRES_URL = os.environ.get(
    "HOTPASS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    """Skip the calling test locally; fail it under CI, where nothing may be missing."""
    if in_ci():
        pytest.fail(
            f"{reason} (CI=true: this must be present, the test may not skip)", pytrace=False
        )
    pytest.skip(reason)


def real_workbook_paths() -> list[Path]:
    """The real workbooks, or ``unavailable`` when there are none."""
    paths = sorted(SHARED_WORKBOOKS.glob("*.xlsx")) if SHARED_WORKBOOKS.is_dir() else []
    if not paths:
        unavailable(f"real workbooks not present at {SHARED_WORKBOOKS}")
    return paths


def java() -> str:
    """A Java runtime for Spark (17 or later: JAVA_HOME's, else the one on PATH), or
    ``unavailable``."""
    import shutil
    import subprocess

    home = os.environ.get("JAVA_HOME")
    path = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if path and Path(path).exists():
        out = subprocess.run([path, "-version"], capture_output=True, text=True, check=False)
        first = (out.stderr or out.stdout).splitlines()[:1]
        version = first[0].split('"')[1] if first and '"' in first[0] else ""
        if version and int(version.split(".")[0]) >= 17:
            return path
    unavailable(
        "no Java 17 runtime for Spark: install Debian's `openjdk-17-jre-headless` "
        "(apt-get install -y openjdk-17-jre-headless) or point JAVA_HOME at one"
    )
    raise AssertionError("unreachable")


def chromium() -> str:
    """A headless Chromium/Chrome binary, or ``unavailable``."""
    from hotpass_assets_tests.e2e.harness import find_chromium

    if path := find_chromium():
        return path
    unavailable(
        "no headless browser: install Debian's `chromium` (apt-get install -y chromium) "
        "or point HOTPASS_CHROMIUM at a Chromium/Chrome binary"
    )
    raise AssertionError("unreachable")
