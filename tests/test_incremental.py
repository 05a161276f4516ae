"""Incremental builds (generator/site/incremental.py): after any edits, the site is the one a full build makes."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from generator.cache import CACHE_DIR
from generator.pipeline import build
from generator.project import Project
from generator.resources import default_templates
from generator.site import publish, shards

from .conftest import copy_tree

WORDS = ("sanctions", "talks", "Geneva", "border", "troops", "call", "warned", "said", "new", "ties")
POSITION = "facts/positions/biden-threatens-sanctions.yaml"


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def folders(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_dir()}


def edit(root: Path, kind: str, words: str, n: int) -> None:
    """One edit as an editor would make it, keeping the fact sheet valid."""
    if kind == "fact text":
        path = root / POSITION
        text = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text(
            "".join(f'stance: "{words}"\n' if line.startswith("stance:") else line for line in text), encoding="utf-8"
        )
    elif kind == "add fact":
        text = (root / POSITION).read_text(encoding="utf-8")
        text = text.replace("id: biden-threatens-sanctions", f"id: added-position-{n}")
        (root / f"facts/positions/added-position-{n}.yaml").write_text(text, encoding="utf-8")
    elif kind == "remove fact":
        added = sorted((root / "facts/positions").glob("added-position-*.yaml"))
        (added[0] if added else root / "facts/positions/putin-sanctions-breach-of-ties.yaml").unlink(missing_ok=True)
    elif kind == "add actor":
        text = (root / "facts/actors/yuri-ushakov.yaml").read_text(encoding="utf-8")
        text = text.replace("id: yuri-ushakov", f"id: added-actor-{n}")
        text = text.replace('name: "Yuri Ushakov"', f'name: "Added Actor {n} {words}"')
        (root / f"facts/actors/added-actor-{n}.yaml").write_text(text, encoding="utf-8")
    elif kind == "seed text":  # a paragraph no fact quotes, and the article's recorded hash to match
        path = root / "seeds/courier-second-call-50-minutes.md"
        head, body = path.read_text(encoding="utf-8").split("\n---\n", 1)
        body = body.rstrip("\n") + f"\n\nUnquoted: {words}.\n"
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
        head = re.sub(r"(?m)^original_sha256: .*$", f"original_sha256: {digest}", head)
        path.write_text(f"{head}\n---\n{body}", encoding="utf-8")
    elif kind == "rename id":  # a position's id and file: its topic's and actors' pages list it by id
        others = sorted(p for p in (root / "facts/positions").glob("*.yaml") if p.name != Path(POSITION).name)
        if others:
            old_id = others[-1].stem
            text = others[-1].read_text(encoding="utf-8").replace(f"id: {old_id}", f"id: renamed-{n}-{old_id}")
            (root / f"facts/positions/renamed-{n}-{old_id}.yaml").write_text(text, encoding="utf-8")
            others[-1].unlink()
    elif kind == "actor name":  # shown on the pages of his positions' topics, events, sources, lists
        path = root / "facts/actors/vladimir-putin.yaml"
        text = re.sub(r'(?m)^name: ".*"$', f'name: "Vladimir {words.title()}"', path.read_text(encoding="utf-8"))
        path.write_text(text, encoding="utf-8")
    elif kind == "source title":  # shown wherever the source is listed
        path = root / "seeds/courier-second-call-50-minutes.md"
        text = re.sub(r"(?m)^title: .*$", f'title: "{words.title()}"', path.read_text(encoding="utf-8"))
        path.write_text(text, encoding="utf-8")
    elif kind == "template":
        path = root / "templates/topic.md.j2"
        path.write_text(path.read_text(encoding="utf-8") + f"\nA line of the template: {words}.\n", encoding="utf-8")
    else:
        raise AssertionError(kind)


KINDS = (
    "fact text",
    "add fact",
    "remove fact",
    "add actor",
    "seed text",
    "rename id",
    "actor name",
    "source title",
    "template",
)
EDITS = st.lists(
    st.tuples(st.sampled_from(KINDS), st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join)),
    min_size=1,
    max_size=3,
)


def full_build(sources: Path, dest: Path) -> dict[str, bytes]:
    """The site a full build makes from scratch, from the same inputs."""
    for name in ("facts", "seeds", "templates"):
        shutil.copytree(sources / name, dest / name)
    shutil.copy(sources / "mkdocs.yml", dest / "mkdocs.yml")
    build(Project.at(dest), cache=False, full=True)
    return files(dest / "site")


# Each example is several real builds: a few examples, and no shrinking (the failing edits are printed as found).
# The explicit examples are the edits a dependency map gets wrong when it misses a read: a name or title
# shown on other pages, an id renamed, a fact added to or removed from another's lists.
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
@example(edits=[("actor name", "sanctions"), ("source title", "talks"), ("rename id", "new")])
@example(edits=[("add fact", "ties"), ("remove fact", "call"), ("fact text", "warned")])
@example(edits=[("template", "border"), ("fact text", "troops")])  # the pages of a template whose reads did not change
@given(edits=EDITS)
def test_incremental_builds_after_any_edits_make_the_full_builds_site(edits: list[tuple[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = copy_tree("basic", Path(tmp) / "sheet")
        build(project)  # the first build: full, and recorded
        calls = []
        real = publish.run_mkdocs
        with mock.patch.object(publish, "run_mkdocs", side_effect=lambda *a, **k: calls.append(k) or real(*a, **k)):
            for n, (kind, words) in enumerate(edits):
                pages_before = {p for p in files(project.docs_dir) if p.endswith(".md")}
                edit(project.root, kind, words, n)
                generated, _ = build(project)
                same_pages = pages_before == {p for p in generated.pages}
                # The same pages as before: MkDocs was told which changed, and not every page was rendered again.
                assert ("dirty" in calls[-1]) is same_pages, (kind, calls[-1])
                if kind != "template":
                    assert generated.rendered < len(generated.pages)
        incremental = files(project.site_dir)
        full = full_build(project.root, Path(tmp) / "full")
        assert sorted(incremental) == sorted(full)
        assert [p for p in incremental if incremental[p] != full[p]] == []
        assert folders(project.site_dir) == folders(Path(tmp) / "full" / "site")


def test_the_search_index_keeps_every_page_after_an_incremental_build(basic: Project) -> None:
    build(basic)
    before = json.loads((basic.site_dir / "search/search_index.json").read_bytes())["docs"]
    edit(basic.root, "fact text", "Edited words", 0)
    generated, _ = build(basic)
    after = json.loads((basic.site_dir / "search/search_index.json").read_bytes())["docs"]
    pages = {e["location"].split("#")[0] for e in after}
    assert pages == {e["location"].split("#")[0] for e in before}
    assert len(pages) == len(generated.pages)
    assert any("Edited words" in e["text"] for e in after)
    assert not any("Edited words" in e["text"] for e in before)


def _material_index(pages: list[tuple[str, list[dict[str, str]]]], lang: str = "en") -> bytes:
    """A search index as Material's plugin writes it (generate_search_index's json.dumps)."""
    docs = [entry for _, entries in pages for entry in entries]
    config = {"lang": [lang], "separator": "[\\s\\-]+", "pipeline": ["stopWordFilter"]}
    return json.dumps({"config": config, "docs": docs}, separators=(",", ":"), default=str).encode("utf-8")


TEXTS = st.text(alphabet=st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ['{"location":"x/"}', '"},{"location":"', "\\", "]}", '"docs":[', "#"]
)
PAGES = st.lists(
    st.tuples(
        st.sampled_from(["", "a/", "b/", "c/d/", "é/", 'q"/', "sources/x/"]),
        st.lists(st.tuples(st.sampled_from(["", "#top", "#a-b", "#é", "#a#b"]), TEXTS, TEXTS), max_size=3),
    ),
    max_size=6,
    unique_by=lambda page: page[0],
)


def _entries(url: str, sections: list[tuple[str, str, str]]) -> list[dict[str, str]]:
    return [{"location": url + anchor, "title": title, "text": text} for anchor, title, text in sections]


@given(before=PAGES, after=PAGES)
def test_a_search_index_spliced_from_the_kept_pages_and_the_rebuilt_ones_is_the_one_written_whole(
    before: list[tuple[str, list[tuple[str, str, str]]]], after: list[tuple[str, list[tuple[str, str, str]]]]
) -> None:
    """The previous index and the one Material writes for the rebuilt pages, cut into pages as bytes and
    spliced in a full build's order, are byte for byte the index of every page written at once, whatever the
    entries' texts hold (their own `{"location":"`, quotes, backslashes, non-ASCII)."""
    from generator.site.incremental import IndexText

    old = {url: _entries(url, sections) for url, sections in before}
    new = {url: _entries(url, sections) for url, sections in after}  # the rebuilt pages, some with no entries
    order = sorted(old.keys() | new.keys(), reverse=True)
    kept, written = IndexText.cut(_material_index(list(old.items()))), IndexText.cut(_material_index(list(new.items())))
    assert kept is not None and written is not None
    whole = [(url, new[url] if url in new else old.get(url, [])) for url in order]
    assert written.splice(order, new, kept) == _material_index(whole)


