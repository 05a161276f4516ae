"""What the pages show: the timeline's order and date precision, the positions matrix, actor pages."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from dataclasses import replace
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.checks import chronology
from generator.model import ActorKind, FactDate, Role, Source
from generator.pages.citations import CitedPassage
from generator.pages.context import MADE_FROM, Paragraph, Segment, _Builder, _only, build_pages, side_of
from generator.pages.reads import INFO_TOKEN, Known
from generator.pages.render import render_pages
from generator.pipeline import check
from generator.project import Project

from .conftest import REPO


@pytest.fixture(scope="module")
def repo_pages():
    facts = check(Project.at(REPO)).facts
    return facts, {p.path: p for p in build_pages(facts)}


def timeline_events(pages) -> list[dict]:
    return [e for month in pages["timeline.md"].context["months"] for day in month["days"] for e in day["events"]]


def test_timeline_keeps_dates_and_stated_order_grouped_by_month_then_day(repo_pages):
    facts, pages = repo_pages
    months = pages["timeline.md"].context["months"]
    events = timeline_events(pages)
    assert sorted(e["id"] for e in events) == sorted(facts.events)
    place = {e["id"]: i for i, e in enumerate(events)}
    for a in facts.events.values():
        for b in facts.events.values():
            if chronology.certainly_before(a, b):
                assert place[a.id] < place[b.id], (a.id, b.id)
        for later in a.before:
            assert place[a.id] < place[later]
        for earlier in a.after:
            assert place[earlier] < place[a.id]
    # Groups run on: no two neighbouring groups for the same month or day; each anchor once.
    for first, second in itertools.pairwise(months):
        assert first["key"] != second["key"]
    anchors = [m["id"] for m in months if m["id"]] + [d["id"] for m in months for d in m["days"] if d["id"]]
    assert len(anchors) == len(set(anchors))


def test_the_30_december_events_are_in_the_articles_order(repo_pages):
    """Putin's remarks hours before the call; the call; the White House statement and the Kremlin's account after."""
    _, pages = repo_pages
    order = [e["id"] for e in timeline_events(pages)]
    call = order.index("biden-putin-call-2021-12-30")
    assert order.index("putin-statement-before-call-2021-12-30") < call
    assert order.index("white-house-statement-2021-12-30") > call
    assert order.index("kremlin-account-of-call-2021-12-30") > call
    call_view = timeline_events(pages)[call]
    assert call_view["clock"] == "15:35 EST, 20:35 GMT"


def test_a_date_is_shown_only_as_precise_as_it_is(repo_pages):
    _, pages = repo_pages
    for month in pages["timeline.md"].context["months"]:
        for day in month["days"]:
            for e in day["events"]:
                assert e["precision"] == day["precision"] == e["date"].precision.value
                assert day["datetime"] == e["date"].iso()
    assert pages["timeline.md"].context["months"][0]["days"][0]["label"] == "Month and day not known"
    assert FactDate(2021, 12).human() == "December 2021"


def test_focus_background_and_scheduled_are_marked(repo_pages):
    facts, pages = repo_pages
    events = {e["id"]: e for e in timeline_events(pages)}
    assert [i for i, e in events.items() if e["focus"]] == [facts.info.focus_event]
    # Background: before the call, by the dates or by the order the articles state.
    assert events["annexation-of-crimea-2014"]["background"]
    assert events["biden-putin-call-2021-12-07"]["background"]
    assert events["putin-statement-before-call-2021-12-30"]["background"]
    assert not events["kremlin-account-of-call-2021-12-30"]["background"]
    assert not events[facts.info.focus_event]["background"]
    assert {i for i, e in events.items() if e["status"] == "scheduled"} == {
        e.id for e in facts.events.values() if e.status.value == "scheduled"
    }


def test_positions_matrix_puts_every_position_once_under_its_side(repo_pages):
    facts, pages = repo_pages
    matrix = pages["positions.md"].context["matrix"]
    sides = [facts.actors[s["side"].target.page.removeprefix("actors/").removesuffix(".md")] for s in matrix["sides"]]
    assert sides and all(s.kind is ActorKind.STATE for s in sides)
    held = Counter(side_of(facts.actors, p.actor) for p in facts.positions.values())
    assert [held[s.id] for s in sides] == sorted((held[s.id] for s in sides), reverse=True)  # most first
    placed = []
    for row in matrix["rows"]:
        assert len(row["cells"]) == len(sides)
        for s, cell in zip(sides, row["cells"], strict=True):
            ids = [p["id"] for p in cell["positions"]]
            assert cell["more"] == 0 and all(side_of(facts.actors, facts.positions[i].actor) == s.id for i in ids)
            topic = row["topic"].target.page.removeprefix("topics/").removesuffix(".md")
            assert all(facts.positions[i].topic == topic for i in ids)
            placed += ids
    others = matrix["others"]
    for row in others["rows"]:
        ids = [p["id"] for p in row["cell"]["positions"]]
        assert all(side_of(facts.actors, facts.positions[i].actor) not in {s.id for s in sides} for i in ids)
        placed += ids
    assert sorted(placed) == sorted(facts.positions)
    assert others["count"] == len(placed) - sum(len(c["positions"]) for r in matrix["rows"] for c in r["cells"])


def test_an_actor_speaks_for_the_one_state_its_current_roles_lead_to(repo_pages):
    facts, _ = repo_pages
    role = facts.actors["vladimir-putin"].roles[0]

    def actors(**roles):
        return {**facts.actors, **{a: replace(facts.actors[a], roles=r) for a, r in roles.items()}}

    def to(actor: str, **flags) -> Role:
        return replace(role, affiliation=actor, **flags)

    assert side_of(facts.actors, "russia") == "russia"  # a state speaks for itself
    assert side_of(facts.actors, "vladimir-putin") == "russia"
    # A spokesman -> the Kremlin -> Russia.
    chain = actors(**{"the-kremlin": [to("russia")], "dmitry-peskov": [to("the-kremlin")]})
    assert side_of(chain, "dmitry-peskov") == "russia"
    assert side_of(actors(**{"dmitry-peskov": [to("russia", former=True)]}), "dmitry-peskov") is None
    both = actors(**{"dmitry-peskov": [to("russia"), to("united-states")]})
    assert side_of(both, "dmitry-peskov") is None  # two states: no one side
    loop = actors(**{"the-kremlin": [to("dmitry-peskov")], "dmitry-peskov": [to("the-kremlin")]})
    assert side_of(loop, "dmitry-peskov") is None  # a loop of affiliations ends


def test_actor_page_splits_what_they_said_from_what_was_said_of_them(repo_pages):
    facts, pages = repo_pages
    page = pages["actors/joe-biden.md"].context
    assert {p["voice"] for p in page["said"]} <= {"own-words"}
    assert {p["voice"] for p in page["said_of"]} <= {"reported", "described"}
    own = {p.id for p in facts.positions.values() if p.actor == "joe-biden"}
    assert {p["id"] for p in page["said"] + page["said_of"]} == own
    assert [a.text for a in page["affiliations"]] == ["United States"]
    assert page["jsonld"]["@type"] == "Person"


def test_claims_table_gives_each_version_its_sources_once(repo_pages):
    _, pages = repo_pages
    for claim in pages["claims.md"].context["claims"]:
        for answer in claim["answers"]:
            keys = [c.source_key for c in answer["sources"]]
            assert len(keys) == len(set(keys)) == answer["source_count"]
            assert {c.source_key for c in answer["citations"]} == set(keys)


KREMLIN_SIDE = {"the-kremlin", "yuri-ushakov", "vladimir-putin", "russia"}


def test_every_kremlin_account_of_biden_shows_the_white_house_response(repo_pages):
    facts, pages = repo_pages
    accounts = [p for p in facts.positions.values() if p.actor == "joe-biden" and p.reported_by in KREMLIN_SIDE]
    assert accounts, "the fact base records the Kremlin's account of what Biden said"
    biden = pages["actors/joe-biden.md"].context
    shown = {p["id"]: p for p in biden["said_of"]}
    for p in accounts:
        assert [r.by for r in p.responses] == ["the-white-house"], p.id
        assert [r["by"].text for r in shown[p.id]["responses"]] == ["The White House"]
        topic = pages[f"topics/{p.topic}.md"].context["topic"]
        (view,) = [x for x in topic["positions"] if x["id"] == p.id]
        assert view["responses"] == shown[p.id]["responses"]


def test_an_accounts_source_count_leaves_out_the_other_sides_response(repo_pages):
    """A "2 sources" beside an account says two articles carry it: an article that only says the White House did
    not comment is no second source for the Kremlin's account."""
    facts, pages = repo_pages
    p = facts.positions["biden-no-missiles-in-ukraine"]
    own = {c.source for c in p.citations}
    assert own and {c.source for r in p.responses for c in r.citations} - own, "the response cites another article"
    shown = [x for t in facts.topics for x in pages[f"topics/{t}.md"].context["topic"]["positions"]]
    shown += timeline_events(pages)
    assert len(shown) == len(facts.positions) + len(facts.events)
    for view in shown:
        fact = facts.positions.get(view["id"]) or facts.events[view["id"]]
        assert view["source_count"] == len({c.source for c in fact.citations}), fact.id
    assert next(x for x in shown if x["id"] == p.id)["source_count"] == len(own) == 1


