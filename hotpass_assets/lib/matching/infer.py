"""Zero-config inference: which columns of a table carry identity evidence, and how to compare them.

A column gets a type only when most of its non-empty values *parse* as that type (the column
name is a hint that lowers the bar, never a type on its own): an ``email`` column holds
addresses, a ``phone`` column holds 7 to 15 digits written like a phone number, a ``website``
column holds host names or URLs, a ``date`` column holds dates. Columns that carry no identity
evidence are left out, each with the reason: mostly empty, one value, flags (two values), counts,
free text (long, many words), or unique per row codes (another id column).

:func:`explain_config` returns the config :func:`hotpass_assets.lib.matching.dedupe.dedupe_frame`
would use, with a ``why`` for every field and a ``dropped`` list, shaped so that it can be saved
as YAML, edited and passed back (``hotpass dedupe --explain-config`` / ``--config``).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from hotpass_assets.lib.matching import text

#: a type is given when at least this share of the non-empty values parses as it
PARSE_SHARE = 0.8
#: ... or this share when the column name hints at the type
HINTED_SHARE = 0.5
#: columns with values in fewer rows than this share (or fewer than 2 rows) are left out
MIN_FILLED = 0.05
#: values looked at per column
SAMPLE = 5000

_EMAIL = re.compile(r"[a-z0-9._%+'-]+@[a-z0-9-]+(\.[a-z0-9-]+)+", re.I)
#: one or more addresses in a cell
_EMAILS = re.compile(rf"{_EMAIL.pattern}([;,\s]+{_EMAIL.pattern})*", re.I)
_WEBSITE = re.compile(
    r"((https?|ftp)://)?(www\d?\.)?[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(:\d+)?([/?#]\S*)?", re.I
)
_PHONE_CHARS = re.compile(r"\+?[\d\s().\-/]+((ext|x)\.?\s*\d+)?", re.I)
_DATE_TEXT = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}([ t]\d{1,2}:\d{2}(:\d{2})?)?|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    r"|\d{1,2} [a-z]{3,9} \d{4}|[a-z]{3,9} \d{1,2},? \d{4}",
    re.I,
)

#: a street-type word: values that mostly hold one are addresses (a generic English/Afrikaans
#: list of street types, not a domain vocabulary)
_STREET = re.compile(
    r"(?i)(?:^|\s)(?:street|str|st|road|rd|avenue|ave|av|drive|dr|lane|ln|place|pl|crescent|cres|"
    r"close|cl|way|circuit|cct|court|ct|boulevard|blvd|parade|pde|terrace|tce|highway|hwy|"
    r"straat|weg|laan|rylaan)\.?(?:$|\s|,)"
)

_NAME_HINTS = {
    "email": re.compile(r"e_?mail|(^|_)mail"),
    "phone": re.compile(r"phone|(^|_)tel|cell|mobile|fax|whatsapp|contact_n"),
    "website": re.compile(r"web|url|site|domain|homepage"),
    "date": re.compile(r"date|dob|birth|_at$|_on$"),
    "postcode": re.compile(r"postcode|post_code|zip|postal"),
    "code": re.compile(r"(^|_)(id|code|number|no|num|ssn|nr)($|_)|soc_sec|registration"),
    "name": re.compile(r"name|surname|given|first|last"),
    "address": re.compile(r"address|street|addr|suburb|city|town|locality"),
    "count": re.compile(r"count|total|qty|quantity|number_of|(^|_)n_|employees|staff|size"),
}


def _column_key(name: object) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


def _share(mask: pd.Series) -> float:
    return float(mask.mean()) if len(mask) else 0.0


def _texts(values: pd.Series) -> tuple[pd.Series, bool]:
    """Non-empty values as stripped text (list cells exploded), and whether cells are lists."""
    s = values.dropna()
    is_list = bool(len(s)) and isinstance(s.iloc[0], list | tuple | np.ndarray)
    if is_list:
        s = s.explode().dropna()
    if len(s) > SAMPLE:
        s = s.sample(SAMPLE, random_state=0)
    txt = s.astype(str).str.strip()
    return txt[(txt != "") & (txt.str.lower() != "nan")], is_list


def _phone_share(txt: pd.Series) -> tuple[float, float]:
    """(share written like a phone number, share with separators or a + prefix); a cell with
    several numbers ("082 123 4567 / 083 765 4321", "a; b") counts by its first one."""
    txt = txt.str.split(r"[;,]|\s+/\s+", regex=True).str[0].str.strip()
    shaped = txt.str.fullmatch(_PHONE_CHARS)
    digits = txt.str.replace(r"(?i)(ext|x)\.?\s*\d+$", "", regex=True).str.count(r"\d")
    ok = shaped & digits.between(7, 15)
    formatted = ok & txt.str.contains(r"[\s()\-+/.]", regex=True)
    return _share(ok), _share(formatted)


def _date_share(txt: pd.Series, raw: pd.Series) -> float:
    if pd.api.types.is_datetime64_any_dtype(raw):
        return 1.0
    compact = txt.str.fullmatch(r"(1[89]|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])")
    worded = txt.str.fullmatch(_DATE_TEXT)
    return _share(compact | worded)


def _hinted(col: str, kind: str) -> bool:
    """Whether the column's name hints at ``kind`` (see ``_NAME_HINTS``)."""
    return bool(_NAME_HINTS[kind].search(col))


