"""The built site in a real browser: axe-core finds no serious or critical WCAG 2.1 AA violation on one
page of each kind, light and dark; at 390 px no page scrolls sideways; the screenshot command works."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.pipeline import build
from generator.site.screenshots import WIDTHS, Scheme, page_kinds, serve, viewer, visit

from .browser import artifact, browser
from .conftest import REPO, copy_tree

AXE = REPO / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# resultTypes: report every violation, but only one example of each pass (much faster on long pages).
AXE_RUN = "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"


def axe_path() -> Path:
    if AXE.is_file():
        return AXE
    reason = "axe-core is not installed: run `make test` (npm ci in tests/a11y)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    project = copy_tree("repo", tmp_path_factory.mktemp("a11y"))
    _, site = build(project, strict=True)
    return site


@pytest.fixture(scope="module")
def served(site):
    with browser() as b, serve(site) as base:
        yield b, base


def serious(violations: list[dict]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("scheme", list(Scheme), ids=lambda s: s.name.lower())
def test_no_serious_accessibility_violations(served, site, scheme):
    axe = axe_path()
    b, base = served
    found = {}
    with viewer(b, 1280, scheme) as tab:
        for kind, path in page_kinds(site).items():
            visit(tab, base + path, scheme)
            tab.add_script_tag(path=str(axe))
            result = tab.evaluate(AXE_RUN, WCAG_AA)
            assert result["passes"], f"axe checked nothing on {path}"
            if problems := serious(result["violations"]):
                found[kind] = problems
    assert not found, found


def test_timeline_needs_no_script(served, site):
    b, base = served
    context = b.new_context(java_script_enabled=False, viewport={"width": 390, "height": 900})
    try:
        page = context.new_page()
        page.goto(base + "timeline/index.html")
        focus = page.locator("li.fs-event.fs-focus")
        assert focus.count() == 1
        # The focus entry is drawn as a card with its marker, not a bare list item.
        assert focus.evaluate("e => getComputedStyle(e, '::before').content") != "none"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def test_screenshot_command_at_desk_and_phone_width_without_sideways_scrolling(served, site):
    """`factsheet screenshots` on the real fact sheet: a PNG per page kind and width, and exit 0 only
    when no page is wider than the window (at 390 px, no sideways scrolling)."""
    # `served` has checked that Chromium is there (fails in CI, skips on a laptop, when it is missing).
    out = artifact("screenshots")
    # Its own process, as a person runs it (and beside this module's browser, which holds Playwright here).
    command = [sys.executable, "-m", "generator", "--root", str(site.parent), "screenshots", "--first-screen"]
    result = subprocess.run([*command, "--out", str(out)], capture_output=True, text=True, timeout=300)
    printed = result.stdout
    assert result.returncode == 0, printed + result.stderr  # the lines name each page that scrolls sideways
    expected = {f"{kind}-{width}.png" for kind in page_kinds(site) for width in WIDTHS}
    assert sorted(Path(line).name for line in printed.splitlines()) == sorted(expected)
    for name in expected:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name


def test_no_page_scrolls_sideways_on_a_phone(served, site):
    """Every page of the site, not one of each kind: a long name, table or address on any of them would
    make a phone scroll sideways."""
    b, base = served
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if p.name != "404.html")
    assert len(pages) > 40
    wide = {}
    with viewer(b, 390, Scheme.LIGHT) as tab:
        for path in pages:
            tab.goto(base + path, wait_until="load")
            if (width := tab.evaluate("document.documentElement.scrollWidth")) > 390:
                wide[path] = width
    assert wide == {}


# Where an element is drawn, and whether it is the one seen there (not covered by another).
SEEN = """e => { const r = e.getBoundingClientRect(); const x = r.left + Math.min(r.width / 2, 20), y = r.top + 4;
  const top = document.elementFromPoint(x, y); return {top: r.top, left: r.left, seen: !!top && e.contains(top)}; }"""


def test_positions_side_by_side_keep_header_and_topic_in_view(served):
    b, base = served
    with viewer(b, 1280, Scheme.LIGHT) as tab:
        visit(tab, base + "positions/index.html", Scheme.LIGHT)
        sides = tab.locator("table.fs-matrix").first.locator("thead th")
        names = [t.strip() for t in sides.all_inner_texts()]
        assert names[:3] == ["Topic", "United States", "Russia"]  # the main sides next to each other
        assert tab.evaluate("document.documentElement.scrollWidth") <= 1280
        # Scroll to the middle of the tallest row: the header row and that row's topic are still in view.
        row = max(
            tab.locator("table.fs-matrix").first.locator("tbody tr").all(), key=lambda r: r.bounding_box()["height"]
        )
        box = row.bounding_box()
        assert box["height"] > 900
        tab.evaluate("y => window.scrollBy(0, y)", box["y"] + box["height"] / 2 - 450)
        header = material_header_bottom(tab)
        for cell in sides.all():
            where = cell.evaluate(SEEN)
            assert where["seen"] and header - 1 <= where["top"] <= header + 2, (cell.inner_text(), where, header)
        topic = row.locator("th > a").evaluate(SEEN)
        assert topic["seen"] and topic["top"] >= header, topic
    with viewer(b, 390, Scheme.LIGHT) as tab:
        visit(tab, base + "positions/index.html", Scheme.LIGHT)
        assert not tab.locator("table.fs-matrix thead").first.is_visible()  # lists on a phone
        assert tab.locator("table.fs-matrix .fs-side-name").first.is_visible()
        row = tab.locator("table.fs-matrix").first.locator("tbody tr").nth(2)
        box = row.bounding_box()
        tab.evaluate("y => window.scrollBy(0, y)", box["y"] + box["height"] / 2)
        topic = row.locator("th").evaluate(SEEN)
        assert topic["seen"] and abs(topic["top"] - material_header_bottom(tab)) < 2, topic
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390


def material_header_bottom(tab) -> float:
    return tab.evaluate("document.querySelector('.md-header').getBoundingClientRect().bottom")


# The focused element's ring and what it is drawn against: the first opaque background behind the element
# (its own, for a ring drawn inside; its parent's, outside), as sRGB triples.
FOCUS = """() => {
  let e = document.activeElement;
  // Material's colour-scheme switch is a hidden radio button that rings the label after it instead.
  const next = e.nextElementSibling;
  if (e.type === "radio" && next && next.tagName === "LABEL") e = next;
  // The search field is ringed as a whole, with its buttons.
  if (e.type === "search" || e.type === "text") e = e.closest("form") || e;
  const s = getComputedStyle(e);
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const opaque = el => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
    if (c.length === 3 || c[3] === 1) return c.slice(0, 3); } return [255, 255, 255]; };
  return {what: e.tagName + "." + e.className + " " + (e.textContent || "").trim().slice(0, 30),
          style: s.outlineStyle, width: parseFloat(s.outlineWidth), ring: rgb(s.outlineColor).slice(0, 3),
          behind: opaque(parseFloat(s.outlineOffset) < 0 ? e : e.parentElement)};
}"""


def contrast(a: list[float], b: list[float]) -> float:
    def luminance(rgb: list[float]) -> float:
        c = [x / 255 for x in rgb]
        c = [x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("scheme", list(Scheme), ids=lambda s: s.name.lower())
def test_keyboard_focus_is_drawn_at_aa_contrast(served, scheme):
    """Tabbing through a page (skip link, header, tabs, navigation, contents, links in the text), each
    focused element shows a ring at 3:1 or more against what is behind it (WCAG 2.1, 1.4.11)."""
    b, base = served
    faint = []
    with viewer(b, 1280, scheme) as tab:
        visit(tab, base + "timeline/index.html", scheme)
        for _ in range(45):
            tab.keyboard.press("Tab")
            focus = tab.evaluate(FOCUS)
            if focus["style"] == "none" or focus["width"] == 0 or contrast(focus["ring"], focus["behind"]) < 3:
                faint.append(focus)
    assert faint == []


# The ring of the element a link has landed on, against the page behind it.
TARGET = """sel => { const e = document.querySelector(sel), s = getComputedStyle(e);
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number).slice(0, 3);
  const page = getComputedStyle(document.body).backgroundColor;
  return {style: s.outlineStyle, ring: rgb(s.outlineColor), behind: rgb(page)};
}"""


@pytest.mark.parametrize("scheme", list(Scheme), ids=lambda s: s.name.lower())
def test_where_a_link_lands_is_outlined_at_aa_contrast(served, scheme):
    """A "details" link of the positions table lands on the position on its topic's page, and an event
    link on the timeline's entry: each is outlined at 3:1 or more against the page."""
    b, base = served
    with viewer(b, 1280, scheme) as tab:
        visit(tab, base + "positions/index.html", scheme)
        details = tab.locator("a.fs-details").first
        anchor = details.get_attribute("href").split("#")[1]
        details.click()
        tab.wait_for_url(f"**#{anchor}")
        landed = {"position": tab.evaluate(TARGET, f"p:has(> a[id='{anchor}']) + ul > li")}
        visit(tab, base + "timeline/index.html", scheme)
        event = tab.locator("li.fs-event.fs-focus").get_attribute("id")
        tab.evaluate("id => { location.hash = id; }", event)
        landed["event"] = tab.evaluate(TARGET, f"li[id='{event}']")
    for where in landed.values():
        assert where["style"] != "none" and contrast(where["ring"], where["behind"]) >= 3, landed


def test_no_page_title_leaves_an_empty_line_under_it(served, site):
    """Material's permalink (¶, hidden until hovered) after a title that nearly fills its line wrapped to a
    line of its own: an empty band under the title. At desk and phone width, a title is as tall as its words."""
    b, base = served
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if p.name != "404.html")
    banded = {}
    for width in WIDTHS:
        with viewer(b, width, Scheme.LIGHT) as tab:
            for path in pages:
                tab.goto(base + path, wait_until="load")
                tall = tab.evaluate(
                    """() => { const h = document.querySelector('article h1'), link = h.querySelector('.headerlink');
                    const words = document.createRange(); words.setStart(h, 0);
                    if (link) words.setEndBefore(link); else words.setEnd(h, h.childNodes.length);
                    return [h.getBoundingClientRect().bottom - words.getBoundingClientRect().bottom,
                            parseFloat(getComputedStyle(h).lineHeight)]; }"""
                )
                if tall[0] > tall[1] / 2:  # more than half a line below the title's last word
                    banded[f"{path} at {width}"] = tall
    assert banded == {}
