"""Publishing: the docs folder holds exactly the pages, the site is swapped in whole or not at all.

(End-to-end cases through the command line are in test_hardening.py and test_cli.py; these pin down
the pieces of generator/site/publish.py, without MkDocs where it is not the point.)
"""

from __future__ import annotations

import ctypes
import dataclasses
import errno
import os
import shutil
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from generator.diagnostics import Code, DiagnosticError, error
from generator.model import Where
from generator.progress import Stage, Step
from generator.project import Project
from generator.resources import default_templates
from generator.site import publish


def old_and_new_site(tmp_path: Path, old: str = "old.html", staging_mode: int = 0o777) -> tuple[Path, Path]:
    """A published site holding `old` (text "old") and a staging folder holding new.html (text "new")."""
    site, staging = tmp_path / "site", tmp_path / "staging"
    site.mkdir()
    (site / old).write_text("old")
    staging.mkdir(mode=staging_mode)
    (staging / "new.html").write_text("new")
    return site, staging


def test_write_docs_writes_changed_pages_only_and_removes_stale_ones(basic: Project):
    first = publish.write_docs(basic, {"index.md": "home\n", "actors/a.md": "a\n"}, {"data/x.csv": b"1\r\n"})
    assert {"index.md", "actors/a.md", "data/x.csv"} <= set(first.changed)
    assert first.removed == []
    assert (basic.docs_dir / "actors" / "a.md").read_text() == "a\n"
    assert (basic.docs_dir / "data" / "x.csv").read_bytes() == b"1\r\n"

    second = publish.write_docs(basic, {"index.md": "home, edited\n"})
    assert second.changed == ["index.md"]
    assert second.removed == ["actors/a.md", "data/x.csv"]
    assert not (basic.docs_dir / "actors").exists(), "a folder left empty is removed"
    assert not list(basic.docs_dir.rglob("*.tmp"))


def test_write_docs_makes_nested_folders_and_replaces_links_by_files(basic: Project, tmp_path: Path):
    outside = tmp_path / "outside.md"
    outside.write_text("outside\n")
    basic.docs_dir.mkdir(parents=True, exist_ok=True)
    (basic.docs_dir / "index.md").symlink_to(outside)  # wanted: the link goes, a file takes its place
    (basic.docs_dir / "stray.md").symlink_to(outside)  # not wanted: the link goes and is reported
    written = publish.write_docs(basic, {"index.md": "home\n", "sources/a/b/index.md": "deep\n"})
    assert (basic.docs_dir / "sources" / "a" / "b" / "index.md").read_text() == "deep\n"
    assert {"index.md", "sources/a/b/index.md"} <= set(written.changed)
    assert written.removed == ["stray.md"]
    assert not (basic.docs_dir / "index.md").is_symlink() and outside.read_text() == "outside\n"


def test_write_docs_refuses_a_docs_folder_that_is_a_link(basic: Project, tmp_path: Path):
    shutil.rmtree(basic.docs_dir, ignore_errors=True)
    (tmp_path / "elsewhere").mkdir()
    basic.docs_dir.symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(DiagnosticError) as info:
        publish.write_docs(basic, {"index.md": "home\n"})
    (problem,) = info.value.diagnostics
    assert (problem.code, problem.message) == (Code.BUILD_FAILED, "the docs folder is a symlink")
    assert not any((tmp_path / "elsewhere").iterdir())


def test_a_full_disk_is_reported_even_when_the_temporary_file_cannot_be_removed(basic: Project, monkeypatch):
    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    def stuck(self, missing_ok=False):
        raise OSError(errno.EIO, "Input/output error", str(self))

    monkeypatch.setattr(Path, "write_bytes", full)
    monkeypatch.setattr(Path, "unlink", stuck)
    with pytest.raises(DiagnosticError) as info:
        publish.write_docs(basic, {"index.md": "home\n"})
    (problem,) = info.value.diagnostics
    assert problem.code is Code.ENVIRONMENT and problem.where.path.is_relative_to(basic.docs_dir)
    assert not problem.where.path.name.endswith(".tmp"), "located at the file being written, not its copy"


