"""Guards every webhook and tracking endpoint applies before it trusts a request."""

from __future__ import annotations

from fastapi import Request


async def read_capped(request: Request, limit: int) -> bytes | None:
    """The raw body, or None past ``limit`` bytes (a declared length is refused before reading)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():  # counted as it streams: a chunked body has no length
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
