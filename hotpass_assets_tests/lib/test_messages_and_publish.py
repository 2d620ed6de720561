"""Messages a person reads (one line per drop, named I/O causes) and all-or-nothing publication."""

from dataclasses import dataclass, field

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotpass_assets.lib.messages import (
    MAX_REASON,
    display,
    failure_reason,
    format_report,
    io_cause,
    one_line,
)
from hotpass_assets.lib.warehouse import is_published, publish_together, read_table

# --- messages ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chain", "expected"),
    [
        (
            [
                ("RetryRequestedFromPolicy", "Exceeded max_retries of 2"),
                ("OSError", "[Errno 28] No space left on device: '/data/warehouse/x.parquet'"),
            ],
            "disk full: no space left on the device (/data/warehouse/x.parquet)",
        ),
        (
            [("OperationalError", "(sqlite3.OperationalError) database or disk is full")],
            "disk full: no space left on the device",
        ),
        (
            [("OSError", "[Errno 30] Read-only file system: '/w/capture'")],
            "read-only storage: the location cannot be written (/w/capture)",
        ),
        (
            [("OperationalError", "attempt to write a readonly database")],
            "read-only storage: the location cannot be written",
        ),
        (
            [("PermissionError", "[Errno 13] Permission denied: '/w'")],
            "permission denied: the location cannot be written (/w)",
        ),
        (
            [("OperationalError", "(sqlite3.OperationalError) disk I/O error")],
            "disk I/O error (SQLite): the disk is full or read-only, or the file system failed",
        ),
        ([("RunInterrupted", "stopped")], "stopped by a signal"),
        (
            [("RetryRequestedFromPolicy", "Exceeded max_retries of 2"), ("ValueError", "bad x")],
            "ValueError: bad x",
        ),
    ],
)
def test_failure_reason_names_the_cause(chain, expected):
    assert failure_reason(chain) == expected


def test_failure_description_is_used_when_no_io_cause():
    assert (
        failure_reason([("Failure", "x")], "drop k (f.xlsx): blocked") == "drop k (f.xlsx): blocked"
    )
    assert io_cause(["nothing to see"]) is None


def test_display_escapes_terminal_controls_and_newlines():
    shown = display("evil\x1b[31mred\nfake drop ok.xlsx")
    assert "\x1b" not in shown and "\n" not in shown
    assert "\\x1b" in shown and "\\n" in shown


@given(st.text())
def test_one_line_is_one_printable_line(text):
    line = one_line(text, limit=50)
    assert "\n" not in line and "\r" not in line and len(line) <= 50
    assert all(c.isprintable() for c in line)


@dataclass
class _Drop:
    partition_key: str
    file_name: str
    success: bool
    blocked_checks: list = field(default_factory=list)
    error: str | None = None


@dataclass
class _Report:
    drops: list
    snapshot_date: str = "2026-01-02"
    snapshot_success: bool = True
    snapshot_blocked: list = field(default_factory=list)
    snapshot_error: str | None = None
    interrupted: str | None = None
    canceled_runs: list = field(default_factory=list)
    recovered_runs: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


def test_report_is_one_line_per_drop_with_warnings_at_the_end():
    multiline = "file 'b.xlsx', sheet 'S': missing column\n  and another\n" + "x" * 500
    report = _Report(
        drops=[
            _Drop("k1", "a.xlsx", True),
            _Drop(
                "k2", "b\n.xlsx", False, [{"asset": "a", "check": "c", "explanation": multiline}]
            ),
            _Drop("k3", "c.xlsx", False, error="disk full: no space left on the device"),
        ],
        warnings=[
            {
                "asset": "contact_capture",
                "check": "drift",
                "explanation": "3 of 9",
                "where": "drop k1",
            }
        ],
        recovered_runs=["r1"],
    )
    lines = format_report(report)
    assert lines[0].startswith("  recovered: 1")
    assert lines[1] == "  drop k1 (a.xlsx): ok"
    assert lines[2].startswith("  drop k2 (b\\n.xlsx): BLOCKED: check a.c failed: file 'b.xlsx'")
    assert len(lines[2]) < MAX_REASON + 60  # the reason is cut, the line stays one line
    assert lines[3] == "  drop k3 (c.xlsx): FAILED: disk full: no space left on the device"
    assert lines[4] == "  snapshot 2026-01-02: ok"
    assert lines[5:] == ["warnings (1):", "  - drop k1: contact_capture.drift: 3 of 9"]
    assert all("\n" not in line for line in lines)
    assert len(format_report(report, verbose=True)[2]) > 500


def test_interrupted_report_says_what_was_not_run():
    lines = format_report(_Report(drops=[], interrupted="SIGTERM", canceled_runs=["r"]))
    assert lines == [
        "  stopped by SIGTERM: 1 run(s) canceled; the remaining drops and the snapshot were not run"
    ]


# --- publish together ----------------------------------------------------------------------------


def _tables(tmp_path, n):
    return {
        name: (pd.DataFrame({"v": list(range(n))}), tmp_path / name / "data.parquet", None)
        for name in ("organisations", "contacts", "rejects")
    }


def test_publish_together_writes_manifest_last(tmp_path):
    manifest = tmp_path / "_published" / "drop=k.json"
    digests = publish_together(_tables(tmp_path, 3), manifest)
    assert set(digests) == {"organisations", "contacts", "rejects"}
    assert manifest.exists() and not manifest.with_name(manifest.name + ".pending").exists()
    assert is_published(manifest, [p for _, p, _ in _tables(tmp_path, 0).values()])


def test_a_publication_cut_short_is_not_usable_and_keeps_nothing_half(tmp_path, monkeypatch):
    from hotpass_assets.lib import warehouse

    manifest = tmp_path / "_published" / "drop=k.json"
    publish_together(_tables(tmp_path, 3), manifest)
    paths = [p for _, p, _ in _tables(tmp_path, 0).values()]
    real = warehouse.write_table

    def full_after_first(frame, target, columns=None):
        if "organisations" not in str(target):
            raise OSError(28, "No space left on device", str(target))
        return real(frame, target, columns)

    monkeypatch.setattr(warehouse, "write_table", full_after_first)
    with pytest.raises(OSError):
        publish_together(_tables(tmp_path, 5), manifest)
    # organisations is new, contacts and rejects old: not one publication, so not usable
    assert len(read_table(paths[0])) == 5 and len(read_table(paths[1])) == 3
    assert not is_published(manifest, paths)
    monkeypatch.setattr(warehouse, "write_table", real)
    publish_together(_tables(tmp_path, 5), manifest)
    assert is_published(manifest, paths)


def test_tables_written_before_manifests_existed_stay_usable(tmp_path):
    tables = _tables(tmp_path, 2)
    for frame, path, _ in tables.values():
        path.parent.mkdir(parents=True)
        frame.to_parquet(path)
    paths = [p for _, p, _ in tables.values()]
    manifest = tmp_path / "_published" / "drop=k.json"
    assert is_published(manifest, paths)
    paths[1].unlink()  # the old half-published state: organisations without contacts
    assert not is_published(manifest, paths)
