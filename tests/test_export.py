"""The data exports: facts.json validates against its committed schema, the CSVs and the calendar parse
with real parsers and say what the facts say, and every build writes the same bytes."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import re
from unittest import mock

import icalendar
import jsonschema
import pytest

from generator.model import Actor, Claim, ClockTime, Event, Position, Source, Topic
from generator.pages.export import EXPORT_FILES, FORMAT_VERSION, SCHEMA, calendar_events, exports
from generator.pipeline import check, generate
from generator.project import Project

from .conftest import REPO, copy_tree


@pytest.fixture(scope="module")
def repo_facts():
    result = check(Project.at(REPO))
    assert not result.errors
    return result.facts


@pytest.fixture(scope="module")
def files(repo_facts) -> dict[str, bytes]:
    return exports(repo_facts)


def test_facts_json_validates_against_its_schema(files, repo_facts):
    data = json.loads(files["data/facts.json"])
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["version"] == FORMAT_VERSION
    assert files["data/facts.schema.json"] == SCHEMA.read_bytes()
    for kind in ("actors", "events", "topics", "positions", "claims", "sources"):
        assert [x["id"] for x in data[kind]] == list(getattr(repo_facts, kind)), kind
    # The whole model with its citations: every quote is there, with its source.
    exported = {(c["source"], c["quote"]) for p in data["positions"] for c in p["citations"]}
    assert exported == {(c.source, c.quote) for p in repo_facts.positions.values() for c in p.citations}
    assert all(s["text"] == repo_facts.sources[s["id"]].body for s in data["sources"])


def test_facts_json_keeps_each_record_on_a_line_of_its_own(files):
    # So that a change to one fact changes one line of the file (and a diff shows which fact).
    text = files["data/facts.json"].decode("utf-8")
    data = json.loads(text)
    lines = text.split("\n")
    assert lines[0] == "{" and lines[-2:] == ["}", ""]
    top = [line for line in lines if line.startswith('"')]
    assert [json.loads(line.partition(": ")[0]) for line in top] == sorted(data)
    assert f'"version": "{FORMAT_VERSION}"' in lines and any(line.startswith('"info": {') for line in top)
    for kind in ("actors", "claims", "events", "positions", "sources", "topics"):
        start = lines.index(f'"{kind}": [')
        records = lines[start + 1 : start + 1 + len(data[kind])]
        assert lines[start + 1 + len(data[kind])] in ("]", "],"), kind
        # Each record whole on its line, keys sorted, text as written (not \u escapes).
        assert records == [json.dumps(r, ensure_ascii=False, sort_keys=True) + "," for r in data[kind][:-1]] + [
            json.dumps(data[kind][-1], ensure_ascii=False, sort_keys=True)
        ], kind
    assert "‘Serious’" in text


def test_schema_rejects_what_the_model_forbids(files):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    data = json.loads(files["data/facts.json"])
    data["events"][0]["status"] = "rumoured"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_csv_per_kind_parses_with_one_row_per_fact(files, repo_facts):
    for kind in ("actors", "events", "topics", "positions", "sources"):
        rows = list(csv.DictReader(io.StringIO(files[f"data/{kind}.csv"].decode("utf-8"), newline="")))
        assert [r["id"] for r in rows] == list(getattr(repo_facts, kind)), kind
    claims = list(csv.DictReader(io.StringIO(files["data/claims.csv"].decode("utf-8"), newline="")))
    assert len(claims) == sum(len(c.answers) for c in repo_facts.claims.values())
    citations = list(csv.DictReader(io.StringIO(files["data/citations.csv"].decode("utf-8"), newline="")))
    assert {(r["kind"], r["id"]) for r in citations} >= {("position", p) for p in repo_facts.positions}
    events = {r["id"]: r for r in csv.DictReader(io.StringIO(files["data/events.csv"].decode("utf-8")))}
    assert events["annexation-of-crimea-2014"]["precision"] == "year"
    assert events["biden-putin-call-2021-12-30"]["time"] == "15:35"


def test_csv_rows_say_what_the_facts_say_with_crlf_line_ends(basic: Project):
    # RFC 4180: CRLF after every row, UTF-8, a field quoted when it holds a comma. The basic fixture, whole.
    result = check(basic)
    assert not result.errors, result.errors
    files = exports(result.facts)
    serious = "‘Serious’ 50-minute telephone conversation between Biden and Putin sets the stage for diplomacy"
    expected = {
        "actors": [
            "id,name,kind,summary,roles,affiliations,aliases",
            "joe-biden,Joe Biden,person,President of the United States.,President of the United States,united-states,",
            "russia,Russia,state,,,,",
            "united-states,United States,state,,,,",
            "vladimir-putin,Vladimir Putin,person,,President of Russia,russia,",
            "yuri-ushakov,Yuri Ushakov,person,,Kremlin assistant,russia,Sir. Ushakov",
        ],
        "claims": [
            "id,question,kind,topic,answer_number,answer,said_by,said_by_unnamed,sources",
            "russian-troops-near-ukraine,How many Russian troops are near Ukraine?,number,sanctions,1,"
            '"At least 100,000",,,courier-second-call-50-minutes',
            "russian-troops-near-ukraine,How many Russian troops are near Ukraine?,number,sanctions,2,"
            '"60,000 to 90,000",,,serious-50-minute-conversation',
        ],
        "events": [
            "id,title,date,precision,end,time,timezone,status,place,actors,summary",
            "biden-putin-call-2021-12-30,Biden and Putin speak by phone,2021-12-30,day,,15:35,America/New_York,"
            "occurred,"
            '"Biden took part from Wilmington, Delaware",joe-biden vladimir-putin,'
            "The second conversation between the two presidents in December.",
            "geneva-talks-2022-01,US-Russia security talks,2022-01,month,,,,scheduled,,united-states russia,",
        ],
        "positions": [
            "id,actor,topic,stance,voice,reported_by,reported_by_unnamed,date",
            "biden-threatens-sanctions,joe-biden,sanctions,"
            "Threatened unprecedented sanctions if Russia invades Ukraine.,described,,,2021-12-30",
            "putin-sanctions-breach-of-ties,vladimir-putin,sanctions,"
            "Said new sanctions could lead to a complete collapse of ties.,reported,yuri-ushakov,,",
        ],
        "sources": [
            "id,title,label,outlet,author,date,translated,url",
            "courier-second-call-50-minutes,,Test article,,,2021-12-31,true,",
            f"serious-50-minute-conversation,{serious} over Ukraine,Test article,,,,false,",
        ],
        "topics": [
            "id,name,summary",
            "sanctions,Sanctions,Economic sanctions threatened against Russia if it invades Ukraine.",
        ],
    }
    for kind, rows in expected.items():
        assert files[f"data/{kind}.csv"] == "".join(row + "\r\n" for row in rows).encode("utf-8"), kind
    citations = files["data/citations.csv"].decode("utf-8").split("\r\n")
    assert citations[:2] == [
        "kind,id,source,quote",
        "actor,joe-biden,serious-50-minute-conversation,US President Joe Biden",
    ]
    assert {row.split(",")[0] for row in citations[1:-1]} == {"actor", "event", "topic", "position", "claim"}


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_cannot_become_spreadsheet_formulas(basic: Project, start):
    # Every character OWASP lists as starting a formula, in a multi-line field (where tab and CR are allowed).
    topic = basic.facts_dir / "topics" / "sanctions.yaml"
    text = topic.read_text(encoding="utf-8")
    formula = f"{start}HYPERLINK(1)"
    topic.write_text(text.replace('summary: "', f"summary: {json.dumps(formula)[:-1]} ", 1), encoding="utf-8")
    result = check(basic)
    assert not result.errors, result.errors
    rows = list(csv.DictReader(io.StringIO(exports(result.facts)["data/topics.csv"].decode("utf-8"), newline="")))
    (summary,) = [r["summary"] for r in rows if r["id"] == "sanctions"]
    assert not summary.startswith(("=", "+", "-", "@", "\t", "\r")), summary
    assert summary.removeprefix("'").lstrip().startswith(formula.lstrip()), "the text is kept"


def test_calendar_has_one_event_per_dated_event(files, repo_facts):
    cal = icalendar.Calendar.from_ical(files["data/timeline.ics"])
    vevents = {str(v["UID"]): v for v in cal.walk("VEVENT")}
    day_events = {e.id for e in repo_facts.events.values() if e.date.day}
    # A month- or year-precision event has no day to go on: it is left out rather than pinned to the 1st.
    assert set(vevents) == {f"{e}@factsheet" for e in day_events}
    call = vevents["biden-putin-call-2021-12-30@factsheet"]
    assert call.decoded("DTSTART") == dt.datetime(2021, 12, 30, 20, 35, tzinfo=dt.UTC)  # 15:35 in New York
    talks = vevents["geneva-talks-2022-01-10@factsheet"]
    assert talks.decoded("DTSTART") == dt.date(2022, 1, 10)  # all-day: a DATE, not a DATE-TIME
    assert talks.decoded("DTEND") == dt.date(2022, 1, 11)
    assert str(talks["STATUS"]) == "TENTATIVE"
    assert str(call["SUMMARY"]) == repo_facts.events["biden-putin-call-2021-12-30"].title
    stamps = {v.decoded("DTSTAMP") for v in vevents.values()}
    assert len(stamps) == 1
    for line in files["data/timeline.ics"].split(b"\r\n"):
        assert len(line) <= 75


def test_calendar_escapes_text(basic: Project):
    event = basic.facts_dir / "events" / "biden-putin-call-2021-12-30.yaml"
    text = event.read_text(encoding="utf-8")
    title = "Call; with, commas\\ and a very long title " + "é" * 60
    event.write_text(text.replace('"Biden and Putin speak by phone"', json.dumps(title)), encoding="utf-8")
    sheet = basic.facts_dir / "factsheet.yaml"
    sheet.write_text(sheet.read_text(encoding="utf-8").replace('"Test fact sheet"', '"Facts; tests, too"'))
    result = check(basic)
    assert not result.errors, result.errors
    ics = exports(result.facts)["data/timeline.ics"]
    # The bytes themselves (RFC 5545 3.3.11): icalendar's parser also accepts a bare ',' or ';' in text.
    for line in ics.split(b"\r\n"):
        assert len(line) <= 75 and line.decode("utf-8") is not None  # folded at 75 octets, between characters
    unfolded = ics.replace(b"\r\n ", b"").decode("utf-8").split("\r\n")
    assert "SUMMARY:Call\\; with\\, commas\\\\ and a very long title " + "é" * 60 in unfolded
    assert "X-WR-CALNAME:Facts\\; tests\\, too" in unfolded
    assert "LOCATION:Biden took part from Wilmington\\, Delaware" in unfolded
    (vevent,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == title


def test_calendar_says_what_the_events_say_in_date_order(basic: Project):
    events = basic.facts_dir / "events"
    quote = '    quote: "The call was requested by Mr Putin."\n'
    # Scheduled over three days, with no summary and no place.
    (events / "envoys-meet-2021-12-20.yaml").write_text(
        'id: envoys-meet-2021-12-20\ntitle: "Envoys meet"\ndate: "2021-12-20"\nend: "2021-12-22"\n'
        "status: scheduled\ncitations:\n  - source: serious-50-minute-conversation\n" + quote,
        encoding="utf-8",
    )
    # All day on the day of the call (at 15:35): it comes first, whatever its id. Runs of spaces and line
    # breaks become one space.
    (events / "white-house-statement-2021-12-30.yaml").write_text(
        'id: white-house-statement-2021-12-30\ntitle: "The White House  issues a statement"\ndate: "2021-12-30"\n'
        'status: occurred\nsummary: "A statement,\\non two lines."\n'
        "citations:\n  - source: serious-50-minute-conversation\n" + quote,
        encoding="utf-8",
    )
    result = check(basic)
    assert not result.errors, result.errors
    ics = exports(result.facts)["data/timeline.ics"]
    # DTSTAMP: the latest day any event or source names (the Courier's article, 31 December), not the clock.
    stamp = "DTSTAMP:20211231T000000Z"
    sources = "Sources: Test article"  # both articles of the fixture are labelled so
    assert ics.replace(b"\r\n ", b"").decode("utf-8").split("\r\n") == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//factsheet//timeline export {FORMAT_VERSION}//EN",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:Test fact sheet",
        "BEGIN:VEVENT",
        "UID:envoys-meet-2021-12-20@factsheet",
        stamp,
        "DTSTART;VALUE=DATE:20211220",
        "DTEND;VALUE=DATE:20211223",  # the day after the last
        "SUMMARY:Envoys meet",
        f"DESCRIPTION:Scheduled: had not yet taken place when the sources were written. {sources}.",
        "STATUS:TENTATIVE",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:white-house-statement-2021-12-30@factsheet",
        stamp,
        "DTSTART;VALUE=DATE:20211230",
        "DTEND;VALUE=DATE:20211231",
        "SUMMARY:The White House issues a statement",
        f"DESCRIPTION:A statement\\, on two lines. {sources}.",
        "STATUS:CONFIRMED",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:biden-putin-call-2021-12-30@factsheet",
        stamp,
        "DTSTART:20211230T203500Z",  # 15:35 in New York
        "SUMMARY:Biden and Putin speak by phone",
        f"DESCRIPTION:The second conversation between the two presidents in December. {sources}\\; Test article.",
        "LOCATION:Biden took part from Wilmington\\, Delaware",
        "STATUS:CONFIRMED",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]


def test_calendar_without_an_event_dated_to_the_day_is_empty_and_valid(basic: Project):
    # No day to put anything on (nor to pin DTSTAMP to): the calendar has no event rather than failing.
    seed = basic.seeds_dir / "courier-second-call-50-minutes.md"
    seed.write_text(seed.read_text(encoding="utf-8").replace('date: "2021-12-31"', 'date: "2021-12"'), encoding="utf-8")
    call = basic.facts_dir / "events" / "biden-putin-call-2021-12-30.yaml"
    text = call.read_text(encoding="utf-8").replace('date: "2021-12-30"', 'date: "2021-12"')
    call.write_text(text.replace('time: "15:35"\n', "").replace('timezone: "America/New_York"\n', ""), encoding="utf-8")
    result = check(basic)
    assert not result.errors, result.errors
    assert calendar_events(result.facts) == []
    ics = exports(result.facts)["data/timeline.ics"]
    assert icalendar.Calendar.from_ical(ics).walk("VEVENT") == []
    assert ics.endswith(b"X-WR-CALNAME:Test fact sheet\r\nEND:VCALENDAR\r\n")


def test_exports_are_written_beside_the_pages_and_deterministic(tmp_path):
    a = copy_tree("basic", tmp_path / "a")
    b = copy_tree("basic", tmp_path / "b")
    first, second = generate(a).exports, generate(b).exports
    assert first == second
    for path, data in first.items():
        assert (a.docs_dir / path).read_bytes() == data


@pytest.mark.parametrize(
    ("key", "cls", "extra"),
    [
        ("actors", Actor, set()),
        ("events", Event, {"precision"}),
        ("topics", Topic, set()),
        ("positions", Position, set()),
        ("claims", Claim, set()),
        ("sources", Source, {"label", "text"}),
    ],
)
def test_schema_names_every_field_of_the_model(key, cls, extra):
    """A field added to model.py must be added to facts.schema.json (and docs/exports.md) too."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    fields = {f.name for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
    assert set(schema["properties"][key]["items"]["properties"]) == fields | extra


