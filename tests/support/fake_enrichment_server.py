"""A local stand-in for the Clearbit and People Data Labs company APIs.

It speaks both contracts over real HTTP, so tests, benchmarks and demos exercise the real
client. Per domain it can be scripted to misbehave (``script``), and it can enforce a
rate limit of its own, answering 429 with Retry-After as the real APIs do.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

CLEARBIT_PATH, PDL_PATH = "/v2/companies/find", "/v5/company/enrich"
INDUSTRIES = ("Software", "Financial Services", "Manufacturing", "Healthcare", "Retail")


def clearbit_record(domain: str) -> dict[str, Any]:
    n = int(hashlib.sha256(domain.encode()).hexdigest()[:6], 16)
    return {
        "name": domain.split(".")[0].title(),
        "legalName": f"{domain.split('.')[0].title()} Inc.",
        "domain": domain,
        "category": {"sector": "Information Technology", "industry": INDUSTRIES[n % 5]},
        "metrics": {
            "employees": 10 + n % 9000,
            "employeesRange": "51-250",
            "estimatedAnnualRevenue": "$50M-$100M",
        },
        "geo": {
            "country": "United States",
            "countryCode": "US",
            "state": "Washington",
            "stateCode": "WA",
        },
    }


def pdl_record(domain: str) -> dict[str, Any]:
    n = int(hashlib.sha256(domain.encode()).hexdigest()[:6], 16)
    return {
        "status": 200,
        "likelihood": 8,
        "name": domain.split(".")[0],
        "display_name": domain.split(".")[0].title(),
        "size": "51-200",
        "employee_count": 10 + n % 9000,
        "industry": "computer software",
        "location": {"country": "germany", "region": "bavaria"},
        "inferred_revenue": "$10M-$25M",
    }


class FakeProviders:
    """Start with ``start()``; ``url`` is the base URL for both providers.

    ``script[domain]`` (or ``script["clearbit:" + domain]``, ``script["pdl:" + domain]`` for one
    API only) is a list of behaviours served in turn (the last one repeats):
    ok, 404, 202, 401, 402, 422, 429, 500, hang, malformed, html, error_body, huge, huge_unsized,
    redirect_other_host, redirect_same_host, trickle (a valid answer, one byte every
    ``trickle_s``, no Content-Length), lie (200 with wrongly typed members).
    """

    def __init__(
        self,
        key: str = "test-key",
        rate_per_s: float | None = None,
        hang_s: float = 3.0,
        retry_after: int = 1,
        trickle_s: float = 0.5,
    ):
        self.key, self.rate, self.hang_s, self.retry_after = key, rate_per_s, hang_s, retry_after
        self.trickle_s = trickle_s
        self.trickled: Counter[str] = Counter()  # domain -> bytes of a trickled answer sent
        self.script: dict[str, list[str]] = {}
        self.hits: Counter[tuple[str, str]] = Counter()  # (path, domain) -> requests
        self.statuses: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._tokens, self._last = rate_per_s or 0.0, time.monotonic()
        self._server: _Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self, port: int = 0) -> FakeProviders:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = _Server(("127.0.0.1", port), handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def requests_for(self, domain: str) -> int:
        return sum(n for (_, d), n in self.hits.items() if d == domain)

    def _next(self, path: str, domain: str) -> str:
        with self._lock:
            self.hits[(path, domain)] += 1
            kind = "pdl" if path == PDL_PATH else "clearbit"
            steps = self.script.get(f"{kind}:{domain}") or self.script.get(domain) or ["ok"]
            return steps[min(self.hits[(path, domain)], len(steps)) - 1]

    def _over_rate(self) -> bool:
        if not self.rate:
            return False
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.rate, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens < 1:
                return True
            self._tokens -= 1
            return False


def _trickle(self: _Handler, domain: str, pdl: bool) -> None:
    """A slow-drip answer: each byte alone, until done or the client hangs up."""
    body = json.dumps(pdl_record(domain) if pdl else clearbit_record(domain)).encode()
    self.close_connection = True
    self.send_response(200)
    self.send_header("Content-Type", "application/json")
    self.send_header("Connection", "close")
    self.end_headers()
    self.wfile.flush()
    try:
        for byte in body:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            self.fake.trickled[domain] += 1
            time.sleep(self.fake.trickle_s)
    except OSError:
        return None  # the client cut us off: the point of the test
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a client that timed out and hung up is the point of "hang", not an error


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the pooled client expects
    # Headers and body in one segment: split writes meet delayed ACKs and cap us near 200 req/s.
    wbufsize = 1 << 16
    disable_nagle_algorithm = True
    fake: FakeProviders

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        return None

    def _send(
        self,
        code: int,
        body: bytes,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.fake.statuses[code] += 1
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, code: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send(code, json.dumps(payload).encode(), headers=headers)

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/moved":
            return self._json(200, clearbit_record(query.get("domain", "moved.example")))
        if parts.path not in (CLEARBIT_PATH, PDL_PATH):
            return self._json(404, {"error": {"type": "not_found"}})
        pdl = parts.path == PDL_PATH
        given = (
            self.headers.get("X-Api-Key") if pdl else (self.headers.get("Authorization") or "")[7:]
        )
        if given != self.fake.key:
            return self._json(401, {"error": {"type": "auth_error", "message": "invalid key"}})
        if self.fake._over_rate():
            return self._json(
                429, {"error": {"type": "rate_limit"}}, {"Retry-After": str(self.fake.retry_after)}
            )
        domain = query.get("website" if pdl else "domain", "")
        self._behave(self.fake._next(parts.path, domain), domain, pdl)

    _trickle = _trickle

    def _behave(self, step: str, domain: str, pdl: bool) -> None:
        simple = {
            "404": (404, {"error": {"type": "not_found", "message": "no company"}, "status": 404}),
            "202": (202, {"status": "queued"}),
            "401": (401, {"error": {"type": "auth_error"}}),
            "402": (402, {"error": {"type": "payment_required", "message": "no credits"}}),
            "422": (422, {"error": {"type": "invalid_domain"}}),
            "500": (500, {"error": "boom"}),
            "429": (429, {"error": {"type": "rate_limit"}}),
        }
        if step == "ok":
            return self._json(200, pdl_record(domain) if pdl else clearbit_record(domain))
        if step in simple:
            code, payload = simple[step]
            headers = {"Retry-After": str(self.fake.retry_after)} if code == 429 else None
            return self._json(code, payload, headers)
        if step == "hang":
            time.sleep(self.fake.hang_s)
            return self._json(200, clearbit_record(domain))
        if step == "malformed":
            return self._send(200, b'{"name": "Broken", "geo": {')
        if step == "html":
            return self._send(200, b"<html>maintenance</html>", "text/html")
        if step == "error_body":
            return self._json(200, {"error": {"type": "internal", "message": "try later"}})
        if step == "huge":
            return self._json(200, {**clearbit_record(domain), "tech": ["x" * 100] * 20000})
        if step == "huge_unsized":  # no Content-Length: only counting what arrives can stop it
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b'{"tech": ["' + b"x" * (2 << 20) + b'"]}')
            return None
        if step == "trickle":
            return self._trickle(domain, pdl)
        if step == "lie":  # the right shape, the wrong types: a provider's broken release
            return self._json(
                200,
                {
                    "name": 42,
                    "metrics": {"employees": "lots"},
                    "geo": "US",
                    "display_name": ["x"],
                    "employee_count": True,
                },
            )
        if step in ("redirect_other_host", "redirect_same_host"):
            host = (
                "evil.example:80" if step == "redirect_other_host" else self.headers.get("Host", "")
            )
            return self._send(
                302, b"", headers={"Location": f"http://{host}/moved?domain={domain}"}
            )
        raise ValueError(f"unknown scripted step {step!r}")
