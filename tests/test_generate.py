"""`factsheet generate` feeds another engine: Zensical (it reads mkdocs.yml) builds the generated folder into
a site with every page and every internal link and anchor intact, and each page's content as MkDocs renders it.

Zensical comes with the `zensical` extra (`make test` installs it). Without it the test is skipped on a
laptop, saying so, and fails in CI (CI set), where it must run.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator.commands.cli import main
from generator.project import Project
from generator.site.publish import build_site

from .conftest import copy_tree
from .test_site import broken_links, parse_site

pytestmark = pytest.mark.slow  # two engines build two fact sheets: about a minute


def _zensical() -> None:
    if importlib.util.find_spec("zensical") is None:
        reason = "Zensical is not installed: `make test` installs it (the zensical extra of pyproject.toml)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def _page_of(markdown: str) -> str:
    """The HTML page a generated Markdown file becomes, with directory URLs (both engines' default)."""
    stem = markdown.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem + ".html"
    return stem + "/index.html"


@pytest.fixture(scope="module", params=["basic", "repo"])
def both_sites(request, tmp_path_factory) -> tuple[Path, Path, dict[str, BeautifulSoup], dict[str, BeautifulSoup]]:
    """The generated folder of a fact sheet, Zensical's site, and its pages as Zensical and as MkDocs built them."""
    _zensical()
    root = tmp_path_factory.mktemp(request.param)
    project = copy_tree(request.param, root)
    with pytest.MonkeyPatch.context() as env:  # no "Suggest a correction" link, which only MkDocs makes
        env.delenv("FACTSHEET_REPO_URL", raising=False)
        env.delenv("FACTSHEET_EDIT_URI", raising=False)
        assert main(["generate", "--root", str(root)]) == 0
        zensical = subprocess.run(
            [sys.executable, "-m", "zensical", "build", "--config-file", str(project.mkdocs_yml)],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert zensical.returncode == 0, zensical.stdout + zensical.stderr
        mkdocs_site = build_site(Project.at(root, site_dir=root / "site-mkdocs"))
    zensical_site = root / "site"
    return project.docs_dir, zensical_site, parse_site(zensical_site), parse_site(mkdocs_site)


def test_zensical_builds_every_generated_page(both_sites):
    docs, _, zensical, _ = both_sites
    pages = {_page_of(p.relative_to(docs).as_posix()) for p in docs.rglob("*.md")}
    assert len(pages) > 5
    assert pages <= set(zensical), f"not built: {sorted(pages - set(zensical))}"
    for name in pages:
        assert zensical[name].select_one("article h1"), f"{name} has no title"


def test_zensical_keeps_every_internal_link_and_anchor(both_sites):
    _, site, pages, _ = both_sites
    broken, checked = broken_links(pages, site)
    assert broken == [] and checked > 20


def test_the_generated_markdown_reads_the_same_in_both_engines(both_sites):
    """The syntax the templates write (attr_list, md_in_html, tables, toc) means the same to both: each page's
    article has the same text, the same ids (but Zensical's skip target) and the same classes, and the
    theme override's JSON-LD is in both heads."""
    _, _, zensical, mkdocs = both_sites
    assert set(mkdocs) <= set(zensical)
    for name, page in mkdocs.items():
        ours, theirs = page.select_one("article"), zensical[name].select_one("article")
        assert ours is not None and theirs is not None, name
        assert theirs.get_text(" ", strip=True) == ours.get_text(" ", strip=True), name
        assert {e["id"] for e in theirs.find_all(id=True)} - {"__skip"} == {e["id"] for e in ours.find_all(id=True)}
        classes = sorted(c for e in ours.find_all(class_=True) for c in e["class"])
        assert sorted(c for e in theirs.find_all(class_=True) for c in e["class"]) == classes, name
        ld = 'script[type="application/ld+json"]'
        assert [s.string for s in zensical[name].select(ld)] == [s.string for s in page.select(ld)], name
