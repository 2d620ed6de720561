"""`hotpass refine --input-dir` on hostile workbooks, as a user would run it.

Every case of :mod:`hotpass_assets_tests.hostile.generate` lands in a folder beside a good
workbook; the command runs as a subprocess of a fresh helper process that reports the exit code,
the output, the wall time and the peak resident memory of the whole command (the largest of the
command and every process it started, ``RUSAGE_CHILDREN``). The size cases run one per command
and must stay under 2 GB and finish within 60 s. The machine running the suite may be busy
enough for the command on the good workbook alone to take about that long, so the time limit is
60 s or, when the baseline (the same command on the good workbook alone, measured in the same
session) is slower, the baseline plus 30 s: the hostile file costs seconds, not minutes. The other
cases run in one command per group.
"""

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from hotpass_assets.lib.drops import display_name
from hotpass_assets_tests.hostile.generate import CASES, build, good_workbook

pytestmark = pytest.mark.slow

HOTPASS = Path(sys.executable).parent / "hotpass"
PEAK_RSS_LIMIT_KB = 2 * 1024 * 1024
TIME_LIMIT_S = 60.0
#: What a hostile file may add to the time of the same command on the good workbook alone.
HOSTILE_EXTRA_S = 30.0

_HELPER = """
import json, resource, subprocess, sys, time
started = time.monotonic()
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True, errors="replace")
print(json.dumps({
    "code": proc.returncode, "out": proc.stdout, "err": proc.stderr,
    "seconds": time.monotonic() - started,
    "peak_rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
}))
"""


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float
    peak_rss_kb: int
    home: Path
    output: Path

    def status(self, file_name: str) -> str | None:
        """Status printed on the drop line of ``file_name`` (None when there is none)."""
        shown = re.escape(display_name(file_name))
        found = re.search(rf"^  drop \S+ \({shown}\): (\w+)(?::|$)", self.out, re.M)
        return found.group(1) if found else None

    def capture(self, file_name: str) -> pd.DataFrame | None:
        """The published capture organisations of the drop of ``file_name``."""
        shown = re.escape(display_name(file_name))
        found = re.search(rf"^  drop (\S+) \({shown}\): ", self.out, re.M)
        if found is None:
            return None
        path = (
            self.home
            / "warehouse"
            / "capture"
            / "organisations"
            / f"drop={found.group(1)}"
            / "data.parquet"
        )
        return pd.read_parquet(path) if path.exists() else None

    def captured(self, file_name: str) -> int | None:
        """Organisations in the published capture of the drop of ``file_name``."""
        frame = self.capture(file_name)
        return None if frame is None else len(frame)


def refine(folder: Path, tmp: Path, env_extra: dict | None = None) -> Run:
    import os

    home, output = tmp / "home", tmp / "refined.parquet"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HOTPASS_", "DAGSTER_", "MLFLOW_", "OPENLINEAGE_", "OTEL_"))
    }
    env.update(env_extra or {})
    cmd = [str(HOTPASS), "--home", str(home), "refine", "--input-dir", str(folder)]
    cmd += ["--output", str(output), "--no-score"]
    helper = subprocess.run(
        [sys.executable, "-c", _HELPER, *cmd],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=True,
    )
    data = json.loads(helper.stdout)
    return Run(home=home, output=output, **data)


def _assert_good_captured(run: Run, good: Path) -> None:
    assert run.status(good.name) == "ok", run.out + run.err
    assert run.captured(good.name) == 25
    assert run.output.exists() and len(pd.read_parquet(run.output)) > 0


# --- size cases: one command each, measured -----------------------------------------------------

SIZE_REASONS = {
    "styled_cell_xfd1048576": r"sheet 'Cleaned': rows 1,048,576 exceeds the limit of 500,000 \(HOTPASS_MAX_SHEET_ROWS\)",
    "huge_text_cell": r"compression ratio [0-9,]+:1 exceeds the limit of 200:1 \(HOTPASS_MAX_COMPRESSION_RATIO\)",
    "value_at_xfd10000": r"sheet 'Cleaned': columns 16,384 exceeds the limit of 1,000 \(HOTPASS_MAX_SHEET_COLUMNS\)",
    "identical_rows_1048576": r"sheet 'Cleaned': rows [0-9,]+ exceeds the limit of 500,000 \(HOTPASS_MAX_SHEET_ROWS\)",
    "two_million_rows": r"sheet 'Cleaned': rows [0-9,]+ exceeds the limit of 500,000 \(HOTPASS_MAX_SHEET_ROWS\)",
}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> Run:
    """The same command on the good workbook alone."""
    tmp = tmp_path_factory.mktemp("baseline")
    folder = tmp / "in"
    folder.mkdir()
    good_workbook(folder)
    run = refine(folder, tmp)
    assert run.code == 0, run.out + run.err
    print(f"baseline: {run.seconds:.1f} s, peak RSS {run.peak_rss_kb / 1024:.0f} MB")
    return run


