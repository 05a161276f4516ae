"""generator/preview.py and the hook's two modes: what `factsheet serve` adds, and that nothing of it reaches
a published site (`factsheet build`, or `mkdocs build` through the hook, which still fails on errors).
The preview itself, in Chromium against `factsheet serve`: tests/test_preview_browser.py."""

from __future__ import annotations

import json
import logging
import urllib.request
from pathlib import Path

import pytest
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from generator import preview
from generator.cli import main
from generator.diagnostics import Code, Where, error
from generator.pipeline import build
from generator.project import Project

from .browser import factsheet_serve
from .conftest import REPO, copy_tree

HOOK = REPO / "generator" / "mkdocs_hook.py"
DIRTY = (
    "A 'dirty' build is being performed, this will likely lead to inaccurate navigation and other links within "
    "your site. This option is designed for site development purposes only."
)


def test_the_dirty_build_warning_is_dropped_and_other_warnings_kept(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger(preview.DIRTY_BUILD_LOGGER)
    before = list(logger.filters)
    try:
        preview.quiet_dirty_builds()
        preview.quiet_dirty_builds()  # once is enough: no second filter
        assert sum(isinstance(f, preview.DirtyBuildFilter) for f in logger.filters) == 1
        with caplog.at_level(logging.INFO, logger="mkdocs"):
            logger.warning(DIRTY)
            logger.warning("Doc file 'index.md' contains a link 'x.md', but the target is not found")
            logger.info("Building documentation...")
        assert [r.getMessage() for r in caplog.records] == [
            "Doc file 'index.md' contains a link 'x.md', but the target is not found",
            "Building documentation...",
        ]
    finally:
        logger.filters[:] = before


def test_only_source_pages_name_their_source() -> None:
    assert preview.source_of_page("sources/serious-50-minute-conversation.md") == "serious-50-minute-conversation"
    assert preview.source_of_page("sources/index.md") is None
    assert preview.source_of_page("actors/joe-biden.md") is None
    assert preview.source_of_page("timeline.md") is None
    page = "<html><head><title>x</title></head><body></body></html>"
    assert preview.source_meta(page, "a-b") == (
        '<html><head><title>x</title><meta name="factsheet-source" content="a-b"></head><body></body></html>'
    )


def test_the_problems_are_the_check_s_json_records(tmp_path: Path) -> None:
    where = Where(tmp_path / "facts" / "topics" / "x.yaml", 6, 12)
    problem = error(where, Code.QUOTE_NOT_FOUND, "quote not found in <b>source</b>", 'copy "it" again')
    (record,) = json.loads(preview.problems_json([problem], tmp_path))
    assert record == {
        "path": "facts/topics/x.yaml",
        "line": 6,
        "col": 12,
        "severity": "error",
        "code": "quote-not-found",
        "message": "quote not found in <b>source</b>",
        "hint": 'copy "it" again',
    }
    assert json.loads(preview.problems_json([], tmp_path)) == []


def _no_preview_in(site: Path) -> None:
    assert not (site / preview.ASSETS).exists()
    pages = sorted(site.rglob("*.html"))
    assert any("sources" in p.parts for p in pages)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "preview.js" not in text and "preview.css" not in text and "factsheet-source" not in text, page


def test_the_published_site_has_no_preview(basic: Project) -> None:
    _, site = build(basic, strict=True)
    _no_preview_in(site)


def _mkdocs_build_with_hook(project: Project, site: Path) -> None:
    config = load_config(str(project.mkdocs_yml), hooks=[str(HOOK)], site_dir=str(site))
    config.plugins.on_startup(command="build", dirty=False)
    mkdocs_build(config)


def test_mkdocs_build_through_the_hook_has_no_preview_and_fails_on_errors(
    basic: Project, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _mkdocs_build_with_hook(basic, tmp_path / "site")
    _no_preview_in(tmp_path / "site")

    broken = copy_tree("basic", tmp_path / "broken")
    sanctions = broken.facts_dir / "topics" / "sanctions.yaml"
    sanctions.write_text(sanctions.read_text().replace("reiterated his threat", "repeated his threat"))
    with pytest.raises(Abort):  # the hook's PluginError, as MkDocs reports it
        _mkdocs_build_with_hook(broken, tmp_path / "site2")
    assert "topics/sanctions.yaml:6:12: error: quote not found" in caplog.text
    assert not (tmp_path / "site2" / "index.html").exists()


def test_serve_previews_a_new_fact_sheet_with_the_default_preview_files(tmp_path: Path) -> None:
    # `factsheet init` writes no generated/ folder, no hooks in mkdocs.yml and no templates/preview/: the
    # preview still starts, regenerates, and serves the default script and style sheet.
    assert main(["init", str(tmp_path / "sheet")]) == 0
    project = Project.at(tmp_path / "sheet")
    assert not (project.templates_dir / "preview").exists()
    (seed,) = sorted(project.seeds_dir.glob("*.md"))[:1]
    with factsheet_serve(project, tmp_path / "serve.log") as url:
        with urllib.request.urlopen(f"{url}sources/{seed.stem}/", timeout=10) as response:
            page = response.read().decode("utf-8")
        with urllib.request.urlopen(f"{url}{preview.ASSETS}/preview.js", timeout=10) as response:
            script = response.read()
        with urllib.request.urlopen(f"{url}{preview.ASSETS}/{preview.PROBLEMS}", timeout=10) as response:
            problems = json.loads(response.read())
    assert f'<meta name="factsheet-source" content="{seed.stem}">' in page and "preview/preview.js" in page
    assert script == (REPO / "templates" / "preview" / "preview.js").read_bytes()
    assert problems == []
