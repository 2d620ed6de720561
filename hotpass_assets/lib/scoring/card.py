"""Model card of a lead-score training run, as Markdown.

The card carries counts, metrics, parameters and feature names only: no organisation names,
contact names, e-mail addresses or phone numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from hotpass_assets.lib.scoring.baseline import WEIGHTS
from hotpass_assets.lib.scoring.features import LEAKAGE_COLUMNS, describe_feature
from hotpass_assets.lib.scoring.gate import GateDecision
from hotpass_assets.lib.scoring.model import TrainingResult

_METRIC_ROWS = (
    ("roc_auc", "ROC-AUC"),
    ("average_precision", "Average precision"),
    ("precision_at_k", "Precision@k"),
    ("average_precision_lift", "Average precision / positive rate"),
)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return "n/a" if not math.isfinite(value) else f"{value:.4f}"
    return str(value)


def _cell(value: object) -> str:
    return _fmt(value).replace("|", "\\|").replace("\n", " ")


def _details(params: Mapping[str, Any], version_info: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    lines += ["## Model details", "", "| field | value |", "| --- | --- |"]
    for key in sorted(version_info):
        lines.append(f"| {_cell(key)} | {_cell(version_info[key])} |")
    for key in ("estimator", "regularisation_c", "pu_method", "seed", "as_of", "n_features"):
        if key in params:
            lines.append(f"| {key} | {_cell(params[key])} |")
    lines.append("")
    return lines


def _method(params: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    c = float(params.get("label_frequency_c", float("nan")))
    lines += [
        "## Intended use",
        "",
        "Rank South African aviation organisations (flight schools, maintenance organisations, "
        "brokers, insurers, ...) in the refined Hotpass snapshot by how much they resemble "
        "organisations that have ordered before, to decide who the sales team calls next. The "
        "score supports a human decision; it is not a credit, eligibility or pricing decision and "
        "is not meant for individuals: it scores organisations.",
        "",
        "## Label definition",
        "",
        "An organisation is a **customer** (positive) when the Contact Database shows an order for "
        "it: an order-history row for its accounting name, a last order date, or the CRM status "
        "'Last Order'. Every other organisation is **unlabelled**, not negative: it may be a "
        "customer whose orders are not recorded.",
        "",
        "## Positive-unlabelled method and its bias",
        "",
        "Elkan & Noto (2008): a classifier of *labelled vs unlabelled* `g(x)` is trained. Under "
        "the assumption that recorded customers are a random sample of all customers (SCAR), "
        "`g(x) = c * P(customer | x)` with `c` the label frequency, so ranking by `g` ranks by "
        "the customer probability. `lead_score` is `g`: the probability of being a *recorded* "
        "customer (its calibration on held-out rows is the calibration plot). The corrected "
        "`g / c` is only a diagnostic: `c` is estimated as the mean out-of-fold `g` over "
        f"labelled training rows (here c = {_fmt(c)}), an estimate that is biased low when "
        "customers are not cleanly separable, as with tens of positives.",
        "",
        "- If recorded customers differ from unrecorded ones (e.g. recent or large accounts are "
        "the ones in the accounting system), SCAR fails: the model learns *looks like a recorded "
        "customer*, and `c` and the score's scale are biased. The ranking is still the useful "
        "output; read `lead_score` as a relative score, not as the chance of a sale.",
        "- Orders are only observable for organisations in the Contact Database, so the model is "
        f"trained and evaluated on that population ({_cell(params.get('population_used', ''))}); "
        "it scores every organisation.",
        f"- Implied share of customers in the training population: "
        f"{_fmt(params.get('estimated_class_prior'))} (Elkan–Noto weighting with the estimated "
        "`c`; an upper-biased diagnostic when `c` is underestimated, not a forecast).",
        "",
    ]
    return lines


def _features(result: TrainingResult) -> list[str]:
    lines: list[str] = []
    params = result.params
    lines += ["## Features", "", "| feature | description |", "| --- | --- |"]
    for name in result.model.feature_names:
        lines.append(f"| `{name}` | {_cell(describe_feature(name))} |")
    lines += ["", "Excluded as label leakage:", ""]
    for name, why in LEAKAGE_COLUMNS.items():
        lines.append(f"- `{name}`: {why}")
    lines += [
        "- Contact Database membership: a precondition of the label (orders are only seen there); "
        "it describes how labels are observed, not who buys",
        "",
        "Leakage diagnostic: organisations in the training population whose last interaction "
        "date equals their last order date (recency would carry the label if refinement took "
        f"order dates as interactions): {_cell(params.get('interaction_equals_order_date', 'n/a'))}.",
        "",
    ]
    return lines


def _evaluation(result: TrainingResult) -> list[str]:
    lines: list[str] = []
    params, counts = result.params, result.label_counts
    metrics, base = result.metrics, result.baseline_metrics
    k = int(metrics.get("k", params.get("k", 0)))
    lines += ["## Data", "", "| count | value |", "| --- | --- |"]
    for key, value in counts.items():
        lines.append(f"| {key} | {value} |")
    lines.append("")

    lines += [
        "## Evaluation",
        "",
        f"Held-out stratified split (test_size = {_fmt(params.get('test_size'))}, seed = "
        f"{_fmt(params.get('seed'))}); {int(metrics.get('n_evaluated', 0))} organisations, "
        f"{int(metrics.get('n_positive_evaluated', 0))} customers (positive rate "
        f"{_fmt(metrics.get('positive_rate'))}). Unlabelled organisations count as negatives, so "
        "every figure is a lower bound of the metric against true customer status; the bias is "
        "the same for the model and the fixed formula, which are scored on the same rows.",
        "",
        "| metric | model | fixed formula (baseline) |",
        "| --- | --- | --- |",
    ]
    for key, label in _METRIC_ROWS:
        shown = f"{label} (k = {k})" if key == "precision_at_k" else label
        lines.append(f"| {shown} | {_fmt(metrics.get(key))} | {_fmt(base.get(key))} |")
    weights = ", ".join(f"{name} {w:.2f}" for name, w in WEIGHTS.items())
    lines += [
        "",
        f"The fixed formula is the earlier implementation's score ({weights}; steep logistic); "
        "intent signals are not in the snapshot and count as 0.",
        "",
        "Artifacts: calibration plot, permutation importances (CSV and PNG) on the held-out rows.",
        "",
    ]
    top = result.importances.head(10)
    if len(top):
        lines += ["Top permutation importances (drop in held-out average precision):", ""]
        lines += ["| feature | importance | std |", "| --- | --- | --- |"]
        for rec in top.to_dict("records"):
            lines.append(
                f"| `{rec['feature']}` | {_fmt(float(rec['importance_mean']))} | "
                f"{_fmt(float(rec['importance_std']))} |"
            )
        lines.append("")
    return lines


def _promotion(gate: GateDecision | None) -> list[str]:
    lines: list[str] = []
    lines += ["## Promotion decision", ""]
    if gate is None:
        lines += ["Not evaluated.", ""]
    else:
        lines += [f"**{'Promoted' if gate.promote else 'Not promoted'}.**", ""]
        lines += [f"- {_cell(r)}" for r in gate.reasons]
        lines.append("")
    return lines


def _limitations_and_privacy() -> list[str]:
    lines: list[str] = []
    lines += [
        "## Limitations",
        "",
        "- Small data: a few hundred organisations and tens of customers; held-out metrics have "
        "wide confidence intervals and can move noticeably between snapshots and seeds.",
        "- PU labels: metrics and `lead_score` are biased as described above; unrecorded "
        "customers in the held-out set lower every metric.",
        "- Features describe how well an organisation is documented across the sources as much as "
        "what it is; a well-documented organisation can rank high for that reason alone.",
        "- Category and type come from free-text CRM columns with many gaps; rare levels are "
        "pooled.",
        "- Recency depends on interaction dates being recorded, which differs by source.",
        "",
        "## Privacy",
        "",
        "Contact data is personal information under POPIA. Organisation records are processed on "
        "the basis recorded in `privacy_basis` (default: legitimate interest, for B2B outreach). "
        "The model uses no names, e-mail addresses or phone numbers, only whether they are "
        "present and how many there are. This card, the plots and the importances carry counts, "
        "metrics and feature names only. The call list built from the scores contains contact "
        "details and is a restricted deliverable.",
        "",
    ]
    return lines


def render_model_card(
    result: TrainingResult, gate: GateDecision | None, version_info: Mapping[str, Any] | None
) -> str:
    """Markdown model card: use, label, PU method and its bias, features, data, metrics vs the
    fixed formula, promotion decision, limitations and privacy basis."""
    lines: list[str] = ["# Hotpass lead-score model card", ""]
    lines += _details(result.params, dict(version_info or {}))
    lines += _method(result.params)
    lines += _features(result)
    lines += _evaluation(result)
    lines += _promotion(gate)
    lines += _limitations_and_privacy()
    return "\n".join(lines)
