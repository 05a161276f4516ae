"""Incremental builds, the site's side: after an edit, MkDocs builds only the pages it changed (issue 18).

Beside the pages' record (pages/record.py: which pages to render again), site.json, the site's record
(`SiteRecord`), in the fact sheet's cache folder (.cache/factsheet/, JSON, never code), keyed on everything
else that shapes the output: the hash of every docs file the published site was built from, and the size,
mtime and inode of every file of that site. When the site on disk is still exactly that one and the set of
pages is the same, MkDocs builds into the staging folder with only the changed docs files marked as
modified (`IncrementalSite`): the other pages' HTML is hard-linked from the published site (MkDocs never
opens them), other unchanged files are copied, and the search index is spliced per page, as bytes, from the
previous index and the rebuilt pages', in the order a full build writes it (`IndexText`); each unchanged
page's MkDocs messages are logged again (`make_page_logs`). The sitemap and 404 page are always rebuilt. A
failed build leaves the published site as it was, as a full one does (publish.py), and a record that does
not match the site is ignored.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import posixpath
import re
import shutil
import stat
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.cache import read_record, write_record
from generator.pages.record import (
    PAGES_RECORD,
    _read_json,
    _record_file,
    _safe_folder,
    _sha,
    _write_json,
    environment_key,
)

SITE_RECORD = "site.json"
SPARE_SITE = "spare-site"  # the site a build replaced, kept for the next one to build into
# Plugins whose output the incremental site build keeps exactly right; with any other, builds are full.
_KNOWN_PLUGINS = frozenset({"search", "material/search"})
# Written by every build of the theme, never copied from the previous site.
_INDEX = "search/search_index.json"
_ALWAYS_WRITTEN = frozenset({_INDEX})


def forget(root: Path) -> None:
    """Drop the records: the next build is a full one."""
    for name in (PAGES_RECORD, SITE_RECORD, PAGE_LOGS_RECORD):
        with contextlib.suppress(OSError):
            _record_file(root, name).unlink(missing_ok=True)


# The site's record ---------------------------------------------------------------------------------


def _files(folder: Path) -> list[Path]:
    found: list[Path] = []
    for top, _dirs, names in os.walk(folder):
        found.extend(Path(top, n) for n in names)
    return found


def site_stamps(site: Path, known: Mapping[str, list[int]] | None = None) -> dict[str, list[int]]:
    """Size, mtime, inode and mode of every file of the site (a link counts as a change: its stamp is its
    own). `known` gives stamps already taken of some files (hard links of recorded files: a link keeps
    the inode, size, mtime and mode): those are not read again."""
    known = known or {}
    stamps: dict[str, list[int]] = {}
    for rel, entry in walk_entries(str(site)):
        if entry.is_dir(follow_symlinks=False):
            continue
        stamp = known.get(rel)
        if stamp is None:
            info = entry.stat(follow_symlinks=False)
            stamp = [info.st_size, info.st_mtime_ns, info.st_ino, info.st_mode]
        stamps[rel] = stamp
    return dict(sorted(stamps.items()))


def walk_entries(folder: str) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """Every entry below `folder` (folders too, before what they hold), with its path relative to it;
    links are listed, never followed. os.scandir tells folders from files without a stat; paths as text:
    a Path per file costs more."""
    pending = [(folder, "")]
    while pending:
        top, prefix = pending.pop()
        with os.scandir(top) as found:
            for entry in found:
                rel = prefix + entry.name
                yield rel, entry
                if entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, rel + "/"))


def docs_hashes(docs: Path) -> dict[str, str]:
    return {p.relative_to(docs).as_posix(): _sha(p.read_bytes()) for p in _files(docs) if not p.is_symlink()}


_ENV_NAME = re.compile(r"\b[A-Z][A-Z0-9_]{2,}\b")


def site_key(mkdocs_yml: Path, theme_dirs: Sequence[Path], *, strict: bool, epoch: int | None) -> str:
    """Everything besides the docs files that shapes the site: the generator and packages, mkdocs.yml and
    the environment variables it may read (`!ENV`), the theme folders' files (`theme_dirs` and mkdocs.yml's
    `custom_dir`), strictness and the date."""
    text = mkdocs_yml.read_bytes()
    names = sorted(set(_ENV_NAME.findall(text.decode("utf-8", "replace"))))
    theme: list[tuple[str, str]] = []
    custom = re.findall(r"(?m)^\s*custom_dir:\s*['\"]?([^'\"#\s]+)", text.decode("utf-8", "replace"))
    for folder in [*theme_dirs, *(mkdocs_yml.parent / c for c in custom)]:
        if folder.is_dir():
            theme.extend((str(p), _sha(p.read_bytes())) for p in sorted(_files(folder)))
    env = [(n, os.environ.get(n)) for n in names] + [("SOURCE_DATE_EPOCH", os.environ.get("SOURCE_DATE_EPOCH"))]
    return environment_key("site", _sha(text), env, theme, strict, epoch)


@dataclass(frozen=True)
class SiteRecord:
    key: str
    docs: dict[str, str]
    site: dict[str, list[int]]
    pages: dict[str, PageLog] = field(default_factory=dict)
    """Per documentation page, what MkDocs logged for it, its anchors and links (make_page_logs)."""
    logs: str = ""
    """The id of the page logs' record that `pages` came from (PAGE_LOGS_RECORD)."""


