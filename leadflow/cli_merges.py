"""`leadflow merges`: the fuzzy-merge review queue and undo."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the merge commands to the main CLI."""
