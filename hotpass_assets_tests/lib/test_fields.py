"""The field registry: everything that lists canonical fields derives from it.

The last test adds one row to a copy of the registry and shows that the record columns, the
profile tables and JSON Schema, the Pandera models (hence ``dagster/column_schema``), the GX column
lists and survivorship all pick it up, and that a snapshot built with it carries the column.
"""

import importlib
import json

import jsonschema
import pandas as pd
import pytest

from hotpass_assets.lib import fields, profiles, records
from hotpass_assets.lib.contracts import gx
from hotpass_assets.lib.contracts import models as m
from hotpass_assets.lib.contracts.export import model_columns
from hotpass_assets.lib.profiles.schema import SCHEMA_PATH, profile_schema, render_schema


def test_record_columns_come_from_the_registry():
    assert fields.columns("capture", "organisation") == records.CAPTURE_ORGANISATION_COLUMNS
    assert fields.columns("capture", "contact") == records.CAPTURE_CONTACT_COLUMNS
    assert fields.columns("refined", "organisation") == records.REFINED_ORGANISATION_COLUMNS
    assert fields.columns("refined", "contact") == records.REFINED_CONTACT_COLUMNS
    assert records.QUALITY_FIELDS == ("email", "phone", "website", "province", "address")
    assert {"emails", "phones", "data_quality_flags", "validity_flags"} <= records.LIST_COLUMNS
    assert "contact_phones" not in records.LIST_COLUMNS  # a profile key, not a column


def test_registry_rows_are_consistent():
    for entity in ("organisation", "contact"):
        names = [f.name for f in fields.FIELDS if f.entity == entity]
        assert len(names) == len(set(names)), entity
    schema_parsers = set(json.loads(SCHEMA_PATH.read_text())["$defs"]["parser"]["enum"])
    for f in fields.profile_fields():
        assert set(f.parsers) <= schema_parsers, f.name
        if f.feeds:
            assert f.feeds in fields.columns("capture", f.entity), f.name
    for f in fields.FIELDS:
        assert f.privacy in {"public", "business", "personal"}
        for layer in f.layers:
            assert f.describe(layer).endswith("."), (f.name, layer)


def test_a_row_that_breaks_the_rules_is_refused():
    with pytest.raises(ValueError, match="name parsers"):
        fields.Field("x", "organisation", frozenset({"profile"}), "string", {"profile": "X."})
    with pytest.raises(ValueError, match="name a rule"):
        fields.Field("x", "organisation", frozenset({"refined"}), "string", {"refined": "X."})


def test_committed_profile_schema_is_generated_from_the_registry():
    assert render_schema(profile_schema()) == SCHEMA_PATH.read_text(encoding="utf-8")


def test_survivorship_lists_come_from_the_registry():
    from hotpass_assets.lib import survivorship

    assert fields.survivor_fields() == survivorship.SURVIVOR_FIELDS
    assert fields.completeness_weights() == survivorship.COMPLETENESS_WEIGHTS
    assert "organisation_name" in survivorship.SURVIVOR_FIELDS
    assert "emails" in survivorship.COMPLETENESS_FIELDS


# --- adding a refined column ----------------------------------------------------------------

NEW = fields.Field(
    "licence_number",
    "organisation",
    frozenset({"profile", "capture", "refined"}),
    "string",
    {"capture": "Operator licence number as the source states it.", "refined": "Survivor licence."},
    parsers=("text",),
    survivorship="ranked",
    completeness=1,
)


def _with_new_row() -> tuple[fields.Field, ...]:
    """The registry with :data:`NEW` after ``status``."""
    out: list[fields.Field] = []
    for f in fields.FIELDS:
        out.append(f)
        if f.entity == "organisation" and f.name == "status":
            out.append(NEW)
    return tuple(out)


def _after_status(columns: tuple[str, ...] | list[str]) -> bool:
    columns = list(columns)
    return columns[columns.index("status") + 1] == "licence_number"


