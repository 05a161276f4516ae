"""Stage 3: the fact model -> one context per page. The only place that decides what a page shows.

Templates receive these plain values and only lay them out. Every link is a `Target` (page and anchor)
that the renderer makes relative to the page it appears on.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from . import quotes
from .citations import locate
from .model import (
    Actor,
    Claim,
    ClockTime,
    Event,
    FactBase,
    FactDate,
    Position,
    Source,
    Topic,
    all_citations,
)


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
    target: Target  # the highlighted quote on the source page


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
    context: dict[str, object] = field(default_factory=dict)


PAGES = {
    "home": "index.md",
    "actors": "actors/index.md",
    "timeline": "timeline.md",
    "positions": "positions.md",
    "claims": "claims.md",
    "sources": "sources/index.md",
}


def fact_target(fact: object) -> Target:
    if isinstance(fact, Actor):
        return Target(f"actors/{fact.id}.md")
    if isinstance(fact, Source):
        return Target(f"sources/{fact.id}.md")
    if isinstance(fact, Topic):
        return Target(f"topics/{fact.id}.md")
    if isinstance(fact, Position):
        return Target(f"topics/{fact.topic}.md", fact.id)
    return Target({Event: PAGES["timeline"], Claim: PAGES["claims"]}[type(fact)], fact.id)


class _Builder:
    def __init__(self, facts: FactBase) -> None:
        self.facts = facts
        self.source_keys = {sid: f"S{i}" for i, sid in enumerate(facts.sources, 1)}
        self.source_order = {sid: i for i, sid in enumerate(facts.sources)}
        self.folded = {sid: quotes.fold_text(s.body) for sid, s in facts.sources.items()}
        self.passages = locate(facts)
        # Which sources name each actor (or alias): one pass over each article for all names.
        self.mentions = quotes.occurrences_in(
            self.folded,
            {quotes.fold_text(n) for a in facts.actors.values() for n in (a.name, *(x.name for x in a.aliases))},
        )
        # Indexes by actor and topic, so that each page costs its own facts, not the whole fact base.
        self.by_actor: dict[str, list[Position]] = defaultdict(list)
        self.by_reporter: dict[str, list[Position]] = defaultdict(list)
        self.by_topic: dict[str, list[Position]] = defaultdict(list)
        for p in facts.positions.values():
            self.by_actor[p.actor].append(p)
            self.by_topic[p.topic].append(p)
            if p.reported_by is not None:
                self.by_reporter[p.reported_by].append(p)
        self.events_of: dict[str, list[Event]] = defaultdict(list)
        for e in sorted(facts.events.values(), key=lambda e: (e.date, e.id)):
            for actor_id in dict.fromkeys(e.actors):
                self.events_of[actor_id].append(e)
        self.answers_of: dict[str, list[tuple[Claim, object]]] = defaultdict(list)
        for c in facts.claims.values():
            for ans in c.answers:
                if ans.said_by is not None:
                    self.answers_of[ans.said_by].append((c, ans))

    def label(self, fact: object) -> str:
        if isinstance(fact, Position):
            return f"{self.facts.actors[fact.actor].name} on {self.facts.topics[fact.topic].name}"
        if isinstance(fact, Claim):
            return fact.question
        return getattr(fact, "name", None) or getattr(fact, "title", "")

    def cite(self, citations: list) -> list[CitationView]:
        return [
            CitationView(
                self.source_keys[c.source],
                self.facts.sources[c.source].label,
                c.quote,
                Target(f"sources/{c.source}.md", quotes.quote_id(c.quote)),
            )
            for c in citations
        ]

    def actor_link(self, actor_id: str | None) -> Link | None:
        if actor_id is None:
            return None
        return Link(self.facts.actors[actor_id].name, fact_target(self.facts.actors[actor_id]))

    def source_count(self, fact: object) -> int:
        return len({c.source for c in all_citations(fact)})

    # Views of each kind ---------------------------------------------------------------------------

    def event_view(self, e: Event) -> dict[str, object]:
        focus = self.facts.info.focus_event == e.id
        return {
            "id": e.id,
            "title": e.title,
            "date": e.date,
            "end": e.end,
            "time": e.time,
            "timezone": e.timezone,
            "precision": e.date.precision.value,
            "status": e.status.value,
            "focus": focus,
            "summary": e.summary,
            "place": e.place,
            "actors": [self.actor_link(a) for a in e.actors],
            "citations": self.cite(e.citations),
            "source_count": self.source_count(e),
        }

    def position_view(self, p: Position) -> dict[str, object]:
        return {
            "id": p.id,
            "target": fact_target(p),
            "actor": self.actor_link(p.actor),
            "topic": Link(self.facts.topics[p.topic].name, fact_target(self.facts.topics[p.topic])),
            "stance": p.stance,
            "voice": p.voice.value,
            "reported_by": self.actor_link(p.reported_by),
            "date": p.date,
            "citations": self.cite(p.citations),
            "source_count": self.source_count(p),
        }

    def claim_view(self, c: Claim) -> dict[str, object]:
        return {
            "id": c.id,
            "question": c.question,
            "summary": c.summary,
            "topic": Link(self.facts.topics[c.topic].name, fact_target(self.facts.topics[c.topic]))
            if c.topic
            else None,
            "answers": [
                {
                    "answer": a.answer,
                    "said_by": self.actor_link(a.said_by),
                    "citations": self.cite(a.citations),
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
            "citation_count": sum(len(p.facts) for p in self.passages[s.id]),
            "quote_count": len(self.passages[s.id]),
        }

    def actor_view(self, a: Actor) -> dict[str, object]:
        return {
            "id": a.id,
            "name": a.name,
            "kind": a.kind.value,
            "summary": a.summary,
            "target": fact_target(a),
            "aliases": [{"name": x.name, "citations": self.cite(x.citations)} for x in a.aliases],
            "roles": [
                {
                    "title": r.title,
                    "affiliation": self.actor_link(r.affiliation),
                    "start": r.start,
                    "end": r.end,
                    "former": r.former,
                    "citations": self.cite(r.citations),
                }
                for r in a.roles
            ],
            "citations": self.cite(a.citations),
            "source_count": self.source_count(a),
        }

    def article(self, s: Source) -> list[Paragraph]:
        all_passages = self.passages[s.id]
        result = []
        for number, (start, end) in enumerate(s.paragraphs(), 1):
            passages = [p for p in all_passages if p.start < end and p.end > start]  # this paragraph's
            cuts = {start, end}
            for p in passages:
                cuts.update(x for x in (p.start, p.end) if start < x < end)
            segments = []
            for a, b in itertools.pairwise(sorted(cuts)):
                ids = tuple(sorted(p.anchor for p in passages if p.start < b and p.end > a))
                starts = tuple(sorted(p.anchor for p in passages if a <= p.start < b))
                segments.append(Segment(s.body[a:b], ids, starts))
            result.append(Paragraph(number, tuple(segments)))
        return result

    # Pages ----------------------------------------------------------------------------------------

    def pages(self) -> list[Page]:
        f = self.facts
        actors = [self.actor_view(a) for a in f.actors.values()]
        events = sorted(f.events.values(), key=lambda e: (e.date, e.time or ClockTime(0, 0), e.id))
        sources = [self.source_view(s) for s in f.sources.values()]
        topics = sorted(f.topics.values(), key=lambda t: (t.name, t.id))
        common = {"info": f.info, "nav": {k: Target(v) for k, v in PAGES.items()}}
        pages = [
            Page(
                PAGES["home"],
                "home.md.j2",
                f.info.title,
                {
                    **common,
                    "counts": {
                        "sources": len(f.sources),
                        "actors": len(f.actors),
                        "events": len(f.events),
                        "topics": len(f.topics),
                        "positions": len(f.positions),
                        "claims": len(f.claims),
                    },
                    "focus": self.event_view(f.events[f.info.focus_event]) if f.info.focus_event else None,
                },
            ),
            Page(
                PAGES["actors"],
                "actors.md.j2",
                "Actors",
                {
                    **common,
                    "groups": [
                        (kind, [a for a in actors if a["kind"] == kind]) for kind in ("person", "organization", "state")
                    ],
                },
            ),
            Page(PAGES["timeline"], "timeline.md.j2", "Timeline", {**common, "months": self.months(events)}),
            Page(
                PAGES["positions"],
                "positions.md.j2",
                "Positions",
                {**common, "topics": [self.topic_summary(t) for t in topics]},
            ),
            Page(
                PAGES["claims"],
                "claims.md.j2",
                "Where the sources differ",
                {
                    **common,
                    "claims": [self.claim_view(c) for c in f.claims.values()],
                },
            ),
            Page(PAGES["sources"], "sources.md.j2", "Sources", {**common, "sources": sources}),
        ]
        for a in f.actors.values():
            pages.append(Page(f"actors/{a.id}.md", "actor.md.j2", a.name, {**common, **self.actor_page(a)}))
        # One page per topic: the positions index stays short however many positions there are.
        for t in topics:
            pages.append(Page(fact_target(t).page, "topic.md.j2", t.name, {**common, "topic": self.topic_view(t)}))
        for s in f.sources.values():
            pages.append(
                Page(
                    f"sources/{s.id}.md",
                    "source.md.j2",
                    s.label,
                    {
                        **common,
                        "source": self.source_view(s),
                        "article": self.article(s),
                        "quotes": [
                            QuoteUse(p.anchor, p.quote, tuple(Link(self.label(f), fact_target(f)) for f in p.facts))
                            for p in self.passages[s.id]
                        ],
                    },
                )
            )
        return pages

    def topic_summary(self, t: Topic) -> dict[str, object]:
        return {
            "id": t.id,
            "name": t.name,
            "target": fact_target(t),
            "summary": t.summary,
            "position_count": len(self.by_topic[t.id]),
            "actor_count": len({p.actor for p in self.by_topic[t.id]}),
        }

    def topic_view(self, t: Topic) -> dict[str, object]:
        f = self.facts
        return {
            **self.topic_summary(t),
            "citations": self.cite(t.citations),
            "positions": [
                self.position_view(p) for p in sorted(self.by_topic[t.id], key=lambda p: (f.actors[p.actor].name, p.id))
            ],
        }

    def months(self, events: list[Event]) -> list[tuple[str, list[dict[str, object]]]]:
        """Events grouped under their month (or year, when only the year is known), in order."""
        groups: dict[str, list[dict[str, object]]] = {}
        for e in events:
            label = FactDate(e.date.year, e.date.month).human()
            groups.setdefault(label, []).append(self.event_view(e))
        return list(groups.items())

    def actor_page(self, a: Actor) -> dict[str, object]:
        f = self.facts
        names = [quotes.fold_text(n) for n in (a.name, *(x.name for x in a.aliases))]
        cited = {c.source for c in all_citations(a)}
        named_in = cited.union(*(self.mentions[n] for n in names))
        mentioned = sorted(named_in, key=self.source_order.__getitem__)
        return {
            "actor": self.actor_view(a),
            "positions": [self.position_view(p) for p in self.by_actor[a.id]],
            "reported": [self.position_view(p) for p in self.by_reporter[a.id]],
            "events": [self.event_view(e) for e in self.events_of[a.id]],
            "claims": [
                {"claim": Link(c.question, fact_target(c)), "answer": ans.answer} for c, ans in self.answers_of[a.id]
            ],
            "sources": [self.source_view(f.sources[sid]) for sid in mentioned],
        }


def build_pages(facts: FactBase) -> list[Page]:
    """Every page of the site, with its context, in a fixed order."""
    return _Builder(facts).pages()
