"""Matching features of the Spark linkage path (``spark``), derived on the executors.

Per record (``features_table``, pure, run per partition by ``mapInArrow``): the folded name
key and core, name tokens and acronym, website and e-mail domains, e-mails, national phone
numbers, province and the normalised address (``organisations.prepare_frame``). Across
records (Spark aggregations, so O(records) work stays distributed): each record's rarest name
tokens and its typo keys, the default engine's ``name_rare_tokens`` and ``name_typo``
blocking keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from hotpass_assets.lib.matching.blocking import BlockingRule
from hotpass_assets.lib.matching.organisations import DEFAULT_BLOCKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame as SparkFrame
    from pyspark.sql import SparkSession

#: Record columns the features are derived from (missing ones are null).
INPUT_COLUMNS = (
    "record_id",
    "organisation_name",
    "name_key",
    "domain",
    "website",
    "emails",
    "phones",
    "province",
    "address",
)


def _rule(name: str) -> BlockingRule:
    return next(r for r in DEFAULT_BLOCKING if r.name == name)


_RARE, _TYPO = _rule("name_rare_tokens"), _rule("name_typo")
#: Rare-token blocks of more records than this are refined into sorted neighbourhoods of
#: ``TOKEN_WINDOW`` records; each record keeps its ``RARE_TOKENS`` rarest tokens (the default
#: engine's ``name_rare_tokens`` rule, ``organisations.DEFAULT_BLOCKING``).
MAX_TOKEN_BLOCK = _RARE.max_block_size or 200
TOKEN_WINDOW = _RARE.refine_window
RARE_TOKENS = _RARE.keep
#: Typo keys (the ``name_typo`` rule): the rarest name token of at least this many characters
#: (as ``blocking._deletion_keys`` takes them), with each one-character deletion of it; keys
#: held by more records than ``MAX_TYPO_BLOCK`` are not used.
TYPO_MIN_LENGTH = 4
MAX_TYPO_BLOCK = _TYPO.max_block_size or 200

_FEATURE_SCHEMA = pa.schema(
    [
        ("unique_id", pa.int64()),
        ("name_key", pa.string()),
        ("name_core", pa.string()),
        ("name_acronym", pa.string()),
        ("name_tokens", pa.list_(pa.string())),
        ("domain", pa.string()),
        ("domains", pa.list_(pa.string())),
        ("emails", pa.list_(pa.string())),
        ("phones", pa.list_(pa.string())),
        ("province", pa.string()),
        ("address", pa.string()),
    ]
)


# --- features on the executors ---------------------------------------------------------------


def _none_if_empty(col: pd.Series) -> list[list[str] | None]:
    out: list[list[str] | None] = []
    for xs in col.tolist():
        out.append([str(x) for x in xs] if xs is not None and len(xs) else None)
    return out


def features_table(records: pd.DataFrame, first_id: int = 0) -> pa.Table:
    """Matching features of ``records`` in the columns Splink compares; ``unique_id`` numbers
    the records from ``first_id``. Pure and per record, so it runs on any partition."""
    from hotpass_assets.lib.matching.organisations import prepare_frame
    from hotpass_assets.lib.matching.text import normalise_strings

    frame = prepare_frame(records)
    n = len(frame)

    def text(col: str) -> pa.Array:
        s = frame[col].astype(object)
        return pa.array([None if pd.isna(x) or x == "" else str(x) for x in s], pa.string())

    cols = {
        "unique_id": pa.array(np.arange(first_id, first_id + n, dtype=np.int64)),
        "name_key": text("_name_key"),
        "name_core": text("_name_core"),
        "name_acronym": text("_name_acronym"),
        "name_tokens": pa.array(_none_if_empty(frame["_name_tokens"]), pa.list_(pa.string())),
        "domain": text("domain"),
        "domains": pa.array(_none_if_empty(frame["_domains"]), pa.list_(pa.string())),
        "emails": pa.array(_none_if_empty(frame["_emails"]), pa.list_(pa.string())),
        "phones": pa.array(_none_if_empty(frame["_phones"]), pa.list_(pa.string())),
        "province": text("province"),
        # as the default engine compares it: stripped, lower case, single spaces
        "address": pa.array(normalise_strings(frame["address"]), pa.string()),
    }
    return pa.table(cols, schema=_FEATURE_SCHEMA)


def _features_of_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        df = batch.to_pandas()
        ids = df.pop("_pos").to_numpy(dtype=np.int64)
        table = features_table(df)
        table = table.set_column(0, "unique_id", pa.array(ids))
        yield from table.to_batches()


def spark_features(spark: SparkSession, records: pd.DataFrame) -> SparkFrame:
    """The records as a Spark frame of matching features, derived on the executors;
    ``unique_id`` is the record's position in ``records``."""
    from pyspark.sql.pandas.types import from_arrow_schema

    cols = list(INPUT_COLUMNS)
    data = pd.DataFrame({c: _as_text(records, c) for c in cols})
    data["_pos"] = np.arange(len(records), dtype=np.int64)
    source = spark.createDataFrame(pa.Table.from_pandas(data, preserve_index=False))
    features = source.mapInArrow(_features_of_batches, from_arrow_schema(_FEATURE_SCHEMA))
    return _with_typo_keys(_with_rare_tokens(features))


