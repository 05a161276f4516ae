"""Stage 1: files -> documents. Reads facts/ and seeds/ defensively; builds no model yet.

Only regular files inside the expected folders are read (symlinks and stray files are refused), each
under a size cap, as strict UTF-8 without forbidden characters; a seed is split into front matter and
article. Problems become diagnostics; a file that cannot be read is left out and the rest still loads,
so one run reports everything. The YAML text is parsed (by the strict reader, `parse_yaml`) when the
document is checked: that is pure work on one file's text, which the check spreads over the cores.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from frontmatter.default_handlers import YAMLHandler

from generator.cache import FileCache, Key
from generator.diagnostics import Code, Diagnostic, error, warning
from generator.inputs import yamlsafe
from generator.model import ENTITY_TYPES, SheetInfo, Source, Where
from generator.project import Project

MAX_FACT_BYTES = 256 * 1024
MAX_SEED_BYTES = 512 * 1024  # far above any article; MkDocs takes seconds per page past it
SHEET_FILE = "factsheet.yaml"

_YAML_CODES = {
    "syntax": Code.YAML_SYNTAX,
    "forbidden": Code.YAML_FORBIDDEN,
    "duplicate-key": Code.YAML_DUPLICATE_KEY,
    "too-deep": Code.YAML_TOO_DEEP,
}


class Document(NamedTuple):
    """One input file, read but not yet parsed nor validated. A tuple: a large fact tree has one per file
    on every run, and a tuple is built several times faster than a frozen dataclass."""

    kind: type  # the model class it should become: Actor, Event, ..., Source or SheetInfo
    file: str  # its path; a Path is made only when asked for (a cached check reports few places)
    text: str  # the YAML: the whole file, or a seed's front matter (line numbers are the file's)
    body: str = ""  # seeds only: the article text after the front matter, verbatim
    body_line: int = 0  # seeds only: the file line on which the body starts
    cache_key: Key | None = None  # set when the file's checked result may be cached
    cached: bool = False  # the check's result for these exact bytes is in the cache: text was not kept
    stat: os.stat_result | None = None  # taken before reading, for the cache's stat index

    @property
    def path(self) -> Path:
        return Path(self.file)


@dataclass(frozen=True)
class Unread:
    """An input file listed but not read yet (see `load_project`): `read` it where it is checked."""

    kind: type
    file: str

    def read(self, cache: FileCache | None = None) -> tuple[Document | None, list[Diagnostic]]:
        return _load_file(self.kind, self.file, cache or FileCache.disabled())


@dataclass(frozen=True)
class Loaded:
    documents: list[Document | Unread]  # in a fixed order: facts/ by folder and name, then seeds/
    diagnostics: list[Diagnostic]


class FrontMatterProblem(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class FrontMatter:
    yaml: str  # starts with the newline that ends the opening '---', so YAML line numbers are file line numbers
    body: str  # everything after the closing '---' line, verbatim


_FENCE = re.compile(r"---[ \t]*\r?")
_CLOSING_FENCE = re.compile(r"^---[ \t]*\r?$", re.MULTILINE)


def split_front_matter(text: str) -> FrontMatter:
    """Split a seed into its YAML front matter and its body. Raises FrontMatterProblem.

    Stricter than python-frontmatter, which accepts any run of dashes anywhere as a boundary and
    silently drops what precedes it: here the first line must be '---' and the front matter ends at
    the next line that is exactly '---' (LF or CRLF line ends, trailing blanks tolerated).
    """
    first, newline, rest = text.partition("\n")
    if not newline or not _FENCE.fullmatch(first):
        raise FrontMatterProblem("no front matter at the start", 1)
    closing = _CLOSING_FENCE.search(rest)
    if closing is None:
        raise FrontMatterProblem("front matter is not closed by a line '---'", 1)
    body = rest[closing.end() :]
    return FrontMatter(yaml="\n" + rest[: closing.start()], body=body[1:] if body.startswith("\n") else body)


class SeedFrontMatter(YAMLHandler):
    """python-frontmatter's YAML format handler, made strict for seeds.

    Seeds stay ordinary python-frontmatter documents (other tools can `frontmatter.load` them), but the
    split is `split_front_matter` and the YAML goes through the strict reader, with positions, instead
    of the stock handler's lenient split and full YAML loader.
    """

    def detect(self, text: str) -> bool:
        return _FENCE.fullmatch(text.partition("\n")[0]) is not None

    def split(self, text: str) -> tuple[str, str]:
        parts = split_front_matter(text)
        return parts.yaml, parts.body

    # Nodes with positions, not the plain dict python-frontmatter's base class declares: the override
    # is deliberate (the strict reader has no dict form), so mypy's override check is silenced here only.
    def load(self, fm: str) -> yamlsafe.Node | None:  # type: ignore[override]
        return yamlsafe.parse(fm)


# Refused anywhere in an input file, before any parsing: C0 and C1 control characters (tab and LF/CRLF
# line ends excepted), a lone CR (editors and YAML would count lines differently), and the bidi
# embedding, override and isolate controls that make text display otherwise than it reads (Trojan Source).
# Also the 66 noncharacters (U+FDD0-FDEF and the last two code points of every plane, U+FFFE, U+FFFF, ...):
# not text, and YAML readers refuse them.
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(f"{chr(p + 0xFFFE)}{chr(p + 0xFFFF)}" for p in range(0, 0x110000, 0x10000))
_FORBIDDEN = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069{_NONCHARACTERS}]|\r(?!\n)")
# The same search, narrowed for text without characters past U+FFFF (almost every file): re tests a
# character against each of _FORBIDDEN's 40 ranges, which made this search most of reading a file.
# Where both apply they find the same first character: the ranges left out cannot occur in such text.
_FORBIDDEN_BMP = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufdd0-\ufdef\ufffe\uffff]|\r(?!\n)"
)
_FORBIDDEN_ASCII = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def forbidden_character(path: Path | str, text: str) -> Diagnostic | None:
    if text.isascii():
        # Printable once line ends and tabs are set aside: no control character, no lone CR. Two copies and
        # a test in C, several times faster than the search, which is left for the files that need it.
        if text.replace("\n", " ").replace("\t", " ").isprintable():
            return None
        found = _FORBIDDEN_ASCII.search(text)
    else:
        found = (_FORBIDDEN if _ASTRAL.search(text) else _FORBIDDEN_BMP).search(text)
    if found is None:
        return None
    char = found.group()
    line, col = yamlsafe.position(text, found.start())
    if char == "\r":
        hint = "save the file with LF (or CRLF) line ends"
    elif char == "\x00":
        hint = "a NUL byte: save the file as UTF-8 text (not UTF-16 or a binary format)"
    elif "\u202a" <= char <= "\u2069":
        hint = "remove it: direction-changing characters make text display otherwise than it reads"
    elif char > "\u2069":
        hint = "remove it: a noncharacter is not text (a damaged file, or bytes pasted from a binary)"
    else:
        hint = "remove it: control characters are invisible (often pasted from a terminal or a PDF)"
    name = unicodedata.name(char, "control character" if char <= "\u2069" else "noncharacter")
    return error(
        Where(Path(path), line, col), Code.FORBIDDEN_CHARACTER, f"forbidden character U+{ord(char):04X} ({name})", hint
    )


# Byte-order marks of the encodings that are not UTF-8; UTF-32 LE first, as it starts like UTF-16 LE.
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32 (little-endian, with a byte-order mark)"),
    (codecs.BOM_UTF32_BE, "UTF-32 (big-endian, with a byte-order mark)"),
    (codecs.BOM_UTF16_LE, "UTF-16 (little-endian, with a byte-order mark)"),
    (codecs.BOM_UTF16_BE, "UTF-16 (big-endian, with a byte-order mark)"),
)


def other_encoding(raw: bytes) -> str | None:
    """The encoding a file is in when it is plainly not UTF-8: a UTF-16 or UTF-32 byte-order mark, or
    (without one) text whose every other byte is NUL, as UTF-16 writes ASCII."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    head = raw[:64]
    if len(head) >= 4 and head.count(0) * 2 >= len(head) - 1:
        if not any(head[1::2]):
            return "UTF-16 (little-endian, without a byte-order mark)"
        if not any(head[0::2]):
            return "UTF-16 (big-endian, without a byte-order mark)"
    return None


