"""Column-wise survivorship gives exactly what the former per-entity code gave.

The reference is the former implementation (``refine_reference.py``). Both run on the demo
workbooks' capture, on generated messy records and on the real workbooks; organisations,
contacts and conflicts must be equal cell for cell, provenance JSON equal once parsed. Failure
messages name columns and counts only, never values (the real workbooks hold personal data).
"""

import json
from contextlib import contextmanager
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotpass_assets.lib.records import CAPTURE_CONTACT_COLUMNS, CAPTURE_ORGANISATION_COLUMNS
from hotpass_assets.lib.refine import natural_key
from hotpass_assets.lib.survivorship import survive
from hotpass_assets_tests.lib.refine_reference import reference_survive
from hotpass_assets_tests.lib.workbooks import capture_drops

SNAP = "2026-03-01"


def _cell_equal(a: object, b: object) -> bool:
    if isinstance(a, list | tuple | np.ndarray) or isinstance(b, list | tuple | np.ndarray):
        return a is not None and b is not None and list(a) == list(b)
    if a is None or b is None:
        return a is b
    if isinstance(a, float) and isinstance(b, float) and a != a:
        return b != b
    return isinstance(a, str) == isinstance(b, str) and bool(a == b)


def mismatches(new: pd.DataFrame, old: pd.DataFrame) -> dict[str, int]:
    """Column name → number of differing cells (-1: missing column; '_rows': row counts)."""
    out: dict[str, int] = {}
    if len(new) != len(old):
        return {"_rows": abs(len(new) - len(old))}
    if list(new.columns) != list(old.columns):
        out["_columns"] = -1
    for col in old.columns:
        if col not in new.columns:
            out[col] = -1
            continue
        pairs = zip(new[col].tolist(), old[col].tolist(), strict=True)
        if col == "selection_provenance":
            bad = sum(json.loads(a) != json.loads(b) for a, b in pairs)
        else:
            bad = sum(not _cell_equal(a, b) for a, b in pairs)
        if bad:
            out[col] = bad
        elif new[col].dtype != old[col].dtype and len(old):
            out[f"{col} (dtype)"] = -2
    return out


def assert_same(records: pd.DataFrame, contacts: pd.DataFrame) -> tuple:
    new = survive(records, contacts, SNAP)
    old = reference_survive(records, contacts, SNAP)
    problems = {
        name: m
        for name, a, b in zip(("organisations", "contacts", "conflicts"), new, old, strict=True)
        if (m := mismatches(a, b))
    }
    assert not problems, f"column-wise survivorship differs (column: cells) {problems}"
    texts = new[0]["selection_provenance"].tolist()
    rewritten = sum(t != json.dumps(json.loads(t), sort_keys=True) for t in texts)
    assert not rewritten, f"{rewritten} provenance texts differ from json.dumps(sort_keys=True)"
    return new


def _resolved(organisations: pd.DataFrame) -> pd.DataFrame:
    from hotpass_assets.lib.matching import resolve_organisations

    records = organisations.sort_values("record_id", kind="stable").reset_index(drop=True)
    records["natural_key"] = [natural_key(r) for r in records.to_dict("records")]
    resolution = resolve_organisations(records)
    records["entity_id"] = records["record_id"].map(dict(resolution.entity_of.items()))
    return records


def _capture_all(paths) -> tuple[pd.DataFrame, pd.DataFrame]:
    from hotpass_assets.lib import warehouse

    orgs, people = [], []
    for result in capture_drops(sorted(paths), date(2026, 1, 1)):
        # Through Arrow, as the snapshot reads the published captures.
        orgs.append(warehouse.to_arrow(result.organisations, CAPTURE_ORGANISATION_COLUMNS))
        people.append(warehouse.to_arrow(result.contacts, CAPTURE_CONTACT_COLUMNS))
    return _frames(orgs), _frames(people)


def _frames(tables) -> pd.DataFrame:
    import pyarrow as pa

    from hotpass_assets.lib.warehouse import _INT_TYPES, LIST_COLUMNS

    frame = pa.concat_tables(tables, promote_options="default").to_pandas(
        types_mapper=_INT_TYPES.get
    )
    for name in LIST_COLUMNS.intersection(frame.columns):
        frame[name] = [None if v is None else list(v) for v in frame[name]]
    return frame


def test_demo_capture_gives_the_same_snapshot(demo_dir):
    orgs, people = _capture_all(list(demo_dir.glob("*.xlsx")))
    new_orgs, new_people, new_conflicts = assert_same(_resolved(orgs), people)
    old_orgs = reference_survive(_resolved(orgs), people, SNAP)[0]
    # The provenance text itself is byte-identical, not only equal once parsed.
    assert new_orgs["selection_provenance"].tolist() == old_orgs["selection_provenance"].tolist()
    assert len(new_orgs) > 50 and len(new_people) > 50 and len(new_conflicts) > 10


