"""The command line (Typer): faces only; the work is in the feature packages' services."""
