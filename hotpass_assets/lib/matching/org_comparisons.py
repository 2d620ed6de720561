"""Organisation comparisons (name and web/e-mail domain), and the factory that builds any
comparison from a config mapping.

The generic comparisons (exact, string, code, date, numeric, set) are in
:mod:`hotpass_assets.lib.matching.comparisons`; the two here know organisation names (legal
suffixes, noise words, acronyms) and organisation domains (free-mail providers, shared hosts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hotpass_assets.lib.matching import text
from hotpass_assets.lib.matching.comparisons import (  # package-internal helpers shared here
    CodeComparison,
    Comparison,
    DateComparison,
    ExactComparison,
    NumericComparison,
    SetComparison,
    StringComparison,
    _encode,
    _encode_entries,
    _freq_u,
    _mat_entries,
    _pair_similarity,
    set_levels,
    set_overlap,
)

#: Cores of at least this many characters count as long for the ``core_typo`` level.
LONG_CORE = 8


def organisation_features(names: pd.Series, noise: str = "profile") -> pd.DataFrame:
    """Key, core, tokens and acronym of organisation names (see ``text``)."""
    names = names.reset_index(drop=True)
    words = text.learn_common_words(names) if noise == "learnt" else None
    return text.organisation_name_features(names, noise_words=words)


@dataclass
class OrganisationNameComparison(Comparison):
    """Organisation names, suffix- and noise-word-aware.

    Levels: ``same_key`` (equal after folding and dropping legal suffixes), ``same_core`` (equal
    distinctive words in any order, noise words such as "Aviation" or "Flight School" ignored),
    ``core_typo`` (Jaro–Winkler of the cores >= 0.93, both cores at least ``LONG_CORE``
    characters), ``core_typo_short`` (the same for shorter cores: a short name is one typo away
    from many others, so the level gets its own, weaker, weight), ``core_subset`` (one core's words inside
    the other's, token-set ratio >= 0.95), ``acronym`` (initials of one equal the other's),
    ``core_similar`` (Jaro–Winkler >= 0.85), ``different``.
    Term frequency applies to ``same_key`` and ``same_core``.
    """

    tf: bool = True
    #: "profile": the fixed noise words of the aviation profile; "learnt": stop words plus the
    #: words common in this table (:func:`text.learn_common_words`)
    noise: str = "profile"

    def __post_init__(self) -> None:
        self.levels = (
            "same_key",
            "same_core",
            "core_typo",
            "core_typo_short",
            "core_subset",
            "acronym",
            "core_similar",
            "different",
        )
        self.tf_levels = (1, 2) if self.tf else ()

    def prepare(self, frame: pd.DataFrame) -> None:
        col = self.columns[0]
        feats = None
        if {"_name_key", "_name_core", "_name_acronym"} <= set(frame.columns):
            key, core, acr = frame["_name_key"], frame["_name_core"], frame["_name_acronym"]
        else:
            feats = organisation_features(frame[col], self.noise)
            key, core, acr = feats["key"], feats["core"], feats["acronym"]
        self.key, self.key_u, self.key_n = _encode(key.to_numpy(dtype=object))
        self.core, self.core_u, self.core_n = _encode(core.to_numpy(dtype=object))
        self.acr, _, _ = _encode(acr.to_numpy(dtype=object))
        self.core_len = np.array([len(str(x)) for x in self.core_u], dtype=np.int64)
        tokens = frame["_name_tokens"] if "_name_tokens" in frame.columns else None
        if tokens is None:
            if feats is None:
                feats = organisation_features(frame[col], self.noise)
            tokens = feats["tokens"]
        ti, tv = text.explode_values(tokens.reset_index(drop=True), split=None)
        self.tok_mat, _, _ = _encode_entries(ti, tv, len(frame))
        self.n_records = int((self.key >= 0).sum())
        if self.tf:
            self.tf_counts = np.r_[self.key_n, self.core_n].astype(float)
            self.tf_total = np.full(len(self.tf_counts), float(self.n_records))

    def tf_entries(self) -> tuple[np.ndarray, np.ndarray]:
        rk = np.flatnonzero(self.key >= 0)
        rc = np.flatnonzero(self.core >= 0)
        return np.r_[rk, rc], np.r_[self.key[rk], self.core[rc] + len(self.key_n)]

    def compare(self, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        kl, kr = self.key[left], self.key[right]
        cl, cr = self.core[left], self.core[right]
        present = (kl >= 0) & (kr >= 0)
        lv = np.where(present, 8, 0).astype(np.int8)
        same_key = present & (kl == kr)
        same_core = present & ~same_key & (cl == cr) & (cl >= 0)
        lv[same_key] = 1
        lv[same_core] = 2
        todo = np.flatnonzero(present & ~same_key & ~same_core & (cl >= 0) & (cr >= 0))
        if len(todo):
            jw = _pair_similarity(cl[todo], cr[todo], self.core_u, "jaro_winkler")
            al, ar = self.acr[left[todo]], self.acr[right[todo]]
            acr = (al >= 0) & (al == ar)
            sub = np.full(len(todo), 8, dtype=np.int8)
            sub = np.where(jw >= 0.85, 7, sub)
            sub = np.where(acr, 6, sub)
            # one core inside the other needs a shared word: the token-set ratio (the costly
            # scorer) runs only on pairs that share one
            rest = np.flatnonzero(jw < 0.93)
            rest = rest[set_overlap(self.tok_mat, left[todo[rest]], right[todo[rest]])]
            ts = _pair_similarity(cl[todo[rest]], cr[todo[rest]], self.core_u, "token_set")
            sub[rest[ts >= 0.95]] = 5
            long = np.minimum(self.core_len[cl[todo]], self.core_len[cr[todo]]) >= LONG_CORE
            sub = np.where(jw >= 0.93, np.where(long, 3, 4), sub)
            lv[todo] = sub
        if not self.tf:
            return lv, None
        code = np.where(lv == 1, kl, np.where(lv == 2, cl + len(self.key_n), -1)).astype(np.int64)
        return lv, code

    def exact_u(self) -> dict[int, float]:
        return {1: _freq_u(self.key_n)}


@dataclass
class DomainComparison(Comparison):
    """Website and e-mail evidence of one organisation.

    Each record has a set of organisation domains: its website's registrable domain plus the
    domains of its e-mail addresses that are not free-mail providers. Levels: ``same_email``
    (an identical address, free-mail included), ``same_website`` (equal website domains),
    ``shared_domain`` (any overlap of the domain sets), ``different`` (both have domains, none
    shared). Columns: domain column, e-mails column (either may be absent from the frame).
    """

    tf: bool = True

    def __post_init__(self) -> None:
        self.levels = ("same_email", "same_website", "shared_domain", "different")
        self.tf_levels = (1, 2, 3) if self.tf else ()

    def prepare(self, frame: pd.DataFrame) -> None:
        n = len(frame)
        dom_col, mail_col = self.columns[0], self.columns[1]
        empty = pd.Series([None] * n, dtype=object)
        dom = text.normalise_strings(frame.get(dom_col, empty))
        if {"_emails", "_domains"} <= set(frame.columns):
            # prepared by ``organisations.prepare_frame``: clean lists, reused as they are
            mi, mv = text.explode_values(frame["_emails"], split=None)
            di, dv = text.explode_values(frame["_domains"], split=None)
            self.mail_mat, self.mail_u, self.mail_n = _encode_entries(mi, mv, n)
            self.dom_mat, self.dom_u, self.dom_n = _encode_entries(di, dv, n)
        else:
            mi, mv = text.email_entries(
                frame[mail_col].reset_index(drop=True) if mail_col in frame else empty
            )
            self.mail_mat, self.mail_u, self.mail_n = _encode_entries(mi, mv, n)
            di, dv = text.email_domain_entries(mi, mv)
            has = np.flatnonzero(pd.notna(dom))
            self.dom_mat, self.dom_u, self.dom_n = _encode_entries(
                *text.concat_entries((has, dom[has]), (di, dv)), n
            )
        codes = pd.Index(self.dom_u)
        site = codes.get_indexer(pd.Series(dom, dtype=object))
        self.site = np.where(pd.notna(dom), site, -1).astype(np.int64)
        self.n_records = int((self.dom_mat[:, 0] >= 0).sum())
        self.n_mail = int((self.mail_mat[:, 0] >= 0).sum())
        if self.tf:
            self.tf_counts = np.r_[self.mail_n, self.dom_n].astype(float)
            self.tf_total = np.r_[
                np.full(len(self.mail_n), float(self.n_mail)),
                np.full(len(self.dom_n), float(self.n_records)),
            ]

    def tf_entries(self) -> tuple[np.ndarray, np.ndarray]:
        r1, c1 = _mat_entries(self.mail_mat)
        r2, c2 = _mat_entries(self.dom_mat, len(self.mail_n))
        return np.r_[r1, r2], np.r_[c1, c2]

    def compare(self, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        dlv, dcode = set_levels(self.dom_mat, left, right, self.dom_n, self.tf)
        mlv, mcode = set_levels(self.mail_mat, left, right, self.mail_n, self.tf)
        sl, sr = self.site[left], self.site[right]
        same_site = (sl >= 0) & (sl == sr)
        lv = np.where(dlv == 1, 3, np.where(dlv == 2, 4, 0))
        lv = np.where(same_site, 2, lv)
        lv = np.where(mlv == 1, 1, lv).astype(np.int8)
        if not self.tf or mcode is None or dcode is None:
            return lv, None
        off = len(self.mail_n)
        code = np.where(
            lv == 1, mcode, np.where(lv == 2, sl + off, np.where(lv == 3, dcode + off, -1))
        )
        return lv, code.astype(np.int64)

    def exact_u(self) -> dict[int, float]:
        return {2: _freq_u(self.dom_n)}


COMPARISON_TYPES: dict[str, type[Comparison]] = {
    "exact": ExactComparison,
    "category": ExactComparison,
    "string": StringComparison,
    "name": StringComparison,
    "address": StringComparison,
    "code": CodeComparison,
    "postcode": CodeComparison,
    "date": DateComparison,
    "numeric": NumericComparison,
    "email": SetComparison,
    "phone": SetComparison,
    "set": SetComparison,
    "website": SetComparison,
    "organisation_name": OrganisationNameComparison,
    "domain": DomainComparison,
}


def build_comparison(spec: dict[str, Any]) -> Comparison:
    """A comparison from a config mapping: ``{"name", "column" | "columns", "type", ...}``.

    Types: exact, category, string, name, address, code, postcode, date, numeric, email, phone,
    website, set, organisation_name, domain. Options: ``tf`` (bool), ``thresholds`` (string types),
    ``scorer`` (jaro_winkler, ratio, token_set, token_sort, partial), ``max_edits`` (codes).
    """
    kind = spec.get("type", "string")
    if kind not in COMPARISON_TYPES:
        raise ValueError(
            f"unknown comparison type {kind!r}; expected one of {sorted(COMPARISON_TYPES)}"
        )
    cols = tuple(spec.get("columns") or [spec.get("column") or spec["name"]])
    name = spec.get("name") or cols[0]
    cls = COMPARISON_TYPES[kind]
    kwargs: dict[str, Any] = {}
    if "tf" in spec:
        kwargs["tf"] = bool(spec["tf"])
    if kind in ("string", "name", "address"):
        defaults = {
            "name": ((0.92, 0.88, 0.7), "name", True),
            "address": ((0.9, 0.75), "token_set", False),
            "string": ((0.92, 0.8), "jaro_winkler", False),
        }[kind]
        kwargs["thresholds"] = tuple(spec.get("thresholds", defaults[0]))
        kwargs["scorer"] = spec.get("scorer", defaults[1])
        kwargs.setdefault("tf", defaults[2])
        if kind == "name":
            kwargs["normaliser"] = "words"
    elif kind in ("code", "postcode"):
        kwargs["max_edits"] = tuple(spec.get("max_edits", (1, 2) if kind == "code" else (1,)))
        kwargs.setdefault("tf", kind == "postcode")
    elif kind in ("email", "phone", "set"):
        kwargs["kind"] = {"email": "email", "phone": "phone", "set": "text"}[kind]
    elif kind == "website":
        kwargs["kind"] = "website"
    elif kind == "organisation_name" and "noise" in spec:
        kwargs["noise"] = str(spec["noise"])
    elif kind == "domain" and len(cols) < 2:
        cols = (cols[0], "emails")
    return cls(name=name, columns=cols, **kwargs)
