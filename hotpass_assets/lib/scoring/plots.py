"""Training artifacts drawn with matplotlib's Agg canvas (no pyplot global state, no display).

The plots carry feature names and aggregate figures only; never organisation or contact values.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110)
    FigureCanvasAgg(fig)
    return fig


def calibration_plot(labels: np.ndarray, raw_scores: np.ndarray, path: Path) -> Path:
    """Reliability diagram of the lead score, P(recorded customer | x), on held-out rows, and
    score histograms by label. Only recorded status is observable, so this is what can be
    checked; unrecorded customers among the unlabelled rows pull the observed share down.
    """
    from sklearn.calibration import calibration_curve

    labels = np.asarray(labels, dtype=int)
    raw_scores = np.asarray(raw_scores, dtype=float)
    n_bins = int(max(2, min(8, labels.sum() // 2)))
    observed, predicted = calibration_curve(labels, raw_scores, n_bins=n_bins, strategy="quantile")
    fig = _figure(10, 4.2)
    left, right = fig.subplots(1, 2)
    left.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated")
    left.plot(predicted, observed, marker="o", label="lead score, held-out")
    left.set_xlabel("mean lead score in bin")
    left.set_ylabel("observed share labelled customer")
    left.set_title(f"Calibration ({n_bins} quantile bins)")
    left.legend(loc="upper left", fontsize=8)
    bins = np.linspace(0, max(raw_scores.max(), 1e-6), 20)
    right.hist(raw_scores[labels == 0], bins=bins, alpha=0.6, label="unlabelled")
    right.hist(raw_scores[labels == 1], bins=bins, alpha=0.6, label="customer")
    right.set_xlabel("lead score")
    right.set_ylabel("organisations")
    right.set_title("Held-out score distribution")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    return path


def importance_plot(importances: pd.DataFrame, path: Path, top: int = 20) -> Path:
    """Horizontal bar chart of permutation importances (mean with std error bars)."""
    data = importances.head(top).iloc[::-1]
    fig = _figure(8, max(3.0, 0.3 * len(data) + 1.2))
    ax = fig.subplots()
    ax.barh(data["feature"], data["importance_mean"], xerr=data["importance_std"], color="#4C72B0")
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_xlabel("drop in held-out average precision when permuted")
    ax.set_title(f"Permutation importance (top {len(data)})")
    ax.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    fig.savefig(path)
    return path