def load_site(root: Path, key: str, site: Path) -> SiteRecord | None:
    """The record of the site in place, when it is for `key` and the site on disk is still exactly the one
    it describes (every file's size, mtime, inode and mode); else None (build the whole site)."""
    data = _read_json(root, SITE_RECORD)
    if data is None or data.get("key") != key:
        return None
    docs, stamps = data.get("docs"), data.get("site")
    if not isinstance(docs, dict) or not isinstance(stamps, dict) or not site.is_dir() or site.is_symlink():
        return None
    try:
        if site_stamps(site) != stamps:
            return None
    except OSError:
        return None
    logs = data.get("logs")
    if not isinstance(logs, str) or (pages := _read_page_logs(root, logs)) is None:
        return SiteRecord(key, docs, stamps)  # every page is then built again (make_page_logs)
    return SiteRecord(key, docs, stamps, pages, logs)


# The pages' logs are 6.7 MB of JSON at 10,000 facts (180,000 anchors and links) and mostly the same from
# one build to the next: a record of their own, signed with the user's cache key (cache.write_record: a
# repository cannot plant one, so it is not checked entry by entry as site.json's values are), written
# only when a page's logs changed, and named by an id that site.json holds.
PAGE_LOGS_RECORD = "site-pages.json"


def _read_page_logs(root: Path, logs: str) -> dict[str, PageLog] | None:
    data = read_record(root, PAGE_LOGS_RECORD)
    if not isinstance(data, dict) or data.get("id") != logs or not isinstance(data.get("pages"), dict):
        return None
    return typing.cast(dict[str, PageLog], data["pages"])


def save_site(
    root: Path,
    key: str,
    docs: Mapping[str, str],
    site: Path,
    known: Mapping[str, list[int]] | None = None,
    pages: Mapping[str, PageLog] | None = None,
    previous: SiteRecord | None = None,
) -> None:
    """Record the site in place. `known`: the recorded stamps of the files the build hard-linked from the
    previous site (see `site_stamps`); a file changed since then makes the record not match: a full build.
    `pages`: each page's logs, anchors and links (make_page_logs), for the next build to show again; their
    record is written again only when they differ from `previous`'s (the record this build started from)."""
    try:
        stamps = site_stamps(site, known)
    except OSError:
        return
    logs = previous.logs if previous is not None and previous.logs and previous.pages == (pages or {}) else ""
    if not logs:
        logs = os.urandom(16).hex()  # names this build's logs: any id that no other record has
        write_record(root, PAGE_LOGS_RECORD, {"id": logs, "pages": dict(pages or {})})
    _write_json(root, SITE_RECORD, {"key": key, "docs": dict(docs), "site": stamps, "logs": logs})


