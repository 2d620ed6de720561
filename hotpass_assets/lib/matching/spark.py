"""Organisation linkage on Spark (``HOTPASS_LINKAGE_ENGINE=spark``), through Splink's Spark backend.

The default engine (``engine.run``) holds every record, candidate pair and comparison level of a
run in one process's memory. When the records no longer fit one machine, this path runs the same
Fellegi–Sunter linkage on a Spark cluster (or ``local[*]``):

1. the matching features of each record (``organisations.prepare_frame``: folded name key and
   core, name tokens and acronym, website and e-mail domains, e-mails, national phone numbers,
   normalised address) are derived per partition on the executors (``mapInArrow``), and the
   default engine's blocking keys, rare name tokens (over-common ones refined into sorted
   neighbourhoods) and typo keys, by Spark aggregations (``spark_features``);
2. Splink (``SparkAPI``) blocks, compares, estimates u from random pairs and m by EM, and scores
   the candidate pairs, with comparisons that have the levels of ``default_comparisons`` (their
   labels are the same, so ``MatchConfig``'s veto, merge and contradicting levels apply as
   they are); the trained m get the default engine's weak prior (``with_m_prior``) before
   scoring. A pinned model (``HOTPASS_MATCH_MODEL``: the ``match_model.json`` of a Spark
   snapshot) replaces the estimation: its m, u and prior are used as they are
   (``pinned_splink_model``);
3. the decision policy (match threshold, province veto and its exceptions, identical names
   merged unless contradicted, reviewers' must-links and cannot-links) runs as Spark SQL on the
   scored pairs.

Only the match, review and kept-apart pairs come back to the driver (about as many as the
records, not the candidate pairs). The driver clusters them with the default engine's
``clustering.cluster``: a component of three or more records has its within-cluster pairs
compared on Spark and weighed with the model (``spark_conflicts``), and a conflict (strong
contrary evidence, a veto or a cannot-link) rebuilds it from its strongest links. The stable
ids and the review queue are the default path's own code.

What still differs from the default engine: term frequencies on the website only (Splink
counts a name's own duplicates as other organisations; the default engine counts values once
per first-pass entity), one EM pass (no second pass with entity-aware frequencies), Splink's
u sampling and prior estimate instead of the default engine's fixed point, address token-set
similarity with an indel distance taken from Levenshtein (``splink_levels.token_set_sql``),
name-key and name-core blocks not capped. The Splink settings are in ``splink_levels``;
``docs/how-to/scale-out-with-spark.md`` says when to switch, how a Kubernetes deployment runs it
and the measured accuracy.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hotpass_assets.lib.matching.spark_features import spark_features
from hotpass_assets.lib.matching.splink_levels import (
    LEVELS,
    decision_sql,
    level_labels,
    pinned_splink_model,
    splink_settings,
    with_m_prior,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame as SparkFrame
    from pyspark.sql import SparkSession

    from hotpass_assets.lib.matching.organisations import MatchConfig, Resolution

#: Share of the true duplicate pairs that share name key and website or name key and a phone
#: (measured on generated organisations: 0.29 at 1,000 and 0.30 at 20,000 records); the prior
#: is the pairs those rules find divided by it.
PRIOR_RULES_RECALL = 0.3


@dataclass(frozen=True)
class SparkOptions:
    """Where and how Spark runs: a master URL (``local[2]``, ``spark://host:7077``,
    ``k8s://https://api:6443``) and extra ``spark.*`` configuration."""

    master: str = "local[*]"
    conf: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse_conf(cls, text: str) -> dict[str, str]:
        """``key=value`` entries separated by commas or new lines (``HOTPASS_SPARK_CONF``)."""
        out: dict[str, str] = {}
        for raw in text.replace("\n", ",").split(","):
            item = raw.strip()
            if not item:
                continue
            key, sep, value = item.partition("=")
            if not sep or not key.strip().startswith("spark."):
                raise ValueError(
                    f"HOTPASS_SPARK_CONF: {item!r} is not a spark.<name>=<value> entry"
                )
            out[key.strip()] = value.strip()
        return out


def spark_session(options: SparkOptions) -> SparkSession:
    """A Spark session with Splink's similarity functions (the jar shipped with Splink) on its
    class path. An active session with that master is reused."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    builder = SparkSession.builder.master(options.master).appName("hotpass-linkage")
    defaults = {
        "spark.jars": similarity_jar_location(),
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "8",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
    }
    # Python workers run PYSPARK_PYTHON (read when the context starts): by default this
    # interpreter, whose environment has Hotpass; on a cluster the executors run the same image
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    for key, value in {**defaults, **options.conf}.items():
        builder = builder.config(key, value)
    session: SparkSession = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


# --- the run ---------------------------------------------------------------------------------

#: Columns of the scored pairs the driver collects.
_PAIR_FIELDS = (
    "unique_id_l",
    "unique_id_r",
    "match_weight",
    "match_probability",
    "decision",
    "merge_level",
    *(f"{p}{c}" for c, _, _ in LEVELS for p in ("gamma_", "mw_")),
    *(f"mw_tf_adj_{c}" for c, _, levels in LEVELS if any(tf for _, _, tf in levels)),
)


@dataclass
class SparkRun:
    """What a Spark linkage run brings back to the driver."""

    cluster_of: pd.Series  # cluster label by record position
    pairs: pd.DataFrame  # match, review and merge-level pairs, by record position
    model: dict[str, Any]
    timings: dict[str, float]
    stats: dict[str, int] = field(default_factory=dict)


def _train(linker: Any, cfg: MatchConfig) -> None:
    """u from random pairs, m by EM on two blocking rules that leave the name and the contact
    fields to be estimated in turn, the prior from records sharing name and website."""
    from splink import block_on

    linker.training.estimate_probability_two_random_records_match(
        [
            block_on("name_key", "domain"),
            block_on("name_key", "phones", arrays_to_explode=["phones"]),
        ],
        recall=PRIOR_RULES_RECALL,
    )
    linker.training.estimate_u_using_random_sampling(
        max_pairs=float(cfg.u_sample_pairs), seed=cfg.seed, num_chunks=1
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("name_core"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("domain"), estimate_without_term_frequencies=True
    )


def run_spark(
    spark: SparkSession,
    records: pd.DataFrame,
    cfg: MatchConfig,
    must_link: tuple[np.ndarray, np.ndarray],
    cannot_link: tuple[np.ndarray, np.ndarray],
) -> SparkRun:
    """Block, compare, train, score, decide and cluster ``records`` on Spark."""
    import logging

    from splink import Linker
    from splink.backends.spark import SparkAPI

    timings: dict[str, float] = {}
    t = time.perf_counter()
    features = spark_features(spark, records).persist()
    db = SparkAPI(spark_session=spark, break_lineage_method="persist")  # type: ignore[no-untyped-call]
    settings = splink_settings()
    # Splink logs at the level its logger is given (WARNING unless configured)
    level = logging.getLogger("splink").getEffectiveLevel()
    linker = Linker(db.register(features), settings, log_level=level)
    timings["features_s"] = time.perf_counter() - t
    t = time.perf_counter()
    if cfg.pinned_model is not None:
        # a pinned model's m, u and prior are used as they are: nothing is estimated
        trained = pinned_splink_model(linker.misc.save_model_to_json(), cfg.pinned_model)
    else:
        _train(linker, cfg)
        # Splink's EM without a prior can leave a level at m near zero: the default engine's
        # prior is applied, and the scoring runs on that model
        trained = with_m_prior(linker.misc.save_model_to_json(), len(records), cfg.prior_strength)
    linker = Linker(db.register(features), trained, log_level=level)
    timings["training_s"] = time.perf_counter() - t

    t = time.perf_counter()
    scored = linker.inference.predict(threshold_match_probability=cfg.review_threshold / 10)
    decided = spark.sql(decision_sql(cfg, scored.physical_name))
    decided = _apply_links(spark, decided, must_link, cannot_link)
    pairs = decided.where("decision <> '' OR merge_level").select(*_PAIR_FIELDS).toPandas()
    timings["predict_s"] = time.perf_counter() - t
    # the matches are about as many as the records: they are clustered on the driver, with
    # the default engine's conflict check (the within-cluster pairs compared on Spark)
    t = time.perf_counter()
    splink_model = linker.misc.save_model_to_json()
    cluster_of, stats = _cluster(
        spark, features, len(records), pairs, splink_model, cfg, (must_link, cannot_link)
    )
    timings["cluster_s"] = time.perf_counter() - t
    features.unpersist()
    model = {"engine": "spark", "splink": splink_model, "pinned": cfg.pinned_model is not None}
    return SparkRun(cluster_of, pairs, model, timings, stats)


def _cluster(
    spark: SparkSession,
    features: SparkFrame,
    n: int,
    pairs: pd.DataFrame,
    splink_model: Mapping[str, Any],
    cfg: MatchConfig,
    links: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
) -> tuple[pd.Series, dict[str, int]]:
    """``clustering.cluster`` on the match pairs, must-links and cannot-links: a component of
    three or more records with a conflicting pair inside is rebuilt from its strongest links;
    the match pairs it refuses become ``conflict`` (``pairs`` is updated)."""
    from hotpass_assets.lib.matching.clustering import cluster
    from hotpass_assets.lib.matching.spark_conflicts import SparkEvidence

    m_idx = np.flatnonzero((pairs["decision"] == "match").to_numpy())
    evidence = SparkEvidence(spark, features, splink_model, cfg)
    res = cluster(
        n,
        pairs["unique_id_l"].to_numpy(dtype=np.int64)[m_idx],
        pairs["unique_id_r"].to_numpy(dtype=np.int64)[m_idx],
        pairs["match_probability"].to_numpy(dtype=float)[m_idx],
        must_link=links[0],
        cannot_link=links[1],
        score_pairs=evidence,
        conflict_weight=cfg.conflict_weight,
        max_cluster_size=cfg.max_cluster_size,
    )
    refused = m_idx[res.refused_edges]
    pairs.loc[pairs.index[refused], "decision"] = "conflict"
    stats = {
        "conflict_pairs": len(refused),
        "components_rebuilt": int(res.stats.get("components_rebuilt", 0)),
        "within_cluster_pairs_scored": evidence.pairs_scored,
        "refused_must_links": len(res.refused_must_links),
    }
    return pd.Series(res.labels), stats


def _apply_links(
    spark: SparkSession,
    decided: SparkFrame,
    must_link: tuple[np.ndarray, np.ndarray],
    cannot_link: tuple[np.ndarray, np.ndarray],
) -> SparkFrame:
    """Reviewers' cannot-links take their pairs out of the decisions; must-links (and capture
    links) join the matches."""
    from pyspark.sql import functions as F

    def frame(pairs: tuple[np.ndarray, np.ndarray]) -> SparkFrame:
        a, b = (np.asarray(x, dtype=np.int64) for x in pairs)
        rows = pd.DataFrame({"unique_id_l": np.minimum(a, b), "unique_id_r": np.maximum(a, b)})
        schema = "unique_id_l long, unique_id_r long"
        return spark.createDataFrame(rows, schema=schema).distinct()

    out = decided
    if len(cannot_link[0]):
        out = out.join(frame(cannot_link), ["unique_id_l", "unique_id_r"], "left_anti")
    if len(must_link[0]):
        links = frame(must_link).withColumn("decision", F.lit("must_link"))
        out = out.join(
            links.withColumnRenamed("decision", "_ml"), ["unique_id_l", "unique_id_r"], "full"
        )
        out = out.withColumn("decision", F.coalesce("_ml", "decision")).drop("_ml")
        out = out.withColumn("merge_level", F.coalesce("merge_level", F.lit(False)))
    return out


# --- entry point -----------------------------------------------------------------------------

#: Linkage engines ``MatchConfig.engine`` (``HOTPASS_LINKAGE_ENGINE``) may name.
ENGINES = ("local", "spark")


def resolve_with_engine(
    records: pd.DataFrame,
    *,
    must_link: Iterable[tuple[str, str]] = (),
    cannot_link: Iterable[tuple[str, str]] = (),
    previous_ids: Mapping[str, str] | None = None,
    config: MatchConfig,
    spark: SparkSession | None = None,
) -> Resolution:
    """``resolve_organisations`` on the engine ``config.engine`` names."""
    if config.engine == "local":
        from hotpass_assets.lib.matching.organisations import resolve_organisations

        return resolve_organisations(
            records,
            must_link=must_link,
            cannot_link=cannot_link,
            previous_ids=previous_ids,
            config=config,
        )
    if config.engine != "spark":
        raise ValueError(
            f"HOTPASS_LINKAGE_ENGINE: unknown linkage engine {config.engine!r}; "
            f"known: {', '.join(ENGINES)}"
        )
    if spark is None:
        options = SparkOptions(config.spark_master, SparkOptions.parse_conf(config.spark_conf))
        spark = spark_session(options)
    return resolve_organisations_spark(
        spark,
        records,
        must_link=must_link,
        cannot_link=cannot_link,
        previous_ids=previous_ids,
        config=config,
    )


def _positions(
    pairs: Iterable[tuple[str, str]], pos: Mapping[str, int]
) -> tuple[tuple[np.ndarray, np.ndarray], int]:
    a, b, unknown = [], [], 0
    for x, y in pairs:
        i, j = pos.get(str(x)), pos.get(str(y))
        if i is None or j is None:
            unknown += 1
        elif i != j:
            a.append(i)
            b.append(j)
    return (np.array(a, dtype=np.int64), np.array(b, dtype=np.int64)), unknown


def resolve_organisations_spark(
    spark: SparkSession,
    records: pd.DataFrame,
    *,
    must_link: Iterable[tuple[str, str]] = (),
    cannot_link: Iterable[tuple[str, str]] = (),
    previous_ids: Mapping[str, str] | None = None,
    config: MatchConfig,
) -> Resolution:
    """As ``organisations.resolve_organisations``, the linkage on Spark: the same inputs, a
    ``Resolution`` of the same shape (``model`` holds Splink's model)."""
    from hotpass_assets.lib.matching.ids import entity_id_series
    from hotpass_assets.lib.matching.organisations import Resolution, checked_records, rank_review

    t0 = time.perf_counter()
    recs, ids, pos, ml = checked_records(records, must_link, config)
    ml_pos, ml_unknown = _positions(ml, pos)
    cl_pos, cl_unknown = _positions(cannot_link, pos)

    result = run_spark(spark, recs, config, ml_pos, cl_pos)
    t = time.perf_counter()
    id_arr = ids.to_numpy()
    labels = pd.Series(result.cluster_of.reindex(np.arange(len(recs))).to_numpy(), index=id_arr)
    entity_of, merge_log = entity_id_series(labels, previous_ids, prefix=config.id_prefix)
    entity_of.name = "entity_id"
    entity_of.index.name = "record_id"
    matches, review, kept_apart = _pair_tables(result.pairs, id_arr, entity_of, config)
    review, backlog = rank_review(review, entity_of, config.review_share, config.review_min)
    result.timings["ids_s"] = time.perf_counter() - t

    n_ent = int(entity_of.nunique())
    stats: dict[str, Any] = {
        "engine": "spark",
        "input_records": len(recs),
        "entities": n_ent,
        "merge_rate": 1.0 - n_ent / len(recs) if len(recs) else 0.0,
        "match_pairs": len(matches),
        "review_size": len(review),
        "review_pairs": int((review["decision"] == "review").sum()),
        "review_backlog_pairs": backlog,
        "kept_apart_pairs": len(kept_apart),
        **result.stats,
        "must_links": len(ml_pos[0]),
        "cannot_links": len(cl_pos[0]),
        "unknown_link_ids": ml_unknown + cl_unknown,
        "merged_ids": int((merge_log["event"] == "merge").sum()) if len(merge_log) else 0,
        "split_ids": int((merge_log["event"] == "split").sum()) if len(merge_log) else 0,
    }
    for k, v in result.timings.items():
        stats[f"runtime_{k}"] = round(v, 4)
    stats["runtime_total_s"] = round(time.perf_counter() - t0, 4)
    return Resolution(
        entity_of=entity_of,
        matches=matches,
        review=review,
        merge_log=merge_log,
        stats=stats,
        model=result.model,
        kept_apart=kept_apart,
    )


def _pair_tables(
    pairs: pd.DataFrame, id_arr: np.ndarray, entity_of: pd.Series, cfg: MatchConfig
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Matches, review and kept-apart pairs in ``organisations.PAIR_COLUMNS``."""
    from hotpass_assets.lib.matching.organisations import PAIR_COLUMNS, _apart_reasons

    left = id_arr[pairs["unique_id_l"].to_numpy(dtype=np.int64)]
    right = id_arr[pairs["unique_id_r"].to_numpy(dtype=np.int64)]
    out = pd.DataFrame({"left_record_id": left, "right_record_id": right})
    prob = pairs["match_probability"].astype(float)
    out["match_weight"] = np.round(pairs["match_weight"].astype(float).to_numpy(), 4)
    out["match_probability"] = prob.to_numpy()
    out["decision"] = pairs["decision"].fillna("").to_numpy()
    w_total = np.zeros(len(pairs))
    for comp, labels in level_labels().items():
        gamma = pairs[f"gamma_{comp}"].fillna(-1).astype(int).to_numpy()
        names = np.array(["missing", *labels[::-1]], dtype=object)  # gamma -1, 0, 1, ...
        out[f"cmp_{comp}"] = names[gamma + 1]
        w = pairs[f"mw_{comp}"].astype(float).fillna(0.0).to_numpy()
        if f"mw_tf_adj_{comp}" in pairs.columns:
            w = w + pairs[f"mw_tf_adj_{comp}"].astype(float).fillna(0.0).to_numpy()
        out[f"w_{comp}"] = np.round(w, 4)
        w_total += w
    out["w_prior"] = np.round(out["match_weight"].to_numpy() - w_total, 4)
    out = out[list(PAIR_COLUMNS)]
    same = (
        out["left_record_id"].map(entity_of) == out["right_record_id"].map(entity_of)
    ).to_numpy()
    merged = out["decision"].isin(["match", "must_link"]).to_numpy()
    matches = out[merged].sort_values(["left_record_id", "right_record_id"], kind="stable")
    matches = matches.reset_index(drop=True)
    matches.insert(2, "entity_id", matches["left_record_id"].map(entity_of))
    review = out[out["decision"].isin(["review", "conflict"]).to_numpy() & ~same]
    review = review.reset_index(drop=True)
    apart = pairs["merge_level"].fillna(False).astype(bool).to_numpy() & ~same
    kept_apart = out[apart].reset_index(drop=True)
    kept_apart.insert(2, "reason", _apart_reasons(kept_apart, cfg))
    return matches, review, kept_apart
