"""Stage 3: the fact model -> one context per page. The only place that decides what a page shows.

Templates receive these plain values and only lay them out. Every link is a `Target` (page and anchor)
that the renderer makes relative to the page it appears on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import itertools
import pickle
import typing
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from zoneinfo import ZoneInfo

from generator.checks import chronology, quotes
from generator.model import (
    Actor,
    ActorKind,
    Answer,
    Citation,
    Claim,
    ClockTime,
    Entity,
    Event,
    EventStatus,
    FactBase,
    FactDate,
    Position,
    Precision,
    Source,
    Topic,
    Voice,
    all_citations,
    supporting_citations,
)
from generator.pages.citations import CitedPassage, Places, landing_anchor, landings, locate
from generator.pages.export import EXPORT_FILES
from generator.pages.reads import INFO_TOKEN, Known, Reads, ReadsAll, reading, untoken


@dataclass(frozen=True, order=True)
class Target:
    page: str  # path of the Markdown page inside the docs folder, e.g. "actors/joe-biden.md"
    anchor: str | None = None


@dataclass(frozen=True)
class Link:
    text: str
    target: Target


@dataclass(frozen=True)
class CitationView:
    source_key: str  # short, stable label of the source: S1, S2, ...
    source_label: str
    quote: str
    target: Target  # where this fact's link to the quote lands: outlined, with a link back to the fact
    order: int  # the source's place in the sources' order: marks are sorted by it
    mark_target: Target  # where the source mark lands: every quote of this source in its run of citations
    mark_quotes: tuple[str, ...]  # those quotes: what the mark's tooltip says


@dataclass(frozen=True)
class Segment:
    text: str
    quote_ids: tuple[str, ...] = ()  # the quotes this piece of text belongs to (empty: not cited)
    anchors: tuple[str, ...] = ()  # quote anchors that start here


@dataclass(frozen=True)
class Paragraph:
    number: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class QuoteUse:
    anchor: str
    quote: str
    cited_by: tuple[Link, ...]


@dataclass(frozen=True)
class Page:
    path: str
    template: str
    title: str
    make_context: Callable[[], dict[str, object]] = field(repr=False, compare=False)

    @property
    def origin(self) -> str | None:
        return page_origin(self.path)

    @property
    def context(self) -> dict[str, object]:
        """What the template gets. Built when the page is rendered, possibly in a worker process: each
        entity page's context is its own work, like its rendering."""
        context = self.make_context()
        context.setdefault("legend", legend(context))
        return context

    def context_reads(self) -> tuple[dict[str, object], tuple[str, ...]]:
        """The context and what building it read of the fact base (`Reads` tokens, sorted): the page's
        dependencies. The same reads giving the same values give the same context (_Builder.digest)."""
        return reading(lambda: self.context)


_KINDS = ("source", "actor", "event", "topic", "position", "claim")
_SCALARS = frozenset({str, int, float, bool, type(None)})
_ENTITIES = frozenset({Actor, Event, Topic, Position, Claim, Source})


@functools.cache
def _field_names(cls: type) -> tuple[str, ...] | None:
    """The fields of a dataclass, in order; None for any other class."""
    return tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else None


# Values `legend` need not look into: no CitationView is, or is held by, one of these.
_LEAVES = frozenset({str, int, bool, type(None), Target, Link, FactDate, Segment, Paragraph, QuoteUse})


def legend(context: object) -> list[dict[str, object]]:
    """The sources a page cites, in the sources' order: the key to its source marks (S1, S2...), on
    paper as on screen. Found in the page's views, so that no page kind can forget one."""
    found: dict[str, CitationView] = {}
    todo = [context]
    while todo:
        value = todo.pop()
        # Most values are text, links and other leaves: a look-up in a set each, not three isinstance calls
        # (a page's context holds tens of thousands of values at 10,000 facts).
        if type(value) in _LEAVES:
            continue
        if isinstance(value, CitationView):
            found.setdefault(value.source_key, value)
        elif isinstance(value, dict):
            todo.extend(value.values())
        elif isinstance(value, list | tuple):
            todo.extend(value)
    return [
        {"key": c.source_key, "label": c.source_label, "target": Target(c.target.page)}
        for c in sorted(found.values(), key=lambda c: c.order)
    ]


# The positions matrix: one column per side (a state, with the actors whose current roles tie them to it),
# the sides with the most positions first; everyone else is behind a toggle. A cell shows at most
# _MATRIX_CELL positions and links to its topic's page for the rest, so the page stays small at any scale.
_MATRIX_SIDES = 3
_MATRIX_CELL = 5

PAGES = {
    "home": "index.md",
    "actors": "actors/index.md",
    "timeline": "timeline.md",
    "positions": "positions.md",
    "claims": "claims.md",
    "sources": "sources/index.md",
    "about": "about.md",
}

# What each list page is made from, for "Suggest a correction": a page made from every file of a kind
# names their folder (ending in "/"); the About page is the generator's own text.
_LIST_ORIGINS = {
    PAGES["home"]: "facts/factsheet.yaml",
    PAGES["actors"]: "facts/actors/",
    PAGES["timeline"]: "facts/events/",
    PAGES["positions"]: "facts/positions/",
    PAGES["claims"]: "facts/claims/",
    PAGES["sources"]: "seeds/",
}


def page_origin(path: str) -> str | None:
    """The file a page is made from, relative to the fact sheet's folder: an actor's, topic's or source's
    own file (a page made from several files names the main one), or a list page's folder."""
    if path in _LIST_ORIGINS:
        return _LIST_ORIGINS[path]
    folder, _, name = path.partition("/")
    stem = name.removesuffix(".md")
    return {
        "actors": f"facts/actors/{stem}.yaml",
        "topics": f"facts/topics/{stem}.yaml",
        "sources": f"seeds/{stem}.md",
    }.get(folder)


SCHEMA_ORG = "https://schema.org"
_LD_ACTOR_TYPES = {ActorKind.PERSON: "Person", ActorKind.ORGANIZATION: "Organization", ActorKind.STATE: "Country"}


