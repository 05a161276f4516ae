"""Stage 2: parsed documents -> the fact model, with every problem as a diagnostic.

Conversion is driven by the model's type hints, so the schema has one definition (model.py). Then the
cross-checks: ids unique, references resolve, every quote found in its source, notes where metadata
is unknown. Nothing here prints or exits.
"""

from __future__ import annotations

import bisect
import dataclasses
import difflib
import functools
import hashlib
import importlib.resources
import pickle
import re
import types
import typing
import unicodedata
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz, process, utils

from generator import workers
from generator.cache import FileCache, Key, StaleCache, Stamp, stamp
from generator.checks import chronology, cite, quotes, rules
from generator.diagnostics import Code, Diagnostic, error, quoted, sorted_diagnostics, warning
from generator.inputs.load import Document, Loaded, Unread, parse_yaml
from generator.inputs.yamlhelp import curly_quotes
from generator.inputs.yamlsafe import Mapping, Node, Scalar, Sequence
from generator.model import (
    BY_KIND,
    ENTITY_TYPES,
    RESERVED_IDS,
    SLUG_MAX,
    SLUG_RE,
    Actor,
    Claim,
    ClockTime,
    Entity,
    Event,
    FactBase,
    FactDate,
    Position,
    Precision,
    Ref,
    SheetInfo,
    Source,
    Text,
    Topic,
    Voice,
    Where,
    all_citations,
    file_for,
    slugify,
)

_INVALID = object()  # a value that failed conversion; its diagnostic is already recorded
# Anchors the site makes itself (context.py: timeline months and days; source pages: paragraphs and
# quotes). A fact's id is an anchor on some page too (events on the timeline): it must not take one of these.
_GENERATED_ANCHOR = re.compile(r"t-\d{4}(?:-\d{2}){0,2}|p-\d+|q-[0-9a-f]{10}")
_URL = re.compile(r"^https?://[^\s<>\"'`]+$")
# Unicode categories never allowed in text: controls, format characters (zero-width, bidi, soft hyphen,
# tag characters: invisible, they make two names look equal or reorder text on screen), private use,
# surrogates, the line and paragraph separators, and unassigned code points (Cn, with the noncharacters
# U+FFFE, U+FFFF, U+FDD0-FDEF: no font draws them, and YAML readers, MkDocs' among them, refuse them).
# By category, so new invisibles are covered too.
_UNSEEN = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"})
# Characters that print nothing although their category says they would: the Hangul fillers (letters),
# BRAILLE PATTERN BLANK (a symbol), and the default-ignorable marks: combining grapheme joiner, Khmer
# inherent vowels, Mongolian and other variation selectors.
_BLANK = frozenset(
    "\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5\u180b\u180c\u180d\u180f"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
    + "".join(map(chr, range(0xE0100, 0xE01F0)))
)
_COMBINING = frozenset({"Mn", "Me"})
MAX_COMBINING_MARKS = 4  # on one character: Hebrew with points and accents needs 4; "Zalgo" text needs dozens
_VISIBLE = frozenset("LNPS")  # a letter, digit, punctuation mark or symbol (first letter of the category)
_NOT_PRINTABLE_ASCII = re.compile("[^\x20-\x7e]")
_VISIBLE_ASCII = re.compile("[!-~]")
_UNSEEN_NAMES = {"Cn": "unassigned code point", "Co": "private-use character", "Cs": "surrogate"}


def character_name(char: str) -> str:
    """`U+FFFF (noncharacter)`, `U+0430 (CYRILLIC SMALL LETTER A)`: a character as a reader can look it up."""
    code = ord(char)
    name = unicodedata.name(char, "")
    if not name:
        category = unicodedata.category(char)
        if (code & 0xFFFE) == 0xFFFE or 0xFDD0 <= code <= 0xFDEF:
            name = "noncharacter"
        else:
            name = _UNSEEN_NAMES.get(category, "control character")
    return f"U+{code:04X} ({name})"


def unseen_character(value: str, multiline: bool) -> tuple[int, str] | None:
    """Offset of the first thing a reader would not see as text, and what it is (to follow the field's
    name in a message), if any: an invisible or unassigned character, more than MAX_COMBINING_MARKS
    combining marks stacked on one character, or, in text that is not blank, no visible character at all.

    Spaces are fine; tabs and line breaks only in multi-line text.
    """
    allowed = "\t\n\r" if multiline else ""
    stacked, run_end = 0, -1
    # Only the characters that are not printable ASCII need a look: most text has none (two C string
    # tests tell, several times faster than starting the search).
    if not (value.isascii() and value.isprintable()):
        for found in _NOT_PRINTABLE_ASCII.finditer(value):
            i, char = found.start(), found.group()
            if char in allowed:
                continue
            category = unicodedata.category(char)
            if category in _UNSEEN or char in _BLANK:
                return i, f"contains {character_name(char)} at character {i + 1}"
            if category in _COMBINING:
                stacked = stacked + 1 if i == run_end else 1
                run_end = i + 1
                if stacked > MAX_COMBINING_MARKS:
                    return i, (
                        f"has more than {MAX_COMBINING_MARKS} accents (combining marks) in a row at character {i + 1}"
                    )
    visible = _VISIBLE_ASCII.search(value) or any(unicodedata.category(c)[0] in _VISIBLE for c in value)
    if value.strip() and not visible:
        return 0, "shows nothing: it has no visible letter, digit, punctuation mark or symbol"
    return None


@dataclass(frozen=True)
class Reference:
    kind: str
    id: str
    where: Where
    problem: Diagnostic | None = None  # not an id (or none): this diagnostic's hint awaits the ids of `kind`
    field: str = ""  # the field that holds it


@dataclass(frozen=True)
class CheckResult:
    diagnostics: list[Diagnostic]
    counts: dict[str, int]  # valid facts by kind ('sources', 'actors', ...), without building them
    load_facts: typing.Callable[[], FactBase] = dataclasses.field(repr=False, compare=False)

    @functools.cached_property
    def facts(self) -> FactBase:
        # Built on first use: `check` alone needs only the diagnostics, and cached objects are unpickled
        # only here.
        return self.load_facts()

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]


@cache
def _enum_members(tp: type[Enum]) -> dict[str, Enum]:
    # Looked up once per enum: reading `.value` goes through a Python descriptor, slow in a hot loop.
    return {m.value: m for m in tp}


@cache
def fields_of(cls: type) -> dict[str, tuple[dataclasses.Field, object]]:
    """The editor-facing fields of a model class with their resolved type hints."""
    hints = typing.get_type_hints(cls, include_extras=True)
    return {f.name: (f, hints[f.name]) for f in dataclasses.fields(cls) if not f.metadata.get("internal")}


def is_required(f: dataclasses.Field) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def _type_name(tp: object) -> str:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _type_name(typing.get_args(tp)[0])
    if origin is list:
        return "a list"
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return "a mapping of fields"
    return "text"


def _did_you_mean(word: str, choices: typing.Iterable[str]) -> str:
    # rapidfuzz's ratio is difflib's similarity, computed in C: cheap even over a few thousand choices.
    close = process.extract(word, list(choices), scorer=fuzz.ratio, limit=3, score_cutoff=60)
    return f"did you mean {' or '.join(repr(c) for c, _, _ in close)}?" if close else ""


NEAR_IDS = 100  # "did you mean" for an unknown id compares it with at most this many ids of its kind