def pages_of(paths: Iterable[str]) -> set[str]:
    return {p for p in paths if p.endswith(".md")}


# The MkDocs side -----------------------------------------------------------------------------------


def plugins_known(config: Any) -> bool:
    """Whether every plugin of the configuration is one the incremental build keeps right."""
    return all(name in _KNOWN_PLUGINS or name.startswith("factsheet-") for name in config.plugins)


def _search_index(config: Any) -> Any:
    for plugin in config.plugins.values():
        index = getattr(plugin, "search_index", None)
        if index is not None and isinstance(getattr(index, "entries", None), list):
            return index
    return None


def previous_entries(site: Path) -> dict[str, list[dict[str, Any]]]:
    """The previous search index's entries by page URL (an entry's location is the page's URL, then
    perhaps `#anchor`)."""
    try:
        data = json.loads((site / _INDEX).read_bytes())
    except (OSError, ValueError):
        return {}
    by_page: dict[str, list[dict[str, Any]]] = {}
    for entry in data.get("docs", []):
        by_page.setdefault(str(entry["location"]).split("#", 1)[0], []).append(entry)
    return by_page


# An entry of Material's search index, as its plugin writes it (json.dumps, compact, ASCII): an object whose
# first key is its location. Inside a JSON string every `"` is escaped, so `{"location":"` starts an entry.
_ENTRY = re.compile(rb'\{"location":"((?:[^"\\]|\\.)*)"')
_DOCS = b'"docs":['
_END = b"]}"


@dataclass(frozen=True)
class IndexText:
    """A `search_index.json` as Material's search plugin writes it, cut into each page's entries, as bytes:
    an incremental build splices the previous index's unchanged pages with the rebuilt pages' new entries
    instead of decoding all of it (19 MB at 10,000 facts) and encoding it again."""

    head: bytes  # up to the docs list's opening bracket: the index's configuration
    pages: dict[str, bytes]  # page URL -> its entries as written, comma-separated

    @classmethod
    def cut(cls, data: bytes) -> IndexText | None:
        """The index cut into pages, or None when it is not in the form Material writes (then decode it)."""
        found = [(m.start(), m.group(1)) for m in _ENTRY.finditer(data)]
        first = found[0][0] if found else len(data) - len(_END)
        if not data.endswith(_END) or not data[:first].endswith(_DOCS):
            return None
        spans: dict[str, list[int]] = {}
        last = None
        for i, (start, raw) in enumerate(found):
            end = found[i + 1][0] - 1 if i + 1 < len(found) else len(data) - len(_END)
            if data[end : end + 1] != (b"," if i + 1 < len(found) else b"]"):
                return None
            try:
                location = json.loads(b'"' + raw + b'"') if b"\\" in raw else raw.decode("ascii")
            except ValueError:
                return None
            url = str(location).split("#", 1)[0]
            if url != last and url in spans:  # a page's entries are written together; these are not
                return None
            spans.setdefault(url, [start, end])[1] = end
            last = url
        view = memoryview(data)
        pages = {url: bytes(view[start:end]) for url, (start, end) in spans.items()}
        return cls(data[:first], pages)

    def splice(self, order: Sequence[str], rebuilt: Iterable[str], kept: IndexText) -> bytes:
        """The index of every page in `order`, as a full build writes it: this index's head (the
        configuration) and its entries for the `rebuilt` pages (none for a page that has none now), and the
        `kept` index's for the others."""
        new = set(rebuilt)
        parts = (self.pages.get(url) if url in new else kept.pages.get(url) for url in order)
        return self.head + b",".join(part for part in parts if part) + _END  # no part: a page with no entries


