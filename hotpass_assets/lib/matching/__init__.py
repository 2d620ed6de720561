"""Entity resolution for Hotpass: blocking, Fellegi–Sunter scoring learnt by EM, guarded
clustering, a review zone, reviewer constraints and stable entity ids.

- :func:`resolve_organisations` resolves capture organisation records (refinement stage).
- :func:`dedupe_frame` deduplicates any table, inferring comparisons when not configured.
- :func:`assign_entity_ids` keeps entity ids stable across runs.

See ``docs/entity-resolution.md`` for the design and measured accuracy.
"""

from hotpass_assets.lib.matching.dedupe import dedupe_frame, infer_config
from hotpass_assets.lib.matching.ids import assign_entity_ids
from hotpass_assets.lib.matching.organisations import (
    MatchConfig,
    Resolution,
    resolve_organisations,
)

__all__ = [
    "MatchConfig",
    "Resolution",
    "assign_entity_ids",
    "dedupe_frame",
    "infer_config",
    "resolve_organisations",
]
