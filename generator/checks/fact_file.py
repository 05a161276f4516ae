"""The checks of one fact file on its own, after conversion (convert.py): rules within an entity,
attributions, claims and aliases that types alone cannot say, and the bounds that keep the checks across
files cheap (docs/security.md).
"""

from __future__ import annotations

import hashlib
import typing
from collections.abc import Iterator

from generator.checks import quotes
from generator.checks.convert import _convert
from generator.diagnostics import Code, Diagnostic, error, warning
from generator.inputs.load import Document
from generator.model import (
    Claim,
    Entity,
    Event,
    Position,
    Precision,
    SheetInfo,
    Source,
    Voice,
    Where,
    all_citations,
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
    # Steps with nothing to do (for most files) are skipped: a call costs microseconds of a file's few hundred.
    unresolved: tuple[tuple[str, str, str, Diagnostic], ...] = ()
    if conv.references:
        unresolved = tuple((r.kind, r.field, r.id, r.problem) for r in conv.references if r.problem is not None)[
            :MAX_REFERENCES
        ]
        held = {id(p) for *_, p in unresolved}
        problems = [p for p in problems if id(p) not in held]
    if len(references) > MAX_REFERENCES:
        problems.extend(_too_many(doc, references, MAX_REFERENCES, "references to other facts"))
        references = references[:MAX_REFERENCES]  # the rest is not looked up: the file is refused anyway
    if obj is None:
        return FileCheck(False, None, 0, 0, tuple(problems), (), references, (), unresolved=unresolved), None
    where = typing.cast("Entity | SheetInfo", obj).where  # every model object knows where it was written
    own = (*_entity_checks(obj), *_alias_checks(obj)) if not isinstance(obj, SheetInfo) else ()
    citations = tuple((c.source, c.quote, c.where.line, c.where.col) for c in all_citations(obj))
    if len(citations) > MAX_CITATIONS:
        problems.extend(_too_many(doc, citations, MAX_CITATIONS, "citations"))
        citations = citations[:MAX_CITATIONS]
    if isinstance(obj, Source):
        problems.extend(_too_many_paragraphs(obj, doc))
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
