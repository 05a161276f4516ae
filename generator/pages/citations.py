"""Where each cited quote sits in its source: the passages the source pages highlight and the
coverage report counts. Computed once from a checked fact base.

Also where a reader lands when they follow a citation: a fact's link to its quote (or to several quotes of
one source, behind one source mark) leads to a place of its own on the source page, which outlines exactly
those quotes and links back to the fact. Its anchor is made from the fact and the quotes alone, so that
the citing page and the source page agree on it without seeing each other."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from generator import workers
from generator.checks import quotes
from generator.model import Citation, Entity, FactBase, all_citations


@dataclass(frozen=True)
class CitedPassage:
    anchor: str  # stable id of the quote on its source page
    quote: str
    start: int  # offsets in the source body, as printed
    end: int
    facts: tuple[Entity, ...]  # every fact citing it, in fact-base order


PLACES_RECORD = "places.json"

Place = tuple[int, int] | None  # where a quote is in an article's body (start, end), or None: not there


class Places:
    """Where quotes were found before, by (SHA-256 of the article's body, quote): between builds, so that
    a build locates again only the quotes of edited facts and edited articles (folding 1,000 articles and
    searching them was 1.8 s of an incremental build at 10,000 facts). The key is all `quotes.find`
    depends on, so an entry can never be stale: an edited article has another hash. Entries not used in
    a build are dropped when it is recorded."""

    def __init__(self, known: dict[tuple[str, str], Place] | None = None) -> None:
        self._known = known or {}
        self._used: dict[tuple[str, str], Place] = {}
        self.changed = False

    def get(self, key: tuple[str, str]) -> Place | bool:
        """The place remembered for `key`, False if there is none."""
        if key in self._used:
            return self._used[key]
        if key not in self._known:
            return False
        place = self._used[key] = self._known[key]
        return place

    def put(self, key: tuple[str, str], place: Place) -> None:
        self._used[key] = place
        self.changed = True

    @classmethod
    def from_record(cls, record: object) -> Places:
        """From `record()`'s JSON; anything malformed is an empty memo (every quote located again)."""
        known: dict[tuple[str, str], Place] = {}
        if isinstance(record, list):
            for entry in record:
                if not (isinstance(entry, list) and len(entry) == 4):
                    return cls()
                sha, quote, start, end = entry
                if not (isinstance(sha, str) and isinstance(quote, str)):
                    return cls()
                if start is None and end is None:
                    known[(sha, quote)] = None
                elif type(start) is int and type(end) is int and 0 <= start <= end:
                    known[(sha, quote)] = (start, end)
                else:
                    return cls()
        return cls(known)

    def stale(self) -> bool:
        """Whether the record should be written again: an entry was added or one was not used."""
        return self.changed or len(self._used) != len(self._known)

    def record(self) -> list[list[object]]:
        """The entries this build used, as JSON, in a stable order."""
        return [[sha, q, *(place or (None, None))] for (sha, q), place in sorted(self._used.items())]


# Below this many articles to search per process, forking costs more than the searching it shares out.
_SOURCES_PER_JOB = 200


def _places_in(facts: FactBase, item: tuple[str, tuple[str, ...]]) -> list[Place]:
    """Where each of the quotes `item` names is in its source's body (None: not there)."""
    sid, wanted = item
    text = quotes.fold(facts.sources[sid].body)
    return [(m.start, m.end) if (m := quotes.find(text, q)) is not None else None for q in wanted]


def locate(facts: FactBase, places: Places | None = None, jobs: int | None = None) -> dict[str, list[CitedPassage]]:
    """Cited passages per source id, in text order. Quotes not found are skipped (the check reports them).
    With `places`, a quote located in an identical article before is not searched again (nor, when all
    its quotes are known, the article folded). `jobs`: processes to search in (default: one per core)."""
    # Per source, per quote anchor: the first quote citing it and the facts citing it by identity, in
    # fact-base order (a look-up, not a scan, when thousands cite one quote). One pass over the citations:
    # after an edit at 10,000 facts, every other step here is a look-up.
    cited: dict[str, dict[str, tuple[str, dict[int, Entity]]]] = {sid: {} for sid in facts.sources}
    for fact in facts.facts():
        for c in all_citations(fact):
            anchors = cited.get(c.source)
            if anchors is None:
                continue
            anchor = quotes.quote_id(c.quote)
            entry = anchors.get(anchor)
            if entry is None:
                entry = anchors[anchor] = (c.quote, {})
            entry[1].setdefault(id(fact), fact)

    # Where each anchor's quote is: remembered (`places`, by the article's hash and the quote: `find` depends
    # on nothing else), or searched for, over the cores (folding the articles and searching them is most of
    # the work, and each article is its own: at 10,000 facts, a second before any page could be rendered).
    hashes: dict[str, str] = {}
    found: dict[tuple[str, str], Place] = {}
    wanted: dict[str, list[tuple[str, str]]] = {}
    for sid, anchors in cited.items():
        if places is not None and anchors:
            hashes[sid] = hashlib.sha256(facts.sources[sid].body.encode("utf-8")).hexdigest()
        for anchor, (quote, _) in anchors.items():
            known = places.get((hashes[sid], quote)) if places is not None else False
            if known is False:
                wanted.setdefault(sid, []).append((anchor, quote))
            else:
                found[(sid, anchor)] = known  # type: ignore[assignment]  # a Place: False is only "not known"
    items = [(sid, tuple(q for _, q in todo)) for sid, todo in wanted.items()]
    searched = workers.spread(functools.partial(_places_in, facts), items, jobs=jobs, min_per_job=_SOURCES_PER_JOB)
    for (sid, todo), wheres in zip(wanted.items(), searched, strict=True):
        for (anchor, quote), where in zip(todo, wheres, strict=True):
            found[(sid, anchor)] = where
            if places is not None:
                places.put((hashes[sid], quote), where)

    passages: dict[str, list[CitedPassage]] = {}
    for sid, anchors in cited.items():
        here = []
        for anchor, (quote, citing) in anchors.items():
            span = found[(sid, anchor)]
            if span is not None:
                here.append(CitedPassage(anchor, quote, span[0], span[1], tuple(citing.values())))
        here.sort(key=lambda p: (p.start, p.anchor))
        passages[sid] = here
    return passages


def landing_anchor(fact: Entity, quote_anchors: Iterable[str]) -> str:
    """The anchor, on a source page, where `fact`'s link to these quotes of it lands: one quote,
    "<quote anchor>-by-<kind>-<fact id>"; several, "g-<hash of their anchors>-by-<kind>-<fact id>".
    Fact ids hold no "--" and kinds no "-", so no two facts share an anchor, and none takes the page's
    own (p-N, q-<hash>: both end before "-by-")."""
    unique = sorted(set(quote_anchors))
    several = "g-" + hashlib.sha256(" ".join(unique).encode("ascii")).hexdigest()[:10] if len(unique) > 1 else ""
    return f"{several or unique[0]}-by-{fact.KIND}-{fact.id}"


def citation_lists(fact: Entity) -> list[list[Citation]]:
    """The runs of citations the pages show together (a run of source marks): a fact's own and those of
    each alias, role, response and answer. Every run a page cites must be here, or its marks would lead
    to no landing (the strict build's anchor check fails)."""
    runs = [list(getattr(fact, "citations", []))]
    for part in (
        *getattr(fact, "aliases", ()),
        *getattr(fact, "roles", ()),
        *getattr(fact, "responses", ()),
        *getattr(fact, "answers", ()),
    ):
        runs.append(list(part.citations))
    return runs


@dataclass(frozen=True)
class Landing:
    anchor: str  # landing_anchor(fact, quotes)
    quotes: tuple[str, ...]  # the anchors of the quotes it outlines, in text order
    fact: Entity  # the fact whose link lands here: the landing links back to it


def landings(source_id: str, passages: list[CitedPassage]) -> dict[str, list[Landing]]:
    """The landings on one source page, by the anchor of the quote each one stands before (the first of
    its quotes in the text). Each (fact, quote) has one; each run of a fact with several quotes of this
    source has one more, for the source mark that stands for all of them."""
    order = {p.anchor: i for i, p in enumerate(passages)}  # passages come in text order
    found: dict[str, list[Landing]] = {}
    seen: set[str] = set()

    def add(fact: Entity, anchors: list[str]) -> None:
        anchor = landing_anchor(fact, anchors)
        if anchor not in seen:
            seen.add(anchor)
            ordered = tuple(sorted(set(anchors), key=order.__getitem__))
            found.setdefault(ordered[0], []).append(Landing(anchor, ordered, fact))

    citing: dict[int, Entity] = {}
    for p in passages:
        for fact in p.facts:
            add(fact, [p.anchor])
            citing.setdefault(id(fact), fact)
    for fact in citing.values():
        for run in citation_lists(fact):
            here = [a for a in (quotes.quote_id(c.quote) for c in run if c.source == source_id) if a in order]
            if len(set(here)) > 1:
                add(fact, here)
    return found
