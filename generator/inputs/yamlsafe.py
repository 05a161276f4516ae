"""A strict YAML reader for untrusted input, built on PyYAML's event stream.

It pulls parse events from LibYAML (when available) and composes them itself, so that it can refuse
what facts never need before anything is built: anchors and aliases (alias bombs), explicit tags,
nesting deeper than MAX_DEPTH, duplicate and non-scalar keys, more than one document. Every scalar
stays a string (no `no` -> False, no `010` -> 8, no dates); the schema converts it later. Every node
carries its line and column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple, cast

import yaml

from generator.inputs import yamlhelp

try:  # LibYAML's parser; the pure-Python one has the same events, only slower.
    from yaml import CSafeLoader as _Loader
    from yaml._yaml import CParser

    # Only its events are used: the loader would also set up a constructor and a resolver for every file.
    _Parser: type = CParser
    _OFFSETS_IN_BYTES = True  # LibYAML reads UTF-8: its reader errors give byte offsets
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    # ignore: the stubs type the two loaders as unrelated classes; both give the events used here.
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

    _Parser = _Loader
    _OFFSETS_IN_BYTES = False

MAX_DEPTH = 24
_TOO_DEEP_HINT = "facts never nest this deep; check the brackets and indentation"


# NamedTuples rather than frozen dataclasses: a file has one node per scalar, and a tuple is built
# several times faster, which is most of the reader's cost on large fact trees.
class Scalar(NamedTuple):
    value: str
    line: int
    col: int
    plain: bool  # unquoted in the source: only plain scalars may mean null or a boolean

    @property
    def is_null(self) -> bool:
        return self.plain and self.value in ("", "~", "null", "Null", "NULL")


class Mapping(NamedTuple):
    items: list[tuple[Scalar, Node]]
    line: int
    col: int


class Sequence(NamedTuple):
    items: list[Node]
    line: int
    col: int


Node = Scalar | Mapping | Sequence
_new = tuple.__new__


@dataclass
class YamlProblem(Exception):
    """What is wrong with a YAML text, and where (1-based, relative to the text given)."""

    kind: str  # "syntax" | "forbidden" | "duplicate-key" | "too-deep"
    message: str
    line: int
    col: int
    hint: str = field(default="")
    excerpt: tuple[str, ...] = ()  # the lines concerned, with a caret under the place (yamlhelp.Explanation)


def position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column (in characters) of text[index]."""
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


def _mark(event: yaml.Event) -> tuple[int, int]:
    m = event.start_mark
    assert m is not None  # the parser marks every event; only hand-made ones lack marks
    return m.line + 1, m.column + 1


def parse(text: str) -> Node | None:
    """Parse one YAML document into nodes; None for an empty document. Raises YamlProblem."""
    loader = _Parser(text)
    try:
        return _Composer(loader).document()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        if "maximum nesting depth" in (exc.problem or ""):
            # LibYAML 0.2.6+ caps flow nesting in its scanner, which looks ahead of our own depth
            # check: the same input, so the same problem whichever LibYAML is installed.
            too_deep = f"nesting deeper than {MAX_DEPTH} levels"
            raise YamlProblem("too-deep", too_deep, line, col, _TOO_DEEP_HINT) from None
        explained = _explain(text, exc)
        if explained is not None:
            e = explained
            raise YamlProblem("syntax", e.message, e.line, e.col, e.hint, e.excerpt) from None
        message = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise YamlProblem(
            "syntax", message, line, col, "check indentation, colons and quotes around this point"
        ) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow; it has no mark, only an offset
        at = exc.position
        if _OFFSETS_IN_BYTES:
            at = len(text.encode("utf-8")[:at].decode("utf-8", "ignore"))
        line, col = position(text, at)
        raise YamlProblem(
            "syntax", f"character U+{exc.character:04X} is not allowed in YAML", line, col, "remove it"
        ) from None
    except yaml.YAMLError as exc:
        raise YamlProblem("syntax", str(exc).splitlines()[0], 0, 0, "this is not valid YAML") from None
    finally:
        loader.dispose()


def _explain(text: str, exc: yaml.MarkedYAMLError) -> yamlhelp.Explanation | None:
    """The error in an editor's words (yamlhelp), when it is a mistake editors make. An explanation is a
    courtesy: should working it out fail on some input, the parser's own message is given instead."""
    try:
        return yamlhelp.explain(text, exc, _Loader)
    except Exception:  # tests call yamlhelp.explain directly, without this net
        return None


_SCALAR = yaml.ScalarEvent
_SEQUENCE_START = yaml.SequenceStartEvent
_SEQUENCE_END = yaml.SequenceEndEvent
_MAPPING_START = yaml.MappingStartEvent
_MAPPING_END = yaml.MappingEndEvent


