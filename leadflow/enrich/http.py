"""One pooled ``requests.Session`` and a GET that cannot hang, flood us or wander off-host."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
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


class _Deadline:
    """Cuts the answer's socket at the deadline, however its bytes arrive.

    A read timeout restarts with every byte and a chunked read waits for a whole chunk, so a
    server trickling one byte every half second could hold a call for minutes. A timer that
    shuts the socket down ends any read in progress; the call then fails as a timeout.
    """

    def __init__(self, deadline: float):
        self.deadline, self.fired, self._socket = deadline, False, None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._cut)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def watch(self, response: requests.Response) -> None:
        with self._lock:
            self._socket = _socket_of(response)
            if self.fired:
                self._shut()

    def release(self) -> None:
        """The answer is read: its connection goes back to the pool, not to be cut."""
        with self._lock:
            self._socket = None

    def _cut(self) -> None:
        with self._lock:
            self.fired = True
            self._shut()

    def _shut(self) -> None:
        if self._socket is not None:
            try:
                self._socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed: nothing left to cut


def _socket_of(response: requests.Response) -> Any:
    connection = getattr(response.raw, "_connection", None)
    sock = getattr(connection, "sock", None)
    if sock is None:  # urllib3 already let go of the connection: reach through the file
        sock = getattr(
            getattr(getattr(getattr(response.raw, "_fp", None), "fp", None), "raw", None),
            "_sock",
            None,
        )
    return sock


def _read_capped(response: requests.Response, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise ProviderPermanentError(
            f"answer of {declared} bytes is over {max_bytes}", "response_too_large"
        )
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


def get_capped(
    session: requests.Session,
    url: str,
    *,
    params: dict[str, object],
    headers: dict[str, str],
    timeout_s: float,
    max_bytes: int,
    max_redirects: int,
) -> Reply:
    """GET with a total deadline and a size cap, following redirects only on the same host."""
    with _Deadline(time.monotonic() + timeout_s) as guard:
        try:
            return _get_following(
                session, url, params, headers, timeout_s, max_bytes, max_redirects, guard
            )
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            if guard.fired or isinstance(exc, requests.Timeout):
                raise ProviderTransientError(
                    f"no whole answer within {timeout_s}s", "timeout"
                ) from exc
            raise ProviderTransientError(
                f"connection failed: {exc.__class__.__name__}", "provider_error"
            ) from exc


def _get_following(
    session: requests.Session,
    url: str,
    params: dict[str, object],
    headers: dict[str, str],
    timeout_s: float,
    max_bytes: int,
    max_redirects: int,
    guard: _Deadline,
) -> Reply:
    for _ in range(max_redirects + 1):
        remaining = guard.deadline - time.monotonic()
        if remaining <= 0:
            raise ProviderTransientError(f"no whole answer within {timeout_s}s", "timeout")
        with session.get(
            url,
            params=params,
            headers=headers,
            timeout=(remaining, remaining),
            allow_redirects=False,
            stream=True,
        ) as response:
            guard.watch(response)
            if response.is_redirect:
                target = urljoin(url, response.headers.get("Location", ""))
                if not _same_origin(url, target):
                    # Following would hand our API key to whoever the host points at.
                    raise ProviderPermanentError(
                        f"redirect to {urlsplit(target).netloc}", "redirect_refused"
                    )
                url, params = target, {}
                continue
            body = _read_capped(response, max_bytes, guard.deadline)
            guard.release()
            if guard.fired:  # cut mid-answer: a body without a length may look complete
                raise ProviderTransientError(f"no whole answer within {timeout_s}s", "timeout")
            return Reply(
                response.status_code,
                response.headers.get("Content-Type", ""),
                response.headers.get("Retry-After"),
                body,
            )
    raise ProviderPermanentError(f"more than {max_redirects} redirects", "redirect_refused")