def test_a_title_shows_its_marks_on_the_actors_index_as_on_the_card(repo_pages):
    """The index's role column says what the card says: a title only a translation gives is "as printed", a
    former post is former, titles the sources give differently say whether that is a disagreement."""
    facts, pages = repo_pages
    wanted = ["actors/index.md", "actors/yuri-ushakov.md", "actors/wendy-sherman.md"]
    text = render_pages([pages[w] for w in wanted], Project.at(REPO).templates_dir, jobs=1)
    rows = {line.split("](", 1)[0].lstrip("| ["): line for line in text["actors/index.md"].splitlines()}
    assert "Vice Chancellor (as printed)" in rows["Sergey Ryabkov"] and "(sources differ)" in rows["Sergey Ryabkov"]
    assert "(as printed) (former)" in rows["Evelyn Farkas"]
    assert facts.claims["ushakov-title"].kind.is_variant
    assert "(written differently) |" in rows["Yuri Ushakov"] and "sources differ" not in rows["Yuri Ushakov"]
    assert "| written differently ([" in text["actors/yuri-ushakov.md"]
    assert "| sources differ ([" in text["actors/wendy-sherman.md"]


def test_variants_are_listed_apart_and_not_counted_as_disagreements(repo_pages):
    facts, pages = repo_pages
    claims = pages["claims.md"].context
    assert {c["id"] for c in claims["claims"]} == {c.id for c in facts.claims.values() if not c.kind.is_variant}
    assert {c["id"] for c in claims["variants"]} == {c.id for c in facts.claims.values() if c.kind.is_variant}
    assert claims["variants"], "spellings and translation variants exist in these articles"
    counts = pages["index.md"].context["counts"]
    assert counts["claims"] == len(claims["claims"]) and counts["variants"] == len(claims["variants"])


