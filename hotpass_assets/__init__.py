"""Hotpass: the Dagster code location."""
