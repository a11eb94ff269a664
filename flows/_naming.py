"""Readable flow run names: what ran, for which simulated or real moment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from prefect.runtime import flow_run

from leadflow.core.clock import utcnow


def at_moment(prefix: str) -> Callable[[], str]:
    def name() -> str:
        moment = flow_run.parameters.get("now") or utcnow()
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        return f"{prefix}-{moment:%Y-%m-%d-%H%M}"

    return name
