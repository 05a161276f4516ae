"""When events happened relative to each other: the timeline's order, and the check that the order the
facts state (`before`/`after`) is possible and agrees with their dates.

A date is only as precise as the sources: an event known to the month may fall on any of its days, and
an event with no time on any moment of its day. So an event is *certainly before* another only when the
latest moment it can have started precedes the earliest moment the other can have. The timeline
respects every certain order and every stated relation; among events that are free, it shows first
the one whose latest possible moment is earliest: an untimed event never sits as if at midnight, and an
event known only to the month sits after the dated days of that month unless a relation places it.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from generator.model import ClockTime, Event, FactDate, Where


class Dated(Protocol):
    """What ordering needs of an event: an Event, or its summary as the check keeps it (a Placing)."""

    @property
    def id(self) -> str: ...
    @property
    def date(self) -> FactDate: ...
    @property
    def time(self) -> ClockTime | None: ...
    @property
    def before(self) -> Sequence[str]: ...
    @property
    def after(self) -> Sequence[str]: ...
    @property
    def where(self) -> Where: ...


@dataclass(frozen=True)
class Placing:
    """An event as far as its order goes, built from the check's per-file summary (no model object)."""

    id: str
    date: FactDate
    time: ClockTime | None
    before: tuple[str, ...]
    after: tuple[str, ...]
    where: Where


E = TypeVar("E", bound=Dated)

# A moment as (year, month, day, minute of the day); an untimed day spans -1 .. 1440.
Moment = tuple[int, int, int, int]
_DAY_START, _DAY_END = -1, 24 * 60


