"""`factsheet diff`: what a change does to the facts, for reviewers, as Markdown for a pull request.

Both sides are read with the same loader and validator as the check (the base from git, the head from
git or the working tree) and compared as model objects, field by field; citations are compared as
(source, quote) pairs, whichever part of the fact carries them. Facts that fail the check on one side
are left out of that side and counted, so the diff never hides that the check fails.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.checks import quotes
from generator.checks.convert import fields_of
from generator.checks.validate import check
from generator.inputs import git
from generator.inputs.load import load_project
from generator.model import (
    BY_KIND,
    ClockTime,
    FactBase,
    FactDate,
    SheetInfo,
    Source,
    all_citations,
    file_for,
    plain_text,
)
from generator.project import Project

FOLDERS = ("facts", "seeds")
INFO_ID = "factsheet"  # facts/factsheet.yaml, compared like a fact with this id


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class CitationRef:
    source: str
    quote: str


@dataclass(frozen=True)
class FactRef:
    kind: str
    id: str
    label: str
    path: str
    citations: int


@dataclass(frozen=True)
class FactChange:
    fact: FactRef
    fields: tuple[FieldChange, ...]
    citations_added: tuple[CitationRef, ...]
    citations_dropped: tuple[CitationRef, ...]


@dataclass(frozen=True)
class Side:
    """One side of the comparison: its name for readers, the facts that passed the check, its errors."""

    name: str
    facts: FactBase
    errors: int


@dataclass(frozen=True)
class FactsDiff:
    base: Side
    head: Side
    added: tuple[FactRef, ...]
    removed: tuple[FactRef, ...]
    changed: tuple[FactChange, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


# Reading each side ---------------------------------------------------------------------------------


def read_side(name: str, project: Project) -> Side:
    result = check(load_project(project))
    return Side(name, result.facts, len(result.errors))


def read_revision(root: Path, rev: str, name: str) -> Side:
    """The facts at a git revision, loaded from a temporary copy of its facts/ and seeds/."""
    files = git.files_at(root, rev, FOLDERS)
    with tempfile.TemporaryDirectory(prefix="factsheet-diff-") as tmp:
        base = Path(tmp)
        for folder in FOLDERS:
            (base / folder).mkdir()
        for path, data in files.items():
            # A crafted commit can hold tree entries such as '..'; never write outside the copy.
            if path.is_absolute() or any(part in ("", ".", "..") for part in path.parts):
                continue
            target = base.joinpath(*path.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return read_side(name, Project.at(base))


def diff_revisions(project: Project, base: str | None = None, head: str | None = None) -> FactsDiff:
    """Compare two revisions; by default the merge base with main and the working tree."""
    root = project.root
    base_side = (
        read_revision(root, base, base)
        if base is not None
        else read_revision(root, git.merge_base(root), "the merge base with main")
    )
    head_side = read_revision(root, head, head) if head is not None else read_side("the working tree", project)
    return compare(base_side, head_side)


# Comparing -----------------------------------------------------------------------------------------


def _collections(facts: FactBase) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {INFO_ID: {INFO_ID: facts.info}}
    for kind, cls in BY_KIND.items():
        out[kind] = getattr(facts, cls.FOLDER if cls is not Source else "sources")
    return out


def _path(kind: str, id_: str) -> str:
    return "facts/factsheet.yaml" if kind == INFO_ID else file_for(kind, id_)


def _label(obj: object) -> str:
    for name in ("name", "title", "question", "stance"):
        value = getattr(obj, name, None)
        if isinstance(value, str):
            return value
    return getattr(obj, "id", INFO_ID)


def _ref(kind: str, id_: str, obj: object) -> FactRef:
    return FactRef(kind, id_, _label(obj), _path(kind, id_), len(_citations(obj)))


def _citations(obj: object) -> list[CitationRef]:
    if isinstance(obj, SheetInfo | Source):
        return []
    return [CitationRef(c.source, c.quote) for c in all_citations(obj)]


def show(value: object) -> str:
    """A field's value as one line of plain text (citations are compared separately)."""
    if isinstance(value, list):
        return "; ".join(show(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, FactDate | ClockTime):
        cls: type = type(value)  # typed `type`: mypy finds no __hash__ on type[...] (mypy issue 20409)
        parts = [(name, show(getattr(value, name))) for name in fields_of(cls) if name != "citations"]
        head, *rest = parts
        extra = ", ".join(f"{k}: {v}" for k, v in rest if v)
        return f"{head[1]} ({extra})" if extra else head[1]
    return plain_text(value)


def _field_changes(before: object, after: object) -> list[FieldChange]:
    changes = []
    cls: type = type(before)  # as in `show`
    for name in fields_of(cls):
        if name == "citations":
            continue
        old, new = show(getattr(before, name)), show(getattr(after, name))
        if old != new:
            changes.append(FieldChange(name, old, new))
    if isinstance(before, Source) and isinstance(after, Source) and before.body != after.body:
        changes.append(FieldChange("article text", f"{len(before.body)} characters", f"{len(after.body)} characters"))
    return changes


def _minus(a: Iterable[CitationRef], b: Iterable[CitationRef]) -> tuple[CitationRef, ...]:
    # Quotes are compared folded, as the check finds them: retyping a dash is not a new citation.
    folded = {(c.source, quotes.fold_text(c.quote)) for c in b}
    seen: set[tuple[str, str]] = set()
    out = []
    for c in a:
        key = (c.source, quotes.fold_text(c.quote))
        if key not in folded and key not in seen:
            seen.add(key)
            out.append(c)
    return tuple(out)


def compare(base: Side, head: Side) -> FactsDiff:
    added: list[FactRef] = []
    removed: list[FactRef] = []
    changed: list[FactChange] = []
    old_all, new_all = _collections(base.facts), _collections(head.facts)
    for kind in old_all:
        old, new = old_all[kind], new_all[kind]
        for id_ in sorted(set(old) | set(new)):
            if id_ not in old:
                added.append(_ref(kind, id_, new[id_]))
            elif id_ not in new:
                removed.append(_ref(kind, id_, old[id_]))
            else:
                fields = _field_changes(old[id_], new[id_])
                before, after = _citations(old[id_]), _citations(new[id_])
                plus, minus = _minus(after, before), _minus(before, after)
                if fields or plus or minus:
                    changed.append(FactChange(_ref(kind, id_, new[id_]), tuple(fields), plus, minus))
    return FactsDiff(base, head, tuple(added), tuple(removed), tuple(changed))


# Markdown ------------------------------------------------------------------------------------------

# Backslash-escape what GitHub Markdown could act on inside a line (emphasis, code, links, HTML, table
# cells, strike-through, mentions, entities), so that fact text shows as typed and injects nothing.
# Text never starts a line here, so line-start syntax (#, -, 1.) needs no escape.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~@&])")


def md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


_LONG = 60  # characters: longer texts show only the words that changed, not both versions


def _is_long(c: FieldChange) -> bool:
    return bool(c.before and c.after) and max(len(c.before), len(c.after)) > _LONG


def _words_changed(c: FieldChange) -> str:
    return quotes.word_difference(
        c.before.split(" "),
        c.after.split(" "),
        removed=lambda t: f"~~{md(t)}~~ ",
        added=lambda t: f"**{md(t)}**",
        escape=md,
    )


def _fact_line(f: FactRef) -> str:
    count = f", {f.citations} citation{'s' * (f.citations != 1)}" if f.kind not in (INFO_ID, "source") else ""
    return f"- {f.kind} `{f.id}`: {md(f.label)} (`{f.path}`{count})"


def _citation_line(c: CitationRef) -> str:
    return f"  - `{c.source}`: “{md(c.quote)}”"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def to_markdown(diff: FactsDiff) -> str:
    lines = ["## Changes to the facts", ""]
    lines.append(f"From {md(diff.base.name)} to {md(diff.head.name)}: ")
    if diff.empty:
        lines[-1] += "no changes to the facts."
    else:
        lines[-1] += f"{len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed."
    for side in (diff.base, diff.head):
        if side.errors:
            lines += [
                "",
                f"> **Warning:** {md(side.name)} has {_count(side.errors, 'error')}; facts with errors are left "
                "out of this comparison. Run `factsheet check`.",
            ]
    if diff.added:
        lines += ["", "### Added", "", *(_fact_line(f) for f in diff.added)]
    if diff.removed:
        lines += ["", "### Removed", "", *(_fact_line(f) for f in diff.removed)]
    if diff.changed:
        lines += ["", "### Changed"]
        for change in diff.changed:
            f = change.fact
            lines += ["", f"#### {f.kind} `{f.id}`: {md(f.label)}", "", f"`{f.path}`"]
            short = [c for c in change.fields if not _is_long(c)]
            if short:
                lines += ["", "| field | before | after |", "| --- | --- | --- |"]
                lines += [f"| {c.field} | {md(c.before)} | {md(c.after)} |" for c in short]
            long = [c for c in change.fields if _is_long(c)]
            if long:
                lines += ["", *(f"- {c.field}: {_words_changed(c)}" for c in long)]
            if change.citations_added:
                lines += ["", f"- {_count(len(change.citations_added), 'citation')} added:"]
                lines += [_citation_line(c) for c in change.citations_added]
            if change.citations_dropped:
                lines += ["", f"- {_count(len(change.citations_dropped), 'citation')} dropped:"]
                lines += [_citation_line(c) for c in change.citations_dropped]
    return "\n".join(lines) + "\n"
