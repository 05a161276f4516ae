"""The parse cache: same diagnostics warm or cold, only changed files re-parsed, tampering is a miss."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest

from generator import cache
from generator.inputs import load, yamlsafe
from generator.pipeline import check
from generator.project import Project

from .conftest import FIXTURES

EXPECTED = (FIXTURES / "broken" / "expected-diagnostics.txt").read_text(encoding="utf-8").splitlines()


@pytest.fixture(autouse=True)
def own_cache_key(tmp_path, monkeypatch):
    # The key normally lives in the user's cache folder; each test gets its own.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))


@pytest.fixture
def broken(tmp_path: Path) -> Project:
    shutil.copytree(FIXTURES / "broken", tmp_path / "broken")
    return Project.at(tmp_path / "broken")


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """Every YAML text the strict reader parses from now on."""
    seen: list[str] = []
    real = yamlsafe.parse

    def counting(text: str):
        seen.append(text)
        return real(text)

    monkeypatch.setattr(yamlsafe, "parse", counting)
    return seen


def formatted(project: Project, **options) -> list[str]:
    return [d.format(project.root) for d in check(project, **options).diagnostics]


def cache_files(project: Project) -> list[Path]:
    """The files every cached check reads: per shard, the stat index and the files' summaries."""
    return sorted((project.root / cache.CACHE_DIR).glob("files-*.pickle"))


def test_warm_check_reports_the_same_problems_without_parsing(broken, parses):
    expected = [line.replace("\\n", "\n") for line in EXPECTED]
    assert formatted(broken) == expected
    assert cache_files(broken) and parses
    parses.clear()
    assert formatted(broken) == expected, "a cached file with errors must report them again"
    assert parses == []


def test_only_the_changed_file_is_parsed_again(basic, parses):
    assert formatted(basic) == []
    parses.clear()
    fact = basic.facts_dir / "topics" / "sanctions.yaml"
    fact.write_text(fact.read_text().replace("unprecedented sanctions", "unprecedented penalties"))
    out = formatted(basic)
    assert len(parses) == 1 and "sanctions" in parses[0]
    assert len(out) == 1 and "quote-not-found" in out[0]


def test_tampered_or_foreign_cache_is_a_miss(basic, parses, monkeypatch, tmp_path):
    check(basic)
    for path in cache_files(basic):
        data = bytearray(path.read_bytes())
        data[-5] ^= 0xFF
        path.write_bytes(bytes(data))
    parses.clear()
    assert formatted(basic) == []
    assert parses, "a corrupt cache must be ignored, not trusted"

    # A cache made under another user's key (e.g. committed to the repo) does not verify either.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    parses.clear()
    assert formatted(basic) == []
    assert parses


def test_cache_refuses_anything_but_model_classes(basic, parses):
    check(basic)
    files = cache.FileCache.for_project(basic.root)
    payload = pickle.dumps(({}, {("Actor", "x", "y"): os.getcwd}), protocol=pickle.HIGHEST_PROTOCOL)
    for path in cache_files(basic):  # signed with the right key
        path.write_bytes(files._mac(payload, path.name) + payload)
    assert cache.FileCache.for_project(basic.root).summary(("Actor", "x", "y")) is None
    parses.clear()
    assert formatted(basic) == [] and parses


def test_the_cache_unpickler_takes_model_classes_only_however_often_it_is_asked() -> None:
    """It remembers the classes it allowed (a build asks for them 60,000 times), never anything else."""
    import io

    from generator.model import Where, slugify

    where = pickle.dumps(Where(Path("facts/a.yaml"), 3, 1))
    for _ in range(2):
        assert cache._Unpickler(io.BytesIO(where)).load() == Where(Path("facts/a.yaml"), 3, 1)
        for refused in (os.getcwd, slugify, pickle.Unpickler):  # not allowed: a function, another module's class
            with pytest.raises(pickle.UnpicklingError):
                cache._Unpickler(io.BytesIO(pickle.dumps(refused))).load()


def test_no_cache_reads_and_writes_nothing(basic, parses):
    assert formatted(basic, cache=False) == []
    assert not (basic.root / ".cache").exists()
    check(basic)
    parses.clear()
    check(basic, cache=False)
    assert parses, "--no-cache parses every file"


def test_a_cache_folder_that_is_a_link_is_never_used(basic, tmp_path, parses):
    # A repository could ship `.cache` as a symlink, to make the check write (or read) elsewhere.
    outside = tmp_path / "outside"
    outside.mkdir()
    (basic.root / ".cache").symlink_to(outside, target_is_directory=True)
    assert formatted(basic) == [] and formatted(basic) == []
    assert list(outside.rglob("*")) == []
    assert len(parses) >= 2 * len(list(basic.facts_dir.rglob("*.yaml"))), "no cache: every run parses"


