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
import hashlib
import importlib.metadata
import json
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum
from pathlib import Path
from zoneinfo import ZoneInfo

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
    Source,
    Topic,
    all_citations,
    plain_text,
)

FORMAT_VERSION = "1.0"
"""Version of the export formats: the major number changes when a field is removed or changes meaning."""

if typing.TYPE_CHECKING:
    import icalendar

T = typing.TypeVar("T")

SCHEMA = Path(__file__).resolve().parent.parent / "facts.schema.json"
_KINDS = ("actors", "events", "topics", "positions", "claims")

EXPORT_FILES = {
    "data/facts.json": "application/json",
    "data/facts.schema.json": "application/schema+json",
    **{f"data/{kind}.csv": "text/csv" for kind in (*_KINDS, "sources", "citations")},
    "data/timeline.ics": "text/calendar",
}
"""Every export file with its media type (the home page lists them, its JSON-LD names the types)."""


def exports(
    facts: FactBase, make: Callable[[str, Callable[[], bytes]], bytes] | None = None, kept: Kept | None = None
) -> dict[str, bytes]:
    """Every export file, keyed by its path in the docs folder. `make(path, maker)` gives each file (by
    default `maker()`): an incremental build keeps a file whose inputs did not change (pipeline.py).
    `kept`: each record's piece of the files the previous build wrote, reused where the record is the same."""
    build = make or (lambda path, maker: maker())
    files = {path: build(path, maker) for path, maker in makers(facts, kept).items()}
    return dict(sorted(files.items()))


def makers(facts: FactBase, kept: Kept | None = None) -> dict[str, Callable[[], bytes]]:
    """The function that makes each export file (`exports` calls them, in this order), by path."""
    made: dict[str, Callable[[], bytes]] = {
        "data/facts.json": lambda: facts_json(facts, kept),
        "data/facts.schema.json": lambda: SCHEMA.read_bytes(),
        "data/sources.csv": lambda: _csv(
            _Joined("data/sources.csv", kept),
            ["id", "title", "label", "outlet", "author", "date", "translated", "url"],
            facts.sources.values(),
            _source_rows,
        ),
        "data/actors.csv": lambda: _csv(
            _Joined("data/actors.csv", kept),
            ["id", "name", "kind", "summary", "roles", "affiliations", "aliases"],
            facts.actors.values(),
            _actor_rows,
        ),
        "data/events.csv": lambda: _csv(
            _Joined("data/events.csv", kept),
            ["id", "title", "date", "precision", "end", "time", "timezone", "status", "place", "actors", "summary"],
            facts.events.values(),
            _event_rows,
        ),
        "data/topics.csv": lambda: _csv(
            _Joined("data/topics.csv", kept), ["id", "name", "summary"], facts.topics.values(), _topic_rows
        ),
        "data/positions.csv": lambda: _csv(
            _Joined("data/positions.csv", kept),
            ["id", "actor", "topic", "stance", "voice", "reported_by", "reported_by_unnamed", "date"],
            facts.positions.values(),
            _position_rows,
        ),
        # One row per answer: a claim is its question and two or more differing answers.
        "data/claims.csv": lambda: _csv(
            _Joined("data/claims.csv", kept),
            ["id", "question", "kind", "topic", "answer_number", "answer", "said_by", "said_by_unnamed", "sources"],
            facts.claims.values(),
            _claim_rows,
        ),
        "data/citations.csv": lambda: _csv(
            _Joined("data/citations.csv", kept), ["kind", "id", "source", "quote"], facts.facts(), _citation_rows
        ),
        "data/timeline.ics": lambda: timeline_ics(facts, kept),
    }
    assert made.keys() == EXPORT_FILES.keys()  # a new export is listed there too
    return made


# Kept between builds -------------------------------------------------------------------------------------

KEPT_RECORD = "exports.json"
"""The record of which bytes of each export file the previous build made from which record (cache.read_record)."""


