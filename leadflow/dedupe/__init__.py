"""Dedupe: exact email dedupe, the matching engine (engine/) and fuzzy merges at ingest (merging/)."""