def test_a_record_is_neither_written_nor_given_a_folder_through_a_linked_cache_folder(basic, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (basic.root / ".cache").symlink_to(outside, target_is_directory=True)
    cache.write_record(basic.root, "record.json", {"a": 1})
    assert list(outside.rglob("*")) == [] and cache.read_record(basic.root, "record.json") is None
    (basic.root / ".cache").unlink()
    cache.write_record(basic.root, "record.json", {"a": 1})
    assert cache.read_record(basic.root, "record.json") == {"a": 1}


@pytest.fixture
def reads(monkeypatch) -> list[Path]:
    """Every input file read from now on; files are trusted by their stat as soon as they are written
    (the two-second guard against same-tick edits is off, so every edit below changes the size)."""
    seen: list[Path] = []
    real = load._read

    def counting(file: str, max_bytes: int, info: os.stat_result | None = None):
        seen.append(Path(file))
        return real(file, max_bytes, info)

    monkeypatch.setattr(load, "_read", counting)
    monkeypatch.setattr(cache, "_RACY_NS", 0)
    return seen


def same_as_cold(project: Project) -> list[str]:
    warm = formatted(project)
    assert warm == formatted(project, cache=False)
    return warm


def test_unchanged_files_are_not_read_and_warm_equals_cold_after_edits(basic, reads):
    assert same_as_cold(basic) == []
    reads.clear()
    assert formatted(basic) == []
    assert reads == [], "an unchanged file is known by its stat"

    # Edit: a quote that is not in its source.
    topic = basic.facts_dir / "topics" / "sanctions.yaml"
    topic.write_text(topic.read_text().replace("unprecedented sanctions", "unprecedented penalties"))
    reads.clear()
    out = same_as_cold(basic)
    assert reads[0] == topic and len(out) == 1 and "quote-not-found" in out[0]

    # Delete: references to the actor now fail in every file that names it.
    actor = basic.facts_dir / "actors" / "joe-biden.yaml"
    saved = actor.read_text()
    actor.unlink()
    out = same_as_cold(basic)
    assert sum("no actor with id 'joe-biden'" in line for line in out) >= 2

    # Add: the actor back, and a new file with a duplicate id.
    actor.write_text(saved)
    (basic.facts_dir / "actors" / "joe-biden-2.yaml").write_text(saved)
    out = same_as_cold(basic)
    assert any("duplicate-id" in line or "already used" in line for line in out)
    (basic.facts_dir / "actors" / "joe-biden-2.yaml").unlink()

    # Edit a seed: the quotes citing it are looked up again in the new text.
    seed = basic.seeds_dir / "serious-50-minute-conversation.md"
    seed.write_text(seed.read_text().replace("threat of unprecedented", "threat of severe"))
    topic.write_text(topic.read_text().replace("unprecedented penalties", "unprecedented sanctions"))
    out = same_as_cold(basic)
    assert any("body-changed" in line or "differs from the original" in line for line in out)
    assert sum("quote-not-found" in line for line in out) >= 1


def test_the_stat_index_falls_back_to_the_content(basic, reads):
    check(basic)
    fact = basic.facts_dir / "topics" / "sanctions.yaml"
    info = fact.stat()
    os.utime(fact, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))  # touched, same bytes
    reads.clear()
    assert same_as_cold(basic) == []
    assert reads[0] == fact


def test_a_cached_file_replaced_by_a_link_is_refused(basic, reads, tmp_path):
    check(basic)
    fact = basic.facts_dir / "topics" / "sanctions.yaml"
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(fact.read_text())
    fact.unlink()
    fact.symlink_to(outside)
    out = same_as_cold(basic)
    assert any("sanctions.yaml" in line and "not a regular file" in line for line in out)


def test_a_lost_model_object_is_checked_again_from_its_file(basic, parses):
    cold = check(basic, cache=False).facts
    check(basic)
    objects = sorted((basic.root / cache.CACHE_DIR).glob("objects-*.pickle"))
    assert objects, "model objects are kept in shards"
    for path in objects:  # a save cut short, or a damaged file: the summaries promise objects not there
        path.write_bytes(b"damaged")
    parses.clear()
    warm = check(basic)
    assert warm.diagnostics == [] and parses == [], "the check itself needs only the summaries"
    assert warm.facts == cold
    assert parses, "the lost objects came from their files again"


def test_an_edit_rewrites_only_the_shards_it_touches(basic, monkeypatch):
    monkeypatch.setattr(cache, "_RACY_NS", 0)
    check(basic)
    folder = basic.root / cache.CACHE_DIR
    before = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.pickle")}
    fact = basic.facts_dir / "topics" / "sanctions.yaml"
    fact.write_text(fact.read_text(encoding="utf-8").replace("summary: ", "summary: Edited. ", 1), encoding="utf-8")
    check(basic)
    changed = sorted(p.name for p in folder.glob("*.pickle") if before.get(p.name) != p.stat().st_mtime_ns)
    assert 1 <= len(changed) <= 4 < len(before), changed  # old and new entry's shards (index and objects)


