"""End to end: build the HTML site with MkDocs and check it as a reader's browser would see it."""

from __future__ import annotations

import json
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from generator.checks import quotes
from generator.pipeline import build

from .conftest import copy_tree


def parse_site(site: Path) -> dict[str, BeautifulSoup]:
    return {
        p.relative_to(site).as_posix(): BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser")
        for p in sorted(site.rglob("*.html"))
    }


def resolve(page: str, url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    path = unquote(parts.path)
    if not path:
        return page, parts.fragment
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
    if path.endswith("/") or not posixpath.splitext(target)[1]:
        target = posixpath.join(target, "index.html")
    return target, parts.fragment


@pytest.fixture(scope="module", params=["basic", "repo"])
def built_site(request, tmp_path_factory) -> tuple[dict[str, BeautifulSoup], Path]:
    project = copy_tree(request.param, tmp_path_factory.mktemp(request.param))
    _, site = build(project, strict=True)
    return parse_site(site), site


def test_every_page_kind_exists(built_site):
    pages, _ = built_site
    for page in [
        "index.html",
        "actors/index.html",
        "timeline/index.html",
        "positions/index.html",
        "claims/index.html",
        "sources/index.html",
    ]:
        assert page in pages, page
    assert any(p.startswith("actors/") and p != "actors/index.html" for p in pages)
    assert any(p.startswith("sources/") and p != "sources/index.html" for p in pages)


def broken_links(pages: dict, site: Path) -> tuple[list[str], int]:
    """Every internal link in the pages' articles that leads to no file, or to no such anchor; and how many
    links were checked."""
    ids = {name: {el["id"] for el in soup.find_all(id=True)} for name, soup in pages.items()}
    broken, checked = [], 0
    for name, soup in pages.items():
        for a in soup.select("article a[href]"):
            url = a["href"]
            if urlsplit(url).scheme or url.startswith("//"):
                continue
            target, fragment = resolve(name, url)
            if not (site / target).is_file():
                broken.append(f"{name}: broken link {url}")
            elif fragment and target in ids and fragment not in ids[target]:
                broken.append(f"{name}: link {url} has no anchor #{fragment}")
            checked += 1
    return broken, checked


def test_every_internal_link_and_anchor_resolves(built_site):
    broken, checked = broken_links(*built_site)
    assert broken == [] and checked > 20


def test_every_citation_lands_on_its_highlighted_quote(built_site):
    pages, _ = built_site
    landed = 0
    for name, soup in pages.items():
        for cited in soup.select("article span.fs-cited"):
            link = cited.find_next_sibling("a")
            quote = cited.get_text()  # the words exactly: quotation marks, where added, stand outside
            target, anchor = resolve(name, link["href"])
            source = pages[target]
            landing = source.find(id=anchor)
            assert landing is not None, f"{name}: no anchor {anchor} in {target}"
            # It lands on this quote alone: the one the landing outlines.
            assert [c for c in landing["class"] if c.startswith("fs-for-")] == [f"fs-for-{quotes.quote_id(quote)}"]
            qid = quotes.quote_id(quote)
            marks = source.select(f'mark.fs-quote[data-quote~="{qid}"]')
            assert marks, f"{anchor} in {target} is not highlighted"
            # Adjacent segments of one paragraph join directly; paragraphs join with a space.
            highlighted = " ".join(
                "".join(m.get_text() for m in para.select(f'mark.fs-quote[data-quote~="{qid}"]'))
                for para in source.select("p.fs-paragraph")
                if para.select_one(f'mark.fs-quote[data-quote~="{qid}"]')
            )
            assert quotes.fold_text(highlighted) == quotes.fold_text(quote)
            landed += 1
    assert landed >= 5


def mark_quotes(mark) -> list[str]:
    """The words a source mark's title gives: 'S2, <label>: “first” · “second”' (the label from its name)."""
    key, _, label = mark["aria-label"].partition(": ")
    label = label.removeprefix("the quotes in ").removeprefix("the quote in ")
    words = mark["title"].removeprefix(f"{key}, {label}: ")
    assert words != mark["title"] and words[0] == "“" and words[-1] == "”", mark["title"]
    return words[1:-1].split("” · “")


def test_source_marks_are_sorted_single_and_land_on_all_their_quotes(built_site):
    pages, _ = built_site
    checked = 0
    for name, soup in pages.items():
        for parent in {id(m.parent): m.parent for m in soup.select("article a.fs-mark")}.values():
            # A run of marks (marks with only spaces between them): one per source, in the sources' order.
            runs, run = [], []
            for node in parent.children:
                if getattr(node, "name", None) == "a" and "fs-mark" in node.get("class", []):
                    run.append(node)
                elif not (isinstance(node, str) and not node.strip()) and run:
                    runs.append(run)
                    run = []
            runs.append(run)
            for run in runs:
                keys = [int(m.get_text().removeprefix("S")) for m in run]
                assert keys == sorted(set(keys)), f"{name}: marks {keys}"
        for mark in soup.select("article a.fs-mark"):
            target, anchor = resolve(name, mark["href"])
            landing = pages[target].find(id=anchor)
            assert landing is not None, f"{name}: {mark['href']} lands nowhere"
            said = {quotes.quote_id(q) for q in mark_quotes(mark)}
            assert {c.removeprefix("fs-for-") for c in landing["class"] if c.startswith("fs-for-")} == said, name
            assert mark["aria-label"].startswith(f"{mark.get_text()}: the quote")
            assert not mark.select(".fs-sr"), "no hidden words for search to pick up"
            checked += 1
    assert checked > 5


def test_every_landing_links_back_to_a_place_that_cites_it(built_site):
    pages, _ = built_site
    followed = {resolve(name, a["href"]) for name, soup in pages.items() for a in soup.select("article a[href]")}
    checked = 0
    for name, soup in pages.items():
        for landing in soup.select("article .fs-from"):
            if (name, landing["id"]) not in followed:
                continue  # citations no page shows (a topic's, when it has no summary to show them with)
            (way_back,) = landing.select("a[href]")  # inside the landing: the next Tab after arriving
            back, fragment = resolve(name, way_back["href"])
            assert back in pages, f"{name}: {way_back['href']}"
            assert not fragment or pages[back].find(id=fragment), f"{name}: {way_back['href']} has no anchor"
            # The fact's page links to this landing, or to each of its quotes as cited by that fact (a mark that
            # stands for several quotes, e.g. on an actor's page, leads back to the fact's own place).
            cited_there = {resolve(back, a["href"]) for a in pages[back].select("article a[href]")}
            fact = landing["id"].partition("-by-")[2]
            quoted = [c.removeprefix("fs-for-") for c in landing["class"] if c.startswith("fs-for-")]
            each = {(name, f"{q}-by-{fact}") for q in quoted}
            assert (name, landing["id"]) in cited_there or each <= cited_there, f"{name}: {landing['id']}"
            checked += 1
    assert checked > 10


def test_source_page_links_back_to_citing_facts(built_site):
    pages, _ = built_site
    sources = [p for p in pages if p.startswith("sources/") and p != "sources/index.html"]
    backlinks = sum(len(pages[p].select("#cited-by + ul a")) for p in sources)
    assert backlinks > 0


def test_titles_are_text(built_site):
    pages, _ = built_site
    for name, soup in pages.items():
        assert soup.title is not None and "<" not in soup.title.get_text(), name


def jsonld(soup: BeautifulSoup) -> dict:
    (script,) = soup.select('script[type="application/ld+json"]')
    return json.loads(script.string)


def test_every_page_carries_schema_org_json_ld(built_site):
    pages, _ = built_site
    types = {}
    for name, soup in pages.items():
        if name == "404.html":
            continue
        data = jsonld(soup)
        assert data["@context"] == "https://schema.org", name
        types[name] = data["@type"]
    assert types["index.html"] == "Dataset"
    actor_types = {t for n, t in types.items() if n.startswith("actors/") and n != "actors/index.html"}
    assert actor_types <= {"Person", "Organization", "Country"} and "Person" in actor_types
    assert {t for n, t in types.items() if n.startswith("sources/") and n != "sources/index.html"} <= {
        "NewsArticle",
        "CreativeWork",
    }
    timeline = jsonld(pages["timeline/index.html"])
    assert {x["item"]["@type"] for x in timeline["itemListElement"]} == {"Event"}


def test_exports_are_published_and_linked_from_home(built_site):
    pages, site = built_site
    data = json.loads((site / "data" / "facts.json").read_text(encoding="utf-8"))
    assert data["version"]
    links = {a["href"] for a in pages["index.html"].select("article a[href]")}
    assert {"data/facts.json", "data/timeline.ics", "data/actors.csv"} <= links


def test_json_ld_cannot_break_out_of_its_script(tmp_path):
    project = copy_tree("basic", tmp_path / "hostile")
    actor = project.facts_dir / "actors" / "yuri-ushakov.yaml"
    name = "</script><script>alert(1)</script><!-- & -->"
    actor.write_text(
        actor.read_text(encoding="utf-8").replace('name: "Yuri Ushakov"', f"name: {json.dumps(name)}"),
        encoding="utf-8",
    )
    _, site = build(project, strict=True)
    html = (site / "actors" / "yuri-ushakov" / "index.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert not [
        s for s in soup.find_all("script") if "alert(1)" in (s.string or "") and s.get("type") != "application/ld+json"
    ]
    assert jsonld(soup)["name"] == name
    assert soup.find("h1").get_text().removesuffix("¶").strip() == name


def test_a_bar_in_a_claims_answer_stays_in_its_table_cell(tmp_path):
    # Unescaped, `|` ends the cell: the row's cells shift and its Sources column is lost, without any error.
    project = copy_tree("basic", tmp_path / "bars")
    claim = project.facts_dir / "claims" / "russian-troops-near-ukraine.yaml"
    answer = "At least | 100,000 | soldiers"
    claim.write_text(claim.read_text(encoding="utf-8").replace('"At least 100,000"', f'"{answer}"'), encoding="utf-8")
    _, site = build(project, strict=True)
    page = BeautifulSoup((site / "claims" / "index.html").read_text(encoding="utf-8"), "html.parser")
    table = page.find(id="russian-troops-near-ukraine").find_next("table")
    header = [th.get_text(strip=True) for th in table.select("thead th")]
    rows = {tr.find("td").get_text(strip=True): tr.find_all("td") for tr in table.select("tbody tr")}
    assert header[-1] == "Sources"
    assert answer in rows, list(rows)
    assert len(rows[answer]) == len(header)
    assert rows[answer][-1].find("a", href=True), "the Sources cell links to the sources"
