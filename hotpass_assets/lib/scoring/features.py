"""Model features of the lead score, built from a refined organisations snapshot.

``build_features`` turns the refined organisations frame (columns
:data:`hotpass_assets.lib.records.REFINED_ORGANISATION_COLUMNS`) into one numeric row per
``entity_id``. Every feature is encoded so that ``0`` means "absent / nothing known" and larger
values mean "more of it"; that makes a linear model's per-row contribution ``coef * value``
readable as "what this organisation has that pushes it up" (see ``top_features`` in scoring).

Leakage
-------
The label (``is_customer``) is derived from the Contact Database's order evidence: an order
history row joined on the accounting name, a ``last_order_date``, or the CRM status "Last Order".
Columns that carry that evidence, directly or by construction, are never read
(:data:`LEAKAGE_COLUMNS` says why for each). Two cases need care:

* ``status`` mixes the SACAA licence status (Active/Invalid) with CRM statuses, one of which is a
  label rule. Only the licence values are read (``licence_invalid``); every other value, including
  "Last Order", is ignored, so changing CRM statuses cannot change any feature.
* Membership of the Contact Database is a precondition of the label (an order can only be seen
  there), so it describes how labels are observed, not whether an organisation buys. It is not a
  feature, and ``source_dataset_count`` counts only the other datasets. Training restricts itself
  to the population where labels are observable (see :mod:`.model`).
"""

from __future__ import annotations

import contextlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from hotpass_assets.lib.records import PROVINCES
from hotpass_assets.lib.scoring.sources import family_of, order_families, source_trust

#: Source families with a membership feature of their own (``in_sacaa``, ``in_reachout``).
SACAA = "sacaa"
REACHOUT = "reachout"

#: Columns never read by the feature builder, and why.
LEAKAGE_COLUMNS: Mapping[str, str] = {
    "is_customer": "the label itself",
    "last_order_date": "a label rule: a last order date makes the organisation a customer",
    "order_count": "a label rule: order history rows make the organisation a customer",
    "accounting_name": (
        "the order history joins on the accounting name, and an accounting name exists mostly "
        "for organisations that were invoiced, so its presence is a proxy of the label"
    ),
    "source_record_ids": (
        "record ids embed the source sheet; a record from the order history sheet marks a customer"
    ),
    "selection_provenance": (
        "per-field provenance JSON names sheets and competing values, order evidence included"
    ),
    "privacy_basis": "a processing basis may be set to 'contract' for customers",
    "notes": "free-text CRM notes record orders and are written mostly about active accounts",
    "description": "free text that can record order history; not a structured attribute",
}

#: Columns that are not leakage but are deliberately not model inputs, and why.
UNUSED_COLUMNS: Mapping[str, str] = {
    "entity_id": "identifier",
    "snapshot_date": "the as-of date, used only to compute recency",
    "organisation_name": "identifier (personal-data adjacent, not a signal)",
    "name_key": "identifier",
    "country": "constant (South Africa)",
    "domain": "covered by has_website",
    "primary_contact_id": "identifier",
    "primary_contact_email": "covered by has_email (the value itself is personal data)",
    "primary_contact_phone": "covered by has_phone (the value itself is personal data)",
    "data_quality_score": "a fixed combination of the has_* features",
    "data_quality_flags": "a fixed combination of the has_* features",
    "source_count": "counts workbook drops an organisation appeared in, a delivery artefact",
    "status": "only the licence values Active/Invalid are read (licence_invalid)",
}

#: Description of every base feature (one-hot families are described by their prefix).
FEATURE_DESCRIPTIONS: Mapping[str, str] = {
    "category=": (
        "one-hot of the organisation category (Flight School, AMO, Brokers, ...); levels seen "
        "fewer than min_level_count times in training are pooled into category=other"
    ),
    "org_type=": (
        "one-hot of the organisation type (Fixed-wing, Helicopter, ...); rare levels pooled "
        "into org_type=other"
    ),
    "province=": "one-hot of the province (the nine South African provinces)",
    "category_missing": "1 when the category is unknown",
    "org_type_missing": "1 when the organisation type is unknown",
    "province_missing": "1 when the province is unknown (or did not map to one of the nine)",
    "has_email": "1 when any e-mail address is known for the organisation or its primary contact",
    "has_phone": "1 when any phone number is known for the organisation or its primary contact",
    "has_website": "1 when a website or web domain is known",
    "has_address": "1 when an address is known",
    "has_primary_contact": "1 when a named primary contact person is known",
    "has_primary_contact_role": "1 when the primary contact's role is known",
    "email_count": "log(1 + number of e-mail addresses), count capped at count_cap",
    "phone_count": "log(1 + number of phone numbers), count capped at count_cap",
    "contact_count": "log(1 + number of contact people), count capped at count_cap",
    "aircraft_type_count": "log(1 + number of aircraft types listed), count capped at 20",
    "in_sacaa": "1 when the SACAA regulator list contains the organisation",
    "in_reachout": "1 when the Reachout outreach tracker contains the organisation",
    "source_dataset_count": (
        "number of distinct source datasets other than those where orders are observed (the "
        "Contact Database) that list the organisation"
    ),
    "licence_invalid": "1 when the SACAA licence status is Invalid",
    "interaction_recency": (
        "1 - min(days since last_interaction_date, recency_cap_days) / recency_cap_days: 1 for a "
        "touch on the as-of date, 0 for one recency_cap_days or more ago, or none"
    ),
    "interaction_date_missing": "1 when no interaction date is recorded",
}