@pytest.mark.real
def test_real_workbooks_give_the_same_snapshot(real_workbooks):
    orgs, people = _capture_all(list(real_workbooks.glob("*.xlsx")))
    new_orgs, new_people, new_conflicts = assert_same(_resolved(orgs), people)
    print(
        f"real: {len(orgs)} records, {len(new_orgs)} organisations, {len(new_people)} people, "
        f"{len(new_conflicts)} conflicts: identical"
    )


# --- generated messy records -------------------------------------------------------------------

TEXT = st.sampled_from(["Acme", "ACME", "acme ", " Acme", "Åcme Ltd", "Béta", "beta", "", "  "])
MAYBE_TEXT = st.one_of(st.none(), TEXT)
ITEMS = st.lists(st.sampled_from(["a@x.co", "A@X.co", "b@y.co", "+2711", "+2712", "C172"]))
DATES = st.one_of(
    st.none(),
    st.dates(date(2019, 1, 1), date(2019, 1, 4)),
    st.sampled_from(["2019-01-02", "2019-01-03T10:00", "not a date", "", "2019-02-30"]),
)
COLUMNS = st.sampled_from(
    [None, "", "{}", json.dumps({"organisation_name": "Name", "province": "Prov", "website": "W"})]
)


def _record(i: int, draw) -> dict:
    return {
        "record_id": draw(st.sampled_from(["a", "b", "c"])) + f"{i:03d}:sheet:{i}",
        "entity_id": draw(st.sampled_from(["e1", "e2", "e3", "e4"])),
        "partition_key": draw(st.sampled_from(["2026-01-01_a_1", "2026-01-02_b_2"])),
        "source_dataset": draw(st.sampled_from(["sacaa", "reachout", "contact_db"])),
        "source_trust": draw(st.one_of(st.none(), st.integers(0, 3))),
        "source_file": draw(st.sampled_from(["a.xlsx", "b ü.xlsx"])),
        "source_sheet": draw(st.sampled_from(["Cleaned", "Orgs"])),
        "source_row": i + 2,
        "record_kind": draw(st.sampled_from(["organisation", "attribute"])),
        **{
            f: draw(MAYBE_TEXT)
            for f in (
                "organisation_name",
                "name_key",
                "accounting_name",
                "country",
                "address",
                "category",
                "org_type",
                "status",
                "website",
                "domain",
                "description",
                "notes",
            )
        },
        "province": draw(st.sampled_from([None, "Gauteng", "gauteng", "Limpopo"])),
        "province_raw": draw(st.sampled_from([None, "", "Jozi", "Cape", "jozi"])),
        "aircraft_types": draw(st.one_of(st.none(), ITEMS)),
        "emails": draw(st.one_of(st.none(), ITEMS)),
        "phones": draw(st.one_of(st.none(), ITEMS)),
        "interaction_date": draw(DATES),
        "last_order_date": draw(DATES),
        "order_count": draw(st.one_of(st.none(), st.integers(0, 2))),
        "order_status": draw(st.sampled_from([None, "Last Order", " last order ", "Quoted"])),
        "source_columns": draw(COLUMNS),
    }


def _contact(i: int, draw, record_ids: list[str]) -> dict:
    return {
        "contact_record_id": draw(st.sampled_from([*record_ids, "zz"])) + f"#{i}",
        "organisation_record_id": draw(st.sampled_from([*record_ids, "unknown"])),
        "source_dataset": draw(st.sampled_from(["sacaa", "reachout"])),
        "source_trust": draw(st.one_of(st.none(), st.integers(0, 3))),
        "full_name": draw(st.sampled_from([None, "", "J. Smith", "j smith", "José Ng", "Jose Ng"])),
        "first_name": draw(MAYBE_TEXT),
        "last_name": draw(MAYBE_TEXT),
        "role": draw(st.sampled_from([None, "", "CEO", "Chief Flying Instructor"])),
        "emails": draw(st.one_of(st.none(), ITEMS)),
        "phones": draw(st.one_of(st.none(), ITEMS)),
        "is_invalid": draw(st.booleans()),
        "interaction_date": draw(DATES),
    }


@st.composite
def messy_snapshot(draw):
    n = draw(st.integers(1, 14))
    rows = [_record(i, draw) for i in range(n)]
    records = pd.DataFrame(rows).sort_values("record_id", kind="stable").reset_index(drop=True)
    for col in ("source_trust", "source_row", "order_count"):
        records[col] = records[col].astype("Int64")
    ids = records["record_id"].tolist()
    people = [_contact(i, draw, ids) for i in range(draw(st.integers(0, 12)))]
    contacts = pd.DataFrame(people, columns=list(CAPTURE_CONTACT_COLUMNS))
    contacts["source_trust"] = contacts["source_trust"].astype("Int64")
    return records, contacts


