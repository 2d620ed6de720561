"""Lead-score model: positive-unlabelled training, held-out evaluation and deterministic scoring.

Method (Elkan & Noto, 2008, "Learning classifiers from only positive and unlabeled data")
-----------------------------------------------------------------------------------------
Customers are the only labelled class; every other organisation is *unlabelled*, a mix of
non-customers and customers whose orders are not in the data. A "non-traditional" classifier
``g(x) = P(labelled | x)`` is trained with unlabelled rows as the negative class. Under the
*selected completely at random* (SCAR) assumption, ``P(labelled | customer, x)`` is a constant
``c`` (the label frequency) and ``P(customer | x) = g(x) / c``. ``c`` is estimated as the mean
out-of-fold ``g`` over the labelled training rows (estimator e1 of the paper).

* Under SCAR, ``g`` is ``c`` times the customer probability, so ranking by ``g`` is ranking by
  ``P(customer | x)``. ``lead_score`` is ``g`` itself: the probability of being a *recorded*
  customer, which the held-out calibration plot can check. The corrected ``g / c`` is not
  published as the score: the e1 estimate of ``c`` assumes ``g`` separates customers cleanly,
  which tens of positives and weak features do not give. On the synthetic snapshot, where the
  truth is known (c = 0.73), e1 gave 0.17-0.29, so ``g / c`` would saturate at 1 for 14-17% of
  all organisations. ``c`` and the implied share of customers are reported as diagnostics.
* SCAR is an assumption, not a fact: customers whose orders were recorded may differ from other
  customers (e.g. recent accounts). Where it fails, the model learns "looks like a recorded
  customer", and ``c`` (hence the scale of ``lead_score``) is biased; the order is still useful.
* Labels are only observable for organisations listed by a source that records orders (a
  profile kind mapping order evidence: the Contact Database), so training (and the held-out
  evaluation) is restricted to that population; scoring covers every organisation.
* The estimator is a standardised L2 logistic regression: it trains in milliseconds on a few
  thousand rows, suits tens of positives, and gives cheap per-row explanations
  (``coef * value / scale``, relative to the all-absent profile, since every feature is 0 when
  absent).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hotpass_assets.lib.inert import write_csv
from hotpass_assets.lib.scoring.baseline import baseline_score
from hotpass_assets.lib.scoring.features import (
    FeatureSpec,
    as_date,
    build_features,
    fit_feature_spec,
    labels,
    order_source_member,
    snapshot_as_of,
)
from hotpass_assets.lib.scoring.metrics import ranking_metrics
from hotpass_assets.lib.scoring.sources import order_families

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

PU_METHOD = "elkan_noto_e1"
#: Training populations: organisations listed by a source where orders are observed (see
#: :mod:`.sources`; ``contact_db`` is its earlier name), or all organisations.
OBSERVED = "order_sources"
POPULATIONS: tuple[str, ...] = (OBSERVED, "contact_db", "all")
SCORE_COLUMNS: tuple[str, ...] = ("entity_id", "lead_score", "rank", "top_features")


class InsufficientLabelsError(ValueError):
    """The snapshot has too few labelled customers (or unlabelled rows) to train and evaluate."""


@dataclass
class LeadScoringModel:
    """A fitted lead-score model: feature vocabulary, sklearn pipeline and label frequency."""

    pipeline: Any
    spec: FeatureSpec
    label_frequency: float
    seed: int
    trained_as_of: date

    @property
    def feature_names(self) -> tuple[str, ...]:
        return self.spec.feature_names

    def features(self, df: pd.DataFrame, as_of: date | None = None) -> pd.DataFrame:
        return build_features(df, as_of or snapshot_as_of(df), self.spec)

    def raw_scores(self, features: pd.DataFrame) -> np.ndarray:
        """``g(x) = P(labelled | x)`` per row of a feature frame."""
        frame = features.reindex(columns=list(self.feature_names), fill_value=0.0)
        raw: np.ndarray = self.pipeline.predict_proba(frame)[:, 1]
        return raw

    def lead_scores(self, raw: np.ndarray) -> np.ndarray:
        """The published score: ``g(x)``, the probability of being a recorded customer."""
        clipped: np.ndarray = np.clip(np.asarray(raw, dtype=float), 0.0, 1.0)
        return clipped

    def corrected_probability(self, raw: np.ndarray) -> np.ndarray:
        """Elkan–Noto ``min(1, g / c)``: a diagnostic, only as good as the estimate of ``c``."""
        return np.clip(np.asarray(raw, dtype=float) / self.label_frequency, 0.0, 1.0)

    def contributions(self, features: pd.DataFrame) -> pd.DataFrame:
        """Per-row logit contribution of each feature relative to the all-zero profile."""
        frame = features.reindex(columns=list(self.feature_names), fill_value=0.0)
        scaler = self.pipeline.named_steps["scale"]
        clf = self.pipeline.named_steps["clf"]
        weights = clf.coef_[0] / scaler.scale_
        return pd.DataFrame(frame.to_numpy() * weights, index=frame.index, columns=frame.columns)

    def coefficients(self) -> pd.Series:
        """Logit change per unit of each raw feature."""
        scaler = self.pipeline.named_steps["scale"]
        clf = self.pipeline.named_steps["clf"]
        return pd.Series(clf.coef_[0] / scaler.scale_, index=list(self.feature_names))


@dataclass
class TrainingResult:
    """Everything a training run produced. Metrics are on held-out rows only."""

    model: LeadScoringModel
    metrics: dict[str, float]
    baseline_metrics: dict[str, float]
    params: dict[str, Any]
    label_counts: dict[str, int]
    artifacts: dict[str, Path]
    evaluation_ids: list[str]
    importances: pd.DataFrame = field(repr=False)


def _pipeline(c_reg: float, seed: int) -> Pipeline:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline(
        [
            ("scale", StandardScaler()),
            ("clf", LogisticRegression(C=c_reg, max_iter=2000, random_state=seed)),
        ]
    )


def _estimate_label_frequency(
    pipeline: Pipeline, X: pd.DataFrame, y: np.ndarray, seed: int
) -> float:
    """Elkan–Noto e1: mean out-of-fold P(labelled | x) over the labelled rows."""
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    folds = int(min(5, y.sum(), len(y) - y.sum()))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    oof = cross_val_predict(clone(pipeline), X, y, cv=cv, method="predict_proba")[:, 1]
    return float(np.clip(oof[y == 1].mean(), 1e-3, 1.0))


def stable_split(
    entity_ids: Iterable[object], y: np.ndarray, *, test_size: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Stratified train / held-out split keyed on a hash of (seed, entity id).

    Within each class, the organisations with the smallest hashes are held out
    (``round(test_size * class size)``, at least one). The split does not depend on row order,
    and an organisation keeps its side across snapshots as long as its label and the population
    stay similar, so a champion re-scored on a later candidate's held-out rows has, for the most
    part, not been trained on them. Returns sorted positional indices (train, test).
    """
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be between 0 and 1, not {test_size}")
    keys = np.array(
        [
            int.from_bytes(hashlib.sha256(f"{seed}:{e}".encode()).digest()[:8], "big")
            for e in entity_ids
        ],
        dtype=np.uint64,
    )
    y = np.asarray(y)
    test = np.zeros(len(y), dtype=bool)
    for cls in np.unique(y):
        members = np.flatnonzero(y == cls)
        n_test = max(1, round(test_size * len(members)))
        test[members[np.argsort(keys[members], kind="stable")[:n_test]]] = True
    return np.flatnonzero(~test), np.flatnonzero(test)


