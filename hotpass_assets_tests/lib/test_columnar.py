"""The column-wise helpers give what their straightforward per-value definitions give."""

from datetime import date

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from hotpass_assets.lib.columnar import _present, present_mask

WHITESPACE = st.sampled_from([" ", "\t", "\n", "\x1c", "\x85", "\xa0", "\u2003", "\u3000"])
TEXT = st.one_of(
    st.text(max_size=4),
    st.lists(st.one_of(WHITESPACE, st.sampled_from(["a", "é", "."])), max_size=4).map("".join),
)
NULL = st.sampled_from([None, float("nan"), pd.NA])
OTHER = st.one_of(st.integers(-3, 3), st.just(date(2026, 1, 2)), st.just(2.5))


def _strip_route(values: pd.Series) -> np.ndarray:
    """``present_mask`` through pandas ``str.strip`` (non-text columns: value by value)."""
    notna = values.notna().to_numpy()
    if values.dtype != object or not notna.any():
        return notna
    try:
        blank = values.str.strip().eq("").to_numpy()
    except AttributeError:
        return np.array([_present(v) for v in values], bool)
    return notna & ~blank


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(TEXT, NULL), max_size=12), st.lists(OTHER, max_size=2))
def test_present_mask_matches_the_per_value_definition(texts, others):
    """Text with nulls of every kind, and the same with numbers or dates mixed in."""
    for cells in (texts, [*texts, *others]):
        values = pd.Series(cells, dtype=object)
        assert present_mask(values).tolist() == _strip_route(values).tolist()
        assert present_mask(values).dtype == bool
