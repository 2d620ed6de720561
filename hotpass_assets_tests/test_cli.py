"""`hotpass refine`, end to end through the asset graph on the local instance."""

import shutil

import pandas as pd
import pytest

from hotpass_assets.cli import main
from hotpass_assets.lib.demo import write_broken_workbook

pytestmark = pytest.mark.slow
FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")


def test_refine_demo_workbooks_to_parquet_and_csv(home, demo_dir, tmp_path, capsys):
    out = tmp_path / "refined.parquet"
    assert main(["refine", "--input-dir", str(demo_dir), "--output", str(out), "--no-score"]) == 0
    frame = pd.read_parquet(out)
    assert len(frame) > 0 and frame["entity_id"].is_unique
    printed = capsys.readouterr().out
    assert "snapshot" in printed and "ok" in printed
    # Same drops again: nothing new registered, same result (idempotent through the CLI).
    csv = tmp_path / "refined.csv"
    assert main(["refine", "--input-dir", str(demo_dir), "--output", str(csv), "--no-score"]) == 0
    text = pd.read_csv(csv, dtype=str, keep_default_na=False)
    assert len(text) == len(frame)
    for column in text.columns:
        assert not text[column].str.startswith(FORMULA_LEAD).any(), column


def test_refine_exits_2_naming_check_file_and_sheet(home, demo_dir, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(next(demo_dir.glob("reachout*.xlsx")), folder)
    write_broken_workbook(folder / "sacaa_flight_schools_broken.xlsx", "missing_column")
    code = main(
        [
            "refine",
            "--input-dir",
            str(folder),
            "--output",
            str(tmp_path / "o.parquet"),
            "--no-score",
        ]
    )
    captured = capsys.readouterr()
    assert code == 2
    assert "sacaa_flight_schools_broken.xlsx" in captured.out
    assert "Cleaned" in captured.out and "check" in captured.out
    assert (tmp_path / "o.parquet").exists(), "the good drop still refines"


def test_refine_errors_are_exit_1(home, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["refine", "--input-dir", str(empty), "--output", str(tmp_path / "o.parquet")]) == 1
    assert main(["refine", "--input-dir", str(tmp_path / "none"), "--output", "o.parquet"]) == 1
    assert main(["refine", "--input-dir", str(empty), "--output", str(tmp_path / "o.txt")]) == 1
    assert "error" in capsys.readouterr().err


@pytest.mark.real
def test_refine_real_workbooks(home, real_workbooks, tmp_path, capsys):
    """The real workbooks refine (aggregates only are asserted or printed)."""
    out = tmp_path / "refined.parquet"
    code = main(["refine", "--input-dir", str(real_workbooks), "--output", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    frame = pd.read_parquet(out)
    assert frame["entity_id"].is_unique
    assert 300 < len(frame) < 900
    assert frame["is_customer"].sum() > 0
    assert frame["data_quality_score"].between(0, 1).all()


def test_explain_shows_sources_pairs_and_no_values_by_default(home, demo_dir, tmp_path, capsys):
    out = tmp_path / "refined.parquet"
    assert main(["refine", "--input-dir", str(demo_dir), "--output", str(out), "--no-score"]) == 0
    frame = pd.read_parquet(out)
    merged = frame[frame["source_record_ids"].map(len) > 1].sort_values("entity_id")
    assert len(merged)
    entity = merged.iloc[0]
    capsys.readouterr()
    assert main(["explain", entity["entity_id"]]) == 0
    text = capsys.readouterr().out
    assert entity["entity_id"] in text and "linking pairs" in text
    for rid in entity["source_record_ids"]:
        assert rid in text
    assert entity["organisation_name"] not in text, "names only with --values"
    assert main(["explain", entity["entity_id"], "--values"]) == 0
    assert entity["organisation_name"] in capsys.readouterr().out
    assert main(["explain", "org_does_not_exist"]) == 1


def test_refine_without_order_history_exits_0_with_refined_table_and_call_list(
    home, demo_dir, tmp_path, capsys
):
    """A first workbook usually has no order history: nothing to train on, and that is fine."""
    from hotpass_assets.settings import Settings

    folder = tmp_path / "in"
    folder.mkdir()
    for path in demo_dir.glob("*.xlsx"):
        if "contact_database" not in path.name:
            shutil.copy(path, folder)
    out = tmp_path / "refined.parquet"
    assert main(["refine", "--input-dir", str(folder), "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "lead-score model not trained: " in printed and "fixed formula" in printed
    assert len(pd.read_parquet(out)) > 0
    settings = Settings.from_env({"HOTPASS_HOME": str(home)})
    snapshot = next(
        line.split()[1].rstrip(":") for line in printed.splitlines() if "snapshot" in line
    )
    calls = pd.read_csv(settings.scoring_path("call_list", snapshot, "csv"))
    assert len(calls) > 0 and set(calls["model_version"]) == {"baseline"}
