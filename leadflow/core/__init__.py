"""Core: settings, database, models and migrations, errors, clock, decisions, policy loader.

Imports no feature package.
"""