def test_a_fact_a_claim_bears_on_links_to_it_wherever_it_shows(repo_pages):
    facts, pages = repo_pages
    on_events = {e for c in facts.claims.values() for e in c.events}
    assert on_events
    timeline = {e["id"]: e for e in timeline_events(pages)}
    for c in facts.claims.values():
        for e in c.events:
            assert c.question in [d["link"].text for d in timeline[e]["differ"]]
        for a in c.actors:
            assert c.question in [d["link"].text for d in pages[f"actors/{a}.md"].context["actor"]["differ"]]
        for pid in c.positions:
            p = facts.positions[pid]
            topic = pages[f"topics/{p.topic}.md"].context["topic"]
            (view,) = [x for x in topic["positions"] if x["id"] == pid]
            assert c.question in [d["link"].text for d in view["differ"]]


def _article_by_definition(body: str, paragraphs: list[tuple[int, int]], passages: list) -> list[Paragraph]:
    """Each paragraph cut at every passage boundary inside it; each piece with the passages covering it and
    those starting in it (the definition, looking at every passage for every piece)."""
    result = []
    for number, (start, end) in enumerate(paragraphs, 1):
        mine = [p for p in passages if p.start < end and p.end > start]
        cuts = sorted({start, end, *(x for p in mine for x in (p.start, p.end) if start < x < end)})
        segments = tuple(
            Segment(
                body[a:b],
                tuple(sorted(p.anchor for p in mine if p.start < b and p.end > a)),
                tuple(sorted(p.anchor for p in mine if a <= p.start < b)),
            )
            for a, b in itertools.pairwise(cuts)
        )
        result.append(Paragraph(number, segments))
    return result


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(st.text(alphabet="ab ", max_size=12), min_size=1, max_size=8),
    spans=st.lists(st.tuples(st.integers(0, 60), st.integers(1, 30)), max_size=8),
)
def test_article_pieces_are_those_of_the_definition(lines, spans):
    body = "\n".join(lines)
    source = SimpleNamespace(id="s", body=body, paragraphs=lambda: Source.paragraphs(SimpleNamespace(body=body)))
    passages = sorted(
        (CitedPassage(f"q-{i}", "", a, min(a + n, len(body)), ()) for i, (a, n) in enumerate(spans) if a < len(body)),
        key=lambda p: (p.start, p.anchor),
    )
    builder = object.__new__(_Builder)
    builder.passages = {"s": passages}
    assert builder.article(source) == _article_by_definition(body, source.paragraphs(), passages)


