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
