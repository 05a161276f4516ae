"""One parsed YAML file -> a typed model value, driven by the model's type hints (model.py), with every
problem as a diagnostic at its line: the single definition the JSON Schemas are generated from too.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import re
import types
import typing
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path

from generator.checks.ids import _did_you_mean
from generator.checks.text import character_name, unseen_character
from generator.diagnostics import Code, Diagnostic, error, quoted
from generator.inputs.load import Document, parse_yaml
from generator.inputs.yamlhelp import curly_quotes
from generator.inputs.yamlsafe import Mapping, Node, Scalar, Sequence
from generator.model import (
    RESERVED_IDS,
    SLUG_MAX,
    SLUG_RE,
    ClockTime,
    Event,
    FactDate,
    Ref,
    Source,
    Text,
    Where,
)

_INVALID = object()  # a value that failed conversion; its diagnostic is already recorded
# Anchors the site makes itself (context.py: timeline months and days; source pages: paragraphs and
# quotes). A fact's id is an anchor on some page too (events on the timeline): it must not take one of these.
_GENERATED_ANCHOR = re.compile(r"t-\d{4}(?:-\d{2}){0,2}|p-\d+|q-[0-9a-f]{10}")
_URL = re.compile(r"^https?://[^\s<>\"'`]+$")


@dataclass(frozen=True)
class Reference:
    kind: str
    id: str
    where: Where
    problem: Diagnostic | None = None  # not an id (or none): this diagnostic's hint awaits the ids of `kind`
    field: str = ""  # the field that holds it


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
