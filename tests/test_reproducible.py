"""Reproducible output: two builds of the same inputs are byte-identical, with the build date pinned."""

from __future__ import annotations

import calendar
import gzip
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

from generator.pipeline import build, check
from generator.project import Project
from generator.site.publish import source_date_epoch

from .conftest import copy_tree
from .test_factdiff import GIT_ENV


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def gzip_mtime(path: Path) -> int:
    return struct.unpack("<I", path.read_bytes()[4:8])[0]


def test_two_builds_in_different_folders_are_byte_identical(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    sites = []
    for name in ("first", "second"):
        project = copy_tree("repo", tmp_path / name)
        _, site = build(project, strict=True)
        sites.append(files(site))
    first, second = sites
    assert sorted(first) == sorted(second)
    different = [path for path in first if first[path] != second[path]]
    assert not different, f"builds differ in {different}"
    assert "sitemap.xml.gz" in first and "search/search_index.json" in first
    assert "SOURCE_DATE_EPOCH" not in os.environ, "the pinned date must not leak out of the build"


def test_builds_in_processes_with_different_hash_seeds_are_byte_identical(tmp_path):
    """Two `factsheet build` commands, each in a process of its own with its own string hashing: a set or
    dict whose order depends on the hash seed (and so changes from one run to the next) shows here, where
    two builds in one process would share it. The real sheet's pages are enough for MkDocs to run in shards,
    so the shards' merge is covered too."""
    built = []
    for seed in ("1", "2"):
        project = copy_tree("repo", tmp_path / f"seed-{seed}")
        env = {**os.environ, "PYTHONHASHSEED": seed}
        env.pop("SOURCE_DATE_EPOCH", None)
        command = [sys.executable, "-m", "generator", "build", "--root", str(project.root)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
        assert result.returncode == 0, result.stderr
        built.append((files(project.site_dir), files(project.docs_dir)))
    (first_site, first_docs), (second_site, second_docs) = built
    assert sorted(first_site) == sorted(second_site) and sorted(first_docs) == sorted(second_docs)
    assert [p for p in first_site if first_site[p] != second_site[p]] == []
    assert [p for p in first_docs if first_docs[p] != second_docs[p]] == []


def test_build_date_is_pinned_to_the_inputs_not_to_today(basic, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    newest = max(s.date for s in check(basic).facts.sources.values() if s.date is not None)
    expected = calendar.timegm((newest.year, newest.month or 1, newest.day or 1, 0, 0, 0))
    assert source_date_epoch(basic, check(basic).facts) == expected
    _, site = build(basic)
    assert gzip_mtime(site / "sitemap.xml.gz") == expected
    assert gzip.decompress((site / "sitemap.xml.gz").read_bytes()) == (site / "sitemap.xml").read_bytes()


def test_source_date_epoch_wins_then_the_last_commit(tmp_path, monkeypatch, basic):
    facts = check(basic).facts
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert source_date_epoch(basic, facts) == 1700000000
    monkeypatch.delenv("SOURCE_DATE_EPOCH")

    root = tmp_path / "repo"
    shutil.copytree(basic.root, root)
    env = {**os.environ, **GIT_ENV}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "facts"]):
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)
    project = Project.at(root, templates_dir=root / "templates")
    assert source_date_epoch(project, facts) == calendar.timegm((2022, 1, 1, 12, 0, 0))
