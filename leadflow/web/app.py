"""The web app: tracking links, ESP event webhooks, lead capture, rep links, and the
workspace pages for reps, managers and marketing (sign-in, inbox, lead timeline, campaigns).

Tracking hits are committed in groups by one writer per process (leadflow.web.event_writer),
started and drained by the app's lifespan, so a clean shutdown loses nothing.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from leadflow.engagement.bot_filter import RecentClicks
from leadflow.engagement.record import forget_cached, lookup_many, warm_up, write_rows
from leadflow.nurture.dkim_signing import transport_warnings
from leadflow.core.settings import get_settings
from leadflow.web.capture import router as capture_router
from leadflow.web.esp import router as esp_router
from leadflow.web.event_writer import GroupCommitWriter
from leadflow.web.target_loader import TargetLoader
from leadflow.web.rep_links import router as rep_links_router
from leadflow.web.pages import HERE
from leadflow.web.tracking import hot_route
from leadflow.web.tracking import router as tracking_router
from leadflow.web.workspace import router as workspace_router
from leadflow.web.workspace_steer import router as steer_router
from leadflow.web.workspace_signin import router as signin_router

log = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    for warning in transport_warnings(get_settings()):
        log.warning("%s", warning)
    forget_cached()
    await asyncio.to_thread(warm_up)
    # Everything imported so far lives as long as the process: out of the collector's sight,
    # a full collection no longer walks it, which cut the p99 of the tracking hits by half.
    gc.freeze()
    app.state.writer = GroupCommitWriter(write_rows, buffer_max=get_settings().tracking_buffer_max)
    app.state.recent_clicks = RecentClicks()
    app.state.targets = TargetLoader(lookup_many)
    app.state.writer.start()
    app.state.targets.start()
    try:
        yield
    finally:
        try:
            await app.state.targets.close()
        finally:  # the queued tracking rows are committed whatever happened above
            await app.state.writer.close()


class LeadflowApp(FastAPI):
    """FastAPI, with the tracking hits answered before its middleware and router.

    They are most of the traffic (an open pixel per email opened, a click per link) and take
    nothing but the path: the exception middlewares, the exit stack and the walk through every
    included router cost more CPU than the hit's own work, in the one interpreter that serves
    them all. An error in a hot handler reaches uvicorn, which logs it and answers 500."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = hot_route(scope)
        if handler is None:
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self  # what request.app reads, as Starlette sets it
        scope["path_params"] = {"token": scope["path"][3:]}
        response = await handler(Request(scope, receive, send))
        await response(scope, receive, send)


def create_app(mailbox_dir: Path | None = None) -> FastAPI:
    """``mailbox_dir``: the local stack's SMTP sink folder, shown at /mailbox (local only)."""
    app = LeadflowApp(title="leadflow", docs_url=None, redoc_url=None, lifespan=lifespan)
    if mailbox_dir is not None:
        from leadflow.web.mailbox import mailbox_router

        app.include_router(mailbox_router(mailbox_dir))
    app.include_router(capture_router)
    app.include_router(rep_links_router)
    app.include_router(tracking_router)
    app.include_router(esp_router)
    app.include_router(signin_router)
    app.include_router(workspace_router)
    app.include_router(steer_router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


app = create_app()