def _parses(col: str, kind: str, share: float) -> bool:
    """Whether ``share`` of values parsing as ``kind`` is enough (less when the name hints)."""
    return share >= (HINTED_SHARE if _hinted(col, kind) else PARSE_SHARE)


def profile_column(name: object, values: pd.Series) -> dict[str, Any]:
    """``{"type": ..., "why": ...}`` for a compared column, or ``{"type": None, "why": ...}``
    for a column left out. Never raises on odd content."""
    col = _column_key(name)
    n = len(values)
    txt, is_list = _texts(values)
    filled = int(values.notna().sum()) if n else 0
    if len(txt) < 2 or filled < max(2, MIN_FILLED * n):
        return {"type": None, "why": f"mostly empty ({len(txt)} values in {n} rows)"}
    distinct = int(txt.str.lower().nunique())
    if distinct == 1:
        return {"type": None, "why": "one value in every filled row"}
    found = _contact_type(col, txt, values)
    if found is not None:
        return found
    if is_list:
        return {"type": "set", "why": "list values, compared by shared elements"}
    low = txt.str.lower()
    if distinct <= 3 and low.isin(_FLAG_WORDS).mean() > 0.9:
        return {"type": None, "why": f"a flag ({distinct} distinct values)"}
    words = txt.str.count(r"\S+")
    if txt.str.len().median() > 60 or words.median() > 10:
        return {"type": None, "why": f"free text (median {int(words.median())} words)"}
    found = _code_type(col, txt, values, distinct, words)
    if found is not None:
        return found
    return _text_type(col, txt, distinct, words)


def _contact_type(col: str, txt: pd.Series, values: pd.Series) -> dict[str, Any] | None:
    """E-mail, website, date or phone columns (and e-mail-like ones left out), else ``None``."""
    emails = _share(txt.str.fullmatch(_EMAILS))
    if _parses(col, "email", emails):
        return {"type": "email", "why": f"{emails:.0%} of values are e-mail addresses"}
    at_signs = _share(txt.str.contains("@", regex=False))
    if _hinted(col, "email") and at_signs >= HINTED_SHARE:
        return {"type": None, "why": f"e-mail-like, but only {emails:.0%} are valid addresses"}
    websites = _share(txt.str.fullmatch(_WEBSITE) & ~txt.str.contains("@", regex=False))
    if _parses(col, "website", websites) and (
        _hinted(col, "website") or txt.str.contains(r"\.").all()
    ):
        return {"type": "website", "why": f"{websites:.0%} of values are web addresses"}
    dates = _date_share(txt, values)
    if _parses(col, "date", dates):
        return {"type": "date", "why": f"{dates:.0%} of values are dates"}
    phones, formatted = _phone_share(txt)
    if _parses(col, "phone", phones) and (_hinted(col, "phone") or formatted >= 0.3):
        return {"type": "phone", "why": f"{phones:.0%} of values are phone numbers"}
    return None