def test_a_search_index_not_in_the_form_material_writes_is_not_cut() -> None:
    from generator.site.incremental import IndexText

    entries = [("a/", _entries("a/", [("", "A", "one")])), ("b/", _entries("b/", [("", "B", "two")]))]
    index = _material_index(entries)
    assert IndexText.cut(index) is not None
    split = [entries[0], entries[1], ("a/", _entries("a/", [("#more", "A", "again")]))]
    assert IndexText.cut(_material_index(split)) is None  # a page's entries not written together
    assert IndexText.cut(index[:-1]) is None  # cut short
    assert IndexText.cut(index.replace(b'"docs":[', b'"pages":[')) is None
    assert IndexText.cut(json.dumps(json.loads(index), indent=1).encode()) is None  # written another way


def test_an_incremental_build_splices_the_search_index_without_decoding_it(basic: Project) -> None:
    """The unchanged pages' search entries are taken from the previous index as bytes; the index is still
    the full build's (the property test above compares whole sites). Should the index Material writes for
    the rebuilt pages not be cut, the build decodes both and writes the index whole, the same."""
    from generator.site import incremental

    build(basic)
    edit(basic.root, "fact text", "Spliced words", 0)
    with mock.patch.object(incremental, "previous_entries", side_effect=AssertionError("decoded")):
        build(basic)
    spliced = (basic.site_dir / "search/search_index.json").read_bytes()
    assert b"Spliced words" in spliced
    edit(basic.root, "fact text", "Decoded words", 1)
    real = incremental.IndexText.cut
    cuts: list[bool] = []

    def second_fails(data: bytes) -> incremental.IndexText | None:
        cuts.append(True)
        return real(data) if len(cuts) == 1 else None

    with mock.patch.object(incremental.IndexText, "cut", side_effect=second_fails):
        build(basic)
    assert len(cuts) == 2
    decoded = (basic.site_dir / "search/search_index.json").read_bytes()
    full = json.loads(_full_index(basic))
    assert json.loads(decoded) == full and b"Decoded words" in decoded
    assert decoded == json.dumps(full, separators=(",", ":")).encode("utf-8")


