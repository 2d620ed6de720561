"""Joins: rows of ``contacts``, ``addresses``, ``notes`` and ``orders`` sheets linked to captured
records of their organisations sheet, and the order roll-up on those records (see the package
docstring for the rules)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

from hotpass_assets.lib import normalise as nz
from hotpass_assets.lib.capture.context import Ctx, OrgIndex, id_key
from hotpass_assets.lib.profiles import LinkKey, LinkSpec, SheetSpec, resolve_column
from hotpass_assets.lib.reading import SheetTable

__all__ = ["has_link_key", "link_rows", "roll_up_orders", "unlinked_reason"]

#: Record id and link method of one join value (``None``: nothing linked).
Match = tuple[str, str] | None
#: The best two candidates for a key (rapidfuzz ``process.extract`` with ``fuzz.ratio``).
FuzzyTop2 = Callable[[str, list[str], float], list[tuple[str, float, int]]]


def has_link_key(link: LinkSpec | None, table: SheetTable, pos: int) -> bool:
    """Does the row at ``pos`` have a value in any of the link's join columns."""
    if link is None:
        return False
    for key in link.keys:
        h = resolve_column(key.column, table.headers)
        if h is not None and table.columns[h][pos] is not None:
            return True
    return False


def unlinked_reason(link: LinkSpec, table: SheetTable, pos: int) -> str:
    """Why the row at ``pos`` did not link: every join tried."""
    parts = []
    for key in link.keys:
        h = resolve_column(key.column, table.headers)
        v = table.columns[h][pos] if h else None
        if v is None:
            parts.append(f"{key.column} is empty")
        else:
            parts.append(f"no {link.sheet} row with {key.target} = {v!r} ({key.label})")
    return "no organisation to link to: " + "; ".join(parts)


def _fuzzy_top2() -> FuzzyTop2:
    from rapidfuzz import fuzz, process

    def top2(k: str, choices: list[str], threshold: float) -> list[tuple[str, float, int]]:
        return process.extract(k, choices, scorer=fuzz.ratio, limit=2, score_cutoff=threshold)

    return top2


def link_rows(
    ctx: Ctx,
    spec: SheetSpec,
    table: SheetTable,
    data_pos: list[int],
    link_ids: list[str | None],
    link_methods: list[str | None],
    counts: Counter[str],
) -> None:
    """Fill ``link_ids``/``link_methods`` per data row by the link's keys, tried in order."""
    link = spec.link
    index = ctx.indexes.get(link.sheet) if link is not None else None
    if link is None or index is None:
        return
    top2 = _fuzzy_top2()
    for key in link.keys:
        src = resolve_column(key.column, table.headers)
        tgt = resolve_column(key.target, index.table.headers)
        if src is None or tgt is None:
            if tgt is None:
                ctx.structural_error(
                    link.sheet,
                    key.target,
                    "missing_join_column",
                    f"join target column {key.target!r} is missing on sheet {link.sheet!r}",
                )
            continue
        matcher = _Matcher(key, index, tgt, link.fuzzy_threshold, top2)
        col = table.columns[src]
        memo: dict[str, Match] = {}
        for i, pos in enumerate(data_pos):
            if link_ids[i] is not None:
                continue
            v = col[pos]
            if v is None:
                continue
            if v not in memo:
                memo[v] = matcher.match(v)
            found = memo[v]
            if found is not None:
                rid, method = found
                link_ids[i] = rid
                link_methods[i] = method
                counts[method] += 1


class _Matcher:
    """Matches join values of one key against the target index."""

    def __init__(
        self,
        key: LinkKey,
        index: OrgIndex,
        target: str,
        link_threshold: float | None,
        top2: FuzzyTop2,
    ):
        self.key = key
        self.exact = index.exact(target, key.method)
        self.keyed = index.keyed(target) if key.method != "id" else {}
        self.threshold = None if key.method == "id" else (key.fuzzy_threshold or link_threshold)
        self.fuzzy_keys = list(self.keyed) if self.threshold else []
        self.top2 = top2

    def match(self, v: str) -> Match:
        """Record id and link method of one join value, or ``None``.

        Name keys try the exact clean text, then the organisation key, then (with a threshold)
        the fuzzy ratio of the keys: the best candidate must reach the threshold and be unique
        (every other candidate scoring as high points at the same record).
        """
        label = self.key.label
        if self.key.method == "id":
            rid = self.exact.get(id_key(v))
            return (rid, label) if rid else None
        clean = nz.clean_text(v)
        if clean is None:
            return None
        if clean in self.exact:
            return self.exact[clean], label
        k = nz.organisation_key(clean)
        if k and k in self.keyed:
            return self.keyed[k], f"{label}_key"
        if k and self.fuzzy_keys and self.threshold:
            hits = self.top2(k, self.fuzzy_keys, self.threshold)
            if hits:
                best = self.keyed[hits[0][0]]
                if len(hits) == 1 or hits[1][1] < hits[0][1] or self.keyed[hits[1][0]] == best:
                    return best, f"{label}_fuzzy"
        return None


def roll_up_orders(
    ctx: Ctx,
    target: OrgIndex | None,
    link_ids: list[str | None],
    last_order: list[Any],
    row_rejected: list[bool],
    record_kind: list[str | None],
) -> None:
    """Order count and latest order date of each master record from its linked order rows."""
    oc = ctx.org_cols
    org_pos = {rid: k for k, rid in enumerate(oc["record_id"])}
    if target is not None:  # masters of an order history without orders have 0 orders
        for rid in target.record_ids:
            pos = org_pos.get(rid)
            if pos is not None and oc["order_count"][pos] is None:
                oc["order_count"][pos] = 0
    counts: Counter[str] = Counter()
    latest: dict[str, date] = {}
    for i, lid in enumerate(link_ids):
        if lid is None or row_rejected[i] or record_kind[i] != "attribute":
            continue
        counts[lid] += 1
        d = last_order[i]
        if isinstance(d, date) and (lid not in latest or d > latest[lid]):
            latest[lid] = d
    for rid, c in counts.items():
        pos = org_pos.get(rid)
        if pos is None:
            continue
        oc["order_count"][pos] = (oc["order_count"][pos] or 0) + c
        latest_date = latest.get(rid)
        own = oc["last_order_date"][pos]
        if latest_date is not None and (own is None or latest_date > own):
            oc["last_order_date"][pos] = latest_date
