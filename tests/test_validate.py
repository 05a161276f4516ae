"""Every kind of input error, on a real broken fact tree, with its file, line, column and code."""

import dataclasses
import json
import re
import typing
from pathlib import Path

import pytest

from generator import model
from generator.checks.fact_file import MAX_CITATIONS, MAX_REFERENCES
from generator.checks.ids import NEAREST_SHOWN
from generator.pipeline import check
from generator.project import Project

from .conftest import FIXTURES


def formatted(project: Project) -> list[str]:
    # No cache: the fixture is read in place and must stay as committed.
    return [d.format(project.root) for d in check(project, cache=False).diagnostics]


def test_basic_fixture_is_clean(basic):
    result = check(basic)
    assert result.diagnostics == []
    facts = result.facts
    assert list(facts.actors) == sorted(facts.actors)
    assert facts.events["geneva-talks-2022-01"].date.precision.value == "month"
    assert facts.info.focus_event == "biden-putin-call-2021-12-30"


def test_broken_fixture_reports_every_problem_with_location():
    root = FIXTURES / "broken"
    expected = (root / "expected-diagnostics.txt").read_text(encoding="utf-8").splitlines()
    assert formatted(Project.at(root)) == [line.replace("\\n", "\n") for line in expected]


def test_each_error_kind_is_covered_by_the_broken_fixture():
    text = (FIXTURES / "broken" / "expected-diagnostics.txt").read_text(encoding="utf-8")
    for code in [
        "quote-not-found",
        "unknown-reference",
        "duplicate-id",
        "id-mismatch",
        "invalid-date",
        "unknown-field",
        "missing-field",
        "invalid-value",
        "wrong-type",
        "empty-list",
        "yaml-syntax",
        "yaml-forbidden-construct",
        "invalid-id",
        "alias-not-in-quote",
        "inconsistent",
        "invalid-time",
        "unexpected-file",
        "front-matter",
        "body-changed",
    ]:
        assert f"[{code}]" in text, code


def test_one_bad_file_does_not_hide_the_others(tmp_path: Path, basic):
    bad = basic.facts_dir / "actors" / "joe-biden.yaml"
    bad.write_text(bad.read_text().replace('US President Joe Biden"', 'US President Joe Bidden"'))
    (basic.facts_dir / "topics" / "sanctions.yaml").write_text("id: sanctions\nname: [\n")
    codes = [(d.where.path.name, d.code.value) for d in check(basic).diagnostics]
    assert ("joe-biden.yaml", "quote-not-found") in codes
    assert ("sanctions.yaml", "yaml-syntax") in codes


def test_multiline_text_fields_take_line_breaks_and_their_own_length_limit(basic):
    topic = basic.facts_dir / "topics" / "sanctions.yaml"
    text = topic.read_text()
    long_summary = "Two lines.\\n" + "x" * 2500
    topic.write_text(text.replace('summary: "Economic', f'summary: "{long_summary} Economic'))
    assert check(basic).diagnostics == []
    topic.write_text(text.replace('name: "Sanctions"', 'name: "Sanc\\ntions"'))
    found = [(d.where.path.name, d.code.value) for d in check(basic).diagnostics]
    assert ("sanctions.yaml", "invalid-text") in found


BROKEN = FIXTURES / "broken"

# Every place a citation can sit, and where the broken fixture quotes words its source does not have.
MISQUOTED = {
    model.Actor: ("facts/actors/bad-quote.yaml", "requested by Mr Biden."),
    model.Role: ("facts/actors/misquoted-role.yaml", "Jen Psaki Smith"),
    model.Alias: ("facts/actors/misquoted-alias.yaml", "Mr Putin himself."),
    model.Event: ("facts/events/misquoted-event.yaml", "during a 60-minute phone call"),
    model.Topic: ("facts/topics/misquoted-topic.yaml", "build-up near Belarus"),
    model.Position: ("facts/positions/misquoted-position.yaml", "he wanted to see Russia"),
    model.Response: ("facts/positions/misquoted-response.yaml", "declined to comment on who requested"),
    model.Answer: ("facts/claims/misquoted-answer.yaml", "during a 60-minute phone call"),
}


