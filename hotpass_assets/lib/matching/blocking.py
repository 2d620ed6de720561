"""Blocking: candidate pairs from shared keys, so cost grows near-linearly with the records.

A blocking rule turns each record into zero or more keys; records sharing a key form a block and
every pair inside a block becomes a candidate. Blocks larger than ``max_block_size`` are skipped
(a key that many records share, such as a common word, is no evidence and would make the cost
quadratic) or, for a rule with ``refine_window``, refined into a sorted neighbourhood over the
record's whole value, so a too-common key loses only pairs that do not sort side by side;
``stats`` says how many records such blocks held (``skipped_records``, ``refined_records``). A ``neighbourhood`` rule
sorts records by a key and pairs each with the next ``window - 1`` records, which catches typos
that change every exact key.

Pairs are encoded as ``low * n + high`` in int64 and generated with numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

KINDS = (
    "exact",
    "prefix",
    "tokens",
    "rare_tokens",
    "token_pairs",
    "deletions",
    "set",
    "neighbourhood",
)


@dataclass(frozen=True)
class BlockingRule:
    """One way of making candidate pairs.

    - ``exact``: records whose ``columns`` are all equal (and non-null).
    - ``prefix``: the first ``length`` characters of ``columns[0]``.
    - ``tokens``: every element of a list column (or the words of a string column).
    - ``rare_tokens``: the ``keep`` least frequent elements of each record's list.
    - ``token_pairs``: every unordered pair among the ``keep`` rarest elements.
    - ``deletions``: the ``keep`` rarest elements of at least four characters, each with all its
      one-character deletions, so tokens one typo apart (substitution, insertion, deletion or
      transposition) share a key.
    - ``set``: every element of a list column (phones, domains); same as ``tokens``.
    - ``neighbourhood``: sort by ``columns[0]`` and pair records within ``window`` positions.
    """

    name: str
    kind: str
    columns: tuple[str, ...]
    length: int = 4
    keep: int = 2
    window: int = 4
    max_block_size: int | None = None
    #: over-common blocks become sorted neighbourhoods of this window over ``sort_column`` (or
    #: ``columns[0]``); 0 drops them as before
    refine_window: int = 0
    sort_column: str | None = None
    #: whether the rule's pairs get an EM session (a loose rule, such as rare words or a
    #: refined common key, holds mostly non-matches that agree on the blocked field's neighbours
    #: and can pull EM towards a "same city" model)
    train: bool = True
    #: names of the comparisons this rule blocks on (left out of this rule's EM session);
    #: empty means the comparisons that read any of ``columns`` (a configured field without a
    #: name is listed as ``None``)
    covers: tuple[str | None, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown blocking kind {self.kind!r}; expected one of {KINDS}")
        if not self.columns:
            raise ValueError(f"blocking rule {self.name!r} names no column")


@dataclass
class CandidatePairs:
    """The union of all rules' pairs, and which rule produced which pair."""

    n: int
    codes: np.ndarray  # sorted unique int64 pair codes
    by_rule: dict[str, np.ndarray] = field(default_factory=dict)  # rule -> positions into codes
    stats: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def left(self) -> np.ndarray:
        return (self.codes // self.n).astype(np.int64)

    @property
    def right(self) -> np.ndarray:
        return (self.codes % self.n).astype(np.int64)

    def __len__(self) -> int:
        return len(self.codes)


def unique_ints(a: np.ndarray) -> np.ndarray:
    """Sorted distinct values of an integer array.

    Sorting and dropping repeats is used instead of ``np.unique``: with numpy 2.4 its default
    (hash-based) path took 5.7 s for 5,000,000 int64 values (two sorted runs) where
    sort-and-compare takes 0.02 s.
    The sort is numpy's stable one (timsort), which merges the sorted runs that pair and key
    codes mostly come in (records in order, pairs block by block): about half the time of a
    quicksort on them.
    """
    if not len(a):
        return np.asarray(a)
    b = np.sort(a, kind="stable")
    return b[np.r_[True, b[1:] != b[:-1]]]


def _list_entries(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(record index, value code, distinct values) for every element of a list column, or every
    word of a string column."""
    from hotpass_assets.lib.matching import text

    sample = values.dropna()
    is_text = len(sample) and isinstance(sample.iloc[0], str)
    idx, vals = text.explode_values(values, split=r"\s+" if is_text else None)
    codes, uniq = text.factorize_values(vals)
    return idx, codes, uniq


def record_keys(frame: pd.DataFrame, rule: BlockingRule) -> tuple[np.ndarray, np.ndarray]:
    """(record index, key code) entries of one rule, at most one entry per (record, key)."""
    n = len(frame)
    if rule.kind == "exact":
        parts = []
        mask = np.ones(n, dtype=bool)
        for col in rule.columns:
            codes, _ = pd.factorize(frame[col].reset_index(drop=True), use_na_sentinel=True)
            mask &= codes >= 0
            parts.append(codes.astype(np.int64))
        if len(parts) == 1:
            key = parts[0]
        else:
            key = parts[0]
            for part in parts[1:]:
                key = pd.factorize(key * np.int64(part.max() + 2) + (part + 1))[0].astype(np.int64)
        idx = np.flatnonzero(mask)
        return idx, key[idx].astype(np.int64)
    if rule.kind == "prefix":
        s = frame[rule.columns[0]].reset_index(drop=True)
        s = s.where(s.notna() & (s.astype(str).str.len() >= min(rule.length, 2)))
        codes, _ = pd.factorize(s.str[: rule.length], use_na_sentinel=True)
        idx = np.flatnonzero(codes >= 0)
        return idx, codes[idx].astype(np.int64)
    idx, codes, uniq = _list_entries(frame[rule.columns[0]])
    if not len(idx):
        return idx, idx
    u = np.int64(len(uniq) + 1)
    combo = unique_ints(idx * u + codes)  # distinct (record, value), sorted by record
    idx, codes = combo // u, combo % u
    rest = None
    if rule.kind == "deletions":
        # a set hash of each record's other elements: the sum of per-element random hashes
        token_hash = _mix(np.arange(len(uniq), dtype=np.uint64) + np.uint64(1))
        starts = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
        sums = np.add.reduceat(token_hash[codes], starts)
        record_sum = np.zeros(int(idx.max()) + 1, dtype=np.uint64)
        record_sum[idx[starts]] = sums
        with np.errstate(over="ignore"):
            rest = record_sum[idx] - token_hash[codes]
        long_enough = np.array([len(str(x)) >= 4 for x in uniq], dtype=bool)
        sel = long_enough[codes]
        idx, codes, rest = idx[sel], codes[sel], rest[sel]
    if rule.kind in ("rare_tokens", "token_pairs", "deletions") and len(idx):
        freq = np.bincount(codes, minlength=len(uniq)).astype(np.int64)
        order = np.lexsort((codes, freq[codes], idx))
        idx, codes = idx[order], codes[order]
        rest = rest[order] if rest is not None else None
        first = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
        rank = np.arange(len(idx)) - np.repeat(first, np.diff(np.r_[first, len(idx)]))
        sel = rank < rule.keep
        idx, codes = idx[sel], codes[sel]
        rest = rest[sel] if rest is not None else None
        if rule.kind == "token_pairs":
            e = pd.DataFrame({"i": idx, "k": codes})
            a = e.merge(e, on="i", suffixes=("_a", "_b"))
            a = a[a["k_a"] < a["k_b"]]
            pair_key = a["k_a"].to_numpy() * u + a["k_b"].to_numpy()
            key = pd.factorize(pair_key)[0].astype(np.int64)
            return a["i"].to_numpy(dtype=np.int64), key
        if rule.kind == "deletions":
            return _deletion_keys(idx, codes, uniq, rest)
    return idx, codes


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: well-spread 64-bit hashes of integers (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _deletion_keys(
    idx: np.ndarray, codes: np.ndarray, uniq: np.ndarray, rest: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Keys: each token and its one-character deletions, hashed, built once per distinct token.

    With ``rest`` (a hash of the record's other tokens) a key also holds the other tokens, so
    "Foleszel Orion" meets "Folesel Orion" but not "Folesel Karoo": blocks stay small even when
    a word is shared by several organisations.

    Tokens are laid out as a byte matrix (at most 16 bytes; longer tokens are cut), so each
    deletion position is one numpy slice over all tokens instead of a Python loop per token
    (0.1 s instead of 4 s for the 300,000 distinct tokens of 1,000,000 records).
    """
    used = unique_ints(codes)
    width = 16
    raw = np.array(
        [str(uniq[c]).encode("utf-8", "ignore")[:width] for c in used.tolist()], dtype=f"S{width}"
    )
    mat = raw.view(np.uint8).reshape(len(used), width)
    lengths = np.array([len(x) for x in raw.tolist()], dtype=np.int64)
    hashes = []
    for p in range(width + 1):
        if p < width:
            var = np.concatenate(
                [mat[:, :p], mat[:, p + 1 :], np.zeros((len(used), 1), np.uint8)], axis=1
            )
        else:
            var = mat  # the token itself
        words = np.ascontiguousarray(var).view(np.uint64).reshape(len(used), 2)
        h = words[:, 0] * np.uint64(0x9E3779B97F4A7C15) ^ (
            words[:, 1] + np.uint64(0x632BE59BD9B4E019)
        )
        # deleting past the end gives the token itself; mark those as the token's own key
        h = np.where(p < lengths, h, np.uint64(0)) if p < width else h
        hashes.append(h)
    hmat = np.stack(hashes, axis=1)  # (tokens, width + 1); 0 = no key
    pos_of_code = np.full(int(codes.max()) + 1 if len(codes) else 0, -1, dtype=np.int64)
    pos_of_code[used] = np.arange(len(used))
    rows = hmat[pos_of_code[codes]]  # (entries, width + 1)
    rec = np.repeat(idx, rows.shape[1])
    keys = rows.ravel()
    keep = keys != 0
    if rest is not None:
        with np.errstate(over="ignore"):  # mixed once per entry, not per key of the entry
            salt = np.repeat(_mix(rest) * np.uint64(0xD6E8FEB86659FD93), rows.shape[1])
            keys = np.where(keep, keys ^ salt, keys)
    rec, keys = rec[keep], keys[keep]
    # codes in the keys' sorted order, as np.unique(return_inverse=True) gives them: a hash
    # factorize with the distinct keys sorted is ~5x faster than np.unique's sort of them all
    inv = pd.factorize(keys, sort=True)[0]
    return rec, inv.astype(np.int64)


def pairs_from_blocks(
    idx: np.ndarray,
    key: np.ndarray,
    n: int,
    max_block_size: int,
    rank: np.ndarray | None = None,
    window: int = 0,
) -> tuple[np.ndarray, dict[str, int]]:
    """All within-block pairs as sorted unique codes ``low * n + high``.

    A block larger than ``max_block_size`` is not dropped when ``rank`` (a sort position per
    record, e.g. of the folded name) and ``window`` are given: it is *refined* into a sorted
    neighbourhood, each of its records paired with the next ``window - 1`` records in ``rank``
    order, so a common key still brings together records whose whole values sort side by side,
    at a cost linear in the block size.
    """
    if len(idx) < 2:
        return np.zeros(0, dtype=np.int64), {
            "pairs": 0,
            "blocks": 0,
            "skipped_records": 0,
            "refined_records": 0,
        }
    # one sort of the combined (key, record) code is much faster than a lexsort; it also drops
    # repeated (record, key) entries and orders records inside each block
    combo = unique_ints(key.astype(np.int64) * np.int64(n) + idx.astype(np.int64))
    key, idx = combo // n, combo % n
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    sizes = np.diff(np.r_[starts, len(key)])
    ok = (sizes >= 2) & (sizes <= max_block_size)
    big = sizes > max_block_size
    refined = np.zeros(0, dtype=np.int64)
    refine = rank is not None and window >= 2 and big.any()
    if refine and rank is not None:
        refined = _refine_blocks(
            idx[np.repeat(big, sizes)], key[np.repeat(big, sizes)], rank, n, window
        )
    skipped = 0 if refine else int(sizes[big].sum())
    idx = idx[np.repeat(ok, sizes)]
    sz = sizes[ok]
    first = np.cumsum(sz) - sz
    pos = np.arange(len(idx)) - np.repeat(first, sz)
    counts = np.repeat(sz, sz) - 1 - pos
    total = int(counts.sum())
    src = np.repeat(np.arange(len(idx)), counts)
    offs = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    # records are sorted inside a block, so idx[src] < idx[src + 1 + offs]
    codes = unique_ints(np.r_[idx[src] * np.int64(n) + idx[src + 1 + offs], refined])
    return codes, {
        "pairs": len(codes),
        "blocks": int(ok.sum()),
        "skipped_records": skipped,
        "refined_records": int(sizes[big].sum()) if refine else 0,
    }


def _refine_blocks(
    idx: np.ndarray, key: np.ndarray, rank: np.ndarray, n: int, window: int
) -> np.ndarray:
    """Sorted-neighbourhood pairs inside over-common blocks (entries sorted by key)."""
    order = np.lexsort((idx, rank[idx], key))
    idx, key = idx[order], key[order]
    out = []
    for d in range(1, window):
        same = key[:-d] == key[d:]
        a, b = idx[:-d][same], idx[d:][same]
        out.append(np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b))
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def sort_rank(values: pd.Series) -> np.ndarray | None:
    """Position of each record when sorted by ``values`` (text; lists joined), or None.

    Ties keep record order. The strings are sorted by Arrow (UTF-8 byte order is code point
    order, as Python compares ``str``), several times faster than a numpy object sort."""
    s = values.reset_index(drop=True)
    sample = s.dropna()
    if not len(sample):
        return None
    order = _text_order(s)
    rank = np.empty(len(s), dtype=np.int64)
    rank[order] = np.arange(len(s))
    return rank


def _text_order(s: pd.Series) -> np.ndarray:
    """Stable sort order of ``s`` as text: nulls as "", a list as its elements joined by a
    space (in Arrow for an Arrow list column without null elements)."""
    if isinstance(s.dtype, pd.ArrowDtype) and pa.types.is_list(s.dtype.pyarrow_dtype):
        lists = pa.array(s)
        if pa.types.is_string(lists.type.value_type) and not pc.list_flatten(lists).null_count:
            joined = pc.fill_null(pc.binary_join(lists, " "), "")
            return np.asarray(pc.sort_indices(joined).to_numpy(), dtype=np.int64)
    if not isinstance(s.dropna().iloc[0], str):
        s = s.map(
            lambda v: " ".join(map(str, v)) if isinstance(v, list | tuple | np.ndarray) else v
        )
    txt = s.astype(object).where(s.notna(), "").astype(str).to_numpy()
    try:
        return np.asarray(pc.sort_indices(pa.array(txt, type=pa.large_string())).to_numpy())
    except (pa.ArrowException, UnicodeError):  # text Arrow cannot hold, e.g. lone surrogates
        return np.argsort(txt, kind="stable")


def neighbourhood_pairs(values: pd.Series, window: int, n: int) -> np.ndarray:
    """Pairs of records within ``window`` positions when sorted by ``values`` (nulls excluded)."""
    s = values.reset_index(drop=True)
    idx = np.flatnonzero(s.notna().to_numpy())
    if len(idx) < 2:
        return np.zeros(0, dtype=np.int64)
    vals = s.to_numpy(dtype=object)[idx].astype(str)
    order = idx[np.argsort(vals, kind="stable")]
    out = []
    for d in range(1, max(2, window)):
        a, b = order[:-d], order[d:]
        out.append(np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b))
    return unique_ints(np.concatenate(out))


