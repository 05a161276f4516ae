"""The editor's guide (CONTRIBUTING.md) stays true to the code: every error code is in its table, every
command it shows exists and parses, and every link it gives leads somewhere."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from generator.commands.cli import parser
from generator.diagnostics import Code

from .conftest import REPO

GUIDE = REPO / "CONTRIBUTING.md"


def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    """The text under a `## heading`, up to the next heading of that level."""
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def table_codes(text: str) -> set[str]:
    """The codes named in the first column of the tables in `text` (a cell may name several)."""
    codes: set[str] = set()
    for line in text.splitlines():
        if line.startswith("|"):
            first = line.split("|")[1]
            codes.update(re.findall(r"`([a-z0-9-]+)`", first))
    return codes


def test_every_code_is_in_the_table_of_errors() -> None:
    documented = table_codes(section(guide(), "What the errors mean"))
    missing = sorted(code.value for code in Code if code.value not in documented)
    assert not missing, f"add a row for these codes to 'What the errors mean' in CONTRIBUTING.md: {missing}"
    unknown = sorted(documented - {code.value for code in Code})
    assert not unknown, f"these codes in CONTRIBUTING.md's table do not exist (generator/diagnostics.py): {unknown}"


def test_table_codes_reads_only_the_first_column() -> None:
    rows = "| code | what |\n|---|---|\n| `a-b`, `c` | not `d` |\nnot a row `e`\n"
    assert table_codes(rows) == {"a-b", "c"}


def commands(text: str, program: str) -> list[list[str]]:
    """Every `program ...` command the guide shows (the program named alone is not one): lines of its code
    blocks (a leading `$ ` dropped) and inline code spans, split as a shell would, comments dropped."""
    found: list[str] = []
    in_block = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_block = not in_block
            continue
        if in_block:
            found.append(line.strip().removeprefix("$ "))
        else:
            found += re.findall(r"`([^`]+)`", line)
    return [shlex.split(c, comments=True) for c in found if c.startswith(program + " ")]


def test_every_factsheet_command_in_the_guide_parses() -> None:
    shown = commands(guide(), "factsheet")
    cli = parser()
    subcommands = next(a for a in cli._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert {"new", "cite", "check", "serve", "diff"} <= {words[1] for words in shown if len(words) > 1}
    for words in shown:
        if len(words) == 2:  # the command named on its own: `factsheet diff`
            assert words[1] in subcommands, f"no such command: {shlex.join(words)}"
            continue
        try:
            cli.parse_args(words[1:])
        except SystemExit:
            pytest.fail(f"CONTRIBUTING.md shows a command that does not parse: {shlex.join(words)}")


def test_every_make_target_in_the_guide_exists() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.MULTILINE))
    shown = commands(guide(), "make")
    assert {"site", "test"} <= {words[1] for words in shown if len(words) > 1}
    for words in shown:
        assert words[1] in targets, f"CONTRIBUTING.md shows `{shlex.join(words)}`, but the Makefile has no such target"


def test_make_test_is_not_the_editors_set_up() -> None:
    set_up = section(guide(), "Route 2: edit on your computer").split("### The editing loop")[0]
    blocks = "\n".join(re.findall(r"```sh\n(.*?)```", set_up, flags=re.DOTALL))
    assert "make site" in blocks
    assert "make test" not in blocks  # developers' set-up (npm, Chromium): README, Development


def anchors(markdown: str) -> set[str]:
    """GitHub's anchors for the headings of a Markdown file: lowercase, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#{1,6} (.+)$", markdown, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_anchors_as_github_makes_them() -> None:
    assert anchors("## Route 1: edit in the browser, on GitHub\n### 7. Sources' labels\n") == {
        "route-1-edit-in-the-browser-on-github",
        "7-sources-labels",
    }


def test_every_link_in_the_guide_leads_somewhere() -> None:
    text = guide()
    text_outside_code = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    links = re.findall(r"\]\(([^)\s]+)\)", text_outside_code)
    assert links
    for link in links:
        if link.startswith(("http://", "https://")):
            continue
        path, _, anchor = link.partition("#")
        target: Path = REPO / path if path else GUIDE
        assert target.exists(), f"CONTRIBUTING.md links to {path}, which does not exist"
        if anchor:
            assert anchor in anchors(target.read_text(encoding="utf-8")), f"no heading for the link {link}"
