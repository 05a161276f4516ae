"""A strict YAML reader for untrusted input, built on PyYAML's event stream.

It pulls parse events from LibYAML (when available) and composes them itself, so that it can refuse
what facts never need before anything is built: anchors and aliases (alias bombs), explicit tags,
nesting deeper than MAX_DEPTH, duplicate and non-scalar keys, more than one document. Every scalar
stays a string (no `no` -> False, no `010` -> 8, no dates); the schema converts it later. Every node
carries its line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

try:  # LibYAML's parser; the pure-Python one has the same events, only slower.
    from yaml import CSafeLoader as _Loader

    _OFFSETS_IN_BYTES = True  # LibYAML reads UTF-8: its reader errors give byte offsets
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

    _OFFSETS_IN_BYTES = False

MAX_DEPTH = 24


@dataclass(frozen=True)
class Scalar:
    value: str
    line: int
    col: int
    plain: bool  # unquoted in the source: only plain scalars may mean null or a boolean

    @property
    def is_null(self) -> bool:
        return self.plain and self.value in ("", "~", "null", "Null", "NULL")


@dataclass(frozen=True)
class Mapping:
    items: list[tuple[Scalar, Node]]
    line: int
    col: int


@dataclass(frozen=True)
class Sequence:
    items: list[Node]
    line: int
    col: int


Node = Scalar | Mapping | Sequence


@dataclass
class YamlProblem(Exception):
    """What is wrong with a YAML text, and where (1-based, relative to the text given)."""

    kind: str  # "syntax" | "forbidden" | "duplicate-key" | "too-deep"
    message: str
    line: int
    col: int
    hint: str = field(default="")


def position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column (in characters) of text[index]."""
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


def _mark(event: yaml.Event) -> tuple[int, int]:
    m = event.start_mark
    return (m.line + 1, m.column + 1) if m is not None else (0, 0)


def parse(text: str) -> Node | None:
    """Parse one YAML document into nodes; None for an empty document. Raises YamlProblem."""
    loader = _Loader(text)
    try:
        return _Composer(loader).document()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
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


class _Composer:
    def __init__(self, loader: _Loader) -> None:
        self.loader = loader

    def next(self) -> yaml.Event:
        return self.loader.get_event()

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
                "facts never nest this deep; check the brackets and indentation",
            )
        if isinstance(event, yaml.ScalarEvent):
            return Scalar(event.value, line, col, plain=not event.style)  # C parser: "", Python: None
        if isinstance(event, yaml.SequenceStartEvent):
            items: list[Node] = []
            while not isinstance(event := self.next(), yaml.SequenceEndEvent):
                items.append(self.node(event, depth + 1))
            return Sequence(items, line, col)
        if isinstance(event, yaml.MappingStartEvent):
            pairs: list[tuple[Scalar, Node]] = []
            seen: dict[str, Scalar] = {}
            while not isinstance(event := self.next(), yaml.MappingEndEvent):
                key = self.node(event, depth + 1)
                if not isinstance(key, Scalar):
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
                pairs.append((key, self.node(self.next(), depth + 1)))
            return Mapping(pairs, line, col)
        raise YamlProblem("syntax", f"unexpected {type(event).__name__}", line, col)  # pragma: no cover
