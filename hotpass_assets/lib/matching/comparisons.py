"""Pairwise comparisons: each turns record pairs into discrete agreement levels.

A comparison is prepared once on the whole frame (values normalised and encoded as integer
codes), then compares any arrays of left/right record indices in bulk. Level 0 is "a value is
missing" (no evidence either way); levels 1..k run from the strongest agreement to plain
disagreement (the last level). The Fellegi–Sunter model learns an m and u probability per level.

String similarities run through ``rapidfuzz.process.cpdist`` (element-wise, C++, multi-threaded)
on the distinct value pairs only. Set-valued fields (phones, e-mails, domains) are encoded as a
fixed-width code matrix (at most ``MAX_SET`` values per record) and overlap is one broadcast
comparison.

Term frequencies: a comparison may name levels whose u probability is replaced, pair by pair, by
the frequency of the agreeing value (as Splink's term-frequency adjustment does), so agreeing on a
rare name counts more than agreeing on a common one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import distance, fuzz, process

from hotpass_assets.lib.matching import text
from hotpass_assets.lib.matching.blocking import unique_ints

MAX_SET = 4
_WORKERS = 2

_SCORERS: dict[str, tuple[Callable[..., float], float]] = {
    "jaro_winkler": (distance.JaroWinkler.normalized_similarity, 1.0),
    "ratio": (fuzz.ratio, 100.0),
    "token_set": (fuzz.token_set_ratio, 100.0),
    "token_sort": (fuzz.token_sort_ratio, 100.0),
    "partial": (fuzz.partial_ratio, 100.0),
}
#: scorers accepted by string comparisons ("name" is the better of Jaro-Winkler and token set)
SCORERS = (*_SCORERS, "name")


def _encode(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes (-1 for null), distinct values and the count of each distinct value."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    codes = codes.astype(np.int64)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques)).astype(np.int64)
    return codes, np.asarray(uniques, dtype=object), counts


def _encode_entries(
    idx: np.ndarray, vals: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Code matrix (n, width <= MAX_SET) with -1 padding, distinct values, records per value."""
    codes, uniques = text.factorize_values(vals)
    e = pd.DataFrame({"r": np.asarray(idx, dtype=np.int64), "c": codes})
    e = e.drop_duplicates()
    slot = e.groupby("r").cumcount().to_numpy()
    keep = slot < MAX_SET
    width = int(min(MAX_SET, slot.max() + 1)) if len(slot) else 1
    mat = np.full((n, width), -1, dtype=np.int64)
    mat[e["r"].to_numpy()[keep], slot[keep]] = e["c"].to_numpy()[keep]
    counts = np.bincount(e["c"].to_numpy(), minlength=len(uniques)).astype(np.int64)
    return mat, np.asarray(uniques, dtype=object), counts