def _as_text(records: pd.DataFrame, col: str) -> pd.Series:
    """A column as text: list cells (e-mails, phones) joined with "; ", which the feature
    functions split again."""
    if col not in records.columns:
        return pd.Series([None] * len(records), dtype=object)

    def one(x: object) -> str | None:
        if isinstance(x, list | tuple | np.ndarray | pa.Array):
            vals = [str(v) for v in x if v is not None and not pd.isna(v)]
            return "; ".join(vals) if vals else None
        if x is None or pd.isna(x):  # type: ignore[call-overload]
            return None
        return str(x)

    return pd.Series([one(x) for x in records[col].tolist()], dtype=object)


def _with_rare_tokens(features: SparkFrame) -> SparkFrame:
    """``rare_tokens``: the default engine's ``name_rare_tokens`` blocking key. Each record's
    ``RARE_TOKENS`` rarest name tokens; a token held (among those) by more than
    ``MAX_TOKEN_BLOCK`` records is refined into a sorted neighbourhood: its records sorted by
    name key, each paired with the next ``TOKEN_WINDOW - 1`` (two tilings of the sorted block,
    offset by half a tile, so records that close share a tile in one of them)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    tok = features.select(
        "unique_id", "name_key", F.explode("name_tokens").alias("token")
    ).distinct()
    counts = tok.groupBy("token").agg(F.count("*").alias("n"))
    kept = (
        tok.join(counts, "token")
        .withColumn(
            "r",
            F.row_number().over(Window.partitionBy("unique_id").orderBy("n", "token")),
        )
        .where(F.col("r") <= RARE_TOKENS)
    )
    block = Window.partitionBy("token")
    step = TOKEN_WINDOW - 1
    kept = kept.withColumn("size", F.count("*").over(block)).withColumn(
        "pos", F.row_number().over(block.orderBy("name_key", "unique_id"))
    )
    tiles = F.array(
        F.concat_ws("#", "token", F.lit("a"), F.floor(F.col("pos") / (2 * step)).cast("string")),
        F.concat_ws(
            "#", "token", F.lit("b"), F.floor((F.col("pos") + step) / (2 * step)).cast("string")
        ),
    )
    keys = F.when(F.col("size") <= MAX_TOKEN_BLOCK, F.array("token")).otherwise(tiles)
    ranked = (
        kept.select("unique_id", F.explode(keys).alias("key"))
        .groupBy("unique_id")
        .agg(F.collect_list("key").alias("rare_tokens"))
    )
    return features.join(ranked, "unique_id", "left")


#: SQL: a record's typo keys from its rarest long ``token`` and its ``tokens``: the token and
#: each of its one-character deletions, each with the record's other words, so "foleszel orion"
#: meets "folesel orion" (two tokens one substitution, insertion, deletion or transposition
#: apart share a deletion) but not "folesel karoo" (``blocking._deletion_keys``).
TYPO_KEYS_SQL = """
    transform(
        array_union(
            array(token),
            transform(
                sequence(1, length(token)),
                i -> concat(substr(token, 1, i - 1), substr(token, i + 1))
            )
        ),
        v -> concat(v, '|', array_join(array_sort(array_remove(tokens, token)), ' '))
    )
"""


def _with_typo_keys(features: SparkFrame) -> SparkFrame:
    """``typo_keys``: the default engine's ``name_typo`` blocking key, from each record's
    rarest name token of at least ``TYPO_MIN_LENGTH`` characters; keys of more than
    ``MAX_TYPO_BLOCK`` records are left out."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    words = features.select("unique_id", F.array_distinct("name_tokens").alias("tokens"))
    tok = words.select("unique_id", "tokens", F.explode("tokens").alias("token")).where(
        F.length("token") >= TYPO_MIN_LENGTH
    )
    counts = tok.groupBy("token").agg(F.count("*").alias("n"))
    rarest = (
        tok.join(counts, "token")
        .withColumn("r", F.row_number().over(Window.partitionBy("unique_id").orderBy("n", "token")))
        .where(F.col("r") == 1)
    )
    keys = rarest.select("unique_id", F.explode(F.expr(TYPO_KEYS_SQL)).alias("key")).distinct()
    small = keys.groupBy("key").agg(F.count("*").alias("n")).where(F.col("n") <= MAX_TYPO_BLOCK)
    kept = (
        keys.join(small.select("key"), "key")
        .groupBy("unique_id")
        .agg(F.collect_list("key").alias("typo_keys"))
    )
    return features.join(kept, "unique_id", "left")
