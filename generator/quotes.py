"""Finding a cited quote in its source article.

A quote matches when it equals a passage of the article after folding only whitespace, typographic
quotation marks and dashes; everything else (spelling, case, punctuation) must be exact. Folding keeps a
map back to the original offsets so the passage can be highlighted as printed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

_FOLD = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′`", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−", "-"),
    }
)


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
    out: list[str] = []
    starts: list[int] = []
    translated = text.translate(_FOLD)
    in_space = False
    for i, ch in enumerate(translated):
        if ch.isspace():
            if not in_space and out:
                out.append(" ")
                starts.append(i)
            in_space = True
            continue
        in_space = False
        out.append(ch)
        starts.append(i)
    if out and out[-1] == " ":
        out.pop()
        starts.pop()
    return Folded("".join(out), tuple(starts), len(text))


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
