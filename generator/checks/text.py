"""What text in a fact may hold: no invisible, unassigned or control characters, no pile of combining marks."""

from __future__ import annotations

import re
import unicodedata

# Unicode categories never allowed in text: controls, format characters (zero-width, bidi, soft hyphen,
# tag characters: invisible, they make two names look equal or reorder text on screen), private use,
# surrogates, the line and paragraph separators, and unassigned code points (Cn, with the noncharacters
# U+FFFE, U+FFFF, U+FDD0-FDEF: no font draws them, and YAML readers, MkDocs' among them, refuse them).
# By category, so new invisibles are covered too.
_UNSEEN = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"})
# Characters that print nothing although their category says they would: the Hangul fillers (letters),
# BRAILLE PATTERN BLANK (a symbol), and the default-ignorable marks: combining grapheme joiner, Khmer
# inherent vowels, Mongolian and other variation selectors.
_BLANK = frozenset(
    "\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5\u180b\u180c\u180d\u180f"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
    + "".join(map(chr, range(0xE0100, 0xE01F0)))
)
_COMBINING = frozenset({"Mn", "Me"})
MAX_COMBINING_MARKS = 4  # on one character: Hebrew with points and accents needs 4; "Zalgo" text needs dozens
_VISIBLE = frozenset("LNPS")  # a letter, digit, punctuation mark or symbol (first letter of the category)
_NOT_PRINTABLE_ASCII = re.compile("[^\x20-\x7e]")
_VISIBLE_ASCII = re.compile("[!-~]")
_UNSEEN_NAMES = {"Cn": "unassigned code point", "Co": "private-use character", "Cs": "surrogate"}


def character_name(char: str) -> str:
    """`U+FFFF (noncharacter)`, `U+0430 (CYRILLIC SMALL LETTER A)`: a character as a reader can look it up."""
    code = ord(char)
    name = unicodedata.name(char, "")
    if not name:
        category = unicodedata.category(char)
        if (code & 0xFFFE) == 0xFFFE or 0xFDD0 <= code <= 0xFDEF:
            name = "noncharacter"
        else:
            name = _UNSEEN_NAMES.get(category, "control character")
    return f"U+{code:04X} ({name})"


def unseen_character(value: str, multiline: bool) -> tuple[int, str] | None:
    """Offset of the first thing a reader would not see as text, and what it is (to follow the field's
    name in a message), if any: an invisible or unassigned character, more than MAX_COMBINING_MARKS
    combining marks stacked on one character, or, in text that is not blank, no visible character at all.

    Spaces are fine; tabs and line breaks only in multi-line text.
    """
    allowed = "\t\n\r" if multiline else ""
    stacked, run_end = 0, -1
    # Only the characters that are not printable ASCII need a look: most text has none (two C string
    # tests tell, several times faster than starting the search).
    if not (value.isascii() and value.isprintable()):
        for found in _NOT_PRINTABLE_ASCII.finditer(value):
            i, char = found.start(), found.group()
            if char in allowed:
                continue
            category = unicodedata.category(char)
            if category in _UNSEEN or char in _BLANK:
                return i, f"contains {character_name(char)} at character {i + 1}"
            if category in _COMBINING:
                stacked = stacked + 1 if i == run_end else 1
                run_end = i + 1
                if stacked > MAX_COMBINING_MARKS:
                    return i, (
                        f"has more than {MAX_COMBINING_MARKS} accents (combining marks) in a row at character {i + 1}"
                    )
    visible = _VISIBLE_ASCII.search(value) or any(unicodedata.category(c)[0] in _VISIBLE for c in value)
    if value.strip() and not visible:
        return 0, "shows nothing: it has no visible letter, digit, punctuation mark or symbol"
    return None
