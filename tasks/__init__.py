"""Prefect tasks: the I/O around the pure domain, one task per batch of leads."""
