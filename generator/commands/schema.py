"""JSON Schemas for editors, generated from the model's type hints (the same ones validate.py converts by).

One schema per file kind (actors, events, ..., the seeds' front matter and factsheet.yaml). Editors get
completion and explanations through yaml-language-server (`.vscode/settings.json` maps them); the check
itself stays in validate.py, which also knows what a schema cannot say (references, quotes).

The schemas describe YAML as an editor's YAML 1.2 parser reads it: `true` is a boolean, an empty value
is null, and an unquoted year like `2021` is a number (the check reads every value as text, so it
accepts both spellings of a year).
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from enum import Enum
from pathlib import Path

from generator.checks.convert import fields_of, is_required
from generator.model import ENTITY_TYPES, SLUG_MAX, ClockTime, FactDate, Ref, SheetInfo, Source, Text

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_DIR = "schema"
SLUG_PATTERN = "^[a-z0-9]+(?:-[a-z0-9]+)*$"  # model.SLUG_RE, in the regex dialect JSON Schema uses
# Not blank; and, unless multiline, no line breaks (what validate.py's `text` checks, minus invisibles).
NONBLANK = "\\S"
NONBLANK_LINE = "^[^\\r\\n]*\\S[^\\r\\n]*$"

# What each schema file is for: its name, the model class, and the files it applies to.
KINDS: dict[str, tuple[type, str]] = {
    **{t.KIND: (t, f"facts/{t.FOLDER}/*.yaml") for t in ENTITY_TYPES},
    Source.KIND: (Source, "seeds/*.md (front matter)"),
    "factsheet": (SheetInfo, "facts/factsheet.yaml"),
}


def _description(cls: type) -> str:
    return " ".join((cls.__doc__ or "").split())


class _Builder:
    def __init__(self) -> None:
        self.defs: dict[str, dict[str, object]] = {}

    def record(self, cls: type) -> dict[str, object]:
        properties: dict[str, object] = {}
        required: list[str] = []
        for name, (f, tp) in fields_of(cls).items():
            prop = self.type(tp)
            text = f.metadata.get("doc")
            if text:
                prop = {"description": text, **prop}
            properties[name] = prop
            if is_required(f):
                required.append(name)
        return {
            "type": "object",
            "description": _description(cls),
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        }

    def ref(self, cls: type) -> dict[str, object]:
        name = cls.__name__
        if name not in self.defs:
            self.defs[name] = {}  # placeholder first, in case of recursion
            self.defs[name] = self.record(cls)
        return {"$ref": f"#/$defs/{name}"}

    def type(self, tp: object) -> dict[str, object]:
        origin = typing.get_origin(tp)
        if origin in (typing.Union, types.UnionType):
            (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
            return _nullable(self.type(inner))
        if origin is typing.Annotated:
            base, *marks = typing.get_args(tp)
            schema = self.type(base)
            for mark in marks:
                schema = {**schema, **_refinement(mark)}
            return schema
        if origin is list:
            (item,) = typing.get_args(tp)
            return {"type": "array", "items": self.type(item)}
        if tp is FactDate:
            date = "^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"
            return {"anyOf": [{"type": "string", "pattern": date}, {"type": "integer", "minimum": 1, "maximum": 9999}]}
        if tp is ClockTime:
            return {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            return self.ref(tp)
        if isinstance(tp, type) and issubclass(tp, Enum):
            return {"enum": [m.value for m in tp]}
        if tp is bool:
            return {"type": "boolean"}
        if tp is str:
            return {"type": "string", "pattern": NONBLANK_LINE, "maxLength": 2000}
        raise TypeError(f"model type {tp!r} has no schema")  # pragma: no cover - a bug in model.py


def _nullable(schema: dict[str, object]) -> dict[str, object]:
    if "anyOf" in schema:
        return {**schema, "anyOf": [*typing.cast(list, schema["anyOf"]), {"type": "null"}]}
    if "enum" in schema:
        return {**schema, "enum": [*typing.cast(list, schema["enum"]), None]}
    if isinstance(schema.get("type"), str):
        return {**schema, "type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def _refinement(mark: object) -> dict[str, object]:
    if isinstance(mark, Text):
        return {"pattern": NONBLANK if mark.multiline else NONBLANK_LINE, "maxLength": mark.max_length}
    if isinstance(mark, Ref):
        return {"pattern": SLUG_PATTERN, "maxLength": SLUG_MAX, "$comment": f"the id of an existing {mark.kind}"}
    if mark == "slug":
        return {"pattern": SLUG_PATTERN, "maxLength": SLUG_MAX}
    if mark == "url":
        return {"pattern": "^https?://[^\\s<>\"'`]+$"}
    if mark == "nonempty":
        return {"minItems": 1}
    if mark == "two-or-more":
        return {"minItems": 2}
    raise TypeError(f"unknown annotation {mark!r}")  # pragma: no cover - a bug in model.py


def schema_for(kind: str) -> dict[str, object]:
    """The JSON Schema of one kind of file (a key of KINDS)."""
    cls, applies_to = KINDS[kind]
    builder = _Builder()
    top = builder.record(cls)
    schema: dict[str, object] = {
        "$schema": DIALECT,
        "$id": f"{kind}.schema.json",
        "title": f"factsheet {kind}: {applies_to}",
        **top,
    }
    if builder.defs:
        schema["$defs"] = dict(sorted(builder.defs.items()))
    return schema


def schema_text(kind: str) -> str:
    """The schema as committed in schema/<kind>.schema.json: stable key order, one trailing newline."""
    return json.dumps(schema_for(kind), ensure_ascii=False, indent=2) + "\n"


def write_schemas(root: Path) -> list[Path]:
    """Write every schema into root/schema/; returns the files whose content changed."""
    folder = root / SCHEMA_DIR
    folder.mkdir(exist_ok=True)
    changed = []
    for kind in KINDS:
        path = folder / f"{kind}.schema.json"
        text = schema_text(kind)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed
