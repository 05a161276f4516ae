"""Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by Playwright.

Nothing here downloads a browser. When Chromium is missing, tests fail in CI (CI=true) and are skipped
with the reason on a developer's machine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from generator import screenshots
from generator.diagnostics import DiagnosticError

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@contextmanager
def browser() -> Iterator[object]:
    """A Playwright Browser on the system Chromium, headless (generator.screenshots.launch)."""
    with ExitStack() as stack:
        try:
            b = stack.enter_context(screenshots.launch())
        except DiagnosticError as exc:
            reason = "; ".join(f"{d.message} ({d.hint})" for d in exc.diagnostics)
            if os.environ.get("CI"):
                pytest.fail(reason)
            pytest.skip(reason)
        yield b


def artifact(name: str) -> Path:
    """A path for a test artifact (screenshots), kept after the run under tests/artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
