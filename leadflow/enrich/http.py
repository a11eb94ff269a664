"""One pooled ``requests.Session`` and a GET that cannot hang, flood us or wander off-host."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

from leadflow.core.errors import ProviderPermanentError, ProviderTransientError


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    retry_after: str | None
    body: bytes


def make_session(pool_size: int) -> requests.Session:
    """Keep-alive connections for every provider; retries are ours, not urllib3's."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.trust_env = False  # a proxy from the environment must not see our keys
    return session


def _read_capped(response: requests.Response, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise ProviderPermanentError(f"answer of {declared} bytes is over {max_bytes}", "response_too_large")
    chunks, size = [], 0
    for chunk in response.iter_content(chunk_size=16384):
        size += len(chunk)
        if size > max_bytes:
            raise ProviderPermanentError(f"answer over {max_bytes} bytes", "response_too_large")
        if time.monotonic() > deadline:
            # A read timeout resets on every byte; a trickling server needs a total deadline.
            raise ProviderTransientError("answer still arriving at the deadline", "timeout")
        chunks.append(chunk)
    return b"".join(chunks)


def _same_origin(a: str, b: str) -> bool:
    left, right = urlsplit(a), urlsplit(b)
    return (left.scheme, left.netloc.lower()) == (right.scheme, right.netloc.lower())


def get_capped(session: requests.Session, url: str, *, params: dict[str, object], headers: dict[str, str],
               timeout_s: float, max_bytes: int, max_redirects: int) -> Reply:
    """GET with a total deadline and a size cap, following redirects only on the same host."""
    deadline = time.monotonic() + timeout_s
    for _ in range(max_redirects + 1):
        try:
            with session.get(url, params=params, headers=headers, timeout=(timeout_s, timeout_s),
                             allow_redirects=False, stream=True) as response:
                if response.is_redirect:
                    target = urljoin(url, response.headers.get("Location", ""))
                    if not _same_origin(url, target):
                        # Following would hand our API key to whoever the host points at.
                        raise ProviderPermanentError(f"redirect to {urlsplit(target).netloc}", "redirect_refused")
                    url, params = target, {}
                    continue
                body = _read_capped(response, max_bytes, deadline)
                return Reply(response.status_code, response.headers.get("Content-Type", ""),
                             response.headers.get("Retry-After"), body)
        except requests.Timeout as exc:
            raise ProviderTransientError(f"timeout after {timeout_s}s", "timeout") from exc
        except requests.ConnectionError as exc:
            raise ProviderTransientError(f"connection failed: {exc.__class__.__name__}", "provider_error") from exc
    raise ProviderPermanentError(f"more than {max_redirects} redirects", "redirect_refused")
