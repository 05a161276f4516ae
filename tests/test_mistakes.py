"""Editors' mistakes, one per folder of tests/fixtures/mistakes, with what `factsheet check` says of each.

A case folder holds the files of one mistake at their paths in a fact tree (say
`facts/positions/ushakov-good-background.yaml`); they are laid over a fresh copy of tests/fixtures/basic.
An optional `case.toml` describes the mistake (`description = "..."`) and may list files of basic to
delete first (`remove = ["facts/topics/sanctions.yaml"]`). The case `no-mistake` holds the edited file
without any mistake: it passes, so every other case is one mistake away from a valid file.

`expected.text`, `expected.github` and `expected.json` are exactly what
`factsheet check --format F --no-cache` prints, paths relative to the fact sheet's root: the stream the
format writes its report to (stderr for text, stdout for github and json), then the other stream (the
`ok:` line, if any), which is the order the CLI prints them in. After an intended change to a message, run
`.venv/bin/pytest tests/test_mistakes.py --update-snapshots` and review the diff.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

import pytest

from generator.commands.cli import main

from .conftest import FIXTURES, copy_tree

MISTAKES = FIXTURES / "mistakes"
CASES = sorted(p.name for p in MISTAKES.iterdir() if p.is_dir())
FORMATS = ("text", "github", "json")
_NOT_OVERLAID = {"case.toml", "README", "README.md"}
# Words of the YAML parser's own messages: an editor who is not a programmer cannot act on them.
JARGON = ("while parsing", "while scanning", "mapping values", "expected key", "block mapping", "block collection")


def _is_metadata(path: Path, case: Path) -> bool:
    rel = path.relative_to(case)
    return len(rel.parts) == 1 and (rel.name in _NOT_OVERLAID or rel.name.startswith("expected."))


def _settings(case: Path) -> dict[str, object]:
    toml = case / "case.toml"
    return tomllib.loads(toml.read_text(encoding="utf-8")) if toml.exists() else {}


def make_tree(name: str, dest: Path) -> Path:
    """basic, with the case's files laid over it (and the files it lists in `remove` deleted)."""
    case = MISTAKES / name
    root = copy_tree("basic", dest).root
    removed = _settings(case).get("remove", [])
    assert isinstance(removed, list)
    for rel in removed:
        (root / rel).unlink()
    for path in sorted(case.rglob("*")):
        if path.is_file() and not _is_metadata(path, case):
            target = root / path.relative_to(case)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return root


def run(root: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit code, the report's stream, the other stream."""
    code = main(["--root", str(root), "check", "--format", fmt, "--no-cache", "--jobs", "1"])
    out, err = capsys.readouterr()
    return (code, err, out) if fmt == "text" else (code, out, err)


def test_there_are_cases():
    assert "no-mistake" in CASES and len(CASES) > 1


@pytest.mark.parametrize("name", CASES)
def test_mistake_says_what_is_expected(name, tmp_path, capsys, update_snapshots):
    root = make_tree(name, tmp_path / "tree")
    printed: dict[str, str] = {}
    for fmt in FORMATS:
        code, report, other = run(root, fmt, capsys)
        printed[fmt] = report + other
        if fmt == "json":
            records = json.loads(report)
            assert code == (1 if any(r["severity"] == "error" for r in records) else 0)
            assert all(r["line"] > 0 and r["col"] > 0 for r in records), "every problem has a real place"
    for fmt, text in printed.items():
        expected = MISTAKES / name / f"expected.{fmt}"
        if update_snapshots:
            expected.write_text(text, encoding="utf-8")
        assert expected.exists(), f"{expected} is missing: run pytest {__file__} --update-snapshots"
        assert text == expected.read_text(encoding="utf-8"), f"{name}: {fmt} output differs from {expected.name}"


@pytest.mark.parametrize("name", [c for c in CASES if c != "no-mistake"])
def test_mistake_is_told_in_plain_words_at_a_line(name, tmp_path, capsys):
    root = make_tree(name, tmp_path / "tree")
    _, report, _ = run(root, "text", capsys)
    assert report, f"{name}: the check says nothing of the mistake"
    for word in JARGON:
        assert word not in report.lower(), f"{name}: parser jargon {word!r} in:\n{report}"
    places = [int(m.group(1)) for m in re.finditer(r"^[^\s:]+:(\d+):\d+: ", report, re.MULTILINE)]
    assert places and all(line > 0 for line in places), report


def test_no_mistake_passes(tmp_path, capsys):
    code, report, other = run(make_tree("no-mistake", tmp_path / "tree"), "text", capsys)
    assert code == 0 and report == "" and other.startswith("ok: 2 sources, 5 actors, 2 events, 1 topics, 3 positions")
