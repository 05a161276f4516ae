"""The fact model: what an editor writes in `facts/` and `seeds/`, as typed, immutable values.

These dataclasses are the single definition of the editors' contract. The validator converts YAML
into them field by field (guided by the type hints and the `doc` metadata below), and the JSON Schema
for editors is generated from the same hints, so the two cannot drift apart.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Annotated, ClassVar

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")  # use fullmatch: with match, "$" allows a final newline
SLUG_MAX = 80
# Ids that would name a generated list page: actors/index.md and sources/index.md.
RESERVED_IDS = frozenset({"index"})


def slugify(name: str) -> str:
    """A valid id from a name: ASCII letters and digits, lowercase, single hyphens, at most 80 characters."""
    # Accents go (í -> i); any other non-ASCII character separates words like a space.
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_text = "".join(c if c.isascii() else "" if unicodedata.combining(c) else " " for c in decomposed)
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > SLUG_MAX:
        cut = slug[: SLUG_MAX + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut else slug[:SLUG_MAX]
    return slug.strip("-")


@dataclass(frozen=True, order=True)
class Where:
    """A place in an input file, for diagnostics and for editors' links (1-based line and column)."""

    path: Path
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


def doc(text: str, **extra: object) -> dict[str, object]:
    """Field metadata: the editor-facing description (shown by the JSON Schema and the docs)."""
    return {"doc": text, **extra}


def where_field() -> Where:
    # Excluded from equality and from the schema: two facts are the same whatever line they sit on.
    return field(default=Where(Path("")), compare=False, repr=False, metadata={"internal": True})