_ONE_HOT_PREFIXES = ("category=", "org_type=", "province=")
_BASE_FEATURES: tuple[str, ...] = (
    "category_missing",
    "org_type_missing",
    "province_missing",
    "has_email",
    "has_phone",
    "has_website",
    "has_address",
    "has_primary_contact",
    "has_primary_contact_role",
    "email_count",
    "phone_count",
    "contact_count",
    "aircraft_type_count",
    "in_sacaa",
    "in_reachout",
    "source_dataset_count",
    "licence_invalid",
    "interaction_recency",
    "interaction_date_missing",
)
_SLUG = re.compile(r"[^a-z0-9]+")
OTHER_LEVEL = "other"


def describe_feature(name: str) -> str:
    """Human description of a feature column, one-hot columns included."""
    if name in FEATURE_DESCRIPTIONS:
        return FEATURE_DESCRIPTIONS[name]
    for prefix in _ONE_HOT_PREFIXES:
        if name.startswith(prefix):
            level = name[len(prefix) :]
            family = prefix[:-1]
            if level == OTHER_LEVEL:
                return f"1 when the {family} is a level too rare to model on its own"
            return f"1 when the {family} is '{level}'"
    return "undocumented feature"


# --- value helpers ---------------------------------------------------------------------------


def is_missing(value: object) -> bool:
    """True for None, NaN/NaT, pandas NA and blank strings."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | np.ndarray):
        return False
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]  # any scalar; arrays above
    except (TypeError, ValueError):
        return False


def as_list(value: object) -> list[object]:
    """A list column's value as a list (lists survive Arrow round trips as numpy arrays)."""
    if value is None:
        return []
    if isinstance(value, list | tuple | np.ndarray):
        return [v for v in value if not is_missing(v)]
    if is_missing(value):
        return []
    return [value]


