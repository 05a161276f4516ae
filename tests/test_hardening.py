"""Untrusted input: every bad input is refused where it is, nothing crashes, text stays text, and
publishing never loses the previous site.

The corpus lives in tests/bad_inputs/ (one folder per case, laid over tests/fixtures/basic, expected
code and place in expected.txt); the cases that need symlinks, a FIFO or large files are built below.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from generator import publish, yamlsafe
from generator.cli import main
from generator.diagnostics import Code, DiagnosticError
from generator.load import MAX_FACT_BYTES, MAX_SEED_BYTES, load_fact_file, load_seed_file
from generator.model import Actor
from generator.pipeline import check, generate
from generator.project import Project
from generator.render import front_matter, md_text, read_back
from generator.validate import convert, unseen_character

from .conftest import REPO, copy_tree
from .test_cli import snapshot

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
ACTOR = "facts/actors/bad-case.yaml"
SEED = "seeds/bad-case.md"


@dataclass(frozen=True)
class BadInput:
    name: str
    path: str  # relative to the project root
    line: int
    col: int | None  # None: any column (where a given parser notices the problem depends on its version)
    code: str
    make: Callable[[Project], None]  # lays the case over a fresh copy of tests/fixtures/basic


def _from_corpus() -> list[BadInput]:
    cases = []
    for row in (CORPUS / "expected.txt").read_text(encoding="utf-8").splitlines():
        if row.startswith("#") or not row.strip():
            continue
        name, where, code = row.split()[:3]
        path, line, col = where.rsplit(":", 2)

        def lay_over(project: Project, folder: Path = CORPUS / name) -> None:
            shutil.copytree(folder, project.root, dirs_exist_ok=True)

        cases.append(BadInput(name, path, int(line), int(col), code, lay_over))
    return cases


def _outside(project: Project) -> Path:
    """A folder beside the project, standing for anything outside the repo."""
    folder = project.root.parent / "outside"
    folder.mkdir(exist_ok=True)
    return folder


def _symlink(project: Project, rel: str, existing: str) -> None:
    """Replace `rel` by a link to a copy of `existing` (a file or folder of the project) outside the repo."""
    path, copy = project.root / rel, _outside(project) / Path(existing).name
    source = project.root / existing
    if source.is_dir():
        shutil.copytree(source, copy)
    else:
        shutil.copy(source, copy)
    if path.is_dir():
        shutil.rmtree(path)
    path.unlink(missing_ok=True)
    path.symlink_to(copy)


def _write(rel: str, content: str | bytes) -> Callable[[Project], None]:
    def make(project: Project) -> None:
        path = project.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))

    return make


_VALID_ACTOR = (CORPUS / "merge-key" / ACTOR).read_text(encoding="utf-8").replace("<<: {kind: state}\n", "")
_VALID_SEED = (CORPUS / "body-nul" / SEED).read_text(encoding="utf-8").replace("Second\x00 paragraph.\n", "")

BUILT = [
    BadInput(
        "symlinked-fact", ACTOR, 1, 1, "not-a-regular-file", lambda p: _symlink(p, ACTOR, "facts/actors/joe-biden.yaml")
    ),
    BadInput(
        "symlink-to-system-file",
        ACTOR,
        1,
        1,
        "not-a-regular-file",
        lambda p: (p.root / ACTOR).symlink_to("/etc/passwd"),
    ),
    BadInput(
        "symlinked-seed",
        "seeds/serious-50-minute-conversation.md",
        1,
        1,
        "not-a-regular-file",
        lambda p: _symlink(p, "seeds/serious-50-minute-conversation.md", "seeds/serious-50-minute-conversation.md"),
    ),
    BadInput(
        "symlinked-kind-folder",
        "facts/topics",
        1,
        1,
        "not-a-regular-file",
        lambda p: _symlink(p, "facts/topics", "facts/topics"),
    ),
    BadInput("symlinked-seeds-folder", "seeds", 1, 1, "not-a-regular-file", lambda p: _symlink(p, "seeds", "seeds")),
    BadInput("symlinked-facts-folder", "facts", 1, 1, "not-a-regular-file", lambda p: _symlink(p, "facts", "facts")),
    BadInput("folder-named-like-a-fact", ACTOR, 1, 1, "not-a-regular-file", lambda p: (p.root / ACTOR).mkdir()),
    BadInput("fifo", ACTOR, 1, 1, "not-a-regular-file", lambda p: os.mkfifo(p.root / ACTOR)),  # never opened
    BadInput(
        "wrong-extension",
        "facts/actors/bad-case.yml",
        1,
        1,
        "unexpected-file",
        _write("facts/actors/bad-case.yml", _VALID_ACTOR),
    ),
    BadInput(
        "oversized-fact",
        ACTOR,
        1,
        1,
        "file-too-large",
        _write(ACTOR, _VALID_ACTOR + "# padding\n" * (MAX_FACT_BYTES // 10)),
    ),
    BadInput(
        "oversized-seed", SEED, 1, 1, "file-too-large", _write(SEED, _VALID_SEED + "Words.\n" * (MAX_SEED_BYTES // 7))
    ),
    # LibYAML's own composer dies of a segmentation fault on this; the event pass stops at the limit
    # (LibYAML 0.2.6's scanner stops earlier, at its own cap: the same problem, another column).
    BadInput("flow-nesting-50000", ACTOR, 1, None, "yaml-too-deep", _write(ACTOR, "[" * 50000)),
    BadInput(
        "very-long-line",
        ACTOR,
        2,
        7,
        "invalid-text",
        _write(ACTOR, _VALID_ACTOR.replace('"Joe Biden"', '"' + "Joe Biden " * 20000 + '"')),
    ),
]

CASES = _from_corpus() + BUILT
IDS = [c.name for c in CASES]


def test_corpus_covers_every_class_of_bad_input():
    assert len(CASES) >= 40
    assert len(set(IDS)) == len(IDS)
    # Every refusal the issue names: YAML constructs, encodings, invisible characters, paths, files, front matter.
    assert {c.code for c in CASES} >= {
        Code.YAML_SYNTAX.value,
        Code.YAML_FORBIDDEN.value,
        Code.YAML_DUPLICATE_KEY.value,
        Code.YAML_TOO_DEEP.value,
        Code.NOT_UTF8.value,
        Code.BOM.value,
        Code.FORBIDDEN_CHARACTER.value,
        Code.INVALID_TEXT.value,
        Code.INVALID_ID.value,
        Code.INVALID_URL.value,
        Code.FRONT_MATTER.value,
        Code.NOT_A_REGULAR_FILE.value,
        Code.FILE_TOO_LARGE.value,
        Code.WRONG_TYPE.value,
    }


def _project(case: BadInput, tmp_path: Path) -> Project:
    project = copy_tree("basic", tmp_path / "project")
    case.make(project)
    return project


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_bad_input_is_refused_where_it_is(case, tmp_path, capsys):
    project = _project(case, tmp_path)
    result = check(project)
    target = project.root / case.path
    found = [d for d in result.errors if d.where.path == target]
    col = (lambda d: d.where.col) if case.col is not None else (lambda d: None)
    assert [(d.code.value, d.where.line, col(d)) for d in found] == [(case.code, case.line, case.col)], [
        d.format(project.root) for d in result.diagnostics
    ]
    assert found[0].hint, "every error says what to do"
    # And as the editor sees it: located, with the hint, exit status 1, no traceback.
    assert main(["--root", str(project.root), "check"]) == 1
    err = capsys.readouterr().err
    located = f"{case.path}:{case.line}:{found[0].where.col}: error: "
    assert located in err and f"[{case.code}]" in err
    assert "hint: " in err and "Traceback" not in err


@pytest.mark.parametrize("name", ["flow-nesting-50000", "alias-bomb", "nul-byte", "symlink-to-system-file"])
def test_real_command_survives_hostile_files(name, tmp_path):
    """In a separate process, as an editor runs it: no crash (a segfault would be a negative status)."""
    project = _project(next(c for c in CASES if c.name == name), tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "generator", "--root", str(project.root), "check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1, run.stderr
    assert "error:" in run.stderr and "Traceback" not in run.stderr


def test_system_file_is_never_read(tmp_path, capsys):
    project = _project(next(c for c in CASES if c.name == "symlink-to-system-file"), tmp_path)
    main(["--root", str(project.root), "check"])
    assert "root:" not in capsys.readouterr().err  # nothing of /etc/passwd leaks into messages


def test_messages_cannot_steer_the_terminal(basic, capsys):
    """Values and file names echoed in messages are shown, never interpreted (escape sequences, bidi)."""
    (basic.facts_dir / "actors" / "\x1b[2J\u202eevil.yaml").write_text('"\\e[2J\\e[31mx\\u202e": 1\n')
    assert main(["--root", str(basic.root), "check"]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\u202e" not in err
    assert "unknown field '\\u001b[2J\\u001b[31mx\\u202e'" in err
    assert "facts/actors/\\u001b[2J\\u202eevil.yaml:1:1: error: " in err


# Property tests: random input never produces a traceback -------------------------------------------

_MARKUP = st.sampled_from([*"<>&\"'`*_[](){}#!|\\-+.:=~^$%@/?;,\n\t -", "&amp;", "{{", "}}", "--8<--", "\\("])
_CHAR = st.characters(exclude_categories=["Cs"])  # surrogates cannot be written to a file
_TEXT = st.lists(st.one_of(_MARKUP, _CHAR), max_size=60).map("".join)
_YAMLISH = st.lists(
    st.one_of(st.sampled_from([*"[]{}:-&*!|>'\"#%@`?,\n\t ", "- ", ": ", "\n  ", "<<", "!!", "---"]), _CHAR),
    max_size=80,
).map("".join)
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(st.one_of(st.text(), _YAMLISH))
def test_yaml_reader_raises_only_located_problems(text):
    try:
        yamlsafe.parse(text)
    except yamlsafe.YamlProblem as problem:
        # (0, 0) is what an unlocated problem would carry: the editor could not find it.
        assert problem.line >= 1 and problem.col >= 1 and problem.message, problem


@PROPERTY
@given(content=st.one_of(st.binary(max_size=200), _YAMLISH.map(str.encode), _TEXT.map(str.encode)))
def test_any_fact_or_seed_file_loads_or_is_diagnosed(tmp_path, content):
    fact, seed = tmp_path / "bad-case.yaml", tmp_path / "bad-case.md"
    fact.write_bytes(content)
    seed.write_bytes(b"---\n" + content + b"\n---\nBody.\n")
    for doc, problems in (load_fact_file(Actor, fact), load_seed_file(seed)):
        if doc is not None:
            _, problems, _ = convert(doc)
        assert all(d.where.line >= 1 and d.where.col >= 1 and d.message for d in problems), problems


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text += data


# The theme's extensions and every other one that gives text a meaning of its own.
EXTENSIONS = [
    "attr_list",
    "tables",
    "toc",
    "md_in_html",
    "def_list",
    "abbr",
    "footnotes",
    "admonition",
    "smarty",
    "pymdownx.arithmatex",
    "pymdownx.snippets",
    "pymdownx.magiclink",
    "pymdownx.mark",
    "pymdownx.tilde",
    "pymdownx.caret",
    "pymdownx.keys",
    "pymdownx.critic",
    "pymdownx.smartsymbols",
    "pymdownx.emoji",
    "pymdownx.inlinehilite",
]


_MARKDOWN = markdown.Markdown(extensions=EXTENSIONS)  # one instance: building it loads the emoji index


def _shown(md: str) -> _Elements:
    parsed = _Elements()
    parsed.feed(_MARKDOWN.reset().convert(md))
    parsed.close()
    return parsed


@PROPERTY
@given(_TEXT)
def test_escaped_text_renders_back_to_itself(text):
    assume(unseen_character(text, multiline=True) is None and text.strip())  # else refused before rendering
    collapsed = re.sub(r"\s+", " ", text)
    # As a Markdown paragraph (whose ends the browser trims), and inside the article's HTML paragraphs.
    inline, in_html = _shown(md_text(text)), _shown(f'<p class="x">{md_text(text)}</p>')
    assert inline.tags == in_html.tags == ["p"], (text, inline.tags, in_html.tags)
    assert inline.text.strip() == collapsed.strip()
    assert in_html.text == collapsed


@PROPERTY
@given(_TEXT)
def test_page_titles_survive_front_matter_and_the_theme(text):
    assume(unseen_character(text, multiline=False) is None and text.strip())
    head, written = front_matter(text, {"name": text})
    read_back("page.md", head + "# x\n", written)  # as MkDocs reads it
    title = yaml.safe_load(head.strip("-\n"))["title"]
    # MkDocs' theme prints the title unescaped: it must already be HTML text that shows the original.
    assert isinstance(title, str) and not re.search(r"[<>\"']", title)
    assert html.unescape(title) == " ".join(text.split())


# Publishing: the docs folder is ours, the site is swapped in whole or not at all -----------------


def test_symlinks_in_the_docs_folder_are_removed_not_followed(basic):
    outside = _outside(basic)
    (outside / "keep.md").write_text("outside\n")
    (basic.docs_dir / "actors").symlink_to(outside, target_is_directory=True)
    (basic.docs_dir / "index.md").symlink_to(outside / "keep.md")
    generate(basic)
    assert sorted(p.name for p in outside.iterdir()) == ["keep.md"]
    assert (outside / "keep.md").read_text() == "outside\n"
    assert not any(p.is_symlink() for p in basic.docs_dir.rglob("*"))
    assert (basic.docs_dir / "actors" / "joe-biden.md").is_file()


def test_symlinked_output_folders_are_refused(basic, capsys):
    project = basic
    shutil.rmtree(project.docs_dir)
    project.docs_dir.symlink_to(_outside(project), target_is_directory=True)
    with pytest.raises(DiagnosticError) as info:
        generate(project)
    assert info.value.diagnostics[0].code is Code.BUILD_FAILED
    assert list(_outside(project).iterdir()) == []
    project.docs_dir.unlink()
    project.site_dir.symlink_to(_outside(project), target_is_directory=True)
    assert main(["--root", str(project.root), "build"]) == 1
    assert "site folder is a symlink" in capsys.readouterr().err
    assert list(_outside(project).iterdir()) == []
    project.site_dir.unlink()
    project.dist_dir.symlink_to(_outside(project), target_is_directory=True)
    assert main(["--root", str(project.root), "bundle"]) == 1
    assert "dist folder is a symlink" in capsys.readouterr().err
    assert list(_outside(project).iterdir()) == []


@pytest.fixture
def published(basic) -> tuple[Project, dict[Path, bytes]]:
    project = basic
    assert main(["--root", str(project.root), "build"]) == 0
    return project, snapshot(project.site_dir)


def test_a_crash_inside_mkdocs_keeps_the_site(published, monkeypatch, capsys):
    project, before = published

    def crash(config, **kwargs):
        (Path(config.site_dir) / "index.html").write_text("half a site")
        raise RuntimeError("theme exploded")

    monkeypatch.setattr("mkdocs.commands.build.build", crash)
    assert main(["--root", str(project.root), "build"]) == 1
    err = capsys.readouterr().err
    assert "[build-failed]" in err and "RuntimeError: theme exploded" in err and "Traceback" not in err
    assert snapshot(project.site_dir) == before
    assert not list(project.root.glob(".site-*"))


def test_a_failed_swap_puts_the_old_site_back(published, monkeypatch, capsys):
    project, before = published
    real_replace = os.replace

    def replace(src, dst):
        if Path(src).name.startswith(".site-new-"):
            raise OSError(13, "Permission denied")
        return real_replace(src, dst)

    monkeypatch.setattr(publish.os, "replace", replace)
    assert main(["--root", str(project.root), "build"]) == 1
    assert "could not put the new site in place: Permission denied" in capsys.readouterr().err
    assert snapshot(project.site_dir) == before
    assert not list(project.root.glob(".site-*"))


def test_leftovers_of_a_killed_build_are_cleaned_up(published):
    project, _ = published
    for name in (".site-new-abc123", ".site-old-def456"):
        (project.root / name).mkdir()
        (project.root / name / "index.html").write_text("stale")
    assert main(["--root", str(project.root), "build"]) == 0
    assert not list(project.root.glob(".site-*"))


def test_seeds_stay_ordinary_python_frontmatter_documents():
    """Other tools read our seeds with stock python-frontmatter; our strict handler agrees with them."""
    import frontmatter

    from generator.load import SeedFrontMatter
    from generator.pipeline import check
    from generator.project import Project

    facts = check(Project.at(REPO)).facts
    for path in sorted((REPO / "seeds").glob("*.md")):
        stock = frontmatter.load(str(path))
        ours = facts.sources[path.stem]
        assert stock.metadata["id"] == ours.id and stock.metadata["title"] == ours.title
        assert stock.content == ours.body.strip()
        _, body = SeedFrontMatter().split(path.read_text(encoding="utf-8"))
        assert body == ours.body and SeedFrontMatter().detect(path.read_text(encoding="utf-8"))
