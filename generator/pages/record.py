"""The pages' record of incremental builds (issue 18): which pages to render again after an edit.

pages.json, in the fact sheet's cache folder (.cache/factsheet/, JSON, never code), keyed on everything
else that shapes the output (the generator's code, the packages, the templates, the build date), so that a
record of another version is simply not used: for every page, the fingerprint of what it is rendered from
(its path, template and title, the context it is given, and the source of every template it reads:
`template_closure`), the SHA-256 of the Markdown it gave, and what its context read of the fact base with
the hash of those values. A page whose reads give the same values takes its Markdown from the docs folder
(when that file still has the recorded hash) instead of being built and rendered again; a context is the
only way a fact, a source or another page's data reaches a page. The data exports are recorded the same way.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import pickle
import stat
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.cache import CACHE_DIR, make_safe_folder, safe_folder, write_new
from generator.cache import _stamp as code_stamp
from generator.pages.reads import Known

PAGES_RECORD = "pages.json"
_FORMAT = 3
# The packages whose versions shape the output (the generator's own code is in code_stamp()).
_PACKAGES = ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "jinja2", "markupsafe", "pyyaml")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_hash(path: Path) -> str:
    return _sha(path.read_bytes())


def file_sha(data: bytes) -> str:
    return _sha(data)


Stamp = tuple[int, int, int, int]
"""A docs file as a write left it: size, mtime and ctime (ns), inode. Each write replaces the file (a new
inode), and an edit in place changes its mtime and ctime: an unchanged stamp is an unchanged file, as git
and the check cache's stat index take it."""


def stamp_of(info: os.stat_result) -> Stamp:
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def environment_key(*parts: object) -> str:
    """A hash of the generator's code, Python and the versions of the packages that shape the output,
    with `parts` (e.g. the build date, mkdocs.yml)."""
    versions = []
    for name in _PACKAGES:
        try:
            versions.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            versions.append((name, ""))
    return _sha(repr((_FORMAT, code_stamp(), sys.version, versions, parts)).encode())


# The pages' record ---------------------------------------------------------------------------------


