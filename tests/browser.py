"""Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by Playwright.

Nothing here downloads a browser. When Chromium is missing, tests fail in CI (CI=true) and are skipped
with the reason on a developer's machine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from generator import screenshots
from generator.screenshots import CHROMIUM_ARGS

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def chromium_path() -> str:
    """The system Chromium, or fail (CI) / skip (laptop) saying why."""
    found = screenshots.chromium_path()
    if found:
        return found
    reason = "Chromium not found (install Debian's chromium, or set CHROMIUM=/path/to/chrome)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@contextmanager
def browser() -> Iterator[object]:
    """A Playwright Browser on the system Chromium, headless."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("playwright is not installed")
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    executable = chromium_path()
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def artifact(name: str) -> Path:
    """A path for a test artifact (screenshots), kept after the run under tests/artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