class _NearIds:
    """The ids of one kind, sorted as written and as written backwards. The ids nearest an unknown one in
    either order (those sharing the longest beginning or end with it: a typo leaves one of them intact)
    are the candidates for "did you mean", so each unknown reference costs the same however many ids there are.
    """

    def __init__(self, ids: typing.Iterable[str]) -> None:
        self.forward = sorted(ids)
        self.backward = sorted(i[::-1] for i in self.forward)

    def candidates(self, word: str) -> list[str]:
        if len(self.forward) <= NEAR_IDS:
            return self.forward
        half = NEAR_IDS // 4
        at = bisect.bisect(self.forward, word)
        near = set(self.forward[max(0, at - half) : at + half])
        at = bisect.bisect(self.backward, word[::-1])
        near.update(i[::-1] for i in self.backward[max(0, at - half) : at + half])
        return sorted(near)

    def suggest(self, word: str) -> str:
        return _did_you_mean(word, self.candidates(word))

    def nearest(self, word: str, limit: int) -> list[str]:
        """The `limit` ids sharing most words with `word` (hyphens as spaces), nearest first, then by id."""
        scored = process.extract(
            word, self.candidates(word), scorer=fuzz.token_set_ratio, processor=utils.default_process, limit=None
        )
        return [c for c, _, _ in sorted(scored, key=lambda x: (-x[1], x[0]))[:limit]]


NEAREST_SHOWN = 5  # ids listed for a blank, missing or unknown reference, nearest first...
ALL_SHOWN = 8  # ...or all of them, when a kind has this many or fewer


class _IdHelp:
    """The ids of one kind and what editors write instead of them (a name, an alias, a file's path), for the
    hints of references that are not ids, blank, missing or unknown."""

    def __init__(self, kind: str, facts: dict[str, _Checked]) -> None:
        self.kind = kind
        self.ids = facts
        self.near = _NearIds(facts)
        self.by_name: dict[str, set[str]] = {}
        for fact_id, (_, summary, _) in facts.items():
            for name in summary[11]:  # FileCheck.names
                self.by_name.setdefault(_name_key(name), set()).add(fact_id)

    def meant(self, value: str) -> list[str]:
        """The ids `value` surely stands for: a file's path or name, a fact's name or alias, or its slug."""
        if _PATH_LIKE.search(value):
            value = _EXTENSION.sub("", re.split(r"[/\\]", value.strip())[-1])
            if value in self.ids:
                return [value]
        named = self.by_name.get(_name_key(value))
        if named:
            return sorted(named)
        slug = slugify(value)
        return [slug] if slug in self.ids else []

    def listing(self, context: str) -> str:
        """The ids to choose from: all when few, else the nearest to `context` (the file's name)."""
        folder = Path(file_for(self.kind, "x")).parent.as_posix()
        if not self.ids:
            return f"there is no {self.kind} yet: create one in {folder}/"
        if len(self.ids) <= ALL_SHOWN:
            ranked = self.near.nearest(context, len(self.ids))
            return f"the {self.kind}s are: {', '.join(repr(i) for i in ranked)}"
        ranked = self.near.nearest(context, NEAREST_SHOWN)
        return (
            f"the nearest {self.kind} ids are {', '.join(repr(i) for i in ranked)} "
            f"({len(self.ids)} in all, in {folder}/)"
        )

    def unknown(self, value: str, context: str) -> str:
        """The hint for an id that no fact of this kind has."""
        meant = self.meant(value)
        if meant:
            return f"did you mean {' or '.join(repr(i) for i in meant)}?"
        close = self.near.suggest(value)
        if close:
            return close
        return f"no {self.kind} id is close; {self.listing(value)}; or create {file_for(self.kind, value)}"

    def not_an_id(self, name: str, value: str, context: str, hint: str) -> str:
        """The hint for field `name`'s reference that is not an id (a name, a path), or is blank or missing
        (value ""); `hint` is what the field's check says."""
        if not value.strip():
            return f"{hint}; {self.listing(context)}"
        meant = self.meant(value)
        if len(meant) == 1:
            what = "a file path" if _PATH_LIKE.search(value) else "a name"
            return f"did you mean '{meant[0]}'? write {name}: {meant[0]} (the id of {a_kind(self.kind)}, not {what})"
        if meant:
            return f"did you mean {' or '.join(repr(i) for i in meant)}? {hint}"
        close = self.near.suggest(slugify(value) or value)
        return f"{close} {hint}" if close else f"{hint}; {self.listing(value)}"


_EXTENSION = re.compile(r"\.(?:md|ya?ml)$", re.IGNORECASE)


def _name_key(name: str) -> str:
    """Names compared as an editor would: case, whitespace, quote marks and dashes aside."""
    return quotes.fold_text(name).casefold()