class _Composer:
    """Builds nodes from events. The hot path is one class test per event and a tuple per node;
    every refusal goes through `refuse`, which checks in a fixed order so messages stay the same."""

    __slots__ = ("next",)

    def __init__(self, loader: _Loader) -> None:
        # The stubs allow None, which the parser returns only when asked past StreamEnd; the composer
        # stops there, and a check per event would cost the hot path.
        self.next = cast("Callable[[], yaml.Event]", loader.get_event)

    def document(self) -> Node | None:
        self.next()  # StreamStart
        event = self.next()
        if isinstance(event, yaml.StreamEndEvent):
            return None
        node = self.node(self.next(), 1)
        self.next()  # DocumentEnd
        event = self.next()
        if not isinstance(event, yaml.StreamEndEvent):
            line, col = _mark(event)
            raise YamlProblem(
                "forbidden",
                "more than one YAML document in one file",
                line,
                col,
                "remove the second '---' and everything after it, or move it to its own file",
            )
        return node

    def node(self, event: yaml.Event, depth: int) -> Node:
        # `event.__class__ is` (not a saved `cls`) so that mypy narrows the event's type.
        if event.__class__ is _SCALAR:
            tag = event.tag
            if event.anchor is not None or (tag is not None and tag != "!") or depth > MAX_DEPTH:
                self.refuse(event, depth)
            mark = event.start_mark
            assert mark is not None  # the parser marks every event; only hand-made ones lack marks
            # tuple.__new__ directly: the NamedTuple constructor is one more Python call per scalar.
            return _new(Scalar, (event.value, mark.line + 1, mark.column + 1, not event.style))  # C: "", Python: None
        if event.__class__ is _MAPPING_START:
            if event.anchor is not None or event.tag is not None or depth > MAX_DEPTH:
                self.refuse(event, depth)
            return self.mapping(event, depth)
        if event.__class__ is _SEQUENCE_START:
            if event.anchor is not None or event.tag is not None or depth > MAX_DEPTH:
                self.refuse(event, depth)
            next_event, node, inner = self.next, self.node, depth + 1
            items: list[Node] = []
            append = items.append
            while (item := next_event()).__class__ is not _SEQUENCE_END:
                append(node(item, inner))
            mark = event.start_mark
            assert mark is not None
            return Sequence(items, mark.line + 1, mark.column + 1)
        self.refuse(event, depth)
        line, col = _mark(event)
        raise YamlProblem("syntax", f"unexpected {event.__class__.__name__}", line, col)  # pragma: no cover

    def mapping(self, event: yaml.Event, depth: int) -> Mapping:
        next_event, node, inner = self.next, self.node, depth + 1
        pairs: list[tuple[Scalar, Node]] = []
        seen: dict[str, Scalar] = {}
        key: Node
        while (item := next_event()).__class__ is not _MAPPING_END:
            # A plain key (almost every one) is built here, as `node` would: one Python call fewer per field.
            if item.__class__ is _SCALAR and item.anchor is None and item.tag is None and inner <= MAX_DEPTH:
                mark = item.start_mark
                assert mark is not None
                key = _new(Scalar, (item.value, mark.line + 1, mark.column + 1, not item.style))
            else:
                key = node(item, inner)
            if key.__class__ is not Scalar:
                raise YamlProblem(
                    "forbidden",
                    "a key must be plain text, not a list or mapping",
                    key.line,
                    key.col,
                    "write the key as a simple name followed by a colon",
                )
            if key.value in seen:
                first = seen[key.value]
                raise YamlProblem(
                    "duplicate-key",
                    f"key '{key.value}' appears twice (first on line {first.line})",
                    key.line,
                    key.col,
                    "keep one of the two; YAML would silently drop the first",
                )
            seen[key.value] = key
            pairs.append((key, node(next_event(), inner)))
        mark = event.start_mark
        assert mark is not None
        return Mapping(pairs, mark.line + 1, mark.column + 1)

    @staticmethod
    def refuse(event: yaml.Event, depth: int) -> None:
        """Raise the problem with an event the fast path did not accept (if any)."""
        line, col = _mark(event)
        if isinstance(event, yaml.AliasEvent):
            raise YamlProblem(
                "forbidden",
                f"YAML alias '*{event.anchor}' is not allowed",
                line,
                col,
                "write the value out in full; anchors and aliases are refused",
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise YamlProblem(
                "forbidden",
                f"YAML anchor '&{anchor}' is not allowed",
                line,
                col,
                "remove the anchor; write repeated values out in full",
            )
        tag = getattr(event, "tag", None)
        if tag is not None and not (isinstance(event, yaml.ScalarEvent) and tag == "!"):
            raise YamlProblem(
                "forbidden",
                f"YAML tag '{tag}' is not allowed",
                line,
                col,
                "remove the tag; every value is read as text and converted by the schema",
            )
        if depth > MAX_DEPTH:
            raise YamlProblem(
                "too-deep",
                f"nesting deeper than {MAX_DEPTH} levels",
                line,
                col,
                _TOO_DEEP_HINT,
            )
