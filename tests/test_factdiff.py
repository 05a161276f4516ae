"""`factsheet diff`: a semantic diff of the facts between two commits of a tiny git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.commands.cli import main
from generator.commands.factdiff import md

from .conftest import FIXTURES

GOLDEN = Path(__file__).resolve().parent / "snapshots" / "diff" / "basic.md"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Editor",
    "GIT_AUTHOR_EMAIL": "editor@example.org",
    "GIT_COMMITTER_NAME": "Editor",
    "GIT_COMMITTER_EMAIL": "editor@example.org",
    "GIT_AUTHOR_DATE": "2022-01-01T12:00:00Z",
    "GIT_COMMITTER_DATE": "2022-01-01T12:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def pull_request(root: Path) -> None:
    """What an editor's pull request does to the basic fixture: one change of each kind."""
    facts = root / "facts"
    (facts / "positions" / "putin-sanctions-breach-of-ties.yaml").unlink()
    (facts / "topics" / "energy.yaml").write_text(
        'id: energy\nname: "Energy <b>& gas</b>"\ncitations:\n  - source: serious-50-minute-conversation\n'
        '    quote: "The call was requested by Mr Putin."\n',
        encoding="utf-8",
    )
    edit(facts / "events" / "geneva-talks-2022-01.yaml", 'title: "US-Russia security talks"', 'title: "Geneva talks"')
    edit(facts / "events" / "geneva-talks-2022-01.yaml", "status: scheduled", "status: occurred")
    edit(
        facts / "actors" / "joe-biden.yaml",
        'summary: "President of the United States."',
        'summary: "President of the United States, who spoke with Vladimir Putin twice in December 2021."',
    )
    edit(
        facts / "actors" / "joe-biden.yaml",
        '  - source: courier-second-call-50-minutes\n    quote: "Presidents Joe Biden (United States) and Vladimir '
        'Putin (Russia)"\n',
        "",
    )
    edit(
        facts / "topics" / "sanctions.yaml",
        "citations:\n",
        "citations:\n  - source: courier-second-call-50-minutes\n"
        '    quote: "Putin warned the US that imposing economic sanctions against Moscow would represent a “colossal '
        'mistake”"\n',
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "basic", root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "editor")
    pull_request(root)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "the pull request")
    return root


def test_diff_between_two_revisions_matches_the_golden_markdown(repo, capsys, update_snapshots):
    assert main(["--root", str(repo), "diff", "main", "editor"]) == 0
    out = capsys.readouterr().out
    if update_snapshots:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(out, encoding="utf-8")
    assert out == GOLDEN.read_text(encoding="utf-8"), "run `make snapshots` and review tests/snapshots/diff/"


def test_default_diff_is_merge_base_with_main_against_the_working_tree(repo, capsys):
    edit(repo / "facts" / "topics" / "energy.yaml", 'name: "Energy <b>& gas</b>"', 'name: "Energy"')
    (repo / "facts" / "actors" / "yuri-ushakov.yaml").write_text("id: yuri-ushakov\nname: [\n", encoding="utf-8")
    assert main(["--root", str(repo), "diff", "--output", str(repo / "diff.md")]) == 0
    out = (repo / "diff.md").read_text(encoding="utf-8")
    assert out.startswith("## Changes to the facts\n\nFrom the merge base with main to the working tree: 1 added,")
    assert "- topic `energy`: Energy (`facts/topics/energy.yaml`, 1 citation)" in out
    assert "> **Warning:** the working tree has " in out  # the broken actor is not silently "removed"
    assert "- actor `yuri-ushakov`" in out


def test_diff_of_an_unknown_revision_is_a_located_error(repo, capsys):
    assert main(["--root", str(repo), "diff", "no-such-branch"]) == 1
    assert "[git-failed]" in capsys.readouterr().err


def test_fact_text_cannot_inject_markdown_or_mentions():
    assert md("<img src=x> *a* [l](u) | @team `c` ~~s~~ &amp;") == (
        "\\<img src=x\\> \\*a\\* \\[l\\](u) \\| \\@team \\`c\\` \\~\\~s\\~\\~ \\&amp;"
    )
