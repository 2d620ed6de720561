"""Contract checks of the frame-valued datasets: good frames pass, breaches fail as they should,
drift warns, and outcomes never carry personal values."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from hotpass_assets.lib import contracts
from hotpass_assets.lib.contracts import ContractContext
from hotpass_assets.lib.records import (
    CAPTURE_CONTACT_COLUMNS,
    CAPTURE_ORGANISATION_COLUMNS,
    CONFLICT_COLUMNS,
    REFINED_CONTACT_COLUMNS,
    REFINED_ORGANISATION_COLUMNS,
    REJECT_COLUMNS,
)
from hotpass_assets_tests.lib import test_contracts_data as data


def _ctx(**kw) -> ContractContext:
    return ContractContext(partition_key=data.PARTITION, source_file=data.FILE, **kw)


def _snap_ctx(**kw) -> ContractContext:
    return ContractContext(partition_key=data.SNAPSHOT, **kw)


def _by_name(outcomes):
    return {o.name: o for o in outcomes}


def _good(dataset):
    if dataset == "contact_capture":
        return data.capture_frames(), _ctx(extra=data.capture_extra())
    if dataset == "refined_organisations":
        return data.refined_frames(), _snap_ctx()
    if dataset == "lead_scores":
        return {"scores": data.score_frame()}, _snap_ctx(extra={"entity_ids": [data.E1, data.E2]})
    if dataset == "call_list":
        return {"call_list": data.call_list_frame()}, _snap_ctx(extra={"requested_size": 2})
    raise AssertionError(dataset)


FRAME_DATASETS = ("contact_capture", "refined_organisations", "lead_scores", "call_list")

# --- interface ------------------------------------------------------------------------------


def test_interface_declares_fixed_specs_per_dataset():
    assert contracts.DATASETS == (
        "raw_workbook",
        "contact_capture",
        "refined_organisations",
        "lead_scores",
        "call_list",
    )
    for dataset in contracts.DATASETS:
        specs = contracts.check_specs(dataset)
        names = [s.name for s in specs]
        assert len(names) == len(set(names))
        assert {s.severity for s in specs} <= {"ERROR", "WARN"}
        assert any(s.severity == "ERROR" for s in specs)
        assert specs == contracts.check_specs(dataset)
    named = {s.name: s.severity for d in contracts.DATASETS for s in contracts.check_specs(d)}
    assert named["capture_structure"] == "ERROR"
    assert named["capture_schema_pandera"] == "ERROR"
    assert named["capture_reject_rate"] == "WARN"
    assert named["capture_row_count_drift"] == "WARN"
    assert named["refined_schema_pandera"] == "ERROR"
    assert named["contacts_schema_pandera"] == "ERROR"
    assert named["refined_completeness_drift"] == "WARN"
    assert named["scores_schema_pandera"] == "ERROR"
    assert named["call_list_safe"] == "ERROR"
    assert named["workbook_readable"] == "ERROR"
    assert named["source_sheets_structure"] == "ERROR"
    with pytest.raises(KeyError):
        contracts.check_specs("nope")


def test_models_name_exactly_the_canonical_columns():
    from hotpass_assets.lib.scoring.calllist import CALL_LIST_COLUMNS
    from hotpass_assets.lib.scoring.model import SCORE_COLUMNS

    def cols(dataset, table):
        return tuple(c for c, _, _ in contracts.column_schema(dataset, table))

    assert cols("contact_capture", "organisations") == CAPTURE_ORGANISATION_COLUMNS
    assert cols("contact_capture", "contacts") == CAPTURE_CONTACT_COLUMNS
    assert cols("contact_capture", "rejects") == REJECT_COLUMNS
    assert cols("refined_organisations", "organisations") == REFINED_ORGANISATION_COLUMNS
    assert cols("refined_organisations", "contacts") == REFINED_CONTACT_COLUMNS
    assert cols("refined_organisations", "conflicts") == CONFLICT_COLUMNS
    assert cols("call_list", "call_list") == CALL_LIST_COLUMNS
    assert cols("lead_scores", "scores")[: len(SCORE_COLUMNS)] == SCORE_COLUMNS


def test_column_schema_has_types_and_descriptions_for_every_table():
    types = set()
    for dataset in contracts.DATASETS:
        for table in contracts.tables(dataset):
            schema = contracts.column_schema(dataset, table)
            assert schema, (dataset, table)
            for name, ctype, description in schema:
                assert name and ctype and description, (dataset, table, name)
                types.add(ctype)
            assert contracts.pandera_model(dataset, table) is not None
    assert {"string", "integer", "number", "boolean", "date", "list<string>", "json"} <= types


def test_models_convert_to_dagster_types():
    dagster_pandera = pytest.importorskip("dagster_pandera")
    for dataset in contracts.DATASETS:
        for table in contracts.tables(dataset):
            model = contracts.pandera_model(dataset, table)
            dtype = dagster_pandera.pandera_schema_to_dagster_type(model)
            assert dtype.display_name == f"{dataset}.{table}"


# --- good frames pass -----------------------------------------------------------------------


@pytest.mark.parametrize("dataset", FRAME_DATASETS)
def test_good_frames_pass_every_check(dataset):
    frames, ctx = _good(dataset)
    outcomes = contracts.evaluate(dataset, frames, ctx)
    assert [o.name for o in outcomes] == [s.name for s in contracts.check_specs(dataset)]
    failed = {o.name: (o.failures, o.message) for o in outcomes if not o.passed}
    assert not failed
    for o in outcomes:
        meta = o.to_metadata()
        json.dumps(meta)
        assert meta["failing_rows"] == 0
        assert isinstance(meta["rows_checked"], int)
    assert data.leaked(outcomes) == 0


@pytest.mark.parametrize("dataset", FRAME_DATASETS)
def test_partition_stats_are_plain_json_without_values(dataset):
    frames, ctx = _good(dataset)
    stats = contracts.partition_stats(dataset, frames, ctx)
    text = json.dumps(stats)
    assert json.loads(text) == stats
    assert not any(v.casefold() in text.casefold() for v in data.PERSONAL)


def test_frames_read_back_from_parquet_still_pass(tmp_path):
    from hotpass_assets.lib.warehouse import read_table, write_table

    frames = data.capture_frames()
    back = {}
    for table, frame in frames.items():
        path = tmp_path / f"{table}.parquet"
        write_table(frame, path, list(frame.columns))
        back[table] = read_table(path)
    outcome = _by_name(
        contracts.evaluate("contact_capture", back, _ctx(extra=data.capture_extra()))
    )
    assert outcome["capture_schema_pandera"].passed, outcome["capture_schema_pandera"].failures


def test_empty_capture_frames_pass_the_schema():
    empty = {
        "organisations": pd.DataFrame({c: [] for c in CAPTURE_ORGANISATION_COLUMNS}, dtype=object),
        "contacts": pd.DataFrame({c: [] for c in CAPTURE_CONTACT_COLUMNS}, dtype=object),
        "rejects": pd.DataFrame({c: [] for c in REJECT_COLUMNS}, dtype=object),
    }
    out = _by_name(contracts.evaluate("contact_capture", empty, _ctx(extra=data.capture_extra())))
    assert out["capture_schema_pandera"].passed, out["capture_schema_pandera"].failures


# --- structural breaches are ERRORs ---------------------------------------------------------


def test_missing_required_column_fails_with_file_table_and_rule():
    frames = data.capture_frames()
    frames["organisations"] = frames["organisations"].drop(columns=["source_file"])
    out = _by_name(contracts.evaluate("contact_capture", frames, _ctx(extra=data.capture_extra())))
    o = out["capture_schema_pandera"]
    assert not o.passed and o.blocks and o.spec.severity == "ERROR"
    assert "missing_column:organisations.source_file" in o.failures
    assert data.FILE in o.message
    assert "missing_column" in o.message


def test_capture_structural_error_names_file_sheet_and_rule():
    errors = [
        {
            "sheet": "Cleaned",
            "column": "Name of Organisation",
            "rule": "missing_column",
            "message": "required column 'Name of Organisation' not found",
            "severity": "error",
        },
        {
            "sheet": "Scrap",
            "column": None,
            "rule": "unlisted_sheet",
            "message": "sheet 'Scrap' is neither read nor ignored",
            "severity": "warning",
        },
    ]
    ctx = _ctx(extra=data.capture_extra(structural_errors=errors))
    o = _by_name(contracts.evaluate("contact_capture", data.capture_frames(), ctx))[
        "capture_structure"
    ]
    assert not o.passed and o.blocks
    assert o.failures == {"missing_column:Cleaned.Name of Organisation": 1}
    for text in (data.FILE, "Cleaned", "missing_column"):
        assert text in o.message
    assert o.metadata["structural_warnings"] == {"unlisted_sheet": 1}


def test_row_accounting_mismatch_is_a_structural_error():
    sheets = data.capture_sheets()
    sheets[0]["rows_captured"] = 1  # one data row neither captured nor rejected
    ctx = _ctx(extra=data.capture_extra(sheets=sheets))
    o = _by_name(contracts.evaluate("contact_capture", data.capture_frames(), ctx))[
        "capture_structure"
    ]
    assert not o.passed and "row_accounting:Cleaned" in o.failures


def test_duplicate_record_and_entity_ids_fail():
    frames = data.capture_frames()
    orgs = frames["organisations"]
    orgs.loc[1, "record_id"] = orgs.loc[0, "record_id"]
    o = _by_name(contracts.evaluate("contact_capture", frames, _ctx(extra=data.capture_extra())))[
        "capture_schema_pandera"
    ]
    assert not o.passed
    assert o.failures["unique:organisations.record_id"] == 2
    assert data.rid("cleaned", 2) in o.failing_ids

    refined = data.refined_frames()
    refined["organisations"].loc[1, "entity_id"] = data.E1
    out = _by_name(contracts.evaluate("refined_organisations", refined, _snap_ctx()))
    o = out["refined_schema_pandera"]
    assert not o.passed and o.blocks
    assert o.failures["unique:organisations.entity_id"] == 2
    assert data.E1 in o.failing_ids
    assert not out["refined_expectations_gx"].passed
    assert data.leaked(list(out.values())) == 0


def test_one_score_per_entity():
    scores = data.score_frame()
    scores.loc[1, "entity_id"] = data.E1
    o = _by_name(contracts.evaluate("lead_scores", {"scores": scores}, _snap_ctx()))[
        "scores_schema_pandera"
    ]
    assert not o.passed and "unique:entity_id" in o.failures and data.E1 in o.failing_ids


def test_scores_outside_unit_interval_and_rank_disorder_fail():
    scores = data.score_frame()
    scores.loc[0, "lead_score"] = 1.4
    scores.loc[1, "lead_score"] = 0.9  # rank 2 now scores above... rank 1 still higher
    o = _by_name(contracts.evaluate("lead_scores", {"scores": scores}, _snap_ctx()))[
        "scores_schema_pandera"
    ]
    assert not o.passed and "range:lead_score" in o.failures

    scores = data.score_frame()
    scores["rank"] = [2, 1]
    o = _by_name(contracts.evaluate("lead_scores", {"scores": scores}, _snap_ctx()))[
        "scores_schema_pandera"
    ]
    assert "rank_follows_score:*" in o.failures


def test_unscored_entities_fail_when_entity_ids_are_given():
    ctx = _snap_ctx(extra={"entity_ids": [data.E1, data.E2, "org_1111111111111111"]})
    o = _by_name(contracts.evaluate("lead_scores", {"scores": data.score_frame()}, ctx))[
        "scores_schema_pandera"
    ]
    assert o.failures == {"unscored_entity:entity_id": 1}
    assert "org_1111111111111111" in o.failing_ids


@pytest.mark.parametrize("province", ["Gauteng Province", "Unknown", "KZN", "gauteng"])
def test_province_outside_the_nine_fails(province):
    frames = data.capture_frames()
    frames["organisations"].loc[0, "province"] = province
    out = _by_name(contracts.evaluate("contact_capture", frames, _ctx(extra=data.capture_extra())))
    o = out["capture_schema_pandera"]
    assert not o.passed and o.blocks
    assert o.failures == {"vocabulary:organisations.province": 1}
    assert o.failing_ids == [data.rid("cleaned", 2)]
    assert province not in data.serialised([o])

    refined = data.refined_frames()
    refined["organisations"].loc[0, "province"] = province
    o = _by_name(contracts.evaluate("refined_organisations", refined, _snap_ctx()))[
        "refined_schema_pandera"
    ]
    assert o.failures == {"vocabulary:organisations.province": 1}
    assert o.failing_ids == [data.E1]


def test_missing_provenance_fails():
    frames = data.capture_frames()
    frames["organisations"].loc[1, "source_row"] = None
    frames["contacts"].loc[0, "source_sheet"] = None
    o = _by_name(contracts.evaluate("contact_capture", frames, _ctx(extra=data.capture_extra())))[
        "capture_schema_pandera"
    ]
    assert o.failures["not_null:organisations.source_row"] == 1
    assert o.failures["not_null:contacts.source_sheet"] == 1

    refined = data.refined_frames()
    refined["organisations"].at[1, "source_record_ids"] = []
    o = _by_name(contracts.evaluate("refined_organisations", refined, _snap_ctx()))[
        "refined_schema_pandera"
    ]
    assert o.failures == {"not_empty:organisations.source_record_ids": 1}
    assert o.failing_ids == [data.E2]


def test_wrong_partition_key_and_orphan_contacts_fail():
    frames = data.capture_frames()
    frames["contacts"].loc[1, "organisation_record_id"] = data.rid("cleaned", 99)
    ctx = ContractContext(
        partition_key="2025-11-09_other_ffffffff", source_file=data.FILE, extra=data.capture_extra()
    )
    o = _by_name(contracts.evaluate("contact_capture", frames, ctx))["capture_schema_pandera"]
    assert o.failures["orphan_contact:contacts.organisation_record_id"] == 1
    assert o.failures["provenance_mismatch:organisations.partition_key"] == 3
    assert data.rid("cleaned", 3) + "#1" in o.failing_ids


def test_dangling_links_and_conflicts_of_unknown_entities_fail():
    frames = data.capture_frames()
    linked = frames["organisations"]["link_record_id"].notna()
    frames["organisations"].loc[linked.idxmax(), "link_record_id"] = data.rid("cleaned", 99)
    o = _by_name(contracts.evaluate("contact_capture", frames, _ctx(extra=data.capture_extra())))
    assert o["capture_schema_pandera"].failures == {"dangling_link:organisations.link_record_id": 1}
    refined = data.refined_frames()
    extra = refined["conflicts"].iloc[[0, 0]].assign(entity_id=["org_9999999999999999", None])
    refined["conflicts"] = pd.concat([refined["conflicts"], extra], ignore_index=True)
    o = _by_name(contracts.evaluate("refined_organisations", refined, _snap_ctx()))
    # a null entity id is unknown too (and not null is a rule of its own)
    assert o["refined_schema_pandera"].failures["unknown_entity:conflicts.entity_id"] == 2


def test_invalid_list_items_are_reported_without_values():
    frames = data.capture_frames()
    frames["contacts"].at[0, "emails"] = ["Thandiwe.Nkosi AT kestrel"]
    frames["contacts"].at[1, "phones"] = ["0825550123"]
    out = contracts.evaluate("contact_capture", frames, _ctx(extra=data.capture_extra()))
    o = _by_name(out)["capture_schema_pandera"]
    assert o.failures == {"list_format:contacts.emails": 1, "list_format:contacts.phones": 1}
    assert data.leaked(out, (*data.PERSONAL, "Thandiwe.Nkosi AT kestrel", "0825550123")) == 0


def test_refined_consistency_rules():
    refined = data.refined_frames()
    orgs = refined["organisations"]
    orgs.loc[0, "email_count"] = 5
    orgs.loc[1, "data_quality_score"] = 0.8  # flags say 0.6
    orgs.loc[1, "primary_contact_id"] = data.C1  # a contact of the other entity
    orgs.loc[1, "privacy_basis"] = "none"
    refined["contacts"].loc[2, "entity_id"] = "org_9999999999999999"
    out = _by_name(contracts.evaluate("refined_organisations", refined, _snap_ctx()))
    o = out["refined_schema_pandera"]
    assert o.failures["count_matches_list:organisations.*"] == 1
    assert o.failures["quality_score_matches_flags:organisations.*"] == 1
    assert o.failures["vocabulary:organisations.privacy_basis"] == 1
    assert o.failures["unknown_primary_contact:organisations.primary_contact_id"] == 1
    assert o.failures["contact_count_mismatch:organisations.contact_count"] == 1
    c = out["contacts_schema_pandera"]
    assert c.failures == {"unknown_entity:entity_id": 1} and c.failing_ids == [data.C3]


def test_quality_score_out_of_range_fails():
    refined = data.refined_frames()
    refined["organisations"].loc[0, "data_quality_score"] = 1.5
    o = _by_name(contracts.evaluate("refined_organisations", refined, _snap_ctx()))[
        "refined_schema_pandera"
    ]
    assert o.failures["range:organisations.data_quality_score"] == 1


def test_missing_table_fails_instead_of_raising():
    out = _by_name(contracts.evaluate("refined_organisations", {}, _snap_ctx()))
    assert not out["refined_schema_pandera"].passed
    assert "missing_table:organisations" in out["refined_schema_pandera"].failures
    assert not out["contacts_schema_pandera"].passed
    assert not out["refined_expectations_gx"].passed
    assert out["refined_completeness_drift"].passed


def test_a_check_that_raises_fails_alone(monkeypatch):
    from hotpass_assets.lib.contracts import datasets

    def boom(*args, **kwargs):
        raise ValueError("secret +27825550123")

    monkeypatch.setitem(datasets._CHECKS, "capture_reject_rate", boom)
    out = contracts.evaluate(
        "contact_capture", data.capture_frames(), _ctx(extra=data.capture_extra())
    )
    assert len(out) == len(contracts.check_specs("contact_capture"))
    o = _by_name(out)["capture_reject_rate"]
    assert not o.passed and o.failures == {"check_error:ValueError": 1}
    assert "+27825550123" not in data.serialised(out)
    assert _by_name(out)["capture_schema_pandera"].passed


# --- drift is a WARN ------------------------------------------------------------------------


def _previous_capture(**sheet_kw):
    frames = data.capture_frames()
    ctx = _ctx(extra=data.capture_extra(sheets=data.capture_sheets(**sheet_kw)))
    return json.loads(json.dumps(contracts.partition_stats("contact_capture", frames, ctx)))


def test_reject_rate_jump_against_previous_warns():
    previous = _previous_capture(cleaned_rejected=0, cleaned_rows=40)
    ctx = _ctx(
        previous=previous,
        extra=data.capture_extra(sheets=data.capture_sheets(cleaned_rejected=12, cleaned_rows=40)),
    )
    out = _by_name(contracts.evaluate("contact_capture", data.capture_frames(), ctx))
    o = out["capture_reject_rate"]
    assert o.spec.severity == "WARN"
    assert o.passed is False and o.blocks is False
    assert o.failures == {"reject_rate_jump:Cleaned": 12}
    assert "Cleaned" in o.message and "reject_rate_jump" in o.message
    assert o.metadata["sheet_reject_rates"]["Cleaned"]["previous_reject_rate"] == 0.0
    assert o.failing_ids == ["Cleaned!R3"]  # location of the rejected row, not its value
    assert not any(x.blocks for x in out.values())
    assert data.leaked(list(out.values())) == 0


def test_reject_rate_above_threshold_warns_without_previous():
    sheets = data.capture_sheets(cleaned_rejected=30, cleaned_rows=40)
    o = _by_name(
        contracts.evaluate(
            "contact_capture", data.capture_frames(), _ctx(extra=data.capture_extra(sheets=sheets))
        )
    )["capture_reject_rate"]
    assert not o.passed and o.failures == {"reject_rate:Cleaned": 30}
    ctx = _ctx(
        extra=data.capture_extra(sheets=sheets, thresholds={"reject_rate_max": {"default": 0.9}})
    )
    o = _by_name(contracts.evaluate("contact_capture", data.capture_frames(), ctx))[
        "capture_reject_rate"
    ]
    assert o.passed


def test_row_count_jump_warns():
    previous = _previous_capture()
    previous["rows"]["organisations"] = 300
    previous["sheets"]["Cleaned"]["data_rows"] = 200
    ctx = _ctx(previous=previous, extra=data.capture_extra())
    o = _by_name(contracts.evaluate("contact_capture", data.capture_frames(), ctx))[
        "capture_row_count_drift"
    ]
    assert o.spec.severity == "WARN" and not o.passed and not o.blocks
    assert o.failures["row_count_jump:organisations"] == 297
    assert o.failures["sheet_rows_jump:Cleaned"] == 198
    ctx = _ctx(previous=_previous_capture(), extra=data.capture_extra())
    assert _by_name(contracts.evaluate("contact_capture", data.capture_frames(), ctx))[
        "capture_row_count_drift"
    ].passed


def test_completeness_drift_warns_with_ids_of_rows():
    previous = _previous_capture()
    previous["null_rates"]["organisations.website"] = 0.0
    frames = data.capture_frames()
    frames["organisations"].loc[0:1, "website"] = None
    ctx = _ctx(previous=previous, extra=data.capture_extra())
    o = _by_name(contracts.evaluate("contact_capture", frames, ctx))["capture_completeness_drift"]
    assert not o.passed and not o.blocks
    assert o.failures == {"null_rate_jump:organisations.website": 2}
    assert set(o.failing_ids) == {data.rid("cleaned", 2), data.rid("cleaned", 3)}


def test_refined_drift_against_previous_snapshot():
    frames = data.refined_frames()
    previous = contracts.partition_stats("refined_organisations", frames, _snap_ctx())
    previous["rows"]["organisations"] = 10
    previous["mean_quality"] = 0.95
    out = _by_name(
        contracts.evaluate("refined_organisations", frames, _snap_ctx(previous=previous))
    )
    assert out["refined_row_count_drift"].failures == {"row_count_jump:organisations": 8}
    assert out["refined_completeness_drift"].failures == {
        "quality_drop:organisations.data_quality_score": 1
    }
    assert all(o.passed for o in out.values() if o.spec.severity == "ERROR")


def test_constant_scores_warn():
    scores = data.score_frame()
    scores["lead_score"] = 0.5
    o = _by_name(contracts.evaluate("lead_scores", {"scores": scores}, _snap_ctx()))[
        "scores_distribution_drift"
    ]
    assert not o.passed and o.spec.severity == "WARN"
    assert o.failures == {"constant_scores:lead_score": 2}


# --- call list ------------------------------------------------------------------------------


def test_call_list_cells_are_safe_once_neutralised_on_write():
    calls = data.call_list_frame()
    calls.loc[0, "organisation_name"] = '=HYPERLINK("http://x")'
    calls.loc[1, "top_features"] = "@SUM(1)"
    o = _by_name(contracts.evaluate("call_list", {"call_list": calls}, _snap_ctx()))[
        "call_list_safe"
    ]
    assert o.passed
    assert o.metadata["cells_neutralised_on_write"] >= 3  # two triggers and the + of a phone


def test_call_list_formula_cells_fail_when_the_writer_does_not_neutralise(monkeypatch):
    import hotpass_assets.lib.scoring.calllist as calllist

    monkeypatch.setattr(calllist, "neutralise", lambda value: value)
    calls = data.call_list_frame()
    calls.loc[1, "primary_contact_role"] = "-2+3"
    o = _by_name(contracts.evaluate("call_list", {"call_list": calls}, _snap_ctx()))[
        "call_list_safe"
    ]
    assert not o.passed and o.blocks
    assert o.failures == {
        "formula_injection:primary_contact_phone": 1,
        "formula_injection:primary_contact_role": 1,
    }
    assert set(o.failing_ids) == {data.E1, data.E2}
    assert "-2+3" not in data.serialised([o])

    calls = data.call_list_frame()
    calls.loc[0, "primary_contact_phone"] = "'+27825550123"  # already neutralised
    o = _by_name(contracts.evaluate("call_list", {"call_list": calls}, _snap_ctx()))[
        "call_list_safe"
    ]
    assert o.passed, o.failures


def test_call_list_written_files_are_checked(tmp_path):
    from hotpass_assets.lib.scoring.calllist import write_call_list

    calls = data.call_list_frame()
    calls.loc[0, "organisation_name"] = "=cmd|' /C calc'!A0"
    csv_path, xlsx_path = tmp_path / "calls.csv", tmp_path / "calls.xlsx"
    write_call_list(calls, csv_path, xlsx_path)
    ctx = _snap_ctx(extra={"csv_path": str(csv_path), "xlsx_path": str(xlsx_path)})
    o = _by_name(contracts.evaluate("call_list", {"call_list": calls}, ctx))["call_list_safe"]
    assert o.passed, o.failures
    assert o.metadata["files_checked"] == ["csv_path", "xlsx_path"]

    bad = tmp_path / "bad.csv"
    bad.write_text("rank,organisation_name\n1,=cmd|' /C calc'!A0\n", encoding="utf-8")
    ctx = _snap_ctx(extra={"csv_path": str(bad)})
    o = _by_name(contracts.evaluate("call_list", {"call_list": calls}, ctx))["call_list_safe"]
    assert o.failures == {"formula_injection_in_file:csv_path.organisation_name": 1}


def test_call_list_rows_need_a_reachable_contact():
    calls = data.call_list_frame()
    calls.loc[1, "primary_contact_email"] = None
    out = _by_name(
        contracts.evaluate(
            "call_list", {"call_list": calls}, _snap_ctx(extra={"requested_size": 5})
        )
    )
    o = out["call_list_safe"]
    assert not o.passed and o.failures == {"unreachable:primary_contact": 1}
    assert o.failing_ids == [data.E2]
    size = out["call_list_size"]
    assert not size.passed and not size.blocks and size.failures == {"short:call_list": 3}
