"""Offline bundles: the zipped file:// site and the single HTML file, checked as files and in Chromium."""

from __future__ import annotations

import io
import posixpath
import re
import subprocess
import unicodedata
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from generator.commands.cli import main
from generator.diagnostics import Code, DiagnosticError
from generator.pipeline import bundle, check
from generator.site.bundle import (
    OFFLINE_ZIP,
    SINGLE_HTML,
    ZIP_FOLDER,
    Edition,
    edition,
    reading_order,
    relink,
    section_id,
    title_block,
    zip_folder,
    zip_timestamp,
)
from generator.site.publish import source_date_epoch

from .browser import artifact, browser
from .conftest import copy_tree

# Elements and attributes through which a page makes the browser load something.
RESOURCE_ATTRIBUTES = {
    "script": "src",
    "img": "src",
    "iframe": "src",
    "audio": "src",
    "video": "src",
    "source": "src",
    "track": "src",
    "embed": "src",
    "input": "src",
    "link": "href",
    "object": "data",
}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")


def is_remote(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https", "ftp", "ws", "wss") or url.strip().startswith("//")


def remote_resources(soup: BeautifulSoup) -> list[str]:
    """Every URL a page would fetch from elsewhere: resources, not plain links."""
    found = [
        el[attr]
        for tag, attr in RESOURCE_ATTRIBUTES.items()
        for el in soup.find_all(tag)
        if is_remote(el.get(attr, ""))
    ]
    found += [url for el in soup.find_all(srcset=True) for url in el["srcset"].split() if is_remote(url)]
    css = [el.get_text() for el in soup.find_all("style")] + [el["style"] for el in soup.find_all(style=True)]
    return found + [url for text in css for m in CSS_URL.finditer(text) for url in m.groups() if url and is_remote(url)]


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    project = copy_tree("repo", tmp_path_factory.mktemp("repo"))
    _, bundles = bundle(project, strict=True)
    return project, bundles


@pytest.fixture(scope="module")
def offline_site(bundled, tmp_path_factory) -> Path:
    """The zip unpacked as a reader would: one folder, index.html inside."""
    _, bundles = bundled
    dest = tmp_path_factory.mktemp("unzipped")
    with zipfile.ZipFile(bundles.offline_zip.path) as z:
        z.extractall(dest)
    return dest / ZIP_FOLDER


@pytest.fixture(scope="module")
def single(bundled) -> BeautifulSoup:
    _, bundles = bundled
    return BeautifulSoup(bundles.single_html.path.read_text(encoding="utf-8"), "html.parser")


# --- Reproducible and sensible ---------------------------------------------------------------------------


def test_same_input_gives_byte_identical_bundles(bundled, tmp_path):
    # Another folder and another run: nothing of either may leak into the artifacts.
    _, first = bundled
    _, second = bundle(copy_tree("repo", tmp_path / "elsewhere"), strict=True)
    assert second.offline_zip.path.read_bytes() == first.offline_zip.path.read_bytes()
    assert second.single_html.path.read_bytes() == first.single_html.path.read_bytes()


def test_sizes_are_reported_and_sensible(bundled):
    _, bundles = bundled
    for a in (bundles.offline_zip, bundles.single_html):
        assert a.size == a.path.stat().st_size
        assert 50_000 < a.size < 3_000_000, (a.path.name, a.size)


def test_zip_entries_are_sorted_pinned_and_readable(bundled):
    _, bundles = bundled
    with zipfile.ZipFile(bundles.offline_zip.path) as z:
        assert z.testzip() is None
        infos = z.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert all(n.startswith(f"{ZIP_FOLDER}/") for n in names)
    assert f"{ZIP_FOLDER}/index.html" in names and f"{ZIP_FOLDER}/search/search_index.js" in names
    assert not [n for n in names if n.endswith((".map", "sitemap.xml", "sitemap.xml.gz", "/404.html"))]
    # Outside git and without SOURCE_DATE_EPOCH, the build is dated by its newest source (31 Dec 2021).
    assert {i.date_time for i in infos} == {(2021, 12, 31, 0, 0, 0)}
    assert {(i.external_attr >> 16) & 0o7777 for i in infos} == {0o644}


def test_zip_timestamp_follows_source_date_epoch(monkeypatch, tmp_path, basic):
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.txt").write_text("a")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1640822400")  # 2021-12-30 00:00 UTC
    stamp = zip_timestamp(source_date_epoch(basic, check(basic).facts))
    assert stamp == (2021, 12, 30, 0, 0, 0)
    with zipfile.ZipFile(io.BytesIO(zip_folder(folder, "x", stamp))) as z:
        assert [(i.filename, i.date_time) for i in z.infolist()] == [("x/a.txt", stamp)]
    assert zip_timestamp(0) == (1980, 1, 1, 0, 0, 0)  # before zip's epoch: clamped
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(DiagnosticError) as err:
        source_date_epoch(basic, check(basic).facts)
    assert err.value.diagnostics[0].code is Code.INVALID_VALUE


