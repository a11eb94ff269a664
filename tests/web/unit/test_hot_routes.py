"""The tracking hits the app answers before its router: exactly the GET and HEAD requests the
router would give to ``click``, ``open_pixel`` or ``visit``, nothing else."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Match

from leadflow.web.app import create_app
from leadflow.web.tracking import click, hot_route, open_pixel, router, visit

HANDLERS = {click, open_pixel, visit}


def _scope(path: str, method: str = "GET", kind: str = "http") -> dict[str, object]:
    return {"type": kind, "method": method, "path": path, "root_path": "", "headers": []}


def _routed(scope: dict[str, object]) -> object:
    """The tracking router's own choice: the handler of the route that fully matches."""
    for route in router.routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return getattr(route, "endpoint", None)
    return None


@pytest.mark.parametrize(
    ("path", "method", "expected"),
    [
        ("/c/tok.en-1", "GET", click),
        ("/o/tok.gif", "GET", open_pixel),
        ("/o/tok.gif", "HEAD", open_pixel),
        ("/v/tok.gif", "GET", visit),
        ("/c/tok", "POST", None),
        ("/c/", "GET", None),
        ("/c/a/b", "GET", None),
        ("/u/tok", "GET", None),
        ("/cc/tok", "GET", None),
        ("/v.js", "GET", None),
        ("c/tok", "GET", None),
    ],
)
def test_hot_route_picks_what_the_router_picks(path: str, method: str, expected: object) -> None:
    scope = _scope(path, method)
    assert hot_route(scope) is expected
    routed = _routed(scope)
    assert (routed if routed in HANDLERS else None) is expected


def test_other_kinds_of_scope_are_not_hot() -> None:
    assert hot_route({"type": "lifespan"}) is None
    assert hot_route(_scope("/c/tok", kind="websocket")) is None


def test_requests_the_fast_path_leaves_reach_the_router() -> None:
    """Forged tokens: answered before any lookup, so the app's lifespan need not run."""
    client = TestClient(create_app())
    assert client.post("/c/tok").status_code == 405  # the router's answer for a GET route
    assert client.get("/c/a/b").status_code == 404
    assert client.get("/o/forged.gif").content[:6] == b"GIF89a"  # the fast path: the pixel
    assert client.get("/c/forged").status_code == 404