def line_of(rel: str, words: str) -> str:
    """'file:line' of the one line of a broken fixture's file that holds `words`."""
    lines = (BROKEN / rel).read_text(encoding="utf-8").splitlines()
    (number,) = [n for n, line in enumerate(lines, 1) if words in line]
    return f"{rel}:{number}"


def _records(cls: type, seen: set[type]) -> set[type]:
    """`cls` and every model record reachable through its fields' types."""
    if cls in seen or not dataclasses.is_dataclass(cls) or cls in (model.FactDate, model.ClockTime):
        return seen
    seen.add(cls)
    for hint in typing.get_type_hints(cls).values():
        stack = [hint]
        while stack:
            tp = stack.pop()
            stack.extend(typing.get_args(tp))
            if isinstance(tp, type):
                _records(tp, seen)
    return seen


def test_every_record_that_carries_citations_has_a_misquote_in_the_broken_fixture():
    reachable: set[type] = set()
    for root in (*model.ENTITY_TYPES, model.Source, model.SheetInfo):
        _records(root, reachable)
    carriers = {cls for cls in reachable if "citations" in {f.name for f in dataclasses.fields(cls)}}
    assert carriers == set(MISQUOTED), "add a misquoted case for each new place a citation can sit"


@pytest.fixture(scope="module")
def broken_errors() -> dict[str, list[str]]:
    """The broken fixture's errors by 'file:line', as codes."""
    found: dict[str, list[str]] = {}
    for d in check(Project.at(BROKEN), cache=False).errors:
        found.setdefault(f"{d.where.path.relative_to(BROKEN)}:{d.where.line}", []).append(d.code.value)
    return found


@pytest.mark.parametrize("carrier", MISQUOTED, ids=[c.__name__ for c in MISQUOTED])
def test_a_quote_not_in_its_source_fails_the_check_wherever_it_sits(carrier, broken_errors):
    rel, words = MISQUOTED[carrier]
    place = line_of(rel, words)
    assert broken_errors.get(place) == ["quote-not-found"], place
    assert [p for p in broken_errors if p.startswith(f"{rel}:")] == [place], "nothing else is wrong in the file"


def test_a_boilerplate_line_not_in_its_article_fails_at_that_line(broken_errors):
    # The second line of the list is the one missing from the body: the error points at it, not at the list.
    place = line_of("seeds/misquoted-boilerplate.md", "Share this article")
    assert [(p, codes) for p, codes in broken_errors.items() if p.startswith("seeds/misquoted-boilerplate.md:")] == [
        (place, ["invalid-value"])
    ]


def test_the_sheets_own_file_carries_no_citations(basic):
    # SheetInfo has no citations field, so no quote there goes unchecked: one given is an unknown field.
    # If the sheet ever takes citations, this must become quote-not-found (and the check must look them up).
    sheet = basic.facts_dir / "factsheet.yaml"
    lines = len(sheet.read_text().splitlines())
    with sheet.open("a") as f:
        f.write('citations:\n  - source: serious-50-minute-conversation\n    quote: "Words not in the article"\n')
    found = [(d.code.value, d.where.line) for d in check(basic).errors if d.where.path == sheet]
    assert found == [("unknown-field", lines + 1)]


@pytest.mark.parametrize(("end", "refused"), [("2021-12-29", True), ("2021-12-30", True), ("2021-12-31", False)])
def test_an_event_that_ends_on_or_before_its_start_is_refused_at_its_end(basic, end, refused):
    event = basic.facts_dir / "events" / "biden-putin-call-2021-12-30.yaml"
    event.write_text(event.read_text().replace('date: "2021-12-30"\n', f'date: "2021-12-30"\nend: "{end}"\n'))
    found = [(d.code.value, d.where.line, d.where.col) for d in check(basic).errors]
    assert found == ([("invalid-date", 4, 6)] if refused else [])