# --- The zipped site --------------------------------------------------------------------------------------


def test_offline_site_loads_nothing_from_elsewhere(offline_site):
    pages = sorted(offline_site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        assert remote_resources(soup) == [], page
        # Plain links to the web only inside the article (its text and the sources' metadata).
        outside = [
            a["href"] for a in soup.find_all("a", href=True) if is_remote(a["href"]) and not a.find_parent("article")
        ]
        assert outside == [], page
        assert "fonts.g" not in str(soup.head)
    for css in offline_site.rglob("*.css"):
        urls = [u for m in CSS_URL.finditer(css.read_text(encoding="utf-8")) for u in m.groups() if u]
        assert not [u for u in urls if is_remote(u)], css


def test_offline_links_are_relative_html_files(offline_site):
    checked = 0
    for page in sorted(offline_site.rglob("*.html")):
        rel = page.relative_to(offline_site).as_posix()
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for a in soup.select("a[href]"):
            parts = urlsplit(a["href"])
            if parts.scheme or a["href"].startswith("//") or not parts.path:
                continue
            assert not parts.path.startswith("/"), f"{rel}: absolute link {a['href']}"
            target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), unquote(parts.path)))
            # A page must be an .html file; the data exports (data/facts.json, ...) open as they are.
            assert parts.path.endswith(".html") or target.startswith("data/"), f"{rel}: {a['href']} needs a web server"
            assert (offline_site / target).is_file(), f"{rel}: broken link {a['href']}"
            checked += 1
    assert checked > 100
    assert (offline_site / "search" / "search_index.js").read_text(encoding="utf-8").startswith("var __index")


# --- The single file --------------------------------------------------------------------------------------


def test_single_file_has_every_page_as_a_section(bundled, single):
    project, _ = bundled
    ids = [s["id"] for s in single.select("main > section")]
    for part in ["home", "actors", "timeline", "positions", "claims", "sources"]:
        assert part in ids
    pages = [p.relative_to(project.docs_dir).as_posix() for p in sorted(project.docs_dir.rglob("*.md"))]
    assert len(pages) > 40
    assert sorted(ids) == sorted(section_id(p) for p in pages)
    # The order a reader needs: overview, timeline, disagreements, positions (with the topics), actors, sources.
    parts = [i for i in ids if "-" not in i]
    assert parts[:6] == ["home", "timeline", "claims", "positions", "actors", "sources"]  # then the About page
    assert ids.index("positions") < ids.index("topics-sanctions") < ids.index("actors")
    assert ids.index("actors") < ids.index("actors-joe-biden") < ids.index("sources")
    contents = [a["href"] for a in single.select("nav#contents a")]
    assert contents == [f"#{i}" for i in ids]


def test_single_file_opens_on_a_title_block_with_nothing_folded(single):
    block = single.select_one("body > header.fs-title-block")
    assert block is not None and block.find_next_sibling("nav")["id"] == "contents"
    assert block.h1.get_text() == "The Biden–Putin call of 30 December 2021: a fact sheet"
    # Outside git and without SOURCE_DATE_EPOCH: dated by the newest source, and no commit to name.
    assert block.time["datetime"] == "2021-12-31" and "31 December 2021" in block.get_text()
    assert "commit" not in block.get_text()
    folded = single.find_all("details")
    assert folded and all(d.has_attr("open") for d in folded)  # the timeline's quotes, the other actors


