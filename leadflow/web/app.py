"""Tracking endpoints: click redirect, open pixel, RFC 8058 one-click unsubscribe.

Forged or tampered tokens get 404 before any database write.
"""

from __future__ import annotations

import base64
import html

from fastapi import BackgroundTasks, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from leadflow import engagement
from leadflow.web.capture import router as capture_router
from leadflow.web.rep_links import router as rep_links_router

# The smallest transparent GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NOT_FOUND = Response(status_code=404, content="not found", media_type="text/plain")


def create_app() -> FastAPI:
    app = FastAPI(title="leadflow", docs_url=None, redoc_url=None)
    app.include_router(capture_router)
    app.include_router(rep_links_router)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/c/{token}")
    def click(token: str, background: BackgroundTasks) -> Response:
        found = engagement.record_click(token)
        if found is None:
            return NOT_FOUND
        url, lead_id = found
        background.add_task(engagement.notify_engaged, lead_id, "click")
        return RedirectResponse(url, status_code=302)

    @app.get("/o/{token}")
    def open_pixel(token: str) -> Response:
        engagement.record_open(token)
        # Always the pixel: a broken image helps nobody, and a miss tells a prober nothing.
        return Response(PIXEL, media_type="image/gif", headers={"Cache-Control": "no-store"})

    @app.get("/u/{token}", response_class=HTMLResponse)
    def unsubscribe_page(token: str) -> Response:
        # A GET never unsubscribes: mail scanners prefetch links.
        if not engagement.token_is_valid(token, "u"):
            return NOT_FOUND
        safe = html.escape(token, quote=True)
        return HTMLResponse(
            "<!doctype html><title>Unsubscribe</title><h1>Unsubscribe?</h1>"
            f'<form method="post" action="/u/{safe}">'
            '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
            '<button type="submit">Unsubscribe me</button></form>')

    @app.post("/u/{token}")
    async def unsubscribe(token: str, request: Request) -> Response:
        await request.body()
        if not engagement.unsubscribe(token):
            return NOT_FOUND
        return HTMLResponse("<!doctype html><title>Unsubscribed</title><p>You are unsubscribed.</p>")

    return app


app = create_app()