CLAIM = "facts/claims/russian-troops-near-ukraine.yaml"


def _claim_codes(tmp_path: Path, old: str, new: str) -> list[tuple[str, int]]:
    from .conftest import copy_tree

    project = copy_tree("basic", tmp_path / "basic")
    file = project.root / CLAIM
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new), encoding="utf-8")
    return [(d.code.value, d.where.line) for d in check(project).diagnostics if d.where.path == file]


def test_a_claim_whose_answers_are_the_same_is_not_a_disagreement(tmp_path):
    assert _claim_codes(tmp_path, '"60,000 to 90,000"', '"at least  100,000"') == [("not-a-disagreement", 1)]


def test_a_claim_whose_answers_all_come_from_one_source_is_not_a_disagreement(tmp_path):
    second = 'serious-50-minute-conversation\n        quote: "the 60,000 to 90,000 Russian troops gathered'
    same_source = 'courier-second-call-50-minutes\n        quote: "awaited orders on the border"  #'
    assert _claim_codes(tmp_path, second, same_source) == [("not-a-disagreement", 1)]


def test_a_claim_needs_its_kind(tmp_path):
    assert _claim_codes(tmp_path, "kind: number\n", "") == [("missing-field", 1)]


@pytest.mark.parametrize(
    ("alias", "printed"),
    [("Mr Putin's", "Mr Putin’s claim"), ("Mr  Putin’s", "Mr Putin’s claim"), ("Putin’s", "Mr Putin's claim")],
)
def test_an_alias_is_found_in_its_quote_whatever_the_typography(basic, alias, printed):
    # The quote check folds apostrophes, quotation marks, dashes and spaces; the alias check must fold the same.
    actor = basic.facts_dir / "actors" / "vladimir-putin.yaml"
    entry = f"aliases:\n  - name: {json.dumps(alias)}\n    citations:\n      - source: serious-50-minute-conversation\n"
    quote = f"        quote: {json.dumps('agreed with ' + printed)}\n"
    actor.write_text(actor.read_text(encoding="utf-8").replace("roles:\n", entry + quote + "roles:\n", 1))
    assert check(basic).diagnostics == []
    actor.write_text(actor.read_text(encoding="utf-8").replace(json.dumps(alias), json.dumps(alias + "x"), 1))
    assert [d.code.value for d in check(basic).errors] == ["alias-not-in-quote"]


def test_did_you_mean_looks_at_a_bounded_set_of_ids_and_still_finds_the_typo():
    """F6 (D-06): 2,000 unknown references among 2,000 similar ids took minutes when each was compared with
    every id. Each is now compared with at most NEAR_IDS ids: those nearest it written forwards or backwards,
    so a typo at the start, in the middle or at the end is still found."""
    import time

    from generator.checks import ids as near_ids

    ids = [f"actor-with-a-rather-long-and-similar-identifier-number-{i:05d}-of-the-set" for i in range(2000)]
    near = near_ids._NearIds(ids)
    compared: list[int] = []
    real = near_ids._did_you_mean

    def counting(word: str, choices: typing.Iterable[str]) -> str:
        choices = list(choices)
        compared.append(len(choices))
        return real(word, choices)

    near_ids._did_you_mean = counting
    try:
        started = time.process_time()
        hints = [near.suggest(i.replace("actor-", "actr-")) for i in ids]
        spent = time.process_time() - started
        # The best match first: a typo in the first letter, in the middle, in the last letter.
        assert near.suggest("bctor" + ids[1234][5:]).startswith(f"did you mean {ids[1234]!r}")
        assert near.suggest(ids[777].replace("similar", "simliar")).startswith(f"did you mean {ids[777]!r}")
        assert near.suggest(ids[42][:-1] + "x").startswith(f"did you mean {ids[42]!r}")
    finally:
        near_ids._did_you_mean = real
    assert spent < 10, f"{spent:.1f} s of CPU"  # about half a second
    assert max(compared) <= near_ids.NEAR_IDS
    assert all(hint.startswith("did you mean") for hint in hints)
    assert hints[5].startswith(f"did you mean {ids[5]!r}")


# Hints safe to paste, ids that find themselves (issue 16).

POSITION = "facts/positions/ushakov-good-background.yaml"
_GOOD = """id: ushakov-good-background
actor: yuri-ushakov
topic: sanctions
stance: "Ushakov said the call gave a good background for future talks."
voice: described
citations:
  - source: serious-50-minute-conversation
    quote: "Kremlin assistant Yuri Ushakov said the call provided a “good background” for future talks."
"""


def _position(project: Project, old: str = "", new: str = "") -> Path:
    path = project.root / POSITION
    assert old in _GOOD
    path.write_text(_GOOD.replace(old, new, 1), encoding="utf-8")
    return path


def _problems(project: Project) -> list[tuple[str, int, str, str, str]]:
    return [
        (d.where.path.name, d.where.line, d.code.value, d.message, d.hint)
        for d in check(project, cache=False).diagnostics
    ]


@pytest.mark.parametrize(
    "typed",
    [
        'quote: "Kremlin assistant Yuri Ushakov said the call provided a \\"good backround\\" for future talks."',
        'quote: "Kremlin aide Yuri Ushakov said the call provided a “good background” for future talks."',
        "quote: 'Kremlin assistant Yuri Ushakov said the call provided a good background for future talks'",
    ],
)
def test_the_quote_hint_pasted_in_place_of_the_quote_line_passes_the_check(basic, typed):
    path = _position(
        basic,
        'quote: "Kremlin assistant Yuri Ushakov said the call provided a “good background” for future talks."',
        typed,
    )
    (problem,) = check(basic, cache=False).diagnostics
    assert problem.code.value == "quote-not-found" and problem.where.line == 8
    # The hint offers the line as the article prints it, curly quotes and all, ready to paste.
    line = re.search(r'quote: "(?:[^"\\]|\\.)*"', problem.hint)
    assert line is not None, problem.hint
    assert "“good background”" in line.group()
    lines = path.read_text(encoding="utf-8").splitlines()
    indent = lines[7][: len(lines[7]) - len(lines[7].lstrip())]
    lines[7] = indent + line.group()
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert check(basic, cache=False).diagnostics == []


def test_a_long_quote_is_offered_to_paste_only_when_the_line_fits_in_a_hint(basic):
    source = basic.seeds_dir / "serious-50-minute-conversation.md"
    sentence = "The longest sentence " + " ".join(f"longword{i:03d}" for i in range(80)) + " ends here."
    text = re.sub(r"original_sha256: .*\n", "", source.read_text(encoding="utf-8"))
    source.write_text(text + "\n" + sentence + "\n", encoding="utf-8")
    _position(
        basic,
        "Kremlin assistant Yuri Ushakov said the call provided a “good background” for future talks.",
        sentence.replace("longword040", "longword04O"),
    )
    (problem,) = check(basic, cache=False).diagnostics
    assert (
        problem.hint.startswith("closest passage (too long to show whole)")
        and "[-longword04O-]{+longword040+}" in problem.hint
    )
    assert 'quote: "' not in problem.hint


def test_a_quote_in_another_source_names_that_source(basic):
    _position(basic, "  - source: serious-50-minute-conversation", "  - source: courier-second-call-50-minutes")
    ((_, line, code, message, hint),) = _problems(basic)
    assert (line, code) == (8, "quote-not-found") and "'courier-second-call-50-minutes'" in message
    assert hint == (
        "the quote is in 'serious-50-minute-conversation': change this citation's "
        "'source: courier-second-call-50-minutes' to 'source: serious-50-minute-conversation'"
    )


def test_a_quote_that_occurs_more_than_once_is_a_warning_at_its_line(basic):
    # "Mr Putin" is three times in the article: a reader could not tell which passage is meant.
    quote = "Kremlin assistant Yuri Ushakov said the call provided a “good background” for future talks."
    _position(basic, quote, "Mr Putin")
    for run in ("cold", "with the quote counts cached"):
        result = check(basic)
        assert not result.errors, run
        assert [d.format(basic.root) for d in result.diagnostics] == [
            f"{POSITION}:8:12: warning: quote occurs more than once in 'serious-50-minute-conversation' "
            "[quote-ambiguous]\n    hint: quote a few more words so it points to one place"
        ], run


