"""Helpers for asset-level tests: register drops and materialise partitions on a temp instance."""

from pathlib import Path

import dagster as dg

from hotpass_assets.definitions import build_definitions
from hotpass_assets.defs import drops as drop_assets
from hotpass_assets.defs.partitions import DROPS
from hotpass_assets.lib.drops import DropRegister
from hotpass_assets.lib.landing import register_file
from hotpass_assets.settings import Settings


def settings_for(home: Path) -> Settings:
    s = Settings.from_env({"HOTPASS_HOME": str(home)})
    s.ensure_dirs()
    return s


def register(instance: dg.DagsterInstance, home: Path, *paths: Path) -> list[str]:
    reg = DropRegister(settings_for(home).drops_dir)
    keys = [register_file(p, reg)[0].partition_key for p in paths]
    instance.add_dynamic_partitions(
        DROPS.name, [k for k in keys if not instance.has_dynamic_partition(DROPS.name, k)]
    )
    return keys


def ingest(instance: dg.DagsterInstance, home: Path, key: str) -> dg.ExecuteInProcessResult:
    defs = build_definitions(str(home))
    return dg.materialize(
        [drop_assets.raw_workbook, drop_assets.contact_capture],
        partition_key=key,
        instance=instance,
        resources=defs.resources,
        raise_on_error=False,
    )


def run_job(instance, home: Path, job: str, key: str, **kwargs) -> dg.ExecuteInProcessResult:
    defs = build_definitions(str(home))
    return defs.resolve_job_def(job).execute_in_process(
        partition_key=key, instance=instance, raise_on_error=False, **kwargs
    )


def step_failure(result: dg.ExecuteInProcessResult) -> dg.DagsterEvent:
    """The run's single step failure (the test fails when there is none or several)."""
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    return failure


def check_evals(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        f"{e.asset_key.to_user_string()}.{e.check_name}": e
        for e in result.get_asset_check_evaluations()
    }


def materialization_metadata(result, asset: str) -> dict:
    for event in result.get_asset_materialization_events():
        if event.asset_key.to_user_string() == asset:
            return {k: v.value for k, v in event.materialization.metadata.items()}
    raise AssertionError(f"{asset} was not materialised")
