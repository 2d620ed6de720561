"""Splink's comparisons, blocking rules and decision policy for the Spark linkage path
(``spark``): the levels of ``organisations.default_comparisons`` as Spark SQL conditions, with
the same labels, so ``MatchConfig``'s veto, merge and contradicting levels apply as they are."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hotpass_assets.lib.matching.organisations import MatchConfig


def _level(sql: str, label: str, tf_column: str | None = None) -> Any:
    import splink.comparison_level_library as cll

    level = cll.CustomLevel(sql, label_for_charts=label, base_dialect_str="spark")
    if tf_column is None:
        return level
    return level.configure(tf_adjustment_column=tf_column, tf_adjustment_weight=1.0)


def _null(sql: str) -> Any:
    import splink.comparison_level_library as cll

    return cll.CustomLevel(sql, label_for_charts="missing", base_dialect_str="spark").configure(
        is_null_level=True
    )


def _jw(col: str) -> str:
    return f"jaro_winkler({col}_l, {col}_r)"


def token_set_sql(col: str) -> str:
    """SQL: rapidfuzz's ``token_set_ratio`` / 100 of ``<col>_l`` and ``<col>_r`` (texts of
    space-separated words), with Spark's array functions: 1 when the word sets overlap and one
    holds the other, else the best normalised indel similarity of the sorted common words
    against each side, and of the two sorted remainders. Spark has no indel distance; it is
    taken as 2 x Levenshtein - the length difference, exact when the best alignment
    substitutes and inserts, never lower than the indel distance (so the similarity is never
    higher than rapidfuzz's)."""
    tl, tr = (f"array_distinct(split({col}_{s}, ' '))" for s in ("l", "r"))
    sect = f"array_intersect({tl}, {tr})"
    ab = f"concat_ws(' ', array_sort(array_except({tl}, {tr})))"
    ba = f"concat_ws(' ', array_sort(array_except({tr}, {tl})))"
    sl = f"length(concat_ws(' ', {sect}))"
    joint = f"(2 * {sl} + 2 * least({sl}, 1) + length({ab}) + length({ba}))"
    indel = f"(2 * levenshtein({ab}, {ba}) - abs(length({ab}) - length({ba})))"
    diffs = f"1 - {indel} / {joint}"
    with_ab = f"1 - (1 + length({ab})) / (2 * {sl} + 1 + length({ab}))"
    with_ba = f"1 - (1 + length({ba})) / (2 * {sl} + 1 + length({ba}))"
    return (
        f"CASE WHEN size({sect}) > 0 AND (length({ab}) = 0 OR length({ba}) = 0) THEN 1.0 "
        f"WHEN size({sect}) = 0 THEN {diffs} "
        f"ELSE greatest({diffs}, {with_ab}, {with_ba}) END"
    )


#: (comparison name, [(SQL condition, level label, term-frequency column)]), levels best first;
#: the labels are those of ``organisations.default_comparisons`` and the last level is
#: "different" (everything else). Each comparison's null condition comes first.
LEVELS: tuple[tuple[str, str, tuple[tuple[str, str, str | None], ...]], ...] = (
    (
        "name",
        "name_key_l IS NULL OR name_key_r IS NULL",
        (
            ("name_key_l = name_key_r", "same_key", None),
            ("name_core_l = name_core_r", "same_core", None),
            (
                f"{_jw('name_core')} >= 0.93 AND "
                "least(length(name_core_l), length(name_core_r)) >= 8",
                "core_typo",
                None,
            ),
            (f"{_jw('name_core')} >= 0.93", "core_typo_short", None),
            (
                "size(array_intersect(name_tokens_l, name_tokens_r)) = "
                "least(size(name_tokens_l), size(name_tokens_r))",
                "core_subset",
                None,
            ),
            ("name_acronym_l = name_acronym_r", "acronym", None),
            (f"{_jw('name_core')} >= 0.85", "core_similar", None),
        ),
    ),
    (
        "domain",
        "(domains_l IS NULL OR domains_r IS NULL) AND NOT coalesce(arrays_overlap(emails_l, "
        "emails_r), false) AND NOT coalesce(domain_l = domain_r, false)",
        (
            ("coalesce(arrays_overlap(emails_l, emails_r), false)", "same_email", None),
            ("domain_l = domain_r", "same_website", "domain"),
            ("coalesce(arrays_overlap(domains_l, domains_r), false)", "shared_domain", None),
        ),
    ),
    (
        "phone",
        "phones_l IS NULL OR phones_r IS NULL",
        (("coalesce(arrays_overlap(phones_l, phones_r), false)", "shared_value", None),),
    ),
    (
        "province",
        "province_l IS NULL OR province_r IS NULL",
        (("province_l = province_r", "exact", None),),
    ),
    (
        "address",
        "address_l IS NULL OR address_r IS NULL",
        (
            ("address_l = address_r", "exact", None),
            (f"{token_set_sql('address')} >= 0.9", "token_set>=0.9", None),
            (f"{token_set_sql('address')} >= 0.75", "token_set>=0.75", None),
        ),
    ),
)


def level_labels() -> dict[str, tuple[str, ...]]:
    """Comparison name -> level labels, best first, ``different`` last (no missing level)."""
    return {name: (*(lbl for _, lbl, _ in levels), "different") for name, _, levels in LEVELS}


def gamma_of(comparison: str, label: str) -> int:
    """Splink's comparison-vector value of a level: -1 missing, 0 for the last ("different"),
    counting up towards the best level."""
    labels = level_labels()[comparison]
    return len(labels) - 1 - labels.index(label)


def gamma_sql(comparison: str) -> str:
    """SQL: a pair's comparison-vector value (``gamma_of``) for ``comparison``, as Splink
    computes it from the levels (missing -1, best level highest, else 0)."""
    null_sql, levels = next((n, lv) for c, n, lv in LEVELS if c == comparison)
    whens = [f"WHEN {null_sql} THEN -1"]
    whens += [f"WHEN {sql} THEN {len(levels) - k}" for k, (sql, _, _) in enumerate(levels)]
    return f"CASE {' '.join(whens)} ELSE 0 END"


def splink_comparisons() -> list[Any]:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    out = []
    for name, null_sql, levels in LEVELS:
        parts = [_null(null_sql), *(_level(sql, lbl, tf) for sql, lbl, tf in levels)]
        parts.append(cll.ElseLevel().configure(label_for_charts="different"))
        out.append(cl.CustomComparison(comparison_levels=parts, output_column_name=name))
    return out


def splink_blocking() -> list[Any]:
    """The default engine's candidate keys (``organisations.DEFAULT_BLOCKING``): name key, name
    core, rare name tokens, name typo keys, domains, e-mails, phones."""
    from splink import block_on

    return [
        block_on("name_key"),
        block_on("name_core"),
        block_on("rare_tokens", arrays_to_explode=["rare_tokens"]),
        block_on("typo_keys", arrays_to_explode=["typo_keys"]),
        block_on("domains", arrays_to_explode=["domains"]),
        block_on("emails", arrays_to_explode=["emails"]),
        block_on("phones", arrays_to_explode=["phones"]),
    ]


#: EM stops after this many iterations (or when no parameter moves by 0.001).
EM_MAX_ITERATIONS = 25


def splink_settings() -> Any:
    """The Spark path's Splink settings, untrained: comparisons, blocking rules, the columns
    kept with each scored pair and the training's convergence."""
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=splink_blocking(),
        comparisons=splink_comparisons(),
        # gamma_<comparison> (levels) come with the matching columns, mw_<comparison> (bits)
        # with the intermediate ones
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
        em_convergence=0.001,
        max_iterations=EM_MAX_ITERATIONS,
    )


