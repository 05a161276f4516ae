"""Editorial rules across facts: who speaks, and when.

- A position in the actor's own words must cite quoted speech: words inside quotation marks in the
  article. Otherwise it is someone's account or the article's description, and the reader must be told.
- The order that events state (`before`/`after`) must be possible (no cycle) and agree with their dates.

They run in the check on what it keeps of each file (no model object is built for them), so a cached
check stays as cheap as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from generator.checks import chronology, quotes
from generator.diagnostics import Code, Diagnostic, error, warning
from generator.model import Where

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


@dataclass(frozen=True)
class OwnWords:
    """A position that claims the actor's own words: where it is, and what it cites (source id, quote)."""

    where: Where
    citations: tuple[tuple[str, str], ...]


def holds_quoted_words(
    citations: Iterable[tuple[str, str]], body_of: Callable[[str], str | None], folded: dict[str, quotes.Folded]
) -> bool:
    """Whether a citation's words are (or sit inside) quotation marks in the article; also when a quote is
    not found at all: that is its own error, and a warning beside it would send the editor the wrong way."""
    for source_id, quote in citations:
        body = body_of(source_id)
        if body is None:
            continue  # an unknown source: reported as such
        if source_id not in folded:
            folded[source_id] = quotes.fold(body)
        match = quotes.find(folded[source_id], quote)
        if match is None:
            return True  # not found: reported as quote-not-found; the rule judges the words once they are right
        if inside_quotation(body, match.start, match.end):
            return True
    return False


def check(
    own_words: Iterable[OwnWords],
    events: Mapping[str, chronology.Dated],
    body_of: Callable[[str], str | None],
) -> Iterator[Diagnostic]:
    """Every problem of the rules above, located at the fact that states it. `body_of` gives a source's text."""
    folded: dict[str, quotes.Folded] = {}
    for p in own_words:
        if not holds_quoted_words(p.citations, body_of, folded):
            yield warning(
                p.where,
                Code.NO_QUOTED_WORDS,
                "voice is 'own-words' but no citation holds words in quotation marks",
                "if the article tells what the actor said without quoting them, use voice: described (the "
                "article's own words) or voice: reported with who told it; else cite the quoted words",
            )
    for problem in chronology.problems(events):
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
