"""Publishing: the docs folder holds exactly the pages, the site is swapped in whole or not at all.

(End-to-end cases through the command line are in test_hardening.py and test_cli.py; these pin down
the pieces of generator/publish.py, without MkDocs where it is not the point.)
"""

from __future__ import annotations

import ctypes
import errno
import os
from pathlib import Path

import pytest

from generator import publish
from generator.project import Project


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


def test_swap_replaces_the_site_whole(tmp_path: Path):
    site, staging = tmp_path / "site", tmp_path / "staging"
    site.mkdir()
    (site / "old.html").write_text("old")
    staging.mkdir(mode=0o700)
    (staging / "new.html").write_text("new")
    publish._swap(staging, site)
    assert sorted(p.name for p in site.iterdir()) == ["new.html"]
    assert site.stat().st_mode & 0o777 == 0o755
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"], "no staging or old copy is left"



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
    site, staging = tmp_path / "site", tmp_path / "staging"
    site.mkdir()
    (site / "old.html").write_text("old")
    staging.mkdir()
    (staging / "new.html").write_text("new")
    assert publish._exchange(staging, site) is False
    publish._swap(staging, site)
    assert [p.name for p in site.iterdir()] == ["new.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


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


def test_a_leftover_of_the_old_site_that_cannot_be_removed_does_not_fail_the_swap(tmp_path: Path, monkeypatch):
    # The new site is in place once the exchange is done: what is left of the old one is only clean-up.
    site, staging = tmp_path / "site", tmp_path / "staging"
    site.mkdir()
    (site / "stuck.html").write_text("old")
    staging.mkdir()
    (staging / "new.html").write_text("new")
    real_unlink = os.unlink

    def unlink(path, *args, **kwargs):
        if os.fsdecode(path).endswith("stuck.html"):
            raise PermissionError(errno.EPERM, "Operation not permitted", os.fsdecode(path))
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    publish._swap(staging, site)
    assert [p.name for p in site.iterdir()] == ["new.html"]