class Ref:
    """Type annotation marker: the string is the id of an entity of `kind`."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __repr__(self) -> str:
        return f"Ref({self.kind!r})"


class Text:
    """Type annotation marker: free text for readers; `multiline` allows line breaks."""

    def __init__(self, multiline: bool = False, max_length: int = 2000) -> None:
        self.multiline = multiline
        self.max_length = max_length


Slug = Annotated[str, "slug"]
Url = Annotated[str, "url"]
ActorId = Annotated[str, Ref("actor")]
TopicId = Annotated[str, Ref("topic")]
SourceId = Annotated[str, Ref("source")]
EventId = Annotated[str, Ref("event")]
PositionId = Annotated[str, Ref("position")]
ClaimId = Annotated[str, Ref("claim")]
Line = Annotated[str, Text()]
Paragraph = Annotated[str, Text(multiline=True, max_length=5000)]
Quote = Annotated[str, Text(multiline=True, max_length=3000)]


class ActorKind(Enum):
    PERSON = "person"
    ORGANIZATION = "organization"
    STATE = "state"


class Precision(Enum):
    YEAR = "year"
    MONTH = "month"
    DAY = "day"


class EventStatus(Enum):
    """Whether an event had happened when the sources were written, or was still planned."""

    OCCURRED = "occurred"
    SCHEDULED = "scheduled"


class Voice(Enum):
    """Who speaks in a position: the actor in their own quoted words, someone giving an account of what the
    actor said or did, or the article itself describing it (attributed to no one)."""

    OWN_WORDS = "own-words"
    REPORTED = "reported"
    DESCRIBED = "described"


class ResponseKind(Enum):
    """What the other side said of an account: nothing when asked, not confirmed, or disputed."""

    NO_COMMENT = "no-comment"
    NOT_CONFIRMED = "not-confirmed"
    DISPUTED = "disputed"


class ClaimKind(Enum):
    """What the sources differ on. The first six are substantive disagreements; the last four are variants
    (the same fact written differently), shown apart and never counted as disagreements."""

    NUMBER = "number"
    DATE = "date"
    TIME = "time"
    ACCOUNT = "account"  # who said or did what
    TITLE = "title"
    DETAIL = "detail"
    SPELLING = "spelling"
    TRANSLITERATION = "transliteration"
    TRANSLATION = "translation"
    ROUNDING = "rounding"

    @property
    def is_variant(self) -> bool:
        return self in _VARIANTS


_VARIANTS = frozenset({ClaimKind.SPELLING, ClaimKind.TRANSLITERATION, ClaimKind.TRANSLATION, ClaimKind.ROUNDING})


_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True, order=True)
class FactDate:
    """A calendar date as precise as the sources allow: `2021`, `2021-12` or `2021-12-30`."""

    year: int
    month: int = 0
    day: int = 0

    @classmethod
    def parse(cls, text: str) -> FactDate:
        m = _DATE_RE.fullmatch(text)
        if not m:
            raise ValueError("expected YYYY, YYYY-MM or YYYY-MM-DD")
        year, month, day = (int(g) if g else 0 for g in m.groups())
        if month and not 1 <= month <= 12:
            raise ValueError(f"month {month} does not exist")
        if day:
            _dt.date(year, month, day)  # raises ValueError for 2021-02-30
        return cls(year, month, day)

    @property
    def precision(self) -> Precision:
        if self.day:
            return Precision.DAY
        return Precision.MONTH if self.month else Precision.YEAR

    def iso(self) -> str:
        if self.day:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        return f"{self.year:04d}-{self.month:02d}" if self.month else f"{self.year:04d}"

    def human(self) -> str:
        if self.day:
            return _dt.date(self.year, self.month, self.day).strftime("%-d %B %Y")
        if self.month:
            return _dt.date(self.year, self.month, 1).strftime("%B %Y")
        return str(self.year)

    def __str__(self) -> str:
        return self.iso()


_TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True, order=True)
class ClockTime:
    """A time of day, `HH:MM` on the 24-hour clock."""

    hour: int
    minute: int

    @classmethod
    def parse(cls, text: str) -> ClockTime:
        m = _TIME_RE.fullmatch(text)
        if not m:
            raise ValueError("expected HH:MM on the 24-hour clock, e.g. 15:35")
        return cls(int(m.group(1)), int(m.group(2)))

    def __str__(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"


@dataclass(frozen=True)
class Citation:
    """Words of a source article that support a fact; the check finds `quote` in `source` verbatim."""

    source: SourceId = field(metadata=doc("Id of the source article (a file in seeds/)."))
    quote: Quote = field(
        metadata=doc(
            "Words copied from the article, verbatim. Only whitespace, typographic quotes and dashes may differ."
        )
    )
    where: Where = where_field()

    WHERE_FIELD: ClassVar[str] = "quote"  # diagnostics point at the quote, the part editors get wrong


Citations = Annotated[list[Citation], "nonempty"]


@dataclass(frozen=True)
class Alias:
    """Another name or spelling of an actor, as one source prints it."""

    name: Line = field(metadata=doc("The spelling exactly as printed (typos included)."))
    citations: Citations = field(metadata=doc("Where this spelling is printed; the quote must contain it."))
    claim: ClaimId | None = field(
        default=None, metadata=doc("Id of the claim that records this spelling as a variant, if one does.")
    )
    where: Where = where_field()


@dataclass(frozen=True)
class Role:
    """A role an actor holds, as the sources describe it."""

    title: Line = field(metadata=doc("The role, e.g. 'White House press secretary'."))
    citations: Citations = field(metadata=doc("Where the sources give this role."))
    affiliation: ActorId | None = field(
        default=None, metadata=doc("Id of the actor the role belongs to (a state, a government, ...).")
    )
    start: FactDate | None = field(default=None, metadata=doc("When the role began, if the sources say."))
    end: FactDate | None = field(default=None, metadata=doc("When the role ended, if the sources say."))
    former: bool = field(default=False, metadata=doc("true when the sources call it a former role."))
    as_printed: bool = field(
        default=False,
        metadata=doc("true when the title is a translated text's rendering, shown as printed and marked so."),
    )
    claim: ClaimId | None = field(
        default=None,
        metadata=doc(
            "Id of the claim where the sources give different titles; roles naming the same claim are shown "
            "together as one role whose sources differ, never as concurrent roles."
        ),
    )
    where: Where = where_field()


@dataclass(frozen=True)
class Response:
    """What the other side said of a reported account: shown wherever the account is shown."""

    by: ActorId = field(metadata=doc("Id of the actor who has not confirmed or who disputes the account."))
    kind: ResponseKind = field(metadata=doc("no-comment, not-confirmed or disputed."))
    summary: Line = field(
        metadata=doc("What the article says of it, neutrally, e.g. 'A White House spokesman did not respond ...'.")
    )
    citations: Citations = field(metadata=doc("Where the article says so."))
    where: Where = where_field()


@dataclass(frozen=True)
class Actor:
    """A person, organization or state that acts, speaks or is discussed in the sources."""

    KIND: ClassVar[str] = "actor"
    FOLDER: ClassVar[str] = "actors"

    id: Slug = field(metadata=doc("Stable id; must equal the file name without .yaml."))
    name: Line = field(metadata=doc("The name readers know, e.g. 'Joe Biden'."))
    kind: ActorKind = field(metadata=doc("person, organization or state."))
    citations: Citations = field(metadata=doc("Where the sources name this actor."))
    summary: Paragraph | None = field(default=None, metadata=doc("One or two neutral sentences."))
    aliases: list[Alias] = field(default_factory=list, metadata=doc("Other spellings, each with its source."))
    roles: list[Role] = field(default_factory=list, metadata=doc("Roles as the sources give them."))
    where: Where = where_field()


@dataclass(frozen=True)
class Event:
    """Something that happened or was planned, on the timeline."""

    KIND: ClassVar[str] = "event"
    FOLDER: ClassVar[str] = "events"

    id: Slug = field(metadata=doc("Stable id; must equal the file name without .yaml."))
    title: Line = field(metadata=doc("Short title, e.g. 'Biden and Putin speak by phone'."))
    date: FactDate = field(metadata=doc("YYYY, YYYY-MM or YYYY-MM-DD: only as precise as the sources."))
    status: EventStatus = field(metadata=doc("occurred or scheduled (as of the sources)."))
    citations: Citations = field(metadata=doc("Where the sources report this event."))
    end: FactDate | None = field(default=None, metadata=doc("Last day, for an event over several days."))
    time: ClockTime | None = field(default=None, metadata=doc("Start time HH:MM, if the sources give it."))
    timezone: Line | None = field(
        default=None, metadata=doc("IANA time zone of `time`, e.g. America/New_York. Required with time.")
    )
    summary: Paragraph | None = field(default=None, metadata=doc("What happened, neutrally, briefly."))
    actors: list[ActorId] = field(default_factory=list, metadata=doc("Ids of the actors involved."))
    place: Line | None = field(default=None, metadata=doc("Where, as the sources say."))
    after: list[EventId] = field(
        default_factory=list, metadata=doc("Ids of events this one came after, where the text says so.")
    )
    before: list[EventId] = field(
        default_factory=list, metadata=doc("Ids of events this one came before, where the text says so.")
    )
    when: Line | None = field(
        default=None, metadata=doc("How the article places it in time, in its words, e.g. 'hours before the call'.")
    )
    date_note: Line | None = field(
        default=None,
        metadata=doc("When the date differs by place, e.g. '30 December in Washington, 31 December in Moscow'."),
    )
    responses: list[Response] = field(
        default_factory=list, metadata=doc("What the other side said of this account (not confirmed, disputed).")
    )
    where: Where = where_field()


@dataclass(frozen=True)
class Topic:
    """A subject on which actors take positions (NATO enlargement, sanctions, ...)."""

    KIND: ClassVar[str] = "topic"
    FOLDER: ClassVar[str] = "topics"

    id: Slug = field(metadata=doc("Stable id; must equal the file name without .yaml."))
    name: Line = field(metadata=doc("Short name, e.g. 'Sanctions'."))
    citations: Citations = field(metadata=doc("Where the sources discuss this topic."))
    summary: Paragraph | None = field(default=None, metadata=doc("What the topic covers."))
    where: Where = where_field()


@dataclass(frozen=True)
class Position:
    """An actor's stance on a topic: stated, demanded, warned or promised."""

    KIND: ClassVar[str] = "position"
    FOLDER: ClassVar[str] = "positions"

    id: Slug = field(metadata=doc("Stable id; must equal the file name without .yaml."))
    actor: ActorId = field(metadata=doc("Id of the actor who holds the position."))
    topic: TopicId = field(metadata=doc("Id of the topic."))
    stance: Paragraph = field(metadata=doc("The stance in one short neutral sentence."))
    voice: Voice = field(
        metadata=doc(
            "own-words (the actor's own quoted words), reported (someone's account of them: give reported_by "
            "or reported_by_unnamed) or described (the article's own description, attributed to no one)."
        )
    )
    citations: Citations = field(metadata=doc("Where the sources give this position."))
    reported_by: ActorId | None = field(
        default=None, metadata=doc("With voice: reported, id of the named actor whose account it is.")
    )
    reported_by_unnamed: Line | None = field(
        default=None,
        metadata=doc(
            "With voice: reported, the unnamed source as the article describes them, e.g. 'a White House official'."
        ),
    )
    date: FactDate | None = field(default=None, metadata=doc("When the position was stated, if known."))
    date_note: Line | None = field(
        default=None,
        metadata=doc("When the date differs by place, e.g. '30 December in Washington, 31 December in Moscow'."),
    )
    responses: list[Response] = field(
        default_factory=list, metadata=doc("What the other side said of this account (not confirmed, disputed).")
    )
    where: Where = where_field()


