"""Declarative capture profiles: loading, validation, workbook recognition and header mapping.

A profile is a YAML file validated against ``schema.json``. It either lists workbook *kinds*
(how to recognise each, which sheets to read with which role, column → canonical field mappings,
joins between sheets, deliberately ignored sheets and columns) or describes the *generic* fallback
(header synonyms per canonical field, fuzzy threshold). See ``docs/profiles.md``.

Shipped profiles live next to this module (``aviation.yaml``, ``generic.yaml``); any other YAML
path can be loaded with :func:`load_profile`. Nothing is read at import time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from hotpass_assets.lib.reading import Workbook, header_key, open_workbook

__all__ = [
    "CONTACT_FIELDS",
    "DEFAULT_PARSERS",
    "FIELDS",
    "ORGANISATION_FIELDS",
    "PROFILE_DIR",
    "ROLES",
    "FieldSpec",
    "GenericSpec",
    "HeaderMapping",
    "HeaderMatch",
    "IgnoredSheet",
    "Kind",
    "LinkKey",
    "LinkSpec",
    "Profile",
    "ProfileError",
    "SheetSpec",
    "UnmappedSpec",
    "available_profiles",
    "load_profile",
    "load_profiles",
    "map_headers",
    "recognise_kind",
    "resolve_column",
    "select_profile",
    "validate_profile_data",
]

PROFILE_DIR = Path(__file__).resolve().parent
GENERIC = "generic"

#: Canonical organisation fields a profile may map (capture organisation columns).
ORGANISATION_FIELDS: tuple[str, ...] = (
    "organisation_name",
    "accounting_name",
    "province",
    "country",
    "address",
    "category",
    "org_type",
    "status",
    "website",
    "aircraft_types",
    "description",
    "notes",
    "emails",
    "phones",
    "interaction_date",
    "last_order_date",
    "order_count",
    "order_status",
)
#: Canonical contact fields a profile may map (one source row → one or more people).
CONTACT_FIELDS: tuple[str, ...] = (
    "full_name",
    "first_name",
    "last_name",
    "role",
    "contact_phones",
    "contact_emails",
    "contact_invalid",
)
FIELDS: tuple[str, ...] = ORGANISATION_FIELDS + CONTACT_FIELDS
ROLES: tuple[str, ...] = ("organisations", "contacts", "addresses", "orders", "notes")

#: Parser each field uses unless the profile names another.
DEFAULT_PARSERS: dict[str, str] = {
    **dict.fromkeys(
        (
            "organisation_name",
            "accounting_name",
            "country",
            "address",
            "category",
            "org_type",
            "status",
            "description",
            "notes",
            "order_status",
            "full_name",
            "first_name",
            "last_name",
            "role",
        ),
        "text",
    ),
    "province": "province",
    "website": "website",
    "aircraft_types": "list",
    "emails": "emails",
    "contact_emails": "emails",
    "phones": "phones",
    "contact_phones": "phones",
    "interaction_date": "date",
    "last_order_date": "date",
    "order_count": "integer",
    "contact_invalid": "flag",
}

#: Parsers each field accepts (the first is its default).
_ALLOWED_PARSERS: dict[str, frozenset[str]] = {f: frozenset({DEFAULT_PARSERS[f]}) for f in FIELDS}
for _f in (
    "organisation_name",
    "accounting_name",
    "country",
    "address",
    "category",
    "org_type",
    "status",
    "description",
    "notes",
    "order_status",
    "first_name",
    "last_name",
    "role",
):
    _ALLOWED_PARSERS[_f] = frozenset({"text"})
_ALLOWED_PARSERS["full_name"] = frozenset({"text", "person_with_role"})
_ALLOWED_PARSERS["aircraft_types"] = frozenset({"list", "multi"})
_ALLOWED_PARSERS["interaction_date"] = frozenset({"date"})
_ALLOWED_PARSERS["last_order_date"] = frozenset({"date"})
_ALLOWED_PARSERS["province"] = frozenset({"province", "text"})
_ALLOWED_PARSERS["contact_invalid"] = frozenset({"flag"})
_ALLOWED_PARSERS["order_count"] = frozenset({"integer"})

#: Fields whose values are lists (several columns or several values per cell are unioned).
LIST_FIELDS = frozenset({"aircraft_types", "emails", "phones", "contact_phones", "contact_emails"})


class ProfileError(ValueError):
    """A profile that cannot be used; names the profile file, the JSON path and the problem."""

    def __init__(self, file: str | Path, path: str, message: str, problems: Sequence[str] = ()):
        self.file = str(file)
        self.path = path
        self.problem = message
        self.problems = list(problems) or [f"{path}: {message}"]
        text = f"profile {self.file}: {path}: {message}"
        if len(self.problems) > 1:
            text += f" (and {len(self.problems) - 1} more: " + "; ".join(self.problems[1:]) + ")"
        super().__init__(text)


# --- model -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field fed by one or more source columns."""

    field: str
    columns: tuple[str, ...]
    parser: str
    separators: str | None = None
    allow_serial: bool = False
    match: str | None = None
    label: bool = False
    required: bool = False

    @property
    def is_list(self) -> bool:
        return self.field in LIST_FIELDS or self.parser in {"list", "multi"}