def test_a_quote_in_two_other_sources_names_both_and_suggests_the_first(basic):
    seed = basic.seeds_dir / "serious-50-minute-conversation.md"
    text = re.sub(r"original_sha256: .*\n", "", seed.read_text(encoding="utf-8"))
    copy = text.replace('id: "serious-50-minute-conversation"', 'id: "a-reprint"', 1)
    (basic.seeds_dir / "a-reprint.md").write_text(copy, encoding="utf-8")
    _position(basic, "  - source: serious-50-minute-conversation", "  - source: courier-second-call-50-minutes")
    assert [(line, code, hint) for _, line, code, _, hint in _problems(basic)] == [
        (
            8,
            "quote-not-found",
            "the quote is in 'a-reprint' and 'serious-50-minute-conversation': change this citation's "
            "'source: courier-second-call-50-minutes' to 'source: a-reprint'",
        )
    ]


@pytest.mark.parametrize(
    "second",
    [
        # A misquote after the first: not searched for its closest passage.
        ("serious-50-minute-conversation", "The call was requested by Mr Biden."),
        # The first's quote again, in the wrong source too: not looked for in the other articles either.
        ("courier-second-call-50-minutes", "The call was requested by Mr Putin."),
    ],
)
def test_only_the_first_quotes_not_found_in_a_run_are_searched_for(basic, monkeypatch, second):
    from generator.checks import validate

    monkeypatch.setattr(validate, "HINTS_PER_RUN", 1)  # 100 in use: tests/test_bounds.py
    first = ("courier-second-call-50-minutes", "The call was requested by Mr Putin.")
    citations = _GOOD[_GOOD.index("  - source:") :]
    _position(basic, citations, "".join(f"  - source: {s}\n    quote: {json.dumps(q)}\n" for s, q in (first, second)))
    assert [(line, code, hint) for _, line, code, _, hint in _problems(basic)] == [
        (
            8,
            "quote-not-found",
            "the quote is in 'serious-50-minute-conversation': change this citation's "
            "'source: courier-second-call-50-minutes' to 'source: serious-50-minute-conversation'",
        ),
        (10, "quote-not-found", validate._NOT_SEARCHED),
    ]


def test_the_citations_of_a_file_past_the_limit_are_refused_not_looked_for(basic):
    # The checks across files do bounded work per file: the quotes past the limit are not searched.
    citation = _GOOD[_GOOD.index("  - source:") :]
    misquote = '  - source: serious-50-minute-conversation\n    quote: "The call was requested by Mr Biden."\n'
    _position(basic, citation, citation * (MAX_CITATIONS - 1) + misquote)  # the limit, the last one wrong
    last = 8 + 2 * (MAX_CITATIONS - 1)
    assert [(line, code) for _, line, code, _, _ in _problems(basic)] == [(last, "quote-not-found")]
    _position(basic, citation, citation * MAX_CITATIONS + misquote)  # one over it: that one is not looked for
    assert _problems(basic) == [
        (
            Path(POSITION).name,
            8 + 2 * MAX_CITATIONS,  # the quote of the first citation over the limit
            "file-too-large",
            f"the file has {MAX_CITATIONS + 1} citations; the limit is {MAX_CITATIONS} per file",
            "split the fact into several files, or keep the most telling ones",
        )
    ]