@dataclass(frozen=True)
class Answer:
    """One of the differing answers the sources give to a claim's question."""

    answer: Line = field(metadata=doc("The answer as this side gives it, e.g. 'at least 100,000'."))
    citations: Citations = field(metadata=doc("The sources that give this answer."))
    said_by: ActorId | None = field(default=None, metadata=doc("Id of the named actor who gives it, if any."))
    said_by_unnamed: Line | None = field(
        default=None, metadata=doc("The unnamed source who gives it, as the article describes them.")
    )
    note: Line | None = field(
        default=None, metadata=doc("A short neutral note shown with the answer, e.g. 'the article's own paraphrase'.")
    )
    where: Where = where_field()


@dataclass(frozen=True)
class Claim:
    """A question on which the sources disagree, with every answer and its sources."""

    KIND: ClassVar[str] = "claim"
    FOLDER: ClassVar[str] = "claims"

    id: Slug = field(metadata=doc("Stable id; must equal the file name without .yaml."))
    question: Line = field(metadata=doc("The question, e.g. 'How many Russian troops are near Ukraine?'."))
    kind: ClaimKind = field(
        metadata=doc(
            "What differs: number, date, time, account, title or detail (a disagreement), or spelling, "
            "transliteration, translation or rounding (a variant: the same fact written differently)."
        )
    )
    answers: Annotated[list[Answer], "two-or-more"] = field(
        metadata=doc("At least two differing answers, each with its sources.")
    )
    summary: Paragraph | None = field(default=None, metadata=doc("Why the answers may differ, neutrally."))
    topic: TopicId | None = field(default=None, metadata=doc("Id of the topic the claim belongs to."))
    events: list[EventId] = field(default_factory=list, metadata=doc("Ids of the events the claim bears on."))
    positions: list[PositionId] = field(default_factory=list, metadata=doc("Ids of the positions the claim bears on."))
    actors: list[ActorId] = field(default_factory=list, metadata=doc("Ids of the actors the claim bears on."))
    where: Where = where_field()

    @property
    def citations(self) -> list[Citation]:
        return [c for a in self.answers for c in a.citations]