def template_closure(env: Any, name: str) -> list[str]:
    """`name` and every template it extends, includes or imports, transitively, sorted. A template that
    names another by an expression reads any: then every template the environment can load."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        source, _, _ = env.loader.get_source(env, current)
        for found in _referenced(env, source):
            if found is None:
                return sorted(env.list_templates())
            todo.append(found)
    return sorted(seen)


# Per template source: the templates it names. Parsing every template again was half of a preview rebuild's
# generate (`factsheet serve` keeps its process). Keyed on the lexer (Jinja2 shares one per syntax) and the
# extensions too, the other things that decide how a source parses.
_REFERENCES: dict[tuple[str, object, tuple[str, ...]], tuple[str | None, ...]] = {}


def _referenced(env: Any, source: str) -> tuple[str | None, ...]:
    """The templates `source` names (None: one named by an expression)."""
    from jinja2 import meta

    key = (source, env.lexer, tuple(sorted(env.extensions)))
    found = _REFERENCES.get(key)
    if found is None:
        found = tuple(meta.find_referenced_templates(env.parse(source)))
        if len(_REFERENCES) >= 1024:
            _REFERENCES.clear()
        _REFERENCES[key] = found
    return found


def templates_key(env: Any, name: str) -> str:
    """A hash of the source of every template page template `name` reads (its dependency on templates)."""
    parts = []
    for current in template_closure(env, name):
        source, filename, _ = env.loader.get_source(env, current)
        parts.append((current, filename, source))
    return _sha(repr(parts).encode())


def fingerprint(path: str, template_key: str, title: str, origin: str | None, context: object) -> str:
    """What a page is rendered from, as one hash. Two equal fingerprints mean equal inputs; unequal ones
    may still render alike (a set pickled in another order): then the page is only rendered again."""
    return _sha(pickle.dumps((path, template_key, title, origin, context), protocol=5))


def inputs_hash(path: str, template_key: str, title: str, origin: str | None, salt: str, reads: str = "") -> str:
    """A page's inputs, as one hash, without its context: the page, its templates, `salt` (what every page
    reads, e.g. the build date) and `reads` (the hash of what its context read of the fact base, as
    context.Page.context_reads notes it and context.PagesReads.digest hashes it). A page's record leaves
    `reads` out: the values of its reads are compared one by one (PageRecord.unchanged)."""
    return _sha(repr((path, template_key, title, origin, salt, reads)).encode())


@dataclass(frozen=True)
class Rendered:
    """A page's Markdown and the fingerprint it was rendered from; `reads` what its context read of the
    fact base and `inputs` the hash of its other inputs (inputs_hash without the reads), when known."""

    text: str
    fingerprint: str
    reused: bool = False
    reads: tuple[str, ...] = ()
    inputs: str = ""
    built: bool = True
    """False when the page's context was not even built (its inputs were the previous build's)."""
    text_sha: str = ""
    """The SHA-256 of `text` when known (a page kept from the previous build)."""
    on_disk: bool = False
    """True when `text` was not read: the page is the docs folder's file, unchanged since the build that
    wrote it (its stamp), and `Pages` reads it only when asked for it."""


@dataclass(frozen=True)
class Made:
    """A file made from the fact base (a data export): its bytes, the hash of its inputs (inputs_hash of
    what its maker read), those reads, and its SHA-256."""

    data: bytes
    inputs: str
    reads: tuple[str, ...]
    sha: str
    kept: bool = False
    """True when `data` was just read from the docs folder (the previous build's file, kept_export)."""


@dataclass(frozen=True)
class PageRecord:
    """Per page path: (fingerprint, SHA-256 of its Markdown) of the previous generate, under `key`, and the
    stamp its docs file had after that build's write; per page, (the hash of its inputs but its reads, its
    reads) when that build knew them; `known`: the hashes of the reads' values then, and of the files each
    index was made from (context._Builder takes those still valid)."""

    key: str
    pages: dict[str, tuple[str, str]] = field(default_factory=dict)
    stamps: dict[str, Stamp] = field(default_factory=dict)
    inputs: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    exports: dict[str, Made] = field(default_factory=dict)
    known: Known = field(default_factory=Known)

    def kept_export(self, docs: Path, path: str, inputs: Callable[[tuple[str, ...]], str]) -> Made | None:
        """The export file `path` as the previous build wrote it, when `inputs(reads)` is the hash recorded
        (its maker would read the same values) and the docs folder still holds it; else None (make it)."""
        known = self.exports.get(path)
        if known is None or inputs(known.reads) != known.inputs:
            return None
        try:
            data = (docs / path).read_bytes()
        except OSError:
            return None
        if (docs / path).is_symlink() or _sha(data) != known.sha:
            return None
        return Made(data, known.inputs, known.reads, known.sha, kept=True)

    def unchanged(self, docs: Path, path: str, inputs: str, same: Callable[[tuple[str, ...]], bool]) -> Rendered | None:
        """The page as the previous build wrote it when `inputs`, the hash of its inputs but its reads, is
        the one recorded, `same(reads)` says the reads its context made then give the values they gave
        then, and the docs folder still holds its Markdown; else None (build its context). Sound because a
        context is a function of its reads: the same reads giving the same values make the same context,
        and so the same reads."""
        known, page = self.inputs.get(path), self.pages.get(path)
        if known is None or page is None or known[0] != inputs or not same(known[1]):
            return None
        # The file the previous build wrote, if its stamp says so: taken unread (42 MB at 10,000 facts).
        kept = self.stamps.get(path)
        if kept is not None:
            try:
                info = (docs / path).lstat()
            except OSError:
                return None
            if stat.S_ISREG(info.st_mode) and stamp_of(info) == kept:
                return Rendered(
                    "",
                    page[0],
                    reused=True,
                    reads=known[1],
                    inputs=known[0],
                    built=False,
                    text_sha=page[1],
                    on_disk=True,
                )
        text = self.reuse(docs, path, page[0])
        if text is None:
            return None
        return Rendered(text, page[0], reused=True, reads=known[1], inputs=known[0], built=False, text_sha=page[1])

    def reuse(self, docs: Path, path: str, fingerprint: str) -> str | None:
        """The page's Markdown of the previous build when its fingerprint is unchanged and the docs folder
        still holds exactly that text; else None (render it)."""
        known = self.pages.get(path)
        if known is None or known[0] != fingerprint:
            return None
        try:
            data = (docs / path).read_bytes()
        except OSError:
            return None
        if _sha(data) != known[1]:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None


class Pages(Mapping[str, str]):
    """Every page's Markdown by its path in the docs folder; a page left there unchanged (Rendered.on_disk)
    is read from its file only when asked for (an incremental build never is: the bundle is), and must
    still have the hash the record gives."""

    def __init__(self, rendered: Mapping[str, Rendered], docs: Path) -> None:
        self._rendered, self._docs = rendered, docs
        self._read: dict[str, str] = {}

    def __getitem__(self, path: str) -> str:
        made = self._rendered[path]
        if not made.on_disk:
            return made.text
        text = self._read.get(path)
        if text is None:
            data = (self._docs / path).read_bytes()
            if _sha(data) != made.text_sha:
                raise ValueError(f"{path} in the docs folder changed while the site was built; build again")
            text = self._read[path] = data.decode("utf-8")
        return text

    def __iter__(self) -> Iterator[str]:
        return iter(self._rendered)

    def __len__(self) -> int:
        return len(self._rendered)


def _record_file(root: Path, name: str) -> Path:
    return root / CACHE_DIR / name


def _safe_folder(root: Path) -> bool:
    """No part of the cache's path below the project is a link or a file (as cache.FileCache asks)."""
    return safe_folder(root / CACHE_DIR, root)


def _read_json(root: Path, name: str) -> dict[str, Any] | None:
    path = _record_file(root, name)
    if not _safe_folder(root) or path.is_symlink():
        return None
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_json(root: Path, name: str, data: object) -> None:
    """Write a record atomically; a record that cannot be written only makes the next build a full one."""
    folder = root / CACHE_DIR
    with contextlib.suppress(OSError):
        if make_safe_folder(folder, root):
            write_new(folder, name, json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8"))


def load_pages(root: Path, key: str) -> PageRecord:
    """The previous generate's record, or an empty one (everything is rendered) when there is none for `key`."""
    data = _read_json(root, PAGES_RECORD)
    if data is None or data.get("key") != key or not isinstance(data.get("pages"), dict):
        return PageRecord(key)
    pages: dict[str, tuple[str, str]] = {}
    for path, value in data["pages"].items():
        if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value):
            pages[path] = (value[0], value[1])
    inputs: dict[str, tuple[str, tuple[str, ...]]] = {}
    tokens, known = data.get("tokens"), data.get("inputs")
    if isinstance(tokens, list) and all(isinstance(t, str) for t in tokens) and isinstance(known, dict):
        for path, value in known.items():
            if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)):
                continue
            if _numbers(value[1], len(tokens)):
                inputs[path] = (value[0], tuple(map(tokens.__getitem__, value[1])))
    exports: dict[str, Made] = {}
    made = data.get("exports")
    if isinstance(tokens, list) and all(isinstance(t, str) for t in tokens) and isinstance(made, dict):
        for path, value in made.items():
            if not (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)):
                continue
            numbers, sha = value[1], value[2]
            if isinstance(sha, str) and _numbers(numbers, len(tokens)):
                exports[path] = Made(b"", value[0], tuple(map(tokens.__getitem__, numbers)), sha)
    stamps: dict[str, Stamp] = {}
    kept = data.get("stamps")
    if isinstance(kept, dict):
        for path, value in kept.items():
            if path in pages and isinstance(value, list) and len(value) == 4 and {*map(type, value)} == {int}:
                stamps[path] = (value[0], value[1], value[2], value[3])
    return PageRecord(key, pages, stamps, inputs, exports, _load_known(data, tokens))


