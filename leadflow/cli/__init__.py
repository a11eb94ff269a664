"""The command line (Typer): faces only; the work is in the feature packages' services."""

import os

# Without a stack, Prefect's client starts a temporary server and gives it 20 s to answer; a
# busy or small machine (a laptop on battery, a 2-core CI runner) can take longer, and the
# command then fails before reading a row. Set before Prefect reads its settings.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
