"""Explain an entity: which source records it merged, the pairs that linked them and why.

By default the explanation shows ids, sources, scores and per-field similarity evidence, never
names, e-mails or phones; ``show_values`` adds the survivor values for a user who may see them.
"""

import json

import pandas as pd

from hotpass_assets.lib.warehouse import read_table
from hotpass_assets.settings import Location, Settings

_VALUE_FIELDS = ("organisation_name", "province", "website", "address", "category", "org_type")


def _snapshot_dir(settings: Settings, table: str, snapshot: str | None) -> "Location | None":
    root = settings.warehouse_dir / "refined" / table
    days = sorted(p.parent.name.split("=", 1)[1] for p in root.glob("snapshot_date=*/data.parquet"))
    if not days:
        return None
    day = snapshot or days[-1]
    path = settings.refined_path(table, day)
    return path if path.exists() else None


def _involving(frame: pd.DataFrame, records: set[str]) -> pd.DataFrame:
    cols = [c for c in frame.columns if c.startswith("record_id")]
    if frame.empty or not cols:
        return frame.iloc[0:0]
    mask = frame[cols].isin(records).any(axis=1)
    return frame[mask]


def explain_entity(
    settings: Settings, entity_id: str, *, snapshot: str | None = None, show_values: bool = False
) -> str | None:
    orgs_path = _snapshot_dir(settings, "organisations", snapshot)
    if orgs_path is None:
        return None
    day = orgs_path.parent.name.split("=", 1)[1]
    orgs = read_table(orgs_path)
    match = orgs[orgs["entity_id"] == entity_id]
    if match.empty:
        return None
    row = match.iloc[0]
    records = set(row["source_record_ids"])
    lines = [
        f"entity {entity_id} (snapshot {day})",
        f"  sources: {', '.join(row['source_datasets'])}; {len(records)} source record(s); "
        f"quality {row['data_quality_score']:.2f} {list(row['data_quality_flags'])}",
    ]
    provenance = json.loads(row["selection_provenance"] or "{}")
    lines.append("  chosen fields:")
    for name in sorted(provenance):
        prov = provenance[name]
        where = (
            f"{prov.get('file')} / {prov.get('sheet')} row {prov.get('row')} "
            f"column {prov.get('column')!r}"
            if prov.get("file")
            else ""
        )
        value = f" = {prov.get('value')!r}" if show_values and name in _VALUE_FIELDS else ""
        others = len(prov.get("candidates") or [])
        lines.append(
            f"    {name}{value}: rule {prov.get('rule')} {where} ({others} other candidate(s))"
        )
    lines.append("  records:")
    for rid in sorted(records):
        lines.append(f"    {rid}")
    evidence_path = _snapshot_dir(settings, "entity_match_evidence", day)
    if evidence_path is not None:
        pairs = _involving(read_table(evidence_path), records)
        lines.append(f"  linking pairs ({len(pairs)}):")
        for pair in pairs.to_dict("records"):
            lines.append("    " + ", ".join(f"{k}={_short(v)}" for k, v in pair.items()))
    review_path = _snapshot_dir(settings, "match_review_queue", day)
    if review_path is not None:
        pending = _involving(read_table(review_path), records)
        lines.append(f"  pairs awaiting review ({len(pending)}):")
        for pair in pending.to_dict("records"):
            lines.append("    " + ", ".join(f"{k}={_short(v)}" for k, v in pair.items()))
    merge_path = _snapshot_dir(settings, "entity_merge_log", day)
    if merge_path is not None:
        log = read_table(merge_path)
        if not log.empty:
            hits = log[log.isin([entity_id]).any(axis=1)]
            for entry in hits.to_dict("records"):
                lines.append("  merge: " + ", ".join(f"{k}={_short(v)}" for k, v in entry.items()))
    return "\n".join(lines)


def _short(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."
