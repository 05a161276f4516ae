"""A site built from injection payloads, loaded in headless Chromium: nothing runs, everything reads as text.

Every payload that could execute sets `window.__pwned` (or its parent's) or opens a dialog; the test
loads every page, and a search that returns the poisoned pages, and then looks for any sign of them.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.pipeline import build, bundle
from generator.project import Project

from .browser import artifact, browser
from .conftest import copy_tree
from .payloads import ARTICLE_ID, PAYLOADS, poison

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
  for (const el of document.querySelectorAll(tags)) found.push(el.tagName);
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
    assert page.title().startswith(PAYLOADS[2])  # "</title><script>..." stays inside the title, as text
    assert PAYLOADS[2] in page.inner_text(".md-header__topic:last-child")
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


def test_single_file_bundle_runs_nothing(poisoned, chromium):
    _, bundles = bundle(poisoned, strict=True)
    page, dialogs = _open(chromium, "file://")
    page.goto(bundles.single_html.path.as_uri(), wait_until="load")
    page.wait_for_timeout(50)
    text = page.inner_text("main")
    assert all(payload in text for payload in PAYLOADS)
    _assert_nothing_ran(page, dialogs, "single-file bundle")
    page.close()
