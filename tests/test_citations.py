"""Where citations land on a source page: each fact's link to a quote, and each source mark, has a place of
its own there that outlines exactly its quotes and leads back to the fact."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from generator.cache import CACHE_DIR, read_record
from generator.checks import quotes
from generator.checks.convert import _GENERATED_ANCHOR
from generator.model import Citation
from generator.pages.citations import PLACES_RECORD, citation_lists, landing_anchor, landings, locate
from generator.pages.context import CitationView, build_pages, legend
from generator.pages.render import anchor
from generator.pipeline import check, render
from generator.project import Project

from .conftest import FIXTURES, REPO, copy_tree

Q1, Q2, Q3 = (quotes.quote_id(q) for q in ("first words", "second words", "third words"))


def fact(kind: str, fact_id: str) -> SimpleNamespace:
    return SimpleNamespace(KIND=kind, id=fact_id)


def test_a_landing_names_its_fact_and_quotes_and_is_a_safe_anchor_no_page_takes():
    one = landing_anchor(fact("position", "putin-warns"), [Q1])
    assert one == f"{Q1}-by-position-putin-warns"
    several = landing_anchor(fact("position", "putin-warns"), [Q2, Q1, Q2])
    assert several == landing_anchor(fact("position", "putin-warns"), [Q1, Q2])  # a set: order and repeats
    assert re.fullmatch(r"g-[0-9a-f]{10}-by-position-putin-warns", several)
    others = {
        landing_anchor(fact("position", "putin-warns"), [Q1, Q3]),
        landing_anchor(fact("event", "putin-warns"), [Q1, Q2]),
        landing_anchor(fact("position", "putin-warns"), [Q2]),
        one,
        several,
    }
    assert len(others) == 5
    for made in others:
        assert anchor(made) == made  # the renderer's check of ids
        assert not _GENERATED_ANCHOR.fullmatch(made)  # not a quote's, a paragraph's or a date's anchor


def test_citation_lists_are_the_runs_the_pages_show():
    cite = [Citation("s", "a")]
    actor = SimpleNamespace(
        citations=cite, aliases=[SimpleNamespace(citations=[Citation("s", "b")])], roles=[SimpleNamespace(citations=[])]
    )
    assert citation_lists(actor) == [cite, [Citation("s", "b")], []]
    claim = SimpleNamespace(
        citations=[Citation("s", "x"), Citation("t", "y")],
        answers=[SimpleNamespace(citations=[Citation("s", "x")]), SimpleNamespace(citations=[Citation("t", "y")])],
    )
    assert citation_lists(claim)[1:] == [[Citation("s", "x")], [Citation("t", "y")]]


@pytest.fixture(scope="module", params=["basic", "repo"])
def fact_base(request):
    # No cache: a check writes one into the project's folder, and the fixture must stay as it is in git.
    return check(Project.at(REPO if request.param == "repo" else FIXTURES / "basic"), cache=False).facts


def test_every_link_a_page_shows_lands_on_its_source_page(fact_base):
    """Every citation and source mark of every page leads to a landing of its source page that outlines
    exactly the quotes it stands for (the pages and the source pages agree without seeing each other)."""
    passages = locate(fact_base)
    placed = {
        (f"sources/{sid}.md", x.anchor): set(x.quotes)
        for sid in fact_base.sources
        for at in landings(sid, passages[sid]).values()
        for x in at
    }
    views: list[CitationView] = []
    for page in build_pages(fact_base):
        if page.path.startswith("sources/"):
            continue
        todo = [page.context]
        while todo:
            value = todo.pop()
            if isinstance(value, CitationView):
                views.append(value)
            elif isinstance(value, dict):
                todo.extend(value.values())
            elif isinstance(value, list | tuple):
                todo.extend(value)
    assert len(views) > 10
    for v in views:
        where = (v.target.page, v.target.anchor)
        assert placed.get(where) == {quotes.quote_id(v.quote)}, where
        mark = (v.mark_target.page, v.mark_target.anchor)
        assert placed.get(mark) == {quotes.quote_id(q) for q in v.mark_quotes}, mark
        assert quotes.quote_id(v.quote) in placed[mark]


def test_a_landing_stands_where_its_first_quote_begins(fact_base):
    passages = locate(fact_base)
    for sid, cited in passages.items():
        order = [p.anchor for p in cited]
        for first, at in landings(sid, cited).items():
            for x in at:
                assert x.quotes[0] == first and x.quotes == tuple(sorted(x.quotes, key=order.index))
                assert any(x.fact is f for p in cited if p.anchor in x.quotes for f in p.facts)


def test_the_legend_is_every_source_a_page_cites_once_in_the_sources_order():
    def view(key: str, order: int) -> CitationView:
        target = SimpleNamespace(page=f"sources/{key}.md", anchor=None)
        return CitationView(key, f"label {key}", "q", target, order, target, ("q",))  # type: ignore[arg-type]

    page = {"a": [view("S3", 2), {"b": (view("S1", 0),)}], "c": view("S3", 2), "d": "S2"}
    assert [(x["key"], x["label"], x["target"].page) for x in legend(page)] == [
        ("S1", "label S1", "sources/S1.md"),
        ("S3", "label S3", "sources/S3.md"),
    ]
    assert legend({"x": 1}) == []


def _places_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))  # the key that signs the record
    return copy_tree("basic", tmp_path / "basic")


def _searches(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The quotes `locate` searches an article for from now on."""
    searched: list[str] = []
    find = quotes.find

    def counted(source: quotes.Folded, quote: str) -> quotes.Match | None:
        searched.append(quote)
        return find(source, quote)

    monkeypatch.setattr(quotes, "find", counted)
    return searched


