"""A site built from injection payloads, loaded in headless Chromium: nothing runs, everything reads as text.

Every payload that could execute sets `window.__pwned` (or its parent's) or opens a dialog; the test
loads every page, and a search that returns the poisoned pages, and then looks for any sign of them.
"""

from __future__ import annotations

import functools
import http.server
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.checks import convert
from generator.pipeline import build, bundle, check
from generator.project import Project
from generator.site.bundle import Bundles

from .browser import artifact, browser
from .conftest import copy_tree
from .payloads import ARTICLE_ID, ARTICLE_LABEL, F1_PAYLOADS, PAYLOADS, bypass, poison

# Anything in the DOM that would let data run code or change where links go.
_DOM_PROBE = """() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (attr.name.startsWith('on')) found.push(`${el.tagName} ${attr.name}`);
      if (['href', 'src', 'action', 'formaction', 'srcdoc'].includes(attr.name)
          && /^\\s*(javascript|data):/i.test(attr.value)) found.push(`${el.tagName} ${attr.name}=${attr.value}`);
    }
  }
  // The theme has forms (search, palette) but no base; the content (site or single file) holds none of these.
  const tags = 'base, :is(.md-content, .fs-section) :is(iframe, form, embed, object, style, svg, img, script)';
  // Except a source page's own rules for following a citation: its template's selectors, made of anchors,
  // and plain declarations (nothing that loads or imports).
  const targets = /^\\s*(?:\\.fs-article:has\\(\\.fs-for-(q-[0-9a-f]{10}):target\\) mark\\.fs-quote\\.fs-\\1,?\\s*)+\\{[-a-z0-9:;(),.\\s]*\\}\\s*$/;
  for (const el of document.querySelectorAll(tags)) {
    const ours = el.matches('style.fs-targets') && targets.test(el.textContent) && !/url|@|\\\\/.test(el.textContent);
    if (!ours) found.push(el.tagName);
  }
  for (const el of document.querySelectorAll('script')) {
    // JSON-LD is data the browser never runs; it must still be one whole JSON value (nothing broke out).
    if (el.type === 'application/ld+json') {
      try { JSON.parse(el.textContent); } catch (e) { found.push('JSON-LD that does not parse'); }
      continue;
    }
    if (!el.src && /pwned|alert/.test(el.textContent)) found.push('inline script from data');
  }
  return found;
}"""


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory) -> Project:
    project = copy_tree("basic", tmp_path_factory.mktemp("xss"))
    poison(project)
    return project


@pytest.fixture(scope="module")
def served_site(poisoned) -> Iterator[tuple[str, Path]]:
    _, site = build(poisoned, strict=True)
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", site
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


def _open(chromium, url: str):
    page = chromium.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url[:22]) else route.abort())
    return page, dialogs


def _assert_nothing_ran(page, dialogs: list[str], where: str) -> None:
    pwned = page.evaluate("() => [window.__pwned, ...Array.from(window.frames, f => f.__pwned)]")
    assert all(v is None for v in pwned), f"{where}: a payload ran: {pwned}"
    assert dialogs == [], f"{where}: a payload opened a dialog: {dialogs}"
    assert page.evaluate(_DOM_PROBE) == [], where


def test_no_payload_runs_on_any_page(served_site, chromium):
    base, site = served_site
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("index.html"))
    assert len(pages) >= 13
    page, dialogs = _open(chromium, base)
    for rel in pages:
        page.goto(base + rel, wait_until="load")
        page.wait_for_timeout(50)  # let onload/onerror handlers of broken images fire, if any existed
        _assert_nothing_ran(page, dialogs, rel)
    page.close()


def test_payloads_read_as_written(served_site, chromium):
    base, _ = served_site
    page, dialogs = _open(chromium, base)
    page.goto(base + f"sources/{ARTICLE_ID}/", wait_until="load")
    page.screenshot(path=str(artifact("xss-source-page.png")), full_page=True)
    article = page.inner_text("article")
    for payload in PAYLOADS:
        assert payload in article, payload
    # The page's title is the source's label, a payload too: it stays inside <title> and the header, as text.
    assert page.title().startswith(ARTICLE_LABEL)
    assert ARTICLE_LABEL in page.inner_text(".md-header__topic:last-child")
    assert PAYLOADS[2] in page.inner_text("article")  # the headline: "</title><script>..." as text
    _assert_nothing_ran(page, dialogs, "source page")
    page.close()


