"""Fellegi–Sunter match weights learnt without labels, the way Splink learns them.

- ``u`` (chance of each level among non-matching pairs) comes from random record pairs, and for
  exact-agreement levels from value frequencies (the chance two random records share a value).
- ``m`` (chance of each level among matching pairs) comes from expectation maximisation on the
  blocked candidate pairs, one session per blocking rule; a session leaves out the comparisons on
  the columns its rule blocked on (those agree by construction, so they carry no information about
  m there), and each comparison's m is the average of the sessions that estimated it, weighted
  by the session's expected number of matches. A weak Dirichlet prior (``prior_strength``
  pseudo-matches) keeps m sensible when a session holds few matches.
- u is then corrected for the matches that random pairs contain (``correct_u``) and m and
  the prior are estimated once more.
- The prior ``lambda`` (chance two random records match) is the fixed point of
  ``lambda = sum over candidates of P(match | lambda) / all pairs``, i.e. the expected matches
  among candidates spread over every possible pair.

EM runs on distinct comparison patterns with their counts, so each iteration costs a few
thousand rows whatever the number of pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

_EPS = 1e-9


@dataclass
class FSModel:
    """Per comparison: level names, m and u (index 0 = missing, unused), and the global prior."""

    names: list[str]
    levels: list[tuple[str, ...]]
    m: list[np.ndarray]
    u: list[np.ndarray]
    prior: float = 1e-4
    #: u before removing the matches that random pairs contain (term frequencies scale to it)
    u_raw: list[np.ndarray] = field(default_factory=list)
    tf_levels: list[tuple[int, ...]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)

    def weights(self) -> list[np.ndarray]:
        """log2(m/u) per level; 0 for the missing level."""
        out = []
        for m, u in zip(self.m, self.u, strict=True):
            w = np.log2(np.maximum(m, _EPS) / np.maximum(u, _EPS))
            w[0] = 0.0
            out.append(w)
        return out

    @property
    def prior_weight(self) -> float:
        p = min(max(self.prior, 1e-300), 1 - 1e-12)
        return float(np.log2(p / (1 - p)))

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], names: list[str], levels: list[tuple[str, ...]]
    ) -> FSModel:
        """A published model (``as_dict``) for these comparisons; a comparison or level the
        model does not have is an error naming it (a pinned model must fit the config)."""
        by_name = {c["name"]: c["levels"] for c in data.get("comparisons", [])}
        m, u = [], []
        for name, lvls in zip(names, levels, strict=True):
            if name not in by_name:
                raise ValueError(f"pinned model has no comparison {name!r}")
            missing = [lv for lv in lvls if lv not in by_name[name]]
            if missing:
                raise ValueError(f"pinned model comparison {name!r} lacks level(s) {missing}")
            m.append(np.r_[0.0, [by_name[name][lv]["m"] for lv in lvls]])
            u.append(np.r_[0.0, [by_name[name][lv]["u"] for lv in lvls]])
        return cls(
            names=list(names),
            levels=list(levels),
            m=m,
            u=u,
            prior=float(data["prior"]),
            u_raw=[x.copy() for x in u],
            history=[{"pinned": True}],
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "prior": self.prior,
            "comparisons": [
                {
                    "name": n,
                    "levels": {
                        lv: {"m": float(m[i + 1]), "u": float(u[i + 1]), "weight": float(w[i + 1])}
                        for i, lv in enumerate(levels)
                    },
                }
                for n, levels, m, u, w in zip(
                    self.names, self.levels, self.m, self.u, self.weights(), strict=True
                )
            ],
            "em_sessions": self.history,
        }


def correct_u(u_raw: list[np.ndarray], m: list[np.ndarray], prior: float) -> list[np.ndarray]:
    """u without the share of true matches among random pairs.

    Random pairs contain matches at rate ``prior``: observed = prior * m + (1 - prior) * u. With
    many duplicates per entity (small tables, several sources) the matches dominate the
    agreement levels of random pairs, so the uncorrected u understates agreement evidence.
    A level keeps at least 1 % of its observed u.
    """
    out = []
    for ur, mm in zip(u_raw, m, strict=True):
        u = ur.copy()
        u[1:] = np.maximum((ur[1:] - prior * mm[1:]) / (1.0 - prior), 0.01 * ur[1:])
        u[1:] /= u[1:].sum()
        out.append(u)
    return out


def initial_m(n_levels: int) -> np.ndarray:
    """Starting m: most matches agree exactly, few fully disagree (index 0 unused)."""
    k = n_levels - 1
    raw = np.array([0.5**i for i in range(k)], dtype=float)
    raw[-1] = 0.05 * raw[0] if k > 1 else raw[-1]
    m: np.ndarray = np.r_[0.0, raw / raw.sum()]
    return m


def estimate_u(
    levels_random: np.ndarray, n_levels: list[int], exact_u: list[dict[int, float]]
) -> list[np.ndarray]:
    """u per comparison from the levels of random pairs (rows) and frequency-based exact u."""
    out = []
    for f, k in enumerate(n_levels):
        col = levels_random[:, f] if len(levels_random) else np.zeros(0, dtype=np.int8)
        counts = np.bincount(col, minlength=k).astype(float)[:k]
        counts[0] = 0
        total = counts.sum()
        floor = 0.5 / max(total, 1.0)
        u = np.zeros(k)
        u[1:] = counts[1:] / total if total else 1.0 / (k - 1)
        fixed = {lv: v for lv, v in exact_u[f].items() if 0 < lv < k}
        if fixed:
            free = [i for i in range(1, k) if i not in fixed]
            rest = 1.0 - sum(max(v, floor) for v in fixed.values())
            mass = u[free].sum()
            if mass > 0:
                u[free] = u[free] / mass * max(rest, floor)
            for lv, v in fixed.items():
                u[lv] = max(v, floor)
        u[1:] = np.maximum(u[1:], floor)
        u[1:] /= u[1:].sum()
        out.append(u)
    return out


def em_session(
    patterns: np.ndarray,
    counts: np.ndarray,
    m: list[np.ndarray],
    u: list[np.ndarray],
    active: list[bool],
    *,
    prior_strength: float = 10.0,
    max_iter: int = 200,
    tol: float = 1e-6,
    start_lambda: float = 0.1,
) -> tuple[list[np.ndarray], float, float, int]:
    """EM for m (active comparisons) and the in-session match share; u fixed.

    ``patterns``: distinct level vectors (rows) and ``counts`` how many pairs have each.
    Returns (m, lambda, expected matches, iterations).
    """
    m = [x.copy() for x in m]
    m0 = [x.copy() for x in m]
    lam = start_lambda
    cnt = counts.astype(float)
    it = 0
    for _ in range(max_iter):
        it += 1
        llr = np.zeros(len(patterns))
        for f, on in enumerate(active):
            if not on:
                continue
            lv = patterns[:, f]
            w = np.log(np.maximum(m[f], _EPS)) - np.log(np.maximum(u[f], _EPS))
            w[0] = 0.0
            llr += w[lv]
        logit = np.log(lam / (1 - lam)) + llr
        r = 1.0 / (1.0 + np.exp(-np.clip(logit, -700, 700)))
        rc = r * cnt
        lam_new = float(np.clip(rc.sum() / cnt.sum(), 1e-9, 1 - 1e-9))
        delta = abs(lam_new - lam)
        for f, on in enumerate(active):
            if not on:
                continue
            k = len(m[f])
            s = np.bincount(patterns[:, f], weights=rc, minlength=k)[:k]
            s[0] = 0.0
            new = (s + prior_strength * m0[f]) / (s[1:].sum() + prior_strength)
            new[0] = 0.0
            new[1:] = np.maximum(new[1:], _EPS)
            new[1:] /= new[1:].sum()
            delta = max(delta, float(np.abs(new - m[f]).max()))
            m[f] = new
        lam = lam_new
        if delta < tol:
            break
    return m, lam, float(rc.sum()), it


#: each comparison level is one hexadecimal digit of a pair's pattern code
_RADIX = 16
#: pattern codes below this many distinct values are counted with a table, not sorted
_TABLE_CODES = 1 << 24


def pattern_codes(levels: np.ndarray) -> np.ndarray:
    """One integer per row of ``levels`` (pairs x comparisons): its levels as hexadecimal
    digits, the first comparison the most significant, so codes sort as the rows do."""
    code = np.zeros(len(levels), dtype=np.int64)
    for f in range(levels.shape[1]):
        code *= _RADIX
        code += levels[:, f]
    return code


def pattern_counts(code: np.ndarray, n_comparisons: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct pattern codes (``pattern_codes``) as rows of levels, ascending, and how many
    pairs have each. A small code space is counted with ``np.bincount`` (one pass, no sort)."""
    space = _RADIX**n_comparisons
    if space <= _TABLE_CODES:
        table = np.bincount(code, minlength=space)
        uniq = np.flatnonzero(table)
        cnt = table[uniq].astype(np.int64)
    else:
        uniq, cnt = np.unique(code, return_counts=True)
    pats = np.zeros((len(uniq), n_comparisons), dtype=np.int8)
    for f in range(n_comparisons - 1, -1, -1):
        pats[:, f] = (uniq % _RADIX).astype(np.int8)
        uniq = uniq // _RADIX
    return pats, cnt


def pattern_table(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct rows of ``levels`` (pairs x comparisons), their counts and each pair's row."""
    code = pattern_codes(levels)
    pats, cnt = pattern_counts(code, levels.shape[1])
    return pats, cnt, np.searchsorted(pattern_codes(pats), code)


def estimate_prior(pattern_weights: np.ndarray, counts: np.ndarray, total_pairs: float) -> float:
    """Fixed point of lambda = sum_i P(match_i | lambda) / total_pairs (bisection in log space)."""
    if total_pairs <= 0 or not len(counts):
        return 1e-4
    w = pattern_weights * np.log(2.0)
    cnt = counts.astype(float)

    def g(loglam: float) -> float:
        lam = np.exp(loglam)
        logit = np.log(lam) - np.log1p(-lam) + w
        expected = (cnt / (1.0 + np.exp(-np.clip(logit, -700, 700)))).sum()
        return float(expected / total_pairs - lam)

    lo, hi = np.log(1e-15), np.log(0.5)
    if g(lo) <= 0:
        return 1e-15
    if g(hi) >= 0:
        return 0.5
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if g(mid) > 0:
            lo = mid
        else:
            hi = mid
    return float(np.exp(0.5 * (lo + hi)))
