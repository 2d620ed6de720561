"""People of one snapshot: one row per person per organisation, built column-wise.

Two contact rows of the same resolved organisation are the same person when they share a folded
name, an e-mail or a phone, transitively: the groups are the connected components of the graph
that joins each row to its keys (keys are scoped by organisation), found by
``scipy.sparse.csgraph.connected_components`` instead of a per-row union-find.

Within a person the members rank by source trust (descending) then contact record id; the best
named member gives the name, the first member with a role gives the role, e-mails and phones are
unioned in that order. People are listed by organisation, then by the contact record id of the
person's first row in the input.
"""

import hashlib

import numpy as np
import pandas as pd

from hotpass_assets.lib.columnar import (
    day_numbers,
    first_per_group,
    fold_name,
    group_bounds,
    grouped_sorted_unique,
    grouped_union,
    present_mask,
    split_lists,
)
from hotpass_assets.lib.records import REFINED_CONTACT_COLUMNS

#: Columns of the contacts capture this step reads.
CONTACT_INPUT_COLUMNS: tuple[str, ...] = (
    "contact_record_id",
    "organisation_record_id",
    "source_dataset",
    "source_trust",
    "full_name",
    "first_name",
    "last_name",
    "role",
    "emails",
    "phones",
    "is_invalid",
    "interaction_date",
)


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _person_groups(rows: pd.DataFrame, entity: np.ndarray, named: np.ndarray) -> np.ndarray:
    """Connected-component label per contact row (same organisation and a shared key);
    ``named``: the rows with a full name."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    m = len(rows)
    owners, keys = [], []
    for prefix, column in (("e:", "emails"), ("p:", "phones")):
        values = rows[column].tolist()
        lens = np.fromiter((0 if v is None else len(v) for v in values), np.int64, m)
        owners.append(np.repeat(np.arange(m), lens))
        keys += [f"{prefix}{x}" for v in values if v is not None for x in v]
    names = rows["full_name"].to_numpy(object)[named]
    owners.append(np.flatnonzero(named))
    keys += ["n:" + fold_name(n) for n in names]
    owner = np.concatenate(owners).astype(np.int64)
    key_codes, key_uniques = pd.factorize(pd.Series(keys, dtype=object))
    scoped = entity[owner] * max(len(key_uniques), 1) + key_codes
    node, node_uniques = pd.factorize(scoped)
    size = m + len(node_uniques)
    graph = coo_matrix((np.ones(len(owner), dtype=np.int8), (owner, m + node)), shape=(size, size))
    labels: np.ndarray  # scipy.sparse.csgraph has no type annotations
    _, labels = connected_components(graph, directed=False)
    return labels[:m]


def merge_contacts(
    contacts: pd.DataFrame, record_entity: pd.Series, entity_ids: pd.Index, snapshot: str
) -> pd.DataFrame:
    """Deduplicated people with ``REFINED_CONTACT_COLUMNS`` plus ``_entity`` (organisation code
    into ``entity_ids``), ``_trust`` (the named member's source trust) and ``_recency`` (latest
    interaction day number, 1 when none)."""
    extra = ["_entity", "_trust", "_recency"]
    codes = (
        contacts["organisation_record_id"].map(record_entity)
        if len(contacts)
        else pd.Series(dtype=float)
    )
    keep = np.flatnonzero(codes.notna().to_numpy())
    if not len(keep):
        return pd.DataFrame(columns=[*REFINED_CONTACT_COLUMNS, *extra])
    rows = contacts.iloc[keep].reset_index(drop=True)
    entity = codes.to_numpy()[keep].astype(np.int64)
    named = present_mask(rows["full_name"])
    labels = _person_groups(rows, entity, named)
    rows["_entity"] = entity
    cid = rows["contact_record_id"].to_numpy(object)
    first = pd.Series(np.arange(len(rows))).groupby(labels).min()
    order = pd.DataFrame({"e": entity[first.to_numpy()], "c": cid[first.to_numpy()]})
    ranked = order.sort_values(["e", "c"], kind="stable").index.to_numpy()
    person_of_label = np.empty(len(first), dtype=np.int64)
    person_of_label[ranked] = np.arange(len(first))
    label_pos = pd.Index(first.index).get_indexer(labels)
    person = person_of_label[label_pos]
    trust = rows["source_trust"].fillna(0).astype(np.int64).to_numpy()
    sort = (
        pd.DataFrame({"g": person, "t": -trust, "c": cid})
        .sort_values(["g", "t", "c"], kind="stable")
        .index.to_numpy()
    )
    members = rows.iloc[sort].reset_index(drop=True)
    return _people_frame(members, person[sort], named[sort], entity_ids, snapshot)


def _people_frame(
    members: pd.DataFrame,
    person: np.ndarray,
    has_name: np.ndarray,
    entity_ids: pd.Index,
    snapshot: str,
) -> pd.DataFrame:
    """One row per person from member rows sorted by person, then trust desc, record id
    (``has_name``: the members with a full name)."""
    n = int(person[-1]) + 1
    starts = group_bounds(person, n)[:-1]
    named = first_per_group(person, has_name, n)
    best = np.where(named >= 0, named, starts)
    with_role = first_per_group(person, present_mask(members["role"]), n)
    roles = members["role"].to_numpy(object)
    invalid = members["is_invalid"].fillna(False).astype(bool).to_numpy()
    all_invalid = np.bincount(person, weights=invalid, minlength=n) == np.bincount(person)
    emails = grouped_union(person, members["emails"].tolist(), n)
    phones = grouped_union(person, members["phones"].tolist(), n)
    cids = members["contact_record_id"].to_numpy(object)
    by_id = np.lexsort((cids.astype(str), person))
    ids = split_lists(person[by_id], cids[by_id].tolist(), n)
    ent_codes = members["_entity"].to_numpy()[starts]
    eids = entity_ids.to_numpy(object)[ent_codes]
    unreachable = np.fromiter(
        (not e and not p for e, p in zip(emails, phones, strict=True)), bool, n
    )
    flags = [
        [*(["marked_invalid_in_source"] if inv else []), *(["unreachable"] if unr else [])]
        for inv, unr in zip(all_invalid.tolist(), unreachable.tolist(), strict=True)
    ]
    recency = np.maximum(day_numbers(members["interaction_date"]), 1)
    trust = members["source_trust"].fillna(0).astype(np.int64).to_numpy()
    return pd.DataFrame(
        {
            "contact_id": [
                "ct_" + _short_hash(f"{e}|{i[0]}") for e, i in zip(eids, ids, strict=True)
            ],
            "entity_id": eids,
            "snapshot_date": snapshot,
            "full_name": members["full_name"].to_numpy(object)[best],
            "first_name": members["first_name"].to_numpy(object)[best],
            "last_name": members["last_name"].to_numpy(object)[best],
            "role": np.where(with_role >= 0, roles[np.maximum(with_role, 0)], None),
            "emails": emails,
            "phones": phones,
            "source_datasets": grouped_sorted_unique(person, members["source_dataset"], n),
            "source_record_ids": ids,
            "is_valid": ~all_invalid & ~unreachable,
            "validity_flags": flags,
            "_entity": ent_codes,
            "_trust": trust[best],
            "_recency": np.maximum.reduceat(recency, starts),
        }
    )
