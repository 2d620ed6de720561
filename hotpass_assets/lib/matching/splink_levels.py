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
            ("lower(address_l) = lower(address_r)", "exact", None),
            (f"{_jw('address')} >= 0.9", "token_set>=0.9", None),
            (f"{_jw('address')} >= 0.75", "token_set>=0.75", None),
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
    """The default engine's candidate keys (``organisations.DEFAULT_BLOCKING``), less the typo
    deletion key: name key, name core, rare name tokens, domains, e-mails, phones."""
    from splink import block_on

    return [
        block_on("name_key"),
        block_on("name_core"),
        block_on("rare_tokens", arrays_to_explode=["rare_tokens"]),
        block_on("domains", arrays_to_explode=["domains"]),
        block_on("emails", arrays_to_explode=["emails"]),
        block_on("phones", arrays_to_explode=["phones"]),
    ]


def _in_levels(spec: Mapping[str, tuple[str, ...]]) -> str:
    """SQL: the pair shows any of the named levels (``MatchConfig`` level specs)."""
    known = level_labels()
    parts = []
    for comp, labels in spec.items():
        values = [gamma_of(comp, lbl) for lbl in labels if lbl in known.get(comp, ())]
        if values:
            parts.append(f"gamma_{comp} IN ({', '.join(str(v) for v in values)})")
    return "(" + " OR ".join(parts) + ")" if parts else "false"


def decision_sql(cfg: MatchConfig, table: str) -> str:
    """The decision policy of ``engine.run`` on Splink's scored pairs: a match at the match
    threshold, or at the review threshold for a merge level not contradicted; never when
    vetoed (unless the veto is lifted); review in between."""
    veto = f"({_in_levels(cfg.veto_levels)} AND NOT {_in_levels(cfg.veto_unless)})"
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
