from generator import quotes


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
    match = quotes.find(quotes.fold("the call. the call. the call."), "the call")
    assert match is not None and match.count >= 2


def test_quote_id_is_stable_under_folding():
    assert quotes.quote_id("a “b”  c") == quotes.quote_id('a "b" c')
    assert quotes.quote_id("a b") != quotes.quote_id("a c")


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