def test_a_long_article_with_thousands_of_quotes_is_cut_in_linear_time():
    # 150,000 one-word paragraphs, 5,000 of them quoted (review D-04: minutes when each paragraph looked at
    # every passage). Walked together, about a second. CPU time: other processes on the machine do not count.
    body = "\n".join(f"p{i:06d}" for i in range(150_000))
    source = SimpleNamespace(id="s", body=body, paragraphs=lambda: Source.paragraphs(SimpleNamespace(body=body)))
    passages = [CitedPassage(f"q-{i:05d}", "", 8 * i * 30, 8 * i * 30 + 7, ()) for i in range(5_000)]
    builder = object.__new__(_Builder)
    builder.passages = {"s": passages}
    started = time.process_time()
    article = builder.article(source)
    assert time.process_time() - started < 10
    assert len(article) == 150_000
    assert sum(1 for p in article for seg in p.segments if seg.quote_ids) == 5_000


def test_the_claims_page_opens_with_an_overview_linking_every_claim(tmp_path):
    from generator.pipeline import render

    from .conftest import copy_tree

    project = copy_tree("repo", tmp_path / "repo")
    _, pages = render(project)
    text = pages["claims.md"]
    first_claim = text.index("\n## ")
    facts = check(project).facts
    for c in facts.claims.values():
        assert f"](#{c.id})" in text[:first_claim], c.id


# What the incremental build takes from the previous one (context.MADE_FROM, reads.Known) ------------------


def _reads_of_every_page(builder: _Builder, updated=None) -> set[str]:
    return {t for page in builder.pages(updated) for t in page.context_reads()[1]}


def _builder(project: Project, known: Known | None = None) -> _Builder:
    result = check(project, cache=True)
    assert result.files, "the check knows each fact's file hash"
    return _Builder(result.facts, None, result.files, known)


def test_a_read_keeps_its_recorded_hash_only_while_the_files_it_is_made_from_are_unchanged(basic):
    fresh = _builder(basic)
    tokens = _reads_of_every_page(fresh)
    for t in tokens:
        fresh.digest([t])
    recorded = fresh.known()
    assert set(recorded.digests) == tokens and set(recorded.inputs) == set(MADE_FROM)
    # A record claiming other values for every read: taken as it is while nothing changed (the shortcut
    # is used, not hashed again) ...
    stale = Known(recorded.inputs, dict.fromkeys(recorded.digests, "stale"))
    same, truth = _builder(basic, stale), _builder(basic)
    assert all(same.digest([t]) != truth.digest([t]) for t in tokens)
    # ... but never for a read made from a file edited since: one position's stance.
    path = basic.facts_dir / "positions" / "biden-threatens-sanctions.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('stance: "', 'stance: "Edited. ', 1), encoding="utf-8")
    edited, truth = _builder(basic, stale), _builder(basic)
    made_from_positions = {t for t in tokens if "position" in MADE_FROM[t.partition("\t")[0]]}
    assert {t.partition("\t")[0] for t in made_from_positions} >= {"position", "by_topic", "by_actor", "passages"}
    for t in tokens:
        if t in made_from_positions:
            assert edited.digest([t]) == truth.digest([t]), t
        else:
            assert edited.digest([t]) != truth.digest([t]), t  # still the record's (made from other files)
    edited_position = 'position\t"biden-threatens-sanctions"'
    assert truth.digest([edited_position]) != fresh.digest([edited_position])


