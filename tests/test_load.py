"""load.py: reading input files (most of its rules are exercised through the corpus of test_hardening.py)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from generator.inputs.load import _FORBIDDEN, forbidden_character
from generator.inputs.yamlsafe import position

# Each edge of a forbidden range, its neighbours, CR/LF, and characters that make a text non-ASCII or astral.
_EDGES = "a \t\n\r\x00\x08\x0b\x0c\x0e\x1f\x7f\x80\x9f\xa0é\u202a\u202e\u202f\u2065\u2066\u2069\u206a"
_EDGES += "\ufdcf\ufdd0\ufdef\ufdf0\ufffd\ufffe\uffff\U00010000\U0001fffd\U0001fffe\U0001ffff\U0010fffe\U0010ffff"


@given(st.text(alphabet=st.sampled_from(_EDGES), max_size=12))
def test_the_narrowed_searches_find_the_full_patterns_first_character(text):
    """ASCII text and text without astral characters are searched with smaller patterns: the same first
    forbidden character, at the same place, as the full pattern finds."""
    found = forbidden_character(Path("f.yaml"), text)
    expected = _FORBIDDEN.search(text)
    if expected is None:
        assert found is None
        return
    assert found is not None
    assert (found.where.line, found.where.col) == position(text, expected.start())
    assert f"U+{ord(expected.group()):04X}" in found.message


def test_each_kind_of_text_is_searched_to_its_end():
    # The character is last, after text of each kind: ASCII, non-ASCII below U+FFFF, astral.
    for before in ("plain\r\n", "caf\u00e9\n", "smile \U0001f600\n"):
        for char in ("\x7f", "\x85", "\u202e", "\ufdd0", "\r"):
            if char > "\x7f" and before.isascii():
                continue  # the text would no longer be ASCII
            found = forbidden_character(Path("f.yaml"), before + "x" + char)
            assert found is not None and found.where.col == len("x") + 1, (before, char)
    assert forbidden_character(Path("f.yaml"), "end\U0010ffff") is not None
    assert forbidden_character(Path("f.yaml"), "fine\r\n\u00e9\U0001f600\n") is None
