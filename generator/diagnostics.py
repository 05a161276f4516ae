"""Typed diagnostics: every problem found in the inputs, with where it is and what to do about it.

Library code collects these (or raises `DiagnosticError`); only the CLI prints them.
"""

from __future__ import annotations

import contextlib
import errno
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from generator.model import Where


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


class Code(Enum):
    """Closed vocabulary of problems; the value is the stable code shown to editors."""

    FILE_UNREADABLE = "file-unreadable"
    FILE_TOO_LARGE = "file-too-large"
    NOT_UTF8 = "not-utf8"
    BOM = "byte-order-mark"
    FORBIDDEN_CHARACTER = "forbidden-character"
    NOT_A_REGULAR_FILE = "not-a-regular-file"
    UNEXPECTED_FILE = "unexpected-file"
    YAML_SYNTAX = "yaml-syntax"
    YAML_FORBIDDEN = "yaml-forbidden-construct"
    YAML_DUPLICATE_KEY = "duplicate-key"
    YAML_TOO_DEEP = "yaml-too-deep"
    FRONT_MATTER = "front-matter"
    MISSING_FIELD = "missing-field"
    UNKNOWN_FIELD = "unknown-field"
    WRONG_TYPE = "wrong-type"
    INVALID_VALUE = "invalid-value"
    INVALID_ID = "invalid-id"
    ID_MISMATCH = "id-mismatch"
    DUPLICATE_ID = "duplicate-id"
    INVALID_DATE = "invalid-date"
    INVALID_TIME = "invalid-time"
    INVALID_URL = "invalid-url"
    INVALID_TEXT = "invalid-text"
    CURLY_QUOTES = "curly-quotes"
    EMPTY_LIST = "empty-list"
    UNKNOWN_REFERENCE = "unknown-reference"
    QUOTE_NOT_FOUND = "quote-not-found"
    QUOTE_AMBIGUOUS = "quote-ambiguous"
    ALIAS_NOT_IN_QUOTE = "alias-not-in-quote"
    BODY_CHANGED = "body-changed"
    INCONSISTENT = "inconsistent"
    NOT_A_DISAGREEMENT = "not-a-disagreement"
    NO_QUOTED_WORDS = "no-quoted-words"
    ORDER_CYCLE = "order-cycle"
    ORDER_CONTRADICTS_DATE = "order-contradicts-date"
    BUILD_FAILED = "build-failed"
    BROKEN_LINK = "broken-link"
    FILE_EXISTS = "file-exists"
    GIT_FAILED = "git-failed"
    BROWSER_MISSING = "browser-missing"
    NO_ARTICLE = "no-article"  # `new source --from`: the saved page holds no article text
    LOOKS_TRANSLATED = "looks-translated"  # warnings of `new source --from` on the article it brought in
    LOOKS_CUT = "looks-cut"
    ENVIRONMENT = "environment"  # the machine, not the input: disk full, a read-only folder, out of memory


@dataclass(frozen=True, order=True)
class Diagnostic:
    where: Where
    severity: Severity
    code: Code
    message: str
    hint: str = ""
    excerpt: tuple[str, ...] = ()  # the file's lines concerned, numbered, and a caret line under the place

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def path_from(self, root: Path | None) -> str:
        """The file's path relative to `root` (as given when it lies elsewhere), with forward slashes."""
        path = self.where.path
        if root is not None:
            with contextlib.suppress(ValueError):
                path = path.relative_to(root)
        return visible(path.as_posix())

    def format(self, root: Path | None = None) -> str:
        """`path:line:col: error: message [code]`, then the excerpt's lines (if any) and the hint, indented."""
        path = self.path_from(root)
        text = f"{path}:{self.where.line}:{self.where.col}: {self.severity.value}: {self.message} [{self.code.value}]"
        text += "".join(f"\n    {line}" for line in self.excerpt)
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