def _interaction_equals_order_date(df: pd.DataFrame) -> int:
    """Leakage diagnostic: organisations whose last interaction date is their last order date.

    Recency is a feature; if refinement ever takes order dates as interaction dates, recency
    would carry the label. A count near the number of customers with order dates means it does.
    """
    return sum(
        1
        for touched, ordered in zip(df["last_interaction_date"], df["last_order_date"], strict=True)
        if as_date(ordered) is not None and as_date(touched) == as_date(ordered)
    )


def _training_population(
    df: pd.DataFrame, y: np.ndarray, population: str, min_unlabelled: int
) -> tuple[np.ndarray, str]:
    if population == "all":
        return np.ones(len(df), dtype=bool), "all organisations"
    if population not in POPULATIONS:
        raise ValueError(f"population must be one of {', '.join(POPULATIONS)}, not {population!r}")
    members = f"members of {', '.join(sorted(order_families())) or 'no source'}"
    mask = order_source_member(df).to_numpy() | (y == 1)
    if int((mask & (y == 0)).sum()) < min_unlabelled:
        return np.ones(len(df), dtype=bool), f"all organisations: too few unlabelled {members}"
    return mask, f"{members}, where orders are observable"


def train(
    df: pd.DataFrame,
    *,
    seed: int = 42,
    test_size: float = 0.3,
    k: int = 20,
    artifacts_dir: Path | str | None = None,
    regularisation_c: float = 0.5,
    min_positives: int = 10,
    min_test_positives: int = 3,
    min_unlabelled: int = 10,
    min_level_count: int = 5,
    recency_cap_days: int = 1095,
    population: str = OBSERVED,
    permutation_repeats: int = 10,
) -> TrainingResult:
    """Train the lead-score model on a refined organisations snapshot and evaluate it.

    A stratified, hash-keyed split (:func:`stable_split` with ``test_size`` and ``seed``) holds
    out rows of the training population; the model and the fixed formula are both evaluated on
    exactly those rows (``evaluation_ids``).
    Raises :class:`InsufficientLabelsError` when positives or unlabelled rows are too few.

    BLAS runs single-threaded during training: on a few hundred rows thread start-up and
    contention cost far more than the arithmetic (tens of times slower on a busy host).
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _train(
            df,
            seed=seed,
            test_size=test_size,
            k=k,
            artifacts_dir=artifacts_dir,
            regularisation_c=regularisation_c,
            min_positives=min_positives,
            min_test_positives=min_test_positives,
            min_unlabelled=min_unlabelled,
            min_level_count=min_level_count,
            recency_cap_days=recency_cap_days,
            population=population,
            permutation_repeats=permutation_repeats,
        )


@dataclass
class _Split:
    """The snapshot in entity-id order, the training population and its held-out split."""

    frame: pd.DataFrame
    pop: pd.DataFrame
    y: np.ndarray
    idx_train: np.ndarray
    idx_test: np.ndarray
    population_note: str

    def label_counts(self) -> dict[str, int]:
        y_train, y_test = self.y[self.idx_train], self.y[self.idx_test]
        return {
            "snapshot_rows": len(self.frame),
            "training_population": len(self.pop),
            "outside_population": len(self.frame) - len(self.pop),
            "positives": int(self.y.sum()),
            "unlabelled": int(len(self.y) - self.y.sum()),
            "train_size": len(self.idx_train),
            "test_size": len(self.idx_test),
            "train_positives": int(y_train.sum()),
            "test_positives": int(y_test.sum()),
        }


def _split(
    df: pd.DataFrame,
    *,
    seed: int,
    test_size: float,
    population: str,
    min_positives: int,
    min_test_positives: int,
    min_unlabelled: int,
) -> _Split:
    # Row order never matters: rows are put in entity-id order first.
    frame = (
        df.assign(_key=df["entity_id"].astype(str))
        .sort_values("_key", kind="mergesort")
        .drop(columns="_key")
        .reset_index(drop=True)
    )
    y_all = labels(frame).to_numpy()
    mask, population_note = _training_population(frame, y_all, population, min_unlabelled)
    pop = frame[mask].reset_index(drop=True)
    y = y_all[mask]
    n_pos, n_unl = int(y.sum()), int(len(y) - y.sum())
    if n_pos < min_positives or n_unl < min_unlabelled:
        raise InsufficientLabelsError(
            f"lead-score training needs at least {min_positives} customers and {min_unlabelled} "
            f"unlabelled organisations in the training population ({population_note}); found "
            f"{n_pos} customers and {n_unl} unlabelled among {len(pop)} organisations "
            f"({len(frame)} in the snapshot)"
        )
    idx_train, idx_test = stable_split(pop["entity_id"], y, test_size=test_size, seed=seed)
    y_train, y_test = y[idx_train], y[idx_test]
    if int(y_test.sum()) < min_test_positives or int(y_train.sum()) < min_test_positives:
        raise InsufficientLabelsError(
            f"the held-out split needs at least {min_test_positives} customers on each side; "
            f"got {int(y_train.sum())} in training and {int(y_test.sum())} held out "
            f"(of {n_pos} customers, test_size={test_size})"
        )
    return _Split(frame, pop, y, idx_train, idx_test, population_note)


def _hidden_customers(
    model: LeadScoringModel, X_train: pd.DataFrame, y_train: np.ndarray
) -> tuple[float, float]:
    """Estimated hidden customers among the unlabelled training rows, and the class prior."""
    c = model.label_frequency
    unl = model.raw_scores(X_train)[y_train == 0]
    weights = np.clip((1 - c) / c * unl / np.clip(1 - unl, 1e-9, None), 0, 1)
    hidden = float(weights.sum())
    return hidden, (int(y_train.sum()) + hidden) / len(y_train)


def _importances(
    model: LeadScoringModel, X_test: pd.DataFrame, y_test: np.ndarray, seed: int, repeats: int
) -> pd.DataFrame:
    from sklearn.inspection import permutation_importance

    perm = permutation_importance(
        model.pipeline,
        X_test,
        y_test,
        scoring="average_precision",
        n_repeats=repeats,
        random_state=seed,
    )
    return (
        pd.DataFrame(
            {
                "feature": list(model.spec.feature_names),
                "importance_mean": perm.importances_mean,
                "importance_std": perm.importances_std,
                "coefficient": model.coefficients().to_numpy(),
            }
        )
        .sort_values(["importance_mean", "feature"], ascending=[False, True], kind="mergesort")
        .reset_index(drop=True)
    )


def _write_artifacts(
    out: Path, y_test: np.ndarray, raw_test: np.ndarray, importances: pd.DataFrame
) -> dict[str, Path]:
    from hotpass_assets.lib.scoring.plots import calibration_plot, importance_plot

    out.mkdir(parents=True, exist_ok=True)
    artifacts = {
        "calibration_plot": calibration_plot(y_test, raw_test, out / "calibration.png"),
        "importances_csv": out / "feature_importances.csv",
        "importances_plot": importance_plot(importances, out / "feature_importances.png"),
        "metrics_json": out / "metrics.json",
    }
    write_csv(  # feature names carry category levels from the data: written inert
        artifacts["importances_csv"],
        [str(c) for c in importances.columns],
        importances.itertuples(index=False, name=None),
    )
    return artifacts


def _fit(
    spec: FeatureSpec,
    X_train: pd.DataFrame,
    y_train: np.ndarray,
    *,
    regularisation_c: float,
    seed: int,
    as_of: date,
) -> LeadScoringModel:
    pipeline = _pipeline(regularisation_c, seed)
    label_frequency = _estimate_label_frequency(pipeline, X_train, y_train, seed)
    pipeline.fit(X_train, y_train)
    return LeadScoringModel(
        pipeline=pipeline,
        spec=spec,
        label_frequency=label_frequency,
        seed=seed,
        trained_as_of=as_of,
    )


def _train(
    df: pd.DataFrame,
    *,
    seed: int,
    test_size: float,
    k: int,
    artifacts_dir: Path | str | None,
    regularisation_c: float,
    min_positives: int,
    min_test_positives: int,
    min_unlabelled: int,
    min_level_count: int,
    recency_cap_days: int,
    population: str,
    permutation_repeats: int,
) -> TrainingResult:
    as_of = snapshot_as_of(df)
    split = _split(
        df,
        seed=seed,
        test_size=test_size,
        population=population,
        min_positives=min_positives,
        min_test_positives=min_test_positives,
        min_unlabelled=min_unlabelled,
    )
    y_train, y_test = split.y[split.idx_train], split.y[split.idx_test]
    train_df, test_df = split.pop.iloc[split.idx_train], split.pop.iloc[split.idx_test]
    spec = fit_feature_spec(
        train_df, min_level_count=min_level_count, recency_cap_days=recency_cap_days
    )
    X_train = build_features(train_df, as_of, spec)
    X_test = build_features(test_df, as_of, spec)

    model = _fit(spec, X_train, y_train, regularisation_c=regularisation_c, seed=seed, as_of=as_of)
    raw_test = model.raw_scores(X_test)
    metrics = ranking_metrics(y_test, raw_test, k)
    baseline_metrics = ranking_metrics(y_test, baseline_score(test_df).to_numpy(), k)
    hidden, prior = _hidden_customers(model, X_train, y_train)

    out = Path(artifacts_dir) if artifacts_dir else Path(tempfile.mkdtemp(prefix="hotpass-lead-"))
    importances = _importances(model, X_test, y_test, seed, permutation_repeats)
    artifacts = _write_artifacts(out, y_test, raw_test, importances)
    label_counts = split.label_counts()
    params: dict[str, Any] = {
        "estimator": "StandardScaler+LogisticRegression(l2)",
        "regularisation_c": regularisation_c,
        "pu_method": PU_METHOD,
        "label_frequency_c": round(model.label_frequency, 6),
        "estimated_class_prior": round(prior, 6),
        "estimated_hidden_customers_train": round(hidden, 3),
        "seed": seed,
        "test_size": test_size,
        "k": k,
        "population": population,
        "population_used": split.population_note,
        "min_level_count": min_level_count,
        "recency_cap_days": recency_cap_days,
        "n_features": len(spec.feature_names),
        "as_of": as_of.isoformat(),
        "permutation_repeats": permutation_repeats,
        "interaction_equals_order_date": _interaction_equals_order_date(split.pop),
    }
    summary: dict[str, object] = {"metrics": metrics, "baseline_metrics": baseline_metrics}
    summary |= {"label_counts": label_counts, "params": params}
    artifacts["metrics_json"].write_text(
        json.dumps(summary, indent=2, sort_keys=True, default=str), encoding="utf-8"
    )
    return TrainingResult(
        model=model,
        metrics=metrics,
        baseline_metrics=baseline_metrics,
        params=params,
        label_counts=label_counts,
        artifacts=artifacts,
        evaluation_ids=[str(e) for e in test_df["entity_id"]],
        importances=importances,
    )


def _top_features(contrib: pd.DataFrame, n: int = 3) -> list[str]:
    names = np.asarray(contrib.columns)
    order_names = np.argsort(names, kind="stable")
    out = []
    values = contrib.to_numpy()
    for row in values:
        # Sort by contribution (descending), ties by feature name: deterministic.
        ranked = order_names[np.argsort(-row[order_names], kind="stable")]
        top = [str(names[j]) for j in ranked[:n] if row[j] > 1e-12]
        out.append("; ".join(top))
    return out


def score(model: LeadScoringModel, df: pd.DataFrame, *, as_of: date | None = None) -> pd.DataFrame:
    """Score every organisation: ``entity_id, lead_score, rank, top_features`` (rank 1 = best).

    ``top_features`` names up to three features that raise the row's score the most (positive
    logit contributions), separated by ``"; "``. Deterministic: ties in score rank by entity id.
    """
    if df.empty:
        return pd.DataFrame(columns=list(SCORE_COLUMNS))
    X = model.features(df, as_of)
    raw = model.raw_scores(X)
    out = pd.DataFrame(
        {
            "entity_id": list(X.index),
            "lead_score": model.lead_scores(raw),
            "raw": raw,
            "top_features": _top_features(model.contributions(X)),
        }
    )
    out = out.sort_values(["raw", "entity_id"], ascending=[False, True], kind="mergesort")
    out["rank"] = np.arange(1, len(out) + 1)
    return out[list(SCORE_COLUMNS)].reset_index(drop=True)


def _rows(df: pd.DataFrame, entity_ids: Iterable[object]) -> pd.DataFrame:
    wanted = [str(e) for e in entity_ids]
    keyed = df.assign(_key=df["entity_id"].astype(str)).drop_duplicates("_key")
    missing = set(wanted) - set(keyed["_key"])
    if missing:
        raise KeyError(f"{len(missing)} evaluation entity ids are not in the snapshot")
    return keyed.set_index("_key").loc[wanted].reset_index(drop=True)


def evaluate_model(
    model: LeadScoringModel, df: pd.DataFrame, entity_ids: Iterable[object], *, k: int = 20
) -> dict[str, float]:
    """Ranking metrics of ``model`` on the rows of ``df`` named by ``entity_ids``.

    Use it to re-score a champion on a candidate's ``evaluation_ids`` so the promotion gate
    compares both on the same rows and labels. Recency is computed as of ``df``'s snapshot date.
    """
    rows = _rows(df, entity_ids)
    raw = model.raw_scores(model.features(rows, snapshot_as_of(df)))
    return ranking_metrics(labels(rows).to_numpy(), raw, k)


def evaluate_baseline(
    df: pd.DataFrame, entity_ids: Iterable[object], *, k: int = 20
) -> dict[str, float]:
    """Ranking metrics of the fixed formula on the rows named by ``entity_ids``."""
    rows = _rows(df, entity_ids)
    return ranking_metrics(labels(rows).to_numpy(), baseline_score(rows).to_numpy(), k)
