"""What the pages show: the timeline's order and date precision, the positions matrix, actor pages."""

from __future__ import annotations

import pytest

from generator.context import build_pages
from generator.model import FactDate
from generator.pipeline import check
from generator.project import Project

from .conftest import REPO


@pytest.fixture(scope="module")
def repo_pages():
    facts = check(Project.at(REPO)).facts
    return facts, {p.path: p for p in build_pages(facts)}


def timeline_events(pages) -> list[dict]:
    return [e for month in pages["timeline.md"].context["months"] for day in month["days"] for e in day["events"]]


def test_timeline_is_in_date_order_grouped_by_month_then_day(repo_pages):
    facts, pages = repo_pages
    months = pages["timeline.md"].context["months"]
    events = timeline_events(pages)
    assert sorted(e["id"] for e in events) == sorted(facts.events)
    keys = [(e["date"], e["time"].hour * 60 + e["time"].minute if e["time"] else -1) for e in events]
    assert keys == sorted(keys)
    labels = [m["label"] for m in months]
    assert labels == ["2014", "2021", "June 2021", "December 2021", "January 2022"]
    december = next(m for m in months if m["label"] == "December 2021")
    days = [d["label"] for d in december["days"]]
    # Known only to the month: its own group, first, naming no day.
    assert days == ["Day not known", "7 December 2021", "29 December 2021", "30 December 2021"]
    assert len(set(m["id"] for m in months)) == len(months)


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
    # Background: certainly before the call. A December event with no day might be after it: not background.
    assert events["annexation-of-crimea-2014"]["background"]
    assert events["biden-putin-call-2021-12-07"]["background"]
    assert not events["jstars-flight-over-ukraine-2021-12"]["background"]
    assert not events["kremlin-account-of-call-2021-12-30"]["background"]
    assert not events[facts.info.focus_event]["background"]
    assert {i for i, e in events.items() if e["status"] == "scheduled"} == {
        e.id for e in facts.events.values() if e.status.value == "scheduled"
    }


def test_positions_matrix_has_every_position_once(repo_pages):
    facts, pages = repo_pages
    matrix = pages["positions.md"].context["matrix"]
    cells = [p["id"] for row in matrix["rows"] for cell in row["cells"] for p in cell]
    assert sorted(cells) == sorted(facts.positions)
    columns = [a.text for a in matrix["actors"]]
    for row in matrix["rows"]:
        assert len(row["cells"]) == len(columns)
        for actor, cell in zip(columns, row["cells"], strict=True):
            assert all(p["actor"].text == actor for p in cell)


def test_actor_page_splits_what_they_said_from_what_was_said_of_them(repo_pages):
    facts, pages = repo_pages
    page = pages["actors/joe-biden.md"].context
    assert {p["voice"] for p in page["said"]} <= {"direct"}
    assert {p["voice"] for p in page["said_of"]} <= {"reported"}
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
