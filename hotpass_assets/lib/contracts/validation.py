"""Run a Pandera model and reduce its failures to counts and record ids.

Pandera reports every failing value (``failure_case``). Those values can be personal data, so
they are never read here: only the rule, the column and the index of each failure are used. The
index is mapped to the frame's id column, giving the record ids of failing rows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa
from pandera.dtypes import DataType
from pandera.errors import SchemaError, SchemaErrors

#: Pandera check names -> rule names used in check outcomes.
RULE_NAMES: dict[str, str] = {
    "column_in_dataframe": "missing_column",
    "column_in_schema": "unexpected_column",
    "column_ordered": "column_order",
    "not_nullable": "not_null",
    "field_uniqueness": "unique",
    "multiple_fields_uniqueness": "unique",
    "dataframe_column_labels_unique": "unique_columns",
    "dtype": "dtype",
    "coerce_dtype": "dtype",
    "isin": "vocabulary",
    "str_matches": "format",
    "in_range": "range",
    "greater_than_or_equal_to": "range",
    "less_than_or_equal_to": "range",
    "greater_than": "range",
    "less_than": "range",
    "list_of_strings": "list_format",
    "list_not_empty": "not_empty",
    "list_items_in": "vocabulary",
    "iso_date": "date_format",
    "json_object": "json_format",
}


#: Rules about the set of columns; their failure case is a column header.
SCHEMA_RULES = frozenset({"missing_column", "unexpected_column", "column_order", "unique_columns"})


def _strings_checked_at_once() -> None:
    """Make Pandera decide a ``str`` column of text and nulls in one pass.

    Pandera checks the dtype of a ``str`` column cell by cell (``isinstance(x, str)`` or null,
    through ``Series.map``): 3.9 s of the refined organisations' 14 s on 648,000 rows.
    ``infer_dtype`` finds in one pass in C that every non-null cell is text (``string``) or
    that there is none (``empty``), which makes every cell pass; any other column is still
    checked cell by cell, so the failing cells are the same."""
    from pandera.engines import pandas_engine

    string = pandas_engine.NpString
    per_cell = string.check
    if getattr(per_cell, "at_once", False):
        return

    def check(
        self: pandas_engine.NpString,
        pandera_dtype: DataType,
        data_container: pd.Series | pd.DataFrame | None = None,
    ) -> bool | Iterable[bool]:
        if (
            isinstance(data_container, pd.Series)
            and data_container.dtype == object
            and pd.api.types.infer_dtype(data_container, skipna=True) in ("string", "empty")
        ):
            return pd.Series(True, index=data_container.index, dtype=bool)
        return per_cell(self, pandera_dtype, data_container)

    check.at_once = True  # type: ignore[attr-defined]
    check.per_cell = per_cell  # type: ignore[attr-defined]
    string.check = check  # type: ignore[method-assign]


_strings_checked_at_once()


def positional(frame: pd.DataFrame) -> pd.DataFrame:
    """A new frame over the same columns (no cell copied) indexed ``0 .. n-1``."""
    out = frame.copy(deep=False)
    out.index = pd.RangeIndex(len(frame))
    return out


def rule_name(check: object) -> str:
    """Rule name of a Pandera ``check`` label such as ``isin([...])`` or ``dtype('int64')``."""
    text = str(check)
    base = re.split(r"[(\s]", text, maxsplit=1)[0] or text
    return RULE_NAMES.get(base, base)


@dataclass
class TableResult:
    """Failures of one table: ``rule:column`` -> failing rows, and ids of failing rows."""

    table: str
    rows: int
    failures: dict[str, int] = field(default_factory=dict)
    failing_ids: list[str] = field(default_factory=list)
    #: Failures that concern the whole column (missing column, wrong dtype): rule:column.
    column_failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def row_refs(frame: pd.DataFrame, index: pd.Index, id_column: str | None, table: str) -> list[str]:
    """Ids of the rows at ``index``: the id column's value, else ``<table>#<position>``."""
    if id_column and id_column in frame.columns:
        values = frame.loc[frame.index.intersection(index), id_column]
        return list(dict.fromkeys(str(v) for v in values if v is not None and v == v))
    positions = frame.index.get_indexer(index)
    return [f"{table}#{p}" for p in positions if p >= 0]


def validate(
    model: type[pa.DataFrameModel] | pa.DataFrameSchema,
    frame: pd.DataFrame,
    *,
    id_column: str | None,
    table: str,
    qualify: bool = False,
) -> TableResult:
    """Validate ``frame`` lazily; ``qualify`` prefixes columns with ``table.`` in failure keys."""
    schema = model.to_schema() if isinstance(model, type) else model
    result = TableResult(table=table, rows=len(frame))
    # Ids are read from a frame whose index is unique, so failure indexes map to one row. It
    # is ours and shares the caller's columns: Pandera replaces the columns it coerces
    # (``work[name] = ...``) in place instead of copying every cell of the table first.
    work = positional(frame)
    try:
        schema.validate(work, lazy=True, inplace=True)
        return result
    except SchemaErrors as exc:
        cases = exc.failure_cases
    except SchemaError as exc:  # pragma: no cover - lazy validation raises SchemaErrors
        cases = exc.failure_cases if exc.failure_cases is not None else pd.DataFrame()
    rows_by_key: dict[str, set[object]] = defaultdict(set)
    column_level: dict[str, int] = {}
    failing_index: set[object] = set()
    labels = cases.get("failure_case", pd.Series([None] * len(cases), dtype=object))
    contexts = cases.get("schema_context", pd.Series([None] * len(cases), dtype=object))
    for check, column, index, label, context in zip(
        cases.get("check", pd.Series(dtype=object)),
        cases.get("column", pd.Series(dtype=object)),
        cases.get("index", pd.Series(dtype=object)),
        labels,
        contexts,
        strict=True,
    ):
        rule = rule_name(check)
        if rule in SCHEMA_RULES:
            # For these rules Pandera reports the schema in "column" and the offending column
            # header (not a cell value) as the failure case.
            col = str(label)
        elif context == "DataFrameSchema":
            # A row-level rule: Pandera lists every column of a failing row; count the row once.
            col = "*"
        elif column is None or (isinstance(column, float) and column != column):
            col = "*"
        else:
            col = str(column)
        key = f"{rule}:{table}.{col}" if qualify else f"{rule}:{col}"
        if index is None or (isinstance(index, float) and index != index):
            column_level[key] = 1
            continue
        rows_by_key[key].add(index)
        failing_index.add(index)
    result.failures = {k: len(v) for k, v in rows_by_key.items()}
    for key, n in column_level.items():
        result.failures.setdefault(key, n)
        result.column_failures.append(key)
    if failing_index:
        idx = pd.Index(sorted(failing_index, key=str))
        result.failing_ids = row_refs(work, idx, id_column, table)
    return result
