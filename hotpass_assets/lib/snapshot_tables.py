"""Find and read a snapshot's user-facing tables: organisations, contacts and the call list.

Used by the command line (``hotpass export``, ``report``, ``review``, ``refine --output``). A
snapshot is a day with a refined organisations table; "latest" is the newest such day.
"""

import pandas as pd

from hotpass_assets.lib.warehouse import read_table, read_tables
from hotpass_assets.settings import Settings

TABLES = ("organisations", "contacts", "call_list")
#: Table -> (contract dataset, contract table): the column descriptions and types.
CONTRACTS = {
    "organisations": ("refined_organisations", "organisations"),
    "contacts": ("refined_organisations", "contacts"),
    "call_list": ("call_list", "call_list"),
}


class SnapshotNotFound(LookupError):
    """No snapshot (or not the asked-for one, or not this table of it); the message says which."""


def snapshot_days(settings: Settings) -> list[str]:
    root = settings.warehouse_dir / "refined" / "organisations"
    return sorted(p.parent.name.split("=", 1)[1] for p in root.glob("snapshot_date=*/data.parquet"))


def resolve_snapshot(settings: Settings, snapshot: str | None) -> str:
    days = snapshot_days(settings)
    if not days:
        raise SnapshotNotFound(
            f"no snapshot in {settings.warehouse_dir}: refine a workbook first "
            "(hotpass refine --input-dir DIR --output FILE, or hotpass demo)"
        )
    if snapshot is None:
        return days[-1]
    if snapshot not in days:
        shown = ", ".join(days[-5:])
        raise SnapshotNotFound(f"no snapshot {snapshot}; snapshots: {shown} ({len(days)} in all)")
    return snapshot


def load_table(settings: Settings, table: str, snapshot: str) -> pd.DataFrame:
    """One table of ``snapshot`` as stored (the call list is rebuilt from the stored scores, so
    its values are not the spreadsheet-neutralised text of the delivered CSV)."""
    if table in ("organisations", "contacts"):
        return read_table(settings.refined_path(table, snapshot))
    if table != "call_list":
        raise ValueError(f"unknown table {table!r}; one of {', '.join(TABLES)}")
    from hotpass_assets.lib.scoring.calllist import CALL_LIST_COLUMNS, build_call_list

    scores_path = settings.scoring_path("lead_scores", snapshot)
    if scores_path.exists():
        orgs = read_table(settings.refined_path("organisations", snapshot))
        return build_call_list(orgs, read_table(scores_path), settings.call_list_size)
    delivered = settings.scoring_path("call_list", snapshot, "csv")
    if delivered.exists():
        # A local Path, or a UPath: pandas opens a local (file://) one only; the stubs know neither.
        frame = pd.read_csv(
            delivered,  # type: ignore[arg-type]
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
        )
        return frame[[c for c in CALL_LIST_COLUMNS if c in frame.columns]]
    raise SnapshotNotFound(
        f"snapshot {snapshot} has no call list yet: it is built by scoring "
        "(hotpass refine without --no-score, or materialise call_list in the UI)"
    )


def capture_record_ids(settings: Settings, partition_keys: list[str]) -> set[str]:
    """Record ids captured from the given drops (those with a published capture)."""
    paths = [settings.capture_path("organisations", k) for k in partition_keys]
    paths = [p for p in paths if p.exists()]
    if not paths:
        return set()
    return set(read_tables(paths)["record_id"])


def organisations_of_records(orgs: pd.DataFrame, record_ids: set[str]) -> pd.DataFrame:
    """Organisations built (at least partly) from any of ``record_ids``."""
    if orgs.empty or not record_ids:
        return orgs.iloc[0:0]
    mask = orgs["source_record_ids"].map(lambda ids: bool(ids) and not record_ids.isdisjoint(ids))
    return orgs[mask.astype(bool)].reset_index(drop=True)
