"""The column-wise helpers give what their straightforward per-value definitions give."""

from datetime import date

import numpy as np
import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hotpass_assets.lib.columnar import (
    _present,
    grouped_sorted_unique,
    grouped_union,
    present_mask,
    split_lists,
)

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


GROUPED = st.integers(1, 6).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(
            st.tuples(st.integers(0, n - 1), st.one_of(st.none(), st.lists(TEXT, max_size=3))),
            max_size=15,
        ),
    )
)


@settings(max_examples=150, deadline=None)
@given(GROUPED)
@example((1, [(0, ["", "\x00"])]))
@example((2, [(0, ["b\x00", "b", "a"]), (1, ["a\x00b", "a"])]))
def test_split_lists_and_grouped_union_match_per_group_loops(case):
    """Per group: its values in row order; its list items, first spelling of each folded item;
    its distinct items sorted. Text holding a NUL character is its own value."""
    n, rows = case
    rows = sorted(rows, key=lambda row: row[0])
    groups = np.array([g for g, _ in rows], dtype=np.int64)
    cells = [cell for _, cell in rows]
    assert split_lists(groups, cells, n) == [[c for g, c in rows if g == k] for k in range(n)]
    expected = []
    for k in range(n):
        seen: dict[str, str] = {}
        for item in (x for g, cell in rows if g == k for x in cell or []):
            seen.setdefault(item.casefold(), item)
        expected.append(list(seen.values()))
    assert grouped_union(groups, cells, n) == expected
    items = [(g, x) for g, cell in rows for x in cell or []]
    assert grouped_sorted_unique(
        np.array([g for g, _ in items], dtype=np.int64), [x for _, x in items], n
    ) == [sorted({x for g, x in items if g == k}) for k in range(n)]
