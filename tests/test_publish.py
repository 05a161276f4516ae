"""Publishing: the docs folder holds exactly the pages, the site is swapped in whole or not at all.

(End-to-end cases through the command line are in test_hardening.py and test_cli.py; these pin down
the pieces of generator/publish.py, without MkDocs where it is not the point.)
"""

from __future__ import annotations

from pathlib import Path

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