_SHOWN_AS = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
MESSAGE_MAX = 600  # characters of a message or hint; longer ones are cut (values in them are cut sooner)
QUOTED_MAX = 80  # characters of a value from a file quoted in a message


def visible(text: str) -> str:
    """Text for a terminal or a CI log, on one line: characters that print nothing or steer the terminal
    (escape sequences, bidi overrides) taken from file names or values become visible \\u escapes, and line
    breaks become \\n, so no value can start a line of its own (a forged `::error` workflow command, or a
    fake `path:line:col` diagnostic). The output formats put their own line breaks between the parts."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _SHOWN_AS.get(c) or f"\\u{ord(c):04x}" for c in text)


def _bounded(text: str) -> str:
    text = visible(text)
    return text if len(text) <= MESSAGE_MAX else f"{text[:MESSAGE_MAX]}… ({len(text)} characters in all)"


def quoted(value: str) -> str:
    """A value from a file, quoted for a message: cut to QUOTED_MAX characters (saying how long it is),
    with its unprintable characters shown as escapes."""
    if len(value) > QUOTED_MAX:
        return f"'{visible(value[:QUOTED_MAX])}…' ({len(value)} characters)"
    return f"'{visible(value)}'"


EXCERPT_LINES = 6  # lines of a file shown under a problem (with the caret line)


def error(where: Where, code: Code, message: str, hint: str = "", excerpt: tuple[str, ...] = ()) -> Diagnostic:
    lines = tuple(_bounded(line) for line in excerpt[:EXCERPT_LINES])
    return Diagnostic(where, Severity.ERROR, code, _bounded(message), _bounded(hint), lines)


def warning(where: Where, code: Code, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(where, Severity.WARNING, code, _bounded(message), _bounded(hint))


def sorted_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    # Sorted by place so that output is stable and reads file by file.
    return sorted(diagnostics, key=lambda d: (str(d.where.path), d.where.line, d.where.col, d.code.value))


# Failures of the machine rather than of the input or of our code: what to do about each.
_UNCHANGED = "what was there before (the site, the docs folder) is unchanged"
_FAULT_HINTS = {
    errno.ENOSPC: "the disk is full: free some space, then run again",
    errno.EDQUOT: "your disk quota is used up: free some space, then run again",
    errno.EROFS: "the folder is on a read-only file system: run where you can write (a copy of the repository)",
    errno.EACCES: "you may not write here: check the owner and permissions of the folder",
    errno.EPERM: "the system refused: check the permissions and attributes (immutable?) of the file and its folder",
    errno.EMFILE: "too many files are open: close other programs or raise the limit (ulimit -n)",
    errno.ENFILE: "too many files are open on the system: close other programs, then run again",
    errno.ENOMEM: "the system is out of memory: close other programs or raise the limit (ulimit -v)",
}


def environment_fault(exc: BaseException, where: Path, *, named_first: bool = True) -> Diagnostic | None:
    """The diagnostic for a failure of the machine (disk full, read-only or protected folder, out of memory),
    located at the file the error names (or at `where`: first with `named_first=False`, for the file that
    was being written rather than its temporary copy); None for anything else, which is then a bug."""
    if isinstance(exc, MemoryError):
        hint = "close other programs or raise the limit (ulimit -v); the limits on inputs are in docs/security.md"
        return error(Where(where), Code.ENVIRONMENT, "ran out of memory", f"{hint}; {_UNCHANGED}")
    if not isinstance(exc, OSError) or exc.errno not in _FAULT_HINTS:
        return None
    named = exc.filename if isinstance(exc.filename, str) and exc.filename else None
    path = Path(named) if named and named_first else where
    hint = f"{_FAULT_HINTS[exc.errno]}; {_UNCHANGED}"
    return error(Where(path), Code.ENVIRONMENT, f"stopped by the system: {exc.strerror}", hint)


class DiagnosticError(Exception):
    """Raised when a stage cannot go on; carries the diagnostics that stopped it."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted_diagnostics(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))
