"""Finding a cited quote in its source article.

A quote matches when it equals a passage of the article after folding only whitespace, typographic
quotation marks and dashes; everything else (spelling, case, punctuation) must be exact. Folding keeps a
map back to the original offsets so the passage can be highlighted as printed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_FOLD = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′`", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−", "-"),
    }
)


_SPACE_RUN = re.compile(r"\s+")  # \s is str.isspace, the same whitespace str.split() folds


@dataclass(frozen=True)
class Folded:
    """A text with typographic marks folded and whitespace runs collapsed to one space."""

    text: str
    starts: tuple[int, ...]  # original offset of each folded character
    original_length: int

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of the folded slice [start, end)."""
        last = self.starts[end - 1]
        return self.starts[start], last + 1


def fold(text: str) -> Folded:
    # One step per whitespace run, not per character: articles are folded once per build each.
    translated = text.translate(_FOLD)
    pieces: list[str] = []
    starts: list[int] = []
    pos = 0
    for run in _SPACE_RUN.finditer(translated):
        start, end = run.span()
        if start > pos:
            pieces.append(translated[pos:start])
            starts.extend(range(pos, start))
        if starts and end < len(translated):  # no space at the start or the end
            pieces.append(" ")
            starts.append(start)
        pos = end
    if pos < len(translated):
        pieces.append(translated[pos:])
        starts.extend(range(pos, len(translated)))
    return Folded("".join(pieces), tuple(starts), len(text))


def fold_text(text: str) -> str:
    """The folded form only (cheaper when no offsets are needed)."""
    return " ".join(text.translate(_FOLD).split())


def quote_id(quote: str) -> str:
    """A stable anchor for a quote: the same words give the same anchor, whatever cites them."""
    return "q-" + hashlib.sha256(fold_text(quote).encode("utf-8")).hexdigest()[:10]


@dataclass(frozen=True)
class Match:
    start: int  # offsets in the original article text
    end: int
    count: int  # how many times the folded quote occurs (more than one is ambiguous)


def occurrences(folded_text: str, quote: str) -> int:
    """How often `quote` occurs in an article's folded text: 0, 1, or 2 for two or more."""
    needle = fold_text(quote)
    if not needle:
        return 0
    at = folded_text.find(needle)
    if at < 0:
        return 0
    return 1 if folded_text.find(needle, at + 1) < 0 else 2


def find(source: Folded, quote: str) -> Match | None:
    needle = fold_text(quote)
    if not needle:
        return None
    at = source.text.find(needle)
    if at < 0:
        return None
    count = 1
    nxt = source.text.find(needle, at + 1)
    while nxt >= 0 and count < 2:
        count += 1
        nxt = source.text.find(needle, nxt + 1)
    start, end = source.span(at, at + len(needle))
    return Match(start, end, count)