def _encode_sets(lists: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Code matrix of a column of lists (or separated strings); see ``_encode_entries``."""
    idx, vals = text.explode_values(lists)
    return _encode_entries(idx, vals, len(lists))


def _pair_similarity(
    codes_l: np.ndarray, codes_r: np.ndarray, uniques: np.ndarray, scorer: str
) -> np.ndarray:
    """Similarity in [0, 1] of value pairs given as codes (both valid), computed once per pair."""
    if not len(codes_l):
        return np.zeros(0)
    lo, hi = np.minimum(codes_l, codes_r), np.maximum(codes_l, codes_r)
    key = lo * (len(uniques) + 1) + hi
    uk, inv = np.unique(key, return_inverse=True)
    a = uniques[uk // (len(uniques) + 1)].tolist()
    b = uniques[uk % (len(uniques) + 1)].tolist()
    # "name": the better of Jaro-Winkler (typos) and token-set (word order, extra words)
    first, *more = ("jaro_winkler", "token_set") if scorer == "name" else (scorer,)
    sim = _similarity(a, b, first)
    for name in more:
        sim = np.maximum(sim, _similarity(a, b, name))
    return sim[inv.ravel()]


def _similarity(a: list[object], b: list[object], name: str) -> np.ndarray:
    """Element-wise similarity in [0, 1] of ``a`` and ``b`` by the scorer ``name``."""
    fn, scale = _SCORERS[name]
    sim: np.ndarray = process.cpdist(a, b, scorer=fn, workers=_WORKERS, dtype=np.float32) / scale
    return sim


def _pair_edits(codes_l: np.ndarray, codes_r: np.ndarray, uniques: np.ndarray) -> np.ndarray:
    """Damerau–Levenshtein distance of value pairs given as codes."""
    if not len(codes_l):
        return np.zeros(0, dtype=np.int64)
    lo, hi = np.minimum(codes_l, codes_r), np.maximum(codes_l, codes_r)
    key = lo * (len(uniques) + 1) + hi
    uk, inv = np.unique(key, return_inverse=True)
    a = uniques[uk // (len(uniques) + 1)].tolist()
    b = uniques[uk % (len(uniques) + 1)].tolist()
    d = process.cpdist(a, b, scorer=distance.DamerauLevenshtein.distance, workers=_WORKERS)
    return d.astype(np.int64)[inv.ravel()]


@dataclass
class Comparison:
    """Base class. Subclasses set ``levels`` and implement ``prepare`` and ``compare``."""

    name: str
    columns: tuple[str, ...]
    levels: tuple[str, ...] = ()
    tf_levels: tuple[int, ...] = ()

    def prepare(self, frame: pd.DataFrame) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def compare(self, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Levels (int8, 0 = missing) and, for term-frequency comparisons, the code of the
        agreeing value per pair (-1 where none; see ``tf_u``)."""
        raise NotImplementedError  # pragma: no cover - interface

    # term frequencies: codes index ``tf_counts`` (records holding the value) and ``tf_total``
    # (records holding any value of that code's kind)
    tf_counts: np.ndarray | None = None
    tf_total: np.ndarray | None = None

    def tf_entries(self) -> tuple[np.ndarray, np.ndarray]:
        """(record, tf code) for every value a record holds."""
        return np.zeros(0, np.int64), np.zeros(0, np.int64)

    def tf_u(self, codes: np.ndarray) -> np.ndarray:
        """Chance that another random record shares the value, per tf code (NaN for -1)."""
        out = np.full(len(codes), np.nan)
        ok = codes >= 0
        if self.tf_counts is not None and self.tf_total is not None and ok.any():
            c = codes[ok]
            # other holders of the value, with add-half smoothing for a value no other record
            # (or, after ``set_entity_counts``, no other cluster) holds
            out[ok] = np.maximum(self.tf_counts[c] - 1.0, 0.5) / np.maximum(
                self.tf_total[c] - 1.0, 1.0
            )
        return out

    def set_entity_counts(self, labels: np.ndarray) -> None:
        """Count each value once per cluster, so an entity's own duplicates do not make its
        values look common: count = 1 + (clusters holding it - 1) * records per cluster."""
        if self.tf_counts is None:
            return
        rec, codes = self.tf_entries()
        if not len(rec):
            return
        k = np.int64(labels.max() + 2)
        combo = unique_ints(codes * k + labels[rec])
        clusters = np.bincount(combo // k, minlength=len(self.tf_counts)).astype(float)
        n_clusters = max(len(unique_ints(labels[rec])), 1)
        per_cluster = len(unique_ints(rec)) / n_clusters
        self.tf_counts = np.where(
            clusters > 0, 1.0 + (clusters - 1.0) * per_cluster, self.tf_counts
        )

    def exact_u(self) -> dict[int, float]:
        """u of levels computable from value frequencies (chance two random records agree)."""
        return {}

    @property
    def n_levels(self) -> int:
        return len(self.levels) + 1

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "type": type(self).__name__, "columns": list(self.columns)}


def _freq_u(counts: np.ndarray) -> float:
    """Chance that two distinct random records (both with a value) share it."""
    total = counts.sum()
    if total < 2:
        return 0.0
    return float((counts * (counts - 1)).sum() / (total * (total - 1)))


@dataclass
class ScalarComparison(Comparison):
    """Shared machinery for single-valued fields: codes, exact agreement and term frequency."""

    tf: bool = False
    normaliser: str = (
        "string"  # "string" (strip/lower), "words" (also no punctuation), "digits", "none"
    )

    def _values(self, frame: pd.DataFrame) -> np.ndarray:
        raw = frame[self.columns[0]]
        if self.normaliser == "digits":
            return text.digits_only(raw)
        if self.normaliser == "none":
            return raw.to_numpy(dtype=object)
        if self.normaliser == "words":
            return text.normalise_words(raw)
        return text.normalise_strings(raw)

    def prepare(self, frame: pd.DataFrame) -> None:
        self.codes, self.uniques, self.counts = _encode(self._values(frame))
        self._init_tf()

    def _init_tf(self) -> None:
        self.n_records = int((self.codes >= 0).sum())
        if self.tf:
            self.tf_counts = self.counts.astype(float)
            self.tf_total = np.full(len(self.counts), float(self.n_records))

    def tf_entries(self) -> tuple[np.ndarray, np.ndarray]:
        rec = np.flatnonzero(self.codes >= 0)
        return rec, self.codes[rec]

    def _base(
        self, left: np.ndarray, right: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        cl, cr = self.codes[left], self.codes[right]
        present = (cl >= 0) & (cr >= 0)
        same = present & (cl == cr)
        return cl, cr, present, same

    def _tf(self, cl: np.ndarray, levels: np.ndarray) -> np.ndarray | None:
        if not self.tf:
            return None
        return np.where(levels == 1, cl, -1).astype(np.int64)

    def exact_u(self) -> dict[int, float]:
        return {1: _freq_u(self.counts)}


@dataclass
class ExactComparison(ScalarComparison):
    """Exact agreement after normalisation: ``exact`` or ``different``."""

    def __post_init__(self) -> None:
        self.levels = ("exact", "different")
        self.tf_levels = (1,) if self.tf else ()

    def compare(self, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        cl, _, present, same = self._base(left, right)
        lv = np.where(same, 1, np.where(present, 2, 0)).astype(np.int8)
        return lv, self._tf(cl, lv)


@dataclass
class StringComparison(ScalarComparison):
    """Exact, then similarity bands (``scorer`` in [0, 1]) at ``thresholds``, then different."""

    thresholds: tuple[float, ...] = (0.92, 0.88, 0.7)
    scorer: str = "jaro_winkler"

    def __post_init__(self) -> None:
        self.levels = ("exact", *(f"{self.scorer}>={t:g}" for t in self.thresholds), "different")
        self.tf_levels = (1,) if self.tf else ()

    def compare(self, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        cl, cr, present, same = self._base(left, right)
        lv = np.where(same, 1, np.where(present, len(self.levels), 0)).astype(np.int8)
        todo = np.flatnonzero(present & ~same)
        if len(todo):
            sim = _pair_similarity(cl[todo], cr[todo], self.uniques, self.scorer)
            sub = lv[todo]
            for k, t in reversed(list(enumerate(self.thresholds))):
                sub = np.where(sim >= t, k + 2, sub)
            lv[todo] = sub
        return lv, self._tf(cl, lv)


@dataclass
class CodeComparison(ScalarComparison):
    """Identifiers and codes: exact, then at most 1 and 2 edits (Damerau–Levenshtein)."""

    max_edits: tuple[int, ...] = (1, 2)

    def __post_init__(self) -> None:
        self.levels = ("exact", *(f"edits<={k}" for k in self.max_edits), "different")
        self.tf_levels = (1,) if self.tf else ()

    def compare(self, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        cl, cr, present, same = self._base(left, right)
        lv = np.where(same, 1, np.where(present, len(self.levels), 0)).astype(np.int8)
        todo = np.flatnonzero(present & ~same)
        if len(todo):
            d = _pair_edits(cl[todo], cr[todo], self.uniques)
            sub = lv[todo]
            for k, e in reversed(list(enumerate(self.max_edits))):
                sub = np.where(d <= e, k + 2, sub)
            lv[todo] = sub
        return lv, self._tf(cl, lv)


def _parse_dates(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(``YYYYMMDD`` text or None, day number or NaN) per value; day-first for text dates."""
    s = values.reset_index(drop=True)
    txt = pd.Series(text.normalise_strings(s), dtype=object)
    days = np.full(len(s), np.nan)
    out = np.full(len(s), None, dtype=object)
    if pd.api.types.is_datetime64_any_dtype(s):
        dt = pd.to_datetime(s, errors="coerce")
        ok = dt.notna().to_numpy()
        out[ok] = dt[ok].dt.strftime("%Y%m%d").to_numpy(dtype=object)
        days[ok] = (dt[ok].to_numpy().astype("datetime64[D]").astype(np.int64)).astype(float)
        return out, days
    compact = txt.str.fullmatch(r"\d{8}").to_numpy(dtype=object)
    compact = np.array([bool(x) if x is not None and x == x else False for x in compact])
    out[compact] = txt[compact].to_numpy(dtype=object)
    dt = pd.to_datetime(txt.where(compact), format="%Y%m%d", errors="coerce")
    rest = (~compact) & txt.notna().to_numpy()
    if rest.any():
        iso = (
            np.array(
                [bool(x) if x is not None and x == x else False for x in txt.str.match(r"^\d{4}")]
            )
            & rest
        )
        other = rest & ~iso
        d_iso = pd.to_datetime(txt.where(iso), errors="coerce", format="mixed")
        d_oth = pd.to_datetime(txt.where(other), errors="coerce", dayfirst=True, format="mixed")
        dt = dt.fillna(d_iso).fillna(d_oth)
        parsed = dt.notna().to_numpy() & rest
        out[parsed] = dt[parsed].dt.strftime("%Y%m%d").to_numpy(dtype=object)
        unparsed = rest & ~parsed
        out[unparsed] = txt[unparsed].to_numpy(dtype=object)
    ok = dt.notna().to_numpy()
    days[ok] = dt[ok].to_numpy().astype("datetime64[D]").astype(np.int64).astype(float)
    return out, days


@dataclass
class DateComparison(ScalarComparison):
    """Dates: exact, one typo in ``YYYYMMDD``, within a month, a year, ten years, different."""

    def __post_init__(self) -> None:
        self.levels = (
            "exact",
            "one_edit",
            "within_month",
            "within_year",
            "within_10_years",
            "different",
        )
        self.tf_levels = (1,) if self.tf else ()

    def prepare(self, frame: pd.DataFrame) -> None:
        txt, self.days = _parse_dates(frame[self.columns[0]])
        self.codes, self.uniques, self.counts = _encode(txt)
        self._init_tf()

    def compare(self, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        cl, cr, present, same = self._base(left, right)
        lv = np.where(same, 1, np.where(present, 6, 0)).astype(np.int8)
        todo = np.flatnonzero(present & ~same)
        if len(todo):
            d = _pair_edits(cl[todo], cr[todo], self.uniques)
            gap = np.abs(self.days[left[todo]] - self.days[right[todo]])
            sub = lv[todo]
            sub = np.where(gap <= 3653, 5, sub)
            sub = np.where(gap <= 366, 4, sub)
            sub = np.where(gap <= 31, 3, sub)
            sub = np.where(d <= 1, 2, sub)
            lv[todo] = sub
        return lv, self._tf(cl, lv)


@dataclass
class NumericComparison(ScalarComparison):
    """Numbers: exact, within 1 %, within 10 %, different."""

    def __post_init__(self) -> None:
        self.levels = ("exact", "within_1pct", "within_10pct", "different")
        self.tf_levels = (1,) if self.tf else ()

    def prepare(self, frame: pd.DataFrame) -> None:
        num = pd.to_numeric(frame[self.columns[0]].reset_index(drop=True), errors="coerce")
        self.values = num.to_numpy(dtype=float)
        values = self.values.astype(object)
        values[np.isnan(self.values)] = None
        self.codes, self.uniques, self.counts = _encode(values)
        self._init_tf()

    def compare(self, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        cl, _, present, same = self._base(left, right)
        a, b = self.values[left], self.values[right]
        rel = np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-12)
        lv = np.where(present, 4, 0)
        lv = np.where(present & (rel <= 0.10), 3, lv)
        lv = np.where(present & (rel <= 0.01), 2, lv)
        lv = np.where(same, 1, lv).astype(np.int8)
        return lv, self._tf(cl, lv)


@dataclass
class SetComparison(Comparison):
    """List-valued fields (phones, e-mails, domains): any shared value, or none shared.

    ``kind`` picks the normalisation: ``phone`` keeps the last 9 digits (the national number
    without country or trunk prefix), ``email`` lower-cases, ``website`` keeps the host without
    scheme, ``www.`` and path (``X.CO.ZA`` = ``https://www.x.co.za/contact``), ``text`` strips
    and lower-cases.
    For ``email`` a third level "same domain" counts addresses at one non-free-mail domain.
    """

    kind: str = "text"
    tf: bool = True

    def __post_init__(self) -> None:
        if self.kind == "email":
            self.levels = ("shared_value", "same_domain", "different")
        else:
            self.levels = ("shared_value", "different")
        self.tf_levels = (1,) if self.tf else ()

    def prepare(self, frame: pd.DataFrame) -> None:
        col = frame[self.columns[0]].reset_index(drop=True)
        n = len(col)
        if self.kind == "email":
            idx, vals = text.email_entries(col)
        elif self.kind == "phone" and isinstance(col.dtype, pd.ArrowDtype):
            idx, vals = text.explode_values(col, split=None)  # prepared national numbers
        elif self.kind == "phone":
            idx, vals = text.national_numbers(col)
        elif self.kind == "website":
            idx, vals = text.explode_values(col, split=r"[;,\s]+")
            doms = text.website_domains(vals)
            ok = pd.notna(doms)
            idx, vals = idx[ok], pa.array(doms[ok].tolist(), type=pa.string())
        else:
            idx, vals = text.explode_values(col)
            vals = pc.utf8_lower(vals)
        self.mat, self.uniques, self.counts = _encode_entries(idx, vals, n)
        self.n_records = int((self.mat[:, 0] >= 0).sum())
        if self.tf:
            self.tf_counts = self.counts.astype(float)
            self.tf_total = np.full(len(self.counts), float(self.n_records))
        if self.kind == "email":
            free = text.free_mail_domains()
            mail_doms = pd.Series(self.uniques, dtype=object).str.rsplit("@", n=1).str[-1]
            mail_doms = mail_doms.where(~mail_doms.isin(free))
            dcode, _ = pd.factorize(mail_doms, use_na_sentinel=True)
            # a column without a single valid address has no codes at all
            dcode = np.r_[dcode, -1].astype(np.int64)
            self.dom_mat = np.where(self.mat >= 0, dcode[np.where(self.mat >= 0, self.mat, -1)], -1)

    def compare(self, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        lv, tf = set_levels(self.mat, left, right, self.counts, self.tf)
        if self.kind == "email":
            lv = lv.astype(np.int8)
            diff = lv == 2
            if diff.any():
                shared = set_overlap(self.dom_mat, left[diff], right[diff])
                sub = np.where(shared, 2, 3).astype(np.int8)
                lv[diff] = sub
        return lv, tf

    def exact_u(self) -> dict[int, float]:
        return {1: _freq_u(self.counts)}

    def tf_entries(self) -> tuple[np.ndarray, np.ndarray]:
        return _mat_entries(self.mat)


def _mat_entries(mat: np.ndarray, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rec, col = np.nonzero(mat >= 0)
    return rec.astype(np.int64), mat[rec, col].astype(np.int64) + offset


def set_overlap(mat: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Whether the two records of each pair share a value (-1 entries never match)."""
    a, b = mat[left], mat[right]
    eq = (a[:, :, None] == b[:, None, :]) & (a[:, :, None] >= 0)
    shared: np.ndarray = eq.any(axis=(1, 2))
    return shared


def set_levels(
    mat: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    counts: np.ndarray,
    tf: bool,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Levels 1 shared / 2 different / 0 missing, and the code of the rarest shared value."""
    out_lv = np.zeros(len(left), dtype=np.int8)
    out_code = np.full(len(left), -1, dtype=np.int64) if tf else None
    width = mat.shape[1]
    step = 2_000_000
    for s in range(0, len(left), step):
        li, ri = left[s : s + step], right[s : s + step]
        a, b = mat[li], mat[ri]
        present = (a[:, 0] >= 0) & (b[:, 0] >= 0)
        eq = (a[:, :, None] == b[:, None, :]) & (a[:, :, None] >= 0)
        shared = eq.any(axis=(1, 2))
        out_lv[s : s + step] = np.where(shared, 1, np.where(present, 2, 0))
        if out_code is not None and shared.any():
            cnt = np.where(eq, counts[np.maximum(a, 0)][:, :, None], np.iinfo(np.int64).max)
            best = cnt.reshape(len(li), -1).argmin(axis=1) // width
            code = a[np.arange(len(li)), best]
            out_code[s : s + step] = np.where(shared, code, -1)
    return out_lv, out_code
