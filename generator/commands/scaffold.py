"""`factsheet new`: a new fact file from a commented template, written from the model's own fields.

The template lists every field of the kind with its explanation (the `doc` metadata), required fields
ready to fill in and optional ones commented out, and an id derived from the name. An existing file or
an id already used by another fact is never overwritten.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from enum import Enum
from pathlib import Path

from generator.checks.convert import fields_of, is_required
from generator.diagnostics import Code, DiagnosticError, error
from generator.model import BY_KIND, SLUG_MAX, SLUG_RE, ClockTime, FactDate, Source, Where, slugify
from generator.project import Project

KINDS = BY_KIND
# The field that holds what the editor typed as the new fact's name.
NAME_FIELD = {
    "actor": "name",
    "event": "title",
    "topic": "name",
    "position": "stance",
    "claim": "question",
    "source": "title",
}
_INDENT = "  "


def _unwrap(tp: object) -> tuple[object, tuple[object, ...]]:
    """The base type and annotation marks of a field type, without Optional."""
    args = typing.get_args(tp)
    if typing.get_origin(tp) is typing.Annotated:
        return args[0], args[1:]
    if type(None) in args:
        (inner,) = [a for a in args if a is not type(None)]
        return _unwrap(inner)
    return tp, ()


def _placeholder(tp: object, nullable: bool) -> str:
    base, _ = _unwrap(tp)
    if base is bool:
        return "false"
    if nullable:
        return "null"
    if base is FactDate:
        return '""  # YYYY, YYYY-MM or YYYY-MM-DD'
    if base is ClockTime:
        return '""  # HH:MM'
    if isinstance(base, type) and issubclass(base, Enum):
        return '""  # one of: ' + ", ".join(m.value for m in base)
    if typing.get_origin(base) is list:
        return "[]"
    return '""'


def _record_lines(cls: type, values: dict[str, str], depth: int, *, optional: bool = True) -> list[str]:
    """Lines for the fields of one record: required ones to fill in, optional ones commented out.

    Inside a block that is itself commented out, optional fields are left out (no `# # `).
    """
    pad = _INDENT * depth
    lines: list[str] = []
    for name, (f, tp) in fields_of(cls).items():
        required = is_required(f)
        if not (required or optional):
            continue
        block = [f"{pad}# {f.metadata.get('doc', '')}".rstrip()]
        block.extend(_field_lines(name, tp, values, depth, required=required))
        if not required:
            block[1:] = [f"{pad}# {line[len(pad) :]}" for line in block[1:]]
        lines.extend(block)
    return lines


def _field_lines(name: str, tp: object, values: dict[str, str], depth: int, *, required: bool) -> list[str]:
    pad = _INDENT * depth
    if name in values:
        return [f"{pad}{name}: {values[name]}"]
    base, marks = _unwrap(tp)
    if typing.get_origin(base) is list:
        (item,) = typing.get_args(base)
        if isinstance(item, type) and dataclasses.is_dataclass(item):
            lines = [f"{pad}{name}:"]
            for _ in range(2 if "two-or-more" in marks else 1):
                item_lines = _record_lines(item, {}, depth + 2, optional=required)
                first = next(i for i, line in enumerate(item_lines) if not line.lstrip().startswith("#"))
                # The item's first field follows the dash; its explanation sits just above the dash.
                item_lines[:first] = [f"{pad}{_INDENT}{line.lstrip()}" for line in item_lines[:first]]
                item_lines[first] = f"{pad}{_INDENT}- {item_lines[first].lstrip()}"
                lines.extend(item_lines)
            return lines
    # A required field that may be null (a seed's outlet, author, ...) starts as null: "not stated".
    nullable = required and type(None) in typing.get_args(tp)
    return [f"{pad}{name}: {_placeholder(tp, nullable)}"]


def template(kind: str, name: str, id_: str) -> str:
    """The text of a new file of `kind` (a key of KINDS) for the fact called `name`."""
    cls = KINDS[kind]
    values = {"id": id_, NAME_FIELD[kind]: json.dumps(name, ensure_ascii=False)}
    head = [
        f"# A new {kind}: {' '.join((cls.__doc__ or '').split())}",
        "# Fill in every empty value; remove the '# ' before an optional field to use it.",
        "# Quote every text in double quotes; copy quotes from the article word for word.",
        "# Then run: factsheet check   (the guide: CONTRIBUTING.md; every field: docs/fact-format.md)",
    ]
    body = _record_lines(cls, values, 0)
    if cls is Source:
        return (
            "\n".join(["---", *head, *body, "---", "Paste the article text here, verbatim, replacing this line."])
            + "\n"
        )
    modeline = f"# yaml-language-server: $schema=../../schema/{kind}.schema.json"
    return "\n".join([modeline, *head, *body]) + "\n"


def path_for(project: Project, kind: str, id_: str) -> Path:
    cls = KINDS[kind]
    return project.seeds_dir / f"{id_}.md" if cls is Source else project.facts_dir / cls.FOLDER / f"{id_}.yaml"


def create(project: Project, kind: str, name: str, id_: str | None = None) -> Path:
    """Write the template for a new fact; raises DiagnosticError rather than overwrite anything."""
    id_ = id_ if id_ is not None else slugify(name)
    target = free_path(project, kind, id_)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("x", encoding="utf-8") as out:  # "x": never replace a file created meanwhile
        out.write(template(kind, name, id_))
    return target


def free_path(project: Project, kind: str, id_: str) -> Path:
    """The file a new fact of `kind` with this id goes into; raises DiagnosticError when the id is not valid or
    a file of any kind already has it. Open it with mode "x", so that a file made meanwhile is not replaced."""
    target = path_for(project, kind, id_)
    if not SLUG_RE.fullmatch(id_) or len(id_) > SLUG_MAX:
        raise DiagnosticError(
            [
                error(
                    Where(target.parent),
                    Code.INVALID_ID,
                    f"'{id_}' is not a valid id",
                    f"give a name with letters or digits, or --id with lowercase letters, digits and single hyphens "
                    f"(at most {SLUG_MAX} characters)",
                )
            ]
        )
    taken = [path_for(project, k, id_) for k in KINDS]
    existing = next((p for p in taken if p.exists() or p.is_symlink()), None)
    if existing is not None:
        same = existing == target
        raise DiagnosticError(
            [
                error(
                    Where(existing, 1, 1),
                    Code.FILE_EXISTS if same else Code.DUPLICATE_ID,
                    "the file already exists; it was left as it is" if same else f"id '{id_}' is already used here",
                    "edit that file, or choose another name or --id"
                    if same
                    else "ids are unique across the whole fact sheet; choose another name or --id",
                )
            ]
        )
    return target
