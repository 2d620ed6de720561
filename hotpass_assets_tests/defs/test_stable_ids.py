"""Stable entity ids across snapshots: workbook A, then workbook B repeating it, then a merge."""

import os
import shutil
import time
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest

from hotpass_assets.lib.demo import write_demo_workbooks, write_variant
from hotpass_assets.lib.warehouse import read_table
from hotpass_assets_tests.defs.helpers import (
    ingest,
    register,
    run_job,
    settings_for,
    step_failure,
)

pytestmark = pytest.mark.slow


def _age(path, days: int) -> None:
    ts = (datetime.now(tz=UTC) - timedelta(days=days)).timestamp()
    os.utime(path, (ts, ts))


def test_ids_survive_a_new_drop_and_a_merge_is_logged(home, tmp_path):
    today = datetime.now(tz=UTC).date()
    yesterday = today - timedelta(days=1)
    folder_a = tmp_path / "a"
    truth = write_demo_workbooks(folder_a, seed=7)
    files_a = sorted(folder_a.glob("*.xlsx"))
    for f in files_a:
        _age(f, 1)  # workbook A landed yesterday
    b = tmp_path / "b" / "sacaa_update_b.xlsx"
    b.parent.mkdir()
    truth_b = write_variant(b, truth, seed=99, repeat_fraction=0.5, bridge_pairs=2)
    assert truth_b.bridges

    with dg.instance_for_test() as instance:
        for key in register(instance, home, *files_a, b):
            assert ingest(instance, home, key).success, key
        settings = settings_for(home)
        assert run_job(instance, home, "refine_snapshot", yesterday.isoformat()).success
        assert run_job(instance, home, "refine_snapshot", today.isoformat()).success
        before = read_table(settings.refined_path("entity_record_map", yesterday.isoformat()))
        after = read_table(settings.refined_path("entity_record_map", today.isoformat()))
        log = read_table(settings.refined_path("entity_merge_log", today.isoformat()))

        # Workbook B is not in yesterday's snapshot; A's records are in both.
        assert len(after) > len(before)
        ids_before = dict(zip(before["record_id"], before["entity_id"], strict=True))
        ids_after = dict(zip(after["record_id"], after["entity_id"], strict=True))
        # Every change of id is explained by the log: a merge (retired -> survivor) or a split
        # (records of an old id that moved to another cluster).
        logged = set(zip(log["retired_id"], log["survivor_id"], strict=True)) if len(log) else set()
        changed = {
            rid
            for rid, eid in ids_before.items()
            if ids_after[rid] != eid and (eid, ids_after[rid]) not in logged
        }
        assert not changed, f"{len(changed)} records changed id without a log entry"
        kept = sum(ids_after[rid] == eid for rid, eid in ids_before.items())
        assert kept / len(ids_before) > 0.9

        # Records of B that repeat A's organisations joined A's entities (kept their ids).
        b_records = after[
            after["record_id"].str.startswith(
                tuple(k.rsplit("_", 1)[1] for k in [register(instance, home, b)[0]])
            )
        ]
        joined = b_records["entity_id"].isin(set(ids_before.values())).sum()
        assert joined >= 0.3 * len(b_records)

        # Re-materialising today's snapshot gives the same ids.
        assert run_job(instance, home, "refine_snapshot", today.isoformat()).success
        again = read_table(settings.refined_path("entity_record_map", today.isoformat()))
        assert dict(zip(again["record_id"], again["entity_id"], strict=True)) == ids_after

        # A reviewer's 'match' between two of yesterday's organisations merges them: one id
        # survives, the other is retired, and the merge log says so.
        two = sorted(set(ids_before.values()))[:2]
        record_of = {eid: rid for rid, eid in sorted(ids_before.items(), reverse=True)}
        decisions = settings.review_dir / "decisions"
        decisions.mkdir(parents=True, exist_ok=True)
        (decisions / "round-1.csv").write_text(
            f"record_id_a,record_id_b,decision\n{record_of[two[0]]},{record_of[two[1]]},match\n"
        )
        assert run_job(instance, home, "refine_snapshot", today.isoformat()).success
        merged = read_table(settings.refined_path("entity_record_map", today.isoformat()))
        ids_merged = dict(zip(merged["record_id"], merged["entity_id"], strict=True))
        assert ids_merged[record_of[two[0]]] == ids_merged[record_of[two[1]]]
        log = read_table(settings.refined_path("entity_merge_log", today.isoformat()))
        merges = log[log["event"] == "merge"]
        assert len(merges) >= 1, "a merge of two existing organisations is logged"
        for _, row in merges.iterrows():
            assert row["retired_id"] in set(ids_before.values())
            assert row["survivor_id"] in set(ids_merged.values())
            assert row["retired_id"] not in set(ids_merged.values())
        assert set(two) & set(merges["retired_id"]), "one of the two ids was retired"
    shutil.rmtree(folder_a)


def test_a_job_backfill_rebuilds_its_days_oldest_first(home, tmp_path):
    """One run per day (a job backfill of rebuild_snapshots): a day whose earlier days in the
    same backfill are not rebuilt yet fails instead of keeping stale entity ids."""
    from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill

    today = datetime.now(tz=UTC).date().isoformat()
    yesterday = (datetime.now(tz=UTC).date() - timedelta(days=1)).isoformat()
    folder = tmp_path / "drops"
    write_demo_workbooks(folder, seed=7)
    files = sorted(folder.glob("*.xlsx"))
    for f in files:
        _age(f, 1)

    def launched(backfill_id: str) -> dict[str, str]:
        instance.add_backfill(
            PartitionBackfill(
                backfill_id=backfill_id,
                status=BulkActionStatus.REQUESTED,
                from_failure=False,
                tags={},
                backfill_timestamp=time.time(),
                partition_names=[yesterday, today],
            )
        )
        return {"dagster/backfill": backfill_id}

    with dg.instance_for_test() as instance:
        for key in register(instance, home, *files):
            assert ingest(instance, home, key).success, key
        settings = settings_for(home)

        first = launched("first")
        early = run_job(instance, home, "refine_snapshot", today, tags=first)
        assert not early.success
        message = step_failure(early).step_failure_data.user_failure_data.description
        assert f"snapshot {today}" in message and "first" in message and yesterday in message
        assert not settings.refined_path("organisations", today).exists()

        assert run_job(instance, home, "refine_snapshot", yesterday, tags=first).success
        assert run_job(instance, home, "refine_snapshot", today, tags=first).success
        assert settings.refined_path("organisations", today).exists()

        # A rebuild from before the backfill does not count; outside a backfill nothing waits.
        second = launched("second")
        assert not run_job(instance, home, "refine_snapshot", today, tags=second).success
        assert run_job(instance, home, "refine_snapshot", today).success
