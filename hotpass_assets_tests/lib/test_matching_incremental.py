"""Incremental linkage of new drops into the previous snapshot, against full rebuilds.

"Agree" means: with the model of the first snapshot pinned in the full rebuilds (incremental
linkage always scores with the previous snapshot's model), every record of every later snapshot
has the same entity id in both, so the entity partition is the same, and the merge logs list
the same merges and splits.
"""

import dataclasses
from datetime import date, timedelta

import pandas as pd
import pytest

from hotpass_assets.lib.demo import write_demo_workbooks, write_variant
from hotpass_assets.lib.matching import MatchConfig
from hotpass_assets.lib.matching.incremental import (
    ENTITY_KEY_COLUMNS,
    FullRebuildNeeded,
    keys_frame,
    keys_table,
    link_records,
)
from hotpass_assets.lib.refine import PreviousSnapshot, Snapshot, build_snapshot
from hotpass_assets.settings import Settings
from hotpass_assets_tests.lib.workbooks import capture_drops

DAY = date(2026, 1, 1)


@pytest.fixture(scope="module")
def drops(tmp_path_factory):
    """The three demo workbooks and a later workbook repeating half of their organisations and
    bridging two pairs of them, captured one drop each, in drop order."""
    folder = tmp_path_factory.mktemp("demo")
    truth = write_demo_workbooks(folder, seed=7)
    variant = folder / "later" / "sacaa_update_b.xlsx"
    variant.parent.mkdir()
    write_variant(variant, truth, seed=99, repeat_fraction=0.5, bridge_pairs=2)
    captured = capture_drops([*sorted(folder.glob("*.xlsx")), variant], DAY)
    return [(c.organisations, c.contacts) for c in captured]