class Kept:
    """The export files of the previous build cut into the pieces each record made, keyed on the values the
    piece is made from (`key_of` each: e.g. the hash of a fact's value; None: not keyed, made again), so
    that after an edit only the changed records are serialized again and the rest copied as bytes. A file
    is cut only when it is still the one recorded (its SHA-256); every file made notes its own pieces
    (`pieces`), for the next build.

    A piece is a pure function of its records' values (and of this code, which the record's signature
    covers): the same values, the same bytes."""

    def __init__(
        self,
        key_of: Callable[[object], str | None],
        docs: Path | None = None,
        record: object = None,
    ) -> None:
        self._key_of = key_of
        self._keys: dict[int, str | None] = {}  # by id() of a record, while its fact base lives
        self._docs = docs
        self._recorded: dict[str, tuple[str, list[tuple[str, int, int]]]] = _read_kept(record)
        self._previous: dict[str, dict[str, tuple[bytes, int, int]]] = {}
        self.pieces: dict[str, list[tuple[str, int, int]]] = {}

    def key(self, records: Sequence[object], extra: str = "") -> str | None:
        """One key for a piece made from `records` (and `extra`, anything else it shows); None if any of
        them has none."""
        parts = [extra]
        for record in records:
            found = self._keys.get(id(record), "")
            if found == "":
                found = self._keys[id(record)] = self._key_of(record)
            if found is None:
                return None
            parts.append(found)
        if len(parts) == 2 and not extra:  # most pieces: one record's, its own key
            return parts[1]
        return _sha("\n".join(parts).encode())

    def previous(self, path: str, key: str) -> bytes | None:
        """The bytes the previous build made for `key` in file `path`, if it recorded them."""
        pieces = self._previous.get(path)
        if pieces is None:
            pieces = self._previous[path] = self._cut(path)
        found = pieces.get(key)
        return found[0][found[1] : found[2]] if found is not None else None

    def _cut(self, path: str) -> dict[str, tuple[bytes, int, int]]:
        recorded = self._recorded.get(path)
        if recorded is None or self._docs is None:
            return {}
        target = self._docs / path
        try:
            data = b"" if target.is_symlink() else target.read_bytes()
        except OSError:
            return {}
        if _sha(data) != recorded[0]:  # changed since (by hand, or by a build without the cache)
            return {}
        return {key: (data, start, end) for key, start, end in recorded[1] if 0 <= start <= end <= len(data)}

    def carry(self, path: str, sha: str) -> None:
        """The file `path` was kept whole (its bytes have SHA-256 `sha`): so are its recorded pieces."""
        recorded = self._recorded.get(path)
        if recorded is not None and recorded[0] == sha:
            self.pieces[path] = recorded[1]

    def record(self, shas: Mapping[str, str]) -> dict[str, object]:
        """This build's pieces as a record (JSON) for the next one, given each file's SHA-256."""
        numbers: dict[str, int] = {}  # each key once: a fact's pieces in several files share it
        files = {
            path: [shas[path], [[numbers.setdefault(k, len(numbers)), start, end] for k, start, end in pieces]]
            for path, pieces in self.pieces.items()
            if path in shas
        }
        return {"version": _KEPT_VERSION, "keys": list(numbers), "files": files}


_KEPT_VERSION = [FORMAT_VERSION, importlib.metadata.version("icalendar")]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_kept(record: object) -> dict[str, tuple[str, list[tuple[str, int, int]]]]:
    """The files of a record `Kept.record` made, or nothing if it is not one."""
    if not isinstance(record, dict) or record.get("version") != _KEPT_VERSION:
        return {}
    keys, files = record.get("keys"), record.get("files")
    if not isinstance(keys, list) or not isinstance(files, dict):
        return {}
    found: dict[str, tuple[str, list[tuple[str, int, int]]]] = {}
    for path, value in files.items():
        if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)):
            continue
        try:
            pieces = [(keys[n], start, end) for n, start, end in value[1]]
        except (TypeError, ValueError, IndexError):
            continue
        if all(isinstance(k, str) and type(s) is int and type(e) is int for k, s, e in pieces):
            found[path] = (value[0], pieces)
    return found


