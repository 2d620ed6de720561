"""Synthetic refined organisations snapshot with a known, learnable customer signal.

Used by tests and demos in place of real data (which holds personal information). Every value is
invented: names are "Synthetic Aviation NNNN", e-mails use ``example.org`` domains, phones are
random South African mobile numbers.

How the label is made
---------------------
1. Attributes are drawn per organisation: source membership (SACAA, Reachout, Contact Database),
   category, type, province, contact points, aircraft types, last interaction.
2. A latent customer propensity depends on those attributes (maintenance organisations and flight
   schools buy more, so do organisations with more aircraft types, a recent interaction, a
   reachable contact, a Reachout listing or a Gauteng / Western Cape base; an invalid licence
   lowers it) plus Gaussian noise. True customers are drawn from it.
3. Positive-unlabelled masking: a true customer is *labelled* (``is_customer``) only when it is in
   the Contact Database and its order is recorded (probability ``label_frequency``). Labelled
   customers get order evidence (``last_order_date``, ``order_count``, status "Last Order", an
   accounting name, an order-history source record); unlabelled customers get none.

The intercept is solved so that the share of labelled customers is ``positive_rate``.
The fixed formula (primary-contact completeness, e-mail, phone, source trust) sees only a weak
part of this signal, so a model that learns from the features can beat it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from hotpass_assets.lib.records import PROVINCES, REFINED_ORGANISATION_COLUMNS

CATEGORIES = (
    "Flight School",
    "AMO",
    "AMO - Heli",
    "Brokers",
    "Insurance",
    "Underwriter",
    "Motorsport",
)
_CATEGORY_P = (0.3, 0.25, 0.1, 0.1, 0.1, 0.05, 0.1)
_CATEGORY_EFFECT = {
    "Flight School": 1.2,
    "AMO": 2.0,
    "AMO - Heli": 1.8,
    "Brokers": -0.5,
    "Insurance": -1.0,
    "Underwriter": -1.0,
    "Motorsport": -1.5,
}
ORG_TYPES = ("Fixed-wing", "Helicopter", "Fixed-wing and Helicopter", "Microlight")
_ORG_TYPE_P = (0.55, 0.2, 0.15, 0.1)
_PROVINCE_P = np.array([0.06, 0.04, 0.35, 0.12, 0.04, 0.05, 0.06, 0.08, 0.20])
_PROVINCE_EFFECT = {"Gauteng": 0.5, "Western Cape": 0.4}
AIRCRAFT = (
    "C172",
    "C152",
    "PA-28",
    "R44",
    "R22",
    "B206",
    "Sling 2",
    "Bonanza",
    "PC-12",
    "King Air",
)
ROLES = ("Chief Flying Instructor", "Owner", "Accountable Manager", "Operations", "Admin")
CRM_STATUSES = ("Investigate", "Contacted - Email", "NTC")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-z))
    return out


def _solve_intercept(z: np.ndarray, weight: np.ndarray, target: float) -> float:
    lo, hi = -20.0, 20.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if float(np.mean(_sigmoid(z + mid) * weight)) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


@dataclass
class _Attributes:
    """Per-organisation attributes drawn before the label (arrays and lists of length ``n``)."""

    in_cdb: np.ndarray
    in_sacaa: np.ndarray
    in_reach: np.ndarray
    category: list[str | None]
    org_type: list[str | None]
    province: list[str | None]
    n_aircraft: np.ndarray
    n_contacts: np.ndarray
    has_website: np.ndarray
    has_address: np.ndarray
    contact_email: np.ndarray
    contact_phone: np.ndarray
    contact_role: np.ndarray
    org_email: np.ndarray
    org_phone: np.ndarray
    touched: np.ndarray
    days_ago: np.ndarray
    licence_invalid: np.ndarray


def _categories(
    rng: np.random.Generator, in_cdb: np.ndarray, in_sacaa: np.ndarray, in_reach: np.ndarray
) -> tuple[list[str | None], list[str | None]]:
    """Category (mostly from the Contact Database) and type (mostly from Reachout) per row."""
    n = len(in_cdb)
    category: list[str | None] = []
    for i in range(n):
        if in_cdb[i] and rng.random() < 0.55:
            category.append(str(rng.choice(CATEGORIES, p=_CATEGORY_P)))
        elif in_sacaa[i] and rng.random() < 0.3:
            category.append("Flight School")
        else:
            category.append(None)
    org_type = [
        str(rng.choice(ORG_TYPES, p=_ORG_TYPE_P))
        if (in_reach[i] or rng.random() < 0.1) and rng.random() < 0.85
        else None
        for i in range(n)
    ]
    return category, org_type


def _attributes(rng: np.random.Generator, n: int) -> _Attributes:
    in_cdb = rng.random(n) < 0.7
    in_sacaa = rng.random(n) < 0.3
    in_reach = rng.random(n) < 0.3
    in_cdb |= ~(in_sacaa | in_reach)
    category, org_type = _categories(rng, in_cdb, in_sacaa, in_reach)
    province = [
        str(rng.choice(PROVINCES, p=_PROVINCE_P)) if rng.random() < 0.88 else None for _ in range(n)
    ]
    flying = np.array(
        [
            c in ("Flight School", "AMO", "AMO - Heli") or t is not None
            for c, t in zip(category, org_type, strict=True)
        ]
    )
    n_aircraft = np.where(flying, rng.poisson(1.8, n), rng.poisson(0.3, n))
    n_contacts = rng.poisson(1.2, n)
    has_website = rng.random(n) < 0.6
    has_address = rng.random(n) < np.where(in_reach, 0.55, 0.3)
    contact_email = (n_contacts > 0) & (rng.random(n) < 0.75)
    contact_phone = (n_contacts > 0) & (rng.random(n) < 0.7)
    contact_role = (n_contacts > 0) & (rng.random(n) < 0.7)
    org_email = rng.random(n) < 0.3
    org_phone = rng.random(n) < 0.35
    touched = rng.random(n) < 0.7
    days_ago = np.minimum(rng.exponential(300, n), 2000).astype(int)
    licence_invalid = in_sacaa & (rng.random(n) < 0.12)
    return _Attributes(
        in_cdb=in_cdb,
        in_sacaa=in_sacaa,
        in_reach=in_reach,
        category=category,
        org_type=org_type,
        province=province,
        n_aircraft=n_aircraft,
        n_contacts=n_contacts,
        has_website=has_website,
        has_address=has_address,
        contact_email=contact_email,
        contact_phone=contact_phone,
        contact_role=contact_role,
        org_email=org_email,
        org_phone=org_phone,
        touched=touched,
        days_ago=days_ago,
        licence_invalid=licence_invalid,
    )


def _propensity(rng: np.random.Generator, a: _Attributes, noise: float) -> np.ndarray:
    """Latent customer log-odds (before the intercept), noise included."""
    recency = np.where(a.touched, 1 - np.minimum(a.days_ago, 1095) / 1095, 0.0)
    has_phone = a.contact_phone | a.org_phone
    has_email = a.contact_email | a.org_email
    z: np.ndarray = (
        np.array([_CATEGORY_EFFECT.get(c, 0.0) if c else 0.0 for c in a.category])
        + 0.9 * np.log1p(a.n_aircraft)
        + 2.0 * recency
        + 0.7 * a.in_reach
        + 0.3 * has_phone
        + 0.25 * has_email
        + 0.3 * np.log1p(a.n_contacts)
        + np.array([_PROVINCE_EFFECT.get(p, 0.0) if p else -0.2 for p in a.province])
        - 2.0 * a.licence_invalid
        + rng.normal(0.0, noise, len(a.in_cdb))
    )
    return z


@dataclass
class _Crm:
    """What the CRM holds of an organisation: status, accounting name, orders, notes."""

    status: str | None
    accounting_name: str | None = None
    last_order: date | None = None
    order_count: int = 0
    notes: str | None = None


def _crm(
    rng: np.random.Generator, a: _Attributes, i: int, name: str, *, labelled: bool, as_of: date
) -> _Crm:
    """Status of row ``i``; a labelled customer also gets order evidence and an accounting name."""
    crm = _Crm(status=None)
    if a.in_sacaa[i]:
        crm.status = "Invalid" if a.licence_invalid[i] else "Active"
    elif a.in_cdb[i]:
        crm.status = str(rng.choice(CRM_STATUSES))
    if not labelled:
        if rng.random() < 0.05:
            crm.accounting_name = f"{name} CC"
        crm.notes = "Left a message" if rng.random() < 0.1 else None
        return crm
    crm.accounting_name = f"{name} (Pty) Ltd"
    if rng.random() < 0.7:
        crm.last_order = as_of - timedelta(days=int(rng.integers(10, 1000)))
    if rng.random() < 0.8:
        crm.order_count = int(rng.poisson(3) + 1)
    if crm.status is not None and not a.in_sacaa[i] and rng.random() < 0.3:
        crm.status = "Last Order"
    if crm.last_order is None and crm.order_count == 0 and crm.status != "Last Order":
        crm.order_count = 1
    crm.notes = "Ordered consumables" if rng.random() < 0.4 else None
    return crm


def _contact_points(
    rng: np.random.Generator, a: _Attributes, i: int, domain: str
) -> tuple[str | None, str | None, list[str], list[str]]:
    """Primary contact's e-mail and phone, and all e-mails and phones of row ``i``."""
    p_email = f"person{i:04d}@{domain}" if a.contact_email[i] else None
    p_phone = f"+2782{rng.integers(1_000_000, 9_999_999)}" if a.contact_phone[i] else None
    emails = [e for e in (p_email, f"info@{domain}" if a.org_email[i] else None) if e]
    phones = [
        p
        for p in (
            p_phone,
            f"+2711{rng.integers(1_000_000, 9_999_999)}" if a.org_phone[i] else None,
        )
        if p
    ]
    return p_email, p_phone, emails, phones


def _row(
    rng: np.random.Generator, a: _Attributes, i: int, *, labelled: bool, seed: int, as_of: date
) -> dict[str, Any]:
    """Row ``i`` of the refined organisations frame."""
    name = f"Synthetic Aviation {i:04d}"
    domain = f"org{i:04d}.example.org"
    on = {"contact_db": a.in_cdb[i], "reachout": a.in_reach[i], "sacaa": a.in_sacaa[i]}
    datasets = sorted(d for d, member in on.items() if member)
    record_ids = [f"{seed:06d}{i:06d}:{d.replace('_', '-')}:{i + 2}" for d in datasets]
    p_name = f"Person {i:04d}" if a.n_contacts[i] > 0 else None
    p_email, p_phone, emails, phones = _contact_points(rng, a, i, domain)
    crm = _crm(rng, a, i, name, labelled=labelled, as_of=as_of)
    if crm.order_count:
        record_ids.append(f"{seed:06d}{i:06d}:order-dates:{i + 2}")
    present = {
        "email": bool(emails),
        "phone": bool(phones),
        "website": bool(a.has_website[i]),
        "province": a.province[i] is not None,
        "address": bool(a.has_address[i]),
    }
    provenance = {"organisation_name": {"value": name, "rule": "source_trust"}}
    if crm.last_order is not None:
        provenance["last_order_date"] = {"value": crm.last_order.isoformat(), "rule": "latest"}
    return {
        "entity_id": f"syn{i:05d}",
        "snapshot_date": as_of,
        "organisation_name": name,
        "name_key": name.lower(),
        "accounting_name": crm.accounting_name,
        "province": a.province[i],
        "country": "South Africa",
        "address": f"{i} Runway Road" if a.has_address[i] else None,
        "category": a.category[i],
        "org_type": a.org_type[i],
        "status": crm.status,
        "website": f"https://{domain}" if a.has_website[i] else None,
        "domain": domain if a.has_website[i] else None,
        "aircraft_types": [
            str(x)
            for x in rng.choice(AIRCRAFT, size=min(a.n_aircraft[i], len(AIRCRAFT)), replace=False)
        ],
        "description": None,
        "notes": crm.notes,
        "emails": emails,
        "phones": phones,
        "primary_contact_id": f"syn{i:05d}#1" if p_name else None,
        "primary_contact_name": p_name,
        "primary_contact_role": str(rng.choice(ROLES)) if p_name and a.contact_role[i] else None,
        "primary_contact_email": p_email,
        "primary_contact_phone": p_phone,
        "contact_count": int(a.n_contacts[i]),
        "email_count": len(emails),
        "phone_count": len(phones),
        "source_datasets": datasets,
        "source_record_ids": record_ids,
        "source_count": 1,
        "data_quality_score": round(sum(present.values()) / len(present), 4),
        "data_quality_flags": [f"missing_{k}" for k, v in present.items() if not v],
        "privacy_basis": "legitimate_interest",
        "last_interaction_date": as_of - timedelta(days=int(a.days_ago[i]))
        if a.touched[i]
        else None,
        "last_order_date": crm.last_order,
        "order_count": crm.order_count,
        "is_customer": labelled,
        "selection_provenance": json.dumps(provenance, sort_keys=True),
    }


