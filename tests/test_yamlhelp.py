"""The YAML parser's errors in an editor's words: the place to act, what is wrong, what to type.

The editors' common mistakes in a real fact file are in tests/fixtures/mistakes (test_mistakes.py);
these are the variants around them, the caret under the right character, suggestions that are valid
YAML, and random broken files that `explain` must never fail on.
"""

from __future__ import annotations

import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.inputs import yamlhelp, yamlsafe
from generator.inputs.yamlsafe import YamlProblem
from generator.pipeline import check


def problem(text: str) -> YamlProblem:
    with pytest.raises(YamlProblem) as info:
        yamlsafe.parse(text)
    return info.value


def caret_points_at(p: YamlProblem, text: str) -> str:
    """The character of `text` that the excerpt's caret is under (checking it is the problem's place)."""
    i = next(i for i, r in enumerate(p.excerpt) if r.rstrip().endswith("^") and r.lstrip().startswith("|"))
    number, shown = p.excerpt[i - 1].split(" | ", 1)
    caret = p.excerpt[i]
    at = caret.index("^") - caret.index("| ") - 2
    assert number.strip() == str(p.line)
    if not shown.startswith("…"):
        assert at == p.col - 1
    return shown[at]


@pytest.mark.parametrize(
    ("text", "line", "col", "message", "hint"),
    [
        ("a: 'Ushakov's view'\nb: 1\n", 1, 12, "apostrophe (') inside the text ends it", "a: 'Ushakov’s view'"),
        ('a: "abc\nb: 1\n', 1, 4, 'no closing ": YAML reads on to the end of the file', 'a: "abc"'),
        ("a: 'abc\nb: 'x'\n", 1, 4, "no closing ': YAML reads on to line 2", "a: 'abc'"),
        ('a: "x \\\' y"\n', 1, 7, "'\\'' is not an escape", "remove the \\ before it"),
        ('a: "C:\\dir"\n', 1, 7, "'\\d' is not an escape", "\\\\ for a backslash"),
        ('a: "he said "hi""\n', 1, 13, 'straight double quote (") inside the text', 'a: "he said “hi”"'),
        ('a: "x "y" z"  # a comment\n', 1, 7, 'straight double quote (") inside', 'a: "x “y” z"  # a comment'),
        ('a: "x "y" z"\r\nb: 1\r\n', 1, 7, 'straight double quote (") inside', 'a: "x “y” z"'),
        ('\nid: x\nname: "a "b" c"\n', 3, 10, "straight double quote", 'name: "a “b” c"'),  # a seed's front matter
        ("c:\n  - source: s\n      quote: q\n", 3, 7, "'quote:' starts in column 7", "put 4 spaces before it, not 6"),
        (
            "c:\n  - source: s\n    quote: q\n - source: t\n",
            4,
            2,
            "'- source:' starts in column 2",
            "the '-' on line 2",
        ),
        ("a: 1\n   b: 2\n", 2, 4, "more indented than 'a:' on line 1", "remove the 3 spaces before it"),
        ("a:\n  b: 1\n\tc: 2\n", 3, 1, "a tab (shown as →) in the indentation", "line up 'c:' with 'b:' on line 2"),
        ("a:\n\t- x\n", 2, 1, "a tab (shown as →) in the indentation", "replace the tab with spaces"),
        ("c:\n  -\tsource: s\n", 2, 4, "a tab (shown as →) where YAML needs a space", "replace the tab with spaces"),
        (
            "a: 1\nactor yuri-ushakov\ntopic: x\n",
            2,
            6,
            "no colon after the field's name 'actor'",
            "actor: yuri-ushakov",
        ),
        ("# c\nactor yuri-ushakov\ntopic: x\n", 2, 6, "no colon after the field's name", "write actor: yuri-ushakov"),
        ("c:\n  - source s\n    quote: q\n", 2, 11, "no colon after the field's name 'source'", "write - source: s"),
        ("# c\n  id: x\nname: y\n", 2, 3, "'id:' starts in column 3, but the fields below", "remove the 2 spaces"),
        ("c:\n  - a: b: c\n", 2, 9, "a colon followed by a space inside a text without quotes", '- a: "b: c"'),
        ('a: x: "y" \\z # note\n', 1, 5, "colon followed by a space", 'a: "x: \\"y\\" \\\\z"'),
    ],
)
def test_mistake_is_explained_at_its_place(text, line, col, message, hint):
    p = problem(text)
    assert (p.line, p.col) == (line, col), p
    assert message in p.message
    assert hint in p.hint
    for jargon in ("while parsing", "while scanning", "mapping values", "expected key", "block"):
        assert jargon not in p.message + p.hint
    caret_points_at(p, text)


def test_the_caret_is_under_the_quote_that_ends_the_text():
    text = 'quote: "the call provided a "good background" for talks."\n'
    assert caret_points_at(problem(text), text) == '"'