def _in_levels(spec: Mapping[str, tuple[str, ...]]) -> str:
    """SQL: the pair shows any of the named levels (``MatchConfig`` level specs)."""
    known = level_labels()
    parts = []
    for comp, labels in spec.items():
        values = [gamma_of(comp, lbl) for lbl in labels if lbl in known.get(comp, ())]
        if values:
            parts.append(f"gamma_{comp} IN ({', '.join(str(v) for v in values)})")
    return "(" + " OR ".join(parts) + ")" if parts else "false"


def veto_sql(cfg: MatchConfig) -> str:
    """SQL: the pair shows a veto level (a different province) not lifted by other evidence."""
    return f"({_in_levels(cfg.veto_levels)} AND NOT {_in_levels(cfg.veto_unless)})"


def decision_sql(cfg: MatchConfig, table: str) -> str:
    """The decision policy of ``engine.run`` on Splink's scored pairs: a match at the match
    threshold, or at the review threshold for a merge level not contradicted; never when
    vetoed (unless the veto is lifted); review in between."""
    veto = veto_sql(cfg)
    merge = f"({_in_levels(cfg.merge_levels)} AND NOT {_in_levels(cfg.contradicting_levels)})"
    p = "match_probability"
    match_at, review_at = float(cfg.match_threshold), float(cfg.review_threshold)
    return f"""
        SELECT *,
            CASE
                WHEN NOT {veto} AND ({p} >= {match_at!r}
                    OR ({merge} AND {p} >= {review_at!r})) THEN 'match'
                WHEN {p} >= {review_at!r} THEN 'review'
                ELSE ''
            END AS decision,
            {_in_levels(cfg.merge_levels)} AS merge_level
        FROM {table}
    """


