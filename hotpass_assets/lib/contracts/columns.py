"""Column building blocks of the Pandera contracts: formats, vocabularies, checks, field helpers.

Each helper returns a :func:`pandera.pandas.Field` that carries a description and, in
``metadata["type"]``, the logical type shown in the Dagster UI and written to the JSON Schema
(``string``, ``integer``, ``number``, ``boolean``, ``date``, ``list<string>``, ``json``);
:data:`FIELD_FOR_TYPE` and :data:`SERIES_FOR_TYPE` pick the helper and the column annotation of a
logical type (the types of the field registry, :mod:`hotpass_assets.lib.fields`).
"""

import functools
import inspect
import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.api.extensions import register_check_method
from pandera.typing.pandas import Series

from hotpass_assets.lib.records import QUALITY_FIELDS

# --- shared vocabularies and formats --------------------------------------------------------

#: E.164: a plus sign and 7 to 15 digits, the first not zero.
PHONE_PATTERN = r"^\+[1-9][0-9]{6,14}$"
#: Lower-case ``local@domain.tld`` (or an IDNA top-level domain).
EMAIL_PATTERN = r"^[^@\sA-Z]+@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]+)$"
#: Canonical website: http(s), lower-case host without ``www.``, no query, fragment or final ``/``.
WEBSITE_PATTERN = (
    r"^https?://(?!www\.)[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::[0-9]+)?(?:/[^\s?#]*)?(?<!/)$"
)
#: Registrable domain (lower-case, at least two labels).
DOMAIN_PATTERN = r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]{2,}$"
RECORD_KINDS: tuple[str, ...] = ("organisation", "attribute")
#: POPIA section 11 grounds for processing personal information.
PRIVACY_BASES: tuple[str, ...] = (
    "consent",
    "contract",
    "legal_obligation",
    "legitimate_interest",
    "public_law_duty",
    "vital_interest",
)
QUALITY_FLAGS: tuple[str, ...] = tuple(f"missing_{f}" for f in QUALITY_FIELDS)

# --- registered checks (usable as Field keywords; their statistics feed the exporter) -------


def _is_list(value: object) -> bool:
    return isinstance(value, list | tuple) or (
        hasattr(value, "tolist") and getattr(value, "ndim", 0) == 1
    )


def _items(value: object) -> list[Any]:
    tolist = getattr(value, "tolist", None)
    items = tolist() if callable(tolist) else value
    return list(items) if isinstance(items, Iterable) else []


Cells = Sequence[object]