def test_quotes_are_located_again_only_in_an_edited_article(tmp_path, monkeypatch):
    project = _places_project(tmp_path, monkeypatch)
    _, first = render(project)
    assert (project.root / CACHE_DIR / PLACES_RECORD).is_file()
    searched = _searches(monkeypatch)
    assert render(project)[1] == first and searched == []  # every place remembered
    # A line before the quotes moves every quote of this article: the pages show the new places.
    seed = project.root / "seeds" / "courier-second-call-50-minutes.md"
    text = re.sub(r"original_sha256: .*\n", "", seed.read_text(encoding="utf-8"))  # the body is no longer it
    seed.write_text(text.replace("(credit: Casa Branca/AFP)", "(credit: Casa Branca/AFP, moved on)"), encoding="utf-8")
    _, edited = render(project)
    assert searched  # this article's quotes, located again
    assert edited == render(project, cache=False)[1]
    moved = "sources/courier-second-call-50-minutes.md"
    assert edited[moved] != first[moved]
    assert {p for p in first if first[p] != edited[p]} >= {moved}


def test_a_tampered_places_record_is_ignored(tmp_path, monkeypatch):
    project = _places_project(tmp_path, monkeypatch)
    _, first = render(project)
    record = project.root / CACHE_DIR / PLACES_RECORD
    data = record.read_bytes()
    entries = json.loads(data[32:])
    assert entries and all(start is not None for _, _, start, _ in entries)
    wrong = [[sha, quote, 0, 1] for sha, quote, _, _ in entries]  # every quote "at the article's start"
    record.write_bytes(data[:32] + json.dumps(wrong, separators=(",", ":")).encode())
    searched = _searches(monkeypatch)
    assert render(project)[1] == first
    assert len(searched) >= len(entries)  # not trusted: every quote located again
    assert read_record(project.root, PLACES_RECORD) == entries  # and the record written again, signed


def test_quotes_searched_in_worker_processes_are_placed_as_in_one(fact_base, monkeypatch):
    # locate searches the articles over the cores on a large fact sheet: here one article per process.
    from generator import workers
    from generator.pages.citations import Places

    alone_places = Places()
    alone = locate(fact_base, alone_places)
    spread = workers.spread
    spread_items: list[object] = []
    asked: list[object] = []

    def counted(work, items, **kwargs):
        spread_items.extend(items)
        asked.append(kwargs["jobs"])
        return spread(work, items, jobs=2, min_per_job=1)

    monkeypatch.setattr(workers, "spread", counted)
    shared_places = Places()
    assert locate(fact_base, shared_places) == alone
    assert {sid for sid, _ in spread_items} == {sid for sid, ps in alone.items() if ps}  # searched there
    assert shared_places.record() == alone_places.record() and shared_places.stale()
    assert locate(fact_base) == alone
    assert locate(fact_base, jobs=1) == alone and asked == [None, None, 1]  # --jobs 1: one process
    searched_again: list[object] = []
    monkeypatch.setattr(workers, "spread", lambda work, items, **kwargs: searched_again.extend(items) or [])
    assert locate(fact_base, shared_places) == alone and searched_again == []  # every place remembered
