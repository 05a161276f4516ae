"""Quotes picked from the article: YAML lines that read back exactly, and the sentences holding some words."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from generator.checks import cite, quotes
from generator.diagnostics import DiagnosticError
from generator.inputs.load import parse_yaml

from .conftest import FIXTURES

ARTICLE = (FIXTURES / "basic" / "seeds" / "serious-50-minute-conversation.md").read_text(encoding="utf-8")


def _read_back(line: str) -> str:
    """The value of a `key: value` line, as PyYAML and as the check's own YAML reader read it."""
    by_pyyaml = yaml.safe_load(line)["quote"]
    node, problem = parse_yaml(FIXTURES / "x.yaml", line + "\n")
    assert problem is None, problem
    assert node is not None
    ((_, value),) = node.items  # type: ignore[union-attr]
    assert value.value == by_pyyaml  # type: ignore[union-attr]
    return by_pyyaml


@given(st.text())
def test_any_text_makes_a_line_that_reads_back_as_the_same_text(text):
    line = cite.yaml_line("quote", text)
    assert "\n" not in line and "\r" not in line
    assert _read_back(line) == text


@pytest.mark.parametrize(
    "text",
    [
        "a “good background” for",
        'a "good background" for',
        "back\\slash and \\n not a line break",
        "‘single’ and 'straight' and — dashes –",
        "  spaces kept at both ends  ",
        "line\nbreak\ttab\u2028separator\x85next line\ufeffbom\x7fdel",
        "#not a comment: and - not a list, {not: a mapping}, [nor a list], &anchor *alias !tag %",
        "null",
        "",
    ],
)
def test_the_hard_characters_read_back(text):
    line = cite.yaml_line("quote", text)
    assert _read_back(line) == text
    # The article's own typography stays as it is: only what YAML needs is escaped.
    for kept in "“”‘’—–":
        assert line.count(kept) == text.count(kept)


def test_a_citation_block_is_a_list_item_with_source_and_quote():
    block = cite.citation_block("serious-50-minute-conversation", 'a “good” and a "plain" quote')
    expected = {"source": "serious-50-minute-conversation", "quote": 'a “good” and a "plain" quote'}
    assert yaml.safe_load(block) == [expected]
    indented = cite.citation_block("x", "y", indent="  ")
    assert indented.splitlines() == ["  - source: x", '    quote: "y"']


def test_passages_are_the_sentences_holding_the_words_as_printed():
    body = "Mr. Smith met J. Doe in the U.S. on Tuesday. He said the talks were “good”. Then he left!\n\nNext day.\n"
    found = cite.passages(body, "J. Doe")
    assert [p.text for p in found] == ["Mr. Smith met J. Doe in the U.S. on Tuesday."]
    # Straight quotes and spaces match the article's curly ones, as in the check; the article's are printed.
    assert [p.text for p in cite.passages(body, 'talks   were "good"')] == ["He said the talks were “good”."]
    # Words over a sentence's end take both sentences.
    assert [p.text for p in cite.passages(body, "“good”. Then")] == ["He said the talks were “good”. Then he left!"]
    # A line of the body, counted from the seed file's line where the body starts.
    assert [(p.text, p.line) for p in cite.passages(body, "Next", body_line=10)] == [("Next day.", 12)]
    assert cite.passages(body, "not there") == [] and cite.passages(body, "  ") == []


def test_each_passage_once_in_order_and_counted():
    body = "The call was long. The call was long. It was the call of the year.\nA call."
    found = cite.passages(body, "call")
    assert [(p.text, p.occurrences) for p in found] == [
        ("The call was long.", 2),
        ("It was the call of the year.", 1),
        ("A call.", 1),
    ]
    first_two = ["The call was long.", "It was the call of the year."]
    assert [p.text for p in cite.passages(body, "call", limit=2)] == first_two


def test_a_sentence_too_long_for_a_quote_gives_the_words():
    body = "word " * 1000 + "needle here " + "word " * 1000 + "."
    (found,) = cite.passages(body, "needle here")
    assert found.text == "needle here"


def test_every_passage_is_found_by_the_check_as_a_quote():
    body = ARTICLE.split("---", 2)[2]
    folded = quotes.fold(body)
    for words in ("good background", "sanctions", "Ushakov", "Biden", "de-escalation", "“serious”"):
        found = cite.passages(body, words)
        assert found, words
        for p in found:
            assert quotes.find(folded, p.text) is not None, p.text
            assert quotes.fold_text(words) in quotes.fold_text(p.text)


def test_find_names_the_nearest_sources_when_the_id_is_unknown(basic):
    with pytest.raises(DiagnosticError) as raised:
        cite.find(basic, "serious-conversation", "good background")
    (problem,) = raised.value.diagnostics
    assert problem.code.value == "unknown-reference"
    assert "did you mean 'serious-50-minute-conversation'?" in problem.hint
    # A seed's path is taken for its id.
    found = cite.find(basic, "seeds/serious-50-minute-conversation.md", "good background")
    assert found.source_id == "serious-50-minute-conversation" and len(found.passages) == 1


def test_find_offers_the_closest_sentence_when_no_passage_holds_the_words(basic):
    found = cite.find(basic, "serious-50-minute-conversation", "good backround")
    assert found.passages == []
    sentence = "Kremlin assistant Yuri Ushakov said the call provided a “good background” for future talks."
    assert found.closest == sentence
    assert cite.find(basic, "serious-50-minute-conversation", "bananas in pyjamas").closest is None
