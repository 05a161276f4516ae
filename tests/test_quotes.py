import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.checks import quotes


def test_folds_only_whitespace_quotes_and_dashes():
    text = "He said “firmly”  —\n and   left – it’s ‘done’."
    folded = quotes.fold(text)
    assert folded.text == "He said \"firmly\" - and left - it's 'done'."
    match = quotes.find(folded, 'said "firmly" — and left')
    assert match is not None and text[match.start : match.end] == "said “firmly”  —\n and   left"


def test_case_spelling_and_punctuation_must_match():
    folded = quotes.fold("Vladimir Poutin said on his side")
    assert quotes.find(folded, "Vladimir Putin") is None
    assert quotes.find(folded, "vladimir poutin") is None
    assert quotes.find(folded, "Vladimir Poutin said on his side.") is None
    assert quotes.find(folded, "   ") is None


def test_counts_repeats():
    text = "the call. the call. the call."
    match = quotes.find(quotes.fold(text), "the call")
    assert match is not None and match.count == 2 and (match.start, match.end) == (0, 8)  # 2: two or more
    assert quotes.occurrences(quotes.fold_text(text), "the call") == 2
    assert quotes.occurrences("ha ha ha", "ha ha") == 2  # overlapping places count


def test_quote_id_is_stable_under_folding():
    assert quotes.quote_id("a “b”  c") == quotes.quote_id('a "b" c')
    assert quotes.quote_id("a b") != quotes.quote_id("a c")


def _fold_by_character(text: str) -> tuple[str, tuple[int, ...]]:
    # The plain definition that quotes.fold computes faster: collapse each whitespace run to one
    # space (none at either end) and remember where each character came from.
    out, starts = [], []
    for i, ch in enumerate(text.translate(quotes._FOLD)):
        if ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                starts.append(i)
            continue
        out.append(ch)
        starts.append(i)
    if out and out[-1] == " ":
        out.pop()
        starts.pop()
    return "".join(out), tuple(starts)


@given(st.text(alphabet=st.sampled_from(list("ab “”—-\n\t\r\x0b\x1c\u00a0\u2028\u3000 x."))))
def test_fold_matches_the_character_by_character_definition(text):
    folded = quotes.fold(text)
    assert (folded.text, folded.starts) == _fold_by_character(text)
    assert folded.text == quotes.fold_text(text)
    # Each word's place in the original (a near miss shows the words as printed).
    words = [text[b:e] for b, e in zip(folded.word_begins, folded.word_ends, strict=True)]
    assert [w.translate(quotes._FOLD) for w in words] == text.translate(quotes._FOLD).split()


@given(st.text(alphabet=st.sampled_from(list("ab `'\"-\n\t x."))))
def test_fold_text_of_ascii_text_folds_the_backtick_too(text):
    # fold_text skips the table for plain ASCII text, but not for the one ASCII character the table changes.
    assert quotes.fold_text(text) == quotes.fold(text).text
    assert quotes.fold_text("it`s  a\ttest") == "it's a test"


def test_occurrences_counts_none_one_or_several():
    text = quotes.fold_text('the "call". the “call”. a  word')
    assert quotes.occurrences(text, 'the "call"') == 2
    assert quotes.occurrences(text, "a\nword") == 1
    assert quotes.occurrences(text, "absent") == 0
    assert quotes.occurrences(text, "  ") == 0


@given(
    st.lists(st.text(alphabet="ab .c", max_size=30), max_size=5),
    st.sets(st.text(alphabet="ab .c", min_size=1, max_size=4), max_size=6),
)
def test_occurrences_in_is_substring_search_for_every_pair(texts, needles):
    by_key = {f"t{i}": t for i, t in enumerate(texts)}
    found = quotes.occurrences_in(by_key, needles)
    assert found == {n: {k for k, t in by_key.items() if n in t} for n in needles}


def test_occurrences_in_looks_each_word_up_when_the_pattern_nests_too_deep_for_re():
    # Hundreds of words each a prefix of the next make a pattern `re` cannot compile: the same answer, slower.
    words = {"a" * n for n in range(1, 1000)} | {"b"}
    with pytest.raises(RecursionError):
        quotes._trie_pattern(sorted(words))
    texts = {"short": "x aaa y", "long": "a" * 1200, "none": "xyz", "bee": "a b"}
    found = quotes.occurrences_in(texts, words)
    assert found == {w: {k for k, t in texts.items() if w in t} for w in words}
    assert found["aaaa"] == {"long"} and found["b"] == {"bee"}


def test_occurrences_in_needs_memory_in_proportion_to_a_long_names_length():
    # A run of trie nodes with one child each is one literal: a name thousands of characters long costs
    # memory (and time) in proportion to its length, not to its square (each node's suffix kept apart).
    import tracemalloc

    def peak(length: int) -> int:
        name = "Name " * (length // 5)
        tracemalloc.start()
        try:
            found = quotes.occurrences_in({"t": f"x {name} y"}, {name, "Other " * (length // 6), "Nam"})
            assert found == {name: {"t"}, "Other " * (length // 6): set(), "Nam": {"t"}}
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    assert peak(4000) < 6 * peak(1000)  # about 4 times: linear (the square would be 16)


ARTICLE = (
    "Mr Biden reiterated his threat of unprecedented sanctions if Russia chose to invade Ukraine. "
    "The call was requested by Mr Putin. It lasted fifty minutes."
)


def test_closest_passage_of_a_misquote_shows_the_changed_words():
    near = quotes.closest(quotes.fold(ARTICLE), "The call was requested by Mr Biden.")
    assert near is not None
    assert near.passage == "The call was requested by Mr Putin."
    assert near.difference == "… requested by Mr [-Biden.-]{+Putin.+}"


def test_closest_passage_folds_typography_and_keeps_context_around_each_change():
    near = quotes.closest(
        quotes.fold(ARTICLE), "Mr Biden reiterated his threat of “unprecedented” penalties if Russia chose"
    )
    assert near is not None
    assert near.passage.startswith("Mr Biden reiterated his threat of unprecedented sanctions")
    assert '[-"unprecedented" penalties-]{+unprecedented sanctions+}' in near.difference


def test_no_closest_passage_for_unrelated_words():
    assert quotes.closest(quotes.fold(ARTICLE), "bananas are yellow and quite tasty") is None


@given(
    st.text(alphabet=st.sampled_from(list("ab -“”")), max_size=30),
    st.text(alphabet=st.sampled_from(list('ab -"')), min_size=1, max_size=6),
)
def test_find_counts_the_places_a_quote_occurs_as_occurrences_does(text, quote):
    # Overlapping places count: "ha ha" is twice in "ha ha ha". Both say 0, 1 or 2 (two or more).
    folded = quotes.fold(text)
    match = quotes.find(folded, quote)
    expected = quotes.occurrences(folded.text, quote)
    assert (match.count if match else 0) == expected
    assert quotes.find(quotes.fold("ha ha ha"), "ha ha").count == 2
    assert quotes.find(quotes.fold("ha ha"), "ha ha").count == 1


def test_the_difference_shows_the_articles_words_as_printed():
    yours = quotes.fold_text('a "good backround" for').split(" ")
    theirs = quotes.fold_text("a “good background” for").split(" ")
    assert quotes.word_difference(yours, theirs) == 'a "good [-backround"-]{+background"+} for'
    shown = ["a", "“good", "background”", "for"]
    assert quotes.word_difference(yours, theirs, shown=shown) == 'a "good [-backround"-]{+background”+} for'
    assert quotes.word_difference(yours, theirs, shown=shown[:2]) == 'a "good [-backround"-]{+background"+} for'