def synthetic_snapshot(
    n: int = 600,
    seed: int = 7,
    positive_rate: float = 0.1,
    *,
    label_frequency: float = 0.7,
    noise: float = 0.6,
    as_of: date = date(2025, 10, 31),
    with_truth: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.Series]:
    """A refined organisations frame (``REFINED_ORGANISATION_COLUMNS``) with ``n`` rows.

    ``positive_rate`` is the target share of rows labelled ``is_customer``; ``label_frequency``
    the chance that a true customer in the Contact Database is labelled; ``noise`` the standard
    deviation of the latent propensity's noise. Deterministic for a given seed. With
    ``with_truth`` it also returns the true (unmasked) customer status per ``entity_id``.
    """
    rng = np.random.default_rng(seed)
    a = _attributes(rng, n)
    z = _propensity(rng, a, noise)
    b0 = _solve_intercept(z, a.in_cdb * label_frequency, positive_rate)
    customer = rng.random(n) < _sigmoid(z + b0)
    labelled = customer & a.in_cdb & (rng.random(n) < label_frequency)
    rows = [_row(rng, a, i, labelled=bool(labelled[i]), seed=seed, as_of=as_of) for i in range(n)]
    frame = pd.DataFrame(rows, columns=list(REFINED_ORGANISATION_COLUMNS))
    if with_truth:
        return frame, pd.Series(customer, index=frame["entity_id"], name="true_customer")
    return frame
