"""Checks of `lead_score_model`: the model step's training, promotion gate and comparison with
the fixed formula.

Their outcomes come from the training run and the model registry, so the model asset builds
them itself (``hotpass_assets.defs.scoring``); they are declared here with the other checks.
"""

from __future__ import annotations

from hotpass_assets.lib.contracts.checks.registry import W, declare

MODEL_DATASET = "lead_score_model"

TRAINED_CHECK = declare(
    MODEL_DATASET,
    "model_trained",
    W,
    "A model was trained on the snapshot. When there are too few labels (customers and "
    "unlabelled organisations) it reports 'not trained: <reason>' and the snapshot still "
    "publishes: scores and the call list come from the champion, else from the fixed formula.",
)
GATE_CHECK = declare(
    MODEL_DATASET,
    "promotion_gate",
    W,
    "The candidate clears the configured metric minimums and is not worse than the champion on "
    "the same held-out rows; otherwise the old champion stays.",
)
BASELINE_CHECK = declare(
    MODEL_DATASET,
    "beats_fixed_formula",
    W,
    "The model's held-out average precision is at least the earlier fixed formula's.",
)
