"""Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by Playwright.

Nothing here downloads a browser. When Chromium is missing, tests fail in CI (CI=true) and are skipped
with the reason on a developer's machine.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from generator.diagnostics import DiagnosticError
from generator.project import Project
from generator.site import screenshots

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@contextmanager
def browser() -> Iterator[object]:
    """A Playwright Browser on the system Chromium, headless (generator.site.screenshots.launch)."""
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def factsheet_serve(project: Project, log: Path, timeout: float = 60) -> Iterator[str]:
    """`factsheet serve` on `project`, on a free port of 127.0.0.1, for as long as the block runs: yields its
    base URL once the first page answers. Its output goes to `log`. Stopped at the end by its process id
    (Ctrl-C first, so that MkDocs removes its temporary site; then killed if it lingers)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "generator",
                "--root",
                str(project.root),
                "serve",
                "--dev-addr",
                f"127.0.0.1:{port}",
            ],
            cwd=project.root,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                if server.poll() is not None:
                    pytest.fail(f"factsheet serve stopped (exit {server.returncode}):\n{log.read_text()}")
                if time.monotonic() > deadline:
                    pytest.fail(f"factsheet serve did not answer within {timeout} s:\n{log.read_text()}")
                try:
                    with urllib.request.urlopen(url, timeout=2) as response:
                        if response.status == 200:
                            break
                except (urllib.error.URLError, OSError):
                    pass
                time.sleep(0.1)
            yield url
        finally:
            if server.poll() is None:
                os.kill(server.pid, signal.SIGINT)
                try:
                    server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.kill(server.pid, signal.SIGKILL)
                    server.wait()
