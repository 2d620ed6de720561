"""Great Expectations suites: stored JSON, ephemeral context, failures surface as outcomes."""

from __future__ import annotations

import json

import pytest

from hotpass_assets.lib import contracts
from hotpass_assets.lib.contracts import ContractContext, gx
from hotpass_assets_tests.lib import test_contracts_data as data

SUITE_DATASETS = ("contact_capture", "refined_organisations", "lead_scores", "call_list")


def test_every_frame_dataset_has_a_stored_suite_on_known_columns():
    assert sorted(p.stem for p in gx.SUITES_DIR.glob("*.json")) == sorted(SUITE_DATASETS)
    for dataset in SUITE_DATASETS:
        config = gx.load_suite_config(dataset)
        assert config["name"] == dataset
        table, id_column = gx.suite_target(dataset)
        columns = [c for c, _, _ in contracts.column_schema(dataset, table)]
        assert id_column in columns
        for e in config["expectations"]:
            assert e["type"].startswith("expect_")
            kwargs = e["kwargs"]
            if "column" in kwargs:
                assert kwargs["column"] in columns, (dataset, e["type"], kwargs["column"])
            if "column_list" in kwargs:
                assert kwargs["column_list"] == columns, dataset


def test_suite_patterns_agree_with_the_models():
    from hotpass_assets.lib.contracts import models as m

    wanted = {
        "website": m.WEBSITE_PATTERN,
        "domain": m.DOMAIN_PATTERN,
        "primary_contact_email": m.EMAIL_PATTERN,
        "primary_contact_phone": m.PHONE_PATTERN,
    }
    for dataset in SUITE_DATASETS:
        for e in gx.load_suite_config(dataset)["expectations"]:
            column, regex = e["kwargs"].get("column"), e["kwargs"].get("regex")
            if regex and column in wanted:
                assert regex == wanted[column], (dataset, column)


def test_suite_runs_in_an_ephemeral_context_quickly():
    frames = data.capture_frames()
    gx.run_suite("contact_capture", frames["organisations"])  # set-up and import
    run = gx.run_suite("contact_capture", frames["organisations"])
    from great_expectations.data_context import EphemeralDataContext

    assert isinstance(gx._context(), EphemeralDataContext)
    assert run.success and run.setup_s < 0.05
    assert run.validate_s < 1.0, f"GX validation took {run.validate_s:.3f}s"
    assert len(run.results) == len(gx.load_suite_config("contact_capture")["expectations"])


def test_batches_are_not_fingerprinted():
    """GX's hash of every cell of a batch is only stored in batch markers nothing reads."""
    frames = data.capture_frames()
    gx.run_suite("contact_capture", frames["organisations"])
    from great_expectations.execution_engine import pandas_execution_engine

    assert pandas_execution_engine.HASH_THRESHOLD == 0


def test_gx_frame_joins_list_cells_and_keeps_the_rest():
    import pandas as pd

    frame = pd.DataFrame(
        {"id": ["a", "b", "c"], "items": [["x", 1], "plain", None], "n": [1, 2, 3]},
        index=[7, 8, 9],
    )
    out = gx.gx_frame(frame)
    assert list(out.index) == [0, 1, 2]
    assert out["items"].tolist() == ["x; 1", "plain", None]
    assert out["items"].dtype == object and out["n"].tolist() == [1, 2, 3]
    assert frame["items"].iloc[0] == ["x", 1]  # the caller's frame is untouched


def test_value_columns_are_what_the_expectations_read():
    config = gx.load_suite_config("contact_capture")
    read = gx.value_columns(config)
    assert read == {
        e["kwargs"]["column"] for e in config["expectations"] if "column" in e["kwargs"]
    }
    assert "record_id" in read and "emails" not in read  # the id column; a list column unread
    shaped = {
        **config,
        "expectations": [*config["expectations"], {"type": "expect_x", "kwargs": {}}],
    }
    assert gx.value_columns(shaped) is None  # a kind not known here may read any column
    conditioned = json.loads(json.dumps(config))
    conditioned["expectations"][-1]["kwargs"]["row_condition"] = 'emails != ""'
    assert gx.value_columns(conditioned) is None  # a condition may name any column


def test_gx_frame_keeps_unread_columns_by_name_only():
    import pandas as pd

    frame = pd.DataFrame({"id": ["a", "b"], "items": [["x"], ["y", "z"]], "n": [1, 2]})
    out = gx.gx_frame(frame, frozenset({"id", "n"}))
    assert list(out.columns) == ["id", "items", "n"]
    assert out["id"].tolist() == ["a", "b"] and out["n"].tolist() == [1, 2]
    assert out["items"].dtype == bool  # a placeholder: its lists are neither copied nor joined
    assert frame["items"].tolist() == [["x"], ["y", "z"]]


def test_reading_only_the_read_columns_gives_the_same_results(monkeypatch):
    """A failing suite gives the same outcome (counts, ids) on the frame with unread columns as
    placeholders as on the whole frame, and passes on the whole one where it passes."""
    frames = data.capture_frames()
    orgs = frames["organisations"]
    orgs.loc[0, "website"] = "www.Kestrel-Example.co.za/?ref=x"
    orgs.loc[1, "source_row"] = 0
    orgs.loc[2, "province"] = "Atlantis"
    narrow = gx.run_suite("contact_capture", orgs)
    monkeypatch.setattr(gx, "value_columns", lambda config: None)
    whole = gx.run_suite("contact_capture", orgs)
    assert not narrow.success and not whole.success
    assert narrow.results == whole.results
    assert gx.run_suite("contact_capture", data.capture_frames()["organisations"]).success