def test_reads_are_unchanged_exactly_while_they_give_the_recorded_values(basic):
    # The test of an unchanged page: each of its reads compared with the previous build's record.
    fresh = _builder(basic)
    tokens = sorted(_reads_of_every_page(fresh))
    fresh.digest(tokens)
    recorded = fresh.known()
    assert all(_builder(basic, recorded).unchanged([t]) for t in tokens)
    assert _builder(basic, recorded).unchanged(tokens)
    # A read the record has no value for is not unchanged (its page is built again).
    missing = Known(recorded.inputs, {t: d for t, d in recorded.digests.items() if t != tokens[0]})
    assert not _builder(basic, missing).unchanged(tokens)
    assert _builder(basic, missing).unchanged(tokens[1:])
    # After an edit, exactly the reads whose values changed are not (the position read and indexes of it).
    path = basic.facts_dir / "positions" / "biden-threatens-sanctions.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('stance: "', 'stance: "Edited. ', 1), encoding="utf-8")
    edited, truth = _builder(basic, recorded), _builder(basic)
    changed = {t for t in tokens if not edited.unchanged([t])}
    assert changed == {t for t in tokens if truth.digest([t]) != fresh.digest([t])}
    assert {"position\t*", 'by_actor\t"joe-biden"'} <= changed and len(changed) < len(tokens) / 2
    assert not edited.unchanged(tokens)
    # What it compared is recorded for the next build, as `digest` would have recorded it.
    assert edited.known() == truth.known()


def test_an_entity_is_hashed_as_its_file_and_an_unknown_file_is_pickled(basic):
    result = check(basic, cache=True)
    facts = result.facts
    position = facts.positions["biden-threatens-sanctions"]
    by_file = _Builder(facts, None, result.files)
    unknown = {k: v for k, v in result.files.items() if k != ("Position", "biden-threatens-sanctions")}
    by_pickle = _Builder(facts, None, unknown)
    assert by_file._plain(position) != by_pickle._plain(position)
    assert by_file.made_from["by_topic"] is not None and by_pickle.made_from["by_topic"] is None
    assert by_file.made_from["claims_on"] == by_pickle.made_from["claims_on"]


def test_each_index_is_made_only_from_the_kinds_made_from_names(basic):
    facts = check(basic).facts
    builder = _Builder(facts)
    assert set(builder.indexes) | {INFO_TOKEN} == set(MADE_FROM)
    only = _only(facts, "by_topic")
    assert only.positions is facts.positions
    for read in (
        lambda: only.actors["x"],
        lambda: list(only.claims),
        lambda: only.sources.items(),
        lambda: only.info.title,
    ):
        with pytest.raises((AssertionError, AttributeError)):
            read()


def test_a_page_reads_the_same_whatever_pages_were_built_before_it(repo_pages):
    # Views kept from one page's context for the next (a run's citations, an actor's link) still note
    # what they are made of on every page that shows them: each page's reads, built after every other
    # page, are those it reads when a fresh builder builds it alone.
    from generator.pages.context import build_pages_reads

    facts, _ = repo_pages
    pages = build_pages_reads(facts).pages
    after_the_others = {p.path: p.context_reads() for p in [*pages, *pages]}  # the second time: all kept
    for page in pages:
        alone = next(p for p in build_pages_reads(facts).pages if p.path == page.path).context_reads()
        assert after_the_others[page.path] == alone, page.path
