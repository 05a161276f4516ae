"""Editorial rules across facts, on the checked fact base: who speaks, and when.

- A position in the actor's own words must cite quoted speech: words inside quotation marks in the
  article. Otherwise it is someone's account or the article's description, and the reader must be told.
- The order that events state (`before`/`after`) must be possible (no cycle) and agree with their dates.
"""

from __future__ import annotations

from collections.abc import Iterator

from . import chronology, quotes
from .diagnostics import Code, Diagnostic, error, warning
from .model import FactBase, Position, Source, Voice

_OPENING = "“«„"
_CLOSING = "”»"
_STRAIGHT = '"'


def inside_quotation(text: str, start: int, end: int) -> bool:
    """True when text[start:end] holds or sits inside words in quotation marks (within its paragraph)."""
    span = text[start:end]
    if any(ch in span for ch in _OPENING + _CLOSING + _STRAIGHT):
        return True
    before = text[text.rfind("\n", 0, start) + 1 : start]
    opened = sum(before.count(ch) for ch in _OPENING) - sum(before.count(ch) for ch in _CLOSING)
    return opened > 0 or before.count(_STRAIGHT) % 2 == 1


def holds_quoted_words(position: Position, sources: dict[str, Source], folded: dict[str, quotes.Folded]) -> bool:
    for c in position.citations:
        source = sources.get(c.source)
        if source is None:
            continue
        if c.source not in folded:
            folded[c.source] = quotes.fold(source.body)
        match = quotes.find(folded[c.source], c.quote)
        if match is not None and inside_quotation(source.body, match.start, match.end):
            return True
    return False


def check_facts(facts: FactBase) -> Iterator[Diagnostic]:
    """Every problem of the rules above, located at the fact that states it."""
    folded: dict[str, quotes.Folded] = {}
    for p in facts.positions.values():
        if p.voice is Voice.OWN_WORDS and not holds_quoted_words(p, facts.sources, folded):
            yield warning(
                p.where,
                Code.NO_QUOTED_WORDS,
                "voice is 'own-words' but no citation holds words in quotation marks",
                "if the article tells what the actor said without quoting them, use voice: described (the "
                "article's own words) or voice: reported with who told it; else cite the quoted words",
            )
    for problem in chronology.problems(facts.events):
        e = problem.event
        if problem.cycle:
            yield error(
                e.where,
                Code.ORDER_CYCLE,
                "these events are said to come before each other in a circle: " + " -> ".join(problem.cycle),
                "remove the before/after that the article does not support",
            )
        elif problem.other is not None:
            yield error(
                e.where,
                Code.ORDER_CONTRADICTS_DATE,
                f"this event is placed before '{problem.other.id}' (by before/after, directly or through other "
                f"events), but the dates put '{problem.other.id}' first ({problem.other.date} and {e.date})",
                "check the dates and times of both events, and the before/after between them",
            )