class _Converter:
    """Turns one document's nodes into model objects, recording diagnostics and references."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        self.references: list[Reference] = []  # those that are not ids (see `want`)
        self.ids: list[tuple[str, str, int, int]] = []  # the ids referenced: (kind, id, line, col)
        self.required: bool | None = True  # the value being converted: a required field, an optional one, a list item

    def where(self, node: Node) -> Where:
        return Where(self.path, node.line, node.col)

    def fail(self, node: Node, code: Code, message: str, hint: str = "") -> object:
        self.diagnostics.append(error(self.where(node), code, message, hint))
        return _INVALID

    def want(self, kind: str, name: str, value: str) -> object:
        """The last failure is field `name`'s reference to a `kind` that is blank, missing ("") or not an id:
        the checks across files complete its hint with the ids to choose from."""
        problem = self.diagnostics[-1]
        self.references.append(Reference(kind, value, problem.where, problem, name))
        return _INVALID

    def empty_hint(self) -> str:
        # A required field is never told to go: without it the fact is refused for another reason.
        if self.required is None:
            return "give it a value, or remove this item (its line starting with '-')"
        return "give it a value: the field is required" if self.required else "give it a value or remove the field"

    def record(self, cls: type, node: Node) -> object:
        if not isinstance(node, Mapping):
            return self.fail(
                node,
                Code.WRONG_TYPE,
                f"expected a mapping of fields for {cls.__name__.lower()}",
                "write one 'field: value' per line",
            )
        plan = _record_plan(cls)
        values: dict[str, object] = {}
        ok = True
        for key, value_node in node.items:
            field_plan = plan.fields.get(key.value)
            if field_plan is None:
                self.fail(
                    key,
                    Code.UNKNOWN_FIELD,
                    f"unknown field {quoted(key.value)} in {cls.__name__.lower()}",
                    _did_you_mean(key.value, plan.fields) or f"allowed: {', '.join(plan.fields)}",
                )
                ok = False
                continue
            self.required = key.value in plan.required
            value = field_plan(self, value_node, key.value)
            if value is _INVALID:
                ok = False
            else:
                values[key.value] = value
        if not ok or not plan.required.keys() <= values.keys():
            present = {k.value for k, _ in node.items}
            for name, hint in plan.required.items():
                if name not in present:
                    self.fail(node, Code.MISSING_FIELD, f"missing required field '{name}'", hint)
                    if name in plan.refs:
                        self.want(plan.refs[name], name, "")
                    ok = False
        if not ok:
            return _INVALID
        at: Node = node
        if plan.anchor_field:
            at = next((v for k, v in node.items if k.value == plan.anchor_field), node)
        return cls(**values, where=self.where(at))

    def value(self, node: Node, tp: object, name: str, text_limits: bool = True) -> object:
        return converter_for(tp, text_limits)(self, node, name)

    def scalar(self, node: Node, tp: object, name: str, text_limits: bool = True) -> object:
        """A leaf value: text, a boolean, an enum member, a date or a time."""
        if not isinstance(node, Scalar):
            return self.fail(
                node,
                Code.WRONG_TYPE,
                f"'{name}' must be {_type_name(tp)}, not a {'list' if isinstance(node, Sequence) else 'mapping'}",
                "write the value on the same line as the field name",
            )
        if node.is_null:
            return self.fail(node, Code.MISSING_FIELD, f"'{name}' is empty", self.empty_hint())
        if tp is str:
            return self.text(node, node.value, name, multiline=False, max_length=2000) if text_limits else node.value
        if tp is bool:
            if node.plain and node.value in ("true", "false"):
                return node.value == "true"
            return self.fail(
                node,
                Code.WRONG_TYPE,
                f"'{name}' must be true or false, not {quoted(node.value)}",
                "write true or false, without quotes",
            )
        if isinstance(tp, type) and issubclass(tp, Enum):
            members = _enum_members(tp)
            if node.value in members:
                return members[node.value]
            allowed = list(members)
            return self.fail(
                node,
                Code.INVALID_VALUE,
                f"'{name}' is {quoted(node.value)}; allowed: {', '.join(allowed)}",
                _did_you_mean(node.value, allowed) or f"write one of: {', '.join(allowed)}",
            )
        if tp is FactDate:
            try:
                return FactDate.parse(node.value)
            except ValueError as exc:
                return self.fail(
                    node,
                    Code.INVALID_DATE,
                    f"'{name}' {quoted(node.value)} is not a valid date: {exc}",
                    _date_hint(name, node.value),
                )
        if tp is ClockTime:
            try:
                return ClockTime.parse(node.value)
            except ValueError as exc:
                return self.fail(
                    node, Code.INVALID_TIME, f"'{name}' {quoted(node.value)}: {exc}", 'quote it: time: "15:35"'
                )
        raise TypeError(f"model type {tp!r} has no converter")  # pragma: no cover - a bug in model.py

    def text(self, node: Node, value: str, name: str, multiline: bool, max_length: int) -> object:
        if isinstance(node, Scalar) and node.plain and name != "quote" and (curly := curly_quotes(name, value)):
            return self.fail(node, Code.CURLY_QUOTES, *curly)
        unseen = unseen_character(value, multiline)
        if unseen is not None:
            return self.fail(
                node,
                Code.INVALID_TEXT,
                f"'{name}' {unseen[1]}",
                "keep it on one line and retype it: tabs, line breaks, control, zero-width, bidi, private-use "
                "and unassigned characters, and stacks of accents, are refused"
                if not multiline
                else "retype the text: control, zero-width, bidi, private-use and unassigned characters, and "
                "stacks of accents, are refused",
            )
        if len(value) > max_length:
            return self.fail(
                node, Code.INVALID_TEXT, f"'{name}' is {len(value)} characters; the limit is {max_length}", "shorten it"
            )
        if not value.strip():
            hint = self.empty_hint() + (_CITE if name == "quote" else "")
            return self.fail(node, Code.MISSING_FIELD, f"'{name}' is blank", hint)
        return value

    def slug(self, node: Node, value: str, hint: str) -> object:
        if SLUG_RE.fullmatch(value) and len(value) <= SLUG_MAX:
            return value
        rule = f"use lowercase letters, digits and single hyphens, at most {SLUG_MAX} characters"
        return self.fail(
            node,
            Code.INVALID_ID,
            f"{quoted(value)} is not a valid id{_why_not_a_slug(value)}",
            f"{hint}; {rule}" if hint else rule,
        )

    def refine(self, node: Node, value: object, mark: object, name: str) -> object:
        if isinstance(mark, Text):
            return self.text(node, typing.cast(str, value), name, mark.multiline, mark.max_length)
        if isinstance(mark, Ref):
            # A reference is an id, never a path: '../x' or '/etc/passwd' fail here, before any lookup.
            text = typing.cast(str, value)
            what = f"'{name}' is the id of {a_kind(mark.kind)}"
            if self.slug(node, text, f"{what}, not a file path" if _PATH_LIKE.search(text) else what) is _INVALID:
                return self.want(mark.kind, name, text)
            self.ids.append((mark.kind, typing.cast(str, value), node.line, node.col))
            return value
        if mark == "slug":
            if value in RESERVED_IDS:
                return self.fail(
                    node,
                    Code.INVALID_ID,
                    f"the id '{value}' is reserved",
                    "it names a list page of the site; choose another",
                )
            if _GENERATED_ANCHOR.fullmatch(typing.cast(str, value)):
                return self.fail(
                    node,
                    Code.INVALID_ID,
                    f"the id '{value}' has the form of an anchor the site makes itself",
                    "t-YYYY-MM-DD (timeline months and days), p-N (paragraphs) and q- with 10 hex digits (quotes) "
                    "are the site's own; choose another id",
                )
            return self.slug(node, typing.cast(str, value), "")
        if mark == "url":
            if not _URL.fullmatch(typing.cast(str, value)):
                return self.fail(
                    node,
                    Code.INVALID_URL,
                    f"'{name}' must be an http:// or https:// address",
                    "other schemes (javascript:, data:, file:) are refused",
                )
            return value
        if mark in ("nonempty", "two-or-more"):
            need = 1 if mark == "nonempty" else 2
            if len(typing.cast(list, value)) < need:
                return self.fail(
                    node,
                    Code.EMPTY_LIST,
                    f"'{name}' needs at least {need} item{'s' * (need > 1)}",
                    "every fact needs a citation" if name == "citations" else "a claim needs two differing answers",
                )
            return value
        return self.text(node, typing.cast(str, value), name, multiline=False, max_length=2000)


_NOT_SLUG_CHARACTER = re.compile("[^a-z0-9-]")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def _date_hint(name: str, value: str) -> str:
    """What to write for a date: the same date year first when the value is a day and month (in either order,
    if only one is a real date) and a year, as 30/12/2021; else the three forms."""
    found = _DAY_MONTH_YEAR.fullmatch(value.strip())
    if found:
        a, b, year = (int(g) for g in found.groups())
        dates = set()
        for day, month in ((a, b), (b, a)):
            try:
                dates.add(FactDate.parse(f"{year:04d}-{month:02d}-{day:02d}").iso())
            except ValueError:
                continue
        if len(dates) == 1:
            return f'write it year first: {name}: "{dates.pop()}"'
    return 'write e.g. "2021-12-30", "2021-12" or "2021"'


_PATH_LIKE = re.compile(r"[/\\]|\.(?:md|ya?ml)$", re.IGNORECASE)


_CITE = '; to copy words from the article, run: factsheet cite SOURCE-ID "a few of its words"'


def a_kind(kind: str) -> str:
    """'an actor', 'a topic': a kind of fact with its article."""
    return f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind}"


def _why_not_a_slug(value: str) -> str:
    """What a reader cannot see: a letter that only looks like ASCII (Cyrillic a, Greek o) is named."""
    found = _NOT_SLUG_CHARACTER.search(value)
    if found is None or found.group().isascii():
        return ""
    return f": {character_name(found.group())} at character {found.start() + 1} is not an ASCII letter"


Convert = typing.Callable[[_Converter, Node, str], object]


@cache
def converter_for(tp: object, text_limits: bool = True) -> Convert:
    """The conversion for a type hint, worked out once per type rather than once per value: for the
    common leaf types, a fast path that accepts a plainly valid value in a few tests and leaves anything
    else (every value with a problem) to the full conversion, so diagnostics come from one place."""
    full = _full_converter(tp, text_limits)
    return _fast_converter(tp, text_limits, full) or full


_NULLS = frozenset(("", "~", "null", "Null", "NULL"))  # as Scalar.is_null: a plain scalar meaning null


def _fast_converter(tp: object, text_limits: bool, full: Convert) -> Convert | None:
    """A converter equal to `full` for the values it accepts itself; None when the type has no fast path.

    Each accepts only a scalar that is not null and that the full conversion would return unchanged
    without a diagnostic: printable ASCII text (no curly quotes, nothing unseen) within the length
    limit and not blank; an id matching the slug rule (and, for a fact's own id, not reserved nor an
    anchor's form); an enum's value as written."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        base, *marks = typing.get_args(tp)
        if base is not str or len(marks) != 1:
            return None
        mark = marks[0]
        if isinstance(mark, Text):
            limit = mark.max_length

            def text(conv: _Converter, node: Node, name: str) -> object:
                if node.__class__ is Scalar:
                    value = node.value
                    if (
                        value.isascii()
                        and value.isprintable()
                        and len(value) <= limit
                        and value.strip()
                        and not (node.plain and value in _NULLS)
                    ):
                        return value
                return full(conv, node, name)

            return text
        if isinstance(mark, Ref):
            kind = mark.kind

            def reference(conv: _Converter, node: Node, name: str) -> object:
                if node.__class__ is Scalar:
                    value = node.value
                    if len(value) <= SLUG_MAX and SLUG_RE.fullmatch(value) and not (node.plain and value == "null"):
                        conv.ids.append((kind, value, node.line, node.col))
                        return value
                return full(conv, node, name)

            return reference
        if mark == "slug":

            def own_id(conv: _Converter, node: Node, name: str) -> object:
                if node.__class__ is Scalar:
                    value = node.value
                    if (
                        len(value) <= SLUG_MAX
                        and SLUG_RE.fullmatch(value)
                        and value not in RESERVED_IDS
                        and not _GENERATED_ANCHOR.fullmatch(value)
                        and not (node.plain and value == "null")
                    ):
                        return value
                return full(conv, node, name)

            return own_id
        return None
    if isinstance(tp, type) and issubclass(tp, Enum):
        members = _enum_members(tp)

        def member(conv: _Converter, node: Node, name: str) -> object:
            if node.__class__ is Scalar and not (node.plain and node.value in _NULLS):
                found = members.get(node.value)
                if found is not None:
                    return found
            return full(conv, node, name)

        return member
    return None


def _full_converter(tp: object, text_limits: bool) -> Convert:
    """The full conversion for a type hint: every check, every diagnostic."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = converter_for(next(a for a in typing.get_args(tp) if a is not type(None)))

        def optional(conv: _Converter, node: Node, name: str) -> object:
            if isinstance(node, Scalar) and node.is_null:
                return None
            return inner(conv, node, name)

        return optional
    if origin is typing.Annotated:
        base, *marks = typing.get_args(tp)
        # A Text mark sets its own limits (line breaks, length); the plain-text defaults must not apply first.
        convert_base = converter_for(base, not any(isinstance(m, Text) for m in marks))
        refiners = [_refiner(mark) for mark in marks]

        ref = next((m.kind for m in marks if isinstance(m, Ref)), None)

        def annotated(conv: _Converter, node: Node, name: str) -> object:
            value = convert_base(conv, node, name)
            blank = isinstance(node, Scalar) and (node.is_null or not node.value.strip())
            if value is _INVALID and ref is not None and blank:
                return conv.want(ref, name, "")  # empty or blank: the hint will list the ids
            for refine in refiners:
                if value is _INVALID:
                    break
                value = refine(conv, node, value, name)
            return value

        return annotated
    if origin is list:
        (item_type,) = typing.get_args(tp)
        convert_item = converter_for(item_type)

        def sequence(conv: _Converter, node: Node, name: str) -> object:
            if not isinstance(node, Sequence):
                if isinstance(node, Scalar) and node.is_null:
                    return []
                return conv.fail(node, Code.WRONG_TYPE, f"'{name}' must be a list", "write one '- item' per line")
            items = []
            for item in node.items:
                conv.required = None
                items.append(convert_item(conv, item, name))
            return _INVALID if any(i is _INVALID for i in items) else items

        return sequence
    if isinstance(tp, type) and dataclasses.is_dataclass(tp) and tp not in (FactDate, ClockTime):
        return lambda conv, node, name: conv.record(tp, node)
    return lambda conv, node, name: conv.scalar(node, tp, name, text_limits)


def _refiner(mark: object) -> typing.Callable[[_Converter, Node, object, str], object]:
    if isinstance(mark, Text):  # the most common mark: skip the dispatch in refine()
        multiline, max_length = mark.multiline, mark.max_length
        return lambda conv, node, value, name: conv.text(node, typing.cast(str, value), name, multiline, max_length)
    return lambda conv, node, value, name: conv.refine(node, value, mark, name)


@dataclass(frozen=True)
class _RecordPlan:
    fields: dict[str, Convert]
    required: dict[str, str]  # name -> the hint when it is missing
    anchor_field: str | None
    refs: dict[str, str]  # name -> the kind of fact it references, for the fields that hold one id


@cache
def _record_plan(cls: type) -> _RecordPlan:
    fields = fields_of(cls)
    return _RecordPlan(
        {name: converter_for(tp) for name, (_, tp) in fields.items()},
        {
            name: f"add '{name}:' ({str(f.metadata.get('doc', '')).rstrip('.')})"
            for name, (f, _) in fields.items()
            if is_required(f)
        },
        getattr(cls, "WHERE_FIELD", None),
        {name: kind for name, (_, tp) in fields.items() if (kind := _ref_kind(tp))},
    )


def _ref_kind(tp: object) -> str | None:
    """The kind a field type references (`ActorId`, `ActorId | None`), if it holds one id."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return next((k for a in typing.get_args(tp) if (k := _ref_kind(a))), None)
    if typing.get_origin(tp) is typing.Annotated:
        return next((m.kind for m in typing.get_args(tp)[1:] if isinstance(m, Ref)), None)
    return None


def convert(doc: Document) -> tuple[object | None, list[Diagnostic], list[Reference]]:
    """One document -> one model object (None if invalid), its diagnostics and its references."""
    obj, diagnostics, conv = _convert(doc)
    found = [Reference(kind, i, Where(conv.path, line, col)) for kind, i, line, col in conv.ids]
    return obj, diagnostics, found + conv.references


def _convert(doc: Document) -> tuple[object | None, list[Diagnostic], _Converter]:
    """`convert`, with the references as the converter holds them: the ids as tuples (no object per id)."""
    path = doc.path  # a new Path on each use of the property: one per file here
    conv = _Converter(path)
    node, problem = parse_yaml(path, doc.text)
    if problem is not None:
        return None, [problem], conv
    if node is None:
        conv.diagnostics.append(
            error(Where(path, 1, 1), Code.MISSING_FIELD, "the file is empty", "see docs/fact-format.md for the fields")
        )
        return None, conv.diagnostics, conv
    obj = conv.record(doc.kind, node)
    if obj is _INVALID:
        return None, conv.diagnostics, conv
    if isinstance(obj, Source):
        obj = dataclasses.replace(obj, body=doc.body, body_line=doc.body_line)
    fields = {k.value: v for k, v in typing.cast(Mapping, node).items}
    conv.diagnostics.extend(_field_checks(obj, fields, conv.where))
    expected = path.name.rsplit(".", 1)[0]
    if hasattr(obj, "id") and obj.id != expected:
        id_node = fields["id"]
        rename = f"rename the file to '{obj.id}{path.suffix}'"
        valid_name = SLUG_RE.fullmatch(expected) and len(expected) <= SLUG_MAX and expected not in RESERVED_IDS
        conv.fail(
            id_node,
            Code.ID_MISMATCH,
            f"id '{obj.id}' does not match the file name {quoted(path.name)}",
            f"{rename} or set id: {expected}"
            if valid_name and not _GENERATED_ANCHOR.fullmatch(expected)
            # Never propose an id that is itself refused (a homoglyph, '-rf', 'joe biden').
            else f"{rename}; {quoted(expected)} is not a valid id{_why_not_a_slug(expected)}",
        )
    return obj, conv.diagnostics, conv


def _field_checks(obj: object, fields: dict[str, Node], where: typing.Callable[[Node], Where]) -> Iterator[Diagnostic]:
    """Rules on one field's value, reported where that value stands (model objects keep no place per field)."""
    if isinstance(obj, Event) and obj.timezone is not None and not _is_time_zone(obj.timezone):
        yield error(
            where(fields["timezone"]),
            Code.INVALID_TIME,
            f"unknown time zone {quoted(obj.timezone)}",
            _did_you_mean(obj.timezone, time_zones()) or "use an IANA name, e.g. America/New_York or UTC",
        )
    if isinstance(obj, Event) and obj.end is not None and obj.end <= obj.date:
        yield error(
            where(fields["end"]),
            Code.INVALID_DATE,
            f"end {obj.end} is not after date {obj.date}",
            "end is the last day of an event over several days; remove it for a one-day event",
        )
    elif isinstance(obj, Source) and obj.boilerplate:
        paragraphs = {" ".join(obj.body[a:b].split()) for a, b in obj.paragraphs()}
        items = typing.cast(Sequence, fields["boilerplate"]).items
        for line, item in zip(obj.boilerplate, items, strict=True):
            if " ".join(line.split()) not in paragraphs:
                yield error(
                    where(item),
                    Code.INVALID_VALUE,
                    f"boilerplate line not found as a paragraph of the body: {quoted(line)}",
                    "copy the whole line exactly as it stands in the article text",
                )


def _entity_checks(obj: object) -> Iterator[Diagnostic]:
    """Rules within one entity that types alone cannot say."""
    if isinstance(obj, Position):
        yield from _attribution_checks(obj)
    elif isinstance(obj, Claim):
        yield from _claim_checks(obj)
    elif isinstance(obj, Event):
        if (obj.time is None) != (obj.timezone is None):
            yield error(
                obj.where,
                Code.INVALID_TIME,
                "time and timezone go together",
                "give both (timezone as an IANA name, e.g. America/New_York) or neither",
            )
        if obj.time is not None and obj.date.precision is not Precision.DAY:
            yield error(
                obj.where,
                Code.INVALID_TIME,
                f"a time of day is given but the date {obj.date} names no day",
                "remove time and timezone, or give the full date YYYY-MM-DD",
            )
    elif isinstance(obj, Source):
        for name in ("title", "outlet", "author", "date", "url"):
            if getattr(obj, name) is None and getattr(obj, f"{name}_note") is None:
                yield error(
                    obj.where,
                    Code.INCONSISTENT,
                    f"{name} is null but {name}_note is missing",
                    f"say in {name}_note what the text does show (e.g. a credit line), never invent one",
                )
        if obj.translated and obj.translation_note is None:
            yield warning(
                obj.where,
                Code.INCONSISTENT,
                "translated is true but translation_note is missing",
                "say what makes it read as a translation",
            )
        if obj.original_sha256 is not None:
            digest = hashlib.sha256(obj.body.encode("utf-8")).hexdigest()
            if digest != obj.original_sha256:
                yield error(
                    obj.where,
                    Code.BODY_CHANGED,
                    "the article text differs from the original (SHA-256)",
                    "the body must stay verbatim; undo the edit to the text below the front matter",
                )


def _attribution_checks(obj: Position) -> Iterator[Diagnostic]:
    """Who speaks: a reported position names exactly one teller; the other voices name none."""
    tellers = [x for x in (obj.reported_by, obj.reported_by_unnamed) if x is not None]
    if obj.voice is Voice.REPORTED and len(tellers) != 1:
        yield error(
            obj.where,
            Code.INCONSISTENT,
            "voice is 'reported' but "
            + ("no one is named as telling it" if not tellers else "both reported_by and reported_by_unnamed are set"),
            "give reported_by: <id of the actor whose account it is>, or reported_by_unnamed: the unnamed source "
            'as the article describes them (e.g. "a White House official"); one of the two',
        )
    if obj.voice is not Voice.REPORTED and tellers:
        yield error(
            obj.where,
            Code.INCONSISTENT,
            f"voice is '{obj.voice.value}' but the position names who reported it",
            "set voice: reported, or remove reported_by / reported_by_unnamed",
        )


def _claim_checks(obj: Claim) -> Iterator[Diagnostic]:
    """A claim is a difference between sources: two different answers, not all from the same sources."""
    answers = {" ".join(a.answer.casefold().split()) for a in obj.answers}
    source_sets = {frozenset(c.source for c in a.citations) for a in obj.answers}
    if len(answers) < 2:
        yield error(
            obj.where,
            Code.NOT_A_DISAGREEMENT,
            "the answers of this claim are all the same",
            "a claim records where sources differ: give at least two different answers, or remove the claim",
        )
    elif len(source_sets) < 2:
        yield error(
            obj.where,
            Code.NOT_A_DISAGREEMENT,
            "every answer cites the same sources",
            "a claim records where sources differ: each different answer needs the source that gives it",
        )


@cache
def time_zones() -> frozenset[str]:
    """The zone names a fact may give: the tz database's own list (the tzdata package), the same on every
    machine; the system's only where tzdata is missing. A name is looked up in this list, never opened as
    a path first: `America` (a folder of the database), `../../etc/passwd` or `localtime` is just unknown."""
    try:
        names = set(importlib.resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split())
    except (ModuleNotFoundError, OSError):
        names = zoneinfo.available_timezones()
    return frozenset(names - {"localtime", "posixrules", "Factory"})


def _is_time_zone(name: str) -> bool:
    if name not in time_zones():
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # listed, but its file is missing or damaged
        return False
    return True


class FileCheck(typing.NamedTuple):
    """What the checks across files need from one file, kept in the cache for every file (small: no
    model object, no paths; places are line and column in this file). A tuple, as it is unpickled for
    every file on every cached check."""

    valid: bool  # converted to a model object
    id: str | None  # None for the sheet's own file
    line: int
    col: int
    problems: tuple[Diagnostic, ...]  # from converting the file
    entity_problems: tuple[Diagnostic, ...]  # rules within the entity; not reported for a duplicate id
    references: tuple[tuple[str, str, int, int], ...]  # (kind, id, line, col)
    citations: tuple[tuple[str, str, int, int], ...]  # (source, quote, line, col), aliases' and roles' too
    body_sha: str | None = None  # sources only: the key of remembered quote lookups
    # What the rules across facts need (rules.py): a position's voice; an event's date, time and relations.
    placing: tuple[str, str | None, tuple[str, ...], tuple[str, ...]] | str | None = None
    # References that are not ids (a name, a path, blank, missing), each with its problem, reported by the
    # checks across files with the ids to choose from: (kind, field, value as written, the problem).
    unresolved: tuple[tuple[str, str, str, Diagnostic], ...] = ()
    names: tuple[str, ...] = ()  # what editors may write instead of the id: name, aliases, title, label


def _alias_checks(obj: object) -> Iterator[Diagnostic]:
    for alias in getattr(obj, "aliases", []):
        for c in alias.citations:
            if quotes.fold_text(alias.name) not in quotes.fold_text(c.quote):
                yield error(
                    c.where,
                    Code.ALIAS_NOT_IN_QUOTE,
                    f"the quote does not contain the alias '{alias.name}'",
                    "quote the words where this spelling is printed",
                )


# Per fact file, so that the checks across files do a bounded amount of work for each (docs/security.md).
MAX_CITATIONS = 500  # quotes, those of aliases and roles included
MAX_REFERENCES = 1_000  # ids of other facts, each citation's source among them


def _too_many(doc: Document, items: tuple[tuple[str, str, int, int], ...], limit: int, what: str) -> list[Diagnostic]:
    if len(items) <= limit:
        return []
    *_, line, col = items[limit]  # the first one over the limit
    return [
        error(
            Where(doc.path, line, col),
            Code.FILE_TOO_LARGE,
            f"the file has {len(items)} {what}; the limit is {limit} per file",
            "split the fact into several files, or keep the most telling ones",
        )
    ]


# Per seed: its non-blank lines, each a paragraph of the page. Python-Markdown's work on a page grows with their
# number times the page's length (2 MB of short lines took minutes); real articles have tens.
MAX_PARAGRAPHS = 2_000


def _too_many_paragraphs(source: Source, doc: Document) -> list[Diagnostic]:
    spans = source.paragraphs()
    if len(spans) <= MAX_PARAGRAPHS:
        return []
    line = source.body_line + source.body.count("\n", 0, spans[MAX_PARAGRAPHS][0])  # the first one over
    return [
        error(
            Where(doc.path, line, 1),
            Code.FILE_TOO_LARGE,
            f"the article has {len(spans)} paragraphs (non-blank lines); the limit is {MAX_PARAGRAPHS}",
            "split it into several seeds, or join the lines of each paragraph into one",
        )
    ]


def check_file(doc: Document) -> tuple[FileCheck, object | None]:
    """Everything about one file that depends only on its bytes, kind and path (the cache key)."""
    obj, problems, conv = _convert(doc)
    references = tuple(conv.ids)
    # A reference that is not an id is reported by the checks across files, with the ids to choose from.
    unresolved = tuple((r.kind, r.field, r.id, r.problem) for r in conv.references if r.problem is not None)[
        :MAX_REFERENCES
    ]
    held = {id(p) for *_, p in unresolved}
    problems = [p for p in problems if id(p) not in held]
    problems.extend(_too_many(doc, references, MAX_REFERENCES, "references to other facts"))
    references = references[:MAX_REFERENCES]  # the rest is not looked up: the file is refused anyway
    if obj is None:
        return FileCheck(False, None, 0, 0, tuple(problems), (), references, (), unresolved=unresolved), None
    where = typing.cast("Entity | SheetInfo", obj).where  # every model object knows where it was written
    own = (*_entity_checks(obj), *_alias_checks(obj)) if not isinstance(obj, SheetInfo) else ()
    citations = tuple((c.source, c.quote, c.where.line, c.where.col) for c in all_citations(obj))
    problems.extend(_too_many(doc, citations, MAX_CITATIONS, "citations"))
    if isinstance(obj, Source):
        problems.extend(_too_many_paragraphs(obj, doc))
    citations = citations[:MAX_CITATIONS]
    body_sha = hashlib.sha256(obj.body.encode("utf-8")).hexdigest() if isinstance(obj, Source) else None
    placing: tuple[str, str | None, tuple[str, ...], tuple[str, ...]] | str | None = None
    if isinstance(obj, Event):
        placing = (obj.date.iso(), str(obj.time) if obj.time else None, tuple(obj.before), tuple(obj.after))
    elif isinstance(obj, Position):
        placing = obj.voice.value
    summary = FileCheck(
        True,
        getattr(obj, "id", None),
        where.line,
        where.col,
        tuple(problems),
        own,
        references,
        citations,
        body_sha,
        placing,
        (),
        _names(obj),
    )
    return summary, obj


def _names(obj: object) -> tuple[str, ...]:
    """What an editor may write where the fact's id belongs: its name and aliases, title, label, question."""
    names = [getattr(obj, f, None) for f in ("name", "title", "label", "question")]
    names.extend(a.name for a in getattr(obj, "aliases", ()))
    return tuple(n for n in names if isinstance(n, str))


_Loader = typing.Callable[[], object]
# FileCheck's fields as a plain tuple, as the cache keeps them: a FileCheck is one, and reordering its
# fields breaks the type check of the code that reads them by position.
_Summary = tuple[
    bool,
    str | None,
    int,
    int,
    tuple[Diagnostic, ...],
    tuple[Diagnostic, ...],
    tuple[tuple[str, str, int, int], ...],
    tuple[tuple[str, str, int, int], ...],
    str | None,
    tuple[str, str | None, tuple[str, ...], tuple[str, ...]] | str | None,
    tuple[tuple[str, str, str, Diagnostic], ...],
    tuple[str, ...],
]
_Checked = tuple[Document, _Summary, _Loader]  # a file, its summary, its model object

# Below this many files per core, forking worker processes costs more than the check it shares out.
_FILES_PER_JOB = 500


def _plain(summary: FileCheck) -> _Summary:
    return typing.cast(_Summary, tuple(summary))  # the same fields, typed by position


# What a worker sends back for one file it read: the file as the loader spells it (None if it could not be
# read), its cache key and stamp (None with the cache off), its summary (None when the cache holds its check)
# and its model object pickled. The parent already has the file's kind; sending the Document back instead,
# with its os.stat_result, cost the pipe twice as much as the summaries did.
_Fresh = tuple[str | None, Key | None, Stamp | None, _Summary | None, bytes | None]


def _read_and_check(cache: FileCache, item: Document | Unread) -> _Fresh:
    """Read one file if it is not read yet, and check it unless the cache holds its check; the work of a
    worker process. The model object travels (and is cached) pickled, the summary as a plain tuple (a
    NamedTuple pickles and unpickles through Python code: twice as slow)."""
    if isinstance(item, Unread):
        doc, problems = item.read(cache)
        if doc is None:
            return None, None, None, _plain(FileCheck(False, None, 0, 0, tuple(problems), (), (), ())), None
    else:
        doc = item
    info = stamp(doc.stat) if doc.stat is not None else None
    if doc.cached:
        return doc.file, doc.cache_key, info, None, None
    summary, obj = check_file(doc)
    pickled = None if obj is None else pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return doc.file, doc.cache_key, info, _plain(summary), pickled


def _checked_files(
    items: list[Document | Unread], cache: FileCache, jobs: int | None, counted: dict[tuple[str, str], int]
) -> Iterator[tuple[Document | None, _Summary, _Loader]]:
    """Each file's document, summary and a loader of its model object, in item order: from the cache when
    the loader found the file there, otherwise by reading and checking it, over `jobs` processes when
    there are many. The cache is written here only, in this process. Meanwhile the quotes that fresh facts
    cite in fresh articles are counted into `counted` (see _Counter)."""
    # Cached summaries stay plain tuples (the fields of FileCheck, read by position): on a large fact
    # sheet, wrapping each one costs more than the rest of a cached check of that file. The cache
    # returns what was put (`tuple(summary)` below) as an object.
    summary_of = typing.cast(typing.Callable[[Key], _Summary | None], cache.summary)
    known = [
        summary_of(item.cache_key) if isinstance(item, Document) and item.cached and item.cache_key else None
        for item in items
    ]
    # The articles are checked first (a stable sort: the files' order otherwise kept), so that their
    # texts are known when the facts citing them come back.
    order = sorted((i for i, summary in enumerate(known) if summary is None), key=lambda i: items[i].kind is not Source)
    work = functools.partial(_read_and_check, cache)
    arrivals = zip(
        order, workers.each(work, [items[i] for i in order], jobs=jobs, min_per_job=_FILES_PER_JOB), strict=True
    )
    waiting: dict[int, _Fresh] = {}
    counter = _Counter(counted)
    for i, (item, summary) in enumerate(zip(items, known, strict=True)):
        if summary is not None:
            cached = typing.cast(Document, item)  # `known` has summaries for cached Documents only
            yield cached, summary, functools.partial(_cached_value, cache, cached)
            continue
        while i not in waiting:  # results come in `order`; the caller gets them in item order
            at, result = next(arrivals)
            waiting[at] = result
            counter.arrived(result[3], result[4])
        file, key, info, summary, pickled = waiting.pop(i)
        if file is None:  # not readable: the summary holds why
            yield None, typing.cast(_Summary, summary), _nothing
            continue
        # The document without its text (the parent keeps no parsed text past the check).
        doc = Document(item.kind, file, "", cache_key=key, cached=summary is None)
        if key is not None and info is not None:
            cache.remember(file, info, key)
        if summary is None:  # read, and found in the cache by its content hash
            summary = summary_of(typing.cast(Key, key))
            assert summary is not None  # the loader saw it there, and nothing removes entries during a check
            yield doc, summary, functools.partial(_cached_value, cache, doc)
            continue
        if key is not None:
            cache.put(key, summary, pickled)  # a plain tuple (see _read_and_check)
        yield doc, summary, functools.partial(pickle.loads, pickled) if pickled is not None else _nothing
    for _ in arrivals:  # none is left: this ends the worker processes now, not when the generator is collected
        raise AssertionError("a file checked twice")


class _Counter:
    """Counts the quotes of the facts checked in this run in the articles checked in this run, while the
    worker processes check the other files (the parent would otherwise wait for them, then count alone).
    A count is kept under (SHA-256 of the article text, quote), like the cache's: `_check_quotes` takes it
    for whichever article ends up holding that id, so a duplicate id or an invalid file changes nothing."""

    def __init__(self, counted: dict[tuple[str, str], int]) -> None:
        self.counted = counted
        self.folded: dict[str, tuple[str, str]] = {}  # source id -> (body_sha, folded body)

    def arrived(self, summary: _Summary | None, pickled: bytes | None) -> None:
        if summary is None or not summary[0]:  # from the cache (counted there, if at all), or invalid
            return
        if summary[8] is not None and pickled is not None:  # an article (FileCheck.body_sha)
            if summary[1] is not None and summary[1] not in self.folded:
                body = typing.cast(Source, pickle.loads(pickled)).body
                self.folded[summary[1]] = (summary[8], quotes.fold_text(body))
            return
        for source_id, quote, _, _ in summary[7]:  # FileCheck.citations
            found = self.folded.get(source_id)
            if found is not None and (memo := (found[0], quote)) not in self.counted:
                self.counted[memo] = quotes.occurrences(found[1], quote)


def _nothing() -> None:
    return None


def _cached_value(cache: FileCache, doc: Document) -> object:
    """The file's model object from the cache, or, if the cache lost it (a damaged file), checked again."""
    try:
        return cache.value(typing.cast(Key, doc.cache_key))
    except StaleCache:
        again, _ = Unread(doc.kind, doc.file).read()
        return check_file(again)[1] if again is not None else None


def check(loaded: Loaded, cache: FileCache | None = None, jobs: int | None = None) -> CheckResult:
    """Validate everything loaded; always returns, with every problem found in one pass.

    Per-file results come from `cache` when the loader found them there (same bytes, kind and path);
    the others are checked over `jobs` processes (default: every core) when there are many. The
    cross-checks between files (ids, references, quotes) always run, on the files' summaries, with
    quote lookups remembered per (article text, quote)."""
    cache = cache or FileCache.disabled()
    diagnostics = list(loaded.diagnostics)
    references: list[tuple[Document, tuple[tuple[str, str, int, int], ...]]] = []
    unresolved: list[tuple[Document, tuple[tuple[str, str, str, Diagnostic], ...]]] = []
    by_kind: dict[type, dict[str, _Checked]] = {t: {} for t in (*ENTITY_TYPES, Source)}
    first_seen: dict[str, tuple[Document, int]] = {}
    info: typing.Callable[[], object] | None = None

    counted: dict[tuple[str, str], int] = {}  # quote lookups done while the files were checked
    for doc, summary, value in _checked_files(loaded.documents, cache, jobs, counted):
        valid, fact_id, line, col, problems, entity_problems, refs = summary[:7]  # see FileCheck
        diagnostics.extend(problems)
        if doc is None:  # not readable
            continue
        references.append((doc, refs))
        if summary[10]:  # FileCheck.unresolved
            unresolved.append((doc, summary[10]))
        if not valid:
            continue
        if fact_id is None:
            info = value
            continue
        if fact_id in first_seen:
            diagnostics.append(
                error(
                    Where(doc.path, line, col),
                    Code.DUPLICATE_ID,
                    f"id '{fact_id}' is already used in {_short(first_seen[fact_id])}",
                    "ids are unique across the whole fact sheet; choose another",
                )
            )
            continue
        first_seen[fact_id] = (doc, line)
        by_kind[doc.kind][fact_id] = (doc, summary, value)
        diagnostics.extend(entity_problems)

    kinds = {kind: by_kind[t] for kind, t in BY_KIND.items()}  # BY_KIND's classes are by_kind's keys
    helps: dict[str, _IdHelp] = {}

    def help_for(kind: str) -> _IdHelp:
        if kind not in helps:
            helps[kind] = _IdHelp(kind, kinds[kind])
        return helps[kind]

    for doc, refs in references:
        for kind, ref_id, line, col in refs:
            if ref_id not in kinds[kind]:
                other = next((k for k, ids in kinds.items() if ref_id in ids), None)
                hint = (
                    f"'{ref_id}' is {a_kind(other)}, not {a_kind(kind)}"
                    if other
                    else help_for(kind).unknown(ref_id, doc.path.stem)
                )
                where = Where(doc.path, line, col)
                diagnostics.append(error(where, Code.UNKNOWN_REFERENCE, f"no {kind} with id '{ref_id}'", hint))
    for doc, wanted in unresolved:
        for kind, name, written, problem in wanted:
            hint = help_for(kind).not_an_id(name, written, doc.path.stem, problem.hint)
            diagnostics.append(error(problem.where, problem.code, problem.message, hint))

    facts = [f for t in ENTITY_TYPES for f in by_kind[t].values()]
    diagnostics.extend(_check_quotes(by_kind[Source], facts, cache, counted))
    diagnostics.extend(_check_rules(by_kind[Source], by_kind[Position], by_kind[Event]))

    # Only the objects' loaders outlive the check: not the documents (parsed trees) nor the summaries.
    loaders = {t: {i: by_kind[t][i][2] for i in sorted(by_kind[t])} for t in by_kind}
    if info is not None:
        loaders[SheetInfo] = {"": info}

    def load_facts() -> FactBase:
        def ordered(t: type) -> dict:
            return {i: load() for i, load in loaders[t].items()}

        sheet = loaders.get(SheetInfo, {}).get("", lambda: None)()
        if not isinstance(sheet, SheetInfo):
            sheet = SheetInfo(title="Fact sheet", description="(facts/factsheet.yaml is missing or invalid)")
        facts = FactBase(
            sheet, ordered(Source), ordered(Actor), ordered(Event), ordered(Topic), ordered(Position), ordered(Claim)
        )
        loaders.clear()  # the cache's pickled objects are no longer needed
        return facts

    counts = {t.FOLDER if t is not Source else "sources": len(by_kind[t]) for t in BY_KIND.values()}
    return CheckResult(sorted_diagnostics(diagnostics), counts, load_facts)


def _check_rules(
    sources: dict[str, _Checked], positions: dict[str, _Checked], events: dict[str, _Checked]
) -> Iterator[Diagnostic]:
    """The rules across facts (rules.py), on the summaries: own words need quoted words; stated event order."""
    own_words = [
        rules.OwnWords(Where(doc.path, s[2], s[3]), tuple((c[0], c[1]) for c in s[7]))
        for doc, s, _ in positions.values()
        if s[9] == Voice.OWN_WORDS.value
    ]
    placings: dict[str, chronology.Dated] = {}
    for event_id, (doc, s, _) in events.items():
        if isinstance(s[9], tuple):
            date, time, before, after = s[9]
            placings[event_id] = chronology.Placing(
                event_id,
                FactDate.parse(date),
                ClockTime.parse(time) if time else None,
                before,
                after,
                Where(doc.path, s[2], s[3]),
            )

    def body_of(source_id: str) -> str | None:
        source = sources.get(source_id)
        return typing.cast(Source, source[2]()).body if source is not None else None

    return rules.check(own_words, placings, body_of)


def _short(place: tuple[Document, int]) -> str:
    doc, line = place
    return f"{doc.path.parent.name}/{doc.path.name} line {line}"


def _check_quotes(
    sources: dict[str, _Checked], facts: list[_Checked], cache: FileCache, counted: dict[tuple[str, str], int]
) -> Iterator[Diagnostic]:
    folded: dict[str, str] = {}
    body_sha = {source_id: typing.cast(str, s[1][8]) for source_id, s in sources.items()}  # FileCheck.body_sha
    quote_count = cache.quote_count
    missed: list[tuple[Where, str, str]] = []  # (where, source id, quote) of each quote not found
    for doc, summary, _ in facts:
        for source_id, quote, line, col in summary[7]:  # FileCheck.citations
            sha = body_sha.get(source_id)
            if sha is None:
                continue  # already reported as an unknown reference
            memo = (sha, quote)
            count = quote_count(memo)
            if count is None:
                count = counted.get(memo)  # counted while the files were checked (_Counter)
                if count is None:
                    if source_id not in folded:
                        folded[source_id] = quotes.fold_text(typing.cast(Source, sources[source_id][2]()).body)
                    count = quotes.occurrences(folded[source_id], quote)
                cache.put_quote_count(memo, count)
            if count == 0:
                missed.append((Where(doc.path, line, col), source_id, quote))
            elif count > 1:
                yield warning(
                    Where(doc.path, line, col),
                    Code.QUOTE_AMBIGUOUS,
                    f"quote occurs more than once in '{source_id}'",
                    "quote a few more words so it points to one place",
                )
    searched = missed[:HINTS_PER_RUN]
    elsewhere = _found_elsewhere([q for _, _, q in searched], sources, folded)
    todo = [i for i, (_, s, q) in enumerate(searched) if not elsewhere.get(q, set()) - {s}]
    found = _quote_hints([(body_sha[searched[i][1]], searched[i][1], searched[i][2]) for i in todo], sources, cache)
    hints = dict(zip(todo, found, strict=True))
    for i, (where, source_id, quote) in enumerate(missed):
        hint = hints.get(i, _NOT_SEARCHED)
        others = sorted(elsewhere.get(quote, set()) - {source_id}) if i < HINTS_PER_RUN else []
        if others:
            hint = (
                f"the quote is in {' and '.join(repr(o) for o in others)}: change this citation's "
                f"'source: {source_id}' to 'source: {others[0]}'"
            )
        yield error(where, Code.QUOTE_NOT_FOUND, f"quote not found in source '{source_id}'", hint)


def _found_elsewhere(missed: list[str], sources: dict[str, _Checked], folded: dict[str, str]) -> dict[str, set[str]]:
    """For each quote not found in the source it cites, the sources that do hold it (right words, wrong
    article): one scan of each article for all of them."""
    if not missed:
        return {}
    for source_id, (_, _, load) in sources.items():
        if source_id not in folded:
            folded[source_id] = quotes.fold_text(typing.cast(Source, load()).body)
    needles = {q: quotes.fold_text(q) for q in missed}
    found = quotes.occurrences_in({s: folded[s] for s in sources}, set(needles.values()))
    return {q: found[n] for q, n in needles.items()}


# The closest passage is looked for only for this many quotes not found per run (in file order), each search
# bounded in work (quotes.closest); its hint is remembered in the cache with the article's hash.
HINTS_PER_RUN = 100
_COPY_EXACTLY = "copy the words exactly from the article (only whitespace, quote marks and dashes may differ)"
_NOT_SEARCHED = (
    f"{_COPY_EXACTLY}; the closest passage is shown for the first {HINTS_PER_RUN} quotes not found in a run:"
    " fix those, then run the check again"
)


def _quote_hints(todo: list[tuple[str, str, str]], sources: dict[str, _Checked], cache: FileCache) -> list[str]:
    """The hint for each (article hash, source id, quote) not found: from the cache, or searched for, one
    article at a time (its word index is the largest thing a search builds)."""
    hints: list[str | None] = [cache.quote_hint((sha, quote)) for sha, _, quote in todo]
    by_source: dict[str, list[int]] = {}
    for i, (_, source_id, _) in enumerate(todo):
        if hints[i] is None:
            by_source.setdefault(source_id, []).append(i)
    for source_id, numbers in by_source.items():
        body = typing.cast(Source, sources[source_id][2]()).body
        folded = quotes.fold(body)
        index = quotes.WordIndex(folded.text)
        for i in numbers:
            sha, _, quote = todo[i]
            hints[i] = quote_hint(index, quote, body, folded)
            cache.put_quote_hint((sha, quote), typing.cast(str, hints[i]))
        del index, folded
    return typing.cast(list[str], hints)


_PASSAGE_SHOWN = 160  # characters of the closest passage quoted in a hint when it cannot be pasted whole
_LINE_SHOWN = 450  # the longest `quote: "..."` line a hint offers to paste (a hint is cut at MESSAGE_MAX)


def quote_hint(index: quotes.WordIndex, quote: str, body: str, folded: quotes.Folded) -> str:
    """The hint for a quote not found in the article `body` (`folded` its fold, `index` its words): the
    closest passage as the article prints it, as a line to paste in place of the quote's, and the difference."""
    near = quotes.closest(index, quote)
    if near is None:
        return _COPY_EXACTLY
    printed = quotes.printed(body, folded, near.first_word, near.words)
    line = cite.yaml_line("quote", printed)
    # The article's words as it prints them, in the difference too.
    changes = quotes.word_difference(near.compared.split(" "), near.passage.split(" "), shown=printed.split())
    difference = f"difference ([-yours-]{{+article+}}): {changes}"
    if near.partial:  # a long quote: the words around where it first leaves the article; not a whole quote
        shown = printed if len(printed) <= _PASSAGE_SHOWN else printed[:_PASSAGE_SHOWN] + "…"
        hint = (
            f"from the first difference on (the quote has more than {quotes.COMPARED_WORDS} words): "
            f'closest passage: "{shown}"; {difference}'
        )
    elif len(line) <= _LINE_SHOWN:
        hint = f"closest passage (paste this line in place of your quote line): {line}; {difference}"
    else:
        hint = f'closest passage (too long to show whole): "{printed[:_PASSAGE_SHOWN]}…"; {difference}'
    return hint + _look_alike(near.compared, near.passage)


def _characters(text: str) -> str:
    shown = " ".join(character_name(c) for c in text[:4])
    return (shown + " …" if len(text) > 4 else shown) or "nothing"


def _look_alike(quote: str, passage: str) -> str:
    """What differs, as code points, where the first differing words are not plain ASCII: a Cyrillic a
    for a Latin a, or an accent written as a separate mark (NFD) where the article has one letter (NFC),
    look the same in the difference above."""
    yours, theirs = quotes.fold_text(quote).split(" "), passage.split(" ")
    for tag, a1, a2, b1, b2 in difflib.SequenceMatcher(a=yours, b=theirs, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        mine, article = " ".join(yours[a1:a2])[:200], " ".join(theirs[b1:b2])[:200]
        if mine.isascii() and article.isascii():
            return ""  # the difference shows plainly
        chars = difflib.SequenceMatcher(a=mine, b=article, autojunk=False)
        _, x1, x2, y1, y2 = next(op for op in chars.get_opcodes() if op[0] != "equal")
        form = (
            " (the same letters in another Unicode form, NFD and NFC: retype them)"
            if unicodedata.normalize("NFC", mine) == unicodedata.normalize("NFC", article)
            else ""
        )
        return f"; yours has {_characters(mine[x1:x2])} where the article has {_characters(article[y1:y2])}{form}"
    return ""
