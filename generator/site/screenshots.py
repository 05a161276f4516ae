"""Look at the built site: screenshots of one page of each kind, at desk and phone widths, light and dark.

Used by `factsheet screenshots` (and the browser tests). It drives the system's Chromium through
Playwright (a test dependency, imported only here); nothing downloads a browser. The site is served over
HTTP on the loopback address for the duration, as a reader's browser would load it.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from generator.diagnostics import Code, DiagnosticError, error
from generator.model import Where

if TYPE_CHECKING:  # Playwright is in the test extra only: imported at run time by `_playwright`
    from playwright.sync_api import Browser, Page, Playwright

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
# Without these, Chromium tries to reach update and sync services the sandbox cannot reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
WIDTHS = (1280, 390)


class Scheme(Enum):
    """Material's colour schemes (mkdocs.yml palette)."""

    LIGHT = "default"
    DARK = "slate"


@dataclass(frozen=True)
class Shot:
    kind: str
    page: str  # path of the HTML page inside the site
    width: int
    scheme: Scheme
    file: Path
    scroll_width: int  # document width the page lays out to; > width means sideways scrolling

    @property
    def overflows(self) -> bool:
        return self.scroll_width > self.width


def page_kinds(site: Path) -> dict[str, str]:
    """One page of each kind, as paths inside the built site (the first actor and source page by name)."""

    def first(folder: str) -> str:
        pages = sorted(p.parent.name for p in (site / folder).glob("*/index.html"))
        return f"{folder}/{pages[0]}/index.html" if pages else f"{folder}/index.html"

    return {
        "home": "index.html",
        "actors": "actors/index.html",
        "actor": first("actors"),
        "timeline": "timeline/index.html",
        "positions": "positions/index.html",
        "claims": "claims/index.html",
        "sources": "sources/index.html",
        "source": first("sources"),
        "about": "about/index.html",
    }


def chromium_path() -> str | None:
    """The system Chromium ($CHROMIUM, else Debian's), or None when it is not there."""
    candidates = (os.environ["CHROMIUM"],) if os.environ.get("CHROMIUM") else CHROMIUM_CANDIDATES
    return next((p for p in candidates if shutil.which(p)), None)


def _browser_missing(where: Path, message: str, hint: str) -> DiagnosticError:
    return DiagnosticError([error(Where(where), Code.BROWSER_MISSING, message, hint)])


def _playwright(where: Path) -> Callable[[], contextlib.AbstractContextManager[Playwright]]:
    """Playwright's entry point; a DiagnosticError located at `where` when it is not installed."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise _browser_missing(
            where,
            "`factsheet screenshots` needs Playwright, which only factsheet's test extra installs",
            "install the test extra: `make install` in a clone of the repository, or pip install 'factsheet[test]'",
        ) from None
    return sync_playwright


@contextlib.contextmanager
def launch(where: Path = Path(".")) -> Iterator[Browser]:
    """A headless Playwright Browser on the system Chromium; DiagnosticError, located at `where`, when
    either is missing."""
    sync_playwright = _playwright(where)
    executable = chromium_path()
    if executable is None:
        raise _browser_missing(
            where,
            "`factsheet screenshots` needs Chromium, and it is not installed",
            "install Debian's chromium, or set CHROMIUM=/path/to/chrome",
        )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """The site over HTTP on 127.0.0.1 (a free port), for as long as the block runs; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextlib.contextmanager
def viewer(browser: Browser, width: int, scheme: Scheme) -> Iterator[Page]:
    """A browser tab `width` CSS pixels wide that prefers the given colour scheme."""
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        color_scheme="dark" if scheme is Scheme.DARK else "light",
        reduced_motion="reduce",
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def visit(tab: Page, url: str, scheme: Scheme) -> None:
    """Load `url` in the tab and show it in the given scheme."""
    tab.goto(url, wait_until="load")
    # Material picks the scheme from the media query on first load; set it outright so both are certain.
    tab.evaluate("s => document.body.setAttribute('data-md-color-scheme', s)", scheme.value)


def take(
    browser: Browser,
    base_url: str,
    pages: dict[str, str],
    out_dir: Path,
    widths: tuple[int, ...] = WIDTHS,
    schemes: tuple[Scheme, ...] = (Scheme.LIGHT,),
    full_page: bool = True,
) -> list[Shot]:
    """PNGs `<kind>-<width>[-dark].png` in out_dir (the whole page, or the first screen), with each page's
    laid-out width."""
    out_dir.mkdir(parents=True, exist_ok=True)
    shots = []
    for scheme in schemes:
        for width in widths:
            with viewer(browser, width, scheme) as tab:
                for kind, path in pages.items():
                    visit(tab, base_url + path, scheme)
                    suffix = "-dark" if scheme is Scheme.DARK else ""
                    file = out_dir / f"{kind}-{width}{suffix}.png"
                    tab.screenshot(path=str(file), full_page=full_page)
                    scroll_width = tab.evaluate("document.documentElement.scrollWidth")
                    shots.append(Shot(kind, path, width, scheme, file, scroll_width))
    return sorted(shots, key=lambda s: (list(pages).index(s.kind), s.scheme.name, -s.width))


def screenshots(
    site: Path, out_dir: Path, schemes: tuple[Scheme, ...] = (Scheme.LIGHT,), *, full_page: bool = True
) -> list[Shot]:
    """Screenshots of one page of each kind of the built `site` at 1280 and 390 px."""
    _playwright(site)  # first: without it, building the site would not help
    if not (site / "index.html").is_file():
        raise DiagnosticError(
            [error(Where(site), Code.BUILD_FAILED, "no built site here", "run `factsheet build` first")]
        )
    with launch(site) as browser, serve(site) as base:
        return take(browser, base, page_kinds(site), out_dir, schemes=schemes, full_page=full_page)
