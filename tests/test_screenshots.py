"""generator/site/screenshots.py where it cannot run: Playwright comes only with the test extra.

The screenshots themselves are taken by the browser tests (test_accessibility, test_site)."""

from __future__ import annotations

import sys

import pytest

from generator.commands.cli import main


@pytest.fixture
def no_playwright(monkeypatch) -> None:
    # A None entry makes `import playwright.sync_api` fail, as on an install without the test extra.
    monkeypatch.setitem(sys.modules, "playwright", None)
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)


@pytest.mark.parametrize("built", [True, False], ids=["site-built", "no-site"])
def test_screenshots_without_playwright_says_it_needs_the_test_extra(tmp_path, capsys, no_playwright, built):
    if built:
        (tmp_path / "site").mkdir()
        (tmp_path / "site" / "index.html").write_text("<p>a site</p>", encoding="utf-8")
    code = main(["--root", str(tmp_path), "screenshots", "--out", str(tmp_path / "shots")])
    captured = capsys.readouterr()
    assert code == 1
    # Said first, even before a missing site: building one would not help.
    first, hint = captured.err.splitlines()[:2]
    assert first == (
        "site:0:0: error: `factsheet screenshots` needs Playwright, which only factsheet's test extra installs"
        " [browser-missing]"
    )
    assert "make install" in hint and "factsheet[test]" in hint
    assert "Traceback" not in captured.err + captured.out
    assert not (tmp_path / "shots").exists()