@dataclass(frozen=True)
class LinkKey:
    method: str  # "id", "name" or "accounting_name"
    column: str  # column of the joined sheet
    target: str  # column of the target (organisations) sheet
    #: Fuzzy ratio threshold of this key; ``None``: the link's ``fuzzy_threshold``.
    fuzzy_threshold: float | None = None
    #: What ``link_method`` records for this key (``_key``/``_fuzzy`` appended by those rules).
    link_method: str | None = None

    @property
    def label(self) -> str:
        return self.link_method or self.method


@dataclass(frozen=True)
class LinkSpec:
    sheet: str
    keys: tuple[LinkKey, ...]
    fuzzy_threshold: float | None = None
    on_unlinked: str = "reject"


@dataclass(frozen=True)
class UnmappedSpec:
    to: str = "notes"
    extract: tuple[str, ...] = ()


@dataclass(frozen=True)
class SheetSpec:
    sheet: str
    role: str
    fields: dict[str, FieldSpec]
    header_row: int | str = 1
    optional: bool = False
    required_columns: tuple[str, ...] = ()
    #: Columns the source fills on every data row (the source contract requires them too).
    key_columns: tuple[str, ...] = ()
    id_columns: tuple[str, ...] = ()
    ignore_columns: dict[str, str] = field(default_factory=dict)
    unmapped: UnmappedSpec = field(default_factory=UnmappedSpec)
    link: LinkSpec | None = None
    description: str = ""

    def columns(self) -> list[str]:
        """Every column this sheet spec names (fields, link keys)."""
        cols = [c for spec in self.fields.values() for c in spec.columns]
        if self.link:
            cols += [k.column for k in self.link.keys]
        return list(dict.fromkeys(cols))


@dataclass(frozen=True)
class IgnoredSheet:
    sheet: str
    reason: str


@dataclass(frozen=True)
class Recogniser:
    file_name: str | None = None
    sheets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    mode: str = "any"


@dataclass(frozen=True)
class Kind:
    kind: str
    source_dataset: str
    trust: int
    phone_region: str
    country: str | None
    recognise: Recogniser
    sheets: tuple[SheetSpec, ...]
    ignore: tuple[IgnoredSheet, ...] = ()
    description: str = ""

    def sheet(self, name: str) -> SheetSpec | None:
        return next((s for s in self.sheets if s.sheet == name), None)


@dataclass(frozen=True)
class GenericSpec:
    source_dataset: str
    trust: int
    phone_region: str
    country: str | None
    header_scan_rows: int
    fuzzy_threshold: float
    synonyms: dict[str, tuple[str, ...]]
    parsers: dict[str, str]
    unmapped: UnmappedSpec
    ignore_sheets: tuple[str, ...] = ()

    def parser_for(self, field_name: str) -> str:
        return self.parsers.get(field_name, DEFAULT_PARSERS[field_name])

    def hints(self) -> list[str]:
        """Every known header (synonyms and field names), for header-row detection."""
        return [*FIELDS, *(s for syns in self.synonyms.values() for s in syns)]


@dataclass(frozen=True)
class Profile:
    name: str
    file: str
    description: str
    priority: int
    kinds: tuple[Kind, ...] = ()
    generic: GenericSpec | None = None

    @property
    def is_generic(self) -> bool:
        return self.generic is not None

    def kind(self, name: str) -> Kind:
        for k in self.kinds:
            if k.kind == name:
                return k
        raise KeyError(f"profile {self.name!r} has no kind {name!r}")


# --- loading and validation --------------------------------------------------------------------


