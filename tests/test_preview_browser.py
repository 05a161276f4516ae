"""The live preview in Chromium, against a real `factsheet serve` on a copy of the basic fixture: a check
error shows on the pages (place, message and hint, as text) and goes when fixed, without the preview ever
hanging; on a source page, selected words become a citation that `factsheet check` accepts as it is."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from generator.pipeline import check
from generator.project import Project

from .browser import browser, factsheet_serve
from .conftest import copy_tree

TEST_SEED = "preview-test-article"
# Straight quotes, backslashes, two spaces, curly quotes and dashes: all that a citation must carry over.
SEED_TEXT = """---
id: "preview-test-article"
label: "Test article"
title: null
title_note: "No headline."
outlet: null
outlet_note: "Not named."
author: null
author_note: "No byline in the text."
date: null
date_note: "Not printed."
translated: false
translation_note: null
url: null
url_note: "Not stated in the text."
---
A short article with "straight" quotes.

The spokesman said the plan was "dead on arrival" and that  the file C:\\temp\\plan.txt — “not final” — had leaked.

Nothing else was said.
"""

# Select from the start of `start` in paragraph A to the end of `end` in paragraph B, by the paragraphs' text;
# returns what the browser itself makes of the selection (Selection.toString).
SELECT = """
([a, start, b, end]) => {
  const point = (id, words, after) => {
    const p = document.getElementById(id);
    let offset = p.textContent.indexOf(words);
    if (offset < 0) throw new Error(`'${words}' is not in ${id}`);
    if (after) offset += words.length;
    const walk = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (offset < n.data.length || (after && offset === n.data.length)) return [n, offset];
      offset -= n.data.length;
    }
    throw new Error('past the paragraph');
  };
  const range = document.createRange();
  range.setStart(...point(a, start, false));
  range.setEnd(...point(b, end, true));
  const sel = getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  return sel.toString();
}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = copy_tree("basic", tmp_path_factory.mktemp("preview"))
    (project.seeds_dir / f"{TEST_SEED}.md").write_text(SEED_TEXT, encoding="utf-8")
    return project


@pytest.fixture(scope="module")
def serve_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("log") / "serve.log"


@pytest.fixture(scope="module")
def served(project: Project, serve_log: Path) -> Iterator[str]:
    with factsheet_serve(project, serve_log) as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    with browser() as b:
        yield b


@pytest.fixture
def page(chromium, served):
    context = chromium.new_context(permissions=["clipboard-read", "clipboard-write"])
    try:
        yield context.new_page()
    finally:
        context.close()


def test_a_check_error_shows_on_every_page_and_goes_when_fixed(page, served: str, project: Project) -> None:
    sanctions = project.facts_dir / "topics" / "sanctions.yaml"
    good = sanctions.read_text(encoding="utf-8")
    page.goto(served + "topics/sanctions/")
    title = page.locator("h1").inner_text()
    assert page.locator("#fs-preview-problems").count() == 0
    # The quote no longer in the article, with markup in it: the hint quotes it back.
    broken = good.replace("Mr Biden reiterated his threat", "Mr Biden <b class=fs-injected>reiterated</b> his threat")
    assert broken != good
    started = time.monotonic()
    sanctions.write_text(broken, encoding="utf-8")
    try:
        box = page.locator("#fs-preview-problems")
        box.wait_for(state="visible", timeout=15_000)  # the page reloads by itself
        shown_after = time.monotonic() - started
        text = box.inner_text()
        assert "facts/topics/sanctions.yaml:6:12" in text
        assert "error: quote not found in source 'serious-50-minute-conversation' [quote-not-found]" in text
        assert "hint: closest passage" in text and "<b class=fs-injected>" in text  # as text, not markup
        assert page.locator(".fs-injected").count() == 0
        assert page.locator("h1").inner_text() == title  # the last good page, under the box
        assert shown_after < 15
        _the_box_hides_neither_header_nor_title(page)
        # Every page, and a new page load does not hang.
        page.goto(served + "actors/joe-biden/", timeout=10_000)
        assert "facts/topics/sanctions.yaml:6:12" in page.locator("#fs-preview-problems").inner_text()
        assert page.locator("h1").inner_text().startswith("Joe Biden")
    finally:
        sanctions.write_text(good, encoding="utf-8")
    page.locator("#fs-preview-problems").wait_for(state="detached", timeout=15_000)
    assert page.locator("h1").inner_text().startswith("Joe Biden")
    page.goto(served + "topics/sanctions/", timeout=10_000)
    assert page.locator("h1").inner_text() == title
    assert page.locator("#fs-preview-problems").count() == 0


