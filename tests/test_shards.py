"""The clean MkDocs build over several processes (generator/site/shards.py): the same site, warnings and failures
as one process."""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path

import pytest

from generator.diagnostics import DiagnosticError
from generator.pipeline import generate
from generator.progress import Stage, Step
from generator.project import Project
from generator.site import publish, shards

EPOCH = 86400


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def forks(monkeypatch) -> list[int]:
    """Every shard of the tests, however small the site; the processes forked, counted."""
    monkeypatch.setattr(shards, "MIN_PAGES_PER_SHARD", 1)
    forked: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        pid = real_fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    return forked


def site(project: Project, name: str, **more) -> Project:
    """`project` building into the folder `name`, built with `more` (build_site's settings)."""
    other = Project.at(project.root, site_dir=project.root / name)
    publish.build_site(other, epoch=EPOCH, **more)
    return other


def mkdocs_messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("mkdocs") and r.levelno >= logging.WARNING]


@pytest.mark.parametrize("jobs", [2, 3])
def test_a_sharded_build_is_byte_for_byte_the_one_process_build(basic: Project, forks, jobs):
    generate(basic, cache=False)
    one = files(site(basic, "one", jobs=1).site_dir)
    assert not forks
    steps: list[Step] = []
    sharded = files(site(basic, "sharded", jobs=jobs, progress=steps.append).site_dir)
    assert len(forks) == jobs - 1
    assert sorted(sharded) == sorted(one)
    assert [path for path in one if sharded[path] != one[path]] == []
    # Every page is counted, those the other processes wrote too.
    pages = len([p for p in basic.docs_dir.rglob("*.md")])
    assert steps[-1] == Step(Stage.SITE, pages, pages)


def test_a_navigation_title_from_the_markdown_keeps_one_process(basic: Project, forks):
    # Only the process converting about.md knows its title, which every page's navigation shows.
    text = basic.mkdocs_yml.read_text(encoding="utf-8")
    assert "  - About: about.md\n" in text
    basic.mkdocs_yml.write_text(text.replace("  - About: about.md\n", "  - about.md\n"), encoding="utf-8")
    generate(basic, cache=False)
    one = files(site(basic, "one", jobs=1).site_dir)
    assert files(site(basic, "sharded", jobs=2).site_dir) == one
    assert not forks


def test_small_sites_and_one_job_stay_one_process(basic: Project, monkeypatch):
    generate(basic, cache=False)
    pages = len([p for p in basic.docs_dir.rglob("*.md")])
    from mkdocs.config import load_config

    config = load_config(str(basic.mkdocs_yml), hooks=[])
    monkeypatch.setattr(shards, "MIN_PAGES_PER_SHARD", pages // 2)
    assert shards.count(config, basic.docs_dir, 4) == 2
    assert shards.count(config, basic.docs_dir, 1) == 1
    monkeypatch.setattr(shards, "MIN_PAGES_PER_SHARD", pages // 2 + 1)
    assert shards.count(config, basic.docs_dir, 4) == 1


def test_split_balances_the_shards_by_size():
    assert shards.split([1, 10, 1, 1, 5, 4], 2) == [1, 0, 0, 1, 1, 1]  # 11 and 11
    assert shards.split([3, 3, 3], 3) == [0, 1, 2]


def _with_bad_links(project: Project) -> None:
    """Every page links to a page that does not exist, to an anchor the home page lacks, and to one it has:
    each page's two warnings come from whichever process builds it, or checks the anchors of another's."""
    for page in sorted(project.docs_dir.rglob("*.md")):
        home = os.path.relpath(project.docs_dir / "index.md", page.parent)
        extra = f"\n\n[gone](no-such-page.md) [nowhere]({home}#no-such-anchor) [there]({home}#key-facts)\n"
        page.write_text(page.read_text(encoding="utf-8") + extra, encoding="utf-8")


def test_warnings_of_every_shard_are_shown_once_and_fail_strict(basic: Project, forks, caplog):
    generate(basic, cache=False)
    _with_bad_links(basic)
    caplog.clear()
    assert 'id="key-facts"' in (site(basic, "one", jobs=1).site_dir / "index.html").read_text()
    one = mkdocs_messages(caplog)
    caplog.clear()
    site(basic, "sharded", jobs=2)
    sharded = mkdocs_messages(caplog)
    pages = len([p for p in basic.docs_dir.rglob("*.md")])
    assert len(one) == 2 * pages and sharded == one  # in the same order
    assert not [m for m in one if "#key-facts" in m]
    caplog.clear()
    before = files(basic.site_dir) if basic.site_dir.exists() else {}
    with pytest.raises(DiagnosticError) as info:
        publish.build_site(basic, epoch=EPOCH, strict=True, jobs=2)
    assert f"Aborted with {2 * pages} warnings in strict mode!" in str(info.value)
    assert mkdocs_messages(caplog) == one
    assert files(basic.site_dir) == before if before else not basic.site_dir.exists()


def _fail_in_children(monkeypatch, how) -> None:
    """Converting any page fails, in the other shards only."""
    from mkdocs.structure.pages import Page

    real = Page.render

    def render(self, config, files):
        if shards.in_shard():
            how()
        return real(self, config, files)

    monkeypatch.setattr(Page, "render", render)


def _boom() -> None:
    raise ValueError("boom")


class Unpicklable(Exception):
    def __init__(self, what: str, where: str) -> None:  # pickles, but unpickling calls it with one argument
        super().__init__(f"{what} in {where}")


def _unpicklable() -> None:
    raise Unpicklable("boom", "a shard")


def _killed() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize("how", [_boom, _unpicklable, _killed], ids=["exception", "unpicklable", "killed"])
def test_a_failing_shard_fails_the_build_and_leaves_the_site(basic: Project, forks, monkeypatch, caplog, how):
    generate(basic, cache=False)
    publish.build_site(basic, epoch=EPOCH, jobs=1)
    before = files(basic.site_dir)
    _fail_in_children(monkeypatch, how)
    with pytest.raises(DiagnosticError) as info:
        publish.build_site(basic, epoch=EPOCH, jobs=2)
    assert forks
    (problem,) = info.value.diagnostics
    if how is _boom:
        assert problem.message == "MkDocs build failed: ValueError: boom"  # as in one process
        # MkDocs' own message, from the shard that failed, shown by the parent
        assert [m for m in mkdocs_messages(caplog) if m.startswith("Error reading page")] != []
    elif how is _unpicklable:
        assert problem.message == "MkDocs build failed: Unpicklable: boom in a shard"
    else:
        assert problem.message.startswith("MkDocs build failed: a build process was stopped by signal 9 (SIGKILL)")
    assert files(basic.site_dir) == before
    assert not list(basic.root.glob(".site-*"))
    for pid in forks:  # every child was reaped
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_factsheet_build_with_one_job_builds_the_site_in_one_process(basic: Project, forks):
    from generator import pipeline

    pipeline.build(basic, cache=False, jobs=1)
    assert not forks
    pipeline.build(basic, cache=False, jobs=2)
    assert len(forks) == 1  # a second process for the second shard: the jobs setting reaches MkDocs