def _full_index(project: Project) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        full_build(project.root, Path(tmp) / "full")
        return (Path(tmp) / "full/site/search/search_index.json").read_bytes()


def test_a_changed_site_full_flag_or_strict_build_makes_a_full_build(basic: Project) -> None:
    build(basic)
    (basic.site_dir / "stray.html").write_text("not from the build")  # the site is no longer the recorded one
    calls = []
    real = publish.run_mkdocs
    with mock.patch.object(publish, "run_mkdocs", side_effect=lambda *a, **k: calls.append(k) or real(*a, **k)):
        build(basic)
        assert "dirty" not in calls[-1]
        assert not (basic.site_dir / "stray.html").exists()
        edit(basic.root, "fact text", "Once more", 0)
        build(basic, full=True)
        assert "dirty" not in calls[-1]
        edit(basic.root, "fact text", "And again", 0)
        build(basic)
        assert "dirty" in calls[-1]
        edit(basic.root, "fact text", "Strictly", 0)  # --strict: MkDocs checks every page's links
        build(basic, strict=True)
        assert "dirty" not in calls[-1]


def test_the_site_record_of_an_incremental_build_is_the_site_on_disk(basic: Project) -> None:
    """The record after a dirty build takes the linked pages' stamps from the previous record without a
    stat: they must equal the files' own, and a linked page changed afterwards still forces a full build."""
    from generator.site import incremental

    build(basic)
    edit(basic.root, "fact text", "Recorded words", 0)
    calls = []
    real = publish.run_mkdocs
    with mock.patch.object(publish, "run_mkdocs", side_effect=lambda *a, **k: calls.append(k) or real(*a, **k)):
        build(basic)
        assert "dirty" in calls[-1]
        record = json.loads((basic.root / CACHE_DIR / incremental.SITE_RECORD).read_bytes())
        assert record["site"] == incremental.site_stamps(basic.site_dir)
        # A page MkDocs did not rebuild (a hard link of the previous site's file), changed behind the record.
        unchanged = next(p for p in sorted(basic.site_dir.rglob("*.html")) if "Recorded words" not in p.read_text())
        unchanged.write_text(unchanged.read_text() + "<!-- changed -->")
        edit(basic.root, "fact text", "After the change", 0)
        build(basic)
        assert "dirty" not in calls[-1]
        assert "<!-- changed -->" not in unchanged.read_text()


def _html_of(page: str) -> str:
    """The HTML file MkDocs writes for a docs page (directory URLs): a.md -> a/index.html."""
    stem = page.removesuffix(".md")
    return f"{stem}.html" if stem == "index" or stem.endswith("/index") else f"{stem}/index.html"


def test_an_incremental_build_publishes_again_only_the_pages_whose_markdown_changed(basic: Project) -> None:
    """What makes it incremental: MkDocs builds the pages whose Markdown changed, and every other page of the
    new site is the previous site's file (a hard link, the same inode), never rebuilt. The site stays a
    full build's (the property test above); this guards the speed."""
    build(basic)
    docs = {p: data for p, data in files(basic.docs_dir).items() if p.endswith(".md")}
    inodes = {p: (basic.site_dir / _html_of(p)).stat().st_ino for p in docs}
    edit(basic.root, "fact text", "Published once", 0)
    build(basic)
    changed = {p for p, data in files(basic.docs_dir).items() if p.endswith(".md") and docs.get(p) != data}
    assert changed and len(changed) < len(docs) / 2
    new = {p for p in docs if (basic.site_dir / _html_of(p)).stat().st_ino != inodes[p]}
    assert new == changed
    assert "Published once" in (basic.site_dir / _html_of("topics/sanctions.md")).read_text(encoding="utf-8")