def _code_type(
    col: str, txt: pd.Series, values: pd.Series, distinct: int, words: pd.Series
) -> dict[str, Any] | None:
    """Counts, postcodes, categories, digit codes, numbers and short codes, else ``None``."""
    digits = _share(txt.str.fullmatch(r"\d+"))
    number = _share(txt.str.fullmatch(r"[+-]?\d+([.,]\d+)?(e[+-]?\d+)?"))
    if _hinted(col, "count") and number >= PARSE_SHARE:
        return {"type": None, "why": "a count, not an identifier"}
    codes = _share(txt.str.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 \-]{1,9}"))
    if _hinted(col, "postcode") and codes >= HINTED_SHARE:
        return {"type": "postcode", "why": f"{codes:.0%} of values are short codes"}
    if distinct <= 50 and distinct / len(txt) < 0.05:
        return {"type": "category", "why": f"{distinct} distinct values (compared, not blocked)"}
    unique_per_row = distinct == len(txt) and len(txt) >= 20
    if digits >= PARSE_SHARE:
        if unique_per_row:
            return {"type": None, "why": "a different number in every row (a row id?)"}
        return {"type": "code", "why": f"{digits:.0%} of values are digit strings"}
    if number >= PARSE_SHARE or pd.api.types.is_float_dtype(values):
        return {"type": "numeric", "why": f"{number:.0%} of values are numbers"}
    if _hinted(col, "code") and txt.str.len().median() <= 12 and words.median() <= 1:
        if unique_per_row:
            return {"type": None, "why": "a different code in every row (a row id?)"}
        return {"type": "code", "why": "short codes in an id/code/number column"}
    return None


def _text_type(col: str, txt: pd.Series, distinct: int, words: pd.Series) -> dict[str, Any]:
    """Addresses, organisation names, personal names, else short text."""
    lettered = _share(txt.str.fullmatch(r"[^\W\d_][\w'’.,&()/\- ]*"))
    numbered = _share(txt.str.match(r"\d+[a-z]?\s+\w")) >= 0.5 and words.median() >= 2
    if _hinted(col, "address") or numbered or _share(txt.str.contains(_STREET)) >= 0.5:
        return {"type": "address", "why": "street addresses (token-set similarity)"}
    if lettered >= PARSE_SHARE and words.median() >= 2 and distinct / len(txt) >= 0.3:
        return {
            "type": "organisation_name",
            "noise": "learnt",
            "why": f"{lettered:.0%} of values are names of several words (legal suffixes, "
            "word order and words common in this table do not count)",
        }
    if _hinted(col, "name") and lettered >= HINTED_SHARE:
        return {"type": "name", "why": f"{lettered:.0%} of values are names (letters and words)"}
    return {"type": "string", "why": "short text (Jaro-Winkler similarity)"}


_FLAG_WORDS = frozenset(["y", "n", "yes", "no", "true", "false", "0", "1", "x", "t", "f", "-"])


def base_column(col: str) -> str:
    """The table column behind a blocking column (``email#domain`` is derived from ``email``)."""
    return col.split("#", 1)[0]


def blocking_frame(df: pd.DataFrame, fields: list[dict[str, Any]]) -> pd.DataFrame:
    """Normalised copies of the compared columns (and derived keys), used for blocking keys."""
    out = pd.DataFrame(index=range(len(df)))
    for f in fields:
        col = f.get("column") or f["name"]
        if col not in df.columns:
            raise KeyError(f"column {col!r} named in the config is not in the table")
        raw = df[col].reset_index(drop=True)
        kind = f.get("type", "string")
        n = len(raw)
        if kind == "email":
            idx, mails = text.email_entries(raw)
            out[col] = text.group_lists(idx, mails, n)
            di, dv = text.email_domain_entries(idx, mails)
            out[f"{col}#domain"] = text.group_lists(di, dv, n)
        elif kind == "phone":
            out[col] = text.group_lists(*text.national_numbers(raw), n)
        elif kind == "website":
            idx, vals = text.explode_values(raw, split=r"[;,\s]+")
            doms = text.website_domains(vals)
            ok = pd.notna(doms)
            out[col] = text.group_lists(idx[ok], doms[ok], n)
        elif kind == "set":
            lists = text.as_lists(raw)
            out[col] = lists.apply(lambda xs: [x.lower() for x in xs])
        elif kind == "organisation_name":
            from hotpass_assets.lib.matching.org_comparisons import organisation_features

            feats = organisation_features(raw, f.get("noise", "profile"))
            out[f"{col}#key"] = feats["key"]
            out[f"{col}#core"] = feats["core"]
            out[f"{col}#tokens"] = text.group_lists(
                *text.explode_values(feats["tokens"], split=None), n
            )
        elif kind in ("code", "postcode"):
            out[col] = (
                text.digits_only(raw)
                if raw.dropna().astype(str).str.fullmatch(r"[\d .\-]+").all()
                else text.normalise_strings(raw)
            )
        else:
            out[col] = text.normalise_strings(raw)
    return out