@dataclass(frozen=True)
class Source:
    """A seed article: front matter in seeds/<id>.md, followed by the article text verbatim."""

    KIND: ClassVar[str] = "source"
    FOLDER: ClassVar[str] = "seeds"

    id: Slug = field(metadata=doc("Stable id; must equal the file name without .md."))
    label: Annotated[str, Text(max_length=60)] = field(
        metadata=doc(
            "A short, honest label for readers from what the text itself shows, e.g. 'the Courier, 31 Dec 2021'."
        )
    )
    title: Line | None = field(metadata=doc("The headline as printed; null when the text has none."))
    outlet: Line | None = field(metadata=doc("The publication, only if the text itself shows it; else null."))
    author: Line | None = field(metadata=doc("The byline, only if the text shows it; else null."))
    date: FactDate | None = field(metadata=doc("Publication date as far as the text supports it; else null."))
    translated: bool = field(metadata=doc("true when the text reads as a translation."))
    url: Url | None = field(metadata=doc("The article's address (http or https) if known; else null."))
    title_note: Line | None = field(default=None, metadata=doc("What the text shows instead of a headline."))
    outlet_note: Line | None = field(default=None, metadata=doc("What the text does show, e.g. a credit line."))
    author_note: Line | None = field(default=None, metadata=doc("Why the author is unknown."))
    date_note: Line | None = field(default=None, metadata=doc("What the date rests on."))
    translation_note: Line | None = field(default=None, metadata=doc("Why it reads as a translation."))
    url_note: Line | None = field(default=None, metadata=doc("Why there is no url."))
    original_file: Line | None = field(default=None, metadata=doc("The file name the article came in."))
    original_sha256: Line | None = field(
        default=None, metadata=doc("SHA-256 of the original text; the check compares the body with it.")
    )
    boilerplate: list[Line] = field(
        default_factory=list,
        metadata=doc(
            "Paragraphs of the body that state no fact (comment prompts, 'source link', credits, captions "
            "without facts), copied exactly; coverage reports do not count them as uncited."
        ),
    )
    body: str = field(default="", metadata={"internal": True})
    body_line: int = field(default=0, metadata={"internal": True})
    where: Where = where_field()

    def paragraphs(self) -> list[tuple[int, int]]:
        """Offsets [start, end) of each non-blank line of the body: its paragraphs, numbered from 1."""
        spans, pos = [], 0
        for line in self.body.split("\n"):
            start = pos + (len(line) - len(line.lstrip()))
            end = pos + len(line.rstrip())
            if end > start:
                spans.append((start, end))
            pos += len(line) + 1
        return spans

    @property
    def headline(self) -> str:
        """The article's headline as printed, or its label when the text has none."""
        return self.title or self.label


