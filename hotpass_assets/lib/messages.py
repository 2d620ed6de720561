"""Messages a person reads at the end of ``hotpass refine``/``demo``: one line per drop.

* one line per drop and one for the snapshot, with the reason when it did not succeed (the
  blocking checks' explanations, or the failure's cause);
* the cause of an I/O failure named: a full disk or a read-only/unwritable location instead of
  Dagster's "Exceeded max_retries of 2" or SQLite's "disk I/O error";
* WARN findings summarised at the end;
* names shown with control characters escaped (a file name cannot forge a line or colour the
  terminal);
* longer text only with ``--verbose``.

Pure: works on the runner's report and on (class name, message) chains of serialised errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

#: Longest reason shown on a drop's line without --verbose (room for a limit message with the
#: file, the stored name, the value, the limit and its setting).
MAX_REASON = 400

_PATH = re.compile(r"'(/[^']+)'|\"(/[^\"]+)\"")
_CAUSES: list[tuple[str, tuple[str, ...]]] = [
    (
        "disk full: no space left on the device",
        ("[errno 28]", "no space left on device", "database or disk is full", "enospc"),
    ),
    (
        "read-only storage: the location cannot be written",
        ("[errno 30]", "read-only file system", "readonly database", "erofs"),
    ),
    ("permission denied: the location cannot be written", ("[errno 13]", "permission denied")),
    (
        "disk I/O error (SQLite): the disk is full or read-only, or the file system failed",
        ("disk i/o error",),
    ),
]
_INTERRUPTED = ("RunInterrupted", "DagsterExecutionInterruptedError", "KeyboardInterrupt")
_WRAPPERS = ("exceeded max_retries", "retryrequested", "error occurred while executing")


class DropResult(Protocol):
    """What a message needs of one drop's outcome (the runner's ``DropOutcome``)."""

    @property
    def partition_key(self) -> str: ...
    @property
    def file_name(self) -> str: ...
    @property
    def success(self) -> bool: ...
    @property
    def blocked_checks(self) -> Sequence[Mapping[str, Any]]: ...
    @property
    def error(self) -> str | None: ...


class RunReport(Protocol):
    """What the messages need of a runner report (the runner's ``PipelineReport``)."""

    @property
    def drops(self) -> Sequence[DropResult]: ...
    @property
    def snapshot_date(self) -> str: ...
    @property
    def snapshot_success(self) -> bool: ...
    @property
    def snapshot_blocked(self) -> Sequence[Mapping[str, Any]]: ...
    @property
    def snapshot_error(self) -> str | None: ...
    @property
    def interrupted(self) -> str | None: ...
    @property
    def canceled_runs(self) -> Sequence[str]: ...
    @property
    def recovered_runs(self) -> Sequence[str]: ...
    @property
    def warnings(self) -> Sequence[Mapping[str, Any]]: ...


def display(text: object) -> str:
    """``text`` safe to print on one line: control and other unprintable characters escaped."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in str(text))


def one_line(text: str, limit: int | None = MAX_REASON) -> str:
    """Whitespace collapsed, unprintables escaped, cut at ``limit`` characters."""
    flat = display(" ".join(str(text).split()))
    if limit is not None and len(flat) > limit:
        return flat[: limit - 1].rstrip() + "…"
    return flat


def io_cause(messages: Iterable[str]) -> str | None:
    """The named cause of an I/O failure (disk full, read-only, permission) with the path, if any
    message in ``messages`` shows one."""
    texts = [m for m in messages if m]
    for label, needles in _CAUSES:
        for text in texts:
            if any(n in text.lower() for n in needles):
                paths = [a or b for a, b in _PATH.findall(text)]
                return f"{label} ({paths[0]})" if paths else label
    return None


def failure_reason(chain: Sequence[tuple[str, str]], description: str | None = None) -> str:
    """The reason a step failed, from its error chain (class name, message; outermost first) and
    a ``dagster.Failure`` description."""
    cause = io_cause([m for _, m in chain] + [description or ""])
    if cause:
        return cause
    if any(cls in _INTERRUPTED for cls, _ in chain):
        return "stopped by a signal"
    if description:
        return description.strip()
    for cls, message in chain:
        if message and not message.lower().startswith(_WRAPPERS):
            return f"{cls}: {message}" if cls and cls not in message else message
    return chain[0][1] if chain else "unknown error"


def _drop_line(drop: DropResult, verbose: bool) -> str:
    name = f"drop {display(drop.partition_key)} ({display(drop.file_name)})"
    limit = None if verbose else MAX_REASON
    if drop.success:
        return f"  {name}: ok"
    if drop.blocked_checks:
        reasons = "; ".join(
            f"check {b['asset']}.{b['check']} failed: {b['explanation']}"
            for b in drop.blocked_checks
        )
        return f"  {name}: BLOCKED: {one_line(reasons, limit)}"
    return f"  {name}: FAILED: {one_line(drop.error or 'failed', limit)}"


def format_report(report: RunReport, *, verbose: bool = False) -> list[str]:
    """The lines ``hotpass refine`` prints for a runner report."""
    lines: list[str] = []
    if report.recovered_runs:
        lines.append(
            f"  recovered: {len(report.recovered_runs)} earlier run(s) whose process had died "
            "were marked failed"
        )
    lines.extend(_drop_line(d, verbose) for d in report.drops)
    limit = None if verbose else MAX_REASON
    snap = f"  snapshot {report.snapshot_date}"
    if report.interrupted:
        lines.append(
            f"  stopped by {report.interrupted}: {len(report.canceled_runs)} run(s) canceled; "
            "the remaining drops and the snapshot were not run"
        )
    elif report.snapshot_success:
        lines.append(f"{snap}: ok")
    elif report.snapshot_blocked:
        reasons = "; ".join(
            f"check {b['asset']}.{b['check']} failed: {b['explanation']}"
            for b in report.snapshot_blocked
        )
        lines.append(f"{snap}: BLOCKED: {one_line(reasons, limit)}")
    else:
        lines.append(f"{snap}: FAILED: {one_line(report.snapshot_error or 'failed', limit)}")
    if report.warnings:
        lines.append(f"warnings ({len(report.warnings)}):")
        lines.extend(
            f"  - {display(w['where'])}: {w['asset']}.{w['check']}: "
            f"{one_line(w['explanation'] or 'warning', limit)}"
            for w in report.warnings
        )
    return lines
