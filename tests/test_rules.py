"""Editorial rules across facts, on a real fact tree: own words need quoted words; stated orders must be possible."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.checks.rules import inside_quotation
from generator.commands.cli import main
from generator.diagnostics import Code
from generator.pipeline import check
from generator.project import Project

from .conftest import copy_tree

POSITION = "facts/positions/biden-threatens-sanctions.yaml"
CALL = "facts/events/biden-putin-call-2021-12-30.yaml"
TALKS = "facts/events/geneva-talks-2022-01.yaml"


@pytest.fixture
def basic(tmp_path: Path) -> Project:
    return copy_tree("basic", tmp_path / "basic")


def _edit(project: Project, path: str, old: str, new: str) -> None:
    file = project.root / path
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new), encoding="utf-8")


def _codes(project: Project) -> list[tuple[str, str, int]]:
    return [
        (d.code.value, d.where.path.relative_to(project.root).as_posix(), d.where.line)
        for d in check(project).diagnostics
    ]


def test_the_fixture_is_clean(basic):
    assert _codes(basic) == []


def test_own_words_without_quoted_words_warns_at_the_position(basic):
    # "For his part, Mr Biden reiterated his threat ..." is the article's narration: no word of Biden's.
    _edit(basic, POSITION, "voice: described", "voice: own-words")
    assert _codes(basic) == [(Code.NO_QUOTED_WORDS.value, POSITION, 1)]
    assert main(["--root", str(basic.root), "check", "--strict"]) == 1


def test_own_words_with_a_quotation_passes(basic):
    # Ushakov's account quotes Putin: "could lead to a complete collapse of ties between our countries".
    _edit(
        basic,
        "facts/positions/putin-sanctions-breach-of-ties.yaml",
        "voice: reported\nreported_by: yuri-ushakov\n",
        "voice: own-words\n",
    )
    assert _codes(basic) == []


@pytest.mark.parametrize(
    ("text", "span", "inside"),
    [
        ("He said “no deal” today.", "no deal", True),
        ("He said “no deal, ever” today.", "deal, ever", True),  # inside, without the marks
        ('He said "no deal" today.', "no deal", True),
        ("He said no deal today.", "no deal", False),
        ("“Yes,” he said. Then no deal.", "no deal", False),  # after the closing mark
        ("A “quote”\nno deal here", "no deal", False),  # another paragraph's quotation does not count
    ],
)
def test_inside_quotation(text, span, inside):
    start = text.index(span)
    assert inside_quotation(text, start, start + len(span)) is inside


def test_reported_needs_exactly_one_teller(basic):
    path = "facts/positions/putin-sanctions-breach-of-ties.yaml"
    _edit(basic, path, "reported_by: yuri-ushakov\n", "")
    assert _codes(basic) == [(Code.INCONSISTENT.value, path, 1)]
    _edit(
        basic, path, "voice: reported\n", 'voice: reported\nreported_by: yuri-ushakov\nreported_by_unnamed: "an aide"\n'
    )
    assert _codes(basic) == [(Code.INCONSISTENT.value, path, 1)]
    _edit(basic, path, "reported_by: yuri-ushakov\n", "")
    assert _codes(basic) == []  # an unnamed source, as the article describes them


def test_a_teller_with_another_voice_is_refused(basic):
    _edit(basic, POSITION, "voice: described", 'voice: described\nreported_by_unnamed: "a White House official"')
    assert _codes(basic) == [(Code.INCONSISTENT.value, POSITION, 1)]


def test_an_order_cycle_is_refused_with_its_location(basic, capsys):
    _edit(basic, CALL, "status: occurred", "status: occurred\nbefore: [geneva-talks-2022-01]")
    _edit(basic, TALKS, "status: scheduled", "status: scheduled\nbefore: [biden-putin-call-2021-12-30]")
    codes = _codes(basic)
    assert (Code.ORDER_CYCLE.value, CALL, 1) in codes
    assert main(["--root", str(basic.root), "check"]) == 1
    assert "order-cycle" in capsys.readouterr().err


def test_an_order_that_contradicts_the_dates_is_refused(basic):
    # The talks (January 2022) cannot have come before the call (30 December 2021).
    _edit(basic, TALKS, "status: scheduled", "status: scheduled\nbefore: [biden-putin-call-2021-12-30]")
    assert _codes(basic) == [(Code.ORDER_CONTRADICTS_DATE.value, TALKS, 1)]


def test_an_order_the_dates_allow_is_accepted(basic):
    _edit(basic, TALKS, "status: scheduled", "status: scheduled\nafter: [biden-putin-call-2021-12-30]")
    assert _codes(basic) == []
