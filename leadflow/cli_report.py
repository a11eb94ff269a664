"""`leadflow report`, `leadflow plan` and `leadflow outcomes`: the funnel, attribution, planning."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the reporting commands to the main CLI."""
