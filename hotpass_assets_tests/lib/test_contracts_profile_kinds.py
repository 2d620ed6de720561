"""A workbook kind defined only by a YAML profile gets a source-sheet contract and a place in
scoring, and the hand-written source-sheet models take their required and key columns from
the profiles."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hotpass_assets.lib import profiles
from hotpass_assets.lib.contracts import table_contracts
from hotpass_assets.lib.contracts.sources import (
    check_workbook,
    column_roles,
    sheet_contract,
    sheet_contracts,
)
from hotpass_assets.lib.scoring import features, sources
from hotpass_assets.lib.scoring.baseline import source_priority
from hotpass_assets.lib.scoring.features import dataset_family
from hotpass_assets_tests.lib.test_contracts_sources import write_book

FLEET_PROFILE = """
name: fleet
description: Operators of a fleet register.
version: 1
priority: 5
kinds:
  - kind: fleet_register
    description: Register of aircraft operators
    source_dataset: fleet_register
    trust: 4
    recognise:
      file_name: '(?i)fleet\\s*register'
    sheets:
      - sheet: Operators
        role: organisations
        header_row: 1
        required_columns: [Operator, Licence]
        key_columns: [Operator]
        fields:
          organisation_name: Operator
          contact_phones: Phone
          province: Region
"""


@pytest.fixture
def fleet_profile_dir(tmp_path, monkeypatch) -> Path:
    profile_dir = tmp_path / "profiles"
    profile_dir.mkdir()
    for name in ("aviation.yaml", "generic.yaml", "schema.json"):
        shutil.copy(profiles.PROFILE_DIR / name, profile_dir / name)
    (profile_dir / "fleet.yaml").write_text(FLEET_PROFILE, encoding="utf-8")
    monkeypatch.setattr(profiles.model, "PROFILE_DIR", profile_dir)
    return profile_dir


def test_a_yaml_only_kind_gets_a_source_sheet_contract(fleet_profile_dir, tmp_path):
    contract = sheet_contracts()["fleet_register"][0]
    assert (contract.sheet, contract.role, contract.optional) == (
        "Operators",
        "organisations",
        False,
    )
    assert contract.table == "fleet_register.operators"
    assert sheet_contract("fleet_register.operators") == contract
    assert "fleet_register.operators" in table_contracts.all_tables()["raw_workbook"]
    roles = contract.roles()
    assert roles["Operator"] == {"required": True, "key": True}
    assert roles["Licence"] == {"required": True, "key": False}
    assert roles["Phone"] == {"required": False, "key": False}
    assert column_roles(contract.model) == roles  # the built model says the same

    headers = ["Operator", "Licence", "Phone", "Region"]
    good = write_book(
        tmp_path / "Fleet Register 2026.xlsx",
        {
            "Operators": [
                headers,
                ["Kestrel Air", "L-1", "+27 82 555 0123", "Gauteng"],
                [None, "L-2", None, None],
            ]
        },
    )
    report = check_workbook(good)
    assert (report.profile_name, report.workbook_kind, report.has_contract) == (
        "fleet",
        "fleet_register",
        True,
    )
    assert not report.breaches
    assert [f.key for f in report.drift] == ["key_column_nulls:Operators.Operator"]
    assert report.drift[0].refs == ["Operators!R3"]

    broken = write_book(
        tmp_path / "fleet register broken.xlsx",
        {"Operators": [["Operator", "Phone"], ["Kestrel Air", "+27 82 555 0123"]]},
    )
    report = check_workbook(broken)
    assert [f.key for f in report.breaches] == ["missing_column:Operators.Licence"]


def test_a_yaml_only_kind_takes_part_in_scoring(fleet_profile_dir):
    assert sources.source_trust() == {
        "fleet_register": 4,
        "sacaa": 3,
        "reachout": 2,
        "contact_db": 1,
    }
    assert features.SOURCE_TRUST["fleet_register"] == 4  # read when asked, not at import
    assert dataset_family("fleet_register") == "fleet_register"
    assert dataset_family("Fleet Register 2026.xlsx") == "fleet_register"
    assert sources.order_families() == {"contact_db"}
    # the fixed formula's source priority is the trust over the highest trust
    assert source_priority(["fleet_register"], True) == 1.0
    assert source_priority(["sacaa"], True) == pytest.approx(0.75)


def test_shipped_sources_keep_their_trust_and_families():
    assert sources.source_trust() == {"sacaa": 3, "reachout": 2, "contact_db": 1}
    assert sources.order_families() == {"contact_db"}
    assert dataset_family("SACAA Flight Schools.xlsx") == "sacaa"
    assert dataset_family("generic_my_list") == "generic_my_list"
    assert source_priority(["reachout", "contact_db"], True) == pytest.approx(2 / 3)


def test_shipped_profiles_agree_with_the_hand_written_source_models():
    """The profile is the one statement of required and key columns: the hand-written models
    state none, and the contract's model carries exactly the profile's."""
    for kind_contracts in sheet_contracts().values():
        for contract in kind_contracts:
            hand_written = contract.model.__mro__[1]
            assert hand_written.__module__.endswith("sheet_models"), contract.table
            assert not any(
                r["required"] or r["key"] for r in column_roles(hand_written).values()
            ), contract.table
            model_roles = column_roles(contract.model)
            assert contract.roles() == model_roles, contract.table
            assert {h for h, r in model_roles.items() if r["required"]} == set(
                contract.required_columns
            ), contract.table
            assert {h for h, r in model_roles.items() if r["key"]} == set(contract.key_columns), (
                contract.table
            )


def test_hand_written_source_model_takes_its_roles_from_the_profile():
    from dataclasses import replace

    from hotpass_assets.lib.contracts.profile_models import with_roles
    from hotpass_assets.lib.contracts.sheet_models import SacaaCleaned

    spec = next(s for s in profiles.load_profile("aviation").kinds[0].sheets)
    assert spec.sheet == "Cleaned"
    changed = replace(spec, required_columns=("Province", "Extra"), key_columns=("Status",))
    model = with_roles(SacaaCleaned, changed)
    roles = column_roles(model)
    assert {h for h, r in roles.items() if r["required"]} == {"Province", "Extra", "Status"}
    assert {h for h, r in roles.items() if r["key"]} == {"Status"}
    assert list(roles)[: len(column_roles(SacaaCleaned))] == list(column_roles(SacaaCleaned))
    schema = model.to_schema()
    assert schema.name == "raw_workbook.sacaa.cleaned"
    assert schema.columns["Province"].description == "Province text (`Unknown` when unknown)."
    assert model.__doc__ == SacaaCleaned.__doc__
