"""The column-wide forms of the element checks and of Pandera's null-row rule answer exactly as
the per-cell forms do, on messy cells."""

from __future__ import annotations

import importlib
from datetime import date, datetime

import numpy as np
import pandas as pd
import pandera.pandas as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandera.errors import SchemaErrors

from hotpass_assets.lib.contracts import validation

# The package exports a function ``columns`` that hides the module of the same name.
c = importlib.import_module("hotpass_assets.lib.contracts.columns")

_TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "  ",
            "\u00a0",
            "a@b.co",
            "A@b.co",
            "+27123456789",
            "missing_email",
            "2026-12-07",
            "2026-13-01",
            "2026-12-07T00:00",
            "{}",
            ' {"a": 1} ',
            "[1]",
            "{bad",
            '{"a": NaN}',
        ]
    ),
)
_ITEM = st.one_of(_TEXT, st.none(), st.integers(-2, 2), st.floats(allow_nan=True))
_CELL = st.one_of(
    st.none(),
    st.just(float("nan")),
    _TEXT,
    st.integers(-2, 2),
    st.booleans(),
    st.lists(_ITEM, max_size=4),
    st.lists(_ITEM, max_size=3).map(tuple),
    st.lists(_TEXT, max_size=3).map(lambda v: np.array(v, dtype=object)),
    st.dictionaries(_TEXT, _ITEM, max_size=2),
    st.dates(),
    st.sampled_from(
        [
            datetime(2026, 12, 7),
            datetime(2026, 12, 7, 10, 30),
            pd.Timestamp("2026-12-07"),
            pd.Timestamp("2026-12-07 00:00:01"),
            date(2026, 12, 7),
        ]
    ),
)


def _cells(values: list[object]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        out[i] = v
    return out


_CELLS = st.lists(_CELL, max_size=30).map(_cells)

_CASES = [
    (c.list_of_strings, c._lists_of_strings, {"item_pattern": c.EMAIL_PATTERN}),
    (c.list_of_strings, c._lists_of_strings, {"item_pattern": None}),
    (c.list_not_empty, c._lists_not_empty, {"flag": True}),
    (c.list_items_in, c._lists_items_in, {"allowed": c.QUALITY_FLAGS}),
    (c.iso_date, c._iso_dates, {"flag": True}),
    (c.json_object, c._json_objects, {"flag": True}),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=_CELLS)
def test_column_checks_answer_as_the_element_checks(cells):
    for one, column, stats in _CASES:
        assert column(cells, **stats) == [one(v, **stats) for v in cells], one.__name__


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pool=st.lists(_CELL, min_size=1, max_size=4), picks=st.lists(st.integers(0, 3), max_size=60))
def test_json_check_of_a_column_repeating_a_few_cells(pool, picks):
    """Such a column is decided once per distinct cell: the answers are the element check's."""
    cells = _cells([pool[i % len(pool)] for i in picks])
    assert c._json_objects(cells, flag=True) == [c.json_object(v, flag=True) for v in cells]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=_CELLS)
def test_registered_checks_report_the_rows_the_element_checks_fail(cells):
    series = pd.Series(cells, dtype=object)
    for one, _, stats in _CASES:
        check = getattr(pa.Check, one.__name__)(**stats)
        schema = pa.SeriesSchema(object, checks=check, nullable=True)
        null = series.isna()
        expected = {i for i, v in enumerate(cells) if not null[i] and not one(v, **stats)}
        try:
            schema.validate(series, lazy=True)
            failed: set[object] = set()
        except SchemaErrors as exc:
            failed = set(exc.failure_cases["index"].dropna())
        assert failed == expected, one.__name__


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.lists(st.sampled_from([None, float("nan"), pd.NA, "x", 0, ""]), min_size=3, max_size=3),
        max_size=12,
    ),
    width=st.integers(0, 3),
)
def test_all_null_rows_is_isna_all(rows, width):
    frame = pd.DataFrame([r[:width] for r in rows], columns=list("abc")[:width], dtype=object)
    frame.index = frame.index * 2 + 5
    expected = frame.isna().all(axis="columns")
    got = c.all_null_rows(frame)
    assert got.tolist() == expected.tolist()
    assert got.index.equals(frame.index)


