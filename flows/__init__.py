"""Prefect flows: orchestration only; the work is in tasks/ and the feature packages under leadflow/."""
