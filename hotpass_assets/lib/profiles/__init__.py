"""Declarative capture profiles: loading, validation, workbook recognition and header mapping.

A profile is a YAML file validated against ``schema.json``. It either lists workbook *kinds*
(how to recognise each, which sheets to read with which role, column → canonical field mappings,
joins between sheets, deliberately ignored sheets and columns) or describes the *generic* fallback
(header synonyms per canonical field, fuzzy threshold). See ``docs/profiles.md``.

The package is split by concern: :mod:`.model` (the dataclasses and the field tables, derived
from the field registry :mod:`hotpass_assets.lib.fields`), :mod:`.schema` (the JSON Schema and
its generated field lists), :mod:`.validation`, :mod:`.loading`, :mod:`.recognition` (which
profile and kind a workbook is) and :mod:`.headers` (generic header mapping). Every public name
is importable from here. Shipped profiles live next to this package (``aviation.yaml``,
``generic.yaml``); any other YAML path can be loaded with :func:`load_profile`. Nothing is read
at import time.
"""

from hotpass_assets.lib.profiles import model
from hotpass_assets.lib.profiles.headers import HeaderMapping, HeaderMatch, map_headers
from hotpass_assets.lib.profiles.loading import (
    available_profiles,
    load_profile,
    load_profiles,
    profile_paths,
    profiles_stamp,
)
from hotpass_assets.lib.profiles.model import (
    ALLOWED_PARSERS,
    CONTACT_FIELDS,
    DEFAULT_PARSERS,
    FIELDS,
    GENERIC,
    LIST_FIELDS,
    ORGANISATION_FIELDS,
    PROFILE_DIR,
    ROLES,
    FieldSpec,
    FieldTables,
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
    field_tables,
)
from hotpass_assets.lib.profiles.recognition import recognise_kind, resolve_column, select_profile
from hotpass_assets.lib.profiles.schema import profile_schema, render_schema
from hotpass_assets.lib.profiles.validation import validate_profile_data

__all__ = [
    "ALLOWED_PARSERS",
    "CONTACT_FIELDS",
    "DEFAULT_PARSERS",
    "FIELDS",
    "GENERIC",
    "LIST_FIELDS",
    "ORGANISATION_FIELDS",
    "PROFILE_DIR",
    "ROLES",
    "FieldSpec",
    "FieldTables",
    "GenericSpec",
    "HeaderMapping",
    "HeaderMatch",
    "IgnoredSheet",
    "Kind",
    "LinkKey",
    "LinkSpec",
    "Profile",
    "ProfileError",
    "Recogniser",
    "SheetSpec",
    "UnmappedSpec",
    "available_profiles",
    "field_tables",
    "load_profile",
    "load_profiles",
    "map_headers",
    "model",
    "profile_paths",
    "profile_schema",
    "profiles_stamp",
    "recognise_kind",
    "render_schema",
    "resolve_column",
    "select_profile",
    "validate_profile_data",
]