@dataclass(frozen=True)
class SheetInfo:
    """facts/factsheet.yaml: what the whole fact sheet is about."""

    title: Line = field(metadata=doc("The site's title."))
    description: Paragraph = field(metadata=doc("What the fact sheet covers, in two or three sentences."))
    focus_event: EventId | None = field(default=None, metadata=doc("Id of the event at the centre."))
    where: Where = where_field()


ENTITY_TYPES: tuple[type[Entity], ...] = (Actor, Event, Topic, Position, Claim)
Entity = Actor | Event | Topic | Position | Claim | Source
BY_KIND: dict[str, type[Entity]] = {t.KIND: t for t in (*ENTITY_TYPES, Source)}


def file_for(kind: str, id_: str) -> str:
    """Where the fact of `kind` (a key of BY_KIND) with id `id_` lives, relative to the fact sheet."""
    cls = BY_KIND[kind]
    return f"seeds/{id_}.md" if cls is Source else f"facts/{cls.FOLDER}/{id_}.yaml"


@dataclass(frozen=True)
class FactBase:
    """Everything the site is built from, after validation; each collection sorted by id."""

    info: SheetInfo
    sources: dict[str, Source]
    actors: dict[str, Actor]
    events: dict[str, Event]
    topics: dict[str, Topic]
    positions: dict[str, Position]
    claims: dict[str, Claim]

    def facts(self) -> list[Actor | Event | Topic | Position | Claim]:
        """Every fact that carries citations, in a fixed order."""
        return [
            *self.actors.values(),
            *self.events.values(),
            *self.topics.values(),
            *self.positions.values(),
            *self.claims.values(),
        ]


def plain_text(value: object) -> str:
    """A scalar field's value as one line of plain text: null is empty, booleans and enums as written in YAML."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    return " ".join(str(value).split())


def supporting_citations(fact: object) -> list[Citation]:
    """The citations that give the fact itself: its own and those of its aliases and roles. Not its responses:
    the other side's comment on an account (or its silence) is not a second source for the account."""
    found = list(getattr(fact, "citations", []))
    for part in (*getattr(fact, "aliases", ()), *getattr(fact, "roles", ())):
        found.extend(part.citations)
    return found


def all_citations(fact: object) -> list[Citation]:
    """Every citation a fact carries: those that give it and those of its responses."""
    found = supporting_citations(fact)
    for response in getattr(fact, "responses", ()):
        found.extend(response.citations)
    return found
