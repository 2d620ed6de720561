"""What ``hotpass refine`` tells a person: one line per drop, warnings summarised at the end,
Dagster's run log (with its stack traces) only with ``--verbose``."""

import shutil

import pytest

from hotpass_assets.cli import main
from hotpass_assets.lib.demo import write_broken_workbook

pytestmark = pytest.mark.slow


def test_one_line_per_drop_and_warnings_at_the_end(home, demo_dir, tmp_path, capsys):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    sacaa = "sacaa_flight_schools_demo.xlsx"
    shutil.copy(demo_dir / "reachout_database_demo.xlsx", first)
    shutil.copy(demo_dir / sacaa, first)
    out_path = tmp_path / "o.parquet"
    assert main(["refine", "--input-dir", str(first), "--output", str(out_path), "--no-score"]) == 0
    capsys.readouterr()
    # The next export of the same workbook, whose rejects jumped (WARN only), and a blocked one.
    write_broken_workbook(second / sacaa, "drift")
    write_broken_workbook(second / "sacaa_missing.xlsx", "missing_column")
    code = main(["refine", "--input-dir", str(second), "--output", str(out_path), "--no-score"])
    captured = capsys.readouterr()
    assert code == 2, captured.out
    lines = captured.out.splitlines()
    drops = [line for line in lines if line.startswith("  drop ")]
    assert len(drops) == 2, "exactly one line per drop"
    (blocked,) = [line for line in drops if "sacaa_missing.xlsx" in line]
    assert "BLOCKED: check raw_workbook.source_sheets_structure failed" in blocked
    assert "'Cleaned'" in blocked, "the line names the sheet"
    assert sum(sacaa in line and line.endswith(": ok") for line in drops) == 1
    heading = [i for i, line in enumerate(lines) if line.startswith("warnings (")]
    assert heading, captured.out
    assert heading[0] > lines.index(drops[-1]), "warnings come after the drops"
    warned = lines[heading[0] + 1 :]
    assert any(sacaa in w and "capture_reject_rate" in w for w in warned), captured.out
    assert "Stack Trace" not in captured.err and "Traceback" not in captured.err
    assert len(captured.err.splitlines()) <= 1, captured.err
