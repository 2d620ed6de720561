"""Deduplicate any table: comparisons inferred from column names and contents, or configured.

Config (a YAML-shaped mapping; every key optional)::

    fields:                       # comparisons; inferred from the table when absent
      - {name: given_name, type: name}              # name | string | address | exact | category
      - {name: date_of_birth, type: date}           # date | numeric | code | postcode
      - {name: email, type: email}                  # email | phone | set (list or ;-separated)
      - {name: soc_sec_id, type: code, max_edits: [1, 2], tf: true}
    blocking:                     # candidate keys; one per compared column when absent
      - [surname]                                   # exact on one or more columns
      - {columns: [given_name], kind: prefix, length: 3}
      - {columns: [email], kind: set}
      - {columns: [surname], kind: neighbourhood, window: 4}
    thresholds: {match: 0.95, review: 0.5, conflict_weight: -10}
    max_block_size: 1000
    max_cluster_size: 100

Column types inferred (first that fits): e-mail (``mail`` in the name, or "@" in most values);
phone (``phone``, ``tel``, ``cell``, ``mobile``, ``fax``, ``whatsapp``); date (``date``, ``dob``,
``birth`` in the name, or values parse as dates); postcode (``postcode``, ``zip``, ``postal``);
code (mostly digit strings, or ``id``/``code``/``number`` names with short values); numeric
(numbers with decimals); category (few distinct values); name (``name`` in the column name);
address (``address``, ``street``, ``suburb``, ``city``, ``town``); otherwise string.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping

import numpy as np
import pandas as pd

from hotpass_assets.lib.matching import text
from hotpass_assets.lib.matching.blocking import BlockingRule
from hotpass_assets.lib.matching.comparisons import build_comparison
from hotpass_assets.lib.matching.engine import EngineConfig, run
from hotpass_assets.lib.matching.ids import assign_entity_ids

_NAME_HINTS = {
    "email": re.compile(r"e-?mail|mail"),
    "phone": re.compile(r"phone|tel|cell|mobile|fax|whatsapp|contact_number"),
    "date": re.compile(r"date|dob|birth|_at$|_on$"),
    "postcode": re.compile(r"postcode|post_code|zip|postal"),
    "code": re.compile(r"(^|_)(id|code|number|no|num|ssn|nr)($|_)|soc_sec|registration"),
    "name": re.compile(r"name|surname|given|first|last"),
    "address": re.compile(r"address|street|addr|suburb|city|town|locality"),
}


def infer_field_type(name: str, values: pd.Series) -> str:
    """The comparison type for one column, from its name and a sample of its values."""
    col = re.sub(r"[^a-z0-9]+", "_", name.lower())
    s = values.dropna()
    if len(s) > 5000:
        s = s.sample(5000, random_state=0)
    if not len(s):
        return "exact"
    if isinstance(s.iloc[0], list | tuple | np.ndarray):
        flat = s.explode().dropna().astype(str)
        if _NAME_HINTS["email"].search(col) or flat.str.contains("@").mean() > 0.5:
            return "email"
        if _NAME_HINTS["phone"].search(col):
            return "phone"
        return "set"
    txt = s.astype(str).str.strip()
    txt = txt[txt != ""]
    if not len(txt):
        return "exact"
    if _NAME_HINTS["email"].search(col) or txt.str.contains("@", regex=False).mean() > 0.5:
        return "email"
    if _NAME_HINTS["phone"].search(col):
        return "phone"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "date"
    digits = txt.str.fullmatch(r"\d+").mean()
    if _NAME_HINTS["date"].search(col):
        return "date"
    if digits > 0.8 and txt.str.len().median() == 8:
        ok = pd.to_datetime(txt, format="%Y%m%d", errors="coerce").notna().mean()
        if ok > 0.8:
            return "date"
    if txt.str.fullmatch(r"\d{4}-\d{2}-\d{2}.*|\d{1,2}/\d{1,2}/\d{4}").mean() > 0.8:
        return "date"
    if _NAME_HINTS["postcode"].search(col):
        return "postcode"
    distinct = txt.nunique()
    if distinct <= 50 and distinct / len(txt) < 0.05:
        return "category"
    if digits > 0.8:
        return "code"
    if txt.str.fullmatch(r"[+-]?\d+[.,]\d+").mean() > 0.8 or pd.api.types.is_float_dtype(values):
        return "numeric"
    if _NAME_HINTS["code"].search(col) and txt.str.len().median() <= 12:
        return "code"
    if _NAME_HINTS["address"].search(col):
        return "address"
    if _NAME_HINTS["name"].search(col):
        return "name"
    return "string"


def infer_config(df: pd.DataFrame, id_column: str) -> dict:
    """A config mapping (same shape as the YAML config) inferred from the table."""
    fields = []
    blocking = []
    for col in df.columns:
        if col == id_column:
            continue
        kind = infer_field_type(str(col), df[col])
        fields.append({"name": str(col), "type": kind})
        if kind in ("category", "numeric"):
            continue
        if kind in ("email", "phone", "set"):
            blocking.append({"columns": [str(col)], "kind": "set"})
        else:
            blocking.append([str(col)])
    return {"fields": fields, "blocking": blocking}


def _work_frame(df: pd.DataFrame, fields: list[dict]) -> pd.DataFrame:
    """Normalised copies of the compared columns, used for blocking keys."""
    out = pd.DataFrame(index=range(len(df)))
    for f in fields:
        col = f.get("column") or f["name"]
        if col not in df.columns:
            raise KeyError(f"column {col!r} named in the config is not in the table")
        raw = df[col].reset_index(drop=True)
        kind = f.get("type", "string")
        if kind in ("email", "phone", "set"):
            lists = text.as_lists(raw)
            if kind == "phone":
                lists = lists.apply(
                    lambda xs: [re.sub(r"\D", "", x)[-9:] for x in xs if re.sub(r"\D", "", x)]
                )
            else:
                lists = lists.apply(lambda xs: [x.lower() for x in xs])
            out[col] = lists
        elif kind in ("code", "postcode"):
            out[col] = (
                text.digits_only(raw)
                if raw.dropna().astype(str).str.fullmatch(r"[\d .\-]+").all()
                else text.normalise_strings(raw)
            )
        else:
            out[col] = text.normalise_strings(raw)
    return out


def _blocking_rules(spec: list) -> list[BlockingRule]:
    rules = []
    for k, item in enumerate(spec):
        if isinstance(item, str):
            item = [item]
        if isinstance(item, list | tuple):
            item = {"columns": list(item)}
        cols = tuple(item.get("columns") or [item["column"]])
        kind = item.get("kind", "exact")
        name = item.get("name") or f"{kind}:{'+'.join(cols)}" + (
            f"#{k}" if any(r.name == f"{kind}:{'+'.join(cols)}" for r in rules) else ""
        )
        rules.append(
            BlockingRule(
                name=name,
                kind=kind,
                columns=cols,
                length=int(item.get("length", 4)),
                keep=int(item.get("keep", 2)),
                window=int(item.get("window", 4)),
                max_block_size=item.get("max_block_size"),
            )
        )
    return rules


def dedupe_frame(
    df: pd.DataFrame,
    id_column: str,
    config: Mapping | None = None,
    *,
    previous_ids: Mapping[str, str] | None = None,
    id_prefix: str = "ent",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Deduplicate ``df``: returns (``[id_column, entity_id]`` per row, scored pairs).

    With ``config`` None the comparisons and blocking keys are inferred (see module doc). The
    pairs frame has ``left_id``, ``right_id``, ``match_weight``, ``match_probability``,
    ``decision`` (match, review, conflict) and one ``cmp_<field>`` column of per-field evidence.
    Entity ids follow :func:`assign_entity_ids` (``previous_ids`` keeps earlier ids).
    """
    if id_column not in df.columns:
        raise KeyError(f"id column {id_column!r} is not in the table")
    ids = df[id_column].astype(str).reset_index(drop=True)
    if ids.duplicated().any():
        raise ValueError(f"id column {id_column!r} has duplicate values")
    cfg = dict(config or {})
    inferred = infer_config(df, id_column)
    fields = list(cfg.get("fields") or inferred["fields"])
    fields = [{"name": f} if isinstance(f, str) else dict(f) for f in fields]
    for f in fields:
        if "type" not in f:
            col = f.get("column") or f["name"]
            f["type"] = infer_field_type(col, df[col])
    blocking_spec = cfg.get("blocking")
    if not blocking_spec:
        blocking_spec = [
            b
            for b in inferred["blocking"]
            if (b[0] if isinstance(b, list) else b["columns"][0])
            in {f.get("column") or f["name"] for f in fields}
        ]
    thresholds = dict(cfg.get("thresholds") or {})
    work = _work_frame(df, fields)
    src = df.reset_index(drop=True)
    frame = src[[f.get("column") or f["name"] for f in fields]].copy()
    for col in work.columns:
        frame[f"_block_{col}"] = work[col]
    rules = [
        BlockingRule(
            name=r.name,
            kind=r.kind,
            columns=tuple(f"_block_{c}" for c in r.columns),
            length=r.length,
            keep=r.keep,
            window=r.window,
            max_block_size=r.max_block_size,
            covers=tuple(
                f.get("name") for f in fields if (f.get("column") or f["name"]) in r.columns
            ),
        )
        for r in _blocking_rules(blocking_spec)
    ]
    comps = [build_comparison({**f, "column": f.get("column") or f["name"]}) for f in fields]
    eng = EngineConfig(
        comparisons=comps,
        blocking=rules,
        match_threshold=float(thresholds.get("match", 0.95)),
        review_threshold=float(thresholds.get("review", 0.5)),
        conflict_weight=float(thresholds.get("conflict_weight", -10.0)),
        max_block_size=int(cfg.get("max_block_size", 1000)),
        max_cluster_size=int(cfg.get("max_cluster_size", 100)),
    )
    t = time.perf_counter()
    res = run(frame, eng)
    labels = pd.Series(res.labels, index=ids.to_numpy())
    entity_of, _ = assign_entity_ids(labels, previous_ids, prefix=id_prefix)
    out = pd.DataFrame(
        {id_column: df[id_column].to_numpy(), "entity_id": ids.map(entity_of).to_numpy()}
    )
    pairs = res.pairs.copy()
    id_arr = ids.to_numpy()
    pairs.insert(0, "left_id", id_arr[pairs["left"].to_numpy()])
    pairs.insert(1, "right_id", id_arr[pairs["right"].to_numpy()])
    pairs = pairs.drop(columns=["left", "right"]).reset_index(drop=True)
    out.attrs["stats"] = {**res.stats, **res.timings, "total_s": time.perf_counter() - t}
    out.attrs["model"] = res.model.as_dict()
    return out, pairs