class _Model(pa.DataFrameModel):
    a: pa.typing.Series[object] = pa.Field(nullable=True)
    b: pa.typing.Series[object] = pa.Field(nullable=True)

    @c.row_check("a_needs_b")
    def _a_needs_b(cls, df: pd.DataFrame) -> pd.Series:
        """A row with ``a`` has ``b``."""
        return ~(df["a"].notna() & df["b"].isna())

    @c.row_check("b_needs_a")
    def _b_needs_a(cls, df: pd.DataFrame) -> pd.Series:
        """Fails on every row, null or not: only rows null throughout pass."""
        return df["a"].notna() & df["a"].isna()


def test_row_checks_let_rows_null_throughout_pass():
    frame = pd.DataFrame({"a": ["x", None, "y", None], "b": [None, None, "z", "w"]}, dtype=object)
    try:
        _Model.validate(frame, lazy=True)
        raise AssertionError("expected failures")
    except SchemaErrors as exc:
        cases = exc.failure_cases
    by_check = {
        name: sorted(set(group["index"].dropna().astype(int)))
        for name, group in cases.groupby("check")
    }
    assert by_check == {"a_needs_b": [0], "b_needs_a": [0, 2, 3]}
    assert _Model.to_schema().checks[0].description == "A row with ``a`` has ``b``."


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=_CELLS)
def test_string_dtype_check_answers_as_pandera_per_cell(cells):
    from pandera.engines import pandas_engine

    string = pandas_engine.Engine.dtype(str)
    assert isinstance(string, pandas_engine.NpString)
    at_once = pandas_engine.NpString.check
    assert getattr(at_once, "at_once", False), validation.__name__
    per_cell = at_once.per_cell
    for series in (
        pd.Series(cells, dtype=object),
        pd.Series([v for v in cells if isinstance(v, str)] + [None, float("nan")], dtype=object),
        pd.Series([None] * len(cells), dtype=object),
    ):
        dtype = pandas_engine.Engine.dtype(series.dtype)
        got = at_once(string, dtype, series)
        want = per_cell(string, dtype, series)
        assert got.tolist() == want.tolist()
        assert got.index.equals(want.index)


class _Coerced(pa.DataFrameModel):
    key: pa.typing.Series[str] = pa.Field(nullable=False, unique=True)
    n: pa.typing.Series[pd.Int64Dtype] = pa.Field(coerce=True, ge=0)
    when: pa.typing.Series[object] = c.a_date("day")


def test_validation_leaves_the_callers_frame_untouched():
    frame = pd.DataFrame(
        {"key": ["a", "b", "b"], "n": [1.0, -2.0, 3.0], "when": ["2026-12-07", "x", None]},
        index=[10, 10, 4],
    )
    before = frame.copy(deep=True)
    result = validation.validate(_Coerced, frame, id_column="key", table="t")
    pd.testing.assert_frame_equal(frame, before)
    assert result.failures == {"unique:key": 2, "range:n": 1, "date_format:when": 1}
    assert result.failing_ids == ["b"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=_CELLS)
def test_empty_mask_answers_as_is_empty_value(cells):
    from hotpass_assets.lib.contracts.checks.common import empty_mask, is_empty_value

    n = len(cells)
    for series in (
        pd.Series(cells, dtype=object),
        pd.Series([1, None, 3] * n, dtype="Int64"),
        pd.Series([1.0, float("nan")] * n, dtype=float),
        pd.Series(pd.to_datetime(["2026-12-07", None] * n)),
        pd.Series([True, False] * n),
    ):
        want = series.map(is_empty_value).astype(bool)
        assert empty_mask(series).tolist() == want.tolist()
