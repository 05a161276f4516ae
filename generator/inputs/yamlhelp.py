"""Turns the YAML parser's errors into an editor's words.

LibYAML says where it gave up ("while parsing a block mapping did not find expected key"), which is often
neither where the mistake is nor what it is. For the mistakes editors make (a straight quote inside a
quoted text, a text whose closing quote is missing, a tab, a field out of line, a colon in a text without
quotes), `explain` reads the file's lines and the parser's tokens up to the error, and says what is wrong,
at the line where the editor must act, and what to type there; with the lines concerned and a caret under
the place. It returns None for any other error: the caller then gives the parser's own message.

`curly_quotes` finds the other common paste: a whole value between typographic quotes “ ”, which YAML
takes as part of the text (so the site shows it as a quotation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

import yaml

EXCERPT_WIDTH = 110  # characters of a file's line shown in an excerpt; longer lines are cut around the caret
_KEY = re.compile(r"( *)(-[ \t]+)?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?:[ \t]|$)")
# A line that belongs to the structure, not to a text: a comment, a list item, a field.
_STRUCTURE = re.compile(r"[ \t]*(?:#|-[ \t]|[A-Za-z_][A-Za-z0-9_-]*[ \t]*:(?:[ \t]|$))")
_INDENTATION_PROBLEMS = ("did not find expected key", "did not find expected '-' indicator", "expected <block end>")
_QUOTES_INSIDE = "the article's typographic quotes “ ”"


@dataclass(frozen=True)
class Explanation:
    """A YAML error in an editor's words: where to act (1-based), what is wrong, what to type."""

    message: str
    line: int
    col: int
    hint: str
    excerpt: tuple[str, ...] = ()  # the file's lines concerned, numbered, with a caret line under the place


class _Level(NamedTuple):
    """A field or list item above a line, which the line may be meant to line up with (0-based)."""

    line: int
    col: int
    name: str  # the field's name, or "-" for a list item


class _Field(NamedTuple):
    indent: int  # spaces before the field (or before its '- ')
    dash: bool  # the line starts a list item
    col: int  # where the field's name starts
    name: str


def _field(line: str) -> _Field | None:
    m = _KEY.match(line)
    if m is None:
        return None
    indent = len(m.group(1))
    return _Field(indent, m.group(2) is not None, m.start(3), m.group(3))


