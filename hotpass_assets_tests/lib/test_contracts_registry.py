"""The check registry: each check is declared on its body; the spec table derives from it."""

from __future__ import annotations

import pytest

from hotpass_assets.lib import contracts
from hotpass_assets.lib.checks import outcome
from hotpass_assets.lib.contracts import datasets
from hotpass_assets.lib.contracts.checks import registry


def test_the_spec_table_is_the_registry_in_definition_order():
    by_dataset: dict[str, list[str]] = {}
    for c in registry.registered():
        by_dataset.setdefault(c.dataset, []).append(c.spec.name)
    assert {d: [s.name for s in specs] for d, specs in contracts.SPECS.items()} == by_dataset
    assert list(contracts.SPECS)[: len(contracts.DATASETS)] == list(contracts.DATASETS)
    for dataset in contracts.DATASETS:
        for spec in contracts.check_specs(dataset):
            assert spec.name in datasets._CHECKS, spec.name  # every frame check has a body
        assert dataset in registry.stats_bodies()


def test_the_model_checks_are_declared_with_the_others_and_run_by_their_asset():
    from hotpass_assets.lib.contracts.checks import BASELINE_CHECK, GATE_CHECK, TRAINED_CHECK

    assert contracts.check_specs("lead_score_model") == [TRAINED_CHECK, GATE_CHECK, BASELINE_CHECK]
    assert {s.severity for s in contracts.check_specs("lead_score_model")} == {"WARN"}
    with pytest.raises(KeyError, match="evaluated by its asset"):
        contracts.evaluate("lead_score_model", {}, contracts.ContractContext(partition_key="k"))


def test_a_decorated_body_is_a_new_check(monkeypatch):
    monkeypatch.setattr(registry, "_CHECKS", dict(registry._CHECKS))

    @registry.check("call_list", "call_list_has_rows", registry.W, "The call list has rows.")
    def _has_rows(spec, frames, ctx, state):
        return outcome(spec, rows_checked=len(frames["call_list"]))

    specs = registry.specs_by_dataset()["call_list"]
    assert specs[-1].name == "call_list_has_rows" and specs[-1].severity == "WARN"
    assert registry.bodies()["call_list_has_rows"] is _has_rows


def test_a_check_name_is_registered_once():
    with pytest.raises(ValueError, match="registered twice"):
        registry.declare("call_list", "capture_structure", registry.E, "duplicate")
    assert [c.dataset for c in registry.registered() if c.spec.name == "capture_structure"] == [
        "contact_capture"
    ]
