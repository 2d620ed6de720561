"""Lead scoring: features, positive-unlabelled model, fixed-formula baseline, promotion gate,
model card and call list. Pure library code; scikit-learn, matplotlib and xlsxwriter are imported
only when a function needs them.
"""

from hotpass_assets.lib.inert import neutralise
from hotpass_assets.lib.scoring.baseline import baseline_components, baseline_score
from hotpass_assets.lib.scoring.calllist import (
    CALL_LIST_COLUMNS,
    build_call_list,
    write_call_list,
)
from hotpass_assets.lib.scoring.card import render_model_card
from hotpass_assets.lib.scoring.features import (
    FEATURE_DESCRIPTIONS,
    LEAKAGE_COLUMNS,
    FeatureSpec,
    build_features,
    fit_feature_spec,
)
from hotpass_assets.lib.scoring.gate import DEFAULT_MINIMUMS, GateDecision, evaluate_gate
from hotpass_assets.lib.scoring.metrics import precision_at_k, ranking_metrics
from hotpass_assets.lib.scoring.model import (
    SCORE_COLUMNS,
    InsufficientLabelsError,
    LeadScoringModel,
    TrainingResult,
    evaluate_baseline,
    evaluate_model,
    score,
    train,
)
from hotpass_assets.lib.scoring.synthetic import synthetic_snapshot

__all__ = [
    "CALL_LIST_COLUMNS",
    "DEFAULT_MINIMUMS",
    "FEATURE_DESCRIPTIONS",
    "LEAKAGE_COLUMNS",
    "SCORE_COLUMNS",
    "FeatureSpec",
    "GateDecision",
    "InsufficientLabelsError",
    "LeadScoringModel",
    "TrainingResult",
    "baseline_components",
    "baseline_score",
    "build_call_list",
    "build_features",
    "evaluate_baseline",
    "evaluate_gate",
    "evaluate_model",
    "fit_feature_spec",
    "neutralise",
    "precision_at_k",
    "ranking_metrics",
    "render_model_card",
    "score",
    "synthetic_snapshot",
    "train",
    "write_call_list",
]