def _index_text(path: Path) -> IndexText | None:
    try:
        return IndexText.cut(path.read_bytes())
    except OSError:
        return None


class SearchEntries:
    """The search index per page, merged in the order a full build writes it (Material's own dirty builds
    index only the pages they rebuild: in a fresh process the rest are lost, and in `serve` its merge keeps
    or drops entries by URL prefix, out of order). Call `start` in on_files, `page_built` after the search
    plugin indexed a page, `merge` before it writes the index; `kept` gives the entries of pages not
    rebuilt. Kept across the preview's rebuilds, it remembers every page's entries from its last build."""

    def __init__(self) -> None:
        self.order: list[str] = []  # page URLs in the order a full build indexes them
        self.by_page: dict[str, list[dict[str, Any]]] = {}
        self.indexed = 0

    def start(self, files: Any) -> None:
        # As Page.url says it, and the search index with it: the home page's is "" (its file's, "./").
        self.order = ["" if f.url == "./" else f.url for f in files.documentation_pages()]
        self.indexed = 0

    def page_built(self, config: Any, url: str) -> None:
        index = _search_index(config)
        if index is not None:
            self.by_page[url] = index.entries[self.indexed :]
            self.indexed = len(index.entries)

    def merge(self, config: Any, kept: Mapping[str, list[dict[str, Any]]] | None = None) -> None:
        index = _search_index(config)
        if index is None:
            return
        old = kept or {}
        index.entries = [e for url in self.order for e in self.by_page.get(url, old.get(url, []))]
        self.by_page = {url: self.by_page.get(url, old.get(url, [])) for url in self.order}
        for plugin in config.plugins.values():  # Material's own merge with the previous build's index: off
            if hasattr(plugin, "search_index_prev"):
                plugin.search_index_prev = None


def spare_site(root: Path) -> Path | None:
    """Where a build keeps the site it replaced, for the next incremental build to build into (publish.py):
    a folder of the fact sheet's cache, so that it is neither published nor a leftover of a build. None
    when the cache folder is unsafe (a link or a file in its path)."""
    return _record_file(root, SPARE_SITE) if _safe_folder(root) else None


def _usable_spare(spare: Path, site: Path) -> bool:
    """Whether `spare` is a real folder (not a link) on the site's file system, where an inode number says
    which file it is. Raises OSError when either cannot be read."""
    found = spare.lstat()
    return stat.S_ISDIR(found.st_mode) and found.st_dev == site.stat().st_dev


def relink_spare(spare: Path, site: Path) -> None:
    """After a full build, whose spare is the site it replaced (every file of it stale): make the spare's
    pages (`*.html`) the new site's own files, hard links, as an incremental build leaves its spare. The
    next incremental build then finds its unchanged pages there already, instead of removing and linking
    every one of them. A head start only: that build still keeps of the spare just the site's own files of
    its unchanged pages (make_plugin), so a relink cut short changes nothing. Nothing is written below a
    folder of the spare that is a link, or anything but a folder."""
    try:
        if not _usable_spare(spare, site):
            return
        folders = {""}  # the spare's real folders (relative paths; "" the spare itself)
        for rel, entry in walk_entries(str(site)):  # a folder before what it holds
            if posixpath.dirname(rel) not in folders:
                continue
            target = os.path.join(spare, rel)
            if entry.is_dir(follow_symlinks=False):
                try:
                    if stat.S_ISDIR(os.lstat(target).st_mode):
                        folders.add(rel)
                except FileNotFoundError:
                    os.mkdir(target)
                    folders.add(rel)
                continue
            if not rel.endswith(".html") or not entry.is_file(follow_symlinks=False):
                continue
            try:
                if os.lstat(target).st_ino == entry.inode():
                    continue
                os.unlink(target)
            except FileNotFoundError:
                pass
            os.link(entry.path, target)
    except OSError:  # a head start only: the next build does the rest
        return


