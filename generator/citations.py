"""Where each cited quote sits in its source: the passages the source pages highlight and the
coverage report counts. Computed once from a checked fact base."""

from __future__ import annotations

from dataclasses import dataclass

from . import quotes
from .model import Entity, FactBase, all_citations


@dataclass(frozen=True)
class CitedPassage:
    anchor: str  # stable id of the quote on its source page
    quote: str
    start: int  # offsets in the source body, as printed
    end: int
    facts: tuple[Entity, ...]  # every fact citing it, in fact-base order


def locate(facts: FactBase) -> dict[str, list[CitedPassage]]:
    """Cited passages per source id, in text order. Quotes not found are skipped (the check reports them)."""
    folded = {sid: quotes.fold(s.body) for sid, s in facts.sources.items()}
    found: dict[str, dict[str, tuple[int, int, str, list[Entity]]]] = {sid: {} for sid in facts.sources}
    for fact in facts.facts():
        for c in all_citations(fact):
            if c.source not in folded:
                continue
            match = quotes.find(folded[c.source], c.quote)
            if match is None:
                continue
            entry = found[c.source].setdefault(quotes.quote_id(c.quote), (match.start, match.end, c.quote, []))
            if not any(f is fact for f in entry[3]):
                entry[3].append(fact)
    return {
        sid: sorted(
            (CitedPassage(anchor, q, start, end, tuple(fs)) for anchor, (start, end, q, fs) in passages.items()),
            key=lambda p: (p.start, p.anchor),
        )
        for sid, passages in found.items()
    }