def test_the_calendar_is_its_head_each_entry_written_alone_and_its_end(repo_facts):
    """timeline_ics joins each event's entry as icalendar writes it alone (so that it can be kept between
    builds): the same bytes as the whole calendar written at once."""
    from generator.pages.export import _calendar_event, _calendar_head, _dtstamp, timeline_ics

    cal = _calendar_head(repo_facts)
    stamp = _dtstamp(repo_facts)
    events = sorted(calendar_events(repo_facts), key=lambda e: (e.date, e.time or ClockTime(0, 0), e.id))
    assert len(events) > 3
    for e in events:
        cited = [repo_facts.sources[s] for s in sorted({c.source for c in e.citations})]
        cal.add_component(_calendar_event(e, stamp, cited))
    assert timeline_ics(repo_facts) == cal.to_ical(sorted=False)


def _exports_made_fresh(project: Project) -> dict[str, bytes]:
    return exports(check(project, cache=False).facts)


def _docs_exports(project: Project) -> dict[str, bytes]:
    return {path: (project.docs_dir / path).read_bytes() for path in EXPORT_FILES}


def test_an_incremental_generate_serializes_only_the_changed_records_and_writes_a_full_builds_exports(
    basic: Project,
):
    """Each record's piece of facts.json, the CSVs and the calendar is kept between builds, keyed on the
    record's value: after an edit only the edited records are written again, and every file is the one
    a build from scratch writes."""
    from generator.pages import export

    generate(basic)
    assert _docs_exports(basic) == _exports_made_fresh(basic)
    position = basic.root / "facts/positions/biden-threatens-sanctions.yaml"
    position.write_text(
        re.sub(r"(?m)^stance: .*$", 'stance: "Edited stance"', position.read_text(encoding="utf-8")), encoding="utf-8"
    )
    with mock.patch.object(export, "_json_record", side_effect=export._json_record) as records:
        generate(basic)
    assert [c.args[0].id for c in records.call_args_list] == ["biden-threatens-sanctions"]
    assert b"Edited stance" in (basic.docs_dir / "data/positions.csv").read_bytes()
    assert _docs_exports(basic) == _exports_made_fresh(basic)

    # A source's label is in the calendar entries of the events citing it: those entries are made again.
    seed = basic.root / "seeds/courier-second-call-50-minutes.md"
    seed.write_text(seed.read_text(encoding="utf-8").replace('label: "Test article"', 'label: "Relabelled"', 1))
    with mock.patch.object(export, "_calendar_event", side_effect=export._calendar_event) as entries:
        generate(basic)
    assert [c.args[0].id for c in entries.call_args_list] == ["biden-putin-call-2021-12-30"]
    assert b"Relabelled" in (basic.docs_dir / "data/timeline.ics").read_bytes()
    assert _docs_exports(basic) == _exports_made_fresh(basic)


def test_pieces_are_not_taken_from_an_export_file_changed_since_it_was_recorded(basic: Project):
    generate(basic)
    facts_json = basic.docs_dir / "data/facts.json"
    facts_json.write_bytes(facts_json.read_bytes().replace(b"Yuri Ushakov", b"Changed By Hand"))
    position = basic.root / "facts/positions/biden-threatens-sanctions.yaml"
    position.write_text(position.read_text(encoding="utf-8").replace("stance: ", 'stance: "Edited" #', 1))
    generate(basic)  # facts.json is made again: its unchanged records not cut from the altered file
    assert b"Changed By Hand" not in facts_json.read_bytes()
    assert _docs_exports(basic) == _exports_made_fresh(basic)


def test_kept_pieces_are_keyed_on_every_record_a_piece_shows():
    from generator.pages.export import Kept

    keys = {"a": "1", "b": "2"}
    kept = Kept(lambda record: keys.get(str(record)))
    assert kept.key(["a"]) != kept.key(["b"]) and kept.key(["a", "b"]) not in (kept.key(["a"]), kept.key(["b"]))
    assert kept.key(["a"], extra="2021-12-30") != kept.key(["a"])
    assert kept.key(["a", "unknown"]) is None  # a record without a key: the piece is made again
