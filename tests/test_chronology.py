"""The timeline's order: stated relations and certain date orders are kept, nothing untimed sits at midnight."""

from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from generator.checks import chronology
from generator.model import Citation, ClockTime, Event, EventStatus, FactDate, Where

_CITE = [Citation("s", "q")]


def ev(id_: str, date: str, time: str | None = None, *, before=(), after=(), tz="America/New_York") -> Event:
    return Event(
        id=id_,
        title=id_,
        date=FactDate.parse(date),
        status=EventStatus.OCCURRED,
        citations=_CITE,
        time=ClockTime.parse(time) if time else None,
        timezone=tz if time else None,
        before=list(before),
        after=list(after),
        where=Where(Path(f"facts/events/{id_}.yaml"), 1, 1),
    )


def ids(events: list[Event]) -> list[str]:
    return [e.id for e in events]


def by_id(*events: Event) -> dict[str, Event]:
    return {e.id: e for e in events}


def test_same_day_events_follow_their_stated_order_not_midnight():
    call = ev("call", "2021-12-30", "15:35")
    events = by_id(
        call,
        ev("remarks", "2021-12-30", before=["call"]),
        ev("statement", "2021-12-30", after=["call"]),
        ev("account", "2021-12-30", after=["call"]),
        ev("earlier-call", "2021-12-07", "10:00"),
    )
    order = ids(chronology.timeline(events))
    assert order[0] == "earlier-call"
    assert order.index("remarks") < order.index("call") < min(order.index("statement"), order.index("account"))


def test_an_untimed_event_with_no_relation_does_not_come_before_a_timed_one_of_its_day():
    events = by_id(ev("a-untimed", "2021-12-30"), ev("z-call", "2021-12-30", "15:35"))
    assert ids(chronology.timeline(events)) == ["z-call", "a-untimed"]


def test_a_month_event_sits_after_the_dated_days_unless_a_relation_places_it():
    events = by_id(
        ev("dec-7", "2021-12-07"),
        ev("dec-30", "2021-12-30", "15:35"),
        ev("briefing", "2021-12", after=["dec-30"]),
        ev("flight", "2021-12", before=["dec-30"]),
        ev("loose", "2021-12"),
        ev("jan-10", "2022-01-10"),
    )
    order = ids(chronology.timeline(events))
    assert order.index("dec-7") < order.index("flight") < order.index("dec-30") < order.index("briefing")
    assert order.index("loose") > order.index("dec-30")
    assert order[-1] == "jan-10"


def test_a_relation_never_pulls_an_event_before_one_its_date_follows():
    # The flight is before the 30th; that must not place the 31st's event before the flight.
    events = by_id(ev("flight", "2021-12", before=["call"]), ev("call", "2021-12-30"), ev("next-day", "2021-12-31"))
    assert ids(chronology.timeline(events)) == ["flight", "call", "next-day"]


def test_cycle_and_contradiction_are_found():
    cyclic = by_id(
        ev("a", "2021-12-30", before=["b"]), ev("b", "2021-12-30", before=["c"]), ev("c", "2021-12-30", before=["a"])
    )
    (problem,) = chronology.problems(cyclic)
    assert problem.cycle == ("a", "b", "c", "a")
    wrong = by_id(ev("late", "2021-12-31", before=["early"]), ev("early", "2021-12-30"))
    (problem,) = chronology.problems(wrong)
    assert problem.event.id == "late" and problem.other is not None and problem.other.id == "early"
    # Along a chain: the 30th before a 2021 event before the 7th.
    chain = by_id(ev("d30", "2021-12-30", before=["y"]), ev("y", "2021", before=["d7"]), ev("d7", "2021-12-07"))
    (problem,) = chronology.problems(chain)
    assert (problem.event.id, problem.other and problem.other.id) == ("d30", "d7")
    # A relation the dates leave open is no contradiction (a month event may be any day of it).
    assert chronology.problems(by_id(ev("m", "2021-12", before=["d"]), ev("d", "2021-12-30"))) == []
    # Times decide within a day: 16:00 cannot come before 15:35 of the same day.
    timed = by_id(ev("four", "2021-12-30", "16:00", before=["call"]), ev("call", "2021-12-30", "15:35"))
    assert len(chronology.problems(timed)) == 1


def test_every_event_is_shown_even_around_a_cycle():
    cyclic = by_id(ev("a", "2021-12-30", before=["b"]), ev("b", "2021-12-30", before=["a"]), ev("c", "2021-12-29"))
    assert sorted(ids(chronology.timeline(cyclic))) == ["a", "b", "c"]
    assert ids(chronology.timeline(cyclic))[0] == "c"


def test_precedes_follows_dates_and_chains_of_relations():
    events = by_id(
        ev("crimea", "2014"),
        ev("remarks", "2021-12-30", before=["call"]),
        ev("brief", "2021-12", before=["remarks"]),
        ev("call", "2021-12-30", "15:35"),
        ev("account", "2021-12-30", after=["call"]),
        ev("loose", "2021-12"),
    )
    assert chronology.precedes(events, "call") == {"crimea", "remarks", "brief"}


def test_clock_gives_local_and_gmt_times():
    assert chronology.clock(ev("call", "2021-12-30", "15:35")) == "15:35 EST, 20:35 GMT"
    late = ev("late", "2021-12-30", "23:35", tz="America/New_York")
    assert chronology.clock(late) == "23:35 EST, 04:35 GMT (31 December 2021)"
    assert chronology.clock(ev("utc", "2021-12-30", "10:00", tz="UTC")) == "10:00 GMT"
    assert chronology.clock(ev("untimed", "2021-12-30")) is None


_DATES = st.sampled_from(["2021", "2021-12", "2021-12-07", "2021-12-30", "2021-12-31", "2022-01"])
_TIMES = st.sampled_from([None, "09:00", "15:35"])


@st.composite
def event_sets(draw) -> dict[str, Event]:
    n = draw(st.integers(1, 7))
    names = [f"e{i}" for i in range(n)]
    events = {}
    for i, name in enumerate(names):
        date = draw(_DATES)
        time = draw(_TIMES) if len(date) == 10 else None
        # Relations only forward in the list: no cycles (cycles are the check's business).
        later = draw(st.lists(st.sampled_from(names[i + 1 :]), max_size=2, unique=True)) if i + 1 < n else []
        events[name] = ev(name, date, time, before=later)
    return events


@settings(max_examples=300, deadline=None)
@given(event_sets())
def test_timeline_keeps_every_relation_and_every_certain_order(events):
    assume(not chronology.problems(events))  # relations that contradict dates are refused by the check
    order = chronology.timeline(events)
    assert sorted(ids(order)) == sorted(events)
    place = {e.id: i for i, e in enumerate(order)}
    for a, b in itertools.permutations(events.values(), 2):
        if chronology.certainly_before(a, b):
            assert place[a.id] < place[b.id], (a.id, b.id)
    for e in events.values():
        for later in e.before:
            assert place[e.id] < place[later]
