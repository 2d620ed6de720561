"""The cluster conflict check of the Spark linkage path (``spark``).

The default engine does not trust a chain of matches blindly: ``clustering.cluster`` scores
every pair inside a component of three or more records and, where two of them show strong
evidence of being different organisations (``MatchConfig.conflict_weight`` bits or less, or a
vetoed pair), rebuilds the component from its strongest links. The Spark path runs the same
``cluster`` on the driver; what it needs is the evidence of the within-component pairs that
were not candidate pairs. Those pairs (as many as the records of the checked components
allow: a few per record) are compared on Spark, by the comparison levels' own SQL
(``splink_levels.LEVELS``) on the feature table, and weighed here with the trained model's m
and u per level, as Splink weighs a pair without term frequencies.

The weighing is pure (``level_weights``, ``pair_evidence``); ``SparkEvidence`` is the wiring.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hotpass_assets.lib.matching.splink_levels import LEVELS, gamma_sql, veto_sql

if TYPE_CHECKING:
    from pyspark.sql import DataFrame as SparkFrame
    from pyspark.sql import SparkSession

    from hotpass_assets.lib.matching.organisations import MatchConfig


def level_weights(model: Mapping[str, Any]) -> dict[str, dict[int, float]]:
    """Comparison name -> {gamma: log2(m/u)} from a Splink model (``save_model_to_json``).

    The missing level weighs 0; a level without a trained m or u (never observed) weighs 0,
    neither for nor against."""
    out: dict[str, dict[int, float]] = {}
    for comp in model["comparisons"]:
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        weights = {-1: 0.0}
        for k, lv in enumerate(levels):
            m, u = lv.get("m_probability"), lv.get("u_probability")
            ok = m is not None and u is not None and m > 0 and u > 0
            weights[len(levels) - 1 - k] = math.log2(m / u) if ok else 0.0
        out[comp["output_column_name"]] = weights
    return out


def pair_evidence(gammas: pd.DataFrame, weights: Mapping[str, Mapping[int, float]]) -> np.ndarray:
    """Evidence in bits (no prior) of each row of ``gammas`` (``gamma_<comparison>`` columns and
    ``vetoed``); vetoed pairs are -inf, as in the default engine's check."""
    out = np.zeros(len(gammas))
    for name, _, _ in LEVELS:
        table = weights.get(name, {})
        gamma = gammas[f"gamma_{name}"].fillna(-1).astype(int)
        out += gamma.map(lambda g, t=table: t.get(int(g), 0.0)).to_numpy(dtype=float)
    out[gammas["vetoed"].fillna(False).astype(bool).to_numpy()] = -np.inf
    return out


def evidence_sql(cfg: MatchConfig, table: str) -> str:
    """SQL: the comparison levels and the veto of the pairs in ``table`` (feature columns
    suffixed ``_l`` and ``_r``)."""
    gammas = ",\n".join(f"{gamma_sql(name)} AS gamma_{name}" for name, _, _ in LEVELS)
    inner = f"SELECT unique_id_l, unique_id_r,\n{gammas}\nFROM {table}"
    return f"SELECT *, {veto_sql(cfg)} AS vetoed FROM ({inner})"


class SparkEvidence:
    """``score_pairs`` for ``clustering.cluster``: compares the given record pairs on Spark
    and weighs them on the driver."""

    def __init__(
        self, spark: SparkSession, features: SparkFrame, model: Mapping[str, Any], cfg: MatchConfig
    ):
        self.spark = spark
        self.features = features
        self.weights = level_weights(model)
        self.cfg = cfg
        self.pairs_scored = 0

    def _sides(self) -> tuple[SparkFrame, SparkFrame]:
        from pyspark.sql import functions as F

        cols = [c for c in self.features.columns if c != "unique_id"]
        return tuple(  # type: ignore[return-value]
            self.features.select(
                F.col("unique_id").alias(f"unique_id_{s}"),
                *(F.col(c).alias(f"{c}_{s}") for c in cols),
            )
            for s in ("l", "r")
        )

    def __call__(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        if not len(left):
            return np.zeros(0)
        rows = pd.DataFrame(
            {"unique_id_l": np.asarray(left, np.int64), "unique_id_r": np.asarray(right, np.int64)}
        )
        pairs = self.spark.createDataFrame(rows, schema="unique_id_l long, unique_id_r long")
        fl, fr = self._sides()
        pairs.join(fl, "unique_id_l").join(fr, "unique_id_r").createOrReplaceTempView(
            "hotpass_within_cluster_pairs"
        )
        sql = evidence_sql(self.cfg, "hotpass_within_cluster_pairs")
        gammas = self.spark.sql(sql).toPandas()
        self.spark.catalog.dropTempView("hotpass_within_cluster_pairs")
        self.pairs_scored += len(rows)
        # back in the order asked for
        scored = rows.merge(
            gammas.assign(_w=pair_evidence(gammas, self.weights))[
                ["unique_id_l", "unique_id_r", "_w"]
            ],
            on=["unique_id_l", "unique_id_r"],
            how="left",
        )
        return scored["_w"].fillna(0.0).to_numpy(dtype=float)