def test_a_build_records_the_docs_folder_from_what_it_wrote_without_reading_it_again(basic: Project) -> None:
    """build_site takes the docs folder's hashes from the write (publish.Written.docs): the record holds
    the folder's true hashes, and the folder is not read and hashed a second time."""
    from generator.site import incremental

    build(basic)
    edit(basic.root, "fact text", "Hashed once", 0)
    with mock.patch.object(incremental, "docs_hashes", side_effect=AssertionError("read again")):
        build(basic)
    record = json.loads((basic.root / CACHE_DIR / incremental.SITE_RECORD).read_bytes())
    assert record["docs"] == incremental.docs_hashes(basic.docs_dir)


def test_an_unchanged_page_is_not_read_back_while_its_file_is_the_one_written_but_a_changed_file_is(
    basic: Project,
) -> None:
    """An unchanged page whose file is as the last write left it (its stamp) is taken as it is, unread; a
    file changed by hand (content, size or time) is read, found different, and written again."""
    from generator import pipeline
    from generator.pages import record

    build(basic)
    edit(basic.root, "fact text", "Kept pages", 0)
    docs = str(basic.docs_dir)
    real = Path.read_bytes
    read: list[str] = []

    def noted(path: Path) -> bytes:
        if str(path).startswith(docs) and path.suffix == ".md":
            read.append(path.relative_to(basic.docs_dir).as_posix())
        return real(path)

    with mock.patch.object(Path, "read_bytes", noted):
        generated, _ = build(basic)
    # Read: only the pages built again (to compare with the file, or taken back when they render the same).
    untouched = {"actors/yuri-ushakov.md", "timeline.md", "actors/index.md", "sources/index.md"}
    assert generated.rendered < len(generated.pages) and read and not untouched & set(read)
    written = {p: data.decode("utf-8") for p, data in files(basic.docs_dir).items() if p.endswith(".md")}
    assert dict(generated.pages) == written  # read when asked for, as written
    # A page changed by hand, and one replaced by a file of the same size: both are found and written again.
    for path, text in (("actors/yuri-ushakov.md", "by hand\n"), ("timeline.md", None)):
        target = basic.docs_dir / path
        before = target.read_text(encoding="utf-8")
        target.unlink()
        target.write_text(text or before.replace("a", "b", 1), encoding="utf-8")
    read.clear()
    with mock.patch.object(Path, "read_bytes", noted):
        build(basic)
    assert {"actors/yuri-ushakov.md", "timeline.md"} <= set(read)
    assert files(basic.docs_dir) == files(full_site_docs(basic))
    recorded = record.load_pages(basic.root, pipeline._pages_key(basic))
    assert set(recorded.stamps) == set(written)