def _start_date(date: FactDate, time: ClockTime, zone: str) -> str:
    """The ISO 8601 start of a timed event: local time with its ±HH:MM offset (the check makes sure the zone
    exists), or the same instant in UTC when that day's offset is not whole minutes (local mean time before
    the zone adopted standard time, e.g. -04:56:02), which ISO 8601 and JSON-LD cannot write."""
    when = dt.datetime(date.year, date.month, date.day, time.hour, time.minute, tzinfo=ZoneInfo(zone))
    offset = when.utcoffset()
    if offset is not None and offset.total_seconds() % 60 == 0:
        return when.isoformat(timespec="seconds")
    return when.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def side_of(actors: dict[str, Actor], actor_id: str) -> str | None:
    """The state an actor speaks for: itself if a state, else the one state its current roles lead to
    through their affiliations (a spokesman -> a ministry -> a state); None when none or several do."""
    states: set[str] = set()
    seen: set[str] = set()
    todo = [actor_id]
    while todo:
        a = todo.pop()
        if a in seen or a not in actors:
            continue
        seen.add(a)
        if actors[a].kind is ActorKind.STATE:
            states.add(a)
        else:
            todo += [r.affiliation for r in actors[a].roles if r.affiliation and not r.former]
    return states.pop() if len(states) == 1 else None


def _first_per_source(citations: list[Citation]) -> list[Citation]:
    first: dict[str, Citation] = {}
    for c in citations:
        first.setdefault(c.source, c)
    return list(first.values())


def _one_mark_per_source(views: list[CitationView]) -> list[CitationView]:
    # Each view's mark already lands on all the run's quotes of its source, and says so.
    first: dict[str, CitationView] = {}
    for v in views:
        first.setdefault(v.source_key, v)
    return list(first.values())


_UNKNOWN_DAY = {Precision.MONTH: "Day not known", Precision.YEAR: "Month and day not known"}


def _first(used: set[str], anchor: str) -> str | None:
    """`anchor` the first time it is asked for, None after: an id names one place on a page."""
    if anchor in used:
        return None
    used.add(anchor)
    return anchor


def fact_target(fact: Entity) -> Target:
    kind: type = type(fact)  # typed `type`: mypy finds no __hash__ on type[...] (mypy issue 20409)
    return _target(kind, fact.id, fact.topic if isinstance(fact, Position) else None)


@functools.lru_cache(maxsize=65536)
def _target(kind: type, fact_id: str, topic: str | None) -> Target:
    # One Target per fact, kept: pages link to the same facts over and over (150,000 links at 10,000
    # facts), and a frozen dataclass is slow to make. A Target is immutable, so sharing one is safe.
    if issubclass(kind, Actor):
        return Target(f"actors/{fact_id}.md")
    if issubclass(kind, Source):
        return Target(f"sources/{fact_id}.md")
    if issubclass(kind, Topic):
        return Target(f"topics/{fact_id}.md")
    if issubclass(kind, Position):
        return Target(f"topics/{topic}.md", fact_id)
    return Target({Event: PAGES["timeline"], Claim: PAGES["claims"]}[kind], fact_id)


# What each index of _Builder is made from: the kinds of fact (and "info", the sheet's own file) whose
# files it reads. A read's value is a function of these files alone, so while they are the ones of the
# previous build (the same contents, by the check's hashes), its hash is the one recorded then
# (`Known`). The builder makes each index from a fact base that holds only these kinds (`_only`), so an
# index that reads another fails at once instead of being served stale.
MADE_FROM: dict[str, tuple[str, ...]] = {
    **{kind: (kind,) for kind in ("source", "actor", "event", "topic", "position", "claim")},
    INFO_TOKEN: ("info",),
    "source_keys": ("source",),
    "source_order": ("source",),
    "folded": ("source",),
    "passages": ("info", "source", "actor", "event", "topic", "position", "claim"),
    "passage_counts": ("info", "source", "actor", "event", "topic", "position", "claim"),
    "mentions": ("source", "actor"),
    "by_actor": ("position",),
    "by_reporter": ("position",),
    "by_topic": ("position",),
    "order": ("event",),
    "before_focus": ("event", "info"),
    "events_of": ("event",),
    "claims_on": ("claim",),
    "answers_of": ("claim",),
}


class _Unread(dict[str, object]):
    """A kind of fact an index may not read (see MADE_FROM): any use of it fails."""

    def _refuse(self, *_: object, **__: object) -> typing.NoReturn:
        raise AssertionError("an index of context._Builder read a kind of fact missing from its MADE_FROM")

    __getitem__ = __iter__ = __len__ = __contains__ = get = keys = values = items = _refuse


def _only(facts: FactBase, name: str) -> FactBase:
    """`facts` with only the kinds index `name` is made from (MADE_FROM); the sheet's info is blank
    unless it is one of them."""
    kinds = MADE_FROM[name]
    unread = {f"{k}s": _Unread() for k in _KINDS if k not in kinds}
    if "info" not in kinds:
        unread["info"] = _Unread()
    return dataclasses.replace(facts, **unread)  # type: ignore[arg-type]


