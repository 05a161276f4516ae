"""`factsheet check --format text|github|json`: mutations of a copy of the real fact tree, each reported
with the right code, file, line and hint in all three formats; GitHub's annotation cap; escaping."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.commands.cli import main
from generator.diagnostics import Code, error, warning
from generator.model import Where
from generator.report import GITHUB_ANNOTATIONS_PER_LEVEL, Format, render

from .conftest import copy_tree

Found = tuple[str, int, int, str, str, str]  # path, line, col, code, message, hint


@dataclass(frozen=True)
class Mutation:
    """One editor's mistake: what to do to the tree, and the problem the check must report."""

    name: str
    apply: Callable[[Path], tuple[str, int, int]]  # edits the tree; returns (path, line, col) expected
    code: Code
    hint: str  # a piece of the hint the editor must see


def _first_line(root: Path, pattern: str, folder: str) -> tuple[Path, int, re.Match[str]]:
    for path in sorted((root / folder).glob("*.yaml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if m := re.match(pattern, line):
                return path, number, m
    raise AssertionError(f"no line like {pattern!r} in {folder}")


def _edit_line(path: Path, number: int, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[number - 1] = new
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def broken_quote(root: Path) -> tuple[str, int, int]:
    path, n, m = _first_line(root, r'^(\s+quote: )"(\S+ \S+ \S+ )(\S+)(.*)$', "facts/events")
    _edit_line(path, n, f'{m[1]}"{m[2]}Xyzzy{m[4]}')
    return _rel(root, path), n, len(m[1]) + 1


def unknown_reference(root: Path) -> tuple[str, int, int]:
    path, n, m = _first_line(root, r'^(actor: )"?([a-z0-9-]+)"?$', "facts/positions")
    _edit_line(path, n, f'{m[1]}"{m[2][:-1]}"')
    return _rel(root, path), n, len(m[1]) + 1


def duplicate_id(root: Path) -> tuple[str, int, int]:
    original = sorted((root / "facts/actors").glob("*.yaml"))[0]
    copy = original.with_name("zz-copy-of-an-actor.yaml")
    shutil.copy(original, copy)
    return _rel(root, copy), 1, 1


def impossible_date(root: Path) -> tuple[str, int, int]:
    path, n, m = _first_line(root, r'^(date: )"?(\d{4})-\d\d-\d\d"?$', "facts/events")
    _edit_line(path, n, f'{m[1]}"{m[2]}-02-30"')
    return _rel(root, path), n, len(m[1]) + 1


def unknown_key(root: Path) -> tuple[str, int, int]:
    path, n, m = _first_line(root, r"^summary(: .*)$", "facts/topics")
    _edit_line(path, n, f"sumary{m[1]}")
    return _rel(root, path), n, 1


def wrong_type(root: Path) -> tuple[str, int, int]:
    path, n, m = _first_line(root, r"^(name: )(.+)$", "facts/actors")
    _edit_line(path, n, f"{m[1]}[{m[2]}]")
    return _rel(root, path), n, len(m[1]) + 1


def missing_citation(root: Path) -> tuple[str, int, int]:
    path = sorted((root / "facts/topics").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\ncitations:") + 1], encoding="utf-8")
    return _rel(root, path), 1, 1


MUTATIONS = [
    Mutation("broken quote", broken_quote, Code.QUOTE_NOT_FOUND, "{+"),
    Mutation("unknown reference", unknown_reference, Code.UNKNOWN_REFERENCE, "did you mean"),
    Mutation("duplicate id", duplicate_id, Code.DUPLICATE_ID, "ids are unique"),
    Mutation("impossible date", impossible_date, Code.INVALID_DATE, "2021-12-30"),
    Mutation("unknown key", unknown_key, Code.UNKNOWN_FIELD, "did you mean 'summary'"),
    Mutation("wrong type", wrong_type, Code.WRONG_TYPE, "same line as the field name"),
    Mutation("missing citation", missing_citation, Code.MISSING_FIELD, "add 'citations:' (Where the sources"),
]

_TEXT = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?:error|warning): (?P<msg>.*) \[(?P<code>[a-z0-9-]+)\]$"
)
_GITHUB = re.compile(r"^::(?:error|warning) file=(?P<path>[^,]+),line=(\d+),col=(\d+),title=([a-z0-9-]+)::(.*)$")


def _unescape(text: str) -> str:
    return text.replace("%0A", "\n").replace("%0D", "\r").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def parse_text(out: str) -> list[Found]:
    found: list[Found] = []
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if m := _TEXT.match(line):
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            hint = nxt.removeprefix("    hint: ") if nxt.startswith("    hint: ") else ""
            found.append((m["path"], int(m["line"]), int(m["col"]), m["code"], m["msg"], hint))
    return found


def parse_github(out: str) -> list[Found]:
    found: list[Found] = []
    for line in out.splitlines():
        if m := _GITHUB.match(line):
            message, _, hint = _unescape(m[5]).partition("\n")
            found.append((_unescape(m[1]), int(m[2]), int(m[3]), m[4], message, hint))
    return found


def parse_json(out: str) -> list[Found]:
    return [(d["path"], d["line"], d["col"], d["code"], d["message"], d["hint"]) for d in json.loads(out)]


PARSERS = {Format.TEXT: parse_text, Format.GITHUB: parse_github, Format.JSON: parse_json}


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_each_mutation_is_reported_with_code_file_line_and_hint_in_every_format(mutation, tmp_path, capsys):
    project = copy_tree("repo", tmp_path / "repo")
    path, line, col = mutation.apply(project.root)
    reports: dict[Format, list[Found]] = {}
    for fmt in Format:
        assert main(["--root", str(project.root), "check", "--format", fmt.value]) == 1
        captured = capsys.readouterr()
        reports[fmt] = PARSERS[fmt](captured.err if fmt is Format.TEXT else captured.out)
    assert reports[Format.TEXT] == reports[Format.JSON], "text and json disagree"
    assert reports[Format.GITHUB] == reports[Format.JSON], "github and json disagree"
    hits = [f for f in reports[Format.JSON] if f[3] == mutation.code.value and f[0] == path]
    assert hits, f"no [{mutation.code.value}] in {path}: {reports[Format.JSON]}"
    assert (hits[0][1], hits[0][2]) == (line, col)
    assert mutation.hint in hits[0][5], hits[0][5]


def test_the_real_fact_tree_is_clean_in_json(capsys):
    from .conftest import REPO

    assert main(["--root", str(REPO), "check", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def _many(n: int) -> list:
    return [
        error(Where(Path(f"/r/facts/actors/a{i:02d}.yaml"), i + 1, 1), Code.UNKNOWN_FIELD, f"m{i}") for i in range(n)
    ]


def test_github_format_respects_the_annotation_cap_and_keeps_every_problem_in_the_log():
    diagnostics = [*_many(25), warning(Where(Path("/r/seeds/s.md"), 2, 1), Code.INCONSISTENT, "w")]
    out = render(diagnostics, Path("/r"), Format.GITHUB)
    assert out.count("::error ") == GITHUB_ANNOTATIONS_PER_LEVEL
    assert out.count("::warning ") == 1
    assert "::notice title=more problems::25 errors, 1 warning; 15 not annotated" in out
    assert all(f"facts/actors/a{i:02d}.yaml:{i + 1}:1: error: m{i}" in out for i in range(25))


def test_github_format_escapes_properties_and_data():
    d = error(Where(Path("/r/facts/a,b:c.yaml"), 3, 4), Code.INVALID_TEXT, "100% wrong", "line one\nline two")
    out = render([d], Path("/r"), Format.GITHUB)
    # The line break between message and hint is the format's own; the one inside the hint is shown as \\n.
    assert out.splitlines()[0] == (
        "::error file=facts/a%2Cb%3Ac.yaml,line=3,col=4,title=invalid-text::100%25 wrong%0Aline one\\nline two"
    )


FORGED = "\n::error file=generator/cli.py,line=1,title=Maintainer note::approved\n::add-mask::ok\r::stop-commands::x"


@pytest.mark.parametrize("fmt", list(Format))
def test_no_value_or_file_name_starts_a_line_of_output(fmt):
    """Review F4: a line break in a value, key or file name once wrote workflow commands into the log."""
    bad = [
        error(Where(Path(f"/r/facts/actors/x{FORGED}.yaml"), 1, 1), Code.UNEXPECTED_FILE, "unexpected file"),
        error(Where(Path("/r/facts/actors/a.yaml"), 3, 7), Code.INVALID_VALUE, f"'kind' is 'person{FORGED}'", FORGED),
    ]
    out = render(bad, Path("/r"), fmt)
    ours = re.compile(r"::(error file=facts/actors/|group::|endgroup::|stop-commands::|[0-9a-f]{32}::$)")
    for line in out.splitlines():
        assert not line.lstrip().startswith("::") or ours.match(line), line
    if fmt is Format.TEXT:  # two problems, one with a hint, and the summary: one line each
        assert len(out.splitlines()) == 4, out


def test_github_text_group_runs_no_workflow_command():
    d = error(Where(Path("/r/facts/a.yaml"), 1, 1), Code.INVALID_VALUE, "x")
    lines = render([d], Path("/r"), Format.GITHUB).splitlines()
    start = lines.index("::group::all problems as text")
    token = lines[start + 1].removeprefix("::stop-commands::")
    assert len(token) == 32 and lines[start + 3] == f"::{token}::" and lines[start + 4] == "::endgroup::"
    other = render([error(Where(Path("/r/facts/b.yaml"), 1, 1), Code.INVALID_VALUE, "x")], Path("/r"), Format.GITHUB)
    assert f"::{token}::" not in other, "the token depends on the text it guards: no input can know it"


def test_text_shows_a_few_of_each_code_and_counts_the_rest():
    """Review P-04: one cause (a symlinked seeds/) buried under 440 follow-on errors."""
    from generator.report import SHOWN_PER_CODE

    many = _many(SHOWN_PER_CODE + 30)
    cause = error(Where(Path("/r/seeds"), 1, 1), Code.NOT_A_REGULAR_FILE, "a symlink, not a folder")
    out = render(sorted([*many, cause], key=lambda d: str(d.where.path)), Path("/r"), Format.TEXT)
    assert "seeds:1:1: error: a symlink, not a folder" in out
    assert out.count("[unknown-field]") == SHOWN_PER_CODE + 1  # those shown and the count of the rest
    assert "... and 30 more [unknown-field] not shown (--format json lists all)" in out
    assert out.rstrip().endswith(f"{SHOWN_PER_CODE + 31} errors, 0 warnings")
    assert len(json.loads(render(many, Path("/r"), Format.JSON))) == SHOWN_PER_CODE + 30


def test_json_format_is_a_list_of_stable_records():
    out = render(_many(1), Path("/r"), Format.JSON)
    assert json.loads(out) == [
        {
            "path": "facts/actors/a00.yaml",
            "line": 1,
            "col": 1,
            "severity": "error",
            "code": "unknown-field",
            "message": "m0",
            "hint": "",
        }
    ]
    assert render([], Path("/r"), Format.JSON) == "[]\n"
    assert render([], Path("/r"), Format.TEXT) == render([], Path("/r"), Format.GITHUB) == ""


def test_every_problem_in_the_broken_fixture_says_what_to_do(capsys):
    from .conftest import FIXTURES

    assert main(["--root", str(FIXTURES / "broken"), "check", "--format", "json", "--no-cache"]) == 1
    records = json.loads(capsys.readouterr().out)
    assert records and [r for r in records if not r["hint"]] == []
