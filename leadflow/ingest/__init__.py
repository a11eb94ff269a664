"""Ingest: files and forms in, staged rows, clean leads out."""
