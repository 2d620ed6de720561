"""Demo workbooks with ground truth, at their original import path.

The generators live in :mod:`hotpass_assets.lib.synthetic`; this module re-exports its whole
API (``synthetic.__all__``), plus the province list and the loose name key under its old name.
"""

from hotpass_assets.lib.synthetic import *  # noqa: F403 - the package's API, listed there once
from hotpass_assets.lib.synthetic import __all__ as _synthetic_all
from hotpass_assets.lib.synthetic.text import name_key as _key  # the loose name key, old name
from hotpass_assets.lib.synthetic.vocab import PROVINCES

__all__ = [*_synthetic_all, "PROVINCES", "_key"]
