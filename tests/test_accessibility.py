"""The built site in a real browser: axe-core finds no serious or critical WCAG 2.1 AA violation on one
page of each kind, light and dark; at 390 px no page scrolls sideways; the screenshot command works."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.pipeline import build
from generator.screenshots import WIDTHS, Scheme, page_kinds, serve, viewer, visit

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
