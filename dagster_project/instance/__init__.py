"""Dagster instance plumbing configured in $DAGSTER_HOME/dagster.yaml (deploy/dagster.yaml)."""