def as_date(value: object) -> date | None:
    """A date from ``datetime.date``, ``datetime``, ``Timestamp`` or ISO text; else None."""
    if is_missing(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    parsed = pd.to_datetime(str(value), errors="coerce")
    if pd.isna(parsed):
        return None
    return parsed.date()


def slug(value: object) -> str | None:
    """Lower-case ASCII slug of a category-like value (None when missing)."""
    if is_missing(value):
        return None
    text = _SLUG.sub("_", str(value).strip().lower()).strip("_")
    return text or None


def dataset_family(name: object) -> str | None:
    """Map a source dataset (or source file) name onto its source family (see
    :func:`hotpass_assets.lib.scoring.sources.family_of`)."""
    if is_missing(name):
        return None
    return family_of(str(name)) or None


def dataset_families(value: object) -> set[str]:
    """Families of every dataset named in a ``source_datasets`` cell."""
    return {f for f in (dataset_family(v) for v in as_list(value)) if f}


def order_source_member(df: pd.DataFrame) -> pd.Series:
    """Whether each organisation is listed by a source where orders, hence labels, are observed
    (the Contact Database in the aviation profile)."""
    observed = order_families()
    return pd.Series(
        [bool(observed & dataset_families(v)) for v in df["source_datasets"]],
        index=df.index,
        dtype=bool,
    )


#: The name this function had while the Contact Database was the only such source.
contact_db_member = order_source_member


def snapshot_as_of(df: pd.DataFrame) -> date:
    """The snapshot's as-of date: the latest ``snapshot_date`` in the frame."""
    dates = [d for d in (as_date(v) for v in df.get("snapshot_date", [])) if d]
    if not dates:
        raise ValueError("snapshot_date is empty: cannot compute recency features")
    return max(dates)


def labels(df: pd.DataFrame) -> pd.Series:
    """``is_customer`` as 0/1 integers (missing counts as unlabelled)."""
    values = [bool(v) if not is_missing(v) else False for v in df["is_customer"]]
    return pd.Series(np.asarray(values, dtype=int), index=df.index, name="is_customer")


# --- specification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureSpec:
    """Fitted vocabulary and tunables of the feature builder.

    The one-hot levels are fixed at training time so that scoring a later snapshot produces the
    same columns; unseen levels fall into ``other``.
    """

    category_levels: tuple[str, ...]
    org_type_levels: tuple[str, ...]
    min_level_count: int = 5
    recency_cap_days: int = 1095
    count_cap: int = 10

    @property
    def feature_names(self) -> tuple[str, ...]:
        names = [f"category={lvl}" for lvl in (*self.category_levels, OTHER_LEVEL)]
        names += [f"org_type={lvl}" for lvl in (*self.org_type_levels, OTHER_LEVEL)]
        names += [f"province={slug(p)}" for p in PROVINCES]
        names += list(_BASE_FEATURES)
        return tuple(names)


def _frequent_levels(values: Iterable[object], min_count: int) -> tuple[str, ...]:
    counts = Counter(s for s in (slug(v) for v in values) if s)
    return tuple(sorted(lvl for lvl, n in counts.items() if n >= min_count and lvl != OTHER_LEVEL))


def fit_feature_spec(
    df: pd.DataFrame, *, min_level_count: int = 5, recency_cap_days: int = 1095, count_cap: int = 10
) -> FeatureSpec:
    """Learn the one-hot vocabularies from ``df`` (levels with at least ``min_level_count`` rows)."""
    return FeatureSpec(
        category_levels=_frequent_levels(df["category"], min_level_count),
        org_type_levels=_frequent_levels(df["org_type"], min_level_count),
        min_level_count=min_level_count,
        recency_cap_days=recency_cap_days,
        count_cap=count_cap,
    )


# --- builder ---------------------------------------------------------------------------------


def _count(listed: object, counted: object, cap: int) -> float:
    n = len(as_list(listed))
    if not is_missing(counted):
        with contextlib.suppress(TypeError, ValueError):
            # Any scalar a count column holds (int, float, numpy, text); failures are ignored.
            n = max(n, int(counted))  # type: ignore[call-overload]
    return math.log1p(min(max(n, 0), cap))


def _one_hot(row: dict[str, float], prefix: str, value: object, levels: tuple[str, ...]) -> None:
    level = slug(value)
    if level is None:
        return
    row[f"{prefix}={level if level in levels else OTHER_LEVEL}"] = 1.0


def build_features(df: pd.DataFrame, as_of: date, spec: FeatureSpec | None = None) -> pd.DataFrame:
    """One float row per ``entity_id`` (the index), columns ``spec.feature_names``.

    ``spec`` fixes the one-hot vocabularies; when omitted it is fitted on ``df`` itself.
    Reads only the columns documented in :data:`FEATURE_DESCRIPTIONS`; never those in
    :data:`LEAKAGE_COLUMNS`.
    """
    if df["entity_id"].duplicated().any():
        raise ValueError("entity_id must be unique in the organisations snapshot")
    spec = spec or fit_feature_spec(df)
    provinces = {slug(p) for p in PROVINCES}
    observed = order_families()
    names = spec.feature_names
    rows: list[dict[str, float]] = []
    for rec in df.to_dict("records"):
        row = dict.fromkeys(names, 0.0)
        _one_hot(row, "category", rec.get("category"), spec.category_levels)
        _one_hot(row, "org_type", rec.get("org_type"), spec.org_type_levels)
        row["category_missing"] = float(slug(rec.get("category")) is None)
        row["org_type_missing"] = float(slug(rec.get("org_type")) is None)
        province = slug(rec.get("province"))
        if province in provinces:
            row[f"province={province}"] = 1.0
        else:
            row["province_missing"] = 1.0

        emails = as_list(rec.get("emails"))
        phones = as_list(rec.get("phones"))
        row["has_email"] = float(bool(emails) or not is_missing(rec.get("primary_contact_email")))
        row["has_phone"] = float(bool(phones) or not is_missing(rec.get("primary_contact_phone")))
        row["has_website"] = float(
            not is_missing(rec.get("website")) or not is_missing(rec.get("domain"))
        )
        row["has_address"] = float(not is_missing(rec.get("address")))
        row["has_primary_contact"] = float(not is_missing(rec.get("primary_contact_name")))
        row["has_primary_contact_role"] = float(not is_missing(rec.get("primary_contact_role")))
        row["email_count"] = _count(emails, rec.get("email_count"), spec.count_cap)
        row["phone_count"] = _count(phones, rec.get("phone_count"), spec.count_cap)
        row["contact_count"] = _count([], rec.get("contact_count"), spec.count_cap)
        row["aircraft_type_count"] = math.log1p(min(len(as_list(rec.get("aircraft_types"))), 20))

        families = dataset_families(rec.get("source_datasets"))
        row["in_sacaa"] = float(SACAA in families)
        row["in_reachout"] = float(REACHOUT in families)
        row["source_dataset_count"] = float(len(families - observed))
        status = slug(rec.get("status"))
        row["licence_invalid"] = float(status == "invalid")

        touched = as_date(rec.get("last_interaction_date"))
        if touched is None:
            row["interaction_date_missing"] = 1.0
        else:
            days = min(max((as_of - touched).days, 0), spec.recency_cap_days)
            row["interaction_recency"] = 1.0 - days / spec.recency_cap_days
        rows.append(row)
    index = pd.Index([str(e) for e in df["entity_id"]], name="entity_id")
    frame = pd.DataFrame(rows, columns=list(names), index=index)
    return frame.astype("float64")


def __getattr__(name: str) -> Mapping[str, int]:
    # Survivorship trust of each source family, read from the capture profiles on first use.
    if name == "SOURCE_TRUST":
        return source_trust()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