def _take_spare(spare: Path, staging: Path, site: Path) -> None:
    """Move `spare` into the place of the empty folder `staging` when it is a real folder on the site's
    file system (an inode number says which file it is only there); else leave both as they are."""
    with contextlib.suppress(OSError):
        if _usable_spare(spare, site):
            os.replace(spare, staging)  # fails unless staging is empty (nothing written into it yet)


def _listing(folder: str) -> tuple[dict[str, int], set[str]]:
    """Every entry below `folder` but folders, with its inode, and every folder; links are listed, never
    followed. A link's inode is its own: only the file itself has the inode of a file (on one file system)."""
    entries: dict[str, int] = {}
    folders: set[str] = set()
    for rel, entry in walk_entries(folder):
        if entry.is_dir(follow_symlinks=False):
            folders.add(rel)
        else:
            entries[rel] = entry.inode()
    return entries, folders


def folders_above(paths: Iterable[str]) -> set[str]:
    """Every folder, at any depth, that holds one of `paths` (relative, with "/")."""
    found: set[str] = set()
    for path in paths:
        parent = posixpath.dirname(path)
        while parent and parent not in found:
            found.add(parent)
            parent = posixpath.dirname(parent)
    return found


def make_plugin(
    site: Path,
    docs_dir: Path,
    changed: set[str],
    stamps: Mapping[str, list[int]],
    spare: Path | None = None,
) -> Any:
    """A MkDocs plugin for a dirty build into an empty staging folder beside `site`: marks modified only
    the docs files in `changed` (and any file the previous site lacks), hard-links the HTML of every other
    page from `site`, copies its other files, and writes a search index equal to a full build's. `stamps`,
    the site's record as `load_site` verified it, tells which files the site has without a stat each (a
    file not in it is built again).

    With `spare` (a site an earlier build replaced, see `spare_site`), that folder becomes the staging
    folder instead, so that the site's 2,000 page folders need not be made again: whatever in it is not
    already the site's own file (the same inode) of an unchanged page is removed, then the rest linked or
    copied as into an empty one. Either way MkDocs finds exactly what it would in an empty folder: the
    unchanged pages, as links it never opens, and fresh copies of the other unchanged files."""
    from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority

    def regular(dest: str) -> bool:
        stamp = stamps.get(dest)
        return stamp is not None and stat.S_ISREG(stamp[3])

    class IncrementalSite(BasePlugin):
        def __init__(self) -> None:
            super().__init__()
            self.search = SearchEntries()
            self.linked: set[str] = set()  # the site's files hard-linked from `site` (dest URIs)
            self.kept: IndexText | None = None  # the previous search index, cut into pages
            self.rebuilt: dict[str, list[dict[str, Any]]] = {}  # the rebuilt pages' search entries

        def on_files(self, files: Any, /, *, config: Any) -> Any:
            staging = str(config.site_dir)
            docs = str(docs_dir) + os.sep
            if spare is not None:
                _take_spare(spare, Path(staging), site)
            have, folders = _listing(staging)  # the spare's files and folders when it was taken; else none
            kept: dict[str, bool] = {}  # the files not modified: dest URI -> whether it is a page's
            for file in files:
                dest = file.dest_uri
                if file.generated_by is not None or file.abs_src_path is None:
                    modified = True
                elif file.abs_src_path.startswith(docs):
                    modified = file.src_uri in changed or not regular(dest)
                else:  # the theme's own files (the theme is part of the record's key)
                    modified = not regular(dest)
                if dest in _ALWAYS_WRITTEN:
                    modified = True
                if not modified:
                    kept[dest] = file.is_documentation_page()
                file.is_modified = (lambda m: lambda: m)(modified)
            # Keep of the spare only the unchanged pages that are the site's files already; what MkDocs
            # writes must be absent, as in an empty folder, so that it never writes into a linked file.
            # (A kept file is one the record knows: its stamp holds the site's file's inode.)
            same = {d for d, page in kept.items() if page and d in have and have[d] == stamps[d][2]}
            wanted = folders_above(f.dest_uri for f in files)
            for folder in folders - wanted:
                parent = posixpath.dirname(folder)
                if not parent or parent in wanted:  # the outermost of the folders no file goes into
                    shutil.rmtree(os.path.join(staging, folder))
            for rel in have.keys() - same:
                with contextlib.suppress(FileNotFoundError):  # in a folder removed above
                    os.unlink(os.path.join(staging, rel))
            self.linked = same  # and below, each page linked now
            made = {os.path.join(staging, f) for f in folders & wanted}  # there already: no mkdir each
            for dest, page in kept.items():
                if dest in self.linked:
                    continue
                old, target = os.path.join(site, dest), os.path.join(staging, dest)
                parent = os.path.dirname(target)
                if parent not in made:
                    os.makedirs(parent, exist_ok=True)
                    made.add(parent)
                if page:
                    try:
                        os.link(old, target)  # never opened by MkDocs: it is not modified
                        self.linked.add(dest)
                    except OSError:  # a file system without hard links
                        shutil.copy2(old, target)
                else:
                    shutil.copy2(old, target)
            self.search.start(files)
            return files

        @event_priority(-100)  # after the search plugin has indexed the page
        def on_page_context(self, context: Any, /, *, page: Any, config: Any, nav: Any) -> Any:
            self.search.page_built(config, page.url)
            return context

        @event_priority(100)  # before the search plugin writes its index
        def _merge_index(self, /, *, config: Any) -> None:
            self.kept = _index_text(site / _INDEX)
            self.rebuilt = dict(self.search.by_page)
            if self.kept is None:  # every page's entries, decoded, for the search plugin to write
                self.search.merge(config, previous_entries(site))
            else:  # it writes the rebuilt pages' entries, spliced with the kept pages' below
                self.search.merge(config)

        @event_priority(-100)  # after the search plugin wrote its index
        def _splice_index(self, /, *, config: Any) -> None:
            index = _search_index(config)
            if self.kept is None or index is None:
                return
            path = Path(config.site_dir) / _INDEX
            written = _index_text(path)
            if written is None:  # not expected: the kept index was cut, and Material is the same (the site's key)
                self.search.by_page = self.rebuilt
                self.search.merge(config, previous_entries(site))
                path.write_bytes(index.generate_search_index(None).encode("utf-8"))
            else:
                path.write_bytes(written.splice(self.search.order, self.rebuilt, self.kept))

        on_post_build = CombinedEvent(_merge_index, _splice_index)

    return IncrementalSite()


