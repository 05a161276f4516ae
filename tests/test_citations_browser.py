"""Following a citation, in Chromium, as a reader does: on every source page, each link to it (a quote's
link, a source mark, the page's own "Cited by" list) outlines all the fragments of the quotes it stands
for, however quotes overlap, and nothing else; the article's other cited passages fade; the outline has
3:1 contrast or more against the page; a fact's link shows the way back. In the site (light and dark),
the offline zip (file://) and the single file (no script)."""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag

from generator.checks import quotes
from generator.pipeline import build, bundle
from generator.site import screenshots
from generator.site.bundle import ZIP_FOLDER

from .browser import artifact, browser
from .conftest import copy_tree
from .test_site import mark_quotes, parse_site, resolve

# For each fragment in turn: follow it, and report which marks of the page show as the target, which of
# the article's marks keep their tint, the colours around the target's outline, where the link landed and
# which ways back show. One call per page: the test spends its time in the browser, not in round trips.
FOLLOW = """
(ids) => {
  const style = (el) => getComputedStyle(el);
  const ground = (el) => {  // the first colour behind `el` that is not transparent
    for (let e = el.parentElement; e; e = e.parentElement) {
      const bg = style(e).backgroundColor;
      if (bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent') return bg;
    }
    return style(document.documentElement).backgroundColor;
  };
  const marks = [...document.querySelectorAll('mark.fs-quote')];
  return ids.map((id) => {
    location.hash = '#' + id;
    const landed = document.getElementById(id);
    const article = landed.closest('.fs-article');
    const box = landed.getBoundingClientRect();
    const hit = [], tinted = [], inside = [], lines = [];
    marks.forEach((m, i) => {
      const s = style(m);
      if (article.contains(m)) {
        inside.push(i);
        if (s.backgroundColor !== 'rgba(0, 0, 0, 0)') tinted.push(i);
      }
      if (s.boxShadow !== 'none') {
        hit.push(i);
        lines.push([s.boxShadow, s.backgroundColor, ground(m)]);
      }
    });
    const near = landed.parentElement.querySelectorAll('.fs-from');  // the other ways back from here
    return {
      hit, tinted, inside, lines,
      shown: style(landed).display !== 'none' && box.height > 0,
      top: box.top,
      height: innerHeight,
      backs: [...near].filter((a) => style(a).display !== 'none').map((a) => a.id),
    };
  });
}
"""

QUOTED = re.compile(r"[qg]-[0-9a-f]{10}(?:-by-|$)")  # where links to quotes land: quote anchors and landings
RGB = re.compile(r"rgba?\(([\d.]+), ([\d.]+), ([\d.]+)(?:, ([\d.]+))?\)")


def rgb(css: str) -> tuple[float, float, float, float]:
    m = RGB.search(css)
    assert m, css
    r, g, b, a = m.groups()
    return float(r), float(g), float(b), float(a) if a is not None else 1.0


def contrast(a: str, b: str) -> float:
    def luminance(css: str) -> float:
        def channel(c: float) -> float:
            c /= 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b_, _ = rgb(css)
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b_)

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def said(link: Tag) -> set[str]:
    """The quotes a link to a source page stands for, from what the citing page shows, not from the source
    page: a mark's title, the quote beside a link, or the quote that is the link's text ("Cited by")."""
    if "fs-mark" in link.get("class", []):
        return {quotes.quote_id(q) for q in mark_quotes(link)}
    cited = link.find_previous_sibling("span", class_="fs-cited") or link.find("span", class_="fs-quoted")
    assert cited, f"a link to a quote of unknown kind: {link}"
    return {quotes.quote_id(cited.get_text())}


def followed(pages: dict[str, BeautifulSoup], source_page: str, fragment_of) -> dict[str, set[str]]:
    """Every fragment of `source_page` that some link leads to, with the quotes those links stand for."""
    found: dict[str, set[str]] = {}
    for name, soup in pages.items():
        for a in soup.select("a[href]"):
            target = fragment_of(name, a["href"])
            if target is None or target[0] != source_page or not QUOTED.match(target[1]):
                continue  # not a link to a quote (a page, a heading, a paragraph)
            quoted = said(a)
            assert found.setdefault(target[1], quoted) == quoted, f"{name}: {a['href']} stands for other quotes"
    return found


