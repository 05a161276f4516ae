"""Untrusted input: every bad input is refused where it is, nothing crashes, text stays text, and
publishing never loses the previous site.

The corpus lives in tests/bad_inputs/ (one folder per case, laid over tests/fixtures/basic, expected
code and place in expected.txt); the cases that need symlinks, a FIFO or large files are built below.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
import yaml
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from generator.checks.convert import convert
from generator.checks.fact_file import MAX_CITATIONS, MAX_PARAGRAPHS, MAX_REFERENCES
from generator.checks.text import unseen_character
from generator.commands.cli import main
from generator.diagnostics import Code, DiagnosticError
from generator.inputs import yamlsafe
from generator.inputs.load import MAX_FACT_BYTES, MAX_SEED_BYTES, load_fact_file, load_seed_file
from generator.model import Actor
from generator.pages import render
from generator.pages.render import front_matter, md_text, read_back
from generator.pipeline import check, generate
from generator.project import Project
from generator.site import publish

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
    # The per-file bounds of the checks across files (review F6): located at the first item over the limit.
    BadInput(
        "too-many-citations",
        ACTOR,
        6 + 2 * MAX_CITATIONS,  # the quote of the 501st
        12,
        "file-too-large",
        _write(ACTOR, _VALID_ACTOR + _VALID_ACTOR.split("citations:\n")[1] * MAX_CITATIONS),
    ),
    BadInput(
        "too-many-references",
        "facts/events/bad-case.yaml",
        6 + MAX_REFERENCES,
        5,
        "file-too-large",
        _write(
            "facts/events/bad-case.yaml",
            'id: bad-case\ntitle: "A call"\ndate: "2021-12-30"\nstatus: occurred\nactors:\n'
            + "  - joe-biden\n" * (MAX_REFERENCES + 1)
            + 'citations:\n  - source: serious-50-minute-conversation\n    quote: "US President Joe Biden"\n',
        ),
    ),
    BadInput(
        "too-many-paragraphs",
        SEED,
        _VALID_SEED.count("\n") + 1 + MAX_PARAGRAPHS,  # the 2,001st paragraph: the label's line is added
        1,
        "file-too-large",
        _write(
            SEED,
            _VALID_SEED.replace("id: bad-case\n", 'id: bad-case\nlabel: "a label"\n')
            + "".join(f"Line {i}.\n" for i in range(MAX_PARAGRAPHS)),
        ),
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
    # Any text, even what the check refuses (U+FFFF, U+2028, NEL): the front matter must hold it regardless.
    assume(text.strip())
    head, written = front_matter(text, {"name": text})
    read_back("page.md", head + "# x\n", written)  # as MkDocs reads it
    title = yaml.safe_load(head.strip("-\n"))["title"]
    # MkDocs' theme prints the title unescaped: it must already be HTML text that shows the original.
    assert isinstance(title, str) and not re.search(r"[<>\"']", title)
    assert html.unescape(title) == " ".join(text.split())


# Issue 13: the red team's reproductions that take more than one refused file ------------------------


def _seed(project: Project, seed_id: str, body: str) -> None:
    (project.seeds_dir / f"{seed_id}.md").write_text(
        f'---\nid: {seed_id}\nlabel: "A test article"\ntitle: "A headline"\noutlet: null\n'
        'outlet_note: "Not named."\nauthor: null\nauthor_note: "No byline."\ndate: "2021-12-30"\n'
        f'translated: false\nurl: "https://example.org/a"\n---\n{body}\n',
        encoding="utf-8",
    )


def _actor(
    project: Project,
    actor_id: str,
    name: str,
    quote: str,
    source: str = "serious-50-minute-conversation",
    extra: str = "",
) -> None:
    (project.facts_dir / "actors" / f"{actor_id}.yaml").write_text(
        f"id: {actor_id}\nname: {json.dumps(name)}\nkind: person\n{extra}"
        f"citations:\n  - source: {source}\n    quote: {json.dumps(quote)}\n",
        encoding="utf-8",
    )


def test_names_at_the_length_limit_build(basic):
    """F3: a name of 499+ characters passed the check, then the build died of a RecursionError (the
    pattern of all names was built one recursion per character). 2,000 is the limit of a name."""
    name, alias = "A" * 2000, "B" * 600
    _seed(basic, "long-names", f"{name} and {alias}.")
    _actor(
        basic,
        "long-name",
        name,
        alias,
        source="long-names",
        extra=f"aliases:\n  - name: {json.dumps(alias)}\n    citations:\n"
        f"      - source: long-names\n        quote: {json.dumps(alias)}\n",
    )
    assert check(basic, cache=False).errors == []
    pages = generate(basic, cache=False).pages
    assert name in pages["actors/long-name.md"]


def test_the_pattern_of_names_is_built_without_recursion():
    from generator.checks import quotes

    words = ["A" * 5000, "A" * 2500 + "B", *("C" * n for n in range(1, 300))]  # a deep path, and nested groups
    found = quotes.occurrences_in({"t": "x" + "A" * 5000 + " " + "C" * 299}, set(words))
    assert found == {w: {"t"} for w in words if not w.endswith("B")} | {"A" * 2500 + "B": set()}
    assert quotes._trie_pattern(["A" * 5000]).search("A" * 5000)  # no fallback needed for one long name


def test_a_page_whose_front_matter_does_not_read_back_fails_the_build(published, monkeypatch, capsys):
    """F1's mechanism: front matter that MkDocs cannot parse was rendered as Markdown. Whatever writes it,
    a page whose front matter does not read back stops the build, located at its fact."""
    project, before = published
    real = render.front_matter

    def careless(title: str, jsonld: object, origin: str | None = None) -> tuple[str, dict[str, str]]:
        head, written = real(title, jsonld, origin)  # as string formatting once wrote it: the raw character
        return (
            head.replace("Joe Biden", "Joe\uffff ![x](y.png){: onerror=alert(1) }") if title == "Joe Biden" else head
        ), written

    monkeypatch.setattr(render, "front_matter", careless)
    assert main(["--root", str(project.root), "build"]) == 1
    err = capsys.readouterr().err
    assert "facts/actors/joe-biden.yaml:" in err and "[build-failed]" in err and "front matter" in err
    assert snapshot(project.site_dir) == before
    monkeypatch.undo()
    assert main(["--root", str(project.root), "build"]) == 0


def test_a_template_that_writes_its_own_front_matter_fails_the_build(basic, capsys):
    template = basic.templates_dir / "topic.md.j2"
    template.write_text('---\ntitle: "{{ topic.name }}"\n---\n' + template.read_text(encoding="utf-8"))
    assert main(["--root", str(basic.root), "build"]) == 1
    err = capsys.readouterr().err
    assert "[build-failed]" in err and "topic.md.j2 starts with '---'" in err


FORGED = "::error file=generator/cli.py,line=1,title=Maintainer note::This PR was reviewed and approved"


def _workflow_commands(output: str) -> list[str]:
    """Lines a GitHub runner would act on that the tool did not write itself."""
    ours = re.compile(r"::(error file=facts/|group::|endgroup::|stop-commands::[0-9a-f]{32}$|[0-9a-f]{32}::$|notice )")
    return [line for line in output.splitlines() if line.lstrip().startswith("::") and not ours.match(line.lstrip())]


def test_line_breaks_in_values_keys_and_file_names_start_no_line_of_output(tmp_path, capsys):
    """F4 (L-01, P-10): a line break in a value, a key or a file name wrote workflow commands into the log."""
    project = _project(next(c for c in CASES if c.name == "newline-in-kind"), tmp_path)
    _actor(project, "bad-key", "Joe Biden", "US President Joe Biden", extra='"x\\n::add-mask::ok": 1\n')
    (project.facts_dir / "actors" / "x\n::error file=README.md,line=1::forged.yaml").write_text("id: x\n")
    for command in (["check"], ["check", "--format", "github"], ["check", "--format", "json"], ["build", "--strict"]):
        assert main(["--root", str(project.root), *command]) == 1
        out, err = capsys.readouterr()
        assert _workflow_commands(out) == _workflow_commands(err) == [], command
        assert "person\\n" + FORGED[:40] in out + err or command[-1] == "json", command


def test_long_values_are_cut_short_in_messages(basic, capsys):
    """Y-22: a 100,000-character value was printed whole (200 KB of stderr from one file)."""
    _actor(basic, "bad-case", "Joe Biden", "US President Joe Biden")
    path = basic.facts_dir / "actors" / "bad-case.yaml"
    path.write_text(
        path.read_text().replace("kind: person", "kind: " + "x" * 100_000) + "date: " + "9" * 100_000 + "\n"
    )
    for fmt in ("text", "github"):
        assert main(["--root", str(basic.root), "check", "--format", fmt]) == 1
        out, err = capsys.readouterr()
        assert len(out + err) < 5_000, fmt
        assert "(100000 characters)" in out + err


def test_look_alike_letters_are_named_by_code_point(basic):
    """U-04, U-05: the hints showed `[-café-]{+café+}` (NFD against NFC) and a Cyrillic a as if it were Latin."""
    _seed(basic, "cafe", "They met at a caf\u00e9 in Geneva.")
    _actor(basic, "cyrillic", "Joe Biden", "The c\u0430ll was requested by Mr Putin.")
    _actor(basic, "decomposed", "Joe Biden", "They met at a cafe\u0301 in Geneva.", source="cafe")
    hints = {d.where.path.stem: d.hint for d in check(basic, cache=False).errors if d.code is Code.QUOTE_NOT_FOUND}
    assert "U+0430 (CYRILLIC SMALL LETTER A) where the article has U+0061 (LATIN SMALL LETTER A)" in hints["cyrillic"]
    assert "U+0301 (COMBINING ACUTE ACCENT)" in hints["decomposed"] and "NFD and NFC" in hints["decomposed"]


@pytest.mark.parametrize("name", ["-rf.yaml", "joe biden.yaml", "t-2021-12-30.yaml"])
def test_an_id_hint_never_proposes_an_invalid_id(basic, name):
    """P-08: `set id: -rf`, `set id: joe biden`."""
    (basic.facts_dir / "actors" / name).write_text((basic.facts_dir / "actors" / "russia.yaml").read_text())
    mismatch = [d for d in check(basic, cache=False).errors if d.code is Code.ID_MISMATCH]
    assert (
        len(mismatch) == 1
        and "set id" not in mismatch[0].hint
        and "rename the file to 'russia.yaml'" in mismatch[0].hint
    )


def test_hidden_files_are_reported_not_silently_skipped(basic, capsys):
    """P-09: `facts/actors/.evil.yaml` was neither read nor reported, so a reviewer took it as checked."""
    hidden = [
        basic.facts_dir / "actors" / ".evil.yaml",
        basic.facts_dir / ".hidden",
        basic.seeds_dir / ".draft.md",
    ]
    for path in hidden:
        path.write_text("!!python/object/apply:os.system ['id']\n")
    (basic.facts_dir / "topics" / ".gitkeep").write_text("")  # keeps a folder in git: nothing to check
    warned = {d.where.path for d in check(basic, cache=False).warnings if d.code is Code.UNEXPECTED_FILE}
    assert warned == set(hidden)
    assert main(["--root", str(basic.root), "check"]) == 0  # a warning: an editor's swap file is hidden too
    assert main(["--root", str(basic.root), "check", "--strict"]) == 1  # CI refuses it
    assert "hidden file or folder" in capsys.readouterr().err


def test_one_cause_is_not_buried_under_its_follow_on_errors(tmp_path, capsys):
    """P-04: a symlinked seeds/ gave 441 errors with the real one printed last."""
    from generator.report import SHOWN_PER_CODE

    project = copy_tree("repo", tmp_path / "repo")
    _symlink(project, "seeds", "seeds")
    assert main(["--root", str(project.root), "check"]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert "seeds:1:1: error: a symlink, not a folder [not-a-regular-file]" in lines
    assert any(line.startswith("... and ") and "more [unknown-reference] not shown" in line for line in lines)
    assert sum("[unknown-reference]" in line for line in lines) == SHOWN_PER_CODE + 1


def test_json_ld_start_dates_are_valid_for_historic_times(basic):
    """E-02: 1850-06-01 12:00 America/New_York gave startDate 1850-06-01T12:00:00:56:02 (a cut LMT offset)."""
    from mkdocs.utils.meta import get_data

    (basic.facts_dir / "events" / "historic-meeting.yaml").write_text(
        'id: historic-meeting\ntitle: "A meeting"\ndate: "1850-06-01"\ntime: "12:00"\ntimezone: "America/New_York"\n'
        "status: occurred\ncitations:\n  - source: serious-50-minute-conversation\n"
        '    quote: "The call was requested by Mr Putin."\n'
    )
    timeline = generate(basic, cache=False).pages["timeline.md"]
    ld = json.loads(get_data(timeline)[1]["jsonld"])
    starts = [item["item"]["startDate"] for item in ld["itemListElement"]]
    assert "1850-06-01T16:56:02Z" in starts  # the same instant, in UTC: an offset of -04:56:02 has no ISO form
    iso = re.compile(r"\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2}))?)?)?")  # ISO 8601
    assert [s for s in starts if not iso.fullmatch(s)] == []


# Any text in any text field is refused where it is, or shows on its page as itself --------------------

_FIELDS = {  # a field of tests/fixtures/basic/facts/actors/joe-biden.yaml, and how to find its line
    "name": re.compile(r"^name: .*$", re.MULTILINE),
    "summary": re.compile(r"^summary: .*$", re.MULTILINE),
    "roles[0].title": re.compile(r"^  - title: .*$", re.MULTILINE),
}


def _yaml_string(text: str, escaped: bool) -> str:
    """`text` as a YAML double-quoted scalar: raw (as an editor types it) or every non-ASCII character as an
    escape, as the red team wrote U+FFFF (escapes pass the file-level checks: the file is plain ASCII)."""
    if not escaped:
        return json.dumps(text, ensure_ascii=False)
    out = (c if " " <= c <= "~" and c not in '"\\' else f"\\U{ord(c):08x}" for c in text)
    return '"' + "".join(out) + '"'


class _Page(HTMLParser):
    """A page's elements with their attribute names, and its text, as a browser would build them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shape: list[tuple[str, tuple[str, ...]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.shape.append((tag, tuple(sorted(name for name, _ in attrs))))

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def actor_page(tmp_path_factory):
    """Renders joe-biden.yaml with one field set to any text, as the build does (check, page context,
    template, front matter read back), then as MkDocs does (its front-matter reader, the site's Markdown
    extensions). Returns the refusals, or the page's front matter and parsed HTML."""
    from mkdocs.config import load_config
    from mkdocs.utils.meta import get_data

    from generator.pages.context import build_pages
    from generator.pages.render import render_pages

    project = copy_tree("basic", tmp_path_factory.mktemp("any-text"))
    facts = check(project, cache=False).facts
    config = load_config(str(project.mkdocs_yml), hooks=[])
    md = markdown.Markdown(extensions=config.markdown_extensions, extension_configs=config.mdx_configs)
    compiled = tmp_path_factory.mktemp("compiled")
    path = project.facts_dir / "actors" / "joe-biden.yaml"
    original = path.read_text(encoding="utf-8")

    def render(field: str, text: str, escaped: bool = False):
        line = _FIELDS[field].search(original)
        assert line is not None
        key = line.group().split(":", 1)[0]
        path.write_bytes(
            f"{original[: line.start()]}{key}: {_yaml_string(text, escaped)}{original[line.end() :]}".encode()
        )
        doc, problems = load_fact_file(Actor, path)
        if doc is not None:
            actor, problems, _ = convert(doc)
        if problems:
            return problems, None, None
        pages = build_pages(dataclasses.replace(facts, actors={**facts.actors, "joe-biden": actor}))
        page = next(p for p in pages if p.path == "actors/joe-biden.md")
        body, meta = get_data(render_pages([page], project.templates_dir, compiled)[page.path])
        parsed = _Page()
        parsed.feed(md.reset().convert(body))
        parsed.close()
        return [], meta, parsed

    return render


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(sorted(_FIELDS)), text=_TEXT, escaped=st.booleans())
def test_any_text_in_a_text_field_is_refused_where_it_is_or_shows_as_itself(actor_page, field, text, escaped):
    problems, meta, page = actor_page(field, text, escaped)
    event("refused" if problems else "shown")
    if problems:
        assert all(d.where.line >= 1 and d.where.col >= 1 and d.message and d.hint for d in problems), problems
        return
    _, plain_meta, plain = actor_page(field, "Plain")
    # No element and no attribute the page would not have with plain text in that field.
    assert page.shape == plain.shape, text
    shown = " ".join(text.split())
    assert shown in " ".join("".join(page.text).split()), text
    if field == "name":  # the page title too, which the theme prints unescaped: HTML text that shows the name
        assert html.unescape(meta["title"]) == shown and not re.search(r"[<>\"']", meta["title"])
    assert meta.keys() == plain_meta.keys()


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


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_a_failed_swap_puts_the_old_site_back(published, monkeypatch, capsys, exchange):
    project, before = published
    real_replace = os.replace

    def refused(*args):
        raise OSError(13, "Permission denied")

    def replace(src, dst):
        if Path(src).name.startswith(".site-new-"):
            refused()
        return real_replace(src, dst)

    monkeypatch.setattr(publish, "_exchange", refused if exchange else lambda a, b: False)
    monkeypatch.setattr(publish.os, "replace", replace)
    assert main(["--root", str(project.root), "build"]) == 1
    assert "could not put the new site in place: Permission denied" in capsys.readouterr().err
    assert snapshot(project.site_dir) == before
    assert not list(project.root.glob(".site-*"))