@cache
def _schema() -> dict:
    return json.loads((PROFILE_DIR / "schema.json").read_text(encoding="utf-8"))


def _json_path(parts: Iterable[Any]) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def _closest(name: str, choices: Iterable[str]) -> str | None:
    from rapidfuzz import process

    hit = process.extractOne(name, list(choices), score_cutoff=70)
    return hit[0] if hit else None


def _describe(error) -> tuple[str, str]:
    """JSON path and a readable message of one jsonschema error (descending into oneOf)."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        # The most specific sub-error explains best what is wrong.
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
    path = list(error.absolute_path)
    message = error.message
    if error.validator == "additionalProperties":
        extra = re.findall(r"'([^']+)'", message.split("(")[-1])
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
        message = "; ".join(parts) or message
        if len(extra) == 1:
            path = [*path, extra[0]]
    elif error.validator == "required":
        message = f"missing required key: {message}"
    elif error.validator == "enum":
        message = f"{error.instance!r} is not allowed; expected one of {error.validator_value}"
    return _json_path(path), message


def validate_profile_data(data: object, file: str | Path = "<profile>") -> None:
    """Validate parsed profile YAML; raises :class:`ProfileError` listing every problem."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    problems = [": ".join(_describe(e)) for e in errors]
    if not problems:
        problems = _semantic_problems(data)
    if problems:
        first_path, _, first_msg = problems[0].partition(": ")
        raise ProfileError(file, first_path, first_msg, problems)


def _semantic_problems(data: Mapping) -> list[str]:
    """Rules JSON Schema cannot express: parsers per field, link targets, regexes, duplicates."""
    problems: list[str] = []

    def check_regex(pattern: str, where: str) -> None:
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.append(f"{where}: invalid regular expression: {exc}")

    for ki, kind in enumerate(data.get("kinds") or []):
        base = f"$.kinds[{ki}]"
        rec = kind["recognise"]
        if "file_name" in rec:
            check_regex(rec["file_name"], f"{base}.recognise.file_name")
        if not rec.get("file_name") and not rec.get("sheets"):
            problems.append(f"{base}.recognise: needs file_name or sheets")
        seen: dict[str, str] = {}
        roles = {s["sheet"]: s["role"] for s in kind["sheets"]}
        for si, sheet in enumerate(kind["sheets"]):
            where = f"{base}.sheets[{si}]"
            if sheet["sheet"] in seen:
                problems.append(f"{where}.sheet: sheet {sheet['sheet']!r} is listed twice")
            seen[sheet["sheet"]] = where
            for fname, spec in (sheet.get("fields") or {}).items():
                if isinstance(spec, dict):
                    parser = spec.get("parser")
                    if parser and parser not in _ALLOWED_PARSERS[fname]:
                        problems.append(
                            f"{where}.fields.{fname}.parser: parser {parser!r} does not suit "
                            f"field {fname!r}; allowed: {sorted(_ALLOWED_PARSERS[fname])}"
                        )
                    if "match" in spec:
                        check_regex(spec["match"], f"{where}.fields.{fname}.match")
            link = sheet.get("link")
            if link:
                target = link["sheet"]
                if target not in roles:
                    problems.append(
                        f"{where}.link.sheet: {target!r} is not a sheet of kind {kind['kind']!r}"
                    )
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
        for ii, ign in enumerate(kind.get("ignore") or []):
            if ign["sheet"] in seen:
                problems.append(
                    f"{base}.ignore[{ii}].sheet: {ign['sheet']!r} is both read and ignored"
                )
    generic = data.get("generic")
    if generic:
        for fname, parser in (generic.get("parsers") or {}).items():
            if fname not in _ALLOWED_PARSERS:
                problems.append(f"$.generic.parsers.{fname}: unknown field {fname!r}")
            elif parser not in _ALLOWED_PARSERS[fname]:
                problems.append(
                    f"$.generic.parsers.{fname}: parser {parser!r} does not suit field {fname!r}"
                )
        for i, pattern in enumerate(generic.get("ignore_sheets") or []):
            check_regex(pattern, f"$.generic.ignore_sheets[{i}]")
    return problems


