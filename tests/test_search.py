"""Search shows what readers see: no screen-reader-only words and nothing marked out of search in its
index or in its results (Material's search exclusion, `data-search-exclude`)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator import screenshots
from generator.pipeline import build

from .browser import browser
from .conftest import copy_tree

# Elements whose words are not for search: text only screen readers get, and whatever the pages mark out
# of search (source-mark legends, "Suggest a correction").
NOT_FOR_SEARCH = "article .fs-sr, article .md-visually-hidden, article [data-search-exclude]"


def plain(html: str) -> str:
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    project = copy_tree("repo", tmp_path_factory.mktemp("search"))
    return build(project, strict=True)[1]


def unsearchable(site: Path) -> dict[str, list[str]]:
    """The words of every element not for search, by page URL as the search index writes it."""
    found: dict[str, list[str]] = {}
    for html in sorted(site.rglob("index.html")):
        soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
        url = html.parent.relative_to(site).as_posix() + "/"
        texts = [" ".join(el.get_text(" ").split()) for el in soup.select(NOT_FOR_SEARCH)]
        found["" if url == "./" else url] = [t for t in texts if len(t) >= 12]
    return found


def test_the_search_index_holds_no_words_readers_do_not_see(site):
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    indexed: dict[str, str] = defaultdict(str)
    for doc in index["docs"]:
        indexed[doc["location"].partition("#")[0]] += " " + plain(doc["title"]) + " " + plain(doc["text"])
    hidden = unsearchable(site)
    assert any(hidden.values()), "the pages mark something out of search (e.g. each page's source-mark legend)"
    for page, texts in hidden.items():
        for text in texts:
            assert text not in indexed[page], f"{page}: {text!r} is in the search index"


def test_search_results_for_a_name_hold_no_hidden_words(site):
    hidden = {t for texts in unsearchable(site).values() for t in texts}
    with browser() as b, screenshots.serve(site) as base, screenshots.viewer(b, 1280, screenshots.Scheme.LIGHT) as tab:
        screenshots.visit(tab, base + "index.html", screenshots.Scheme.LIGHT)
        tab.click("input.md-search__input")
        tab.keyboard.type("Ushakov", delay=20)
        tab.wait_for_selector(".md-search-result__item")
        tab.wait_for_function("document.querySelectorAll('.md-search-result__item').length >= 5")
        results = tab.eval_on_selector_all(".md-search-result__item", "els => els.map(e => e.innerText)")
    text = " ".join(" ".join(r.split()) for r in results)
    assert "Ushakov" in text
    for words in hidden:
        assert words not in text, f"search results show {words!r}"
    # No raw markup either: tags, attribute lists or escaped characters would show as written.
    assert not re.search(r"</?[a-z]+[ >]|\{[:.#]|&#\d+;", text)
