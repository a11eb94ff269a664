"""Where the code runs: the Prefect run's logger and id inside a flow, plain logging outside.

Services call these instead of Prefect directly, so the same function works from a task, the
CLI, the web app or a unit test.
"""

from __future__ import annotations

import logging

from prefect import get_run_logger
from prefect.exceptions import MissingContextError
from prefect.runtime import flow_run


def log() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    """The run logger inside a flow, the module logger in unit tests and the CLI."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("leadflow")


def current_flow_run_id() -> str | None:
    run_id = flow_run.get_id()
    return str(run_id) if run_id else None
