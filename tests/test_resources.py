"""Default templates, theme and assets from the package; a fact sheet's own templates/ overrides them by name."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator import resources
from generator.commands import cli
from generator.commands.init import create
from generator.project import Project

from .conftest import REPO


@pytest.fixture
def sheet(tmp_path: Path) -> Project:
    """A new fact sheet, as `factsheet init` makes it (no templates of its own)."""
    create(tmp_path / "sheet", "Overrides")
    return Project.at(tmp_path / "sheet")


def _build(project: Project) -> None:
    assert cli.main(["--root", str(project.root), "build", "--strict"]) == 0


def _page(project: Project, path: str = "index.html") -> str:
    return (project.site_dir / path).read_text(encoding="utf-8")


def test_in_a_checkout_the_defaults_are_the_repositorys_templates():
    assert resources.default_templates() == REPO / "templates"
    assert resources.template_dirs(Project.at(REPO)) == (REPO / "templates",)  # once, not twice
    assert resources.starter() == REPO / "generator" / "defaults" / "starter"


def test_a_template_of_the_same_name_changes_the_page_and_removing_it_falls_back(sheet):
    _build(sheet)
    default = _page(sheet)
    assert "Our own home page" not in default
    override = sheet.templates_dir / "home.md.j2"
    override.write_text("# Our own home page\n\n{{ info.title }}\n", encoding="utf-8")
    _build(sheet)
    assert "Our own home page" in _page(sheet)
    assert "Exampleton council votes" in _page(sheet, "timeline/index.html")  # the other pages: the defaults
    override.unlink()
    _build(sheet)
    assert _page(sheet) == default


def test_an_override_can_extend_the_default_it_replaces(sheet):
    (sheet.templates_dir / "about.md.j2").write_text(
        '{% extends "default/about.md.j2" %}\n', encoding="utf-8"
    )  # the same page, through the default
    _build(sheet)
    same = _page(sheet, "about/index.html")
    (sheet.templates_dir / "about.md.j2").write_text(
        '{% include "default/about.md.j2" %}\n\nEdited by the Exampleton desk.\n', encoding="utf-8"
    )
    _build(sheet)
    extended = _page(sheet, "about/index.html")
    assert "Edited by the Exampleton desk." in extended and "Edited by" not in same
    (sheet.templates_dir / "about.md.j2").unlink()
    _build(sheet)
    assert _page(sheet, "about/index.html") == same


def test_theme_and_asset_overrides_and_their_fallback(sheet, monkeypatch):
    # With a repository, pages carry "Suggest a correction" from the default theme's partials/source-file.html.
    monkeypatch.setenv("FACTSHEET_REPO_URL", "https://example.org/news/sheet")
    monkeypatch.setenv("FACTSHEET_EDIT_URI", "edit/main/")
    default_css = (resources.default_templates() / "assets" / "factsheet.css").read_bytes()
    (sheet.templates_dir / "assets").mkdir()
    (sheet.templates_dir / "assets" / "factsheet.css").write_text(".our-own { color: teal; }\n", encoding="utf-8")
    (sheet.templates_dir / "assets" / "logo.txt").write_text("ours\n", encoding="utf-8")
    theme = sheet.templates_dir / "theme"
    theme.mkdir()
    (theme / "main.html").write_text(
        '{% extends "base.html" %}\n{% block extrahead %}<meta name="our-own" content="yes">{% endblock %}\n',
        encoding="utf-8",
    )
    _build(sheet)
    assert (sheet.site_dir / "assets" / "factsheet.css").read_text(encoding="utf-8") == ".our-own { color: teal; }\n"
    assert (sheet.site_dir / "assets" / "logo.txt").is_file()
    home = _page(sheet)
    assert '<meta name="our-own" content="yes">' in home
    assert "application/ld+json" not in home  # the default main.html is replaced, not added to
    # A partial the sheet does not override still comes from the defaults.
    assert "Suggest a correction" in _page(sheet, "sources/example-gazette-footbridge-vote/index.html")
    shutil.rmtree(sheet.templates_dir / "assets")
    shutil.rmtree(theme)
    _build(sheet)
    assert (sheet.site_dir / "assets" / "factsheet.css").read_bytes() == default_css
    assert not (sheet.site_dir / "assets" / "logo.txt").exists()
    assert "application/ld+json" in _page(sheet) and "our-own" not in _page(sheet)


def test_a_template_error_in_an_override_is_located_at_the_sheets_file(sheet, capsys):
    (sheet.templates_dir / "topic.md.j2").write_text("# {{ topic.name }\n", encoding="utf-8")
    assert cli.main(["--root", str(sheet.root), "build"]) == 1
    assert "templates/topic.md.j2:1:1: error:" in capsys.readouterr().err