def with_m_prior(model: Mapping[str, Any], n_records: int, strength: float) -> dict[str, Any]:
    """A trained Splink model (``save_model_to_json``) with the default engine's weak prior on
    m: ``strength`` pseudo-matches at ``model.initial_m`` (``MatchConfig.prior_strength``),
    against the matches the model expects among all pairs of ``n_records``.

    Splink's EM has no prior: a level that its training pairs never show among matches (a
    different website between records of one name) gets an m near zero and a weight of -27
    bits, where the default engine's is -10; one such field then outweighs all the others,
    in scoring and in the cluster conflict check. A level left untrained gets the prior."""
    import copy

    from hotpass_assets.lib.matching.model import initial_m

    out = copy.deepcopy(dict(model))
    lam = float(out.get("probability_two_random_records_match") or 0.0)
    expected = lam * n_records * (n_records - 1) / 2
    for comp in out["comparisons"]:
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        m0 = initial_m(len(levels) + 1)[1:]
        for lv, prior in zip(levels, m0, strict=True):
            m = lv.get("m_probability")
            trained = expected if m is not None else 0.0
            lv["m_probability"] = ((m or 0.0) * trained + strength * prior) / (trained + strength)
    return out


def pinned_splink_model(template: Mapping[str, Any], pinned: Mapping[str, Any]) -> dict[str, Any]:
    """``template`` (an untrained linker's ``save_model_to_json``: this version's settings)
    with the m, u and prior of ``pinned``, a model a Spark run published (its snapshot's
    ``match_model.json``, ``{"engine": "spark", "splink": ...}``). Nothing else is taken from
    the pinned model, so blocking rules, SQL and term-frequency settings stay this version's.

    A model the default engine learnt, or one that lacks a comparison or level of this version,
    is an error naming what is missing (a pinned model must fit the settings)."""
    import copy

    if pinned.get("engine") != "spark" or not isinstance(pinned.get("splink"), Mapping):
        raise ValueError(
            "HOTPASS_MATCH_MODEL: the pinned model was not learnt by the Spark engine; with "
            "HOTPASS_LINKAGE_ENGINE=spark pin the match_model.json of a snapshot that engine "
            "built"
        )
    source = pinned["splink"]
    by_name = {c.get("output_column_name"): c for c in source.get("comparisons", [])}
    out = copy.deepcopy(dict(template))
    for comp in out["comparisons"]:
        name = comp["output_column_name"]
        if name not in by_name:
            raise ValueError(f"HOTPASS_MATCH_MODEL: the pinned model has no comparison {name!r}")
        levels = {lv.get("label_for_charts"): lv for lv in by_name[name]["comparison_levels"]}
        wanted = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        missing = [lv["label_for_charts"] for lv in wanted if lv["label_for_charts"] not in levels]
        if missing:
            raise ValueError(
                f"HOTPASS_MATCH_MODEL: the pinned model's comparison {name!r} lacks "
                f"level(s) {missing}"
            )
        for lv in wanted:
            for key in ("m_probability", "u_probability"):
                lv.pop(key, None)
                value = levels[lv["label_for_charts"]].get(key)
                if value is not None:
                    lv[key] = value
    out["probability_two_random_records_match"] = source["probability_two_random_records_match"]
    return out


def splink_model_rows(model: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A Splink model's parameters as ``match_model`` rows: m, u and weight (bits) per level
    that has both, and the prior."""
    import math

    prior = model.get("probability_two_random_records_match")
    rows = []
    for comp in model.get("comparisons", []):
        for lv in comp["comparison_levels"]:
            m, u = lv.get("m_probability"), lv.get("u_probability")
            if lv.get("is_null_level") or m is None or u is None:
                continue
            weight = math.log2(m / u) if m > 0 and u > 0 else None
            rows.append(
                {
                    "comparison": comp["output_column_name"],
                    "level": lv.get("label_for_charts"),
                    "m": m,
                    "u": u,
                    "match_weight": weight,
                    "prior": prior,
                }
            )
    return rows