def _relative(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _lay_site(folder: Path, version: str) -> dict[str, bytes]:
    for rel in ("index.html", "assets/site.css", "actors/a/index.html"):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(f"{version} {rel}")
    return _relative(folder)


def _killed_at(step: int, project: Project, exchange: bool) -> bool:
    """Publish a new site in a forked process that SIGKILLs itself right after its `step`-th file-system
    step (each folder made, file written, rename, exchange or removal); False if it finished first."""
    pid = os.fork()
    if pid == 0:  # the child: no return from here
        try:
            done = 0

            def counted(real):
                def run(*args, **kwargs):
                    result = real(*args, **kwargs)
                    nonlocal done
                    done += 1
                    if done == step:
                        os.kill(os.getpid(), signal.SIGKILL)
                    return result

                return run

            def mkdocs(project, site_dir, **kwargs):
                _lay_site(Path(site_dir), "new")

            monkeypatch = pytest.MonkeyPatch()
            monkeypatch.setattr(publish, "run_mkdocs", mkdocs)
            monkeypatch.setattr(publish, "_exchange", counted(publish._exchange) if exchange else lambda a, b: False)
            monkeypatch.setattr(publish.tempfile, "mkdtemp", counted(tempfile.mkdtemp))
            for name in ("replace", "mkdir", "rmdir", "unlink", "open"):
                monkeypatch.setattr(os, name, counted(getattr(os, name)))
            publish.build_site(project)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_a_build_killed_at_any_step_of_publishing_never_loses_the_site(tmp_path, monkeypatch, exchange):
    """F7: SIGKILL after each file-system step of publishing, then a build that fails: the site is always
    whole, old or new. With an exchange it is never even absent; with two renames, a kill between them
    leaves the old site in .site-old-*, and the next build puts it back before it cleans up."""

    def failing(project, site_dir, **kwargs):
        (Path(site_dir) / "index.html").write_text("half a site")
        raise DiagnosticError([])

    monkeypatch.setattr(publish, "run_mkdocs", failing)
    steps = 0
    while True:
        steps += 1
        assert steps < 100, "publishing should finish in fewer steps"
        project = Project.at(tmp_path / str(steps))
        project.site_dir.mkdir(parents=True)
        old = _lay_site(project.site_dir, "old")
        new = {rel: data.replace(b"old", b"new", 1) for rel, data in old.items()}
        if not _killed_at(steps, project, exchange):
            assert _relative(project.site_dir) == new
            break
        if exchange or project.site_dir.exists():
            assert _relative(project.site_dir) in (old, new), f"killed after step {steps}"
        with pytest.raises(DiagnosticError):
            publish.build_site(project)  # takes the lock the killed build held: the kernel released it
        assert _relative(project.site_dir) in (old, new), f"killed after step {steps}, then a failed build"
        assert not list(project.root.glob(".site-*")), "what the killed build left is cleared once it is safe"
    assert steps > 8, "every step was reached: making the staging folder, writing, swapping, removing"


def test_a_killed_build_then_a_failing_build_keep_the_published_site(published, monkeypatch):
    """F7 end to end through the command: killed between the two renames of the swap, then `build --strict`
    fails in MkDocs: the previous site is back in place, whole."""
    project, before = published
    pid = os.fork()
    if pid == 0:
        try:
            real_replace = os.replace

            def replace(src, dst, **kwargs):
                real_replace(src, dst, **kwargs)
                if ".site-old-" in str(dst):
                    os.kill(os.getpid(), signal.SIGKILL)

            monkeypatch.setattr(publish, "_exchange", lambda a, b: False)
            monkeypatch.setattr(publish.os, "replace", replace)
            main(["--root", str(project.root), "build"])
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert not project.site_dir.exists() and list(project.root.glob(".site-old-*/site/index.html"))
    monkeypatch.undo()

    def crash(config, **kwargs):
        raise RuntimeError("theme exploded")

    monkeypatch.setattr("mkdocs.commands.build.build", crash)
    assert main(["--root", str(project.root), "build", "--strict"]) == 1
    assert snapshot(project.site_dir) == before
    assert not list(project.root.glob(".site-*"))


def test_a_second_build_fails_at_once_and_leaves_the_running_one_alone(published, capsys):
    """F8: while a build holds the lock, another one changes nothing: not the running build's staging
    folder (deleting it made the first build publish half a site), not the docs folder, not the site."""
    project, before = published
    running = project.root / ".site-new-running"
    _lay_site(running, "half-built")
    docs = _relative(project.docs_dir)
    with publish.build_lock(project):  # as the other build holds it...
        publish._held.clear()  # ...from another process: this one must not count it as its own
        assert main(["--root", str(project.root), "build"]) == 1
    err = capsys.readouterr().err
    assert "another build of this fact sheet is running" in err and "[build-failed]" in err
    assert (running / "index.html").read_text() == "half-built index.html"
    assert _relative(project.docs_dir) == docs and snapshot(project.site_dir) == before
    # Once it is gone, the next build clears what a dead build left and publishes.
    assert main(["--root", str(project.root), "build"]) == 0
    assert not list(project.root.glob(".site-*")) and snapshot(project.site_dir) == before


def test_the_lock_file_is_never_followed(published, tmp_path, capsys):
    project, before = published
    elsewhere = tmp_path / "elsewhere"
    (project.root / publish.LOCK_FILE).unlink()
    (project.root / publish.LOCK_FILE).symlink_to(elsewhere)
    assert main(["--root", str(project.root), "build"]) == 1
    assert "cannot open the build lock" in capsys.readouterr().err
    assert not elsewhere.exists() and snapshot(project.site_dir) == before


def test_seeds_stay_ordinary_python_frontmatter_documents():
    """Other tools read our seeds with stock python-frontmatter; our strict handler agrees with them."""
    import frontmatter

    from generator.inputs.load import SeedFrontMatter
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
