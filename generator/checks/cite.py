"""Quotes picked from the article, not retyped: passages as YAML lines that paste back exactly.

`yaml_string` writes any text as a YAML double-quoted scalar that reads back as the same text (the
article's own curly quotes and dashes kept, `"` and `\\` escaped, characters YAML cannot hold raw
written as escapes). `citation_block` makes the two lines of a citation from it; the check's
quote-not-found hint and `factsheet cite` both print them. `passages` finds the sentences of an article
that contain some words, matched as the check matches quotes (whitespace, quote marks and dashes folded);
`find` does so in one seed of a project, by its id (`factsheet cite`).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from generator.checks import quotes
from generator.diagnostics import Code, DiagnosticError, error
from generator.model import Source, Where
from generator.project import Project

# Characters a YAML stream may hold raw (YAML 1.1 and 1.2, "printable"), less those that end a line
# (NEL, LS, PS) or that readers drop (the byte order mark): everything else is written as an escape.
_RAW = re.compile("[\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0", "\x85": "\\N"}
_ESCAPES |= {"\u2028": "\\L", "\u2029": "\\P"}


def _escape(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    if _RAW.fullmatch(char):
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def yaml_string(text: str) -> str:
    """`text` as a YAML double-quoted scalar on one line: `"a “good background” for"`; reads back as `text`."""
    return '"' + "".join(_escape(c) for c in text) + '"'


def yaml_line(key: str, text: str) -> str:
    """`quote: "…"`: a field with its value, ready to paste in place of a line of a fact file."""
    return f"{key}: {yaml_string(text)}"


def citation_block(source_id: str, quote: str, indent: str = "") -> str:
    """A citation as it stands in a fact file's `citations:` list, two lines (no final line break)."""
    return f"{indent}- source: {source_id}\n{indent}  {yaml_line('quote', quote)}"


@dataclass(frozen=True)
class Passage:
    """A passage of an article holding the words asked for: as printed (runs of whitespace as one space)."""

    text: str
    line: int  # line of the seed file where the passage starts (1-based)
    occurrences: int  # how often the passage occurs in the article (more than one: quote-ambiguous)


# A sentence ends at . ! ? or … (with any closing quote marks or brackets after it) followed by
# whitespace or the end of the paragraph; not after a common abbreviation or an initial ("Mr.", "J.").
_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s|$)")
# Words after which a full stop does not end a sentence ("Mr.", "Jan.", "U.S."), besides single letters (initials).
_ABBREVIATION = re.compile(
    r"(?:mrs?|ms|dr|sir|st|sr|jr|gen|col|lt|sgt|capt|prof|gov|sen|rep|no|vs|etc|e\.g|i\.e|u\.[skn]"
    r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|[^\W\d_])"
)
MAX_PASSAGE = 3000  # the longest quote the check takes (model.Quote); a longer sentence is cut to the words


def _sentence_ends(paragraph: str) -> list[int]:
    """Offsets in `paragraph` (one line) just after each sentence's end; the paragraph's end is the last."""
    ends = []
    for m in _END.finditer(paragraph):
        begin = max(paragraph.rfind(" ", 0, m.start()), paragraph.rfind("\t", 0, m.start())) + 1
        before = paragraph[begin : m.start()].lstrip("\"'“‘«(").casefold()
        if m.group().startswith(".") and _ABBREVIATION.fullmatch(before):
            continue
        ends.append(m.end())
    if not ends or ends[-1] < len(paragraph):
        ends.append(len(paragraph))
    return ends


class _Sentences:
    """Where the sentences of an article start and end, paragraph (non-blank line) by paragraph."""

    def __init__(self, body: str) -> None:
        self.body = body
        self.paragraphs: list[tuple[int, int]] = []
        pos = 0
        for line in body.split("\n"):
            start, stop = pos + len(line) - len(line.lstrip()), pos + len(line.rstrip())
            if stop > start:
                self.paragraphs.append((start, stop))
            pos += len(line) + 1
        self._starts = [a for a, _ in self.paragraphs]
        self._ends: dict[int, list[int]] = {}  # paragraph number -> sentence ends (offsets in the body)

    def _in(self, offset: int) -> tuple[int, list[int]]:
        """The paragraph holding `offset` (or the last one before it) and its sentences' ends."""
        number = max(0, bisect.bisect_right(self._starts, offset) - 1)
        if number not in self._ends:
            start, stop = self.paragraphs[number]
            self._ends[number] = [start + e for e in _sentence_ends(self.body[start:stop])]
        return self.paragraphs[number][0], self._ends[number]

    def around(self, start: int, end: int) -> tuple[int, int]:
        """[start, end) widened to whole sentences: from the start of the sentence holding `start` to the
        end of the one holding `end - 1`."""
        p_start, ends = self._in(start)
        at = bisect.bisect_right(ends, start)
        first = ends[at - 1] if at else p_start
        while first < start and self.body[first].isspace():
            first += 1
        _, ends = self._in(end - 1)
        last = ends[min(bisect.bisect_left(ends, end), len(ends) - 1)]
        return first, max(last, end)