def test_the_references_of_a_file_past_the_limit_are_refused_not_looked_up(basic):
    # Each actor is a reference, and so is the citation's source: the limit counts them all.
    def event(actors: list[str]) -> list[tuple[str, int, str, str]]:
        (basic.facts_dir / "events" / "many.yaml").write_text(
            'id: many\ntitle: "A call"\ndate: "2021-12-30"\nstatus: occurred\nactors:\n'
            + "".join(f"  - {a}\n" for a in actors)
            + "citations:\n  - source: serious-50-minute-conversation\n"
            + '    quote: "The call was requested by Mr Putin."\n',
            encoding="utf-8",
        )
        return [(line, code, message) for _, line, code, message, _ in _problems(basic)]

    at_the_limit = ["joe-biden"] * (MAX_REFERENCES - 2) + ["nobody"]  # and the source: the limit
    nobody = (6 + MAX_REFERENCES - 2, "unknown-reference", "no actor with id 'nobody'")
    assert event(at_the_limit) == [nobody]
    assert event([*at_the_limit, "joe-biden", "nobody-either"]) == [
        nobody,
        (
            6 + MAX_REFERENCES,  # the first one over the limit, not looked up
            "file-too-large",
            f"the file has {MAX_REFERENCES + 2} references to other facts; the limit is {MAX_REFERENCES} per file",
        ),
    ]


def test_an_article_with_more_paragraphs_than_the_limit_is_refused_at_the_first_over_it(basic):
    from generator.checks.fact_file import MAX_PARAGRAPHS

    seed = basic.seeds_dir / "serious-50-minute-conversation.md"
    text = re.sub(r"original_sha256: .*\n", "", seed.read_text(encoding="utf-8")).rstrip("\n") + "\n"  # edited
    lines = text.splitlines()
    body = lines.index("---", 1) + 1  # the line after the front matter, 0-based
    paragraphs = [i for i in range(body, len(lines)) if lines[i].strip()]
    seed.write_text(text + "".join(f"Line {i}.\n" for i in range(MAX_PARAGRAPHS - len(paragraphs))), encoding="utf-8")
    assert _problems(basic) == []  # the limit
    with seed.open("a", encoding="utf-8") as out:
        out.write("\nOne more.\n")
    first_over = len(text.splitlines()) + MAX_PARAGRAPHS - len(paragraphs) + 2  # 1-based, after the blank line
    assert _problems(basic) == [
        (
            seed.name,
            first_over,
            "file-too-large",
            f"the article has {MAX_PARAGRAPHS + 1} paragraphs (non-blank lines); the limit is {MAX_PARAGRAPHS}",
            "split it into several seeds, or join the lines of each paragraph into one",
        )
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # a name, an alias (any case and typography), a file path or file name: the one id it stands for
        (
            "actor: yuri-ushakov",
            'actor: "Yuri Ushakov"',
            "did you mean 'yuri-ushakov'? write actor: yuri-ushakov (the id of an actor, not a name)",
        ),
        (
            "actor: yuri-ushakov",
            'actor: "sir.  ushakov"',
            "did you mean 'yuri-ushakov'? write actor: yuri-ushakov (the id of an actor, not a name)",
        ),
        (
            "actor: yuri-ushakov",
            'actor: "facts/actors/yuri-ushakov.yaml"',
            "did you mean 'yuri-ushakov'? write actor: yuri-ushakov (the id of an actor, not a file path)",
        ),
        (
            "topic: sanctions",
            'topic: "Sanctions"',
            "did you mean 'sanctions'? write topic: sanctions (the id of a topic, not a name)",
        ),
        (
            "source: serious-50-minute-conversation",
            'source: "seeds/serious-50-minute-conversation.md"',
            "did you mean 'serious-50-minute-conversation'? write source: serious-50-minute-conversation "
            "(the id of a source, not a file path)",
        ),
        (
            "source: serious-50-minute-conversation",
            "source: serious-50-minute-conversation.md",
            "did you mean 'serious-50-minute-conversation'? write source: serious-50-minute-conversation "
            "(the id of a source, not a file path)",
        ),
    ],
)
def test_a_name_or_a_path_where_an_id_belongs_suggests_the_id(basic, old, new, expected):
    _position(basic, old, new)
    ((_, _, code, _, hint),) = _problems(basic)
    assert code == "invalid-id" and hint == expected


