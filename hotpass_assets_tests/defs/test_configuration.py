"""Configuration reaches the assets: matching thresholds from the environment and the settings
file arrive in ``build_snapshot`` through the refined asset."""

import dagster as dg
import pytest

from hotpass_assets_tests.defs.helpers import run_job

DAY = "2026-03-01"


class _Stop(Exception):
    """Raised by the stand-in resolution once it has seen its arguments."""


def test_refined_asset_passes_the_configured_match_config(home, tmp_path, monkeypatch):
    config = tmp_path / "hotpass.env"
    config.write_text("# thresholds\nHOTPASS_REVIEW_SHARE=0.07\nHOTPASS_MATCH_THRESHOLD=0.9\n")
    monkeypatch.setenv("HOTPASS_CONFIG", str(config))
    monkeypatch.setenv("HOTPASS_MATCH_THRESHOLD", "0.55")  # the environment wins over the file
    seen = {}

    def build_snapshot(*args, **kwargs):
        seen.update(kwargs)
        raise _Stop

    monkeypatch.setattr("hotpass_assets.lib.snapshot_io.build_snapshot", build_snapshot)
    with dg.instance_for_test() as instance:
        result = run_job(instance, home, "refine_snapshot", DAY)
    assert not result.success, "the stand-in stops the run"
    config_used = seen["match_config"]
    assert config_used.match_threshold == pytest.approx(0.55)
    assert config_used.review_share == pytest.approx(0.07)
    assert str(seen["snapshot_date"]) == DAY
