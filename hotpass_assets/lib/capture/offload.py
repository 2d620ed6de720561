"""Offloading the slowest parsers to a second core (a forked process).

Phones and people cost the most per distinct value. On a sheet with at least
:data:`PARALLEL_MIN_VALUES` distinct values of them, a forked process parses those while the main
process parses the other columns. ``HOTPASS_CAPTURE_PARALLEL`` turns this on (``1``) or off
(``0``); unset, it is on only when the load average shows an idle core. Any failure or a timeout
of the second process falls back to parsing in the main one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from typing import Any

from hotpass_assets.lib.capture.parsers import ValueParser, ValueReject, value_parser
from hotpass_assets.lib.profiles import FieldSpec

__all__ = ["PARALLEL_MIN_VALUES", "Waiter", "start_offload"]

#: Distinct values (over the offloaded columns of one sheet) from which a second process helps.
PARALLEL_MIN_VALUES = 20_000
#: Parsers worth offloading (the slowest per distinct value).
_OFFLOAD_PARSERS = frozenset({"phones", "person_with_role"})
_OFFLOAD_TIMEOUT_S = 120.0

#: (parser, distinct values) of one offloaded column.
Job = tuple[ValueParser, list[str]]
#: Per offloaded column: distinct value → (parsed, value rejects).
Results = list[dict[str, tuple[Any, list[ValueReject]]]]
#: Waits for the second process; ``None`` when it failed (the caller parses itself).
Waiter = Callable[[], Results | None]


def _parallel_enabled() -> bool:
    """``HOTPASS_CAPTURE_PARALLEL``: ``1`` on, ``0`` off, unset: on when a core is idle.

    A second process only helps when a core is free; on a busy machine it competes with the
    main process and slows capture down, so the automatic mode looks at the load average.
    """
    setting = os.environ.get("HOTPASS_CAPTURE_PARALLEL", "auto").strip().lower()
    cpus = os.cpu_count() or 1
    if setting in ("0", "false", "no", "off") or cpus < 2:
        return False
    if setting in ("1", "true", "yes", "on"):
        return True
    try:
        load = os.getloadavg()[0]
    except OSError:
        return False
    return load <= cpus - 1.25


def _parse_all(jobs: list[Job]) -> Results:
    return [{v: fn(v) for v in vals} for fn, vals in jobs]


def _offload(jobs: list[Job]) -> Waiter | None:
    """Run ``jobs`` (function, distinct values) in a forked process while the caller goes on.

    Returns a function that waits for the results (one dict value → result per job), or ``None``
    when offloading is not possible. Any failure or a timeout gives ``None`` from the waiter, and
    the caller computes the values itself.
    """
    from hotpass_assets.lib.background import Forked

    try:
        job = Forked(partial(_parse_all, jobs), label="capture: parsing phones and people")
    except Exception:
        return None
    if not job.forked:
        return None

    def wait() -> Results | None:
        try:
            return job.result(timeout=_OFFLOAD_TIMEOUT_S)
        except Exception:
            return None

    return wait


def start_offload(
    resolved: dict[str, tuple[FieldSpec, list[str]]],
    column: Callable[[str], list[str | None]],
    region: str,
) -> tuple[list[str], Waiter | None]:
    """Send the distinct values of the slow per-value parsers (phones, people) to a second
    process when there are enough of them; returns the offloaded columns' keys
    (``field\\x00header``) and the waiter.

    Organisation keys, e-mails, websites and text are computed column-wide in this process:
    they cost less than the fork, the copy-on-write faults it causes and the transfer back.
    """
    if not any(fs.parser in _OFFLOAD_PARSERS for fs, _ in resolved.values()):
        return [], None
    if not _parallel_enabled():
        return [], None
    jobs: list[Job] = []
    keys: list[str] = []
    total = 0
    for fname, (fs, headers) in resolved.items():
        if fs.parser not in _OFFLOAD_PARSERS:
            continue
        parse = value_parser(fs, region)
        for h in headers:
            uniques = [v for v in dict.fromkeys(column(h)) if v]
            jobs.append((parse, uniques))
            keys.append(f"{fname}\x00{h}")
            total += len(uniques)
    if total < PARALLEL_MIN_VALUES:
        return [], None
    waiter = _offload(jobs)
    return (keys, waiter) if waiter is not None else ([], None)