class _Joined:
    """One export file, made of fixed text and of pieces each made from records (reused from `kept`)."""

    def __init__(self, path: str, kept: Kept | None) -> None:
        self.path, self.kept = path, kept
        self.chunks: list[bytes] = []
        self.size = 0
        self.pieces: list[tuple[str, int, int]] = []

    def text(self, text: str) -> None:
        self._add(text.encode("utf-8"))

    def piece(self, records: Sequence[object], make: Callable[[], str], extra: str = "") -> None:
        key = self.kept.key(records, extra) if self.kept is not None else None
        data = self.kept.previous(self.path, key) if self.kept is not None and key is not None else None
        if data is None:
            data = make().encode("utf-8")
        if key is not None:
            self.pieces.append((key, self.size, self.size + len(data)))
        self._add(data)

    def _add(self, data: bytes) -> None:
        self.chunks.append(data)
        self.size += len(data)

    def data(self) -> bytes:
        if self.kept is not None:
            self.kept.pieces[self.path] = self.pieces
        return b"".join(self.chunks)


# facts.json -------------------------------------------------------------------------------------------


@functools.cache
def _public_fields(cls: type) -> tuple[str, ...] | None:
    """The fields of a model class that go into the data (not the internal ones); None for other types."""
    if not dataclasses.is_dataclass(cls) or cls in (FactDate, ClockTime):
        return None
    return tuple(f.name for f in dataclasses.fields(cls) if not f.metadata.get("internal"))


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: object) -> object:
    """A model value as JSON data: dataclasses as objects (without internal fields), dates as ISO text."""
    if type(value) in _SCALARS:  # most values: text, numbers, booleans (one set look-up, not isinstance)
        return value
    if isinstance(value, str | int | float):  # their subclasses (a text enum) too
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


# One encoder for every record: json.dumps with options makes a new JSONEncoder on each call.
_dump = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def _json_record(fact: object) -> str:
    entry = _plain(fact)
    assert isinstance(entry, dict)  # a fact is a dataclass, so its plain form is an object
    if isinstance(fact, Source):
        entry["label"] = fact.label
        entry["text"] = fact.body
    if isinstance(fact, Event):
        entry["precision"] = fact.date.precision.value
    return _dump(entry)


def facts_json(facts: FactBase, kept: Kept | None = None) -> bytes:
    """The whole model: keys sorted; each top-level field, and each record of a list, on a line of its own,
    so that a change to one fact changes one line. (Indented JSON is written by json's pure-Python
    encoder, ten times slower.)"""
    out = _Joined("data/facts.json", kept)
    fields: dict[str, object] = {"version": FORMAT_VERSION, "info": facts.info, "sources": facts.sources}
    fields |= {kind: getattr(facts, kind) for kind in _KINDS}
    out.text("{\n")
    for n, name in enumerate(sorted(fields)):
        value = fields[name]
        out.text((",\n" if n else "") + f"{_dump(name)}: ")
        if name == "info":
            out.text(_dump(_plain(value)))
            continue
        if name == "version":
            out.text(_dump(value))
            continue
        assert isinstance(value, Mapping)
        if not value:
            out.text("[]")
            continue
        out.text("[\n")
        for i, fact in enumerate(value.values()):
            if i:
                out.text(",\n")
            out.piece((fact,), functools.partial(_json_record, fact))
        out.text("\n]")
    out.text("\n}\n")
    return out.data()


# CSV ---------------------------------------------------------------------------------------------------


# Spreadsheets run a cell starting with one of these as a formula (CWE-1236; OWASP's list, tab and CR too).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = plain_text(value)
    # Keep fact text as text: a leading apostrophe makes the spreadsheet show the cell as written.
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(out: _Joined, header: list[str], records: Iterable[T], rows_of: Callable[[T], list[list[object]]]) -> bytes:
    """A CSV file: the header, then each record's rows (`rows_of` it), a piece of the file per record."""
    lines: list[str] = []
    writer = csv.writer(_Lines(lines), lineterminator="\r\n")  # each row written is one line of text

    def rows_text(rows: list[list[object]]) -> str:
        writer.writerows([_cell(v) for v in row] for row in rows)
        text = "".join(lines)
        lines.clear()
        return text

    writer.writerow(header)
    out.text(lines.pop())
    for record in records:
        out.piece((record,), lambda: rows_text(rows_of(record)))  # noqa: B023 (called at once, in this turn)
    return out.data()


