import pytest

from generator.inputs import yamlsafe
from generator.inputs.yamlsafe import Mapping, Scalar, Sequence, YamlProblem


def test_scalars_stay_text_with_positions():
    node = yamlsafe.parse("a: no\nb: 010\nc: 1:30\nd: 2021-12-30\ne: null\nf: 'null'\n")
    assert isinstance(node, Mapping)
    values = {k.value: v for k, v in node.items}
    assert [values[k].value for k in "abcd"] == ["no", "010", "1:30", "2021-12-30"]
    assert values["e"].is_null and not values["f"].is_null
    assert (values["b"].line, values["b"].col) == (2, 4)


def test_a_key_says_whether_it_was_quoted_as_a_value_does():
    node = yamlsafe.parse('a: 1\n"b": "2"\nnull: x\n')
    assert isinstance(node, Mapping)
    assert [(k.value, k.plain, v.plain) for k, v in node.items] == [
        ("a", True, True),
        ("b", False, False),
        ("null", True, True),
    ]
    assert node.items[2][0].is_null, "a key written null is null, as a value would be"


def test_nested_structure():
    node = yamlsafe.parse("xs:\n  - k: v\n  - [1, 2]\n")
    seq = node.items[0][1]
    assert isinstance(seq, Sequence) and isinstance(seq.items[0], Mapping) and isinstance(seq.items[1], Sequence)
    assert isinstance(seq.items[1].items[0], Scalar) and seq.items[0].line == 2


def test_empty_document_is_none():
    assert yamlsafe.parse("") is None
    assert yamlsafe.parse("# only a comment\n") is None


@pytest.mark.parametrize(
    ("text", "kind", "line", "col"),
    [
        ("a: &x 1\nb: *x\n", "forbidden", 1, 4),
        ("a: 1\nb: *x\n", "forbidden", 2, 4),  # refused as an alias, whether or not the anchor exists
        ("a: !!python/object:os.system 1\n", "forbidden", 1, 4),
        ("a: !custom 1\n", "forbidden", 1, 4),
        ("a: 1\nb: 2\na: 3\n", "duplicate-key", 3, 1),
        ("? [a, b]\n: 1\n", "forbidden", 1, 3),
        ("[" * 50000, "too-deep", 1, None),  # the column is where a given LibYAML stops: not pinned
        ("a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 40)), "too-deep", 24, 47),
        ("a: 1\n---\nb: 2\n", "forbidden", 2, 1),
        ("a: !x [1]\n", "forbidden", 1, 4),  # a tag or an anchor on a list or a mapping, not only on a value
        ("a: !x {b: 1}\n", "forbidden", 1, 4),
        ("a: &x [1]\n", "forbidden", 1, 4),
        ("a: &x {b: 1}\n", "forbidden", 1, 4),
        ("&k a: 1\n", "forbidden", 1, 1),  # on a key too, which is read by a path of its own
        ("!x a: 1\n", "forbidden", 1, 1),
        ("a: " + "[" * 24 + "]" * 24 + "\n", "too-deep", 1, 27),  # past the limit a list with nothing in it
        ("a: " + "[" * 23 + "{}" + "]" * 23 + "\n", "too-deep", 1, 27),  # and a mapping
        ("a: " + "[" * 23 + "1" + "]" * 23 + "\n", "too-deep", 1, 27),  # 22 levels of lists pass, 23 do not
        ("a: " + "{b: " * 23 + "1" + "}" * 23 + "\n", "too-deep", 1, 93),
        ("a: [1, 2\n", "syntax", 2, 1),
        ("a:\n\t- b\n", "syntax", 2, 1),
    ],
)
def test_refuses(text, kind, line, col):
    with pytest.raises(YamlProblem) as info:
        yamlsafe.parse(text)
    assert info.value.kind == kind
    assert info.value.line == line
    assert col is None or info.value.col == col
    assert info.value.hint or kind == "syntax"


def test_nesting_up_to_the_limit_is_accepted():
    assert yamlsafe.parse("a: " + "[" * 22 + "1" + "]" * 22 + "\n") is not None
    assert yamlsafe.parse("a: " + "{b: " * 22 + "1" + "}" * 22 + "\n") is not None


def test_a_position_counts_lines_and_columns_from_the_text_around_it():
    text = "ab\ncd\nefg\nh\n"
    assert [yamlsafe.position(text, i) for i in (0, 1, 3, 8, 10)] == [(1, 1), (1, 2), (2, 1), (3, 3), (4, 1)]
    with pytest.raises(YamlProblem) as info:
        yamlsafe.parse("a: 1\nb: 2\nc: x\x07y\nd: 4\n")
    assert (info.value.line, info.value.col) == (3, 5)


def test_alias_bomb_is_refused_before_expansion():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    with pytest.raises(YamlProblem) as info:
        yamlsafe.parse(bomb)
    assert info.value.kind == "forbidden"


def test_a_refused_character_is_located_after_a_leading_empty_line():
    # LibYAML gives only an offset for it; the line and column are counted from the text.
    with pytest.raises(YamlProblem) as info:
        yamlsafe.parse("\na: \x07\n")
    assert (info.value.kind, info.value.line, info.value.col) == ("syntax", 2, 4)


def test_the_non_specific_tag_is_plain_text_but_not_past_the_depth_limit():
    node = yamlsafe.parse("a: ! x\n")
    assert isinstance(node, Mapping) and node.items[0][1].value == "x"
    deep = "".join("  " * i + f"k{i}:\n" for i in range(22)) + "  " * 22 + "k: [! x]\n"
    with pytest.raises(YamlProblem) as info:
        yamlsafe.parse(deep)
    assert (info.value.kind, info.value.line, info.value.col) == ("too-deep", 23, 49)


@pytest.mark.parametrize(
    ("text", "message", "line", "col", "hint"),
    [
        # A character YAML refuses: named by its code point, placed in characters (not bytes) after
        # curly quotes and accents, with what to do.
        ("a: b\x07c\n", "character U+0007 is not allowed in YAML", 1, 5, "remove it"),
        ("a: “é”\x07c\n", "character U+0007 is not allowed in YAML", 1, 7, "remove it"),
        # A mistake yamlhelp does not explain keeps the parser's context and problem, and a general hint.
        (
            "x: 1\nkey: [a, b\n",
            "while parsing a flow sequence did not find expected ',' or ']'",
            3,
            1,
            "check indentation, colons and quotes around this point",
        ),
        (
            "a: {b: c\n",
            "while parsing a flow mapping did not find expected ',' or '}'",
            2,
            1,
            "check indentation, colons and quotes around this point",
        ),
    ],
)
def test_the_words_of_a_refusal_the_editor_reads(text, message, line, col, hint):
    with pytest.raises(YamlProblem) as info:
        yamlsafe.parse(text)
    got = info.value
    assert (got.kind, got.message, got.line, got.col, got.hint) == ("syntax", message, line, col, hint)


def test_nesting_past_libyamls_own_cap_is_reported_in_our_words():
    # LibYAML 0.2.6 stops deep flow nesting in its scanner, before our own check sees it: the editor reads the
    # same problem either way, placed where LibYAML stopped.
    with pytest.raises(YamlProblem) as info:
        yamlsafe.parse("[" * 50000)
    assert info.value.message == f"nesting deeper than {yamlsafe.MAX_DEPTH} levels"
    assert info.value.line == 1 and info.value.col > yamlsafe.MAX_DEPTH