#: window of the sorted neighbourhood that refines an over-common block of an inferred rule
REFINE_WINDOW = 5
#: cap on the block size of inferred rules (larger blocks are refined)
MAX_BLOCK = 50
#: an inferred rule making more candidate pairs than this many per record is not used
PAIRS_PER_RECORD = 20


def blocking_for(field: dict[str, Any]) -> list[dict[str, Any]]:
    """Candidate blocking rules (config shape) for one compared field."""
    col, kind = field.get("column") or field["name"], field.get("type", "string")
    if kind in ("category", "numeric"):
        return []
    if kind in ("email", "phone", "website", "set"):
        rules: list[dict[str, Any]] = [{"columns": [col], "kind": "set"}]
        if kind == "email":
            rules.append({"columns": [f"{col}#domain"], "kind": "set"})
        return rules
    refine: dict[str, Any] = {"max_block_size": MAX_BLOCK, "refine_window": REFINE_WINDOW}
    if kind == "organisation_name":
        refine["sort_column"] = f"{col}#key"
        return [
            {"columns": [f"{col}#key"], "kind": "exact", **refine},
            {"columns": [f"{col}#core"], "kind": "exact", **refine},
            {"columns": [f"{col}#tokens"], "kind": "rare_tokens", "keep": 2, **refine},
            {"columns": [f"{col}#tokens"], "kind": "deletions", "keep": 1, **refine},
        ]
    if kind in ("name", "string", "address"):
        # the exact value, and the record's rarest words (a typo elsewhere in the value, or a
        # word order change, keeps the pair); over-common keys are refined, not dropped
        return [
            {"columns": [col], "kind": "exact", **refine},
            {"columns": [col], "kind": "rare_tokens", "keep": 2, **refine},
        ]
    return [{"columns": [col], "kind": "exact", **refine}]