def test_a_value_that_names_nothing_lists_the_nearest_ids_without_calling_them_paths(basic):
    _position(basic, "actor: yuri-ushakov", 'actor: "Someone Else"')
    ((_, line, code, message, hint),) = _problems(basic)
    assert (line, code, message) == (2, "invalid-id", "'Someone Else' is not a valid id")
    assert "not a path" not in hint and "not a file path" not in hint and "a actor" not in hint
    assert hint.startswith("'actor' is the id of an actor; use lowercase letters")
    assert hint.endswith("the actors are: " + ", ".join(repr(a) for a in _ranked(hint)))
    assert sorted(_ranked(hint)) == ["joe-biden", "russia", "united-states", "vladimir-putin", "yuri-ushakov"]


def _ranked(hint: str) -> list[str]:
    return re.findall(r"'([a-z0-9-]+)'", hint.rsplit("are: ", 1)[1])


@pytest.mark.parametrize(
    ("old", "new"),
    [("actor: yuri-ushakov", 'actor: ""'), ("actor: yuri-ushakov", "actor:"), ("actor: yuri-ushakov", "actor: '  '")],
)
def test_a_blank_required_reference_lists_the_ids_nearest_the_file_first_and_is_never_told_to_go(basic, old, new):
    _position(basic, old, new)
    ((_, line, code, _, hint),) = _problems(basic)
    assert (line, code) == (2, "missing-field")
    assert "remove" not in hint and hint.startswith("give it a value: the field is required; the actors are: ")
    assert _ranked(hint)[0] == "yuri-ushakov"  # the file is ushakov-good-background.yaml
    assert len(_ranked(hint)) == 5  # all, when there are few


def test_a_missing_required_reference_lists_the_ids(basic):
    _position(basic, "topic: sanctions\n", "")
    assert _problems(basic) == [
        (
            "ushakov-good-background.yaml",
            1,
            "missing-field",
            "missing required field 'topic'",
            "add 'topic:' (Id of the topic); the topics are: 'sanctions'",
        )
    ]


def test_blank_optional_fields_and_list_items_may_be_removed(basic):
    path = _position(basic, "voice: described", 'voice: described\nreported_by_unnamed: "  "')
    assert [(m, h) for *_, m, h in _problems(basic)] == [
        ("'reported_by_unnamed' is blank", "give it a value or remove the field")
    ]
    path.write_text(_GOOD, encoding="utf-8")
    event = basic.facts_dir / "events" / "biden-putin-call-2021-12-30.yaml"
    text = event.read_text(encoding="utf-8")
    assert "actors: [joe-biden, vladimir-putin]" in text
    event.write_text(
        text.replace("actors: [joe-biden, vladimir-putin]", 'actors:\n  - joe-biden\n  - ""'), encoding="utf-8"
    )
    # (the event is refused, so the facts that name it get unknown-reference too)
    ((_, _, code, message, hint),) = [p for p in _problems(basic) if p[0] == event.name]
    assert (code, message) == ("missing-field", "'actors' is blank")
    assert hint.startswith("give it a value, or remove this item (its line starting with '-'); the actors are: ")


def test_many_ids_list_the_nearest_few(basic):
    for i in range(12):
        (basic.facts_dir / "topics" / f"topic-number-{i}.yaml").write_text(
            f'id: topic-number-{i}\nname: "Topic {i}"\ncitations:\n  - source: serious-50-minute-conversation\n'
            '    quote: "sanctions"\n',
            encoding="utf-8",
        )
    _position(basic, "topic: sanctions", "topic:")
    ((_, _, _, _, hint),) = [p for p in _problems(basic) if p[2] == "missing-field"]
    assert hint.startswith("give it a value: the field is required; the nearest topic ids are ")
    assert hint.endswith("(13 in all, in facts/topics/)")
    assert len(re.findall(r"'[a-z0-9-]+'", hint)) == NEAREST_SHOWN