def _the_box_hides_neither_header_nor_title(page) -> None:
    """The box sits below the header and pushes the page down: the title starts below it, and the page (at
    its top before) stays at its top, not scrolled to keep the title where it was (under the header)."""
    assert page.evaluate("window.scrollY") == 0
    box = page.locator("#fs-preview-problems").bounding_box()
    header = page.locator("header.md-header").bounding_box()
    title = page.locator("h1").bounding_box()
    assert box is not None and header is not None and title is not None
    assert header["y"] + header["height"] <= box["y"] + 0.5
    assert box["y"] + box["height"] <= title["y"]
    # Nothing over the title: at its middle, the page finds the title itself.
    middle = [title["x"] + min(title["width"], 40) / 2, title["y"] + title["height"] / 2]
    assert page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('h1') !== null", middle)


def test_warnings_show_over_the_new_pages(page, served: str, project: Project) -> None:
    # A warning does not stop the preview, but it stops the pull request's build (--strict): it shows too.
    sanctions = project.facts_dir / "topics" / "sanctions.yaml"
    good = sanctions.read_text(encoding="utf-8")
    page.goto(served + "topics/sanctions/")
    ambiguous = '  - source: serious-50-minute-conversation\n    quote: "Mr Putin"\n'
    sanctions.write_text(
        good.replace("Economic sanctions", "Economic sanctions, warned,") + ambiguous, encoding="utf-8"
    )
    try:
        box = page.locator("#fs-preview-problems.fs-preview-warnings")
        box.wait_for(state="visible", timeout=15_000)
        text = box.inner_text()
        assert "1 warning. The pages are up to date" in text
        assert "facts/topics/sanctions.yaml:8:12 warning: quote occurs more than once" in text
        assert page.get_by_text("Economic sanctions, warned,").count() >= 1  # the new page, not the last good one
    finally:
        sanctions.write_text(good, encoding="utf-8")
    page.locator("#fs-preview-problems").wait_for(state="detached", timeout=15_000)


def _citation(
    page, served: str, seed: str, selection: tuple[str, str, str, str], fragment: str = ""
) -> tuple[str, str]:
    """Select words on a source page; what the browser selected, and the citation the preview offers."""
    page.goto("about:blank")  # a fresh load: no citation box left from before
    page.goto(f"{served}sources/{seed}/{fragment}")
    selected = page.evaluate(SELECT, list(selection))
    box = page.locator("#fs-preview-cite")
    box.wait_for(state="visible", timeout=5_000)
    offered = box.locator("pre").inner_text()
    box.get_by_role("button", name="Copy").click()
    page.locator(".fs-preview-cite-status", has_text="Copied.").wait_for(timeout=5_000)
    assert page.evaluate("navigator.clipboard.readText()") == offered
    return selected, offered


def test_selected_words_become_a_citation_the_check_accepts(page, served: str, project: Project) -> None:
    # Across a plain run, two anchors and two marks of one paragraph.
    _, within = _citation(page, served, "serious-50-minute-conversation", ("p-3", "this month", "p-3", "said he"))
    assert within == '- source: serious-50-minute-conversation\n  quote: "this month, US President Joe Biden said he"\n'
    # Across two paragraphs, with the landing between them shown (a link led there): the browser's own
    # selection holds its "Back to where this is cited" link, the citation only the article's words.
    selected, across = _citation(
        page,
        served,
        "serious-50-minute-conversation",
        ("p-6", "said White House", "p-7", "Yuri Ushakov said"),
        "#q-68c6a210bc-by-actor-yuri-ushakov",
    )
    assert "Back to where this is cited" in selected
    assert across == (
        "- source: serious-50-minute-conversation\n"
        '  quote: "said White House Press Secretary Jen Psaki. Kremlin assistant Yuri Ushakov said"\n'
    )
    # Straight quotes and backslashes escaped; curly quotes and dashes kept; two spaces folded into one.
    _, escaped = _citation(page, served, TEST_SEED, ("p-2", "plan was", "p-2", "— had"))
    assert escaped == (
        f"- source: {TEST_SEED}\n"
        '  quote: "plan was \\"dead on arrival\\" and that the file C:\\\\temp\\\\plan.txt — “not final” — had"\n'
    )
    assert yaml.safe_load(escaped) == [
        {
            "source": TEST_SEED,
            "quote": 'plan was "dead on arrival" and that the file C:\\temp\\plan.txt — “not final” — had',
        }
    ]
    # Pasted into a fact's citations as they are (indented to the list), the check passes.
    sanctions = project.facts_dir / "topics" / "sanctions.yaml"
    good = sanctions.read_text(encoding="utf-8")
    pasted = "".join("  " + line + "\n" for c in (within, across, escaped) for line in c.splitlines())
    try:
        sanctions.write_text(good + pasted, encoding="utf-8")
        result = check(project, cache=False)
        assert result.diagnostics == [] and len(result.facts.topics["sanctions"].citations) == 4
    finally:
        sanctions.write_text(good, encoding="utf-8")


