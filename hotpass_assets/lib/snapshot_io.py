"""Reading and writing a refined snapshot: which drops it uses, their captures, the previous
day's record map, and the published tables.

The Dagster asset (``hotpass_assets.defs.refined``) and the command line call these; the
resolution itself is :func:`hotpass_assets.lib.refine.build_snapshot`.
"""

import json
import os
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, cast

import pandas as pd

from hotpass_assets.lib.drops import DropRegister
from hotpass_assets.lib.records import (
    CAPTURE_CONTACT_COLUMNS,
    CAPTURE_ORGANISATION_COLUMNS,
    CONFLICT_COLUMNS,
    REFINED_CONTACT_COLUMNS,
    REFINED_ORGANISATION_COLUMNS,
    REJECT_COLUMNS,
)
from hotpass_assets.lib.refine import (
    PreviousSnapshot,
    Snapshot,
    build_snapshot,
    model_table,
    select_drops,
)
from hotpass_assets.lib.review import load_decisions
from hotpass_assets.lib.warehouse import read_arrow_table, read_table, read_tables, write_table
from hotpass_assets.settings import Settings

#: A drop's capture tables and their column order; published together (one manifest).
CAPTURE_TABLES: dict[str, tuple[str, ...]] = {
    "organisations": CAPTURE_ORGANISATION_COLUMNS,
    "contacts": CAPTURE_CONTACT_COLUMNS,
    "rejects": REJECT_COLUMNS,
}


def published_drops(settings: Settings) -> tuple[list[dict[str, str]], list[str]]:
    """Registered drops with a published capture, and those without one (blocked, not run, or
    cut short: a drop counts only when all its capture tables were published together)."""
    usable, missing = [], []
    for manifest in DropRegister(settings.drops_dir).all():
        key = manifest.partition_key
        if settings.capture_published(key, tuple(CAPTURE_TABLES)):
            usable.append({"partition_key": key, "drop_date": manifest.drop_date})
        else:
            missing.append(key)
    return usable, sorted(missing)


def previous_record_map(settings: Settings, day: date) -> pd.DataFrame | None:
    """The record -> entity map of the latest snapshot before ``day`` (None: there is none)."""
    root = settings.warehouse_dir / "refined" / "entity_record_map"
    if not root.exists():
        return None
    earlier = sorted(
        p
        for p in root.glob("snapshot_date=*/data.parquet")
        if p.parent.name.split("=", 1)[1] < day.isoformat()
    )
    return read_table(earlier[-1]) if earlier else None


def previous_snapshot(settings: Settings, day: date) -> PreviousSnapshot | None:
    """The latest earlier snapshot's entity keys, model and pair tables (incremental linkage)."""
    from hotpass_assets.lib.matching.incremental import keys_frame

    root = settings.warehouse_dir / "refined" / "entity_keys"
    if settings.linkage != "incremental" or not root.exists():
        return None
    earlier = sorted(
        p.parent.name.split("=", 1)[1]
        for p in root.glob("snapshot_date=*/data.parquet")
        if p.parent.name.split("=", 1)[1] < day.isoformat()
    )
    if not earlier:
        return None
    snap = earlier[-1]
    model_json = settings.refined_path("match_model", snap).with_suffix(".json")
    if not model_json.exists():
        return None
    tables = {
        name: read_table(path) if (path := settings.refined_path(name, snap)).exists() else None
        for name in ("entity_match_evidence", "match_review_queue", "entity_kept_apart")
    }
    return PreviousSnapshot(
        entity_keys=keys_frame(read_arrow_table(settings.refined_path("entity_keys", snap))),
        model=json.loads(model_json.read_text("utf-8")),
        **{
            field: frame
            for field, frame in zip(
                ("matches", "review", "kept_apart"), tables.values(), strict=True
            )
            if frame is not None
        },
    )


