"""Fuzzy merges against the stored leads: keys, scoring, survivorship, review and undo.

The matcher in leadflow/dedupe/engine works on whole files; this package applies its comparisons
to one ingest batch against the candidates an indexed lookup returns, with weights fitted
offline (``leadflow merges fit``) or built in.
"""
