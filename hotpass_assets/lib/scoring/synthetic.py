"""Synthetic refined organisations snapshot for lead scoring, at its original import path.

The generator lives in :mod:`hotpass_assets.lib.synthetic.snapshot`.
"""

from hotpass_assets.lib.synthetic.snapshot import (
    AIRCRAFT,
    CATEGORIES,
    CRM_STATUSES,
    ORG_TYPES,
    ROLES,
    synthetic_snapshot,
)

__all__ = ["AIRCRAFT", "CATEGORIES", "CRM_STATUSES", "ORG_TYPES", "ROLES", "synthetic_snapshot"]
