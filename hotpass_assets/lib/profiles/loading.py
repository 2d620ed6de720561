"""Profile loading: read a YAML file, validate it, build the :class:`Profile` model.

Shipped profiles live next to this package (``aviation.yaml``, ``generic.yaml``); any other YAML
path can be loaded with :func:`load_profile`. A loaded file is cached until it changes.
"""

from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from hotpass_assets.lib.profiles import model as _model
from hotpass_assets.lib.profiles.model import (
    DEFAULT_PARSERS,
    FieldSpec,
    GenericSpec,
    IgnoredSheet,
    Kind,
    LinkKey,
    LinkSpec,
    Profile,
    ProfileError,
    Recogniser,
    SheetSpec,
    UnmappedSpec,
)
from hotpass_assets.lib.profiles.validation import validate_profile_data

__all__ = ["available_profiles", "load_profile", "load_profiles"]


def _field_spec(name: str, raw: object) -> FieldSpec:
    if isinstance(raw, str):
        return FieldSpec(name, (raw,), DEFAULT_PARSERS[name])
    if isinstance(raw, list):
        return FieldSpec(name, tuple(raw), DEFAULT_PARSERS[name])
    if not isinstance(raw, dict):
        raise TypeError(f"field {name!r}: expected a column, a list of columns or an object")
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


def _unmapped(raw: Mapping[str, Any] | None) -> UnmappedSpec:
    raw = raw or {}
    return UnmappedSpec(to=raw.get("to", "notes"), extract=tuple(raw.get("extract", ())))


def _link(raw: Mapping[str, Any] | None) -> LinkSpec | None:
    if not raw:
        return None
    keys = tuple(
        LinkKey(
            x["method"],
            x["column"],
            x["target"],
            fuzzy_threshold=x.get("fuzzy_threshold"),
            link_method=x.get("link_method"),
        )
        for x in raw["keys"]
    )
    return LinkSpec(
        sheet=raw["sheet"],
        keys=keys,
        fuzzy_threshold=raw.get("fuzzy_threshold"),
        on_unlinked=raw.get("on_unlinked", "reject"),
    )


def _sheet(s: Mapping[str, Any]) -> SheetSpec:
    return SheetSpec(
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
        link=_link(s.get("link")),
        description=s.get("description", ""),
    )


def _kind(k: Mapping[str, Any], defaults: Mapping[str, Any]) -> Kind:
    rec = k["recognise"]
    return Kind(
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
        sheets=tuple(_sheet(s) for s in k["sheets"]),
        ignore=tuple(IgnoredSheet(i["sheet"], i["reason"]) for i in k.get("ignore") or []),
        description=k.get("description", ""),
    )


def _generic(g: Mapping[str, Any], defaults: Mapping[str, Any]) -> GenericSpec:
    return GenericSpec(
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


def _build(data: Mapping[str, Any], file: str) -> Profile:
    defaults = data.get("defaults") or {}
    return Profile(
        name=data["name"],
        file=file,
        description=data.get("description", ""),
        priority=int(data.get("priority", 0)),
        kinds=tuple(_kind(k, defaults) for k in data.get("kinds") or []),
        generic=_generic(data["generic"], defaults) if data.get("generic") else None,
    )


def profile_paths() -> list[Path]:
    """The shipped profile files (``profiles.model.PROFILE_DIR``, read at each call)."""
    return sorted(_model.PROFILE_DIR.glob("*.yaml"))


def profiles_stamp() -> tuple[tuple[str, int], ...]:
    """Name and modification time of every shipped profile: a cache key that changes with them."""
    return tuple((p.name, p.stat().st_mtime_ns) for p in profile_paths())


def available_profiles() -> list[str]:
    """Names of the shipped profiles (the YAML files next to this package)."""
    return [p.stem for p in profile_paths()]


def load_profile(name_or_path: str | Path) -> Profile:
    """Load and validate a shipped profile by name, or any profile YAML by path."""
    path = Path(name_or_path)
    if path.suffix.lower() not in {".yaml", ".yml"}:
        path = _model.PROFILE_DIR / f"{name_or_path}.yaml"
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
    chosen: list[str | Path] = list(available_profiles() if names is None else names)
    return sorted((load_profile(n) for n in chosen), key=lambda p: -p.priority)