def _rule_pairs(work: pd.DataFrame, rule: dict[str, Any]) -> int:
    """Candidate pairs the rule would make on ``work`` (blocks refined as configured)."""
    from hotpass_assets.lib.matching.blocking import BlockingRule, record_keys

    br = BlockingRule(
        name="estimate",
        kind=rule.get("kind", "exact"),
        columns=tuple(rule["columns"]),
        keep=int(rule.get("keep", 2)),
    )
    _, key = record_keys(work, br)
    if not len(key):
        return 0
    sizes = np.bincount(key).astype(np.int64)
    cap = int(rule.get("max_block_size") or MAX_BLOCK)
    window = int(rule.get("refine_window", 0))
    small = sizes[(sizes >= 2) & (sizes <= cap)]
    big = sizes[sizes > cap]
    return int((small * (small - 1) // 2).sum() + (big * max(window - 1, 0)).sum())


def choose_blocking(
    df: pd.DataFrame, fields: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rules kept, rules left out) for the fields: a rule is kept when it makes at most
    ``PAIRS_PER_RECORD`` candidate pairs per record (a key most records share is no evidence)."""
    work = blocking_frame(df, fields)
    budget = PAIRS_PER_RECORD * max(len(df), 50)
    names = [
        f"{f.get('column') or f['name']}#key"
        for f in fields
        if f.get("type") == "organisation_name"
    ]
    names += [f.get("column") or f["name"] for f in fields if f.get("type") == "name"]
    names += [f.get("column") or f["name"] for f in fields if f.get("type") == "string"]
    kept, left_out = [], []
    for f in fields:
        for rule in blocking_for(f):
            pairs = _rule_pairs(work, rule)
            if pairs <= budget:
                # EM learns m from selective keys only; loose keys make candidates, not weights
                train = rule.get("kind", "exact") in ("exact", "set") and pairs <= 2 * len(df)
                extra: dict[str, Any] = {"train": train}
                if rule.get("refine_window") and names and "sort_column" not in rule:
                    extra["sort_column"] = names[0]
                kept.append({**rule, **extra, "why": f"{pairs} candidate pairs"})
            else:
                left_out.append({**rule, "why": f"{pairs} candidate pairs: key too common"})
    return kept, left_out


def explain_config(df: pd.DataFrame, id_column: str) -> dict[str, Any]:
    """The inferred config with a ``why`` per field and blocking rule, the columns left out
    (``dropped``) and the blocking rules left out (``blocking_dropped``)."""
    fields: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []
    for col in df.columns:
        if col == id_column:
            continue
        prof = profile_column(col, df[col])
        if prof["type"] is None:
            dropped.append({"column": str(col), "why": prof["why"]})
        else:
            fields.append({"name": str(col), "type": prof["type"], "why": prof["why"]})
    kept, left_out = choose_blocking(df, fields) if fields else ([], [])
    return {
        "fields": fields,
        "blocking": kept,
        "policy": default_policy(fields, df),
        "dropped": dropped,
        "blocking_dropped": left_out,
    }


#: keys of the decision policy in a config (comparison name -> level names for each)
POLICY_KEYS = ("merge_when", "contradicting", "veto", "veto_unless")


def default_policy(fields: list[dict[str, Any]], df: pd.DataFrame) -> dict[str, Any]:
    """The decision policy for inferred fields of a table of organisations (a name column and
    a website, phone or e-mail column), each part with a ``why``:

    - ``merge_when``: identical folded organisation names merge without further evidence ...
    - ``contradicting``: ... unless another identifier disagrees (different website domains,
      phones, e-mail addresses or a different region), which sends the pair to scoring;
    - ``veto``: a pair goes to review whatever its score when its organisation names (or whole
      names of two or more words) disagree outright, or its regions (a category column) differ:
      two businesses at one address and phone, or branches of one brand, not typos;
    - ``veto_unless``: a shared phone or e-mail address lifts the veto.
    """
    contacts = [f for f in fields if f.get("type") in ("website", "phone", "email")]
    if len(fields) < 2 or not contacts:
        # the policy is for tables of organisations: names with contact identifiers
        return {}
    policy: dict[str, Any] = {}
    # the policy keys on a name column filled in most rows (an organisation's name is)
    names = []
    for f in fields:
        col = df[f.get("column") or f["name"]]
        if f.get("type") not in ("organisation_name", "name") or col.notna().mean() < 0.8:
            continue
        txt, _ = _texts(col)
        if f.get("type") == "organisation_name" or (
            len(txt) and txt.str.count(r"\S+").median() >= 2
        ):
            names.append(f)
    if names:
        policy["veto"] = {names[0]["name"]: ["different"]}
    if names and names[0].get("type") == "organisation_name":
        policy["merge_when"] = {names[0]["name"]: ["same_key"], "why": "identical folded names"}
        policy["contradicting"] = {
            f["name"]: ["different"]
            for f in fields
            if f.get("type") in ("website", "phone", "email", "category")
        }
        policy["contradicting"]["why"] = "another identifier disagrees"
    regions = [f["name"] for f in fields if f.get("type") == "category"]
    if names and regions:
        policy.setdefault("veto", {})[regions[0]] = ["different"]
        unless = {
            f["name"]: ["shared_value"] for f in fields if f.get("type") in ("phone", "email")
        }
        if unless:
            policy["veto_unless"] = {**unless, "why": "a shared phone or e-mail address"}
    if "veto" in policy:
        policy["veto"]["why"] = "names disagree outright, or regions differ (branches)"
    return policy


def infer_field_type(name: str, values: pd.Series) -> str:
    """The comparison type of one column (``"string"`` when the column would be left out)."""
    return profile_column(name, values)["type"] or "string"


def infer_config(df: pd.DataFrame, id_column: str) -> dict[str, Any]:
    """A config mapping (same shape as the YAML config) inferred from the table's contents."""
    cfg = explain_config(df, id_column)
    return {
        "fields": [{k: f[k] for k in ("name", "type")} for f in cfg["fields"]],
        "blocking": [{k: v for k, v in r.items() if k != "why"} for r in cfg["blocking"]],
    }
