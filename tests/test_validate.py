"""Every kind of input error, on a real broken fact tree, with its file, line, column and code."""

from pathlib import Path

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