def _register(
    fn: Callable[..., bool],
    column: Callable[..., list[bool]] | None = None,
    **kwargs: Any,
) -> Callable[..., bool]:
    """Register an element check with Pandera as a vectorised one of the same name.

    Pandera calls an element-wise check through a wrapper per cell (``Series.map``); in a
    profile of a 250,000-row capture (1.3 million checked cells) the wrappers took 4.9 s around
    3.0 s of check code. One pass over the column's values gives the same answers without them:
    ``column`` (the answers of ``fn`` for a whole column, with the common cells decided inline),
    else ``fn`` per cell."""
    if hasattr(pa.Check, fn.__name__):
        return fn

    def check(values: pd.Series, **stats: Any) -> pd.Series:
        cells = values.to_numpy(dtype=object)
        if column is not None:
            out = column(cells, **stats)
        else:
            one = functools.partial(fn, **stats)
            out = [one(v) for v in cells]
        return pd.Series(out, index=values.index, dtype=bool)

    check.__name__ = fn.__name__
    check.__doc__ = fn.__doc__
    # Pandera reads the statistics' names from the signature: the element function's keywords
    params = list(inspect.signature(fn).parameters.values())[1:]
    values = inspect.Parameter("values", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    check.__signature__ = inspect.Signature([values, *params])  # type: ignore[attr-defined]
    register_check_method(check, **kwargs)
    return fn


@functools.lru_cache(maxsize=64)
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


def list_of_strings(value: object, *, item_pattern: str | None) -> bool:
    """A list of non-empty strings, each matching ``item_pattern`` when given."""
    if not _is_list(value):
        return False
    rx = _pattern(item_pattern) if item_pattern else None
    for item in _items(value):
        if not isinstance(item, str) or not item.strip():
            return False
        if rx is not None and not rx.match(item):
            return False
    return True


def list_not_empty(value: object, *, flag: bool) -> bool:
    """A list with at least one item (``flag`` is a placeholder statistic)."""
    return _is_list(value) and len(_items(value)) > 0


def list_items_in(value: object, *, allowed: tuple[str, ...]) -> bool:
    """Every item of a list is one of ``allowed``."""
    return _is_list(value) and all(item in allowed for item in _items(value))


def iso_date(value: object, *, flag: bool) -> bool:
    """A date: a ``date`` object or ISO ``YYYY-MM-DD`` text (a midnight timestamp is accepted)."""
    if isinstance(value, datetime | pd.Timestamp):
        return value.hour == value.minute == value.second == 0
    if isinstance(value, date):
        return True
    if isinstance(value, str) and len(value) == 10:
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
        return True
    return False


def json_object(value: object, *, flag: bool) -> bool:
    """JSON text whose top level is an object."""
    if not isinstance(value, str):
        return False
    try:
        return isinstance(json.loads(value), dict)
    except ValueError:
        return False


# --- the same checks over a whole column --------------------------------------------------------
# Each gives, for every cell, the answer of its element check: a plain ``list`` (what every table
# holds) is decided inline, any other cell by the element check itself.


def _lists_of_strings(cells: Cells, *, item_pattern: str | None) -> list[bool]:
    match = _pattern(item_pattern).match if item_pattern else None
    out: list[bool] = []
    for v in cells:
        if type(v) is not list:
            out.append(list_of_strings(v, item_pattern=item_pattern))
            continue
        ok = True
        for item in v:
            if not isinstance(item, str) or not item.strip() or (match and not match(item)):
                ok = False
                break
        out.append(ok)
    return out


def _lists_not_empty(cells: Cells, *, flag: bool) -> list[bool]:
    return [len(v) > 0 if type(v) is list else list_not_empty(v, flag=flag) for v in cells]


def _lists_items_in(cells: Cells, *, allowed: tuple[str, ...]) -> list[bool]:
    return [
        all(item in allowed for item in v) if type(v) is list else list_items_in(v, allowed=allowed)
        for v in cells
    ]


def _iso_dates(cells: Cells, *, flag: bool) -> list[bool]:
    # A column of dates repeats a few days: each distinct text is parsed once.
    known: dict[str, bool] = {}
    out: list[bool] = []
    for v in cells:
        if type(v) is str:
            seen = known.get(v)
            if seen is None:
                seen = known[v] = iso_date(v, flag=flag)
            out.append(seen)
        else:
            out.append(iso_date(v, flag=flag))
    return out


#: Cells of a column sampled to see whether it repeats values (:func:`_json_objects`).
_JSON_SAMPLE = 1024


def _json_objects(cells: Cells, *, flag: bool) -> list[bool]:
    # A column may repeat one text (a capture's source columns: one per sheet): each distinct
    # cell is then parsed once (250,000 cells: 0.41 → 0.03 s, medians of 3). Equal cells have
    # equal answers (only ``str`` cells can pass). Hashing every cell of a column of distinct
    # long texts cost more than it saved (648,314 provenance cells: 5.2 → 7.7 s, medians of 3
    # on a busy machine): a sample decides.
    head = list(cells[:_JSON_SAMPLE])
    try:
        if len(set(head)) * 2 > len(head):
            return _json_each(cells, flag=flag)
        codes, distinct = pd.factorize(np.asarray(cells, dtype=object))
    except TypeError:  # unhashable cells
        return _json_each(cells, flag=flag)
    answers = np.array(_json_each(distinct.tolist(), flag=flag), dtype=np.bool_)
    out = np.zeros(len(codes), dtype=bool)  # nulls (code -1) are not JSON objects
    known = codes >= 0
    out[known] = answers[codes[known]]
    answer: list[bool] = out.tolist()
    return answer


def _json_each(cells: Cells, *, flag: bool) -> list[bool]:
    loads = json.loads
    out: list[bool] = []
    for v in cells:
        if type(v) is not str:
            out.append(json_object(v, flag=flag))
            continue
        try:
            out.append(isinstance(loads(v), dict))
        except ValueError:
            out.append(False)
    return out


_register(list_of_strings, _lists_of_strings, statistics=["item_pattern"], check_type="vectorized")
_register(list_not_empty, _lists_not_empty, statistics=["flag"], check_type="vectorized")
_register(list_items_in, _lists_items_in, statistics=["allowed"], check_type="vectorized")
_register(iso_date, _iso_dates, statistics=["flag"], check_type="vectorized")
_register(json_object, _json_objects, statistics=["flag"], check_type="vectorized")

# --- checks across the columns of a row ------------------------------------------------------


def all_null_rows(frame: pd.DataFrame) -> pd.Series:
    """``frame.isna().all(axis="columns")``, reading each further column only on the rows still
    null throughout (a non-nullable first column leaves none after one pass)."""
    mask = np.ones(len(frame), dtype=bool)
    for i in range(frame.shape[1]):
        rows = np.flatnonzero(mask)
        if not len(rows):
            break
        mask[rows] = frame.iloc[rows, i].isna().to_numpy()
    return pd.Series(mask, index=frame.index)


def row_check(name: str) -> Callable[[Callable[..., Any]], Any]:
    """``pa.dataframe_check(name=...)``: a row check whose rows null throughout pass.

    Pandera itself lets such rows pass (``ignore_na``) by calling ``isna`` on the whole frame
    after every row check (2.6 s of the refined organisations' checks on 648,000 rows);
    :func:`all_null_rows` gives the same rows from one column in the usual case."""

    def decorate(fn: Callable[..., Any]) -> Any:
        @functools.wraps(fn)
        def rows_pass(cls: Any, df: pd.DataFrame) -> pd.Series:
            out: pd.Series = fn(cls, df) | all_null_rows(df)
            return out

        return pa.dataframe_check(name=name, ignore_na=False)(rows_pass)

    return decorate


# --- field helpers ------------------------------------------------------------------------------


def text(
    description: str,
    *,
    nullable: bool = True,
    unique: bool = False,
    isin: tuple[str, ...] | None = None,
    required: bool = True,
    title: str | None = None,
) -> Any:
    kwargs: dict[str, Any] = {}
    if isin is not None:
        kwargs["isin"] = list(isin)
    return pa.Field(
        description=description,
        nullable=nullable,
        unique=unique,
        required=required,
        title=title,
        metadata={"type": "string"},
        **kwargs,
    )


def integer(
    description: str, *, nullable: bool = False, ge: int | None = None, unique: bool = False
) -> Any:
    kwargs: dict[str, Any] = {} if ge is None else {"ge": ge}
    return pa.Field(
        description=description,
        nullable=nullable,
        unique=unique,
        coerce=True,
        metadata={"type": "integer"},
        **kwargs,
    )


def number(description: str, *, nullable: bool = False, lo: float = 0.0, hi: float = 1.0) -> Any:
    return pa.Field(
        description=description,
        nullable=nullable,
        coerce=True,
        in_range={"min_value": lo, "max_value": hi},
        metadata={"type": "number"},
    )


def boolean(description: str) -> Any:
    """A non-null flag; numpy ``bool`` and pandas ``boolean`` (also empty object) columns pass."""
    return pa.Field(
        description=description, nullable=False, coerce=True, metadata={"type": "boolean"}
    )


def a_date(description: str, *, nullable: bool = True) -> Any:
    return pa.Field(
        description=description,
        nullable=nullable,
        iso_date={"flag": True},
        metadata={"type": "date"},
    )


def json_text(description: str, *, nullable: bool = True) -> Any:
    return pa.Field(
        description=description,
        nullable=nullable,
        json_object={"flag": True},
        metadata={"type": "json"},
    )


def string_list(
    description: str,
    *,
    item_pattern: str | None = None,
    non_empty: bool = False,
    allowed: tuple[str, ...] | None = None,
    nullable: bool = False,
) -> Any:
    kwargs: dict[str, Any] = {"list_of_strings": {"item_pattern": item_pattern}}
    if non_empty:
        kwargs["list_not_empty"] = {"flag": True}
    if allowed is not None:
        kwargs["list_items_in"] = {"allowed": tuple(allowed)}
    return pa.Field(
        description=description, nullable=nullable, metadata={"type": "list<string>"}, **kwargs
    )


def source_column(
    header: str, description: str, *, key: bool = False, required: bool = False
) -> Any:
    """A column of a source sheet as read (text).

    ``required``: the sheet must have the column. ``key``: the source fills it on every data row
    (implies ``required``). Other columns are expected: a missing one is drift, not a breach.
    """
    return pa.Field(
        alias=header,
        description=description,
        nullable=not key,
        required=required or key,
        metadata={"type": "string", "key": key, "required": required or key},
    )


def list_length(value: object) -> int:
    """Items of a list cell; 0 for null or a non-list."""
    if value is None or (isinstance(value, float) and value != value):
        return 0
    if _is_list(value):
        return len(_items(value))
    return 0


def list_lengths(values: pd.Series) -> pd.Series:
    """:func:`list_length` of every cell (plain lists read inline)."""
    out = [len(v) if type(v) is list else list_length(v) for v in values.to_numpy(dtype=object)]
    return pd.Series(out, index=values.index, dtype="int64")


#: Field helper of each logical type of the field registry.
FIELD_FOR_TYPE: dict[str, Callable[..., Any]] = {
    "string": text,
    "integer": integer,
    "number": number,
    "boolean": boolean,
    "date": a_date,
    "list<string>": string_list,
    "json": json_text,
}
#: Column annotation of each logical type (what Pandera checks the dtype against).
SERIES_FOR_TYPE: dict[str, Any] = {
    "string": Series[str],
    "integer": Series[pd.Int64Dtype],
    "number": Series[float],
    "boolean": Series[pd.BooleanDtype],
    "date": Series[object],
    "list<string>": Series[object],
    "json": Series[str],
}