def _field_spec(name: str, raw: object) -> FieldSpec:
    if isinstance(raw, str):
        return FieldSpec(name, (raw,), DEFAULT_PARSERS[name])
    if isinstance(raw, list):
        return FieldSpec(name, tuple(raw), DEFAULT_PARSERS[name])
    assert isinstance(raw, dict)
    cols = tuple(raw["columns"]) if "columns" in raw else (raw["column"],)
    return FieldSpec(
        field=name,
        columns=cols,
        parser=raw.get("parser", DEFAULT_PARSERS[name]),
        separators=raw.get("separators"),
        allow_serial=bool(raw.get("allow_serial", False)),
        match=raw.get("match"),
        label=bool(raw.get("label", False)),
        required=bool(raw.get("required", False)),
    )


def _unmapped(raw: Mapping | None) -> UnmappedSpec:
    raw = raw or {}
    return UnmappedSpec(to=raw.get("to", "notes"), extract=tuple(raw.get("extract", ())))


def _build(data: Mapping, file: str) -> Profile:
    defaults = data.get("defaults") or {}
    kinds = []
    for k in data.get("kinds") or []:
        sheets = []
        for s in k["sheets"]:
            link = None
            if s.get("link"):
                lk = s["link"]
                link = LinkSpec(
                    sheet=lk["sheet"],
                    keys=tuple(
                        LinkKey(
                            x["method"],
                            x["column"],
                            x["target"],
                            fuzzy_threshold=x.get("fuzzy_threshold"),
                            link_method=x.get("link_method"),
                        )
                        for x in lk["keys"]
                    ),
                    fuzzy_threshold=lk.get("fuzzy_threshold"),
                    on_unlinked=lk.get("on_unlinked", "reject"),
                )
            sheets.append(
                SheetSpec(
                    sheet=s["sheet"],
                    role=s["role"],
                    fields={n: _field_spec(n, v) for n, v in (s.get("fields") or {}).items()},
                    header_row=s.get("header_row", 1),
                    optional=bool(s.get("optional", False)),
                    required_columns=tuple(s.get("required_columns", ())),
                    key_columns=tuple(s.get("key_columns", ())),
                    id_columns=tuple(s.get("id_columns", ())),
                    ignore_columns=dict(s.get("ignore_columns") or {}),
                    unmapped=_unmapped(s.get("unmapped")),
                    link=link,
                    description=s.get("description", ""),
                )
            )
        rec = k["recognise"]
        kinds.append(
            Kind(
                kind=k["kind"],
                source_dataset=k["source_dataset"],
                trust=int(k["trust"]),
                phone_region=k.get("phone_region", defaults.get("phone_region", "ZA")),
                country=k.get("country", defaults.get("country")),
                recognise=Recogniser(
                    file_name=rec.get("file_name"),
                    sheets={n: tuple(h) for n, h in (rec.get("sheets") or {}).items()},
                    mode=rec.get("mode", "any"),
                ),
                sheets=tuple(sheets),
                ignore=tuple(IgnoredSheet(i["sheet"], i["reason"]) for i in k.get("ignore") or []),
                description=k.get("description", ""),
            )
        )
    generic = None
    if data.get("generic"):
        g = data["generic"]
        generic = GenericSpec(
            source_dataset=g["source_dataset"],
            trust=int(g["trust"]),
            phone_region=g.get("phone_region", defaults.get("phone_region", "ZA")),
            country=g.get("country", defaults.get("country")),
            header_scan_rows=int(g.get("header_scan_rows", defaults.get("header_scan_rows", 15))),
            fuzzy_threshold=float(g.get("fuzzy_threshold", 88)),
            synonyms={f: tuple(v) for f, v in g["synonyms"].items()},
            parsers=dict(g.get("parsers") or {}),
            unmapped=_unmapped(g.get("unmapped")),
            ignore_sheets=tuple(g.get("ignore_sheets") or ()),
        )
    return Profile(
        name=data["name"],
        file=file,
        description=data.get("description", ""),
        priority=int(data.get("priority", 0)),
        kinds=tuple(kinds),
        generic=generic,
    )