def test_one_registry_row_reaches_records_profiles_and_schema():
    registry = _with_new_row()
    assert _after_status(fields.columns("capture", "organisation", registry))
    assert _after_status(fields.columns("refined", "organisation", registry))
    assert "licence_number" not in records.CAPTURE_ORGANISATION_COLUMNS

    tables = profiles.field_tables(registry)
    assert "licence_number" in tables.organisation_fields
    assert tables.default_parsers["licence_number"] == "text"
    assert tables.allowed_parsers["licence_number"] == frozenset({"text"})

    schema = profile_schema(registry)
    assert "licence_number" in schema["$defs"]["organisationField"]["enum"]
    assert "licence_number" in schema["$defs"]["fields"]["properties"]
    profile = {
        "name": "x",
        "kinds": [
            {"kind": "k", "source_dataset": "s", "trust": 1, "recognise": {"file_name": "x"},
             "sheets": [{"sheet": "S", "role": "organisations",
                         "fields": {"organisation_name": "Name", "licence_number": "Licence"}}]}
        ],
    }  # fmt: skip
    assert not list(jsonschema.Draft202012Validator(schema).iter_errors(profile))
    assert list(jsonschema.Draft202012Validator(profile_schema()).iter_errors(profile))


def test_one_registry_row_reaches_the_contracts():
    registry = _with_new_row()
    for layer, base, rules in (
        ("capture", m._CaptureOrganisationsChecks, m.CAPTURE_ORGANISATION_RULES),
        ("refined", m._RefinedOrganisationsChecks, m.REFINED_ORGANISATION_RULES),
    ):
        model = m.registry_model("Probe", base, layer, "organisation", rules, registry)
        columns = model_columns(model)  # what dagster/column_schema is built from
        names = [c["name"] for c in columns]
        assert _after_status(names), layer
        new = next(c for c in columns if c["name"] == "licence_number")
        assert new["type"] == "string" and new["description"] == NEW.describe(layer)
        assert model.to_schema().name == base.Config.name

    for dataset in ("contact_capture", "refined_organisations"):
        config = json.loads(gx.suite_path(dataset).read_text(encoding="utf-8"))
        config = gx.with_registry_columns(config, registry)
        (ordered,) = [
            e for e in config["expectations"]
            if e["type"] == "expect_table_columns_to_match_ordered_list"
        ]  # fmt: skip
        assert _after_status(ordered["kwargs"]["column_list"]), dataset

    assert "licence_number" in fields.survivor_fields(registry)
    assert fields.completeness_weights(registry)["licence_number"] == 1


@pytest.fixture
def registry_with_new_row(monkeypatch):
    """The project's registry with :data:`NEW`; the modules that derive from it reloaded."""
    from hotpass_assets.lib import survivorship

    monkeypatch.setattr(fields, "FIELDS", _with_new_row())
    importlib.reload(records)
    importlib.reload(survivorship)
    yield survivorship
    monkeypatch.undo()
    importlib.reload(records)
    importlib.reload(survivorship)
    assert "licence_number" not in survivorship.SURVIVOR_FIELDS


def test_a_snapshot_built_with_the_new_row_carries_the_column(registry_with_new_row):
    survivorship = registry_with_new_row
    assert "licence_number" in records.CAPTURE_ORGANISATION_COLUMNS
    base = dict.fromkeys(records.CAPTURE_ORGANISATION_COLUMNS) | {
        "entity_id": "e1",
        "record_kind": "organisation",
        "organisation_name": "Acme",
        "partition_key": "k",
        "source_dataset": "sacaa",
        "source_file": "a.xlsx",
        "source_sheet": "S",
        "aircraft_types": [],
        "emails": [],
        "phones": [],
        "source_columns": json.dumps({"licence_number": "Licence"}),
    }
    rows = [
        base | {"record_id": "r1", "source_trust": 1, "source_row": 2, "licence_number": "L-1"},
        base | {"record_id": "r2", "source_trust": 3, "source_row": 3, "licence_number": "L-3"},
    ]
    contacts = pd.DataFrame(columns=list(records.CAPTURE_CONTACT_COLUMNS))
    orgs, _, conflicts = survivorship.survive(pd.DataFrame(rows), contacts, "2026-01-01")
    assert _after_status(list(orgs.columns))
    assert orgs["licence_number"].tolist() == ["L-3"]  # the trusted source wins
    provenance = json.loads(orgs["selection_provenance"].iloc[0])["licence_number"]
    assert provenance["rule"] == "source_trust" and provenance["column"] == "Licence"
    assert conflicts["field"].tolist() == ["licence_number"]