def test_search_results_show_payloads_as_text(served_site, chromium):
    base, _ = served_site
    page, dialogs = _open(chromium, base)
    page.goto(base, wait_until="load")
    page.keyboard.press("/")  # Material's shortcut that opens the search box
    page.locator("input.md-search__input").press_sequentially("Biden", delay=20)  # fill() sends no keystrokes
    page.wait_for_selector(".md-search-result__item", timeout=10000)
    page.wait_for_timeout(200)
    page.screenshot(path=str(artifact("xss-search.png")))
    results = page.inner_text(".md-search-result")
    assert f"Joe Biden {PAYLOADS[0]}" in results, results  # the first poisoned field, shown as text
    _assert_nothing_ran(page, dialogs, "search results")
    page.close()


@pytest.fixture(scope="module")
def poisoned_bundles(poisoned) -> Bundles:
    return bundle(poisoned, strict=True)[1]


def test_single_file_bundle_runs_nothing(poisoned_bundles, chromium):
    page, dialogs = _open(chromium, "file://")
    page.goto(poisoned_bundles.single_html.path.as_uri(), wait_until="load")
    page.wait_for_timeout(50)
    text = page.inner_text("main")
    assert all(payload in text for payload in PAYLOADS)
    _assert_nothing_ran(page, dialogs, "single-file bundle")
    page.close()


def _offline_pages(bundles: Bundles, folder: Path) -> list[Path]:
    with zipfile.ZipFile(bundles.offline_zip.path) as z:
        z.extractall(folder)
    return sorted(folder.rglob("*.html"))


def test_offline_zip_runs_nothing(poisoned_bundles, chromium, tmp_path):
    """The offline bundle is opened from file://, where a script would run as on the site (review INJ-22)."""
    pages = _offline_pages(poisoned_bundles, tmp_path)
    assert len(pages) >= 13
    page, dialogs = _open(chromium, "file://")
    for path in pages:
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_timeout(50)
        _assert_nothing_ran(page, dialogs, f"offline zip: {path.relative_to(tmp_path)}")
    page.close()


# Issue 13, F1: the same build with the check's refusal of noncharacters switched off. The front matter is
# written by a serializer and read back, so the red team's payloads reach the pages as text, or not at all.


@pytest.fixture(scope="module")
def past_the_check(tmp_path_factory) -> Iterator[tuple[Path, Bundles]]:
    project = copy_tree("basic", tmp_path_factory.mktemp("f1"))
    bypass(project)
    with pytest.MonkeyPatch.context() as mp:
        assert check(project, cache=False).errors, "the check refuses these names"
        mp.setattr(convert, "unseen_character", lambda value, multiline: None)
        assert check(project, cache=False).errors == []
        _, site = build(project, strict=True, cache=False)
        _, bundles = bundle(project, strict=True)
    yield site, bundles


# The pages whose title, or whose JSON-LD, carries a payload, as Markdown pages of the docs folder.
_F1_PAGES = ["index.md", "actors/index.md", "actors/joe-biden.md", "topics/sanctions.md", "timeline.md"]
_F1_PAGES += ["sources/index.md", "sources/serious-50-minute-conversation.md"]


def _html(page: str, directory_urls: bool) -> str:
    if not directory_urls or page.endswith("index.md"):
        return page.removesuffix(".md") + ".html"
    return page.removesuffix(".md") + "/index.html"


def test_f1_payloads_past_the_check_run_nowhere(past_the_check, chromium, tmp_path):
    site, bundles = past_the_check
    page, dialogs = _open(chromium, "file://")
    offline = {p.relative_to(tmp_path).as_posix(): p for p in _offline_pages(bundles, tmp_path)}
    for md in _F1_PAGES:
        for where in (site / _html(md, True), offline[f"factsheet-offline/{_html(md, False)}"]):
            page.goto(where.as_uri(), wait_until="load")
            page.wait_for_timeout(50)
            _assert_nothing_ran(page, dialogs, str(where))
    page.goto(bundles.single_html.path.as_uri(), wait_until="load")
    _assert_nothing_ran(page, dialogs, "single file")
    shown = page.inner_text("main")
    for _, _, value in F1_PAYLOADS:  # as text, without the noncharacter (which no font draws)
        assert value.split(" ", 1)[1] in shown, value
    page.close()
