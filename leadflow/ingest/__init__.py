"""Ingest: read sources, normalise rows, quarantine what cannot become a lead, capture webhooks."""
