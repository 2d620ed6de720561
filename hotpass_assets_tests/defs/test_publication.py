"""Gated publication: any asset blocked by an ERROR check quarantines its partition and fails
that partition only; the next partition of the same asset still publishes."""

import json

import dagster as dg
import pandas as pd
import pytest

from hotpass_assets.definitions import build_definitions
from hotpass_assets.defs import scoring
from hotpass_assets.lib.demo import write_broken_workbook
from hotpass_assets.lib.publication import CHECKS_FILE, quarantine_dir
from hotpass_assets.lib.warehouse import write_table
from hotpass_assets_tests.defs.helpers import ingest, register, settings_for, step_failure

GOOD_DAY, BAD_DAY = "2026-03-01", "2026-03-02"


@pytest.fixture
def instance():
    with dg.instance_for_test() as inst:
        yield inst


def _fake_scores(frame: pd.DataFrame, score: float) -> pd.DataFrame:
    ids = sorted(frame["entity_id"])
    return pd.DataFrame(
        {
            "entity_id": ids,
            "lead_score": [score] * len(ids),
            "rank": range(1, len(ids) + 1),
            "top_features": [""] * len(ids),
        }
    )


def test_blocked_lead_scores_quarantine_and_fail_their_own_day_only(home, instance, monkeypatch):
    settings = settings_for(home)
    for day in (GOOD_DAY, BAD_DAY):
        frame = pd.DataFrame({"entity_id": [f"org-{day}-{i}" for i in range(4)]})
        write_table(frame, settings.refined_path("organisations", day))
    # No champion: scores come from the fixed formula, replaced here by scores that are valid on
    # the good day and out of [0, 1] (a blocking schema breach) on the bad day.
    monkeypatch.setattr(scoring, "load_champion", lambda settings: (None, None))
    bad_frames: list[int] = []

    def fake_baseline(frame: pd.DataFrame) -> pd.DataFrame:
        bad = frame["entity_id"].iloc[0].startswith(f"org-{BAD_DAY}")
        bad_frames.append(int(bad))
        return _fake_scores(frame, 1.5 if bad else 0.5)

    monkeypatch.setattr("hotpass_assets.lib.scoring.baseline.score_baseline", fake_baseline)
    resources = build_definitions(str(home)).resources

    def run(day: str) -> dg.ExecuteInProcessResult:
        return dg.materialize(
            [scoring.lead_scores],
            partition_key=day,
            instance=instance,
            resources=resources,
            raise_on_error=False,
        )

    bad = run(BAD_DAY)
    good = run(GOOD_DAY)
    assert bad_frames == [1, 0], "both days were scored"
    assert good.success and not bad.success
    assert settings.scoring_path("lead_scores", GOOD_DAY).exists()
    assert not settings.scoring_path("lead_scores", BAD_DAY).exists(), "nothing published"

    kept = quarantine_dir(settings.quarantine_dir, "lead_scores", BAD_DAY)
    assert (kept / "scores.parquet").exists(), "what was about to be published is kept"
    checks = {c["check"]: c for c in json.loads((kept / CHECKS_FILE).read_text())}
    assert checks["scores_schema_pandera"]["passed"] is False
    assert not quarantine_dir(settings.quarantine_dir, "lead_scores", GOOD_DAY).exists()

    failure = step_failure(bad).step_failure_data.user_failure_data
    assert "scores_schema_pandera" in failure.description
    assert str(kept) in failure.description, "the failure says where the partition was kept"
    evaluations = {e.check_name: e.passed for e in bad.get_asset_check_evaluations()}
    assert evaluations["scores_schema_pandera"] is False, "the UI shows the failing check"


def test_blocked_raw_workbook_is_quarantined_and_other_drops_ingest(
    home, instance, demo_dir, tmp_path
):
    corrupt = tmp_path / "corrupt.xlsx"
    write_broken_workbook(corrupt, "unreadable")
    good_file = next(p for p in sorted(demo_dir.glob("*.xlsx")) if "reachout" in p.name)
    good_key, bad_key = register(instance, home, good_file, corrupt)
    bad = ingest(instance, home, bad_key)
    good = ingest(instance, home, good_key)
    assert good.success and not bad.success
    settings = settings_for(home)
    kept = quarantine_dir(settings.quarantine_dir, "raw_workbook", bad_key)
    checks = {c["check"]: c for c in json.loads((kept / CHECKS_FILE).read_text())}
    assert checks["workbook_readable"]["passed"] is False
    assert (kept / "sheets.parquet").exists(), "the sheet inventory is kept"
    assert not (settings.quarantine_dir / "raw_workbook" / good_key).exists()
    assert not (settings.quarantine_dir / "contact_capture" / good_key).exists()
    assert settings.capture_path("organisations", good_key).exists()
    assert not settings.capture_path("organisations", bad_key).exists()
