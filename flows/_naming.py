"""Readable flow run names: what ran, and for which moment, saying so when it is simulated.

A run given `now` (the CLI's --at, the demo) works on a simulated clock; its name says
"simulated" so nobody reads its date as the time it actually ran (the UI shows that too).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from prefect.runtime import flow_run

from leadflow.core.clock import utcnow


def _simulated() -> datetime | None:
    moment = flow_run.parameters.get("now")
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment


def at_moment(prefix: str) -> Callable[[], str]:
    """``prefix-2026-11-09-1400``, or ``prefix-simulated-2026-11-09-1400`` on a simulated clock."""

    def name() -> str:
        moment = _simulated()
        if moment is None:
            return f"{prefix}-{utcnow():%Y-%m-%d-%H%M}"
        return f"{prefix}-simulated-{moment:%Y-%m-%d-%H%M}"

    return name


def with_parameters(template: str) -> Callable[[], str]:
    """``template`` filled from the run's parameters, plus the moment when it is simulated."""

    def name() -> str:
        base = template.format(**flow_run.parameters)
        moment = _simulated()
        return base if moment is None else f"{base}-simulated-{moment:%Y-%m-%d-%H%M}"

    return name