def _upto(drops, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    orgs = pd.concat([d[0] for d in drops[:k]], ignore_index=True)
    people = pd.concat([d[1] for d in drops[:k]], ignore_index=True)
    return orgs.sort_values("record_id", kind="stable").reset_index(drop=True), people


def _previous(snap: Snapshot) -> PreviousSnapshot:
    # through Arrow, as the snapshot publishes and reads its keys
    return PreviousSnapshot(
        entity_keys=keys_frame(keys_table(snap.entity_keys)),
        model=snap.model,
        matches=snap.matches,
        review=snap.review,
        kept_apart=snap.kept_apart,
    )


def _ids(snap: Snapshot) -> dict[str, str]:
    return dict(zip(snap.record_map["record_id"], snap.record_map["entity_id"], strict=True))


def _log(snap: Snapshot) -> set[tuple]:
    return set(snap.merge_log.itertuples(index=False, name=None))


def test_incremental_drops_agree_with_full_rebuilds(drops):
    orgs, people = _upto(drops, 1)
    first = build_snapshot(orgs, people, snapshot_date=DAY)
    pinned = MatchConfig(pinned_model=first.model)
    inc, full = first, first
    linked_share = []
    for k in range(2, len(drops) + 1):
        orgs, people = _upto(drops, k)
        day = DAY + timedelta(days=k - 1)
        inc = build_snapshot(
            orgs,
            people,
            snapshot_date=day,
            previous=inc.record_map,
            linkage="incremental",
            previous_snapshot=_previous(inc),
        )
        full = build_snapshot(
            orgs, people, snapshot_date=day, previous=full.record_map, match_config=pinned
        )
        assert inc.stats["linkage"] == "incremental", inc.stats.get("linkage_fallback")
        assert full.stats["linkage"] == "full"
        assert inc.stats["linkage_new_records"] == len(drops[k - 1][0])
        linked_share.append(inc.stats["linkage_linked_records"] / len(orgs))
        assert _ids(inc) == _ids(full), f"drop {k}: entity ids differ"
        assert _log(inc) == _log(full), f"drop {k}: merge logs differ"
        assert len(inc.organisations) == len(full.organisations)
        assert len(inc.review) == len(full.review)
        assert list(inc.entity_keys.columns) == list(ENTITY_KEY_COLUMNS)
        assert len(inc.entity_keys) == len(orgs)
    # the drops were linked, not re-resolved whole: some entities stayed out every time
    assert max(linked_share) < 1.0
    # the later workbook moves records between organisations: the log has those rows
    assert len(inc.merge_log) and set(inc.merge_log["event"]) <= {"merge", "split"}


def test_untouched_entities_keep_their_records_and_ids(drops):
    orgs, people = _upto(drops, 3)
    before = build_snapshot(orgs, people, snapshot_date=DAY)
    orgs4, _ = _upto(drops, 4)
    link = link_records(orgs4, keys_frame(keys_table(before.entity_keys)), model=before.model)
    prev = before.record_map.set_index("record_id")["entity_id"]
    untouched = prev[~prev.index.isin(link.linked)]
    assert len(untouched) > 0
    assert (link.entity_of.reindex(untouched.index) == untouched).all()
    # every previous record whose id changed is explained by a merge or split row
    log = link.resolution.merge_log
    logged = set(zip(log["retired_id"], log["survivor_id"], strict=True))
    moved = prev[link.entity_of.reindex(prev.index) != prev]
    assert all((old, link.entity_of[rid]) in logged for rid, old in moved.items())
    assert link.keys["record_id"].is_monotonic_increasing
    assert set(link.keys["record_id"]) == set(orgs4["record_id"])


def test_a_snapshot_without_new_records_keeps_every_entity(drops):
    orgs, people = _upto(drops, 2)
    before = build_snapshot(orgs, people, snapshot_date=DAY)
    again = build_snapshot(
        orgs,
        people,
        snapshot_date=DAY + timedelta(days=1),
        previous=before.record_map,
        linkage="incremental",
        previous_snapshot=_previous(before),
    )
    assert again.stats["linkage"] == "incremental"
    assert again.stats["linkage_linked_records"] == 0
    assert _ids(again) == _ids(before)
    assert again.merge_log.empty
    assert len(again.review) == len(before.review)


def test_a_gone_record_rebuilds_in_full_and_says_why(drops):
    orgs, people = _upto(drops, 2)
    before = build_snapshot(orgs, people, snapshot_date=DAY)
    fewer = orgs.iloc[1:].reset_index(drop=True)
    with pytest.raises(FullRebuildNeeded, match="1 record"):
        link_records(fewer, before.entity_keys, model=before.model)
    snap = build_snapshot(
        fewer,
        people,
        snapshot_date=DAY + timedelta(days=1),
        previous=before.record_map,
        linkage="incremental",
        previous_snapshot=_previous(before),
    )
    assert snap.stats["linkage"] == "full"
    assert "gone" in snap.stats["linkage_fallback"]
    with pytest.raises(FullRebuildNeeded, match="model"):
        link_records(orgs, before.entity_keys, model={})


def test_linkage_setting(tmp_path):
    assert Settings.from_env({"HOTPASS_HOME": str(tmp_path)}).linkage == "incremental"
    env = {"HOTPASS_HOME": str(tmp_path), "HOTPASS_LINKAGE": "Full"}
    assert Settings.from_env(env).linkage == "full"
    with pytest.raises(ValueError, match="HOTPASS_LINKAGE"):
        Settings.from_env({"HOTPASS_HOME": str(tmp_path), "HOTPASS_LINKAGE": "partial"})


def test_a_non_local_engine_links_in_full(monkeypatch):
    """Incremental linkage needs the local engine (snapshot-wide term frequencies, ids of the
    untouched entities kept out of reach): with another engine the snapshot resolves in full."""
    import dataclasses

    from hotpass_assets.lib import matching, refine

    calls = []

    def fake_resolve(records, **kwargs):
        calls.append(kwargs["config"].engine)
        raise RuntimeError("resolved in full")

    def no_link(*args, **kwargs):
        raise AssertionError("incremental linkage must not run on a non-local engine")

    monkeypatch.setattr(matching, "resolve_organisations", fake_resolve)
    monkeypatch.setattr("hotpass_assets.lib.matching.incremental.link_records", no_link)
    prior = refine.PreviousSnapshot(entity_keys=pd.DataFrame(), model={})
    records = pd.DataFrame({"record_id": ["a"], "organisation_name": ["Acme"]})
    config = dataclasses.replace(MatchConfig(), engine="spark")
    with pytest.raises(RuntimeError, match="resolved in full"):
        refine._resolve(records, None, [], [], config, "incremental", prior)
    assert calls == ["spark"]


def test_a_previous_snapshot_resolved_on_spark_rebuilds_in_full_and_a_pinned_one_fails(drops):
    """The default engine cannot score with Splink's parameters: after a Spark snapshot the
    next one links in full and says why, and a Spark model pinned for it is an error naming
    the setting."""
    orgs, people = _upto(drops, 2)
    before = build_snapshot(orgs, people, snapshot_date=DAY)
    spark_model = {"engine": "spark", "splink": {"comparisons": []}}
    previous = dataclasses.replace(_previous(before), model=spark_model)
    snap = build_snapshot(
        orgs,
        people,
        snapshot_date=DAY + timedelta(days=1),
        previous=before.record_map,
        linkage="incremental",
        previous_snapshot=previous,
    )
    assert snap.stats["linkage"] == "full"
    assert "Spark engine" in snap.stats["linkage_fallback"]
    assert _ids(snap) == _ids(before)
    with pytest.raises(ValueError, match=r"HOTPASS_MATCH_MODEL: .*learnt by the Spark engine"):
        build_snapshot(
            orgs,
            people,
            snapshot_date=DAY,
            match_config=MatchConfig(pinned_model=spark_model),
        )
