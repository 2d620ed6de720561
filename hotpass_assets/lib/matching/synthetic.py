"""Synthetic organisation records with ground truth, at their original import path.

The generator lives in :mod:`hotpass_assets.lib.synthetic.organisations`.
"""

from hotpass_assets.lib.synthetic.organisations import generate_organisations, pairwise_scores

__all__ = ["generate_organisations", "pairwise_scores"]