def test_gx_failure_is_a_failing_outcome_with_ids_not_values():
    frames = data.capture_frames()
    bad_site = "www.Kestrel-Example.co.za/?ref=thandiwe"
    frames["organisations"].loc[0, "website"] = bad_site
    frames["organisations"].loc[1, "source_row"] = 0
    ctx = ContractContext(
        partition_key=data.PARTITION, source_file=data.FILE, extra=data.capture_extra()
    )
    outcomes = contracts.evaluate("contact_capture", frames, ctx)
    o = {x.name: x for x in outcomes}["capture_expectations_gx"]
    assert not o.passed and o.blocks
    assert o.failures == {
        "column_values_to_match_regex:website": 1,
        "column_values_to_be_between:source_row": 1,
    }
    assert set(o.failing_ids) == {data.rid("cleaned", 2), data.rid("cleaned", 3)}
    assert o.metadata["gx_expectations_failed"] == 2
    assert "gx_validate_ms" in o.metadata
    assert data.leaked(outcomes, (*data.PERSONAL, bad_site)) == 0


def test_a_failed_suite_runs_again_only_what_failed(monkeypatch):
    """Details (counts, ids) of a failed suite come from running only the failed expectations
    again; the passed ones keep their pass/fail result."""
    from great_expectations.datasource.fluent.interfaces import Batch

    frames = data.capture_frames()
    frames["organisations"].loc[1, "source_row"] = 0
    again: list[list[str]] = []
    validate = Batch.validate

    def spy(self, expect, **kwargs):
        again.append([e.expectation_type for e in expect.expectations])
        return validate(self, expect, **kwargs)

    monkeypatch.setattr(Batch, "validate", spy)
    run = gx.run_suite("contact_capture", frames["organisations"])
    expectations = gx.load_suite_config("contact_capture")["expectations"]
    assert again == [["expect_column_values_to_be_between"]]
    assert len(run.results) == len(expectations)
    assert [r.expectation for r in run.results] == [e["type"] for e in expectations]
    assert run.failures() == {"column_values_to_be_between:source_row": 1}
    assert run.failing_ids() == [data.rid("cleaned", 3)]
    assert sum(r.success for r in run.results) == len(expectations) - 1


@pytest.mark.parametrize("dataset", ["refined_organisations", "lead_scores", "call_list"])
def test_gx_catches_format_breaches_pandera_does_not_cover(dataset):
    ctx = ContractContext(partition_key=data.SNAPSHOT)
    if dataset == "refined_organisations":
        frames = data.refined_frames()
        frames["organisations"].loc[0, "primary_contact_phone"] = "082 555 0123"
        key = "column_values_to_match_regex:primary_contact_phone"
    elif dataset == "lead_scores":
        scores = data.score_frame().drop(columns=["top_features"])
        frames = {"scores": scores}
        key = "table_columns_to_match_set:*"
    else:
        calls = data.call_list_frame()
        calls.loc[1, "primary_contact_email"] = "Pieter@BlueHeron"
        frames = {"call_list": calls}
        key = "column_values_to_match_regex:primary_contact_email"
    outcomes = {o.name: o for o in contracts.evaluate(dataset, frames, ctx)}
    gx_check = next(o for n, o in outcomes.items() if n.endswith("_expectations_gx"))
    assert not gx_check.passed and key in gx_check.failures
    assert "082 555 0123" not in data.serialised([gx_check])


def test_data_docs_are_rendered_without_values(tmp_path):
    frames = data.capture_frames()
    frames["organisations"].loc[0, "website"] = "http://www.kestrel-example.co.za/"
    ctx = ContractContext(
        partition_key=data.PARTITION,
        source_file=data.FILE,
        extra=data.capture_extra(gx_docs_dir=str(tmp_path / "docs")),
    )
    o = {x.name: x for x in contracts.evaluate("contact_capture", frames, ctx)}[
        "capture_expectations_gx"
    ]
    assert not o.passed
    index = o.metadata["gx_data_docs"]
    assert index.endswith("index.html") and (tmp_path / "docs" / "index.html").exists()
    pages = list((tmp_path / "docs").rglob("*.html"))
    assert len(pages) >= 2
    text = "".join(p.read_text(encoding="utf-8", errors="ignore") for p in pages)
    assert "www.kestrel-example.co.za/" not in text
    assert "website" in text and "contact_capture" in text
    assert not any(v in text for v in data.PERSONAL)
    json.dumps(o.to_metadata())


def test_gx_frame_joins_list_cells_as_their_text_items():
    import numpy as np
    import pandas as pd

    cells = [
        ["a", "b"],
        ["a", 2, None],
        [],
        ("x", 1),
        np.array(["p", "q"], dtype=object),
        "t",
        None,
    ]
    out = gx.gx_frame(pd.DataFrame({"v": pd.Series(cells, dtype=object)}))
    assert out["v"].tolist() == ["a; b", "a; 2; None", "", "x; 1", "p; q", "t", None]