class _Builder:
    def __init__(
        self,
        facts: FactBase,
        places: Places | None = None,
        files: Mapping[tuple[str, str], str] | None = None,
        known: Known | None = None,
        jobs: int | None = None,
    ) -> None:
        self.facts = facts
        self._entities: dict[int, str] = {}
        self.made_from = self._made_from(facts, files or {})
        known = known or Known()
        self._known = known.digests
        self._reusable = frozenset(
            name for name, key in self.made_from.items() if key is not None and known.inputs.get(name) == key
        )
        self.source_keys = {sid: f"S{i}" for i, sid in enumerate(_only(facts, "source_keys").sources, 1)}
        self.source_order = {sid: i for i, sid in enumerate(_only(facts, "source_order").sources)}
        self._citation_views: dict[tuple[object, ...], CitationView] = {}
        # cite()'s views of each run, by the run's identity and its fact: the same run shows on several
        # pages (a position on its topic's, its actor's and the positions page). Each entry keeps the run
        # itself, so that no other object can take its id while the entry lives.
        self._runs: dict[tuple[int, str | None, str | None], tuple[Sequence[Citation], list[CitationView]]] = {}
        self._actor_links: dict[str, Link] = {}
        self._quote_ids: dict[str, str] = {}
        self.folded = {sid: quotes.fold_text(s.body) for sid, s in _only(facts, "folded").sources.items()}
        self.passages = locate(_only(facts, "passages"), places, jobs)
        # What a source's listing shows of its passages: a read of these counts is not one of the citing facts.
        self.passage_counts = {sid: (sum(len(p.facts) for p in ps), len(ps)) for sid, ps in self.passages.items()}
        # Which sources name each actor (or alias): one pass over each article for all names.
        actors = _only(facts, "mentions").actors
        self.mentions = quotes.occurrences_in(
            self.folded,
            {quotes.fold_text(n) for a in actors.values() for n in (a.name, *(x.name for x in a.aliases))},
        )
        # Indexes by actor and topic, so that each page costs its own facts, not the whole fact base.
        self.by_actor: dict[str, list[Position]] = defaultdict(list)
        self.by_reporter: dict[str, list[Position]] = defaultdict(list)
        self.by_topic: dict[str, list[Position]] = defaultdict(list)
        for p in _only(facts, "by_actor").positions.values():  # by_reporter and by_topic: the same kinds
            self.by_actor[p.actor].append(p)
            self.by_topic[p.topic].append(p)
            if p.reported_by is not None:
                self.by_reporter[p.reported_by].append(p)
        self.order = chronology.timeline(_only(facts, "order").events)
        focus = _only(facts, "before_focus")
        self.before_focus = chronology.precedes(focus.events, focus.info.focus_event or "")
        self.events_of: dict[str, list[Event]] = defaultdict(list)
        for e in self.order:  # made from `order` alone
            for actor_id in dict.fromkeys(e.actors):
                self.events_of[actor_id].append(e)
        # Claims by the facts they bear on: every page showing such a fact says that the sources differ.
        self.claims_on: dict[tuple[str, str], list[Claim]] = defaultdict(list)
        for c in _only(facts, "claims_on").claims.values():
            for kind, ids in (("event", c.events), ("position", c.positions), ("actor", c.actors)):
                for i in ids:
                    self.claims_on[(kind, i)].append(c)
            if c.topic:
                self.claims_on[("topic", c.topic)].append(c)
        self.answers_of: dict[str, list[tuple[Claim, Answer]]] = defaultdict(list)
        for c in _only(facts, "answers_of").claims.values():
            for ans in c.answers:
                if ans.said_by is not None:
                    self.answers_of[ans.said_by].append((c, ans))
        self._track(facts)

    def _made_from(self, facts: FactBase, files: Mapping[tuple[str, str], str]) -> dict[str, str | None]:
        """Per index (MADE_FROM), one hash of the files it is made from (None when a file's hash is not
        known). `files`: the check's hash of each fact's file, by (model class name, id). Each entity
        object of `facts` is hashed as its file (the check cache's own key: the same bytes at the same
        path make the same object), instead of pickling it."""
        kinds: dict[str, str | None] = {}
        info = files.get((type(facts.info).__name__, ""))
        kinds["info"] = None if info is None else hashlib.sha256(info.encode()).hexdigest()
        for kind in _KINDS:
            parts: list[str] = []
            for fact_id, fact in getattr(facts, f"{kind}s").items():
                found = files.get((type(fact).__name__, fact_id))
                if found is None:
                    break
                # The object is the one `facts` holds (kept alive by it): its hash is its file's.
                digest = self._entities[id(fact)] = hashlib.sha256(found.encode()).hexdigest()
                parts.append(f"{fact_id}\n{digest}")
            else:
                kinds[kind] = hashlib.sha256("\n".join(parts).encode()).hexdigest()
                continue
            kinds[kind] = None
        made: dict[str, str | None] = {}
        for name, sources in MADE_FROM.items():
            keys = [kinds[k] for k in sources]
            made[name] = None if any(k is None for k in keys) else hashlib.sha256(repr(keys).encode()).hexdigest()
        return made

    def _track(self, facts: FactBase) -> None:
        """From here on, every read of the fact base and of the indexes is noted (see `Reads`)."""
        kinds: dict[str, Mapping[str, object]] = {"source": facts.sources, "actor": facts.actors}
        kinds |= {"event": facts.events, "topic": facts.topics, "position": facts.positions, "claim": facts.claims}
        views = {kind: Reads(kind, data) for kind, data in kinds.items()}
        self.facts = dataclasses.replace(facts, **{f"{k}s": v for k, v in views.items()})  # type: ignore[arg-type]
        indexes: dict[str, Reads | ReadsAll] = dict(views)
        for name in ("source_keys", "source_order", "folded", "passages", "passage_counts", "mentions"):
            indexes[name] = Reads(name, getattr(self, name))
        for name in ("by_actor", "by_reporter", "by_topic", "events_of", "claims_on", "answers_of"):
            indexes[name] = Reads(name, getattr(self, name), list)
        indexes["order"] = ReadsAll("order", self.order)
        indexes["before_focus"] = ReadsAll("before_focus", self.before_focus)
        for name, index in indexes.items():
            if name not in views:
                setattr(self, name, index)
        self.indexes = indexes
        self._digests: dict[str, str] = {}

    def digest(self, tokens: Iterable[str]) -> str:
        """One hash of the values the reads `tokens` give now (with each token, so that a read that is
        no longer made or a new one changes it too)."""
        parts = []
        for token in tokens:
            found = self._digests.get(token) or self._token_digest(token)
            parts.append(f"{token}\n{found}")
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def unchanged(self, tokens: Iterable[str]) -> bool:
        """Whether every read of `tokens` gives the value the previous build recorded for it (False when it
        recorded none). A page's reads, as that build noted them: the page's context is then the same. One
        look-up per read where `digest` would hash them all again: most pages are unchanged after an edit,
        and they read 250,000 values at 10,000 facts."""
        known, digests = self._known, self._digests
        for token in tokens:
            found = digests.get(token) or self._token_digest(token)
            if found != known.get(token):
                return False
        return True

    def note(self, tokens: Iterable[str]) -> None:
        """Hash the values the reads `tokens` give now, for the next build's record (`known`): the reads of
        a page built now, which `unchanged` compares next time. No hash of them all, as `digest` makes."""
        digests = self._digests
        for token in tokens:
            if token not in digests:
                self._token_digest(token)

    def _token_digest(self, token: str) -> str:
        """The hash of the value `token` reads now, kept for `known` (the next build's record)."""
        if token.partition("\t")[0] in self._reusable and token in self._known:
            found = self._known[token]  # made from the same files as the previous build's
        else:
            found = self._value_digest(token)
        self._digests[token] = found
        return found

    def known(self) -> Known:
        """What the next build may take from this one: the reads hashed so far, and their indexes' files."""
        made = {name: key for name, key in self.made_from.items() if key is not None}
        return Known(made, {t: d for t, d in self._digests.items() if t.partition("\t")[0] in made})

    def _value_digest(self, token: str) -> str:
        if token == INFO_TOKEN:
            value: object = self.facts.info
        else:
            name, key = untoken(token)
            index = self.indexes.get(name)
            if index is None:  # a read this code does not make: unequal to any (the page is rebuilt)
                return "unknown"
            value = index.value(key)
        return hashlib.sha256(pickle.dumps(self._plain(value), protocol=5)).hexdigest()

    def _plain(self, value: object) -> object:
        """`value` as plain data that pickles the same for equal values: each entity (a fact or source) as
        the hash of its own pickle (computed once), a dataclass as its class and its fields' values in
        order, sets sorted. Scalars are taken as they are without a call: after one edit at 10,000 facts
        the passages of every source are hashed again, 190,000 values."""
        kind: type = type(value)  # typed `type`: mypy finds no __hash__ on type[object] (mypy issue 20409)
        if kind in _SCALARS:
            return value
        plain = self._plain
        if kind is list or kind is tuple:
            return [v if type(v) in _SCALARS else plain(v) for v in typing.cast(Sequence[object], value)]
        if kind in _ENTITIES:
            return (kind.__name__, self._entity_digest(value))
        if kind is CitedPassage:  # a source's passages, each with the facts citing it: most of what is hashed
            passage = typing.cast(CitedPassage, value)
            facts = [(type(f).__name__, self._entity_digest(f)) for f in passage.facts]
            return (kind.__name__, passage.anchor, passage.quote, passage.start, passage.end, facts)
        names = _field_names(kind)
        if names is not None:
            fields = [getattr(value, name) for name in names]
            return (kind.__name__, [v if type(v) in _SCALARS else plain(v) for v in fields])
        if isinstance(value, dict):
            return [(plain(k), plain(v)) for k, v in value.items()]
        if isinstance(value, set | frozenset):
            return sorted((plain(v) for v in value), key=repr)
        return (kind.__name__, pickle.dumps(value, protocol=5))

    def _entity_digest(self, entity: object) -> str:
        """The hash of a fact or source: of its file when the check knew it (_made_from), else of its pickle."""
        found = self._entities.get(id(entity))
        if found is None:
            found = self._entities[id(entity)] = hashlib.sha256(pickle.dumps(entity, protocol=5)).hexdigest()
        return found

    def label(self, fact: object) -> str:
        if isinstance(fact, Position):
            return f"{self.facts.actors[fact.actor].name} on {self.facts.topics[fact.topic].name}"
        if isinstance(fact, Claim):
            return fact.question
        if isinstance(fact, Actor | Topic):
            return fact.name
        if isinstance(fact, Event):
            return fact.title
        return fact.label if isinstance(fact, Source) else ""

    def quote_id(self, quote: str) -> str:
        qid = self._quote_ids.get(quote)
        if qid is None:
            qid = self._quote_ids[quote] = quotes.quote_id(quote)
        return qid

    def cite(self, citations: Sequence[Citation], fact: Entity | None = None) -> list[CitationView]:
        """A run of `fact`'s citations (one of citations.citation_lists): each lands on its quote, and
        each source's mark on all of the run's quotes of that source, with a link back to `fact`. Citations
        of no one fact (None: several facts' runs merged) land on the quotes themselves, with no way back,
        and each source's mark on its first quote. A new list each time (the views in it are shared)."""
        key = (id(citations), fact.KIND if fact else None, fact.id if fact else None)
        kept = self._runs.get(key)
        if kept is not None and kept[0] is citations:
            for source in dict.fromkeys(c.source for c in citations):
                self._made_of(source)  # what the views are made of besides the run: still this page's reads
            return list(kept[1])
        views = self._cite(citations, fact)
        self._runs[key] = (citations, views)
        return list(views)

    def _made_of(self, source: str) -> tuple[str, str, int]:
        return self.source_keys[source], self.facts.sources[source].label, self.source_order[source]

    def _cite(self, citations: Sequence[Citation], fact: Entity | None) -> list[CitationView]:
        of_source: dict[str, list[str]] = defaultdict(list)
        words: dict[str, dict[str, None]] = defaultdict(dict)
        for c in citations:
            of_source[c.source].append(self.quote_id(c.quote))
            words[c.source][c.quote] = None
        if fact is None:
            marks = {sid: anchors[0] for sid, anchors in of_source.items()}
        else:
            marks = {sid: landing_anchor(fact, anchors) for sid, anchors in of_source.items()}
        return [self._cited(c.source, c.quote, fact, marks[c.source], tuple(words[c.source])) for c in citations]

    def _cited(
        self, source: str, quote: str, fact: Entity | None, mark: str, mark_quotes: tuple[str, ...]
    ) -> CitationView:
        # Each citation shows on several pages (its fact's, its actors', its source's): one view each.
        key: tuple[object, ...] = (
            (fact.KIND, fact.id, source, quote, mark, *mark_quotes) if fact else (source, quote, mark, *mark_quotes)
        )
        # What a view is made from besides its key, read on every use: a view kept from another page's
        # context must still count as this page's reads.
        made_of = self._made_of(source)
        view = self._citation_views.get((*key, *made_of))
        if view is None:
            page = f"sources/{source}.md"
            qid = self.quote_id(quote)
            view = CitationView(
                self.source_keys[source],
                self.facts.sources[source].label,
                quote,
                Target(page, landing_anchor(fact, [qid]) if fact else qid),
                self.source_order[source],
                Target(page, mark),
                mark_quotes,
            )
            self._citation_views[(*key, *made_of)] = view
        return view

    def actor_link(self, actor_id: str | None) -> Link | None:
        if actor_id is None:
            return None
        actor = self.facts.actors[actor_id]  # read on every use: a page's reads include it
        link = self._actor_links.get(actor_id)
        if link is None:  # the same actor in the same build: the same link, made once
            link = self._actor_links[actor_id] = Link(actor.name, fact_target(actor))
        return link

    def source_count(self, fact: object) -> int:
        """How many articles give the fact: "2 sources" beside an account means two articles carry it."""
        return len({c.source for c in supporting_citations(fact)})

    def differ(self, kind: str, fact_id: str) -> list[dict[str, object]]:
        """The claims on a fact: 'sources differ' notes linking to each (variants say so)."""
        return [
            {"link": Link(c.question, fact_target(c)), "variant": c.kind.is_variant}
            for c in self.claims_on.get((kind, fact_id), ())
        ]

    def responses(self, fact: Position | Event) -> list[dict[str, object]]:
        return [
            {
                "by": self.actor_link(r.by),
                "kind": r.kind.value,
                "summary": r.summary,
                "citations": self.cite(r.citations, fact),
            }
            for r in fact.responses
        ]

    def teller(self, p: Position) -> dict[str, object]:
        """Who speaks, in plain words: the actor, someone named or unnamed, or the article itself."""
        sources = _first_per_source(p.citations)
        return {
            "voice": p.voice.value,
            "named": self.actor_link(p.reported_by),
            "unnamed": p.reported_by_unnamed,
            "articles": [self.facts.sources[c.source].label for c in sources],
        }

    # Views of each kind ---------------------------------------------------------------------------

    def event_view(self, e: Event) -> dict[str, object]:
        focus = self.facts.info.focus_event == e.id
        return {
            "id": e.id,
            "target": fact_target(e),
            "background": self.is_background(e),
            "title": e.title,
            "date": e.date,
            "end": e.end,
            "time": e.time,
            "timezone": e.timezone,
            "clock": chronology.clock(e),
            "when": e.when,
            "date_note": e.date_note,
            "responses": self.responses(e),
            "differ": self.differ("event", e.id),
            "precision": e.date.precision.value,
            "status": e.status.value,
            "focus": focus,
            "summary": e.summary,
            "place": e.place,
            "actors": [self.actor_link(a) for a in e.actors],
            "citations": self.cite(e.citations, e),
            "sources": _one_mark_per_source(self.cite(e.citations, e)),
            "source_count": self.source_count(e),
        }

    def is_background(self, e: Event) -> bool:
        """True when the event began before the focus event, by its dates or by the order the facts state."""
        return e.id in self.before_focus

    def position_view(self, p: Position) -> dict[str, object]:
        return {
            "id": p.id,
            "target": fact_target(p),
            "actor": self.actor_link(p.actor),
            "topic": Link(self.facts.topics[p.topic].name, fact_target(self.facts.topics[p.topic])),
            "stance": p.stance,
            "voice": p.voice.value,
            "teller": self.teller(p),
            "reported_by": self.actor_link(p.reported_by),
            "responses": self.responses(p),
            "differ": self.differ("position", p.id),
            "date": p.date,
            "date_note": p.date_note,
            "citations": self.cite(p.citations, p),
            "source_count": self.source_count(p),
        }

    def claim_view(self, c: Claim) -> dict[str, object]:
        return {
            "id": c.id,
            "question": c.question,
            "kind": c.kind.value,
            "variant": c.kind.is_variant,
            "summary": c.summary,
            "bears_on": [
                *(Link(self.facts.events[i].title, fact_target(self.facts.events[i])) for i in c.events),
                *(Link(self.label(self.facts.positions[i]), fact_target(self.facts.positions[i])) for i in c.positions),
                *(self.actor_link(i) for i in c.actors),
            ],
            "topic": Link(self.facts.topics[c.topic].name, fact_target(self.facts.topics[c.topic]))
            if c.topic
            else None,
            "answers": [
                {
                    "answer": a.answer,
                    "said_by": self.actor_link(a.said_by),
                    "said_by_unnamed": a.said_by_unnamed,
                    "note": a.note,
                    "citations": self.cite(a.citations, c),
                    # One mark per source for the table (landing on all its quotes); the list below has them all.
                    "sources": _one_mark_per_source(self.cite(a.citations, c)),
                    "source_count": len({x.source for x in a.citations}),
                }
                for a in c.answers
            ],
        }

    def source_view(self, s: Source) -> dict[str, object]:
        return {
            "id": s.id,
            "key": self.source_keys[s.id],
            "label": s.label,
            "title": s.title,
            "outlet": s.outlet,
            "author": s.author,
            "date": s.date,
            "url": s.url,
            "translated": s.translated,
            "notes": {n: getattr(s, f"{n}_note") for n in ("title", "outlet", "author", "date", "translation", "url")},
            "target": fact_target(s),
            "citation_count": self.passage_counts[s.id][0],
            "quote_count": self.passage_counts[s.id][1],
        }

    def actor_view(self, a: Actor) -> dict[str, object]:
        return {
            "id": a.id,
            "name": a.name,
            "kind": a.kind.value,
            "summary": a.summary,
            "target": fact_target(a),
            "aliases": [
                {
                    "name": x.name,
                    "citations": self.cite(x.citations, a),
                    "claim": Link(self.facts.claims[x.claim].question, fact_target(self.facts.claims[x.claim]))
                    if x.claim
                    else None,
                }
                for x in a.aliases
            ],
            "roles": self.roles(a),
            "differ": self.differ("actor", a.id),
            "citations": self.cite(a.citations, a),
            "source_count": self.source_count(a),
        }

    def roles(self, a: Actor) -> list[dict[str, object]]:
        """Roles as readers should see them: titles the sources give differently (roles naming the same
        claim) are one role with each version as printed, never several concurrent roles."""
        shown: list[dict[str, object]] = []
        by_claim: dict[str, dict[str, object]] = {}
        for r in a.roles:
            version = {"title": r.title, "as_printed": r.as_printed, "citations": self.cite(r.citations, a)}
            if r.claim and r.claim in by_claim:
                typing.cast(list, by_claim[r.claim]["versions"]).append(version)
                continue
            role = {
                **version,
                "affiliation": self.actor_link(r.affiliation),
                "start": r.start,
                "end": r.end,
                "former": r.former,
                "versions": [version],
                "claim": Link(self.facts.claims[r.claim].question, fact_target(self.facts.claims[r.claim]))
                if r.claim
                else None,
                # a title printed differently (a translation's wording) is no disagreement: said so apart
                "variant": r.claim is not None and self.facts.claims[r.claim].kind.is_variant,
            }
            if r.claim:
                by_claim[r.claim] = role
            shown.append(role)
        return shown

    def article(self, s: Source) -> list[Paragraph]:
        # The paragraphs and the passages (in text order) are walked together, and each paragraph's pieces
        # from cut to cut with the passages open there: the work grows with the article plus its quotes,
        # not with their product (150,000 lines citing 5,000 of them took minutes).
        upcoming = iter(self.passages[s.id])
        following = next(upcoming, None)
        overlapping: list[CitedPassage] = []  # passages begun before the paragraph's end, not ended before it
        result = []
        for number, (start, end) in enumerate(s.paragraphs(), 1):
            while following is not None and following.start < end:
                overlapping.append(following)
                following = next(upcoming, None)
            overlapping = [p for p in overlapping if p.end > start]
            if not overlapping:  # most paragraphs: one piece, cited by nothing
                result.append(Paragraph(number, (Segment(s.body[start:end]),)))
                continue
            opening: dict[int, list[CitedPassage]] = {}  # cut -> passages open from there...
            closing: dict[int, list[CitedPassage]] = {}  # ...and to there
            for p in overlapping:
                opening.setdefault(max(p.start, start), []).append(p)
                closing.setdefault(min(p.end, end), []).append(p)
            cuts = sorted({start, end, *opening, *closing})
            open_now: dict[int, CitedPassage] = {}
            segments = []
            for a, b in itertools.pairwise(cuts):
                for p in closing.get(a, ()):
                    del open_now[id(p)]
                for p in opening.get(a, ()):
                    open_now[id(p)] = p
                ids = tuple(sorted(p.anchor for p in open_now.values()))
                starts = tuple(sorted(p.anchor for p in opening.get(a, ()) if p.start >= start))
                segments.append(Segment(s.body[a:b], ids, starts))
            result.append(Paragraph(number, tuple(segments)))
        return result

    # JSON-LD (schema.org) ---------------------------------------------------------------------------
    # Plain dicts; render.py serializes them safely for the page head. Relative URLs resolve against the page.

    def actor_ld(self, a: Actor) -> dict[str, object]:
        ld: dict[str, object] = {"@context": SCHEMA_ORG, **self.actor_ref(a.id)}
        if a.summary:
            ld["description"] = a.summary
        if a.aliases:
            ld["alternateName"] = [x.name for x in a.aliases]
        if a.kind is ActorKind.PERSON and a.roles:
            ld["jobTitle"] = [r.title for r in a.roles]
            affiliations = dict.fromkeys(r.affiliation for r in a.roles if r.affiliation)
            ld["affiliation"] = [self.actor_ref(x) for x in affiliations]
        return ld

    def actor_ref(self, actor_id: str) -> dict[str, object]:
        a = self.facts.actors[actor_id]
        return {"@type": _LD_ACTOR_TYPES[a.kind], "name": a.name}

    def event_ld(self, e: Event) -> dict[str, object]:
        ld: dict[str, object] = {"@type": "Event", "name": e.title, "startDate": e.date.iso()}
        if e.time and e.timezone:
            ld["startDate"] = _start_date(e.date, e.time, e.timezone)
        if e.end:
            ld["endDate"] = e.end.iso()
        if e.status is EventStatus.SCHEDULED:
            ld["eventStatus"] = f"{SCHEMA_ORG}/EventScheduled"
        if e.summary:
            ld["description"] = e.summary
        if e.place:
            ld["location"] = {"@type": "Place", "name": e.place}
        if e.actors:
            ld["attendee"] = [self.actor_ref(x) for x in e.actors]
        return ld

    def source_ld(self, s: Source) -> dict[str, object]:
        ld: dict[str, object] = {"@type": "NewsArticle" if s.outlet else "CreativeWork", "name": s.label}
        if s.title:
            ld["headline"] = s.title
        if s.date:
            ld["datePublished"] = s.date.iso()
        if s.author:
            ld["author"] = {"@type": "Person", "name": s.author}
        if s.outlet:
            ld["publisher"] = {"@type": "Organization", "name": s.outlet}
        if s.url:
            ld["url"] = s.url
        return ld

    def listing_ld(self, name: str, items: list[dict[str, object]]) -> dict[str, object]:
        return {
            "@context": SCHEMA_ORG,
            "@type": "ItemList",
            "name": name,
            "itemListElement": [{"@type": "ListItem", "position": i, "item": x} for i, x in enumerate(items, 1)],
        }

    def page_ld(self, name: str) -> dict[str, object]:
        return {
            "@context": SCHEMA_ORG,
            "@type": "WebPage",
            "name": name,
            "isPartOf": {"@type": "Dataset", "name": self.facts.info.title},
        }

    def home_ld(self) -> dict[str, object]:
        f = self.facts
        return {
            "@context": SCHEMA_ORG,
            "@type": "Dataset",
            "name": f.info.title,
            "description": f.info.description,
            "isBasedOn": [self.source_ld(s) for s in f.sources.values()],
            "distribution": [
                {"@type": "DataDownload", "encodingFormat": media_type, "contentUrl": path}
                for path, media_type in EXPORT_FILES.items()
            ],
        }

    # Pages ----------------------------------------------------------------------------------------

    def pages(self, updated: FactDate | None = None) -> list[Page]:
        from generator.pages import explainer  # it builds on this module: imported once this one is complete

        f = self.facts
        events = self.order
        topics = sorted(f.topics.values(), key=lambda t: (t.name, t.id))
        common = {"info": f.info, "nav": {k: Target(v) for k, v in PAGES.items()}, "updated": updated}
        pages = [
            Page(PAGES["home"], "home.md.j2", f.info.title, partial(explainer.home, self, common)),
            Page(
                PAGES["actors"],
                "actors.md.j2",
                "Actors",
                lambda: {
                    **common,
                    "jsonld": self.listing_ld("Actors", [self.actor_ref(a) for a in f.actors]),
                    "groups": self.actor_groups(),
                },
            ),
            Page(
                PAGES["timeline"],
                "timeline.md.j2",
                "Timeline",
                lambda: {
                    **common,
                    "months": self.months(events),
                    "jsonld": self.listing_ld("Timeline", [self.event_ld(e) for e in events]),
                },
            ),
            Page(
                PAGES["positions"],
                "positions.md.j2",
                "Positions",
                lambda: {**common, **self.positions_page(), "jsonld": self.page_ld("Positions")},
            ),
            Page(
                PAGES["claims"],
                "claims.md.j2",
                "Where the sources differ",
                lambda: {
                    **common,
                    "claims": [self.claim_view(c) for c in f.claims.values() if not c.kind.is_variant],
                    "variants": [self.claim_view(c) for c in f.claims.values() if c.kind.is_variant],
                    "jsonld": self.page_ld("Where the sources differ"),
                },
            ),
            Page(
                PAGES["sources"],
                "sources.md.j2",
                "Sources",
                lambda: {
                    **common,
                    "sources": [self.source_view(s) for s in f.sources.values()],
                    "jsonld": self.listing_ld("Sources", [self.source_ld(s) for s in f.sources.values()]),
                },
            ),
            Page(PAGES["about"], "about.md.j2", "About this fact sheet", partial(explainer.about, self, common)),
        ]
        # An entity's page is made from its id: the context looks the entity up, so that the read is noted.
        for a in f.actors.values():
            make = partial(self._of, self.actor_page, "actors", a.id, common)
            pages.append(Page(f"actors/{a.id}.md", "actor.md.j2", a.name, make))
        # One page per topic: the positions index stays short however many positions there are.
        for t in topics:
            make = partial(self._of, self.topic_page, "topics", t.id, common)
            pages.append(Page(fact_target(t).page, "topic.md.j2", t.name, make))
        for s in f.sources.values():
            make = partial(self._of, self.source_page, "sources", s.id, common)
            pages.append(Page(f"sources/{s.id}.md", "source.md.j2", s.label, make))
        return pages

    def _of(
        self, page: Callable[[typing.Any, dict[str, object]], dict[str, object]], kind: str, id_: str, common: dict
    ) -> dict[str, object]:
        return page(getattr(self.facts, kind)[id_], common)

    def actor_groups(self) -> list[tuple[str, list[dict[str, object]]]]:
        actors = [self.actor_view(a) for a in self.facts.actors.values()]
        return [(kind, [a for a in actors if a["kind"] == kind]) for kind in ("person", "organization", "state")]

    def topic_page(self, t: Topic, common: dict[str, object]) -> dict[str, object]:
        return {**common, "topic": self.topic_view(t), "jsonld": self.page_ld(t.name)}

    def source_page(self, s: Source, common: dict[str, object]) -> dict[str, object]:
        article = self.article(s)
        at = landings(s.id, self.passages[s.id])
        # Where each fact's links land, by paragraph: each landing stands before the paragraph where its
        # first quote begins, hidden until a link leads to it.
        froms: dict[int, list[dict[str, object]]] = {}
        for para in article:
            here = [x for seg in para.segments for a in seg.anchors for x in at.get(a, ())]
            if here:
                froms[para.number] = [
                    {"anchor": x.anchor, "quotes": x.quotes, "back": Link(self.label(x.fact), fact_target(x.fact))}
                    for x in here
                ]
        return {
            **common,
            "source": self.source_view(s),
            "jsonld": {"@context": SCHEMA_ORG, **self.source_ld(s)},
            "article": article,
            "landings": froms,
            "quotes": [
                QuoteUse(p.anchor, p.quote, tuple(Link(self.label(f), fact_target(f)) for f in p.facts))
                for p in self.passages[s.id]
            ],
        }

    def topic_summary(self, t: Topic) -> dict[str, object]:
        return {
            "id": t.id,
            "name": t.name,
            "target": fact_target(t),
            "summary": t.summary,
            "position_count": len(self.by_topic[t.id]),
            "actor_count": len({p.actor for p in self.by_topic[t.id]}),
        }

    def topic_positions(self, t: Topic) -> list[Position]:
        return sorted(self.by_topic[t.id], key=lambda p: (self.facts.actors[p.actor].name, p.id))

    def topic_view(self, t: Topic) -> dict[str, object]:
        return {
            **self.topic_summary(t),
            "citations": self.cite(t.citations, t),
            "positions": [self.position_view(p) for p in self.topic_positions(t)],
            "differ": self.differ("topic", t.id),
        }

    def months(self, events: list[Event]) -> list[dict[str, object]]:
        """Events in timeline order, grouped by month and day as long as they run on in the same one.

        An event known only to the month (or year) gets a group of its own that names no day; where
        relations place it between two events of one day, that day's group is split around it (only
        its first part carries the day's anchor)."""
        months: list[dict[str, object]] = []
        anchored: set[str] = set()
        for e in events:
            month = FactDate(e.date.year, e.date.month)
            if not months or months[-1]["key"] != month:
                months.append(
                    {"key": month, "label": month.human(), "id": _first(anchored, f"t-{month.iso()}"), "days": []}
                )
            days = typing.cast(list, months[-1]["days"])
            if not days or days[-1]["key"] != e.date:
                days.append(
                    {
                        "key": e.date,
                        "label": e.date.human() if e.date.day else _UNKNOWN_DAY[e.date.precision],
                        "datetime": e.date.iso(),
                        "id": _first(anchored, f"t-{e.date.iso()}") if e.date.day else None,
                        "precision": e.date.precision.value,
                        "events": [],
                    }
                )
            days[-1]["events"].append(self.event_view(e))
        return months

    def positions_page(self) -> dict[str, object]:
        f = self.facts
        topics = sorted(f.topics.values(), key=lambda t: (t.name, t.id))
        held = Counter(p.actor for p in f.positions.values())
        side = {a: side_of(f.actors, a) for a in held}
        per_side = Counter(s for p in f.positions.values() if (s := side[p.actor]))
        sides = sorted(per_side, key=lambda s: (-per_side[s], f.actors[s].name, s))[:_MATRIX_SIDES]
        column = {a: sides.index(s) for a, s in side.items() if s in sides}
        # Within a cell, the actors with the most positions first (a president before a spokesman).
        rank = {a: i for i, a in enumerate(sorted(held, key=lambda a: (-held[a], f.actors[a].name, a)))}

        def cell(positions: list[Position]) -> dict[str, object]:
            shown = sorted(positions, key=lambda p: (rank[p.actor], p.id))
            views = [self.position_view(p) for p in shown[:_MATRIX_CELL]]
            return {"positions": views, "more": len(shown) - len(views)}

        rows, others = [], []
        for t in topics:
            cells: list[list[Position]] = [[] for _ in sides]
            rest: list[Position] = []
            for p in self.topic_positions(t):
                (cells[column[p.actor]] if p.actor in column else rest).append(p)
            topic = Link(t.name, fact_target(t))
            if any(cells):
                rows.append({"topic": topic, "cells": [cell(c) for c in cells]})
            if rest:
                others.append({"topic": topic, "cell": cell(rest)})
        outside = sorted((a for a in held if a not in column), key=rank.__getitem__)
        return {
            "topics": [self.topic_summary(t) for t in topics],
            "matrix": {
                "sides": [
                    {
                        "side": self.actor_link(s),
                        "actors": [self.actor_link(a) for a in sorted(column, key=rank.__getitem__) if side[a] == s],
                    }
                    for s in sides
                ],
                "rows": rows,
                "others": {
                    "actors": [self.actor_link(a) for a in outside],
                    "count": sum(held[a] for a in outside),
                    "rows": others,
                },
            },
        }

    def actor_page(self, a: Actor, common: dict[str, object]) -> dict[str, object]:
        f = self.facts
        names = [quotes.fold_text(n) for n in (a.name, *(x.name for x in a.aliases))]
        cited = {c.source for c in all_citations(a)}
        named_in = cited.union(*(self.mentions[n] for n in names))
        mentioned = sorted(named_in, key=self.source_order.__getitem__)
        own = self.by_actor[a.id]
        affiliations = dict.fromkeys(r.affiliation for r in a.roles if r.affiliation)
        return {
            **common,
            "actor": self.actor_view(a),
            "affiliations": [self.actor_link(x) for x in affiliations],
            "said": [self.position_view(p) for p in own if p.voice is Voice.OWN_WORDS],
            "said_of": [self.position_view(p) for p in own if p.voice is not Voice.OWN_WORDS],
            "reported": [self.position_view(p) for p in self.by_reporter[a.id]],
            "jsonld": self.actor_ld(a),
            "events": [self.event_view(e) for e in self.events_of[a.id]],
            "claims": [
                {"claim": Link(c.question, fact_target(c)), "answer": ans.answer} for c, ans in self.answers_of[a.id]
            ],
            "sources": [self.source_view(f.sources[sid]) for sid in mentioned],
        }