def _days_in(year: int, month: int) -> int:
    return ((dt.date(year + month // 12, month % 12 + 1, 1)) - dt.date(year, month, 1)).days


def earliest(e: Dated) -> Moment:
    d = e.date
    minute = e.time.hour * 60 + e.time.minute if e.time is not None else _DAY_START
    return (d.year, d.month or 1, d.day or 1, minute)


def latest(e: Dated) -> Moment:
    d = e.date
    if e.time is not None:
        return (d.year, d.month, d.day, e.time.hour * 60 + e.time.minute)
    month = d.month or 12
    return (d.year, month, d.day or _days_in(d.year, month), _DAY_END)


def certainly_before(a: Dated, b: Dated) -> bool:
    """True when the dates (and times) alone say that `a` began before `b`."""
    return latest(a) < earliest(b)


def stated_edges(events: Mapping[str, Dated]) -> dict[str, set[str]]:
    """event id -> ids of the events it came before, from both sides' `before` and `after` (known ids only)."""
    succ: dict[str, set[str]] = {i: set() for i in events}
    for e in events.values():
        for later in e.before:
            if later in events:
                succ[e.id].add(later)
        for earlier in e.after:
            if earlier in events:
                succ[earlier].add(e.id)
    return succ


@dataclass(frozen=True)
class OrderProblem:
    """A stated order that cannot be: `event` is where the relation is written."""

    event: Dated
    cycle: tuple[str, ...] = ()  # the ids around a cycle, starting and ending at `event`
    other: Dated | None = None  # for a relation that contradicts the dates: the event it names


def problems(events: Mapping[str, Dated]) -> list[OrderProblem]:
    """Relations that contradict the dates (directly or along a chain of relations: an event said to come
    before one that its dates put after it), and cycles of relations (each cycle once)."""
    succ = stated_edges(events)
    found = []
    for e in sorted(events.values(), key=lambda e: e.id):
        seen: set[str] = set()
        todo = sorted(succ[e.id])
        while todo:
            later = todo.pop(0)
            if later in seen:
                continue
            seen.add(later)
            if certainly_before(events[later], e):
                found.append(OrderProblem(e, other=events[later]))
                break
            todo.extend(sorted(succ[later]))
    found.extend(OrderProblem(events[c[0]], cycle=c) for c in _cycles(succ))
    return found


def _cycles(succ: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """One cycle per strongly connected group of relations, found by depth-first search (iterative)."""
    colour: dict[str, int] = dict.fromkeys(succ, 0)  # 0 new, 1 on the path, 2 done
    cycles = []
    for root in sorted(succ):
        if colour[root]:
            continue
        path: list[str] = []
        stack: list[tuple[str, Iterable[str]]] = [(root, iter(sorted(succ[root])))]
        colour[root] = 1
        path.append(root)
        while stack:
            node, children = stack[-1]
            child = next(iter(children), None)
            if child is None:
                stack.pop()
                path.pop()
                colour[node] = 2
            elif colour[child] == 1:
                cycles.append((*path[path.index(child) :], child))
            elif colour[child] == 0:
                colour[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(succ[child]))))
    return cycles


def _bounds_through_relations(
    events: Mapping[str, Dated], succ: dict[str, set[str]]
) -> dict[str, tuple[Moment, Moment]]:
    """Each event's (latest, earliest) moment narrowed by its relations: an event before another cannot have
    begun after that one's latest moment, nor an event after another before that one's earliest moment.
    (Relations inside a cycle, which the check refuses, narrow nothing.)"""
    pred: dict[str, set[str]] = {i: set() for i in events}
    for a, targets in succ.items():
        for b in targets:
            pred[b].add(a)
    first: dict[str, Moment] = {i: earliest(e) for i, e in events.items()}
    last: dict[str, Moment] = {i: latest(e) for i, e in events.items()}
    for ids, edges, moments, better in (
        (_topological(pred, succ), pred, first, max),
        (_topological(succ, pred), succ, last, min),
    ):
        for i in ids:
            for j in edges[i]:
                moments[i] = better(moments[i], moments[j])
    return {i: (last[i], first[i]) for i in events}


def _topological(before: dict[str, set[str]], after: dict[str, set[str]]) -> list[str]:
    """Ids such that each comes after all its `before` ids (ids inside cycles are left out)."""
    waiting = {i: len(before[i]) for i in before}
    ready = sorted(i for i, n in waiting.items() if n == 0)
    order = []
    while ready:
        i = ready.pop()
        order.append(i)
        for j in sorted(after[i]):
            waiting[j] -= 1
            if waiting[j] == 0:
                ready.append(j)
    return order


def timeline(events: Mapping[str, E]) -> list[E]:
    """Every event in an order that keeps each stated relation and each certain order of dates.

    Kahn's algorithm over the stated relations; an event becomes free only when no event still to be
    placed certainly began before it. Among free events, the one whose latest possible moment is earliest
    comes first, its bounds narrowed by its relations (an event known only to the month but said to come
    before the call counts as ending at the call), then the earliest earliest moment, then the id. So a
    loose month event sits after its month's dated days, and a related one where its relations put it.
    A checked fact base has no cycle; were there one, the rest is placed in date order so that the page
    still shows every event."""
    succ = stated_edges(events)
    key = _bounds_through_relations(events, succ)
    starts = {i: earliest(e) for i, e in events.items()}
    waiting = {i: 0 for i in events}
    for targets in succ.values():
        for t in targets:
            waiting[t] += 1
    bounds = [(latest(e), e.id) for e in events.values()]
    heapq.heapify(bounds)  # the unplaced events' latest moments, smallest first (placed ones removed lazily)
    placed: set[str] = set()
    free = [(*key[i], i) for i in events if not waiting[i]]
    heapq.heapify(free)
    held: list[tuple[Moment, Moment, str]] = []  # free by relations, but an unplaced event may precede them
    order: list[E] = []
    while len(order) < len(events):
        while bounds and bounds[0][1] in placed:
            heapq.heappop(bounds)
        horizon = bounds[0][0]
        for item in held:
            heapq.heappush(free, item)
        held = []
        pick = None
        while free:
            item = heapq.heappop(free)
            if item[2] in placed:  # placed by the fallback below
                continue
            if starts[item[2]] <= horizon:
                pick = item
                break
            held.append(item)
        if pick is None:  # only after a contradiction the check reports: keep every event anyway
            rest = sorted((starts[i], i) for i in events if i not in placed)
            pick = (*key[rest[0][1]], rest[0][1])
            held = [h for h in held if h[2] != pick[2]]
        eid = pick[2]
        placed.add(eid)
        order.append(events[eid])
        for t in sorted(succ[eid]):
            waiting[t] -= 1
            if waiting[t] == 0 and t not in placed:
                held.append((*key[t], t))
    return order


def precedes(events: Mapping[str, Dated], target: str) -> set[str]:
    """Ids of the events that began before `target`, by dates or by a chain of stated relations."""
    if target not in events:
        return set()
    pred: dict[str, set[str]] = {i: set() for i in events}
    for a, targets in stated_edges(events).items():
        for b in targets:
            pred[b].add(a)
    found: set[str] = set()
    todo = [target]
    while todo:
        for p in pred[todo.pop()]:
            if p not in found:
                found.add(p)
                todo.append(p)
    focus = events[target]
    found.update(i for i, e in events.items() if certainly_before(e, focus))
    found.discard(target)
    # Whatever came before an event that came before the target came before the target too.
    return found | {i for i, e in events.items() if any(certainly_before(e, events[f]) for f in found)} - {target}


def clock(e: Event) -> str | None:
    """The start time as readers know it: '15:35 EST, 20:35 GMT' (the date too when it differs in GMT)."""
    if e.time is None or e.timezone is None or not e.date.day:
        return None
    local = dt.datetime(e.date.year, e.date.month, e.date.day, e.time.hour, e.time.minute, tzinfo=ZoneInfo(e.timezone))
    utc = local.astimezone(dt.UTC)
    gmt = f"{utc:%H:%M} GMT"
    if utc.date() != local.date():
        gmt += f" ({FactDate(utc.year, utc.month, utc.day).human()})"
    name = local.tzname() or e.timezone
    if name in ("UTC", "GMT"):
        return gmt
    return f"{local:%H:%M} {name}, {gmt}"