#: Hypothesis settings of the tests that survive messy snapshots.
_SLOW_EXAMPLES = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


@settings(max_examples=150, **_SLOW_EXAMPLES)
@given(messy_snapshot())
def test_messy_records_give_the_same_snapshot(snapshot):
    records, contacts = snapshot
    assert_same(records, contacts)


def test_an_entity_without_records_of_its_own_contacts_is_dropped():
    """Contacts whose organisation record is not in the snapshot are not people of it."""
    records = pd.DataFrame(
        [{c: None for c in CAPTURE_ORGANISATION_COLUMNS} | {"record_id": "r1", "entity_id": "e1",
          "source_trust": 1, "record_kind": "organisation", "organisation_name": "Acme",
          "source_row": 2, "partition_key": "k", "source_dataset": "sacaa"}]
    )  # fmt: skip
    contacts = pd.DataFrame(
        [{c: None for c in CAPTURE_CONTACT_COLUMNS} | {"contact_record_id": "x#1",
          "organisation_record_id": "elsewhere", "full_name": "A B", "is_invalid": False}]
    )  # fmt: skip
    orgs, people, conflicts = assert_same(records, contacts)
    assert people.empty and orgs["contact_count"].tolist() == [0] and conflicts.empty


# --- split over processes ----------------------------------------------------------------------


@contextmanager
def _split_at_any_size():
    """Survivorship splits over processes whatever the number of records (Hypothesis examples
    share one function-scoped set-up, so not through ``monkeypatch``)."""
    import hotpass_assets.lib.survivorship as survivorship

    before, survivorship.PARALLEL_MIN_RECORDS = survivorship.PARALLEL_MIN_RECORDS, 0
    try:
        yield
    finally:
        survivorship.PARALLEL_MIN_RECORDS = before


def assert_split_same(records: pd.DataFrame, contacts: pd.DataFrame, processes: int) -> None:
    """``survive`` over ``processes`` processes gives exactly the tables of one process."""
    one = survive(records, contacts, SNAP)
    split = survive(records, contacts, SNAP, processes=processes)
    for a, b in zip(split, one, strict=True):
        pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("processes", [2, 3])
def test_demo_snapshot_split_over_processes_is_the_same(demo_dir, monkeypatch, processes):
    monkeypatch.setattr("hotpass_assets.lib.survivorship.PARALLEL_MIN_RECORDS", 0)
    orgs, people = _capture_all(list(demo_dir.glob("*.xlsx")))
    assert_split_same(_resolved(orgs), people, processes)


@settings(max_examples=40, **_SLOW_EXAMPLES)
@given(messy_snapshot(), st.integers(2, 4))
def test_messy_records_split_over_processes_are_the_same(snapshot, processes):
    records, contacts = snapshot
    with _split_at_any_size():
        assert_split_same(records, contacts, processes)


def test_small_snapshots_stay_in_one_process(monkeypatch):
    import hotpass_assets.lib.survivorship as survivorship

    monkeypatch.setattr(
        "hotpass_assets.lib.background.Forked",
        lambda *a, **k: pytest.fail("forked below PARALLEL_MIN_RECORDS"),
    )
    records = pd.DataFrame(
        [{c: None for c in CAPTURE_ORGANISATION_COLUMNS} | {"record_id": f"r{i}",
          "entity_id": f"e{i}", "source_trust": 1, "record_kind": "organisation",
          "organisation_name": f"Org {i}", "source_row": i, "partition_key": "k",
          "source_dataset": "sacaa"} for i in range(3)]
    )  # fmt: skip
    contacts = pd.DataFrame(columns=list(CAPTURE_CONTACT_COLUMNS))
    assert len(records) < survivorship.PARALLEL_MIN_RECORDS
    orgs, _, _ = survive(records, contacts, SNAP, processes=4)
    assert orgs["entity_id"].tolist() == ["e0", "e1", "e2"]


@settings(max_examples=20, **_SLOW_EXAMPLES)
@given(messy_snapshot())
def test_split_follows_the_ids_own_order(snapshot):
    """Entity ids that sort differently as numbers and as text (2 < 10, "10" < "2")."""
    records, contacts = snapshot
    records["entity_id"] = records["entity_id"].map({"e1": 2, "e2": 10, "e3": 3, "e4": 100})
    with _split_at_any_size():
        assert_split_same(records, contacts, 2)