def forget_site(root: Path) -> None:
    """Drop the site's record (while a new site is being built and swapped in)."""
    with contextlib.suppress(OSError):
        _record_file(root, SITE_RECORD).unlink(missing_ok=True)


# Each page's messages ------------------------------------------------------------------------------

# The record of one documentation page (by its docs path) in the site's record: "logs", what MkDocs logged
# while reading (1) and building (2) it, as [phase, logger, level number, level name, message]; "anchors",
# its anchors (one string, space-separated: ids have no spaces); "links", its links to anchors as
# {target page: its anchors, one string}, each written as the relative path and "#anchor" (`_path_to`), and
# "odd" the others as {target page: {anchor: the link as written}}; "warned", the target pages it links to
# an anchor they lack (MkDocs warned). Compact: 2,207 pages hold 180,000 anchors and links.
PageLog = dict[str, Any]


_ID = re.compile(r"\S+")


def _path_to(page: str, target: str) -> str:
    """How the generator links from `page` to `target` (relative), ready for "#anchor". Any answer is
    right (a link written otherwise is recorded as written): this one makes the record small."""
    if page == target:
        return ""
    return _relative(page.rpartition("/")[0], target)


@functools.lru_cache(maxsize=65536)
def _relative(folder: str, target: str) -> str:
    start, parts = folder.split("/") if folder else [], target.split("/")
    common = 0
    while common < len(start) and common < len(parts) - 1 and start[common] == parts[common]:
        common += 1
    return "/".join([".."] * (len(start) - common) + parts[common:])