def check_landings(marks: list[set[str]], results: list[dict], fragments: dict[str, set[str]], where: str) -> int:
    """`marks`: the quotes each mark of the page belongs to, in document order."""
    for (fragment, quoted), result in zip(fragments.items(), results, strict=True):
        at = f"{where}#{fragment}"
        meant = [i for i in result["inside"] if quoted & marks[i]]
        assert meant, f"{at}: no highlighted passage of {quoted}"
        assert result["hit"] == meant, f"{at}: outlined {[marks[i] for i in result['hit']]}, meant {quoted}"
        for shadow, background, ground in result["lines"]:
            line = shadow[: shadow.index(")") + 1]
            assert contrast(line, ground) >= 3 and contrast(line, background) >= 3, f"{at}: {line} on {ground}"
        assert result["tinted"] == meant, f"{at}: the other cited passages keep their tint"
        assert result["shown"], f"{at}: the place it lands is not shown"
        assert -2 < result["top"] < result["height"] / 2, f"{at}: lands at {result['top']}px"
        assert result["backs"] == ([fragment] if "-by-" in fragment else []), f"{at}: ways back {result['backs']}"
    return len(results)


def follow(tab, fragments: dict[str, set[str]], where: str) -> int:
    marks = [set(q.split()) for q in tab.eval_on_selector_all("mark.fs-quote", "ms => ms.map(m => m.dataset.quote)")]
    return check_landings(marks, tab.evaluate(FOLLOW, list(fragments)), fragments, where)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> tuple[Path, Path, Path]:
    """The repository's fact sheet as a site, an unzipped offline copy and a single file."""
    project = copy_tree("repo", tmp_path_factory.mktemp("repo"))
    _, site = build(project, strict=True)
    _, bundles = bundle(project, strict=True)
    unzipped = tmp_path_factory.mktemp("unzipped")
    with zipfile.ZipFile(bundles.offline_zip.path) as z:
        z.extractall(unzipped)
    return site, unzipped / ZIP_FOLDER, bundles.single_html.path


def site_fragment(page: str, href: str) -> tuple[str, str] | None:
    if urlsplit(href).scheme:
        return None
    return resolve(page, href)


def zip_fragment(page: str, href: str) -> tuple[str, str] | None:
    parts = urlsplit(href)
    if parts.scheme:
        return None
    path = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path))) if parts.path else page
    return path, parts.fragment


def test_every_link_to_a_source_outlines_its_whole_quote_in_the_site(outputs):
    site, _, _ = outputs
    pages = parse_site(site)
    sources = sorted(n for n in pages if re.fullmatch(r"sources/[a-z0-9-]+/index\.html", n))
    assert len(sources) >= 5
    checked = 0
    with browser() as b, screenshots.serve(site) as base:
        for colours in (screenshots.Scheme.LIGHT, screenshots.Scheme.DARK):
            with screenshots.viewer(b, 1280, colours) as tab:
                # Every page in the light scheme; in the dark one, a page is enough to check the colours.
                for source in sources if colours is screenshots.Scheme.LIGHT else sources[:1]:
                    fragments = followed(pages, source, site_fragment)
                    assert fragments, f"no link leads into {source}"
                    screenshots.visit(tab, base + source, colours)
                    checked += follow(tab, fragments, source)
                # Arriving by a link, the next Tab is the way back.
                landing = next(f for f in fragments if f.startswith("g-"))
                tab.goto(f"{base}{source}#{landing}")
                tab.keyboard.press("Tab")
                assert tab.evaluate("() => document.activeElement.parentElement.id") == landing
                tab.screenshot(path=str(artifact(f"citation-followed-{colours.name.lower()}.png")))
    assert checked > 300


def test_every_link_to_a_source_outlines_its_whole_quote_offline_and_in_the_single_file(outputs):
    _, offline, single = outputs
    pages = {
        p.relative_to(offline).as_posix(): BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser")
        for p in offline.rglob("*.html")
    }
    doc = BeautifulSoup(single.read_text(encoding="utf-8"), "html.parser")
    with browser() as b:
        # The zip under file://: one article is enough to show that the same pages work there.
        context = b.new_context(viewport={"width": 1280, "height": 900})
        tab = context.new_page()
        source = "sources/courier-second-call-50-minutes.html"
        tab.goto((offline / source).as_uri())
        checked = follow(tab, followed(pages, source, zip_fragment), f"zip {source}")
        context.close()

        # The single file: no script, every page a section; links are '#<section>--<id>'.
        context = b.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
        tab = context.new_page()
        tab.goto(single.as_uri())
        fragments: dict[str, set[str]] = {}
        for a in doc.select('a[href^="#sources-"]'):
            if QUOTED.match(a["href"][1:].partition("--")[2]):
                quoted = said(a)
                assert fragments.setdefault(a["href"][1:], quoted) == quoted, a["href"]
        # The page runs no script; the test's own evaluation still does (Playwright's isolated world).
        checked += follow(tab, fragments, "single file")
        tab.screenshot(path=str(artifact("citation-followed-single.png")))
        context.close()
    assert checked > 400