def passages(body: str, words: str, body_line: int = 1, limit: int | None = None) -> list[Passage]:
    """The sentences of `body` (an article's text) that contain `words`, in the article's order, each once
    (the first `limit` of them). `body_line` is the line of the seed file where the body starts.

    `words` match as a quote does in the check: whitespace, typographic quote marks and dashes folded,
    everything else exact. A match over a sentence's end takes every sentence it touches. A sentence
    longer than the longest quote the check takes gives the words themselves."""
    folded = quotes.fold(body)
    needle = quotes.fold_text(words)
    if not needle:
        return []
    sentences = _Sentences(body)
    found: list[Passage] = []
    seen: set[str] = set()
    at = folded.text.find(needle)
    while at >= 0 and (limit is None or len(found) < limit):
        start, end = folded.span(at, at + len(needle))
        first, last = sentences.around(start, end)
        text = " ".join(body[first:last].split())
        if len(text) > MAX_PASSAGE:
            first, text = start, " ".join(body[start:end].split())
        if text not in seen:
            seen.add(text)
            line = body_line + body.count("\n", 0, first)
            found.append(Passage(text, line, quotes.occurrences(folded.text, text)))
        at = folded.text.find(needle, at + 1)
    return found


@dataclass(frozen=True)
class Found:
    """What `find` found in one source: the passages holding the words, or else the closest passage."""

    source_id: str
    seed: Path  # the seed file
    passages: list[Passage]
    more: bool  # more passages hold the words than were asked for
    closest: str | None  # when no passage holds them: the nearest passage as printed, if any is close


def find(project: Project, source: str, words: str, limit: int = 10) -> Found:
    """The first `limit` passages of the source `source` (an id; a seed's file name or path is taken too)
    that hold `words`. Raises DiagnosticError when there is no such source or its seed has problems."""
    from generator.checks.convert import convert
    from generator.checks.ids import ALL_SHOWN, NEAREST_SHOWN, _NearIds
    from generator.inputs.load import load_seed_file

    source_id = re.sub(r"\.md$", "", re.split(r"[/\\]", source.strip())[-1])
    ids = sorted(p.stem for p in project.seeds_dir.glob("*.md")) if project.seeds_dir.is_dir() else []
    if source_id not in ids:
        index = _NearIds(ids)
        if not ids:
            hint = f"there are no seeds in {project.seeds_dir.name}/ yet"
        else:
            listed = index.nearest(source_id, len(ids) if len(ids) <= ALL_SHOWN else NEAREST_SHOWN)
            some = "the sources are" if len(ids) <= ALL_SHOWN else f"the nearest of the {len(ids)} sources are"
            hint = index.suggest(source_id) or f"{some}: {', '.join(repr(i) for i in listed)}"
        where = Where(project.seeds_dir)
        raise DiagnosticError([error(where, Code.UNKNOWN_REFERENCE, f"no source with id '{source_id}'", hint)])
    seed = project.seeds_dir / f"{source_id}.md"
    doc, problems = load_seed_file(seed)
    if doc is None:
        raise DiagnosticError(problems)
    obj, problems, _ = convert(doc)
    if not isinstance(obj, Source):
        raise DiagnosticError(problems)
    found = passages(obj.body, words, obj.body_line, limit + 1)
    near = _nearest_sentence(obj.body, words) if not found else None
    return Found(source_id, seed, found[:limit], len(found) > limit, near)


_SHORT = 200  # characters of words short enough to look for anywhere in an article, letter by letter


def _nearest_sentence(body: str, words: str) -> str | None:
    """The sentence(s) of `body` holding the passage nearest `words`, as printed, or None if none is close:
    for a few words the best letter-by-letter alignment (the check's search goes word by word, and `good
    backround` shares no word with `“good background”`), else the check's closest passage."""
    needle = quotes.fold_text(words)
    if not needle:
        return None
    folded = quotes.fold(body)
    aligned = fuzz.partial_ratio_alignment(needle, folded.text, score_cutoff=80) if len(needle) <= _SHORT else None
    if aligned is not None:
        start, end = folded.span(aligned.dest_start, aligned.dest_end)
    else:
        miss = quotes.closest(folded, words)
        if miss is None:
            return None
        start = folded.word_begins[miss.first_word]
        end = folded.word_ends[miss.first_word + miss.words - 1]
    first, last = _Sentences(body).around(start, end)
    return " ".join(body[first:last].split())
