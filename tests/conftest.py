"""Shared test helpers: real fact trees on disk, copied into a temporary folder per test."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from generator.project import Project

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-snapshots", action="store_true", help="rewrite the golden files in tests/snapshots")


@pytest.fixture
def update_snapshots(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-snapshots"))


def copy_tree(name: str, dest: Path) -> Project:
    """A fresh copy of tests/fixtures/<name> (or the repo's own facts for name='repo') as a project in dest,
    with a copy of the repo's mkdocs.yml and templates."""
    if name == "repo":
        for folder in ("facts", "seeds"):
            shutil.copytree(REPO / folder, dest / folder)
    else:
        shutil.copytree(FIXTURES / name, dest, dirs_exist_ok=True)
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(REPO / "templates", dest / "templates")  # mkdocs.yml names templates/theme
    (dest / "generated").mkdir(exist_ok=True)
    return Project.at(dest)


@pytest.fixture
def basic(tmp_path: Path) -> Project:
    """The small, valid fact tree in tests/fixtures/basic."""
    return copy_tree("basic", tmp_path / "basic")


@pytest.fixture(autouse=True)
def no_thread_left_running():
    """A test ends with the threads it started ended: while another thread runs, the check, the render and
    MkDocs do not fork (workers.can_fork), so a thread left behind silently turns the tests after it into
    one-process runs (and the tests of forking red)."""
    before = set(threading.enumerate())
    yield
    # An event loop's executor threads ("asyncio_N") belong to the Playwright browser a module's fixture
    # keeps open across its tests; they end with it.
    started = [t for t in threading.enumerate() if t not in before and not t.name.startswith("asyncio_")]
    for thread in started:
        thread.join(timeout=10)
    left = [f"{t.name} ({type(t).__module__}.{type(t).__name__})" for t in started if t.is_alive()]
    assert not left, f"threads still running after the test: {left}"