def test_a_page_left_on_disk_is_read_when_asked_for_and_only_with_its_recorded_hash(tmp_path: Path) -> None:
    from generator.pages.record import Pages, Rendered, file_sha

    (tmp_path / "kept.md").write_text("# Kept\n", encoding="utf-8")
    kept = Rendered("", "f", reused=True, built=False, text_sha=file_sha(b"# Kept\n"), on_disk=True)
    pages = Pages({"new.md": Rendered("# New\n", "g"), "kept.md": kept}, tmp_path)
    assert list(pages) == ["new.md", "kept.md"] and dict(pages) == {"new.md": "# New\n", "kept.md": "# Kept\n"}
    (tmp_path / "kept.md").write_text("# Changed\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"kept\.md in the docs folder changed"):
        Pages({"kept.md": kept}, tmp_path)["kept.md"]


def test_the_page_logs_are_a_signed_record_written_again_only_when_they_change(basic: Project) -> None:
    """The pages' MkDocs messages, anchors and links (6.7 MB at 10,000 facts) are a record of their own,
    named by an id in site.json: an incremental build whose pages log the same keeps the file as it is,
    and a record the user's key did not sign (a repository's) is not taken."""
    from generator.site import incremental

    folder = basic.root / CACHE_DIR
    build(basic)
    first = json.loads((folder / incremental.SITE_RECORD).read_bytes())
    logs = folder / incremental.PAGE_LOGS_RECORD
    written = logs.stat()
    edit(basic.root, "fact text", "Logged the same", 0)
    build(basic)
    second = json.loads((folder / incremental.SITE_RECORD).read_bytes())
    assert second["docs"] != first["docs"] and second["logs"] == first["logs"]
    assert (logs.stat().st_ino, logs.stat().st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
    kept = incremental.load_site(basic.root, second["key"], basic.site_dir)
    assert kept is not None and kept.logs == second["logs"] and "index.md" in kept.pages
    # The same content, unsigned: as if there were none (every page is then built again).
    logs.write_text(json.dumps({"id": second["logs"], "pages": kept.pages}))
    planted = incremental.load_site(basic.root, second["key"], basic.site_dir)
    assert planted is not None and planted.pages == {} and planted.logs == ""


def test_the_preview_keeps_the_whole_search_index_when_several_pages_change(basic: Project, tmp_path: Path) -> None:
    """`serve` rebuilds dirty with the same plugins: Material's own merge lost or duplicated entries when
    several pages changed; the hook keeps every page's entries, in a full build's order."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    served = tmp_path / "served"
    hook = Path(__file__).resolve().parent.parent / "generator" / "mkdocs_hook.py"
    config = load_config(str(basic.mkdocs_yml), hooks=[str(hook)], site_dir=str(served))
    config.plugins.on_startup(command="serve", dirty=True)
    mkdocs_build(config, dirty=True)
    edit(basic.root, "fact text", "Edited in the preview", 0)  # its actor's, topic's and list pages
    edit(basic.root, "seed text", "New words", 1)  # a source page
    mkdocs_build(config, dirty=True)
    preview = json.loads((served / "search/search_index.json").read_bytes())["docs"]
    build(basic, full=True)
    full = json.loads((basic.site_dir / "search/search_index.json").read_bytes())["docs"]
    assert any("Edited in the preview" in e["text"] for e in full)
    assert preview == full


def _contexts_built(project: Project) -> tuple[list[str], int]:
    """Build, and say which pages' contexts were built (the others' inputs were unchanged)."""
    from generator.pages.context import Page

    built: list[str] = []
    real = Page.context_reads

    def counted(page: Page) -> tuple[dict[str, object], tuple[str, ...]]:
        built.append(page.path)
        return real(page)

    with mock.patch.object(Page, "context_reads", counted):
        generated, _ = build(project)
    return sorted(built), len(generated.pages)


def test_an_edited_fact_builds_only_the_contexts_that_read_it(basic: Project) -> None:
    build(basic)
    built, pages = _contexts_built(basic)
    assert built == []  # nothing changed: no context is built, no page rendered
    edit(basic.root, "fact text", "Edited words", 0)
    built, pages = _contexts_built(basic)
    # The position is shown on its topic's page, its actor's and the lists of positions; cited on its
    # sources' pages. The other actors' pages do not show it.
    assert {"topics/sanctions.md", "actors/joe-biden.md", "positions.md"} <= set(built)
    assert "actors/yuri-ushakov.md" not in built
    assert len(built) < pages
    edit(basic.root, "actor name", "Edited", 1)  # his name is on every page that links to him
    built, _ = _contexts_built(basic)
    assert {"actors/vladimir-putin.md", "topics/sanctions.md", "timeline.md", "actors/index.md"} <= set(built)


def test_a_page_reads_every_source_its_citations_show(basic: Project) -> None:
    """Citation views are shared between pages (built once): each page still notes the sources they show."""
    from generator.pages.context import build_pages_reads
    from generator.pipeline import check

    facts = check(basic).facts
    pages = build_pages_reads(facts).pages
    for page in pages:
        context, reads = page.context_reads()
        for shown in context["legend"]:
            source = next(s for s in facts.sources.values() if s.label == shown["label"])
            # Its label and its key (S1, S2...: from the order of all sources), however the view was made.
            assert {f'source\t"{source.id}"', f'source_keys\t"{source.id}"'} <= set(reads), (page.path, source.id)
    # An entity's page looks its entity up by id (an edit of a field no other page shows reaches it).
    kinds = {"actors": "actor", "topics": "topic", "sources": "source"}
    own = [p for p in pages if p.path.split("/")[0] in kinds and not p.path.endswith("index.md")]
    assert {p.path.split("/")[0] for p in own} == set(kinds)
    for page in own:
        folder, name = page.path.removesuffix(".md").split("/")
        assert f'{kinds[folder]}\t"{name}"' in page.context_reads()[1], page.path


def test_each_export_is_made_again_only_when_what_it_reads_changes(basic: Project) -> None:
    from generator.pages import export

    build(basic)
    data = files(basic.docs_dir / "data")
    with (
        mock.patch.object(export, "facts_json", side_effect=export.facts_json) as whole,
        mock.patch.object(export, "timeline_ics", side_effect=export.timeline_ics) as calendar,
    ):
        edit(basic.root, "template", "A line", 0)
        build(basic)
        assert (whole.call_count, calendar.call_count) == (0, 0)
        assert files(basic.docs_dir / "data") == data
        (basic.docs_dir / "data/facts.json").write_bytes(b"{}")  # a file changed by hand is written again
        build(basic)
        assert (whole.call_count, calendar.call_count) == (1, 0)
        assert files(basic.docs_dir / "data") == data
        edit(basic.root, "fact text", "Edited words", 1)  # a position: in facts.json, not in the calendar
        build(basic)
        assert (whole.call_count, calendar.call_count) == (2, 0)
        assert b"Edited words" in (basic.docs_dir / "data/facts.json").read_bytes()
        assert (basic.docs_dir / "data/timeline.ics").read_bytes() == data["timeline.ics"]
        path = basic.root / "facts/events/geneva-talks-2022-01.yaml"
        path.write_text(re.sub(r"(?m)^title: .*$", 'title: "Talks in Geneva"', path.read_text(encoding="utf-8")))
        build(basic)
        assert (whole.call_count, calendar.call_count) == (3, 1)  # an event: the calendar is made again
    assert files(basic.docs_dir / "data") == files(full_site_docs(basic) / "data")


def full_site_docs(project: Project) -> Path:
    """The docs folder a full build without the cache writes, from a copy of the project's inputs."""
    dest = project.root.parent / "full"
    full_build(project.root, dest)
    return Project.at(dest).docs_dir


def test_the_render_stage_counts_the_pages_it_builds(basic: Project) -> None:
    from generator.progress import Stage, Step

    steps: list[Step] = []
    generated, _ = build(basic, progress=steps.append)
    renders = [(s.done, s.total) for s in steps if s.stage is Stage.RENDER]
    assert renders == [(0, len(generated.pages)), (len(generated.pages), len(generated.pages))]
    edit(basic.root, "fact text", "Edited words", 0)
    built, pages = _contexts_built(basic)  # the contexts an edit of this position builds, counted apart
    steps.clear()
    edit(basic.root, "fact text", "Edited again", 1)
    generated, _ = build(basic, progress=steps.append)
    renders = [(s.done, s.total) for s in steps if s.stage is Stage.RENDER]
    assert renders == [(0, len(built)), (len(built), len(built))]
    assert 0 < len(built) < pages


def mkdocs_messages(project: Project, **options: object) -> list[str]:
    """What MkDocs and its plugins log at WARNING and above during a build, in order."""
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(f"{record.levelname}: {record.getMessage()}")

    handler, logger = Keep(logging.WARNING), logging.getLogger("mkdocs")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    try:
        build(project, **options)  # type: ignore[arg-type]
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return seen


@pytest.mark.parametrize("sharded", [False, True])
def test_an_incremental_build_shows_the_messages_of_unchanged_pages_as_a_full_build_does(
    basic: Project, monkeypatch: pytest.MonkeyPatch, sharded: bool
) -> None:
    """MkDocs warns about a page while it reads or builds it, and about links to missing anchors after all
    pages: an incremental build shows an unchanged page's warnings again, and checks its links to anchors
    of the pages it rebuilt (here: an anchor the edit removes from the topic's page). The full build that
    records them runs in one process or, `sharded`, in two (the shard's messages come by its pipe)."""
    if sharded:
        monkeypatch.setattr(shards, "MIN_PAGES_PER_SHARD", 1)
    timeline = basic.templates_dir / "timeline.md.j2"  # a page no edit below changes
    timeline.parent.mkdir(parents=True, exist_ok=True)
    text = (default_templates() / "timeline.md.j2").read_text(encoding="utf-8")
    timeline.write_text(
        text + "\n[Gone](no-such-page.md) and [the position](topics/sanctions.md#biden-threatens-sanctions)\n",
        encoding="utf-8",
    )
    full = mkdocs_messages(basic, full=True, jobs=2)
    assert any("no-such-page.md" in m for m in full)
    calls = []
    real = publish.run_mkdocs
    with mock.patch.object(publish, "run_mkdocs", side_effect=lambda *a, **k: calls.append(k) or real(*a, **k)):
        edit(basic.root, "fact text", "Edited once", 0)
        assert mkdocs_messages(basic) == full
        assert "dirty" in calls[-1] and "timeline.md" not in calls[-1]["dirty"]
        # The position renamed: the about page (not rebuilt) now links to an anchor its topic's page lacks.
        path = basic.root / POSITION
        path.write_text(path.read_text(encoding="utf-8").replace("id: biden-threatens-sanctions", "id: renamed"))
        (basic.root / POSITION).rename(basic.root / "facts/positions/renamed.yaml")
        incremental = mkdocs_messages(basic)
        assert "dirty" in calls[-1] and "timeline.md" not in calls[-1]["dirty"]
        assert any("#biden-threatens-sanctions" in m for m in incremental)
        # Neither page built again: the missing anchor is still reported.
        edit(basic.root, "seed text", "More words", 2)
        again = mkdocs_messages(basic)
        assert "dirty" in calls[-1] and not {"timeline.md", "topics/sanctions.md"} & calls[-1]["dirty"]
    assert incremental == again == mkdocs_messages(basic, full=True, jobs=2)


def test_a_link_planted_at_a_records_temporary_name_is_not_written_through(basic: Project, tmp_path: Path) -> None:
    """The pages' and site's records were written under a fixed temporary name: a repository shipping
    .cache/factsheet/.pages.json.tmp as a link had the record written into whatever file it points to."""
    outside = tmp_path / "outside.txt"
    outside.write_text("mine")
    folder = basic.root / CACHE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for name in (".pages.json.tmp", ".site.json.tmp"):
        (folder / name).symlink_to(outside)
    build(basic)
    assert outside.read_text() == "mine"
    assert json.loads((folder / "pages.json").read_bytes())["pages"]  # the record is still kept


def test_a_pages_record_with_odd_read_numbers_keeps_only_the_pages_it_can_read(tmp_path: Path) -> None:
    """pages.json is in the fact sheet's folder (a repository may ship one): a page whose reads are not
    numbers into the token table (a boolean, a float, out of range, negative) is left out, never read
    as another token or a crash."""
    from generator.pages import record

    tokens = ["info", 'actor\t"a"']
    inputs = {
        "good.md": ["h", [0, 1]],
        "none.md": ["h", []],
        "bool.md": ["h", [True]],
        "float.md": ["h", [1.0]],
        "high.md": ["h", [2]],
        "negative.md": ["h", [-1]],
        "text.md": ["h", ["0"]],
        "flat.md": ["h", 0],
    }
    folder = tmp_path / CACHE_DIR
    folder.mkdir(parents=True)
    data = {"key": "k", "pages": {}, "tokens": tokens, "inputs": inputs, "exports": {"x.csv": ["h", [1, -2], "s"]}}
    (folder / record.PAGES_RECORD).write_text(json.dumps(data))
    loaded = record.load_pages(tmp_path, "k")
    assert loaded.inputs == {"good.md": ("h", ("info", 'actor\t"a"')), "none.md": ("h", ())}
    assert loaded.exports == {}


def test_the_build_passes_its_jobs_to_the_pages_and_their_quote_search(basic: Project) -> None:
    """`--jobs 1` keeps the whole build in one process: the pages' indexes (the quote search) get it too."""
    from generator import pipeline

    with mock.patch.object(pipeline, "build_pages_reads", wraps=pipeline.build_pages_reads) as made:
        pipeline.generate(basic, jobs=1)
    assert made.call_args.args[5] == 1


def test_folders_above_are_the_folders_that_hold_the_paths_at_any_depth() -> None:
    from generator.site.incremental import folders_above

    assert folders_above(["index.html", "a/b/c/index.html", "a/x.css", "d/index.html"]) == {"a", "a/b", "a/b/c", "d"}
    assert folders_above(["index.html"]) == set()


SITE_PAGES = ("index.html", "a/index.html", "a/b/index.html", "c/index.html", "c/d/index.html")


def _write_site(folder: Path, text: str, pages: tuple[str, ...] = SITE_PAGES) -> None:
    for page in pages:
        (folder / page).parent.mkdir(parents=True, exist_ok=True)
        (folder / page).write_text(f"{text} {page}", encoding="utf-8")
    (folder / "style.css").write_text(text, encoding="utf-8")


def _linked(spare: Path, site: Path, pages: tuple[str, ...] = SITE_PAGES) -> list[str]:
    return [p for p in pages if (spare / p).exists() and (spare / p).stat().st_ino == (site / p).stat().st_ino]


def test_relinking_the_spare_makes_every_page_the_sites_own_whatever_it_held(tmp_path: Path) -> None:
    """After a full build the spare (the site it replaced) holds the new site's pages as hard links: the
    stale ones replaced, those linked already kept, a folder the spare lacks made; other files untouched."""
    from generator.site.incremental import relink_spare

    site, spare = tmp_path / "site", tmp_path / "spare"
    _write_site(site, "new")
    _write_site(spare, "old", SITE_PAGES[:3])  # no c/ in the site it replaced: a folder the new site added
    (spare / "a/index.html").unlink()
    os.link(site / "a/index.html", spare / "a/index.html")  # linked already: kept, and the others still done
    relink_spare(spare, site)
    assert _linked(spare, site) == list(SITE_PAGES)
    assert (spare / "style.css").read_text(encoding="utf-8") == "old"  # only pages: the next build copies the rest
    relink_spare(spare, site)  # again: nothing left to do, nothing changes
    assert _linked(spare, site) == list(SITE_PAGES)


def test_relinking_never_writes_through_a_link_in_or_as_the_spare(tmp_path: Path) -> None:
    from generator.site.incremental import relink_spare

    site, outside = tmp_path / "site", tmp_path / "outside"
    _write_site(site, "new")
    outside.mkdir()
    spare = tmp_path / "spare"
    spare.symlink_to(outside, target_is_directory=True)  # the spare itself a link to a folder elsewhere
    relink_spare(spare, site)
    assert list(outside.iterdir()) == []
    spare.unlink()
    _write_site(spare, "old")
    shutil.rmtree(spare / "a")
    (spare / "a").symlink_to(outside, target_is_directory=True)  # a folder of it a link
    relink_spare(spare, site)
    assert list(outside.iterdir()) == []
    assert _linked(spare, site) == ["index.html", "c/index.html", "c/d/index.html"]  # the rest is done


def test_an_incremental_build_into_a_spare_that_holds_a_removed_page_leaves_none_of_it(
    basic: Project, tmp_path: Path
) -> None:
    """The spare can hold pages the site no longer has: a page removed since the site it was (a full build
    then, as the pages changed). The incremental build into it removes their folders, nested ones too."""
    from generator.site import incremental

    edit(basic.root, "add actor", "Removed later", 1)
    build(basic)
    (basic.root / "facts/actors/added-actor-1.yaml").unlink()
    build(basic)  # pages removed: a full build; its spare is the site that had the actor's page
    spare = incremental.spare_site(basic.root)
    assert spare is not None and (spare / "actors/added-actor-1/index.html").is_file()
    (spare / "actors/added-actor-1/deeper/still").mkdir(parents=True)  # nested folders no file goes into
    (spare / "actors/added-actor-1/deeper/still/page.html").write_text("stale", encoding="utf-8")
    (spare / "gone/deeper").mkdir(parents=True)
    edit(basic.root, "fact text", "Into the spare", 0)
    generated, _ = build(basic)
    assert 0 < generated.rendered < len(generated.pages)  # incremental, into the spare
    assert not (basic.site_dir / "actors/added-actor-1").exists() and not (basic.site_dir / "gone").exists()
    assert files(basic.site_dir) == full_build(basic.root, tmp_path / "full")
    assert folders(basic.site_dir) == folders(tmp_path / "full" / "site")


def test_the_plugin_builds_again_what_changed_what_the_record_lacks_and_what_a_plugin_generates(
    tmp_path: Path,
) -> None:
    """make_plugin's marking of the files: MkDocs builds again a docs file that changed, any file the site's
    record does not hold as a regular file, a file a plugin generates and the search index; every other file
    is the site's, its pages hard-linked into the staging folder and the rest copied."""
    from mkdocs.config import load_config
    from mkdocs.structure.files import File, Files

    from generator.site.incremental import make_plugin, site_stamps

    site, docs, theme, staging = (tmp_path / name for name in ("site", "docs", "theme", "staging"))
    for folder in (site / "same", site / "changed", site / "search", docs / "search", theme, staging):
        folder.mkdir(parents=True)
    for name in ("same.md", "changed.md", "unrecorded.md", "data.csv", "search/search_index.json"):
        (docs / name).write_text(name, encoding="utf-8")
    for name in ("style.css", "unrecorded.js"):
        (theme / name).write_text(name, encoding="utf-8")
    built = ("same/index.html", "changed/index.html", "data.csv", "style.css", "search/search_index.json", "copy.txt")
    for name in built:
        (site / name).write_text(f"built {name}", encoding="utf-8")
    (site / "unrecorded.js").symlink_to(site / "style.css")  # in the site, but not a regular file
    stamps = site_stamps(site)  # the site's record, as a build saves it
    (tmp_path / "mkdocs.yml").write_text("site_name: t\n", encoding="utf-8")
    config = load_config(str(tmp_path / "mkdocs.yml"), docs_dir=str(docs), site_dir=str(staging))
    made = [File(n, str(docs), str(staging), True) for n in ("same.md", "changed.md", "unrecorded.md", "data.csv")]
    made.append(File("search/search_index.json", str(docs), str(staging), True))
    made += [File(n, str(theme), str(staging), True) for n in ("style.css", "unrecorded.js")]
    # Files a plugin makes while it runs, marked as File.generated marks them: from text, and from a file.
    for name, source in (("generated.txt", None), ("copy.txt", str(docs / "data.csv"))):
        generated = File(name, None, str(staging), True)
        generated.generated_by, generated.abs_src_path = "a-plugin", source
        made.append(generated)
    files = Files(made)
    make_plugin(site, docs, {"changed.md"}, stamps).on_files(files, config=config)
    modified = {f.src_uri for f in files if f.is_modified()}
    assert modified == {
        "changed.md",
        "unrecorded.md",
        "search/search_index.json",
        "unrecorded.js",
        "generated.txt",
        "copy.txt",
    }
    assert (staging / "same/index.html").stat().st_ino == (site / "same/index.html").stat().st_ino  # linked
    for copied in ("data.csv", "style.css"):  # copied: MkDocs may write over them
        assert (staging / copied).read_text(encoding="utf-8") == f"built {copied}"
        assert (staging / copied).stat().st_ino != (site / copied).stat().st_ino
    assert not (staging / "changed").exists() and not (staging / "search").exists()


def test_on_a_file_system_without_hard_links_an_incremental_build_copies_the_unchanged_pages(
    basic: Project, tmp_path: Path
) -> None:
    build(basic)
    edit(basic.root, "fact text", "Copied, not linked", 0)
    with mock.patch.object(os, "link", side_effect=PermissionError("no hard links here")):
        generated, _ = build(basic)
    assert 0 < generated.rendered < len(generated.pages)  # incremental
    assert files(basic.site_dir) == full_build(basic.root, tmp_path / "full")
