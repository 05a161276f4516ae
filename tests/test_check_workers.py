"""The check's shortcuts report exactly what the plain check reports: the summaries sent back from worker
processes as plain tuples, and the converters' fast paths for plainly valid values
(convert._fast_converter), which must accept only what the full conversion accepts unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import pytest

from generator.checks import convert, validate
from generator.inputs.yamlsafe import Mapping, Scalar, Sequence
from generator.model import ActorId, ActorKind, Line, Paragraph, Quote, Slug, Text, Voice
from generator.pipeline import check
from generator.project import Project

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def own_cache_key(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))


def broken(tmp_path: Path, name: str) -> Project:
    shutil.copytree(FIXTURES / "broken", tmp_path / name)
    return Project.at(tmp_path / name)


def formatted(project: Project, **options) -> list[str]:
    return [d.format(project.root) for d in check(project, **options).diagnostics]


def test_the_check_over_worker_processes_reports_as_in_one(tmp_path, monkeypatch):
    expected = formatted(broken(tmp_path, "one"), cache=False, jobs=1)
    assert any("quote-not-found" in line for line in expected)
    monkeypatch.setattr(validate, "_FILES_PER_JOB", 1)  # the fixture's few files spread over two workers
    project = broken(tmp_path, "two")
    assert formatted(project, cache=False, jobs=2) == expected
    assert formatted(project, jobs=2) == expected  # cold: the summaries and objects go into the cache
    assert formatted(project, jobs=2) == expected  # warm


VALUES = [
    "plain words",
    "",
    " ",
    "~",
    "null",
    "Null",
    "NULL",
    "true",
    "person",
    "own-words",
    "Person",
    "joe-biden",
    "index",
    "t-2021-12",
    "p-3",
    "q-0123456789",
    "Joe Biden",
    "../etc/passwd",
    "a" * 81,
    "x" * 61,
    "x" * 2001,
    "x" * 5001,
    "tab\there",
    "line\nbreak",
    "lone\rcr",
    "\u201cwrapped\u201d",
    "caf\u00e9",
    "zero\u200bwidth",
    "\x7f",
]
TYPES = [Line, Paragraph, Quote, ActorId, ActorId | None, Slug, ActorKind, Voice, Annotated[str, Text(max_length=60)]]


def converted(conversion: convert.Convert, node, name: str) -> tuple:
    conv = convert._Converter(Path("facts/actors/someone.yaml"))
    conv.required = False
    value = conversion(conv, node, name)
    return value, conv.diagnostics, conv.ids, conv.references


@pytest.mark.parametrize("tp", TYPES, ids=repr)
def test_the_fast_paths_convert_as_the_full_conversion(tp):
    nodes = [Scalar(v, 3, 7, plain) for v in VALUES for plain in (True, False)]
    nodes += [Sequence([], 3, 7), Mapping([], 3, 7)]
    for node in nodes:
        for name in ("name", "quote"):
            fast = converted(convert.converter_for(tp), node, name)
            assert fast == converted(convert._full_converter(tp, True), node, name), (node, name)


def test_plain_leaf_types_have_a_fast_path():
    for tp in (Line, Quote, ActorId, Slug, ActorKind):
        assert convert.converter_for(tp) is not convert._full_converter(tp, True)


def test_quotes_counted_while_the_files_are_checked_count_as_the_checks_across_files(tmp_path, monkeypatch):
    # The parent counts the quotes of the facts that come back in the articles that came back before them
    # (validate._Counter), under each article's hash: a second article with the same id and another text
    # (refused as a duplicate) must not change which quotes are found.
    def with_duplicate(name: str) -> Project:
        project = broken(tmp_path, name)
        seed = project.root / "seeds" / "serious-50-minute-conversation.md"
        text = seed.read_text(encoding="utf-8")
        head, _, _ = text.rpartition("\n---\n")
        (project.root / "seeds" / "zz-same-id.md").write_text(head + "\n---\nAnother text, quoting nobody.\n")
        return project

    counted: list[dict] = []
    real = validate._check_quotes

    def spy(sources, facts, cache, found):
        counted.append(dict(found))
        return real(sources, facts, cache, found)

    monkeypatch.setattr(validate, "_FILES_PER_JOB", 1)
    monkeypatch.setattr(validate, "_check_quotes", spy)
    parallel = formatted(with_duplicate("two"), cache=False, jobs=2)
    assert counted[-1], "the quotes were counted as the facts came back"
    monkeypatch.setattr(validate._Counter, "arrived", lambda *_: None)  # every quote counted after the files
    alone = formatted(with_duplicate("one"), cache=False, jobs=1)
    assert counted[-1] == {}
    assert parallel == alone
    assert any("duplicate-id" in line for line in alone) and any("quote-not-found" in line for line in alone)