def test_an_edit_in_the_same_clock_tick_as_the_write_before_it_is_seen(basic, parses, monkeypatch):
    """With the real two-second guard. On a file system with a coarse clock, an edit that keeps the size and
    lands in the same tick as the write before it leaves the stat as it was: modelled here by ignoring ctime
    and inode and putting the modification time back."""
    monkeypatch.setattr(cache, "stamp", lambda info: (info.st_size, info.st_mtime_ns, info.st_mode))
    topic = basic.facts_dir / "topics" / "sanctions.yaml"
    text = topic.read_text(encoding="utf-8")
    topic.write_text(text, encoding="utf-8")  # an editor's save, just before the check
    assert formatted(basic) == []
    before = topic.stat()
    edited = text.replace("unprecedented sanctions", "unprecedented penalties")  # the same number of bytes
    assert len(edited.encode()) == len(text.encode()) and edited != text
    topic.write_text(edited, encoding="utf-8")
    os.utime(topic, ns=(before.st_atime_ns, before.st_mtime_ns))
    parses.clear()
    out = formatted(basic)
    assert any("sanctions" in parsed for parsed in parses), "the file written within the guard is read again"
    assert len(out) == 1 and "quote-not-found" in out[0]


def test_the_closest_passage_of_a_misquote_is_searched_once(basic, monkeypatch):
    """F5: the search for a quote not found is remembered with the article's hash, so a check run again (and
    `build`, which checks first) does not search again; editing the article searches afresh."""
    from generator.checks import quotes

    topic = basic.facts_dir / "topics" / "sanctions.yaml"
    topic.write_text(topic.read_text().replace("unprecedented sanctions", "unprecedented penalties"))
    searched: list[str] = []
    real = quotes.closest

    def counting(source, quote):
        searched.append(quote)
        return real(source, quote)

    monkeypatch.setattr(quotes, "closest", counting)
    first = [d.hint for d in check(basic).diagnostics if d.code.value == "quote-not-found"]
    assert len(first) == 1 and "[-penalties-]{+sanctions+}" in first[0] and len(searched) == 1
    again = [d.hint for d in check(basic).diagnostics if d.code.value == "quote-not-found"]
    assert again == first and len(searched) == 1, "remembered"
    seed = basic.seeds_dir / "serious-50-minute-conversation.md"
    seed.write_text(seed.read_text() + "\nOne more paragraph.\n")
    check(basic)
    assert len(searched) == 2, "a changed article is searched again"


def _filled(root: Path, files: int) -> tuple[cache.FileCache, list[cache.Key]]:
    """A project cache with `files` fresh entries (summary and object), spread over many shards."""
    files_cache = cache.FileCache.for_project(root)
    keys = [("Topic", str(root / "facts" / "topics" / f"t{i}.yaml"), f"{i:064x}") for i in range(files)]
    for i, key in enumerate(keys):
        files_cache.put(key, (True, f"t{i}"), pickle.dumps(i))
    return files_cache, keys


def test_the_files_entries_are_written_by_a_forked_process_while_the_caller_goes_on(tmp_path):
    files_cache, keys = _filled(tmp_path, 200)
    files_cache.save_files_apart()
    assert files_cache._saving is not None  # forked: 200 entries fill far more shards than an edit does
    files_cache.put_quote_count(("sha", "a quote"), 1)  # what the checks across files add meanwhile
    files_cache.save()
    again = cache.FileCache.for_project(tmp_path)
    assert all(again.summary(k) == (True, f"t{i}") and again.value(k) == i for i, k in enumerate(keys))
    assert again.quote_count(("sha", "a quote")) == 1


def test_an_entry_put_after_the_fork_or_a_failed_save_apart_is_written_all_the_same(tmp_path, monkeypatch):
    files_cache, keys = _filled(tmp_path, 200)
    parent, real = os.getpid(), cache.FileCache._save_files

    def fails_in_the_child(self):
        if os.getpid() != parent:
            raise OSError("disk full")
        real(self)

    monkeypatch.setattr(cache.FileCache, "_save_files", fails_in_the_child)
    files_cache.save_files_apart()
    assert files_cache._saving is not None
    files_cache.save()
    assert cache.FileCache.for_project(tmp_path).summary(keys[7]) == (True, "t7")

    files_cache, keys = _filled(tmp_path / "other", 200)
    files_cache.save_files_apart()
    late = ("Topic", "late.yaml", "f" * 64)
    files_cache.put(late, (True, "late"), None)
    files_cache.save()
    assert cache.FileCache.for_project(tmp_path / "other").summary(late) == (True, "late")


def test_a_few_changed_files_are_saved_without_forking(tmp_path):
    files_cache, _ = _filled(tmp_path, 3)
    files_cache.save_files_apart()
    assert files_cache._saving is None