class _Source:
    def __init__(self, text: str) -> None:
        self.lines = [line.removesuffix("\r") for line in text.split("\n")]

    def line(self, n: int) -> str:
        return self.lines[n] if 0 <= n < len(self.lines) else ""

    def char(self, n: int, col: int) -> str:
        line = self.line(n)
        return line[col] if 0 <= col < len(line) else ""

    def excerpt(self, rows: list[int], caret: tuple[int, int]) -> tuple[str, ...]:
        """The rows, numbered, and a caret under `caret` (0-based line and column)."""
        width = len(str(max(rows) + 1))
        out: list[str] = []
        for row in rows:
            text = self.line(row).replace("\t", "→")  # one visible character for a tab: the caret stays in line
            col = caret[1] if row == caret[0] else 0
            start = (
                0
                if len(text) <= EXCERPT_WIDTH
                else max(0, min(col - EXCERPT_WIDTH * 2 // 3, len(text) - EXCERPT_WIDTH))
            )
            shown = text[start : start + EXCERPT_WIDTH]
            lead = "…" if start else ""
            out.append(f"{row + 1:>{width}} | {lead}{shown}{'…' if start + EXCERPT_WIDTH < len(text) else ''}")
            if row == caret[0]:
                out.append(f"{'':>{width}} | {' ' * (len(lead) + col - start)}^")
        return tuple(out)

    def levels(self, before: int) -> list[_Level]:
        """The fields and list items a line at `before` could line up with, nearest first: the field above it,
        then each less indented field or list item above that, up to the top level."""
        found: list[_Level] = []
        limit: int | None = None
        for n in range(min(before, len(self.lines)) - 1, -1, -1):
            f = _field(self.lines[n])
            if f is None:
                continue
            if limit is None or f.col < limit:
                found.append(_Level(n, f.col, f.name))
                limit = f.col
            if f.dash and f.indent < limit:
                found.append(_Level(n, f.indent, "-"))
                limit = f.indent
            if limit == 0:
                break
        return found


def _spaces(n: int) -> str:
    return "no space" if n == 0 else "1 space" if n == 1 else f"{n} spaces"


def _mark(mark: yaml.Mark | None) -> tuple[int, int] | None:
    return None if mark is None else (mark.line, mark.column)


def _tokens(text: str, loader: type, until: tuple[int, int]) -> list[yaml.Token]:
    """The parser's tokens that start before `until` (0-based line and column), as far as it can read."""
    found: list[yaml.Token] = []
    scanner = loader(text)
    try:
        while (token := scanner.get_token()) is not None and not isinstance(token, yaml.StreamEndToken):
            if (token.start_mark.line, token.start_mark.column) >= until:
                break
            found.append(token)
    except yaml.YAMLError:
        pass
    finally:
        scanner.dispose()
    return found


def _quoted(token: yaml.Token) -> str:
    """The quote character of a quoted scalar token, or "" for any other token."""
    style = getattr(token, "style", None) if isinstance(token, yaml.ScalarToken) else None
    return style if style in ('"', "'") else ""


def explain(text: str, exc: yaml.MarkedYAMLError, loader: type) -> Explanation | None:
    """The parser's error `exc` on `text` in an editor's words, or None if it is not a mistake known here.
    `loader` is the loader class whose parser failed (its scanner gives the tokens before the error)."""
    at = _mark(exc.problem_mark) or _mark(exc.context_mark)
    if at is None:
        return None
    src = _Source(text)
    problem, context = exc.problem or "", exc.context or ""
    tab = _tab(src, at, problem)
    if tab is not None:
        return tab
    if "quoted scalar" in context and exc.context_mark is not None:
        opened = (exc.context_mark.line, exc.context_mark.column)
        if "end of stream" in problem or "document" in problem:
            return _unclosed(src, opened, None)
        if _swallows_fields(src, opened, at):
            return _unclosed(src, opened, at[0])
        if "escape" in problem:
            return _bad_escape(src, at)
        return None
    if "could not find expected ':'" in problem and exc.context_mark is not None:
        return _missing_colon(src, (exc.context_mark.line, exc.context_mark.column))
    if "expected <document start>" in problem:
        return _first_field_indented(src, at)
    tokens = _tokens(text, loader, at)
    return (
        _quote_ends_early(src, tokens, at)
        or _colon_in_value(src, tokens, at, problem)
        or _indentation(src, at, problem)
    )


def _missing_colon(src: _Source, key: tuple[int, int]) -> Explanation | None:
    """`actor yuri-ushakov`: a field's name without its colon (YAML notices only on the next line)."""
    n, col = key
    line = src.line(n)
    m = re.match(r"([A-Za-z_][A-Za-z0-9_-]*)[ \t]+(\S.*)", line[col:])
    if m is None or ": " in line[col:]:
        return None
    name = m.group(1)
    return Explanation(
        f"no colon after the field's name '{name}': a field is written as name, colon, space, value",
        n + 1,
        col + len(name) + 1,
        f"write {(line[:col].strip() + ' ').lstrip()}{name}: {m.group(2).rstrip()}",
        src.excerpt([n], (n, col + len(name))),
    )


def _first_field_indented(src: _Source, at: tuple[int, int]) -> Explanation | None:
    """The file's first field has spaces before it, and the next top-level field has none."""
    first = next(((n, f) for n, line in enumerate(src.lines) if (f := _field(line)) is not None), None)
    if first is None:
        return None
    n, f = first
    below = _field(src.line(at[0]))
    if f.dash or f.indent == 0 or below is None or below.indent >= f.indent or n >= at[0]:
        return None
    what = f"'{f.name}:'"
    return Explanation(
        f"wrong indentation: {what} starts in column {f.indent + 1}, but the fields below it start in "
        f"column {below.indent + 1}",
        n + 1,
        f.indent + 1,
        f"a top-level field starts at the beginning of the line: remove the {_spaces(f.indent)} before {what}",
        src.excerpt([n, at[0]], (n, f.indent)),
    )


def _tab(src: _Source, at: tuple[int, int], problem: str) -> Explanation | None:
    """A tab where YAML wants spaces (LibYAML stops at the tab itself)."""
    place: tuple[int, int] | None = None
    line = src.line(at[0])
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    if src.char(*at) == "\t":
        place = at
    elif "tab" in problem and "\t" in indent:
        place = (at[0], indent.index("\t"))
    if place is None:
        return None
    n, col = place
    line = src.line(n)
    hint = "replace the tab with spaces; YAML counts only spaces (set your editor to insert spaces for the Tab key)"
    stripped = line.lstrip(" \t")
    f = _field(stripped)
    if f is not None and col < len(line) - len(stripped):
        levels = [lv for lv in src.levels(n) if (lv.name == "-") == f.dash]
        if levels:
            ref = levels[0]
            what = f"'- {f.name}:'" if f.dash else f"'{f.name}:'"
            ref_name = "the '-'" if ref.name == "-" else f"'{ref.name}:'"
            hint = (
                f"replace the tab with spaces: line up {what} with {ref_name} on line {ref.line + 1}, "
                f"that is {_spaces(ref.col)} before it"
            )
    if line[:col].strip():
        message = "a tab (shown as →) where YAML needs a space: use spaces only, never tabs"
    else:
        message = "a tab (shown as →) in the indentation: YAML files are indented with spaces only"
    return Explanation(
        message,
        n + 1,
        col + 1,
        hint,
        src.excerpt([n], (n, col)),
    )


def _swallows_fields(src: _Source, opened: tuple[int, int], end: tuple[int, int]) -> bool:
    """Whether a quoted text from `opened` to `end` spans lines that look like fields or comments: then it
    was never closed, and YAML read on to the next quote."""
    if end[0] <= opened[0]:
        return False
    rows = [src.line(n) for n in range(opened[0] + 1, end[0])] + [src.line(end[0])[: end[1]]]
    return any(_STRUCTURE.match(row) for row in rows)


def _unclosed(src: _Source, opened: tuple[int, int], until_line: int | None) -> Explanation:
    """The text opened at `opened` runs on to the next quote, on `until_line` (None: to the end of the file)."""
    n, col = opened
    quote = src.char(n, col) or '"'
    line = src.line(n).rstrip()
    until = (
        "to the end of the file, taking all of it as part of the text"
        if until_line is None
        else f"to line {until_line + 1}, taking the lines in between as part of the text"
    )
    return Explanation(
        f"the text that starts with {quote} here has no closing {quote}: YAML reads on {until}",
        n + 1,
        col + 1,
        f"end the text with {quote} on this line: {line}{quote}",
        src.excerpt([n], opened),
    )


def _bad_escape(src: _Source, at: tuple[int, int]) -> Explanation:
    n, col = at
    back = col if src.char(n, col) == "\\" else col - 1 if src.char(n, col - 1) == "\\" else col
    char = src.char(n, back + 1)
    if char == "'":
        hint = "an apostrophe needs no backslash in double quotes: remove the \\ before it"
    else:
        hint = r"in double quotes a backslash starts an escape: write \" for a straight quote, \\ for a backslash"
    return Explanation(
        f"'\\{char}' is not an escape YAML knows in a text in double quotes",
        n + 1,
        back + 1,
        hint,
        src.excerpt([n], (n, back)),
    )


def _quote_ends_early(src: _Source, tokens: list[yaml.Token], at: tuple[int, int]) -> Explanation | None:
    """A quoted text that YAML closed before its end: a straight quote inside it, or a missing closing quote
    (then YAML closed it at the next quote, lines further on)."""
    last = next((t for t in reversed(tokens) if isinstance(t, yaml.ScalarToken)), None)
    if last is None or not _quoted(last):
        return None
    quote = _quoted(last)
    start = (last.start_mark.line, last.start_mark.column)
    end = (last.end_mark.line, last.end_mark.column)  # just after the quote that closed it
    after = src.line(end[0])[end[1] :].lstrip(" \t")
    if not after or after[0] in "#:,]}" or end > at:
        return None  # the text closes properly; the error is about something else
    if _swallows_fields(src, start, end):
        return _unclosed(src, start, end[0])
    n, col = end[0], end[1] - 1  # the quote inside the text
    line = src.line(n)
    fixed = _typographic(line, quote, start[1] if start[0] == n else -1, col)
    if quote == '"':
        message = 'a straight double quote (") inside the text ends it here, too early'
        hint = f"inside the text, use {_QUOTES_INSIDE}" + (f": {fixed}" if fixed else "")
        hint += r"; or write \" for each straight quote inside; or put the whole text in single quotes"
    else:
        message = "an apostrophe (') inside the text ends it here, too early: this text is in single quotes"
        hint = "write the apostrophe as ’" + (f": {fixed}" if fixed else "")
        hint += "; or write it twice (''); or put the whole text in double quotes"
    return Explanation(message, n + 1, col + 1, hint, src.excerpt([n], (n, col)))


def _typographic(line: str, quote: str, opening: int, inner: int) -> str:
    """The line with the straight quotes inside its quoted text made typographic (“ ” in pairs, or the
    typographic apostrophe), when the text opens and closes on this line."""
    if opening < 0:
        return ""
    whole = value = line.rstrip()
    comment = value.rfind(" #")
    if comment > inner and value[:comment].rstrip().endswith(quote):
        value = value[:comment].rstrip()
    closing = value.rfind(quote)
    if closing <= inner:
        return ""
    inside = value[opening + 1 : closing]
    if quote == "'":
        curly = inside.replace("'", "’")
    elif inside.count('"') % 2 or "\\" in inside:
        return ""
    else:
        parts = inside.split('"')
        curly = "".join(p + ("“" if i % 2 == 0 else "”") for i, p in enumerate(parts[:-1])) + parts[-1]
    return f"{value[: opening + 1].strip()}{curly}{whole[closing:]}"


def _colon_in_value(src: _Source, tokens: list[yaml.Token], at: tuple[int, int], problem: str) -> Explanation | None:
    """`field: words: more words`: YAML takes the second colon for a new field."""
    if not problem.startswith("mapping values are not allowed") or len(tokens) < 2:
        return None
    last, before = tokens[-1], tokens[-2]
    if not isinstance(last, yaml.ScalarToken) or _quoted(last):
        return None
    if last.start_mark.line != at[0]:
        start = (last.start_mark.line, last.start_mark.column)
        head, tail = src.line(start[0])[: start[1]], src.line(start[0])[start[1] :]
        if head.strip() in ("", "-") and ":" not in tail:
            return _missing_colon(src, start)  # `actor yuri-ushakov` and the next line's field joined it
        # a text without quotes that runs on over the next line, which is indented too far: the next line's
        # field joined it, and its colon is the one YAML refuses
        line = src.line(at[0])
        return _indentation(src, (at[0], len(line) - len(line.lstrip(" "))), "expected <block end>")
    if not isinstance(before, yaml.ValueToken):
        return None
    n, col = at
    line = src.line(n)
    value_at = last.start_mark.column
    value = line[value_at:]
    comment = value.find(" #")
    value = (value[:comment] if comment >= 0 else value).strip()
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return Explanation(
        "a colon followed by a space inside a text without quotes: YAML takes it for the start of a new field",
        n + 1,
        col + 1,
        f'put the whole text in double quotes: {line[:value_at].strip()} "{escaped}"',
        src.excerpt([n], (n, col)),
    )


def _indentation(src: _Source, at: tuple[int, int], problem: str) -> Explanation | None:
    """A field or list item that is not in line with the ones it belongs with."""
    if not any(p in problem for p in _INDENTATION_PROBLEMS):
        return None
    n = at[0]
    f = _field(src.line(n))
    if f is None or at[1] not in (f.indent, f.col):
        return None
    levels = [lv for lv in src.levels(n) if (lv.name == "-") == f.dash]
    if not levels:
        return None
    # the nearest column; on a tie, the nearest line above (the field the editor was writing beside)
    ref = min(levels, key=lambda lv: abs(lv.col - f.indent))
    if ref.col == f.indent:
        return None
    what = f"'- {f.name}:'" if f.dash else f"'{f.name}:'"
    ref_name = "the '-'" if ref.name == "-" else f"'{ref.name}:'"
    if ref.col == 0:
        hint = (
            f"line up {what} with {ref_name} on line {ref.line + 1}: a top-level field starts at the beginning "
            f"of the line; remove the {_spaces(f.indent)} before it"
        )
    else:
        hint = (
            f"line up {what} with {ref_name} on line {ref.line + 1}: put {_spaces(ref.col)} before it, not {f.indent}"
        )
    side = "less" if f.indent < ref.col else "more"
    message = (
        f"wrong indentation: {what} starts in column {f.indent + 1}, {side} indented than {ref_name} "
        f"on line {ref.line + 1} (column {ref.col + 1})"
    )
    return Explanation(message, n + 1, f.indent + 1, hint, src.excerpt([ref.line, n], (n, f.indent)))


# A whole value between typographic double quotes: pasted from a word processor, where YAML's own quotes
# (straight ones) were meant.
_OPENING = "“„”«"
_CLOSING = "”“»"


def curly_quotes(name: str, value: str) -> tuple[str, str] | None:
    """Message and hint when a value written without YAML's quotes is wrapped whole in typographic double
    quotes (the caller reports it as an error: the quotes would be published as part of the text, making an
    editor's words look like a quotation; a real quotation is still easy to write, in straight quotes)."""
    if len(value) < 2 or value[0] not in _OPENING or value[-1] not in _CLOSING:
        return None
    inner = value[1:-1].strip().replace("\\", "\\\\").replace('"', '\\"')
    return (
        f"'{name}' is wrapped in curly quotes {value[0]} {value[-1]}: YAML keeps them as part of the text, "
        "so the site would show it as a quotation",
        f"write YAML's straight quotes instead: {name}: \"{inner}\"; only if these are someone's exact words, "
        f'keep the curly quotes inside straight ones: {name}: "{value[0]}{inner}{value[-1]}"',
    )