@dataclasses.dataclass(frozen=True)
class _Lines:
    """A file-like object for csv.writer that keeps what it writes in a list."""

    lines: list[str]

    def write(self, text: str) -> None:
        self.lines.append(text)


def _source_rows(s: Source) -> list[list[object]]:
    return [[s.id, s.title, s.label, s.outlet, s.author, s.date, s.translated, s.url]]


def _actor_rows(a: Actor) -> list[list[object]]:
    return [
        [
            a.id,
            a.name,
            a.kind,
            a.summary,
            "; ".join(r.title for r in a.roles),
            " ".join(dict.fromkeys(r.affiliation for r in a.roles if r.affiliation)),
            "; ".join(x.name for x in a.aliases),
        ]
    ]


def _event_rows(e: Event) -> list[list[object]]:
    return [
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
    ]


def _topic_rows(t: Topic) -> list[list[object]]:
    return [[t.id, t.name, t.summary]]


def _position_rows(p: Position) -> list[list[object]]:
    return [[p.id, p.actor, p.topic, p.stance, p.voice, p.reported_by, p.reported_by_unnamed, p.date]]


def _claim_rows(c: Claim) -> list[list[object]]:
    return [
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
        for n, a in enumerate(c.answers, 1)
    ]


_CITING_KINDS = {Actor: "actor", Event: "event", Topic: "topic", Position: "position", Claim: "claim"}


def _citation_rows(fact: Actor | Event | Topic | Position | Claim) -> list[list[object]]:
    return [[_CITING_KINDS[type(fact)], fact.id, c.source, c.quote] for c in all_citations(fact)]


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


def _calendar_head(facts: FactBase) -> icalendar.Calendar:
    import icalendar  # 0.1 s to import: only when the calendar is made (an incremental build mostly keeps it)

    cal = icalendar.Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", f"-//factsheet//timeline export {FORMAT_VERSION}//EN")
    cal.add("calscale", "GREGORIAN")
    # An X- property is TEXT by default (RFC 5545 3.8.8.2); given as vText so that it is escaped as text.
    cal.add("x-wr-calname", icalendar.vText(_one_line(facts.info.title)))
    return cal


def _calendar_event(e: Event, stamp: dt.datetime, sources: Sequence[Source]) -> icalendar.Event:
    """The entry of event `e`; `sources`: the sources it cites, sorted by id."""
    import icalendar

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
    description.append("Sources: " + "; ".join(s.label for s in sources) + ".")
    event.add("description", _one_line(" ".join(d for d in description if d)))
    if e.place:
        event.add("location", _one_line(e.place))
    event.add("status", "TENTATIVE" if e.status is EventStatus.SCHEDULED else "CONFIRMED")
    return event


def _calendar_entry(e: Event, stamp: dt.datetime, sources: Sequence[Source]) -> str:
    return str(_calendar_event(e, stamp, sources).to_ical(sorted=False).decode("utf-8"))


_CALENDAR_END = b"END:VCALENDAR\r\n"


def timeline_ics(facts: FactBase, kept: Kept | None = None) -> bytes:
    """The calendar, properties in the order added (the same bytes on every build). Each event's entry is a
    piece of its own: icalendar writes (and folds) a calendar line by line, so the calendar is its head,
    each entry as written alone, and its end."""
    out = _Joined("data/timeline.ics", kept)
    head = _calendar_head(facts).to_ical(sorted=False)
    assert head.endswith(_CALENDAR_END)
    out.text(head[: -len(_CALENDAR_END)].decode("utf-8"))
    stamp = _dtstamp(facts)
    for e in sorted(calendar_events(facts), key=lambda e: (e.date, e.time or ClockTime(0, 0), e.id)):
        sources = [facts.sources[s] for s in sorted({c.source for c in e.citations})]
        out.piece((e, *sources), functools.partial(_calendar_entry, e, stamp, sources), extra=stamp.isoformat())
    out.text(_CALENDAR_END.decode("utf-8"))
    return out.data()