def test_write_docs_removes_nested_folders_left_empty_deepest_first(basic: Project):
    publish.write_docs(basic, {"index.md": "home\n", "old/deeper/page.md": "gone\n", "old/deeper/x/y.md": "y\n"})
    written = publish.write_docs(basic, {"index.md": "home\n"})
    assert written.removed == ["old/deeper/page.md", "old/deeper/x/y.md"]
    assert not (basic.docs_dir / "old").exists()


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_the_replaced_site_is_kept_where_asked_and_nothing_else_is_left(tmp_path: Path, monkeypatch, exchange):
    """An incremental build's spare: the site it replaces, moved whole (a full build builds into it next)."""
    if not exchange:
        monkeypatch.setattr(publish, "_exchange", lambda a, b: False)
    site, staging = old_and_new_site(tmp_path)
    spare = tmp_path / "cache" / "spare-site"
    publish._swap(staging, site, keep=spare)
    publish.removed()
    assert [p.name for p in site.iterdir()] == ["new.html"]
    assert [p.name for p in spare.iterdir()] == ["old.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "site"], "no staging or old copy is left"


def test_swap_replaces_the_site_whole(tmp_path: Path):
    site, staging = old_and_new_site(tmp_path, staging_mode=0o700)
    publish._swap(staging, site)
    assert sorted(p.name for p in site.iterdir()) == ["new.html"]
    assert site.stat().st_mode & 0o777 == 0o755
    publish.removed()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"], "no staging or old copy is left"


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_the_old_site_is_removed_after_the_swap_returns(tmp_path: Path, monkeypatch, exchange):
    # Removing thousands of old files is clean-up: the new site is in place before it starts.
    if not exchange:
        monkeypatch.setattr(publish, "_exchange", lambda a, b: False)
    go = threading.Event()
    real_rmtree = shutil.rmtree

    def slow_rmtree(path, *args, **kwargs):
        go.wait(timeout=5)
        real_rmtree(path, *args, **kwargs)

    monkeypatch.setattr(publish.shutil, "rmtree", slow_rmtree)
    site, staging = old_and_new_site(tmp_path)
    publish._swap(staging, site)
    assert [p.name for p in site.iterdir()] == ["new.html"]
    assert len(list(tmp_path.iterdir())) == 2, "the old site is still being removed"
    go.set()
    publish.removed()
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_exchange_swaps_two_folders_in_one_step(tmp_path: Path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "from-a").write_text("a")
    (b / "from-b").write_text("b")
    assert publish._exchange(a, b), "Linux with a local file system exchanges in one step"
    assert [p.name for p in a.iterdir()] == ["from-b"] and [p.name for p in b.iterdir()] == ["from-a"]


def test_exchange_reports_a_real_failure_with_its_errno_and_path(tmp_path: Path):
    ctypes.set_errno(errno.EACCES)  # left by an earlier call: the error reported must be this call's own
    with pytest.raises(FileNotFoundError) as info:
        publish._exchange(tmp_path / "missing", tmp_path / "site")
    assert info.value.errno == errno.ENOENT
    assert info.value.strerror == os.strerror(errno.ENOENT)
    assert info.value.filename == str(tmp_path / "site")


def test_exchange_is_not_tried_where_the_system_has_no_renameat2(tmp_path: Path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "from-a").write_text("a")
    monkeypatch.setattr(publish.sys, "platform", "darwin")
    assert publish._exchange(a, b) is False
    monkeypatch.setattr(publish.sys, "platform", "linux")

    def old_c_library(*args, **kwargs):
        raise AttributeError("renameat2")  # glibc before 2.28, musl before 1.2.2

    monkeypatch.setattr(publish.ctypes, "CDLL", old_c_library)
    assert publish._exchange(a, b) is False
    assert [p.name for p in a.iterdir()] == ["from-a"] and not any(b.iterdir())


@pytest.mark.parametrize("code", [errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP])
def test_swap_falls_back_to_two_renames_where_exchange_is_unsupported(tmp_path: Path, monkeypatch, code):
    class NoExchange:
        @staticmethod
        def renameat2(*args):
            return -1

    monkeypatch.setattr(publish.ctypes, "CDLL", lambda *args, **kwargs: NoExchange())
    monkeypatch.setattr(publish.ctypes, "get_errno", lambda: code)
    site, staging = old_and_new_site(tmp_path)
    assert publish._exchange(staging, site) is False
    renames: list[tuple[Path, Path]] = []
    real_replace = os.replace

    def replace(src, dst):
        renames.append((Path(src), Path(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    publish._swap(staging, site)
    assert [p.name for p in site.iterdir()] == ["new.html"]
    publish.removed()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    # The old site waits where the next build looks for it (`recover`): beside the site, as .site-old-*/site.
    (first, kept), second = renames
    assert first == site and kept.name == "site" and kept.parent.name.startswith(".site-old-")
    assert kept.parent.parent == site.parent and second == (staging, site)


def test_recover_puts_back_only_a_real_folder_left_by_a_killed_swap(tmp_path: Path):
    site = tmp_path / "site"
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "site").mkdir(parents=True)
    (tmp_path / ".site-old-link").symlink_to(elsewhere, target_is_directory=True)  # a link is never followed
    (tmp_path / ".site-old-file").write_text("not a folder")
    assert publish.recover(site) is False and not site.exists()
    (tmp_path / ".site-old-real" / "site").mkdir(parents=True)
    (tmp_path / ".site-old-real" / "site" / "index.html").write_text("the previous site")
    assert publish.recover(site) is True
    assert (site / "index.html").read_text() == "the previous site"
    assert (elsewhere / "site").is_dir(), "the linked folder was not moved"


@pytest.fixture
def stuck_files(monkeypatch) -> None:
    """A file named stuck.html cannot be removed (as on a folder whose permissions changed under us)."""
    real_unlink = os.unlink

    def unlink(path, *args, **kwargs):
        if os.fsdecode(path).endswith("stuck.html"):
            raise PermissionError(errno.EPERM, "Operation not permitted", os.fsdecode(path))
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_an_old_site_that_cannot_be_removed_does_not_fail_the_swap(tmp_path: Path, monkeypatch, exchange, stuck_files):
    # The new site is in place once the exchange (or the second rename) is done: removing the old one is clean-up.
    if not exchange:
        monkeypatch.setattr(publish, "_exchange", lambda a, b: False)
    site, staging = old_and_new_site(tmp_path, old="stuck.html")
    publish._swap(staging, site)
    assert [p.name for p in site.iterdir()] == ["new.html"]


def test_write_docs_keeps_hidden_files_of_the_docs_folder(basic: Project):
    # generated/.gitignore is committed: the docs folder is ours, but not its dot files.
    basic.docs_dir.mkdir(parents=True, exist_ok=True)
    (basic.docs_dir / ".gitignore").write_text("*\n")
    (basic.docs_dir / ".editor").mkdir()  # an editor's own folder, empty for now: not ours to remove either
    written = publish.write_docs(basic, {"index.md": "home\n"})
    assert (basic.docs_dir / ".gitignore").read_text() == "*\n" and ".gitignore" not in written.removed
    assert (basic.docs_dir / ".editor").is_dir()


def test_write_docs_gives_the_hash_of_every_file_the_folder_holds_without_reading_it_again(basic: Project):
    """`hashed`: the site's record's hashes of the docs folder come from the bytes written (and `shas`), so
    that build_site need not read 60 MB again; they equal incremental.docs_hashes of the folder."""
    from generator.site import incremental

    basic.docs_dir.mkdir(parents=True, exist_ok=True)
    (basic.docs_dir / ".gitignore").write_text("*\n")  # not ours, kept: read and hashed
    (basic.docs_dir / "stale.md").write_text("gone\n")
    pages = {"index.md": "home\n", "actors/a.md": "a\n"}
    written = publish.write_docs(basic, pages, {"data/x.csv": b"1\r\n"}, hashed=True)
    assert written.docs == incremental.docs_hashes(basic.docs_dir)
    assert publish.write_docs(basic, pages).docs is None, "hashed only when asked"
    # A hash the caller knows is taken as given (here a wrong one, to show it is not computed again).
    told = publish.write_docs(basic, pages, shas={"index.md": "told"}, hashed=True)
    assert told.docs is not None and told.docs["index.md"] == "told"
    assert told.docs["actors/a.md"] == incremental.docs_hashes(basic.docs_dir)["actors/a.md"]


def test_write_docs_does_not_read_again_what_the_caller_found_in_place(basic: Project):
    """`same`: files the caller just read and found as wanted (an incremental build's unchanged pages)
    are not compared again; any other file is, and a link is never taken for one."""
    publish.write_docs(basic, {"index.md": "home\n", "a.md": "a\n"})
    (basic.docs_dir / "a.md").write_text("changed behind the caller's back\n")
    written = publish.write_docs(basic, {"index.md": "home\n", "a.md": "a\n"}, same={"a.md", "index.md"})
    assert written.changed == [] and (basic.docs_dir / "a.md").read_text() == "changed behind the caller's back\n"
    written = publish.write_docs(basic, {"index.md": "home\n", "a.md": "a\n"})
    assert written.changed == ["a.md"] and (basic.docs_dir / "a.md").read_text() == "a\n"
    (basic.docs_dir / "index.md").unlink()
    (basic.docs_dir / "index.md").symlink_to(basic.docs_dir / "a.md")
    written = publish.write_docs(basic, {"index.md": "home\n", "a.md": "a\n"}, same={"index.md"})
    assert written.changed == ["index.md"] and not (basic.docs_dir / "index.md").is_symlink()
    assert (basic.docs_dir / "index.md").read_text() == "home\n"


@pytest.fixture
def fake_mkdocs(monkeypatch) -> list[dict]:
    """build_site with a stand-in for MkDocs that records how it was called and writes a one-page site."""
    calls: list[dict] = []

    def run_mkdocs(project, site_dir, *, strict=False, epoch=None, **more):  # more: configure, dirty
        calls.append({"site_dir": Path(site_dir), "strict": strict, "epoch": epoch, **more})
        (Path(site_dir) / "index.html").write_text(f"build {len(calls)}")

    monkeypatch.setattr(publish, "run_mkdocs", run_mkdocs)
    return calls


def test_build_site_stages_beside_the_site_and_passes_its_settings_on(basic: Project, fake_mkdocs):
    publish.build_site(basic)
    publish.build_site(basic, strict=True, epoch=86400, jobs=3, detach=True)
    first, second = fake_mkdocs
    assert (first["strict"], first["epoch"], first["jobs"]) == (False, None, None)
    assert (second["strict"], second["epoch"], second["jobs"]) == (True, 86400, 3)
    for call in fake_mkdocs:  # beside the site: the swap is a rename within one file system
        assert call["site_dir"].parent == basic.site_dir.parent and call["site_dir"].name.startswith(".site-new-")
    assert (basic.site_dir / "index.html").read_text() == "build 2"
    publish.removed()  # the old site is removed in a thread, after build_site returns
    assert not list(basic.root.glob(".site-*"))


def test_a_build_returns_once_the_old_site_is_gone_unless_told_not_to_wait(basic: Project, fake_mkdocs, monkeypatch):
    real_rmtree = shutil.rmtree

    def slow_rmtree(path, *args, **kwargs):  # thousands of old files take a while
        time.sleep(0.3)
        real_rmtree(path, *args, **kwargs)

    monkeypatch.setattr(publish.shutil, "rmtree", slow_rmtree)
    publish.build_site(basic)
    publish.build_site(basic)
    assert not list(basic.root.glob(".site-*")), "the old site removed before build_site returned"
    publish.build_site(basic, detach=True)
    assert list(basic.root.glob(".site-*")), "still being removed: the command line reports the build first"
    publish.removed()
    assert not list(basic.root.glob(".site-*"))


def test_leftovers_that_cannot_be_removed_do_not_stop_the_build(basic: Project, fake_mkdocs, stuck_files):
    publish.build_site(basic)
    (basic.root / ".site-new-killed").mkdir()
    (basic.root / ".site-new-killed" / "stuck.html").write_text("left by a killed build")
    publish.build_site(basic)
    assert (basic.site_dir / "index.html").read_text() == "build 2"


@pytest.mark.parametrize("failure", ["mkdocs", "swap"])
def test_a_staging_folder_that_cannot_be_removed_does_not_hide_why_the_build_failed(
    basic: Project, monkeypatch, stuck_files, failure
):
    def run_mkdocs(project, site_dir, *, strict=False, epoch=None, **more):
        (Path(site_dir) / "stuck.html").write_text("half a site")
        if failure == "mkdocs":
            raise DiagnosticError([error(Where(project.mkdocs_yml), Code.BUILD_FAILED, "theme exploded")])

    def swap(staging, site, keep=None):
        raise PermissionError(errno.EACCES, "Permission denied", str(site))

    monkeypatch.setattr(publish, "run_mkdocs", run_mkdocs)
    monkeypatch.setattr(publish, "_swap", swap)
    with pytest.raises(DiagnosticError) as info:
        publish.build_site(basic)
    (problem,) = info.value.diagnostics
    expected = "theme exploded" if failure == "mkdocs" else "could not put the new site in place: Permission denied"
    assert (problem.code, problem.message) == (Code.BUILD_FAILED, expected)


def test_recover_leaves_a_site_that_is_there_and_takes_the_newest_of_several_kept(tmp_path: Path):
    site = tmp_path / "site"
    for name, stamp in (("older", 1_000_000_000), ("newer", 2_000_000_000)):
        kept = tmp_path / f".site-old-{name}" / "site"
        kept.mkdir(parents=True)
        (kept / "index.html").write_text(name)
        os.utime(kept, ns=(stamp * 10**9, stamp * 10**9))
    site.mkdir()
    assert publish.recover(site) is False, "a site is in place: nothing to put back"
    site.rmdir()
    assert publish.recover(site) is True
    assert (site / "index.html").read_text() == "newer"


def test_walk_lists_a_link_to_a_folder_but_never_what_it_points_to(tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.html").write_text("not ours")
    folder = tmp_path / "docs"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "page.md").write_text("x")
    (folder / "link").symlink_to(outside, target_is_directory=True)
    assert [p.relative_to(folder).as_posix() for p in publish._walk(folder)] == ["a/page.md", "a", "link"]
    assert publish._files_below(folder) == {"a/page.md": b"x"}
    assert publish._files_below(tmp_path / "link-to-docs") == {}
    (tmp_path / "link-to-docs").symlink_to(folder, target_is_directory=True)
    assert publish._files_below(tmp_path / "link-to-docs") == {}, "a linked folder is not read through"


def test_a_site_folder_that_is_a_link_is_refused_by_name(basic: Project, tmp_path: Path):
    (tmp_path / "elsewhere").mkdir()
    basic.site_dir.symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(DiagnosticError) as info:
        publish.build_site(basic)
    (problem,) = info.value.diagnostics
    assert (problem.code, problem.message) == (Code.BUILD_FAILED, "the site folder is a symlink")


def test_a_build_clears_what_killed_builds_left_beside_the_site(basic: Project, fake_mkdocs):
    publish.build_site(basic)
    for leftover in (".site-new-killed", ".site-old-killed"):
        (basic.root / leftover / "site").mkdir(parents=True)
        (basic.root / leftover / "site" / "index.html").write_text("left by a killed build")
    (basic.root / ".site-other").mkdir()  # not a name a build uses: not ours to remove
    publish.build_site(basic)
    publish.removed()
    assert sorted(p.name for p in basic.root.glob(".site-*")) == [".site-other"]
    assert (basic.site_dir / "index.html").read_text() == "build 2"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def two_sites(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """A site in place (a page and a nested stylesheet) and a staged new one, where exchange is unsupported."""
    monkeypatch.setattr(publish, "_exchange", lambda a, b: False)
    site, staging = tmp_path / "site", tmp_path / ".site-new-x"
    (site / "css").mkdir(parents=True)
    (site / "index.html").write_text("old home")
    (site / "css" / "site.css").write_text("old style")
    staging.mkdir()
    (staging / "index.html").write_text("new home")
    return site, staging


@pytest.mark.parametrize("failing", ["site -> .site-old-*/site", "staging -> site"])
def test_a_swap_whose_rename_fails_leaves_the_old_site_whole_in_place_and_nothing_beside_it(
    two_sites, monkeypatch, failing
):
    # The first rename failing leaves the site where it was; the second, after the site was moved aside,
    # puts it back. Either way the error is the one the system gave, and no .site-old-* is left to recover.
    site, staging = two_sites
    before = _files(site)
    refused = PermissionError(errno.EACCES, "Permission denied", str(site))
    real_replace = os.replace
    fails = site if failing.startswith("site") else staging

    def replace(src, dst):
        if Path(src) == fails:
            raise refused
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(PermissionError) as info:
        publish._swap(staging, site)
    assert info.value is refused
    assert _files(site) == before
    assert sorted(p.name for p in site.parent.iterdir()) == [staging.name, "site"]
    assert _files(staging) == {"index.html": b"new home"}, "the staging folder is build_site's to remove"


@pytest.mark.parametrize("failure", [DiagnosticError, KeyboardInterrupt])
def test_a_failed_or_interrupted_mkdocs_run_leaves_the_site_and_no_staging_folder(
    basic: Project, fake_mkdocs, monkeypatch, failure
):
    publish.build_site(basic)

    def run_mkdocs(project, site_dir, **settings):
        (Path(site_dir) / "index.html").write_text("half a site")
        if failure is KeyboardInterrupt:
            raise KeyboardInterrupt
        raise DiagnosticError([error(Where(project.mkdocs_yml), Code.BUILD_FAILED, "theme exploded")])

    monkeypatch.setattr(publish, "run_mkdocs", run_mkdocs)
    with pytest.raises(failure):
        publish.build_site(basic)
    assert (basic.site_dir / "index.html").read_text() == "build 1"
    assert not list(basic.root.glob(".site-*"))


def test_a_new_site_that_cannot_be_put_in_place_is_removed_and_the_old_one_kept(
    basic: Project, fake_mkdocs, monkeypatch
):
    publish.build_site(basic, remember=True)
    publish.build_site(basic, remember=True)  # build 1's site kept as the spare: build 3 sets it aside

    def swap(staging, site, keep=None):
        raise PermissionError(errno.EACCES, "Permission denied", str(site))

    monkeypatch.setattr(publish, "_swap", swap)
    with pytest.raises(DiagnosticError) as info:
        publish.build_site(basic, remember=True)
    (problem,) = info.value.diagnostics
    assert problem.message == "could not put the new site in place: Permission denied"
    assert (basic.site_dir / "index.html").read_text() == "build 2"
    publish.removed()
    assert len(fake_mkdocs) == 3 and not list(basic.root.glob(".site-*")), "build 3 and the old spare removed"


def test_a_build_that_reports_progress_stages_beside_the_site_with_its_settings(basic: Project, fake_mkdocs):
    steps: list[Step] = []
    publish.build_site(basic, strict=True, epoch=86400, progress=steps.append)
    (call,) = fake_mkdocs
    assert call["site_dir"].parent == basic.site_dir.parent and call["site_dir"].name.startswith(".site-new-")
    assert (call["strict"], call["epoch"]) == (True, 86400)
    assert (basic.site_dir / "index.html").read_text() == "build 1"
    # The configure step hooks a plugin that counts the pages MkDocs writes.
    config = SimpleNamespace(plugins={})
    call["configure"](config)
    counter = config.plugins["factsheet-progress"]
    counter.on_files(SimpleNamespace(documentation_pages=lambda: ["index.md", "a.md"]), config=config)
    counter.on_post_page("<html>", page=None, config=config)
    assert steps == [Step(Stage.SITE), Step(Stage.SITE, 0, 2), Step(Stage.SITE, 1, 2)]


def test_write_docs_copies_the_template_assets_the_fact_sheets_own_over_the_defaults(basic: Project):
    own = basic.templates_dir / "assets"
    (own / "img").mkdir(parents=True)
    (own / "img" / "logo.svg").write_text("<svg/>")
    (own / "factsheet.css").write_text("/* the fact sheet's own */")
    written = publish.write_docs(basic, {"index.md": "home\n"})
    assets = basic.docs_dir / "assets"
    assert (assets / "img" / "logo.svg").read_text() == "<svg/>"
    assert (assets / "factsheet.css").read_text() == "/* the fact sheet's own */"
    assert {"assets/img/logo.svg", "assets/factsheet.css"} <= set(written.changed)
    (own / "factsheet.css").unlink()
    publish.write_docs(basic, {"index.md": "home\n"})
    assert (assets / "factsheet.css").read_bytes() == (default_templates() / "assets" / "factsheet.css").read_bytes()


def test_write_docs_makes_a_docs_folder_whose_parent_is_missing(basic: Project):
    project = dataclasses.replace(basic, docs_dir=basic.root / "build" / "generated")
    written = publish.write_docs(project, {"index.md": "home\n"})
    assert (project.docs_dir / "index.md").read_text() == "home\n" and "index.md" in written.changed


@pytest.mark.parametrize("stage", ["writing the temporary file", "renaming it"])
def test_a_failed_write_leaves_no_temporary_file_and_is_located_at_the_page(basic: Project, monkeypatch, stage):
    page, tmp = basic.docs_dir / "index.md", basic.docs_dir / ".index.md.tmp"
    real_write, real_replace = Path.write_bytes, os.replace

    def full():  # the error names the temporary file, as the system's would
        return OSError(errno.ENOSPC, "No space left on device", str(tmp))

    def write_bytes(self, data):  # before the temporary file exists: nothing to remove, and no other error
        if self == tmp and stage == "writing the temporary file":
            raise full()
        return real_write(self, data)

    def replace(src, dst):  # after the temporary file was written
        if Path(src) == tmp and stage == "renaming it":
            raise full()
        real_replace(src, dst)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(DiagnosticError) as info:
        publish.write_docs(basic, {"index.md": "home\n"})
    (problem,) = info.value.diagnostics
    assert problem.code is Code.ENVIRONMENT and problem.message == "stopped by the system: No space left on device"
    assert problem.where.path == page
    assert not list(basic.docs_dir.rglob("*.tmp")) and not page.exists()


def test_an_incremental_build_has_mkdocs_rebuild_only_the_pages_changed_since_the_remembered_site(
    basic: Project, fake_mkdocs
):
    pages = {"index.md": "home\n", "a.md": "a\n"}
    publish.write_docs(basic, pages)
    publish.build_site(basic, remember=True)
    publish.write_docs(basic, pages | {"index.md": "home, edited\n"})
    publish.build_site(basic, incremental=True, remember=True)
    publish.write_docs(basic, pages | {"index.md": "home, edited\n", "b.md": "new\n"})
    publish.build_site(basic, incremental=True, remember=True)  # a page added: links elsewhere may change
    publish.build_site(basic, incremental=True)  # nothing changed; not remembered, so the record goes
    publish.build_site(basic, incremental=True)
    assert [call.get("dirty") for call in fake_mkdocs] == [None, {"index.md"}, None, set(), None]
    assert (basic.site_dir / "index.html").read_text() == "build 5"


@pytest.mark.parametrize(
    ("second", "dirty"),
    [
        ({"incremental": True, "remember": True}, {"index.md"}),  # the same settings: only the edited page
        ({"remember": True}, None),  # a build is full unless asked to be incremental
        ({"incremental": True, "remember": True, "epoch": 172800}, None),  # another build date: every page
        ({"incremental": True, "remember": True, "strict": True}, None),  # strict checks every page's links
    ],
    ids=["same-settings", "not-asked", "other-date", "strict"],
)
def test_an_incremental_build_reuses_the_site_only_when_asked_and_built_the_same_way(
    basic: Project, fake_mkdocs, second, dirty
):
    pages = {"index.md": "home\n", "a.md": "a\n"}
    publish.write_docs(basic, pages)
    publish.build_site(basic, remember=True, epoch=86400)
    publish.write_docs(basic, pages | {"index.md": "home, edited\n"})
    publish.build_site(basic, **{"epoch": 86400} | second)
    assert fake_mkdocs[-1].get("dirty") == dirty


def test_the_theme_templates_are_kept_compiled_in_a_private_user_folder(basic: Project, tmp_path: Path, monkeypatch):
    from generator import cache
    from generator.pipeline import generate

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    generate(basic, cache=False)
    first = publish.run_mkdocs(basic, tmp_path / "first", epoch=86400)
    folder = cache.compiled_theme_dir()
    assert folder is not None and folder.is_relative_to(tmp_path / "user-cache" / "factsheet" / "theme-templates")
    assert first.theme.get_env().bytecode_cache.directory == str(folder)
    kept = sorted(p.name for p in folder.glob("*.cache"))
    assert len(kept) > 10, "Material's templates were compiled into the folder"
    publish.run_mkdocs(basic, tmp_path / "second", epoch=86400)  # from the kept code: the same site
    site = {p.relative_to(tmp_path / "first"): p.read_bytes() for p in (tmp_path / "first").rglob("*") if p.is_file()}
    again = {
        p.relative_to(tmp_path / "second"): p.read_bytes() for p in (tmp_path / "second").rglob("*") if p.is_file()
    }
    assert again == site and sorted(p.name for p in folder.glob("*.cache")) == kept
    folder.chmod(0o777)  # anyone could plant code here: not used
    assert cache.compiled_theme_dir() is None
    assert publish.run_mkdocs(basic, tmp_path / "third", epoch=86400).theme.get_env().bytecode_cache is None


def test_the_theme_listing_skips_hidden_folders_and_mkdocs_copies_the_same_files(basic: Project, tmp_path: Path):
    """MkDocs lists the theme's files to copy its static ones; Material's 14,000 icons in `.icons` are never
    copied, so the listing leaves hidden folders out: the files MkDocs adds are the same."""
    import jinja2
    from mkdocs.structure.files import Files

    from generator.pipeline import generate

    generate(basic, cache=False)
    config = publish.run_mkdocs(basic, tmp_path / "site", epoch=86400)
    env = config.theme.get_env()
    plain = jinja2.Environment(loader=jinja2.FileSystemLoader(list(config.theme.dirs)))
    listed, everything = env.list_templates(), plain.list_templates()
    assert sum(name.startswith(".icons/") for name in everything) > 10_000
    assert set(listed) < set(everything)
    assert not any(part.startswith(".") for name in listed for part in name.split("/")[:-1])
    ours, theirs = Files([]), Files([])
    ours.add_files_from_theme(env, config)
    theirs.add_files_from_theme(plain, config)
    assert [f.src_uri for f in ours] == [f.src_uri for f in theirs] and len(ours) > 10
    assert env.get_template(".icons/material/magnify.svg").render()  # loading is unchanged


def _site_files(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below `folder`: its bytes and inode (a file written through a hard link keeps its inode)."""
    found = [p for p in folder.rglob("*") if p.is_file()]
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_ino) for p in found}


def test_an_incremental_build_builds_into_the_site_it_replaced_and_never_writes_through_it(
    basic: Project, tmp_path: Path
):
    """The site a build replaced is kept (incremental.spare_site) and the next incremental build builds into
    it: whatever the spare holds, the result is a full build's site, and no file of the published site is
    written through a link the spare holds."""
    from generator.pipeline import build
    from generator.site import incremental

    from .test_incremental import edit, files, folders, full_build

    build(basic)
    edit(basic.root, "fact text", "Edited once", 0)
    build(basic)  # incremental: the first build's site is kept
    spare = incremental.spare_site(basic.root)
    assert spare is not None and (spare / "index.html").is_file() and not list(basic.root.glob(".site-*"))
    edit(basic.root, "fact text", "Edited twice", 1)
    # What a spare may hold besides a site: a stray file, a link out, a page changed, a folder no page has,
    # and a hard link of the published site's file where MkDocs is about to write the edited position's page.
    (tmp_path / "outside.html").write_text("outside")
    (spare / "stray.html").write_text("stray")
    (spare / "out.html").symlink_to(tmp_path / "outside.html")
    unchanged = next(p for p in sorted(spare.rglob("index.html")) if "Edited" not in p.read_text())
    unchanged.unlink()
    unchanged.write_text("changed in the spare")
    (spare / "nowhere" / "deep").mkdir(parents=True)
    rebuilt = "topics/sanctions/index.html"
    (spare / rebuilt).unlink()
    os.link(basic.site_dir / rebuilt, spare / rebuilt)
    published = _site_files(basic.site_dir)
    folder_inode = (spare / "actors").stat().st_ino

    build(basic)

    assert (basic.site_dir / "actors").stat().st_ino == folder_inode, "the spare became the new site"
    assert "Edited twice" in (basic.site_dir / rebuilt).read_text()
    assert _site_files(spare) == published, "the replaced site, kept, is the published one as it was"
    assert (tmp_path / "outside.html").read_text() == "outside"
    full = full_build(basic.root, tmp_path / "full")
    assert files(basic.site_dir) == full
    assert folders(basic.site_dir) == folders(tmp_path / "full" / "site")


def test_after_a_full_build_the_spare_holds_the_new_pages_so_the_next_build_links_none_of_them_again(
    basic: Project, tmp_path: Path
):
    """A full build keeps the site it replaced as the spare, every file of it stale: its pages are made the
    new site's own (hard links) before the build ends, as an incremental build leaves its spare, so the next
    incremental build keeps them instead of removing and linking each one again."""
    from unittest import mock

    from generator.pipeline import build
    from generator.site import incremental

    from .test_incremental import edit, files, full_build

    build(basic)
    build(basic, full=True)  # replaces the first build's site, which becomes the spare
    spare = incremental.spare_site(basic.root)
    assert spare is not None
    pages = sorted(p.relative_to(basic.site_dir).as_posix() for p in basic.site_dir.rglob("*.html"))
    assert len(pages) > 10
    assert all((spare / p).stat().st_ino == (basic.site_dir / p).stat().st_ino for p in pages)
    edit(basic.root, "fact text", "Edited after a full build", 0)
    linked: list[object] = []
    real = os.link
    with mock.patch.object(os, "link", side_effect=lambda *a, **k: linked.append(a) or real(*a, **k)):
        generated, _ = build(basic)
    assert 0 < generated.rendered < len(generated.pages)  # an incremental build, into the spare
    assert linked == []
    assert files(basic.site_dir) == full_build(basic.root, tmp_path / "full")


def test_the_spare_made_ready_after_a_full_build_is_never_written_through_a_link(basic: Project, tmp_path: Path):
    from generator.pipeline import build
    from generator.site import incremental

    from .test_incremental import edit, files, full_build

    build(basic)
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(basic.site_dir / "actors")  # the site replaced next holds a link out where a folder was
    (basic.site_dir / "actors").symlink_to(outside, target_is_directory=True)
    build(basic, full=True)
    spare = incremental.spare_site(basic.root)
    assert spare is not None and (spare / "actors").is_symlink() and (spare / "index.html").is_file()
    assert list(outside.iterdir()) == []
    edit(basic.root, "fact text", "Edited after a full build", 0)
    build(basic)
    assert list(outside.iterdir()) == [] and not (basic.site_dir / "actors").is_symlink()
    assert files(basic.site_dir) == full_build(basic.root, tmp_path / "full")


def test_a_build_that_fails_in_the_spare_site_leaves_the_published_site_as_it_was(basic: Project):
    from unittest import mock

    from generator.pipeline import build
    from generator.site import incremental

    from .test_incremental import edit

    build(basic)
    edit(basic.root, "fact text", "Edited once", 0)
    build(basic)
    spare = incremental.spare_site(basic.root)
    assert spare is not None and spare.is_dir()
    published = _site_files(basic.site_dir)
    edit(basic.root, "fact text", "Edited twice", 1)
    # MkDocs fails after the spare was made ready (its stale files removed, the unchanged pages linked).
    with (
        mock.patch.object(incremental.SearchEntries, "start", side_effect=RuntimeError("boom")),
        pytest.raises(DiagnosticError),
    ):
        build(basic)
    assert _site_files(basic.site_dir) == published
    assert not list(basic.root.glob(".site-*"))
    build(basic)  # and the next build is right again (a full one: no spare left)
    assert "Edited twice" in (basic.site_dir / "topics/sanctions/index.html").read_text()


def test_a_full_or_uncached_build_keeps_no_out_of_date_spare(basic: Project, fake_mkdocs):
    from generator.site import incremental

    publish.write_docs(basic, {"index.md": "home\n"})
    publish.build_site(basic, remember=True)
    first = basic.site_dir.stat().st_ino
    publish.build_site(basic, remember=True)  # the first site is kept, its pages made the second's (links)
    spare = incremental.spare_site(basic.root)
    assert spare is not None and spare.stat().st_ino == first
    assert (spare / "index.html").stat().st_ino == (basic.site_dir / "index.html").stat().st_ino
    second = basic.site_dir.stat().st_ino
    publish.build_site(basic, remember=True)  # a full build does not take it: the site it replaced is kept
    assert spare.stat().st_ino == second and (spare / "index.html").read_text() == "build 3"
    publish.build_site(basic)  # not remembered (no cache, --strict): nothing kept
    publish.removed()
    assert not spare.exists() and not list(basic.root.glob(".site-*"))
    assert (basic.site_dir / "index.html").read_text() == "build 4"


def test_a_cache_folder_that_is_a_link_keeps_no_spare_and_the_builds_go_on(basic: Project, fake_mkdocs, tmp_path):
    """The spare lives in the fact sheet's cache: where that is a link (a pull request can add one), builds
    keep nothing there and write nothing through it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (basic.root / ".cache").symlink_to(outside, target_is_directory=True)
    publish.write_docs(basic, {"index.md": "home\n"})
    for _ in range(3):
        publish.build_site(basic, remember=True)
    publish.removed()
    assert (basic.site_dir / "index.html").read_text() == "build 3"
    assert not list(outside.rglob("*")) and not list(basic.root.glob(".site-*"))


def test_builds_after_a_dirty_preview_build_in_the_same_process_write_the_whole_search_index_once(
    basic: Project, tmp_path: Path
) -> None:
    # MkDocs keeps one instance of a plugin with on_startup per process (its plugin cache); Material's
    # search plugin started for a dirty `serve` then kept each index to merge into the next build's, the
    # offline bundle's (other page addresses) included.
    import zipfile

    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    from generator.pipeline import build, bundle

    def indexes() -> tuple[bytes, bytes]:
        build(basic, full=True)
        _, bundles = bundle(basic)
        with zipfile.ZipFile(bundles.offline_zip.path) as z:
            offline = z.read(next(n for n in z.namelist() if n.endswith("search/search_index.json")))
        return (basic.site_dir / "search" / "search_index.json").read_bytes(), offline

    expected = indexes()
    config = load_config(str(basic.mkdocs_yml), hooks=[], site_dir=str(tmp_path / "served"))
    config.plugins.on_startup(command="serve", dirty=True)
    try:
        mkdocs_build(config, dirty=True)
        assert indexes() == expected
    finally:  # leave no started serve behind for the next test
        publish._fresh_start(config)
