"""Headless chromium for browser tests: the system's Debian package, driven by Playwright.

Never `playwright install`: CI installs chromium with apt (`.ci/run`), and this finds it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium_path() -> str:
    """The chromium binary, or a test failure that says how to install it."""
    path = (
        os.environ.get("LEADFLOW_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    )
    if not os.path.exists(path):
        pytest.fail(
            "chromium is not installed: `apt-get update && apt-get install -y chromium` "
            "(or point LEADFLOW_TEST_CHROMIUM at a chromium binary)"
        )
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless chromium for the browser tests of a module. Sync Playwright keeps an event
    loop running in the thread for as long as it is open: a second `sync_playwright()`, or any
    `asyncio.run()`, in that thread fails meanwhile. So no test starts its own, and it closes
    when the module's tests are done (in a session, it broke whatever ran after it)."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()
