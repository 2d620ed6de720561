"""Ranking metrics on positive-unlabelled labels.

Unlabelled organisations are counted as negatives, so every figure here is a lower bound of the
metric against true customer status: an unlabelled organisation ranked high may be a customer
whose orders are not in the data. The bias is the same for every scorer evaluated on the same
rows, so comparisons between scorers (model, champion, fixed formula) stay fair.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike


def precision_at_k(labels: np.ndarray, scores: np.ndarray, k: int) -> float:
    """Share of positives among the ``k`` highest scores, tie-aware.

    Rows tied with the k-th score share the remaining places: their positives count
    proportionally, which is the expectation under a random tie-break and does not depend on
    row order. Formula scores with many ties are therefore neither favoured nor penalised.
    """
    labels = np.asarray(labels, dtype=float)
    scores = np.asarray(scores, dtype=float)
    k = min(int(k), len(scores))
    if k <= 0:
        return math.nan
    threshold = np.sort(scores)[::-1][k - 1]
    above = scores > threshold
    tied = scores == threshold
    needed = k - int(above.sum())
    expected = labels[above].sum() + needed * labels[tied].sum() / tied.sum()
    return float(expected / k)


def ranking_metrics(labels: ArrayLike, scores: ArrayLike, k: int) -> dict[str, float]:
    """ROC-AUC, average precision and precision@k, with the evaluation's size and base rate.

    Returns NaN for ROC-AUC and average precision when the rows hold a single class.
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    y = np.asarray(labels, dtype=int)
    s = np.asarray(scores, dtype=float)
    n = len(y)
    n_pos = int(y.sum())
    both = 0 < n_pos < n
    positive_rate = n_pos / n if n else math.nan
    ap = float(average_precision_score(y, s)) if both else math.nan
    return {
        "roc_auc": float(roc_auc_score(y, s)) if both else math.nan,
        "average_precision": ap,
        "precision_at_k": precision_at_k(y, s, k) if n else math.nan,
        "k": float(min(k, n)),
        "positive_rate": positive_rate,
        "average_precision_lift": ap / positive_rate if both else math.nan,
        "n_evaluated": float(n),
        "n_positive_evaluated": float(n_pos),
    }
