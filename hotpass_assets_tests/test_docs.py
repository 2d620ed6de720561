"""The documentation site builds strict with zero warnings, and its generated reference covers
every asset, check, job, sensor, CLI command and environment variable."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("site")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTPASS_")}
    env["HOTPASS_HOME"] = str(out / "home")  # the definitions load with no data directory
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out / "html")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-4000:]
    return out / "html", log


def test_site_builds_strict_with_zero_warnings(site):
    _, log = site
    noisy = [line for line in log.splitlines() if re.search(r"warn", line, re.IGNORECASE)]
    assert noisy == []


def _text(html: Path) -> str:
    return re.sub(r"<[^>]+>", " ", html.read_text())


def test_reference_is_generated_from_the_definitions_and_the_parser(site):
    import click

    from hotpass_assets.cli import cli as command_line
    from hotpass_assets.definitions import defs

    html, _ = site
    assets = _text(html / "reference" / "assets.html")
    graph = defs.resolve_asset_graph()
    for spec in defs.resolve_all_asset_specs():
        assert spec.key.to_user_string() in assets
        for check in graph.get(spec.key).check_keys:
            assert check.name in assets, check
    automation = _text(html / "reference" / "automation.html")
    for job in ("ingest_drop", "refine_snapshot", "rebuild_snapshots", "retrain_and_promote"):
        assert job in automation
    for sensor in defs.sensors:
        assert sensor.name in automation
    cli = _text(html / "reference" / "cli.html")
    for name, command in command_line.commands.items():
        assert f"hotpass {name}" in cli, name
        for sub in command.commands if isinstance(command, click.Group) else ():
            assert f"hotpass {name} {sub}" in cli, (name, sub)
    assert "--whole-snapshot" in cli and "--explain-config" in cli
    configuration = _text(html / "reference" / "configuration.html")
    for name in ("HOTPASS_HOME", "HOTPASS_SNAPSHOT_START", "MLFLOW_TRACKING_URI"):
        assert name in configuration


def test_every_page_is_in_the_navigation_and_schemas_resolve(site):
    html, _ = site
    for page in ("tutorial", "architecture", "how-to/backfill-a-range", "reference/schemas"):
        assert (html / f"{page}.html").exists(), page
    schemas = (html / "reference" / "schemas.html").read_text()
    linked = re.findall(r'href="\.\./schemas/([^"]+\.json)"', schemas)
    assert linked and all((html / "schemas" / name).exists() for name in linked)
