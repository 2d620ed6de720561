"""Dagster wiring: assets, checks, sensors, jobs and resources. Logic lives in ``hotpass_assets.lib``."""