TRICKY = [
    'a "b" \\ c',
    "‘single’ “double” «guillemets» – — dashes",
    "tab\tnew\nline\r NEL\x85 LS\u2028 PS\u2029 BOM\ufeff DEL\x7f C1\x9b",
    "emoji 🙂 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢, accents é ñ, CJK 漢字, RTL עברית",
    "# not a comment: not a mapping - not a list & not an anchor * ! | > % @ `",
    '\\"',
]


def test_the_citation_s_yaml_reads_back_as_the_words(page, served: str) -> None:
    page.goto(f"{served}sources/{TEST_SEED}/")
    written = page.evaluate("(texts) => texts.map(window.factsheetPreview.yamlString)", TRICKY)
    for text, line in zip(TRICKY, written, strict=True):
        assert line.startswith('"') and "\n" not in line, line  # one double-quoted line
        assert yaml.safe_load("quote: " + line) == {"quote": text}, line


def test_no_citation_box_outside_source_pages(page, served: str) -> None:
    page.goto(served + "actors/joe-biden/")
    page.locator("article p").first.select_text()
    page.wait_for_timeout(400)
    assert page.locator("#fs-preview-cite").count() == 0
    assert page.locator('meta[name="factsheet-source"]').count() == 0


def _problems_served(url: str, wanted: bool) -> None:
    """Wait until the served problems.json lists problems (`wanted`) or none."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with urllib.request.urlopen(url + "assets/preview/problems.json", timeout=5) as response:
            if bool(json.loads(response.read())) == wanted:
                return
        time.sleep(0.2)
    pytest.fail(f"the preview's problems.json did not become {'non-empty' if wanted else 'empty'} in 15 s")


def test_the_terminal_says_what_happened_without_the_dirty_build_warning(
    served: str, serve_log: Path, project: Project
) -> None:
    # No browser needed: the served problems say when each rebuild is done.
    sanctions = project.facts_dir / "topics" / "sanctions.yaml"
    good = sanctions.read_text(encoding="utf-8")
    sanctions.write_text(good.replace("reiterated his threat", "repeated his threat"), encoding="utf-8")
    try:
        _problems_served(served, True)
    finally:
        sanctions.write_text(good, encoding="utf-8")
    _problems_served(served, False)
    log = serve_log.read_text(encoding="utf-8")
    assert "Serving on " + served in log and log.count("Reloading browsers") >= 2
    assert "facts/topics/sanctions.yaml:6:12: error: quote not found" in log
    assert "dirty" not in log


def test_one_rebuild_per_saved_file(page, served: str, serve_log: Path, project: Project) -> None:
    # The pages a rebuild writes itself must not start another rebuild (they did: every edit built twice).
    sanctions = project.facts_dir / "topics" / "sanctions.yaml"
    good = sanctions.read_text(encoding="utf-8")
    page.goto(served + "topics/sanctions/")
    before = len(serve_log.read_text(encoding="utf-8"))
    try:
        sanctions.write_text(good.replace("Economic sanctions", "Economic sanctions, edited,"), encoding="utf-8")
        page.get_by_text("Economic sanctions, edited,").first.wait_for(timeout=15_000)
        time.sleep(2.5)  # a second rebuild (the rebuild's own reads and writes as changes) would have started
        assert serve_log.read_text(encoding="utf-8")[before:].count("Building documentation") == 1
    finally:
        sanctions.write_text(good, encoding="utf-8")