def read_text(path: Path, max_bytes: int) -> str | Diagnostic:
    """The file's text, or the reason it cannot be used."""
    found = _read(str(path), max_bytes)
    return found if isinstance(found, Diagnostic) else found[0]


def _read(file: str, max_bytes: int, info: os.stat_result | None = None) -> tuple[str, bytes] | Diagnostic:
    """The file's text and bytes (what the cache's key hashes), or the reason it cannot be used. `info` is
    the file's lstat when the caller took it already (for the cache's stat index): one system call per
    file fewer, and a place (`Where`) made only for a problem: on a large fact sheet these were a third of
    reading."""
    try:
        info = info or os.lstat(file)
        if not stat.S_ISREG(info.st_mode):
            return error(
                _start(file),
                Code.NOT_A_REGULAR_FILE,
                "not a regular file (a symlink, folder or device)",
                "replace it with an ordinary file; links are refused so nothing outside the repo is read",
            )
        if info.st_size > max_bytes:
            return error(
                _start(file),
                Code.FILE_TOO_LARGE,
                f"file is {info.st_size} bytes; the limit is {max_bytes}",
                "split it or shorten it",
            )
        with open(file, "rb", buffering=0) as f:
            raw = f.read()
    except OSError as exc:
        return error(
            _start(file), Code.FILE_UNREADABLE, f"cannot read file: {exc.strerror}", "check the file's permissions"
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        return error(_start(file), Code.BOM, "file starts with a byte-order mark", "save it as UTF-8 without BOM")
    encoding = other_encoding(raw)
    if encoding is not None:
        return error(
            _start(file), Code.NOT_UTF8, f"the file is {encoding}, not UTF-8", "save it as UTF-8 (without BOM)"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return error(
            Where(Path(file), line, col),
            Code.NOT_UTF8,
            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
            "save the file as UTF-8",
        )
    return forbidden_character(file, text) or (text, raw)


def _start(file: str) -> Where:
    return Where(Path(file), 1, 1)


def parse_yaml(path: Path, text: str) -> tuple[yamlsafe.Node | None, Diagnostic | None]:
    try:
        return yamlsafe.parse(text), None
    except yamlsafe.YamlProblem as p:
        where = Where(path, p.line, p.col)
        return None, error(where, _YAML_CODES[p.kind], p.message, p.hint, p.excerpt)


def _listing(folder: Path, diagnostics: list[Diagnostic]) -> list[os.DirEntry[str]]:
    """The folder's entries by name; a symlinked folder is refused like a symlinked file."""
    if folder.is_symlink():
        diagnostics.append(
            error(
                Where(folder, 1, 1),
                Code.NOT_A_REGULAR_FILE,
                "a symlink, not a folder",
                "replace the link with a real folder; links are refused so nothing outside the repo is read",
            )
        )
        return []
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError:
        return []


def _unexpected(path: Path, hint: str) -> Diagnostic:
    return error(Where(path, 1, 1), Code.UNEXPECTED_FILE, "unexpected file or folder", hint)


def _hidden(entry: os.DirEntry[str]) -> list[Diagnostic]:
    """A hidden file or folder is never read: say so, so that a reviewer does not take it as checked (an
    empty .gitkeep, which only keeps a folder in git, excepted). A warning: an editor's swap file is
    hidden too; `--strict`, as in CI, refuses it."""
    try:
        if entry.name == ".gitkeep" and entry.is_file(follow_symlinks=False) and entry.stat().st_size == 0:
            return []
    except OSError:
        pass
    return [
        warning(
            Where(Path(entry.path), 1, 1),
            Code.UNEXPECTED_FILE,
            "hidden file or folder: it is never read nor checked",
            "rename it without the leading dot if it is a fact or a seed; otherwise delete it",
        )
    ]


def _document(
    kind: type,
    file: str,
    raw: bytes,
    yaml_text: str,
    cache: FileCache,
    info: os.stat_result | None,
    body: str = "",
    body_line: int = 0,
) -> Document:
    """The document for `yaml_text` (all or part of the file's text, whose bytes are `raw`), marked cached
    when the cache holds its check. The cache is only read here, so that this can run in a worker process.
    `file` is one string for the document, its key and the stat index: the cache pickles it once."""
    key = FileCache.key(kind, file, raw) if cache.enabled else None
    if key is not None and cache.holds(key):
        return Document(kind, file, "", cache_key=key, cached=True, stat=info)
    return Document(kind, file, yaml_text, body, body_line, key, stat=info)


def load_fact_file(kind: type, path: Path, cache: FileCache | None = None) -> tuple[Document | None, list[Diagnostic]]:
    return _load_file(kind, str(path), cache or FileCache.disabled())


def load_seed_file(path: Path, cache: FileCache | None = None) -> tuple[Document | None, list[Diagnostic]]:
    return _load_file(Source, str(path), cache or FileCache.disabled())


def _load_file(kind: type, file: str, cache: FileCache) -> tuple[Document | None, list[Diagnostic]]:
    """Read one file (a seed when `kind` is Source) by its path as a string: a `Path` is made only for a
    problem's place (making one per file was a sixth of reading a large fact sheet)."""
    info = None
    if cache.enabled:
        with contextlib.suppress(OSError):  # taken before reading: if the file changes, the next run sees it
            info = os.lstat(file)
    found = _read(file, MAX_SEED_BYTES if kind is Source else MAX_FACT_BYTES, info)
    if isinstance(found, Diagnostic):
        return None, [found]
    text, raw = found
    if kind is not Source:
        return _document(kind, file, raw, text, cache, info), []
    try:
        parts = split_front_matter(text)
    except FrontMatterProblem as exc:
        hint = "a seed starts with a line '---', then YAML fields, then a line '---', then the article text"
        return None, [error(Where(Path(file), exc.line, 1), Code.FRONT_MATTER, str(exc), hint)]
    body_line = text.count("\n", 0, len(text) - len(parts.body)) + 1
    return _document(Source, file, raw, parts.yaml, cache, info, parts.body, body_line), []


def load_project(project: Project, cache: FileCache | None = None, *, defer: bool = False) -> Loaded:
    """Read every input file of the project; never raises for bad input.

    With a cache, files whose bytes were checked before are not parsed again, and those whose stat
    (size, mtime, inode, ctime) is as when they were hashed are not even read. With `defer`, the files
    still to read are listed as `Unread`, for the check to read in its worker processes."""
    cache = cache or FileCache.disabled()
    documents: list[Document | Unread] = []
    diagnostics: list[Diagnostic] = []

    def take(kind: type, entry: os.DirEntry[str]) -> None:
        # The cached document of a file whose stat is as when it was hashed, without reading it.
        key = cache.unchanged(kind, entry) if cache.enabled else None
        doc = None if key is None else Document(kind, entry.path, "", "", 0, key, True)
        if doc is None:
            if defer:
                documents.append(Unread(kind, entry.path))
                return
            doc, problems = Unread(kind, entry.path).read(cache)
            diagnostics.extend(problems)
        if doc is not None:
            documents.append(doc)

    folders = {t.FOLDER: t for t in ENTITY_TYPES}
    sheet = project.facts_dir / SHEET_FILE
    if not os.path.lexists(sheet):
        diagnostics.append(
            error(
                Where(sheet, 0, 0),
                Code.MISSING_FIELD,
                f"{SHEET_FILE} is missing",
                "create it with title, description and focus_event (see docs/fact-format.md)",
            )
        )
    for entry in _listing(project.facts_dir, diagnostics):
        path = Path(entry.path)
        if entry.name.startswith("."):
            diagnostics.extend(_hidden(entry))
            continue
        if entry.name == SHEET_FILE:
            take(SheetInfo, entry)
        elif entry.name in folders and (entry.is_symlink() or entry.is_dir()):
            kind = folders[entry.name]
            for item in _listing(path, diagnostics):
                if item.name.startswith("."):
                    diagnostics.extend(_hidden(item))
                    continue
                if not item.name.endswith(".yaml"):
                    diagnostics.append(_unexpected(path / item.name, "fact files end in .yaml"))
                    continue
                take(kind, item)
        else:
            diagnostics.append(
                _unexpected(
                    path,
                    f"facts/ holds {SHEET_FILE} and the folders {', '.join(sorted(folders))}",
                )
            )
    for entry in _listing(project.seeds_dir, diagnostics):
        if entry.name.startswith("."):
            diagnostics.extend(_hidden(entry))
            continue
        if not entry.name.endswith(".md"):
            diagnostics.append(_unexpected(Path(entry.path), "seed files end in .md"))
            continue
        take(Source, entry)
    return Loaded(documents, diagnostics)
