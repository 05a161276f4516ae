"""Finding a cited quote in its source article.

A quote matches when it equals a passage of the article after folding only whitespace, typographic
quotation marks and dashes; everything else (spelling, case, punctuation) must be exact. Folding keeps a
map back to the original offsets so the passage can be highlighted as printed.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import hashlib
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

_FOLD = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′`", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−", "-"),
    }
)


_WORD = re.compile(r"\S+")  # \S is not str.isspace, the same whitespace str.split() folds


@dataclass(frozen=True)
class Folded:
    """A text with typographic marks folded and whitespace runs collapsed to one space.

    The map back to the original is kept per word (where it starts in each text), not per character:
    articles are folded once per build each, and a map per character is most of the cost at scale."""

    text: str
    word_starts: tuple[int, ...]  # offset in `text` where each word starts
    word_spans: tuple[tuple[int, int], ...]  # [start, end) of each word in the original
    original_length: int

    def origin(self, i: int) -> int:
        """Original offset of folded character `i` (a folded space maps to the run it replaced)."""
        word = bisect.bisect_right(self.word_starts, i) - 1
        start, end = self.word_spans[word]
        offset = i - self.word_starts[word]
        return start + offset if offset < end - start else end

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of the folded slice [start, end)."""
        return self.origin(start), self.origin(end - 1) + 1

    @property
    def starts(self) -> tuple[int, ...]:
        """Original offset of each folded character (for tests and debugging)."""
        return tuple(self.origin(i) for i in range(len(self.text)))


def fold(text: str) -> Folded:
    translated = text.translate(_FOLD)
    spans = tuple(m.span() for m in _WORD.finditer(translated))
    words = [translated[a:b] for a, b in spans]
    starts = tuple(itertools.accumulate((len(w) + 1 for w in words[:-1]), initial=0)) if words else ()
    return Folded(" ".join(words), starts, spans, len(text))


def fold_text(text: str) -> str:
    """The folded form only (cheaper when no offsets are needed)."""
    return " ".join(text.translate(_FOLD).split())


@functools.lru_cache(maxsize=65536)  # pages cite the same quotes many times over
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


def _trie_pattern(words: list[str]) -> re.Pattern[str]:
    """A regex matching any of `words`, the longest at each position, as a trie: one pass per text.

    Built without recursion (a name may be thousands of characters long: one deep path of the trie), and
    a run of nodes with one child each becomes one literal, so the work grows with the words' length."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def chain(ch: str, child: dict) -> tuple[str, dict]:
        # Follow single-child nodes that end no word: their characters are one literal.
        run = [ch]
        while len(child) == 1 and "" not in child:
            ((ch, child),) = child.items()
            run.append(ch)
        return re.escape("".join(run)), child

    order: list[dict] = []  # every branching node (and the root), each before the nodes below it
    edges: dict[int, list[tuple[str, dict]]] = {}
    stack = [trie]
    while stack:
        node = stack.pop()
        order.append(node)
        edges[id(node)] = [chain(ch, child) for ch, child in sorted(node.items()) if ch]
        stack.extend(child for _, child in edges[id(node)])
    pattern: dict[int, str] = {}
    for node in reversed(order):  # the nodes below first
        branches = [literal + pattern[id(child)] for literal, child in edges[id(node)]]
        if not branches:
            pattern[id(node)] = ""
            continue
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        pattern[id(node)] = f"(?:{body})?" if "" in node else body
    return re.compile(pattern[id(trie)])


def occurrences_in(texts: dict[str, str], needles: set[str]) -> dict[str, set[str]]:
    """For each needle, the keys of the texts that contain it: the same as `needle in text` for
    every pair, but one scan per text instead of one per pair, so it grows with the input."""
    found: dict[str, set[str]] = {n: set() for n in needles}
    wanted = sorted(n for n in needles if n)
    if not wanted:
        return found
    try:
        pattern = _trie_pattern(wanted)
    except (RecursionError, re.error, OverflowError):
        # Hundreds of words each a prefix of the next nest the groups deeper than `re` can compile: look
        # each one up instead (slower, the same answer).
        for n in wanted:
            found[n] = {key for key, text in texts.items() if n in text}
        return found
    # A needle occurring at a position is a prefix of the longest match there, hence inside it.
    inside: dict[str, list[str]] = {}
    for key, text in texts.items():
        pos = 0
        while (m := pattern.search(text, pos)) is not None:
            longest = m.group()
            if longest not in inside:
                inside[longest] = [n for n in wanted if n in longest]
            for n in inside[longest]:
                found[n].add(key)
            pos = m.start() + 1
    return found


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