def test_an_unknown_reference_that_nothing_is_close_to_lists_ids_and_how_to_create_it(basic):
    _position(basic, "topic: sanctions", "topic: climate")
    ((_, _, code, message, hint),) = _problems(basic)
    assert (code, message) == ("unknown-reference", "no topic with id 'climate'")
    assert hint == "no topic id is close; the topics are: 'sanctions'; or create facts/topics/climate.yaml"
    _position(basic, "actor: yuri-ushakov", "actor: sanctions")
    assert [h for *_, h in _problems(basic)] == ["'sanctions' is a topic, not an actor"]


def test_a_date_day_first_is_given_back_year_first(basic):
    _position(basic, "voice: described", 'voice: described\ndate: "30/12/2021"')
    assert [h for *_, h in _problems(basic)] == ['write it year first: date: "2021-12-30"']
    _position(basic, "voice: described", 'voice: described\ndate: "03/04/2021"')  # 3 April or 4 March: not guessed
    assert [h for *_, h in _problems(basic)] == ['write e.g. "2021-12-30", "2021-12" or "2021"']


def test_a_blank_quote_points_to_factsheet_cite(basic):
    _position(basic, "Kremlin assistant Yuri Ushakov said the call provided a “good background” for future talks.", "")
    ((_, line, code, message, hint),) = _problems(basic)
    assert (line, code, message) == (8, "missing-field", "'quote' is blank")
    assert hint == (
        'give it a value: the field is required; to copy words from the article, run: factsheet cite SOURCE-ID "a few '
        'of its words"'
    )


def test_a_file_that_is_not_a_fact_is_summed_up_as_invalid_with_its_problems_and_nothing_else():
    from generator.checks.fact_file import FileCheck, check_file
    from generator.inputs.load import Document

    summary, obj = check_file(Document(model.Actor, "facts/actors/x.yaml", "id: x\nname: [\n"))
    (problem,) = summary.problems
    assert obj is None and problem.code.value == "yaml-syntax"
    assert summary == FileCheck(False, None, 0, 0, (problem,), (), (), ())


def test_a_files_summary_places_the_fact_where_it_is_written():
    from generator.checks.fact_file import check_file
    from generator.inputs.load import Document

    text = '# an actor\n\nid: x\nname: "X"\nkind: person\nsummary: "An actor."\n'
    text += 'citations:\n  - source: s\n    quote: "X"\n'
    summary, obj = check_file(Document(model.Actor, "facts/actors/x.yaml", text))
    assert summary.valid and (summary.id, summary.line, summary.col) == ("x", obj.where.line, obj.where.col)
    assert (summary.line, summary.col) == (3, 1), "the first field, after the comment and the blank line"


def test_a_citation_of_an_unknown_source_does_not_stop_the_next_from_being_checked(basic):
    _position(
        basic,
        "citations:\n",
        'citations:\n  - source: no-such-article\n    quote: "anything"\n',
    )
    path = basic.root / POSITION
    path.write_text(path.read_text(encoding="utf-8").replace("“good background”", "“good backround”"), "utf-8")
    assert [(line, code) for _, line, code, *_ in _problems(basic)] == [
        (7, "unknown-reference"),
        (10, "quote-not-found"),
    ]


def test_a_files_summary_carries_what_the_rules_across_facts_need():
    from generator.checks.fact_file import check_file
    from generator.inputs.load import Document

    event = (FIXTURES / "basic/facts/events/biden-putin-call-2021-12-30.yaml").read_text(encoding="utf-8")
    summary, _ = check_file(Document(model.Event, "facts/events/biden-putin-call-2021-12-30.yaml", event))
    assert summary.placing == ("2021-12-30", "15:35", (), ()) and summary.unresolved == ()
    position = (FIXTURES / "basic/facts/positions/biden-threatens-sanctions.yaml").read_text(encoding="utf-8")
    summary, _ = check_file(Document(model.Position, "facts/positions/biden-threatens-sanctions.yaml", position))
    assert summary.placing == "described" and summary.unresolved == ()
    actor = (FIXTURES / "basic/facts/actors/joe-biden.yaml").read_text(encoding="utf-8")
    summary, _ = check_file(Document(model.Actor, "facts/actors/joe-biden.yaml", actor))
    assert summary.placing is None
