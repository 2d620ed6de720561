"""Profile validation: the JSON Schema, then the rules a schema cannot express.

Every problem is reported with its JSON path (``$.kinds[0].sheets[1].fields.province.parser``)
and a readable message; :func:`validate_profile_data` raises one :class:`ProfileError` listing
all of them.
"""

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from hotpass_assets.lib.profiles.model import ALLOWED_PARSERS, ProfileError
from hotpass_assets.lib.profiles.schema import cached_schema

__all__ = ["validate_profile_data"]


def _json_path(parts: Iterable[Any]) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def _closest(name: str, choices: Iterable[str]) -> str | None:
    from rapidfuzz import process

    hit = process.extractOne(name, list(choices), score_cutoff=70)
    return str(hit[0]) if hit else None


def _describe_choice(error: Any) -> tuple[str, str]:
    """A ``oneOf``/``anyOf`` error: the most specific sub-error explains best what is wrong."""
    deepest = max(error.context, key=lambda e: (len(e.absolute_path), -len(e.message)))
    if len(deepest.absolute_path) > len(error.absolute_path):
        return _describe(deepest)
    expected = error.schema.get("description")
    if not expected:
        expected = " | ".join(
            sorted({e.message for e in error.context if "valid under each" not in e.message})
        )
    return _json_path(
        error.absolute_path
    ), f"{error.instance!r} is not valid here; expected {expected}"


def _describe_extra(error: Any, path: list[Any]) -> tuple[list[Any], str]:
    """An ``additionalProperties`` error: each unknown key, with the closest known one."""
    extra = re.findall(r"'([^']+)'", str(error.message).split("(")[-1])
    known = list(error.schema.get("properties", {}))
    parts = []
    for name in extra:
        hint = _closest(name, known)
        where = _json_path([*path, name])
        parts.append(
            f"unknown key {name!r} at {where}" + (f" (did you mean {hint!r}?)" if hint else "")
        )
    if known and path and path[-1] == "fields":
        parts.append("canonical fields: " + ", ".join(known))
    message = "; ".join(parts) or str(error.message)
    if len(extra) == 1:
        path = [*path, extra[0]]
    return path, message


def _describe(error: Any) -> tuple[str, str]:
    """JSON path and a readable message of one jsonschema error (descending into oneOf)."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        return _describe_choice(error)
    path = list(error.absolute_path)
    message = str(error.message)
    if error.validator == "additionalProperties":
        path, message = _describe_extra(error, path)
    elif error.validator == "required":
        message = f"missing required key: {message}"
    elif error.validator == "enum":
        message = f"{error.instance!r} is not allowed; expected one of {error.validator_value}"
    return _json_path(path), message


def validate_profile_data(data: object, file: str | Path = "<profile>") -> None:
    """Validate parsed profile YAML; raises :class:`ProfileError` listing every problem."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(cached_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    problems = [": ".join(_describe(e)) for e in errors]
    if not problems and isinstance(data, Mapping):
        problems = _semantic_problems(data)
    if problems:
        first_path, _, first_msg = problems[0].partition(": ")
        raise ProfileError(file, first_path, first_msg, problems)


# --- rules JSON Schema cannot express ------------------------------------------------------------


def _regex_problem(pattern: str, where: str) -> list[str]:
    try:
        re.compile(pattern)
    except re.error as exc:
        return [f"{where}: invalid regular expression: {exc}"]
    return []


def _semantic_problems(data: Mapping[str, Any]) -> list[str]:
    """Rules JSON Schema cannot express: parsers per field, link targets, regexes, duplicates."""
    problems: list[str] = []
    for ki, kind in enumerate(data.get("kinds") or []):
        problems += _kind_problems(kind, f"$.kinds[{ki}]")
    generic = data.get("generic")
    if generic:
        problems += _generic_problems(generic)
    return problems


def _kind_problems(kind: Mapping[str, Any], base: str) -> list[str]:
    problems: list[str] = []
    rec = kind["recognise"]
    if "file_name" in rec:
        problems += _regex_problem(rec["file_name"], f"{base}.recognise.file_name")
    if not rec.get("file_name") and not rec.get("sheets"):
        problems.append(f"{base}.recognise: needs file_name or sheets")
    seen: set[str] = set()
    roles = {s["sheet"]: s["role"] for s in kind["sheets"]}
    for si, sheet in enumerate(kind["sheets"]):
        where = f"{base}.sheets[{si}]"
        if sheet["sheet"] in seen:
            problems.append(f"{where}.sheet: sheet {sheet['sheet']!r} is listed twice")
        seen.add(sheet["sheet"])
        problems += _field_problems(sheet.get("fields") or {}, where)
        if sheet.get("link"):
            problems += _link_problems(sheet, roles, kind["kind"], where)
    for ii, ign in enumerate(kind.get("ignore") or []):
        if ign["sheet"] in seen:
            problems.append(f"{base}.ignore[{ii}].sheet: {ign['sheet']!r} is both read and ignored")
    return problems


def _field_problems(fields: Mapping[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    for fname, spec in fields.items():
        if not isinstance(spec, dict):
            continue
        parser = spec.get("parser")
        if parser and parser not in ALLOWED_PARSERS[fname]:
            problems.append(
                f"{where}.fields.{fname}.parser: parser {parser!r} does not suit "
                f"field {fname!r}; allowed: {sorted(ALLOWED_PARSERS[fname])}"
            )
        if "match" in spec:
            problems += _regex_problem(spec["match"], f"{where}.fields.{fname}.match")
    return problems


def _link_problems(
    sheet: Mapping[str, Any], roles: Mapping[str, str], kind: str, where: str
) -> list[str]:
    problems: list[str] = []
    link = sheet["link"]
    target = link["sheet"]
    if target not in roles:
        problems.append(f"{where}.link.sheet: {target!r} is not a sheet of kind {kind!r}")
    elif roles[target] != "organisations":
        problems.append(
            f"{where}.link.sheet: {target!r} has role {roles[target]!r}; links must "
            "point at an organisations sheet"
        )
    if link.get("on_unlinked") == "organisation" and "organisation_name" not in (
        sheet.get("fields") or {}
    ):
        problems.append(
            f"{where}.link.on_unlinked: 'organisation' needs an organisation_name field"
        )
    if sheet["role"] == "organisations":
        problems.append(f"{where}.link: an organisations sheet does not link")
    for ki, key in enumerate(link.get("keys") or []):
        if key.get("method") == "id" and "fuzzy_threshold" in key:
            problems.append(
                f"{where}.link.keys[{ki}].fuzzy_threshold: id keys match exactly; "
                "fuzzy matching applies to name and accounting_name keys"
            )
    return problems


def _generic_problems(generic: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    for fname, parser in (generic.get("parsers") or {}).items():
        if fname not in ALLOWED_PARSERS:
            problems.append(f"$.generic.parsers.{fname}: unknown field {fname!r}")
        elif parser not in ALLOWED_PARSERS[fname]:
            problems.append(
                f"$.generic.parsers.{fname}: parser {parser!r} does not suit field {fname!r}"
            )
    for i, pattern in enumerate(generic.get("ignore_sheets") or []):
        problems += _regex_problem(pattern, f"$.generic.ignore_sheets[{i}]")
    return problems
