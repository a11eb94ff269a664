"""`leadflow reps`: rep lifecycle (deactivate with hand-off)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the rep commands to the main CLI."""