def test_a_long_line_is_cut_around_the_caret():
    text = 'q: "' + "word " * 60 + '"inner" ' + "more " * 30 + '"\n'
    p = problem(text)
    assert p.col == text.index('"inner"') + 1
    assert all(len(row) <= yamlhelp.EXCERPT_WIDTH + 12 for row in p.excerpt)
    assert p.excerpt[0].split(" | ", 1)[1].startswith("…")
    caret = p.excerpt[1]
    assert p.excerpt[0][caret.index("^")] == '"'


def test_unknown_errors_keep_the_parsers_message():
    p = problem("a: [1, 2\nb: 3\n")
    assert p.message.startswith("while parsing a flow sequence") and p.excerpt == ()
    assert p.hint == "check indentation, colons and quotes around this point"


def suggestion(hint: str, after: str) -> str:
    return hint.split(after, 1)[1].split("; or ", 1)[0]


@pytest.mark.parametrize(
    ("text", "after", "value"),
    [
        ('q: "a "good" one"\n', "“ ”: ", "a “good” one"),
        ("q: 'Ushakov's view'\n", "as ’: ", "Ushakov’s view"),
        ('stance: Ushakov: the call "was" \\ frank.\n', "double quotes: ", 'Ushakov: the call "was" \\ frank.'),
        ('stance: "Ushakov said it.\nvoice: own-words\n', "on this line: ", "Ushakov said it."),
    ],
)
def test_what_to_type_is_valid_yaml_that_keeps_the_words(text, after, value):
    typed = suggestion(problem(text).hint, after)
    node = yamlsafe.parse(typed + "\n")
    assert isinstance(node, yamlsafe.Mapping)
    assert node.items[0][1].value == value


def test_curly_quotes_as_delimiters_are_an_error_but_not_in_quotes_nor_inside_straight_ones(basic):
    topic = basic.facts_dir / "topics" / "sanctions.yaml"
    text = topic.read_text(encoding="utf-8")
    summary = "Economic sanctions threatened against Russia if it invades Ukraine."
    topic.write_text(text.replace(f'"{summary}"', f"“{summary}”"), encoding="utf-8")
    found = [d for d in check(basic).diagnostics if d.code.value == "curly-quotes"]
    assert [(d.where.path.name, d.where.line, d.where.col) for d in found] == [("sanctions.yaml", 3, 10)]
    assert f'summary: "{summary}"' in found[0].hint
    # someone's words, deliberately in curly quotes inside YAML's own; and a quote as the article prints it
    topic.write_text(text.replace(f'"{summary}"', f'"“{summary}”"'), encoding="utf-8")
    actor = basic.facts_dir / "actors" / "yuri-ushakov.yaml"
    actor.write_text(
        actor.read_text(encoding="utf-8").replace(
            'quote: "Kremlin assistant Yuri Ushakov said the call provided a “good background” for future talks."',
            "quote: “good background”",
        ),
        encoding="utf-8",
    )
    assert "quote: “good background”" in actor.read_text(encoding="utf-8")
    result = check(basic)
    assert [d for d in result.diagnostics if d.code.value == "curly-quotes"] == [] and not result.errors


def test_curly_quotes_are_only_a_whole_value_wrapped():
    assert yamlhelp.curly_quotes("stance", "“Said so.”") is not None
    assert yamlhelp.curly_quotes("stance", "„Gesagt.“") is not None
    assert yamlhelp.curly_quotes("stance", "“Serious” talks") is None
    assert yamlhelp.curly_quotes("stance", "talks about “Serious”") is None
    assert yamlhelp.curly_quotes("stance", "“") is None


# Random broken fact files: `explain` (without yamlsafe's safety net) never fails, and places what it
# explains inside the text.
_INDENT = st.sampled_from(["", "  ", "    ", "      ", " ", "\t", "  \t", "\t  "])
_VALUE = st.sampled_from(
    ['"a "b" c"', '"open', "'it's'", "x: y", "“curly”", '"ok"', "plain", "", '"\\q"', "[1, 2", '"a" b', "'", '"']
)
_LINE = st.tuples(_INDENT, st.sampled_from(["", "- "]), st.sampled_from(["id", "quote", "source", "#", "- x"]), _VALUE)
_FILE = st.lists(_LINE, min_size=1, max_size=12).map(
    lambda lines: "".join(f"{i}{d}{k}{'' if k.startswith(('#', '-')) else ':'} {v}\n" for i, d, k, v in lines)
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_FILE, _FILE.map(lambda t: t.replace("\n", "\r\n")), st.text(max_size=60)))
def test_explain_never_fails_and_stays_in_the_text(text):
    try:
        for _ in yaml.parse(text, Loader=yamlsafe._Loader):
            pass
    except yaml.MarkedYAMLError as exc:
        explained = yamlhelp.explain(text, exc, yamlsafe._Loader)
        if explained is not None:
            lines = text.split("\n")
            assert 1 <= explained.line <= len(lines)
            assert 1 <= explained.col <= len(lines[explained.line - 1]) + 1
            assert explained.message and explained.hint
            assert not re.search(r"while (parsing|scanning)", explained.message)
    except yaml.YAMLError:
        pass
