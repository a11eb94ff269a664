"""Headless chromium for browser tests: the system's Debian package, driven by Playwright.

Never `playwright install`: CI installs chromium with apt (`.ci/run`), and this finds it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
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


@contextmanager
def browser_page() -> Iterator[Any]:
    """A fresh page in a headless chromium that is closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser.new_page()
        finally:
            browser.close()
