"""The check's shortcuts report exactly what the plain check reports: the summaries sent back from worker
processes as plain tuples, and the converters' fast paths for plainly valid values
(validate._fast_converter), which must accept only what the full conversion accepts unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import pytest

from generator.checks import validate
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


def converted(convert: validate.Convert, node, name: str) -> tuple:
    conv = validate._Converter(Path("facts/actors/someone.yaml"))
    conv.required = False
    value = convert(conv, node, name)
    return value, conv.diagnostics, conv.ids, conv.references


@pytest.mark.parametrize("tp", TYPES, ids=repr)
def test_the_fast_paths_convert_as_the_full_conversion(tp):
    nodes = [Scalar(v, 3, 7, plain) for v in VALUES for plain in (True, False)]
    nodes += [Sequence([], 3, 7), Mapping([], 3, 7)]
    for node in nodes:
        for name in ("name", "quote"):
            fast = converted(validate.converter_for(tp), node, name)
            assert fast == converted(validate._full_converter(tp, True), node, name), (node, name)


def test_plain_leaf_types_have_a_fast_path():
    for tp in (Line, Quote, ActorId, Slug, ActorKind):
        assert validate.converter_for(tp) is not validate._full_converter(tp, True)
