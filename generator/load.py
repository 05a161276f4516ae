"""Stage 1: files -> parsed documents. Reads facts/ and seeds/ defensively; builds no model yet.

Only regular files inside the expected folders are read (symlinks and stray files are refused), each
under a size cap, as strict UTF-8, through the strict YAML reader. Problems become diagnostics; a
file that cannot be read is left out and the rest still loads, so one run reports everything.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from frontmatter.default_handlers import YAMLHandler

from . import yamlsafe
from .diagnostics import Code, Diagnostic, error
from .model import ENTITY_TYPES, SheetInfo, Source, Where
from .project import Project

MAX_FACT_BYTES = 256 * 1024
MAX_SEED_BYTES = 2 * 1024 * 1024
SHEET_FILE = "factsheet.yaml"

_YAML_CODES = {
    "syntax": Code.YAML_SYNTAX,
    "forbidden": Code.YAML_FORBIDDEN,
    "duplicate-key": Code.YAML_DUPLICATE_KEY,
    "too-deep": Code.YAML_TOO_DEEP,
}


@dataclass(frozen=True)
class Document:
    """One input file, parsed but not yet validated."""

    kind: type  # the model class it should become: Actor, Event, ..., Source or SheetInfo
    path: Path
    node: yamlsafe.Node | None
    body: str = ""  # seeds only: the article text after the front matter, verbatim
    body_line: int = 0  # seeds only: the file line on which the body starts


@dataclass(frozen=True)
class Loaded:
    documents: list[Document]
    diagnostics: list[Diagnostic]


class StrictFrontMatter(YAMLHandler):
    """python-frontmatter's YAML handler, made strict.

    The stock handler accepts any run of three or more dashes anywhere as a boundary and silently
    ignores text before the first one; here the file must start with a line '---' and the front matter
    ends at the next line that is exactly '---'.
    """

    FM_BOUNDARY = re.compile(r"^---[ \t]*$", re.MULTILINE)

    def detect(self, text: str) -> bool:
        return text.startswith("---\n") or text.startswith("---\r\n")

    def split(self, text: str) -> tuple[str, str]:
        parts = self.FM_BOUNDARY.split(text, 2)
        if len(parts) != 3 or parts[0] != "":
            raise ValueError("front matter is not closed by a line '---'")
        _, fm, content = parts
        # The boundary regex stops before the newline that ends the closing '---' line.
        if content.startswith("\r\n"):
            content = content[2:]
        elif content.startswith("\n"):
            content = content[1:]
        return fm, content


def read_text(path: Path, max_bytes: int) -> tuple[str | None, Diagnostic | None]:
    """The file's text, or the reason it cannot be used."""
    where = Where(path, 1, 1)
    try:
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode):
            return None, error(
                where,
                Code.NOT_A_REGULAR_FILE,
                "not a regular file (a symlink, folder or device)",
                "replace it with an ordinary file; links are refused so nothing outside the repo is read",
            )
        if info.st_size > max_bytes:
            return None, error(
                where,
                Code.FILE_TOO_LARGE,
                f"file is {info.st_size} bytes; the limit is {max_bytes}",
                "split it or shorten it",
            )
        raw = path.read_bytes()
    except OSError as exc:
        return None, error(
            where, Code.FILE_UNREADABLE, f"cannot read file: {exc.strerror}", "check the file's permissions"
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        return None, error(where, Code.BOM, "file starts with a byte-order mark", "save it as UTF-8 without BOM")
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, error(
            Where(path, line, col),
            Code.NOT_UTF8,
            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
            "save the file as UTF-8",
        )


def parse_yaml(path: Path, text: str) -> tuple[yamlsafe.Node | None, Diagnostic | None]:
    try:
        return yamlsafe.parse(text), None
    except yamlsafe.YamlProblem as p:
        where = Where(path, p.line, p.col)
        return None, error(where, _YAML_CODES[p.kind], p.message, p.hint)


def _listing(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError:
        return []


def _unexpected(path: Path, hint: str) -> Diagnostic:
    return error(Where(path, 1, 1), Code.UNEXPECTED_FILE, "unexpected file or folder", hint)


def load_fact_file(kind: type, path: Path) -> tuple[Document | None, list[Diagnostic]]:
    text, problem = read_text(path, MAX_FACT_BYTES)
    if problem:
        return None, [problem]
    node, problem = parse_yaml(path, text)
    if problem:
        return None, [problem]
    return Document(kind, path, node), []


def load_seed_file(path: Path) -> tuple[Document | None, list[Diagnostic]]:
    text, problem = read_text(path, MAX_SEED_BYTES)
    if problem:
        return None, [problem]
    handler = StrictFrontMatter()
    hint = "a seed starts with a line '---', then YAML fields, then a line '---', then the article text"
    if not handler.detect(text):
        return None, [error(Where(path, 1, 1), Code.FRONT_MATTER, "no front matter at the start", hint)]
    try:
        fm, body = handler.split(text)
    except ValueError as exc:
        return None, [error(Where(path, 1, 1), Code.FRONT_MATTER, str(exc), hint)]
    # fm begins with the newline after the opening "---", so YAML line numbers are file line numbers.
    node, problem = parse_yaml(path, fm)
    if problem:
        return None, [problem]
    body_line = text.count("\n", 0, len(text) - len(body)) + 1
    return Document(Source, path, node, body=body, body_line=body_line), []


def load_project(project: Project) -> Loaded:
    """Read every input file of the project; never raises for bad input."""
    documents: list[Document] = []
    diagnostics: list[Diagnostic] = []

    def take(result: tuple[Document | None, list[Diagnostic]]) -> None:
        doc, problems = result
        if doc is not None:
            documents.append(doc)
        diagnostics.extend(problems)

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
    for entry in _listing(project.facts_dir):
        path = Path(entry.path)
        if entry.name.startswith("."):
            continue
        if entry.name == SHEET_FILE:
            take(load_fact_file(SheetInfo, path))
        elif entry.name in folders and entry.is_dir(follow_symlinks=False):
            kind = folders[entry.name]
            for item in _listing(path):
                item_path = Path(item.path)
                if item.name.startswith("."):
                    continue
                if not item.name.endswith(".yaml"):
                    diagnostics.append(_unexpected(item_path, "fact files end in .yaml"))
                    continue
                take(load_fact_file(kind, item_path))
        else:
            diagnostics.append(
                _unexpected(
                    path,
                    f"facts/ holds {SHEET_FILE} and the folders {', '.join(sorted(folders))}",
                )
            )
    for entry in _listing(project.seeds_dir):
        path = Path(entry.path)
        if entry.name.startswith("."):
            continue
        if not entry.name.endswith(".md"):
            diagnostics.append(_unexpected(path, "seed files end in .md"))
            continue
        take(load_seed_file(path))
    return Loaded(documents, diagnostics)
