"""Resources, configured per environment from environment variables (see ``infra/``)."""

import os
from collections.abc import Callable
from typing import Any

import dagster as dg

from hotpass_assets.settings import Settings


class HotpassConfig(dg.ConfigurableResource["HotpassConfig"]):
    """Where Hotpass keeps its data. ``home`` overrides ``HOTPASS_HOME`` (tests use a temp dir)."""

    home: str | None = None

    def settings(self) -> Settings:
        env = dict(os.environ)
        if self.home:
            env["HOTPASS_HOME"] = self.home
        settings = Settings.from_env(env)
        settings.ensure_dirs()
        return settings


class _InitContext:
    """The parts of an init context dagster-mlflow's resource reads, with our configuration."""

    def __init__(self, context: dg.InitResourceContext, config: dict[str, Any]):
        self.log = context.log
        self.dagster_run = context.dagster_run
        self.run_id = context.run_id
        self.resource_config = config


def mlflow_resource(settings: Settings) -> dg.ResourceDefinition:
    """dagster-mlflow's tracking resource, pointed at the configured tracking store.

    dagster-mlflow imports all of MLflow (about two seconds) when it is imported, so it is
    imported when a run first uses the resource, not when the code location loads.
    """
    config = {
        "experiment_name": settings.mlflow_experiment,
        "mlflow_tracking_uri": settings.mlflow_tracking_uri,
        "extra_tags": {"hotpass.component": "lead_score_model"},
    }

    @dg.resource(description=f"MLflow tracking ({settings.mlflow_tracking_uri})")
    def mlflow(context: dg.InitResourceContext) -> Any:
        from dagster_mlflow.resources import MlFlow

        # dagster-mlflow ships no annotations: its MlFlow is an untyped callable here.
        make: Callable[[_InitContext], Any] = MlFlow
        return make(_InitContext(context, config))

    return mlflow


def build_resources(home: str | None = None) -> dict[str, object]:
    config = HotpassConfig(home=home)
    env = dict(os.environ)
    if home:
        env["HOTPASS_HOME"] = home
    settings = Settings.from_env(env)
    return {"hotpass": config, "mlflow": mlflow_resource(settings)}
