"""Finding a cited quote in its source article.

A quote matches when it equals a passage of the article after folding only whitespace, typographic
quotation marks and dashes; everything else (spelling, case, punctuation) must be exact. Folding keeps a
map back to the original offsets so the passage can be highlighted as printed.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Callable
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


@dataclass(frozen=True)
class NearMiss:
    """The passage of an article that comes closest to a quote that was not found."""

    passage: str  # folded article text
    difference: str  # word-level, compact: `[-quote's words-]{+article's words+}` with a little context
    ratio: float  # 0..1, difflib similarity of quote and passage


_MIN_RATIO = 0.6  # below this the "closest" passage is unrelated and would only mislead
_CONTEXT_WORDS = 3


def closest(source: Folded, quote: str) -> NearMiss | None:
    """The article passage most like `quote`, or None when nothing is close.

    Runs only for quotes that failed, so it may be slower than `find`: a sliding window over the
    article's words ranks candidate starts by shared words, then difflib compares the best few.
    """
    needle = fold_text(quote).split(" ")
    words = source.text.split(" ")
    if not needle or not words or not needle[0]:
        return None
    n = len(needle)
    wanted: dict[str, int] = {}
    for w in needle:
        wanted[w] = wanted.get(w, 0) + 1
    window: dict[str, int] = {}
    shared = 0
    scores: list[tuple[int, int]] = []  # (shared words, start)
    for i, w in enumerate(words):
        window[w] = window.get(w, 0) + 1
        if window[w] <= wanted.get(w, 0):
            shared += 1
        if i >= n:
            old = words[i - n]
            if window[old] <= wanted.get(old, 0):
                shared -= 1
            window[old] -= 1
        scores.append((shared, -max(0, i - n + 1)))
    best_starts = sorted({-s for _, s in sorted(scores, reverse=True)[:8]})
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(" ".join(needle))
    best: tuple[float, int, int] | None = None
    for start in best_starts:
        for length in range(max(1, n - 3), n + 4):
            candidate = " ".join(words[start : start + length])
            matcher.set_seq1(candidate)
            ratio = matcher.ratio()
            if best is None or ratio > best[0]:
                best = (ratio, start, length)
    if best is None or best[0] < _MIN_RATIO:
        return None
    ratio, start, length = best
    passage = words[start : start + length]
    return NearMiss(" ".join(passage), word_difference(needle, passage), round(ratio, 3))


def _plain(text: str) -> str:
    return text


def word_difference(
    yours: list[str],
    theirs: list[str],
    *,
    removed: Callable[[str], str] = lambda t: f"[-{t}-]",
    added: Callable[[str], str] = lambda t: f"{{+{t}+}}",
    escape: Callable[[str], str] = _plain,
) -> str:
    """`... by Mr [-Biden.-]{+Putin.+}`: only the changed words, each with a few words around them."""
    ops = difflib.SequenceMatcher(a=yours, b=theirs, autojunk=False).get_opcodes()
    parts: list[str] = []
    for i, (tag, a1, a2, b1, b2) in enumerate(ops):
        if tag == "equal":
            same = yours[a1:a2]
            first, last = i == 0, i == len(ops) - 1
            if len(same) > 2 * _CONTEXT_WORDS and not (first or last):
                same = [*same[:_CONTEXT_WORDS], "…", *same[-_CONTEXT_WORDS:]]
            elif first and len(same) > _CONTEXT_WORDS:
                same = ["…", *same[-_CONTEXT_WORDS:]]
            elif last and len(same) > _CONTEXT_WORDS:
                same = [*same[:_CONTEXT_WORDS], "…"]
            parts.append(escape(" ".join(same)))
            continue
        change = ""
        if a2 > a1:
            change += removed(" ".join(yours[a1:a2]))
        if b2 > b1:
            change += added(" ".join(theirs[b1:b2]))
        parts.append(change)
    return " ".join(parts)