def read_captures(settings: Settings, keys: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The captures of ``keys``, drop by drop, only the columns the snapshot uses, concatenated
    once in Arrow (organisations sorted by record id there) and converted to pandas once."""
    from hotpass_assets.lib.contacts_merge import CONTACT_INPUT_COLUMNS

    org_paths = [settings.capture_path("organisations", k) for k in keys]
    people_paths = [p for p in (settings.capture_path("contacts", k) for k in keys) if p.exists()]
    org_frame = (
        read_tables(org_paths, columns=CAPTURE_ORGANISATION_COLUMNS, sort_by="record_id")
        if org_paths
        else pd.DataFrame(columns=list(CAPTURE_ORGANISATION_COLUMNS))
    )
    people_frame = (
        read_tables(people_paths, columns=CONTACT_INPUT_COLUMNS)
        if people_paths
        else pd.DataFrame(columns=list(CONTACT_INPUT_COLUMNS))
    )
    return org_frame, people_frame


def refine_day(settings: Settings, day: date) -> tuple[Snapshot, dict[str, Any]]:
    """Build (not yet publish) the snapshot for ``day``; returns it and its drop accounting.

    Matching thresholds, the matching config file and a pinned model come from ``settings``
    (:meth:`Settings.match_config`).
    """
    usable, unpublished = published_drops(settings)
    used, superseded = select_drops(usable, day)
    t_read = time.perf_counter()
    orgs, people = read_captures(settings, used)
    read_s = time.perf_counter() - t_read
    must, cannot = load_decisions(settings.review_dir / "decisions", orgs)
    t0 = time.perf_counter()
    snapshot = build_snapshot(
        orgs,
        people,
        snapshot_date=day,
        previous=previous_record_map(settings, day),
        must_link=must,
        cannot_link=cannot,
        match_config=settings.match_config(),
        linkage=settings.linkage,
        previous_snapshot=previous_snapshot(settings, day),
        processes=settings.snapshot_processes,
    )
    snapshot.stats["build_s"] = round(time.perf_counter() - t0, 3)
    snapshot.stats["read_s"] = round(read_s, 3)
    accounting = {
        "drops_used": used,
        "drops_superseded": superseded,
        "drops_without_published_capture": [
            k for k in unpublished if k.split("_", 1)[0] <= day.isoformat()
        ],
        "review_decisions": {"must_link": len(must), "cannot_link": len(cannot)},
    }
    return snapshot, accounting


def _entity_keys(snapshot: Snapshot) -> Any:
    from hotpass_assets.lib.matching.incremental import keys_table

    return keys_table(snapshot.entity_keys)


#: Each published table of a snapshot, in writing order: how it is taken from the snapshot and
#: its column order (``None``: as built).
_TABLES: dict[str, tuple[Callable[[Snapshot], Any], tuple[str, ...] | None]] = {
    "organisations": (lambda s: s.organisations, REFINED_ORGANISATION_COLUMNS),
    "contacts": (lambda s: s.contacts, REFINED_CONTACT_COLUMNS),
    "match_review_queue": (lambda s: s.review, None),
    "organisation_conflicts": (lambda s: s.conflicts, CONFLICT_COLUMNS),
    "entity_merge_log": (lambda s: s.merge_log, None),
    "entity_record_map": (lambda s: s.record_map, None),
    "entity_match_evidence": (lambda s: s.matches, None),
    "entity_kept_apart": (lambda s: s.kept_apart, None),
    "match_model": (lambda s: model_table(s.model), None),
    "entity_keys": (_entity_keys, None),
}
#: The published tables of a snapshot, in writing order.
SNAPSHOT_TABLES: tuple[str, ...] = tuple(_TABLES)


def _tables(snapshot: Snapshot) -> dict[str, tuple[Any, tuple[str, ...] | None]]:
    """Every published table of ``snapshot`` with its column order."""
    return {name: (take(snapshot), cols) for name, (take, cols) in _TABLES.items()}


def _write_model_json(settings: Settings, snap: str, snapshot: Snapshot) -> None:
    # the same model as JSON: HOTPASS_MATCH_MODEL=<this file> pins it for later snapshots
    model_json = settings.refined_path("match_model", snap).with_suffix(".json")
    model_json.write_text(json.dumps(snapshot.model, sort_keys=True, default=str), "utf-8")


def publish_snapshot(settings: Settings, day: date, snapshot: Snapshot) -> dict[str, str]:
    """Write every table of ``snapshot`` (and its match model as JSON); returns their SHA-256."""
    snap = day.isoformat()
    digests = {
        name: write_table(frame, settings.refined_path(name, snap), cols)
        for name, (frame, cols) in _tables(snapshot).items()
    }
    _write_model_json(settings, snap, snapshot)
    return digests


class StagedSnapshot:
    """A snapshot's tables being written in a background process to hidden files beside their
    published paths (``.data.parquet.<token>.staged``), while this process checks them.

    :meth:`commit` waits for the writes and renames every file into place (then writes the
    model JSON): the same files :func:`publish_snapshot` writes. :meth:`discard` stops the
    writes and removes what they left. The tables are renamed one by one, as
    :func:`publish_snapshot` writes them one by one.
    """

    def __init__(self, settings: Settings, day: date, snapshot: Snapshot, targets: dict[str, Path]):
        from uuid import uuid4

        from hotpass_assets.lib.background import Forked

        self._settings, self._day, self._snapshot = settings, day, snapshot
        token = uuid4().hex[:12]
        self._paths = {
            name: (target.with_name(f".{target.name}.{token}.staged"), target)
            for name, target in targets.items()
        }
        for _, target in self._paths.values():  # what a killed run left (runs take turns)
            for leftover in target.parent.glob(f".{target.name}.*.staged"):
                leftover.unlink(missing_ok=True)
        staged = {name: paths[0] for name, paths in self._paths.items()}

        def write() -> tuple[dict[str, str], float]:
            t0 = time.perf_counter()
            digests = {
                name: write_table(frame, staged[name], cols)
                for name, (frame, cols) in _tables(snapshot).items()
            }
            return digests, time.perf_counter() - t0

        self._job = Forked(write, label=f"snapshot {day.isoformat()}: writing the refined tables")
        #: seconds the background process spent writing (set by :meth:`commit`)
        self.write_s: float | None = None

    def commit(self) -> dict[str, str]:
        """Wait for the writes, move every table into place; returns their SHA-256."""
        try:
            digests, self.write_s = self._job.result()
        except BaseException:
            self.discard()
            raise
        for staged, target in self._paths.values():
            os.replace(staged, target)
        _write_model_json(self._settings, self._day.isoformat(), self._snapshot)
        return digests

    def discard(self) -> None:
        """Stop the writes (if still running) and remove the staged files."""
        self._job.cancel()
        for staged, target in self._paths.values():
            staged.unlink(missing_ok=True)
            for leftover in target.parent.glob(f".{staged.name}.*.tmp"):
                leftover.unlink(missing_ok=True)


def stage_snapshot(settings: Settings, day: date, snapshot: Snapshot) -> StagedSnapshot | None:
    """Start writing ``snapshot``'s tables in the background (:class:`StagedSnapshot`), or
    ``None`` when they cannot be staged: the warehouse is object storage (a file put there
    cannot be renamed into place), or ``HOTPASS_SNAPSHOT_PROCESSES`` is 1."""
    if settings.snapshot_processes < 2:
        return None
    snap = day.isoformat()
    targets = {name: settings.refined_path(name, snap) for name in SNAPSHOT_TABLES}
    if not all(isinstance(t, Path) for t in targets.values()):
        return None
    return StagedSnapshot(settings, day, snapshot, cast(dict[str, Path], targets))