def _numbers(value: object, count: int) -> bool:
    """Whether `value` is a list of numbers into a table of `count` tokens: integers (not booleans) from 0
    to count - 1. Checked in bulk (the types as a set, then the bounds): 250,000 numbers at 10,000 facts."""
    if not isinstance(value, list):
        return False
    return not value or ({*map(type, value)} == {int} and min(value) >= 0 and max(value) < count)


def _load_known(data: dict[str, Any], tokens: object) -> Known:
    """The record's hashes of read values: a digest per entry of the token table ("" for none)."""
    made, digests = data.get("made_from"), data.get("digests")
    if not (
        isinstance(made, dict)
        and all(isinstance(v, str) for v in made.values())
        and isinstance(tokens, list)
        and isinstance(digests, list)
        and len(digests) == len(tokens)
        and all(isinstance(t, str) for t in tokens)
        and all(isinstance(d, str) for d in digests)
    ):
        return Known()
    return Known(made, {t: d for t, d in zip(tokens, digests, strict=True) if d})


def save_pages(
    root: Path,
    key: str,
    rendered: Mapping[str, Rendered],
    exports: Mapping[str, Made] | None = None,
    known: Known | None = None,
    stamps: Mapping[str, Stamp] | None = None,
) -> None:
    """Record the pages (and the `exports` made from the fact base: what each read; `known`, the hashes of
    the reads' values; `stamps`, each page's file as the write left it) for the next generate."""
    pages = {path: [r.fingerprint, r.text_sha or _sha(r.text.encode("utf-8"))] for path, r in rendered.items()}
    # Each page's reads as numbers into one table of them: pages read many of the same things.
    number: dict[str, int] = {}
    inputs = {
        path: [r.inputs, [number.setdefault(t, len(number)) for t in r.reads]]
        for path, r in rendered.items()
        if r.inputs and r.reads
    }
    made = {
        path: [m.inputs, [number.setdefault(t, len(number)) for t in m.reads], m.sha]
        for path, m in (exports or {}).items()
        if m.inputs
    }
    known = known or Known()
    for token in known.digests:
        number.setdefault(token, len(number))
    digests = [known.digests.get(token, "") for token in number]
    record = {
        "key": key,
        "pages": pages,
        "tokens": list(number),
        "inputs": inputs,
        "exports": made,
        "made_from": dict(known.inputs),
        "digests": digests,
        "stamps": {path: list(found) for path, found in (stamps or {}).items() if path in pages},
    }
    _write_json(root, PAGES_RECORD, record)