def test_edition_names_the_commit_and_uncommitted_changes(basic):
    assert edition(basic, 0) == Edition(0)  # not a git checkout
    git = ["git", "-C", str(basic.root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "facts"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    assert edition(basic, 1640908800) == Edition(1640908800, head, changed=False)
    block = "".join(title_block("T", "D", edition(basic, 1640908800)))
    assert f"<code>{head[:12]}</code>" in block and '<time datetime="2021-12-31">31 December 2021</time>' in block
    (basic.facts_dir / "actors" / "joe-biden.yaml").write_text("changed\n")
    assert edition(basic, 0).changed
    assert "changes not yet committed" in "".join(title_block("T", "D", edition(basic, 0)))


def test_single_file_links_stay_inside_and_land(single):
    ids = [el["id"] for el in single.find_all(id=True)]
    assert len(ids) == len(set(ids)), "ids must stay unique once the pages are joined"
    known = set(ids)
    checked = 0
    for a in single.find_all("a", href=True):
        href = a["href"]
        if is_remote(href):
            assert a.find_parent("section"), href  # an article's address, in the text
            continue
        assert href.startswith("#"), f"link out of the file: {href}"
        assert href[1:] in known, f"{href} lands nowhere"
        checked += 1
    assert checked > 500


def test_single_file_carries_the_articles_with_highlighted_quotes(single):
    # Per source section: where links land in it (quote anchors, and each fact's landings), and the quotes
    # its highlighted passages belong to.
    anchors, highlighted = {}, {}
    for source in single.select('section[id^="sources-"]'):
        anchors[source["id"]] = {el["id"] for el in source.select("a.fs-anchor[id], .fs-from[id]")}
        highlighted[source["id"]] = {q for m in source.select("mark.fs-quote") for q in m["data-quote"].split()}
    landed = 0
    for cited in single.select("span.fs-cited"):
        href = cited.find_next_sibling("a")["href"]
        section, _, anchor = href[1:].partition("--")
        quote, _, fact = anchor.partition("-by-")  # the landing of one fact's link to one quote
        assert section.startswith("sources-") and quote.startswith("q-") and fact
        assert href[1:] in anchors[section] and quote in highlighted[section], href
        landed += 1
    assert landed > 50
    for source in single.select('section[id^="sources-"]'):
        assert source.select("p.fs-paragraph")


def test_single_file_is_self_contained_and_printable(single):
    assert single.find("script") is None
    assert remote_resources(single) == []
    assert not single.find_all(["link", "img", "iframe", "object", "embed"])
    csp = single.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert csp and "default-src 'none'" in csp["content"]
    style = single.find("style").get_text()
    assert "@media print" in style and "mark.fs-quote" in style


def test_relink_prefixes_ids_and_points_links_into_the_file():
    pages = {"index.md": "", "actors/index.md": "", "actors/joe-biden.md": "", "sources/s.md": ""}
    body = (
        '<h2 id="roles">Roles &amp; titles &#8212;</h2><p><a href="../sources/s.md#q-abc">S1</a> '
        '<a href="index.md">all</a> <a href="#roles">up</a> <a href="https://example.org/a?b=1&amp;c=2">web</a>'
        '<br /><a href="../nowhere.md">x</a></p><!-- kept -->'
    )
    out, broken = relink("actors/joe-biden.md", body, pages)
    assert out == (
        '<h2 id="actors-joe-biden--roles">Roles &amp; titles &#8212;</h2><p><a href="#sources-s--q-abc">S1</a> '
        '<a href="#actors">all</a> <a href="#actors-joe-biden--roles">up</a> '
        '<a href="https://example.org/a?b=1&amp;c=2">web</a><br /><a href="../nowhere.md">x</a></p><!-- kept -->'
    )
    assert broken == ["../nowhere.md"]


def test_reading_order_puts_the_parts_in_a_readers_order_each_folder_after_its_part():
    names = ["index.md", "actors/index.md", "actors/b.md", "actors/a.md", "timeline.md", "positions.md"]
    pages = dict.fromkeys([*names, "topics/x.md", "topics/y.md", "guide/index.md", "guide/g.md", "extra.md"], "")
    nav = [{"Home": "index.md"}, {"People": "actors/index.md"}, {"Guide": "guide/index.md"}, {"Time": "timeline.md"}]
    titles = {"topics/x.md": "Zeal", "topics/y.md": "apples"}
    assert reading_order(pages, nav, titles) == [
        ("index.md", "Home", 0),
        ("timeline.md", "Time", 0),
        ("positions.md", None, 0),
        ("topics/y.md", None, 1),  # by title, whatever the case
        ("topics/x.md", None, 1),
        ("actors/index.md", "People", 0),
        ("actors/a.md", None, 1),
        ("actors/b.md", None, 1),
        ("guide/index.md", "Guide", 0),  # pages of the nav that are not parts: in the nav's order
        ("guide/g.md", None, 1),
        ("extra.md", None, 0),
    ]
    assert [section_id(p) for p, _, _ in reading_order(pages, nav)][:3] == ["home", "timeline", "positions"]


def test_hostile_fact_text_stays_text_in_both_bundles(basic):
    hostile = '<script>alert(1)</script> <img src="https://example.org/x.png"> [x](https://example.org) {: #top }'
    fact = basic.facts_dir / "actors" / "joe-biden.yaml"
    fact.write_text(fact.read_text().replace("President of the United States.", hostile.replace('"', '\\"'), 1))
    _, bundles = bundle(basic, strict=True)
    single = BeautifulSoup(bundles.single_html.path.read_text(encoding="utf-8"), "html.parser")
    assert hostile in single.find("section", id="actors-joe-biden").get_text()
    assert single.find("script") is None and single.find("img") is None
    with zipfile.ZipFile(bundles.offline_zip.path) as z:
        page = BeautifulSoup(z.read(f"{ZIP_FOLDER}/actors/joe-biden.html").decode(), "html.parser")
    article = page.find("article")
    assert hostile in article.get_text() and article.find("script") is None and article.find("img") is None


def test_offline_build_drops_settings_that_call_out(basic):
    # Settings an editor may add to mkdocs.yml for the web site must not make the offline copy call out.
    config = basic.root / "mkdocs.yml"
    text = config.read_text().replace("    - navigation.top\n", "    - navigation.top\n    - navigation.instant\n")
    text += "repo_url: https://example.org/factsheet\nsite_url: https://example.org/\n"
    text += "extra:\n  analytics:\n    provider: google\n    property: G-TEST\n"
    config.write_text(text)
    _, bundles = bundle(basic, strict=True)
    with zipfile.ZipFile(bundles.offline_zip.path) as z:
        page = z.read(f"{ZIP_FOLDER}/index.html").decode()
    assert "navigation.instant" not in page and "G-TEST" not in page and "example.org" not in page
    assert remote_resources(BeautifulSoup(page, "html.parser")) == []


def test_broken_link_in_a_page_is_reported(basic, monkeypatch):
    from generator import pipeline

    real_render = pipeline.render

    def render_with_broken_link(project, **options):
        result, rendered = real_render(project, **options)
        pages = dict(rendered)
        pages["timeline.md"] += "\n[gone](missing.md)\n"
        return result, pages

    monkeypatch.setattr(pipeline, "render", render_with_broken_link)
    with pytest.raises(DiagnosticError) as err:
        bundle(basic)
    assert [d.code for d in err.value.diagnostics] == [Code.BROKEN_LINK]
    assert "missing.md" in err.value.diagnostics[0].message
    assert not (basic.dist_dir / SINGLE_HTML).exists()


def test_cli_bundle_reports_sizes_and_keeps_old_artifacts_on_failure(basic, capsys):
    assert main(["--root", str(basic.root), "bundle"]) == 0
    out = capsys.readouterr().out
    assert "factsheet-offline.zip (" in out and "factsheet.html (" in out and "KiB)" in out
    before = {p.name: p.read_bytes() for p in basic.dist_dir.iterdir()}
    (basic.facts_dir / "actors" / "joe-biden.yaml").write_text("id: joe-biden\nname: [\n")
    assert main(["--root", str(basic.root), "bundle"]) == 1
    assert "yaml-syntax" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in basic.dist_dir.iterdir()} == before


# --- In a real browser, from file:// ---------------------------------------------------------------------


def record_requests(context) -> list[str]:
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    return requests


def test_offline_site_in_chromium(offline_site):
    with browser() as b:
        context = b.new_context(viewport={"width": 1280, "height": 900})
        requests = record_requests(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((offline_site / "index.html").as_uri())
        assert page.locator("article h1").first.is_visible()
        page.screenshot(path=artifact("offline-home.png"))

        page.locator("article a[href='actors/index.html']").first.click()
        page.wait_for_url("**/actors/index.html")
        page.locator("article table a").first.click()
        page.wait_for_url(re.compile(r"/actors/[a-z0-9-]+\.html$"))
        assert page.locator("article h1").first.is_visible()

        page.locator("a.md-tabs__link", has_text="Timeline").click()
        page.wait_for_url("**/timeline.html")
        page.locator("article details.fs-quotes > summary").first.click()  # an event's quotes, folded
        page.locator("article a[href*='sources/']").first.click()
        page.wait_for_url(re.compile(r"/sources/[a-z0-9-]+\.html#q-[a-z0-9-]+$"))
        assert page.locator("mark.fs-quote").first.is_visible()
        page.screenshot(path=artifact("offline-source.png"))

        # Search under file://: the index comes as a script, the worker runs in an iframe.
        page.wait_for_function("typeof __index !== 'undefined'")
        page.locator("input.md-search__input").click()
        page.locator("input.md-search__input").press_sequentially("sanctions", delay=20)
        results = page.locator(".md-search-result__item")
        results.first.wait_for(timeout=10_000)
        assert results.count() > 0
        page.screenshot(path=artifact("offline-search.png"))
        context.close()
    assert errors == []
    assert requests and all(url.startswith("file://") for url in requests), sorted(set(requests))


def test_single_file_in_chromium_without_javascript(bundled):
    _, bundles = bundled
    with browser() as b:
        context = b.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
        requests = record_requests(context)
        page = context.new_page()
        page.goto(bundles.single_html.path.as_uri())
        for part in ["home", "actors", "timeline", "positions", "claims", "sources"]:
            assert page.locator(f"main > section#{part} h1").count() == 1, part
        page.screenshot(path=artifact("single-top.png"))

        def lands(link_selector: str) -> str:
            link = page.locator(link_selector).first
            href = link.get_attribute("href")
            link.click()
            page.wait_for_function("h => location.hash === h", arg=href)
            top = page.evaluate("h => document.getElementById(h.slice(1)).getBoundingClientRect().top", href)
            assert -2 < top < 120, (href, top)
            return href

        lands("nav#contents a[href='#timeline']")
        href = lands("section#claims span.fs-cited + a")
        assert page.locator(f"[id='{href[1:]}']").is_visible()  # the way back, shown where the link lands
        page.screenshot(path=artifact("single-citation.png"))
        page.emulate_media(media="print")
        page.goto(bundles.single_html.path.as_uri())
        page.screenshot(path=artifact("single-print.png"))
        context.close()
    assert requests and all(url.startswith("file://") for url in requests), sorted(set(requests))


def test_single_file_does_not_scroll_sideways_on_a_phone(bundled):
    _, bundles = bundled
    with browser() as b:
        context = b.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(bundles.single_html.path.as_uri())
        width = page.evaluate("document.documentElement.scrollWidth")
        page.evaluate("window.scrollTo(10000, 0)")
        assert (width, page.evaluate("window.scrollX")) == (390, 0)
        context.close()


def words(text: str) -> str:
    """Text as a PDF reader gives it back, compared without spaces, line breaks or ligatures."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def test_printed_single_file_keeps_every_timeline_quote_and_matrix_stance(bundled, single, tmp_path):
    """Printed (Chromium's PDF), nothing is folded away or cut off at the page's edge: each quote of every
    event and each position's stance is on paper as many times as in the file (the timeline's quotes in
    their folded blocks; the positions table, other actors' too, besides the topic and actor pages)."""
    from pypdf import PdfReader

    project, bundles = bundled
    facts = check(project).facts
    quotes = {c.quote for e in facts.events.values() for c in e.citations}
    stances = {p.stance for p in facts.positions.values()}
    pdf = tmp_path / "factsheet.pdf"
    with browser() as b:
        context = b.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(bundles.single_html.path.as_uri())
        page.pdf(path=str(pdf), format="A4")
        context.close()
    printed = PdfReader(pdf)
    on_paper = words("".join(p.extract_text() for p in printed.pages))
    for hidden in single.select(".fs-sr"):
        hidden.decompose()  # words for screen readers only
    on_screen = words(single.body.get_text())
    table = words("".join(t.get_text() for t in single.select("section#positions table.fs-matrix")))
    assert len(quotes) > 20 and sum(words(s) in table for s in stances) > 20  # the table's are counted too
    counts = {t[:60]: (on_screen.count(words(t)), on_paper.count(words(t))) for t in sorted(quotes | stances)}
    assert all(n > 0 for n, _ in counts.values())
    assert {t: n for t, n in counts.items() if n[0] != n[1]} == {}
    # The title block opens the document; the margins keep the text off the paper's edge.
    assert words("The Biden–Putin call of 30 December 2021: a fact sheet") in words(printed.pages[0].extract_text())
    left: list[float] = []

    def place(text, cm, tm, *_):
        if text.strip():
            left.append(tm[4] * cm[0] + cm[4])  # where the text starts on the page, in points

    printed.pages[1].extract_text(visitor_text=place)
    assert left and min(left) > 36  # points from the paper's left edge: @page's 15 mm (42.5 pt), not 0


def test_a_link_planted_in_dist_is_not_written_through(basic, tmp_path):
    """A repository could ship dist/.factsheet.html.tmp (the name a bundle was written under first) as a
    link: the bundle written through it would overwrite whatever file it points to."""
    outside = tmp_path / "outside.txt"
    outside.write_text("mine")
    basic.dist_dir.mkdir(parents=True, exist_ok=True)
    for name in (SINGLE_HTML, OFFLINE_ZIP):
        (basic.dist_dir / f".{name}.tmp").symlink_to(outside)
    _, bundles = bundle(basic, strict=True)
    assert outside.read_text() == "mine"
    assert zipfile.is_zipfile(bundles.offline_zip.path) and not bundles.offline_zip.path.is_symlink()