@pytest.mark.parametrize("case", sorted(SIZE_REASONS))
def test_size_case_blocks_its_own_drop_in_seconds_and_bounded_memory(case, tmp_path, baseline):
    assert CASES[case][1] == "size"
    folder = tmp_path / "in"
    (bad,) = build(case, folder)
    good = good_workbook(folder)
    run = refine(folder, tmp_path)
    assert run.code == 2, run.out + run.err
    assert run.status(bad.name) == "BLOCKED", run.out
    line = f"check raw_workbook.workbook_readable failed: file {bad.name!r}: unreadable"
    assert line in run.out
    assert re.search(SIZE_REASONS[case], run.out), run.out
    _assert_good_captured(run, good)
    print(f"{case}: {run.seconds:.1f} s, peak RSS {run.peak_rss_kb / 1024:.0f} MB")
    limit = max(TIME_LIMIT_S, baseline.seconds + HOSTILE_EXTRA_S)
    assert run.seconds < limit, f"{case}: {run.seconds:.1f} s (baseline {baseline.seconds:.1f} s)"
    assert run.peak_rss_kb < PEAK_RSS_LIMIT_KB, f"{case}: {run.peak_rss_kb / 1024:.0f} MB"


# --- the other cases: one command per group --------------------------------------------------------


@pytest.fixture(scope="module")
def group_runs(tmp_path_factory) -> dict[str, tuple[Run, dict[str, list[Path]], Path]]:
    runs = {}
    for group in ("unreadable", "boundary", "name", "header"):
        tmp = tmp_path_factory.mktemp(group)
        folder = tmp / "in"
        files = {c: build(c, folder) for c, (_, kind) in CASES.items() if kind == group}
        good = good_workbook(folder)
        runs[group] = (refine(folder, tmp), files, good)
    return runs


UNREADABLE_REASONS = {
    "corrupt": r"unreadable \(cannot read workbook 'corrupt.xlsx' \(stored as '[0-9a-f]{64}.xlsx'\): ZipError",
    "truncated": r"unreadable \(cannot read workbook 'truncated.xlsx' .*: ZipError",
    "encrypted": r"password-protected",
    "renamed_csv": r"not a zip-based workbook",
    "renamed_html": r"unreadable \(cannot read workbook 'renamed_html.xls' .*not an office document",
    "empty_workbook": r"no_data \(every sheet is empty\)",
    "zero_byte": r"file is empty",
    "entity_expansion": r"unreadable \(cannot read workbook 'entity_expansion.xlsx' .*unrecognized entity",
}


@pytest.mark.parametrize("case", sorted(UNREADABLE_REASONS))
def test_unreadable_case_blocks_its_own_drop(case, group_runs):
    run, files, good = group_runs["unreadable"]
    (bad,) = files[case]
    assert run.code == 2
    assert run.status(bad.name) == "BLOCKED", run.out
    lines = [ln for ln in run.out.splitlines() if f"file {bad.name!r}:" in ln]
    assert any(re.search(UNREADABLE_REASONS[case], ln) for ln in lines), run.out
    _assert_good_captured(run, good)


@pytest.mark.parametrize("case", ["symlink_to_system_file", "symlink_outside"])
def test_symlinks_are_refused_with_a_reason(case, group_runs):
    run, files, good = group_runs["boundary"]
    (link,) = files[case]
    assert run.code == 1, "a refused file is an error of the command"
    assert f"refused {link.name}: symbolic link, not read" in run.err
    assert run.status(link.name) is None, "never registered, never read"
    archive = run.home / "archive"
    for stored in archive.rglob("*"):
        if stored.is_file():
            assert b"root:" not in stored.read_bytes()
    _assert_good_captured(run, good)


@pytest.mark.parametrize("case", ["escape_code_name", "newline_name", "dotdot_name"])
def test_hostile_names_are_read_and_shown_escaped(case, group_runs):
    run, files, good = group_runs["name"]
    (path,) = files[case]
    assert run.code == 0, run.out + run.err
    assert "\x1b" not in run.out + run.err
    assert "drop 2099-01-01_fake" not in "\n".join(
        ln for ln in run.out.splitlines() if ln.startswith("  drop 2099")
    )
    assert not any(ln.startswith("  drop 2099-01-01_fake") for ln in run.out.splitlines())
    assert run.status(path.name) == "ok", run.out
    assert run.captured(path.name) == 25
    _assert_good_captured(run, good)


@pytest.mark.parametrize("case", ["title_block", "merged_header"])
def test_header_cases_are_captured(case, group_runs):
    run, files, good = group_runs["header"]
    (path,) = files[case]
    assert run.code == 0, run.out + run.err
    assert run.status(path.name) == "ok", run.out + run.err
    frame = run.capture(path.name)
    assert len(frame) == 12
    if case == "title_block":  # header on row 4, data from row 5
        assert sorted(frame["source_row"]) == list(range(5, 17))
    else:  # both columns under the merged "Contact Number" header are phones
        assert all(len(p) == 2 for p in frame["phones"])
    _assert_good_captured(run, good)
