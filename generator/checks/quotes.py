"""Finding a cited quote in its source article.

A quote matches when it equals a passage of the article after folding only whitespace, typographic
quotation marks and dashes; everything else (spelling, case, punctuation) must be exact. Folding keeps a
map back to the original offsets so the passage can be highlighted as printed.
"""

from __future__ import annotations

import array
import bisect
import difflib
import functools
import hashlib
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz

_FOLD = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′`", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−", "-"),
    }
)


_WORD = re.compile(r"\S+")  # \S is not str.isspace, the same whitespace str.split() folds
# A run of whitespace that folds to a space other than itself: longer than one character, or not a space.
_RUN = re.compile(r" \s+|[^\S ]\s*")


@dataclass(frozen=True)
class Folded:
    """A text with typographic marks folded and whitespace runs collapsed to one space.

    The map back to the original is kept per stretch of the folded text between two runs of whitespace
    that were not a single space (an article's paragraph breaks): within one, a folded character is as far
    from its original as the stretch's first. Articles are folded once per build each; a map per word or
    per character was most of the cost at scale. The word offsets (`word_begins`, `word_ends`), which only
    a near miss needs, are worked out when first asked for."""

    text: str
    original: str  # the text with its typographic marks folded (each one character for one: the same offsets)
    breaks: array.array  # offset in `text` where each stretch starts (the first: 0)
    shifts: array.array  # the original offset of each stretch's characters less their folded one

    def origin(self, i: int) -> int:
        """Original offset of folded character `i` (a folded space maps to the run it replaced)."""
        # A folded space ends the stretch before it: it maps to the start of the run it replaced.
        return i + self.shifts[bisect.bisect_right(self.breaks, i) - 1]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of the folded slice [start, end)."""
        return self.origin(start), self.origin(end - 1) + 1

    @functools.cached_property
    def word_begins(self) -> array.array:
        """Where each word starts in the original."""
        return array.array("I", (m.start() for m in _WORD.finditer(self.original)))

    @functools.cached_property
    def word_ends(self) -> array.array:
        """Where each word ends in the original."""
        words = self.text.split(" ") if self.text else []
        return array.array("I", (b + len(w) for b, w in zip(self.word_begins, words, strict=True)))

    @property
    def starts(self) -> tuple[int, ...]:
        """Original offset of each folded character (for tests and debugging)."""
        return tuple(self.origin(i) for i in range(len(self.text)))


def fold(text: str) -> Folded:
    translated = text.translate(_FOLD)
    shift = len(translated) - len(translated.lstrip())  # leading whitespace folds to nothing
    breaks, shifts = array.array("I", [0]), array.array("I", [shift])
    for run in _RUN.finditer(translated, shift):
        at = run.start() - shift  # the folded space that stands for it
        shift += run.end() - run.start() - 1
        breaks.append(at + 1)
        shifts.append(shift)
    return Folded(" ".join(translated.split()), translated, breaks, shifts)


# The ASCII characters _FOLD changes (the backtick): ASCII text without them folds by whitespace alone.
_FOLD_ASCII = tuple(chr(c) for c in _FOLD if c < 128)


def fold_text(text: str) -> str:
    """The folded form only (cheaper when no offsets are needed)."""
    # translate() looks every character up in _FOLD: most of the cost, and a no-op on plain ASCII text.
    if not text.isascii() or any(c in text for c in _FOLD_ASCII):
        text = text.translate(_FOLD)
    return " ".join(text.split())


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
    count = 2 if source.text.find(needle, at + 1) >= 0 else 1  # once or more than once is all a check needs
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
    ratio: float  # 0..1, Indel similarity of quote and passage: twice the characters in common over both lengths
    partial: bool = False  # a long quote, compared only around the first word where it leaves the article
    compared: str = ""  # the quote's words that were compared (folded): all of them unless `partial`
    first_word: int = 0  # where the passage is: its first word in the article's folded words...
    words: int = 0  # ...and how many words it has (see `printed`)


_MIN_RATIO = 0.6  # below this the "closest" passage is unrelated and would only mislead
_CONTEXT_WORDS = 3
# Bounds on the work for one quote, whatever the article and the quote hold (docs/security.md, "Limits").
COMPARED_WORDS = 100  # a longer quote is compared around its first difference only
_HITS = 5_000  # occurrences of the quote's words looked at, rarest words first
_STARTS = 8  # candidate passages compared character by character...
_SPREAD = 3  # ...each at the quote's length and up to this many words shorter and longer


class WordIndex:
    """An article's folded words and where each one occurs. Built once per article (a sort of its words),
    so that each quote not found in it looks up its own words instead of walking the whole article."""

    def __init__(self, folded_text: str) -> None:
        self.text = folded_text
        self.words = folded_text.split(" ") if folded_text else []
        # Word positions sorted by word, beside the words in that order: a word's positions are one slice.
        self._order = array.array("I", sorted(range(len(self.words)), key=self.words.__getitem__))
        self._sorted = [self.words[i] for i in self._order]
        # Where each word starts in the text: a passage's length is known without joining it.
        self._starts = array.array("I", itertools.accumulate((len(w) + 1 for w in self.words), initial=0))

    def positions(self, word: str) -> array.array:
        lo = bisect.bisect_left(self._sorted, word)
        return self._order[lo : bisect.bisect_right(self._sorted, word, lo)]

    def length(self, start: int, count: int) -> int:
        """Characters in the passage of `count` words from word `start`."""
        end = min(start + count, len(self.words))
        return max(0, self._starts[end] - self._starts[start] - 1)


def _around_first_difference(text: str, needle: list[str]) -> list[str]:
    """COMPARED_WORDS words of a long quote, from a little before the first word where it leaves the
    article. That word ends the longest prefix found in the text, found by bisection: a prefix of a
    found text is found too."""
    lo, hi = 0, len(needle)  # the first lo words are found, the first hi words are not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if " ".join(needle[:mid]) in text:
            lo = mid
        else:
            hi = mid
    first = max(0, min(lo - COMPARED_WORDS // 4, len(needle) - COMPARED_WORDS))
    return needle[first : first + COMPARED_WORDS]


def _best_starts(index: WordIndex, needle: list[str]) -> list[int]:
    """The starts of the windows of len(needle) words that share the most words with the needle (each word
    counted at most as often as the needle has it), earliest first among equals: the candidates for the
    fine comparison.

    Only the starts where that count changes are visited, from the occurrences of the needle's words,
    rarest words first and at most _HITS occurrences in all: words too common to tell passages apart are
    left out."""
    n, last = len(needle), max(0, len(index.words) - len(needle))
    wanted: dict[str, int] = {}
    for w in needle:
        wanted[w] = wanted.get(w, 0) + 1
    found = sorted((len(p), w, p) for w in wanted if len(p := index.positions(w)))
    caps: list[int] = []  # for each word kept, how often the needle has it
    events: list[int] = []  # window start << 21 | (1 << 20 if the word leaves the window) | word number
    budget = _HITS
    for count, word, positions in found:
        if count > budget:
            break
        budget -= count
        k = len(caps)
        caps.append(wanted[word])
        events.extend(max(0, p - n + 1) << 21 | k for p in positions)
        events.extend((p + 1) << 21 | 1 << 20 | k for p in positions if p < last)
    if not events:
        return []
    events.sort()
    held = [0] * len(caps)
    shared = 0
    runs: list[tuple[int, int, int]] = []  # (-shared words, first start, end) of starts with the same count
    at = events[0] >> 21
    for event in events:
        start = event >> 21
        if start != at:
            if shared:
                runs.append((-shared, at, start))
            at = start
        k = event & 0xFFFFF
        if event & 1 << 20:
            shared -= held[k] <= caps[k]
            held[k] -= 1
        else:
            held[k] += 1
            shared += held[k] <= caps[k]
    if shared:
        runs.append((-shared, at, last + 1))
    runs.sort()
    starts: list[int] = []
    for _, first, end in runs:
        starts.extend(range(first, min(end, first + _STARTS - len(starts))))
        if len(starts) >= _STARTS:
            break
    return sorted(starts)


def closest(source: Folded | WordIndex, quote: str) -> NearMiss | None:
    """The article passage most like `quote`, or None when nothing is close.

    Runs only for quotes that failed. The candidates are the windows of the article sharing the most
    words with the quote (found through the article's word index); the best few, at a few lengths
    around the quote's, are compared character by character (rapidfuzz's Indel similarity). The work is
    bounded whatever the input: a long quote is compared around its first difference, words too common
    to tell passages apart are skipped, and passages far longer or shorter than the quote are not compared.
    Pass a WordIndex when several quotes are looked up in one article.
    """
    index = source if isinstance(source, WordIndex) else WordIndex(source.text)
    needle = fold_text(quote).split(" ")
    if not needle[0] or not index.words:
        return None
    partial = len(needle) > COMPARED_WORDS
    if partial:
        needle = _around_first_difference(index.text, needle)
    n = len(needle)
    wanted = " ".join(needle)
    words = index.words
    best: tuple[float, int, int] | None = None
    for start in _best_starts(index, needle):
        for length in range(max(1, n - _SPREAD), n + _SPREAD + 1):
            size = index.length(start, length)
            if 2 * min(size, len(wanted)) < _MIN_RATIO * (size + len(wanted)):
                continue  # the lengths alone keep the ratio under the minimum: not worth joining the words
            ratio = fuzz.ratio(wanted, " ".join(words[start : start + length])) / 100
            if best is None or ratio > best[0]:
                best = (ratio, start, length)
    if best is None or best[0] < _MIN_RATIO:
        return None
    ratio, start, length = best
    passage = words[start : start + length]
    return NearMiss(
        " ".join(passage), word_difference(needle, passage), round(ratio, 3), partial, wanted, start, len(passage)
    )


def printed(text: str, folded: Folded, first_word: int, words: int) -> str:
    """Words [first_word, first_word + words) of `folded` (the fold of `text`) as `text` prints them: its
    own quote marks and dashes, runs of whitespace as one space. The check matches it as the folded words."""
    if words < 1:
        return ""
    return " ".join(text[folded.word_begins[first_word] : folded.word_ends[first_word + words - 1]].split())


def _plain(text: str) -> str:
    return text


def word_difference(
    yours: list[str],
    theirs: list[str],
    *,
    removed: Callable[[str], str] = lambda t: f"[-{t}-]",
    added: Callable[[str], str] = lambda t: f"{{+{t}+}}",
    escape: Callable[[str], str] = _plain,
    shown: list[str] | None = None,
) -> str:
    """`... by Mr [-Biden.-]{+Putin.+}`: only the changed words, each with a few words around them. `shown`,
    as many words as `theirs`, is how their words are printed (an article's own quote marks and dashes)."""
    printed = theirs if shown is None or len(shown) != len(theirs) else shown
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
            change += added(" ".join(printed[b1:b2]))
        parts.append(change)
    return " ".join(parts)
