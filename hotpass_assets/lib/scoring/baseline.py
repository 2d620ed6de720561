"""The earlier implementation's fixed lead-score formula, the baseline a model has to beat.

The earlier score was a weighted mean of five components in [0, 1], each clamped, divided by the
sum of the weights (1.0), then passed through a steep logistic centred on 0.5
(``1 / (1 + exp(-12 (v - 0.5)))``, with 0 mapped to 0 and 1 to 1):

============================  ======  ==========================================================
component                     weight  reading on the refined snapshot
============================  ======  ==========================================================
completeness                  0.30    share present of the primary contact's name, e-mail, phone
                                      and role (the earlier code used exactly these four fields)
email_confidence              0.25    confidence of the primary contact's e-mail: 0.75 for a
                                      well-formed address, 0.0 for a malformed one, 0.0 when
                                      there is none. The earlier validator gave 0.75 when an MX
                                      lookup found mail hosts and 0.35 when it did not; a pure
                                      pipeline makes no network lookups, so a well-formed address
                                      is read as deliverable.
phone_confidence              0.15    confidence of the primary contact's phone, as the earlier
                                      validator graded it with ``phonenumbers`` (region ZA): 0.85
                                      valid, 0.45 possible, 0.1 neither, 0.0 when there is none
source_priority               0.20    trust of the source that supplied the primary contact over
                                      the highest trust (the profiles' ``trust``: SACAA 3, Reachout
                                      2, Contact Database 1, so 1.0 / 0.67 / 0.33), 0.0 without a
                                      primary contact. The refined snapshot does not keep the
                                      contact's source, so the most trusted dataset listing the
                                      organisation stands in.
intent                        0.10    external intent signals (web mentions collected by the
                                      earlier implementation). The refined snapshot has none, so
                                      the component is 0.0; its weight stays in the denominator,
                                      as it did when no intent digest was available.
============================  ======  ==========================================================

The formula never saw the label; it is evaluated on the same held-out rows as the model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import pandas as pd

from hotpass_assets.lib.scoring.features import dataset_families, is_missing
from hotpass_assets.lib.scoring.sources import source_trust

WEIGHTS: Mapping[str, float] = {
    "completeness": 0.30,
    "email_confidence": 0.25,
    "phone_confidence": 0.15,
    "source_priority": 0.20,
    "intent": 0.10,
}
LOGISTIC_STEEPNESS = 12.0
EMAIL_CONFIDENCE_WELL_FORMED = 0.75
PHONE_CONFIDENCE = {"valid": 0.85, "possible": 0.45, "invalid": 0.1}
_EMAIL = re.compile(r"^[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}$", re.IGNORECASE)
_COMPLETENESS_FIELDS = (
    "primary_contact_name",
    "primary_contact_email",
    "primary_contact_phone",
    "primary_contact_role",
)


def logistic_scale(value: float) -> float:
    """Map [0, 1] onto [0, 1] with a steep logistic around 0.5 (0 and 1 are fixed points)."""
    value = max(0.0, min(1.0, float(value)))
    if value in (0.0, 1.0):
        return value
    return 1.0 / (1.0 + math.exp(-LOGISTIC_STEEPNESS * (value - 0.5)))


def email_confidence(value: object) -> float:
    if is_missing(value):
        return 0.0
    return EMAIL_CONFIDENCE_WELL_FORMED if _EMAIL.match(str(value).strip()) else 0.0


def phone_confidence(value: object, region: str = "ZA") -> float:
    if is_missing(value):
        return 0.0
    import phonenumbers

    try:
        parsed = phonenumbers.parse(str(value).strip(), region)
    except phonenumbers.NumberParseException:
        return 0.0
    if phonenumbers.is_valid_number(parsed):
        return PHONE_CONFIDENCE["valid"]
    if phonenumbers.is_possible_number(parsed):
        return PHONE_CONFIDENCE["possible"]
    return PHONE_CONFIDENCE["invalid"]


def source_priority(source_datasets: object, has_primary_contact: bool) -> float:
    if not has_primary_contact:
        return 0.0
    trust = source_trust()
    trusts = [trust.get(f, 0) for f in dataset_families(source_datasets)]
    return max(trusts, default=0) / max(trust.values(), default=1)


def baseline_components(df: pd.DataFrame) -> pd.DataFrame:
    """The five components per organisation, indexed by ``entity_id``."""
    rows = []
    for rec in df.to_dict("records"):
        present = [not is_missing(rec.get(f)) for f in _COMPLETENESS_FIELDS]
        has_contact = any(present[:3])
        rows.append(
            {
                "completeness": sum(present) / len(present),
                "email_confidence": email_confidence(rec.get("primary_contact_email")),
                "phone_confidence": phone_confidence(rec.get("primary_contact_phone")),
                "source_priority": source_priority(rec.get("source_datasets"), has_contact),
                "intent": 0.0,
            }
        )
    index = pd.Index([str(e) for e in df["entity_id"]], name="entity_id")
    return pd.DataFrame(rows, columns=list(WEIGHTS), index=index, dtype="float64")


def baseline_score(df: pd.DataFrame) -> pd.Series:
    """The fixed-formula lead score per organisation, indexed by ``entity_id``."""
    parts = baseline_components(df).clip(0.0, 1.0)
    total = sum(WEIGHTS.values())
    weighted = pd.Series(0.0, index=parts.index)
    for name, weight in WEIGHTS.items():
        weighted = weighted + parts[name] * weight
    return (weighted / total).map(logistic_scale).rename("baseline_score")


#: ``model_version`` of scores that come from the fixed formula rather than a registered model.
BASELINE_VERSION = "baseline"


def score_baseline(df: pd.DataFrame) -> pd.DataFrame:
    """Score every organisation with the fixed formula, in the model's score layout:
    ``entity_id, lead_score, rank, top_features`` (rank 1 = best, ties by entity id).

    Used to rank the call list while no model has been trained (too few customers to learn
    from). ``top_features`` names up to three components with the largest weighted
    contribution, separated by ``"; "``.
    """
    columns = ["entity_id", "lead_score", "rank", "top_features"]
    if df.empty:
        return pd.DataFrame(columns=columns)
    parts = baseline_components(df).clip(0.0, 1.0)
    weighted = parts * pd.Series(WEIGHTS)
    top = [
        "; ".join(
            [
                str(n)
                for n, v in row.sort_values(ascending=False, kind="mergesort").items()
                if v > 0
            ][:3]
        )
        for _, row in weighted.iterrows()
    ]
    out = pd.DataFrame(
        {
            "entity_id": list(parts.index),
            "lead_score": baseline_score(df).to_numpy(),
            "top_features": top,
        }
    )
    out = out.sort_values(["lead_score", "entity_id"], ascending=[False, True], kind="mergesort")
    out["rank"] = range(1, len(out) + 1)
    return out[columns].reset_index(drop=True)