def available_profiles() -> list[str]:
    """Names of the shipped profiles (the YAML files next to this module)."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def load_profile(name_or_path: str | Path) -> Profile:
    """Load and validate a shipped profile by name, or any profile YAML by path."""
    path = Path(name_or_path)
    if path.suffix.lower() not in {".yaml", ".yml"}:
        path = PROFILE_DIR / f"{name_or_path}.yaml"
        if not path.exists():
            raise ProfileError(
                path, "$", f"no profile named {str(name_or_path)!r}; known: {available_profiles()}"
            )
    return _load_cached(str(path.resolve()), path.stat().st_mtime_ns)


@cache
def _load_cached(path: str, _mtime: int) -> Profile:
    import yaml

    file = Path(path)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProfileError(file, "$", f"cannot read profile: {exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ProfileError(file, "$", f"invalid YAML{where}: {exc}") from exc
    validate_profile_data(data, file)
    return _build(data, str(file))


def load_profiles(names: Iterable[str | Path] | None = None) -> list[Profile]:
    """Load several profiles (default: every shipped one), highest priority first."""
    names = available_profiles() if names is None else list(names)
    return sorted((load_profile(n) for n in names), key=lambda p: -p.priority)


# --- columns and recognition -------------------------------------------------------------------


def resolve_column(name: str, headers: Sequence[str]) -> str | None:
    """The sheet header a profile column name refers to: exact, else same :func:`header_key`."""
    if name in headers:
        return name
    key = header_key(name)
    for h in headers:
        if header_key(h) == key:
            return h
    return None


def _header_cells(book: Workbook, sheet: str, header_row: int = 1) -> list[str]:
    from hotpass_assets.lib.reading import make_headers

    cells = book.header_cells(sheet, header_row)
    return make_headers(cells) if cells else []


def recognise_kind(
    book: Workbook, kind: Kind, file_name: str | None = None
) -> tuple[int, list[str]]:
    """Score how well ``book`` fits ``kind``: 3 sheets+name, 2 sheets, 1 name only, 0 no.

    The file-name pattern is searched in ``file_name``, else in the name the workbook is known
    by (:attr:`Workbook.name`, the dropped file's name even when ``book`` reads an archived copy
    stored under its content hash). Also returns why (text for logs, no cell values).
    """
    rec = kind.recognise
    why: list[str] = []
    name = Path(file_name).name if file_name else book.name
    name_ok = bool(rec.file_name and re.search(rec.file_name, name))
    if rec.file_name:
        why.append(f"file name {'matches' if name_ok else 'does not match'} {rec.file_name!r}")
    sheets_ok = bool(rec.sheets)
    for sheet, required in rec.sheets.items():
        found = book.find_sheet(sheet)
        if found is None:
            sheets_ok = False
            why.append(f"sheet {sheet!r} missing")
            continue
        spec = kind.sheet(sheet)
        hrow = spec.header_row if spec and isinstance(spec.header_row, int) else 1
        hrow = book.find_header_row(found, hrow, required)  # below a title block too
        headers = _header_cells(book, found, hrow)
        missing = [h for h in required if resolve_column(h, headers) is None]
        if missing:
            sheets_ok = False
            why.append(f"sheet {sheet!r} lacks headers {missing}")
    if rec.sheets and sheets_ok:
        why.append("required sheets and headers present")
    if rec.mode == "all":
        ok = (name_ok or not rec.file_name) and (sheets_ok or not rec.sheets)
        score = 3 if ok else 0
    else:
        score = (2 if sheets_ok else 0) + (1 if name_ok else 0)
    return score, why


def _partial_fit(book: Workbook, kind: Kind) -> int:
    return sum(1 for s in kind.sheets if book.find_sheet(s.sheet) is not None)


def select_profile(
    path: str | Path | Workbook,
    profiles: Iterable[Profile | str] | None = None,
    *,
    force: str | None = None,
    file_name: str | None = None,
) -> tuple[Profile, str]:
    """Choose the profile and workbook kind for a workbook.

    ``profiles`` (names or loaded profiles; default every shipped named profile) are tried by
    priority: the kind whose recogniser scores highest wins; between equal scores, the profile
    with the higher priority, then the kind with more of its sheets in the workbook, then the
    first. When none recognises the workbook the
    generic profile is used and the kind is ``"generic"``. ``force`` names a profile
    (``"aviation"``), a profile kind (``"aviation:sacaa"``) or ``"generic"``; a forced profile
    without a recognised kind uses the kind that has most of its sheets in the workbook.
    ``file_name`` is the name the workbook was dropped with, for the recognisers' file-name
    patterns (default: :attr:`Workbook.name`, or the file name of ``path``).
    """
    book = path if isinstance(path, Workbook) else open_workbook(path, file_name)
    try:
        if force:
            name, _, kind_name = force.partition(":")
            profile = load_profile(name)
            if profile.is_generic:
                return profile, GENERIC
            if kind_name:
                profile.kind(kind_name)
                return profile, kind_name
            scored = [
                (recognise_kind(book, k, file_name)[0], _partial_fit(book, k), k)
                for k in profile.kinds
            ]
            best = max(scored, key=lambda t: (t[0], t[1]))
            return profile, best[2].kind
        loaded = [p if isinstance(p, Profile) else load_profile(p) for p in (profiles or [])]
        if profiles is None:
            loaded = [p for p in load_profiles() if not p.is_generic]
        loaded.sort(key=lambda p: -p.priority)
        best_hit: tuple[tuple[int, int, int], Profile, Kind] | None = None
        for profile in loaded:
            for kind in profile.kinds:
                score, _ = recognise_kind(book, kind, file_name)
                if score <= 0:
                    continue
                rank = (score, profile.priority, _partial_fit(book, kind))
                if best_hit is None or rank > best_hit[0]:
                    best_hit = (rank, profile, kind)
        if best_hit:
            return best_hit[1], best_hit[2].kind
        generic = next((p for p in loaded if p.is_generic), None) or load_profile(GENERIC)
        return generic, GENERIC
    finally:
        if not isinstance(path, Workbook):
            book.close()


# --- generic header mapping --------------------------------------------------------------------


@dataclass(frozen=True)
class HeaderMatch:
    header: str
    field: str
    score: float
    method: str  # "exact", "synonym" or "fuzzy"
    matched: str  # the field name or synonym the header matched


@dataclass
class HeaderMapping:
    matches: list[HeaderMatch]
    unmapped: list[str]

    def fields(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for m in self.matches:
            out.setdefault(m.field, []).append(m.header)
        return out

    def as_metadata(self) -> dict:
        return {
            "mapped": [
                {
                    "header": m.header,
                    "field": m.field,
                    "score": round(m.score, 1),
                    "method": m.method,
                }
                for m in self.matches
            ],
            "unmapped": list(self.unmapped),
        }


def _spaced(text: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


def map_headers(headers: Sequence[str], spec: GenericSpec) -> HeaderMapping:
    """Map sheet headers to canonical fields by field name, synonym, then fuzzy similarity.

    Scalar fields take one column (the best score, then the leftmost); list fields (phones,
    e-mails, aircraft types) and notes take every matching column. Synthetic ``column_<n>``
    headers never match.
    """
    from rapidfuzz import fuzz

    exact = {header_key(f): f for f in FIELDS}
    synonyms: dict[str, str] = {}
    spaced_syn: list[tuple[str, str, str]] = []
    for f, syns in spec.synonyms.items():
        for s in syns:
            synonyms.setdefault(header_key(s), f)
            spaced_syn.append((_spaced(s), f, s))
    candidates: list[HeaderMatch] = []
    for h in headers:
        if re.fullmatch(r"column_\d+", h):
            continue
        key = header_key(re.sub(r"_\d+$", "", h)) if re.search(r"_\d+$", h) else header_key(h)
        if not key:
            continue
        if key in exact:
            candidates.append(HeaderMatch(h, exact[key], 100.0, "exact", exact[key]))
        elif key in synonyms:
            candidates.append(HeaderMatch(h, synonyms[key], 100.0, "synonym", synonyms[key]))
        else:
            sp = _spaced(h)
            best: tuple[float, str, str] | None = None
            for syn_sp, f, syn in spaced_syn:
                score = max(fuzz.ratio(sp, syn_sp), fuzz.token_sort_ratio(sp, syn_sp))
                if best is None or score > best[0]:
                    best = (score, f, syn)
            if best and best[0] >= spec.fuzzy_threshold:
                candidates.append(HeaderMatch(h, best[1], float(best[0]), "fuzzy", best[2]))
    multi = LIST_FIELDS | {"notes"}
    chosen: list[HeaderMatch] = []
    taken: set[str] = set()
    order = {h: i for i, h in enumerate(headers)}
    rank = {"exact": 0, "synonym": 1, "fuzzy": 2}
    for m in sorted(candidates, key=lambda m: (rank[m.method], -m.score, order[m.header])):
        if m.field in taken and m.field not in multi:
            continue
        taken.add(m.field)
        chosen.append(m)
    chosen.sort(key=lambda m: order[m.header])
    used = {m.header for m in chosen}
    return HeaderMapping(chosen, [h for h in headers if h not in used])