def candidate_pairs(
    frame: pd.DataFrame,
    rules: list[BlockingRule],
    *,
    max_block_size: int = 200,
    extra: np.ndarray | None = None,
) -> CandidatePairs:
    """Union of the pairs of every rule (plus ``extra`` codes, e.g. must-links)."""
    n = len(frame)
    per_rule: dict[str, np.ndarray] = {}
    stats: dict[str, dict[str, int]] = {}
    ranks: dict[str, np.ndarray | None] = {}  # sort positions per column, shared by rules
    for rule in rules:
        if rule.kind == "neighbourhood":
            codes = neighbourhood_pairs(frame[rule.columns[0]], rule.window, n)
            st = {"pairs": len(codes), "blocks": 0, "skipped_records": 0}
        else:
            idx, key = record_keys(frame, rule)
            rank = None
            if rule.refine_window >= 2:
                col = rule.sort_column or rule.columns[0]
                if col not in ranks:
                    ranks[col] = sort_rank(frame[col])
                rank = ranks[col]
            codes, st = pairs_from_blocks(
                idx, key, n, rule.max_block_size or max_block_size, rank, rule.refine_window
            )
        per_rule[rule.name] = codes
        stats[rule.name] = st
    del ranks
    parts = list(per_rule.values())
    if extra is not None and len(extra):
        parts.append(unique_ints(np.asarray(extra, dtype=np.int64)))
    union, positions = merge_sorted(parts)
    by_rule = dict(zip(per_rule, positions, strict=False))
    return CandidatePairs(n=n, codes=union, by_rule=by_rule, stats=stats)


def merge_sorted(parts: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """The sorted distinct values of several sorted distinct int64 arrays, and the position of
    each part's values in it.

    A stable sort of the concatenated parts merges their sorted runs (timsort), much faster
    than sorting them afresh; the positions come from the same sort instead of a binary search
    per value.
    """
    if not parts:
        return np.zeros(0, dtype=np.int64), []
    values = np.concatenate(parts)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    del values
    first = np.empty(len(ordered), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    union = ordered[first]
    del ordered
    where = np.empty(len(order), dtype=np.int64)
    where[order] = np.cumsum(first) - 1
    bounds = np.cumsum([0, *map(len, parts)])
    return union, [where[a:b] for a, b in pairwise(bounds)]
