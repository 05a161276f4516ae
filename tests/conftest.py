"""Shared test helpers: real fact trees on disk, copied into a temporary folder per test."""

from __future__ import annotations

import shutil
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
