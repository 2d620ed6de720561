"""Stable entity ids across runs.

Rules, applied to the clusters of this run and the record -> entity id map of the previous run:

- Each previous id goes to the cluster holding most of its records (ties: the cluster whose
  smallest record id sorts first).
- A cluster keeps the best of the ids it won: most of its records, then the smallest id. Every
  other id it won is retired into that survivor (a ``merge`` row in the log).
- Records of a previous id that landed in a cluster which did not win it were split off: the
  log says so (a ``split`` row, from the old id to the cluster's id).
- A cluster that won no id gets ``<prefix>_`` + the first 16 hex digits of the SHA-1 of its
  smallest record id, so the same input always gets the same ids. If that id is already taken
  (by a previous id or another new cluster), the hash of the record id plus a counter is used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

import pandas as pd

MERGE_LOG_COLUMNS = ("event", "retired_id", "survivor_id", "records", "cluster_min_record_id")


def new_entity_id(record_id: str, prefix: str = "org", salt: int = 0) -> str:
    """Deterministic id for a new cluster from its smallest record id."""
    text = record_id if salt == 0 else f"{record_id}#{salt}"
    return f"{prefix}_{hashlib.sha1(text.encode('utf-8')).hexdigest()[:16]}"


def _clusters_frame(
    clusters: pd.Series | Mapping[str, object] | Iterable[Iterable[str]],
) -> pd.DataFrame:
    if isinstance(clusters, pd.Series):
        return pd.DataFrame(
            {"record_id": clusters.index.astype(str), "cluster": clusters.to_numpy()}
        )
    if isinstance(clusters, Mapping):
        return pd.DataFrame(
            {"record_id": [str(k) for k in clusters], "cluster": list(clusters.values())}
        )
    rows = [(str(r), k) for k, members in enumerate(clusters) for r in members]
    return pd.DataFrame(rows, columns=["record_id", "cluster"])


def assign_entity_ids(
    clusters: pd.Series | Mapping[str, object] | Iterable[Iterable[str]],
    previous: Mapping[str, str] | None = None,
    *,
    prefix: str = "org",
) -> tuple[dict[str, str], pd.DataFrame]:
    """Entity id per record and the merge log.

    ``clusters``: record id -> cluster label (a Series indexed by record id or a mapping), or an
    iterable of record-id groups. ``previous``: record id -> entity id of the previous run.
    Returns (record id -> entity id, merge log with columns ``event`` (merge/split),
    ``retired_id``, ``survivor_id``, ``records``, ``cluster_min_record_id``).
    """
    entity, log = entity_id_series(clusters, previous, prefix=prefix)
    return dict(zip(entity.index, entity.to_numpy(), strict=True)), log


def entity_id_series(
    clusters: pd.Series | Mapping[str, object] | Iterable[Iterable[str]],
    previous: Mapping[str, str] | None = None,
    *,
    prefix: str = "org",
    reserved: Iterable[str] = (),
) -> tuple[pd.Series, pd.DataFrame]:
    """As :func:`assign_entity_ids`, with the ids as a Series indexed by record id.

    ``reserved``: ids held outside ``clusters`` (the untouched entities of an incremental
    linkage), never given to a new cluster."""
    df = _clusters_frame(clusters)
    if df["record_id"].duplicated().any():
        raise ValueError("a record id appears in more than one cluster")
    prev = pd.Series(previous or {}, dtype=object)
    df["prev"] = df["record_id"].map(prev) if len(prev) else None
    ordered = (
        df if pd.Index(df["record_id"]).is_monotonic_increasing else df.sort_values("record_id")
    )
    mins = ordered.drop_duplicates("cluster").set_index("cluster")["record_id"]
    df["cmin"] = df["cluster"].map(mins)

    known = df[df["prev"].notna()]
    counts = known.groupby(["prev", "cmin"]).size().rename("n").reset_index()
    # each previous id goes to the cluster with most of its records, ties to the smallest cmin
    counts = counts.sort_values(["prev", "n", "cmin"], ascending=[True, False, True], kind="stable")
    winners = counts.drop_duplicates("prev")
    # each cluster keeps the id it won with most records, ties to the smallest id
    won = winners.sort_values(["cmin", "n", "prev"], ascending=[True, False, True], kind="stable")
    chosen = won.drop_duplicates("cmin").set_index("cmin")["prev"]

    log_rows: list[tuple[str, str, str, int, str]] = []
    for prev_id, n, cmin in zip(won["prev"], won["n"], won["cmin"], strict=True):
        survivor = chosen[cmin]
        if prev_id != survivor:
            log_rows.append(("merge", prev_id, survivor, int(n), cmin))

    taken = set(prev.astype(str).tolist()) | set(chosen.tolist()) | set(reserved)
    id_of_cluster: dict[str, str] = dict(zip(chosen.index.tolist(), chosen.tolist(), strict=True))
    fresh = sorted(set(mins.tolist()) - set(id_of_cluster))
    fresh_ids = [f"{prefix}_{hashlib.sha1(c.encode('utf-8')).hexdigest()[:16]}" for c in fresh]
    seen: set[str] = set()
    for cmin, eid in zip(fresh, fresh_ids, strict=True):
        salt = 0
        while eid in taken or eid in seen:  # a collision: rare, resolved deterministically
            salt += 1
            eid = new_entity_id(cmin, prefix, salt)
        seen.add(eid)
        id_of_cluster[cmin] = eid

    win_of_prev = dict(zip(winners["prev"], winners["cmin"], strict=True))
    for prev_id, n, cmin in zip(counts["prev"], counts["n"], counts["cmin"], strict=True):
        if win_of_prev[prev_id] != cmin:
            log_rows.append(("split", prev_id, id_of_cluster[cmin], int(n), cmin))

    entity = df["cmin"].map(id_of_cluster)
    entity.index = df["record_id"].to_numpy()
    log = pd.DataFrame(log_rows, columns=list(MERGE_LOG_COLUMNS))
    log = log.sort_values(["event", "survivor_id", "retired_id"], kind="stable").reset_index(
        drop=True
    )
    return entity, log
