"""JSON Schema and reference docs generated from the contracts, and their committed copies."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from hotpass_assets.lib import contracts
from hotpass_assets.lib.contracts import export
from hotpass_assets_tests.lib import test_contracts_data as data

COMMITTED_SCHEMAS = export.DEFAULT_SCHEMAS_DIR
COMMITTED_REFERENCE = export.DEFAULT_REFERENCE


def test_committed_files_equal_the_export():
    diffs = export.differences(COMMITTED_SCHEMAS, COMMITTED_REFERENCE)
    summary = [f"{state}: {path.name}" for path, state, _ in diffs]
    assert not summary, (
        "schemas/ or docs/reference/schemas.md are out of date; run `hotpass contracts export`: "
        + ", ".join(summary)
    )


def _profile_schema_copy(tmp_path: Path) -> Path:
    """A copy of the committed profile schema.json, for tests that write or change it."""
    copy = tmp_path / "profile" / "schema.json"
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(export.DEFAULT_PROFILE_SCHEMA.read_text(encoding="utf-8"), encoding="utf-8")
    return copy


def test_export_is_deterministic_and_complete(tmp_path):
    out = (tmp_path / "schemas", tmp_path / "docs" / "schemas.md", _profile_schema_copy(tmp_path))
    written = export.export_all(*out)
    first = {p: p.read_text(encoding="utf-8") for p in written}
    again = export.export_all(*out)
    assert {p: p.read_text(encoding="utf-8") for p in again} == first
    assert out[2] in written
    names = sorted(p.name for p in written if p.suffix == ".json" and p != out[2])
    expected = sorted(
        export.schema_file_name(d, t) for d in contracts.DATASETS for t in contracts.tables(d)
    )
    assert names == expected
    assert "lead_scores.schema.json" in names and "call_list.schema.json" in names
    assert "contact_capture.organisations.schema.json" in names
    for content in first.values():
        assert content.endswith("\n") and not content.endswith("\n\n")


def test_check_mode_fails_on_drift_and_passes_after_export(tmp_path, capsys):
    schemas, reference = tmp_path / "schemas", tmp_path / "schemas.md"
    profile_schema = _profile_schema_copy(tmp_path)
    args = ["--schemas-dir", str(schemas), "--reference", str(reference)]
    args += ["--profile-schema", str(profile_schema)]
    assert export.main(["--check", *args]) == 1  # nothing written yet
    assert export.main(args) == 0
    assert export.main(["--check", *args]) == 0
    target = schemas / "lead_scores.schema.json"
    doc = json.loads(target.read_text())
    doc["properties"]["lead_score"]["maximum"] = 2
    target.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    (schemas / "old_table.schema.json").write_text("{}\n")
    reference.write_text(reference.read_text().replace("ERROR", "FATAL", 1))
    capsys.readouterr()
    assert export.main(["--check", *args]) == 1
    out = capsys.readouterr().out
    assert "changed: " in out and "lead_scores.schema.json" in out
    assert "stale: " in out and "old_table.schema.json" in out
    assert "schemas.md" in out
    assert export.main(args) == 0
    assert not (schemas / "old_table.schema.json").exists()
    assert export.main(["--check", *args]) == 0


def test_check_mode_covers_the_profile_schema_field_lists(tmp_path, capsys):
    """A stale field list in the profile schema.json fails --check; export regenerates it and
    keeps the hand-written structure."""
    schemas, reference = tmp_path / "schemas", tmp_path / "schemas.md"
    profile_schema = _profile_schema_copy(tmp_path)
    committed = profile_schema.read_text(encoding="utf-8")
    args = ["--schemas-dir", str(schemas), "--reference", str(reference)]
    args += ["--profile-schema", str(profile_schema)]
    assert export.main(args) == 0
    assert export.main(["--check", *args]) == 0
    doc = json.loads(committed)
    enum = doc["$defs"]["organisationField"]["enum"]
    assert "organisation_name" in enum
    enum.remove("organisation_name")
    profile_schema.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert export.main(["--check", *args]) == 1
    out = capsys.readouterr().out
    assert "changed: " in out and "schema.json" in out and "schemas.md" not in out
    assert export.main(args) == 0
    assert profile_schema.read_text(encoding="utf-8") == committed
    assert export.main(["--check", *args]) == 0


def test_missing_profile_schema_is_named(tmp_path):
    missing = tmp_path / "nowhere" / "schema.json"
    with pytest.raises(FileNotFoundError, match=r"schema\.json"):
        export.differences(tmp_path / "schemas", tmp_path / "schemas.md", missing)


def test_schemas_are_valid_draft_2020_12_with_types_enums_and_descriptions():
    from jsonschema import Draft202012Validator

    for dataset in contracts.DATASETS:
        for table in contracts.tables(dataset):
            schema = export.json_schema(dataset, table)
            Draft202012Validator.check_schema(schema)
            assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
            for name, prop in schema["properties"].items():
                assert prop["description"], (dataset, table, name)
                assert "type" in prop
    org = export.json_schema("refined_organisations", "organisations")["properties"]
    assert org["province"]["enum"][-1] is None and "Gauteng" in org["province"]["enum"]
    assert org["province"]["type"] == ["string", "null"]
    assert org["entity_id"]["type"] == "string" and org["entity_id"]["x-unique"] is True
    assert org["data_quality_score"] == {
        "description": org["data_quality_score"]["description"],
        "maximum": 1.0,
        "minimum": 0.0,
        "type": "number",
    }
    assert org["emails"]["items"]["pattern"]
    assert org["source_record_ids"]["minItems"] == 1
    assert org["snapshot_date"]["format"] == "date"
    assert org["website"]["pattern"]  # from the GX suite
    sheet = export.json_schema("raw_workbook", "sacaa.cleaned")
    assert sheet["required"] == ["Name of Organisation"]
    assert sheet["additionalProperties"] is True


def _records(frame: pd.DataFrame) -> list[dict]:
    def plain(v):
        if isinstance(v, date):
            return v.isoformat()
        if isinstance(v, list | tuple):
            return [plain(x) for x in v]
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            return None
        if hasattr(v, "item"):
            return v.item()
        return v

    return [{k: plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


@pytest.mark.parametrize(
    ("dataset", "table"),
    [
        ("contact_capture", "organisations"),
        ("contact_capture", "contacts"),
        ("contact_capture", "rejects"),
        ("refined_organisations", "organisations"),
        ("refined_organisations", "contacts"),
        ("refined_organisations", "conflicts"),
        ("lead_scores", "scores"),
        ("call_list", "call_list"),
    ],
)
def test_good_records_validate_against_their_json_schema(dataset, table):
    from jsonschema import Draft202012Validator, FormatChecker

    frames = {
        "contact_capture": data.capture_frames,
        "refined_organisations": data.refined_frames,
        "lead_scores": lambda: {"scores": data.score_frame()},
        "call_list": lambda: {"call_list": data.call_list_frame()},
    }[dataset]()
    validator = Draft202012Validator(
        export.json_schema(dataset, table), format_checker=FormatChecker()
    )
    records = _records(frames[table])
    assert records
    for record in records:
        errors = [e.message for e in validator.iter_errors(record)]
        assert not errors, (dataset, table, len(errors))
    bad = dict(records[0])
    if "province" in bad:
        bad["province"] = "Gauteng Province"
        assert not validator.is_valid(bad)
    bad = dict(records[0], unexpected_column=1)
    assert not validator.is_valid(bad)


def test_reference_page_lists_every_check_and_column():
    text = COMMITTED_REFERENCE.read_text(encoding="utf-8")
    for dataset in contracts.DATASETS:
        assert f"## `{dataset}`" in text
        for spec in contracts.check_specs(dataset):
            assert f"| `{dataset}` | `{spec.name}` | {spec.severity} |" in text
        for table in contracts.tables(dataset):
            assert f"### `{dataset}.{table}`" in text
            for column, ctype, _ in contracts.column_schema(dataset, table):
                assert f"| `{column}` | {ctype} |" in text
    assert Path(COMMITTED_SCHEMAS / "refined_organisations.organisations.schema.json").exists()