def _warned(page: Any) -> list[str]:
    """The pages `page` links to an anchor they lack (as MkDocs checks them: not a page never rendered)."""
    return [
        to.src_uri
        for to, links in (page.links_to_anchors or {}).items()
        if to.page is not None
        and to.page.present_anchor_ids is not None
        and any(a not in to.page.present_anchor_ids for a in links)
    ]


def make_page_logs(previous: Mapping[str, PageLog] | None) -> Any:
    """A MkDocs plugin that records every page's messages, anchors and links to anchors (`PageLogs.pages`,
    for the site's record), in a full build (`previous` None) as in an incremental one. In an incremental
    build (with IncrementalSite, which marks the unchanged pages), `previous` being the record of the site
    in place, each unchanged page's messages are logged again where a full build logs them (MkDocs asks
    each page whether it is modified as it reads, then builds it, in order), and its anchors and links are
    given back before MkDocs checks the links to anchors across pages. So an incremental build shows the
    messages a full one does. An unchanged page the record lacks is built again."""
    from mkdocs.plugins import BasePlugin, event_priority

    class PageLogs(BasePlugin):
        def __init__(self) -> None:
            super().__init__()
            self.pages: dict[str, PageLog] = {}
            self.logs: dict[str, list[list[Any]]] = {}
            self.config: Any = None
            self.building = False
            self.kept: dict[str, PageLog] = {}  # the unchanged pages' records
            self.documentation: list[Any] = []
            self._factory: Callable[..., logging.LogRecord] | None = None
            self._handler: logging.Handler | None = None

        @event_priority(-50)  # after IncrementalSite decided which files are modified
        def on_files(self, files: Any, /, *, config: Any) -> Any:
            self.config, self.building, self.logs, self.kept = config, False, {}, {}
            self.documentation = list(files.documentation_pages())
            if previous is not None:
                site = config.plugins.get("factsheet-incremental")
                for file in files.documentation_pages():
                    if file.is_modified():
                        continue
                    known = previous.get(file.src_uri)
                    if known is None:  # build it again: its HTML must not be the site in place's (a link)
                        dest = os.path.join(config.site_dir, file.dest_uri)
                        with contextlib.suppress(FileNotFoundError):
                            os.unlink(dest)
                        if site is not None:
                            site.linked.discard(file.dest_uri)
                        file.is_modified = lambda: True
                        continue
                    self.kept[file.src_uri] = known
                    file.is_modified = self._replay(file.src_uri, known)
            self._listen()
            return files

        def _replay(self, uri: str, known: PageLog) -> Callable[[], bool]:
            """`is_modified` of an unchanged page: False, and logs its messages of this phase again."""
            done: set[int] = set()

            def modified() -> bool:
                phase = 2 if self.building else 1
                if phase not in done:
                    done.add(phase)
                    for entry in known.get("logs", ()):
                        if entry[0] == phase:
                            _log_again(uri, entry)
                return False

            return modified

        def _listen(self) -> None:
            """Note on each record MkDocs and its plugins log which page it is about, when one is (MkDocs'
            current page); keep the records of pages, as the handlers get them (a shard's from its process)."""
            make = self._factory = logging.getLogRecordFactory()
            plugin = self

            def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
                record = make(*args, **kwargs)
                page = getattr(plugin.config, "_current_page", None)
                if page is not None:
                    record.factsheet_page = (2 if plugin.building else 1, page.file.src_uri)
                return record

            class Keep(logging.Handler):
                def emit(self, record: logging.LogRecord) -> None:
                    where = getattr(record, "factsheet_page", None)
                    if isinstance(where, tuple) and len(where) == 2:
                        entry = [where[0], record.name, record.levelno, record.levelname, record.getMessage()]
                        plugin.logs.setdefault(where[1], []).append(entry)

            logging.setLogRecordFactory(factory)
            self._handler = Keep()
            # MkDocs' own messages, those its strict mode counts and the command line shows; not the root
            # logger's, whose handler would silence Python's last-resort printing in library use.
            logging.getLogger("mkdocs").addHandler(self._handler)

        def _stop(self) -> None:
            if self._factory is not None:
                logging.setLogRecordFactory(self._factory)
                self._factory = None
            if self._handler is not None:
                logging.getLogger("mkdocs").removeHandler(self._handler)
                self._handler = None

        def on_env(self, env: Any, /, *, config: Any, files: Any) -> Any:
            """The unchanged pages' anchors, and their links MkDocs must check again: to the pages built
            again, and those it warned about (the others link to the same anchors of the same pages)."""
            self.building = True
            if not self.kept:
                return env
            by_uri = {f.src_uri: f for f in self.documentation}
            rebuilt = {uri for uri in by_uri if uri not in self.kept}
            for uri, known in self.kept.items():
                page = by_uri[uri].page
                if page is None:
                    continue
                if known["anchors"] is not None:
                    page.present_anchor_ids = set(known["anchors"].split())
                odd, warned = known["odd"], set(known["warned"])
                links: dict[Any, dict[str, str]] = {}
                for to, anchors in known["links"].items():
                    if to not in rebuilt and to not in warned:
                        continue
                    target = by_uri.get(to) or files.get_file_from_path(to)
                    if target is not None:
                        path, written = _path_to(uri, to), odd.get(to, {})
                        links[target] = {a: written.get(a) or f"{path}#{a}" for a in anchors.split()}
                page.links_to_anchors = links
            return env

        @event_priority(-100)  # after the shards gave back their pages' anchors and links
        def on_post_build(self, /, *, config: Any) -> None:
            self._stop()
            pages: dict[str, PageLog] = {}
            for file in self.documentation:
                page, uri = file.page, file.src_uri
                known = self.kept.get(uri)
                if known is not None:  # not built again: its record stands (its messages were logged again)
                    warned = _warned(page) if page is not None else known["warned"]
                    pages[uri] = known if warned == known["warned"] else {**known, "warned": warned}
                    continue
                written_links = (page.links_to_anchors or {}) if page is not None else {}
                ids = (
                    sorted(page.present_anchor_ids)
                    if page is not None and page.present_anchor_ids is not None
                    else None
                )
                if not all(_ID.fullmatch(a) for a in [*(ids or ()), *(a for w in written_links.values() for a in w)]):
                    continue  # an id a space-separated string cannot hold: the page is built again next time
                links: dict[str, str] = {}
                odd: dict[str, dict[str, str]] = {}
                for to, written in written_links.items():
                    links[to.src_uri] = " ".join(written)
                    path = _path_to(uri, to.src_uri)
                    unusual = {a: w for a, w in written.items() if w != f"{path}#{a}"}
                    if unusual:
                        odd[to.src_uri] = unusual
                pages[uri] = {
                    "logs": self.logs.get(uri, []),
                    "anchors": None if ids is None else " ".join(ids),
                    "links": links,
                    "odd": odd,
                    "warned": _warned(page) if page is not None else [],
                }
            self.pages = pages

        def on_build_error(self, /, *, error: Exception) -> None:
            self._stop()

    return PageLogs()


def _log_again(uri: str, entry: list[Any]) -> None:
    """Log a recorded message of page `uri` again, as its logger would have (when it logs that level)."""
    _phase, name, levelno, levelname, message = entry
    logger = logging.getLogger(name)
    if logger.isEnabledFor(levelno):
        record = logging.makeLogRecord(
            {"name": name, "levelno": levelno, "levelname": levelname, "msg": message, "factsheet_page": (_phase, uri)}
        )
        logger.handle(record)
