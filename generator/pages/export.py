"""Stage 4b: the fact model -> data files for other tools, written beside the pages on every build.

`data/facts.json` (the whole model with citations, versioned, described by `facts.schema.json`), one CSV
per kind plus `citations.csv`, and `data/timeline.ics` (iCalendar). docs/exports.md documents the fields.
Every file is a pure function of the facts: sorted, no clock, so builds stay byte-identical.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import io
import json
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar

from generator.model import (
    Actor,
    Claim,
    ClockTime,
    Event,
    EventStatus,
    FactBase,
    FactDate,
    Position,
    Precision,
    Topic,
    all_citations,
    plain_text,
)

FORMAT_VERSION = "1.0"
"""Version of the export formats: the major number changes when a field is removed or changes meaning."""

SCHEMA = Path(__file__).resolve().parent.parent / "facts.schema.json"
_KINDS = ("actors", "events", "topics", "positions", "claims")

EXPORT_FILES = {
    "data/facts.json": "application/json",
    "data/facts.schema.json": "application/schema+json",
    **{f"data/{kind}.csv": "text/csv" for kind in (*_KINDS, "sources", "citations")},
    "data/timeline.ics": "text/calendar",
}
"""Every export file with its media type (the home page lists them, its JSON-LD names the types)."""


def exports(facts: FactBase, make: Callable[[str, Callable[[], bytes]], bytes] | None = None) -> dict[str, bytes]:
    """Every export file, keyed by its path in the docs folder. `make(path, maker)` gives each file (by
    default `maker()`): an incremental build keeps a file whose inputs did not change (pipeline.py)."""
    makers: dict[str, Callable[[], bytes]] = {
        "data/facts.json": lambda: _json_bytes(facts_json(facts)),
        "data/facts.schema.json": lambda: SCHEMA.read_bytes(),
        "data/sources.csv": lambda: _csv(
            ["id", "title", "label", "outlet", "author", "date", "translated", "url"],
            [[s.id, s.title, s.label, s.outlet, s.author, s.date, s.translated, s.url] for s in facts.sources.values()],
        ),
        "data/actors.csv": lambda: _csv(
            ["id", "name", "kind", "summary", "roles", "affiliations", "aliases"],
            [
                [
                    a.id,
                    a.name,
                    a.kind,
                    a.summary,
                    "; ".join(r.title for r in a.roles),
                    " ".join(dict.fromkeys(r.affiliation for r in a.roles if r.affiliation)),
                    "; ".join(x.name for x in a.aliases),
                ]
                for a in facts.actors.values()
            ],
        ),
        "data/events.csv": lambda: _csv(
            ["id", "title", "date", "precision", "end", "time", "timezone", "status", "place", "actors", "summary"],
            [
                [
                    e.id,
                    e.title,
                    e.date,
                    e.date.precision,
                    e.end,
                    e.time,
                    e.timezone,
                    e.status,
                    e.place,
                    " ".join(e.actors),
                    e.summary,
                ]
                for e in facts.events.values()
            ],
        ),
        "data/topics.csv": lambda: _csv(
            ["id", "name", "summary"], [[t.id, t.name, t.summary] for t in facts.topics.values()]
        ),
        "data/positions.csv": lambda: _csv(
            ["id", "actor", "topic", "stance", "voice", "reported_by", "reported_by_unnamed", "date"],
            [
                [p.id, p.actor, p.topic, p.stance, p.voice, p.reported_by, p.reported_by_unnamed, p.date]
                for p in facts.positions.values()
            ],
        ),
        # One row per answer: a claim is its question and two or more differing answers.
        "data/claims.csv": lambda: _csv(
            ["id", "question", "kind", "topic", "answer_number", "answer", "said_by", "said_by_unnamed", "sources"],
            [
                [
                    c.id,
                    c.question,
                    c.kind,
                    c.topic,
                    n,
                    a.answer,
                    a.said_by,
                    a.said_by_unnamed,
                    " ".join(sorted({x.source for x in a.citations})),
                ]
                for c in facts.claims.values()
                for n, a in enumerate(c.answers, 1)
            ],
        ),
        "data/citations.csv": lambda: _csv(["kind", "id", "source", "quote"], list(_citation_rows(facts))),
        "data/timeline.ics": lambda: timeline_ics(facts),
    }
    build = make or (lambda path, maker: maker())
    files = {path: build(path, maker) for path, maker in makers.items()}
    assert files.keys() == EXPORT_FILES.keys()  # a new export is listed there too
    return dict(sorted(files.items()))


# facts.json -------------------------------------------------------------------------------------------


@functools.cache
def _public_fields(cls: type) -> tuple[str, ...] | None:
    """The fields of a model class that go into the data (not the internal ones); None for other types."""
    if not dataclasses.is_dataclass(cls) or cls in (FactDate, ClockTime):
        return None
    return tuple(f.name for f in dataclasses.fields(cls) if not f.metadata.get("internal"))


def _plain(value: object) -> object:
    """A model value as JSON data: dataclasses as objects (without internal fields), dates as ISO text."""
    if value is None or isinstance(value, str | int | float):  # most values: text, numbers, booleans
        return value
    if isinstance(value, FactDate | ClockTime):
        return str(value)
    cls: type = type(value)  # typed `type`: mypy finds no __hash__ on type[object] (mypy issue 20409)
    names = _public_fields(cls)
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    return value


def facts_json(facts: FactBase) -> dict[str, object]:
    data: dict[str, object] = {"version": FORMAT_VERSION, "info": _plain(facts.info)}
    sources = []
    for s in facts.sources.values():
        entry = _plain(s)
        assert isinstance(entry, dict)  # a fact is a dataclass, so its plain form is an object
        entry["label"] = s.label
        entry["text"] = s.body
        sources.append(entry)
    data["sources"] = sources
    for kind in _KINDS:
        entries = []
        for fact in getattr(facts, kind).values():
            entry = _plain(fact)
            assert isinstance(entry, dict)
            if isinstance(fact, Event):
                entry["precision"] = fact.date.precision.value
            entries.append(entry)
        data[kind] = entries
    return data


def _json_bytes(data: dict[str, object]) -> bytes:
    """Keys sorted; each top-level field, and each record of a list, on a line of its own: a change to one
    fact changes one line. (Indented JSON is written by json's pure-Python encoder, ten times slower.)"""
    dump = functools.partial(json.dumps, ensure_ascii=False, sort_keys=True)
    fields = []
    for key in sorted(data):
        value = data[key]
        if isinstance(value, list) and value:
            fields.append(f"{dump(key)}: [\n" + ",\n".join(dump(v) for v in value) + "\n]")
        else:
            fields.append(f"{dump(key)}: {dump(value)}")
    return ("{\n" + ",\n".join(fields) + "\n}\n").encode("utf-8")


# CSV ---------------------------------------------------------------------------------------------------


# Spreadsheets run a cell starting with one of these as a formula (CWE-1236; OWASP's list, tab and CR too).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = plain_text(value)
    # Keep fact text as text: a leading apostrophe makes the spreadsheet show the cell as written.
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8")


def _citation_rows(facts: FactBase) -> list[list[object]]:
    kinds = {Actor: "actor", Event: "event", Topic: "topic", Position: "position", Claim: "claim"}
    return [[kinds[type(fact)], fact.id, c.source, c.quote] for fact in facts.facts() for c in all_citations(fact)]


# iCalendar (RFC 5545), written by the icalendar library: escaping, line folding and value types are its job.


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _day(d: FactDate) -> dt.date:
    return dt.date(d.year, d.month, d.day)


def calendar_events(facts: FactBase) -> list[Event]:
    """The events that go into the calendar: those dated to the day. An event known only to the month
    or the year has no day to put it on, and a calendar entry would pretend to one."""
    return [e for e in facts.events.values() if e.date.precision is Precision.DAY]


def _dtstamp(facts: FactBase) -> dt.datetime:
    # Pinned to the data, not the clock: the latest day any event or source names, at midnight UTC.
    days = [
        _day(d)
        for d in (*(e.date for e in facts.events.values()), *(s.date for s in facts.sources.values()))
        if d is not None and d.precision is Precision.DAY
    ]
    return dt.datetime.combine(max(days, default=dt.date(1970, 1, 1)), dt.time(), dt.UTC)


def timeline_ics(facts: FactBase) -> bytes:
    cal = icalendar.Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", f"-//factsheet//timeline export {FORMAT_VERSION}//EN")
    cal.add("calscale", "GREGORIAN")
    # An X- property is TEXT by default (RFC 5545 3.8.8.2); given as vText so that it is escaped as text.
    cal.add("x-wr-calname", icalendar.vText(_one_line(facts.info.title)))
    stamp = _dtstamp(facts)
    for e in sorted(calendar_events(facts), key=lambda e: (e.date, e.time or ClockTime(0, 0), e.id)):
        event = icalendar.Event()
        event.add("uid", f"{e.id}@factsheet")
        event.add("dtstamp", stamp)
        if e.time and e.timezone:
            local = dt.datetime.combine(_day(e.date), dt.time(e.time.hour, e.time.minute), ZoneInfo(e.timezone))
            event.add("dtstart", local.astimezone(dt.UTC))
        else:
            last = _day(e.end) if e.end and e.end.precision is Precision.DAY else _day(e.date)
            event.add("dtstart", _day(e.date))
            event.add("dtend", last + dt.timedelta(days=1))  # all-day: DTEND is the day after the last
        event.add("summary", _one_line(e.title))
        description = [e.summary or ""]
        if e.status is EventStatus.SCHEDULED:
            description.append("Scheduled: had not yet taken place when the sources were written.")
        sources = sorted({c.source for c in e.citations})
        description.append("Sources: " + "; ".join(facts.sources[s].label for s in sources) + ".")
        event.add("description", _one_line(" ".join(d for d in description if d)))
        if e.place:
            event.add("location", _one_line(e.place))
        event.add("status", "TENTATIVE" if e.status is EventStatus.SCHEDULED else "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical(sorted=False)  # properties in the order added: the same bytes on every build