def build_pages(facts: FactBase, updated: FactDate | None = None, jobs: int | None = None) -> list[Page]:
    """Every page of the site, with its context, in a fixed order. `updated`: the day the inputs last
    changed (the build's SOURCE_DATE_EPOCH), shown on the About and home pages; None when unknown.
    `jobs`: processes to find the cited quotes in (citations.locate; default: one per core)."""
    return _Builder(facts, jobs=jobs).pages(updated)


@dataclass(frozen=True)
class PagesReads:
    """The pages with what incremental builds need of their reads (build_pages_reads)."""

    pages: list[Page]
    digest: Callable[[Iterable[str]], str]
    """One hash of the values some reads (Page.context_reads) give now: equal reads and values, equal context."""
    unchanged: Callable[[Iterable[str]], bool]
    """Whether reads give the values the previous build recorded for them (a page that read them is the same)."""
    note: Callable[[Iterable[str]], None]
    """Hash the values reads give now, for the next build's record (the reads of a page built now)."""
    facts: FactBase
    """The fact base whose reads are noted (`reading`): for other things made from it, the exports."""
    known: Callable[[], Known]
    """What to record for the next build: the `Known` of the reads hashed so far."""


def build_pages_reads(
    facts: FactBase,
    updated: FactDate | None = None,
    places: Places | None = None,
    files: Mapping[tuple[str, str], str] | None = None,
    known: Known | None = None,
    jobs: int | None = None,
) -> PagesReads:
    """`build_pages`, with what its pages read (PagesReads). `places`: quotes located before
    (citations.Places), updated with this build's. `files`: the check's hash of each fact's file
    (CheckResult.files), and `known` what the previous build recorded: the reads of indexes made from the
    same files are not hashed again. `jobs`: as build_pages'."""
    builder = _Builder(facts, places, files, known, jobs)
    return PagesReads(
        builder.pages(updated), builder.digest, builder.unchanged, builder.note, builder.facts, builder.known
    )
