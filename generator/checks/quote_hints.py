"""What to tell an editor whose quote is not in its source: the closest passage, as a line to paste,
and the look-alike characters that differ.
"""

from __future__ import annotations

import difflib
import unicodedata

from generator.checks import cite, quotes
from generator.checks.text import character_name

_COPY_EXACTLY = "copy the words exactly from the article (only whitespace, quote marks and dashes may differ)"


_PASSAGE_SHOWN = 160  # characters of the closest passage quoted in a hint when it cannot be pasted whole
_LINE_SHOWN = 450  # the longest `quote: "..."` line a hint offers to paste (a hint is cut at MESSAGE_MAX)


def quote_hint(index: quotes.WordIndex, quote: str, body: str, folded: quotes.Folded) -> str:
    """The hint for a quote not found in the article `body` (`folded` its fold, `index` its words): the
    closest passage as the article prints it, as a line to paste in place of the quote's, and the difference."""
    near = quotes.closest(index, quote)
    if near is None:
        return _COPY_EXACTLY
    printed = quotes.printed(body, folded, near.first_word, near.words)
    line = cite.yaml_line("quote", printed)
    # The article's words as it prints them, in the difference too.
    changes = quotes.word_difference(near.compared.split(" "), near.passage.split(" "), shown=printed.split())
    difference = f"difference ([-yours-]{{+article+}}): {changes}"
    if near.partial:  # a long quote: the words around where it first leaves the article; not a whole quote
        shown = printed if len(printed) <= _PASSAGE_SHOWN else printed[:_PASSAGE_SHOWN] + "…"
        hint = (
            f"from the first difference on (the quote has more than {quotes.COMPARED_WORDS} words): "
            f'closest passage: "{shown}"; {difference}'
        )
    elif len(line) <= _LINE_SHOWN:
        hint = f"closest passage (paste this line in place of your quote line): {line}; {difference}"
    else:
        hint = f'closest passage (too long to show whole): "{printed[:_PASSAGE_SHOWN]}…"; {difference}'
    return hint + _look_alike(near.compared, near.passage)


def _characters(text: str) -> str:
    shown = " ".join(character_name(c) for c in text[:4])
    return (shown + " …" if len(text) > 4 else shown) or "nothing"


def _look_alike(quote: str, passage: str) -> str:
    """What differs, as code points, where the first differing words are not plain ASCII: a Cyrillic a
    for a Latin a, or an accent written as a separate mark (NFD) where the article has one letter (NFC),
    look the same in the difference above."""
    yours, theirs = quotes.fold_text(quote).split(" "), passage.split(" ")
    for tag, a1, a2, b1, b2 in difflib.SequenceMatcher(a=yours, b=theirs, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        mine, article = " ".join(yours[a1:a2])[:200], " ".join(theirs[b1:b2])[:200]
        if mine.isascii() and article.isascii():
            return ""  # the difference shows plainly
        chars = difflib.SequenceMatcher(a=mine, b=article, autojunk=False)
        _, x1, x2, y1, y2 = next(op for op in chars.get_opcodes() if op[0] != "equal")
        form = (
            " (the same letters in another Unicode form, NFD and NFC: retype them)"
            if unicodedata.normalize("NFC", mine) == unicodedata.normalize("NFC", article)
            else ""
        )
        return f"; yours has {_characters(mine[x1:x2])} where the article has {_characters(article[y1:y2])}{form}"
    return ""
