"""Resources, configured per environment from environment variables (see ``infra/``)."""

import os

import dagster as dg

from hotpass_assets.settings import Settings


class HotpassConfig(dg.ConfigurableResource):
    """Where Hotpass keeps its data. ``home`` overrides ``HOTPASS_HOME`` (tests use a temp dir)."""

    home: str | None = None

    def settings(self) -> Settings:
        env = dict(os.environ)
        if self.home:
            env["HOTPASS_HOME"] = self.home
        settings = Settings.from_env(env)
        settings.ensure_dirs()
        return settings


def mlflow_resource(settings: Settings) -> dg.ResourceDefinition:
    """dagster-mlflow's tracking resource, pointed at the configured tracking store."""
    from dagster_mlflow import mlflow_tracking

    return mlflow_tracking.configured(
        {
            "experiment_name": settings.mlflow_experiment,
            "mlflow_tracking_uri": settings.mlflow_tracking_uri,
            "extra_tags": {"hotpass.component": "lead_score_model"},
        }
    )


def build_resources(home: str | None = None) -> dict[str, object]:
    config = HotpassConfig(home=home)
    env = dict(os.environ)
    if home:
        env["HOTPASS_HOME"] = home
    settings = Settings.from_env(env)
    return {"hotpass": config, "mlflow": mlflow_resource(settings)}
