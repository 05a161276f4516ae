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
    # Per source, per quote anchor: where it is, the quote, and the facts citing it by identity, in order (a
    # look-up, not a scan, when thousands cite one quote; and a quote already placed is not searched again).
    found: dict[str, dict[str, tuple[int, int, str, dict[int, Entity]]]] = {sid: {} for sid in facts.sources}
    for fact in facts.facts():
        for c in all_citations(fact):
            if c.source not in folded:
                continue
            anchor = quotes.quote_id(c.quote)
            entry = found[c.source].get(anchor)
            if entry is None:
                match = quotes.find(folded[c.source], c.quote)
                if match is None:
                    continue
                entry = found[c.source][anchor] = (match.start, match.end, c.quote, {})
            entry[3].setdefault(id(fact), fact)
    return {
        sid: sorted(
            (
                CitedPassage(anchor, q, start, end, tuple(fs.values()))
                for anchor, (start, end, q, fs) in passages.items()
            ),
            key=lambda p: (p.start, p.anchor),
        )
        for sid, passages in found.items()
    }
